"""The child averaged back over the lost operations when its supercell is not invariant under the parent's point
group (pairing.symmetrized_positions through modes/order).

Pm-3m CsCl parent, P4/mmm child in the cell (a, b, 2c): Cl moved by ±δ along c in alternate cells (a k = (0, 0, ½)
wave, so its average over the parent's translations, hence over the parent group, is zero). The lost cubic 3-folds
map the doubled c axis onto a and b: they do not map the child cell onto itself, so the images of the child's atoms
are no permutation of them. The averaged child is the undistorted parent, and the amplitude by hand is
√(Σ|u|²/n_p) = √(2·(2aδ)²/2) = 2aδ, n_p = 2 parent cells in the child cell."""

from __future__ import annotations

import pytest

from symstrain.cif import read_cif
from symstrain.modes import decompose

A, DELTA = 4.0, 0.01


def _cif(name, hm, c, atoms):
    rows = "\n".join(f"{lab} {el} {x} {y} {z}" for lab, el, x, y, z in atoms)
    return (f"data_{name}\n_cell_length_a {A}\n_cell_length_b {A}\n_cell_length_c {c}\n_cell_angle_alpha 90\n"
            f"_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M '{hm}'\n"
            f"loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            f"_atom_site_fract_z\n{rows}\n")


@pytest.fixture()
def pair(tmp_path):
    pp, cp = tmp_path / "pm3m.cif", tmp_path / "p4mmm.cif"
    pp.write_text(_cif("pm3m", "P m -3 m", A, [("Cs", "Cs", 0, 0, 0), ("Cl", "Cl", .5, .5, .5)]))
    cp.write_text(_cif("p4mmm", "P 4/m m m", 2 * A, [("Cs1", "Cs", 0, 0, 0), ("Cs2", "Cs", 0, 0, .5),
                                                       ("Cl", "Cl", .5, .5, .25 + DELTA)]))
    return read_cif(pp), read_cif(cp)


@pytest.mark.parametrize("reference", ["parent", "symmetrized"])
def test_amplitude_of_a_k_wave_in_a_non_cubic_supercell(pair, reference):
    d = decompose(*pair, reference=reference)
    assert d.relation.index == 6
    assert d.amplitude == pytest.approx(2 * A * DELTA, rel=1e-9)


def test_averaged_child_of_a_non_normal_subgroup(tmp_path):
    """Pm-3m → P4/mmm in the same cell (index 3; P4/mmm is not normal in Pm-3m). Cl on 6e (x, 0, 0) splits into
    2g (0, 0, ±z) and 4l (±x, 0, 0), (0, ±x, 0); moving z by 2ε and x by −ε is the tetragonal (E_g) pattern with no
    totally symmetric part (2·2ε + 4·(−ε) = 0), so the child averaged over Pm-3m is the parent and the amplitude by
    hand is a·√(2·(2ε)² + 4·ε²) = a·ε·√12 (one parent cell)."""
    x, eps = 0.3, 0.005
    pp, cp = tmp_path / "pm3m.cif", tmp_path / "p4mmm.cif"
    pp.write_text(_cif("pm3m", "P m -3 m", A, [("Cs", "Cs", 0, 0, 0), ("Cl", "Cl", x, 0, 0)]))
    cp.write_text(_cif("p4mmm", "P 4/m m m", A, [("Cs", "Cs", 0, 0, 0), ("Cl1", "Cl", 0, 0, x + 2 * eps),
                                                   ("Cl2", "Cl", x - eps, 0, 0)]))
    parent, child = read_cif(pp), read_cif(cp)
    for reference in ("parent", "symmetrized"):
        d = decompose(parent, child, reference=reference)
        assert d.relation.index == 3
        assert d.amplitude == pytest.approx(A * eps * 12 ** 0.5, rel=1e-9)
