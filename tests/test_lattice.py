"""symstrain.lattice against gemmi's orthogonalisation, closed forms written here, and Monte Carlo."""

from __future__ import annotations

import math

import gemmi
import numpy as np
import pytest

from symstrain import lattice
from symstrain.phase import Cell

TRI = (7.1, 8.3, 9.2, 84.0, 97.5, 101.0)


def _random_cells(n, seed=0):
    rng = np.random.default_rng(seed)
    p = np.column_stack([rng.uniform(3, 25, (n, 3)), rng.uniform(70, 115, (n, 3))])
    return p[lattice.volume(p) > 0]


def test_cstar_frame_is_gemmis_orthogonalisation_for_many_cells_in_one_pass():
    p = _random_cells(2000)
    A = lattice.cell_matrix(p)  # one numpy pass over every cell
    assert A.shape == (len(p), 3, 3)
    for k in range(0, len(p), 97):
        ref = np.array(gemmi.UnitCell(*p[k]).orth.mat)
        assert np.allclose(A[k], ref, rtol=0, atol=1e-12 * p[k, :3].max())
    assert np.allclose(lattice.volume(p), [gemmi.UnitCell(*x).volume for x in p], rtol=1e-12)


def test_c_frame_by_hand():
    # Z ∥ c, Y in the bc plane, X ∥ a*: c = (0, 0, c), b = (0, b sinα, b cosα),
    # a_z = a cosβ, a_y = a (cosγ − cosα cosβ)/sinα, a_x fills |a|.
    a, b, c, al, be, ga = TRI
    ca, cb, cg = (math.cos(math.radians(x)) for x in (al, be, ga))
    sa = math.sin(math.radians(al))
    ay = a * (cg - ca * cb) / sa
    az = a * cb
    expected = np.array([[math.sqrt(a * a - ay * ay - az * az), 0, 0], [ay, b * sa, 0], [az, b * ca, c]])
    assert np.allclose(lattice.cell_matrix(np.array(TRI), "c"), expected, atol=1e-12)
    assert np.allclose(Cell(*TRI).matrix("c"), expected, atol=1e-12)


def test_metric_params_and_reciprocal_round_trips():
    p = _random_cells(500, seed=3)
    for frame in ("cstar", "c"):
        A = lattice.cell_matrix(p, frame)
        assert np.allclose(np.swapaxes(A, -1, -2) @ A, lattice.metric(p), rtol=1e-12, atol=1e-10)
        assert np.allclose(lattice.params_from_matrix(A), p, atol=1e-9)
    # reciprocal metric: gemmi's reciprocal cell, and 1/d² for one reflection
    u = gemmi.UnitCell(*TRI)
    r = u.reciprocal()
    assert np.allclose(lattice.reciprocal_metric(np.array(TRI)),
                       lattice.metric(np.array([r.a, r.b, r.c, r.alpha, r.beta, r.gamma])), rtol=1e-10)
    h = np.array([1.0, 2.0, 3.0])
    assert h @ lattice.reciprocal_metric(np.array(TRI)) @ h == pytest.approx(u.calculate_1_d2([1, 2, 3]), rel=1e-12)


def test_impossible_cells():
    flat = np.array([10.0, 10.0, 10.0, 120.0, 120.0, 120.0])  # the three vectors lie in one plane
    assert lattice.volume(flat) < 1e-3
    assert lattice.volume(np.array([10.0, 10.0, 10.0, 150.0, 150.0, 150.0])) == 0.0
    impossible = np.array([10.0, 10, 10, 150, 150, 150])
    with pytest.raises(np.linalg.LinAlgError):
        lattice.matrix_from_metric(lattice.metric(impossible), strict=True)
    # non-strict: NaN for the impossible cell only, the others of the batch as usual
    A = lattice.cell_matrix(np.stack([np.array(TRI), impossible]))
    assert np.all(np.isnan(A[1])) and np.allclose(A[0], gemmi.UnitCell(*TRI).orth.mat, atol=1e-12)
    with pytest.raises(ValueError, match="frame"):
        lattice.cell_matrix(np.array(TRI), "b")


def test_volume_su_monoclinic_by_hand_and_monte_carlo():
    # V = a b c sinβ (α = γ = 90° exact): σV² = (V/a σa)² + (V/b σb)² + (V/c σc)² + (a b c cosβ σβ[rad])²
    a, b, c, beta = 10.05, 11.98, 15.10, 93.1
    su = (0.002, 0.003, 0.004, None, 0.02, None)
    V = a * b * c * math.sin(math.radians(beta))
    hand = math.sqrt((V / a * su[0]) ** 2 + (V / b * su[1]) ** 2 + (V / c * su[2]) ** 2
                     + (a * b * c * math.cos(math.radians(beta)) * math.radians(su[4])) ** 2)
    cell = Cell(a, b, c, 90, beta, 90, su)
    assert cell.volume_su == pytest.approx(hand, rel=1e-12)
    # triclinic: every parameter uncertain, against Monte Carlo
    s = np.array([0.002, 0.003, 0.004, 0.03, 0.02, 0.05])
    rng = np.random.default_rng(7)
    samples = np.array(TRI) + rng.normal(size=(200_000, 6)) * s
    assert lattice.volume_su(np.array(TRI), s) == pytest.approx(lattice.volume(samples).std(), rel=0.01)
    # batched: the same numbers as one cell at a time
    p = _random_cells(50, seed=5)
    S = np.abs(np.random.default_rng(1).normal(0, 0.01, p.shape))
    assert np.allclose(lattice.volume_su(p, S), [lattice.volume_su(x, y) for x, y in zip(p, S)], rtol=1e-14)


def test_has_su_means_any_and_missing_angles_are_exact():
    lengths_only = Cell(10, 12, 15, 90, 90, 90, (0.001, 0.002, 0.003, None, None, None))
    assert lengths_only.has_su
    V = 10 * 12 * 15
    assert lengths_only.volume_su == pytest.approx(math.sqrt((V / 10 * 0.001) ** 2 + (V / 12 * 0.002) ** 2
                                                             + (V / 15 * 0.003) ** 2), rel=1e-12)
    none = Cell(10, 12, 15, 90, 90, 90)
    assert not none.has_su and none.volume_su is None


def test_cosines_of_right_and_hexagonal_angles_are_exact():
    """cos_degrees is exact at the multiples of 30° (np.cos(np.radians(90)) is 6.1e-17, that of 120° is
    −0.49999999999999978), and within 1e-15 of np.cos elsewhere: a hexagonal metric has G12 = −ab/2 and
    G13 = G23 = 0 exactly, and ½·cos β of a right angle is 0."""
    from symstrain.lattice import cos_degrees, metric
    from symstrain.strain_math import compute_strain

    assert cos_degrees(90) == 0.0 and cos_degrees(120) == -0.5 and cos_degrees(-60) == 0.5
    assert cos_degrees(180) == -1.0 and cos_degrees(270) == 0.0 and cos_degrees(30) == np.sqrt(3) / 2
    x = np.linspace(-400, 400, 8001)
    assert np.allclose(cos_degrees(x), np.cos(np.radians(x)), rtol=0, atol=1e-15)
    assert np.isnan(cos_degrees(np.nan))
    G = metric(np.array([3.0, 3.0, 5.0, 90, 90, 120]))
    assert G[0, 1] == -4.5 and G[0, 2] == 0.0 and G[1, 2] == 0.0
    ortho = np.array([[5.0, 6.0, 7.0, 90, 90, 90]])
    assert compute_strain(ortho, ortho * [1.01, 1, 1, 1, 1, 1], np.eye(3), "cstar", ())["eps13"][0] == 0.0
