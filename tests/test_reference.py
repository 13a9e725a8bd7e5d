"""Tests of symstrain.reference: baselines recovered from synthetic data, s.u.'s against closed forms and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.phase import Cell
from symstrain.reference import fit_baseline, fit_cell_baseline


def salje(T, x0, k, th):
    return x0 + k * th / np.tanh(th / T)


def test_linear_baseline_and_su_of_extrapolation_closed_form():
    rng = np.random.default_rng(3)
    T = np.linspace(100, 250, 16)
    sigma = 2e-4
    y = 10.0 + 1.5e-4 * T + rng.normal(0, sigma, T.size)
    b = fit_baseline(T, y, np.full(T.size, sigma), model="linear", name="a")
    # weighted least squares with equal σ: var(ŷ(T)) = σ²·(1/n + (T − T̄)²/Σ(Tᵢ − T̄)²)
    Tbar, Sxx = T.mean(), np.sum((T - T.mean()) ** 2)
    for t in (150.0, 300.0, 400.0):
        assert b.su(t) == pytest.approx(sigma * math.sqrt(1 / T.size + (t - Tbar) ** 2 / Sxx), rel=1e-9)
    slope, icpt = np.polyfit(T, y, 1)  # independent fit
    assert b.value(300.0) == pytest.approx(icpt + slope * 300.0, abs=1e-10)
    assert b.params[1] == pytest.approx(slope, rel=1e-9)
    # the truth lies within a few s.u.'s of the extrapolated value
    assert abs(b.value(300.0) - (10.0 + 1.5e-4 * 300)) < 4 * b.su(300.0)
    assert b.weighted and b.chi2_red is not None
    # vectorised evaluation agrees with scalar evaluation
    assert np.allclose(b.value(np.array([150.0, 300.0])), [b.value(150.0), b.value(300.0)])


def test_unweighted_linear_su_from_scatter():
    rng = np.random.default_rng(5)
    T = np.linspace(100, 250, 40)
    y = 5.0 - 3e-5 * T + rng.normal(0, 1e-4, T.size)
    b = fit_baseline(T, y, model="linear")
    r = y - (b.params[0] + b.params[1] * (T - b.T_ref))
    s2 = np.sum(r**2) / (T.size - 2)
    Sxx = np.sum((T - T.mean()) ** 2)
    assert b.param_su[1] == pytest.approx(math.sqrt(s2 / Sxx), rel=1e-9)
    assert not b.weighted and b.chi2_red is None


def test_poly_baseline_recovers_quadratic():
    T = np.linspace(50, 250, 9)
    y = 8.0 + 2e-5 * T + 3e-8 * T**2
    b = fit_baseline(T, y, model="poly", degree=2)
    assert b.value(320.0) == pytest.approx(8.0 + 2e-5 * 320 + 3e-8 * 320**2, abs=1e-11)
    assert len(b.params) == 3 and b.su(320.0) < 1e-10


def test_salje_recovers_theta_s():
    rng = np.random.default_rng(11)
    T = np.arange(10.0, 401.0, 10.0)
    x0, k, th = 13.0, 4e-5, 150.0
    sigma = 2e-5
    y = salje(T, x0, k, th) + rng.normal(0, sigma, T.size)
    b = fit_baseline(T, y, np.full(T.size, sigma), model="salje", name="c")
    assert b.param_names == ("x0", "k", "theta_s")
    assert abs(b.params[2] - th) < 4 * b.param_su[2] and b.param_su[2] < 0.1 * th
    assert b.params[2] == pytest.approx(th, rel=0.1)
    assert abs(b.value(500.0) - salje(500.0, x0, k, th)) < 4 * b.su(500.0)
    # noise-free data with Θs fixed: x0 and k exactly
    y0 = salje(T, x0, k, th)
    bf = fit_baseline(T, y0 + 1e-12 * np.sin(T), model="salje", theta_s=th)
    assert bf.theta_s_fixed and bf.params[2] == th and bf.param_su[2] == 0.0
    assert bf.params[0] == pytest.approx(x0, abs=1e-9) and bf.params[1] == pytest.approx(k, rel=1e-6)


def test_salje_su_against_monte_carlo():
    T = np.arange(20.0, 301.0, 20.0)
    x0, k, th, sigma = 5.0, 6e-5, 120.0, 3e-5
    rng = np.random.default_rng(2)
    truth = salje(T, x0, k, th)
    b = fit_baseline(T, truth, np.full(T.size, sigma), model="salje")
    fits = [fit_baseline(T, truth + rng.normal(0, sigma, T.size), np.full(T.size, sigma), model="salje")
            for _ in range(60)]
    th_mc = np.std([f.params[2] for f in fits])
    ext_mc = np.std([f.value(400.0) for f in fits])
    assert b.param_su[2] == pytest.approx(th_mc, rel=0.35)
    assert b.su(400.0) == pytest.approx(ext_mc, rel=0.35)


def test_cell_baseline_holds_fixed_angles_and_extrapolates():
    T = np.linspace(100, 250, 8)
    cells = [Cell(10 + 1e-4 * t, 12 - 2e-5 * t, 15 + 3e-4 * t, 90, 90, 90, (1e-4, 1e-4, 2e-4, None, None, None))
             for t in T]
    cb = fit_cell_baseline(T, cells, model="linear", source="ls")
    assert set(cb.baselines) == {"a", "b", "c"} and cb.constants == {"alpha": 90.0, "beta": 90.0, "gamma": 90.0}
    ref = cb.cell_at(320.0)
    assert ref.a == pytest.approx(10.032, abs=1e-10) and ref.c == pytest.approx(15.096, abs=1e-10)
    assert ref.su[3] is None and ref.su[0] > 0
    assert "extrapolated 70 K" in cb.describe(320.0) and "inside" in cb.describe(200.0)
    assert np.allclose(cb.cells_at([320.0])[0], ref.params)
    # a range that keeps only some points
    cb2 = fit_cell_baseline(T, cells, T_range=(150, 250))
    assert cb2.n == int(np.sum((T >= 150) & (T <= 250)))
    df = cb.to_frame()
    assert set(df["lattice_parameter"]) == {"a", "b", "c", "alpha", "beta", "gamma"}


def test_bad_baseline_input():
    with pytest.raises(SymstrainInputError, match="cannot fix"):
        fit_baseline([100.0, 200.0], [1.0, 2.0], model="linear")  # no dof left for the s.u.'s
    with pytest.raises(SymstrainInputError, match="temperature"):
        fit_baseline([100.0, np.nan, 200.0], [1.0, 2.0, 3.0])
    with pytest.raises(SymstrainInputError, match="above 0 K"):
        fit_baseline([0.0, 100.0, 200.0, 300.0], [1.0, 2.0, 3.0, 4.0], model="salje")
    with pytest.raises(SymstrainInputError, match="unknown baseline"):
        fit_baseline([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], model="cubic")
    with pytest.raises(SymstrainInputError, match="no parent cell"):
        fit_cell_baseline([100.0], [Cell(1, 1, 1, 90, 90, 90)], T_range=(200, 300))
