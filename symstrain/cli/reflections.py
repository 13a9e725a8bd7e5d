"""``symstrain reflections PARENT CHILD``: symmetry-breaking reflections derived, predicted and measured.

Derives the parent reflection conditions the child breaks (from the operators), classifies every
reflection to --dmin, predicts intensities from the child structure (--radiation xray, neutron or electron), optionally reads measured
intensities (--hkl, one file per temperature) and writes CSV tables and precession-like PNG
sections into --out (a new folder by default; existing files are never overwritten).
"""

from __future__ import annotations

import re
from pathlib import Path

NAME = "reflections"
HELP = "symmetry-breaking reflections of a parent→child relation: conditions, predicted and measured intensities"


def add_arguments(p):
    p.add_argument("parent", help="CIF of the high-symmetry (parent) phase")
    p.add_argument("child", help="CIF of the low-symmetry (child) phase; its atoms give the predicted intensities")
    p.add_argument("--parent-block", help="data block of the parent file")
    p.add_argument("--child-block", help="data block of the child file")
    p.add_argument("--dmin", type=float, default=0.8, help="smallest d-spacing in Å (default 0.8)")
    p.add_argument("--P", dest="P", metavar="BASIS",
                   help="override the lattice correspondence: child basis in parent terms, e.g. 'b,-a,c' or "
                        "'a+b,-a+b,c', or nine numbers (rows of P); default: found by relate")
    p.add_argument("--p", dest="p", metavar="X,Y,Z",
                   help="override the child origin in parent fractional coordinates, e.g. '1/4,0,0' (default 0 with --P)")
    p.add_argument("--hkl", nargs="+", metavar="FILE",
                   help="measured intensities (HKLF 4, hkl CIF, FCF, CIF with _shelx_hkl_file), one per temperature")
    p.add_argument("--temperatures", nargs="+", type=float, metavar="T",
                   help="temperatures (K) of the --hkl files, in order (default: read from each file)")
    p.add_argument("--hkl-setting", choices=("child", "parent"), default="child",
                   help="cell in which the --hkl data are indexed (default child)")
    p.add_argument("--section", nargs="+", default=["1,0,0:0", "0,0,1:0"], metavar="U,V,W:N",
                   help="reciprocal-lattice planes u·h+v·k+w·l = N to draw (default 0kl and hk0: '1,0,0:0 0,0,1:0')")
    p.add_argument("--top", type=int, default=10, help="number of strongest SB reflections to list (default 10)")
    p.add_argument("--out", help="output folder (default: new ./symstrain-reflections)")
    p.add_argument("--tol", type=float, default=0.08, help="strain tolerance passed to relate (default 0.08)")
    p.add_argument("--strain-table", metavar="CSV",
                   help="a strain table from 'symstrain table': its eta_strain joins η_intensity(T) (nearest T within 0.5 K)")
    p.add_argument("--radiation", default="xray", metavar="xray|neutron|electron",
                   help="radiation of the predicted intensities: xray (|F|² in electrons², default), neutron "
                        "(coherent scattering lengths, fm²; D and H differ) or electron (kinematic, Å²)")


def parse_P(text: str):
    """The ``--P`` option: see :func:`symstrain.cli.parse_basis`."""
    from . import parse_basis

    return parse_basis(text, "--P")


def parse_p(text: str):
    """The ``--p`` option: see :func:`symstrain.cli.parse_vector`."""
    from . import parse_vector

    return parse_vector(text, "--p")


def _section(spec: str):
    from ..errors import SymstrainInputError

    try:
        normal, _, level = spec.partition(":")
        u = [int(x) for x in re.split(r"[,\s]+", normal.strip()) if x]
        n = int(level) if level.strip() else 0
    except ValueError as exc:
        raise SymstrainInputError("--section", f"{spec!r}: expected 'u,v,w:N' with integers") from exc
    if len(u) != 3 or not any(u):
        raise SymstrainInputError("--section", f"{spec!r}: the normal needs three integers, not all zero")
    return tuple(u), n


def _out_dir(args, parent: str, child: str) -> Path:
    from . import output_dir

    return output_dir(args.out, "reflections")


def _claim(out: Path, name: str, written: list[str]) -> Path:
    from ..errors import SymstrainInputError

    path = out / name
    if path.exists():
        raise SymstrainInputError(str(path), "already exists; choose another --out (files are never overwritten)")
    written.append(str(path))
    return path


def run(args):
    import numpy as np
    import pandas as pd

    from ..cif import read_cif
    from ..errors import SymstrainInputError
    from ..hkl import primary_individual, read_hkl
    from ..plots.reflections import plot_eta_series, plot_section, section_name
    from ..intensities import (RADIATIONS, check_radiation, classify_measured, eta_series, measured_summary,
                               predict_intensities)
    from ..reflection_classes import check_subgroup, reflections_from_groups
    from . import CommandResult

    if not (args.dmin > 0):
        raise SymstrainInputError("--dmin", f"must be positive, got {args.dmin}")
    radiation = check_radiation(args.radiation)
    rad_name, rad_unit = RADIATIONS[radiation][2], RADIATIONS[radiation][1]
    sections = [_section(s) for s in args.section]
    strain_table = None
    if args.strain_table:  # read before anything is written, so a bad table leaves no partial output
        from ..csv_input import Column, read_csv_table

        strain_table = read_csv_table(args.strain_table, {  # the table written by 'symstrain table'
            "T": Column(("T",), label="temperature"), "eta_strain": Column(("eta_strain",), missing_ok=True),
            "branch": Column(("branch",), required=False, kind="text")}).data
    parent = read_cif(args.parent, block=args.parent_block)
    child = read_cif(args.child, block=args.child_block)
    warnings = list(parent.warnings) + list(child.warnings)
    if args.P or args.p:
        P = parse_P(args.P) if args.P else np.eye(3)
        p = parse_p(args.p) if args.p else np.zeros(3)
        check_subgroup(parent.spacegroup, child.spacegroup, P, p, source="--P/--p")
        how = "given by --P/--p"
        Gp = P.T @ parent.cell.metric() @ P
        misfit = float(np.max(np.abs(child.cell.metric() - Gp)) / np.max(np.abs(Gp)))
        if misfit > 0.05:
            warnings.append(f"the child cell differs from the parent lattice mapped by --P by {100 * misfit:.0f} % "
                            "of the metric: check --P")
    else:
        from ..relation import relate

        rel = relate(parent, child, tol=args.tol).require()
        P, p = rel.P, rel.p
        how = "found by relate"
        warnings += list(rel.warnings)
    datasets = [read_hkl(f) for f in (args.hkl or [])]
    if args.temperatures and len(args.temperatures) != len(datasets):
        raise SymstrainInputError("--temperatures", f"{len(args.temperatures)} temperatures for {len(datasets)} --hkl files")

    rc = reflections_from_groups(parent.spacegroup, child.spacegroup, P, p, child.cell, args.dmin)
    hkl = rc.table[["h", "k", "l"]].to_numpy()
    I = predict_intensities(child, hkl, radiation)
    rc = rc.with_intensities(I)
    t = rc.table
    predicted = rc.intensity_summary(args.top)
    top = predicted.pop("strongest")

    out = _out_dir(args, args.parent, args.child)
    files: list[str] = []
    t.to_csv(_claim(out, "reflections.csv", files), index=False, float_format="%.6g")
    top.to_csv(_claim(out, "sb_strongest.csv", files), index=False, float_format="%.6g")
    cond_rows = []
    for bc in rc.conditions:
        n_here = int(t["class"].eq("SB").to_numpy()[bc.child.extinguishes(t[["h", "k", "l"]].to_numpy())].sum())
        cond_rows.append({"zone": bc.child.zone, "rule": bc.child.rule, "absent_in_parent": bc.child.absent,
                          "kind": bc.child.kind, "operation_child_basis": bc.child.operation,
                          "parent_indexing": "non-integral parent indices" if bc.parent is None
                          else f"{bc.parent.zone}: {bc.parent.rule}",
                          "operation_parent_basis": "" if bc.parent is None else bc.parent.operation,
                          "n_SB_opened": n_here, "contained_in": bc.contained_in or ""})
    pd.DataFrame(cond_rows, columns=["zone", "rule", "absent_in_parent", "kind", "operation_child_basis",
                                     "parent_indexing", "operation_parent_basis", "n_SB_opened", "contained_in"]
                 ).to_csv(_claim(out, "broken_conditions.csv", files), index=False)
    for u, n in sections:
        tag = section_name(u, n).replace(" ", "").replace("·", "").replace("[", "").replace("]", "_").replace("=", "")
        plot_section(t, child.cell, _claim(out, f"section_{tag}_predicted.png", files), u, n,
                     title=f"{section_name(u, n)} (child indexing), {rad_name} predicted from {Path(args.child).name}")

    measured = []
    series = None
    temps = []
    for i, data in enumerate(datasets):
        src = Path(data.attrs["source"])
        warnings += [f"{src.name}: {w}" for w in data.attrs.get("warnings", [])]
        if data.attrs.get("twinned"):
            data = primary_individual(data)
            warnings.append(f"{src.name}: twinned data; SB classification uses the indices of twin individual 1 only")
        if data.attrs.get("cell"):
            from ..phase import Cell

            ref = child.cell if args.hkl_setting == "child" else parent.cell
            Gd, Gr = Cell(*data.attrs["cell"]).metric(), ref.metric()
            mis = float(np.max(np.abs(Gd - Gr)) / np.max(np.abs(Gr)))
            if mis > 0.05:
                warnings.append(f"{src.name}: its cell differs from the {args.hkl_setting} cell by {100 * mis:.0f} % of "
                                "the metric: another crystal or another setting?")
        cl = classify_measured(data, parent.spacegroup, child.spacegroup, P, p, args.hkl_setting,
                               conditions=rc.conditions)
        summ = measured_summary(cl)
        st_abs = summ["statistics"].set_index("class").loc["absent"]
        if st_abs["n"] and st_abs["n_significant"] == st_abs["n_significant"] and st_abs["n_significant"] > 0:
            warnings.append(f"{src.name}: {int(st_abs['n_significant'])} of {int(st_abs['n'])} reflections absent in "
                            "both groups have I > 3σ: check the groups, the indexing (--hkl-setting) or twinning")
        T = args.temperatures[i] if args.temperatures else data.attrs.get("temperature")
        temps.append(np.nan if T is None else float(T))
        stem = f"{i + 1:02d}-{src.stem}"
        cl.to_csv(_claim(out, f"measured_{stem}.csv", files), index=False, float_format="%.6g")
        summ["statistics"].to_csv(_claim(out, f"measured_{stem}_statistics.csv", files), index=False, float_format="%.6g")
        for u, n in sections:
            tag = section_name(u, n).replace(" ", "").replace("·", "").replace("[", "").replace("]", "_").replace("=", "")
            plot_section(cl, child.cell, _claim(out, f"section_{tag}_measured_{stem}.png", files), u, n,
                         title=f"{section_name(u, n)}, measured {src.name}")
        measured.append({"file": str(src), "format": data.attrs.get("format"), "temperature": temps[-1],
                         "statistics": summ["statistics"].to_dict(orient="records"),
                         "sb_fraction": summ["sb_fraction"], "eta_intensity": summ["eta_intensity"]})
    if len(datasets) > 1:
        if any(np.isnan(temps)):
            raise SymstrainInputError("--temperatures", "a temperature series needs T for every --hkl file "
                                                        "(none in some files): give --temperatures")
        series = eta_series([primary_individual(d) for d in datasets], temps, parent.spacegroup, child.spacegroup,
                            P, p, args.hkl_setting)
        if strain_table is not None:
            from ..series import join_on_temperature

            series = join_on_temperature(series, strain_table, ["eta_strain"], source=args.strain_table)
        series.to_csv(_claim(out, "eta_series.csv", files), index=False, float_format="%.6g")
        plot_eta_series(series, _claim(out, "eta_series.png", files))

    from ..notation import basis_string

    lines = [f"{rc.parent_group} → {rc.child_group}: P = {basis_string(np.asarray(P))}, "
             f"p = ({', '.join(f'{x:g}' for x in np.asarray(p))}) ({how})",
             "Broken parent reflection conditions (child indexing; parent indexing and operation in brackets):"]
    lines += ["  " + s for s in rc.summary_lines()] or ["  none"]
    c = rc.counts
    lines.append(f"Reflections with d ≥ {args.dmin:g} Å (full sphere, child cell): {c['allowed']} allowed in both, "
                 f"{c['SB']} symmetry-breaking, {c['absent']} absent in both")
    if c["SB"]:
        lines.append("  SB by zone: " + ", ".join(f"{k} {v}" for k, v in rc.sb_by_zone().items()))
        lines.append(f"Predicted ({rad_name}, |F|² in {rad_unit}²): ⟨I_SB⟩ = {predicted['mean_I_SB']:.4g}, ΣI_SB/ΣI_all = "
                     f"{predicted['sb_fraction']:.4g}, η_intensity = {predicted['eta_intensity']:.4g}")
        lines.append("Strongest SB reflections to monitor:")
        for r in top.itertuples():
            lines.append(f"  {r.h:4d}{r.k:4d}{r.l:4d}  d = {r.d:.3f} Å  I = {r.I:.4g}  ({r.broken})")
    for m in measured:
        st = {r["class"]: r for r in m["statistics"]}
        s_sb = st["SB"]
        tt = "T unknown" if np.isnan(m["temperature"]) else f"T = {m['temperature']:g} K"
        lines.append(f"Measured {Path(m['file']).name} ({tt}): {st['all']['n']} reflections, "
                     f"SB {s_sb['n']} (significant I > 3σ: {s_sb['n_significant']}, ⟨I/σ⟩ = {s_sb['mean_I_over_sigma']:.3g}), "
                     f"ΣI_SB/ΣI_all = {m['sb_fraction']:.4g}, η_intensity = {m['eta_intensity']:.4g}")
    if series is not None:
        lines.append("η_intensity(T): " + ", ".join(f"{r.T:g} K: {r.eta_intensity:.4g}" for r in series.itertuples()))
    for w in warnings + list(rc.warnings):
        lines.append(f"warning: {w}")
    lines.append("Files: " + ", ".join(files))

    data = rc.to_dict()
    data.update({"relation_source": how, "radiation": radiation, "intensity_unit": f"{rad_unit}^2",
                 "predicted": predicted,
                 "strongest_SB": top[["h", "k", "l", "d", "I", "broken", "multiplicity"]].to_dict(orient="records"),
                 "measured": measured,
                 "eta_series": None if series is None else series.to_dict(orient="records"),
                 "warnings": warnings + list(rc.warnings)})
    return CommandResult(data, "\n".join(lines), files)
