"""The lattice correspondence of a parent and a child structure: the matrix P and the origin shift p.

What lives here: :func:`correspondences` — every P (child basis = parent basis · P, columns parent-lattice vectors,
det > 0) that maps the parent lattice onto the child cell within a finite-strain tolerance, lazily, in the order
``relate`` tries them (smallest misfit, then the simplest P), and :func:`lattice_candidates`, those of one misfit
bound at once; :func:`finite_strain_norm(s) <finite_strain_norm>` — the misfit measure; :func:`find_origin` — the
origin shifts p (on a 1/24 grid, finer for a fractional P) that make every child operation a parent operation for one
P. What does not: the verdict and the relation record (``relation.py``), what a relation implies for tensors and
domains (``ferroic.py``), the lost cosets (``cosets.py``).

Conventions are ``relation.py``'s: child basis = parent basis · P, x_parent = P·x_child + p; a child operation
(W_c, w_c) is the parent operation W_p = P W_c P⁻¹, w_p = P w_c + p − W_p p (modulo parent lattice translations).

Bounds (issue 11: no run past 10 s or 2 GB)
-------------------------------------------
Real pairs have at most a few dozen correspondences within the default tolerance 0.08 and a 72-fold supercell of
lawsonite ≈ 3,000; a cell with one very short axis beside long ones has hundreds of thousands (every long vector
sheared by the short one fits: 554,000 for 1000 × 1000 × 1 Å, which took 25 s, and 1000 × 1000 × 0.5 Å took 100 s
and 2 GB). So where there are many (more than ``_Search.FEW`` vector combinations), the candidates are made in
rising misfit bounds (:data:`MISFIT_STEPS`, then the tolerance), each step listing exactly the next ones in the final
order, and the search stops at the first that serves: a structure related to itself never needs more than the first
step. The index box may hold at most :data:`MAX_BOX` parent-lattice vectors; one step may list at most
:data:`MAX_CANDIDATES` correspondences and compare at most :data:`MAX_TESTS` vector pairs (or pairs × third
vectors); ``relate`` searches the origin of at most :data:`MAX_TRIALS` correspondences (≤ ~2 ms each). Beyond, the
answer is a one-line :class:`~symstrain.errors.SymstrainInputError` asking for a smaller tolerance, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from .errors import SymstrainInputError
from .notation import triplet as op_to_xyz
from .matrix_exact import inverse, ranks
from .ops import TOL, _rotation_codes
from .phase import Cell, SpaceGroupInfo

#: misfit bounds of the first steps of :func:`correspondences` (below the tolerance; four decimals, as the order)
MISFIT_STEPS = (0.005, 0.02)
#: the most correspondences one step lists
MAX_CANDIDATES = 100_000
#: the most vector pairs (a, b), and pairs × c vectors, one step compares
MAX_TESTS = 50_000_000
#: the most correspondences whose origin is searched (each ≤ ~2 ms) before the search gives up
MAX_TRIALS = 5_000
#: the most parent-lattice vectors (index box × centring vectors) in the search box
MAX_BOX = 2_000_000
#: pairs or pair × vector tests made at once (memory of one block: ~16 bytes each)
_BLOCK = 2_000_000
#: box vectors (times centrings) whose length is pre-filtered at once (memory of one block: ~100 bytes each)
_PREFILTER_BLOCK = 8_192


def correspondences(parent: Cell, centring: np.ndarray, child: Cell, tol: float,
                    source: str = "child") -> Iterator[tuple[float, np.ndarray]]:
    """(misfit, P) of every lattice correspondence within finite strain ``tol`` (see :func:`lattice_candidates`),
    lazily, in the order ``relate`` tries them (:func:`order`). Where there are many, the steps of
    :data:`MISFIT_STEPS` come first, and each step yields exactly the next ones in that order: a correspondence whose
    misfit rounds (to four decimals) below the step's bound has misfit ≤ the bound, so the step has them all."""
    search = _Search(parent, centring, child, tol, source)
    lower = -1.0
    for bound in ([tol] if search.few else [b for b in MISFIT_STEPS if b < tol] + [tol]):
        misfits, Ps = search.within(bound)
        keys = np.array([round(m, 4) for m in misfits.tolist()])
        take = (keys >= lower) & ((keys < round(bound, 4)) | (bound == tol))
        yield from zip(misfits[take].tolist(), Ps[take])
        lower = round(bound, 4)


def lattice_candidates(parent: Cell, centring: np.ndarray, child: Cell, tol: float, source: str = "child", *,
                       within: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(misfits (m,), P (m, 3, 3)): every P (columns = child basis vectors in parent fractional units, parent-lattice
    vectors, det > 0) whose child metric matches ``child`` within finite strain ``tol`` — and within ``within`` ≤
    ``tol`` when given — in the order of :func:`order`.

    Pre-filters (of ``tol``): each child axis length within ±tol of the parent vector's, each cosine within 2·tol.
    With ``within`` = w they are narrowed by what a misfit ≤ w implies (length ratio in [1/√(1 + 2w), 1/√(1 − 2w)],
    metric entries within 2w/(1 − 2w)·L_i·L_j), so the result is exactly the candidates of ``tol`` with misfit ≤ w.
    Raises :class:`SymstrainInputError` (``source``) past the bounds of the module docstring."""
    return _Search(parent, centring, child, tol, source).within(tol if within is None else min(within, tol))


class _Search:
    """The parent-lattice vectors that may stand for each child axis (the index box of ``tol``, made once), and the
    candidates within a misfit bound made from them (:meth:`within`)."""

    #: at most this many (a, b, c) vector combinations at ``tol``: one step is enough
    FEW = 20_000

    def __init__(self, parent: Cell, centring: np.ndarray, child: Cell, tol: float, source: str):
        self.tol, self.source = tol, source
        A_p = parent.matrix()
        self.G_p = A_p.T @ A_p
        self.G_c = child.metric()
        self.L_c = np.sqrt(np.diag(self.G_c))
        recip = np.linalg.norm(np.linalg.inv(A_p), axis=1)  # |a*_i|: |n_i| <= |v|·|a*_i|
        nmax = np.floor(self.L_c.max() * (1 + tol) * recip).astype(int) + 1
        n_box = int(np.prod(2 * nmax + 1)) * len(centring)
        if n_box > MAX_BOX:
            raise SymstrainInputError(
                source, f"child cell is too large a supercell of the parent to search: {n_box:,} parent-lattice vectors "
                f"up to {self.L_c.max() * (1 + tol):.4g} Å long (more than {MAX_BOX:,}; a very large supercell, or a "
                "very short axis beside long ones)")
        dims = 2 * nmax + 1
        cent = np.asarray(centring, dtype=float).reshape(-1, 3)
        # a loose pre-filter on the lengths |n + c| (from |n|², n·G·c and |c|², without forming the vectors: the box
        # grows with the cube of the longest axis, the shell of lengths that can fit one axis is a part of it), then
        # the exact test below on the vectors it keeps, in the same order as the whole box. The box is made in
        # slices of at most _PREFILTER_BLOCK vectors (its rows in row-major order: np.indices' order), each centring
        # against every slice, so memory is that of a slice and of the shell, not of the box
        cGc = np.einsum("ij,ij->i", cent @ self.G_p, cent)  # a loose pre-filter: any rounding of |c|² serves
        n_ints = int(np.prod(dims))
        step = min(n_ints, _PREFILTER_BLOCK)
        rows = max(1, _PREFILTER_BLOCK // n_ints)  # centrings at a time (several only when the box is one slice)

        def box(s0):  # rows s0 … s0 + step of the box, their n·G and |n|²
            rows_k = (np.indices(dims).reshape(3, -1).T if step == n_ints  # the whole box at once
                      else np.stack(np.unravel_index(np.arange(s0, min(s0 + step, n_ints)), dims), axis=1))
            ints = (rows_k - nmax).astype(float, order="C")
            nG = ints @ self.G_p
            return ints, nG, np.einsum("ij,ij->i", nG, ints)

        whole = box(0) if step == n_ints else None
        kept = []
        for c0 in range(0, len(cent), rows):
            for s0 in range(0, n_ints, step):
                ints, nG, nGn = whole or box(s0)
                length = np.sqrt(np.maximum(nGn[None, :] + 2 * (cent[c0:c0 + rows] @ nG.T)
                                            + cGc[c0:c0 + rows, None], 0.0))
                loose = (np.abs(length[..., None] / self.L_c - 1) <= tol + 1e-6).any(axis=-1)  # some child axis
                ic, ik = np.nonzero(loose)  # row-major: centring-major, as (ints + centring) reshaped
                kept.append(ints[ik] + cent[c0 + ic])
        vecs = np.concatenate(kept)
        vecs = vecs[np.any(np.abs(vecs) > 1e-9, axis=1)]
        ratio = np.linalg.norm(vecs @ A_p.T, axis=1)[:, None] / self.L_c[None, :]  # parent vector / child axis
        near = np.abs(ratio - 1) <= tol
        keep = near.any(axis=1)
        self.vecs, self.ratio, near = vecs[keep], ratio[keep], near[keep]
        self.near = near
        self.few = int(np.prod(near.sum(axis=0), dtype=float)) <= self.FEW

    def within(self, w: float) -> tuple[np.ndarray, np.ndarray]:
        """:func:`lattice_candidates` with ``within`` = w."""
        tol, source, G_p, G_c, L_c = self.tol, self.source, self.G_p, self.G_c, self.L_c
        lo, hi = 1 / np.sqrt(1 + 2 * w), 1 / np.sqrt(1 - 2 * w)
        cos_tol = min(2 * tol, 2 * w / (1 - 2 * w))
        ok = self.near & (self.ratio >= lo) & (self.ratio <= hi)
        a_c, b_c, c_c = (self.vecs[ok[:, i]] for i in range(3))
        none = np.zeros(0), np.zeros((0, 3, 3))
        if not (len(a_c) and len(b_c) and len(c_c)):
            return none
        _check(len(a_c) * len(b_c), MAX_TESTS, "pairs of axis vectors to compare", source, tol)
        g0 = G_c / np.outer(L_c, L_c)
        # pair (a, b) by γ, then add c, in blocks of a-rows and of pairs
        bG = b_c @ G_p
        ia, ib = [], []
        rows = max(1, _BLOCK // len(b_c))
        for r0 in range(0, len(a_c), rows):
            ab = (a_c[r0:r0 + rows] @ bG.T) / (L_c[0] * L_c[1])
            i, j = np.nonzero(np.abs(ab - g0[0, 1]) <= cos_tol)
            ia.append(i + r0)
            ib.append(j)
        ia, ib = np.concatenate(ia), np.concatenate(ib)
        if not len(ia):
            return none
        _check(len(ia) * len(c_c), MAX_TESTS, "vector triples to compare", source, tol)
        ac = (a_c @ G_p @ c_c.T) / (L_c[0] * L_c[2])  # (n_a, n_c)
        bc = (b_c @ G_p @ c_c.T) / (L_c[1] * L_c[2])  # (n_b, n_c)
        misfits, Ps, n = [], [], 0
        block = max(1, _BLOCK // len(c_c))
        for s0 in range(0, len(ia), block):
            pa, pb = ia[s0:s0 + block], ib[s0:s0 + block]
            k, ic = np.nonzero((np.abs(ac[pa] - g0[0, 2]) <= cos_tol) & (np.abs(bc[pb] - g0[1, 2]) <= cos_tol))
            P = np.stack([a_c[pa[k]], b_c[pb[k]], c_c[ic]], axis=2)  # (m, 3, 3), columns va, vb, vc
            P = P[np.linalg.det(P) >= 1e-6]
            if not len(P):
                continue
            misfit = finite_strain_norms(np.einsum("mji,jk,mkl->mil", P, G_p, P), G_c)
            keep = misfit <= w
            n += int(keep.sum())
            _check(n, MAX_CANDIDATES, "lattice correspondences", source, tol)
            misfits.append(misfit[keep])
            Ps.append(P[keep])
        if not n:
            return none
        misfits, Ps = np.concatenate(misfits), np.concatenate(Ps)
        i = order(misfits, Ps)
        return misfits[i], Ps[i]


def _check(n: int, limit: int, what: str, source: str, tol: float) -> None:
    if n > limit:
        raise SymstrainInputError(source, f"the cells admit {n:,} {what} within strain tolerance {tol:g}, more than the "
                                          f"{limit:,} searched (a very short axis beside long ones?); give a smaller "
                                          "tolerance (--tol)")


def order(misfits: np.ndarray, Ps: np.ndarray) -> np.ndarray:
    """The order in which ``relate`` tries correspondences (indices into ``misfits`` (m,) and ``Ps`` (m, 3, 3)): by
    misfit rounded to four decimals, then the simplest P (smallest Σ|P_ij|), the closest to the identity (largest
    trace), columns pointing forward (first non-zero entry positive), then by the entries (column by column, larger
    first) — a total order, so the same set of candidates always comes in the same order."""
    m = len(Ps)
    first = np.argmax(np.abs(Ps) > 1e-9, axis=1)  # (m, 3): row of each column's first non-zero entry
    backward = Ps[np.arange(m)[:, None], first, np.arange(3)[None, :]] < 0
    entries = -np.round(np.swapaxes(Ps, 1, 2).reshape(m, 9), 6)
    keys = ([entries[:, j] for j in range(8, -1, -1)] + [backward[:, j] for j in (2, 1, 0)]
            + [-np.round(np.trace(Ps, axis1=1, axis2=2), 6), np.round(np.abs(Ps).sum(axis=(1, 2)), 6),
               np.array([round(x, 4) for x in misfits.tolist()])])
    return np.lexsort(keys)


def finite_strain_norms(G0: np.ndarray, G: np.ndarray) -> np.ndarray:
    """:func:`finite_strain_norm` of a stack of metrics G0 (m, 3, 3) against one G."""
    L = np.linalg.cholesky(G0)
    Li = np.linalg.inv(L)
    E = 0.5 * (Li @ G @ np.swapaxes(Li, 1, 2) - np.eye(3))
    return np.max(np.abs(np.linalg.eigvalsh(E)), axis=1)


def finite_strain_norm(G0: np.ndarray, G: np.ndarray) -> float:
    """Largest |eigenvalue| of the Green–Lagrange strain taking metric G0 to metric G."""
    return float(finite_strain_norms(np.asarray(G0, dtype=float)[None], G)[0])


_ORIGIN_GRID = 24  # origin shifts searched on a 1/24 grid: covers 1/2, 1/3, 1/4, 1/6, 1/8 (d-glides)
#: the grid k (origins k/24), as floats (exact small integers, for BLAS products)
_ORIGIN_K = np.stack(np.meshgrid(*[np.arange(_ORIGIN_GRID, dtype=float)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
_ORIGIN_K.setflags(write=False)


def _map_child_ops(P: np.ndarray, child: SpaceGroupInfo):
    """Child rotations in the parent basis, W_p = P W_c P⁻¹, and the child translations P·w_c."""
    W = P @ child.rotations.astype(float) @ inverse(P)
    return W, child.translations @ P.T


#: up to this many (child operation, parent operation) pairs the right sides of :func:`find_origin` are made for all
#: pairs at once; beyond (groups listing a supercell's translations), only for the pairs of one rotation
_DENSE_PAIRS = 4_096
#: the most (operation, grid point, parent operation) comparisons made at once when the origins left by the first
#: operation are tested against all the others together (else one operation at a time)
_MAX_JOINT = 200_000


def find_origin(P: np.ndarray, parent: SpaceGroupInfo, child: SpaceGroupInfo):
    """Origin shifts p making every child op a parent op, or (None, reason). Vectorised over a p grid: 1/24, and
    where P has fractional entries (a child cell of the parent's centred lattice) and none is found there, 1/(24·q)
    with q the entries' common denominator: a child origin at 1/24 then lies at 1/48 in the parent (P = (a, b,
    −1/2a + 1/2c) with the child's origin at (3/8, 5/12, 1/24): no origin was found)."""
    p, why = _find_origin_on(P, parent, child, _ORIGIN_GRID)
    if p is None:
        q = _denominator(P)
        if q > 1:
            p2, _ = _find_origin_on(P, parent, child, _ORIGIN_GRID * q)
            if p2 is not None:
                return p2, None
    return p, why


def _denominator(P: np.ndarray) -> int:
    """The least common denominator (≤ 12) of the entries of P; 1 for an integer matrix."""
    from fractions import Fraction
    from math import lcm

    return lcm(*(Fraction(float(x)).limit_denominator(12).denominator for x in np.asarray(P, float).ravel()))


@lru_cache(maxsize=None)
def _origin_grid(n_grid: int) -> np.ndarray:
    """Every k of the n_grid³ origin grid (origins k/n_grid), in C order, as floats (exact small integers)."""
    if n_grid == _ORIGIN_GRID:
        return _ORIGIN_K
    k = np.stack(np.meshgrid(*[np.arange(n_grid, dtype=float)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    k.setflags(write=False)
    return k


def _find_origin_on(P: np.ndarray, parent: SpaceGroupInfo, child: SpaceGroupInfo, n_grid: int):
    """:func:`find_origin` on the grid of origins k/n_grid."""
    grid_k = _origin_grid(n_grid)
    G = parent.symops
    W, tw = _map_child_ops(P, child)
    Wi = np.round(W)
    bad = np.max(np.abs(W - Wi), axis=(1, 2)) > 1e-6
    own = G._rot_codes  # one code per parent rotation (−1: not a valid rotation)
    w_code = _rotation_codes(Wi)
    valid = set(own.tolist()) - {-1}
    for n, c in enumerate(w_code.tolist()):
        if bad[n] or c not in valid:  # not a parent rotation (G.has_rotations)
            return None, (
                f"child operation {op_to_xyz(child.rotations[n], child.translations[n])} has rotation part "
                f"{op_to_xyz(Wi[n] if not bad[n] else W[n], np.zeros(3))} in the parent basis, "
                "which is not a rotation of the parent point group"
            )
    I_W = np.eye(3)[None] - Wi
    # the right sides 24·(t − P w_c) mod 24 for every (child operation, parent operation (W, t) of its rotation),
    # kept where they are integral within the tolerance of the operations; coded as one number (code below)
    if len(W) * len(G.translations) <= _DENSE_PAIRS:  # all pairs at once, those of another rotation never kept
        m = n_grid * (G.translations[None, :, :] - tw[:, None, :])
        mi = np.rint(m)
        keep = (w_code[:, None] == own[None, :]) & np.all(np.abs(m - mi) < TOL * n_grid, axis=2)
        mi %= n_grid
        want_all = (mi[..., 0] * n_grid + mi[..., 1]) * n_grid + mi[..., 2]
        want_all[~keep] = -1  # never a code

        def sides(n: int):  # the codes and the rows of the right sides of child operation n
            return want_all[n][keep[n]], mi[n][keep[n]]

        def sides_of(rest):  # (len(rest), ·) codes, −1 where none
            return want_all[rest]
    else:
        # only the pairs of one rotation (child operation n: rows starts[n] … starts[n + 1], parent operations in
        # their order), not all |H|·|G|: a group that lists a supercell's translations has the square of them
        by_rot = np.argsort(own, kind="stable")
        lo, hi = np.searchsorted(own[by_rot], w_code, "left"), np.searchsorted(own[by_rot], w_code, "right")
        counts = hi - lo
        starts = np.concatenate([[0], np.cumsum(counts)])
        pair_g = by_rot[np.repeat(lo, counts) + np.arange(starts[-1]) - np.repeat(starts[:-1], counts)]
        m = n_grid * (G.translations[pair_g] - np.repeat(tw, counts, axis=0))
        mi = np.rint(m)
        keep = np.all(np.abs(m - mi) < TOL * n_grid, axis=1)
        mi %= n_grid
        want_pairs = (mi[:, 0] * n_grid + mi[:, 1]) * n_grid + mi[:, 2]
        want_pairs[~keep] = -1

        def sides(n: int):
            rows = slice(starts[n], starts[n + 1])
            return want_pairs[rows][keep[rows]], mi[rows][keep[rows]]

        def sides_of(rest):
            cr = counts[rest]
            col = np.arange(cr.sum()) - np.repeat(np.cumsum(cr) - cr, cr)
            out = np.full((len(rest), max(int(cr.max()), 1)), -1.0)
            out[np.repeat(np.arange(len(rest)), cr), col] = want_pairs[np.repeat(starts[rest], cr) + col]
            return out

    def code(v: np.ndarray) -> np.ndarray:
        return (v[..., 0] * n_grid + v[..., 1]) * n_grid + v[..., 2]

    def solutions(n: int, k: np.ndarray) -> np.ndarray:
        """(len(k),) bool: with p = k/n_grid, is w_p(p) = P w_c + p − W p a parent translation for the rotation W
        (mod 1)? That is (I − W)·k ≡ n·(t − P w_c) (mod n), n = n_grid, for a parent operation (W, t)."""
        want = sides(n)[0]
        if not len(want) or not len(k):
            return np.zeros(len(k), dtype=bool)
        got = code((k @ I_W[n].T) % n_grid)  # exact: small integers in float64
        return (got[:, None] == want[None, :]).any(axis=1) if len(want) < 16 else np.isin(got, want)

    def first(n: int) -> np.ndarray:
        """Every grid k (sorted like the grid) that serves operation n: axis by axis when I − W is diagonal."""
        M = I_W[n]
        if np.any(M - np.diag(np.diag(M))):
            return grid_k[solutions(n, grid_k)]
        # the union over the right sides of boxes of axis solutions, marked on the grid (C order = grid order)
        d = [int(x) for x in np.diag(M).tolist()]
        grid = np.zeros((n_grid,) * 3, dtype=bool)
        for row in sides(n)[1].tolist():
            grid[np.ix_(*(_axis_solutions(di, int(ri), n_grid) for di, ri in zip(d, row)))] = True
        return grid_k[np.flatnonzero(grid)]

    def sift(order):
        """Grid points k (origins k/n_grid, in grid order) that make the operations ``order`` parent operations,
        tested in that order, and the first operation that left none (None when some are left)."""
        order = list(order)
        k = first(order[0])
        if not len(k):
            return k, order[0]
        for n in order[1:]:
            k = k[solutions(n, k)]
            if not len(k):
                return k, n
        return k, None

    # the set of origins that work does not depend on the order of the tests: the operations that pin p most
    # (largest rank of I − W: the inversion fixes all three coordinates) go first and leave few origins for the rest,
    # which are then tested together where that is small
    order = np.argsort(-ranks(I_W), kind="stable")
    k = first(order[0])
    rest = order[1:]
    if len(k) and len(rest) and len(rest) * len(k) * len(G.translations) <= _MAX_JOINT:
        got = code(np.einsum("kj,nij->nki", k, I_W[rest]) % n_grid)  # (rest, k)
        k = k[(got[:, :, None] == sides_of(rest)[:, None, :]).any(axis=2).all(axis=0)]
        failed = None if len(k) else -1
    else:
        k, failed = sift(order)
    if failed is not None:
        _, n = sift(range(len(W)))  # the file's order names the operation at fault, as it always has
        return None, (
            f"child operation {op_to_xyz(child.rotations[n], child.translations[n])} maps to "
            f"{op_to_xyz(Wi[n], tw[n] % 1)} in the parent basis, which is not a parent operation for any "
            "origin shift compatible with the other child operations"
        )
    cands = k / n_grid
    centred = cands - np.round(cands)  # nearest-origin representative in (−1/2, 1/2]
    best = cands[np.argmin(np.linalg.norm(centred, axis=1) + 1e-9 * np.arange(len(cands)))]
    best = best - np.round(best)
    best[np.abs(best + 0.5) <= 1e-8 + 1e-5 * 0.5] = 0.5  # np.isclose(best, -0.5), without its overhead
    return best + 0.0, None


@lru_cache(maxsize=None)
def _axis_solutions(d: int, r: int, n_grid: int = _ORIGIN_GRID) -> np.ndarray:
    """The k in 0…n_grid − 1 with d·k ≡ r (mod n_grid) (a table: d and r are small integers)."""
    out = np.flatnonzero((d * np.arange(n_grid) - r) % n_grid == 0)
    out.setflags(write=False)
    return out
