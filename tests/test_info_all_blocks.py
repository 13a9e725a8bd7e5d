"""``symstrain info --all-blocks``: every structure block of a file (a variable-temperature deposit holds one per
temperature), one result each, a block that cannot be read listed as failed with its name."""

import json

import pytest

from symstrain import contract
from symstrain.cli import main


def _block(name: str, T: float, a: float, group: str = "P m -3 m") -> str:
    return (f"data_{name}\n_diffrn_ambient_temperature {T}\n_cell_length_a {a}(2)\n_cell_length_b {a}(2)\n"
            f"_cell_length_c {a}(2)\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
            f"_symmetry_space_group_name_H-M '{group}'\n"
            "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            "_atom_site_fract_z\nCs1 Cs 0 0 0\nCl1 Cl 0.5 0.5 0.5\n")


@pytest.fixture()
def series(tmp_path):
    """Three structure blocks (100, 200 and 300 K, CsCl type), a global block without a structure first, and one
    structure block whose cell is impossible (a = −4)."""
    path = tmp_path / "series.cif"
    path.write_text("data_global\n_journal_year 2024\n\n" + _block("t100", 100, 4.10) + "\n" + _block("t200", 200, 4.12)
                    + "\n" + _block("bad", 250, -4.1) + "\n" + _block("t300", 300, 4.14))
    return path


def test_every_block_in_file_order_and_the_bad_one_failed(series, capsys):
    assert main(["info", str(series), "--all-blocks", "--json"]) == 3  # one block failed: "partial"
    d = json.loads(capsys.readouterr().out)
    assert (d["n_files"], d["n_read"], d["n_failed"]) == (1, 3, 1)
    assert [r["block"] for r in d["results"]] == ["t100", "t200", "t300"]
    assert [r["T"]["value"] for r in d["results"]] == [100, 200, 300]
    assert [r["cell"]["a"]["value"] for r in d["results"]] == [4.10, 4.12, 4.14]
    assert all(r["detected"]["spacegroup"]["number"] == 221 for r in d["results"])
    assert d["failed"][0]["block"] == "bad" and "series.cif" in d["failed"][0]["message"]
    assert d["results"][0]["blocks"] == ["global", "t100", "t200", "bad", "t300"]
    contract.validate("info", d)


def test_text_shows_each_block_and_the_failure(series, capsys):
    assert main(["info", str(series), "--all-blocks"]) == 3
    out = capsys.readouterr().out
    assert out.count("block(s) in file)") == 3 and "(block t300;" in out
    assert "FAILED block bad:" in out


def test_without_the_option_the_first_structure_block_alone(series, capsys):
    assert main(["info", str(series), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_read"] == 1 and d["results"][0]["block"] == "t100"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_of_files(series, tmp_path, capsys, jobs):
    one = tmp_path / "one.cif"
    one.write_text(_block("single", 150, 4.2))
    broken = tmp_path / "broken.cif"
    broken.write_text("data_x\n_cell_length_a 5\n")
    assert main(["info", str(series), str(broken), str(one), "--all-blocks", "--json", "--jobs", jobs]) == 3
    d = json.loads(capsys.readouterr().out)
    assert (d["n_files"], d["n_read"], d["n_failed"]) == (3, 4, 2)
    assert [r["block"] for r in d["results"]] == ["t100", "t200", "t300", "single"]
    assert [(f["file"].rsplit("/", 1)[-1], f["block"]) for f in d["failed"]] == [("series.cif", "bad"),
                                                                                ("broken.cif", None)]
    assert main(["info", str(series), str(one), "--all-blocks", "--jobs", jobs]) == 3
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"{series} [t200]: P m -3 m (221) declared") for line in lines)
    assert any(line.startswith(f"{one}: ") for line in lines)  # (one block: no block named)


def test_block_and_all_blocks_exclude_each_other(series, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["info", str(series), "--all-blocks", "--block", "t100"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["symstrain: error: info: argument --block: not allowed with argument --all-blocks"]


def test_one_file_where_no_block_reads(tmp_path, capsys):
    path = tmp_path / "two_bad.cif"
    path.write_text(_block("b1", 100, -4.1) + "\n" + _block("b2", 200, -4.2))
    assert main(["info", str(path), "--all-blocks"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no structure block could be read (2 failed" in err[0]


def test_usage_error_names_the_program_once(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--bogus"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == ["symstrain: error: unrecognized arguments: --bogus"]
