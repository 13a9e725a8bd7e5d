"""Faults found by sweep 20 (temperature series: table, transitions, thermal expansion against PASCal)."""

from __future__ import annotations

import numpy as np
import pytest

from symstrain.transition_models import compare_models


def _linear_tc(T, y, su):
    """T_c of y = A·(T_c − T) by a weighted straight line y = a + b·T (T_c = −a/b) and its s.u. by the delta
    method, the covariance scaled by max(1, χ²/dof): numpy's polyfit, independent of symstrain's fits."""
    (b, a), C = np.polyfit(T, y, 1, w=1 / su, cov="unscaled")
    chi2 = np.sum(((y - (a + b * T)) / su) ** 2)
    C = C * max(1.0, chi2 / (len(T) - 2))
    g = np.array([a / b**2, -1 / b])  # ∂T_c/∂(b, a)
    return -a / b, float(np.sqrt(g @ C @ g))


@pytest.mark.parametrize("amplitude", [3.5e-6, 1.0])
def test_tc_su_is_not_lost_to_the_scale_of_the_amplitude(amplitude):
    """A symmetry-breaking strain of 3.5·10⁻⁶ K⁻¹ × (T_c − T) (LaAlO₃'s size) gave T_c = 822.24 ± 1e-16 K: the
    covariance was the pseudo-inverse of JᵀJ with columns 10⁸ apart, which cut the T_c direction. The s.u. must not
    depend on the unit of y: the same data times 1/3.5·10⁻⁶ give the same T_c ± s.u., that of a straight line."""
    rng = np.random.default_rng(20)
    T = np.arange(300.0, 800.0, 20.0)
    su = np.full(len(T), 0.02 * amplitude * 100)
    y = amplitude * (812.0 - T) + rng.normal(0, su)
    c = compare_models(T, y, su, T_low=810.0, T_high=850.0, ordered_below=True)
    fit = c.fit("second_order")
    tc, tc_su = _linear_tc(T, y, su)  # 811.62 ± 0.85 K, inside the bracket (no bound acts)
    assert 810.0 < tc < 850.0 and fit.Tc == pytest.approx(tc, abs=1e-6)
    assert fit.Tc_su == pytest.approx(tc_su, rel=1e-6) and fit.Tc_su > 0.5
