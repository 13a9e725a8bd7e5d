"""Figures, written as PNG files; one module per topic.

Every plotting function builds a ``matplotlib.figure.Figure`` on the Agg canvas (no pyplot state, no display
needed), writes one PNG with :func:`save_figure` and returns its path.
"""

from __future__ import annotations

from pathlib import Path


def save_figure(fig, path, dpi: int = 110) -> str:
    """Render ``fig`` on the Agg canvas and write it as a PNG at ``path``; returns the path as a string."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=dpi)
    return str(path)
