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
