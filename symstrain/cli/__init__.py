"""The ``symstrain`` command line: one sub-command per module in this package.

Each command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> CommandResult``. This file owns everything common to all commands:
``--json`` (one JSON document on stdout and nothing else, under the envelope of the JSON contract:
``command``, ``version``, ``status``, ``warnings``, ``files``), the warnings (each once, as
``warning: …`` lines in text output), the one-line error ``symstrain: error: <source>: <problem>``,
the exit status and the refusal to show a bare traceback. Command modules keep their heavy imports
inside ``run`` so that ``symstrain --help`` stays fast.

Exit status
-----------
0 a full answer · 1 a scientific "no" (a relation that does not hold; the answer is printed) ·
2 bad input, nothing answered · 3 a batch that finished with some inputs failed (each listed) ·
70 an internal error (a bug: please report it) · 130 interrupted (Ctrl-C) · 143 terminated (SIGTERM: ``kill``,
``timeout``, a batch system's time limit; the workers of ``--jobs`` are stopped and a catalogue keeps what it
committed, as on Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from ..errors import NotSubgroupError, SymstrainInputError
from ..json_output import jsonable as to_jsonable  # (the name the commands and tests use)

#: command modules, in the order ``--help`` lists them; a missing module is skipped
COMMANDS = ("demo", "info", "relate", "strain", "table", "reflections", "domains", "order", "modes", "pseudo", "landau",
            "fit", "model_series", "transitions", "scan", "pairs")


#: exit status of each result status (see the module docstring)
EXIT_STATUS = {"ok": 0, "refuted": 1, "partial": 3}
EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED = 2, 70, 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is (:func:`entry` installs the handler) so that it leaves as on Ctrl-C:
    the ``finally`` clauses run, the workers of a parallel map are stopped (sweep 23: ``scan --jobs 2`` killed by
    SIGTERM left its forkserver, resource tracker and two workers running)."""


def _terminate(signum, frame):
    raise Terminated
#: the reader of the output went away (``symstrain … | head``): 128 + SIGPIPE, as a shell reports a process it stopped
EXIT_PIPE_CLOSED = 141
#: keys of the envelope, written here and never by a command
ENVELOPE = ("command", "version", "status", "warnings", "files")


@dataclass
class CommandResult:
    """What a command hands back: ``data`` for ``--json`` (the command's keys), ``text`` for people, ``files``
    written, ``warnings`` (:class:`~symstrain.errors.WarningRecord`, shown once each) and ``status``:
    "ok", "refuted" (a scientific no) or "partial" (a batch with failed inputs). ``data`` and ``text`` may be
    zero-argument callables: only the one the output asks for is computed (a table of 10⁴ rows)."""

    data: dict | Callable[[], dict]
    text: str | Callable[[], str]
    files: list[str] = field(default_factory=list)
    warnings: list = field(default_factory=list)
    status: str = "ok"


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other input error
        where = self.prog.removeprefix("symstrain").strip()  # (a subcommand's name; none for the top parser)
        sys.stderr.write(f"symstrain: error: {where + ': ' if where else ''}{message}\n")
        raise SystemExit(2)


def output_dir(out, command: str, names=()):
    """The folder to write ``names`` into, never overwriting anything.

    A given ``--out`` that already holds one of ``names`` is refused (one-line input error); without
    ``--out`` the folder is ``./symstrain-<command>``, or ``./symstrain-<command>-2``, ``-3``… when that exists
    (one pattern for every command, ignored by git as ``symstrain-*/``).
    """
    from .files import destination

    d = destination(out, command, names)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _warning_lines(warnings) -> list[str]:
    """The text of each warning record: its message, with the file it is about in front when the warnings come
    from more than one file (a parent and a child, a series) and the message does not name it already
    (``cod1_9002543.cif:9002543: 2 origins are valid …``); a run on one file, or a warning about no file (the
    series, an option), keeps the message alone."""
    from pathlib import PurePath

    def short(source: str) -> str:
        path, sep, block = source.rpartition(":") if ".cif:" in source.lower() else (source, "", "")
        return PurePath(path).name + sep + block

    def is_file(source: str) -> bool:
        return ".cif" in source.lower() or "/" in source

    files = {w["source"] for w in warnings if is_file(w["source"])}
    out = []
    for w in warnings:
        m, src = w["message"], w["source"]
        if len(files) > 1 and is_file(src) and src not in m and short(src) not in m:
            m = f"{short(src)}: {m}"
        out.append(m)
    return out


def refuse_existing(out, names) -> None:
    """Refuse, before any work, an ``--out`` that is a file or already holds one of ``names`` (the files a command
    will write whatever it finds): the same one-line input error :func:`output_dir` gives, without the minutes of
    computing first. No ``--out``: nothing to check (a new folder is chosen)."""
    if out is not None:
        from .files import destination

        destination(out, "", names)


def progress_bar(enabled: bool = True):
    """A wrapper ``progress(iterable, total=None, desc=None)`` drawing a tqdm bar on stderr (never stdout;
    silent when stderr is not a terminal), or None when disabled. Without tqdm's monitor thread (it only redraws a
    bar whose updates stall; every bar here moves per item): this process then runs no thread of its own, so a
    worker pool may fork it (:func:`symstrain.parallel.fork_is_safe`)."""
    if not enabled:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0

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
    ``"1/2a+1/2b,..."``, or from nine numbers row by row (``"0,-1,0; 1,0,0; 0,0,1"``); a singular or left-handed
    (det P < 0) P is refused."""
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
    det = np.linalg.det(P)
    if abs(det) < 1e-9:
        raise SymstrainInputError(source, f"{text!r} is singular (det P = 0)")
    if det < 0:  # crystallographic bases are right-handed: one policy for strain, reflections, modes and table
        raise SymstrainInputError(source, f"{text!r} is left-handed (det P = {det:g} < 0): negate one basis vector")
    return P


def parse_vector(text: str, source: str = "--p") -> np.ndarray:
    """Three fractional coordinates, e.g. ``"1/4,0,0"``."""
    parts = [x for x in re.split(r"[,\s;]+", text.strip().strip("()")) if x]
    if len(parts) != 3:
        raise SymstrainInputError(source, f"{text!r}: give three fractional coordinates, e.g. '1/4,0,0'")
    return np.array([_number(x, source) for x in parts])


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or with ``only`` (a module name of :data:`COMMANDS`) of that one command: a run
    of one command does not import (and, without byte-code caches, compile) the fifteen others."""
    from .. import __version__

    parser = _ArgumentParser(
        prog="symstrain",
        description="Symmetry-breaking phase transitions: group–subgroup relations, "
        "spontaneous strain, symmetry-breaking reflections and Landau models.",
    )
    parser.add_argument("--version", action="version", version=f"symstrain {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    for name in COMMANDS if only is None else (only,):
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


def _refuted(exc, command: str) -> CommandResult:
    """The answer "no" of a command that needed a relation which does not hold."""
    ref = exc.refutation
    return CommandResult({"relation": ref.to_dict()}, ref.summary(), warnings=ref.all_warnings(), status="refuted")


def envelope(command: str, result: CommandResult) -> dict:
    """The JSON document of a result: the envelope keys, then the command's own keys."""
    from .. import __version__
    from ..contract import warning_records

    data = dict(result.data() if callable(result.data) else result.data)
    clash = [k for k in ENVELOPE if k in data and k != "files"]
    if clash:  # warnings travel in CommandResult.warnings, never in data
        raise RuntimeError(f"command {command} writes envelope key(s) {clash}")
    files = [str(f) for f in (result.files or data.pop("files", []) or [])]
    data.pop("files", None)
    warnings = warning_records(result.warnings, source=command)
    return {"command": command, "version": __version__, "status": result.status,
            "warnings": [w.to_dict() for w in warnings], "files": files, **data}


def _glued(argv: list[str]) -> list[str]:
    """``--p -1/8,1/8,3/4`` and ``--P -a+b,a+b,-2c`` as ``--p=…``: argparse reads a value that starts with "-" and is
    no plain number as an option, so the (P, p) that relate prints could not be pasted back (sweep 21)."""
    out = []
    for tok in argv:
        if out and out[-1] in ("--p", "--P") and tok.startswith("-") and "," in tok:
            out[-1] = f"{out[-1]}={tok}"
            continue
        out.append(tok)
    return out


def main(argv: list[str] | None = None) -> int:
    import warnings as _warnings

    argv = _glued(sys.argv[1:] if argv is None else list(argv))
    first = argv[0].replace("-", "_") if argv and "_" not in argv[0] else ""  # a command's name, as typed
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    command = args.command
    try:
        with np.errstate(all="ignore"), _warnings.catch_warnings():
            _warnings.simplefilter("ignore", RuntimeWarning)  # numpy noise never reaches stderr
            try:
                result = args._run(args)
            except NotSubgroupError as exc:
                if exc.refutation is None:
                    raise
                result = _refuted(exc, command)
    except SymstrainInputError as exc:
        sys.stderr.write(f"symstrain: error: {exc.source}: {exc.problem}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        sys.stderr.write(f"symstrain: {'terminated' if terminated else 'interrupted'}\n")
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except BrokenPipeError:  # (a row streamed to a closed pipe)
        return _pipe_closed()
    except Exception as exc:  # a bug of ours: still one line, and a hint for the traceback
        sys.stderr.write(
            f"symstrain: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(set SYMSTRAIN_DEBUG=1 for the traceback and please report it)\n"
        )
        import os

        if os.environ.get("SYMSTRAIN_DEBUG"):
            raise
        return EXIT_INTERNAL
    doc = envelope(command, result if args.json else replace(result, data={}))
    try:
        if args.json:
            from ..json_output import write_json

            # indented for a person at a terminal; compact for a pipe (a table's rows streamed: json_output.Rows)
            write_json(to_jsonable(doc), sys.stdout, indent=1 if sys.stdout.isatty() else None)
            sys.stdout.write("\n")
        else:
            text = (result.text() if callable(result.text) else result.text).rstrip("\n")
            shown = [m for m in _warning_lines(doc["warnings"]) if f"warning: {m}" not in text]
            sys.stdout.write(text + "".join(f"\nwarning: {m}" for m in shown) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        return _pipe_closed()
    return EXIT_STATUS[result.status]


def _pipe_closed() -> int:
    """The reader of stdout went away (``| head``): what it read is all it wanted, so no message. stdout is pointed
    at the null device, so that the interpreter's last flush of the unread rest raises nothing either."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (stdout replaced in-process)
        pass
    return EXIT_PIPE_CLOSED


def entry() -> None:
    """Console-script entry point (also ``python -m symstrain``). Once the command has returned and stdout and stderr
    are flushed, the process leaves at once (``os._exit``): every file a command writes is closed by then, its
    children reaped and its catalogue closed, and the interpreter's own tear-down with pandas, pyarrow and matplotlib
    loaded (~0.06–0.1 s, a fifth of a one-file ``info``) would add nothing."""
    import os
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = _pipe_closed()
    except (OSError, ValueError):  # streams replaced or closed: the usual way out
        raise SystemExit(code) from None
    os._exit(code)
