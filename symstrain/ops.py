"""A set of space-group operations modulo lattice translations: the value type :class:`SymOps`.

What lives here: membership (one operation or many at once), closure (is the set a group, and if not which
product is missing), composition, inverses, change of basis, pure translations and centring vectors, the point
group's rotations, hashable keys, and conversion from and to arrays, ``gemmi.GroupOps`` and xyz triplets.
What does not: naming the group of a set (``spacegroup.py``), the group of a file (``cif_spacegroup.py``),
text of numbers and triplets (``notation.py``), relations between two groups (``relation.py``).

Conventions
-----------
* An operation (R, t) acts on fractional column vectors: x' = R·x + t. R is an integer matrix, t is reduced
  to [0, 1). A :class:`SymOps` lists every operation modulo the lattice translations Z³ of the cell the
  fractional coordinates refer to; centring translations are operations with R = I.
* Composition: (R₁, t₁)·(R₂, t₂) = (R₁R₂, R₁t₂ + t₁) (the right-hand operation acts first);
  the inverse of (R, t) is (R⁻¹, −R⁻¹t).
* Membership: (R, t) is in the set when an operation has the same R and a translation differing from t by
  a lattice vector, each component within :data:`TOL` of an integer. Translations with any denominators
  (1/5, 1/14, 1/22 of a supercell) compare that way: the fine code grid below only speeds the search up, and
  a translation it could round across a boundary is compared within TOL instead.
* Hashable keys (:meth:`SymOps.codes`, :meth:`SymOps.key`) round translations to multiples of 1/:data:`CODE_DEN`
  (302400 = 2⁶·3³·5²·7): exact for every translation whose denominator divides it (all crystallographic
  translations of cells up to 8-fold, 9-fold, 25-fold or 7-fold supercells along an axis), and the same for two
  float renderings of any other rational.
* Change of basis (ITA Vol. A, 1.5): new basis = old basis · P, origin moved to p (old fractional units), so
  x_old = P·x_new + p and W' = P⁻¹·W·P, w' = P⁻¹·(w + W·p − p).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache, reduce
from fractions import Fraction
import math

import numpy as np

from .errors import SymstrainInputError

#: two translations are equal modulo the lattice when each component differs from an integer by less than this
TOL = 1e-6
#: translations are rounded to multiples of 1/CODE_DEN in hashable codes (2⁶·3³·5²·7; see the module docstring)
CODE_DEN = 302_400
#: rotation entries must lie in −_ROT_MAX..._ROT_MAX (any sensible setting, supercells included)
_ROT_MAX = 50
_ROT_BASE = 2 * _ROT_MAX + 1  # 101⁹ < 2⁶³: a rotation is one int64


_ROT_WEIGHTS = _ROT_BASE ** np.arange(8, -1, -1, dtype=np.int64)
#: the code of the identity matrix (:func:`_rotation_codes`)
_IDENTITY_CODE = int((np.eye(3, dtype=np.int64).reshape(9) + _ROT_MAX) @ _ROT_WEIGHTS)
#: sets of more operations than this are first proved closed by cosets of their pure translations (closure.py); up to
#: it the n² products in 1/24ths (:func:`_closed_in_24ths`) cost less (measured: 0.13 against 0.29 ms at 32–36
#: operations, 0.6 against 0.7 ms at 96, 2.5 against 0.8 ms at 192)
_COSET_CLOSURE_MIN = 96


def _rotation_codes(rotations: np.ndarray) -> np.ndarray:
    """(n,) int64 code of each (n, 3, 3) matrix; −1 for a matrix that is not integral or has too large entries."""
    R = np.asarray(rotations).reshape(-1, 9)
    if np.issubdtype(R.dtype, np.integer):
        Ri = R.astype(np.int64)
        ok = np.all(np.abs(Ri) <= _ROT_MAX, axis=1)
    else:
        Rf = R.astype(float)
        Rr = np.rint(Rf)
        ok = np.all(np.abs(Rf - Rr) < TOL, axis=1) & np.all(np.abs(Rr) <= _ROT_MAX, axis=1)
        Ri = np.where(ok[:, None], Rr, 0).astype(np.int64)
    code = (Ri + _ROT_MAX) @ _ROT_WEIGHTS
    code[~ok] = -1
    return code


def rotations_closed(rotations) -> bool:
    """Do the distinct integer matrices (n, 3, 3) contain every product of two of them (a point group)? The rotation
    part of :meth:`SymOps.is_group`, without translations: what the point-group algebra of a relation asks, several
    times cheaper than building a :class:`SymOps` of zero translations."""
    R = np.rint(np.asarray(rotations, dtype=float)).astype(np.int64).reshape(-1, 3, 3)
    have = set(_rotation_codes(R).tolist())
    return -1 not in have and set(_rotation_codes(R[:, None] @ R[None]).tolist()) <= have


_D3 = CODE_DEN**3
_D2 = CODE_DEN**2
#: translations below this size are coded without reducing them modulo 1 first (t·CODE_DEN stays an exact integer
#: range for the rounding: the same codes, in fewer passes)
_PLAIN_T = 1e9


def _translation_codes(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m,) int64 code of each translation modulo 1 on the 1/CODE_DEN grid, and (m,) bool: some component lies
    so close to a rounding boundary that a value within TOL of it could round the other way."""
    t = np.asarray(t, dtype=float).reshape(-1, 3)
    if len(t) and not np.abs(t).max() < _PLAIN_T:  # huge or not finite: reduced modulo 1 first
        with np.errstate(invalid="ignore"):  # (a non-finite translation: a code that matches nothing)
            x = (t % 1.0) * CODE_DEN
            r = np.rint(x)
            near = np.any(np.abs(x - r) > 0.5 - TOL * CODE_DEN, axis=1)
            c = r.astype(np.int64) % CODE_DEN
        return (c[:, 0] * CODE_DEN + c[:, 1]) * CODE_DEN + c[:, 2], near
    x = t * float(CODE_DEN)
    r = np.rint(x)
    x -= r
    np.abs(x, out=x)
    near = x.max(axis=1, initial=0.0) > 0.5 - TOL * CODE_DEN
    r -= CODE_DEN * np.floor(r / CODE_DEN)  # modulo CODE_DEN, exactly (integers far below 2⁵³)
    c = r.astype(np.int64)
    return c[:, 0] * _D2 + c[:, 1] * CODE_DEN + c[:, 2], near


def _wrap(t: np.ndarray) -> np.ndarray:
    """Translations reduced to [0, 1), components within TOL of 1 set to 0."""
    t = np.asarray(t, dtype=float) % 1.0
    t[t > 1.0 - TOL] = 0.0
    return t


def _as_rotations(R) -> np.ndarray:
    """(n, 3, 3) from one matrix or a stack (integer input stays integer)."""
    R = np.asarray(R)
    return R.reshape(1, 3, 3) if R.shape == (3, 3) else R.reshape(-1, 3, 3)


_SMALL_K = np.arange(1, 49, dtype=float)


def denominators(values, max_den: int = 10_000) -> np.ndarray:
    """Denominators (same shape, int) of ``Fraction(float(x)).limit_denominator(max_den)`` for every value.

    Values within 1e-9 of a fraction with denominator ≤ 48 are found by one vectorised test (the nearest fraction
    with denominator ≤ max_den is then that one: any other lies at least 1/(48·max_den) away); the rest, if any,
    by ``Fraction`` as stated."""
    x = np.asarray(values, dtype=float)
    X = np.abs(x.reshape(-1, 1)) * _SMALL_K
    ok = np.abs(X - np.rint(X)) < 1e-9
    den = 1 + np.argmax(ok, axis=1)
    if max_den >= 48 and ok.any(axis=1).all():
        return den.reshape(x.shape)
    return np.array([Fraction(float(v)).limit_denominator(max_den).denominator for v in x.ravel()],
                    dtype=np.int64).reshape(x.shape)


def lattice_translations(P) -> np.ndarray:
    """(m, 3) translations of the old lattice Z³ in new fractional coordinates, modulo the new lattice.

    These are P⁻¹·n for integer n, reduced to [0, 1); m = |det P| when the new cell is a supercell (1 when it is
    the old cell or smaller). The zero vector comes first, then by increasing sum of components. Read-only; made
    once per P.
    """
    P = np.asarray(P, dtype=float)
    return _lattice_translations(P.tobytes())


@lru_cache(maxsize=64)
def _lattice_translations(P_bytes: bytes) -> np.ndarray:
    P = np.frombuffer(P_bytes).reshape(3, 3)
    Pi = np.linalg.inv(P)
    m = max(1, int(round(abs(np.linalg.det(P)))))
    # n in a box [0, N_1)×[0, N_2)×[0, N_3) with N_k·e_k in the new lattice (N_k·P⁻¹·e_k integral) holds every class
    # of Z³ modulo the new lattice (reduce n_k mod N_k); a P with irrational entries falls back to a symmetric box
    den = denominators(Pi)
    if np.all(np.abs(np.rint(Pi * den) / den - Pi) < 1e-9):  # the nearest fractions are Pi within 1e-9
        N = [reduce(math.lcm, den[:, k].tolist(), 1) for k in range(3)]
        if N == [1, 1, 1]:  # P⁻¹ integral: Z³ is in the new lattice, only the zero vector (what the box gives)
            uniq = np.zeros((1, 3))
            uniq.setflags(write=False)
            return uniq
        rng = [np.arange(n) for n in N]
    else:
        span = int(np.ceil(np.abs(P).sum(axis=1).max())) + 1
        rng = [np.arange(-span, span + 1)] * 3
    n = np.stack(np.meshgrid(*rng, indexing="ij"), axis=-1).reshape(-1, 3)
    v = _wrap(n @ Pi.T)
    c = np.rint(v * CODE_DEN).astype(np.int64) % CODE_DEN
    # rows ordered as np.unique(axis=0) orders them, by one int64 each (CODE_DEN³ < 2⁶³), first occurrences
    _, first = np.unique((c[:, 0] * CODE_DEN + c[:, 1]) * CODE_DEN + c[:, 2], return_index=True)
    uniq = v[first]
    uniq = uniq[np.argsort(np.abs(uniq).sum(axis=1), kind="stable")]
    if len(uniq) < m:
        raise SymstrainInputError("--P", f"could not enumerate the {m} lattice translations of the old cell in the new one")
    uniq.setflags(write=False)
    return uniq


def supercell_factor(P) -> int:
    """Smallest integer N with N·P⁻¹ integral: N·Z³ (old cell) is a sublattice of the lattice of the new basis."""
    Pi = np.linalg.inv(np.asarray(P, dtype=float))
    dens = [Fraction(float(x)).limit_denominator(10_000).denominator for x in Pi.ravel()]
    return reduce(math.lcm, dens, 1)


def lattice_basis(generators, den: int | None = None) -> np.ndarray:
    """(3, 3) basis (columns) of the lattice generated by the columns of ``generators`` (3, k), k ≥ 3 spanning.

    The Hermite normal form: lower triangular with a positive diagonal and the entries below the diagonal
    reduced into [0, diagonal) of their row, so every lattice has exactly one such basis. Entries must be
    rationals whose denominators divide ``den`` (by default the lcm of their denominators).
    """
    G = np.asarray(generators, dtype=float).reshape(3, -1)
    if den is None:
        den = reduce(math.lcm, (Fraction(float(x)).limit_denominator(10_000).denominator for x in G.ravel()), 1)
    M = np.rint(G * den).astype(np.int64)
    n = M.shape[1]
    for r in range(3):
        # Euclid on row r over columns r..n-1 until only column r is non-zero
        while True:
            nz = [j for j in range(r, n) if M[r, j] != 0]
            if len(nz) <= 1 and (not nz or nz[0] == r):
                break
            piv = min(nz, key=lambda j: abs(M[r, j]))
            M[:, [r, piv]] = M[:, [piv, r]]
            for j in range(r + 1, n):
                if M[r, j]:
                    M[:, j] -= (M[r, j] // M[r, r]) * M[:, r]
        if M[r, r] < 0:
            M[:, r] *= -1
    H = M[:, :3].astype(float)
    for r in range(3):
        for c in range(r):
            H[:, c] -= math.floor(H[r, c] / H[r, r]) * H[:, r]
    return H / den


def reduce_into_cell(t, basis) -> np.ndarray:
    """The vector t − basis·n (n integral) in the half-open box of a lower-triangular ``basis`` (as from
    :func:`lattice_basis`): component i in [0, basis[i, i]), so equal modulo the lattice ⇔ equal results."""
    t = np.asarray(t, dtype=float).copy()
    for i in range(3):
        t -= math.floor(t[i] / basis[i, i] + TOL) * basis[:, i]
    t[np.abs(t) < TOL] = 0.0
    return t


#: translation codes in 1/24ths, (a, b, c) → (a·24 + b)·24 + c, and how many there are
CODE24 = np.array([576, 24, 1], dtype=np.int64)
N24 = 24**3


def in_24ths(t) -> np.ndarray | None:
    """(m, 3) int64 in 0..23: translations ``t`` (m, 3) in units of 1/24 (modulo 1) when every component lies within
    1e-9 of such a multiple (gemmi reads operators and keeps its tables in 1/24ths), else None."""
    x = np.asarray(t, dtype=float) * 24.0
    r = np.rint(x)
    if len(x) and np.abs(x - r).max() > 1e-9:
        return None
    return r.astype(np.int64) % 24


def ranks_in(rots: np.ndarray, codes: np.ndarray) -> np.ndarray | None:
    """The position of each rotation code of ``codes`` among the sorted distinct codes ``rots``, or None when some
    code is not among them."""
    rank = np.searchsorted(rots, codes)
    if np.any(rank >= len(rots)) or np.any(rots.take(rank) != codes):
        return None
    return rank


class Table24:
    """A set of operations on the 1/24 grid as a membership table over (rotation, translation code): exact, and one
    look-up for many operations. ``rank`` (n,): each operation's rotation among ``n_rots`` sorted distinct codes
    (:func:`ranks_in`); ``t24`` (n, 3): its translation in 1/24ths (:func:`in_24ths`)."""

    def __init__(self, n_rots: int, rank: np.ndarray, t24: np.ndarray):
        self._member = np.zeros(n_rots * N24, dtype=bool)
        self._member[rank * N24 + t24 @ CODE24] = True

    def contains(self, rank, t24) -> np.ndarray:
        """Whether each (rotation rank, translation in 1/24ths, 0..23) is in the set; ``rank`` (…) and ``t24``
        (…, 3) broadcast."""
        return self._member.take(rank * N24 + t24 @ CODE24)


def _closed_in_24ths(R: np.ndarray, t: np.ndarray, rots: np.ndarray, which: np.ndarray, q: np.ndarray) -> bool:
    """True when every product of the operations (R, t) lies in the set, decided in exact integer arithmetic modulo
    24 for translations within 1e-9 of the 1/24 grid (every list gemmi reads); False when some product is missing
    or a translation is off that grid (the caller's test then decides and names the product). ``rots``: the sorted
    distinct rotation codes, ``which`` (n,): each operation's rotation among them, ``q`` (n²,): the code of each
    product's rotation, row-major. On the grid :meth:`SymOps.contains_many`'s comparisons are exact too: the same
    answer."""
    t24 = in_24ths(t)
    if t24 is None or rots[0] < 0:
        return False
    rank = ranks_in(rots, q)
    if rank is None:
        return False  # a product's rotation is not in the set
    n = len(t24)
    prod = (np.matmul(R.astype(np.int64), t24.T).transpose(0, 2, 1) + t24[:, None, :]) % 24  # (i, j): R_i·t_j + t_i
    return bool(Table24(len(rots), which, t24).contains(rank, prod.reshape(n * n, 3)).all())


@dataclass(frozen=True)
class ClosureDefect:
    """Why a set of operations is not a group: the product ``left``·``right`` of two of its operations (xyz
    triplets) is ``missing`` from it."""

    left: str
    right: str
    missing: str

    def __str__(self) -> str:
        if not self.left:
            return "the set is empty: it lacks even the identity x,y,z"
        return f"the product ({self.left})·({self.right}) = {self.missing} is not in the set"


@dataclass(frozen=True, eq=False)
class SymOps:
    """Space-group operations modulo lattice translations (module docstring for the conventions).

    ``rotations`` (n, 3, 3) int and ``translations`` (n, 3) float in [0, 1), both read-only; operation k is
    x' = rotations[k]·x + translations[k] on fractional coordinates. The order of the input is kept.
    """

    #: (n, 3, 3) int rotation parts (fractional basis)
    rotations: np.ndarray
    #: (n, 3) float translation parts in [0, 1) (fractional units)
    translations: np.ndarray

    def __post_init__(self):
        R = np.asarray(self.rotations, dtype=float).reshape(-1, 3, 3)
        t = np.asarray(self.translations, dtype=float).reshape(-1, 3)
        if len(R) != len(t):
            raise SymstrainInputError("operations", f"{len(R)} rotations but {len(t)} translations")
        if not np.all(np.isfinite(t)):
            raise SymstrainInputError("operations", "a translation is not a finite number")
        Ri = np.rint(R)
        if np.any(np.abs(R - Ri) > TOL):
            raise SymstrainInputError("operations", "a rotation part is not an integer matrix in this basis")
        Ri = Ri.astype(int)
        t = _wrap(t)
        Ri.flags.writeable = False
        t.flags.writeable = False
        object.__setattr__(self, "rotations", Ri)
        object.__setattr__(self, "translations", t)

    # ------------------------------------------------------------------ construction and conversion
    @classmethod
    def coerce(cls, ops) -> "SymOps":
        """A SymOps from a SymOps, anything with ``rotations``/``translations`` (a ``SpaceGroupInfo``) or a pair
        (rotations, translations)."""
        if isinstance(ops, SymOps):
            return ops
        if hasattr(ops, "symops"):
            return ops.symops
        if hasattr(ops, "rotations"):
            return cls(ops.rotations, ops.translations)
        R, t = ops
        return cls(R, t)

    @classmethod
    def identity(cls) -> "SymOps":
        """The trivial group {(I, 0)}."""
        return cls(np.eye(3, dtype=int)[None], np.zeros((1, 3)))

    @classmethod
    def from_gemmi(cls, group_ops) -> "SymOps":
        """From a ``gemmi.GroupOps`` (every operation, centring included) or a list of ``gemmi.Op``."""
        ops = list(group_ops)
        if not ops:
            return cls(np.zeros((0, 3, 3)), np.zeros((0, 3)))
        den = ops[0].DEN
        rots = np.array([op.rot for op in ops], dtype=np.int64) // den
        trans = np.array([op.tran for op in ops], dtype=float) / den
        return cls(rots, trans)

    @classmethod
    def from_triplets(cls, triplets, source: str = "operators") -> "SymOps":
        """From xyz triplets such as ``'-x+1/2,y,-z'`` (gemmi's parser); a bad triplet raises SymstrainInputError."""
        import gemmi

        ops = []
        for s in triplets:
            try:
                ops.append(gemmi.Op(s))
            except (ValueError, RuntimeError) as exc:
                raise SymstrainInputError(source, f"cannot read symmetry operator {s!r}: {operator_problem(s, exc)}") from None
        return cls.from_gemmi(ops)

    def to_gemmi(self):
        """The operations as a ``gemmi.GroupOps`` (gemmi keeps translations in 1/24: others raise ValueError)."""
        import gemmi

        den = gemmi.Op.DEN
        tt = self.translations * den
        if np.any(np.abs(tt - np.rint(tt)) > TOL * den):
            raise ValueError(f"translations are not multiples of 1/{den}: gemmi cannot hold these operations")
        ops = []
        for R, t in zip(self.rotations, np.rint(tt).astype(int) % den):
            op = gemmi.Op()
            op.rot = (R * den).tolist()
            op.tran = t.tolist()
            ops.append(op)
        return gemmi.GroupOps(ops)

    def triplets(self) -> list[str]:
        """The operations as xyz triplets, e.g. ``['x,y,z', '-x+1/2,-y,z+1/2']``."""
        from .notation import triplet

        return [triplet(R, t) for R, t in zip(self.rotations, self.translations)]

    def __len__(self) -> int:
        return len(self.rotations)

    def __iter__(self):
        """(R, t) pairs."""
        return zip(self.rotations, self.translations)

    def subset(self, index) -> "SymOps":
        """The operations at ``index`` (array of indices or boolean mask), in that order."""
        return SymOps(self.rotations[index], self.translations[index])

    # ------------------------------------------------------------------ keys
    @cached_property
    def _rot_codes(self) -> np.ndarray:
        return _rotation_codes(self.rotations)

    def codes(self) -> np.ndarray:
        """(n, 4) int64 code of each operation modulo lattice translations: rotation code, then the translation in
        units of 1/CODE_DEN. Equal rows ⇔ equal operations (module docstring for the rounding)."""
        t = np.rint(self.translations * CODE_DEN).astype(np.int64) % CODE_DEN
        return np.column_stack([self._rot_codes, t])

    def key(self) -> frozenset:
        """Hashable value equal for two sets with the same operations modulo lattice translations, in any order."""
        return frozenset(map(tuple, self.codes().tolist()))

    def unique_indices(self) -> np.ndarray:
        """Sorted indices of the first occurrence of each distinct operation (duplicates modulo the lattice dropped)."""
        if len(self) == 0:
            return np.zeros(0, dtype=int)
        c = self.codes()
        order = np.lexsort(c.T[::-1])  # by rotation code, then translation; stable: equal rows in input order
        cs = c.take(order, axis=0)
        first = np.ones(len(c), dtype=bool)
        first[1:] = (cs[1:] != cs[:-1]).any(axis=1)
        return np.sort(order.compress(first))

    # ------------------------------------------------------------------ membership
    @cached_property
    def _lookup(self):
        """Sorted distinct rotation codes, and sorted keys (rotation's rank · CODE_DEN³ + translation code)."""
        rots = np.unique(self._rot_codes)
        tc, near = _translation_codes(self.translations)
        keys = np.searchsorted(rots, self._rot_codes) * _D3 + tc
        return rots, np.sort(keys), bool(near.any())

    def contains_many(self, rotations, translations) -> np.ndarray:
        """(m,) bool: is each (R_k, t_k) an operation of the set modulo lattice translations?

        ``rotations`` (m, 3, 3), or one (3, 3) matrix for every translation; ``translations`` (m, 3). Rotations
        that are not integral (an operation that does not keep this lattice) are never members. Translations are
        matched on the 1/CODE_DEN grid first (a sorted search); a translation that grid could place on the wrong
        side of a rounding boundary is then compared within TOL, so the answer never depends on the grid.
        """
        t = np.asarray(translations, dtype=float).reshape(-1, 3)
        q = _rotation_codes(_as_rotations(rotations))
        if len(q) == 1 and len(t) != 1:
            q = np.full(len(t), q[0])
        return self._contains_codes(q, t)

    def _contains_codes(self, q: np.ndarray, t: np.ndarray) -> np.ndarray:
        """contains_many for rotation codes ``q`` (m,) and translations ``t`` (m, 3)."""
        rots, keys, set_near = self._lookup
        if len(rots) * _D3 >= 2**62 or not len(keys):  # never for a space group (at most 48 rotations)
            return self._contains_within_tol(q, t)
        rank = np.minimum(np.searchsorted(rots, q), len(rots) - 1)
        valid = (q >= 0) & (rots[rank] == q)
        if not valid.all():  # a rotation the set lacks is never a member: its translations need no code
            hit = np.zeros(len(q), dtype=bool)
            some = np.flatnonzero(valid)
            if len(some):
                hit[some] = self._contains_codes(q.take(some), t.take(some, axis=0))
            return hit
        tc, near = _translation_codes(t)
        key = rank * _D3 + tc
        pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        hit = valid & (keys[pos] == key)
        check = valid & ~hit & (near | set_near)
        if check.any():
            hit[check] = self._contains_within_tol(q[check], t[check])
        return hit

    def _contains_within_tol(self, q: np.ndarray, t: np.ndarray) -> np.ndarray:
        """contains_many for rotation codes ``q``: translations compared within TOL, one rotation at a time."""
        out = np.zeros(len(t), dtype=bool)
        own = self._rot_codes
        for code in np.unique(q[q >= 0]):
            mine = self.translations[own == code]
            if not len(mine):
                continue
            sel = np.flatnonzero(q == code)
            d = t[sel, None, :] - mine[None, :, :]
            out[sel] = np.any(np.all(np.abs(d - np.rint(d)) < TOL, axis=2), axis=1)
        return out

    def contains(self, R, t) -> bool:
        """Is (R, t) an operation of the set modulo lattice translations?"""
        return bool(self.contains_many(R, np.asarray(t, dtype=float).reshape(1, 3))[0])

    def has_rotations(self, rotations) -> np.ndarray:
        """(m,) bool: is each matrix the rotation part of some operation of the set?"""
        return np.isin(_rotation_codes(_as_rotations(rotations)), self._rot_codes[self._rot_codes >= 0])

    # ------------------------------------------------------------------ group structure
    def products(self, other: "SymOps | None" = None) -> tuple[np.ndarray, np.ndarray]:
        """Every product g·h, g from this set and h from ``other`` (default: this set), g-major:
        ((n·m, 3, 3) int, (n·m, 3) float in [0, 1))."""
        other = self if other is None else other
        R = np.matmul(self.rotations[:, None], other.rotations[None, :]).reshape(-1, 3, 3)
        t = np.matmul(self.rotations, other.translations.T).transpose(0, 2, 1) + self.translations[:, None, :]
        return R, _wrap(t.reshape(-1, 3))

    def compose(self, other: "SymOps") -> "SymOps":
        """The set {g·h : g in this set, h in ``other``}, duplicates modulo the lattice removed (g-major order)."""
        R, t = self.products(other)
        out = SymOps(R, t)
        return out.subset(out.unique_indices())

    def inverse(self) -> "SymOps":
        """Each operation's inverse (R⁻¹, −R⁻¹·t), in the same order; rotations must be unimodular."""
        Ri = np.linalg.inv(self.rotations.astype(float))
        return SymOps(Ri, -np.einsum("nab,nb->na", Ri, self.translations))

    def closure_defect(self) -> ClosureDefect | None:
        """None when the set is a group modulo lattice translations, else the first product it lacks.

        All n² products are tested at once (vectorised). Closure under products is enough: a finite set of
        operations (modulo the lattice) closed under products holds the identity and every inverse (each
        operation has finite order), and an integer rotation of finite order is unimodular.
        """
        from .notation import triplet

        n = len(self)
        if n == 0:
            return ClosureDefect("", "", "x,y,z")
        if n > _COSET_CLOSURE_MIN:
            from .closure import closed_by_cosets

            if closed_by_cosets(self):
                return None
        # rotation codes of the n² products from the k² products of the distinct rotations (k ≤ 48)
        rots, first, which = np.unique(self._rot_codes, return_index=True, return_inverse=True)
        U = self.rotations[first]
        table = _rotation_codes(np.matmul(U[:, None], U[None, :])).reshape(len(U), len(U))
        which = np.asarray(which).reshape(-1)
        q = table[which[:, None], which[None, :]].reshape(-1)
        if _closed_in_24ths(self.rotations, self.translations, rots, which, q):
            return None
        t = np.matmul(self.rotations, self.translations.T).transpose(0, 2, 1) + self.translations[:, None, :]
        t = t.reshape(-1, 3)
        ok = self._contains_codes(q, t)
        if ok.all():
            return None
        k = int(np.argmin(ok))
        i, j = divmod(k, n)
        return ClosureDefect(triplet(self.rotations[i], self.translations[i]),
                             triplet(self.rotations[j], self.translations[j]),
                             triplet(self.rotations[i] @ self.rotations[j], t[k], reduce=True))

    def is_group(self) -> bool:
        """True when the set is closed under composition, hence under inverses (modulo lattice translations)."""
        return self.closure_defect() is None

    def in_basis(self, P, p=(0.0, 0.0, 0.0), source: str = "basis change") -> "SymOps":
        """The same operations on the basis (old basis)·P with the origin at p: W' = P⁻¹WP, w' = P⁻¹(w + W·p − p).

        When the new cell is a supercell (|det P| > 1) the old lattice translations that are not new lattice
        translations are added (each operation combined with :func:`lattice_translations`); when it is smaller,
        operations that become equal are kept once. A rotation that is not integral in the new basis (the new
        basis is not a lattice basis of this group) raises :class:`SymstrainInputError` naming ``source``.
        """
        P = np.asarray(P, dtype=float)
        p = np.asarray(p, dtype=float).reshape(3)
        if P.shape != (3, 3) or abs(np.linalg.det(P)) < 1e-9:
            raise SymstrainInputError(source, "a basis change needs an invertible 3×3 matrix P")
        Pi = np.linalg.inv(P)
        R = self.rotations.astype(float)
        W = np.einsum("ij,njk,kl->nil", Pi, R, P)
        if np.any(np.abs(W - np.rint(W)) > TOL):
            raise SymstrainInputError(source, "the new basis is not a lattice basis of this group: a rotation "
                                              "part is not an integer matrix in it")
        w = (self.translations + np.einsum("nij,j->ni", R, p) - p) @ Pi.T
        L = lattice_translations(P)
        if len(L) > 1:
            W = np.repeat(W, len(L), axis=0)
            w = np.repeat(w, len(L), axis=0) + np.tile(L, (len(self), 1))
        out = SymOps(W, w)
        return out.subset(out.unique_indices())

    # ------------------------------------------------------------------ parts
    def pure_translations(self) -> np.ndarray:
        """(k, 3) the non-zero translations t of the operations (I, t), in the order of the set."""
        eye = np.all(self.rotations == np.eye(3, dtype=int), axis=(1, 2))
        t = self.translations[eye]
        return t[np.any(np.minimum(t, 1 - t) > TOL, axis=1)]

    def centring_vectors(self) -> np.ndarray:
        """(m, 3) every translation of an operation (I, t), the null vector included and first, then by length
        in fractional units; (1, 3) zeros when the set has no identity."""
        eye = np.all(self.rotations == np.eye(3, dtype=int), axis=(1, 2))
        cv = self.translations[eye]
        cv = cv[np.argsort(np.linalg.norm(cv, axis=1))]
        return cv if len(cv) else np.zeros((1, 3))

    def unique_rotations(self) -> np.ndarray:
        """(k, 3, 3) int: the distinct rotation parts (the point group's matrices in this basis), sorted."""
        return np.unique(self.rotations, axis=0)

    def polar_directions(self) -> np.ndarray:
        """(3, k) fractional directions left invariant by every rotation (orthonormal columns, k = 0 to 3): the
        free origin of a polar group (k = 1 for 2, mm2, 4 …; 2 for m; 3 for 1)."""
        M = np.vstack([r - np.eye(3) for r in self.unique_rotations()])
        _, sv, vt = np.linalg.svd(M, full_matrices=False)  # (3k ≥ 3 rows: every right vector, no 3k × 3k U)
        rank = int(np.sum(sv > 1e-9))
        return vt[rank:].T


def operator_problem(text: str, exc: Exception) -> str:
    """What is wrong with an operator string gemmi could not read (``exc``), in words that name the string's own
    fault: gemmi's messages can blame the encoding of a valid UTF-8 '½' or quote an empty term."""
    bad = next((ch for ch in text if not (ch.isascii() and ch.isprintable())), None)
    if bad is not None:
        import unicodedata

        name = unicodedata.name(bad, "")
        hint = ("write a fraction as 1/2" if "FRACTION" in name or "VULGAR" in name else
                "write the ASCII '-'" if "MINUS" in name or "DASH" in name or "HYPHEN" in name else
                "write the ASCII '+'" if "PLUS" in name else
                "write operators in ASCII: x, y, z, digits, '/', '+', '-' and ','")
        return f"character {bad!r} (U+{ord(bad):04X}) is not allowed in an operator ({hint})"
    if not text.strip():
        return "the operator is empty"
    if ";" in text:
        return "';' joins two operators: give one per line"
    parts = text.split(",")
    if len(parts) != 3:
        return f"{len(parts)} term(s) separated by commas; an operator has 3, such as '-x+1/2,y,-z'"
    for k, part in enumerate(parts):
        term = part.strip()
        if not term:
            return f"coordinate term {k + 1} is empty"
        if term[-1] in "+-":
            return f"coordinate term {term!r} ends in a sign"
    msg = " ".join(str(exc).split())
    readable = msg.isascii() and msg.isprintable() and "codec" not in msg
    return msg if readable else "not an operator such as '-x+1/2,y,-z'"
