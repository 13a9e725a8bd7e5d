"""Shared pytest fixtures.

``shared_cifs``: the folder of real public CIFs next to the repository (``../shared/cifs``);
tests that use it skip cleanly when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_CIFS = Path(__file__).resolve().parents[1].parent / "shared" / "cifs"


@pytest.fixture(scope="session")
def shared_cifs() -> Path:
    """Path to ``../shared/cifs`` (lawsonite/, quirks/, hkl/, MANIFEST.tsv, pairs.tsv); skips when absent."""
    if not SHARED_CIFS.is_dir():
        pytest.skip(f"shared CIF folder {SHARED_CIFS} not present")
    return SHARED_CIFS
