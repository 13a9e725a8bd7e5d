"""Map one function over many items — in this process, on local worker processes or on a Dask cluster — with the
same answers whichever runs it; the one parallel map of symstrain (``info``'s batch, ``scan``, ``pairs``).

What lives here: :func:`map_items` (results in input order), :func:`imap_items` (``(index, result)`` pairs as the
items complete, for a caller that writes as it goes), :func:`run_batch` (the same over the files of a batch
command: results in input order and the contract's :class:`Failure` list), :class:`ItemFailure` (an item whose
call did not return a result), :class:`Failure` and :func:`balanced_chunks`. What does not: the work itself
(``structure_info.py`` reads files for ``info``, ``catalogue.py`` scans them, ``corpus_pairs.py`` relates pairs),
progress bars (the command line passes a tqdm wrapper or callback drawing on stderr) and the exit status of a
batch (``cli/__init__.py``: "partial", exit 3, when some inputs failed).

Rules
-----
* ``func(item)`` is called once per item. With ``jobs > 1`` or ``dask`` it must be picklable by reference (a
  module-level function, or a ``functools.partial`` of one) and items and results must pickle.
* Failures are values, never raised: an exception inside ``func`` becomes an :class:`ItemFailure` of kind
  ``"input"`` (a :class:`~symstrain.errors.SymstrainInputError`: bad input) or ``"error"`` (anything else: a bug),
  and the other items go on. ``KeyboardInterrupt`` is not caught.
* A worker that dies (killed, crashed in a native library, out of memory) is not a stop either. Local processes:
  the items that were in flight are run again one at a time, and an item that kills a worker on its own (run
  alone in a fresh process) is an :class:`ItemFailure` of kind ``"worker_lost"``. Dask: the scheduler reschedules
  the task of a lost worker (``distributed.scheduler.allowed-failures`` times); a chunk that still fails is split
  into single items the same way. ``jobs=1`` without Dask runs in this process, so there a crash of ``func`` (a
  segfault) ends the run: use ``jobs ≥ 2`` to isolate crashes. When nothing comes back from the first round and
  a probe shows that no worker can start at all (a script calling the map without ``if __name__ ==
  "__main__":``), the map raises RuntimeError at once instead of retrying every item alone.
* Scheduling (:func:`balanced_chunks`): items go to the workers in chunks, heaviest first when ``weights`` (e.g.
  file sizes) are given, else in input order, and the chunks shrink as the work runs out (guided
  self-scheduling): each holds about 1/(``CHUNKS_PER_WORKER`` · workers) of the weight not yet handed out, at
  most ``max_chunk`` items. The first chunks are large (little overhead per item), the last ones single light
  items, so the workers finish together even where a name-sorted corpus keeps its heavy files side by side.
  Serial runs go in input order.
* Workers: ``jobs = N`` starts N local processes from a ``forkserver`` that has imported ``func``'s module and the
  modules named in ``preload`` once (name there what ``func`` imports lazily — gemmi, spglib, the readers — or each
  worker imports it again on its first item). Not from this process by ``fork``, by default: a library caller may
  hold threads (a database connection) whose locks a forked child would wait on for ever. A caller that holds no
  thread of its own (the command line) passes ``fork=True``: the workers are then forked from this process, with
  ``preload`` imported here first, when :func:`fork_is_safe` (Linux, no Python thread but this one) — no second
  interpreter to start and import everything again (~0.1–0.2 s a run; ``info --jobs 2`` on a few dozen files was
  slower than ``--jobs 1`` without it), the same answers; else from the forkserver. ``dask="local"`` starts a
  ``distributed.LocalCluster`` of ``jobs`` single-threaded worker processes (all cores when ``jobs`` is None);
  ``dask="tcp://host:port"`` uses a running scheduler — its workers must import the same symstrain and see the
  same files at the same paths.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterator, Sequence

#: the first chunk holds 1/(CHUNKS_PER_WORKER · workers) of the total weight, each next one that share of what is
#: left; no chunk holds less than 1/(CHUNKS_PER_WORKER · workers · MIN_CHUNK_DIVISOR) of the total unless the
#: items run out (more: finer balance and progress; fewer: less overhead per item)
CHUNKS_PER_WORKER = 8
MIN_CHUNK_DIVISOR = 8


@dataclass(frozen=True)
class ItemFailure:
    """An item whose call did not return a result. A value in the results, never raised."""

    #: position of the item in the input sequence
    index: int
    #: "input" (the function raised SymstrainInputError: bad input), "error" (any other exception: a bug) or
    #: "worker_lost" (the process running it died: killed, crashed or out of memory)
    kind: str
    #: one line: ``source: problem`` for "input", ``Type: message`` for "error", what happened for "worker_lost"
    message: str
    #: for "input": the error's ``source`` (a file or an option) and one-line ``problem``; None for other kinds
    source: str | None = None
    problem: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Failure:
    """An input of a batch command that could not be done (:func:`run_batch`).

    ``file``: the input (a path as given); ``block``: the CIF data block asked for, or None; ``message``: the
    one-line reason; ``source``/``problem``: the reason as an input error (``source`` names the file or option);
    ``internal``: True when the input raised something other than an input error, or its worker process died (a
    bug or a crash: please report it).
    """

    file: str
    block: str | None
    source: str
    problem: str
    internal: bool = False

    @property
    def message(self) -> str:
        """``"<source>: <problem>"`` (``"internal error: …"`` for a bug)."""
        return f"{self.source}: {self.problem}"

    def to_dict(self) -> dict:
        """The Failure object of the JSON contract: ``{"file", "block", "message"}``."""
        from . import contract

        return contract.failure(self.file, self.message, self.block)

    @classmethod
    def of(cls, failure: ItemFailure, file: str, block: str | None = None) -> "Failure":
        """The batch failure of the item ``file`` from what the map returned for it."""
        if failure.kind == "input":
            return cls(file, block, failure.source, failure.problem)
        if failure.kind == "worker_lost":
            return cls(file, block, file, "internal error: the process reading it died (killed, out of memory or a "
                                          "crash in a native library)", internal=True)
        return cls(file, block, file, f"internal error: {failure.message}", internal=True)


def balanced_chunks(weights: Sequence[float], n_workers: int, max_chunk: int = 64) -> list[list[int]]:
    """Item indices grouped into chunks for ``n_workers``, heaviest items first (input order among equals), chunks
    shrinking as the work runs out.

    Each chunk closes once it holds 1/(``CHUNKS_PER_WORKER`` · n_workers) of the weight not yet in a chunk (never
    less than 1/``MIN_CHUNK_DIVISOR`` of the first chunk's share) or ``max_chunk`` items; an item heavier than
    that is a chunk of its own. Weights all zero count as equal. Every index appears exactly once.
    """
    import numpy as np

    w = np.maximum(np.asarray(weights, dtype=float), 0.0)
    if len(w) == 0:
        return []
    if not w.sum() > 0:
        w = np.ones(len(w))
    order = np.argsort(-w, kind="stable")
    share = 1.0 / (CHUNKS_PER_WORKER * max(1, n_workers))
    left = float(w.sum())
    floor = left * share / MIN_CHUNK_DIVISOR
    chunks, current, acc = [], [], 0.0
    for i in order.tolist():
        current.append(i)
        acc += w[i]
        if acc >= max(left * share, floor) or len(current) >= max_chunk:
            chunks.append(current)
            left -= acc
            current, acc = [], 0.0
    if current:
        chunks.append(current)
    return chunks


def _call(func, index: int, item) -> Any:
    """``func(item)``, or the :class:`ItemFailure` saying why not."""
    from .errors import SymstrainInputError

    try:
        return func(item)
    except SymstrainInputError as exc:
        return ItemFailure(index, "input", f"{exc.source}: {exc.problem}", exc.source, exc.problem)
    except Exception as exc:  # a bug must not stop a batch of thousands: it is that item's failure
        return ItemFailure(index, "error", f"{type(exc).__name__}: {' '.join(str(exc).split())}")


def _call_chunk(func, chunk: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Run one chunk in a worker: ``[(index, result or ItemFailure), ...]``."""
    return [(i, _call(func, i, item)) for i, item in chunk]


def imap_items(func: Callable, items: Sequence, *, jobs: int | None = 1, dask: str | None = None,
               weights: Sequence[float] | None = None, max_chunk: int = 64,
               preload: Sequence[str] = (), fork: bool = False) -> Iterator[tuple[int, Any]]:
    """``(index, func(items[index]))`` for every item, as the items complete (any order; in input order when
    serial). A result is an :class:`ItemFailure` when the call failed or its worker died (module docstring).
    ``preload``: modules imported before the local workers start (by their forkserver, or here with ``fork``;
    ignored by Dask). ``fork``: the caller holds no thread of its own, so local workers may be forked from this
    process (module docstring)."""
    from .errors import SymstrainInputError

    items = list(items)
    if jobs is not None and jobs < 1:
        raise SymstrainInputError("--jobs", f"must be at least 1, got {jobs}")
    if not items:
        return iter(())
    if not dask and (jobs or 1) == 1:
        return ((i, _call(func, i, item)) for i, item in enumerate(items))
    n = jobs if jobs is not None else (os.cpu_count() or 1)
    # at most one worker per item, and locally at most MAX_JOBS_PER_CPU per CPU (sweep 26: --jobs 100000 on two files
    # forked thousands of processes and ran past its time limit)
    n = min(n, len(items)) if dask else min(n, len(items), MAX_JOBS_PER_CPU * (os.cpu_count() or 1))
    chunks = balanced_chunks(weights if weights is not None else [1.0] * len(items), n, max_chunk)
    if dask:
        return _imap_dask(func, items, chunks, dask, n)
    return _imap_local(func, items, chunks, n, tuple(preload), fork)


def map_items(func: Callable, items: Sequence, *, jobs: int | None = 1, dask: str | None = None,
              weights: Sequence[float] | None = None, progress: Callable[[int], Any] | None = None,
              max_chunk: int = 64, preload: Sequence[str] = (), fork: bool = False) -> list:
    """``[func(item) for item in items]`` in input order, run as :func:`imap_items` runs it; failed items are
    :class:`ItemFailure` values. ``progress(n)`` is called with the number of items just completed."""
    items = list(items)
    out: list = [None] * len(items)
    for i, result in imap_items(func, items, jobs=jobs, dask=dask, weights=weights, max_chunk=max_chunk,
                                preload=preload, fork=fork):
        out[i] = result
        if progress is not None:
            progress(1)
    return out


def run_batch(fn: Callable, items: Sequence, *, files: Sequence | None = None, block: str | None = None,
              jobs: int | None = 1, dask: str | None = None, weights: Sequence[float] | None = None,
              progress=None, desc: str = "", preload: Sequence[str] = (),
              fork: bool = False) -> tuple[list, list[Failure]]:
    """``(results, failures)`` of a batch command: ``fn(item)`` for every item, results in input order (None where
    the item failed) and one :class:`Failure` per failed item, in input order.

    ``files``: the name each item is reported under (default ``str(item)``); ``block``: the data block asked for,
    carried into each :class:`Failure`; ``jobs``, ``dask``, ``weights``, ``preload`` and ``fork`` as in
    :func:`imap_items` (a batch of one runs in this process unless ``dask`` is given). ``progress``: a wrapper ``progress(iterable,
    total=, desc=)`` (e.g. a tqdm bar on stderr) or None.
    """
    items = list(items)
    names = [str(x) for x in (files if files is not None else items)]
    if jobs is not None and jobs < 1:
        from .errors import SymstrainInputError

        raise SymstrainInputError("--jobs", f"must be at least 1, got {jobs}")
    done = imap_items(fn, items, jobs=jobs if dask or len(items) > 1 else 1, dask=dask, weights=weights,
                      preload=preload, fork=fork)
    out: list = [None] * len(items)
    for i, result in (progress(done, total=len(items), desc=desc) if progress else done):
        out[i] = result
    failures = [Failure.of(r, names[i], block) for i, r in enumerate(out) if isinstance(r, ItemFailure)]
    return [None if isinstance(r, ItemFailure) else r for r in out], failures


# ------------------------------------------------------------------------------------------ local processes


def _imap_local(func, items, chunks, jobs, preload=(), fork=False):
    """Chunks on ``jobs`` processes; after a worker death, the items in flight run again one by one, and each item
    still in flight at a second death runs alone in its own process (a death there is that item's failure)."""
    pending = deque(chunks)
    isolate: deque = deque()
    first = True
    while pending or isolate:
        if pending:
            lost = yield from _pool_round(func, items, pending, jobs, 2 * jobs, preload, fork)
            if first and lost and sum(map(len, lost)) + sum(map(len, pending)) == len(items):
                _check_workers_start(preload)  # nothing came back: can a worker start at all?
            first = False
            for chunk in lost:
                if len(chunk) > 1:
                    pending.extend([i] for i in chunk)
                else:
                    isolate.append(chunk)
        else:
            lost = yield from _pool_round(func, items, isolate, 1, 1, preload, fork)
            for (i,) in lost:
                yield i, ItemFailure(i, "worker_lost", "the worker process died while working on this item alone "
                                     "(killed, crashed or out of memory)")


def fork_is_safe() -> bool:
    """True where a pool may fork this process: Linux (elsewhere fork is missing, or unsafe with some system
    frameworks), called from the main thread, and no other Python thread running — a thread may hold a lock that
    the forked child would wait on for ever. Native idle pools of libraries (OpenBLAS's) survive a fork; threads
    a caller started outside Python (a database client's) are not seen here: hence ``fork`` is the caller's
    promise, and this the check on top of it."""
    import sys
    import threading

    return (sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread()
            and threading.active_count() == 1)


#: local workers per CPU at most, whatever ``jobs`` asks
MAX_JOBS_PER_CPU = 4


def _worker_started() -> None:
    """Each local worker's first act: SIGTERM back to its default (a forked worker inherits the command line's handler,
    which turns SIGTERM into an exception: stopped by the pool, workers printed tracebacks, sweep 26)."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _forkserver_pool(workers: int, preload):
    """A ProcessPoolExecutor of ``workers`` processes from the forkserver, which imports the modules ``preload``
    (taken when the forkserver is not yet running)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_started)


def _worker_pool(workers: int, preload, fork: bool = False):
    """A ProcessPoolExecutor of ``workers`` processes: forked from this process, the modules ``preload`` imported
    here first, when ``fork`` and :func:`fork_is_safe` (the pool starts every worker at once, before its own
    management thread: nothing runs beside the fork); else from the forkserver (:func:`_forkserver_pool`)."""
    if not (fork and fork_is_safe()):
        return _forkserver_pool(workers, preload)
    import importlib
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    for name in preload:
        importlib.import_module(name)
    sys.stdout.flush()  # nothing buffered here is written again by a child
    sys.stderr.flush()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_started)


def _check_workers_start(preload=()) -> None:
    """Raise RuntimeError when no worker process can start at all — above all a script that calls the map at module
    level, without ``if __name__ == "__main__":``: each worker re-imports the script and fails while
    bootstrapping, and retrying its items one by one would only repeat that for every item."""
    from concurrent.futures.process import BrokenProcessPool

    pool = _forkserver_pool(1, preload)
    try:
        pool.submit(os.getpid).result()
    except BrokenProcessPool:
        raise RuntimeError("symstrain.parallel: no worker process could start. A script that runs a parallel map "
                           "must call it under 'if __name__ == \"__main__\":' (multiprocessing re-imports the "
                           "script in each worker); or use jobs=1") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _pool_round(func, items, queue: deque, workers: int, in_flight: int, preload=(), fork=False):
    """Run chunks from ``queue`` on one fresh pool, keeping at most ``in_flight`` submitted; yields the results.
    Stops when the queue is empty or the pool breaks; returns the chunks that were in flight when it broke (the
    chunks never submitted stay in ``queue``)."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    module = getattr(func.func if isinstance(func, partial) else func, "__module__", None)
    # workers start with the function's imports done
    pool = _worker_pool(workers, ([module] if module and module != "__main__" else []) + list(preload), fork)
    running: dict = {}
    lost: list = []
    broken = False
    stopped = False
    try:
        while queue or running:
            while queue and not broken and len(running) < in_flight:
                chunk = queue.popleft()
                try:
                    running[pool.submit(_call_chunk, func, [(i, items[i]) for i in chunk])] = chunk
                except BrokenProcessPool:  # a worker died since the last result came back: not yet submitted
                    queue.appendleft(chunk)
                    broken = True
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                chunk = running.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    broken = True
                    lost.append(chunk)
                    continue
                except Exception as exc:  # the chunk's results could not come back (e.g. did not pickle)
                    results = [(i, ItemFailure(i, "error", f"{type(exc).__name__}: {' '.join(str(exc).split())}"))
                               for i in chunk]
                yield from results
            if broken and not running:
                break
    except BaseException:  # interrupted, terminated or closed early: the workers stop now, not after their chunks
        stopped = True
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=not (broken or stopped), cancel_futures=True)
    return lost


def _stop_workers(pool) -> None:
    """Terminate the worker processes of a ProcessPoolExecutor (SIGTERM; what ``shutdown`` cannot do: it waits for
    the chunks they run). A SIGINT from the terminal reaches them itself; a SIGTERM to the program does not."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.terminate()
        except (OSError, AttributeError, ValueError):
            pass


# ------------------------------------------------------------------------------------------------- Dask


def dask_client(address: str, n_workers: int):
    """``(client, cluster)`` for ``address`` ("local": a new LocalCluster of ``n_workers`` single-threaded worker
    processes, closed with the client; else the address of a running scheduler, cluster None)."""
    import logging

    from .errors import SymstrainInputError

    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise SymstrainInputError("--dask", "needs the 'distributed' package (pip install 'symstrain[dask]')") from None
    if address == "local":
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.CRITICAL)
        return Client(cluster), cluster
    try:
        return Client(address, timeout="20s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise SymstrainInputError("--dask", f"cannot reach the Dask scheduler at {address!r}: "
                                  f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None


def _imap_dask(func, items, chunks, address, n_workers):
    """Chunks as Dask tasks; a chunk lost with its workers is split into single items, and a single item lost again
    runs once more alone on the cluster (a task queued behind a killer shares its fate) before it is a failure."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    client, cluster = dask_client(address, n_workers)
    lost_msg = "every Dask worker that ran this item died (killed, crashed or out of memory)"
    try:
        futures = {client.submit(_call_chunk, func, [(i, items[i]) for i in c], pure=False): c for c in chunks}
        done = as_completed(list(futures))
        suspects = []
        for fut in done:
            chunk = futures.pop(fut)
            try:
                results = fut.result()  # waits when the result was lost with a worker and is being recomputed
            except KilledWorker:
                if len(chunk) == 1:
                    suspects.append(chunk[0])
                for i in chunk if len(chunk) > 1 else ():
                    single = client.submit(_call_chunk, func, [(i, items[i])], pure=False)
                    futures[single] = [i]
                    done.add(single)
                results = []
            except Exception as exc:
                msg = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                results = [(i, ItemFailure(i, "error", msg)) for i in chunk]
            yield from results
            fut.release()
        for i in suspects:  # alone on the cluster, one after the other
            fut = client.submit(_call_chunk, func, [(i, items[i])], pure=False)
            try:
                yield from fut.result()
            except KilledWorker:
                yield i, ItemFailure(i, "worker_lost", lost_msg)
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
