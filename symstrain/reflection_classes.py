"""Symmetry-breaking (SB) reflections derived from the operations: which reflections each group allows.

What lives here: :func:`enumerate_hkl` (every reflection to d_min, vectorised), :func:`largest_d` (the largest d
of a cell), :func:`classify_reflections` (allowed in both groups, symmetry-breaking, or absent in both),
:func:`reflections` (from a
:class:`~symstrain.relation.Relation`) and :func:`reflections_from_groups` (from parent and child groups, P, p and
the child cell) → :class:`ReflectionClasses`; :func:`check_subgroup` for a (P, p) given by hand; the zone and
Laue-equivalence keys of reflections. What does not: the extinction algebra (``conditions.py``: absences,
conditions written like ITA), intensities predicted or measured (``intensities.py``), reading measured data
(``hkl.py``), figures (``plots/reflections.py``).

Conventions
-----------
* Operations (R, t) act on fractional column vectors, x' = R·x + t (as in ``ops.py``).
* A reflection h (row vector) is systematically absent in a group when some operation has
  h·R = h and h·t ∉ ℤ (centring translations are operations with R = I).
* Relation conventions as in ``relation.py``: child basis = parent basis · P, x_parent = P·x_child + p,
  (hkl)_child = (hkl)_parent · P. A parent operation (R, t) seen in the child basis and origin is
  (P⁻¹RP, P⁻¹(t + R·p − p)); translations of the parent lattice become (I, P⁻¹·n), n ∈ ℤ³, which
  extinguish every child reflection with non-integral parent indices.
* Reflections are indexed in the child cell unless a column says ``*_parent``; d in Å.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .conditions import (
    BrokenCondition,
    _broken_conditions,
    _group_arrays,
    _group_name,
    absent_mask,
    parent_ops_in_child,
)
from . import contract
from .errors import SymstrainInputError, WarningRecord
from .index_box import _is_int
from .notation import triplet
from .ops import SymOps

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "no_broken_condition": "no parent extinction condition is broken: the symmetry breaking shows in intensities only",
}

CLASSES = ("allowed", "SB", "absent")


# --------------------------------------------------------------------------- enumeration and classes
def d_spacing(cell, hkl) -> np.ndarray:
    """(N,) d-spacings (Å) of reflections (N, 3) in ``cell``."""
    hkl = np.asarray(hkl, dtype=float).reshape(-1, 3)
    s2 = np.einsum("ni,ij,nj->n", hkl, cell.reciprocal_metric(), hkl)
    with np.errstate(divide="ignore"):
        return 1.0 / np.sqrt(s2)


#: the most reflections enumerated (the full sphere to d_min): the classification keeps ~430 bytes per reflection
#: (≈ 130 MB here) and the ``reflections`` command writes them in ≈ 4 s; a 36-fold supercell of lawsonite has
#: ≈ 200,000 to 0.8 Å, a 1000 × 8.24 × 28 Å cell 1.9 million (1.4 GB, a MemoryError under 2 GB of address space)
MAX_REFLECTIONS = 300_000
#: the most index triples in the box |h| ≤ a/d_min, |k| ≤ b/d_min, |l| ≤ c/d_min (looked at in slabs of h)
_MAX_BOX = 50_000_000
_SLAB = 2_000_000


#: the smallest d_min (Å) taken: ~λ/2 of the shortest wavelengths of diffraction (hard X-rays, electrons: ~0.02 Å)
MIN_DMIN = 0.01
#: the largest d_min (Å) taken (far above any cell's largest d-spacing: no reflection is left)
MAX_DMIN = 1e6


def check_dmin(dmin: float) -> None:
    """Refuse a d_min (Å) that is not a positive number within :data:`MIN_DMIN`–:data:`MAX_DMIN`."""
    if not (dmin > 0 and math.isfinite(dmin)):
        raise SymstrainInputError("--dmin", f"d_min must be a positive number of Å, got {dmin}")
    if not MIN_DMIN <= dmin <= MAX_DMIN:  # (1e-308: dmin³ underflowed to 0; 1e308: dmin² overflowed: sweep 26)
        raise SymstrainInputError("--dmin", f"d_min = {dmin:g} Å is outside {MIN_DMIN:g}–{MAX_DMIN:g} Å: no "
                                            "diffraction experiment reaches below, and no cell has a d above")


def enumerate_hkl(cell, dmin: float) -> np.ndarray:
    """(N, 3) int: every reflection h ≠ 0 with d ≥ dmin (Å), full sphere (h and −h both listed).

    Index bounds |h| ≤ a/dmin etc. are exact (|h| = |h·a| ≤ |s||a|); the sphere is cut with G*.
    Sorted by decreasing d, then h, k, l. More than :data:`MAX_REFLECTIONS` (by the sphere's volume,
    4π/3·V/d_min³) is refused with the d_min that fits.
    """
    check_dmin(dmin)
    expected = 4 * math.pi / 3 * cell.volume / dmin**3
    if expected > MAX_REFLECTIONS:
        fits = math.ceil(dmin * (expected / MAX_REFLECTIONS) ** (1 / 3) * 100) / 100
        raise SymstrainInputError("--dmin", f"d_min = {dmin:g} Å gives about {expected:,.0f} reflections in this "
                                            f"{cell.volume:,.0f} Å³ cell, more than the {MAX_REFLECTIONS:,} enumerated; "
                                            f"use --dmin {fits:.2f} or larger")
    lim = [int(math.floor(x / dmin + 1e-9)) for x in (cell.a, cell.b, cell.c)]
    n_box = np.prod([2 * m + 1 for m in lim])
    if n_box > _MAX_BOX:
        raise SymstrainInputError("--dmin", f"d_min = {dmin} Å gives {n_box:.0f} index triples in this cell; choose a larger d_min")
    G = cell.reciprocal_metric()
    kl = np.stack(np.meshgrid(np.arange(-lim[1], lim[1] + 1), np.arange(-lim[2], lim[2] + 1), indexing="ij"),
                  axis=-1).reshape(-1, 2)
    step = max(1, _SLAB // len(kl))
    found = []
    for h0 in range(-lim[0], lim[0] + 1, step):
        hs = np.arange(h0, min(h0 + step, lim[0] + 1))
        h = np.concatenate([np.repeat(hs, len(kl))[:, None], np.tile(kl, (len(hs), 1))], axis=1)
        s2 = np.einsum("ni,ij,nj->n", h.astype(float), G, h.astype(float))
        keep = (s2 <= 1.0 / dmin**2 * (1 + 1e-12)) & np.any(h != 0, axis=1)
        found.append((h[keep], s2[keep]))
    h, s2 = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
    order = np.lexsort((h[:, 2], h[:, 1], h[:, 0], s2))
    return h[order]


def largest_d(cell) -> float:
    """The largest d-spacing (Å) of any reflection of ``cell`` (1/|shortest reciprocal-lattice vector|): every
    reflection with d ≥ min(d100, d010, d001) is enumerated and the largest d kept."""
    d_axes = d_spacing(cell, np.eye(3))
    return float(d_spacing(cell, enumerate_hkl(cell, float(d_axes.min()) * (1 - 1e-9))).max())


#: zone names by the code 4·[h = 0] + 2·[k = 0] + [l = 0] (000 is listed as "hkl", as every other general index)
_ZONES = ("hkl", "hk0", "h0l", "h00", "0kl", "0k0", "00l", "hkl")


def _zone_codes(hkl) -> np.ndarray:
    z = np.asarray(hkl).reshape(-1, 3) == 0
    return z[:, 0] * 4 + z[:, 1] * 2 + z[:, 2]


def zone_of(hkl) -> np.ndarray:
    """(N,) principal zone/row of each reflection in its own indexing: "hkl", "0kl", "h0l", "hk0", "h00", "0k0", "00l"."""
    return np.array(_ZONES, dtype=object)[_zone_codes(hkl)]


def _str_column(names, codes) -> pd.api.extensions.ExtensionArray:
    """A pandas string column whose row i is ``names[codes[i]]``, made without a Python string per row."""
    return pd.array(list(names), dtype="str").take(np.asarray(codes, dtype=np.intp))


def unique_key(hkl, rotations) -> np.ndarray:
    """(N,) int64 key equal for reflections equivalent under the Laue group of ``rotations`` (Friedel included)."""
    hkl = np.asarray(hkl, dtype=np.int64).reshape(-1, 3)
    Rs = np.asarray(np.round(rotations), dtype=np.int64).reshape(-1, 3, 3)
    Rs = np.unique(np.concatenate([Rs, -Rs]), axis=0)  # each rotation once (a supercell repeats them per translation)
    eq = np.einsum("nj,ojk->onk", hkl, Rs) + 1000
    keys = (eq[..., 0] * 2001 + eq[..., 1]) * 2001 + eq[..., 2]
    return keys.max(axis=0)


def check_subgroup(parent, child, P, p, source: str = "--P/--p") -> None:
    """Raise ``SymstrainInputError`` unless every child operation is a parent operation under (P, p).

    Child (W, w) must equal a parent (R, t) with R = P·W·P⁻¹, t ≡ P·w + p − R·p modulo the parent lattice.
    """
    G, H = SymOps.coerce(parent), SymOps.coerce(child)
    P = np.asarray(P, dtype=float)
    p = np.asarray(p, dtype=float).reshape(3)
    R = np.einsum("ij,njk,kl->nil", P, H.rotations.astype(float), np.linalg.inv(P))
    t = H.translations @ P.T + p - R @ p
    ok = G.contains_many(R, t)
    if not ok.all():
        k = int(np.argmin(ok))
        raise SymstrainInputError(
            source,
            f"child operation {triplet(H.rotations[k], H.translations[k], reduce=True)} is not an operation of the "
            f"parent {_group_name(parent)} with P = {np.round(P, 4).tolist()}, p = {np.round(p, 4).tolist()}; "
            "give the right --P/--p",
        )


def classify_reflections(hkl, parent, child, P=None, p=None, conditions=None) -> pd.DataFrame:
    """Classify child-indexed reflections (N, 3) as "allowed", "SB" or "absent".

    ``parent``/``child``: ``SpaceGroupInfo`` (or (rotations, translations)) in the settings of their
    files; P, p: relation conventions (defaults identity, 0). "allowed": present in both groups;
    "SB": absent in the parent, present in the child (symmetry-breaking); "absent": absent in both.
    Columns: h, k, l (child), h_parent, k_parent, l_parent (float; non-integral for a child supercell),
    zone (child indexing), class, broken (the broken parent conditions that extinguish an SB
    reflection, "; "-joined, conditions contained in another left out).
    A reflection absent in the child but present in the parent means the groups are not a
    group–subgroup pair under (P, p): SymstrainInputError.
    """
    hkl = np.asarray(hkl)
    if hkl.ndim != 2 or hkl.shape[1] != 3 or (
            hkl.dtype.kind not in "iub" and not np.all(_is_int(hkl.astype(float)))):
        raise SymstrainInputError("hkl", "reflection indices must be an (N, 3) array of integers")
    P = np.eye(3) if P is None else np.asarray(P, dtype=float)
    p = np.zeros(3) if p is None else np.asarray(p, dtype=float)
    Rp, tp = _group_arrays(parent)
    Rc, tc = _group_arrays(child)
    W, w = parent_ops_in_child(Rp, tp, P, p)
    h = hkl.astype(float)
    par_abs = absent_mask(h, W, w)
    chi_abs = absent_mask(h, Rc, tc)
    bad = chi_abs & ~par_abs
    if bad.any():
        i = int(np.argmax(bad))
        raise SymstrainInputError(
            "relation", f"reflection {tuple(int(x) for x in hkl[i])} is absent in the child but present in the parent: "
            "the child is not a subgroup of the parent with this P, p")
    cls = np.where(par_abs, np.where(chi_abs, 2, 1), 0)  # index into CLASSES
    hp = h @ np.linalg.inv(P)
    if conditions is None:
        conditions = _broken_conditions(Rp, tp, (Rc, tc), P, p)
    # the broken conditions of each SB reflection, joined in the order of ``conditions``: one label per distinct
    # combination, found on the SB rows only
    sb = np.flatnonzero(cls == 1)
    main = [bc for bc in conditions if bc.contained_in is None]
    names, broken = [""], np.zeros(len(h), dtype=np.intp)
    if main and len(sb):
        hits = np.stack([bc.child.extinguishes(h[sb]) for bc in main], axis=1)
        combos, which = np.unique(hits, axis=0, return_inverse=True)
        names += ["; ".join(bc.label for bc, on in zip(main, c) if on) for c in combos]
        broken[sb] = np.asarray(which).reshape(-1) + 1
    return pd.DataFrame({"h": hkl[:, 0].astype(int), "k": hkl[:, 1].astype(int), "l": hkl[:, 2].astype(int),
                         "h_parent": hp[:, 0], "k_parent": hp[:, 1], "l_parent": hp[:, 2],
                         "zone": _str_column(_ZONES, _zone_codes(hkl)), "class": _str_column(CLASSES, cls),
                         "broken": _str_column(names, broken)})


@dataclass(frozen=True, eq=False)
class ReflectionClasses:
    """Every reflection to ``dmin`` of the child cell, classified against the parent.

    ``table``: DataFrame from :func:`classify_reflections` plus ``d`` (Å) and ``unique`` (key equal for
    reflections equivalent in the child's Laue class) and, after :meth:`with_intensities`, ``I``
    (predicted |F|², units of the radiation: electrons², fm² or Å²). ``conditions``: the broken parent
    conditions (:class:`BrokenCondition`).
    ``P``, ``p``: relation conventions of ``relation.py``.
    """

    table: pd.DataFrame
    conditions: tuple[BrokenCondition, ...]
    dmin: float
    parent_group: str
    child_group: str
    P: np.ndarray
    p: np.ndarray
    #: coded warnings (``no_broken_condition``: the symmetry breaking shows only in intensities)
    warnings: tuple[WarningRecord, ...] = field(default_factory=tuple)

    @property
    def counts(self) -> dict[str, int]:
        """Number of reflections per class (full sphere)."""
        vc = self.table["class"].value_counts()
        return {c: int(vc.get(c, 0)) for c in CLASSES}

    @property
    def sb(self) -> pd.DataFrame:
        return self.table[self.table["class"] == "SB"]

    def sb_by_zone(self) -> dict[str, int]:
        """SB reflections per principal zone of the child indexing (e.g. {"hkl": 1048, "0kl": 168})."""
        vc = self.sb["zone"].value_counts()
        return {str(k): int(v) for k, v in vc.items()}

    def summary_lines(self) -> list[str]:
        """The broken conditions in words, in child and parent indexing."""
        lines = []
        for bc in self.conditions:
            par = "non-integral parent indices" if bc.parent is None else f"{bc.parent.zone}: {bc.parent.rule}"
            # (no parent condition: the operation lost is a translation of the parent's lattice, which in parent
            # coordinates is a whole one — written in the child's, where it is one; sweep 22 read it as a parent op)
            op = (f"parent op {bc.parent.operation}" if bc.parent else
                  f"parent lattice translation {bc.child.operation} in child coordinates")
            line = f"{bc.child.zone}: {bc.child.rule} broken ({bc.appears.text}; parent indexing {par}; {op})"
            if bc.contained_in:
                line += f" — contained in {bc.contained_in}"
            lines.append(line)
        return lines

    def with_intensities(self, I) -> "ReflectionClasses":
        """A copy whose table has a column ``I`` (predicted or measured, one per row)."""
        t = self.table.copy()
        t["I"] = np.asarray(I, dtype=float)
        return ReflectionClasses(t, self.conditions, self.dmin, self.parent_group, self.child_group,
                                 self.P, self.p, self.warnings)

    def intensity_summary(self, top: int = 10) -> dict:
        """Predicted (or measured) SB intensities, needs column ``I`` (see :meth:`with_intensities`).

        Returns n_SB, mean_I_SB, mean_I_allowed, sb_fraction = ΣI_SB/ΣI_all, eta_intensity and
        ``strongest``: the ``top`` strongest SB reflections (one per set of equivalents), a DataFrame.
        """
        from .intensities import eta_intensity, strongest

        if "I" not in self.table:
            raise ValueError("no intensities: use with_intensities(predict_intensities(phase, hkl)) first")
        t = self.table
        I = t["I"].to_numpy(dtype=float)
        sb = (t["class"] == "SB").to_numpy()
        al = (t["class"] == "allowed").to_numpy()
        tot = float(np.nansum(I))
        return {
            "n_SB": int(sb.sum()),
            "mean_I_SB": float(np.nanmean(I[sb])) if sb.any() else None,
            "mean_I_allowed": float(np.nanmean(I[al])) if al.any() else None,
            "sb_fraction": float(np.nansum(I[sb]) / tot) if tot > 0 else None,
            "eta_intensity": eta_intensity(I, sb),
            "strongest": strongest(t[t["I"] > 0], "SB", top),  # (an SB reflection this structure leaves at 0: none)
        }

    def n_opened(self) -> list[int]:
        """For each broken condition, the SB reflections of the table it extinguishes in the parent."""
        h = self.table[["h", "k", "l"]].to_numpy()
        sb = (self.table["class"] == "SB").to_numpy()
        return [int((sb & bc.child.extinguishes(h)).sum()) for bc in self.conditions]

    def conditions_table(self) -> pd.DataFrame:
        """One row per broken condition (the ``broken_conditions.csv`` of ``symstrain reflections``): zone, rule,
        absent_in_parent, kind, operation_child_basis, parent_indexing, operation_parent_basis, n_SB_opened
        (SB reflections of the table it opens), contained_in, appears (what appears, in words)."""
        rows = [{"zone": bc.child.zone, "rule": bc.child.rule, "absent_in_parent": bc.child.absent,
                 "kind": bc.child.kind, "operation_child_basis": bc.child.operation,
                 "parent_indexing": "non-integral parent indices" if bc.parent is None
                 else f"{bc.parent.zone}: {bc.parent.rule}",
                 "operation_parent_basis": "" if bc.parent is None else bc.parent.operation,
                 "n_SB_opened": n, "contained_in": bc.contained_in or "",
                 "appears": "" if bc.appears is None else bc.appears.text}
                for bc, n in zip(self.conditions, self.n_opened())]
        return pd.DataFrame(rows, columns=["zone", "rule", "absent_in_parent", "kind", "operation_child_basis",
                                           "parent_indexing", "operation_parent_basis", "n_SB_opened",
                                           "contained_in", "appears"])

    def to_dict(self) -> dict:
        """The classes under the JSON contract: basis change, dmin (Å), counts per class and per zone of the SB
        reflections, the broken conditions each with ``n_SB`` (SB reflections of the table it opens). The groups
        and warnings are the caller's to give (structures, envelope)."""
        return {
            "basis_change": contract.basis_change(self.P, self.p),
            "dmin": self.dmin,
            "counts": self.counts,
            "sb_by_zone": self.sb_by_zone(),
            "broken_conditions": [{**bc.to_dict(), "n_SB": n} for bc, n in zip(self.conditions, self.n_opened())],
        }


def reflections_from_groups(parent, child, P, p, child_cell, dmin: float = 0.8) -> ReflectionClasses:
    """:class:`ReflectionClasses` from plain values: parent and child ``SpaceGroupInfo`` (settings of
    their files), P, p (``relation.py`` conventions) and the child ``Cell``; d ≥ dmin (Å), full sphere."""
    P = np.eye(3) if P is None else np.asarray(P, dtype=float)
    p = np.zeros(3) if p is None else np.asarray(p, dtype=float)
    check_subgroup(parent, child, P, p)
    Rp, tp = _group_arrays(parent)
    Rc, tc = _group_arrays(child)
    conds = tuple(_broken_conditions(Rp, tp, (Rc, tc), P, p))
    hkl = enumerate_hkl(child_cell, dmin)
    table = classify_reflections(hkl, (Rp, tp), (Rc, tc), P, p, conditions=conds)
    table.insert(6, "d", d_spacing(child_cell, hkl))
    table["unique"] = unique_key(hkl, Rc)
    warns = []
    if not conds:
        warns.append(WarningRecord("no_broken_condition", _group_name(child), "no parent extinction condition is "
                                   "broken: the symmetry breaking shows only in intensities"))
    return ReflectionClasses(table, conds, float(dmin), _group_name(parent), _group_name(child), P, p, tuple(warns))


def reflections(relation, dmin: float = 0.8) -> ReflectionClasses:
    """:class:`ReflectionClasses` of a :class:`~symstrain.relation.Relation` to d ≥ dmin (Å) in the child cell."""
    from .relation import holding

    relation = holding(relation, "reflections")
    return reflections_from_groups(relation.parent.spacegroup, relation.child.spacegroup,
                                   relation.P, relation.p, relation.child.cell, dmin)
