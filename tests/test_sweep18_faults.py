"""Faults found by sweep 18 (real zone-boundary, polar and quartz pairs), each with the independent number it
must give."""

from __future__ import annotations

import json
import math
from pathlib import Path

import gemmi
import pytest

from cif_text import cif_text
from symstrain.cli import main

U = 0.2577  # x of O2 in I4/mcm (8h at x, x+1/2, 0): the octahedra tilt about c
A_T, C_T, A_C = 5.5312, 7.8317, 3.905


def _ops(hm):
    return [op.triplet() for op in gemmi.SpaceGroup(hm).operations()]


@pytest.fixture
def srtio3(tmp_path):
    """SrTiO₃ Pm-3m (Sr on the origin) and its a0a0c− phase I4/mcm (Ti on the origin): P = (a−b, a+b, 2c), and
    of the four origins relating the groups only p = (½, ½, ½) puts Ti on Ti (the child was written so)."""
    parent, child = tmp_path / "cubic.cif", tmp_path / "tetragonal.cif"
    parent.write_text(cif_text("STO_cubic", _ops("P m -3 m"), [("Sr1", "Sr", 0, 0, 0), ("Ti1", "Ti", .5, .5, .5),
                                                               ("O1", "O", .5, .5, 0)], (A_C,) * 3))
    child.write_text(cif_text("STO_tetragonal", _ops("I 4/m c m"),
                              [("Ti1", "Ti", 0, 0, 0), ("O1", "O", 0, 0, .25), ("O2", "O", U, U + .5, 0),
                               ("Sr1", "Sr", 0, .5, .25)], (A_T, A_T, C_T)))
    return parent, child


def test_relate_prints_the_origin_the_atoms_choose_and_modes_takes_it(srtio3, tmp_path, capsys):
    """relate printed p = (0, 0, 0), where Ti lies 3.4 Å from every parent Ti, and warned that the atoms want
    (½, ½, ½); modes given the printed (P, p) then refused. Now the printed p is the atoms' and modes takes it:
    the R-point tilt amplitude is √(8·|u|²/4) with |u| = √2·(x − ¼)·a of the eight O2 (AMPLIMODES, per parent
    cell; the child cell holds four)."""
    parent, child = map(str, srtio3)
    assert main(["relate", parent, child, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["basis_change"]["basis"] == "(a-b, a+b, 2c)" and d["basis_change"]["origin"] == "(1/2, 1/2, 1/2)"
    w = [x["message"] for x in d["warnings"] if x["code"] == "origins_several"]
    assert len(w) == 1 and "the atoms decide for p = (1/2, 1/2, 1/2), given here" in w[0]
    assert main(["modes", parent, child, "--P", "a-b,a+b,2c", "--p", "1/2,1/2,1/2", "--json",
                 "--out", str(tmp_path / "m")]) == 0
    m = json.loads(capsys.readouterr().out)
    u = math.sqrt(2) * (U - 0.25) * A_T
    assert m["results"][0]["amplitude"]["value"] == pytest.approx(math.sqrt(8 * u * u / 4), rel=2e-3)
    # reflections says the same p
    assert main(["reflections", parent, child, "--json", "--out", str(tmp_path / "r")]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["basis_change"]["origin"] == "(1/2, 1/2, 1/2)" and r["relation_source"] == "relate"


def test_domains_says_when_a_given_reflection_is_absent_in_the_child(srtio3, capsys):
    """domains --hkl listed R-3c's (2 0 0) as "split" with intensity 0 and no word that the child's group forbids
    it. (1 0 0) is absent in I4/mcm (I centring: h + k + l odd), (1 1 0) and (2 0 0) are not (gemmi agrees)."""
    ops = gemmi.SpaceGroup("I 4/m c m").operations()
    assert [ops.is_systematically_absent(h) for h in ([1, 0, 0], [1, 1, 0], [2, 0, 0])] == [True, False, False]
    parent, child = map(str, srtio3)
    assert main(["domains", parent, child, "--hkl", "1,0,0", "1,1,0", "2,0,0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    absent = [w["message"] for w in d["warnings"] if w["code"] == "reflection_absent"]
    assert len(absent) == 1 and absent[0].startswith("(1 0 0) systematically absent in the child's group")


def test_modes_says_when_a_structure_has_an_impossible_contact(tmp_path, capsys):
    """A real P4mm BaTiO₃ file with Ti at z = 0.265 (Ti–O 1.16 Å) gave a 1.07 Å "primary" Γ mode without a word.
    Here Ti at (½, ½, 0.265) and O1 at (½, ½, 0): Ti–O1 = 0.265·4.03 = 1.07 Å, below 0.6 × (r_Ti + r_O)."""
    parent = tmp_path / "cubic.cif"
    parent.write_text(cif_text("BTO_cubic", _ops("P m -3 m"), [("Ba1", "Ba", 0, 0, 0), ("Ti1", "Ti", .5, .5, .5),
                                                               ("O1", "O", .5, .5, 0)], (4.0,) * 3))
    ok = [("Ba1", "Ba", 0, 0, 0), ("Ti1", "Ti", .5, .5, .515), ("O1", "O", .5, .5, -.025), ("O2", "O", .5, 0, .485)]
    bad = [ok[0], ("Ti1", "Ti", .5, .5, .265), ok[2], ok[3]]
    assert 0.265 * 4.03 < 0.6 * (gemmi.Element("Ti").covalent_r + gemmi.Element("O").covalent_r)
    codes = []
    for name, atoms in (("ok", ok), ("bad", bad)):
        child = tmp_path / f"{name}.cif"
        child.write_text(cif_text(name, _ops("P 4 m m"), atoms, (3.99, 3.99, 4.03)))
        assert main(["modes", str(parent), str(child), "--json", "--out", str(tmp_path / name)]) == 0
        codes.append([w["message"] for w in json.loads(capsys.readouterr().out)["warnings"]
                      if w["code"] == "impossible_contact"])
    assert codes[0] == [] and len(codes[1]) == 1 and codes[1][0].startswith("the child has an impossible contact")


def test_an_origin_or_basis_printed_with_a_minus_sign_pastes_back(srtio3, tmp_path, capsys):
    """relate prints e.g. p = (-1/8, 1/8, 3/4) or P = (-a+b, a+b, -2c); '--p -1/8,1/8,3/4' was read by argparse
    as an option ('expected one argument'). Both now read as values: here the same tilt amplitude as with the
    positive spelling of the same basis, √(8·|u|²/4)."""
    parent, child = map(str, srtio3)
    assert main(["modes", parent, child, "--P", "-a+b,a+b,-2c", "--p", "-1/2,1/2,1/2", "--json",
                 "--out", str(tmp_path / "m")]) == 0
    m = json.loads(capsys.readouterr().out)
    u = math.sqrt(2) * (U - 0.25) * A_T
    assert m["results"][0]["amplitude"]["value"] == pytest.approx(math.sqrt(8 * u * u / 4), rel=2e-3)


def _bto(tmp_path, name, shift):
    """BaTiO₃ P4mm (Ba 0,0,0; Ti ½,½,0.515; O1 ½,½,−0.025; O2 ½,0,0.485) written with its atoms moved by
    ``shift``: the same structure at another origin (polar along c: every shift (0, 0, t) is one too)."""
    atoms = [("Ba1", "Ba", 0, 0, 0), ("Ti1", "Ti", .5, .5, .515), ("O1", "O", .5, .5, -.025), ("O2", "O", .5, 0, .485)]
    moved = [(lab, el, (x + shift[0]) % 1, (y + shift[1]) % 1, (z + shift[2]) % 1) for lab, el, x, y, z in atoms]
    path = tmp_path / f"{name}.cif"
    path.write_text(cif_text(name, _ops("P 4 m m"), moved, (3.99, 3.99, 4.03)))
    return str(path)


def test_a_polar_child_gets_the_origin_its_atoms_choose_and_modes_takes_it(tmp_path, capsys):
    """BaTiO₃ P4mm written with its origin on Ti: relate printed p = (0, 0, 0), where O lies 2.7 Å from every
    parent O, and 'modes --p 0,0,0' refused it; with every z moved by ½, modes refused the printed (0, 0, 0) too,
    though along the polar axis the origin is free. Now relate names (½, ½, 0) (judged after the best shift along
    c) and modes takes any origin along the axis: the three spellings of one structure give one amplitude."""
    parent = tmp_path / "cubic.cif"
    parent.write_text(cif_text("BTO_cubic", _ops("P m -3 m"), [("Ba1", "Ba", 0, 0, 0), ("Ti1", "Ti", .5, .5, .5),
                                                               ("O1", "O", .5, .5, 0)], (4.0,) * 3))
    s0, ti0 = _bto(tmp_path, "s0", (0, 0, 0)), _bto(tmp_path, "ti0", (.5, .5, -.015))
    s5 = _bto(tmp_path, "s5", (0, 0, .5))
    assert main(["relate", str(parent), ti0, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["basis_change"]["origin"] == "(1/2, 1/2, 0)"
    (w,) = [w["message"] for w in d["warnings"] if w["code"] == "origins_several"]
    assert "the atoms decide for p = (1/2, 1/2, 0), given here" in w and "once moved along the polar axis" in w
    amplitudes = []
    for child, extra in ((s0, []), (ti0, ["--P", "a,b,c", "--p", "1/2,1/2,0"]), (s5, ["--P", "a,b,c", "--p", "0,0,0"])):
        assert main(["modes", str(parent), child, *extra, "--json", "--out", str(tmp_path / Path(child).stem)]) == 0
        amplitudes.append(json.loads(capsys.readouterr().out)["results"][0]["amplitude"]["value"])
    assert amplitudes[1] == pytest.approx(amplitudes[0], abs=1e-9) and amplitudes[2] == pytest.approx(amplitudes[0],
                                                                                                        abs=1e-9)
    assert 0.1 < amplitudes[0] < 0.15
