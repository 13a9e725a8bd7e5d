"""The shortcuts of a cold ``relate`` (issue 12) against independent oracles: denominators and fractions against
``Fraction.limit_denominator``, parent lattice translations against a brute-force enumeration, the Python row
reduction against numpy's row arithmetic, invariant-tensor projectors against the SVD null space and the textbook
counts, and the index box's fixed sets against a full scan."""

from fractions import Fraction

import gemmi
import numpy as np
import pytest

from symstrain.phase import Cell, SpaceGroupInfo, params_from_matrix


def _values():
    vals = [p / q for q in range(1, 60) for p in range(-3 * q, 3 * q + 1)]
    vals += list(np.random.default_rng(3).normal(size=3000) * 3)
    vals += [1e-10, -1e-10, 0.5 + 1e-10, 1 / 3 + 2e-10, 0.999999999, 1e-300, -0.0, 7 / 9973, 1 / 10001, 0.1, 2 / 3]
    return np.array(vals)


def test_denominators_are_those_of_limit_denominator():
    from symstrain.ops import denominators

    vals = _values()
    for max_den in (6, 12, 48, 10_000):
        want = [Fraction(float(v)).limit_denominator(max_den).denominator for v in vals]
        assert denominators(vals, max_den).tolist() == want
    assert denominators(vals.reshape(-1, 1)[:9].reshape(3, 3)).shape == (3, 3)


def test_frac_is_limit_denominator():
    from symstrain.notation import _frac

    for max_den in (6, 12, 48, 10_000):
        for v in _values().tolist():
            _frac.cache_clear()
            assert _frac(v, max_den) == Fraction(v).limit_denominator(max_den), (v, max_den)


PS = [np.eye(3), [[0, -1, 0], [1, 0, 0], [0, 0, 1]], [[2, 0, 0], [0, 1, 0], [0, 0, 1]],
      [[1, -1, 0], [1, 1, 0], [0, 0, 1]], [[2, 0, 0], [0, 2, 0], [0, 0, 2]], [[2, 1, 0], [-1, 1, 0], [0, 0, 3]],
      [[0.5, 0.5, 0], [-0.5, 0.5, 0], [0, 0, 1]], [[1, 0, 1], [0, 3, 0], [-1, 0, 1]]]


@pytest.mark.parametrize("P", PS, ids=range(len(PS)))
def test_lattice_translations_are_every_class_of_the_old_lattice(P):
    """P⁻¹·n mod 1 over a cube of n that holds every class (|n_i| ≤ 6 covers det P ≤ 18 here): the same set,
    zero first, sums of components non-decreasing, one per class."""
    from symstrain import ops

    P = np.asarray(P, dtype=float)
    ops._lattice_translations.cache_clear()
    got = ops.lattice_translations(P)
    r = np.arange(-6, 7)
    n = np.stack(np.meshgrid(r, r, r, indexing="ij"), axis=-1).reshape(-1, 3)
    v = (n @ np.linalg.inv(P).T) % 1.0
    v[np.abs(v - 1) < 1e-9] = 0.0
    want = {tuple(np.round(x * 720).astype(int) % 720) for x in v}
    have = [tuple(np.round(x * 720).astype(int) % 720) for x in got]
    assert set(have) == want and len(have) == len(want)
    assert not np.any(got[0]) and np.all(np.diff(np.abs(got).sum(axis=1)) >= -1e-12)
    assert len(got) == max(1, round(abs(np.linalg.det(P))))


def _rref_numpy(rows, tol=1e-8):
    """Row reduction with numpy row arithmetic (the oracle: partial pivoting on the largest entry, first of ties)."""
    M = np.array(rows, dtype=float, copy=True).reshape(-1, 6)
    r = 0
    for col in range(6):
        if r >= len(M):
            break
        pivot = np.argmax(np.abs(M[r:, col])) + r
        if abs(M[pivot, col]) < tol:
            continue
        M[[r, pivot]] = M[[pivot, r]]
        M[r] /= M[r, col]
        for i in range(len(M)):
            if i != r:
                M[i] -= M[i, col] * M[r]
        r += 1
    M = M[:r]
    M[np.abs(M) < 1e-12] = 0.0
    return M


def test_rref_is_numpy_row_reduction_bit_for_bit():
    from symstrain.tensors import rref

    rng = np.random.default_rng(7)
    for k in range(200):
        n = int(rng.integers(0, 8))
        X = rng.normal(size=(n, 6)) if k % 2 else rng.integers(-3, 4, size=(n, 6)) / rng.integers(1, 5, size=(n, 6))
        if n > 2 and k % 3 == 0:
            X[-1] = X[0] - 2 * X[1]  # rank deficient
        for tol in (1e-8, 1e-10):
            got, want = rref(X, tol=tol), _rref_numpy(X, tol=tol)
            assert got.shape == want.shape and np.array_equal(got, want)


def _invariant_cell(R):
    """A cell (3×3 columns) whose metric every rotation in R keeps: a random metric averaged over the group."""
    G0 = np.array([[30.0, 2.0, 1.0], [2.0, 40.0, 3.0], [1.0, 3.0, 50.0]])
    G = sum(W.T @ G0 @ W for W in R.astype(float)) / len(R)
    return np.linalg.cholesky(G).T  # Aᵀ·A = G


def _subgroups(R):
    """Some subgroups of the point group R: itself, its proper rotations, {±1} ∩ R, and each cyclic subgroup."""
    out = [R, R[np.linalg.det(R) > 0]]
    out.append(R[[np.array_equal(W, np.eye(3)) or np.array_equal(W, -np.eye(3)) for W in R]])
    for W in R[::3]:
        c, Wk = [np.eye(3, dtype=int)], W.copy()
        while not np.array_equal(Wk, np.eye(3)):
            c.append(Wk)
            Wk = Wk @ W
        out.append(np.array(c))
    return out


def test_projector_fields_equal_the_svd_fields_on_the_space_group_table():
    """``ferroic._tensor_fields_of_groups`` (projectors, traces) and ``_tensor_fields`` (SVD null spaces, the general
    path) give the same strain names, ferroelastic and ferroelectric flags for point groups of every 7th gemmi
    setting and their subgroups, in the child's own frame and in the parent's."""
    from symstrain.ferroic import _tensor_fields, _tensor_fields_of_groups, unique_matrices
    from symstrain.ops import rotations_closed

    n = 0
    for sg in list(gemmi.spacegroup_table())[::7]:
        Rp = unique_matrices(np.array([op.rot for op in sg.operations().sym_ops]) // 24).astype(np.int64)
        A_p = _invariant_cell(Rp)
        for Rc in _subgroups(Rp):
            Rc = unique_matrices(Rc)
            assert rotations_closed(Rp) and rotations_closed(Rc)
            for P in (np.eye(3), np.array([[1.0, 1, 0], [0, 1, 0], [0, 0, 1]])):  # the child basis, sheared
                Pi = np.linalg.inv(P)
                A_c = Cell(*params_from_matrix(A_p @ P)).matrix()  # as ferroic_character: X ∥ a_c, Z ∥ c*_c
                Rc_child, Rp_child = (np.rint(Pi @ R @ P) for R in (Rc.astype(float), Rp.astype(float)))
                args = (Rp.astype(float), Rc_child, Rp_child, Rc.astype(float), A_p, A_c)
                assert _tensor_fields_of_groups(*args) == _tensor_fields(*args), sg.xhm()
                n += 1
    assert n > 400


def test_rotations_closed_is_symops_is_group_without_translations():
    # oracle: SymOps.is_group on the same rotations with zero translations, on every gemmi point group (closed) and
    # on random subsets of them (mostly not closed)
    from symstrain.ops import SymOps, rotations_closed

    R = np.array([np.eye(3), np.diag([-1, -1, 1])], dtype=np.int64)
    assert rotations_closed(R)
    assert not rotations_closed(np.array([np.eye(3), [[0, -1, 0], [1, 0, 0], [0, 0, 1]]], dtype=np.int64))  # 4, no 4²
    rng = np.random.default_rng(0)
    closed = n = 0
    for sg in list(gemmi.spacegroup_table())[::3]:
        G = np.unique(np.array([op.rot for op in sg.operations().sym_ops]) // 24, axis=0)
        assert rotations_closed(G)
        for _ in range(3):
            sub = G[rng.random(len(G)) < 0.5]
            if len(sub):
                want = SymOps(sub, np.zeros((len(sub), 3))).is_group()
                assert rotations_closed(sub) == want
                closed += want
                n += 1
    assert n > 300 and 0 < closed < n


@pytest.mark.parametrize("symbol,cell,n_tensor,n_vector", [
    ("P 1", Cell(5, 6, 7, 80, 85, 95), 6, 3), ("P 1 m 1", Cell(5, 6, 7, 90, 100, 90), 4, 2),
    ("P m m 2", Cell(5, 6, 7, 90, 90, 90), 3, 1), ("P 4 m m", Cell(5, 5, 7, 90, 90, 90), 2, 1),
    ("P 6/m m m", Cell(5, 5, 7, 90, 90, 120), 2, 0), ("R -3 m:H", Cell(5, 5, 14, 90, 90, 120), 2, 0),
    ("P m -3 m", Cell(5, 5, 5, 90, 90, 90), 1, 0)])
def test_projector_traces_are_the_textbook_counts(symbol, cell, n_tensor, n_vector):
    """Nye's counts of independent strain components and polar directions, as the trace of the averaging projector
    and the mean trace of the rotations."""
    from symstrain.tensors import cartesian_rotations, invariant_projectors

    R = np.unique(SpaceGroupInfo.from_symbol(symbol).rotations, axis=0)
    (proj,) = invariant_projectors(cartesian_rotations(R, cell.matrix()), [len(R)])
    assert np.allclose(proj @ proj, proj, atol=1e-12)
    assert round(np.trace(proj)) == n_tensor
    assert round(np.trace(R, axis1=1, axis2=2).mean()) == n_vector


def test_projectors_refuse_rotations_that_are_not_isometries():
    """An orthorhombic point group on a monoclinic cell (a pseudo-symmetric parent): the averaging projectors are not
    orthogonal there, their difference is not the Frobenius complement — the general path answers instead."""
    from symstrain.ferroic import _tensor_fields_of_groups

    Rp = np.unique(SpaceGroupInfo.from_symbol("P m m m").rotations, axis=0).astype(float)
    Rc = np.unique(SpaceGroupInfo.from_symbol("P 1 2/m 1").rotations, axis=0).astype(float)
    A = Cell(17.1, 14.9, 17.3, 90, 93.1, 90).matrix()
    assert _tensor_fields_of_groups(Rp, Rc, Rp, Rc, A, A) is None
    A = Cell(17.1, 14.9, 17.3, 90, 90, 90).matrix()
    assert _tensor_fields_of_groups(Rp, Rc, Rp, Rc, A, A)["symmetry_breaking_strain"] == ("e13",)


def test_fixed_sets_of_the_box_by_enumeration_are_the_scanned_ones():
    """``index_box._integer_fixed_positions`` (points of the null space, enumerated) against a scan of the whole
    index box with |h·M| < 1e-6 in numpy: every R − I of gemmi's settings, random integer matrices of rank 1, 2 and 3;
    a non-integral M is left to the scan (False), M = 0 means every row (None)."""
    from symstrain.index_box import _box, _integer_fixed_positions

    box = _box()
    rng = np.random.default_rng(5)
    Ms = {(np.array(op.rot) // 24 - np.eye(3, dtype=int)).tobytes()
          for sg in gemmi.spacegroup_table() for op in sg.operations().sym_ops}
    Ms = [np.frombuffer(b, dtype=int).reshape(3, 3) for b in Ms]
    Ms += [rng.integers(-3, 4, size=(3, 3)) for _ in range(100)]
    Ms += [np.outer(rng.integers(-2, 3, 3), rng.integers(-2, 3, 3)) for _ in range(100)]
    Ms += [np.outer(rng.integers(-2, 3, 3), rng.integers(-2, 3, 3))
           + np.outer(rng.integers(-2, 3, 3), rng.integers(-2, 3, 3)) for _ in range(100)]
    for M in Ms:
        M = M.astype(float)
        got = _integer_fixed_positions(M)
        if not M.any():
            assert got is None
            continue
        want = np.flatnonzero(np.all(np.abs(box @ M) < 1e-6, axis=1))
        assert np.array_equal(got, want), M
    assert _integer_fixed_positions(np.diag([0.5, 0.0, 0.0])) is False


def test_sb_positions_are_the_rows_of_the_extinction_sets():
    """``conditions._sb_positions`` (per operation, the allowed reflections it extinguishes, from the rotation's
    fixed set) against the dense ``extinction_sets(box, W, w) & allows`` for every 10th gemmi setting against P1 and
    against its operations with rotation ±I, in the child basis of P = I and of a doubled cell."""
    from symstrain.conditions import _group_arrays, _sb_positions, absent_mask, extinction_sets
    from symstrain.index_box import _box
    from symstrain.ops import lattice_translations

    box = _box()
    n = 0
    for sg in list(gemmi.spacegroup_table_itb())[::10]:
        Rp, tp = _group_arrays(SpaceGroupInfo.from_gemmi(sg, "H-M"))
        keep = [i for i, R in enumerate(Rp) if abs(abs(np.trace(R)) - 3) < 1e-9]
        for P in (np.eye(3), np.diag([2.0, 1.0, 1.0])):
            Pi = np.linalg.inv(P)
            L = lattice_translations(P)[1:]
            W = np.concatenate([np.repeat(np.eye(3)[None], len(L), axis=0), Pi @ Rp @ P])
            w = np.concatenate([L, (tp @ Pi.T) % 1.0])
            for child in ((np.eye(3)[None], np.zeros((1, 3))), (Rp[keep], tp[keep])):
                allows = ~absent_mask(box, *child)
                dense = extinction_sets(box, W, w) & allows
                got = _sb_positions(W, w, allows)
                for row, pos in zip(dense, got):
                    assert (pos is None and not row.any()) or np.array_equal(np.flatnonzero(row), pos)
                    n += 1
    assert n > 1000


def test_box_nonintegral_by_residue_classes_is_the_direct_test():
    """``index_box._box_nonintegral`` (h·t ∉ ℤ read from h mod Q) against |h·t − rint(h·t)| ≥ 1e-6 on every reflection
    of the box: translations that are multiples of 1/Q (Q = 1…12, several at once), perturbed by 1e-12, and ones
    with no small denominator (the direct test itself)."""
    from symstrain.index_box import _box, _box_nonintegral

    box = _box()
    rng = np.random.default_rng(11)
    Ts = [rng.integers(0, Q, size=(int(rng.integers(1, 4)), 3)) / Q for Q in (1, 2, 3, 4, 6, 8, 12, 5, 7, 24)
          for _ in range(4)]
    Ts += [T + 1e-12 for T in Ts[:10]] + [rng.random((2, 3))]
    idx = np.sort(rng.choice(len(box), size=700, replace=False))
    for T in Ts:
        want = np.abs(box @ T.T - np.rint(box @ T.T)) >= 1e-6
        assert np.array_equal(_box_nonintegral(T), want), T
        assert np.array_equal(_box_nonintegral(T, idx), want[idx]), T


def test_rules_from_words_are_the_rules_from_residue_counts():
    """``appearing._rules_of`` with sets of residue classes as machine words (N³ ≤ 64) and with per-class counts give
    the same congruences (or None) on random point sets, for targets defined by congruences, by random residues
    and by points (two points of one class on both sides: None); and the answer is true exactly on the target."""
    from symstrain.appearing import _residue_codes, _rules_of

    rng = np.random.default_rng(13)
    n = 0
    for N in (2, 3, 4):
        for trial in range(150):
            pts = rng.integers(-6, 7, size=(int(rng.integers(1, 120)), 3))
            c = rng.integers(-2, 3, size=3)
            if trial % 3 == 0:
                target = (pts @ c) % N == 0
            elif trial % 3 == 1:
                classes = rng.random(N**3) < 0.5
                target = classes[_residue_codes(pts, N)]
            else:
                target = rng.random(len(pts)) < 0.5
            code = _residue_codes(pts, N)
            a, b = _rules_of(code, target, N), _rules_of(code, target, N, words=False)
            assert a == b
            if a is not None:
                got = np.ones(len(pts), dtype=bool)
                for cong in a:
                    got &= cong.holds(pts)
                assert np.array_equal(got, target)
                n += 1
    assert n > 100
