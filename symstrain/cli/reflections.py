"""``symstrain reflections PARENT CHILD``: symmetry-breaking reflections derived, predicted and measured.

Derives the parent reflection conditions the child breaks (from the operators), classifies every
reflection to --dmin, predicts intensities from the child structure (--radiation xray, neutron or electron), optionally reads measured
intensities (--hkl, one file per temperature) and writes CSV tables and precession-like PNG
sections into --out (a new folder by default; existing files are never overwritten). The science lives in
:func:`symstrain.reflection_analysis.analyse_reflections`; here every input is read and checked before anything is
computed, and the files are written all together or not at all (``cli/files.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import SymstrainInputError

NAME = "reflections"
HELP = "symmetry-breaking reflections of a parent→child relation: conditions, predicted and measured intensities"

_INDICES = "h, k, l in the child cell; h_parent, k_parent, l_parent the same reflection in the parent cell"
#: the units line of each CSV; {unit}: the predicted intensities' unit (the radiation's)
UNITS = {
    "predicted": f"# units: {_INDICES}; d in Å; I the predicted |F|² from the child's atoms in {{unit}}; unique: one "
                 "key per set of reflections equivalent in the child's Laue class; multiplicity a count",
    "conditions": "# units: none (reflection conditions as text); n_SB_opened a count of reflections",
    "measured": f"# units: {_INDICES}; I and I_su (its s.u., empty when unknown) in the --hkl file's own unit",
    "statistics": "# units: n, n_significant counts; mean_I, sum_I and their s.u.'s in the --hkl file's own unit; "
                  "mean_I_over_sigma, fraction_of_sum dimensionless",
    "series": "# units: T in K; n, n_SB, n_SB_significant counts; sb_fraction = ΣI(SB)/ΣI and eta_intensity = "
              "√sb_fraction dimensionless; eta_relative = eta_intensity over the series' largest; eta_strain (with "
              "--strain-table) as in that table; *_su standard uncertainty, empty when unknown",
}


def add_arguments(p):
    p.add_argument("parent", help="CIF of the high-symmetry (parent) phase")
    p.add_argument("child", help="CIF of the low-symmetry (child) phase; its atoms give the predicted intensities")
    p.add_argument("--parent-block", help="data block of the parent file")
    p.add_argument("--child-block", help="data block of the child file")
    p.add_argument("--dmin", type=float, default=0.8, help="smallest d-spacing in Å (default 0.8; at most 300,000 "
                   "reflections, about 4π/3·V/dmin³, are enumerated)")
    p.add_argument("--P", dest="P", metavar="BASIS",
                   help="override the lattice correspondence: child basis in parent terms, e.g. 'b,-a,c' or "
                        "'a+b,-a+b,c', or nine numbers (rows of P); default: found by relate")
    p.add_argument("--p", dest="p", metavar="X,Y,Z",
                   help="override the child origin in parent fractional coordinates, e.g. '1/4,0,0' (default 0 with --P)")
    p.add_argument("--hkl", nargs="+", metavar="FILE",
                   help="measured intensities (HKLF 4 or 5, hkl CIF, FCF, CIF with _shelx_hkl_file), one per "
                        "temperature")
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
    try:
        normal, _, level = spec.partition(":")
        u = [int(x) for x in re.split(r"[,\s]+", normal.strip()) if x]
        n = int(level) if level.strip() else 0
    except ValueError as exc:
        raise SymstrainInputError("--section", f"{spec!r}: expected 'u,v,w:N' with integers") from exc
    if len(u) != 3 or not any(u):
        raise SymstrainInputError("--section", f"{spec!r}: the normal needs three integers, not all zero")
    return tuple(u), n


def _tag(u, n) -> str:
    """File-name tag of a section, e.g. ``0kl`` or ``hk1``."""
    from ..plots.reflections import section_name

    return section_name(u, n).replace(" ", "").replace("·", "").replace("[", "").replace("]", "_").replace("=", "")


def _read_inputs(args):
    """Every input file read and every option checked, before anything is computed or written."""
    from ..cif import read_cif
    from ..hkl import read_hkl
    from ..reflection_analysis import check_inputs

    P = parse_P(args.P) if args.P is not None else None
    p = parse_p(args.p) if args.p is not None else None
    sections = [_section(s) for s in args.section]
    strain_table = None
    if args.strain_table:
        from ..csv_input import Column, read_csv_table

        strain_table = read_csv_table(args.strain_table, {  # the table written by 'symstrain table'
            "T": Column(("T",), label="temperature"), "eta_strain": Column(("eta_strain",), missing_ok=True),
            "eta_strain_su": Column(("eta_strain_su",), required=False, missing_ok=True),
            "branch": Column(("branch",), required=False, kind="text")}).data
    datasets = [read_hkl(f) for f in (args.hkl or [])]
    check_inputs(dmin=args.dmin, top=args.top, radiation=args.radiation, indexing=args.hkl_setting,
                 hkl_data=datasets, temperatures=args.temperatures, strain_table=strain_table)
    parent = read_cif(args.parent, block=args.parent_block, atoms_required=False)
    child = read_cif(args.child, block=args.child_block)
    return parent, child, P, p, sections, datasets, strain_table


def _measured_csv(m):
    """A measured data set as written: σ(I) in the column I_su (empty where unknown)."""
    return m.classified.rename(columns={"sigma": "I_su"})


def run(args):
    from ..csv_output import write_frame
    from ..plots.reflections import plot_eta_series, plot_section, section_name
    from ..reflection_analysis import analyse_reflections
    from . import CommandResult
    from .files import OutputFiles, destination

    if not (args.tol > 0):
        raise SymstrainInputError("--tol", f"must be a positive strain tolerance, got {args.tol:g}")
    out_dir = destination(args.out, "reflections", ["reflections.csv", "sb_strongest.csv", "broken_conditions.csv"])
    parent, child, P, p, sections, datasets, strain_table = _read_inputs(args)
    an = analyse_reflections(parent, child, dmin=args.dmin, P=P, p=p, radiation=args.radiation, hkl_data=datasets,
                             temperatures=args.temperatures, indexing=args.hkl_setting, strain_table=strain_table,
                             strain_table_source=args.strain_table or "strain table", top=args.top, tol=args.tol)
    rc, t = an.classes, an.classes.table
    rad = {"xray": "X-ray", "neutron": "neutron", "electron": "electron"}[an.radiation]
    predicted = UNITS["predicted"].format(unit=an.intensity_unit)
    with OutputFiles(out_dir) as out:
        write_frame(out.path("reflections.csv"), t, predicted, float_format="%.6g")
        write_frame(out.path("sb_strongest.csv"), an.strongest, predicted, float_format="%.6g")
        write_frame(out.path("broken_conditions.csv"), rc.conditions_table(), UNITS["conditions"])
        for u, n in sections:
            plot_section(t, child.cell, out.path(f"section_{_tag(u, n)}_predicted.png"), u, n,
                         title=f"{section_name(u, n)} (child indexing), {rad} predicted from {Path(args.child).name}")
        for i, m in enumerate(an.measured):
            stem = f"{i + 1:02d}-{Path(m.file).stem}"
            write_frame(out.path(f"measured_{stem}.csv"), _measured_csv(m), UNITS["measured"], float_format="%.6g")
            write_frame(out.path(f"measured_{stem}_statistics.csv"), m.statistics, UNITS["statistics"],
                        float_format="%.6g")
            for u, n in sections:
                plot_section(m.classified, child.cell, out.path(f"section_{_tag(u, n)}_measured_{stem}.png"), u, n,
                             title=f"{section_name(u, n)}, measured {Path(m.file).name}")
        if an.series is not None:
            write_frame(out.path("eta_series.csv"), an.series_table(), UNITS["series"], float_format="%.6g")
            plot_eta_series(an.series, out.path("eta_series.png"))
    files = out.written
    return CommandResult(an.to_dict(), an.summary() + "\nFiles: " + ", ".join(files), files,
                         warnings=list(an.warnings))
