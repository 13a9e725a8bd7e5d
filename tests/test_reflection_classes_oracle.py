"""The vectorised classification (absence masks, extinction sets, zones, broken-condition labels) against an exact
per-reflection oracle written here: Fractions, one reflection and one operation at a time, the rule "h is absent when
some operation has h·R = h and h·t ∉ ℤ", with the parent operations and lattice translations carried into the child
basis exactly (W = P⁻¹RP, w = P⁻¹(t + R·p − p), P⁻¹·n). Relations with a change of basis, a supercell and an origin
shift, where no table has the parent's operations in the child's setting.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np
import pytest

from symstrain.conditions import _broken_conditions, _group_arrays, absent_mask, extinction_sets
from symstrain.phase import SpaceGroupInfo
from symstrain.reflection_classes import classify_reflections, zone_of


def exact(x):
    return F(x).limit_denominator(48)


def exact_ops(rotations, translations):
    return [([[exact(v) for v in row] for row in R], [exact(v) for v in t]) for R, t in zip(rotations, translations)]


def mat(A, B):
    return [[sum(A[i][k] * B[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def inv3(P):
    a, b, c = P
    det = (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]))
    cof = [[(P[(j + 1) % 3][(i + 1) % 3] * P[(j + 2) % 3][(i + 2) % 3]
             - P[(j + 1) % 3][(i + 2) % 3] * P[(j + 2) % 3][(i + 1) % 3]) for j in range(3)] for i in range(3)]
    return [[cof[i][j] / det for j in range(3)] for i in range(3)]


def parent_in_child(parent, P, p):
    """Exact parent operations in the child basis and origin, with the parent lattice translations P⁻¹·n."""
    P = [[exact(v) for v in row] for row in P]
    p = [exact(v) for v in p]
    Pi = inv3(P)
    span = range(-3, 4)
    lattice = {tuple(sum(Pi[i][k] * n[k] for k in range(3)) % 1 for i in range(3)) for n in itertools.product(span, repeat=3)}
    out = []
    for R, t in exact_ops(parent.rotations, parent.translations):
        W = mat(mat(Pi, R), P)
        v = [t[i] + sum(R[i][k] * p[k] for k in range(3)) - p[i] for i in range(3)]
        w = [sum(Pi[i][k] * v[k] for k in range(3)) for i in range(3)]
        out += [(W, [w[i] + L[i] for i in range(3)]) for L in lattice]
    return out


def absent_exact(h, ops):
    for R, t in ops:
        if all(sum(h[k] * R[k][j] for k in range(3)) == h[j] for j in range(3)):
            if sum(h[k] * t[k] for k in range(3)).denominator != 1:
                return True
    return False


def hkl_box(n):
    r = range(-n, n + 1)
    return np.array([h for h in itertools.product(r, r, r) if any(h)])


CASES = [
    # (parent, child, P, p)
    ("P c c n", "P 1 21/c 1", np.eye(3), np.zeros(3)),
    ("C m c m", "P 21 c n", np.eye(3), np.zeros(3)),                                             # index 4, centring lost
    ("F m -3 m", "P m -3 m", np.eye(3), np.zeros(3)),                                           # F-centring lost
    ("P m -3 m", "P 4/m b m", [[1, 1, 0], [-1, 1, 0], [0, 0, 1]], np.zeros(3)),                  # √2 supercell
    ("P m -3 m", "I 4/m c m", [[1, 1, 0], [-1, 1, 0], [0, 0, 2]], np.zeros(3)),                  # perovskite a0a0c-
    ("P -1", "P 1", [[2, 0, 0], [0, 1, 0], [0, 0, 1]], [0.25, 0, 0]),                            # supercell, shifted
    ("P 1 21/c 1", "P 1 21/c 1", [[1, 0, 0], [0, 1, 0], [0, 0, 2]], [0, 0, 0.5]),               # doubled c, shifted
    ("P 63/m m c", "C m c m", [[1, 1, 0], [0, 2, 0], [0, 0, 1]], np.zeros(3)),                   # orthohexagonal cell
]


@pytest.mark.parametrize("parent, child, P, p", CASES)
def test_classes_and_broken_labels_match_the_exact_rule(parent, child, P, p):
    G, H = SpaceGroupInfo.from_symbol(parent), SpaceGroupInfo.from_symbol(child)
    P, p = np.asarray(P, float), np.asarray(p, float)
    hkl = hkl_box(4)
    df = classify_reflections(hkl, G, H, P, p)
    ops_p = parent_in_child(G, P, p)
    ops_c = exact_ops(H.rotations, H.translations)
    want = []
    for h in hkl.tolist():
        pa, ca = absent_exact(h, ops_p), absent_exact(h, ops_c)
        want.append("allowed" if not pa else ("absent" if ca else "SB"))
    assert list(df["class"]) == want
    assert (np.array(want) == "SB").any()
    # labels: the broken conditions (not contained in another) whose own operation extinguishes the reflection
    conds = [bc for bc in _broken_conditions(*_group_arrays(G), H, P, p) if bc.contained_in is None]
    for (h, cls, got) in zip(hkl.tolist(), want, df["broken"]):
        if cls != "SB":
            assert got == ""
            continue
        names = [bc.label for bc in conds if absent_exact(h, exact_ops([bc.child.R], [bc.child.t]))]
        assert got == "; ".join(names)


@pytest.mark.parametrize("parent, child, P, p", CASES)
def test_extinction_sets_are_one_operation_at_a_time(parent, child, P, p):
    G = SpaceGroupInfo.from_symbol(parent)
    P, p = np.asarray(P, float), np.asarray(p, float)
    ops = parent_in_child(G, P, p)
    W = np.array([[[float(v) for v in row] for row in R] for R, _ in ops])
    w = np.array([[float(v) % 1.0 for v in t] for _, t in ops])
    hkl = hkl_box(3)
    sets = extinction_sets(hkl, W, w)
    for k in range(0, len(ops), max(1, len(ops) // 12)):
        assert sets[k].tolist() == [absent_exact(h, [ops[k]]) for h in hkl.tolist()]
    assert absent_mask(hkl, W, w).tolist() == sets.any(axis=0).tolist()


def test_zones_by_hand():
    hkl = np.array([[1, 2, 3], [0, 2, 3], [1, 0, 3], [1, 2, 0], [1, 0, 0], [0, 2, 0], [0, 0, 3], [0, 0, 0]])
    assert zone_of(hkl).tolist() == ["hkl", "0kl", "h0l", "hk0", "h00", "0k0", "00l", "hkl"]
    df = classify_reflections(hkl[:-1], SpaceGroupInfo.from_symbol("P 1"), SpaceGroupInfo.from_symbol("P 1"))
    assert list(df["zone"]) == ["hkl", "0kl", "h0l", "hk0", "h00", "0k0", "00l"]
    assert str(df["zone"].dtype) == str(df["class"].dtype) == str(df["broken"].dtype) == "str"


def test_fixed_set_probe_never_loses_a_reflection():
    # reflections on the fixed set of a rotation, far out, where h·(R−I)·v could come near 0 for a poor probe:
    # every fixed reflection of every rotation of m-3m, ±60 in each index, is found
    G = SpaceGroupInfo.from_symbol("F m -3 m")
    hkl = hkl_box(6) * 10 + np.array([0, 1, -1])
    from symstrain.index_box import _fixed_rows

    Ms = [R - np.eye(3) for R in np.unique(G.rotations, axis=0).astype(float)]
    for M, idx in zip(Ms, _fixed_rows(hkl.astype(float), Ms)):
        want = np.flatnonzero(np.all(hkl @ M == 0, axis=1))
        assert (idx is None and not M.any()) or np.array_equal(idx, want)


@pytest.mark.parametrize("name", ["lawsonite/9002551.cif", "lawsonite/9002545.cif", "quirks/2019572.cif"])
def test_intensities_zero_by_symmetry_and_full_sums_elsewhere(shared_cifs, name):
    # oracle: the same atoms written out as a P 1 cell (no reflection is absent in P 1, so every |F|² is a full sum
    # over the atoms), and for the file whose reading gemmi shares, gemmi's own reading and expansion of the file
    import gemmi

    from symstrain.cif import read_cif
    from symstrain.expand import expand_to_cell
    from symstrain.intensities import predict_intensities
    from symstrain.phase import Atom, Phase
    from symstrain.reflection_classes import enumerate_hkl

    ph = read_cif(shared_cifs / name)
    hkl = enumerate_hkl(ph.cell, 1.3)
    I = predict_intensities(ph, hkl)
    absent = absent_mask(hkl, ph.spacegroup.rotations, ph.spacegroup.translations)
    assert absent.any() and np.all(I[absent] == 0.0)
    if all(a.u_aniso is None for a in ph.atoms):
        frac, _, site, occ = expand_to_cell(ph)
        atoms = tuple(Atom(f"X{k}", ph.atoms[s].element, x, np.full(3, np.nan), o, ph.atoms[s].u_iso)
                      for k, (x, s, o) in enumerate(zip(frac, site, occ)))
        ref = predict_intensities(Phase(ph.cell, SpaceGroupInfo.from_symbol("P 1"), atoms), hkl)
        rtol = 1e-9
    else:  # gemmi's own reading: coordinates of special positions may differ in the 6th digit
        rtol = 1e-4
        small = gemmi.make_small_structure_from_block(gemmi.cif.read(str(shared_cifs / name)).sole_block())
        small.change_occupancies_to_crystallographic()
        calc = gemmi.StructureFactorCalculatorX(small.cell)
        ref = np.abs(np.array([calc.calculate_sf_from_small_structure(small, h) for h in hkl.tolist()])) ** 2
    assert np.all(ref[absent] < 1e-12 * ref.max())
    assert np.allclose(I[~absent], ref[~absent], rtol=rtol, atol=1e-9 * ref.max())
