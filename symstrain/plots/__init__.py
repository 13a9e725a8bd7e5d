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
    engine = fig.get_layout_engine()
    if engine is not None:
        # the layout solved once, at the saving dpi (text extents depend on it), then turned off: savefig would run
        # a whole draw without rendering only to solve it (every tick and label laid out once more), and the figure
        # is drawn once, as before, with the same positions: the same pixels
        fig.set_dpi(dpi)
        engine.execute(fig)
        fig.set_layout_engine(None)  # None ("none" keeps a placeholder engine, and savefig its extra draw)
    fig.savefig(path, dpi=dpi)
    return str(path)
