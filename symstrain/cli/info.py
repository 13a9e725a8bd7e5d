"""``symstrain info FILE...``: what a CIF holds — cell, declared and detected space group, atoms, temperature,
warnings. With several files it is a batch: one summary row per file, failed files reported and skipped, an
optional CSV table, ``--jobs`` worker processes for large collections."""

NAME = "info"
HELP = ("summarise structures: cell with s.u.'s, declared vs detected space group (tolerance ladder), atoms, "
        "warnings; several files make a batch (failures reported, the rest goes on)")


def add_arguments(p):
    p.add_argument("files", nargs="+", metavar="FILE", help="CIF file(s)")
    p.add_argument("--block", help="data block name (default: the first block with a cell and atoms)")
    p.add_argument("--symprec", type=float, default=0.01,
                   help="spglib tolerance in Å for the detected group (default 0.01); the ladder is always reported")
    p.add_argument("--csv", metavar="FILE", help="batch: write the summary table to this CSV (a new file)")
    p.add_argument("--jobs", type=int, default=1, help="batch: worker processes (default 1)")


def _fmt(value, su, digits=5):
    from ..notation import format_su

    return format_su(value, su, digits)


def run(args):
    from ..errors import SymstrainInputError
    from . import CommandResult

    if not args.symprec > 0:
        raise SymstrainInputError("--symprec", f"must be a positive tolerance in Å, got {args.symprec:g}")
    if len(args.files) == 1 and not args.csv:
        data, text = info_one(args.files[0], args.block, args.symprec)
        return CommandResult(data, text)
    return _batch(args, CommandResult)


def _row(data: dict) -> dict:
    """The batch-table row of one file's info document."""
    c = data["cell"]
    return {"file": data["file"], "block": data["block"], "T": data["temperature"]["value"],
            **{k: c[k] for k in ("a", "b", "c", "alpha", "beta", "gamma")}, "V": data["volume"],
            "declared_number": data["declared_group"]["number"], "declared_symbol": data["declared_group"]["symbol"],
            "detected_number": data["detected_group"]["number"], "detected_symbol": data["detected_group"]["symbol"],
            "differs": data["differs_from_declared"], "atoms_asym": data["atoms"]["asymmetric_unit"],
            "atoms_cell": data["atoms"]["cell"], "n_warnings": len(data["warnings"])}


def _safe_info(job):
    """One file for the batch, in a worker: (data, None) or (None, one-line error)."""
    from ..errors import SymstrainInputError

    path, block, symprec = job
    try:
        return info_one(path, block, symprec)[0], None
    except SymstrainInputError as exc:
        return None, f"{exc.source}: {exc.problem}"
    except Exception as exc:  # a bug must not stop a batch of thousands: report it as that file's failure
        return None, f"{path}: internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"


def _batch(args, CommandResult):
    from pathlib import Path

    import pandas as pd

    from ..errors import SymstrainInputError
    from . import progress_bar

    if args.jobs < 1:
        raise SymstrainInputError("--jobs", f"must be at least 1, got {args.jobs}")
    if args.csv and Path(args.csv).exists():
        raise SymstrainInputError(args.csv, "exists; refusing to overwrite it (choose another --csv)")
    jobs = [(f, args.block, args.symprec) for f in args.files]
    bar = progress_bar(not args.json)
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            it = pool.map(_safe_info, jobs, chunksize=max(1, len(jobs) // (8 * args.jobs)))
            results = list(bar(it, total=len(jobs), desc="info") if bar else it)
    else:
        results = [_safe_info(j) for j in (bar(jobs, desc="info") if bar else jobs)]
    docs = [d for d, _ in results if d is not None]
    failed = [{"file": j[0], "error": e} for j, (_, e) in zip(jobs, results) if e is not None]
    if not docs:
        raise SymstrainInputError(args.files[0], f"no file could be read ({len(failed)} failed; first: "
                                                 f"{failed[0]['error']})")
    table = pd.DataFrame([_row(d) for d in docs])
    files = []
    if args.csv:
        table.to_csv(args.csv, index=False)
        files.append(str(args.csv))
    lines = [f"{r.file}: {r.declared_symbol} ({r.declared_number}) declared, "
             f"{r.detected_symbol} ({r.detected_number}) detected{' ** differs **' if r.differs else ''}; "
             f"T = {r.T if r.T == r.T and r.T is not None else '?'} K; {r.atoms_cell} atoms in the cell"
             for r in table.itertuples()]
    lines += [f"FAILED {f['error']}" for f in failed]
    lines.append(f"{len(docs)} read, {len(failed)} failed" + (f"; table in {args.csv}" if args.csv else ""))
    data = {"n_files": len(jobs), "n_read": len(docs), "n_failed": len(failed), "results": docs, "failed": failed}
    return CommandResult(data, "\n".join(lines), files)


def info_one(path, block, symprec):
    """The info document (dict) and the text summary of one file."""
    from ..cif import list_blocks, read_cif
    from ..detect import detect_symmetry
    from ..expand import expand_to_cell
    from ..neighbours import close_contacts

    phase = read_cif(path, block=block)
    blocks = list_blocks(path)
    report = detect_symmetry(phase, symprec=symprec)
    frac_all, _, _, _ = expand_to_cell(phase, include_zero_occupancy=True)
    contacts = close_contacts(phase)
    contact_warnings = [
        f"impossible contact {a}–{b} {d:.2f} Å ({kind}: below {lim:.2f} Å)" for a, b, d, lim, kind in contacts
    ]
    cell = phase.cell
    sg = phase.spacegroup
    n_zero = sum(1 for a in phase.atoms if a.occupancy <= 0)
    elements: dict[str, int] = {}
    for a in phase.atoms:
        elements[a.element] = elements.get(a.element, 0) + 1

    data = {
        "file": str(path),
        "block": phase.block,
        "blocks": blocks,
        "formula": phase.formula,
        "Z": phase.z,
        "temperature": {"value": phase.temperature, "su": phase.temperature_su, "source": phase.temperature_source,
                        "unit": "K"},
        "cell": cell.to_dict(),
        "volume": cell.volume,
        "volume_su": cell.volume_su,
        "declared_group": sg.to_dict(),
        "detected_group": {"symprec": report.symprec, "number": report.number, "symbol": report.symbol},
        "ladder": [{"symprec": t, "number": n, "symbol": s} for t, n, s in report.ladder],
        "differs_from_declared": report.differs_from_declared,
        "detection": report.to_dict(),
        "atoms": {
            "asymmetric_unit": len(phase.atoms),
            "cell": int(len(frac_all)),
            "cell_used_for_detection": report.n_atoms_cell,
            "zero_occupancy_sites": n_zero,
            "partially_occupied_sites": sum(1 for a in phase.atoms if 0 < a.occupancy < 1),
            "disorder_groups": sorted({a.disorder_group for a in phase.atoms if a.disorder_group}),
            "elements": elements,
        },
        "contacts": [{"site_1": a, "site_2": b, "distance": d, "limit": lim, "kind": kind}
                     for a, b, d, lim, kind in contacts],
        "warnings": list(phase.warnings) + contact_warnings,
        "detection_notes": list(report.notes),
    }

    lines = [f"{path}  (block {phase.block}; {len(blocks)} block(s) in file)"]
    if phase.formula:
        lines.append(f"  formula      {phase.formula}" + (f"   Z = {phase.z:g}" if phase.z is not None else ""))
    if phase.temperature is not None:
        lines.append(f"  temperature  {_fmt(phase.temperature, phase.temperature_su)} K  ({phase.temperature_source})")
    else:
        lines.append("  temperature  not given")
    names = ("a", "b", "c", "alpha", "beta", "gamma")
    parts = [f"{n}={_fmt(v, s, 6)}" for n, v, s in zip(names, cell.params, cell.su)]
    lines.append("  cell         " + "  ".join(parts[:3]) + " Å")
    lines.append("               " + "  ".join(parts[3:]) + " °")
    lines.append(f"  volume       {_fmt(cell.volume, cell.volume_su, 7)} Å³"
                 + ("" if cell.has_su else "  (no s.u.'s in the file)"))
    lines.append(f"  declared     {sg.hm} ({sg.number}), {sg.order} operations, from {sg.source}; setting {sg.setting}")
    det = f"{report.symbol} ({report.number})" if report.number else "not found"
    flag = "  ** differs from declared **" if report.differs_from_declared else ""
    lines.append(f"  detected     {det} at symprec {report.symprec:g} Å{flag}")
    lines.append("  ladder       " + ", ".join(f"{t:g}: {s or '-'}" for t, _, s in report.ladder))
    lines.append(f"  atoms        {len(phase.atoms)} in the asymmetric unit, {len(frac_all)} in the cell"
                 + (f" ({n_zero} zero-occupancy site(s))" if n_zero else ""))
    for w in list(phase.warnings) + contact_warnings:
        lines.append(f"  warning: {w}")
    for n in report.notes:
        lines.append(f"  note: {n}")
    return data, "\n".join(lines)
