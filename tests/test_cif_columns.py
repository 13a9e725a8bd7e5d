"""Column-wise reading of atom-site numbers (cif_columns.plain_column / checked_column): the same numbers as the
entry-by-entry reader, worked out by hand here, and the entry-by-entry path for every other form."""

import math

import numpy as np
import pytest

from symstrain.cif_columns import checked_column as _checked_column
from symstrain.cif_columns import plain_column as _plain_column


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


CIF = """data_t
_cell_length_a 5.0(1)
_cell_length_b 6.0
_cell_length_c 7.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
_atom_site_B_iso_or_equiv
Fe1 Fe 0.1234(5) 0.25 -.5(12) 0.5 {b1}
O1 O 0.3 0.4(1) 0.0 1.0(2) 0.8
loop_
_atom_site_aniso_label
_atom_site_aniso_U_11
_atom_site_aniso_U_22
_atom_site_aniso_U_33
_atom_site_aniso_U_12
_atom_site_aniso_U_13
_atom_site_aniso_U_23
Fe1 0.011(1) 0.012 0.013 0.001 {u13} 0.0
"""


@pytest.mark.parametrize("b1, u13", [("1.6", "0.002"), ("1.6", "?"), ("'1.6'", "0.002")])
def test_columns_read_the_same_as_entry_by_entry(tmp_path, b1, u13):
    """Plain columns (column-wise) and columns with a '?' or a quoted entry (entry by entry): the same atoms."""
    from symstrain.cif import read_cif

    p = tmp_path / "t.cif"
    p.write_text(CIF.format(b1=b1, u13=u13))
    fe, o = read_cif(p).atoms
    assert fe.xyz.tolist() == [0.1234, 0.25, -0.5]
    assert fe.xyz_su[0] == pytest.approx(5e-4) and math.isnan(fe.xyz_su[1]) and fe.xyz_su[2] == pytest.approx(1.2)
    assert o.xyz_su[1] == pytest.approx(0.1)
    assert (fe.occupancy, o.occupancy) == (0.5, 1.0)
    assert fe.u_iso == pytest.approx(1.6 / (8 * np.pi**2), rel=1e-14)
    assert o.u_iso == pytest.approx(0.8 / (8 * np.pi**2), rel=1e-14)
    if u13 == "?":
        assert fe.u_aniso is None
    else:
        assert fe.u_aniso == pytest.approx((0.011, 0.012, 0.013, 0.001, 0.002, 0.0))


def test_plain_character_checks_agree_with_the_character_classes():
    # oracle: the regular expressions' negated classes (\d matches every Unicode decimal digit in a str pattern, so a
    # non-ASCII digit is a plain character there, and float() reads it), on texts built from every kind of character
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from symstrain import cif_columns

    not_plain = re.compile(r"[^\d.+\-()\n]")
    not_decimal = re.compile(r"[^0-9.+\-\n]")
    alphabet = st.sampled_from(list("0123456789.+-()\n eE?'x/_") + ["\u0663", "\u00e9", "\ufffd", "\t", "\r"])

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet=alphabet, max_size=40))
    def check(text):
        assert cif_columns._plain_chars_only(text) == (not not_plain.search(text))
        ascii_decimal = text.isascii() and not text.encode("ascii").translate(None, cif_columns._DECIMAL_BYTES)
        assert ascii_decimal == (text.isascii() and not not_decimal.search(text))

    check()
    # a column of Arabic-Indic digits is plain characters, read entry by entry as float() reads it
    assert cif_columns._plain_chars_only("\u0663.5\n0.25")
    assert not cif_columns._plain_chars_only("0.5\n0.2x")


def test_columns_give_what_gemmi_gives_for_every_tag():
    # oracle: gemmi's own find_values, asked tag by tag (after the loop's other columns were read from memory), in any
    # letter case, for tags of two loops, a pair, a tag no loop holds and an empty answer
    import gemmi

    from symstrain.cif_columns import Columns

    doc = gemmi.cif.read_string(
        "data_x\n_cell_length_a 5\nloop_\n_atom_site_label\n_Atom_Site_Fract_X\n_atom_site_fract_y\n"
        "A1 0.1 0.2\nB2 0.3 0.4\nC3 0.5 0.6\nloop_\n_atom_site_aniso_label\n_atom_site_aniso_U_11\nA1 0.01\n")
    block = doc.sole_block()
    tags = ["_atom_site_label", "_atom_site_fract_x", "_ATOM_SITE_FRACT_Y", "_atom_site_Fract_x",
            "_atom_site_aniso_U_11", "_atom_site_aniso_label", "_cell_length_a", "_atom_site_fract_z", "_nothing"]
    column = Columns(block)
    for tag in tags + tags[::-1]:
        col = block.find_values(tag)
        want = None if col is None or len(col) == 0 else list(col)
        assert column(tag) == want, tag
    assert column("_atom_site_fract_x") == ["0.1", "0.3", "0.5"]
