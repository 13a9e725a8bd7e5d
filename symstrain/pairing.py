"""Reference structures for a mode decomposition, and the pairing of their atoms with the child's.

What lives here: the origins (P, p) valid for a group–subgroup relation (:func:`valid_origins`), the parent
structure mapped into the child cell (:func:`parent_in_child_cell`, AMPLIMODES' reference), the child averaged
back over the lost cosets (:func:`symmetrized_positions`; orbit by orbit where pairing atom by atom breaks a tie
inconsistently, :func:`orbit_average`), a one-to-one pairing of two atom sets by element and
position that is near-linear in the number of atoms (:func:`pair_atoms`: neighbour candidates from a k-d tree, then
scipy's sparse minimum-weight full bipartite matching), and the permutation of the atoms by an operation
(:class:`Permutations`), the checks and messages when no pairing exists (:func:`check_composition`,
:func:`no_pairing_message`), and the Wyckoff-splitting table that sums the pairing up (:func:`splitting`).
What does not: irreps (``irreps``) and amplitudes (``modes``).

Conventions: fractional coordinates of the child cell unless stated; x_parent = P·x_child + p; Cartesian Å with
the child cell (X ∥ a, Z ∥ c*).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .errors import SymstrainInputError

#: codes of the warnings made here
WARNING_CODES = {
    "composition_differs": "the child cell holds other atoms than the parent mapped into it (the numbers of a measure "
                           "that does not pair them are those of another structure)",
    "lost_operations_kept": "the child's atoms keep operations its declared group lacks: symmetry lost on paper only",
    "origins_several": "more than one origin (not a parent translation apart) relates the groups; they place the "
                       "child's structure differently, and the atoms decide",
    "atoms_do_not_pair": "the one origin relating the groups leaves some child atom farther than 2 Å from every parent "
                         "atom of its element: an atom misplaced, or another structure of the same composition",
}

#: at most this many lost cosets are tested by :func:`kept_operations_warning` (an index past it is a supercell
#: whose first cosets tell already)
_KEPT_TESTS = 256

_GRID = 24  # origin shifts are searched on a 1/24 grid (covers 1/2, 1/3, 1/4, 1/6, 1/8)
#: margin (Å) by which an atom's nearest partner must beat every other candidate for the pairing to be read off the
#: nearest neighbours without a matching
_UNIQUE = 1e-6


class NoPairing(Exception):
    """No one-to-one pairing within the distance limit; ``worst`` is a lower bound on the largest distance and
    ``index`` the atom (of the first set) that has no partner close enough."""

    def __init__(self, message: str, worst: float = float("inf"), index: int = -1):
        super().__init__(message)
        self.worst = worst
        self.index = index


def _images(n: int = 1) -> np.ndarray:
    r = np.arange(-n, n + 1)
    return np.stack(np.meshgrid(r, r, r, indexing="ij"), -1).reshape(-1, 3).astype(float)


#: connected parts of a pairing graph up to this many atoms are matched densely (scipy's linear_sum_assignment, 32 MB
#: at most); larger ones by scipy's sparse min_weight_full_bipartite_matching, which never returns on some small
#: feasible graphs (scipy 1.17: a 6 × 6 one met in the pseudo-symmetry search of a PyXtal Pr(OH)3 structure)
_DENSE_MAX = 2000


def _min_weight_matching(graph):
    """(rows, columns) of a minimum-weight full matching of the square sparse bipartite ``graph`` (an entry = an edge,
    its weight > 0), solved on each connected part on its own; ValueError when there is none."""
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import bmat
    from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching

    graph = graph.tocsr()
    n = graph.shape[0]
    n_parts, part = connected_components(bmat([[None, graph], [graph.T, None]]), directed=False)
    rows, cols = [], []
    for k in range(n_parts):
        rr, cc = np.flatnonzero(part[:n] == k), np.flatnonzero(part[n:] == k)
        if len(rr) != len(cc):
            raise ValueError("no full matching")
        sub = graph[rr][:, cc]
        if len(rr) > _DENSE_MAX:
            r, c = min_weight_full_bipartite_matching(sub)
        else:
            dense = sub.toarray()
            r, c = linear_sum_assignment(np.where(dense > 0, dense, np.inf))  # ValueError when infeasible
        rows.append(rr[r])
        cols.append(cc[c])
    return np.concatenate(rows), np.concatenate(cols)


def _images_near_cell(xb: np.ndarray, A: np.ndarray, rmax: float) -> tuple[np.ndarray, np.ndarray]:
    """``(kept, fb)``: the atoms ``xb`` (fractional) and their 26 neighbouring images as fractional points ``fb``
    (image s, atom b at s·nb + b), and the indices ``kept`` of those that can come within ``rmax`` Å of a point of
    the cell (cell ``A``, columns in Å) — each fractional coordinate k within rmax/d_k of [0, 1), d_k the
    interplanar spacing. The points a k-d tree of b is built on (:func:`pair_atoms`, :class:`_NearestOfSpecies`)."""
    reach = rmax * np.linalg.norm(np.linalg.inv(A), axis=1) + 1e-9
    fb = (xb[None, :, :] + _images(1)[:, None, :]).reshape(-1, 3)
    return np.flatnonzero(np.all((fb > -reach) & (fb < 1.0 + reach), axis=1)), fb


def pair_atoms(xa: np.ndarray, za: np.ndarray, xb: np.ndarray, zb: np.ndarray, A: np.ndarray, rmax: float):
    """One-to-one pairing of atoms a → b of the same species minimising Σ d² (periodic, cell A columns in Å).

    Returns ``(j, L, dist)``: partner index in b, the lattice vector with xb[j] + L nearest to xa, and the distance
    (Å). Candidates are the neighbours within ``rmax`` found with a k-d tree over b and those of its 26 neighbouring
    images that come within ``rmax`` of the cell, so the work grows with the number of atoms times the neighbours
    each has, never N². Raises :class:`NoPairing`.
    """
    from scipy.spatial import cKDTree

    n = len(xa)
    j_out = np.full(n, -1)
    L_out = np.zeros((n, 3))
    d_out = np.full(n, np.inf)
    shifts = _images(1)
    for z in np.unique(np.concatenate([za, zb])):
        ia, ib = np.flatnonzero(za == z), np.flatnonzero(zb == z)
        if len(ia) != len(ib):
            raise NoPairing(f"{len(ia)} atoms of element {z} against {len(ib)}", index=int(ia[0]) if len(ia) else -1)
        nb = len(ib)
        pa = (xa[ia] % 1.0) @ A.T
        wa = xa[ia] - (xa[ia] % 1.0)  # the lattice vector taken off xa
        kept, fb = _images_near_cell(xb[ib], A, rmax)  # image s, atom b: s·nb + b
        tree_b = cKDTree(fb[kept] @ A.T)
        kq = min(2, len(kept))
        dq, jq = tree_b.query(pa, k=kq)
        dq, jq = dq.reshape(len(ia), kq), jq.reshape(len(ia), kq)
        near = dq[:, 0]
        if np.max(near) > rmax:
            k = int(np.argmax(near))
            raise NoPairing("no partner", float(near[k]), int(ia[k]))
        col = kept[jq[:, 0]] % nb
        if kq == 1 or (np.all(dq[:, 1] > near + _UNIQUE) and len(np.unique(col)) == len(col)):
            # every atom's nearest partner is nearer than any other candidate by a margin, and no two atoms share
            # one: each term of Σ d² is at its strict minimum, so this is the unique optimal pairing (no matching)
            j_out[ia] = ib[col]
            L_out[ia] = shifts[kept[jq[:, 0]] // nb] + wa
            d_out[ia] = near
            continue
        from scipy.sparse import csr_matrix

        sdm = cKDTree(pa).sparse_distance_matrix(tree_b, rmax, output_type="ndarray")
        full = kept[sdm["j"]]
        rows, cols, dist, img = sdm["i"], full % nb, sdm["v"], full // nb
        order = np.lexsort((dist, cols, rows))
        rows, cols, dist, img = rows[order], cols[order], dist[order], img[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, dist, img = rows[first], cols[first], dist[first], img[first]
        graph = csr_matrix((dist**2 + 1e-12, (rows, cols)), shape=(len(ia), nb))
        try:
            r, c = _min_weight_matching(graph)
        except ValueError:
            raise NoPairing("no one-to-one pairing", float(np.max(near)), int(ia[int(np.argmax(near))])) from None
        # the candidates are sorted by (row, column), one per pair: find each matched pair's entry
        at = np.searchsorted(rows.astype(np.int64) * nb + cols, np.asarray(r, np.int64) * nb + c)
        j_out[ia[r]] = ib[c]
        L_out[ia[r]] = shifts[img[at]] + wa[r]
        d_out[ia[r]] = dist[at]
    return j_out, L_out, d_out


class Permutations:
    """Atom permutations of a set ``x`` (fractional, invariant under the operations asked about): for (W, w),
    π with (W, w)·x_i ≡ x_π(i) (mod 1) and ``kind`` (integer species code) kept, so that two atoms on one position
    (a mixed site) are told apart. ``tol`` (Å, cell ``A``) is the largest mismatch accepted."""

    def __init__(self, x: np.ndarray, kind: np.ndarray, A: np.ndarray, tol: float = 0.05):
        from scipy.spatial import cKDTree

        self.y = x % 1.0
        self.y[self.y >= 1.0] = 0.0
        _, self.kind = np.unique(kind, return_inverse=True)
        self.kind = self.kind.reshape(-1).astype(float) * 10.0  # kinds far apart on a fourth, non-periodic axis
        self.A = A
        self.tol = tol
        self.tree = cKDTree(np.column_stack([self.y, self.kind]), boxsize=[1.0, 1.0, 1.0, 1e9])

    def __call__(self, W: np.ndarray, w: np.ndarray) -> np.ndarray:
        img = (self.y @ W.T + w) % 1.0
        img[img >= 1.0] = 0.0
        _, j = self.tree.query(np.column_stack([img, self.kind]), k=1)
        d = img - self.y[j]
        d -= np.round(d)
        dist = np.linalg.norm(d @ self.A.T, axis=1)
        bad = np.max(dist, initial=0.0) > self.tol or np.any(self.kind[j] != self.kind)
        if bad or len(np.unique(j)) != len(j):
            from .notation import triplet

            raise ValueError(f"the reference is not invariant under {triplet(np.rint(W).astype(int), w % 1.0)} "
                             f"(working coordinates; an atom {np.max(dist):.3g} Å from its image)")
        return j


class GroupAction:
    """The permutations of the atoms ``x`` (fractional, (N, 3), invariant under the group) by every element of a
    factor group Ĝ (an :class:`~symstrain.irreps.FactorGroup`: element i·n_point + l is (E, τ_i)·c_l), made block by
    block of elements: π of (E, τ_i)·c_l is π_{τ_i}[π_{c_l}], composed from the n_point permutations of the point
    operations (kept) and those of the translations τ_i (made for each block). Memory is O(N) per block: a block
    holds at most ``budget`` numbers (its elements × N × ``width``), and the whole table is kept only where it is one
    such block, so no |Ĝ|·N array is made for a group that grows with the cell. ``source`` names the structure in
    the :class:`SymstrainInputError` raised when it is not invariant under an element."""

    def __init__(self, fg, x: np.ndarray, kind: np.ndarray, A: np.ndarray, budget: int, source: str):
        self.perm = Permutations(x, kind, A)
        self.fg, self.n, self.budget, self.source = fg, len(x), int(budget), source
        self.n_pt = fg.n_point
        self.pi_l = [self(fg.W[l], fg.w[l]) for l in range(self.n_pt)]
        self._whole = None

    def __call__(self, W: np.ndarray, w: np.ndarray) -> np.ndarray:
        """π of one operation (:class:`Permutations`)."""
        try:
            return self.perm(W, w)
        except ValueError as exc:
            raise SymstrainInputError(self.source, "the reference structure does not have the parent's symmetry: "
                                                   f"{exc}") from None

    def _table(self, i0: int, i1: int) -> np.ndarray:
        """(n_point·(i1 − i0), N) π of the elements of the translations τ_i0 … τ_i1−1."""
        pts = [self(np.eye(3), t) for t in self.fg.taus[i0:i1]]
        return np.array([pt[pl] for pt in pts for pl in self.pi_l])

    def blocks(self, width: int = 3):
        """(g0, g1, π) for consecutive blocks of elements g0 … g1 − 1 (whole translations τ_i each), with
        (g1 − g0)·N·``width`` ≤ ``budget`` where a translation's n_point elements fit, else one translation each."""
        n_tau = len(self.fg.taus)
        per = max(1, self.budget // max(1, self.n_pt * self.n * width))
        if self._whole is None and n_tau * self.n_pt * self.n * 3 <= self.budget:
            self._whole = self._table(0, n_tau)  # the whole table is one block of a field: kept for the other passes
        for i0 in range(0, n_tau, per):
            i1 = min(i0 + per, n_tau)
            pi = self._whole[i0 * self.n_pt:i1 * self.n_pt] if self._whole is not None else self._table(i0, i1)
            yield i0 * self.n_pt, i1 * self.n_pt, pi

    def act(self, v: np.ndarray, g0: int, g1: int, pi: np.ndarray) -> np.ndarray:
        """(g1 − g0, N, 3): g·v for the elements g0 … g1 − 1 of a field ``v`` (N, 3) (working fractional)."""
        out = np.empty((g1 - g0,) + v.shape)
        out[np.arange(g1 - g0)[:, None], pi] = np.einsum("gij,nj->gni", self.fg.W[g0:g1], v)
        return out


def species_kinds(species: np.ndarray, occ: np.ndarray) -> np.ndarray:
    """(N,) integer code of each atom's element and occupancy: atoms a symmetry may exchange have equal codes (two
    elements sharing a mixed site stay apart)."""
    return np.asarray(species, np.int64) * 1000 + np.round(np.asarray(occ, float) * 999).astype(np.int64)


def group_generators(rotations: np.ndarray, translations: np.ndarray) -> list:
    """(R, t) pairs generating the space group listed by ``rotations`` (n, 3, 3) int and ``translations`` (n, 3)
    modulo Z³: the first operation of each rotation, then the non-integral vectors of a basis of its pure
    translations (those of the identity). A few operations instead of all n, which grow with a supercell's
    translations."""
    from .ops import SymOps
    from .spacegroup import lattice_basis_from_translations

    ops = SymOps(rotations, translations)
    _, first = np.unique(ops.rotations.reshape(len(ops.rotations), -1), axis=0, return_index=True)
    gens = [(ops.rotations[i], ops.translations[i]) for i in np.sort(first)]
    cent = ops.pure_translations()
    if len(cent):
        basis = lattice_basis_from_translations(cent, den=None).T
        gens += [(np.eye(3, dtype=int), b) for b in basis if np.any(np.abs(b - np.round(b)) > 1e-9)]
    return gens


def keeps_symmetry(x: np.ndarray, kind: np.ndarray, A: np.ndarray, parent_sg, P, p, tol: float = 0.05) -> bool | None:
    """Whether the atoms ``x`` (child fractional, (N, 3); ``kind`` (N,) codes as from :func:`species_kinds`) are
    mapped onto themselves by the parent group placed by (P, p): for one operation per rotation and for the
    generators of the pure translations, the parent's lattice included (together they generate the group modulo the
    child's lattice), a one-to-one map keeping the kind within ``tol`` Å (cell ``A``) — the test
    :class:`Permutations` makes, a periodic k-d tree per operation. None when the parent's rotations do not keep the
    child's cell (no such map exists in it)."""
    P, p = np.asarray(P, float), np.asarray(p, float)
    Pi = np.linalg.inv(P)
    R = parent_sg.rotations.astype(float)
    W = np.einsum("ij,njk,kl->nil", Pi, R, P)  # child coordinates: W' = P⁻¹·W·P, w' = P⁻¹·(w + W·p − p)
    if not np.allclose(W, np.round(W), atol=1e-9):
        return None
    perm = Permutations(x, kind, A, tol)
    # with the parent's lattice translations P⁻¹·e_k: those the child lost are no operation listed in the parent's
    # setting when its cell is smaller than the child's (P1 → P1 with c halved lists the identity alone)
    rots = np.concatenate([np.round(W).astype(int), np.repeat(np.eye(3, dtype=int)[None], 3, axis=0)])
    trans = np.concatenate([(parent_sg.translations + R @ p - p) @ Pi.T, Pi.T])
    try:
        for Wi, wi in group_generators(rots, trans):
            perm(Wi, wi)
    except ValueError:
        return False
    return True


def valid_origins(parent_sg, child_sg, P: np.ndarray, p0: np.ndarray, polar: np.ndarray) -> np.ndarray:
    """Origins p (parent fractional) for which every child operation is a parent operation, one per class modulo
    the parent's translations and the free shift along the child's polar directions ``polar`` (3, k; child
    fractional). ``p0`` (a valid origin, from ``relate``) comes first. Shifts s = p − p0 must satisfy
    (I − W)·s ∈ L_G for every child rotation W written in the parent basis."""
    from .ops import SymOps

    P = np.asarray(P, float)
    Pi = np.linalg.inv(P)
    cent = np.vstack([np.zeros(3), SymOps(parent_sg.rotations, parent_sg.translations).pure_translations()])
    W = np.unique(np.round(np.einsum("ij,njk,kl->nil", P, child_sg.rotations.astype(float), Pi)).astype(int), axis=0)
    g = np.arange(_GRID) / _GRID
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    ok = np.ones(len(grid), dtype=bool)
    for R in W:
        v = grid @ (np.eye(3) - R).T
        hit = np.zeros(len(grid), dtype=bool)
        for c in cent:
            d = v - c
            hit |= np.all(np.abs(d - np.round(d)) < 1e-9, axis=1)
        ok &= hit
    cands = grid[ok]
    V = P @ polar if polar.size else np.zeros((3, 0))
    lat = (_images(1)[:, None, :] + cent[None, :, :]).reshape(-1, 3)
    # two shifts are one class when they differ by a parent translation plus a shift along the polar directions:
    # compare the differences with the polar part projected out (Q: projector onto the complement of span V)
    Q = np.eye(3) - V @ np.linalg.pinv(V) if V.shape[1] else np.eye(3)
    reps = np.zeros((0, 3))
    for s in cands:
        r = ((s - reps)[:, None, :] - lat[None, :, :]) @ Q.T
        if np.any(np.all(np.abs(r) < 1e-9, axis=2)):
            continue
        reps = np.vstack([reps, s])
    return p0 + reps


def parent_in_child_cell(parent_frac: np.ndarray, P: np.ndarray, p: np.ndarray):
    """Every atom of the parent lattice (``parent_frac``: the parent's conventional cell, fractional) that falls in
    the child cell, in child fractional coordinates in [0, 1): x_child = P⁻¹·(x + n − p) for parent lattice vectors
    n. Returns ``(x_child, source)`` with ``source`` the index into ``parent_frac`` of each atom."""
    P = np.asarray(P, float)
    Pi = np.linalg.inv(P)
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], float) @ P.T + p
    lo = np.floor(corners.min(axis=0)) - 1
    hi = np.ceil(corners.max(axis=0)) + 1
    rng = [np.arange(lo[i], hi[i] + 1) for i in range(3)]
    n = np.stack(np.meshgrid(*rng, indexing="ij"), -1).reshape(-1, 3)
    X = ((parent_frac[None, :, :] + n[:, None, :] - p) @ Pi.T).reshape(-1, 3)
    src = np.tile(np.arange(len(parent_frac)), len(n))
    eps = 1e-7
    keep = np.all((X >= -eps) & (X < 1 - eps), axis=1)
    X, src = X[keep] % 1.0, src[keep]
    X[X >= 1 - eps] = 0.0
    X[X >= 1.0] = 0.0
    return X, src


def pair_images(ys: np.ndarray, xb: np.ndarray, zb: np.ndarray, A: np.ndarray, rmax: float, slack: bool = False):
    """:func:`pair_atoms` of each of K image sets ``ys`` (K, n, 3) of the atoms ``xb`` (n, 3; species ``zb``, the
    images' species too) with those atoms, where it is read off the nearest neighbours: one k-d tree per species
    and one query for all K sets. Returns ``(j (K, n), L (K, n, 3), done (K,))``; ``done[k]`` False where set k
    needs :func:`pair_atoms` itself (an atom without a partner within ``rmax``, or a nearest partner not nearer by
    the margin than every other candidate, or shared): there its rows are undefined. Where done, the result is
    :func:`pair_atoms`' (the unique optimal pairing, found the same way).

    ``slack``: also (K,) Å, how far every image of set k may move (all by one vector) with the same partners found
    the same way: half the least of (the second-nearest candidate, or ``rmax`` if nearer, less the nearest, less the
    margin) — the nearest partner, moved by v, stays within ``rmax`` and nearer by the margin than every other."""
    from scipy.spatial import cKDTree

    K, n = ys.shape[:2]
    shifts = _images(1)
    j_out = np.full((K, n), -1)
    L_out = np.zeros((K, n, 3))
    done = np.ones(K, dtype=bool)
    room = np.full(K, np.inf)
    for z in np.unique(zb):
        ib = np.flatnonzero(zb == z)
        nb = len(ib)
        kept, fb = _images_near_cell(xb[ib], A, rmax)
        y = ys[:, ib].reshape(-1, 3)  # (K·nb, 3): set k, atom ib[i] at row k·nb + i
        kq = min(2, len(kept))
        dq, jq = cKDTree(fb[kept] @ A.T).query((y % 1.0) @ A.T, k=kq)
        dq, jq = dq.reshape(K, nb, kq), jq.reshape(K, nb, kq)
        near = dq[..., 0]
        col = kept[jq[..., 0]] % nb  # (K, nb)
        ok = near.max(axis=1) <= rmax
        if kq > 1:
            ok &= np.all(dq[..., 1] > near + _UNIQUE, axis=1)
        ok &= (np.diff(np.sort(col, axis=1), axis=1) > 0).all(axis=1)  # no two atoms share a partner
        done &= ok
        j_out[:, ib] = ib[col]
        L_out[:, ib] = shifts[kept[jq[..., 0]] // nb] + (y - y % 1.0).reshape(K, nb, 3)
        if slack:
            second = np.minimum(dq[..., 1], rmax) if kq > 1 else np.full(near.shape, float(rmax))
            np.minimum(room, ((second - near).min(axis=1) - _UNIQUE) / 2, out=room)
    if slack:
        return j_out, L_out, done, np.where(done, room, -np.inf)
    return j_out, L_out, done


def symmetrized_positions(frac, species, cosets: np.ndarray, A: np.ndarray, rmax: float, source: str,
                          labels=None, op_names=None, slack: bool = False):
    """The child averaged over the lost cosets g_k·H (``cosets``: the left-coset representatives g_k, 4×4, child
    coordinates, g_0 = identity), with the near-linear pairing (:func:`pair_atoms`): s_i = x_i + (1/n) Σ_k W_k·d_ki,
    d_ki the mismatch from g_k⁻¹·x_i (g_k⁻¹ runs over the right cosets H·g_k⁻¹) to its partner.
    Raises :class:`SymstrainInputError` when an image has no partner within ``rmax`` Å, naming the atom (``labels``,
    one per row of ``frac``) and the operation (``op_names``, one per coset) when given.
    ``slack``: returns ``(positions, room)``, room (len(cosets) − 1,) Å how far the images of each lost coset may move
    together with the same pairing (:func:`pair_images`; −inf where it was not read off the nearest neighbours):
    :func:`shifted_average` then gives the average for translations moved that little."""
    shift = np.zeros_like(frac)
    # the average over G of an H-invariant structure is the mean of g⁻¹·(its partner near g·x) over one g per
    # RIGHT coset H·g (the sum over H then adds nothing); the inverse of a left-coset representative g_k·H is
    # one of H·g_k⁻¹. With left-coset representatives the mean is G-invariant only when H is normal in G.
    inv = np.linalg.inv(np.asarray(cosets, float)[1:])
    Ws, ws = inv[:, :3, :3], inv[:, :3, 3]
    ys = np.stack([frac @ W.T + w for W, w in zip(Ws, ws)]) if len(Ws) else np.zeros((0,) + frac.shape)
    integral = np.all(np.abs(Ws - np.round(Ws)) <= 1e-9, axis=(1, 2))
    fast = np.flatnonzero(integral)
    j_all, L_all, done, *room_fast = pair_images(ys[fast], frac, species, A, rmax, slack=slack)
    read_off = dict(zip(fast.tolist(), zip(j_all, L_all, done)))
    for k in range(1, len(cosets)):
        W, y = Ws[k - 1], ys[k - 1]
        try:
            if k - 1 in read_off and read_off[k - 1][2]:
                j, L = read_off[k - 1][:2]
            elif integral[k - 1]:
                j, L, _ = pair_atoms(y, species, frac, species, A, rmax)
            else:
                # W does not map the child's lattice onto itself (a supercell the parent's rotation turns into
                # another one): the images are no permutation of the cell's atoms, each has its nearest partner
                j, L = _nearest_partners(y, species, frac, species, A, rmax)
        except NoPairing as exc:
            who = f"atom {labels[exc.index]}" if labels is not None and exc.index >= 0 else "an atom"
            op = f" {op_names[k]}" if op_names is not None else ""
            near = f"nearest {exc.worst:.2f} Å" if exc.worst > rmax else "no one-to-one pairing"
            raise SymstrainInputError(source, f"{who} has no partner of the same element within {rmax} Å of its "
                                              f"image under the lost operation{op} ({near}): the child is too far "
                                              "from the parent symmetry to symmetrise") from None
        d = frac[j] + L - y
        shift += d @ np.linalg.inv(W).T
    if slack:
        room = np.full(len(Ws), -np.inf)
        if len(fast):
            room[fast] = room_fast[0]
        return frac + shift / len(cosets), room
    return frac + shift / len(cosets)


#: at most this many choices of partners (one per lost coset, nearest first) are tried for an orbit by
#: :func:`orbit_average`
_ORBIT_CHOICES = 64
#: partners of an orbit's representative farther than the nearest by more than this (Å) are not tried
_ORBIT_SPREAD = 0.5


def orbit_average(frac, kind, site, rotations, translations, cosets, A, rmax: float):
    """The child averaged over G = ∪ g_k·H orbit by orbit, so that the result has G's symmetry: positions s (N, 3),
    or None when no orbit choice below works.

    :func:`symmetrized_positions` pairs every atom on its own: where an image is as near two atoms (a tie the child's
    symmetry makes: R3c → R3m on the rhombohedral cell, each O image 1.47 Å from two O), the matching may break the
    tie atom by atom inconsistently, and the average has no G symmetry. Here each H-orbit (``site``: atoms of one
    site of the child's asymmetric unit) is averaged at one representative r only, s_r = x_r + (1/n) Σ_k W_k·d_k
    (d_k from g_k⁻¹·x_r to a partner), and every atom is then given a point of the G-orbit of s_r (images under
    g_k·h, h = (``rotations``, ``translations``) the child's operations in its cell), paired one to one (Σd²
    least, :func:`pair_atoms`) with the atoms of the orbits whose partners were used. The choices of partners are
    tried, least Σ|d_k|² first (those within :data:`_ORBIT_SPREAD` Å of each nearest, at most
    :data:`_ORBIT_CHOICES`), until the G-orbit has as many points as those atoms (a consistent choice; an
    inconsistent one scatters it). ``kind``: species codes (:func:`species_kinds`); ``cosets`` (n, 4, 4) child
    coordinates, g_0 the identity; ``A`` the cell (columns, Å); ``rmax`` (Å) the largest mismatch accepted."""
    from scipy.spatial import cKDTree

    frac = np.asarray(frac, float)
    cosets = np.asarray(cosets, float)
    n = len(cosets)
    Wk, wk = cosets[:, :3, :3], cosets[:, :3, 3]
    R, t = np.asarray(rotations, float), np.asarray(translations, float)
    GW = np.einsum("kij,mjl->kmil", Wk, R).reshape(-1, 3, 3)  # g_k·h
    Gw = (np.einsum("kij,mj->kmi", Wk, t) + wk[:, None, :]).reshape(-1, 3)
    inv = np.linalg.inv(cosets[1:])
    Wi, wi = inv[:, :3, :3], inv[:, :3, 3]
    # candidate partners of an image (wrapped into the cell): every atom image within rmax, Cartesian, from as many
    # lattice shells as the cell's interplanar spacings need (an acute cell reaches past the first)
    reach = rmax * np.linalg.norm(np.linalg.inv(A), axis=1) + 1e-9
    shifts = _images(int(np.ceil(np.max(reach))))
    base = frac % 1.0
    pts = (base[None, :, :] + shifts[:, None, :]).reshape(-1, 3)
    keep = np.flatnonzero(np.all((pts > -reach) & (pts < 1.0 + reach), axis=1))
    tree = cKDTree(pts[keep] @ A.T)
    N = len(frac)
    s = np.full((N, 3), np.nan)
    for a in np.unique(site):
        members = np.flatnonzero(site == a)
        if not np.isnan(s[members[0], 0]):
            continue  # given its points with another orbit
        r = members[0]
        options = []
        for k in range(n - 1):
            y = Wi[k] @ frac[r] + wi[k]
            y -= np.floor(y)
            cand = keep[np.asarray(tree.query_ball_point(y @ A.T, rmax), dtype=int)]
            j = cand % N
            cand = cand[(kind[j] == kind[r]) & np.isnan(s[j, 0])]
            if not len(cand):
                return None
            d = pts[cand] - y  # partner x_j + L − y, fractional
            length = np.linalg.norm(d @ A.T, axis=1)
            o = np.argsort(length, kind="stable")
            o = o[length[o] <= length[o[0]] + _ORBIT_SPREAD]
            options.append(list(zip(cand[o] % N, d[o], length[o] ** 2)))
        # the nearest few per coset, so that the choices stay countable for a large index
        width = max(1, int(np.floor(_ORBIT_CHOICES ** (1.0 / max(1, n - 1)))))
        options = [opt[:width] for opt in options]
        combos = sorted(itertools.product(*options), key=lambda c: sum(x[2] for x in c))
        for combo in combos:
            sr = frac[r] + sum(Wk[k + 1] @ d for k, (_, d, _) in enumerate(combo)) / n
            Q = (GW @ sr + Gw) % 1.0
            Q[Q >= 1.0] = 0.0
            Q = _distinct_points(Q)
            atoms = np.flatnonzero(np.isin(site, [a] + [int(site[j]) for j, _, _ in combo]))
            if len(atoms) != len(Q) or not np.all(np.isnan(s[atoms, 0])):
                continue
            try:
                jj, L, _ = pair_atoms(frac[atoms], kind[atoms], Q, np.full(len(Q), kind[r]), A, rmax)
            except NoPairing:
                continue
            s[atoms] = Q[jj] + L
            break
        else:
            return None
    return s


def _distinct_points(Q: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """The points of ``Q`` (fractional, in [0, 1)), those that coincide modulo 1 (within ``tol`` in each coordinate)
    counted once: the first of each."""
    from scipy.spatial import cKDTree

    tree = cKDTree(Q, boxsize=1.0)
    first = np.array([min(b) for b in tree.query_ball_point(Q, tol, p=np.inf)])
    return Q[np.unique(first)]


def shifted_average(average, room, cosets, A, delta, inverses=None):
    """The child averaged over the lost cosets ``cosets`` (as :func:`symmetrized_positions`, which gave
    ``average`` and ``room`` for them) after every translation w_k moved by (W_k − I)·``delta`` (child fractional:
    the origin of the relation moved by δ), or None when that could change a pairing. The images of coset k move by
    (W_k⁻¹ − I)·δ, all of them alike; within ``room`` the partners are the same, and each mismatch changes by that
    move, so the average moves as a whole by −(1/n) Σ_k (I − W_k)·δ. ``inverses``: the W_k⁻¹ when already at hand."""
    W = np.asarray(cosets, float)[1:, :3, :3]
    delta = np.asarray(delta, float)
    Wi = np.linalg.inv(W) if inverses is None else inverses
    move = np.einsum("kij,j->ki", Wi, delta) - delta  # (W_k⁻¹ − I)·δ
    length = np.linalg.norm(move @ A.T, axis=1)
    if not np.all((length == 0) | (length < room)):
        return None
    return average - (len(W) * delta - np.einsum("kij,j->i", W, delta)) / len(cosets)


def _nearest_partners(xa: np.ndarray, za: np.ndarray, xb: np.ndarray, zb: np.ndarray, A: np.ndarray, rmax: float):
    """Nearest atom of b of the same species for every atom of a, periodic and not one-to-one: ``(j, L)`` with
    xb[j] + L nearest to xa[i]. Raises :class:`NoPairing` naming the first atom without one within ``rmax`` Å."""
    from scipy.spatial import cKDTree

    n = _images(1)
    j_out, L_out, dist = np.full(len(xa), -1), np.zeros((len(xa), 3)), np.full(len(xa), np.inf)
    base = np.floor(xa)
    for z in np.unique(za):
        ia, ib = np.flatnonzero(za == z), np.flatnonzero(zb == z)
        if len(ib) == 0:
            continue
        pts = (xb[ib][None, :, :] + n[:, None, :]).reshape(-1, 3) @ A.T
        d, q = cKDTree(pts).query((xa[ia] - base[ia]) @ A.T)
        j_out[ia], L_out[ia], dist[ia] = ib[q % len(ib)], n[q // len(ib)] + base[ia], d
    bad = np.flatnonzero(dist > rmax)
    if len(bad):
        raise NoPairing(f"no partner within {rmax} Å", float(dist[bad[0]]), int(bad[0]))
    return j_out, L_out


def _count_difference(zc, zp, wc=None, wp=None) -> str | None:
    """'H: 0 against 16, …' for the elements whose numbers of atoms differ between ``zc`` and ``zp`` (atomic
    numbers, one per atom), or None when every element has as many. ``wc``, ``wp``: the atoms' occupancies, which
    weigh them (a mixed or disordered site is part of an atom): totals equal within 1 % (or 0.05 atom) are equal."""
    import gemmi

    def totals(z, w):
        u, inv = np.unique(z, return_inverse=True)
        return dict(zip(u.tolist(), np.bincount(inv.reshape(-1), weights=None if w is None else w).tolist()))

    a, b = totals(zc, wc), totals(zp, wp)
    differ = [z for z in sorted(set(a) | set(b))
              if abs(a.get(z, 0) - b.get(z, 0)) > max(0.05, 0.01 * max(a.get(z, 0), b.get(z, 0)))]
    if not differ:
        return None
    return ", ".join(f"{gemmi.Element(int(z)).name}: {a.get(z, 0):.4g} against {b.get(z, 0):.4g}" for z in differ)


def check_composition(child, parent, P, p) -> None:
    """The child cell and the parent mapped into it by (P, p) must hold the same atoms of each element (whatever
    the origin): say which differ."""
    diff = composition_mismatch(child, parent, P, p)
    if diff is not None:
        raise SymstrainInputError(child.name, f"the child cell and {parent.name} mapped into it hold different atoms "
                                              f"({diff}): no pairing of the two structures exists")
    sites = composition_mismatch(child, parent, P, p, weighted=False)
    if sites is not None:
        raise SymstrainInputError(child.name, f"the child cell and {parent.name} mapped into it hold the same atoms "
                                              f"weighed by occupancy, on other numbers of sites ({sites}): an "
                                              "order–disorder change, which no one-to-one pairing of displaced atoms "
                                              "describes")


def composition_warning(child, parent, P, p, what: str | None = None):
    """The ``composition_differs`` warning (a :class:`~symstrain.errors.WarningRecord`, or None) of a measure that
    does not pair the two structures and so still gives numbers for a child that lost atoms: ``what`` names those
    numbers ("the predicted intensities and η"); None: the relation itself (``relate``, ``strain``), which holds for
    the cells and operations whatever the atoms."""
    from .errors import WarningRecord

    diff = composition_mismatch(child, parent, P, p)
    if diff is None:
        return None
    head = f"the child cell holds other atoms than {parent.name} mapped into it ({diff}): "
    if what is None:
        return WarningRecord("composition_differs", child.name, head + "the relation holds for the cells and "
                             "symmetry operations, but the child is no distortion of this parent structure (another "
                             "phase, or atoms lost or not located)")
    return WarningRecord("composition_differs", child.name, head + f"{what} are those of another structure (atoms "
                         "lost, or not located)")


#: a lost operation is kept by the child only where its rotation is also a symmetry of the child's lattice: it moves no
#: cell vector by more than this (Å; info's default spglib tolerance, at which it would detect the larger group)
_KEPT_LATTICE_TOL = 0.01


def kept_operations_warning(rel, tol: float = 0.05):
    """The ``lost_operations_kept`` warning (a :class:`~symstrain.errors.WarningRecord`), or None: the operations of
    the parent that the relation counts as lost but that map the child's atoms onto themselves within ``tol`` Å and
    its lattice onto itself within :data:`_KEPT_LATTICE_TOL` Å (one per lost coset, at most :data:`_KEPT_TESTS`
    cosets; sweep 23: P4/mmm → Pmmm with a and b 1 % apart, atoms all on fixed special positions, was said to keep
    −y,x,z, which no lattice with a ≠ b has). A child declared in too low a group (P 1 for a structure
    with more symmetry, a supercell written without its translations) is a subgroup on paper: its domain states,
    antiphase states and symmetry-breaking reflections count operations its structure keeps (sweep 6: a 24-atom P 1
    cell of graphene, 'k12' with 12 antiphase states)."""
    from .errors import WarningRecord
    from .expand import expand_to_cell
    from .notation import triplet

    child = rel.child
    if not child.atoms:
        return None
    frac, species, _, occ = expand_to_cell(child)
    if len(frac) == 0:
        return None
    A = child.cell.matrix()
    perm = Permutations(frac, species_kinds(species, occ), A, tol)
    reps = rel.coset_representatives()[1:]
    A_inv = np.linalg.inv(A)
    kept = []
    for g in reps[:_KEPT_TESTS]:
        # the operation's rotation in Cartesian axes, M, against the nearest true rotation R (polar decomposition):
        # how far M puts each cell vector from where R would (sweep 25: a bound from the longest vector, 40 Å, missed
        # an in-plane 4-fold that moves no vector by more than 0.004 Å)
        M = A @ g[:3, :3] @ A_inv
        U, _, Vt = np.linalg.svd(M)
        if np.linalg.norm((M - U @ Vt) @ A, axis=0).max() > _KEPT_LATTICE_TOL:
            continue
        try:
            perm(g[:3, :3], g[:3, 3])
        except ValueError:
            continue
        kept.append(triplet(np.rint(g[:3, :3]).astype(int), g[:3, 3] % 1.0))
    if not kept:
        return None
    tested = min(len(reps), _KEPT_TESTS)
    return WarningRecord("lost_operations_kept", child.name, f"the child's atoms keep {len(kept)} of the {tested} lost "
                         f"cosets tested (e.g. {', '.join(kept[:3])}, child coordinates, within {tol:g} Å): its "
                         "structure has more symmetry than its declared group, so the index, the domain and antiphase "
                         "states and the symmetry-breaking reflections count operations it keeps (declare its true "
                         "group, or see `symstrain info` for the group detected)")


def relation_notes(rel, what: str | None = None) -> list:
    """The warnings on what a holding relation's structures say beyond their groups (as ``relate`` gives them):
    :func:`composition_warning` (``what``: the measures it affects) and :func:`kept_operations_warning`, those that
    apply."""
    notes = (composition_warning(rel.child, rel.parent, rel.P, rel.p, what), kept_operations_warning(rel))
    return [n for n in notes if n is not None]


def origins_warning(rel, max_distance: float = 2.0, found=None, worst=None):
    """The ``origins_several`` warning (a :class:`~symstrain.errors.WarningRecord`) of a holding relation, or
    None: the origins :func:`valid_origins` finds (one per class modulo the parent's translations and the child's
    polar shift) when there are several. Each puts the
    child's structure elsewhere in the parent's, which the groups cannot tell apart; where both phases have atoms
    and the child at most one polar axis (along which its origin is free: each origin judged at the best shift along
    it), it names the origin whose pairing of the child's atoms with the parent's is tightest (:func:`pair_atoms`
    within ``max_distance`` Å, the parent reference of ``modes``), and says whether it
    is the relation's own (sweep 9: quartz's P6₂22 ⊃ P3₂21 at p = (0, 0, −1/6) leaves Si 0.91 Å from every parent
    Si site; at (0, 0, 1/3) it lies on one). ``found``: :func:`_origins` of the relation, and ``worst``
    :func:`_worst_distances` at those origins, when the caller has them."""
    from .errors import WarningRecord
    from .kvectors import fmt_k

    parent, child = rel.parent, rel.child
    origins, polar = _origins(rel) if found is None else found
    if len(origins) < 2:
        return None
    text = (f"{len(origins)} origins relate the groups: p = " + ", ".join(fmt_k(o) for o in origins)
            + "; each places the child's structure differently in the parent's, and the groups cannot choose")
    if parent.atoms and child.atoms and polar.shape[1] <= 1:
        worst = _worst_distances(rel, origins, max_distance, polar) if worst is None else worst
        k = int(np.argmin(worst))
        along = " once moved along the polar axis" if polar.shape[1] else ""
        if np.isfinite(worst[k]):
            if k == 0:
                text += (f"; the atoms decide for p = {fmt_k(origins[0])}, given here (every child atom within "
                         f"{worst[0]:.3g} Å of a parent atom of its element{along})")
            else:
                own = f"{worst[0]:.3g} Å" if np.isfinite(worst[0]) else f"no pairing within {max_distance:g} Å"
                fix = fmt_k(origins[k]).strip("()").replace(" ", "")
                text += (f"; the atoms decide for p = {fmt_k(origins[k])} (every child atom within {worst[k]:.3g} Å "
                         f"of a parent atom of its element{along}; at p = {fmt_k(origins[0])}, given here: {own}), "
                         f"which modes and order take (modes --p {fix} fixes it)")
        else:
            text += (f"; the atoms decide for none: at each, some child atom lies farther than {max_distance:g} Å "
                     "from every parent atom of its element (an atom misplaced in either file, or another structure)")
    return WarningRecord("origins_several", child.name, text)


def _origins(rel) -> tuple[np.ndarray, np.ndarray]:
    """(the origins :func:`valid_origins` finds for a holding relation, the child's polar directions)."""
    polar = rel.child.spacegroup.symops.polar_directions()
    P, p = np.asarray(rel.P, float), np.asarray(rel.p, float)
    return valid_origins(rel.parent.spacegroup, rel.child.spacegroup, P, p, polar), polar


def _worst_distances(rel, origins, max_distance: float, polar=None) -> list[float]:
    """For each origin, the largest distance (Å) of the one-to-one pairing of the child's atoms with the parent's
    mapped there (:func:`pair_atoms` within ``max_distance``; inf where they do not pair). Where the two cells hold
    an element on different numbers of sites (an order–disorder change: a mixed site splits into ordered ones, sweep
    17's spinel Fd-3m → P4₁22), no one-to-one pairing exists: each child atom's distance to the nearest parent atom
    of its element then (:func:`nearest_distances`). ``polar`` (3, 1): the child's polar direction (fractional),
    along which its origin is free: each origin's distances at the child's best shift along it
    (:func:`_best_polar_shift`; sweep 21: BaTiO₃ P4mm written with its origin on Ti got p = (0, 0, 0), where O lies
    2.7 Å from every parent O, for (½, ½, 0))."""
    from .expand import expand_to_cell_ops

    frac, species = expand_to_cell_ops(rel.child)[:2]
    pf, pz = expand_to_cell_ops(rel.parent)[:2]
    A, P = rel.child.cell.matrix(), np.asarray(rel.P, float)
    worst = []
    for o in origins:
        X, src = parent_in_child_cell(pf, P, o)
        if polar is not None and polar.shape[1] == 1:
            shift = _best_polar_shift(frac, species, X, pz[src], A, polar[:, 0], max_distance)
            if shift is None:
                worst.append(np.inf)
                continue
            shifted = frac + shift
        else:
            shifted = frac
        if _count_difference(species, pz[src]) is not None:
            worst.append(float(nearest_distances(shifted, species, X, pz[src], A, max_distance).max()))
            continue
        try:
            worst.append(float(pair_atoms(shifted, species, X, pz[src], A, max_distance)[2].max()))
        except NoPairing:
            worst.append(np.inf)
    return worst


def _best_polar_shift(frac, species, X, zX, A, direction, max_distance: float):
    """(3,) the shift t·v of the child's atoms ``frac`` along its polar axis (v the shortest lattice vector along the
    fractional ``direction``, 0 ≤ t < 1) that brings every one nearest to a parent atom of its element (``X``,
    ``zX``; cell ``A``): the largest such distance minimised over a grid of ≤ 0.2 Å steps, then refined; None when
    at no step does every atom lie within ``max_distance`` Å."""
    from scipy.optimize import minimize_scalar

    d = np.asarray(direction, float)
    d = d / np.abs(d[np.abs(d) > 1e-9]).min()
    v = np.round(d)
    if np.abs(d - v).max() > 1e-6:  # (a polar axis is a lattice direction: this does not happen)
        return None
    v = v / np.gcd.reduce(np.abs(v).astype(int))
    n = max(8, int(np.ceil(np.linalg.norm(A @ v) / 0.2)))
    nearest = _NearestOfSpecies(X, zX, A, max_distance)  # (the parent's trees once, for every shift)

    def worst(t):
        return float(nearest(frac + t * v, species).max())

    grid = np.arange(n) / n
    scores = np.array([worst(t) for t in grid])
    k = int(np.argmin(scores))
    if not np.isfinite(scores[k]):
        return None
    best = minimize_scalar(worst, bounds=(grid[k] - 1 / n, grid[k] + 1 / n), method="bounded",
                           options={"xatol": 1e-6})
    t = best.x if best.fun <= scores[k] else grid[k]
    return t * v


def nearest_distances(xa: np.ndarray, za: np.ndarray, xb: np.ndarray, zb: np.ndarray, A: np.ndarray,
                      rmax: float) -> np.ndarray:
    """(len(xa),) the distance (Å, periodic, cell ``A`` columns) from each atom a to the nearest atom b of its
    species, inf beyond ``rmax`` or where b has none: many to one, unlike :func:`pair_atoms`."""
    return _NearestOfSpecies(xb, zb, A, rmax)(xa, za)


class _NearestOfSpecies:
    """The atoms b (fractional ``xb``, species ``zb``; cell ``A``) and their images within ``rmax`` Å of the cell, one
    k-d tree per species, made once: called with atoms a (``xa``, ``za``), the distance from each to the nearest b of
    its species (:func:`nearest_distances`; asked again and again for one parent by :func:`_best_polar_shift`)."""

    def __init__(self, xb, zb, A, rmax: float):
        from scipy.spatial import cKDTree

        self.A, self.rmax, self.trees = A, rmax, {}
        for z in np.unique(zb):
            kept, fb = _images_near_cell(xb[zb == z], A, rmax)
            self.trees[z] = cKDTree(fb[kept] @ A.T)

    def __call__(self, xa, za) -> np.ndarray:
        out = np.full(len(xa), np.inf)
        for z in np.unique(za):
            if z in self.trees:
                ia = np.flatnonzero(za == z)
                out[ia] = self.trees[z].query((xa[ia] % 1.0) @ self.A.T, distance_upper_bound=self.rmax)[0]
        return out


def unpaired_reason(rel, max_distance: float = 2.0, found=None) -> str | None:
    """Why a holding relation's structures may not be one structure distorted, or None: at every origin relating the
    groups (:func:`valid_origins`) some child atom lies farther than ``max_distance`` Å from every parent atom of its
    element — an atom misplaced in either file, or another structure of the same composition (sweep 14: zeolite
    frameworks IWR and IWW, same formula and volume, related groups, O 3.7 Å from any parent O at best). Not judged
    (None) where a phase has no atoms, the child has a polar axis (the origin along it is free) or the compositions
    differ (:func:`composition_warning`). ``found``: :func:`_origins` of the relation, when the caller has it."""
    if not rel.parent.atoms or not rel.child.atoms:
        return None
    origins, polar = _origins(rel) if found is None else found
    if polar.size or composition_mismatch(rel.child, rel.parent, rel.P, rel.p) is not None:
        return None
    if np.isfinite(_worst_distances(rel, origins, max_distance)).any():
        return None
    where = "the origin" if len(origins) == 1 else f"each of the {len(origins)} origins"
    return (f"the groups relate (index {rel.index}) but the atoms do not pair: at {where} relating them some child "
            f"atom lies farther than {max_distance:g} Å from every parent atom of its element (an atom misplaced in "
            "either file, or another structure of the same composition)")


def on_atoms_origin(rel, max_distance: float = 2.0, warnings: bool = True):
    """``(relation, its structure_warnings)``: ``rel`` moved to the origin its atoms choose when several origins
    relate the groups (:func:`origins_warning`: the tightest one-to-one pairing of the child's atoms with the
    parent's), else ``rel`` itself. What ``relate`` prints is then the (P, p) that ``modes --P --p`` takes (sweep 18:
    SrTiO₃ Pm-3m ⊃ I4/mcm printed p = (0, 0, 0), where no Ti pairs within 2 Å; the atoms want (½, ½, ½)).
    ``warnings`` False: the relation only (the warnings list empty)."""
    found = _origins(rel)
    origins, polar = found
    worst = None
    if len(origins) > 1 and rel.parent.atoms and rel.child.atoms and polar.shape[1] <= 1:
        worst = _worst_distances(rel, origins, max_distance, polar)
        k = int(np.argmin(worst))
        if k and np.isfinite(worst[k]):
            rel = rel.at_origin(origins[k])
            order = [k] + [i for i in range(len(origins)) if i != k]
            found, worst = (origins[order], polar), [worst[i] for i in order]
    return rel, structure_warnings(rel, max_distance, found, worst) if warnings else []


def structure_warnings(rel, max_distance: float = 2.0, found=None, worst=None) -> list:
    """What ``relate`` says of a holding relation's structures beyond :func:`relation_notes`: the
    :func:`origins_warning` (several origins), or with one origin ``atoms_do_not_pair`` when the child's atoms lie
    nowhere near the parent's (:func:`unpaired_reason`). ``found``: :func:`_origins` of the relation, and ``worst``
    the distances of :func:`_worst_distances` at those origins, when the caller has them."""
    from .errors import WarningRecord

    found = _origins(rel) if found is None else found  # (searched once for both)
    if len(found[0]) > 1:
        return [origins_warning(rel, max_distance, found, worst)]
    why = unpaired_reason(rel, max_distance, found) if len(found[0]) == 1 else None
    return [] if why is None else [WarningRecord("atoms_do_not_pair", rel.child.name, why)]


def composition_mismatch(child, parent, P, p, weighted: bool = True) -> str | None:
    """Which elements the child cell holds in other numbers than the parent mapped into it by (P, p) ('H: 0 against
    16'), or None (also when either has no atoms). For the measures that do not pair the two structures (intensities,
    the child's own average): a child that lost atoms (a file cut short, hydrogens not located) still gives numbers,
    of another structure. ``weighted``: atoms weighed by their occupancies (sweep 17: spinel Fd-3m → P4₁22 orders
    Ti and Mg, on 12 Ti-bearing sites against 8, 4 Ti both), else counted as sites."""
    from .expand import expand_to_cell_ops

    if not child.atoms or not parent.atoms:
        return None
    _, zc, _, wc = expand_to_cell_ops(child)[:4]
    pf, pz, _, wp = expand_to_cell_ops(parent)[:4]
    src = parent_in_child_cell(pf, np.asarray(P, float), np.asarray(p, float))[1]
    return _count_difference(zc, pz[src], wc, wp[src]) if weighted else _count_difference(zc, pz[src])


def no_pairing_message(child, parent, rel, failures, frac, site, rmax, reference) -> str:
    """One line saying that no valid origin pairs the child's atoms with the reference, with the closest attempt
    (``failures``: (origin, exception) per origin tried)."""
    from .kvectors import fmt_k
    from .notation import basis_string

    worst = min(failures, key=lambda f: getattr(f[1], "worst", np.inf))
    p, exc = worst
    if isinstance(exc, NoPairing) and exc.index >= 0:
        lab = child.atoms[site[exc.index]].label
        detail = (f"at best (origin p = {fmt_k(p)}) atom {lab} is {exc.worst:.2f} Å from the nearest parent atom "
                  "of its element" if np.isfinite(exc.worst) else f"at best (origin p = {fmt_k(p)}): {exc}")
    else:
        detail = str(exc)
    hint = "; try --reference symmetrized or a larger --max-distance" if reference == "parent" else ""
    if reference == "parent" and parent.atoms:
        from .neighbours import close_contacts

        # a parent whose own atoms clash (its coordinates written for another origin than its operators, as the
        # Cmcm lawsonite files of ../shared) pairs with nothing: say so, it is the likelier cause
        bad = close_contacts(parent, max_pairs=1)
        if bad:
            a, b, d, _, kind = bad[0]
            hint += (f" (note: {parent.name} has an impossible contact {a}–{b} {d:.2f} Å, {kind}: its atoms may not "
                     "fit its operators)")
    return (f"no pairing of its atoms with those of {parent.name} mapped into the child cell by "
            f"P = {basis_string(rel.P)} within {rmax} Å for any of the {len(failures)} valid origins: "
            f"{detail}{hint}")



@dataclass(frozen=True, eq=False)
class SiteSplit:
    """One orbit of the parent (a site of the parent file, or an orbit of the averaged child) and the child sites its
    atoms went to: ``child_sites`` ((label, number of atoms in the child cell), ...); ``max_displacement`` Å."""

    parent_site: str
    element: str
    n_atoms: int
    child_sites: tuple
    max_displacement: float
    #: Wyckoff position of the parent site ("4c": its atoms in the parent cell, spglib's letter of the standard
    #: setting), None when unknown (averaged reference, or spglib finds another group); ``child_sites`` entries are
    #: (label, atoms in the child cell, Wyckoff position or None)
    parent_wyckoff: str | None = None

    def to_dict(self) -> dict:
        from .contract import quantity

        return {"parent_site": self.parent_site, "parent_wyckoff": self.parent_wyckoff, "element": self.element,
                "n_atoms": self.n_atoms,
                "child_sites": [{"site": s, "n_atoms": n, "wyckoff": w} for s, n, w in self.child_sites],
                "max_displacement": quantity(self.max_displacement, None)}


def wyckoff_positions(phase) -> dict:
    """Site label → Wyckoff position ("4c": atoms of the site in the file's cell and spglib's letter, which refers to
    the group's standard setting); empty when spglib does not find the declared group at 1e-3 Å."""
    import spglib

    from .detect import spglib_cell
    from .expand import expand_to_cell
    from .spacegroup import spglib_call

    lattice, positions, types, _ = spglib_cell(phase)
    if len(types) == 0:
        return {}
    ds = spglib_call(spglib.get_symmetry_dataset, (lattice, positions, types), symprec=1e-3)
    if ds is None or int(ds.number) != int(phase.spacegroup.number):
        return {}
    _, _, site, _ = expand_to_cell(phase)
    out = {}
    for k, s in enumerate(site):
        lab = phase.atoms[s].label
        if lab not in out:
            out[lab] = f"{int(np.sum(site == s))}{ds.wyckoffs[k]}"
    return out


def splitting(parent_sites, labels, elements, U, wyck_p, wyck_c, zero: float = 0.0) -> tuple[SiteSplit, ...]:
    """The Wyckoff-splitting table: per parent orbit (``parent_sites``, one per child atom), the child sites its
    atoms went to, with the largest displacement |U| (Å; below ``zero`` Å rounding, written as exactly 0);
    ``wyck_p``/``wyck_c`` map site labels to Wyckoff positions."""
    rows: dict = {}
    for ps, lab, el, u in zip(parent_sites, labels, elements, np.linalg.norm(U, axis=1)):
        r = rows.setdefault((ps, el), {"n": 0, "child": {}, "umax": 0.0})
        r["n"] += 1
        r["child"][lab] = r["child"].get(lab, 0) + 1
        r["umax"] = max(r["umax"], float(u))
    return tuple(SiteSplit(ps, el, r["n"], tuple((c, n, wyck_c.get(c)) for c, n in r["child"].items()),
                           r["umax"] if r["umax"] >= zero else 0.0, wyck_p.get(ps)) for (ps, el), r in rows.items())
