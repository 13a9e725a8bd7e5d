"""Phase ↔ pymatgen Structure / ASE Atoms: round trips on the bundled pair, lawsonite and a partially occupied
quirk file, checked against pymatgen's own CifParser reading of the same files and against hand-built cells."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymatgen.core")
pytest.importorskip("ase")

from symstrain.cif import read_cif  # noqa: E402
from symstrain.errors import SymstrainInputError  # noqa: E402
from symstrain.phase import Phase  # noqa: E402
from symstrain.expand import expand_to_cell  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODELS = [ROOT / "cifs" / "model_LS_Pccn_90K.cif", ROOT / "cifs" / "model_HS_P21c_300K.cif"]
# P21cn, Pmcn and Cmcm (operators written with a shifted origin); Al/Fe 0.97/0.03 share one position
LAWSONITE = ["lawsonite/9002545.cif", "lawsonite/9002549.cif", "lawsonite/9002551.cif"]
PARTIAL = "quirks/9015578.cif"  # P -1 with Na 0.67 / Ca 0.33 on one position


@pytest.fixture(params=[str(p) for p in MODELS] + LAWSONITE + [PARTIAL])
def phase(request):
    if request.param.startswith("/"):
        return read_cif(request.param)
    shared = ROOT.parent / "shared" / "cifs"
    if not shared.is_dir():
        pytest.skip("../shared/cifs not present")
    return read_cif(shared / request.param)


def _sites_of_phase(ph: Phase):
    frac, _, site, occ = expand_to_cell(ph)
    return [(ph.atoms[s].element, x, o) for s, x, o in zip(site, frac, occ)]


def _sites_of_structure(st, isotopes=True):
    """(element, frac, occupancy) of every species on every site; pymatgen names deuterium 'D' by .name."""
    return [((el.name if isotopes and el.name in ("D", "T") else el.symbol), np.asarray(s.frac_coords), float(o))
            for s in st for el, o in s.species.items()]


def _assert_same_sites(A, B, tol=1e-6):
    """Equal multisets of (element, fractional position modulo 1 within tol, occupancy within 1e-9)."""
    assert len(A) == len(B)
    Bx = np.array([b[1] for b in B], dtype=float)
    Be = np.array([b[0] for b in B])
    Bo = np.array([b[2] for b in B], dtype=float)
    used = np.zeros(len(B), dtype=bool)
    for e, x, o in A:
        d = Bx - np.asarray(x, dtype=float)
        d -= np.rint(d)
        ok = (Be == e) & (np.abs(Bo - o) < 1e-9) & (np.abs(d).max(axis=1) < tol) & ~used
        assert ok.any(), f"no partner for {e} {np.round(x, 6)} occupancy {o}"
        used[np.flatnonzero(ok)[0]] = True


def _assert_round_trip(ph: Phase, back: Phase):
    assert np.allclose(back.cell.params, ph.cell.params, rtol=0, atol=1e-8)
    assert back.spacegroup.number == ph.spacegroup.number
    _assert_same_sites(_sites_of_phase(back), _sites_of_phase(ph))


def test_round_trip_through_pymatgen(phase):
    st = phase.to_pymatgen()
    # the Structure itself is the full cell: every atom of the expansion, occupancy in the species
    _assert_same_sites(_sites_of_structure(st), _sites_of_phase(phase))
    assert {part for lb in st.labels for part in lb.split("/")} == {a.label for a in phase.atoms if a.occupancy > 0}
    back = Phase.from_pymatgen(st)
    _assert_round_trip(phase, back)
    assert {a.label for a in back.atoms} <= {a.label for a in phase.atoms}  # labels of the file kept
    assert all(a.xyz_su is not None and np.isnan(a.xyz_su).all() for a in back.atoms)  # no s.u. invented
    assert back.cell.su == (None,) * 6


def test_round_trip_through_ase(phase):
    atoms = phase.to_ase()
    assert atoms.pbc.all()
    assert np.allclose(atoms.cell.cellpar(), phase.cell.params, atol=1e-8)
    partial = any(a.occupancy < 1 for a in phase.atoms)
    assert ("occupancy" in atoms.info) == partial
    back = Phase.from_ase(atoms)
    _assert_round_trip(phase, back)


def test_pymatgen_cif_parser_is_the_oracle(phase):
    """pymatgen reads the same file by itself: the same sites, species and occupancies (D counted as H there)."""
    from pymatgen.io.cif import CifParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = CifParser(phase.source).parse_structures(primitive=False)[0]
    ours = phase.to_pymatgen()
    assert len(ours) == len(theirs)
    comp = {}
    for el, n in ours.composition.items():
        comp[el.symbol] = comp.get(el.symbol, 0.0) + n
    assert comp == pytest.approx({el.symbol: n for el, n in theirs.composition.items()})
    _assert_same_sites(_sites_of_structure(ours, isotopes=False), _sites_of_structure(theirs, isotopes=False))
    # and their Structure, read back by us, has the group the file declares
    assert Phase.from_pymatgen(theirs).spacegroup.number == phase.spacegroup.number


def test_ase_occupancies_follow_ase_convention_and_survive_ase_cif_writer(shared_cifs, tmp_path):
    import ase.io

    ph = read_cif(shared_cifs / PARTIAL)
    atoms = ph.to_ase()
    kinds = atoms.arrays["spacegroup_kinds"]
    mixed = [k for k, occ in atoms.info["occupancy"].items() if len(occ) > 1]
    assert len(mixed) == 1 and atoms.info["occupancy"][mixed[0]] == pytest.approx({"Na": 0.67, "Ca": 0.33})
    assert atoms.get_chemical_symbols()[list(kinds).index(int(mixed[0]))] == "Na"  # the majority species
    # ASE's own CIF writer expands the kinds: 36 atoms with the occupancies, read back by symstrain as P1
    ase.io.write(tmp_path / "x.cif", atoms, format="cif")
    p1 = read_cif(tmp_path / "x.cif")
    assert p1.spacegroup.number == 1
    _assert_same_sites(_sites_of_phase(p1), _sites_of_phase(ph), tol=1e-4)  # ASE writes coordinates to 1e-5


def test_deuterium_keeps_its_identity(shared_cifs):
    ph = read_cif(shared_cifs / "lawsonite/9002545.cif")
    atoms = ph.to_ase()
    h = np.array(atoms.get_chemical_symbols()) == "H"
    n_d = sum(1 for e, _, _ in _sites_of_phase(ph) if e == "D")
    assert h.sum() == n_d and np.allclose(atoms.get_masses()[h], 2.0141, atol=1e-3)
    assert {a.element for a in Phase.from_ase(atoms).atoms} >= {"D"}
    st = ph.to_pymatgen()
    assert sum(1 for s in st for el in s.species if el.name == "D") == n_d


def test_origin_is_moved_to_standard_when_translations_are_not_fractions():
    from ase.build import bulk

    atoms = bulk("NaCl", "rocksalt", a=5.64, cubic=True)
    shift = np.array([0.123, 0.311, 0.77])
    moved = atoms.copy()
    moved.set_scaled_positions((atoms.get_scaled_positions() + shift) % 1.0)
    ph = Phase.from_ase(moved)
    assert ph.spacegroup.number == 225 and ph.spacegroup.order == 192  # Fm-3m: 48 operations × 4 centrings
    assert any("origin moved" in w for w in ph.warnings)
    # the expansion is the input up to one common translation (the new origin): 8 atoms, 4 Na and 4 Cl
    frac, z, _, _ = expand_to_cell(ph)
    inp = moved.get_scaled_positions()
    t = frac[z == 11][0] - inp[np.array(moved.get_chemical_symbols()) == "Na"][0]
    _assert_same_sites([("Na" if k == 11 else "Cl", x, 1.0) for k, x in zip(z, frac)],
                       [(s, x + t, 1.0) for s, x in zip(moved.get_chemical_symbols(), inp)])


def test_noisy_structure_is_symmetrised_onto_special_positions():
    from ase.build import bulk

    atoms = bulk("NaCl", "rocksalt", a=5.64, cubic=True)
    atoms.rattle(0.001, seed=3)
    ph = Phase.from_ase(atoms, symprec=0.01)
    assert ph.spacegroup.number == 225
    assert len(expand_to_cell(ph)[0]) == 8  # each special position exactly on its site, images merged
    assert all(np.allclose(a.xyz * 2, np.rint(a.xyz * 2), atol=1e-12) for a in ph.atoms)


def test_left_handed_lattice_keeps_the_atoms():
    from pymatgen.core import Lattice, Structure

    st = Structure(Lattice([[4, 0, 0], [0, 5, 0], [0, 0, -6]]), ["Fe", "O"], [[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]])
    ph = Phase.from_pymatgen(st)
    assert ph.cell.params == pytest.approx([4, 5, 6, 90, 90, 90])
    fe = next(a for a in ph.atoms if a.element == "Fe")
    # Cartesian Fe–O vector unchanged: (0.4·4, 0.3·5, 0.2·(−6)) in the old frame, z flipped with c
    d = (np.array([0.5, 0.5, 0.5]) - fe.xyz) * [4, 5, 6]
    assert np.allclose(np.abs(d), [1.6, 1.5, 1.2])
    assert any("left-handed" in w for w in ph.warnings)


def test_bad_inputs_are_one_line_errors():
    from ase import Atoms
    from pymatgen.core import Lattice, Structure
    from pymatgen.core.periodic_table import DummySpecies

    with pytest.raises(SymstrainInputError, match="not a chemical element"):
        Phase.from_pymatgen(Structure(Lattice.cubic(3), [DummySpecies("X")], [[0, 0, 0]]))
    with pytest.raises(SymstrainInputError, match="not a crystal"):
        Phase.from_ase(Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]]))
    with pytest.raises(SymstrainInputError, match="symprec"):
        Phase.from_pymatgen(Structure(Lattice.cubic(3), ["Fe"], [[0, 0, 0]]), symprec=0)


def test_overfull_position_is_refused():
    from symstrain.phase import Atom, Cell, SpaceGroupInfo

    sg = SpaceGroupInfo.from_symbol("P 1")
    atoms = tuple(Atom(lb, el, np.zeros(3), np.full(3, np.nan), 1.0) for lb, el in (("Fe1", "Fe"), ("Al1", "Al")))
    ph = Phase(Cell(3, 3, 3, 90, 90, 90), sg, atoms)
    with pytest.raises(SymstrainInputError, match="summing above 1"):
        ph.to_pymatgen()


def test_missing_package_says_how_to_install(monkeypatch):
    phase = read_cif(MODELS[0])
    monkeypatch.setitem(sys.modules, "pymatgen.core", None)
    monkeypatch.setitem(sys.modules, "ase", None)
    for call in (phase.to_pymatgen, phase.to_ase):
        with pytest.raises(SymstrainInputError, match=r"pip install symstrain\[interop\]"):
            call()


def test_import_symstrain_loads_neither_pymatgen_nor_ase():
    code = ("import sys, symstrain; from symstrain.phase import Phase; import symstrain.interop; "
            "print(any(m.split('.')[0] in ('pymatgen', 'ase') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
