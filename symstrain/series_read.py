"""Reading a temperature series into one normalised cell table: a CSV of cells, many CIFs, or Phases in memory.

What lives here
---------------
* :func:`read_cells_csv` — a sequential-refinement cell table (T, a, b, c, α, β, γ, optional s.u.'s, branch,
  label, space group) into the normalised :class:`pandas.DataFrame` (columns :data:`CELL_TABLE_COLUMNS`).
* :func:`read_series` — many CIFs (any order) into the same table; a file that cannot be read is listed, not
  raised, whatever the exception (the batch goes on).
* :func:`cells_from_phases` — the same from :class:`~symstrain.phase.Phase` objects already in memory.
* :func:`branch_from_name` — heating / cooling from a file or block name ("…_heating_…", "cooling", "up", "down",
  "warming"); :func:`normalise_branch` for the spellings users type.

What does not: strain (``series.py``), references (``reference.py``, ``paraphase.py``). Only the two readers
touch files; nothing here prints or plots.

Normalised cell table
---------------------
``label`` (unique name of the row: ``file:block`` for CIFs, ``file:line`` or the label column for CSV rows),
``file``, ``block`` (the CIF data block; for a CSV row its label or ``line N``), ``T`` and ``T_su`` (K; NaN when
unknown), ``branch`` ("heating", "cooling" or "" when not known: such rows are never joined by lines), ``spacegroup``
(H-M symbol of the row's setting, "" when unknown), ``sg_number`` (0 when unknown), ``sg_detected`` (spglib,
text), the six lattice parameters (Å, degrees) and their ``<name>_su`` (NaN when unknown, never 0 for unknown).
Warnings of the readers travel in ``DataFrame.attrs["warnings"]``, each a :class:`~symstrain.errors.WarningText`
(one line that carries its coded record; codes in :data:`WARNING_CODES`, and a CIF's own warnings keep the
reader's codes, ``cif.WARNING_CODES``, with the file's name put in front of the message), and unreadable inputs
in ``DataFrame.attrs["failed"]`` (``{"source", "problem", "file", "block"}``).
"""

from __future__ import annotations

import math
import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import SymstrainInputError, WarningText
from .lattice import volume
from .phase import CELL_NAMES, Cell, Phase

CELL_TABLE_COLUMNS = (["label", "file", "block", "T", "T_su", "branch", "spacegroup", "sg_number", "sg_detected"]
                      + list(CELL_NAMES) + [f"{n}_su" for n in CELL_NAMES])
BRANCH_ORDER = {"heating": 0, "cooling": 1, "": 2}

#: codes of the warnings this module writes itself (a CIF's warnings keep the reader's codes)
WARNING_CODES = {
    "ignored_columns": "columns of the cell CSV that are not read",
    "spacegroup_not_recognised": "space-group names of the cell CSV that name no group: those rows have none",
    "angle_assumed": "no column for an angle of the cell CSV: 90° assumed",
    "detected_group_differs": "spglib detects another group than the CIF declares",
    "detection_failed": "space-group detection failed on a structure (the row is kept, without a detected group)",
    "mixed_compositions": "the structures of a series hold different compounds (their strains compare unlike cells)",
    "structure_given_twice": "one structure (file and data block) given more than once: a row each",
    "structures_same_temperature": "different structures of one group and branch at one temperature: a row each",
}

#: two structures of a series hold the same compound when the shares of every element among their atoms other than
#: H and D (often not located) differ by at most this (a few per cent substitution stays one compound: lawsonite with
#: 3 % Fe on the Al site differs from the pure one by 0.4 %)
COMPOSITION_TOLERANCE = 0.02

_ALIASES = {
    "T": ("t", "temperature", "temp", "t_k", "tk", "temperature_k"),
    "a": ("a", "cell_a", "length_a"),
    "b": ("b", "cell_b", "length_b"),
    "c": ("c", "cell_c", "length_c"),
    "alpha": ("alpha", "al", "α", "cell_alpha", "angle_alpha"),
    "beta": ("beta", "be", "β", "cell_beta", "angle_beta"),
    "gamma": ("gamma", "ga", "γ", "cell_gamma", "angle_gamma"),
    "branch": ("branch", "direction", "dir", "ramp", "mode", "heating_cooling"),
    "label": ("label", "name", "run", "scan", "id"),
    # the table's own CSV (and many users') carries both: they make the row's label "file:block" together
    "file": ("file", "filename", "cif"),
    "block": ("block", "data_block", "datablock"),
    "spacegroup": ("spacegroup", "space_group", "sg", "phase", "group"),
}
_SU_PATTERNS = ("{}_su", "{}_esd", "{}_err", "{}_error", "{}_sigma", "{}_s.u.", "su_{}", "esd_{}", "sigma_{}",
                "err_{}", "s{}", "d{}")
_BRANCH_WORDS = {
    "heating": "heating", "heat": "heating", "h": "heating", "up": "heating", "warming": "heating", "w": "heating",
    "+": "heating",
    "cooling": "cooling", "cool": "cooling", "c": "cooling", "down": "cooling", "-": "cooling",
    "": "", "nan": "", "none": "", "?": "", ".": "", "unspecified": "",
}
#: whole words of a file or block name that say the branch (single letters are too ambiguous to be read there)
_NAME_WORDS = {"heating": "heating", "heat": "heating", "warming": "heating", "warm": "heating", "up": "heating",
               "heatup": "heating", "warmup": "heating", "cooling": "cooling", "cool": "cooling",
               "down": "cooling", "cooldown": "cooling"}
_WORD = re.compile(r"[a-z]+")


def normalise_branch(value, source: str = "--branch") -> str:
    """'heating' | 'cooling' | '' from the usual spellings (h/heat/up/warming, c/cool/down)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    key = str(value).strip().lower()
    if key not in _BRANCH_WORDS:
        raise SymstrainInputError(source, f"branch {value!r} is neither heating nor cooling")
    return _BRANCH_WORDS[key]


def branch_from_name(*names) -> str:
    """'heating' or 'cooling' when the words of the names (file stem, block) say so unambiguously, else ''."""
    found = set()
    for name in names:
        if not name:
            continue
        base = re.split(r"[/\\]", str(name))[-1]
        found.update(_NAME_WORDS[w] for w in _WORD.findall(base.lower()) if w in _NAME_WORDS)
    return found.pop() if len(found) == 1 else ""


@lru_cache(maxsize=256)
def spacegroup_of(text: str):
    """(H-M symbol of the setting, number) of a space-group name or number as users write it ('Pmcn',
    'P 21 c n', 'P2_1cn', '62'), or ('', 0) when it names none."""
    import gemmi

    t = str(text).strip()
    if not t or t.lower() in ("nan", "none", "?", "."):
        return "", 0
    try:
        sg = gemmi.find_spacegroup_by_name(t)
    except (ValueError, RuntimeError):
        sg = None
    if sg is None and t.isdigit() and 1 <= int(t) <= 230:
        sg = gemmi.find_spacegroup_by_number(int(t))
    return (sg.xhm(), int(sg.number)) if sg is not None else ("", 0)


def read_cells_csv(path, *, branch: str | None = None):
    """Read a cell table (comma, ';', tab or space separated) into the normalised table of this module.

    Required columns: a temperature (T, temperature, temp …), a, b, c. Optional: alpha, beta, gamma (90°
    assumed with a warning when absent), s.u. columns (``a_su``, ``a_esd``, ``sigma_a`` …, or ``10.234(3)``), a
    branch column (heating/cooling, h/c, up/down), a label column (or file and block columns, as the CSV of
    ``symstrain table`` has: label "file:block") and a space-group column (symbol or number, in the setting of
    the cells). A unit in brackets in a header is converted ("T (°C)", "a (nm)", "beta (rad)") or refused when
    unknown (``csv_input``: K, °C; Å, nm, pm; degrees, radians). Unknown columns are ignored
    with a warning. Raises :class:`SymstrainInputError` naming the file for missing columns, non-numeric or
    missing values, impossible cells or T < 0. ``branch`` sets the branch of every row that has none; rows
    without either take it from their label when the label says heating/cooling.
    """
    import pandas as pd

    from .csv_input import (ANGLE_UNITS, LENGTH_UNITS, TEMPERATURE_SU_UNITS, TEMPERATURE_UNITS, Column,
                            read_csv_table)

    units = {"T": TEMPERATURE_UNITS, **{p: LENGTH_UNITS if p in "abc" else ANGLE_UNITS for p in CELL_NAMES}}
    columns = {"T": Column(_ALIASES["T"], label="temperature", su_in_brackets=True, units=TEMPERATURE_UNITS)}
    for p in CELL_NAMES:  # 10.234(3): s.u. in units of the last digit, as in CIF
        columns[p] = Column(_ALIASES[p], required=p in ("a", "b", "c"), su_in_brackets=True, units=units[p])
    for name in ("branch", "label", "file", "block", "spacegroup"):
        columns[name] = Column(_ALIASES[name], required=False, kind="text")
    for p in ("T",) + CELL_NAMES:  # (T_su: the column table.csv writes, read back: sweep 20)
        columns[f"{p}_su"] = Column(tuple(pat.format(n) for n in _ALIASES[p] for pat in _SU_PATTERNS),
                                    required=False, missing_ok=True, label=f"the s.u. of {p}",
                                    units=TEMPERATURE_SU_UNITS if p == "T" else units[p], unit_of=p)
    table = read_csv_table(path, columns)
    src, got = table.source, table.data
    warnings = []
    if table.ignored:
        warnings.append(WarningText("ignored_columns", src,
                                    f"{src}: column(s) ignored: {', '.join(map(str, table.ignored))}"))
    n = len(got)
    cols = {}  # the columns, made into one DataFrame at the end (no column inserted one by one, no reordering copy)
    named = [c for c in ("file", "block") if c in got]
    if "label" in got:
        labels = _stripped(got["label"])
        cols["label"] = cols["block"] = pd.array(labels, dtype="str")  # converted to pandas' text once, for both
    elif named:  # a file and/or block column (the CSV of `symstrain table`): label "file:block", block the block
        parts = [_stripped(got[c]) for c in named]
        labels = parts[0] if len(parts) == 1 else np.array([f"{f}:{b}" for f, b in zip(*parts)], dtype=object)
        cols["label"], cols["block"] = labels, parts[-1]
    else:
        name = Path(path).name
        labels = [f"{name}:{ln}" for ln in table.lines.tolist()]
        cols["label"], cols["block"] = labels, [f"line {ln}" for ln in table.lines.tolist()]
    cols["file"] = src
    cols["T"] = got["T"].to_numpy()
    cols["T_su"] = got["T_su"].to_numpy() if "T_su" in got else table.su.get("T", np.full(n, np.nan))
    default = normalise_branch(branch) if branch else ""
    if "branch" in got:  # each distinct spelling read once
        codes, spelt = pd.factorize(np.asarray(got["branch"], dtype=object), use_na_sentinel=False)
        keys = [str(v).strip().lower() for v in spelt.tolist()]
        keys = ["" if k == "nan" else k for k in keys]
        bad = [k for k, key in enumerate(keys) if key not in _BRANCH_WORDS]
        if bad:
            i = int(np.argmax(np.isin(codes, bad)))
            raise SymstrainInputError(src, f"row {table.lines[i]}: branch {got['branch'].iloc[i]!r} is neither "
                                      "heating nor cooling")
        brs = np.array([_BRANCH_WORDS[k] for k in keys], dtype=object)[codes]
    else:
        brs = np.full(n, "", dtype=object)
    brs[brs == ""] = default
    if not default:
        unset = np.flatnonzero(brs == "")
        if len(unset) and "label" not in got and not named:  # labels "name:line": the words are the name's
            brs[unset] = branch_from_name(Path(path).name)
        elif len(unset):
            brs[unset] = _each_distinct(branch_from_name, np.asarray(labels, dtype=object)[unset])
    cols["branch"] = brs
    if "spacegroup" in got:
        codes, uniques = pd.factorize(np.asarray(got["spacegroup"], dtype=object), use_na_sentinel=False)
        texts = [str(v) for v in uniques.tolist()]
        found = [spacegroup_of(t) for t in texts]  # once per distinct text
        cols["spacegroup"] = np.array([f[0] for f in found], dtype=object)[codes]
        cols["sg_number"] = np.array([f[1] for f in found], dtype=int)[codes]
        unknown = sorted({t for t, f in zip(texts, found) if not f[1] and t.strip() and t.strip().lower() != "nan"})
        if unknown:
            warnings.append(WarningText("spacegroup_not_recognised", src, f"{src}: space group(s) "
                                        f"{', '.join(map(repr, unknown[:5]))} not recognised: those rows have no group"))
    else:
        cols["spacegroup"], cols["sg_number"] = "", 0
    cols["sg_detected"] = ""
    for p in CELL_NAMES:
        if p in got:
            cols[p] = got[p].to_numpy()
        else:
            cols[p] = 90.0
            if p in ("alpha", "beta", "gamma"):
                warnings.append(WarningText("angle_assumed", src, f"{src}: no {p} column: {p} = 90° assumed"))
    for p in CELL_NAMES:
        cols[f"{p}_su"] = got[f"{p}_su"].to_numpy() if f"{p}_su" in got else table.su.get(p, np.full(n, np.nan))
    df = pd.DataFrame({c: cols[c] for c in CELL_TABLE_COLUMNS}, index=range(n))
    _check_cells(df, src, table.lines)
    df.attrs["warnings"] = warnings
    df.attrs["failed"] = []
    return df


def _each_distinct(fn, values) -> np.ndarray:
    """(n,) object array ``[fn(v) for v in values]`` (``fn`` returning a string), ``fn`` called once per distinct
    value (branch words and group symbols repeat down a table; labels may all differ)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return np.array([fn(v) for v in uniques.tolist()], dtype=object)[codes]


def _stripped(column) -> np.ndarray:
    """(n,) object array: ``str(v).strip()`` of every cell of a text column (labels: mostly all different)."""
    return np.array([v.strip() if type(v) is str else str(v).strip() for v in np.asarray(column, dtype=object).tolist()],
                    dtype=object)


def _check_cells(df, src: str, lines) -> None:
    """Impossible cells, the CIF reader's plausibility limits (``cif_values``: lengths, interplanar spacings,
    temperature), negative s.u.'s and negative temperatures, vectorised; the first bad row is named."""
    from .cif_values import CELL_LENGTH_RANGE, MIN_SPACING, T_MAX

    p = df[list(CELL_NAMES)].to_numpy(dtype=float)
    bad = (p[:, :3].min(axis=1) <= 0) | (p[:, 3:].min(axis=1) <= 0) | (p[:, 3:].max(axis=1) >= 180)
    bad |= ~(volume(p) > 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise SymstrainInputError(src, f"row {lines[i]}: impossible cell {tuple(float(x) for x in p[i])}")
    lo, hi = CELL_LENGTH_RANGE
    out = (p[:, :3] < lo) | (p[:, :3] > hi)
    if out.any():
        i, j = np.argwhere(out)[0]
        raise SymstrainInputError(src, f"row {lines[i]}: cell length {CELL_NAMES[j]} = {p[i, j]:g} Å is outside "
                                  f"the plausible range {lo:g}–{hi:g} Å")
    # interplanar spacings d100 = a·V/(abc)/sin α, …: a cell squashed flatter than MIN_SPACING is no crystal's
    f = volume(p) / np.prod(p[:, :3], axis=1)
    d = p[:, :3] * f[:, None] / np.sin(np.radians(p[:, 3:]))
    flat = d.min(axis=1) < MIN_SPACING
    if flat.any():
        i = int(np.argmax(flat))
        raise SymstrainInputError(src, f"row {lines[i]}: the cell is squashed flat: an interplanar spacing is "
                                  f"{d[i].min():.3g} Å, below {MIN_SPACING:g} Å")
    S = df[[f"{n}_su" for n in CELL_NAMES]].to_numpy(dtype=float)
    neg_su = S < 0
    if neg_su.any():
        i, j = np.argwhere(neg_su)[0]
        raise SymstrainInputError(src, f"row {lines[i]}: the s.u. of {CELL_NAMES[j]} is negative ({S[i, j]:g})")
    big_su = S > p  # (NaN compares False: an unknown s.u. passes; the CIF reader refuses the same: sweep 31)
    if big_su.any():
        i, j = np.argwhere(big_su)[0]
        raise SymstrainInputError(src, f"row {lines[i]}: the s.u. of {CELL_NAMES[j]}, {S[i, j]:g}, is larger than the "
                                       f"value itself ({p[i, j]:g}): no measurement")
    T = df["T"].to_numpy(dtype=float)
    neg = ~(T >= 0)
    if neg.any():
        i = int(np.argmax(neg))
        raise SymstrainInputError(src, f"row {lines[i]}: temperature {T[i]} K is below 0 K")
    hot = T > T_MAX
    if hot.any():
        i = int(np.argmax(hot))
        raise SymstrainInputError(src, f"row {lines[i]}: temperature {T[i]:g} K is above {T_MAX:g} K (not a "
                                  "temperature a crystal is measured at)")


def _reader_warnings(ph: Phase) -> list[WarningText]:
    """The phase's warnings with its name in front of each message (codes and sources kept)."""
    from .contract import warning_records

    return [WarningText(r.code, r.source, f"{ph.name}: {r.message}")
            for r in warning_records(ph.warnings, source=ph.name)]


def _phase_row(ph: Phase, T: float | None, branch: str, detect: bool) -> tuple[dict, list[WarningText]]:
    warnings = _reader_warnings(ph)
    sg_det = ""
    if detect and ph.atoms:
        try:
            from .detect import detect_symmetry, not_run_warning

            rep = detect_symmetry(ph, ladder=())
            sg_det = f"{rep.symbol} ({rep.number})" if rep.number else ""
            skipped = not_run_warning(rep, ph.name, f"{ph.name}: ")
            if skipped is not None:
                warnings.append(skipped)
            if rep.differs_from_declared:
                warnings.append(WarningText("detected_group_differs", ph.name, f"{ph.name}: detected {sg_det}, "
                                            f"declared {ph.spacegroup.hm} ({ph.spacegroup.number})"))
        except Exception as exc:  # detection is informative only: keep the row, say why it is empty
            warnings.append(WarningText("detection_failed", ph.name,
                                        f"{ph.name}: space-group detection failed ({type(exc).__name__})"))
    T_su = ph.temperature_su if T == ph.temperature else None
    row = {"label": ph.name, "file": str(ph.source) if ph.source is not None else None, "block": ph.block or None,
           "T": T, "T_su": np.nan if T_su is None else float(T_su),
           "branch": branch or branch_from_name(ph.source, ph.block), "spacegroup": ph.spacegroup.hm,
           "sg_number": int(ph.spacegroup.number), "sg_detected": sg_det}
    for n, v, s in zip(CELL_NAMES, ph.cell.params, ph.cell.su_array):
        row[n], row[f"{n}_su"] = float(v), float(s)
    return row, warnings


def cells_from_phases(phases, temperatures=None, branches=None, *, detect: bool = True):
    """Normalised cell table from Phase objects. ``temperatures`` overrides the files' (one per phase);
    ``branches`` one per phase or one for all (an empty branch is taken from the file or block name when it says
    heating/cooling). Raises :class:`SymstrainInputError` naming every phase without a temperature."""
    import pandas as pd

    phases = list(phases)
    Ts = _temperatures(phases, temperatures)
    brs = _branches(len(phases), branches)
    rows, warnings = [], []
    for ph, T, br in zip(phases, Ts, brs):
        r, w = _phase_row(ph, T, br, detect)
        rows.append(r)
        warnings.extend(w)
    warnings.extend(_composition_warnings(phases))
    df = pd.DataFrame(rows, columns=CELL_TABLE_COLUMNS)
    df["sg_number"] = df["sg_number"].astype(int)
    df.attrs["warnings"] = warnings
    df.attrs["failed"] = []
    return df


def composition(phase: Phase) -> dict[int, float] | None:
    """Share of each element (atomic number → fraction) among the atoms of the cell, occupancies counted, H and D
    left out; None for a structure without such atoms (a cell only)."""
    from .expand import expand_to_cell_ops

    if not phase.atoms:
        return None
    _, species, _, occ, _ = expand_to_cell_ops(phase)
    keep = species != 1
    total = float(np.sum(occ[keep]))
    if total <= 0:
        return None
    Z = species[keep]
    return {int(z): float(np.sum(occ[keep][Z == z])) / total for z in np.unique(Z)}


def _composition_warnings(phases) -> list[WarningText]:
    """One warning when the structures of a series hold more than one compound (element shares differing by more
    than :data:`COMPOSITION_TOLERANCE`): each compound with its files, the most frequent first."""
    import gemmi

    groups: list[tuple[dict, list]] = []  # (composition of the first member, members)
    for ph in phases:
        c = composition(ph)
        if c is None:
            continue
        for ref, members in groups:
            if max(abs(c.get(z, 0.0) - ref.get(z, 0.0)) for z in set(c) | set(ref)) <= COMPOSITION_TOLERANCE:
                members.append(ph)
                break
        else:
            groups.append((c, [ph]))
    if len(groups) < 2:
        return []
    groups.sort(key=lambda g: -len(g[1]))

    def shares(ref):  # the atoms of the cell by element, per cent (H, D left out): what the groups differ in
        return " ".join(f"{gemmi.Element(z).name} {100 * ref[z]:.1f} %" for z in sorted(ref, key=lambda z: -ref[z]))

    whats = [members[0].formula or shares(ref) for ref, members in groups]
    if len(set(whats)) < len(whats):  # (formulas alike, or the same elements: say by how much they differ)
        whats = [shares(ref) for ref, _ in groups]

    def described(what, members):
        names = ", ".join(m.name for m in members[:3]) + (f" and {len(members) - 3} more" if len(members) > 3 else "")
        return f"{what} ({len(members)}: {names})"

    return [WarningText("mixed_compositions", "series",
                        f"the series holds {len(groups)} different compounds, so its strains compare unlike cells: "
                        + "; ".join(described(w, g[1]) for w, g in zip(whats, groups)))]


#: what ``--temperatures`` takes, in every message that asks for it or refuses it (one rule: a value per row)
_PER_STRUCTURE = ("one per structure (a data block with a cell and atoms), in the order of the files and of the blocks "
                 "in each")


def _count(n: int, word: str) -> str:
    """'1 structure', '10 structures'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _no_temperature(phases, n: int) -> SymstrainInputError:
    """The error of a series whose structures ``phases`` lack a temperature; ``n`` structures in all."""
    missing = [ph.name for ph in phases if ph.temperature is None]
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return SymstrainInputError(", ".join(missing[:3]) + more, "no temperature in the file, nor in a powder-pattern "
                               f"block it links to; give --temperatures, {_count(n, 'value')}: " + _PER_STRUCTURE)


def _temperatures(phases, temperatures):
    if temperatures is not None:
        Ts = [float(t) for t in temperatures]
        if len(Ts) != len(phases):
            raise SymstrainInputError("--temperatures", f"{_count(len(Ts), 'temperature')} for "
                                      f"{_count(len(phases), 'structure')}: give " + _PER_STRUCTURE)
        neg = [t for t in Ts if not t >= 0]
        if neg:
            raise SymstrainInputError("--temperatures", f"temperature {neg[0]} K is below 0 K")
        return Ts
    if any(ph.temperature is None for ph in phases):
        raise _no_temperature(phases, len(phases))
    return [float(ph.temperature) for ph in phases]


def _branches(n, branches):
    if branches is None or isinstance(branches, str):
        return [normalise_branch(branches)] * n
    brs = [normalise_branch(b) for b in branches]
    if len(brs) != n:
        raise SymstrainInputError("--branch", f"{len(brs)} branches for {n} structures")
    return brs


def _failure(source, problem, block=None) -> dict:
    return {"source": str(source), "problem": " ".join(str(problem).split()), "file": str(source), "block": block}


def read_series(paths, temperatures=None, branches=None, *, detect: bool = True, progress=None,
                common_setting: bool = True, tol: float = 0.08):
    """Read many CIFs into the normalised cell table; returns ``(table, phases)`` (phases aligned with the rows).

    With ``common_setting`` (default) the rows of one space-group type are brought into one setting
    (:func:`symstrain.series_settings.common_settings`, lattice tolerance ``tol``): a file written in other axes of
    its group (Pnma among Pmcn rows) has its cell, structure and group key mapped onto the series' setting, with a
    ``setting_mapped`` warning, so that the rows of one phase are compared, fitted and strained in the same axes.

    A file that cannot be read — an input error or any other exception, which is then named as an internal
    error — is recorded in ``table.attrs["failed"]`` and skipped; the others go on. ``temperatures`` override the
    files': one per structure, i.e. per row a file gives (:func:`symstrain.cif.read_structures`: a data block with a
    cell and atoms), in the order of ``paths`` and of the blocks in each — one per file for files of one structure; a
    block that cannot be read takes its value too, and so does, as one, a file that cannot be read at all (a count
    that does not match is refused, never shifted). ``branches`` go one per path. ``progress``: None, or a callable
    wrapping an iterable (e.g. ``tqdm``) for long runs. Missing temperatures raise :class:`SymstrainInputError`,
    saying how many values ``temperatures`` needs (a series needs them all).
    """
    import pandas as pd

    from .cif import read_structures

    paths = [str(p) for p in paths]
    temps = None if temperatures is None else list(temperatures)
    brs = _branches(len(paths), branches)
    it = progress(paths) if progress else paths
    phases, rank, kept_br, failed, seen, twice = [], [], [], [], set(), []
    held, total = [], 0  # structures each file holds (1 for a file that cannot be read), and their sum
    for k, path in enumerate(it):
        before = total  # (the file's structures take --temperatures' values from here on)
        held.append(1)
        total += 1
        try:
            items = read_structures(path)  # (a file of one block per temperature: a row per block)
        except SymstrainInputError as exc:
            failed.append(_failure(exc.source, exc.problem))
            continue
        except OSError as exc:
            failed.append(_failure(path, exc.strerror or str(exc)))
            continue
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # a bug of the reader on this file: list it, go on with the others
            failed.append(_failure(path, f"internal error while reading: {type(exc).__name__}: {exc}"))
            continue
        held[-1], total = len(items), before + len(items)
        for j, (name, ph) in enumerate(items):
            if isinstance(ph, SymstrainInputError):
                failed.append(_failure(ph.source, ph.problem, name))
                continue
            key = (os.path.realpath(path), ph.block)
            if key in seen:
                twice.append(ph.name)
            seen.add(key)
            phases.append(ph)
            rank.append(before + j)  # the structure's place among all the files' structures
            kept_br.append(brs[k])
    if not phases:
        df = pd.DataFrame(columns=CELL_TABLE_COLUMNS)
        df.attrs["warnings"], df.attrs["failed"] = [], failed
        return df, []
    if temps is not None and len(temps) != total:
        several = [f"{p} holds {n} structures" for p, n in zip(paths, held) if n > 1]
        where = f" ({', '.join(several[:3])}{', …' if len(several) > 3 else ''})" if several else ""
        raise SymstrainInputError("--temperatures", f"{_count(len(temps), 'temperature')} for "
                                  f"{_count(total, 'structure')}: give {_PER_STRUCTURE}{where}")
    if temps is None and any(ph.temperature is None for ph in phases):
        raise _no_temperature(phases, total)
    df = cells_from_phases(phases, None if temps is None else [float(temps[r]) for r in rank], kept_br, detect=detect)
    df.attrs["failed"] = failed
    if twice:
        df.attrs["warnings"] = list(df.attrs.get("warnings", [])) + [WarningText(
            "structure_given_twice", "series", f"{len(twice)} structure(s) given more than once, a row each: "
            + ", ".join(dict.fromkeys(twice)))]
    shared = _shared_temperatures(df, phases, set(twice))
    if shared:  # (sweep 29: two studies' 295 K structures entered the baseline without a word)
        df.attrs["warnings"] = list(df.attrs.get("warnings", [])) + [WarningText(
            "structures_same_temperature", "series", f"{len(shared)} temperature(s) have two or more different "
            f"structures of one group and branch, a row each (all enter the fits): {'; '.join(shared[:3])}"
            + ("; …" if len(shared) > 3 else ""))]
    if common_setting:
        from .series_settings import common_settings

        df, phases = common_settings(df, phases, tol=tol)
    return df, phases


def _shared_temperatures(df, phases, twice: set) -> list[str]:
    """"T K: name, name" for each (branch, T, group) of the table held by two or more structures, none of them one
    given twice (said by ``structure_given_twice``)."""
    groups: dict = {}
    for row, ph in zip(df.itertuples(index=False), phases):
        if ph.name not in twice:
            groups.setdefault((row.branch or "", row.T, row.sg_number), []).append(ph.name)
    return [f"{T:g} K: {', '.join(names)}" for (_, T, _), names in groups.items() if len(names) > 1]


def table_arrays(table) -> tuple[np.ndarray, np.ndarray]:
    """((n, 6) lattice parameters, (n, 6) s.u.'s with NaN where unknown) of a normalised cell table."""
    return (table[list(CELL_NAMES)].to_numpy(dtype=float),
            table[[f"{n}_su" for n in CELL_NAMES]].to_numpy(dtype=float))


def table_cells(table) -> list[Cell]:
    """Cell objects (with s.u.'s) of the rows of a normalised cell table."""
    P = table[list(CELL_NAMES)].to_numpy(dtype=float)
    S = table[[f"{n}_su" for n in CELL_NAMES]].to_numpy(dtype=float)
    return [Cell(*map(float, p), su=tuple(None if not np.isfinite(x) else float(x) for x in s)) for p, s in zip(P, S)]
