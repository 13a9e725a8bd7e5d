"""Time ``read_hkl`` (median of repeats) on the measured-intensity files of ../shared/cifs/hkl and on synthetic
files of 10⁵ reflections written here: HKLF 4 (with and without batch numbers), a DDL1 ``_refln_`` loop and the
same HKLF 4 list embedded as ``_shelx_hkl_file``.

Run: python benchmarks/bench_hkl.py [--repeats N] [--n 100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from symstrain.hkl import read_hkl

SHARED = Path(__file__).resolve().parents[2] / "shared" / "cifs"


def synthetic(folder: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(0)
    h, k, l = rng.integers(-30, 31, n), rng.integers(-30, 31, n), rng.integers(-40, 41, n)
    h[(h == 0) & (k == 0) & (l == 0)] = 1
    I = rng.exponential(500, n)
    s = np.sqrt(I) + 1
    rows = [f"{a:4d}{b:4d}{c:4d}{d:8.2f}{e:8.2f}" for a, b, c, d, e in zip(h, k, l, I, s)]
    out = []
    p = folder / "synthetic.hkl"
    p.write_text("\n".join(rows) + "\n   0   0   0    0.00    0.00\n")
    out.append(p)
    p = folder / "synthetic_batch.hkl"
    p.write_text("\n".join(f"{r}{1 + i % 7:4d}" for i, r in enumerate(rows)) + "\n   0   0   0    0.00    0.00   0\n")
    out.append(p)
    p = folder / "synthetic_refln.cif"
    p.write_text("data_big\nloop_\n_refln_index_h\n_refln_index_k\n_refln_index_l\n_refln_F_squared_meas\n"
                 "_refln_F_squared_sigma\n_refln_observed_status\n"
                 + "".join(f"{a} {b} {c} {d:.2f} {e:.2f} {'o' if d > 3 * e else '<'}\n"
                           for a, b, c, d, e in zip(h, k, l, I, s)))
    out.append(p)
    p = folder / "synthetic_embedded.cif"
    p.write_text("data_e\n_shelx_hkl_file\n;\n" + "\n".join(rows) + "\n   0   0   0    0.00    0.00\n;\n")
    out.append(p)
    return out


def median_time(path: Path, repeats: int) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeats):
        t = time.perf_counter()
        n = len(read_hkl(path))
        times.append(time.perf_counter() - t)
    return statistics.median(times), n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args()
    files = sorted((SHARED / "hkl").glob("*")) + [SHARED / "quirks" / "1552546.cif", SHARED / "quirks" / "2019572.cif"]
    files = [f for f in files if f.is_file()]
    with tempfile.TemporaryDirectory() as tmp:
        read_hkl(synthetic(Path(tmp), 10)[0])  # imports outside the timing
        for f in files + synthetic(Path(tmp), args.n):
            try:
                t, n = median_time(f, args.repeats)
            except Exception as exc:  # a structure CIF without intensities
                print(f"{f.name:32s} {type(exc).__name__}")
                continue
            print(f"{f.name:32s} {n:7d} reflections {1000 * t:9.1f} ms")


if __name__ == "__main__":
    main()
