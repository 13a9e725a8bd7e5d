"""``symstrain scan PATHS... --catalogue FILE``: every data block of every CIF under the paths into a catalogue
(a DuckDB file, see ``symstrain/catalogue.py``), resumable, on local processes or a Dask cluster.

Every block gives a row, failures included (status "partial", exit 3, each failure listed); a rerun skips what
the catalogue already holds, so an interrupted scan is completed by running the same command again, and the
failures earlier scans left for these files are listed again (status "partial", exit 3, as the first time).
"""

NAME = "scan"
HELP = ("read every block of every CIF under PATHS into a catalogue (DuckDB file): formula, Z, cell, Niggli cell, "
        "declared and detected group, T, pressure, radiation, warnings, failures; resumable; --jobs, --dask")


def add_arguments(p):
    p.add_argument("paths", nargs="+", metavar="PATH", help="CIF files, or folders searched for *.cif")
    p.add_argument("--catalogue", required=True, metavar="FILE",
                   help="the catalogue, a DuckDB file (created if absent, completed if present), e.g. cat.duckdb")
    add_parallel_arguments(p)
    p.add_argument("--symprec", type=float, default=0.01, help="spglib tolerance (Å) of the detected group (0.01)")
    p.add_argument("--batch-rows", type=int, default=200,
                   help="rows per committed batch (default 200; an interruption loses at most one batch)")


def add_parallel_arguments(p):
    """--jobs, --dask and --no-progress, shared by scan, pairs and info."""
    p.add_argument("--jobs", type=int, default=None,
                   help="local worker processes (default 1); with --dask local: the number of Dask workers "
                        "(default: every core)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on Dask: 'local' (a LocalCluster on this machine) or the "
                   "address of a running scheduler, e.g. tcp://10.0.0.1:8786 (workers must see the same files)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def progress_callback(args, total: int, desc: str):
    """A tqdm bar on stderr (silent when stderr is not a terminal) as ``(update, close)``, or Nones."""
    if args.no_progress or total == 0:
        return None, lambda: None
    import sys

    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, file=sys.stderr, disable=None, leave=False, unit="file")
    return bar.update, bar.close


def check_parallel(args):
    from ..errors import SymstrainInputError

    if args.jobs is not None and args.jobs < 1:
        raise SymstrainInputError("--jobs", f"must be at least 1, got {args.jobs}")


def run(args):
    from pathlib import Path

    from ..catalogue import scan
    from ..contract import failure, quantity, spacegroup_from_number, warning_records
    from ..errors import SymstrainInputError
    from . import CommandResult

    check_parallel(args)
    if args.batch_rows < 1:
        raise SymstrainInputError("--batch-rows", f"must be at least 1, got {args.batch_rows}")
    bar = {}

    def on_total(n):
        if n == 0 and not Path(args.catalogue).is_file():  # (a rescan of an emptied folder removes its rows: sweep 32)
            raise SymstrainInputError(args.paths[0], "no CIF file (*.cif) found")
        bar["update"], bar["close"] = progress_callback(args, n, "scan")

    try:
        res = scan(args.paths, args.catalogue, jobs=args.jobs, dask=args.dask, symprec=args.symprec,
                   batch_rows=args.batch_rows, on_total=on_total, progress=lambda n: bar["update"] and bar["update"](n))
    finally:
        if bar:
            bar["close"]()
    results, failed = [], []
    for r in res.added:
        declared = None
        if r["declared_number"] is not None:
            declared = {"number": r["declared_number"], "symbol": r["declared_symbol"], "hall": r["declared_hall"],
                        "setting": r["declared_setting"], "standard_setting": bool(r["declared_standard_setting"])}
        results.append({"file": r["file"], "block": r["block"], "sha1": r["sha1"], "status": r["status"],
                        "formula": r["formula"], "volume_per_formula_unit": r["volume_per_formula_unit"],
                        "T": quantity(r["T"], r["T_su"]), "pressure": r["pressure"], "declared_group": declared,
                        "detected_group": spacegroup_from_number(r["detected_number"]), "failure": r["failure"],
                        "warnings": [w.to_dict() for w in warning_records(r["warnings"] or [], source=r["file"])]})
        if r["status"] == "failed":
            failed.append(failure(r["file"], r["failure"], r["block"]))
    n_now = len(failed)
    # a rerun skips the blocks an earlier scan failed on: they are failures of these paths still (sweep 12: a resumed
    # scan said "ok" over a catalogue holding 3 failed rows of them)
    failed += [failure(f, f"(failed in an earlier scan; still in the catalogue) {why}", b)
               for f, b, why in res.earlier_failed]
    data = {"catalogue": res.catalogue, "n_files": res.n_files, "n_unchanged": res.n_unchanged,
            "n_blocks": res.n_blocks, "n_added": res.n_added, "n_known": res.n_known, "n_failed": len(failed),
            "n_rows": res.n_rows, "n_removed": len(res.removed), "removed": list(res.removed),
            "missing_paths": list(res.missing_paths), "results": results,
            "failed": failed}
    n_not = sum(1 for r in results if r["status"] == "not_structure")
    lines = [f"catalogue {res.catalogue}: {res.n_rows} rows",
             f"{res.n_files} files: {res.n_unchanged} unchanged since the last scan, {res.n_files - res.n_unchanged} "
             f"read; {res.n_blocks} blocks: {res.n_added} added ({n_now} failed, {n_not} not structures), "
             f"{res.n_known} already in the catalogue"
             + (f"; {len(res.earlier_failed)} block(s) of these files failed in an earlier scan" if res.earlier_failed
                else "")]
    if res.missing_paths:
        lines.append(f"{len(res.missing_paths)} path(s) scanned before no longer exist and give no file (scan them again "
                     "when they are back): " + ", ".join(res.missing_paths[:5])
                     + (", …" if len(res.missing_paths) > 5 else ""))
    if res.removed:
        lines.append(f"{len(res.removed)} file(s) no longer found under these paths (gone, or no longer reached through "
                     f"a link); their rows were removed: "
                     + ", ".join(res.removed[:5]) + (", …" if len(res.removed) > 5 else ""))
    lines += [f"failed: {f['file']}{':' + f['block'] if f['block'] else ''}: {f['message']}" for f in failed]
    # each row's warnings are in its result and in the catalogue, not repeated in the envelope
    return CommandResult(data, "\n".join(lines), [res.catalogue], status="partial" if failed else "ok")
