"""Checks ``info`` makes beyond reading (sweep 4).

* spglib's search grows as (atoms of the rarest species) × (atoms): 1.8 s for 2,500 random atoms of one species,
  40 s for 10,000, 125 s for 20,000 (``info`` on a 200k-atom P 1 file ran past two minutes). Above
  ``detect.DETECT_MAX_PAIRS`` detection is not run, and said; ``info --no-detect-limit`` runs it.
* The atoms of the cell against ``_chemical_formula_sum`` × Z (a file cut off inside its atom loop read as
  complete)."""

from __future__ import annotations

import json
import time

import numpy as np

from symstrain import detect
from symstrain.detect import DETECT_MAX_PAIRS, SKIPPED_NOTE, detect_symmetry
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo


def _p1_cif(path, n, seed=0):
    """n carbon atoms at random in a P 1 cube (density ~ 1 atom per 40 Å³)."""
    rng = np.random.default_rng(seed)
    a = (40.0 * n) ** (1 / 3)
    rows = [f"C{k} C {x:.5f} {y:.5f} {z:.5f}" for k, (x, y, z) in enumerate(rng.random((n, 3)))]
    path.write_text("\n".join([
        "data_big", f"_cell_length_a {a:.4f}", f"_cell_length_b {a:.4f}", f"_cell_length_c {a:.4f}",
        "_cell_angle_alpha 90", "_cell_angle_beta 90", "_cell_angle_gamma 90", "_symmetry_space_group_name_H-M 'P 1'",
        "loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
        "_atom_site_fract_z", *rows, ""]), encoding="utf-8")
    return path


def _rock_salt() -> Phase:
    sg = SpaceGroupInfo.from_symbol("F m -3 m")
    return Phase(Cell(5.64, 5.64, 5.64, 90, 90, 90), sg,
                 (Atom("Na", "Na", np.zeros(3), np.full(3, np.nan)), Atom("Cl", "Cl", np.full(3, 0.5), np.full(3, np.nan))),
                 source="NaCl")


def test_a_structure_below_the_limit_is_detected_as_before(monkeypatch):
    rep = detect_symmetry(_rock_salt())
    assert rep.number == 225 and not rep.not_run and all(n == 225 for _, n, _ in rep.ladder)
    # 8 atoms, 4 of the rarest species: 32 pairs; a limit below that stops it, and says why
    monkeypatch.setattr(detect, "DETECT_MAX_PAIRS", 31)
    rep = detect_symmetry(_rock_salt())
    assert rep.not_run and rep.number is None and rep.symbol is None and rep.spglib_tolerances == ()
    assert [n for _, n, _ in rep.ladder] == [None] * len(detect.LADDER) and not rep.differs_from_declared
    assert rep.notes[0].startswith(SKIPPED_NOTE) and "8 atoms in the cell, 4 of the rarest species" in rep.notes[0]
    assert rep.n_atoms_cell == 8 and rep.declared_number == 225
    w = detect.not_run_warning(rep, "NaCl", "NaCl: ")  # what info, scan and table write
    assert w.record.code == "detection_not_run" and w == "NaCl: " + rep.notes[0]
    assert detect.not_run_warning(detect_symmetry(_rock_salt(), limit=False), "NaCl") is None
    rep = detect_symmetry(_rock_salt(), limit=False)  # asked for: run whatever it costs
    assert rep.number == 225 and not rep.not_run
    monkeypatch.setattr(detect, "DETECT_MAX_PAIRS", 32)  # at the limit: run
    assert detect_symmetry(_rock_salt()).number == 225


def test_a_cell_of_many_atoms_is_not_detected_whatever_its_rarest_species(monkeypatch):
    """The atoms alone stop spglib above DETECT_MAX_ATOMS (sweep 12: a 56,136-atom protein with 6 atoms of its
    rarest species, 0.34 million pairs, took 65 s at 0.01 Å); rock salt's 8 atoms against a limit of 7 here."""
    monkeypatch.setattr(detect, "DETECT_MAX_ATOMS", 7)
    rep = detect_symmetry(_rock_salt())
    assert rep.not_run and rep.number is None and rep.spglib_tolerances == ()
    assert rep.notes[0] == (f"{SKIPPED_NOTE}: 8 atoms in the cell, above 7: spglib's refinement grows with the atoms "
                            "themselves (minutes); the declared group is not checked (info --no-detect-limit runs it)")
    assert detect_symmetry(_rock_salt(), limit=False).number == 225
    monkeypatch.setattr(detect, "DETECT_MAX_ATOMS", 8)  # at the limit: run
    assert detect_symmetry(_rock_salt()).number == 225
    monkeypatch.undo()
    assert detect.detection_too_costly(20_000, 1) is None
    assert "above 20,000" in detect.detection_too_costly(20_001, 1)


def test_info_on_a_huge_p1_file_answers_at_once_and_says_why(tmp_path, capsys):
    """6,000 atoms of one species: 3.6e7 pairs > 2.5e7 (spglib alone would take ~15 s); info answers in seconds,
    with the warning and no detected group."""
    from symstrain.cli import main

    assert 6000 * 6000 > DETECT_MAX_PAIRS
    path = _p1_cif(tmp_path / "big.cif", 6000)
    t = time.perf_counter()
    assert main(["info", str(path), "--json"]) == 0
    assert time.perf_counter() - t < 10
    doc = json.loads(capsys.readouterr().out)
    w = [x for x in doc["warnings"] if x["code"] == "detection_not_run"]
    assert len(w) == 1 and "6,000 atoms in the cell, 6,000 of the rarest species" in w[0]["message"]
    det = doc["results"][0]["detected"]
    assert det["spacegroup"] is None and all(step["spacegroup"] is None for step in det["ladder"])
    assert det["notes"][0].startswith(SKIPPED_NOTE)
    assert main(["info", str(path)]) == 0
    assert "detected     not run: too many atoms for spglib" in capsys.readouterr().out


_VO2 = """data_vo2
_chemical_formula_sum 'O2 V'
_cell_formula_units_Z 4
_cell_length_a 5.743
_cell_length_b 4.517
_cell_length_c 5.375
_cell_angle_alpha 90
_cell_angle_beta 122.6
_cell_angle_gamma 90
_space_group_name_H-M_alt 'P 1 21/c 1'
loop_
_space_group_symop_operation_xyz
x,y,z
-x,y+1/2,-z+1/2
-x,-y,-z
x,-y+1/2,z+1/2
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
V V 0.242 0.975 0.025
O1 O 0.100 0.210 0.200
O2 O 0.390 0.690 0.290
"""


def test_info_says_when_the_atoms_are_not_the_formula_times_z(tmp_path, capsys):
    """Sweep 4: a CIF cut off inside its atom loop (VO₂ M1 without its last O site) read as complete, "formula O2 V,
    Z = 4" beside 8 atoms in the cell. By hand: 3 general sites of P2₁/c, 4 images each: V4 O8 = (O2 V) × 4; without
    O2, O is 4 against 8. The intact file says nothing; hydrogen is never compared (often not located)."""
    from symstrain.cli import main

    ok, cut = tmp_path / "vo2.cif", tmp_path / "vo2_cut.cif"
    ok.write_text(_VO2, encoding="utf-8")
    cut.write_text(_VO2.rsplit("O2 O", 1)[0], encoding="utf-8")
    assert main(["info", str(ok), "--json"]) == 0
    assert "formula_differs" not in {w["code"] for w in json.loads(capsys.readouterr().out)["warnings"]}
    assert main(["info", str(cut), "--json"]) == 0
    w = [x for x in json.loads(capsys.readouterr().out)["warnings"] if x["code"] == "formula_differs"]
    assert len(w) == 1 and "(O: 4 against 8; H not compared)" in w[0]["message"]
    h = tmp_path / "vo2_h.cif"  # a formula with H the sites lack: not said
    h.write_text(_VO2.replace("'O2 V'", "'H2 O2 V'"), encoding="utf-8")
    assert main(["info", str(h), "--json"]) == 0
    assert "formula_differs" not in {w["code"] for w in json.loads(capsys.readouterr().out)["warnings"]}
