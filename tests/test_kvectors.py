"""k-vector geometry (symstrain.kvectors): the copy of k that is written, by hand."""

from __future__ import annotations

import numpy as np

from symstrain.kvectors import positive_first, shortest_copy


def test_positive_first_writes_k_and_minus_k_alike():
    # a real (physically irreducible) representation holds k and −k: one is written, first non-zero coordinate > 0
    assert positive_first(np.array([-0.5, 0.0, 0.0])).tolist() == [0.5, 0.0, 0.0]
    assert positive_first(np.array([0.0, -0.5, 0.5])).tolist() == [0.0, 0.5, -0.5]
    assert positive_first(np.array([0.0, 0.5, -0.5])).tolist() == [0.0, 0.5, -0.5]
    out = positive_first(np.array([0.0, 0.0, 0.0]))
    assert out.tolist() == [0.0, 0.0, 0.0] and not np.signbit(out).any()


def test_shortest_copy_of_a_rhombohedral_k_in_hexagonal_axes():
    """R in hexagonal axes (a = 5, c = 14 Å): (−3, 1/2, 1/2) and (0, 1/2, 1/2) differ by (−3, 0, 0), a vector of the
    reciprocal lattice of the obverse R lattice (−h + k + l = 3n), and the latter is shorter; k = (1/2, 0, 0) has no
    shorter copy (its copies differ by a reciprocal-lattice vector of length ≥ |a*|)."""
    a, c = 5.0, 14.0
    metric = np.array([[a * a, -a * a / 2, 0], [-a * a / 2, a * a, 0], [0, 0, c * c]])
    cent = np.array([[2 / 3, 1 / 3, 1 / 3], [1 / 3, 2 / 3, 2 / 3]])
    assert np.allclose(shortest_copy(np.array([-3.0, 0.5, 0.5]), metric, cent), [0, 0.5, 0.5])
    assert np.allclose(shortest_copy(np.array([0.5, 0.0, 0.0]), metric, cent), [0.5, 0, 0])
