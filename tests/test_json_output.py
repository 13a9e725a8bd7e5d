"""``json_output``: a table's rows written column by column must be exactly the text ``json.dumps`` writes for the
same objects — the oracle in every test here is ``json.dumps`` of row dicts built in the test from the same arrays
(plain Python: floats, None where not finite), never symstrain's own objects."""

import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symstrain import csv_output
from symstrain import json_output as jo

#: the values where float text is awkward: signed zero, the ends of the orjson/repr mismatch ranges, subnormals,
#: the largest double, non-finite
AWKWARD = [0.0, -0.0, 1e-5, -1e-5, 9.999999999999999e-06, 1e-4, 9.999999999999999e-05, 1e-9, 9.99999999999999e-10,
           5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 1e16,
           9999999999999998.0, 1e22, 123456789.0, 0.1, 90.0, 2.5e-05, -3e-07, math.nan, math.inf, -math.inf]


def _number(x: float):
    return x if math.isfinite(x) else None


def _oracle(v, s, names, labels, ref_null):
    """The rows as plain dicts, built here: what the writer must produce."""
    rows = []
    for k in range(len(v)):
        rows.append({"block": labels[k], "T": {"value": _number(v[k, 0]), "su": _number(s[k, 0])},
                     "cell": None if ref_null[k] else {n: {"value": _number(v[k, j]), "su": _number(s[k, j])}
                                                        for j, n in enumerate(names)},
                     "principal": [_number(v[k, j]) for j in range(v.shape[1])],
                     "zero": labels[k].split(), "ok": bool(k % 2)})
    return rows


def _rows(v, s, names, labels, ref_null):
    n = len(v)
    return jo.Rows(n, {
        "block": jo.Values(list(labels)), "T": jo.quantity(v[:, 0], s[:, 0]),
        "cell": jo.Obj({nm: jo.quantity(v[:, j], s[:, j]) for j, nm in enumerate(names)}, null=ref_null),
        "principal": jo.Arr(tuple(jo.Floats(v[:, j]) for j in range(v.shape[1]))),
        "zero": jo.Values([lab.split() for lab in labels]), "ok": jo.Values([bool(k % 2) for k in range(n)]),
    })


def _same(got, want):
    """got == want, failing with the first difference only (pytest diffs two 10⁶-character texts for minutes)."""
    ok = got == want
    if not ok and isinstance(got, str) and isinstance(want, str):
        i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise AssertionError(f"texts differ at {i}: {got[max(i - 60, 0):i + 60]!r} != "
                             f"{want[max(i - 60, 0):i + 60]!r}")
    if not ok:
        i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise AssertionError(f"lists differ at {i} (lengths {len(got)}, {len(want)}): {got[i:i + 1]!r} != "
                             f"{want[i:i + 1]!r}")


def _text(rows, rows_at_once=jo.ROWS_AT_ONCE):
    buf = io.StringIO()
    rows.write(buf, rows_at_once)
    return buf.getvalue()


def _case(n, seed):
    rng = np.random.default_rng(seed)
    k = 4
    v = rng.uniform(-10, 10, (n, k)) * 10.0 ** rng.integers(-330, 309, (n, k)).clip(-323, 307)
    s = np.where(rng.random((n, k)) < 0.3, np.nan, rng.uniform(1e-9, 1e-3, (n, k)))
    flat = v.ravel()
    flat[: min(len(AWKWARD), flat.size)] = AWKWARD[: flat.size]
    labels = [f'b"{j}\\é' if j % 7 == 0 else ("" if j % 11 == 0 else f"row {j} e12 e13") for j in range(n)]
    return v, s, ["a", "b%s", "c"], labels, rng.random(n) < 0.3


@pytest.mark.parametrize("fast", [True, False])
def test_rows_text_is_json_dumps(monkeypatch, fast):
    """Rows of quantities, nested objects that may be null, arrays, strings with quotes, backslashes and non-ASCII,
    lists and booleans: the text is json.dumps of the oracle's dicts, in blocks of any size."""
    if not fast:
        monkeypatch.setattr(csv_output, "_ORJSON", [None])  # the repr loop (no orjson)
    elif csv_output._orjson() is None:
        pytest.skip("orjson not installed (or its text differs): only the repr loop runs")
    for n, seed in ((3000, 0), (1, 1), (37, 2), (0, 3)):
        v, s, names, labels, null = _case(n, seed)
        want = _oracle(v, s, names, labels, null)
        rows = _rows(v, s, names, labels, null)
        _same(rows.to_list(), want)
        _same(_text(rows), json.dumps(want, allow_nan=False))
        _same(_text(rows, 7), json.dumps(want, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True),
                          st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
                          st.one_of(st.none(), st.text(max_size=8)), st.booleans()),
                min_size=0, max_size=30))
def test_random_rows_are_json_dumps(rows):
    """Any floats (NaN and ±inf are null; −0.0, tiny and huge as repr), missing s.u.'s, any text or None."""
    x = np.array([r[0] for r in rows], dtype=float)
    su = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=float)
    want = [{"x": {"value": _number(r[0]), "su": None if r[1] is None else _number(r[1])}, "t": r[2],
             "ref": None if r[3] else {"y": [_number(r[0])]}} for r in rows]
    got = jo.Rows(len(rows), {"x": jo.quantity(x, su), "t": jo.Values([r[2] for r in rows]),
                              "ref": jo.Obj({"y": jo.Arr((jo.Floats(x),))}, null=np.array([r[3] for r in rows],
                                                                                             dtype=bool))})
    assert _text(got, 5) == json.dumps(want, allow_nan=False)
    assert got.to_list() == want


def test_values_of_mixed_kinds_are_each_written_as_themselves():
    """1, 1.0 and True are one dictionary key and three texts; equal dicts are written alike."""
    items = [1, 1.0, True, None, "1", {"a": 1}, [1, "x"], False, 0, {"a": 1}]
    rows = jo.Rows(len(items), {"v": jo.Values(items)})
    assert _text(rows) == json.dumps([{"v": v} for v in items])


def test_write_json_streams_rows_inside_a_document(monkeypatch):
    """A document holding Rows (also twice, also inside a list) is json.dumps of it with the rows as lists: compact,
    streamed (the row objects are never built); indented, built. A string that looks like the placeholder stays a
    string (the document is then built whole)."""
    v, s, names, labels, null = _case(50, 4)
    rows = _rows(v, s, names, labels, null)
    plain = rows.to_list()
    doc = {"command": "table", "n": 2, "results": rows, "more": [rows, {"x": 1.5}], "text": "α–β \"q\""}
    want = {**doc, "results": plain, "more": [plain, {"x": 1.5}]}
    tricky = {**doc, "tricky": "\x00symstrain rows 0\x00"}
    for d, indent in ((doc, 1), (tricky, None), (tricky, 1)):
        buf = io.StringIO()
        jo.write_json(d, buf, indent=indent)
        _same(buf.getvalue(), json.dumps({**want, **{k: v for k, v in d.items() if k == "tricky"}}, indent=indent,
                                         allow_nan=False))
    monkeypatch.setattr(jo.Rows, "to_list", None)  # compact: streamed
    buf = io.StringIO()
    jo.write_json(doc, buf)
    _same(buf.getvalue(), json.dumps(want, allow_nan=False))


def test_coded_values_are_each_rows_item():
    """Values given as distinct items and a code per row: the text and the objects are those of the item of each
    row (strings with quotes and non-ASCII, None, lists, objects, booleans)."""
    items = ['a"b', "é–x", None, ["e13", "e23"], {"number": 14, "symbol": "P 1 21/c 1"}, True, ""]
    codes = np.random.default_rng(5).integers(0, len(items), 200)
    want = [{"v": items[c], "k": k} for k, c in enumerate(codes.tolist())]
    rows = jo.Rows(len(codes), {"v": jo.Values(items, codes), "k": jo.Values(list(range(len(codes))))})
    _same(_text(rows, 7), json.dumps(want))
    assert rows.to_list() == want


def test_spooled_rows_are_the_same_text():
    """Rows made in advance (``spool``: into a temporary file, then copied) are the same text as rows written
    directly: json.dumps of the oracle's dicts, written twice, and inside a document."""
    v, s, names, labels, null = _case(5000, 6)
    want = _oracle(v, s, names, labels, null)
    rows = _rows(v, s, names, labels, null)
    rows.spool()
    _same(_text(rows), json.dumps(want, allow_nan=False))
    _same(_text(rows), json.dumps(want, allow_nan=False))
    buf = io.StringIO()
    jo.write_json({"results": rows, "n": 1}, buf)
    _same(buf.getvalue(), json.dumps({"results": want, "n": 1}, allow_nan=False))


def test_raw_json_is_written_as_its_text():
    """A value given as its JSON text (RawJSON) is written where it stands: the document is json.dumps of it with
    the text parsed back, compact (the text copied) and indented, beside Rows, and when a string in the document
    looks like the placeholder."""
    v, s, names, labels, null = _case(20, 3)
    rows = _rows(v, s, names, labels, null)
    values = [{"a": [1, 2.5, None], "s": "é \"x\""}, [], "text", 3, None]
    raw = [jo.RawJSON(json.dumps(x, allow_nan=False)) for x in values]
    doc = {"n": 5, "results": raw, "rows": rows, "last": {"r": raw[0]}}
    want = {"n": 5, "results": values, "rows": rows.to_list(), "last": {"r": values[0]}}
    tricky = {**doc, "tricky": "\x00symstrain rows 0\x00"}
    for d, indent in ((doc, None), (doc, 1), (tricky, None)):
        buf = io.StringIO()
        jo.write_json(d, buf, indent=indent)
        _same(buf.getvalue(), json.dumps({**want, **{k: v for k, v in d.items() if k == "tricky"}}, indent=indent,
                                         allow_nan=False))
    assert jo.jsonable(doc)["results"][0] is raw[0]  # kept as it is for write_json
