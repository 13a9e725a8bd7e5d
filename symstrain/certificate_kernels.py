"""The numeric kernels of the ladder certificates (``ladder_certificate.py``), written for many small problems.

What lives here: distances from points to the nearest atom of a type (:class:`_SameKind`: the few pairs of a small
cell measured in one block of numpy operations, the others through a :class:`~symstrain.neighbours.NearestOfKind`
made on first use), the exact grid matching that measures how far a group's operations move the atoms
(:func:`_moved_exactly`), the rounds that refute candidate operations (:func:`_all_refuted`), rows deduplicated and
matched by a checked 64-bit hash (:func:`_first_rows`, :func:`_distinct`, :func:`_equal_rows`), and products of a
3 × 3 matrix with a stack of them as one BLAS call (:func:`_left`, :func:`_right`, :func:`_rows_times`: a call per
3 × 3 matrix costs more than its arithmetic; the same numbers, bit for bit, on every corpus cell). What does not:
what spglib does and the proofs built on it (``ladder_certificate.py``), the general neighbour search
(``neighbours.py``).

Every distance is the one a NearestOfKind measures (fractional differences taken to (−1/2, 1/2], then
``einsum("pk,pk->p")`` of the Cartesian vector): the certificates decide the same whichever path measured it.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from .neighbours import NearestOfKind


def _left(P: np.ndarray, X: np.ndarray) -> np.ndarray:
    """P·X[i] for each matrix of the stack X (k, 3, m), P (p, 3): (k, p, m) — as one matrix product (a product per
    3 × 3 matrix of a stack costs a BLAS call each, more than the arithmetic)."""
    k, _, m = X.shape
    return (P @ X.transpose(1, 0, 2).reshape(3, k * m)).reshape(len(P), k, m).transpose(1, 0, 2)


def _right(X: np.ndarray, P: np.ndarray) -> np.ndarray:
    """X[i]·P for each matrix of the stack X (k, q, 3), P (3, m): (k, q, m), as one matrix product."""
    return (X.reshape(-1, 3) @ P).reshape(X.shape[0], X.shape[1], P.shape[1])


def _rows_times(Y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Y·X[i]ᵀ for each matrix of the stack X (k, 3, 3), Y (q, 3) (rows of coordinates mapped by each matrix):
    (k, q, 3), as one matrix product."""
    return (Y @ X.transpose(2, 0, 1).reshape(3, -1)).reshape(len(Y), len(X), 3).transpose(1, 0, 2)


def _type_sizes(types: np.ndarray) -> np.ndarray:
    """(n,) int: how many atoms have the type of each atom (``types`` (n,) int, n ≥ 1)."""
    if types.min() >= 0 and types.max() <= 4 * len(types) + 64:  # spglib's small labels: count them directly
        return np.bincount(types)[types]
    _, kind_of, counts = np.unique(types, return_inverse=True, return_counts=True)
    return counts.reshape(-1)[kind_of.reshape(-1)]


def _of_rarest_type(types: np.ndarray) -> np.ndarray:
    """(n,) bool: the atoms whose type (``types`` (n,) int, n ≥ 1) has the fewest atoms."""
    sizes = _type_sizes(types)
    return sizes == sizes.min()


#: multipliers of :func:`_first_rows`'s hash of a row (odd 64-bit constants; any will do: every match is checked)
_ROW_HASH = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                      0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
                      0x2545F4914F6CDD1D], dtype=np.uint64)


def _row_hash(X: np.ndarray) -> np.ndarray:
    """(k,) uint64 hash of each row of the C-contiguous int64 array ``X`` (k, m ≤ 9); equal rows, equal hashes."""
    return X.view(np.uint64) @ _ROW_HASH[:X.shape[1]]  # modulo 2⁶⁴


def _equal_rows(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i, j) with X[i] = Y[j] (int64 arrays (k, m), (l, m)), i ascending then j: candidates by hash,
    each then compared entry by entry (a collision, never met, compares every pair)."""
    X, Y = np.ascontiguousarray(X, dtype=np.int64), np.ascontiguousarray(Y, dtype=np.int64)
    i, j = (_row_hash(X)[:, None] == _row_hash(Y)[None, :]).nonzero()
    if (X.take(i, axis=0) == Y.take(j, axis=0)).all():
        return i, j
    return np.nonzero((X[:, None, :] == Y[None, :, :]).all(axis=2))


def _first_rows(X: np.ndarray) -> np.ndarray:
    """Sorted indices of the first occurrence of each distinct row of the int64 array ``X`` (k, m ≤ 9): rows grouped
    by a 64-bit hash (one stable sort of k numbers), each row then compared with the first of its group; a collision
    (never met) falls back to sorting the rows as byte strings."""
    X = np.ascontiguousarray(X, dtype=np.int64)
    if len(X) <= 48:  # a few rows: a dictionary of their bytes costs less than the sort (measured: up to ~50)
        seen: dict[bytes, int] = {}
        for i, row in enumerate(X):
            seen.setdefault(row.tobytes(), i)
        return np.array(sorted(seen.values()), dtype=np.int64)
    h = _row_hash(X)
    order = h.argsort(kind="stable")  # equal hashes in the order of the rows
    hs = h[order]
    new = np.empty(len(h), dtype=bool)
    new[0] = True
    np.not_equal(hs[1:], hs[:-1], out=new[1:])
    lead = order[new]  # the first row of each hash
    if (X.take(order, axis=0) == X.take(lead.take(new.cumsum() - 1), axis=0)).all():
        return np.sort(lead)
    rows = X.view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).reshape(-1)
    return np.sort(np.unique(rows, return_index=True)[1]).astype(np.int64)


def _distinct(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct matrices of a stack (k, 3, 3), first occurrences in order, compared to 1e-6, and their codes
    (the entries ×10⁶, rounded: (m, 9) int64)."""
    codes = np.rint(W.reshape(len(W), 9) * 1e6).astype(np.int64)
    keep = _first_rows(codes)
    return W[keep], codes[keep]


#: at most this many (point, atom) pairs are measured in one block by :class:`_SameKind` (beyond: a NearestOfKind)
_DENSE_PAIRS = 4096


@functools.lru_cache(maxsize=256)
def _pairs_of(c: int) -> np.ndarray:
    """(2, c(c − 1)/2) every pair i < j of range(c) (read-only)."""
    out = np.array(np.triu_indices(c, 1), dtype=np.intp)
    out.flags.writeable = False
    return out


class _SameKind:
    """The atoms of a cell (``pos`` (n, 3) fractional, ``types`` (n,) int, ``A`` cell vectors as columns, Å) for the
    certificate's distance questions, each answered with the distances a
    :class:`~symstrain.neighbours.NearestOfKind` of reach ``r`` measures (the shortest image: fractional
    differences in (−1/2, 1/2]) — in one block of numpy operations over every (point, atom of its type) pair when
    they are few (the small cells, where the search's set-up would cost more than the measuring), else by that
    search (made on first use)."""

    def __init__(self, pos, types, A, r: float, sizes=None):
        self.pos, self.types, self.A, self.r = pos, types, A, float(r)
        self.sizes = _type_sizes(types) if sizes is None else sizes  # atoms of each atom's type
        self.frac = pos % 1.0  # the search's copy of the atoms
        self._search = None

    @property
    def search(self):
        """The :class:`~symstrain.neighbours.NearestOfKind` of these atoms, reach ``r``."""
        if self._search is None:
            self._search = NearestOfKind(self.pos, self.types, self.A, self.r)
        return self._search

    def _squares(self, diff: np.ndarray) -> np.ndarray:
        """Squared Å of fractional differences ``diff`` (..., 3; overwritten) taken to their shortest image."""
        diff -= np.rint(diff)
        v = diff.reshape(-1, 3) @ self.A.T
        return np.einsum("pk,pk->p", v, v).reshape(diff.shape[:-1])

    def pair_within(self, r: float, near=None) -> bool:
        """True when two atoms of one type lie within ``r`` Å (≤ the reach) of each other. ``near``: None, or a
        callable giving ``(frac, i, j, reach)``, every pair i < j of the atoms ``frac`` (n, 3) with a shortest image
        shorter than ``reach`` Å, already searched for another purpose (``contacts.overlap_pairs``): when those atoms
        are these and ``reach`` > ``r``, the pairs of one type among them are measured (the shortest image is never
        longer than the one measured here, so they include every pair this test can find) instead of a search or
        the dense block of every pair of one type (``info`` needs those pairs for its contacts anyway)."""
        n = len(self.pos)
        # the pairs already searched first (``info`` measures them next for its contacts: searched once, not twice)
        known = near() if near is not None else None
        if known is not None and known[3] > r * (1 + 1e-9) and known[0].shape == self.pos.shape \
                and np.array_equal(known[0], self.pos) and np.array_equal(self.frac, self.pos):
            i, j = known[1], known[2]
            same = (self.types.take(i) == self.types.take(j)).nonzero()[0]
            if not len(same):
                return False
            sq = self._squares(self.frac.take(j.take(same), axis=0) - self.pos.take(i.take(same), axis=0))
            return bool(np.sqrt(sq.min()) <= r)
        # Σ over atoms of (atoms of its type − 1) = Σ over types of c(c − 1): twice the pairs of one type
        if int(self.sizes.sum()) - n > 2 * _DENSE_PAIRS or not np.array_equal(self.frac, self.pos):
            return bool(self.search.distance(self.pos, self.types, exclude=np.arange(n)).min() <= r)
        order = self.types.argsort(kind="stable")
        cut = ((self.types.take(order[1:]) != self.types.take(order[:-1])).nonzero()[0] + 1).tolist()
        # the runs [s, e) of each type in ``order``
        pairs = [_pairs_of(e - s) + s for s, e in zip([0, *cut], [*cut, n]) if e - s > 1]
        if not pairs:
            return False
        i, j = order.take(np.concatenate(pairs, axis=1), axis=0)  # each pair of atoms of one type once
        return bool(np.sqrt(self._squares(self.frac.take(j, axis=0) - self.pos.take(i, axis=0)).min()) <= r)

    def all_within(self, img: np.ndarray, sub: np.ndarray, r: float) -> np.ndarray:
        """(k,) bool: every image img[q, s] (k, m, 3, fractional) of atom ``sub[s]`` lies within ``r`` Å (≤ the
        reach) of an atom of that atom's type."""
        k, m = img.shape[:2]
        ts = self.types.take(sub)
        per = self.sizes.take(sub)  # (each atom of ``sub`` is of its own type: ≥ 1)
        if k * int(per.sum()) > _DENSE_PAIRS:
            d = self.search.distance(img.reshape(-1, 3), np.tile(ts, k), r=r)
            return d.reshape(k, m).max(axis=1) <= r
        ps, aj = (ts[:, None] == self.types[None, :]).nonzero()  # the pairs (s, atom of its type), by s
        sq = self._squares(self.frac.take(aj, axis=0) - img.take(ps, axis=1))  # (k, pairs)
        if m > 1:
            begin = per.cumsum()
            begin -= per  # where the pairs of each s begin
            sq = np.minimum.reduceat(sq, begin, axis=1).max(axis=1)
        else:
            sq = sq.min(axis=1)
        return np.sqrt(sq) <= r


#: grid (per unit of fractional coordinate) on which :func:`_moved_exactly` matches an image to an atom: 2⁵·3²·5²,
#: so that the special coordinates (multiples of 1/24) and decimals of up to five digits never lie on a rounding
#: boundary
_GRID = 7200
#: the place value of each grid coordinate in :func:`_moved_exactly`'s key (the kind above them), as integers and
#: as floats
_GRID_PLACES = np.array([_GRID * _GRID, _GRID, 1], dtype=np.int64)
_GRID_PLACES_FLOAT = _GRID_PLACES.astype(float)
#: from this many images on, :func:`_moved_exactly` sorts them before its look-up (a bisection of sorted keys, each
#: starting where the previous one ended, costs less than the sort beyond it)
_SORTED_LOOKUP = 2048


def _moved_exactly(pos, types, A, images, r: float, search) -> np.ndarray | None:
    """(m·n,) Å from each image (m, n, 3, fractional: the n atoms, of ``types``, under m operations) to the nearest
    atom of its type, ``inf`` beyond ``r`` (small: the test of step 1). Most images are matched in one sorted look-up
    to the atom that rounds to the same point of a 1/:data:`_GRID` grid; the others (an image on a rounding boundary,
    or off every atom) are measured by ``search`` (a :class:`_SameKind`). None when two
    atoms of one type round to one point (they lie within 1e-3 Å of each other: no certificate)."""
    n = len(pos)
    # the atoms' keys and the images' in one go ((m + 1, n); the grid coordinates overwrite the stacked copy: no
    # more arrays of the images' size at once than the keys of the images alone made)
    g = np.concatenate([pos[None], images])
    g *= _GRID
    np.rint(g, out=g)
    if types.min() >= 0 and types.max() < 20000:  # keys below 2⁵³: integers exact in floating point (faster)
        g -= _GRID * np.floor(g / _GRID)  # g mod _GRID, exactly (integers)
        keys = g @ _GRID_PLACES_FLOAT + types * float(_GRID) ** 3
    else:
        keys = (g.astype(np.int64) % _GRID) @ _GRID_PLACES + types * _GRID ** 3
    del g
    k = keys[0]
    order = k.argsort()
    sk = k[order]
    if n > 1 and (sk[1:] == sk[:-1]).any():
        return None
    q = keys[1:].reshape(-1)
    images = images.reshape(-1, 3)
    if len(q) >= _SORTED_LOOKUP:
        by = q.argsort()
        at = np.empty(len(q), dtype=np.intp)
        at[by] = np.searchsorted(sk, q.take(by))
    else:
        at = np.searchsorted(sk, q)
    np.minimum(at, n - 1, out=at)
    d = images - pos.take(order.take(at), axis=0)
    d -= np.rint(d)
    v = d @ A.T
    dist = np.sqrt(np.einsum("pk,pk->p", v, v))
    miss = ((sk.take(at) != q) | (dist > r)).nonzero()[0]
    if len(miss):
        dist[miss] = search.search.distance(images[miss], types[miss % n], r=r)
    return dist


@functools.lru_cache(maxsize=256)
def _spread(m: int) -> np.ndarray:
    """A permutation of range(m) that visits it evenly from the start (golden-ratio steps; read-only)."""
    out = np.argsort((np.arange(m) * 0.6180339887498949) % 1.0, kind="stable")
    out.flags.writeable = False
    return out


#: at most this many atom images (candidate operations × atoms) are made at once by :func:`_all_refuted`: the
#: candidates of a large P 1 cell (every difference of two atoms of the rarest type, ~N²) times the atoms they are
#: tried on made arrays of gigabytes (sweep 6: 18.4 GB for a 1,324-atom graphene bilayer)
_IMAGE_BLOCK = 1 << 20


#: with a deadline, :func:`_all_refuted` makes at most this many atom images at once, so that it looks at the clock
#: every ~20 ms at most
_TIMED_BLOCK = 1 << 14


def _all_refuted(pos, types, W, cw, ct, order, search, r: float, budget: int | None = None, first: int = 1,
                 deadline: float | None = None) -> bool:
    """True when every candidate operation (W[cw], ct) (rotation, translation; (k,) and (k, 3)) leaves some atom
    farther than ``r`` Å from every atom of its type (``search`` a :class:`_SameKind` of the atoms ``pos``,
    ``types``). The candidates are tried on the first ``first`` atoms of ``order``, then on 3, 12, 48, … times as many
    more (most candidates fail on the first; an operation close to a symmetry fails on a few), then on every atom not
    tried yet, a few candidates at a time: the first that survives ends the search (the answer is then False). Without
    ``budget`` the answer does not depend on ``order`` or ``first`` (every candidate meets every atom until refuted).
    With ``budget``, False as soon as more than that many atom images would have been measured (a search that costs
    more than what it saves is not made); with ``deadline`` (a ``time.perf_counter()`` value), False once it has
    passed (the caller then runs spglib: the answer never depends on the clock, only the path to it)."""
    n = len(pos)
    block = _IMAGE_BLOCK if deadline is None else _TIMED_BLOCK

    def refute(cand, sub):  # the candidates that leave every atom of ``sub`` within r of an atom of its type
        if not len(sub):
            return cand
        if deadline is not None and time.perf_counter() > deadline:
            raise _OutOfTime
        step = max(1, block // len(sub))
        if len(cand) > step:  # candidates × atoms images in blocks: O(block) memory, not O(candidates × atoms)
            return np.concatenate([refute(cand[i:i + step], sub) for i in range(0, len(cand), step)])
        p = pos.take(sub, axis=0)
        if len(cand) > len(W):  # each rotation's images of ``sub`` once
            img = _rows_times(p, W).take(cw.take(cand), axis=0)
        else:
            img = _rows_times(p, W.take(cw.take(cand), axis=0))
        img += ct[cand][:, None, :]
        return cand[search.all_within(img, sub, r)]

    try:
        return _refuted_in_rounds(refute, n, len(cw), order, first, budget)
    except _OutOfTime:
        return False


class _OutOfTime(Exception):
    """Raised inside :func:`_all_refuted` when its deadline has passed."""


def _refuted_in_rounds(refute, n: int, k: int, order, first: int, budget: int | None) -> bool:
    """The rounds of :func:`_all_refuted` over its ``k`` candidates (``refute(candidates, atoms)``: those that
    survive these atoms)."""
    spent = 0
    alive = np.arange(k)
    lo, hi = 0, first
    while len(alive) and lo < len(order) and hi < n:
        spent += len(alive) * len(order[lo:hi])
        if budget is not None and spent > budget:
            return False
        alive = refute(alive, order[lo:hi])
        lo, hi = hi, 4 * hi
    if not len(alive):
        return True
    tried = np.zeros(n, dtype=bool)
    tried[order[:lo]] = True
    rest = (~tried).nonzero()[0]
    start, step = 0, 1
    while start < len(alive):
        spent += len(alive[start:start + step]) * len(rest)
        if budget is not None and spent > budget:
            return False
        if len(refute(alive[start:start + step], rest)):
            return False
        start, step = start + step, 2 * step
    return True
