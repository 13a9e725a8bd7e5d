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
from symstrain.ladder_certificate import certified_from, ladder_certified
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo

BUNDLED = Path(__file__).resolve().parents[1] / "cifs"
SHARED_PRESENT = (Path(__file__).resolve().parents[2] / "shared" / "cifs").is_dir()


def spglib_ladder(cell, tolerances=LADDER):
    """((number, symbol) | None per tolerance of ``tolerances``): one spglib call per tolerance."""
    out = []
    for tol in tolerances:
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


# ------------------------------------------------------------------ steps certified above symprec (certified_from)

def dataset(cell, symprec):
    """spglib's dataset at ``symprec``, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return spglib.get_symmetry_dataset(cell, symprec=symprec)
        except Exception:  # spglib ≥ 2.5 may raise where it used to return None
            return None


def certificate_agrees(cell, symprec=0.01):
    """(k, tolerances, spglib's ladder): :func:`certified_from` on spglib's dataset at ``symprec`` over
    LADDER ∪ {symprec}, after asserting that spglib itself finds that dataset's group at every step from k up (k None:
    the certificate declined, which is always allowed)."""
    tols = sorted(set(LADDER) | {float(symprec)})
    truth = spglib_ladder(cell, tols)
    ds = dataset(cell, symprec)
    if ds is None:
        return None, tols, truth
    k = certified_from(*cell, ds, tols, symprec)
    if k is not None:
        main = (int(ds.number), str(ds.international))
        assert truth[k:] == [main] * (len(tols) - k), f"wrong certificate from {tols[k]}: {truth}"
    return k, tols, truth


def largest_move(cell, ds):
    """μ (Å) written out: the largest distance from the image of an atom under any operation of ``ds`` to the nearest
    atom of its type (minimum image over the 27 neighbouring cells) — for small cells."""
    lattice, pos, types = (np.asarray(x, dtype=float) for x in cell)
    shifts = np.array(list(itertools.product((-1, 0, 1), repeat=3)), dtype=float)
    same = types[:, None] == types[None, :]
    worst = 0.0
    for R, t in zip(ds.rotations, ds.translations):
        d = (pos @ np.asarray(R, float).T + t)[:, None, :] - pos[None, :, :]
        d -= np.rint(d)
        dist = np.linalg.norm((d[:, :, None, :] + shifts) @ lattice, axis=-1).min(axis=2)
        worst = max(worst, float(np.where(same, dist, np.inf).min(axis=1).max()))
    return worst


def rutile(moved=0.0, direction=(0.3, -0.5, 0.8)):
    """TiO₂ rutile (P4₂/mnm, primitive: one operation per rotation, so μ is the move of the one O atom shifted by
    ``moved`` Å along ``direction``) as a spglib cell."""
    a, c, u = 4.594, 2.959, 0.3053
    frac = np.array([[0, 0, 0], [.5, .5, .5], [u, u, 0], [-u, -u, 0], [.5 + u, .5 - u, .5], [.5 - u, .5 + u, .5]])
    v = np.asarray(direction, float)
    frac[2] += v / np.linalg.norm(v) * moved / [a, a, c]
    return np.diag([a, a, c]), frac % 1.0, np.array([1, 1, 2, 2, 2, 2], dtype=np.intc)


#: (symprec, step above it) pairs where spglib still finds the group at symprec with μ just above the step's eighth
ABOVE = [(0.01, 0.05), (0.05, 0.1), (0.05, 0.2), (0.05, 0.3)]


@pytest.mark.parametrize("symprec, tau", ABOVE)
@pytest.mark.parametrize("side", [0.97, 1.03])
def test_moves_just_under_and_over_an_eighth_of_a_step_above_symprec(symprec, tau, side):
    # one O atom moved so that μ = side·τ/8 (μ is linear in the move: the Ti atoms, where spglib's translations start,
    # stay put, and a mirror through the O atom moves it by up to twice the move): just under, the certificate may
    # cover the steps from τ up (and does where spglib finds rutile there); just over, at most from the next step.
    # Either way what it claims is spglib's ladder.
    per_angstrom = largest_move(rutile(1e-4), dataset(rutile(1e-4), 0.01)) / 1e-4
    cell = rutile(side * tau / 8 / per_angstrom)
    ds = dataset(cell, symprec)
    assert ds is not None and int(ds.number) == 136
    mu = largest_move(cell, ds)
    assert (mu < tau / 8) == (side < 1)  # the structure sits where it was meant to
    k, tols, truth = certificate_agrees(cell, symprec)
    if side < 1 and truth[tols.index(tau):] == [(136, "P4_2/mnm")] * (len(tols) - tols.index(tau)):
        assert k is not None and tols[k] <= tau
    if k is not None:
        assert mu <= tols[k] / 8


@pytest.mark.parametrize("moved", [1e-3, 2e-3, 3e-3, 4e-3])
def test_centred_cell_with_one_atom_off_certified_above_symprec(moved):
    # rock salt (F: spglib averages each atom over the four centring translations) with one Na moved by 1–4e-3 Å (its
    # mirrors move it by up to twice that): Fm-3m at 0.01 Å with μ above 0.01/8, so only steps above symprec can be
    # certified
    cell_, frac, el = rock_salt()
    frac = np.array(frac, float)
    frac[0] += np.array([0.6, 0.0, 0.8]) * moved / 5.64
    cell = (np.diag([5.64] * 3), frac % 1.0, np.array([1] * 4 + [2] * 4, dtype=np.intc))
    ds = dataset(cell, 0.01)
    assert int(ds.number) == 225 and largest_move(cell, ds) > 0.01 / 8
    certificate_agrees(cell, 0.01)


def test_group_change_between_steps_above_symprec_is_left_to_spglib():
    # rock salt with the Na sublattice moved by 0.06 Å along c (I4mm; Fm-3m once the tolerance passes 0.12 Å) and one
    # Cl moved by 3e-3 Å (μ of I4mm above 0.01/8): the steps above symprec change group, so no certificate may cover
    # 0.2 and 0.3 Å — and detect_symmetry reports spglib's ladder
    _, frac, el = rock_salt(shift=0.06)
    frac = np.array(frac, float)
    frac[5] += np.array([0.48, 0.6, 0.64]) * 3e-3 / 5.64
    cell = (np.diag([5.64] * 3), frac % 1.0, np.array([1] * 4 + [2] * 4, dtype=np.intc))
    k, tols, truth = certificate_agrees(cell, 0.01)
    assert truth[tols.index(0.01)] == (107, "I4mm") and truth[-1] == (225, "Fm-3m")
    assert k is None or tols[k] > 0.2
    ph = phase_of(Cell(5.64, 5.64, 5.64, 90, 90, 90), frac, el)
    rep = detect_symmetry(ph)
    assert [None if n is None else (n, s) for _, n, s in rep.ladder] == spglib_ladder(spglib_cell(ph)[:3])
    assert {0.2, 0.3} <= set(rep.spglib_tolerances)


def _real_cells(shared_cifs):
    """Spglib cells of the real structures the fuzz moves: the bundled models and the shared files of ≤ 200 atoms."""
    files = [BUNDLED / "model_LS_Pccn_90K.cif", BUNDLED / "model_HS_P21c_300K.cif"]
    if shared_cifs is not None:
        files += sorted(shared_cifs.glob("*/*.cif"))
    cells = []
    for f in files:
        try:
            lattice, pos, types, _ = spglib_cell(read_cif(f))
        except SymstrainInputError:
            continue
        if len(types) <= 200 or f.parent == BUNDLED:
            cells.append((lattice, pos, types))
    return cells


def random_displacement(cells, rng):
    """(cell, symprec): a real structure with one, some or all atoms moved by a log-uniform 10^-5.5 … 10^-1.3 Å in
    random directions, the cell strained a little one time in three, symprec 0.01 Å (or 1e-3, 0.05)."""
    lattice, pos, types = cells[rng.integers(len(cells))]
    n = len(types)
    size = 10 ** rng.uniform(-5.5, -1.3)
    moved = rng.choice([np.arange(n) == rng.integers(n), rng.random(n) < 0.1, np.ones(n, bool)])
    step = rng.normal(size=(n, 3))
    step *= (size * rng.uniform(0.5, 1.0, n) / np.linalg.norm(step, axis=1))[:, None] * moved[:, None]
    lattice = np.asarray(lattice, float)
    if rng.random() < 1 / 3:
        lattice = lattice @ (np.eye(3) + rng.normal(size=(3, 3)) * 10 ** rng.uniform(-6, -3))
    pos = (pos + step @ np.linalg.inv(lattice)) % 1.0
    return (lattice, pos, types), float(rng.choice([0.01, 0.01, 0.01, 1e-3, 0.05]))


@pytest.mark.parametrize("block", range(6))
def test_random_displacements_of_real_structures(block, request):
    # 300 cases (6 × 50): the certificate never claims a step where spglib finds another group
    shared = request.getfixturevalue("shared_cifs") if SHARED_PRESENT else None
    cells = _real_cells(shared)
    rng = np.random.default_rng(1000 + block)
    for _ in range(50):
        cell, symprec = random_displacement(cells, rng)
        certificate_agrees(cell, symprec)


@pytest.mark.parametrize("a, certified", [(0.8, False), (1.0, True)])
def test_no_certificate_where_another_space_group_type_could_be_named(a, certified):
    # a cubic lattice of one atom, a Å: the naming argument (a group of another type whose operations lie within
    # τ + μ of spglib's is G moved by an origin shift) needs every lattice vector longer than 3(τ_max + 6μ) = 0.9 Å
    # here — 0.8 Å passes every other test (plane spacing above 2·0.3 Å) but is declined
    cell = (np.eye(3) * a, np.zeros((1, 3)), np.array([1], dtype=np.intc))
    ds = dataset(cell, 0.01)
    assert spglib_ladder(cell) == [(221, "Pm-3m")] * len(LADDER)
    assert ladder_certified(*cell, ds, LADDER) is certified
