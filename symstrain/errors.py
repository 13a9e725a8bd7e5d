"""The one exception type for bad input, and the warning record carried in results.

Bad input anywhere in symstrain raises :class:`SymstrainInputError` naming the
source (a file path, or a label such as ``"--param"``) and the problem in one
line. Only the CLI turns it into ``symstrain: error: <source>: <problem>`` and
exit status 2; the library never prints.
"""

from __future__ import annotations


class SymstrainInputError(ValueError):
    """Bad input: ``source`` (file path or argument name) and a one-line ``problem``."""

    def __init__(self, source: object, problem: str):
        self.source = str(source) if source is not None else "<input>"
        # keep the message on one line whatever the caller passed
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.source}: {self.problem}")
