"""Figure of the three order-parameter measures (strain, SB intensities, mode amplitude) against temperature.

Each measure gets its own panel in its own unit, from 0 to above its largest value, with its s.u. as error bars: a
constant series reads as a flat line at its value and a single structure as one point with its value on the axis
(never a cluster of points at 1.0, which is what normalising a constant series gives). The proportionality panel
compares the measures only when η_modes takes at least two different values. Structures are drawn with the branch
markers of the strain figures (heating, cooling, or none when neither the table's ``branch`` column nor the file
or block name says) and joined by their rule (:func:`~symstrain.plots.strain.joined_runs`): lines only between
neighbours in T of one space group on a known branch, so that no line bridges a first-order jump.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import save_figure
from .strain import STYLE, join_neighbours

_PANELS = (
    ("eta_strain", "η_strain (dimensionless)", "o", "tab:blue", "from the strain coupled to η (e_sb, √e_sb or √e_nsb)",
     "undefined: no strain against the parent"),
    ("eta_intensity", "η_intensity (dimensionless)", "s", "tab:red", "√(ΣI_SB / ΣI_all), predicted",
     "undefined: no intensity"),
    ("eta_modes", "η_modes (Å per parent cell)", "^", "tab:green", "symmetry-mode amplitude",
     "undefined"),
)


def _values(df, col):
    y = df[col].to_numpy(float) if col in df else np.full(len(df), np.nan)
    su = df[col + "_su"].to_numpy(float) if col + "_su" in df else np.full(len(df), np.nan)
    return np.abs(y), su


def _branches(df) -> np.ndarray:
    """The branch of each row: the ``branch`` column, else what the file or block name says ("" when neither)."""
    from ..series_read import branch_from_name

    if "branch" in df:
        return df["branch"].fillna("").astype(str).to_numpy()
    files = df["file"] if "file" in df else [None] * len(df)
    blocks = df["block"] if "block" in df else [None] * len(df)
    return np.array([branch_from_name(f, b) for f, b in zip(files, blocks)], dtype=object)


def plot_order_parameters(df, path, title: str = "") -> str:
    """η_strain, η_intensity and η_modes against T (K), or against the file order when a temperature is unknown, each
    in its unit with its s.u.; and η_strain, η_intensity against η_modes (each divided by its largest value) when
    η_modes varies. ``df`` is :meth:`symstrain.order.OrderSeries.to_frame`. Writes one PNG; returns its path."""
    fig = Figure(figsize=(11, 6.4), layout="constrained")
    grid = fig.add_gridspec(3, 2, width_ratios=(1.15, 1))
    known = len(df) > 0 and df["T"].notna().all()
    x = df["T"].to_numpy(float) if known else np.arange(1, len(df) + 1, dtype=float)
    branch = _branches(df)
    group = df["spacegroup"].astype(str).to_numpy() if "spacegroup" in df else None
    first = None
    for k, (col, label, marker, colour, what, missing) in enumerate(_PANELS):
        ax = fig.add_subplot(grid[k, 0], sharex=first)
        first = first or ax
        y, su = _values(df, col)
        ok = np.isfinite(y)
        if ok.any():
            err = np.where(np.isfinite(su), su, 0.0) if np.isfinite(su[ok]).any() else None
            for br in dict.fromkeys(branch):
                m = branch == br
                st = STYLE.get(br, STYLE[""])
                ax.errorbar(x[m], y[m], yerr=None if err is None else err[m], marker=st["marker"], color=colour,
                            mfc=colour if st["mfc"] != "none" else "none", ls="none", capsize=2,
                            label=f"{what} ({st['label']})")
                if known:  # along T only: the file order is no trend
                    join_neighbours(ax, x[m], y[m], None if group is None else group[m], br, color=colour, lw=1.0)
            top = float(np.nanmax(y + (np.nan_to_num(su) if err is not None else 0.0)))
            ax.set_ylim(-0.04 * top if top > 0 else -0.04, 1.15 * top if top > 0 else 1.0)  # a 0 stays in view
            if ok.sum() == 1 or np.ptp(y[ok]) <= 1e-6 * max(top, 1e-300):  # one value: say it
                ax.axhline(float(y[ok][0]), color=colour, lw=0.6, ls=":")
                ax.text(0.01, 0.08, f"{'constant ' if ok.sum() > 1 else ''}{float(y[ok][0]):.4g}",
                        transform=ax.transAxes, fontsize=8, color=colour)
            ax.legend(fontsize=7, loc="best")  # where it covers the fewest points
        else:
            ax.set_ylim(0, 1)
            ax.text(0.5, 0.5, missing, ha="center", va="center", transform=ax.transAxes, fontsize=8, color="0.4")
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
        if k < 2:
            ax.tick_params(labelbottom=False)
    ax.set_xlabel("T (K)" if known else "structure (file order; temperature unknown)")  # the bottom panel
    if len(x) == 1 or (len(x) and np.ptp(x) == 0):
        first.set_xlim(x[0] - 10.0, x[0] + 10.0)
    ax2 = fig.add_subplot(grid[:, 1])
    xm, _ = _values(df, "eta_modes")
    usable = np.isfinite(xm)
    if usable.sum() >= 2 and np.ptp(xm[usable]) > 0.01 * np.nanmax(xm):  # a spread of 1 % at least
        xn = xm / np.nanmax(xm)
        for col, label, marker, colour, what, _ in _PANELS[:2]:
            y, _ = _values(df, col)
            if np.isfinite(y).any() and np.nanmax(y) > 0:
                ax2.plot(xn, y / np.nanmax(y), ls="none", marker=marker, color=colour, label=label.split(" (")[0])
        ax2.plot([0, 1], [0, 1], color="0.5", lw=0.8, label="proportional")
        ax2.set_xlim(0, 1.05)
        ax2.set_ylim(0, 1.05)
        ax2.legend(fontsize=8)
    else:
        ax2.text(0.5, 0.5, "proportionality needs at least two structures\nwhose η_modes differ by more than 1 %",
                 ha="center", va="center", transform=ax2.transAxes, fontsize=9, color="0.4")
        ax2.set_xticks([])
        ax2.set_yticks([])
    ax2.set_xlabel("η_modes / max η_modes (dimensionless)")
    ax2.set_ylabel("η / max η (dimensionless)")
    ax2.set_title("are the measures proportional?", fontsize=10)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
