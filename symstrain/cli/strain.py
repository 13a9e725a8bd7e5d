"""``symstrain strain PARENT CHILD``: spontaneous strain of one child structure against a reference cell.

The reference is the PARENT cell (any temperature), or a baseline fitted to parent-phase cells
(``--baseline MODEL --reference-cells cells.csv``) evaluated at the child's temperature, or nothing
(``--no-reference``: ε13 = ½·cos β only). P and the symmetry-breaking components come from
``relate(PARENT, CHILD)``; ``--P`` overrides P (and ``--sb`` the components).
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import SymstrainInputError

NAME = "strain"
HELP = "spontaneous strain of CHILD against the PARENT cell (or a fitted baseline) with propagated s.u.'s"


def parse_P(text: str, source: str = "--P") -> np.ndarray:
    """The ``--P`` option: see :func:`symstrain.cli.parse_basis`."""
    from . import parse_basis

    return parse_basis(text, source)


def parse_sb(text: str | None):
    if text is None:
        return None
    items = tuple(s for s in text.replace(" ", "").split(",") if s)
    return items if items else ()


def add_arguments(p):
    p.add_argument("parent", nargs="?", help="CIF of the parent (reference) phase; optional with --no-reference")
    p.add_argument("child", help="CIF of the child phase")
    p.add_argument("--parent-block", help="data block of the parent file")
    p.add_argument("--child-block", help="data block of the child file")
    p.add_argument("--P", dest="P", metavar="BASIS",
                   help="override P: child basis in reference units, e.g. 'b,-a,c' or '0,-1,0;1,0,0;0,0,1' (rows)")
    p.add_argument("--sb", metavar="COMPONENTS",
                   help="symmetry-breaking components, e.g. 'e13' or 'e11-e22' (default: from the relation)")
    p.add_argument("--frame", choices=("cstar", "c"), default="cstar",
                   help="Cartesian frame: cstar = X∥a, Z∥c* (default, gemmi); c = Z∥c, X∥a*")
    p.add_argument("--finite", choices=("green", "euler", "both"), help="also report finite strains")
    p.add_argument("--no-reference", action="store_true",
                   help="no reference cell: ε13 = ½·cos β only (c0 = c approximation)")
    p.add_argument("--reference-cells", metavar="CSV",
                   help="parent-phase cells (T, a, b, c, …; parent basis) to fit a baseline to, evaluated at T")
    p.add_argument("--baseline", choices=("linear", "poly", "salje"), default="linear",
                   help="baseline model for --reference-cells (default linear)")
    p.add_argument("--degree", type=int, default=2, help="polynomial degree for --baseline poly")
    p.add_argument("--theta-s", type=float, help="fix Θs (K) of the Salje baseline (default: fitted)")
    p.add_argument("--baseline-range", metavar="TMIN:TMAX", help="use only reference cells in this T range")
    p.add_argument("--temperature", "-T", type=float, help="temperature (K) of the child (default: from the CIF)")
    p.add_argument("--tol", type=float, default=0.08, help="lattice tolerance of relate (default 0.08)")
    p.add_argument("--max-strain", type=float, default=0.1,
                   help="largest |e_ij| accepted before the lattices are called incompatible (default 0.1)")


def parse_range(text: str | None, source: str = "--baseline-range"):
    if text is None:
        return None
    m = re.fullmatch(r"\s*([+-]?\d+(?:\.\d*)?)\s*[:,]\s*([+-]?\d+(?:\.\d*)?)\s*", text)
    if not m or float(m.group(1)) > float(m.group(2)):
        raise SymstrainInputError(source, f"{text!r}: give TMIN:TMAX in K, e.g. 100:250")
    return float(m.group(1)), float(m.group(2))


def run(args):
    from ..cif import read_cif
    from ..spontaneous_strain import strain
    from . import CommandResult

    child = read_cif(args.child, block=args.child_block)
    if args.no_reference:
        r = strain(None, child, frame=args.frame)
        return CommandResult(r.to_dict(), r.summary())
    if args.parent is None:
        raise SymstrainInputError("PARENT", "give the parent CIF (or --no-reference)")
    parent = read_cif(args.parent, block=args.parent_block)

    from ..relation import relate

    P = parse_P(args.P) if args.P else None
    sb = parse_sb(args.sb)
    notes, relation_info, nsb = [], None, None
    rel = relate(parent, child, tol=args.tol)
    if not rel.holds:
        if P is None:
            rel.require()
        notes.append(f"relate failed ({rel.message()}); using --P"
                     + ("" if sb is not None else " without a symmetry-breaking split (give --sb)"))
        rel = None
    if rel is not None:
        relation_info = {"P": rel.P.tolist(), "kind": rel.kind, "index": rel.index, "aizu": rel.aizu,
                         "symmetry_breaking_strain": list(rel.symmetry_breaking_strain)}
        if P is None:
            P = rel.P
        elif not np.allclose(P, rel.P):
            notes.append(f"--P overrides the relation's P = {rel.P.tolist()}")
        if sb is None:
            sb = tuple(rel.symmetry_breaking_strain)
            nsb = tuple(rel.non_symmetry_breaking_strain)

    reference, kind, baseline_info = parent, None, None
    if args.reference_cells:
        from ..reference import fit_cell_baseline
        from ..series import read_cells_csv, table_cells

        T = args.temperature if args.temperature is not None else child.temperature
        if T is None:
            raise SymstrainInputError(args.child, "no temperature in the file: give --temperature for the baseline")
        cells = read_cells_csv(args.reference_cells)
        bl = fit_cell_baseline(cells["T"], table_cells(cells), model=args.baseline, degree=args.degree,
                               theta_s=args.theta_s, T_range=parse_range(args.baseline_range),
                               source=args.reference_cells)
        reference, kind = bl.cell_at(T), bl.describe(T)
        baseline_info = bl.to_dict()
        notes.extend(cells.attrs.get("warnings", []))
        notes.extend(bl.warnings)
    r = strain(reference, child, P, frame=args.frame, finite=args.finite, sb_components=sb, nsb_components=nsb,
               max_strain=args.max_strain, reference_kind=kind,
               labels=(args.reference_cells or parent.name, child.name))
    data = r.to_dict()
    data["relation"] = relation_info
    if baseline_info:
        data["baseline"] = baseline_info
    data["warnings"] = notes + data["warnings"]
    text = r.summary()
    if notes:
        text += "\n" + "\n".join(f"  note: {n}" for n in notes)
    return CommandResult(data, text)
