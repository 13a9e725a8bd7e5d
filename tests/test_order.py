"""Symmetrisation and distortion amplitude, checked on a hand-built toy and on the model compound.

Toy (derived by hand): Pccn parent with one Fe on 4c (1/4, 1/4, z) and one O on the general position a0.
The P2₁/c child (P = identity) splits the O orbit into O1 = a0 + u and O2 = 2z·a0 − W_2z·u (a displacement
odd under the lost 2-fold axis). Averaging over {1, 2z} returns a0 exactly; each of the 4 images of O1 moves by
A_c·u and each of O2 by A_c·W_2z·u (Å, child cell matrix A_c; the two differ because 2z is not an isometry of the
monoclinic child lattice), so the amplitude is √(4|A_c u|² + 4|A_c W u|²) per parent cell (P = identity).
Fe on the 2-fold axis is displaced by v along x (odd under 2z): its 4 images in P2₁/c each move by |v|.
"""

import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.modes import decompose
from symstrain.order import symmetrize
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo
from symstrain.relation import relate

CELL_P = Cell(10.0, 12.0, 15.0, 90, 90, 90)
CELL_C = Cell(10.0, 12.0, 15.0, 90, 91.0, 90)
A0 = np.array([0.11, 0.07, 0.23])
W2Z = np.diag([-1.0, -1.0, 1.0])
T2Z = np.array([0.5, 0.5, 0.0])


def atom(label, el, xyz):
    return Atom(label, el, np.asarray(xyz, float), np.full(3, np.nan), 1.0, 0.02)


def toy(u_frac, v_frac=np.zeros(3)):
    parent = Phase(CELL_P, SpaceGroupInfo.from_symbol("P c c n"),
                   (atom("Fe1", "Fe", [0.25, 0.25, 0.1]), atom("O1", "O", A0)), source="toy-parent")
    o2 = W2Z @ A0 + T2Z - W2Z @ u_frac
    child = Phase(CELL_C, SpaceGroupInfo.from_symbol("P 1 21/c 1"),
                  (atom("Fe1", "Fe", np.array([0.25, 0.25, 0.1]) + v_frac), atom("O1", "O", A0 + u_frac),
                   atom("O2", "O", o2 % 1.0)), source="toy-child")
    return relate(parent, child)


def test_toy_amplitude_and_positions_by_hand():
    u = np.array([0.01, -0.02, 0.004])  # fractional
    d = symmetrize(toy(u))
    A = CELL_C.matrix()
    expected = np.sqrt(4 * np.sum((A @ u) ** 2) + 4 * np.sum((A @ W2Z @ u) ** 2))
    assert d.amplitude == pytest.approx(expected, rel=1e-9)
    sym = {a.label: a.xyz for a in d.symmetrized.atoms}
    # O back on a0 (or an image of it under Pccn): compare modulo the parent group
    imgs = (np.einsum("mab,b->ma", d.symmetrized.spacegroup.rotations, sym["O1"]) + d.symmetrized.spacegroup.translations) % 1
    assert np.min(np.linalg.norm(((imgs - A0 + 0.5) % 1) - 0.5, axis=1)) < 1e-9
    assert d.symmetrized.spacegroup.number == 56
    # the symmetrised cell has the parent's metric symmetry: β = 90 exactly, a, b, c kept
    assert d.symmetrized.cell.beta == pytest.approx(90.0, abs=1e-9)
    assert d.symmetrized.cell.c == pytest.approx(15.0, rel=1e-12)
    assert d.irrep == "B2g"


def test_toy_special_position_displacement():
    v = np.array([0.003, 0.0, 0.0])
    d = symmetrize(toy(np.zeros(3), v))
    v_cart = CELL_C.matrix() @ v
    assert d.amplitude == pytest.approx(np.sqrt(4) * np.linalg.norm(v_cart), rel=1e-9)
    assert d.max_displacement == pytest.approx(np.linalg.norm(v_cart), rel=1e-9)


def test_undistorted_child_has_zero_amplitude():
    d = symmetrize(toy(np.zeros(3)))
    assert d.amplitude < 1e-12 and d.irrep.startswith("none")


def test_amplitude_is_linear_in_the_distortion():
    u = np.array([0.004, 0.002, -0.003])
    a1 = symmetrize(toy(u)).amplitude
    a3 = symmetrize(toy(3 * u)).amplitude
    assert a3 / a1 == pytest.approx(3.0, rel=1e-9)


def test_too_distorted_child_is_refused():
    with pytest.raises(SymstrainInputError, match="too far from the parent symmetry"):
        symmetrize(toy(np.array([0.3, 0.0, 0.0])), max_distance=1.0)


def test_model_compound_eta_scaling_and_symmetry():
    from symstrain.models import model_phase
    from symstrain.detect import detect_symmetry

    # the model's rigid molecules sit in a cell sheared ∝ eta, so the fractional distortion is ∝ eta to first
    # order (the shear enters the Å conversion at second order: 1e-4 relative here)
    ref = model_phase(q=1, eta=0)
    amps = [symmetrize(relate(ref, model_phase(q=1, eta=e))).amplitude for e in (0.25, 0.5, 1.0)]
    assert amps[1] / amps[0] == pytest.approx(2.0, rel=1e-3)
    assert amps[2] / amps[0] == pytest.approx(4.0, rel=1e-3)
    d = symmetrize(relate(ref, model_phase(q=1, eta=0.5)))
    assert d.irrep == "B2g"  # mmm → 2/m with b unique: even under 2y and -1
    assert detect_symmetry(d.symmetrized, symprec=1e-3).number == 56


def test_order_parameters_on_a_toy_series():
    from symstrain.order import order_parameters, proportionality

    base = np.array([0.004, 0.002, -0.003])
    rels = [toy(f * base) for f in (1.0, 2.0, 3.0)]
    children = [r.child for r in rels]
    df = order_parameters(rels[0].parent, children, dmin=1.5)
    assert np.allclose(df["eta_modes"] / df["eta_modes"].iloc[0], [1, 2, 3], rtol=1e-9)
    # the toy's cells are identical: the spontaneous strain is the same for all, so eta_strain is constant
    assert np.allclose(df["eta_strain"], df["eta_strain"].iloc[0])
    # small displacements: the SB intensity fraction grows as η², so its square root ∝ η to within a few %
    c = proportionality(df, "eta_modes", "eta_intensity")
    assert c["max_rel_dev"] < 0.05 and c["r"] > 0.99


def test_order_cli_non_ferroelastic_real_series(shared_cifs, tmp_path, capsys):
    import json

    from symstrain.cli import main

    law = shared_cifs / "lawsonite"
    argv = ["order", "--json", "--out", str(tmp_path / "o"), str(law / "9002551.cif"), str(law / "9002549.cif"),
            str(law / "9002547.cif")]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    rows = d["results"]
    assert [r["T"]["value"] for r in rows] == sorted(r["T"]["value"] for r in rows)
    # Cmcm → Pmcn keeps mmm: no symmetry-breaking strain, so η² ∝ e_nsb (issue 13.5), by hand e_ii = a_i/a0_i − 1
    import gemmi

    c0 = gemmi.read_small_structure(str(law / "9002551.cif")).cell
    assert len(rows) == 2
    for r in rows:
        c = gemmi.read_small_structure(r["file"]).cell
        e = [x / x0 - 1 for x, x0 in zip((c.a, c.b, c.c), (c0.a, c0.b, c0.c))]
        assert r["coupling"] == "quadratic_nsb"
        assert r["eta_strain"]["value"] == pytest.approx(sum(x * x for x in e) ** 0.25, rel=1e-9)
    assert all(r["eta_modes"]["value"] > 0 and all(ir["zone_boundary"] for ir in r["irreps"]) for r in rows)
    assert d["proportionality"][0]["n"] == 2
    assert (tmp_path / "o" / "order.png").exists()
    # the symmetrised structures are written as CIFs that read back with the parent's group
    from symstrain.cif import read_cif

    sym = read_cif(tmp_path / "o" / "9002549_symmetrized.cif")
    assert sym.spacegroup.number == 63
    assert (tmp_path / "o" / "9002549_displacements.csv").stat().st_size > 100


def test_irrep_decomposition_of_a_two_irrep_distortion():
    """Pccn → P-1 (index 4): the O orbit splits into four P-1 sites g_k·a0 (g_k = 1, 2z, 2y, 2x). Displacing
    them by χ1(g_k)·W_k·u1 + χ2(g_k)·W_k·u2 with χ1 = B2g (+1 on 1, 2y) and χ2 = B3g (+1 on 1, 2x) makes a
    field whose B2g and B3g parts have weights |u1|² : |u2|² (orthogonal cell, so every W_k is an isometry)."""
    import gemmi

    ops = [gemmi.Op(t) for t in ("x,y,z", "-x+1/2,-y+1/2,z", "-x,y+1/2,-z+1/2", "x+1/2,-y,-z+1/2")]
    chi1, chi2 = (1, -1, 1, -1), (1, -1, -1, 1)
    u1, u2 = np.array([0.004, 0.0, 0.001]), np.array([0.0, 0.002, 0.0])
    atoms = []
    for k, op in enumerate(ops):
        W = np.array(op.rot, float) / op.DEN
        t = np.array(op.tran, float) / op.DEN
        xk = W @ A0 + t + chi1[k] * (W @ u1) + chi2[k] * (W @ u2)
        atoms.append(atom(f"O{k + 1}", "O", xk % 1.0))
    parent = Phase(CELL_P, SpaceGroupInfo.from_symbol("P c c n"), (atom("O1", "O", A0),), source="p")
    child = Phase(CELL_P, SpaceGroupInfo.from_symbol("P -1"), tuple(atoms), source="c")
    rel = relate(parent, child)
    assert rel.index == 4 and np.allclose(rel.P, np.eye(3))
    d = symmetrize(rel)
    A = CELL_P.matrix()
    n1, n2 = np.sum((A @ u1) ** 2), np.sum((A @ u2) ** 2)
    assert set(d.irrep_weights) == {"B2g", "B3g"}
    assert d.irrep_weights["B2g"] == pytest.approx(n1 / (n1 + n2), rel=1e-9)
    assert d.irrep_weights["B3g"] == pytest.approx(n2 / (n1 + n2), rel=1e-9)
    assert d.amplitude == pytest.approx(np.sqrt(8 * (n1 + n2)), rel=1e-9)


def test_order_parameters_radiation_is_passed_through():
    """η_intensity under neutrons is √(ΣI_SB/ΣI_all) of the neutron |F|² of the same reflections; the toy's
    O and Fe have different b/f ratios (5.803 vs 9.45 fm, 8 vs 26 electrons), so the value differs from X-rays."""
    from symstrain.order import order_parameters
    from symstrain.intensities import eta_intensity, predict_intensities
    from symstrain.reflection_classes import reflections

    rel = toy(np.array([0.004, 0.002, -0.003]))
    cls = reflections(rel, dmin=1.5)
    hkl = cls.table[["h", "k", "l"]].to_numpy()
    sb = (cls.table["class"] == "SB").to_numpy()
    eta = {}
    for rad in ("xray", "neutron"):
        df = order_parameters(rel.parent, [rel.child], dmin=1.5, radiation=rad)
        eta[rad] = df["eta_intensity"].iloc[0]
        assert eta[rad] == pytest.approx(eta_intensity(predict_intensities(rel.child, hkl, rad), sb), rel=1e-12)
    assert abs(eta["neutron"] / eta["xray"] - 1) > 0.05
    with pytest.raises(SymstrainInputError, match="radiation"):
        order_parameters(rel.parent, [rel.child], dmin=1.5, radiation="positron")


def test_order_cli_radiation(tmp_path, capsys):
    import json

    from symstrain.cli import main
    from symstrain.writer import write_cif

    rel = toy(np.array([0.004, 0.002, -0.003]))
    write_cif(rel.parent, tmp_path / "p.cif")
    write_cif(rel.child, tmp_path / "c.cif")
    assert main(["order", "--json", "--radiation", "neutron", "--dmin", "1.5", "--out", str(tmp_path / "o"),
                 str(tmp_path / "p.cif"), str(tmp_path / "c.cif")]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["radiation"] == "neutron" and d["results"][0]["eta_intensity"]["value"] > 0
    rc = main(["order", "--radiation", "muon", "--out", str(tmp_path / "x"), str(tmp_path / "p.cif"),
               str(tmp_path / "c.cif")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("symstrain: error: --radiation:") and err.count("\n") == 1


def test_amplitude_su_against_monte_carlo():
    """Perturb the child's sites (asymmetric unit) by their s.u.'s, re-symmetrise, and compare the spread of the
    amplitude with the first-order s.u. (monoclinic child cell, so the lost 2-fold is only nearly an isometry)."""
    from dataclasses import replace

    u = np.array([0.01, -0.02, 0.004])
    rel = toy(u)
    sig = np.array([0.0004, 0.0003, 0.0002])  # fractional s.u.'s of every coordinate
    child = replace(rel.child, atoms=tuple(replace(a, xyz_su=sig.copy()) for a in rel.child.atoms))
    rel = relate(rel.parent, child)
    d = symmetrize(rel)
    assert np.isfinite(d.amplitude_su) and d.amplitude_su > 0
    rng = np.random.default_rng(7)
    amps = []
    for _ in range(250):
        atoms = tuple(replace(a, xyz=a.xyz + rng.normal(0, sig)) for a in child.atoms)
        amps.append(symmetrize(relate(rel.parent, replace(child, atoms=atoms))).amplitude)
    # isotropic per-site s.u. in the propagation vs anisotropic draws, 250 draws (±9 % sampling): within 25 %
    assert d.amplitude_su == pytest.approx(np.std(amps), rel=0.25)
    # without s.u.'s in the file: NaN and a note, never 0
    d0 = symmetrize(toy(u))
    assert np.isnan(d0.amplitude_su) and "no coordinate s.u." in d0.warnings[0].message

def test_amplitude_in_the_symmetrised_cell_at_point_group_index_4():
    """P4/mmm → P222 (a ≠ b): the distortion measured in the symmetrised cell (a_s = b_s = √((a² + b²)/2)), as modes.

    Child built by hand from the parent's general position p0: the orbit representatives g_k·p0 + d_k over the coset
    representatives 1, 4z, −1, −4z of 222 in 4/mmm, with d_0 = d_2 = (δ, 0, 0), d_1 = d_3 = 0, so Σ W_k⁻¹·d_k = 0:
    the average over the lost cosets is the parent structure itself and the displacements are the d_k (turned by the
    operations of 222 within each orbit). Eight atoms move by δ along a: A = √8·δ·a_s (n_p = 1). In the child's own
    cell it would be √8·δ·a (4.1 here, not 4.2012): at index 2 the two metrics give one amplitude, here they do not."""
    a, b, c, delta = 4.1, 4.3, 5.0, 0.004
    p0 = np.array([0.1, 0.2, 0.3])
    reps = [np.eye(3), np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]]), -np.eye(3),
            -np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]])]
    d = [np.array([delta, 0, 0]), np.zeros(3), np.array([delta, 0, 0]), np.zeros(3)]
    assert np.allclose(sum(np.linalg.inv(W) @ dk for W, dk in zip(reps, d)), 0)
    parent = Phase(Cell(4.2, 4.2, c, 90, 90, 90), SpaceGroupInfo.from_symbol("P 4/m m m"), (atom("Si1", "Si", p0),),
                   source="toy-tetragonal")
    child = Phase(Cell(a, b, c, 90, 90, 90), SpaceGroupInfo.from_symbol("P 2 2 2"),
                  tuple(atom(f"Si{k + 1}", "Si", (W @ p0 + dk) % 1.0) for k, (W, dk) in enumerate(zip(reps, d))),
                  source="toy-orthorhombic")
    rel = relate(parent, child)
    dist = symmetrize(rel.require())
    a_s = np.sqrt((a * a + b * b) / 2)
    assert dist.amplitude == pytest.approx(np.sqrt(8) * delta * a_s, rel=1e-9)
    assert dist.max_displacement == pytest.approx(delta * a_s, rel=1e-9)
    dec = decompose(relation=dist.relation, reference="symmetrized", fixed_origin=True)
    assert dec.amplitude == pytest.approx(dist.amplitude, rel=1e-12)


def test_children_of_different_groups_are_warned_about():
    """Sweep 8: MFI's monoclinic (P2₁/n11) and para (P2₁2₁2₁) children ran as one series, their η normalised on one
    scale and compared by slopes, without a word. Children of different groups give a coded warning naming each
    group and its children; children of one group do not."""
    from symstrain.expand import expand_to_cell
    from symstrain.order import order_series

    rel1, rel2 = toy(np.array([0.004, 0.002, -0.003])), toy(np.array([0.008, 0.004, -0.006]))
    frac, _, site, _ = expand_to_cell(rel2.child)  # the second child written in P 1 (its atoms in the cell)
    p1 = Phase(CELL_C, SpaceGroupInfo.from_symbol("P 1"),
               tuple(atom(f"X{k}", rel2.child.atoms[s].element, frac[k]) for k, s in enumerate(site)), source="p1")
    codes = [w.code for w in order_series(rel1.parent, [rel1.child, rel2.child], dmin=1.5).all_warnings()]
    assert "children_differ" not in codes
    (w,) = [w for w in order_series(rel1.parent, [rel1.child, p1], dmin=1.5).all_warnings()
            if w.code == "children_differ"]
    assert "P 1 21/c 1 (14): toy-child" in w.message and "P 1 (1): p1" in w.message


def test_pearson_r_is_undefined_for_a_measure_that_does_not_vary():
    """Sweep 16: the demo gave r = 0.463 between η_strain and six equal η_modes (spread 2·10⁻¹⁶): r of rounding.
    Slope and largest deviation stay defined; r is NaN. With real variation r is Pearson's, by hand here."""
    import pandas as pd

    from symstrain.order import proportionality

    flat = pd.DataFrame({"eta_modes": 7.410649 + np.array([0, 1, 0, -1, 0, 1]) * 8.9e-16,
                         "eta_strain": [0.039157, 0.039173, 0.039188, 0.039204, 0.039219, 0.039235]})
    got = proportionality(flat)
    assert np.isnan(got["r"]) and got["n"] == 6
    assert got["slope"] == pytest.approx(flat["eta_strain"].mean() / 7.410649, rel=1e-12)
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.1, 1.9, 3.2])
    r = ((x - 2) @ (y - y.mean())) / np.sqrt(((x - 2) @ (x - 2)) * ((y - y.mean()) @ (y - y.mean())))
    assert proportionality(pd.DataFrame({"eta_modes": x, "eta_strain": y}))["r"] == pytest.approx(r, rel=1e-12)
