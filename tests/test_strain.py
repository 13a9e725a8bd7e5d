"""Tests of symstrain.strain against hand derivations, independent matrix/metric computations and Monte Carlo."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.phase import Cell, params_from_matrix
from symstrain.spontaneous_strain import strain
from symstrain.strain_math import compute_strain as _compute

D = math.radians
REF = Cell(10.0, 12.0, 15.0, 90.0, 90.0, 90.0)
MONO = Cell(10.05, 11.98, 15.10, 90.0, 93.1, 90.0)
LAWSONITE = Path(__file__).resolve().parents[1] / ".." / "shared" / "cifs" / "lawsonite"


def test_monoclinic_against_orthorhombic_default_frame():
    # Frame X ∥ a, Y in ab, Z ∥ c*.  Reference: A0 = diag(10, 12, 15).
    # Child (α = γ = 90°): a = (a, 0, 0), b = (0, b, 0), c = (c·cos β, 0, c·sin β), so
    #   F = A·A0⁻¹ = [[a/10, 0, c·cosβ/15], [0, b/12, 0], [0, 0, c·sinβ/15]]
    #   e = ½(F+Fᵀ) − I:  e11 = a/10 − 1 = 0.005,  e22 = b/12 − 1 = −0.0016667,
    #   e33 = c·sinβ/15 − 1,  e13 = ½·c·cosβ/15 (the paper's ε13),  e12 = e23 = 0.
    r = strain(REF, MONO, sb_components=("e13",))
    b = D(93.1)
    e13 = 0.5 * 15.10 * math.cos(b) / 15
    expected = np.array([[0.005, 0, e13], [0, 11.98 / 12 - 1, 0], [e13, 0, 15.10 * math.sin(b) / 15 - 1]])
    assert np.allclose(r.e, expected, atol=1e-12)
    assert r.e[0, 2] == pytest.approx(-0.0272197, abs=1e-7)
    assert r.eps13 == pytest.approx(e13, abs=1e-14)
    assert r.frame == "cstar" and "c*" in r.frame_description
    # volume strain: V = a·b·c·sinβ against 10·12·15
    assert r.volume_strain == pytest.approx(10.05 * 11.98 * 15.10 * math.sin(b) / 1800 - 1, abs=1e-12)
    assert r.volume_strain == pytest.approx(np.linalg.det(r.F) - 1, abs=1e-12)
    assert r.e_ss == pytest.approx(math.sqrt(np.sum(expected**2)), abs=1e-12)
    # split: e13 is the only symmetry-breaking component; |e_sb| = √2·|e13| (e13 and e31)
    assert r.sb_components == ("e13",) and "e13" not in r.nsb_components
    assert r.e_sb == pytest.approx(math.sqrt(2) * abs(e13), rel=1e-12)
    assert r.e_nsb == pytest.approx(math.sqrt(expected[0, 0] ** 2 + expected[1, 1] ** 2 + expected[2, 2] ** 2))
    # principal strains: e22 alone on Y; the XZ block has eigenvalues m ± √(d² + e13²)
    m, d = (expected[0, 0] + expected[2, 2]) / 2, (expected[0, 0] - expected[2, 2]) / 2
    lam = sorted([m - math.hypot(d, e13), expected[1, 1], m + math.hypot(d, e13)])
    assert np.allclose(r.principal, lam, atol=1e-12)
    for k in range(3):
        v = r.principal_directions[:, k]
        assert np.allclose(r.e @ v, r.principal[k] * v, atol=1e-12)
        assert np.argmax(np.abs(v)) == np.argmax(v)  # sign convention


def test_monoclinic_against_orthorhombic_c_frame():
    # Frame Z ∥ c, Y in bc, X ∥ a*: a = (a·sinβ, 0, a·cosβ), b = (0, b, 0), c = (0, 0, c).
    #   F = [[a·sinβ/10, 0, 0], [0, b/12, 0], [a·cosβ/10, 0, c/15]]
    #   e11 = a·sinβ/10 − 1, e33 = c/15 − 1, e13 = ½·a·cosβ/10; ε13 (paper) is frame-free: ½·c·cosβ/c0.
    r = strain(REF, MONO, frame="c")
    b = D(93.1)
    e13 = 0.5 * 10.05 * math.cos(b) / 10
    expected = np.array([[10.05 * math.sin(b) / 10 - 1, 0, e13], [0, 11.98 / 12 - 1, 0], [e13, 0, 15.10 / 15 - 1]])
    assert np.allclose(r.e, expected, atol=1e-12)
    assert r.eps13 == pytest.approx(0.5 * 15.10 * math.cos(b) / 15, abs=1e-14)
    # Changing frame rotates the child and the reference by *different* rotations (each frame is built from
    # its own cell), so the linear strain changes at second order only, while the Green–Lagrange strain
    # E = ½(FᵀF − I) transforms exactly with the reference's rotation R0 (identity for this orthorhombic one).
    rs = strain(REF, MONO, finite="green")
    rc = strain(REF, MONO, frame="c", finite="green")
    R0 = REF.matrix("c") @ np.linalg.inv(REF.matrix("cstar"))
    assert np.allclose(R0 @ rs.finite["green"][0] @ R0.T, rc.finite["green"][0], atol=1e-12)
    assert np.allclose(rs.e, rc.e, atol=rs.e_ss**2)
    assert not np.allclose(rs.e, rc.e, atol=1e-5)  # ... but it does change: the frame must be stated
    assert r.volume_strain == pytest.approx(rs.volume_strain, abs=1e-14)


TRI_REF = Cell(7.1, 8.3, 9.2, 84.0, 97.5, 101.0)
P_TRI = np.array([[1, 1, 0], [-1, 1, 0], [0, 0, 1]], dtype=float)  # C-type doubling, det 2


def _tri_child():
    # child = reference mapped by P, then given a small general deformation
    A0m = TRI_REF.matrix() @ P_TRI
    U = np.array([[0.004, 0.0021, -0.0013], [0.0021, -0.003, 0.0017], [-0.0013, 0.0017, 0.006]])
    return Cell(*params_from_matrix((np.eye(3) + U) @ A0m))


@pytest.mark.parametrize("frame", ["cstar", "c"])
def test_triclinic_general_case_independent(frame):
    child = _tri_child()
    r = strain(TRI_REF, child, P_TRI, frame=frame, finite="both")
    # independent: the phase.py trig orthogonalisation, reference mapped by P then re-expressed in the same frame
    ref_m = Cell(*params_from_matrix(TRI_REF.matrix() @ P_TRI))
    A0, A = ref_m.matrix(frame), child.matrix(frame)
    F = A @ np.linalg.inv(A0)
    assert np.allclose(r.F, F, atol=1e-12)
    assert np.allclose(r.e, 0.5 * (F + F.T) - np.eye(3), atol=1e-12)
    # Green–Lagrange from the child metric alone: E = ½(A0⁻ᵀ G A0⁻¹ − I)
    G = child.metric()
    A0i = np.linalg.inv(A0)
    assert np.allclose(r.finite["green"][0], 0.5 * (A0i.T @ G @ A0i - np.eye(3)), atol=1e-12)
    # Eulerian from the reference metric alone: e_A = ½(I − A⁻ᵀ G0 A⁻¹)
    G0 = P_TRI.T @ TRI_REF.metric() @ P_TRI
    Ai = np.linalg.inv(A)
    assert np.allclose(r.finite["euler"][0], 0.5 * (np.eye(3) - Ai.T @ G0 @ Ai), atol=1e-12)
    # volume: V0' = det P · V0
    assert r.volume_strain == pytest.approx(child.volume / (2 * TRI_REF.volume) - 1, abs=1e-12)
    assert r.volume_strain == pytest.approx(np.linalg.det(F) - 1, abs=1e-12)
    assert r.reference_mapped.a == pytest.approx(ref_m.a) and r.reference_mapped.gamma == pytest.approx(ref_m.gamma)


def test_triclinic_strain_invariants_match_applied_deformation():
    # the applied (symmetric) stretch U has eigenvalues that the linear strain reproduces to first order,
    # and the Green–Lagrange strain exactly: E = ½((I+U)ᵀ(I+U) − I) up to a rotation
    child = _tri_child()
    U = np.array([[0.004, 0.0021, -0.0013], [0.0021, -0.003, 0.0017], [-0.0013, 0.0017, 0.006]])
    r = strain(TRI_REF, child, P_TRI, finite="green")
    E_true = 0.5 * ((np.eye(3) + U).T @ (np.eye(3) + U) - np.eye(3))
    assert np.allclose(np.linalg.eigvalsh(r.finite["green"][0]), np.linalg.eigvalsh(E_true), atol=1e-12)
    assert np.allclose(r.principal, np.linalg.eigvalsh(U), atol=5e-5)


def test_setting_independence_b_minus_a_c():
    # The same physical child written in the setting (a', b', c') = (b, −a, c):
    #   a' = b, b' = a, c' = c, α' = ∠(−a, c) = 180° − β, β' = ∠(b, c) = α, γ' = ∠(b, −a) = 180° − γ.
    P = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], dtype=float)
    child2 = Cell(11.98, 10.05, 15.10, 180 - 93.1, 90.0, 90.0)
    r1 = strain(REF, MONO)
    r2 = strain(REF, child2, P)
    # frame of setting 2: X' ∥ b = Y, Y' ∥ −a = −X, Z' = Z, so e'_23 = e(Y', Z') = −e13 and e'_11 = e22
    assert r2.e[1, 2] == pytest.approx(-r1.e[0, 2], abs=1e-12)
    assert r2.e[0, 0] == pytest.approx(r1.e[1, 1], abs=1e-12)
    # generally: the rotation between the two Cartesian frames maps one tensor onto the other
    R = child2.matrix() @ np.linalg.inv(MONO.matrix() @ P)
    assert np.allclose(R @ R.T, np.eye(3), atol=1e-12)
    assert np.allclose(R @ r1.e @ R.T, r2.e, atol=1e-12)
    assert np.allclose(r1.principal, r2.principal, atol=1e-12)
    assert r1.volume_strain == pytest.approx(r2.volume_strain, abs=1e-14)
    assert r1.e_ss == pytest.approx(r2.e_ss, abs=1e-14)


def _mc_sample(cell, n, rng):
    s = np.nan_to_num(cell.su_array)
    return cell.params + rng.standard_normal((n, 6)) * s


def test_su_propagation_matches_monte_carlo_closed_form():
    ref = Cell(10.0, 12.0, 15.0, 90, 90, 90, (0.002, 0.003, 0.004, None, None, None))
    child = Cell(10.05, 11.98, 15.10, 90, 93.1, 90, (0.003, 0.002, 0.005, None, 0.02, None))
    r = strain(ref, child, sb_components=("e13",))
    rng = np.random.default_rng(1)
    n = 200_000
    p0, p = _mc_sample(ref, n, rng), _mc_sample(child, n, rng)
    b = np.radians(p[:, 4])
    # closed forms in the default frame (see the first test)
    e11 = p[:, 0] / p0[:, 0] - 1
    e33 = p[:, 2] * np.sin(b) / p0[:, 2] - 1
    e13 = 0.5 * p[:, 2] * np.cos(b) / p0[:, 2]
    vs = p[:, 0] * p[:, 1] * p[:, 2] * np.sin(b) / (p0[:, 0] * p0[:, 1] * p0[:, 2]) - 1
    assert r.e_su[0, 0] == pytest.approx(e11.std(), rel=0.02)
    assert r.e_su[2, 2] == pytest.approx(e33.std(), rel=0.02)
    assert r.e_su[0, 2] == pytest.approx(e13.std(), rel=0.02)
    assert r.eps13_su == pytest.approx(e13.std(), rel=0.02)
    assert r.volume_strain_su == pytest.approx(vs.std(), rel=0.02)
    assert abs(r.e_su[0, 1]) < 1e-15  # zero by the symmetry of both cells
    assert r.has_su and not any("no standard uncertainties" in w for w in r.warnings)


def test_su_propagation_matches_monte_carlo_triclinic():
    ref = Cell(*TRI_REF.params, su=(0.001, 0.002, 0.0015, 0.01, 0.02, 0.015))
    c = _tri_child()
    child = Cell(*c.params, su=(0.002, 0.001, 0.003, 0.02, 0.01, 0.02))
    r = strain(ref, child, P_TRI, finite="green")
    rng = np.random.default_rng(7)
    n = 100_000
    mc = _compute(_mc_sample(ref, n, rng), _mc_sample(child, n, rng), P_TRI, "cstar", ("green",))
    assert np.allclose(r.e_su, mc["e"].std(axis=0), rtol=0.03)
    assert np.allclose(r.finite["green"][1], mc["green"].std(axis=0), rtol=0.03)
    assert r.volume_strain_su == pytest.approx(mc["vs"].std(), rel=0.03)
    assert r.e_ss_su == pytest.approx(mc["e_ss"].std(), rel=0.03)
    assert np.allclose(r.principal_su, mc["principal"].std(axis=0), rtol=0.03)


def test_missing_su_is_said_not_zero():
    r = strain(REF, MONO)
    assert not r.has_su
    assert np.all(np.isnan(r.e_su)) and math.isnan(r.eps13_su)
    assert any("no standard uncertainties" in w for w in r.warnings)
    d = r.to_dict()
    assert d["e"]["su"] is None and d["eps13"]["su"] is None
    # only the child has s.u.'s: propagated from it, and the missing reference contribution is named
    child = Cell(10.05, 11.98, 15.10, 90, 93.1, 90, (0.003, 0.002, 0.005, None, 0.02, None))
    r = strain(REF, child, labels=("ref.cif", "child.cif"))
    assert r.has_su and r.e_su[0, 0] == pytest.approx(0.003 / 10, rel=1e-6)
    assert any(w.startswith("ref.cif: the cell has no standard uncertainties") for w in r.warnings)


def test_no_reference_approximation():
    child = Cell(10.05, 11.98, 15.10, 90, 93.1, 90, (0.003, 0.002, 0.005, None, 0.02, None))
    r = strain(None, child)
    assert r.eps13 == pytest.approx(0.5 * math.cos(D(93.1)), abs=1e-15)
    assert r.eps13_su == pytest.approx(0.5 * math.sin(D(93.1)) * D(0.02), rel=1e-12)
    assert "c0 = c" in r.eps13_definition and "c0 = c" in r.reference_kind
    assert math.isnan(r.volume_strain) and np.all(np.isnan(r.e))
    assert "eps13_not_monoclinic" not in {w.record.code for w in r.warnings}
    rhombohedral = strain(None, Cell(5.47, 5.47, 5.47, 53.74, 53.74, 53.74))  # V2O3 (ICSD 647605), R-3c
    assert rhombohedral.eps13 == pytest.approx(0.5 * math.cos(D(53.74)), abs=1e-15)  # 0.2957: the value stays
    assert "eps13_not_monoclinic" in {w.record.code for w in rhombohedral.warnings}


def test_frame_and_to_frame_and_summary():
    r = strain(REF, MONO, sb_components=["e13"])
    df = r.to_frame()
    assert df.loc[0, "frame"] == "cstar"
    assert df.loc[0, "e13"] == pytest.approx(r.e[0, 2])
    text = r.summary()
    assert "frame: cstar" in text and "symmetry-breaking: e13" in text


def test_bad_input():
    with pytest.raises(SymstrainInputError, match="incompatible"):
        strain(REF, Cell(20.0, 12.0, 15.0, 90, 90, 90))  # doubled a without a P that says so
    with pytest.raises(SymstrainInputError, match="incompatible"):
        strain(REF, Cell(12.0, 10.0, 15.0, 90, 90, 90))  # a and b exchanged: a lattice mismatch, not a strain
    with pytest.raises(SymstrainInputError, match="left-handed"):
        strain(REF, MONO, np.diag([1.0, 1.0, -1.0]))
    with pytest.raises(SymstrainInputError, match="singular"):
        strain(REF, MONO, np.zeros((3, 3)))
    with pytest.raises(SymstrainInputError, match="frame"):
        strain(REF, MONO, frame="b")
    with pytest.raises(SymstrainInputError, match="e14"):
        strain(REF, MONO, sb_components=("e14",))
    with pytest.raises(SymstrainInputError, match="impossible"):
        strain(REF, Cell(10, 12, 15, 90, 190, 90))
    # with the right P the doubled cell is fine
    r = strain(REF, Cell(20.0, 12.0, 15.0, 90, 90, 90), np.diag([2.0, 1.0, 1.0]))
    assert np.allclose(r.e, 0, atol=1e-14)


def test_relation_input():
    from symstrain.phase import Phase, SpaceGroupInfo
    from symstrain.relation import Relation

    parent = Phase(REF, SpaceGroupInfo.from_symbol("P c c n"), (), source="ls.cif")
    child = Phase(MONO, SpaceGroupInfo.from_symbol("P 1 21/c 1"), (), source="hs.cif")
    rel = Relation(parent, child, np.eye(3), np.zeros(3), 2, 2, 1, "t", "mmm", "2/m", (), 2, 1, "mmmF2/m",
                   True, False, ("e13",), ("e11", "e22", "e33"))
    r = strain(rel)
    assert r.reference_label == "ls.cif" and r.child_label == "hs.cif"
    assert r.sb_components == ("e13",)
    assert r.e_sb == pytest.approx(math.sqrt(2) * abs(0.5 * 15.10 * math.cos(D(93.1)) / 15))


@pytest.fixture
def lawsonite():
    if not LAWSONITE.is_dir():
        pytest.skip("../shared/cifs/lawsonite not present")
    cif = pytest.importorskip("symstrain.cif")
    return lambda n: cif.read_cif(str(LAWSONITE / f"{n}.cif"))


def test_lawsonite_pmcn_against_cmcm(lawsonite):
    parent, child = lawsonite(9002551), lawsonite(9002549)
    r = strain(parent, child)  # P = identity for these files
    assert r.e[0, 0] == pytest.approx(5.85539 / 5.8543 - 1, abs=1e-9)
    assert r.e[1, 1] == pytest.approx(8.79152 / 8.79679 - 1, abs=1e-9)
    assert r.e[2, 2] == pytest.approx(13.1326 / 13.1387 - 1, abs=1e-9)
    assert abs(r.e[0, 2]) < 1e-12 and r.eps13 == pytest.approx(0, abs=1e-12)
    assert r.volume_strain == pytest.approx(676.037 / 676.630 - 1, abs=2e-6)  # volumes as printed in the files
    # Pmcn (mmm) holds the shears at 0: exactly 0 with s.u. 0; the other s.u.'s are unknown (no input s.u.)
    assert not r.has_su and r.zero_by_symmetry == ("e23", "e13", "e12") and r.eps13 == 0.0 == r.eps13_su
    assert np.isnan(np.diag(r.e_su)).all() and (r.e_su[~np.eye(3, dtype=bool)] == 0).all()
    assert (r.e[~np.eye(3, dtype=bool)] == 0).all()
    assert any("no standard uncertainties" in w for w in r.warnings)


def test_split_with_combined_components_tetragonal_to_orthorhombic():
    # 4/mmm → mmm (same axes): the symmetry-breaking strain is e11 − e22; the parent allows e11 + e22 and e33.
    ref = Cell(10.0, 10.0, 15.0, 90, 90, 90)
    child = Cell(10.02, 9.97, 15.01, 90, 90, 90)
    e11, e22, e33 = 0.002, -0.003, 0.01 / 15
    r = strain(ref, child, sb_components=("e11-e22",), nsb_components=("e11+e22", "e33"))
    assert r.split["e11-e22"][0] == pytest.approx(e11 - e22, abs=1e-12)
    assert r.split["e11+e22"][0] == pytest.approx(e11 + e22, abs=1e-12)
    # projections with the Frobenius metric: onto (1,−1,0…)/√2 and onto span{(1,1,0…)/√2, e33}
    assert r.e_sb == pytest.approx(abs(e11 - e22) / math.sqrt(2), abs=1e-12)
    assert r.e_nsb == pytest.approx(math.sqrt((e11 + e22) ** 2 / 2 + e33**2), abs=1e-12)
    assert r.e_sb**2 + r.e_nsb**2 == pytest.approx(r.e_ss**2, rel=1e-10)
    # default non-symmetry-breaking part: the orthogonal complement, named simply
    r2 = strain(ref, child, sb_components=("e11-e22",))
    assert r2.nsb_components[0] == "e11+e22" and r2.e_nsb == pytest.approx(r.e_nsb, abs=1e-12)


def test_split_su_matches_monte_carlo():
    ref = Cell(10.0, 12.0, 15.0, 90, 90, 90, (0.002, 0.003, 0.004, None, None, None))
    child = Cell(10.05, 11.98, 15.10, 90, 93.1, 90, (0.003, 0.002, 0.005, None, 0.02, None))
    r = strain(ref, child, sb_components=("e13",))
    rng = np.random.default_rng(4)
    p0, p = _mc_sample(ref, 100_000, rng), _mc_sample(child, 100_000, rng)
    e13 = 0.5 * p[:, 2] * np.cos(np.radians(p[:, 4])) / p0[:, 2]
    assert r.e_sb == pytest.approx(math.sqrt(2) * abs(r.e[0, 2]), rel=1e-12)
    assert r.e_sb_su == pytest.approx(math.sqrt(2) * e13.std(), rel=0.02)


def test_package_level_name_is_callable():
    import importlib

    import symstrain

    importlib.import_module("symstrain.spontaneous_strain")
    assert symstrain.strain(REF, MONO).eps13 == pytest.approx(strain(REF, MONO).eps13)


def test_lawsonite_through_relate(lawsonite):
    relation = pytest.importorskip("symstrain.relation")
    if not hasattr(relation, "relate"):
        pytest.skip("relate() not available yet")
    rel = relation.relate(lawsonite(9002551), lawsonite(9002549))
    r = strain(rel)
    assert np.allclose(r.P, np.eye(3))
    assert r.sb_components == () and r.e_sb == 0.0  # mmm kept: no symmetry-breaking strain
    assert r.e_nsb == pytest.approx(r.e_ss, rel=1e-9)
    assert not r.has_su


# ------------------------------------------------------------------------------------------------ command line

LS_CIF = """data_ls
_cell_length_a 10.000(2)
_cell_length_b 12.000(3)
_cell_length_c 15.000(4)
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P c c n'
_diffrn_ambient_temperature 100
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Fe1 Fe 0.1234 0.2345 0.3456
"""
HS_CIF = (LS_CIF.replace("data_ls", "data_hs").replace("10.000(2)", "10.050(3)").replace("12.000(3)", "11.980(2)")
          .replace("15.000(4)", "15.100(5)").replace("_cell_angle_beta 90", "_cell_angle_beta 93.10(2)")
          .replace("'P c c n'", "'P 1 21/c 1'").replace("temperature 100", "temperature 300"))


@pytest.fixture
def seed_pair(tmp_path):
    ls, hs = tmp_path / "ls.cif", tmp_path / "hs.cif"
    ls.write_text(LS_CIF)
    hs.write_text(HS_CIF)
    return str(ls), str(hs)


def _run(capsys, *argv):
    from symstrain.cli import main

    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_strain_seed_pair_json(capsys, seed_pair):
    import json

    rc, out, err = _run(capsys, "strain", *seed_pair, "--json", "--finite", "green")
    assert rc == 0 and err == ""
    d = json.loads(out)
    e13 = 0.5 * 15.10 * math.cos(D(93.1)) / 15
    assert d["components"]["e13"]["value"] == pytest.approx(e13, abs=1e-12)
    # s.u. of e13 from σc = 0.005, σc0 = 0.004, σβ = 0.02° (first order, closed form)
    b = D(93.1)
    s = math.sqrt((0.5 * math.cos(b) / 15 * 0.005) ** 2 + (e13 / 15 * 0.004) ** 2
                  + (0.5 * 15.10 * math.sin(b) / 15 * D(0.02)) ** 2)
    assert d["components"]["e13"]["su"] == pytest.approx(s, rel=1e-5)
    assert d["relation"]["strain_components"]["symmetry_breaking"] == ["e13"]
    assert d["split"]["symmetry_breaking"] == ["e13"] and d["frame"] == "cstar"
    assert d["has_su"] is True and "green" in d["finite"]


def test_cli_strain_text_frames_and_overrides(capsys, seed_pair):
    rc, out, _ = _run(capsys, "strain", *seed_pair, "--frame", "c")
    assert rc == 0 and "frame: c — Z ∥ c" in out
    rc, out, _ = _run(capsys, "strain", *seed_pair, "--P", "a,b,c", "--sb", "e13")
    assert rc == 0 and "symmetry-breaking: e13" in out
    rc, out, _ = _run(capsys, "strain", seed_pair[1], "--no-reference")
    assert rc == 0 and "c0 = c" in out
    # parent and child swapped: not a subgroup → the answer "no" with the reason, exit 1
    rc, out, err = _run(capsys, "strain", seed_pair[1], seed_pair[0])
    assert rc == 1 and err == "" and "relation does not hold" in out and "the reverse holds" in out
    # a P that maps a onto b: the lattices do not correspond
    rc, out, err = _run(capsys, "strain", *seed_pair, "--P", "b,-a,c")
    assert rc == 2 and "incompatible" in err and err.count("\n") == 1
    rc, out, err = _run(capsys, "strain", *seed_pair, "--P", "a,b")
    assert rc == 2 and "--P" in err


def test_cli_strain_with_baseline_reference(capsys, seed_pair, tmp_path):
    import json

    f = tmp_path / "ls_cells.csv"
    rows = ["T,a,b,c,a_su,b_su,c_su"] + [f"{T},{9.99 + 1e-4 * T:.6f},{12.0:.6f},{14.97 + 3e-4 * T:.6f},1e-4,1e-4,1e-4"
                                         for T in range(100, 201, 20)]
    f.write_text("\n".join(rows) + "\n")
    rc, out, err = _run(capsys, "strain", *seed_pair, "--reference-cells", str(f), "--json")
    assert rc == 0, err
    d = json.loads(out)
    ref = d["reference_cell"]
    assert ref["a"]["value"] == pytest.approx(9.99 + 0.03, abs=1e-9)
    assert ref["c"]["value"] == pytest.approx(14.97 + 0.09, abs=1e-9)
    assert ref["a"]["su"] > 0 and "extrapolated 100 K" in d["reference_kind"]
    assert d["components"]["e13"]["value"] == pytest.approx(0.5 * 15.10 * math.cos(D(93.1)) / 15.06, abs=1e-12)


def test_parse_P():
    import importlib

    cli = importlib.import_module("symstrain.cli.strain")
    assert np.array_equal(cli.parse_P("b,-a,c"), [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    assert np.array_equal(cli.parse_P("a-b, a+b, 2c"), [[1, 1, 0], [-1, 1, 0], [0, 0, 2]])
    assert np.allclose(cli.parse_P("1/2a+1/2b,-1/2a+1/2b,c"), [[0.5, -0.5, 0], [0.5, 0.5, 0], [0, 0, 1]])
    assert np.array_equal(cli.parse_P("0,-1,0; 1,0,0; 0,0,1"), [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    for bad in ("a,b", "a,b,d", "a,b,c;1", "x"):
        with pytest.raises(SymstrainInputError):
            cli.parse_P(bad)


def test_split_is_taken_in_the_cstar_frame_whatever_the_frame():
    rs = strain(REF, MONO, sb_components=("e13",))
    rc = strain(REF, MONO, frame="c", sb_components=("e13",))
    assert rc.split["e13"][0] == pytest.approx(rs.e[0, 2], abs=1e-14)
    assert rc.e_sb == pytest.approx(rs.e_sb, abs=1e-14)
    assert rc.e[0, 2] != pytest.approx(rs.e[0, 2], abs=1e-5)  # the c-frame tensor itself differs


@pytest.mark.parametrize("parent, child", [(9002546, 9002545), (9002551, 9002545)])
def test_lawsonite_other_pairs(lawsonite, parent, child):
    relation = pytest.importorskip("symstrain.relation")
    rel = relation.relate(lawsonite(parent), lawsonite(child))
    r = strain(rel)
    p, c = lawsonite(parent).cell, lawsonite(child).cell
    assert np.allclose(np.diag(r.e), [c.a / p.a - 1, c.b / p.b - 1, c.c / p.c - 1], atol=1e-12)
    assert r.e_sb == 0.0 and r.sb_components == ()  # mmm → mm2: not ferroelastic, no symmetry-breaking strain
    assert any("no standard uncertainties" in w for w in r.warnings)
    assert r.to_dict()["e"]["su"] == [[None, 0.0, 0.0], [0.0, None, 0.0], [0.0, 0.0, None]]  # (shears 0 by symmetry)


def test_principal_directions_as_lattice_directions():
    # monoclinic against orthorhombic: one principal axis is b, i.e. [010] of the child
    r = strain(REF, MONO)
    uvw = r.principal_directions_uvw()
    k = int(np.argmin(np.abs(r.principal - r.e[1, 1])))
    assert np.allclose(uvw[:, k], [0, 1, 0], atol=1e-12)
    # in general: A·[uvw] is parallel to the Cartesian direction
    t = strain(TRI_REF, _tri_child(), P_TRI)
    X = _tri_child().matrix() @ t.principal_directions_uvw()
    cos = np.sum(X * t.principal_directions, axis=0) / np.linalg.norm(X, axis=0)
    assert np.allclose(np.abs(cos), 1, atol=1e-12)


def test_a_norm_not_resolved_from_zero_has_the_noise_as_its_su():
    """e_ss of two cells that agree is ≈ 0, and first-order propagation differentiates the norm at its tip to ≈ 0:
    the s.u. is the noise the norm carries there, √(Σ_ij σ(e_ij)²), by hand √2·σ·√(Σ 1/a_i²) for an orthogonal
    cell whose lengths have s.u. σ in both cells (no cross terms; e_ii = a_i/a0_i − 1)."""
    from symstrain.strain_kernel import pair_strains

    sigma = 0.001
    cell = Cell(10.0, 11.0, 12.0, 90, 90, 90, (sigma, sigma, sigma, None, None, None))
    # two measurements that agree to 1e-6 Å (the same numbers would be one measurement: strain 0, s.u. 0 exactly)
    other = Cell(10.000001, 11.0, 12.0, 90, 90, 90, (sigma, sigma, sigma, None, None, None))
    by_hand = math.sqrt(2) * sigma * math.sqrt(1 / 100 + 1 / 121 + 1 / 144)
    r = strain(cell, other, sb_components=("e13",))
    assert r.e_ss == pytest.approx(1e-7, rel=1e-3)
    assert r.e_ss_su == pytest.approx(by_hand, rel=1e-6)
    p = np.array([cell.params])
    s = np.array([[sigma, sigma, sigma, 0.0, 0.0, 0.0]])
    k = pair_strains(p, np.array([other.params]), s0=s, s=s)
    assert k.e_ss[0] == pytest.approx(1e-7, rel=1e-3) and k.e_ss_su[0] == pytest.approx(by_hand, rel=1e-6)
    # one measurement against itself: 0 exactly, and no uncertainty
    assert strain(cell, cell, sb_components=("e13",)).e_ss_su == 0.0 and pair_strains(p, p, s0=s, s=s).e_ss_su[0] == 0
    # far from zero the first-order rule is kept: the monoclinic pair's e_ss s.u. stays well below e_ss
    mono = Cell(10.05, 11.98, 15.10, 90, 93.1, 90, (sigma, sigma, sigma, None, 0.02, None))
    ref = Cell(10.0, 12.0, 15.0, 90, 90, 90, (sigma, sigma, sigma, None, None, None))
    m = strain(ref, mono, sb_components=("e13",))
    assert m.e_ss_su < 0.05 * m.e_ss


def test_propagate_output_by_output_is_the_stacked_jacobian_bit_for_bit():
    """propagate works output by output in place; the s.u.'s are those of the one stacked Jacobian it replaced
    (√(Σ_j σ_j²·J_j²) summed over j in order by numpy along a middle axis), bit for bit, for 0 to 12 active inputs
    and outputs of several shapes; and √(Σ σ²J²) of a linear map is its exact s.u. (oracle: by hand)."""
    from symstrain.strain_kernel import propagate

    rng = np.random.default_rng(3)
    N, n = 37, 12
    x0 = rng.normal(1.0, 0.3, (N, n))
    sigma = np.abs(rng.normal(0, 1e-3, (N, n)))
    A = rng.normal(size=(n, 5))

    def fun(X, rows):
        return {"lin": X @ A, "cube": np.sin(X[:, :4]).reshape(-1, 2, 2) ** 3, "one": np.exp(X[:, 0] * X[:, -1])}

    for active in [[], [3], [0, 7], list(range(8)), list(range(12))]:
        vals, sus = propagate(fun, x0, sigma, active)
        cols = np.asarray(active, dtype=int)
        m = len(cols)
        h = 1e-6 * np.maximum(1.0, np.abs(x0[:, cols]))
        X = np.repeat(x0[:, None, :], 2 * m + 1, axis=1)
        X[:, 1 + np.arange(m), cols] += h
        X[:, 1 + m + np.arange(m), cols] -= h
        res = fun(X.reshape(-1, n), None)
        flat = np.concatenate([np.reshape(a, (N, 2 * m + 1, -1)) for a in res.values()], axis=2)
        J = (flat[:, 1 : m + 1] - flat[:, m + 1 :]) / (2 * h)[:, :, None]
        su = np.sqrt(np.sum((sigma[:, cols] ** 2)[:, :, None] * J**2, axis=1))
        got = np.concatenate([sus[k].reshape(N, -1) for k in res], axis=1)
        assert np.array_equal(got.view(np.int64), su.view(np.int64)), active
        assert np.array_equal(np.concatenate([vals[k].reshape(N, -1) for k in res], axis=1), flat[:, 0])
        exact = np.sqrt((sigma[:, cols] ** 2) @ (A[cols] ** 2))  # a linear map: σ_y² = Σ_j σ_j² A_jk²
        assert np.allclose(sus["lin"], exact, rtol=1e-6, atol=1e-15)


def test_strain_only_gives_the_same_strain_and_su_bit_for_bit():
    """pair_strains(strain_only=True) (the thermal expansion's call) skips every quantity but e, V and V0: those and
    their s.u.'s are the full call's bit for bit (P, frames, missing s.u.'s, a row without any), the rest NaN; and
    e agrees with the deformation applied by hand (oracle: a cell stretched by known factors)."""
    from symstrain.strain_kernel import pair_strains

    rng = np.random.default_rng(8)
    N = 300
    p0 = np.column_stack([rng.uniform(5, 12, (N, 3)), rng.uniform(80, 100, (N, 3))])
    p = p0 * rng.normal(1.0, 2e-3, (N, 6))
    s0 = np.where(rng.random((N, 6)) < 0.3, np.nan, rng.uniform(1e-5, 1e-3, (N, 6)))
    s = np.where(rng.random((N, 6)) < 0.3, np.nan, rng.uniform(1e-5, 1e-3, (N, 6)))
    s[5] = np.nan
    s0[5] = np.nan
    for P, frame in ((None, "cstar"), (np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 1]]), "c")):
        full = pair_strains(p0, p, P, s0=s0, s=s, frame=frame)
        light = pair_strains(p0, p, P, s0=s0, s=s, frame=frame, strain_only=True)
        for k in ("e", "e_su", "V", "V_su", "V0", "V0_su", "valid", "has_su", "child_has_su"):
            a, b = np.asarray(getattr(full, k)), np.asarray(getattr(light, k))
            assert a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8)), k
        assert np.isnan(light.principal).all() and np.isnan(light.e_ss_su).all()
    a = np.array([10.0, 11.0, 12.0, 90.0, 90.0, 90.0])
    stretched = a * np.array([1.001, 0.998, 1.0005, 1, 1, 1])
    e = pair_strains(a[None], stretched[None], strain_only=True).e[0]
    assert np.allclose(e, [1e-3, -2e-3, 5e-4, 0, 0, 0], atol=1e-15)


def test_eps13_against_an_oblique_reference_is_flagged():
    """ε13 = ½·c·cos β / c0 is the spontaneous shear only against a reference with β = 90° in the child basis.
    Between two C2/c gypsum-like cells (β 114.1° and 114.4°) it is ½·cos β ≈ −0.2 while e13 is a few 10⁻³: a coded
    warning says so and gives e13; against an orthogonal reference there is none."""
    ref = Cell(6.28, 15.2, 6.52, 90, 114.1, 90)
    child = Cell(6.20, 15.0, 6.40, 90, 114.4, 90)
    r = strain(ref, child)
    assert r.eps13 == pytest.approx(0.5 * 6.40 * math.cos(math.radians(114.4)) / 6.52, rel=1e-9)
    w = [x for x in r.warnings if x.code == "eps13_oblique_reference"]
    assert len(w) == 1 and "β = 114.1°" in str(w[0]) and f"{r.e[0, 2]:.4g}" in str(w[0])
    ortho = strain(Cell(10.0, 12.0, 15.0, 90, 90, 90), Cell(10.05, 11.98, 15.10, 90, 93.1, 90))
    assert not [x for x in ortho.warnings if x.code == "eps13_oblique_reference"]


def test_volume_su_comes_from_its_own_cell_only():
    """A reference cell without s.u.'s has a volume without one (null, never 0), even when the child gives s.u.'s;
    the child's volume s.u. is the propagated one: for an orthogonal cell σ_V = V·√((σa/a)² + (σb/b)² + (σc/c)²)."""
    from symstrain.phase import Cell
    from symstrain.spontaneous_strain import strain

    ref = Cell(10.0, 12.0, 15.0, 90.0, 90.0, 90.0)
    child = Cell(10.1, 12.0, 15.2, 90.0, 90.0, 90.0, (0.002, 0.003, 0.004, None, None, None))
    d = strain(ref, child).to_dict()
    assert d["V0"]["su"] is None and d["V0"]["value"] == pytest.approx(1800.0)
    V = 10.1 * 12.0 * 15.2
    want = V * math.sqrt((0.002 / 10.1) ** 2 + (0.003 / 12.0) ** 2 + (0.004 / 15.2) ** 2)
    assert d["V"]["su"] == pytest.approx(want, rel=1e-6)
    back = strain(child, ref).to_dict()  # the other way round: the reference's volume has the s.u.
    assert back["V"]["su"] is None and back["V0"]["su"] == pytest.approx(want, rel=1e-6)


def test_components_zero_by_symmetry_have_su_exactly_zero():
    """Two orthogonal cells with exact 90° angles (no s.u. for them): e12, e13, e23 and ε13 are 0 whatever the
    lengths, so their s.u. is exactly 0 (the central differences give ~1e-21 of rounding noise, sweep 3: GUMMUW);
    the diagonal keeps its propagated s.u., by hand σ(e11) = (a/a0)·√((σa/a)² + (σa0/a0)²) ≈ σa/a0 for e11 = a/a0 − 1."""
    ref = Cell(8.7108, 5.1683, 10.9562, 90, 90, 90, (0.0008, 0.0005, 0.0009, None, None, None))
    child = Cell(8.7208, 5.1583, 10.9662, 90, 90, 90, (0.0008, 0.0005, 0.0009, None, None, None))
    r = strain(ref, child)
    assert r.e_su[0, 1] == 0.0 and r.e_su[0, 2] == 0.0 and r.e_su[1, 2] == 0.0 and r.eps13_su == 0.0
    a0, a = 8.7108, 8.7208
    assert r.e_su[0, 0] == pytest.approx((a / a0) * math.hypot(0.0008 / a, 0.0008 / a0), rel=1e-6)
    assert "ε13 = 0(0)" in r.summary()


def test_reference_cell_in_the_child_basis_keeps_its_su():
    """Sweep 5 (F7): the reference cell mapped into the child basis was reported without s.u.'s, even for P = I.
    For P = I they are the reference's; for P = (b, a, −c) the lengths' s.u.'s are permuted; an angle without an
    s.u. in the input has none (not 0); for P = (a + b, −a + b, c) on a reference a = 4.0(2·10⁻³) Å
    with b = a written without an s.u. (GSAS's way for a parameter the symmetry constrains: b is a's parameter,
    sweep 15): a' = √(a² + b²) = a√2 and s.u.(a') = √2·s.u.(a). (As an exact b, as it was read before, it gave
    (a/a')·s.u.(a) = s.u.(a)/√2.)"""
    from symstrain.phase import Cell
    from symstrain.spontaneous_strain import strain

    ref = Cell(4.0, 4.0, 4.1, 90, 90, 90, su=(0.002, 0.002, 0.003, None, None, None))
    child = Cell(4.01, 3.99, 4.12, 90, 90, 90, su=(0.001, 0.001, 0.001, None, None, None))
    m = strain(ref, child).to_dict()["reference_cell_in_child_basis"]
    assert [m[k]["su"] for k in ("a", "b", "c")] == pytest.approx([0.002, 0.002, 0.003], rel=1e-8)
    assert [m[k]["su"] for k in ("alpha", "beta", "gamma")] == [None, None, None]
    m = strain(ref, child, P=np.array([[0, 1, 0], [1, 0, 0], [0, 0, -1]])).to_dict()["reference_cell_in_child_basis"]
    assert [m[k]["su"] for k in ("a", "b", "c")] == pytest.approx([0.002, 0.002, 0.003], rel=1e-8)
    big = Cell(5.66, 5.64, 4.12, 90, 90, 90, su=(0.001, 0.001, 0.001, None, None, None))
    ref_single = Cell(4.0, 4.0, 4.1, 90, 90, 90, su=(0.002, None, 0.003, None, None, None))  # b = a: no own s.u.
    m = strain(ref_single, big, P=np.array([[1, -1, 0], [1, 1, 0], [0, 0, 1]])).to_dict()[
        "reference_cell_in_child_basis"]
    assert m["a"]["value"] == pytest.approx(4.0 * math.sqrt(2)) and m["c"]["su"] == pytest.approx(0.003, rel=1e-8)
    assert m["a"]["su"] == pytest.approx(0.002 * math.sqrt(2), rel=1e-6)
    no_su = strain(Cell(4.0, 4.0, 4.1, 90, 90, 90), child).to_dict()["reference_cell_in_child_basis"]
    assert all(v["su"] is None for v in no_su.values())


def test_symmetry_breaking_component_in_rhombohedral_axes_is_exact():
    """Sweep 6 (F2): Fm-3m → R-3m with the child in rhombohedral axes. The symmetry-breaking strain is the trigonal
    elongation along the 3-fold n ∥ a + b + c: E = n·nᵀ − I/3 in the child's frame (X ∥ a, Y in ab, Z ∥ c*) of the
    reference mapped into the child basis (α = 60°), by hand: n ∝ (2, 2/√3, √(2/3)), so E/E11 = (1, −1/3, −2/3;
    e23 √2/3, e13 √(2/3), e12 2/√3). Its name was written with fractions of denominator ≤ 12 (5/11, 9/11, 8/7) and the
    value computed from that rounded name, 2 % off; the name is now exact and its value Σ coefficient × e_ij."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_order import atom

    from symstrain.phase import Phase, SpaceGroupInfo
    from symstrain.relation import relate
    from symstrain.strain_math import parse_components

    a = 4.4456
    par = Phase(Cell(a, a, a, 90, 90, 90), SpaceGroupInfo.from_symbol("F m -3 m"),
                (atom("Mn", "Mn", [0, 0, 0]), atom("O", "O", [0.5, 0.5, 0.5])), source="p")
    ar = a / math.sqrt(2) * 1.002
    ch = Phase(Cell(ar, ar, ar, 60.54, 60.54, 60.54), SpaceGroupInfo.from_symbol("R -3 m:R"),
               (atom("Mn", "Mn", [0, 0, 0]), atom("O", "O", [0.5, 0.5, 0.5])), source="c")
    rel = relate(par, ch).require()
    (name,) = rel.symmetry_breaking_strain
    expected = np.array([1, -1 / 3, -2 / 3, math.sqrt(2) / 3, math.sqrt(2 / 3), 2 / math.sqrt(3)])
    assert parse_components([name])[0] == pytest.approx(expected, abs=1e-12)
    r = strain(rel)
    e = np.asarray(r.e)
    literal = float(expected @ [e[0, 0], e[1, 1], e[2, 2], e[1, 2], e[0, 2], e[0, 1]])
    assert r.split[name][0] == pytest.approx(literal, rel=1e-12, abs=1e-15)
    # the fractions 5/11, 9/11, 8/7 would give a value off by more than 1 %
    rounded = np.array([1, -1 / 3, -2 / 3, 5 / 11, 9 / 11, 8 / 7])
    assert abs(rounded @ [e[0, 0], e[1, 1], e[2, 2], e[1, 2], e[0, 2], e[0, 1]] - literal) > 0.005 * abs(literal)


def test_component_names_read_back_exactly():
    from symstrain.strain_math import parse_components
    from symstrain.tensors import name_row

    rows = np.array([[1, -1 / 3, -2 / 3, math.sqrt(2) / 3, 0, 0], [0, 1, -1, 0, 0, 0], [1, 0.5, 0, 0, 1e-7, 2.25]])
    for row in rows:
        assert parse_components([name_row(row)])[0] == pytest.approx(row, abs=1e-12)
    assert name_row(np.array([1, -1, 0, 0, 0, 0])) == "e11-e22"
    assert name_row(np.array([2, -1, -1, 0, 0, 0])) == "2*e11-e22-e33"
    assert name_row(np.array([1, 0.5, 0, 0, 0, 0])) == "e11+1/2*e22"


def test_a_coefficient_within_1e6_of_a_simple_fraction_is_named_as_that_fraction():
    """Sweep 8: a DFT hexagonal cell with a and b 1e-8 apart named its combination 'e11+0.999999998784*e22'. A
    coefficient within 1e-6 (relative) of a fraction with denominator ≤ 12 is that fraction; one that is no such
    fraction keeps its decimals (rhombohedral axes: 0.487826337, which 5/11 would have made 2 % off)."""
    from symstrain.tensors import name_row

    assert name_row(np.array([1, 0.999999998784, 0, 0, 0, 0])) == "e11+e22"
    assert name_row(np.array([1, 0, 0, 0, 0, -(1 / 3 + 2e-7)])) == "e11-1/3*e12"
    assert name_row(np.array([1, 0, 0, 0, 1e-7, 0])) == "e11+0.0000001*e13"  # (no fraction but 0 near it)
    assert name_row(np.array([0, 0, 0, 0.487826337, 1, 0])) == "0.487826337*e23+e13"
    assert name_row(np.array([1, 0, -1, 0, 0, 0.186937909607])) == "e11-e33+0.186937909607*e12"


def test_no_reference_eps13_of_a_right_angle_is_exactly_zero_in_values_and_words():
    """ε13 = ½·cos β without a reference: cos 90° in floating point is 6e-17, which the warning of a cell that is not
    monoclinic printed as "½·cos β = 3.062e-17" (sweep 8). At β = 90° exactly it is 0, in the value and the text."""
    from symstrain.phase import Cell
    from symstrain.spontaneous_strain import strain

    r = strain(None, Cell(5.0, 5.0, 7.0, 90, 90, 120))
    assert r.eps13 == 0.0 and math.copysign(1.0, r.eps13) == 1.0
    (w,) = [w for w in r.warnings if w.record.code == "eps13_not_monoclinic"]
    assert "½·cos β = 0 is" in w and "e-17" not in w
    assert strain(None, Cell(5.0, 6.0, 7.0, 90, 93.1, 90)).eps13 == pytest.approx(0.5 * math.cos(math.radians(93.1)))
