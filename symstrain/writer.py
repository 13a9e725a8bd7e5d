"""Writing a :class:`~symstrain.phase.Phase` as a small-molecule CIF 1.1 file.

What lives here: :func:`phase_to_cif_string` (the text, built as a gemmi ``cif.Document``: gemmi quotes the
strings and writes the block) and :func:`write_cif` (the file, never overwriting unless asked). What does not:
reading CIF (``cif.py``), building structures (``models.py``).

Conventions of the output
--------------------------
* One data block named after ``Phase.block`` (else the source file's stem), characters
  outside ``[A-Za-z0-9_.-]`` replaced by ``_``.
* Numbers with an s.u. are written ``value(su)``, the s.u. in units of the last digit
  shown; the s.u. keeps one or two significant digits (two when they would start with
  1, or when it has them, as in ``(21)`` read from a file), and the value keeps more
  decimals only when it carries them, so nothing read from a file is rounded. Numbers without s.u. get up to 6 decimals (fractional coordinates,
  cell, U) with trailing zeros dropped.
* Symmetry: ``_space_group_name_H-M_alt``, ``_space_group_IT_number``,
  ``_space_group_name_Hall`` and the full list ``_space_group_symop_operation_xyz``, the
  operations exactly as held in ``SpaceGroupInfo`` (a shifted origin survives).
* Atoms: label, type symbol, fractional x y z (with s.u.'s where known), U_iso or U_eq
  (Å²), adp type, occupancy and, when any atom has one, the disorder group; an
  ``_atom_site_aniso_`` loop when any atom has U_ij.
* A comment header names symstrain and its version, and says when the phase is a model
  (``Phase.source == "symstrain.models"``).
* Duplicate atom labels (real files use them for disorder components) are written as they
  are, with a note in the header; they are refused only when such an atom has U_ij.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from .errors import SymstrainInputError
from .notation import triplet
from .phase import Phase

_CRYSTAL_SYSTEMS = ((2, "triclinic"), (15, "monoclinic"), (74, "orthorhombic"), (142, "tetragonal"),
                    (167, "trigonal"), (194, "hexagonal"), (230, "cubic"))
MODEL_SOURCE = "symstrain.models"


def _version() -> str:
    from . import __version__

    return __version__


def _decimals_needed(v: float, max_dec: int) -> int:
    """Smallest number of decimals (≤ max_dec) that writes v exactly to 1e-12 relative."""
    for k in range(max_dec + 1):
        if abs(round(v, k) - v) <= 1e-12 * max(1.0, abs(v)):
            return k
    return max_dec


def format_number(value: float, su: float | None = None, max_dec: int = 6, *, round_to_su: bool = False) -> str:
    """CIF text for ``value`` with optional standard uncertainty ``su`` (same units).

    ``format_number(12.3456, 0.0012)`` → ``'12.3456(12)'``; ``format_number(0.5)`` → ``'0.5'``;
    a value carrying more decimals than its s.u. keeps them: ``(0.123456, 0.002)`` → ``'0.123456(2000)'``,
    unless ``round_to_su`` (for derived quantities such as the volume): ``'0.123(2)'``.
    """
    value = float(value)
    if not math.isfinite(value):
        return "?"
    if round(value, max_dec) == 0.0:
        value = 0.0  # never write -0.000000
    if su is None or not math.isfinite(su) or su < 0:
        k = max(1, _decimals_needed(value, max_dec))
        return f"{value:.{k}f}"
    if su == 0:
        k = _decimals_needed(value, max_dec)
        return f"{value:.{k}f}(0)"
    # s.u. to 1 or 2 significant digits (2 when the first digits are 10–19)
    e = math.floor(math.log10(su))
    lead = su / 10**e
    sig = 2 if lead < 2 else 1
    k = max(0, sig - 1 - e)
    if not round_to_su:  # an s.u. read as e.g. (21) keeps its second digit
        k = max(k, min(_decimals_needed(su, max_dec), k + 1))
    su_r = round(su, k)
    if not round_to_su:  # keep the value's own decimals when it has more than the s.u. suggests
        k = max(k, _decimals_needed(value, max_dec))
    digits = int(round(su_r * 10**k))
    return f"{value:.{k}f}({digits})"


def _block_name(phase: Phase) -> str:
    name = phase.block or Path(str(phase.source)).stem or "symstrain"
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)
    return name[:70] or "symstrain"


def _crystal_system(number: int) -> str:
    for top, name in _CRYSTAL_SYSTEMS:
        if number <= top:
            return name
    return "?"


def _multiplicities(phase: Phase, tol: float = 1e-3) -> np.ndarray:
    """Number of distinct images of each atom site in the cell (vectorised over operations)."""
    R, t = phase.spacegroup.rotations, phase.spacegroup.translations
    out = np.empty(len(phase.atoms), dtype=int)
    for k, atom in enumerate(phase.atoms):
        img = (np.einsum("nij,j->ni", R, atom.xyz) + t) % 1.0
        d = img[:, None, :] - img[None, :, :]
        d -= np.round(d)
        same = np.all(np.abs(d) < tol, axis=2)
        # count orbit elements: an image is new if no earlier image coincides with it
        first = ~np.any(np.tril(same, -1), axis=1)
        out[k] = int(first.sum())
    return out


def _formula_and_z(phase: Phase) -> tuple[str | None, float | None]:
    if phase.formula:
        return phase.formula, phase.z
    if not phase.atoms:
        return None, phase.z
    counts: dict[str, float] = {}
    for atom, m in zip(phase.atoms, _multiplicities(phase)):
        counts[atom.element] = counts.get(atom.element, 0.0) + m * atom.occupancy
    z = phase.z
    if z is None:
        ints = [round(v) for v in counts.values()]
        if all(abs(v - i) < 1e-3 for v, i in zip(counts.values(), ints)) and all(ints):
            z = float(math.gcd(*ints))
        else:
            z = 1.0
    order = sorted(counts, key=lambda e: (e != "C", e != "H", e) if "C" in counts else (False, False, e))

    def n(v):
        v = v / z
        return "" if abs(v - 1) < 1e-6 else (str(int(round(v))) if abs(v - round(v)) < 1e-4 else f"{v:.3f}".rstrip("0"))

    return " ".join(f"{e}{n(counts[e])}" for e in order), z


def _u_eq(phase: Phase, u: tuple[float, ...]) -> float:
    """U_eq = ⅓ Σ_ij U^ij a*_i a*_j (a_i·a_j) from (U11, U22, U33, U12, U13, U23)."""
    A = phase.cell.matrix()
    G = A.T @ A
    astar = np.linalg.norm(np.linalg.inv(A), axis=1)
    U = np.array([[u[0], u[3], u[4]], [u[3], u[1], u[5]], [u[4], u[5], u[2]]])
    return float(np.sum(U * np.outer(astar, astar) * G) / 3.0)


def phase_to_cif_string(phase: Phase) -> str:
    """The CIF 1.1 text of ``phase`` (one data block); see the module docstring for the layout.

    The block is built as a gemmi ``cif.Document`` (gemmi quotes every string value and writes the text); numbers
    are the strings of :func:`format_number`; the comment header is put before gemmi's text.
    """
    import gemmi

    quote = gemmi.cif.quote
    source = phase.name
    cell, sg = phase.cell, phase.spacegroup
    header = [f"# Written by symstrain {_version()} (symstrain.writer)."]
    if str(phase.source).startswith(MODEL_SOURCE):
        header.append("# MODEL STRUCTURE generated by symstrain.models, not a measured structure:")
        header.append("# idealised molecular geometry, invented cell and packing.")
    else:
        header.append(f"# From {source}.")
    header.extend("# note: " + " ".join(str(w).split()) for w in phase.warnings)
    atoms = phase.atoms
    counts: dict[str, int] = {}
    for a in atoms:
        counts[a.label] = counts.get(a.label, 0) + 1
    dup = sorted(k for k, v in counts.items() if v > 1)
    if dup:
        # real files do this (one label per disorder component); keep them as read, unless the
        # aniso loop, which refers to atoms by label only, would become ambiguous
        ambiguous = sorted({a.label for a in atoms if a.label in dup and a.u_aniso is not None})
        if ambiguous:
            raise SymstrainInputError(
                source, f"duplicate atom labels {', '.join(ambiguous)} carry U_ij: the aniso loop would be ambiguous")
        header.append("# note: duplicate atom labels kept as in the source: " + ", ".join(dup))

    doc = gemmi.cif.Document()
    block = doc.add_new_block(_block_name(phase))
    block.set_pair("_audit_creation_method", quote(f"symstrain {_version()}"))
    formula, z = _formula_and_z(phase)
    if formula:
        block.set_pair("_chemical_formula_sum", quote(formula))
    if phase.temperature is not None:
        block.set_pair("_diffrn_ambient_temperature", format_number(phase.temperature, phase.temperature_su, 3))
    names = ("_cell_length_a", "_cell_length_b", "_cell_length_c",
             "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma")
    for name, v, s in zip(names, cell.params, cell.su):
        block.set_pair(name, format_number(v, s))
    block.set_pair("_cell_volume", format_number(round(cell.volume, 3), cell.volume_su, 3, round_to_su=True))
    if z is not None:
        block.set_pair("_cell_formula_units_Z", str(int(z)) if float(z).is_integer() else format_number(z, None, 3))
    block.set_pair("_space_group_crystal_system", _crystal_system(sg.number))
    block.set_pair("_space_group_IT_number", str(sg.number))
    if _symbol_fits(sg):
        block.set_pair("_space_group_name_H-M_alt", quote(sg.hm))
    if sg.hall:
        block.set_pair("_space_group_name_Hall", quote(sg.hall.strip()))
    loop = block.init_loop("_space_group_symop_", ["id", "operation_xyz"])
    for k, (R, t) in enumerate(sg.ops(), start=1):
        loop.add_row([str(k), quote(triplet(R, t, reduce=True, exact_for=source))])

    with_disorder = any(a.disorder_group for a in atoms)
    if atoms:
        tags = ["label", "type_symbol", "fract_x", "fract_y", "fract_z", "U_iso_or_equiv", "adp_type", "occupancy"]
        loop = block.init_loop("_atom_site_", tags + (["disorder_group"] if with_disorder else []))
        for a in atoms:
            xyz = np.asarray(a.xyz, dtype=float)
            su = np.asarray(a.xyz_su, dtype=float) if a.xyz_su is not None else np.full(3, np.nan)
            coords = [format_number(xyz[i], None if not math.isfinite(su[i]) else su[i]) for i in range(3)]
            if a.u_aniso is not None:
                u = a.u_iso if a.u_iso is not None else _u_eq(phase, a.u_aniso)
                adp = "Uani"
            else:
                u = a.u_iso
                adp = "Uiso" if a.u_iso is not None else "."
            row = [quote(a.label), quote(a.element), *coords,
                   "?" if u is None else format_number(u, None, 6), adp, format_number(a.occupancy, None, 6)]
            if with_disorder:
                row.append(quote(a.disorder_group) if a.disorder_group else ".")
            loop.add_row(row)
    aniso = [a for a in atoms if a.u_aniso is not None]
    if aniso:
        loop = block.init_loop("_atom_site_aniso_", ["label", "U_11", "U_22", "U_33", "U_23", "U_13", "U_12"])
        for a in aniso:
            u11, u22, u33, u12, u13, u23 = a.u_aniso
            loop.add_row([quote(a.label)] + [format_number(v, None, 6) for v in (u11, u22, u33, u23, u13, u12)])
    options = gemmi.cif.WriteOptions()
    options.align_pairs = 33
    options.align_loops = 30
    return "\n".join(header) + "\n\n" + doc.as_string(options)


def write_cif(phase: Phase, path, *, overwrite: bool = False) -> Path:
    """Write ``phase`` to ``path`` as CIF 1.1 and return the path.

    Refuses (SymstrainInputError naming the path) to replace an existing file unless
    ``overwrite=True``; the text is built completely before the file is opened.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise SymstrainInputError(path, "file exists; refusing to overwrite it (pass overwrite=True)")
    if path.exists() and path.is_dir():
        raise SymstrainInputError(path, "is a directory, not a file")
    text = phase_to_cif_string(phase)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SymstrainInputError(path, f"cannot write: {exc.strerror or exc}") from None
    return path


def _symbol_fits(sg) -> bool:
    """True when ``sg.hm`` is a symbol gemmi knows whose rotations are those of ``sg``'s operations (the same setting
    of the axes, whatever the origin): a symbol of another setting (spglib's standard one for an untabulated setting)
    would contradict the operators written beside it, so it is left out (IT number and operators say it all)."""
    import gemmi

    from .ops import SymOps

    try:
        table = SymOps.from_gemmi(gemmi.SpaceGroup(sg.hm).operations())
    except (ValueError, RuntimeError):
        return False
    return set(table._rot_codes.tolist()) == set(SymOps(sg.rotations, sg.translations)._rot_codes.tolist())

