"""Faults sweep 12 found on real CIFs (molecular crystals, CoRE MOFs, cif2cell's elements and BaTiO₃), each checked
against a number derived by hand.

An s.u. of a pair whose one cell carries s.u.'s and the other none is unknown where only the unknown cell could
move it: null, never the 0 the JSON contract reads as exact (a P 2₁/n MOF with s.u.'s against its P 1 export
without any printed e23 = 0(0), e12 = 0(0), |e_sb| = 0(0)). Oracle: the cells are equal, so e = 0; e11 = a/a0 − 1
moves only with a and a0, σ(e11) = σ(a0)/a0 from the cell that has s.u.'s; e23 and e12 move only with α and γ,
exact (90°, fixed by P 2₁/n) in the monoclinic cell and of unknown s.u. in the P 1 one.
"""

from __future__ import annotations

import json

import pytest

from symstrain.cli import main

MONO = ("data_mono\n_cell_length_a 9.778(3)\n_cell_length_b 13.212(4)\n_cell_length_c 10.266(3)\n"
        "_cell_angle_alpha 90\n_cell_angle_beta 104.183(5)\n_cell_angle_gamma 90\n"
        "_symmetry_space_group_name_H-M 'P 1 21/n 1'\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
        "_atom_site_fract_y\n_atom_site_fract_z\nCo1 0.1 0.2 0.3\n")
TRI = ("data_tri\n_cell_length_a 9.778\n_cell_length_b 13.212\n_cell_length_c 10.266\n"
       "_cell_angle_alpha 90\n_cell_angle_beta 104.183\n_cell_angle_gamma 90\n"
       "_symmetry_space_group_name_H-M 'P 1'\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
       "_atom_site_fract_y\n_atom_site_fract_z\nCo1 0.1 0.2 0.3\n")


def _strain(capsys, *paths):
    assert main(["strain", *map(str, paths), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_su_only_the_cell_without_sus_could_move_is_null(tmp_path, capsys):
    (tmp_path / "mono.cif").write_text(MONO)
    (tmp_path / "tri.cif").write_text(TRI)
    d = _strain(capsys, tmp_path / "mono.cif", tmp_path / "tri.cif")
    c = d["components"]
    assert c["e11"]["value"] == 0.0 and c["e11"]["su"] == pytest.approx(0.003 / 9.778, rel=1e-6)
    assert c["e22"]["su"] == pytest.approx(0.004 / 13.212, rel=1e-6)
    for k in ("e23", "e12"):
        assert c[k]["value"] == 0.0 and c[k]["su"] is None, k
    assert d["split"]["e_sb"]["su"] is None and d["split"]["e_sb"]["value"] == 0.0
    assert d["V"]["su"] is None and d["V0"]["su"] > 0
    assert any(w["code"] == "cell_without_su" for w in d["warnings"])
    assert d["zero_by_symmetry"] == []


def test_the_table_row_of_such_a_pair_has_no_zero_su(tmp_path):
    """The same pair as a table row (the monoclinic cell the reference): e23's s.u. is NaN (an empty CSV cell), e11's
    σ(a0)/a0."""
    from symstrain.phase import Cell
    from symstrain.series import read_cells_csv, strain_table

    (tmp_path / "cells.csv").write_text("label,T,a,b,c,alpha,beta,gamma,spacegroup\n"
                                        "tri,100,9.778,13.212,10.266,90,104.183,90,P 1\n")
    ref = Cell(9.778, 13.212, 10.266, 90, 104.183, 90, su=(0.003, 0.004, 0.003, None, 0.005, None))
    df = strain_table(read_cells_csv(tmp_path / "cells.csv"), ref)
    row = df.iloc[0]
    assert row["e11"] == 0.0 and row["e11_su"] == pytest.approx(0.003 / 9.778, rel=1e-6)
    assert row["e23"] == 0.0 and row["e23_su"] != row["e23_su"]  # NaN
    assert row["e12_su"] != row["e12_su"]
    # the other way round: the reference without s.u.'s, the row with them (e11 = a/a0 − 1: σ(a)/a0)
    (tmp_path / "cells2.csv").write_text("label,T,a,a_su,b,b_su,c,c_su,alpha,beta,beta_su,gamma,spacegroup\n"
                                         "tri,100,9.778,0.003,13.212,0.004,10.266,0.003,90,104.183,0.005,90,P 1\n")
    df = strain_table(read_cells_csv(tmp_path / "cells2.csv"), Cell(9.778, 13.212, 10.266, 90, 104.183, 90))
    row = df.iloc[0]
    assert row["e11_su"] == pytest.approx(0.003 / 9.778, rel=1e-6)
    assert row["e23_su"] != row["e23_su"] and row["e12_su"] != row["e12_su"]


CUBIC = ("data_c\n_cell_length_a 4.006(1)\n_cell_length_b 4.006(1)\n_cell_length_c 4.006(1)\n_cell_angle_alpha 90\n"
         "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P m -3 m'\nloop_\n"
         "_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
         "Ba1 0 0 0\nTi1 0.5 0.5 0.5\nO1 0.5 0.5 0\n")
ORTHO = ("data_o\n_cell_length_a 3.9909(2)\n_cell_length_b 5.6710(3)\n_cell_length_c 5.6885(3)\n_cell_angle_alpha 90\n"
         "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'A m m 2'\nloop_\n"
         "_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
         "Ba1 0 0 0\nTi1 0.5 0 0.51\nO1 0 0 0.49\nO2 0.5 0.25 0.26\n")


def test_the_split_says_its_listed_combinations_are_not_orthonormal(tmp_path, capsys):
    """Pm-3m → Amm2 (BaTiO₃-like; sweep 12: e11−e33 and e22−e33 listed, whose quadrature sum is not |e_sb|). By hand:
    the cubic cell in the child basis is (a, a√2, a√2); e_ii = x_i/x0_i − 1; |e_sb| is the norm of the traceless
    part, |e_nsb| = |e11 + e22 + e33|/√3."""
    import math

    (tmp_path / "c.cif").write_text(CUBIC)
    (tmp_path / "o.cif").write_text(ORTHO)
    assert main(["strain", str(tmp_path / "c.cif"), str(tmp_path / "o.cif")]) == 0
    out = capsys.readouterr().out
    assert "the combinations listed span each part, they are not orthonormal coordinates" in out
    d = _strain(capsys, tmp_path / "c.cif", tmp_path / "o.cif")
    a0 = 4.006
    e = [3.9909 / a0 - 1, 5.6710 / (a0 * math.sqrt(2)) - 1, 5.6885 / (a0 * math.sqrt(2)) - 1]
    tr = sum(e)
    assert d["split"]["e_sb"]["value"] == pytest.approx(math.sqrt(sum((x - tr / 3) ** 2 for x in e)), rel=1e-9)
    assert d["split"]["e_nsb"]["value"] == pytest.approx(abs(tr) / math.sqrt(3), rel=1e-9)
    listed = [d["split"]["components"][k]["value"] for k in d["split"]["symmetry_breaking"]]
    assert math.hypot(*listed) > 1.2 * d["split"]["e_sb"]["value"]  # a basis of the part, not its coordinates


def test_relate_lists_each_lost_operation_once(tmp_path, capsys):
    """Pm-3m → Amm2, P = (a, b−c, b+c), index 12 = 12 × 1: the child's A-centring (0, ½, ½) is the parent's lattice
    vector (0, 1, 0), so each lost coset holds |mm2| = 4 operations of the parent's setting, one per rotation — it
    listed 8, each twice ('-x,-y,-z' and '-x,-y+1,-z': sweep 12)."""
    import json

    (tmp_path / "c.cif").write_text(CUBIC)
    (tmp_path / "o.cif").write_text(ORTHO)
    assert main(["relate", str(tmp_path / "c.cif"), str(tmp_path / "o.cif"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["index"] == 12
    cosets = d["lost_cosets"]
    assert len(cosets) == 11 and all(len(c) == 4 for c in cosets)
    every = [op for c in cosets for op in c]
    rotations = {",".join(part.rstrip("+0123456789/").replace("+", "") for part in op.split(",")) for op in every}
    assert len(rotations) == 44 and "-x,-y,-z" in cosets[0] and "-x,-y+1,-z" not in cosets[0]


def test_eta_without_a_reference_in_a_series_of_one_group_is_called_what_it_is(tmp_path):
    """Without a reference, η_strain is |ε13| = |½·cos β| normalised to its largest value. In a series of one space
    group (sweep 12: a spin-crossover complex at 163, 230 and 293 K, all P-1) that is how the obliquity varies, not an
    order parameter, and a warning says so; a series with a symmetry change (Pccn → P2₁/c) has none. The numbers are
    unchanged: η = |cos β| / max |cos β|."""
    import math

    from symstrain.series import read_cells_csv, strain_table

    rows = [("a", 163, 87.0), ("b", 230, 88.0), ("c", 293, 89.0)]
    (tmp_path / "one.csv").write_text("label,T,a,b,c,alpha,beta,gamma,spacegroup\n" + "".join(
        f"{k},{T},10,11,12,90,{b},90,P 1 21/c 1\n" for k, T, b in rows))
    df = strain_table(read_cells_csv(tmp_path / "one.csv"), None)
    codes = [w.code for w in df.attrs["warnings"]]
    assert "eta_without_transition" in codes
    assert df["eta_strain"].tolist() == pytest.approx([math.cos(math.radians(b)) / math.cos(math.radians(87.0))
                                                      for _, _, b in rows], rel=1e-12)
    (tmp_path / "two.csv").write_text("label,T,a,b,c,alpha,beta,gamma,spacegroup\n"
                                      "a,163,10,11,12,90,90,90,P c c n\nb,293,10,11,12,90,92,90,P 1 21/c 1\n")
    df = strain_table(read_cells_csv(tmp_path / "two.csv"), None)
    assert "eta_without_transition" not in [w.code for w in df.attrs["warnings"]]


def test_a_cell_against_itself_has_zero_strain_exactly(tmp_path, capsys):
    """One measurement compared with itself (sweeps 11 and 12: a table's parent row read 0.0000(7), `strain F F`
    0.000000(4)): every strain is 0 with s.u. 0; ε13 = ½·c·cos β / c0 = ½·cos β (c/c0 = 1 exactly) with the s.u. of β
    alone, ½·sin β·σ(β). The same numbers with other s.u.'s are two measurements: s.u.'s as before."""
    import math

    (tmp_path / "mono.cif").write_text(MONO)
    d = _strain(capsys, tmp_path / "mono.cif", tmp_path / "mono.cif")
    assert all(q == {"value": 0.0, "su": 0.0} for q in d["components"].values())
    assert d["volume_strain"] == {"value": 0.0, "su": 0.0} and d["e_ss"] == {"value": 0.0, "su": 0.0}
    beta = math.radians(104.183)
    assert d["eps13"]["value"] == pytest.approx(0.5 * math.cos(beta), rel=1e-12)
    assert d["eps13"]["su"] == pytest.approx(0.5 * math.sin(beta) * math.radians(0.005), rel=1e-9)
    (tmp_path / "mono2.cif").write_text(MONO.replace("9.778(3)", "9.778(4)"))
    d = _strain(capsys, tmp_path / "mono.cif", tmp_path / "mono2.cif")
    assert d["components"]["e11"]["value"] == 0.0 and d["components"]["e11"]["su"] == pytest.approx(
        math.hypot(0.003, 0.004) / 9.778, rel=1e-6)
