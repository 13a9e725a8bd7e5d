"""The one CSV reader (symstrain.csv_input) and the four readers built on it: every bad file is a one-line error
naming the file, rows are named by their line in the file, columns by their header."""

from __future__ import annotations

import numpy as np
import pytest

from symstrain.csv_input import Column, header_key, read_csv_table
from symstrain.errors import SymstrainInputError
from symstrain.landau_data import read_branch_csv
from symstrain.magnetism import read_chimt_csv
from symstrain.series import read_cells_csv

COLS = {"T": Column(("T", "temperature", "temp"), label="temperature"), "x": Column(("x", "chimt")),
        "note": Column(("note",), required=False, kind="text")}


def _write(tmp_path, text, name="t.csv", mode="w"):
    p = tmp_path / name
    (p.write_bytes if mode == "wb" else p.write_text)(text)
    return p


@pytest.mark.parametrize("text, problem", [
    ("", "the file is empty"),
    ("# only a comment\n\n", "the file is empty"),
    ("T,x\n", "the table has no rows"),
    ("T,x\n1,2\n3,4,5,6\n", "not a readable CSV table"),
    ("T,y\n1,2\n", "missing column(s): x (no column named x, chimt); the file has T, y"),
    ("# header follows\nT,x\n1,2\n3,abc\n", "row 4, column 'x': 'abc' is not a number"),
    ("T,x\n1,2\n,4\n", "row 3: missing temperature (column 'T')"),
    ("T,x\n1,1e999\n", "row 2, column 'x': '1e999' is not a finite number"),
    ("T,x\n1,2(3)\n", "row 2, column 'x': '2(3)' is not a number"),
    ("T,temp,x\n1,1,2\n", "columns 'T', 'temp' all look like temperature"),
])
def test_bad_tables_are_one_line_errors_naming_the_file(tmp_path, text, problem):
    p = _write(tmp_path, text)
    with pytest.raises(SymstrainInputError) as exc:
        read_csv_table(p, COLS)
    assert exc.value.source == str(p) and exc.value.problem.startswith(problem) and "\n" not in exc.value.problem


def test_missing_directory_and_binary_files(tmp_path):
    with pytest.raises(SymstrainInputError, match="file not found"):
        read_csv_table(tmp_path / "nope.csv", COLS)
    with pytest.raises(SymstrainInputError, match="not a file"):
        read_csv_table(tmp_path, COLS)
    p = _write(tmp_path, b"T,x\n\xff\xfe\x00\x01\n", mode="wb")
    with pytest.raises(SymstrainInputError, match="not a readable CSV table") as exc:
        read_csv_table(p, COLS)
    assert "\n" not in exc.value.problem


@pytest.mark.parametrize("sep", [",", ";", "\t", "   "])
def test_delimiters_units_aliases_and_text(tmp_path, sep):
    t_head, x_head = ("Temperature[K]", "χM·T") if sep == "   " else ("Temperature (K)", "χM·T (cm3 K mol-1)")
    p = _write(tmp_path, f"# units: K\n{t_head}{sep}{x_head}{sep}note{sep}extra\n"
                         f"100{sep}0.25{sep}a{sep}7\n\n250.5{sep}-1.5e-2{sep}?{sep}8\n")
    t = read_csv_table(p, COLS)
    assert t.data["T"].tolist() == [100.0, 250.5] and t.data["x"].tolist() == [0.25, -0.015]
    assert t.data["note"].tolist() == ["a", "?"]  # text as written
    assert t.headers == {"T": t_head, "x": x_head, "note": "note"}
    assert t.ignored == ("extra",) and t.lines.tolist() == [3, 5]


def test_su_in_brackets_and_optional_missing(tmp_path):
    p = _write(tmp_path, "T,a,a_su\n100,10.012(3),\n200,10.5,0.004\n300,1.25(12),?\n")
    t = read_csv_table(p, {"T": Column(("T",)), "a": Column(("a",), su_in_brackets=True),
                           "a_su": Column(("a_su",), missing_ok=True)})
    assert t.data["a"].tolist() == [10.012, 10.5, 1.25]
    assert np.allclose(t.su["a"], [0.003, np.nan, 0.12], equal_nan=True)
    assert np.isnan(t.data["a_su"][0]) and t.data["a_su"][1] == 0.004 and np.isnan(t.data["a_su"][2])


def test_a_header_goes_to_the_first_column_that_asks_for_it(tmp_path):
    p = _write(tmp_path, "b,db\n1,2\n")
    t = read_csv_table(p, {"b": Column(("b",)), "b_su": Column(("db", "b"), required=False)})
    assert t.headers == {"b": "b", "b_su": "db"}


def test_header_key():
    assert header_key(" Temperature [K] ") == "temperature"
    assert header_key("χM T (cm3 K mol-1)") == "chim_t"
    assert header_key("cell-a") == "cell_a"


def test_the_four_readers_share_the_messages(tmp_path):
    chi = _write(tmp_path, "T (K),chiMT\n100,0.1\n# a comment\n200,oops\n", "chi.csv")
    with pytest.raises(SymstrainInputError, match=r"row 4, column 'chiMT': 'oops' is not a number") as exc:
        read_chimt_csv(chi)
    assert exc.value.source == str(chi)
    q = _write(tmp_path, "T;q;branch\n100;0.1;heating\n200;;cooling\n", "q.csv")
    with pytest.raises(SymstrainInputError, match=r"row 3: missing q \(column 'q'\)"):
        read_branch_csv(q, "q")
    cells = _write(tmp_path, "T,a,b\n100,1,2\n", "cells.csv")
    with pytest.raises(SymstrainInputError, match=r"missing column\(s\): c \(no column named c, cell_c, length_c\)"):
        read_cells_csv(cells)
    for f in ("missing.csv",):
        for reader in (read_chimt_csv, lambda p: read_branch_csv(p, "q"), read_cells_csv):
            with pytest.raises(SymstrainInputError, match="file not found"):
                reader(tmp_path / f)


def test_strain_table_option_uses_the_reader(tmp_path, capsys):
    from symstrain.cli import main

    bad = _write(tmp_path, "T,eta\n100,1\n", "strain.csv")
    root = __import__("pathlib").Path(__file__).resolve().parents[1] / "cifs"
    rc = main(["reflections", str(root / "model_HS_P21c_300K.cif"), str(root / "model_LS_Pccn_90K.cif"),
               "--strain-table", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert err.startswith(f"symstrain: error: {bad}: missing column(s): eta_strain (no column named eta_strain)")
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------------------ typed fast path


def _both_readers(monkeypatch, path, columns):
    """The table read with the parser's number conversion (fast path) and with every cell as text (the old path)."""
    import symstrain.csv_input as ci

    fast = read_csv_table(path, columns)
    with monkeypatch.context() as m:
        m.setattr(ci, "_read_typed", lambda *a: None)
        slow = read_csv_table(path, columns)
    return fast, slow


def _same_table(a, b):
    assert list(a.data.columns) == list(b.data.columns) and a.headers == b.headers and a.ignored == b.ignored
    assert a.lines.tolist() == b.lines.tolist() and set(a.su) == set(b.su)
    for c in a.data.columns:
        x, y = a.data[c].to_numpy(), b.data[c].to_numpy()
        if x.dtype == float:
            assert y.dtype == float and np.array_equal(x.view(np.int64), y.view(np.int64)), c  # bit for bit
        else:
            assert x.tolist() == y.tolist(), c
    for c in a.su:
        assert np.array_equal(a.su[c].view(np.int64), b.su[c].view(np.int64)), c


def test_typed_reading_gives_the_text_readers_numbers_bit_for_bit(tmp_path, monkeypatch):
    """Numbers the parser converts (no text per cell) are Python's float() of the cell, as the text path's
    pd.to_numeric: long mantissas, exponents, signs, integers, leading spaces; text columns keep '007'; columns with
    gaps, brackets or words go through the text path; comments and blank lines keep the line numbers."""
    rng = np.random.default_rng(11)
    n = 3000
    mant = rng.integers(1, 10**15, n)
    cells = [f"{m % 10}.{m}{k}e{int(e)}" if k % 3 == 0 else (f" {m}.{k}5" if k % 3 == 1 else f"-0.{m:015d}9")
             for k, (m, e) in enumerate(zip(mant.tolist(), rng.integers(-20, 20, n).tolist()))]
    rows = [f"{k},{c},{90 + k % 7},{'' if k % 5 == 0 else 0.01},{'007' if k % 2 else 'x y'},{k}.5(3)"
            for k, c in enumerate(cells)]
    text = "# made up\nT,x,ang,s,note,w\n" + "\n".join(rows[:10]) + "\n\n   \n" + "\n".join(rows[10:]) + "\n"
    p = _write(tmp_path, text)
    cols = {"T": Column(("T",)), "x": Column(("x",)), "ang": Column(("ang",)),
            "s": Column(("s",), missing_ok=True), "note": Column(("note",), kind="text"),
            "w": Column(("w",), su_in_brackets=True)}
    fast, slow = _both_readers(monkeypatch, p, cols)
    _same_table(fast, slow)
    assert np.array_equal(fast.data["x"].to_numpy(), np.array([float(c) for c in cells]))  # oracle: float()
    assert fast.data["note"].tolist()[:2] == ["x y", "007"] and fast.lines[10] == 15
    assert np.isnan(fast.data["s"].to_numpy()[::5]).all() and fast.su["w"][0] == pytest.approx(0.3)


def test_typed_reading_of_a_long_column_with_late_gaps_has_one_kind(tmp_path, monkeypatch):
    """A column whose gaps start late in a long file is read whole (pandas' chunked type guess would mix floats
    and text and warn on stderr): the same numbers as the text path, no warning."""
    import warnings

    n = 200_000
    s = ["0.001"] * n
    s[-3:] = ["", "", "0.002"]
    p = _write(tmp_path, "T,x,s\n" + "".join(f"{k},1.5,{v}\n" for k, v in enumerate(s)))
    cols = {"T": Column(("T",)), "x": Column(("x",)), "s": Column(("s",), missing_ok=True)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, slow = _both_readers(monkeypatch, p, cols)
    _same_table(fast, slow)
    assert np.isnan(fast.data["s"].to_numpy()[-3:-1]).all()


def test_a_plus_sign_keeps_the_text_path(tmp_path, monkeypatch):
    """pd.to_numeric (the text path) rounds "+129773949399298.75" one unit off float(); a file with such a cell is
    read as before (the numbers of earlier versions), an exponent "e+05" does not count."""
    import symstrain.csv_input as ci

    p = _write(tmp_path, "T,x\n1, +129773949399298.75\n2,3.5\n")
    seen = []
    real = ci._read_typed
    monkeypatch.setattr(ci, "_read_typed", lambda *a: seen.append(real(*a)) or seen[-1])
    got = read_csv_table(p, {"T": Column(("T",)), "x": Column(("x",))})
    assert seen == [None] and got.data["x"].tolist()[1] == 3.5
    read_csv_table(_write(tmp_path, "T,x\n1,1.5e+05\n", "e.csv"), {"T": Column(("T",)), "x": Column(("x",))})
    assert seen[-1] is not None


@pytest.mark.parametrize("text", ["T,x\n1,True\n", "T,x\n1,inf\n", "T,x\n1,nan\n", "T,x\n,2\n", "T,x,x\n1,2,3\n",
                                  "T,x\n99999999999999999999999,2\n"])
def test_typed_reading_leaves_odd_columns_to_the_text_reader(tmp_path, monkeypatch, text):
    """Booleans, ±inf, NaN words, gaps in a required column, repeated headers and integers beyond int64: the same
    table or the same one-line error as the text path."""
    p = _write(tmp_path, text)
    cols = {"T": Column(("T",)), "x": Column(("x",), missing_ok=True)}
    try:
        fast, slow = _both_readers(monkeypatch, p, cols)
    except SymstrainInputError as exc:
        import symstrain.csv_input as ci

        monkeypatch.setattr(ci, "_read_typed", lambda *a: None)
        with pytest.raises(SymstrainInputError) as slow_exc:
            read_csv_table(p, cols)
        assert str(exc) == str(slow_exc.value)
    else:
        _same_table(fast, slow)


@pytest.mark.parametrize("gap", ["", "?", ".", "nan", "NaN", "NA", " ", "  ?", '"?"', "? ", "NAN", "-nan", "inf",
                                 "-Infinity", "n/a", "none"])
def test_gaps_of_a_column_that_may_have_them_read_as_the_text_reader_reads_them(tmp_path, monkeypatch, gap):
    """The spellings of a missing number in a column that may have gaps are NaN as the parser reads (the typed path
    is taken: no text per cell); any other word, ±inf or a gap with trailing spaces gives the text path's table or
    its one-line error."""
    import symstrain.csv_input as ci

    p = _write(tmp_path, f"T,s\n1,0.25\n2,{gap}\n3,1e-5\n")
    cols = {"T": Column(("T",)), "s": Column(("s",), missing_ok=True, su_in_brackets=True)}
    seen = []
    real = ci._read_typed
    with monkeypatch.context() as m:
        m.setattr(ci, "_read_typed", lambda *a: seen.append(real(*a)) or seen[-1])
        try:
            fast = read_csv_table(p, cols)
        except SymstrainInputError as exc:
            fast = exc
    with monkeypatch.context() as m:
        m.setattr(ci, "_read_typed", lambda *a: None)
        try:
            slow = read_csv_table(p, cols)
        except SymstrainInputError as exc:
            slow = exc
    if isinstance(slow, SymstrainInputError):
        assert isinstance(fast, SymstrainInputError) and str(fast) == str(slow)
        return
    _same_table(fast, slow)
    values = fast.data["s"].tolist()
    assert values[0] == 0.25 and np.isnan(values[1]) and values[2] == 1e-5
    if gap.strip(' "') in ("", "?", ".", "nan", "NaN", "NA") and not gap.endswith(" "):
        assert "s" in seen[0][1]  # converted by the parser, gaps included


def test_content_lines_skip_blank_and_comment_lines():
    from symstrain.csv_input import _content_lines

    lines = ["# c", "T,x", "", "  ", "1,2", "  # also a comment", "\t3,4 ", "#", "5,#6"]
    assert _content_lines(lines, True) == [2, 5, 7, 9]
    assert _content_lines(["T", "", "1"], False) == [1, 3] and _content_lines([], False) == []
