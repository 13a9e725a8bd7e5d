"""Mode amplitudes when the child file is written in a basis that the parent's lattice allows but its structure
does not (symstrain.modes).

P-42m parent (TiO₂-like: Ti on 1a, O on the general 8o position), P-4 child (the diagonal mirrors lost, same cell)
written in the basis (b, −a, c): a 4-fold rotation, a symmetry of the tetragonal lattice and of both groups' operation
lists but not of the parent structure (−42m has no 4-fold). Both P = (a, b, c) and P = (b, −a, c) make every child
operation a parent operation; only the second maps the parent structure onto the child's. The displacement is built
by hand: u on the first O orbit, −m·u on its mirror image (m = the lost mirror y, x, z), so it has no totally
symmetric part, and the amplitude is √(8·|u|²) over one parent cell."""

from __future__ import annotations

import numpy as np
import pytest
from cif_text import cif_text

from symstrain.cif import read_cif
from symstrain.modes import decompose

A, C = 4.5, 3.0
P42M = ["x,y,z", "-x,-y,z", "y,-x,-z", "-y,x,-z", "x,-y,-z", "-x,y,-z", "-y,-x,z", "y,x,z"]
P4 = ["x,y,z", "-x,-y,z", "y,-x,-z", "-y,x,-z"]


def _cif(name, ops, atoms):
    return cif_text(name, ops, [(lab, el, *x) for lab, el, x in atoms], (A, A, C), digits=8)


@pytest.mark.parametrize("reference", ["parent", "symmetrized"])
def test_child_in_a_rotated_basis(tmp_path, reference):
    x1 = np.array([0.2, 0.1, 0.3])
    u = np.array([0.03, 0.05, -0.04])  # Å, Cartesian = fractional × (A, A, C)
    uf = u / np.array([A, A, C])
    o1 = x1 + uf
    o2 = x1[[1, 0, 2]] - uf[[1, 0, 2]]  # the lost mirror (y, x, z) of x1, displaced by −m·u
    to_child = lambda x: np.array([x[1], -x[0], x[2]]) % 1.0  # x_child = P⁻¹·x_parent, P = (b, −a, c)
    (tmp_path / "p.cif").write_text(_cif("p", P42M, [("Ti", "Ti", (0, 0, 0)), ("O", "O", x1)]))
    (tmp_path / "c.cif").write_text(_cif("c", P4, [("Ti", "Ti", (0, 0, 0)), ("O1", "O", to_child(o1)),
                                                   ("O2", "O", to_child(o2))]))
    d = decompose(read_cif(tmp_path / "p.cif"), read_cif(tmp_path / "c.cif"), reference=reference)
    assert d.amplitude == pytest.approx(np.sqrt(8 * u @ u), rel=1e-6)


def _pa3_p213(d, dp):
    """Pa-3 (N on 24d at x₁) and its P2₁3 child (N1 = x₁ + d, N2 = −x₁ + d′; d, d′ in Å) on a 6 Å cube, and the child
    written on (a, c, −b)."""
    from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo

    nan3 = np.full(3, np.nan)
    a = 6.0
    x1 = np.array([0.11, 0.23, 0.37])
    cubic = Cell(a, a, a, 90, 90, 90)
    parent = Phase(cubic, SpaceGroupInfo.from_symbol("P a -3"), (Atom("N", "N", x1, nan3),), source="pa-3")
    child = Phase(cubic, SpaceGroupInfo.from_symbol("P 21 3"), (Atom("N1", "N", (x1 + d / a) % 1, nan3),
                                                                Atom("N2", "N", (-x1 + dp / a) % 1, nan3)),
                  source="p213")
    return parent, child, child.transformed(np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]))


def test_symmetrized_reference_tries_the_other_correspondences():
    """Pa-3 parent (N on the general 24d position x₁) and a P2₁3 child (the inversion lost: its two 12b orbits N1 =
    x₁ + d, N2 = −x₁ + d′, d and d′ in Å), the child written in the basis (a, c, −b): a 4-fold of the cubic lattice
    that Pa-3 lacks. relate finds P = (a, b, c) first; there the child's atoms pair with nothing under the lost
    inversion (pseudo's parent of PyXtal's P2₁3 N₂, written in its standard setting, failed like this with
    ``modes --reference symmetrized``). By hand, averaging over the inversion moves each atom by (d + d′)/2 and the
    24 atoms of the cell by as much: amplitude √24·|d + d′|/2 against the child's own average, in either basis;
    √(12·|d|² + 12·|d′|²) against the parent's atoms."""
    from symstrain.notation import basis_string
    from symstrain.relation import relate

    d, dp = np.array([0.03, -0.02, 0.05]), np.array([0.01, 0.04, -0.02])
    parent, child, rotated = _pa3_p213(d, dp)
    assert basis_string(relate(parent, rotated).P) == "(a, b, c)"
    for c in (child, rotated):
        sym = decompose(parent, c, reference="symmetrized")
        assert sym.amplitude == pytest.approx(np.sqrt(24) * np.linalg.norm(d + dp) / 2, rel=1e-9)
        assert decompose(parent, c).amplitude == pytest.approx(np.sqrt(12 * (d @ d + dp @ dp)), rel=1e-9)
    assert basis_string(sym.relation.P) == "(a, c, -b)"


def test_order_measures_the_distortion_where_the_decomposition_chose():
    """``order`` symmetrises the child at the decomposition's correspondence and origin: with the rotated P2₁3 child
    above that is P = (a, c, −b), not relate's (a, b, c) with the decomposition's origin (a placement no
    decomposition chose), and the amplitude is √24·|d + d′|/2 again."""
    from symstrain.notation import basis_string
    from symstrain.order import order_one

    d, dp = np.array([0.03, -0.02, 0.05]), np.array([0.01, 0.04, -0.02])
    parent, _, rotated = _pa3_p213(d, dp)
    r = order_one(parent, rotated)
    assert basis_string(r.distortion.relation.P) == basis_string(r.modes.relation.P) == "(a, c, -b)"
    assert np.allclose(r.distortion.relation.p, r.modes.origin)
    assert r.distortion.amplitude == pytest.approx(np.sqrt(24) * np.linalg.norm(d + dp) / 2, rel=1e-9)
