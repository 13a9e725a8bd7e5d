"""Figures of strain tables (PNG via the Agg canvas; no pyplot state): lattice parameters against T with the
fitted reference baseline, and ε13, volume strain and η_strain against T with heating and cooling branches
distinguished. Every function takes a table from :func:`symstrain.series.strain_table` (and optionally a
:class:`~symstrain.reference.CellBaseline`), writes one PNG to ``path`` and returns the path.
"""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure

from . import save_figure

from ..phase import CELL_NAMES

#: heating: red filled up-triangles; cooling: blue open down-triangles; unspecified: black circles
STYLE = {
    "heating": dict(color="tab:red", marker="^", mfc="tab:red", label="heating"),
    "cooling": dict(color="tab:blue", marker="v", mfc="none", label="cooling"),
    "": dict(color="k", marker="o", mfc="none", label="data"),
}
_LABELS = {"a": "a (Å)", "b": "b (Å)", "c": "c (Å)", "alpha": "α (°)", "beta": "β (°)", "gamma": "γ (°)",
           "V": "V (Å³)"}


def _branches(df):
    for br in ("heating", "cooling", ""):
        g = df[df["branch"] == br]
        if len(g):
            yield br, g.sort_values("T")


def _errorbar(ax, g, col, style):
    y = g[col].to_numpy(dtype=float)
    s = g[f"{col}_su"].to_numpy(dtype=float) if f"{col}_su" in g.columns else None
    if s is not None and not np.any(np.isfinite(s)):
        s = None
    ax.errorbar(g["T"], y, yerr=None if s is None else np.nan_to_num(s), ls="-", lw=0.7, ms=5, capsize=2,
                color=style["color"], marker=style["marker"], mfc=style["mfc"], label=style["label"])


def plot_lattice(df, path, baseline=None) -> str:
    """Lattice parameters (those that vary, plus V) against T per branch; the fitted baseline as a dashed line
    with its ±1 s.u. band over the table's temperature range, the fitted range shaded."""
    cols = [n for n in CELL_NAMES if np.ptp(df[n].to_numpy(dtype=float)) > 1e-9 or n in ("a", "b", "c")] + ["V"]
    n = len(cols)
    ncol = min(n, 3)
    nrow = -(-n // ncol)
    fig = Figure(figsize=(4.0 * ncol, 3.0 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
    Tgrid = None
    if baseline is not None and len(df):
        lo = min(float(df["T"].min()), baseline.T_min)
        hi = max(float(df["T"].max()), baseline.T_max)
        if baseline.model == "salje":
            lo = max(lo, 1.0)
        Tgrid = np.linspace(lo, hi, 300)
        ref = baseline.cells_at(Tgrid)
    for ax, col in zip(axes, cols):
        for br, g in _branches(df):
            _errorbar(ax, g, col, STYLE[br])
        if Tgrid is not None:
            if col == "V":
                from ..lattice import volume

                y = volume(ref)
                s = None
            else:
                y = ref[:, CELL_NAMES.index(col)]
                b = baseline.baselines.get(col)
                s = b.su(Tgrid) if b is not None else None
            ax.plot(Tgrid, y, "k--", lw=1, label=f"{baseline.model} baseline")
            if s is not None and np.all(np.isfinite(s)):
                ax.fill_between(Tgrid, y - s, y + s, color="0.6", alpha=0.3, lw=0)
            ax.axvspan(baseline.T_min, baseline.T_max, color="0.9", zorder=0)
        ax.set(xlabel="T (K)", ylabel=_LABELS[col])
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    title = "lattice parameters"
    if baseline is not None:
        title += f" — reference: {baseline.model} baseline fitted at {baseline.T_min:g}–{baseline.T_max:g} K (shaded)"
    fig.suptitle(title, fontsize=9)
    return save_figure(fig, path)


def plot_strain(df, path) -> str:
    """ε13, volume strain vs and η_strain against T, heating and cooling distinguished (s.u. bars when known).
    The frame and the reference are written in the title (from ``df.attrs``)."""
    panels = [("eps13", "ε13"), ("vs", "volume strain vs"), ("eta_strain", "η_strain = |ε13| / max")]
    panels = [(c, lab) for c, lab in panels if c in df.columns and df[c].notna().any()]
    fig = Figure(figsize=(4.2 * max(len(panels), 1), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(len(panels), 1)))
    for ax, (col, lab) in zip(axes, panels):
        for br, g in _branches(df):
            _errorbar(ax, g, col, STYLE[br])
        ax.axhline(0, color="0.7", lw=0.6)
        ax.set(xlabel="T (K)", ylabel=lab)
    if panels:
        axes[0].legend(fontsize=7)
    eta_from = df.attrs.get("eta_from", "eps13")
    if eta_from != "eps13" and len(axes) == 3:
        axes[2].set_ylabel(f"η_strain = |{eta_from}| / max")
    fig.suptitle(f"frame {df.attrs.get('frame', '?')}; reference: {df.attrs.get('reference', '?')}", fontsize=8)
    return save_figure(fig, path)
