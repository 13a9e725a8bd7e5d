"""Faults found by sweep 28 (a data miner's corpus work: scan, pairs, info in batch) and fixed in session 28."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

import pytest
from cli_run import catalogue_files as _files
from cli_run import run_cli as _main

pytest.importorskip("duckdb")

CIFS = Path(__file__).resolve().parents[1] / "cifs"
LS, HS = CIFS / "model_LS_Pccn_90K.cif", CIFS / "model_HS_P21c_300K.cif"


def test_a_file_name_that_is_not_utf8_is_a_failed_row_not_the_end_of_the_scan(tmp_path, capsys):
    """A name with the byte 0xff stopped scan with exit 70 (Arrow cannot encode it) and lost the good file of its
    batch, at every rescan. Now: a failed row under the name with the byte written as \\xff, the good file's row,
    exit 3; a rescan says the same; pairs does not call the failed row's file gone."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(LS, corpus / "ok.cif")
    bad = os.fsdecode(os.fsencode(str(corpus)) + b"/bad\xffname.cif")
    shutil.copy(HS, bad)
    cat = tmp_path / "c.duckdb"
    for _ in range(2):
        rc, out, _ = _main(capsys, "scan", corpus, "--catalogue", cat, "--json", "--no-progress")
        doc = json.loads(out)
        assert rc == 3 and doc["n_rows"] == 2
        assert [f["file"] for f in doc["failed"]] == [str(corpus / "bad\\xffname.cif")]
        assert "not valid UTF-8" in doc["failed"][0]["message"]
    rc, out, _ = _main(capsys, "pairs", "--catalogue", cat, "--json")
    assert rc == 0 and json.loads(out)["failed"] == []


def test_a_folder_that_cannot_be_listed_is_said_and_its_rows_kept(tmp_path, capsys, monkeypatch):
    """A folder the scan could not enter was skipped without a word, and a rescan deleted its files' rows as
    "removed" (sweep 28, as uid nobody). The refusal is simulated here (tests may run as root, which chmod does not
    stop): os.scandir raises PermissionError for that folder, as it does for chmod 000."""
    corpus = tmp_path / "c"
    (corpus / "closed").mkdir(parents=True)
    shutil.copy(LS, corpus / "ok.cif")
    shutil.copy(HS, corpus / "closed" / "inside.cif")
    cat = tmp_path / "c.duckdb"
    rc, out, _ = _main(capsys, "scan", corpus, "--catalogue", cat, "--json", "--no-progress")
    assert rc == 0 and json.loads(out)["n_rows"] == 2
    real_scandir = os.scandir
    closed = os.path.realpath(corpus / "closed")

    def scandir(path="."):
        if os.path.realpath(path) == closed:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    rc, out, _ = _main(capsys, "scan", corpus, "--catalogue", cat, "--json", "--no-progress")
    doc = json.loads(out)
    assert rc == 3 and doc["removed"] == [] and doc["n_rows"] == 3  # the two rows kept, one failed row added
    assert [(f["file"], f["block"]) for f in doc["failed"]] == [(closed, None)]
    assert "cannot be listed (Permission denied)" in doc["failed"][0]["message"]
    monkeypatch.setattr(os, "scandir", real_scandir)
    rc, out, _ = _main(capsys, "scan", corpus, "--catalogue", cat, "--json", "--no-progress")
    doc = json.loads(out)
    assert rc == 0 and doc["n_rows"] == 2 and doc["removed"] == [closed] and doc["failed"] == []


def test_the_table_command_line_pairs_prints_is_shell_quoted(tmp_path, capsys):
    """Paths with a space and a '$(' were printed raw: pasted into a shell, one split in two and the other ran a
    command (sweep 28). shlex.split of the printed line gives the files back exactly."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    names = ["law 1.cif", "law$(touch PWNED)2.cif", "law3.cif"]
    series = sorted((CIFS / "series").glob("model_heating_02[0-2]*.cif"))[:3]
    for src, name in zip(series, names):
        shutil.copy(src, corpus / name)
    cat = tmp_path / "c.duckdb"
    assert _main(capsys, "scan", corpus, "--catalogue", cat, "--no-progress")[0] == 0
    rc, out, _ = _main(capsys, "pairs", "--catalogue", cat)
    line = next(s for s in out.splitlines() if s.strip().startswith("symstrain table"))
    argv = shlex.split(line)
    files = argv[2:argv.index("--parent")]
    assert rc == 0 and argv[:2] == ["symstrain", "table"] and sorted(files) == sorted(str(corpus / n) for n in names)
    assert not (tmp_path / "PWNED").exists()


def test_info_all_blocks_lists_the_blocks_scan_lists_as_failed(tmp_path, capsys):
    """A cell-only block and a block with only _cell_length_a beside a structure: scan lists both as failed (exit
    3), info --all-blocks left them out with status ok (sweep 28). The messages are what info --block says of each."""
    path = tmp_path / "f.cif"
    path.write_text(LS.read_text() + "\ndata_cellonly\n_cell_length_a 5.9\n_cell_length_b 8.8\n_cell_length_c 13.1\n"
                    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                    "_symmetry_space_group_name_H-M 'C m c m'\n\ndata_partial\n_cell_length_a 3\n")
    rc, out, _ = _main(capsys, "info", "--all-blocks", "--json", path)
    doc = json.loads(out)
    assert rc == 3 and doc["status"] == "partial" and len(doc["results"]) == 1
    assert [(f["block"], f["message"].split(": ", 1)[1]) for f in doc["failed"]] == [
        ("cellonly", "no atom sites (_atom_site_fract_x/y/z)"), ("partial", "no cell: _cell_length_b is missing")]
    cat = tmp_path / "c.duckdb"
    rc, out, _ = _main(capsys, "scan", path, "--catalogue", cat, "--json", "--no-progress")
    assert rc == 3 and sorted(f["block"] for f in json.loads(out)["failed"]) == ["cellonly", "partial"]


def test_a_rescan_drops_the_rows_a_removed_or_repointed_link_reached(tmp_path, capsys):
    """Rows are kept under the linked file's real path, outside the folder scanned: removing a folder link and
    re-pointing a file link left two rows a fresh scan does not have (sweep 28). Expected by hand: the rescan holds
    the real file and the new target, as a fresh scan; a target that lies in another folder scanned on its own
    keeps its row."""
    series = sorted((CIFS / "series").glob("model_heating_02*.cif"))
    corp, targets, tdir = tmp_path / "corp", tmp_path / "targets", tmp_path / "tdir"
    for d in (corp, targets, tdir):
        d.mkdir()
    shutil.copy(series[0], targets / "t1.cif")
    shutil.copy(series[1], targets / "t2.cif")
    shutil.copy(series[2], tdir / "t3.cif")
    shutil.copy(series[3], corp / "real.cif")
    (corp / "a.cif").symlink_to(targets / "t1.cif")
    (corp / "linkdir").symlink_to(tdir)
    cat = tmp_path / "c.duckdb"
    assert _main(capsys, "scan", corp, "--catalogue", cat, "--no-progress")[0] == 0
    assert _files(cat) == sorted(str(p) for p in (corp / "real.cif", targets / "t1.cif", tdir / "t3.cif"))
    (corp / "linkdir").unlink()
    (corp / "a.cif").unlink()
    (corp / "a.cif").symlink_to(targets / "t2.cif")
    rc, out, _ = _main(capsys, "scan", corp, "--catalogue", cat, "--json", "--no-progress")
    assert rc == 0 and json.loads(out)["removed"] == sorted([str(targets / "t1.cif"), str(tdir / "t3.cif")])
    fresh = tmp_path / "fresh.duckdb"
    assert _main(capsys, "scan", corp, "--catalogue", fresh, "--no-progress")[0] == 0
    assert _files(cat) == _files(fresh) == sorted([str(corp / "real.cif"), str(targets / "t2.cif")])
    # targets scanned on its own too: the link's target keeps its row when the link goes
    assert _main(capsys, "scan", targets, "--catalogue", cat, "--no-progress")[0] == 0
    (corp / "a.cif").unlink()
    rc, out, _ = _main(capsys, "scan", corp, "--catalogue", cat, "--json", "--no-progress")
    assert rc == 0 and json.loads(out)["removed"] == []
    assert _files(cat) == sorted([str(corp / "real.cif"), str(targets / "t1.cif"), str(targets / "t2.cif")])
