"""Thermal expansion per phase (PASCal's quantities): closed forms for orthogonal cells, a numpy oracle (cell
matrices, F = A·A0⁻¹, np.polyfit per component, np.linalg.eigh) for a monoclinic one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest


def _table(T, cells, group="P c c n", number=56, su=None):
    cells = np.asarray(cells, dtype=float)
    df = pd.DataFrame({"label": [f"r{i}" for i in range(len(T))], "T": T, "branch": "", "spacegroup": group,
                       "sg_number": number})
    for k, n in enumerate(("a", "b", "c", "alpha", "beta", "gamma")):
        df[n] = cells[:, k]
        df[f"{n}_su"] = np.nan if su is None else su[k]
    return df


def test_orthorhombic_closed_form():
    from symstrain.expansion import thermal_expansion

    T = np.array([100.0, 150.0, 200.0, 250.0, 300.0])
    al = {"a": 12e-6, "b": -3e-6, "c": 30e-6}
    x0 = {"a": 10.0, "b": 12.0, "c": 15.0}
    cells = [[x0[n] * (1 + al[n] * (t - 100.0)) for n in "abc"] + [90, 90, 90] for t in T]
    te = thermal_expansion(_table(T, cells))
    (ph,) = te.phases
    # e11 = a/a(100 K) − 1 = α_a (T − 100 K) exactly: the principal coefficients are α_b < α_a < α_c
    assert ph.alpha == pytest.approx([-3.0, 12.0, 30.0], abs=1e-9)
    assert np.allclose(np.abs(ph.directions), [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert ph.tensor[3:].tolist() == [0.0, 0.0, 0.0] and ph.tensor_su[3:].tolist() == [0.0, 0.0, 0.0]
    V = np.prod(np.array(cells)[:, :3], axis=1)
    slope, icpt = np.polyfit(T, V, 1)
    assert ph.alpha_V == pytest.approx(slope / (icpt + slope * 100.0) * 1e6, rel=1e-9)
    assert ph.alpha_su == pytest.approx([0, 0, 0], abs=1e-6)  # exact lines: no scatter
    assert ph.fit == "unweighted" and ph.T_ref == 100.0


def test_scatter_su_matches_polyfit_covariance():
    from symstrain.expansion import thermal_expansion

    rng = np.random.default_rng(5)
    T = np.linspace(100.0, 300.0, 9)
    a = 10.0 * (1 + 15e-6 * (T - 100.0)) + rng.normal(0, 2e-4, len(T))
    cells = [[x, 12.0 * (1 + 5e-6 * (t - 100)), 15.0 * (1 + 25e-6 * (t - 100)), 90, 90, 90] for x, t in zip(a, T)]
    (ph,) = thermal_expansion(_table(T, cells)).phases
    e11 = a / a[0] - 1
    p, C = np.polyfit(T, e11, 1, cov=True)
    k = int(np.argmin(np.abs(ph.alpha - p[0] * 1e6)))
    assert ph.alpha[k] == pytest.approx(p[0] * 1e6, rel=1e-9)
    assert ph.alpha_su[k] == pytest.approx(math.sqrt(C[0, 0]) * 1e6, rel=1e-9)


def test_monoclinic_against_a_numpy_oracle():
    from symstrain.expansion import thermal_expansion

    T = np.array([100.0, 140.0, 180.0, 220.0, 260.0])
    cells = np.array([[10 + 1e-4 * t, 12 + 3e-4 * t, 15 - 5e-5 * t, 90, 95 + 2e-3 * t, 90] for t in T])

    def matrix(p):  # X ∥ a, Y in the ab plane, Z ∥ c* (columns a, b, c)
        a, b, c = p[:3]
        al, be, ga = np.radians(p[3:])
        cx = c * np.cos(be)
        cy = c * (np.cos(al) - np.cos(be) * np.cos(ga)) / np.sin(ga)
        return np.array([[a, b * np.cos(ga), cx], [0, b * np.sin(ga), cy], [0, 0, math.sqrt(c * c - cx * cx - cy * cy)]])

    A0 = matrix(cells[0])
    E = []
    for p in cells:
        F = matrix(p) @ np.linalg.inv(A0)
        E.append(0.5 * (F + F.T) - np.eye(3))
    E = np.array(E)
    alpha = np.array([[np.polyfit(T, E[:, i, j], 1)[0] for j in range(3)] for i in range(3)])
    lam, vec = np.linalg.eigh(alpha)
    (ph,) = thermal_expansion(_table(T, cells, "P 1 21/c 1", 14)).phases
    assert ph.alpha == pytest.approx(lam * 1e6, rel=1e-7, abs=1e-9)
    for k in range(3):
        assert abs(abs(ph.directions[:, k] @ vec[:, k]) - 1) < 1e-9
    assert ph.tensor[4] == pytest.approx(alpha[0, 2] * 1e6, rel=1e-7)
    assert ph.tensor[3] == 0.0 and ph.tensor[5] == 0.0  # e23, e12 zero by symmetry in 2/m (b unique)
    # what the figure draws, kept with the phase: each row's strain along the principal axes (the oracle's
    # v_kᵀ·E·v_k against the first row), its T and volume
    along = np.einsum("ik,nij,jk->nk", ph.directions, E, ph.directions)
    assert ph.row_principal == pytest.approx(along, abs=1e-12)
    assert np.array_equal(ph.row_T, T)
    assert ph.row_V == pytest.approx([np.linalg.det(matrix(p)) for p in cells], rel=1e-12)


def test_two_rows_and_one_row():
    from symstrain.expansion import thermal_expansion

    T = np.array([285.0, 300.0, 310.0])
    cells = [[5.85424, 8.79471, 13.1365, 90, 90, 90], [5.8543, 8.79679, 13.1387, 90, 90, 90],
             [5.86, 8.77, 13.10, 90, 90, 90]]
    df = _table(T, cells)
    df.loc[2, ["spacegroup", "sg_number"]] = ["P m c n", 62]
    te = thermal_expansion(df)
    (ph,) = te.phases
    assert ph.fit == "line through 2 rows" and np.isnan(ph.alpha_su).all()
    # closed form: (x(300)/x(285) − 1)/15 K, sorted α_a < α_c < α_b
    assert ph.alpha == pytest.approx([(x1 / x0 - 1) / 15.0 * 1e6 for x0, x1 in
                                      ((5.85424, 5.8543), (13.1365, 13.1387), (8.79471, 8.79679))], rel=1e-9)
    assert any("P m c n" in w and "one temperature" in w for w in te.warnings)


def test_weighted_su_is_scaled_by_the_scatter_where_it_exceeds_the_sus():
    """Weighted fits (every row with s.u.'s): the slope's s.u. is the covariance of the s.u.'s, times √(χ²/(n − 2))
    where the rows scatter more than their s.u.'s allow (sweep 8: a 17-row series gave αV = 316 ± 1.2 MK⁻¹ against a
    scatter worth ± 61). Oracle: np.polyfit with w = 1/σ (its cov=True scales by χ²/(n − 2), "unscaled" does not).
    The volume is fitted as the tensor is, and one ``fit`` says so."""
    from symstrain.expansion import thermal_expansion

    rng = np.random.default_rng(7)
    T = np.linspace(100.0, 300.0, 9)
    for scatter, sigma in ((5e-4, 1e-4), (2e-5, 1e-4)):  # χ² well above 1, then below it
        a = 10.0 * (1 + 15e-6 * (T - 100.0)) + rng.normal(0, scatter, len(T))
        b, c = 12.0 * (1 + 5e-6 * (T - 100)), 15.0 * (1 + 25e-6 * (T - 100))
        cells = [[x, y, z, 90, 90, 90] for x, y, z in zip(a, b, c)]
        su = [sigma, sigma, sigma, np.nan, np.nan, np.nan]
        (ph,) = thermal_expansion(_table(T, cells, su=su)).phases
        assert ph.fit == "weighted"
        e11, w = a / a[0] - 1, a[0] / sigma  # σ(e11) = σ_a / a(T_ref)
        p, C = np.polyfit(T, e11, 1, w=np.full(len(T), w), cov="unscaled")
        chi2 = np.sum((w * (e11 - np.polyval(p, T))) ** 2) / (len(T) - 2)
        assert (chi2 > 10) == (scatter > sigma) and (chi2 < 1) == (scatter < sigma)
        k = int(np.argmin(np.abs(ph.alpha - p[0] * 1e6)))
        assert ph.alpha[k] == pytest.approx(p[0] * 1e6, rel=1e-9)
        assert ph.alpha_su[k] == pytest.approx(math.sqrt(C[0, 0] * max(chi2, 1.0)) * 1e6, rel=1e-9)
        # V weighted by its propagated s.u. (σ_V/V = σ·√(1/a² + 1/b² + 1/c²), orthogonal cell), the same rule
        V = a * b * c
        sV = V * sigma * np.sqrt(1 / a**2 + 1 / b**2 + 1 / c**2)
        q, D = np.polyfit(T, V, 1, w=1 / sV, cov="unscaled")
        chi2_V = np.sum(((V - np.polyval(q, T)) / sV) ** 2) / (len(T) - 2)
        V_ref = np.polyval(q, T[0])
        assert ph.alpha_V == pytest.approx(q[0] / V_ref * 1e6, rel=1e-9)
        assert ph.alpha_V_su == pytest.approx(math.sqrt(D[0, 0] * max(chi2_V, 1.0)) / V_ref * 1e6, rel=1e-9)
    # one row without s.u.'s: every fit unweighted, the volume's too (not weighted under an "unweighted" label)
    su_rows = _table(T, cells, su=su)
    su_rows.loc[3, ["a_su", "b_su", "c_su"]] = np.nan
    (ph,) = thermal_expansion(su_rows).phases
    q, D = np.polyfit(T, V, 1, cov=True)
    assert ph.fit == "unweighted"
    assert ph.alpha_V_su == pytest.approx(math.sqrt(D[0, 0]) / np.polyval(q, T[0]) * 1e6, rel=1e-9)


def test_rows_of_one_group_on_other_lattices_give_no_expansion():
    """Sweep 10: four CsSnI₃ phases exported as P 1 (cubic 6.13 Å, tetragonal 8.54 × 6.21 Å, two orthorhombic
    supercells) were fitted as one phase: αV = −3.09e3 MK⁻¹. Rows of one group whose cells differ from the coldest
    row's by more than 8 % (lengths, or angles in radians) are not one lattice: that phase gets no expansion and a
    warning; a group whose rows are one lattice is fitted as before (here 10 MK⁻¹ along a)."""
    from symstrain.expansion import thermal_expansion

    T = np.array([250.0, 300.0, 380.0, 500.0])
    cells = [[10.379, 4.6856, 17.574, 90, 90, 90], [8.775, 12.236, 8.3621, 90, 90, 90],
             [8.5441, 8.5441, 6.2057, 90, 90, 90], [6.1304, 6.1304, 6.1304, 90, 90, 90]]
    te = thermal_expansion(_table(T, cells, group="P 1", number=1))
    assert te.phases == () and [w.record.code for w in te.warnings] == ["expansion_cells_differ"]
    assert "161 %" in te.warnings[0]  # (b: 12.236 against 4.6856 of the coldest row)
    one = [[10.0 * (1 + 10e-6 * (t - 250.0)), 12.0, 15.0, 90, 90, 90] for t in T]
    (ph,) = thermal_expansion(_table(T, one, group="P 1", number=1)).phases
    assert ph.alpha[-1] == pytest.approx(10.0, rel=1e-9)
