"""Spontaneous strain of many (reference, child) cell pairs in one numpy pass, with first-order s.u.'s.

What lives here: :func:`pair_strains`, the engine behind :func:`symstrain.series.strain_table`, the thermal
expansion (``expansion.py``) and the order-parameter proxies of the transition finder (``transitions.py``). For N
pairs of parameter vectors it returns every scalar of :meth:`symstrain.spontaneous_strain.StrainResult.to_row`
(e_ij, ε13, vs, e_ss, e_sb, e_nsb, principal strains) plus V and V0, with their s.u.'s, as (N, …) arrays. And the
helpers both strain engines share (this one and ``strain_math.compute_strain`` behind ``strain()``): which input
s.u.'s count (:func:`input_sigmas`), the first-order propagation (:func:`propagate`) and the norm of a strain's
projection on a subspace of Voigt vectors (:func:`projector`, :func:`projected`), and the principal strains with
their s.u.'s from e and its covariance (:func:`principal_strains`: degenerate ones equal, and an s.u. that holds
there).

How: every quantity is written in closed form, element by element on (N,) arrays — metric → upper-triangular
cell matrix (the transposed Cholesky factor, written out) → F = A·A0'⁻¹ (a product of triangular matrices) →
e → norms — so there is no per-row linear algebra and no Python loop over rows; the principal strains are
diagonalised once per row (not per finite-difference sample; a diagonal tensor is read off), their s.u.'s from the
covariance of e. The s.u.'s are those of :func:`propagate` (here; ``strain()`` uses it too)
(central differences with steps 1e-6·max(1, |x|), every reported quantity differentiated itself, inputs
independent, a missing s.u. of a cell that has others treated as exact, no s.u. at all when neither cell has
one), restricted to the inputs that carry an s.u. in some row; the numbers therefore agree with
:func:`~symstrain.spontaneous_strain.strain` to rounding. Conventions (P, frames, Voigt order, ε13, the split) are
those of ``spontaneous_strain.py``. What does not live here: one pair with its full record and principal
directions (``spontaneous_strain.strain``), choosing or extrapolating references (``reference.py``,
``paraphase.py``), tables (``series.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .lattice import _cosines, constrained_sus, merge_tied, tied_parameters
from .tensors import VOIGT_PAIRS, VOIGT_WEIGHTS as _W

#: Voigt permutation of the axis reversal (i, j) → (2−i, 2−j), used for the frame "c"
_FLIP6 = np.array([2, 1, 0, 5, 4, 3])
#: rows per chunk: bounds the memory of the finite-difference samples (≈ 1.5 kB per sample); small enough that
#: the temporaries are reused from the heap and stay in cache (8192: ~1 s more of page faults at 10⁵ rows)
CHUNK = 2048


@dataclass(frozen=True, eq=False)
class PairStrains:
    """Strains of N pairs; every array has N rows, s.u. arrays the shape of their values (NaN: unknown).

    ``e`` (N, 6): linear strain in Voigt order (e11, e22, e33, e23, e13, e12), frame ``frame`` of the child basis;
    ``eps13`` (N,) ½·c·cos β / c0; ``vs`` (N,) (V − V0')/V0'; ``e_ss`` (N,) √(Σ_ij e_ij²); ``principal`` (N, 3)
    ascending (:func:`principal_strains`: tied ones equal, with their cluster's s.u.); ``e_sb``/``e_nsb`` (N,)
    norms of the projections on the split of each row (NaN where a row has none); ``V`` (N,) child volume and
    ``V0`` (N,) reference volume mapped into the child basis (Å³).
    ``valid`` (N,) False where the mapped reference or the child is no cell; ``has_su`` (N,) True where some input
    of the row carries an s.u.; ``ref_has_su``/``child_has_su`` (N,) the same per cell.
    """

    frame: str
    e: np.ndarray
    e_su: np.ndarray
    eps13: np.ndarray
    eps13_su: np.ndarray
    vs: np.ndarray
    vs_su: np.ndarray
    e_ss: np.ndarray
    e_ss_su: np.ndarray
    principal: np.ndarray
    principal_su: np.ndarray
    e_sb: np.ndarray
    e_sb_su: np.ndarray
    e_nsb: np.ndarray
    e_nsb_su: np.ndarray
    V: np.ndarray
    V_su: np.ndarray
    V0: np.ndarray
    V0_su: np.ndarray
    valid: np.ndarray
    has_su: np.ndarray
    ref_has_su: np.ndarray
    child_has_su: np.ndarray
    #: (N, 6, 6) first-order covariance of ``e`` (Voigt order; NaN where its s.u.'s are unknown, 0 where exact), when
    #: asked for (``pair_strains(..., e_covariance=True)``), else None
    e_cov: np.ndarray | None = None


# ------------------------------------------------------------------------------------------------ closed forms


def basis_change_matrix(P: np.ndarray) -> np.ndarray:
    """(..., 6, 6) T with g' = T·g for the metric of the basis (a, b, c)·P: G' = Pᵀ·G·P on Voigt vectors."""
    P = np.asarray(P, dtype=float)
    T = np.empty(P.shape[:-2] + (6, 6))
    for v, (i, l) in enumerate(VOIGT_PAIRS):
        for u, (j, k) in enumerate(VOIGT_PAIRS):
            t = P[..., j, i] * P[..., k, l]
            if j != k:
                t = t + P[..., k, i] * P[..., j, l]
            T[..., v, u] = t
    return T


def _upper(g):
    """Entries (u11, u12, u13, u22, u23, u33) of the upper-triangular U with positive diagonal and UᵀU = G
    (the cell vectors as columns, X ∥ a, Z ∥ c*); NaN where G is not positive definite. ``g``: the six Voigt
    components (G11, G22, G33, G23, G13, G12) as arrays."""
    g11, g22, g33, g23, g13, g12 = g
    with np.errstate(invalid="ignore", divide="ignore"):
        u11 = np.sqrt(g11)
        u12 = g12 / u11
        u13 = g13 / u11
        u22 = np.sqrt(g22 - u12 * u12)
        u23 = (g23 - u12 * u13) / u22
        u33 = np.sqrt(g33 - u13 * u13 - u23 * u23)
    return u11, u12, u13, u22, u23, u33


def _metric_cols(a, b, c, ca, cb, cg):
    """The six Voigt components of the metric (``lattice.metric_voigt``, the same products) as arrays, not stacked."""
    return a * a, b * b, c * c, b * c * ca, a * c * cb, a * b * cg


def _columns(x: np.ndarray) -> tuple:
    """The six trailing components of a (..., 6) array as arrays."""
    return tuple(x[..., k] for k in range(6))


def _strain_voigt(g: np.ndarray, g0: np.ndarray):
    """Linear strain (Voigt, cstar frame of the child basis), V and V0 for child metric g and mapped reference g0."""
    cols, V, V0 = _strain_cols(_columns(g), _columns(g0))
    return np.stack(cols, axis=-1), V, V0


def _strain_cols(g, g0):
    """:func:`_strain_voigt` of metrics given as their six Voigt components (arrays), the strain as six contiguous
    (M,) arrays (e11 … e12), not stacked."""
    a11, a12, a13, a22, a23, a33 = _upper(g)
    b11, b12, b13, b22, b23, b33 = _upper(g0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f11, f22, f33 = a11 / b11, a22 / b22, a33 / b33
        f12 = (a12 - f11 * b12) / b22
        f23 = (a23 - f22 * b23) / b33
        f13 = (a13 - f11 * b13 - f12 * b23) / b33
    return (f11 - 1.0, f22 - 1.0, f33 - 1.0, 0.5 * f23, 0.5 * f13, 0.5 * f12), a11 * a22 * a33, b11 * b22 * b33


#: neighbouring principal strains closer than this are one value, equal by the tensor's components (as the tables'
#: floating-point noise, ``series.NOISE``): the rounding of components equal by symmetry and of the eigensolver
#: (~1e-17), far below any measured strain's s.u.
PRINCIPAL_TIE = 1e-12
#: (row, column) of each Voigt component, as arrays
_VI, _VJ = (np.array(x) for x in zip(*VOIGT_PAIRS))
#: shear components below this are the rounding of a zero: the tensor is read as diagonal
_ROUNDING_SHEAR = 1e-15


def principal_strains(e: np.ndarray, cov: np.ndarray | None = None, zero=None) -> tuple[np.ndarray, np.ndarray]:
    """Principal strains (N, 3) ascending and their s.u.'s (N, 3) of symmetric tensors given as (N, 6) Voigt vectors
    ``e``, with the (N, 6, 6) first-order covariance ``cov`` of those components (None: no s.u., NaN); ``zero``
    (N, 6) or (6,) bool: components zero by symmetry, exactly 0 in the tensor and in its covariance. The one rule of
    the package (``strain()`` and the tables):

    * Values: eigenvalues of the tensor (of a diagonal one — shear components below 1e-15, the rounding of 0 —
      its diagonal: exact); neighbours within :data:`PRINCIPAL_TIE` are equal by the components (e11 = e22 of a
      tetragonal cell) and are given as one value, their mean (a value equal in every member stays that value, bit
      for bit).
    * s.u.'s: with B the tensor's components in its principal frame (the eigenvectors at the value), a principal
      strain's s.u. is that of its B_kk (first-order perturbation, v_kᵀ·δe·v_k). Where neighbours are not resolved
      — tied, or their gap below its own noise √(σ²(B_aa − B_bb) + 4σ²(B_ab)), the norm rule of e_ss — first-order
      perturbation does not hold (within a degenerate pair any direction is principal, and differences straddle
      the crossing: they gave half the s.u., or 0 to the middle of three). Each member of such a cluster I of k
      takes √(Σ_{a,b∈I} σ²(B_ab) / k), off-diagonal terms counted twice: the root mean square error of the
      cluster's eigenvalues — σ² of their mean plus the noise of their spread, one Frobenius norm's, so that
      correlations drop out. For a diagonal tensor it is the root mean square of the members' σ(e_ii) (with the
      shear components between them): e11's s.u. for a principal strain equal to e11 = e22 of equal s.u.'s. An
      s.u. is 0 only where every component it is made of is exact. Where ``zero`` holds every shear component at 0
      (the axes are principal by symmetry) only tied values form a cluster: the others keep their e_ii's s.u.
    """
    e = np.array(e, dtype=float).reshape(-1, 6)
    N = len(e)
    if cov is not None:
        cov = np.array(cov, dtype=float).reshape(N, 6, 6)
    if zero is not None:
        z = np.broadcast_to(np.asarray(zero, bool), e.shape)
        e[z] = 0.0
        if cov is not None:
            cov[np.broadcast_to(z[:, :, None], cov.shape) | np.broadcast_to(z[:, None, :], cov.shape)] = 0.0
    lam, V = np.full((N, 3), np.nan), np.full((N, 3, 3), np.nan)
    ok = np.isfinite(e).all(axis=1)
    # diagonal: shear components 0, or rounding of 0 (cos 90° = 6e-17), which moves no eigenvalue by more than
    # √2·1e-15 from the diagonal (Weyl), far below PRINCIPAL_TIE
    diag = ok & (np.abs(e[:, 3:]) <= _ROUNDING_SHEAR).all(axis=1)
    order = np.argsort(e[diag, :3], axis=1, kind="stable")
    lam[diag] = np.take_along_axis(e[diag, :3], order, axis=1)
    V[diag] = np.swapaxes(np.eye(3)[order], 1, 2)  # column k: the axis of the k-th smallest
    rest = ok & ~diag
    if rest.any():
        E = np.zeros((int(rest.sum()), 3, 3))
        E[:, _VI, _VJ] = E[:, _VJ, _VI] = e[rest]
        lam[rest], V[rest] = np.linalg.eigh(E)
    with np.errstate(invalid="ignore"):
        gap = np.diff(lam, axis=1)  # (N, 2): λ2 − λ1, λ3 − λ2
    tie = gap <= PRINCIPAL_TIE
    values = lam.copy()
    three = tie[:, 0] & tie[:, 1]
    for k, (a, b) in enumerate(((0, 2), (1, 3))):
        m = tie[:, k] & ~three
        values[m, a:b] = (lam[m, a] + (lam[m, a + 1] - lam[m, a]) / 2)[:, None]
    values[three] = (lam[three, 0] + ((lam[three, 1] - lam[three, 0]) + (lam[three, 2] - lam[three, 0])) / 3)[:, None]
    if cov is None:
        return values, np.full((N, 3), np.nan)
    # M (8, 6, N): rows B11, B22, B33, B23, B13, B12 (the tensor in its principal frame), B11 − B22, B22 − B33;
    # columns the Voigt components (i, j) of e: B_ab = Σ_ij V_ia·V_jb·e_ij. Entry by entry on contiguous (N,)
    # arrays, and the variances mᵀ·cov·m the same way (a batched (8, 6)·(6, 6) product took 4× as long)
    W = np.ascontiguousarray(np.moveaxis(V, 0, -1))  # (3, 3, N)
    M = np.empty((8, 6, N))
    for r, (a, b) in enumerate(VOIGT_PAIRS):
        for k, (i, j) in enumerate(VOIGT_PAIRS):
            if i != j:
                np.add(W[i, a] * W[j, b], W[j, a] * W[i, b], out=M[r, k])
            else:
                np.multiply(W[i, a], W[i, b], out=M[r, k])
    np.subtract(M[0], M[1], out=M[6])
    np.subtract(M[1], M[2], out=M[7])
    S = np.ascontiguousarray(np.moveaxis(cov, 0, -1))  # (6, 6, N)
    var = np.zeros((8, N))
    for k in range(6):
        q = M[:, 0] * S[k, 0]
        for j in range(1, 6):
            q += M[:, j] * S[k, j]
        var += q * M[:, k]
    var = np.maximum(var, 0.0).T  # (N, 8) variances
    together = tie.copy()
    # shear components zero by symmetry: the principal axes are the cell's axes whatever the values, each value is
    # its e_ii with e_ii's own s.u. (only values equal by the components, e11 = e22 of a tetragonal cell, tie)
    axes_fixed = np.zeros(N, bool) if zero is None else z[:, 3:].all(axis=1)
    for k, (d, ab) in enumerate(((6, 5), (7, 3))):
        with np.errstate(invalid="ignore"):
            together[:, k] |= (gap[:, k] <= np.sqrt(var[:, d] + 4 * var[:, ab])) & ~axes_fixed
    su2 = var[:, :3].copy()
    three = together[:, 0] & together[:, 1]
    for k, (a, b, ab) in enumerate(((0, 1, 5), (1, 2, 3))):
        m = together[:, k] & ~three
        su2[m, a:b + 1] = ((var[m, a] + var[m, b] + 2 * var[m, ab]) / 2)[:, None]
    su2[three] = ((var[three, :3].sum(axis=1) + 2 * var[three, 3:6].sum(axis=1)) / 3)[:, None]
    su = np.sqrt(su2)
    su[su < _NOISE_SU] = 0.0  # rounding of the differences of a quantity no input moves, as propagate says
    return values, su


def projector(V: np.ndarray) -> np.ndarray:
    """(k, 6) C with |C·x| the Frobenius norm of the projection of a Voigt vector x onto the row space of V (k, 6):
    the rows of C are an orthonormal basis of that space in weighted coordinates (rank-deficient V reduced)."""
    V = np.ascontiguousarray(V, dtype=float).reshape(-1, 6)
    return _projector(V.tobytes(), len(V))


@functools.lru_cache(maxsize=64)
def _projector(V_bytes: bytes, k: int) -> np.ndarray:
    """:func:`projector` of k Voigt rows (cached: one split basis serves every batch)."""
    if k == 0:
        return np.zeros((0, 6))
    V = np.frombuffer(V_bytes).reshape(k, 6)
    u, sv, vt = np.linalg.svd(V * np.sqrt(_W), full_matrices=False)
    B = vt[sv > 1e-12 * max(sv.max(), 1e-300)]  # orthonormal rows spanning the same space (weighted coordinates)
    C = B * np.sqrt(_W)
    C.setflags(write=False)
    return C


def projected(x: np.ndarray, V: np.ndarray) -> np.ndarray:
    """(..., 6) coordinates of the projection of Voigt vectors x (..., 6) onto the row space of V (k, 6) in an
    orthonormal basis of it (weighted coordinates; zero-padded to 6): their Euclidean norm is the Frobenius norm."""
    C = projector(V)
    out = np.zeros(x.shape[:-1] + (6,))
    # explicit sums over the non-zero coefficients (no BLAS call on an (M, 6) × (6, k) product: slow for tall M)
    for r, row in enumerate(C):
        for k in np.flatnonzero(np.abs(row) > 0):
            out[..., r] += row[k] * x[..., k]
    return out


def _evaluate(X: np.ndarray, T: np.ndarray | None, frame: str, splits, split_of: np.ndarray | None,
              cosines=None, strain_only: bool = False) -> dict:
    """Every reported quantity for (M, 12) samples [reference params, child params]; ``T`` (M, 6, 6) or None
    (identity P); ``split_of`` (M,) the index of each sample's split in ``splits`` (−1: none); ``cosines`` the six
    angle cosines (reference, child) when known; ``strain_only``: e, V and V0 only (the same numbers).
    Component by component on contiguous (M,) arrays; the norms by ``np.einsum`` on the stacked components."""
    cosines = cosines or (None, None)
    cos0 = _cosines(X[:, :6])[1:] if cosines[0] is None else cosines[0]
    cos1 = _cosines(X[:, 6:])[1:] if cosines[1] is None else cosines[1]
    g0c = _metric_cols(X[:, 0], X[:, 1], X[:, 2], *cos0)
    if T is not None:
        g0c = _columns(np.einsum("mvu,mu->mv", T, np.stack(g0c, axis=-1)))
    gc = _metric_cols(X[:, 6], X[:, 7], X[:, 8], *cos1)
    cols, V, V0 = _strain_cols(gc, g0c)
    e_c = np.stack(cols, axis=-1)
    if frame == "cstar":
        e = e_c
    else:
        g, g0 = np.stack(gc, axis=-1), np.stack(g0c, axis=-1)
        e = _strain_voigt(g[:, _FLIP6], g0[:, _FLIP6])[0][:, _FLIP6]
    out = {"e": e, "V": V, "V0": V0}
    if strain_only:
        return out
    out["vs"] = V / V0 - 1.0
    out["e_ss"] = np.sqrt(np.maximum(np.einsum("mk,mk,k->m", e, e, _W), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        out["eps13"] = 0.5 * X[:, 8] * np.cos(np.radians(X[:, 10])) / np.sqrt(g0c[2])
    e_sb = np.full(len(X), np.nan)
    e_nsb = np.full(len(X), np.nan)
    if split_of is not None:
        widths = (max((len(projector(b)) for b, _ in splits), default=0),
                  max((len(projector(b)) for _, b in splits), default=0))
        one = split_of[0] if len(split_of) and split_of[0] >= 0 and (split_of == split_of[0]).all() else None
        if one is not None:  # every sample in one split (the usual case): no masks
            ys = [_projected_cols(cols, V) for V in splits[one]]
            e_sb, e_nsb = (np.sqrt(_norms2(y, len(X))) for y in ys)
            for key, y, w in (("sb_coordinates", ys[0], widths[0]), ("nsb_coordinates", ys[1], widths[1])):
                if w:
                    c = np.zeros((len(X), w))
                    for r, yr in enumerate(y):
                        c[:, r] = yr
                    out[key] = c
        else:
            y_sb, y_nsb = np.zeros((len(X), 6)), np.zeros((len(X), 6))
            for k, (sbV, nsbV) in enumerate(splits):
                m = split_of == k
                if m.any():
                    y_sb[m], y_nsb[m] = projected(e_c[m], sbV), projected(e_c[m], nsbV)
            has = split_of >= 0
            e_sb[has] = np.sqrt(np.einsum("mk,mk->m", y_sb[has], y_sb[has]))
            e_nsb[has] = np.sqrt(np.einsum("mk,mk->m", y_nsb[has], y_nsb[has]))
            # the coordinates (for the s.u. floor of the norms) without the columns that are 0 in every split: their
            # s.u.'s are 0 and add nothing (trailing: the sums of the others are the same)
            for key, y, w in (("sb_coordinates", y_sb, widths[0]), ("nsb_coordinates", y_nsb, widths[1])):
                if w:
                    out[key] = y[:, :w]
    out["e_sb"], out["e_nsb"] = e_sb, e_nsb
    return out


def _projected_cols(cols, V) -> list:
    """:func:`projected` of Voigt vectors given as six (M,) arrays: the non-zero coordinates, each an (M,) array
    (the same sums, term by term, as :func:`projected`)."""
    out = []
    for row in projector(V):
        y = np.zeros(len(cols[0]))
        for k in np.flatnonzero(np.abs(row) > 0):
            y += row[k] * cols[k]
        out.append(y)
    return out


def _norms2(ys, M: int) -> np.ndarray:
    """Σ_k y_k² per row of the (M,) arrays ``ys`` (at most six), as :func:`np.einsum` sums the zero-padded (M, 6)
    stack of them: the same bits as the stacked code path."""
    Y = np.zeros((M, 6))
    for r, y in enumerate(ys):
        Y[:, r] = y
    return np.einsum("mk,mk->m", Y, Y)


_SPECIAL_ANGLES = np.array([90.0, 120.0, 60.0])


def input_sigmas(p0, s0, p, s, notes: bool = True):
    """(N, 12) s.u.'s of (reference, child) with 0 where treated as exact; per-cell "has any s.u." masks (N,) and
    (N, 6) masks of the reference's and child's lengths / non-special angles (not 90°, 120°, 60°) that lack one in a
    cell that has others (treated as exact, and said; None without ``notes``). The one rule for every strain in the
    package."""
    s0 = constrained_sus(p0, s0)
    s = constrained_sus(p, s)
    ref_has = np.isfinite(s0).any(axis=1)
    child_has = np.isfinite(s).any(axis=1)
    sig = np.nan_to_num(np.hstack([s0, s]), copy=False, nan=0.0)  # (the stacked copy is ours)
    if not notes:
        return sig, ref_has, child_has, None, None
    return sig, ref_has, child_has, missing_sus(p0, s0, ref_has), missing_sus(p, s, child_has)


def _tied_terms(J, sigma, cols, tied) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, terms)``: the rows of :func:`propagate` where ``tied`` joins inputs, and their terms σ_j·∂y/∂x_j
    (R, m, K) from the derivatives ``J`` (N, m, K) of the ``cols`` inputs, each tied input's added to its
    representative's (then 0)."""
    if tied is None:
        return np.zeros(0, int), None
    tied = np.asarray(tied)
    rows = np.flatnonzero((tied[:, cols] != cols[None, :]).any(axis=1))
    if not len(rows):
        return rows, None
    Jt = J[rows] * sigma[rows][:, cols][:, :, None]
    merge_tied(Jt, tied[rows], cols)
    return rows, Jt


def missing_sus(par, sig, has) -> np.ndarray:
    """(N, 6) mask of the lengths and non-special angles (not 90°, 120°, 60°) of cells ``par`` (N, 6) that lack an
    s.u. in ``sig`` (NaN) while their cell has others (``has`` (N,), as :func:`input_sigmas` gives it): the inputs
    treated as exact that a caller must say so about."""
    miss = ~np.isfinite(np.asarray(sig, dtype=float)) & has[:, None]
    if miss[:, 3:].any():  # (one comparison per special angle: no (N, 3, 3) temporary)
        angles = np.asarray(par, dtype=float)[:, 3:]
        special = np.zeros(angles.shape, bool)
        for value in _SPECIAL_ANGLES.tolist():
            special |= np.abs(angles - value) < 1e-9
        miss[:, 3:] &= ~special
    return miss


def pair_strains(p0, p, P=None, *, s0=None, s=None, frame: str = "cstar", splits=(), split_of=None,
                 strain_only: bool = False, chunk_map=None, zero=None, e_covariance: bool = False) -> PairStrains:
    """Strains of N pairs: reference parameters ``p0`` (N, 6) in the reference basis, child parameters ``p``
    (N, 6); ``P`` None (identity), (3, 3) or (N, 3, 3) with child basis = reference basis · P; s.u.'s ``s0``/``s``
    (N, 6) with NaN where unknown (None: none at all). ``splits`` a sequence of (SB rows, NSB rows) Voigt bases
    (``strain_math.split_spec``) and ``split_of`` (N,) int the split of each row (−1 or None: no split).
    ``strain_only``: only ``e``, ``V``, ``V0`` and their s.u.'s are computed (the same numbers, bit for bit: every
    output is propagated by itself); the other quantities are NaN.
    ``chunk_map``: how the chunks of rows are computed, ``chunk_map(fn, args)`` → ``[fn(*a) for a in args]`` in
    order (default: that loop here; the command line passes ``cli.background.split_map`` for big tables: the
    same numbers, half of them made by a forked child).
    ``zero`` (N, 6) bool: the components (in ``frame``) each row's group holds at 0, exactly 0 in the tensor whose
    principal strains are taken (:func:`principal_strains`), as the table gives e; None: none.
    ``e_covariance``: the (N, 6, 6) covariance of e too (:attr:`PairStrains.e_cov`: the components of one row share
    its cells' errors — what a quantity made of several components, as a strain along a direction, needs).
    Rows that are no cell come back with ``valid`` False and NaN values. See :class:`PairStrains`."""
    p0 = np.atleast_2d(np.asarray(p0, dtype=float))
    p = np.atleast_2d(np.asarray(p, dtype=float))
    N = len(p)
    s0 = np.full((N, 6), np.nan) if s0 is None else np.atleast_2d(np.asarray(s0, dtype=float))
    s = np.full((N, 6), np.nan) if s is None else np.atleast_2d(np.asarray(s, dtype=float))
    T = None
    if P is not None:
        P = np.asarray(P, dtype=float)
        if P.ndim == 2:
            T = None if np.array_equal(P, np.eye(3)) else np.broadcast_to(basis_change_matrix(P), (N, 6, 6))
        elif not np.all(P == np.eye(3)):
            T = basis_change_matrix(P)
    sig, ref_has, child_has, _, _ = input_sigmas(p0, s0, p, s, notes=False)
    has_su = ref_has | child_has
    sig[~has_su] = 0.0
    active = np.flatnonzero((sig > 0).any(axis=0))
    split_of = None if split_of is None else np.asarray(split_of, dtype=int)
    zero = None if zero is None else np.broadcast_to(np.asarray(zero, bool), (N, 6))
    x0 = np.hstack([p0, p])
    tied = tied_parameters(x0, sig)
    jobs = []
    for lo in range(0, N, CHUNK):
        sl = slice(lo, min(lo + CHUNK, N))
        jobs.append((x0[sl], sig[sl], active, None if T is None else T[sl], frame, splits,
                     None if split_of is None else split_of[sl], strain_only, None if zero is None else zero[sl],
                     None if tied is None else tied[sl], e_covariance))
    parts = [_chunk(*a) for a in jobs] if chunk_map is None else chunk_map(_chunk, jobs)
    vals = {k: np.concatenate([v[k] for v, _ in parts]) for k in parts[0][0]}
    sus = {k: np.concatenate([u[k] for _, u in parts]) for k in parts[0][1]}
    e_cov = sus.pop("e_cov", None)
    norm_su_floor(vals, sus, (("e_ss", "e", _W), ("e_sb", "sb_coordinates", None),
                              ("e_nsb", "nsb_coordinates", None)))
    for k in sus:
        sus[k][~has_su] = np.nan
    unknown_where_one_cell_lacks_su(sus, ref_has, child_has)
    if P is None:
        identity = np.ones(N, bool)
    elif P.ndim == 2:
        identity = np.full(N, np.array_equal(P, np.eye(3)))
    else:
        identity = (P == np.eye(3)).all(axis=(1, 2))
    same = one_measurement(p0, s0, p, s, identity)
    zero_against_itself(vals, sus, same, p, s)
    if e_cov is not None:  # (the rules of the s.u.'s of e: unknown where they are, exact where e is)
        e_cov[~np.isfinite(sus["e"]).all(axis=1)] = np.nan
        e_cov[(sus["e"] == 0).all(axis=1)] = 0.0
    for k, shape in (("eps13", ()), ("vs", ()), ("e_ss", ()), ("principal", (3,)), ("e_sb", ()), ("e_nsb", ())):
        if k not in vals:  # strain_only
            vals[k], sus[k] = np.full((N,) + shape, np.nan), np.full((N,) + shape, np.nan)
    valid = np.isfinite(vals["e"]).all(axis=1) & np.isfinite(vals["V0"]) & (vals["V0"] > 0)
    return PairStrains(frame, vals["e"], sus["e"], vals["eps13"], sus["eps13"], vals["vs"], sus["vs"],
                       vals["e_ss"], sus["e_ss"], vals["principal"], sus["principal"], vals["e_sb"], sus["e_sb"],
                       vals["e_nsb"], sus["e_nsb"], vals["V"], sus["V"], vals["V0"], sus["V0"], valid, has_su,
                       ref_has, child_has, e_cov)


def _chunk(x0, sig, active, T, frame, splits, split_of, strain_only=False, zero=None, tied=None, e_cov=False):
    """Values and s.u.'s of one chunk of rows (:func:`propagate` over the active inputs; the principal strains from
    e and its covariance, :func:`principal_strains`); ``e_cov``: e's covariance kept (``"e_cov"`` of the s.u.'s)."""
    cos0 = np.cos(np.radians(x0[:, [3, 4, 5, 9, 10, 11]])).T.copy()  # (6, N)

    def fun(X, rows):
        # the cosine of an angle that no sample perturbs is that of the row: computed once per row, not per sample
        cos = cos0[:, rows]
        for j, col in enumerate((3, 4, 5, 9, 10, 11)):
            if col in active:
                cos[j] = np.cos(np.radians(X[:, col]))
        return _evaluate(X, None if T is None else T[rows], frame, splits,
                         None if split_of is None else split_of[rows], (tuple(cos[:3]), tuple(cos[3:])), strain_only)

    if strain_only:
        return propagate(fun, x0, sig, active, covariance=("e",) if e_cov else (), tied=tied)
    vals, sus = propagate(fun, x0, sig, active, covariance=("e",), tied=tied)
    vals["principal"], sus["principal"] = principal_strains(vals["e"], sus["e_cov"] if e_cov else sus.pop("e_cov"),
                                                            zero)
    return vals, sus


#: s.u.'s made from the reference cell alone: known whenever it carries s.u.'s, whatever the child's
_REFERENCE_ONLY = ("ref_mapped", "V0")
#: the quantities that are exactly 0 for a cell against itself (:func:`one_measurement`), with no s.u.
_ZERO_AGAINST_ITSELF = ("e", "vs", "e_ss", "e_sb", "e_nsb", "principal", "sb_values", "nsb_values", "sb_coordinates",
                        "nsb_coordinates", "green", "euler")


def one_measurement(p0, s0, p, s, identity) -> np.ndarray:
    """(N,) bool: the pairs whose child cell is the reference's own — the same six numbers and the same s.u.'s, the
    basis change the identity (``identity`` (N,) bool): one measurement, not two independent ones, so its strain is 0
    exactly and without uncertainty (sweeps 11, 12: a table's parent row against itself read 0.0000(7))."""
    p0, s0, p, s = (np.asarray(x, float).reshape(-1, 6) for x in (p0, s0, p, s))
    same_su = (s0 == s) | (np.isnan(s0) & np.isnan(s))
    return np.asarray(identity, bool) & (p0 == p).all(axis=1) & same_su.all(axis=1)


def zero_against_itself(vals: dict, sus: dict, same: np.ndarray, p, s) -> None:
    """In place, for the pairs ``same`` (:func:`one_measurement`): every strain 0 with s.u. 0 (F the identity), and
    ε13 = ½·c·cos β / c0 = ½·cos β with the s.u. of β alone, ½·|sin β|·σ(β) (c/c0 is 1 exactly; σ(β) missing beside
    other s.u.'s: exact). A cell without any s.u. keeps none (the values 0, the s.u.'s unknown, as for every pair of
    cells without s.u.'s: sweep 15 printed 0(0) beside "no s.u. is reported")."""
    if not np.any(same):
        return
    p, s = np.asarray(p, float).reshape(-1, 6), np.asarray(s, float).reshape(-1, 6)
    exact = same & np.isfinite(s).any(axis=1)  # (the same s.u.'s in both cells: one_measurement)
    for k in _ZERO_AGAINST_ITSELF:
        if k in vals:
            vals[k][same] = 0.0
            if k in sus:
                sus[k][exact] = 0.0
    if "F" in vals:
        vals["F"][same] = np.eye(3)
        if "F" in sus:
            sus["F"][exact] = 0.0
    if "eps13" in sus:
        beta = np.radians(p[same, 4])
        sb = np.where(np.isfinite(s[same, 4]), s[same, 4], np.where(np.isfinite(s[same]).any(axis=1), 0.0, np.nan))
        sus["eps13"][same] = 0.5 * np.abs(np.sin(beta)) * np.radians(sb)


def unknown_where_one_cell_lacks_su(sus: dict, ref_has, child_has, exact=()) -> None:
    """In place: where exactly one cell of a pair carries s.u.'s (``ref_has``, ``child_has`` (N,) bool), an s.u.
    that comes out 0 is that cell's share alone (none) and says nothing of the other's, which is unknown: NaN, never
    the 0 the contract reads as exact (sweep 12: e23 = 0(0) of a P 2₁/n cell against its P 1 export without
    s.u.'s). Components zero by symmetry are made exact by the callers afterwards; the quantities of the reference
    alone (:data:`_REFERENCE_ONLY`) keep theirs, and so do the keys in ``exact`` (0 by construction: the norm on an
    empty subspace)."""
    one = np.asarray(ref_has, bool) ^ np.asarray(child_has, bool)
    if not one.any():
        return
    for k, a in sus.items():
        if k in _REFERENCE_ONLY or k in exact or not isinstance(a, np.ndarray) or a.dtype.kind != "f":
            continue
        a[one.reshape((-1,) + (1,) * (a.ndim - 1)) & (a == 0)] = np.nan


def norm_su_floor(values: dict, sus: dict, pairs) -> None:
    """Raise, in place, the s.u. of each norm that is not resolved from zero to the size of its noise.

    ``pairs``: ``(norm key, vector key, weights or None)``, the norm being √(Σ w·v²) over the vector's trailing
    axes. First-order propagation differentiates a norm at |v| ≈ 0 to ≈ 0 (a cone has no slope at its tip); the
    noise a norm carries there is √(Σ w·σ_v²) (the trace of the vector's covariance: correlations drop out). Where
    the norm is below that, its s.u. is at least that.
    """
    for norm, vec, w in pairs:
        if norm not in sus or vec not in sus:
            continue
        s2 = np.asarray(sus[vec], float) ** 2
        s2 = s2.reshape(len(s2), -1) * (1.0 if w is None else np.asarray(w, float).reshape(1, -1))
        floor = np.sqrt(np.sum(s2, axis=1))
        low = np.asarray(values[norm]) < floor
        sus[norm] = np.where(low, np.fmax(sus[norm], floor), sus[norm])


#: an s.u. below this fraction of max(1, |value|) is the rounding noise of the central differences (~1e-14 of the
#: value for a quantity the inputs do not move): it is reported as exactly 0
_NOISE_SU = 1e-12


def propagate(fun, x0: np.ndarray, sigma: np.ndarray, active=None, covariance=(), tied=None) -> tuple[dict, dict]:
    """Values and first-order s.u.'s of every array ``fun`` returns, for N independent input vectors.

    ``x0`` (N, n) inputs, ``sigma`` (N, n) their s.u.'s (0 = exact); ``active`` the input columns to differentiate
    (default all; a column that is exact in every row may be left out). One batched call ``fun(X, rows)`` on
    N·(2m+1) rows (m active columns), ``rows`` the input row of each (to index any per-row data): for each input
    row, sample 0 is the value and samples 1..2m the central differences (steps 1e-6·max(1, |x|)); the s.u. is
    √(Σ_j (σ_j·∂y/∂x_j)²). Returns dicts of (N, …) arrays. The one propagation of the package (:func:`pair_strains`
    here, and ``strain()`` through :func:`symstrain.strain_math.run_jobs`).
    ``covariance``: keys of outputs whose first-order covariance Σ_j σ_j²·(∂y/∂x_j)(∂y/∂x_j)ᵀ between their K
    components is wanted too: (N, K, K) in the s.u. dict under ``key + "_cov"`` (components in C order).
    ``tied`` (N, n) int or None (:func:`tied_parameters`): inputs that share one error (one refined parameter written
    twice, e.g. a = b of a tetragonal cell) — their terms σ_j·∂y/∂x_j are added before squaring (full correlation);
    rows without a tie give the same bits as without ``tied``.
    """
    N, n = x0.shape
    cols = np.arange(n) if active is None else np.asarray(active, dtype=int)
    m = len(cols)
    S = 2 * m + 1
    h = 1e-6 * np.maximum(1.0, np.abs(x0[:, cols]))  # (N, m)
    # the samples input by input: (n, N, 2m+1) in memory, handed to ``fun`` as the (N·(2m+1), n) transposed view,
    # whose columns (one input of every sample) are contiguous — what the closed forms read, column by column
    XT = np.empty((n, N, S))
    XT[...] = x0.T[:, :, None]
    for j, col in enumerate(cols.tolist()):
        XT[col, :, 1 + j] += h[:, j]
        XT[col, :, 1 + m + j] -= h[:, j]
    res = fun(XT.reshape(n, N * S).T, np.repeat(np.arange(N), S))
    two_h = (2 * h)[:, :, None]
    w = (sigma[:, cols] ** 2)[:, :, None]
    # every output's differences side by side in one (N, m, K) array: the same operations on each element as output
    # by output, in a few numpy calls per chunk instead of a dozen per output
    keys = list(res)
    if not keys:
        return {}, {}
    blocks = [np.reshape(np.asarray(res[k], dtype=np.float64), (N, S, -1)) for k in keys]
    widths = [b.shape[2] for b in blocks]
    # the differences written block by block into one array (no copy of every sample side by side first)
    J = np.empty((N, m, sum(widths)))
    a0 = np.empty((N, sum(widths)))  # the values (sample 0)
    at = 0
    for b, width in zip(blocks, widths):
        np.subtract(b[:, 1 : m + 1], b[:, m + 1 :], out=J[:, :, at:at + width])
        a0[:, at:at + width] = b[:, 0]
        at += width
    J /= two_h
    covs = {}
    for key in covariance:
        at = sum(widths[:keys.index(key)])
        Js = J[:, :, at:at + widths[keys.index(key)]] * sigma[:, cols][:, :, None]  # (N, m, K): σ_j·∂y/∂x_j
        covs[key + "_cov"] = np.swapaxes(Js, 1, 2) @ Js
    rows, Jt = _tied_terms(J, sigma, cols, tied)  # (rows with tied inputs: their terms, ties added up)
    for key in covariance if len(rows) else ():
        at = sum(widths[:keys.index(key)])
        Js = Jt[:, :, at:at + widths[keys.index(key)]]
        covs[key + "_cov"][rows] = np.swapaxes(Js, 1, 2) @ Js
    np.square(J, out=J)
    J *= w
    # Σ_j in the order j = 0, 1, …, m−1, one addition at a time (what numpy's sum over that axis does here;
    # a sum along a contiguous axis would pair the terms differently and change the last bits)
    s2 = np.zeros((N, a0.shape[1])) if m == 0 else J[:, 0].copy()
    for j in range(1, m):
        s2 += J[:, j]
    if len(rows):
        s2[rows] = np.einsum("rjk,rjk->rk", Jt, Jt)
    su = np.sqrt(s2)
    # an s.u. of rounding noise alone (a quantity that no input moves: a component zero by symmetry, whose
    # differences are ~1e-21) is exactly 0, as its value is; every real s.u. is many orders above this floor
    su[su < _NOISE_SU * np.maximum(1.0, np.abs(a0))] = 0.0
    values, sus = {}, {}
    at = 0
    for key, width in zip(keys, widths):
        shape = np.shape(res[key])[1:]
        values[key] = a0[:, at:at + width].copy().reshape((N,) + shape)
        sus[key] = su[:, at:at + width].copy().reshape((N,) + shape)
        at += width
    sus.update(covs)
    return values, sus
