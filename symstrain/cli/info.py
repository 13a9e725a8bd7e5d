"""``symstrain info FILE...``: what a CIF holds — cell, declared and detected space group, atoms, temperature,
warnings (:func:`symstrain.structure_info.info_batch`).

Always a batch, also for one file: ``--json`` gives ``{"results": [...], "failed": [...], "n_files", ...}``; a
file that cannot be read is listed with its reason and the others go on. Exit status 0 when every file was read,
3 ("partial") when some failed, 2 when none could be read (then the one line names the file and the problem).
Many files run on ``--jobs N`` local worker processes or on Dask (``--dask local`` or a scheduler address), as for
``scan``, with the same answers whichever runs them (``symstrain/parallel.py``).
"""

NAME = "info"
HELP = ("summarise structures: cell with s.u.'s, declared vs detected space group (tolerance ladder), atoms, "
        "warnings. Always a batch: a file that fails is listed with its reason and the rest goes on; exit 0 when "
        "every file was read, 3 when some failed, 2 when none could be read")


def add_arguments(p):
    from .scan import add_parallel_arguments

    p.add_argument("files", nargs="+", metavar="FILE", help="CIF file(s)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--block", help="data block name (default: the first block with a cell and atoms)")
    which.add_argument("--all-blocks", action="store_true",
                       help="every structure block of each file (a variable-temperature deposit holds one per "
                            "temperature): one result per block; a block that cannot be read is listed as failed")
    p.add_argument("--symprec", type=float, default=0.01,
                   help="spglib tolerance in Å for the detected group (default 0.01); the ladder is always reported")
    p.add_argument("--csv", metavar="FILE", help="write the summary table (one row per file read) to this new CSV")
    p.add_argument("--no-detect-limit", action="store_true",
                   help="run spglib on any structure (by default not where atoms × atoms of the rarest species "
                        "exceed 25 million, e.g. a protein: minutes per file; the warning detection_not_run says so)")
    add_parallel_arguments(p)


def run(args):
    import math
    from pathlib import Path

    from ..csv_output import write_frame
    from ..errors import SymstrainInputError, WarningRecord
    from ..parallel import Failure
    from ..structure_info import TABLE_UNITS, InfoBatch, info, info_batch, info_blocks
    from . import CommandResult, progress_bar
    from .files import write_atomically
    from .scan import check_parallel

    if not (args.symprec > 0 and math.isfinite(args.symprec)):
        raise SymstrainInputError("--symprec", f"must be a positive tolerance in Å, got {args.symprec:g}")
    check_parallel(args)
    if args.csv:
        csv = Path(args.csv)
        if csv.exists():
            raise SymstrainInputError(args.csv, "exists; refusing to overwrite it (choose another --csv)")
        if not csv.parent.is_dir():
            raise SymstrainInputError(args.csv, f"folder {csv.parent} does not exist")
    if len(args.files) == 1 and args.all_blocks:  # its error, if any, is the command's (exit 2, or 70 for a bug)
        results, failed = info_blocks(args.files[0], args.symprec, not args.no_detect_limit)
        batch = InfoBatch(results, tuple(Failure(args.files[0], *f) for f in failed), 1)
    elif len(args.files) == 1:
        batch = InfoBatch((info(args.files[0], args.block, args.symprec, not args.no_detect_limit),), (), 1)
    else:
        batch = info_batch(args.files, args.block, args.symprec, jobs=args.jobs, dask=args.dask,
                           progress=progress_bar(not (args.json or args.no_progress)),
                           detect_limit=not args.no_detect_limit, encode=args.json, fork=True,
                           all_blocks=args.all_blocks)
    if not batch.results:
        what = "no structure block" if args.all_blocks and len(args.files) == 1 else "no file"
        raise SymstrainInputError(args.files[0], f"{what} could be read ({len(batch.failed)} failed; first: "
                                                 f"{batch.failed[0].message})")
    files = []
    if args.csv:
        files.append(write_atomically(args.csv, lambda tmp: write_frame(tmp, batch.table(), TABLE_UNITS)))
    warnings = batch.warnings
    if batch.n_files == 1:  # (every structure block of it with --all-blocks)
        text = "\n\n".join([r.summary() for r in batch.results]
                             + [f"FAILED block {f.block}: {f.message}" for f in batch.failed])
    else:  # many files: each warning says which file it concerns
        warnings = [WarningRecord(w.code, w.source, f"{Path(w.source).name}: {w.message}") for w in warnings]
        lines = [r.line() for r in batch.results] + [f"FAILED {f.message}" for f in batch.failed]
        lines.append(f"{len(batch.results)} read, {len(batch.failed)} failed"
                     + (f"; table in {args.csv}" if args.csv else ""))
        text = "\n".join(lines)
    # --json: each result's text was made by the worker that read the file (written as it is: json_output.RawJSON)
    return CommandResult(batch.to_dict(encoded=args.json), text, files, warnings=warnings,
                         status="partial" if batch.failed else "ok")
