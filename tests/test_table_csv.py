"""table.csv is written by ``csv_output.write_csv`` (floats a block at a time): the text must be exactly what pandas'
``to_csv`` writes — the oracle in every test here is pandas (or Python's repr) itself."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symstrain import csv_output as tb


def _frame(n, seed=0):
    rng = np.random.default_rng(seed)
    mag = 10.0 ** rng.integers(-330, 309, n).clip(-323, 307)
    x = rng.uniform(-10, 10, n) * mag
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-5, -1e-5, 9.999999999999999e-06, 1e-4, 1e-9,
                        9.99999999999999e-10, 5e-324, 1e16, 9999999999999998.0, 90.0, 0.1, 2.5e-05, -3e-07])
    x[: len(special)] = special[:n]
    sus = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(1e-6, 1e-3, n))
    return pd.DataFrame({
        "file": np.where(rng.random(n) < 0.2, None, "a,b.cif").astype(object),
        "block": [f'b"{k}' if k % 7 == 0 else ("" if k % 11 == 0 else f"row {k}") for k in range(n)],
        "T": np.linspace(80, 400, n), "x": x, "x_su": sus, "n": rng.integers(0, 230, n),
        "flag": rng.random(n) < 0.5, "mixed": [[1, 1.0, True, None, "t\nu"][k % 5] for k in range(n)],
        "e": rng.normal(0, 1e-3, n), "e_su": rng.uniform(1e-5, 1e-4, n), "text": "x",
    })


def _pandas(df):
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue()


def _ours(df):
    buf = io.StringIO()
    tb.write_csv(df, buf)
    return buf.getvalue()


@pytest.mark.parametrize("fast", [True, False])
def test_write_csv_is_pandas_text(monkeypatch, fast):
    if not fast:
        monkeypatch.setattr(tb, "_ORJSON", [None])  # the repr loop (no orjson)
    elif tb._orjson() is None:
        pytest.skip("orjson not installed (or its text differs): only the repr loop runs")
    for n, seed in ((2000, 0), (1, 1), (37, 2)):
        df = _frame(n, seed)
        assert _ours(df) == _pandas(df)
    empty = _frame(3).iloc[:0]
    assert _ours(empty) == _pandas(empty)
    one = pd.DataFrame({"s": ["", "a"]})  # a row of one empty field is quoted by the csv module
    assert _ours(one) == _pandas(one)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40))
def test_float_rows_are_repr(values):
    M = np.array(values, dtype=float).reshape(-1, 1)
    want = ["" if np.isnan(v) else repr(v) for v in M[:, 0].tolist()]
    assert tb._float_rows(M) == want
    assert tb._float_rows(M, None) == want


def test_thinned_markers_cover_every_point():
    """Each point of a dense series lies in the grid cell of a drawn marker (≤ 1/GRID of the range away in x and y),
    the extremes are drawn (same axis limits), and a small series is drawn whole."""
    from symstrain.plots import strain as ps

    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(80, 400, 60_000))
    y = np.sqrt(x - 79) + rng.normal(0, 0.05, len(x))
    y[::977] = np.nan
    keep = ps.thinned(x, y)
    assert len(keep) < len(x) / 2
    ok = np.isfinite(y)
    assert np.all(ok[keep])
    for v in (x, y):
        assert v[ok].min() in v[keep] and v[ok].max() in v[keep]
    cx = np.floor((x - x[ok].min()) / np.ptp(x[ok]) * ps.GRID).clip(0, ps.GRID - 1)
    cy = np.floor((y - np.nanmin(y)) / (np.nanmax(y) - np.nanmin(y)) * ps.GRID).clip(0, ps.GRID - 1)
    drawn = set(zip(cx[keep].tolist(), cy[keep].tolist()))
    assert all(c in drawn for c in zip(cx[ok].tolist(), cy[ok].tolist()))
    assert np.array_equal(ps.thinned(x[:100], y[:100]), np.arange(100))


def test_su_column_with_gaps_reads_each_number_and_nan_for_each_gap(tmp_path):
    """An s.u. column with gaps ("", "?", ".", "nan", "NA") keeps the vectorised path: the numbers are float(text)
    and the gaps NaN; a non-finite or non-numeric cell is still an error naming its row."""
    from symstrain.csv_input import Column, read_csv_table
    from symstrain.errors import SymstrainInputError

    cells = ["0.0002", "", "?", "1e-5", ".", "nan", "NA", "3.5E-04", "+0.01"]
    p = tmp_path / "t.csv"
    p.write_text("T,a_su\n" + "".join(f"{100 + k},{c}\n" for k, c in enumerate(cells)), encoding="utf-8")
    cols = {"T": Column(("t",)), "a_su": Column(("a_su",), required=False, missing_ok=True)}
    got = read_csv_table(p, cols).data["a_su"].to_numpy()
    want = np.array([float(c) if c not in ("", "?", ".", "nan", "NA") else np.nan for c in cells])
    assert np.array_equal(got, want, equal_nan=True)
    for bad in ("inf", "1.2.3"):
        p.write_text(f"T,a_su\n100,0.1\n200,{bad}\n", encoding="utf-8")
        with pytest.raises(SymstrainInputError, match="row 3"):
            read_csv_table(p, cols)


def test_small_magnitudes_are_repr():
    """1e-9 ≤ |x| < 1e-4, where orjson's text is not repr's ("0.0000123", "1.2e-7"): one digit and many, every first
    digit, both signs, the ends of the ranges, mixed with NaN, ±inf and ordinary numbers — against repr."""
    rng = np.random.default_rng(11)
    vals = [s * d * 10.0 ** e for s in (1, -1) for d in range(1, 10) for e in range(-9, -3)]
    vals += [s * x for s in (1, -1) for x in (1.5e-05, 9.999999999999999e-05, 1.0000000000000001e-05,
                                               9.999999999999999e-06, 1e-9, 9.99999999999999e-10, 5e-324)]
    vals += (rng.uniform(1, 10, 300) * 10.0 ** rng.integers(-10, -3, 300)).tolist()
    vals += [np.nan, np.inf, -np.inf, 0.0, 90.0, 12345.678, 0.1, 7.5, -3.25, 1e300]
    M = np.array(rng.permutation(np.array(vals, dtype=float)), dtype=float).reshape(-1, 3)
    want = [",".join("" if np.isnan(v) else repr(v) for v in row) for row in M.tolist()]
    want_json = ["null" if not np.isfinite(v) else repr(v) for v in M.ravel().tolist()]
    assert tb._float_rows(M) == want
    assert tb.float_texts(M) == want_json
    orjson = pytest.importorskip("orjson")  # the fast path itself (not the probe-checked choice, which falls back)

    def dumps(X):
        return orjson.dumps(X, option=orjson.OPT_SERIALIZE_NUMPY)

    assert tb._float_rows(M, dumps) == want
    assert tb.float_texts(M, dumps) == want_json


def test_rows_made_in_place_match_pandas_for_every_token_shape():
    """The orjson block written in place (csv_output._rows_bytes): floats of every length of digits from 1e-9 to 1e-4
    (each shape of orjson's text: "0.0000d", "-0.0000ddd…", "d.de-7"), NaN, ±inf, ±0 and 5e-324, in the first and
    last column too (float columns there are written apart) and around text columns with commas and quotes — against
    pandas' to_csv, to a text file and to a binary one; and the path without orjson; the same floats as JSON numbers
    against repr."""
    rng = np.random.default_rng(5)
    vals = []
    for digits in range(1, 18):  # 1e-5 ≤ |x| < 1e-4 and 1e-9 ≤ |x| < 1e-5 with 1…17 significant digits
        for e in (-5, -6, -7, -8, -9):
            d = [int(rng.integers(1, 10))] + rng.integers(0, 10, digits - 1).tolist()
            d[-1] = d[-1] or 7  # the last digit is not 0: the text has exactly that many digits
            text = f"{d[0]}.{''.join(map(str, d[1:]))}e{e}" if digits > 1 else f"{d[0]}e{e}"
            vals += [float(text), -float(text)]
    vals += [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1e-4, 9.999999999999999e-05, 1e-9, 1e16, 90.0]
    x = np.array(vals)
    n = len(x)
    df = pd.DataFrame({"first": rng.permutation(x), "a": x, "t": [f'a,"{k}"' if k % 3 else f"r{k}" for k in range(n)],
                       "b": rng.permutation(x), "u": ["x"] * n, "last": rng.permutation(x)})
    want = _pandas(df)
    assert _ours(df) == want
    buf = io.BytesIO()
    tb.write_csv(df, buf)
    assert buf.getvalue().decode() == want
    want_json = ["null" if not np.isfinite(v) else repr(v) for v in x.tolist()]  # JSON numbers: the same floats
    assert tb.float_texts(x) == tb.float_texts(x, None) == want_json
    if tb._orjson() is not None:
        cols = [df[c].to_numpy() if df[c].dtype == float else np.array([s.encode() for s in df[c]], dtype=object)
                for c in df.columns]
        assert tb._rows_bytes(cols, tb._orjson()) == tb._rows_bytes(cols, None)
