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
