"""Sweep 15's faults in `strain`: a cell against its own P 1 export, neither with an s.u., printed every strain as
0(0) beside "no s.u. is reported"."""

import json

import numpy as np
import pytest

from symstrain.cli import main

_ATOMS = ("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
          "_atom_site_fract_z\n")


def _cell(path, group, a="4.402", c="11.163", atoms=("Eu1 Eu 0 0 0",)):
    path.write_text(f"data_{path.stem}\n_cell_length_a {a}\n_cell_length_b {a}\n_cell_length_c {c}\n"
                    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                    f"_symmetry_space_group_name_H-M '{group}'\n" + _ATOMS + "".join(f"{x}\n" for x in atoms))
    return str(path)


def test_a_cell_against_itself_without_su_has_strain_zero_and_no_su(tmp_path, capsys):
    parent = _cell(tmp_path / "tet.cif", "I 4/m m m")
    child = _cell(tmp_path / "p1.cif", "P 1", atoms=("Eu1 Eu 0 0 0", "Eu2 Eu 0.5 0.5 0.5"))
    assert main(["strain", parent, child, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["has_su"] is False
    assert d["e"] == {"value": [[0.0] * 3] * 3, "su": None}
    assert d["volume_strain"] == {"value": 0.0, "su": None}
    assert d["e_ss"] == {"value": 0.0, "su": None}
    assert d["principal"]["values"] == {"value": [0.0] * 3, "su": None}
    assert d["split"]["e_sb"] == {"value": 0.0, "su": None}


def test_with_su_the_same_cell_is_one_measurement_exactly_zero(tmp_path, capsys):
    """The same numbers with the same s.u.'s: one measurement, strain 0 with s.u. 0 (sweep 12's rule, kept)."""
    parent = _cell(tmp_path / "tet.cif", "I 4/m m m", a="4.402(2)", c="11.163(5)")
    child = _cell(tmp_path / "p1.cif", "P 1", a="4.402(2)", c="11.163(5)", atoms=("Eu1 Eu 0 0 0",
                                                                                    "Eu2 Eu 0.5 0.5 0.5"))
    assert main(["strain", parent, child, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["volume_strain"] == {"value": 0.0, "su": 0.0}
    assert d["e_ss"] == {"value": 0.0, "su": 0.0}


def test_a_length_written_without_its_su_beside_an_equal_one_is_that_parameter(tmp_path, capsys):
    """GSAS writes a tetragonal cell's b without an s.u. (b = a, constrained): b is a's parameter, not an exact number
    (sweep 15: e22's s.u. came out 2e-7 beside e11's 8e-7). The strain and volume s.u.'s are those of the file that
    writes b's s.u. too; an angle of 90° without one stays exact."""
    from symstrain.phase import Cell

    child = _cell(tmp_path / "ort.cif", "F m m m", a="5.56067", c="12.3350")
    child_text = (tmp_path / "ort.cif").read_text().replace("_cell_length_b 5.56067", "_cell_length_b 5.51875")
    (tmp_path / "ort.cif").write_text(child_text)
    docs = []
    for name, b in (("both.cif", "3.93(2)"), ("gsas.cif", "3.93")):
        parent = _cell(tmp_path / name, "I 4/m m m", a="3.93(2)", c="12.37(6)")
        text = (tmp_path / name).read_text().replace("_cell_length_b 3.93(2)", f"_cell_length_b {b}")
        (tmp_path / name).write_text(text)
        assert main(["strain", parent, child, "--json"]) == 0
        docs.append(json.loads(capsys.readouterr().out))
    both, gsas = docs
    assert np.allclose(gsas["e"]["su"], both["e"]["su"], rtol=1e-12, atol=0)
    assert gsas["volume_strain"]["su"] == pytest.approx(both["volume_strain"]["su"], rel=1e-12)
    assert not any(w["code"] == "su_treated_as_exact" for w in gsas["warnings"])
    assert Cell(3.93, 3.93, 12.37, 90, 90, 90, su=(0.02, None, 0.06, None, None, None)).volume_su == pytest.approx(
        Cell(3.93, 3.93, 12.37, 90, 90, 90, su=(0.02, 0.02, 0.06, None, None, None)).volume_su, rel=1e-12)


def test_principal_strains_equal_by_symmetry_are_no_uncertain_order(tmp_path, capsys):
    """A tetragonal child of a cubic cell, no s.u.'s: e11 = e22 by symmetry, the axes principal by symmetry. No
    warning that the order of the values is uncertain (sweep 15 got one for LaAlO₃ without any s.u.)."""
    parent = _cell(tmp_path / "cub.cif", "P m -3 m", a="4.0", c="4.0")
    child = _cell(tmp_path / "tet.cif", "P 4/m m m", a="3.99", c="4.03")
    assert main(["strain", parent, child, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["principal"]["values"]["value"] == pytest.approx([3.99 / 4 - 1, 3.99 / 4 - 1, 4.03 / 4 - 1], rel=1e-12)
    assert not [w for w in d["warnings"] if w["code"] == "degenerate_principal_strains"]


def test_star_of_a_k_whose_negative_is_another_arm_on_a_body_centred_lattice(tmp_path, capsys):
    """I4/mmm, k = (0, 0, 2/3): −k differs from k by (0, 0, 4/3), no vector of the I lattice's reciprocal lattice
    (h + k + l even), so the star has two arms, k and −k. Sweep 15 got [(0, 0, 2/3), (0, 0, 2/3)] (each arm's
    shortest copy written with a positive first coordinate). The child: W on the I lattice in a P cell 3c long,
    one site moved along c (so that the modes at k = ±1/3, ±2/3 are there)."""
    parent = _cell(tmp_path / "par.cif", "I 4/m m m", a="4.4", c="11.2", atoms=("W1 W 0 0 0",))
    child = _cell(tmp_path / "chi.cif", "P 4/m m m", a="4.4", c="33.6",
                  atoms=("W1 W 0 0 0", "W2 W 0 0 0.34", "W3 W 0.5 0.5 0.1666667", "W4 W 0.5 0.5 0.5"))
    assert main(["modes", parent, child, "--json", "--out", str(tmp_path / "m")]) == 0
    d = json.loads(capsys.readouterr().out)
    r = d["results"][0] if "results" in d else d
    stars = {tuple(round(x, 6) for x in ir["k"]): ir["star"] for ir in r["irreps"]}
    assert np.allclose(stars[(0.0, 0.0, 0.666667)], [[0, 0, 2 / 3], [0, 0, -2 / 3]])
    assert np.allclose(stars[(0.0, 0.0, 0.333333)], [[0, 0, 1 / 3], [0, 0, -1 / 3]])


def test_one_cell_and_many_cells_follow_one_tie_rule():
    """tied_parameters and constrained_sus answer one cell in plain Python (info asks per file) and many with arrays
    (the tables): the same answer on every pattern of equal values and s.u.'s, missing ones and special angles."""
    from symstrain.lattice import constrained_sus, tied_parameters

    rng = np.random.default_rng(7)
    for _ in range(3000):
        par = rng.choice([4.0, 5.0, 90.0, 55.3], size=6)
        sig = rng.choice([np.nan, 0.0, 0.01, 0.02], size=6)
        one, many = constrained_sus(par[None], sig[None]), constrained_sus(np.vstack([par, par]), np.vstack([sig, sig]))
        assert np.array_equal(one[0], many[0], equal_nan=True) and np.array_equal(one[0], many[1], equal_nan=True)
        filled = np.nan_to_num(one, nan=0.0)
        t1 = tied_parameters(par[None], filled)
        t2 = tied_parameters(np.vstack([par, par]), np.vstack([filled, filled]))
        assert (t1 is None) == (t2 is None) and (t1 is None or (t1[0].tolist() == t2[0].tolist() == t2[1].tolist()))
    # by hand: a = b = 4.0(1) tied, c apart; α = β = 55.3(2) tied, γ = 90 (no s.u.) exact and apart
    assert tied_parameters(np.array([[4.0, 4.0, 5.0, 55.3, 55.3, 90.0]]),
                           np.array([[0.1, 0.1, 0.1, 0.2, 0.2, 0.0]])).tolist() == [[0, 0, 2, 3, 3, 5]]
