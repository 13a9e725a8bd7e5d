"""Benchmark: classifying reflections and predicting SB intensities, against what a user would otherwise run.

* Classification: symstrain's vectorised absence test (parent ops in the child basis, child ops) against a
  Python loop over gemmi's ``GroupOps.is_systematically_absent`` for parent and child, on every reflection
  to d_min of a seed-sized cell (Pccn → P2₁/c, a ≈ 12.6, b ≈ 14.9, c ≈ 17.3 Å). Same answer asserted.
* Intensities: ``predict_intensities`` (P1 expansion + gemmi ``StructureFactorCalculatorX``) per reflection.

Run: ``python benchmarks/bench_reflections.py`` (prints timings and ratios; not a test).
"""

from __future__ import annotations

import time

import gemmi
import numpy as np

from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo
from symstrain.conditions import absent_mask, parent_ops_in_child
from symstrain.intensities import predict_intensities
from symstrain.reflection_classes import classify_reflections, enumerate_hkl


def best(f, n=3):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return min(ts), out


def main():
    parent, child = SpaceGroupInfo.from_symbol("P c c n"), SpaceGroupInfo.from_symbol("P 1 21/c 1")
    cell = Cell(12.6, 14.9, 17.3, 90, 93.1, 90)
    for dmin in (1.0, 0.8):
        hkl = enumerate_hkl(cell, dmin)
        t_ss, df = best(lambda: classify_reflections(hkl, parent, child))
        gp = gemmi.SpaceGroup("P c c n").operations()
        gc = gemmi.SpaceGroup("P 1 21/c 1").operations()
        rows = hkl.tolist()

        def loop():
            pa = np.array([gp.is_systematically_absent(h) for h in rows])
            ca = np.array([gc.is_systematically_absent(h) for h in rows])
            return np.where(pa, np.where(ca, "absent", "SB"), "allowed")

        t_g, ref = best(loop)
        assert np.array_equal(ref, df["class"].to_numpy())

        def masks_only():
            W, w = parent_ops_in_child(parent.rotations, parent.translations, np.eye(3), np.zeros(3))
            return absent_mask(hkl, W, w), absent_mask(hkl, child.rotations, child.translations)

        t_m, _ = best(masks_only)
        print(f"classify {len(hkl):6d} reflections (d >= {dmin} A): gemmi loop {t_g * 1e3:6.1f} ms; symstrain "
              f"absence masks only {t_m * 1e3:6.1f} ms (ratio {t_g / t_m:.2f}), full classification with derived "
              f"and labelled conditions {t_ss * 1e3:6.1f} ms (ratio {t_g / t_ss:.2f})")
    rng = np.random.default_rng(0)
    els = ["Fe"] + ["S"] * 2 + ["N"] * 6 + ["C"] * 30
    atoms = tuple(Atom(f"{e}{i}", e, rng.random(3), np.full(3, np.nan), 1.0, 0.02) for i, e in enumerate(els))
    ph = Phase(cell, child, atoms)
    hkl = enumerate_hkl(cell, 0.8)
    t, _ = best(lambda: predict_intensities(ph, hkl), n=2)
    print(f"predict_intensities: {len(atoms)} independent atoms ({4 * len(atoms)} in the cell), {len(hkl)} reflections: "
          f"{t:.2f} s ({t / len(hkl) * 1e6:.0f} us per reflection)")


if __name__ == "__main__":
    main()
