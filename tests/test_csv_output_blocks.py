"""write_csv on a table of several blocks (written by a thread while the next is made) with columns of mostly
distinct texts (formatted cell by cell instead of factorized): the text is pandas' ``to_csv`` (the oracle)."""

import io

import numpy as np
import pandas as pd

from symstrain import csv_output


def test_many_blocks_and_distinct_texts_are_pandas_text(tmp_path):
    n = 3 * csv_output._ROWS_AT_ONCE + 17
    rng = np.random.default_rng(5)
    labels = [f"row {k}" if k % 9 else f'q"{k},x' for k in range(n)]
    labels[3] = None
    df = pd.DataFrame({
        "block": pd.array(labels, dtype="str"),  # pandas' text: the distinct path
        "kind": pd.array([f"baseline at {t:g} K, inside" for t in rng.uniform(80, 400, n)], dtype="str"),
        "x": rng.normal(0, 1e-4, n), "x_su": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(1e-9, 1e-3, n)),
        "branch": pd.array(["heating", "cooling"] * (n // 2) + ["heating"] * (n % 2), dtype="str"),
        "T": np.linspace(80, 400, n), "note": "same",
    })
    assert csv_output._mostly_distinct(df["block"]) and not csv_output._mostly_distinct(df["branch"])
    expected = io.StringIO()
    df.to_csv(expected, index=False)
    path = tmp_path / "t.csv"
    with open(path, "wb") as fh:
        csv_output.write_csv(df, fh)
    assert path.read_bytes().decode() == expected.getvalue()
    text = io.StringIO()  # a text file too
    csv_output.write_csv(df, text)
    assert text.getvalue() == expected.getvalue()


def test_distinct_texts_made_by_arrow_are_pandas_text_also_for_a_slice(tmp_path):
    """Texts kept in arrow are made by arrow's kernels (commas in some texts, missing values, non-ASCII): the rows of
    a slice of the table (what the second part of a table written in two parts gets: arrow arrays with an offset)
    are pandas' text; a column with a quote or a line break anywhere goes cell by cell, with the same text."""
    n = 4 * 1000 + 321
    cells = [f"T = {k} K – inside" if k % 3 else f"{k}, extrapolated" for k in range(n)]
    cells[7] = None
    odd = [f"r{k}" if k != 50 else "line\nbreak" for k in range(n)]
    df = pd.DataFrame({"kind": pd.array(cells, dtype="str"), "x": np.linspace(0, 1, n),
                       "odd": pd.array(odd, dtype="str"), "y": 1e-5})
    part = df.iloc[1234:]
    assert csv_output._arrow_cells(part["kind"]) is not None  # the arrow path is the one tested
    assert csv_output._arrow_cells(part["odd"]) is None
    for frame in (df, part):
        expected = io.StringIO()
        frame.to_csv(expected, index=False, header=False)
        got = io.BytesIO()
        csv_output.write_csv(frame, got, header=False)
        assert got.getvalue().decode() == expected.getvalue()
