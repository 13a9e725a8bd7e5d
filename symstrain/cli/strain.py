"""``symstrain strain PARENT CHILD``: spontaneous strain of one child structure against a reference cell.

The reference is the PARENT cell (any temperature), or a baseline fitted to parent-phase cells
(``--baseline MODEL --reference-cells cells.csv``) evaluated at the child's temperature, or nothing
(``--no-reference``: ε13 = ½·cos β only). P and the symmetry-breaking components come from
``relate(PARENT, CHILD)``; ``--P`` overrides P (and ``--sb`` the components).
"""

from __future__ import annotations

import re

from ..errors import SymstrainInputError

NAME = "strain"
HELP = "spontaneous strain of CHILD against the PARENT cell (or a fitted baseline) with propagated s.u.'s"


def parse_P(text: str, source: str = "--P"):
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
                   help="symmetry-breaking components, e.g. 'e13' or 'e11-e22', '' for none (default: from the "
                        "relation)")
    p.add_argument("--frame", choices=("cstar", "c"), default="cstar",
                   help="Cartesian frame: cstar = X∥a, Z∥c* (default, gemmi); c = Z∥c, X∥a*")
    p.add_argument("--finite", choices=("green", "euler", "both"), help="also report finite strains")
    p.add_argument("--no-reference", action="store_true",
                   help="no reference cell: ε13 = ½·cos β only (c0 = c approximation); give CHILD alone")
    p.add_argument("--reference-cells", metavar="CSV",
                   help="parent-phase cells (T, a, b, c, …; parent basis) to fit a baseline to, evaluated at T")
    p.add_argument("--baseline", choices=("linear", "poly", "salje"),
                   help="baseline model for --reference-cells (default linear)")
    p.add_argument("--degree", type=int, help="polynomial degree for --baseline poly (default 2)")
    p.add_argument("--theta-s", type=float, help="fix Θs (K) of the Salje baseline (default: fitted)")
    p.add_argument("--baseline-range", metavar="TMIN:TMAX", help="use only reference cells in this T range")
    p.add_argument("--temperature", "-T", type=float,
                   help="temperature (K, > 0) at which the --reference-cells baseline is evaluated (default: the "
                        "child's, from the CIF)")
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


def check_usage(args) -> None:
    """Refuse combinations of arguments that cannot mean anything, before anything is read."""
    if args.no_reference:
        if args.parent is not None:
            raise SymstrainInputError("--no-reference", f"takes CHILD alone, but PARENT {args.parent} was given too: "
                                                        "drop PARENT or --no-reference")
        given = [o for o, v in (("--P", args.P), ("--sb", args.sb), ("--reference-cells", args.reference_cells),
                                ("--temperature", args.temperature), ("--finite", args.finite)) if v is not None]
        if given:
            raise SymstrainInputError("--no-reference", f"{given[0]} needs a reference cell: drop one of them")
    elif args.parent is None:
        raise SymstrainInputError("PARENT", "give the parent CIF (or --no-reference)")
    if args.reference_cells is None:
        given = [o for o, v in (("--baseline", args.baseline), ("--degree", args.degree),
                                ("--baseline-range", args.baseline_range), ("--theta-s", args.theta_s),
                                ("--temperature", args.temperature)) if v is not None]
        if given:
            raise SymstrainInputError(given[0], "is used only with --reference-cells")


def run(args):
    from pathlib import Path

    from ..cif import read_cif
    from ..strain_analysis import analyse_strain, check_options
    from . import CommandResult

    T_range = parse_range(args.baseline_range)
    check_options(T=args.temperature, tol=args.tol, max_strain=args.max_strain, degree=args.degree or 0,
                  theta_s=args.theta_s, T_range=T_range)
    check_usage(args)
    P = parse_P(args.P) if args.P is not None else None
    sb = parse_sb(args.sb)
    cells = None
    if args.reference_cells:  # read before the structures: a bad table is refused before anything runs
        from ..series import read_cells_csv

        if not Path(args.reference_cells).is_file():
            raise SymstrainInputError(args.reference_cells, "file not found (--reference-cells)")
        cells = read_cells_csv(args.reference_cells)
    child = read_cif(args.child, block=args.child_block)
    parent = None if args.no_reference else read_cif(args.parent, block=args.parent_block, atoms_required=False)
    an = analyse_strain(parent, child, P=P, sb_components=sb, frame=args.frame, finite=args.finite,
                        reference_cells=cells, cells_source=args.reference_cells or "reference cells",
                        baseline=args.baseline or "linear", degree=2 if args.degree is None else args.degree,
                        theta_s=args.theta_s, T_range=T_range, T=args.temperature, tol=args.tol, max_strain=args.max_strain)
    warnings = list(an.warnings)
    if parent is not None and an.relation is not None:
        from ..pairing import composition_warning

        note = composition_warning(child, parent, an.relation.P, an.relation.p)
        if note is not None:
            warnings.append(note)
    return CommandResult(an.to_dict(), an.summary(), warnings=warnings)
