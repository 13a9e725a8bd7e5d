"""Tests of symstrain.models: the model [Fe(PM-PEA)2(NCS)2] structures.

Every check recomputes its number from the coordinates (expanded with the declared
operators, distances through the cell metric), not from the construction parameters.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from pathlib import Path

import gemmi
import numpy as np
import pytest
import spglib
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, shortest_path
from scipy.spatial import cKDTree

from symstrain.errors import SymstrainInputError
from symstrain.models import (
    MODEL_FILES,
    model_cell,
    model_pair,
    model_phase,
    write_model_cifs,
)
from symstrain.phase import Cell
from symstrain.writer import phase_to_cif_string

ROOT = Path(__file__).resolve().parents[1]
FORMULA = {"C": 42, "H": 28, "Fe": 1, "N": 6, "S": 2}
COVALENT = {"H": 0.31, "C": 0.76, "N": 0.71, "S": 1.05, "Fe": 1.32}


# ----------------------------------------------------------------------------- helpers
def expand(phase, tol=1e-4):
    """All atoms of the unit cell: (elements, labels, fractional (n, 3) in [0, 1)).

    Exact duplicates (special positions) are merged; distinct atoms closer than 0.5 Å are
    reported by the caller.
    """
    els, labs, pos = [], [], []
    for atom in phase.atoms:
        imgs = (np.einsum("nij,j->ni", phase.spacegroup.rotations, atom.xyz) + phase.spacegroup.translations) % 1.0
        kept = []
        for x in imgs:
            if all(np.abs((x - y) - np.round(x - y)).max() > tol for y in kept):
                kept.append(x)
        for x in kept:
            els.append(atom.element)
            labs.append(atom.label)
            pos.append(x)
    return np.array(els), np.array(labs), np.array(pos)


def distance(cell, f1, f2):
    """Shortest distance (Å) between fractional points through the metric, over neighbouring cells."""
    G = cell.metric()
    d = np.asarray(f1) - np.asarray(f2)
    d = d - np.round(d)
    best = math.inf
    for s in np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1])).T.reshape(-1, 3):
        v = d + s
        best = min(best, math.sqrt(v @ G @ v))
    return best


def angle(cell, f_a, f_b, f_c):
    """Angle a–b–c (degrees) from fractional coordinates (same molecule image, no wrapping)."""
    A = cell.matrix()
    u, v = A @ (np.asarray(f_a) - f_b), A @ (np.asarray(f_c) - f_b)
    return math.degrees(math.acos(np.clip(u @ v / np.linalg.norm(u) / np.linalg.norm(v), -1, 1)))


def supercell_graph(phase, reps=2):
    """Cartesian supercell (2·reps+1)³ of the expanded cell, its bond graph and molecule ids."""
    els, _, frac = expand(phase)
    A = phase.cell.matrix()
    shifts = np.array(np.meshgrid(*[np.arange(-reps, reps + 1)] * 3)).T.reshape(-1, 3)
    n = len(els)
    cart = ((frac[None, :, :] + shifts[:, None, :]).reshape(-1, 3)) @ A.T
    el = np.tile(els, len(shifts))
    rad = np.array([COVALENT[e] for e in el])
    tree = cKDTree(cart)
    pairs = tree.query_pairs(2.6, output_type="ndarray")
    d = np.linalg.norm(cart[pairs[:, 0]] - cart[pairs[:, 1]], axis=1)
    bonded = d < rad[pairs[:, 0]] + rad[pairs[:, 1]] + 0.45
    bonded &= ~((el[pairs[:, 0]] == "H") & (el[pairs[:, 1]] == "H"))
    b = pairs[bonded]
    graph = coo_matrix((np.ones(len(b)), (b[:, 0], b[:, 1])), shape=(len(el), len(el)))
    _, comp = connected_components(graph, directed=False)
    centre = int(np.flatnonzero((shifts == 0).all(axis=1))[0])
    return cart, el, comp, graph.tocsr(), slice(centre * n, (centre + 1) * n)


def intermolecular_minima(phase):
    """Shortest non-H···non-H, H···H and non-H···H distances between different molecules (Å)."""
    cart, el, comp, _, centre = supercell_graph(phase)
    tree = cKDTree(cart)
    idx = np.arange(len(el))[centre]
    out = {"XX": math.inf, "HH": math.inf, "XH": math.inf}
    for i, nbrs in zip(idx, tree.query_ball_point(cart[idx], 3.5)):
        nbrs = np.array([j for j in nbrs if comp[j] != comp[i]], dtype=int)
        if len(nbrs) == 0:
            continue
        d = np.linalg.norm(cart[nbrs] - cart[i], axis=1)
        h_i, h_j = el[i] == "H", el[nbrs] == "H"
        for key, mask in (("XX", ~h_j if not h_i else np.zeros_like(h_j)), ("HH", h_j if h_i else np.zeros_like(h_j)),
                          ("XH", h_j if not h_i else ~h_j)):
            if mask.any():
                out[key] = min(out[key], float(d[mask].min()))
    return out


def molecules_in_cell(phase):
    """Element counts of each molecule with an atom in the central cell (found by bonds)."""
    _, el, comp, _, centre = supercell_graph(phase)
    ids = set(comp[centre])
    return [Counter(el[comp == c]) for c in ids]


def spglib_number(phase, symprec=0.01):
    els, _, frac = expand(phase)
    numbers = [gemmi.Element(e).atomic_number for e in els]
    with warnings.catch_warnings():  # spglib 2.x warns about its old error handling on every call
        warnings.simplefilter("ignore", DeprecationWarning)
        data = spglib.get_symmetry_dataset((phase.cell.matrix().T, frac, numbers), symprec=symprec)
    return data.number


@pytest.fixture(scope="module")
def pair():
    return model_pair()


def fe_n_distances(phase):
    els, _, frac = expand(phase)
    fe = frac[els == "Fe"]
    out = []
    for f in fe:
        ds = sorted(distance(phase.cell, f, g) for g, e in zip(frac, els) if e == "N")
        out.append(ds[:7])
    return np.array(out)


# ----------------------------------------------------------------------------- tests
def test_declared_groups_settings_and_asymmetric_units(pair):
    ls, hs = pair
    assert ls.spacegroup.number == 56 and ls.spacegroup.hm == "P c c n"
    assert hs.spacegroup.number == 14 and hs.spacegroup.hm == "P 1 21/c 1"
    # P = identity: every P21/c operation is a Pccn operation, same origin
    pccn = {(R.tobytes(), tuple(np.round(t, 6))) for R, t in ls.spacegroup.ops()}
    assert all((R.tobytes(), tuple(np.round(t, 6))) in pccn for R, t in hs.spacegroup.ops())
    # half molecule + Fe on the axis vs whole molecule
    assert len(ls.atoms) == 1 + (42 + 28 + 6 + 2) // 2 == 40
    assert len(hs.atoms) == 79
    fe = [a for a in ls.atoms if a.element == "Fe"][0]
    assert fe.xyz[0] == 0.25 and fe.xyz[1] == 0.25  # Wyckoff 4c, on the 2-fold axis (1/4, 1/4, z)
    assert ls.temperature == 90.0 and hs.temperature == 300.0
    assert ls.z == 4 and hs.z == 4


@pytest.mark.parametrize("which", [0, 1])
def test_cell_content_is_four_formula_units_and_no_near_duplicates(pair, which):
    phase = pair[which]
    els, _, frac = expand(phase)
    assert Counter(els) == {e: 4 * n for e, n in FORMULA.items()}
    # no two distinct atoms closer than 0.5 Å (Pccn: the 2-fold images of the half molecule
    # are real atoms, not near-copies of the asymmetric unit)
    A = phase.cell.matrix()
    cart = np.vstack([(frac + s) @ A.T for s in np.array(np.meshgrid(*[[-1, 0, 1]] * 3)).T.reshape(-1, 3)])
    d, _ = cKDTree(cart).query(frac @ A.T, k=2)
    assert d[:, 1].min() > 0.5
    # each molecule, found by bonds, is one whole C42H28FeN6S2
    mols = molecules_in_cell(phase)
    assert all(m == Counter(FORMULA) for m in mols)


def test_fe_n_distances(pair):
    ls, hs = pair
    d_ls, d_hs = fe_n_distances(ls), fe_n_distances(hs)
    # six N within bonding range, the seventh far away
    assert np.all((d_ls[:, :6] > 1.95) & (d_ls[:, :6] < 2.00)) and np.all(d_ls[:, 6] > 2.8)
    assert np.all((d_hs[:, :6] > 2.15) & (d_hs[:, :6] < 2.20)) and np.all(d_hs[:, 6] > 2.8)


@pytest.mark.parametrize("which", [0, 1])
def test_thiocyanate_linear_and_n_bonded(pair, which):
    phase = pair[which]
    by = {a.label: a.xyz for a in phase.atoms}
    for half in ("A", "B") if which == 1 else ("A",):
        n, c, s = by[f"N31{half}"], by[f"C31{half}"], by[f"S31{half}"]
        assert angle(phase.cell, n, c, s) > 175.0
        assert distance(phase.cell, n, c) == pytest.approx(1.16, abs=0.01)
        assert distance(phase.cell, c, s) == pytest.approx(1.63, abs=0.01)
        assert angle(phase.cell, by["Fe1"], n, c) > 160.0


def test_ls_model_has_the_two_fold_axis_through_fe(pair):
    ls = pair[0]
    els, labs, frac = expand(ls)
    # the 2-fold along c through (1/4, 1/4): -x+1/2, -y+1/2, z maps the cell content onto itself
    img = frac * [-1, -1, 1] + [0.5, 0.5, 0]
    A = ls.cell.matrix()
    d, j = cKDTree(np.vstack([(frac + s) @ A.T for s in np.array(np.meshgrid(*[[-1, 0, 1]] * 3)).T.reshape(-1, 3)])
                   ).query((img % 1.0) @ A.T)
    assert d.max() < 1e-6
    assert np.all(els[j % len(els)] == els)
    # and the cis NCS pair is related by it: N31A's image is 2 N(CS) from Fe at the same distance
    fe = frac[labs == "Fe1"][0]
    assert np.allclose(fe[:2], [0.25, 0.25])


def test_symmetry_detected_by_spglib(pair):
    ls, hs = pair
    assert spglib_number(ls) == 56
    assert spglib_number(hs) == 14
    assert spglib_number(model_phase(1.0, 0.0)) == 56  # high spin, undistorted
    assert spglib_number(model_phase(0.0, 0.5)) == 14  # intermediate, half distorted


def test_hs_cell_beta_and_volume_strain(pair):
    ls, hs = pair
    assert hs.cell.beta == pytest.approx(93.1, abs=1e-9)
    assert ls.cell.alpha == ls.cell.beta == ls.cell.gamma == 90.0
    vs = hs.cell.volume / ls.cell.volume - 1.0
    assert vs == pytest.approx(0.05, abs=0.005)
    # LS volume per molecule in the plausible range for C42H28FeN6S2 (incl. H)
    assert 850 < ls.cell.volume / 4 < 1100


def test_no_intermolecular_clashes(pair):
    for phase in (*pair, model_phase(1.0, 0.0), model_phase(0.0, 0.5)):
        m = intermolecular_minima(phase)
        assert m["XX"] > 3.2, (phase.block, m)
        assert m["HH"] > 2.0, (phase.block, m)
        assert m["XH"] > 2.5, (phase.block, m)
        assert not any("short intermolecular contact" in w for w in phase.warnings)


def test_short_contacts_outside_the_packed_range_are_a_warning():
    # full distortion in the small low-spin cell: the invented packing fails, and says so
    phase = model_phase(-1.0, 1.0)
    m = intermolecular_minima(phase)
    assert m["HH"] < 2.0
    assert any(f"H...H {m['HH']:.2f} A" in w for w in phase.warnings)


def test_no_intramolecular_clashes_beyond_three_bonds(pair):
    for phase in pair:
        cart, el, comp, graph, centre = supercell_graph(phase)
        fe = [i for i in range(centre.start, centre.stop) if el[i] == "Fe"][0]
        mol = np.flatnonzero(comp == comp[fe])
        sub = graph[mol][:, mol]
        hops = shortest_path(sub, unweighted=True, directed=False)
        d = np.linalg.norm(cart[mol][:, None] - cart[mol][None], axis=2)
        far = hops > 3
        h = el[mol] == "H"
        assert d[far & ~h[:, None] & ~h[None, :]].min() > 2.9
        assert d[far & h[:, None] & h[None, :]].min() > 2.0
        assert d[far & (h[:, None] ^ h[None, :])].min() > 2.4


def test_order_parameter_eta_is_linear_and_antisymmetric():
    # displacement from the eta = 0 structure is exactly proportional to eta in a fixed cell,
    # and eta -> -eta is the 2-fold image (the other orientation domain)
    cell = model_cell(0.0, 0.0)
    x0 = {a.label: a.xyz for a in model_phase(0.0, 1e-12, cell=cell).atoms}
    x1 = {a.label: a.xyz for a in model_phase(0.0, 0.4, cell=cell).atoms}
    x2 = {a.label: a.xyz for a in model_phase(0.0, 0.8, cell=cell).atoms}
    xm = {a.label: a.xyz for a in model_phase(0.0, -0.4, cell=cell).atoms}
    amp = max(np.abs((x1[k] - x0[k]) @ cell.matrix().T).max() for k in x0)
    assert amp > 0.05  # a real distortion
    for k in x0:
        assert np.allclose(x2[k] - x0[k], 2 * (x1[k] - x0[k]), atol=1e-9)
        if k.endswith("A"):
            other = k[:-1] + "B"
            assert np.allclose(xm[k], x1[other] * [-1, -1, 1] + [0.5, 0.5, 0], atol=1e-9)


def test_q_sets_fe_n_and_volume_strain():
    for q in (-1.0, -0.5, 0.0, 0.5, 1.0):
        phase = model_phase(q)
        n_hs = (1 + q) / 2
        d = fe_n_distances(phase)[:, :6]
        assert np.allclose(d, 1.97 + 0.21 * n_hs, atol=1e-6)
        assert phase.cell.volume / model_phase(-1.0).cell.volume - 1 == pytest.approx(0.05 * n_hs, abs=1e-9)
    # the shear: eps13 = c cos(beta) / (2 c0) proportional to eta, beta = 93.1 at eta = 1
    c0 = model_cell(-1.0, 0.0).c
    e13 = [model_cell(-1.0, e).c * math.cos(math.radians(model_cell(-1.0, e).beta)) / (2 * c0) for e in (0.25, 0.5, 1)]
    assert e13[1] == pytest.approx(2 * e13[0], rel=1e-9) and e13[2] == pytest.approx(4 * e13[0], rel=1e-9)
    assert e13[2] == pytest.approx(0.5 * math.cos(math.radians(93.1)) / math.sin(math.radians(93.1)), rel=1e-9)
    assert model_cell(-1.0, -1.0).beta == pytest.approx(180 - 93.1)


def test_bad_parameters_raise_input_errors():
    with pytest.raises(SymstrainInputError, match="q"):
        model_phase(1.5)
    with pytest.raises(SymstrainInputError, match="eta"):
        model_phase(0.0, float("nan"))
    with pytest.raises(SymstrainInputError, match="orthogonal"):
        model_phase(0.0, 0.0, cell=Cell(20, 20, 10, 90, 92, 90))
    with pytest.raises(SymstrainInputError, match="temperature"):
        model_phase(temperature=-5)


def test_u_iso_and_determinism(pair):
    ls, hs = pair
    u = {a.label: a.u_iso for a in ls.atoms}
    assert u["Fe1"] == pytest.approx(0.02) and u["H3A"] == pytest.approx(0.024)
    assert {a.label: a.u_iso for a in hs.atoms}["C2B"] == pytest.approx(0.04)
    assert phase_to_cif_string(model_pair()[1]) == phase_to_cif_string(hs)


def test_shipped_cifs_equal_what_the_code_writes(tmp_path, pair):
    written = write_model_cifs(tmp_path)
    assert [p.name for p in written] == list(MODEL_FILES)
    for path in written:
        shipped = ROOT / "cifs" / path.name
        assert shipped.exists(), f"{shipped} missing: regenerate with write_model_cifs('cifs', overwrite=True)"
        assert shipped.read_text() == path.read_text()
    with pytest.raises(SymstrainInputError, match="refusing to overwrite"):
        write_model_cifs(tmp_path)
    # gemmi reads them back: cell, group, atoms
    for phase, path in zip(pair, written):
        small = gemmi.read_small_structure(str(path))
        assert small.spacegroup.number == phase.spacegroup.number
        assert small.cell.parameters == pytest.approx(tuple(phase.cell.params), abs=1e-5)
        sites = {s.label: s for s in small.sites}
        for a in phase.atoms:
            s = sites[a.label]
            assert np.allclose([s.fract.x, s.fract.y, s.fract.z], a.xyz, atol=1e-5)


def test_idealised_bond_lengths_and_chelate_angles(pair):
    """Every bond of the LS model has one of the documented idealised lengths."""
    ls = pair[0]
    cart, el, comp, graph, centre = supercell_graph(ls)
    fe = [i for i in range(centre.start, centre.stop) if el[i] == "Fe"][0]
    mol = np.flatnonzero(comp == comp[fe])
    g = graph[mol][:, mol].tocoo()
    lengths = Counter()
    for i, j in zip(g.row, g.col):
        pair_el = "".join(sorted((el[mol[i]], el[mol[j]])))
        d = round(float(np.linalg.norm(cart[mol[i]] - cart[mol[j]])), 2)
        lengths[(pair_el, d)] += 1
    allowed = {("CC", 1.39), ("CC", 1.43), ("CC", 1.2), ("CC", 1.46), ("CH", 0.95), ("CN", 1.39), ("CN", 1.28),
               ("CN", 1.42), ("CN", 1.16), ("CS", 1.63), ("FeN", 1.97)}
    assert set(lengths) <= allowed, set(lengths) - allowed
    assert lengths[("CC", 1.2)] == 2 and lengths[("CS", 1.63)] == 2 and lengths[("FeN", 1.97)] == 6
    assert lengths[("CH", 0.95)] == 28
    # chelate ring angles at C2 (115°) and C7 (116°), from the coordinates
    by = {a.label: a.xyz for a in ls.atoms}
    assert angle(ls.cell, by["N1A"], by["C2A"], by["C7A"]) == pytest.approx(115.0, abs=1e-6)
    assert angle(ls.cell, by["C2A"], by["C7A"], by["N8A"]) == pytest.approx(116.0, abs=1e-6)
    # bite angle N1–Fe–N8 follows from the rigid ligand: N···N = 2·d·sin(bite/2)
    nn = distance(ls.cell, by["N1A"], by["N8A"])
    assert angle(ls.cell, by["N1A"], by["Fe1"], by["N8A"]) == pytest.approx(
        math.degrees(2 * math.asin(nn / 2 / 1.97)), abs=1e-6)


def test_distortion_keeps_bonds_within_documented_stretch():
    """The linearised pattern stretches no bond by more than 0.17 % at eta = 1 (docstring claim)."""
    cell = model_cell(1.0, 0.0)
    flat = {a.label: cell.matrix() @ a.xyz for a in model_phase(1.0, 1e-12, cell=cell).atoms}
    bent = {a.label: cell.matrix() @ a.xyz for a in model_phase(1.0, 1.0, cell=cell).atoms}
    labels = list(flat)
    x0 = np.array([flat[k] for k in labels])
    x1 = np.array([bent[k] for k in labels])
    d0 = np.linalg.norm(x0[:, None] - x0[None], axis=2)
    d1 = np.linalg.norm(x1[:, None] - x1[None], axis=2)
    bonds = (d0 > 0) & (d0 < 2.3)
    stretch = d1[bonds] / d0[bonds] - 1
    assert 0.0 <= stretch.min() and stretch.max() < 0.0017
    assert np.abs(x1 - x0).max() > 0.3  # while atoms move by tenths of an Å
