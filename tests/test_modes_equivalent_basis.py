"""Mode amplitudes when the child file is written in a basis that the parent's lattice allows but its structure
does not (symstrain.modes).

P-42m parent (TiO₂-like: Ti on 1a, O on the general 8o position), P-4 child (the diagonal mirrors lost, same cell)
written in the basis (b, −a, c): a 4-fold rotation, a symmetry of the tetragonal lattice and of both groups' operation
lists but not of the parent structure (−42m has no 4-fold). Both P = (a, b, c) and P = (b, −a, c) make every child
operation a parent operation; only the second maps the parent structure onto the child's. The displacement is built
by hand: u on the first O orbit, −m·u on its mirror image (m = the lost mirror y, x, z), so it has no totally
symmetric part, and the amplitude is √(8·|u|²) over one parent cell."""

from __future__ import annotations

import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.modes import decompose

A, C = 4.5, 3.0
P42M = ["x,y,z", "-x,-y,z", "y,-x,-z", "-y,x,-z", "x,-y,-z", "-x,y,-z", "-y,-x,z", "y,x,z"]
P4 = ["x,y,z", "-x,-y,z", "y,-x,-z", "-y,x,-z"]


def _cif(name, ops, atoms):
    rows = "\n".join(f"{lab} {el} {x:.8f} {y:.8f} {z:.8f}" for lab, el, (x, y, z) in atoms)
    symops = "\n".join(f"'{o}'" for o in ops)
    return (f"data_{name}\n_cell_length_a {A}\n_cell_length_b {A}\n_cell_length_c {C}\n_cell_angle_alpha 90\n"
            f"_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_space_group_symop_operation_xyz\n{symops}\n"
            f"loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            f"_atom_site_fract_z\n{rows}\n")


@pytest.mark.parametrize("reference", ["parent", "symmetrized"])
def test_child_in_a_rotated_basis(tmp_path, reference):
    x1 = np.array([0.2, 0.1, 0.3])
    u = np.array([0.03, 0.05, -0.04])  # Å, Cartesian = fractional × (A, A, C)
    uf = u / np.array([A, A, C])
    o1 = x1 + uf
    o2 = x1[[1, 0, 2]] - uf[[1, 0, 2]]  # the lost mirror (y, x, z) of x1, displaced by −m·u
    to_child = lambda x: np.array([x[1], -x[0], x[2]]) % 1.0  # x_child = P⁻¹·x_parent, P = (b, −a, c)
    (tmp_path / "p.cif").write_text(_cif("p", P42M, [("Ti", "Ti", (0, 0, 0)), ("O", "O", x1)]))
    (tmp_path / "c.cif").write_text(_cif("c", P4, [("Ti", "Ti", (0, 0, 0)), ("O1", "O", to_child(o1)),
                                                   ("O2", "O", to_child(o2))]))
    d = decompose(read_cif(tmp_path / "p.cif"), read_cif(tmp_path / "c.cif"), reference=reference)
    assert d.amplitude == pytest.approx(np.sqrt(8 * u @ u), rel=1e-6)
