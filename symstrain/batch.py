"""One function over many inputs, where one failed input never stops the others: :func:`run_batch`.

What lives here: :class:`Failure` (an input that could not be done, with the reason) and :func:`run_batch`, which
calls a function on every input — in this process or in worker processes — and returns the results and the
failures in input order. An input that raises :class:`~symstrain.errors.SymstrainInputError` is a failure with its
one-line reason; an input that raises anything else is a failure too, reported as an internal error (a bug of ours
must not stop a batch of thousands); an input that kills its worker process fails alone. Interrupts
(``KeyboardInterrupt``) are not caught. What does not live here: what a batch computes (``structure_info.py`` for
``info``), the exit status of a batch (``cli/__init__.py``: "partial", exit 3, when some inputs failed).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import contract
from .errors import SymstrainInputError


@dataclass(frozen=True)
class Failure:
    """An input of a batch that could not be done.

    ``file``: the input (a path as given); ``block``: the CIF data block asked for, or None; ``message``: the
    one-line reason; ``source``/``problem``: the reason as an input error (``source`` names the file or option);
    ``internal``: True when the input raised something other than an input error (a bug: please report it).
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
        return contract.failure(self.file, self.message, self.block)


def _call(job):
    """``(result, None)`` or ``(None, Failure)`` for one input; runs in the worker processes too."""
    fn, item, file, block = job
    try:
        return fn(item), None
    except SymstrainInputError as exc:
        return None, Failure(str(file), block, exc.source, exc.problem)
    except Exception as exc:  # a bug must not stop the batch: that input fails, the rest goes on
        return None, Failure(str(file), block, str(file),
                             f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}", internal=True)


def run_batch(fn, items, *, files=None, block: str | None = None, jobs: int = 1, progress=None, desc: str = ""):
    """``(results, failures)``: ``fn(item)`` for every item, in input order, results None where the item failed.

    ``files``: the name each item is reported under (default ``str(item)``); ``block``: the data block asked for,
    carried into each :class:`Failure`. ``jobs`` > 1 runs the items in that many worker processes (``fn`` must be
    a module-level function and its results picklable); when a worker dies (a crash in a native library) the
    unfinished items are run again one per process, so only the item that crashes fails, and the batch goes on.
    ``progress``: a wrapper ``progress(iterable, total=, desc=)`` (e.g. a tqdm bar) or None.
    """
    items = list(items)
    names = [str(x) for x in (files if files is not None else items)]
    if jobs < 1:
        raise SymstrainInputError("--jobs", f"must be at least 1, got {jobs}")
    work = [(fn, item, name, block) for item, name in zip(items, names)]
    if jobs == 1 or len(work) < 2:
        it = progress(work, total=len(work), desc=desc) if progress else work
        out = [_call(w) for w in it]
    else:
        out = _in_processes(work, jobs, progress, desc)
    return [r for r, _ in out], [f for _, f in out if f is not None]


def _in_processes(work: list, jobs: int, progress, desc: str) -> list:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    out: list = [None] * len(work)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_call, w): k for k, w in enumerate(work)}
        done = as_completed(futures)
        for fut in (progress(done, total=len(work), desc=desc) if progress else done):
            try:
                out[futures[fut]] = fut.result()
            except BrokenProcessPool:
                pass
    # a worker died: every unfinished input is run again alone, so that only the one that kills its process fails
    for k in [k for k, r in enumerate(out) if r is None]:
        try:
            with ProcessPoolExecutor(max_workers=1) as alone:
                out[k] = alone.submit(_call, work[k]).result()
        except BrokenProcessPool:
            _, _, name, block = work[k]
            out[k] = (None, Failure(name, block, name, "internal error: the process reading it died "
                                                       "(a crash in a native library)", internal=True))
    return out
