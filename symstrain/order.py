"""Structural order parameter from atomic positions, and η per temperature by three measures side by side.

What lives here: :func:`symmetrize` (the child averaged back to the parent's group: the pseudo-symmetric parent
structure, the per-atom displacements and their amplitude with its s.u.) and :func:`order_series` (η from the
strain, from symmetry-breaking intensities and from the mode amplitude, for each child of a series), with the
DataFrame view :func:`order_parameters` and :func:`proportionality`. What does not: the decomposition of a
distortion by irreducible representations, which is :func:`symstrain.modes.decompose` and nowhere else; finding the
relation (``relation``), strain (``spontaneous_strain``) and intensities (``intensities``).

``order`` and ``modes``: one way to decompose
----------------------------------------------
``symstrain modes`` (:func:`~symstrain.modes.decompose`) is the symmetry-mode decomposition of a child, by default
against the parent structure mapped into the child cell (AMPLIMODES' reference). ``symstrain order`` asks the same
function for η_modes and the irreps, with ``reference="symmetrized"``: against the child averaged back over the lost
operations, so that no parent atoms are needed, the totally symmetric relaxation is excluded by construction, the
rigid shift along a polar axis is removed and the origin is the one with the smallest amplitude (as ``modes`` does).
η_modes is that decomposition's total amplitude; ``Distortion.irrep`` names its active irreps.

Conventions
-----------
* The child structure is averaged over the left cosets g_k·H of the relation (g_0 = identity): each image g_k·x_i
  is paired, one to one, by element and position (never by label), with an atom x_j of the child
  (:func:`symstrain.pairing.pair_atoms`: neighbour candidates and a sparse bipartite matching, memory linear in the
  atoms), and the symmetrised position is s_i = x_i + (1/n) Σ_k W_k⁻¹·d_ki with d_ki = x_j + L − g_k·x_i (L the
  lattice vector of the nearest image). The result is exactly invariant under the parent group; for a child that
  already has the parent symmetry it returns the input.
* Displacements u_i = x_i − s_i are converted to Å with the symmetrised cell (below; the reference lattice of
  :func:`symstrain.modes.decompose`), so that ``symmetrize``, ``pseudo`` and ``modes`` give one amplitude for one
  distortion; the amplitude is
  A = √(Σ_i occ_i·|u_i|² / n_p), the sum over every atom of the child's conventional cell and n_p the number of
  parent primitive cells it contains (AMPLIMODES' normalisation: amplitude per parent primitive cell, in Å). Its
  s.u. is propagated to first order from the coordinate s.u.'s of the child's sites
  (:func:`symstrain.modes.amplitude_su`).
* The symmetrised cell is the child's metric averaged over the parent point group (spontaneous strain
  removed, volume kept to first order), written in the parent basis.
* ε13 and the other strain numbers are those of :func:`symstrain.strain` against the parent cell; ε13 is exactly 0
  (s.u. 0) when the child's point group does not allow e13 (zero by symmetry, never 3e-17).

Warnings: :data:`WARNING_CODES` (this module's own), plus those of the relation, the strain and the decomposition.
"""

from __future__ import annotations

import itertools

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from . import contract
from .errors import SymstrainInputError, WarningRecord, WarningText
from .phase import Atom, Cell, Phase, params_from_matrix
from .relation import Relation

#: codes of the warnings this module writes (``Distortion.warnings``, the symmetrised Phase's warnings)
WARNING_CODES = {
    "no_su": "sites of the child without coordinate s.u.'s: no s.u. for the amplitude",
    "su_riding_h": "hydrogen sites without coordinate s.u.'s (riding) count as exact in the amplitude's s.u.",
    "pseudo_symmetric_structure": "a structure built by averaging the child over the lost cosets (not measured)",
    "no_symmetry_breaking_reflections": "the relation breaks no reflection condition to d_min: η_intensity is undefined",
    "children_differ": "the children of one order run are of different groups: their η are different order parameters",
}
#: the three measures of η, in the order tables and figures give them
ETA_COLUMNS = ("eta_strain", "eta_intensity", "eta_modes")
DEFINITIONS = {
    "eta_strain": "η from the strain against the parent cell that the relation couples to the order parameter "
                  "(dimensionless; each row names its coupling): e_sb, the norm of the symmetry-breaking strain "
                  "(√2·|e13| for mmm → 2/m) where λ·e·Q is allowed; √e_sb for a k ≠ 0 relation (λ·e·Q²); √e_nsb, "
                  "e_nsb the norm of the components allowed in both groups, where no strain component is broken "
                  "(k-type or polar t-subgroups). The e_nsb route includes the thermal expansion between the two "
                  "files' temperatures (no baseline: 'symstrain table' has one)",
    "eps13": "ε13 = ½·c·cos β / c0 (dimensionless); exactly 0 when the child's point group forbids e13",
    "eta_intensity": "√(ΣI_SB/ΣI_all) of intensities predicted from the child structure (dimensionless)",
    "eta_modes": "total amplitude of the symmetry-mode decomposition against the child averaged back over the lost "
                 "operations (Å per parent primitive cell, AMPLIMODES normalisation)",
}


@dataclass(frozen=True, eq=False)
class Distortion:
    """The child seen as the symmetrised parent structure plus a symmetry-breaking distortion.

    ``symmetrized`` is the pseudo-symmetric structure in the parent's setting and space group;
    ``displacements`` (N, 3) Cartesian Å in the symmetrised cell (frame X ∥ a, Y in the ab plane, Z ∥ c* of the
    child basis) for every atom of the child cell (``labels``, ``elements`` alongside); ``amplitude`` in Å per
    parent primitive cell (module docstring) and ``amplitude_su`` its first-order s.u. (Å; NaN when the child gives
    no coordinate s.u.'s); ``max_displacement`` the largest |u_i| in Å; ``n_parent_cells`` n_p; ``warnings``
    structured (:class:`~symstrain.errors.WarningRecord`).
    ``modes`` (computed when first asked) is the decomposition of this distortion by the parent's irreps
    (:func:`symstrain.modes.decompose` against the averaged child); ``irrep`` and ``irrep_weights`` are read from it.
    """

    relation: Relation
    symmetrized: Phase
    labels: tuple[str, ...]
    elements: tuple[str, ...]
    displacements: np.ndarray
    amplitude: float
    amplitude_su: float
    max_displacement: float
    n_parent_cells: float
    warnings: tuple[WarningRecord, ...] = ()
    #: largest pairing distance (Å) used, passed on to the decomposition
    max_distance: float = 2.0
    #: whether the averaged child has the parent group's symmetry (:func:`symstrain.pairing.keeps_symmetry` of the
    #: averaged positions, judged by :func:`symmetrize`): False where its atoms paired inconsistently under the lost
    #: operations; None where the parent's rotations do not keep the child's cell (or the distortion was not made
    #: by :func:`symmetrize`)
    parent_symmetry: bool | None = None

    @cached_property
    def modes(self):
        """:class:`~symstrain.modes.ModeDecomposition` of the child against itself averaged back at this
        distortion's origin (the relation's p, not another origin valid for the two groups: that would decompose the
        child against a conjugate of the parent group, another structure than ``symmetrized``), computed once."""
        from .modes import decompose

        return decompose(relation=self.relation, reference="symmetrized", max_distance=self.max_distance,
                         fixed_origin=True)

    @property
    def irrep(self) -> str:
        """The active irreps: one name ("B2g" at Γ, the full label such as "Y:Y2" elsewhere), several with their share
        of A² ("B2g (0.83) + B3g (0.17)"), or "none (no distortion)"."""
        return irrep_text(self.modes)

    @property
    def irrep_weights(self) -> dict:
        """Active irrep name → its share A_Γ²/A² of the decomposition."""
        return {ir.name: ir.fraction for ir in self.modes.active}

    def to_frame(self):
        """Per-atom displacements: label (site), element, ux, uy, uz, u (Å in the symmetrised cell, X ∥ a, Z ∥ c*)."""
        import pandas as pd

        U = self.displacements
        return pd.DataFrame({"label": self.labels, "element": self.elements, "ux": U[:, 0], "uy": U[:, 1],
                             "uz": U[:, 2], "u": np.linalg.norm(U, axis=1)})

    def to_dict(self) -> dict:
        rel = self.relation
        return {
            "parent": contract.structure(rel.parent),
            "child": contract.structure(rel.child),
            "basis_change": contract.basis_change(rel.P, rel.p),
            "amplitude": contract.quantity(self.amplitude, self.amplitude_su),
            "amplitude_normalisation": "sqrt(sum |u|^2 over the child cell / parent primitive cells in it), Å",
            "n_parent_cells": self.n_parent_cells,
            "max_displacement": contract.quantity(self.max_displacement, None),
            "n_atoms": len(self.labels),
            "irrep": self.irrep,
            "irrep_weights": self.irrep_weights,
        }


def irrep_text(modes) -> str:
    """The active irreps of a :class:`~symstrain.modes.ModeDecomposition` in a few words (see ``Distortion.irrep``)."""
    active = modes.active
    if not active:
        return "none (no distortion)"
    if len(active) == 1:
        return active[0].name
    return " + ".join(f"{ir.name} ({ir.fraction:.2f})" for ir in active)


def symmetrize(relation: Relation, *, max_distance: float = 2.0) -> Distortion:
    """Average the child over the lost cosets (pairing atoms by element and position) and return the
    :class:`Distortion`. ``max_distance`` (Å, default 2.0 as in Bilbao's PSEUDO) is the largest mismatch accepted
    between an atom's image and its partner; beyond it the child is too far from the parent symmetry and an error
    says which atom and which lost operation. Where the atoms paired one by one give an average without the parent's
    symmetry (a tie between equally near partners broken inconsistently), it is averaged orbit by orbit
    (:func:`~symstrain.pairing.orbit_average`) when that finds a consistent pairing."""
    from .expand import expand_to_cell_ops
    from .relation import holding

    relation = holding(relation, "symmetrize")
    from .mode_reference import reference_lattice
    from .modes import amplitude_su, su_warning
    from .pairing import keeps_symmetry, orbit_average, species_kinds, symmetrized_positions

    child = relation.child
    frac, species, site, occ, opi = expand_to_cell_ops(child)
    if len(frac) == 0:
        raise SymstrainInputError(child.name, "no atoms to symmetrise")
    A = child.cell.matrix()
    labels = tuple(child.atoms[i].label for i in site)
    cosets = relation.coset_representatives()
    s = symmetrized_positions(frac, species, cosets, A, max_distance, child.name, labels,
                              ("identity",) + tuple(c[0] for c in relation.lost_cosets))
    kind = species_kinds(species, occ)
    G = relation.parent.spacegroup
    keeps = keeps_symmetry(s, kind, A, G, relation.P, relation.p)
    if keeps is False:
        # atoms paired one by one broke a tie inconsistently: averaged orbit by orbit instead (when that works)
        H = child.spacegroup
        by_orbit = orbit_average(frac, kind, site, H.rotations, H.translations, cosets, A, max_distance)
        if by_orbit is not None:
            s = by_orbit
            keeps = keeps_symmetry(s, kind, A, G, relation.P, relation.p)
    # measured in the reference lattice (the child's metric averaged over the parent's point group: the symmetrised
    # cell's), as the decomposition measures them: one amplitude for one distortion in symmetrize, pseudo and modes
    U = (frac - s) @ reference_lattice(A, np.asarray(relation.P, float), relation.parent.spacegroup.rotations).T
    n_cent_p = int(np.sum(np.all(relation.parent.spacegroup.rotations == np.eye(3, dtype=int), axis=(1, 2))))
    n_p = abs(float(np.linalg.det(relation.P))) * n_cent_p
    amp = float(np.sqrt(np.sum(occ[:, None] * U**2) / n_p))
    amp_su = amplitude_su(child, occ[:, None] * U, site, opi, n_p, amp)
    note = su_warning(child, amp_su, "the amplitude")
    notes = () if note is None else (note,)
    return Distortion(
        relation=relation,
        symmetrized=_symmetrized_phase(relation, s, site, kind),
        labels=labels,
        elements=tuple(child.atoms[i].element for i in site),
        displacements=U,
        amplitude=amp,
        amplitude_su=amp_su,
        max_displacement=float(np.max(np.linalg.norm(U, axis=1))),
        n_parent_cells=n_p,
        warnings=notes,
        max_distance=max_distance,
        parent_symmetry=keeps,
    )


def _symmetrized_phase(relation: Relation, s_child: np.ndarray, site: np.ndarray, kind: np.ndarray) -> Phase:
    """The averaged structure in the parent setting: symmetrised cell, orbit representatives as atoms. ``kind`` (N,)
    the element-and-occupancy code of each atom (``pairing.species_kinds``): an orbit holds atoms of one kind, so
    the elements sharing a mixed site (Al 0.97 + Fe 0.03 at one position) each keep their own orbit."""
    from scipy.spatial import cKDTree

    P, p = relation.P, relation.p
    parent = relation.parent
    # cell: child metric in the parent basis, averaged over the parent point group
    Pi = np.linalg.inv(P)
    G = Pi.T @ relation.child.cell.metric() @ Pi
    rots = {R.tobytes(): R.astype(float) for R in parent.spacegroup.rotations}.values()
    Gs = np.mean([R.T @ G @ R for R in rots], axis=0)
    cell = Cell(*params_from_matrix(np.linalg.cholesky(Gs).T))  # any A with AᵀA = Gs gives the parameters
    xp = (s_child @ P.T + p) % 1.0
    xp[xp >= 1.0] = 0.0
    # orbit representatives under the parent group (modulo the parent lattice): a periodic k-d tree, O(N) memory
    A = cell.matrix()
    tree = cKDTree(xp, boxsize=1.0)
    radius = 0.05 * float(np.linalg.norm(np.linalg.inv(A)))  # a fractional ball holding every point within 0.05 Å
    taken = np.zeros(len(xp), dtype=bool)
    atoms = []
    child_atoms = relation.child.atoms
    for i in range(len(xp)):
        if taken[i]:
            continue
        src = child_atoms[site[i]]
        atoms.append(Atom(src.label, src.element, xp[i].copy(), np.full(3, np.nan), src.occupancy, src.u_iso,
                          None, src.disorder_group))
        imgs = (np.einsum("mab,b->ma", parent.spacegroup.rotations, xp[i]) + parent.spacegroup.translations) % 1.0
        imgs[imgs >= 1.0] = 0.0
        # each image against the atoms its ball found (not every atom found against every image: that grows with
        # the square of the number of operations, i.e. of a supercell's atoms)
        balls = tree.query_ball_point(imgs, r=radius)
        m = np.repeat(np.arange(len(imgs)), [len(b) for b in balls])
        cand = np.fromiter(itertools.chain.from_iterable(balls), dtype=int, count=len(m))
        d = xp[cand] - imgs[m]
        d -= np.round(d)
        taken[cand[(np.linalg.norm(d @ A.T, axis=1) < 0.05) & (kind[cand] == kind[i])]] = True
    return Phase(
        cell=cell,
        spacegroup=parent.spacegroup,
        atoms=tuple(atoms),
        source=f"symmetrized({relation.child.name})",
        block=(relation.child.block or "child") + "_symmetrized",
        temperature=relation.child.temperature,
        formula=relation.child.formula,
        z=parent.z,
        warnings=(WarningText("pseudo_symmetric_structure", relation.child.name, "pseudo-symmetric structure: the "
                              "child averaged over the lost cosets of the parent group"),),
    )


# ----------------------------------------------------------------------------------------------
# three measures of the order parameter, side by side


@dataclass(frozen=True, eq=False)
class OrderResult:
    """η of one child by three measures (definitions in :data:`DEFINITIONS`).

    ``relation`` parent ⊃ child; ``strain`` the :class:`~symstrain.spontaneous_strain.StrainResult` against the
    parent cell; ``modes`` the decomposition against the averaged child (η_modes, irreps); ``distortion`` the
    symmetrised structure and per-atom displacements at the decomposition's origin. ``eta_strain``/``eta_strain_su``
    dimensionless, from the strain the relation couples to η (``coupling``, a key of
    :data:`symstrain.coupling.COUPLINGS`); ``eps13``/``eps13_su`` dimensionless, exactly 0
    with s.u. 0 when the child's point group forbids e13; ``eta_intensity`` dimensionless (predicted, no s.u.).
    """

    relation: Relation
    strain: object
    modes: object
    distortion: Distortion
    eta_strain: float
    eta_strain_su: float
    eps13: float
    eps13_su: float
    eta_intensity: float
    coupling: str = "linear"
    notes: tuple = ()

    @property
    def eta_modes(self) -> float:
        return self.modes.amplitude

    @property
    def eta_modes_su(self) -> float:
        return self.modes.amplitude_su

    @property
    def max_displacement(self) -> float:
        """Largest |u| (Å) of the decomposition (polar shift removed)."""
        return float(np.max(np.linalg.norm(self.modes.displacements, axis=1)))

    def all_warnings(self) -> list[WarningRecord]:
        # the strain repeats the relation's warnings (the same records, merged here); the distortion's warnings
        # (no s.u.) repeat the decomposition's, which gives η_modes
        return contract.warning_records(list(self.notes) + self.modes.all_warnings()
                                        + self.strain.warning_records(), self.relation.child.name)

    def to_dict(self, normalised: dict | None = None) -> dict:
        rel = self.relation
        return {
            **contract.structure(rel.child),
            "index": rel.index,
            "basis_change": contract.basis_change(rel.P, self.modes.origin),
            "eta_strain": contract.quantity(self.eta_strain, self.eta_strain_su),
            "coupling": self.coupling,
            "eps13": contract.quantity(self.eps13, self.eps13_su),
            "eta_intensity": contract.quantity(self.eta_intensity, None),
            "eta_modes": contract.quantity(self.eta_modes, self.eta_modes_su),
            "max_displacement": contract.quantity(self.max_displacement, None),
            "polar_shift": contract.quantity_array(contract.clean(self.modes.polar_shift)),
            "normalised": normalised or {},
            "irrep": irrep_text(self.modes),
            "irreps": [ir.to_dict() for ir in self.modes.active],
        }


@dataclass(frozen=True, eq=False)
class OrderSeries:
    """η of every child of a series: ``results`` sorted by temperature (unknown last), ``failed`` the children that
    could not be done (``{file, block, message}``), ``dmin`` (Å) and ``radiation`` of the predicted intensities."""

    parent: Phase
    results: tuple[OrderResult, ...]
    failed: tuple[dict, ...]
    dmin: float
    radiation: str

    def to_frame(self):
        """One row per child: file, block, T, T_su (K), spacegroup (H-M of the child), index, eta_strain(_su),
        eps13(_su), eta_intensity(_su), eta_modes(_su) (Å), max_displacement (Å), irrep, and each η divided by its
        largest value over the series (``*_norm``; NaN when that largest value is 0 or undefined)."""
        import pandas as pd

        nan = float("nan")
        rows = [{"file": r.relation.child.source, "block": r.relation.child.block or None,
                 "T": nan if r.relation.child.temperature is None else r.relation.child.temperature,
                 "T_su": nan if r.relation.child.temperature_su is None else r.relation.child.temperature_su,
                 "spacegroup": r.relation.child.spacegroup.hm, "index": r.relation.index,
                 "eta_strain": r.eta_strain, "eta_strain_su": r.eta_strain_su, "coupling": r.coupling,
                 "eps13": r.eps13,
                 "eps13_su": r.eps13_su, "eta_intensity": r.eta_intensity, "eta_intensity_su": nan,
                 "eta_modes": r.eta_modes, "eta_modes_su": r.eta_modes_su, "max_displacement": r.max_displacement,
                 "irrep": irrep_text(r.modes)} for r in self.results]
        df = pd.DataFrame(rows, columns=["file", "block", "T", "T_su", "spacegroup", "index", "eta_strain",
                                         "eta_strain_su", "coupling", "eps13", "eps13_su", "eta_intensity", "eta_intensity_su",
                                         "eta_modes", "eta_modes_su", "max_displacement", "irrep"])
        for col in ETA_COLUMNS:
            top = df[col].abs().max() if len(df) else nan
            df[col + "_norm"] = df[col].abs() / top if np.isfinite(top) and top > 0 else nan
        return df

    def proportionality(self) -> list[dict]:
        """:func:`proportionality` of η_strain and of η_intensity against η_modes."""
        df = self.to_frame()
        return [proportionality(df, "eta_modes", y) for y in ("eta_strain", "eta_intensity")]

    def all_warnings(self) -> list[WarningRecord]:
        out = [w for r in self.results for w in r.all_warnings()]
        groups = {}  # child space-group type → the children of it, in T order
        for r in self.results:
            sg = r.relation.child.spacegroup
            groups.setdefault((int(sg.number), sg.hm), []).append(r.relation.child.name)
        if len(groups) > 1:  # (sweep 8: MFI's monoclinic and para children on one scale of η)
            out.append(WarningRecord("children_differ", self.parent.name, "the children are of different groups ("
                                     + "; ".join(f"{hm} ({n}): {', '.join(names)}" for (n, hm), names in
                                                 groups.items())
                                     + "): their η measure different order parameters, so the normalised columns "
                                     "and the slopes between them compare unlike quantities"))
        return contract.warning_records(out, source=self.parent.name)

    def to_dict(self) -> dict:
        df = self.to_frame()
        norm = [{c: contract.quantity(v, None)["value"] for c, v in zip(ETA_COLUMNS, row)}
                for row in df[[c + "_norm" for c in ETA_COLUMNS]].to_numpy()]
        return {"parent": contract.structure(self.parent), "dmin": self.dmin, "radiation": self.radiation,
                "definitions": DEFINITIONS,
                "results": [r.to_dict(n) for r, n in zip(self.results, norm)],
                "failed": list(self.failed), "n_files": len(self.results) + len(self.failed),
                "proportionality": [{k: contract.quantity(v, None)["value"] if isinstance(v, float) else v
                                     for k, v in c.items()} for c in self.proportionality()]}


def _e13_allowed(child: Phase) -> bool:
    """Whether the child's point group allows e13 (child Cartesian frame X ∥ a, Z ∥ c*): some invariant symmetric
    tensor has a non-zero 13 component."""
    from .tensors import cartesian_rotations, invariant_tensors

    R = np.unique(np.asarray(child.spacegroup.rotations, int), axis=0)
    inv = invariant_tensors(cartesian_rotations(R, child.cell.matrix()))
    return bool(len(inv) and np.any(np.abs(inv[:, 4]) > 1e-8))


def order_one(parent: Phase, child: Phase, *, dmin: float = 1.0, tol: float = 0.08, max_distance: float = 2.0,
              radiation: str = "xray") -> OrderResult:
    """The :class:`OrderResult` of one child (arguments as :func:`order_series`)."""
    from .coupling import eta_from_strain_result
    from .intensities import eta_intensity, predict_intensities
    from .modes import decompose
    from .reflection_classes import reflections
    from .relation import relate
    from .spontaneous_strain import strain

    rel = relate(parent, child, tol=tol).require()
    st = strain(rel)
    eta = eta_from_strain_result(st, rel)  # η ∝ e_sb, or η² ∝ e_sb / e_nsb: the coupling the relation allows
    eps13, eps13_su = (st.eps13, st.eps13_su) if _e13_allowed(child) else (0.0, 0.0)
    cls = reflections(rel, dmin=dmin)
    I = predict_intensities(child, cls.table[["h", "k", "l"]].to_numpy(), radiation)
    dec = decompose(relation=rel, reference="symmetrized", max_distance=max_distance)
    # the distortion at the decomposition's own correspondence and origin (either may differ from relate's first)
    chosen = dec.relation
    same = np.allclose(dec.origin, chosen.p, atol=1e-9)
    dist = symmetrize(chosen if same else replace(chosen, p=dec.origin), max_distance=max_distance)
    from .pairing import composition_warning

    note = composition_warning(child, parent, rel.P, rel.p, "its η values from intensities and modes")
    notes = () if note is None else (note,)
    is_sb = (cls.table["class"] == "SB").to_numpy()
    if not is_sb.any():
        notes += (WarningRecord("no_symmetry_breaking_reflections", child.name,
                                f"the relation breaks no reflection condition (no symmetry-breaking reflection to "
                                f"{dmin:g} Å): η_intensity is undefined; η_strain and η_modes measure the order "
                                "parameter"),)
    from . import contract

    # (dimensionless: below 1e-12 is rounding, e.g. ½·cos 90° = 3e-17 — exactly 0, as strain prints it)
    return OrderResult(rel, st, dec, dist, contract.clean(eta["eta"]), eta["eta_su"], contract.clean(eps13), eps13_su,
                       eta_intensity(I, is_sb), eta["coupling"], notes)


def order_series(parent: Phase, children, *, dmin: float = 1.0, tol: float = 0.08, max_distance: float = 2.0,
                 radiation: str = "xray", progress=None, keep_going: bool = False) -> OrderSeries:
    """η from strain, from symmetry-breaking intensities and from the mode amplitude for every child.

    For each child (any order; sorted by temperature in the result): ``relate(parent, child)``; η_strain, ε13 from
    :func:`symstrain.strain`; η_intensity = √(ΣI_SB/ΣI_all) of intensities predicted from the child structure to
    ``dmin`` Å for ``radiation`` ("xray", "neutron" or "electron"); η_modes and the irreps from
    :func:`symstrain.modes.decompose` against the averaged child (``max_distance`` Å the largest pairing distance).
    ``progress`` optionally wraps the iteration (e.g. a tqdm bar). A child that cannot be done raises
    :class:`~symstrain.errors.SymstrainInputError`, or with ``keep_going`` is listed in ``failed`` and the series
    goes on.
    """
    from .intensities import check_radiation

    radiation = check_radiation(radiation, "radiation")
    if not dmin > 0:
        raise SymstrainInputError("dmin", f"must be positive, got {dmin}")
    results, failed = [], []
    children = list(children)
    for child in (progress(children, total=len(children), desc="order") if progress else children):
        try:
            results.append(order_one(parent, child, dmin=dmin, tol=tol, max_distance=max_distance,
                                     radiation=radiation))
        except SymstrainInputError as exc:
            if not keep_going:
                raise
            failed.append(contract.failure(child.source, exc.problem, child.block or None))
    temps = np.array([np.nan if r.relation.child.temperature is None else r.relation.child.temperature
                      for r in results], float)
    order = np.argsort(temps, kind="stable")  # unknown T (NaN) sorts last
    return OrderSeries(parent, tuple(results[i] for i in order), tuple(failed), dmin, radiation)


def order_parameters(parent: Phase, children, *, dmin: float = 1.0, tol: float = 0.08, max_distance: float = 2.0,
                     progress=None, return_distortions: bool = False, radiation: str = "xray"):
    """:func:`order_series` as a pandas DataFrame (:meth:`OrderSeries.to_frame`, one row per child sorted by T) and,
    with ``return_distortions``, the list of :class:`Distortion` in the same order."""
    series = order_series(parent, children, dmin=dmin, tol=tol, max_distance=max_distance, radiation=radiation,
                          progress=progress)
    df = series.to_frame()
    return (df, [r.distortion for r in series.results]) if return_distortions else df


def proportionality(df, x: str = "eta_modes", y: str = "eta_strain") -> dict:
    """Is y ∝ x? Least-squares slope of y = k·x through the origin, Pearson r of (x, y), and the largest
    relative deviation |y − k·x|/y over the points with y above 5 % of its maximum. NaN (with n the number
    of usable points) when fewer than two points have both measures, e.g. η_strain of a non-ferroelastic
    relation; r NaN when x or y does not vary beyond rounding (relative spread ≤ 10⁻⁹)."""
    X = df[x].abs().to_numpy(float)
    Y = df[y].abs().to_numpy(float)
    ok = np.isfinite(X) & np.isfinite(Y)
    X, Y = X[ok], Y[ok]
    nan = float("nan")
    if len(X) < 2 or not np.any(X > 0) or not np.any(Y > 0):
        return {"x": x, "y": y, "slope": nan, "r": nan, "max_rel_dev": nan, "n": int(len(X))}
    k = float(X @ Y / (X @ X))
    res = Y - k * X
    # (r of a measure that does not vary beyond rounding is r of the rounding: sweep 16's demo gave r = 0.463 over six
    # rows of one η_modes, equal to 2·10⁻¹⁶)
    varies = np.std(X) > 1e-9 * np.mean(X) and np.std(Y) > 1e-9 * np.mean(Y)
    r = float(np.corrcoef(X, Y)[0, 1]) if varies else nan
    big = Y > 0.05 * Y.max()
    return {"x": x, "y": y, "slope": k, "r": r, "max_rel_dev": float(np.max(np.abs(res[big]) / Y[big])), "n": int(len(X))}
