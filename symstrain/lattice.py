"""Cell geometry, written once and vectorised: parameters ↔ metric ↔ cell matrices, volumes with s.u.'s.

What lives here: pure numpy functions on arrays of cells. Every function takes a leading batch shape — one
cell is a (6,) parameter vector or a (3, 3) matrix, 10⁴ cells are (10⁴, 6) or (10⁴, 3, 3), computed in one
numpy pass. :class:`~symstrain.phase.Cell` (one cell with its s.u.'s) and the strain kernels
(``strain_math.py``) both call these. What does not live here: the Cell record itself (``phase.py``), basis
changes of structures (``phase.Phase.transformed``), strain (``strain_math.py``).

Conventions
-----------
* Parameters ``p = (a, b, c, α, β, γ)``: lengths in Å, angles in degrees; s.u.'s in the same units.
* Metric ``G = AᵀA`` (Å²), ``G_ij = a_i·a_j``; reciprocal metric ``G* = G⁻¹`` (Å⁻²), ``1/d² = h·G*·hᵀ``.
* Cell matrix ``A = [a | b | c]``: the cell vectors as **columns** in a Cartesian frame (Å); a fractional
  column vector x maps to r = A·x. Frames:

  - ``"cstar"`` (default; gemmi's / the PDB orthogonalisation): X ∥ a, Y in the ab plane, Z ∥ c*.
    A is upper triangular with a positive diagonal: the transposed Cholesky factor of G.
  - ``"c"``: Z ∥ c, Y in the bc plane, X ∥ a*. A is lower triangular with a positive diagonal (the same
    factorisation with the axis order reversed).

* Impossible parameters (angles that close no cell): :func:`volume` is 0; :func:`matrix_from_metric` raises
  ``numpy.linalg.LinAlgError`` with ``strict=True`` (the default) and otherwise, like :func:`cell_matrix`, gives
  NaN matrices for those cells (there is no such cell to orthogonalise) and the others as usual.
"""

from __future__ import annotations

import numpy as np

_FLIP = np.eye(3)[::-1]


#: cos of 0°, 30°, 60°, …, 330° (√3/2 as the double nearest it: sqrt is correctly rounded, /2 exact)
_STEPS_30 = np.array([1.0, np.sqrt(3.0) / 2, 0.5, 0.0, -0.5, -np.sqrt(3.0) / 2,
                      -1.0, -np.sqrt(3.0) / 2, -0.5, 0.0, 0.5, np.sqrt(3.0) / 2])


def cos_degrees(x):
    """cos of ``x`` degrees (a number or an array), exact at the multiples of 30° (0, ±½, ±1; ±√3/2 to the nearest
    double): ``np.cos(np.radians(90))`` is 6e-17 and that of 120° is −0.49999999999999978, so a right angle or a
    hexagonal γ gives the exact metric and ½·cos β (0 at 90°) here. A float for a number."""
    x = np.asarray(x, dtype=float)
    out = np.cos(np.radians(x))
    steps = x / 30.0
    whole = np.rint(steps)
    exact = steps == whole
    if exact.any():
        out = np.where(exact, _STEPS_30.take(np.where(exact, whole, 0).astype(np.int64) % 12), out)
    return float(out) if out.ndim == 0 else out


def _cosines(p: np.ndarray):
    p = np.asarray(p, dtype=float)
    c = cos_degrees(p[..., 3:6])  # (the three angles in one pass: the same numbers, a third of the calls)
    return p, c[..., 0], c[..., 1], c[..., 2]


#: index of each entry of a 3×3 symmetric tensor in its Voigt vector (G11, G22, G33, G23, G13, G12)
_FROM_VOIGT = np.array([[0, 5, 4], [5, 1, 3], [4, 3, 2]])


def metric_voigt(p, cosines=None) -> np.ndarray:
    """(..., 6) metric tensors in Voigt order (G11, G22, G33, G23, G13, G12) (Å²) from (..., 6) parameters;
    ``cosines`` (cos α, cos β, cos γ) when the caller has them already."""
    p = np.asarray(p, dtype=float)
    ca, cb, cg = _cosines(p)[1:] if cosines is None else cosines
    a, b, c = p[..., 0], p[..., 1], p[..., 2]
    return np.stack([a * a, b * b, c * c, b * c * ca, a * c * cb, a * b * cg], axis=-1)


def metric(p) -> np.ndarray:
    """(..., 3, 3) metric tensors G (Å²) from (..., 6) parameters a, b, c (Å), α, β, γ (degrees)."""
    return metric_voigt(p)[..., _FROM_VOIGT]


def reciprocal_metric(p) -> np.ndarray:
    """(..., 3, 3) reciprocal metric G* = G⁻¹ (Å⁻²) from (..., 6) parameters; 1/d² = h·G*·hᵀ."""
    return np.linalg.inv(metric(p))


def params_from_metric(G) -> np.ndarray:
    """(..., 6) parameters a, b, c (Å), α, β, γ (degrees) of (..., 3, 3) metric tensors."""
    G = np.asarray(G, dtype=float)
    d = np.sqrt(np.diagonal(G, axis1=-2, axis2=-1))
    cos = np.stack([G[..., 1, 2] / (d[..., 1] * d[..., 2]),
                    G[..., 0, 2] / (d[..., 0] * d[..., 2]),
                    G[..., 0, 1] / (d[..., 0] * d[..., 1])], axis=-1)
    return np.concatenate([d, np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))], axis=-1)


def params_from_matrix(A) -> np.ndarray:
    """(..., 6) parameters of cells whose vectors are the columns of (..., 3, 3) matrices A."""
    A = np.asarray(A, dtype=float)
    return params_from_metric(np.swapaxes(A, -1, -2) @ A)


def _upper_factor(G: np.ndarray, strict: bool) -> np.ndarray:
    """U upper triangular, positive diagonal, UᵀU = G (the transposed Cholesky factor), for a whole batch in one
    LAPACK call; with ``strict=False`` the metrics that are not positive definite give NaN matrices."""
    try:
        return np.swapaxes(np.linalg.cholesky(G), -1, -2)
    except np.linalg.LinAlgError:
        if strict:
            raise np.linalg.LinAlgError("metric tensor is not positive definite (impossible cell)") from None
    ok = np.linalg.eigvalsh(G)[..., 0] > 0
    U = np.full(G.shape, np.nan)
    U[ok] = np.swapaxes(np.linalg.cholesky(G[ok]), -1, -2)
    return U


def matrix_from_metric(G, frame: str = "cstar", *, strict: bool = True) -> np.ndarray:
    """(..., 3, 3) cell vectors as columns (Å) in ``frame`` from (..., 3, 3) metric tensors.

    ``"cstar"``: A upper triangular (X ∥ a, Z ∥ c*), the transposed Cholesky factor of G. ``"c"``: A lower
    triangular (Z ∥ c, X ∥ a*), the same factor of the metric with the axis order reversed. ``strict``: raise
    ``numpy.linalg.LinAlgError`` for a metric that is not positive definite (else NaN for those cells).
    """
    G = np.asarray(G, dtype=float)
    if frame == "cstar":
        return _upper_factor(G, strict)
    if frame == "c":
        return _FLIP @ _upper_factor(_FLIP @ G @ _FLIP, strict) @ _FLIP
    raise ValueError(f"unknown frame {frame!r}: use 'cstar' (X∥a, Z∥c*) or 'c' (Z∥c, X∥a*)")


def cell_matrix(p, frame: str = "cstar") -> np.ndarray:
    """(..., 3, 3) cell vectors as columns (Å) in ``frame`` for (..., 6) parameters (see the module docstring).

    An impossible cell (angles that close no volume) gives a NaN matrix, not an error.
    """
    return matrix_from_metric(metric(p), frame, strict=False)


def _volume_factor(ca, cb, cg):
    """1 − cos²α − cos²β − cos²γ + 2 cosα cosβ cosγ = (V / abc)², clipped at 0."""
    return np.maximum(1.0 - ca * ca - cb * cb - cg * cg + 2.0 * ca * cb * cg, 0.0)


def volume(p) -> np.ndarray | float:
    """Volume (Å³) of (..., 6) parameters; a float for one cell. 0 for angles that close no cell."""
    p, ca, cb, cg = _cosines(p)
    v = p[..., 0] * p[..., 1] * p[..., 2] * np.sqrt(_volume_factor(ca, cb, cg))
    return float(v) if np.ndim(v) == 0 else v


def volume_gradient(p) -> np.ndarray:
    """(..., 6) partial derivatives ∂V/∂(a, b, c) in Å² and ∂V/∂(α, β, γ) in Å³ per degree, in closed form.

    V = abc·√D with D = 1 − cos²α − cos²β − cos²γ + 2 cosα cosβ cosγ, so ∂V/∂a = V/a and
    ∂V/∂α = abc·sin α (cos α − cos β cos γ)/√D (per radian; × π/180 per degree), and cyclically.
    """
    p, ca, cb, cg = _cosines(p)
    a, b, c = p[..., 0], p[..., 1], p[..., 2]
    sa, sb, sg = (np.sin(np.radians(p[..., i])) for i in (3, 4, 5))
    root = np.sqrt(_volume_factor(ca, cb, cg))
    abc = a * b * c
    V = abc * root
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(root > 0, abc / root, np.nan) * (np.pi / 180.0)
        return np.stack([V / a, V / b, V / c, k * sa * (ca - cb * cg), k * sb * (cb - ca * cg),
                         k * sg * (cg - ca * cb)], axis=-1)


def volume_su(p, su) -> np.ndarray | float:
    """First-order s.u. of the volume (Å³) from (..., 6) parameters and their (..., 6) s.u.'s (NaN or 0 = exact;
    parameters independent but those :func:`tied_parameters` joins: one error, also where one of them is written
    without its s.u., :func:`constrained_sus`); a float for one cell."""
    p = np.asarray(p, dtype=float)
    su = np.asarray(su, dtype=float)
    if np.isnan(su).any():  # (a length written without the s.u. of the equal one it is constrained to: that one)
        su = constrained_sus(p, su).reshape(su.shape)
    s = np.nan_to_num(su, nan=0.0)
    g = volume_gradient(p)
    terms = np.where(s != 0, g * s, 0.0).reshape(-1, 6)
    tied = tied_parameters(p.reshape(-1, 6), s.reshape(-1, 6))
    if tied is not None:
        merge_tied(terms[:, :, None], tied)
    out = np.sqrt(np.sum(terms ** 2, axis=-1)).reshape(np.shape(s)[:-1])
    return float(out) if np.ndim(out) == 0 else out


def tied_parameters(x0: np.ndarray, sig: np.ndarray) -> np.ndarray | None:
    """(N, n) int: for each input column of the cells ``x0`` (N, 6·k: a, b, c, α, β, γ of each cell), the column
    whose error it shares — the first of the cell's lengths (or angles) written with the same value and the same
    s.u. (``sig`` > 0): one refined parameter written twice, as a = b of a tetragonal or hexagonal cell, a = b = c of
    a cubic one and α = β = γ on rhombohedral axes are (a cell's symmetry constrains them equal); its own column
    where none. None when no column is tied."""
    x0, sig = np.asarray(x0, float), np.asarray(sig, float)
    N, n = x0.shape
    if N == 1:  # (one cell, e.g. its volume's s.u.: the same rule in plain Python, ~20× faster than the arrays)
        tied, x, s = list(range(n)), x0[0].tolist(), sig[0].tolist()
        for first in range(0, n - n % 6, 3):
            for j in (first + 1, first + 2):
                i = next((i for i in range(first, j) if tied[i] == i and s[j] > 0 and x[j] == x[i] and s[j] == s[i]),
                         None)
                if i is not None:
                    tied[j] = i
        return None if tied == list(range(n)) else np.array([tied])
    tied = np.broadcast_to(np.arange(n), (N, n)).copy()
    for cell in range(0, n - n % 6, 6):
        for first in (cell, cell + 3):  # lengths, then angles
            for j in (first + 1, first + 2):
                for i in range(first, j):
                    same = (tied[:, j] == j) & (sig[:, j] > 0) & (x0[:, j] == x0[:, i]) & (sig[:, j] == sig[:, i])
                    tied[same, j] = tied[same, i]
    return None if (tied == np.arange(n)).all() else tied


def merge_tied(terms: np.ndarray, tied: np.ndarray, cols=None) -> None:
    """In place: ``terms`` (N, m, …), the error terms σ_j·∂y/∂x_j of the inputs ``cols`` (m,; default all) of N rows,
    with each input that ``tied`` (N, n, :func:`tied_parameters`) joins to another added to that one's term and set
    to 0 (one error, full correlation). A tied input has an s.u., and so has its representative: both are in
    ``cols``."""
    cols = np.arange(terms.shape[1]) if cols is None else np.asarray(cols)
    where = {c: j for j, c in enumerate(cols.tolist())}
    for j, c in enumerate(cols.tolist()):
        rep = tied[:, c]
        moved = np.flatnonzero(rep != c)
        if len(moved):
            to = np.array([where[r] for r in rep[moved].tolist()])
            terms[moved, to] += terms[moved, j]
            terms[moved, j] = 0.0


def constrained_sus(par, sig) -> np.ndarray:
    """(N, 6) s.u.'s of cells ``par`` (N, 6) with a missing one (NaN) — of a length, or of an angle that is not 90°,
    120° or 60° — taken from a parameter of its kind in its cell with the same value and an s.u.: a parameter the
    cell's symmetry makes equal to a refined one, written without its s.u. (GSAS writes a = b of a tetragonal cell
    as a with an s.u. and b without): that one parameter (:func:`~symstrain.lattice.tied_parameters` then joins
    them), not an exact one (sweep 15: e22 came out 2e-7 beside e11's 8e-7)."""
    par = np.asarray(par, dtype=float).reshape(-1, 6)
    sig = np.array(sig, dtype=float).reshape(-1, 6)  # (a copy: filled in place)
    missing = ~np.isfinite(sig)
    if not missing.any():
        return sig
    if len(par) == 1:  # (one cell, e.g. its volume's s.u.: the same rule in plain Python)
        x, s = par[0].tolist(), sig[0].tolist()
        for j in range(6):
            if s[j] != s[j] and not (j >= 3 and any(abs(x[j] - v) < 1e-9 for v in (90.0, 120.0, 60.0))):
                first = 3 * (j // 3)
                s[j] = next((s[i] for i in range(first, first + 3) if i != j and s[i] == s[i] and x[i] == x[j]), s[j])
        return np.array([s])
    special = np.zeros(par.shape, bool)
    for value in (90.0, 120.0, 60.0):
        special[:, 3:] |= np.abs(par[:, 3:] - value) < 1e-9
    for first in (0, 3):
        for j in range(first, first + 3):
            for i in range(first, first + 3):
                if i != j:
                    take = missing[:, j] & ~special[:, j] & np.isfinite(sig[:, i]) & (par[:, j] == par[:, i])
                    sig[take, j] = sig[take, i]
                    missing[take, j] = False
    return sig
