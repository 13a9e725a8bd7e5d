"""The text of a small CIF for tests that build their structures: one helper instead of a copy per test file."""

from __future__ import annotations


def cif_text(name: str, ops, atoms, cell, angles=(90, 90, 90), digits: int = 6) -> str:
    """A CIF block ``data_name`` with cell (a, b, c) Å and ``angles`` (°), the operators ``ops`` (triplets such as
    'x,-y+1/2,z') and ``atoms`` as (label, element, x, y, z) in fractional coordinates written with ``digits``
    decimals."""
    rows = "\n".join(f"{lab} {el} {x:.{digits}f} {y:.{digits}f} {z:.{digits}f}" for lab, el, x, y, z in atoms)
    symops = "\n".join(f"'{o}'" for o in ops)
    (a, b, c), (al, be, ga) = cell, angles
    return (f"data_{name}\n_cell_length_a {a}\n_cell_length_b {b}\n_cell_length_c {c}\n_cell_angle_alpha {al}\n"
            f"_cell_angle_beta {be}\n_cell_angle_gamma {ga}\nloop_\n_space_group_symop_operation_xyz\n{symops}\n"
            f"loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            f"_atom_site_fract_z\n{rows}\n")
