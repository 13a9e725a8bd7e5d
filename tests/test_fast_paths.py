"""The shortcuts taken for speed give what the long way gives (issues 10 and 12: answers unchanged).

Each test holds a shortcut against an oracle written here in a few lines of numpy: the pairing read off the nearest
neighbours (``pairing.pair_atoms``), the length pre-filter of the lattice-vector box (``correspondence._Search``),
the kept describers of broken conditions (``appearing.describer``), and the parser of one command (``cli.main``).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from symstrain import appearing, pairing
from symstrain.correspondence import _Search
from symstrain.phase import Cell


def _points(rng, n, A, min_sep):
    """n fractional points in the cell A (columns, Å) at least ``min_sep`` Å apart (periodic)."""
    pts = []
    while len(pts) < n:
        x = rng.random(3)
        if all(np.linalg.norm(((x - q) - np.round(x - q)) @ A.T) > min_sep for q in pts):
            pts.append(x)
    return np.array(pts)


@pytest.mark.parametrize("force_matching", [False, True])
def test_pairing_of_a_jittered_permutation_is_that_permutation(monkeypatch, force_matching):
    rng = np.random.default_rng(7)
    A = np.diag([9.0, 10.0, 11.0])
    x = _points(rng, 60, A, 1.5)
    z = np.array([8, 14] * 30)
    perm = rng.permutation(60)
    perm = np.concatenate([p[rng.permutation(len(p))] for p in (np.flatnonzero(z == 8), np.flatnonzero(z == 14))])
    perm_full = np.empty(60, dtype=int)
    perm_full[np.flatnonzero(z == 8)] = perm[:30]
    perm_full[np.flatnonzero(z == 14)] = perm[30:]
    jitter = rng.normal(0.0, 0.02, (60, 3)) / np.diag(A)  # ≈ 0.02 Å, far below the 1.5 Å separation
    shift = rng.integers(-1, 2, (60, 3))  # images in other cells: L must name them
    y = x[perm_full] + jitter + shift
    if force_matching:
        monkeypatch.setattr(pairing, "_UNIQUE", np.inf)  # never read off the nearest: always the sparse matching
    j, L, dist = pairing.pair_atoms(y, z, x, z, A, 1.0)
    assert np.array_equal(j, perm_full)
    assert np.array_equal(L, shift)  # xb[j] + L is the image nearest to xa
    assert np.allclose(dist, np.linalg.norm(jitter @ A.T, axis=1), atol=1e-12)


def test_pairing_shortcut_and_matching_agree_bit_for_bit(monkeypatch):
    rng = np.random.default_rng(3)
    A = np.array([[8.0, 0.0, 1.0], [0.0, 9.0, 0.0], [0.0, 0.0, 10.0]])
    x = _points(rng, 40, A, 1.2)
    z = np.zeros(40, dtype=int)
    y = -x + np.array([0.5, 0.0, 0.25]) + rng.normal(0.0, 0.003, x.shape)
    try:
        fast = pairing.pair_atoms(y, z, x, z, A, 3.0)
    except pairing.NoPairing:
        pytest.skip("no pairing for this draw")
    monkeypatch.setattr(pairing, "_UNIQUE", np.inf)
    slow = pairing.pair_atoms(y, z, x, z, A, 3.0)
    for a, b in zip(fast, slow):
        assert np.array_equal(a, b)


def test_box_prefilter_keeps_exactly_the_vectors_that_fit_an_axis():
    parent = Cell(5.8, 8.8, 13.1, 90.0, 95.0, 90.0)
    child = Cell(11.7, 8.75, 13.2, 90.0, 94.0, 90.0)
    cent = np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    tol = 0.08
    s = _Search(parent, cent, child, tol, "test")
    # oracle: every n + c of a generous box, nonzero, whose length is within tol of some child axis length
    A = parent.matrix()
    L = np.sqrt(np.diag(child.metric()))
    r = np.arange(-6, 7)
    n = np.stack(np.meshgrid(r, r, r, indexing="ij"), -1).reshape(-1, 3).astype(float)
    v = (n[None] + cent[:, None]).reshape(-1, 3)
    v = v[np.any(np.abs(v) > 1e-9, axis=1)]
    ok = np.any(np.abs(np.linalg.norm(v @ A.T, axis=1)[:, None] / L - 1) <= tol, axis=1)
    want = {tuple(np.round(u * 2).astype(int)) for u in v[ok]}
    got = {tuple(np.round(u * 2).astype(int)) for u in s.vecs}
    assert got == want


def test_a_describer_is_kept_per_child_group_and_answers_the_same():
    Rc = np.array([np.eye(3), -np.eye(3)])
    tc = np.zeros((2, 3))
    box = np.stack(np.meshgrid(*[np.arange(-4, 5)] * 3, indexing="ij"), -1).reshape(-1, 3)
    allows = np.ones(len(box), dtype=bool)
    d1 = appearing.describer(Rc, tc, box, allows)
    d2 = appearing.describer(Rc.copy(), tc.copy(), box, allows.copy())
    assert d1 is d2
    assert appearing.describer(Rc, tc + np.array([0.5, 0.0, 0.0]), box, allows) is not d1
    assert len(appearing._DESCRIBERS) <= appearing._KEEP


def test_one_command_imports_only_its_own_module():
    code = ("import sys\nfrom symstrain.cli import main\n"
            "try:\n    main(['relate', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('symstrain.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['symstrain.cli.relate']"


def test_sub_box_positions_are_the_box_rows_within_n():
    """``index_box._box_within(n)`` (positions computed, not searched) against a plain filter of the box."""
    from symstrain import index_box

    box = index_box._box()
    for n in (1, 4, 6, 12):
        idx, h = index_box._box_within(n)
        want = np.flatnonzero(np.abs(box).max(axis=1) <= n)
        assert np.array_equal(idx, want)
        assert np.array_equal(h, box[want])
        assert len(h) == (2 * n + 1) ** 3 - 1


def test_rotation_axes_are_fixed_primitive_and_positive_on_every_setting():
    """``ferroic._axis`` (a column of Σ W^k) for every proper rotation of every gemmi setting: W·v = v, the entries'
    gcd is 1, the first non-zero entry is positive, and v is parallel to numpy's eigenvector of eigenvalue 1."""
    import gemmi

    from symstrain.ferroic import _axis

    seen = set()
    for sg in gemmi.spacegroup_table():
        for op in sg.operations().sym_ops:
            W = np.array(op.rot) // 24
            W = W * round(np.linalg.det(W))
            key = W.tobytes()
            tr = int(np.trace(W))
            if key in seen or tr == 3:
                continue
            seen.add(key)
            order = {-1: 2, 0: 3, 1: 4, 2: 6}[tr]
            v = _axis(W, order)
            assert np.array_equal(W @ v, v)
            assert np.gcd.reduce(np.abs(v).astype(int)) == 1
            assert v[np.flatnonzero(v)[0]] > 0
            vals, vecs = np.linalg.eig(W)
            e = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
            assert np.linalg.norm(np.cross(e, v)) < 1e-9 * np.linalg.norm(v)
    assert len(seen) > 30


def test_unique_matrices_is_numpy_unique_over_rows():
    """``ferroic.unique_matrices`` (one integer code per matrix) against ``np.unique(axis=0)``: random integer
    stacks with repeats and negative entries, in int32 and int64, and an empty stack."""
    from symstrain.ferroic import unique_matrices

    rng = np.random.default_rng(12)
    for dtype in (np.intc, np.int64):
        for n, hi in ((1, 1), (24, 1), (48, 2), (200, 6), (30, 70)):
            R = rng.integers(-hi, hi + 1, size=(n, 3, 3)).astype(dtype)
            R = np.concatenate([R, R[: n // 2]])
            got, want = unique_matrices(R), np.unique(R, axis=0)
            assert got.dtype == want.dtype and np.array_equal(got, want)
    assert unique_matrices(np.zeros((0, 3, 3), dtype=int)).shape == (0, 3, 3)
