"""Strain tables over many cells (temperature series): :func:`strain_table` and the readers of its inputs.

What lives here
---------------
* :func:`read_cells_csv` — a sequential-refinement cell table (T, a, b, c, α, β, γ, optional s.u.'s,
  heating/cooling branch) into a normalised :class:`pandas.DataFrame` (see :data:`CELL_TABLE_COLUMNS`).
* :func:`read_series` — many CIFs (any order) into the same normalised table, failures collected, not raised.
* :func:`cells_from_phases` — the same from :class:`~symstrain.phase.Phase` objects already in memory.
* :func:`strain_table` — one row per cell: lattice parameters, volume, reference cell at T, e_ij, ε13,
  volume strain, e_ss, symmetry-breaking norm, η_strain = |ε13| / max|ε13| (all with s.u.'s), sorted by T
  within each branch.

The strain of each row is :func:`symstrain.spontaneous_strain.strain`; baselines are ``reference.py``. Only
:func:`read_cells_csv` and :func:`read_series` read files; nothing here prints or plots.

Normalised cell table
---------------------
Columns ``label, T, branch, spacegroup, sg_detected, a, b, c, alpha, beta, gamma`` and ``<name>_su`` for the six
lattice parameters (NaN when unknown). T in K; lengths Å; angles degrees. ``branch`` is "heating", "cooling" or
"" (unspecified). Warnings of the readers travel in ``DataFrame.attrs["warnings"]`` and unreadable files in
``DataFrame.attrs["failed"]`` (list of ``{"source", "problem"}``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .errors import SymstrainInputError
from .lattice import volume
from .phase import CELL_NAMES, Cell, Phase

CELL_TABLE_COLUMNS = (["label", "T", "branch", "spacegroup", "sg_detected"] + list(CELL_NAMES)
                      + [f"{n}_su" for n in CELL_NAMES])
BRANCH_ORDER = {"heating": 0, "cooling": 1, "": 2}

_ALIASES = {
    "T": ("t", "temperature", "temp", "t_k", "tk", "temperature_k"),
    "a": ("a", "cell_a", "length_a"),
    "b": ("b", "cell_b", "length_b"),
    "c": ("c", "cell_c", "length_c"),
    "alpha": ("alpha", "al", "α", "cell_alpha", "angle_alpha"),
    "beta": ("beta", "be", "β", "cell_beta", "angle_beta"),
    "gamma": ("gamma", "ga", "γ", "cell_gamma", "angle_gamma"),
    "branch": ("branch", "direction", "dir", "ramp", "mode", "heating_cooling"),
    "label": ("label", "file", "name", "run", "scan", "id"),
    "spacegroup": ("spacegroup", "space_group", "sg", "phase"),
}
_SU_PATTERNS = ("{}_su", "{}_esd", "{}_err", "{}_error", "{}_sigma", "{}_s.u.", "su_{}", "esd_{}", "sigma_{}",
                "err_{}", "s{}", "d{}")
_BRANCH_WORDS = {
    "heating": "heating", "heat": "heating", "h": "heating", "up": "heating", "warming": "heating", "w": "heating",
    "+": "heating",
    "cooling": "cooling", "cool": "cooling", "c": "cooling", "down": "cooling", "-": "cooling",
    "": "", "nan": "", "none": "", "?": "", ".": "", "unspecified": "",
}


def normalise_branch(value, source: str = "--branch") -> str:
    """'heating' | 'cooling' | '' from the usual spellings (h/heat/up/warming, c/cool/down)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    key = str(value).strip().lower()
    if key not in _BRANCH_WORDS:
        raise SymstrainInputError(source, f"branch {value!r} is neither heating nor cooling")
    return _BRANCH_WORDS[key]


def read_cells_csv(path, *, branch: str | None = None):
    """Read a cell table (comma, ';', tab or space separated) into the normalised table of this module.

    Required columns: a temperature (T, temperature, temp …), a, b, c. Optional: alpha, beta, gamma (90°
    assumed with a warning when absent), s.u. columns (``a_su``, ``a_esd``, ``sigma_a`` …), a branch
    column (heating/cooling, h/c, up/down), a label column and a space-group column. Units in brackets
    in the headers are ignored ("a (Å)"). Unknown columns are ignored with a warning. Raises
    :class:`SymstrainInputError` naming the file for missing columns, non-numeric or missing values
    (:func:`symstrain.csv_input.read_csv_table`). ``branch`` sets the branch of every row that has none.
    """
    import pandas as pd

    from .csv_input import Column, read_csv_table

    columns = {"T": Column(_ALIASES["T"], label="temperature")}
    for p in CELL_NAMES:  # 10.234(3): s.u. in units of the last digit, as in CIF
        columns[p] = Column(_ALIASES[p], required=p in ("a", "b", "c"), su_in_brackets=True)
    for name in ("branch", "label", "spacegroup"):
        columns[name] = Column(_ALIASES[name], required=False, kind="text")
    for p in CELL_NAMES:
        columns[f"{p}_su"] = Column(tuple(pat.format(n) for n in _ALIASES[p] for pat in _SU_PATTERNS),
                                    required=False, missing_ok=True, label=f"the s.u. of {p}")
    table = read_csv_table(path, columns)
    src, got = table.source, table.data
    warnings = []
    if table.ignored:
        warnings.append(f"{src}: column(s) ignored: {', '.join(map(str, table.ignored))}")
    n = len(got)
    df = pd.DataFrame()
    df["T"] = got["T"].to_numpy()
    for p in CELL_NAMES:
        if p in got:
            df[p] = got[p].to_numpy()
        else:
            df[p] = 90.0
            if p in ("alpha", "beta", "gamma"):
                warnings.append(f"{src}: no {p} column: {p} = 90° assumed")
    for p in CELL_NAMES:
        df[f"{p}_su"] = got[f"{p}_su"].to_numpy() if f"{p}_su" in got else table.su.get(p, np.full(n, np.nan))
    if "branch" in got:
        brs = []
        for i, v in enumerate(got["branch"]):
            try:
                brs.append(normalise_branch(v) or (normalise_branch(branch) if branch else ""))
            except SymstrainInputError as exc:
                raise SymstrainInputError(src, f"row {table.lines[i]}: {exc.problem}") from None
        df["branch"] = brs
    else:
        df["branch"] = normalise_branch(branch) if branch else ""
    df["label"] = list(got["label"]) if "label" in got else [f"{Path(path).name}:{i + 2}" for i in range(n)]
    df["spacegroup"] = list(got["spacegroup"]) if "spacegroup" in got else ""
    df["sg_detected"] = ""
    _check_cells(df, src, table.lines)
    df = df[CELL_TABLE_COLUMNS]
    df.attrs["warnings"] = warnings
    df.attrs["failed"] = []
    return df


def _check_cells(df, src: str, lines) -> None:
    for i, row in enumerate(df.itertuples(index=False)):
        p = [row.a, row.b, row.c, row.alpha, row.beta, row.gamma]
        if min(p[:3]) <= 0 or min(p[3:]) <= 0 or max(p[3:]) >= 180 or not volume(p) > 0:
            raise SymstrainInputError(src, f"row {lines[i]}: impossible cell {tuple(p)}")
        if not (row.T >= 0):
            raise SymstrainInputError(src, f"row {lines[i]}: temperature {row.T} K is below 0 K")


def _phase_row(ph: Phase, T: float | None, branch: str, detect: bool) -> tuple[dict, list[str]]:
    warnings = [f"{ph.name}: {w}" for w in ph.warnings]
    sg_det = ""
    if detect and ph.atoms:
        try:
            from .detect import detect_symmetry

            rep = detect_symmetry(ph, ladder=())
            sg_det = f"{rep.symbol} ({rep.number})" if rep.number else ""
            if rep.differs_from_declared:
                warnings.append(f"{ph.name}: detected {sg_det}, declared {ph.spacegroup.hm} ({ph.spacegroup.number})")
        except Exception as exc:  # detection is informative only: keep the row, say why it is empty
            warnings.append(f"{ph.name}: space-group detection failed ({type(exc).__name__})")
    row = {"label": ph.name, "T": T, "branch": branch, "spacegroup": ph.spacegroup.hm, "sg_detected": sg_det}
    for n, v, s in zip(CELL_NAMES, ph.cell.params, ph.cell.su_array):
        row[n], row[f"{n}_su"] = float(v), float(s)
    return row, warnings


def cells_from_phases(phases, temperatures=None, branches=None, *, detect: bool = True):
    """Normalised cell table from Phase objects. ``temperatures`` overrides the files' (one per phase);
    ``branches`` one per phase or one for all. Raises :class:`SymstrainInputError` naming every phase
    without a temperature."""
    import pandas as pd

    phases = list(phases)
    Ts = _temperatures(phases, temperatures)
    brs = _branches(len(phases), branches)
    rows, warnings = [], []
    for ph, T, br in zip(phases, Ts, brs):
        r, w = _phase_row(ph, T, br, detect)
        rows.append(r)
        warnings.extend(w)
    df = pd.DataFrame(rows, columns=CELL_TABLE_COLUMNS)
    df.attrs["warnings"] = warnings
    df.attrs["failed"] = []
    return df


def _temperatures(phases, temperatures):
    if temperatures is not None:
        Ts = [float(t) for t in temperatures]
        if len(Ts) != len(phases):
            raise SymstrainInputError("--temperatures", f"{len(Ts)} temperatures for {len(phases)} structures")
        return Ts
    missing = [ph.name for ph in phases if ph.temperature is None]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise SymstrainInputError(", ".join(missing[:3]) + more,
                                  "no temperature in the file; give them with --temperatures (one per file)")
    return [float(ph.temperature) for ph in phases]


def _branches(n, branches):
    if branches is None or isinstance(branches, str):
        return [normalise_branch(branches)] * n
    brs = [normalise_branch(b) for b in branches]
    if len(brs) != n:
        raise SymstrainInputError("--branch", f"{len(brs)} branches for {n} structures")
    return brs


def read_series(paths, temperatures=None, branches=None, *, detect: bool = True, progress=None):
    """Read many CIFs into the normalised cell table; returns ``(table, phases)``.

    A file that cannot be read is recorded in ``table.attrs["failed"]`` ({"source", "problem"}) and skipped;
    the others go on. ``temperatures`` (one per path) override the files'. ``progress``: None, or a callable
    wrapping an iterable (e.g. ``tqdm``) for long runs. Missing temperatures raise
    :class:`SymstrainInputError` (a series needs them all).
    """
    import pandas as pd

    from .cif import read_cif

    paths = [str(p) for p in paths]
    if temperatures is not None and len(list(temperatures)) != len(paths):
        raise SymstrainInputError("--temperatures", f"{len(list(temperatures))} temperatures for {len(paths)} files")
    brs = _branches(len(paths), branches)
    it = progress(paths) if progress else paths
    phases, Ts, kept_br, failed = [], [], [], []
    for k, path in enumerate(it):
        try:
            ph = read_cif(path)
        except SymstrainInputError as exc:
            failed.append({"source": exc.source, "problem": exc.problem})
            continue
        except OSError as exc:
            failed.append({"source": path, "problem": exc.strerror or str(exc)})
            continue
        phases.append(ph)
        Ts.append(None if temperatures is None else float(list(temperatures)[k]))
        kept_br.append(brs[k])
    if not phases:
        df = pd.DataFrame(columns=CELL_TABLE_COLUMNS)
        df.attrs["warnings"], df.attrs["failed"] = [], failed
        return df, []
    df = cells_from_phases(phases, None if temperatures is None else Ts, kept_br, detect=detect)
    df.attrs["failed"] = failed
    return df, phases


def _cell_of(row) -> Cell:
    su = tuple(None if not np.isfinite(getattr(row, f"{n}_su")) else float(getattr(row, f"{n}_su"))
               for n in CELL_NAMES)
    return Cell(*(float(getattr(row, n)) for n in CELL_NAMES), su=su)


def table_cells(table) -> list[Cell]:
    """Cell objects (with s.u.'s) of the rows of a normalised cell table."""
    return [_cell_of(r) for r in table.itertuples(index=False)]


def strain_table(cells, reference=None, *, P=None, sb_components=None, nsb_components=None, relations=None,
                 frame: str = "cstar", max_strain: float = 0.1, eta_from: str = "eps13", progress=None):
    """Strain of every cell of a series against a reference; a pandas DataFrame sorted by T within each branch.

    ``cells``: a normalised cell table (:func:`read_cells_csv`, :func:`read_series`, :func:`cells_from_phases`)
    or a list of Phases (their own temperatures).
    ``reference``: a Cell or Phase (one explicit reference for every row), a
    :class:`~symstrain.reference.CellBaseline` (evaluated at each row's T, with its s.u.), or None (the "no
    reference" approximation c0 = c: only ε13 = ½·cos β and η_strain are defined).
    ``P``, ``sb_components``, ``nsb_components``: as in :func:`~symstrain.spontaneous_strain.strain`, for every row;
    ``relations``: optional list aligned with the rows (a Relation or None each) that supplies P and the
    symmetry-breaking components row by row instead (explicit ``sb_components`` still win).
    ``eta_from``: the column whose |value| normalised to its maximum over the whole table is ``eta_strain``
    (default ε13, as the seed paper plots it; "e_sb" for any symmetry breaking). Its s.u. is the column's s.u.
    divided by the maximum (the uncertainty of the maximum itself is not included).
    Every row carries the ``frame`` it was computed in; the first-order s.u.'s of norms (e_ss, e_sb) are not
    meaningful where the norm is near zero.

    A row whose strain cannot be computed (e.g. a lattice incompatible with the reference) is left out and
    listed in ``attrs["failed"]``; the table's ``attrs`` also hold ``warnings`` (one line each), ``frame``,
    ``frame_description``, ``reference`` (description) and ``eps13_definition``.
    """
    import pandas as pd

    from .reference import CellBaseline
    from .spontaneous_strain import EPS13_DEFINITION, EPS13_NO_REFERENCE, check_frame, strain, strain_batch
    from .strain_math import FRAMES, StrainJob, as_P, check_cell, split_spec

    if isinstance(cells, (list, tuple)) and cells and isinstance(cells[0], Phase):
        cells = cells_from_phases(cells)
    table = cells.reset_index(drop=True)
    if table["T"].isna().any():
        bad = ", ".join(map(str, table.loc[table["T"].isna(), "label"].head(3)))
        raise SymstrainInputError(bad, "no temperature for this cell: a series needs every temperature")
    if relations is not None and len(relations) != len(table):
        raise SymstrainInputError("relations", f"{len(relations)} relations for {len(table)} cells")
    check_frame(frame)

    if reference is None:
        ref_desc = "none: c0 = c approximation, ε13 only"
    elif isinstance(reference, CellBaseline):
        ref_desc = (f"{reference.model} baseline fitted to {reference.n} cells at "
                    f"{reference.T_min:g}–{reference.T_max:g} K")
    else:
        ref_desc = f"explicit cell {getattr(reference, 'name', '')}".strip()

    warnings = list(cells.attrs.get("warnings", []))
    failed = list(cells.attrs.get("failed", []))
    rows = []
    fixed_ref_label = reference.name if isinstance(reference, Phase) else "reference"
    it = table.itertuples(index=False)
    per_row: dict[str, list[str]] = {}
    if progress:
        it = progress(it, total=len(table))
    # 1. prepare every row (cheap Python); 2. compute all rows sharing a split in one vectorised batch
    rows_in = list(it)
    results: dict[int, object] = {}
    groups: dict[tuple, list] = {}
    for k, row in enumerate(rows_in):
        label = str(row.label)
        child = _cell_of(row)
        rel = relations[k] if relations is not None else None
        if rel is not None and sb_components is None:
            Pk, sbk, nsbk = rel.P, tuple(rel.symmetry_breaking_strain), tuple(rel.non_symmetry_breaking_strain)
        elif rel is not None:
            Pk, sbk, nsbk = rel.P, sb_components, nsb_components
        else:
            Pk, sbk, nsbk = P, sb_components, nsb_components
        try:
            if reference is None:
                results[k] = strain(None, child, frame=frame, labels=("none", label))
                continue
            if isinstance(reference, CellBaseline):
                ref_cell, kind, ref_label = reference.cell_at(row.T), reference.describe(row.T), "baseline"
            else:
                ref_cell = reference.cell if isinstance(reference, Phase) else reference
                kind, ref_label = "explicit cell", fixed_ref_label
            check_cell(child, label)
            check_cell(ref_cell, ref_label)
            sbn, nsbn, basis = split_spec(sbk, nsbk)
            job = StrainJob(ref_cell, child, ref_label, label, as_P(Pk, "P"), sbn, nsbn, basis, kind, [])
        except SymstrainInputError as exc:
            results[k] = exc
            continue
        groups.setdefault((sbn, nsbn), []).append((k, job))
    for items in groups.values():
        for (k, _), out in zip(items, strain_batch([j for _, j in items], frame, (), max_strain)):
            results[k] = out

    for k, row in enumerate(rows_in):
        r = results[k]
        label = str(row.label)
        if isinstance(r, SymstrainInputError):
            failed.append({"source": label, "problem": r.problem})
            continue
        for w in r.warnings:
            # the same note on many rows is said once with the rows it concerns; notes about the reference once
            if w.startswith("no standard uncertainties"):
                per_row.setdefault("no standard uncertainties in the reference or the cell: no s.u. is reported",
                                   []).append(label)
            elif w.startswith(label + ": "):
                per_row.setdefault(w[len(label) + 2:], []).append(label)
            elif w.startswith(r.reference_label):
                warnings.append(w)
            else:
                per_row.setdefault(w, []).append(label)
        out = {"label": row.label, "T": row.T, "branch": row.branch, "spacegroup": row.spacegroup,
               "sg_detected": row.sg_detected}
        for n in CELL_NAMES:
            out[n], out[f"{n}_su"] = getattr(row, n), getattr(row, f"{n}_su")
        out["V"] = r.child.volume
        out["V_su"] = r.V_su if r.child.has_su else np.nan
        if r.reference is not None:
            for n, v, s in zip(CELL_NAMES, r.reference.params, r.reference.su_array):
                out[f"ref_{n}"], out[f"ref_{n}_su"] = v, s
            detP = abs(float(np.linalg.det(r.P)))
            out["ref_V"] = r.V0 / detP
            out["ref_V_su"] = r.V0_su / detP if r.reference.has_su else np.nan
        out["reference_kind"] = r.reference_kind
        out["frame"] = frame
        out.update(r.to_row())
        out["has_su"] = r.has_su
        rows.append(out)

    df = pd.DataFrame(rows)
    if len(df):
        col = eta_from if eta_from in df.columns else None
        if col is None:
            raise SymstrainInputError("--eta-from", f"no column {eta_from!r} to normalise")
        vals = df[col].abs()
        m = vals.max(skipna=True)
        if m > 1e-9 and np.isfinite(m):
            df["eta_strain"] = vals / m
            df["eta_strain_su"] = df[f"{col}_su"] / m if f"{col}_su" in df.columns else np.nan
        else:
            df["eta_strain"], df["eta_strain_su"] = np.nan, np.nan
            warnings.append(f"{col} is zero in every row (max |{col}| ≤ 1e-9): η_strain is undefined")
        df["_order"] = df["branch"].map(BRANCH_ORDER).fillna(3)
        df = df.sort_values(["_order", "T"], kind="stable").drop(columns="_order").reset_index(drop=True)
        front = ["label", "T", "branch", "spacegroup", "sg_detected"] + [
            c for n in CELL_NAMES for c in (n, f"{n}_su")] + ["V", "V_su"]
        strain_cols = [c for n in ("e11", "e22", "e33", "e23", "e13", "e12", "eps13", "vs", "e_ss", "eta_strain",
                                   "e_sb", "e_nsb") for c in (n, f"{n}_su") if c in df.columns]
        rest = [c for c in df.columns if c not in front and c not in strain_cols]
        df = df[front + strain_cols + rest]
    for msg, labels in per_row.items():
        if len(labels) == 1:
            warnings.append(f"{labels[0]}: {msg}")
        else:
            which = "every row" if len(labels) == len(df) else \
                f"{len(labels)} rows: {', '.join(labels[:3])}{' …' if len(labels) > 3 else ''}"
            warnings.append(f"{msg} ({which})")
    df.attrs["warnings"] = list(dict.fromkeys(warnings))
    df.attrs["failed"] = failed
    df.attrs["frame"] = frame
    df.attrs["frame_description"] = FRAMES[frame]
    df.attrs["reference"] = ref_desc
    df.attrs["eps13_definition"] = EPS13_NO_REFERENCE if reference is None else EPS13_DEFINITION
    df.attrs["eta_from"] = eta_from
    return df


def join_on_temperature(left, right, columns, *, tol: float = 0.5, source: str = "strain table"):
    """``left`` with ``columns`` of ``right`` added from the row of ``right`` nearest in T (within ``tol`` K; same
    ``branch`` when both tables have one). Rows without a partner get NaN. Used to put η_intensity(T) from measured
    intensities beside η_strain(T) from a strain table. Returns a new DataFrame; neither input is changed."""
    import pandas as pd

    missing = [c for c in ["T", *columns] if c not in right.columns]
    if missing:
        raise SymstrainInputError(source, f"missing column(s) {', '.join(missing)}")
    out = left.copy()
    for c in columns:
        out[c] = np.nan
    use_branch = "branch" in left.columns and "branch" in right.columns
    rT = pd.to_numeric(right["T"], errors="coerce").to_numpy(float)
    for i, row in enumerate(left.itertuples(index=False)):
        T = float(getattr(row, "T"))
        if not np.isfinite(T):
            continue
        ok = np.isfinite(rT)
        if use_branch and getattr(row, "branch", ""):
            ok &= right["branch"].to_numpy() == getattr(row, "branch")
        if not ok.any():
            continue
        d = np.where(ok, np.abs(rT - T), np.inf)
        j = int(np.argmin(d))
        if d[j] <= tol:
            for c in columns:
                out.iloc[i, out.columns.get_loc(c)] = right.iloc[j][c]
    return out
