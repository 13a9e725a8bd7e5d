"""Benchmark: ``modes`` on a genuine P1 supercell, where the index of the child grows with the cell.

``bench_scaling.py`` grows the atoms without changing the physics (the small cell's group with listed translations).
Here the child is the Pmmm perovskite-like parent of ``tests/test_modes_memory.py`` written on (n a, b, c) in P1 with
fixed, irregular displacements (< 0.08 Å): every atom its own site, the lost cosets 8n − 1, the irreps at n k-points
along a*. Against the parent (``--reference parent``) the work is one pairing per origin; against the child's own
average (``symmetrized``) every lost coset's images are paired and, the child being triclinic, the origins along its
three polar directions are searched from its own atoms: work ∝ cosets × atoms ∝ n², and more with the origins.

Printed per n: atoms, cosets, the wall time of ``modes.decompose`` for both references (median of ``--repeat``), of
``pseudo_supergroups`` on the child (depth 2, timed once), and
for the symmetrized reference's averaging (``pairing.symmetrized_positions`` over the relation's cosets) the batched
pairing against the pairing of one coset at a time (``pairing.pair_atoms`` in a loop: what it was before
``pair_images``), interleaved, with their ratio and a check that both give the same positions. Then the fitted
exponents of time ∝ atoms^α. Run: ``python benchmarks/bench_p1_supercell.py [--sizes 4,8,16,24,32,48] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def structures(tmp: Path, n: int):
    from test_modes_memory import CELL, PARENT_ATOMS, PMMM, _cif

    from symstrain.cif import read_cif

    (tmp / "pmmm.cif").write_text(_cif("pmmm", PMMM, PARENT_ATOMS))
    rng = np.random.default_rng(7)
    atoms = []
    for i in range(n):
        for lab, el, x, y, z in PARENT_ATOMS:
            d = rng.uniform(-0.02, 0.02, 3)
            atoms.append((f"{lab}_{i}", el, ((x + i) / n + d[0] / n) % 1, (y + d[1]) % 1, (z + d[2]) % 1))
    path = tmp / f"p1_{n}a.cif"
    path.write_text(_cif("p1", [(1, 1, 1)], atoms, 1, cell=(n * CELL[0], CELL[1], CELL[2])))
    return read_cif(tmp / "pmmm.cif"), read_cif(path)


def one_at_a_time(frac, species, cosets, A, rmax):
    """The average over the lost cosets with one pair_atoms call per coset (the loop pair_images replaced)."""
    from symstrain.pairing import pair_atoms

    shift = np.zeros_like(frac)
    for g in cosets[1:]:
        g = np.linalg.inv(g)
        W, w = g[:3, :3], g[:3, 3]
        y = frac @ W.T + w
        j, L, _ = pair_atoms(y, species, frac, species, A, rmax)
        shift += (frac[j] + L - y) @ np.linalg.inv(W).T
    return frac + shift / len(cosets)


def median_time(fn, repeat):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main():
    from symstrain import modes
    from symstrain.expand import expand_to_cell_ops
    from symstrain.pairing import symmetrized_positions
    from symstrain.pseudo import pseudo_supergroups
    from symstrain.relation import relate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4,8,16,24,32,48")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    print(f"{'n':>3} {'atoms':>5} {'cosets':>6} {'parent s':>9} {'symm. s':>8} {'pseudo s':>9} {'average: batched':>17} "
          f"{'one at a time':>14} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        parent, child = structures(Path(tmp), sizes[0])  # warm-up: imports and per-process tables not timed
        for ref in ("parent", "symmetrized"):
            modes.decompose(parent, child, reference=ref)
        pseudo_supergroups(child)
        for n in sizes:
            parent, child = structures(Path(tmp), n)
            rel = relate(parent, child).require()
            t_par = median_time(lambda: modes.decompose(parent, child, relation=rel), args.repeat)
            t_sym = median_time(lambda: modes.decompose(parent, child, relation=rel, reference="symmetrized"),
                                args.repeat)
            t_pse = median_time(lambda: pseudo_supergroups(child), 1)  # (seconds each: timed once)
            frac, species = expand_to_cell_ops(child)[:2]
            A = child.cell.matrix()
            cos = rel.coset_representatives()
            a = symmetrized_positions(frac, species, cos, A, 2.0, "child")
            b = one_at_a_time(frac, species, cos, A, 2.0)
            assert np.array_equal(a, b), "the batched average differs from the loop's"
            tb, tl = [], []
            for _ in range(max(args.repeat, 7)):  # interleaved: batched, loop, batched, loop …
                t = time.perf_counter()
                symmetrized_positions(frac, species, cos, A, 2.0, "child")
                tb.append(time.perf_counter() - t)
                t = time.perf_counter()
                one_at_a_time(frac, species, cos, A, 2.0)
                tl.append(time.perf_counter() - t)
            mb, ml = statistics.median(tb), statistics.median(tl)
            rows.append((len(child.atoms), t_par, t_sym, t_pse))
            print(f"{n:>3} {len(child.atoms):>5} {len(cos) - 1:>6} {t_par:>9.3f} {t_sym:>8.3f} {t_pse:>9.2f} {mb * 1e3:>14.1f} ms "
                  f"{ml * 1e3:>11.1f} ms {ml / mb:>5.1f}×", flush=True)
    N = np.log([r[0] for r in rows])
    for k, name in ((1, "modes --reference parent"), (2, "modes --reference symmetrized"), (3, "pseudo")):
        alpha = np.polyfit(N, np.log([r[k] for r in rows]), 1)[0] if len(rows) > 1 else float("nan")
        print(f"{name}: time ∝ atoms^{alpha:.2f} over {rows[0][0]}–{rows[-1][0]} atoms")


if __name__ == "__main__":
    main()
