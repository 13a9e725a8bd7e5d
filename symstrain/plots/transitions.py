"""Figure of the transition finder (PNG via the Agg canvas): one panel per transition with the order-parameter proxy
against T, every fitted model (second order, tricritical, free β, first-order step) with its T_c and Akaike weight,
the bracket shaded, the two phases labelled with their groups, units on the axes and the legend below the panel.
The rows are markers (no line through data: the jump lies somewhere in the bracket); the first-order step's jump at
its T_c is a dashed vertical connector, as every model jump in ``plots/`` (:func:`~symstrain.plots.strain.draw_jump`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import save_figure
from .strain import STRAIN_SCALE, STYLE, draw_jump, short_symbol

_MODEL_STYLE = {
    "second_order": dict(color="tab:blue", ls="-", label="second order, β = ½"),
    "tricritical": dict(color="tab:green", ls="--", label="tricritical, β = ¼"),
    "free_beta": dict(color="tab:purple", ls="-.", label="free β"),
    "first_order_step": dict(color="tab:orange", ls=":", label="first-order step"),
}
_PROXY_LABEL = {"e_sb": "signed e_sb (×10⁻³)", "e_nsb": "signed e_nsb (×10⁻³)"}


def _scale(proxy: str | None) -> float:
    return STRAIN_SCALE


def plot_transitions(transitions, path, title: str | None = None, colours: dict | None = None) -> str:
    """One panel per :class:`~symstrain.transitions.Transition`; a transition without a relation (only a bracket)
    is drawn as its bracket with the reason. ``colours``: group → shading colour (``plots.strain.group_colours`` of
    the series, so that a phase has one colour in every panel and in the table's figures); default: the
    low-symmetry side orange, the high-symmetry side blue."""
    n = max(len(transitions), 1)
    ncol = min(n, 2)
    nrow = -(-n // ncol)
    fig = Figure(figsize=(6.0 * ncol, 4.6 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    if not transitions:
        axes[0].text(0.5, 0.5, "no symmetry change between neighbouring rows of any branch", ha="center",
                     va="center", transform=axes[0].transAxes)
        axes[0].set(xlabel="T (K)")
    for ax, tr in zip(axes, transitions):
        _panel(ax, tr, colours or {})
    if title:
        fig.suptitle(title, fontsize=9)
    return save_figure(fig, path)


def _panel(ax, tr, colours: dict) -> None:
    b = tr.bracket
    st = STYLE.get(b.branch, STYLE[""])
    k = _scale(tr.proxy)
    T_all = np.concatenate([tr.T, tr.T_other, [b.T_below, b.T_above]])
    lo, hi = float(T_all.min()), float(T_all.max())
    pad = 0.05 * max(hi - lo, 1.0)
    lo, hi = lo - pad, hi + pad
    # phases on both sides of the bracket, the bracket hatched
    low_side = (lo, b.T_below) if tr.ordered_below else (b.T_above, hi)
    high_side = (b.T_above, hi) if tr.ordered_below else (lo, b.T_below)
    ax.axvspan(*low_side, color=colours.get(tr.low, "#fbe3cf"), lw=0, zorder=0)
    ax.axvspan(*high_side, color=colours.get(tr.high, "#d9e8f5"), lw=0, zorder=0)
    ax.axvspan(b.T_below, b.T_above, facecolor="none", edgecolor="0.5", hatch="///", lw=0, zorder=0,
               label=f"bracket {b.T_below:g}–{b.T_above:g} K")
    for (a, c), name in ((low_side, tr.low), (high_side, tr.high)):
        ax.text(0.5 * (a + c), 1.0, short_symbol(name), transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=9)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("T (K)")
    if tr.comparison is None:
        ax.text(0.5, 0.5, f"{short_symbol(tr.low)} is not a subgroup of {short_symbol(tr.high)}:\n"
                f"{tr.not_subgroup}\nT_c in the bracket: {tr.Tc:.4g} ± {tr.Tc_su:.2g} K", ha="center", va="center",
                transform=ax.transAxes, fontsize=8, wrap=True)
        ax.set_ylabel("no order-parameter proxy")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize=7, frameon=False)
        return
    yerr = tr.y_su * k if np.isfinite(tr.y_su).any() else None
    ax.errorbar(tr.T, tr.y * k, yerr=yerr, ls="none", marker=st["marker"], color=st["color"], mfc=st["mfc"],
                ms=6, capsize=2, zorder=4, label=f"{short_symbol(tr.low)} rows ({b.branch or 'no branch'})")
    if len(tr.y_other):
        ax.plot(tr.T_other, tr.y_other * k, ls="none", marker="s", color="0.3", mfc="none", ms=5, zorder=4,
                label=f"{short_symbol(tr.high)} rows (residual of the reference)")
    grid = np.linspace(lo, hi, 600)
    for f in tr.comparison.fits:
        s = _MODEL_STYLE[f.model]
        best = " ← preferred" if f.model == tr.preferred else ""
        w = "" if not np.isfinite(f.weight) else f", weight {f.weight:.2f}"
        beta = f", β = {f.beta:.3g}" if f.model == "free_beta" else ""
        kw = dict(color=s["color"], lw=1.8 if best else 1.1, zorder=3)
        label = f"{s['label']}{beta}: T_c = {f.Tc:.4g} ± {f.Tc_su:.2g} K{w}{best}"
        if f.model != "first_order_step" or not lo < f.Tc < hi:
            ax.plot(grid, f.curve(grid, tr.ordered_below) * k, ls=s["ls"], label=label, **kw)
            continue
        # the step is a jump at T_c: two pieces that stop there, joined by a dashed connector
        below, above = grid[grid < f.Tc], grid[grid > f.Tc]
        y_lo, y_hi = (f.A, 0.0) if tr.ordered_below else (0.0, f.A)  # A + B·0: the ordered side's value at T_c
        ax.plot(np.append(below, f.Tc), np.append(f.curve(below, tr.ordered_below), y_lo) * k, ls=s["ls"],
                label=label, **kw)
        ax.plot(np.insert(above, 0, f.Tc), np.insert(f.curve(above, tr.ordered_below), 0, y_hi) * k, ls=s["ls"], **kw)
        draw_jump(ax, f.Tc, y_lo * k, y_hi * k, color=s["color"], zorder=3)
    ax.axvline(tr.Tc, color="k", lw=0.8, ls="-", zorder=2)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.ticklabel_format(axis="y", useOffset=False)
    q = "Q" if tr.coupling == "linear" else "Q²"
    ax.set_ylabel(f"∝ {q}: {_PROXY_LABEL.get(tr.proxy, tr.proxy)}")
    import textwrap

    crit = {"aicc": "AICc", "aic": "AIC"}.get(tr.comparison.criterion)
    # (no model fitted: the evidence says why, without "— : None," before it: sweep 29)
    verdict = tr.comparison.evidence if crit is None or tr.preferred is None else \
        f"{crit}: {tr.preferred}, {tr.comparison.evidence}"
    ax.set_title("\n".join(textwrap.wrap(f"{short_symbol(tr.high)} → {short_symbol(tr.low)} ({b.branch or 'no branch'})"
                                          f" — {verdict}"
                                          + ("" if tr.comparison.sigma_dof is None else
                                             f" (σ from a residual scatter with {tr.comparison.sigma_dof} dof)"),
                                          70)),
                 fontsize=8, pad=14)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7, frameon=False, ncol=1)
