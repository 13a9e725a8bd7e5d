"""Text output: a warning names the file it is about when a run reads several files (a parent and a child, a
series), and only then; the JSON document keeps the source in its own field."""

from __future__ import annotations

from symstrain.cli import _warning_lines


def _w(source, message, code="c"):
    return {"code": code, "source": source, "message": message}


def test_one_file_keeps_the_message_alone():
    ws = [_w("data/x.cif:blk", "2 origins are valid"), _w("series", "the series holds 2 compounds")]
    assert _warning_lines(ws) == ["2 origins are valid", "the series holds 2 compounds"]


def test_several_files_put_the_file_in_front():
    ws = [_w("cifs/parent.cif", "operators are those of C m c m with the origin shifted"),
          _w("cifs/child.cif:9002543", "2 origins are valid"),
          _w("cifs/child.cif:9002543", "no s.u. in cifs/child.cif:9002543 or cifs/parent.cif"),  # named already
          _w("--P", "--P given: it replaces the relations' P")]  # about an option, not a file
    assert _warning_lines(ws) == ["parent.cif: operators are those of C m c m with the origin shifted",
                                  "child.cif:9002543: 2 origins are valid",
                                  "no s.u. in cifs/child.cif:9002543 or cifs/parent.cif",
                                  "--P given: it replaces the relations' P"]
