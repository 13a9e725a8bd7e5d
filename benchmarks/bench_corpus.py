"""Files per second of ``scan`` and ``pairs`` on real CIFs, against a plain gemmi + spglib loop.

The corpus: ../shared/cifs (lawsonite, quirks, hkl: 50 real COD files, junk-like failures included) plus the
42 bundled model CIFs of cifs/series, copied ``--copies`` times under other names into a temporary folder (each
copy is a file of its own for the catalogue). Timed, wall clock, each into a fresh catalogue:

* ``scan`` serial (``jobs=1``), on 2 local processes, on a Dask LocalCluster of 2 workers (start-up included:
  a LocalCluster takes ~1.5 s to start, a process pool ~0.5 s);
* the same reading done by a plain loop: ``gemmi.cif.read``, per block ``make_small_structure_from_block`` +
  ``get_all_unit_cell_sites`` + ``spglib.get_symmetry_dataset`` (0.01 Å) + ``spglib.niggli_reduce`` + SHA-1 of
  the file, exceptions caught, blocks without a complete cell or atoms skipped (gemmi fills a missing or '?'
  cell parameter with a default, and spglib segfaults on the result: 1001012-no-cell.cif,
  2004325-cell-questionmark.cif) — no s.u.'s, no formula, no checks, no catalogue;
* ``pairs`` (``find_pairs``) on the serial catalogue, serial and on 2 processes.

Then the cost model for the COD (≈ 500,000 CIFs) from the measured serial cost per file. Run:
``python benchmarks/bench_corpus.py [--copies 4] [--no-dask]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "cifs"
sys.path.insert(0, str(ROOT))


def build(folder: Path, copies: int) -> list[Path]:
    sources = sorted(SHARED.rglob("*.cif")) if SHARED.is_dir() else []
    sources += sorted((ROOT / "cifs" / "series").glob("*.cif"))
    for k in range(copies):
        for i, src in enumerate(sources):
            shutil.copy(src, folder / f"c{k}_{i:03d}_{src.name}")
    return sorted(folder.glob("*.cif"))


CELL_TAGS = [f"_cell_{x}" for x in ("length_a", "length_b", "length_c", "angle_alpha", "angle_beta", "angle_gamma")]


def plain_loop(files) -> int:
    """What a user would write with gemmi and spglib alone; returns the number of blocks read."""
    import gemmi
    import numpy as np
    import spglib

    n = 0
    for f in files:
        data = Path(f).read_bytes()
        hashlib.sha1(data).hexdigest()
        try:
            doc = gemmi.cif.read(str(f))
        except Exception:
            continue
        for block in doc:
            if any(block.find_value(t) in (None, "?", ".") for t in CELL_TAGS):  # spglib would segfault
                continue
            try:
                st = gemmi.make_small_structure_from_block(block)
                sites = st.get_all_unit_cell_sites()
                if not sites:
                    continue
                lat = np.array(st.cell.orth.mat).T
                pos = np.array([[s.fract.x, s.fract.y, s.fract.z] for s in sites]) % 1.0
                num = np.array([s.element.atomic_number for s in sites], dtype=np.intc)
                spglib.get_symmetry_dataset((lat, pos, num), symprec=0.01)
                spglib.niggli_reduce(lat)
                n += 1
            except Exception:
                continue
    return n


def writer_rows_per_second(folder: Path, files, n_rows: int = 20_000, batch: int = 200) -> float:
    """Rows per second the single writer commits (batches of ``batch`` rows), the rows of real files relabelled."""
    from dataclasses import replace

    from symstrain.catalogue import Catalogue
    from symstrain.corpus_entry import scan_file

    scans = [s for s in (scan_file((str(f), (), 0.01)) for f in files[:50]) if s.rows]
    fake, total = [], 0
    while total < n_rows:
        s = scans[len(fake) % len(scans)]
        name = f"/bench/{len(fake)}.cif"
        fake.append(replace(s, file=name, rows=tuple({**r, "file": name} for r in s.rows)))
        total += len(s.rows)
    batches, current, size = [], [], 0
    for s in fake:
        current.append(s)
        size += len(s.rows)
        if size >= batch:
            batches.append(current)
            current, size = [], 0
    batches.append(current)
    with Catalogue(folder / f"writer{batch}.duckdb") as cat:
        t0 = time.perf_counter()
        for b in batches:
            cat.commit(b)
        return total / (time.perf_counter() - t0)


def burn(n: int) -> int:
    """Pure CPU work: the control for how much 2 workers can gain on this machine at this moment."""
    s = 0
    for i in range(n):
        s += i * i
    return s


def control_scaling() -> float:
    from symstrain.parallel import map_items

    items = [200_000] * 200
    t1, _ = timed(lambda: map_items(burn, items, jobs=1))
    t2, _ = timed(lambda: map_items(burn, items, jobs=2))
    return t1 / t2


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4, help="copies of the corpus (default 4)")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    args = ap.parse_args()

    from symstrain.catalogue import Catalogue, scan
    from symstrain.corpus_pairs import find_pairs

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "corpus").mkdir()
        files = build(tmp / "corpus", args.copies)
        n = len(files)
        scan([files[0]], tmp / "warm.duckdb")  # imports and caches, as in a long run
        plain_loop(files[:5])
        rows = []
        load = os.getloadavg()[0]
        t_plain, _ = timed(lambda: plain_loop(files))
        rows.append(("plain gemmi+spglib loop, serial", t_plain))
        c0 = time.process_time()
        t1, res = timed(lambda: scan([tmp / "corpus"], tmp / "s1.duckdb"))
        cpu1 = time.process_time() - c0
        rows.append(("scan serial", t1))
        t2, _ = timed(lambda: scan([tmp / "corpus"], tmp / "s2.duckdb", jobs=2))
        rows.append(("scan 2 processes", t2))
        td = None
        if not args.no_dask:
            td, _ = timed(lambda: scan([tmp / "corpus"], tmp / "sd.duckdb", dask="local", jobs=2))
            rows.append(("scan Dask LocalCluster, 2 workers", td))
        with Catalogue(tmp / "s1.duckdb", create=False) as cat:
            table = cat.rows()
        tp1, pr = timed(lambda: find_pairs(table))
        tp2, _ = timed(lambda: find_pairs(table, jobs=2))
        writer = {b: writer_rows_per_second(tmp, files, batch=b) for b in (200, 2000)}
        control = control_scaling()

        print(f"corpus: {n} files ({res.n_blocks} blocks, {sum(1 for r in res.added if r['status'] == 'failed')} "
              f"failed) — {args.copies} copies of the shared CIFs and the bundled series")
        print(f"machine: {os.cpu_count()} cores, load average {load:.1f} when the runs started "
              "(other work on the machine shares the cores)")
        print(f"{'':40s} {'time/s':>8s} {'files/s':>8s} {'ms/file':>8s}")
        for name, t in rows:
            print(f"{name:40s} {t:8.2f} {n / t:8.1f} {1e3 * t / n:8.2f}")
        print(f"scan serial / plain loop: {t1 / t_plain:.2f}×  (what the catalogue adds: s.u.'s, formula, checks, "
              "warnings, DuckDB)")
        print(f"scaling 1 → 2 workers: processes {t1 / t2:.2f}×" + (f", Dask {t1 / td:.2f}×" if td else "")
              + f"; control (pure CPU loop, same map): {control:.2f}× — what the machine allowed then")
        print(f"pairs: {pr.n_entries} entries, {pr.n_compounds} compounds, {pr.n_candidates} candidates "
              f"({len(pr.pairs)} verified): serial {tp1:.2f} s ({pr.n_candidates / tp1:.1f} pairs/s, "
              f"{n / tp1:.0f} files/s), 2 processes {tp2:.2f} s ({t_ratio(tp1, tp2)})")
        print("single writer (the ceiling of a cluster's scan): " + ", ".join(
            f"{v:,.0f} rows/s in batches of {b}" for b, v in writer.items()))
        per_file = cpu1 / n
        print(f"\nCOD cost model (500,000 CIFs): {1e3 * per_file:.1f} ms of CPU per file (serial scan, measured here; "
              f"wall {1e3 * t1 / n:.1f} ms), files independent, so time = N × cost / cores, as long as the writer "
              f"keeps up ({writer[2000]:,.0f} rows/s with batches of 2000):")
        for cores in (1, 16, 256):
            rate = min(cores / per_file, writer[2000])
            print(f"  {cores:4d} cores: {500_000 / rate / 3600:8.2f} h  ({rate:,.0f} files/s)")

def t_ratio(a, b):
    return f"{a / b:.2f}× faster"


if __name__ == "__main__":
    main()
