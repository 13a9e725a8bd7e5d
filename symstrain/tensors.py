"""Tensor properties under point groups: which strain components (and polar vectors) a group allows.

What lives here: symmetric rank-2 tensors in Voigt order (e11, e22, e33, e23, e13, e12) invariant under a set of
Cartesian rotations, the part allowed by a subgroup but not by its parent (the symmetry-breaking strain), readable
names for such subspaces ('e13', 'e11-e22'), and the count of invariant vectors (polarity). Used by ``relation``;
nothing here knows about space groups or files.

Conventions: rotations are (n, 3, 3) Cartesian matrices S acting as e → S·e·Sᵀ; a fractional rotation W on a cell
with vectors as the columns of A becomes S = A·W·A⁻¹. Subspaces are rows of Voigt coordinates, orthonormal in the
Frobenius metric (off-diagonal components counted twice) where stated.
"""

from __future__ import annotations

import numpy as np

from .notation import frac
from .notation import frac_str as _frac

#: Voigt order of a symmetric rank-2 tensor, by name and by (row, column)
STRAIN_COMPONENTS = ("e11", "e22", "e33", "e23", "e13", "e12")
VOIGT_PAIRS = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
#: the Frobenius metric on Voigt vectors: off-diagonal components count twice (Σ_ij x_ij² = Σ_k w_k·x_k²)
VOIGT_WEIGHTS = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
VOIGT_WEIGHTS.setflags(write=False)


def _sym_basis() -> np.ndarray:
    B = np.zeros((6, 3, 3))
    for k, (i, j) in enumerate(VOIGT_PAIRS):
        B[k, i, j] = B[k, j, i] = 1.0
    return B


_B = _sym_basis()
_TRIU = np.triu_indices(3)


def invariant_tensors(cart_rots: np.ndarray) -> np.ndarray:
    """Orthonormal basis (rows, Voigt coordinates e11,e22,e33,e23,e13,e12) of symmetric tensors invariant
    under every Cartesian rotation S: S·e·Sᵀ = e."""
    S = np.asarray(cart_rots, dtype=float).reshape(-1, 3, 3)
    # (n, 6, 3, 3): S·B_k·Sᵀ − B_k for every rotation and basis tensor; rows of A: one upper-triangle entry of one
    # rotation, columns: the six basis tensors
    X = S[:, None] @ _B[None] @ np.swapaxes(S, 1, 2)[:, None] - _B[None]
    A = X[:, :, _TRIU[0], _TRIU[1]].transpose(0, 2, 1).reshape(-1, 6)
    # (A has 6n ≥ 6 rows: the reduced SVD gives all six right singular vectors, without the 6n × 6n U that the full
    # one computes — 3 ms per call for the 48 rotations of m-3m, ~40 ms of every cubic pair in a catalogue)
    _, sv, Vt = np.linalg.svd(A, full_matrices=False)
    rank = int(np.sum(sv > 1e-8))
    return Vt[rank:]


_VI, _VJ = np.array(VOIGT_PAIRS).T


def invariant_projectors(cart_rots: np.ndarray, sizes) -> np.ndarray:
    """(len(sizes), 6, 6): for each group of Cartesian rotations (``cart_rots`` (Σ sizes, 3, 3), the groups one
    after the other, each a group) the average of its action on Voigt coordinates, column k the image of the basis
    tensor k: the projector onto the group's invariant symmetric tensors (orthogonal in the Frobenius metric, the
    rotations being orthogonal). Its column space is :func:`invariant_tensors`' span, its trace that span's
    dimension, and the difference of a group's and a supergroup's is the projector onto the symmetry-breaking
    subspace (:func:`symmetry_breaking_subspace`)."""
    S = np.asarray(cart_rots, dtype=float).reshape(-1, 3, 3)
    X = S[:, None] @ _B[None] @ np.swapaxes(S, 1, 2)[:, None]  # (n, 6 basis tensors, 3, 3)
    D = X[:, :, _VI, _VJ]  # (n, k, component)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    return np.swapaxes(np.add.reduceat(D, starts, axis=0), 1, 2) / np.asarray(sizes, dtype=float)[:, None, None]


def subspace_names(projector: np.ndarray) -> tuple[str, ...]:
    """:func:`name_components` of the column space of a (6, 6) projector (its rows, reduced, read the same)."""
    return tuple(name_row(row) for row in rref(np.asarray(projector).T))


def invariant_vectors(cart_rots: np.ndarray) -> int:
    A = np.vstack([S - np.eye(3) for S in cart_rots])
    sv = np.linalg.svd(A, compute_uv=False)
    return 3 - int(np.sum(sv > 1e-8))


def rref(rows: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Reduced row-echelon form of the rows (k, 6), zero rows dropped: the simplest readable basis of their span
    (single components where the span allows, pivots scaled to 1). In Python floats (a handful of short rows: the
    same operations, one rounding each, as numpy's row arithmetic, without its per-call cost)."""
    M = np.array(rows, dtype=float, copy=True).reshape(-1, 6).tolist()
    n = len(M)
    piv_row = 0
    for col in range(6):
        if piv_row >= n:
            break
        pivot = max(range(piv_row, n), key=lambda i: abs(M[i][col]))  # the first of the largest, as np.argmax
        if abs(M[pivot][col]) < tol:
            continue
        M[piv_row], M[pivot] = M[pivot], M[piv_row]
        d = M[piv_row][col]
        top = M[piv_row] = [x / d for x in M[piv_row]]
        for r in range(n):
            if r != piv_row:
                f = M[r][col]
                M[r] = [x - f * y for x, y in zip(M[r], top)]
        piv_row += 1
    out = np.array(M[:piv_row], dtype=float).reshape(-1, 6)
    out[np.abs(out) < 1e-12] = 0.0
    return out


def name_row(row: np.ndarray) -> str:
    """Readable name of one combination of Voigt components, e.g. 'e13', 'e11-e22', 'e11+1/2*e22'. The name is also
    the definition strain computes from (``strain_math.parse_components``), so a coefficient is written exactly: as
    a fraction with denominator ≤ 12 when it is one to 1e-6 of it (a cell whose a and b differ by 1e-8, as DFT writes a
    hexagonal one, gave 0.999999998784: the ideal value is the one meant, and off by far less than any s.u.), else
    as a decimal to 1e-12 ('0.487826337*e23': in rhombohedral axes the symmetry-breaking combination depends on α,
    and 5/11 for 0.4878 made its value 2 % off)."""
    terms = ""
    for k in range(6):
        c = row[k]
        if abs(c) < 1e-8:
            continue
        f = float(frac(abs(c), 12))
        mag = _frac(abs(c), 12) if f > 0 and abs(abs(c) - f) <= 1e-6 * f else _decimal(abs(c))
        sign = "-" if c < 0 else ("+" if terms else "")
        terms += f"{sign}{'' if mag == '1' else mag + '*'}{STRAIN_COMPONENTS[k]}"
    return terms


def _decimal(x: float) -> str:
    """``x`` > 0 with the fewest decimals (at most 12) that give it to 1e-12."""
    for d in range(1, 13):
        if abs(round(x, d) - x) < 1e-12:
            break
    return f"{x:.{d}f}"


def name_components(vecs: np.ndarray) -> tuple[str, ...]:
    """Readable names of a tensor subspace: 'e13', or 'e11-e22' for combined components."""
    if len(vecs) == 0:
        return ()
    return tuple(name_row(row) for row in rref(vecs))


def symmetry_breaking_subspace(child_inv: np.ndarray, parent_inv: np.ndarray) -> np.ndarray:
    """Part of the child-invariant tensor space orthogonal to the parent-invariant space."""
    if len(child_inv) == 0:
        return child_inv
    w = VOIGT_WEIGHTS
    proj = child_inv.copy()
    if len(parent_inv):
        Q = parent_inv * np.sqrt(w)
        Q, _ = np.linalg.qr(Q.T)
        X = child_inv * np.sqrt(w)
        X = X - (X @ Q) @ Q.T
        proj = X / np.sqrt(w)
    u, sv, vt = np.linalg.svd(proj)
    rank = int(np.sum(sv > 1e-8))
    return vt[:rank]


def cartesian_rotations(rots_frac: np.ndarray, A: np.ndarray) -> np.ndarray:
    Ai = np.linalg.inv(A)
    return np.einsum("ij,njk,kl->nil", A, rots_frac.astype(float), Ai)
