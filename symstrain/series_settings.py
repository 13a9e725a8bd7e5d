"""One setting per space-group type in a series read from CIFs: every row of one group written in the same axes.

What lives here: :func:`common_settings` — for the rows of each space-group type (IT number) of a normalised cell
table (``series_read.py``) whose structures are known, choose one setting (the one most rows are written in; ties:
the standard setting, then the lowest temperature) and map every row written otherwise onto it: its cell (with its
s.u.'s), its structure (operators and atoms) and its ``spacegroup`` key. What does not: strain, references,
transitions — they compare, average and fit the cells of one group as they are, which is right only once the
rows share their axes (a row of Pmcn written in Pnma axes has a, b, c = c, a, b of the others).

Convention
----------
For a row of a group whose setting is not the chosen one, ``relate(anchor, row)`` (index 1: the same group in other
axes, possibly at another origin) gives P and p with row basis = anchor basis · P, ``x_anchor = P·x_row + p``; the
row is rewritten on the anchor's basis, ``Phase.transformed(Q, q)`` with Q = P⁻¹, q = −P⁻¹·p, so its lattice
parameters become those it has in the anchor's axes. The anchor is the row of the chosen setting nearest in
temperature. A row already written in the chosen setting (same H-M key) is kept as it is (P = I) unless its cell
does not fit the anchor's within the lattice tolerance there (axes permuted under one symbol: P 2 2 2 with a and b
exchanged), when it is related too. When Q is a signed permutation (axes relabelled, the usual case) the
parameters and their s.u.'s are permuted exactly (an angle between two axes of which one is reversed becomes
180° − angle); otherwise they are recomputed from the metric and their s.u.'s propagated to first order as if
independent (the s.u.'s of a transformed cell are correlated; the file's own refinement in those axes would differ).

Each mapped row gets a warning ``setting_mapped`` naming its setting and the basis change, and
``attrs["basis_changes"]`` of the table holds label → Q (the row's new basis in its file's axes, e.g. "(b, c, a)").
A row that cannot be related stays as it is, with ``setting_not_mapped``, its label in ``attrs["not_mapped"]``. A
cell table without structures (a CSV of cells) carries no setting beyond its symbol and is not touched: that hot path
does no work per row here.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .errors import WarningText
from .phase import CELL_NAMES, Cell

#: codes of the warnings this module writes
WARNING_CODES = {
    "setting_mapped": "a row of the series was written in another setting of its group: mapped onto the series' setting",
    "setting_not_mapped": "a row of the series in another setting of its group could not be related to the series' "
                          "setting: left as written (its strain compares other axes)",
}

#: the pairs of axes (0-based) whose angle is α, β, γ
_ANGLE_AXES = ((1, 2), (0, 2), (0, 1))


def signed_permutation(Q) -> tuple[np.ndarray, np.ndarray] | None:
    """(perm, sign) when Q is a signed permutation matrix (new axis i = sign[i] · old axis perm[i]), else None."""
    Q = np.asarray(Q, dtype=float)
    R = np.round(Q)
    if not np.allclose(Q, R, atol=1e-9) or not np.all(np.sum(np.abs(R), axis=0) == 1) \
            or not np.all(np.sum(np.abs(R), axis=1) == 1):
        return None
    perm = np.argmax(np.abs(R), axis=0)
    return perm, R[perm, np.arange(3)]


def mapped_cell(params, su, Q) -> tuple[np.ndarray, np.ndarray]:
    """((6,) lattice parameters, (6,) s.u.'s, NaN where unknown) of the cell whose basis is (a, b, c)·Q. Exact for a
    signed permutation (parameters and s.u.'s permuted; 180° − angle where one of its two axes is reversed); else
    from the metric QᵀGQ, the s.u.'s propagated to first order (central differences) as if independent."""
    from .lattice import cell_matrix, params_from_matrix

    p, s = np.asarray(params, dtype=float), np.asarray(su, dtype=float)
    sp = signed_permutation(Q)
    if sp is not None:
        perm, sign = sp
        out_p, out_s = np.empty(6), np.empty(6)
        out_p[:3], out_s[:3] = p[perm], s[perm]
        for k, (i, j) in enumerate(_ANGLE_AXES):
            i0, j0 = sorted((perm[i], perm[j]))
            old = [n for n, ax in enumerate(_ANGLE_AXES) if ax == (i0, j0)][0]
            out_p[3 + k] = p[3 + old] if sign[i] * sign[j] > 0 else 180.0 - p[3 + old]
            out_s[3 + k] = s[3 + old]
        return out_p, out_s
    Q = np.asarray(Q, dtype=float)

    def f(x):
        return np.asarray(params_from_matrix(cell_matrix(x, "cstar") @ Q), dtype=float)

    new = f(p)
    known = np.isfinite(s)
    if not known.any():
        return new, np.full(6, np.nan)
    var = np.zeros(6)
    for k in np.flatnonzero(known):
        h = np.zeros(6)
        h[k] = 1e-6 * max(abs(p[k]), 1.0)
        var += ((f(p + h) - f(p - h)) / (2 * h[k]) * s[k]) ** 2
    return new, np.sqrt(var)


def _choose_setting(keys, T, labels, phases, idx):
    """The H-M key of the setting of most rows of ``idx``; ties: the standard setting, then the lowest T (label)."""
    counts = {}
    for i in idx:
        counts.setdefault(keys[i], []).append(i)

    def rank(k):
        rows = counts[k]
        first = min(rows, key=lambda i: (T[i], labels[i]))
        return (-len(rows), not phases[rows[0]].spacegroup.is_standard_setting, T[first], labels[first])

    return min(counts, key=rank)


def common_settings(cells, phases, *, tol: float = 0.08):
    """(cells, phases) with every row of one space-group type in one setting (see the module docstring). ``cells``: a
    normalised cell table; ``phases`` aligned with its rows (None: returned as they are, nothing done). The inputs
    are not changed; the new table carries the warnings of the old plus one per row mapped or left, and
    ``attrs["basis_changes"]`` (label → the basis change Q applied to that row) and ``attrs["not_mapped"]`` (the labels
    of the rows left as written)."""
    from .correspondence import finite_strain_norm
    from .lattice import metric
    from .notation import basis_string
    from .relation import relate

    if phases is None or len(cells) == 0:
        return cells, phases
    num = cells["sg_number"].to_numpy(dtype=int)
    keys = cells["spacegroup"].astype(str).to_numpy()
    T = cells["T"].to_numpy(dtype=float)
    labels = cells["label"].astype(str).to_numpy()
    P_all = cells[list(CELL_NAMES)].to_numpy(dtype=float, copy=True)
    S_all = cells[[f"{n}_su" for n in CELL_NAMES]].to_numpy(dtype=float, copy=True)
    new_phases = list(phases)
    new_keys = np.array(keys, dtype=object)
    changes, notes, strays = {}, [], []
    changed = np.zeros(len(cells), bool)
    for n in sorted(set(num[num > 0].tolist())):
        idx = np.flatnonzero(num == n)
        if len(idx) < 2:
            continue
        key = _choose_setting(keys, T, labels, phases, idx)
        own = idx[keys[idx] == key]
        anchor0 = min(own, key=lambda i: (T[i], labels[i]))
        G0 = metric(P_all[anchor0])
        native = [i for i in own if i == anchor0 or finite_strain_norm(G0, metric(P_all[i])) <= tol]
        todo = [i for i in idx if i not in set(native)]
        native = np.array(native)
        for i in todo:
            a = int(native[np.argmin(np.abs(T[native] - T[i]))])
            try:
                rel = relate(phases[a], phases[i], tol=tol, check_reverse=False)
                why = None if rel.holds and rel.index == 1 else (
                    getattr(rel, "reason", None) or f"index {getattr(rel, 'index', '?')}, not 1")
            except (KeyboardInterrupt, MemoryError):
                raise
            except Exception as exc:  # noqa: BLE001 — one row that cannot be related stays as written, said so
                why = f"{type(exc).__name__}: {exc}"
            if why is not None:
                strays.append(labels[i])
                notes.append(WarningText("setting_not_mapped", labels[i], f"{labels[i]}: {phases[i].spacegroup.hm} "
                                         f"could not be brought into the series' {key} setting ({why}): left as "
                                         "written, so its strain compares other axes"))
                continue
            Q = np.linalg.inv(rel.P)
            Q = np.where(np.abs(Q - np.round(Q * 12) / 12) < 1e-9, np.round(Q * 12) / 12, Q)
            q = -Q @ np.asarray(rel.p, dtype=float)
            if np.array_equal(Q, np.eye(3)) and not np.any(np.abs(q - np.round(q)) > 1e-9):
                continue  # already in the series' axes (only farther than tol from the coldest row): nothing to map
            params, su = mapped_cell(P_all[i], S_all[i], Q)
            cell = Cell(*map(float, params), su=tuple(None if not np.isfinite(x) else float(x) for x in su))
            ph = phases[i]
            if abs(abs(np.linalg.det(Q)) - 1) < 1e-9:
                new_phases[i] = replace(ph.transformed(Q, q), cell=cell, spacegroup=phases[a].spacegroup)
            else:  # another centring (R in hexagonal against rhombohedral axes): the cell and the group, no atoms
                new_phases[i] = replace(ph, cell=cell, spacegroup=phases[a].spacegroup, atoms=())
            P_all[i], S_all[i] = params, su
            new_keys[i] = key
            changed[i] = True
            changes[labels[i]] = basis_string(Q)
            notes.append(WarningText("setting_mapped", labels[i], f"{labels[i]}: written in {ph.spacegroup.hm}, "
                                     f"the axes {basis_string(rel.P)} of the series' {key} setting: mapped onto "
                                     f"it (new basis {basis_string(Q)} of the file's, cell "
                                     + " ".join(f"{x:.6g}" for x in params) + ")"))
    if not changes and not notes:
        return cells, phases
    out = cells.copy()
    if changed.any():
        rows = np.flatnonzero(changed)
        for k, c in enumerate(CELL_NAMES):
            out.loc[out.index[rows], c] = P_all[rows, k]
            out.loc[out.index[rows], f"{c}_su"] = S_all[rows, k]
        out.loc[out.index[rows], "spacegroup"] = new_keys[rows]
    out.attrs = dict(cells.attrs)
    out.attrs["warnings"] = list(cells.attrs.get("warnings", [])) + notes
    out.attrs["basis_changes"] = changes
    out.attrs["not_mapped"] = tuple(strays)
    return out, new_phases
