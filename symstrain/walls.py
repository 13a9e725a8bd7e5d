"""Sapriel's permissible domain walls: which planes two ferroelastic states can share without stress.

What lives here: :func:`permissible_walls` (the strain-compatibility condition solved for one strain difference Δe,
W and W′ walls told apart by varying Δe over what the symmetry allows, Miller indices, the obliquity),
:class:`Wall`, :class:`WallSolution`, and the small exact-ish lattice algebra they and ``domains.py`` share (snapping
to simple fractions, integer indices, null spaces, names of point operations, linear forms). Domain states and
twin laws live in ``domains.py``; nothing here knows about space groups, files or figures.

Conventions
-----------
* Tensors and normals are in one orthonormal frame (``domains.py`` uses the parent's: X ∥ a, Y in ab, Z ∥ c*).
* Sapriel (1975): a wall of normal n between states with strains e(1), e(2) is stress-free iff xᵀ·Δe·x = 0 for
  every x in the wall, Δe = e(1) − e(2): det Δe = 0 and the two non-zero eigenvalues λ₋ < 0 < λ₊ give two planes of
  normals ∝ √(−λ₋)·u₋ ± √λ₊·u₊; rank 1 gives one (double) plane; Δe = 0 leaves every orientation free.
* W walls: orientation fixed by symmetry (the same for every Δe the symmetry allows); W′: moves with the strain.
* Obliquity: from the compatibility Δe + Δω = a⊗n (linear strain), the rotation between the two lattices across a
  permissible wall is |Δω| = √(−λ₋·λ₊) (degrees), the same for both walls of a pair; 0 for rank 1.
* Miller indices of a plane of Cartesian normal n: h ∝ Aᵀ·n (A: cell vectors as columns); child (hkl) = parent (hkl)·P.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import contract
from .notation import frac_str, is_simple_fraction, triplet

UNRESTRICTED = "walls unrestricted by strain"
_TOL = 1e-9


def snap(x, scale: float = 1.0) -> np.ndarray:
    """Entries within 1e-9 of a fraction with denominator ≤ 12 become that fraction; |x| < 1e-12·scale become 0."""
    a = np.asarray(x, dtype=float)
    r = np.round(a * 12) / 12
    return contract.clean(np.where(np.abs(a - r) < _TOL, r, a), scale)


def nullspace(M: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Columns spanning the right null space of M (singular values below tol × the largest count as zero)."""
    from scipy.linalg import null_space

    return null_space(np.atleast_2d(np.asarray(M, dtype=float)), rcond=tol)


def integer_indices(v, max_index: int = 12) -> tuple[int, ...] | None:
    """Smallest integers proportional to v (first non-zero positive, each |index| ≤ max_index), or None when v is
    not proportional to such integers (within 1e-6)."""
    v = np.asarray(v, dtype=float)
    v = np.where(np.abs(v) < 1e-9 * np.abs(v).max(), 0.0, v)
    u = v / np.abs(v[v != 0]).min()
    for m in range(1, max_index + 1):
        w = u * m
        if np.abs(w).max() > max_index + 1e-6:
            return None
        if np.all(np.abs(w - np.round(w)) < 1e-6 * m):
            ints = np.round(w).astype(int)
            ints = ints // np.gcd.reduce(np.abs(ints[ints != 0]))
            return tuple(int(x) for x in (ints if ints[np.flatnonzero(ints)[0]] > 0 else -ints))
    return None


def rref_rows(M: np.ndarray) -> np.ndarray:
    """Reduced row-echelon form of the rows of a (k, 3) M (zero rows dropped), entries snapped to simple fractions;
    :func:`symstrain.tensors.rref` works on six columns, so M is padded with zeros."""
    from .tensors import rref

    M = np.asarray(M, dtype=float).reshape(-1, 3)
    return snap(rref(np.pad(M, ((0, 0), (0, 3))), tol=_TOL)[:, :3])


def unit_normal(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    v = v / np.linalg.norm(v)
    return contract.clean(v if v[np.flatnonzero(np.abs(v) > 1e-9)[0]] > 0 else -v)


def _coef(c: float) -> str:
    return frac_str(c, 12) if is_simple_fraction(c, 12, 1e-6) else f"{c:.4g}"


def linear_form(v, names=("x", "y", "z")) -> str:
    """'x - y' for coefficients (1, -1, 0): integers as given, others scaled so the largest |coefficient| is 1."""
    v = np.asarray(v, dtype=float)
    if not np.all(v == np.round(v)):
        v = v / np.abs(v).max()
    terms = ""
    for c, n in zip(v, names):
        if abs(c) < 1e-9:
            continue
        mag = _coef(abs(c))
        terms += (" - " if c < 0 else (" + " if terms else "")) if terms else ("-" if c < 0 else "")
        terms += ("" if mag == "1" else mag + "·") + n
    return terms


def hkl_text(T) -> str:
    """A matrix on column (h, k, l) as '(h k l) → (-h k l)'."""
    rows = triplet(T, np.zeros(3)).translate(str.maketrans("xyz", "hkl")).split(",")
    return "(h k l) → (" + " ".join(rows) + ")"


def point_operation_name(W: np.ndarray) -> str:
    """Geometric name of a rotation W (fractional, any basis) with its axis as a lattice direction, e.g. 'm ⊥ [100]'."""
    W = np.asarray(W, dtype=float)
    det = round(float(np.linalg.det(W)))
    Wp = det * W
    tr = round(float(np.trace(Wp)))
    order = {3: 1, -1: 2, 0: 3, 1: 4, 2: 6}[tr]
    if order == 1:
        return "1" if det == 1 else "-1"
    axis = integer_indices(np.real(nullspace(Wp - np.eye(3))[:, 0]))
    uvw = "[" + "".join(str(x) for x in axis) + "]" if axis else "[?]"
    if det == 1:
        return f"{order} ∥ {uvw}"
    return f"m ⊥ {uvw}" if order == 2 else f"-{order} ∥ {uvw}"


# ------------------------------------------------------------------------------------------------ walls
@dataclass(frozen=True)
class Wall:
    """One permissible (stress-free) wall between two orientation states."""

    #: "W" (orientation fixed by symmetry) or "W'" (orientation depends on the strain values)
    kind: str
    #: (3,) unit normal in the parent Cartesian frame (first non-zero component positive)
    normal: np.ndarray
    #: (3,) Miller indices of the wall plane in the parent basis, scaled so the largest |index| is 1 (irrational
    #: for most W′ walls); ``miller_parent`` the smallest integers when rational (≤ 12), else None
    hkl_parent: np.ndarray
    miller_parent: tuple[int, int, int] | None
    #: the same plane in the child basis, (hkl)_child = (hkl)_parent · P
    hkl_child: np.ndarray
    miller_child: tuple[int, int, int] | None
    #: the wall plane n·r = 0 written in x, y, z of the parent Cartesian frame, e.g. "x = 0"
    equation: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "normal": self.normal.tolist(), "hkl_parent": self.hkl_parent.tolist(),
                "miller_parent": None if self.miller_parent is None else list(self.miller_parent),
                "hkl_child": self.hkl_child.tolist(),
                "miller_child": None if self.miller_child is None else list(self.miller_child),
                "equation": self.equation}


@dataclass(frozen=True)
class WallSolution:
    """Sapriel's condition solved for one strain difference Δe."""

    #: "walls", "none" (no real plane pair), "unrestricted" (Δe = 0: any orientation is stress-free)
    status: str
    walls: tuple[Wall, ...]
    #: rotation between the two lattices across a permissible wall (degrees), None when no wall exists
    obliquity: float | None
    #: one sentence saying the outcome in words
    verdict: str


def _plane_normals(d: np.ndarray, rank: int) -> tuple[list[np.ndarray], str]:
    """Normals of the planes in xᵀ·d·x = 0 for a symmetric d of the given (symmetry) rank, and a status."""
    lam, vec = np.linalg.eigh(d)
    if rank == 3:
        return [], "det"
    order = np.argsort(np.abs(lam))
    lam = lam.copy()
    lam[order[: 3 - rank]] = 0.0
    nz = order[3 - rank:]
    if rank == 1:
        return [vec[:, nz[0]]], "ok"
    lo, hi = sorted(nz, key=lambda i: lam[i])
    if not (lam[lo] < 0 < lam[hi]):
        return [], "same_sign"
    a, b = math.sqrt(-lam[lo]), math.sqrt(lam[hi])
    return [a * vec[:, lo] + b * vec[:, hi], a * vec[:, lo] - b * vec[:, hi]], "ok"


def _rank(d: np.ndarray, scale: float) -> int:
    return int(np.sum(np.abs(np.linalg.eigvalsh(d)) > 1e-9 * scale))


def permissible_walls(delta_e, variations=None, parent_matrix=None, P=None) -> WallSolution:
    """Walls across which two states with strain difference ``delta_e`` (3×3, parent Cartesian frame) fit.

    ``variations``: (m, 3, 3) tensors spanning every Δe the symmetry allows for this pair (default: Δe alone). They
    fix the rank of Δe by symmetry (so a zero eigenvalue that symmetry imposes is exactly zero) and tell W walls
    (the same normal for every allowed Δe) from W′ walls. ``parent_matrix`` (cell vectors as columns, Å) and ``P``
    give Miller indices (default: the frame's axes, P = I).
    """
    d = np.asarray(delta_e, dtype=float)
    d = 0.5 * (d + d.T)
    A = np.eye(3) if parent_matrix is None else np.asarray(parent_matrix, dtype=float)
    P = np.eye(3) if P is None else np.asarray(P, dtype=float)
    V = np.asarray([d] if variations is None or len(variations) == 0 else variations, dtype=float)
    scale = float(np.abs(d).max())
    if scale == 0.0:
        why = ("the two states have the same spontaneous strain" if not np.abs(V).max() > 0 else
               "the two strains are equal at these values (Δe = 0)")
        return WallSolution("unrestricted", (), 0.0, f"{UNRESTRICTED}: {why}, so every wall orientation is stress-free")
    rng = np.random.default_rng(20240515)
    samples = np.einsum("sm,mij->sij", rng.normal(size=(4, len(V))), V)
    rank = max(_rank(s, np.abs(s).max()) for s in samples)
    normals, status = _plane_normals(d, rank)
    if status == "det":
        return WallSolution("none", (), None, "no permissible wall: det Δe ≠ 0, so the quadric xᵀ·Δe·x = 0 "
                                              "contains no plane")
    if status == "same_sign":
        return WallSolution("none", (), None, "no permissible wall: the non-zero eigenvalues of Δe have one sign, so "
                                              "xᵀ·Δe·x = 0 is a single line")
    # W or W′: perturb Δe inside the allowed space and see whether each normal stays put
    pert = [d + 0.2 * scale * s / np.abs(s).max() for s in samples]
    pert_normals = [[n / np.linalg.norm(n) for n in _plane_normals(s, rank)[0]] for s in pert]
    walls = []
    for n in normals:
        n = unit_normal(n)
        fixed = all(any(abs(abs(n @ m) - 1) < 1e-9 for m in ms) for ms in pert_normals)
        h = A.T @ n
        h = snap(h / np.abs(h).max())
        hc = h @ P
        hc = snap(hc / np.abs(hc).max())
        walls.append(Wall("W" if fixed else "W'", n, h, integer_indices(h), hc, integer_indices(hc),
                          linear_form(n) + " = 0"))
    lam = np.linalg.eigvalsh(d)
    obliq = 0.0 if rank == 1 else math.degrees(math.sqrt(max(-lam.min() * lam.max(), 0.0)))
    names = ", ".join(f"{w.kind} ({' '.join(map(str, w.miller_parent))})" if w.miller_parent else f"{w.kind} "
                      f"(normal {np.round(w.normal, 4).tolist()})" for w in walls)
    return WallSolution("walls", tuple(walls), obliq,
                        f"{len(walls)} permissible wall{'s' if len(walls) > 1 else ''}: {names} of the parent")
