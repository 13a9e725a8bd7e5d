"""The one JSON contract of every ``--json`` document and every ``to_dict()``: builders and validation.

What lives here: small builders for the shared objects (a quantity with its standard uncertainty, a space
group, a basis change, a warning, a failure) and :func:`validate`, which checks a document against the JSON
Schema the package ships for each command (``symstrain/schemas/<command>.json``, shared ``$defs`` in
``common.json``). The conventions, in short (the README says them in full):

* a measured or derived quantity is ``{"value": v, "su": s}``; ``v`` is None when unknown, ``s`` is None when
  the input gave no s.u. (never 0 for "unknown"); array quantities nest lists of the same shape;
* a temperature is always the key ``T`` (K); units live in the schemas, never in key names;
* a space group is always ``{"number", "symbol", "hall", "setting", "standard_setting"}``;
* a structure is referred to by ``file`` and ``block``; a warning is ``{"code", "source", "message"}``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np

#: version of the contract; bump when a key changes meaning
CONTRACT_VERSION = 1


def finite_or_none(x) -> float | None:
    """``x`` as a JSON number: a float, or None when it is missing, not a number or not finite (NaN, ±inf)."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def quantity(value, su=None) -> dict:
    """``{"value": v, "su": s}`` with None for a missing or non-finite value or s.u. (an s.u. of 0 stays 0)."""
    return {"value": finite_or_none(value), "su": finite_or_none(su)}


def quantity_array(values, sus=None) -> dict:
    """A Quantity whose value is an array (vector, tensor): nested lists, None where not finite.

    ``sus`` of the same shape (NaN entries become None) or None when no s.u. is known at all.
    """
    v = np.asarray(values, dtype=float)
    out = {"value": _nested(v)}
    if sus is None:
        out["su"] = None
    else:
        s = np.asarray(sus, dtype=float)
        out["su"] = None if not np.isfinite(s).any() else _nested(np.broadcast_to(s, v.shape))
    return out


def _nested(a: np.ndarray):
    if a.ndim == 0:
        return finite_or_none(a)
    return [_nested(x) for x in a]


def clean(x, scale: float = 1.0, rel: float = 1e-12):
    """``x`` with entries below ``rel·scale`` in magnitude set to exactly 0 (floating-point noise, never a value)."""
    a = np.asarray(x, dtype=float)
    out = np.where(np.abs(a) < rel * max(abs(float(scale)), 1e-300), 0.0, a) + 0.0
    return float(out) if out.ndim == 0 else out


def clean_su(su, floor: float = 1e-12):
    """An array of s.u.'s from finite differences with the entries that are rounding set to exactly 0: below
    ``floor``, or below 1e-9 of the array's largest (a first-order s.u. that is 0, e.g. of the component of a unit
    vector along itself, comes out ~1e-12 beside real ones of 1e-2). NaN (unknown) stays NaN."""
    a = np.asarray(su, dtype=float)
    finite = a[np.isfinite(a)]
    top = float(np.max(np.abs(finite))) if finite.size else 0.0
    out = np.where(np.abs(a) < max(floor, 1e-9 * top), 0.0, a) + 0.0
    return float(out) if out.ndim == 0 else out


def cell(c) -> dict:
    """The Cell object of a :class:`~symstrain.phase.Cell`: a, b, c (Å), alpha, beta, gamma (degrees) and volume
    (Å³), each a Quantity (s.u. None where the input gave none)."""
    names = ("a", "b", "c", "alpha", "beta", "gamma")
    out = {n: quantity(v, s) for n, v, s in zip(names, c.params, c.su)}
    out["volume"] = quantity(c.volume, c.volume_su)
    return out


def spacegroup(sg) -> dict:
    """The SpaceGroup object of a :class:`~symstrain.phase.SpaceGroupInfo` (or anything with number, hm, hall,
    setting and is_standard_setting)."""
    return {
        "number": int(sg.number),
        "symbol": str(sg.hm),
        "hall": (sg.hall or None),
        "setting": str(sg.setting),
        "standard_setting": bool(sg.is_standard_setting),
    }


def spacegroup_from_number(number: int | None) -> dict | None:
    """The SpaceGroup object of group ``number`` (a group detected by spglib) in spglib's standard setting, gemmi's
    first of the number: ITA's reference setting except origin choice 1 of the 24 groups with two (spglib's
    choice; gemmi's reference is choice 2), whose ``standard_setting`` is then false and ``setting`` says so, as for
    a file in that setting (sweep 17: a detected I 4₁/a m d:1 said true beside the declared one's false). None for
    None."""
    if number is None:
        return None
    return dict(_detected_group(int(number)))


@lru_cache(maxsize=None)
def _detected_group(number: int) -> tuple:
    import gemmi

    sg = gemmi.find_spacegroup_by_number(number)
    std = bool(sg.is_reference_setting())
    return (("number", number), ("symbol", sg.xhm()), ("hall", sg.hall),
            ("setting", sg.xhm() if std else f"{sg.xhm()} (non-standard setting of {number})"),
            ("standard_setting", std))


def basis_change(P, p) -> dict:
    """``{"P", "basis", "p", "origin"}``: child basis = parent basis · P, x_parent = P·x_child + p."""
    from .notation import basis_string, fmt_vector

    P = np.asarray(P, dtype=float)
    p = np.asarray(p, dtype=float).reshape(3)
    return {"P": clean(P).tolist(), "basis": basis_string(P), "p": clean(p).tolist(), "origin": fmt_vector(p)}


def structure(phase) -> dict:
    """A structure: ``{"file", "block", "T", "spacegroup"}`` (T a Quantity in K)."""
    return {
        "file": str(phase.source) if phase.source is not None else None,
        "block": phase.block or None,
        "T": quantity(phase.temperature, phase.temperature_su),
        "spacegroup": spacegroup(phase.spacegroup),
    }


#: the code a plain string gets in :func:`warning_records`: a producer that does not code its warnings (a bug: every
#: module lists the codes it writes in its ``WARNING_CODES``; the tests refuse this code in every command's output)
UNCODED = "uncoded"


def warning_records(items, source: str = "symstrain") -> list:
    """Every item as an :class:`~symstrain.errors.WarningRecord`, each once: records kept, a
    :class:`~symstrain.errors.WarningText` (or any object carrying a ``record``) gives its record, a
    ``{"code", "source", "message"}`` dict is read; a plain string (a producer not yet coded) gets the code
    :data:`UNCODED` and ``source``."""
    from .errors import WarningRecord, unique_warnings

    out = []
    for w in items:
        if isinstance(w, WarningRecord):
            out.append(w)
        elif isinstance(getattr(w, "record", None), WarningRecord):
            out.append(w.record)
        elif isinstance(w, dict) and {"code", "source", "message"} <= set(w):
            out.append(WarningRecord(w["code"], w["source"], w["message"]))
        else:
            out.append(WarningRecord(UNCODED, source, str(w)))
    return unique_warnings(out)


def failure(file, message: str, block: str | None = None) -> dict:
    """A batch item that could not be done."""
    return {"file": str(file), "block": block, "message": " ".join(str(message).split())}


# ------------------------------------------------------------------------------------------------ validation


@lru_cache(maxsize=1)
def _registry():
    from importlib.resources import files

    from referencing import Registry, Resource

    schemas = {}
    for entry in files("symstrain.schemas").iterdir():
        if entry.name.endswith(".json"):
            schemas[entry.name[:-5]] = json.loads(entry.read_text(encoding="utf-8"))
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    return schemas, registry


def schema(command: str) -> dict:
    """The JSON Schema of one command's ``--json`` document (``model-series`` and ``model_series`` both work)."""
    schemas, _ = _registry()
    name = command.replace("-", "_")
    if name not in schemas or name == "common":
        raise KeyError(f"no schema for command {command!r}")
    return schemas[name]


def validate(command: str, doc: dict) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``doc`` follows the schema of ``command`` (needs jsonschema)."""
    from jsonschema import Draft202012Validator

    _, registry = _registry()
    Draft202012Validator(schema(command), registry=registry).validate(doc)
