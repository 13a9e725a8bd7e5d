"""Figures of the splitting of twin-related reflections (PNG via the Agg canvas; no pyplot state).

:func:`plot_splitting` takes a :class:`~symstrain.peak_splitting.PeakSplitting` (one or many temperatures), writes one
PNG with 2θ of each reflection and of its twin against T (left) and Δ2θ = 2θ_twin − 2θ against T (right), and
returns its path. Heating and cooling rows are drawn with the markers of the strain figures, and joined by the same
rule (:func:`~symstrain.plots.strain.joined_runs`): lines only between neighbours of one group on a known branch, so
that no line bridges the symmetry change (the jump of Δ2θ at T↑ and T↓ shows as a gap). As every figure along T:
the phases of the rows are shaded and labelled with their groups (hatched where heating and cooling disagree), the
symmetry changes marked at their brackets, and the legend sits below the panels (it hides no data).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import save_figure
from .strain import STYLE, group_colours, join_neighbours, mark_transitions, phase_segments, shade_phases, short_symbol


def _label(r) -> str:
    def ints(*x):
        return " ".join(str(int(v)) if float(v).is_integer() else f"{v:g}" for v in x)

    return f"({ints(r.h, r.k, r.l)})/({ints(r.h_twin, r.k_twin, r.l_twin)}) {r.state_j}–{r.state_k}"


def plot_splitting(splitting, path, title: str | None = None) -> str:
    """2θ (°) and Δ2θ (°) of the twin-related reflections against T (K); one colour per reflection pair."""
    df = splitting.table
    fig = Figure(figsize=(10.0, 4.0), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    groups = list(df.groupby(["state_j", "state_k", "h", "k", "l"], sort=False)) if len(df) else []
    colours = [f"C{i % 10}" for i in range(len(groups))]
    for (key, g), col in zip(groups, colours):
        lab = _label(g.iloc[0])
        for br in ("heating", "cooling", ""):
            b = g[g["branch"] == br].sort_values("T")
            if not len(b):
                continue
            st = STYLE[br]
            kw = dict(color=col, ms=5, lw=0.8)
            mark = dict(marker=st["marker"], mfc=col if st["mfc"] != "none" else "none", ls="none")
            suffix = f", {br}" if br else ""
            T, grp = b["T"].to_numpy(float), b["spacegroup"].astype(str).to_numpy()
            tt, tw = b["two_theta"].to_numpy(float), b["two_theta_twin"].to_numpy(float)
            ax1.plot(T, tt, label=f"{lab}{suffix}", **kw, **mark)
            ax1.plot(T, tw, **kw, **{**mark, "marker": "x"})
            join_neighbours(ax1, T, tt, grp, br, ls="-", **kw)
            join_neighbours(ax1, T, tw, grp, br, ls="--", **kw)
            su = b["delta_two_theta_su"].to_numpy(float)
            d2 = b["delta_two_theta"].to_numpy(float)
            ax2.errorbar(T, d2, yerr=np.nan_to_num(su) if np.isfinite(su).any() else None, capsize=2,
                         label=f"{lab}{suffix}", **kw, **mark)
            join_neighbours(ax2, T, d2, grp, br, ls="-", **kw)
    _phases(df, (ax1, ax2))
    ax1.set_xlabel("T (K)")
    ax1.set_ylabel("2θ (°)   twin: × (dashed)")
    ax2.set_xlabel("T (K)")
    ax2.set_ylabel("Δ2θ = 2θ(twin) − 2θ(hkl) (°)")
    ax2.axhline(0.0, color="0.6", lw=0.6)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    if groups:
        from matplotlib.patches import Patch

        handles, labels = ax2.get_legend_handles_labels()
        handles += [Patch(color=c, label=short_symbol(g)) for g, c in _colours(df).items() if g]
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), fontsize=7,
                   frameon=False)
    else:
        ax2.text(0.5, 0.5, "no twin-related reflections split", ha="center", va="center", transform=ax2.transAxes)
    fig.suptitle(title or f"twin-related reflections, λ = {splitting.wavelength:g} Å")
    return save_figure(fig, path)


def _rows(df):
    """One row per (branch, T, group): the structures behind the table (each carries several reflections)."""
    rows = df.drop_duplicates(["branch", "T", "spacegroup"]).copy()
    rows["branch"] = rows["branch"].fillna("").astype(str)
    return rows.sort_values("T")


def _colours(df) -> dict:
    return group_colours(_rows(df)) if "spacegroup" in df and len(df) else {}


def _phases(df, axes) -> None:
    """Shade and label the phases of the rows and mark each symmetry change (as the strain figures do)."""
    if "spacegroup" not in df or not len(df) or not (df["spacegroup"].astype(str) != "").any():
        return
    from ..series_read import spacegroup_of
    from ..transitions import find_brackets

    rows = _rows(df)
    rows["sg_number"] = [spacegroup_of(g)[1] for g in rows["spacegroup"].astype(str)]
    rows["label"] = rows["block"].astype(str) if "block" in rows else rows["T"].astype(str)
    segments, colours, brackets = phase_segments(rows), group_colours(rows), find_brackets(rows)
    for ax in axes:
        shade_phases(ax, segments, colours, label=True)
        mark_transitions(ax, brackets)
