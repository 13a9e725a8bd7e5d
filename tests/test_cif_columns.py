"""Column-wise reading of atom-site numbers (cif_atoms._plain_column / _checked_column): the same numbers as the
entry-by-entry reader, worked out by hand here, and the entry-by-entry path for every other form."""

import math

import numpy as np
import pytest

from symstrain.cif_atoms import _checked_column, _plain_column


def test_plain_column_values_and_su():
    v, s = _plain_column(["0.1234(5)", "-.5(12)", "3(2)", "0.25", "+1.", "0.00010(3)"])
    assert v.tolist() == [0.1234, -0.5, 3.0, 0.25, 1.0, 0.0001]
    # s.u. in units of the last decimal written: 5e-4, 1.2, 2, none, none, 3e-5
    assert s[0] == pytest.approx(5e-4, rel=1e-12) and s[1] == pytest.approx(1.2, rel=1e-12)
    assert s[2] == 2.0 and math.isnan(s[3]) and math.isnan(s[4])
    assert s[5] == pytest.approx(3e-5, rel=1e-12)


@pytest.mark.parametrize("column", [
    ["0.5", "?"], ["0.5", "."], ["1/4", "0.5"], ["1e-3(2)"], ["0.5()"], ["'0.5'"], [";\n0.5\n0.3\n;", "?"],
    ["0.5 0.3"], [], ["1" + "0" * 400],
])
def test_other_forms_are_left_to_the_entry_reader(column):
    assert _plain_column(column) is None


def test_checked_column_bounds_and_scale():
    assert _checked_column(None, 1.0, (0, 1.1)) is None
    assert _checked_column(["1.0", "1.2"], 1.0, (0, 1.1)) is None  # one occupancy above the limit
    assert _checked_column(["-0.1", "1.0"], 1.0, (0, 1.1)) is None
    b = _checked_column(["7.8957", "0.5(1)"], 1 / (8 * np.pi**2), (-1, 10))
    assert b.tolist() == pytest.approx([7.8957 / (8 * np.pi**2), 0.5 / (8 * np.pi**2)], rel=1e-15)
