"""Helpers for tests that run the command line in-process: one copy instead of one per test file."""

from __future__ import annotations


def run_cli(capsys, *args):
    """``(exit code, stdout, stderr)`` of ``symstrain ARGS`` run in this process (arguments made strings)."""
    from symstrain.cli import main

    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def catalogue_files(cat) -> list[str]:
    """The distinct files of a catalogue's rows, sorted (read-only)."""
    import duckdb

    con = duckdb.connect(str(cat), read_only=True)
    try:
        return sorted(f for (f,) in con.execute("SELECT DISTINCT file FROM blocks").fetchall())
    finally:
        con.close()
