"""A call run in a forked child process while this one goes on (Linux): :func:`start` and :class:`Call`.

``symstrain table`` on a big series has jobs that need nothing from each other: the thermal expansion beside the
strain table, the halves of the strain kernel's chunks (:func:`split_map`), drawing the figures beside writing
table.csv, or the two halves of table.csv's rows (~0.25, 0.6, 1.7 and 0.9 s of CPU on 10⁵ rows). :func:`start` forks (``os.fork``: the
child shares the table's memory, nothing is pickled on the way in, and it starts at once) and the child runs
``fn(*args)``; :meth:`Call.result` waits for it and returns its value or raises its exception here, as the same
call made in this process would have (a :class:`~symstrain.errors.SymstrainInputError` stays one, exit 2; any
other exception keeps its type name and message: "internal error", exit 70). A child that ends without an answer
(killed) is not an answer: the call is made again here. :meth:`Call.close` (also on leaving a ``with``) stops and
reaps a child whose result is no longer wanted: no zombie, no orphan left writing files. Where fork is not
available (:data:`FORK` false: not Linux, or turned off), the call is made here, when :meth:`Call.result` asks.

What lives here: the process mechanics only. What does not: what is run (``cli/table.py``), pools of workers over
many items (``parallel.py``: forkserver, never fork, because a library caller may hold threads; a command-line
process of ours holds none but its libraries' idle pools, which survive a fork).
"""

from __future__ import annotations

import os
import pickle
import sys

from ..errors import SymstrainInputError

#: fork available and used (Linux only: elsewhere fork is unsafe with some system frameworks or missing); the
#: environment variable SYMSTRAIN_ONE_PROCESS=1 turns it off (everything made in the command's own process: the
#: same output, one CPU)
FORK = (hasattr(os, "fork") and sys.platform.startswith("linux")
        and os.environ.get("SYMSTRAIN_ONE_PROCESS", "") in ("", "0"))


def idle_cpu(path: str = "/proc/loadavg", cpus: int | None = None) -> bool:
    """True when a CPU is free now for a second process of ours: fewer tasks running than CPUs, this process
    counted (the running count of ``path``, Linux's /proc/loadavg); True where it cannot be read. On a busy 2-core
    machine the scheduler gives each busy session its share whatever it forks, and two processes of ours there were
    ~5 % slower than one."""
    try:
        with open(path, encoding="ascii") as fh:
            running = int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return True
    return running < (cpus or os.cpu_count() or 1)


class Call:
    """``fn(*args)`` running in a child process (``pid``), or to be made here (``pid`` None)."""

    def __init__(self, fn, args, pid=None, fd=None):
        self.fn, self.args, self.pid, self.fd = fn, args, pid, fd

    def result(self):
        """``fn(*args)``'s value, waiting for the child; its exception raised here. Ask once: the value is not
        kept."""
        if self.pid is None:
            return self.fn(*self.args)
        data = self._read()
        self._reap(kill=False)
        if not data:  # killed, or died in a way that left no answer: made here instead
            return self.fn(*self.args)
        return _value(data)

    def _read(self) -> bytes:
        """Everything the child sends, until it closes the pipe; the child is stopped when this process is
        interrupted meanwhile."""
        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 20):
                chunks.append(chunk)
        except BaseException:  # interrupted here: the child goes too
            self._reap(kill=True)
            raise
        return b"".join(chunks)

    def close(self) -> None:
        """Stop the child if it still runs (its answer no longer wanted) and reap it."""
        if self.pid is not None:
            self._reap(kill=True)

    def _reap(self, kill: bool) -> None:
        pid, self.pid = self.pid, None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if pid is None:
            return
        if kill:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def start(fn, *args, fork: bool = True) -> Call:
    """``fn(*args)`` started in a forked child (when ``fork`` and :data:`FORK`); its value comes back pickled
    through a pipe. Without fork (or when the fork fails) the call is made here by :meth:`Call.result`."""
    if not (fork and FORK):
        return Call(fn, args)
    sys.stdout.flush()  # nothing buffered here is written twice
    sys.stderr.flush()
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return Call(fn, args)
    if pid:
        os.close(w)
        return Call(fn, args, pid, r)
    try:  # the child: answer through the pipe, then leave at once (no exit handlers, no buffers of the parent's)
        os.close(r)
        _child(fn, args, w)
    finally:
        os._exit(0)


def split_map(fn, args: list, fork: bool = True) -> list:
    """``[fn(*a) for a in args]``, the second half of the items computed by a forked child (:func:`start`) while
    this process computes the first: the same values in the same order (each comes back pickled). Fewer than two
    items, or no fork: all here."""
    half = len(args) // 2
    if half == 0 or not (fork and FORK):
        return [fn(*a) for a in args]
    with start(_each, fn, args[half:], fork=True) as rest:
        first = [fn(*a) for a in args[:half]]
        return first + rest.result()


def _each(fn, args: list) -> list:
    return [fn(*a) for a in args]


def _child(fn, args, w) -> None:
    try:
        payload = ("ok", fn(*args))
    except SymstrainInputError as exc:
        payload = ("input", (exc.source, exc.problem))
    except BaseException as exc:  # noqa: BLE001 — every failure goes back to the parent, which raises it
        if os.environ.get("SYMSTRAIN_DEBUG"):
            import traceback

            traceback.print_exc()
        payload = _portable(exc)
    try:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 — a value that cannot travel is a bug of the caller
        data = pickle.dumps(_portable(exc))
    view = memoryview(data)
    while view:
        view = view[os.write(w, view):]
    os.close(w)


def _value(data: bytes):
    """The value of a pickled answer, or its exception raised."""
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
    if kind == "input":
        raise SymstrainInputError(*value)
    if kind == "named":  # an exception that cannot travel: one of the same type name and message
        raise type(value[0], (Exception,), {})(value[1])
    raise value


def _portable(exc: BaseException) -> tuple:
    """The payload of ``exc``: ``("error", exc)`` if it survives pickling, else ``("named", (type name, message))``."""
    try:
        back = pickle.loads(pickle.dumps(exc))
        if type(back) is type(exc) and str(back) == str(exc):
            return "error", exc
    except Exception:  # noqa: BLE001
        pass
    return "named", (type(exc).__name__, str(exc))
