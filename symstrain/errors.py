"""The one exception type for bad input, and the warning record carried in results.

Bad input anywhere in symstrain raises :class:`SymstrainInputError` naming the
source (a file path, or a label such as ``"--param"``) and the problem in one
line. Only the CLI turns it into ``symstrain: error: <source>: <problem>`` and
exit status 2; the library never prints.

Warnings are :class:`WarningRecord` values (code, source, message) carried in result objects and written to
``--json`` as ``{"code", "source", "message"}``; code that needs to know what kind of warning it holds reads
``code``, never the message text.
"""

from __future__ import annotations

from dataclasses import dataclass


class SymstrainInputError(ValueError):
    """Bad input: ``source`` (file path or argument name) and a one-line ``problem``."""

    def __init__(self, source: object, problem: str):
        self.source = str(source) if source is not None else "<input>"
        # keep the message on one line whatever the caller passed
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.source}: {self.problem}")


class NotSubgroupError(SymstrainInputError):
    """Raised by :meth:`symstrain.relation.Refutation.require` where a command cannot go on without a
    group–subgroup relation; carries the :class:`~symstrain.relation.Refutation` (``refutation``), which the command
    line reports as the answer "no" (exit 1), not as an error. (Here, beside the error it refines, so that catching
    it imports nothing: ``symstrain.relation`` re-exports it.)"""

    def __init__(self, source, problem, refutation=None):
        super().__init__(source, problem)
        self.refutation = refutation


@dataclass(frozen=True)
class WarningRecord:
    """One structured warning: a stable snake_case ``code``, the ``source`` it concerns (file, option, module)
    and a one-line human ``message``."""

    code: str
    source: str
    message: str

    def __post_init__(self):
        object.__setattr__(self, "message", " ".join(str(self.message).split()))
        object.__setattr__(self, "source", str(self.source))

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        return {"code": self.code, "source": self.source, "message": self.message}


def unique_warnings(records) -> list[WarningRecord]:
    """The records in order with repeats (same code, source and message) dropped: each warning appears once."""
    seen, out = set(), []
    for w in records:
        key = (w.code, w.source, w.message)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out


class WarningText(str):
    """A warning that is still stored as a plain ``str`` (as ``Phase.warnings`` holds them today) but carries its
    :class:`WarningRecord` in ``.record``, so its stable ``code`` survives until the holder stores records.

    ``WarningText(code, source, message)`` equals (and prints as) ``message``; convert with ``w.record``.
    """

    record: WarningRecord

    def __new__(cls, code: str, source: object, message: str):
        rec = WarningRecord(code, str(source), message)
        self = super().__new__(cls, rec.message)
        self.record = rec
        return self

    @property
    def code(self) -> str:
        return self.record.code

    def __reduce__(self):
        return (WarningText, (self.record.code, self.record.source, self.record.message))
