"""Shared pytest fixtures.

``shared_cifs``: the folder of real public CIFs next to the repository (``../shared/cifs``);
tests that use it skip cleanly when it is absent. ``text_file``: write a small input file. ``expect_refusal``: write
a bad input file and expect the reader to refuse it with :class:`~symstrain.errors.SymstrainInputError`.
``symstrain_cli``: run ``python -m symstrain`` in a fresh process (for what only a process shows: the exit status,
stderr, crashes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symstrain.errors import SymstrainInputError

SHARED_CIFS = Path(__file__).resolve().parents[1].parent / "shared" / "cifs"


@pytest.fixture(scope="session")
def shared_cifs() -> Path:
    """Path to ``../shared/cifs`` (lawsonite/, quirks/, hkl/, MANIFEST.tsv, pairs.tsv); skips when absent."""
    if not SHARED_CIFS.is_dir():
        pytest.skip(f"shared CIF folder {SHARED_CIFS} not present")
    return SHARED_CIFS


@pytest.fixture
def text_file(tmp_path):
    """``text_file(name, text) -> Path``: ``text`` written to ``tmp_path / name``."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def expect_refusal(text_file):
    """``expect_refusal(reader, name, text, match=None) -> (path, error)``: writes ``text`` to ``tmp_path / name``,
    calls ``reader(path)``, which must raise :class:`SymstrainInputError` (whose message matches the regular expression
    ``match`` when given), and returns the file's path and the error for the test's own assertions."""

    def run(reader, name: str, text: str, match: str | None = None):
        path = text_file(name, text)
        with pytest.raises(SymstrainInputError, match=match) as info:
            reader(path)
        return path, info.value

    return run


@pytest.fixture(scope="session")
def symstrain_cli():
    """``symstrain_cli(*args, timeout=120, drop_env=(), **kw) -> CompletedProcess``: ``python -m symstrain ARGS`` in
    a new process, text captured; ``drop_env`` names environment variables to remove, ``kw`` goes to
    :func:`subprocess.run` (e.g. ``cwd``)."""

    def run(*args, timeout: float = 120, drop_env=(), **kw):
        env = {k: v for k, v in os.environ.items() if k not in drop_env} if drop_env else None
        return subprocess.run([sys.executable, "-m", "symstrain", *map(str, args)], capture_output=True, text=True,
                              timeout=timeout, env=env, **kw)

    return run
