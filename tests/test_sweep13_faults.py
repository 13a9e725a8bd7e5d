"""Sweep 13's strain faults, on a tetragonal I4/mmm parent a = b = 3.93(2), c = 12.37(6) Å (one value and one s.u.
for a and b: one refined parameter) and an orthorhombic Fmmm child without s.u.'s, P = (a−b, a+b, c), in the
manner of SrFe2As2 (diffpy-cmi's example pair).

* F2: the principal strains of an orthorhombic child are its e_ii along the axes; with values within their s.u.'s of
  each other they were printed ascending against the identity (−0.003 along [100] where e11 = +0.0005).
* F3: a = b of the parent was taken as two independent errors: every s.u. came out √2 too small in the parent's
  part. By hand, a0′ = |a0 − b0| = √2·a0 with σ(a0′)/a0′ = σ(a0)/a0, and V0 = a0²·c0."""

import json
import math

import numpy as np
import pytest

from symstrain.cli import main

A0, SA0, C0, SC0 = 3.93, 0.02, 12.37, 0.06
A, B, C = 5.56067, 5.51875, 12.3350
_ATOMS = ("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
          "_atom_site_fract_z\n")


@pytest.fixture()
def pair(tmp_path):
    parent = tmp_path / "tet.cif"
    parent.write_text(f"data_tet\n_cell_length_a {A0}(2)\n_cell_length_b {A0}(2)\n_cell_length_c {C0}(6)\n"
                      "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                      "_symmetry_space_group_name_H-M 'I 4/m m m'\n" + _ATOMS
                      + "Sr1 Sr 0 0 0\nFe1 Fe 0 0.5 0.25\nAs1 As 0 0 0.36\n")
    child = tmp_path / "ort.cif"
    child.write_text(f"data_ort\n_cell_length_a {A}\n_cell_length_b {B}\n_cell_length_c {C}\n"
                     "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                     "_symmetry_space_group_name_H-M 'F m m m'\n" + _ATOMS
                     + "Sr1 Sr 0 0 0\nFe1 Fe 0.25 0.25 0.25\nAs1 As 0 0 0.36\n")
    return str(parent), str(child)


def test_principal_strains_are_each_axis_with_its_own_value_and_su(pair, capsys):
    assert main(["strain", *pair, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    a0p = math.sqrt(2) * A0
    e = {1: A / a0p - 1, 2: B / a0p - 1, 3: C / C0 - 1}
    su = {1: A * SA0 / a0p / A0, 2: B * SA0 / a0p / A0, 3: C * SC0 / C0**2}  # (a·σ(a0′)/a0′², σ(a0′) = √2·σ(a0))
    E = np.array(d["e"]["value"])
    assert np.diag(E) == pytest.approx([e[1], e[2], e[3]], rel=1e-6)
    assert np.diag(np.array(d["e"]["su"])) == pytest.approx([su[1], su[2], su[3]], rel=1e-4)
    values, dirs = d["principal"]["values"], np.array(d["principal"]["directions"]["value"])
    order = [2, 3, 1]  # ascending: e22 < e33 < e11
    assert values["value"] == pytest.approx([e[k] for k in order], rel=1e-6)
    assert values["su"] == pytest.approx([su[k] for k in order], rel=1e-4)  # each its own e_ii's
    for k, axis in enumerate(order):  # column k is the axis of value k: e·d = λ·d
        assert dirs[:, k].tolist() == np.eye(3)[axis - 1].tolist()
        assert np.allclose(E @ dirs[:, k], values["value"][k] * dirs[:, k], atol=1e-12)
    warned = [w["message"] for w in d["warnings"] if w["code"] == "degenerate_principal_strains"]
    assert warned and "fixed by symmetry" in warned[0]


def test_equal_lengths_written_alike_are_one_parameter(pair, capsys):
    assert main(["strain", *pair, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    vs = A * B * C / (2 * A0 * A0 * C0) - 1  # (the F cell holds 2 I cells)
    sigma_vs = (1 + vs) * math.hypot(2 * SA0 / A0, SC0 / C0)  # V0 = a0²·c0: a0 once, squared
    assert d["volume_strain"]["value"] == pytest.approx(vs, rel=1e-6)
    assert d["volume_strain"]["su"] == pytest.approx(sigma_vs, rel=1e-4)
    # e11 − e22 = (a − b)/a0′: its s.u. is its value times σ(a0)/a0 (two independent errors gave it over √2)
    diff = d["split"]["components"]["e11-e22"]
    assert diff["value"] == pytest.approx((A - B) / (math.sqrt(2) * A0), rel=1e-6)
    assert diff["su"] == pytest.approx(diff["value"] * SA0 / A0, rel=1e-4)


def test_volume_su_of_a_tetragonal_cell_counts_a_once():
    """V = a²·c with a = b one parameter: σ(V)/V = √((2σa/a)² + (σc/c)²) = 0.011275 (191.05 ± 2.154 Å³); two
    independent lengths gave √(2(σa/a)² + (σc/c)²), 1.651 Å³. b written otherwise (3.94) is its own parameter."""
    from symstrain.phase import Cell

    c = Cell(A0, A0, C0, 90, 90, 90, su=(SA0, SA0, SC0, None, None, None))
    V = A0 * A0 * C0
    assert c.volume == pytest.approx(V, rel=1e-12)
    assert c.volume_su == pytest.approx(V * math.hypot(2 * SA0 / A0, SC0 / C0), rel=1e-9)
    other = Cell(A0, 3.94, C0, 90, 90, 90, su=(SA0, SA0, SC0, None, None, None))
    assert other.volume_su == pytest.approx(A0 * 3.94 * C0 * math.sqrt((SA0 / A0) ** 2 + (SA0 / 3.94) ** 2
                                                                       + (SC0 / C0) ** 2), rel=1e-9)


def test_table_without_reference_on_an_orthorhombic_series_says_what_is_missing(pair, tmp_path, capsys):
    """Without a reference, ε13 = ½·cos β is the one strain: 0 in every row of a β = 90° series. The table shows that
    column (it showed none) and the warning says a reference is needed."""
    assert main(["table", *pair, "--no-reference", "--temperatures", "300,100", "--no-plots",
                 "--out", str(tmp_path / "t")]) == 0
    out, err = capsys.readouterr()
    head = next(line for line in out.splitlines() if line.strip().startswith("T/K"))
    assert head.split()[3] == "eps13"
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("100.00", "300.00"))]
    assert [r[3] for r in rows] == ["0", "0"]
    text = out + err  # (the warnings follow the table)
    assert "η_strain is undefined (β = 90° in every row" in text and "a reference: --parent" in text
