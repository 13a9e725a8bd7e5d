"""Figures of the Landau model (PNG via the Agg canvas; no pyplot state): paper Fig. 1, Fig. 2c–d, Fig. 5,
the phase diagram and fit overlays. Every function takes computed results (or a model), writes one PNG
to ``path`` and returns the path; nothing here computes physics beyond evaluating the model on a grid.
"""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure

from . import save_figure

from ..landau import REGIMES, LandauModel

_COL = {"heating": "tab:red", "cooling": "tab:blue"}


def _mark(ax, tr):
    lo, hi = ax.get_ylim()
    for k, (t, lab, ls) in enumerate(((tr.T_up, "T↑", "--"), (tr.T_down, "T↓", "--"), (tr.T_eq, "T_eq", ":"))):
        if np.isfinite(t):
            ax.axvline(t, color="0.5", ls=ls, lw=0.8)
            ax.text(t, lo + (0.35 + 0.2 * k) * (hi - lo), f"{lab} {t:.2f} ", rotation=90, va="center",
                    ha="right", fontsize=7, color="0.3")


def _zoom(ax, tr):
    if np.isfinite(tr.T_up) and np.isfinite(tr.T_down):
        w = max(tr.T_up - tr.T_down, 1.0)
        ax.set_xlim(tr.T_down - 1.5 * w - 10, tr.T_up + 1.5 * w + 10)


def fig1(path, T_SB: float = 200.0, T_SC: float = 200.0) -> str:
    """Paper Fig. 1: descending vs ascending symmetry breaking (Eq. 1), spin-crossover curves (Eq. 2:
    gradual B > 0, critical B = 0, first order B < 0 with hysteresis) and their entropies S = −∂G/∂T."""
    T = np.linspace(T_SB - 100, T_SB + 100, 801)
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    ax = fig.subplots(1, 3)
    sb = {}
    for a0, name in ((0.012, "descending (a0 > 0)"), (-0.012, "ascending (a0 < 0)")):
        # a0 = ±b: η² = |T − T_SB| and S = −a0/2 η² on the same scale as the SC entropies a1 q
        m = LandauModel(a1=0.0, B=0.0, C=1.0, T_SC=T_SB, a0=a0, Tc=T_SB, b=0.012, D=0.0, E=0.0)
        h = m.sweep(T, refine=False).heating
        sb[name] = h
        ax[0].plot(h["T"], h["eta"], label=name)
        ax[2].plot(h["T"], h["S"], label=f"SB {name.split()[0]}")
    ax[0].set(xlabel="T (K)", ylabel="η", title="Eq. 1: symmetry breaking")
    ax[0].legend(fontsize=8)
    Tq = np.linspace(T_SC - 60, T_SC + 60, 1201)
    for B, name, c in ((10.0, "gradual B > 0", "tab:green"), (0.0, "critical B = 0", "tab:orange"),
                       (-10.0, "first order B < 0", "tab:purple")):
        m = LandauModel(a1=0.6, B=B, C=35.0, T_SC=T_SC, a0=0.0, Tc=0.0, b=1.0, D=0.0, E=0.0)
        s = m.sweep(Tq, refine=False)
        ax[1].plot(s.heating["T"], s.heating["q"], color=c, label=name)
        ax[2].plot(s.heating["T"], s.heating["S"], color=c, lw=0.8, label=f"SC {name.split()[0]}")
        if B < 0:
            ax[1].plot(s.cooling["T"], s.cooling["q"], color=c, ls="--")
    ax[1].set(xlabel="T (K)", ylabel="q", title="Eq. 2: spin crossover", ylim=(-1.05, 1.05))
    ax[1].legend(fontsize=8)
    ax[2].set(xlabel="T (K)", ylabel="S − S₀ (energy/K)", title="entropy S = −∂G/∂T")
    ax[2].legend(fontsize=7)
    return save_figure(fig, path)


def fig2cd(sweep, path, zoom: bool = True) -> str:
    """Paper Fig. 2c–d: q(T) and |η|(T) normalised to 1, heating and cooling, with T↑, T↓, T_eq
    (``zoom``: limit the T axis to the hysteresis and a margin of 1.5 widths + 10 K)."""
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots(1, 2)
    emax = max(sweep.heating["eta"].abs().max(), sweep.cooling["eta"].abs().max())
    emax = emax if emax > 0 else 1.0
    for br, df in (("heating", sweep.heating), ("cooling", sweep.cooling)):
        ax[0].plot(df["T"], df["q"], color=_COL[br], label=br)
        ax[1].plot(df["T"], df["eta"].abs() / emax, color=_COL[br], label=br)
    ax[0].set(xlabel="T (K)", ylabel="q", title="(c) spin state q", ylim=(-1.05, 1.05))
    ax[1].set(xlabel="T (K)", ylabel="|η| / max|η|", title="(d) symmetry breaking η", ylim=(-0.05, 1.1))
    for a in ax:
        a.legend(fontsize=8, loc="center left")
        if zoom:
            _zoom(a, sweep.transitions)
        _mark(a, sweep.transitions)
    return save_figure(fig, path)


def fig5(model: LandauModel, sweep, temps, path, nq: int = 161, neta: int = 161) -> str:
    """Paper Fig. 5: G(q, η) maps at three temperatures (low T, inside the hysteresis, high T), cuts
    along q (relaxed g(q) and η = 0) and along η (at the q of each minimum), and barriers vs T."""
    temps = list(temps)
    emax = max(float(sweep.heating["eta"].max()), float(sweep.cooling["eta"].max()), 0.5) * 1.4
    q = np.linspace(-1, 1, nq)
    eta = np.linspace(-emax, emax, neta)
    Q, H = np.meshgrid(q, eta)
    fig = Figure(figsize=(12, 10), layout="constrained")
    ax = fig.subplots(3, 3)
    for j, t in enumerate(temps):
        g = model.G(Q, H, t)
        lo = np.percentile(g, 1)
        hi = np.percentile(g, 60)
        cs = ax[0, j].contourf(Q, H, np.clip(g, lo, hi), levels=30, cmap="viridis")
        fig.colorbar(cs, ax=ax[0, j], shrink=0.8)
        eq = model.equilibria(t)
        mins = eq[eq.kind == "minimum"]
        sad = eq[eq.kind == "saddle"]
        ax[0, j].plot(mins.q, mins.eta, "wo", ms=5, label="minima")
        ax[0, j].plot(sad.q, sad.eta, "rx", ms=6, label="saddle")
        ax[0, j].plot(sad.q, -sad.eta, "rx", ms=6)
        ax[0, j].set(xlabel="q", ylabel="η", title=f"G(q, η) at T = {t:.1f} K")
        ax[1, j].plot(q, model.relaxed(q, t), label="g(q) = min_η G")
        ax[1, j].plot(q, model.G(q, 0.0, t), "--", label="G(q, η = 0)")
        ax[1, j].plot(mins.q, mins.G, "ko", ms=4)
        ax[1, j].set(xlabel="q", ylabel="G", title=f"cut along q, T = {t:.1f} K")
        ax[1, j].legend(fontsize=7)
        for qm in sorted(set(np.round(mins.q.to_numpy(), 6))):
            ax[2, 0].plot(eta, model.G(qm, eta, t), label=f"T {t:.0f} K, q {qm:.2f}")
    ax[0, 0].legend(fontsize=7, loc="lower left")
    ax[2, 0].set(xlabel="η", ylabel="G", title="cuts along η at the minima")
    ax[2, 0].legend(fontsize=6)
    b = sweep.barriers
    ax[2, 1].plot(b["T"], b["dG_LH"], label="ΔG_LH (from low-q state)")
    ax[2, 1].plot(b["T"], b["dG_HL"], label="ΔG_HL (from high-q state)")
    ax[2, 1].set(xlabel="T (K)", ylabel="barrier", title="energy barriers in the hysteresis")
    ax[2, 1].legend(fontsize=7)
    for br, df in (("heating", sweep.heating), ("cooling", sweep.cooling)):
        ax[2, 2].plot(df["T"], df["G"], color=_COL[br], label=br)
    ax[2, 2].set(xlabel="T (K)", ylabel="G of the occupied state", title="branches")
    ax[2, 2].legend(fontsize=7)
    _mark(ax[2, 2], sweep.transitions)
    return save_figure(fig, path)


def phase_diagram_figure(df, x: str, y: str | None, path) -> str:
    """Regime map from :func:`symstrain.landau.phase_diagram` (categorical image, or a strip for one parameter)."""
    fig = Figure(figsize=(7, 5), layout="constrained")
    ax = fig.subplots()
    names = list(REGIMES) + ["invalid"]
    code = df["regime"].map({n: i for i, n in enumerate(names)}).to_numpy(float)
    cmap = __import__("matplotlib").colormaps["tab10"].resampled(len(names))
    if y:
        xs = np.sort(df[x].unique())
        ys = np.sort(df[y].unique())
        img = np.full((ys.size, xs.size), np.nan)
        ix = np.searchsorted(xs, df[x].to_numpy())
        iy = np.searchsorted(ys, df[y].to_numpy())
        img[iy, ix] = code
        ax.pcolormesh(xs, ys, img, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, shading="nearest")
        ax.set(xlabel=x, ylabel=y)
    else:
        ax.scatter(df[x], np.zeros(len(df)), c=code, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, s=80, marker="s")
        ax.set(xlabel=x, yticks=[])
    present = sorted(set(code[np.isfinite(code)].astype(int)))
    for i in present:
        ax.plot([], [], "s", color=cmap(i), label=names[i])
    ax.legend(fontsize=8, loc="best")
    ax.set_title("regimes of the coupled Landau model")
    return save_figure(fig, path)


def fit_figure(fit, q_data, eta_data, path) -> str:
    """Data (both branches) with the fitted model's heating and cooling curves."""
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots(1, 2)
    c = fit.curves
    for br in ("heating", "cooling"):
        cb = c[c.branch == br]
        ax[0].plot(cb["T"], cb["q"], color=_COL[br], label=f"model {br}")
        ax[1].plot(cb["T"], cb["eta_scaled"], color=_COL[br], label=f"model {br}")
        if q_data is not None:
            d = q_data[q_data.branch == br]
            ax[0].plot(d["T"], d["q"], "o", ms=3, mfc="none", color=_COL[br], label=f"data {br}")
        if eta_data is not None:
            d = eta_data[eta_data.branch == br]
            ax[1].plot(d["T"], d["eta"], "o", ms=3, mfc="none", color=_COL[br], label=f"data {br}")
    ax[0].set(xlabel="T (K)", ylabel="q", title="spin state")
    ax[1].set(xlabel="T (K)", ylabel="η (data units)", title="symmetry breaking")
    for a in ax:
        a.legend(fontsize=7)
        _mark(a, fit.transitions)
    return save_figure(fig, path)
