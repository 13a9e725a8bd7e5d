"""Invariant strain tensors and polar vectors per point group, against the textbook counts (Nye, Physical
Properties of Crystals: independent components of a symmetric rank-2 tensor: triclinic 6, monoclinic 4,
orthorhombic 3, tetragonal/trigonal/hexagonal 2, cubic 1; polar directions: 1 → 3, m → 2, 2 and mm2 and 4mm → 1,
centrosymmetric → 0)."""

import numpy as np
import pytest

from symstrain.phase import Cell, SpaceGroupInfo
from symstrain.tensors import cartesian_rotations, invariant_tensors, invariant_vectors, name_components

CASES = [
    ("P 1", Cell(5, 6, 7, 80, 85, 95), 6, 3),
    ("P -1", Cell(5, 6, 7, 80, 85, 95), 6, 0),
    ("P 1 m 1", Cell(5, 6, 7, 90, 100, 90), 4, 2),
    ("P 1 2/m 1", Cell(5, 6, 7, 90, 100, 90), 4, 0),
    ("P m m 2", Cell(5, 6, 7, 90, 90, 90), 3, 1),
    ("P m m m", Cell(5, 6, 7, 90, 90, 90), 3, 0),
    ("P 4 m m", Cell(5, 5, 7, 90, 90, 90), 2, 1),
    ("P 4/m m m", Cell(5, 5, 7, 90, 90, 90), 2, 0),
    ("P 6/m m m", Cell(5, 5, 7, 90, 90, 120), 2, 0),
    ("R -3 m:H", Cell(5, 5, 14, 90, 90, 120), 2, 0),
    ("P m -3 m", Cell(5, 5, 5, 90, 90, 90), 1, 0),
]


@pytest.mark.parametrize("symbol,cell,n_tensor,n_vector", CASES, ids=[c[0] for c in CASES])
def test_counts_match_nye(symbol, cell, n_tensor, n_vector):
    sg = SpaceGroupInfo.from_symbol(symbol)
    S = cartesian_rotations(np.unique(sg.rotations, axis=0), cell.matrix())
    assert np.allclose(np.einsum("nij,nkj->nik", S, S), np.eye(3), atol=1e-9)  # really rotations
    assert len(invariant_tensors(S)) == n_tensor
    assert invariant_vectors(S) == n_vector


def test_names_of_familiar_subspaces():
    cell = Cell(5, 5, 5, 90, 90, 90)
    S = cartesian_rotations(np.unique(SpaceGroupInfo.from_symbol("P m -3 m").rotations, axis=0), cell.matrix())
    assert name_components(invariant_tensors(S)) == ("e11+e22+e33",)
    S = cartesian_rotations(np.unique(SpaceGroupInfo.from_symbol("P 1 2/m 1").rotations, axis=0),
                            Cell(5, 6, 7, 90, 100, 90).matrix())
    assert name_components(invariant_tensors(S)) == ("e11", "e22", "e33", "e13")
