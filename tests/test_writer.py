"""Tests of symstrain.writer: CIF text that gemmi reads back to the same numbers."""

from __future__ import annotations

import math
from pathlib import Path

import gemmi
import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo
from symstrain.notation import triplet
from symstrain.writer import format_number, phase_to_cif_string, write_cif


def _su_of(text: str) -> float | None:
    """s.u. of a CIF number written 'value(su)', decoded by hand (independent of the writer)."""
    if "(" not in text:
        return None
    value, su = text.rstrip(")").split("(")
    decimals = len(value.split(".")[1]) if "." in value else 0
    return int(su) * 10.0 ** (-decimals)


def _value_of(text: str) -> float:
    return float(text.split("(")[0])


def _shifted_p21c_phase() -> Phase:
    """P 1 21/c 1 with the origin shifted by (1/4, 0, 0) and hand-chosen s.u.'s and ADPs."""
    base = SpaceGroupInfo.from_symbol("P 1 21/c 1")
    shift = np.array([0.25, 0.0, 0.0])
    # x' = x + s: operation (R, t) becomes (R, t + s − R s)
    rots = base.rotations.copy()
    trans = np.array([(t + shift - R @ shift) % 1.0 for R, t in base.ops()])
    sg = SpaceGroupInfo(14, "P 1 21/c 1", "-P 2ybc (1/4,0,0)", "shifted", "symops", rots, trans, False)
    cell = Cell(10.2345, 7.891, 12.0003, 90.0, 101.23, 90.0, (0.0012, 0.0009, 0.0021, None, 0.015, None))
    atoms = (
        Atom("Fe1", "Fe", np.array([0.123456, 0.25, 0.654321]), np.array([0.00012, np.nan, 0.0003]), 1.0, 0.0123,
             (0.011, 0.012, 0.013, 0.001, -0.002, 0.0005)),
        Atom("O1", "O", np.array([0.5, 0.1234, 0.3]), np.array([0.002, 0.0015, 0.0021]), 0.5, 0.025, None, "1"),
        Atom("O2", "O", np.array([0.51, 0.13, 0.31]), np.full(3, np.nan), 0.5, 0.025, None, "2"),
        Atom("H1", "H", np.array([0.6, 0.2, 0.4]), np.full(3, np.nan), 1.0, None, None, ""),
    )
    return Phase(cell, sg, atoms, source="test.cif", block="shifted test", temperature=123.4,
                 temperature_su=0.2, formula="Fe O H", z=4.0)


def _gemmi_block(text: str):
    return gemmi.cif.read_string(text).sole_block()


def test_format_number_closed_forms():
    assert format_number(12.3456, 0.0012) == "12.3456(12)"
    assert format_number(12.3456, 0.0004) == "12.3456(4)"
    assert format_number(93.1, 0.02) == "93.10(2)"
    assert format_number(0.5) == "0.5"
    assert format_number(90) == "90.0"
    assert format_number(-1e-9) == "0.0"
    # a value carrying more decimals than its s.u. keeps them, the s.u. scaled to the last digit
    text = format_number(0.123456, 0.002)
    assert _value_of(text) == pytest.approx(0.123456, abs=1e-12)
    assert _su_of(text) == pytest.approx(0.002, abs=1e-12)
    assert format_number(4200.1234, 1.234, round_to_su=True) == "4200.1(12)"


def test_op_to_xyz_parses_back_in_gemmi():
    for symbol in ("P c c n", "P 1 21/c 1", "F d -3 m:2", "R -3 c:H", "P 63/m m c"):
        sg = gemmi.SpaceGroup(symbol)
        info = SpaceGroupInfo.from_gemmi(sg, "H-M")
        triplets = [triplet(R, t, reduce=True, exact_for="<memory>") for R, t in info.ops()]
        back = gemmi.GroupOps([gemmi.Op(t) for t in triplets])
        assert gemmi.find_spacegroup_by_ops(back).number == sg.number


def test_round_trip_through_gemmi_keeps_cell_su_ops_and_atoms():
    phase = _shifted_p21c_phase()
    block = _gemmi_block(phase_to_cif_string(phase))
    assert block.name == "shifted_test"
    # cell values and s.u.'s, decoded from the raw text
    for key, v, s in zip(("a", "b", "c"), (10.2345, 7.891, 12.0003), (0.0012, 0.0009, 0.0021)):
        raw = block.find_value(f"_cell_length_{key}")
        assert _value_of(raw) == pytest.approx(v, abs=1e-5)
        assert _su_of(raw) == pytest.approx(s, abs=1e-9)
    raw_beta = block.find_value("_cell_angle_beta")
    assert _value_of(raw_beta) == pytest.approx(101.23, abs=1e-5) and _su_of(raw_beta) == pytest.approx(0.015)
    assert _su_of(block.find_value("_cell_angle_alpha")) is None
    assert _value_of(block.find_value("_diffrn_ambient_temperature")) == pytest.approx(123.4)
    assert _su_of(block.find_value("_diffrn_ambient_temperature")) == pytest.approx(0.2)
    assert block.find_value("_cell_formula_units_Z") == "4"
    assert gemmi.cif.as_string(block.find_value("_chemical_formula_sum")) == "Fe O H"
    # volume written = V of the cell, s.u. rounded
    assert _value_of(block.find_value("_cell_volume")) == pytest.approx(phase.cell.volume, abs=0.05)

    small = gemmi.make_small_structure_from_block(block)
    # operators exactly as given: the shifted origin survives (compare sets of (R, t))
    ops_written = {gemmi.Op(gemmi.cif.as_string(t)).triplet() for t in block.find_loop("_space_group_symop_operation_xyz")}
    expected = set()
    for R, t in phase.spacegroup.ops():
        op = gemmi.Op()
        op.rot = [[int(x) * op.DEN for x in row] for row in R]
        op.tran = [int(round(x * op.DEN)) for x in t]
        expected.add(op.triplet())
    assert ops_written == expected
    # the inversion centre moved from 0 to (1/4, 0, 0): x' = −x + 1/2
    assert "-x+1/2,-y,-z" in ops_written and "-x,-y,-z" not in ops_written
    assert block.find_value("_space_group_IT_number") == "14"

    sites = {s.label: s for s in small.sites}
    assert set(sites) == {a.label for a in phase.atoms}
    for a in phase.atoms:
        s = sites[a.label]
        assert np.allclose([s.fract.x, s.fract.y, s.fract.z], a.xyz, atol=1e-5)
        assert s.occ == pytest.approx(a.occupancy, abs=1e-6)
        assert s.type_symbol == a.element
        if a.u_iso is not None:
            assert s.u_iso == pytest.approx(a.u_iso, abs=1e-6)
    assert sites["Fe1"].aniso.u11 == pytest.approx(0.011) and sites["Fe1"].aniso.u12 == pytest.approx(0.001)
    assert sites["Fe1"].aniso.u13 == pytest.approx(-0.002) and sites["Fe1"].aniso.u23 == pytest.approx(0.0005)
    # coordinate s.u.'s from the raw loop
    loop = block.find(["_atom_site_label", "_atom_site_fract_x", "_atom_site_fract_z", "_atom_site_disorder_group"])
    rows = {r[0]: r for r in loop}
    assert _su_of(rows["Fe1"][1]) == pytest.approx(0.00012) and _su_of(rows["Fe1"][2]) == pytest.approx(0.0003)
    assert _su_of(rows["O1"][1]) == pytest.approx(0.002)
    assert rows["O1"][3] == "1" and rows["O2"][3] == "2" and rows["H1"][3] == "."


def test_missing_u_iso_is_unknown_not_zero():
    block = _gemmi_block(phase_to_cif_string(_shifted_p21c_phase()))
    loop = block.find(["_atom_site_label", "_atom_site_U_iso_or_equiv"])
    rows = {r[0]: r[1] for r in loop}
    assert rows["H1"] == "?"


def test_u_eq_for_aniso_only_atom_is_third_of_cartesian_trace():
    sg = SpaceGroupInfo.from_symbol("P 1")
    # orthogonal cell: U_eq is the plain mean of the diagonal
    atom = Atom("C1", "C", np.zeros(3), np.full(3, np.nan), 1.0, None, (0.01, 0.02, 0.04, 0.003, 0.0, 0.0))
    phase = Phase(Cell(5, 6, 7, 90, 90, 90), sg, (atom,))
    block = _gemmi_block(phase_to_cif_string(phase))
    assert float(block.find_value("_atom_site_U_iso_or_equiv")) == pytest.approx(0.07 / 3, abs=1e-6)


def test_formula_and_z_computed_when_absent():
    # rutile-like TiO2 in P 42/m n m: Ti at 2a, O at 4f → Z = 2, formula Ti O2
    sg = SpaceGroupInfo.from_symbol("P 42/m n m")
    atoms = (Atom("Ti1", "Ti", np.zeros(3), np.full(3, np.nan), 1.0, 0.005),
             Atom("O1", "O", np.array([0.3, 0.3, 0.0]), np.full(3, np.nan), 1.0, 0.006))
    phase = Phase(Cell(4.59, 4.59, 2.96, 90, 90, 90), sg, atoms)
    block = _gemmi_block(phase_to_cif_string(phase))
    assert block.find_value("_cell_formula_units_Z") == "2"
    assert gemmi.cif.as_string(block.find_value("_chemical_formula_sum")) == "O2 Ti"


def test_header_marks_models_and_version():
    from symstrain import __version__

    text = phase_to_cif_string(_shifted_p21c_phase())
    assert f"symstrain {__version__}" in text.splitlines()[0]
    assert "MODEL" not in text
    model = Phase(Cell(5, 5, 5, 90, 90, 90), SpaceGroupInfo.from_symbol("P 1"), (), source="symstrain.models")
    assert "MODEL STRUCTURE" in phase_to_cif_string(model)


def test_write_cif_refuses_to_overwrite(tmp_path):
    phase = _shifted_p21c_phase()
    path = tmp_path / "out.cif"
    path.write_text("precious user data\n")
    with pytest.raises(SymstrainInputError) as err:
        write_cif(phase, path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert path.read_text() == "precious user data\n"
    write_cif(phase, path, overwrite=True)
    assert path.read_text() == phase_to_cif_string(phase)
    fresh = tmp_path / "new.cif"
    assert write_cif(phase, fresh) == fresh
    assert gemmi.read_small_structure(str(fresh)).cell.a == pytest.approx(10.2345)


def test_duplicate_labels_kept_with_a_note_refused_only_with_uij():
    a = Atom("C1", "C", np.zeros(3), np.full(3, np.nan), 0.5, 0.01, None, "1")
    b = Atom("C1", "C", np.full(3, 0.5), np.full(3, np.nan), 0.5, 0.01, None, "2")
    phase = Phase(Cell(5, 5, 5, 90, 90, 90), SpaceGroupInfo.from_symbol("P 1"), (a, b), source="dup.cif")
    text = phase_to_cif_string(phase)
    assert "# note: duplicate atom labels kept as in the source: C1" in text
    sites = gemmi.make_small_structure_from_block(_gemmi_block(text)).sites
    assert [s.label for s in sites] == ["C1", "C1"]
    assert np.allclose([sites[1].fract.x, sites[1].fract.y, sites[1].fract.z], 0.5)
    c = Atom("C1", "C", np.full(3, 0.5), np.full(3, np.nan), 0.5, None, (0.01, 0.01, 0.01, 0, 0, 0), "2")
    phase = Phase(Cell(5, 5, 5, 90, 90, 90), SpaceGroupInfo.from_symbol("P 1"), (a, c), source="dup.cif")
    with pytest.raises(SymstrainInputError, match="dup.cif.*duplicate atom labels C1 carry U_ij"):
        phase_to_cif_string(phase)


def test_quoted_values_with_spaces_and_quotes_survive():
    sg = SpaceGroupInfo.from_symbol("P 1")
    phase = Phase(Cell(5, 5, 5, 90, 90, 90), sg, (), formula="C6 H6", block="x", source="s")
    block = _gemmi_block(phase_to_cif_string(phase))
    assert gemmi.cif.as_string(block.find_value("_space_group_name_H-M_alt")) == "P 1"
    assert math.isclose(float(block.find_value("_cell_length_a")), 5.0)


def test_round_trip_through_symstrain_read_cif(tmp_path):
    from symstrain.cif import read_cif

    phase = _shifted_p21c_phase()
    path = write_cif(phase, tmp_path / "rt.cif")
    back = read_cif(path)
    assert np.allclose(back.cell.params, phase.cell.params, atol=1e-5)
    for s_in, s_out in zip(phase.cell.su, back.cell.su):
        assert (s_in is None and s_out is None) or s_out == pytest.approx(s_in, abs=1e-9)
    assert back.temperature == pytest.approx(123.4) and back.temperature_su == pytest.approx(0.2)
    ops_in = {(R.tobytes(), tuple(np.round(t, 6))) for R, t in phase.spacegroup.ops()}
    ops_out = {(np.asarray(R, int).tobytes(), tuple(np.round(t, 6))) for R, t in back.spacegroup.ops()}
    assert ops_in == ops_out and back.spacegroup.number == 14
    by = {a.label: a for a in back.atoms}
    for a in phase.atoms:
        b = by[a.label]
        assert np.allclose(b.xyz, a.xyz, atol=1e-5)
        assert np.allclose(np.nan_to_num(b.xyz_su, nan=-1), np.nan_to_num(a.xyz_su, nan=-1), atol=1e-9)
        assert b.occupancy == pytest.approx(a.occupancy) and b.disorder_group == a.disorder_group
        if a.u_aniso is not None:
            assert np.allclose(b.u_aniso, a.u_aniso, atol=1e-6)


def test_model_round_trip_through_read_cif(tmp_path):
    from symstrain.cif import read_cif
    from symstrain.models import model_phase

    for phase in (model_phase(-1.0, 0.0, temperature=90), model_phase(0.5, 0.7)):
        back = read_cif(write_cif(phase, tmp_path / f"{phase.block}.cif"))
        assert back.spacegroup.number == phase.spacegroup.number
        assert np.allclose(back.cell.params, phase.cell.params, atol=1e-5)
        assert [a.label for a in back.atoms] == [a.label for a in phase.atoms]
        assert np.allclose([a.xyz for a in back.atoms], [a.xyz for a in phase.atoms], atol=1e-5)
        assert np.allclose([a.u_iso for a in back.atoms], [a.u_iso for a in phase.atoms], atol=1e-6)


SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cifs"


@pytest.fixture
def shared_cifs():
    if not SHARED.is_dir():
        pytest.skip("../shared/cifs is absent")
    return SHARED


@pytest.mark.parametrize("name", ["lawsonite/9002543.cif", "lawsonite/9002550.cif", "quirks/1004001-disorder.cif",
                                  "quirks/1506182-disorder-groups.cif", "quirks/4000911-high-precision-cell.cif",
                                  "quirks/1000002-test-hall.cif"])
def test_real_files_survive_read_write_read(shared_cifs, tmp_path, name):
    from symstrain.cif import read_cif

    src = shared_cifs / name
    if not src.exists():
        pytest.skip(f"{src} is absent")
    first = read_cif(src)
    second = read_cif(write_cif(first, tmp_path / "again.cif"))
    assert np.allclose(second.cell.params, first.cell.params, atol=1e-9)
    assert [s is None for s in second.cell.su] == [s is None for s in first.cell.su]
    assert np.allclose([s or 0 for s in second.cell.su], [s or 0 for s in first.cell.su], atol=1e-12)
    key = lambda ops: sorted((np.asarray(R, int).tobytes(), tuple(np.round(t, 6))) for R, t in ops)
    assert key(second.spacegroup.ops()) == key(first.spacegroup.ops())
    assert second.spacegroup.number == first.spacegroup.number
    assert second.temperature == first.temperature
    assert [a.label for a in second.atoms] == [a.label for a in first.atoms]
    for a, b in zip(first.atoms, second.atoms):
        assert np.allclose(b.xyz, a.xyz, atol=1e-9)
        assert np.allclose(np.nan_to_num(b.xyz_su, nan=-1), np.nan_to_num(a.xyz_su, nan=-1), atol=1e-12)
        assert b.occupancy == pytest.approx(a.occupancy, abs=1e-9) and b.disorder_group == a.disorder_group
        assert (a.u_iso is None) == (b.u_iso is None) or a.u_aniso is not None


def test_awkward_strings_are_quoted_by_gemmi_and_read_back_unchanged(tmp_path):
    """Labels with primes, quotes, leading underscores or data_-like text, and a formula with spaces, survive a
    write/read cycle through gemmi's own parser and through read_cif."""
    from symstrain.cif import read_cif

    sg = SpaceGroupInfo.from_symbol("P 1")
    labels = ["C1'", "O2\"", "_N3", "data_4", "loop_5", "H6'a\"b"]
    atoms = tuple(Atom(lb, el, np.array([0.1 * i, 0.2, 0.3]), np.full(3, np.nan), 1.0, 0.01)
                  for i, (lb, el) in enumerate(zip(labels, ["C", "O", "N", "C", "C", "H"])))
    phase = Phase(Cell(5, 6, 7, 90, 90, 90), sg, atoms, formula="C3 H O N", block="odd names", source="s")
    text = phase_to_cif_string(phase)
    block = _gemmi_block(text)
    assert [gemmi.cif.as_string(v) for v in block.find_values("_atom_site_label")] == labels
    assert gemmi.cif.as_string(block.find_value("_chemical_formula_sum")) == "C3 H O N"
    back = read_cif(write_cif(phase, tmp_path / "odd.cif"))
    assert [a.label for a in back.atoms] == labels
    assert np.allclose([a.xyz for a in back.atoms], [a.xyz for a in atoms])


def test_an_untabulated_setting_keeps_the_files_symbol_and_writes_no_other(tmp_path):
    """F 1 1 2 (C2 with the 2-fold along c and an F-centred cell: in no table; sweep 3, a cif2cell file) was named
    "C 1 2 1", the standard setting's symbol, whose 2-fold lies along b. The file's symbol names the setting (its
    centring letter is the operators'), the type is said beside it, and a CIF written from it gives the IT number and
    the operators but no H-M symbol of another setting."""
    from symstrain.cif import read_cif
    from symstrain.writer import write_cif

    cen = [("", "", ""), ("", "+1/2", "+1/2"), ("+1/2", "", "+1/2"), ("+1/2", "+1/2", "")]
    ops = [f"'{sx}x{tx},{sy}y{ty},z{tz}'" for sx, sy in (("", ""), ("-", "-")) for tx, ty, tz in cen]
    text = ("data_f112\n_cell_length_a 8.1\n_cell_length_b 12.9\n_cell_length_c 14.2\n_cell_angle_alpha 90\n"
            "_cell_angle_beta 90\n_cell_angle_gamma 91.2\n_symmetry_space_group_name_H-M 'F 1 1 2'\n"
            "loop_\n_symmetry_equiv_pos_as_xyz\n" + "\n".join(ops) + "\nloop_\n_atom_site_label\n"
            "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
            "Si1 Si 0.1 0.2 0.3\nO1 O 0.15 0.33 0.41\n")
    (tmp_path / "f112.cif").write_text(text)
    ph = read_cif(tmp_path / "f112.cif")
    assert ph.spacegroup.number == 5 and ph.spacegroup.hm == "F 1 1 2"
    assert "C 1 2 1" in ph.spacegroup.setting and "not a tabulated setting" in ph.spacegroup.setting
    write_cif(ph, tmp_path / "out.cif")
    written = (tmp_path / "out.cif").read_text()
    assert "_space_group_name_H-M_alt" not in written and "_space_group_IT_number            5" in written
    back = read_cif(tmp_path / "out.cif")
    assert back.spacegroup.number == 5 and len(back.spacegroup.rotations) == 8
