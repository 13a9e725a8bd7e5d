"""The numeric kernels of the ladder certificates (symstrain/certificate_kernels.py) against plain oracles.

Oracles: distances to every periodic image of every atom within ±2 cells (brute force, a few lines of numpy), a
dictionary of row tuples for deduplication, a loop of 3 × 3 products, and the refutation asked atom by atom.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import symstrain.certificate_kernels as ck

SHIFTS = np.array(list(itertools.product(range(-2, 3), repeat=3)), dtype=float)


def cell(seed, n=40, kinds=3):
    rng = np.random.default_rng(seed)
    A = np.diag(rng.uniform(6, 9, 3)) + rng.uniform(-0.8, 0.8, (3, 3))  # columns, a sheared cell
    return rng.random((n, 3)), rng.integers(0, kinds, n).astype(np.int64), A, rng


def nearest(A, pos, types, point, kind, exclude=-1):
    """Å from ``point`` to the nearest atom of ``kind`` over every image within ±2 cells (brute force)."""
    best = np.inf
    for i in np.flatnonzero(types == kind):
        if i == exclude:
            continue
        d = (pos[i] - point)[None, :] + SHIFTS
        best = min(best, float(np.sqrt(((d @ A.T) ** 2).sum(axis=1)).min()))
    return best


@pytest.mark.parametrize("dense", [1 << 20, 0])  # every query in one block, or every query through NearestOfKind
@pytest.mark.parametrize("seed", range(3))
def test_same_kind_distances_against_brute_force(monkeypatch, dense, seed):
    monkeypatch.setattr(ck, "_DENSE_PAIRS", dense)
    pos, types, A, rng = cell(seed)
    sk = ck._SameKind(pos, types, A, 1.2)
    closest = min(nearest(A, pos, types, pos[i], types[i], exclude=i) for i in range(len(pos)))
    for r in (0.5 * closest, 0.999 * closest, 1.001 * closest):
        if r <= 1.2:
            assert sk.pair_within(r) is bool(closest <= r)
    sub = np.array([3, 7, 11])
    img = pos[sub][None, :, :] + rng.normal(scale=0.06, size=(25, 3, 3))  # images near the atoms, some farther
    want = np.array([[nearest(A, pos, types, img[q, s], types[sub[s]]) for s in range(3)] for q in range(25)])
    for r in (0.3, 0.6, 1.0):
        assert sk.all_within(img, sub, r).tolist() == (want.max(axis=1) <= r).tolist()


class _NoSearch:
    def distance(self, *args, **kwargs):
        raise AssertionError("searched although a pair list answers")


@pytest.mark.parametrize("seed", range(3))
def test_pair_within_reads_pairs_already_searched(monkeypatch, seed):
    """The test of two atoms of one type within r, answered from a pair list searched at a longer reach (the
    contacts'), against brute force; a list searched too short, or of other atoms, is not used."""
    from symstrain.neighbours import pairs_within

    monkeypatch.setattr(ck, "_DENSE_PAIRS", 0)  # the path that would otherwise search
    pos, types, A, _ = cell(seed)
    closest = min(nearest(A, pos, types, pos[i], types[i], exclude=i) for i in range(len(pos)))
    asked = []

    def near(reach, frac=pos):
        def give():
            asked.append(reach)
            return (frac, *pairs_within(frac, A, reach)[:2], reach)
        return give

    for r in (0.5 * closest, 0.999 * closest, 1.001 * closest):
        if r > 1.2:
            continue
        want = bool(closest <= r)
        used = ck._SameKind(pos, types, A, 1.2)
        used._search = _NoSearch()  # the list must answer: no search of its own
        assert used.pair_within(r, near(1.3)) is want
        assert ck._SameKind(pos, types, A, 1.2).pair_within(r, near(0.99 * r)) is want  # too short: searched here
        other = (pos + 0.01) % 1.0
        assert ck._SameKind(pos, types, A, 1.2).pair_within(r, near(1.3, other)) is want  # other atoms: not used
    assert asked  # the lists were offered


@pytest.mark.parametrize("collide", [False, True])  # True: every row hashes alike, the exact fallback decides
def test_rows_deduplicated_and_matched(monkeypatch, collide):
    if collide:
        monkeypatch.setattr(ck, "_ROW_HASH", np.zeros(9, dtype=np.uint64))
    rng = np.random.default_rng(5)
    for k in (3, 17, 200):
        X = rng.integers(-2, 3, (k, 9)).astype(np.int64)
        X[k // 2:] = X[rng.integers(0, k // 2 + 1, k - k // 2)]  # repeats
        first: dict[tuple, int] = {}
        for i, row in enumerate(map(tuple, X.tolist())):
            first.setdefault(row, i)
        assert ck._first_rows(X).tolist() == sorted(first.values())
        Y = X[rng.permutation(k)[:7]]
        want = [(i, j) for i in range(k) for j in range(len(Y)) if (X[i] == Y[j]).all()]
        i, j = ck._equal_rows(X, Y)
        assert list(zip(i.tolist(), j.tolist())) == want


def test_stacked_products_equal_a_loop():
    rng = np.random.default_rng(2)
    X, P, Y = rng.normal(size=(11, 3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(ck._left(P, X), np.array([P @ x for x in X]), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(ck._right(X, P), np.array([x @ P for x in X]), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(ck._rows_times(Y, X), np.array([Y @ x.T for x in X]), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_refutation_does_not_depend_on_the_schedule(seed):
    # oracle: each candidate tried on each atom, one at a time
    pos, types, A, rng = cell(seed, n=24, kinds=2)
    W = np.array([np.eye(3), -np.eye(3), np.diag([1.0, -1.0, 1.0])])
    cw = rng.integers(0, 3, 30)
    ct = rng.random((30, 3))
    ct[:3] = 0.0  # the identity (when drawn) and two more: candidates that some atoms map onto atoms
    sk = ck._SameKind(pos, types, A, 1.0)
    r = 0.9

    def refuted(q):
        return any(nearest(A, pos, types, W[cw[q]] @ pos[s] + ct[q], types[s]) > r for s in range(len(pos)))

    want = all(refuted(q) for q in range(len(cw)))
    for first in (1, 2, 4):
        for order in (np.arange(len(pos)), rng.permutation(len(pos))):
            assert ck._all_refuted(pos, types, W, cw, ct, order, sk, r, first=first) is want
    keep = np.array([q for q in range(len(cw)) if refuted(q)])  # only refutable candidates: True
    assert ck._all_refuted(pos, types, W, cw[keep], ct[keep], np.arange(len(pos)), sk, r, first=2) is True
