"""The alternative a user would run instead of ``symstrain table --cells CELLS.csv``: pandas reads the cell table,
numpy fits a straight-line baseline to each parameter over the rows of the high-symmetry group (``P c c n`` here, the
rows whose β is 90°), and pymatgen gives every row's deformation against the baseline at its temperature
(``Lattice.from_parameters``, ``Deformation``, ``green_lagrange_strain``), the volume strain and the principal
strains. No s.u.'s (pymatgen has none). Prints a one-line summary.

Run: ``python benchmarks/alt_pymatgen_strain.py CELLS.csv`` (not a test; bench_strain.py --cli times it).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from pymatgen.analysis.elasticity.strain import Deformation
from pymatgen.core import Lattice

NAMES = ["a", "b", "c", "alpha", "beta", "gamma"]


def main(path: str) -> None:
    df = pd.read_csv(path)
    para = df[df["spacegroup"] == "P c c n"]
    coef = [np.polyfit(para["T"], para[k], 1) for k in NAMES]
    rows = []
    for T, p in zip(df["T"].to_numpy(), df[NAMES].to_numpy(float)):
        p0 = [np.polyval(c, T) for c in coef]
        L0, L = Lattice.from_parameters(*p0), Lattice.from_parameters(*p)
        E = Deformation(np.linalg.solve(L0.matrix, L.matrix).T).green_lagrange_strain
        rows.append((L.volume / L0.volume - 1.0, *np.linalg.eigvalsh(E)))
    out = np.array(rows)
    print(f"{len(out)} rows; max |vs| {np.max(np.abs(out[:, 0])):.4g}; max |principal| {np.max(np.abs(out[:, 1:])):.4g}")


if __name__ == "__main__":
    main(sys.argv[1])
