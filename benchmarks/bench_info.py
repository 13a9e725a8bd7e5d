"""Benchmark of ``symstrain info``: reading + detection + contacts against the loops a user would otherwise write.

Cases (each over every file of a corpus, one pass per round, rounds interleaved A, B, C, D, A, …):

* ``symstrain``: (each pass from a new process's state: symstrain's per-process memories emptied first) ``read_cif``
  + ``detect_symmetry`` (main tolerance 0.01 Å and the 7-step ladder: one spglib call
  where the certificate of ``ladder_certificate.py`` holds, else also at each step it does not prove) +
  ``close_contacts`` + ``expand_to_cell(include_zero_occupancy=True)`` — the work of ``info`` for one file;
* ``gemmi+spglib ladder``: gemmi reads and expands, spglib at the same seven tolerances (one call each): the same
  reading and detection, no checks (``alt_gemmi_spglib_info.read_and_detect``);
* ``gemmi+spglib 1 tol``: the same with spglib at 0.01 Å only — the floor, NOT what ``info`` reports;
* ``pymatgen``: ``CifParser`` + ``SpacegroupAnalyzer(symprec=0.01)`` (one tolerance; pymatgen has no ladder).

The corpus: ~500 real-structure CIFs made by re-describing ../shared/cifs in other settings and origins
(``corpus.make_corpus``, in a temporary folder). Also: the 941-atom quirks/9014915.cif alone, and with
``--whole-process`` the same comparisons as whole processes (``python -m symstrain info … --json`` against the
alternative scripts; the package's .pyc files are written first, as an installation does). The groups each side
finds at 0.01 Å are compared: speed is only worth comparing when the answers agree.

With ``--jobs-scaling``: ``symstrain info FILES --json --jobs 2`` against ``--jobs 1`` as whole processes over the
corpus (start-up, worker start and JSON output included), interleaved; the speed-up (median, min and best round),
the parallel efficiency (speed-up / 2), the CPU-time efficiency (CPU seconds of the serial run / CPU seconds of
the 2-worker run, workers included: 1 means no work added by running in parallel) and the core occupancy of the
2-worker run (its CPU seconds / (2 × wall)), with the load average before and after: on a 2-core machine any other
running process takes from the second worker first. In the same rounds, the machine's own ceiling: two equal
pure-Python loops on two forked processes against one after the other (no start-up, nothing sent: what any
parallel program gets from the second core in the same minute), and info's speed-up as a share of it; and the
start-up S (``info`` on the corpus's smallest file: interpreter, imports, output), which ``--jobs 1`` pays as well,
with the speed-up Amdahl allows, (S + W) / (S + W / ceiling) for the rest W of the ``--jobs 1`` run. The two JSON
outputs are compared first. With ``--small-batches 10,40,100``: the same comparison on the first 10, 40 and 100
files (where starting the workers weighs most).

With ``--files LIST`` (one CIF path per line) the same comparisons run on those files instead: real deposits, each
a different structure, where spglib at one tolerance is cheap and symstrain's fixed cost per file (reading with its
checks, expansion, certificate, contacts: ~5–7 ms) weighs more than on the corpus of re-descriptions.

Run: ``python benchmarks/bench_info.py [--n 500] [--repeats 7] [--whole-process] [--no-pymatgen] [--jobs-scaling]
[--small-batches K,K,...] [--no-loops] [--files LIST]`` (``--no-loops``: only the whole-process parts).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import SHARED, make_corpus  # noqa: E402
from timing import (compile_package, forget_caches, interleaved, interleaved_processes, med,  # noqa: E402
                    python_env, ratio, report)

ROOT = Path(__file__).resolve().parents[1]
BIG = SHARED / "quirks" / "9014915.cif"


def symstrain_info(path):
    """What ``info`` does for one file (less formatting): the group at 0.01 Å, or None when unreadable."""
    from symstrain.cif import read_cif
    from symstrain.corpus_entry import formula_mismatch
    from symstrain.detect import detect_symmetry
    from symstrain.errors import SymstrainInputError
    from symstrain.expand import expand_to_cell
    from symstrain.neighbours import close_contacts

    try:
        ph = read_cif(path)
    except SymstrainInputError:
        return None
    rep = detect_symmetry(ph, symprec=0.01)
    close_contacts(ph)
    expand_to_cell(ph, include_zero_occupancy=True)
    formula_mismatch(ph)  # (info's check of the atoms against the formula × Z)
    return rep.number


def spglib_calls(files) -> str:
    """How many spglib calls ``detect_symmetry`` made per file (mean, and the share of files with one call: the
    certified ladder), counted once outside the timing."""
    from symstrain.cif import read_cif
    from symstrain.detect import detect_symmetry
    from symstrain.errors import SymstrainInputError

    calls = []
    for f in files:
        try:
            calls.append(len(detect_symmetry(read_cif(f)).spglib_tolerances))
        except SymstrainInputError:
            continue
    one = sum(c == 1 for c in calls)
    return (f"mean {statistics.mean(calls):.2f} over {len(calls)} files read; one call (certified) for {one} "
            f"({one / len(calls):.0%})")


def gemmi_spglib(path, tolerances):
    from alt_gemmi_spglib_info import read_and_detect

    try:
        d = read_and_detect(path, tolerances)
    except Exception:
        return None
    return dict(d["ladder"]).get(0.01)


def pymatgen(path):
    from alt_pymatgen_info import read_and_detect

    try:
        return read_and_detect(path)["number"]
    except Exception:
        return None


def loop(fn, files, *args):
    return [fn(f, *args) for f in files]


def cold(fn, *args):
    """``fn(*args)`` from symstrain's state in a new process (:func:`timing.forget_caches`): every timed pass pays
    the once-per-run work (naming each distinct operator list, …) as one ``info`` run does, not only the warm-up."""
    forget_caches()
    return fn(*args)


def agreement(results: dict, files) -> list[str]:
    ours = results["symstrain"]["result"]
    lines = []
    for name in results:
        if name == "symstrain":
            continue
        theirs = results[name]["result"]
        both = [(a, b) for a, b in zip(ours, theirs) if a is not None and b is not None]
        same = sum(a == b for a, b in both)
        lines.append(f"  groups at 0.01 Å, symstrain vs {name}: {same} of {len(both)} files agree "
                     f"({sum(b is None for b in theirs)} of {len(files)} not read by {name})")
    return lines


#: the machine's own yield from a second process: two equal pure-Python loops run one after the other (argument 1)
#: or on two forked processes (argument 2) — no start-up, no transport, nothing to share: the ceiling any parallel
#: program reaches on this machine in the same minute (on a shared 2-vCPU machine it is not 2)
PROBE = ("import sys, multiprocessing as mp\n"
         "def work(n):\n    s = 0\n    for i in range(n):\n        s += i * i % 7\n    return s\n"
         "if __name__ == '__main__':\n"
         "    n = 6_000_000\n"
         "    if sys.argv[1] == '1':\n        [work(n) for _ in range(2)]\n"
         "    else:\n        with mp.get_context('fork').Pool(2) as p:\n            p.map(work, [n, n])\n")


def jobs_scaling(files: list[str], repeats: int, env: dict) -> list[str]:
    """``info --jobs 2`` against ``--jobs 1``, whole processes, interleaved with the machine's ceiling (:data:`PROBE`
    on one and on two processes, in the same rounds); the lines of the report."""
    base = [sys.executable, "-m", "symstrain", "info", *files, "--json"]
    cmds = {"info --jobs 1": base + ["--jobs", "1"], "info --jobs 2": base + ["--jobs", "2"]}
    outputs = {k: subprocess.run(c, capture_output=True, env=env).stdout for k, c in cmds.items()}
    docs = [json.loads(o) for o in outputs.values()]
    same = docs[0] == docs[1]
    small = min(files, key=os.path.getsize)  # the start-up: interpreter, imports, one small file, the output
    cmds.update({"ceiling: 1 process": [sys.executable, "-c", PROBE, "1"],
                 "ceiling: 2 processes": [sys.executable, "-c", PROBE, "2"],
                 "start-up: info on 1 small file": [sys.executable, "-m", "symstrain", "info", small, "--json"]})
    load0 = os.getloadavg()
    t = interleaved_processes(cmds, repeats, env=env)
    load1 = os.getloadavg()
    one, two = t["info --jobs 1"], t["info --jobs 2"]
    speed = [a / b for a, b in zip(one["wall"], two["wall"])]
    ceiling = [a / b for a, b in zip(t["ceiling: 1 process"]["wall"], t["ceiling: 2 processes"]["wall"])]
    of_ceiling = [s / c for s, c in zip(speed, ceiling)]
    # Amdahl with the start-up S serial (--jobs 1 runs it too) and the rest W of --jobs 1 sped up by the ceiling c
    # of the round: the best --jobs 2 can do here, (S + W) / (S + W / c)
    start = t["start-up: info on 1 small file"]["wall"]
    bound = [a / (s0 + (a - s0) / c) for a, s0, c in zip(one["wall"], start, ceiling)]
    of_bound = [s / b for s, b in zip(speed, bound)]
    cpu_eff = [a / b for a, b in zip(one["cpu"], two["cpu"])]
    occupancy = [c / (2 * w) for c, w in zip(two["cpu"], two["wall"])]
    m = statistics.median
    return [
        f"whole process, info over {len(files)} files, --jobs 2 vs --jobs 1, {repeats} interleaved rounds "
        f"({os.cpu_count()} cores):",
        f"  answers identical: {same} ({docs[0]['n_read']} read, {docs[0]['n_failed']} failed)",
        *report(t, [], unit=1, unit_name="s"),
        f"  speed-up (wall): median {m(speed):.3f}×, min {min(speed):.3f}×, best {max(speed):.3f}×; "
        f"parallel efficiency (speed-up / 2): median {m(speed) / 2:.1%}",
        f"  CPU-time efficiency (cpu jobs 1 / cpu jobs 2, workers included): median {m(cpu_eff):.1%}, "
        f"min {min(cpu_eff):.1%}",
        f"  core occupancy of --jobs 2 (cpu / 2 wall): median {m(occupancy):.1%}",
        f"  the machine's ceiling (two pure-Python loops on 2 forked processes vs 1, same rounds): median "
        f"{m(ceiling):.3f}×, min {min(ceiling):.3f}×, best {max(ceiling):.3f}×",
        f"  info's speed-up / the ceiling of its round: median {m(of_ceiling):.1%}, min {min(of_ceiling):.1%}",
        f"  start-up S (info on one small file: interpreter, imports, output) {m(start):.3f} s of --jobs 1's "
        f"{m(one['wall']):.3f} s; the bound (S + W) / (S + W / ceiling), W = the rest: median {m(bound):.3f}×; "
        f"info's speed-up / the bound: median {m(of_bound):.1%}, min {min(of_bound):.1%}",
        f"  load average (1, 5, 15 min): before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
        f"after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}",
    ]


def small_batches(files: list[str], sizes: list[int], repeats: int, env: dict) -> list[str]:
    """``info --jobs 2`` against ``--jobs 1`` on the first k files of the corpus for each k of ``sizes``: where the
    workers' start-up is most of the gain (whole processes, interleaved); the lines of the report."""
    lines = [f"whole process, small batches, --jobs 2 vs --jobs 1, {repeats} interleaved rounds (ratio > 1: --jobs 2 "
             "is faster):"]
    for k in sizes:
        base = [sys.executable, "-m", "symstrain", "info", *files[:k], "--json"]
        t = interleaved_processes({"1": base + ["--jobs", "1"], "2": base + ["--jobs", "2"]}, repeats, env=env)
        m, mn = ratio(t, "1", "2")
        lines.append(f"  {k:4d} files: --jobs 1 {med(t, '1'):.3f} s, --jobs 2 {med(t, '2'):.3f} s (medians); "
                     f"ratio median {m:.3f}, min {mn:.3f}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500, help="corpus size (default 500)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--whole-process", action="store_true", help="also time whole processes")
    ap.add_argument("--no-pymatgen", action="store_true")
    ap.add_argument("--jobs-scaling", action="store_true", help="also time info --jobs 2 against --jobs 1")
    ap.add_argument("--no-loops", action="store_true", help="skip the in-process loops (whole-process parts only)")
    ap.add_argument("--small-batches", metavar="K,K,...", help="also info --jobs 2 against --jobs 1 on the first K "
                    "files of the corpus, e.g. 10,40,100")
    ap.add_argument("--files", metavar="LIST", help="a text file naming one CIF per line: measure on those (e.g. real "
                    "deposits, each a different structure) instead of the corpus of re-descriptions made from "
                    "../shared; --n then takes the first N")
    args = ap.parse_args()
    if not args.files and not SHARED.is_dir():
        raise SystemExit(f"no input files: {SHARED} is absent (or give --files)")
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        if args.files:
            files = [line.strip() for line in Path(args.files).read_text().splitlines() if line.strip()][:args.n]
        else:
            files = [str(p) for p in make_corpus(Path(tmp), args.n)]
        if not args.no_loops:
            in_process(files, args)
        if args.whole_process or args.jobs_scaling or args.small_batches:
            compile_package(ROOT)
            env = python_env(ROOT)
        if args.whole_process:
            whole_process(files, args, env)
        if args.jobs_scaling:
            print()
            print("\n".join(jobs_scaling(files, args.repeats, env)))
        if args.small_batches:
            print()
            print("\n".join(small_batches(files, [int(k) for k in args.small_batches.split(",")], args.repeats,
                                           env)))


def in_process(files: list[str], args) -> None:
    from alt_gemmi_spglib_info import LADDER

    cases = {
        "symstrain": lambda: cold(loop, symstrain_info, files),
        "gemmi+spglib ladder (7 tol)": lambda: loop(gemmi_spglib, files, LADDER),
        "gemmi+spglib 1 tol": lambda: loop(gemmi_spglib, files, (0.01,)),
    }
    if not args.no_pymatgen:
        cases["pymatgen"] = lambda: loop(pymatgen, files)
    print(f"in-process batch loop over {len(files)} CIFs, {args.repeats} interleaved rounds (seconds per pass):")
    load0 = os.getloadavg()
    t = interleaved(cases, args.repeats)
    load1 = os.getloadavg()
    names = list(cases)
    print("\n".join(report(t, [("symstrain", n) for n in names[1:]], unit=1, unit_name="s")))
    if "pymatgen" in t:
        m, mn = ratio(t, "pymatgen", "symstrain")
        print(f"  symstrain is {m:.2f}× faster than pymatgen (median; min {mn:.2f}×)")
    print("\n".join(agreement(t, files)))
    print(f"  median seconds per file of the batch, symstrain: {med(t, 'symstrain') / len(files) * 1e3:.2f} ms")
    print(f"  spglib calls per file for info's 7-step ladder: {spglib_calls(files)}")
    print(f"  load average (1, 5, 15 min): before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
          f"after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} ({os.cpu_count()} cores)")

    if not BIG.is_file():
        return
    big = str(BIG)
    one = {"symstrain": lambda: cold(symstrain_info, big),
           "gemmi+spglib ladder (7 tol)": lambda: gemmi_spglib(big, LADDER),
           "gemmi+spglib 1 tol": lambda: gemmi_spglib(big, (0.01,))}
    if not args.no_pymatgen:
        one["pymatgen"] = lambda: pymatgen(big)
    print(f"\nin-process, one file: {BIG.name} (941 atoms in the cell), {max(args.repeats, 15)} rounds:")
    t1 = interleaved(one, max(args.repeats, 15))
    print("\n".join(report(t1, [("symstrain", n) for n in list(one)[1:]])))


def whole_process(files: list[str], args, env: dict) -> None:
    big = str(BIG)
    py = sys.executable
    alt = str(Path(__file__).resolve().parent / "alt_gemmi_spglib_info.py")
    pmg = str(Path(__file__).resolve().parent / "alt_pymatgen_info.py")
    for label, inputs in ((f"{BIG.name}", [big]), (f"batch of {len(files)} files", files)):
        cmds = {"symstrain info --json": [py, "-m", "symstrain", "info", *inputs, "--json"],
                "gemmi+spglib ladder (7 tol)": [py, alt, *inputs],
                "gemmi+spglib 1 tol": [py, alt, *inputs, "--tolerances", "0.01"]}
        if not args.no_pymatgen:
            cmds["pymatgen"] = [py, pmg, *inputs]
        reps = args.repeats if len(inputs) > 1 else max(args.repeats, 11)
        print(f"\nwhole process, {label}, {reps} interleaved rounds (seconds):")
        tp = interleaved_processes(cmds, reps, env=env)
        print("\n".join(report(tp, [("symstrain info --json", n) for n in list(cmds)[1:]], unit=1,
                               unit_name="s")))
        codes = ", ".join(f"{k}: {v['result']}" for k, v in tp.items())
        print(f"  exit codes: {codes}")

if __name__ == "__main__":
    main()
