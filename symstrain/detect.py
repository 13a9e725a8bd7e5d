"""The symmetry a structure actually has: spglib on the expanded cell, at a ladder of tolerances.

What lives here: :func:`detect_symmetry` → :class:`SymmetryReport` and :func:`spglib_cell` (the structure as
spglib is given it, with the species rule). What does not: the group a file declares (``cif_spacegroup.py``),
naming a group from operations (``spacegroup.py``), expanding to the cell (``expand.py``).

Conventions
-----------
spglib is given the lattice with the cell vectors as **rows** (Å) and ``symprec`` in Å (Cartesian distances).
Its transformation (P, p) follows spglib: L_original = L_standardised · P (cell vectors as columns),
x_standardised = P·x + p (mod 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .expand import MERGE_TOLERANCE, expand_cell
from .phase import Phase
from .spacegroup import spglib_call


@dataclass(frozen=True, eq=False)
class SymmetryReport:
    """Symmetry found by spglib in a phase, compared with the group the file declares.

    Tolerances are spglib's ``symprec`` in Å (Cartesian distances).
    """

    #: tolerance (Å) of the main result
    symprec: float
    #: ITA number detected at ``symprec``, or None when spglib found no group at that tolerance
    number: int | None
    #: short international symbol detected at ``symprec`` (spglib's, e.g. "Pnma"), or None
    symbol: str | None
    #: number and full H-M symbol (file setting) of the declared group
    declared_number: int
    declared_symbol: str
    #: True when a group was detected and its number differs from the declared one
    differs_from_declared: bool
    #: ((tol, number | None, symbol | None), ...) for every tolerance of the ladder, ascending
    ladder: tuple
    #: (3, 3) spglib transformation matrix P at ``symprec``: (a_s, b_s, c_s) = (a, b, c)·P⁻¹,
    #: i.e. L_original = L_standardised · P with cell vectors as columns; None when not found
    transformation_matrix: np.ndarray | None
    #: (3,) spglib origin shift p at ``symprec``: x_standardised = P·x + p (mod 1); None when not found
    origin_shift: np.ndarray | None
    #: (n_ops, 3, 3) int and (n_ops, 3) float: operations found at ``symprec`` in the input setting
    rotations: np.ndarray | None
    translations: np.ndarray | None
    #: sites of the asymmetric unit used (occupancy > 0) and atoms of the expanded cell given to spglib
    n_sites_used: int
    n_atoms_cell: int
    #: one-line notes on how the structure was presented to spglib (species, disorder, exclusions)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "symprec": self.symprec,
            "number": self.number,
            "symbol": self.symbol,
            "declared_number": self.declared_number,
            "declared_symbol": self.declared_symbol,
            "differs_from_declared": self.differs_from_declared,
            "ladder": [{"symprec": t, "number": n, "symbol": s} for t, n, s in self.ladder],
            "transformation_matrix": None if self.transformation_matrix is None else self.transformation_matrix.tolist(),
            "origin_shift": None if self.origin_shift is None else self.origin_shift.tolist(),
            "n_sites_used": self.n_sites_used,
            "n_atoms_cell": self.n_atoms_cell,
            "notes": list(self.notes),
        }


def spglib_cell(phase: Phase):
    """``(lattice, positions, types, notes)`` as handed to spglib, with the species rule applied.

    Species: one spglib type per distinct (element, occupancy rounded to 0.001). So a partially
    occupied site is never made equivalent to a fully occupied one of the same element, and the
    two halves of a disordered pair (occupancies 0.6/0.4) stay distinct; sites of equal element and
    occupancy may be related by symmetry whatever their disorder group. Occupancy-0 sites are left out.
    Lattice rows are the cell vectors (Å), as spglib expects.
    """
    frac, z, site, occ, n_cross = expand_cell(phase, False, MERGE_TOLERANCE)
    key = z.astype(np.int64) * 10_000 + np.rint(occ * 1000).astype(np.int64)
    uniq, types = np.unique(key, return_inverse=True)
    notes = []
    n_zero = sum(1 for a in phase.atoms if a.occupancy <= 0)
    if n_zero:
        notes.append(f"{n_zero} site(s) with occupancy 0 left out")
    partial = sorted({(phase.atoms[i].element, round(float(o), 3)) for i, o in zip(site, occ) if o < 1 - 1e-6})
    if partial:
        notes.append(
            "partially occupied sites are distinct species per (element, occupancy): "
            + ", ".join(f"{e} {o:g}" for e, o in partial[:8])
            + (" …" if len(partial) > 8 else "")
        )
    if n_cross:
        notes.append(
            f"{n_cross} atom(s) coincide with an atom of another site of the same element and occupancy "
            "(a site listed twice in the file) and were counted once"
        )
    if any(a.disorder_group for a in phase.atoms):
        notes.append("disorder groups are not separated: every alternative position is present at once")
    return phase.cell.matrix().T.copy(), frac, (types + 1).astype(np.intc), notes


def detect_symmetry(phase: Phase, symprec: float = 0.01, ladder=(1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3)):
    """The space group spglib finds in ``phase`` at ``symprec`` (Å) and along a ladder of tolerances.

    The structure is the full cell from :func:`~symstrain.expand.expand_to_cell` with the species rule of
    :func:`spglib_cell`. A tolerance at which spglib finds nothing gives ``None`` (no exception).
    Returns a :class:`SymmetryReport`.
    """
    import spglib

    lattice, positions, types, notes = spglib_cell(phase)
    cell = (lattice, positions, types)
    results: dict[float, object] = {}

    def run(tol):
        tol = float(tol)
        if tol not in results:
            results[tol] = spglib_call(spglib.get_symmetry_dataset, cell, symprec=tol) if len(types) else None
        return results[tol]

    main = run(symprec)
    steps = []
    for tol in sorted(float(x) for x in ladder):
        ds = run(tol)
        steps.append((tol, None if ds is None else int(ds.number), None if ds is None else str(ds.international)))
    if main is None:
        notes.append(f"spglib found no space group at symprec {symprec:g} Å")
    sg = phase.spacegroup
    return SymmetryReport(
        symprec=float(symprec),
        number=None if main is None else int(main.number),
        symbol=None if main is None else str(main.international),
        declared_number=int(sg.number),
        declared_symbol=sg.hm,
        differs_from_declared=main is not None and int(main.number) != int(sg.number),
        ladder=tuple(steps),
        transformation_matrix=None if main is None else np.array(main.transformation_matrix, dtype=float),
        origin_shift=None if main is None else np.array(main.origin_shift, dtype=float),
        rotations=None if main is None else np.array(main.rotations, dtype=int),
        translations=None if main is None else np.array(main.translations, dtype=float),
        n_sites_used=int(sum(1 for a in phase.atoms if a.occupancy > 0)),
        n_atoms_cell=int(len(types)),
        notes=tuple(notes),
    )
