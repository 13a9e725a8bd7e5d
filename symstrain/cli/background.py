"""A call run in a forked child process while this one goes on (Linux): :func:`start` and :class:`Call`.

``symstrain table`` on a big series has jobs that need nothing from each other: the thermal expansion beside the strain
table, the strain kernel's chunks (:func:`split_map`: both processes take the next chunk from one queue), drawing the
figures beside writing table.csv, or the two halves of table.csv's rows (~0.25, 0.6, 1.7 and 0.9 s of CPU on 10⁵ rows).
:func:`start` forks (``os.fork``: the child shares the table's memory, nothing is pickled on the way in, and it starts
at once) and the child runs ``fn(*args)``; its answer comes back pickled, the memory of its arrays through a shared file
in memory (mapped here, not copied); :meth:`Call.result` waits for it and returns its value or raises its exception
here, as the same call made in this process would have (a :class:`~symstrain.errors.SymstrainInputError` stays one, exit
2; any other exception keeps its type name and message: "internal error", exit 70). A child that ends without an answer
(killed) is not an answer: the call is made again here. :meth:`Call.close` (also on leaving a ``with``) stops and reaps
a child whose result is no longer wanted: no zombie, no orphan left writing files. Where fork is not available
(:data:`FORK` false: not Linux, or turned off), the call is made here, when :meth:`Call.result` asks.

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


def idle_cpu(path: str = "/proc/loadavg", cpus: int | None = None, looks: int = 3, gap: float = 0.002) -> bool:
    """True when a CPU is free now for a second process of ours: fewer tasks running than CPUs, this process
    counted (the running count of ``path``, Linux's /proc/loadavg), at one of ``looks`` readings ``gap`` seconds
    apart — a task that runs for a moment (a kernel thread: ~2 % of single readings on an idle 2-core machine) is
    not a busy CPU, another session's work is there at every reading. True where it cannot be read. On a busy
    2-core machine the scheduler gives each busy session its share whatever it forks, and two processes of ours
    there were ~5 % slower than one."""
    import time

    for look in range(looks):
        if look:
            time.sleep(gap)
        try:
            with open(path, encoding="ascii") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return True
        if running < (cpus or os.cpu_count() or 1):
            return True
    return False


class Call:
    """``fn(*args)`` running in a child process (``pid``), or to be made here (``pid`` None)."""

    def __init__(self, fn, args, pid=None, fd=None, shared=None):
        self.fn, self.args, self.pid, self.fd, self.shared = fn, args, pid, fd, shared

    def result(self):
        """``fn(*args)``'s value, waiting for the child; its exception raised here. Ask once: the value is not
        kept."""
        if self.pid is None:
            return self.fn(*self.args)
        data = self._read()
        self._reap(kill=False)
        try:
            if not data:  # killed, or died in a way that left no answer: made here instead
                return self.fn(*self.args)
            return _value(data, self.shared)
        finally:
            self._close_shared()

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
        self._close_shared()

    def _close_shared(self) -> None:
        if self.shared is not None:
            os.close(self.shared)
            self.shared = None

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
    through a pipe, its arrays' memory through a shared file (:func:`_shared_file`). Without fork (or when the fork
    fails) the call is made here by :meth:`Call.result`."""
    if not (fork and FORK):
        return Call(fn, args)
    sys.stdout.flush()  # nothing buffered here is written twice
    sys.stderr.flush()
    r, w = os.pipe()
    shared = _shared_file()
    try:
        pid = os.fork()
    except OSError:
        for fd in (r, w) if shared is None else (r, w, shared):
            os.close(fd)
        return Call(fn, args)
    if pid:
        os.close(w)
        return Call(fn, args, pid, r, shared)
    try:  # the child: answer through the pipe, then leave at once (no exit handlers, no buffers of the parent's)
        os.close(r)
        _child(fn, args, w, shared)
    finally:
        os._exit(0)


def _shared_file() -> int | None:
    """A new anonymous file in memory (Linux ``memfd_create``) that a forked child shares with this process: the
    child writes the arrays of its answer there and this process maps them (:func:`_child`, :func:`_value`) instead
    of five copies through the pipe (~35 ms for the 16 MB of half a 10⁵-row strain kernel). None where there is
    none (the answer then travels whole through the pipe)."""
    try:
        return os.memfd_create("symstrain-answer", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None


def split_map(fn, args: list, fork: bool = True) -> list:
    """``[fn(*a) for a in args]``, the items shared with a forked child (:func:`start`) as each process becomes free:
    both take the next item from one queue (:func:`_work_queue`) until it is empty, so neither waits for the other
    at the end (a static half each left one idle for ~50 ms of 0.3 s on a 10⁵-row table). The same values in the
    same order (the child's come back pickled); an item the child claimed but did not answer (killed) is made here.
    Fewer than two items, no fork or no pipe: all here."""
    queue = _work_queue(len(args)) if len(args) >= 2 and fork and FORK else None
    if queue is None:
        return [fn(*a) for a in args]
    fd, per = queue
    try:
        with start(_claimed, fn, args, fd, per, fork=True) as other:
            done = dict(_claimed(fn, args, fd, per))
            done.update(other.result())
    finally:
        os.close(fd)
    return [done[k] if k in done else fn(*a) for k, a in enumerate(args)]


#: bytes of a number in the queue of :func:`split_map`
_ITEM = 4


def _work_queue(n: int) -> tuple[int, int] | None:
    """``(fd, per)``: the read end of a pipe holding the numbers 0, 1, … of the runs of ``per`` consecutive items
    that cover n items (:data:`_ITEM` bytes each; ``per`` 1 unless the pipe cannot hold n numbers), not blocking
    when empty; None when no pipe can be made or filled. Two processes reading it get each number once: a read of a
    pipe is one copy under the pipe's lock (Linux), and all numbers are written before either reads."""
    import fcntl

    try:
        r, w = os.pipe()
    except OSError:
        return None
    try:
        try:
            room = fcntl.fcntl(w, fcntl.F_GETPIPE_SZ) // _ITEM
        except (AttributeError, OSError):
            room = 4096 // _ITEM  # one page: what any pipe holds
        per = -(-n // room)
        os.set_blocking(w, False)
        data = b"".join(k.to_bytes(_ITEM, "little") for k in range(-(-n // per)))
        if os.write(w, data) != len(data):
            raise BlockingIOError
    except OSError:  # (BlockingIOError: the pipe full before the last number)
        os.close(r)
        return None
    finally:
        os.close(w)
    os.set_blocking(r, False)
    return r, per


def _claimed(fn, args: list, queue: int, per: int = 1) -> list:
    """``[(k, fn(*args[k]))]`` for the items of each run number taken from ``queue`` (:func:`_work_queue`; ``per``
    items a run) until it is empty."""
    out = []
    while True:
        try:
            item = os.read(queue, _ITEM)
        except BlockingIOError:
            return out
        if len(item) < _ITEM:
            return out
        first = int.from_bytes(item, "little") * per
        out.extend((k, fn(*args[k])) for k in range(first, min(first + per, len(args))))


def _child(fn, args, w, shared=None) -> None:
    try:
        payload = ("ok", fn(*args))
    except SymstrainInputError as exc:
        payload = ("input", (exc.source, exc.problem))
    except BaseException as exc:  # noqa: BLE001 — every failure goes back to the parent, which raises it
        if os.environ.get("SYMSTRAIN_DEBUG"):
            import traceback

            traceback.print_exc()
        payload = _portable(exc)
    buffers = []
    try:  # the arrays' memory apart (pickle protocol 5: out of band), when there is a shared file to put it in
        data = pickle.dumps(payload, protocol=5, buffer_callback=None if shared is None else buffers.append)
        if buffers:
            try:
                data = pickle.dumps(("shared", (data, _write_buffers(shared, buffers))), protocol=5)
            except OSError:  # no room in memory for the file (ENOSPC, ENOMEM): the whole answer through the pipe
                buffers.clear()
                data = pickle.dumps(payload, protocol=5)
    except Exception as exc:  # noqa: BLE001 — a value that cannot travel is a bug of the caller
        data = pickle.dumps(_portable(exc))
    view = memoryview(data)
    while view:
        view = view[os.write(w, view):]
    os.close(w)


#: alignment (bytes) of each array's memory in the shared file (a cache line: numpy's arrays read aligned)
_ALIGN = 64


def _write_buffers(fd: int, buffers: list) -> list[tuple[int, int]]:
    """Write each out-of-band pickle buffer into the file ``fd`` at an aligned offset; their (offset, size)."""
    spans, at = [], 0
    for buf in buffers:
        raw = buf.raw()  # (contiguous, as pickle hands out only those)
        at = -(-at // _ALIGN) * _ALIGN
        done = 0
        while done < raw.nbytes:
            done += os.pwrite(fd, raw[done:], at + done)
        spans.append((at, raw.nbytes))
        at += raw.nbytes
    return spans


def _value(data: bytes, shared: int | None = None):
    """The value of a pickled answer, or its exception raised; an answer whose arrays the child wrote to the shared
    file ``shared`` gets them from a private (copy-on-write, writable) map of it: no copy."""
    kind, value = pickle.loads(data)
    if kind == "shared":
        import mmap

        head, spans = value
        size = os.fstat(shared).st_size
        whole = memoryview(mmap.mmap(shared, size, access=mmap.ACCESS_COPY)) if size else memoryview(b"")
        kind, value = pickle.loads(head, buffers=[whole[at:at + n] for at, n in spans])
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
