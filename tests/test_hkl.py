"""Readers of measured intensities: every format from small files written here, then the real COD files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain.hkl import parse_hklf4, primary_individual, read_hkl

SHARED = Path(__file__).resolve().parents[2] / "shared" / "cifs"


@pytest.fixture
def shared():
    if not SHARED.is_dir():
        pytest.skip("../shared/cifs not present")
    return SHARED


def _hklf4(rows, batch=False, end=True):
    out = []
    for r in rows:
        s = f"{r[0]:4d}{r[1]:4d}{r[2]:4d}{r[3]:8.2f}{r[4]:8.2f}"
        if batch:
            s += f"{r[5]:4d}"
        out.append(s + "\n")
    if end:
        out.append("   0   0   0    0.00    0.00\n")
    return "".join(out)


def test_hklf4_fixed_format_with_touching_fields_and_terminator(text_file):
    rows = [(1, 0, 0, 1234.56, 12.34), (-100, -120, -13, 99999.99, 1.5), (3, -4, 5, -3.2, 2.0)]
    # after the 0 0 0 line SHELX files carry anything (here a copy of the .ins): ignored
    f = text_file("x.hkl", _hklf4(rows) + "TITL junk after the terminator\nCELL 0.71073 1 2 3 90 90 90\n")
    d = read_hkl(f)
    assert d.attrs["format"] == "hklf4" and d.attrs["warnings"] == []
    assert d[["h", "k", "l"]].to_numpy().tolist() == [[1, 0, 0], [-100, -120, -13], [3, -4, 5]]
    assert np.allclose(d["I"], [1234.56, 99999.99, -3.2]) and np.allclose(d["sigma"], [12.34, 1.5, 2.0])
    assert "batch" not in d and d.attrs["source"] == str(f)
    # fields touch in fixed format ("-100-120 -1399999.99"): a whitespace split would fail, the columns do not
    assert "-100-120 -1399999.99" in f.read_text()


def test_hklf4_batch_column_and_missing_terminator(text_file):
    d = read_hkl(text_file("b.hkl", _hklf4([(1, 2, 3, 10.0, 1.0, 1), (2, 2, 3, 20.0, 2.0, 2)], batch=True, end=False)))
    assert d["batch"].tolist() == [1, 2]
    assert any("0 0 0" in w for w in d.attrs["warnings"])


def test_hklf4_direction_cosines_after_the_batch_are_skipped():
    line = "   1   2   3  100.00    2.00   1 0.12345-0.54321 0.11111 0.22222-0.33333 0.44444\n"
    d, _ = parse_hklf4(line + "   0   0   0    0.00    0.00\n")
    assert d.iloc[0][["h", "k", "l", "I", "sigma", "batch"]].tolist() == [1, 2, 3, 100.0, 2.0, 1]


def test_hklf4_free_format_is_accepted():
    d, _ = parse_hklf4("1 2 3 100.5 2.5\n-1 0 4 7 1\n0 0 0 0 0\n")
    assert d[["h", "k", "l"]].to_numpy().tolist() == [[1, 2, 3], [-1, 0, 4]]
    assert np.allclose(d["I"], [100.5, 7.0])


_LOOP = "data_bad\nloop_\n_refln_index_h\n_refln_index_k\n"


@pytest.mark.parametrize("name, text, msg", [
    ("bad.hkl", "   1   0   0  100.00    1.00\n   1   x   0  100.00    1.00\n", "line 2"),
    ("bad.hkl", "   1   0   0  100.00\n", "line 1"),
    ("bad.hkl", "1 0 0.5 100 1\n", "not integers"),
    ("bad.hkl", "   0   0   0    0.00    0.00\n", "no reflections"),
    ("bad.cif", _LOOP + "_refln_index_l\n_refln_F_squared_calc\n1 0 0 5\n", "without measured"),
    ("bad.cif", _LOOP + "_refln_F_squared_meas\n1 0 5\n", "index_l"),
    ("bad.cif", _LOOP + "_refln_index_l\n_refln_F_squared_meas\n1 0.5 0 5\n", "not an integer"),
    ("bad.cif", _LOOP + "_refln_index_l\n_refln_F_squared_meas\n1 0 0 abc\n", "not a number"),
    ("bad.cif", "data_bad\n_cell_length_a 5\n", "no reflection data"),
    ("bad.cif", _LOOP + "1 0 0\n", "syntax"),
])
def test_bad_input_is_one_line_error_naming_the_file(expect_refusal, name, text, msg):
    # HKLF 4 (line, integers, no reflections) and CIF refln loops (items missing, numbers, no data, syntax)
    f, err = expect_refusal(read_hkl, name, text, match=msg)
    assert err.source == str(f) and "\n" not in err.problem


def test_cif_refln_loop_intensity_ddl1_and_ddl2(text_file):
    d = read_hkl(text_file("r.cif", "data_r\n_diffrn_ambient_temperature 120(2)\nloop_\n_refln_index_h\n"
                                    "_refln_index_k\n_refln_index_l\n_refln_intensity_meas\n_refln_intensity_sigma\n"
                                    "_refln_observed_status\n1 0 0 10.5 0.5 o\n0 2 -1 3.25 1.0 <\n"))
    assert d.attrs["format"] == "cif_refln" and d.attrs["temperature"] == 120.0
    assert d[["h", "k", "l"]].to_numpy().tolist() == [[1, 0, 0], [0, 2, -1]]
    assert d["I"].tolist() == [10.5, 3.25] and d["sigma"].tolist() == [0.5, 1.0]
    assert d["status"].tolist() == ["o", "<"]
    d = read_hkl(text_file("r2.cif", "data_r2\nloop_\n_refln.index_h\n_refln.index_k\n_refln.index_l\n"
                                     "_refln.F_squared_meas\n_refln.F_squared_sigma\n1 1 1 50 5\n2 0 0 ? 1\n"))
    assert d["I"].iloc[0] == 50 and np.isnan(d["I"].iloc[1])


def test_cif_amplitudes_converted_and_missing_sigma_said(text_file):
    d = read_hkl(text_file("f.cif", "data_f\nloop_\n_refln_index_h\n_refln_index_k\n_refln_index_l\n_refln_F_meas\n"
                                    "_refln_F_sigma\n1 0 0 10 0.5\n"))
    assert d["I"].iloc[0] == 100.0 and d["sigma"].iloc[0] == pytest.approx(2 * 10 * 0.5)
    assert any("F_meas" in w for w in d.attrs["warnings"])
    d = read_hkl(text_file("g.cif", "data_g\nloop_\n_refln_index_h\n_refln_index_k\n_refln_index_l\n"
                                    "_refln_F_squared_meas\n1 0 0 10\n"))
    assert np.isnan(d["sigma"].iloc[0]) and any("sigma" in w for w in d.attrs["warnings"])


def test_fcf_list_code_4_keeps_status_and_fc2(text_file):
    d = read_hkl(text_file("s.fcf", "data_s\n_shelx_refln_list_code 4\nloop_\n _refln_index_h\n _refln_index_k\n"
                                    " _refln_index_l\n _refln_F_squared_calc\n _refln_F_squared_meas\n"
                                    " _refln_F_squared_sigma\n _refln_observed_status\n"
                                    "   2   0   0  47.04  10.91  0.50 o\n   3   0   0 189.94 203.48  1.68 x\n"))
    assert d.attrs["format"] == "fcf" and d.attrs["shelx_list_code"] == "4"
    assert d["I"].tolist() == [10.91, 203.48] and d["I_calc"].tolist() == [47.04, 189.94]
    assert d["status"].tolist() == ["o", "x"]


def test_embedded_shelx_hkl_file_and_block_choice(text_file):
    f = text_file("e.cif", "data_first\n_cell_length_a 5\n\ndata_second\n_shelx_hkl_file\n;\n"
                  + _hklf4([(1, 1, 0, 12.5, 0.5), (0, 0, 2, 7.0, 0.7)]) + "REM not data\n;\n")
    d = read_hkl(f)
    assert d.attrs["format"] == "cif_shelx_hkl_file" and d.attrs["block"] == "second"
    assert d["I"].tolist() == [12.5, 7.0]
    assert len(read_hkl(f, block="second")) == 2
    with pytest.raises(SymstrainInputError, match="blocks: first, second"):
        read_hkl(f, block="third")


def test_twin_refln_loop(text_file):
    d = read_hkl(text_file("t.cif", "data_t\nloop_\n_twin_refln_datum_id\n_twin_refln_individual_id\n"
                                    "_twin_refln_index_h\n_twin_refln_index_k\n_twin_refln_index_l\n"
                                    "_twin_refln_F_squared_meas\n_twin_refln_F_squared_sigma\n"
                                    "1 2 1 -2 0 500 5\n1 1 -1 2 0 500 5\n2 1 0 1 1 30 3\n"))
    assert d.attrs["twinned"] and d.attrs["format"] == "cif_twin_refln"
    assert d["twin_individual"].tolist() == ["2", "1", "1"]
    p = primary_individual(d)
    assert p[["h", "k", "l"]].to_numpy().tolist() == [[-1, 2, 0], [0, 1, 1]]


# --------------------------------------------------------------------------- real COD files
def _count_data_lines(path: Path, start: str, end_pattern: str | None = None) -> int:
    """Independent count: reflection lines after the line ``start`` (loop header or text field)."""
    lines = path.read_text(errors="replace").splitlines()
    i = next(n for n, s in enumerate(lines) if s.strip() == start)
    n = 0
    for s in lines[i + 1:]:
        if re.match(r"^\s*-?\d+\s+-?\d+\s+-?\d+\s+", s):
            if end_pattern and re.match(end_pattern, s):
                break
            n += 1
        elif n:
            break
    return n


def test_real_2242624_hkl_has_71_reflections(shared):
    d = read_hkl(shared / "hkl" / "2242624.hkl")
    assert len(d) == 71
    assert d.attrs["cell"] == pytest.approx((2.4473, 3.4688, 3.5144, 105.224, 110.601, 91.389))
    assert d.iloc[0][["h", "k", "l"]].tolist() == [1, 1, 0]
    assert d["I"].iloc[0] == pytest.approx(173.17) and d["sigma"].iloc[0] == pytest.approx(0.67)


def test_real_1501469_and_fcf_extract(shared):
    d = read_hkl(shared / "hkl" / "1501469-good.hkl")
    assert len(d) == _count_data_lines(shared / "hkl" / "1501469-good.hkl", "_refln_observed_status")
    assert len(d) > 1300 and set(d["status"]) <= {"o", "<", "x", "-", "h", "l"}
    f = read_hkl(shared / "hkl" / "bk5076100Ksup2-extract.fcf")
    assert f.attrs["format"] == "fcf" and len(f) == 9
    assert f["status"].tolist() == ["o"] * 9
    assert f.iloc[0][["I", "sigma", "I_calc"]].tolist() == [10.91, 0.50, 47.04]


def test_real_twinned_2020013(shared):
    d = read_hkl(shared / "hkl" / "2020013.hkl")
    assert d.attrs["twinned"]
    p = primary_individual(d)
    assert len(p) == 216  # _refine_ls_number_reflns of 2020013.cif
    with pytest.raises(SymstrainInputError, match="no reflection data"):
        read_hkl(shared / "hkl" / "2020013.cif")  # the structure CIF carries no intensities


def test_real_embedded_hkl(shared):
    path = shared / "quirks" / "1552546.cif"
    d = read_hkl(path)
    assert d.attrs["format"] == "cif_shelx_hkl_file"
    n = _count_data_lines(path, "_shelx_hkl_file", r"^\s*0\s+0\s+0\s+")
    assert len(d) == n > 8000
    assert d.iloc[0][["h", "k", "l", "I", "sigma"]].tolist() == [2, 0, 0, 1137.29, 104.79]
    r = read_hkl(shared / "quirks" / "2019572.cif")  # a _refln loop with F² but no σ
    assert len(r) == 733 and r["sigma"].isna().all() and r.attrs["temperature"] == 123.0


# --------------------------------------------------------------------------- column-wise reading = line-by-line reading
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from symstrain.hkl import _fixed_columns, _num, _parse_lines  # noqa: E402

_index = st.one_of(st.integers(-1, 1), st.integers(-999, 9999))
_fields = st.tuples(_index, _index, _index,
                    st.floats(-9999, 99999, allow_nan=False), st.floats(0, 9999, allow_nan=False),
                    st.sampled_from(["{:8.2f}", "{:8.1f}", "{:8.0f}", "{:8.1e}", "{:<8.3f}"]),
                    st.one_of(st.none(), st.integers(-99, 999)))


def _line(f, cosines):
    h, k, l, I, s, fmt, batch = f
    out = f"{h:4d}{k:4d}{l:4d}" + fmt.format(I)[:8].rjust(8) + f"{s:8.2f}"[:8]
    if batch is not None:
        out += f"{batch:4d}"
        if cosines:
            out += "".join(f"{c:8.5f}" for c in (0.12345, -0.54321, 0.11111, 0.22222, -0.33333, 0.44444))
    return out


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(_fields, min_size=1, max_size=30), cosines=st.booleans(), end=st.booleans(),
       blank_at=st.lists(st.integers(0, 30), max_size=3), damage=st.one_of(st.none(), st.tuples(
           st.integers(0, 40), st.integers(0, 40), st.sampled_from(list(" x.-+e0_\t1\u00e5")))))
def test_column_reader_gives_the_line_reader_result(rows, cosines, end, blank_at, damage):
    """The numpy reader either declines (None) or returns exactly what the line-by-line reader returns, for
    valid files and for files with one character changed anywhere; when it declines the line reader answers."""
    lines = [_line(f, cosines) for f in rows]
    for i in sorted(blank_at, reverse=True):
        lines.insert(min(i, len(lines)), "   ")
    if end:
        lines += ["   0   0   0    0.00    0.00", "TITL anything after the end", "   x"]
    if damage is not None:
        i, j, ch = damage
        i = min(i, len(lines) - 1)
        lines[i] = (lines[i] + " " * 40)[:j] + ch + lines[i][j + 1:]
    text = "\n".join(lines) + "\n"
    if _assert_same_as_line_reader(text) and damage is None:
        assert _fixed_columns(text) is not None  # SHELX's own fixed format always takes the column-wise path


def _assert_same_as_line_reader(text):
    """parse_hklf4 gives exactly the line-by-line reader's frame and warnings (True), or its error (False)."""
    import pandas as pd

    try:
        expected = _parse_lines(text.splitlines(), "x")
    except SymstrainInputError as exc:
        with pytest.raises(SymstrainInputError) as got:
            parse_hklf4(text, "x")
        assert got.value.problem == exc.problem
        return False
    df, warns = parse_hklf4(text, "x")
    pd.testing.assert_frame_equal(df, expected[0], check_exact=True)
    assert warns == expected[1]
    return True


@pytest.mark.parametrize("text", [
    "  -0  -0  -0    1.00    1.00\n   1   0   0    2.00    1.00\n",  # a zero triple spelled '-0' ends the data
    "   1   2   3   10.00    1.00\n  +0   0  00    1.00    1.00\n   1   0   0    2.00    1.00\n",
    " 1_0   2   3   10.00    1.00\n   0   0   0    0.00    0.00\n",  # int() reads '1_0', the fixed format not
    " 1_0-120   3   10.00    1.00\n   0   0   0    0.00    0.00\n",  # ... and touching fields fail free format
    "   1   2   3 1_00.00    1.00\n   0   0   0    0.00    0.00\n",  # float() reads '1_00.00'
    "   1   2   3   10.00    1.00 1_2\n   0   0   0    0.00    0.00\n",
    "   1   2   3   10.00    1.00\t  2\n   0   0   0    0.00    0.00\n",
    "   1   2   3   10.00    1.00   1 0.12345 -0.5432\n   0   0   0    0.00    0.00\n",
    "   1   2   3   10.00    1.00   1 0.12345       x\n   0   0   0    0.00    0.00\n",
    "   1   2   3   10.00    1.00\x0c\n   0   0   0    0.00    0.00\n",
    "   1   2   3   1e+03    1.00\n\u3000\n   0   0   0    0.00    0.00   0\n",
    "   1   2   3     nan    1.00\n   0   0   0    0.00    0.00\n",
])
def test_column_reader_edge_cases_match_the_line_reader(text):
    _assert_same_as_line_reader(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text("0123456789+-.eE", min_size=1, max_size=9), st.sampled_from(
    ["?", ".", "1.5(3)", "'2'", "1e400", "1e-400", "-0", "abc", "-.5e-3"])), min_size=1, max_size=20))
def test_cif_loop_columns_read_as_gemmi_reads_each_value(values):
    """The whole-column conversion (gemmi's make_float_array on a copy of the loop) gives what gemmi's as_number
    gives value by value, NaN for '?' and '.', and the same error for the first value that is not a number."""
    import gemmi

    from symstrain.hkl import _loop_reader

    text = "data_t\nloop_\n_refln_index_h\n_refln_index_k\n_refln_index_l\n_refln_F_squared_meas\n" + "".join(
        f"{i} 0 0 {v}\n" for i, v in enumerate(values))
    block = gemmi.cif.read_string(text).sole_block()
    numbers = _loop_reader(block, block.find_values("_refln_index_h").get_loop(), "_refln_")
    try:
        expected = _num(values, "x", "_refln_F_squared_meas")
    except SymstrainInputError as exc:
        with pytest.raises(SymstrainInputError) as got:
            numbers("_refln_F_squared_meas", "x")
        assert got.value.problem == exc.problem
        return
    got = numbers("_refln_F_squared_meas", "x")
    assert np.array_equal(got, expected, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(expected))
    assert np.array_equal(numbers("_refln_index_h", "x"), np.arange(len(values)))


def test_a_file_of_several_reflection_blocks_says_only_the_first_is_read(tmp_path):
    """Sweep 16: a CIF with one _refln_ loop per temperature was read as its first block without a word."""
    def block(name, scale):
        rows = "\n".join(f"{h} {k} {l} {scale * (h + k + l + 1):.1f} 1.0" for h, k, l in ((1, 0, 0), (0, 1, 1)))
        return (f"data_{name}\nloop_\n_refln_index_h\n_refln_index_k\n_refln_index_l\n_refln_F_squared_meas\n"
                f"_refln_F_squared_sigma\n{rows}\n")

    p = tmp_path / "three.cif"
    p.write_text(block("t100", 10) + block("t200", 20) + "data_notes\n_journal_year 2020\n" + block("t300", 30))
    df = read_hkl(p)
    assert df.attrs["block"] == "t100" and df["I"].tolist() == [20.0, 30.0]
    (w,) = [w for w in df.attrs["warnings"] if w.code == "more_reflection_blocks"]
    assert "2 more data block(s) hold reflection data (t200, t300); only the first, t100, is read" in w
    one = tmp_path / "one.cif"
    one.write_text(block("t100", 10) + "data_notes\n_journal_year 2020\n")
    assert not [w for w in read_hkl(one).attrs["warnings"] if w.code == "more_reflection_blocks"]
