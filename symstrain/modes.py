"""Symmetry-mode decomposition of a distortion at every wave vector, by the irreps of the parent space group
(what AMPLIMODES and ISODISTORT give), as a library.

What lives here: :func:`decompose` — the reference structure and the origin, the per-atom displacements, the
amplitude of each physically irreducible representation (irrep) of the parent group with its wave vector,
dimension, order-parameter direction, isotropy subgroup and role (primary or secondary), the splitting of the
parent's orbits, and the spontaneous strain split by the irreps of the parent point group, returned as a
:class:`ModeDecomposition`. What does not: the result types themselves (``mode_results``), the irreps
(``irreps``), atom pairing, reference structures and the Wyckoff-splitting table (``pairing``), where the reference
sits (its lattice, the equivalent correspondences, the polar origins: ``mode_reference``), the relation
(``relation``), the strain tensor (``strain``) and its split by irreps (``strain_irreps``).

Conventions
-----------
* Reference: the parent structure mapped into the child cell by the relation, x_child = P⁻¹·(x_parent − p), with
  the child's lattice (AMPLIMODES' reference) — or, with ``reference="symmetrized"`` or a parent without atoms, the
  child averaged back over the lost cosets (``order.symmetrize``). Every origin p valid for the two groups is tried
  (the origin shifts normalising the pair, one per class modulo the parent's translations and the polar axis) and
  the one giving the smallest amplitude is kept.
* Displacements u_i = x_i − r_i (child fractional) are written in Å with the child cell (Cartesian frame X ∥ a,
  Y in the ab plane, Z ∥ c* of the child). A uniform shift along the child's polar directions (the free origin
  of a polar group) is removed first: the occupancy-weighted mean displacement projected on those directions,
  reported as ``polar_shift``.
* Amplitude (normalised to one parent primitive cell, ISODISTORT's A_p and AMPLIMODES'; A_s = √n_p·A): A = √(Σ_i
  occ_i·|u_i|² / n_p) over every atom of the child cell, n_p the number of parent primitive cells in it; per irrep the
  same with u replaced by its isotypic component. The norm |u| is taken in the reference lattice: the child's cell
  averaged over the parent's point group (Ḡ = ⟨Wᵀ·G·W⟩, the child's metric G made parent-symmetric: the lattice a
  reference structure with the parent's symmetry has). The parent's rotations are isometries of it, so the isotypic
  components are orthogonal and Σ A_Γ² = A² exactly (``quadrature_residual`` reports the rounding); for an orthogonal
  pair Ḡ = G. Per-atom displacements are measured in the same lattice (so Σ occ·|u|²/n_p = A²); pairing distances in
  the child's own cell.
* Irreps, k vectors and their labels: :mod:`symstrain.irreps` (spgrep's small representations; CDML k labels as
  tabulated by Bilbao, in the parent's axes). The order-parameter direction is written in the basis of the real
  irrep matrices built there: the subspace left fixed by the isotropy subgroup of the component, e.g. ``(a,0)``.
* Primary irreps: the smallest set of active irreps whose isotropy subgroups intersect in the child's group (the
  largest Σ A² among sets of that size); every other active irrep is secondary.
"""

from __future__ import annotations

import math
from itertools import chain, combinations

import numpy as np

from .errors import SymstrainInputError, WarningRecord
from .irreps import build_factor_group, direction_pattern, fixed_subspace
from .notation import basis_string, fmt_vector
from .pairing import (GroupAction, NoPairing, check_composition, keeps_symmetry, no_pairing_message,
                      orbit_average, pair_atoms, parent_in_child_cell, shifted_average, species_kinds, splitting,
                      symmetrized_positions, valid_origins, wyckoff_positions)
from .expand import expand_to_cell_ops
from .mode_reference import (coset_reps_at, description_key, distinct_placements, equivalent_relations,
                             own_polar_origins, placement_keys, polar_origins, reference_lattice, remove_polar)
from .phase import Phase
from .relation import holding, relate
from .spacegroup import identify_operations
from .strain_irreps import strain_irreps
from .mode_results import AMPLITUDE_NORMALISATION, IrrepAmplitude, ModeDecomposition  # noqa: F401 (public here too)

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "no_parent_atoms": "the parent file has no atoms: the reference is the child averaged back over the lost operations",
    "origin_chosen": "several origins are valid for the pair: the one with the smallest amplitude is used",
    "polar_shift_removed": "a uniform shift along a polar axis is removed from the displacements",
    "basis_chosen": "two lattice correspondences fit the groups equally: the one mapping the parent structure onto "
                    "the child's is used",
    "no_su": "sites of the child without coordinate s.u.'s: the amplitudes have none",
    "su_riding_h": "hydrogen sites without coordinate s.u.'s (riding) count as exact in the amplitudes' s.u.'s",
    "isotropy_mismatch": "a component is not invariant under the child group (pairing or threshold problem)",
    "no_primary_irrep": "no set of active irreps has the child's group as its isotropy subgroup",
    "impossible_contact": "the parent or the child has two sites closer than any real structure allows",
}

REFERENCES = ("parent", "symmetrized")
#: numbers in one block of the factor group's action (elements × atoms of the working cell × 3): the projections and
#: the isotropy tests run over blocks of Ĝ of this size (8 MiB of floats), so memory is O(N) per block
_BLOCK = 1 << 20


#: an amplitude below this (Å) is rounding, written as exactly 0: coordinates hold ~1e-16 of a cell, and the sums
#: over a few hundred atoms leave ~1e-12 Å (sweep 4: Γ:A'' of 4.8e-12 Å beside 2.5e-5 Å); no structure is reported
#: to better than 1e-5 Å, so 1e-10 Å is far below anything measured
ZERO_AMPLITUDE = 1e-10
#: an origin tries this many of the nearest averages already computed (:func:`~symstrain.pairing.shifted_average`)
_ANCHORS_TRIED = 3


def decompose(parent: Phase | None = None, child: Phase | None = None, *, relation=None, reference: str = "parent",
              tol: float = 0.08, max_distance: float = 2.0, threshold: float = 1e-4,
              fixed_origin: bool = False, fixed_basis: bool = False) -> ModeDecomposition:
    """Decompose ``child`` against ``parent`` (or an existing ``relation``) into symmetry modes.

    ``reference``: "parent" (the parent structure mapped into the child cell; the child averaged back when the
    parent has no atoms) or "symmetrized" (the child averaged back). ``max_distance`` (Å) is the largest pairing
    distance accepted; ``threshold`` (Å) the amplitude below which an irrep counts as inactive. Every origin valid
    for the two groups is tried and the one with the smallest amplitude kept; with ``fixed_origin`` only the
    relation's own p (a :class:`~symstrain.order.Distortion` is the child against one placement of the parent
    group, not its conjugates; a uniform shift along a polar axis is still removed). Raises
    :class:`SymstrainInputError` when no valid origin gives a pairing of the atoms within ``max_distance``.
    ``fixed_basis``: only the relation's own lattice correspondence (one the user gave), not the equivalent ones.
    """
    if reference not in REFERENCES:
        raise SymstrainInputError("--reference", f"unknown reference {reference!r}: use 'parent' or 'symmetrized'")
    if not max_distance > 0:
        raise SymstrainInputError("--max-distance", f"must be positive, got {max_distance}")
    if relation is None and (parent is None or child is None):
        raise SymstrainInputError("decompose", "give the parent and the child, or a relation")
    rel = holding(relation, "decompose") if relation is not None else relate(parent, child, tol=tol).require()
    parent, child = rel.parent, rel.child
    warns: list[WarningRecord] = []
    frac, species, site, occ, opi = expand_to_cell_ops(child)
    if len(frac) == 0:
        raise SymstrainInputError(child.name, "no atoms: a mode decomposition needs atomic positions")
    if reference == "parent" and not parent.atoms:
        reference = "symmetrized"
        warns.append(WarningRecord("no_parent_atoms", parent.name, "the parent file has no atoms: the reference is "
                                   "the child averaged back over the lost cosets"))
    from .contacts import close_contacts

    for which, ph in (("parent", parent), ("child", child)):  # (sweep 18: a P4mm file with Ti–O 1.16 Å gave a
        bad = close_contacts(ph, max_pairs=1) if ph.atoms else []  # 1.07 Å "primary" mode without a word)
        if bad:
            a, b, d, _, kind = bad[0]
            warns.append(WarningRecord("impossible_contact", ph.name, f"the {which} has an impossible contact {a}–{b} "
                                       f"{d:.2f} Å ({kind}): its atoms may not fit its operators, and the amplitudes "
                                       "measure that"))
    A = child.cell.matrix()
    kinds = species_kinds(species, occ)
    n_cent = int(np.sum(np.all(parent.spacegroup.rotations == np.eye(3, dtype=int), axis=(1, 2))))
    centring = parent.spacegroup.symops.centring_vectors()
    polar = child.spacegroup.symops.polar_directions()
    best, failures = None, []
    pf = pz = psite = None
    # against the child's own average every origin of one class gives the same amplitude; they may still place the
    # parent's atoms differently, and so name the irreps differently (one Pmmn → Pnma distortion Z:6 or Z:7): the tie
    # goes to the first by rank() below
    tie_break = reference == "symmetrized" and not fixed_origin
    margin = _TIE if tie_break else 1e-9  # a smaller amplitude by more than this replaces the best
    placements: dict = {}
    tried: list = []  # (amplitude, origin, relation) of every average made: the next ones where the best fails
    ranks: dict = {"best": None, "last": None}  # rank() of the best so far and of the last candidate

    def rank(ref, r, p) -> tuple:
        """Which of origins that tie comes first: against the parent's atoms, the one whose average lies nearest
        them (the parent reference's choice, :func:`_parent_gap`, to _TIE); without them, the one in which the
        average, in the parent's coordinates, reads first (:func:`mode_reference.description_key`)."""
        if pf is not None:
            gap = _parent_gap(ref, r, p, species, pf, pz, A, occ, polar, max_distance)
            return (round(gap / _TIE) if math.isfinite(gap) else math.inf,)
        return description_key(ref, species.astype(float), np.asarray(r.P, float), np.asarray(p, float))

    def measured(ref, to_ref, n_p):
        """(U, polar shift, amplitude) of the child against the reference positions ``ref`` (child fractional)."""
        U, shift = remove_polar((frac - ref) @ A.T, occ, A @ polar)
        return U, shift, float(np.sqrt(np.sum(occ[:, None] * (U @ to_ref) ** 2) / n_p))

    def wins_tie(amp, ref, r, p) -> bool:
        """Whether a candidate whose amplitude ties the best's comes first by rank() (tie_break only)."""
        if best is None or not tie_break or abs(amp - best[0]) > _TIE:
            return False
        if ranks["best"] is None:
            ranks["best"] = rank(best[2], best[7], best[1])
        ranks["last"] = rank(ref, r, p)
        return ranks["last"] < ranks["best"]
    if parent.atoms:
        pf, pz, psite, _pocc, _ = expand_to_cell_ops(parent)
        if reference == "parent":
            check_composition(child, parent, rel.P, rel.p)
    # the other lattice correspondences the groups allow: against the parent's atoms, the one mapping them onto the
    # child's; against the child's own average (free origin), the one giving the smallest amplitude, like the origin
    # (pseudo's parent written in its standard setting may be one relate does not find first)
    others = not fixed_basis and (reference == "parent" or not fixed_origin)
    for r in [rel] + (equivalent_relations(rel) if others else []):
        P = np.asarray(r.P, float)
        As = reference_lattice(A, P, parent.spacegroup.rotations)
        to_ref = np.linalg.inv(A).T @ As.T  # Cartesian displacement in the child cell → in the reference lattice
        n_p = abs(float(np.linalg.det(P))) * n_cent
        origins = (np.asarray(r.p, float).reshape(1, 3) if fixed_origin
                   else valid_origins(parent.spacegroup, child.spacegroup, P, np.asarray(r.p, float), polar))
        n_classes = len(origins)
        if r is rel:
            n_valid = len(origins)  # classes modulo the polar shift; polar_origins adds shifted copies of them
        if parent.atoms and (not fixed_origin or polar.size):
            # (a given origin too: along a polar axis it is free — sweep 21: '--p 0,0,0' for a P4mm written with z
            # shifted by ½ paired nothing within 2 Å, where (0, 0, ½) pairs every atom)
            # the parent's atoms place the parent along the polar axes (against the average too: a placement that
            # puts the parent's atoms on the child's pairs the child consistently, where the mesh below may find
            # only placements of lower amplitude whose pairing the parent's symmetry refuses)
            origins = np.vstack([origins, polar_origins(origins, frac, species, pf, pz, P, A, polar, centring)])
        if reference == "symmetrized" and not fixed_origin:
            classes = origins[:n_classes][distinct_placements(r, origins[:n_classes])]
            # and from the child's own atoms: a mesh of placements along the polar axes, each centred on its pairing
            origins = np.vstack([origins, own_polar_origins(r, classes, frac, species, occ, A, polar, centring,
                                                            max_distance)])
            if tie_break:  # (every origin of a placement, for the tie-break below)
                placements[id(r)] = origins
            origins = origins[distinct_placements(r, origins)]  # equal operations: equal averages, tried once
        anchors = []  # (δ, average, room) of the averages computed at this relation: nearby origins move them
        reps = inverses = None  # the relation's cosets and their inverse rotations, once
        for p in origins:
            if reference == "parent":
                X, src = parent_in_child_cell(pf, P, p)
                try:
                    j, L, dist = pair_atoms(frac, species, X, pz[src], A, max_distance)
                except NoPairing as exc:  # kept without its traceback: the frames hold the pairing's arrays
                    failures.append((p, _bare(exc)))
                    continue
                ref = X[j] + L
                ref_site = tuple(parent.atoms[psite[src[k]]].label for k in j)
            else:
                # an origin near one already averaged (on a supercell, the parent's atoms give one per subcell a few
                # hundredths of an Å apart) pairs the same atoms: its average is that one moved as a whole
                delta = np.linalg.solve(P, np.asarray(p, float) - np.asarray(r.p, float))
                ref = None
                if anchors:  # the few nearest anchors only (each origin trying every anchor grew as their product)
                    near = np.argsort(np.linalg.norm((delta - np.array([d for d, *_ in anchors])) @ A.T, axis=1))
                    if inverses is None:  # (the relation's cosets, built once)
                        reps = r.coset_representatives()
                        inverses = np.linalg.inv(np.asarray(reps, float)[1:, :3, :3])
                    ref = next((x for x in (shifted_average(anchors[i][1], anchors[i][2], reps, A,
                                                            delta - anchors[i][0], inverses)
                                            for i in near[:_ANCHORS_TRIED]) if x is not None), None)
                if ref is None:
                    try:
                        ref, room = symmetrized_positions(frac, species, coset_reps_at(r, p), A, max_distance,
                                                          child.name, [child.atoms[i].label for i in site], slack=True)
                    except SymstrainInputError as exc:
                        failures.append((p, _bare(exc)))
                        continue
                    anchors.append((delta, ref, room))
                dist = np.linalg.norm((frac - ref) @ A.T, axis=1)
                ref_site = None
            U, shift, amp = measured(ref, to_ref, n_p)
            if reference == "symmetrized":
                tried.append((amp, np.array(p, float), r))
            tie = wins_tie(amp, ref, r, p)
            if best is None or amp < best[0] - margin or tie:
                if reference == "symmetrized" and keeps_symmetry(ref, kinds, A, parent.spacegroup, P, p) is False:
                    # the atoms pair inconsistently under the lost operations at this origin (a tie broken atom by
                    # atom): averaged orbit by orbit instead, else the average is no structure of the parent group
                    # there (another origin may give one). Checked only where the origin would be chosen: the others
                    # cannot be, whatever their symmetry
                    ref = orbit_average(frac, kinds, site, child.spacegroup.rotations, child.spacegroup.translations,
                                        coset_reps_at(r, p), A, max_distance)
                    if ref is None:
                        failures.append((p, SymstrainInputError(child.name, f"at origin p = {fmt_vector(p)} the "
                                                                "child averaged over the lost operations does not "
                                                                "have the parent's symmetry (its atoms pair "
                                                                "inconsistently)")))
                        continue
                    dist = np.linalg.norm((frac - ref) @ A.T, axis=1)
                    U, shift, amp = measured(ref, to_ref, n_p)
                    tie = wins_tie(amp, ref, r, p)
                    if not (best is None or amp < best[0] - margin or tie):
                        continue
                best = (amp, p, ref, ref_site, dist, U, shift, r, As, to_ref, n_p)
                ranks["best"] = ranks["last"] if tie else None
    if best is None:
        raise SymstrainInputError(child.name, no_pairing_message(child, parent, rel, failures, frac, site,
                                                                  max_distance, reference))
    amp, p, ref, ref_site, dist, U, shift, chosen, As, to_ref, n_p = best
    if tie_break:  # origins of the same placement give the same average: again the first by rank()
        p = _first_placement(chosen, p, ref, placements.get(id(chosen), np.zeros((0, 3))), rank)
    if amp < ZERO_AMPLITUDE:  # the child is its reference up to rounding: exactly 0, no irrep's "share" of 1e-16 Å
        amp, U = 0.0, np.zeros_like(U)
    if chosen is not rel:
        warns.append(WarningRecord("basis_chosen", child.name, f"P = {basis_string(rel.P)} and P = "
                                   f"{basis_string(chosen.P)} both make the child's operations parent operations "
                                   "(they differ by a symmetry of the parent's lattice that its structure lacks); "
                                   f"P = {basis_string(chosen.P)} "
                                   + ("maps the parent structure onto the child's" if reference == "parent"
                                      else "gives the smallest amplitude")))
        rel = chosen
    u_frac = U @ np.linalg.inv(A).T
    U = U @ to_ref  # displacements measured in the reference lattice, like the amplitudes
    if n_valid > 1:
        warns.append(WarningRecord("origin_chosen", child.name, f"{n_valid} origins are valid for the two "
                                   f"groups; p = {fmt_vector(p)} gives the smallest amplitude"
                                   + ("" if not tie_break else " (of those that tie, the average nearest the "
                                      "parent's atoms)" if pf is not None else " (of those that tie, the one "
                                      "where the average reads first in the parent's coordinates)")))
    if np.linalg.norm(shift) > 1e-9:
        warns.append(WarningRecord("polar_shift_removed", child.name, "a uniform shift of "
                                   f"{np.linalg.norm(shift):.4f} Å along the polar direction was removed"))
    labels = tuple(child.atoms[i].label for i in site)
    elements = tuple(child.atoms[i].element for i in site)
    try:
        irreps, resid, gamma, orbit_labels = _analyse(rel, p, frac, ref, u_frac, occ, kinds, As, n_p, amp, threshold,
                                                      labels, ref_site, warns, (site, opi))
    except SymstrainInputError as exc:
        if reference != "symmetrized" or "does not have the parent's symmetry" not in exc.problem:
            raise
        # where the parent's rotations do not keep the child's cell, the average cannot be checked before the
        # irreps are built (keeps_symmetry gives None): an origin whose atoms paired inconsistently shows only
        # here. The next origins by amplitude, each on its own (Fd-3m → Pna2₁, index 24: sweep 6)
        return _next_origin(tried, p, chosen, exc, max_distance, threshold, n_valid, child.name)
    amp_su = amplitude_su(child, occ[:, None] * U, site, opi, n_p, amp)
    note = su_warning(child, amp_su)
    if note is not None:
        warns.append(note)
    parent_sites = ref_site if ref_site is not None else orbit_labels
    splits = splitting(parent_sites, labels, elements, U, wyckoff_positions(parent) if ref_site is not None else {},
                       wyckoff_positions(child), zero=ZERO_AMPLITUDE)
    if abs(resid) < 1e-12 * max(amp**2, 1e-300):
        resid = 0.0
    return ModeDecomposition(
        relation=rel, reference=reference, origin=np.asarray(p, float), n_origins=n_valid,
        polar_shift=shift, polar_shift_frac=shift @ np.linalg.inv(A).T, amplitude=amp, quadrature_residual=resid,
        n_parent_cells=n_p, irreps=irreps, strain=strain_irreps(rel, gamma, warns), splitting=splits,
        labels=labels, elements=elements, parent_sites=tuple(parent_sites), displacements=U,
        reference_frac=ref, pair_distances=dist, warnings=tuple(warns), amplitude_su=amp_su)


#: amplitudes (Å) this close are equal (printed to 1e-5 Å), and so are two distances of an average to the parent
_TIE = 1e-6


def _parent_gap(ref, r, p, species, pf, pz, A, occ, polar, max_distance) -> float:
    """√(Σ occ·d²) (Å) between the averaged child ``ref`` (child fractional) and the parent's atoms placed at origin
    ``p`` of relation ``r``, a uniform shift along the polar axes removed; inf when they do not pair."""
    X, src = parent_in_child_cell(pf, np.asarray(r.P, float), p)
    try:
        j, L, _ = pair_atoms(ref, species, X, pz[src], A, max_distance)
    except NoPairing:
        return math.inf
    U, _ = remove_polar((ref - X[j] - L) @ A.T, occ, A @ polar)
    return float(np.sqrt(np.sum(occ[:, None] * U**2)))


#: at most this many further origins are tried by :func:`_next_origin`
_NEXT_ORIGINS = 12


def _next_origin(tried, p, chosen, exc, max_distance, threshold, n_valid, name) -> ModeDecomposition:
    """The decomposition against the child's own average at the next origin, by amplitude, whose average has the
    parent's symmetry (at most :data:`_NEXT_ORIGINS` tried, each with its origin and lattice correspondence fixed),
    with a warning; ``exc`` (the failure at the best origin ``p`` of ``chosen``) re-raised when none does."""
    from dataclasses import replace

    seen = [(np.asarray(p, float), chosen)]
    for amp, q, r in sorted(tried, key=lambda x: x[0]):
        if len(seen) > _NEXT_ORIGINS:
            break
        if any(r is r0 and np.allclose(q, q0, atol=1e-9) for q0, r0 in seen):
            continue
        seen.append((q, r))
        try:
            d = decompose(relation=replace(r, p=q), reference="symmetrized", max_distance=max_distance,
                          threshold=threshold, fixed_origin=True, fixed_basis=True)
        except SymstrainInputError:
            continue
        note = WarningRecord("origin_chosen", name, f"{n_valid} origins are valid for the two groups; at those of "
                             f"less amplitude the child's average lacks the parent's symmetry (its atoms pair "
                             f"inconsistently): p = {fmt_vector(q)} is the first whose average has it")
        return replace(d, n_origins=n_valid, warnings=tuple(w for w in d.warnings if w.code != "origin_chosen")
                       + (note,))
    partial = list(dict.fromkeys(a.label for a in chosen.child.atoms if 0 < a.occupancy < 1))
    more = " …" if len(partial) > 4 else ""
    cause = (f" (its {len(partial)} partially occupied site(s), {', '.join(partial[:4])}{more}, are averaged with "
             "the positions they share)" if partial else "")
    raise SymstrainInputError(name, "the child's own average (--reference symmetrized) lacks the parent's symmetry "
                                    f"at every origin tried{cause}; --reference parent measures the displacements "
                                    f"from the parent's atoms instead — {exc.problem}") from None


def _bare(exc: BaseException) -> BaseException:
    """``exc`` without its traceback and the exceptions it was raised from or during (``raise … from None`` keeps
    the one it replaced as ``__context__``, with the frames of the pairing and their arrays): a failed origin is kept
    for the message, not its memory (a P 1 child tries thousands: 0.3 MB each, 5.6 GB for a 288-atom zeolite)."""
    exc.__context__ = exc.__cause__ = None
    return exc.with_traceback(None)


def _first_placement(r, p, ref, origins, rank) -> np.ndarray:
    """Of ``p`` and the ``origins`` that place G's operations as ``p`` does (the same average ``ref``), the first
    by ``rank(ref, r, origin)``; ``p`` where none comes before it."""
    keys = placement_keys(r, np.vstack([np.reshape(p, (1, 3)), origins]))
    best, best_rank = np.asarray(p, float), rank(ref, r, p)
    for q, key in zip(origins, keys[1:]):
        if key == keys[0] and not np.allclose(q, best, atol=1e-9):
            q_rank = rank(ref, r, q)
            if q_rank < best_rank:
                best, best_rank = np.asarray(q, float), q_rank
    return best


_HYDROGEN = ("H", "D", "T")


def site_variances(child: Phase) -> tuple[np.ndarray, np.ndarray]:
    """``(var, riding)``: per site of ``child`` the isotropic Cartesian variance of its position (Å², the mean square
    of the coordinate s.u.'s its file gives; NaN when it gives none), and which sites are hydrogens without s.u.'s,
    whose variance is 0: riding hydrogens, placed from their parent atoms and not refined (sweep 30: the 20 riding
    H of a 68-site molecular crystal left its amplitudes without s.u.'s)."""
    lengths = np.array([child.cell.a, child.cell.b, child.cell.c])
    su = np.array([np.asarray(a.xyz_su, float) for a in child.atoms]).reshape(-1, 3) * lengths
    given = np.isfinite(su)
    n_given = given.sum(axis=1)
    var = np.where(n_given > 0, np.where(given, su, 0.0) ** 2 @ np.ones(3) / np.maximum(n_given, 1), np.nan)
    riding = (n_given == 0) & np.array([a.element.strip().capitalize() in _HYDROGEN for a in child.atoms], bool)
    var[riding] = 0.0
    return var, riding


def su_warning(child: Phase, amp_su: float, what: str = "the amplitudes") -> WarningRecord | None:
    """The warning on the s.u.'s of ``what``: the sites that leave them unknown (``no_su``), or the riding hydrogens
    taken as exact (``su_riding_h``); None when every site gives s.u.'s."""
    var, riding = site_variances(child)
    labels = [a.label for a in child.atoms]
    if not np.isfinite(amp_su):
        missing = [labels[i] for i in np.flatnonzero(~np.isfinite(var))]
        if len(missing) == len(labels):
            return WarningRecord("no_su", child.name, f"the child gives no coordinate s.u.'s: {what} have no s.u.")
        return WarningRecord("no_su", child.name, f"{len(missing)} site(s) of the child have no coordinate s.u.'s "
                                                  f"({_first(missing)}): {what} have no s.u.")
    if riding.any():
        names = [labels[i] for i in np.flatnonzero(riding)]
        return WarningRecord("su_riding_h", child.name, f"{len(names)} hydrogen site(s) without coordinate s.u.'s "
                                                        f"(riding: {_first(names)}) count as exact in the s.u.'s of "
                                                        f"{what}")
    return None


def _first(names, n: int = 5) -> str:
    return ", ".join(names[:n]) + (f", … ({len(names) - n} more)" if len(names) > n else "")


def amplitude_su(child: Phase, grad: np.ndarray, site: np.ndarray, opi: np.ndarray, n_p: float, amp: float) -> float:
    """First-order s.u. (Å) of an amplitude A = √(Σ_i occ_i·|c_i|² / n_p) from the coordinate s.u.'s of the child.

    ``grad`` (N, 3): occ_i·c_i in Å (Cartesian, child frame) for every atom i of the child cell, with c the
    displacement field or its component in one irrep (an orthogonal projection, so ∂A²/∂x_i = 2·occ_i·c_i / n_p
    for the displacement x_i of atom i); ``site`` and ``opi`` (from :func:`~symstrain.expand.expand_to_cell_ops`)
    say which site and which child operation made each atom. A site's error moves all its images together, each
    rotated by its operation W (Cartesian), so σ_A² = Σ_sites σ_site²·|Σ_images Wᵀ·grad_i|² / (n_p·A)², with σ_site
    the site's isotropic Cartesian s.u. (the mean square of the s.u.'s its file gives, a coordinate written without
    one next to others being fixed by symmetry), sites independent and ``grad`` taken in the reference lattice
    (the child's operations rotated with the child cell: exact for orthogonal pairs, first order in the strain
    otherwise). A hydrogen site without s.u.'s (riding: placed from its parent atom, not refined) counts as exact
    (:func:`site_variances`). NaN when another contributing site has no s.u. at all; 0 when A = 0 and every site has
    one (NaN when some site has none).
    """
    var, _ = site_variances(child)
    if amp <= 0:  # 0 where every site's coordinates carry an s.u.; unknown (NaN) where the file gives none
        return 0.0 if np.all(np.isfinite(var)) else float("nan")
    A = child.cell.matrix()
    R = child.spacegroup.rotations.astype(float)
    Wc = np.einsum("ij,njk,kl->nil", A, R, np.linalg.inv(A))  # Cartesian rotations of the child operations
    g = np.zeros((len(child.atoms), 3))
    np.add.at(g, site, np.einsum("nji,nj->ni", Wc[opi], grad))
    used = np.einsum("ij,ij->i", g, g) > 0
    if not np.all(np.isfinite(var[used])):
        return float("nan")
    return float(np.sqrt(np.sum(var[used] * np.einsum("ij,ij->i", g[used], g[used]))) / (n_p * amp))


def _analyse(rel, p, frac, ref, u_frac, occ, kinds, A, n_p, amp, threshold, labels, ref_site, warns, sites):
    """Project the displacements on every irrep (working cell of the factor group), find each active component's
    isotropy subgroup and order-parameter direction, and the primary irreps. Ĝ acts in blocks of at most
    :data:`_BLOCK` numbers (:class:`~symstrain.pairing.GroupAction`): memory is O(N) per block, never |Ĝ|·N."""
    from .irreps import _closure_mod1

    parent, child = rel.parent, rel.child
    fg = build_factor_group(parent.spacegroup, child.spacegroup, rel.P, p, parent.cell.metric(),
                            rel.parent_point_group)
    M = fg.M
    Mi = np.linalg.inv(M)
    tw = _closure_mod1(Mi.T) if not np.allclose(M, np.eye(3)) else np.zeros((1, 3))
    N = len(frac)
    y_ref = ((ref @ Mi.T)[None] + tw[:, None]).reshape(-1, 3)
    u = np.tile(u_frac @ Mi.T, (len(tw), 1))
    w_occ = np.tile(occ, len(tw))
    Aw = A @ M
    n_pw = n_p * abs(np.linalg.det(M))
    kind = np.tile(kinds, len(tw))
    nG = fg.order
    # Ĝ acts block by block (pairing.GroupAction): no (|Ĝ|, N, 3) field is made, memory is O(N) per block
    act = GroupAction(fg, y_ref, kind, Aw, _BLOCK, rel.parent.name)
    coef = np.array([ir.chars * ir.dim / (nG * ir.nu) for ir in fg.irreps])
    per_ir = max(1, _BLOCK // (len(u) * 3))  # irreps projected at once: their components fill one block

    def project(i0):  # the isotypic components of u of irreps i0 … (coef @ F, accumulated over blocks of Ĝ)
        proj = None
        for g0, g1, pi in act.blocks():
            part = coef[i0:i0 + per_ir, g0:g1] @ act.act(u, g0, g1, pi).reshape(g1 - g0, -1)
            proj = part if proj is None else proj + part
        return list(zip(fg.irreps[i0:i0 + per_ir], proj.reshape(-1, len(u), 3)))

    first = project(0)
    components = chain(first, chain.from_iterable(project(i0) for i0 in range(per_ir, len(fg.irreps), per_ir)))
    # which elements of Ĝ are the child's operations
    h_idx = set()
    for R, t in zip(child.spacegroup.rotations, child.spacegroup.translations):
        for tt in tw:
            i = fg.index_of(Mi @ R @ M, Mi @ t + tt)
            if i is None:
                raise RuntimeError("a child operation is not an element of the parent's factor group")
            h_idx.add(i)
    H = np.zeros(nG, dtype=bool)
    H[list(h_idx)] = True
    # character of Ĝ on the fields periodic in K (the average over K's translations of the full trace), and the
    # smallest atom of each orbit of the working cell's atoms (the labels of the averaged child's orbits)
    ar = np.arange(len(y_ref))
    n_fixed = np.zeros(nG, dtype=np.int64)
    orbit_min = ar.copy()
    for t_c in fg.cent:
        pc = act(np.eye(3), t_c)
        for g0, g1, pi in act.blocks():
            pcg = pc[pi]
            n_fixed[g0:g1] += np.sum(pcg == ar, axis=1)
            np.minimum(orbit_min, pcg.min(axis=0), out=orbit_min)
    fixed = n_fixed / len(fg.cent)
    chi_disp = fixed * np.einsum("gii->g", fg.W)

    def norm2(v):
        return float(np.sum(w_occ[:, None] * (v @ Aw.T) ** 2))

    out, amps2 = [], []
    for ir, c in components:
        mult = int(round(float(ir.chars @ chi_disp) / (nG * ir.nu)))
        f_h = fixed_subspace(ir.matrices[H]).shape[1]
        n_modes = mult * f_h
        if n_modes == 0:
            continue
        a2 = norm2(c)
        a = float(np.sqrt(a2 / n_pw))
        if a < max(1e-12 * amp, ZERO_AMPLITUDE):  # zero by symmetry or by construction: exactly 0, never 1e-16
            a = a2 = 0.0  # (also beside a tiny total: 4e-16 Å of Γ:A1 next to 5e-6 Å, sweep 3)
        iso = direction = iso_id = is_child = None
        if a >= threshold:
            d2 = np.empty(nG)
            for g0, g1, pi in act.blocks():
                diff = act.act(c, g0, g1, pi) - c[None]
                d2[g0:g1] = np.einsum("gnk,n->g", (diff @ Aw.T) ** 2, w_occ)
            iso = d2 <= (1e-3**2) * a2 + 1e-18
            direction = direction_pattern(fixed_subspace(ir.matrices[iso]))
            n_c = len(fg.cent)
            if iso.all():  # the whole parent group (an identity irrep): named as the parent is, not in the child's axes
                g = parent.spacegroup
                iso_id = (int(g.number), str(g.hm), g.hall, bool(g.is_standard_setting))
            else:
                ident = identify_operations(np.tile(np.round(fg.W[iso]).astype(int), (n_c, 1, 1)),
                                            (fg.w[iso][None] + fg.cent[:, None]).reshape(-1, 3) % 1.0, Aw)
                iso_id = None if ident is None else (int(ident.number), str(ident.hm), ident.hall, ident.is_standard)
            is_child = bool(np.array_equal(iso, H))
            if np.any(H & ~iso):
                warns.append(WarningRecord("isotropy_mismatch", child.name, f"the {ir.label} component is not "
                                           "invariant under every operation of the child's group"))
        if a > 0:  # ∂A_Γ²/∂x_i = 2·occ_i·Σ_copies c_i / n_pw: the copies of atom i in the working cell move together
            grad = occ[:, None] * (c @ Aw.T).reshape(len(tw), N, 3).sum(axis=0)
            a_su = amplitude_su(child, grad, *sites, n_pw, a)
        else:  # zero by construction (the identity irrep against the averaged child) or an accidental zero
            exact = ref_site is None and ir.dim == 1 and np.allclose(ir.chars, 1.0)
            a_su = 0.0 if exact else float("nan")
        out.append([ir, n_modes, a, direction, iso_id, is_child, iso, a_su])
        amps2.append(a2 / n_pw)
    resid = amp**2 - float(np.sum(amps2))
    _roles(out, H, child, warns, threshold)
    irreps = tuple(IrrepAmplitude(ir.label, ir.k, ir.k_label, ir.zone_boundary, ir.star, ir.dim, nm, a,
                                  a**2 / amp**2 if amp > 0 else 0.0, d, iso_id, isc, role, ir.mulliken, a_su)
                   for ir, nm, a, d, iso_id, isc, _iso, a_su, role in out)
    orbit_min = orbit_min[:N] % N
    orbit_labels = tuple(labels[k] for k in orbit_min)
    gamma = [(ir, ir.chars[:fg.n_point]) for ir in fg.irreps if np.allclose(ir.k, 0)]
    return irreps, resid, (fg, gamma), orbit_labels


def _roles(out, H, child, warns, threshold):
    """Append the role of each entry of ``out`` ([ir, n_modes, a, direction, iso_id, is_child, iso_mask, a_su]):
    the smallest set of active irreps whose isotropy subgroups intersect in H is primary (largest Σ A² among sets
    of that size), the other active ones secondary."""
    active = [i for i, e in enumerate(out) if e[2] >= threshold]
    active.sort(key=lambda i: -out[i][2])
    cand = active[:40]
    chosen = None
    for size in range(1, min(len(cand), 4) + 1):
        found = []
        for combo in combinations(cand, size):
            inter = np.logical_and.reduce([out[i][6] for i in combo])
            if np.array_equal(inter, H):
                found.append((sum(out[i][2] ** 2 for i in combo), combo))
        if found:
            chosen = max(found)[1]
            break
    if chosen is None and active:
        warns.append(WarningRecord("no_primary_irrep", child.name, "no set of active irreps has the child's group "
                                   "as the intersection of its isotropy subgroups: the distortion keeps more "
                                   "symmetry than the child's group"))
    for i, e in enumerate(out):
        e.append("inactive" if e[2] < threshold else ("primary" if chosen and i in chosen else "secondary"))
