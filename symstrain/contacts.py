"""The contacts no real structure has: :func:`close_contacts` (atoms overlapping, or cations that never bond to each
other closer than the sum of their covalent radii in an oxide or fluoride).

What lives here: the two rules, their radii (gemmi's covalent radii) and which pairs are alternatives of each other
(partial occupancies, disorder groups). What does not: the pair search itself (``neighbours.pairs_within``, imported when
:func:`close_contacts` runs, so that ``neighbours`` can offer ``close_contacts`` too), the expansion to the cell
(``expand.py``). Distances in Å, shortest periodic image.
"""

from __future__ import annotations

import weakref

import numpy as np

from .phase import Phase

#: cations that never bond to each other in oxides and fluorides (no metal–metal bonds), for :func:`close_contacts`
_HARD_CATIONS = frozenset("Li Na K Rb Cs Be Mg Ca Sr Ba Al Si".split())
#: the small, highly charged ones: a pair of hard cations is held to the sum of their covalent radii only when one
#: of the two is among these (MgO 2.98 Å > 2.82, Al₂O₃ 2.65 > 2.42, CaSiO₃ Ca–Si 3.1 > 2.87). Two large alkali or
#: alkaline-earth cations touch closer than that sum in ordinary oxides (Li₂O 2.31 Å < 2.56, Na₂O 2.78 < 3.32,
#: CaO 3.40 < 3.52, BaO 3.91 < 4.30, BaTiO₃ Ba–Ba 4.00 < 4.30): they are never held to it
_SMALL_HARD_CATIONS = frozenset("Be Mg Al Si".split())
#: covalent radius (Å, gemmi's table) of each element symbol met so far
_COVALENT_RADIUS: dict[str, float] = {}


def _covalent_radius(element: str) -> float:
    """gemmi's covalent radius of ``element`` (Å; D and T as H)."""
    r = _COVALENT_RADIUS.get(element)
    if r is None:
        import gemmi

        r = _COVALENT_RADIUS[element] = float(gemmi.Element("H" if element in ("D", "T") else element).covalent_r)
    return r


#: :func:`overlap_pairs` already searched, per phase (a Phase is frozen and compared by identity; the entry goes with
#: it): ``info``'s symmetry certificate asks for them first (``detect.py``), the contacts then read them
_PAIRS: "weakref.WeakKeyDictionary[Phase, dict]" = weakref.WeakKeyDictionary()


def overlap_pairs(phase: Phase, overlap: float = 0.6) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(i, j, distance, r)``: every pair i < j of the atoms of the cell (``expand.expanded(phase)``: occupancy > 0,
    merged at the default tolerance) closer than r = ``overlap`` × twice the largest covalent radius of the phase's
    elements (Å; :func:`~symstrain.neighbours.pairs_within`, shortest image, sorted by (i, j)) — the search of the
    overlap rule of :func:`close_contacts`. Made once per (phase, ``overlap``) and remembered while the phase lives
    (arrays read-only); empty arrays (and r 0) for fewer than two atoms."""
    from .expand import expanded
    from .neighbours import pairs_within

    key = float(overlap)
    try:
        done = _PAIRS.setdefault(phase, {})
    except TypeError:  # not weakly referable: no memory
        done = {}
    got = done.get(key)
    if got is None:
        frac = expanded(phase)[0]
        if len(frac) < 2:
            got = (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0), 0.0)
        else:
            r = key * 2.0 * max(_covalent_radius(e) for e in {a.element for a in phase.atoms})
            got = (*pairs_within(frac, phase.cell.matrix(), r, source=phase.name), r)
        for x in got[:3]:
            x.flags.writeable = False
        done[key] = got
    return got


def close_contacts(phase: Phase, overlap: float = 0.6, max_pairs: int = 6) -> list[tuple[str, str, float, float, str]]:
    """Contacts that no real structure has, as ``(label_i, label_j, distance Å, limit Å, kind)``.

    Two rules, with r the covalent radii (gemmi's table):

    * ``"overlap"``: any two atoms closer than ``overlap`` × (r_i + r_j);
    * ``"cation-cation"``: in a structure with O or F, two cations that never bond to each other there
      (alkali and alkaline-earth metals, Al, Si), one of them Be, Mg, Al or Si, closer than r_i + r_j — e.g. Al–Si at 2.29 Å (limit
      2.32 Å) in the lawsonite Cmcm files. Transition metals are left out: W–W or Mo–Mo bonds are real.

    Pairs that are alternatives of each other are skipped: both partially occupied with occupancies
    summing to ≤ 1, or in different non-empty disorder groups. One line per label pair, shortest
    first, at most ``max_pairs``. Minimum-image distances are exact for any cell shape.
    """
    from .expand import expanded
    from .neighbours import pairs_within

    frac, _, site, occ = expanded(phase)
    if len(frac) < 2:
        return []
    A = phase.cell.matrix()
    elements = [a.element for a in phase.atoms]
    kinds = set(elements)
    rad_by_el = {e: _covalent_radius(e) for e in kinds}
    radius = np.array([rad_by_el[e] for e in elements]).take(site)  # per site, then per atom of the cell
    oxide = bool({"O", "F"} & kinds)
    # two searches, each as short as its rule allows: every pair within the overlap reach (shared with the ladder
    # certificate: :func:`overlap_pairs`), and the hard cations among themselves within the largest radius of a small
    # one plus the largest of a hard one (a pair the rule holds has one of each; the longer reach, but over far fewer
    # atoms) — none when no small one is present
    i, j, dist, r_overlap = overlap_pairs(phase, overlap)
    if oxide and len(kinds & _HARD_CATIONS):
        positive = np.array([e in _HARD_CATIONS for e in elements], dtype=bool).take(site)
        small = np.array([e in _SMALL_HARD_CATIONS for e in elements], dtype=bool).take(site)
        hard = np.flatnonzero(positive)
        smalls = kinds & _SMALL_HARD_CATIONS
        r_cation = (max(rad_by_el[e] for e in smalls) + max(rad_by_el[e] for e in kinds & _HARD_CATIONS)
                    if smalls else 0.0)
        if len(hard) > 1 and r_cation > r_overlap:
            hi, hj, hd = pairs_within(frac.take(hard, axis=0), A, r_cation, source=phase.name)
            code, first = np.unique(np.concatenate([i, hard.take(hi)]) * len(frac) + np.concatenate([j, hard.take(hj)]),
                                    return_index=True)
            i, j, dist = code // len(frac), code % len(frac), np.concatenate([dist, hd]).take(first)
    else:
        positive = None
    if len(i) == 0:
        return []
    rsum = radius.take(i) + radius.take(j)
    si, sj = site.take(i), site.take(j)
    oi, oj = occ.take(i), occ.take(j)
    alternative = (oi < 1) & (oj < 1) & (oi + oj <= 1 + 1e-3)
    groups = [a.disorder_group for a in phase.atoms]
    if any(groups):
        codes: dict[str, int] = {}
        groups_code = np.array([codes.setdefault(str(g), len(codes)) for g in groups], dtype=np.int64)
        has_group = np.array([bool(g) for g in groups])
        alternative |= has_group.take(si) & has_group.take(sj) & (groups_code.take(si) != groups_code.take(sj))
    bad_overlap = (dist < overlap * rsum) & ~alternative
    rules = [(bad_overlap, "overlap", overlap)]
    if positive is not None:
        held = positive.take(i) & positive.take(j) & (small.take(i) | small.take(j))
        rules.append((held & (dist < rsum) & ~alternative & ~bad_overlap, "cation-cation", 1.0))
    labels = [a.label for a in phase.atoms]
    out: dict[tuple[str, str], tuple] = {}
    for mask, kind, factor in rules:
        k = np.flatnonzero(mask)
        for a, b, d, lim in zip(si.take(k).tolist(), sj.take(k).tolist(), dist.take(k).tolist(),
                                (factor * rsum.take(k)).tolist()):
            key = (labels[a], labels[b]) if labels[a] <= labels[b] else (labels[b], labels[a])
            if key not in out or d < out[key][2]:
                out[key] = (key[0], key[1], d, lim, kind)
    return sorted(out.values(), key=lambda c: c[2])[:max_pairs]
