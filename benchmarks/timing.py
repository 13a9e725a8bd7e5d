"""Timing helpers shared by the benchmark scripts: interleaved repeats and paired ratios, whole-process runs, peaks.

Every comparison runs its cases in turn — A, B, A, B, … — so that a machine whose speed drifts (other processes,
frequency scaling) slows both sides of a pair alike; the ratio is taken round by round and reported as its median
and minimum. CPU seconds (``time.process_time``, or the children's user + system for a process) are printed next to
wall seconds: on a loaded machine wall time also counts the time a process waited for a core.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable


def interleaved(cases: dict[str, Callable[[], object]], repeats: int = 7, warmup: int = 1) -> dict[str, dict]:
    """Run every case once per round, in the order given, ``repeats`` rounds after ``warmup`` unrecorded ones.

    Returns {name: {"wall": [s, ...], "cpu": [s, ...], "result": last return value}}.
    """
    out = {k: {"wall": [], "cpu": [], "result": None} for k in cases}
    for r in range(warmup + repeats):
        for name, fn in cases.items():
            c0, w0 = time.process_time(), time.perf_counter()
            res = fn()
            w1, c1 = time.perf_counter(), time.process_time()
            out[name]["result"] = res
            if r >= warmup:
                out[name]["wall"].append(w1 - w0)
                out[name]["cpu"].append(c1 - c0)
    return out


def forget_caches(package: str = "symstrain") -> int:
    """Empty every per-process memory of ``package`` (functions under ``functools`` caches, module-level memo
    dicts named ``*_MEMO``): the state a new process starts in. An in-process pass timed after a warm-up would
    otherwise reuse what the warm-up learnt (named groups of operator lists, element symbols) — work a real
    ``info`` run over the same files does once. Returns how many memories were emptied."""
    n = 0
    for name, mod in list(sys.modules.items()):
        if mod is None or not (name == package or name.startswith(package + ".")):
            continue
        for key, value in list(vars(mod).items()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()
                n += 1
            elif key.endswith("_MEMO") and isinstance(value, dict):
                value.clear()
                n += 1
    return n


def ratio(times: dict, a: str, b: str, kind: str = "wall") -> tuple[float, float]:
    """(median, min) over the rounds of time(a) / time(b)."""
    r = [x / y for x, y in zip(times[a][kind], times[b][kind]) if y > 0]
    return statistics.median(r), min(r)


def med(times: dict, name: str, kind: str = "wall") -> float:
    return statistics.median(times[name][kind])


def report(times: dict, pairs, unit: float = 1e3, unit_name: str = "ms") -> list[str]:
    """Lines: the median (min) time of every case, then the paired ratios a/b (median, min) for ``pairs``."""
    lines = []
    for name, t in times.items():
        lines.append(f"  {name:44s} wall {statistics.median(t['wall']) * unit:10.2f} {unit_name} "
                     f"(min {min(t['wall']) * unit:.2f})   cpu {statistics.median(t['cpu']) * unit:10.2f} {unit_name}")
    for a, b in pairs:
        mw, nw = ratio(times, a, b, "wall")
        mc, nc = ratio(times, a, b, "cpu")
        lines.append(f"  {a} / {b}: wall ratio median {mw:.3f} (min {nw:.3f}); cpu ratio median {mc:.3f} "
                     f"(min {nc:.3f})")
    return lines


def run_process(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(wall s, cpu s of the child and every process it started = user + system, exit code) of one whole process;
    its output is discarded. Wall time ends when the command's main process exits; its CPU time includes worker
    processes that outlive it (a multiprocessing forkserver and its workers are orphaned when the main process
    exits, and an orphan's time is lost unless this process adopts and reaps it: :func:`_adopt_orphans`)."""
    adopting = _adopt_orphans()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t0
    if adopting:
        _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def _adopt_orphans() -> bool:
    """Make this process the "subreaper" of its descendants (Linux prctl PR_SET_CHILD_SUBREAPER): a descendant
    orphaned by its parent's exit becomes our child, so its CPU time reaches RUSAGE_CHILDREN when reaped. False
    where that is not available (the CPU time of orphans is then not counted)."""
    import ctypes

    try:
        return sys.platform.startswith("linux") and ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _reap_orphans(timeout: float = 30.0) -> None:
    """Wait for the adopted descendants to exit (a forkserver exits right after its client), at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # none left
            return
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.005)


def interleaved_processes(cmds: dict[str, list[str]], repeats: int = 7, warmup: int = 1,
                          env: dict | None = None) -> dict[str, dict]:
    """:func:`interleaved` for whole processes (start-up and imports included)."""
    out = {k: {"wall": [], "cpu": [], "result": None} for k in cmds}
    for r in range(warmup + repeats):
        for name, cmd in cmds.items():
            wall, cpu, code = run_process(cmd, env)
            out[name]["result"] = code
            if r >= warmup:
                out[name]["wall"].append(wall)
                out[name]["cpu"].append(cpu)
    return out


def python_env(root) -> dict:
    """The environment for child processes: ``root`` (the repository) first on PYTHONPATH, byte-code caching on
    (an installed package has its .pyc files; compiling symstrain's modules at every start is not what users pay)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_package(root) -> None:
    """Write the .pyc files of the package under ``root`` (what pip does when it installs it)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "symstrain")], check=False,
                   stdout=subprocess.DEVNULL)


def peak_rss_mib() -> float:
    """Largest resident set of this process so far (MiB; ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
