"""Symmetry-mode decomposition (symstrain.modes): expected values are built independently — displacement patterns
constructed as Bloch waves of known wave vectors on a model perovskite, amplitudes by hand, and a few lines of numpy
that average a structure over its lost operations — never taken from symstrain's own output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.errors import SymstrainInputError
from symstrain.modes import decompose
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo

ROOT = Path(__file__).resolve().parents[1]
LS = ROOT / "cifs" / "model_LS_Pccn_90K.cif"
HS = ROOT / "cifs" / "model_HS_P21c_300K.cif"
NAN3 = np.full(3, np.nan)


# ------------------------------------------------------------------------------------------------ oracles


def _expanded(phase: Phase):
    """Every atom of the cell from the asymmetric unit (plain numpy, merging images closer than 0.01 Å)."""
    A = phase.cell.matrix()
    xs, zs, occ = [], [], []
    for a in phase.atoms:
        imgs = (np.einsum("nij,j->ni", phase.spacegroup.rotations, a.xyz) + phase.spacegroup.translations) % 1.0
        kept = []
        for y in imgs:
            if all(np.linalg.norm(((y - k + 0.5) % 1.0 - 0.5) @ A.T) > 0.01 for k in kept):
                kept.append(y)
        xs += kept
        zs += [a.element] * len(kept)
        occ += [a.occupancy] * len(kept)
    return np.array(xs), np.array(zs), np.array(occ)


def _averaged_amplitude(child: Phase, lost_ops, n_p: float, polar=None) -> float:
    """Amplitude of the child against itself averaged over the lost operations (W, w) (child coordinates, the
    identity excluded): nearest same-element partner of each image, u = x − mean; the occupancy-weighted mean along
    the Cartesian ``polar`` direction removed."""
    x, z, occ = _expanded(child)
    A = child.cell.matrix()
    shift = np.zeros_like(x)
    for W, w in lost_ops:
        y = x @ np.asarray(W, float).T + w
        for i in range(len(x)):
            same = np.flatnonzero(z == z[i])
            d = x[same] - y[i]
            d -= np.round(d)
            j = np.argmin(np.linalg.norm(d @ A.T, axis=1))
            shift[i] += np.linalg.solve(W, d[j])
    u = (-shift / (len(lost_ops) + 1)) @ A.T
    if polar is not None:
        v = np.asarray(polar, float) / np.linalg.norm(polar)
        u -= np.outer(np.ones(len(u)), v) * ((occ @ (u @ v)) / occ.sum())
    return float(np.sqrt(np.sum(occ[:, None] * u**2) / n_p))


def _perovskite(a=3.9, c=4.1) -> Phase:
    atoms = (Atom("A", "Sr", np.zeros(3), NAN3), Atom("B", "Ti", np.array([.5, .5, .5]), NAN3),
             Atom("O1", "O", np.array([.5, .5, 0.]), NAN3), Atom("O2", "O", np.array([.5, 0., .5]), NAN3))
    return Phase(Cell(a, a, c, 90, 90, 90), SpaceGroupInfo.from_symbol("P 4/m m m"), atoms, source="model_P4mmm")


def _supercell(parent: Phase, n: int, disp) -> Phase:
    """The parent on the (n a, b, c) cell with Cartesian displacements disp(label, cell index m) (Å); its space group
    is found by spglib from the displaced atoms (an independent oracle for the child's symmetry)."""
    import spglib

    from symstrain.spacegroup import identify_operations

    x, z, _ = _expanded(parent)
    site_of = []
    for a in parent.atoms:  # one image per site here: every site of the model is a special position of mult. 1-2
        imgs = {tuple(np.round((R @ a.xyz + t) % 1.0, 6)) for R, t in parent.spacegroup.ops()}
        site_of += [a.label] * len(imgs)
    A = parent.cell.matrix()
    atoms = []
    for m in range(n):
        for xi, zi, lab in zip(x, z, site_of):
            u = np.linalg.solve(A, disp(lab, m))
            atoms.append(Atom(f"{lab}_{len(atoms)}", zi, ((xi + [m, 0, 0] + u) / [n, 1, 1]) % 1.0, NAN3))
    cell = Cell(parent.cell.a * n, parent.cell.b, parent.cell.c, 90, 90, 90)
    nums = [{"Sr": 38, "Ti": 22, "O": 8}[a.element] for a in atoms]
    sym = spglib.get_symmetry((cell.matrix().T, np.array([a.xyz for a in atoms]), nums), symprec=1e-4)
    R, t = sym["rotations"], sym["translations"] % 1.0
    ident = identify_operations(R, t, cell.matrix())
    sg = SpaceGroupInfo(ident.number, ident.hm, ident.hall, ident.hm, "symops", R.astype(int), t, ident.is_standard)
    return Phase(cell, sg, tuple(atoms), source=f"model_{n}a")


def _active(d, tol=1e-6):
    return [ir for ir in d.irreps if ir.amplitude > tol]


# ------------------------------------------------------------------------------------------------ model pair


@pytest.fixture(scope="module")
def model():
    ls, hs = read_cif(LS), read_cif(HS)
    return ls, hs, decompose(ls, hs), decompose(ls, hs, reference="symmetrized")


def _today_amplitude(ls, hs):
    """The amplitude of the Pccn → P2₁/c distortion by averaging over the lost 2-fold -x+1/2,-y+1/2,z (P = identity,
    one parent cell per child cell), written here independently of symstrain."""
    return _averaged_amplitude(hs, [(np.diag([-1, -1, 1]), np.array([0.5, 0.5, 0]))], 1.0)


def test_model_pair_one_active_symmetry_breaking_irrep_b2g(model):
    ls, hs, d, dsym = model
    expected = _today_amplitude(ls, hs)
    assert expected == pytest.approx(7.411, abs=5e-4)  # the value the issue quotes
    b2g = d.irrep("Γ:B2g")
    assert b2g.amplitude == pytest.approx(expected, abs=1e-6)
    assert dsym.irrep("Γ:B2g").amplitude == pytest.approx(expected, abs=1e-6)
    assert [ir.label for ir in d.primary] == ["Γ:B2g"]
    assert b2g.isotropy[0] == 14 and b2g.isotropy_is_child and b2g.direction == "(a)"
    assert np.allclose(b2g.k, 0) and b2g.k_label == "Γ" and not b2g.zone_boundary
    # the only other active irrep is the fully symmetric relaxation (LS → HS), secondary
    others = [ir for ir in _active(d) if ir.label != "Γ:B2g"]
    assert [ir.label for ir in others] == ["Γ:Ag"] and others[0].role == "secondary"
    assert others[0].isotropy[0] == 56  # the relaxation keeps Pccn


def test_model_pair_amplitudes_add_in_quadrature(model):
    ls, hs, d, dsym = model
    total2 = sum(ir.amplitude**2 for ir in d.irreps)
    assert d.amplitude**2 == pytest.approx(total2, rel=1e-12)
    assert abs(d.quadrature_residual) < 1e-9
    # the reference lattice of Pccn → P2₁/c (same axes) is the child's a, b, c with β made 90° (the monoclinic cell
    # averaged over mmm): the total by hand from the displacements converted back to fractions
    from symstrain.expand import expand_to_cell_ops

    frac = expand_to_cell_ops(hs)[0]
    u_frac = frac - d.reference_frac
    u_frac -= np.round(u_frac)
    occ = np.ones(len(u_frac))  # the model is fully occupied
    lengths = np.array([hs.cell.a, hs.cell.b, hs.cell.c])
    by_hand = np.sqrt(np.sum(occ[:, None] * (u_frac * lengths) ** 2) / d.n_parent_cells)
    assert d.amplitude == pytest.approx(by_hand, rel=1e-12)
    assert d.amplitude == pytest.approx(np.hypot(d.irrep("Γ:Ag").amplitude, d.irrep("Γ:B2g").amplitude), rel=1e-12)
    # against the averaged child there is no relaxation: exactly one component
    assert sum(ir.amplitude**2 for ir in dsym.irreps) == pytest.approx(dsym.amplitude**2, rel=1e-12)


def test_model_pair_b3g_in_the_rotated_setting(model):
    ls, hs, d, _ = model
    P = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]  # (b, -a, c)
    dr = decompose(ls.transformed(P), hs.transformed(P))
    assert [ir.label for ir in dr.primary] == ["Γ:B3g"]
    assert dr.irrep("Γ:B3g").amplitude == pytest.approx(d.irrep("Γ:B2g").amplitude, abs=1e-6)


def test_model_pair_strain_by_irreps(model):
    ls, hs, d, _ = model
    labels = {s.label: s for s in d.strain}
    assert set(labels) == {"Γ:Ag", "Γ:B2g"}
    e13 = labels["Γ:B2g"].tensor
    assert labels["Γ:B2g"].symmetry_breaking and not labels["Γ:Ag"].symmetry_breaking
    # B2g of mmm is the xz shear: only e13 = e31, Frobenius norm √2·|e13|
    assert np.count_nonzero(e13) == 2 and e13[0, 2] == e13[2, 0]
    assert labels["Γ:B2g"].amplitude == pytest.approx(np.sqrt(2) * abs(e13[0, 2]))
    # the monoclinic angle: ε13 ≈ ½ cos β to first order
    assert abs(e13[0, 2]) == pytest.approx(0.5 * abs(np.cos(np.radians(hs.cell.beta))), rel=0.05)


def test_model_pair_splitting_and_atoms(model):
    ls, hs, d, _ = model
    assert sum(s.n_atoms for s in d.splitting) == len(d.labels) == 316
    child_sites = [c for s in d.splitting for c, _, _ in s.child_sites]
    assert len(child_sites) == len(set(child_sites))  # each child site comes from one parent orbit
    df = d.atoms_frame()
    assert list(df.columns[:3]) == ["label", "element", "parent_site"]
    assert np.sqrt((df["u"] ** 2).sum() / d.n_parent_cells) == pytest.approx(d.amplitude)


def test_a_parent_without_atoms_falls_back_on_the_averaged_child(model):
    """A parent file with a cell and a group but no atoms: the reference is the child averaged back, said by a
    warning, and the B2g amplitude is the averaged-child oracle's."""
    from dataclasses import replace

    ls, hs, _, _ = model
    d = decompose(replace(ls, atoms=()), hs)
    assert d.reference == "symmetrized" and "no_parent_atoms" in {w.code for w in d.warnings}
    assert d.irrep("Γ:B2g").amplitude == pytest.approx(_today_amplitude(ls, hs), abs=1e-6)
    assert d.amplitude == pytest.approx(d.irrep("Γ:B2g").amplitude, rel=1e-12)  # nothing else against the average


# ------------------------------------------------------------------------------------------------ supercells


def test_x_point_mode_of_a_2a_supercell():
    par = _perovskite()
    delta = 0.1
    ch = _supercell(par, 2, lambda lab, m: np.array([0, 0, delta * np.cos(np.pi * m)]) if lab == "B" else np.zeros(3))
    d = decompose(par, ch)
    act = _active(d)
    assert len(act) == 1
    ir = act[0]
    # Σ|u|² = 2δ² in a cell of two parent cells: A = δ
    assert ir.amplitude == pytest.approx(delta, abs=1e-9) and d.amplitude == pytest.approx(delta, abs=1e-9)
    assert ir.k_label == "X" and ir.zone_boundary and ir.label.startswith("X:")
    assert sorted(map(tuple, np.abs(ir.star))) == [(0, 0.5, 0), (0.5, 0, 0)]  # two arms
    assert ir.dimension == 2 and ir.direction in ("(a,0)", "(0,a)") and ir.role == "primary"
    assert ir.isotropy[0] == ch.spacegroup.number and ir.isotropy_is_child


def test_two_x_irreps_add_in_quadrature():
    par = _perovskite()
    d1, d2 = 0.1, 0.05

    def disp(lab, m):
        s = np.cos(np.pi * m)
        return {"B": np.array([0, 0, d1 * s]), "A": np.array([d2 * s, 0, 0])}.get(lab, np.zeros(3))

    d = decompose(par, _supercell(par, 2, disp))
    act = _active(d)
    assert sorted(ir.amplitude for ir in act) == pytest.approx([d2, d1], abs=1e-9)
    assert all(ir.k_label == "X" for ir in act)
    assert d.amplitude == pytest.approx(np.hypot(d1, d2), abs=1e-9)
    assert sum(ir.amplitude**2 for ir in d.irreps) == pytest.approx(d.amplitude**2, abs=1e-12)


def test_one_third_mode_is_inside_the_zone():
    par = _perovskite()
    delta = 0.1
    ch = _supercell(par, 3, lambda lab, m: np.array([0, 0, delta * np.cos(2 * np.pi * m / 3)])
                    if lab == "B" else np.zeros(3))
    d = decompose(par, ch)
    act = _active(d)
    assert len(act) == 1
    ir = act[0]
    # u = δ, −δ/2, −δ/2 on three parent cells: A² = 1.5 δ² / 3
    assert ir.amplitude == pytest.approx(delta / np.sqrt(2), abs=1e-9)
    assert np.allclose(np.abs(ir.k), [1 / 3, 0, 0]) and ir.k_label is None and not ir.zone_boundary
    assert "zone" not in ir.label and len(ir.star) == 4 and ir.dimension == 4
    assert ir.role == "primary" and ir.isotropy_is_child


# ------------------------------------------------------------------------------------------------ k labels


# Special points as published by Hinuma, Pizzi, Kumagai, Oba & Tanaka, Comput. Mater. Sci. 128, 140 (2017) (the
# tables shipped with seekpath, band_path_data/<lattice>/points.txt), in the reciprocal basis of their primitive
# cell; the paper chooses its labels so that they agree with the crystallographic (Bilbao/CDML) convention. Their
# primitive cells (spglib's): C: a1 = (a − b)/2, a2 = (a + b)/2; F: (b + c)/2, (a + c)/2, (a + b)/2;
# I: (−a + b + c)/2, (a − b + c)/2, (a + b − c)/2 — columns below, in conventional fractional units.
_PRIM = {"P": np.eye(3), "C": np.array([[.5, .5, 0], [-.5, .5, 0], [0, 0, 1]]),
         "F": np.array([[0, .5, .5], [.5, 0, .5], [.5, .5, 0]]), "I": np.array([[-.5, .5, .5], [.5, -.5, .5], [.5, .5, -.5]])}
_HPKOT = {  # lattice (holohedry, centring): {label: primitive reciprocal coordinates}
    ("oP", "P m m m", "P", ""): {"Γ": (0, 0, 0), "X": (.5, 0, 0), "Y": (0, .5, 0), "Z": (0, 0, .5), "S": (.5, .5, 0),
                             "U": (.5, 0, .5), "T": (0, .5, .5), "R": (.5, .5, .5)},
    ("oC", "C m m m", "C", "oC1 a<b"): {"Y": (-.5, .5, 0), "T": (-.5, .5, .5), "Z": (0, 0, .5), "S": (0, .5, 0),
                             "R": (0, .5, .5)},
    ("oC", "C m m m", "C", "oC2 a>b"): {"Y": (.5, .5, 0), "T": (.5, .5, .5), "S": (0, .5, 0), "R": (0, .5, .5)},
    ("tP", "P 4/m m m", "P", ""): {"Z": (0, 0, .5), "M": (.5, .5, 0), "A": (.5, .5, .5), "R": (0, .5, .5),
                               "X": (0, .5, 0)},
    ("hP", "P 6/m m m", "P", ""): {"A": (0, 0, .5), "K": (1 / 3, 1 / 3, 0), "H": (1 / 3, 1 / 3, .5), "M": (.5, 0, 0),
                               "L": (.5, 0, .5)},
    ("cP", "P m -3 m", "P", ""): {"R": (.5, .5, .5), "M": (.5, .5, 0), "X": (0, .5, 0)},
    ("cF", "F m -3 m", "F", ""): {"X": (.5, 0, .5), "L": (.5, .5, .5), "W": (.5, .25, .75)},
    ("cI", "I m -3 m", "I", ""): {"H": (.5, -.5, .5), "P": (.25, .25, .25), "N": (0, 0, .5)},
}


@pytest.mark.parametrize("key", list(_HPKOT), ids=[f"{k[0]} {k[3]}".strip() for k in _HPKOT])
def test_k_labels_agree_with_the_published_special_points(key):
    """The k label of every special point of Hinuma et al.'s tables, converted here from their primitive reciprocal
    basis to the conventional one (k_conv = P⁻ᵀ·k_prim), and of an arm of its star moved by a reciprocal-lattice
    vector; a general point has no label."""
    from symstrain.kvectors import k_label
    from symstrain.ops import SymOps

    ltype, holohedry, letter, _ = key
    sg = SpaceGroupInfo.from_symbol(holohedry)
    cent = SymOps(sg.rotations, sg.translations).pure_translations()
    Pinv_T = np.linalg.inv(_PRIM[letter]).T
    G = np.array([1, 1, 0]) if letter in "CP" else np.array([2, 0, 0])  # a reciprocal-lattice vector
    for name, kp in _HPKOT[key].items():
        k = Pinv_T @ np.array(kp, float)
        for kk in (k, sg.rotations[-1].T @ k + G):
            got, rep = k_label(kk, sg.rotations, ltype, cent)
            assert got == name, (name, kp, kk, got)
    assert k_label(np.array([0.1, 0.23, 0.37]), sg.rotations, ltype, cent) == (None, None)


def test_order_parameter_direction_a_a_of_a_two_arm_x_mode():
    """Both arms of the X irrep of P4/mmm frozen with equal amplitude on a (2a, 2b, c) cell: Ti displaced along z by
    δ·(cos πm + cos πn) in cell (m, n). By hand: u = 2δ, 0, 0, −2δ on the four parent cells, A = √(8δ²/4) = √2·δ,
    one active irrep, direction with two equal components, (a,a) or (a,−a) in the basis of the irrep's matrices."""
    import re

    import spglib

    from symstrain.spacegroup import identify_operations

    par = _perovskite()
    delta = 0.05
    x, z, _ = _expanded(par)
    labels = ["A", "B", "O1", "O2", "O2"]  # _expanded's order: Sr, Ti, O at (½,½,0), O at (½,0,½), (0,½,½)
    assert len(x) == 5 and list(z) == ["Sr", "Ti", "O", "O", "O"]
    A = par.cell.matrix()
    atoms = []
    for m in range(2):
        for n in range(2):
            for xi, zi, lab in zip(x, z, labels):
                u = np.zeros(3) if lab != "B" else np.linalg.solve(A, [0, 0, delta * (np.cos(np.pi * m)
                                                                                      + np.cos(np.pi * n))])
                atoms.append(Atom(f"{lab}_{len(atoms)}", zi, ((xi + [m, n, 0] + u) / [2, 2, 1]) % 1.0, NAN3))
    cell = Cell(2 * par.cell.a, 2 * par.cell.b, par.cell.c, 90, 90, 90)
    nums = [{"Sr": 38, "Ti": 22, "O": 8}[a.element] for a in atoms]
    sym = spglib.get_symmetry((cell.matrix().T, np.array([a.xyz for a in atoms]), nums), symprec=1e-4)
    R, t = sym["rotations"], sym["translations"] % 1.0
    ident = identify_operations(R, t, cell.matrix())
    ch = Phase(cell, SpaceGroupInfo(ident.number, ident.hm, ident.hall, ident.hm, "symops", R.astype(int), t,
                                    ident.is_standard), tuple(atoms), source="model_2a2b")
    d = decompose(par, ch)
    act = _active(d)
    assert len(act) == 1
    ir = act[0]
    assert ir.amplitude == pytest.approx(np.sqrt(2) * delta, abs=1e-9)
    assert ir.k_label == "X" and ir.dimension == 2 and ir.role == "primary" and ir.isotropy_is_child
    assert re.fullmatch(r"\(a,-?a\)", ir.direction), ir.direction
    assert ir.isotropy[0] == ch.spacegroup.number


# ------------------------------------------------------------------------------------------------ lawsonite


def _law(shared, n):
    return read_cif(shared / "lawsonite" / f"{n}.cif")


def _moved(phase: Phase, t) -> Phase:
    from dataclasses import replace

    return replace(phase, atoms=tuple(replace(a, xyz=(a.xyz + t) % 1.0) for a in phase.atoms))


def test_lawsonite_polar_primary_irrep_free_of_the_rigid_shift(shared_cifs):
    par, ch = _law(shared_cifs, 9002546), _law(shared_cifs, 9002545)
    # independent: average over the lost inversion −x,−y,−z, remove the mean shift along a
    expected = _averaged_amplitude(ch, [(-np.eye(3), np.zeros(3))], 1.0, polar=ch.cell.matrix()[:, 0])
    assert expected == pytest.approx(0.675, abs=2e-3)
    shifted = _averaged_amplitude(ch, [(-np.eye(3), np.zeros(3))], 1.0)
    assert shifted == pytest.approx(0.741, abs=2e-3)  # what keeping the shift gives
    for child in (ch, _moved(ch, [0.1, 0, 0]), _moved(ch, [0.03, 0.5, 0])):
        for ref in ("parent", "symmetrized"):
            d = decompose(par, child, reference=ref)
            (prim,) = d.primary
            # labels are those of the standard setting: Pmcn is Pnma with a and b exchanged, so the polar irrep along
            # the file's a is B2u of Pnma (polar along its b), as Bilbao and ISODISTORT name it
            assert np.allclose(prim.k, 0) and prim.label == "Γ:B2u"
            assert prim.isotropy[0] == 33  # P2₁cn (Pna2₁): polar
            assert prim.amplitude == pytest.approx(expected, abs=1e-6)
            assert np.linalg.norm(d.polar_shift) > 0 and d.polar_shift[1] == 0 and d.polar_shift[2] == 0
            assert sum(ir.amplitude**2 for ir in d.irreps) == pytest.approx(d.amplitude**2, rel=1e-9)
    # Wyckoff splitting: the general position 8d of Pnma (Pmcn) splits into two general positions 4a of Pna2₁
    split = {s.parent_site: s for s in decompose(par, ch).splitting}
    assert split["O2"].parent_wyckoff == "8d" and [(n, w) for _, n, w in split["O2"].child_sites] == [(4, "4a")] * 2
    assert split["Ca"].parent_wyckoff == "4c" and len(split["Ca"].child_sites) == 1


def test_lawsonite_cmcm_to_pmcn_primary_at_y(shared_cifs):
    par, ch = _law(shared_cifs, 9002551), _law(shared_cifs, 9002549)
    with pytest.raises(SymstrainInputError, match=r"Al .*2\.2\d Å"):
        decompose(par, ch)  # the Cmcm files put Al at (0, 1/4, 0): no pairing for any origin
    d = decompose(par, ch, reference="symmetrized")
    (prim,) = d.primary
    assert prim.k_label == "Y" and np.allclose(prim.k, [1, 0, 0]) and prim.zone_boundary
    assert prim.isotropy[0] == 62 and prim.isotropy_is_child
    # independent: average over the lost C-centring translation
    expected = _averaged_amplitude(ch, [(np.eye(3), np.array([0.5, 0.5, 0]))], 2.0)
    assert prim.amplitude == pytest.approx(expected, abs=1e-6)


def test_lawsonite_cmcm_to_p21cn_two_primary_irreps(shared_cifs):
    par, ch = _law(shared_cifs, 9002551), _law(shared_cifs, 9002545)
    d = decompose(par, ch, reference="symmetrized")
    prim = d.primary
    assert len(prim) == 2
    assert sorted(ir.k_label for ir in prim) == ["Y", "Γ"]
    assert not any(ir.isotropy_is_child for ir in prim)  # neither alone gives P2₁cn
    assert sum(ir.amplitude**2 for ir in d.irreps) == pytest.approx(d.amplitude**2, rel=1e-9)


# ------------------------------------------------------------------------------------------------ contract, CLI


def test_to_dict_follows_the_schema(model):
    from symstrain.contract import validate

    from symstrain.cli import CommandResult, envelope

    _, _, d, _ = model
    doc = envelope("modes", CommandResult({"results": [d.to_dict()], "failed": [], "n_files": 1,
                                           "reference": "parent"}, "", warnings=d.all_warnings()))
    validate("modes", json.loads(json.dumps(doc, allow_nan=False)))


def test_cli_writes_tables_and_figure(tmp_path):
    from symstrain.cli import main

    out = tmp_path / "m"
    assert main(["modes", str(LS), str(HS), "--out", str(out)]) == 0
    for name in ("modes.csv", "modes_strain.csv", "modes.png", "model_HS_P21c_300K_displacements.csv"):
        assert (out / name).exists()
    head = (out / "model_HS_P21c_300K_displacements.csv").read_text().splitlines()[0]
    assert head.startswith("# units:") and "Å" in head and "frame" in head
    assert (out / "modes.csv").read_text().startswith("# units:")


def test_cli_basis_and_origin_given(tmp_path, capsys):
    """--P and --p as pseudo prints them: the decomposition at that correspondence and origin only (one origin
    tried, not the 8 valid ones), the same numbers as the search where it chose them; a --P whose lattice is not
    the child's is refused in one line (exit 2)."""
    import json

    from symstrain.cli import main

    def run(*extra):
        assert main(["modes", str(LS), str(HS), "--json", "--out", str(tmp_path / f"o{len(extra)}"), *extra]) == 0
        return json.loads(capsys.readouterr().out)["results"][0]

    free, given = run(), run("--P", "a,b,c", "--p", "0,0,0")
    assert free["n_origins"] == 8 and given["n_origins"] == 1
    assert given["basis_change"]["basis"] == "(a, b, c)" and given["basis_change"]["p"] == [0.0, 0.0, 0.0]
    assert given["amplitude"] == free["amplitude"]
    assert main(["modes", str(LS), str(HS), "--P", "b,-a,c", "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "model_HS_P21c_300K" in err[0] and "(b, -a, c)" in err[0]


def test_cli_series_tables_and_amplitude_against_temperature(tmp_path, monkeypatch, capsys):
    """Three children of the bundled cooling series against the LS parent: one row per child and irrep in
    modes.csv with the file's temperature (read here with gemmi), the B2g amplitude of each equal to the averaged-
    child oracle, a displacement table per child, and a figure of amplitude against T (its points checked on the
    matplotlib figure itself)."""
    import csv

    import gemmi

    from symstrain.cli import main
    from symstrain.plots import modes as plot_module

    kids = [ROOT / "cifs" / "series" / f"model_cooling_0{t}.0K.cif" for t in (240, 260, 280)]
    temps = [float(gemmi.cif.read(str(k)).sole_block().find_value("_diffrn_ambient_temperature")) for k in kids]
    figs = []
    real_save = plot_module.save_figure
    monkeypatch.setattr(plot_module, "save_figure", lambda fig, path: (figs.append(fig), real_save(fig, path))[1])
    out = tmp_path / "m"
    assert main(["modes", str(LS), *map(str, kids), "--out", str(out)]) == 0
    rows = list(csv.DictReader(line for line in (out / "modes.csv").read_text().splitlines()
                               if not line.startswith("#")))
    b2g = [r for r in rows if r["label"] == "Γ:B2g"]
    assert [float(r["T"]) for r in b2g] == temps
    ls = read_cif(LS)
    for r, k in zip(b2g, kids):
        ch = read_cif(k)
        assert float(r["amplitude"]) == pytest.approx(_today_amplitude(ls, ch), abs=1e-6)
        assert (out / f"{k.stem}_displacements.csv").exists()
    (fig,) = figs
    ax = fig.axes[0]
    assert ax.get_xlabel() == "T (K)"
    xs = {round(float(v), 6) for line in ax.get_lines() for v in np.atleast_1d(line.get_xdata())}
    assert xs == set(temps)


def test_text_shows_an_unknown_su_as_a_dash(tmp_path, shared_cifs, capsys):
    """Against the averaged child the fully symmetric irrep is exactly 0 (s.u. 0) while the file gives no s.u.'s
    for the others: the column is kept, and the unknown s.u.'s read "—", never NaN."""
    from symstrain.cli import main

    law = shared_cifs / "lawsonite"
    assert main(["modes", str(law / "9002551.cif"), str(law / "9002549.cif"), "--reference", "symmetrized",
                 "--out", str(tmp_path / "m")]) == 0
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.strip().startswith("Y:"))
    assert "amplitude_su" in text and "NaN" not in text and "—" in row
    # the fully symmetric irrep, zero by construction against the averaged child: "0", never "0.00000"
    ag = next(line for line in text.splitlines() if line.strip().startswith("Γ:Ag")).split()
    assert ag[ag.index("inactive") - 3:ag.index("inactive")] == ["0", "0", "0"]  # amplitude, its s.u., fraction
    assert "0.00000" not in text.split("strain by irreps")[0]



def test_bad_reference_is_an_input_error():
    ls, hs = read_cif(LS), read_cif(HS)
    with pytest.raises(SymstrainInputError, match="reference"):
        decompose(ls, hs, reference="nonsense")


def test_different_composition_is_named():
    from dataclasses import replace

    ls, hs = read_cif(LS), read_cif(HS)
    bad = replace(hs, atoms=tuple(replace(a, element="Ni") if a.element == "Fe" else a for a in hs.atoms))
    with pytest.raises(SymstrainInputError, match=r"Fe: 0 against 4.*Ni: 4 against 0|Ni: 4 against 0"):
        decompose(ls, bad)


def test_pairing_is_sparse_and_exact_on_a_large_cell():
    from symstrain.pairing import pair_atoms

    rng = np.random.default_rng(1)
    n = 3000
    A = np.diag([40.0, 40.0, 40.0])
    xb = rng.random((n, 3))
    z = rng.integers(1, 4, n)
    perm = rng.permutation(n)
    xa = (xb[perm] + rng.normal(scale=0.002, size=(n, 3))) % 1.0
    j, L, dist = pair_atoms(xa, z[perm], xb, z, A, 0.5)
    assert np.array_equal(j, perm)
    assert np.max(dist) < 0.5


def test_same_amplitudes_on_a_cell_with_extra_pure_translations(shared_cifs):
    """The child written on a (3a, b, c) cell whose group lists the translations (i/3, 0, 0): nothing changes."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import supercell

    par, ch = _law(shared_cifs, 9002546), _law(shared_cifs, 9002545)
    small, big = decompose(par, ch), decompose(par, supercell(ch, 3))
    assert len(big.labels) == 3 * len(small.labels)
    assert big.amplitude == pytest.approx(small.amplitude, abs=1e-9)
    assert {ir.label: round(ir.amplitude, 9) for ir in big.irreps} == {ir.label: round(ir.amplitude, 9)
                                                                      for ir in small.irreps}
    assert [ir.n_modes for ir in big.irreps] == [ir.n_modes for ir in small.irreps]


@pytest.mark.parametrize("symbol, P", [("P 4/m m m", np.diag([3, 1, 1.0])), ("P 63/m m c", np.diag([3, 3, 1.0])),
                                       ("P n m a", np.diag([1, 3, 1.0])), ("I a -3 d", np.eye(3))])
def test_real_irrep_matrices_are_representations(symbol, P):
    """Every physically irreducible representation built from spgrep is a real orthogonal homomorphism of Ĝ, and the
    set is complete (Σ dim²/ν = |Ĝ|, checked when it is built)."""
    from symstrain.irreps import build_factor_group

    fg = build_factor_group(SpaceGroupInfo.from_symbol(symbol), SpaceGroupInfo.from_symbol("P 1"), P, np.zeros(3),
                            np.eye(3) * 25, "")
    assert sum(ir.dim**2 / ir.nu for ir in fg.irreps) == pytest.approx(fg.order)
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, fg.order, size=(40, 2)):
        c = fg.index_of(fg.W[a] @ fg.W[b], fg.W[a] @ fg.w[b] + fg.w[a])
        for ir in fg.irreps:
            assert np.allclose(ir.matrices[a] @ ir.matrices[b], ir.matrices[c], atol=1e-8)
            assert np.allclose(ir.matrices[a] @ ir.matrices[a].T, np.eye(ir.dim), atol=1e-8)


def test_amplitude_su_against_monte_carlo():
    """First-order s.u.'s of the total and of each irrep's amplitude against the spread over children whose sites are
    drawn with their s.u.'s. Toy (test_order): Pccn parent (Fe on 4c, O on 8e), P2₁/c child with O1 = a0 + u + r and
    O2 = 2z·(a0 + r) − W·u: u breaks the 2-fold (B2g), r keeps it (Ag, a relaxation against the parent)."""
    from dataclasses import replace

    from test_order import A0, T2Z, W2Z, toy

    u, r = np.array([0.01, -0.02, 0.004]), np.array([0.004, 0.003, -0.002])
    rel = toy(u)
    sig = np.array([0.0004, 0.0003, 0.0002])
    moved = {"O1": A0 + u + r, "O2": (W2Z @ (A0 + r) + T2Z - W2Z @ u) % 1.0}
    child = replace(rel.child, atoms=tuple(replace(a, xyz=moved.get(a.label, a.xyz), xyz_su=sig.copy())
                                           for a in rel.child.atoms))
    rel = replace(rel, child=child)
    d = decompose(relation=rel)
    active = {ir.label: ir for ir in d.active}
    assert set(active) == {"Γ:B2g", "Γ:Ag"} and all(ir.amplitude_su > 0 for ir in active.values())
    rng = np.random.default_rng(11)
    draws = []
    for _ in range(150):
        ch = replace(child, atoms=tuple(replace(a, xyz=a.xyz + rng.normal(0, sig)) for a in child.atoms))
        dd = decompose(relation=replace(rel, child=ch))
        draws.append([dd.amplitude] + [dd.irrep(lab).amplitude for lab in active])
    spread = np.std(draws, axis=0)
    # isotropic per-site s.u. against anisotropic draws, 150 draws (±6 % sampling): within 25 %
    assert d.amplitude_su == pytest.approx(spread[0], rel=0.25)
    for lab, s in zip(active, spread[1:]):
        assert active[lab].amplitude_su == pytest.approx(s, rel=0.25), lab
    # a child without coordinate s.u.'s gets none (null), never 0, and a warning says so
    d0 = decompose(relation=toy(u))
    assert np.isnan(d0.amplitude_su) and np.isnan(d0.irrep("Γ:B2g").amplitude_su)
    assert "no_su" in {w.code for w in d0.warnings}


@pytest.mark.parametrize("n", [1, 5])
def test_child_on_a_cell_with_extra_pure_translations(n):
    """The toy pair of test_order (Pccn → P2₁/c, P = identity) with an orthogonal child cell, the child written on
    (n a, b, c) with the pure translations (i/n, 0, 0) (off the 1/48 grid at n = 5): the same physics, so the same
    irrep and amplitude as in the small cell — by hand √8·|A·u| (4 images of O1 moved by A·u and 4 of O2 by A·W·u
    per parent cell, |A·W·u| = |A·u| on an orthogonal cell), all of it in Γ B2g (u odd under the lost 2z)."""
    from symstrain.relation import relate

    from test_order import A0, CELL_P, T2Z, W2Z, atom
    from test_pseudo import _on_na

    u = np.array([0.01, -0.02, 0.004])
    parent = Phase(CELL_P, SpaceGroupInfo.from_symbol("P c c n"),
                   (atom("Fe1", "Fe", [0.25, 0.25, 0.1]), atom("O1", "O", A0)), source="toy-parent")
    small = Phase(CELL_P, SpaceGroupInfo.from_symbol("P 1 21/c 1"),
                  (atom("Fe1", "Fe", [0.25, 0.25, 0.1]), atom("O1", "O", A0 + u),
                   atom("O2", "O", (W2Z @ A0 + T2Z - W2Z @ u) % 1.0)), source="toy-child")
    d = decompose(relation=relate(parent, _on_na(small, n)))
    expected = np.sqrt(8) * np.linalg.norm(CELL_P.matrix() @ u)
    assert d.n_parent_cells == pytest.approx(n)
    assert d.amplitude == pytest.approx(expected, rel=1e-9)
    assert [(ir.label, ir.amplitude) for ir in d.active] == [("Γ:B2g", pytest.approx(expected, rel=1e-9))]


# ------------------------------------------------------------------------------------------------ low-symmetry parents


def _child_of(parent: Phase, symbol: str, lost, disp_frac) -> Phase:
    """The parent re-described in its subgroup ``symbol`` (same cell and origin) with each parent site split into the
    site x + u and its image by the lost operation (R, t), moved by −R·u: a displacement field odd under the lost
    operation (``disp_frac``(i): u of site i, fractional)."""
    R, t = lost
    atoms = []
    for i, a in enumerate(parent.atoms):
        u = disp_frac(i)
        atoms.append(Atom(a.label + "a", a.element, (a.xyz + u) % 1.0, NAN3))
        atoms.append(Atom(a.label + "b", a.element, (R @ a.xyz + t - R @ u) % 1.0, NAN3))
    return Phase(parent.cell, SpaceGroupInfo.from_symbol(symbol), tuple(atoms), source=f"model_{symbol}")


def test_monoclinic_and_triclinic_parents_give_gamma_and_mulliken_labels():
    """Γ is labelled on every lattice, so the Γ irreps of 2/m and −1 parents get their Mulliken symbols. By hand: a
    displacement field odd under P2₁/c's 2₁ (−x, y+1/2, −z+1/2) and even under its inversion (the P −1 child keeps
    it) transforms as Bg (χ(2) = −1, χ(−1) = +1) and carries all of the amplitude; one odd under the inversion of
    P −1 (the P 1 child; its sum over the atoms is zero, so no uniform polar shift is removed) transforms as Au."""
    hs = read_cif(HS)
    rng = np.random.default_rng(7)
    Ainv = np.linalg.inv(hs.cell.matrix())
    u_mono = [Ainv @ rng.normal(0, 0.02, 3) for _ in hs.atoms]
    two1 = (np.diag([-1, 1, -1]), np.array([0.0, 0.5, 0.5]))
    p1bar = _child_of(hs, "P -1", two1, lambda i: u_mono[i])
    d = decompose(hs, p1bar)
    assert [(ir.k_label, ir.mulliken, ir.label) for ir in _active(d)] == [("Γ", "Bg", "Γ:Bg")]
    assert _active(d)[0].fraction == pytest.approx(1.0, abs=1e-9)
    assert {ir.mulliken for ir in d.irreps} == {"Ag", "Bg"}  # a centrosymmetric child: the u irreps have no modes

    # P −1 → P 1: every P −1 site x + u and the inversion image −x − u moved by +u instead (odd under −1); the
    # displacements summed over the cell are zero
    inv = (-np.eye(3), np.zeros(3))
    u_tri = [Ainv @ rng.normal(0, 0.02, 3) for _ in p1bar.atoms]
    mean = np.mean(u_tri, axis=0)
    p1 = _child_of(p1bar, "P 1", inv, lambda i: u_tri[i] - mean)
    d = decompose(p1bar, p1)
    assert [(ir.k_label, ir.label) for ir in _active(d)] == [("Γ", "Γ:Au")]
    assert _active(d)[0].fraction == pytest.approx(1.0, abs=1e-9)


def _random_phase(symbol: str, cell: Cell, n_sites: int, seed: int) -> Phase:
    """``n_sites`` atoms at random general positions of ``symbol`` (a structure with no more symmetry than that)."""
    rng = np.random.default_rng(seed)
    atoms = tuple(Atom(f"{el}{i}", el, rng.uniform(0.05, 0.95, 3), NAN3)
                  for i, el in enumerate(["Fe", "O", "O", "N", "C", "C"][:n_sites]))
    return Phase(cell, SpaceGroupInfo.from_symbol(symbol), atoms, source=f"random_{symbol}")


@pytest.mark.parametrize("parent, child, lost, expected", [
    # 2 → 1: odd under the lost 2₁ (−x, y+1/2, −z): B
    ("P 1 21 1", "P 1", (np.diag([-1, 1, -1]), np.array([0.0, 0.5, 0.0])), "B"),
    # m → 1: odd under the lost c-glide (x, −y, z+1/2): A''
    ("P 1 c 1", "P 1", (np.diag([1, -1, 1]), np.array([0.0, 0.0, 0.5])), "A''"),
    # mm2 → m (the mirror ⟂ a kept): odd under the lost 2₁ (−x+1/2, −y, z+1/2), so also under the n-glide ⟂ b
    # (σ(xz)) and even under the mirror ⟂ a (σ(yz)): B2
    ("P m n 21", "P m 1 1", (np.diag([-1, -1, 1]), np.array([0.5, 0.0, 0.5])), "B2"),
])
def test_mulliken_symbols_of_polar_and_monoclinic_point_groups(parent, child, lost, expected):
    """By hand from the character tables of 2, m and mm2 (2-fold along the unique axis, mm2's along c): the
    displacement field odd under the one lost coset transforms as the irrep with χ = −1 there."""
    cell = Cell(7.1, 8.3, 9.7, 90, 101.0 if parent.startswith("P 1") else 90, 90)
    p = _random_phase(parent, cell, 6, seed=3)
    rng = np.random.default_rng(4)
    Ainv = np.linalg.inv(cell.matrix())
    u = [Ainv @ rng.normal(0, 0.03, 3) for _ in p.atoms]
    c = _child_of(p, child, lost, lambda i: u[i])
    d = decompose(p, c)
    assert [(ir.k_label, ir.mulliken) for ir in _active(d)] == [("Γ", expected)]
    assert _active(d)[0].fraction == pytest.approx(1.0, abs=1e-9)


def test_cli_child_without_atomic_distortion(tmp_path, capsys):
    """SrTiO₃-like P4/mmm and a Pmmm child with every atom on the same special positions, only the cell distorted
    (a ≠ b): no atom can move (the positions are fixed by both groups), so the amplitude is exactly 0 and there is
    no irrep. ``modes`` once failed here with an internal error (KeyError, empty irrep table, PyXtal's PbTiO₃ Pmmm);
    it must say so, exit 0 and still write modes.csv with its header."""
    from dataclasses import replace

    from symstrain.cli import main
    from symstrain.writer import write_cif

    parent = _perovskite()
    # in Pmmm, O at (1/2, 0, 1/2) and (0, 1/2, 1/2) are two sites
    atoms = parent.atoms + (Atom("O3", "O", np.array([0., .5, .5]), NAN3),)
    child = replace(parent, cell=Cell(3.9, 3.95, 4.1, 90, 90, 90), spacegroup=SpaceGroupInfo.from_symbol("P m m m"),
                    atoms=atoms, source="model_Pmmm")
    write_cif(parent, tmp_path / "p.cif")
    write_cif(child, tmp_path / "c.cif")
    assert decompose(parent, child).amplitude == 0.0
    out = tmp_path / "m"
    assert main(["modes", str(tmp_path / "p.cif"), str(tmp_path / "c.cif"), "--out", str(out)]) == 0
    assert "no atomic distortion" in capsys.readouterr().out
    lines = (out / "modes.csv").read_text().splitlines()
    assert lines[0].startswith("# units:") and lines[1].startswith("file,block,T,T_su,label,")
    assert len(lines) == 2


def test_undistorted_child_has_exactly_zero_amplitude():
    """The Pccn model declared as its P2₁/c subgroup (each Pccn orbit written as two P2₁/c sites: x and 2z·x) is not
    distorted at all: the amplitude is exactly 0 and so is every irrep's, with fraction 0. The averaging left
    ~5e-15 Å of rounding, shared out as 'fractions' 0.014 and 0.22 of Ag and B2g (PyXtal's I-4c2 NAlF₄, truly
    I4/mcm, gave A1g 'fraction 0.45' of a 3e-16 Å amplitude)."""
    from dataclasses import replace

    from symstrain.models import model_phase

    ls = model_phase(q=-1, eta=0.0)
    W, w = np.diag([-1, -1, 1]), np.array([0.5, 0.5, 0.0])  # Pccn's 2z, lost in P2₁/c
    atoms = ls.atoms + tuple(replace(a, label=a.label + "b", xyz=(W @ a.xyz + w) % 1.0) for a in ls.atoms)
    child = replace(ls, spacegroup=SpaceGroupInfo.from_symbol("P 1 21/c 1"), atoms=atoms, source="ls-as-p21c")
    d = decompose(ls, child, reference="symmetrized")
    assert d.amplitude == 0.0
    assert d.irreps and all(ir.amplitude == 0.0 and ir.fraction == 0.0 for ir in d.irreps)


#: Bilbao's special points (KVEC; conventional reciprocal coordinates of the standard setting) of the lattices the
#: HPKOT comparison above does not cover, with their CDML labels, and, by hand, another point of each label's class
#: (a reciprocal-lattice vector of the centred lattice away, or another arm of the star)
_BILBAO = {
    ("aP", "P -1"): {"X": (.5, 0, 0), "Y": (0, .5, 0), "Z": (0, 0, .5), "V": (.5, .5, 0), "U": (.5, 0, .5),
                     "T": (0, .5, .5), "R": (.5, .5, .5)},
    ("mP", "P 1 2/m 1"): {"Y": (.5, 0, 0), "Z": (0, .5, 0), "B": (0, 0, .5), "C": (.5, .5, 0), "A": (.5, 0, .5),
                          "D": (0, .5, .5), "E": (.5, .5, .5)},
    ("mC", "C 1 2/m 1"): {"Y": (0, 1, 0), "A": (0, 0, .5), "M": (0, 1, .5), "V": (.5, .5, 0), "L": (.5, .5, .5)},
    ("oI", "I m m m"): {"X": (1, 1, 1), "R": (.5, 0, .5), "S": (0, .5, .5), "T": (.5, .5, 0), "W": (.5, .5, .5)},
    ("oF", "F m m m"): {"T": (1, 0, 0), "Y": (0, 1, 0), "Z": (0, 0, 1), "L": (.5, .5, .5)},
    ("tI", "I 4/m m m"): {"M": (1, 1, 1), "N": (.5, 0, .5), "P": (.5, .5, .5), "X": (.5, .5, 0)},
    ("hR", "R -3 m:H"): {"F": (0, .5, 1), "L": (-.5, .5, .5), "T": (0, 0, 1.5)},
}
_BY_HAND = {  # (lattice, point): its label, derived here from the centring or a rotation of the holohedry
    ("mC", (1, 0, 0)): "Y",  # (1, 0, 0) − (0, 1, 0) = (1, −1, 0), h + k even: a C-lattice reciprocal vector
    ("oI", (0, 0, 1)): "X",  # (1, 1, 1) − (0, 0, 1) = (1, 1, 0), h + k + l even: an I-lattice reciprocal vector
    ("oI", (1, 0, 0)): "X",
    ("tI", (0, 0, 1)): "M",
    ("tI", (0, .5, .5)): "N",  # the 4-fold turns (1/2, 0, 1/2) into (0, 1/2, 1/2)
    ("mP", (-.5, 0, .5)): "A",  # (1, 0, 0) away
    ("oF", (1, 1, 1)): "Γ",  # h, k, l all odd: an F-lattice reciprocal vector
}


@pytest.mark.parametrize("key", list(_BILBAO), ids=[k[0] for k in _BILBAO])
def test_k_labels_of_the_other_lattices_are_bilbaos(key):
    from symstrain.kvectors import k_label, lattice_type
    from symstrain.ops import SymOps

    ltype, symbol = key
    sg = SpaceGroupInfo.from_symbol(symbol)
    cent = SymOps(sg.rotations, sg.translations).pure_translations()
    assert lattice_type(sg.number, symbol[0]) == ltype
    for name, k in _BILBAO[key].items():
        assert k_label(np.array(k, float), sg.rotations, ltype, cent)[0] == name, (ltype, name, k)
    for (lt, k), name in _BY_HAND.items():
        if lt == ltype:
            assert k_label(np.array(k, float), sg.rotations, ltype, cent)[0] == name, (ltype, name, k)
    assert k_label(np.array([0.1, 0.23, 0.37]), sg.rotations, ltype, cent) == (None, None)


def test_a_rhombohedral_parent_in_rhombohedral_axes_gets_no_hexagonal_labels():
    """In rhombohedral axes the cell has no centring: the lattice is still hR (before: hP, and the hexagonal
    lattice's labels — A at (0, 0, 1/2) — were given to points they do not name), and the table, written in
    hexagonal axes, does not apply: Γ only."""
    from symstrain.kvectors import k_label, lattice_type
    from symstrain.ops import SymOps

    sg = SpaceGroupInfo.from_symbol("R -3 m:R")
    cent = SymOps(sg.rotations, sg.translations).pure_translations()
    assert lattice_type(sg.number, "P") == "hR"
    assert k_label(np.array([0, 0, .5]), sg.rotations, "hR", cent) == (None, None)
    assert k_label(np.array([.5, .5, .5]), sg.rotations, "hR", cent) == (None, None)
    assert k_label(np.array([1, 0, 0]), sg.rotations, "hR", cent)[0] == "Γ"


def test_irrep_labels_are_the_standard_settings_in_any_axes(shared_cifs):
    """The same pair in other axes (Cmcm → Pmcn written as B b m m → P b n m and A m m a → P n m a) names its irreps
    as in the standard axes — k letter, number and Mulliken symbol of the standard setting — with the same amplitudes,
    and its k vectors in the file's own axes (k_new = Pᵀ·k_old). Before, B b m m gave "k=(1, 0, 0):8" for Y:4."""
    law = shared_cifs / "lawsonite"
    par, ch = read_cif(law / "9002551.cif"), read_cif(law / "9002549.cif")
    par = par.transformed(np.eye(3), (0.25, 0.25, 0.0))  # the file's Cmcm at its tabulated origin
    base = decompose(par, ch, reference="symmetrized")
    amp = lambda d: {ir.label: round(ir.amplitude, 7) for ir in d.irreps}  # noqa: E731
    (k0,) = [ir.k for ir in base.primary]
    cyclic = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]])  # (a, b, c)·P = (b, c, a)
    for P, symbol in ((cyclic, "B b m m"), (cyclic @ cyclic, "A m m a")):
        p2, c2 = par.transformed(P), ch.transformed(P)
        assert p2.spacegroup.hm == symbol
        d = decompose(p2, c2, reference="symmetrized")
        assert amp(d) == amp(base) and set(amp(d)) >= {"Y:4", "Γ:Ag"}
        (prim,) = d.primary
        assert prim.k_label == "Y" and np.allclose(np.abs(prim.k), np.abs(P.T @ k0))
    # a Γ irrep whose Mulliken symbol depends on the axes: Pmcn → P2₁cn written in the Pnma axes of the parent
    # (a, b, c)·P = (c, a, b) gives the same symbol, B2u (polar along b of Pnma, along a of the Pmcn file)
    par, ch = read_cif(law / "9002546.cif"), read_cif(law / "9002545.cif")
    swap = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert par.transformed(swap).spacegroup.hm == "P n m a"
    for a, b in ((par, ch), (par.transformed(swap), ch.transformed(swap))):
        (prim,) = decompose(a, b, reference="symmetrized").primary
        assert prim.label == "Γ:B2u"


def test_a_rhombohedral_parent_in_rhombohedral_axes_gets_the_hexagonal_labels():
    """R-3m in rhombohedral axes, every k of its doubled cell: the special points are named as Bilbao names them in
    the hexagonal axes of the standard setting (T, F, L; before: coordinates only), with the numbers of irreps at each
    that the same group in hexagonal axes gives; the k vectors stay in the file's rhombohedral axes (T = (½, ½, ½))."""
    from symstrain.irreps import build_factor_group
    from symstrain.lattice import metric

    P1 = SpaceGroupInfo.from_symbol("P 1")
    labels = {}
    for symbol, cell in (("R -3 m:R", [5.0, 5.0, 5.0, 60, 60, 60]), ("R -3 m:H", [5.0, 5.0, 12.25, 90, 90, 120])):
        fg = build_factor_group(SpaceGroupInfo.from_symbol(symbol), P1, 2 * np.eye(3), np.zeros(3),
                                metric(np.array(cell, float)), "-3m")
        labels[symbol] = {ir.label for ir in fg.irreps if ir.k_label}
        if symbol == "R -3 m:R":
            assert all(ir.k_label for ir in fg.irreps)  # every k of the doubled rhombohedral cell is special
            (t,) = {tuple(ir.k) for ir in fg.irreps if ir.k_label == "T"}
            assert np.allclose(t, [0.5, 0.5, 0.5])
        else:  # a wave vector that is no special point is its shortest copy: (0, ½, ½), not (−3, ½, ½)
            assert max(np.abs(ir.k).max() for ir in fg.irreps) <= 1.5 + 1e-9  # T = (0, 0, 3/2) is Bilbao's own
            assert "k=(0, 1/2, 1/2):1" in {ir.label for ir in fg.irreps}
    assert labels["R -3 m:R"] == labels["R -3 m:H"]
    assert {lab.split(":")[0] for lab in labels["R -3 m:R"]} == {"Γ", "T", "F", "L"}


def test_irrep_names_do_not_depend_on_the_parent_files_origin(shared_cifs):
    """COD's Cmcm lawsonite writes its operators with the origin at (1/4, 1/4, 0); the same structure re-described
    with the tabulated origin (Phase.transformed, x_old = x_new + p) must give the same irreps under the same names —
    the Pmcn order parameter was Y:7 from the shifted file and Y:4 from a standard one (AMCSD 01788) — and the same
    amplitudes to rounding."""
    from symstrain.irreps import build_factor_group

    law = shared_cifs / "lawsonite"
    shifted = read_cif(law / "9002551.cif")
    std = shifted.transformed(np.eye(3), (0.25, 0.25, 0.0))
    assert std.spacegroup.hm == "C m c m" and not np.allclose(shifted.spacegroup.translations % 1,
                                                               std.spacegroup.translations % 1)
    child = read_cif(law / "9002549.cif")  # Pmcn at 225 K, in the file's own origin
    a = decompose(shifted, child, reference="symmetrized")
    b = decompose(std, child, reference="symmetrized")
    amp = lambda d: {ir.label: round(ir.amplitude, 7) for ir in d.irreps if ir.amplitude > 1e-9}  # noqa: E731
    assert amp(a) == amp(b) and set(amp(a)) == {"Y:4"}
    # the factor groups' irreps, name by name, in both origins: same names, same dimensions, homomorphisms both
    P1 = SpaceGroupInfo.from_symbol("P 1")
    fa = build_factor_group(shifted.spacegroup, P1, np.eye(3), np.zeros(3), shifted.cell.metric(), "mmm")
    fb = build_factor_group(std.spacegroup, P1, np.eye(3), np.zeros(3), std.cell.metric(), "mmm")
    assert [(i.label, i.dim) for i in fa.irreps] == [(i.label, i.dim) for i in fb.irreps]
    rng = np.random.default_rng(1)
    for x, y in rng.integers(0, fa.order, size=(30, 2)):
        z = fa.index_of(fa.W[x] @ fa.W[y], fa.W[x] @ fa.w[y] + fa.w[x])
        for ir in fa.irreps:
            assert np.allclose(ir.matrices[x] @ ir.matrices[y], ir.matrices[z], atol=1e-8)


def test_riding_hydrogens_without_sus_count_as_exact_in_the_amplitude_su():
    """The toy with its Fe site made H (a riding hydrogen: no coordinate s.u.'s) and moved by v, the O sites with
    s.u.'s: the amplitude's s.u. is no longer unknown (sweep 30: 20 riding H left a 68-site crystal without one). Against
    a Monte Carlo that draws the O sites only, H held where it is; a warning names the H site."""
    from dataclasses import replace

    from test_order import toy

    u, v = np.array([0.01, -0.02, 0.004]), np.array([0.003, 0.0, 0.0])
    rel = toy(u, v)
    as_h = {a: replace(a, element="H", label="H1") if a.element == "Fe" else a for a in rel.parent.atoms}
    parent = replace(rel.parent, atoms=tuple(as_h.values()))
    sig = np.array([0.0004, 0.0003, 0.0002])
    child = replace(rel.child, atoms=tuple(
        replace(a, element="H", label="H1") if a.element == "Fe" else replace(a, xyz_su=sig.copy())
        for a in rel.child.atoms))
    assert np.all(np.isnan(next(a for a in child.atoms if a.element == "H").xyz_su))
    rel = replace(rel, parent=parent, child=child)
    d = decompose(relation=rel)
    assert np.isfinite(d.amplitude_su) and d.amplitude_su > 0
    notes = [w for w in d.warnings if w.code == "su_riding_h"]
    assert len(notes) == 1 and "H1" in notes[0].message and "no_su" not in {w.code for w in d.warnings}
    rng = np.random.default_rng(5)
    draws = [decompose(relation=replace(rel, child=replace(child, atoms=tuple(
        a if a.element == "H" else replace(a, xyz=a.xyz + rng.normal(0, sig)) for a in child.atoms)))).amplitude
        for _ in range(150)]
    assert d.amplitude_su == pytest.approx(np.std(draws), rel=0.25)
