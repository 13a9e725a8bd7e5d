"""Figure of the three order-parameter measures (strain, SB intensities, mode amplitude) against temperature."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import save_figure

_STYLE = {
    "eta_strain_norm": dict(marker="o", color="tab:blue", label="η_strain (SB strain)"),
    "eta_intensity_norm": dict(marker="s", color="tab:red", label="η_intensity (√ SB fraction)"),
    "eta_modes_norm": dict(marker="^", color="tab:green", label="η_modes (mode amplitude)"),
}


def plot_order_parameters(df, path, title: str = "") -> str:
    """Normalised η_strain, η_intensity and η_modes against T (or against file order when T is unknown),
    and η_strain, η_intensity against η_modes (proportionality check). Writes one PNG; returns its path."""
    fig = Figure(figsize=(10, 4.2))
    ax, ax2 = fig.subplots(1, 2)
    x = df["T"].to_numpy(float) if df["T"].notna().all() else np.arange(len(df), dtype=float)
    for col, st in _STYLE.items():
        if col in df:
            ax.plot(x, df[col], ls="-", **st)
    ax.set_xlabel("T (K)" if df["T"].notna().all() else "structure")
    ax.set_ylabel("η / η_max")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    xm = df["eta_modes_norm"].to_numpy(float)
    for col in ("eta_strain_norm", "eta_intensity_norm"):
        ax2.plot(xm, df[col], ls="none", **_STYLE[col])
    ax2.plot([0, 1], [0, 1], color="0.5", lw=0.8, label="proportional")
    ax2.set_xlabel("η_modes / max")
    ax2.set_ylabel("η / max")
    ax2.set_xlim(0, 1.05)
    ax2.set_ylim(0, 1.05)
    ax2.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)
