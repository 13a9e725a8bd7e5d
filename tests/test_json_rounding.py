"""Values that are 0 come out exactly 0 in --json, not as rounding of 1e-12 … 1e-35 (sweep 5, F7).

Expected zeros are set by symmetry or by the data (two equal rows), not by symstrain's output."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symstrain import contract
from symstrain.phase import Cell
from symstrain.spontaneous_strain import strain
from symstrain.transition_models import compare_models


def test_clean_su_by_hand():
    su = np.array([[0.0, 1.2e-12, 0.04], [3e-11, 0.04, np.nan], [5e-13, 2e-3, 1e-5]])
    out = contract.clean_su(su)
    # 1e-9 of the largest (0.04) is 4e-11: 1.2e-12, 3e-11 and 5e-13 are rounding; NaN (unknown) stays NaN
    assert out[0].tolist() == [0.0, 0.0, 0.04] and out[1, 0] == 0.0 and math.isnan(out[1, 2])
    assert out[2].tolist() == [0.0, 2e-3, 1e-5]
    assert contract.clean_su(np.array([2e-13, 1e-15])).tolist() == [0.0, 0.0]  # all below 1e-12
    assert contract.clean_su(0.3) == 0.3


def test_principal_direction_su_of_its_own_component_is_zero():
    """A cubic reference 4.006(2) Å mapped on an Amm2-like child with b' = b + c, c' = −b + c (P below): in the
    child's frame the strain has e23 ≠ 0, so two principal directions turn in the yz plane. To first order a unit
    vector's component along itself does not change (d|v|² = 2 v·dv = 0): its s.u. is 0 — it came out 1.2e-12
    from the finite differences. The direction along x is fixed by symmetry: s.u. 0 throughout. (b and c of the
    reference are given different s.u.'s, so they are two parameters: equal ones are one refined parameter, whose
    error scales the cubic cell as a whole and turns no direction — every s.u. is then 0.)"""
    ref = Cell(4.006, 4.006, 4.006, 90, 90, 90, su=(0.002, 0.002, 0.003, None, None, None))
    child = Cell(3.99, 5.67, 5.69, 90, 90, 90, su=(0.001, 0.001, 0.001, None, None, None))
    P = np.array([[1, 0, 0], [0, 1, -1], [0, 1, 1]])
    d = strain(ref, child, P=P).to_dict()["principal"]["directions"]
    v, s = np.array(d["value"]), np.array(d["su"], dtype=float)
    own = [s[i, int(np.argmax(np.abs(v[i])))] for i in range(3)]
    assert own == [0.0, 0.0, 0.0]
    assert np.all((s == 0.0) | (s > 1e-6))  # every s.u. is either exactly 0 or a real one
    assert s.max() > 1e-3  # (b and c of the reference apart: the yz directions turn)
    one = Cell(4.006, 4.006, 4.006, 90, 90, 90, su=(0.002, 0.002, 0.002, None, None, None))
    d = strain(one, child, P=P).to_dict()["principal"]["directions"]
    assert np.array(d["su"], dtype=float).tolist() == np.zeros((3, 3)).tolist()


def test_step_through_two_equal_rows_has_slope_zero():
    """A first-order step fitted to two ordered rows of the same value has slope 0 and residual 0 exactly."""
    comp = compare_models([300.0, 200.0], [0.0101, 0.0101], T_low=300.0, T_high=600.0, ordered_below=True)
    (step,) = [f for f in comp.fits if f.model == "first_order_step"]
    out = step.to_dict()
    assert out["slope"] == 0.0 and out["rss"] == 0.0
    assert out["amplitude"]["value"] == pytest.approx(0.0101, rel=1e-12)


def test_degenerate_principal_directions_have_no_su():
    """Sweep 6 (F9): a tetragonal child of a cubic reference has e11 = e22: any direction in that plane is principal,
    and the finite differences gave those directions an s.u. of 353. Their s.u. is now none (null); the unique axis
    keeps its own. With no strain at all every direction is principal: the axes, with no s.u., not a random rotation
    of rounding."""
    ref = Cell(4.006, 4.006, 4.006, 90, 90, 90, su=(0.002, 0.002, 0.002, None, None, None))
    tet = Cell(3.986, 3.986, 4.036, 90, 90, 90, su=(0.001, 0.001, 0.001, None, None, None))
    d = strain(ref, tet).to_dict()["principal"]
    vals, su = d["values"]["value"], d["directions"]["su"]
    assert vals[0] == pytest.approx(vals[1]) and vals[2] > vals[0]
    assert [row[0] for row in su] == [None] * 3 and [row[1] for row in su] == [None] * 3  # the tied pair's columns
    assert all(row[2] is not None for row in su)
    same = strain(ref, ref).to_dict()["principal"]
    assert same["values"]["value"] == [0.0, 0.0, 0.0]
    assert same["directions"]["value"] == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    su = same["directions"]["su"]  # none at all (null), or none for each
    assert su is None or all(v is None for row in su for v in row)
