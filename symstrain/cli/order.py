"""``symstrain order PARENT CHILD...``: the order parameter from strain, SB intensities and atomic modes.

η_modes and the irreps come from the symmetry-mode decomposition (``symstrain modes``, here against the child averaged
back over the lost operations): ``order`` compares the three measures over a series, ``modes`` details one
decomposition (see :mod:`symstrain.order`).
"""

from ..csv_output import write_frame

NAME = "order"
HELP = ("η per temperature from strain, symmetry-breaking intensities and mode amplitudes (the decomposition of "
        "'symstrain modes' against the averaged child), side by side")

UNITS = ("# units: T in K; eta_strain, eps13, eta_intensity dimensionless; eta_modes and max_displacement in Å "
         "(eta_modes per parent primitive cell, AMPLIMODES normalisation); *_su their s.u. (empty: unknown); "
         "*_norm divided by the largest value of the series")


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
    from ..contract import failure
    from ..errors import SymstrainInputError
    from ..intensities import RADIATIONS, check_radiation
    from ..order import ETA_COLUMNS, order_series
    from ..plots.order import plot_order_parameters
    from ..writer import write_cif
    from . import CommandResult, output_dir, progress_bar, refuse_existing
    from .modes import child_stems, write_atoms

    if not args.dmin > 0:
        raise SymstrainInputError("--dmin", f"must be positive, got {args.dmin}")
    if not args.max_distance > 0:
        raise SymstrainInputError("--max-distance", f"must be positive, got {args.max_distance}")
    radiation = check_radiation(args.radiation)
    refuse_existing(args.out, ["order.csv", "order.png"])
    parent = read_cif(args.parent, atoms_required=False)
    if not parent.atoms:  # (a parent known by its cell and group alone: relate, strain, … take it; order cannot)
        raise SymstrainInputError(args.parent, "no atom sites: order decomposes each child against the parent's "
                                               "atoms (relate, strain and table take a parent without atoms)")
    batch = len(args.children) > 1
    children, failed = [], []
    for f in args.children:
        try:
            children.append(read_cif(f))
        except SymstrainInputError as exc:
            if not batch:
                raise
            failed.append(failure(f, exc.problem))
    series = order_series(parent, children, dmin=args.dmin, tol=args.tol, max_distance=args.max_distance,
                          radiation=radiation, progress=progress_bar(not args.json), keep_going=batch)
    failed += list(series.failed)
    if not series.results:
        raise SymstrainInputError(args.parent, "no child could be done: " + "; ".join(
            f"{f['file']}: {f['message']}" for f in failed))
    df = series.to_frame()
    stems = child_stems([r.relation.child for r in series.results])
    per_child = [n for s in stems for n in (f"{s}_symmetrized.cif", f"{s}_displacements.csv")]
    out = output_dir(args.out, "order", ["order.csv", "order.png"] + per_child)
    files = [str(out / "order.csv")]
    write_frame(files[0], df, UNITS)
    for s, r in zip(stems, series.results):
        write_cif(r.distortion.symmetrized, out / f"{s}_symmetrized.cif")
        files += [str(out / f"{s}_symmetrized.cif"), write_atoms(out / f"{s}_displacements.csv", r.modes)]
    from ..plots.strain import short_symbol

    groups = dict.fromkeys(short_symbol(r.relation.child.spacegroup.hm) for r in series.results)  # in T order
    files.append(plot_order_parameters(df, out / "order.png",
                                       title=f"{short_symbol(parent.spacegroup.hm)} → {', '.join(groups)}"))
    checks = series.proportionality()
    lines = [df[["T", "spacegroup", "eps13"] + [c + "_norm" for c in ETA_COLUMNS] + ["max_displacement", "irrep"]]
             .to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep="—")]  # no value: "—", never NaN
    for c in checks:
        if np.isnan(c["slope"]):
            zero = [q for q in (c["y"], c["x"]) if q in df and c["n"] >= 2
                    and not np.any(np.abs(df[q].to_numpy(float)) > 0)]
            none = [q for q in (c["y"], c["x"]) if q in df and len(df) >= 2 and df[q].isna().all()]
            why = (f"{zero[0]} is 0 for every child" if zero
                   else f"{none[0]} is undefined for every child" if none
                   else f"{c['n']} child(ren) with both measures, 2 needed")
            lines.append(f"{c['y']} vs {c['x']}: undefined ({why})")
        else:
            r = f"Pearson r {c['r']:.5f}" if c["n"] > 2 else "Pearson r — (±1 for 2 points by construction)"
            lines.append(f"{c['y']} vs {c['x']} (raw values): slope {c['slope']:.4g}, {r}, "
                         f"largest relative deviation {c['max_rel_dev']:.3g} (n = {c['n']})")
    from ..coupling import COUPLINGS

    couplings = dict.fromkeys(r.coupling for r in series.results)
    lines.append("η_strain: " + "; ".join(COUPLINGS[c] for c in couplings) + "; η_intensity: √(ΣI_SB/ΣI_all) "
                 f"of {RADIATIONS[radiation][2]} intensities predicted to {args.dmin} Å; η_modes: distortion amplitude, "
                 "Å per parent primitive cell (symmetry modes against the averaged child)")
    lines += [f"failed: {f['file']}: {f['message']}" for f in failed]
    lines.append(f"wrote {', '.join(files)}")
    data = {**series.to_dict(), "failed": failed, "n_files": len(args.children)}
    return CommandResult(data, "\n".join(lines), files, warnings=series.all_warnings(),
                         status="partial" if failed else "ok")
