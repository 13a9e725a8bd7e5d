"""The CIF reader's shortcuts give what the long way gives (issue 12: ``read_cif`` cheaper per file, answers unchanged).

Each test puts a file just inside and just outside the condition a shortcut tests, with the expected outcome worked out
by hand, or holds the shortcut against gemmi or float(): the metric check's early return (``check_metric``), the room
check's bound (``check_room``), the numbers of whole columns (``cif_columns``), occupancies and U read column-wise with
'?' and '.', the duplicate-site merge, the missing-file checks after the read.
"""

from __future__ import annotations

import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.errors import SymstrainInputError

P4_OPS = "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-y,x,z\n-x,-y,z\ny,-x,z\n"
ATOMS = ("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
         "C1 C 0.1 0.2 0.3\n")


def _cell(a=10.0, b=10.0, c=7.0, alpha=90.0, beta=90.0, gamma=90.0) -> str:
    return (f"data_t\n_cell_length_a {a}\n_cell_length_b {b}\n_cell_length_c {c}\n_cell_angle_alpha {alpha}\n"
            f"_cell_angle_beta {beta}\n_cell_angle_gamma {gamma}\n")


def _metric_codes(tmp_path, **cell):
    p = tmp_path / "m.cif"
    p.write_text(_cell(**cell) + P4_OPS + ATOMS)
    return [w.code for w in read_cif(p).warnings if w.code == "metric_not_symmetric"]


@pytest.mark.parametrize("cell, warned", [
    ({}, False),  # the metric of P 4 exactly
    # the 4-fold maps a onto b: lengths change by b/a − 1 = 0.099 % (below 0.1 %) and 0.101 % (above)
    ({"b": 10.0099}, False), ({"b": 10.0101}, True),
    # the 4-fold maps γ to 180° − γ: angles change by 2(γ − 90°) = 0.098° and 0.102° (either side of 0.1°)
    ({"gamma": 90.049}, False), ({"gamma": 90.051}, True),
    # a tiny deviation (1e-9 relative): above the shortcut's 1e-12, far below the warning: the long way, no warning
    ({"b": 10.00000001}, False),
])
def test_metric_check_either_side_of_the_warning(tmp_path, cell, warned):
    assert _metric_codes(tmp_path, **cell) == (["metric_not_symmetric"] if warned else [])


@pytest.mark.parametrize("cell, change", [({"b": 10.6}, "by up to 6 %"), ({"gamma": 93}, "by up to 6°")])
def test_metric_check_error_beyond_five(tmp_path, cell, change):
    # b/a − 1 = 6 % > 5 %; 2 × 3° = 6° > 5°: the cell does not have the symmetry (an error naming the operation)
    with pytest.raises(SymstrainInputError, match="does not have the symmetry") as ei:
        _metric_codes(tmp_path, **cell)
    assert change in str(ei.value) and "(operation -y,x,z)" in str(ei.value)


PM1_OPS = "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-x,-y,-z\n"
ATOM_OCC = ("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            "_atom_site_fract_z\n_atom_site_occupancy\n")


@pytest.mark.parametrize("edge, ops, sites, refused_with", [
    # P 1, V = 1 Å³: one atom is 1 Å³ per atom (allowed), two are 0.5 (refused), two half-occupied ones count as one
    (1.0, "", ["Li1 Li 0 0 0 1"], None),
    (1.0, "", ["Li1 Li 0 0 0 1", "Li2 Li 0.5 0.5 0.5 1"], "2 atoms in it, 0.5 Å³ per atom"),
    (1.0, "", ["Li1 Li 0 0 0 0.5", "Li2 Li 0.5 0.5 0.5 0.5"], None),
    # P -1, V = 1.2³ = 1.728 Å³: an atom on the inversion centre is one atom in the cell (allowed although the bound
    # of two images per site is not), an atom on a general position two (refused)
    (1.2, PM1_OPS, ["Li1 Li 0 0 0 1"], None),
    (1.2, PM1_OPS, ["Li1 Li 0.1 0.2 0.3 1"], "2 atoms in it, 0.864 Å³ per atom"),
])
def test_room_for_the_atoms_either_side_of_the_limit(tmp_path, edge, ops, sites, refused_with):
    p = tmp_path / "r.cif"
    p.write_text(_cell(edge, edge, edge) + (ops or "_symmetry_space_group_name_H-M 'P 1'\n") + ATOM_OCC
                 + "".join(s + "\n" for s in sites))
    if refused_with is None:
        assert len(read_cif(p).atoms) == len(sites)
    else:
        with pytest.raises(SymstrainInputError, match="cannot hold its atoms") as ei:
            read_cif(p)
        assert refused_with in str(ei.value)


def test_plain_column_without_su_reads_as_float_does():
    from symstrain.cif_columns import plain_column

    column = ["+.5", "-0.25", "1.", "12", "0.000001", "-.0625"]
    v, s = plain_column(column)
    assert v.tolist() == [0.5, -0.25, 1.0, 12.0, 1e-6, -0.0625] and np.isnan(s).all()


@pytest.mark.parametrize("entry", ["+", "-", ".", "1.2.3", "--1", "1-2", "+-1", "1e5", "1E5", "0x1", "1_0", "inf",
                                   "nan", "1" + "0" * 400])
def test_plain_column_without_su_refuses_what_is_not_a_plain_decimal(entry):
    # each is left to the entry-by-entry reader (which refuses it or reads its exponent): not [+-]digits[.digits]
    from symstrain.cif_columns import plain_column

    assert plain_column(["0.5", entry]) is None


def test_duplicate_sites_named_in_file_order(tmp_path):
    # Si1 and O1 each written again (Si1 twice, once a cell away); O1 again in another disorder group is kept
    rows = ["Si1 Si 0.1 0.2 0.3 . 1", "O1 O 0.4 0.5 0.6 . 1", "Si1b Si 0.1 0.2 0.3 . 1", "O1b O 0.4 0.5 0.6 . 1",
            "Si1c Si 1.1 0.2 -0.7 . 1", "O1d O 0.4 0.5 0.6 2 1", "Si1 Si 0.1 0.2 0.3 . 1"]
    p = tmp_path / "d.cif"
    p.write_text(_cell(10, 11, 12) + "_symmetry_space_group_name_H-M 'P 1'\n" + ATOM_OCC.replace(
        "_atom_site_occupancy", "_atom_site_disorder_group\n_atom_site_occupancy") + "".join(r + "\n" for r in rows))
    ph = read_cif(p)
    assert [a.label for a in ph.atoms] == ["Si1", "O1", "O1d"]
    (w,) = [w for w in ph.warnings if w.code == "duplicate_sites_merged"]
    assert str(w).startswith("4 atom site(s) coincide") and str(w).endswith(": Si1b=Si1, O1b=O1, Si1c=Si1, Si1=Si1")


SITE_COLS = ("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\n_atom_site_occupancy\n_atom_site_U_iso_or_equiv\n{b}")


def _sites(tmp_path, rows, b_column=False):
    p = tmp_path / "s.cif"
    p.write_text(_cell(10, 11, 12) + "_symmetry_space_group_name_H-M 'P 1'\n"
                 + SITE_COLS.format(b="_atom_site_B_iso_or_equiv\n" if b_column else "")
                 + "".join(r + "\n" for r in rows))
    return read_cif(p)


def test_occupancy_and_u_columns_with_unknown_entries(tmp_path):
    ph = _sites(tmp_path, ["C1 C 0.1 0.1 0.1 0.5(1) 0.02(1) ?", "C2 C 0.2 0.2 0.2 ? ? 1.5",
                           "C3 C 0.3 0.3 0.3 . ? ?", "C4 C 0.4 0.4 0.4 1.05 -0.001 2"], b_column=True)
    # occupancy '?' and '.' are 1 (only '?' noted); U where given, else B / 8π², else none
    assert [a.occupancy for a in ph.atoms] == [0.5, 1.0, 1.0, 1.05]
    u = [a.u_iso for a in ph.atoms]
    assert u[0] == 0.02 and u[1] == pytest.approx(1.5 / (8 * np.pi**2), rel=1e-15) and u[2] is None and u[3] == -0.001
    notes = {w.code: str(w) for w in ph.warnings}
    assert notes["occupancy_unknown"] == "occupancy '?' taken as 1 for 1 site(s): C2"
    assert notes["occupancy_above_one"].endswith("for 1 site(s): C4 1.05")
    assert notes["negative_u"].endswith("for 1 site(s): C4 -0.001")


def test_bad_values_on_skipped_sites_are_not_read(tmp_path):
    # C2 has no coordinates and is skipped before its occupancy 5 (above 1.1) and U 99 (above 10 Å²) are looked at
    ph = _sites(tmp_path, ["C1 C 0.1 0.1 0.1 1 0.02", "C2 C ? 0.2 0.2 5 99"])
    assert [a.label for a in ph.atoms] == ["C1"]


def test_first_bad_site_named_occupancy_before_u(tmp_path):
    # C2's U and C3's occupancy are both out of range: C2 comes first; on C4 both are, and the occupancy is named
    with pytest.raises(SymstrainInputError, match=r"atom 'C2': U_iso '12' gives U = 12 Å²"):
        _sites(tmp_path, ["C1 C 0.1 0.1 0.1 1 0.02", "C2 C 0.2 0.2 0.2 1 12", "C3 C 0.3 0.3 0.3 1.5 0.02"])
    with pytest.raises(SymstrainInputError, match=r"atom 'C4': occupancy 1.5 is above 1.1"):
        _sites(tmp_path, ["C1 C 0.1 0.1 0.1 1 0.02", "C4 C 0.2 0.2 0.2 1.5 12"])


def test_missing_file_and_directory_named_as_before(tmp_path):
    # the file is read before any check: the checks (and their messages) come only when reading fails
    with pytest.raises(SymstrainInputError, match="no such file"):
        read_cif(tmp_path / "absent.cif")
    with pytest.raises(SymstrainInputError, match="is a directory, not a CIF file"):
        read_cif(tmp_path)


def test_columns_are_gemmi_columns():
    """cif_columns.Columns (one gemmi call per loop) gives every column as gemmi gives it value by value, also with
    quoted and text-field values, pairs, several loops and tags repeated in another loop or case (check_level=0)."""
    import gemmi

    from symstrain.cif_columns import Columns

    text = ("data_a\n_cell_length_a 5\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_ATOM_SITE_FRACT_X\n"
            "'O 1' O 0.1(2)\n\"O2\" O .5\n;\nO3\n;\nO ?\nloop_\n_atom_site_label\n_atom_site_U_iso_or_equiv\nX 0.01\n"
            "_atom_site_type_symbol Fe\n")
    block = gemmi.cif.read_string(text, check_level=0)[0]
    columns = Columns(block)
    for tag in ("_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_U_iso_or_equiv",
                "_cell_length_a", "_ATOM_SITE_LABEL", "_atom_site_occupancy"):
        expected = [str(v) for v in block.find_values(tag)] or None
        assert columns(tag) == expected, tag


def test_u_where_given_even_when_every_site_has_a_b(tmp_path):
    # C1 gives U = 0.01 and B = 4.0 (B / 8π² = 0.0507: disagreeing on purpose), C2 only B = 1.5: U is the item read
    # where a site gives it, B only where U is unknown — also when the B column is complete and U's is not
    ph = _sites(tmp_path, ["C1 C 0.1 0.1 0.1 1 0.01 4.0", "C2 C 0.2 0.2 0.2 1 ? 1.5"], b_column=True)
    u = [a.u_iso for a in ph.atoms]
    assert u[0] == 0.01 and u[1] == pytest.approx(1.5 / (8 * np.pi**2), rel=1e-15)


@pytest.mark.parametrize("data, dotted", [
    (b"_cell.length_a 3\n", True),  # at the very start
    (b"data_x\n  \t_space_group_symop.operation_xyz\n", True),  # after blanks on its line
    (b"data_x\r\n_atom_site.fract_x\r\n", True),  # CRLF lines
    (b"data_x\n_cell_length_a 3.5\n_cell_angle_beta 90.0\n", False),  # core names: dots only in values
    (b"data_x\n# _cell.length_a in a comment\n", False),  # not at the start of the line
    (b"data_x\n_cell.5\n", False),  # a dot, then no letter
    (b"", False),
])
def test_dotted_names_found_at_a_line_start_only(data, dotted):
    """The fast scan for DDLm / mmCIF names answers what a line-anchored pattern does (the cases by hand)."""
    import re

    from symstrain.cif_values import has_dotted_name

    assert has_dotted_name(data) is dotted
    assert (re.search(rb"(?m)^[ \t]*_[A-Za-z0-9_]+\.[A-Za-z]", data) is not None) is dotted
