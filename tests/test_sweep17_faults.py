"""Faults found by sweep 17 (232 real CIFs from AMCSD/COD/SHELX deposits, abipy and McStas), each with the
independent number it must give."""

from __future__ import annotations

import gemmi
import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.errors import SymstrainInputError

# ilmenite-like R-3 on rhombohedral axes (AMCSD's MgTiO3 writes 'R -3' and this kind of cell)
RHOMB = dict(a=5.54, alpha=54.39)
ATOMS = [("Mg1", "Mg", 0.358, 0.358, 0.358), ("Ti1", "Ti", 0.146, 0.146, 0.146), ("O1", "O", 0.554, -0.054, 0.234)]


def _cif(symmetry: str, a: float, b: float, c: float, al: float, be: float, ga: float, atoms=ATOMS) -> str:
    rows = "\n".join(f"{lab} {el} {x} {y} {z}" for lab, el, x, y, z in atoms)
    return (f"data_r\n_cell_length_a {a}\n_cell_length_b {b}\n_cell_length_c {c}\n_cell_angle_alpha {al}\n"
            f"_cell_angle_beta {be}\n_cell_angle_gamma {ga}\n{symmetry}\nloop_\n_atom_site_label\n"
            f"_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n{rows}\n")


def _images(hm: str, atoms=ATOMS) -> int:
    """Atoms in the cell by gemmi's operations of ``hm`` (images within 1e-4 merged): the independent count."""
    ops, n = gemmi.SpaceGroup(hm).operations(), 0
    for _, _, x, y, z in atoms:
        pts = np.array([op.apply_to_xyz([x, y, z]) for op in ops]) % 1.0
        uniq = []
        for p in pts:
            if not any(np.all(np.abs((p - q + 0.5) % 1.0 - 0.5) < 1e-4) for q in uniq):
                uniq.append(p)
        n += len(uniq)
    return n


@pytest.mark.parametrize("symmetry", ["_symmetry_space_group_name_H-M 'R -3'", "_space_group_IT_number 148",
                                      "_space_group_name_H-M_ref 'R -3'"])
def test_rhombohedral_cell_with_a_symbol_that_names_no_axes(tmp_path, symmetry):
    """'R -3' (or 148) on a cell with a = b = c, α = β = γ ≠ 90° cannot be hexagonal axes: R -3:R, with a warning
    (the file was refused: "the operations of R -3:H change the cell's lengths by up to 80 %", or 180 atoms)."""
    p = tmp_path / "r.cif"
    p.write_text(_cif(symmetry, RHOMB["a"], RHOMB["a"], RHOMB["a"], *(RHOMB["alpha"],) * 3))
    ph = read_cif(p)
    assert ph.spacegroup.hm == "R -3:R" and ph.spacegroup.number == 148
    assert ph.spacegroup.source == {"_symmetry_space_group_name_H-M 'R -3'": "H-M", "_space_group_IT_number 148":
                                    "number and cell", "_space_group_name_H-M_ref 'R -3'": "H-M ref"}[symmetry]
    assert "axes_from_cell" in {w.code for w in ph.warnings}
    assert not {"setting_assumed", "reference_setting_assumed"} & {w.code for w in ph.warnings}
    from symstrain.expand import expand_to_cell_ops

    assert len(expand_to_cell_ops(ph)[0]) == _images("R -3:R") == 6 + 2 + 2


def test_hexagonal_cell_and_stated_axes_are_kept(tmp_path):
    """The same symbol on hexagonal axes stays R -3:H, silently; a symbol that states :H on a rhombohedral cell is
    still the error it was (the file contradicts itself)."""
    hexa = tmp_path / "h.cif"
    hexa.write_text(_cif("_symmetry_space_group_name_H-M 'R -3'", 5.05, 5.05, 13.9, 90, 90, 120,
                         atoms=[("Mg1", "Mg", 0, 0, 0.355), ("O1", "O", 0.317, 0.021, 0.246)]))
    ph = read_cif(hexa)
    assert ph.spacegroup.hm == "R -3:H" and "axes_from_cell" not in {w.code for w in ph.warnings}
    stated = tmp_path / "s.cif"
    stated.write_text(_cif("_symmetry_space_group_name_H-M 'R -3:H'", RHOMB["a"], RHOMB["a"], RHOMB["a"],
                           *(RHOMB["alpha"],) * 3))
    with pytest.raises(SymstrainInputError):
        read_cif(stated)
