"""Fuzzing the cell-table reader (``series_read.read_cells_csv``): generated tables with every kind of token a
hand-made or exported CSV holds — numbers in any spelling, s.u.'s in brackets, gaps, words, quoted fields, stray
spaces, comments, blank lines, three separators, a byte-order mark, and bytes that are not UTF-8.

Invariants: the reader returns a table or raises :class:`SymstrainInputError` (one line, naming the file) —
nothing else; and the file's line ends do not matter (LF, CRLF and CR give the same table or the same error: the
reader hands the parser the file's own bytes where they hold no "\\r", else the text with its line ends made "\\n").
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symstrain.errors import SymstrainInputError
from symstrain.series import read_cells_csv

HEADERS = ["T", "temperature", "a", "b", "c", "alpha", "beta", "gamma", "a_su", "sigma_b", "c_esd", "beta_su",
           "branch", "label", "spacegroup", "a (Å)", "T/K", "extra"]
NUMBERS = st.one_of(
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).map(repr),
    st.floats(min_value=0.5, max_value=200, allow_nan=False).map(lambda x: f"{x:.5f}"),
    st.integers(min_value=-5, max_value=400).map(str),
    st.sampled_from(["10.234(3)", "90", "93.1(2)", "1e400", "nan", "inf", "-0.0", "1_000", "+5", " 12.5", "12.5 ",
                     "", "?", ".", "NA", "x", "1,5", '"1,5"', '"12.5"', "0x10", "1e-5", "5.", ".5", "15.5(12)"]),
)
TEXT = st.sampled_from(["heating", "cooling", "h", "up", "sideways", "P c c n", "P 1 21/c 1", "14", "Pccn",
                        "x1", "a b", "é–β", '"q,1"', "#7", "", " lead", "trail "])


VALID = {  # values a readable table holds in each column
    "T": st.floats(min_value=2, max_value=500, allow_nan=False).map(lambda x: f"{x:.3f}"),
    "a": st.floats(min_value=9, max_value=11, allow_nan=False).map(repr),
    "b": st.sampled_from(["12.0", "12.02(3)", "11.98", "12"]),
    "c": st.floats(min_value=15, max_value=16, allow_nan=False).map(lambda x: f"{x:.4f}"),
    "alpha": st.just("90"), "gamma": st.sampled_from(["90", "90.0"]),
    "beta": st.sampled_from(["90", "93.1(2)", "92.5", " 91.0"]),
    "a_su": st.sampled_from(["0.001", "", "2e-4"]), "beta_su": st.sampled_from(["0.01", ""]),
    "label": st.sampled_from(["x1", "run 2", "é–β", '"q,1"', "300K_cooling"]),
    "branch": st.sampled_from(["heating", "cooling", "h", "c", ""]),
    "spacegroup": st.sampled_from(["P c c n", "P 1 21/c 1", "14", "Pccn", ""]),
}


@st.composite
def tables(draw):
    clean = draw(st.booleans())  # half the tables readable but for what the mutations below change
    if clean:
        cols = ["T", "a", "b", "c"] + draw(st.lists(st.sampled_from(sorted(set(VALID) - {"T", "a", "b", "c"})),
                                                    max_size=5, unique=True))
    else:
        cols = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=9, unique=True))
        if draw(st.booleans()):
            cols = ["T", "a", "b", "c"] + [c for c in cols if c not in ("T", "a", "b", "c")]
    sep = draw(st.sampled_from([",", ",", ";", "\t"]))
    lines = [sep.join(cols)]
    for _ in range(draw(st.integers(min_value=0 if not clean else 1, max_value=6))):
        cells = []
        for c in cols:
            if clean and c in VALID and draw(st.integers(0, 19)) > 0:
                cells.append(draw(VALID[c]))
            else:
                cells.append(draw(TEXT if c in ("branch", "label", "spacegroup", "extra") else NUMBERS))
        if draw(st.integers(0, 9 if not clean else 39)) == 0:  # a row one cell short or long
            cells = cells[:-1] if draw(st.booleans()) else cells + ["1"]
        lines.append(sep.join(cells))
        if draw(st.integers(0, 7)) == 0:
            lines.append(draw(st.sampled_from(["", "# a comment", "   ", "#"])))
    if draw(st.integers(0, 5)) == 0:
        lines.insert(0, "# exported by hand")
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    data = text.encode()
    kind = draw(st.integers(0, 19))
    if kind == 0:
        data = b"\xef\xbb\xbf" + data  # a byte-order mark
    elif kind == 1:
        data = data.replace(b"a", b"\xe9", 1)  # Latin-1, not UTF-8
    return data


def _outcome(path):
    try:
        df = read_cells_csv(path)
    except SymstrainInputError as exc:
        assert exc.source == str(path) and "\n" not in exc.problem
        return ("error", exc.problem)
    return ("table", df.drop(columns=["file", "label", "block"], errors="ignore"), len(df))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_any_cell_table_is_read_or_refused_alike_whatever_its_line_ends(data):
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = []
        for k, end in enumerate((b"\n", b"\r\n", b"\r")):
            path = Path(tmp) / f"cells{k}.csv"
            path.write_bytes(data.replace(b"\n", end))
            outcomes.append(_outcome(path))
    first = outcomes[0]
    for other in outcomes[1:]:
        assert other[0] == first[0], (first, other)
        if first[0] == "error":
            assert other[1] == first[1]
        else:
            assert other[2] == first[2]
            pd.testing.assert_frame_equal(other[1], first[1])
            assert np.all(np.isfinite(first[1][["T", "a", "b", "c"]].to_numpy(float)))
