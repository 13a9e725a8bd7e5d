"""The ``symstrain`` command line: one sub-command per module in this package.

Each command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> CommandResult``. This file owns everything common to all commands:
``--json`` (one JSON document on stdout and nothing else), the one-line error
``symstrain: error: <source>: <problem>`` with exit status 2 for bad input, and
the refusal to show a bare traceback. Command modules keep their heavy imports
inside ``run`` so that ``symstrain --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from dataclasses import dataclass, field

import numpy as np

from ..errors import SymstrainInputError

#: command modules, in the order ``--help`` lists them; a missing module is skipped
COMMANDS = ("demo", "info", "relate", "strain", "table", "reflections", "order", "pseudo", "landau", "fit",
            "model_series")


@dataclass
class CommandResult:
    """What a command hands back: ``data`` for ``--json``, ``text`` for people, ``files`` written."""

    data: dict
    text: str
    files: list[str] = field(default_factory=list)


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other input error
        sys.stderr.write(f"symstrain: error: {self.prog}: {message}\n")
        raise SystemExit(2)


def to_jsonable(obj):
    """Convert numpy scalars/arrays, tuples and non-finite floats into plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    return obj


def output_dir(out, default_name: str, names=()):
    """The folder to write ``names`` into, never overwriting anything.

    A given ``--out`` that already holds one of ``names`` is refused (one-line input error); without
    ``--out`` the folder is ``./default_name``, or ``./default_name-2``, ``-3``… when that exists.
    """
    from pathlib import Path

    if out is not None:
        d = Path(out)
        if d.exists() and not d.is_dir():
            raise SymstrainInputError(d, "exists and is not a folder")
        clash = [n for n in names if (d / n).exists()]
        if clash:
            raise SymstrainInputError(d, f"already contains {clash[0]} (refusing to overwrite; choose another --out)")
        d.mkdir(parents=True, exist_ok=True)
        return d
    d = Path.cwd() / default_name
    i = 1
    while d.exists():
        i += 1
        d = Path.cwd() / f"{default_name}-{i}"
    d.mkdir(parents=True)
    return d


def progress_bar(enabled: bool = True):
    """A wrapper ``progress(iterable, total=None, desc=None)`` drawing a tqdm bar on stderr (never stdout;
    silent when stderr is not a terminal), or None when disabled."""
    if not enabled:
        return None
    from tqdm import tqdm

    def progress(iterable, **kw):
        return tqdm(iterable, file=sys.stderr, disable=None, leave=False, **kw)

    return progress


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _ArgumentParser(
        prog="symstrain",
        description="Symmetry-breaking phase transitions: group–subgroup relations, "
        "spontaneous strain, symmetry-breaking reflections and Landau models.",
    )
    parser.add_argument("--version", action="version", version=f"symstrain {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout and nothing else")
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        result = args._run(args)
    except SymstrainInputError as exc:
        sys.stderr.write(f"symstrain: error: {exc.source}: {exc.problem}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("symstrain: interrupted\n")
        return 130
    except Exception as exc:  # a bug of ours: still one line, and a hint for the traceback
        sys.stderr.write(
            f"symstrain: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(set SYMSTRAIN_DEBUG=1 for the traceback and please report it)\n"
        )
        import os

        if os.environ.get("SYMSTRAIN_DEBUG"):
            raise
        return 1
    if args.json:
        payload = dict(result.data)
        if result.files:
            payload.setdefault("files", result.files)
        sys.stdout.write(json.dumps(to_jsonable(payload), indent=1, allow_nan=False) + "\n")
    else:
        sys.stdout.write(result.text.rstrip("\n") + "\n")
    return 0


def entry() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
