"""Benchmark: time and memory of symmetrize, order, pseudo and modes against the number of atoms (84 → 3024).

The child is made ever larger without changing the physics: the lawsonite P2₁cn structure (COD 9002545, 84 atoms,
../shared/cifs/lawsonite; the model P2₁/c file of cifs/ when that folder is absent) written on an (n a, b, c) cell
whose group lists the n − 1 extra pure translations (i/n, 0, 0) (``corpus.supercell``): the relation to the parent
(COD 9002546, Pmcn), the irreps and the amplitudes are those of the small cell, while the atoms to pair, permute,
project and scatter grow n-fold. Stages, each timed as the median of ``--repeat`` runs (wall and CPU seconds):

* ``symmetrize``: ``order.symmetrize(relation)`` (relation given);
* ``order``: ``order.order_parameters(parent, [child])`` — relate, strain, reflections to 1 Å, intensities, modes,
  symmetrize: the ``order`` command for one file;
* ``pseudo``: ``pseudo.pseudo_supergroups(child, depth=1)`` — the index-2 supergroups; depth 1 because the
  operations are searched on a 1/24 grid, and on the (n a, b, c) cell the lost C-centring (1/2, 1/2, 0) becomes
  (1/2n, 1/2, 0), off that grid from n = 24 on, so the index-4 Cmcm of depth 2 is not found there (the same work and
  the same answer at every size is what the exponent needs);
* ``modes``: ``modes.decompose(parent, child, relation=relation)``.

The answers are checked at every size (the same amplitudes, the same supergroups and displacements). The fitted
exponent α of time ∝ N^α is printed over all sizes and above 500 atoms, the log–log figure with the fits is saved
(``--png``), and the peak memory of each stage at the largest sizes (``--memory-sizes``, default the last three) is
measured in a fresh process: tracemalloc's peak of the call (numpy's arrays included), with its fitted exponent
against atoms, and the process's peak resident set (imports included).

Run: ``python benchmarks/bench_scaling.py [--sizes 1,2,3,4,6,9,12,18,24,36] [--repeat 3] [--png scaling.png]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import SHARED, supercell  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("symmetrize", "order", "pseudo", "modes")


def inputs():
    from symstrain.cif import read_cif

    law = SHARED / "lawsonite"
    if law.is_dir():
        return read_cif(law / "9002546.cif"), read_cif(law / "9002545.cif")
    return read_cif(ROOT / "cifs" / "model_LS_Pccn_90K.cif"), read_cif(ROOT / "cifs" / "model_HS_P21c_300K.cif")


def stage(name: str, parent, child, rel):
    """Run one stage; returns the numbers that must not depend on the size."""
    if name == "symmetrize":
        from symstrain.order import symmetrize

        d = symmetrize(rel)
        return {"amplitude": round(float(d.amplitude), 9), "max_displacement": round(float(d.max_displacement), 9)}
    if name == "order":
        from symstrain.order import order_parameters

        df = order_parameters(parent, [child])
        vals = {k: float(df[k].iloc[0]) for k in df.columns if k.startswith("eta") and "su" not in k}
        return {k: round(v, 9) if np.isfinite(v) else None for k, v in vals.items()}  # NaN (undefined) as None
    if name == "pseudo":
        from symstrain.pseudo import pseudo_supergroups

        return {"supergroups": [(p.number, p.index, round(float(p.max_displacement), 9))
                                for p in pseudo_supergroups(child, depth=1)]}
    if name == "modes":
        from symstrain.modes import decompose

        d = decompose(parent, child, relation=rel)
        return {"amplitude": round(float(d.amplitude), 9)}
    raise ValueError(name)


def timed(fn, repeat: int):
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return float(np.median(walls)), float(np.median(cpus)), out


def peak(name: str, n: int) -> dict:
    """Peak memory of one stage on the n-fold cell, in a fresh process (inputs, relation and warm-up done first)."""
    code = f"""
import json, resource, sys, tracemalloc, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from bench_scaling import inputs, stage
from corpus import supercell
from symstrain.relation import relate
parent, small = inputs()
child = supercell(small, {n})
rel = relate(parent, child)
stage({name!r}, parent, small, relate(parent, small))  # imports and first-call set-up outside the measure
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
tracemalloc.start()
stage({name!r}, parent, child, rel)
cur, top = tracemalloc.get_traced_memory()
print(json.dumps({{"tracemalloc_peak_mib": top / 2**20, "rss_before_mib": rss0,
                  "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except Exception:
        return {"error": out.stderr.strip().splitlines()[-1:] or ["?"]}


def fit(N, T, above=0):
    N, T = np.asarray(N, float), np.asarray(T, float)
    keep = (N >= above) & (T > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan")
    a, b = np.polyfit(np.log(N[keep]), np.log(T[keep]), 1)
    return float(a), float(b)


def figure(N, times: dict, path: Path, title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    x = np.geomspace(min(N), max(N), 50)
    for name, T in times.items():
        a, b = fit(N, T)
        line, = ax.loglog(N, T, "o", label=f"{name}: α = {a:.2f} (α>500 = {fit(N, T, 500)[0]:.2f})")
        ax.loglog(x, np.exp(b) * x**a, "-", color=line.get_color(), lw=1)
    ax.loglog(x, times[next(iter(times))][0] * (x / N[0]), ":", color="grey", lw=1, label="∝ N (slope 1)")
    ax.set_xlabel("atoms in the child cell")
    ax.set_ylabel("time (s, CPU, median)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,2,3,4,6,9,12,18,24,36")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--png", type=Path, default=Path("scaling.png"))
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--memory-sizes", type=int, default=3, help="peak memory at this many of the largest sizes")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from symstrain.relation import relate

    stages = args.stages.split(",")
    parent, small = inputs()
    rel_small = relate(parent, small)
    ref = {s: stage(s, parent, small, rel_small) for s in stages}  # warm-up and the answers of the small cell
    sizes = [int(s) for s in args.sizes.split(",")]
    N, walls, cpus = [], {s: [] for s in stages}, {s: [] for s in stages}
    print(f"{parent.spacegroup.hm} → {small.spacegroup.hm} on (n a, b, c); median of {args.repeat} (CPU s / wall s)")
    print(f"{'n':>3} {'atoms':>6} " + " ".join(f"{s:>21}" for s in stages))
    for n in sizes:
        child = supercell(small, n)
        rel = relate(parent, child)
        row = []
        for s in stages:
            w, c, out = timed(lambda: stage(s, parent, child, rel), args.repeat)
            assert out == ref[s], (s, n, out, ref[s])
            walls[s].append(w)
            cpus[s].append(c)
            row.append(f"{c:9.3f} / {w:9.3f}")
        N.append(_atoms(child))
        print(f"{n:>3} {N[-1]:>6} " + " ".join(f"{r:>21}" for r in row))
    print("answers equal at every size: " + "; ".join(f"{s} {ref[s]}" for s in stages))
    for s in stages:
        a, _ = fit(N, cpus[s])
        a5, _ = fit(N, cpus[s], 500)
        aw, _ = fit(N, walls[s])
        print(f"{s:>10}: time ∝ N^{a:.2f} over {N[0]}–{N[-1]} atoms (CPU; wall N^{aw:.2f}); N^{a5:.2f} above 500 atoms; "
              f"{cpus[s][-1]:.3f} s CPU, {walls[s][-1]:.3f} s wall at {N[-1]} atoms")
    figure(N, cpus, args.png, f"symstrain: CPU time against atoms ({small.name.split('/')[-1]} on n·a, "
                              f"parent {parent.spacegroup.hm})")
    print(f"figure: {args.png}")
    if not args.no_memory:
        # peaks at the last sizes too (a fresh process each): the exponent of tracemalloc's peak against atoms says
        # whether memory grows linearly
        msizes = sizes[-args.memory_sizes:]
        for s in stages:
            tops = []
            for n in msizes:
                m = peak(s, n)
                tops.append(m.get("tracemalloc_peak_mib", float("nan")))
            print(f"{s:>10} at {N[-1]} atoms: peak memory " + ", ".join(
                f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in m.items()))
            if len(msizes) > 1:
                a, _ = fit(N[-len(msizes):], tops)
                print(f"{'':>10} tracemalloc peak (MiB) at {N[-len(msizes):]} atoms: "
                      + ", ".join(f"{t:.1f}" for t in tops) + f"; memory ∝ N^{a:.2f}")


def _atoms(phase) -> int:
    from symstrain.expand import expand_to_cell

    return len(expand_to_cell(phase)[0])


if __name__ == "__main__":
    main()
