"""Benchmark: strain tables and the transition finder on 10⁴ cells, as interleaved ratios against the loops a user
would otherwise write.

Stages (each timed A, B, A, B, … ``--repeats`` times; the ratio B/A of each pair, then the median and the min):

1. ``strain_table``: :func:`symstrain.series.strain_table` (every e_ij, ε13, vs, e_ss, e_sb, e_nsb, principal strains
   with first-order s.u.'s) against
   * a pymatgen loop: ``Lattice.from_parameters`` of the reference at T and of the cell, F from the two matrices,
     ``Deformation(F).green_lagrange_strain`` — no s.u.'s;
   * a plain numpy loop: the same linear strain and principal strains row by row (cell matrices, F = A·A0⁻¹), with
     s.u.'s by central differences of the inputs that carry one (15 evaluations per row, batched within the row).
2. ``table`` pipeline on a CSV: read the cells, choose the paraphase and fit its baseline, the strain table, the
   thermal expansion of each phase — against a numpy loop doing the same fits (np.polyfit per lattice parameter and
   per strain component, the row loop of stage 1).
3. ``transitions``: :func:`symstrain.transitions.find_transitions` — brackets per branch, proxies against the
   high-symmetry baseline, four model fits — against a loop computing each row's proxy and the same four fits with
   scipy's ``least_squares`` (the loop's second-order T_c is checked to lie in symstrain's bracket first).
4. The commands themselves, ``symstrain table --cells CSV --no-plots`` and ``symstrain transitions --cells CSV
   --no-plots`` (parsing, text, CSV/JSON writing), against the loops of 2 and 3; then each once with its figures.

Cells: a Cmcm → Pmcn series (lawsonite-like, P = identity, e_nsb ∝ T_c − T below T_c) on heating and cooling, with
s.u.'s on a, b, c, written to a CSV with a spacegroup column. The answers are compared before any time is printed.
Run: ``python benchmarks/bench_series.py [--n 10000] [--repeats 7] [--big 100000]`` (not a test; ~2 min).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

CELL = ("a", "b", "c", "alpha", "beta", "gamma")


def write_cells(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    half = n // 2
    T = np.concatenate([np.linspace(10, 400, half), np.linspace(400, 10, n - half)])
    branch = np.array(["heating"] * half + ["cooling"] * (n - half))
    Tc = np.where(branch == "heating", 300.0, 290.0)
    q2 = np.clip(Tc - T, 0, None) / 300.0  # Q² of a second-order transition
    a = 5.854 + 4e-6 * (T - 292) + 1.5e-3 * q2 + rng.normal(0, 5e-5, n)
    b = 8.796 + 1.4e-4 * (T - 292) - 4e-4 * q2 + rng.normal(0, 5e-5, n)
    c = 13.138 + 1.5e-4 * (T - 292) - 6e-4 * q2 + rng.normal(0, 5e-5, n)
    sg = np.where(T >= Tc, "Cmcm", "Pmcn")
    lines = ["T,branch,spacegroup,a,a_su,b,b_su,c,c_su,alpha,beta,gamma"]
    lines += [f"{t:.4f},{br},{g},{x:.6f},0.0001,{y:.6f},0.0001,{z:.6f},0.0002,90,90,90"
              for t, br, g, x, y, z in zip(T, branch, sg, a, b, c)]
    path.write_text("\n".join(lines) + "\n")


def interleaved(A, B, repeats):
    """Wall-clock and CPU (process) times of A, B, A, B … runs: (median A, median B, median ratio B/A, min ratio)
    for each clock. On a shared machine the CPU ratio is the steadier figure; both are printed."""
    out = {"wall": ([], [], []), "cpu": ([], [], [])}
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        A()
        w1, c1 = time.perf_counter(), time.process_time()
        B()
        w2, c2 = time.perf_counter(), time.process_time()
        for key, (a, b) in (("wall", (w1 - w0, w2 - w1)), ("cpu", (c1 - c0, c2 - c1))):
            out[key][0].append(a)
            out[key][1].append(b)
            out[key][2].append(b / a)
    return {k: (statistics.median(ta), statistics.median(tb), statistics.median(r), min(r))
            for k, (ta, tb, r) in out.items()}


# ------------------------------------------------------------------------------------------------ the loops


def matrix(p):
    """Cell vectors as columns, X ∥ a, Y in the ab plane, Z ∥ c* (numpy, one cell or a batch)."""
    p = np.asarray(p, dtype=float)
    a, b, c = p[..., 0], p[..., 1], p[..., 2]
    al, be, ga = (np.radians(p[..., k]) for k in (3, 4, 5))
    cx = c * np.cos(be)
    cy = c * (np.cos(al) - np.cos(be) * np.cos(ga)) / np.sin(ga)
    M = np.zeros(p.shape[:-1] + (3, 3))
    M[..., 0, 0], M[..., 0, 1], M[..., 0, 2] = a, b * np.cos(ga), cx
    M[..., 1, 1], M[..., 1, 2] = b * np.sin(ga), cy
    M[..., 2, 2] = np.sqrt(c * c - cx * cx - cy * cy)
    return M


def numpy_row(p0, s0, p, s):
    """Linear strain and principal strains of one pair, s.u.'s by central differences (inputs with an s.u.)."""
    x0 = np.concatenate([p0, p])
    sig = np.nan_to_num(np.concatenate([s0, s]))
    act = np.flatnonzero(sig > 0)
    h = 1e-6 * np.maximum(1.0, np.abs(x0[act]))
    X = np.repeat(x0[None], 1 + 2 * len(act), axis=0)
    X[1 + np.arange(len(act)), act] += h
    X[1 + len(act) + np.arange(len(act)), act] -= h
    F = matrix(X[:, 6:]) @ np.linalg.inv(matrix(X[:, :6]))
    e = 0.5 * (F + np.swapaxes(F, -1, -2)) - np.eye(3)
    lam = np.linalg.eigvalsh(e)
    out = np.concatenate([e.reshape(len(X), 9), lam], axis=1)
    m = len(act)
    J = (out[1 : m + 1] - out[m + 1 :]) / (2 * h[:, None])
    return out[0], np.sqrt(np.sum((sig[act, None] * J) ** 2, axis=0))


def numpy_baseline(T, P, S):
    """np.polyfit line per lattice parameter (weighted by the s.u.'s): value and s.u. at any T."""
    fits = []
    for k in range(6):
        if np.ptp(P[:, k]) < 1e-9:
            fits.append((np.array([0.0, P[0, k]]), np.zeros((2, 2))))
            continue
        w = 1 / S[:, k] if np.all(np.isfinite(S[:, k])) else None
        fits.append(np.polyfit(T, P[:, k], 1, w=w, cov="unscaled" if w is not None else True))

    def at(t):
        g = np.array([t, 1.0])
        return (np.array([np.polyval(c, t) for c, _ in fits]),
                np.array([np.sqrt(g @ C @ g) if np.any(C) else np.nan for _, C in fits]))

    return at


def numpy_table(df):
    T = df["T"].to_numpy(float)
    P = df[list(CELL)].to_numpy(float)
    S = df[[f"{n}_su" for n in CELL]].to_numpy(float)
    para = (df["spacegroup"] == "C m c m").to_numpy()
    at = numpy_baseline(T[para], P[para], S[para])
    rows = []
    for t, p, s in zip(T, P, S):
        p0, s0 = at(t)
        rows.append(numpy_row(p0, s0, p, s))
    # thermal expansion of each phase: strain vs the lowest-T cell, np.polyfit per component
    for g in ("C m c m", "P m c n"):
        m = (df["spacegroup"] == g).to_numpy()
        i0 = np.flatnonzero(m)[np.argmin(T[m])]
        E = np.array([numpy_row(P[i0], np.full(6, np.nan), p, np.full(6, np.nan))[0][:9] for p in P[m]])
        slopes = np.polyfit(T[m], E, 1)[0]
        np.linalg.eigvalsh(slopes.reshape(3, 3))
    return rows


def pymatgen_loop(df, baseline):
    from pymatgen.analysis.elasticity.strain import Deformation
    from pymatgen.core import Lattice

    out = []
    ref = baseline.cells_at(df["T"].to_numpy(float))
    for p0, p in zip(ref, df[list(CELL)].to_numpy(float)):
        L0, L = Lattice.from_parameters(*p0), Lattice.from_parameters(*p)
        F = np.linalg.solve(L0.matrix, L.matrix).T  # pymatgen stores the vectors as rows
        out.append(Deformation(F).green_lagrange_strain)
    return out


def loop_transitions(df):
    """Brackets, per-row proxies and the four fits, written as a loop (the user's alternative)."""
    from scipy.optimize import least_squares

    res = []
    for br in ("heating", "cooling"):
        d = df[df["branch"] == br].sort_values("T")
        g = d["spacegroup"].to_numpy()
        T = d["T"].to_numpy(float)
        for j in np.flatnonzero(g[1:] != g[:-1]):
            lo, hi = T[j], T[j + 1]
            para = (df["spacegroup"] == "C m c m").to_numpy()
            at = numpy_baseline(df["T"].to_numpy(float)[para], df[list(CELL)].to_numpy(float)[para],
                                df[[f"{n}_su" for n in CELL]].to_numpy(float)[para])
            low = d[(d["spacegroup"] == "P m c n") & (d["T"] <= lo)]
            z = []  # the components allowed in both groups (e11, e22, e33), then their mean direction
            for t, p in zip(low["T"], low[list(CELL)].to_numpy(float)):
                e = numpy_row(at(t)[0], np.full(6, np.nan), p, np.full(6, np.nan))[0][:9].reshape(3, 3)
                z.append(np.diag(e))
            z = np.array(z)
            u = z.mean(axis=0) / np.linalg.norm(z.mean(axis=0))
            Tl, y = low["T"].to_numpy(float), z @ u
            for beta in (0.5, 0.25, None):
                def f(q, beta=beta):
                    b_ = q[2] if beta is None else beta
                    return y - q[0] * np.maximum(q[1] - Tl, 0) ** (2 * b_)
                x0 = [y.max() / max(hi - Tl.min(), 1), 0.5 * (lo + hi)] + ([0.3] if beta is None else [])
                lb = [0, lo + 1e-9] + ([0.05] if beta is None else [])
                ub = [np.inf, hi] + ([1.0] if beta is None else [])
                res.append(least_squares(f, x0, bounds=(lb, ub)).x)
            dd = 0.5 * (lo + hi) - Tl
            res.append(np.linalg.lstsq(np.column_stack([np.ones_like(dd), dd]), y, rcond=None)[0])
    return res


# ------------------------------------------------------------------------------------------------ main


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--big", type=int, default=0, help="also time the table pipeline on this many cells")
    args = ap.parse_args()

    from symstrain.expansion import thermal_expansion
    from symstrain.paraphase import choose_reference
    from symstrain.series import read_cells_csv, strain_table
    from symstrain.transitions import find_transitions

    tmp = Path(tempfile.mkdtemp(prefix="bench_series_"))
    csv = tmp / "cells.csv"
    write_cells(csv, args.n)
    cells = read_cells_csv(csv)
    choice = choose_reference(cells)
    base = choice.reference

    def sym_table():
        return strain_table(cells, choice)

    # answers first: the strain of stage 1 agrees with pymatgen's F and with the numpy loop (values and s.u.'s)
    df = sym_table()
    k = np.argsort(cells["T"].to_numpy(float), kind="stable")[:3]
    sub = cells.iloc[k]
    pm = pymatgen_loop(sub, base)
    srt = df.set_index(df["label"])
    for (i, r), E in zip(sub.iterrows(), pm):
        row = srt.loc[r["label"]]
        lin = np.array([row["e11"], row["e22"], row["e33"]])
        assert np.allclose(np.diag(E), lin + 0.5 * lin**2, atol=1e-9), "pymatgen disagrees"
        p0, s0 = base.cells_at(r["T"])[0], np.array([base.baselines[n].su(r["T"]) if n in base.baselines else np.nan
                                                    for n in CELL])
        v, s = numpy_row(p0, s0, r[list(CELL)].to_numpy(float), r[[f"{n}_su" for n in CELL]].to_numpy(float))
        assert np.allclose([v[0], v[4], v[8]], lin, atol=1e-12)
        assert np.allclose([s[0], s[4], s[8]], [row["e11_su"], row["e22_su"], row["e33_su"]], rtol=1e-6)
    print(f"{args.n} cells (Cmcm → Pmcn, heating and cooling, s.u.'s on a, b, c); {args.repeats} interleaved "
          "repeats; times are medians, ratios median (min)")

    def report(name, A, B, label_b):
        res = interleaved(A, B, args.repeats)
        for clock in ("wall", "cpu"):
            ta, tb, r, rmin = res[clock]
            print(f"  {name:22s} {clock:4s} symstrain {ta * 1e3:8.1f} ms   {label_b:26s} {tb * 1e3:9.1f} ms   "
                  f"ratio {r:6.1f}× ({rmin:.1f}×)")

    print("1. strain table (every component, ε13, vs, e_ss, e_sb, e_nsb, principal strains):")
    report("strain_table, s.u.'s", sym_table, lambda: pymatgen_loop(cells, base), "pymatgen loop, no s.u.'s")
    report("strain_table, s.u.'s", sym_table,
           lambda: [numpy_row(p0, s0, p, s) for p0, s0, p, s in zip(
               base.cells_at(cells["T"].to_numpy(float)),
               np.column_stack([base.baselines[n].su(cells["T"].to_numpy(float)) if n in base.baselines
                                else np.full(len(cells), np.nan) for n in CELL]),
               cells[list(CELL)].to_numpy(float), cells[[f"{n}_su" for n in CELL]].to_numpy(float))],
           "numpy loop, s.u.'s")

    def sym_pipeline(path=csv):
        c = read_cells_csv(path)
        ch = choose_reference(c)
        strain_table(c, ch)
        thermal_expansion(c, groups=ch.groups)

    def numpy_pipeline(path=csv):
        import pandas as pd

        d = pd.read_csv(path)
        d["spacegroup"] = d["spacegroup"].map({"Cmcm": "C m c m", "Pmcn": "P m c n"})
        for n in ("alpha", "beta", "gamma"):
            d[f"{n}_su"] = np.nan
        numpy_table(d)

    print("2. table on a CSV (read, paraphase + baseline, strain table, thermal expansion):")
    report("table pipeline", sym_pipeline, numpy_pipeline, "numpy loop, same fits")

    def numpy_transitions():
        import pandas as pd

        d = pd.read_csv(csv)
        d["spacegroup"] = d["spacegroup"].map({"Cmcm": "C m c m", "Pmcn": "P m c n"})
        for n in ("alpha", "beta", "gamma"):
            d[f"{n}_su"] = np.nan
        return loop_transitions(d)

    trs, _ = find_transitions(cells)
    print("3. transitions: " + "; ".join(f"{t.bracket.branch} {t.bracket.T_below:.1f}–{t.bracket.T_above:.1f} K, "
                                         f"T_c = {t.Tc:.2f} ± {t.Tc_su:.2g} K ({t.preferred})" for t in trs))
    # answers first: the loop's second-order T_c of each branch lies in the same bracket as symstrain's (the loop is
    # unweighted and projects the strain on its mean direction; symstrain weights by the proxies' s.u.'s)
    loop = numpy_transitions()
    for t, x in zip(trs, loop[0::4]):
        so = next(f for f in t.comparison.fits if f.model == "second_order")
        lo, hi = t.bracket.T_below - 1e-6, t.bracket.T_above + 1e-6
        assert lo <= so.Tc <= hi and lo <= x[1] <= hi, ("loop disagrees", so.Tc, x[1], lo, hi)
        print(f"   second-order T_c, {t.bracket.branch}: symstrain {so.Tc:.3f} ± {so.Tc_su:.3f} K, loop {x[1]:.3f} K")
    report("find_transitions", lambda: find_transitions(read_cells_csv(csv)), numpy_transitions,
           "loop, same four fits")

    # the commands as a user types them (argument parsing, text, CSV and JSON writing; --no-plots, then with the
    # figures once), against the same numpy loops (which write nothing)
    import contextlib
    import io

    from symstrain.cli import main as cli

    def command(name, *extra):
        def run():
            out = Path(tempfile.mkdtemp(prefix="bench_cmd_", dir=tmp)) / "o"
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                rc = cli([name, "--cells", str(csv), "--out", str(out), "--no-progress", *extra])
            assert rc == 0, (name, rc)
        return run

    print("4. the commands on the CSV (symstrain table|transitions --cells CSV --no-plots):")
    report("table --no-plots", command("table", "--no-plots"), numpy_pipeline, "numpy loop, same fits")
    report("transitions --no-plots", command("transitions", "--no-plots"), numpy_transitions,
           "loop, same four fits")
    for name in ("table", "transitions"):
        t0 = time.perf_counter()
        command(name)()
        print(f"  {name} with its figures: {time.perf_counter() - t0:.2f} s wall (once)")

    if args.big:
        big = tmp / "big.csv"
        write_cells(big, args.big, seed=1)
        t0 = time.perf_counter()
        sym_pipeline(big)
        t1 = time.perf_counter()
        print(f"table pipeline on {args.big} cells: {t1 - t0:.2f} s (symstrain only)")


if __name__ == "__main__":
    main()
