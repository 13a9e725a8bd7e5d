"""Symmetry-breaking (SB) reflections: derived from the operators, predicted from a structure, found in data.

What lives here
---------------
* :func:`classify_reflections`: every reflection allowed in both groups, symmetry-breaking, or absent in both;
  the extinction algebra it uses (:func:`absent_mask`, :func:`reflection_conditions`) lives in
  ``conditions.py`` and is re-exported here.
* :func:`enumerate_hkl` (every reflection to d_min, vectorised), :func:`reflections` (from a
  :class:`~symstrain.relation.Relation`) and :func:`reflections_from_groups` (from parent and child
  groups, P, p and the child cell) → :class:`ReflectionClasses`.
* Intensities: :func:`predict_intensities` (gemmi's small-molecule structure factors for X-rays,
  neutrons or electrons, :data:`RADIATIONS`),
  :func:`class_statistics`, :func:`eta_intensity`, :func:`classify_measured`, :func:`eta_series`.

Reading measured intensities lives in ``hkl.py``, figures in ``plots/reflections.py``.

Conventions
-----------
* Operations (R, t) act on fractional column vectors, x' = R·x + t (as in ``phase.py``).
* A reflection h (row vector) is systematically absent in a group when some operation has
  h·R = h and h·t ∉ ℤ (centring translations are operations with R = I).
* Relation conventions as in ``relation.py``: child basis = parent basis · P, x_parent = P·x_child + p,
  (hkl)_child = (hkl)_parent · P. A parent operation (R, t) seen in the child basis and origin is
  (P⁻¹RP, P⁻¹(t + R·p − p)); translations of the parent lattice become (I, P⁻¹·n), n ∈ ℤ³, which
  extinguish every child reflection with non-integral parent indices.
* Reflections are indexed in the child cell unless a column says ``*_parent``; d in Å.
* Predicted intensities are |F|² in electrons² (X-ray, no anomalous scattering), fm² (neutron, coherent
  scattering lengths) or Å² (electron, kinematic); no Lorentz/polarisation/absorption factors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._callable import make_callable
from .errors import SymstrainInputError
from .notation import triplet
from .ops import SymOps
from .conditions import (  # noqa: F401  (re-exported: the extinction algebra is part of this module's API)
    BrokenCondition,
    ReflectionCondition,
    _broken_conditions,
    _group_arrays,
    _group_name,
    _is_int,
    absent_mask,
    condition_from_op,
    parent_lattice_translations,
    parent_ops_in_child,
    reflection_conditions,
)

#: tolerance on fractional index products (h·t, h·P⁻¹): values are rationals with small denominators
_EPS = 1e-6
#: half-width of the index box on which conditions are compared (covers every period ≤ 12)
_BOX = 12

CLASSES = ("allowed", "SB", "absent")


# --------------------------------------------------------------------------- enumeration and classes
def reciprocal_metric(cell) -> np.ndarray:
    """(3, 3) reciprocal metric G* = G⁻¹ (Å⁻²) of a ``Cell``; 1/d² = h·G*·hᵀ."""
    return np.linalg.inv(cell.metric())


def d_spacing(cell, hkl) -> np.ndarray:
    """(N,) d-spacings (Å) of reflections (N, 3) in ``cell``."""
    hkl = np.asarray(hkl, dtype=float).reshape(-1, 3)
    s2 = np.einsum("ni,ij,nj->n", hkl, reciprocal_metric(cell), hkl)
    with np.errstate(divide="ignore"):
        return 1.0 / np.sqrt(s2)


def enumerate_hkl(cell, dmin: float) -> np.ndarray:
    """(N, 3) int: every reflection h ≠ 0 with d ≥ dmin (Å), full sphere (h and −h both listed).

    Index bounds |h| ≤ a/dmin etc. are exact (|h| = |h·a| ≤ |s||a|); the sphere is cut with G*.
    Sorted by decreasing d, then h, k, l.
    """
    if not (dmin > 0 and math.isfinite(dmin)):
        raise SymstrainInputError("--dmin", f"d_min must be a positive number of Å, got {dmin}")
    lim = [int(math.floor(x / dmin + 1e-9)) for x in (cell.a, cell.b, cell.c)]
    n_box = np.prod([2 * m + 1 for m in lim])
    if n_box > 5e7:
        raise SymstrainInputError("--dmin", f"d_min = {dmin} Å gives {n_box:.0f} index triples in this cell; choose a larger d_min")
    axes = [np.arange(-m, m + 1) for m in lim]
    h = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    s2 = np.einsum("ni,ij,nj->n", h.astype(float), reciprocal_metric(cell), h.astype(float))
    keep = (s2 <= 1.0 / dmin**2 * (1 + 1e-12)) & np.any(h != 0, axis=1)
    h, s2 = h[keep], s2[keep]
    order = np.lexsort((h[:, 2], h[:, 1], h[:, 0], s2))
    return h[order]


def zone_of(hkl) -> np.ndarray:
    """(N,) principal zone/row of each reflection in its own indexing: "hkl", "0kl", "h0l", "hk0", "h00", "0k0", "00l"."""
    hkl = np.asarray(hkl).reshape(-1, 3)
    z = hkl == 0
    names = np.full(len(hkl), "hkl", dtype=object)
    names[z[:, 0] & ~z[:, 1] & ~z[:, 2]] = "0kl"
    names[~z[:, 0] & z[:, 1] & ~z[:, 2]] = "h0l"
    names[~z[:, 0] & ~z[:, 1] & z[:, 2]] = "hk0"
    names[~z[:, 0] & z[:, 1] & z[:, 2]] = "h00"
    names[z[:, 0] & ~z[:, 1] & z[:, 2]] = "0k0"
    names[z[:, 0] & z[:, 1] & ~z[:, 2]] = "00l"
    return names


def unique_key(hkl, rotations) -> np.ndarray:
    """(N,) int64 key equal for reflections equivalent under the Laue group of ``rotations`` (Friedel included)."""
    hkl = np.asarray(hkl, dtype=np.int64).reshape(-1, 3)
    Rs = np.asarray(np.round(rotations), dtype=np.int64)
    Rs = np.concatenate([Rs, -Rs])
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
    if hkl.ndim != 2 or hkl.shape[1] != 3 or not np.all(_is_int(hkl.astype(float))):
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
    cls = np.where(par_abs, np.where(chi_abs, "absent", "SB"), "allowed")
    hp = h @ np.linalg.inv(P)
    df = pd.DataFrame({"h": hkl[:, 0].astype(int), "k": hkl[:, 1].astype(int), "l": hkl[:, 2].astype(int),
                       "h_parent": hp[:, 0], "k_parent": hp[:, 1], "l_parent": hp[:, 2],
                       "zone": zone_of(hkl), "class": cls})
    if conditions is None:
        conditions = _broken_conditions(Rp, tp, (Rc, tc), P, p)
    broken = np.full(len(df), "", dtype=object)
    sb = cls == "SB"
    for bc in conditions:
        if bc.contained_in is not None:
            continue
        m = sb & bc.child.extinguishes(h)
        broken[m] = np.where(broken[m] == "", bc.label, broken[m] + "; " + bc.label)
    df["broken"] = broken
    return df


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
    warnings: tuple[str, ...] = field(default_factory=tuple)

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
            what = "reflections" if bc.child.zone == "hkl" else f"{bc.child.zone} reflections"
            line = (f"{bc.child.zone}: {bc.child.rule} broken ({what} with {bc.child.absent} appear; "
                    f"parent indexing {par}; parent op {bc.parent.operation if bc.parent else bc.child.operation})")
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
            "strongest": strongest(t, "SB", top),
        }

    def to_dict(self) -> dict:
        return {
            "parent_group": self.parent_group,
            "child_group": self.child_group,
            "P": np.asarray(self.P).tolist(),
            "p": np.asarray(self.p).tolist(),
            "dmin": self.dmin,
            "counts": self.counts,
            "sb_by_zone": self.sb_by_zone(),
            "broken_conditions": [bc.to_dict() for bc in self.conditions],
            "warnings": list(self.warnings),
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
        warns.append("no parent extinction condition is broken: the symmetry breaking shows only in intensities")
    return ReflectionClasses(table, conds, float(dmin), _group_name(parent), _group_name(child), P, p, tuple(warns))


def reflections(relation, dmin: float = 0.8) -> ReflectionClasses:
    """:class:`ReflectionClasses` of a :class:`~symstrain.relation.Relation` to d ≥ dmin (Å) in the child cell."""
    return reflections_from_groups(relation.parent.spacegroup, relation.child.spacegroup,
                                   relation.P, relation.p, relation.child.cell, dmin)


# --------------------------------------------------------------------------- intensities
#: radiations :func:`predict_intensities` knows → (gemmi calculator, unit of F, words for text output)
RADIATIONS = {
    "xray": ("StructureFactorCalculatorX", "electrons", "X-ray"),
    "neutron": ("StructureFactorCalculatorN", "fm", "neutron"),
    "electron": ("StructureFactorCalculatorE", "Å", "electron"),
}


def check_radiation(radiation: str, source: str = "--radiation") -> str:
    """The radiation name, lower-cased, or ``SymstrainInputError`` naming the allowed ones."""
    r = str(radiation).strip().lower()
    if r not in RADIATIONS:
        raise SymstrainInputError(source, f"unknown radiation {radiation!r}: use one of {', '.join(RADIATIONS)}")
    return r


def _cell_sites(phase):
    """Every atom of the unit cell for the structure-factor sum: (frac (M, 3), atoms (M,) Atom, U* list).

    The expansion is :func:`symstrain.expand.expand_to_cell_ops` (images of one site closer than its
    ``MERGE_TOLERANCE`` Å are one atom on a special position; sites with occupancy 0 are left out, they
    add nothing to F). Anisotropic U (CIF convention, Å²) are carried as U* = N·U·N (N = diag(a*, b*, c*)),
    which transforms as R·U*·Rᵀ under the rotation R of the operation that generated the atom.
    Returns also N.
    """
    from .expand import expand_to_cell_ops

    frac, _, site, _, op = expand_to_cell_ops(phase)
    Rs = np.asarray(phase.spacegroup.rotations, dtype=float)
    N = np.diag(np.sqrt(np.diag(reciprocal_metric(phase.cell))))
    atoms = [phase.atoms[i] for i in site]
    Us = []
    for atom, k in zip(atoms, op):
        if atom.u_aniso is None:
            Us.append(None)
            continue
        u11, u22, u33, u12, u13, u23 = atom.u_aniso
        U = np.array([[u11, u12, u13], [u12, u22, u23], [u13, u23, u33]], dtype=float)
        Us.append(Rs[k] @ (N @ U @ N) @ Rs[k].T)
    return np.asarray(frac, dtype=float).reshape(-1, 3), atoms, Us, N


def predict_intensities(phase, hkl, radiation: str = "xray") -> np.ndarray:
    """(N,) |F(hkl)|² of ``phase`` for reflections (N, 3) indexed in its cell.

    ``radiation``: "xray" (IT92 form factors, F in electrons), "neutron" (coherent scattering lengths
    b of gemmi's Neutron92 table, Sears 1992, F in fm, so |F|² in fm²) or "electron" (gemmi's
    electron form factors, ITC Table 4.3.2.2, F in Å). The element symbol decides the scatterer: a
    site written as D (deuterium, b = 6.671 fm) scatters neutrons differently from H (b = −3.739 fm);
    T (tritium) is not in gemmi's tables and is refused like any unknown symbol. For neutrons only the
    real part of b is used (no absorption, no magnetic or incoherent scattering); an element without a
    tabulated b (e.g. Pu, Cf) is refused rather than given b = 0.

    Uses gemmi's structure-factor calculator on a ``gemmi.SmallStructure`` holding every atom of the
    unit cell (expanded with the phase's own operations, so any setting or origin works): occupancies,
    U_iso or anisotropic U (CIF convention). The Debye–Waller factor per atom is exp(−2π²U/d²) on F
    (exp(−B·sin²θ/λ²), B = 8π²U). Atoms without any displacement parameter get U = 0 (static
    structure). No Lorentz, polarisation, absorption or extinction factors.
    """
    import gemmi

    radiation = check_radiation(radiation)
    hkl = np.asarray(hkl)
    if hkl.ndim != 2 or hkl.shape[1] != 3 or not np.all(_is_int(hkl.astype(float))):
        raise SymstrainInputError("hkl", "reflection indices must be an (N, 3) array of integers")
    c = phase.cell
    small = gemmi.SmallStructure()
    small.cell = gemmi.UnitCell(c.a, c.b, c.c, c.alpha, c.beta, c.gamma)
    small.spacegroup_hm = "P 1"
    small.determine_and_set_spacegroup("1")
    X, atoms, Us, N = _cell_sites(phase)
    Ninv = np.linalg.inv(N)
    elements: dict[str, object] = {}
    for i, (x, atom, Ustar) in enumerate(zip(X, atoms, Us)):
        el = elements.get(atom.element)
        if el is None:
            el = elements[atom.element] = _gemmi_element(phase, atom, radiation)
        site = gemmi.SmallStructure.Site()
        site.label = f"{atom.label}_{i}"
        site.element = el
        site.type_symbol = atom.element
        site.fract = gemmi.Fractional(*x)
        site.occ = float(atom.occupancy)
        if Ustar is not None:
            U = Ninv @ Ustar @ Ninv
            site.aniso = gemmi.SMat33d(U[0, 0], U[1, 1], U[2, 2], U[0, 1], U[0, 2], U[1, 2])
            site.u_iso = float(np.trace(U) / 3)
        else:
            site.u_iso = float(atom.u_iso) if atom.u_iso is not None else 0.0
        small.add_site(site)
    small.setup_cell_images()
    calc = getattr(gemmi, RADIATIONS[radiation][0])(small.cell)
    sf = calc.calculate_sf_from_small_structure
    F = np.fromiter((sf(small, row) for row in hkl.astype(int).tolist()), dtype=complex, count=len(hkl))
    return np.abs(F) ** 2


def _gemmi_element(phase, atom, radiation: str):
    """gemmi.Element of an atom, refused (SymstrainInputError) when unknown or without a table entry."""
    import gemmi

    try:
        el = gemmi.Element(atom.element)
    except Exception as exc:  # gemmi raises on unknown symbols
        raise SymstrainInputError(phase.name, f"atom {atom.label}: unknown element {atom.element!r}") from exc
    if el.atomic_number == 0:
        raise SymstrainInputError(phase.name, f"atom {atom.label}: unknown element {atom.element!r}")
    if radiation == "neutron" and el.neutron92.get_coefs()[0] == 0.0:
        raise SymstrainInputError(phase.name, f"atom {atom.label}: gemmi's Neutron92 table has no neutron "
                                              f"scattering length for {atom.element}; neutron intensities impossible")
    return el


def eta_intensity(I, is_sb) -> float:
    """η_intensity = √(ΣI_SB / ΣI_all): a measure of the order parameter from intensities.

    √I_SB ∝ η, so this ratio is proportional to η for one crystal and one data-collection strategy
    (comparable across temperatures); negative measured sums are clipped to 0. NaN when ΣI_all ≤ 0.
    """
    I = np.asarray(I, dtype=float)
    m = np.asarray(is_sb, dtype=bool)
    ok = np.isfinite(I)
    tot = I[ok].sum()
    if not tot > 0:
        return float("nan")
    return float(math.sqrt(max(I[ok & m].sum(), 0.0) / tot))


def class_statistics(table: pd.DataFrame, I_col: str = "I", sigma_col: str | None = "sigma") -> pd.DataFrame:
    """Per class ("allowed", "SB", "absent", and "all"): n, n_significant (I > 3σ), ⟨I⟩, ⟨I/σ⟩, ΣI,
    ΣI/ΣI_all. Significance and ⟨I/σ⟩ are NaN when the table has no usable σ."""
    I = table[I_col].to_numpy(dtype=float)
    has_s = sigma_col is not None and sigma_col in table
    s = table[sigma_col].to_numpy(dtype=float) if has_s else np.full(len(I), np.nan)
    tot = np.nansum(I)
    rows = []
    for name in CLASSES + ("all",):
        m = np.ones(len(I), bool) if name == "all" else (table["class"].to_numpy() == name)
        Ii, si = I[m], s[m]
        good = np.isfinite(si) & (si > 0)
        rows.append({
            "class": name,
            "n": int(m.sum()),
            "n_significant": int(np.sum(Ii[good] > 3 * si[good])) if good.any() else np.nan,
            "mean_I": float(np.nanmean(Ii)) if m.any() else np.nan,
            "mean_I_over_sigma": float(np.mean(Ii[good] / si[good])) if good.any() else np.nan,
            "sum_I": float(np.nansum(Ii)),
            "fraction_of_sum": float(np.nansum(Ii) / tot) if tot > 0 else np.nan,
        })
    return pd.DataFrame(rows)


def strongest(table: pd.DataFrame, cls: str = "SB", n: int = 10, I_col: str = "I") -> pd.DataFrame:
    """The ``n`` strongest reflections of one class, one per set of equivalents (column ``unique``
    when present), with the number of equivalents in the table as ``multiplicity``."""
    t = table[table["class"] == cls]
    if "unique" in t:
        mult = t.groupby("unique")["h"].transform("size")
        t = t.assign(multiplicity=mult.to_numpy())
        t = t.sort_values([I_col, "h", "k", "l"], ascending=[False, False, False, False])
        t = t.drop_duplicates("unique")
    else:
        t = t.sort_values(I_col, ascending=False)
    return t.head(n).reset_index(drop=True)


def classify_measured(data: pd.DataFrame, parent, child, P=None, p=None, indexing: str = "child",
                      conditions=None) -> pd.DataFrame:
    """Add ``class``, ``zone``, ``broken`` and parent indices to measured reflections (``hkl.read_hkl``).

    ``indexing``: "child" when the data are indexed in the child cell (the usual case), "parent" when
    indexed in the parent cell, converted with (hkl)_child = (hkl)_parent · P (must give integers).
    """
    if not {"h", "k", "l", "I"} <= set(data.columns):
        raise SymstrainInputError(data.attrs.get("source", "hkl"), "measured data need columns h, k, l, I")
    hkl = data[["h", "k", "l"]].to_numpy(dtype=float)
    P_ = np.eye(3) if P is None else np.asarray(P, dtype=float)
    if indexing == "parent":
        hkl = hkl @ P_
        if not np.all(_is_int(hkl)):
            raise SymstrainInputError(data.attrs.get("source", "hkl"),
                                      "parent-cell indices do not transform to integral child indices with P")
    elif indexing != "child":
        raise SymstrainInputError("--hkl-setting", f"unknown indexing {indexing!r}: use 'child' or 'parent'")
    hkl = np.round(hkl).astype(int)
    cl = classify_reflections(hkl, parent, child, P_, p, conditions=conditions)
    out = data.copy()
    out[["h", "k", "l"]] = hkl
    for col in ("h_parent", "k_parent", "l_parent", "zone", "class", "broken"):
        out[col] = cl[col].to_numpy()
    out.attrs = dict(data.attrs)
    return out


def measured_summary(classified: pd.DataFrame) -> dict:
    """Per-class statistics of classified measured data plus ΣI_SB/ΣI_all and η_intensity."""
    stats = class_statistics(classified, "I", "sigma")
    sb = classified["class"].to_numpy() == "SB"
    I = classified["I"].to_numpy(dtype=float)
    tot = np.nansum(I)
    return {
        "statistics": stats,
        "sb_fraction": float(np.nansum(I[sb]) / tot) if tot > 0 else float("nan"),
        "eta_intensity": eta_intensity(I, sb),
    }


def eta_series(datasets, temperatures, parent, child, P=None, p=None, indexing: str = "child") -> pd.DataFrame:
    """η_intensity(T) over a temperature series of measured data sets of one crystal.

    ``datasets``: DataFrames from ``hkl.read_hkl``; ``temperatures`` (K), one per data set (NaN allowed).
    Columns: T, source, n, n_SB, n_SB_significant, mean_I_over_sigma_SB, sb_fraction, eta_intensity,
    eta_relative (η / max η over the series). Sorted by T.
    """
    if len(datasets) != len(temperatures):
        raise SymstrainInputError("--temperatures", f"{len(temperatures)} temperatures for {len(datasets)} data sets")
    Rp, tp = _group_arrays(parent)
    Rc, tc = _group_arrays(child)
    P_ = np.eye(3) if P is None else np.asarray(P, dtype=float)
    p_ = np.zeros(3) if p is None else np.asarray(p, dtype=float)
    conds = _broken_conditions(Rp, tp, (Rc, tc), P_, p_)
    rows = []
    for data, T in zip(datasets, temperatures):
        cl = classify_measured(data, (Rp, tp), (Rc, tc), P_, p_, indexing, conditions=conds)
        summ = measured_summary(cl)
        st = summ["statistics"].set_index("class")
        rows.append({"T": float(T) if T is not None else np.nan, "source": data.attrs.get("source", ""),
                     "n": int(st.loc["all", "n"]), "n_SB": int(st.loc["SB", "n"]),
                     "n_SB_significant": st.loc["SB", "n_significant"],
                     "mean_I_over_sigma_SB": st.loc["SB", "mean_I_over_sigma"],
                     "sb_fraction": summ["sb_fraction"], "eta_intensity": summ["eta_intensity"]})
    df = pd.DataFrame(rows).sort_values("T", kind="stable").reset_index(drop=True)
    mx = df["eta_intensity"].max()
    df["eta_relative"] = df["eta_intensity"] / mx if mx and mx > 0 else np.nan
    return df


# --------------------------------------------------------------------------- module callable
# ``symstrain.reflections`` is both this module and the public function of the same name (the package's flat
# API). Once the module is imported the package attribute resolves to the module; making the module callable
# keeps ``symstrain.reflections(relation, dmin=...)`` working either way.
make_callable(__name__, "reflections")
