"""One distortion, one irrep label: `modes` against the parent and `order` (against the child's own average) take
the same origin among those the two groups allow (sweep 5, F5: one Pmmn → Pnma distortion was Z:6 from `modes` and
Z:7 from `order`).

Against the child's average every origin of a class gives the same amplitude, yet origins a translation of the
parent's normaliser apart name the irreps differently. The tie goes to the origin whose average lies nearest the
parent's atoms — the one the parent reference picks. Here a fictitious A2BX6-type Pmmn parent is distorted into
Pnma (cell (2c, a, b)) by small displacements allowed by each child site's symmetry, with the parent placed at
origin p = (0, 1/2, 1/2) of the child: that is the origin both commands must report."""

from __future__ import annotations

import numpy as np
import pytest
from cif_text import cif_text

from symstrain.cif import read_cif
from symstrain.modes import decompose
from symstrain.ops import SymOps
from symstrain.order import order_series

PMMN = ["x,y,z", "-x+1/2,-y+1/2,z", "-x,y+1/2,-z", "x+1/2,-y,-z", "-x,-y,-z", "x+1/2,y+1/2,-z", "x,-y+1/2,z",
        "-x+1/2,y,z"]
PNMA = ["x,y,z", "-x+1/2,-y,z+1/2", "-x,y+1/2,-z", "x+1/2,-y+1/2,-z+1/2", "-x,-y,-z", "x+1/2,y,-z+1/2",
        "x,-y+1/2,z", "-x+1/2,y+1/2,z+1/2"]
ATOMS = [("Mg", "Mg", .25, .25, .26), ("W", "W", .25, .75, .73), ("Pb", "Pb", .49, .25, .79),
         ("O1", "O", .25, .97, .50), ("O2", "O", .25, .01, .97), ("O3", "O", .99, .25, .23)]
CELL = (8.05, 5.80, 5.81)


def _ops(triplets):
    s = SymOps.from_triplets(triplets)
    return np.asarray(s.rotations, float), np.asarray(s.translations, float)


def _child_atoms(p, rng):
    P = np.array([[0, 1, 0], [0, 0, 1], [2, 0, 0]], float)  # child (2c, a, b)
    Pi = np.linalg.inv(P)
    Rp, tp = _ops(PMMN)
    Rc, tc = _ops(PNMA)
    child = []
    for lab, el, *x in ATOMS:
        xs = np.einsum("nij,j->ni", Rp, np.array(x)) + tp
        xs = np.unique(np.round(xs % 1.0, 6), axis=0)
        xs = np.vstack([xs, xs + [0, 0, 1]])  # the two parent cells in the child cell
        xc = np.round(((xs - p) @ Pi.T) % 1.0, 6) % 1.0
        left = [tuple(v) for v in xc]
        k = 0
        while left:
            x0 = np.array(left[0])
            orbit = np.round((np.einsum("nij,j->ni", Rc, x0) + tc) % 1.0, 6) % 1.0
            stab = [i for i, y in enumerate(orbit) if np.allclose(y, x0, atol=1e-6)]
            u = rng.normal(0, 0.01, 3)
            u = np.mean([Rc[i] @ u for i in stab], axis=0)  # allowed by the site symmetry
            k += 1
            child.append((f"{lab}_{k}", el, *(x0 + u)))
            orbit_set = {tuple(v) for v in orbit}
            left = [v for v in left if tuple(np.round(np.array(v), 6) % 1.0) not in orbit_set]
    return child


@pytest.mark.parametrize("seed", [1, 2])
def test_modes_and_order_take_the_origin_the_parent_atoms_give(tmp_path, seed):
    p = np.array([0.0, 0.5, 0.5])
    (tmp_path / "p.cif").write_text(cif_text("p", PMMN, ATOMS, CELL))
    child = _child_atoms(p, np.random.default_rng(seed))
    (tmp_path / "c.cif").write_text(cif_text("c", PNMA, child, (2 * CELL[2], CELL[0], CELL[1])))
    parent, ch = read_cif(tmp_path / "p.cif"), read_cif(tmp_path / "c.cif")
    against_parent = decompose(parent, ch)
    against_average = decompose(parent, ch, reference="symmetrized")
    (res,) = order_series(parent, [ch]).results
    for d in (against_parent, against_average, res.modes):
        assert np.allclose(d.origin, p, atol=1e-9)
    labels = [sorted(ir.label for ir in d.primary) for d in (against_parent, against_average, res.modes)]
    assert labels[0] == labels[1] == labels[2] and labels[0][0].startswith("Z:")
    # the amplitudes against the average do not depend on the origin: the same as at the first origin tried
    first = decompose(parent, ch, reference="symmetrized", fixed_origin=True)
    assert against_average.amplitude == pytest.approx(first.amplitude, abs=1e-9)


@pytest.mark.parametrize("shift", [(0.0, 0.5, 0.5), (0.5, 0.0, 0.0), (-0.25, -0.25, -0.25), (0.25, 0.0, 0.125)])
def test_pseudo_names_one_irrep_whatever_the_childs_origin(tmp_path, shift):
    """The same Pnma child written with its origin moved by ``shift`` (atoms x + s, operations (R, t + s − R·s):
    the same structure at another origin; the half cells keep the operations, a normaliser translation) gets the
    same Pmmn candidate from `pseudo`, with the same irrep: the candidate's origin is fixed by its structure, not by
    the child file's (sweep 5: Z:5 at one origin, Z:8 at another)."""
    from symstrain.pseudo import pseudo_supergroups

    child = _child_atoms(np.array([0.0, 0.5, 0.5]), np.random.default_rng(3))
    moved_ops, moved = _written_at(child, np.array(shift, float))
    found = []
    for name, ops, atoms in (("c", PNMA, child), ("moved", moved_ops, moved)):
        (tmp_path / f"{name}.cif").write_text(cif_text(name, ops, atoms, (2 * CELL[2], CELL[0], CELL[1])))
        cands = {c.number: c for c in pseudo_supergroups(read_cif(tmp_path / f"{name}.cif"), depth=1)}
        found.append(cands[59])
    assert found[0].irrep == found[1].irrep and found[0].irrep.startswith("Z:")
    assert found[0].amplitude == pytest.approx(found[1].amplitude, abs=1e-6)


def _written_at(child, s):
    """``child`` (Pnma atoms) and its operations written with the origin moved by ``s``: atoms x + s, operations
    (R, t + s − R·s)."""
    from symstrain.notation import triplet

    R, t = _ops(PNMA)
    ops = [triplet(np.rint(r).astype(int), (w + s - r @ s) % 1.0) for r, w in zip(R, t)]
    return ops, [(lab, el, *((np.array(x) + s) % 1.0)) for lab, el, *x in child]


def test_without_parent_atoms_the_label_does_not_depend_on_the_childs_origin(tmp_path):
    """A parent file with the group and cell only: the child's own average is the reference, and the origins that
    tie are ranked by how that average reads in the parent's coordinates (heaviest atoms nearest the origin), not
    by the order they are tried in — which follows the child file's origin (Z:7 at one, Z:6 at another before)."""
    from dataclasses import replace

    (tmp_path / "p.cif").write_text(cif_text("p", PMMN, ATOMS, CELL))
    parent = replace(read_cif(tmp_path / "p.cif"), atoms=())
    child = _child_atoms(np.array([0.0, 0.5, 0.5]), np.random.default_rng(3))
    labels, amps = set(), []
    for i, s in enumerate([(0, 0, 0), (0, 0.5, 0.5), (-0.25, -0.25, -0.25), (0.25, 0, 0.125), (0.5, 0, 0)]):
        ops, atoms = _written_at(child, np.array(s, float))
        (tmp_path / f"c{i}.cif").write_text(cif_text("c", ops, atoms, (2 * CELL[2], CELL[0], CELL[1])))
        d = decompose(parent, read_cif(tmp_path / f"c{i}.cif"), reference="symmetrized")
        labels.add(tuple(sorted(ir.label for ir in d.primary)))
        amps.append(d.amplitude)
    assert len(labels) == 1 and next(iter(labels))[0].startswith("Z:")
    assert max(amps) - min(amps) < 1e-9


def test_an_average_without_the_parents_symmetry_falls_to_the_next_origin(tmp_path, monkeypatch):
    """Where the parent's rotations do not keep the child's cell, an average whose atoms paired inconsistently is
    seen only when the irreps are built (sweep 6: Fd-3m → Pna2₁, index 24: `order` exited 2 'the reference structure
    does not have the parent's symmetry' where `modes` against the parent answered). The next origin by amplitude
    is then taken, with a warning. Here the first analysis is made to fail: the result is another valid origin of
    the same amplitude (the eight origins of this pair tie against the average)."""
    from symstrain import modes
    from symstrain.errors import SymstrainInputError

    (tmp_path / "p.cif").write_text(cif_text("p", PMMN, ATOMS, CELL))
    child = _child_atoms(np.array([0.0, 0.5, 0.5]), np.random.default_rng(1))
    (tmp_path / "c.cif").write_text(cif_text("c", PNMA, child, (2 * CELL[2], CELL[0], CELL[1])))
    parent, ch = read_cif(tmp_path / "p.cif"), read_cif(tmp_path / "c.cif")
    plain = decompose(parent, ch, reference="symmetrized")
    real, calls = modes._analyse, []

    def failing_once(rel, p, *args, **kwargs):
        calls.append(np.array(p, float))
        if len(calls) == 1:
            raise SymstrainInputError("p", "the reference structure does not have the parent's symmetry: test")
        return real(rel, p, *args, **kwargs)

    monkeypatch.setattr(modes, "_analyse", failing_once)
    d = decompose(parent, ch, reference="symmetrized")
    assert len(calls) == 2 and not np.allclose(calls[0], calls[1])
    assert np.allclose(calls[0], plain.origin) and np.allclose(d.origin, calls[1])
    assert d.amplitude == pytest.approx(plain.amplitude, abs=1e-9) and d.n_origins == plain.n_origins
    assert any("lacks the parent's symmetry" in w.message for w in d.warnings if w.code == "origin_chosen")
    # every origin failing: the first failure is raised, as before
    monkeypatch.setattr(modes, "_analyse", lambda *a, **k: (_ for _ in ()).throw(
        SymstrainInputError("p", "the reference structure does not have the parent's symmetry: test")))
    with pytest.raises(SymstrainInputError, match="does not have the parent's symmetry") as info:
        decompose(parent, ch, reference="symmetrized")
    # and it says what the user can do (sweep 11: the inner reason alone named an internal step)
    assert "lacks the parent's symmetry at every origin tried" in info.value.problem
    assert "--reference parent" in info.value.problem and "partially occupied" not in info.value.problem


def test_modes_and_order_name_every_child_that_failed(tmp_path, capsys):
    """With several children and none done, the one-line error lists each child with its reason (sweep 11: only
    the first was named)."""
    from symstrain.cli import main

    (tmp_path / "p.cif").write_text(cif_text("p", PMMN, ATOMS, CELL))
    (tmp_path / "a.cif").write_text("data_a\n_cell_length_a 5\n")
    (tmp_path / "b.cif").write_text("not a cif at all {")
    for command in ("modes", "order"):
        rc = main([command, str(tmp_path / "p.cif"), str(tmp_path / "a.cif"), str(tmp_path / "b.cif"),
                   "--out", str(tmp_path / command)])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1, err
        assert "no child could be" in err[0] and "a.cif: " in err[0] and "b.cif: " in err[0]
        assert not (tmp_path / command).exists()


#: β-cristobalite, ideal (Fd-3m origin choice 2: Si on 8a, O on 16c), and α-cristobalite (P4₁2₁2, Downs & Palmer 1994,
#: 298 K): the X-point distortion of the α–β transition (index 12)
BETA = ("data_beta\n_cell_length_a 7.16\n_cell_length_b 7.16\n_cell_length_c 7.16\n_cell_angle_alpha 90\n"
        "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'F d -3 m :2'\nloop_\n"
        "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
        "Si1 Si 0.125 0.125 0.125\nO1 O 0 0 0\n")
ALPHA = ("data_alpha\n_cell_length_a 4.9709\n_cell_length_b 4.9709\n_cell_length_c 6.9278\n_cell_angle_alpha 90\n"
         "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 41 21 2'\nloop_\n"
         "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
         "Si1 Si 0.3003 0.3003 0\nO1 O 0.2392 0.1044 0.1787\n")


def test_irrep_names_do_not_depend_on_how_the_file_lists_its_operations(tmp_path):
    """spgrep numbers the irreps at k from the coset representatives it is given; they came from the parent's list as
    written (its order, and the translation of each rotation modulo the centring). Sweep 9: pseudo's Fd-3m:2 parent
    named the cristobalite distortion X:4 where the CIF's Fd-3m:2 (the same 192 operations, listed otherwise) named it
    X:3. The representatives now follow the standard setting's table. Here the parent's operations in reverse order
    (x, y, z first), each but x, y, z moved by a centring vector, give the label, amplitude and origin of the list as
    read."""
    from dataclasses import replace

    (tmp_path / "beta.cif").write_text(BETA)
    (tmp_path / "alpha.cif").write_text(ALPHA)
    beta, alpha = read_cif(tmp_path / "beta.cif"), read_cif(tmp_path / "alpha.cif")
    want = decompose(beta, alpha)
    labels = [(ir.label, round(ir.amplitude, 6)) for ir in want.irreps]
    assert want.relation.index == 12 and [lab for lab, _ in labels] == ["Γ:Eu", "X:3"]
    sg = beta.spacegroup
    order = [0] + list(range(len(sg.rotations) - 1, 0, -1))  # (x, y, z first, as a CIF lists it)
    R, t = np.asarray(sg.rotations)[order], np.asarray(sg.translations)[order]
    shift = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])[np.arange(len(t)) % 4]
    listed = replace(beta, spacegroup=replace(sg, rotations=R.copy(), translations=(t + shift) % 1.0))
    assert listed.spacegroup.symops.key() == sg.symops.key()  # (the same group)
    got = decompose(listed, alpha)
    assert [(ir.label, round(ir.amplitude, 6)) for ir in got.irreps] == labels
    assert np.allclose(got.origin, want.origin) and got.amplitude == pytest.approx(want.amplitude, rel=1e-12)


def test_a_list_without_x_y_z_first_builds_the_same_factor_group(tmp_path, monkeypatch):
    """spgrep takes the first representative for the identity: a list with x, y, z last stopped the decomposition
    ("Specify symmetry operations in primitive cell!"). Where no tabulated setting is found to order the
    representatives by, the identity is still put first with translation 0 (here that lookup is made to fail)."""
    from dataclasses import replace

    import symstrain.irreps as irreps

    (tmp_path / "beta.cif").write_text(BETA)
    (tmp_path / "alpha.cif").write_text(ALPHA)
    beta, alpha = read_cif(tmp_path / "beta.cif"), read_cif(tmp_path / "alpha.cif")
    want = decompose(beta, alpha)
    monkeypatch.setattr(irreps, "_standard_group", lambda number: _p1())
    sg = beta.spacegroup
    R, t = np.asarray(sg.rotations)[::-1].copy(), np.asarray(sg.translations)[::-1].copy()
    assert not np.array_equal(R[0], np.eye(3))  # (x, y, z last; its first rotation with a centring translation)
    listed = replace(beta, spacegroup=replace(sg, rotations=R, translations=t))
    got = decompose(listed, alpha)
    assert got.amplitude == pytest.approx(want.amplitude, rel=1e-12)
    assert sorted(round(ir.amplitude, 6) for ir in got.irreps) == sorted(round(ir.amplitude, 6) for ir in want.irreps)


def _p1():
    import gemmi

    return gemmi.find_spacegroup_by_number(1)


def test_isotropy_subgroups_are_named_as_the_files_name_groups(tmp_path):
    """Sweep 10: the identity irrep's isotropy subgroup (the parent group itself) was named in the child's axes and
    origin — 'P 2_1/m 2_1/m 2/n' for this Pmmn parent, 'A 1 2/n 1' for titanite's 'A 1 2/a 1' — and a setting no
    table lists got spglib's full symbol ('C 2/m 2/c 2_1/m' beside 'C m c m'). The whole group is now named as the
    parent file names it, and an untabulated setting by its type's short symbol without underscores (cristobalite's
    X:3 isotropy subgroup 'P 41 21 2', was 'P 4_1 2_1 2')."""
    p = np.array([0.0, 0.5, 0.5])
    (tmp_path / "p.cif").write_text(cif_text("p", PMMN, ATOMS, CELL))
    (tmp_path / "c.cif").write_text(cif_text("c", PNMA, _child_atoms(p, np.random.default_rng(1)),
                                             (2 * CELL[2], CELL[0], CELL[1])))
    parent = read_cif(tmp_path / "p.cif")
    d = decompose(parent, read_cif(tmp_path / "c.cif"))
    iso = {ir.label: ir.isotropy for ir in d.irreps}
    assert iso["Γ:Ag"][:2] == (59, parent.spacegroup.hm) == (59, "P m m n:2")
    (tmp_path / "beta.cif").write_text(BETA)
    (tmp_path / "alpha.cif").write_text(ALPHA)
    beta, alpha = read_cif(tmp_path / "beta.cif"), read_cif(tmp_path / "alpha.cif")
    x = {ir.label: ir.isotropy for ir in decompose(beta, alpha).irreps}
    assert x["X:3"][:2] == (92, "P 41 21 2") and x["Γ:Eu"][:2] == (98, "I 41 2 2")
