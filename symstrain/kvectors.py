"""Wave vectors of a parent lattice: CDML labels of special points, stars, the Brillouin-zone boundary.

What lives here: :data:`K_LABELS` (special points per Bravais lattice) and :data:`K_LABEL_SOURCE`,
:func:`lattice_type` (oP, oC, tP, … from the IT number and centring), :func:`k_label` (the label of a k-star, if
special), :func:`stars` (wave vectors grouped into stars), :func:`zone_boundary`, :func:`shortest_copy` (the shortest
copy of k), :func:`reciprocal_points`, :func:`in_reciprocal_lattice` and :func:`fmt_k`. What does not: the
representations carried by the wave vectors (``irreps.py``), mode amplitudes (``modes.py``).

Conventions
-----------
* Wave vectors are fractional coordinates in the parent's *conventional* reciprocal basis (a*, b*, c*), as in
  Bilbao's KVEC and ISODISTORT, unless a function says primitive; a star is the set of k' = R⁻ᵀ·k (mod 1) under the
  parent's rotations, ±k merged.
* k labels are the CDML labels (Cracknell, Davies, Miller & Love 1979) of special points of the parent's Bravais
  lattice, as tabulated by the Bilbao Crystallographic Server (KVEC), in conventional reciprocal coordinates of the
  ITA standard setting: :func:`k_label` is given k, rotations and centring in that setting (``irreps.py`` writes
  the parent's operations there, whatever the file's setting, and brings k back to the file's axes). Γ (k = 0, and
  every vector of the parent's reciprocal lattice) is given for every lattice; the other special points for the
  standard settings of the 14 lattices (hR in hexagonal axes; non-special points: coordinates only).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

#: CDML special points (conventional reciprocal coordinates) per lattice type; see the module docstring
K_LABELS = {
    "oP": {"Γ": (0, 0, 0), "X": (1 / 2, 0, 0), "Y": (0, 1 / 2, 0), "Z": (0, 0, 1 / 2), "S": (1 / 2, 1 / 2, 0),
           "U": (1 / 2, 0, 1 / 2), "T": (0, 1 / 2, 1 / 2), "R": (1 / 2, 1 / 2, 1 / 2)},
    "oC": {"Γ": (0, 0, 0), "Y": (1, 0, 0), "Z": (0, 0, 1 / 2), "T": (1, 0, 1 / 2), "S": (1 / 2, 1 / 2, 0),
           "R": (1 / 2, 1 / 2, 1 / 2)},
    "tP": {"Γ": (0, 0, 0), "Z": (0, 0, 1 / 2), "X": (0, 1 / 2, 0), "M": (1 / 2, 1 / 2, 0), "R": (0, 1 / 2, 1 / 2),
           "A": (1 / 2, 1 / 2, 1 / 2)},
    "hP": {"Γ": (0, 0, 0), "A": (0, 0, 1 / 2), "M": (1 / 2, 0, 0), "L": (1 / 2, 0, 1 / 2), "K": (1 / 3, 1 / 3, 0),
           "H": (1 / 3, 1 / 3, 1 / 2)},
    "cP": {"Γ": (0, 0, 0), "X": (0, 1 / 2, 0), "M": (1 / 2, 1 / 2, 0), "R": (1 / 2, 1 / 2, 1 / 2)},
    "cF": {"Γ": (0, 0, 0), "X": (0, 1, 0), "L": (1 / 2, 1 / 2, 1 / 2), "W": (1 / 2, 1, 0)},
    "cI": {"Γ": (0, 0, 0), "H": (0, 1, 0), "N": (1 / 2, 1 / 2, 0), "P": (1 / 2, 1 / 2, 1 / 2)},
    # the other lattices as in Bilbao's tables of P-1, P2/m, C2/m, Immm, Fmmm, I4/mmm and R-3m (standard settings:
    # unique axis b, cell choice 1; R in hexagonal axes, obverse)
    "aP": {"Γ": (0, 0, 0), "X": (1 / 2, 0, 0), "Y": (0, 1 / 2, 0), "Z": (0, 0, 1 / 2), "V": (1 / 2, 1 / 2, 0),
           "U": (1 / 2, 0, 1 / 2), "T": (0, 1 / 2, 1 / 2), "R": (1 / 2, 1 / 2, 1 / 2)},
    "mP": {"Γ": (0, 0, 0), "Y": (1 / 2, 0, 0), "Z": (0, 1 / 2, 0), "B": (0, 0, 1 / 2), "C": (1 / 2, 1 / 2, 0),
           "A": (1 / 2, 0, 1 / 2), "D": (0, 1 / 2, 1 / 2), "E": (1 / 2, 1 / 2, 1 / 2)},
    "mC": {"Γ": (0, 0, 0), "Y": (0, 1, 0), "A": (0, 0, 1 / 2), "M": (0, 1, 1 / 2), "V": (1 / 2, 1 / 2, 0),
           "L": (1 / 2, 1 / 2, 1 / 2)},
    "oI": {"Γ": (0, 0, 0), "X": (0, 0, 1), "R": (1 / 2, 0, 1 / 2), "S": (0, 1 / 2, 1 / 2), "T": (1 / 2, 1 / 2, 0),
           "W": (1 / 2, 1 / 2, 1 / 2)},
    "oF": {"Γ": (0, 0, 0), "T": (1, 0, 0), "Y": (0, 1, 0), "Z": (0, 0, 1), "L": (1 / 2, 1 / 2, 1 / 2)},
    "tI": {"Γ": (0, 0, 0), "M": (0, 0, 1), "X": (1 / 2, 1 / 2, 0), "N": (1 / 2, 0, 1 / 2), "P": (1 / 2, 1 / 2, 1 / 2)},
    "hR": {"Γ": (0, 0, 0), "T": (0, 0, 3 / 2), "F": (0, 1 / 2, 1), "L": (-1 / 2, 1 / 2, 1 / 2)},
}

#: the space groups of the rhombohedral lattice (hR whatever the axes of the file)
R_GROUPS = frozenset({146, 148, 155, 160, 161, 166, 167})

K_LABEL_SOURCE = ("CDML labels (Cracknell, Davies, Miller & Love 1979) of the special points of the parent's Bravais "
                  "lattice as tabulated by the Bilbao Crystallographic Server (KVEC); labels (k letter, irrep number, "
                  "Mulliken symbol) of the parent group's ITA standard setting whatever the file's setting, k vectors "
                  "in the conventional reciprocal axes of the parent file; Γ for every lattice, the other points for "
                  "aP, mP, mC, oP, oC, oI, oF, tP, tI, hR, hP, cP, cF, cI")


def lattice_type(number: int, centring: str) -> str:
    """Pearson-style lattice symbol (oP, oC, tP, hP, cF, ...) from the space-group number and centring letter."""
    system = ("a" if number <= 2 else "m" if number <= 15 else "o" if number <= 74 else "t" if number <= 142
              else "h" if number <= 194 else "c")
    if number in R_GROUPS:  # in rhombohedral axes the cell has no centring: still hR, not hP
        return "hR"
    return system + centring


def fmt_k(k) -> str:
    """A wave vector as fractions, e.g. ``(1/2, 0, 1/4)``."""
    return "(" + ", ".join(str(Fraction(float(x)).limit_denominator(96)) for x in k) + ")"


def stars(ks: np.ndarray, Rp: np.ndarray) -> list[list[int]]:
    """Indices of ``ks`` grouped into stars under the rotations (k' = R⁻ᵀ·k mod 1), ±k merged."""
    keyof = {tuple(np.round((k % 1.0) * 1e6).astype(np.int64) % 1_000_000): i for i, k in enumerate(ks)}
    Rinv_T = np.transpose(np.linalg.inv(Rp), (0, 2, 1))
    done, out = set(), []
    for i, k in enumerate(ks):
        if i in done:
            continue
        members = set()
        for s in (1, -1):
            for R in Rinv_T:
                kk = (s * (R @ k)) % 1.0
                j = keyof.get(tuple(np.round(kk * 1e6).astype(np.int64) % 1_000_000))
                if j is not None:
                    members.add(j)
        done |= members
        out.append(sorted(members))
    return out


def k_label(k_conv: np.ndarray, Rc_conv: np.ndarray, ltype: str, cent: np.ndarray):
    """(label, representative) of the star of k among the CDML special points of the lattice, or (None, None); Γ
    (k a vector of the parent's reciprocal lattice) whatever the lattice."""
    if in_reciprocal_lattice(np.asarray(k_conv, dtype=float), cent):
        return "Γ", np.zeros(3)
    table = K_LABELS.get(ltype)
    if ltype == "hR" and len(np.asarray(cent).reshape(-1, 3)) == 0:
        table = None  # rhombohedral axes: the table's coordinates are those of the hexagonal axes
    if not table:
        return None, None
    arms = [s * (np.linalg.inv(R).T @ k_conv) for R in Rc_conv for s in (1, -1)]
    for name, pt in table.items():
        for a in arms:
            d = a - np.array(pt)
            if in_reciprocal_lattice(d, cent):
                return name, np.array(pt, float)
    return None, None


def in_reciprocal_lattice(d: np.ndarray, cent: np.ndarray) -> bool:
    """d (conventional reciprocal units) is a vector of the parent's reciprocal lattice (integer, and integer on
    every centring translation)."""
    if not np.allclose(d, np.round(d), atol=1e-6):
        return False
    return all(abs(v - round(v)) < 1e-6 for v in (np.round(d) @ c for c in cent))


def reciprocal_points(cent: np.ndarray, reach: int) -> np.ndarray:
    """(n, 3) the vectors of the parent's reciprocal lattice (conventional units) with every coordinate in
    [−reach, reach]: the integer ones that are integral on every centring translation (:func:`in_reciprocal_lattice`
    on every row at once)."""
    rng = np.arange(-reach, reach + 1)
    K = np.stack(np.meshgrid(rng, rng, rng, indexing="ij"), -1).reshape(-1, 3).astype(float)
    ph = K @ np.asarray(cent, dtype=float).reshape(-1, 3).T
    return K[np.all(np.abs(ph - np.round(ph)) < 1e-6, axis=1)]


def shortest_copy(k_conv: np.ndarray, metric: np.ndarray, cent: np.ndarray, positive: bool = True) -> np.ndarray:
    """k (conventional reciprocal units) moved by a vector of the parent's reciprocal lattice onto its shortest copy
    (reciprocal metric), where one is strictly shorter: a wave vector chosen in (−½, ½] of primitive units can be
    long in the conventional units of a centred cell (R in hexagonal axes: (−3, ½, ½) for (0, ½, ½)). With
    ``positive``, a copy so found is written with its first non-zero coordinate positive (k and −k are one star):
    (0, 0, 1), not (0, 0, −1); an arm of a star keeps its sign (−k is an arm of its own where it is not k: sweep 15,
    I4/mmm's (0, 0, 2/3) and (0, 0, −2/3) were both written (0, 0, 2/3))."""
    k = np.asarray(k_conv, float)
    Gs = np.linalg.inv(metric)
    copies = k[None, :] - reciprocal_points(cent, 3)
    length = np.einsum("ni,ij,nj->n", copies, Gs, copies)
    own = float(k @ Gs @ k)
    i = int(np.argmin(length))
    if not length[i] < own - 1e-9 * max(own, 1e-12):
        return k
    return positive_first(copies[i]) if positive else copies[i] + 0.0


def positive_first(k: np.ndarray) -> np.ndarray:
    """k written with its first non-zero coordinate positive: k and −k name one physically irreducible
    representation (a real one holds both), so (−1/2, 0, 0) and (1/2, 0, 0) are written alike."""
    k = np.asarray(k, float)
    first = k[np.abs(k) > 1e-9]
    return -k + 0.0 if len(first) and first[0] < 0 else k


def zone_boundary(k_conv: np.ndarray, metric: np.ndarray, cent: np.ndarray) -> bool:
    """True when k lies on the Brillouin-zone surface: two reciprocal-lattice points are equally nearest to it."""
    Gs = np.linalg.inv(metric)
    K = reciprocal_points(cent, 2)
    d = k_conv[None, :] - K
    dist = np.einsum("ni,ij,nj->n", d, Gs, d)
    dmin = dist.min()
    if dmin < 1e-12 and np.allclose(k_conv, np.round(k_conv)):
        return False
    return int(np.sum(np.abs(dist - dmin) <= 1e-9 * max(dmin, 1e-12) + 1e-12)) > 1
