"""The bisected tolerance ladder of detect_symmetry gives the ladder of spglib run at every tolerance.

Oracles: spglib called here directly at each of the seven tolerances on the same cell (``spglib_cell``), and, for
the bisection itself, step functions written in the test whose every value is known.
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


def test_bisected_ladder_equals_every_tolerance_on_shared_cifs(shared_cifs):
    files = sorted(shared_cifs.glob("*/*.cif"))
    checked, calls = 0, []
    for f in files:
        try:
            ph = read_cif(f)
        except SymstrainInputError:
            continue
        rep = detect_symmetry(ph, certify=False)  # the bisection alone (the certificate: test_ladder_certificate)
        assert rep.ladder == full_ladder(ph), f.name
        calls.append(len(rep.spglib_tolerances))
        checked += 1
    assert checked >= 30
    # a group constant along the ladder costs its two ends and symprec; never more than the full ladder
    assert min(calls) == 3 and max(calls) <= len(LADDER)
    assert np.mean(calls) < 4


def _sites(frac, z):
    return tuple(Atom(f"X{i}", "Na" if zz == 11 else "Cl", np.array(f, float), np.full(3, np.nan))
                 for i, (f, zz) in enumerate(zip(frac, z)))


def test_bisection_finds_a_change_inside_the_ladder():
    # rock salt with the Na sublattice moved by 0.02 c = 0.113 Å: I4mm (107) up to 0.2 Å, Fm-3m (225) at 0.3 Å
    # (the lost mirror maps +δ onto −δ, 0.226 Å away); the ends differ, so the bisection must look inside
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


@pytest.mark.parametrize("values", [
    [1] * 7,                       # constant: the two ends (and the known middle) only
    [1, 1, 5, 5, 5, 5, 5],         # one change below symprec
    [2, 2, 2, 2, 3, 3, 9],         # two changes above
    [None, 1, 1, 1, 1, 1, None],   # spglib finding nothing at both ends
    [1, 2, 3, 4, 5, 6, 7],         # a change at every step: every tolerance is tried
])
def test_bisection_recovers_step_functions(values):
    tols = list(LADDER)
    table = dict(zip(tols, values))
    called = []

    class DS:  # what _ladder reads of a spglib dataset
        def __init__(self, n):
            self.number, self.international = n, f"G{n}"

    def run(t):
        called.append(t)
        return None if table[t] is None else DS(table[t])

    steps = _ladder(run, tols, known=(0.01,))
    assert [n for _, n, _ in steps] == values
    assert [s for _, _, s in steps] == [None if v is None else f"G{v}" for v in values]
    assert len(called) == len(set(called))  # no tolerance twice
    n_changes = sum(a != b for a, b in zip(values, values[1:]))
    if n_changes == 0:
        assert sorted(called) == [1e-4, 0.01, 0.3]
    assert len(called) <= len(tols)


def test_ladder_keeps_order_and_duplicates_of_the_request():
    calls = []

    class DS:
        number, international = 2, "P-1"

    def run(t):
        calls.append(t)
        return DS()

    steps = _ladder(run, (0.3, 1e-3, 0.3, 0.05), known=())
    assert [t for t, _, _ in steps] == [1e-3, 0.05, 0.3, 0.3]
    assert sorted(calls) == [1e-3, 0.3]


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
