"""The child's own average at a moved origin (``pairing.shifted_average``) against the average computed again.

A genuine P1 supercell (four Pmmm subcells, every atom displaced by its own small amount) averaged over the 31 lost
cosets: moving the relation's origin by δ moves each lost translation by (W − I)·δ. Where every image moves less than
the room ``symmetrized_positions`` reports, the closed form (the average moved as a whole by −(1/n) Σ (I − W_k)·δ)
must equal ``symmetrized_positions`` run again at the moved cosets; beyond the room it must decline (None). The
oracle is the full computation, and the closed form's shift is also checked by hand for one δ.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_modes_memory import CELL, PARENT_ATOMS, PMMM, _cif

from symstrain.cif import read_cif
from symstrain.expand import expand_to_cell_ops
from symstrain.pairing import shifted_average, symmetrized_positions
from symstrain.relation import relate


@pytest.fixture(scope="module")
def supercell(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("p1")
    (tmp / "pmmm.cif").write_text(_cif("pmmm", PMMM, PARENT_ATOMS))
    rng = np.random.default_rng(3)
    n, atoms = 4, []
    for i in range(n):
        for lab, el, x, y, z in PARENT_ATOMS:
            d = rng.uniform(-0.02, 0.02, 3)
            atoms.append((f"{lab}_{i}", el, ((x + i) / n + d[0] / n) % 1, (y + d[1]) % 1, (z + d[2]) % 1))
    (tmp / "p1.cif").write_text(_cif("p1", [(1, 1, 1)], atoms, 1, cell=(n * CELL[0], CELL[1], CELL[2])))
    parent, child = read_cif(tmp / "pmmm.cif"), read_cif(tmp / "p1.cif")
    rel = relate(parent, child).require()
    frac, species = expand_to_cell_ops(child)[:2]
    return rel.coset_representatives(), frac, species, child.cell.matrix()


def _moved(cosets, delta):
    out = cosets.copy()
    out[:, :3, 3] += (out[:, :3, :3] - np.eye(3)) @ delta
    return out


def test_within_the_room_the_closed_form_is_the_average_computed_again(supercell):
    cosets, frac, species, A = supercell
    assert len(cosets) == 32
    base, room = symmetrized_positions(frac, species, cosets, A, 2.0, "p1", slack=True)
    assert room.shape == (31,) and np.all(room > 0.05)  # images ≥ 0.1 Å nearer their partner than any other atom
    rng = np.random.default_rng(0)
    for _ in range(20):
        delta = rng.normal(size=3) * 0.004  # child fractional: at most a few hundredths of an Å
        moved = shifted_average(base, room, cosets, A, delta)
        assert moved is not None
        again = symmetrized_positions(frac, species, _moved(cosets, delta), A, 2.0, "p1")
        assert np.abs((moved - again) @ A.T).max() < 1e-12


def test_the_shift_by_hand_and_beyond_the_room(supercell):
    cosets, frac, species, A = supercell
    base, room = symmetrized_positions(frac, species, cosets, A, 2.0, "p1", slack=True)
    # δ along c: the cosets whose rotation reverses z (half of the 31 lost ones: 16 of them, with −1 in (3, 3))
    # move their images by −2δ_z, the others not at all; the average moves by −(1/32)·Σ (1 − W_k,33)·δ_z
    delta = np.array([0.0, 0.0, 0.001])
    flips = int(np.sum(cosets[1:, 2, 2] == -1))
    assert flips == 16
    moved = shifted_average(base, room, cosets, A, delta)
    np.testing.assert_allclose(moved - base, np.tile([0.0, 0.0, -2 * flips * 0.001 / 32], (len(base), 1)),
                               atol=1e-15)
    # half a subcell along a: every image lands on another atom's place, the pairing changes — declined
    assert shifted_average(base, room, cosets, A, np.array([0.125, 0.0, 0.0])) is None
