"""Where the reference structure of a mode decomposition sits against the child (``modes.decompose``).

What lives here: the lattice the displacements are measured in (:func:`reference_lattice`), the other lattice
correspondences the two groups cannot tell apart but the structures can (:func:`equivalent_relations`), the origins
along a polar child's free axes (:func:`polar_origins` from the parent's atoms, :func:`own_polar_origins` from the
child's own, one per class of parent translations; :func:`distinct_placements` keeps one origin per placement of the
lost operations) and the uniform polar shift removed from the displacements (:func:`remove_polar`). What does not:
the decomposition itself (``modes``), atom pairing and averaged structures (``pairing``), relations and cosets
(``relation``, ``cosets``).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from .pairing import _images, parent_in_child_cell


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
    ``polar`` (3, k; child fractional) so that an atom of the child's rarest species sits on a parent atom of that
    species (every such pair: the set does not depend on which atom the file lists first). A polar child's origin
    along its polar axes is free: a file may put it anywhere, up to half a period away from the relation's origin,
    where pairing at that origin fails or picks wrong partners; the residual shift is then removed by
    :func:`remove_polar` as before. Used against the parent's atoms (the average: :func:`own_polar_origins`)."""
    if polar.size == 0:
        return np.zeros((0, 3))
    s, x0 = _rarest(frac, species)
    V = A @ polar
    out = []
    for p in origins:
        X, src = parent_in_child_cell(pf, P, p)
        d = (x0[:, None, :] - X[pz[src] == s][None, :, :]).reshape(-1, 3)
        d -= np.round(d)
        c = np.linalg.lstsq(V, (d @ A.T).T, rcond=None)[0]  # (k, m) least-squares shift along the polar axes
        delta = (polar @ c).T  # child fractional
        delta = delta[np.linalg.norm(delta @ A.T, axis=1) > 1e-6]
        delta = np.unique(np.round(delta - np.round(delta), 9), axis=0)
        out.extend(p - delta @ np.asarray(P, float).T)
    if not out:
        return np.zeros((0, 3))
    return _distinct_origins(np.array(out), origins, centring)


def _rarest(frac, species):
    """The species with the fewest atoms in the cell, and its atoms (fractional): the starts of the polar
    placements."""
    kinds, counts = np.unique(species, return_counts=True)
    z = kinds[np.argmin(counts)]
    return z, frac[species == z]


def own_polar_origins(rel, origins, frac, species, occ, A, polar, centring, max_distance: float) -> np.ndarray:
    """Origins (parent fractional, (m, 3)) along the child's polar directions ``polar`` (3, k; child fractional) from
    each of ``origins``, found from the child's own atoms: against its own average the parent's atoms do not decide
    where the lost operations sit along a polar axis. The starts: a mesh over one period of the parent's lattice
    along the axes (:func:`_polar_grid`, images moving by at most :data:`POLAR_GRID_STEP` Å from one start to the
    next); for a triclinic child (k = 3), where a mesh is too large, the placements that put a lost operation's image
    of one atom of its rarest species on another atom of that species (every pair within ``max_distance`` Å). Each
    start is then centred on the pairing it gives (:func:`_centred`), as ``pseudo`` places a candidate. Such a set
    covers every pairing whatever the setting or origin of the file (starts from the parent's atoms, or from the
    first atom the file lists, gave a set, and an amplitude, that depended on them). Moving the origin by δ (child
    fractional) adds (W − I)·δ to the translation of each operation (W, w) written in child coordinates; the origin
    becomes p + P·δ."""
    from scipy.spatial import cKDTree

    if polar.size == 0 or len(origins) == 0:
        return np.zeros((0, 3))
    kinds = np.unique(species)
    _, xs = _rarest(frac, species)
    P = np.asarray(rel.P, float)
    images = _images(1)
    trees = {z: cKDTree((frac[species == z][None] + images[:, None]).reshape(-1, 3) @ A.T) for z in kinds}
    rows = [np.flatnonzero(species == z) for z in kinds]
    w_occ = np.asarray(occ, float)
    grid, period = _polar_grid(rel, polar, A, centring)
    period_inv = np.linalg.inv(period)
    out = []
    for p in origins:
        ops = [(g[:3, :3], g[:3, 3]) for g in coset_reps_at(rel, p)[1:]]
        ops = [(W, w, A @ (W - np.eye(3)) @ polar) for W, w in ops]
        ops = [op for op in ops if np.linalg.norm(op[2]) > 1e-9]  # the others keep the polar axes
        if not ops:
            continue
        if polar.shape[1] < 3:
            starts = grid
        else:  # a triclinic child (P1): too many grid points; starts from pairs of atoms of its rarest species
            starts = []
            for W, w, B in ops:
                d = (xs[None, :, :] - (xs @ W.T + w)[:, None, :]).reshape(-1, 3)
                d = (d - np.round(d)) @ A.T  # Å, image of atom a to atom b, nearest lattice image
                c = np.linalg.lstsq(B, d.T, rcond=None)[0]  # (3, n²)
                starts.extend(c[:, np.linalg.norm(d - (B @ c).T, axis=1) <= max_distance].T)
            if not starts:
                continue
            # modulo the parent's lattice (on a supercell the images of one pair by its translations are one start),
            # and one start per cell of a 0.1 Å mesh of image moves: nearer starts are centred on one pairing
            u = np.array(starts) @ period_inv.T
            mesh = np.array([max(1, int(np.ceil(max(np.linalg.norm(B @ period[:, i]) for *_, B in ops) / 0.1)))
                             for i in range(3)])
            u = np.unique(np.floor((u - np.floor(u + 1e-9)) * mesh + 1e-9), axis=0) / mesh
            starts = u @ period.T
        c = np.unique(np.round(np.asarray(starts, float), 9), axis=0)  # (S, k)
        # a first round with one operation per rotation (on a supercell the lost operations are its rotations times
        # many lost translations, and the starts many): the starts of one pairing meet there, and only the places
        # they meet at go through the rounds over every operation
        few = _one_per_rotation(ops)
        rounds = ([few] if len(few) < len(ops) else []) + [ops, ops]
        for these in rounds:  # two rounds on every operation (a pairing may change once); starts that met move on once
            # all starts at once (in blocks of ~10⁶ images): their images, nearest partners and mean mismatches
            block = max(1, 1_000_000 // (len(frac) * len(these)))
            c = np.vstack([_centred(c[i:i + block], these, frac, A, polar, kinds, rows, trees, w_occ)
                           for i in range(0, len(c), block)])
            c = np.unique(np.round(c, 9), axis=0)
        if polar.shape[1] == 3:  # (a P 1 child: every pair of its rarest atoms was a start, most of them no pairing)
            c = c[_all_paired(c, coset_reps_at(rel, p)[1:], frac, A, polar, kinds, rows, trees, max_distance)]
        delta = c @ polar.T
        delta = delta[np.linalg.norm(delta @ A.T, axis=1) > 1e-6]
        out.extend(p + delta @ P.T)
    if not out:
        return np.zeros((0, 3))
    return _distinct_origins(np.array(out), origins, centring)


def _one_per_rotation(ops) -> list:
    """The first of ``ops`` ((W, w, B) each) with each distinct rotation W: their B's span what all of them span."""
    seen, out = set(), []
    for op in ops:
        key = np.round(op[0], 6).tobytes()
        if key not in seen:
            seen.add(key)
            out.append(op)
    return out


def _centred(c, ops, frac, A, polar, kinds, rows, trees, w_occ) -> np.ndarray:
    """Starts ``c`` (S, k) along the polar directions each moved to where the occupancy-weighted
    mean mismatch between the lost operations' images of the atoms and their nearest partners of the same species
    (``trees``: a k-d tree per species of the atoms and their 26 neighbouring images, Cartesian) is 0 along the
    axes: least squares over the operations ``ops`` ((W, w, A·(W − I)·polar) in child coordinates): one step."""
    pinv = np.linalg.pinv(np.vstack([B for *_, B in ops]))  # the same least squares for every start
    delta = c @ polar.T  # (S, 3)
    rhs = []
    for W, w, _ in ops:
        y = (frac @ W.T + w)[None] + (delta @ (W - np.eye(3)).T)[:, None]  # (S, n, 3)
        mism = _nearest(y, A, kinds, rows, trees, partners=True)[1]
        rhs.append(np.einsum("n,snj->sj", w_occ, mism) / w_occ.sum())
    return c + np.hstack(rhs) @ pinv.T


def _all_paired(c, cosets, frac, A, polar, kinds, rows, trees, rmax: float) -> np.ndarray:
    """(S,) bool: at the starts ``c`` (S, k), every atom's image under the inverse of each lost coset (``cosets``
    (m, 4, 4), child coordinates, at the origin the starts move from) has an atom of its species within ``rmax`` Å —
    what :func:`~symstrain.pairing.symmetrized_positions` needs at that origin, and refuses without (a start that fails
    here is an origin that fails there; only the cost of trying it goes). Moving the origin by δ adds (W − I)·δ to
    each translation w, so the inverse maps x to W⁻¹·(x − w) − (I − W⁻¹)·δ. All True when ``rmax`` reaches beyond the
    26 neighbouring cells of the trees (the nearest atom might lie farther out)."""
    from .neighbours import _spacings

    keep = np.ones(len(c), dtype=bool)
    if not len(c) or rmax >= _spacings(A, "cell").min():
        return keep
    delta = c @ polar.T  # (S, 3)
    limit = rmax * (1 + 1e-6) + 1e-9  # (the pairing's own test decides at the boundary)
    block = max(1, 1_000_000 // len(frac))
    for g in np.asarray(cosets, float):
        Wi = np.linalg.inv(g[:3, :3])
        base = (frac - g[:3, 3]) @ Wi.T  # (n, 3)
        move = delta @ (np.eye(3) - Wi).T  # (S, 3)
        for i in range(0, len(c), block):
            d = _nearest(base[None] - move[i:i + block, None], A, kinds, rows, trees)[0]  # (s, n)
            keep[i:i + block] &= d.max(axis=1) <= limit
    return keep


def _nearest(y, A, kinds, rows, trees, partners: bool = False):
    """``(distance, offset)`` of the images ``y`` (S, n, 3; child fractional, any cell): each image's distance (Å,
    (S, n)) to the nearest atom of its species (``trees``: a k-d tree per species of the atoms and their 26
    neighbouring images, Cartesian; ``kinds``/``rows``: the species and their atoms' columns), and with ``partners``
    that atom's position minus the image's (Å, (S, n, 3); else None)."""
    y = (y - np.floor(y)) @ A.T
    dist = np.empty(y.shape[:2])
    offset = np.empty_like(y) if partners else None
    for z, ia in zip(kinds, rows):
        d, q = trees[z].query(y[:, ia].reshape(-1, 3))
        dist[:, ia] = d.reshape(len(y), len(ia))
        if partners:
            offset[:, ia] = trees[z].data[q].reshape(len(y), len(ia), 3) - y[:, ia]
    return dist, offset


#: starts of :func:`own_polar_origins` along a polar axis: a lost operation's images move by at most this (Å)
#: from one start to the next (a pairing holds over a wider range: each start is then centred on its own)
POLAR_GRID_STEP = 0.4


def _polar_grid(rel, polar, A, centring):
    """Starts (n, k) in the coordinates of ``polar`` (3, k; child fractional) covering one period of the parent's
    lattice along the polar directions, spaced so that no lost operation's image moves by more than
    :data:`POLAR_GRID_STEP` Å between neighbours (one start, 0, for k = 3 or when no operation is lost), and that period: (k, k), its columns the
    shortest independent parent translations (its lattice and ``centring``, parent fractional) lying along the
    polar directions, in the coordinates of ``polar``."""
    P = np.asarray(rel.P, float)
    Pi = np.linalg.inv(P)
    k = polar.shape[1]
    r = np.arange(-2, 3)
    n = np.stack(np.meshgrid(r, r, r, indexing="ij"), -1).reshape(-1, 3).astype(float)
    T = (n[:, None, :] + np.vstack([np.zeros((1, 3)), np.asarray(centring, float).reshape(-1, 3)])[None]).reshape(-1, 3)
    t = T @ Pi.T  # child fractional
    c = np.linalg.lstsq(polar, t.T, rcond=None)[0].T  # (m, k)
    along = np.all(np.abs(c @ polar.T - t) < 1e-9, axis=1) & (np.linalg.norm(t @ A.T, axis=1) > 1e-6)
    c = c[along][np.argsort(np.linalg.norm(t[along] @ A.T, axis=1), kind="stable")]
    basis = []
    for v in c:  # the shortest translations along the axes, independent
        if np.linalg.matrix_rank(np.array(basis + [v]), tol=1e-9) == len(basis) + 1:
            basis.append(v)
        if len(basis) == k:
            break
    if len(basis) < k:  # no parent translation along an axis (not met): the child's own period
        basis = list(np.eye(k))
    moves = [] if k == 3 else [A @ (g[:3, :3] - np.eye(3)) @ polar for g in rel.coset_representatives()[1:]]
    if not moves:  # a triclinic child (see own_polar_origins), or no lost operation (index 1): one start
        counts = [1] * k
    else:
        counts = [max(1, int(np.ceil(max(np.linalg.norm(B @ b) for B in moves) / POLAR_GRID_STEP))) for b in basis]
    steps = np.stack(np.meshgrid(*[np.arange(m) / m for m in counts], indexing="ij"), -1).reshape(-1, k)
    return steps @ np.array(basis), np.array(basis).T


def _distinct_origins(cands: np.ndarray, known: np.ndarray, centring) -> np.ndarray:
    """``cands`` less those equal to another or to one of ``known`` modulo the parent's lattice and ``centring`` (its
    other pure translations, parent fractional): an origin and its image by a parent translation pair the same
    atoms, so on an n-fold supercell the n images of a shift are one origin and their number does not grow with
    the cell."""
    T = np.vstack([np.zeros((1, 3)), np.asarray(centring, float).reshape(-1, 3)])

    def key(q):  # the smallest of q's images by the parent's centring translations, modulo 1, to 1e-6 (one int64)
        img = np.round((np.asarray(q, float).reshape(-1, 1, 3) + T[None]) % 1.0, 6) % 1.0
        n = np.round(img * 1_000_000).astype(np.int64) % 1_000_000
        return ((n[..., 0] * 1_000_000 + n[..., 1]) * 1_000_000 + n[..., 2]).min(axis=1)

    k = key(cands)
    _, first = np.unique(k, return_index=True)  # the first of each key, in the order given
    keep = np.sort(first)
    keep = keep[~np.isin(k[keep], key(known))]
    # written in [0, 1): the same origin modulo the lattice, as a reader expects it
    return (np.round(cands[keep], 12) % 1.0).reshape(-1, 3)


def coset_reps_at(rel, p) -> np.ndarray:
    """The relation's left-coset representatives (4×4, child coordinates, the identity first) with the origin moved
    to ``p`` (parent fractional; another valid origin of the same P): moving the origin by P·δ conjugates every
    operation by that translation, adding (W − I)·δ to its translation on the child's coordinates. That gives the
    cosets of the child's group H only where the translation by δ keeps H (conjugated, H is itself; always for a
    P 1 child): there the same cosets as ``replace(rel, p=p).coset_representatives()`` without building their labels
    again (0.9 s per origin for a 768-atom P1 supercell, whose listed translations make the cosets many); elsewhere
    those are built (sweep 4: P-1 in C2/m, the conjugated "representatives" held the inversion of H itself and
    missed a lost coset)."""
    from dataclasses import replace

    reps = rel.coset_representatives().copy()
    delta = np.linalg.solve(np.asarray(rel.P, float), np.asarray(p, float) - np.asarray(rel.p, float))
    if not np.any(np.abs(delta) > 0):
        return reps
    ops = rel.child.spacegroup.symops
    R = np.asarray(ops.rotations, float)
    if not ops.contains_many(R, np.asarray(ops.translations, float) + (R - np.eye(3)) @ delta).all():
        return replace(rel, p=np.asarray(p, float)).coset_representatives()
    reps[:, :3, 3] += (reps[:, :3, :3] - np.eye(3)) @ delta
    return reps


def distinct_placements(rel, origins) -> np.ndarray:
    """The indices of ``origins`` (parent fractional) that place the parent's operations differently on the child,
    the first of each placement kept: the average of the child over the lost operations depends on the operations
    only, and origins a translation of the normaliser apart (along a polar axis, half a lattice period for an
    operation that reverses it) give the same ones. Two origins are one placement when the operations of G they give
    on the child's coordinates are the same modulo the child's lattice."""
    keep, seen = [], set()
    for i, key in enumerate(placement_keys(rel, origins)):
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return np.array(keep, dtype=int)


def placement_keys(rel, origins) -> list[bytes]:
    """One key per origin (parent fractional), equal for two origins when the operations of G they give on the
    child's coordinates are the same modulo the child's lattice (see :func:`distinct_placements`)."""
    H = rel.child.spacegroup
    R, t = H.rotations.astype(float), np.asarray(H.translations, float)
    Wk = rel.coset_representatives()[:, :3, :3]
    rot = np.round(np.einsum("kij,hjl->khil", Wk, R).reshape(-1, 9)).astype(np.int64)
    keys = []
    for p in origins:
        w = coset_reps_at(rel, p)[:, :3, 3]
        tr = (np.einsum("kij,hj->khi", Wk, t) + w[:, None, :]).reshape(-1, 3)
        code = np.hstack([rot, np.round((tr % 1.0) * 1e6).astype(np.int64) % 1000000])
        keys.append(code[np.lexsort(code.T[::-1])].tobytes())
    return keys


def description_codes(frac: np.ndarray, z: np.ndarray, T: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """(k, N) int64: how atoms ``frac`` (fractional, (N, 3); atomic numbers ``z``) read in the coordinates
    x' = T·x + t at each origin t of ``ts`` (k, 3): each atom one integer — heaviest first, then x', y', z' in [0, 1)
    to 1e-4 (four decimal digits each) — sorted ascending per origin. Rows compare lexicographically as the
    descriptions do; the least among equivalent descriptions of one structure (origins or axes a normaliser relates)
    is a fixed choice, whatever setting the structure came in: the heaviest atoms as near the origin as it allows."""
    x = np.round(((np.asarray(frac, float) @ np.asarray(T, float).T)[None] + np.asarray(ts, float)[:, None]) % 1.0,
                 4) % 1.0  # (k, N, 3)
    q = np.rint(x * 10_000).astype(np.int64)
    code = -np.rint(np.asarray(z, float)).astype(np.int64)[None] * 10**12 + q[..., 0] * 10**8 + q[..., 1] * 10**4 \
        + q[..., 2]
    code.sort(axis=1)
    return code


def description_key(frac: np.ndarray, z: np.ndarray, T: np.ndarray, t: np.ndarray) -> tuple:
    """:func:`description_codes` at the one origin ``t``, as a tuple (compared with the keys of other origins)."""
    return tuple(description_codes(frac, z, T, np.asarray(t, float).reshape(1, 3))[0].tolist())


def remove_polar(U: np.ndarray, occ: np.ndarray, V: np.ndarray):
    """U less the occupancy-weighted mean displacement projected on the Cartesian directions V (3, k)."""
    if V.shape[1] == 0:
        return U, np.zeros(3)
    Qv, _ = np.linalg.qr(V)
    mean = (occ @ U) / occ.sum()
    shift = Qv @ (Qv.T @ mean)
    return U - shift, shift
