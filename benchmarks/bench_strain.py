"""Benchmark: strain tensors with propagated s.u.'s for a temperature series, against what a user would otherwise run.

* ``strain_table``: symstrain's table (every row's 12-parameter Jacobian in one numpy batch);
* ``strain() loop``: symstrain's single-pair function called row by row;
* ``uncertainties``: the ``uncertainties`` package (ufloat cell parameters, the same orthogonalisation written
  with ``umath``, ``unumpy.ulinalg.inv``), one pair at a time — the usual hand-written alternative.

Cells: N monoclinic cells (β ≈ 90.5–93.6°) with s.u.'s against a linear orthorhombic baseline with s.u.'s.
The answers are compared too (max relative difference of e13 and of its s.u.): speed is only worth
comparing when they agree. Run: ``python benchmarks/bench_strain.py [--n 500]`` (not a test).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from symstrain.phase import Cell
from symstrain.reference import fit_cell_baseline
from symstrain.series import strain_table, table_cells


def make_cells(n: int, rng) -> pd.DataFrame:
    T = np.linspace(200, 400, n)
    beta = 90.5 + 3.1 * np.sqrt((T - 200) / 200)
    df = pd.DataFrame({
        "label": [f"c{k}" for k in range(n)], "T": T, "branch": "heating", "spacegroup": "P 1 21/c 1",
        "sg_detected": "", "a": 10.05 + 1e-4 * T + rng.normal(0, 2e-4, n), "b": 11.98 - 2e-5 * T,
        "c": 15.10 + 3e-4 * T, "alpha": 90.0, "beta": beta, "gamma": 90.0,
        "a_su": 2e-4, "b_su": 2e-4, "c_su": 3e-4, "alpha_su": np.nan, "beta_su": 0.01, "gamma_su": np.nan,
    })
    df.attrs["warnings"], df.attrs["failed"] = [], []
    return df


def baseline():
    T = np.linspace(80, 180, 11)
    cells = [Cell(10.0 + 1e-4 * t, 12.0 - 2e-5 * t, 15.0 + 3e-4 * t, 90, 90, 90, (2e-4, 2e-4, 3e-4, None, None, None))
             for t in T]
    return fit_cell_baseline(T, cells, model="linear")


def with_uncertainties(ref: Cell, child: Cell):
    from uncertainties import ufloat, umath
    from uncertainties.unumpy import ulinalg

    def u(x, s):
        return ufloat(x, s) if s is not None else x

    def matrix(cell):
        a, b, c, al, be, ga = (u(x, s) for x, s in zip(cell.params, cell.su))
        al, be, ga = (umath.radians(x) if not isinstance(x, float) else np.radians(x) for x in (al, be, ga))
        cos = lambda x: umath.cos(x) if not isinstance(x, float) else np.cos(x)  # noqa: E731
        sin = lambda x: umath.sin(x) if not isinstance(x, float) else np.sin(x)  # noqa: E731
        cx = c * cos(be)
        cy = c * (cos(al) - cos(be) * cos(ga)) / sin(ga)
        cz = (c * c - cx * cx - cy * cy) ** 0.5
        return np.array([[a, b * cos(ga), cx], [0.0, b * sin(ga), cy], [0.0, 0.0, cz]], dtype=object)

    A0, A = matrix(ref), matrix(child)
    F = A.dot(ulinalg.inv(A0))
    return 0.5 * (F + F.T) - np.eye(3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    cells, bl = make_cells(args.n, rng), baseline()

    t0 = time.perf_counter()
    df = strain_table(cells, bl)
    t_table = time.perf_counter() - t0

    from symstrain import strain  # the flat API: the same call on every version of the package

    t0 = time.perf_counter()
    loop = [strain(bl.cell_at(T), c) for T, c in zip(cells["T"], table_cells(cells))]
    t_loop = time.perf_counter() - t0

    try:
        import uncertainties  # noqa: F401

        t0 = time.perf_counter()
        unc = [with_uncertainties(bl.cell_at(T), c) for T, c in zip(cells["T"], table_cells(cells))]
        t_unc = time.perf_counter() - t0
    except ImportError:
        unc, t_unc = None, float("nan")

    n = args.n
    print(f"{n} cells, full tensor + ε13 + vs + e_ss + principal strains with s.u.'s")
    print(f"  strain_table      {t_table * 1e3 / n:8.3f} ms/cell")
    print(f"  strain() loop     {t_loop * 1e3 / n:8.3f} ms/cell   ({t_loop / t_table:5.1f}× the table)")
    if unc is not None:
        print(f"  uncertainties     {t_unc * 1e3 / n:8.3f} ms/cell   ({t_unc / t_table:5.1f}× the table; "
              "tensor only)")
        e13 = np.array([x[0, 2].nominal_value for x in unc])
        s13 = np.array([x[0, 2].std_dev for x in unc])
        print(f"  agreement: max |Δe13|/|e13| = {np.max(np.abs(df['e13'] - e13) / np.abs(e13)):.1e}, "
              f"max |Δσ(e13)|/σ = {np.max(np.abs(df['e13_su'] - s13) / s13):.1e}")
    d = np.max(np.abs(df["e13"].to_numpy() - np.array([r.e[0, 2] for r in loop])))
    print(f"  table vs loop: max |Δe13| = {d:.1e}")


if __name__ == "__main__":
    main()
