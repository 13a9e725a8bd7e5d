"""Exact small-matrix algebra of a basis change P: its inverse, and ranks of integer 3×3 matrices.

What lives here: :func:`inverse` — P⁻¹ of a 3×3 basis change, exact where P is integral (the adjugate over the
determinant: each entry one correctly rounded division, so a unimodular P has an integer inverse and a supercell's
entries are the nearest floats to their fractions), LAPACK's otherwise; read-only and remembered per P, since one
relation asks for it in the correspondence, the cosets, the ferroic fields and the conditions. :func:`ranks` — exact
ranks of integer matrices. What does not: operations and their sets (``ops.py``), the text of a basis
(``notation.py``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def inverse(P) -> np.ndarray:
    """(3, 3) float P⁻¹ of an invertible (3, 3) matrix, read-only (see the module docstring)."""
    P = np.asarray(P, dtype=float)
    return _inverse(P.tobytes())


@lru_cache(maxsize=64)
def _inverse(P_bytes: bytes) -> np.ndarray:
    P = np.frombuffer(P_bytes).reshape(3, 3)
    Pl = P.tolist()
    if all(x == int(x) for row in Pl for x in row):
        (a, b, c), (d, e, f), (g, h, i) = ([int(x) for x in row] for row in Pl)
        adj = [[e * i - f * h, c * h - b * i, b * f - c * e],
               [f * g - d * i, a * i - c * g, c * d - a * f],
               [d * h - e * g, b * g - a * h, a * e - b * d]]
        det = a * adj[0][0] + b * adj[1][0] + c * adj[2][0]
        out = np.array([[x / det for x in row] for row in adj]) if det else np.linalg.inv(P)
    else:
        out = np.linalg.inv(P)
    out.setflags(write=False)
    return out


#: flat indices of the 2×2 minors of a 3×3 matrix: minor (i, j) = M[a]·M[d] − M[b]·M[c] (rows ≠ i, cols ≠ j)
_MINOR = np.array([[3 * r0 + c0, 3 * r0 + c1, 3 * r1 + c0, 3 * r1 + c1]
                   for r0, r1 in ((1, 2), (0, 2), (0, 1)) for c0, c1 in ((1, 2), (0, 2), (0, 1))]).T


def ranks(M: np.ndarray) -> np.ndarray:
    """(n,) exact ranks of integer matrices (n, 3, 3) given as floats (small entries: exact products): 3 where
    det ≠ 0, 2 where some 2×2 minor is not 0, 1 where some entry is not 0 — what ``np.linalg.matrix_rank`` gives
    them, without an SVD."""
    F = np.asarray(M, dtype=float).reshape(-1, 9)
    minors = F[:, _MINOR[0]] * F[:, _MINOR[3]] - F[:, _MINOR[1]] * F[:, _MINOR[2]]  # (n, 9), row-major (i, j)
    det = F[:, 0] * minors[:, 0] - F[:, 1] * minors[:, 1] + F[:, 2] * minors[:, 2]
    return np.where(det != 0, 3, np.where(minors.any(axis=1), 2, np.where(F.any(axis=1), 1, 0)))


def unimodular_inverses(R: np.ndarray) -> np.ndarray:
    """(n, 3, 3) float inverses of integer matrices (n, 3, 3) of determinant ±1 (rotations): the adjugate times the
    determinant, exact (what ``np.rint(np.linalg.inv(R))`` gives them)."""
    F = np.asarray(R, dtype=float).reshape(-1, 9)
    minors = F[:, _MINOR[0]] * F[:, _MINOR[3]] - F[:, _MINOR[1]] * F[:, _MINOR[2]]
    cof = minors * _COFACTOR_SIGN
    det = F[:, 0] * cof[:, 0] + F[:, 1] * cof[:, 1] + F[:, 2] * cof[:, 2]
    return np.swapaxes(cof.reshape(-1, 3, 3), 1, 2) * det[:, None, None]  # adj = cofactorsᵀ; 1/det = det


_COFACTOR_SIGN = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0])
