"""Figures, written as PNG files; one module per topic."""
