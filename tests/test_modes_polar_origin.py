"""Mode amplitudes of a child written with its origin moved along a polar axis (symstrain.modes).

A polar child's origin along its polar axis is free: a file may put it anywhere. The decomposition must find the
shift itself, not only remove what is left of it after pairing with the parent at the relation's origin. Expected
amplitudes are built by hand from the displacements imposed on the parent."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from cif_text import cif_text

from symstrain.cif import read_cif
from symstrain.modes import decompose

A, C = 4.0, 4.1
P4MM_OPS = ["x,y,z", "-x,-y,z", "-y,x,z", "y,-x,z", "x,-y,z", "-x,y,z", "-y,-x,z", "y,x,z"]
PMM2_OPS = ["x,y,z", "-x,-y,z", "x,-y,z", "-x,y,z"]


def _cif(name, ops, atoms, a=A, b=A, c=C):
    return cif_text(name, ops, atoms, (a, b, c))


def _pair(tmp_path, shift, delta):
    """P4mm perovskite parent and a Pmm2 child (the 4-fold lost) whose two O of the parent's 2c orbit move by
    ±delta along c (a B1 mode: no mean shift), the whole child then moved by ``shift`` along c."""
    parent = [("Pb", "Pb", 0, 0, 0), ("Ti", "Ti", .5, .5, .52), ("O1", "O", .5, .5, .1), ("O2", "O", .5, 0, .6)]
    child = [("Pb", "Pb", 0, 0, 0), ("Ti", "Ti", .5, .5, .52), ("O1", "O", .5, .5, .1),
             ("O2", "O", .5, 0, .6 + delta), ("O3", "O", 0, .5, .6 - delta)]
    child = [(lab, el, x, y, (z + shift) % 1.0) for lab, el, x, y, z in child]
    pp, cp = tmp_path / "p4mm.cif", tmp_path / "pmm2.cif"
    pp.write_text(_cif("p4mm", P4MM_OPS, parent))
    cp.write_text(_cif("pmm2", PMM2_OPS, child))
    return read_cif(pp), read_cif(cp)


@pytest.mark.parametrize("reference", ["parent", "symmetrized"])
@pytest.mark.parametrize("shift", [0.0, 0.3, 0.5, 0.75])
def test_amplitude_does_not_depend_on_the_origin_along_the_polar_axis(tmp_path, shift, reference):
    """The B1 pattern has no totally symmetric part: the child averaged over P4mm is the parent, so both references
    give the amplitude by hand."""
    delta = 0.01
    parent, child = _pair(tmp_path, shift, delta)
    expected = math.sqrt(2) * delta * C  # two O atoms moved by delta·c, one parent primitive cell
    d = decompose(parent, child, reference=reference)
    assert d.amplitude == pytest.approx(expected, rel=1e-6)
    # Pb, Ti and O1 sit on sites both groups fix: their largest displacement is exactly 0, not rounding (2e-16 Å
    # at the shift 0.3 before); O2's pair moves by delta·c
    assert {s.parent_site: s.max_displacement for s in d.splitting if s.parent_site != "O2"} == {
        "Pb": 0.0, "Ti": 0.0, "O1": 0.0}
    # the uniform shift is along c only
    assert abs(d.polar_shift[0]) < 1e-9 and abs(d.polar_shift[1]) < 1e-9


def test_averaged_child_of_a_polar_child_of_a_centrosymmetric_parent(tmp_path):
    """Pmmm → Pmm2 (inversion lost, polar along c), the child moved by 0.3·c: the lost inversion at the relation's
    origin sends the child 0.6·c away from itself, so the averaged child must be taken about the origin the parent's
    atoms fix. The pattern A +2ε, X1 and X2 −ε along c has no mean and no totally symmetric part (A, B are on fixed
    sites; the X pair's free mode is z1 = −z2), so the averaged child is the parent and the amplitude by hand is
    c·ε·√6 (one parent cell)."""
    a, b, c, eps, shift = 4.0, 4.5, 6.0, 0.004, 0.3
    pmmm = ["x,y,z", "-x,-y,z", "-x,y,-z", "x,-y,-z", "-x,-y,-z", "x,y,-z", "x,-y,z", "-x,y,z"]
    pmm2 = ["x,y,z", "-x,-y,z", "x,-y,z", "-x,y,z"]

    parent = [("A", "Sr", 0, 0, 0), ("B", "Ti", 0, 0, .5), ("X", "O", .5, .5, .2)]
    child = [("A", "Sr", 0, 0, 2 * eps), ("B", "Ti", 0, 0, .5), ("X1", "O", .5, .5, .2 - eps),
             ("X2", "O", .5, .5, .8 - eps)]
    child = [(lab, el, x, y, (z + shift) % 1.0) for lab, el, x, y, z in child]
    (tmp_path / "p.cif").write_text(_cif("pmmm", pmmm, parent, a, b, c))
    (tmp_path / "c.cif").write_text(_cif("pmm2", pmm2, child, a, b, c))
    p, ch = read_cif(tmp_path / "p.cif"), read_cif(tmp_path / "c.cif")
    for reference in ("parent", "symmetrized"):
        d = decompose(p, ch, reference=reference)
        assert d.amplitude == pytest.approx(c * eps * math.sqrt(6), rel=1e-6)


def test_polar_origins_are_one_per_class_of_parent_translations():
    """On a supercell the parent's atoms of the rarest species repeat with the parent's lattice: every shift they
    suggest along the polar axis is one origin modulo that lattice, so their number must not grow with the cell
    (it did: order and pseudo went quadratic on the n·a lawsonite cells of bench_scaling). By hand: parent Pb at
    the origin, child on (a, b, 3c) (P = diag(1, 1, 3)) with its first Pb at z = 0.1/3; the parent's Pb sit at
    z = 0, 1/3, 2/3 of the child cell, so the shifts are 0.1/3, 0.1/3 − 1/3, 0.1/3 − 2/3 of the child's c, i.e.
    0.1, −0.9, −1.9 of the parent's: origins −0.1, 0.9, 1.9, all −0.1 modulo 1 — one origin."""
    from symstrain.mode_reference import polar_origins

    P = np.diag([1.0, 1.0, 3.0])
    cell = np.diag([A, A, 3 * C])
    frac = np.array([[0.0, 0.0, 0.1 / 3 + k / 3] for k in range(3)])
    species = np.array([82, 82, 82])
    pf, pz = np.zeros((1, 3)), np.array([82])
    polar = np.array([[0.0], [0.0], [1.0]])
    got = polar_origins(np.zeros((1, 3)), frac, species, pf, pz, P, cell, polar)
    assert got.shape == (1, 3)
    assert got[0, :2] == pytest.approx([0.0, 0.0], abs=1e-12)
    assert got[0, 2] % 1.0 == pytest.approx(0.9, abs=1e-9)
    # a centring translation (0, 0, 1/2) of the parent makes −0.1 and 0.4 one origin as well
    got2 = polar_origins(np.zeros((1, 3)), frac, species, np.array([[0, 0, 0], [0, 0, 0.5]]), np.array([82, 82]),
                          P, cell, polar, centring=np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.5]]))
    assert len(got2) == 1 and got2[0, 2] % 0.5 == pytest.approx(0.4, abs=1e-9)


P21M_OPS = ["x,y,z", "-x,y+1/2,-z", "-x,-y,-z", "x,-y+1/2,z"]
P21_OPS = ["x,y,z", "-x,y+1/2,-z"]


def _monoclinic_cif(name, ops, atoms, a, b, c, beta):
    return cif_text(name, ops, atoms, (a, b, c), (90, beta, 90))


@pytest.mark.parametrize("shift, reverse", [(0.0, False), (0.13, False), (0.37, True), (0.5, True), (0.81, False)])
def test_averaged_child_is_found_along_the_polar_axis_from_the_childs_own_atoms(tmp_path, shift, reverse):
    """P2₁/m → P2₁ (inversion lost, polar along b) against the child's own average, the parent file without atoms:
    nothing but the child tells where the lost inversion sits along b. Each child atom pair related by the lost
    inversion is moved by the same vector (an inversion-odd pattern; the Fe on the mirror moves along b only), so the
    average is the P2₁/m structure and the amplitude by hand is √(Σ|u|² − N·ū_b²) (one parent cell, ū_b the
    mean displacement along b, removed as the free polar shift). The child is written with its origin moved along b by
    ``shift`` and its atoms listed in either order: the amplitude may depend on neither (before, it came from the
    file's own origin and was wrong for every shift but 0)."""
    a, b, c, beta = 7.0, 6.0, 8.0, 100.0
    u_fe, u_o, u_n = np.array([0, .015, 0]), np.array([.004, .01, -.003]), np.array([-.005, .006, .004])
    fe, o, n = np.array([.1, .25, .2]), np.array([.3, .05, .4]), np.array([.62, .12, .83])
    child = [("Fe1", "Fe", *(fe + u_fe)), ("O1", "O", *(o + u_o)), ("O2", "O", *(-o + u_o)),
             ("N1", "N", *(n + u_n)), ("N2", "N", *(-n + u_n))]
    child = [(lab, el, x % 1.0, (y + shift) % 1.0, z % 1.0) for lab, el, x, y, z in child]
    if reverse:
        child = child[::-1]
    (tmp_path / "p.cif").write_text(_monoclinic_cif("p21m", P21M_OPS, [("Fe", "Fe", *fe)], a, b, c, beta))
    (tmp_path / "c.cif").write_text(_monoclinic_cif("p21", P21_OPS, child, a, b, c, beta))
    # Cartesian displacements by hand: a along x, b along y, c in the xz plane at β from a
    M = np.array([[a, 0, c * math.cos(math.radians(beta))], [0, b, 0], [0, 0, c * math.sin(math.radians(beta))]])
    R = np.diag([-1.0, 1.0, -1.0])  # the 2₁ axis on a displacement: each orbit's second atom moves by R·u
    cart = [M @ v for v in (u_fe, R @ u_fe, u_o, R @ u_o, u_o, R @ u_o, u_n, R @ u_n, u_n, R @ u_n)]
    total = sum(float(v @ v) for v in cart)
    mean_b = sum(v[1] for v in cart) / len(cart)
    expected = math.sqrt(total - len(cart) * mean_b**2)
    parent = replace(read_cif(tmp_path / "p.cif"), atoms=())  # the group and cell only
    d = decompose(parent, read_cif(tmp_path / "c.cif"), reference="symmetrized")
    assert d.amplitude == pytest.approx(expected, rel=1e-6)
    assert np.all((d.origin >= 0) & (d.origin < 1))  # written in [0, 1), not as (0, −0.7, 0)


def test_index_one_pair_of_a_polar_group(tmp_path):
    """P4mm → P4mm (no operation lost; sweep 5 crashed with 'max() arg is an empty sequence' in the polar grid).
    The child is the parent with its O2 pair moved by +delta along c (a totally symmetric A1 pattern) and the
    whole child moved by 0.3·c. Against the parent: the uniform shift comes off and what is left is the A1 pattern,
    by hand: the mean shift over the 5 atoms is 2·delta·c/5, so the amplitude is c·delta·√(2·(3/5)² + 3·(2/5)²)
    = c·delta·√(6/5). Against the averaged child: nothing is lost, the averaged child is the child, amplitude 0."""
    delta, shift = 0.01, 0.3
    parent = [("Pb", "Pb", 0, 0, 0), ("Ti", "Ti", .5, .5, .52), ("O1", "O", .5, .5, .1), ("O2", "O", .5, 0, .6)]
    child = [("Pb", "Pb", 0, 0, 0), ("Ti", "Ti", .5, .5, .52), ("O1", "O", .5, .5, .1), ("O2", "O", .5, 0, .6 + delta)]
    child = [(lab, el, x, y, (z + shift) % 1.0) for lab, el, x, y, z in child]
    (tmp_path / "p.cif").write_text(_cif("p", P4MM_OPS, parent))
    (tmp_path / "c.cif").write_text(_cif("c", P4MM_OPS, child))
    p, ch = read_cif(tmp_path / "p.cif"), read_cif(tmp_path / "c.cif")
    d = decompose(p, ch)
    assert d.amplitude == pytest.approx(C * delta * math.sqrt(6 / 5), rel=1e-6)
    assert decompose(p, ch, reference="symmetrized").amplitude == 0.0
    from symstrain.order import order_series

    (res,) = order_series(p, [ch]).results
    assert res.eta_modes == 0.0
