"""Transition finder: bracket every symmetry change of a series by temperature and estimate T_c from strain.

What lives here
---------------
* :func:`find_brackets` — per branch (heating, cooling, unspecified), the rows sorted by T; wherever the space-group
  number changes between neighbouring temperatures, a :class:`Bracket` (the two rows, their groups and
  temperatures; coexistence of two groups at one temperature handled independently of the rows' order).
* :func:`find_transitions` — on a normalised cell table: for each bracket the relation between the two
  groups (``relate``), the coupling of strain to the order parameter (``coupling.py``), the proxy — the strain of
  the ordered rows against a baseline through the high-symmetry rows (linear for ≥ 3 rows, a line through 2, that
  cell for 1), projected on the symmetry-breaking subspace (linear coupling: y ∝ Q; quadratic_sb: y ∝ Q²) or the
  non-symmetry-breaking one (quadratic_nsb: y ∝ Q²) and then on its mean direction, a signed scalar whose size is
  e_sb or e_nsb but which, unlike those norms, noise does not bias upwards near T_c — and the comparison of the
  models fitted to it (:func:`~symstrain.transition_models.compare_models`), as a :class:`Transition`;
  :func:`transition_to_dict` writes one under the JSON contract.

What does not live here: the model fits and the statistics of the choice (``transition_models.py``), strain
(``strain_kernel.py``), references (``paraphase.py``), figures (``plots/transitions.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .contract import finite_or_none
from .errors import SymstrainInputError
from .paraphase import INTERNAL
from .coupling import COUPLINGS, SOURCE, coupling_of
from .phase import CELL_NAMES
from .transition_models import ModelComparison, compare_models


@dataclass(frozen=True)
class Bracket:
    """Two neighbouring rows of one branch (sorted by T) whose space-group numbers differ. Temperatures in K;
    ``below``/``above`` are the row labels, ``group_below``/``group_above`` the H-M keys, ``number_*`` the IT
    numbers; ``branch`` "heating", "cooling" or "" (unspecified)."""

    branch: str
    T_below: float
    T_above: float
    below: str
    above: str
    group_below: str
    group_above: str
    number_below: int
    number_above: int

    @property
    def width(self) -> float:
        return self.T_above - self.T_below

    @property
    def middle(self) -> float:
        return 0.5 * (self.T_below + self.T_above)

    @property
    def su_uniform(self) -> float:
        """s.u. of a temperature known only to lie in the bracket: width/√12."""
        return self.width / math.sqrt(12.0)


# ------------------------------------------------------------------------------------------------ brackets


def find_brackets(cells) -> list[Bracket]:
    """Every symmetry change between neighbouring temperatures of one branch; rows without a known group are
    skipped. Branches in the order heating, cooling, unspecified.

    Where rows of two groups share a temperature (coexistence), the answer does not depend on the rows' order:
    a change is bracketed between neighbouring *single-group* temperatures (a coexistence temperature between
    them lies inside the bracket); coexistence after the last single-group temperature (or before the first)
    brackets the change from that temperature to the first (last) one where the other group is seen. A
    temperature where only a group seen on both sides coexists with another brackets nothing."""
    from .series_read import BRANCH_ORDER

    out = []
    num = cells["sg_number"].to_numpy(dtype=int)
    br = cells["branch"].fillna("").astype(str).to_numpy()
    T_all = cells["T"].to_numpy(float)
    labels = cells["label"].astype(str).to_numpy()
    groups = cells["spacegroup"].astype(str).to_numpy()

    def make(b, lo, hi):  # lo, hi: row indices of the two sides
        return Bracket(b, float(T_all[lo]), float(T_all[hi]), labels[lo], labels[hi], groups[lo], groups[hi],
                       int(num[lo]), int(num[hi]))

    for b in sorted(set(br), key=lambda x: BRANCH_ORDER.get(x, 3)):
        idx = np.flatnonzero((br == b) & (num > 0))
        idx = idx[np.lexsort((num[idx], T_all[idx]))]  # by T, then by group: ties in a fixed order
        if not len(idx):
            continue
        temps, first = np.unique(T_all[idx], return_index=True)
        # the rows of temperature j are idx[first[j]:end[j]], their groups ascending: one group iff first == last
        end = np.append(first[1:], len(idx))
        nums = num[idx]
        pure = np.flatnonzero(nums[first] == nums[end - 1])

        def groups_at(k):
            return set(nums[first[k]:end[k]].tolist())

        def row_of(k, h):  # the first row of temperature k in group h
            return idx[first[k] + int(np.argmax(nums[first[k]:end[k]] == h))]

        for c in np.flatnonzero(nums[first[pure[:-1]]] != nums[first[pure[1:]]]):  # neighbouring pure T differ
            out.append(make(b, idx[first[pure[c]]], idx[first[pure[c + 1]]]))
        if not len(pure):
            continue
        # coexistence after the last single-group temperature: the other groups first seen there
        j = pure[-1]
        g = nums[first[j]]
        seen = set()
        for k in range(j + 1, len(temps)):
            for h in sorted(groups_at(k) - {g} - seen):
                seen.add(h)
                out.append(make(b, idx[first[j]], row_of(k, h)))
        # ... and before the first: the other groups last seen there
        j = pure[0]
        g = nums[first[j]]
        seen = set()
        for k in range(j - 1, -1, -1):
            for h in sorted(groups_at(k) - {g} - seen):
                seen.add(h)
                out.append(make(b, row_of(k, h), idx[first[j]]))
    return out


def coexistence(cells) -> list[tuple[str, float, tuple[str, ...]]]:
    """``(branch, T, groups)`` of every temperature of a branch at which rows of two or more known groups lie
    (phase coexistence, or a misassigned file): :func:`find_brackets` brackets the change around it."""
    number = cells["sg_number"].to_numpy(dtype=int)
    known = number > 0
    branch = cells["branch"].fillna("").astype(str).to_numpy()[known]
    T = cells["T"].to_numpy(dtype=float)[known]
    number = number[known]
    # (branch, T) groups in one pass (a groupby loop took 35 s over 10⁵ temperatures: sweep 26); only groups whose
    # rows hold two or more numbers are looked at row by row
    b_names, b_code = np.unique(branch, return_inverse=True)
    order = np.lexsort((number, T, b_code))
    bo, To, no = b_code[order], T[order], number[order]
    start = np.r_[True, (bo[1:] != bo[:-1]) | (To[1:] != To[:-1])]
    group = np.cumsum(start) - 1
    mixed = np.zeros(int(group[-1]) + 1 if len(group) else 0, dtype=bool)
    np.logical_or.at(mixed, group[1:], (no[1:] != no[:-1]) & ~start[1:])
    names_all = cells["spacegroup"].astype(str).to_numpy()[known]
    out = []
    bounds = np.r_[np.flatnonzero(start), len(order)]
    for gi in np.flatnonzero(mixed):
        rows = np.sort(order[bounds[gi]:bounds[gi + 1]])  # the group's rows in file order (names as first seen)
        out.append((str(b_names[b_code[rows[0]]]), float(T[rows[0]]), tuple(dict.fromkeys(names_all[rows]))))
    return out


# ------------------------------------------------------------------------------------------------ transitions


@dataclass(frozen=True, eq=False)
class Transition:
    """One symmetry change of a series. ``high``/``low``: group keys of the high- and low-symmetry sides;
    ``relation`` from high to low (None with ``not_subgroup`` saying why); ``coupling`` and ``proxy`` (the strain
    scalar fitted, "e_sb" or "e_nsb", signed); ``reference`` (how the high-symmetry baseline was made);
    ``T``/``y``/``y_su``/``rows`` the ordered rows and their proxy, ``T_other``/``y_other`` the high-symmetry rows
    next to the bracket (their residual proxy, for figures); ``comparison`` the fits; ``Tc``/``Tc_su`` of the
    preferred model (the bracket's middle ± width/√12 without one)."""

    bracket: Bracket
    high: str
    low: str
    high_number: int
    low_number: int
    relation: object
    not_subgroup: str | None
    coupling: str | None
    proxy: str | None
    reference: str
    T: np.ndarray
    y: np.ndarray
    y_su: np.ndarray
    rows: tuple[str, ...]
    T_other: np.ndarray
    y_other: np.ndarray
    comparison: ModelComparison | None
    Tc: float
    Tc_su: float
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ordered_below(self) -> bool:
        return self.bracket.number_below == self.low_number

    @property
    def preferred(self) -> str | None:
        return None if self.comparison is None else self.comparison.preferred


def _baseline_through(cells, idx):
    """A reference for the strain of other rows: linear fit (≥ 3 rows), line through 2, or the single cell."""
    from .reference import fit_cell_baseline
    from .series_read import table_arrays as _arrays
    from .series_read import table_cells

    sub = cells.iloc[idx]
    T = sub["T"].to_numpy(float)
    if len(idx) == 1 or np.ptp(T) == 0:
        return table_cells(sub)[0], f"cell of {sub['label'].iloc[0]}"
    exact = len(idx) == 2
    bl = fit_cell_baseline(T, _arrays(sub), model="linear", exact=exact,
                           source=f"{sub['spacegroup'].iloc[0]} rows")
    what = "line through 2 rows" if exact else f"linear fit of {len(idx)} rows"
    return bl, f"{what} of {sub['spacegroup'].iloc[0]} at {T.min():g}–{T.max():g} K"


def _segment(cells, bracket: Bracket, number: int, below: bool) -> np.ndarray:
    """Row indices of the branch's contiguous run of group ``number`` on one side of the bracket."""
    br = cells["branch"].fillna("").astype(str).to_numpy()
    num = cells["sg_number"].to_numpy(dtype=int)
    T = cells["T"].to_numpy(float)
    idx = np.flatnonzero((br == bracket.branch) & (num > 0))
    idx = idx[np.argsort(T[idx], kind="stable")]
    if below:
        idx = idx[T[idx] <= bracket.T_below][::-1]
    else:
        idx = idx[T[idx] >= bracket.T_above]
    stop = np.flatnonzero(num[idx] != number)
    return idx[: stop[0]] if len(stop) else idx


def _proxies(cells, idx, reference, relation, coupling, direction=None):
    """(y, y_su, direction) of the rows ``idx`` against ``reference`` mapped by the relation: the strain projected
    on the symmetry-breaking (linear, quadratic_sb) or non-symmetry-breaking (quadratic_nsb) subspace, then on its
    mean direction over these rows (or ``direction``), a signed scalar ∝ Q (linear) or ∝ Q² (quadratic). Unlike
    the norm e_sb or e_nsb it is not biased upwards by noise where the order parameter vanishes."""
    from .reference import CellBaseline
    from .strain_kernel import pair_strains, projector
    from .strain_math import split_spec

    T = cells["T"].to_numpy(float)[idx]
    p = cells[list(CELL_NAMES)].to_numpy(float)[idx]
    s = cells[[f"{n}_su" for n in CELL_NAMES]].to_numpy(float)[idx]
    if isinstance(reference, CellBaseline):
        p0, s0 = reference.cells_at(T), reference.su_at(T)
    else:
        p0, s0 = np.tile(reference.params, (len(T), 1)), np.tile(reference.su_array, (len(T), 1))
    # a reference without s.u.'s is exact here, as the thermal expansion takes its own: its error is one systematic
    # shift of every row, not their noise (and not "unknown", which the kernel would make of a component only it moves)
    s0 = np.where(np.isfinite(s0).any(axis=1, keepdims=True), s0, 0.0)
    sb, nsb = tuple(relation.symmetry_breaking_strain), tuple(relation.non_symmetry_breaking_strain)
    _, _, (sbV, nsbV) = split_spec(sb, nsb)
    r = pair_strains(p0, p, relation.P, s0=s0, s=s)
    C = projector(sbV if SOURCE[coupling][0] == "e_sb" else nsbV)  # rows: orthonormal basis (weighted) · √W
    z = r.e @ C.T  # coordinates in that orthonormal basis: |z| is e_sb or e_nsb
    if direction is None:
        m = z.mean(axis=0) if len(z) else np.zeros(len(C))
        nm = np.linalg.norm(m)
        direction = m / nm if nm > 0 else np.eye(len(C))[0] if len(C) else np.zeros(0)
    y = z @ direction
    # s.u.: the projection is linear in e; components taken as independent (first order)
    g = direction @ C  # (6,) coefficients on the Voigt strain
    ys = np.sqrt(np.sum((g * r.e_su) ** 2, axis=1))
    ys = np.where(r.child_has_su, ys, np.nan)  # the baseline's s.u.'s alone: one systematic error, not noise
    y = np.where(np.abs(y) < 1e-12, 0.0, y)
    return y, ys, direction


def find_transitions(cells, phases=None, *, tol: float = 0.08) -> tuple[list[Transition], list[str]]:
    """Every transition of a normalised cell table (``phases`` aligned with its rows when read from CIFs):
    ``(transitions, warnings)``. See the module docstring."""
    from .paraphase import phase_of_row, group_of_rows, symmetry_density
    from .relation import relate

    groups, rows = group_of_rows(cells, phases)
    P = cells[list(CELL_NAMES)].to_numpy(float)
    T_all = cells["T"].to_numpy(float)
    labels = cells["label"].astype(str).to_numpy()
    out, warnings, rel_cache = [], [], {}
    for b in find_brackets(cells):
        kb, ka = b.group_below, b.group_above
        ib, ia = rows[kb], rows[ka]
        db, da = symmetry_density(groups[kb], P[ib[0]]), symmetry_density(groups[ka], P[ia[0]])
        high, low = (kb, ka) if db > da else (ka, kb)
        key = (high, low)
        if key not in rel_cache:
            ih, il = rows[high], rows[low]
            ph = phase_of_row(cells, int(ih[np.argmin(np.abs(T_all[ih] - b.middle))]), groups, phases)
            pl = phase_of_row(cells, int(il[np.argmin(np.abs(T_all[il] - b.middle))]), groups, phases)
            try:
                rel = relate(ph, pl, tol=tol, check_reverse=False)
                rel_cache[key] = (rel, None) if rel.holds else (None, rel.reason)
            except SymstrainInputError as exc:
                rel_cache[key] = (None, exc.problem)
            except (KeyboardInterrupt, MemoryError):
                raise
            except Exception as exc:  # noqa: BLE001 — one bad pair must not stop the others; said as what it is
                rel_cache[key] = (None, f"{INTERNAL} {type(exc).__name__}: {exc}")
        rel, why = rel_cache[key]
        low_number = b.number_below if low == kb else b.number_above
        high_number = b.number_above if low == kb else b.number_below
        ordered_below = low == kb
        seg = _segment(cells, b, low_number, below=ordered_below)
        other = _segment(cells, b, high_number, below=not ordered_below)
        empty = np.zeros(0)
        if rel is None or rel.index == 1:
            why = why or "the two groups are the same group in different settings"
            what = "could not be related to" if why.startswith(INTERNAL) else "is not a subgroup of"
            warnings.append(f"{b.below} → {b.above}: {low} {what} {high}: {why}; only the bracket is reported")
            out.append(Transition(b, high, low, high_number, low_number, None, why, None, None, "", T_all[seg],
                                  empty, empty, tuple(labels[seg]), T_all[other], empty, None, b.middle,
                                  b.su_uniform))
            continue
        coupling = coupling_of(rel)
        reference, ref_text = _baseline_through(cells, rows[high])
        y, y_su, u = _proxies(cells, seg, reference, rel, coupling)
        y_o = _proxies(cells, other, reference, rel, coupling, u)[0] if len(other) else empty
        cmp_ = compare_models(T_all[seg], y, y_su if np.all(np.isfinite(y_su)) else None, T_low=b.T_below,
                              T_high=b.T_above, ordered_below=ordered_below, power=SOURCE[coupling][1])
        best = cmp_.fit(cmp_.preferred) if cmp_.preferred else None
        Tc, Tc_su = (best.Tc, best.Tc_su) if best is not None else (b.middle, b.su_uniform)
        proxy = {"linear": "e_sb", "quadratic_sb": "e_sb", "quadratic_nsb": "e_nsb"}[coupling]
        notes = []
        if best is None:
            notes.append(f"{b.below} → {b.above}: {cmp_.evidence}; T_c is the bracket's middle")
        out.append(Transition(b, high, low, high_number, low_number, rel, None, coupling, proxy, ref_text,
                              T_all[seg], y, y_su, tuple(labels[seg]), T_all[other], y_o, cmp_, Tc, Tc_su,
                              tuple(notes)))
        warnings.extend(notes)
    return out, warnings


def transition_to_dict(tr: Transition, cells=None, groups: dict | None = None) -> dict:
    """A transition under the JSON contract (``schemas/transitions.json``); ``groups`` (key →
    :class:`~symstrain.phase.SpaceGroupInfo`, from :func:`~symstrain.paraphase.group_of_rows`) give the settings."""
    from .contract import quantity, spacegroup, spacegroup_from_number

    def sg(key, number):
        if groups and key in groups:
            return spacegroup(groups[key])
        d = spacegroup_from_number(number)
        return {**d, "symbol": key, "setting": key, "standard_setting": key == d["symbol"]} if d else None

    # label → (file, block) once: a look-up per point, not a scan of the table per point (N² on 10⁴ rows)
    where = {} if cells is None else dict(zip(cells["label"].astype(str).to_numpy()[::-1],
                                             zip(cells["file"].to_numpy()[::-1], cells["block"].to_numpy()[::-1])))

    def row(label):
        if cells is None:
            return {"file": None, "block": label}
        f, blk = where[str(label)]  # the first row of that label (reversed above so that it wins)
        return {"file": f, "block": blk}

    b = tr.bracket
    cmp_ = tr.comparison
    rel = tr.relation
    return {
        "branch": b.branch or None,
        "bracket": {"below": {**row(b.below), "T": quantity(b.T_below), "spacegroup": sg(b.group_below, b.number_below)},
                    "above": {**row(b.above), "T": quantity(b.T_above), "spacegroup": sg(b.group_above, b.number_above)}},
        "high_symmetry": sg(tr.high, tr.high_number),
        "low_symmetry": sg(tr.low, tr.low_number),
        "direction": "descending" if tr.ordered_below else "ascending",
        "relation": None if rel is None else {"type": rel.kind, "index": int(rel.index),
                                              "lattice_index": int(rel.lattice_index), "aizu": rel.aizu,
                                              "symmetry_breaking_strain": list(rel.symmetry_breaking_strain),
                                              "non_symmetry_breaking_strain": list(rel.non_symmetry_breaking_strain)},
        "not_a_subgroup": tr.not_subgroup,
        "coupling": tr.coupling,
        "coupling_description": None if tr.coupling is None else COUPLINGS[tr.coupling],
        "proxy": tr.proxy,
        "reference": tr.reference or None,
        "T_c": quantity(tr.Tc, tr.Tc_su),
        "preferred_model": tr.preferred,
        "evidence": None if cmp_ is None else cmp_.evidence,
        "criterion": None if cmp_ is None else cmp_.criterion,
        "delta": None if cmp_ is None else finite_or_none(cmp_.delta),
        "sigma": None if cmp_ is None else {"value": finite_or_none(cmp_.sigma), "from": cmp_.sigma_from,
                                            "dof": cmp_.sigma_dof},
        "models": [] if cmp_ is None else [f.to_dict() for f in cmp_.fits],
        "points": [{**row(lab), "T": quantity(t), "proxy": quantity(v, s)}
                   for lab, t, v, s in zip(tr.rows, tr.T, tr.y, tr.y_su)] if len(tr.y) else [],
    }
