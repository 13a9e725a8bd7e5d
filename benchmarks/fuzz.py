"""Fuzz the CIF reader and the commands after it: ≥ 10,000 mutated CIFs, each run in its own process.

Usage::

    PYTHONPATH=. python benchmarks/fuzz.py [-n 10000] [--seed 0] [--jobs 1] [--json report.json] [--keep DIR]

Inputs: single-line mutations (a number token replaced by an edge value, bytes that are not UTF-8, a line
deleted, repeated up to 10,000 times, truncated or swapped, an operator replaced, a character changed) of the
real CIFs in ../shared/cifs (when present) and the bundled models in cifs/, plus generated CIFs (random cell,
group from gemmi's table given as operators, symbol, Hall symbol, number or nothing, random atoms).

Invariant (issue 11), checked per case by :func:`run_pipeline`: ``read_cif``, ``info`` (``structure_info.info``:
detection ladder, expansion, contacts), ``relate`` both ways against the unmutated structure, then ``strain`` and
``reflections`` (d ≥ 1 Å) of each relation found, return a result or raise ``SymstrainInputError`` — nothing else.
Each case runs in a forked child limited by ``resource.setrlimit`` to 10 s of CPU and 2 GB of address space
(and killed after 30 s of wall time); a child killed by a signal is a crash (SIGSEGV, SIGABRT …) or a timeout
(SIGXCPU, SIGKILL).

Outcomes counted: ``ok``, ``input_error`` (the promise kept), ``exception`` (another exception: a bug),
``crash``, ``timeout``, ``memory`` (MemoryError or the address-space limit), ``warning`` (a Python warning such
as numpy's RuntimeWarning was raised) and ``stderr`` (anything written to stderr). Every case that is not ``ok``
or ``input_error`` is saved under ``--keep`` (default: a temporary folder) as a reproducer, and the report groups
them by stage, type and message.

The module also serves ``tests/test_fuzz.py``: :func:`corpus`, :data:`KINDS`, :func:`apply_mutation`,
:func:`generate` and :func:`run_pipeline` are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "cifs"

#: mutation kinds understood by :func:`apply_mutation`
KINDS = ("token", "bytes", "delete", "duplicate", "truncate", "operator", "swap", "char", "dot")
#: edge values that replace a token
TOKENS = ("1e309", "-1e309", "1e308", "-1e308", "1e-9", "1e9", "1e-320", "0", "-0", "nan", "inf", "-inf", "?", ".",
          "1/4", "-1/3", "1/0", "99999999999999999999999", "0.5(", "1(2)(3)", "1e309(2)", "1(1e5)", "-", "+", "1..2",
          "'see paper'", "''", "x,y,z", "P 1", "'P 21/c'", "-1", "300", "1000", "0.0001", "12.5", "1.05", "2",
          "_cell_length_a", "loop_", "data_x", "#", "'", '"', ";", "\u00e9", "x+1/2,y,z")
#: replacement operators
OPERATORS = ("x,y,z+1/3", "x+1/2,y,z", "-x,-y,-z", "x,y,z", "y,x,z", "x+y,y,z", "x/2,y,z", "2*x,y,z", "z,x,y",
             "-y,x-y,z", "x,y", "x,y,z,w", "1/2+x,1/2+y,1/2+z", "-x+1/5,y,z", "x-y,-y,-z+1/3", "q,y,z")
#: inserted bytes
BYTES = (b"\xff", b"\xe9", b"\xc3(", b"\xf0\x28\x8c\x28", b"\x00", b"'", b'"', b"\n;", b"#", b" loop_ ", b"\ndata_x\n",
         b" _tag ", b"\t", b"\r", b"\x1b[2J", b"\xef\xbb\xbf")


def corpus(include_shared: bool = True) -> list[tuple[str, bytes]]:
    """(name, bytes) of the CIFs mutated: the bundled models (cifs/*.cif and two of the series) and, when the
    folder exists, every CIF in ../shared/cifs (lawsonite/, quirks/, hkl/*.cif)."""
    files = sorted((ROOT / "cifs").glob("*.cif")) + sorted((ROOT / "cifs" / "series").glob("*.cif"))[:2]
    if include_shared and SHARED.is_dir():
        files += sorted(SHARED.glob("lawsonite/*.cif")) + sorted(SHARED.glob("quirks/*.cif")) + sorted(
            SHARED.glob("hkl/*.cif"))
    return [(str(f.relative_to(ROOT.parent) if f.is_relative_to(ROOT.parent) else f), f.read_bytes()) for f in files]


def apply_mutation(data: bytes, line: int, kind: str, arg: int, payload) -> tuple[bytes, str]:
    """``data`` with line ``line`` (modulo the line count) mutated by ``kind``; ``arg`` picks a token, position or
    repeat count, ``payload`` is the inserted token, bytes or operator. Returns (new bytes, description)."""
    lines = data.split(b"\n")
    i = line % len(lines)
    s = lines[i]
    what = f"line {i + 1} {kind}"
    if kind == "token":
        toks = s.split()
        if toks:
            k = arg % len(toks)
            toks[k] = payload.encode() if isinstance(payload, str) else payload
            lines[i] = b" ".join(toks)
            what += f" #{k} -> {payload!r}"
        else:
            lines[i] = payload.encode() if isinstance(payload, str) else payload
    elif kind == "bytes":
        pos = arg % (len(s) + 1)
        lines[i] = s[:pos] + payload + s[pos:]
        what += f" at {pos}: {payload!r}"
    elif kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        n = (2, 3, 100, 10_000)[arg % 4]
        lines[i:i + 1] = [s] * n
        what += f" ×{n}"
    elif kind == "truncate":
        pos = arg % (len(s) + 1)
        lines[i] = s[:pos]
        what += f" at {pos}"
    elif kind == "operator":
        # the operator line nearest at or after i (a line with x, y and z and a comma), else line i
        j = next((k for k in list(range(i, len(lines))) + list(range(0, i))
                  if re.search(rb"[xX].*,.*[yY].*,.*[zZ]", lines[k]) and not lines[k].lstrip().startswith(b"_")), i)
        prefix = re.match(rb"^\s*(\d+\s+)?", lines[j]).group(0)
        lines[j] = prefix + payload.encode()
        what = f"line {j + 1} operator -> {payload!r}"
    elif kind == "swap":
        if i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif kind == "char":
        if s:
            pos = arg % len(s)
            ch = payload if isinstance(payload, bytes) else str(payload).encode()
            lines[i] = s[:pos] + ch[:1] + s[pos + 1:]
            what += f" at {pos}: {ch[:1]!r}"
    elif kind == "dot":
        # the tag line nearest at or after i: one of its name's underscores (after the first) made a dot, as DDLm
        # and mmCIF names (and broken ones) are written
        j = next((k for k in list(range(i, len(lines))) + list(range(0, i))
                  if re.match(rb"^\s*_\S*_", lines[k])), i)
        tag_end = len(lines[j].split()[0]) + (len(lines[j]) - len(lines[j].lstrip())) if lines[j].strip() else 0
        spots = [m.start() for m in re.finditer(rb"_", lines[j][:tag_end])][1:]
        if spots:
            pos = spots[arg % len(spots)]
            lines[j] = lines[j][:pos] + b"." + lines[j][pos + 1:]
            what = f"line {j + 1} dot at {pos}"
    else:
        raise ValueError(kind)
    return b"\n".join(lines), what


def random_mutation(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutation of ``data`` drawn with ``rng`` (the benchmark's counterpart of the test's strategies)."""
    kind = rng.choice(KINDS)
    payload = {"token": rng.choice(TOKENS), "bytes": rng.choice(BYTES), "operator": rng.choice(OPERATORS),
               "char": bytes([rng.randrange(32, 127)])}.get(kind)
    n_lines = data.count(b"\n") + 1
    return apply_mutation(data, rng.randrange(n_lines), kind, rng.randrange(1 << 16), payload)


#: cell values the generator draws from (besides uniform ones)
_EDGE_LENGTHS = (0.4, 0.5, 1.0, 3.0, 1000.0, 1e-9, 1e9, 1e309)
_EDGE_ANGLES = (0.0, 1e-6, 60.0, 90.0, 119.99, 120.0, 179.999, 180.0)
_ELEMENTS = ("H", "C", "O", "Na", "Si", "Fe", "Ba", "U", "D", "Xx", "Q")


def generate(rng: random.Random) -> tuple[bytes, str]:
    """A generated CIF: random cell (sometimes an edge value), a group of gemmi's table given as operators, H-M,
    Hall, IT number or nothing, 1–12 random atoms (sometimes special positions or edge values)."""
    import gemmi

    table = list(gemmi.spacegroup_table_itb())
    sg = rng.choice(table)
    lengths = [rng.choice(_EDGE_LENGTHS) if rng.random() < 0.1 else round(rng.uniform(2, 30), 4) for _ in range(3)]
    angles = [rng.choice(_EDGE_ANGLES) if rng.random() < 0.1 else 90.0 for _ in range(3)]
    rot = [op.rot for op in sg.operations()]
    if rng.random() < 0.8:  # make the metric fit the group most of the time
        if sg.number >= 143 and sg.number <= 194:
            lengths[1], angles = lengths[0], [90.0, 90.0, 120.0]
        elif sg.number >= 195:
            lengths = [lengths[0]] * 3
        elif sg.number >= 75:
            lengths[1] = lengths[0]
        elif sg.number <= 2:
            angles = [round(rng.uniform(70, 110), 3) for _ in range(3)]
        if sg.number >= 3 and sg.number <= 15 and angles == [90.0, 90.0, 90.0]:
            angles[1] = round(rng.uniform(91, 120), 3)
            if any(r[1][1] != r[0][0] for r in rot):  # not b-unique: keep the orthogonal metric
                angles[1] = 90.0
    how = rng.choice(("ops", "ops", "hm", "hall", "number", "none"))
    out = ["data_gen"] + [f"_cell_length_{k} {v}" for k, v in zip("abc", lengths)]
    out += [f"_cell_angle_{k} {v}" for k, v in zip(("alpha", "beta", "gamma"), angles)]
    if how == "ops":
        out += ["loop_", "_symmetry_equiv_pos_as_xyz"] + [f"'{op.triplet()}'" for op in sg.operations()]
    elif how == "hm":
        out.append(f"_symmetry_space_group_name_H-M '{sg.xhm()}'")
    elif how == "hall":
        out.append(f"_symmetry_space_group_name_Hall '{sg.hall}'")
    elif how == "number":
        out.append(f"_symmetry_Int_Tables_number {sg.number}")
    out += ["loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
            "_atom_site_fract_z", "_atom_site_occupancy", "_atom_site_U_iso_or_equiv"]
    for k in range(rng.randint(1, 12)):
        el = rng.choice(_ELEMENTS)
        xyz = [rng.choice((0, 0.25, 0.5, 1 / 3, "1/4", "?", 1e308)) if rng.random() < 0.1 else round(rng.random(), 5)
               for _ in range(3)]
        occ = rng.choice((1, 1, 1, 0.5, 0, "?", ".", 1.2, "inf"))
        u = rng.choice((0.01, 0.02, 0.05, -0.01, 100, "?", "1e309"))
        out.append(f"{el}{k + 1} {el} {' '.join(str(v) for v in xyz)} {occ} {u}")
    return ("\n".join(out) + "\n").encode(), f"generated {how} {sg.xhm()}"


def run_pipeline(path, partner=None, dmin: float = 1.0) -> dict:
    """Run the invariant's steps on one CIF; ``partner`` is the unmutated Phase (None: the mutated one itself).

    Returns ``{"outcome": "ok" | "input_error" | "exception" | "memory", "stage", "type", "message"}`` and
    never raises (except KeyboardInterrupt)."""
    import warnings

    from symstrain.cif import read_cif
    from symstrain.structure_info import info
    from symstrain.errors import SymstrainInputError
    from symstrain.reflection_classes import reflections
    from symstrain.relation import relate
    from symstrain.spontaneous_strain import strain

    stage = "read_cif"
    out = {"outcome": "ok", "stage": None, "type": None, "message": None, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            phase = read_cif(path)
            stage = "info"
            info(str(path), None, 0.01)
            other = phase if partner is None else partner
            for parent, child, name in ((other, phase, "relate(original, mutated)"),
                                        (phase, other, "relate(mutated, original)")):
                stage = name
                try:
                    rel = relate(parent, child)
                except SymstrainInputError:
                    continue
                if not rel.holds:  # a refutation is an answer
                    continue
                stage = "strain"
                try:
                    strain(rel)
                except SymstrainInputError:
                    pass
                stage = "reflections"
                reflections(rel, dmin)
        except SymstrainInputError as exc:
            out.update(outcome="input_error", stage=stage, type=type(exc).__name__, message=str(exc))
        except MemoryError as exc:
            out.update(outcome="memory", stage=stage, type="MemoryError", message=str(exc)[:300])
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 — exactly what the fuzzer looks for
            import traceback

            tb = traceback.extract_tb(exc.__traceback__)
            where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"
            out.update(outcome="exception", stage=stage, type=type(exc).__name__,
                       message=f"{' '.join(str(exc).split())[:300]} [at {where}]")
        out["warnings"] = [f"{w.category.__name__}: {w.message} [{Path(w.filename).name}:{w.lineno}]"
                           for w in caught]
    if out["outcome"] in ("ok", "input_error") and out["warnings"]:
        out["outcome"] = "warning"
    return out


# ----------------------------------------------------------------------------- the forked runner


def _child(case_path: str, partner, result_fd: int, err_path: str, cpu: int, mem: int) -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        res = run_pipeline(case_path, partner)
        payload = json.dumps(res).encode()
    except MemoryError:
        payload = json.dumps({"outcome": "memory", "stage": "?", "type": "MemoryError", "message": ""}).encode()
    except BaseException as exc:  # noqa: BLE001
        payload = json.dumps({"outcome": "exception", "stage": "runner", "type": type(exc).__name__,
                              "message": str(exc)[:300]}).encode()
    try:
        os.write(result_fd, payload)
    finally:
        os._exit(0)


_SIGNAL_OUTCOME = {"SIGXCPU": "timeout", "SIGKILL": "timeout", "SIGALRM": "timeout"}


def _signature(res: dict) -> str:
    msg = res.get("message") or ""
    msg = re.sub(r"^\S+?\.cif: ", "", msg)
    msg = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", msg)
    msg = re.sub(r"[-+]?\d[\d.e+-]*", "#", msg)
    return f"{res['outcome']} | {res.get('stage')} | {res.get('type')} | {msg[:140]}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10_000, help="number of cases (default 10,000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1)")
    ap.add_argument("--generated", type=float, default=0.15, help="fraction of generated CIFs (default 0.15)")
    ap.add_argument("--cpu", type=int, default=10, help="CPU seconds per case (default 10)")
    ap.add_argument("--mem", type=float, default=2.0, help="address-space limit per case in GB (default 2)")
    ap.add_argument("--wall", type=float, default=30.0, help="wall seconds before a case is killed (default 30)")
    ap.add_argument("--json", help="write the full report (counts, groups, slowest cases) here")
    ap.add_argument("--keep", help="folder for the reproducers of findings (default: a new temporary folder)")
    args = ap.parse_args(argv)

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # forking a process with BLAS threads running can deadlock
    import select
    import signal
    import tempfile

    import symstrain.structure_info  # noqa: F401 — import everything once; the children inherit it
    import symstrain.reflection_classes  # noqa: F401
    import symstrain.relation  # noqa: F401
    import symstrain.spontaneous_strain  # noqa: F401
    from symstrain.cif import read_cif
    from symstrain.errors import SymstrainInputError

    files = corpus()
    partners = {}
    for name, data in files:
        try:
            partners[name] = read_cif(ROOT.parent / name if not Path(name).is_absolute() else name)
        except SymstrainInputError:
            partners[name] = None
    work = Path(tempfile.mkdtemp(prefix="symstrain-fuzz-"))
    keep = Path(args.keep) if args.keep else work / "findings"
    keep.mkdir(parents=True, exist_ok=True)
    mem = int(args.mem * (1 << 30))

    counts: dict[str, int] = {}
    groups: dict[str, list] = {}
    slow: list = []
    peak_rss = 0
    running: dict[int, dict] = {}
    t_start = time.time()
    next_case = 0
    shown = 0

    def start(i):
        rng = random.Random(args.seed * 1_000_003 + i)
        if rng.random() < args.generated:
            data, what = generate(rng)
            partner, src = "self", "generated"
        else:
            src, original = rng.choice(files)
            data, what = random_mutation(original, rng)
            partner = partners[src]
        path = work / f"case_{i}.cif"
        path.write_bytes(data)
        err = work / f"case_{i}.err"
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(str(path), None if partner == "self" else partner, w, str(err), args.cpu, mem)
        os.close(w)
        running[r] = dict(i=i, pid=pid, path=path, err=err, src=src, what=what, t0=time.time(), buf=b"")

    def finish(r, killed=False):
        job = running.pop(r)
        os.close(r)
        _, status, ru = os.wait4(job["pid"], 0)
        nonlocal peak_rss
        peak_rss = max(peak_rss, ru.ru_maxrss)
        cpu = ru.ru_utime + ru.ru_stime
        wall = time.time() - job["t0"]
        if os.WIFSIGNALED(status):
            sig = signal.Signals(os.WTERMSIG(status)).name
            outcome = _SIGNAL_OUTCOME.get(sig, "crash")
            res = {"outcome": outcome, "stage": "?", "type": sig, "message": f"killed by {sig}"}
        else:
            try:
                res = json.loads(job["buf"].decode() or "{}")
            except ValueError:
                res = {}
            if not res:
                res = {"outcome": "crash", "stage": "?", "type": f"exit {os.WEXITSTATUS(status)}",
                       "message": "no result"}
        if killed:
            res = {"outcome": "timeout", "stage": "?", "type": "wall", "message": f"killed after {wall:.0f} s wall"}
        if res["outcome"] in ("ok", "input_error") and cpu > args.cpu:
            res = {"outcome": "timeout", "stage": res["stage"], "type": "cpu", "message": f"{cpu:.1f} s CPU"}
        if res["outcome"] in ("ok", "input_error") and job["err"].exists() and job["err"].stat().st_size:
            res = dict(res, outcome="stderr", message=job["err"].read_text(errors="replace")[:300])
        if res["outcome"] == "memory" or (res["outcome"] == "crash" and ru.ru_maxrss * 1024 > 0.9 * mem):
            res["outcome"] = "memory"
        counts[res["outcome"]] = counts.get(res["outcome"], 0) + 1
        slow.append((cpu, wall, ru.ru_maxrss // 1024, job["src"], job["what"]))
        slow.sort(reverse=True)
        del slow[10:]
        if res["outcome"] not in ("ok", "input_error"):
            repro = keep / f"{job['i']:05d}_{res['outcome']}.cif"
            repro.write_bytes(job["path"].read_bytes())
            sig = _signature(res)
            groups.setdefault(sig, []).append({"case": job["i"], "source": job["src"], "mutation": job["what"],
                                               "reproducer": str(repro), "message": res.get("message"),
                                               "warnings": res.get("warnings", [])[:3]})
        job["path"].unlink(missing_ok=True)
        job["err"].unlink(missing_ok=True)

    try:
        while next_case < args.n or running:
            while next_case < args.n and len(running) < args.jobs:
                start(next_case)
                next_case += 1
            ready, _, _ = select.select(list(running), [], [], 0.5)
            for r in ready:
                chunk = os.read(r, 65536)
                if chunk:
                    running[r]["buf"] += chunk
                else:
                    finish(r)
            now = time.time()
            for r, job in list(running.items()):
                if now - job["t0"] > args.wall:
                    os.kill(job["pid"], signal.SIGKILL)
                    finish(r, killed=True)
            done = sum(counts.values())
            if done >= shown + 500:
                shown = done - done % 500
                print(f"  {done}/{args.n} cases, {time.time() - t_start:.0f} s: {counts}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        for job in running.values():
            os.kill(job["pid"], signal.SIGKILL)
        print("interrupted", file=sys.stderr)

    total = sum(counts.values())
    report = {"cases": total, "seed": args.seed, "seconds": round(time.time() - t_start, 1),
              "limits": {"cpu_s": args.cpu, "address_space_GB": args.mem, "wall_s": args.wall},
              "counts": dict(sorted(counts.items())), "peak_rss_MB": peak_rss // 1024,
              "slowest": [{"cpu_s": round(c, 2), "wall_s": round(w, 2), "rss_MB": m, "source": s, "mutation": d}
                          for c, w, m, s, d in slow],
              "findings": {k: {"count": len(v), "examples": v[:3]} for k, v in
                           sorted(groups.items(), key=lambda kv: -len(kv[1]))},
              "reproducers": str(keep)}
    print(f"{total} cases in {report['seconds']} s (seed {args.seed}); peak RSS {report['peak_rss_MB']} MB")
    for k, v in report["counts"].items():
        print(f"  {k:12s} {v}")
    for sig, g in report["findings"].items():
        print(f"  [{g['count']}] {sig}\n      e.g. {g['examples'][0]['source']}: {g['examples'][0]['mutation']} "
              f"-> {g['examples'][0]['reproducer']}")
    print("slowest: " + "; ".join(f"{s['cpu_s']} s CPU {s['rss_MB']} MB {s['source']} {s['mutation']}"
                                  for s in report["slowest"][:3]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    bad = sum(v for k, v in counts.items() if k not in ("ok", "input_error"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
