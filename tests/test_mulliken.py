"""Mulliken symbols of the point groups with an axis of order 3, 4 or 6 and of the cubic ones.

Independent numbers: the characters are those of textbook basis functions (polynomials in x, y, z with x ∥ a and
z ∥ c, the axial vector R), computed here by letting each operation of the group act on the functions; the
expected names are those of the standard character tables (e.g. D4h: z → A2u, x² − y² → B1g, xy → B2g, xyz → B1u,
z(x² − y²) → B2u; Oh: (x, y, z) → T1u, (xy, yz, zx) → T2g; Td: (x, y, z) → T2, R → T1; D6h with x along the
C2′ axis: x(x² − 3y²) → B1u, y(3x² − y²) → B2u).
"""

import gemmi
import numpy as np
import pytest

from symstrain.mulliken import mulliken_label
from symstrain.notation import triplet

X, Y, Z = (lambda r: r[0]), (lambda r: r[1]), (lambda r: r[2])
VEC = [X, Y, Z]
R_AXIAL = "R"  # the axial vector (Rx, Ry, Rz): transforms as det(W)·W

F = {
    "z": [Z], "x2+y2": [lambda r: r[0] ** 2 + r[1] ** 2], "x2-y2": [lambda r: r[0] ** 2 - r[1] ** 2],
    "xy": [lambda r: r[0] * r[1]], "xyz": [lambda r: r[0] * r[1] * r[2]],
    "z(x2-y2)": [lambda r: r[2] * (r[0] ** 2 - r[1] ** 2)],
    "x(x2-3y2)": [lambda r: r[0] * (r[0] ** 2 - 3 * r[1] ** 2)],
    "y(3x2-y2)": [lambda r: r[1] * (3 * r[0] ** 2 - r[1] ** 2)],
    "(x,y)": [X, Y], "(xz,yz)": [lambda r: r[0] * r[2], lambda r: r[1] * r[2]],
    "(x2-y2,xy)": [lambda r: r[0] ** 2 - r[1] ** 2, lambda r: r[0] * r[1]],
    "(x,y,z)": VEC, "(xy,yz,zx)": [lambda r: r[0] * r[1], lambda r: r[1] * r[2], lambda r: r[2] * r[0]],
    "(2z2-x2-y2,x2-y2)": [lambda r: 2 * r[2] ** 2 - r[0] ** 2 - r[1] ** 2, lambda r: r[0] ** 2 - r[1] ** 2],
    "x2+y2+z2": [lambda r: r @ r],
}


def characters(W_cart, funcs):
    """χ(W) of the functions' span under (W·f)(r) = f(W⁻¹·r), from their values at random points."""
    if funcs == R_AXIAL:
        return np.array([np.linalg.det(W) * np.trace(W) for W in W_cart])
    pts = np.random.default_rng(0).normal(size=(40, 3))
    F0 = np.array([[f(r) for f in funcs] for r in pts])
    out = []
    for W in W_cart:
        Wi = np.linalg.inv(W)
        F1 = np.array([[f(Wi @ r) for f in funcs] for r in pts])
        D, *_ = np.linalg.lstsq(F0, F1, rcond=None)
        assert np.allclose(F0 @ D, F1, atol=1e-9)  # the span is invariant
        out.append(np.trace(D))
    return np.array(out)


def group(symbol, cell=None):
    """The point operations of ``symbol`` (conventional basis, one per rotation), their Cartesian matrices (x ∥ a,
    z ∥ c) and the conventional metric."""
    sg = gemmi.SpaceGroup(symbol)
    rots = np.unique(np.array([np.array(op.rot) // gemmi.Op.DEN for op in sg.operations()]), axis=0)
    system = sg.crystal_system_str()
    cell = cell or {"cubic": (5, 5, 5, 90, 90, 90), "tetragonal": (5, 5, 7, 90, 90, 90),
                    "orthorhombic": (5, 6, 7, 90, 90, 90),
                    "trigonal": (5, 5, 7, 90, 90, 120), "hexagonal": (5, 5, 7, 90, 90, 120)}[system]
    A = np.array(gemmi.UnitCell(*cell).orth.mat)
    return rots, np.einsum("ij,njk,kl->nil", A, rots.astype(float), np.linalg.inv(A)), A.T @ A


CASES = {
    "P 4/m m m": {"z": "A2u", "x2+y2": "A1g", "x2-y2": "B1g", "xy": "B2g", "(xz,yz)": "Eg", "(x,y)": "Eu",
                  "xyz": "B1u", "z(x2-y2)": "B2u"},
    "P 4 m m": {"z": "A1", "x2-y2": "B1", "xy": "B2", "(x,y)": "E"},
    "P -4 2 m": {"z": "B2", "x2-y2": "B1", "xy": "B2", "(x,y)": "E"},
    "P 4 2 2": {"z": "A2", "x2-y2": "B1", "xy": "B2", "(x,y)": "E"},
    "P 4/m": {"z": "Au", "x2-y2": "Bg", "xy": "Bg", "(x,y)": "Eu", "(xz,yz)": "Eg"},
    "P 4": {"z": "A", "x2-y2": "B", "(x,y)": "E"},
    "P -4": {"z": "B", "x2-y2": "B", "(x,y)": "E"},
    "P 6/m m m": {"z": "A2u", "x2+y2": "A1g", "x(x2-3y2)": "B1u", "y(3x2-y2)": "B2u", "(x,y)": "E1u",
                  "(xz,yz)": "E1g", "(x2-y2,xy)": "E2g"},
    "P 6 m m": {"z": "A1", "(x,y)": "E1", "(x2-y2,xy)": "E2", "x(x2-3y2)": "B1", "y(3x2-y2)": "B2"},
    "P 6 2 2": {"z": "A2", "(x,y)": "E1", "x(x2-3y2)": "B1", "y(3x2-y2)": "B2"},
    "P 6/m": {"z": "Au", "(x,y)": "E1u", "(x2-y2,xy)": "E2g", "x(x2-3y2)": "Bu"},
    "P 6": {"z": "A", "(x,y)": "E1", "(x2-y2,xy)": "E2", "x(x2-3y2)": "B"},
    "P -6 m 2": {"z": "A2''", "(x,y)": "E'", "x2+y2": "A1'", "(xz,yz)": "E''"},
    "P -6": {"z": "A''", "(x,y)": "E'", "(xz,yz)": "E''", "x2+y2": "A'"},
    "P -3 m 1": {"z": "A2u", "(x,y)": "Eu", "x2+y2": "A1g", "(xz,yz)": "Eg"},
    "R -3 m": {"z": "A2u", "(x,y)": "Eu", "x2+y2": "A1g"},
    "P 3 m 1": {"z": "A1", "(x,y)": "E"},
    "P 3 2 1": {"z": "A2", "(x,y)": "E"},
    "P -3": {"z": "Au", "(x,y)": "Eu"},
    "P 3": {"z": "A", "(x,y)": "E"},
    "P m -3 m": {"(x,y,z)": "T1u", "(xy,yz,zx)": "T2g", "(2z2-x2-y2,x2-y2)": "Eg", "xyz": "A2u",
                 "x2+y2+z2": "A1g", R_AXIAL: "T1g"},
    "P -4 3 m": {"(x,y,z)": "T2", "xyz": "A1", R_AXIAL: "T1", "(2z2-x2-y2,x2-y2)": "E"},
    "P 4 3 2": {"(x,y,z)": "T1", "xyz": "A2", "(xy,yz,zx)": "T2", "(2z2-x2-y2,x2-y2)": "E"},
    "P m -3": {"(x,y,z)": "Tu", "xyz": "Au", "(xy,yz,zx)": "Tg", "(2z2-x2-y2,x2-y2)": "Eg"},
    "P 2 3": {"(x,y,z)": "T", "xyz": "A", "(2z2-x2-y2,x2-y2)": "E"},
}


def test_rhombohedral_axes():
    """R −3 m in rhombohedral axes (no cell vector ⟂ the 3-fold along [111]): the same names as in hexagonal axes,
    with z along the 3-fold — here the Cartesian frame is turned so that it is: z → A2u, (x, y) → Eu, x² + y² → A1g."""
    rots, cart, metric = group("R -3 m:R", cell=(5, 5, 5, 80, 80, 80))
    A = np.array(gemmi.UnitCell(5, 5, 5, 80, 80, 80).orth.mat)
    z = A @ np.ones(3)  # the 3-fold [111]
    z /= np.linalg.norm(z)
    x = np.cross([0.0, 1.0, 0.0], z)
    x /= np.linalg.norm(x)
    frame = np.array([x, np.cross(z, x), z])  # rows: the new x, y, z
    turned = np.einsum("ij,njk,lk->nil", frame, cart, frame)
    names = [triplet(R, np.zeros(3)) for R in rots]
    for funcs, expected in {"z": "A2u", "(x,y)": "Eu", "x2+y2": "A1g"}.items():
        assert mulliken_label("-3m", names, characters(turned, F[funcs]), rots, metric) == expected


@pytest.mark.parametrize("symbol", list(CASES))
def test_mulliken_symbols_from_basis_functions(symbol):
    rots, cart, metric = group(symbol)
    names = [triplet(R, np.zeros(3)) for R in rots]
    for funcs, expected in CASES[symbol].items():
        chi = characters(cart, R_AXIAL if funcs == R_AXIAL else F[funcs])
        got = mulliken_label("", names, chi, rots, metric)
        assert got == expected, f"{symbol}: {funcs} gave {got}, expected {expected}"


def test_orthorhombic_and_monoclinic_keep_their_symbols():
    """Groups without an axis of order ≥ 3 are named by their kept 2-folds as before (mmm: xy keeps the 2-fold ∥ z:
    B1g; z: B1u)."""
    rots, cart, metric = group("P m m m")
    names = [triplet(R, np.zeros(3)) for R in rots]
    assert mulliken_label("mmm", names, characters(cart, F["xy"]), rots, metric) == "B1g"
    assert mulliken_label("mmm", names, characters(cart, F["z"]), rots, metric) == "B1u"
