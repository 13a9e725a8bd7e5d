"""Value objects: the s.u. notation, cell geometry, setting changes."""

import math

import numpy as np
import pytest

from symstrain.notation import format_su
from symstrain.phase import Cell, SpaceGroupInfo, Phase, Atom


@pytest.mark.parametrize("v,s,expected", [
    (12.3704, 0.002, "12.370(2)"),      # one significant digit
    (12.3704, 0.0015, "12.3704(15)"),   # two when the s.u. starts with 1
    (93.1, 0.0, "93.1(0)"),             # (0) kept: known exactly, not missing
    (93.1, None, "93.1"),               # no s.u.: the value only
    (-0.0275229, 0.00031, "-0.0275(3)"),
    (1234.5, 12.0, "1234(12)"),
    (float("nan"), 0.1, "—"),
    (-1e-15, None, "0"),                # rounding noise is not "-0"
])
def test_format_su(v, s, expected):
    assert format_su(v, s) == expected


def test_monoclinic_volume_and_matrix_frames():
    c = Cell(10.05, 11.98, 15.10, 90, 93.1, 90)
    V = 10.05 * 11.98 * 15.10 * math.sin(math.radians(93.1))
    assert c.volume == pytest.approx(V, rel=1e-12)
    for frame in ("cstar", "c"):
        A = c.matrix(frame)
        assert abs(np.linalg.det(A)) == pytest.approx(V, rel=1e-12)
        assert np.allclose(np.linalg.norm(A, axis=0), [10.05, 11.98, 15.10])
    assert np.allclose(c.matrix("cstar")[1:, 0], 0)  # X ∥ a
    assert np.allclose(c.matrix("c")[:2, 2], 0)      # Z ∥ c


def test_setting_change_round_trip():
    sg = SpaceGroupInfo.from_symbol("P 1 21/c 1")
    ph = Phase(Cell(10, 12, 15, 90, 93, 90), sg, (Atom("O1", "O", np.array([0.1, 0.2, 0.3]), np.full(3, np.nan)),))
    P = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 1]])  # c' = a + c: the P 1 21/n 1 description
    t = ph.transformed(P)
    assert t.spacegroup.hm == "P 1 21/n 1" and t.spacegroup.number == 14
    assert t.cell.volume == pytest.approx(ph.cell.volume, rel=1e-12)
    back = t.transformed(np.linalg.inv(P))
    assert np.allclose(back.atoms[0].xyz, [0.1, 0.2, 0.3]) and back.spacegroup.hm == "P 1 21/c 1"


def test_an_atom_survives_pickling_bit_for_bit():
    # batch results cross process boundaries pickled; an Atom travels as plain floats and must come back as the
    # same float64 arrays, NaN s.u.'s, anisotropic U and all
    import pickle

    import numpy as np

    from symstrain.phase import Atom

    xyz = np.array([np.nextafter(0.1, 1.0), 1 / 3, -0.0])
    a = Atom("Fe1", "Fe", xyz, np.array([2e-5, np.nan, 0.0]), 0.875, None, (0.01, 0.02, 0.03, 0.0, -1e-3, 0.0), "2")
    b = pickle.loads(pickle.dumps(a))
    assert b.xyz.dtype == np.float64 and b.xyz_su.dtype == np.float64
    assert b.xyz.tobytes() == xyz.tobytes()  # -0.0 and the last bit kept
    assert np.isnan(b.xyz_su[1]) and b.xyz_su[0] == 2e-5 and b.xyz_su[2] == 0.0
    assert (b.label, b.element, b.occupancy, b.u_iso, b.u_aniso, b.disorder_group) == \
        ("Fe1", "Fe", 0.875, None, (0.01, 0.02, 0.03, 0.0, -1e-3, 0.0), "2")


def test_a_phase_survives_pickling_with_its_atoms_as_columns():
    # a Phase pickles its atoms as columns (two (n, 3) arrays and a tuple per other field): every field of every
    # atom must come back bit for bit, in order, each atom's coordinates its own writeable (3,) row
    import pickle
    from dataclasses import fields

    import numpy as np

    from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo

    atoms = (Atom("Fe1", "Fe", np.array([np.nextafter(0.1, 1.0), 1 / 3, -0.0]), np.array([2e-5, np.nan, 0.0]),
                  0.875, None, (0.01, 0.02, 0.03, 0.0, -1e-3, 0.0), "2"),
             Atom("O1", "O", np.array([0.5, 0.25, 0.75]), np.full(3, np.nan), 1.0, 0.012, None, ""))
    ph = Phase(Cell(5.0, 6.0, 7.0, 90.0, 93.1, 90.0, su=(1e-4, None, 2e-4, None, 0.01, None)),
               SpaceGroupInfo.from_symbol("P 1 21/c 1"), atoms, source="x.cif", block="b", temperature=300.0,
               temperature_su=0.5, temperature_source="_diffrn_ambient_temperature", formula="Fe O", z=4.0,
               warnings=("a note",))
    back = pickle.loads(pickle.dumps(ph, protocol=5))
    assert type(back) is Phase and len(back.atoms) == 2
    for f in fields(Phase):
        if f.name != "atoms":
            assert getattr(back, f.name) == getattr(ph, f.name) or f.name == "spacegroup"
    assert back.spacegroup.hall == ph.spacegroup.hall and np.array_equal(back.spacegroup.rotations,
                                                                         ph.spacegroup.rotations)
    for a, b in zip(atoms, back.atoms):
        assert type(b) is Atom
        for k in ("xyz", "xyz_su"):
            got = getattr(b, k)
            assert got.shape == (3,) and got.dtype == np.float64 and got.flags.writeable
            assert got.tobytes() == getattr(a, k).tobytes()  # -0.0, NaN and the last bit kept
        assert [getattr(b, f.name) for f in fields(Atom) if f.name not in ("xyz", "xyz_su")] == \
            [getattr(a, f.name) for f in fields(Atom) if f.name not in ("xyz", "xyz_su")]
    back.atoms[0].xyz[0] = 0.9  # one atom's coordinates are its own
    assert back.atoms[1].xyz[0] == 0.5 and back.atoms[0].moved([0.1, 0.2, 0.3]).xyz[2] == 0.3
    empty = pickle.loads(pickle.dumps(Phase(ph.cell, ph.spacegroup, ())))
    assert empty.atoms == ()


def test_cell_volume_is_computed_once_and_stays_the_closed_form():
    import math
    import pickle

    from symstrain.phase import Cell

    c = Cell(5.0, 6.0, 7.0, 80.0, 100.0, 110.0)
    ca, cb, cg = (math.cos(math.radians(x)) for x in (80.0, 100.0, 110.0))
    want = 5 * 6 * 7 * math.sqrt(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg)
    assert c.volume == pytest.approx(want, rel=1e-12) and c.volume is c.volume  # remembered
    back = pickle.loads(pickle.dumps(c))
    assert back == c and hash(back) == hash(c) and back.volume == c.volume
