"""pairing.pair_images: the pairing of many image sets of a structure with the structure in one k-d tree query per
species, where the nearest neighbours decide it, equals pair_atoms' (the matching) set by set, and says where it
does not decide."""

from __future__ import annotations

import numpy as np

from symstrain.pairing import pair_atoms, pair_images

A = np.diag([7.0, 8.0, 9.0]) + np.array([[0, 0, 0.8], [0, 0, 0], [0, 0, 0]])  # columns: a, b, c (Å), β ≠ 90°


def _structure(rng, n=24):
    x = rng.uniform(0, 1, (n, 3))
    z = np.array([8] * (n // 2) + [14] * (n // 4) + [20] * (n - n // 2 - n // 4))
    return x, z


def test_sets_read_off_equal_pair_atoms():
    rng = np.random.default_rng(3)
    x, z = _structure(rng)
    ops = [np.eye(3), -np.eye(3), np.diag([1, -1, 1]), np.diag([-1, 1, -1])]
    # each set: the structure mapped by W, its atoms moved by < 0.1 Å and by whole cells (L must carry those)
    ys = np.array([x @ W.T + rng.normal(0, 0.02, x.shape) / np.diag(A) + rng.integers(-2, 3, x.shape) for W in ops])
    # against the structure itself, the images by I pair every atom with itself
    j, L, done = pair_images(ys[:1], x, z, A, 1.0)
    assert done.tolist() == [True]
    assert j[0].tolist() == list(range(len(x)))
    assert np.array_equal(L[0], np.rint(ys[0] - x))  # the whole cells each image was moved by
    # every set against its own reference (the structure mapped by W, in the cell), all at once, against pair_atoms
    for k, W in enumerate(ops):
        b = (x @ W.T) % 1.0
        jk, Lk, dk = pair_images(ys[k][None], b, z, A, 1.0)
        ja, La, _ = pair_atoms(ys[k], z, b, z, A, 1.0)
        assert dk.tolist() == [True]
        assert jk[0].tolist() == list(range(len(x))) and np.array_equal(jk[0], ja) and np.array_equal(Lk[0], La)


def test_undecided_sets_are_flagged():
    rng = np.random.default_rng(5)
    x, z = _structure(rng, 12)
    far = x.copy()
    far[0] += np.array([0.5, 0.5, 0.5])  # atom 0's image far from every atom of its species: no partner in 1 Å
    twin = x.copy()
    same = np.flatnonzero(z == z[1])[2]  # another atom of atom 1's species
    twin[1] = x[same] + 1e-3 / np.diag(A)  # atoms 1 and `same` both nearest to one atom: no pairing read off
    j, L, done = pair_images(np.array([x, far, twin]), x, z, A, 1.0)
    assert done.tolist() == [True, False, False]
    assert j[0].tolist() == list(range(len(x)))
