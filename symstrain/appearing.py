"""Which reflections a broken parent condition lets appear, said in words derived from the operations.

A parent condition the child breaks (``conditions.BrokenCondition``) opens the reflections it extinguishes in the
parent that the child allows: its zone, the parent rule negated, and the child's own conditions restricted to that
zone. This module describes that set exactly — e.g. for lawsonite Cmcm → Pmcn the condition ``h0l: h+l = 2n``
opens "h0l reflections with h odd, l = 2n" (the child's c-glide keeps ``h0l: l = 2n``), never "h+l odd" — and
checks the description against the set on every reflection with |h|, |k|, |l| ≤ 2N + 2 (every residue class of
every zone) before it is used; a set that congruences cannot say as simply is described by its definition instead.
What does not live here: the extinction algebra (``conditions.py``), classifying reflections
(``reflection_classes.py``).

How: within the zone, reflections outside every smaller zone on which some child operation extinguishes
reflections ("generic" ones) are in the set or not according to their indices modulo N (the common denominator of
the translations); the smallest conjunction of congruences ``c·(h, k, l) ≡ r (mod d)`` (|c_i| ≤ 2, d | N) that
gives that pattern is the rule. Reflections of the smaller zones that the rule admits but the child extinguishes
are the exceptions, each described the same way within its own zone.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache, reduce

import numpy as np

from .index_box import _BOX, _box, _box_fixed_within, _box_within, _dist_int, _within_tables, _zero_rows
from .notation import frac

_EPS = 1e-6
_LET = "hkl"


def _lin(c) -> str:
    s = ""
    for i, v in enumerate(c):
        if v:
            s += ("-" if v < 0 else "+") + ("" if abs(v) == 1 else str(abs(v))) + _LET[i]
    return s[1:] if s.startswith("+") else s


@dataclass(frozen=True)
class Congruence:
    """``c·(h, k, l) ≡ r (mod d)`` (``negated``: ≢ r)."""

    coeffs: tuple[int, int, int]
    modulus: int
    residue: int
    negated: bool = False

    def holds(self, hkl: np.ndarray) -> np.ndarray:
        v = np.mod(np.asarray(hkl, dtype=np.int64) @ np.array(self.coeffs, dtype=np.int64), self.modulus)
        return (v != self.residue) if self.negated else (v == self.residue)

    @property
    def text(self) -> str:
        e, d, r = _lin(self.coeffs), self.modulus, self.residue
        if d == 2 and (r == 1) != self.negated:
            return f"{e} odd"
        if self.negated:
            return f"{e} ≠ {d}n" + (f"+{r}" if r else "")
        return f"{e} = {d}n" + (f"+{r}" if r else "")


def _zero_cols(X: np.ndarray) -> np.ndarray:
    """(N,) bool: every |X[:, j]| < ε (X (N, m), any m). ``X`` is overwritten: pass a temporary."""
    A = np.abs(X, out=X)
    m = np.ones(len(X), dtype=bool)
    for j in range(A.shape[1]):
        m &= A[:, j] < _EPS
    return m


@dataclass(frozen=True, eq=False)
class Zone:
    """A set of reflections {h : h·M = 0} (``M`` (3, m) float) with its ITA-style name, and congruences on it."""

    name: str
    M: np.ndarray
    rules: tuple[Congruence, ...] = ()

    def contains(self, hkl) -> np.ndarray:
        hkl = np.asarray(hkl).reshape(-1, 3)
        m = _zero_cols(hkl.astype(float) @ self.M)
        if self.rules:
            hi = np.asarray(hkl, dtype=np.int64)
            for c in self.rules:
                m &= c.holds(hi)
        return m

    @property
    def text(self) -> str:
        return self.name + (" with " + ", ".join(c.text for c in self.rules) if self.rules else "")


@dataclass(frozen=True, eq=False)
class Appearing:
    """The reflections a broken condition opens: ``zone`` (with its rules) minus every ``exceptions`` zone.

    ``exact``: the sentence is the set's description by congruences; False when it is the definition itself
    ("… with <the parent rule negated> that the child does not extinguish"), for sets congruences cannot say
    simply. :meth:`contains` evaluates either.
    """

    zone: Zone
    exceptions: tuple[Zone, ...]
    exact: bool = True
    #: for a definition (``exact`` False): the parent's absent rule in words, the lost operation (R, t) and the
    #: child operations (rotations (n, 3, 3), translations (n, 3)), all in the child basis
    absent: str = ""
    definition: tuple | None = None

    def contains(self, hkl) -> np.ndarray:
        """(N,) bool: reflections (N, 3), child indexing, in the set."""
        hkl = np.asarray(hkl).reshape(-1, 3)
        m = self.zone.contains(hkl)
        for z in self.exceptions:
            m &= ~z.contains(hkl)
        if self.definition is not None:
            from .conditions import _op_absent, absent_mask

            (R, t), child = self.definition
            m &= _op_absent(hkl.astype(float), R, t) & ~absent_mask(hkl, *child)
        return m

    @property
    def text(self) -> str:
        """E.g. "h0l reflections with h odd, l = 2n appear, except h00"."""
        z = self.zone
        subject = ("reflections" if z.name == "hkl" else f"{z.name} reflections") + (
            " with " + ", ".join(c.text for c in z.rules) if z.rules else "")
        if not self.exact:
            return f"{subject} with {self.absent} that the child does not extinguish appear"
        if not self.exceptions:
            return f"{subject} appear"
        return f"{subject} appear, except " + " and ".join(e.text for e in self.exceptions)

    def to_dict(self) -> dict:
        return {"text": self.text, "zone": self.zone.name, "rules": [c.text for c in self.zone.rules],
                "except": [e.text for e in self.exceptions], "exact": self.exact}


# ----------------------------------------------------------------------------------------------- describing
def _score(c: Congruence) -> tuple:
    nz = sum(1 for x in c.coeffs if x)
    return (nz, sum(abs(x) for x in c.coeffs), c.modulus, sum(1 for x in c.coeffs if x < 0), c.residue != 0,
            c.negated, [-abs(x) for x in c.coeffs])


@lru_cache(maxsize=16)
def _atoms(N: int) -> tuple[tuple[Congruence, ...], np.ndarray]:
    """Every congruence with coefficients in −2…2 (first non-zero positive) and modulus d | N, d > 1, simplest
    first, and its truth (n_atoms, N³) on every residue class (h, k, l) mod N (index (h·N + k)·N + l)."""
    forms = [c for c in itertools.product(range(-2, 3), repeat=3) if any(c) and next(x for x in c if x) > 0]
    out = []
    for d in (d for d in range(2, N + 1) if N % d == 0):
        for c in forms:
            if all(x % d == 0 for x in c):
                continue
            for r in range(d):
                out.append(Congruence(c, d, r))
            out.append(Congruence(c, d, 0, negated=True))
    out.sort(key=_score)
    r = np.arange(N)
    residues = np.stack(np.meshgrid(r, r, r, indexing="ij"), axis=-1).reshape(-1, 3)
    return tuple(out), np.array([c.holds(residues) for c in out])


@lru_cache(maxsize=16)
def _atom_scores(N: int) -> tuple[tuple[int, ...], ...]:
    """The first six entries of :func:`_score` of every atom of :func:`_atoms` (N), in its order (a table made once
    per N: the choice among equivalent combinations sums them)."""
    return tuple(tuple(int(x) for x in _score(c)[:6]) for c in _atoms(N)[0])


@lru_cache(maxsize=16)
def _atom_index(N: int) -> dict:
    """{congruence: its row in :func:`_atoms` (N)} (a table made once per N)."""
    return {c: i for i, c in enumerate(_atoms(N)[0])}


@lru_cache(maxsize=8)
def _atom_masks(N: int) -> np.ndarray:
    """(n_atoms,) uint64 for N³ ≤ 64: bit r set where atom i of :func:`_atoms` (N) holds on residue class r (a table
    made once per N)."""
    truth = _atoms(N)[1]
    out = (truth.astype(np.uint64) << np.arange(N**3, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    out.setflags(write=False)
    return out


_I3 = np.eye(3)
_I3.setflags(write=False)


def _residue_codes(points: np.ndarray, N: int) -> np.ndarray:
    """(n,) int64: the residue class (h, k, l) mod N of integer points (n, 3), coded (h·N + k)·N + l."""
    res = np.mod(np.rint(points).astype(np.int64), N)
    return (res[:, 0] * N + res[:, 1]) * N + res[:, 2]


def describe(points: np.ndarray, target: np.ndarray, N: int) -> tuple[Congruence, ...] | None:
    """The simplest conjunction of at most three congruences (mod divisors of ``N``) true exactly on the ``target``
    points among ``points`` (N, 3) int, or None when there is none (or membership is not a matter of residues)."""
    if not len(points):
        return ()
    return _rules_of(_residue_codes(points, N), target, N)


def _rules_of(code: np.ndarray, target: np.ndarray, N: int, words: bool = True) -> tuple[Congruence, ...] | None:
    """:func:`describe` of points given by their residue codes (:func:`_residue_codes`); ``words``: sets of residue
    classes as machine words where N³ ≤ 64 (:func:`_rules_of_word`, the same answer)."""
    if not len(code):
        return ()
    if words and N**3 <= 64:
        return _rules_of_word(code, np.asarray(target, dtype=bool), N)
    n_all = np.bincount(code, minlength=N**3)
    n_in = np.bincount(code, weights=target.astype(float), minlength=N**3)
    present = np.flatnonzero(n_all)
    n_in, n_all = n_in[present], n_all[present]
    if np.any((n_in != 0) & (n_in != n_all)):
        return None  # two points with the same residues, one in the set and one not
    want = n_in > 0
    if want.all():
        return ()
    atoms, truth = _atoms(N)
    scores = _atom_scores(N)
    truth = truth[:, present]
    useful = np.flatnonzero(truth.any(axis=1) & ~truth.all(axis=1) & ~(want & ~truth).any(axis=1))
    goal = int.from_bytes(np.packbits(want).tobytes(), "big")
    # one congruence per truth pattern, the simplest (atoms are sorted: the first with it), patterns in the order of
    # their first congruence
    packed = np.packbits(truth[useful], axis=1)
    if packed.shape[1] <= 7:  # a pattern is one int64: int.from_bytes(row, "big")
        keys = packed.astype(np.int64) @ (256 ** np.arange(packed.shape[1] - 1, -1, -1, dtype=np.int64))
        first = np.sort(np.unique(keys, return_index=True)[1]).tolist()
        cands = [(int(keys[j]), int(useful[j])) for j in first]
    else:
        first = np.sort(np.unique(packed.view(f"V{packed.shape[1]}").ravel(), return_index=True)[1]).tolist()
        cands = [(int.from_bytes(packed[j].tobytes(), "big"), int(useful[j])) for j in first]
    return _best_combination(cands, goal, atoms, scores)


def _rules_of_word(code: np.ndarray, target: np.ndarray, N: int) -> tuple[Congruence, ...] | None:
    """:func:`_rules_of` for N³ ≤ 64: a set of residue classes is one machine word (bit r: class r) — the classes
    present, those of the target points and those of the others are three OR-reductions; a class in both is a
    residue that does not decide membership (None); each atom's truth pattern is its mask (a table per N) on the
    classes present."""
    b = np.left_shift(np.uint64(1), code.astype(np.uint64))
    P = np.bitwise_or.reduce(b)
    goal = np.bitwise_or.reduce(b[target])
    if goal & np.bitwise_or.reduce(b[~target]):
        return None  # two points with the same residues, one in the set and one not
    if goal == P:
        return ()
    m = (_atom_masks(N) & P).tolist()  # each atom's pattern on the classes present
    # the useful patterns (not empty, not all, every goal class kept), the first atom of each, in atom order
    P, goal = int(P), int(goal)
    cands, seen = [], set()
    for i, x in enumerate(m):
        if x and x != P and not goal & ~x and x not in seen:
            seen.add(x)
            cands.append((x, i))
    return _best_combination(cands, goal, _atoms(N)[0], _atom_scores(N))


def _best_combination(cands, goal: int, atoms, scores) -> tuple[Congruence, ...] | None:
    """The simplest conjunction of one, two or three candidates ((pattern, atom index), one per pattern, simplest
    first) whose patterns AND to ``goal``, its congruences ordered by their first index; None when there is none."""
    for k in (1, 2, 3):
        pool = cands if k < 3 else cands[:60]  # three rules: among the simplest sixty (C(60, 3) = 34 220 tries)
        if k == 1:
            found = [(x,) for x in pool if x[0] == goal]
        elif k == 2:
            found = [(x, y) for x, y in itertools.combinations(pool, 2) if x[0] & y[0] == goal]
        else:
            found = [(x, y, z) for x, y, z in itertools.combinations(pool, 3) if x[0] & y[0] & z[0] == goal]
        if found:
            combo = min(found, key=lambda cb: [sum(x) for x in zip(*(scores[i] for _, i in cb))])
            return tuple(sorted((atoms[i] for _, i in combo), key=lambda c: [i for i, x in enumerate(c.coeffs) if x]))
    return None


def _zone_name(M: np.ndarray) -> str:
    """ITA-style name of {h : h·M = 0} (M (3, m))."""
    from .conditions import _nullspace_rows, _zone_text

    cols = []
    for j in range(M.shape[1]):  # a 3×3 with the same left null space: independent columns, zeros after
        trial = np.column_stack(cols + [M[:, j]])
        if np.linalg.matrix_rank(trial, tol=1e-9) > len(cols):
            cols.append(M[:, j])
    A = np.zeros((3, 3))
    if cols:
        A[:, :len(cols)] = np.column_stack(cols)
    free, basis = _nullspace_rows([[frac(A[i, j]) for j in range(3)] for i in range(3)])
    basis = [[x * reduce(math.lcm, (y.denominator for y in b), 1) for x in b] for b in basis]
    return _zone_text(free, basis) if free else "000"


def _denominator(values) -> int:
    """Least common denominator (≤ 48 each; 1 for a value that has none) of fractional values."""
    out = 1
    for x in np.abs(np.asarray(values, dtype=float).ravel()).tolist():
        for d in range(1, 49):
            y = x * d
            if abs(y - round(y)) < _EPS:
                out = math.lcm(out, d)
                break
    return out


def _name_of(mask: np.ndarray, box: np.ndarray, M, zero_idx: np.ndarray | None = None,
             size_n: tuple[int, int] | None = None) -> str:
    """Name of a zone given as its points ``mask`` of ``box``: "h0l", "00l"… when it is the zone of some indices
    being zero, else from its equations ``M`` (3, m) (or a callable making them). ``zero_idx``: ``box == 0``, when
    known. ``size_n``: (the number of points of ``mask``, n) when ``box`` is the whole cube |h|, |k|, |l| ≤ n
    without 0 — the zone of the indices zero on every point of the mask (which holds the mask) has
    (2n + 1)^(3 − zeros) − 1 points there, so it is the mask exactly when the numbers agree."""
    Z = box == 0 if zero_idx is None else zero_idx
    zero = np.all(Z[mask], axis=0)
    if size_n is not None:
        same = size_n[0] == (2 * size_n[1] + 1) ** (3 - int(zero.sum())) - 1
    else:
        same = np.array_equal(mask, np.all(Z[:, zero], axis=1))
    if same:
        return "".join("0" if z else _LET[i] for i, z in enumerate(zero))
    return _zone_name(M() if callable(M) else M)


class Describer:
    """Describes the sets the broken conditions of one child open (:meth:`__call__`); the child's operations, their
    fixed zones and what they extinguish are worked out once for all the conditions.

    ``child_rotations`` (n, 3, 3), ``child_translations`` (n, 3): the child's operations (child basis); ``box``
    (M, 3) int reflections and ``child_allows`` (M,) bool (not absent in the child).
    """

    def __init__(self, child_rotations, child_translations, box: np.ndarray, child_allows: np.ndarray):
        self.Rc = np.asarray(child_rotations, dtype=float).reshape(-1, 3, 3)
        self.tc = np.asarray(child_translations, dtype=float).reshape(-1, 3)
        self.box, self.allows = np.asarray(box), np.asarray(child_allows, dtype=bool)
        self.N_child = _denominator(self.tc)
        self._boxes: dict[int, tuple] = {}
        self._found: dict[tuple, Appearing] = {}

    def _small(self, N: int) -> "_SmallBox":
        """Reflections with |h|, |k|, |l| ≤ 2N + 2 (every residue class mod N of every zone), whether the child
        allows them, and per child operation its fixed zone and what it extinguishes there ((n, M) bool)."""
        if N not in self._boxes:
            n = min(2 * N + 2, _BOX)
            if self.box is _box():  # the conditions' box: its sub-box and the fixed sets of rotations are remembered
                sel, h = _box_within(n)
                box = h
                fixed = _box_fixed_within(self.Rc - _I3, n)
                hi, code, zero = _within_tables(n, N)
            else:
                A = np.abs(self.box)
                sel = (A[:, 0] <= n) & (A[:, 1] <= n) & (A[:, 2] <= n)
                box = self.box[sel]
                h = box.astype(float)
                X = h @ self.Rc
                X -= h
                fixed = _zero_rows(X)  # (n_ops, M): h·R = h
                hi = np.asarray(box, dtype=np.int64)
                code, zero = _residue_codes(h, N), hi == 0
            self._boxes[N] = _SmallBox(box, h, self.allows[sel], fixed, fixed & (_dist_int(self.tc @ h.T) >= _EPS),
                                       hi, code, zero, N, n if self.box is _box() else None)
        return self._boxes[N]

    def __call__(self, cond) -> Appearing:
        """The set the condition ``cond`` (a ``conditions.ReflectionCondition`` in the child basis, of a parent
        operation the child lost) extinguishes in the parent while the child allows it, in words, checked
        (remembered per condition: the same child loses the same conditions in every structure of a series)."""
        R, t = np.asarray(cond.R, dtype=float), np.asarray(cond.t, dtype=float)
        key = (R.tobytes(), t.tobytes(), cond.zone, cond.absent)
        if key not in self._found:
            self._found[key] = self._describe(cond, R, t)
        return self._found[key]

    def _describe(self, cond, R: np.ndarray, t: np.ndarray) -> Appearing:
        N = min(math.lcm(self.N_child, _denominator(t)), 12)
        sb = self._small(N)
        box, h, allows, fixed, ext = sb.box, sb.h, sb.allows, sb.fixed, sb.ext
        zone_M = R - _I3
        # the zone's points: from the remembered fixed set of the rotation in the conditions' box (the SB sets found
        # it), else by the product
        in_zone = _zero_rows(h @ zone_M) if sb.n is None else _box_fixed_within([zone_M], sb.n)[0]
        target = in_zone & (_dist_int(h @ t) >= _EPS) & allows
        # smaller zones (the zone ∩ the fixed zone of a child operation) on which the child extinguishes reflections,
        # each with the first operation that gives it (its equations are made only for the zones an exception uses)
        subzones: dict[bytes, tuple[np.ndarray, int]] = {}
        for k in np.flatnonzero(np.any(ext & in_zone, axis=1) & np.any(in_zone & ~fixed, axis=1)).tolist():
            m = in_zone & fixed[k]
            subzones.setdefault(np.packbits(m).tobytes(), (m, k))
        generic = in_zone.copy()
        for m, _ in subzones.values():
            generic &= ~m

        def fallback():
            return Appearing(Zone(cond.zone, zone_M, ()), (), exact=False, absent=cond.absent,
                             definition=((R, t), (self.Rc, self.tc)))

        rules = _rules_of(sb.code[generic], target[generic], N)
        if rules is None:
            return fallback()
        main = Zone(cond.zone, zone_M, rules)
        admitted = in_zone & sb.holds(rules)  # main.contains(box): its zone is in_zone
        removed = np.zeros(len(box), dtype=bool)
        exceptions = []
        found_mask = admitted.copy()  # Appearing(main, exceptions).contains(box), built up as the exceptions come
        sized = [(int(m.sum()), m, k) for m, k in subzones.values()]
        sized.sort(key=lambda x: (-x[0], tuple(box[int(np.argmax(x[1]))].tolist())))
        for size, m, k in sized:  # larger zones first; the smaller ones inside a zone: their own turn
            inner = np.zeros(len(box), dtype=bool)
            for size2, m2, _ in sized:
                if size2 < size and not (m2 & ~m).any():
                    inner |= m2
            care = m & admitted & ~removed & ~inner
            out = care & ~target
            if not out.any():
                continue
            sub = _rules_of(sb.code[care], out[care], N)
            if sub is None:
                return fallback()
            M = np.concatenate((zone_M, self.Rc[k] - _I3), axis=1)
            z = Zone(_name_of(m, box, M, sb.zero, None if sb.n is None else (size, sb.n)), M, sub)
            exceptions.append(z)
            in_z = m & sb.holds(sub)  # z.contains(box): its zone {h·M = 0} is m
            removed |= admitted & in_z
            found_mask &= ~in_z
        found = Appearing(main, tuple(exceptions))
        return found if np.array_equal(found_mask, target) else fallback()


@dataclass(frozen=True, eq=False)
class _SmallBox:
    """A describer's index box for one N (:meth:`Describer._small`): ``box`` (M, 3) as given, ``h`` float, ``hi``
    int64, ``allows`` (M,) bool, ``fixed`` and ``ext`` (n_ops, M) bool (h·R = h; and h·t ∉ ℤ there), ``code`` (M,)
    residue classes mod N (:func:`_residue_codes`), ``zero`` (M, 3) bool: which indices are 0."""

    box: np.ndarray
    h: np.ndarray
    allows: np.ndarray
    fixed: np.ndarray
    ext: np.ndarray
    hi: np.ndarray
    code: np.ndarray
    zero: np.ndarray

    N: int = 0
    #: the half-width of the sub-box of the conditions' box (:func:`~symstrain.index_box._box_within`) these rows
    #: are, or None for another box
    n: int | None = None

    def holds(self, rules) -> np.ndarray:
        """(M,) bool: every congruence of ``rules`` holds (as :meth:`Zone.contains` tests them). A congruence mod
        d | N is a function of the residues mod N: the atoms' truth table (:func:`_atoms`) read at each point's
        residue class, for the congruences that are atoms of N (all the describer makes)."""
        m = np.ones(len(self.hi), dtype=bool)
        index = _atom_index(self.N)
        for c in rules:
            i = index.get(c)
            m &= c.holds(self.hi) if i is None else _atoms(self.N)[1][i][self.code]
        return m


#: the describers made (by :func:`describer`), the most recent last; at most _KEEP
_DESCRIBERS: dict[tuple, Describer] = {}
_KEEP = 64


def describer(child_rotations, child_translations, box: np.ndarray, child_allows: np.ndarray) -> Describer:
    """The :class:`Describer` of these child operations, index box and allowed set, one kept per distinct input
    (the last 64), so that the relations of a series describe each opened set once."""
    Rc = np.ascontiguousarray(child_rotations, dtype=float)
    tc = np.ascontiguousarray(child_translations, dtype=float)
    box, allows = np.asarray(box), np.asarray(child_allows, dtype=bool)
    # the box by identity (the conditions' box is one array, made once): a kept describer holds its box, so the id
    # cannot be reused while the entry lives
    key = (Rc.tobytes(), tc.tobytes(), id(box), np.packbits(allows).tobytes())
    found = _DESCRIBERS.pop(key, None)
    if found is None or found.box is not box:
        found = Describer(Rc, tc, box, allows)
        while len(_DESCRIBERS) >= _KEEP:
            del _DESCRIBERS[next(iter(_DESCRIBERS))]
    _DESCRIBERS[key] = found
    return found


def appearing(cond, child_rotations, child_translations, box: np.ndarray, child_allows: np.ndarray) -> Appearing:
    """The set one condition opens (see :class:`Describer`, which serves many conditions of one child faster)."""
    return Describer(child_rotations, child_translations, box, child_allows)(cond)
