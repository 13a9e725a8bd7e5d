"""Figures of strain tables (PNG via the Agg canvas; no pyplot state): lattice parameters with the reference
baseline, the strain components the relation allows, η from strain, thermal expansion; and the shared drawing of
phases and transitions along T used by ``plots/transitions.py``.

Every figure: phases shaded and labelled with their space groups (a hatched band where heating and cooling
disagree: hysteresis), transitions marked (the bracket between the last row of one group and the first of the
next), units on every axis, one legend outside the axes (it hides no data). Rows of a known branch are joined by
lines only between neighbours of the same group (no line bridges a first-order jump); rows without a branch are
markers only: :func:`joined_runs`, the rule every figure along T in ``plots/`` uses; a model curve with a
first-order jump (Landau branches, the first-order step fit) stops at it and shows it as a dashed vertical
connector (:func:`draw_jump`). Components zero by symmetry are not plotted; strains are drawn ×10³ without an offset.
Every function takes a table from :func:`symstrain.series.strain_table`, writes one PNG to ``path`` and returns it.
"""

from __future__ import annotations

import re

import numpy as np

from . import save_figure

from ..phase import CELL_NAMES

#: heating: red filled up-triangles; cooling: blue open down-triangles; unspecified: black circles (markers only)
STYLE = {
    "heating": dict(color="tab:red", marker="^", mfc="tab:red", label="heating"),
    "cooling": dict(color="tab:blue", marker="v", mfc="none", label="cooling"),
    "": dict(color="k", marker="o", mfc="none", label="no branch (markers only)"),
}
_LABELS = {"a": "a (Å)", "b": "b (Å)", "c": "c (Å)", "alpha": "α (°)", "beta": "β (°)", "gamma": "γ (°)",
           "V": "V (Å³)"}
_PHASE_COLOURS = ("#d9e8f5", "#fbe3cf", "#dcefd9", "#efdcef", "#f5f0c8", "#e3e3e3")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
STRAIN_SCALE = 1e3


def short_symbol(hm: str) -> str:
    """Compact H-M symbol for labels: 'P 1 21/c 1' → 'P2₁/c', 'P 21 c n' → 'P2₁cn', 'C m c m' → 'Cmcm'."""
    tokens = str(hm).split()
    if len(tokens) == 4 and tokens[1] == "1" and tokens[3] == "1":
        tokens = [tokens[0], tokens[2]]
    elif len(tokens) == 4 and tokens[1] == "1" and tokens[2] == "1":
        tokens = [tokens[0], tokens[3]]
    elif len(tokens) == 4 and tokens[2] == "1" and tokens[3] == "1":
        tokens = [tokens[0], tokens[1]]
    return "".join(re.sub(r"(?<=\d)(\d)", lambda m: m.group(1).translate(_SUB), t) for t in tokens)


# ------------------------------------------------------------------------------------------------ phases along T


def phase_segments(df) -> list[tuple[str, float, float]]:
    """[(group or "hysteresis", T_lo, T_hi), ...] along T: per branch, each group spans from the middle of the
    bracket before it to the middle of the bracket after it; where branches disagree the span is "hysteresis"."""
    if "spacegroup" not in df or not len(df):
        return []
    per_branch = []
    for _, g in df.groupby(df["branch"].fillna("").astype(str)):
        g = g[g["spacegroup"].astype(str) != ""].sort_values("T")
        if not len(g):
            continue
        T = g["T"].to_numpy(float)
        grp = g["spacegroup"].astype(str).to_numpy()
        change = np.flatnonzero(grp[1:] != grp[:-1])
        edges = [-np.inf] + [0.5 * (T[i] + T[i + 1]) for i in change] + [np.inf]
        groups = [grp[0]] + [grp[i + 1] for i in change]
        per_branch.append(list(zip(groups, edges[:-1], edges[1:])))
    if not per_branch:
        return []
    T_all = df["T"].to_numpy(float)
    lo, hi = float(T_all.min()), float(T_all.max())
    pad = 0.03 * max(hi - lo, 1.0)
    cuts = sorted({lo - pad, hi + pad} | {e for br in per_branch for _, a, b in br for e in (a, b)
                                          if np.isfinite(e)})
    out = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        mid = 0.5 * (a + b)
        names = {grp for br in per_branch for grp, x, y in br if x <= mid < y}
        name = names.pop() if len(names) == 1 else "hysteresis"
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1], b)
        else:
            out.append((name, a, b))
    return out


def shade_phases(ax, segments, colours: dict, label: bool = True) -> None:
    """Shade each phase segment (hatched grey for hysteresis) and, with ``label``, name it at the top."""
    for name, a, b in segments:
        if name == "hysteresis":
            ax.axvspan(a, b, facecolor="none", edgecolor="0.6", hatch="///", lw=0, zorder=0)
        else:
            ax.axvspan(a, b, color=colours[name], lw=0, zorder=0)
        if label:
            ax.text(0.5 * (a + b), 1.0, "hysteresis" if name == "hysteresis" else short_symbol(name),
                    transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=8,
                    color="0.35" if name == "hysteresis" else "k")


def mark_transitions(ax, brackets) -> None:
    """A dotted line at each bracket edge of every transition (the symmetry changes between those rows)."""
    for b in brackets or ():
        c = STYLE.get(b.branch, STYLE[""])["color"]
        for t in (b.T_below, b.T_above):
            ax.axvline(t, color=c, lw=0.6, ls=":", zorder=1)


def group_colours(df) -> dict:
    """group → shading colour, in the order of each group's lowest T (so that every figure of one series, whatever
    the order of its rows, gives a group the same colour)."""
    if "spacegroup" not in df:
        return {}
    g = df.sort_values("T", kind="stable") if "T" in df else df
    groups = g["spacegroup"].astype(str).unique().tolist()  # in order of appearance
    return {g: _PHASE_COLOURS[i % len(_PHASE_COLOURS)] for i, g in enumerate(groups)}


def _branches(df) -> list:
    """[(branch, its rows sorted by T, their groups as text or None), ...] for heating, cooling and no branch, those
    that have rows (taken once per figure: each is a copy of the table; the groups once for all its panels)."""
    br = df["branch"].fillna("").to_numpy(dtype=object)
    out = []
    for b in ("heating", "cooling", ""):
        m = br == b
        if m.any():
            g = df[m].sort_values("T")
            out.append((b, g, g["spacegroup"].astype(str).to_numpy() if "spacegroup" in g else None))
    return out


def joined_runs(T, groups=None, branch: str = "") -> list[np.ndarray]:
    """The rule of every figure along T: which rows of one branch a line may join. Returns index arrays, each a
    run of rows to join in T order: neighbours in T of the same group (``groups``, one per row; None: all one
    group) at different temperatures. No line bridges a symmetry change (a first-order jump shows as a gap) nor
    joins two runs at one temperature; rows of no stated branch (``branch`` "": they may mix heating and cooling)
    are never joined (an empty list)."""
    T = np.asarray(T, float)
    if not branch or len(T) < 2:
        return []
    order = np.argsort(T, kind="stable")
    g = np.full(len(T), "", dtype=object) if groups is None else np.asarray(groups, dtype=object)[order]
    Ts = T[order]
    cuts = np.flatnonzero((g[1:] != g[:-1]) | (Ts[1:] == Ts[:-1])) + 1
    return [run for run in np.split(order, cuts) if len(run) > 1]


def join_neighbours(ax, T, y, groups=None, branch: str = "", **kw) -> None:
    """Draw the lines :func:`joined_runs` allows (``kw`` to ``ax.plot``; a NaN value leaves a gap)."""
    T, y = np.asarray(T, float), np.asarray(y, float)
    for run in joined_runs(T, groups, branch):
        ax.plot(T[run], y[run], **kw)


def draw_jump(ax, T: float, y_before: float, y_after: float, **kw) -> None:
    """A model curve's first-order jump at T: a thin dashed vertical connector (the curve itself is drawn in
    pieces that stop at T). Data never get one: between two measured rows the jump is somewhere in the bracket."""
    kw = {"lw": 0.8, **kw, "ls": (0, (3, 2))}
    ax.plot([T, T], [y_before, y_after], **kw)


#: the most error bars one series draws; a denser series gets a bar on every k-th point (markers on all points)
MAX_BARS = 400
#: a series of more points than this draws its markers thinned by :func:`thinned` (one per occupied grid cell)
MAX_MARKERS = 5000
#: cells per axis of the thinning grid over a series' range: < 1 px in a 4-inch panel at 110 dpi (a marker: 3 px)
GRID = 500


def thinned(x, y) -> np.ndarray:
    """Sorted indices of the points of (x, y) to draw markers at: every point up to :data:`MAX_MARKERS`; beyond,
    the first point in each occupied cell of a :data:`GRID` × :data:`GRID` grid over the points' range (a marker
    within a pixel of each point of the cloud: it looks the same, at a fraction of the drawing) and the
    extreme points (the axis limits stay those of all points). Non-finite points are never drawn."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) <= MAX_MARKERS:
        return np.arange(len(x))
    idx = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if not len(idx):
        return idx
    xs, ys = x[idx], y[idx]

    def cell(v):
        span = np.ptp(v)
        if not span > 0:
            return np.zeros(len(v), np.int64)
        return np.minimum(((v - v.min()) / span * GRID).astype(np.int64), GRID - 1)

    _, first = np.unique(cell(xs) * GRID + cell(ys), return_index=True)
    ends = [np.argmin(xs), np.argmax(xs), np.argmin(ys), np.argmax(ys)]
    return idx[np.union1d(first, ends)]


def draw_series(ax, g, y, s, branch: str, groups=None) -> None:
    """Points of one branch (error bars where an s.u. is known) and, for a known branch, lines between
    neighbours of the same group only (:func:`joined_runs`; ``groups``: the rows' groups as text, if known)."""
    st = STYLE[branch]
    T = g["T"].to_numpy(float)
    has = None if s is None else np.isfinite(s) & (s > 0)  # exact values (s.u. 0) and unknown s.u.'s: no bar
    yerr = None if has is None or not has.any() else np.where(has, s, 0.0)
    # a dense series (more than MAX_BARS rows): smaller markers, and a bar on every k-th point only (each bar where
    # it belongs: a sample of the same s.u.'s)
    every = max(1, -(-len(T) // MAX_BARS))
    if len(T) <= MAX_MARKERS:
        ax.errorbar(T, y, yerr=yerr, ls="none", ms=5 if every == 1 else 2, capsize=2 if every == 1 else 0,
                    errorevery=every, color=st["color"], marker=st["marker"], mfc=st["mfc"], zorder=3)
    else:  # the same bars; the markers thinned (10⁵ overlapping markers cost a second a panel to draw)
        y = np.asarray(y, float)
        keep = thinned(T, y)
        ax.plot(T[keep], y[keep], ls="none", ms=2, color=st["color"], marker=st["marker"], mfc=st["mfc"], zorder=3)
        if yerr is not None:
            ax.errorbar(T[::every], y[::every], yerr=yerr[::every], ls="none", capsize=0, color=st["color"],
                        zorder=3)
    grp = groups if groups is not None or "spacegroup" not in g else g["spacegroup"].astype(str).to_numpy()
    join_neighbours(ax, T, y, grp, branch, ls="-", lw=0.8, color=st["color"], zorder=2)


def _legend(fig, branches, colours, extra=()) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=STYLE[b]["color"], marker=STYLE[b]["marker"], mfc=STYLE[b]["mfc"],
                      ls="-" if b else "none", label=STYLE[b]["label"]) for b, *_ in branches]
    handles += [Patch(color=c, label=short_symbol(g)) for g, c in colours.items() if g]
    handles += list(extra)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), fontsize=8, frameon=False)


def _axes(n, width=4.0, height=3.0, ncol=3):
    from matplotlib.figure import Figure  # here, not at import: the text report uses this module's helpers only

    ncol = min(n, ncol)
    nrow = -(-n // ncol)
    fig = Figure(figsize=(width * ncol, height * nrow + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _decorate(ax, df, colours, segments, brackets, top: bool) -> None:
    shade_phases(ax, segments, colours, label=top)
    mark_transitions(ax, brackets)
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.set_xlabel("T (K)")


# ------------------------------------------------------------------------------------------------ figures


def plot_lattice(df, path, baseline=None, *, brackets=None) -> str:
    """Lattice parameters (a, b, c, the angles that vary, V) against T; the reference baseline as a dashed line
    with its ±1 s.u. band, drawn over the table's range (solid where it was fitted)."""
    cols = [n for n in CELL_NAMES if n in ("a", "b", "c") or np.ptp(df[n].to_numpy(dtype=float)) > 1e-9] + ["V"]
    fig, axes = _axes(len(cols))
    branches = _branches(df)
    colours, segments = group_colours(df), phase_segments(df)
    Tgrid = None
    if baseline is not None and len(df):
        lo = min(float(df["T"].min()), baseline.T_min)
        hi = max(float(df["T"].max()), baseline.T_max)
        if baseline.model == "salje":
            lo = max(lo, 1.0)
        Tgrid = np.linspace(lo, hi, 300)
        ref = baseline.cells_at(Tgrid)
        inside = (Tgrid >= baseline.T_min) & (Tgrid <= baseline.T_max)
    for k, (ax, col) in enumerate(zip(axes, cols)):
        for br, g, grp in branches:
            s = g[f"{col}_su"].to_numpy(float) if f"{col}_su" in g else None
            draw_series(ax, g, g[col].to_numpy(float), s, br, grp)
        if Tgrid is not None:
            from ..lattice import volume

            y = volume(ref) if col == "V" else ref[:, CELL_NAMES.index(col)]
            b = None if col == "V" else baseline.baselines.get(col)
            s = b.su(Tgrid) if b is not None else None
            ax.plot(Tgrid, y, "k--", lw=1, zorder=2)
            ax.plot(Tgrid[inside], y[inside], "k-", lw=1.4, zorder=2)
            if s is not None and np.all(np.isfinite(s)):
                ax.fill_between(Tgrid, y - s, y + s, color="0.5", alpha=0.25, lw=0, zorder=1)
        _decorate(ax, df, colours, segments, brackets, top=k < 3)
        ax.set_ylabel(_LABELS[col])
    extra = []
    if baseline is not None:
        from matplotlib.lines import Line2D

        extra = [Line2D([], [], color="k", ls="--", label=f"reference: {baseline.model} baseline "
                        f"(solid: fitted, {baseline.T_min:g}–{baseline.T_max:g} K)")]
    _legend(fig, branches, colours, extra)
    fig.suptitle("lattice parameters" + (f" — reference {df.attrs['reference']}" if df.attrs.get("reference") else ""),
                 fontsize=9)
    return save_figure(fig, path)


def strain_panels(df) -> list[tuple[str, str]]:
    """(column, axis label) of every strain quantity worth a panel: components not zero by symmetry in every row
    and finite somewhere, ε13 where it differs from e13, the volume strain."""
    names = {"e11": "e₁₁", "e22": "e₂₂", "e33": "e₃₃", "e23": "e₂₃", "e13": "e₁₃", "e12": "e₁₂"}
    # the distinct lists of zero components (one per group of rows), not one split per row
    zero = ([z.split() for z in df["zero_by_symmetry"].fillna("").astype(str).unique()]
            if "zero_by_symmetry" in df else None)
    out = []
    for c, lab in names.items():
        if c not in df or not np.isfinite(df[c].to_numpy(float)).any():
            continue
        if zero is not None and all(c in z for z in zero):
            continue
        out.append((c, f"{lab} (×10⁻³)"))
    if "eps13" in df and np.isfinite(df["eps13"].to_numpy(float)).any():
        e13 = df["e13"].to_numpy(float) if "e13" in df else np.full(len(df), np.nan)
        eps = df["eps13"].to_numpy(float)
        if not np.allclose(np.nan_to_num(eps - e13, nan=1.0), 0, atol=1e-9) and np.any(eps != 0):
            out.append(("eps13", "ε₁₃ = ½·c·cos β / c₀ (×10⁻³)"))
    if "vs" in df and np.isfinite(df["vs"].to_numpy(float)).any():
        out.append(("vs", "volume strain V/V₀ − 1 (×10⁻³)"))
    return out


def plot_strain(df, path, *, brackets=None) -> str:
    """The strain components the relation allows (zero-by-symmetry ones are not drawn) and the volume strain,
    ×10³, against T. The frame and the reference are written in the title."""
    panels = strain_panels(df)
    fig, axes = _axes(max(len(panels), 1))
    branches = _branches(df)
    colours, segments = group_colours(df), phase_segments(df)
    for k, (ax, (col, lab)) in enumerate(zip(axes, panels)):
        for br, g, grp in branches:
            s = g[f"{col}_su"].to_numpy(float) * STRAIN_SCALE if f"{col}_su" in g else None
            draw_series(ax, g, g[col].to_numpy(float) * STRAIN_SCALE, s, br, grp)
        ax.axhline(0, color="0.6", lw=0.6)
        _decorate(ax, df, colours, segments, brackets, top=k < 3)
        ax.set_ylabel(lab)
    if not panels:
        axes[0].text(0.5, 0.5, "no strain component is defined (no reference)", ha="center", va="center",
                     transform=axes[0].transAxes)
    _legend(fig, branches, colours)
    fig.suptitle(f"strain, frame {df.attrs.get('frame', '?')} (X ∥ a, Z ∥ c* of each row's basis); reference: "
                 f"{df.attrs.get('reference', '?')}", fontsize=8)
    return save_figure(fig, path)


def plot_eta(df, path, *, brackets=None) -> str:
    """η and η² from strain against T, with the coupling each row's relation allows named in the legend."""
    fig, axes = _axes(2, ncol=2)
    branches = _branches(df)
    colours, segments = group_colours(df), phase_segments(df)
    for k, (ax, col, lab) in enumerate(zip(axes, ("eta_strain", "eta2_strain"),
                                           ("η from strain (normalised, dimensionless)",
                                            "η² from strain (normalised, dimensionless)"))):
        for br, g, grp in branches:
            s = g[f"{col}_su"].to_numpy(float) if f"{col}_su" in g else None
            draw_series(ax, g, g[col].to_numpy(float), s, br, grp)
        ax.axhline(0, color="0.6", lw=0.6)
        _decorate(ax, df, colours, segments, brackets, top=True)
        ax.set_ylabel(lab)
    from ..coupling import COUPLINGS

    couplings = df["coupling"].unique().tolist() if "coupling" in df else []  # in order of appearance
    used = [f"{c}: {COUPLINGS.get(c, c)}" for c in couplings if c and c != "none"]
    _legend(fig, branches, colours)
    fig.suptitle("\n".join(["order parameter from strain (η = 0 in the paraphase by symmetry)"] + used), fontsize=8)
    return save_figure(fig, path)


def plot_expansion(te, table, path, *, brackets=None) -> str:
    """Strain along each phase's principal axes against T (relative to the phase's lowest-T cell, ×10³) with the
    fitted lines, and V; the coefficients (MK⁻¹) in the legend."""
    from matplotlib.lines import Line2D

    from ..expansion import principal_strains, row_index
    from ..lattice import volume

    fig, axes = _axes(2, width=5.0, ncol=2)
    colours, segments = group_colours(table), phase_segments(table)
    styles = ("-", "--", ":")
    extra = []
    for ph in te.phases:
        idx = None if ph.row_T is not None else row_index(table, ph.rows)
        T = ph.row_T if idx is None else table["T"].to_numpy(float)[idx]
        e = principal_strains(table, ph) * STRAIN_SCALE
        for k in range(3):
            ax = axes[0]
            keep = thinned(T, e[:, k])
            ax.plot(T[keep], e[keep, k], marker="os^"[k], ls="none", color="k", mfc="none", ms=5, zorder=3)
            ax.plot(T, ph.alpha[k] * 1e-6 * (T - ph.T_ref) * STRAIN_SCALE, styles[k], color="k", lw=1, zorder=2)
        V = ph.row_V if idx is None else volume(table[list(CELL_NAMES)].to_numpy(float)[idx])
        keep = thinned(T, V)
        axes[1].plot(T[keep], V[keep], "o", color="k", mfc="none", ms=5, zorder=3)
        V_ref = V[np.argmin(T)]
        axes[1].plot(T, V_ref * (1 + ph.alpha_V * 1e-6 * (T - ph.T_ref)), "-", color="k", lw=1, zorder=2)
        su = lambda x: "" if not np.isfinite(x) else f"({x:.2g})"  # noqa: E731
        extra.append(Line2D([], [], ls="none", label=f"{short_symbol(ph.group) or 'rows'}: α₁,₂,₃ = "
                            + ", ".join(f"{a:.3g}{su(s)}" for a, s in zip(ph.alpha, ph.alpha_su))
                            + f", α_V = {ph.alpha_V:.3g}{su(ph.alpha_V_su)} MK⁻¹ ({ph.fit})"))
    extra += [Line2D([], [], color="k", ls=styles[k], marker="os^"[k], mfc="none", label=f"X{k + 1}")
              for k in range(3)]
    for ax, lab in zip(axes, ("strain along X₁, X₂, X₃ (×10⁻³)", "V (Å³)")):
        _decorate(ax, table, colours, segments, brackets, top=True)
        ax.set_ylabel(lab)
    fig.legend(handles=extra, loc="outside lower center", ncol=1, fontsize=8, frameon=False)
    fig.suptitle("thermal expansion of each phase (straight-line fits; principal axes X₁ ≤ X₂ ≤ X₃)", fontsize=9)
    return save_figure(fig, path)
