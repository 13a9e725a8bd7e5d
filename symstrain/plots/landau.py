"""Figures of the Landau model (PNG via the Agg canvas; no pyplot state): the model taken apart (the role of the
paper's Fig. 1, with the model's own parameters), Fig. 2c–d, Fig. 5 (G maps on a colour scale chosen from the data),
the phase diagram and fit overlays. Every function takes computed results (or a model), writes one PNG
to ``path`` and returns the path; nothing here computes physics beyond evaluating the model on a grid.

A heating or cooling branch that jumps (a first-order event) is drawn in pieces that stop at the jump temperature,
the jump itself a dashed vertical connector (:func:`~symstrain.plots.strain.draw_jump`, as every model jump in
``plots/``): no solid line bridges a first-order jump.
"""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure

from . import save_figure
from .strain import draw_jump

from ..landau import PARAMETER_UNITS, REGIMES, LandauModel

_COL = {"heating": "tab:red", "cooling": "tab:blue"}


def _jumps(transitions) -> dict:
    """branch → temperatures (K) of its first-order jumps: every event of a sweep's :class:`Transitions`, or T↑ and
    T↓ of a summary without events (a fit's)."""
    events = getattr(transitions, "events", None)
    if events is not None:
        out = {"heating": [], "cooling": []}
        for e in events:
            if e.kind == "first-order":
                out[e.direction].append(float(e.T))
        return out
    return {"heating": [t for t in (transitions.T_up,) if np.isfinite(t)],
            "cooling": [t for t in (transitions.T_down,) if np.isfinite(t)]}


def branch_line(ax, T, y, jumps=(), label=None, **kw) -> None:
    """One branch y(T) (T ascending): solid pieces between its first-order ``jumps`` (K), each piece carried flat to
    the jump temperature, and each jump a dashed vertical connector in the same colour."""
    T, y = np.asarray(T, float), np.asarray(y, float)
    cuts = sorted(t for t in jumps if T[0] < t < T[-1])
    idx = np.searchsorted(T, cuts)
    starts = [0] + list(idx)
    ends = list(idx) + [len(T)]
    for k, (a, b) in enumerate(zip(starts, ends)):
        xs, ys = T[a:b], y[a:b]
        if k > 0:
            xs, ys = np.insert(xs, 0, cuts[k - 1]), np.insert(ys, 0, y[a])
        if k < len(cuts):
            xs, ys = np.append(xs, cuts[k]), np.append(ys, y[b - 1])
        ax.plot(xs, ys, label=label if k == 0 else None, **kw)
    for t, i in zip(cuts, idx):
        draw_jump(ax, t, y[i - 1], y[i], **{k: kw[k] for k in ("color", "zorder") if k in kw})


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


Q_LABEL = "q (spin state: −1 LS, +1 HS)"
ETA_LABEL = "η (model units)"
G_UNIT = "energy unit of a1·K"


def fig1(model: LandauModel, path, T=None) -> str:
    """The model taken apart, with its own parameters (the role of the paper's Fig. 1): (a) the symmetry breaking at
    a fixed spin state, η² = max(0, −(a0(T − Tc) + 2Dq + Eq²)/b) for q = −1, 0, +1; (b) the spin crossover alone
    (a0 = D = E = 0: gradual for B > 0, critical for B = 0, first order for B < 0) against the coupled model's q(T) on
    heating and cooling; (c) the entropies S = −∂G/∂T = a1·q − a0/2·η² of both. ``T`` (K) defaults to
    :meth:`~symstrain.landau.LandauModel.default_grid`."""
    T = model.default_grid(801) if T is None else np.asarray(T, float)
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    ax = fig.subplots(1, 3)
    for q, c, ls, name in ((-1.0, "tab:blue", "-", "q = −1 (LS)"), (0.0, "0.5", ":", "q = 0"),
                           (1.0, "tab:red", "-", "q = +1 (HS)")):
        ax[0].plot(T, np.sqrt(model.eta2(q, T)), color=c, ls=ls, lw=1.5 if q else 1.0, label=name)
    ax[0].set(xlabel="T (K)", ylabel=ETA_LABEL, title="(a) symmetry breaking at fixed q")
    ax[0].text(0.02, 0.98, f"a0 = {model.a0:g}, Tc = {model.Tc:g} K, b = {model.b:g},\nD = {model.D:g}, "
               f"E = {model.E:g}", transform=ax[0].transAxes, va="top", fontsize=7)
    sc = model.replace(a0=0.0, D=0.0, E=0.0)
    kind = "gradual" if model.B > 0 else ("critical" if model.B == 0 else "first order")
    alone, full = sc.sweep(T, refine=False), model.sweep(T, refine=False)
    ja, jf = _jumps(alone.transitions), _jumps(full.transitions)
    for br, ls in (("heating", "-"), ("cooling", (0, (6, 2)))):
        a, f = getattr(alone, br), getattr(full, br)
        branch_line(ax[1], a["T"], a["q"], ja[br], color="tab:green", ls=ls, label=f"SC alone ({kind}), {br}")
        branch_line(ax[1], f["T"], f["q"], jf[br], color=_COL[br], ls=ls, lw=1.2, label=f"coupled model, {br}")
        branch_line(ax[2], a["T"], a["S"], ja[br], color="tab:green", ls=ls, lw=0.9, label=f"SC alone, {br}")
        branch_line(ax[2], f["T"], f["S"], jf[br], color=_COL[br], ls=ls, lw=1.2, label=f"coupled model, {br}")
    ax[1].set(xlabel="T (K)", ylabel=Q_LABEL, ylim=(-1.05, 1.05),
              title=f"(b) spin crossover (a1 = {model.a1:g}, B = {model.B:g}, C = {model.C:g}, T_SC = {model.T_SC:g} K)")
    ax[2].set(xlabel="T (K)", ylabel=f"S − S₀ ({G_UNIT} per K)", title="(c) entropy S = −∂G/∂T = a1·q − a0/2·η²")
    for a in ax:
        a.legend(fontsize=7, loc="lower right")
    ax[1].title.set_fontsize(9)
    return save_figure(fig, path)


def gibbs_colour_scale(g, stationary=()):
    """Colour scale of a G(q, η) map: ``(dG, norm, levels)`` with dG = G − min G ≥ 0 over the whole map and a
    symmetric-log norm from 0 to max dG (nothing saturates), linear up to the depth of the landscape around the
    minima (the highest stationary point in ``stationary``, G values, above the minimum; 1 % of the range when none)
    and logarithmic beyond, so that both the wells and the steep quartic walls keep their contours."""
    from matplotlib.colors import SymLogNorm

    g = np.asarray(g, float)
    dG = g - np.nanmin(g)
    top = float(np.nanmax(dG)) or 1.0
    depth = [float(v) - float(np.nanmin(g)) for v in np.atleast_1d(stationary)] if len(np.atleast_1d(stationary)) else []
    lin = max([d for d in depth if d > 0] + [0.0]) or 0.01 * top
    lin = min(max(lin, 1e-3 * top), top)
    norm = SymLogNorm(linthresh=lin, linscale=1.0, vmin=0.0, vmax=top, base=10)
    levels = np.unique(norm.inverse(np.linspace(0.0, 1.0, 31)))
    levels[0], levels[-1] = 0.0, top
    return dG, norm, levels


def fig2cd(sweep, path, zoom: bool = True) -> str:
    """Paper Fig. 2c–d: q(T) and |η|(T) normalised to 1, heating and cooling, with T↑, T↓, T_eq
    (``zoom``: limit the T axis to the hysteresis and a margin of 1.5 widths + 10 K)."""
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots(1, 2)
    emax = max(sweep.heating["eta"].abs().max(), sweep.cooling["eta"].abs().max())
    emax = emax if emax > 0 else 1.0
    jumps = _jumps(sweep.transitions)
    for br, df in (("heating", sweep.heating), ("cooling", sweep.cooling)):
        branch_line(ax[0], df["T"], df["q"], jumps[br], color=_COL[br], label=br)
        branch_line(ax[1], df["T"], df["eta"].abs() / emax, jumps[br], color=_COL[br], label=br)
    ax[0].set(xlabel="T (K)", ylabel=Q_LABEL, title="(c) spin state q", ylim=(-1.05, 1.05))
    ax[1].set(xlabel="T (K)", ylabel="|η| / max|η| (dimensionless)", title="(d) symmetry breaking η",
              ylim=(-0.05, 1.1))
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
        eq = model.equilibria(t)
        mins = eq[eq.kind == "minimum"]
        sad = eq[eq.kind == "saddle"]
        dG, norm, levels = gibbs_colour_scale(g, eq["G"].to_numpy())
        cs = ax[0, j].contourf(Q, H, dG, levels=levels, norm=norm, cmap="viridis")
        cb = fig.colorbar(cs, ax=ax[0, j], shrink=0.8)
        cb.set_label(f"G − G_min ({G_UNIT}; linear to {norm.linthresh:.3g}, log above)", fontsize=7)
        ax[0, j].plot(mins.q, mins.eta, "wo", ms=5, label="minima")
        ax[0, j].plot(sad.q, sad.eta, "rx", ms=6, label="saddle")
        ax[0, j].plot(sad.q, -sad.eta, "rx", ms=6)
        ax[0, j].set(xlabel=Q_LABEL, ylabel=ETA_LABEL, title=f"G(q, η) at T = {t:.1f} K")
        ax[1, j].plot(q, model.relaxed(q, t), label="g(q) = min_η G")
        ax[1, j].plot(q, model.G(q, 0.0, t), "--", label="G(q, η = 0)")
        ax[1, j].plot(mins.q, mins.G, "ko", ms=4)
        ax[1, j].set(xlabel=Q_LABEL, ylabel=f"G ({G_UNIT})", title=f"cut along q, T = {t:.1f} K")
        ax[1, j].legend(fontsize=7)
        for qm in sorted(set(np.round(mins.q.to_numpy(), 6))):
            ax[2, 0].plot(eta, model.G(qm, eta, t), label=f"T {t:.0f} K, q {qm:.2f}")
    ax[0, 0].legend(fontsize=7, loc="lower left")
    ax[2, 0].set(xlabel=ETA_LABEL, ylabel=f"G ({G_UNIT})", title="cuts along η at the minima")
    ax[2, 0].legend(fontsize=6)
    b = sweep.barriers
    ax[2, 1].plot(b["T"], b["dG_LH"], label="ΔG_LH (from low-q state)")
    ax[2, 1].plot(b["T"], b["dG_HL"], label="ΔG_HL (from high-q state)")
    ax[2, 1].set(xlabel="T (K)", ylabel=f"barrier ΔG ({G_UNIT})", title="energy barriers in the hysteresis")
    ax[2, 1].legend(fontsize=7)
    jumps = _jumps(sweep.transitions)
    for br, df in (("heating", sweep.heating), ("cooling", sweep.cooling)):
        branch_line(ax[2, 2], df["T"], df["G"], jumps[br], color=_COL[br], label=br)
    ax[2, 2].set(xlabel="T (K)", ylabel=f"G of the occupied state ({G_UNIT})", title="branches")
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
        ax.set(xlabel=f"{x} ({PARAMETER_UNITS[x]})", ylabel=f"{y} ({PARAMETER_UNITS[y]})")
    else:
        ax.scatter(df[x], np.zeros(len(df)), c=code, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, s=80, marker="s")
        ax.set(xlabel=f"{x} ({PARAMETER_UNITS[x]})", yticks=[])
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
    jumps = _jumps(fit.transitions)
    for br in ("heating", "cooling"):
        cb = c[c.branch == br].sort_values("T")
        branch_line(ax[0], cb["T"], cb["q"], jumps[br], color=_COL[br], label=f"model {br}")
        branch_line(ax[1], cb["T"], cb["eta_scaled"], jumps[br], color=_COL[br], label=f"model {br}")
        if q_data is not None:
            d = q_data[q_data.branch == br]
            ax[0].plot(d["T"], d["q"], "o", ms=3, mfc="none", color=_COL[br], label=f"data {br}")
        if eta_data is not None:
            d = eta_data[eta_data.branch == br]
            ax[1].plot(d["T"], d["eta"], "o", ms=3, mfc="none", color=_COL[br], label=f"data {br}")
    ax[0].set(xlabel="T (K)", ylabel=Q_LABEL, title="spin state")
    ax[1].set(xlabel="T (K)", ylabel="η (data units)", title="symmetry breaking")
    for a in ax:
        a.legend(fontsize=7)
        _mark(a, fit.transitions)
    return save_figure(fig, path)
