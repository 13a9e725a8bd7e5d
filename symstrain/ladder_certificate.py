"""When one spglib call gives the whole tolerance ladder: :func:`ladder_certified`.

What lives here: the test that the operations spglib finds at one tolerance are, provably from spglib's algorithm,
what it finds at every tolerance of a ladder — so :func:`symstrain.detect.detect_symmetry` needs no further call —
and its pieces (the reduced bases spglib works in, the lattice rotations it tries there, the exactness of the
group's operations), and :func:`p1_certified`, the test that spglib finds nothing but the identity at the small
steps (atoms a little off a symmetry found at larger ones). What does not: running spglib at the steps not proven
(``detect.py``), the numeric kernels the tests run on (distances to the nearest atom of a type, the grid matching,
the refutation rounds, deduplication: ``certificate_kernels.py``), the neighbour search (``neighbours.py``).

What spglib does at a tolerance τ (``symprec``, Å; spglib 2.x: spglib.c, determination.c, primitive.c, symmetry.c,
delaunay.c, overlap.c):

1. it refuses the cell when two atoms of one type lie within τ (minimum image of the input basis);
2. pure translations: from one atom of the rarest type to every atom of that type, kept when every atom lands
   within τ of an atom of its type; the primitive cell is built from them and Delaunay-reduced at τ (with none but
   the identity, the input lattice itself is reduced);
3. the lattice rotations: in that basis reduced once more at τ, the 26³ integer matrices with columns in
   {−1, 0, 1}³, det ±1, that keep the lengths within τ and the angles within τ/length (``is_identity_metric``;
   at most 48, else it fails);
4. for each rotation W, the translations from one atom of the rarest type to every atom of that type, kept when
   every atom lands within τ of an atom of its type (a distance never shorter than the true shortest one);
5. naming the group from the operations kept, then refining; any failure retries at a smaller τ.

Conventions: cell vectors as columns (Å) unless stated; fractional coordinates in the file's basis.
"""

from __future__ import annotations

import functools
import itertools
import math
import time

import numpy as np

from .certificate_kernels import (_DENSE_PAIRS, _SameKind, _all_refuted, _distinct, _equal_rows,
                                  _first_rows, _left, _moved_exactly, _of_rarest_type, _right, _rows_times,
                                  _spread, _type_sizes)
from .errors import SymstrainInputError
from .neighbours import _cell_numbers, _spacings

#: lattice directions with components in {−1, 0, 1} (26): the columns spglib tries for a lattice rotation
_AXES = np.array([v for v in itertools.product((-1, 0, 1), repeat=3) if any(v)], dtype=float)
#: an operation of the group must move no atom farther than this fraction of the smallest ladder tolerance
_ACCEPT_FRACTION = 0.125
#: the P 1 certificate gives up after measuring this many atom images per atom (beyond one per candidate)
_P1_BUDGET = 64
#: relative slack on the tolerances (lengths, dot products) so that rounding never decides
_SLACK = 1e-6
#: the identity as a row of 9 integers
_IDENTITY9 = np.eye(3, dtype=np.int64).reshape(9)
#: the pairs of axes (0, 1), (0, 2), (1, 2) as two index arrays
_PAIRS = (np.array([0, 0, 1]), np.array([1, 2, 2]))
#: (26, 26, 26) bool: |det W| = 1 for W with columns (_AXES[d0], _AXES[d1], _AXES[d2]) — the triple product
#: d0·(d1 × d2), exact on these small integers
_UNIMODULAR = np.abs(np.einsum("ai,bci->abc", _AXES, np.cross(_AXES[:, None, :], _AXES[None, :, :]))) == 1


def _lattice_rotations(bases: np.ndarray, tol: float, inverses: np.ndarray | None = None) -> np.ndarray:
    """(k, 3, 3) Cartesian maps B·W·B⁻¹ of every W that spglib takes as a rotation of the lattice in any of the
    ``bases`` (b, 3, 3; columns, Å; ``inverses`` their inverses when already at hand) at tolerance ``tol`` (step 3
    of the module docstring; the test keeps more when ``tol`` is larger), with the count per basis: ``(maps,
    counts)``. Each column of W is one of the 26 directions whose length in that basis is within ``tol`` of the
    column's own (``is_identity_metric``: lengths within tol); the angle test (sin²(Δangle)·(mean lengths)² ≤ tol²
    for each pair of axes, angle tolerance unset) is made once per pair of axes and pair of directions, and det W = ±1
    read from a table, so the triples of choices are only combined — no loop over the 26³ matrices, nor over the
    bases."""
    bases = np.asarray(bases, dtype=float).reshape(-1, 3, 3)
    G = bases.transpose(0, 2, 1) @ bases  # (b, 3, 3)
    a, b = _PAIRS
    D = _AXES @ G @ _AXES.T  # (b, 26, 26) dot products of the directions
    ld = np.sqrt(np.diagonal(D, axis1=1, axis2=2))  # (b, 26)
    lo = np.sqrt(np.diagonal(G, axis1=1, axis2=2))  # (b, 3)
    ok = np.abs(ld[:, :, None] - lo[:, None, :]) <= tol  # (b, 26, 3): direction d may be column j
    u = ok.any(axis=(0, 2)).nonzero()[0]  # the few directions that may be some column in some basis
    ld, ok = ld.take(u, axis=1), ok.take(u, axis=1)
    la, lb = lo.take(a, axis=1), lo.take(b, axis=1)  # (b, 3): the lengths of the two axes of each pair
    c1 = (G[:, a, b] / la / lb)[:, :, None, None]  # (b, 3, 1, 1): the basis's own angles
    # (b, 1, m, m): the angles between directions
    c2 = (D.take(u, axis=1).take(u, axis=2) / ld[:, :, None] / ld[:, None, :])[:, None]
    x = c1 * c2 + np.sqrt(np.maximum(1 - c1 * c1, 0.0)) * np.sqrt(np.maximum(1 - c2 * c2, 0.0))
    sin2 = 1 - x * x
    kept = (sin2 <= 1e-12) | (sin2 * (la[:, :, None] + ld[:, None, :])[:, :, :, None]
                              * (lb[:, :, None] + ld[:, None, :])[:, :, None, :] / 4
                              <= tol * tol)  # (b, 3, m, m): pairs (0, 1), (0, 2), (1, 2)
    # the first two columns, then the third for each such pair; in the order of the directions, as spglib tries them
    k, i0, i1 = (ok[:, :, 0, None] & kept[:, 0] & ok[:, None, :, 1]).nonzero()
    p, i2 = (_UNIMODULAR[u[i0, None], u[i1, None], u[None, :]] & kept[k, 1, i0] & ok[k, :, 2]
             & kept[k, 2, i1]).nonzero()
    k, i0, i1, i2 = k.take(p), u.take(i0.take(p)), u.take(i1.take(p)), u.take(i2)
    counts = np.bincount(k, minlength=len(bases))
    if not len(k):
        return np.zeros((0, 3, 3)), counts
    Binv = np.linalg.inv(bases) if inverses is None else inverses
    W = _AXES[np.array([i0, i1, i2])].transpose(1, 2, 0)  # (c, 3, 3), columns
    if len(bases) == 1:
        return _right(_left(bases[0], W), Binv[0]), counts
    ends = np.cumsum(counts)  # (k ascending: each basis's matrices in one run)
    return np.concatenate([_right(_left(bases[q], W[e - c:e]), Binv[q]) for q, (c, e) in enumerate(zip(counts, ends))
                           if c]), counts


@functools.lru_cache(maxsize=256)
def _rotation_parts(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``(first, unrotated)`` for the rotations whose int64 bytes (k·9, rows of 9) are ``raw``: the sorted indices of
    the first occurrence of each distinct rotation, and (k,) bool which are the identity (read-only) — a group's
    rotations in a setting recur over many files."""
    R9 = np.frombuffer(raw, dtype=np.int64).reshape(-1, 9)
    first, unrotated = _first_rows(R9), (R9 == _IDENTITY9).all(axis=1)
    first.flags.writeable = unrotated.flags.writeable = False
    return first, unrotated


#: spglib's C extension (imported on first use), or False when this spglib has none by that name
_SPGLIB_C = None


def _delaunay_in_place(lat: np.ndarray, eps: float) -> bool:
    """spglib's Delaunay reduction of ``lat`` (3, 3 C-ordered float64, cell vectors as columns, Å) in place, at
    ``eps`` — the C function ``del_delaunay_reduce`` spglib runs inside its symmetry search, called as
    ``spglib.delaunay_reduce`` calls it (without that wrapper's copies and deprecation-warning machinery, which cost
    more than the reduction); False when it fails."""
    global _SPGLIB_C
    if _SPGLIB_C is None:
        try:
            from spglib import _spglib as _SPGLIB_C
        except ImportError:  # pragma: no cover - another layout of the package
            _SPGLIB_C = False
    if _SPGLIB_C is False:  # pragma: no cover
        import spglib

        out = spglib.delaunay_reduce(lat.T, eps=eps)
        if out is None:
            return False
        lat[:] = out.T
        return True
    try:
        ok = _SPGLIB_C.delaunay_reduce(lat, float(eps))
    except Exception:
        return False
    return ok is None or bool(ok)


@functools.lru_cache(maxsize=64)
def _triples(m: int) -> np.ndarray:
    """(C, 3) every combination of three of range(m), in the order of ``itertools.combinations`` (read-only)."""
    out = np.array(list(itertools.combinations(range(m), 3)), dtype=np.intp).reshape(-1, 3)
    out.flags.writeable = False
    return out


def primitive_starts(A: np.ndarray, pure: np.ndarray) -> list[np.ndarray]:
    """Every basis (3, 3 columns, Å) spglib may start its primitive cell from when the pure translations are ``pure``
    (k, 3, fractional; the null one among them): primitive.c takes, from the list (the translations in the order of
    the atoms they reach, then a, b, c), the first three vectors spanning a cell k times smaller, and replaces them
    by the inverse of the rounded inverse of their matrix ("cleaning"). Here every such triple of that list, in any
    order (which spares reproducing the atoms' order), cleaned the same way; [] when none, or when one would not
    clean (spglib then keeps it as it is)."""
    t = np.asarray(pure, dtype=float).reshape(-1, 3) % 1.0
    cleaned = _cleaned_triples(t.tobytes())
    return [] if cleaned is None else list(_left(A, cleaned))


@functools.lru_cache(maxsize=64)
def _cleaned_triples(raw: bytes) -> np.ndarray | None:
    """The cleaned triples of :func:`primitive_starts` (C, 3, 3; columns, fractional; read-only) for the pure
    translations whose float64 bytes (k·3, in [0, 1)) are ``raw``, or None (no start) — a few centrings recur over
    many files."""
    t = np.frombuffer(raw, dtype=float).reshape(-1, 3)
    t = t[np.linalg.norm(t - np.rint(t), axis=1) > 1e-9]  # the null translation is not a candidate
    k = len(t) + 1
    vectors = np.vstack([t, np.eye(3)])
    rel = vectors[_triples(len(vectors))].transpose(0, 2, 1)  # (C, 3, 3): each triple as columns
    det = np.abs(np.linalg.det(rel))
    spans = det >= 1e-9
    rel, det = rel[spans], det[spans]
    rel = rel[np.rint(1 / det) == k]  # the triples spanning a cell k times smaller
    if not len(rel):
        return None
    inv = np.rint(np.linalg.inv(rel))
    if np.any(np.abs(np.rint(np.linalg.det(inv))) != k):
        return None  # spglib would keep that triple uncleaned: not reproduced here
    out = np.linalg.inv(inv)
    out.flags.writeable = False
    return out


def spglib_bases(starts, tolerances) -> list[np.ndarray] | None:
    """The bases (3, 3 columns) spglib's lattice search works in at each tolerance when its primitive cell has the
    basis ``start`` (columns): the Delaunay reduction at τ of the Delaunay reduction at τ (primitive.c reduces the
    primitive cell, symmetry.c reduces it again); None when a reduction fails."""
    out, seen = {}, set()
    taus = [float(tau) for tau in tolerances]
    for start in starts:
        lat0 = np.array(start, dtype="double", order="C")  # columns, as the C function takes them
        for tau in taus:
            lat = lat0.copy()
            if not (_delaunay_in_place(lat, tau) and _delaunay_in_place(lat, tau)):
                return None
            raw = lat.tobytes()
            if raw not in seen:  # (the same numbers as a basis already kept: the same key)
                seen.add(raw)
                out.setdefault(np.rint(lat * 1e6).astype(np.int64).tobytes(), lat)  # each distinct basis once
    return list(out.values())


#: spglib major versions whose algorithm (the module docstring) the certificate follows and was tested against
_SPGLIB_MAJOR = (2,)


@functools.cache
def _spglib_modelled() -> bool:
    """True for a spglib whose major version is in :data:`_SPGLIB_MAJOR` (another may search differently)."""
    import spglib

    try:
        return int(str(spglib.__version__).split(".")[0]) in _SPGLIB_MAJOR
    except (AttributeError, ValueError):
        return False


def ladder_certified(lattice, positions, types, ds, tolerances) -> bool:
    """True when spglib, run at each tolerance τ of ``tolerances`` (Å), finds the group of ``ds`` (its dataset at
    one of them) — so the whole ladder is that group without another spglib call.

    spglib's primitive cell at τ is the file's cell when the group has no pure translation but the identity, else the
    one primitive.c builds from the group's pure translations (:func:`primitive_starts`: every start it may take);
    the basis its lattice search works in is that start Delaunay-reduced at τ twice, computed here with spglib's own
    function (:func:`spglib_bases`). With G the group of ``ds`` (its operations) and μ the largest distance by which an
    operation of G moves an atom off an atom of its type:

    1. every rotation of the group keeps the metric exactly and μ ≤ min(τ)/8: each of its operations passes every
       test at every τ (spglib's translation, taken from one atom, is within 2μ of the exact one; its primitive cell
       averages positions over the pure translations, another μ);
    2. no two atoms of one type lie within max(τ) + 6μ (step 1 of the module docstring);
    3. every other operation spglib could try at a step — the lattice rotations it finds in its basis there
       (:func:`_lattice_rotations`, here at 1.05·max(τ), which keeps more), closed under the group's rotations,
       with the translations from one atom of each orbit of each rarest type to every atom of its type, the
       identity with them (the pure translations) — leaves some atom farther than max(τ) + 6μ from every atom of its
       type, so no step keeps it, whichever atom spglib starts from (the 6μ covers the orbit and a rotation that is
       not exactly orthogonal, and the averaging); spglib's distances (minimum image of its basis) are never shorter
       than these;
    4. 3(max(τ) + 6μ) is shorter than every vector of spglib's primitive lattice L (bounded below by the plane
       spacings of each of its bases).

    Then at each step τ, at the first attempt (spglib retries only after a failure): (a) the pure translations are
    those from its first atom of the rarest type to the atoms of that atom's orbit under G's (2μ ≤ τ; the atoms it
    adds by chaining a translation are the same ones), so its primitive lattice is L — the first triple of the list
    whose volume is V/k, cleaned, which no τ decides (a triple that passes has volume above V/(k + ½), refused
    unless above max(τ)) — reduced at τ; its trimming groups exactly the orbits (members within μ of each other,
    other atoms beyond τ_max + 5μ) and averages them, and the mean of an orbit is moved by an operation of G no
    farther than its members are (≤ μ); (b) the lattice rotations: G's (exact isometries) among at most 48; (c) per
    rotation of G the translation to the partner of its first atom, within μ of G's (each image within 2μ ≤ τ of an
    atom), and every other candidate refuted by 3 (in the file's cell its image of each atom is within 4μ of the
    primitive cell's); (d) naming from those operations S: a type M that spglib's Hall-symbol match accepts at τ
    (each operation of S within τ of the candidate's after its origin shift, modulo L) is a group G_M with G's
    rotations and translations within τ + μ of G's; their difference d is a 1-cocycle modulo L whose values, lifted
    to vectors shorter than τ + μ, satisfy the cocycle identity up to a vector of L shorter than 3(τ + μ) — hence
    exactly (4): a cocycle of a finite group into R³ is a coboundary, d(R) = (I − R)u, and G_M is G with its origin
    moved by u — the same type. So spglib names no type but G's. That it does name G's at τ, and that its refinement
    (exact positions, Wyckoff letters: the site symmetries of an atom are the operations moving it by ≤ μ, every
    other beyond τ_max + 5μ) succeeds, rests on τ − μ ≥ 7μ covering the error of the origin shift spglib solves from
    at most three generator translations, each off by ≤ μ: that margin, not (a)–(c) (which need τ ≥ 2μ), is what the
    fraction 1/8 pays for, and its constant (the Cartesian size of spglib's origin-shift solution in an oblique
    conventional cell) is not derived here; the tests, spglib at every step on every file, carry it.

    The steps need not include the tolerance ``ds`` came from: G is spglib's dataset (the database operations of its
    Hall symbol with its origin shift), and nothing above uses what spglib accepted there (see
    :func:`certified_from`). Any doubt — a spglib of another major version, an operation near a tolerance, an inexact
    metric, a cell thinner than 2·max(τ), two atoms of a type within 1e-3 Å, more than 48 lattice rotations, a short
    or small primitive lattice — returns False and the caller runs spglib. Tested against spglib at every step on every shared
    and bundled file, the corpus's re-descriptions, structures built to lie near each step and random displacements
    of real structures (tests/test_ladder_certificate.py).
    """
    return _certificate(lattice, positions, types, ds, tolerances)[0]


def certified_from(lattice, positions, types, ds, tolerances, symprec, near=None,
                   deadline: float | None = None) -> int | None:
    """The smallest k such that :func:`ladder_certified` holds for the sorted ``tolerances[k:]``, or None (``symprec``,
    the tolerance ``ds`` came from, must be one of ``tolerances``; k may lie above it): the whole ladder is tried
    first and, when only its smallest steps fail — the group's operations move some atom by μ, more than an eighth of
    the smallest step but no more than an eighth of the largest — once more from the first step ≥ 8μ. The steps below
    k (and ``symprec``, already run) are left to spglib.

    A k above ``symprec`` needs nothing more than k = 0: the proof uses ``ds`` only as the exact group G (spglib's
    dataset holds the database operations of its Hall symbol with its origin shift, not the ones it accepted), and
    what spglib computes at each certified τ (pure translations, averaged primitive cell, the partner atom of each
    rotation) is the same atoms and affine maps at every such τ, each within μ of G's; what it accepted at
    ``symprec``, or at a tolerance it reduced to there, enters no step.

    ``near``: how the test "no two atoms of one type within the rejection distance" may read pairs already searched
    (:meth:`~symstrain.certificate_kernels._SameKind.pair_within`); the answer does not depend on it. ``deadline``
    (a ``time.perf_counter()`` value): past it, the search for a refutation stops and the steps it had not proven are
    left to spglib (None).
    """
    tols = sorted({float(x) for x in tolerances})
    if float(symprec) not in tols:
        return None
    ok, mu = _certificate(lattice, positions, types, ds, tols, reach=_ACCEPT_FRACTION * tols[-1], near=near,
                          deadline=deadline)
    if ok:
        return 0
    if mu is None:
        return None
    k = next((i for i, t in enumerate(tols) if mu <= _ACCEPT_FRACTION * t), None)
    if not k:  # None: μ above an eighth of every step (0 cannot follow a "no" that came from μ)
        return None
    return k if _certificate(lattice, positions, types, ds, tols[k:], near=near, deadline=deadline)[0] else None


def _certificate(lattice, positions, types, ds, tolerances, reach: float | None = None,
                 near=None, deadline: float | None = None) -> tuple[bool, float | None]:
    """:func:`ladder_certified`, and μ (Å) when the "no" came from μ above an eighth of the smallest step and μ is at
    most ``reach`` (how far μ is measured; at least that eighth), else None. Measuring μ farther changes no "yes":
    an image matched on the grid to an atom farther than that eighth when another atom of its type lies closer needs
    two atoms of a type within 2·``reach``, which step 2 refuses."""
    if not _spglib_modelled():
        return False, None
    tols = sorted({float(x) for x in tolerances})
    if not tols or tols[0] <= 0:
        return False, None
    tmin, tmax = tols[0], tols[-1]
    A = np.asarray(lattice, dtype=float).T  # cell vectors as columns
    pos = np.asarray(positions, dtype=float) % 1.0
    types = np.asarray(types, dtype=np.int64)
    n = len(pos)
    R = np.asarray(ds.rotations, dtype=np.int64)
    R9 = R.reshape(-1, 9)
    Rf = R.astype(float)
    t = np.asarray(ds.translations, dtype=float)
    G = A.T @ A
    if n == 0 or len(R) == 0 or np.abs(Rf.transpose(0, 2, 1) @ G @ Rf - G).max() > 1e-9 * np.abs(G).max():
        return False, None
    try:
        spacing, volume, A_inv = _cell_numbers(A, "cell")  # (A_inv: np.linalg.inv(A))
    except SymstrainInputError:  # no volume
        return False, None
    accept = _ACCEPT_FRACTION * tmin
    r_max = tmax * (1 + _SLACK) + 6 * accept + 1e-9  # the rejection distance at its largest
    if 2 * r_max > spacing.min():
        return False, None
    # 1. μ: one operation per rotation, and the pure translations (every operation is one of each)
    first_op, unrotated = _rotation_parts(R9.tobytes())
    pure = unrotated.nonzero()[0]
    starts = [A] if len(pure) == 1 else primitive_starts(A, t[pure])
    # a triple primitive.c takes has volume above V/(k + ½): above max(τ), its test "volume > τ" decides nothing
    if not starts or volume / (len(pure) + 0.5) <= tmax:
        return False, None
    # the identity (with translation 0) moves no atom: its images are the atoms themselves, at distance 0
    identity = unrotated & (t == 0).all(axis=1)
    rot, tra = first_op[~identity[first_op]], pure[~identity[pure]]
    ops = np.concatenate([rot, tra])
    images = _rows_times(pos, Rf[ops]) + t[ops][:, None, :]  # (operations, atoms, 3)
    sizes = _type_sizes(types)
    search = _SameKind(pos, types, A, r_max, sizes)
    reach = accept if reach is None else min(max(accept, float(reach)), r_max)  # μ measured up to there
    moved = _moved_exactly(pos, types, A, images, reach, search)
    if moved is None:
        return False, None
    moved = moved.reshape(len(ops), n)
    mu = float((moved[:len(rot)].max() if len(rot) else 0.0) + (moved[len(rot):].max() if len(tra) else 0.0))
    if not mu <= accept:
        return False, (mu if mu <= reach else None)
    r_reject = tmax * (1 + _SLACK) + 6 * mu + 1e-9
    # 2. two atoms of one type within the largest tolerance: spglib refuses the cell there
    if search.pair_within(r_reject, near):
        return False, None
    # 3. the rotations spglib may try at each step: it reduces its primitive basis at τ, then again (primitive.c,
    # symmetry.c), and searches that basis — the same C function on the same numbers here, the search at a larger
    # tolerance (which keeps more)
    bases = spglib_bases(starts, tols)
    if bases is None:
        return False, None
    bases = np.array(bases)
    inverses = np.linalg.inv(bases)
    # naming (4. of ladder_certified): no space-group type but G's lies within τ + μ of the operations spglib names
    # from when 3(τ + μ) is shorter than every vector of the primitive lattice (at least the plane spacings of a basis)
    if 3 * r_reject >= 1 / math.sqrt((inverses * inverses).sum(axis=2).max()):  # (the largest row norm)
        return False, None
    M, counts = _lattice_rotations(bases, 1.05 * tmax * (1 + _SLACK), inverses)
    if len(counts) and counts.max() > 48:  # spglib fails at that step and retries lower
        return False, None
    point = Rf[first_op]
    W, _ = _distinct(np.concatenate([_right(_left(A_inv, M), A), point]))  # in the file's basis, each once
    products = (W.reshape(-1, 3) @ point.transpose(1, 0, 2).reshape(3, -1)).reshape(len(W), 3, len(point), 3)
    W, wcode = _distinct(products.transpose(0, 2, 1, 3).reshape(-1, 3, 3))  # W·P for each W, then each P
    refs = ((sizes == sizes.min()) & (np.asarray(ds.equivalent_atoms) == np.arange(n))).nonzero()[0]
    nr, nw = len(refs), len(W)
    if nr == 0:
        return False, None
    # the candidates as a block (reference atom, rotation, atom of its type): every rarest type has c atoms
    c = int(sizes[refs[0]])  # (every reference is of a rarest type; counted before anything of size nr·c is made)
    if nr * nw * c > _P1_CANDIDATES:  # (a block of gigabytes on a large cell: spglib at each step costs less)
        return False, None
    kinds = types.take(refs)
    if (kinds == kinds[0]).all():  # (one rarest type, the usual case: its atoms once, (1, c, 3))
        partners = pos.take((types == kinds[0]).nonzero()[0], axis=0)[None]
    else:  # (nr, c, 3), O(N) each
        partners = pos[np.stack([(types == kind).nonzero()[0] for kind in kinds.tolist()])]
    ct = partners[:, None, :, :] - np.einsum("wij,aj->awi", W, pos[refs])[:, :, None, :]  # (nr, nw, c, 3)
    # the group's own operations among the candidates (one per operation and orbit representative): same rotation,
    # translation within 2μ (every other candidate with that rotation is off by a vector between two atoms of a
    # type, longer than r_reject by step 2); they need no more measuring (step 1 measured them)
    kk, gg = _equal_rows(wcode, R9 * 1000000)  # same rotation; kk ascending
    if len(kk) == 0:
        return False, None
    d = ct[:, kk] - t[gg][None, :, None, :]  # (nr, len(kk), c, 3)
    d -= np.rint(d)
    v = d.reshape(-1, 3) @ A.T
    close = (np.einsum("pk,pk->p", v, v) <= (2 * mu + 1e-9) ** 2).reshape(d.shape[:-1])
    hits = int(close.sum())
    first = np.concatenate([[True], kk[1:] != kk[:-1]]).nonzero()[0]
    own = np.zeros((nr, nw, c), dtype=bool)
    own[:, kk[first]] = np.logical_or.reduceat(close, first, axis=1)
    if hits != nr * len(R) or int(own.sum()) != hits:
        return False, None
    # every other candidate on a few atoms first, then on every atom where those did not refute it
    if len(refs) < n:
        others = np.ones(n, dtype=bool)
        others[refs] = False
        pool = others.nonzero()[0]
    else:
        pool = np.arange(n)
    order = pool.take(_spread(len(pool)))
    alive = (~own.reshape(-1)).nonzero()[0]  # candidate (a, w, j) is number (a·nw + w)·c + j
    # the first round on as many atoms (up to 4) as one block of distances measures: fewer rounds
    first, pairs = 0, 0
    for size in sizes.take(order[:4]).tolist():
        pairs += size * len(alive)
        if pairs > _DENSE_PAIRS:
            break
        first += 1
    first = max(1, first)
    return _all_refuted(pos, types, W, (alive // c) % nw, ct.reshape(-1, 3)[alive], order, search, r_reject,
                        first=first, deadline=deadline), mu


#: :func:`p1_certified` gives up (spglib runs at those steps) beyond this many candidate operations (rotations ×
#: pairs of atoms of a rarest type): each holds a rotation, a translation and two atom indices, ~50 bytes
_P1_CANDIDATES = 2_000_000


def p1_certified(lattice, positions, types, tolerances, deadline: float | None = None) -> bool:
    """True when spglib, run at each tolerance τ of ``tolerances`` (Å), finds P 1 (number 1, "P1"): no operation but
    the identity — so those steps of a ladder need no spglib call (:func:`symstrain.detect.detect_symmetry` asks this
    of the steps below ``symprec`` when :func:`certified_from` does not cover them, e.g. atoms a little off a
    symmetry that the larger steps find).

    With τ_max the largest tolerance (and the slack of the other tests): no two atoms of one type lie within τ_max
    (else spglib refuses the cell), and every operation spglib could try at a step — the lattice rotations it finds in
    the file's cell Delaunay-reduced twice at τ (:func:`spglib_bases`, :func:`_lattice_rotations` at 1.05·τ_max, which
    keeps more; at most 48), with the translations from every atom of each rarest type to every atom of its type —
    other than the identity leaves some atom farther than τ_max from every atom of its type. Then spglib finds no pure
    translation (its primitive cell is the file's cell, the start of those bases) and no operation but the identity,
    at every step; its distances (minimum image of its basis) are never shorter than these. Any doubt returns False,
    and so does a ``deadline`` (a ``time.perf_counter()`` value) passed before the proof is complete.
    """
    if not _spglib_modelled():
        return False
    tols = sorted({float(x) for x in tolerances})
    if not tols or tols[0] <= 0:
        return False
    A = np.asarray(lattice, dtype=float).T  # cell vectors as columns
    pos = np.asarray(positions, dtype=float) % 1.0
    types = np.asarray(types, dtype=np.int64)
    n = len(pos)
    r = tols[-1] * (1 + _SLACK) + 1e-9
    if n == 0 or abs(np.linalg.det(A)) < 1e-9:
        return False
    spacing = _spacings(A, "cell")  # (a cell of volume ≥ 1e-9 Å³: never refused there)
    if 2 * r > spacing.min():
        return False
    search = _SameKind(pos, types, A, r)
    if n > 1 and search.pair_within(r):
        return False
    bases = spglib_bases([A], tols)
    if bases is None:
        return False
    M, counts = _lattice_rotations(np.array(bases), 1.05 * r)
    if len(counts) == 0 or counts.max() > 48:
        return False
    W, wcode = _distinct(_right(_left(np.linalg.inv(A), _distinct(M)[0]), A))
    refs = np.flatnonzero(_of_rarest_type(types))  # every atom of a rarest type
    n_candidates = len(W) * sum(int(np.count_nonzero(types == types[a])) for a in refs)
    if n_candidates > _P1_CANDIDATES:  # (counted before they are made: ~N² of them in a large P 1 cell)
        return False  # spglib at those steps costs less than making them (sweep 6: 42 M candidates, 18 GB)
    cw, ct, cb, ca = [], [], [], []
    for a in refs:
        if deadline is not None and time.perf_counter() > deadline:
            return False
        js = np.flatnonzero(types == types[a])
        cw.append(np.repeat(np.arange(len(W)), len(js)))
        ct.append((pos[js][None, :, :] - (W @ pos[a])[:, None, :]).reshape(-1, 3))
        cb.append(np.tile(js, len(W)))
        ca.append(np.full(len(W) * len(js), a))
    if deadline is not None and time.perf_counter() > deadline:
        return False
    cw, ct, cb, ca = (np.concatenate(x) for x in (cw, ct, cb, ca))
    identity = (wcode == _IDENTITY9 * 1000000).all(axis=1)
    if not identity.any():
        return False
    alive = np.flatnonzero(~(identity[cw] & (cb == ca)))  # the identity (each atom to itself) is not refuted
    # at most about as many atom images measured as spglib's own search at one step would (it is what is saved)
    return _all_refuted(pos, types, W, cw[alive], ct[alive], _spread(n), search, r,
                        budget=_P1_BUDGET * n + len(alive), deadline=deadline)
