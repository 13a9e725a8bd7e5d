"""The certified ladder (one spglib call) gives the ladder of spglib run at every tolerance.

Oracle: spglib called here directly at each of the seven tolerances on the same cell (``spglib_cell``). Any file or
structure where the certificate holds and one step of that ladder differs from the group at ``symprec`` is a wrong
certificate. Structures are built in the test to sit just under and just over each step (a displaced atom, a
near-metric lattice, a near-right angle, a pseudo-translation), plus random small perturbations (hypothesis).
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest
import spglib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symstrain.cif import read_cif
from symstrain.detect import LADDER, detect_symmetry, spglib_cell
from symstrain.errors import SymstrainInputError
from symstrain.ladder_certificate import ladder_certified
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo

BUNDLED = Path(__file__).resolve().parents[1] / "cifs"


def spglib_ladder(cell):
    """((number, symbol) | None per tolerance of LADDER): one spglib call per tolerance."""
    out = []
    for tol in LADDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                ds = spglib.get_symmetry_dataset(cell, symprec=tol)
            except Exception:  # spglib ≥ 2.5 may raise where it used to return None
                ds = None
        out.append(None if ds is None else (int(ds.number), str(ds.international)))
    return out


def certified_and_truth(phase):
    """(certified?, the group at 0.01 Å, spglib's ladder) for a phase."""
    lattice, pos, types, _ = spglib_cell(phase)
    cell = (lattice, pos, types)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        main = spglib.get_symmetry_dataset(cell, symprec=0.01)
    truth = spglib_ladder(cell)
    ok = main is not None and ladder_certified(lattice, pos, types, main, LADDER)
    return ok, None if main is None else (int(main.number), str(main.international)), truth


def check_files(files):
    n_read = n_cert = 0
    for f in files:
        try:
            ph = read_cif(f)
        except SymstrainInputError:
            continue
        n_read += 1
        ok, main, truth = certified_and_truth(ph)
        if ok:
            n_cert += 1
            assert truth == [main] * len(LADDER), f"wrong certificate for {f}: {truth}"
        # and what detect_symmetry reports is spglib's ladder whichever way it was obtained
        rep = detect_symmetry(ph)
        assert [None if n is None else (n, s) for _, n, s in rep.ladder] == truth, f
    return n_read, n_cert


def test_certificate_on_every_shared_cif(shared_cifs):
    n_read, n_cert = check_files(sorted(shared_cifs.glob("**/*.cif")))
    assert n_read >= 30
    assert n_cert >= n_read // 2  # the certificate is worth having: it holds for most real files


def test_centred_cells():
    # spglib builds a primitive cell from the centring translations: rock salt (F), CsCl-type doubled into I, and
    # a C-centred pseudo-tetragonal cell a little off the metric at each step
    ok, main, truth = certified_and_truth(phase_of(*rock_salt()))
    assert ok and truth == [(225, "Fm-3m")] * len(LADDER)
    assert_right(phase_of(Cell(4.0, 4.0, 6.0, 90, 90, 90), [[0, 0, 0], [.5, .5, .5]], ["Fe", "Fe"]))
    for d in STEPS:
        assert_right(phase_of(Cell(5.0, 5.0 + d, 7.0, 90, 90, 90), [[0, 0, 0], [.5, .5, 0], [0, .5, .5], [.5, 0, .5]],
                              ["Cu", "Cu", "Au", "Au"]))


def test_certificate_on_the_bundled_cifs():
    files = sorted(BUNDLED.glob("*.cif")) + sorted((BUNDLED / "series").glob("*.cif"))
    n_read, n_cert = check_files(files)
    assert n_read == len(files) >= 40
    assert n_cert >= 1


# ----------------------------------------------------------------------------- structures built near each step

def phase_of(cell: Cell, frac, elements) -> Phase:
    atoms = tuple(Atom(f"{e}{i}", e, np.array(f, float) % 1.0, np.full(3, np.nan))
                  for i, (f, e) in enumerate(zip(frac, elements)))
    return Phase(cell, SpaceGroupInfo.from_symbol("P 1"), atoms)


def rock_salt(a=5.64, shift=0.0):
    """NaCl in its conventional cell (Fm-3m), the Na sublattice moved by ``shift`` Å along c."""
    fcc = np.array([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]])
    frac = np.vstack([fcc + [0, 0, shift / a], fcc + 0.5])
    return Cell(a, a, a, 90, 90, 90), frac, ["Na"] * 4 + ["Cl"] * 4


def assert_right(phase):
    ok, main, truth = certified_and_truth(phase)
    if ok:
        assert truth == [main] * len(LADDER), truth
    rep = detect_symmetry(phase)
    assert [None if n is None else (n, s) for _, n, s in rep.ladder] == truth
    return ok, truth


STEPS = [t * f for t in LADDER for f in (0.9, 0.99, 1.01, 1.1)]


@pytest.mark.parametrize("d", STEPS)
def test_displaced_atom_near_each_step(d):
    # the lost mirror maps +δ onto −δ: the broken operation moves Na by 2δ = d
    assert_right(phase_of(*rock_salt(shift=d / 2)))


@pytest.mark.parametrize("d", STEPS)
def test_near_metric_lattice_near_each_step(d):
    # CsCl-type on a tetragonal cell with c − a = d: P4/mmm, and Pm-3m once the tolerance passes d
    ph = phase_of(Cell(4.0, 4.0, 4.0 + d, 90, 90, 90), [[0, 0, 0], [.5, .5, .5]], ["Cs", "Cl"])
    assert_right(ph)


@pytest.mark.parametrize("d", STEPS)
def test_near_right_angle_near_each_step(d):
    # β misses 90° so that the ends of the axes move by about d: P2/m, and Pmmm once the tolerance passes it;
    # and a triclinic filling of the same cell (P-1 all along, the pseudo-orthogonal rotations refused by the atoms)
    beta = 90 + np.degrees(np.arcsin(min(1.0, d / 6.0)))
    assert_right(phase_of(Cell(4.0, 5.0, 6.0, 90, beta, 90), [[0, 0, 0], [.5, .5, .5]], ["Cs", "Cl"]))
    assert_right(phase_of(Cell(5.0, 6.0, 7.0, 90, beta, 90), [[0, 0, 0], [.5, .5, .5], [.2, .3, .1], [.8, .7, .9]],
                          ["Ba", "O", "Ti", "Ti"]))


@pytest.mark.parametrize("d", STEPS)
def test_pseudo_translation_near_each_step(d):
    # rock salt doubled along a, one Na of one half moved by d: the translation a/2 holds only above d
    cell, frac, el = rock_salt()
    frac2 = np.vstack([frac * [.5, 1, 1], frac * [.5, 1, 1] + [.5, 0, 0]])
    frac2[0] += [0, 0, d / 5.64]
    ph = phase_of(Cell(11.28, 5.64, 5.64, 90, 90, 90), frac2, el + el)
    assert_right(ph)


def test_pseudo_symmetric_lawsonite_cells(shared_cifs):
    # the Pmcn and P2₁cn lawsonite cells are pseudo-Cmcm: the certificate must never claim their ladder blindly
    for f in sorted((shared_cifs / "lawsonite").glob("*.cif")):
        assert_right(read_cif(f))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.floats(-6.5, -0.4), st.floats(-6.5, -0.7),
       st.sampled_from(["nacl", "cscl", "mono"]))
def test_random_small_perturbations(seed, log_disp, log_strain, kind):
    rng = np.random.default_rng(seed)
    if kind == "nacl":
        cell, frac, el = rock_salt()
    elif kind == "cscl":
        cell, frac, el = Cell(4.0, 4.0, 4.0, 90, 90, 90), np.array([[0, 0, 0], [.5, .5, .5]]), ["Cs", "Cl"]
    else:
        cell, frac, el = (Cell(5.0, 6.0, 7.0, 90, 100, 90), np.array([[0, 0, 0], [.5, .5, .5], [.2, .3, .1],
                                                                        [.8, .7, .9]]), ["Ba", "O", "Ti", "Ti"])
    lengths = np.array(cell.params[:3])
    disp = rng.normal(size=frac.shape) * 10**log_disp * (rng.random(frac.shape) < 0.5)
    frac = np.asarray(frac, float) + disp / lengths
    strain = 1 + rng.normal(size=3) * 10**log_strain
    params = [*(lengths * strain), *(np.array(cell.params[3:]) + rng.normal(size=3) * 10**log_strain * 10)]
    assert_right(phase_of(Cell(*params), frac, el))


def brute_force_lattice_rotations(B, tol):
    """spglib's get_lattice_symmetry written out: all 26³ column choices, det ±1, is_identity_metric."""
    axes = [v for v in itertools.product((-1, 0, 1), repeat=3) if any(v)]
    G = B.T @ B
    lo = np.sqrt(np.diag(G))
    out = []
    for cols in itertools.product(axes, repeat=3):
        W = np.array(cols, dtype=float).T
        if abs(round(np.linalg.det(W))) != 1:
            continue
        Gr = W.T @ G @ W
        lr = np.sqrt(np.diag(Gr))
        if np.any(np.abs(lr - lo) > tol):
            continue
        ok = True
        for a, b in ((0, 1), (0, 2), (1, 2)):
            c1, c2 = G[a, b] / lo[a] / lo[b], Gr[a, b] / lr[a] / lr[b]
            x = c1 * c2 + np.sqrt(max(0.0, 1 - c1 * c1)) * np.sqrt(max(0.0, 1 - c2 * c2))
            if 1 - x * x > 1e-12 and (1 - x * x) * (lo[a] + lr[a]) * (lo[b] + lr[b]) / 4 > tol * tol:
                ok = False
        if ok:
            out.append(B @ W @ np.linalg.inv(B))
    return np.array(out).reshape(-1, 3, 3)


@pytest.mark.parametrize("seed", range(4))
def test_lattice_rotations_equal_spglibs_search_written_out(seed):
    from symstrain.lattice import cell_matrix
    from symstrain.ladder_certificate import _lattice_rotations

    rng = np.random.default_rng(seed)
    bases = []
    for k in range(3):  # near-cubic, near-tetragonal and near-hexagonal metrics, 0.1 Å off at most
        a = 4 + rng.random()
        lengths = [a, a + rng.random() * 0.1, a * (1 + (k == 1)) + rng.random() * 0.1]
        angles = [90 + rng.normal() * 0.3, 90 + rng.normal() * 0.3, 120 if k == 2 else 90 + rng.normal() * 0.3]
        bases.append(np.asarray(cell_matrix((*lengths, *angles)), dtype=float))
    M, counts = _lattice_rotations(np.array(bases), 0.2)
    want = [brute_force_lattice_rotations(B, 0.2) for B in bases]
    assert list(counts) == [len(w) for w in want]

    def key(X):
        return sorted(map(tuple, np.rint(X.reshape(-1, 9) * 1e6).astype(np.int64).tolist()))

    assert key(M) == key(np.concatenate(want))


@pytest.mark.parametrize("labels", [[1, 1, 2, 3, 3, 3, 2, 4, 4], [5], [-3, 7, 7, -3, 10**9, 10**9, 2, 2, 2],
                                    [0, 0, 1, 1]])
def test_atoms_of_the_rarest_types(labels):
    # oracle: the counts of a Counter; small positive labels (spglib's) and any others (negative, huge) alike
    from collections import Counter

    from symstrain.ladder_certificate import _of_rarest_type

    counts = Counter(labels)
    fewest = min(counts.values())
    want = [counts[x] == fewest for x in labels]
    assert _of_rarest_type(np.array(labels, dtype=np.int64)).tolist() == want
