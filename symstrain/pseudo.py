"""Pseudo-symmetry search from the child structure alone: which supergroups is it close to?

What Bilbao's PSEUDO does, built from the operations rather than from tables: a user holding only the
low-symmetry (e.g. HS P2₁/c) structure finds the parent (e.g. Pccn) and how far each atom must move to reach it.

Method (index-2 steps, iterated)
--------------------------------
1. Candidate rotations W: integer matrices (entries −1, 0, 1 in a reduced basis of the cell, and of the lattice of
   H's translations where that is finer: a supercell's small cell) that preserve the child's metric within a
   finite strain ``lattice_tol`` (the pseudo-holohedry of the lattice), including the identity (for lost
   translations).
2. For each W, every translation w on a 1/24 grid of H's lattice such that g = (W, w) normalises H and g² ∈ H;
   then G = H ∪ gH is a supergroup of index 2. Translations that differ by (I − W)·τ, τ along the child's polar
   axes, are one G placed at different points: of each such class the one whose atoms pair best
   (:func:`_placements`), so that the answer does not depend on the order of the grid, i.e. on the child's axes.
3. Atoms are matched under g by element and position (a one-to-one pairing among neighbours within
   ``max_distance`` Å, :func:`symstrain.pairing.pair_atoms`); candidates with no such pairing are dropped. Each
   distinct G is then verified with :func:`symstrain.relate` and the child is symmetrised with
   :func:`symstrain.order.symmetrize` (orbit by orbit where atom-by-atom pairing breaks a tie inconsistently:
   :func:`symstrain.pairing.orbit_average`), giving the largest atomic displacement needed.
4. With ``depth`` > 1 the search repeats on each symmetrised structure (index 4, 8, … supergroups).
4b. Supergroups that no chain of index-2 steps reaches — an index-3 or -4 step whose rotations do not keep the
   child's cell (tetragonal → cubic, orthorhombic → hexagonal, trigonal → cubic: SrTiO₃'s I4/mcm → Pm-3m, index 6)
   — are those spglib finds in the child at the tolerances of :data:`DETECT_TOLERANCES` (up to 2·``max_distance``),
   taken in their standard setting with spglib's basis change, verified and measured as the others
   (:func:`detected_supergroups`); one per space-group type and index that step 4 did not give.
5. Each candidate found is then described in its standard setting, as Bilbao's PSEUDO gives it: the relation
   (P, p) from the supergroup's conventional cell to the child (the axes nearest the child's, then the origin),
   the symmetrised structure on that cell (smaller than the child's where the child lost translations) and the
   distortion measured again at the same placement, so that its irreps carry the standard setting's CDML k labels
   (X = (1/2, 0, 0) of Pccn, not k = (1, 0, 0) of the child's doubled cell). The displacements do not change.

Displacements are in Å, measured in the symmetrised cell (the child's metric averaged over the supergroup's point
group), as :mod:`symstrain.modes` measures them. The symmetrised structure's warnings are those of
:func:`symstrain.order.symmetrize` plus :data:`WARNING_CODES`.
"""

from __future__ import annotations

import math

import functools
import itertools
from dataclasses import dataclass, replace

import numpy as np

from .errors import SymstrainInputError, WarningText
from .ops import SymOps
from .phase import Phase, SpaceGroupInfo, formula_units_in
from .relation import Relation, finite_strain_norm, relate

_GRID = 24
#: codes of the warnings this module adds to a symmetrised structure
WARNING_CODES = {
    "moved_along_polar_axis": "the child's coordinates were moved along its polar axis, where the supergroup fits best",
}


@dataclass(frozen=True, eq=False)
class PseudoSupergroup:
    """One candidate supergroup G ⊃ H of the child, with the distortion the child has from it.

    ``relation`` is the verified relation G ⊃ H, G in its standard setting (P, p: the child's basis and origin in
    it); ``max_displacement`` (Å) the largest atomic shift from the child to the symmetrised structure;
    ``amplitude`` (Å per parent primitive cell, as :mod:`symstrain.order`) and ``amplitude_su`` its first-order s.u.
    (NaN when the child gives no coordinate s.u.'s); ``symmetrized`` the pseudo-symmetric structure with G's
    symmetry (writable with :func:`symstrain.writer.write_cif`); ``distortion`` the
    :class:`~symstrain.order.Distortion` they come from, whose decomposition names the ``irrep`` (computed when asked).
    """

    number: int
    symbol: str
    index: int
    relation: Relation
    max_displacement: float
    amplitude: float
    symmetrized: Phase
    distortion: object
    #: (3,) fractional shift applied to the child's atoms along its polar directions (polar groups only: the
    #: supergroup's operations are placed where the child fits them best); zeros otherwise
    origin_shift: np.ndarray = None

    @property
    def amplitude_su(self) -> float:
        return self.distortion.amplitude_su

    @property
    def irrep(self) -> str:
        """The symmetry of the distortion by the supergroup's irreps (``Distortion.irrep``)."""
        return self.distortion.irrep

    def to_dict(self) -> dict:
        from . import contract

        r = self.relation
        return {
            "spacegroup": contract.spacegroup(r.parent.spacegroup),
            "index": self.index,
            "basis_change": contract.basis_change(r.P, r.p),
            "max_displacement": contract.quantity(self.max_displacement, None),
            "amplitude": contract.quantity(self.amplitude, self.amplitude_su),
            "irrep": self.irrep,
            "aizu": r.aizu,
            "type": r.kind,
            "lost_cosets": [list(c) for c in r.lost_cosets],
            "origin_shift": [0.0, 0.0, 0.0] if self.origin_shift is None else contract.clean(self.origin_shift).tolist(),
        }


def _pseudo_holohedry(G: np.ndarray, lattice_tol: float) -> np.ndarray:
    """Integer matrices W (det ±1, in the basis of metric ``G``) with WᵀGW equal to G within finite strain
    ``lattice_tol``: the lattice's (pseudo-)symmetry, found as spglib finds it — entries −1, 0, 1 in a
    Delaunay-reduced basis (``spglib.delaunay_reduce``), where every lattice symmetry has such entries — and written
    back in the given basis, so a cell written on a non-reduced basis (c′ = a + c) keeps all of its symmetry."""
    import spglib

    from .lattice import matrix_from_metric
    from .spacegroup import spglib_call

    A = matrix_from_metric(G)  # columns a, b, c
    red = spglib_call(spglib.delaunay_reduce, A.T, eps=1e-5)
    M = np.eye(3) if red is None else np.rint(np.linalg.solve(A, np.asarray(red, float).T))
    if round(abs(np.linalg.det(M))) != 1:  # pragma: no cover - a reduction is unimodular
        M = np.eye(3)
    Gr = M.T @ G @ M
    vals = np.array([-1, 0, 1])
    grids = np.stack(np.meshgrid(*([vals] * 9), indexing="ij"), -1).reshape(-1, 3, 3)
    det = np.round(np.linalg.det(grids))
    grids = grids[np.abs(det) == 1]
    # quick filter on the lengths, then the exact finite-strain check
    GW = np.einsum("nji,jk,nkl->nil", grids, Gr, grids)
    tol = lattice_tol + 1e-12  # (an exact symmetry's strain comes out ~1e-17, not 0: tolerance 0 kept none)
    diag_ok = np.all(np.abs(np.sqrt(np.einsum("nii->ni", GW)) / np.sqrt(np.diag(Gr)) - 1) <= tol, axis=1)
    Wr = [W for W, g in zip(grids[diag_ok], GW[diag_ok]) if finite_strain_norm(Gr, g) <= tol]
    Mi = np.linalg.inv(M)
    return np.array([np.rint(M @ W @ Mi) for W in Wr], dtype=int).reshape(-1, 3, 3)


def _candidate_rotations(G: np.ndarray, lattice: np.ndarray, lattice_tol: float) -> np.ndarray:
    """The rotations W to add (the child's basis): :func:`_pseudo_holohedry` of the cell, and where H's lattice is
    finer than the cell (``lattice``, :func:`_lattice_basis`) also that of H's lattice written in the cell's basis,
    those whose matrix stays integral (they keep the cell). A supercell's reduced basis may mix its long axis into
    another (P2₁/c on (12a, b, c) reduced to (b, a + c, …)), where a symmetry of the small cell has an entry 2 and the
    cell's own search, entries −1…1, misses it (Pccn lost from n = 12 on)."""
    Ws = _pseudo_holohedry(G, lattice_tol)
    if np.allclose(lattice, np.eye(3)):
        return Ws
    Li = np.linalg.inv(lattice)
    seen = {W.tobytes() for W in Ws}
    extra = []
    for Wl in _pseudo_holohedry(lattice.T @ G @ lattice, lattice_tol):
        W = lattice @ Wl @ Li
        if np.allclose(W, np.rint(W), atol=1e-9):
            W = np.rint(W).astype(int)
            if W.tobytes() not in seen:
                seen.add(W.tobytes())
                extra.append(W)
    return np.concatenate([Ws, np.array(extra, dtype=int).reshape(-1, 3, 3)]) if extra else Ws


def _lattice_basis(H: SpaceGroupInfo) -> np.ndarray:
    """(3, 3) basis (columns, the child's fractional units) of the lattice of H's translations: the identity for a
    primitive cell, a smaller cell where H lists pure translations (a centring, or a supercell's (i/n, 0, 0)). The
    translations of an added operation are searched on a 1/24 grid of *this* lattice, so that a cell written n times
    too long (whose supergroup's translations are 1/(24n) of it) is searched as the small cell is."""
    from fractions import Fraction
    from math import lcm

    from .spacegroup import lattice_basis_from_translations

    cent = H.symops.centring_vectors()[1:]
    if not len(cent):
        return np.eye(3)
    den = lcm(*(Fraction(float(v)).limit_denominator(10_000).denominator for v in cent.ravel()))
    return lattice_basis_from_translations(cent, den)


def _normalising_translations(W: np.ndarray, H: SpaceGroupInfo, gens: list, B: np.ndarray) -> np.ndarray:
    """Translations w on the 1/24 grid of the lattice basis ``B`` (:func:`_lattice_basis`) with (W, w) normalising
    H and (W, w)² ∈ H (vectorised over the grid); ``gens`` generators of H
    (:func:`symstrain.pairing.group_generators`)."""
    g = np.arange(_GRID) / _GRID
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3) @ np.asarray(B, float).T % 1.0
    Wi = np.round(np.linalg.inv(W)).astype(int)
    ops = H.symops
    ok = ops.contains_many(W @ W, grid @ W.T + grid)  # g² = (W², W w + w)
    # g·H·g⁻¹ = H when g conjugates a set of generators of H into H: one operation per rotation and a basis of the
    # pure translations (the lattice Z³ is kept by the unimodular W) — not all |H| operations, which grow with a
    # supercell's translations
    for R, t in gens:
        if not ok.any():
            break
        Rc = W @ R @ Wi  # g h g⁻¹ = (W R W⁻¹, W t + w − W R W⁻¹ w)
        idx = np.flatnonzero(ok)
        ok[idx] = ops.contains_many(Rc, (W @ t)[None, :] + grid[idx] - grid[idx] @ Rc.T)
    return grid[ok]


def _match(frac, species, A, W, w, max_distance):
    """Match each atom's image under (W, w) one to one with an atom of the same element within ``max_distance`` Å
    (:func:`symstrain.pairing.pair_atoms`: neighbour candidates and a sparse minimum-Σd² matching, near-linear in
    the number of atoms).

    Returns (largest distance in Å, (N, 3) fractional mismatches partner − image), or (inf, None)."""
    from .pairing import NoPairing, pair_atoms

    y = frac @ W.T + w
    try:
        j, L, dist = pair_atoms(y, species, frac, species, A, max_distance)
    except NoPairing:
        return np.inf, None
    return float(np.max(dist, initial=0.0)), frac[j] + L - y


def _supergroup_info(H: SpaceGroupInfo, W, w, cell) -> SpaceGroupInfo:
    from .spacegroup import identify_operations

    gH = SymOps(W[None], np.asarray(w, dtype=float)[None]).compose(H.symops)  # the added coset g·H
    rots = np.concatenate([H.rotations, gH.rotations])
    trans = np.concatenate([H.translations, gH.translations])
    ident = identify_operations(rots, trans, cell.matrix())
    if ident is None:
        return None
    return SpaceGroupInfo(ident.number, ident.hm, ident.hall, f"{ident.hm} (in the child's basis)", "pseudo-symmetry",
                          rots.astype(int), trans, ident.is_standard)


def _verified(child: Phase, sg: SpaceGroupInfo, max_distance: float, lattice_tol: float, tau=None):
    """The candidate G (in the child's basis) verified with relate() and measured with symmetrize(), or None when
    either fails or the symmetrised structure does not have G's symmetry (``Distortion.parent_symmetry``).
    ``tau`` (polar groups): the child's atoms are first moved by τ along its polar directions."""
    from .order import symmetrize

    tau = np.zeros(3) if tau is None else np.asarray(tau, float)
    parent = replace(child, spacegroup=sg, source=f"pseudo-{sg.number}", block="", warnings=())

    def placed(tau):
        rel = relate(parent, _moved(child, tau), tol=max(lattice_tol, 0.01), check_reverse=False).require()
        return symmetrize(rel, max_distance=max_distance)

    try:
        try:
            start = placed(tau)
        except SymstrainInputError:
            # the least-squares centre along the polar axes can carry an atom past the pairing limit that every atom
            # met where the candidate was matched (lawsonite P2₁cn → Pccn: an H 1.98 Å from its partner there,
            # 2.27 Å at the centre; found only with the child written in other axes): the steps start from there
            if not np.any(tau):
                raise
            tau = np.zeros(3)
            start = placed(tau)
        tau, dist = _stepped(tau, start, placed)
        tau, dist = _best_polar_place(dist, tau, placed, max_distance)
    except SymstrainInputError:
        return None
    # where the atoms pair inconsistently under the lost operations the average has no G symmetry: such a G is not
    # verified (its symmetrised structure would not be one of G, and its irrep could not be named). Checked on the
    # averaged child itself (a k-d tree per generator of G); the decomposition decides only where G's rotations do
    # not keep the child's cell
    keeps = dist.parent_symmetry
    if keeps is None:
        try:
            dist.modes
        except SymstrainInputError:
            return None
    elif not keeps:
        return None
    rel = dist.relation
    return PseudoSupergroup(sg.number, sg.hm, rel.index, rel, _exact(dist.max_displacement), _exact(dist.amplitude),
                            _noted(dist.symmetrized, child, tau), dist, tau)


def _exact(x: float) -> float:
    """A displacement or amplitude (Å) below ``modes.ZERO_AMPLITUDE`` is exactly 0: a child that already has the
    supergroup's symmetry needs none (never 7e-16 Å, sweep 4)."""
    from .modes import ZERO_AMPLITUDE

    return 0.0 if x < ZERO_AMPLITUDE else float(x)


#: a step of :func:`_stepped` after which some atom has no partner within the pairing limit is halved at most this
#: many times before the steps stop
_STEP_HALVINGS = 3


def _stepped(tau, dist, placed):
    """(τ, distortion) after the child is moved along its polar axes by the steps of :func:`_polar_step`, each kept
    while it lowers the amplitude (atoms may re-pair), at most :data:`_POLAR_ROUNDS` of them; a step after which an
    atom has no partner is halved (:data:`_STEP_HALVINGS`); ``placed(τ)`` gives the distortion with the child moved by
    τ."""
    for _ in range(_POLAR_ROUNDS):
        step = _polar_step(dist)
        if step is None:
            break
        trial = None
        for _ in range(_STEP_HALVINGS + 1):
            try:
                trial = placed(tau + step)
                break
            except SymstrainInputError:  # the full step carried an atom past the pairing limit: a shorter one
                step = step / 2
        if trial is None or not trial.amplitude < dist.amplitude:
            break
        tau, dist = tau + step, trial
    return tau, dist


#: the placement search of :func:`_best_polar_place` runs when its starts along the polar axes times the atoms of the
#: cell stay below this (its cost grows as their product: seconds per candidate on a supercell along a polar axis)
_PLACEMENT_BUDGET = 50_000


def _best_polar_place(dist, tau, placed, max_distance: float):
    """(τ, distortion) at the child's best place along its polar axes: the local steps above stop at the first
    minimum, where another placement of the lost operations may need less displacement (sweep 3: NiS in Cm → C2/m,
    1.58 Å where 1.31 Å exists). The decomposition against the child's own average searches every placement
    (:func:`symstrain.mode_reference.own_polar_origins`, the origin of least amplitude); its origin δ (child
    fractional, moved from the relation's) is the child moved by δ here (moving the atoms by τ adds (W − I)·τ to each
    lost operation's translation, as moving the origin by τ does), then centred by the same steps, and kept when it
    needs less displacement. Skipped (the local steps' place kept) where the search's starts times the cell's atoms
    exceed :data:`_PLACEMENT_BUDGET`, unless the atoms pair inconsistently at that place (the candidate would then be
    lost only for the size of the cell it is written in: lawsonite P2₁cn → Pccn on (36a, b, c) against (a, b, c))."""
    from .modes import ZERO_AMPLITUDE, decompose

    if dist.amplitude < ZERO_AMPLITUDE:
        return tau, dist  # the child already has the supergroup's symmetry here: no place needs less
    rel = dist.relation
    polar = rel.child.spacegroup.symops.polar_directions()
    if polar.shape[1] not in (1, 2):
        # (a P 1 child, three free axes: the search starts from every pair of its rarest atoms, seconds per
        # candidate on a supercell — left to the local steps)
        return tau, dist
    from .expand import expand_to_cell_ops
    from .mode_reference import _polar_grid

    grid, _ = _polar_grid(rel, polar, rel.child.cell.matrix(), rel.parent.spacegroup.symops.centring_vectors())
    if len(grid) * len(expand_to_cell_ops(rel.child)[0]) > _PLACEMENT_BUDGET and dist.parent_symmetry is not False:
        return tau, dist  # (a long polar axis: a supercell along it, where the local steps have to do)
    try:  # (the parent without atoms: they are the child's own here, and would only add starts near those)
        dec = decompose(relation=replace(rel, parent=replace(rel.parent, atoms=())), reference="symmetrized",
                        max_distance=max_distance, fixed_basis=True)
    except SymstrainInputError:
        return tau, dist
    if not np.allclose(dec.relation.P, rel.P) or np.allclose(dec.origin, rel.p, atol=1e-9):
        return tau, dist
    delta = np.linalg.solve(np.asarray(rel.P, float), np.asarray(dec.origin, float) - np.asarray(rel.p, float))
    try:
        t2, trial = _stepped(tau + delta, placed(tau + delta), placed)  # that pairing, centred on it
    except SymstrainInputError:
        return tau, dist
    if trial.amplitude < dist.amplitude - 1e-9:
        return t2, trial
    return tau, dist


def _noted(sym: Phase, child: Phase, tau) -> Phase:
    """The symmetrised structure, with the warning that the child was moved along its polar axis (when it was)."""
    if not np.any(tau):
        return sym
    note = WarningText("moved_along_polar_axis", child.name, f"coordinates of {child.name} moved by "
                       f"({', '.join(f'{v:.5f}' for v in tau)}) along the polar axis, where the supergroup fits best")
    return replace(sym, warnings=sym.warnings + (note,))


def _moved(child: Phase, tau) -> Phase:
    """The child with every atom moved by the fractional shift τ (the child itself when τ = 0)."""
    if not np.any(tau):
        return child
    return replace(child, atoms=tuple(replace(a, xyz=(a.xyz + tau) % 1.0) for a in child.atoms))


@functools.cache
def _origin_choice_2() -> dict[int, int]:
    """Space-group number → spglib's Hall number of origin choice 2 (the 24 groups with two origin choices)."""
    import warnings

    import spglib

    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # spglib's notice about its old error handling
        for hall in range(1, 531):
            st = spglib.get_spacegroup_type(hall)
            if st.choice == "2":
                out.setdefault(int(st.number), hall)
    return out


def _standard_basis(sg: SpaceGroupInfo, cell) -> tuple[np.ndarray, np.ndarray] | None:
    """(T, t) with x_std = T·x + t: from the setting ``sg`` is written in (the child's basis) to the standard setting
    of its type as spglib gives it (ITA's standard settings, origin choice 2 where there are two, as Bilbao and
    ISODISTORT use; a conventional cell of the group's own lattice: smaller than the child's when the group has
    translations the child lost). Read off three generic orbits of the group's operations (a structure whose
    symmetry is exactly the group) on ``cell``, which must have the group's lattice symmetry (the symmetrised
    cell), so it depends on the operations and the metric only. None when spglib names another type."""
    import spglib

    from .spacegroup import spglib_call

    ops = sg.symops
    points = np.random.default_rng(20261128).random((3, 3))  # fixed: the same basis on every run
    orbit = (np.einsum("nij,kj->kni", ops.rotations.astype(float), points) + ops.translations[None]) % 1.0
    cell3 = (cell.matrix().T, orbit.reshape(-1, 3), np.repeat([1, 2, 3], len(ops)))
    # origin choice 2 where there are two: Bilbao's (and ISODISTORT's) origin, at the centre of symmetry (a Hall
    # number of another type than the one found is ignored by spglib; 0: its default setting)
    ds = spglib_call(spglib.get_symmetry_dataset, cell3, symprec=1e-5,
                     hall_number=_origin_choice_2().get(sg.number, 0))
    if ds is None or int(ds.number) != sg.number:
        return None
    # spglib's rational entries as exact as floats hold them: twelfths, 48ths
    return _rational(np.array(ds.transformation_matrix, dtype=float), 12), _rational(np.array(ds.origin_shift, dtype=float), 48)


#: the 24 signed permutation matrices of determinant +1: the axis changes that may keep a standard setting
_AXIS_CHANGES = np.array([M for M in (np.diag(signs) @ np.eye(3, dtype=int)[list(perm)]
                                     for perm in itertools.permutations(range(3))
                                     for signs in itertools.product((1, -1), repeat=3))
                          if round(np.linalg.det(M)) == 1])


def _nearest_equivalent(sg: SpaceGroupInfo, T: np.ndarray, t: np.ndarray, P: np.ndarray, p: np.ndarray,
                        structure=None):
    """Among the standard settings equivalent to x_std = T·x + t (the same operations after a change of axes M
    and origin s that the group's affine normaliser allows: x' = M·x_std + s), those whose relation to the child
    (P' = M·T·P) comes first in ``relate``'s order (the simplest: the parent's axes follow the child's), and of
    these the one in which the supergroup's structure reads first (:func:`_least_descriptions`), then with the
    child's origin nearest the parent's. spglib picks any of them (Pccn on (2a, b, c) came back as (−2b, −a, −c)). The
    structure, not the child's origin, fixes the origin: a Pmmn parent at one origin names a Pnma distortion Z:5, at
    another Z:8, and a child file with its origin moved must not change that. ``structure``: (frac (N, 3) child
    fractional, atomic numbers (N,)), or None (origin nearest the child's)."""
    from .correspondence import order
    from .spacegroup import matching_shifts

    Q = np.linalg.inv(T)
    target = sg.symops.in_basis(Q, -Q @ t)
    codes = set(target._rot_codes.tolist())
    blocks = []  # (M, the origin shifts s that go with it)
    for M in _AXIS_CHANGES:
        moved = target.in_basis(M.T)  # x_std = Mᵀ·x' (M⁻¹ = Mᵀ): the operations in the new axes
        if set(moved._rot_codes.tolist()) != codes:
            continue
        shifts = np.asarray(matching_shifts(moved, target), float).reshape(-1, 3)  # x'' = x' − s: exactly the table's
        if len(shifts):
            blocks.append((M, shifts))
    if not blocks:
        return T, t
    # one P per change of axes (P' = M·T·P: distinct M, distinct P), the first in relate's order; then its origins
    M, shifts = blocks[order(np.zeros(len(blocks)), np.array([M @ T @ P for M, _ in blocks]))[0]]
    Tn, ts = M @ T, (M @ t)[None] - shifts
    origin = np.linalg.norm((ts + Tn @ p + 0.5) % 1.0 - 0.5, axis=1)
    same = list(range(len(ts)))
    if structure is not None and len(same) > 1:  # (all of one T: the cell lengths tie, the atoms decide)
        same = _least_descriptions(Tn, ts, *structure)
    return Tn, ts[min(same, key=lambda i: (round(float(origin[i]), 9), i))]


def _least_descriptions(T: np.ndarray, ts: np.ndarray, frac: np.ndarray, z: np.ndarray) -> list[int]:
    """The indices of the origins ``ts`` (k, 3) at which the atoms read first in x' = T·x + t
    (:func:`~symstrain.mode_reference.description_codes`, all of them at once; the cell lengths, the first part of
    the order, are those of T for every origin here)."""
    from .mode_reference import description_codes

    code = description_codes(frac, z, T, ts)
    least = np.lexsort(code.T[::-1])[0]
    return np.flatnonzero((code == code[least]).all(axis=1)).tolist()


def _in_standard_setting(cand: PseudoSupergroup, child: Phase, max_distance: float,
                         lattice_tol: float) -> PseudoSupergroup:
    """The candidate described in its supergroup's standard setting (as Bilbao's PSEUDO gives it): the relation
    from there to the child (P, p composed with the basis change), the symmetrised structure on the group's
    conventional cell, and the distortion measured again at that same placement, so that its irreps are those of
    the standard setting (CDML k labels; k in the supergroup's own reciprocal basis, not the child's). The
    displacements are the same numbers. The candidate as it is when it is in that setting already, or when the
    standard setting cannot be found."""
    from .order import symmetrize
    from .relation import relation_at
    from .spacegroup import identify_operations

    rel = cand.relation
    sg = rel.parent.spacegroup
    basis = _standard_basis(sg, cand.symmetrized.cell)  # the child's metric averaged over G: G's lattice symmetry
    if basis is None:
        return cand
    from .expand import expand_to_cell

    frac, z, _, _ = expand_to_cell(cand.symmetrized)
    structure = (frac, z.astype(float))
    T, t = _nearest_equivalent(sg, *basis, np.asarray(rel.P, float), np.asarray(rel.p, float), structure)
    if np.allclose(T, np.eye(3), atol=1e-9) and np.allclose(t - np.rint(t), 0, atol=1e-9):
        return cand
    Q, q = np.linalg.inv(T), -np.linalg.solve(T, t)  # x_old = Q·x_std + q
    sym = cand.symmetrized
    try:
        ops = sg.symops.in_basis(Q, q, source=child.name)
        cell = sym.cell.transformed(Q)
        ident = identify_operations(ops.rotations, ops.translations, cell.matrix())
        if ident is None:
            return cand
        std = SpaceGroupInfo(ident.number, ident.hm, ident.hall, ident.hm, "pseudo-symmetry", ops.rotations,
                             ops.translations, ident.is_standard)
        parent = replace(sym, cell=cell, spacegroup=std, warnings=(), z=formula_units_in(sym.z, cell, sym.cell),
                         atoms=tuple(replace(a, xyz=(T @ a.xyz + t) % 1.0) for a in sym.atoms))
        moved = _moved(child, cand.origin_shift)
        origin = (T @ np.asarray(rel.p, float) + t) % 1.0  # modulo the supergroup's lattice
        origin[np.isclose(origin, 1.0, rtol=0, atol=1e-12)] = 0.0
        new = relation_at(parent, moved, T @ np.asarray(rel.P, float), origin, tol=max(lattice_tol, 0.01))
        dist = symmetrize(new, max_distance=max_distance)
    except SymstrainInputError:  # not expected (the same operations, placement and atoms): keep the child's basis
        return cand
    return replace(cand, symbol=std.hm, relation=new, max_displacement=_exact(dist.max_displacement),
                   amplitude=_exact(dist.amplitude), symmetrized=_noted(dist.symmetrized, child, cand.origin_shift),
                   distortion=dist)


#: a uniform shift along the polar axes below this (Å) is left as it is (no further symmetrisation)
_POLAR_SHIFT_MIN = 1e-6
#: at most this many moves of a polar child towards its best place (each re-pairs the atoms; one suffices unless
#: the pairing changes)
_POLAR_ROUNDS = 4


def _polar_step(dist) -> np.ndarray | None:
    """The further move δ (3,) of the child (fractional, along its polar directions V) that gives the displacements
    of ``dist`` the smallest amplitude, or None when it would change them by less than :data:`_POLAR_SHIFT_MIN` Å
    (or the child has no polar direction). Moving the child by δ changes every u_i by the same M·δ,
    M = (1/n)·Σ_k (I − W_k⁻¹) over the n coset representatives of the relation (the identity included: see
    :func:`symstrain.order.symmetrize`), so δ = V·x with x the least-squares solution of A·M·V·x = −ū (ū the
    occupancy-weighted mean displacement, Å; A the symmetrised cell, as for the displacements). The origin along a
    polar axis is free: two placements of one supergroup along it then coincide, and where the lost operations turn
    no polar axis into another direction (M·V within span V) no uniform shift along the axes is left — the
    amplitude ``modes`` gives after removing it."""
    from .expand import expanded
    from .mode_reference import reference_lattice

    rel = dist.relation
    V = rel.child.spacegroup.symops.polar_directions()
    if not V.shape[1]:
        return None
    A = reference_lattice(rel.child.cell.matrix(), np.asarray(rel.P, float), rel.parent.spacegroup.rotations)
    occ = expanded(rel.child)[3]
    mean = occ @ dist.displacements / occ.sum()
    M = np.mean([np.eye(3) - np.linalg.inv(g[:3, :3]) for g in rel.coset_representatives()], axis=0)
    B = A @ M @ V
    x, *_ = np.linalg.lstsq(B, -mean, rcond=None)
    if np.linalg.norm(B @ x) < _POLAR_SHIFT_MIN:
        return None  # no shift left, or the lost operations keep the polar axes: no move changes the displacements
    return V @ x


def _placed_key(sg: SpaceGroupInfo, tau) -> frozenset:
    """The operations of ``sg`` acting on the child's own coordinates when it acts on the child moved by τ
    ((W, w + (W − I)·τ)), as :meth:`SymOps.key`: two placements of one supergroup along a polar axis give one key."""
    tau = np.zeros(3) if tau is None else np.asarray(tau, float)
    return SymOps(sg.rotations, sg.translations + (sg.rotations - np.eye(3)) @ tau).key()


def _group_key(H: SpaceGroupInfo, W: np.ndarray, w: np.ndarray) -> frozenset:
    """The key (:meth:`SymOps.key`) of G = H ∪ (W, w)·H, in the child's basis."""
    gH = SymOps(W[None], np.asarray(w, dtype=float)[None]).compose(H.symops)
    return SymOps(np.concatenate([H.rotations, gH.rotations]), np.concatenate([H.translations, gH.translations])).key()


#: at most this many translations of one class (that differ by a move of the child along its polar axes) are paired
#: by :func:`_placements` to choose where the added operation sits: every point of a polar line of the 1/24 grid; on a
#: polar plane, or a P 1 child's three free directions, :data:`_PLANE_TRIES` of a coarser grid
_LINE_TRIES = 24
_PLANE_TRIES = 8


def _placements(ws, W, H, frac, species, occ, A, Vo, max_distance, seen, failed, scored, lattice):
    """(w, largest mismatch Å, (N, 3) fractional mismatches) for the translations ``ws`` of the added operation (W,
    w): each group G = H ∪ (W, w)·H is matched once (:func:`_match`, remembered in ``scored`` by its key; those
    without a pairing added to ``failed``), and one found before (``seen``) not given again.

    Moving the child by τ along its polar directions (``Vo``: orthonormal columns) turns (W, w) into
    (W, w + (I − W)·τ): translations that differ by (I − W)·span(V) are one supergroup placed at different points,
    which the placement search then moves by τ. Of each such class, the group whose atoms pair with the least
    mismatch (Σ occupancy·d², the uniform part along the polar axes left out; ties broken by the group's key), among
    at most :data:`_LINE_TRIES` of its translations — not the first on the grid, which depends on the axes the
    child is written in (R3c → R-3c on rhombohedral axes met a pairing 1.5 Å off first, on hexagonal ones the right
    one). Every rotation of the added coset, and every centring shift of a class, lists the same groups: the same
    one is chosen from each. Where W keeps the polar directions (a lost translation, W = I) each translation is its
    own class. ``lattice``: the basis of the grid (:func:`_lattice_basis`)."""
    B = (np.eye(3) - W) @ Vo
    if B.shape[1]:
        u, sv, _ = np.linalg.svd(B, full_matrices=False)
        B = u[:, sv > 1e-9]
    to_grid = np.linalg.inv(lattice)  # the grid's own coordinates (:func:`_lattice_basis`)
    classes: dict = {}
    for w in ws:
        w_fixed = to_grid @ (w - B @ (B.T @ w))
        classes.setdefault(tuple(np.round(((w_fixed + 1e-9) % 1.0) * _GRID).astype(int) % _GRID), []).append(w)
    for line in classes.values():
        best = None
        for w in _spread(line, _LINE_TRIES if B.shape[1] <= 1 else _PLANE_TRIES, to_grid):
            g_key = _group_key(H, W, w)
            if g_key in failed:
                continue
            if g_key not in scored:
                worst, mism = _match(frac, species, A, W, w, max_distance)
                if not np.isfinite(worst):
                    failed.add(g_key)
                    continue
                d = mism @ A.T
                if Vo.shape[1]:
                    d = d - (occ @ d / occ.sum()) @ (A @ Vo) @ np.linalg.pinv(A @ Vo)  # uniform polar part removed
                # (placements the structure's own symmetry makes equally good: the group's key decides)
                scored[g_key] = ((round(float(occ @ np.sum(d**2, axis=1)), 6), tuple(sorted(g_key))), worst, mism)
            score, worst, mism = scored[g_key]
            if best is None or score < best[0]:
                best = (score, g_key, w, worst, mism)
        if best is not None and best[1] not in seen:
            yield best[2:]


def _spread(line: list, most: int, to_grid: np.ndarray) -> list:
    """At most ``most`` of the grid translations ``line``, spread over it: those on the finest sub-grid (every m-th
    point of the 1/24 grid on each axis, m dividing 24; in the grid's coordinates ``to_grid``·w) that keeps at most
    that many, else the first ones."""
    if len(line) <= most:
        return line
    idx = np.rint(np.asarray(line) @ to_grid.T * _GRID).astype(int) % _GRID
    for m in (2, 3, 4, 6, 8, 12, 24):
        on = np.flatnonzero(np.all(idx % m == 0, axis=1))
        if 0 < len(on) <= most:
            return [line[i] for i in on]
    return line[:most]


def index2_supergroups(child: Phase, *, max_distance: float = 2.0, lattice_tol: float = 0.08) -> list[PseudoSupergroup]:
    """Every index-2 supergroup of ``child``'s group that the structure approximates within ``max_distance`` Å,
    written in the child's basis (the search's own steps; :func:`pseudo_supergroups` gives them in their standard
    settings)."""
    from .expand import expand_to_cell
    from .pairing import group_generators

    frac, species, _, occ = expand_to_cell(child)
    if len(frac) == 0:
        raise SymstrainInputError(child.name, "no atoms: pseudo-symmetry needs atomic positions")
    A = child.cell.matrix()
    H = child.spacegroup
    V = H.symops.polar_directions()
    # along a polar direction the origin of the added operation is free: candidates that differ only there
    # are one supergroup, placed where the child needs the least displacement
    Vo = np.linalg.qr(V)[0] if V.shape[1] else np.zeros((3, 0))
    seen: set = {H.symops.key()}
    failed: set = set()  # groups G whose atoms found no pairing, or that no space group names
    placed: set = set()  # the groups tried, as they act on the child moved to their least-squares place
    scored: dict = {}  # group key → (score, largest mismatch, mismatches) of its pairing (_placements)
    found = []
    gens = group_generators(H.rotations, H.translations)
    lattice = _lattice_basis(H)
    for W in _candidate_rotations(child.cell.metric(), lattice, lattice_tol):
        is_identity = np.array_equal(W, np.eye(3, dtype=int))
        if H.symops.has_rotations(W)[0] and not is_identity:
            continue  # the same cosets arise from the identity with new translations
        ws = _normalising_translations(W, H, gens, lattice)
        if is_identity:
            ws = ws[~np.all(np.abs(ws) < 1e-9, axis=1)]
        for w, worst, mism in _placements(ws, W, H, frac, species, occ, A, Vo, max_distance, seen, failed, scored,
                                          lattice):
            tau = np.zeros(3)
            if V.shape[1] and not is_identity:
                # least-squares position of the added operation along the polar directions (w → w + V·c),
                # realised by moving the child's origin instead, so that G keeps rational translations:
                # conjugating by the translation τ ∈ span(V) turns (W, w + V·c) into (W, w + V·c + (I − W)·τ)
                # the mean mismatch weighted by occupancy (a mixed Al/Fe site counts once, as in modes' polar shift)
                c, *_ = np.linalg.lstsq(A @ V, occ @ (mism @ A.T) / occ.sum(), rcond=None)
                x, *_ = np.linalg.lstsq((np.eye(3) - W) @ V, -(V @ c), rcond=None)
                if np.allclose((np.eye(3) - W) @ V @ x, -(V @ c), atol=1e-9):
                    tau = V @ x
            sg = _supergroup_info(H, W, w, child.cell)
            if sg is None:
                failed.add(_group_key(H, W, w))
                continue
            key = sg.symops.key()
            if key in seen:
                continue
            seen.add(key)
            # one supergroup met at several points of the polar axes (from the classes of other rotations of its
            # added coset): one once centred by τ, verified once
            key = _placed_key(sg, tau)
            if key in placed:
                continue
            placed.add(key)
            cand = _verified(child, sg, max_distance, lattice_tol, tau)
            if cand is not None:
                found.append(cand)
    found.sort(key=lambda s: (s.max_displacement, -s.number))
    return found


#: the tolerances (Å) at which :func:`detected_supergroups` asks spglib for the child's group (those up to twice
#: ``max_distance``: an image lies up to twice an atom's displacement from its partner)
DETECT_TOLERANCES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0)


def detected_supergroups(child: Phase, *, max_distance: float = 2.0,
                         lattice_tol: float = 0.08) -> list[PseudoSupergroup]:
    """The supergroups of ``child``'s group that spglib finds in the structure at the tolerances of
    :data:`DETECT_TOLERANCES` (up to 2·``max_distance``), each in its standard setting (origin choice 2 where there
    are two) with spglib's basis change, verified as a supergroup (:func:`~symstrain.relation.relation_at`, else
    :func:`~symstrain.relation.relate`) and measured by :func:`~symstrain.order.symmetrize` (placed along the polar
    axes as the index-2 candidates are), one per space-group type and index, in the order found. They include
    supergroups whose rotations do not keep the child's cell (SrTiO₃'s I4/mcm → Pm-3m, index 6: the cubic 3-fold
    is no operation of the √2×√2×2 cell), which the index-2 steps cannot build. None where spglib is not run on
    the cell (:func:`symstrain.detect.detection_too_costly`)."""
    import spglib

    from .detect import detection_too_costly, spglib_cell
    from .order import symmetrize
    from .phase import Cell, params_from_matrix
    from .relation import relation_at
    from .spacegroup import spglib_call

    lattice, positions, types, _ = spglib_cell(child)
    counts = np.unique(types, return_counts=True)[1]
    if not len(types) or detection_too_costly(len(types), int(counts.min())) is not None:
        return []
    H = child.spacegroup
    # operations per Å³ of the child's group (its rotations times its translations in the cell, over the cell's volume)
    volume = abs(float(np.linalg.det(lattice)))
    density = _distinct_rotations(H.rotations) * len(H.symops.centring_vectors()) / volume
    tried: set = set()
    found = []
    for tol in (t for t in DETECT_TOLERANCES if t <= 2 * max_distance):
        ds = spglib_call(spglib.get_symmetry_dataset, (lattice, positions, types), symprec=tol)
        if ds is None or not _denser(ds, density):  # (no more operations than the child's: its own group)
            continue
        number = int(ds.number)
        # the standard setting as the other candidates are given it: origin choice 2 where there are two
        ds = spglib_call(spglib.get_symmetry_dataset, (lattice, positions, types), symprec=tol,
                         hall_number=_origin_choice_2().get(number, 0)) or ds
        if int(ds.number) != number or number in tried:
            continue
        tried.add(number)
        sg = _group_of_hall(str(ds.hall), number)
        if sg is None:
            continue
        cell = Cell(*params_from_matrix(np.array(ds.std_lattice, float).T))
        parent = replace(child, cell=cell, spacegroup=sg, atoms=(), source=f"pseudo-{number}", block="", warnings=(),
                         z=formula_units_in(child.z, cell, child.cell))
        P = _rational(np.array(ds.transformation_matrix, float), 12)
        # spglib's origin is as exact as the atoms it averaged at ``tol`` (MOF-5 at 0.05 Å: 0.74999963, 1.8e-5 of a
        # 1/48 step off 3/4): within tol / length of a point of the grid it is that point (at most a quarter step)
        lengths = np.linalg.norm(np.array(ds.std_lattice, float), axis=1)
        p = _rational(np.array(ds.origin_shift, float), 48, slack=np.minimum(0.25, 48 * tol / lengths))

        def placed(tau, parent=parent, P=P, p=p):
            moved = _moved(child, tau)
            try:
                rel = relation_at(parent, moved, P, p, tol=max(lattice_tol, 0.01))
            except SymstrainInputError:
                rel = relate(parent, moved, tol=max(lattice_tol, 0.01), check_reverse=False).require()
            return symmetrize(rel, max_distance=max_distance)

        try:
            tau, dist = _stepped(np.zeros(3), placed(np.zeros(3)), placed)
            tau, dist = _best_polar_place(dist, tau, placed, max_distance)
        except SymstrainInputError:
            continue
        if dist.parent_symmetry is False:
            continue
        rel = dist.relation
        if rel.index <= 1:
            continue
        found.append(PseudoSupergroup(number, sg.hm, rel.index, rel, _exact(dist.max_displacement),
                                      _exact(dist.amplitude), _noted(dist.symmetrized, child, tau), dist, tau))
    return found


def _distinct_rotations(rotations: np.ndarray) -> int:
    """How many distinct 3×3 matrices ``rotations`` (n, 3, 3) holds: the order of the point group they make."""
    return len(np.unique(np.asarray(rotations).reshape(len(rotations), -1), axis=0))


def _denser(ds, density: float) -> bool:
    """Whether spglib's group (dataset ``ds``) has more operations per Å³ than ``density`` (the child's group's): the
    order of its point group over the volume of its primitive cell. Not the operations spglib lists in the child's
    cell (``ds.rotations``), which are only those whose rotations keep that cell: R-3m → Fm-3m (t4) on R-3m's
    hexagonal cell keeps R-3m's 36 operations alone there."""
    import spglib

    from .spacegroup import spglib_call

    table = spglib_call(spglib.get_symmetry_from_database, int(ds.hall_number))
    if table is None:  # pragma: no cover - spglib's own Hall number
        return False
    volume = abs(float(np.linalg.det(np.asarray(ds.primitive_lattice, float))))
    return _distinct_rotations(table["rotations"]) / volume > density * (1 + 1e-6)


def _group_of_hall(hall: str, number: int) -> SpaceGroupInfo | None:
    """The setting of spglib's Hall symbol as gemmi tabulates it (source "pseudo-symmetry"), or None."""
    import gemmi

    try:
        sg = gemmi.find_spacegroup_by_ops(gemmi.symops_from_hall(hall))
    except (RuntimeError, ValueError):
        return None
    return None if sg is None or sg.number != number else SpaceGroupInfo.from_gemmi(sg, "pseudo-symmetry")


def _rational(x: np.ndarray, den: int, slack=1e-6) -> np.ndarray:
    """spglib's rational entries as exact as floats hold them (2.0000000000000004 → 2), on a grid of 1/``den``: each
    entry within ``slack`` (in steps of the grid; a number, or one per entry) of a point of the grid becomes it."""
    return np.where(np.abs(x * den - np.rint(x * den)) < slack, np.rint(x * den) / den, x)


#: the largest ``lattice_tol`` of :func:`pseudo_supergroups`: a finite strain of 0.3 is no pseudo-symmetry already,
#: and at 0.5 four of lawsonite P2₁cn's five candidates were lost without a word (sweep 16)
MAX_LATTICE_TOL = 0.3


#: the largest ``max_distance`` (Å) taken: an atom 10 Å from its image is no pseudo-symmetry (Bilbao PSEUDO: 2 Å)
MAX_DISTANCE = 10.0


def pseudo_supergroups(child: Phase, *, max_distance: float = 2.0, lattice_tol: float = 0.08,
                       depth: int = 2) -> list[PseudoSupergroup]:
    """Supergroups of ``child`` up to index 2^depth the structure approximates within ``max_distance`` Å, and those
    of any index spglib finds in it (:func:`detected_supergroups`), sorted by the largest atomic displacement needed
    (to 1e-4 Å), then by higher symmetry. Each deeper candidate is found from the symmetrised structure of a
    shallower one and re-verified against the child itself."""
    if depth < 1:
        raise SymstrainInputError("--depth", f"depth must be at least 1, got {depth}")
    if not (math.isfinite(max_distance) and 0 < max_distance <= MAX_DISTANCE):  # (1e308: an image grid of 10³⁰⁸)
        raise SymstrainInputError("--max-distance", f"must be a distance in Å above 0 and at most {MAX_DISTANCE:g} "
                                                    f"(atoms farther apart are no pseudo-symmetry), got {max_distance}")
    if not (math.isfinite(lattice_tol) and 0 <= lattice_tol <= MAX_LATTICE_TOL):
        raise SymstrainInputError("--lattice-tol", f"must be a finite strain from 0 to {MAX_LATTICE_TOL:g}, got "
                                  f"{lattice_tol} (a larger strain is no pseudo-symmetry)")
    level = index2_supergroups(child, max_distance=max_distance, lattice_tol=lattice_tol)
    out = list(level)
    keys = {s.relation.parent.spacegroup.symops.key() for s in out}
    for _ in range(depth - 1):
        nxt = []
        for shallow in level:
            # the symmetrised structure is in the child's basis (G was built there), so search it directly; it is the
            # child moved by the shallower candidate's placement along the polar axes, where the deeper group was
            # found: it is verified from there (from the child's own place it may pair no atoms: R3c → R3m → R-3m)
            for up in index2_supergroups(shallow.symmetrized, max_distance=max_distance, lattice_tol=lattice_tol):
                sg = up.relation.parent.spacegroup
                key = sg.symops.key()
                if key in keys:
                    continue
                keys.add(key)
                deeper = _verified(child, sg, max_distance, lattice_tol, tau=shallow.origin_shift)
                if deeper is not None:
                    nxt.append(deeper)
        out.extend(nxt)
        level = nxt
        if not level:
            break
    # supergroups no chain of index-2 steps reaches (index 3 or 4 steps whose rotations do not keep the child's
    # cell: tetragonal → cubic, orthorhombic → hexagonal, trigonal → cubic): those spglib finds in the child at
    # growing tolerances, verified and measured as the others
    known = {(s.number, s.index) for s in out}
    out.extend(c for c in detected_supergroups(child, max_distance=max_distance, lattice_tol=lattice_tol)
               if (c.number, c.index) not in known)
    # displacements equal to 1e-4 Å (a file's own precision: 1.4e-5 Å for graphite in P6/mmm, 0 in its subgroups)
    # are one: the highest symmetry first, not 47 of its subgroups before it
    out.sort(key=lambda s: (round(s.max_displacement, 4), -s.index, -s.number))
    # one supergroup reached at two placements along a polar axis (a deeper level finds it from another candidate's
    # symmetrised structure): both are the same operations on the child once placed, listed once
    placed: set = set()
    unique = []
    for cand in out:
        key = _placed_key(cand.relation.parent.spacegroup, cand.origin_shift)
        if key not in placed:
            placed.add(key)
            unique.append(cand)
    return [_in_standard_setting(c, child, max_distance, lattice_tol) for c in unique]

