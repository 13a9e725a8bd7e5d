"""Reflection conditions derived from the operations: which hkl a group extinguishes, and which parent
conditions a subgroup breaks.

What lives here: the extinction algebra on plain values — :func:`absent_mask` (is h systematically absent),
:func:`extinction_sets` (what each operation alone extinguishes),
:func:`condition_from_op` and :func:`reflection_conditions` (conditions written like ITA, zone + parity rule,
each derived from one operation, never from a table), :class:`BrokenCondition` (a parent condition the child
does not obey, in child and parent indexing). Enumerating and classifying reflections, intensities and measured
data live in ``reflection_classes.py`` and ``intensities.py``; this module needs neither pandas nor a structure.

Conventions
-----------
* Operations (R, t) act on fractional column vectors, x' = R·x + t (as in ``phase.py``); a reflection h (row
  vector) is systematically absent when some operation has h·R = h and h·t ∉ ℤ (centring: R = I).
* Relation conventions as in ``relation.py``: child basis = parent basis · P, x_parent = P·x_child + p,
  (hkl)_child = (hkl)_parent · P. A parent operation (R, t) seen in the child basis and origin is
  (P⁻¹RP, P⁻¹(t + R·p − p)); parent lattice translations become (I, P⁻¹·n), n ∈ ℤ³.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, reduce

import numpy as np

from .notation import frac as _frac, triplet
from .ops import SymOps, lattice_translations as parent_lattice_translations

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


def _nullspace_rows(M: list[list[Fraction]]) -> tuple[list[int], list[list[Fraction]]]:
    """Row vectors h with h·M = 0: (free index list, basis vectors), pivots chosen from the right.

    Pivoting on the right-most columns makes the free parameters the left-most indices, so a
    mirror swapping x and y gives the zone written "hhl" (free h, l) as in ITA.
    """
    # h·M = 0  ⇔  Mᵀ·hᵀ = 0; eliminate on Mᵀ with columns in reversed order. Integral entries are kept as ints
    # (exact quotients stay ints): the same values as with Fractions throughout, at a fraction of their cost
    A = [[_exact(M[j][i]) for j in range(3)] for i in range(3)]  # Mᵀ
    order = [2, 1, 0]
    rows = [r[:] for r in A]
    pivots: list[int] = []
    r = 0
    for col in order:
        piv = next((i for i in range(r, 3) if rows[i][col] != 0), None)
        if piv is None:
            continue
        rows[r], rows[piv] = rows[piv], rows[r]
        pv = rows[r][col]
        rows[r] = [_quotient(v, pv) for v in rows[r]]
        for i in range(3):
            if i != r and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [_exact(a - f * b) for a, b in zip(rows[i], rows[r])]
        pivots.append(col)
        r += 1
        if r == 3:
            break
    free = [c for c in range(3) if c not in pivots]
    basis = []
    for f in free:
        v = [Fraction(0)] * 3
        v[f] = Fraction(1)
        for i, pc in enumerate(pivots):
            v[pc] = -rows[i][f]
        basis.append(v)
    return free, basis


def _exact(x):
    """A rational (int or Fraction) as an int when it is one."""
    return x.numerator if type(x) is Fraction and x.denominator == 1 else x


def _quotient(a, b):
    """a / b exactly: an int when both are ints and b divides a, else a Fraction."""
    if type(a) is int and type(b) is int:
        q, rem = divmod(a, b)
        return q if rem == 0 else Fraction(a, b)
    return _exact(Fraction(a) / b)


_LET = "hkl"


def _lin(coeffs: dict[int, Fraction]) -> str:
    """Text of Σ c_i·letter_i, e.g. {0: 1, 1: -1} → "h-k"."""
    s = ""
    for i in sorted(coeffs):
        c = coeffs[i]
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else str(abs(c))
        s += ("-" if c < 0 else "+") + mag + _LET[i]
    if not s:
        return "0"
    return s[1:] if s.startswith("+") else s


def _zone_text(free: list[int], basis: list[list[Fraction]]) -> str:
    """ITA-style name of the set {Σ param_f · basis_f}: "0kl", "hhl", "h h̄ l", "00l", "hkl"."""
    comps = []
    for i in range(3):
        comps.append(_lin({f: b[i] for f, b in zip(free, basis)}))
    if all(c == "0" or c in ("h", "k", "l") for c in comps):
        return "".join(comps)
    if all(c == "0" or c.lstrip("-") in ("h", "k", "l") for c in comps):
        return "".join(c[1] + "\u0304" if c.startswith("-") else c for c in comps)
    return "(" + ", ".join(comps) + ")"


@dataclass(frozen=True, eq=False)
class ReflectionCondition:
    """One reflection condition generated by one operation, written like ITA.

    ``zone``: the reflections the operation leaves fixed (h·R = h), e.g. ``"0kl"``, ``"00l"``, ``"hkl"``;
    ``rule``: when they are present, e.g. ``"l = 2n"``; ``absent``: its negation, e.g. ``"l odd"``;
    ``kind``: ``"centring"`` (R = I), ``"glide"`` (zonal), ``"screw"`` (serial) or ``"parent lattice"``;
    ``operation``: the generating operation as an xyz triplet in the basis of the indices.
    ``R``, ``t``: that operation (R float (3, 3), t float (3,)), in the same basis.
    """

    zone: str
    rule: str
    absent: str
    kind: str
    operation: str
    R: np.ndarray
    t: np.ndarray

    @property
    def label(self) -> str:
        """Short text, e.g. ``"0kl: l = 2n"``."""
        return f"{self.zone}: {self.rule}"

    def extinguishes(self, hkl: np.ndarray) -> np.ndarray:
        """(N,) bool: reflections (N, 3) this operation makes systematically absent."""
        return _op_absent(np.asarray(hkl, dtype=float), self.R, self.t)

    def to_dict(self) -> dict:
        return {"zone": self.zone, "rule": self.rule, "absent": self.absent, "kind": self.kind,
                "operation": self.operation}


def condition_from_op(R, t, *, kind: str | None = None) -> ReflectionCondition | None:
    """The reflection condition of one operation (R, t), or None when it extinguishes nothing.

    The fixed set {h : h·R = h} is parametrised by its free indices; on it h·t = Σ r_f·param_f, and
    reflections are present when Σ D·r_f·param_f ≡ 0 (mod D), D the common denominator. The same operation gives
    the same (frozen) condition object: the exact algebra runs once per distinct (R, t, kind).
    """
    R = np.asarray(R, dtype=float).reshape(3, 3)
    t = np.asarray(t, dtype=float).reshape(3)
    return _condition_cached(R.tobytes(), t.tobytes(), kind)


@lru_cache(maxsize=1024)
def _condition_cached(R_bytes: bytes, t_bytes: bytes, kind: str | None) -> ReflectionCondition | None:
    R = np.frombuffer(R_bytes).reshape(3, 3).copy()
    t = np.frombuffer(t_bytes).copy()
    R.setflags(write=False)
    t.setflags(write=False)
    Rl, tl = R.tolist(), t.tolist()
    M = [[_frac(Rl[i][j] - (1.0 if i == j else 0.0)) for j in range(3)] for i in range(3)]
    free, basis = _nullspace_rows(M)
    if not free:
        return None
    # integral basis vectors (a row like (h, -h/2, 0) is written (2h, -h, 0), the parameter being h)
    basis = [[_exact(x * reduce(math.lcm, (y.denominator for y in b), 1)) for x in b] for b in basis]
    # h·t on each basis vector, mod 1: t = tn / Q over the common denominator Q, in integers
    tf = [_frac(x) for x in tl]
    Q = reduce(math.lcm, (x.denominator for x in tf), 1)
    tn = [x.numerator * (Q // x.denominator) for x in tf]
    res = {f: Fraction(sum(int(b[i]) * tn[i] for i in range(3)) % Q, Q) for f, b in zip(free, basis)}
    if all(r == 0 for r in res.values()):
        return None
    D = reduce(math.lcm, (r.denominator for r in res.values()), 1)
    c = {f: int(r * D) % D for f, r in res.items()}
    g = reduce(math.gcd, list(c.values()) + [D])
    c = {f: v // g for f, v in c.items()}
    D //= g
    # make the first non-zero coefficient 1 when it is invertible mod D (2l = 3n → l = 3n)
    first = next(v for v in c.values() if v)
    if math.gcd(first, D) == 1:
        inv = pow(first, -1, D)
        c = {f: (v * inv) % D for f, v in c.items()}
    c = {f: (v - D if v > D / 2 else v) for f, v in c.items()}
    if sum(v < 0 for v in c.values()) > sum(v > 0 for v in c.values()):
        c = {f: -v for f, v in c.items()}
    expr = _lin({f: Fraction(v) for f, v in c.items()})
    zone = _zone_text(free, basis)
    rule = f"{expr} = {D}n"
    absent = f"{expr} odd" if D == 2 else f"{expr} ≠ {D}n"
    if kind is None:
        kind = {3: "centring", 2: "glide", 1: "screw"}[len(free)]
    return ReflectionCondition(zone, rule, absent, kind, triplet(R, t, reduce=True), R, t)


# --------------------------------------------------------------------------- absences
#: reflections per block in the absence tests (bounds the (block, 3·rotations) work arrays: O(N) memory)
_CHUNK = 16_384


def _op_absent(hkl: np.ndarray, R: np.ndarray, t: np.ndarray) -> np.ndarray:
    return _zero_rows(hkl @ R - hkl) & ~_is_int(hkl @ t)


def _by_rotation(rotations, translations, only_nonintegral: bool):
    """Operations grouped by rotation: ``[(R − I (3, 3), op indices), ...]``, rotations in first-seen order.

    With ``only_nonintegral`` only operations whose translation is not a lattice vector (the others extinguish
    nothing) are kept, and a rotation none of whose operations is kept is left out.
    """
    Rs = np.asarray(rotations, dtype=float).reshape(-1, 3, 3)
    ts = np.asarray(translations, dtype=float).reshape(-1, 3)
    ops = np.flatnonzero((np.abs(ts - np.rint(ts)) >= _EPS).any(axis=1)) if only_nonintegral else np.arange(len(Rs))
    groups: dict[bytes, list[int]] = {}
    keys = np.rint(Rs[ops].reshape(len(ops), 9) * 1e6).astype(np.int64)
    for k, key in zip(ops.tolist(), keys):
        groups.setdefault(key.tobytes(), []).append(k)
    return [(Rs[g[0]] - _I3, np.array(g)) for g in groups.values()]


_I3 = np.eye(3)
_I3.setflags(write=False)

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


def _nonintegral_any(hkl: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(n,) bool: some h·t ∉ ℤ over the translations T (k, 3); in blocks of reflections."""
    out = np.empty(len(hkl), dtype=bool)
    for s in range(0, len(hkl), _CHUNK):
        ph = hkl[s:s + _CHUNK] @ T.T
        off = _dist_int(ph) >= _EPS
        out[s:s + _CHUNK] = off[:, 0] if off.shape[1] == 1 else off.any(axis=1)
    return out


def absent_mask(hkl, rotations, translations) -> np.ndarray:
    """(N,) bool: reflections (N, 3) systematically absent in the group of operations (R_i, t_i).

    ``rotations`` (n, 3, 3) and ``translations`` (n, 3) must list every operation modulo the
    lattice of the cell the indices refer to, centring included (as ``SpaceGroupInfo`` does).
    Vectorised over reflections; operations with a lattice-vector translation are skipped, and the others are
    taken one rotation at a time: the fixed set h·R = h is found once per rotation, and h·t is computed only on it.
    """
    return _absent_mask(hkl, rotations, translations, _fixed_rows)


def _absent_mask(hkl, rotations, translations, fixed_rows) -> np.ndarray:
    whole_box = hkl is _box()
    hkl = np.asarray(hkl, dtype=float).reshape(-1, 3)
    ts = np.asarray(translations, dtype=float).reshape(-1, 3)
    absent = np.zeros(len(hkl), dtype=bool)
    groups = _by_rotation(rotations, ts, only_nonintegral=True)
    for (_, ops), idx in zip(groups, fixed_rows(hkl, [M for M, _ in groups])):
        if idx is None:
            absent |= _box_nonintegral(ts[ops]).any(axis=1) if whole_box else _nonintegral_any(hkl, ts[ops])
        elif len(idx):
            off = _box_nonintegral(ts[ops], idx).any(axis=1) if whole_box else _nonintegral_any(hkl[idx], ts[ops])
            absent[idx[off]] = True
    return absent


def extinction_sets(hkl, rotations, translations) -> np.ndarray:
    """(n_ops, N) bool: the reflections each operation alone makes systematically absent (h·R = h, h·t ∉ ℤ).

    The fixed set of a rotation is found once for all operations sharing it. Memory n_ops × N booleans.
    """
    return _extinction_sets(hkl, rotations, translations, _fixed_rows)


def _extinction_sets(hkl, rotations, translations, fixed_rows) -> np.ndarray:
    hkl = np.asarray(hkl, dtype=float).reshape(-1, 3)
    ts = np.asarray(translations, dtype=float).reshape(-1, 3)
    out = np.zeros((len(ts), len(hkl)), dtype=bool)
    groups = _by_rotation(rotations, ts, only_nonintegral=True)
    for (_, ops), idx in zip(groups, fixed_rows(hkl, [M for M, _ in groups])):
        sub = hkl if idx is None else hkl[idx]
        if not len(sub):
            continue
        ph = sub @ ts[ops].T
        ext = (_dist_int(ph) >= _EPS).T
        if idx is None:
            out[ops] = ext
        else:
            out[np.ix_(ops, idx)] = ext
    return out


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
    """The least Q ≤ 12 with every entry of T within 1e-9 of a multiple of 1/Q, or None."""
    for Q in (1, 2, 3, 4, 6, 8, 12):
        X = T * Q
        if np.all(np.abs(X - np.rint(X)) < 1e-9):
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


def _sb_positions(W, w, allows: np.ndarray) -> list[np.ndarray | None]:
    """Per operation (W_k, w_k) (child basis), the reflections of the box (:func:`_box`) it alone extinguishes that
    the child allows (``allows`` (M,) bool): their positions, sorted, or None when there are none — the non-zero rows
    of ``extinction_sets(box, W, w) & allows``, without the (n_ops, M) array (the fixed set of each rotation is
    small: only its rows are tested)."""
    box = _box()
    ts = np.asarray(w, dtype=float).reshape(-1, 3)
    out: list[np.ndarray | None] = [None] * len(ts)
    groups = _by_rotation(W, ts, only_nonintegral=True)
    for (_, ops), idx in zip(groups, _box_fixed_rows(box, [M for M, _ in groups])):
        if idx is not None and not len(idx):
            continue
        ext = _box_nonintegral(ts[ops], idx)  # (m, ops)
        ext &= (allows if idx is None else allows[idx])[:, None]
        for col, k in enumerate(ops.tolist()):
            sel = np.flatnonzero(ext[:, col])
            if len(sel):
                out[k] = sel if idx is None else idx[sel]
    return out


def parent_ops_in_child(parent_rotations, parent_translations, P, p) -> tuple[np.ndarray, np.ndarray]:
    """The parent group in the child basis and origin: (n·m, 3, 3) float, (n·m, 3) float.

    Each parent operation (R, t) becomes (P⁻¹RP, P⁻¹(t + R·p − p)), combined with every parent lattice
    translation P⁻¹·n modulo the child lattice (``parent_lattice_translations``).
    """
    P = np.asarray(P, dtype=float)
    p = np.asarray(p, dtype=float).reshape(3)
    Pi = np.linalg.inv(P)
    Rs = np.asarray(parent_rotations, dtype=float)
    ts = np.asarray(parent_translations, dtype=float)
    Wc = np.einsum("ij,njk,kl->nil", Pi, Rs, P)
    wc = (ts + Rs @ p - p) @ Pi.T
    L = parent_lattice_translations(P)
    W = np.repeat(Wc, len(L), axis=0)
    w = (np.repeat(wc, len(L), axis=0) + np.tile(L, (len(Wc), 1))) % 1.0
    return W, w


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


def _box_fixed_masks(Ms, where: np.ndarray) -> np.ndarray:
    """(len(Ms), len(where)) bool: h·M = 0 for the box reflections at positions ``where``, per M (from the
    remembered fixed sets)."""
    out = np.ones((len(Ms), len(where)), dtype=bool)
    full = np.zeros(len(_box()), dtype=bool)
    for row, idx in zip(out, _box_fixed_rows(_box(), list(Ms))):
        if idx is not None:
            full[:] = False
            full[idx] = True
            row[:] = full[where]
    return out


def _group_arrays(g) -> tuple[np.ndarray, np.ndarray]:
    """(rotations, translations) as float arrays of a SymOps, a SpaceGroupInfo or a pair."""
    ops = SymOps.coerce(g)
    return ops.rotations.astype(float), ops.translations


def _group_name(g) -> str:
    return getattr(g, "hm", "") or "group"


@dataclass(frozen=True, eq=False)
class BrokenCondition:
    """A parent reflection condition the child does not obey.

    ``child``: the condition in the child's indexing; ``parent``: the same condition in the parent's
    indexing (for a parent-lattice condition, ``parent`` is None: in parent indices these are the
    reflections with non-integral indices). ``n_box``: how many reflections with |h|,|k|,|l| ≤ 12
    (child indices) it extinguishes in the parent while the child allows them.
    ``contained_in``: the label of a broken condition whose SB set contains this one (then this
    condition adds no SB reflection of its own), else None. ``appears``: the reflections it opens (its zone, the
    parent rule negated and the child's own conditions on that zone), in words derived from the operations and
    checked against the set (:class:`~symstrain.appearing.Appearing`).
    """

    child: ReflectionCondition
    parent: ReflectionCondition | None
    n_box: int
    contained_in: str | None = None
    appears: object | None = None

    @property
    def label(self) -> str:
        return self.child.label

    def to_dict(self) -> dict:
        return {
            "child_indexing": self.child.to_dict(),
            "parent_indexing": None if self.parent is None else self.parent.to_dict(),
            "parent_text": "non-integral parent indices (parent lattice)" if self.parent is None
            else f"{self.parent.zone}: {self.parent.rule}",
            "contained_in": self.contained_in,
            "appears": None if self.appears is None else self.appears.to_dict(),
        }


def reflection_conditions(group, child=None, P=None, p=None):
    """Reflection conditions derived from the operators, never from a table.

    With one argument (a ``SpaceGroupInfo`` or a pair (rotations, translations)): the list of
    :class:`ReflectionCondition` of that group in its own setting, one per distinct set of
    extinguished reflections (checked on |h|,|k|,|l| ≤ 12), integral conditions first, then zonal,
    then serial.

    With ``child``, ``P`` and ``p`` (relation conventions of ``relation.py``): the list of
    :class:`BrokenCondition` — parent conditions the child does not obey, each in child and parent
    indexing, ordered by how many reflections they open, those contained in another marked with
    ``contained_in``.
    """
    Rp, tp = _group_arrays(group)
    if child is None:
        conds = []
        box = _box()
        seen = set()
        for R, t in zip(Rp, tp):
            c = condition_from_op(R, t)
            if c is None:
                continue
            key = np.packbits(c.extinguishes(box)).tobytes()
            if key in seen:
                continue
            seen.add(key)
            conds.append(c)
        rank = {"centring": 0, "parent lattice": 0, "glide": 1, "screw": 2}
        conds.sort(key=lambda c: rank[c.kind])
        return conds
    return _broken_conditions(Rp, tp, child, P, p)


def _broken_conditions(Rp, tp, child, P, p) -> list[BrokenCondition]:
    from .appearing import describer

    P = np.eye(3) if P is None else np.asarray(P, dtype=float)
    p = np.zeros(3) if p is None else np.asarray(p, dtype=float)
    Rc, tc = _group_arrays(child)
    box = _box()
    child_allows = ~_absent_mask(box, Rc, tc, _box_fixed_rows)
    Pi = np.linalg.inv(P)
    # candidates, in this order: parent lattice translations P⁻¹·n (child supercells), then every parent operation
    # in the child basis; each one's SB set on the box first, the condition texts only for the distinct sets
    L = parent_lattice_translations(P)[1:]
    Rp = np.asarray(Rp, dtype=float)
    W = np.concatenate([np.repeat(np.eye(3)[None], len(L), axis=0), np.einsum("ij,njk,kl->nil", Pi, Rp, P)])
    w = np.concatenate([L, ((np.asarray(tp, dtype=float) + Rp @ p - p) @ Pi.T) % 1.0])
    out = []
    seen = set()
    for k, pos in enumerate(_sb_positions(W, w, child_allows)):
        if pos is None:
            continue
        key = pos.tobytes()  # the set, as its sorted positions in the box
        if key in seen:
            continue
        if k < len(L):
            cc, cp = condition_from_op(np.eye(3), L[k], kind="parent lattice"), None
        else:
            cc = condition_from_op(W[k], w[k])
            cp = condition_from_op(Rp[k - len(L)], np.asarray(tp, dtype=float)[k - len(L)])
        seen.add(key)
        sb = np.zeros(len(box), dtype=bool)
        sb[pos] = True
        out.append([cc, cp, sb, len(pos)])
    # order: larger SB sets first; a set inside another (or equal, already removed) is "contained"
    out.sort(key=lambda x: -x[3])
    describe = describer(Rc, tc, box, child_allows)
    result = []
    for i, (cc, cp, sb, n) in enumerate(out):
        container = None
        for j, (cc2, _, sb2, n2) in enumerate(out):
            if j != i and n2 > n and not (sb & ~sb2).any():
                container = cc2.label
                break
        result.append(BrokenCondition(cc, cp, n, container, describe(cc)))
    return result
