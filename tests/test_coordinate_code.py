"""``_space_group_IT_coordinate_system_code`` completes an H-M symbol or IT number that leaves the setting open
(sweep 13: diamond silicon written in origin choice 2 with 'F d -3 m' and code 2 was expanded in origin choice 1,
16 atoms per cell instead of 8, and `relate` then refused it against another silicon file)."""

import pytest

from symstrain.cif import read_cif
from symstrain.errors import SymstrainInputError
from symstrain.expand import expand_to_cell


def _silicon(tmp_path, symmetry: str, name: str = "si.cif"):
    """Diamond Si, a = 5.431 Å, its one site at (1/8, 1/8, 1/8): site 8a of origin choice 2."""
    path = tmp_path / name
    path.write_text("data_si\n_cell_length_a 5.431\n_cell_length_b 5.431\n_cell_length_c 5.431\n"
                    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n" + symmetry
                    + "\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                    "_atom_site_fract_z\nSi1 Si 0.125 0.125 0.125\n")
    return path


def _cell_atoms(path):
    ph = read_cif(path)
    return ph, len(expand_to_cell(ph)[0])


@pytest.mark.parametrize("symmetry, source", [
    ("_space_group.name_H-M_alt 'F d -3 m'\n_space_group.IT_coordinate_system_code 2", "H-M"),
    ("_symmetry_space_group_name_H-M 'F d -3 m'\n_space_group_IT_coordinate_system_code '2'", "H-M"),
    ("_space_group_IT_number 227\n_space_group_IT_coordinate_system_code 2", "number and code"),
    ("_space_group_name_H-M_ref 'F d -3 m'\n_space_group_IT_coordinate_system_code 2", "H-M ref"),
])
def test_origin_choice_2_from_the_code(tmp_path, symmetry, source):
    ph, n = _cell_atoms(_silicon(tmp_path, symmetry))
    assert ph.spacegroup.hm == "F d -3 m:2" and ph.spacegroup.source == source
    assert n == 8  # diamond: 8 atoms in the cubic cell
    assert not [w for w in ph.warnings if "setting" in getattr(w, "code", "")]


def test_without_the_code_the_symbol_alone_is_origin_choice_1(tmp_path):
    ph, n = _cell_atoms(_silicon(tmp_path, "_symmetry_space_group_name_H-M 'F d -3 m'"))
    assert ph.spacegroup.hm == "F d -3 m:1" and n == 16  # (1/8,1/8,1/8) is site 16c there: another structure


def test_code_1_and_a_symbol_that_states_its_origin(tmp_path):
    ph, n = _cell_atoms(_silicon(tmp_path, "_symmetry_space_group_name_H-M 'F d -3 m'\n"
                                           "_space_group_IT_coordinate_system_code 1"))
    assert ph.spacegroup.hm == "F d -3 m:1" and n == 16
    ph, n = _cell_atoms(_silicon(tmp_path, "_symmetry_space_group_name_H-M 'F d -3 m:2'\n"
                                           "_space_group_IT_coordinate_system_code 2", "b.cif"))
    assert ph.spacegroup.hm == "F d -3 m:2" and n == 8


def test_a_code_against_the_origin_the_symbol_states_is_an_error(tmp_path):
    path = _silicon(tmp_path, "_symmetry_space_group_name_H-M 'F d -3 m:1'\n_space_group_IT_coordinate_system_code 2")
    with pytest.raises(SymstrainInputError, match="F d -3 m:1.*says F d -3 m:2") as exc:
        read_cif(path)
    assert str(path) in str(exc.value)


def test_a_code_that_names_no_setting_is_not_used(tmp_path):
    ph, n = _cell_atoms(_silicon(tmp_path, "_space_group.name_H-M_alt 'F d -3 m'\n"
                                           "_space_group.IT_coordinate_system_code 'ba-c'"))
    assert ph.spacegroup.hm == "F d -3 m:1"
    assert any(getattr(w, "code", "") == "coordinate_code_not_used" for w in ph.warnings)


def _corundum(tmp_path, symmetry, params):
    a, c, al, ga = params
    path = tmp_path / "r.cif"
    path.write_text(f"data_r\n_cell_length_a {a}\n_cell_length_b {a}\n_cell_length_c {c}\n_cell_angle_alpha {al}\n"
                    f"_cell_angle_beta {al}\n_cell_angle_gamma {ga}\n{symmetry}\nloop_\n_atom_site_label\n"
                    "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                    "Al1 Al 0.3523 0.3523 0.3523\n")
    return path


def test_rhombohedral_axes_from_the_code(tmp_path):
    # Al₂O₃'s Al in the rhombohedral cell (a = 5.128 Å, α = 55.28°): 4 Al per primitive cell (site 4c)
    ph, n = _cell_atoms(_corundum(tmp_path, "_symmetry_space_group_name_H-M 'R -3 c'\n"
                                            "_space_group_IT_coordinate_system_code r", (5.128, 5.128, 55.28, 55.28)))
    assert ph.spacegroup.hm == "R -3 c:R" and n == 4


def test_monoclinic_code_against_the_symbol_is_a_warning_and_the_symbol_is_used(tmp_path):
    path = tmp_path / "m.cif"
    path.write_text("data_m\n_cell_length_a 5\n_cell_length_b 6\n_cell_length_c 7\n_cell_angle_alpha 90\n"
                    "_cell_angle_beta 100\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1 21/n 1'\n"
                    "_space_group_IT_coordinate_system_code b1\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
                    "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nC1 C 0.1 0.2 0.3\n")
    ph = read_cif(path)
    assert ph.spacegroup.hm == "P 1 21/n 1"
    w = [w for w in ph.warnings if getattr(w, "code", "") == "coordinate_code_not_used"]
    assert w and "P 1 21/c 1" in str(w[0])


def test_a_symbol_without_its_origin_takes_the_choice_where_atoms_do_not_overlap(tmp_path):
    """Spinel-type O at x = 0.2552 (origin choice 2's 32e): in choice 1 the images of O lie 0.13 Å apart
    (a = 8.57 Å; sweep 13's Fe₃O₄ files without their coordinate-system code)."""
    path = tmp_path / "sp.cif"
    path.write_text("data_sp\n_cell_length_a 8.57\n_cell_length_b 8.57\n_cell_length_c 8.57\n_cell_angle_alpha 90\n"
                    "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'F d -3 m'\n"
                    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                    "_atom_site_fract_z\nFe1 Fe 0.125 0.125 0.125\nFe2 Fe 0.5 0.5 0.5\nO1 O 0.2552 0.2552 0.2552\n")
    ph, n = _cell_atoms(path)
    assert ph.spacegroup.hm == "F d -3 m:2" and n == 8 + 16 + 32  # Fe₂₄O₃₂: Fe₃O₄ × 8
    w = [str(w) for w in ph.warnings if getattr(w, "code", "") == "origin_assumed"]
    assert len(w) == 1 and "choice 2 does not" in w[0]


def test_a_symbol_without_its_origin_keeps_choice_1_where_both_are_possible(tmp_path):
    ph, n = _cell_atoms(_silicon(tmp_path, "_symmetry_space_group_name_H-M 'F d -3 m'"))
    w = [str(w) for w in ph.warnings if getattr(w, "code", "") == "origin_assumed"]
    assert ph.spacegroup.hm == "F d -3 m:1" and len(w) == 1 and "do not overlap" in w[0]
