"""Symmetry-breaking reflections: conditions from the operators, classes, intensities, measured data, CLI.

Expected SB sets are written out by hand from ITA's reflection conditions of the two groups
(independently of the code, which derives them from the operators); intensities are checked against
closed forms (two-atom interference, Debye–Waller factor, Laue symmetry) and the η → 0 / η² physics
of a toy Pccn structure displaced along a mode odd under the operations P2₁/c loses.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo
from symstrain.conditions import absent_mask, reflection_conditions
from symstrain.intensities import (
    class_statistics,
    classify_measured,
    eta_intensity,
    eta_series,
    measured_summary,
    predict_intensities,
    strongest,
)
from symstrain.reflection_classes import (
    check_subgroup,
    classify_reflections,
    enumerate_hkl,
    reflections,
    reflections_from_groups,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "cifs"

PCCN = SpaceGroupInfo.from_symbol("P c c n")
P21C = SpaceGroupInfo.from_symbol("P 1 21/c 1")
CELL = Cell(9.0, 10.0, 11.0, 90, 90, 90)
ID = np.eye(3)
ZERO = np.zeros(3)
# the (b, -a, c) conjugate: child a = parent b, child b = -parent a
P_CONJ = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], dtype=float)


def odd(x):
    return np.asarray(x) % 2 == 1


def box(n=7):
    r = np.arange(-n, n + 1)
    h = np.array(list(itertools.product(r, r, r)))
    return h[np.any(h != 0, axis=1)]


@pytest.fixture
def shared():
    if not SHARED.is_dir():
        pytest.skip("../shared/cifs not present")
    return SHARED


# --------------------------------------------------------------------------- conditions
def test_pccn_conditions_from_operators_match_ita():
    labels = {c.label for c in reflection_conditions(PCCN)}
    # ITA Pccn (56): 0kl: l=2n; h0l: l=2n; hk0: h+k=2n; h00: h=2n; 0k0: k=2n (00l: l=2n follows from the zonal ones)
    assert labels == {"0kl: l = 2n", "h0l: l = 2n", "hk0: h+k = 2n", "h00: h = 2n", "0k0: k = 2n"}


@pytest.mark.parametrize("symbol, expected", [
    ("C m c m", {"hkl: h+k = 2n", "h0l: l = 2n", "00l: l = 2n"}),
    ("F d d d", {"hkl: h+k = 2n", "hkl: k+l = 2n", "hkl: h+l = 2n", "0kl: k+l = 4n", "h0l: h+l = 4n", "hk0: h+k = 4n"}),
    ("I 41/a m d", {"hkl: h+k+l = 2n", "00l: l = 4n", "hhl: 2h+l = 4n"}),
    ("R -3 c:H", {"hkl: -h+k+l = 3n", "h\u0304hl: l = 2n".replace("h\u0304hl", "hh\u0304l")}),
])
def test_conditions_of_other_groups_contain_ita_entries(symbol, expected):
    labels = {c.label for c in reflection_conditions(SpaceGroupInfo.from_symbol(symbol))}
    assert expected <= labels


def test_absent_mask_pccn_matches_hand_rules():
    h = box()
    H, K, L = h.T
    hand = ((H == 0) & odd(L)) | ((K == 0) & odd(L)) | ((L == 0) & odd(H + K)) | \
           ((K == 0) & (L == 0) & odd(H)) | ((H == 0) & (L == 0) & odd(K))
    assert np.array_equal(absent_mask(h, PCCN.rotations, PCCN.translations), hand)


def _p21c_sb_hand(H, K, L):
    """Pccn → P2₁/c (P = identity), from ITA: parent-absent and child-allowed.

    Child P2₁/c absences: h0l l odd, 0k0 k odd. SB = 0kl with l odd (k ≠ 0, else it is in h0l) or
    hk0 with h+k odd (h ≠ 0, else it is 0k0 k odd); h00 h odd lies inside hk0 h+k odd.
    """
    return ((H == 0) & (K != 0) & odd(L)) | ((L == 0) & (H != 0) & odd(H + K))


def test_pccn_to_p21c_identity_broken_conditions():
    bcs = reflection_conditions(PCCN, P21C, ID, ZERO)
    main = {b.label for b in bcs if b.contained_in is None}
    assert main == {"0kl: l = 2n", "hk0: h+k = 2n"}
    contained = {b.label: b.contained_in for b in bcs if b.contained_in}
    assert contained == {"h00: h = 2n": "hk0: h+k = 2n"}
    par = {b.parent.label for b in bcs if b.contained_in is None}
    assert par == {"0kl: l = 2n", "hk0: h+k = 2n"}
    h = box()
    df = classify_reflections(h, PCCN, P21C, ID, ZERO)
    assert np.array_equal((df["class"] == "SB").to_numpy(), _p21c_sb_hand(*h.T))
    H, K, L = h.T
    child_abs = ((K == 0) & odd(L)) | ((H == 0) & (L == 0) & odd(K))
    assert np.array_equal((df["class"] == "absent").to_numpy(), child_abs)
    sb = df[df["class"] == "SB"]
    assert set(sb.loc[sb.h == 0, "broken"]) == {"0kl: l = 2n"}
    assert set(sb.loc[sb.l == 0, "broken"]) == {"hk0: h+k = 2n"}


def test_pccn_to_p21c_conjugate_b_minus_a_c():
    check_subgroup(PCCN, P21C, P_CONJ, ZERO)  # the 2₁ of the child lies along parent a
    bcs = reflection_conditions(PCCN, P21C, P_CONJ, ZERO)
    main = [b for b in bcs if b.contained_in is None]
    # child indexing looks the same (child in its own standard setting) ...
    assert {b.label for b in main} == {"0kl: l = 2n", "hk0: h+k = 2n"}
    # ... but in parent indexing the c-glide broken is the one ⊥ b: h0l, not 0kl
    assert {b.parent.label for b in main} == {"h0l: l = 2n", "hk0: h+k = 2n"}
    assert {b.parent.label for b in bcs if b.contained_in} == {"0k0: k = 2n"}
    h = box()
    df = classify_reflections(h, PCCN, P21C, P_CONJ, ZERO)
    sb = (df["class"] == "SB").to_numpy()
    assert np.array_equal(sb, _p21c_sb_hand(*h.T))
    # the same set in parent indices (hkl)_p = (hkl)_c · P⁻¹: h0l l odd (h ≠ 0) or hk0 h+k odd (k ≠ 0)
    hp = np.round(df[["h_parent", "k_parent", "l_parent"]].to_numpy()).astype(int)
    Hp, Kp, Lp = hp.T
    assert np.array_equal(sb, ((Kp == 0) & (Hp != 0) & odd(Lp)) | ((Lp == 0) & (Kp != 0) & odd(Hp + Kp)))
    # and it differs from the identity setting's SB set read in parent indices
    df0 = classify_reflections(hp, PCCN, P21C, ID, ZERO)
    assert not np.array_equal(sb, (df0["class"] == "SB").to_numpy())


def _find_origin(parent, child, P=ID):
    for p in itertools.product((0, 0.25, 0.5, 0.75), repeat=3):
        try:
            check_subgroup(parent, child, P, np.array(p))
            return np.array(p)
        except SymstrainInputError:
            continue
    raise AssertionError("no origin found")


def test_centring_loss_cmcm_to_pmcn_whole_parity_class():
    cmcm, pmcn = SpaceGroupInfo.from_symbol("C m c m"), SpaceGroupInfo.from_symbol("P m c n")
    p = _find_origin(cmcm, pmcn)
    bcs = reflection_conditions(cmcm, pmcn, ID, p)
    assert [b.label for b in bcs if b.contained_in is None] == ["hkl: h+k = 2n"]
    assert bcs[0].child.kind == "centring"
    h = box()
    H, K, L = h.T
    df = classify_reflections(h, cmcm, pmcn, ID, p)
    # Pmcn absences: h0l l odd, hk0 h+k odd; every h+k odd reflection outside them becomes SB
    hand = odd(H + K) & (L != 0) & ~((K == 0) & odd(L))
    assert np.array_equal((df["class"] == "SB").to_numpy(), hand)


def test_t2_loss_of_inversion_breaks_no_condition():
    pmcn = SpaceGroupInfo.from_symbol("P m c n")
    p21cn = SpaceGroupInfo.from_symbol("P 21 c n")
    p = _find_origin(pmcn, p21cn)
    assert reflection_conditions(pmcn, p21cn, ID, p) == []
    rc = reflections_from_groups(pmcn, p21cn, ID, p, Cell(5.8, 8.8, 13.1, 90, 90, 90), 1.0)
    assert rc.counts["SB"] == 0 and rc.warnings


def test_parent_lattice_condition_for_a_supercell():
    # P-1 → P-1 with c doubled: every child reflection with l odd has non-integral parent l
    pm1 = SpaceGroupInfo.from_symbol("P -1")
    P = np.diag([1.0, 1.0, 2.0])
    bcs = reflection_conditions(pm1, pm1, P, ZERO)
    assert len(bcs) == 1 and bcs[0].child.kind == "parent lattice" and bcs[0].parent is None
    assert bcs[0].label == "hkl: l = 2n"
    h = box(4)
    df = classify_reflections(h, pm1, pm1, P, ZERO)
    assert np.array_equal((df["class"] == "SB").to_numpy(), odd(h[:, 2]))
    assert np.allclose(df["l_parent"], h[:, 2] / 2)
    # in words: the operation lost is the parent's lattice translation c_p = (0, 0, 1/2) of the child, written in
    # the child's coordinates, not a parent operation (sweep 22 read "parent op x,y,z+1/2" as one)
    rc = reflections_from_groups(pm1, pm1, P, ZERO, Cell(5.0, 6.0, 14.0, 90, 90, 90), 1.0)
    line, = rc.summary_lines()
    assert "parent lattice translation x,y,z+1/2 in child coordinates" in line and "parent op" not in line


def test_origin_shift_of_the_parent_setting_does_not_change_the_classes():
    # parent written with its origin moved by s: x' = x − s, ops (R, t + R·s − s); child origin p' = p − s
    s = np.array([0.25, 0.0, 0.125])
    R, t = PCCN.rotations, PCCN.translations
    shifted = (R, (t + R @ s - s) % 1.0)
    h = box(5)
    a = classify_reflections(h, PCCN, P21C, ID, ZERO)
    check_subgroup(shifted, P21C, ID, -s)
    b = classify_reflections(h, shifted, P21C, ID, -s)
    assert np.array_equal(a["class"].to_numpy(), b["class"].to_numpy())
    with pytest.raises(SymstrainInputError, match="not an operation of the parent"):
        check_subgroup(shifted, P21C, ID, ZERO)


def test_enumerate_hkl_counts_lattice_points_in_the_sphere():
    cell = Cell(5.0, 6.0, 7.0, 90, 90, 90)
    got = enumerate_hkl(cell, 1.3)
    # brute force: (h/a)² + (k/b)² + (l/c)² ≤ 1/dmin²
    n = sum(1 for h in range(-5, 6) for k in range(-6, 7) for l in range(-7, 8)
            if (h, k, l) != (0, 0, 0) and (h / 5) ** 2 + (k / 6) ** 2 + (l / 7) ** 2 <= 1 / 1.3 ** 2)
    assert len(got) == n
    mono = Cell(9.0, 10.0, 11.0, 90, 100, 90)
    got = enumerate_hkl(mono, 1.5)
    # monoclinic: 1/d² = (h²/a² + l²/c² − 2hl cosβ/(ac))/sin²β + k²/b²
    cb, sb2 = math.cos(math.radians(100)), math.sin(math.radians(100)) ** 2
    n = sum(1 for h in range(-8, 9) for k in range(-8, 9) for l in range(-9, 10)
            if (h, k, l) != (0, 0, 0)
            and (h * h / 81 + l * l / 121 - 2 * h * l * cb / 99) / sb2 + k * k / 100 <= 1 / 1.5 ** 2)
    assert len(got) == n
    with pytest.raises(SymstrainInputError):
        enumerate_hkl(cell, 0.0)


def _orthogonal_count(a, b, c, dmin):
    """Reflections h ≠ 0 with (h/a)² + (k/b)² + (l/c)² ≤ 1/dmin², counted along h in closed form for each (k, l)."""
    n = 0
    for k in range(-int(b / dmin), int(b / dmin) + 1):
        for l in range(-int(c / dmin), int(c / dmin) + 1):
            r2 = 1 / dmin**2 - (k / b) ** 2 - (l / c) ** 2
            if r2 >= 0:
                n += 2 * math.floor(a * math.sqrt(r2) + 1e-9) + 1
    return n - 1


def test_reflections_are_capped_with_the_count_and_a_dmin_that_fits():
    """A 1000 × 8.24 × 28 Å cell (Pbam-type operators, found by the fuzzer) reflected against itself at the default
    d_min 0.8 Å asked for 1.4 GB: refused in one line with the count and a d_min that fits, which then works."""
    from symstrain.reflection_classes import MAX_REFLECTIONS

    cell = Cell(1000.0, 8.24, 28.0, 90, 90, 90)
    G = SpaceGroupInfo.from_symbol("P b a m")
    t0 = time.process_time()
    with pytest.raises(SymstrainInputError, match=r"more than the 300,000 enumerated; use --dmin") as err:
        reflections_from_groups(G, G, ID, ZERO, cell, 0.8)
    assert err.value.source == "--dmin" and "\n" not in err.value.problem
    said = int(re.search(r"about ([\d,]+) reflections", err.value.problem).group(1).replace(",", ""))
    true = _orthogonal_count(1000.0, 8.24, 28.0, 0.8)
    assert true > MAX_REFLECTIONS == 300_000 and abs(said - true) < 0.005 * true
    fits = float(re.search(r"--dmin ([\d.]+) or larger", err.value.problem).group(1))
    assert _orthogonal_count(1000.0, 8.24, 28.0, fits) <= MAX_REFLECTIONS < _orthogonal_count(1000.0, 8.24, 28.0,
                                                                                             fits - 0.02)
    assert len(enumerate_hkl(cell, fits)) == _orthogonal_count(1000.0, 8.24, 28.0, fits)
    assert time.process_time() - t0 < 10.0


def test_bad_indices_and_bad_relation_are_input_errors():
    with pytest.raises(SymstrainInputError, match="integers"):
        classify_reflections(np.array([[1, 0, 0.5]]), PCCN, P21C)
    with pytest.raises(SymstrainInputError, match="absent in the child but present in the parent"):
        classify_reflections(box(2), P21C, PCCN)  # swapped: Pccn is not a subgroup of P2₁/c


# --------------------------------------------------------------------------- real files
def test_lawsonite_sb_counts_from_pairs_tsv(shared):
    from symstrain.cif import read_cif
    from symstrain.relation import relate

    law = shared / "lawsonite"
    cases = [("9002551", "9002549", 1272, {"hkl": 1048, "0kl": 168, "h0l": 56}),
             ("9002546", "9002545", 0, {}),
             ("9002551", "9002545", 1264, None)]
    for par, chi, n_sb, zones in cases:
        rel = relate(read_cif(law / f"{par}.cif"), read_cif(law / f"{chi}.cif"))
        assert np.allclose(rel.P, ID)
        rc = reflections(rel, dmin=1.0)
        assert rc.counts["SB"] == n_sb, (par, chi)
        if zones is not None:
            assert rc.sb_by_zone() == zones
    # Cmcm files write their mirror at x = 1/4 (origin shifted); the SB set is the h+k odd class
    rel = relate(read_cif(law / "9002551.cif"), read_cif(law / "9002549.cif"))
    sb = reflections(rel, dmin=1.0).sb
    assert np.all((sb.h + sb.k) % 2 == 1)


# --------------------------------------------------------------------------- intensities
def _p1(cell, atoms):
    return Phase(cell, SpaceGroupInfo.from_symbol("P 1"), tuple(atoms))


def _atom(label, el, xyz, u=None, uani=None, occ=1.0):
    return Atom(label, el, np.array(xyz, float), np.full(3, np.nan), occ, u, uani)


def test_two_atom_interference_and_debye_waller():
    cell = Cell(6.0, 6.0, 6.0, 90, 90, 90)
    one = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), 0.0)])
    two = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), 0.0), _atom("Fe2", "Fe", (0.5, 0, 0), 0.0)])
    h = np.array([[1, 0, 0], [2, 0, 0], [3, 0, 0], [2, 1, 0]])
    I1, I2 = predict_intensities(one, h), predict_intensities(two, h)
    # F = f(1 + e^{iπh}): 4f² for h even, 0 for h odd
    assert np.allclose(I2[[1, 3]], 4 * I1[[1, 3]], rtol=1e-6)
    assert np.all(I2[[0, 2]] < 1e-10 * I1[[0, 2]])
    # Debye–Waller: F(U)/F(0) = exp(−B/(4d²)), B = 8π²U, so I(U)/I(0) = exp(−B/(2d²)) = exp(−4π²U/d²)
    U = 0.02
    hot = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), U)])
    d = 6.0 / np.sqrt((h ** 2).sum(axis=1))
    assert np.allclose(predict_intensities(hot, h) / I1, np.exp(-4 * math.pi ** 2 * U / d ** 2), rtol=1e-5)
    # an isotropic U written as a tensor gives the same intensities
    ani = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), None, (U, U, U, 0, 0, 0))])
    assert np.allclose(predict_intensities(ani, h), predict_intensities(hot, h), rtol=1e-5)
    # occupancy scales F
    half = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), 0.0, occ=0.5)])
    assert np.allclose(predict_intensities(half, h), 0.25 * I1, rtol=1e-6)


def test_anisotropic_u_follows_the_symmetry_operations():
    # an anisotropic atom in P2₁/c (β ≠ 90°): intensities must have Laue symmetry 2/m, I(hkl) = I(-h k -l)
    cell = Cell(7.0, 8.0, 9.0, 90, 104, 90)
    ph = Phase(cell, P21C, (_atom("Fe1", "Fe", (0.13, 0.21, 0.37), None, (0.03, 0.01, 0.02, 0.004, 0.006, -0.003)),
                            _atom("O1", "O", (0.31, 0.07, 0.11), 0.02)))
    h = enumerate_hkl(cell, 1.2)
    I = predict_intensities(ph, h)
    Ieq = predict_intensities(ph, h * np.array([-1, 1, -1]))
    assert np.allclose(I, Ieq, rtol=1e-6, atol=1e-9 * I.max())
    # and the 2₁ screw: 0k0 with k odd absent
    k = np.array([[0, 1, 0], [0, 3, 0]])
    assert np.all(predict_intensities(ph, k) < 1e-10 * I.max())


# toy Pccn structure: Fe on the 2z axis (4c), Ni on an inversion centre (4a), the rest general (8e)
TOY = [("Fe1", "Fe", (0.25, 0.25, 0.13), 0.010), ("Ni1", "Ni", (0.0, 0.0, 0.0), 0.010),
       ("S1", "S", (0.11, 0.32, 0.41), 0.015), ("N1", "N", (0.37, 0.08, 0.22), 0.015),
       ("C1", "C", (0.19, 0.44, 0.31), 0.020)]
# displacement of each parent site (Å per unit η); Fe may move only ⊥ z (odd under 2z), Ni not at all
MODE = {"Fe1": (0.7, -0.4, 0.0), "Ni1": (0.0, 0.0, 0.0), "S1": (0.2, 0.5, -0.3),
        "N1": (-0.4, 0.1, 0.6), "C1": (0.3, 0.3, 0.2)}


def _in_group(R, t, g):
    m = np.all(np.abs(g.rotations - R) < 1e-9, axis=(1, 2))
    d = g.translations[m] - t
    return bool(np.any(np.all(np.abs(d - np.round(d)) < 1e-9, axis=1)))


def toy_child(eta):
    """P2₁/c child of the toy: each Pccn orbit split into P2₁/c orbits; the image by the lost coset
    g is displaced by −R_g·δ, the representative by +δ (a mode odd under g, even under P2₁/c)."""
    A = CELL.matrix()
    Ai = np.linalg.inv(A)
    atoms = []
    for lab, el, xyz, u in TOY:
        x0 = np.array(xyz)
        dx = Ai @ (np.array(MODE[lab]) * eta)
        atoms.append(_atom(lab, el, x0 + dx, u))
        orbit = (P21C.rotations @ x0 + P21C.translations) % 1
        for R, t in PCCN.ops():
            if _in_group(R, t, P21C):
                continue
            y = (R @ x0 + t) % 1
            dd = orbit - y
            dd -= np.round(dd)
            if not np.any(np.linalg.norm(dd @ A.T, axis=1) < 1e-6):
                atoms.append(_atom(lab + "b", el, R @ (x0 - dx) + t, u))
            break
    return Phase(CELL, P21C, tuple(atoms))


def test_toy_symmetrised_child_has_zero_sb_intensity_and_equals_parent():
    rc = reflections_from_groups(PCCN, P21C, ID, ZERO, CELL, 0.9)
    hkl = rc.table[["h", "k", "l"]].to_numpy()
    sb = (rc.table["class"] == "SB").to_numpy()
    assert sb.sum() > 100
    I0 = predict_intensities(toy_child(0.0), hkl)
    assert I0[sb].max() < 1e-12 * I0.max()
    parent = Phase(CELL, PCCN, tuple(_atom(l, e, x, u) for l, e, x, u in TOY))
    Ip = predict_intensities(parent, hkl)
    assert np.allclose(I0, Ip, rtol=1e-9, atol=1e-9 * Ip.max())
    # absent-in-both reflections are zero in the distorted child too
    I1 = predict_intensities(toy_child(0.02), hkl)
    ab = (rc.table["class"] == "absent").to_numpy()
    assert I1[ab].max() < 1e-12 * I1.max()
    assert I1[sb].max() > 1e-6 * I1.max()


def test_toy_sb_intensity_scales_as_eta_squared():
    rc = reflections_from_groups(PCCN, P21C, ID, ZERO, CELL, 0.9)
    hkl = rc.table[["h", "k", "l"]].to_numpy()
    sb = (rc.table["class"] == "SB").to_numpy()
    etas = np.array([0.002, 0.004, 0.008, 0.016])
    S = np.array([predict_intensities(toy_child(e), hkl)[sb].sum() for e in etas])
    slope = np.polyfit(np.log(etas), np.log(S), 1)[0]
    assert abs(slope - 2.0) < 0.05
    # so η_intensity is linear in η
    e = np.array([eta_intensity(predict_intensities(toy_child(x), hkl), sb) for x in etas])
    assert np.allclose(e / etas, e[0] / etas[0], rtol=0.02)


# --------------------------------------------------------------------------- statistics and measured data
def test_eta_intensity_and_class_statistics_closed_form():
    assert eta_intensity([1, 2, 3, 4], [0, 1, 0, 1]) == pytest.approx(math.sqrt(6 / 10))
    assert eta_intensity([1, -2, 3], [0, 1, 0]) == 0.0  # negative SB sum clipped
    assert math.isnan(eta_intensity([0, 0], [1, 0]))
    t = pd.DataFrame({"class": ["allowed", "allowed", "SB", "SB", "absent"],
                      "I": [100.0, 50.0, 10.0, 1.0, 0.5], "sigma": [2.0, 5.0, 2.0, 1.0, 1.0]})
    st = class_statistics(t).set_index("class")
    assert st.loc["SB", "n"] == 2 and st.loc["SB", "n_significant"] == 1  # 10 > 3·2, 1 < 3·1
    assert st.loc["SB", "mean_I_over_sigma"] == pytest.approx((5 + 1) / 2)
    assert st.loc["SB", "fraction_of_sum"] == pytest.approx(11 / 161.5)
    assert st.loc["all", "n"] == 5


def _measured(scale_sb, rng, noise=0.0):
    """Synthetic data set indexed in the P2₁/c child: allowed reflections I = 1000, SB reflections
    I = 1000·scale_sb, σ = 10; a few of each, with Friedel duplicates."""
    hkl = np.array([[1, 1, 1], [-1, -1, -1], [2, 1, 3], [1, 2, 2], [2, 2, 0],  # allowed
                    [0, 1, 1], [0, -1, -1], [1, 0, 0], [0, 2, 3], [2, 1, 0],  # SB
                    [1, 0, 1], [0, 3, 0]])  # absent in both (h0l l odd, 0k0 k odd)
    cls = np.array(["allowed"] * 5 + ["SB"] * 5 + ["absent"] * 2)
    I = np.where(cls == "allowed", 1000.0, np.where(cls == "SB", 1000.0 * scale_sb, 0.0))
    I = I + noise * rng.standard_normal(len(I))
    return pd.DataFrame({"h": hkl[:, 0], "k": hkl[:, 1], "l": hkl[:, 2], "I": I, "sigma": 10.0}), cls


def test_measured_classification_summary_and_series():
    rng = np.random.default_rng(1)
    data, cls = _measured(0.04, rng)
    cl = classify_measured(data, PCCN, P21C, ID, ZERO)
    assert list(cl["class"]) == list(cls)
    summ = measured_summary(cl)
    st = summ["statistics"].set_index("class")
    assert st.loc["SB", "n"] == 5 and st.loc["SB", "n_significant"] == 5  # 40 > 3·10
    assert st.loc["SB", "mean_I_over_sigma"] == pytest.approx(4.0)
    assert summ["eta_intensity"] == pytest.approx(math.sqrt(5 * 40 / (5 * 1000 + 5 * 40)))
    # a series: η_intensity ∝ √scale when SB ≪ allowed
    scales = [0.0, 0.01, 0.04]
    sets = [_measured(s, rng)[0] for s in scales]
    for d, s in zip(sets, scales):
        d.attrs["source"] = f"T{s}"
    ser = eta_series(sets, [300.0, 200.0, 100.0], PCCN, P21C, ID, ZERO)
    assert list(ser["T"]) == [100.0, 200.0, 300.0]
    exp = [math.sqrt(5 * 1000 * s / (5000 + 5000 * s)) for s in (0.04, 0.01, 0.0)]
    assert np.allclose(ser["eta_intensity"], exp)
    assert ser["eta_relative"].iloc[0] == pytest.approx(1.0)
    # data indexed in the parent cell of the (b,-a,c) conjugate: (hkl)_c = (hkl)_p · P
    hp = data[["h", "k", "l"]].to_numpy() @ np.linalg.inv(P_CONJ)
    dp = data.assign(h=np.round(hp[:, 0]).astype(int), k=np.round(hp[:, 1]).astype(int), l=np.round(hp[:, 2]).astype(int))
    clp = classify_measured(dp, PCCN, P21C, P_CONJ, ZERO, indexing="parent")
    assert list(clp["class"]) == list(cls)
    with pytest.raises(SymstrainInputError):
        classify_measured(data.drop(columns="I"), PCCN, P21C)
    with pytest.raises(SymstrainInputError):
        eta_series(sets, [1.0], PCCN, P21C)


def test_strongest_lists_one_reflection_per_set_of_equivalents():
    rc = reflections_from_groups(PCCN, P21C, ID, ZERO, CELL, 1.0)
    rc = rc.with_intensities(predict_intensities(toy_child(0.05), rc.table[["h", "k", "l"]].to_numpy()))
    top = strongest(rc.table, "SB", 5)
    assert len(top) == 5 and top["unique"].is_unique
    assert np.all(np.diff(top["I"].to_numpy()) <= 1e-9)
    # 2/m: a general SB reflection 0kl has equivalents (0,±k,±l) → multiplicity 4 in the full sphere
    assert set(top["multiplicity"]) <= {2, 4}


# --------------------------------------------------------------------------- CLI
def _write_cif(path: Path, name, cell: Cell, sg: SpaceGroupInfo, atoms):
    from symstrain.notation import triplet as op_to_xyz

    lines = [f"data_{name}",
             *(f"_cell_{k} {v}" for k, v in zip(("length_a", "length_b", "length_c", "angle_alpha", "angle_beta",
                                                  "angle_gamma"), cell.params)),
             f"_symmetry_space_group_name_H-M '{sg.hm}'", "loop_", "_symmetry_equiv_pos_as_xyz",
             *(f"'{op_to_xyz(R, t)}'" for R, t in sg.ops()),
             "loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
             "_atom_site_fract_z", "_atom_site_U_iso_or_equiv",
             *(f"{a.label} {a.element} {a.xyz[0]:.6f} {a.xyz[1]:.6f} {a.xyz[2]:.6f} {a.u_iso}" for a in atoms)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _hklf4(path: Path, rows):
    path.write_text("".join(f"{h:4d}{k:4d}{l:4d}{I:8.2f}{s:8.2f}\n" for h, k, l, I, s in rows) + "   0   0   0    0.00    0.00\n")
    return path


def test_cli_toy_with_two_temperatures(tmp_path, capsys):
    from symstrain.cli import main

    par = _write_cif(tmp_path / "par.cif", "par", CELL, PCCN, [_atom(l, e, x, u) for l, e, x, u in TOY])
    chi = _write_cif(tmp_path / "chi.cif", "chi", CELL, P21C, toy_child(0.05).atoms)
    rows_lo = [(1, 1, 1, 1000, 10), (2, 1, 3, 1000, 10), (0, 1, 1, 40, 10), (1, 0, 0, 40, 10)]
    rows_hi = [(1, 1, 1, 1000, 10), (2, 1, 3, 1000, 10), (0, 1, 1, 10, 10), (1, 0, 0, 10, 10)]
    a, b = _hklf4(tmp_path / "a.hkl", rows_lo), _hklf4(tmp_path / "b.hkl", rows_hi)
    out = tmp_path / "out"
    rc = main(["reflections", str(par), str(chi), "--dmin", "1.2", "--hkl", str(a), str(b),
               "--temperatures", "100", "250", "--out", str(out), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0
    labels = {c["child_indexing"]["zone"] + ": " + c["child_indexing"]["rule"]
              for c in doc["broken_conditions"] if c["contained_in"] is None}
    assert labels == {"0kl: l = 2n", "hk0: h+k = 2n"}
    assert doc["predicted"]["n_SB"] == doc["counts"]["SB"] > 0
    ser = doc["eta_series"]
    assert [r["T"]["value"] for r in ser] == [100.0, 250.0]
    assert ser[0]["eta_intensity"]["value"] == pytest.approx(math.sqrt(80 / 2080))
    assert ser[1]["eta_intensity"]["value"] == pytest.approx(math.sqrt(20 / 2020))
    for f in doc["files"]:
        assert Path(f).is_file() and Path(f).stat().st_size > 0
    assert any(f.endswith("eta_series.png") for f in doc["files"])
    assert any(f.endswith("section_0kl_predicted.png") for f in doc["files"])
    cond = pd.read_csv(out / "broken_conditions.csv", skiprows=1).fillna("")
    assert set(zip(cond.zone, cond.rule, cond.contained_in)) == {
        ("0kl", "l = 2n", ""), ("hk0", "h+k = 2n", ""), ("h00", "h = 2n", "hk0: h+k = 2n")}
    table = pd.read_csv(out / "reflections.csv", skiprows=1)
    sb = table["class"] == "SB"
    assert cond.set_index("zone").loc["0kl", "n_SB_opened"] == (sb & (table.h == 0)).sum()
    assert np.array_equal(sb.to_numpy(), _p21c_sb_hand(table.h.to_numpy(), table.k.to_numpy(), table.l.to_numpy()))
    # the same --out again: never overwrite
    rc = main(["reflections", str(par), str(chi), "--dmin", "1.2", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "already exists" in err and err.count("\n") == 1
    # the (b, -a, c) conjugate: a = 9, b = 10 Å make it a finite strain of (100/81 - 1)/2 = 0.1173 > --tol 0.08 →
    # refused as relate and modes refuse it; within --tol 0.2: same child-indexed rules, other parent-indexed ones
    rc = main(["reflections", str(par), str(chi), "--P", "b,-a,c", "--dmin", "1.5", "--out", str(tmp_path / "o2")])
    err = capsys.readouterr().err
    assert rc == 2 and "differ by 0.1173" in err and err.count("\n") == 1 and not (tmp_path / "o2").exists()
    rc = main(["reflections", str(par), str(chi), "--P", "b,-a,c", "--dmin", "1.5", "--out", str(tmp_path / "o2"),
               "--tol", "0.2", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert {c["parent_text"] for c in doc["broken_conditions"] if c["contained_in"] is None} == \
        {"h0l: l = 2n", "hk0: h+k = 2n"}
    # an origin that puts the child's inversion centre at x = 1/4 of Pccn: not a subgroup → one line, exit 2
    rc = main(["reflections", str(par), str(chi), "--p", "1/4,0,0", "--out", str(tmp_path / "o3")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("symstrain: error: --P/--p:") and err.count("\n") == 1


def test_cli_bad_hkl_is_one_line_exit_2(tmp_path, capsys):
    from symstrain.cli import main

    par = _write_cif(tmp_path / "par.cif", "par", CELL, PCCN, [_atom(l, e, x, u) for l, e, x, u in TOY])
    chi = _write_cif(tmp_path / "chi.cif", "chi", CELL, P21C, toy_child(0.0).atoms)
    bad = tmp_path / "bad.hkl"
    bad.write_text("   1   0   0  100.00    1.00\n   1   x   0  100.00    1.00\n")
    rc = main(["reflections", str(par), str(chi), "--hkl", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "bad.hkl" in err and "line 2" in err
    assert not (tmp_path / "o").exists()


def test_cli_lawsonite_and_real_hkl(shared, tmp_path, capsys):
    from symstrain.cli import main

    law = shared / "lawsonite"
    rc = main(["reflections", str(law / "9002551.cif"), str(law / "9002549.cif"), "--dmin", "1.0",
               "--out", str(tmp_path / "law"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["counts"]["SB"] == 1272
    assert doc["sb_by_zone"] == {"hkl": 1048, "0kl": 168, "h0l": 56}


def test_real_p21c_data_against_a_c2c_parent(shared):
    """1501469 (P2₁/c, 1318 measured F²) classified against C2/c ⊃ P2₁/c: the lost C-centring makes
    every h+k odd reflection SB; sums checked directly on the file's numbers."""
    from symstrain.hkl import read_hkl

    data = read_hkl(shared / "hkl" / "1501469-good.hkl")
    c2c = SpaceGroupInfo.from_symbol("C 1 2/c 1")
    p = _find_origin(c2c, P21C)
    cl = classify_measured(data, c2c, P21C, ID, p)
    hk_odd = ((data.h + data.k) % 2 == 1).to_numpy()
    assert (cl["class"] == "absent").sum() == 0  # a real data set holds no reflection absent in P2₁/c
    assert np.array_equal((cl["class"] == "SB").to_numpy(), hk_odd)
    summ = measured_summary(cl)
    I = data["I"].to_numpy()
    assert summ["eta_intensity"] == pytest.approx(math.sqrt(I[hk_odd].sum() / I.sum()))
    st = summ["statistics"].set_index("class")
    s = data["sigma"].to_numpy()
    assert st.loc["SB", "n_significant"] == int(np.sum(I[hk_odd] > 3 * s[hk_odd]))


def test_absences_agree_with_gemmi_for_every_tabulated_setting():
    """Independent check of the h·R = h, h·t ∉ ℤ rule: gemmi's own systematic-absence test, all 530 settings."""
    import gemmi

    h = box(5)
    hl = h.tolist()
    for sg in gemmi.spacegroup_table_itb():
        g = SpaceGroupInfo.from_gemmi(sg, "H-M")
        ops = sg.operations()
        ref = np.array([ops.is_systematically_absent(x) for x in hl])
        assert np.array_equal(absent_mask(h, g.rotations, g.translations), ref), sg.xhm()


def test_package_level_name_is_callable():
    import symstrain
    import symstrain.intensities  # noqa: F401  (importing the modules must not hide the function)
    import symstrain.reflection_classes  # noqa: F401

    rc = reflections_from_groups(PCCN, P21C, ID, ZERO, CELL, 1.5)

    class _Rel:  # the fields of relation.Relation that reflections() reads
        parent = Phase(CELL, PCCN, ())
        child = Phase(CELL, P21C, ())
        P, p = ID, ZERO

    got = symstrain.reflections(_Rel(), dmin=1.5)
    assert got.counts == rc.counts


def test_intensity_summary_of_predicted_classes():
    rc = reflections_from_groups(PCCN, P21C, ID, ZERO, CELL, 1.2)
    I = predict_intensities(toy_child(0.05), rc.table[["h", "k", "l"]].to_numpy())
    s = rc.with_intensities(I).intensity_summary(top=3)
    sb = (rc.table["class"] == "SB").to_numpy()
    assert s["n_SB"] == sb.sum() == rc.counts["SB"]
    assert s["mean_I_SB"] == pytest.approx(I[sb].mean())
    assert s["sb_fraction"] == pytest.approx(I[sb].sum() / I.sum())
    assert s["eta_intensity"] == pytest.approx(math.sqrt(I[sb].sum() / I.sum()))
    assert s["strongest"]["I"].iloc[0] == pytest.approx(I[sb].max())
    with pytest.raises(ValueError):
        rc.intensity_summary()


def test_seed_model_sb_reflections_scale_as_eta_squared():
    """The seed compound's model structures (symstrain.models): relate finds P = identity, the SB set is
    Pccn → P2₁/c's hand rule and ΣI_SB grows as η²."""
    from symstrain.models import model_phase
    from symstrain.relation import relate

    parent = model_phase(-1.0, 0.0)
    sums = []
    etas = (0.01, 0.02, 0.04)
    for eta in etas:
        child = model_phase(-1.0, eta)
        rc = reflections(relate(parent, child), dmin=1.2)
        t = rc.table
        assert np.array_equal((t["class"] == "SB").to_numpy(), _p21c_sb_hand(t.h.to_numpy(), t.k.to_numpy(), t.l.to_numpy()))
        I = predict_intensities(child, t[["h", "k", "l"]].to_numpy())
        sums.append(I[(t["class"] == "SB").to_numpy()].sum())
    slope = np.polyfit(np.log(etas), np.log(sums), 1)[0]
    assert abs(slope - 2.0) < 0.05


def test_section_points_are_reciprocal_lattice_coordinates(tmp_path):
    from symstrain.plots.reflections import plot_section, section_name, section_points

    cell = Cell(5.0, 8.0, 10.0, 90, 90, 90)
    rc = reflections_from_groups(PCCN, P21C, ID, ZERO, cell, 1.5)
    rows, x, y, _ = section_points(rc.table, cell, (1, 0, 0), 0)
    assert (rows.h == 0).all() and len(rows) == ((rc.table.h == 0)).sum()
    # 0kl plane of an orthogonal cell: x along b* (|b*| = 1/b), y along c* (1/c)
    assert np.allclose(np.abs(x), np.abs(rows.k) / 8.0) and np.allclose(np.abs(y), np.abs(rows.l) / 10.0)
    assert section_name((1, 0, 0), 0) == "0kl" and section_name((0, 0, 1), 1) == "hk1"
    rows, x, y, _ = section_points(rc.table, cell, (0, 0, 1), 2)
    assert (rows.l == 2).all()
    png = plot_section(rc.with_intensities(np.ones(len(rc.table))).table, cell, tmp_path / "s.png", (0, 0, 1), 0)
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_warns_when_reflections_absent_in_both_are_strong(tmp_path, capsys):
    from symstrain.cli import main

    par = _write_cif(tmp_path / "par.cif", "par", CELL, PCCN, [_atom(l, e, x, u) for l, e, x, u in TOY])
    chi = _write_cif(tmp_path / "chi.cif", "chi", CELL, P21C, toy_child(0.05).atoms)
    # (1 0 1): h0l with l odd, absent in Pccn and in P2₁/c — strong here, as in a wrongly indexed data set
    a = _hklf4(tmp_path / "a.hkl", [(1, 1, 1, 1000, 10), (0, 1, 1, 40, 10), (1, 0, 1, 500, 10)])
    rc = main(["reflections", str(par), str(chi), "--dmin", "1.5", "--hkl", str(a), "--out", str(tmp_path / "o"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert any("1 of 1 reflections absent in both groups have I > 3σ" in w["message"] for w in doc["warnings"])
    assert not any("cell differs" in w["message"] for w in doc["warnings"])  # a plain HKLF 4 file carries no cell
    m = doc["measured"][0]
    assert m["eta_intensity"]["value"] == pytest.approx(math.sqrt(40 / 1540))


# --------------------------------------------------------------------------- radiation
# coherent neutron scattering lengths, NIST neutron scattering lengths table (Sears 1992), fm
B_FE, B_D, B_H = 9.45, 6.671, -3.739


def test_neutron_two_atoms_closed_form_h_and_d_differ_in_sign():
    """Fe at 0 and a hydrogen isotope at (1/2, 0, 0), U = 0: F(h00) = b_Fe + (−1)^h b_X exactly (b does not
    fall off with sinθ/λ), so h odd gives (b_Fe − b_X)², h even (b_Fe + b_X)²; H (b < 0) and D swap the pattern."""
    cell = Cell(6.0, 6.0, 6.0, 90, 90, 90)
    h = np.array([[1, 0, 0], [2, 0, 0], [3, 0, 0], [0, 1, 0]])
    with_d = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), 0.0), _atom("D1", "D", (0.5, 0, 0), 0.0)])
    with_h = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), 0.0), _atom("H1", "H", (0.5, 0, 0), 0.0)])
    Id = predict_intensities(with_d, h, radiation="neutron")
    Ih = predict_intensities(with_h, h, radiation="neutron")
    assert np.allclose(Id, [(B_FE - B_D) ** 2, (B_FE + B_D) ** 2, (B_FE - B_D) ** 2, (B_FE + B_D) ** 2], rtol=1e-6)
    assert np.allclose(Ih, [(B_FE - B_H) ** 2, (B_FE + B_H) ** 2, (B_FE - B_H) ** 2, (B_FE + B_H) ** 2], rtol=1e-6)
    assert Id[0] == pytest.approx(7.722841, rel=1e-6) and Ih[0] == pytest.approx(173.949721, rel=1e-6)
    # X-rays barely tell H from D (same electron count): the same two structures give the same |F|²
    assert np.allclose(predict_intensities(with_d, h), predict_intensities(with_h, h), rtol=1e-6)


def test_neutron_debye_waller_and_general_positions_closed_form():
    """F = Σ_j b_j exp(−2π²U_j/d²) e^{2πi h·x_j}: the Debye–Waller factor exp(−B sin²θ/λ²) with B = 8π²U and
    sinθ/λ = 1/(2d) is exp(−2π²U/d²) on each amplitude, exp(−4π²U/d²) on the intensity of one atom."""
    cell = Cell(5.0, 6.0, 7.0, 90, 90, 90)
    x_fe, x_d = np.array([0.0, 0.0, 0.0]), np.array([0.3, 0.1, 0.2])
    u_fe, u_d = 0.01, 0.02
    ph = _p1(cell, [_atom("Fe1", "Fe", x_fe, u_fe), _atom("D1", "D", x_d, u_d)])
    h = np.array([[1, 0, 0], [1, 1, 1], [2, 1, 0], [0, 3, 2], [4, 2, 5]])
    inv_d2 = (h / np.array([5.0, 6.0, 7.0])) ** 2 @ np.ones(3)
    F = (B_FE * np.exp(-2 * math.pi ** 2 * u_fe * inv_d2) * np.exp(2j * math.pi * h @ x_fe)
         + B_D * np.exp(-2 * math.pi ** 2 * u_d * inv_d2) * np.exp(2j * math.pi * h @ x_d))
    assert np.allclose(predict_intensities(ph, h, "neutron"), np.abs(F) ** 2, rtol=1e-6)
    one = _p1(cell, [_atom("Fe1", "Fe", x_fe, u_fe)])
    assert np.allclose(predict_intensities(one, h, "neutron"), B_FE ** 2 * np.exp(-4 * math.pi ** 2 * u_fe * inv_d2),
                       rtol=1e-6)
    # a half-H, half-D site (same position, same occupancy) keeps both atoms: b = (b_H + b_D)/2
    mixed = _p1(cell, [_atom("H1", "H", (0, 0, 0), 0.0, occ=0.5), _atom("D1", "D", (0, 0, 0), 0.0, occ=0.5)])
    assert np.allclose(predict_intensities(mixed, h, "neutron"), ((B_H + B_D) / 2) ** 2, rtol=1e-6)


def test_neutron_special_positions_and_anisotropic_u_in_a_group():
    """P2₁/c with D on an inversion centre (2a, 2 atoms) and Fe general (4e): the expansion must not double
    the special position, and anisotropic U must follow the operations (Laue 2/m) under neutrons too."""
    cell = Cell(7.0, 8.0, 9.0, 90, 104, 90)
    d_only = Phase(cell, P21C, (_atom("D1", "D", (0, 0, 0), 0.0),))
    # 2a: D at (0,0,0) and (0,1/2,1/2): F(h00) = 2 b_D, F(0 1 0) = 0 (2₁), F(011) = b_D(1 + e^{iπ·2}) = 2 b_D
    h = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1], [0, 1, 0]])
    assert np.allclose(predict_intensities(d_only, h, "neutron")[:2], (2 * B_D) ** 2, rtol=1e-6)
    assert np.all(predict_intensities(d_only, h, "neutron")[2:] < 1e-10)
    ph = Phase(cell, P21C, (_atom("Fe1", "Fe", (0.13, 0.21, 0.37), None, (0.03, 0.01, 0.02, 0.004, 0.006, -0.003)),
                            _atom("D1", "D", (0.31, 0.07, 0.11), 0.02)))
    hh = enumerate_hkl(cell, 1.5)
    I = predict_intensities(ph, hh, "neutron")
    assert np.allclose(I, predict_intensities(ph, hh * np.array([-1, 1, -1]), "neutron"), rtol=1e-6,
                       atol=1e-9 * I.max())


def test_expansion_ops_regenerate_the_cell():
    from symstrain.expand import expand_to_cell, expand_to_cell_ops

    cell = Cell(7.0, 8.0, 9.0, 90, 104, 90)
    ph = Phase(cell, P21C, (_atom("Fe1", "Fe", (0.13, 0.21, 0.37), 0.01), _atom("D1", "D", (0, 0, 0), 0.0),
                            _atom("H1", "H", (0, 0, 0), 0.0)))
    frac, z, site, occ, op = expand_to_cell_ops(ph)
    R, t = np.asarray(P21C.rotations), np.asarray(P21C.translations)
    x = np.array([ph.atoms[s].xyz for s in site])
    y = np.einsum("nab,nb->na", R[op], x) + t[op]
    dd = y - frac
    assert np.allclose(dd - np.round(dd), 0, atol=1e-12)
    assert list(np.bincount(site)) == [4, 2, 2]  # H and D on one position: two atoms each, never merged
    f2, z2, s2, o2 = expand_to_cell(ph)  # the plain expansion keeps its rule (same Z and occupancy merge)
    assert list(np.bincount(s2)) == [4, 2]


def test_electron_and_bad_radiation():
    cell = Cell(4.0, 4.0, 4.0, 90, 90, 90)
    fe = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), 0.0)])
    h = np.array([[1, 0, 0], [2, 0, 0], [3, 0, 0]])
    # Mott–Bethe: f_e(s) = 0.023934 Å · (Z − f_x(s)) / s², s = sinθ/λ = 1/(2d) in Å⁻¹, links the electron
    # form factor to the X-ray one of the same atom (one atom at the origin: |F| = f)
    s = np.array([1, 2, 3]) / 4.0 / 2
    f_x = np.sqrt(predict_intensities(fe, h, "xray"))
    f_e = 0.023934 * (26 - f_x) / s ** 2
    assert np.allclose(np.sqrt(predict_intensities(fe, h, "electron")), f_e, rtol=0.01)
    h = h[:2]
    cell = Cell(6.0, 6.0, 6.0, 90, 90, 90)
    fe = _p1(cell, [_atom("Fe1", "Fe", (0, 0, 0), 0.0)])
    with pytest.raises(SymstrainInputError, match="unknown radiation 'gamma'"):
        predict_intensities(fe, h, radiation="gamma")
    pu = _p1(cell, [_atom("Pu1", "Pu", (0, 0, 0), 0.0)])
    with pytest.raises(SymstrainInputError, match="no neutron scattering length for Pu"):
        predict_intensities(pu, h, radiation="neutron")
    assert predict_intensities(pu, h, radiation="xray")[0] > 0
    assert np.allclose(predict_intensities(fe, h, "NEUTRON"), B_FE ** 2, rtol=1e-6)


def test_lawsonite_neutron_sb_fraction_differs_from_xray(shared):
    """Cmcm 9002551 → Pmcn 9002549 (deuterated lawsonite): the D atoms, weak for X-rays, carry much of the
    symmetry-breaking distortion and scatter neutrons as strongly as O, so the neutron SB fraction is larger.
    The Cmcm parent itself gives no SB intensity under any radiation."""
    from symstrain.cif import read_cif
    from symstrain.relation import relate

    law = shared / "lawsonite"
    par, chi = read_cif(law / "9002551.cif"), read_cif(law / "9002549.cif")
    rc = reflections(relate(par, chi), dmin=1.0)
    hkl = rc.table[["h", "k", "l"]].to_numpy()
    sb = (rc.table["class"] == "SB").to_numpy()
    frac = {}
    for rad in ("xray", "neutron"):
        I = predict_intensities(chi, hkl, rad)
        frac[rad] = I[sb].sum() / I.sum()
        Ip = predict_intensities(par, hkl, rad)
        assert Ip[sb].max() < 1e-12 * Ip.max()
    assert 0.001 < frac["xray"] < 0.02
    assert frac["neutron"] > 5 * frac["xray"]
    # with the D sites relabelled H the neutron answer changes again (b_H < 0): the isotope is honoured
    import dataclasses

    as_h = dataclasses.replace(chi, atoms=tuple(dataclasses.replace(a, element="H") if a.element == "D" else a
                                                for a in chi.atoms))
    Ih = predict_intensities(as_h, hkl, "neutron")
    assert abs(Ih[sb].sum() / Ih.sum() - frac["neutron"]) > 0.1 * frac["neutron"]


def test_cli_radiation_in_text_and_json(tmp_path, capsys):
    from symstrain.cli import main

    par = _write_cif(tmp_path / "par.cif", "par", CELL, PCCN, [_atom(l, e, x, u) for l, e, x, u in TOY])
    chi = _write_cif(tmp_path / "chi.cif", "chi", CELL, P21C, toy_child(0.05).atoms)
    docs = {}
    for rad in ("xray", "neutron"):
        assert main(["reflections", str(par), str(chi), "--dmin", "1.5", "--radiation", rad,
                     "--out", str(tmp_path / rad), "--json"]) == 0
        docs[rad] = json.loads(capsys.readouterr().out)
        assert docs[rad]["radiation"] == rad
    assert docs["neutron"]["intensity_unit"] == "fm^2" and docs["xray"]["intensity_unit"] == "electrons^2"
    assert docs["neutron"]["predicted"]["sb_fraction"] != pytest.approx(docs["xray"]["predicted"]["sb_fraction"],
                                                                         rel=1e-3)
    assert main(["reflections", str(par), str(chi), "--dmin", "1.5", "--radiation", "neutron",
                 "--out", str(tmp_path / "t")]) == 0
    assert "Predicted (neutron, |F|² in fm²)" in capsys.readouterr().out
    rc = main(["reflections", str(par), str(chi), "--radiation", "muon", "--out", str(tmp_path / "bad")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("symstrain: error: --radiation:") and err.count("\n") == 1
    assert not (tmp_path / "bad").exists()


def test_cli_eta_series_joins_the_strain_table(tmp_path, capsys):
    from symstrain.cli import main

    par = _write_cif(tmp_path / "par.cif", "par", CELL, PCCN, [_atom(l, e, x, u) for l, e, x, u in TOY])
    chi = _write_cif(tmp_path / "chi.cif", "chi", CELL, P21C, toy_child(0.05).atoms)
    a = _hklf4(tmp_path / "a.hkl", [(1, 1, 1, 1000, 10), (0, 1, 1, 40, 10)])
    b = _hklf4(tmp_path / "b.hkl", [(1, 1, 1, 1000, 10), (0, 1, 1, 10, 10)])
    table = tmp_path / "strain_table.csv"
    pd.DataFrame({"T": [100.2, 250.0, 300.0], "branch": ["", "", ""], "eta_strain": [1.0, 0.5, 0.0]}).to_csv(table,
                                                                                                         index=False)
    rc = main(["reflections", str(par), str(chi), "--dmin", "1.2", "--hkl", str(a), str(b), "--temperatures", "100",
               "250", "--strain-table", str(table), "--out", str(tmp_path / "o"), "--json"])
    assert rc == 0
    ser = json.loads(capsys.readouterr().out)["eta_series"]
    assert [r["eta_strain"]["value"] for r in ser] == [1.0, 0.5]
    rc = main(["reflections", str(par), str(chi), "--hkl", str(a), str(b), "--temperatures", "100", "250",
               "--strain-table", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o2")])
    assert rc == 2 and "nope.csv" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()  # refused before any output was written


def test_three_fold_supercell_parent_lattice_condition_is_exact():
    """Pmmm → Pmmm on (3a, b, c): the parent lattice puts intensity only where h = 3n (h_parent integral).
    The lost translations (1/3, 0, 0) and (2/3, 0, 0) must be exact thirds: rounded to 6 decimals, 3·0.333333
    misses an integer by 1e-6 and h = ±3 came out symmetry-breaking."""
    G = SpaceGroupInfo.from_symbol("P m m m")
    rc = reflections_from_groups(G, G, np.diag([3.0, 1, 1]), np.zeros(3), Cell(12, 4, 5, 90, 90, 90), 1.5)
    h = rc.table["h"].to_numpy()
    assert np.array_equal(rc.table["class"].to_numpy() == "SB", h % 3 != 0)
    assert rc.counts["absent"] == 0


def test_section_of_measured_data_shows_observed_reflections_absent_in_both(tmp_path, monkeypatch):
    """Issue 13 item 8: observed reflections that violate both groups are not tiny grey crosses. In the h0l
    section of Pccn → P2₁/c, (1 0 1) and (3 0 1) (l odd) are absent in both groups (P2₁/c keeps the c-glide ⊥ b);
    measured at I = 500 ± 10 (50σ) and 20 ± 10 (2σ), only the first is drawn as observed, sized like the other
    spots."""

    import symstrain.plots.reflections as plots

    cell = Cell(5.0, 8.0, 10.0, 90, 90, 90)
    rc = reflections_from_groups(PCCN, P21C, ID, ZERO, cell, 1.5)
    t = rc.table.copy()
    t["I"], t["sigma"] = np.where(t["class"] == "absent", 0.0, 100.0), 10.0  # absent ones: nothing measured
    for (h, k, l), I in (((1, 0, 1), 500.0), ((3, 0, 1), 20.0)):
        sel = (t.h == h) & (t.k == k) & (t.l == l)
        assert sel.sum() == 1 and t.loc[sel, "class"].iloc[0] == "absent"
        t.loc[sel, "I"] = I
    seen = {}
    monkeypatch.setattr(plots, "save_figure", lambda fig, path, *a, **k: seen.setdefault("fig", fig) and str(path))
    plots.plot_section(t, cell, tmp_path / "s.png", (0, 1, 0), 0)
    ax = seen["fig"].axes[0]
    by_label = {c.get_label(): c for c in ax.collections}
    obs = [c for lab, c in by_label.items() if lab.startswith("observed (I > 3σ) but absent in both groups")]
    assert len(obs) == 1 and obs[0].get_label().endswith("(1)")
    # its position: (1 0 1) in the h0l plane of an orthogonal cell, |x| = 1/a along a*, |y| = 1/c along c*
    (x, y), = obs[0].get_offsets()
    assert (abs(x), abs(y)) == (pytest.approx(1 / 5.0), pytest.approx(1 / 10.0))
    n_absent = int(((t.k == 0) & (t["class"] == "absent")).sum())
    crosses = [c for lab, c in by_label.items() if lab.startswith("absent in both")]
    assert len(crosses) == 1 and crosses[0].get_label() == f"absent in both ({n_absent - 1})"
    assert obs[0].get_sizes()[0] >= 30.0
    # the legend sits below the section (inside, it covered the spots of the upper right corner)
    assert ax.get_legend() is None and len(seen["fig"].legends) == 1


def test_a_reflection_the_structure_leaves_extinct_is_exactly_zero(tmp_path):
    """P 1 with two Fe atoms b/2 apart: F(0k0) = f·(1 + e^{iπk}) is 0 for odd k although no operation of the group
    extinguishes it (the sum leaves ~1e-15·f of rounding: reported as exactly 0, sweep 3), and 2f for even k, so
    I(020) = 4·I(020) of one atom; the one-atom value is gemmi's own for that atom alone."""
    from symstrain.cif import read_cif
    from symstrain.intensities import predict_intensities

    head = ("data_{n}\n_cell_length_a 5\n_cell_length_b 6\n_cell_length_c 7\n_cell_angle_alpha 90\n"
            "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\n"
            "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            "_atom_site_fract_z\n_atom_site_U_iso_or_equiv\n")
    (tmp_path / "two.cif").write_text(head.format(n="two") + "Fe1 Fe 0.1 0.2 0.3 0.01\nFe2 Fe 0.1 0.7 0.3 0.01\n")
    (tmp_path / "one.cif").write_text(head.format(n="one") + "Fe1 Fe 0.1 0.2 0.3 0.01\n")
    hkl = np.array([[0, 1, 0], [0, 3, 0], [0, 2, 0], [1, 1, 0]])
    two = predict_intensities(read_cif(tmp_path / "two.cif"), hkl)
    one = predict_intensities(read_cif(tmp_path / "one.cif"), hkl)
    assert two[0] == 0.0 and two[1] == 0.0 and two[3] == 0.0  # (110): k odd too
    assert two[2] == pytest.approx(4 * one[2], rel=1e-12) and one[2] > 1.0


def test_conditions_of_a_supercell_beyond_48_are_exact():
    """A lattice translation of an n-fold supercell is k/n: with n = 51 (a fuzzed lawsonite file whose a became 300 Å
    relates to the real one with index 51) the exact algebra read 1/51 as 1/48 and some translations as nothing at
    all, and `reflections` failed (AttributeError) where the numeric sets had found extinctions. By hand: (1/51, 0, 0)
    extinguishes h ≠ 51n, (17/51, 0, 0) = (1/3, 0, 0) h ≠ 3n."""
    import numpy as np

    from symstrain.conditions import condition_from_op

    assert condition_from_op(np.eye(3), np.array([1 / 51, 0, 0]), kind="parent lattice").label == "hkl: h = 51n"
    assert condition_from_op(np.eye(3), np.array([17 / 51, 0, 0]), kind="parent lattice").label == "hkl: h = 3n"
    assert condition_from_op(np.eye(3), np.array([0.5, 0.5, 0]), kind="centring").label == "hkl: h+k = 2n"
