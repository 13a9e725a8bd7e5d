"""Benchmark: classifying reflections (allowed / SB / absent) and predicting SB intensities, against gemmi.

* Classification of every reflection to d_min of a seed-sized cell (Pccn → P2₁/c, a ≈ 12.6, b ≈ 14.9, c ≈ 17.3 Å;
  d_min 0.72 Å gives 36 356 reflections), interleaved rounds of:
  - ``classify_reflections``: absence in the parent (in the child basis) and in the child, zone, parent indices
    and the broken-condition labels of every SB reflection, as a DataFrame; with the broken conditions derived
    from the operators in the call (``cold``: every cache of derived conditions emptied first) or given;
  - ``gemmi loop``: ``GroupOps.is_systematically_absent`` for parent and child, one Python call per reflection and
    group, classes from the two flags (no labels, no zones);
  - ``gemmi vectorised``: ``GroupOps.systematic_absences`` on the whole array, for parent and child.
  The classes of every method are asserted equal.
* ``predict_intensities`` per reflection (P1 expansion + gemmi ``StructureFactorCalculatorX``).

Run: ``python benchmarks/bench_reflections.py [--repeats 15] [--dmin 0.72]`` (prints timings and ratios).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gemmi
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import interleaved, report  # noqa: E402

from symstrain.conditions import _broken_conditions, _group_arrays  # noqa: E402
from symstrain.intensities import predict_intensities  # noqa: E402
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo  # noqa: E402
from symstrain.reflection_classes import classify_reflections, enumerate_hkl  # noqa: E402


def clear_caches():
    """Forget every remembered derivation (fractions, conditions, fixed sets of the index box)."""
    from symstrain import conditions, index_box, notation

    for f in (notation._frac, conditions._condition_cached, index_box._box_fixed):
        f.cache_clear()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--dmin", type=float, nargs="+", default=[1.0, 0.72])
    args = ap.parse_args()
    parent, child = SpaceGroupInfo.from_symbol("P c c n"), SpaceGroupInfo.from_symbol("P 1 21/c 1")
    gp = gemmi.SpaceGroup("P c c n").operations()
    gc = gemmi.SpaceGroup("P 1 21/c 1").operations()
    cell = Cell(12.6, 14.9, 17.3, 90, 93.1, 90)
    conds = tuple(_broken_conditions(*_group_arrays(parent), child, None, None))
    for dmin in args.dmin:
        hkl = enumerate_hkl(cell, dmin)
        rows, arr = hkl.tolist(), hkl.astype(np.int32)

        def loop():
            pa = np.array([gp.is_systematically_absent(h) for h in rows])
            ca = np.array([gc.is_systematically_absent(h) for h in rows])
            return np.where(pa, np.where(ca, "absent", "SB"), "allowed")

        def vectorised():
            pa, ca = gp.systematic_absences(arr), gc.systematic_absences(arr)
            return np.where(pa, np.where(ca, "absent", "SB"), "allowed")

        def cold():
            clear_caches()
            return classify_reflections(hkl, parent, child)

        cases = {  # the DataFrames are compared after the timing (turning a column into numpy is not classifying)
            "symstrain classify (conditions derived, cold)": cold,
            "symstrain classify (conditions derived)": lambda: classify_reflections(hkl, parent, child),
            "symstrain classify (conditions given)": lambda: classify_reflections(hkl, parent, child, conditions=conds),
            "gemmi loop (is_systematically_absent)": loop,
            "gemmi vectorised (systematic_absences)": vectorised,
        }
        t = interleaved(cases, args.repeats)
        ref = t["gemmi loop (is_systematically_absent)"]["result"]
        for name in cases:
            got = t[name]["result"]
            got = got["class"].to_numpy() if hasattr(got, "columns") else got
            assert np.array_equal(np.asarray(got, dtype=str), ref), name
        print(f"classify {len(hkl)} reflections (d ≥ {dmin} Å), {args.repeats} interleaved rounds; same classes "
              "from every method:")
        names = list(cases)
        print("\n".join(report(t, [(a, b) for a in names[:3] for b in names[3:]])))
    rng = np.random.default_rng(0)
    els = ["Fe"] + ["S"] * 2 + ["N"] * 6 + ["C"] * 30
    atoms = tuple(Atom(f"{e}{i}", e, rng.random(3), np.full(3, np.nan), 1.0, 0.02) for i, e in enumerate(els))
    ph = Phase(cell, child, atoms)
    hkl = enumerate_hkl(cell, 0.8)
    t = interleaved({"predict_intensities": lambda: predict_intensities(ph, hkl)}, 3)
    s = float(np.median(t["predict_intensities"]["wall"]))
    print(f"predict_intensities: {len(atoms)} independent atoms ({4 * len(atoms)} in the cell), {len(hkl)} "
          f"reflections: {s:.2f} s ({s / len(hkl) * 1e6:.0f} µs per reflection)")


if __name__ == "__main__":
    main()
