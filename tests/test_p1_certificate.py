"""The P 1 certificate of the small steps of the ladder: when it holds, spglib finds P 1 there.

Oracle: spglib called here directly at each tolerance on the same cell. Structures are built in the test: a
centrosymmetric arrangement (P-1 exactly) whose atoms are moved off the inversion by a chosen amount, so that the
small steps find P 1 and the larger ones P-1, and the exact arrangement (where the certificate must not hold).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symstrain.detect import LADDER, detect_symmetry, spglib_cell
from symstrain.ladder_certificate import p1_certified
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo
from test_ladder_certificate import spglib_ladder  # spglib at every step of LADDER, one call each


def centrosymmetric(seed: int, noise: float):
    """A triclinic cell with 4 pairs of atoms related by the inversion at the origin (three elements), each atom moved
    by ``noise`` Å in a random direction: (Phase, spglib cell)."""
    rng = np.random.default_rng(seed)
    cell = Cell(5.1, 6.3, 7.2, 84.0, 97.0, 101.0)
    half = rng.random((4, 3)) * 0.5
    frac = np.vstack([half, -half])
    elements = ["Ba", "O", "O", "Ti"] * 2
    step = rng.normal(size=frac.shape)
    step *= noise / np.linalg.norm(step, axis=1)[:, None]
    frac = (frac + step @ np.linalg.inv(cell.matrix()).T) % 1.0
    atoms = tuple(Atom(f"{e}{i}", e, np.array(f), np.full(3, np.nan)) for i, (f, e) in enumerate(zip(frac, elements)))
    phase = Phase(cell, SpaceGroupInfo.from_symbol("P 1"), atoms)
    lattice, pos, types, _ = spglib_cell(phase)
    return phase, (lattice, pos, types)


def test_exact_inversion_is_never_certified_p1():
    _, cell = centrosymmetric(0, 0.0)
    assert spglib_ladder(cell)[0] == (2, "P-1")
    for k in range(1, len(LADDER) + 1):
        assert not p1_certified(*cell, LADDER[:k])


def test_atoms_off_the_inversion(monkeypatch):
    # moved by 0.0015 Å: P 1 at 1e-4 and 1e-3 Å, P-1 from 0.01 Å up (spglib's own answers, checked here)
    phase, cell = centrosymmetric(1, 0.0015)
    truth = spglib_ladder(cell)
    assert truth == [(1, "P1")] * 2 + [(2, "P-1")] * 5
    assert p1_certified(*cell, LADDER[:1]) and p1_certified(*cell, LADDER[:2])
    assert not p1_certified(*cell, LADDER[:3])  # 0.01 Å finds the inversion
    assert [(n, s) for _, n, s in detect_symmetry(phase).ladder] == truth
    monkeypatch.setattr("symstrain.detect._P1_MIN_ATOMS", 1)  # detection tries it on cells this small too
    rep = detect_symmetry(phase)
    assert [(n, s) for _, n, s in rep.ladder] == truth
    assert 1e-4 not in rep.spglib_tolerances and 1e-3 not in rep.spglib_tolerances  # the certified steps: no call


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.floats(-5.0, -1.5), st.integers(1, 3))
def test_certified_steps_are_p1_for_spglib(seed, log_noise, k):
    # near each step: whenever the certificate holds, spglib finds P 1 at every one of those steps
    _, cell = centrosymmetric(seed, 10**log_noise)
    if p1_certified(*cell, LADDER[:k]):
        assert spglib_ladder(cell)[:k] == [(1, "P1")] * k


@pytest.mark.parametrize("f", [0.3, 0.9, 1.1, 3.0])
def test_noise_near_the_smallest_steps(f, monkeypatch):
    monkeypatch.setattr("symstrain.detect._P1_MIN_ATOMS", 1)
    for tol in LADDER[:2]:
        phase, cell = centrosymmetric(7, f * tol)
        truth = spglib_ladder(cell)
        for k in range(1, 3):
            if p1_certified(*cell, LADDER[:k]):
                assert truth[:k] == [(1, "P1")] * k
        assert [(n, s) for _, n, s in detect_symmetry(phase).ladder] == truth
