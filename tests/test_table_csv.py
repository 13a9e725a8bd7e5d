"""table.csv is written by ``cli.table.write_csv`` (floats a block at a time): the text must be exactly what pandas'
``to_csv`` writes — the oracle in every test here is pandas (or Python's repr) itself."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symstrain.cli import table as tb


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
