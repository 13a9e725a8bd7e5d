"""Where the reference structure of a mode decomposition sits against the child (``modes.decompose``).

What lives here: the lattice the displacements are measured in (:func:`reference_lattice`), the other lattice
correspondences the two groups cannot tell apart but the structures can (:func:`equivalent_relations`), the origins
along a polar child's free axes (:func:`polar_origins`, one per class of parent translations) and the uniform polar
shift removed from the displacements (:func:`remove_polar`). What does not: the decomposition itself (``modes``),
atom pairing and averaged structures (``pairing``), relations and cosets (``relation``, ``cosets``).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from .pairing import parent_in_child_cell


def reference_lattice(A: np.ndarray, P: np.ndarray, parent_rotations: np.ndarray) -> np.ndarray:
    """The reference lattice of the decomposition (3×3, columns a, b, c in Å, upper triangular: X ∥ a, Z ∥ c*): the
    child's cell ``A`` with its metric averaged over the parent's rotations written in the child basis (P⁻¹·W·P)."""
    G = A.T @ A
    Pi = np.linalg.inv(P)
    Wc = np.einsum("ij,njk,kl->nil", Pi, np.asarray(parent_rotations, float), P)
    Gs = np.einsum("nji,jk,nkl->il", Wc, G, Wc) / len(Wc)
    return np.linalg.cholesky((Gs + Gs.T) / 2).T


def equivalent_relations(rel, limit: int = 200) -> list:
    """Relations for the same pair with another lattice correspondence P of the same misfit that also makes every
    child operation a parent operation: P's that differ from ``rel.P`` by a symmetry of the parent's lattice that
    is not in the parent's point group (a 4-fold for −42m). The groups cannot tell them apart, the structures can.
    One P per class W·P·V (W, V rotations of the parent and the child); the first ``limit`` correspondences."""
    from .correspondence import correspondences, find_origin
    from .relation import _cosets_in_order

    G, H = rel.parent.spacegroup, rel.child.spacegroup
    Wp, Vc = np.unique(G.rotations, axis=0).astype(float), np.unique(H.rotations, axis=0).astype(float)

    def orbit(P):
        return {tuple(np.round(m, 6).ravel()) for m in np.einsum("aij,jk,bkl->abil", Wp, P, Vc).reshape(-1, 3, 3)}

    seen, out = orbit(np.asarray(rel.P, float)), []
    bound = rel.lattice_misfit + 1e-6
    # searched within 2·bound, not the relation's whole tolerance: the candidates of misfit ≤ bound (the only ones
    # kept) all pass the length and angle pre-filters of 2·bound (ratios within 1/√(1 ± 2·bound), cosines within
    # 2·bound/(1 − 2·bound), for bound < 0.19) and come in the same order, while the shell of parent-lattice
    # vectors searched for each child axis is thin: on an n-fold supercell it grows like n³ at the full tolerance
    cands = correspondences(rel.parent.cell, G.symops.centring_vectors(), rel.child.cell,
                            min(rel.tolerance, 2 * bound), source=rel.child.name)
    for misfit, P2 in itertools.islice(cands, limit):
        if misfit > bound or tuple(np.round(P2, 6).ravel()) in seen:
            continue
        seen |= orbit(P2)
        p2, _ = find_origin(P2, G, H)
        if p2 is None:
            continue
        _, texts = _cosets_in_order(G, H, P2, p2)
        out.append(replace(rel, P=P2, p=p2, lost_cosets=tuple(texts[1:])))
    return out


def polar_origins(origins, frac, species, pf, pz, P, A, polar, centring=()) -> np.ndarray:
    """Extra origins (parent fractional, (m, 3)) that move each of ``origins`` along the child's polar directions
    ``polar`` (3, k; child fractional) so that one atom of the child's rarest species sits on a parent atom of that
    species. A polar child's origin along its polar axes is free: a file may put it anywhere, up to half a period
    away from the relation's origin, where pairing at that origin fails or picks wrong partners; the residual
    shift is then removed by :func:`remove_polar` as before."""
    if polar.size == 0:
        return np.zeros((0, 3))
    kinds, counts = np.unique(species, return_counts=True)
    s = kinds[np.argmin(counts)]
    x0 = frac[np.flatnonzero(species == s)[0]]
    V = A @ polar
    out = []
    for p in origins:
        X, src = parent_in_child_cell(pf, P, p)
        d = x0 - X[pz[src] == s]
        d -= np.round(d)
        c = np.linalg.lstsq(V, (d @ A.T).T, rcond=None)[0]  # (k, m) least-squares shift along the polar axes
        delta = (polar @ c).T  # child fractional
        delta = delta[np.linalg.norm(delta @ A.T, axis=1) > 1e-6]
        delta = np.unique(np.round(delta - np.round(delta), 9), axis=0)
        out.extend(p - delta @ np.asarray(P, float).T)
    if not out:
        return np.zeros((0, 3))
    # one origin per class modulo the parent's lattice and ``centring`` (its other pure translations, parent
    # fractional): an origin and its image by a parent translation pair the same atoms, so on an n-fold supercell
    # the n images of a shift are one origin and their number does not grow with the cell; those of the given
    # origins are left out
    T = np.vstack([np.zeros((1, 3)), np.asarray(centring, float).reshape(-1, 3)])

    def key(q):  # the smallest of q's images by the parent's centring translations, modulo 1, rounded
        img = np.round((np.asarray(q, float).reshape(-1, 1, 3) + T[None]) % 1.0, 6) % 1.0
        return [min(map(tuple, x)) for x in img.tolist()]

    known = set(key(origins))
    keep, seen = [], set()
    for i, k in enumerate(key(np.array(out))):
        if k not in known and k not in seen:
            seen.add(k)
            keep.append(i)
    return np.array(out)[keep].reshape(-1, 3)


def remove_polar(U: np.ndarray, occ: np.ndarray, V: np.ndarray):
    """U less the occupancy-weighted mean displacement projected on the Cartesian directions V (3, k)."""
    if V.shape[1] == 0:
        return U, np.zeros(3)
    Qv, _ = np.linalg.qr(V)
    mean = (occ @ U) / occ.sum()
    shift = Qv @ (Qv.T @ mean)
    return U - shift, shift


def fitted_polar_origins(origins, frac, species, pf, pz, P, A, polar, max_distance: float) -> np.ndarray:
    """Each origin (parent fractional, (m, 3)) moved along the child's polar directions ``polar`` (3, k; child
    fractional) to the least-squares placement of the parent's atoms on the child's: the child's atoms paired with
    the parent's (one-to-one, same species, within ``max_distance`` Å) and the mean offset along the polar axes
    removed. :func:`polar_origins` puts one atom on its partner, which is off by that atom's own displacement (half
    an ångström in PyXtal's layered MoWTe₂-type Cm, where no other origin then paired); origins whose atoms do not
    pair are left out."""
    from .pairing import NoPairing, pair_atoms

    if polar.size == 0 or len(origins) == 0:
        return np.zeros((0, 3))
    V = A @ polar
    out = []
    for p in origins:
        X, src = parent_in_child_cell(pf, P, p)
        try:
            j, L, _ = pair_atoms(frac, species, X, pz[src], A, max_distance)
        except NoPairing:
            continue
        mean = np.mean((frac - X[j] - L) @ A.T, axis=0)  # Å, child minus parent
        c = np.linalg.lstsq(V, mean, rcond=None)[0]
        delta = polar @ c
        if np.linalg.norm(delta @ A.T) > 1e-6:
            out.append(p - delta @ np.asarray(P, float).T)
    return np.array(out).reshape(-1, 3)
