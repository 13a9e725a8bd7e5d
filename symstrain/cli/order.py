"""``symstrain order PARENT CHILD...``: the order parameter from strain, SB intensities and atomic modes."""

NAME = "order"
HELP = "η per temperature from strain, symmetry-breaking intensities and mode amplitudes, side by side"


def add_arguments(p):
    p.add_argument("parent", help="CIF of the parent (high-symmetry) phase")
    p.add_argument("children", nargs="+", help="CIFs of the child phase, e.g. one per temperature")
    p.add_argument("--dmin", type=float, default=1.0, help="resolution of the predicted intensities (Å, default 1.0)")
    p.add_argument("--tol", type=float, default=0.08, help="lattice tolerance of relate (finite strain)")
    p.add_argument("--max-distance", type=float, default=2.0,
                   help="largest mismatch (Å) between an atom's image and its partner when symmetrising")
    p.add_argument("--radiation", default="xray", metavar="xray|neutron|electron",
                   help="radiation of the intensities behind η_intensity (default xray; neutron for neutron data, "
                        "where D scatters strongly)")
    p.add_argument("--out", help="folder for order.csv, order.png, and per child the symmetrised structure (CIF) "
                                 "and the atomic displacements (CSV) (default: new ./symstrain-order)")


def run(args):
    import numpy as np

    from ..cif import read_cif
    from ..errors import SymstrainInputError
    from ..order import ETA_COLUMNS, order_parameters, proportionality
    from ..intensities import RADIATIONS, check_radiation
    from ..plots.order import plot_order_parameters
    from . import CommandResult, output_dir, progress_bar

    if not args.dmin > 0:
        raise SymstrainInputError("--dmin", f"must be positive, got {args.dmin}")
    radiation = check_radiation(args.radiation)
    parent = read_cif(args.parent)
    children = [read_cif(f) for f in args.children]
    from pathlib import Path

    from ..writer import write_cif

    df, dists = order_parameters(parent, children, dmin=args.dmin, tol=args.tol, max_distance=args.max_distance,
                                 progress=progress_bar(not args.json), return_distortions=True, radiation=radiation)
    stems = [Path(d.relation.child.source).stem for d in dists]
    if len(set(stems)) < len(stems):
        stems = [f"{i + 1:03d}_{s}" for i, s in enumerate(stems)]
    per_child = [n for s in stems for n in (f"{s}_symmetrized.cif", f"{s}_displacements.csv")]
    out = output_dir(args.out, "order", ["order.csv", "order.png"] + per_child)
    files = [str(out / "order.csv")]
    df.to_csv(files[0], index=False)
    for s, d in zip(stems, dists):
        write_cif(d.symmetrized, out / f"{s}_symmetrized.cif")
        d.to_frame().to_csv(out / f"{s}_displacements.csv", index=False)
        files += [str(out / f"{s}_symmetrized.cif"), str(out / f"{s}_displacements.csv")]
    files.append(plot_order_parameters(df, out / "order.png", title=f"{parent.spacegroup.hm} → {children[0].spacegroup.hm}"))
    checks = [proportionality(df, "eta_modes", y) for y in ("eta_strain", "eta_intensity")]
    lines = [df[["T", "child_group", "eps13"] + [c + "_norm" for c in ETA_COLUMNS] + ["max_displacement", "irrep"]]
             .to_string(index=False, float_format=lambda v: f"{v:.4g}")]
    for c in checks:
        if np.isnan(c["slope"]):
            lines.append(f"{c['y']} vs {c['x']}: undefined ({c['n']} usable points)")
        else:
            lines.append(f"{c['y']} vs {c['x']}: slope {c['slope']:.4g}, Pearson r {c['r']:.5f}, "
                         f"largest relative deviation {c['max_rel_dev']:.3g} (n = {c['n']})")
    lines.append("η_strain: norm of the symmetry-breaking strain (√2·|e13| for mmm → 2/m); η_intensity: √(ΣI_SB/ΣI_all) "
                 f"of {RADIATIONS[radiation][2]} intensities predicted to {args.dmin} Å; η_modes: distortion amplitude, Å per parent primitive cell")
    lines.append(f"wrote {', '.join(files)}")
    data = {"rows": df.to_dict(orient="records"), "proportionality": checks, "dmin": args.dmin,
            "radiation": radiation}
    return CommandResult(data, "\n".join(lines), files)
