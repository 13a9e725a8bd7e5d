"""Time the Landau model: a heating+cooling sweep over 10⁴ temperatures and a full fit (median of repeats).

Targets from the issue: sweep ≤ 50 ms, fit ≤ 2 s. For comparison the script also times the approach a
user would otherwise write — a dense (q, η) grid minimised at every temperature (global minimum only,
no metastability, no root-found spinodals) — on 10² temperatures and scales it to 10⁴.
Run: python benchmarks/bench_landau.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from symstrain.landau import LandauModel
from symstrain.landau_data import synthetic_data
from symstrain.landau_fit import fit_landau


def timed(fn, repeats):
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    m = LandauModel.paper()
    T = np.linspace(150.0, 300.0, 10_000)
    m.sweep(T)  # warm-up
    t_sweep = timed(lambda: m.sweep(T), args.repeats)
    tr = m.sweep(T).transitions

    q, e, _ = synthetic_data(m, np.arange(195.0, 256.0, 1.0), np.arange(255.0, 194.0, -1.0), seed=3)
    start = m.replace(T_SC=232.0, a1=0.5, D=-6.0)
    t_fit = timed(lambda: fit_landau(q, e, model=start), max(3, args.repeats // 2))

    qg = np.linspace(-1, 1, 401)[:, None]
    eg = np.linspace(0, 2.5, 401)[None, :]
    Tb = T[::100]

    def brute():
        for t in Tb:
            g = m.G(qg, eg, t)
            np.unravel_index(np.argmin(g), g.shape)

    t_brute = timed(brute, 3) * (T.size / Tb.size)
    print(f"sweep, 2 branches x 10^4 T : {t_sweep * 1e3:8.1f} ms  (target ≤ 50 ms)  "
          f"T↑ {tr.T_up:.4f} K, T↓ {tr.T_down:.4f} K, T_eq {tr.T_eq:.4f} K")
    print(f"full fit (4 parameters)     : {t_fit:8.2f} s   (target ≤ 2 s)")
    print(f"dense 401x401 grid per T    : {t_brute * 1e3:8.0f} ms for 10^4 T (global minimum only), "
          f"ratio {t_brute / t_sweep:.0f}x slower than the sweep")


if __name__ == "__main__":
    main()
