"""``symstrain pairs --catalogue FILE``: every group–subgroup pair and every temperature series among the entries
of a catalogue made by ``symstrain scan`` (``symstrain/corpus_pairs.py`` says how entries are grouped and which
pairs are tried).

The verified pairs, the refuted candidates (with the reason) and the series are written into the catalogue as
the tables ``pairs``, ``refuted`` and ``series`` (replaced at each run) and printed; each series comes with its
``symstrain table`` command line. A candidate that could not be tested (a file changed since the scan) is a
failure: status "partial", exit 3.
"""

import shlex  # (the series' command lines printed for a shell: a path with a space or a '$(' stays one argument)

NAME = "pairs"
HELP = ("find group–subgroup pairs and temperature series in a catalogue made by 'scan': index, type, (P, p), "
        "Aizu species, strain summary, symmetry-breaking reflection counts; --jobs, --dask")


def add_arguments(p):
    from .scan import add_parallel_arguments

    p.add_argument("--catalogue", required=True, metavar="FILE", help="the catalogue (DuckDB file) made by scan")
    p.add_argument("--volume-tol", type=float, default=0.08,
                   help="relative tolerance on the volume per formula unit within one compound (default 0.08)")
    p.add_argument("--tol", type=float, default=0.08, help="lattice tolerance of relate (finite strain, default 0.08)")
    p.add_argument("--dmin", type=float, default=1.0, help="d-spacing (Å) down to which reflections are counted (1.0)")
    add_parallel_arguments(p)


def _name(s) -> str:
    from pathlib import Path

    t = s["T"]["value"]
    return (f"{Path(s['file']).name}{'' if Path(s['file']).stem == s['block'] else ':' + s['block']} "
            f"({s['spacegroup']['symbol']}, {'T ?' if t is None else f'{t:g} K'})")


def run(args):
    from ..catalogue import Catalogue
    from ..corpus_pairs import find_pairs, tables
    from ..notation import format_su
    from . import CommandResult
    from .scan import check_parallel, progress_callback

    check_parallel(args)
    bar = {}

    def on_total(n):
        bar["update"], bar["close"] = progress_callback(args, n, "pairs")

    with Catalogue(args.catalogue, create=False) as cat:
        rows = cat.rows()
        try:
            res = find_pairs(rows, volume_tol=args.volume_tol, tol=args.tol, dmin=args.dmin, jobs=args.jobs,
                             dask=args.dask, on_total=on_total, progress=lambda n: bar["update"] and bar["update"](n))
        finally:
            if bar:
                bar["close"]()
        cat.replace_tables(tables(res))
    data = {"catalogue": str(args.catalogue), "n_files": int(rows["file"].nunique()) if len(rows) else 0,
            "n_entries": res.n_entries, "n_compounds": res.n_compounds, "n_candidates": res.n_candidates,
            "volume_tol": res.volume_tol, "tol": res.tol, "dmin": res.dmin, "n_pairs": len(res.pairs),
            "n_refuted": len(res.refuted), "results": res.pairs, "refuted": res.refuted, "series": res.series,
            "failed": res.failed}
    lines = [f"catalogue {args.catalogue}: {res.n_entries} entries in {res.n_compounds} compounds "
             f"(volume per formula unit within {res.volume_tol:g}); {res.n_candidates} candidate pairs: "
             f"{len(res.pairs)} verified, {len(res.refuted)} refuted, {len(res.failed)} failed"]
    for p in res.pairs:
        c = p["reflections"]["counts"]
        st = p["strain"]
        strain = ""
        if st is not None:
            sb = ", ".join(f"{n} {format_su(q['value'], q['su'], 3)}" for n, q in st["components"].items())
            strain = (f"; e_ss {format_su(st['e_ss']['value'], st['e_ss']['su'], 3)}, "
                      f"vs {format_su(st['vs']['value'], st['vs']['su'], 3)}" + (f", SB strain {sb}" if sb else ""))
        lines.append(f"  [{p['compound']}] {_name(p['parent'])} → {_name(p['child'])}: index {p['index']} "
                     f"{p['type']}, P = {p['basis_change']['basis']}, p = {p['basis_change']['origin']}, "
                     f"{p['aizu']}; SB reflections {c['SB']} (d ≥ {p['reflections']['dmin']:g} Å){strain}")
        lines += [f"      note: {n}" for n in p.get("notes", ())]
    for s in res.series:
        lines.append(f"series [{s['compound']}] {s['formula']}: " + ", ".join(_name(m) for m in s["members"]))
        lines.append("  " + shlex.join(s["table_command"]) + ("" if s["table_ready"] else
                     f"   (not ready: {s['table_not_ready']})"))
    lines += [f"failed: {f['file']}{':' + f['block'] if f['block'] else ''}: {f['message']}" for f in res.failed]
    lines.append(f"tables pairs, refuted and series written to {args.catalogue}")
    return CommandResult(data, "\n".join(lines), [str(args.catalogue)], status="partial" if res.failed else "ok")
