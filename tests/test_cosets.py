"""Lost cosets of a relation: each left coset g·H listed once, |H| members, disjoint, index of them.

The oracle is written here with exact fractions and gemmi's operator parser, independently of symstrain's
coset code: the printed triplets (parent setting) are parsed back, H is mapped into the parent setting by
W_p = P·W·P⁻¹, w_p = P·w + p − W_p·p, and a member (R, t) is compared with others modulo right multiplication
by the child lattice translations P·n, i.e. by the class (R, P⁻¹·R⁻¹·t mod 1). Expected indices are worked out
by hand: [G : H] = (order of the parent point group / order of the child's) × (child cell volume / parent's)
× (parent centring / child centring).

The supercells include children whose lattice a parent rotation does not keep (2a×a×c under the 4-fold,
the orthohexagonal cell under the 6-fold): there, reducing members modulo the child lattice after the rotation
used to print some cosets twice.
"""

from __future__ import annotations

from fractions import Fraction as F

import gemmi
import numpy as np
import pytest

from symstrain.phase import Cell, Phase, SpaceGroupInfo
from symstrain.relation import relate

R3 = 3**0.5

CASES = [
    # parent cell, parent group, child cell, child group, hand-derived index
    ((4, 4, 6, 90, 90, 90), "P 4/m m m", (8, 4, 6, 90, 90, 90), "P m m m", 2 * 2),
    ((4, 4, 6, 90, 90, 90), "P 4/m m m", (8, 8, 6, 90, 90, 90), "P m m m", 2 * 4),
    ((4, 4, 6, 90, 90, 90), "P 4/m m m", (12, 4, 6, 90, 90, 90), "P m m m", 2 * 3),
    ((3, 3, 5, 90, 90, 120), "P 63/m m c", (3, 3, 5, 90, 90, 120), "P 1 1 21/m", 6 * 1),
    ((3, 3, 5, 90, 90, 120), "P 63/m m c", (3, 3 * R3, 5, 90, 90, 90), "P 1 1 21/m", 6 * 2),
    ((5.85, 8.79, 13.13, 90, 90, 90), "C m c m", (5.85, 8.79, 13.13, 90, 90, 90), "P m c n", 1 * 2),
    ((4, 4, 4, 90, 90, 90), "P m -3 m", (8, 8, 8, 90, 90, 90), "P m -3 m", 1 * 8),
]


# ----------------------------------------------------------------------------- exact oracle
def _exact(op: gemmi.Op):
    R = tuple(tuple(v // op.DEN for v in row) for row in op.rot)
    t = tuple(F(v, op.DEN) for v in op.tran)
    return R, t


def _mat(M):
    return [[F(x).limit_denominator(48) for x in row] for row in np.asarray(M, dtype=float)]


def _mul(A, B):
    return [[sum(A[i][k] * B[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def _vec(A, v):
    return [sum(A[i][k] * v[k] for k in range(3)) for i in range(3)]


def _inv(A):
    det = (A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) - A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0])
           + A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]))
    cof = [[(A[(j + 1) % 3][(i + 1) % 3] * A[(j + 2) % 3][(i + 2) % 3]
             - A[(j + 1) % 3][(i + 2) % 3] * A[(j + 2) % 3][(i + 1) % 3]) for j in range(3)] for i in range(3)]
    return [[cof[i][j] / det for j in range(3)] for i in range(3)]


class Oracle:
    def __init__(self, parent: str, child: str, P, p):
        self.P, self.Pi = _mat(P), _inv(_mat(P))
        self.p = [F(float(x)).limit_denominator(48) for x in p]
        self.G = [_exact(op) for op in gemmi.SpaceGroup(parent).operations()]
        self.H = []
        for W, w in (_exact(op) for op in gemmi.SpaceGroup(child).operations()):
            Wp = _mul(_mul(self.P, [list(r) for r in W]), self.Pi)
            assert all(x.denominator == 1 for row in Wp for x in row)
            wp = [a + b - c for a, b, c in zip(_vec(self.P, w), self.p, _vec(Wp, self.p))]
            self.H.append((tuple(tuple(int(x) for x in row) for row in Wp), tuple(wp)))

    def cls(self, R, t):
        """The class of (R, t) modulo right multiplication by child lattice translations."""
        Ri = _inv([list(map(F, r)) for r in R])
        u = _vec(self.Pi, _vec(Ri, t))
        return R, tuple(x % 1 for x in u)

    def compose(self, a, b):
        (Ra, ta), (Rb, tb) = a, b
        R = tuple(tuple(sum(Ra[i][k] * Rb[k][j] for k in range(3)) for j in range(3)) for i in range(3))
        return R, tuple(x + y for x, y in zip(_vec(Ra, tb), ta))

    def in_G(self, R, t):
        return any(Rg == R and all((a - b).denominator == 1 for a, b in zip(t, tg)) for Rg, tg in self.G)

    def in_H(self, R, t):
        return any(Rh == R and all(x.denominator == 1 for x in _vec(self.Pi, [a - b for a, b in zip(t, th)]))
                   for Rh, th in self.H)


@pytest.mark.parametrize("pcell, pgroup, ccell, cgroup, index", CASES,
                         ids=[f"{c[1]}>{c[3]}@{c[2][0]}x{c[2][1]:.3g}" for c in CASES])
def test_each_lost_coset_once(pcell, pgroup, ccell, cgroup, index):
    r = relate(Phase(Cell(*pcell), SpaceGroupInfo.from_symbol(pgroup), (), source="parent"),
               Phase(Cell(*ccell), SpaceGroupInfo.from_symbol(cgroup), (), source="child"))
    assert r.index == index and not r.warnings
    oracle = Oracle(pgroup, cgroup, r.P, r.p)
    n_H = len(oracle.H)
    assert len(r.lost_cosets) == index - 1
    seen = {oracle.cls(*h) for h in oracle.H}
    assert len(seen) == n_H
    for coset in r.lost_cosets:
        members = [_exact(gemmi.Op(s)) for s in coset]
        assert len(members) == n_H
        classes = {oracle.cls(*m) for m in members}
        assert len(classes) == n_H, f"{coset}: two members are one operation"
        assert all(oracle.in_G(*m) and not oracle.in_H(*m) for m in members)
        # a true left coset: g·H for its first member g
        g = members[0]
        assert {oracle.cls(*oracle.compose(g, h)) for h in oracle.H} == classes, coset
        assert not (classes & seen), f"{coset} overlaps another coset"
        seen |= classes
    assert len(seen) == index * n_H


def test_coset_representatives_follow_the_lost_cosets():
    r = relate(Phase(Cell(4, 4, 6, 90, 90, 90), SpaceGroupInfo.from_symbol("P 4/m m m"), ()),
               Phase(Cell(8, 4, 6, 90, 90, 90), SpaceGroupInfo.from_symbol("P m m m"), ()))
    reps = r.coset_representatives()
    assert reps.shape == (4, 4, 4) and np.allclose(reps[0], np.eye(4))
    # every representative is a parent operation seen in child coordinates: back in the parent setting it
    # has an integral rotation of 4/mmm
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = r.P, r.p
    for g in reps:
        Rp = (T @ g @ np.linalg.inv(T))[:3, :3]
        assert np.allclose(Rp, np.round(Rp)) and abs(abs(np.linalg.det(Rp)) - 1) < 1e-9


@pytest.mark.parametrize("pcell, pgroup, ccell, cgroup, index", CASES,
                         ids=[f"{c[1]}>{c[3]}@{c[2][0]}x{c[2][1]:.3g}" for c in CASES])
def test_shift_box_gives_the_representatives_of_the_full_cube(pcell, pgroup, ccell, cgroup, index, monkeypatch):
    # the coset search enumerates parent lattice shifts in a box per axis (cosets._shift_box); the reference is the
    # cube [0, N)³ with N the supercell factor of P, which holds every class of shifts: same cosets, same order,
    # same representatives
    from symstrain import cosets
    from symstrain.ops import supercell_factor

    r = relate(Phase(Cell(*pcell), SpaceGroupInfo.from_symbol(pgroup), (), source="parent"),
               Phase(Cell(*ccell), SpaceGroupInfo.from_symbol(cgroup), (), source="child"))
    G, H = r.parent.spacegroup.symops, r.child.spacegroup.symops
    fast = cosets.left_cosets(G, H, r.P, r.p)
    box = cosets._shift_box(r.P, G.rotations)
    N = supercell_factor(r.P)
    assert all(N % n == 0 for n in box) and int(np.prod(box)) <= N**3
    monkeypatch.setattr(cosets, "_shift_box", lambda P, rotations: [supercell_factor(P)] * 3)
    full = cosets.left_cosets(G, H, r.P, r.p)
    assert len(fast) == len(full) == index
    for a, b in zip(fast, full):
        assert np.allclose(np.array(a), np.array(b), atol=1e-12)


def test_shift_box_keeps_axes_a_rotation_mixes_together():
    from symstrain.cosets import _shift_box

    P = np.diag([2.0, 1.0, 3.0])
    assert _shift_box(P, SpaceGroupInfo.from_symbol("P m m m").rotations) == [2, 1, 3]
    assert _shift_box(P, SpaceGroupInfo.from_symbol("P 4/m m m").rotations) == [2, 2, 3]   # a and b mixed by 4
    assert _shift_box(P, SpaceGroupInfo.from_symbol("P m -3 m").rotations) == [6, 6, 6]
