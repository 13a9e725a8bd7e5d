"""Pairs of atoms closer than a distance in a periodic cell, and the contacts no real structure has.

What lives here: :func:`pairs_within`, the one neighbour search of symstrain (gemmi's cell-list search,
``gemmi.NeighborSearch``, for the candidates; exact float64 distances for the answer), and
:func:`close_contacts`, which uses it. What does not: expanding a phase to its cell (``expand.py``).

Conventions
-----------
Fractional coordinates (N, 3) in any range; the cell is A = [a | b | c] (columns, Å) as from ``Cell.matrix``;
a pair's distance is the shortest over all periodic images, in Å. The search never holds more than
:data:`MAX_IMAGES` atom images: a cell too small for its atoms is bad input (:class:`SymstrainInputError`).
"""

from __future__ import annotations

import itertools

import numpy as np

from .errors import SymstrainInputError
from .phase import Phase

#: at most this many atom images (atoms × copies of the cell) in one neighbour search
MAX_IMAGES = 2_000_000
#: pairs whose exact distance is computed in one block (memory: pairs × lattice shifts × 3 floats)
_BLOCK = 200_000


def _spacings(A: np.ndarray, source: str) -> np.ndarray:
    """(3,) interplanar spacings d_k = 1/|row k of A⁻¹| (Å); a cell without volume is bad input."""
    if not np.all(np.isfinite(A)) or abs(np.linalg.det(A)) < 1e-12:
        raise SymstrainInputError(source, "the cell has no volume: no distances can be measured in it")
    return 1.0 / np.linalg.norm(np.linalg.inv(A), axis=1)


def _candidates(frac: np.ndarray, A: np.ndarray, r: float, source: str) -> np.ndarray:
    """(k, 2) pairs i < j with some image within about r Å (a superset), from gemmi's NeighborSearch.

    gemmi bins the cell and looks only in neighbouring bins (±1 per axis, wrapping once), with at least 3 bins
    per axis. Bins are made as wide as the larger of r and the mean spacing of the atoms (so a bin holds about
    one atom), and the search runs on a supercell of m_k copies along axis k, enough for 3 bins of that width:
    then every image within r lies in a neighbouring bin, whatever the cell's size and shape.
    """
    import gemmi

    n = len(frac)
    d = _spacings(A, source)
    volume = abs(np.linalg.det(A))
    width = max(r, (volume / n) ** (1 / 3))
    m = np.maximum(1, np.ceil(3 * width / d - 1e-9))
    images = float(n) * float(np.prod(m))
    if images > MAX_IMAGES:
        raise SymstrainInputError(
            source, f"the cell (interplanar spacings {', '.join(f'{x:.3g}' for x in d)} Å) is too small for its {n} "
                    f"atoms: a search for neighbours within {r:g} Å would need {images:.3g} atom images")
    m = m.astype(int)
    shifts = np.array(list(itertools.product(*(range(k) for k in m))), dtype=float)  # (0, 0, 0) first
    sc = ((frac % 1.0)[None, :, :] + shifts[:, None, :]).reshape(-1, 3) / m
    small = gemmi.SmallStructure()
    small.cell = gemmi.UnitCell(*_params(A * m))
    for x in sc.tolist():
        site = gemmi.SmallStructure.Site()
        site.fract = gemmi.Fractional(*x)
        small.add_site(site)
    ns = gemmi.NeighborSearch(small, width).populate()
    reach = r * (1 + 1e-6) + 1e-4  # gemmi measures in float32
    sites = small.sites
    ii, jj = [], []
    for i in range(n):
        for mark in ns.find_site_neighbors(sites[i], 0, reach):
            ii.append(i)
            jj.append(mark.atom_idx)
    i = np.array(ii, dtype=np.int64)
    j = np.array(jj, dtype=np.int64) % n
    ok = i != j
    code = np.unique(np.minimum(i[ok], j[ok]) * n + np.maximum(i[ok], j[ok]))
    return np.column_stack([code // n, code % n])


def _params(A: np.ndarray) -> tuple[float, ...]:
    from .phase import params_from_matrix

    return params_from_matrix(A)


def pairs_within(frac, A, r: float, source: str = "cell"):
    """Every pair of points closer than ``r`` Å: ``(i, j, distance)``, arrays with i < j, sorted by (i, j).

    ``frac`` (N, 3) fractional coordinates, ``A`` (3, 3) cell vectors as columns (Å). The distance is the
    shortest over all periodic images (exact for any cell shape); each pair appears once. Candidates come from
    gemmi's NeighborSearch (:func:`_candidates`), distances are recomputed in float64. ``source`` names the
    input in the SymstrainInputError raised for a cell too small to hold its atoms.
    """
    frac = np.asarray(frac, dtype=float).reshape(-1, 3)
    A = np.asarray(A, dtype=float)
    empty = (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0))
    if len(frac) < 2 or not r > 0:
        return empty
    pairs = _candidates(frac, A, r, source)
    if len(pairs) == 0:
        return empty
    i, j = pairs[:, 0], pairs[:, 1]
    diff = frac[j] - frac[i]
    diff -= np.rint(diff)
    v = diff @ A.T
    dist = np.sqrt(np.einsum("pk,pk->p", v, v))
    # an image shorter than half the smallest interplanar spacing is the shortest (any other lattice vector
    # added is at least that long); the others try every lattice shift that can matter, |Δ_k| ≤ |v|/d_k
    d = _spacings(A, source)
    far = np.flatnonzero(dist > 0.5 * d.min())
    if len(far):
        reach = [np.arange(-k, k + 1) for k in np.ceil(r / d).astype(int)]
        shifts = np.array(np.meshgrid(*reach, indexing="ij")).reshape(3, -1).T
        step = max(1, _BLOCK // len(shifts))
        for s0 in range(0, len(far), step):
            sel = far[s0:s0 + step]
            blk = (diff[sel, None, :] + shifts[None, :, :]) @ A.T
            dist[sel] = np.sqrt(np.einsum("psk,psk->ps", blk, blk).min(axis=1))
    keep = dist < r
    return i[keep], j[keep], dist[keep]


# ----------------------------------------------------------------------------- impossible contacts

#: cations that never bond to each other in oxides and fluorides (no metal–metal bonds), for :func:`close_contacts`
_HARD_CATIONS = frozenset("Li Na K Rb Cs Be Mg Ca Sr Ba Al Si".split())


def close_contacts(phase: Phase, overlap: float = 0.6, max_pairs: int = 6) -> list[tuple[str, str, float, float, str]]:
    """Contacts that no real structure has, as ``(label_i, label_j, distance Å, limit Å, kind)``.

    Two rules, with r the covalent radii (gemmi's table):

    * ``"overlap"``: any two atoms closer than ``overlap`` × (r_i + r_j);
    * ``"cation-cation"``: in a structure with O or F, two cations that never bond to each other there
      (alkali and alkaline-earth metals, Al, Si) closer than r_i + r_j — e.g. Al–Si at 2.29 Å (limit
      2.32 Å) in the lawsonite Cmcm files. Transition metals are left out: W–W or Mo–Mo bonds are real.

    Pairs that are alternatives of each other are skipped: both partially occupied with occupancies
    summing to ≤ 1, or in different non-empty disorder groups. One line per label pair, shortest
    first, at most ``max_pairs``. Minimum-image distances are exact for any cell shape.
    """
    import gemmi

    from .expand import expand_to_cell

    frac, z, site, occ = expand_to_cell(phase)
    if len(frac) < 2:
        return []
    A = phase.cell.matrix()
    labels = [a.label for a in phase.atoms]
    elements = [a.element for a in phase.atoms]
    groups = [a.disorder_group for a in phase.atoms]
    rad_by_el = {e: float(gemmi.Element("H" if e in ("D", "T") else e).covalent_r) for e in set(elements)}
    radius = np.array([rad_by_el[elements[s]] for s in site])
    oxide = bool({"O", "F"} & set(elements))
    positive = np.array([oxide and elements[s] in _HARD_CATIONS for s in site])
    groups_code = np.unique(np.array(groups, dtype=object).astype(str), return_inverse=True)[1]
    has_group = np.array([bool(g) for g in groups])
    limit_pos = [2 * rad_by_el[e] for e in rad_by_el if e in _HARD_CATIONS] if oxide else []
    r_max = max([overlap * 2.0 * max(rad_by_el.values())] + limit_pos)
    i, j, dist = pairs_within(frac, A, r_max, source=phase.name)
    if len(i) == 0:
        return []
    rsum = radius[i] + radius[j]
    si, sj = site[i], site[j]
    alternative = ((occ[i] < 1) & (occ[j] < 1) & (occ[i] + occ[j] <= 1 + 1e-3)) | (
        has_group[si] & has_group[sj] & (groups_code[si] != groups_code[sj])
    )
    bad_overlap = (dist < overlap * rsum) & ~alternative
    bad_cation = positive[i] & positive[j] & (dist < rsum) & ~alternative & ~bad_overlap
    out: dict[tuple[str, str], tuple] = {}
    for mask, kind, factor in ((bad_overlap, "overlap", overlap), (bad_cation, "cation-cation", 1.0)):
        for k in np.nonzero(mask)[0]:
            key = tuple(sorted((labels[si[k]], labels[sj[k]])))
            cand = (key[0], key[1], float(dist[k]), float(factor * rsum[k]), kind)
            if key not in out or cand[2] < out[key][2]:
                out[key] = cand
    return sorted(out.values(), key=lambda c: c[2])[:max_pairs]
