"""A mixed site (two elements sharing one position, e.g. Al 0.97 + Fe 0.03 as in COD's lawsonite deposits) survives
symmetrisation: the averaged structure written by ``pseudo --write`` / ``order`` keeps every element of the site with
its occupancy, so that ``modes`` of that structure against the child finds the same atoms in both (it said "Fe: 8
against 0" when the Al orbit swallowed the Fe atoms sitting on it)."""

from __future__ import annotations

import numpy as np

from symstrain.cif import read_cif
from symstrain.expand import expand_to_cell_ops
from symstrain.modes import decompose
from symstrain.order import symmetrize
from symstrain.relation import relate
from symstrain.writer import write_cif

HEAD = """data_{name}
_cell_length_a 3.90
_cell_length_b 4.10
_cell_length_c 4.30
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_space_group_symop_operation_xyz
{ops}
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
{atoms}
"""
PMMM = "x,y,z\n-x,-y,z\n-x,y,-z\nx,-y,-z\n-x,-y,-z\nx,y,-z\nx,-y,z\n-x,y,z"
PMM2 = "x,y,z\n-x,-y,z\nx,-y,z\n-x,y,z"
# Sr on the corner, a mixed Ti 0.9 / Zr 0.1 site at the centre, three O; in the child the B site and O move along c
PARENT = """Sr1 Sr 0 0 0 1
Ti1 Ti 0.5 0.5 0.5 0.9
Zr1 Zr 0.5 0.5 0.5 0.1
O1 O 0.5 0.5 0 1
O2 O 0.5 0 0.5 1
O3 O 0 0.5 0.5 1"""
CHILD = """Sr1 Sr 0 0 0 1
Ti1 Ti 0.5 0.5 0.53 0.9
Zr1 Zr 0.5 0.5 0.53 0.1
O1 O 0.5 0.5 0.02 1
O2 O 0.5 0 0.49 1
O3 O 0 0.5 0.485 1"""


def _write(path, name, ops, atoms):
    path.write_text(HEAD.format(name=name, ops=ops, atoms=atoms))
    return read_cif(path)


def _composition(phase):
    _, species, _, occ, _ = expand_to_cell_ops(phase)
    return {(int(z), round(float(o), 6)): int(n) for (z, o), n in
            zip(*np.unique(np.c_[species, occ], axis=0, return_counts=True))}


def test_symmetrized_structure_keeps_both_elements_of_a_mixed_site(tmp_path):
    parent = _write(tmp_path / "p.cif", "p", PMMM, PARENT)
    child = _write(tmp_path / "c.cif", "c", PMM2, CHILD)
    dist = symmetrize(relate(parent, child).require())
    sym = dist.symmetrized
    b_site = [(a.element, a.occupancy) for a in sym.atoms if a.element in ("Ti", "Zr")]
    assert sorted(b_site) == [("Ti", 0.9), ("Zr", 0.1)]
    # the averaged structure holds the child's atoms, element by element and occupancy by occupancy (one cell each)
    assert _composition(sym) == _composition(child) == {(38, 1.0): 1, (22, 0.9): 1, (40, 0.1): 1, (8, 1.0): 3}
    # the Ti and Zr of the site sit together, on the mirror the parent puts them on: z = 1/2, not the child's 0.53
    zs = {a.element: float(a.xyz[2]) % 1.0 for a in sym.atoms if a.element in ("Ti", "Zr")}
    assert abs(zs["Ti"] - 0.5) < 1e-9 and abs(zs["Zr"] - 0.5) < 1e-9
    # written as pseudo --write writes it, read back, and decomposed against the child: the same atoms on both sides
    path = tmp_path / "sym.cif"
    write_cif(sym, path)
    back = read_cif(path)
    d = decompose(back, child)  # before: "different atoms (Zr: 1 against 0)", an input error
    # modes places the reference where the displacements are least (its origins, the uniform polar shift taken off):
    # never more than the averaging's own displacements
    assert 0 < d.amplitude <= dist.amplitude + 1e-9
    # the two elements of the site move together: one displacement for Ti and Zr
    U = dict(zip(dist.elements, map(tuple, np.round(dist.displacements, 12))))
    assert U["Ti"] == U["Zr"] and abs(U["Ti"][2]) > 0.05


def test_order_text_shows_missing_values_as_a_dash(tmp_path, capsys):
    """order's text table on a child with no temperature whose cell equals the parent's (η from strain 0 for the only
    child: its normalisation 0/0 has no value): "—" where JSON has null and the CSV an empty field, never "NaN"."""
    import json

    from symstrain.cli import main

    _write(tmp_path / "p.cif", "p", PMMM, PARENT)
    _write(tmp_path / "c.cif", "c", PMM2, CHILD)
    assert main(["order", str(tmp_path / "p.cif"), str(tmp_path / "c.cif"), "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    row = text.splitlines()[1].split()
    assert "NaN" not in text and "nan" not in text
    assert row[0] == "—"  # T: the file gives none
    assert main(["order", str(tmp_path / "p.cif"), str(tmp_path / "c.cif"), "--out", str(tmp_path / "o2"),
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["results"][0]
    assert res["T"] is None or res["T"].get("value") is None


def test_order_summary_lines_say_why_and_do_not_overstate(tmp_path, capsys):
    """Two children: the Pearson r of 2 points is ±1 by construction and is not printed as a finding; a measure that
    is undefined for every child (η from intensities where no extinction condition is broken: Pmmm → Pmm2 keeps every
    translation and loses no glide; sweep 7 found quartz β → α printing η_intensity = 0 in --json) is named as the
    reason the comparison is undefined, and is null in JSON."""
    import json

    from symstrain.cli import main

    _write(tmp_path / "p.cif", "p", PMMM, PARENT)
    for k, dz in enumerate((0.03, 0.015)):
        (tmp_path / f"c{k}.cif").write_text(HEAD.format(name=f"c{k}", ops=PMM2, atoms=CHILD.replace(
            "0.53", f"{0.5 + dz}")).replace("_cell_angle_gamma 90\n", f"_cell_angle_gamma 90\n_diffrn_ambient_temperature "
                                           f"{100 + 50 * k}\n").replace("_cell_length_c 4.30", f"_cell_length_c {4.30 + dz}"))
    assert main(["order", str(tmp_path / "p.cif"), str(tmp_path / "c0.cif"), str(tmp_path / "c1.cif"),
                 "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    # no symmetry-breaking reflection: η_intensity is undefined (not 0, which would read as "no order"), and said
    assert "eta_intensity vs eta_modes: undefined (eta_intensity is undefined for every child)" in text
    assert text.count("the relation breaks no reflection condition") == 2
    assert "eta_strain vs eta_modes (raw values): slope" in text  # the cells strain: two points with both measures
    assert "Pearson r — (±1 for 2 points by construction)" in text and "Pearson r 1.00000" not in text
    assert main(["order", str(tmp_path / "p.cif"), str(tmp_path / "c0.cif"), "--out", str(tmp_path / "o3"),
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["results"][0]["eta_intensity"]["value"] is None
    assert "no_symmetry_breaking_reflections" in {w["code"] for w in doc["warnings"]}


def test_a_child_with_atoms_lost_is_said_by_order_and_reflections(tmp_path, capsys):
    """A child file cut short (its last O site gone: 5 atoms in the cell where the parent mapped into it has 6) still
    gives intensities and an averaged child, of another structure: order and reflections say which element differs
    and by how much (by hand: O 2 against 3), where modes against the parent refuses."""
    import json

    from symstrain.cli import main

    _write(tmp_path / "p.cif", "p", PMMM, PARENT)
    _write(tmp_path / "c.cif", "c", PMM2, "\n".join(CHILD.splitlines()[:-1]))
    assert main(["reflections", str(tmp_path / "p.cif"), str(tmp_path / "c.cif"), "--json",
                 "--out", str(tmp_path / "r")]) == 0
    w = [x for x in json.loads(capsys.readouterr().out)["warnings"] if x["code"] == "composition_differs"]
    assert len(w) == 1 and "(O: 2 against 3)" in w[0]["message"]
    assert main(["order", str(tmp_path / "p.cif"), str(tmp_path / "c.cif"), "--json", "--out", str(tmp_path / "o")]) == 0
    w = [x for x in json.loads(capsys.readouterr().out)["warnings"] if x["code"] == "composition_differs"]
    assert len(w) == 1 and "(O: 2 against 3)" in w[0]["message"]
    # the intact child: no such warning
    _write(tmp_path / "c2.cif", "c2", PMM2, CHILD)
    assert main(["reflections", str(tmp_path / "p.cif"), str(tmp_path / "c2.cif"), "--json",
                 "--out", str(tmp_path / "r2")]) == 0
    assert "composition_differs" not in {x["code"] for x in json.loads(capsys.readouterr().out)["warnings"]}


def test_relate_and_strain_say_when_the_child_is_no_distortion_of_the_parent(tmp_path, capsys):
    """The relation holds for cells and operations whatever the atoms (sweep 3: ε-Pu → α-Pu, index 168, 16 atoms
    against 14): relate and strain still answer, and say that the atoms differ (by hand: O 2 against 3); with the
    intact child they say nothing."""
    import json

    from symstrain.cli import main

    _write(tmp_path / "p.cif", "p", PMMM, PARENT)
    _write(tmp_path / "c.cif", "c", PMM2, "\n".join(CHILD.splitlines()[:-1]))
    _write(tmp_path / "c2.cif", "c2", PMM2, CHILD)
    for command in ("relate", "strain", "domains"):  # (domains: sweep 6)
        assert main([command, str(tmp_path / "p.cif"), str(tmp_path / "c.cif"), "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        w = [x for x in doc["warnings"] if x["code"] == "composition_differs"]
        assert len(w) == 1 and "(O: 2 against 3)" in w[0]["message"]
        assert "no distortion" in w[0]["message"] or "another structure" in w[0]["message"]
        assert main([command, str(tmp_path / "p.cif"), str(tmp_path / "c2.cif"), "--json"]) == 0
        assert "composition_differs" not in {x["code"] for x in json.loads(capsys.readouterr().out)["warnings"]}


def test_table_says_when_a_row_is_no_distortion_of_the_paraphase(tmp_path, capsys):
    """A series from CIFs whose low-symmetry file holds other atoms than the paraphase file mapped into it (a file of
    another phase or compound in the series; here its last O site cut: O 2 against 3 by hand): the table is made
    from the cells, and warns as relate does; with the intact child it says nothing."""
    import json

    from symstrain.cli import main

    _write(tmp_path / "p.cif", "p", PMMM, PARENT)
    _write(tmp_path / "c.cif", "c", PMM2, "\n".join(CHILD.splitlines()[:-1]))
    _write(tmp_path / "c2.cif", "c2", PMM2, CHILD)
    for child, warned in (("c.cif", True), ("c2.cif", False)):
        assert main(["table", str(tmp_path / "p.cif"), str(tmp_path / child), "--temperatures", "300,100",
                     "--no-plots", "--json", "--out", str(tmp_path / child.replace(".cif", "_t"))]) == 0
        doc = json.loads(capsys.readouterr().out)
        w = [x for x in doc["warnings"] if x["code"] == "composition_differs"]
        assert doc["n_rows"] == 2
        if warned:
            assert len(w) == 1 and "(O: 2 against 3)" in w[0]["message"] and "no distortion" in w[0]["message"]
        else:
            assert w == []


def test_a_child_declared_in_too_low_a_group_is_said_to_keep_lost_operations(tmp_path, capsys):
    """Sweep 6 (F7): a child written in P 1 whose atoms keep the parent's inversion is a subgroup on paper only (its
    'antiphase' or orientation states, symmetry-breaking reflections, are those of a symmetry it has): relate and
    domains say so. The same child with one atom moved by 0.1 Å (beyond 0.05 Å) breaks the inversion: no warning."""
    import json

    from cif_text import cif_text

    from symstrain.cli import main

    cell = (5.0, 6.0, 7.0)
    parent = [("A", "Fe", 0.1, 0.2, 0.3), ("B", "O", 0.5, 0.0, 0.0)]
    child = [("A1", "Fe", 0.1, 0.2, 0.3), ("A2", "Fe", 0.9, 0.8, 0.7), ("B", "O", 0.5, 0.0, 0.0)]
    moved = [("A1", "Fe", 0.1, 0.2, 0.3), ("A2", "Fe", 0.92, 0.8, 0.7), ("B", "O", 0.5, 0.0, 0.0)]
    (tmp_path / "p.cif").write_text(cif_text("p", ["x,y,z", "-x,-y,-z"], parent, cell, (80, 85, 95)))
    (tmp_path / "c.cif").write_text(cif_text("c", ["x,y,z"], child, cell, (80, 85, 95)))
    (tmp_path / "m.cif").write_text(cif_text("m", ["x,y,z"], moved, cell, (80, 85, 95)))
    for command in ("relate", "domains"):
        assert main([command, str(tmp_path / "p.cif"), str(tmp_path / "c.cif"), "--json"]) == 0
        w = [x for x in json.loads(capsys.readouterr().out)["warnings"] if x["code"] == "lost_operations_kept"]
        assert len(w) == 1 and "keep 1 of the 1 lost cosets" in w[0]["message"] and "-x,-y,-z" in w[0]["message"]
        assert main([command, str(tmp_path / "p.cif"), str(tmp_path / "m.cif"), "--json"]) == 0
        assert "lost_operations_kept" not in {x["code"] for x in json.loads(capsys.readouterr().out)["warnings"]}
