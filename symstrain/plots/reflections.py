"""Figures of symmetry-breaking reflections (PNG via the Agg canvas; no pyplot state).

* :func:`plot_section`: a reciprocal-lattice section drawn like a precession image — spots with area
  proportional to intensity (predicted or measured), SB reflections in red, reflections allowed in
  both groups in black, reflections absent in both as small grey crosses — unless measured above 3σ: those are
  drawn as open purple squares sized by intensity (observed although both groups extinguish them).
* :func:`plot_eta_series`: η_intensity(T) of a temperature series, with the branch markers of the strain figures
  (the branch the ``branch`` column or the data files' names say) and their rule for lines
  (:func:`~symstrain.plots.strain.joined_runs`: data sets of no stated branch are markers only).

Every function takes computed tables, writes one PNG to ``path`` and returns the path.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import save_figure

_COL = {"allowed": "black", "SB": "tab:red", "absent": "0.55", "observed_absent": "tab:purple"}


def section_name(normal, level: int = 0) -> str:
    """Name of the plane {hkl : u·h + v·k + w·l = level}: "0kl", "hk0", "h0l", "hk1", else "[uvw]·hkl = n"."""
    u = tuple(int(x) for x in normal)
    letters = "hkl"
    if sorted(np.abs(u)) == [0, 0, 1]:
        i = int(np.flatnonzero(u)[0])
        val = level * u[i]
        return "".join(str(val) if j == i else letters[j] for j in range(3))
    return f"[{u[0]} {u[1]} {u[2]}]·hkl = {level}"


def section_points(table: pd.DataFrame, cell, normal=(1, 0, 0), level: int = 0):
    """Rows of ``table`` in the plane u·h = level and their 2-D reciprocal coordinates (Å⁻¹).

    Returns (rows, x, y, (xlabel, ylabel)). The plot frame: x along the reciprocal row of the
    plane's first in-plane lattice direction, y perpendicular to it in the plane (true metric,
    so angles and distances are those of the reciprocal lattice).
    """
    u = np.asarray(normal, dtype=int)
    if u.shape != (3,) or not u.any():
        raise ValueError("normal must be three integers, not all zero")
    hkl = table[["h", "k", "l"]].to_numpy(dtype=int)
    on = hkl @ u == level
    rows = table[on]
    A = cell.matrix()
    B = np.linalg.inv(A).T  # reciprocal vectors as columns: s = B·h
    s = (B @ hkl[on].T).T
    # in-plane directions: two integer index vectors with u·e = 0
    cand = [np.array(v) for v in ((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, -1, 0))]
    inplane = [v for v in cand if v @ u == 0]
    e1h = inplane[0] if inplane else np.cross(u, (1, 0, 0))
    n_cart = A @ u
    n_cart = n_cart / np.linalg.norm(n_cart)
    e1 = B @ e1h
    e1 = e1 - (e1 @ n_cart) * n_cart
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(n_cart, e1)
    others = [v for v in inplane[1:] if np.linalg.matrix_rank(np.stack([v, e1h])) == 2]
    if others and (B @ others[0]) @ e2 < 0:
        e2 = -e2  # y increases towards the second in-plane index direction
    x, y = s @ e1, s @ e2
    names = "hkl"
    lab1 = "".join(f"{names[i]}" if e1h[i] else "" for i in range(3))
    ylab = "in-plane ⊥ / Å⁻¹"
    others = [v for v in inplane[1:] if np.linalg.matrix_rank(np.stack([v, e1h])) == 2]
    if others:
        e2h = others[0]
        lab2 = "".join(f"{names[i]}" if e2h[i] else "" for i in range(3))
        ylab = f"⊥, towards {tuple(int(v) for v in e2h)}* ({lab2}) / Å⁻¹"
    return rows, x, y, (f"along {tuple(int(v) for v in e1h)}* ({lab1}) / Å⁻¹", ylab)


def plot_section(table: pd.DataFrame, cell, path, normal=(1, 0, 0), level: int = 0, I_col: str = "I",
                 title: str | None = None, max_area: float = 160.0, scale: str = "sqrt") -> str:
    """Precession-like image of one reciprocal-lattice plane.

    ``table`` needs columns h, k, l, class and (optionally) ``I_col``; duplicate indices are averaged.
    Spot area ∝ √(I/I_max) (``scale="sqrt"``, i.e. ∝ |F|, so weak SB spots stay visible) or ∝ I/I_max
    (``scale="linear"``), I clipped at 0 (predicted or measured; a small floor keeps every spot visible);
    SB reflections red, allowed black, absent-in-both grey crosses; with a ``sigma`` column (measured data),
    absent-in-both reflections with I > 3σ are open purple squares sized like the other spots.
    """
    t = table
    if I_col in t and t.duplicated(["h", "k", "l"]).any():
        agg = {c: "first" for c in t.columns if c not in ("h", "k", "l")}
        agg[I_col] = "mean"
        t = t.groupby(["h", "k", "l"], as_index=False).agg(agg)
    rows, x, y, (xl, yl) = section_points(t, cell, normal, level)
    fig = Figure(figsize=(6.2, 6.0), layout="constrained")
    ax = fig.subplots()
    cls = rows["class"].to_numpy()
    if I_col in rows:
        I = np.clip(rows[I_col].to_numpy(dtype=float), 0, None)
        Imax = np.nanmax(I[cls != "absent"]) if np.any(cls != "absent") else np.nan
        if scale not in ("sqrt", "linear"):
            raise ValueError(f"scale must be 'sqrt' or 'linear', not {scale!r}")
        rel = I / Imax if Imax and Imax > 0 else np.full(len(I), 0.02)
        area = max_area * (np.sqrt(rel) if scale == "sqrt" else rel)
        area = np.nan_to_num(area, nan=0.0) + 1.5
    else:
        area = np.full(len(rows), 12.0)
    for c in ("allowed", "SB"):
        m = cls == c
        if m.any():
            ax.scatter(x[m], y[m], s=area[m], c=_COL[c], edgecolors="none",
                       label=f"{'allowed in both' if c == 'allowed' else 'symmetry-breaking'} ({int(m.sum())})")
    m = cls == "absent"
    # measured data: a reflection both groups extinguish but that is observed (I > 3σ) is a finding (a wrong
    # group, a twin, multiple diffraction): drawn like the other spots, sized by I, as an open purple square
    seen = np.zeros(len(rows), bool)
    if I_col in rows and "sigma" in rows:
        sig = rows["sigma"].to_numpy(dtype=float)
        seen = m & np.isfinite(sig) & (sig > 0) & (rows[I_col].to_numpy(dtype=float) > 3 * sig)
    if (m & ~seen).any():
        ax.scatter(x[m & ~seen], y[m & ~seen], s=10, marker="x", c=_COL["absent"], linewidths=0.6,
                   label=f"absent in both ({int((m & ~seen).sum())})")
    if seen.any():
        ax.scatter(x[seen], y[seen], s=np.maximum(area[seen], 30.0), marker="s", facecolors="none",
                   edgecolors=_COL["observed_absent"], linewidths=1.2, zorder=4,
                   label=f"observed (I > 3σ) but absent in both groups ({int(seen.sum())})")
    ax.plot([0], [0], "+", color="0.3")
    lim = 1.1 * max(float(np.max(np.abs(x))) if len(x) else 0.0, float(np.max(np.abs(y))) if len(y) else 0.0, 0.1)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    if not len(rows):
        ax.text(0, 0.5 * lim, "no reflections in this plane", ha="center", color="0.4")
    ax.set_aspect("equal")
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    ax.set_title(title or f"{section_name(normal, level)} section")
    note = f"spot area ∝ {'√I' if scale == 'sqrt' else 'I'}" if I_col in rows else None
    if len(rows):  # below the section: a legend inside the axes would cover spots
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=7, frameon=False,
                   title=note, title_fontsize=7)
    elif note:
        fig.text(0.01, 0.005, note, fontsize=7, color="0.4")
    return save_figure(fig, path, dpi=120)


def plot_eta_series(series: pd.DataFrame, path, title: str | None = None) -> str:
    """η_intensity = √(ΣI_SB/ΣI_all) against T (K) from ``intensities.eta_series``; when the table also has
    ``eta_strain`` (joined from a strain table) both are drawn normalised to their maxima."""
    from ..series_read import branch_from_name
    from .strain import STYLE, join_neighbours

    fig = Figure(figsize=(5.5, 4.0), layout="constrained")
    ax = fig.subplots()
    T = series["T"].to_numpy(dtype=float)
    e = series["eta_intensity"].to_numpy(dtype=float)
    if "branch" in series:
        branch = series["branch"].fillna("").astype(str).to_numpy()
    else:
        branch = np.array([branch_from_name(f) for f in series.get("file", [""] * len(series))], dtype=object)
    both = "eta_strain" in series and np.isfinite(series["eta_strain"].to_numpy(dtype=float)).any()
    curves = [(e / np.nanmax(e) if both else e, "tab:red", "-", "η_intensity / max" if both else "η_intensity")]
    if both:
        s = series["eta_strain"].to_numpy(dtype=float)
        curves.append((s / np.nanmax(s), "tab:blue", "--", "η_strain / max (strain table)"))
    for y, colour, ls, label in curves:
        for br in dict.fromkeys(branch):
            m = branch == br
            st = STYLE.get(br, STYLE[""])
            ax.plot(T[m], y[m], ls="none", marker=st["marker"], color=colour,
                    mfc=colour if st["mfc"] != "none" else "none", label=f"{label} ({st['label']})")
            join_neighbours(ax, T[m], y[m], None, br, ls=ls, color=colour)
    ax.set_ylabel("normalised order parameter" if both else "η_intensity = √(ΣI_SB / ΣI_all)")
    ax.legend(fontsize=8)
    ax.set_xlabel("T (K)")
    ax.set_ylim(bottom=0)
    ax.set_title(title or "symmetry-breaking intensity vs temperature")
    return save_figure(fig, path, dpi=120)
