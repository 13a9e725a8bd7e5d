"""Benchmark: symmetry-mode decomposition time against the number of atoms in the child cell.

The child is made ever larger without changing the physics: the lawsonite P2₁cn structure (COD 9002545, 84 atoms,
from ../shared/cifs; the model HS P2₁/c pair of cifs/ when that folder is absent) is written on an (n a, b, c) cell
whose space group carries the n − 1 extra pure translations (i/n, 0, 0), so the relation, the irreps and the
amplitudes stay those of the small cell while the atoms to pair, permute and project grow n-fold (84 → 3024 atoms).
Reported: the time of ``modes.decompose`` (relation given, warm), the fitted exponent of time ∝ N^α, and the
316-atom model pair (Pccn → P2₁/c) end to end (relate + decompose, warm). The amplitude of every size is checked
against the small cell's. Run: ``python benchmarks/bench_modes.py`` (not a test).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from symstrain.cif import read_cif
from symstrain.modes import decompose
from symstrain.phase import SpaceGroupInfo
from symstrain.relation import relate

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "cifs" / "lawsonite"


def supercell(phase, n: int):
    """``phase`` on the (n a, b, c) cell, its group extended by the pure translations (i/n, 0, 0)."""
    S = np.diag([n, 1.0, 1.0])
    Si = np.linalg.inv(S)
    sg = phase.spacegroup
    rots = np.einsum("ij,njk,kl->nil", Si, sg.rotations.astype(float), S).round().astype(int)
    trans = sg.translations @ Si.T
    R = np.concatenate([rots] * n)
    t = np.concatenate([(trans + [i / n, 0, 0]) % 1.0 for i in range(n)])
    new_sg = SpaceGroupInfo(sg.number, sg.hm, sg.hall, f"{sg.hm} on ({n}a, b, c)", "symops", R, t, False)
    atoms = tuple(replace(a, xyz=(Si @ a.xyz) % 1.0) for a in phase.atoms)
    return replace(phase, cell=phase.cell.transformed(S), spacegroup=new_sg, atoms=atoms,
                   source=f"{phase.source} ({n}a)")


def best_of(fun, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fun()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,2,3,4,6,9,12,18,24,36")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if SHARED.is_dir():
        parent, child = read_cif(SHARED / "9002546.cif"), read_cif(SHARED / "9002545.cif")
    else:
        parent = read_cif(ROOT / "cifs" / "model_LS_Pccn_90K.cif")
        child = read_cif(ROOT / "cifs" / "model_HS_P21c_300K.cif")
    print(f"{parent.spacegroup.hm} → {child.spacegroup.hm} ({child.name})")
    ref_amp = None
    N, T = [], []
    print(f"{'n':>3} {'atoms':>6} {'decompose (s)':>14} {'amplitude (Å)':>14}")
    for n in (int(s) for s in args.sizes.split(",")):
        ch = supercell(child, n)
        rel = relate(parent, ch)
        d = decompose(parent, ch, relation=rel)  # warm-up (imports, caches)
        t = best_of(lambda: decompose(parent, ch, relation=rel), args.repeat)
        ref_amp = d.amplitude if ref_amp is None else ref_amp
        assert abs(d.amplitude - ref_amp) < 1e-6, (n, d.amplitude, ref_amp)
        N.append(len(d.labels))
        T.append(t)
        print(f"{n:>3} {len(d.labels):>6} {t:>14.3f} {d.amplitude:>14.6f}")
    alpha = np.polyfit(np.log(N), np.log(T), 1)[0]
    big = [i for i, x in enumerate(N) if x >= 500]
    alpha_big = np.polyfit(np.log(np.array(N)[big]), np.log(np.array(T)[big]), 1)[0] if len(big) >= 2 else float("nan")
    print(f"fitted exponent: time ∝ N^{alpha:.2f} over {N[0]}–{N[-1]} atoms; N^{alpha_big:.2f} above 500 atoms")
    ls, hs = read_cif(ROOT / "cifs" / "model_LS_Pccn_90K.cif"), read_cif(ROOT / "cifs" / "model_HS_P21c_300K.cif")
    decompose(ls, hs)
    t = best_of(lambda: decompose(relate(ls, hs).parent, hs, relation=relate(ls, hs)), args.repeat)
    print(f"model pair Pccn → P2₁/c, 316 atoms: relate + decompose {t:.3f} s (warm)")


if __name__ == "__main__":
    main()
