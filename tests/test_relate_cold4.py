"""More shortcuts of a cold ``relate`` (issue 12) against independent oracles: the exact inverses and ranks of
``matrix_exact`` against Fraction arithmetic and numpy's LAPACK/SVD, ``find_origin``'s joint test of the operations
against a brute-force scan of the 1/24 origin grid (and its one-operation-at-a-time path), point groups named by
the class table against spglib, and the residue-class and fixed-set shortcuts of the conditions against direct
tests."""

from fractions import Fraction

import gemmi
import numpy as np
import pytest

from symstrain.phase import SpaceGroupInfo


def _random_integer_matrices(n, seed, lo=-3, hi=4):
    rng = np.random.default_rng(seed)
    M = rng.integers(lo, hi, size=(n, 3, 3)).astype(float)
    M[::3, 2] = 2 * M[::3, 0]  # rank ≤ 2
    M[::5, 1] = 0
    M[::7] = 0
    M[::11, 1] = M[::11, 0]
    M[::11, 2] = -M[::11, 0]  # rank ≤ 1
    return M


def test_ranks_are_matrix_rank():
    from symstrain.matrix_exact import ranks

    M = _random_integer_matrices(20_000, 0)
    got = ranks(M)
    assert got.tolist() == np.linalg.matrix_rank(M).tolist()
    assert set(got.tolist()) == {0, 1, 2, 3}


def test_inverse_of_an_integer_matrix_is_the_nearest_float_of_each_fraction():
    from symstrain.matrix_exact import inverse

    for P in _random_integer_matrices(3000, 1):
        Pf = [[Fraction(int(x)) for x in row] for row in P.tolist()]
        det = (Pf[0][0] * (Pf[1][1] * Pf[2][2] - Pf[1][2] * Pf[2][1])
               - Pf[0][1] * (Pf[1][0] * Pf[2][2] - Pf[1][2] * Pf[2][0])
               + Pf[0][2] * (Pf[1][0] * Pf[2][1] - Pf[1][1] * Pf[2][0]))
        if det == 0:
            continue
        got = inverse(P)
        # oracle: P·X = I solved in Fractions (Gauss–Jordan), each entry rounded once to the nearest float
        A = [row[:] + [Fraction(int(i == j)) for j in range(3)] for i, row in enumerate(Pf)]
        for c in range(3):
            r = next(r for r in range(c, 3) if A[r][c] != 0)
            A[c], A[r] = A[r], A[c]
            A[c] = [x / A[c][c] for x in A[c]]
            for r in range(3):
                if r != c and A[r][c] != 0:
                    A[r] = [x - A[r][c] * y for x, y in zip(A[r], A[c])]
        want = np.array([[float(x) for x in row[3:]] for row in A])
        assert np.array_equal(got, want), P
        assert not got.flags.writeable
    P = np.array([[0.5, 0.5, 0], [-0.5, 0.5, 0], [0, 0, 1]])  # not integral: LAPACK's inverse
    assert np.allclose(inverse(P) @ P, np.eye(3), atol=1e-15)


def test_unimodular_inverses_of_every_gemmi_rotation():
    from symstrain.matrix_exact import unimodular_inverses

    R = np.array([np.array(op.rot) // 24 for sg in gemmi.spacegroup_table() for op in sg.operations()])
    inv = unimodular_inverses(R)
    assert np.array_equal(inv, np.rint(np.linalg.inv(R.astype(float))))
    assert np.array_equal(np.einsum("nij,njk->nik", inv, R), np.broadcast_to(np.eye(3), R.shape))


def _shifted(info: SpaceGroupInfo, p0, proper_only=False) -> SpaceGroupInfo:
    """The group ``info`` (or its operations with det R = +1) with the origin moved to p0: x_parent = x_child + p0."""
    R, t = info.rotations, info.translations
    if proper_only:
        keep = np.round(np.linalg.det(R.astype(float))) > 0
        R, t = R[keep], t[keep]
    w = (t + R @ p0 - p0) % 1.0  # x_c = x_p − p0: (R, t) → (R, t + R·p0 − p0)
    return SpaceGroupInfo(info.number, info.hm, info.hall, info.setting, "test", R, w)


def _grid_oracle(parent: SpaceGroupInfo, child: SpaceGroupInfo):
    """The nearest origin p = k/24 (first in grid order among the nearest) making every child operation a parent
    operation, by testing all 24³ grid points directly; None when there is none."""
    k = np.stack(np.meshgrid(*[np.arange(24.0)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    p = k / 24
    ok = np.ones(len(k), dtype=bool)
    for W, w in zip(child.rotations.astype(float), child.translations):
        wp = w + p - p @ W.T  # (W, w + p − W p)
        same = np.all(parent.rotations == W.astype(int), axis=(1, 2))
        d = wp[:, None, :] - parent.translations[same][None, :, :]
        ok &= np.any(np.all(np.abs(d - np.rint(d)) < 1e-6, axis=2), axis=1)
    if not ok.any():
        return None
    cands = p[ok]
    best = cands[np.argmin(np.linalg.norm(cands - np.round(cands), axis=1) + 1e-9 * np.arange(len(cands)))]
    best = best - np.round(best)
    best[np.isclose(best, -0.5)] = 0.5
    return best


@pytest.mark.parametrize("joint", [True, False])
def test_find_origin_is_the_nearest_grid_origin(joint, monkeypatch):
    from symstrain import correspondence

    if not joint:
        monkeypatch.setattr(correspondence, "_MAX_JOINT", 0)
    rng = np.random.default_rng(5)
    groups = [sg for sg in gemmi.spacegroup_table() if len(sg.operations()) <= 48][::9]
    for sg in groups:
        G = SpaceGroupInfo.from_gemmi(sg, "H-M")
        for proper in (False, True):
            H = _shifted(G, rng.integers(0, 8, 3) / 8, proper)
            want = _grid_oracle(G, H)
            got, why = correspondence.find_origin(np.eye(3), G, H)
            assert want is not None and why is None, sg.xhm()
            assert np.allclose(got, want, atol=1e-12), (sg.xhm(), got, want)
            # a child operation moved by 1/3 along a free direction is no parent operation for any origin
            bad = SpaceGroupInfo(H.number, H.hm, H.hall, H.setting, "test", H.rotations,
                                 (H.translations + (np.arange(len(H.translations)) == len(H.translations) - 1)[:, None]
                                  * np.array([1 / 3, 1 / 3, 1 / 3])) % 1.0)
            if _grid_oracle(G, bad) is None:
                got, why = correspondence.find_origin(np.eye(3), G, bad)
                assert got is None and "for any origin shift" in why


def test_small_denominator_of_a_few_translations_is_the_least_period():
    from symstrain.index_box import _small_denominator

    rng = np.random.default_rng(7)
    for i in range(20_000):
        k = int(rng.integers(1, 20))
        T = rng.integers(0, 24, (k, 3)) / rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 12, 24], size=(k, 3))
        if i % 3 == 0:
            T = T + rng.choice([0, 1e-10, -1e-10, 5e-10, 2e-9], size=T.shape)
        want = next((Q for Q in (1, 2, 3, 4, 6, 8, 12) if np.all(np.abs(T * Q - np.rint(T * Q)) < 1e-9)), None)
        assert _small_denominator(T) == want, T
    assert _small_denominator(np.array([[np.nan, 0, 0]])) is None
    assert _small_denominator(np.array([[0.5, 0.25, 1 / 3]])) == 12


def test_fixed_sets_within_a_sub_box_are_the_scanned_ones():
    from symstrain.index_box import _box_fixed, _box_fixed_within, _box_within

    Ms = [np.array(op.rot) // 24 - np.eye(3) for op in gemmi.SpaceGroup("F d -3 m").operations()][:48:5]
    Ms += [np.array([[0.5, 0, 0], [0, 0, 0], [0, 0, 0]]), np.zeros((3, 3))]  # a non-integral M; R = I
    for n in (2, 4, 6):
        _box_fixed.cache_clear()
        h = _box_within(n)[1]
        got = _box_fixed_within(Ms, n)
        want = np.array([np.all(np.abs(h @ M) < 1e-6, axis=1) for M in Ms])
        assert np.array_equal(got, want)


def test_sub_box_tables_are_those_of_its_rows():
    from symstrain.index_box import _within_tables
    from symstrain.index_box import _box_within

    for n, N in ((6, 2), (4, 3), (12, 4)):
        h = _box_within(n)[1]
        hi, code, zero = _within_tables(n, N)
        assert np.array_equal(hi, h.astype(np.int64)) and np.array_equal(zero, h == 0)
        r = np.mod(h.astype(int), N)
        assert np.array_equal(code, r[:, 0] * N * N + r[:, 1] * N + r[:, 2])


def test_point_group_symbols_from_the_class_table_are_spglibs():
    import spglib

    from symstrain.ferroic import _point_group
    from symstrain.spacegroup import spglib_call  # spglib itself, its errors as None

    rng = np.random.default_rng(11)
    sets = []
    for sg in gemmi.spacegroup_table():
        R = np.unique(np.array([np.array(op.rot) // 24 for op in sg.operations()]), axis=0).astype(np.intc)
        sets.append(R)
        sets.append(R[rng.random(len(R)) < 0.5])  # mostly not groups: spglib names them by the counts too
    sets.append(np.array([np.eye(3), 2 * np.eye(3)], dtype=np.intc))  # not rotations: spglib says None
    n_table = 0
    for R in sets:
        if not len(R):
            continue
        _point_group.cache_clear()
        want = spglib_call(spglib.get_pointgroup, np.ascontiguousarray(R))
        got = _point_group(np.ascontiguousarray(R).tobytes(), len(R))
        assert got == (None if want is None else want[0].strip()), R
        n_table += got is not None
    assert n_table > len(list(gemmi.spacegroup_table()))


def test_zone_names_by_counting_are_the_compared_ones():
    from symstrain.appearing import _name_of
    from symstrain.index_box import _box_within

    rng = np.random.default_rng(13)
    for n in (4, 6):
        h = _box_within(n)[1]
        Z = h == 0
        masks = [np.all(Z[:, list(z)], axis=1) for z in ([0], [1], [2], [0, 1], [0, 2], [1, 2], [])]
        masks += [np.all(np.abs(h @ M) < 1e-6, axis=1) for M in
                  (np.array([[1.0], [-1], [0]]), np.array([[1.0, 0], [0, 1], [-1, 0]]), np.array([[1.0], [1], [1]]))]
        masks += [m & (rng.random(len(m)) < 0.9) for m in masks[:7]]  # zones with points missing
        masks += [np.zeros(len(h), dtype=bool)]
        for m in masks:
            M = np.array([[1.0], [-1], [0]])  # "hhl": never a name of indices being zero
            assert _name_of(m, h, lambda: M, Z, (int(m.sum()), n)) == _name_of(m, h, lambda: M, Z), m.sum()


def test_best_combination_is_the_simplest_conjunction_found_by_brute_force():
    import itertools

    from symstrain.appearing import _atom_scores, _atoms, _best_combination

    atoms, scores = _atoms(2)[0], _atom_scores(2)
    rng = np.random.default_rng(17)
    hits = 0
    for _ in range(300):
        n = int(rng.integers(1, 70))
        pats = rng.integers(1, 2**8, n).tolist()
        idx = sorted(rng.choice(len(atoms), n, replace=False).tolist())
        cands = list(dict(zip(pats, idx)).items())  # one candidate per pattern
        goal = pats[0] & pats[-1] if rng.random() < 0.5 else int(rng.integers(1, 2**8))
        want = None
        for k in (1, 2, 3):
            pool = cands if k < 3 else cands[:60]
            found = [c for c in itertools.combinations(pool, k) if np.bitwise_and.reduce([b for b, _ in c]) == goal]
            if found:
                best = min(found, key=lambda cb: [sum(x) for x in zip(*(scores[i] for _, i in cb))])
                chosen = (atoms[i] for _, i in best)
                want = tuple(sorted(chosen, key=lambda c: [i for i, x in enumerate(c.coeffs) if x]))
                break
        assert _best_combination(cands, goal, atoms, scores) == want
        hits += want is not None
    assert hits > 100


def test_absent_mask_of_the_box_is_the_direct_test():
    from symstrain.conditions import _absent_mask
    from symstrain.index_box import _box, _box_fixed, _box_fixed_rows

    box = _box()
    for sg in list(gemmi.spacegroup_table())[::23]:
        G = SpaceGroupInfo.from_gemmi(sg, "H-M")
        _box_fixed.cache_clear()
        got = _absent_mask(box, G.rotations, G.translations, _box_fixed_rows)
        want = np.zeros(len(box), dtype=bool)
        for R, t in zip(G.rotations.astype(float), G.translations):
            fixed = np.all(np.abs(box @ R - box) < 1e-6, axis=1)
            ht = box @ t
            want |= fixed & (np.abs(ht - np.rint(ht)) >= 1e-6)
        assert np.array_equal(got, want), sg.xhm()
