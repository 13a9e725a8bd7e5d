"""Faults found by sweep 17 (232 real CIFs from AMCSD/COD/SHELX deposits, abipy and McStas), each with the
independent number it must give."""

from __future__ import annotations

import gemmi
import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.errors import SymstrainInputError

# ilmenite-like R-3 on rhombohedral axes (AMCSD's MgTiO3 writes 'R -3' and this kind of cell)
RHOMB = dict(a=5.54, alpha=54.39)
ATOMS = [("Mg1", "Mg", 0.358, 0.358, 0.358), ("Ti1", "Ti", 0.146, 0.146, 0.146), ("O1", "O", 0.554, -0.054, 0.234)]


def _cif(symmetry: str, a: float, b: float, c: float, al: float, be: float, ga: float, atoms=ATOMS) -> str:
    rows = "\n".join(f"{lab} {el} {x} {y} {z}" for lab, el, x, y, z in atoms)
    return (f"data_r\n_cell_length_a {a}\n_cell_length_b {b}\n_cell_length_c {c}\n_cell_angle_alpha {al}\n"
            f"_cell_angle_beta {be}\n_cell_angle_gamma {ga}\n{symmetry}\nloop_\n_atom_site_label\n"
            f"_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n{rows}\n")


def _images(hm: str, atoms=ATOMS) -> int:
    """Atoms in the cell by gemmi's operations of ``hm`` (images within 1e-4 merged): the independent count."""
    ops, n = gemmi.SpaceGroup(hm).operations(), 0
    for _, _, x, y, z in atoms:
        pts = np.array([op.apply_to_xyz([x, y, z]) for op in ops]) % 1.0
        uniq = []
        for p in pts:
            if not any(np.all(np.abs((p - q + 0.5) % 1.0 - 0.5) < 1e-4) for q in uniq):
                uniq.append(p)
        n += len(uniq)
    return n


@pytest.mark.parametrize("symmetry", ["_symmetry_space_group_name_H-M 'R -3'", "_space_group_IT_number 148",
                                      "_space_group_name_H-M_ref 'R -3'"])
def test_rhombohedral_cell_with_a_symbol_that_names_no_axes(tmp_path, symmetry):
    """'R -3' (or 148) on a cell with a = b = c, α = β = γ ≠ 90° cannot be hexagonal axes: R -3:R, with a warning
    (the file was refused: "the operations of R -3:H change the cell's lengths by up to 80 %", or 180 atoms)."""
    p = tmp_path / "r.cif"
    p.write_text(_cif(symmetry, RHOMB["a"], RHOMB["a"], RHOMB["a"], *(RHOMB["alpha"],) * 3))
    ph = read_cif(p)
    assert ph.spacegroup.hm == "R -3:R" and ph.spacegroup.number == 148
    assert ph.spacegroup.source == {"_symmetry_space_group_name_H-M 'R -3'": "H-M", "_space_group_IT_number 148":
                                    "number and cell", "_space_group_name_H-M_ref 'R -3'": "H-M ref"}[symmetry]
    assert "axes_from_cell" in {w.code for w in ph.warnings}
    assert not {"setting_assumed", "reference_setting_assumed"} & {w.code for w in ph.warnings}
    from symstrain.expand import expand_to_cell_ops

    assert len(expand_to_cell_ops(ph)[0]) == _images("R -3:R") == 6 + 2 + 2


def test_hexagonal_cell_and_stated_axes_are_kept(tmp_path):
    """The same symbol on hexagonal axes stays R -3:H, silently; a symbol that states :H on a rhombohedral cell is
    still the error it was (the file contradicts itself)."""
    hexa = tmp_path / "h.cif"
    hexa.write_text(_cif("_symmetry_space_group_name_H-M 'R -3'", 5.05, 5.05, 13.9, 90, 90, 120,
                         atoms=[("Mg1", "Mg", 0, 0, 0.355), ("O1", "O", 0.317, 0.021, 0.246)]))
    ph = read_cif(hexa)
    assert ph.spacegroup.hm == "R -3:H" and "axes_from_cell" not in {w.code for w in ph.warnings}
    stated = tmp_path / "s.cif"
    stated.write_text(_cif("_symmetry_space_group_name_H-M 'R -3:H'", RHOMB["a"], RHOMB["a"], RHOMB["a"],
                           *(RHOMB["alpha"],) * 3))
    with pytest.raises(SymstrainInputError):
        read_cif(stated)


def _brass(tmp_path):
    """β-brass: disordered bcc Im-3m (Cu0.5Zn0.5 on 0, 0, 0) and ordered CsCl-type Pm-3m (Cu on 0, 0, 0, Zn on
    ½, ½, ½), same cell: per cell 1 Cu and 1 Zn in both (occupancy-weighted), on 2 sites each in the parent."""
    from cif_text import cif_text

    lines = lambda hm: [op.triplet() for op in gemmi.SpaceGroup(hm).operations()]  # noqa: E731
    parent, child = tmp_path / "bcc.cif", tmp_path / "b2.cif"
    text = cif_text("bcc", lines("I m -3 m"), [("Cu1", "Cu", 0, 0, 0), ("Zn1", "Zn", 0, 0, 0)], (2.95,) * 3)
    parent.write_text(text.replace("_atom_site_fract_z\n", "_atom_site_fract_z\n_atom_site_occupancy\n")
                      .replace("0.000000\nZn1", "0.000000 0.5\nZn1").rstrip("\n") + " 0.5\n")
    child.write_text(cif_text("b2", lines("P m -3 m"), [("Cu1", "Cu", 0, 0, 0), ("Zn1", "Zn", .5, .5, .5)],
                              (2.95,) * 3))
    return parent, child


def test_order_disorder_pair_is_not_called_another_composition(tmp_path, capsys):
    """Spinel Fd-3m → P4₁22 (cation ordering) was told "the child cell holds other atoms … (Ti: 8 against 12): the
    child is no distortion of this parent" and "the atoms decide for none": sites were counted, not atoms, and only
    a one-to-one pairing was tried. β-brass is the smallest such pair: 1 Cu + 1 Zn per cell on both sides."""
    import json

    from symstrain.cli import main

    parent, child = _brass(tmp_path)
    assert [a.occupancy for a in read_cif(parent).atoms] == [0.5, 0.5]
    assert main(["relate", str(parent), str(child), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["index"] == 2 and d["type"] == "k"
    assert not {"composition_differs", "atoms_do_not_pair"} & {w["code"] for w in d["warnings"]}
    # a displacive decomposition cannot pair 2 Cu sites with 1: modes says why, in one line
    assert main(["modes", str(parent), str(child), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "order–disorder" in err[0] and "Cu: 1 against 2" in err[0]


def test_nearest_distances_against_brute_force():
    """pairing.nearest_distances (many to one, periodic) against every image of every atom, by hand."""
    from symstrain.pairing import nearest_distances

    rng = np.random.default_rng(7)
    A = np.array([[5.0, 0.4, 0.3], [0.0, 6.0, -0.2], [0.0, 0.0, 7.0]])
    xa, xb = rng.random((40, 3)), rng.random((25, 3))
    za, zb = rng.integers(1, 3, 40), rng.integers(1, 3, 25)
    got = nearest_distances(xa, za, xb, zb, A, rmax=2.5)
    shifts = np.array([[i, j, k] for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)], float)
    for i in range(40):
        same = xb[zb == za[i]]
        d = np.linalg.norm(((same[:, None, :] + shifts[None] - xa[i] % 1.0) @ A.T), axis=2).min()
        assert got[i] == (pytest.approx(d, abs=1e-12) if d <= 2.5 else np.inf)


def test_principal_directions_of_a_trigonal_child_are_its_axes(tmp_path, capsys):
    """Shear components zero by symmetry: the principal directions are the axes, exactly (README, Conventions).
    For PZT Pm-3m → R3c (hexagonal child, e11 = e22) they came out as (0.979, ±0.206, 0) with s.u.'s of 2.7 on a
    unit vector. Here P6/mmm → P-3m1 on one hexagonal lattice: e11 = e22 = 4.98/5 − 1, e33 = 6.05/6 − 1 by hand."""
    import json

    from cif_text import cif_text
    from symstrain.cli import main

    lines = lambda hm: [op.triplet() for op in gemmi.SpaceGroup(hm).operations()]  # noqa: E731
    parent, child = tmp_path / "h.cif", tmp_path / "t.cif"
    parent.write_text(cif_text("hex", lines("P 6/m m m"), [("Ti1", "Ti", 0, 0, 0)], (5.0, 5.0, 6.0), (90, 90, 120)))
    child.write_text(cif_text("trig", lines("P -3 m 1"), [("Ti1", "Ti", 0, 0, 0), ("O1", "O", 1 / 3, 2 / 3, 0.2)],
                              ("4.980(1)", "4.980(1)", "6.050(2)"), (90, 90, 120)))
    assert main(["strain", str(parent), str(child), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    pr = d["principal"]
    e1, e3 = 4.98 / 5 - 1, 6.05 / 6 - 1
    assert pr["values"]["value"] == pytest.approx([e1, e1, e3], abs=1e-12)
    assert pr["directions"]["value"] == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert pr["directions"]["su"] == [[0.0] * 3] * 3
    assert pr["values"]["su"][0] == pytest.approx(0.001 / 5, rel=1e-3)  # e11's own: σ(a)/a0


def test_detected_group_flags_its_setting_as_the_declared_one_is(tmp_path, capsys):
    """Anatase in I 4₁/a m d origin choice 1 (gemmi's reference is choice 2): the declared group said
    standard_setting false and the detected one, the same setting, true."""
    import json

    from cif_text import cif_text
    from symstrain.cli import main

    assert not gemmi.SpaceGroup("I 41/a m d:1").is_reference_setting()
    p = tmp_path / "anatase.cif"
    p.write_text(cif_text("anatase", [op.triplet() for op in gemmi.SpaceGroup("I 41/a m d:1").operations()],
                          [("Ti1", "Ti", 0, 0, 0), ("O1", "O", 0, 0, 0.2081)], (3.785, 3.785, 9.514)))
    assert main(["info", str(p), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)["results"][0]
    declared, detected = r["spacegroup"], r["detected"]["spacegroup"]
    assert declared["symbol"] == detected["symbol"] == "I 41/a m d:1"
    assert declared["standard_setting"] is detected["standard_setting"] is False


def test_empty_su_brackets_are_said(tmp_path, capsys):
    """'_cell_angle_beta 94.1300()' (a SHELX deposit) is no CIF number: read as 94.13 without an s.u., and said."""
    import json

    from cif_text import cif_text
    from symstrain.cli import main

    p = tmp_path / "m.cif"
    p.write_text(cif_text("m", [op.triplet() for op in gemmi.SpaceGroup("P 1 21/c 1").operations()],
                          [("C1", "C", 0.1, 0.2, 0.3)], ("7.1(1)", "8.2(1)", "9.3(1)"), (90, "94.1300()", 90)))
    ph = read_cif(p)
    assert ph.cell.beta == 94.13 and ph.cell.su[4] is None and ph.cell.su[0] == 0.1
    assert [w.code for w in ph.warnings if w.code == "su_brackets_empty"] == ["su_brackets_empty"]
    q = tmp_path / "n.cif"
    q.write_text(p.read_text().replace("data_m", "data_n"))
    assert main(["info", str(p), str(q), "--json"]) == 0  # the batch reader says it too
    d = json.loads(capsys.readouterr().out)
    assert sum(w["code"] == "su_brackets_empty" for w in d["warnings"]) == 2


def test_coordinates_of_the_other_origin_choice_are_pointed_out(tmp_path, capsys):
    """AMCSD's CoFe₂O₄: origin-choice-1 coordinates (Co 0,0,0; Fe 5/8; O 0.387) with the operators of choice 2.
    Under them Fe and O lie 0.17 Å apart (an overlap); under choice 1's no two atoms overlap (gemmi's operators,
    checked here by the shortest Fe–O distance, 2.0 Å by hand: Fe at 5/8 and O at 0.387 with x − 3/8 = 0.012)."""
    import json

    from cif_text import cif_text
    from symstrain.cli import main

    atoms = [("Co", "Co", 0, 0, 0), ("Fe", "Fe", .625, .625, .625), ("O", "O", .387, .387, .387)]
    a = 8.35

    def shortest(hm, e1, e2):
        ops = gemmi.SpaceGroup(hm).operations()
        p1 = [np.array(op.apply_to_xyz(list(map(float, at[2:])))) for at in atoms if at[1] == e1 for op in ops]
        p2 = [np.array(op.apply_to_xyz(list(map(float, at[2:])))) for at in atoms if at[1] == e2 for op in ops]
        return min(np.linalg.norm(((x - y + 0.5) % 1.0 - 0.5) * a) for x in p1 for y in p2)

    assert shortest("F d -3 m:2", "Fe", "O") < 0.2 and shortest("F d -3 m:1", "Fe", "O") > 1.9
    p = tmp_path / "cofe2o4.cif"
    p.write_text(cif_text("cofe2o4", [op.triplet() for op in gemmi.SpaceGroup("F d -3 m:2").operations()], atoms,
                          (a, a, a)))
    assert main(["info", str(p), "--json"]) == 0
    w = [x["message"] for x in json.loads(capsys.readouterr().out)["warnings"] if x["code"] == "other_origin_fits"]
    assert len(w) == 1 and "not under those of F d -3 m:1" in w[0]


def test_a_cell_refined_a_little_off_rhombohedral_is_still_on_rhombohedral_axes(tmp_path):
    """Lengths 0.1 % apart (refined without the constraint): the file was refused for the hexagonal axes, 70 % away
    from its metric; the warning of a cell accepted said 'a = b = c' of lengths that differ."""
    p = tmp_path / "near.cif"
    p.write_text(_cif("_symmetry_space_group_name_H-M 'R -3'", 5.54, 5.5455, 5.5345, *(RHOMB["alpha"],) * 3))
    ph = read_cif(p)
    assert ph.spacegroup.hm == "R -3:R"
    (w,) = [w for w in ph.warnings if w.code == "axes_from_cell"]
    assert "(a, b, c = 5.54, 5.5455, 5.5345 Å, α = β = γ = 54.39°)" in w
    assert "metric_not_symmetric" in {w.code for w in ph.warnings}  # how far off, said by the metric check
