"""Faults found by sweep 19 (the data miner's corpus work: scan, pairs, info batches over thousands of files)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from symstrain.cli import main

pytest.importorskip("duckdb")

MODELS = Path(__file__).resolve().parents[1] / "cifs"
LS, HS = MODELS / "model_LS_Pccn_90K.cif", MODELS / "model_HS_P21c_300K.cif"


def _scan_json(capsys, *args) -> tuple[int, dict]:
    code = main(["scan", *map(str, args), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_scan_goes_on_past_files_it_cannot_read(tmp_path, capsys):
    """A dangling link, a loop of links and a FIFO named *.cif stopped the whole scan (exit 70, nothing committed)
    or hung it; each is now one failed row and the good file is scanned (exit 3). A second scan adds no second row
    for them and lists them again as failures."""
    from symstrain.contract import validate

    c = tmp_path / "c"
    c.mkdir()
    shutil.copy(LS, c / "ls.cif")
    (c / "dangling.cif").symlink_to(c / "nowhere.cif")
    (c / "loop1.cif").symlink_to(c / "loop2.cif")
    (c / "loop2.cif").symlink_to(c / "loop1.cif")
    os.mkfifo(c / "fifo.cif")
    cat = tmp_path / "cat.duckdb"
    code, d = _scan_json(capsys, c, "--catalogue", cat)
    validate("scan", d)
    assert code == 3 and d["n_files"] == 5 and d["n_rows"] == 5
    why = {Path(f["file"]).name: f["message"] for f in d["failed"]}
    assert why == {"dangling.cif": "a symbolic link to nothing (dangling)", "loop1.cif": "a loop of symbolic links",
                   "loop2.cif": "a loop of symbolic links",
                   "fifo.cif": "not a regular file (a FIFO, socket or device): not read"}
    assert [r["status"] for r in d["results"] if r["file"].endswith("ls.cif")] == ["ok"]
    code, again = _scan_json(capsys, c, "--catalogue", cat)
    assert code == 3 and again["n_added"] == 0 and again["n_rows"] == 5 and len(again["failed"]) == 4


def test_a_file_that_vanishes_or_cannot_be_read_is_a_failed_row(tmp_path):
    """A file removed between the listing and its reading (a live mirror) raised FileNotFoundError out of scan;
    one without read permission, PermissionError (exit 70). The worker now returns a failed row for either."""
    from symstrain.catalogue import Catalogue, scan
    from symstrain.corpus_entry import scan_file, unreadable_reason

    c = tmp_path / "c"
    c.mkdir()
    for name in ("a.cif", "b.cif", "c.cif"):
        shutil.copy(LS, c / name)
    done = []

    def progress(n):  # after the first file, the last one goes away
        done.append(n)
        if len(done) == 1 and (c / "c.cif").exists():
            (c / "c.cif").unlink()

    res = scan([c], tmp_path / "cat.duckdb", progress=progress)
    failed = [r for r in res.added if r["status"] == "failed"]
    assert [(Path(r["file"]).name, r["failure"]) for r in failed] == [
        ("c.cif", "no longer exists (removed during the scan)")]
    with Catalogue(tmp_path / "cat.duckdb", create=False) as cat:
        assert len(cat) == 3
    assert unreadable_reason("x.cif", PermissionError(13, "Permission denied")) == "cannot read: Permission denied"
    gone = scan_file((str(c / "c.cif"), (), 0.01))
    assert gone.rows[0]["status"] == "failed" and gone.rows[0]["file_size"] is None


def test_rescan_removes_the_rows_of_deleted_files_and_pairs_use_a_copy(tmp_path, capsys):
    """The first copy of a structure deleted after its scan: pairs tried it (a FileNotFoundError, the pair lost)
    though an identical copy was on disk, and the series' table command named the deleted file. Without a rescan,
    pairs now leave the deleted file out (a failure: the catalogue is out of date) and use the copy; a rescan of
    the folder removes its rows and lists it."""
    from symstrain.catalogue import Catalogue
    from symstrain.corpus_pairs import find_pairs

    c = tmp_path / "c"
    (c / "a").mkdir(parents=True)
    (c / "b").mkdir()
    shutil.copy(LS, c / "a" / "ls.cif")
    shutil.copy(LS, c / "b" / "ls_copy.cif")
    shutil.copy(HS, c / "a" / "hs.cif")
    cat = tmp_path / "cat.duckdb"
    assert _scan_json(capsys, c, "--catalogue", cat)[0] == 0
    (c / "a" / "ls.cif").unlink()
    with Catalogue(cat, create=False) as k:
        res = find_pairs(k.rows())
    assert len(res.pairs) == 1 and res.pairs[0]["parent"]["file"] == str((c / "b" / "ls_copy.cif").resolve())
    assert [(Path(f["file"]).name, f["message"]) for f in res.failed] == [
        ("ls.cif", "no longer exists: the catalogue is out of date (run symstrain scan on its folder)")]
    assert all("a/ls.cif" not in " ".join(s["table_command"]) for s in res.series)
    code, d = _scan_json(capsys, c, "--catalogue", cat)
    assert code == 0 and d["n_removed"] == 1 and d["removed"] == [str((c / "a" / "ls.cif").resolve())]
    assert d["n_rows"] == 2
    with Catalogue(cat, create=False) as k:
        assert not find_pairs(k.rows()).failed


def test_a_text_larger_than_the_reader_parses_is_refused_before_parsing(tmp_path, monkeypatch):
    """A valid 200 MB CIF of 5 million sites took 6.9 GB before the site limit refused it: the text size is checked
    first (the limit lowered here to keep the test small)."""
    import symstrain.cif as cif
    from symstrain.errors import SymstrainInputError
    from symstrain.hkl import read_hkl

    monkeypatch.setattr(cif, "MAX_CIF_BYTES", 4096)
    big = tmp_path / "big.cif"
    big.write_text(LS.read_text() + "#" * 5000 + "\n")
    with pytest.raises(SymstrainInputError, match="larger than the 0 MB of text this reader parses"):
        cif.read_cif(big)
    hkl = tmp_path / "big_hkl.cif"
    hkl.write_text("data_r\nloop_\n_refln_index_h\n_refln_index_k\n_refln_index_l\n_refln_F_squared_meas\n"
                   + "1 0 0 10.0\n" * 500)
    with pytest.raises(SymstrainInputError, match="write the reflections as HKLF 4"):
        read_hkl(hkl)


def test_info_csv_keeps_integer_columns_where_a_row_has_no_detection(tmp_path, capsys):
    """detected_number came out as 99.0 when another row of the batch had no detection (spglib not run on a
    structure beyond its limits); that row's 'differs' said False, though unknown."""
    from symstrain.detect import DETECT_MAX_ATOMS

    n = DETECT_MAX_ATOMS + 1
    rows = "\n".join(f"C{k} C {(k % 40) / 40:.4f} {(k // 40 % 40) / 40:.4f} {(k // 1600) / 40:.4f}" for k in range(n))
    big = tmp_path / "big.cif"
    big.write_text("data_big\n_cell_length_a 60\n_cell_length_b 60\n_cell_length_c 60\n_cell_angle_alpha 90\n"
                   "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\nloop_\n"
                   "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                   f"_atom_site_fract_z\n{rows}\n")
    out = tmp_path / "info.csv"
    assert main(["info", str(LS), str(big), "--csv", str(out), "--json"]) == 0
    capsys.readouterr()
    lines = out.read_text().splitlines()
    t = pd.read_csv(out, skiprows=1, dtype=str, keep_default_na=False)
    assert t["detected_number"].tolist() == ["56", ""] and t["declared_number"].tolist() == ["56", "1"]
    assert t["differs"].tolist() == ["False", ""]
    assert lines[0].startswith("# units: ")


def test_a_formula_sum_that_is_a_list_of_elements_does_not_split_a_compound(tmp_path, capsys):
    """SrTiO₃ files writing _chemical_formula_sum 'O Sr Ti' (no Z) were grouped as the compound 'O Sr Ti', apart
    from the I4/mcm phase's 'O3 Sr Ti', so pairs never tried them. Without a Z that makes the sum the cell's
    content (O: 3 against 1), the formula is the content: Sr Ti O3, 59.55 Å³ per formula unit (3.905³)."""
    import gemmi

    from cif_text import cif_text
    from symstrain.catalogue import Catalogue
    from symstrain.corpus_pairs import find_pairs

    ops = lambda hm: [op.triplet() for op in gemmi.SpaceGroup(hm).operations()]  # noqa: E731
    c = tmp_path / "c"
    c.mkdir()
    (c / "cubic.cif").write_text(cif_text("cubic", ops("P m -3 m"), [("Sr1", "Sr", 0, 0, 0), ("Ti1", "Ti", .5, .5, .5),
                                          ("O1", "O", .5, .5, 0)], (3.905,) * 3)
                                 .replace("data_cubic\n", "data_cubic\n_chemical_formula_sum 'O Sr Ti'\n"))
    (c / "tetra.cif").write_text(cif_text("tetra", ops("I 4/m c m"), [("Ti1", "Ti", 0, 0, 0), ("O1", "O", 0, 0, .25),
                                          ("O2", "O", .2577, .7577, 0), ("Sr1", "Sr", 0, .5, .25)],
                                          (5.5312, 5.5312, 7.8317))
                                 .replace("data_tetra\n", "data_tetra\n_chemical_formula_sum 'O3 Sr Ti'\n"))
    cat = tmp_path / "cat.duckdb"
    code, d = _scan_json(capsys, c, "--catalogue", cat)
    assert code == 0
    cubic = next(r for r in d["results"] if r["file"].endswith("cubic.cif"))
    assert cubic["formula"] == "O3 Sr Ti" and cubic["volume_per_formula_unit"] == pytest.approx(3.905 ** 3)
    assert "formula_from_atoms" in {w["code"] for w in cubic["warnings"]}
    with Catalogue(cat, create=False) as k:
        res = find_pairs(k.rows())
    assert [(p["index"], p["parent"]["spacegroup"]["number"], p["child"]["spacegroup"]["number"])
            for p in res.pairs] == [(6, 221, 140)]


def test_a_copy_saved_with_windows_line_ends_is_the_same_entry(tmp_path):
    """The same block with CR LF line ends had another sha1: another entry, paired again with every phase."""
    from symstrain.catalogue import Catalogue, scan
    from symstrain.corpus_pairs import entries

    c = tmp_path / "c"
    c.mkdir()
    shutil.copy(LS, c / "ls.cif")
    (c / "ls_windows.cif").write_bytes(LS.read_bytes().replace(b"\n", b"\r\n"))
    scan([c], tmp_path / "cat.duckdb")
    with Catalogue(tmp_path / "cat.duckdb", create=False) as k:
        rows = k.rows()
    assert rows["sha1"].nunique() == 1 and len(rows) == 2
    (e,) = entries(rows)
    assert [Path(f).name for f, _ in e.copies] == ["ls_windows.cif"]


@pytest.mark.parametrize("command", [["info", "{fifo}"], ["relate", "{fifo}", str(LS)],
                                     ["reflections", str(LS), str(HS), "--hkl", "{fifo}"]])
def test_a_fifo_is_refused_not_waited_on(tmp_path, capsys, command):
    """Reading a FIFO named *.cif blocks for ever (scan hung on one): every reader refuses it in one line."""
    fifo = tmp_path / "pipe.cif"
    os.mkfifo(fifo)
    args = [a.format(fifo=fifo) for a in command] + ["--out", str(tmp_path / "o")] * (command[0] == "reflections")
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"symstrain: error: {fifo}: not a regular file (a FIFO, socket or device): not read"]
