"""``symstrain table FILES... | --cells cells.csv``: strain table of a temperature series, CSV + PNG figures.

The reference is chosen explicitly: ``--parent CIF`` (one cell for every T), ``--baseline MODEL`` fitted to
parent-phase cells (rows of the series inside ``--baseline-range``, or ``--baseline-cells CSV``) and
evaluated at each T, or ``--no-reference`` (ε13 = ½·cos β only). Files that cannot be read or related are
listed one line each and the rest goes on. Output files are never overwritten (a free name is chosen, and
a given ``--output`` that exists is refused).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SymstrainInputError

NAME = "table"
HELP = "strain table of a temperature series (CIFs or a cell CSV): CSV file, figures, --json"


def add_arguments(p):
    p.add_argument("files", nargs="*", metavar="CIF", help="CIFs of the series, any order")
    p.add_argument("--cells", metavar="CSV", help="cell table instead of CIFs: T, a, b, c, α, β, γ, s.u.'s, branch")
    p.add_argument("--temperatures", metavar="T1,T2,…", help="temperatures (K), one per CIF (order: positional, --heating, --cooling), overriding the files'")
    p.add_argument("--branch", choices=("heating", "cooling"), help="branch of every CIF (or CSV row without one)")
    p.add_argument("--heating", nargs="+", default=[], metavar="CIF", help="CIFs measured on heating")
    p.add_argument("--cooling", nargs="+", default=[], metavar="CIF", help="CIFs measured on cooling")
    g = p.add_argument_group("reference (paraphase) cell")
    g.add_argument("--parent", metavar="CIF", help="parent CIF: the reference cell, and the relation giving P")
    g.add_argument("--baseline", choices=("linear", "poly", "salje"),
                   help="fit a baseline to parent-phase cells and extrapolate it to each T")
    g.add_argument("--baseline-range", metavar="TMIN:TMAX", help="parent-phase rows of the series to fit")
    g.add_argument("--baseline-cells", metavar="CSV", help="fit the baseline to these cells instead")
    g.add_argument("--degree", type=int, default=2, help="degree of --baseline poly (default 2)")
    g.add_argument("--theta-s", type=float, help="fix Θs (K) of --baseline salje (default: fitted)")
    g.add_argument("--no-reference", action="store_true", help="ε13 = ½·cos β only (c0 = c approximation)")
    p.add_argument("--P", dest="P", metavar="BASIS", help="P for every row, e.g. 'b,-a,c' (overrides relate)")
    p.add_argument("--sb", metavar="COMPONENTS", help="symmetry-breaking components, e.g. 'e13'")
    p.add_argument("--frame", choices=("cstar", "c"), default="cstar",
                   help="Cartesian frame: cstar = X∥a, Z∥c* (default); c = Z∥c, X∥a*")
    p.add_argument("--eta-from", default="eps13", help="column normalised into eta_strain (default eps13)")
    p.add_argument("--max-strain", type=float, default=0.1, help="largest |e_ij| before a row is rejected")
    p.add_argument("--tol", type=float, default=0.08, help="lattice tolerance of relate (default 0.08)")
    p.add_argument("-o", "--output", metavar="CSV", help="table file (default strain_table.csv, never overwritten)")
    p.add_argument("--no-plots", action="store_true", help="do not write the PNG figures")
    p.add_argument("--no-detect", action="store_true", help="skip spglib space-group detection of each CIF")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def _free_stem(output: str | None, inputs: set[Path], plots: bool) -> Path:
    suffixes = ["_lattice.png", "_strain.png"] if plots else []
    if output:
        out = Path(output)
        if out.suffix.lower() != ".csv":
            raise SymstrainInputError(output, "the table is written as CSV: give a name ending in .csv")
        if out.resolve() in inputs:
            raise SymstrainInputError(output, "is one of the input files (refusing to overwrite it)")
        stem = out.with_suffix("")
        for f in [out] + [Path(f"{stem}{s}") for s in suffixes]:
            if f.exists():
                raise SymstrainInputError(str(f), "already exists (refusing to overwrite; choose another --output)")
        return stem
    k = 1
    while True:
        stem = Path("strain_table" if k == 1 else f"strain_table-{k}")
        if not any(Path(f"{stem}{s}").exists() for s in [".csv"] + suffixes):
            return stem
        k += 1


def run(args):
    import numpy as np

    from ..notation import format_su as _fmt
    from ..reference import fit_cell_baseline
    from ..series import read_cells_csv, read_series, strain_table, table_cells
    from . import CommandResult, progress_bar
    from .strain import parse_P, parse_range, parse_sb

    files = list(args.files) + list(args.heating) + list(args.cooling)
    if bool(files) == bool(args.cells):
        raise SymstrainInputError("table", "give either CIF files or --cells CSV (one of the two)")
    refs = [args.parent is not None, args.baseline is not None, args.no_reference]
    if not any(refs):
        raise SymstrainInputError("table", "choose a reference: --parent CIF, --baseline MODEL or --no-reference")
    if args.no_reference and (args.parent or args.baseline):
        raise SymstrainInputError("--no-reference", "cannot be combined with --parent or --baseline")
    inputs = {Path(f).resolve() for f in files + [args.cells, args.parent, args.baseline_cells] if f}
    stem = _free_stem(args.output, inputs, not args.no_plots)

    progress = progress_bar(not args.no_progress)

    P = parse_P(args.P) if args.P else None
    sb = parse_sb(args.sb)
    notes: list[str] = []

    phases = None
    if files:
        temps = None
        if args.temperatures:
            try:
                temps = [float(t) for t in args.temperatures.replace(" ", "").split(",") if t]
            except ValueError:
                raise SymstrainInputError("--temperatures", f"{args.temperatures!r} is not a list of numbers") from None
        branches = ([args.branch or ""] * len(args.files) + ["heating"] * len(args.heating)
                    + ["cooling"] * len(args.cooling))
        cells, phases = read_series(files, temps, branches, detect=not args.no_detect, progress=progress)
    else:
        cells = read_cells_csv(args.cells, branch=args.branch)
    if len(cells) == 0:
        raise SymstrainInputError("table", "no structure could be read: " + "; ".join(
            f"{f['source']}: {f['problem']}" for f in cells.attrs.get("failed", [])))

    parent = None
    if args.parent:
        from ..cif import read_cif

        parent = read_cif(args.parent)

    # relations row by row (P and symmetry-breaking components) when both ends are structures
    relations = None
    if parent is not None and phases is not None and P is None:
        from ..relation import relate

        keep, relations = [], []
        failed = list(cells.attrs.get("failed", []))
        for k, ph in enumerate(phases):
            try:
                relations.append(relate(parent, ph, tol=args.tol).require())
                keep.append(k)
            except SymstrainInputError as exc:
                failed.append({"source": exc.source, "problem": exc.problem})
        attrs = dict(cells.attrs)
        cells = cells.iloc[keep].reset_index(drop=True)
        cells.attrs.update(attrs)
        cells.attrs["failed"] = failed
        if sb is not None:
            notes.append("--sb given: it replaces the relations' symmetry-breaking components")
    elif P is None and not args.no_reference:
        notes.append("P = identity: the reference and every cell are taken in the same basis (give --P otherwise)")

    baseline = None
    if args.no_reference:
        reference = None
    elif args.baseline:
        if args.baseline_cells:
            bcells = read_cells_csv(args.baseline_cells)
            notes.extend(bcells.attrs.get("warnings", []))
            src = args.baseline_cells
        else:
            if not args.baseline_range:
                raise SymstrainInputError("--baseline", "say which rows are the parent phase: --baseline-range "
                                          "TMIN:TMAX (or give --baseline-cells CSV)")
            bcells, src = cells, "parent-phase rows"
        baseline = fit_cell_baseline(bcells["T"], table_cells(bcells), model=args.baseline, degree=args.degree,
                                     theta_s=args.theta_s, T_range=parse_range(args.baseline_range), source=src)
        reference = baseline
    else:
        reference = parent

    df = strain_table(cells, reference, P=P, sb_components=sb, relations=relations, frame=args.frame,
                      max_strain=args.max_strain, eta_from=args.eta_from, progress=progress)
    if len(df) == 0:
        raise SymstrainInputError("table", "no row could be computed: " + "; ".join(
            f"{f['source']}: {f['problem']}" for f in df.attrs.get("failed", [])))

    written = []
    csv_path = f"{stem}.csv"
    df.to_csv(csv_path, index=False)
    written.append(csv_path)
    if not args.no_plots:
        from ..plots.strain import plot_lattice, plot_strain

        written.append(plot_lattice(df, f"{stem}_lattice.png", baseline))
        written.append(plot_strain(df, f"{stem}_strain.png"))

    warnings = notes + list(df.attrs.get("warnings", []))
    failed = df.attrs.get("failed", [])
    data = {
        "frame": df.attrs["frame"],
        "frame_description": df.attrs["frame_description"],
        "reference": df.attrs["reference"],
        "eps13_definition": df.attrs["eps13_definition"],
        "eta_from": df.attrs["eta_from"],
        "baseline": None if baseline is None else baseline.to_dict(),
        "n_rows": len(df),
        "rows": df.replace({np.nan: None}).to_dict(orient="records"),
        "failed": failed,
        "warnings": warnings,
    }
    lines = [f"strain table: {len(df)} rows; frame {df.attrs['frame']} ({df.attrs['frame_description']})",
             f"reference: {df.attrs['reference']}", f"{df.attrs['eps13_definition']}"]
    if baseline is not None:
        for name, b in baseline.baselines.items():
            ps = ", ".join(f"{n}={_fmt(v, s)}" for n, v, s in zip(b.param_names, b.params, b.param_su))
            lines.append(f"  baseline {name}: {b.formula()}  [{ps}]  rms {b.rms:.3g}")
    head = f"{'T/K':>8} {'branch':8} {'group':14} {'a':>10} {'b':>10} {'c':>10} {'beta':>9} {'V':>10} " \
           f"{'eps13':>14} {'vs':>14} {'e_ss':>12} {'eta':>7}"
    lines.append(head)
    for r in df.itertuples(index=False):
        sg = (r.sg_detected or r.spacegroup or "")[:14]
        lines.append(
            f"{r.T:8.2f} {r.branch or '-':8} {sg:14} {r.a:10.5f} {r.b:10.5f} {r.c:10.5f} {r.beta:9.4f} {r.V:10.3f} "
            f"{_fmt(r.eps13, r.eps13_su):>14} {_fmt(r.vs, r.vs_su):>14} {_fmt(r.e_ss, r.e_ss_su):>12} "
            f"{r.eta_strain:7.4f}")
    for f in failed:
        lines.append(f"failed: {f['source']}: {f['problem']}")
    for w in warnings:
        lines.append(f"warning: {w}")
    lines.append("wrote: " + ", ".join(written))
    return CommandResult(data, "\n".join(lines), written)

