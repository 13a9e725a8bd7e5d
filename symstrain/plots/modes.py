"""Figure of a symmetry-mode decomposition: amplitude per irrep (one child), or per irrep against temperature
(a series of children). Along T the children are drawn with the branch markers of the strain figures (the branch
the file or block name says) and joined by their rule (:func:`~symstrain.plots.strain.joined_runs`): lines only
between neighbours of one space group on a known branch, never across a first-order jump."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import save_figure
from .strain import STYLE, join_neighbours

_ROLE_COLOUR = {"primary": "tab:red", "secondary": "tab:blue", "inactive": "0.7"}


def plot_modes(results, path) -> str:
    """One child: bars of the amplitude (Å) of each irrep coloured by role. Several: amplitude of each irrep that
    is active somewhere, and the total, against T (against file order when a temperature is unknown). Writes one
    PNG; returns its path."""
    results = list(results)
    fig = Figure(figsize=(8, 4.2))
    ax = fig.subplots()
    if len(results) == 1:
        r = results[0]
        irs = [ir for ir in r.irreps if ir.role != "inactive"] or list(r.irreps)
        x = np.arange(len(irs))
        ax.bar(x, [ir.amplitude for ir in irs], color=[_ROLE_COLOUR[ir.role] for ir in irs])
        ax.set_xticks(x, [ir.label for ir in irs], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("amplitude (Å)")
        rel = r.relation
        ax.set_title(f"{rel.parent.spacegroup.hm} → {rel.child.spacegroup.hm}: total {r.amplitude:.4f} Å "
                     "(red primary, blue secondary)", fontsize=9)
    else:
        from ..series_read import branch_from_name

        children = [r.relation.child for r in results]
        temps = [c.temperature for c in children]
        known = all(t is not None for t in temps)
        x = np.array(temps, float) if known else np.arange(len(results), dtype=float)
        # along T only (the file order is no trend): the branch the names say, one line per group and branch
        branch = np.array([branch_from_name(c.source, c.block) if known else "" for c in children], dtype=object)
        group = np.array([c.spacegroup.hm for c in children], dtype=object)
        labels = []
        for r in results:
            for ir in r.irreps:
                if ir.role != "inactive" and ir.label not in labels:
                    labels.append(ir.label)
        curves = [(lab, np.array([next((ir.amplitude for ir in r.irreps if ir.label == lab), np.nan)
                                  for r in results]), dict(color=f"C{k % 10}", ls="-"))
                  for k, lab in enumerate(labels)]
        curves.append(("total", np.array([r.amplitude for r in results]), dict(color="k", ls="--")))
        for lab, y, kw in curves:
            for br in dict.fromkeys(branch):
                m = branch == br
                st = STYLE[br]
                ax.plot(x[m], y[m], marker=st["marker"], mfc=kw["color"] if st["mfc"] != "none" else "none",
                        ms=4, ls="none", color=kw["color"])
                join_neighbours(ax, x[m], y[m], group[m], br, lw=1.0, **kw)
            ax.plot([], [], label=lab, **kw)
        for br in dict.fromkeys(branch):
            st = STYLE[br]
            ax.plot([], [], ls="none", color="0.3", marker=st["marker"], mfc="0.3" if st["mfc"] != "none" else "none",
                    label=st["label"])
        ax.set_xlabel("T (K)" if known else "structure")
        ax.set_ylabel("amplitude (Å)")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)
