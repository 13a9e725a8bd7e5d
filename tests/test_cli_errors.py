"""``symstrain info`` on bad input: exit status 2, exactly one stderr line
``symstrain: error: <file>: …``, nothing on stdout — for small broken files written into tmp_path
and for every manifest row whose expectation is an error."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

GOOD_HEAD = """data_t
_cell_length_a 10.0(1)
_cell_length_b 12.0
_cell_length_c 8.0
_cell_angle_alpha 90
_cell_angle_beta 100.0
_cell_angle_gamma 90
"""
ATOMS = """loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Fe1 Fe 0.1 0.2 0.3
O1 O 0.25 0.1 0.4
"""
P21C = "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-x,y+1/2,-z+1/2\n-x,-y,-z\nx,-y+1/2,z+1/2\n"

CASES = {
    "empty": ("", "empty file"),
    "not_cif": ("This is a README, not a crystal structure.\nNothing here.\n", "not a CIF"),
    "truncated_loop": (GOOD_HEAD + "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\nFe1 0.1 0.2\nO1 0.3\n",
                       "loop"),
    "no_cell": ("data_t\n_symmetry_space_group_name_H-M 'P 1'\n" + ATOMS, "no cell"),
    "zero_length": (GOOD_HEAD.replace("12.0", "0.0") + ATOMS, "not positive"),
    "negative_length": (GOOD_HEAD.replace("8.0", "-8.0") + ATOMS, "not positive"),
    "impossible_angles": (GOOD_HEAD.replace("_cell_angle_alpha 90", "_cell_angle_alpha 150")
                          .replace("_cell_angle_beta 100.0", "_cell_angle_beta 150")
                          .replace("_cell_angle_gamma 90", "_cell_angle_gamma 150") + ATOMS, "no positive volume"),
    "angle_180": (GOOD_HEAD.replace("_cell_angle_beta 100.0", "_cell_angle_beta 180") + ATOMS, "outside"),
    "unknown_symbol": (GOOD_HEAD + "_symmetry_space_group_name_H-M 'P 5 2 2'\n" + ATOMS, "unknown space-group symbol"),
    # (an H-M symbol disagreeing with operators that form a group is a warning since issue 11; a list that is
    # not a group is the error)
    "ops_not_a_group": (GOOD_HEAD + "_symmetry_space_group_name_H-M 'P 21/c'\n" + P21C.replace("-x,-y,-z\n", "")
                        + ATOMS, "do not form a group"),
    "non_numeric_xyz": (GOOD_HEAD + "_symmetry_space_group_name_H-M 'P 21/c'\n" + ATOMS.replace("0.25", "0.2x5"),
                        "not a number"),
    "modulated": (GOOD_HEAD + "_cell_modulation_dimension 1\n_symmetry_space_group_name_H-M 'P 21/c'\n" + ATOMS,
                  "modulated structures are not supported"),
}


def run_info(*args):
    return subprocess.run([sys.executable, "-m", "symstrain", "info", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def assert_one_line_error(r, path, needle):
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"symstrain: error: {path}:"), lines[0]
    assert needle in lines[0], lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file(tmp_path, case):
    text, needle = CASES[case]
    path = tmp_path / f"{case}.cif"
    path.write_text(text)
    assert_one_line_error(run_info(path), path, needle)
    assert path.read_text() == text  # input never touched


def test_bad_file_json_mode_too(tmp_path):
    text, needle = CASES["no_cell"]
    path = tmp_path / "x.cif"
    path.write_text(text)
    assert_one_line_error(run_info("--json", path), path, needle)


def test_missing_file(tmp_path):
    path = tmp_path / "missing.cif"
    assert_one_line_error(run_info(path), path, "no such file")


def test_unknown_block(tmp_path):
    path = tmp_path / "b.cif"
    path.write_text(GOOD_HEAD + "_symmetry_space_group_name_H-M 'P 21/c'\n" + ATOMS)
    assert_one_line_error(run_info(path, "--block", "other"), path, "blocks available: t")


def test_good_file_contrast(tmp_path):
    # the same small file without the fault reads, so the error cases fail for the stated reason
    path = tmp_path / "ok.cif"
    path.write_text(GOOD_HEAD + P21C + ATOMS)
    r = run_info("--json", path)
    assert r.returncode == 0 and r.stderr == ""
    d = json.loads(r.stdout)["results"][0]
    assert d["spacegroup"]["number"] == 14 and d["spacegroup_source"] == "symops"
    assert d["atoms"]["cell"] == 8 and d["cell"]["a"]["su"] == pytest.approx(0.1)


def test_manifest_error_rows(shared_cifs):
    with open(shared_cifs / "MANIFEST.tsv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["expect"].startswith("error")]
    assert len(rows) >= 4
    for row in rows:
        path = shared_cifs / row["file"].split(" + ")[0]
        r = run_info(path)
        assert_one_line_error(r, path, "")


def test_utf8_byte_order_mark_is_read_and_utf16_is_named(tmp_path):
    """A UTF-8 BOM (Windows editors write one; CIF 2.0 allows it) is not part of the first value; a UTF-16 file is
    refused naming its encoding, not as binary."""
    body = GOOD_HEAD + P21C + ATOMS
    plain = tmp_path / "plain.cif"
    plain.write_text(body)
    bom = tmp_path / "bom.cif"
    bom.write_bytes(b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode())
    a, b = run_info(str(plain), "--json"), run_info(str(bom), "--json")
    assert a.returncode == 0 and b.returncode == 0, b.stderr
    ra, rb = json.loads(a.stdout)["results"][0], json.loads(b.stdout)["results"][0]
    assert ra["cell"] == rb["cell"] and ra["spacegroup"] == rb["spacegroup"] and ra["atoms"] == rb["atoms"]
    u16 = tmp_path / "u16.cif"
    u16.write_bytes(body.encode("utf-16"))
    assert_one_line_error(run_info(str(u16)), u16, "UTF-16")


def test_duplicate_labels_are_read_and_warned(tmp_path):
    """Two different sites under one label (COD's SiC-IV writes seven 'Si' and seven 'C'): read, with a coded
    warning naming the label and its number of sites; per-atom tables could not tell their rows apart."""
    path = tmp_path / "dup.cif"
    path.write_text(GOOD_HEAD + P21C + ATOMS.replace("O1 O 0.25 0.1 0.4", "Fe1 O 0.25 0.1 0.4"))
    r = run_info(str(path), "--json")
    assert r.returncode == 0, r.stderr
    w = [x for x in json.loads(r.stdout)["warnings"] if x["code"] == "duplicate_labels"]
    assert len(w) == 1 and "Fe1 (2 sites)" in w[0]["message"]
    ok = tmp_path / "ok.cif"
    ok.write_text(GOOD_HEAD + P21C + ATOMS)
    assert "duplicate_labels" not in {x["code"] for x in json.loads(run_info(str(ok), "--json").stdout)["warnings"]}
