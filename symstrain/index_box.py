"""The index box of the reflection-condition algebra and its remembered tables: every h ≠ 0 with |h|, |k|, |l| ≤
``_BOX`` = 12 (covers every period ≤ 12), its sub-boxes, the fixed sets {h in the box : h·M = 0} (found from the
null space of an integral M, else by a probe-filtered scan; remembered per M), residue classes mod Q for deciding
h·t ∉ ℤ on the whole box at once, and the small array helpers the extinction algebra shares.

What lives here: tables and array helpers that know nothing of groups. What does not: reflection conditions and
absences (``conditions.py``), describing the reflections a broken condition opens (``appearing.py``).
Tables that depend on nothing (the box, its sub-boxes, axis planes, residue classes) are made once per process;
the fixed sets depend on the operations and are remembered (``_box_fixed``, cleared like an ``lru_cache``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

#: tolerance on fractional index products (h·t, h·P⁻¹): values are rationals with small denominators
_EPS = 1e-6
#: half-width of the index box on which conditions are compared (covers every period ≤ 12)
_BOX = 12


# --------------------------------------------------------------------------- small algebra
# The index boxes make work arrays of 10⁴–10⁵ values: the helpers below reuse one array where numpy expressions
# would allocate a temporary per operation (fresh large arrays cost page faults, several times the arithmetic).
def _dist_int(x: np.ndarray) -> np.ndarray:
    """|x − the nearest integer|, elementwise (a new array; ``x`` is left as it was)."""
    d = np.rint(x)
    np.subtract(x, d, out=d)
    return np.abs(d, out=d)


def _is_int(x: np.ndarray) -> np.ndarray:
    return _dist_int(x) < _EPS


def _zero_rows(X: np.ndarray) -> np.ndarray:
    """(...,) bool: every |X[..., k]| < ε over the last axis (length 3), by three column tests (several times
    faster than ``np.all(..., axis=-1)`` on a length-3 axis). ``X`` is overwritten: pass a temporary."""
    A = np.abs(X, out=X)
    return (A[..., 0] < _EPS) & (A[..., 1] < _EPS) & (A[..., 2] < _EPS)


#: a direction that no small rational vector is orthogonal to within 1e-5: h·M·v = 0 sorts out the candidates
_PROBE = np.array([1.0, 1 / np.sqrt(3.0), np.sqrt(2.0) - 1.0])


def _fixed_rows(hkl: np.ndarray, Ms: list[np.ndarray]) -> list[np.ndarray | None]:
    """For each M = R − I: indices of the reflections with h·M = 0, i.e. every |(h·M)_k| < ε (None when R = I:
    every row).

    The rows with |h·M·v| ≤ 3ε·max|v| (a superset; one matrix product for all the rotations) are tested in full:
    the same answer as testing every row against every component.
    """
    out: list[np.ndarray | None] = [None] * len(Ms)
    real = [u for u, M in enumerate(Ms) if np.any(np.abs(M) > _EPS)]
    if not real:
        return out
    V = np.stack([Ms[u] @ _PROBE for u in real])  # (U, 3)
    near = V @ hkl.T  # (U, N)
    near = np.abs(near, out=near) <= 3 * _EPS
    for u, row in zip(real, near):
        cand = np.flatnonzero(row)
        out[u] = cand[_zero_rows(hkl[cand] @ Ms[u])]
    return out


class _BoxFixedSets:
    """The fixed sets {h in the box : h·M = 0} (:func:`_fixed_rows` on :func:`_box`), remembered per M (its float
    bytes), the last ``maxsize``; the ones not yet known are found together (one product for all of them).
    ``cache_clear()`` forgets them (as for an ``lru_cache``)."""

    def __init__(self, maxsize: int = 512):
        self._known: dict[bytes, np.ndarray | None] = {}
        self.maxsize = maxsize

    def many(self, keys: list[bytes]) -> list[np.ndarray | None]:
        missing = list(dict.fromkeys(k for k in keys if k not in self._known))
        if missing:
            Ms = [np.frombuffer(k).reshape(3, 3) for k in missing]
            found = [_integer_fixed_positions(M) for M in Ms]  # integral M: the lattice points, enumerated
            scan = [u for u, f in enumerate(found) if f is False]
            for u, idx in zip(scan, _fixed_rows(_box(), [Ms[u] for u in scan])):
                found[u] = idx
            for k, idx in zip(missing, found):
                if idx is not None:
                    idx.setflags(write=False)
                while len(self._known) >= self.maxsize:
                    del self._known[next(iter(self._known))]
                self._known[k] = idx
        return [self._known[k] for k in keys]

    def __call__(self, M_bytes: bytes) -> np.ndarray | None:
        return self.many([M_bytes])[0]

    def cache_clear(self) -> None:
        self._known.clear()


_box_fixed = _BoxFixedSets()


def _integer_fixed_positions(M: np.ndarray):
    """:func:`_fixed_rows` of the box (:func:`_box`) for one M whose entries are integers: the positions (sorted, int)
    of the h ≠ 0 with |h_i| ≤ ``_BOX`` and h·M = 0, found by enumerating the integer points of the left null space
    instead of testing every reflection (h·M is then an exact integer: the same set); None when M = 0 (every row),
    False when M is not integral (then the box is scanned)."""
    m = np.asarray(M, dtype=float).reshape(3, 3).tolist()
    if any(x != round(x) or abs(x) > 1_000 for row in m for x in row):
        return False
    c = [[int(m[i][j]) for i in range(3)] for j in range(3)]  # the columns of M: h·M = 0 ⇔ h ⟂ every column
    if not any(any(col) for col in c):
        return None
    n, w = _BOX, 2 * _BOX + 1
    weight = (w * w, w, 1)  # position in the full grid: Σ (h_i + n)·weight_i; the box leaves out its centre
    crosses = [_cross(c[i], c[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    nonzero = [x for x in crosses if any(x)]
    if nonzero:  # rank ≥ 2: h along the common normal d of the columns, or only 0 (rank 3)
        d = nonzero[0]
        if any(sum(a * b for a, b in zip(d, col)) for col in c):
            return np.zeros(0, dtype=np.intp)
        g = math.gcd(*d)
        d = [x // g for x in d]
        K = n // max(abs(x) for x in d)
        step = sum(x * y for x, y in zip(d, weight))
        k = np.arange(-K, K + 1) if step > 0 else np.arange(K, -K - 1, -1)  # positions rising with k·step
        flat = k[k != 0] * step + (w**3) // 2
        return flat - (flat > (w**3) // 2)
    else:  # rank 1: the plane h·v = 0, v a non-zero column: two indices (a, b) free, the third solved
        v = next(col for col in c if any(col))
        g = math.gcd(*v)
        v = [x // g for x in v]
        j = max(range(3), key=lambda i: abs(v[i]))
        if sum(x != 0 for x in v) == 1:  # a plane h_j = 0 (a mirror ⟂ an axis): a table
            return _axis_plane(j)
        f0, f1 = (i for i in range(3) if i != j)
        a, b = _plane_grid()
        num = -(a * v[f0] + b * v[f1])
        if abs(v[j]) == 1:
            hj = num * v[j]
            keep = np.abs(hj) <= n
        else:
            hj = num // v[j]
            keep = (num % v[j] == 0) & (np.abs(hj) <= n)
        flat = a[keep] * weight[f0] + b[keep] * weight[f1] + hj[keep] * weight[j]
        flat = flat[flat != 0]
    centre = (w**3) // 2
    flat = np.sort(flat + centre)  # from offsets around the centre to grid positions
    return (flat - (flat > centre)).astype(np.intp)


@lru_cache(maxsize=3)
def _axis_plane(j: int) -> np.ndarray:
    """Positions in :func:`_box` of the reflections with h_j = 0 (sorted, read-only; a table made once per j)."""
    box = _box()
    pos = np.flatnonzero(box[:, j] == 0)
    pos.setflags(write=False)
    return pos


@lru_cache(maxsize=1)
def _plane_grid() -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a, b) with |a|, |b| ≤ ``_BOX`` as two int64 arrays (a table made once)."""
    r = np.arange(-_BOX, _BOX + 1, dtype=np.int64)
    a, b = (x.ravel() for x in np.meshgrid(r, r, indexing="ij"))
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def _cross(a, b):
    return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]


def _box_fixed_rows(hkl: np.ndarray, Ms: list[np.ndarray]) -> list[np.ndarray | None]:
    """:func:`_fixed_rows` for ``hkl`` = :func:`_box` (the conditions' index box), remembered per rotation."""
    return _box_fixed.many([np.ascontiguousarray(M, dtype=float).tobytes() for M in Ms])


def _box_nonintegral(T: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
    """(M, k) bool: h·t ∉ ℤ (beyond ε) for every reflection h of :func:`_box` (or those at positions ``idx``) and
    translation t of T (k, 3).

    When every entry of T is within 1e-9 of a multiple of 1/Q, Q ≤ 12, h·t mod 1 depends only on h mod Q: the test
    is made on the Q³ residue classes and read at each reflection's class (the float test on h and on its class's
    representative decide the same exact rational question: their rounding errors are ~1e-14, ε = 1e-6); else on
    every reflection."""
    T = np.asarray(T, dtype=float).reshape(-1, 3)
    Q = _small_denominator(T)
    if Q is None:
        return _dist_int((_box() if idx is None else _box()[idx]) @ T.T) >= _EPS
    reps, codes = _box_residues(Q)
    return (_dist_int(reps @ T.T) >= _EPS)[codes if idx is None else codes[idx]]


def _small_denominator(T: np.ndarray) -> int | None:
    """The least Q ≤ 12 with every entry of T within 1e-9 of a multiple of 1/Q, or None. A few entries (the
    translations of one rotation) in Python floats: the same products and rounding (half to even) as numpy's."""
    if T.size > 48:
        for Q in (1, 2, 3, 4, 6, 8, 12):
            X = T * Q
            if np.all(np.abs(X - np.rint(X)) < 1e-9):
                return Q
        return None
    values = T.ravel().tolist()
    if not all(map(math.isfinite, values)):
        return None  # as numpy's test decides: no Q
    for Q in (1, 2, 3, 4, 6, 8, 12):
        if all(abs(x * Q - round(x * Q)) < 1e-9 for x in values):
            return Q
    return None


@lru_cache(maxsize=8)
def _box_residues(Q: int) -> tuple[np.ndarray, np.ndarray]:
    """(the Q³ residue classes (h, k, l) mod Q as float rows, (M,) the class of each reflection of :func:`_box`,
    coded (h·Q + k)·Q + l) — a table made once per Q."""
    r = np.arange(Q, dtype=float)
    reps = np.stack(np.meshgrid(r, r, r, indexing="ij"), axis=-1).reshape(-1, 3)
    res = np.mod(_box().astype(np.int64), Q)
    codes = (res[:, 0] * Q + res[:, 1]) * Q + res[:, 2]
    for a in (reps, codes):
        a.setflags(write=False)
    return reps, codes


@lru_cache(maxsize=4)
def _box(n: int = _BOX) -> np.ndarray:
    """(M, 3) float, read-only: every h ≠ 0 with |h|, |k|, |l| ≤ n (made once)."""
    r = np.arange(-n, n + 1)
    h = np.stack(np.meshgrid(r, r, r, indexing="ij"), axis=-1).reshape(-1, 3)
    h = h[np.any(h != 0, axis=1)].astype(float)
    h.setflags(write=False)
    return h


@lru_cache(maxsize=16)
def _box_within(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The reflections of :func:`_box` with |h|, |k|, |l| ≤ n (n ≤ ``_BOX``): (their positions in the box (M,) int,
    the reflections (M, 3) float), both read-only, in box order; made once per n (they depend on nothing else)."""
    r = np.arange(-n, n + 1)
    h = np.stack(np.meshgrid(r, r, r, indexing="ij"), axis=-1).reshape(-1, 3)
    h = h[np.any(h != 0, axis=1)]
    w = 2 * _BOX + 1
    flat = ((h[:, 0] + _BOX) * w + h[:, 1] + _BOX) * w + h[:, 2] + _BOX
    idx = flat - (flat > (w**3) // 2)  # the origin, in the middle of the grid, is not in the box
    h = h.astype(float)
    for a in (idx, h):
        a.setflags(write=False)
    return idx, h


@lru_cache(maxsize=16)
def _within_tables(n: int, N: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the sub-box :func:`_box_within` (n): its rows as int64, their residue classes (h, k, l) mod N coded
    (h·N + k)·N + l, and which indices are 0 — tables that depend on nothing else (made once per (n, N))."""
    hi = np.rint(_box_within(n)[1]).astype(np.int64)
    res = np.mod(hi, N)
    out = (hi, (res[:, 0] * N + res[:, 1]) * N + res[:, 2], hi == 0)
    for a in out:
        a.setflags(write=False)
    return out


@lru_cache(maxsize=16)
def _box_within_lookup(n: int) -> np.ndarray:
    """(len(_box()),) int: each box reflection's row in :func:`_box_within` (n), −1 outside it (a table per n)."""
    idx, _ = _box_within(n)
    out = np.full(len(_box()), -1, dtype=np.intp)
    out[idx] = np.arange(len(idx))
    out.setflags(write=False)
    return out


def _box_fixed_within(Ms, n: int) -> np.ndarray:
    """(len(Ms), M) bool: h·M = 0 for the reflections of the sub-box :func:`_box_within` (n), per M (from the
    remembered fixed sets, their rows in the sub-box found by a table)."""
    lookup = _box_within_lookup(n)
    out = np.ones((len(Ms), len(_box_within(n)[0])), dtype=bool)
    for row, idx in zip(out, _box_fixed_rows(_box(), list(Ms))):
        if idx is not None:
            row[:] = False
            j = lookup[idx]
            row[j[j >= 0]] = True
    return out
