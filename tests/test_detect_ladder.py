"""The tolerance ladder of detect_symmetry is the ladder of spglib run at every tolerance.

Oracles: spglib called here directly at each of the seven tolerances on the same cell (``spglib_cell``), and, for
:func:`_ladder` itself, step functions written in the test whose every value is known — non-monotone ones too:
spglib is not monotone in the tolerance, so no step may be inferred from the steps around it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import spglib

from symstrain.cif import read_cif
from symstrain.detect import LADDER, _ladder, detect_symmetry, spglib_cell
from symstrain.errors import SymstrainInputError
from symstrain.expand import expand_to_cell
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo


def full_ladder(phase):
    """(tol, number, symbol) from one spglib call per tolerance."""
    lattice, pos, types, _ = spglib_cell(phase)
    out = []
    for tol in LADDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                ds = spglib.get_symmetry_dataset((lattice, pos, types), symprec=tol)
            except Exception:  # spglib ≥ 2.5 may raise where it used to return None
                ds = None
        out.append((tol, None, None) if ds is None else (tol, int(ds.number), str(ds.international)))
    return tuple(out)


def test_ladder_equals_every_tolerance_on_shared_cifs(shared_cifs):
    files = sorted(shared_cifs.glob("*/*.cif"))
    checked, calls = 0, []
    for f in files:
        try:
            ph = read_cif(f)
        except SymstrainInputError:
            continue
        rep = detect_symmetry(ph)  # certificates where they hold, spglib at every other step
        assert rep.ladder == full_ladder(ph), f.name
        assert detect_symmetry(ph, certify=False).ladder == rep.ladder, f.name
        calls.append(len(rep.spglib_tolerances))
        checked += 1
    assert checked >= 30
    # the certificate spares most calls; never more than the full ladder (symprec is one of its steps)
    assert min(calls) == 1 and max(calls) <= len(LADDER)
    assert np.mean(calls) < 2


def _sites(frac, z):
    return tuple(Atom(f"X{i}", "Na" if zz == 11 else "Cl", np.array(f, float), np.full(3, np.nan))
                 for i, (f, zz) in enumerate(zip(frac, z)))


def test_a_change_inside_the_ladder_is_found():
    # rock salt with the Na sublattice moved by 0.02 c = 0.113 Å: I4mm (107) up to 0.2 Å, Fm-3m (225) at 0.3 Å
    # (the lost mirror maps +δ onto −δ, 0.226 Å away): the change between two steps is reported where spglib sees it
    rs = Phase(Cell(5.64, 5.64, 5.64, 90, 90, 90), SpaceGroupInfo.from_symbol("F m -3 m"),
               (Atom("Na", "Na", np.zeros(3), np.full(3, np.nan)), Atom("Cl", "Cl", np.full(3, 0.5), np.full(3, np.nan))))
    frac, z, _, _ = expand_to_cell(rs)
    frac = frac.copy()
    frac[z == 11, 2] += 0.02
    ph = Phase(rs.cell, SpaceGroupInfo.from_symbol("P 1"), _sites(frac, z))
    rep = detect_symmetry(ph)
    assert rep.ladder == full_ladder(ph)
    assert [n for _, n, _ in rep.ladder] == [107] * 6 + [225]
    assert 0.2 in rep.spglib_tolerances and 0.3 in rep.spglib_tolerances
    assert detect_symmetry(ph, full_ladder=True).spglib_tolerances == tuple(sorted(set(LADDER)))


class _DS:  # what _ladder reads of a spglib dataset
    def __init__(self, n):
        self.number, self.international = n, f"G{n}"


@pytest.mark.parametrize("values", [
    [1] * 7,                       # constant
    [1, 1, 5, 5, 5, 5, 5],         # one change
    [None, 1, 1, 1, 1, 1, None],   # spglib finding nothing at both ends
    [1, 1, 1, 8, 1, 221, 221],     # not monotone: a group at 0.05 Å between two P 1 steps (hypothesis found it)
    [1, 2, 3, 4, 5, 6, 7],         # a change at every step
])
def test_ladder_is_spglib_at_every_step_not_given(values):
    tols = list(LADDER)
    table = dict(zip(tols, values))
    called = []

    def run(t):
        called.append(t)
        return None if table[t] is None else _DS(table[t])

    steps = _ladder(run, tols)
    assert [n for _, n, _ in steps] == values
    assert [s for _, _, s in steps] == [None if v is None else f"G{v}" for v in values]
    assert sorted(called) == tols  # each step once, none inferred
    # steps given (proven by a certificate) are taken without a call, the others still called
    called.clear()
    steps = _ladder(run, tols, given={0.1: (values[4], "proven"), 0.3: (values[6], "proven")})
    assert sorted(called) == [t for t in tols if t not in (0.1, 0.3)]
    assert [s for t, _, s in steps if t in (0.1, 0.3)] == ["proven", "proven"]


def test_ladder_keeps_order_and_duplicates_of_the_request():
    calls = []

    def run(t):
        calls.append(t)
        return _DS(2)

    steps = _ladder(run, (0.3, 1e-3, 0.3, 0.05))
    assert [t for t, _, _ in steps] == [1e-3, 0.05, 0.3, 0.3]
    assert sorted(calls) == [1e-3, 0.05, 0.3]


def _cubic_off_by_a_little(seed, log_disp, log_strain, frac, elements, a=4.0):
    """A cubic cell strained and its atoms moved at random, as the hypothesis test of test_ladder_certificate
    builds it (the parameters of the two non-monotone cases it found)."""
    rng = np.random.default_rng(seed)
    lengths = np.full(3, a)
    disp = rng.normal(size=frac.shape) * 10**log_disp * (rng.random(frac.shape) < 0.5)
    frac = np.asarray(frac, float) + disp / lengths
    strain = 1 + rng.normal(size=3) * 10**log_strain
    params = [*(lengths * strain), *(90 + rng.normal(size=3) * 10**log_strain * 10)]
    atoms = tuple(Atom(f"{e}{i}", e, np.array(f, float) % 1.0, np.full(3, np.nan))
                  for i, (f, e) in enumerate(zip(frac, elements)))
    return Phase(Cell(*params), SpaceGroupInfo.from_symbol("P 1"), atoms)


def test_a_group_between_two_p1_steps_is_reported():
    # spglib is not monotone here: P 1 at 0.01 and 0.1 Å but Cm at 0.05 Å (a bisection would have said P 1)
    ph = _cubic_off_by_a_little(22530, -1.875, -2.0, np.array([[0, 0, 0], [.5, .5, .5]]), ["Cs", "Cl"])
    rep = detect_symmetry(ph)
    assert rep.ladder == full_ladder(ph)
    assert [n for _, n, _ in rep.ladder][2:5] == [1, 8, 1]


def test_a_group_between_two_p1_steps_in_rock_salt_is_reported():
    # P 1 at 0.1 Å, C2 at 0.2 Å, P 1 again at 0.3 Å (the second case hypothesis found)
    fcc = np.array([[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]])
    frac = np.vstack([fcc, fcc + 0.5])
    ph = _cubic_off_by_a_little(691, -1.0, -2.0, frac, ["Na"] * 4 + ["Cl"] * 4, a=5.64)
    rep = detect_symmetry(ph)
    assert rep.ladder == full_ladder(ph)
    assert [n for _, n, _ in rep.ladder][4:] == [1, 5, 1]


def test_certificate_from_a_step_up_spares_the_calls_above():
    # rock salt with the Na sublattice moved by δ = 3e-4 Å along c: spglib sees I4mm (107) at 1e-4 Å and Fm-3m (225)
    # from 1e-3 Å up (the lost mirror maps +δ onto −δ, 6e-4 Å away). Fm-3m's operations move Na by ~2δ: more than
    # an eighth of 1e-4 and 1e-3 Å, less than an eighth of 0.01 Å, so the certificate holds from 0.01 Å up and spglib
    # runs only at 1e-4 and 1e-3 Å besides symprec — the ladder still that of spglib at every step
    from symstrain.ladder_certificate import certified_from

    rs = Phase(Cell(5.64, 5.64, 5.64, 90, 90, 90), SpaceGroupInfo.from_symbol("F m -3 m"),
               (Atom("Na", "Na", np.zeros(3), np.full(3, np.nan)), Atom("Cl", "Cl", np.full(3, 0.5), np.full(3, np.nan))))
    frac, z, _, _ = expand_to_cell(rs)
    frac = frac.copy()
    frac[z == 11, 2] += 3e-4 / 5.64
    ph = Phase(rs.cell, SpaceGroupInfo.from_symbol("P 1"), _sites(frac, z))
    rep = detect_symmetry(ph)
    assert rep.ladder == full_ladder(ph)
    assert [n for _, n, _ in rep.ladder] == [107] + [225] * 6
    assert rep.spglib_tolerances == (1e-4, 1e-3, 0.01)
    lattice, pos, types, _ = spglib_cell(ph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ds = spglib.get_symmetry_dataset((lattice, pos, types), symprec=0.01)
    assert certified_from(lattice, pos, types, ds, LADDER, 0.01) == LADDER.index(0.01)


def test_species_ranks_are_numpys_unique_inverse():
    """The spglib species of a cell: each key's rank among the distinct keys (oracle: np.unique's inverse)."""
    from symstrain.detect import _ranks

    rng = np.random.default_rng(5)
    for n in (0, 1, 2, 7, 300):
        key = rng.integers(1, 40, n) * 10_000 + rng.integers(0, 3, n) * 500
        assert _ranks(key).tolist() == np.unique(key, return_inverse=True)[1].reshape(-1).tolist()


def test_an_empty_step_is_explained_by_two_atoms_of_one_species_closer_than_it(tmp_path):
    """Two Si 0.030 Å apart (a split site, x differing by 0.003 of a = 10 Å; by hand) in a cubic P1 cell: spglib
    refuses the cell from 0.05 Å on, and the note says which atoms and how far apart; with them 0.5 Å apart nothing
    is empty and no such note is made."""
    def cif(dx):
        return (f"data_s\n_cell_length_a 10\n_cell_length_b 10\n_cell_length_c 10\n_cell_angle_alpha 90\n"
                f"_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\nloop_\n"
                f"_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                f"_atom_site_fract_z\nSi1 Si 0.1 0.2 0.3\nSi2 Si {0.1 + dx} 0.2 0.3\nO1 O 0.6 0.7 0.8\n")
    path = tmp_path / "split.cif"
    path.write_text(cif(0.003))
    ph = read_cif(path)
    rep = detect_symmetry(ph)
    assert [n for _, n, _ in rep.ladder] == [n for _, n, _ in full_ladder(ph)]  # spglib's own ladder
    empty = [t for t, n, _ in rep.ladder if n is None]
    assert empty and min(empty) == 0.05
    note = next(n for n in rep.notes if n.startswith("spglib finds no group"))
    assert "from 0.05 Å on" in note and "Si1 and Si2" in note and "0.030 Å apart" in note
    path.write_text(cif(0.05))
    rep = detect_symmetry(read_cif(path))
    assert all(n is not None for _, n, _ in rep.ladder)
    assert not any(n.startswith("spglib finds no group") for n in rep.notes)


def _rock_salt_na_moved(delta: float) -> Phase:
    """Rock salt (a = 5.64 Å) in P 1 with the Na sublattice moved by ``delta`` Å along c."""
    atoms = (Atom("Na", "Na", np.zeros(3), np.full(3, np.nan)), Atom("Cl", "Cl", np.full(3, 0.5), np.full(3, np.nan)))
    rs = Phase(Cell(5.64, 5.64, 5.64, 90, 90, 90), SpaceGroupInfo.from_symbol("F m -3 m"), atoms)
    frac, z, _, _ = expand_to_cell(rs)
    frac = frac.copy()
    frac[z == 11, 2] += delta / 5.64
    return Phase(rs.cell, SpaceGroupInfo.from_symbol("P 1"), _sites(frac, z))


@pytest.mark.parametrize("delta, calls", [(0.012, (0.01, 0.05, 0.1)), (0.02, (0.01, 0.05, 0.1, 0.2, 0.3))])
def test_more_certificates_spare_calls_below_and_above(monkeypatch, delta, calls):
    # rock salt with Na moved by δ along c: I4mm (107) up to 0.01 Å (Fm-3m's lost mirror maps +δ onto −δ, 2δ away),
    # Fm-3m (225) from 0.05 Å. The whole ladder's certificate fails (a larger group above); with the further
    # certificates (forced on: these calls are fast), I4mm's dataset at 0.01 proves 1e-4 and 1e-3 Å (its operations are
    # exact; Fm-3m's move Na by 2δ, beyond 0.01 Å), and Fm-3m's at 0.05 Å proves the steps τ ≥ 8μ, μ ≈ 2δ: 0.2 and
    # 0.3 Å for δ = 0.012 (μ = 0.024), none for δ = 0.02 (8μ = 0.32 Å). The ladder is spglib's at every step.
    import symstrain.detect as detect

    ph = _rock_salt_na_moved(delta)
    want = full_ladder(ph)
    assert [n for _, n, _ in want] == [107] * 3 + [225] * 4
    monkeypatch.setattr(detect, "_MORE_CERTIFICATES_SECONDS", 0.0)
    rep = detect_symmetry(ph)
    assert rep.ladder == want
    assert rep.spglib_tolerances == calls
    monkeypatch.setattr(detect, "_MORE_CERTIFICATES_SECONDS", 1e9)  # never: spglib at each step the first leaves
    rep = detect_symmetry(ph)
    assert rep.ladder == want and rep.spglib_tolerances == LADDER


def test_more_certificates_keep_spglibs_ladder_on_shared_cifs(shared_cifs, monkeypatch):
    import symstrain.detect as detect

    monkeypatch.setattr(detect, "_MORE_CERTIFICATES_SECONDS", 0.0)
    checked = 0
    for f in sorted(shared_cifs.glob("*/*.cif")):
        try:
            ph = read_cif(f)
        except SymstrainInputError:
            continue
        assert detect_symmetry(ph).ladder == full_ladder(ph), f.name
        checked += 1
    assert checked >= 30


def test_a_certificate_past_its_deadline_proves_nothing():
    # rock salt with Na moved by 0.012 Å: I4mm's dataset at 0.01 Å proves 1e-4 to 0.01 Å once Fm-3m's operations
    # (and the others spglib may try) are refuted — not when the deadline has passed before; P 1 on a cell with no
    # symmetry likewise. A certificate out of time leaves its steps to spglib: the ladder is the same
    import time

    from symstrain.ladder_certificate import certified_from, p1_certified

    ph = _rock_salt_na_moved(0.012)
    lattice, pos, types, _ = spglib_cell(ph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ds = spglib.get_symmetry_dataset((lattice, pos, types), symprec=0.01)
    assert int(ds.number) == 107
    assert certified_from(lattice, pos, types, ds, LADDER[:3], 0.01) == 0
    assert certified_from(lattice, pos, types, ds, LADDER[:3], 0.01, deadline=time.perf_counter() - 1) is None
    rng = np.random.default_rng(7)
    frac = rng.random((24, 3))
    lattice = np.diag([9.0, 10.0, 11.0])
    types = np.array([1] * 8 + [2] * 16, dtype=np.intc)
    assert p1_certified(lattice, frac, types, LADDER[:2])
    assert not p1_certified(lattice, frac, types, LADDER[:2], deadline=time.perf_counter() - 1)
