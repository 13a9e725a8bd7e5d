"""Strain tables over many cells (temperature series): :func:`strain_table`, one numpy pass over the table.

What lives here
---------------
* :func:`strain_table` — one row per cell: lattice parameters, volume, reference cell at T, e_ij, ε13, volume
  strain, e_ss, e_sb, e_nsb, principal strains, η from strain (all with s.u.'s), sorted by T within each branch.
  Components zero by symmetry for a row's group are exactly 0 (s.u. 0); floating-point noise is never a value.
* :func:`join_on_temperature` — put columns of another table (η_intensity …) beside a strain table by T.
* The readers of a series (CSV, CIFs, Phases) live in ``series_read.py`` and are re-exported here
  (:func:`read_cells_csv`, :func:`read_series`, :func:`cells_from_phases`, :func:`table_cells`).

The strain of every row is computed by :func:`symstrain.strain_kernel.pair_strains` in one vectorised pass (no
Python loop over rows); the numbers are those of :func:`symstrain.spontaneous_strain.strain` row by row. The
automatic reference (paraphase rows, relations) is ``paraphase.py``; baselines are ``reference.py``; which strain
measures η and how is ``coupling.py``. Nothing here reads files, prints or plots.
"""

from __future__ import annotations

import numpy as np

from .contract import clean
from .coupling import COUPLINGS, coupling_of, eta_from_strain
from .errors import SymstrainInputError
from .phase import CELL_NAMES, Cell, Phase
from .series_read import (BRANCH_ORDER, CELL_TABLE_COLUMNS, branch_from_name, cells_from_phases,  # noqa: F401
                          normalise_branch, read_cells_csv, read_series, table_cells)
from .strain_math import COMPONENTS

#: columns of the strain part of a table, each followed by its ``_su``
STRAIN_COLUMNS = ("e11", "e22", "e33", "e23", "e13", "e12", "eps13", "vs", "e_ss", "e_sb", "e_nsb", "eta_strain",
                  "eta2_strain", "principal1", "principal2", "principal3")
#: a strain below this magnitude is floating-point noise (exactly 0 in the table)
NOISE = 1e-12


def _ref_arrays(reference, T):
    """(p0 (N, 6), s0 (N, 6), per-row description) of the reference at the rows' temperatures."""
    from .reference import CellBaseline

    N = len(T)
    if isinstance(reference, CellBaseline):
        p0 = reference.cells_at(T)
        s0 = np.column_stack([np.full(N, np.nan) if n in reference.constants else reference.baselines[n].su(T)
                              for n in CELL_NAMES])
        d = np.maximum(np.maximum(reference.T_min - T, T - reference.T_max), 0.0)
        head = (f"{reference.model} baseline fitted to {reference.n} parent cells at "
                f"{reference.T_min:g}–{reference.T_max:g} K, evaluated at ")
        kinds = [f"{head}{t:g} K ({f'extrapolated {x:.4g} K beyond' if x > 0 else 'inside'} the fitted range)"
                 for t, x in zip(T.tolist(), d.tolist())]
        return p0, s0, np.array(kinds, dtype=object)
    cell = reference.cell if isinstance(reference, Phase) else reference
    p0 = np.tile(cell.params, (N, 1))
    s0 = np.tile(cell.su_array, (N, 1))
    return p0, s0, np.full(N, "explicit cell", dtype=object)


def _rows_text(labels, n_all: int) -> str:
    labels = list(labels)
    if len(labels) == n_all and n_all > 1:
        return "every row"
    if len(labels) == 1:
        return labels[0]
    return f"{len(labels)} rows: {', '.join(labels[:3])}{' …' if len(labels) > 3 else ''}"


def _row_plan(table, choice, relations, P, sb_components, nsb_components):
    """Per row: relation (or None), paraphase flag, P, split names, the group used for zero-by-symmetry, and
    failures (rows of groups that are not subgroups of the paraphase)."""
    N = len(table)
    keys = table["spacegroup"].astype(str).to_numpy() if "spacegroup" in table else np.full(N, "")
    rels = [None] * N
    para = np.zeros(N, bool)
    group_of = [None] * N
    failed_rows = {}
    if relations is not None:
        rels = list(relations)
        if sb_components is None:
            para = np.array([r is None for r in rels])
        for k, r in enumerate(rels):
            child = getattr(r, "child", None)
            group_of[k] = getattr(child, "spacegroup", None)
    elif choice is not None:
        for key in dict.fromkeys(keys):
            idx = np.flatnonzero(keys == key)
            if key in choice.refuted:
                for i in idx:
                    failed_rows[int(i)] = f"{key} is not a subgroup of the paraphase {choice.paraphase}: " \
                                          f"{choice.refuted[key]}"
                continue
            g = choice.groups.get(key)
            for i in idx:
                group_of[i] = g
            if key in choice.relations and choice.relations[key] is not None:
                for i in idx:
                    rels[i] = choice.relations[key]
            elif key == choice.paraphase or (key in choice.relations):
                para[idx] = True
    plan = []
    for k in range(N):
        r = rels[k]
        if r is not None and sb_components is None:
            item = (r.P, tuple(r.symmetry_breaking_strain), tuple(r.non_symmetry_breaking_strain))
        elif r is not None:
            item = (r.P, sb_components, nsb_components)
        else:
            item = (P, sb_components, nsb_components)
        plan.append(item)
    return rels, para, group_of, plan, failed_rows


def strain_table(cells, reference=None, *, P=None, sb_components=None, nsb_components=None, relations=None,
                 frame: str = "cstar", max_strain: float = 0.1, eta_from: str = "auto", progress=None):
    """Strain of every cell of a series against a reference; a pandas DataFrame sorted by T within each branch.

    ``cells``: a normalised cell table (:func:`read_cells_csv`, :func:`read_series`, :func:`cells_from_phases`)
    or a list of Phases (their own temperatures).
    ``reference``: a :class:`~symstrain.paraphase.ReferenceChoice` (the automatic or explicit choice of
    :func:`~symstrain.paraphase.choose_reference`: its reference, and the relation of every row's group), a Cell or
    Phase (one explicit reference for every row), a :class:`~symstrain.reference.CellBaseline` (evaluated at each
    row's T, with its s.u.), or None (the "no reference" approximation c0 = c: only ε13 = ½·cos β is defined).
    ``P``, ``sb_components``, ``nsb_components``: as in :func:`~symstrain.spontaneous_strain.strain`, for every row;
    ``relations``: optional list aligned with the rows that supplies P and the symmetry-breaking components row by
    row (a Relation, or None for a row of the reference's own group; explicit ``sb_components`` still win).
    ``eta_from``: "auto" (default) — η from the strain the relation of each row couples to the order parameter
    (``coupling.py``: η ∝ e_sb, or η² ∝ e_sb or e_nsb; η = 0 in the paraphase), normalised to the largest value
    among the rows of one coupling — or the name of a column whose |value| normalised to its maximum is
    ``eta_strain`` (ε13 without a reference). The s.u. of the maximum itself is not included.
    ``progress`` is accepted for compatibility and not used (the table is one numpy pass).

    Columns zero by symmetry for a row's space group (when known) are exactly 0 with s.u. 0 and listed in
    ``zero_by_symmetry``; |values| below 1e-12 are 0. A row whose strain cannot be computed is left out and listed
    in ``attrs["failed"]`` (``{"source", "problem", "file", "block"}``); ``attrs`` also hold ``warnings`` (one line
    each), ``frame``, ``frame_description``, ``reference``, ``eps13_definition``, ``eta_from`` and ``couplings``.
    """
    import pandas as pd

    from .paraphase import ReferenceChoice, allowed_components
    from .spontaneous_strain import EPS13_DEFINITION, EPS13_NO_REFERENCE, check_frame
    from .strain_kernel import pair_strains
    from .strain_math import FRAMES, as_P, check_cell, split_spec

    if isinstance(cells, (list, tuple)) and cells and isinstance(cells[0], Phase):
        cells = cells_from_phases(cells)
    table = cells.reset_index(drop=True)
    for col, default in (("file", None), ("block", None), ("T_su", np.nan), ("sg_number", 0)):
        if col not in table:
            table[col] = default
    if table["T"].isna().any():
        bad = ", ".join(map(str, table.loc[table["T"].isna(), "label"].head(3)))
        raise SymstrainInputError(bad, "no temperature for this cell: a series needs every temperature")
    if relations is not None and len(relations) != len(table):
        raise SymstrainInputError("relations", f"{len(relations)} relations for {len(table)} cells")
    check_frame(frame)
    choice = reference if isinstance(reference, ReferenceChoice) else None
    if choice is not None:
        reference = choice.reference
    ref_desc = _describe_reference(reference, choice)
    warnings = list(cells.attrs.get("warnings", []))
    failed = list(cells.attrs.get("failed", []))
    N = len(table)
    labels = table["label"].astype(str).to_numpy()
    T = table["T"].to_numpy(dtype=float)
    p = table[list(CELL_NAMES)].to_numpy(dtype=float)
    s = table[[f"{n}_su" for n in CELL_NAMES]].to_numpy(dtype=float)

    rels, para, group_of, plan, failed_rows = _row_plan(table, choice, relations, P, sb_components, nsb_components)
    ok = np.ones(N, bool)
    for i, msg in failed_rows.items():
        ok[i] = False
        failed.append(_fail(table, i, msg))
    bad_cell = ~((p[:, :3] > 0).all(1) & (p[:, 3:] > 0).all(1) & (p[:, 3:] < 180).all(1) & np.isfinite(p).all(1))
    for i in np.flatnonzero(bad_cell & ok):
        ok[i] = False
        failed.append(_fail(table, i, f"impossible cell parameters {tuple(float(x) for x in p[i])}"))

    out = pd.DataFrame({c: table[c].to_numpy() for c in ("label", "file", "block", "T", "T_su", "branch",
                                                           "spacegroup", "sg_number", "sg_detected")})
    for k, n in enumerate(CELL_NAMES):
        out[n], out[f"{n}_su"] = p[:, k], s[:, k]
    if reference is None:
        out = _no_reference_columns(out, p, s, frame, warnings)
        eps_def = EPS13_NO_REFERENCE
    else:
        eps_def = EPS13_DEFINITION
        if not isinstance(reference, (Cell, Phase)) and not hasattr(reference, "cells_at"):
            raise SymstrainInputError("reference", f"expected a Cell, Phase, CellBaseline or ReferenceChoice, got "
                                      f"{type(reference).__name__}")
        if isinstance(reference, (Cell, Phase)):
            check_cell(reference.cell if isinstance(reference, Phase) else reference, "reference")
        p0, s0, kinds = _ref_arrays(reference, T)
        # P and the split of every row, one entry per distinct (P, sb, nsb)
        Ps = np.empty((N, 3, 3))
        splits, split_of, split_names = [], np.full(N, -1), []
        seen_P, seen_split = {}, {}
        para_names = None
        if choice is not None and choice.paraphase_group is not None and sb_components is None:
            ip = np.flatnonzero(para)
            if len(ip):
                mask = allowed_components(choice.paraphase_group, p[ip[0]], "cstar")
                para_names = (), tuple(c for c, m in zip(COMPONENTS, mask) if m)
        for k, (Pk, sbk, nsbk) in enumerate(plan):
            if para[k] and para_names is not None:
                sbk, nsbk = para_names
            kp = id(Pk)
            if kp not in seen_P:
                seen_P[kp] = as_P(Pk, "P")
            Ps[k] = seen_P[kp]
            skey = (None if sbk is None else tuple(sbk), None if nsbk is None else tuple(nsbk))
            if skey[0] is None:
                continue
            if skey not in seen_split:
                sbn, nsbn, basis = split_spec(sbk, nsbk)
                seen_split[skey] = len(splits)
                splits.append(basis)
                split_names.append((sbn, nsbn))
            split_of[k] = seen_split[skey]
        same_P = all(np.array_equal(v, np.eye(3)) for v in seen_P.values())
        r = pair_strains(p0, p, None if same_P else Ps, s0=s0, s=s, frame=frame, splits=splits, split_of=split_of)
        ok &= _invalid_and_incompatible(table, r, p0, Ps, ok, max_strain, failed)
        _su_notes(r, p0, s0, p, s, labels, ok, choice, reference, warnings)
        out = _strain_columns(out, r, p0, s0, Ps, kinds, frame)
        # zero by symmetry: per group (or relation child) and frame, computed once
        zero = np.zeros((N, 6), bool)
        cache = {}
        for k in range(N):
            g = group_of[k]
            if g is None:
                continue
            key = id(g)
            if key not in cache:
                cache[key] = ~allowed_components(g, p[k], frame)
            zero[k] = cache[key]
        _apply_zero(out, zero)
        out["zero_by_symmetry"] = [" ".join(c for c, z in zip(COMPONENTS, row) if z) for row in zero]
        no_sb = np.array([split_of[k] >= 0 and len(split_names[split_of[k]][0]) == 0 for k in range(N)], bool)
        for c in ("e_sb",):
            out.loc[no_sb, c], out.loc[no_sb, f"{c}_su"] = 0.0, 0.0
        out["relation"] = [_relation_text(rels[k], para[k]) for k in range(N)]
    out["has_su"] = np.isfinite(s).any(axis=1) | (False if reference is None else np.isfinite(s0).any(axis=1))
    if reference is None:
        out["has_su"] = np.isfinite(s[:, 4])
    out["frame"] = frame
    out = out[ok].reset_index(drop=True)
    kept_rels = [rels[k] for k in np.flatnonzero(ok)]
    couplings = _eta_columns(out, kept_rels, para[ok], reference, sb_components, eta_from, warnings)
    out["_order"] = out["branch"].map(BRANCH_ORDER).fillna(3)
    out = out.sort_values(["_order", "T"], kind="stable").drop(columns="_order").reset_index(drop=True)
    out = out[_column_order(out)]
    out.attrs["warnings"] = list(dict.fromkeys(warnings))
    out.attrs["failed"] = failed
    out.attrs["frame"] = frame
    out.attrs["frame_description"] = FRAMES[frame]
    out.attrs["reference"] = ref_desc
    out.attrs["eps13_definition"] = eps_def
    out.attrs["eta_from"] = eta_from
    out.attrs["couplings"] = couplings
    return out


def _describe_reference(reference, choice) -> str:
    from .reference import CellBaseline

    if choice is not None:
        return choice.describe()[len("reference: "):]
    if reference is None:
        return "none: c0 = c approximation, ε13 only"
    if isinstance(reference, CellBaseline):
        return (f"{reference.model} baseline fitted to {reference.n} cells at "
                f"{reference.T_min:g}–{reference.T_max:g} K")
    return f"explicit cell {getattr(reference, 'name', '')}".strip()


def _fail(table, i, msg) -> dict:
    r = table.iloc[i]
    return {"source": str(r["label"]), "problem": " ".join(str(msg).split()),
            "file": None if r["file"] is None else str(r["file"]), "block": None if r["block"] is None else str(r["block"])}


def _relation_text(rel, is_para: bool) -> str:
    if is_para:
        return "paraphase"
    if rel is None:
        return ""
    kind, index = getattr(rel, "kind", None), getattr(rel, "index", None)
    return f"{kind}, index {index}" if kind and index else "given"


def _no_reference_columns(out, p, s, frame, warnings):
    from .lattice import volume, volume_su

    out["V"] = volume(p)
    out["V_su"] = np.where(np.isfinite(s).any(axis=1), volume_su(p, s), np.nan)
    beta = np.radians(p[:, 4])
    out["eps13"] = clean(0.5 * np.cos(beta))
    out["eps13_su"] = 0.5 * np.sin(beta) * np.radians(s[:, 4])
    for n in ("e11", "e22", "e33", "e23", "e13", "e12", "vs", "e_ss", "e_sb", "e_nsb", "principal1", "principal2",
              "principal3"):
        out[n], out[f"{n}_su"] = np.nan, np.nan
    out["reference_kind"] = "none: c0 = c approximation, ε13 only"
    out["zero_by_symmetry"], out["relation"] = "", ""
    if not np.isfinite(s[:, 4]).all():
        warnings.append("no s.u. for β: no s.u. is reported for ε13 (" +
                        _rows_text(out.loc[~np.isfinite(s[:, 4]), "label"], len(out)) + ")")
    warnings.append("no reference cell: only ε13 = ½·cos β (c0 = c approximation) is defined")
    return out


def _invalid_and_incompatible(table, r, p0, Ps, ok, max_strain, failed) -> np.ndarray:
    """(N,) mask of rows whose strain exists and whose lattices correspond; failures appended."""
    keep = np.ones(len(ok), bool)
    for i in np.flatnonzero(~r.valid & ok):
        keep[i] = False
        failed.append(_fail(table, i, "the reference cell mapped by P is not a valid cell"))
    e = np.where(np.isfinite(r.e), r.e, 0.0)
    worst = np.argmax(np.abs(e), axis=1)
    big = (np.abs(e[np.arange(len(e)), worst]) > max_strain) | (np.abs(r.vs) > 3 * max_strain)
    for i in np.flatnonzero(big & ok & r.valid):
        keep[i] = False
        failed.append(_fail(table, i, f"lattice incompatible with the reference mapped by P: "
                                      f"{COMPONENTS[worst[i]]} = {e[i, worst[i]]:.3g} and volume ratio "
                                      f"{r.V[i] / r.V0[i]:.4g} (|e_ij| > {max_strain:g}; wrong P or wrong reference?)"))
    return keep


def _su_notes(r, p0, s0, p, s, labels, ok, choice, reference, warnings) -> None:
    """The notes about missing s.u.'s, each said once with the rows it concerns."""
    from .strain_kernel import input_sigmas

    _, ref_has, child_has, ref_noted, child_noted = input_sigmas(p0, s0, p, s)
    n = int(ok.sum())
    none = ~(ref_has | child_has) & ok
    if none.any():
        warnings.append("no standard uncertainties in the reference or the cell: no s.u. is reported "
                        f"({_rows_text(labels[none], n)})")
    ref_name = "the reference" if choice is None else "the reference (" + choice.describe()[11:60] + "…)"
    if (child_has & ~ref_has & ok).any():
        warnings.append(f"{ref_name} has no standard uncertainties: its contribution to every s.u. is unknown")
    m = ref_has & ~child_has & ok
    if m.any():
        warnings.append("the cell has no standard uncertainties; its contribution to every s.u. is unknown "
                        f"({_rows_text(labels[m], n)})")
    for noted, who in ((child_noted, None), (ref_noted, "reference")):
        rows = np.flatnonzero(noted.any(axis=1) & ok)
        if not len(rows):
            continue
        patterns = {}
        for i in rows:
            patterns.setdefault(", ".join(CELL_NAMES[j] for j in np.flatnonzero(noted[i])), []).append(labels[i])
        for names, labs in patterns.items():
            head = f"{who}: " if who else ""
            warnings.append(f"{head}no s.u. for {names}; treated as exact ({_rows_text(labs, n)})")


def _strain_columns(out, r, p0, s0, Ps, kinds, frame):
    detP = np.abs(np.linalg.det(Ps))
    out["V"] = r.V
    out["V_su"] = np.where(r.child_has_su, r.V_su, np.nan)
    for k, n in enumerate(CELL_NAMES):
        out[f"ref_{n}"], out[f"ref_{n}_su"] = p0[:, k], s0[:, k]
    out["ref_V"] = r.V0 / detP
    out["ref_V_su"] = np.where(r.ref_has_su, r.V0_su / detP, np.nan)
    out["reference_kind"] = kinds
    cols = {}
    for k, n in enumerate(COMPONENTS):
        cols[n], cols[f"{n}_su"] = clean(r.e[:, k], 1.0, NOISE), r.e_su[:, k]
    cols["eps13"], cols["eps13_su"] = clean(r.eps13, 1.0, NOISE), r.eps13_su
    cols["vs"], cols["vs_su"] = clean(r.vs, 1.0, NOISE), r.vs_su
    cols["e_ss"], cols["e_ss_su"] = clean(r.e_ss, 1.0, NOISE), r.e_ss_su
    cols["e_sb"], cols["e_sb_su"] = clean(r.e_sb, 1.0, NOISE), r.e_sb_su
    cols["e_nsb"], cols["e_nsb_su"] = clean(r.e_nsb, 1.0, NOISE), r.e_nsb_su
    for k in range(3):
        cols[f"principal{k + 1}"] = clean(r.principal[:, k], 1.0, NOISE)
        cols[f"principal{k + 1}_su"] = r.principal_su[:, k]
    import pandas as pd

    return pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)


def _apply_zero(out, zero: np.ndarray) -> None:
    """Components zero by symmetry: value exactly 0, s.u. 0 (exact)."""
    for k, n in enumerate(COMPONENTS):
        m = zero[:, k]
        if m.any():
            out.loc[m, n] = 0.0
            out.loc[m, f"{n}_su"] = 0.0
    m = zero[:, 4]  # e13 zero by symmetry: the child has β = 90° to rounding, so ε13 is zero too
    if m.any():
        out.loc[m, "eps13"] = 0.0
        out.loc[m, "eps13_su"] = 0.0


def _eta_columns(out, rels, para, reference, sb_components, eta_from, warnings) -> dict:
    """eta_strain, eta2_strain (with s.u.'s) and coupling; returns coupling → description of those used."""
    n = len(out)
    out["eta_strain"], out["eta_strain_su"] = np.nan, np.nan
    out["eta2_strain"], out["eta2_strain_su"] = np.nan, np.nan
    if n == 0:
        out["coupling"] = []
        return {}
    if reference is None or eta_from != "auto":
        col = "eps13" if eta_from == "auto" else eta_from
        if col not in out.columns:
            raise SymstrainInputError("--eta-from", f"no column {col!r} to normalise")
        vals = out[col].abs().to_numpy(dtype=float)
        m = np.nanmax(vals) if np.isfinite(vals).any() else np.nan
        if m > 1e-9 and np.isfinite(m):
            out["eta_strain"] = vals / m
            out["eta_strain_su"] = out[f"{col}_su"].to_numpy(dtype=float) / m if f"{col}_su" in out else np.nan
            out["eta2_strain"] = (vals / m) ** 2
            out["eta2_strain_su"] = 2 * vals / m * out["eta_strain_su"]
        else:
            warnings.append(f"{col} is zero in every row (max |{col}| ≤ 1e-9): η_strain is undefined")
        out["coupling"] = f"|{col}| / max"
        return {f"|{col}| / max": f"η_strain = |{col}| normalised to its largest value in the table"}
    kinds = []
    for k in range(n):
        if para[k]:
            kinds.append("none")
        elif rels[k] is not None and sb_components is None:
            kinds.append(coupling_of(rels[k]))
        elif sb_components is not None:
            kinds.append("linear" if len(tuple(sb_components)) else "quadratic_nsb")
        else:
            kinds.append("unknown")
    kinds = np.array(kinds, dtype=object)
    out["coupling"] = kinds
    used = {}
    for c in dict.fromkeys(kinds):
        m = kinds == c
        if c == "unknown":
            warnings.append("no relation and no symmetry-breaking components: η_strain is not defined "
                            f"({_rows_text(out.loc[m, 'label'], n)}); give the relations or --sb")
            continue
        eta, eta_su, eta2, eta2_su = eta_from_strain(
            c, out.loc[m, "e_sb"].to_numpy(float), out.loc[m, "e_nsb"].to_numpy(float),
            out.loc[m, "e_sb_su"].to_numpy(float), out.loc[m, "e_nsb_su"].to_numpy(float), normalise=True)
        src = {"linear": "e_sb", "quadratic_sb": "e_sb", "quadratic_nsb": "e_nsb"}.get(c)
        if src is not None and not (np.nanmax(out.loc[m, src].to_numpy(float), initial=0.0) > 1e-9):
            warnings.append(f"{src} is zero in every row of coupling {c}: η_strain is undefined there")
            continue
        out.loc[m, "eta_strain"], out.loc[m, "eta_strain_su"] = eta, eta_su
        out.loc[m, "eta2_strain"], out.loc[m, "eta2_strain_su"] = eta2, eta2_su
        used[c] = COUPLINGS[c]
    return used


def _column_order(df) -> list:
    front = ["label", "file", "block", "T", "T_su", "branch", "spacegroup", "sg_number", "sg_detected"] + [
        c for n in CELL_NAMES for c in (n, f"{n}_su")] + ["V", "V_su"]
    strain_cols = [c for n in STRAIN_COLUMNS for c in (n, f"{n}_su") if c in df.columns]
    rest = [c for c in df.columns if c not in front and c not in strain_cols]
    return [c for c in front if c in df.columns] + strain_cols + rest


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
