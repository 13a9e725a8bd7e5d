"""Faults found by sweep 31 (today's changes attacked) and fixed in session 28, each against an expectation derived
independently (by hand, or from a fresh scan of the same paths)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from cli_run import catalogue_files as _files
from cli_run import run_cli as _main

CIFS = Path(__file__).resolve().parents[1] / "cifs"
LS, HS = CIFS / "model_LS_Pccn_90K.cif", CIFS / "model_HS_P21c_300K.cif"
SERIES = sorted((CIFS / "series").glob("model_heating_02*.cif"))


def _scan(capsys, path, cat):
    rc, out, _ = _main(capsys, "scan", path, "--catalogue", cat, "--json", "--no-progress")
    return rc, json.loads(out)


def test_a_file_scanned_by_name_keeps_its_row_when_a_link_to_it_goes(tmp_path, capsys):
    """A reaches C/f.cif through a link; C/f.cif is also scanned by its own name; the link goes and A is rescanned:
    the row of C/f.cif was deleted (and said to be gone) though a fresh catalogue of the same scans keeps it."""
    pytest.importorskip("duckdb")
    (tmp_path / "A").mkdir(), (tmp_path / "C").mkdir()
    shutil.copy(SERIES[0], tmp_path / "A" / "a.cif")
    shutil.copy(SERIES[1], tmp_path / "C" / "f.cif")
    (tmp_path / "A" / "link.cif").symlink_to(tmp_path / "C" / "f.cif")
    cat = tmp_path / "c.duckdb"
    _scan(capsys, tmp_path / "A", cat)
    _scan(capsys, tmp_path / "C" / "f.cif", cat)
    (tmp_path / "A" / "link.cif").unlink()
    rc, doc = _scan(capsys, tmp_path / "A", cat)
    assert rc == 0 and doc["removed"] == []
    assert _files(cat) == sorted([str(tmp_path / "A" / "a.cif"), str(tmp_path / "C" / "f.cif")])


@pytest.mark.parametrize("change", ["removed", "repointed"])
def test_a_folder_given_as_a_link_loses_the_rows_of_its_old_target(tmp_path, capsys, change):
    """LA → T scanned; T removed (or LA re-pointed to U): the rows of T's files stayed (sweep 31). Expected: what a
    fresh scan of LA gives."""
    pytest.importorskip("duckdb")
    T, U = tmp_path / "T", tmp_path / "U"
    T.mkdir(), U.mkdir()
    shutil.copy(SERIES[0], T / "t1.cif")
    shutil.copy(SERIES[1], T / "t2.cif")
    shutil.copy(SERIES[2], U / "u1.cif")
    LA = tmp_path / "LA"
    LA.symlink_to(T)
    cat = tmp_path / "c.duckdb"
    assert _scan(capsys, LA, cat)[0] == 0 and len(_files(cat)) == 2
    if change == "removed":
        shutil.rmtree(T)
    else:
        LA.unlink()
        LA.symlink_to(U)
    _, doc = _scan(capsys, LA, cat)
    assert sorted(doc["removed"]) == sorted([str(T / "t1.cif"), str(T / "t2.cif")])
    _scan(capsys, LA, tmp_path / "fresh.duckdb")
    assert _files(cat) == _files(tmp_path / "fresh.duckdb")


def test_an_escaped_name_that_is_also_a_real_name_keeps_both_rows(tmp_path, capsys):
    """'x\\xff.cif' (the byte) beside 'x\\\\xff.cif' (the text): both were stored under one name, their rows replaced
    each other and a rescan emptied the catalogue (sweep 31). Expected by hand: the text-named file's structure row
    and a failed row for the other, under a name of its own, at every scan."""
    pytest.importorskip("duckdb")
    d = tmp_path / "N"
    d.mkdir()
    shutil.copy(SERIES[0], os.fsencode(str(d)) + b"/x\xff.cif")
    shutil.copy(SERIES[1], d / "x\\xff.cif")
    cat = tmp_path / "c.duckdb"
    for _ in range(2):
        rc, doc = _scan(capsys, d, cat)
        assert rc == 3 and doc["n_rows"] == 2
        assert [f["file"] for f in doc["failed"]] == [str(d / "x\\xff.cif") + " (name not UTF-8, 1)"]
    assert str(d / "x\\xff.cif") in _files(cat)


@pytest.mark.parametrize("ends", [b"\r", b"\r\r\n", b"mixed"])
def test_cr_line_ends_with_some_lf_are_read(tmp_path, capsys, ends):
    """CR-only with one trailing LF was 'empty file' again, mixed CR and LF a syntax error (sweep 31): CIF takes CR,
    LF and CR LF as line ends. Expected: the cell, formula and group the LF file gives."""
    lines = LS.read_bytes().replace(b"\r\n", b"\n").split(b"\n")
    if ends == b"mixed":
        data = b"".join(line + (b"\r" if i % 2 else b"\n") for i, line in enumerate(lines))
    else:
        data = ends.join(lines) + b"\n"
    path = tmp_path / "e.cif"
    path.write_bytes(data)
    got = []
    for p in (LS, path):
        rc, out, _ = _main(capsys, "info", "--json", p)
        r = json.loads(out)["results"][0]
        got.append((rc, r["cell"], r["formula"], r["spacegroup"]["number"]))
    assert got[0] == got[1] and got[0][0] == 0


def test_a_cell_csv_su_larger_than_its_value_is_refused(tmp_path, capsys):
    """table --cells took a = 5.36(1e13) Å (sweep 31); the CIF reader refuses the same since sweep 26."""
    path = tmp_path / "c.csv"
    path.write_text("T,a,a_su,b,c,alpha,beta,gamma,spacegroup\n100,5.36,1e13,6,7,90,90,90,P 1\n"
                    "200,5.37,0.001,6,7,90,90,90,P 1\n")
    rc, _, err = _main(capsys, "table", "--cells", path, "--no-reference", "--out", tmp_path / "t")
    assert rc == 2 and "row 2: the s.u. of a, 1e+13, is larger than the value itself" in err
    assert err.count("\n") == 1 and not (tmp_path / "t").exists()


@pytest.mark.parametrize("hall, code", [
    ("'P 2yn'", "symbol_disagrees"),  # P2₁ (4) by hand: a 2-fold along b with translation (½,½,½) is a 2₁ screw
    ("'-P 2yn'", "symbol_other_setting"),  # P 1 21/n 1: the group of the operators (14) in another setting
    ("'-P 2ybc'", None),  # the operators' own Hall symbol
])
def test_a_hall_symbol_of_an_untabulated_or_other_setting_is_judged(tmp_path, capsys, hall, code):
    """'P 2yn' (a setting gemmi does not tabulate) beside P2₁/c operators passed silently, and so did a Hall symbol
    of the same group in another setting, where the H-M symbol gets symbol_other_setting (sweep 31)."""
    text = HS.read_text()
    assert text.count("'-P 2ybc'") == 1
    path = tmp_path / "h.cif"
    path.write_text(text.replace("'-P 2ybc'", hall))
    rc, out, _ = _main(capsys, "info", "--json", path)
    doc = json.loads(out)
    assert rc == 0 and doc["results"][0]["spacegroup"]["number"] == 14
    codes = [w["code"] for w in doc["warnings"] if w["code"].startswith("symbol")]
    assert codes == ([] if code is None else [code])
    if code == "symbol_disagrees":
        assert "(4)" in doc["warnings"][0]["message"]


def test_a_unicode_minus_in_an_operator_gets_the_right_hint(tmp_path, capsys):
    text = HS.read_text()
    assert text.count("2 -x,y+1/2,-z+1/2") == 1
    path = tmp_path / "m.cif"
    path.write_text(text.replace("2 -x,y+1/2,-z+1/2", "2 '\u2212x,y+1/2,\u2212z+1/2'"))
    rc, _, err = _main(capsys, "info", path)
    assert rc == 2 and "U+2212" in err and "write the ASCII '-'" in err and "fraction" not in err


# ---------------------------------------------------------------------------------------------- sweep 32
# The rule: after any sequence of scans, the catalogue holds the files a fresh replay of the same scans on the files
# as they are now would hold (a path scanned before that no longer exists keeps its files' rows, listed as missing).

def _replay(capsys, scans, cat):
    for path in scans:
        rc, out, err = _main(capsys, "scan", *path, "--catalogue", cat, "--json", "--no-progress")
        assert rc in (0, 3), err
    return _files(cat)


def _tree(tmp_path, *names):
    for k, name in enumerate(names):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SERIES[k % len(SERIES)], tmp_path / name)


def test_two_folders_in_one_call_each_keep_what_they_reach(tmp_path, capsys):
    """'scan A B' shared one walk: B's link to a file A's link had reached was not counted for B, so removing A's
    link and rescanning A dropped a file B still reaches (sweep 32)."""
    pytest.importorskip("duckdb")
    _tree(tmp_path, "A/keep.cif", "B/b.cif", "ext/x.cif")
    (tmp_path / "A" / "la").symlink_to(tmp_path / "ext")  # folder links: the walk went into ext once, for A
    (tmp_path / "B" / "lb").symlink_to(tmp_path / "ext")
    cat = tmp_path / "c.duckdb"
    _replay(capsys, [(tmp_path / "A", tmp_path / "B")], cat)
    (tmp_path / "A" / "la").unlink()
    got = _replay(capsys, [(tmp_path / "A",)], cat)
    assert got == _replay(capsys, [(tmp_path / "A", tmp_path / "B"), (tmp_path / "A",)], tmp_path / "fresh.duckdb")
    assert str(tmp_path / "ext" / "x.cif") in got


def test_a_file_given_by_a_link_name_keeps_its_row(tmp_path, capsys):
    pytest.importorskip("duckdb")
    _tree(tmp_path, "A/keep.cif", "ext/x.cif")
    (tmp_path / "C").mkdir()
    (tmp_path / "C" / "lc.cif").symlink_to(tmp_path / "ext" / "x.cif")
    (tmp_path / "A" / "la.cif").symlink_to(tmp_path / "ext" / "x.cif")
    cat = tmp_path / "c.duckdb"
    _replay(capsys, [(tmp_path / "C" / "lc.cif",), (tmp_path / "A",)], cat)
    (tmp_path / "A" / "la.cif").unlink()
    assert str(tmp_path / "ext" / "x.cif") in _replay(capsys, [(tmp_path / "A",)], cat)


def test_a_name_that_now_leads_elsewhere_loses_its_old_row(tmp_path, capsys):
    """A/sub/x.cif replaced by a link to ext/x.cif: the old row (another cell) stayed because the name still exists
    (sweep 32). Expected: the fresh replay's files."""
    pytest.importorskip("duckdb")
    _tree(tmp_path, "A/sub/x.cif", "ext/x.cif")
    cat = tmp_path / "c.duckdb"
    _replay(capsys, [(tmp_path / "A",)], cat)
    (tmp_path / "A" / "sub" / "x.cif").unlink()
    (tmp_path / "A" / "sub" / "x.cif").symlink_to(tmp_path / "ext" / "x.cif")
    got = _replay(capsys, [(tmp_path / "A",)], cat)
    assert got == [str(tmp_path / "ext" / "x.cif")] == _replay(capsys, [(tmp_path / "A",)], tmp_path / "f.duckdb")


def test_a_link_target_under_a_hidden_folder_of_another_scanned_folder_goes(tmp_path, capsys):
    """A's link reached B/.hid/x.cif, which B's own scan skips (hidden): kept for the textual prefix (sweep 32)."""
    pytest.importorskip("duckdb")
    _tree(tmp_path, "B/.hid/x.cif", "B/y.cif", "A/keep.cif")
    (tmp_path / "A" / "la").symlink_to(tmp_path / "B" / ".hid")
    cat = tmp_path / "c.duckdb"
    _replay(capsys, [(tmp_path / "B",), (tmp_path / "A",)], cat)
    assert str(tmp_path / "B" / ".hid" / "x.cif") in _files(cat)
    (tmp_path / "A" / "la").unlink()
    got = _replay(capsys, [(tmp_path / "A",), (tmp_path / "B",)], cat)
    assert got == sorted([str(tmp_path / "A" / "keep.cif"), str(tmp_path / "B" / "y.cif")])


def test_a_path_scanned_before_and_gone_gives_nothing_and_is_named(tmp_path, capsys):
    """A removed folder link kept its target's rows (sweep 32): it gives nothing now, as its replay would, and is
    listed (missing_paths); an emptied folder given again is rescanned (its rows go) instead of refused."""
    pytest.importorskip("duckdb")
    _tree(tmp_path, "A/keep.cif", "ext/x.cif", "E/e.cif")
    (tmp_path / "LB").symlink_to(tmp_path / "ext")
    cat = tmp_path / "c.duckdb"
    _replay(capsys, [(tmp_path / "A",), (tmp_path / "LB",), (tmp_path / "E",)], cat)
    (tmp_path / "LB").unlink()
    rc, out, _ = _main(capsys, "scan", tmp_path / "A", "--catalogue", cat, "--json", "--no-progress")
    doc = json.loads(out)
    assert rc == 0 and doc["missing_paths"] == [str(tmp_path / "LB")]
    assert doc["removed"] == [str(tmp_path / "ext" / "x.cif")] and str(tmp_path / "ext" / "x.cif") not in _files(cat)
    (tmp_path / "E" / "e.cif").unlink()
    rc, out, _ = _main(capsys, "scan", tmp_path / "E", "--catalogue", cat, "--json", "--no-progress")
    assert rc == 0 and json.loads(out)["removed"] == [str(tmp_path / "E" / "e.cif")]


def test_a_cr_copy_is_the_same_entry_as_its_lf_original(tmp_path, capsys):
    """A CR-line-end copy got another sha1 (its blocks were not split), so pairs saw two entries (sweep 32)."""
    pytest.importorskip("duckdb")
    import duckdb

    d = tmp_path / "d"
    d.mkdir()
    lf = SERIES[0].read_bytes().replace(b"\r\n", b"\n")
    (d / "lf.cif").write_bytes(lf)
    (d / "cr.cif").write_bytes(lf.replace(b"\n", b"\r"))
    (d / "crlf.cif").write_bytes(lf.replace(b"\n", b"\r\n"))
    cat = tmp_path / "c.duckdb"
    _replay(capsys, [(d,)], cat)
    con = duckdb.connect(str(cat), read_only=True)
    shas = {f: s for f, s in con.execute("SELECT file, sha1 FROM blocks").fetchall()}
    con.close()
    assert len(shas) == 3 and len(set(shas.values())) == 1


@pytest.mark.parametrize("sep", ["\f", "\u2028"])
def test_a_line_number_after_a_form_feed_counts_lf_only(tmp_path, capsys, sep):
    """Error lines were counted by str.splitlines, which breaks at FF and U+2028 too (sweep 32); gemmi and editors
    count LF. Here the bad value is on line 3."""
    path = tmp_path / "f.cif"
    path.write_text(f"data_x\n# a{sep}b{sep}c\n_chemical_name_common Feé\n_cell_length_a 5\n", encoding="utf-8")
    rc, _, err = _main(capsys, "info", path)
    assert rc == 2 and "line 3: the value 'Feé'" in err
