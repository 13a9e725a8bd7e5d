"""What the least-squares fits share (``transition_models.py``, ``landau_fit.py``): the covariance of fitted
parameters from the Jacobian of their weighted residuals.

Conventions: ``J`` (n, k) is ∂r/∂q of the weighted residuals r (each divided by its σ, or by 1); the covariance
is (JᵀJ)⁻¹ — to be multiplied by σ̂² or a goodness of fit by the caller. It is computed on the columns of J scaled
to unit length: parameters of very different sizes (an amplitude of 10⁻⁶ beside a temperature of 800 K) square
the condition number of JᵀJ past what a pseudo-inverse's cut-off keeps, and the small direction — the
temperature's — was thrown away as if exact (sweep 20: T_c = 822.24 ± 1e-16 K for ± 5.6 K).
"""

from __future__ import annotations

import numpy as np


def covariance(J: np.ndarray) -> np.ndarray:
    """(k, k) (JᵀJ)⁻¹ of a Jacobian ``J`` (n, k), through columns scaled to unit norm (a zero column: its
    parameter's variance 0, not identifiable, as the pseudo-inverse says); NaN's when it cannot be formed."""
    J = np.asarray(J, dtype=float)
    norms = np.linalg.norm(J, axis=0)
    scale = np.where(norms > 0, norms, 1.0)
    try:
        inner = np.linalg.pinv((J / scale).T @ (J / scale))
    except np.linalg.LinAlgError:
        return np.full((J.shape[1], J.shape[1]), np.nan)
    return inner / np.outer(scale, scale)
