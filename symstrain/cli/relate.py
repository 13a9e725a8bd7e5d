"""``symstrain relate PARENT CHILD``: verify the group–subgroup relation in the files' own settings.

A relation that does not hold is an answer ("no", with the reason and whether the reverse order holds): it is
printed like any other and the exit status is 1.
"""

NAME = "relate"
HELP = "verify that CHILD's space group is a subgroup of PARENT's, in the settings of the two files"


def add_arguments(p):
    p.add_argument("parent", help="CIF of the high-symmetry (parent) phase")
    p.add_argument("child", help="CIF of the low-symmetry (child) phase")
    p.add_argument("--parent-block", help="data block of the parent file (default: first with a cell and atoms)")
    p.add_argument("--child-block", help="data block of the child file")
    p.add_argument("--tol", type=float, default=0.08,
                   help="largest finite strain accepted between the child cell and the mapped parent lattice (default 0.08)")


def run(args):
    from ..cif import read_cif
    from ..pairing import on_atoms_origin, relation_notes
    from ..relation import relate
    from . import CommandResult

    parent = read_cif(args.parent, block=args.parent_block, atoms_required=False)
    child = read_cif(args.child, block=args.child_block)
    rel = relate(parent, child, tol=args.tol)
    if rel.holds:  # (at the origin its atoms choose, when the groups leave several)
        rel, on_structures = on_atoms_origin(rel)
    warnings = list(rel.all_warnings())
    if rel.holds:
        warnings += relation_notes(rel) + on_structures
    return CommandResult(rel.to_dict(), rel.summary(), warnings=warnings, status="ok" if rel.holds else "refuted")
