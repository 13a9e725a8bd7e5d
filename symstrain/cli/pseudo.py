"""``symstrain pseudo CHILD``: supergroups the structure is close to (pseudo-symmetry), from the child alone."""

NAME = "pseudo"
HELP = "find the supergroups a structure approximates and the atomic displacement each needs (like Bilbao PSEUDO)"


def add_arguments(p):
    p.add_argument("child", help="CIF of the low-symmetry structure")
    p.add_argument("--block", help="data block (default: first with a cell and atoms)")
    p.add_argument("--max-distance", type=float, default=2.0,
                   help="largest mismatch between an atom's image and its partner (Å, default 2.0)")
    p.add_argument("--depth", type=int, default=2, help="index-2 steps to climb (default 2: up to index 4); the "
                   "supergroups spglib finds in the child are added whatever their index")
    p.add_argument("--lattice-tol", type=float, default=0.08,
                   help="finite-strain tolerance of the pseudo-lattice (0 to 0.3; default 0.08)")
    p.add_argument("--write", metavar="DIR", help="write each symmetrised structure as a CIF into DIR (new files only)")


def run(args):
    from pathlib import Path

    from ..cif import read_cif
    from ..pseudo import pseudo_supergroups
    from . import CommandResult, output_dir

    child = read_cif(args.child, block=args.block)
    found = pseudo_supergroups(child, max_distance=args.max_distance, lattice_tol=args.lattice_tol, depth=args.depth)
    files = []
    if args.write and found:
        from ..writer import write_cif

        names = [f"{Path(args.child).stem}_pseudo_{i + 1}_{s.number}.cif" for i, s in enumerate(found)]
        out = output_dir(args.write, "pseudo", names)
        for s, n in zip(found, names):
            write_cif(s.symmetrized, out / n)
            files.append(str(out / n))
    from ..contract import structure, warning_records

    H = child.spacegroup
    lines = [f"{child.name}: {H.hm} ({H.number}); candidates within {args.max_distance} Å, closest first:"]
    if not found:
        lines.append("  none: no supergroup is reached by displacements within the tolerance")
    for s in found:
        lines.append(f"  {s.symbol} ({s.number})  index {s.index}  largest displacement {s.max_displacement:.3f} Å  "
                     f"amplitude {s.amplitude:.3f} Å  {s.relation.aizu}  distortion {s.irrep}{_basis(s.relation)}")
    if files:
        lines.append(f"wrote {', '.join(files)}")
    data = {"child": structure(child), "max_distance": args.max_distance, "lattice_tol": args.lattice_tol,
            "depth": args.depth, "candidates": [s.to_dict() for s in found]}
    return CommandResult(data, "\n".join(lines), files, warnings=warning_records(child.warnings, child.name))


def _basis(rel) -> str:
    """'  child = (2a, b, c) at (0, 0, 1/2)' where the child's basis or origin is not the supergroup's, else ''."""
    import numpy as np

    from ..notation import basis_string, fmt_vector

    P, p = np.asarray(rel.P, float), np.asarray(rel.p, float)
    at_origin = np.allclose((p + 0.5) % 1.0 - 0.5, 0)  # modulo the lattice
    if np.allclose(P, np.eye(3)) and at_origin:
        return ""
    return f"  child = {basis_string(P)}" + ("" if at_origin else f" at {fmt_vector(p)}")
