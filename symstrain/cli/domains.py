"""``symstrain domains PARENT CHILD``: domain states, twin laws, permissible walls and peak splitting.

Relates the two structures (``relate``), derives the i_P × i_L domain states with their spontaneous strains, the twin
law and Sapriel's permissible walls of every pair of orientation states, and the d/2θ of twin-related reflections
(``--hkl``, default the strongest that split) in the child cell or in every row of a strain table
(``--strain-table``, e.g. the CSV of ``symstrain table``); ``--plot`` writes 2θ and Δ2θ against T.
"""

from __future__ import annotations

import re

NAME = "domains"
HELP = "domain states, twin laws, permissible (Sapriel) walls and splitting of twin-related reflections"


def add_arguments(p):
    p.add_argument("parent", help="CIF of the high-symmetry (parent) phase")
    p.add_argument("child", help="CIF of the low-symmetry (child) phase")
    p.add_argument("--parent-block", help="data block of the parent file")
    p.add_argument("--child-block", help="data block of the child file")
    p.add_argument("--hkl", nargs="+", action="extend", metavar="H,K,L",
                   help="reflections of the child to follow, e.g. 1,0,1 3,0,-4 (a first negative index: --hkl=-1,0,1); "
                        "default: the strongest predicted reflections that split")
    p.add_argument("--wavelength", type=float, default=1.5406, help="wavelength in Å (default Cu Kα1, 1.5406)")
    p.add_argument("--resolution", type=float, metavar="DEG",
                   help="2θ resolution in degrees: twins closer than this count as unresolved (default: exact only)")
    p.add_argument("--strain-table", metavar="CSV",
                   help="cells per temperature (the CSV of 'symstrain table', or any cell table: T, a, b, c, alpha, "
                        "beta, gamma), taken in the child basis: the splitting is given for every row")
    p.add_argument("--top", type=int, default=6, help="number of reflections chosen by default (default 6)")
    p.add_argument("--dmin", type=float, default=1.5, help="smallest d (Å) of the default reflections (default 1.5)")
    p.add_argument("--radiation", default="xray", metavar="xray|neutron|electron",
                   help="radiation of the predicted intensities that choose the default reflections (default xray)")
    p.add_argument("--plot", metavar="PNG", help="write 2θ and Δ2θ of the twin-related reflections against T here")
    p.add_argument("--tol", type=float, default=0.08, help="strain tolerance passed to relate (default 0.08)")


#: the largest Miller index taken (|h| ≤ a/d_min: 1000 is a 1000 Å cell at 1 Å)
MAX_INDEX = 1000


def parse_hkl(items, source: str = "--hkl"):
    """[(h, k, l), ...] from items such as '1,0,1', '-1 0 1' or '(3,0,-4)'."""
    from ..errors import SymstrainInputError

    out = []
    for item in items or ():
        parts = [x for x in re.split(r"[,\s;]+", str(item).strip().strip("()[]")) if x]
        try:
            hkl = tuple(int(x) for x in parts)
        except ValueError:
            raise SymstrainInputError(source, f"{item!r}: give three integers such as 1,0,1") from None
        if len(hkl) != 3 or not any(hkl):
            raise SymstrainInputError(source, f"{item!r}: give three integers, not all zero, such as 1,0,1")
        if max(abs(h) for h in hkl) > MAX_INDEX:  # (10²³ overflowed gemmi's integers: sweep 26)
            raise SymstrainInputError(source, f"{item!r}: indices above {MAX_INDEX} are no reflection of a crystal")
        out.append(hkl)
    return out or None


def run(args):
    from pathlib import Path

    from ..cif import read_cif
    from ..domains import analyse_domains
    from ..contract import warning_records
    from ..errors import SymstrainInputError
    from ..relation import relate
    from . import CommandResult

    if args.top < 1:
        raise SymstrainInputError("--top", f"{args.top}: give at least 1 reflection")
    from ..reflection_classes import check_dmin

    check_dmin(args.dmin)  # (−1 was taken and printed as "d ≥ -1 Å": sweep 26)
    if not 0 < args.wavelength <= 100:  # (1e308 overflowed: sweep 26; cold neutrons reach ~20 Å)
        raise SymstrainInputError("--wavelength", f"must be a wavelength in Å, above 0 and at most 100, got "
                                                  f"{args.wavelength:g}")
    if args.plot:
        plot = Path(args.plot)
        if plot.suffix.lower() != ".png":
            raise SymstrainInputError(args.plot, "the figure is written as PNG: give a name ending in .png")
        if plot.exists():
            raise SymstrainInputError(args.plot, "already exists (refusing to overwrite; choose another --plot)")
    hkl = parse_hkl(args.hkl)
    parent = read_cif(args.parent, block=args.parent_block, atoms_required=False)
    child = read_cif(args.child, block=args.child_block)
    rel = relate(parent, child, tol=args.tol).require()
    cells = None
    if args.strain_table:
        from ..series import read_cells_csv

        cells = read_cells_csv(args.strain_table)
    result = analyse_domains(rel, hkl=hkl, cells=cells, source=args.strain_table, wavelength=args.wavelength,
                             resolution=args.resolution, top=args.top, dmin=args.dmin, radiation=args.radiation)
    warnings = result.all_warnings()
    if cells is not None:
        warnings += warning_records(cells.attrs.get("warnings", []), args.strain_table)
    from ..pairing import relation_notes

    # as relate says them (sweep 6: ε-Pu → α-Pu, 16 atoms against 14; a P 1 cell of graphene, 12 antiphase states)
    warnings += relation_notes(rel, "the predicted intensities that choose the reflections")
    files = []
    text = result.summary()
    if args.plot:
        from ..plots.domains import plot_splitting

        files.append(plot_splitting(result.splitting, args.plot))
        text += f"\nwrote: {args.plot}"
    return CommandResult(result.to_dict(), text, files, warnings=warnings)
