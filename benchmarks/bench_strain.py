"""Benchmark: strain tensors with propagated s.u.'s for a temperature series, against what a user would otherwise run.

Interleaved (A, B, A, B …, ``--repeats`` rounds after one warm-up; medians and minima of wall and CPU time):

* ``strain_table``: symstrain's table (every row's 12-parameter Jacobian in one numpy batch; full tensor, ε13, vs,
  e_ss, principal strains, each with its s.u.);
* ``pymatgen loop``: per row ``Lattice.from_parameters`` for the reference (the baseline at the row's T) and the
  cell, ``Deformation`` = the map between them, its ``green_lagrange_strain``, the volume strain and the principal
  strains — no s.u.'s (pymatgen has none): the target is ≥ 10× faster than this *with* the s.u.'s;
* ``strain() loop``: symstrain's single-pair function called row by row (``--loops``);
* ``uncertainties``: the ``uncertainties`` package (ufloat cell parameters, the same orthogonalisation written
  with ``umath``, ``unumpy.ulinalg.inv``), one pair at a time, tensor only (``--loops``; slow).

``--cli N``: also ``symstrain table --cells`` on an N-row CSV (whole processes, default reference chosen by the
program from the Pccn rows), as a user runs it (table.csv, expansion.csv, four figures, the text), with
``--no-plots`` and with ``--json``, against ``benchmarks/alt_pymatgen_strain.py`` on the same CSV (pandas, a numpy
baseline fit, the pymatgen loop), interleaved, ``--cli-repeats`` rounds (default 7) after a warm-up; ``--cli-only``
skips the in-process comparison. On Linux a run of ≥ 5000 rows gives work to a second CPU when one is free
(forked children, ``symstrain.cli.background``: the expansion, half the strain chunks, figures or half of
table.csv): the wall time is the whole command's, the CPU time includes the children's (reaped by the command), and
the load average before and after is printed — on a 2-core machine the processes side by side only save time when a
core is free (another busy session takes its fair share first). ``--no-plots, one process`` is the same run with
SYMSTRAIN_ONE_PROCESS=1 (no child: one CPU, like the pymatgen script).

Cells: N monoclinic cells (β ≈ 90.5–93.6°) with s.u.'s against a linear orthorhombic baseline with s.u.'s. The
answers are compared too (volume strain, and the principal strains to second order): speed is only worth comparing
when they agree. Run: ``python benchmarks/bench_strain.py [--n 10000] [--repeats 7] [--loops] [--cli 100000]
[--cli-repeats 3] [--cli-only]``.
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


def pymatgen_loop(refs: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """(N, 4): volume strain and the three principal Green–Lagrange strains of every row, with pymatgen."""
    from pymatgen.analysis.elasticity.strain import Deformation
    from pymatgen.core import Lattice

    out = np.empty((len(cells), 4))
    for k, (p0, p) in enumerate(zip(refs, cells)):
        L0, L = Lattice.from_parameters(*p0), Lattice.from_parameters(*p)
        F = Deformation(np.linalg.solve(L0.matrix, L.matrix).T)  # rows of .matrix are the cell vectors
        E = F.green_lagrange_strain
        out[k, 0] = L.volume / L0.volume - 1.0
        out[k, 1:] = np.linalg.eigvalsh(E)
    return out


def cli_cells(n: int, rng) -> pd.DataFrame:
    """The n-row cell CSV of ``--cli``: a tenth of the rows (at least 3) Pccn cells at 80–180 K (the paraphase the
    program finds and fits its baseline to), the rest monoclinic at 200–400 K."""
    n_para = max(3, n // 10)
    para = make_cells(n_para, rng)
    para["T"] = np.linspace(80, 180, n_para)
    para["label"] = [f"p{k}" for k in range(n_para)]
    para["spacegroup"], para["beta"], para["beta_su"] = "P c c n", 90.0, np.nan
    return pd.concat([para, make_cells(n - n_para, rng)], ignore_index=True)


#: the runs of ``symstrain table --cells`` compared: as a user runs it (CSV, figures, text), without figures, --json;
#: and without figures in one process (SYMSTRAIN_ONE_PROCESS=1: no forked child takes the second CPU, as the
#: pymatgen script has none)
CLI_VARIANTS = {"table --cells": [], "table --cells --no-plots": ["--no-plots"], "table --cells --json": ["--json"],
                "table --cells --no-plots, one process": ["--no-plots"]}
#: the variants run with SYMSTRAIN_ONE_PROCESS=1
ONE_PROCESS = {"table --cells --no-plots, one process"}


def cli_comparison(n: int, rng, repeats: int = 3) -> None:
    """``symstrain table --cells`` on an n-row CSV (each of :data:`CLI_VARIANTS`) against the pymatgen script on the
    same file; whole processes, interleaved (A, B, C, D, A, B, …), medians and minima of the paired ratios."""
    import json
    import os
    import sys
    import tempfile
    from pathlib import Path

    from timing import compile_package, interleaved_processes, python_env, report

    root = Path(__file__).resolve().parents[1]
    compile_package(root)
    df = cli_cells(n, rng)
    n_para = int((df["spacegroup"] == "P c c n").sum())
    alt = "pymatgen script"
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "cells.csv"
        df.to_csv(csv, index=False)
        cmds = {name: (["env", "SYMSTRAIN_ONE_PROCESS=1"] if name in ONE_PROCESS else [])
                + [sys.executable, "-m", "symstrain", "table", "--cells", str(csv), *extra]
                for name, extra in CLI_VARIANTS.items()}
        cmds[alt] = [sys.executable, str(Path(__file__).with_name("alt_pymatgen_strain.py")), str(csv)]
        here = os.getcwd()
        load0 = os.getloadavg()[0]
        os.chdir(tmp)  # each symstrain run writes a fresh symstrain-table[-N] folder here (it never overwrites)
        try:
            times = interleaved_processes(cmds, repeats=repeats, warmup=1, env=python_env(root))
        finally:
            os.chdir(here)
        print(f"table --cells on {n} rows ({n_para} Pccn rows fit the baseline), whole processes, {repeats} "
              f"interleaved rounds after a warm-up (ratio > 1: symstrain is faster; 1-minute load average "
              f"{load0:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs):")
        print("\n".join(report(times, [(alt, name) for name in CLI_VARIANTS], unit=1.0, unit_name="s")))
        codes = {k: v["result"] for k, v in times.items()}
        if any(codes.values()):
            print(f"  exit codes: {json.dumps(codes)}")


def main():
    import os
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from timing import interleaved, report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--loops", action="store_true", help="also the strain() loop and the uncertainties package")
    ap.add_argument("--cli", type=int, default=0, metavar="N", help="also table --cells on an N-row CSV")
    ap.add_argument("--cli-only", action="store_true", help="only the --cli comparison")
    ap.add_argument("--cli-repeats", type=int, default=7, help="rounds of the --cli comparison (default 7)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    if args.cli_only:
        cli_comparison(args.cli or 100_000, rng, args.cli_repeats)
        return
    cells, bl = make_cells(args.n, rng), baseline()
    refs = np.array([bl.cell_at(T).params for T in cells["T"]])
    params = cells[["a", "b", "c", "alpha", "beta", "gamma"]].to_numpy(float)

    from symstrain import strain  # the flat API: the same call on every version of the package

    cases = {"strain_table (s.u.'s)": lambda: strain_table(cells, bl),
             "pymatgen loop (no s.u.)": lambda: pymatgen_loop(refs, params)}
    if args.loops:
        cases["strain() loop (s.u.'s)"] = lambda: [strain(bl.cell_at(T), c)
                                                   for T, c in zip(cells["T"], table_cells(cells))]
    times = interleaved(cases, repeats=args.repeats)
    print(f"{args.n} cells, full tensor + ε13 + vs + e_ss + principal strains; {args.repeats} interleaved rounds")
    pairs = [("pymatgen loop (no s.u.)", "strain_table (s.u.'s)")]
    if args.loops:
        pairs.append(("strain() loop (s.u.'s)", "strain_table (s.u.'s)"))
    print("\n".join(report(times, pairs)))
    df, pm = times["strain_table (s.u.'s)"]["result"], times["pymatgen loop (no s.u.)"]["result"]
    print(f"  agreement with pymatgen: max |Δvs| = {np.max(np.abs(df['vs'].to_numpy() - pm[:, 0])):.1e}; principal "
          f"strains (linear vs Green–Lagrange, equal to second order): max |Δ| = "
          f"{np.max(np.abs(np.sort(df[['principal1', 'principal2', 'principal3']].to_numpy(), axis=1) - pm[:, 1:])):.1e}")
    if args.loops:
        loop = times["strain() loop (s.u.'s)"]["result"]
        d = np.max(np.abs(df["e13"].to_numpy() - np.array([r.e[0, 2] for r in loop])))
        print(f"  table vs strain() loop: max |Δe13| = {d:.1e}")
        try:
            import uncertainties  # noqa: F401
        except ImportError:
            return
        m = min(args.n, 1000)
        t0 = time.perf_counter()
        unc = [with_uncertainties(bl.cell_at(T), c) for T, c in zip(cells["T"][:m], table_cells(cells.iloc[:m]))]
        t_unc = (time.perf_counter() - t0) / m
        t_tab = min(times["strain_table (s.u.'s)"]["wall"]) / args.n
        e13 = np.array([x[0, 2].nominal_value for x in unc])
        s13 = np.array([x[0, 2].std_dev for x in unc])
        print(f"  uncertainties (first {m} rows, once): {t_unc * 1e3:.3f} ms/cell, {t_unc / t_tab:.1f}× the table "
              f"per cell; max |Δσ(e13)|/σ = {np.max(np.abs(df['e13_su'].to_numpy()[:m] - s13) / s13):.1e}")
    if args.cli:
        cli_comparison(args.cli, rng, args.cli_repeats)


if __name__ == "__main__":
    main()
