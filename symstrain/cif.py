"""Reading crystal structures from CIF files into :class:`~symstrain.phase.Phase` objects.

``read_cif(path, block=None)`` and ``list_blocks(path)`` are the public entry points;
``phase_from_block(block, source)`` does the same for a ``gemmi.cif.Block`` already in memory.
Parsing is gemmi's; everything that needs judgement (s.u.'s, which symmetry item wins, quirks of
real files) is done here, and every assumption made is recorded in ``Phase.warnings``.
Working out the declared space group from the symmetry items lives in ``cif_spacegroup.py`` (this module
only reads the items and calls it); symmetry *detection* in ``detect.py``; writing CIFs in ``writer.py``.

Rules applied (in this order of precedence)
-------------------------------------------
* Numbers with s.u.'s: ``12.370(2)`` → (12.370, 0.002), s.u. in units of the last digit;
  ``293.0(1.5)`` → (293.0, 1.5) (an s.u. with a decimal point is taken literally);
  ``90.(0)`` → (90.0, 0.0); ``?``/``.``/absent → no s.u. (None).
* Space group: operator list (``_symmetry_equiv_pos_as_xyz``, ``_space_group_symop_operation_xyz``)
  → H-M symbol → Hall symbol → IT number → P 1 assumed with a warning. Operators are kept as
  written (translations reduced mod 1); an H-M symbol of another group type than the operators is an
  error, a different setting or origin of the same type is a warning (details in ``cif_spacegroup.py``).
* Temperature (K): ``_diffrn_ambient_temperature`` → ``_cell_measurement_temperature`` → their
  ``_C`` variants (+273.15); ranges ``100-102K`` give the midpoint and values with a unit ``293K``
  are read, both with a warning; words such as ``RT`` are not numbers (warning).
* Occupancy ``?`` → 1 with a warning, ``.`` or absent → 1. B values are converted to U = B / (8π²).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from .errors import SymstrainInputError
from .phase import CELL_NAMES, Atom, Cell, Phase
from .cif_spacegroup import SymmetryItems, declared_spacegroup, reduce_to_true_lattice, setting_from_number

_NUM_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+)?(?:\((\d*\.?\d*)\))?([eE][+-]?\d+)?$")
_PLAIN_CHARS = frozenset("0123456789.+-eE")
_EIGHT_PI2 = 8.0 * math.pi**2

_CELL_TAGS = {
    "a": "_cell_length_a",
    "b": "_cell_length_b",
    "c": "_cell_length_c",
    "alpha": "_cell_angle_alpha",
    "beta": "_cell_angle_beta",
    "gamma": "_cell_angle_gamma",
}
_SYMOP_TAGS = (
    "_symmetry_equiv_pos_as_xyz",
    "_space_group_symop_operation_xyz",
    "_space_group_symop.operation_xyz",
)
_HM_TAGS = ("_symmetry_space_group_name_H-M", "_space_group_name_H-M_alt", "_space_group.name_H-M_alt")
_HALL_TAGS = ("_symmetry_space_group_name_Hall", "_space_group_name_Hall", "_space_group.name_Hall")
_NUMBER_TAGS = ("_symmetry_Int_Tables_number", "_space_group_IT_number", "_space_group.IT_number")
_SUPERSPACE_TAGS = (
    "_space_group_symop_ssg_operation_algebraic",
    "_space_group_ssg_name",
    "_space_group_ssg_name_WJJ",
    "_space_group_ssg_name_IT",
    "_cell_wave_vector_x",
    "_cell_wave_vector_seq_id",
)
_TEMPERATURE_TAGS = (
    ("_diffrn_ambient_temperature", 0.0),
    ("_cell_measurement_temperature", 0.0),
    ("_diffrn_ambient_temperature_C", 273.15),
    ("_cell_measurement_temperature_C", 273.15),
)


# ----------------------------------------------------------------------------- numbers


def parse_number(text: str | None) -> tuple[float | None, float | None]:
    """(value, s.u.) from a CIF number such as ``12.370(2)``; (None, None) for ``?``, ``.`` or absent.

    Raises ``ValueError`` for text that is not a number.
    """
    if text is None:
        return None, None
    s = _unquote(text).strip()
    if s in ("", "?", "."):
        return None, None
    if _PLAIN_CHARS.issuperset(s):
        try:
            return float(s), None
        except ValueError:
            raise ValueError(s) from None
    m = _NUM_RE.match(s)
    if not m:
        raise ValueError(s)
    mant, exp1, su_text, exp2 = m.groups()
    if exp1 and exp2:
        raise ValueError(s)
    exp = exp1 or exp2
    value = float(mant + (exp or ""))
    su = None
    if su_text is not None and su_text not in ("", "."):
        if "." in su_text:
            su = float(su_text)
        else:
            decimals = len(mant.split(".")[1]) if "." in mant else 0
            su = int(su_text) / 10.0**decimals
        if exp:
            su *= 10.0 ** int(exp[1:])
    if not math.isfinite(value):
        raise ValueError(s)
    return value, su


def _unquote(v: str) -> str:
    import gemmi

    return gemmi.cif.as_string(v) if v and v[0] in "'\";" else v


def _is_null(v: str | None) -> bool:
    return v is None or _unquote(v).strip() in ("", "?", ".")


# ----------------------------------------------------------------------------- documents


def _read_document(path: Path):
    import gemmi

    if not path.exists():
        raise SymstrainInputError(path, "no such file")
    if path.is_dir():
        raise SymstrainInputError(path, "is a directory, not a CIF file")
    try:
        doc = gemmi.cif.read(str(path))
    except (ValueError, RuntimeError) as exc:
        msg = " ".join(str(exc).split())
        m = re.match(r"^.*?:(\d+):\d+(?:\(\d+\))?:\s*(.*)$", msg)
        if m:
            line, what = m.groups()
            if what.startswith("expected block header") and int(line) <= 1:
                raise SymstrainInputError(path, f"not a CIF file (line {line}: {what})") from None
            if "Wrong number of values in loop" in what:
                raise SymstrainInputError(path, f"truncated or broken loop at line {line}: {what}") from None
            raise SymstrainInputError(path, f"CIF syntax error at line {line}: {what}") from None
        raise SymstrainInputError(path, f"cannot parse as CIF: {msg}") from None
    except UnicodeDecodeError:
        raise SymstrainInputError(path, "not a text file, so not a CIF") from None
    if len(doc) == 0:
        raise SymstrainInputError(path, "empty file: no data_ block")
    return doc


def list_blocks(path) -> list[str]:
    """Names of the data blocks in a CIF file, in file order."""
    doc = _read_document(Path(path))
    return [b.name for b in doc]


def _has_structure(block) -> bool:
    has_cell = block.find_value("_cell_length_a") is not None
    has_atoms = any(block.find_values(t) for t in ("_atom_site_fract_x", "_atom_site_Cartn_x"))
    return has_cell and has_atoms


def read_cif(path, block: str | None = None) -> Phase:
    """Read one structure from a CIF file.

    ``block`` picks a data block by name (without ``data_``); by default the first block that has
    both a cell and atom sites. Raises :class:`SymstrainInputError` naming the file for anything
    that cannot be read without guessing.
    """
    path = Path(path)
    doc = _read_document(path)
    names = [b.name for b in doc]
    if block is not None:
        wanted = block[5:] if block.lower().startswith("data_") else block
        chosen = next((b for b in doc if b.name == wanted), None)
        if chosen is None:
            chosen = next((b for b in doc if b.name.lower() == wanted.lower()), None)
        if chosen is None:
            raise SymstrainInputError(path, f"no data block {block!r}; blocks available: {', '.join(names)}")
    else:
        chosen = next((b for b in doc if _has_structure(b)), doc[0])
    return phase_from_block(chosen, str(path))


def phase_from_block(block, source: str = "<memory>") -> Phase:
    """Build a :class:`Phase` from a ``gemmi.cif.Block`` (see the module docstring for the rules)."""
    warnings: list[str] = []
    _reject_superspace(block, source)
    cell = _read_cell(block, source, warnings)
    sg, extra_translations = declared_spacegroup(_symmetry_items(block), cell, source, warnings)
    formula = _text(block, "_chemical_formula_sum")
    atoms = _read_atoms(block, source, cell, warnings, formula)
    if extra_translations is not None:
        cell, sg, atoms = reduce_to_true_lattice(cell, sg, atoms, extra_translations, source, warnings)
    if sg.source == "number":
        sg = setting_from_number(sg, cell, atoms, warnings)
    temp, temp_su, temp_src = _read_temperature(block, source, warnings)
    z, _ = _number(block, "_cell_formula_units_Z", source)
    return Phase(
        cell=cell,
        spacegroup=sg,
        atoms=tuple(atoms),
        source=source,
        block=block.name,
        temperature=temp,
        temperature_su=temp_su,
        temperature_source=temp_src,
        formula=formula,
        z=z,
        warnings=tuple(warnings),
    )


# ----------------------------------------------------------------------------- small helpers


def _text(block, tag) -> str | None:
    v = block.find_value(tag)
    if _is_null(v):
        return None
    return " ".join(_unquote(v).split())


def _first_text(block, tags) -> tuple[str | None, str | None]:
    for t in tags:
        v = _text(block, t)
        if v is not None:
            return v, t
    return None, None


def _number(block, tag, source) -> tuple[float | None, float | None]:
    v = block.find_value(tag)
    try:
        return parse_number(v)
    except ValueError:
        raise SymstrainInputError(source, f"{tag} is not a number: {_unquote(v)!r}") from None


# ----------------------------------------------------------------------------- cell


def _reject_superspace(block, source):
    dim = block.find_value("_cell_modulation_dimension")
    try:
        dim_value = parse_number(dim)[0]
    except ValueError:
        dim_value = None
    tags = [t for t in _SUPERSPACE_TAGS if block.find_values(t)]
    if (dim_value or 0) > 0 or tags:
        what = f"_cell_modulation_dimension {int(dim_value)}" if dim_value else tags[0]
        raise SymstrainInputError(source, f"modulated structures are not supported ({what}: superspace group)")


def _read_cell(block, source, warnings) -> Cell:
    vals, sus = [], []
    for name in CELL_NAMES:
        tag = _CELL_TAGS[name]
        raw = block.find_value(tag)
        if raw is None:
            raise SymstrainInputError(source, f"no cell: {tag} is missing")
        if _is_null(raw):
            raise SymstrainInputError(source, f"{tag} is {_unquote(raw)!r} (unknown); the cell is incomplete")
        v, s = _number(block, tag, source)
        vals.append(v)
        sus.append(s)
    a, b, c, al, be, ga = vals
    for name, v in zip(CELL_NAMES[:3], (a, b, c)):
        if not v > 0:
            raise SymstrainInputError(source, f"cell length {name} = {v:g} Å is not positive")
    for name, v in zip(CELL_NAMES[3:], (al, be, ga)):
        if not 0 < v < 180:
            raise SymstrainInputError(source, f"cell angle {name} = {v:g}° is outside (0, 180)")
    ca, cb, cg = (math.cos(math.radians(x)) for x in (al, be, ga))
    if 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg <= 1e-10:
        raise SymstrainInputError(
            source, f"cell angles α={al:g}°, β={be:g}°, γ={ga:g}° give no positive volume (impossible cell)"
        )
    cell = Cell(a, b, c, al, be, ga, tuple(sus))
    v_given, v_su = _number(block, "_cell_volume", source)
    if v_given is not None and v_given > 0:
        tol = max(3 * (v_su or 0.0), 0.005 * cell.volume)
        if abs(v_given - cell.volume) > tol:
            warnings.append(
                f"_cell_volume {v_given:g} Å³ differs from {cell.volume:.2f} Å³ computed from the cell parameters"
            )
    return cell


# ----------------------------------------------------------------------------- symmetry items


def _symmetry_items(block) -> SymmetryItems:
    """The block's operator list and H-M / Hall / IT-number items as text, for ``cif_spacegroup``."""
    hm, hm_tag = _first_text(block, _HM_TAGS)
    hall, hall_tag = _first_text(block, _HALL_TAGS)
    number, number_tag = _first_text(block, _NUMBER_TAGS)
    operators, op_tag = None, None
    for tag in _SYMOP_TAGS:
        col = block.find_values(tag)
        if col and len(col) > 0:
            operators, op_tag = tuple(_unquote(raw).strip() for raw in col), tag
            break
    return SymmetryItems(operators, op_tag, hm, hm_tag, hall, hall_tag, number, number_tag)


# ----------------------------------------------------------------------------- atoms


def _element_from(symbol: str | None, strict_case: bool) -> str | None:
    """Element symbol from a type symbol ('Ta5+', 'O2-', 'Fe') or a site label ('Ca1', 'O2', 'Dw')."""
    import gemmi

    if not symbol:
        return None
    m = re.match(r"^([A-Za-z]{1,2})", symbol)
    if not m:
        return None
    letters = m.group(1)

    def valid(s):
        s = s[0].upper() + s[1:].lower()
        return s if gemmi.Element(s).atomic_number > 0 or s == "D" else None

    if len(letters) == 2 and (not strict_case or letters[1].islower()):
        e = valid(letters)
        if e:
            return e
    e = valid(letters[0])
    if e:
        return e
    if len(letters) == 2:
        return valid(letters)
    return None


def _column(block, tag):
    col = block.find_values(tag)
    return [str(v) for v in col] if col is not None and len(col) > 0 else None


def _formula_elements(formula: str | None) -> set[str] | None:
    if not formula:
        return None
    found = set(re.findall(r"([A-Z][a-z]?)", formula))
    return found or None


def _read_atoms(block, source, cell, warnings, formula=None) -> list[Atom]:
    labels = _column(block, "_atom_site_label")
    types = _column(block, "_atom_site_type_symbol")
    fx = [_column(block, f"_atom_site_fract_{k}") for k in "xyz"]
    cart = [_column(block, f"_atom_site_Cartn_{k}") for k in "xyz"]
    if fx[0] is not None:
        if any(c is None for c in fx):
            raise SymstrainInputError(source, "_atom_site_fract_x, _y and _z are not all present")
        coords_raw, kind = fx, "fract"
    elif cart[0] is not None:
        if any(c is None for c in cart):
            raise SymstrainInputError(source, "_atom_site_Cartn_x, _y and _z are not all present")
        coords_raw, kind = cart, "Cartn"
    else:
        hint = ""
        if any(block.find_values(t) for t in ("_refln_index_h", "_twin_refln_index_h", "_diffrn_refln_index_h")):
            hint = ": this block holds reflection data, not a structure"
        raise SymstrainInputError(source, f"no atom sites (_atom_site_fract_x/y/z){hint}")
    n = len(coords_raw[0])
    if labels is None:
        labels = [f"{(_unquote(t) if types else 'X')}{i + 1}" for i, t in enumerate(types or [""] * n)]
    cols = {
        "occ": _column(block, "_atom_site_occupancy"),
        "uiso": _column(block, "_atom_site_U_iso_or_equiv"),
        "biso": _column(block, "_atom_site_B_iso_or_equiv"),
        "dis": _column(block, "_atom_site_disorder_group"),
    }
    for name, col in [("label", labels), ("type", types), *[(k, c) for k, c in cols.items()]]:
        if col is not None and len(col) != n:
            raise SymstrainInputError(source, f"_atom_site_ columns have different lengths ({name})")

    xyz = np.zeros((n, 3))
    xyz_su = np.full((n, 3), np.nan)
    for k in range(3):
        for i, raw in enumerate(coords_raw[k]):
            try:
                v, s = parse_number(raw)
            except ValueError:
                v = None
            if v is None:
                raise SymstrainInputError(
                    source, f"atom {_unquote(labels[i])!r}: coordinate _atom_site_{kind}_{'xyz'[k]} = "
                    f"{_unquote(raw)!r} is not a number"
                )
            xyz[i, k] = v
            if s is not None:
                xyz_su[i, k] = s
    if kind == "Cartn":
        xyz, xyz_su = _cartesian_to_fractional(block, source, cell, xyz, xyz_su, warnings)

    aniso = _read_aniso(block, source)
    formula_elements = _formula_elements(formula)
    from_label_notes: list[str] = []
    atoms: list[Atom] = []
    skipped, q_occ, zero_occ, over_one = [], [], [], []
    for i in range(n):
        label = _unquote(labels[i]).strip()
        tsym = None if types is None or _is_null(types[i]) else _unquote(types[i]).strip()
        element = _element_from(tsym, strict_case=False) if tsym else None
        if element is None:
            element = _element_from(label, strict_case=True)
            in_formula = formula_elements is None or element in formula_elements or (
                element == "D" and "H" in formula_elements)
            if label.lower().startswith("wat") and not (formula_elements and "W" in formula_elements):
                element = "O"  # 'Wat1': a water oxygen, not tungsten
                from_label_notes.append(f"{label}→O")
            elif element is not None and not in_formula:
                from_label_notes.append(f"{label}→{element} (not in the formula)")
        if element is None:
            skipped.append(label)
            continue
        occ = 1.0
        if cols["occ"] is not None:
            raw = _unquote(cols["occ"][i]).strip()
            if raw == "?":
                q_occ.append(label)
            elif raw != ".":
                try:
                    occ = parse_number(raw)[0]
                except ValueError:
                    raise SymstrainInputError(source, f"atom {label!r}: occupancy {raw!r} is not a number") from None
                if occ < 0:
                    raise SymstrainInputError(source, f"atom {label!r}: occupancy {occ:g} is negative")
                if occ > 1.0 + 1e-6:
                    over_one.append(f"{label} {occ:g}")
                if occ == 0:
                    zero_occ.append(label)
        u = None
        if cols["uiso"] is not None:
            try:
                u = parse_number(cols["uiso"][i])[0]
            except ValueError:
                u = None
        if u is None and cols["biso"] is not None:
            try:
                b = parse_number(cols["biso"][i])[0]
            except ValueError:
                b = None
            u = None if b is None else b / _EIGHT_PI2
        dis = "" if cols["dis"] is None or _is_null(cols["dis"][i]) else _unquote(cols["dis"][i]).strip()
        atoms.append(Atom(label, element, xyz[i].copy(), xyz_su[i].copy(), float(occ), u, aniso.get(label), dis))
    if from_label_notes:
        warnings.append(
            "element guessed from the site label: " + ", ".join(from_label_notes[:6])
            + (" …" if len(from_label_notes) > 6 else "")
        )
    if skipped:
        warnings.append(
            f"{len(skipped)} atom site(s) with no recognisable element skipped: {', '.join(skipped[:6])}"
            + (" …" if len(skipped) > 6 else "")
        )
    if q_occ:
        warnings.append(f"occupancy '?' taken as 1 for {len(q_occ)} site(s): {', '.join(q_occ[:6])}" + (" …" if len(q_occ) > 6 else ""))
    if over_one:
        warnings.append(f"occupancy above 1 kept as written for {len(over_one)} site(s): {', '.join(over_one[:6])}")
    if zero_occ:
        warnings.append(
            f"{len(zero_occ)} site(s) with occupancy 0 kept in the atom list but left out of symmetry detection: "
            + ", ".join(zero_occ[:6]) + (" …" if len(zero_occ) > 6 else "")
        )
    groups = sorted({a.disorder_group for a in atoms if a.disorder_group})
    if groups:
        n_dis = sum(1 for a in atoms if a.disorder_group)
        note = f"disorder: {n_dis} site(s) in disorder group(s) {', '.join(groups)}"
        if cols["occ"] is None:
            note += "; the file gives no occupancies, so every site is taken as fully occupied"
        warnings.append(note)
    elif cols["dis"] is not None and cols["occ"] is None:
        warnings.append(
            "the file has an _atom_site_disorder_group column (no group given) but no occupancies: "
            "every site is taken as fully occupied"
        )
    if not atoms:
        raise SymstrainInputError(source, "no atom site with a recognisable element")
    return atoms


def _read_aniso(block, source) -> dict:
    labels = _column(block, "_atom_site_aniso_label")
    if labels is None:
        return {}
    names = ("11", "22", "33", "12", "13", "23")
    cols = [_column(block, f"_atom_site_aniso_U_{k}") for k in names]
    scale = 1.0
    if any(c is None for c in cols):
        cols = [_column(block, f"_atom_site_aniso_B_{k}") for k in names]
        scale = 1.0 / _EIGHT_PI2
        if any(c is None for c in cols):
            return {}
    out = {}
    for i, lab in enumerate(labels):
        try:
            vals = [parse_number(c[i])[0] for c in cols]
        except (ValueError, IndexError):
            continue
        if any(v is None for v in vals):
            continue
        out[_unquote(lab).strip()] = tuple(v * scale for v in vals)
    return out


def _cartesian_to_fractional(block, source, cell, xyz, xyz_su, warnings):
    M = np.zeros((3, 3))
    vec = np.zeros(3)
    have = True
    for i in range(3):
        for j in range(3):
            v = parse_number(block.find_value(f"_atom_sites_fract_tran_matrix_{i + 1}{j + 1}"))[0]
            if v is None:
                have = False
            else:
                M[i, j] = v
        t = parse_number(block.find_value(f"_atom_sites_fract_tran_vector_{i + 1}"))[0]
        vec[i] = t or 0.0
    if not have:
        raise SymstrainInputError(
            source, "atom sites are given only as Cartesian coordinates (_atom_site_Cartn_*) and the file has no "
            "complete _atom_sites_fract_tran_matrix to convert them"
        )
    frac = xyz @ M.T + vec
    Minv_cell = np.linalg.inv(cell.matrix())
    if not np.allclose(np.abs(M), np.abs(Minv_cell), rtol=0.01, atol=1e-4):
        warnings.append(
            "_atom_sites_fract_tran_matrix does not match the inverse of the cell's orthogonalisation matrix; "
            "the file's matrix was used"
        )
    warnings.append("fractional coordinates computed from Cartesian _atom_site_Cartn_* with _atom_sites_fract_tran_matrix")
    su = np.abs(M) @ np.nan_to_num(xyz_su.T, nan=0.0)
    su = np.where(np.isnan(xyz_su).all(axis=1)[:, None], np.nan, su.T)
    return frac, su


# ----------------------------------------------------------------------------- temperature


_RANGE_RE = re.compile(r"^([+-]?\d+(?:\.\d*)?)\s*(?:-|–|to)\s*([+-]?\d+(?:\.\d*)?)\s*(K|C)?$", re.I)
_UNIT_RE = re.compile(r"^([+-]?\d+(?:\.\d*)?(?:\(\d+\))?)\s*(K|C|°C|deg\.?\s*C)$", re.I)
_TITLE_T_RE = re.compile(r"\bT\s*=\s*(-?\d+(?:\.\d+)?)\s*(K|°?\s*C)\b")


def _read_temperature(block, source, warnings):
    """(T, s.u., tag) in K; None's when no item gives a number (with warnings for unreadable ones)."""
    result = (None, None, None)
    for tag, offset in _TEMPERATURE_TAGS:
        raw = block.find_value(tag)
        if _is_null(raw):
            continue
        text = _unquote(raw).strip()
        value = su = None
        try:
            value, su = parse_number(text)
        except ValueError:
            m = _RANGE_RE.match(text)
            u = _UNIT_RE.match(text)
            if m:
                lo, hi = float(m.group(1)), float(m.group(2))
                value = 0.5 * (lo + hi)
                su = None
                off = 273.15 if (m.group(3) or "").upper() == "C" else offset
                if result[0] is None:
                    warnings.append(
                        f"{tag} {text!r} is a range: its midpoint {value + off:g} K is used (half-width {abs(hi - lo) / 2:g} K)"
                    )
            elif u:
                value, su = parse_number(u.group(1))
                off = 273.15 if "C" in u.group(2).upper() else offset
                if result[0] is None:
                    warnings.append(f"{tag} {text!r} carries a unit: read as {value + off:g} K")
            else:
                warnings.append(f"{tag} {text!r} is not a number; not used as a temperature")
                continue
            offset = off
        if result[0] is not None:
            continue
        t = value + offset
        if t <= 0:
            warnings.append(f"{tag} {text!r} gives {t:g} K, not a temperature in K; not used")
            continue
        result = (t, su, tag)
    if result[0] is None:
        title = _text(block, "_publ_section_title") or ""
        m = _TITLE_T_RE.search(title)
        if m:
            warnings.append(
                f"no temperature item; the title mentions {m.group(0)!r}, which is not used as the temperature"
            )
    return result
