"""pseudo finds supergroups no chain of index-2 steps reaches: those whose rotations do not keep the child's cell
(tetragonal → cubic: the 3-fold of Pm-3m is no operation of SrTiO₃'s √2×√2×2 I4/mcm cell), from spglib's detection
of the child at growing tolerances (pseudo.detected_supergroups), verified and measured as the index-2 ones."""

import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.errors import SymstrainInputError
from symstrain.modes import decompose
from symstrain.pseudo import pseudo_supergroups

HEAD = """_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_U_iso_or_equiv
"""

#: SrTiO₃ below 105 K (a⁰a⁰c⁻ tilts): O2 at (x, x + ½, 0), x = ¼ − 0.0076
STO_I4MCM = ("data_sto\n_cell_length_a 5.5066(2)\n_cell_length_b 5.5066(2)\n_cell_length_c 7.7950(3)\n"
             "_symmetry_space_group_name_H-M 'I 4/m c m'\n" + HEAD +
             "Sr1 Sr 0 0.5 0.25 0.005\nTi1 Ti 0 0 0 0.003\nO1 O 0 0 0.25 0.006\nO2 O 0.2424(3) 0.7424(3) 0 0.006\n")
#: CaTiO₃ (a⁻a⁻c⁺, Pbnm: a non-standard setting of Pnma)
CTO_PBNM = ("data_cto\n_cell_length_a 5.3796(1)\n_cell_length_b 5.4423(1)\n_cell_length_c 7.6401(2)\n"
            "_symmetry_space_group_name_H-M 'P b n m'\n" + HEAD +
            "Ca1 Ca 0.9934(2) 0.0349(2) 0.25 0.008\nTi1 Ti 0 0.5 0 0.005\nO1 O 0.0707(5) 0.4841(5) 0.25 0.008\n"
            "O2 O 0.7108(4) 0.2888(4) 0.0371(3) 0.008\n")
CUBIC = ("data_cub\n_cell_length_a 3.8400(1)\n_cell_length_b 3.8400(1)\n_cell_length_c 3.8400(1)\n"
         "_symmetry_space_group_name_H-M 'P m -3 m'\n" + HEAD +
         "Ca1 Ca 0.5 0.5 0.5 0.008\nTi1 Ti 0 0 0 0.005\nO1 O 0.5 0 0 0.01\n")


def _read(tmp_path, name, text):
    path = tmp_path / f"{name}.cif"
    path.write_text(text)
    return read_cif(path)


def test_tetragonal_strontium_titanate_finds_its_cubic_parent(tmp_path):
    child = _read(tmp_path, "sto", STO_I4MCM)
    found = {(c.number, c.index): c for c in pseudo_supergroups(child)}
    cub = found[(221, 6)]  # Pm-3m, index 6 = 3 (m-3m ⊃ 4/mmm) × 2 (lattice)
    # by hand: the cubic average puts O2 at x = ¼; the 8 O2 of the cell move by 0.0076·(1, 1, 0) in the cell of the
    # child's metric averaged over m-3m (a_p² = mean of 2·(a/√2)² and (c/2)², a_sym = √2·a_p): |u| = 0.0076·√2·a_sym,
    # A² = Σ|u|² per parent cell (4 in the child's cell)
    a_p = np.sqrt((2 * (5.5066 / np.sqrt(2)) ** 2 + (7.7950 / 2) ** 2) / 3)
    u = 0.0076 * np.sqrt(2) * np.sqrt(2) * a_p
    assert cub.max_displacement == pytest.approx(u, rel=1e-4)
    assert cub.amplitude == pytest.approx(np.sqrt(8 * u**2 / 4), rel=1e-4)
    assert cub.irrep.startswith("R:")  # the tilt: the R point of the cubic zone
    assert found[(123, 2)].max_displacement == pytest.approx(u, rel=1e-3)  # P4/mmm, the index-2 step, as before


def test_orthorhombic_calcium_titanate_in_pbnm_finds_pm3m_as_modes_measures_it(tmp_path):
    child = _read(tmp_path, "cto", CTO_PBNM)
    found = {(c.number, c.index): c for c in pseudo_supergroups(child)}
    cub = found[(221, 24)]  # index 24 = 6 × 4 over Pnma
    # the same distortion measured by modes against a cubic parent file (its own relation search, the child
    # averaged back at each valid origin, the least amplitude kept)
    d = decompose(_read(tmp_path, "cub", CUBIC), child, reference="symmetrized")
    assert d.relation.index == 24
    assert cub.amplitude == pytest.approx(d.amplitude, rel=1e-6)
    assert {lab.split(":")[0] for lab in cub.irrep.replace(" + ", "|").split("|")} >= {"R", "M"}


#: NaCl (Fm-3m) with Na moved 0.039 Å along [111]: P2₁3, which Fm-3m contains with index 16 (no chain of index-2 steps
#: reaches it: spglib's detection finds it, at 0.2 Å)
NACL_P213 = ("data_nacl\n_cell_length_a 5.6400(2)\n_cell_length_b 5.6400(2)\n_cell_length_c 5.6400(2)\n"
             "_symmetry_space_group_name_H-M 'P 21 3'\n" + HEAD.replace("_atom_site_U_iso_or_equiv\n", "") +
             "Na1 Na 0.0040 0.0040 0.0040\nCl1 Cl 0.5 0.5 0.5\n")


def test_an_origin_spglib_averaged_inexactly_is_taken_on_its_grid(tmp_path, monkeypatch):
    """spglib's origin shift is as exact as the atoms it averages: MOF-5 (sweep 8, P2₁3, nearly Fm-3m) gave 0.74999963
    at 0.05 Å, and pseudo's modes of that candidate stopped with an internal error (a child operation not in the
    parent's factor group: the origin was kept 1.8e-5 of a 1/48 step off 3/4). The same error put on the origins
    spglib gives for a distorted NaCl in P2₁3 now gives the candidates of the exact ones."""
    import dataclasses
    import sys

    import spglib

    child = _read(tmp_path, "nacl", NACL_P213)
    exact = {(c.number, c.index): (c.amplitude, c.irrep, tuple(c.relation.p)) for c in pseudo_supergroups(child)}
    assert (225, 16) in exact
    real = spglib.get_symmetry_dataset

    def averaged(*args, **kwargs):  # (the detection of supergroups alone: the child's own group stays exact)
        ds = real(*args, **kwargs)
        caller = sys._getframe(2).f_code.co_name  # (spglib_call, then its caller)
        if ds is None or caller != "detected_supergroups":
            return ds
        return dataclasses.replace(ds, origin_shift=np.asarray(ds.origin_shift) - 3.7e-7)

    monkeypatch.setattr(spglib, "get_symmetry_dataset", averaged)
    child = _read(tmp_path, "nacl2", NACL_P213)
    found = {(c.number, c.index): (c.amplitude, c.irrep, tuple(c.relation.p)) for c in pseudo_supergroups(child)}
    assert found == exact


#: AA graphite (P6/mmm) in its orthohexagonal cell, written as P 1 with y = 0.33333 for 1/3: 7e-6 Å off P6/mmm,
#: exactly on its orthorhombic and monoclinic subgroups (sweep 8: RASPA's graphite_ortho.cif)
GRAPHITE_P1 = ("data_gr\n_cell_length_a 2.4600\n_cell_length_b 4.2608\n_cell_length_c 3.3500\n"
               "_symmetry_space_group_name_H-M 'P 1'\n" + HEAD.replace("_atom_site_U_iso_or_equiv\n", "")
               + "C1 C 0 0 0\nC2 C 0.5 0.5 0\nC3 C 0 0.33333 0\nC4 C 0.5 0.83333 0\n")


def test_a_supergroup_within_the_files_precision_comes_before_its_subgroups(tmp_path):
    """Candidates are sorted by their largest displacement to 1e-4 Å, then by higher symmetry: P6/mmm, which the
    structure has to the file's 5 decimals (7e-6 Å), is listed first, not after the subgroups it holds exactly (the
    sweep's graphite listed 47 of them, each 0.000 Å, before it). No amplitude has an s.u. where the file gives none,
    an exact 0 included."""
    found = pseudo_supergroups(_read(tmp_path, "gr", GRAPHITE_P1), depth=1)
    assert (found[0].number, found[0].index) == (191, 48)
    assert 0 < found[0].max_displacement < 1e-4 and all(c.max_displacement < 1e-4 for c in found[:5])
    assert [c.index for c in found[1:5]] == sorted((c.index for c in found[1:5]), reverse=True)
    # the file gives no coordinate s.u.: no amplitude has one, the exact zeros included (they printed 0 or null)
    assert all(np.isnan(c.amplitude_su) for c in found)


def test_relation_at_takes_an_origin_rounding_puts_off_its_grid_on_it(tmp_path):
    """relation_at accepts an origin within 1e-6 of a parent origin (the operations' comparison tolerance), and the
    modes of that relation use the exact factor group: Fm-3m ⊃ P2₁3 (the distorted NaCl) at p = (0, 0, ½) + 3.7e-7
    (MOF-5's error) stopped ``decompose`` with an internal error (a child operation not in the factor group). The
    relation now holds the grid's origin, and the amplitude is the exact relation's (0.039 Å: Na moved √3·0.004·a)."""
    from symstrain.relation import relation_at

    child = _read(tmp_path, "nacl", NACL_P213)
    exact = next(c for c in pseudo_supergroups(child) if (c.number, c.index) == (225, 16)).relation
    want = decompose(relation=exact).amplitude
    assert want == pytest.approx(np.sqrt(3) * 0.004 * 5.64, rel=1e-3)
    for error in (3.7e-7, -8e-7):
        rel = relation_at(exact.parent, exact.child, exact.P, np.asarray(exact.p) + error)
        assert rel.p.tolist() == list(exact.p) and not np.signbit(rel.p).any()
        assert decompose(relation=rel).amplitude == pytest.approx(want, rel=1e-9)
    # a real shift is not rounded away: 0.01 along each axis moves the 2₁ axes off Fm-3m's
    with pytest.raises(SymstrainInputError):
        relation_at(exact.parent, exact.child, exact.P, np.asarray(exact.p) + 0.01)
