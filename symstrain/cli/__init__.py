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
import re
import sys
from dataclasses import dataclass, field

import numpy as np

from ..errors import SymstrainInputError

#: command modules, in the order ``--help`` lists them; a missing module is skipped
COMMANDS = ("demo", "info", "relate", "strain", "table", "reflections", "domains", "order", "modes", "pseudo", "landau",
            "fit", "model_series")


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


_BASIS_TERM = re.compile(r"([+-]?)(\d+(?:\.\d*)?(?:/\d+)?)?\*?([abc])")


def _number(text: str, source: str) -> float:
    from fractions import Fraction

    try:
        return float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise SymstrainInputError(source, f"{text!r} is not a number") from None


def parse_basis(text: str, source: str = "--P") -> np.ndarray:
    """3×3 P (columns = child basis vectors in parent units) from ``"b,-a,c"`` / ``"a-b,a+b,2c"`` /
    ``"1/2a+1/2b,..."``, or from nine numbers row by row (``"0,-1,0; 1,0,0; 0,0,1"``); a singular P is refused."""
    t = text.replace(" ", "").replace("(", "").replace(")", "")
    if not re.search(r"[abc]", t):
        parts = [x for x in re.split(r"[,;\s]+", text.strip().strip("()")) if x]
        if len(parts) != 9:
            raise SymstrainInputError(source, f"{text!r}: give three basis vectors like 'b,-a,c' or nine numbers")
        P = np.array([_number(x, source) for x in parts]).reshape(3, 3)
    else:
        cols = t.split(",")
        if len(cols) != 3:
            raise SymstrainInputError(source, f"{text!r}: give three basis vectors such as 'b,-a,c'")
        P = np.zeros((3, 3))
        for j, col in enumerate(cols):
            pos = 0
            for m in _BASIS_TERM.finditer(col):
                if m.start() != pos:
                    break
                coef = _number(m.group(2), source) if m.group(2) else 1.0
                P["abc".index(m.group(3)), j] += -coef if m.group(1) == "-" else coef
                pos = m.end()
            if pos != len(col) or not col:
                raise SymstrainInputError(source, f"cannot read {col!r} in {text!r}: use terms like a, -b, 2c, 1/2a+1/2b")
    if abs(np.linalg.det(P)) < 1e-9:
        raise SymstrainInputError(source, f"{text!r} is singular (det P = 0)")
    return P


def parse_vector(text: str, source: str = "--p") -> np.ndarray:
    """Three fractional coordinates, e.g. ``"1/4,0,0"``."""
    parts = [x for x in re.split(r"[,\s;]+", text.strip().strip("()")) if x]
    if len(parts) != 3:
        raise SymstrainInputError(source, f"{text!r}: give three fractional coordinates, e.g. '1/4,0,0'")
    return np.array([_number(x, source) for x in parts])


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
