"""``symstrain table FILES... | --cells cells.csv``: strain table of a temperature series, with its figures.

With no reference option the reference is chosen from the rows (``paraphase.choose_reference``): the group with
the most symmetry is the paraphase, every other group is related to it, and the baseline goes through its rows
(linear for ≥ 3, a line through 2, that cell for 1). ``--parent CIF``, ``--baseline MODEL --baseline-range
TMIN:TMAX``, ``--baseline-cells CSV`` and ``--no-reference`` replace that choice. Writes into a new folder
(``--out``, default ``./symstrain-table``): ``table.csv`` (one row per structure), ``expansion.csv`` (thermal
expansion of each phase) and the figures ``lattice.png``, ``strain.png``, ``eta.png``, ``expansion.png``.
Files that cannot be read or related are listed one line each and the rest goes on (status "partial", exit 3).
This module also holds the input options and reading shared with ``transitions``; table.csv is written by
:func:`symstrain.csv_output.write_csv`, the rows of ``--json`` by :class:`symstrain.json_output.Rows` (text written
column by column, never 10⁵ dicts). On a table of ≥ :data:`FORK_ROWS` rows, when a CPU is free, the second CPU works
through forked children (:mod:`symstrain.cli.background`, Linux): the thermal expansion while the strain table is
computed, the strain kernel's chunks it takes from a queue shared with this process (``background.split_map``), then
three of the figures while this process writes the CSV files and draws the fourth (and, with ``--json`` to a pipe, makes
the rows' text, ``Rows.spool``) — or, without figures, the second half of table.csv's rows. The same bytes as in one
process; an error of a child is this command's error.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..contract import warning_records
from ..errors import SymstrainInputError, WarningRecord

NAME = "table"
HELP = ("strain table of a temperature series (CIFs or a cell CSV) against the paraphase: table.csv, expansion.csv "
        "and figures in a new folder, --json")
FILES = ("table.csv", "expansion.csv", "lattice.png", "strain.png", "eta.png", "expansion.png")
UNITS = ("# units: T K; a b c Å; alpha beta gamma degrees; volume Å³; strains (e11 … e12, eps13, volume_strain, "
         "e_ss, e_sb, e_nsb, principal1-3) dimensionless; eta, eta2 normalised; *_su: standard uncertainty, empty "
         "when unknown")
EXPANSION_UNITS = ("# units: T_min, T_max, T_ref in K; alpha, alpha_su in MK⁻¹ (10⁻⁶ K⁻¹; axis V: the volume "
                   "coefficient); x, y, z the principal direction (unit vector, Cartesian X ∥ a, Y in the ab plane, "
                   "Z ∥ c* of the phase's basis); u, v, w the same as a lattice direction (largest component 1)")
#: a negative number or a TMIN:TMAX range is a value, not an option (argparse would take "-20:200" for a flag)
_NEGATIVE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-?\d*\.?\d+\s*[:,]\s*-?\d*\.?\d+$")


def add_input_arguments(p):
    """The options that say which structures make the series (shared with ``transitions``)."""
    p._negative_number_matcher = _NEGATIVE
    p.add_argument("files", nargs="*", metavar="CIF", help="CIFs of the series, any order")
    p.add_argument("--cells", metavar="CSV", help="cell table instead of CIFs: T, a, b, c, α, β, γ, s.u.'s, branch, "
                   "label, spacegroup (symbol or number, needed for the automatic paraphase)")
    p.add_argument("--temperatures", metavar="T1,T2,…",
                   help="temperatures (K) overriding the files': one per structure, i.e. per row (a CIF of several "
                        "structure blocks takes one per block, in file order), CIFs in the order positional, "
                        "--heating, --cooling; by default each block's own, else that of the powder-pattern block a "
                        "pdCIF phase block links to")
    p.add_argument("--branch", choices=("heating", "cooling"),
                   help="branch of every CIF (or CSV row without one); default: from the file or block name when it "
                        "says heating/cooling, up/down or warming, else none (such rows are never joined by lines)")
    p.add_argument("--heating", nargs="+", default=[], metavar="CIF", help="CIFs measured on heating")
    p.add_argument("--cooling", nargs="+", default=[], metavar="CIF", help="CIFs measured on cooling")
    p.add_argument("--tol", type=float, default=0.08, help="lattice tolerance of relate (default 0.08)")
    p.add_argument("--no-detect", action="store_true", help="skip spglib space-group detection of each CIF")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def add_arguments(p):
    add_input_arguments(p)
    g = p.add_argument_group("reference (paraphase) cell; default: the paraphase rows of the series")
    g.add_argument("--parent", metavar="CIF", help="parent CIF: one reference cell for every T, and the relations")
    p.add_argument("--parent-block", metavar="NAME", help="data block of the --parent file (default: its first "
                                                          "structure block)")
    g.add_argument("--baseline", choices=("linear", "poly", "salje"),
                   help="fit this baseline to the paraphase rows inside --baseline-range (or to --baseline-cells); "
                        "rows of other groups in the range are left out, each named")
    g.add_argument("--baseline-range", metavar="TMIN:TMAX", help="temperatures (K, ≥ 0) of the rows to fit")
    g.add_argument("--baseline-cells", metavar="CSV", help="fit the baseline to these cells instead")
    g.add_argument("--degree", type=int, default=2, help="degree of --baseline poly (default 2)")
    g.add_argument("--theta-s", type=float, help="fix Θs (K) of --baseline salje (default: fitted)")
    g.add_argument("--no-reference", action="store_true", help="ε13 = ½·cos β only (c0 = c approximation)")
    p.add_argument("--P", dest="P", metavar="BASIS", help="P for every row, e.g. 'b,-a,c' (instead of the relations)")
    p.add_argument("--sb", metavar="COMPONENTS", help="symmetry-breaking components for every row, e.g. 'e13'")
    p.add_argument("--frame", choices=("cstar", "c"), default="cstar",
                   help="Cartesian frame: cstar = X∥a, Z∥c* (default); c = Z∥c, X∥a*")
    p.add_argument("--eta-from", default="auto",
                   help="auto (default: η ∝ e_sb, or η² ∝ e_sb / e_nsb, as the relation couples them) or a column "
                        "normalised into eta")
    p.add_argument("--max-strain", type=float, default=0.1, help="largest |e_ij| before a row is rejected")
    p.add_argument("--out", metavar="DIR", help="new folder for " + ", ".join(FILES)
                   + " (default: ./symstrain-table, -2, … ; never overwrites)")
    p.add_argument("--no-plots", action="store_true", help="do not write the PNG figures")


def temperature_range(text):
    """TMIN:TMAX in K from the command line; refuses T < 0 in one line."""
    from .strain import parse_range

    rng = parse_range(text)
    if rng is not None and rng[0] < 0:
        raise SymstrainInputError("--baseline-range", f"{rng[0]:g} K is below 0 K (temperatures are absolute)")
    return rng


def read_inputs(args, command: str):
    """(cells, phases or None) of the series the options name; every unreadable file listed in
    ``cells.attrs["failed"]``; SymstrainInputError when nothing can be read."""
    from ..series import read_cells_csv, read_series
    from . import progress_bar

    files = list(args.files) + list(args.heating) + list(args.cooling)
    if bool(files) == bool(args.cells):
        raise SymstrainInputError(command, "give either CIF files or --cells CSV (one of the two)")
    if files:
        temps = None
        if args.temperatures:
            try:
                temps = [float(t) for t in args.temperatures.replace(" ", "").split(",") if t]
            except ValueError:
                raise SymstrainInputError("--temperatures", f"{args.temperatures!r} is not a list of numbers") from None
        branches = ([args.branch or ""] * len(args.files) + ["heating"] * len(args.heating)
                    + ["cooling"] * len(args.cooling))
        cells, phases = read_series(files, temps, branches, detect=not args.no_detect,
                                    progress=progress_bar(not args.no_progress and not args.json), tol=args.tol)
    else:
        cells, phases = read_cells_csv(args.cells, branch=args.branch), None
    if len(cells) == 0:
        raise SymstrainInputError(command, "no structure could be read: " + "; ".join(
            f"{f['source']}: {f['problem']}" for f in cells.attrs.get("failed", [])))
    return cells, phases


def n_input_files(args) -> int:
    """The files the series was read from, as given: the CIFs (positional, ``--heating``, ``--cooling``), or the one
    ``--cells`` table (a CIF of several temperature blocks is one file, however many rows it gives)."""
    return 1 if args.cells else len(args.files) + len(args.heating) + len(args.cooling)


def failures(items) -> list[dict]:
    """The failures of a run under the contract (``{"file", "block", "message"}``)."""
    from ..contract import failure

    return [failure(f.get("file") or f["source"], f["problem"], f.get("block")) for f in items]


#: codes of the warnings this command adds itself (the library's keep their own codes)
WARNING_CODES = {
    "p_replaces_relations": "--P given: it replaces the relations' P for every row",
    "sb_replaces_relations": "--sb given: it replaces the relations' symmetry-breaking components",
}


def run(args):
    import numpy as np

    from ..csv_output import write_frame
    from ..paraphase import choose_reference
    from ..series import read_cells_csv
    from . import CommandResult, background, output_dir, refuse_existing
    from .strain import parse_P, parse_sb

    if args.no_reference and (args.parent or args.baseline or args.baseline_cells):
        raise SymstrainInputError("--no-reference", "cannot be combined with --parent or --baseline")
    if args.parent_block and not args.parent:
        raise SymstrainInputError("--parent-block", "names a block of the --parent file: give --parent too")
    if args.parent and (args.baseline or args.baseline_cells):
        raise SymstrainInputError("--parent", "give either --parent or --baseline, not both")
    if args.baseline_cells and not args.baseline:
        args.baseline = "linear"
    T_range = temperature_range(args.baseline_range)
    if args.baseline and T_range is None and not args.baseline_cells:
        raise SymstrainInputError("--baseline", "say which rows are the paraphase: --baseline-range TMIN:TMAX "
                                  "(or give --baseline-cells CSV)")
    P = parse_P(args.P) if args.P is not None else None
    sb = parse_sb(args.sb)
    names = list(FILES[:2]) + ([] if args.no_plots else list(FILES[2:]))
    refuse_existing(args.out, names)
    cells, phases = read_inputs(args, "table")

    choice = None
    if not args.no_reference:
        parent = None
        if args.parent:
            from ..cif import read_cif

            parent = read_cif(args.parent, block=args.parent_block, atoms_required=False)
        bcells = read_cells_csv(args.baseline_cells) if args.baseline_cells else None
        choice = choose_reference(cells, phases, parent=parent, model=args.baseline, T_range=T_range,
                                  baseline_cells=bcells, degree=args.degree, theta_s=args.theta_s, tol=args.tol)
    # a big table, a CPU free: the thermal expansion and the symmetry changes (~0.25 s on 10⁵ rows; they need only the
    # cells and the groups) made by a forked child while this process computes the strain table
    spare = len(cells) >= FORK_ROWS and background.idle_cpu()
    side = background.start(_expansion_and_brackets, cells, None if choice is None else choice.groups, fork=spare)
    with side:
        # the rows' strains made half by a forked child when a CPU is free besides the one of the expansion
        df, notes = _strain_table(args, cells, choice, P, sb, chunk_map=background.split_map if spare else None)
        te, brackets = side.result()
    left_out = {f["source"] for f in df.attrs.get("failed", [])}
    if left_out:  # expansion and symmetry changes from the rows of the table alone (a refused row is no phase of it)
        te, brackets = _expansion_and_brackets(cells[~cells["label"].astype(str).isin(left_out)],
                                               None if choice is None else choice.groups)
    if len(df) == 0:
        raise SymstrainInputError("table", "no row could be computed: " + "; ".join(
            f"{f['source']}: {f['problem']}" for f in df.attrs.get("failed", [])))
    groups = {} if choice is None else choice.groups

    out = output_dir(args.out, "table", names)
    written = [str(out / "table.csv"), str(out / "expansion.csv")]
    baseline = choice.reference if choice is not None and hasattr(choice.reference, "baselines") else None
    # a big table, a CPU free: the figures drawn by a forked child (~1.7 s of CPU on 10⁵ rows) while this process
    # writes the CSV files (~0.9 s), then draws the figures of HERE_AFTER_CSV (the two take about as long) — or, for
    # --json to a pipe, makes the rows' text (~1.5 s) instead, the child drawing all four; else all here, after the
    # CSV files. Without figures the free CPU writes the second half of table.csv's rows instead.
    fork = not args.no_plots and len(df) >= FORK_ROWS and background.idle_cpu()
    spool = args.json and fork and not sys.stdout.isatty()
    here = () if spool or not fork else HERE_AFTER_CSV
    figure_args = (out, df, te, cells, baseline, brackets)
    figures = None if args.no_plots else background.start(
        draw_figures, *figure_args, [f for f in FIGURES if f not in here], fork=fork)
    rows = None
    try:
        write_table_csv(written[0], csv_frame(df), split=args.no_plots and len(df) >= FORK_ROWS
                        and background.idle_cpu())
        write_frame(written[1], te.to_frame(), EXPANSION_UNITS)
        if figures is not None:
            mine = draw_figures(*figure_args, here) if here else []
        if spool:
            rows = json_rows(df, groups)
            rows.spool()
        if figures is not None:
            written += sorted(figures.result() + mine, key=lambda path: FIGURES.index(Path(path).stem))
    finally:
        if figures is not None:
            figures.close()

    failed = failures(df.attrs.get("failed", []))
    warnings = warning_records((list(choice.warnings) if choice is not None else []) + notes
                               + list(df.attrs.get("warnings", [])) + list(te.warnings), "table")
    data = lambda: {  # noqa: E731 — built only for --json
        "n_files": n_input_files(args),
        "n_rows": len(df),
        "reference": ({"mode": "none", "model": "none", "description": df.attrs["reference"]} if choice is None
                      else choice.to_dict()),
        "frame": df.attrs["frame"],
        "frame_description": df.attrs["frame_description"],
        "eps13_definition": df.attrs["eps13_definition"],
        "couplings": df.attrs.get("couplings", {}),
        "results": json_rows(df, groups) if rows is None else rows,
        "failed": failed,
        "expansion": te.to_dict(),
        "transitions": [{"branch": b.branch or None, "T_below": b.T_below, "T_above": b.T_above,
                         "below": b.group_below, "above": b.group_above} for b in brackets],
    }
    text = lambda: text_report(df, choice, te, brackets, failed, written, np)  # noqa: E731 — only without --json
    return CommandResult(data, text, written, warnings=warnings, status="partial" if failed else "ok")


def _strain_table(args, cells, choice, P, sb, chunk_map=None):
    """(the strain table the options ask for, the warnings this command adds to it)."""
    from ..series import strain_table

    notes = []
    common = dict(frame=args.frame, eta_from=args.eta_from, max_strain=args.max_strain, chunk_map=chunk_map)
    if choice is None:
        df = strain_table(cells, None, **common)
    elif P is not None:
        notes.append(WarningRecord("p_replaces_relations", "--P", "--P given: it replaces the relations' P for "
                                   "every row"))
        df = strain_table(cells, choice.reference, P=P, sb_components=sb, **common)
    else:
        if sb is not None:
            notes.append(WarningRecord("sb_replaces_relations", "--sb", "--sb given: it replaces the relations' "
                                       "symmetry-breaking components"))
        df = strain_table(cells, choice, sb_components=sb, **common)
    return df, notes


def _expansion_and_brackets(cells, groups):
    """(thermal expansion of each phase, symmetry changes of each branch) of the cell table."""
    from ..expansion import thermal_expansion
    from ..transitions import find_brackets

    return thermal_expansion(cells, groups=groups), find_brackets(cells)


def write_table_csv(path, frame, split: bool = False) -> None:
    """table.csv: the units line, then ``frame`` as :func:`~symstrain.csv_output.write_csv` writes it. ``split``
    (a big table, a CPU free, Linux): a forked child writes the second half of the rows to a hidden part file in the
    same folder while this process writes the first half; the part is then appended by the kernel
    (``os.copy_file_range``) and removed — the same bytes as in one process."""
    import os
    import shutil

    from ..csv_output import write_csv
    from . import background

    half = len(frame) // 2 if split and background.FORK else len(frame)
    part = Path(path).with_name(f".{Path(path).name}.part")
    second = background.start(_write_rows, frame.iloc[half:], str(part), fork=True) if half < len(frame) else None
    try:
        with open(path, "wb") as fh:  # UTF-8 bytes: the rows are made as bytes (csv_output)
            fh.write((UNITS + "\n").encode())
            write_csv(frame.iloc[:half], fh)
            if second is not None:
                second.result()
                fh.flush()
                start = fh.tell()
                with open(part, "rb") as src:
                    try:
                        size = os.fstat(src.fileno()).st_size
                        while size > 0:
                            done = os.copy_file_range(src.fileno(), fh.fileno(), size)
                            if done == 0:
                                break
                            size -= done
                        if size:
                            raise OSError("short copy")
                    except (AttributeError, OSError):  # no copy_file_range here (or it stopped): copied through
                        # this process, from where the part begins (what a copy that stopped wrote is cut off)
                        fh.seek(start)
                        fh.truncate()
                        src.seek(0)
                        shutil.copyfileobj(src, fh, 1 << 22)
    finally:
        if second is not None:
            second.close()
            part.unlink(missing_ok=True)


def _write_rows(frame, path) -> None:
    """The rows of ``frame`` without a header line, written to ``path`` (the second part of table.csv)."""
    from ..csv_output import write_csv

    with open(path, "wb") as fh:
        write_csv(frame, fh, header=False)


# ------------------------------------------------------------------------------------------------ output

#: a table of at least this many rows has its figures drawn by a forked child while table.csv is written, when a
#: CPU is free (:mod:`symstrain.cli.background`); a smaller one's CSV takes milliseconds: drawn here, after it. (The text of
#: table.csv or of the JSON rows made half in a child did not pay on the 2-core machine: each half took as long as
#: the whole, and the copy of the child's text cost the rest.)
FORK_ROWS = 5000


#: the figures of the table, each written to ``<name>.png``
FIGURES = ("lattice", "strain", "eta", "expansion")
#: the figures this process draws after table.csv while a forked child draws the others (10⁵ rows: the child's three
#: ~1.2 s with matplotlib's import, table.csv and eta.png here ~1.3 s)
HERE_AFTER_CSV = ("eta",)


def draw_figures(out, df, te, cells, baseline, brackets, which=FIGURES) -> list[str]:
    """The figures ``which`` (default all four, :data:`FIGURES`) of the table in the folder ``out``; their paths."""
    from ..plots.strain import plot_eta, plot_expansion, plot_lattice, plot_strain

    draw = {"lattice": lambda path: plot_lattice(df, path, baseline, brackets=brackets),
            "strain": lambda path: plot_strain(df, path, brackets=brackets),
            "eta": lambda path: plot_eta(df, path, brackets=brackets),
            "expansion": lambda path: plot_expansion(te, cells, path, brackets=brackets)}
    return [draw[name](out / f"{name}.png") for name in FIGURES if name in which]


def csv_frame(df):
    """The table as written to table.csv: contract column names (``x``, ``x_su``), no internal columns."""
    ren = {"V": "volume", "V_su": "volume_su", "vs": "volume_strain", "vs_su": "volume_strain_su",
           "eta_strain": "eta", "eta_strain_su": "eta_su", "eta2_strain": "eta2", "eta2_strain_su": "eta2_su",
           "ref_V": "ref_volume", "ref_V_su": "ref_volume_su"}
    return df.drop(columns=[c for c in ("label", "has_su") if c in df]).rename(columns=ren)


def _spacegroup(key, number, groups):
    from ..contract import spacegroup
    from ..paraphase import group_from_symbol

    if not key or not number:
        return None
    return spacegroup(groups[key] if key in groups else group_from_symbol(key))


def json_rows(df, groups):
    """Rows under the contract (a :class:`~symstrain.json_output.Rows`, written as text without building 10⁵ dicts;
    ``.to_list()`` gives the objects): T, cell and strains as quantities (null where not finite), the space group
    as an object; each distinct text of a column converted once."""
    import numpy as np

    from ..json_output import Arr, Obj, Rows, Values, quantity
    from ..phase import CELL_NAMES
    from ..strain_math import COMPONENTS

    n = len(df)

    def column(name):
        return df[name].to_numpy(dtype=float) if name in df else None

    def q(name):
        return quantity(column(name), column(f"{name}_su"), n)

    def texts(name, fn=None):
        """The column's values (None where missing), or ``fn`` of each value as stored; once per distinct value
        (the column factorized by pandas: the rows carry codes, never 10⁵ Python values)."""
        codes, uniques = df[name].factorize(use_na_sentinel=False)
        items = [(None if v is None or (isinstance(v, float) and v != v) else v) if fn is None else fn(v)
                 for v in uniques.tolist()]
        return Values(items, codes)

    names = list(CELL_NAMES) + ["volume"]
    cell = Obj({k: q(c) for k, c in zip(names, list(CELL_NAMES) + ["V"])})
    ref_a = column(f"ref_{CELL_NAMES[0]}")
    ref = Obj({k: q(c) for k, c in zip(names, [f"ref_{c}" for c in CELL_NAMES] + ["ref_V"])},
              null=np.ones(n, bool) if ref_a is None else ~np.isfinite(ref_a))
    sg_codes, sg_keys = df["spacegroup"].factorize(use_na_sentinel=False)  # the group of each (symbol, number)
    num_codes, num_keys = df["sg_number"].factorize(use_na_sentinel=False)
    width = max(len(num_keys), 1)
    pairs, sg_of = np.unique(sg_codes.astype(np.int64) * width + num_codes, return_inverse=True)
    sg_keys, num_keys = sg_keys.tolist(), num_keys.tolist()
    sgs = Values([_spacegroup(sg_keys[k // width], num_keys[k % width], groups) for k in pairs.tolist()],
                 sg_of.ravel())
    return Rows(n, {
        "file": texts("file"), "block": texts("block"), "T": q("T"), "branch": _or_none(texts("branch")),
        "spacegroup": sgs, "spacegroup_detected": texts("sg_detected", _detected),
        "relation": _or_none(texts("relation")), "cell": cell, "reference_cell": ref,
        "reference_kind": texts("reference_kind"), "strain": Obj({c: q(c) for c in COMPONENTS}),
        "zero_by_symmetry": texts("zero_by_symmetry", lambda z: str(z).split()), "eps13": q("eps13"),
        "volume_strain": q("vs"), "e_ss": q("e_ss"), "e_sb": q("e_sb"), "e_nsb": q("e_nsb"),
        "principal": Arr((q("principal1"), q("principal2"), q("principal3"))), "eta": q("eta_strain"),
        "eta2": q("eta2_strain"), "coupling": _or_none(texts("coupling")),
        "has_su": Values([False, True], df["has_su"].to_numpy(dtype=bool).astype(np.intp)),
    })


def _or_none(values):
    """``v or None`` of each value (an empty text is no value)."""
    from ..json_output import Values

    return Values([v or None for v in values.items], values.codes)


#: the text output lists every row of a table up to this many, else the first and last half of it (the CSV has all)
MAX_TEXT_ROWS = 40


def text_report(df, choice, te, brackets, failed, written, np) -> str:
    from ..notation import format_su
    from ..paraphase import OVERRIDES, refusal
    from ..plots.strain import short_symbol, strain_panels

    lines = []
    if choice is None:
        lines.append(f"reference: {df.attrs['reference']}")
    else:
        lines.append(choice.describe())
        for key, why in choice.refuted.items():
            lines.append(f"  {refusal(key, choice.paraphase, why)}")
        if choice.mode == "auto":
            lines.append(f"  (override with {OVERRIDES})")
        if hasattr(choice.reference, "baselines"):
            for name, b in choice.reference.baselines.items():
                p = name.split(": ")[-1]
                if b.model == "linear":
                    (c0, c1), (s0, s1) = b.params, b.param_su
                    lines.append(f"  {p}(T) = {format_su(c0, s0)} Å {'−' if c1 < 0 else '+'} {format_su(abs(c1), s1)} Å/K"
                                 f" · (T − {b.T_ref:g} K)"
                                 .replace(" Å", "" if p in ("alpha", "beta", "gamma") else " Å"))
                else:
                    ps = ", ".join(f"{n}={format_su(v, s)}" for n, v, s in zip(b.param_names, b.params, b.param_su))
                    lines.append(f"  {b.formula()}  [{ps}]")
            for p, v in choice.reference.constants.items():
                lines.append(f"  {p} = {v:g} at every T")
    lines.append(f"strain table: {len(df)} rows; frame {df.attrs['frame']} ({df.attrs['frame_description']})")
    for c, d in df.attrs.get("couplings", {}).items():
        lines.append(f"  η: {c}: {d}")
    comps = [c for c, _ in strain_panels(df) if c not in ("vs",)]
    if not comps and "eps13" in df:  # (without a reference ε13 is all there is: shown, also where it is 0)
        comps = ["eps13"]
    cols = comps + ["vs", "e_sb", "e_nsb", "eta_strain", "eta2_strain"]
    head = {"vs": "vs", "eta_strain": "η", "eta2_strain": "η²"}
    lines.append(f"{'T/K':>8} {'branch':8} {'group':10} " + " ".join(f"{head.get(c, c):>14}" for c in cols))
    # column arrays, not iterrows (10⁴ rows: a Series per row cost seconds)
    n = len(df)
    n_shown = n if n <= MAX_TEXT_ROWS else MAX_TEXT_ROWS // 2
    shown = list(range(n_shown)) + list(range(max(n - n_shown, n_shown), n))  # only the rows printed are visited
    rows = df.iloc[shown]  # (their texts converted alone: 10⁵ rows of text columns made objects cost ~12 ms)
    vals = {c: df[c].to_numpy() if c in df else np.full(n, None) for c in cols}
    sus = {c: df[f"{c}_su"].to_numpy() if f"{c}_su" in df else np.full(n, None) for c in cols}
    zeros = dict(zip(shown, rows["zero_by_symmetry"].astype(str).tolist() if "zero_by_symmetry" in df else
                     [""] * len(shown)))
    Ts, brs = (dict(zip(shown, rows[c].tolist())) for c in ("T", "branch"))
    gs = dict(zip(shown, rows["spacegroup"].astype(str).tolist()))
    groups = {g: short_symbol(g)[:10] for g in set(gs.values())}
    for k in shown:
        T, br, g = Ts[k], brs[k], gs[k]
        if k == n - n_shown and n_shown < n - n_shown:
            lines.append(f"{'…':>8} {n - 2 * n_shown} more rows: every row is in table.csv")
        zero = set(zeros[k].split())
        cells = []
        for c in cols:
            v, s = vals[c][k], sus[c][k]
            exact = c in zero or (v == 0 and s == 0)
            cells.append(f"{'0' if exact else format_su(v, s):>14}")
        lines.append(f"{T:8.2f} {br or '-':8} {groups[g]:10} " + " ".join(cells))
    for b in brackets:
        lines.append(f"symmetry change ({b.branch or 'no branch'}): {short_symbol(b.group_below)} at {b.T_below:g} K → "
                     f"{short_symbol(b.group_above)} at {b.T_above:g} K")
    for ph in te.phases:
        su = lambda x: "" if not np.isfinite(x) else f" ± {x:.2g}"  # noqa: E731
        lines.append(f"thermal expansion {short_symbol(ph.group) or 'rows'} ({ph.n} rows, {ph.T_min:g}–{ph.T_max:g} K,"
                     f" {ph.fit}): α1,2,3 = " + ", ".join(f"{a:.3g}{su(s)}" for a, s in zip(ph.alpha, ph.alpha_su))
                     + f"; αV = {ph.alpha_V:.3g}{su(ph.alpha_V_su)} MK⁻¹")
    for f in failed:
        lines.append(f"failed: {f['file']}{':' + f['block'] if f.get('block') and f['block'] not in f['file'] else ''}: "
                     f"{f['message']}")
    lines.append("wrote: " + ", ".join(written))
    return "\n".join(lines)


def _detected(text) -> dict | None:
    """The SpaceGroup object of a detected group written "Pna2_1 (33)" in the cell table (the CSV keeps the text)."""
    import re

    from ..contract import spacegroup_from_number

    m = re.search(r"\((\d+)\)\s*$", str(text or ""))
    return spacegroup_from_number(int(m.group(1))) if m else None
