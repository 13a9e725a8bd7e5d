"""Every atom of the unit cell from the asymmetric unit: :func:`expand_to_cell` and :func:`expand_to_cell_ops`
(and :func:`expanded`, the same arrays read-only and shared, for callers that only read them).

What lives here: applying a phase's operations to its sites (vectorised) and merging images that fall on one
position (special positions, sites listed twice). What does not: the pair search it uses (``neighbours.py``),
spglib detection (``detect.py``), the operations themselves (``ops.py``).

Conventions
-----------
Operations (R, t) act on fractional column vectors, x' = R·x + t; expanded coordinates are reduced to [0, 1).
Distances are Å in the metric of the phase's cell, shortest periodic image.
"""

from __future__ import annotations

import weakref

import numpy as np

from .neighbours import pairs_within
from .phase import Phase

#: images of one site closer than this (Å, periodic metric) are one atom on a special position
MERGE_TOLERANCE = 0.02

#: expansions already made, per phase (a Phase is frozen and compared by identity): ``info`` asks for the same
#: cell three times (spglib, contacts, atom count); the entry goes with the phase
_CACHE: "weakref.WeakKeyDictionary[Phase, dict]" = weakref.WeakKeyDictionary()


#: atomic number of each element symbol met so far (gemmi's table; D and T count as 1)
_Z: dict[str, int] = {}


def _atomic_numbers(elements) -> np.ndarray:
    for e in set(elements).difference(_Z):
        import gemmi

        _Z[e] = 1 if e.upper() in ("D", "T") else int(gemmi.Element(e).atomic_number)
    return np.array([_Z[e] for e in elements], dtype=int)


def expand_to_cell(phase: Phase, include_zero_occupancy: bool = False, tol: float = MERGE_TOLERANCE):
    """Every atom of the unit cell generated from the asymmetric unit by all declared operations.

    Returns ``(frac, species, site_index, occupancy)``:

    * ``frac`` (N, 3) float fractional coordinates in [0, 1);
    * ``species`` (N,) int atomic numbers (D and T count as 1);
    * ``site_index`` (N,) int index of the generating atom in ``phase.atoms``;
    * ``occupancy`` (N,) float occupancy of that site.

    Two generated atoms closer than ``tol`` Å (minimum-image distance in the cell metric) are
    one atom when they are images of the same site (a special position) or images of two sites
    with the same element and occupancy (a site listed twice in the file, as some files list
    symmetry copies). Images linked through such pairs form one atom: the one generated first
    (site order, then operation order, so the identity image, i.e. the site as written) carries
    its site index and operation, placed at the mean of the images (on the special position when
    the file's coordinates miss it by rounding; unchanged, bit for bit, when the images coincide
    within 10⁻⁶ Å). Atoms of different elements or occupancies are never merged
    (mixed sites such as Al/Fe on one position keep both). ``tol`` = 0.02 Å by default: large enough
    for special positions written to 4 decimals (0.3333 in a 20 Å cell misses 1/3 by 0.0007 Å, and an
    operation can triple that), far below any real interatomic distance. Sites with occupancy 0 are
    left out unless ``include_zero_occupancy``.
    """
    frac, z, site, occ, _ = expand_cell(phase, include_zero_occupancy, tol)
    return frac, z, site, occ


def expand_to_cell_ops(phase: Phase, include_zero_occupancy: bool = False, tol: float = MERGE_TOLERANCE):
    """:func:`expand_to_cell` that also says which operation generated each atom, for callers that
    must carry more than a position (an anisotropic U transforms with the operation's rotation).

    Returns ``(frac, species, site_index, occupancy, op_index)``; ``op_index`` (N,) int indexes
    ``phase.spacegroup.rotations``/``translations``: atom k is ``R[op_index[k]]·x_site + t[...]`` modulo 1 (to within
    ``tol``: a merged atom sits at the mean of its images). Merging as in :func:`expand_to_cell` (same ``tol``), except that two different
    sites merge only when their element symbols are equal, not just their atomic numbers: H and D
    (or T) on one position with equal occupancies are two atoms here (they scatter neutrons differently).
    """
    return expand_cell(phase, include_zero_occupancy, tol, with_ops=True)


def expand_cell(phase: Phase, include_zero_occupancy: bool = False, tol: float = MERGE_TOLERANCE,
                with_ops: bool = False):
    """:func:`expand_to_cell` plus, last, the number of atoms merged across different sites (what
    ``detect.spglib_cell`` reports); with ``with_ops`` the operation index of each atom instead of that number,
    and isotopes kept apart when merging sites (:func:`expand_to_cell_ops`).

    Computed once per (phase, arguments) and remembered while the phase lives; every call gets its own copies
    of the arrays (:func:`expanded`: the remembered arrays themselves, for callers that only read them)."""
    return tuple(x.copy() if isinstance(x, np.ndarray) else x for x in _remembered(phase, include_zero_occupancy,
                                                                                     tol, with_ops))


def expanded(phase: Phase, include_zero_occupancy: bool = False, tol: float = MERGE_TOLERANCE):
    """:func:`expand_to_cell`'s ``(frac, species, site_index, occupancy)`` without copies: the arrays remembered for
    the phase, read-only and shared by every caller (cheaper for the many callers that only read them)."""
    return _remembered(phase, include_zero_occupancy, tol, False)[:4]


def _remembered(phase: Phase, include_zero_occupancy: bool, tol: float, with_ops: bool) -> tuple:
    """The result of :func:`_expand` for these arguments, made once per phase (arrays read-only)."""
    if include_zero_occupancy and all(a.occupancy > 0 for a in phase.atoms):
        include_zero_occupancy = False  # the same cell
    key = (bool(include_zero_occupancy), float(tol), bool(with_ops))
    try:
        done = _CACHE.setdefault(phase, {})
    except TypeError:  # not weakly referable (a subclass with slots): no memory
        done = {}
    got = done.get(key)
    if got is None:
        got = done[key] = _expand(phase, include_zero_occupancy, tol, with_ops)
        for x in got:
            if isinstance(x, np.ndarray):
                x.flags.writeable = False
    return got


def _expand(phase: Phase, include_zero_occupancy: bool, tol: float, with_ops: bool):
    """The work of :func:`expand_cell`, uncached."""
    atoms = phase.atoms
    used = range(len(atoms)) if include_zero_occupancy else [i for i, a in enumerate(atoms) if a.occupancy > 0]
    if len(used) == 0:
        return (np.zeros((0, 3)), np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0),
                np.zeros(0, dtype=int) if with_ops else 0)
    kept = [atoms[i] for i in used]
    idx = np.array(used, dtype=int)
    X = np.array([a.xyz for a in kept], dtype=float)  # (n, 3)
    R = np.asarray(phase.spacegroup.rotations, dtype=float)  # (m, 3, 3)
    t = np.asarray(phase.spacegroup.translations, dtype=float)  # (m, 3)
    m = len(R)
    Y = (np.einsum("mab,nb->nma", R, X) + t[None, :, :]).reshape(-1, 3)  # (n·m, 3), site-major
    Y -= np.floor(Y)
    Y[Y >= 1.0] = 0.0  # floor of -1e-17 leaves 1.0
    site = np.repeat(idx, m)
    z = np.repeat(_atomic_numbers([a.element for a in kept]), m)
    occ = np.repeat(np.array([a.occupancy for a in kept], dtype=float), m)
    # kind of atom for cross-site merging: atomic number, or the element symbol itself (isotopes apart)
    if with_ops:
        op = np.tile(np.arange(m), len(idx))
        _, kind = np.unique([a.element.strip().capitalize() for a in kept], return_inverse=True)
        kind = np.repeat(kind.reshape(-1), m)
    else:
        kind = z
    i, j, _ = pairs_within(Y, phase.cell.matrix(), tol, source=phase.name)  # (i < j)
    if len(i) == 0:  # no two images within tol: every one is an atom
        return Y, z, site, occ, (op if with_ops else 0)
    same_site = site.take(i) == site.take(j)
    same_kind = (kind.take(i) == kind.take(j)) & (np.abs(occ.take(i) - occ.take(j)) < 1e-6)
    merge = np.flatnonzero(same_site | same_kind)
    i, j, same_site = i.take(merge), j.take(merge), same_site.take(merge)
    rep = _cluster_representatives(len(Y), i, j)
    keep = rep == np.arange(len(Y))
    dropped = np.flatnonzero(~keep)
    n_cross = int(np.count_nonzero(site.take(dropped) != site.take(rep.take(dropped))))
    Y = _merged_positions(Y, rep, dropped, phase.cell.matrix())
    k = np.flatnonzero(keep)
    return (Y.take(k, axis=0), z.take(k), site.take(k), occ.take(k), (op.take(k) if with_ops else n_cross))


#: images of one atom whose spread is below this (Å) are the same position written twice (rounding of the
#: operations' arithmetic): the first image is kept as it is, bit for bit
_SAME_POSITION = 1e-6


def _cluster_representatives(n: int, i, j):
    """For each of ``n`` atoms the smallest index linked to it through the merged pairs ``(i, j)``: the atom each
    image merges into (labels propagated along the pairs until none changes; clusters are a few images)."""
    rep = np.arange(n)
    while True:
        low = rep.copy()
        np.minimum.at(low, j, low.take(i))
        np.minimum.at(low, i, low.take(j))
        low = low.take(low)
        if np.array_equal(low, rep):
            return rep
        rep = low


def _merged_positions(Y, rep, dropped, A):
    """``Y`` with each kept atom that absorbed images (``rep``: the atom each image merges into; ``dropped``: the images
    that are not kept) moved to the mean of its images (minimum image, fractional; reduced to [0, 1)): a site written
    0.0106 Å off a mirror (COD 12917's O3 in P6₃mc) becomes one atom on the mirror, where keeping the first image left
    it off the mirror and the cell without it. An atom whose images all lie within :data:`_SAME_POSITION` of it
    (equal but for the operations' rounding) keeps its position bit for bit."""
    if len(dropped) == 0:
        return Y
    owner = rep.take(dropped)
    d = Y.take(dropped, axis=0) - Y.take(owner, axis=0)
    d -= np.round(d)
    spread = np.linalg.norm(d @ np.asarray(A, float).T, axis=1) >= _SAME_POSITION
    if not spread.any():
        return Y
    owners, counts = np.unique(owner, return_counts=True)
    owners_spread = np.isin(owners, owner.compress(spread))
    owners, counts = owners.compress(owners_spread), counts.compress(owners_spread)
    shift = np.zeros((len(Y), 3))
    np.add.at(shift, owner, d)
    Y = Y.copy()
    Y[owners] += shift[owners] / (counts[:, None] + 1)
    Y[owners] -= np.floor(Y[owners])
    Y[Y >= 1.0] = 0.0
    return Y
