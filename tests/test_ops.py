"""SymOps: membership, closure, composition, change of basis and conversions of a set of operations.

Oracles are independent of the code under test: gemmi's space-group tables and its own operator arithmetic
(``gemmi.Op`` products, ``GroupOps`` equality), exact fractions written out by hand, and the ITA rules
(a centred cell has one pure translation per centring vector; a k-fold supercell adds k − 1 of them).
"""

from __future__ import annotations

from fractions import Fraction

import gemmi
import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.closure import closed_by_cosets
from symstrain.ops import SymOps, lattice_translations, supercell_factor


def sg_ops(symbol: str) -> SymOps:
    return SymOps.from_gemmi(gemmi.SpaceGroup(symbol).operations())


def gemmi_keys(group_ops) -> set:
    """gemmi's own operations as exact (rotation, translation mod 1 in 1/24) tuples."""
    out = set()
    for op in group_ops:
        w = op.wrap()
        out.add((tuple(map(tuple, w.rot)), tuple(w.tran)))
    return out


def test_every_tabulated_setting_is_a_group_and_converts_both_ways():
    for sg in gemmi.spacegroup_table_itb():
        ops = SymOps.from_gemmi(sg.operations())
        assert len(ops) == len(list(sg.operations())), sg.xhm()
        assert ops.is_group(), sg.xhm()
        assert gemmi_keys(ops.to_gemmi()) == gemmi_keys(sg.operations()), sg.xhm()
        again = SymOps.from_triplets([op.triplet() for op in sg.operations()])
        assert again.key() == ops.key()


def test_a_set_missing_one_operation_names_a_product_of_the_group():
    for symbol in ("P 1 21/c 1", "P c c n", "F m -3 m", "P 63/m m c", "I 41/a m d:1"):
        full = gemmi.SpaceGroup(symbol).operations()
        ops = sg_ops(symbol)
        defect = ops.subset(np.arange(len(ops)) != 1).closure_defect()
        assert defect is not None
        # the missing product is an operation of the full group (gemmi's arithmetic), the one left out
        missing = gemmi.Op(defect.missing).wrap()
        assert (tuple(map(tuple, missing.rot)), tuple(missing.tran)) in gemmi_keys(full)
        left, right = gemmi.Op(defect.left), gemmi.Op(defect.right)
        prod = (left * right).wrap()
        assert (prod.rot, prod.tran) == (missing.rot, missing.tran)
        assert "not in the set" in str(defect)
    assert SymOps(np.zeros((0, 3, 3)), np.zeros((0, 3))).closure_defect() is not None


def test_membership_modulo_lattice_translations():
    ops = sg_ops("P 1 21/c 1")  # x,y,z; -x,y+1/2,-z+1/2; -x,-y,-z; x,-y+1/2,z+1/2
    two = np.diag([-1, 1, -1])
    assert ops.contains(two, [0, 0.5, 0.5])
    assert ops.contains(two, [3, -2.5, 1.5])  # plus a lattice vector
    assert not ops.contains(two, [0, 0, 0])
    assert not ops.contains(np.eye(3), [0.5, 0, 0])
    assert not ops.contains(np.diag([0.5, 1, 2]), [0, 0, 0])  # not an integer matrix: never a member
    # one rotation for many translations
    got = ops.contains_many(np.diag([1, -1, 1]), [[0, 0.5, 0.5], [1, 1.5, -0.5], [0.5, 0.5, 0.5]])
    assert got.tolist() == [True, True, False]


def test_contains_many_agrees_with_gemmi_on_every_operation_of_two_groups():
    rng = np.random.default_rng(7)
    for a, b in (("P m -3 m", "F d -3 m:2"), ("P 63/m m c", "P 6/m c c"), ("C m c m", "P m c n")):
        A, B = sg_ops(a), sg_ops(b)
        shifts = rng.integers(-3, 4, size=(len(B), 3))
        got = A.contains_many(B.rotations, B.translations + shifts)
        want_set = gemmi_keys(gemmi.SpaceGroup(a).operations())
        want = [(tuple(map(tuple, op.wrap().rot)), tuple(op.wrap().tran)) in want_set
                for op in gemmi.SpaceGroup(b).operations()]
        assert got.tolist() == want


def test_change_of_basis_to_a_supercell_adds_the_old_translations():
    cubic = sg_ops("P m -3 m")
    big = cubic.in_basis(2 * np.eye(3))
    assert len(big) == 48 * 8 and big.is_group()
    # the 7 old lattice translations (i/2, j/2, k/2) are pure translations of the doubled cell
    want = {(i / 2, j / 2, k / 2) for i in (0, 1) for j in (0, 1) for k in (0, 1)} - {(0, 0, 0)}
    assert {tuple(v) for v in big.pure_translations()} == want
    assert len(big.unique_rotations()) == 48


def test_change_of_basis_centred_to_primitive_and_back():
    immm = sg_ops("I m m m")
    Pprim = np.array([[-0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.5, 0.5, -0.5]])
    prim = immm.in_basis(Pprim)
    assert len(prim) == 8 and len(prim.pure_translations()) == 0 and prim.is_group()
    back = prim.in_basis(np.linalg.inv(Pprim))
    assert back.key() == immm.key()


def test_change_of_origin_by_hand():
    # P 1 21/c 1 with the origin moved to p = (0, 1/4, 0): w' = w + W·p − p
    moved = sg_ops("P 1 21/c 1").in_basis(np.eye(3), [0, 0.25, 0])
    assert moved.contains(-np.eye(3), [0, 0.5, 0])  # -1 at the old origin: 0 + (0,-1/4,0) - (0,1/4,0)
    assert moved.contains(np.diag([-1, 1, -1]), [0, 0.5, 0.5])  # the screw axis does not move along b
    assert moved.contains(np.diag([1, -1, 1]), [0, 0, 0.5])  # c-glide: 1/2 - 1/4 - 1/4 along b
    assert not moved.contains(-np.eye(3), [0, 0, 0])


def test_basis_that_is_not_a_lattice_basis_of_the_group_is_refused():
    with pytest.raises(SymstrainInputError, match="not a lattice basis"):
        sg_ops("P 4/m m m").in_basis(np.diag([2, 1, 1]), source="--P")


@pytest.mark.parametrize("k", [3, 5, 7, 11])
def test_general_rational_supercells(k):
    """P 1 21 1 on (a, k·b, c): translations j/k and the screw (2j+1)/(2k) — denominators not dividing 48."""
    sup = sg_ops("P 1 21 1").in_basis(np.diag([1, k, 1]))
    assert len(sup) == 2 * k and sup.is_group()
    R2 = np.diag([-1, 1, -1])
    # hand-built: exact fractions turned into floats on another path than P⁻¹·t
    for j in range(k):
        assert sup.contains(np.eye(3), [0, float(Fraction(j, k)), 0])
        assert sup.contains(R2, [0, float(Fraction(2 * j + 1, 2 * k)), 0])
        assert not sup.contains(np.eye(3), [0, float(Fraction(2 * j + 1, 2 * k)), 0])
    hand = SymOps([np.eye(3)] * k + [R2] * k,
                  [[0, float(Fraction(j, k)), 0] for j in range(k)]
                  + [[0, float(Fraction(2 * j + 1, 2 * k)), 0] for j in range(k)])
    assert hand.key() == sup.key()


def test_compose_and_inverse():
    G = sg_ops("F d -3 m:2")
    assert G.compose(G).key() == G.key()
    inv = G.inverse()
    # g·g⁻¹ = identity for each operation, checked with gemmi's arithmetic
    for g, gi in zip(G.triplets(), inv.triplets()):
        assert (gemmi.Op(g) * gemmi.Op(gi)).wrap() == gemmi.Op("x,y,z")
    # the coset of a subgroup: (x+1/2,y+1/2,z+1/2)·Pmmm is the other half of Immm (ITA: I = P + centring)
    pmmm = sg_ops("P m m m")
    shift = SymOps(np.eye(3)[None], [[0.5, 0.5, 0.5]])
    coset = shift.compose(pmmm)
    assert len(coset) == 8 and pmmm.compose(coset).key() == coset.key()  # the centring normalises Pmmm
    assert not (coset.key() & pmmm.key())
    assert (coset.key() | pmmm.key()) == sg_ops("I m m m").key()


def test_parts_of_a_set():
    fm3m = sg_ops("F m -3 m")
    assert {tuple(v) for v in fm3m.pure_translations()} == {(0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0)}
    cv = fm3m.centring_vectors()
    assert len(cv) == 4 and not cv[0].any()
    assert len(fm3m.unique_rotations()) == 48
    assert len(sg_ops("P 1 21/c 1").unique_rotations()) == 4
    assert sg_ops("P 1").centring_vectors().tolist() == [[0, 0, 0]]


def test_duplicates_and_keys():
    ops = SymOps([np.eye(3), -np.eye(3), -np.eye(3), np.eye(3)], [[0, 0, 0], [0, 0.5, 0], [1, -0.5, 2], [0, 1, 0]])
    assert ops.unique_indices().tolist() == [0, 1]
    assert ops.translations.min() >= 0 and ops.translations.max() < 1
    assert ops.key() == sg_ops("P 1").compose(ops).key()
    assert sg_ops("P c c n").key() != sg_ops("P b a n:2").key()


def test_lattice_translations_and_supercell_factor():
    L = lattice_translations(np.diag([2, 3, 1]))
    assert not L[0].any() and len(L) == 6
    assert {tuple(np.round(v * 6).astype(int)) for v in L} == {(3 * i, 2 * j, 0) for i in (0, 1) for j in (0, 1, 2)}
    assert supercell_factor(np.diag([2, 3, 1])) == 6
    assert supercell_factor([[1, 1, 0], [-1, 1, 0], [0, 0, 1]]) == 2  # (a+b, -a+b, c): 2a is in the new lattice
    assert supercell_factor(np.eye(3)) == 1


def test_bad_input():
    with pytest.raises(SymstrainInputError, match="integer matrix"):
        SymOps([np.diag([0.5, 1, 1])], [[0, 0, 0]])
    with pytest.raises(SymstrainInputError, match="cannot read"):
        SymOps.from_triplets(["x,y,q"], source="file.cif")
    with pytest.raises(ValueError, match="1/24"):
        sg_ops("P 1 21 1").in_basis(np.diag([1, 5, 1])).to_gemmi()


def test_membership_does_not_depend_on_the_code_grid():
    """Translations that are no simple fractions, within 1e-6 of each other across a rounding boundary of the
    1/CODE_DEN grid, still match; the oracle is a brute-force comparison modulo 1 written here."""
    from symstrain.ops import CODE_DEN, TOL

    rng = np.random.default_rng(11)
    base = rng.random((40, 3))
    base[0] = [0.1 + 0.4 / CODE_DEN, 0.2, 0.3]  # 0.4 of a grid step: a value 5e-7 higher rounds the other way
    ops = SymOps([np.eye(3)] * len(base), base)
    queries = np.vstack([base + rng.uniform(-0.9, 0.9, base.shape) * TOL + rng.integers(-2, 3, base.shape),
                         base + 3 * TOL, rng.random((40, 3)), [[0.1 + 0.4 / CODE_DEN + 5e-7, 0.2, 0.3]]])
    d = queries[:, None, :] - ops.translations[None, :, :]
    want = np.any(np.all(np.abs(d - np.rint(d)) < TOL, axis=2), axis=1)
    got = ops.contains_many(np.eye(3, dtype=int), queries)
    assert got.tolist() == want.tolist()
    assert got[:40].all() and not got[40:80].any() and got[-1]


def _closed_by_brute_force(ops: SymOps) -> bool:
    """The oracle: every one of the n² products, by gemmi's operator arithmetic, is in the set (exact 1/24 keys)."""
    g = [gemmi.Op(s) for s in ops.triplets()]  # one by one (a GroupOps would regroup them by centring)
    have = gemmi_keys(g)
    return all((tuple(map(tuple, w.rot)), tuple(w.tran)) in have for w in ((a * b).wrap() for a in g for b in g))


def test_coset_closure_proof_agrees_with_every_product():
    """The shortcut for centred sets (pure translations T, one operation per rotation) proves closure only of
    groups: on every tabulated setting of more than 32 operations it proves the group closed, and on sets made
    from them by leaving out an operation, moving one operation's translation by a centring-like vector or by
    1/24, or adding one foreign operation, it never claims a set closed that the n² products show is not."""
    rng = np.random.default_rng(3)
    checked = 0
    for sg in gemmi.spacegroup_table_itb():
        ops = SymOps.from_gemmi(sg.operations())
        if len(ops) <= 32 or len(ops.pure_translations()) == 0:
            continue
        assert closed_by_cosets(ops), sg.xhm()
        assert ops.closure_defect() is None
        n = len(ops)
        R, t = ops.rotations, ops.translations
        variants = [ops.subset(np.arange(n) != rng.integers(1, n))]
        for shift in ((0.5, 0.5, 0.0), (0.0, 0.0, 1 / 24), (1 / 3, 2 / 3, 0.0)):
            k = int(rng.integers(1, n))
            t2 = t.copy()
            t2[k] += shift
            variants.append(SymOps(R, t2))
        variants.append(SymOps(np.concatenate([R, R[1:2]]), np.concatenate([t, t[1:2] + (0.25, 0, 0)])))
        for v in variants:
            closed = _closed_by_brute_force(v)
            if closed_by_cosets(v):
                assert closed, sg.xhm()
            assert (v.closure_defect() is None) == closed, sg.xhm()
            checked += 1
    assert checked > 100


def test_coset_closure_proof_checks_the_translations_themselves():
    """Sets built as cosets s + T of a group's operations that still are not groups: T not closed under addition
    (cyclic axes along [111] with T = {0, (⅓,⅓,⅓)}: τ + τ is missing), and T not kept by a rotation (x↔y with
    T = {0, (½,0,0)}: (0,½,0) is missing), and a T that is fine with representatives that are no group. None may be proved closed; the n² test names the missing product."""
    cyclic = (["x,y,z", "z,x,y", "y,z,x"], (1 / 3, 1 / 3, 1 / 3))
    swap = (["x,y,z", "y,x,z"], (0.5, 0.0, 0.0))
    # and one where T is fine but the operations per rotation are no group: 2z and x↔y without -y,-x,z
    open_set = (["x,y,z", "-x,-y,z", "y,x,z"], (0.5, 0.5, 0.5))
    for triplets, tau in (cyclic, swap, open_set):
        S = SymOps.from_triplets(triplets)
        R = np.concatenate([S.rotations, S.rotations])
        t = np.concatenate([S.translations, S.translations + np.array(tau)])
        ops = SymOps(R, t)
        assert not _closed_by_brute_force(ops)
        assert not closed_by_cosets(ops)
        assert ops.closure_defect() is not None
    # the same construction with a T that is a group kept by the rotations is a group (I-centring of 2/m)
    S = SymOps.from_triplets(["x,y,z", "-x,y,-z", "-x,-y,-z", "x,-y,z"])
    ops = SymOps(np.concatenate([S.rotations] * 2), np.concatenate([S.translations, S.translations + 0.5]))
    assert _closed_by_brute_force(ops) and closed_by_cosets(ops) and ops.closure_defect() is None


def test_membership_with_rotations_the_set_lacks_and_large_translations():
    """Rows whose rotation is not in the set are never members, whatever their translation, and the rows around
    them are still decided (the oracle: P 1 21/c 1's four operations written out by hand, modulo 1). Translations
    far outside [0, 1) (1e12, and a non-finite one) are reduced modulo 1 like small ones."""
    ops = sg_ops("P 1 21/c 1")
    two = np.diag([-1, 1, -1])
    four = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]])  # a 4-fold rotation: not in the group
    R = np.array([two, four, np.eye(3, dtype=int), -np.eye(3, dtype=int), four, two])
    t = np.array([[0, 0.5, 0.5], [0, 0.5, 0.5], [3, -2, 1e12], [0, 0, 0.5], [0, 0, 0], [0, 0.5, 0]])
    assert ops.contains_many(R, t).tolist() == [True, False, True, False, False, False]
    assert ops.contains_many(four, np.zeros((3, 3))).tolist() == [False] * 3
    assert ops.contains_many(np.eye(3, dtype=int), [[np.inf, 0, 0], [1e300, 0.5, 0]]).tolist() == [False, False]
