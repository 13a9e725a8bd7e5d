"""Pairs of atoms closer than a distance in a periodic cell, and the nearest atom of a kind to a point.

What lives here: :func:`pairs_within`, the one neighbour search of symstrain (a cell list in numpy for the
candidates, :func:`_candidates`; exact float64 distances for the answer), :class:`NearestOfKind` (the same cell list
asked the other way round: for each of many query points, the nearest atom of its kind within r — how far a symmetry
operation moves atoms off the structure). What does not: expanding a phase to its cell (``expand.py``), the contacts no
real structure has (``contacts.py``'s :func:`~symstrain.contacts.close_contacts`, importable from here too, which uses
:func:`pairs_within`).

Conventions
-----------
Fractional coordinates (N, 3) in any range; the cell is A = [a | b | c] (columns, Å) as from ``Cell.matrix``;
a pair's distance is the shortest over all periodic images, in Å. A cell too small for its atoms (more than
:data:`MAX_IMAGES` atom images in a box of three search widths, or more than :data:`MAX_CANDIDATES` candidate
pairs) is bad input (:class:`SymstrainInputError`), refused before the big arrays are made.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from .errors import SymstrainInputError

#: at most this many atom images (atoms × copies of a cell that holds 3 search widths) for one search: the bound
#: that refuses a cell too small for its atoms before anything is allocated
MAX_IMAGES = 2_000_000
#: pairs whose exact distance is computed in one block (memory: pairs × lattice shifts × 3 floats)
_BLOCK = 200_000


#: spacings, volume and inverse of the last few cells (keyed by the bytes of A): one structure asks for its own
#: several times
_SPACINGS: dict[bytes, tuple[np.ndarray, float, np.ndarray]] = {}


def _cell_numbers(A: np.ndarray, source: str) -> tuple[np.ndarray, float, np.ndarray]:
    """``(d, volume, inverse)``: the (3,) interplanar spacings d_k = 1/|row k of A⁻¹| (Å), |det A| (Å³) and A⁻¹
    (``np.linalg.inv(A)``; arrays read-only); a cell without volume is bad input."""
    key = np.ascontiguousarray(A, dtype=float).tobytes()
    got = _SPACINGS.get(key)
    if got is None:
        volume = abs(np.linalg.det(A)) if np.all(np.isfinite(A)) else 0.0
        if not volume >= 1e-12:
            raise SymstrainInputError(source, "the cell has no volume: no distances can be measured in it")
        if len(_SPACINGS) >= 64:
            _SPACINGS.clear()
        inverse = np.linalg.inv(A)
        d = 1.0 / np.linalg.norm(inverse, axis=1)
        d.flags.writeable = inverse.flags.writeable = False
        got = _SPACINGS[key] = (d, float(volume), inverse)
    return got


def _spacings(A: np.ndarray, source: str) -> np.ndarray:
    """(3,) interplanar spacings d_k = 1/|row k of A⁻¹| (Å, read-only); a cell without volume is bad input."""
    return _cell_numbers(A, source)[0]


#: neighbour bins of a bin, half of them (lexicographically positive): each unordered pair of bins once
_HALF_SHELL = np.array([o for o in itertools.product((-1, 0, 1), repeat=3) if o > (0, 0, 0)], dtype=np.int64)
#: at most this many candidate pairs in one search (about 1.6 GB of index arrays): beyond it the cell is refused
MAX_CANDIDATES = 50_000_000


#: bins beyond this many (plus 8 per atom) are looked up by bisection of the sorted keys rather than in a table
_TABLE_BINS = 65_536


def _bin_table(sorted_keys: np.ndarray, n: int, n_bins: float | None = None):
    """``(start, count)`` per bin key 0 … ``n_bins`` − 1 (default max(key)), int64 arrays: where a key's run begins in
    ``sorted_keys`` and how long it is (what ``searchsorted`` left and right give, without the bisection); None when
    the keys are negative or spread over more than :data:`_TABLE_BINS` + 8·n bins."""
    if len(sorted_keys) == 0 or sorted_keys[0] < 0:
        return None
    size = int(sorted_keys[-1]) + 1 if n_bins is None else int(n_bins)
    if size > _TABLE_BINS + 8 * n or size < int(sorted_keys[-1]) + 1:
        return None
    count = np.bincount(sorted_keys, minlength=size)
    return np.cumsum(count) - count, count


def _too_small(d, n: int, r: float, source: str, need: str) -> SymstrainInputError:
    return SymstrainInputError(
        source, f"the cell (interplanar spacings {', '.join(f'{x:.3g}' for x in d)} Å) is too small for its {n} "
                f"atoms: a search for neighbours within {r:g} Å would need {need}")


#: up to this many points every pair is a candidate (one vectorised step, cheaper than binning so few points)
_ALL_PAIRS_MAX = 160
#: (i, j) of every pair i < j of n points, for the last few n (row-major: sorted by (i, j))
_ALL_PAIRS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _all_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(i, j)`` of every pair i < j of ``n`` points, sorted by (i, j) (read-only arrays, shared between calls)."""
    ij = _ALL_PAIRS.get(n)
    if ij is None:
        if len(_ALL_PAIRS) >= 64:
            _ALL_PAIRS.clear()
        ij = _ALL_PAIRS[n] = tuple(np.triu_indices(n, 1))
        for x in ij:
            x.flags.writeable = False
    return ij


#: a search whose reach r is so short that a point has at most about this many others within r/d_k along the axis k
#: of the largest spacing d_k (were the points spread evenly) sweeps along that axis instead of binning
_SWEEP_PER_POINT = 8.0


#: from this many points on, a search short enough to sweep (:data:`_SWEEP_PER_POINT`) sweeps even when every pair could
#: be a candidate (:data:`_ALL_PAIRS_MAX`): the merging of images at 0.02 Å in ``expand.py`` (measured over the
#: benchmark corpus's cells: all pairs cost more from about 40–60 points on)
_SWEEP_MIN_POINTS = 60


def _sweep(x: np.ndarray, w: float) -> tuple[np.ndarray, np.ndarray]:
    """``(i, j)``: every pair i < j (in no particular order) of the coordinates ``x`` (N,) in [0, 1) that lie less than ``w`` (< 1/2)
    apart around the circle of circumference 1: the points sorted once, each one's partners read off as a run of the
    sorted array (``searchsorted``) ahead of it, and one more run across the wrap at 1."""
    n = len(x)
    order = np.argsort(x, kind="stable")
    xs = x.take(order)
    p = np.arange(n)
    ahead = np.searchsorted(xs, xs + w, "left")  # partners p < q < ahead: xs[q] − xs[p] < w
    wrap = np.maximum(np.searchsorted(xs, xs + (1 - w), "right"), ahead)  # q ≥ wrap: 1 − (xs[q] − xs[p]) < w
    n1, n2 = ahead - p - 1, n - wrap
    count = n1 + n2
    total = int(count.sum())
    first = np.repeat(p, count)
    # each point's partners: its run ahead, then its run across the wrap
    start = np.cumsum(count) - count
    offset = np.arange(total) - np.repeat(start, count)
    q = np.where(offset < np.repeat(n1, count), first + 1 + offset, np.repeat(wrap - n1, count) + offset)
    i, j = order.take(first), order.take(q)
    return np.minimum(i, j), np.maximum(i, j)


def _refuse_crowded(A: np.ndarray, n: int, r: float, source: str) -> np.ndarray:
    """The (3,) spacings of the cell, after refusing a cell that holds far fewer atoms than the ``n`` given (the bound
    of the former image-based search: more than :data:`MAX_IMAGES` atom images in a box of three search widths)."""
    d, volume, _ = _cell_numbers(A, source)
    width = max(r, (volume / n) ** (1 / 3))
    images = float(n)
    for dk in d.tolist():
        images *= max(1, math.ceil(3 * width / dk - 1e-9))
    if images > MAX_IMAGES:
        raise _too_small(d, n, r, source, f"{images:.3g} atom images")
    return d


def _candidates(frac: np.ndarray, A: np.ndarray, r: float, source: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(i, j, ordered)``: pairs i < j, each once, with some image within r Å (a superset), from a cell list in numpy
    (in no particular order: ``ordered`` False, :func:`pairs_within` sorts those it keeps) — or, for at most
    :data:`_ALL_PAIRS_MAX` points, every pair (fewer than :data:`_SWEEP_MIN_POINTS`, or a reach too long to sweep),
    and for a short reach, the pairs close along one axis (:func:`_sweep`): supersets of the cell list's candidates
    that :func:`pairs_within` filters down to the same pairs, those with every |Δx_k|·d_k < r.

    The cell is cut into n_k = ⌊d_k / r⌋ slabs along each axis (d_k the interplanar spacing; one slab when that is
    under 3), so that two points with an image within r lie in the same or neighbouring bins, wrapping around the
    cell: |Δx_k| ≤ r/d_k ≤ 1/n_k in fractional units. Bins are keys of a sorted array; every atom looks up its own
    bin and the 13 neighbours of one half-shell at once (``searchsorted``), so each pair of bins is visited once and
    no Python loop runs per atom — O(N) time and memory at a fixed density. (gemmi's NeighborSearch gives the same
    candidates, but only through one Python call per atom and per neighbour found: 2–3× slower here.)
    """
    n = len(frac)
    d = _refuse_crowded(A, n, r, source)
    k = int(np.argmax(d))
    w = r / d[k] + 1e-9  # the widest fractional |Δx_k| of a pair within r, and a margin for the rounding of x mod 1
    if n <= _ALL_PAIRS_MAX and (n < _SWEEP_MIN_POINTS or n * w > _SWEEP_PER_POINT):
        return (*_all_pairs(n), True)
    if n * w <= _SWEEP_PER_POINT:
        return (*_sweep(frac[:, k] % 1.0, w), False)
    nb = np.floor(d / r * (1 - 1e-9))
    nb = np.where(nb >= 3, np.minimum(nb, 1 << 20), 1).astype(np.int64)
    f = np.asarray(frac, dtype=float) % 1.0
    b = np.minimum((f * nb).astype(np.int64), nb - 1)
    key = (b[:, 0] * nb[1] + b[:, 1]) * nb[2] + b[:, 2]
    order = np.argsort(key, kind="stable")
    sk = key.take(order)
    offsets = _HALF_SHELL[np.all((_HALF_SHELL == 0) | (nb > 1), axis=1)]
    # each neighbour's key, (b₀'·n₁ + b₁')·n₂ + b₂' with b' = b + offset wrapped around the cell: the three terms of
    # each axis (offset −1, 0, +1) made once, then added per offset (no integer division)
    below, above = b - 1, b + 1
    below += nb * (below < 0)
    above -= nb * (above >= nb)
    term = np.stack([below, b, above]) * np.array([nb[1] * nb[2], nb[2], 1])  # (offset + 1, atom, axis)
    o = offsets + 1
    q = (term[o[:, 0], :, 0] + term[o[:, 1], :, 1] + term[o[:, 2], :, 2]).ravel()
    table = _bin_table(sk, n, float(np.prod(nb.astype(float))))
    if table is None:
        lo = np.searchsorted(sk, q, "left")
        count = np.searchsorted(sk, q, "right") - lo
        # the atom's own bin: the atoms after it in its run of the sorted keys
        run_end = np.searchsorted(sk, sk, "right")
    else:  # the same numbers read from a table of the bins
        lo, count = table[0].take(q), table[1].take(q)
        run_end = table[0].take(sk) + table[1].take(sk)
    pos = np.arange(n)
    starts = np.concatenate([lo, pos + 1])
    count = np.concatenate([count, run_end - pos - 1])
    first = np.concatenate([np.tile(np.arange(n), len(offsets)), order])
    total = int(count.sum())
    if total > MAX_CANDIDATES:
        raise _too_small(d, n, r, source, f"{total:.3g} candidate pairs")
    i = np.repeat(first, count)
    j = order.take(np.repeat(starts - np.cumsum(count) + count, count) + np.arange(total))
    return np.minimum(i, j), np.maximum(i, j), False


@functools.lru_cache(maxsize=64)
def _shifts(reach: tuple[int, int, int]) -> np.ndarray:
    """(k, 3) every lattice translation with |n_k| ≤ reach[k] (read-only)."""
    grid = np.array(np.meshgrid(*[np.arange(-k, k + 1) for k in reach], indexing="ij")).reshape(3, -1).T
    grid.flags.writeable = False
    return grid


def _no_pairs():
    return np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0)


#: up to this many points (and at most :data:`_ALL_PAIRS_MAX`), the three axes of every pair are tested at once on a
#: (pairs, 3) array rather than one axis after the other (fewer numpy calls: cheaper for so few pairs)
_FUSED_MAX = 24
#: a pair whose every image is provably at least r·(1 + this) long is left out before its images are measured
_FAR_MARGIN = 1e-9


def pairs_within(frac, A, r: float, source: str = "cell"):
    """Every pair of points closer than ``r`` Å: ``(i, j, distance)``, arrays with i < j, sorted by (i, j).

    ``frac`` (N, 3) fractional coordinates, ``A`` (3, 3) cell vectors as columns (Å). The distance is the
    shortest over all periodic images (exact for any cell shape); each pair appears once. Candidates come from
    a cell list (:func:`_candidates`), distances are computed in float64. ``source`` names the
    input in the SymstrainInputError raised for a cell too small to hold its atoms.
    """
    frac = np.asarray(frac, dtype=float).reshape(-1, 3)
    A = np.asarray(A, dtype=float)
    n = len(frac)
    if n < 2 or not r > 0:
        return _no_pairs()
    # every image is at least d_k·|Δ_k| long along each axis k (|Δ_k| ≤ 1/2 is the smallest over the images):
    # candidates that cannot come within r go before any distance is computed, one axis at a time (each axis
    # leaves fewer candidates to the next); those left are put in (i, j) order
    if n <= min(_FUSED_MAX, _ALL_PAIRS_MAX):  # every pair, the three axes at once (the same test, the same pairs)
        d = _refuse_crowded(A, n, r, source)
        i, j = _all_pairs(n)
        diff = frac.take(j, axis=0) - frac.take(i, axis=0)  # (rows by take: several times faster than frac[j])
        diff -= np.rint(diff)
        near = np.flatnonzero((np.abs(diff) * d < r).all(axis=1))
        i, j, diff = i.take(near), j.take(near), diff.take(near, axis=0)
    else:
        d = _spacings(A, source)
        i, j, ordered = _candidates(frac, A, r, source)
        if len(i) == 0:
            return _no_pairs()
        cols = frac.T.copy()
        for k in range(3):
            dk = cols[k].take(j) - cols[k].take(i)  # (1-D take: about twice as fast as cols[k, j])
            dk -= np.rint(dk)
            near = np.flatnonzero(np.abs(dk) * d[k] < r)
            i, j = i.take(near), j.take(near)
        if not ordered:
            by = np.argsort(i * len(frac) + j)
            i, j = i.take(by), j.take(by)
        diff = frac.take(j, axis=0) - frac.take(i, axis=0)
        diff -= np.rint(diff)
    v = diff @ A.T
    dist = np.sqrt(np.einsum("pk,pk->p", v, v))
    # an image shorter than half the smallest interplanar spacing is the shortest (any other lattice vector
    # added is at least that long); the others try every lattice shift that can matter, |Δ_k| ≤ |v|/d_k — except
    # the pairs no image of which comes within r: the image measured is not, and every other one is at least
    # min_k d_k·(1 − |Δ_k|) long (some |Δ_k + n_k| ≥ 1 − |Δ_k| with n_k ≠ 0)
    far = np.flatnonzero(dist > 0.5 * d.min())
    if len(far):
        lim = r * (1 + _FAR_MARGIN)
        far = far[(dist.take(far) < lim) | (((1 - np.abs(diff.take(far, axis=0))) * d).min(axis=1) < lim)]
    if len(far):
        shifts = _shifts(tuple(math.ceil(r / dk) for dk in d.tolist()))
        step = max(1, _BLOCK // len(shifts))
        for s0 in range(0, len(far), step):
            sel = far[s0:s0 + step]
            blk = (diff.take(sel, axis=0)[:, None, :] + shifts[None, :, :]) @ A.T
            dist[sel] = np.sqrt(np.einsum("psk,psk->ps", blk, blk).min(axis=1))
    keep = dist < r
    return i[keep], j[keep], dist[keep]


#: bin width of :class:`NearestOfKind` in units of its r (≥ 2: a ball then reaches one neighbour per axis at most)
_BIN_WIDTH = 6.0
_COMBOS8 = np.array([(i, j, k) for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=np.int64)  # (0,0,0) first
_COMBO_BITS = _COMBOS8 @ np.array([1, 2, 4])  # the axes of each combination as bits
#: :class:`NearestOfKind` looks kinds up in a table when they are integers from 0 to this (plus 4 per atom)
_KIND_TABLE = 1024
#: up to this many (query point, atom of its kind) pairs in one query, :class:`NearestOfKind` measures every one of
#: them rather than looking in bins
_DENSE_PAIRS = 16_384


def _bin_key(kinds: np.ndarray, b: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """(m,) one integer per (kind, bin): ``kinds`` (m,), bins ``b`` (m, 3) of a grid of ``nb`` (3,) bins per axis."""
    return ((kinds * nb[0] + b[:, 0]) * nb[1] + b[:, 1]) * nb[2] + b[:, 2]


class NearestOfKind:
    """Atoms of a periodic cell binned once for many queries: the distance from each query point to the nearest atom
    of the same kind (an integer label, e.g. a spglib type), shortest periodic image, when it is within ``r`` Å.

    ``frac`` (N, 3) fractional coordinates of the atoms, ``kinds`` (N,) int, ``A`` (3, 3) cell vectors as columns (Å).
    The cell is cut into n_k = ⌊d_k / (:data:`_BIN_WIDTH`·r)⌋ slabs per axis (d_k the interplanar spacing), so that
    the r-ball of a point reaches its own bin and, along each axis, at most the neighbour on its nearer side (and
    that only for a point within r of the bin's face: one axis in three on average): a few look-ups of a sorted key
    array per point (the queries sorted first), no Python loop per point. Requires 2r ≤ the smallest spacing (the
    shortest image within r is then the one with fractional differences in (−1/2, 1/2], which is the one measured);
    a larger r is bad input. A query with at most :data:`_DENSE_PAIRS` (point, atom of its kind) pairs in all
    measures every one of them instead (no bins; the bins are made on the first query that needs them).
    """

    def __init__(self, frac, kinds, A, r: float, source: str = "cell"):
        self.frac = np.asarray(frac, dtype=float).reshape(-1, 3) % 1.0
        self.A = np.asarray(A, dtype=float)
        self.r = float(r)
        self.spacing = d = _spacings(self.A, source)
        if not 0 < 2 * self.r <= d.min():
            raise _too_small(d, len(self.frac), self.r, source, "a neighbour search over more than one cell")
        self.kinds = k = np.asarray(kinds, dtype=np.int64).reshape(-1)
        # the atoms grouped by kind (for a query that measures every atom of its kind), and where each kind's run of
        # them starts and how long it is, per kind + 1 in tables with a 0 at both ends (a query's kind out of range
        # clips to an end: no atom) — kinds are small integers in practice; others are looked up by bisection
        self._by_kind = np.argsort(k, kind="stable")
        self._count = None
        if len(k) and 0 <= k.min() and k.max() <= _KIND_TABLE + 4 * len(k):
            count = np.zeros(int(k.max()) + 3, dtype=np.int64)
            count[1:-1] = np.bincount(k)
            self._count, self._start = count, np.cumsum(count) - count
        else:
            sk = k[self._by_kind]
            first = np.flatnonzero(np.concatenate([[True], sk[1:] != sk[:-1]])) if len(sk) else np.zeros(0, dtype=int)
            self._kind_values, self._kind_start = sk[first], first
            self._kind_count = np.diff(np.append(first, len(sk)))
        self._bins = None  # the cell list, made on the first query that needs it

    def _runs(self, kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(count, start)`` (M,) int for query kinds (M,): how many atoms are of each one's kind (0 for a kind no atom
        has) and where their run begins in ``_by_kind``."""
        if self._count is not None:
            at = kinds + 1
            return self._count.take(at, mode="clip"), self._start.take(at, mode="clip")
        kv = self._kind_values
        ki = np.minimum(np.searchsorted(kv, kinds), len(kv) - 1)
        return np.where(kv[ki] == kinds, self._kind_count[ki], 0), self._kind_start[ki]

    def _binned(self):
        """``(nb, order, sorted_keys, table)`` of the cell list (made once)."""
        if self._bins is None:
            nb = np.floor(self.spacing / (_BIN_WIDTH * self.r) * (1 - 1e-9))
            nb = np.clip(nb, 1, 1 << 16).astype(np.int64)
            b = np.minimum((self.frac * nb).astype(np.int64), nb - 1)
            key = _bin_key(self.kinds, b, nb)
            order = np.argsort(key, kind="stable")
            sorted_keys = key.take(order)
            self._bins = (nb, order, sorted_keys, _bin_table(sorted_keys, len(key)))
        return self._bins

    def distance(self, points, kinds, r: float | None = None, exclude=None) -> np.ndarray:
        """(M,) Å from each point (M, 3, fractional) to the nearest atom of its kind (M,), ``inf`` where none lies
        within ``r`` (≤ the r of the search; default that r). Along each axis the neighbour bin is looked in only
        when the point's r-ball crosses into it, so a small r costs about one look-up per point. ``exclude`` (M,)
        int: an atom index not to count for each point (−1 for none), e.g. the atom itself when the points are the
        atoms."""
        r = self.r if r is None else min(float(r), self.r)
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        out = np.full(len(points), np.inf)
        if len(points) == 0 or len(self.frac) == 0:
            return out
        kinds = np.asarray(kinds, dtype=np.int64).reshape(-1)
        # few pairs (point, atom of its kind) in all: every one measured, no bins (cheaper for the small cells)
        per, start = self._runs(kinds)
        total = int(per.sum())
        if total <= _DENSE_PAIRS:
            if total == 0:
                return out
            pi = np.repeat(np.arange(len(points)), per)
            begin = np.cumsum(per)
            begin -= per  # each point's first pair
            aj = self._by_kind.take(np.repeat(start - begin, per) + np.arange(total))
            sq = self._squares(points, pi, aj, exclude)
            # the smallest square, then its root (the root of the smallest is the smallest root, to the bit)
            if per.all():  # every point has atoms of its kind (the usual case)
                out = np.sqrt(np.minimum.reduceat(sq, begin))
            else:
                some = np.flatnonzero(per)
                out[some] = np.sqrt(np.minimum.reduceat(sq, begin[some]))
            out[out > r] = np.inf
            return out
        nb, order, sorted_keys, table = self._binned()
        u = (points % 1.0) * nb
        b = np.minimum(u.astype(np.int64), nb - 1)
        w = u - b  # position inside the bin, 0 … 1
        reach = r / self.spacing * nb  # the ball's half-width in bin units along each axis (≤ 1/2)
        side = np.where(w >= 0.5, 1, -1) * ((np.minimum(w, 1 - w) < reach) & (nb > 1))
        # own bin of every point, then, for the few points whose ball crosses a face, the neighbours across the faces
        # it crosses (7 at most): the pairs (combination, point) where every axis of the combination is crossed
        crossed = (side != 0) @ np.array([1, 2, 4])  # bit k: the ball crosses a face along axis k
        ext = np.flatnonzero(crossed)
        ci, pe = np.nonzero((_COMBO_BITS[1:, None] & ~crossed[ext][None, :]) == 0)
        pe = ext.take(pe)
        bb = b.take(pe, axis=0) + _COMBOS8.take(ci + 1, axis=0) * side.take(pe, axis=0)
        bb = np.where(bb < 0, bb + nb, np.where(bb >= nb, bb - nb, bb))
        pi = np.concatenate([np.arange(len(points)), pe])
        q = np.concatenate([_bin_key(kinds, b, nb), _bin_key(kinds.take(pe), bb, nb)])
        if table is None:
            by = np.argsort(q)  # sorted queries: searchsorted walks the keys in order
            pi, q = pi.take(by), q.take(by)
            lo = np.searchsorted(sorted_keys, q, "left")
            count = np.searchsorted(sorted_keys, q, "right") - lo
        else:  # the same numbers from the table of bins (a query key outside it: no atom)
            start, per = table
            inside = (q >= 0) & (q < len(per))
            qi = np.where(inside, q, 0)
            lo, count = start.take(qi), np.where(inside, per.take(qi), 0)
        total = int(count.sum())
        if total == 0:
            return out
        pi = np.repeat(pi, count)
        aj = order.take(np.repeat(lo - np.cumsum(count) + count, count) + np.arange(total))
        np.minimum.at(out, pi, self._squares(points, pi, aj, exclude))
        np.sqrt(out, out=out)
        out[out > r] = np.inf
        return out

    def _squares(self, points, pi, aj, exclude) -> np.ndarray:
        """Squared Å from ``points[pi]`` to atoms ``aj`` (fractional differences in (−1/2, 1/2]); ``inf`` where ``aj``
        is the excluded atom of the point."""
        diff = self.frac.take(aj, axis=0) - points.take(pi, axis=0)  # (rows by take: faster than frac[aj])
        diff -= np.rint(diff)
        v = diff @ self.A.T
        sq = np.einsum("pk,pk->p", v, v)
        if exclude is not None:
            sq[aj == np.asarray(exclude).take(pi)] = np.inf
        return sq


# the contacts no real structure has, searched with pairs_within, live in contacts.py; importable from here as before
from .contacts import close_contacts  # noqa: E402,F401  (contacts.py imports this module only when it runs)
