"""Group–subgroup relations verified operation by operation.

Expected lost operations are derived by hand from the Pccn operators (ITA No. 56, origin at -1):
1: x,y,z; 2z: -x+1/2,-y+1/2,z; 2y: -x,y+1/2,-z+1/2; 2x: x+1/2,-y,-z+1/2 and their products with -1.
P 1 21/c 1 with P = identity keeps {1, 2y, -1, c⊥b}; the lost coset is {2z, 2₁x, n⊥c, c⊥a}.
With P = (b, -a, c) the child's b axis is the parent's a: the kept 2-fold is 2x and the lost coset is
{2z, 2₁y, n⊥c, c⊥b}.
"""

import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.phase import Cell, Phase, SpaceGroupInfo
from symstrain.notation import basis_string, triplet as op_to_xyz
from symstrain.relation import NotSubgroupError, relate

PARENT_CELL = Cell(10.0, 12.0, 15.0, 90, 90, 90)
CHILD_CELL = Cell(10.05, 11.98, 15.10, 90, 93.1, 90)


def phase(cell, sg, name):
    if isinstance(sg, str):
        sg = SpaceGroupInfo.from_symbol(sg)
    return Phase(cell, sg, (), source=name)


def transformed_group(sg: SpaceGroupInfo, Q=np.eye(3), shift=np.zeros(3)) -> SpaceGroupInfo:
    """The same group described on basis (old basis)·Q with origin moved to `shift` (old fractional units):
    x_old = Q·x_new + shift, so W' = Q⁻¹WQ, w' = Q⁻¹(w + W·shift − shift)."""
    Q = np.asarray(Q, float)
    Qi = np.linalg.inv(Q)
    rots = np.round(np.einsum("ij,njk,kl->nil", Qi, sg.rotations.astype(float), Q)).astype(int)
    trans = np.einsum("ij,nj->ni", Qi, sg.translations + np.einsum("nij,j->ni", sg.rotations, shift) - shift) % 1.0
    return SpaceGroupInfo(sg.number, sg.hm + " (transformed)", "", "transformed", "symops", rots, trans, False)


def test_pccn_to_p21c_identity():
    r = relate(phase(PARENT_CELL, "P c c n", "LS"), phase(CHILD_CELL, "P 1 21/c 1", "HS"))
    assert np.array_equal(r.P, np.eye(3))
    assert np.allclose(r.p, 0)
    assert (r.index, r.point_index, r.lattice_index, r.kind) == (2, 2, 1, "t")
    assert set(r.lost_cosets[0]) == {"-x+1/2,-y+1/2,z", "x+1/2,-y,-z+1/2", "x+1/2,y+1/2,-z", "-x+1/2,y,z+1/2"}
    assert len(r.lost_cosets) == 1
    assert r.aizu == "mmmF2/m"
    assert r.orientation_domains == 2 and r.antiphase_domains == 1
    assert r.ferroelastic and not r.ferroelectric
    assert r.symmetry_breaking_strain == ("e13",)
    assert r.non_symmetry_breaking_strain == ("e11", "e22", "e33")
    assert "2 ∥ [010]" in r.orientation
    # misfit: the Green–Lagrange strain of the child against the parent lattice is a few per cent
    assert 0.01 < r.lattice_misfit < 0.05


def test_conjugate_b_minus_a_c():
    """Child cell and axes chosen along (b, -a, c) of the parent: the other conjugacy class of P2₁/c."""
    child = phase(Cell(11.98, 10.05, 15.10, 90, 93.1, 90), "P 1 21/c 1", "HS-conj")
    r = relate(phase(PARENT_CELL, "P c c n", "LS"), child)
    assert basis_string(r.P) == "(b, -a, c)"
    assert set(r.lost_cosets[0]) == {"-x+1/2,-y+1/2,z", "-x,y+1/2,-z+1/2", "x+1/2,y+1/2,-z", "x,-y+1/2,z+1/2"}
    assert "2 ∥ [100]" in r.orientation
    assert r.symmetry_breaking_strain == ("e13",)  # in the child's own frame
    assert r.symmetry_breaking_strain_parent_frame == ("e23",)  # shear in the parent's bc plane


def test_nonstandard_setting_p21n():
    """The child written as P 1 21/n 1 on the basis (a, b, a+c): P must come out as that basis."""
    sg = transformed_group(SpaceGroupInfo.from_symbol("P 1 21/c 1"), Q=[[1, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert "x+1/2,-y+1/2,z+1/2" in [op_to_xyz(R, t) for R, t in sg.ops()]  # it really is the n-glide
    cell = PARENT_CELL.transformed([[1, 0, 1], [0, 1, 0], [0, 0, 1]])
    r = relate(phase(PARENT_CELL, "P c c n", "LS"), phase(cell, sg, "HS-n"))
    assert r.index == 2 and r.kind == "t"
    assert np.allclose(r.P, [[1, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert set(r.lost_cosets[0]) == {"-x+1/2,-y+1/2,z", "x+1/2,-y,-z+1/2", "x+1/2,y+1/2,-z", "-x+1/2,y,z+1/2"}


@pytest.mark.parametrize("shift", [(0, 0.25, 0), (0.25, 0.25, 0.25), (0.125, 0, 0.375)])
def test_origin_shifted_child(shift):
    shift = np.array(shift)
    sg = transformed_group(SpaceGroupInfo.from_symbol("P 1 21/c 1"), shift=shift)
    r = relate(phase(PARENT_CELL, "P c c n", "LS"), phase(CHILD_CELL, sg, "HS-shifted"))
    # the origin is fixed modulo the half-translations that leave P2₁/c invariant
    d = (r.p - shift) * 2
    assert np.allclose(d, np.round(d), atol=1e-9)
    assert set(r.lost_cosets[0]) == {"-x+1/2,-y+1/2,z", "x+1/2,-y,-z+1/2", "x+1/2,y+1/2,-z", "-x+1/2,y,z+1/2"}


def test_centring_loss_k2():
    """Cmcm → Pmcn (= Pnma, k2): the lost coset is the C-centring translation class; index 2, mmm kept."""
    r = relate(phase(Cell(5.85, 8.79, 13.13, 90, 90, 90), "C m c m", "Cmcm"),
               phase(Cell(5.855, 8.791, 13.133, 90, 90, 90), "P m c n", "Pmcn"))
    assert (r.index, r.point_index, r.lattice_index, r.kind) == (2, 1, 2, "k")
    assert "x+1/2,y+1/2,z" in r.lost_cosets[0]
    assert r.aizu == "mmmFmmm" and not r.ferroelastic and not r.ferroelectric
    assert r.symmetry_breaking_strain == ()


def test_supercell_k_subgroup():
    """P m -3 m → P m -3 m with a doubled cell (k2... index 8 isomorphic subgroup): lattice index 8."""
    r = relate(phase(Cell(4, 4, 4, 90, 90, 90), "P m -3 m", "cubic"), phase(Cell(8.02, 8.02, 8.02, 90, 90, 90), "P m -3 m", "2x"))
    assert np.allclose(r.P, 2 * np.eye(3))
    assert (r.index, r.lattice_index, r.kind) == (8, 8, "k")
    assert len(r.lost_cosets) == 7
    assert "x+1,y,z" in [c[0] for c in r.lost_cosets] or any("x+1,y,z" in c for c in r.lost_cosets)


def test_polar_subgroup_is_ferroelectric():
    r = relate(phase(Cell(5.85, 8.79, 13.13, 90, 90, 90), "P m c n", "Pmcn"),
               phase(Cell(5.85, 8.79, 13.13, 90, 90, 90), "P 21 c n", "P21cn"))
    assert r.kind == "t" and r.index == 2
    assert r.aizu == "mmmFmm2" and r.ferroelectric and not r.ferroelastic
    assert "-x,-y,-z" in r.lost_cosets[0]


def test_tetragonal_to_orthorhombic_strain_is_a_combination():
    r = relate(phase(Cell(5, 5, 7, 90, 90, 90), "P 4/m m m", "tet"), phase(Cell(5.05, 4.95, 7, 90, 90, 90), "P m m m", "orth"))
    assert r.symmetry_breaking_strain == ("e11-e22",)
    assert r.aizu == "4/mmmFmmm" and r.ferroelastic


def test_not_a_subgroup_is_refused_with_reason():
    with pytest.raises(NotSubgroupError, match="not a subgroup"):
        relate(phase(PARENT_CELL, "P c c n", "LS"), phase(CHILD_CELL, "P 1 21/m 1", "P21m")).require()
    with pytest.raises(NotSubgroupError, match="swap"):
        relate(phase(CHILD_CELL, "P 1 21/c 1", "HS"), phase(PARENT_CELL, "P c c n", "LS")).require()
    with pytest.raises(NotSubgroupError, match="no parent-lattice vectors"):
        relate(phase(PARENT_CELL, "P c c n", "LS"), phase(Cell(7, 9, 21, 90, 100, 90), "P 1 21/c 1", "far")).require()


def test_one_group_refused_only_by_the_strain_tolerance_is_not_told_to_swap():
    """Two cells of one group (index 1) 7.8 % apart along a: the Green–Lagrange strain is measured on the first
    file's lattice, (1.078² − 1)/2 = 0.0810 > 0.08 one way and (1 − 1/1.078²)/2 = 0.0697 the other (sweep 8: P-1
    at 98 and 374 K). The reverse "holds", but swapping two files of one group changes nothing: the hint says the
    tolerance decided."""
    a, b = Cell(10.0, 12.0, 15.0, 90, 90, 90), Cell(10.78, 12.0, 15.0, 90, 90, 90)
    ref = relate(phase(a, "P c c n", "cold"), phase(b, "P c c n", "hot"))
    assert not ref.holds and ref.reverse is not None and ref.reverse.index == 1
    for text in (ref.message(), ref.summary()):
        assert "swap" not in text and "index 1" in text and "give a larger --tol" in text
    assert relate(phase(a, "P c c n", "cold"), phase(b, "P c c n", "hot"), tol=0.09).holds
    # a reverse of index > 1 is still told to swap, with the right article
    rev = relate(phase(CHILD_CELL, "P 1 21/c 1", "HS"), phase(PARENT_CELL, "P c c n", "LS"))
    assert "is a t2 subgroup of index 2" in rev.message() and "swap PARENT and CHILD" in rev.summary()


def test_one_group_related_by_another_basis_notes_the_files_own_axes():
    """Sweep 8's P-1 pair (98 and 374 K, α from 93.0° to 85.9°): P = (-a, b, -c) strains the lattice least, but the
    identity relates the two as well and is the correspondence that runs continuously along the series: a coded
    warning says so, with both strains (the Green–Lagrange norm of each, computed here). Not where the identity is
    the one chosen."""
    from symstrain.correspondence import finite_strain_norm

    cold = Cell(8.7038, 12.2040, 4.9747, 93.02, 90.62, 90.32)
    hot = Cell(8.6337, 13.1782, 5.2242, 85.95, 91.71, 88.03)
    r = relate(phase(cold, "P -1", "cold"), phase(hot, "P -1", "hot"), tol=0.2)
    assert r.holds and basis_string(r.P) == "(-a, b, -c)"
    (w,) = [w for w in r.warnings if w.record.code == "own_axes_relate"]
    own = finite_strain_norm(cold.metric(), hot.metric())
    assert f"({own:.4f})" in w and f"({r.lattice_misfit:.4f})" in w and r.lattice_misfit < own <= 0.2
    assert not relate(phase(cold, "P -1", "cold"), phase(cold, "P -1", "same")).warnings


def test_tolerance_is_user_settable():
    with pytest.raises(NotSubgroupError):
        relate(phase(PARENT_CELL, "P c c n", "LS"), phase(CHILD_CELL, "P 1 21/c 1", "HS"), tol=0.01).require()
    with pytest.raises(SymstrainInputError):
        relate(phase(PARENT_CELL, "P c c n", "LS"), phase(CHILD_CELL, "P 1 21/c 1", "HS"), tol=-1)


# ---------------------------------------------------------------------------------------------
# real files: every pair in ../shared/cifs/pairs.tsv relates as stated there
# ---------------------------------------------------------------------------------------------


def _pairs(shared):
    import csv

    with open(shared / "pairs.tsv") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_lawsonite_pairs_relate_as_published(shared_cifs):
    from symstrain.cif import read_cif

    rows = _pairs(shared_cifs)
    assert len(rows) == 3
    for row in rows:
        parent = read_cif(shared_cifs / row["parent"])
        child = read_cif(shared_cifs / row["child"])
        r = relate(parent, child)
        assert r.parent.spacegroup.number == int(row["parent_group"].split("(")[1].split(")")[0])
        assert r.child.spacegroup.number == int(row["child_group"].split("(")[1].split(")")[0])
        assert row["P"] == "identity" and np.allclose(r.P, np.eye(3))
        assert r.index == int(row["index"])
        assert r.kind == {"k2": "k", "t2": "t", "ge": "general"}[row["type"][:2]]
        all_lost = {op for coset in r.lost_cosets for op in coset}
        if "C-centring" in row["lost"]:
            assert "x+1/2,y+1/2,z" in all_lost
        if "inversion" in row["lost"]:
            assert "-x,-y,-z" in all_lost
        # ferroic character as stated: never ferroelastic; ferroelectric when mm2 results
        assert not r.ferroelastic
        # mm2 children are polar (the pairs file says "ferroelectric" or just "mmmFmm2")
        assert r.ferroelectric == row["ferroic"].startswith("mmmFmm2")
        n_states = r.orientation_domains * r.antiphase_domains
        assert f"{n_states}" in row["ferroic"]
        if row["type"].startswith("t2"):
            assert r.aizu == "mmmFmm2"


def test_relate_cli_json(shared_cifs):
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "symstrain", "relate", "--json",
         str(shared_cifs / "lawsonite/9002546.cif"), str(shared_cifs / "lawsonite/9002545.cif")],
        capture_output=True, text=True, check=True,
    )
    d = json.loads(out.stdout)
    assert d["holds"] and d["index"] == 2 and d["type"] == "t" and d["aizu"] == "mmmFmm2"
    assert d["basis_change"]["basis"] == "(a, b, c)" and d["ferroelectric"] is True


def test_relate_cli_refusal_is_an_answer(shared_cifs):
    import subprocess
    import sys

    # swapped parent and child: the child (Cmcm) is not a subgroup of P2_1cn; the reverse (index 4) holds
    out = subprocess.run(
        [sys.executable, "-m", "symstrain", "relate",
         str(shared_cifs / "lawsonite/9002545.cif"), str(shared_cifs / "lawsonite/9002551.cif")],
        capture_output=True, text=True,
    )
    assert out.returncode == 1 and out.stderr == ""
    assert "relation does not hold: not a subgroup" in out.stdout
    assert "the reverse holds" in out.stdout and "index 4" in out.stdout


# ---------------------------------------------------------------------------------------------
# the bundled model pair, as given and re-described
# ---------------------------------------------------------------------------------------------

LOST_IDENTITY = {"-x+1/2,-y+1/2,z", "x+1/2,-y,-z+1/2", "x+1/2,y+1/2,-z", "-x+1/2,y,z+1/2"}
LOST_CONJUGATE = {"-x+1/2,-y+1/2,z", "-x,y+1/2,-z+1/2", "x+1/2,y+1/2,-z", "x,-y+1/2,z+1/2"}


@pytest.fixture(scope="module")
def model():
    from symstrain.models import model_pair

    return model_pair()


def test_model_pair(model):
    ls, hs = model
    r = relate(ls, hs)
    assert basis_string(r.P) == "(a, b, c)" and np.allclose(r.p, 0)
    assert (r.index, r.kind, r.aizu, r.orientation_domains) == (2, "t", "mmmF2/m", 2)
    assert set(r.lost_cosets[0]) == LOST_IDENTITY
    assert r.symmetry_breaking_strain == ("e13",)


def test_model_child_in_p21n_setting_with_shifted_origin(model):
    ls, hs = model
    Q, shift = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 1]]), np.array([0.0, 0.25, 0.0])
    hs_n = hs.transformed(Q, shift)
    glide = [t for R, t in hs_n.spacegroup.ops() if np.array_equal(R, np.diag([1, -1, 1]))]
    assert np.allclose(glide[0][[0, 2]], 0.5)  # the c-glide became an n-glide (plane moved with the origin)
    r = relate(ls, hs_n)
    assert np.allclose(r.P, Q)
    d = (r.p - shift) * 2
    assert np.allclose(d, np.round(d))
    assert set(r.lost_cosets[0]) == LOST_IDENTITY


def test_model_other_conjugacy_class(model):
    """The parent re-described on (−b, a, c) is again P c c n; the same child then sits along (b, −a, c):
    its 2-fold axis is the parent's a, and the lost coset is the other one."""
    ls, hs = model
    ls_swapped = ls.transformed([[0, 1, 0], [-1, 0, 0], [0, 0, 1]])
    assert ls_swapped.spacegroup.hm == "P c c n"
    r = relate(ls_swapped, hs)
    assert basis_string(r.P) == "(b, -a, c)"
    assert "2 ∥ [100]" in r.orientation
    assert set(r.lost_cosets[0]) == LOST_CONJUGATE
    assert r.symmetry_breaking_strain == ("e13",) and r.symmetry_breaking_strain_parent_frame == ("e23",)


def test_model_pair_swapped_is_refused(model):
    ls, hs = model
    with pytest.raises(NotSubgroupError, match="swap"):
        relate(hs, ls).require()
    # P2₁/m is not a subgroup of Pccn (Pccn has no mirror)
    with pytest.raises(NotSubgroupError):
        relate(ls, Phase(hs.cell, SpaceGroupInfo.from_symbol("P 1 21/m 1"), (), source="P21m")).require()


def test_importing_relation_leaves_spglib_settings_alone():
    """No import-time side effects: spglib's process-wide error handling stays as spglib set it."""
    import subprocess
    import sys

    code = ("import spglib.error as e; before = e.OLD_ERROR_HANDLING; import symstrain.relation, symstrain.detect; "
            "print(before == e.OLD_ERROR_HANDLING)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_refutation_is_an_answer_with_the_reverse(model):
    """relate() answers "no" with a reason instead of raising; the swapped order is checked and reported."""
    ls, hs = model
    no = relate(hs, ls)
    assert no.holds is False and "does not divide" in no.reason
    assert no.reverse is not None and no.reverse.holds and no.reverse.index == 2
    d = no.to_dict()
    assert d["holds"] is False and d["reverse"]["index"] == 2 and d["reverse"]["type"] == "t"
    # neither order holds: P2₁/m against Pccn (Pccn has no mirror, P2₁/m no glide c)
    p21m = Phase(hs.cell, SpaceGroupInfo.from_symbol("P 1 21/m 1"), (), source="P21m")
    no2 = relate(ls, p21m)
    assert no2.holds is False and no2.reverse is None and no2.to_dict()["reverse"] is None
    assert relate(ls, hs).holds is True and relate(ls, hs).require() is not None


def test_a_structure_related_to_itself_has_a_lattice_misfit_of_exactly_zero():
    """Identical lattices: the misfit is 0 by construction, never 1e-17 of rounding (no noise shown as a value)."""
    from pathlib import Path

    from symstrain.cif import read_cif

    hs = read_cif(Path(__file__).resolve().parents[1] / "cifs" / "model_HS_P21c_300K.cif")
    r = relate(hs, hs)
    assert r.index == 1 and r.lattice_misfit == 0.0 and r.to_dict()["lattice_misfit"] == 0.0


def test_relation_at_a_given_basis_change():
    """relation_at keeps the (P, p) it is given. Pccn ⊃ P2₁/c on (b, −a, c) (the conjugate of
    test_conjugate_b_minus_a_c, lost coset by hand in the module docstring) gives that relation again, and the child on (a, b, c) with origin
    (1/4, 0, 0) is refuted: the child's inversion through (1/4, 0, 0) of the parent is no Pccn operation (Pccn's
    only operation −1·(−x, −y, −z) up to translations puts its centres at (i/2, j/2, k/2)); a child cell 10 % off
    the parent's is refuted by the strain tolerance."""
    from symstrain.relation import relation_at

    parent = phase(PARENT_CELL, "P c c n", "LS")
    child = phase(Cell(11.98, 10.05, 15.10, 90, 93.1, 90), "P 1 21/c 1", "HS-conj")
    P = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], float)
    r = relation_at(parent, child, P, np.zeros(3))
    assert basis_string(r.P) == "(b, -a, c)" and np.allclose(r.p, 0)
    assert set(r.lost_cosets[0]) == {"-x+1/2,-y+1/2,z", "-x,y+1/2,-z+1/2", "x+1/2,y+1/2,-z", "x,-y+1/2,z+1/2"}
    assert (r.index, r.kind, r.aizu) == (2, "t", "mmmF2/m")
    assert r.lattice_misfit == pytest.approx(relate(parent, child).lattice_misfit, rel=1e-12)
    with pytest.raises(NotSubgroupError, match="not a parent operation"):
        relation_at(parent, phase(CHILD_CELL, "P 1 21/c 1", "HS"), np.eye(3), [0.25, 0.0, 0.0])
    with pytest.raises(NotSubgroupError, match="strain tolerance"):
        relation_at(parent, phase(Cell(11.0, 12.0, 15.0, 90, 90, 90), "P 1 21/c 1", "HS-far"), np.eye(3), np.zeros(3))


def test_origin_on_a_finer_grid_for_a_fractional_basis_change():
    """F222 ⊃ C2 with the child on P = (a, b, −1/2a + 1/2c), a cell of the F lattice (the relation of PyXtal's
    JVASP-42300 to pseudo's parent), and the child's origin then moved to (3/8, 5/12, 1/24) of its own cell. In the
    parent that origin is P·(3/8, 5/12, 1/24) = (3/8 − 1/48, 5/12, 1/48): off the 1/24 grid of origins, and relate
    said "not a subgroup" in every setting of such a child. Now it holds with the same P and index, at an origin on
    the 1/48 grid (not on the 1/24 one), where every child operation is a parent operation (relation_at)."""
    from symstrain.relation import relation_at

    parent = phase(Cell(5.6, 8.76, 16.66, 90, 90, 90), "F 2 2 2", "f222")
    P = np.array([[1, 0, -0.5], [0, 1, 0], [0, 0, 0.5]])
    child = phase(parent.cell.transformed(P), "C 1 2 1", "c2")
    assert relate(parent, child).index == 2
    moved = child.transformed(np.eye(3), (3 / 8, 5 / 12, 1 / 24))
    r = relate(parent, moved)
    assert r.holds and r.index == 2 and basis_string(r.P) == "(a, b, -1/2a+1/2c)"
    assert np.allclose(np.rint(r.p * 48), r.p * 48) and not np.allclose(np.rint(r.p * 24), r.p * 24)
    assert relation_at(parent, moved, r.P, r.p).index == 2


def test_relation_at_keeps_a_free_polar_origin_and_rounds_a_near_grid_one():
    """P4mm ⊃ Pmm2 (z polar in both): any origin along z relates them; relation_at keeps 0.1234567 as given and puts
    0.125 + 4e-7 (rounding) on the 1/48 grid, exactly 1/8."""
    from symstrain.relation import relation_at

    parent = phase(Cell(4.0, 4.0, 5.0, 90, 90, 90), "P 4 m m", "p4mm")
    child = phase(Cell(4.0, 4.01, 5.0, 90, 90, 90), "P m m 2", "pmm2")
    assert relation_at(parent, child, np.eye(3), [0, 0, 0.1234567]).p.tolist() == [0, 0, 0.1234567]
    assert relation_at(parent, child, np.eye(3), [0, 0, 0.125 + 4e-7]).p.tolist() == [0, 0, 0.125]


BETA_QUARTZ = ("data_hq\n_cell_length_a 4.9965\n_cell_length_b 4.9965\n_cell_length_c 5.4570\n_cell_angle_alpha 90\n"
               "_cell_angle_beta 90\n_cell_angle_gamma 120\n_symmetry_space_group_name_H-M 'P 62 2 2'\nloop_\n"
               "_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
               "Si 0.5 0 0\nO 0.4152 0.2076 0.16667\n")  # Kihara 1990, 848 K
ALPHA_QUARTZ = ("data_lq\n_cell_length_a 5.0278\n_cell_length_b 5.0278\n_cell_length_c 5.5189\n_cell_angle_alpha 90\n"
                "_cell_angle_beta 90\n_cell_angle_gamma 120\n_symmetry_space_group_name_H-M 'P 32 2 1'\nloop_\n"
                "_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                "Si 0 0.47729 0.33333\nO 0.16074 0.745703 0.537334\n")


def test_relate_names_every_origin_and_the_one_the_atoms_take(tmp_path, capsys):
    """β → α quartz (P6₂22 ⊃ P3₂21, index 2): two origins relate the groups, (0, 0, −1/6) and (0, 0, 1/3) (a shift
    s with (I − W)·s a lattice vector for every child rotation W: s = (0, 0, 1/2)). The search finds the first; the
    atoms take the second: α's Si (0, 0.477, 1/3) moved by (0, 0, 1/3) lies 0.023·a = 0.12 Å from β's Si at
    (0, 1/2, 2/3), and modes chooses it. relate says so (sweep 9) and, since sweeps 17 and 18, gives that origin:
    the (P, p) it prints is the one modes --P --p takes; the rest of the relation is unchanged."""
    import json

    from symstrain.cli import main

    (tmp_path / "hq.cif").write_text(BETA_QUARTZ)
    (tmp_path / "lq.cif").write_text(ALPHA_QUARTZ)
    assert main(["relate", str(tmp_path / "hq.cif"), str(tmp_path / "lq.cif"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["basis_change"]["origin"] == "(0, 0, 1/3)" and d["index"] == 2
    (w,) = [w for w in d["warnings"] if w["code"] == "origins_several"]
    assert "p = (0, 0, 1/3), (0, 0, -1/6)" in w["message"]
    assert "the atoms decide for p = (0, 0, 1/3), given here" in w["message"]


def test_origins_warning_says_when_the_atoms_decide_for_no_origin(tmp_path):
    """The same quartz pair with a pairing radius of 0.05 Å: at the better origin α's Si lies 0.12 Å off β's, so
    at neither origin does every child atom pair, and the warning says so instead of naming none silently (s23:
    lawsonite's Cmcm → Pmcn, whose Cmcm files misplace Al)."""
    from symstrain.cif import read_cif
    from symstrain.pairing import origins_warning
    from symstrain.relation import relate

    (tmp_path / "hq.cif").write_text(BETA_QUARTZ)
    (tmp_path / "lq.cif").write_text(ALPHA_QUARTZ)
    rel = relate(read_cif(tmp_path / "hq.cif"), read_cif(tmp_path / "lq.cif"))
    loose = origins_warning(rel, max_distance=2.0).message
    assert "the atoms decide for p = (0, 0, 1/3)" in loose and "decide for none" not in loose
    tight = origins_warning(rel, max_distance=0.05).message
    assert "the atoms decide for none" in tight and "farther than 0.05 Å" in tight
    assert tight.startswith("2 origins relate the groups: p = (0, 0, -1/6), (0, 0, 1/3)")
