"""The lattice-correspondence search (``correspondence.py``): the same answers in bounded time and memory.

A cell with one very short axis beside long ones has hundreds of thousands of correspondences within the default
tolerance (every long vector sheared by the short one fits); relating such a cell to itself took 25 s (27.37 × 1000 ×
1 Å, found by the fuzzer) to 100 s and 2 GB (1000 × 1000 × 0.5 Å). The expected answers are derived by hand: a
structure related to itself is the identity (P = I, p = 0, index 1, misfit 0); a cell whose shortest vector is longer
than the child's axis by more than the tolerance has no correspondence at all.
"""

import re
import time

import numpy as np
import pytest

from symstrain import correspondence, relation
from symstrain.correspondence import correspondences, lattice_candidates
from symstrain.errors import SymstrainInputError
from symstrain.phase import Cell, Phase, SpaceGroupInfo
from symstrain.relation import relate


def phase(cell, symbol="P 1", name="x.cif"):
    return Phase(Cell(*cell), SpaceGroupInfo.from_symbol(symbol), (), source=name)


@pytest.mark.parametrize("cell", [(27.37, 1000, 1.0, 90, 90, 90), (1000, 1000, 0.5, 90, 90, 90),
                                  (1000, 1000, 1.0, 90, 90, 120), (300, 5, 0.6, 90, 90, 90)])
def test_a_short_axis_beside_long_ones_relates_to_itself_quickly(cell):
    p = phase(cell)
    t0 = time.process_time()
    r = relate(p, p)
    assert time.process_time() - t0 < 5.0  # 25 s and 100 s before the stepped search
    assert r.holds and r.index == 1 and r.kind == "identity"
    assert np.array_equal(r.P, np.eye(3)) and np.array_equal(r.p, np.zeros(3)) and abs(r.lattice_misfit) < 1e-12


def test_stretched_copy_of_a_real_file_relates_quickly_both_ways(shared_cifs):
    """quirks/1010050 (Pmcn-type cell 5.85 × 12.67 × 8.50 Å) against a copy with a = 300 Å (a fuzz case past 10 s)."""
    import gemmi

    from symstrain.cif import phase_from_block, read_cif

    path = shared_cifs / "quirks" / "1010050-zero-sigmas.cif"
    original = read_cif(path)
    text = re.sub(r"(?m)^_cell_length_a\s+\S+", "_cell_length_a 300", path.read_text(errors="replace"))
    stretched = phase_from_block(gemmi.cif.read_string(text).sole_block(), "stretched.cif")
    t0 = time.process_time()
    forward, backward = relate(original, stretched), relate(stretched, original)
    assert time.process_time() - t0 < 5.0
    # the stretched lattice's shortest vector (8.50 Å) is far longer than 5.85 Å × 1.08: no correspondence
    assert not backward.holds and "no parent-lattice vectors match" in backward.reason
    # the original lattice does hold vectors ≈ 300 Å long: the answer is a relation whose P really maps the parent
    # lattice onto the child cell within the tolerance (Green–Lagrange strain computed here)
    assert forward.holds
    A = original.cell.matrix() @ forward.P
    L = np.linalg.cholesky(A.T @ A)
    Li = np.linalg.inv(L)
    E = 0.5 * (Li @ stretched.cell.metric() @ Li.T - np.eye(3))
    assert np.max(np.abs(np.linalg.eigvalsh(E))) <= 0.08 + 1e-12
    assert np.allclose(forward.P, np.round(forward.P)) and round(abs(np.linalg.det(forward.P))) >= 1


def test_the_stepped_search_yields_exactly_the_one_shot_order(monkeypatch):
    """A 24-fold supercell has thousands of correspondences: the stepped, lazy search must give them all, in the
    order of one enumeration at the full tolerance (the oracle), whatever the steps."""
    parent = Cell(5.85, 8.79, 13.13, 90, 90, 90)
    child = Cell(24 * 5.86, 8.78, 13.15, 90, 90.4, 90)
    centring = np.zeros((1, 3))
    misfits, Ps = lattice_candidates(parent, centring, child, 0.08)
    assert len(Ps) > 100
    for steps in [(0.005, 0.02), (0.001, 0.003, 0.0031, 0.05)]:
        monkeypatch.setattr(correspondence, "MISFIT_STEPS", steps)
        monkeypatch.setattr(correspondence._Search, "FEW", 0)  # always step, however few
        got = list(correspondences(parent, centring, child, 0.08))
        assert len(got) == len(Ps)
        assert np.array_equal(np.array([m for m, _ in got]), misfits)
        assert np.array_equal(np.array([P for _, P in got]), Ps)
    assert np.all(np.diff([round(m, 4) for m in misfits]) >= 0)


def test_bounds_give_one_line_input_errors(monkeypatch):
    """P 1 2/m 1 cannot hold P 1 1 2/m on this cell (the child's 2-fold lies along the 1 Å axis, every parent 2-fold
    along a 1000 Å one): every correspondence fails on the rotation, so the search gives up after MAX_TRIALS."""
    cell = (1000, 1000, 1.0, 90, 90, 90)
    t0 = time.process_time()
    with pytest.raises(SymstrainInputError, match=r"none of the first 5,000 lattice correspondences") as err:
        relate(phase(cell, "P 1 2/m 1"), phase(cell, "P 1 1 2/m", "child.cif"))
    assert time.process_time() - t0 < 5.0
    assert "\n" not in err.value.problem and "smaller tolerance" in err.value.problem
    assert err.value.source == "child.cif"
    monkeypatch.setattr(correspondence, "MAX_CANDIDATES", 10)
    with pytest.raises(SymstrainInputError, match=r"more than the 10 searched"):
        list(correspondences(Cell(*cell), np.zeros((1, 3)), Cell(*cell), 0.08))
    # with room enough, the same pair on an ordinary cell is an answer: "no", with the reason
    monkeypatch.setattr(relation, "MAX_TRIALS", 5_000)
    r = relate(phase((10, 11, 12, 90, 90, 90), "P 1 2/m 1"), phase((10, 11, 12, 90, 90, 90), "P 1 1 2/m"))
    assert not r.holds and "not a rotation of the parent point group" in r.reason
