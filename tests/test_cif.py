"""read_cif / list_blocks: numbers with s.u.'s, cell checks, every source of symmetry, atoms, temperature,
blocks and broken files. Small CIFs are written into tmp_path; the real lawsonite series comes from
../shared/cifs (skipped when absent)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symstrain.cif import list_blocks, read_cif
from symstrain.cif_values import parse_number
from symstrain.errors import SymstrainInputError

P21C_OPS = ["x,y,z", "-x,y+1/2,-z+1/2", "-x,-y,-z", "x,-y+1/2,z+1/2"]


def make_cif(
    tmp_path,
    name="t.cif",
    cell=("10.0", "12.0", "8.0", "90", "100.0", "90"),
    symbol=None,
    hall=None,
    number=None,
    ops=None,
    atoms=None,
    atom_cols=("label", "type_symbol", "fract_x", "fract_y", "fract_z", "occupancy", "U_iso_or_equiv"),
    extra="",
    block="test",
):
    lines = [f"data_{block}"]
    for tag, v in zip(("length_a", "length_b", "length_c", "angle_alpha", "angle_beta", "angle_gamma"), cell):
        if v is not None:
            lines.append(f"_cell_{tag} {v}")
    if symbol is not None:
        lines.append(f"_symmetry_space_group_name_H-M '{symbol}'")
    if hall is not None:
        lines.append(f"_symmetry_space_group_name_Hall '{hall}'")
    if number is not None:
        lines.append(f"_symmetry_Int_Tables_number {number}")
    if ops is not None:
        lines += ["loop_", "_symmetry_equiv_pos_as_xyz"] + [f"'{o}'" for o in ops]
    if atoms is None:
        atoms = ["Fe1 Fe 0.1 0.2 0.3 1 0.01", "O1 O 0.25(3) 0.1 0.4 1 0.02"]
    lines += ["loop_"] + [f"_atom_site_{c}" for c in atom_cols] + list(atoms)
    lines.append(extra)
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "text,value,su",
    [
        ("12.370(2)", 12.370, 0.002),
        ("97.60(1)", 97.60, 0.01),
        ("163(2)", 163.0, 2.0),
        ("293.0(1.5)", 293.0, 1.5),
        ("90.(0)", 90.0, 0.0),
        ("0.25", 0.25, None),
        ("-0.1033(3)", -0.1033, 0.0003),
        ("1.5e-3(2)", 1.5e-3, 2e-4),
        (".5", 0.5, None),
    ],
)
def test_parse_number(text, value, su):
    v, s = parse_number(text)
    assert v == pytest.approx(value)
    if su is None:
        assert s is None
    else:
        assert s == pytest.approx(su, abs=1e-12)


@pytest.mark.parametrize("text", ["?", ".", None])
def test_parse_number_null(text):
    assert parse_number(text) == (None, None)


@pytest.mark.parametrize("text", ["abc", "1.2.3", "nan", "1,5"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


# ----------------------------------------------------------------------------- cell


def test_cell_with_su_and_volume(tmp_path):
    p = make_cif(tmp_path, cell=("10.123(4)", "12.0", "8.00(0)", "90", "100.50(3)", "90"), symbol="P 21/c")
    ph = read_cif(p)
    c = ph.cell
    assert (c.a, c.b, c.c, c.beta) == pytest.approx((10.123, 12.0, 8.0, 100.5))
    assert c.su[0] == pytest.approx(0.004)
    assert c.su[1] is None
    assert c.su[2] == 0.0  # (0) kept as zero, not missing
    assert c.su[4] == pytest.approx(0.03)
    # monoclinic closed form V = a b c sin(beta)
    assert c.volume == pytest.approx(10.123 * 12.0 * 8.0 * math.sin(math.radians(100.5)), rel=1e-12)


@pytest.mark.parametrize(
    "cell,word",
    [
        (("10", "12", None, "90", "90", "90"), "_cell_length_c"),
        (("10", "12", "8", "90", "?", "90"), "_cell_angle_beta"),
        (("0", "12", "8", "90", "90", "90"), "not positive"),
        (("10", "-12", "8", "90", "90", "90"), "not positive"),
        (("10", "12", "8", "90", "180", "90"), "outside"),
        (("10", "12", "8", "0", "90", "90"), "outside"),
        (("10", "12", "8", "120", "120", "120"), "no positive volume"),
        (("10", "12", "8", "10", "30", "100"), "no positive volume"),
        (("10", "twelve", "8", "90", "90", "90"), "not a number"),
    ],
)
def test_bad_cells(tmp_path, cell, word):
    p = make_cif(tmp_path, cell=cell, symbol="P 1")
    with pytest.raises(SymstrainInputError) as ei:
        read_cif(p)
    assert word in str(ei.value)
    assert str(p) in str(ei.value)
    assert "\n" not in str(ei.value)


# ----------------------------------------------------------------------------- symmetry sources


def test_group_from_operators_kept_as_given(tmp_path):
    ops = ["x,y,z", "-x,1/2+y,1/2-z", "-x,-y,-z", "x,1/2-y,1/2+z"]
    ph = read_cif(make_cif(tmp_path, ops=ops))
    sg = ph.spacegroup
    assert (sg.number, sg.hm, sg.source, sg.order) == (14, "P 1 21/c 1", "symops", 4)
    assert sg.is_standard_setting
    assert np.array_equal(sg.rotations[1], np.diag([-1, 1, -1]))
    assert sg.translations[1] == pytest.approx([0, 0.5, 0.5])


def test_operator_translations_reduced_mod_1(tmp_path):
    ops = ["x,y,z", "-x,3/2+y,1/2-z", "-x,-y,-z", "x,-1/2-y,3/2+z"]
    sg = read_cif(make_cif(tmp_path, ops=ops, symbol="P 1 21/c 1")).spacegroup
    assert sg.number == 14
    assert np.all((sg.translations >= 0) & (sg.translations < 1))
    assert sg.translations[3] == pytest.approx([0, 0.5, 0.5])


def test_operators_and_symbol_same_set_is_fine(tmp_path):
    # 'P 21/c' is a short name of the very same operator set
    ph = read_cif(make_cif(tmp_path, ops=P21C_OPS, symbol="P 21/c"))
    assert ph.spacegroup.number == 14
    assert not any("setting" in w for w in ph.warnings)


def test_operators_inconsistent_with_symbol(tmp_path):
    # issue 11 policy: operators that form a group are authoritative; a symbol of another group is a warning
    ph = read_cif(make_cif(tmp_path, ops=["x,y,z", "-x,-y,-z"], symbol="P 21/c"))
    assert (ph.spacegroup.number, ph.spacegroup.order) == (2, 2)
    assert [w.code for w in ph.warnings if "'P 21/c'" in w] == ["symbol_disagrees"]


def test_operator_lines_that_are_all_the_identity_give_way_to_the_symbols(tmp_path):
    """COD 2001925 (sweep 9) lists x,y,z; x-1,y-1,z; x-1,y,z beside 'P 1 21/n 1' and '-P 2yn': a broken list that
    names no group. It was read as P 1 (the formula then "explained" as pymatgen's cell content); the symbols are now
    used, with a warning. One x,y,z line alone is a list (P 1, the symbol disagreeing), and symbols that contradict
    each other leave the list as read."""
    ops = ["x,y,z", "x-1,y-1,z", "x-1,y,z"]
    ph = read_cif(make_cif(tmp_path, ops=ops, symbol="P 1 21/n 1", hall="-P 2yn"))
    assert (ph.spacegroup.number, ph.spacegroup.order, ph.spacegroup.hm) == (14, 4, "P 1 21/n 1")
    assert [w.code for w in ph.warnings] == ["operators_degenerate"]
    assert (read_cif(make_cif(tmp_path, ops=ops, symbol="P 21/c")).spacegroup.number, 14) == (14, 14)
    alone = read_cif(make_cif(tmp_path, ops=["x,y,z"], symbol="P 21/c"))
    assert alone.spacegroup.number == 1 and "symbol_disagrees" in [w.code for w in alone.warnings]
    torn = read_cif(make_cif(tmp_path, ops=ops, symbol="P 21/c", hall="P 2ac 2ab"))  # (P2₁2₁2₁)
    assert torn.spacegroup.number == 1 and "duplicate_operators" in [w.code for w in torn.warnings]


def test_operators_missing_the_centring_are_completed(tmp_path):
    # C 2/c written with only its four point operations: completed from the symbol, with a warning
    ops = ["x,y,z", "-x,y,1/2-z", "-x,-y,-z", "x,-y,1/2+z"]
    ph = read_cif(make_cif(tmp_path, ops=ops, symbol="C 2/c"))
    assert (ph.spacegroup.number, ph.spacegroup.order) == (15, 8)
    assert any("lack the centring" in w for w in ph.warnings)


def test_operators_not_a_group(tmp_path):
    with pytest.raises(SymstrainInputError, match="do not form a group"):
        read_cif(make_cif(tmp_path, ops=["x,y,z", "-x,y+1/2,-z+1/2", "-x,-y,-z"]))


def test_bad_operator_text(tmp_path):
    with pytest.raises(SymstrainInputError, match="cannot read symmetry operator"):
        read_cif(make_cif(tmp_path, ops=["x,y,z", "-x,-y,q"]))


def test_origin_shifted_operators_identified(tmp_path):
    # P -1 with the inversion centre at (1/4, 0, 0): x' = 1/2 - x, so the table look-up fails
    ph = read_cif(make_cif(tmp_path, ops=["x,y,z", "1/2-x,-y,-z"], cell=("5", "6", "7", "80", "85", "95")))
    sg = ph.spacegroup
    assert sg.number == 2 and not sg.is_standard_setting
    assert sg.translations[1] == pytest.approx([0.5, 0, 0])  # kept as given
    assert any("origin" in w and "(1/4, 0, 0)" in w for w in ph.warnings)


@pytest.mark.parametrize(
    "kw,number,hm,source",
    [
        (dict(symbol="P2_1/n"), 14, "P 1 21/n 1", "H-M"),
        (dict(symbol="P 21/n   "), 14, "P 1 21/n 1", "H-M"),
        # (orthorhombic and hexagonal symbols get a cell of their metric: since issue 11 a cell whose angles the
        # operations change by more than 5° is refused)
        (dict(symbol="P m c n", cell=("10.0", "12.0", "8.0", "90", "90", "90")), 62, "P m c n", "H-M"),
        (dict(symbol="I 1 2/m 1"), 12, "I 1 2/m 1", "H-M"),
        (dict(symbol="A -1"), 2, "A -1", "H-M"),
        (dict(symbol="C 1"), 1, "C 1", "H-M"),
        (dict(symbol="R -3 :H", cell=("10.0", "10.0", "8.0", "90", "90", "120")), 148, "R -3:H", "H-M"),
        (dict(hall="-P_2yn"), 14, "P 1 21/n 1", "Hall"),
        (dict(hall="-P 2ybc"), 14, "P 1 21/c 1", "Hall"),
        (dict(number=2), 2, "P -1", "number"),
    ],
)
def test_group_from_symbols(tmp_path, kw, number, hm, source):
    sg = read_cif(make_cif(tmp_path, **kw)).spacegroup
    assert (sg.number, sg.hm, sg.source) == (number, hm, source)


def test_centred_setting_expands_centring(tmp_path):
    sg = read_cif(make_cif(tmp_path, symbol="A -1")).spacegroup
    # 2 point operations x 2 lattice points of the A-centred cell
    assert sg.order == 4
    assert any(np.allclose(t, [0, 0.5, 0.5]) and np.array_equal(r, np.eye(3)) for r, t in sg.ops())


def test_number_only_warns_about_setting(tmp_path):
    ph = read_cif(make_cif(tmp_path, number=14))
    assert ph.spacegroup.hm == "P 1 21/c 1"
    assert any("reference setting" in w for w in ph.warnings)


def test_number_only_setting_chosen_by_overlaps(tmp_path):
    # A at (0.1, 0.1, 0.1); B 0.01 in x (≈0.1 Å) from A's 2_1 image in P 1 21/c 1, (-x, 1/2+y, 1/2-z);
    # C 0.01 in x from A's 2_1 image in P 1 21/a 1, (1/2-x, 1/2+y, -z). In P 1 21/n 1 the 2_1 image
    # of A is (0.4, 0.6, 0.4), far from both, so it is the one b-unique setting without overlaps.
    atoms = ["A O 0.1 0.1 0.1 1 0.01", "B O -0.09 0.6 0.4 1 0.01", "C O 0.41 0.6 -0.1 1 0.01"]
    ph = read_cif(make_cif(tmp_path, number=14, atoms=atoms))
    assert ph.spacegroup.hm == "P 1 21/n 1" and ph.spacegroup.source == "number"
    assert any("only tabulated setting without overlaps" in w for w in ph.warnings)


def test_no_symmetry_is_p1_with_warning(tmp_path):
    ph = read_cif(make_cif(tmp_path))
    assert ph.spacegroup.number == 1 and ph.spacegroup.source == "assumed P1"
    assert any("P 1 assumed" in w for w in ph.warnings)


def test_unknown_symbol(tmp_path):
    with pytest.raises(SymstrainInputError, match="unknown space-group symbol 'P 7 q'"):
        read_cif(make_cif(tmp_path, symbol="P 7 q"))


def test_symbol_and_number_disagree(tmp_path):
    with pytest.raises(SymstrainInputError, match="IT number"):
        read_cif(make_cif(tmp_path, symbol="P 21/c", number=15))


def test_operators_and_number_disagree(tmp_path):
    # issue 11 policy: the operators (P 1 21/c 1, a group) win over IT number 15, with a warning
    ph = read_cif(make_cif(tmp_path, ops=P21C_OPS, number=15))
    assert ph.spacegroup.number == 14
    assert any(w.code == "number_disagrees" and "15" in w for w in ph.warnings)


def test_modulated_rejected(tmp_path):
    with pytest.raises(SymstrainInputError, match="modulated structures are not supported"):
        read_cif(make_cif(tmp_path, symbol="P 4 b m", extra="_cell_modulation_dimension 1"))


def test_unconventional_centring_reduces_cell(tmp_path):
    # P 1 written on a doubled a axis: the pure translation (1/2,0,0) is part of the operator list
    atoms = ["C1 C 0.05 0.2 0.3 1 0.01", "O1 O 0.2 0.1 0.4 1 0.02"]
    ph = read_cif(make_cif(tmp_path, ops=["x,y,z", "x+1/2,y,z"], cell=("20.0(2)", "5", "6", "90", "90", "90"),
                           atoms=atoms))
    assert ph.cell.a == pytest.approx(10.0) and ph.cell.su[0] == pytest.approx(0.1)
    assert ph.spacegroup.number == 1 and ph.spacegroup.order == 1
    assert ph.atoms[0].xyz == pytest.approx([0.1, 0.2, 0.3])
    assert ph.atoms[1].xyz == pytest.approx([0.4, 0.1, 0.4])
    assert any("true lattice is smaller" in w for w in ph.warnings)


# ----------------------------------------------------------------------------- atoms


def test_atoms_values_and_sus(tmp_path):
    ph = read_cif(make_cif(tmp_path, symbol="P 21/c"))
    fe, o = ph.atoms
    assert (fe.label, fe.element, o.element) == ("Fe1", "Fe", "O")
    assert o.xyz == pytest.approx([0.25, 0.1, 0.4])
    assert o.xyz_su[0] == pytest.approx(0.03) and np.isnan(o.xyz_su[1])
    assert fe.u_iso == pytest.approx(0.01)


def test_element_from_label_and_charge(tmp_path):
    atoms = ["Ca1 0.1 0.1 0.1", "Dw 0.2 0.2 0.2", "O12 0.3 0.3 0.3", "Si 0.4 0.4 0.4"]
    ph = read_cif(make_cif(tmp_path, symbol="P 1", atoms=atoms, atom_cols=("label", "fract_x", "fract_y", "fract_z")))
    assert [a.element for a in ph.atoms] == ["Ca", "D", "O", "Si"]
    atoms = ["T1 Ta5+ 0.1 0.1 0.1", "K1 K1+ 0.2 0.2 0.2", "F1 F1- 0.3 0.3 0.3"]
    ph = read_cif(make_cif(tmp_path, symbol="P 1", atoms=atoms,
                           atom_cols=("label", "type_symbol", "fract_x", "fract_y", "fract_z")))
    assert [a.element for a in ph.atoms] == ["Ta", "K", "F"]


def test_occupancies(tmp_path):
    atoms = ["A1 Fe 0.1 0.1 0.1 ? 0.01", "A2 Fe 0.2 0.2 0.2 . 0.01", "A3 O 0.3 0.3 0.3 0 0.01",
             "A4 O 0.4 0.4 0.4 0.25(1) 0.01"]
    ph = read_cif(make_cif(tmp_path, symbol="P 1", atoms=atoms))
    assert [a.occupancy for a in ph.atoms] == [1.0, 1.0, 0.0, 0.25]
    assert any("'?' taken as 1" in w and "A1" in w for w in ph.warnings)
    assert not any("A2" in w for w in ph.warnings)
    assert any("occupancy 0" in w and "A3" in w for w in ph.warnings)


def test_occupancy_above_one_and_negative(tmp_path):
    ph = read_cif(make_cif(tmp_path, symbol="P 1", atoms=["A1 Fe 0.1 0.1 0.1 1.02 0.01"]))
    assert ph.atoms[0].occupancy == pytest.approx(1.02)
    assert any("above 1" in w and "A1" in w for w in ph.warnings)
    with pytest.raises(SymstrainInputError, match="negative"):
        read_cif(make_cif(tmp_path, symbol="P 1", atoms=["A1 Fe 0.1 0.1 0.1 -0.5 0.01"]))


def test_b_converted_to_u_and_aniso(tmp_path):
    B = 1.5
    extra = "\n".join(["loop_", "_atom_site_aniso_label", "_atom_site_aniso_U_11", "_atom_site_aniso_U_22",
                       "_atom_site_aniso_U_33", "_atom_site_aniso_U_12", "_atom_site_aniso_U_13",
                       "_atom_site_aniso_U_23", "Fe1 0.011(1) 0.012 0.013 0.001 -0.002 0.003"])
    ph = read_cif(make_cif(tmp_path, symbol="P 1", atoms=[f"Fe1 Fe 0.1 0.2 0.3 1 {B}"],
                           atom_cols=("label", "type_symbol", "fract_x", "fract_y", "fract_z", "occupancy",
                                      "B_iso_or_equiv"), extra=extra))
    a = ph.atoms[0]
    assert a.u_iso == pytest.approx(B / (8 * math.pi**2))
    assert a.u_aniso == pytest.approx((0.011, 0.012, 0.013, 0.001, -0.002, 0.003))


def test_non_numeric_coordinate(tmp_path):
    with pytest.raises(SymstrainInputError, match="'Fe1'.*not a number"):
        read_cif(make_cif(tmp_path, symbol="P 1", atoms=["Fe1 Fe 0.1 abc 0.3 1 0.01"]))


def test_disorder_group_kept(tmp_path):
    atoms = ["C1 C 0.1 0.1 0.1 0.6 1", "C1' C 0.12 0.1 0.1 0.4 2", "O1 O 0.3 0.3 0.3 1 ."]
    ph = read_cif(make_cif(tmp_path, symbol="P 1", atoms=atoms,
                           atom_cols=("label", "type_symbol", "fract_x", "fract_y", "fract_z", "occupancy",
                                      "disorder_group")))
    assert [a.disorder_group for a in ph.atoms] == ["1", "2", ""]
    assert any("disorder" in w for w in ph.warnings)


def test_cartesian_with_fract_matrix(tmp_path):
    extra = "\n".join(
        [f"_atom_sites_fract_tran_matrix_{i}{j} {v}" for i, row in enumerate([[0.1, 0, 0], [0, 0.05, 0], [0, 0, 0.2]], 1)
         for j, v in enumerate(row, 1)]
    )
    ph = read_cif(make_cif(tmp_path, cell=("10", "20", "5", "90", "90", "90"), symbol="P 1",
                           atoms=["C1 C 1.0 2.0 3.0", "C2 C 5.0 10.0 2.5"],
                           atom_cols=("label", "type_symbol", "Cartn_x", "Cartn_y", "Cartn_z"), extra=extra))
    assert ph.atoms[0].xyz == pytest.approx([0.1, 0.1, 0.6])
    assert ph.atoms[1].xyz == pytest.approx([0.5, 0.5, 0.5])


def test_cartesian_without_matrix_is_error(tmp_path):
    with pytest.raises(SymstrainInputError, match="Cartesian"):
        read_cif(make_cif(tmp_path, symbol="P 1", atoms=["C1 C 1.0 2.0 3.0"],
                          atom_cols=("label", "type_symbol", "Cartn_x", "Cartn_y", "Cartn_z")))


# ----------------------------------------------------------------------------- temperature, formula, Z


@pytest.mark.parametrize(
    "extra,T,su,src,warn",
    [
        ("_diffrn_ambient_temperature 163(2)", 163.0, 2.0, "_diffrn_ambient_temperature", None),
        ("_cell_measurement_temperature '293.0(1.5)'", 293.0, 1.5, "_cell_measurement_temperature", None),
        ("_diffrn_ambient_temperature_C 24.85", 298.0, None, "_diffrn_ambient_temperature_C", None),
        ("_cell_measurement_temperature '100-102K'", 101.0, None, "_cell_measurement_temperature", "range"),
        ("_diffrn_ambient_temperature 293K", 293.0, None, "_diffrn_ambient_temperature", "unit"),
        ("_diffrn_ambient_temperature RT\n_cell_measurement_temperature 120", 120.0, None,
         "_cell_measurement_temperature", "not a number"),
        ("_diffrn_ambient_temperature ?", None, None, None, None),
        ("_diffrn_ambient_temperature 100\n_cell_measurement_temperature 295", 100.0, None,
         "_diffrn_ambient_temperature", None),
    ],
)
def test_temperature(tmp_path, extra, T, su, src, warn):
    ph = read_cif(make_cif(tmp_path, symbol="P 1", extra=extra))
    if T is None:
        assert ph.temperature is None
    else:
        assert ph.temperature == pytest.approx(T)
    assert ph.temperature_su == (None if su is None else pytest.approx(su))
    assert ph.temperature_source == src
    if warn:
        assert any(warn in w for w in ph.warnings)


def test_formula_and_z(tmp_path):
    ph = read_cif(make_cif(tmp_path, symbol="P 1", extra="_chemical_formula_sum 'C4 H8 Fe'\n_cell_formula_units_Z 4"))
    assert ph.formula == "C4 H8 Fe" and ph.z == 4.0 and ph.block == "test"


# ----------------------------------------------------------------------------- blocks and broken files


def test_blocks(tmp_path):
    p1 = make_cif(tmp_path, name="a.cif", block="first", symbol="P 21/c")
    p2 = make_cif(tmp_path, name="b.cif", block="second", symbol="P -1")
    both = tmp_path / "both.cif"
    both.write_text("data_global\n_journal_year 2001\n" + p1.read_text() + p2.read_text())
    assert list_blocks(both) == ["global", "first", "second"]
    assert read_cif(both).block == "first"  # first block with a cell and atoms
    assert read_cif(both, block="second").spacegroup.number == 2
    with pytest.raises(SymstrainInputError, match="blocks available: global, first, second"):
        read_cif(both, block="third")
    # the phase and the block names from one parse, as read_cif and list_blocks give them
    from symstrain.cif import read_cif_and_blocks

    for blk in (None, "second"):
        ph, names = read_cif_and_blocks(both, block=blk)
        ref = read_cif(both, block=blk)
        assert names == ["global", "first", "second"]
        assert (ph.block, ph.spacegroup.number, ph.cell, len(ph.atoms)) == (ref.block, ref.spacegroup.number,
                                                                             ref.cell, len(ref.atoms))
    with pytest.raises(SymstrainInputError, match="blocks available: global, first, second"):
        read_cif_and_blocks(both, block="third")


@pytest.mark.parametrize(
    "text,word",
    [
        ("", "empty file"),
        ("hello world\nthis is not a cif\n", "not a CIF"),
        ("data_x\n_cell_length_a 5\nloop_\n_atom_site_label\n_atom_site_fract_x\nA 0.1\nB\n", "loop"),
        ("data_x\n_cell_length_a 5\n_cell_length_b 'unterminated\n_cell_length_c 5\n", "line 3"),
    ],
)
def test_broken_files(expect_refusal, text, word):
    p, err = expect_refusal(read_cif, "bad.cif", text)
    assert word in str(err) and err.source == str(p)


def test_missing_file(tmp_path):
    with pytest.raises(SymstrainInputError, match="no such file"):
        read_cif(tmp_path / "nope.cif")


# ----------------------------------------------------------------------------- real files


LAWSONITE = {
    "9002543": (33, 2.0), "9002544": (33, 50.0), "9002545": (33, 100.0), "9002546": (62, 130.0),
    "9002547": (62, 175.0), "9002548": (62, 225.0), "9002549": (62, 268.0), "9002550": (63, 285.0),
    "9002551": (63, 300.0),
}


@pytest.mark.parametrize("code", sorted(LAWSONITE))
def test_lawsonite_series(shared_cifs, code):
    ph = read_cif(shared_cifs / "lawsonite" / f"{code}.cif")
    number, T = LAWSONITE[code]
    assert ph.spacegroup.number == number and ph.temperature == T
    assert ph.spacegroup.source == "symops"
    assert all(s is None for s in ph.cell.su)  # the files give no s.u.'s
    if number == 63:
        # operators written with the origin shifted: kept as given, identified, and said so
        assert ph.spacegroup.order == 16
        assert any("origin" in w for w in ph.warnings)
        assert ph.spacegroup.translations[6] == pytest.approx([0.5, 0, 0])  # 1/2-x,y,z as written
    else:
        assert ph.spacegroup.hm == {33: "P 21 c n", 62: "P m c n"}[number]
        assert not ph.warnings


def test_hkl_bearing_cifs_read_as_structures(shared_cifs):
    a = read_cif(shared_cifs / "hkl" / "2242624.cif")
    assert a.spacegroup.number == 2 and len(a.atoms) == 3
    b = read_cif(shared_cifs / "hkl" / "2020013.cif")
    assert b.spacegroup.number == 166 and b.temperature == pytest.approx(303.3)


_MCIF = """data_magnetic
_cell_length_a 4.0
_cell_length_b 4.0
_cell_length_c 5.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_space_group_magn.number_BNS "12.62"
_space_group_magn.name_BNS "C_c2/m"
loop_
_space_group_symop_magn_operation.id
_space_group_symop_magn_operation.xyz
1 x,y,z,+1
2 -x,-y,-z,+1
3 -x,-y,z,-1
4 x,y,-z,-1
loop_
_space_group_symop_magn_centering.id
_space_group_symop_magn_centering.xyz
1 x,y,z,+1
2 x+1/2,y+1/2,z,-1
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Ni1 Ni 0 0 0
O1 O 0 0 0.5
loop_
_atom_site_moment.label
_atom_site_moment.crystalaxis_x
_atom_site_moment.crystalaxis_y
_atom_site_moment.crystalaxis_z
Ni1 0 0 2.0
"""


def test_a_magnetic_cif_is_read_with_its_operations_and_centrings(tmp_path):
    """sweep 4: mCIF files (ISODISTORT, MAGNDATA) give their operations as x,y,z,±1 in
    _space_group_symop_magn_operation.xyz and their (anti-)centrings apart; they were read as P 1 with 7 of 72 atoms.
    By hand: the 4 point operations {1, -1, 2z, mz} times the centrings {0, (1/2, 1/2, 0)} (time reversal dropped)
    are 8 operations; the centring lies in the plane normal to the 2-fold axis, so the lattice is primitive
    monoclinic on ((a+b)/2, (a−b)/2, c): P 2/m, number 10 (not C 2/m, 12, whose centring contains the axis). Ni at
    0,0,0 and O at 0,0,1/2 give 4 atoms in the cell."""
    from symstrain.expand import expand_to_cell

    p = tmp_path / "m.mcif"
    p.write_text(_MCIF, encoding="utf-8")
    ph = read_cif(p)
    assert ph.spacegroup.number == 10 and len(ph.spacegroup.rotations) == 8
    assert len(expand_to_cell(ph)[0]) == 4
    codes = [w.record.code for w in ph.warnings]
    assert "magnetic_operations" in codes
    note = next(w for w in ph.warnings if w.record.code == "magnetic_operations")
    assert "C_c2/m" in note and "time reversal dropped" in note
    # an operation that cannot be read: one line naming it, as for any operator list
    p.write_text(_MCIF.replace("4 x,y,-z,-1", "4 x,y,-q,-1"), encoding="utf-8")
    with pytest.raises(SymstrainInputError, match="x,y,-q"):
        read_cif(p)


def test_a_cell_reduced_to_its_true_lattice_keeps_propagated_sus(tmp_path):
    """Sweep 4 (COD 2105506, 'X c'): a cell whose operators hold the pure translations (1/2, 0, 1/2), (1/4, 1/2, 3/4),
    (3/4, 1/2, 1/4) is reduced to the true lattice, on a basis that is not diagonal; its s.u.'s were dropped. By
    hand (β = 90°): a' = |a/4 + b/2 + 3c/4| = 13.118 Å, and σ(a')² = Σ (∂a'/∂x·σx)² over a, b, c and β:
    (a/16/a'·σa)² + (b/4/a'·σb)² + (9c/16/a'·σc)² + (3ac/16/a'·σβ[rad])² → σ(a') = 0.00103 Å. α' stays the file's
    exact 90° (given without s.u.): no s.u., never 0."""
    text = """data_x
_cell_length_a 37.8883(18)
_cell_length_b 4.7233(2)
_cell_length_c 11.6835(12)
_cell_angle_alpha 90
_cell_angle_beta 90.000(7)
_cell_angle_gamma 90
loop_
_symmetry_equiv_pos_as_xyz
x,y,z
x+1/2,y,z+1/2
x+1/4,y+1/2,z+3/4
x+3/4,y+1/2,z+1/4
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
C1 0.1 0.2 0.3
"""
    p = tmp_path / "x.cif"
    p.write_text(text, encoding="utf-8")
    ph = read_cif(p)
    a, b, c = 37.8883, 4.7233, 11.6835
    a1 = math.sqrt((a / 4) ** 2 + (b / 2) ** 2 + (3 * c / 4) ** 2)
    s1 = math.sqrt((a / 16 / a1 * 0.0018) ** 2 + (b / 4 / a1 * 0.0002) ** 2 + (9 * c / 16 / a1 * 0.0012) ** 2
                   + (3 * a * c / 16 / a1 * math.radians(0.007)) ** 2)
    lengths = sorted(zip(ph.cell.params[:3], ph.cell.su[:3]))
    match = [(v, s) for v, s in lengths if abs(v - a1) < 1e-3]
    assert len(match) == 1 and match[0][1] == pytest.approx(s1, rel=1e-4)
    assert all(s is not None and s > 0 for s in ph.cell.su[:3])
    assert ph.cell.su[3] is None  # α' = α = 90 exactly: no s.u.
