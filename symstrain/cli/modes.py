"""``symstrain modes PARENT CHILD...``: symmetry-mode decomposition (AMPLIMODES-style) of each child against the
parent, with CSV tables of the mode amplitudes and the per-atom displacements and a figure."""

from ..csv_output import write_frame

NAME = "modes"
HELP = ("symmetry-mode decomposition: amplitude (Å) per irrep of the parent space group at every k of the child's "
        "lattice, order-parameter directions, isotropy subgroups, strain by irreps")

_UNITS = ("# units: amplitude in Å per parent primitive cell (AMPLIMODES normalisation: sqrt(sum occ |u|^2 / n_p)); "
          "fraction = amplitude^2 / total^2; k in the parent's conventional reciprocal basis (a*, b*, c*)")


def add_arguments(p):
    p.add_argument("parent", help="CIF of the parent (high-symmetry) phase")
    p.add_argument("children", nargs="+", help="CIFs of the child phase, e.g. one per temperature")
    p.add_argument("--reference", choices=("parent", "symmetrized"), default="parent",
                   help="decompose against the parent structure mapped into the child cell (default; AMPLIMODES) "
                        "or against the child averaged back over the lost operations")
    p.add_argument("--tol", type=float, default=0.08, help="lattice tolerance of relate (finite strain)")
    p.add_argument("--P", dest="P", metavar="BASIS",
                   help="the lattice correspondence: child basis in parent terms, e.g. 'b,-a,c' or "
                        "'1/2b-1/2c,-a,c' (as pseudo prints it), or nine numbers (rows of P); default: found by "
                        "relate, and the equivalent ones tried")
    p.add_argument("--p", dest="p", metavar="X,Y,Z",
                   help="the child origin in parent fractional coordinates, e.g. '3/4,0,0' (only this origin, "
                        "less a uniform shift along a polar axis; default: every valid origin tried)")
    p.add_argument("--max-distance", type=float, default=2.0,
                   help="largest distance (Å) between a child atom and its partner in the reference (default 2.0)")
    p.add_argument("--threshold", type=float, default=1e-4,
                   help="amplitude (Å) below which an irrep counts as inactive (default 1e-4)")
    p.add_argument("--out", help="folder for modes.csv, modes_strain.csv, modes.png and per child "
                                 "<name>_displacements.csv (default: new ./symstrain-modes)")


def run(args):
    from ..cif import read_cif
    from ..contract import failure
    from ..errors import SymstrainInputError
    from ..modes import decompose
    from ..plots.modes import plot_modes
    from . import CommandResult, output_dir, parse_basis, parse_vector, refuse_existing

    if not args.max_distance > 0:
        raise SymstrainInputError("--max-distance", f"must be positive, got {args.max_distance}")
    if not 0 <= args.threshold < 1e3:  # (nan was taken: sweep 26)
        raise SymstrainInputError("--threshold", f"must be an amplitude in Å, 0 or more, got {args.threshold}")
    P = parse_basis(args.P, "--P") if args.P is not None else None
    p = parse_vector(args.p, "--p") if args.p is not None else None
    refuse_existing(args.out, ["modes.csv", "modes_strain.csv", "modes.png"])
    parent = read_cif(args.parent, atoms_required=False)
    if not parent.atoms and args.reference != "symmetrized":  # (a parent known by its cell and group alone)
        raise SymstrainInputError(args.parent, "no atom sites: the parent reference needs the parent's atoms "
                                               "(--reference symmetrized decomposes against the child's own average)")
    results, failed = [], []
    for f in args.children:
        try:
            child = read_cif(f)
            rel = None if P is None and p is None else given_relation(parent, child, P, p, args.tol)
            results.append(decompose(parent, child, relation=rel, reference=args.reference, tol=args.tol,
                                     max_distance=args.max_distance, threshold=args.threshold,
                                     fixed_origin=p is not None, fixed_basis=rel is not None))
        except SymstrainInputError as exc:
            if len(args.children) == 1:
                raise
            failed.append(failure(f, exc.problem))
    if not results:
        raise SymstrainInputError(args.parent, "no child could be decomposed: " + "; ".join(
            f"{f['file']}: {f['message']}" for f in failed))
    stems = child_stems([r.relation.child for r in results])
    names = ["modes.csv", "modes_strain.csv", "modes.png"] + [f"{s}_displacements.csv" for s in stems]
    out = output_dir(args.out, "modes", names)
    files = [_write_modes(out / "modes.csv", results), _write_strain(out / "modes_strain.csv", results)]
    for s, r in zip(stems, results):
        files.append(write_atoms(out / f"{s}_displacements.csv", r))
    files.append(plot_modes(results, out / "modes.png"))
    data = {"results": [r.to_dict() for r in results], "failed": failed, "n_files": len(args.children),
            "reference": args.reference}
    from ..contract import warning_records

    warnings = warning_records([w for r in results for w in r.all_warnings()], source="modes")
    return CommandResult(data, _text(results, failed, files), files, warnings=warnings,
                         status="partial" if failed else "ok")


def given_relation(parent, child, P, p, tol):
    """The relation at ``--P`` (default: the identity) and ``--p`` (default: an origin found for that P), checked:
    every child operation a parent operation there, the lattices within ``tol``."""
    import numpy as np

    from ..correspondence import find_origin
    from ..errors import SymstrainInputError
    from ..relation import relation_at

    P = np.eye(3) if P is None else np.asarray(P, float)
    if p is None:
        p, why = find_origin(P, parent.spacegroup, child.spacegroup)
        if p is None:
            raise SymstrainInputError(child.name, f"no origin makes the child's operations parent operations at "
                                                  f"--P: {why}")
    return relation_at(parent, child, P, p, tol=tol)


def child_stems(children) -> list[str]:
    """One file-name stem per child (its file's stem; numbered 001_, 002_… when two would clash)."""
    from pathlib import Path

    stems = [Path(str(ch.source)).stem for ch in children]
    if len(set(stems)) < len(stems):
        stems = [f"{i + 1:03d}_{s}" for i, s in enumerate(stems)]
    return stems


def _rows(results):
    for r in results:
        ch = r.relation.child
        for ir in r.irreps:
            yield r, ch, ir


def _write_modes(path, results) -> str:
    import pandas as pd

    rows = []
    for r, ch, ir in _rows(results):
        rows.append({"file": ch.source, "block": ch.block or "", "T": ch.temperature, "T_su": ch.temperature_su,
                     "label": ir.label,
                     "k": "(" + ", ".join(f"{v:g}" for v in ir.k) + ")", "k_label": ir.k_label or "",
                     "zone_boundary": ir.zone_boundary, "dimension": ir.dimension, "n_modes": ir.n_modes,
                     "amplitude": ir.amplitude, "amplitude_su": ir.amplitude_su, "fraction": ir.fraction,
                     "direction": ir.direction or "",
                     "isotropy": "" if ir.isotropy is None else f"{ir.isotropy[1]} ({ir.isotropy[0]})",
                     "role": ir.role, "total_amplitude": r.amplitude, "total_amplitude_su": r.amplitude_su})
    columns = ["file", "block", "T", "T_su", "label", "k", "k_label", "zone_boundary", "dimension", "n_modes",
               "amplitude", "amplitude_su", "fraction", "direction", "isotropy", "role", "total_amplitude",
               "total_amplitude_su"]  # the header also when no child has a distortion (no irrep rows)
    return write_frame(path, pd.DataFrame(rows, columns=columns), _UNITS)


def _write_strain(path, results) -> str:
    import pandas as pd

    rows = []
    for r in results:
        ch = r.relation.child
        for s in r.strain:
            e = s.tensor
            rows.append({"file": ch.source, "block": ch.block or "", "T": ch.temperature,
                         "T_su": ch.temperature_su, "label": s.label, "amplitude": s.amplitude,
                         "amplitude_su": s.amplitude_su, "symmetry_breaking": s.symmetry_breaking,
                         **{f"e{i + 1}{j + 1}": e[i, j] for i in range(3) for j in range(i, 3)}})
    return write_frame(path, pd.DataFrame(rows), "# units: strain dimensionless; frame: child Cartesian X ∥ a, Y in "
                       "the ab plane, Z ∥ c*; amplitude = Frobenius norm of the part of e in the irrep of the parent "
                       "point group")


def write_atoms(path, r) -> str:
    """The per-atom table of a :class:`~symstrain.modes.ModeDecomposition` as CSV, units and frame in a header line."""
    df = r.atoms_frame()
    ref = r.reference_frac
    df["ref_x"], df["ref_y"], df["ref_z"] = ref[:, 0], ref[:, 1], ref[:, 2]
    s = r.polar_shift
    return write_frame(path, df, f"# units: ux, uy, uz, u, pair_distance in Å; frame: child Cartesian X ∥ a, Y in the "
                                 f"ab plane, Z ∥ c*; ref_x, ref_y, ref_z: reference position ({r.reference}) in child "
                                 f"fractional coordinates; uniform polar shift removed: ({s[0]:.5f}, {s[1]:.5f}, "
                                 f"{s[2]:.5f}) Å", float_format="%.6f")


def _text(results, failed, files) -> str:
    from ..kvectors import K_LABEL_SOURCE
    from ..notation import basis_string, fixed, fmt_vector, format_su

    lines = []
    for r in results:
        rel = r.relation
        lines.append(f"{rel.parent.spacegroup.hm} → {rel.child.spacegroup.hm}  {rel.child.name}"
                     + (f"  T = {rel.child.temperature:g} K" if rel.child.temperature is not None else ""))
        lines.append(f"  P = {basis_string(rel.P)}  origin p = {fmt_vector(r.origin)} (best of {r.n_origins}); "
                     f"reference: {r.reference}; total amplitude {format_su(r.amplitude, r.amplitude_su)} Å "
                     f"(A² − Σ A_Γ² = {r.quadrature_residual:+.2e} Å²)")
        if any(r.polar_shift):
            lines.append(f"  uniform polar shift removed: {r.polar_shift.round(5).tolist()} Å")
        df = r.irreps_frame()
        if df.empty:  # every atom where the parent puts it (e.g. all on special positions): only the cell distorts
            lines.append("  no atomic distortion: every atom of the child is on its place in the parent (amplitude 0)")
        else:
            if df["amplitude_su"].isna().all():  # the file gives no s.u.'s (a warning says so): no column of NaN
                df = df.drop(columns="amplitude_su")
            # an unknown s.u. (the file gives none for that irrep) is "—", never "NaN"
            lines.append("  " + df.to_string(index=False, float_format=fixed, na_rep="—")
                         .replace("\n", "\n  "))
        if r.strain:
            lines.append("  strain by irreps of the parent point group: "
                         + ", ".join(f"{s.label} {fixed(s.amplitude)}" for s in r.strain))
    for f in failed:
        lines.append(f"failed: {f['file']}: {f['message']}")
    lines.append(f"k labels: {K_LABEL_SOURCE}")
    lines.append(f"wrote {', '.join(files)}")
    return "\n".join(lines)
