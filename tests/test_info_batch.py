"""``symstrain info`` over many files: failures are reported and the batch goes on; CSV table; worker processes."""

import json

import pandas as pd
import pytest

from symstrain.cli import main
from symstrain.models import write_model_cifs


@pytest.fixture()
def files(tmp_path):
    good = write_model_cifs(tmp_path)
    bad = tmp_path / "broken.cif"
    bad.write_text("data_x\n_cell_length_a 5\n")
    return [str(p) for p in good] + [str(bad)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_reports_failures_and_goes_on(files, tmp_path, capsys, jobs):
    csv = tmp_path / f"summary{jobs}.csv"
    assert main(["info", *files, "--json", "--csv", str(csv), "--jobs", jobs]) == 3  # some files failed: status "partial"
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "partial"
    assert (d["n_files"], d["n_read"], d["n_failed"]) == (3, 2, 1)
    assert d["failed"][0]["file"].endswith("broken.cif") and "cell" in d["failed"][0]["message"]
    table = pd.read_csv(csv, skiprows=1)
    assert list(table["declared_number"]) == [56, 14] and list(table["detected_number"]) == [56, 14]
    assert list(table["T"]) == [90.0, 300.0]


def test_batch_refuses_to_overwrite_csv_and_fails_when_nothing_reads(files, tmp_path, capsys):
    csv = tmp_path / "s.csv"
    csv.write_text("mine")
    assert main(["info", *files, "--csv", str(csv)]) == 2
    assert csv.read_text() == "mine"
    capsys.readouterr()
    assert main(["info", files[-1], files[-1]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no file could be read" in err[0]
