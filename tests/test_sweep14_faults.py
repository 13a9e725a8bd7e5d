"""Sweep 14's faults: a pair whose groups relate but whose atoms pair at no origin (zeolite frameworks IWR and IWW:
same formula, same volume, O 3.7 Å from any parent O at best) was listed by `pairs` with no note, and `relate` said
nothing where one origin relates the groups."""

import json

import pytest

pytest.importorskip("duckdb")

from symstrain.catalogue import Catalogue, scan  # noqa: E402
from symstrain.cli import main  # noqa: E402
from symstrain.corpus_pairs import find_pairs  # noqa: E402

_HEAD = ("data_{name}\n_cell_length_a {a}\n_cell_length_b {a}\n_cell_length_c {c}\n_cell_angle_alpha 90\n"
         "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M '{group}'\nloop_\n_atom_site_label\n"
         "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n")


def _cif(path, name, group, atoms, a=4.0, c=4.0):
    path.write_text(_HEAD.format(name=name, a=a, c=c, group=group) + "".join(f"{x}\n" for x in atoms))
    return str(path)


def _cscl_pairs(tmp_path, cl: str, name: str = "c"):
    """(catalogue path, find_pairs result) of CsCl (Pm-3m, a = 4 Å) and a P4/mmm cell (c = 4.2 Å) with Cs at the
    origin and Cl at ``cl``, scanned into a new catalogue."""
    corpus = tmp_path / name
    corpus.mkdir()
    _cif(corpus / "cub.cif", "cub", "P m -3 m", ["Cs1 Cs 0 0 0", "Cl1 Cl 0.5 0.5 0.5"])
    _cif(corpus / "tet.cif", "tet", "P 4/m m m", ["Cs1 Cs 0 0 0", f"Cl1 Cl {cl}"], c=4.2)
    cat = tmp_path / f"{name}.duckdb"
    scan([corpus], cat)
    with Catalogue(cat, create=False) as c:
        rows = c.rows()
    return cat, rows, find_pairs(rows)


def _relate_warnings(capsys, parent, child) -> dict:
    assert main(["relate", parent, child, "--json"]) == 0
    return {w["code"]: w["message"] for w in json.loads(capsys.readouterr().out)["warnings"]}


def test_one_origin_where_the_atoms_pair_nowhere(tmp_path, capsys):
    """Im-3m ⊃ I23 (index 4): one origin modulo the I lattice. Si on 8c at x = 1/4 in the parent; at x = 0.1 in the
    child it lies √3·0.15·10 = 2.6 Å from every parent Si — another structure; at x = 0.23 (0.35 Å) a distortion."""
    parent = _cif(tmp_path / "p.cif", "p", "I m -3 m", ["Si1 Si 0.25 0.25 0.25", "O1 O 0 0.5 0.5"], a=10, c=10)
    far = _cif(tmp_path / "far.cif", "far", "I 2 3", ["Si1 Si 0.1 0.1 0.1", "O1 O 0 0.5 0.5"], a=10, c=10)
    near = _cif(tmp_path / "near.cif", "near", "I 2 3", ["Si1 Si 0.23 0.23 0.23", "O1 O 0 0.5 0.5"], a=10, c=10)
    w = _relate_warnings(capsys, parent, far)
    assert "at the origin relating them some child atom lies farther than 2 Å" in w["atoms_do_not_pair"]
    assert "atoms_do_not_pair" not in _relate_warnings(capsys, parent, near)


def test_pairs_notes_a_pair_whose_atoms_pair_nowhere(tmp_path):
    """CsCl (Pm-3m, a = 4 Å) and a P4/mmm cell (c = 4.2 Å) of the same formula and nearly its volume: with Cl at
    (0, 0, ½) the child pairs at none of the four origins (Cs or Cl ≥ 2.1 Å from every parent atom of its element).
    The pair is listed with relate's note (a misplaced site does the same: lawsonite's Cmcm files put Al a/4 off, and
    Cmcm → Pmcn is a real transition), in the JSON and the catalogue's table; with Cl at (½, ½, ½) it is CsCl
    stretched along c, and the note says the atoms decide for p = 0."""
    res = _cscl_pairs(tmp_path, "0 0 0.5")[2]
    (p,) = res.pairs
    assert p["child"]["file"].endswith("tet.cif") and p["index"] == 3
    assert any("the atoms decide for none" in n for n in p["notes"])
    (p,) = _cscl_pairs(tmp_path, "0.5 0.5 0.5", "c2")[2].pairs
    assert not any("decide for none" in n for n in p["notes"])


def test_catalogue_pairs_table_carries_the_notes(tmp_path):
    """The catalogue's `pairs` table has relate's notes (it had no column for them)."""
    cat = _cscl_pairs(tmp_path, "0.5 0.5 0.5")[0]
    assert main(["pairs", "--catalogue", str(cat), "--no-progress", "--json"]) == 0
    import duckdb

    con = duckdb.connect(str(cat), read_only=True)
    try:
        (notes,) = con.execute("SELECT notes FROM pairs").fetchone()
    finally:
        con.close()
    assert "4 origins relate the groups" in notes and "the atoms decide for p = (0, 0, 0)" in notes


def test_pairs_over_blocks_spglib_was_not_run_on(tmp_path, monkeypatch):
    """Sweep 15: a 16,000-atom supercell is catalogued with no detected group (spglib not run: the
    detection_not_run warning); `pairs` then died on its null (pandas' NA in an integer column) with exit 70, and the
    whole catalogue's pairs were lost. Here every block is over a lowered limit: the pair is still found."""
    import symstrain.detect as detect

    monkeypatch.setattr(detect, "DETECT_MAX_PAIRS", 1)
    cat, rows, res = _cscl_pairs(tmp_path, "0.5 0.5 0.5")
    assert rows["detected_number"].isna().all()
    (p,) = res.pairs
    assert p["child"]["file"].endswith("tet.cif") and p["index"] == 3
    assert main(["pairs", "--catalogue", str(cat), "--no-progress"]) == 0
