"""Figure of a symmetry-mode decomposition: amplitude per irrep (one child), or per irrep against temperature
(a series of children)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import save_figure

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
        temps = [r.relation.child.temperature for r in results]
        known = all(t is not None for t in temps)
        x = np.array(temps, float) if known else np.arange(len(results), dtype=float)
        order = np.argsort(x, kind="stable")
        labels = []
        for r in results:
            for ir in r.irreps:
                if ir.role != "inactive" and ir.label not in labels:
                    labels.append(ir.label)
        for lab in labels:
            y = np.array([next((ir.amplitude for ir in r.irreps if ir.label == lab), np.nan) for r in results])
            ax.plot(x[order], y[order], marker="o", ms=3, label=lab)
        ax.plot(x[order], np.array([r.amplitude for r in results])[order], color="k", ls="--", label="total")
        ax.set_xlabel("T (K)" if known else "structure")
        ax.set_ylabel("amplitude (Å)")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)
