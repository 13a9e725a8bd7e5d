"""Output files of a command, written all or nothing: :class:`OutputFiles` and :func:`write_atomically`.

A command computes everything first and writes afterwards; the writing goes to a hidden staging folder beside the
destination and every file is moved into place (a rename in one file system) only when all of them have been
written. A failure while writing — a figure that cannot be drawn, a full disk, an interrupt — removes the staging
folder and leaves no partial output; existing files are never overwritten. Not a command module (not in
``COMMANDS``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import SymstrainInputError


def destination(out, command: str, names=()) -> Path:
    """The folder ``names`` will be written into, checked but not created: ``--out`` (refused when it is a file or
    already holds one of ``names``) or the first free ``./symstrain-<command>``, ``-2``, ``-3``…"""
    if out is not None:
        d = Path(out)
        if d.exists() and not d.is_dir():
            raise SymstrainInputError(d, "exists and is not a folder")
        clash = [n for n in names if (d / n).exists()]
        if clash:
            raise SymstrainInputError(d / clash[0], "already exists (refusing to overwrite; choose another --out)")
        return d
    base = f"symstrain-{command}"
    d, i = Path.cwd() / base, 1
    while d.exists():
        i += 1
        d = Path.cwd() / f"{base}-{i}"
    return d


class OutputFiles:
    """The files of one command run, staged and moved into ``folder`` together.

    ``with OutputFiles(folder) as out: plot(..., out.path("a.png"))`` — :meth:`path` gives the staging path of a
    file name (refusing a name written twice or already in ``folder``); leaving the block normally moves every file
    into ``folder`` (created if needed) and :attr:`written` lists their final paths; an exception removes the
    staging folder and re-raises.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.names: list[str] = []
        self.written: list[str] = []
        self._stage: Path | None = None

    def _staging(self) -> Path:
        if self._stage is None:
            parent = self.folder if self.folder.is_dir() else self.folder.parent
            parent.mkdir(parents=True, exist_ok=True)
            self._stage = parent / f".{self.folder.name}.partial-{os.getpid()}"
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage.mkdir()
        return self._stage

    def path(self, name: str) -> Path:
        """Where to write ``name`` now (a staging path); its final place is ``folder / name``."""
        if name in self.names:
            raise RuntimeError(f"{name} written twice")
        final = self.folder / name
        if final.exists():
            raise SymstrainInputError(final, "already exists; choose another --out (files are never overwritten)")
        self.names.append(name)
        return self._staging() / name

    def staged(self, name: str) -> Path:
        """Where ``name``, already written through :meth:`path`, is now (to read it back before the commit)."""
        if name not in self.names:
            raise KeyError(name)
        return self._staging() / name

    def final(self, name: str) -> Path:
        """The final path of ``name`` (where it will be after the commit)."""
        return self.folder / name

    def commit(self) -> list[str]:
        """Move every staged file into ``folder``; returns their final paths."""
        if self._stage is None:
            return []
        if not self.folder.exists():
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(self._stage, self.folder)  # one step: the folder appears complete
                self._stage = None
            except OSError:
                self.folder.mkdir(parents=True, exist_ok=True)
        if self._stage is not None:
            for n in self.names:
                if (self.folder / n).exists():
                    raise SymstrainInputError(self.folder / n, "appeared while writing; nothing was overwritten")
            for n in self.names:
                os.replace(self._stage / n, self.folder / n)
            self.discard()
        self.written = [str(self.folder / n) for n in self.names]
        return self.written

    def discard(self) -> None:
        """Remove the staging folder and what it holds."""
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None

    def __enter__(self) -> "OutputFiles":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.commit()
        else:
            self.discard()
        return False


def write_atomically(path, write) -> str:
    """Write one file through ``write(tmp_path)`` at a temporary name in the same folder, then rename it to
    ``path``; a failure leaves nothing. An existing ``path`` is refused (never overwritten)."""
    path = Path(path)
    if path.exists():
        raise SymstrainInputError(path, "exists; refusing to overwrite it")
    if not path.parent.is_dir():
        raise SymstrainInputError(path, f"folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        write(tmp)
        if path.exists():
            raise SymstrainInputError(path, "appeared while writing; nothing was overwritten")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return str(path)
