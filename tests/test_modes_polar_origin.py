"""Mode amplitudes of a child written with its origin moved along a polar axis (symstrain.modes).

A polar child's origin along its polar axis is free: a file may put it anywhere. The decomposition must find the
shift itself, not only remove what is left of it after pairing with the parent at the relation's origin. Expected
amplitudes are built by hand from the displacements imposed on the parent."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.modes import decompose

A, C = 4.0, 4.1
P4MM_OPS = ["x,y,z", "-x,-y,z", "-y,x,z", "y,-x,z", "x,-y,z", "-x,y,z", "-y,-x,z", "y,x,z"]
PMM2_OPS = ["x,y,z", "-x,-y,z", "x,-y,z", "-x,y,z"]


def _cif(name, ops, atoms):
    rows = "\n".join(f"{lab} {el} {x:.6f} {y:.6f} {z:.6f}" for lab, el, x, y, z in atoms)
    symops = "\n".join(f"'{o}'" for o in ops)
    return (f"data_{name}\n_cell_length_a {A}\n_cell_length_b {A}\n_cell_length_c {C}\n_cell_angle_alpha 90\n"
            f"_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_space_group_symop_operation_xyz\n{symops}\n"
            f"loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            f"_atom_site_fract_z\n{rows}\n")


def _pair(tmp_path, shift, delta):
    """P4mm perovskite parent and a Pmm2 child (the 4-fold lost) whose two O of the parent's 2c orbit move by
    ±delta along c (a B1 mode: no mean shift), the whole child then moved by ``shift`` along c."""
    parent = [("Pb", "Pb", 0, 0, 0), ("Ti", "Ti", .5, .5, .52), ("O1", "O", .5, .5, .1), ("O2", "O", .5, 0, .6)]
    child = [("Pb", "Pb", 0, 0, 0), ("Ti", "Ti", .5, .5, .52), ("O1", "O", .5, .5, .1),
             ("O2", "O", .5, 0, .6 + delta), ("O3", "O", 0, .5, .6 - delta)]
    child = [(lab, el, x, y, (z + shift) % 1.0) for lab, el, x, y, z in child]
    pp, cp = tmp_path / "p4mm.cif", tmp_path / "pmm2.cif"
    pp.write_text(_cif("p4mm", P4MM_OPS, parent))
    cp.write_text(_cif("pmm2", PMM2_OPS, child))
    return read_cif(pp), read_cif(cp)


@pytest.mark.parametrize("shift", [0.0, 0.3, 0.5, 0.75])
def test_amplitude_does_not_depend_on_the_origin_along_the_polar_axis(tmp_path, shift):
    delta = 0.01
    parent, child = _pair(tmp_path, shift, delta)
    expected = math.sqrt(2) * delta * C  # two O atoms moved by delta·c, one parent primitive cell
    d = decompose(parent, child)
    assert d.amplitude == pytest.approx(expected, rel=1e-6)
    # the uniform shift is along c only
    assert abs(d.polar_shift[0]) < 1e-9 and abs(d.polar_shift[1]) < 1e-9
