"""Faults found by sweep 26 (session 27) and fixed in session 28, each against a number or rule derived
independently of symstrain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_run import run_cli as _main

CIFS = Path(__file__).resolve().parents[1] / "cifs"
LS, HS = CIFS / "model_LS_Pccn_90K.cif", CIFS / "model_HS_P21c_300K.cif"


@pytest.mark.parametrize("command", ["strain", "reflections", "modes"])
@pytest.mark.parametrize("basis", ["a,b,-c", "b,a,c"])
def test_a_left_handed_P_is_refused_by_every_command(tmp_path, capsys, command, basis):
    """det P = −1 (a,b,−c; b,a,c): strain refused it, reflections and modes ran with status "ok" (sweep 26). One
    policy now: exit 2, one line naming --P, no output folder."""
    P = {"a,b,-c": np.diag([1, 1, -1]), "b,a,c": np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])}[basis]
    assert np.linalg.det(P) == pytest.approx(-1)
    out = tmp_path / "o"
    rc, _, err = _main(capsys, command, LS, HS, "--P", basis, *(["--out", out] if command != "strain" else []))
    assert rc == 2 and err.count("\n") == 1 and "--P" in err and "left-handed" in err and not out.exists()


def test_a_left_handed_P_is_refused_by_table(tmp_path, capsys):
    rc, _, err = _main(capsys, "table", HS, "--parent", LS, "--P", "a,b,-c", "--out", tmp_path / "t")
    assert rc == 2 and "left-handed" in err and err.count("\n") == 1


def _matrix(cell):
    return np.array(cell.orth.mat)


def test_reflections_refuses_a_P_whose_lattice_is_outside_the_strain_tolerance(tmp_path, capsys):
    """--P 2a,b,c maps the parent's a (16.9 Å) onto a child a of ~17 Å: a finite strain near −0.37. modes and strain
    refused it; reflections ran with a warning (sweep 26). Expected number from numpy: the Green–Lagrange strain
    E = ½(FᵀF − I), F = A_child·(A_parent·P)⁻¹, its largest |eigenvalue|."""
    import gemmi

    par, chi = gemmi.read_small_structure(str(LS)).cell, gemmi.read_small_structure(str(HS)).cell
    F = _matrix(chi) @ np.linalg.inv(_matrix(par) @ np.diag([2.0, 1, 1]))
    expected = np.max(np.abs(np.linalg.eigvalsh(0.5 * (F.T @ F - np.eye(3)))))
    assert 0.3 < expected < 0.45
    out = tmp_path / "r"
    rc, _, err = _main(capsys, "reflections", LS, HS, "--P", "2a,b,c", "--out", out)
    assert rc == 2 and err.count("\n") == 1 and not out.exists()
    got = float(err.split("differ by ")[1].split()[0])
    assert got == pytest.approx(expected, abs=6e-4)
    # the right P still runs
    rc, out_json, _ = _main(capsys, "reflections", LS, HS, "--P", "a,b,c", "--json", "--out", tmp_path / "ok")
    assert rc == 0 and json.loads(out_json)["relation_source"] == "given"


def _variant(tmp_path, name, old, new, src=LS):
    text = src.read_text()
    assert text.count(old) == 1
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize("hall, code", [("'-F 4vw 2vw 3'", "symbol_disagrees"), ("'Q 99 zz'", "symbol_not_recognised"),
                                        ("'-P 2ab 2ac'", None)])
def test_a_hall_symbol_beside_the_operators_is_judged_as_the_hm_symbol_is(tmp_path, capsys, hall, code):
    """Pccn's operators with the Hall symbol of Fd-3m (227) or a meaningless one gave no warning (sweep 26); the
    H-M symbol gets symbol_disagrees / symbol_not_recognised. -P 2ab 2ac is Pccn's own Hall symbol (ITA): silent."""
    path = _variant(tmp_path, "hall.cif", "'-P 2ab 2ac'", hall)
    rc, out, _ = _main(capsys, "info", "--json", path)
    doc = json.loads(out)
    assert rc == 0 and doc["results"][0]["spacegroup"]["number"] == 56
    codes = [w["code"] for w in doc["warnings"]]
    assert codes == ([] if code is None else [code])
    if code == "symbol_disagrees":
        assert "(227)" in doc["warnings"][0]["message"]


def test_a_cif_with_cr_only_line_ends_is_read_as_with_lf(tmp_path, capsys):
    """Old-Mac line ends (CR only) made the first '#' comment swallow the file: "empty file" (sweep 26)."""
    path = tmp_path / "cr.cif"
    path.write_bytes(LS.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    assert b"\n" not in path.read_bytes()
    docs = []
    for p in (LS, path):
        rc, out, _ = _main(capsys, "info", "--json", p)
        assert rc == 0
        r = json.loads(out)["results"][0]
        docs.append((r["cell"], r["formula"], r["spacegroup"]["number"]))
    assert docs[0] == docs[1]


@pytest.mark.parametrize("op, words", [
    ("x,y,z+½", "character '½' (U+00BD)"),
    ("x,,z", "coordinate term 2 is empty"),
    ("x+1/2+,y,z", "coordinate term 'x+1/2+' ends in a sign"),
    ("x,y,z; -x,-y,-z", "';' joins two operators"),
    ("x,y", "2 term(s) separated by commas"),
    ("a,b,c", "basis letter 'a'"),
])
def test_an_unreadable_operator_is_named_in_symstrains_words(tmp_path, capsys, op, words):
    """gemmi's messages blamed UTF-8 for a valid '½', quoted empty terms, and read 'a,b,c' as x,y,z (sweep 26)."""
    path = _variant(tmp_path, "op.cif", "8 x,-y+1/2,z+1/2", f"8 '{op}'")
    rc, _, err = _main(capsys, "info", path)
    assert rc == 2 and err.count("\n") == 1 and str(path) in err and words in err and "codec" not in err


def _hkl_line(h, k, l, I, s, m):
    return f"{h:4d}{k:4d}{l:4d}{I:8.2f}{s:8.2f}{m:4d}\n"


def test_an_hklf5_file_is_read_as_twinned_data(tmp_path):
    """Negative batch numbers mark SHELX HKLF 5 (the last line of each group of twin components positive, and it
    gives the intensity): it was read as HKLF 4, every component a reflection of its own (sweep 26). By hand: three
    groups → three data; individual 1's indices kept for each."""
    from symstrain.hkl import primary_individual, read_hkl

    lines = [(1, 0, 0, 5.0, 0.5, -2), (0, 1, 0, 5.0, 0.5, 1), (2, 0, 0, 10.0, 1.0, 1),
             (0, 0, 1, 3.0, 0.3, -1), (1, 1, 1, 7.0, 0.7, 2), (0, 0, 0, 0, 0, 0)]
    path = tmp_path / "twin.hkl"
    path.write_text("".join(_hkl_line(*x) for x in lines))
    df = read_hkl(path)
    assert df.attrs["twinned"] and df.attrs["format"] == "hklf5"
    assert df["datum_id"].tolist() == ["1", "1", "2", "3", "3"]
    assert df["twin_individual"].tolist() == ["2", "1", "1", "1", "2"]
    assert df["I"].tolist() == [5.0, 5.0, 10.0, 7.0, 7.0]  # group 3's intensity is that of its last (positive) line
    assert any("3 intensities over 5 component lines" in w for w in df.attrs["warnings"])
    one = primary_individual(df)
    assert one[["h", "k", "l"]].to_numpy().tolist() == [[0, 1, 0], [2, 0, 0], [0, 0, 1]]
    assert one["I"].tolist() == [5.0, 10.0, 7.0]
    # plain HKLF 4 with (positive) batch numbers stays untwinned
    path.write_text("".join(_hkl_line(*x) for x in [(1, 0, 0, 5.0, 0.5, 1), (0, 1, 0, 4.0, 0.4, 2)]))
    df = read_hkl(path)
    assert not df.attrs["twinned"] and df["batch"].tolist() == [1, 2]


@pytest.mark.parametrize("lines, words", [
    ([(1, 0, 0, 5.0, 0.5, 1), (0, 1, 0, 5.0, 0.5, -2)], "last reflection has a negative component"),
    ([(1, 0, 0, 5.0, 0.5, -2), (0, 1, 0, 5.0, 0.5, 0), (0, 0, 1, 1.0, 0.1, 1)], "reflection 2 has component number 0"),
])
def test_a_broken_hklf5_file_is_one_line_exit_2(tmp_path, lines, words):
    from symstrain.errors import SymstrainInputError
    from symstrain.hkl import read_hkl

    path = tmp_path / "bad.hkl"
    path.write_text("".join(_hkl_line(*x) for x in lines))
    with pytest.raises(SymstrainInputError, match=words):
        read_hkl(path)


@pytest.mark.parametrize("args, words", [
    (["strain", LS, HS, "--sb", "e13,e13"], "not independent"),
    (["strain", LS, HS, "--sb", "e11-e22,e22-e11"], "not independent"),
    (["reflections", LS, HS, "--p", ""], "--p: '': give three"),
    (["modes", LS, HS, "--P", ""], "--P: '': give three"),
])
def test_empty_or_repeated_relation_options_are_refused(tmp_path, capsys, args, words):
    """--sb e13,e13 ran; --p '' fell back to the origin 0 (sweep 26)."""
    extra = ["--out", tmp_path / "o"] if args[0] != "strain" else []
    rc, _, err = _main(capsys, *args, *extra)
    assert rc == 2 and words in err and err.count("\n") == 1


def test_fit_refuses_a_series_at_one_temperature(tmp_path, capsys):
    """Every row at 200 K was fitted with exit 0 (sweep 26): nothing in such data depends on T."""
    path = tmp_path / "q.csv"
    path.write_text("T,q,branch\n" + "".join(f"200,{q:.3f},heating\n" for q in np.linspace(-0.9, 0.9, 12)))
    rc, _, err = _main(capsys, "fit", "--q", path, "--out", tmp_path / "f")
    assert rc == 2 and "every row is at T = 200 K" in err and err.count("\n") == 1 and not (tmp_path / "f").exists()


@pytest.mark.parametrize("old, new, words", [
    ("_cell_length_a                    16.87", "_cell_length_a 16.87(999999999999999)",
     "_cell_length_a 16.87 has an s.u. of 1e+13"),
])
def test_a_cell_su_larger_than_its_value_is_refused(tmp_path, capsys, old, new, words):
    """16.87(999999999999999): an s.u. of 10¹³ Å was taken without a word (sweep 26)."""
    path = _variant(tmp_path, "su.cif", old, new)
    rc, _, err = _main(capsys, "info", path)
    assert rc == 2 and words in err and err.count("\n") == 1


def _mono_c(n: int) -> str:
    """A cell with γ = 100° (unique axis c) and only IT number ``n``."""
    from cif_text import cif_text

    text = cif_text("x", ["x,y,z"], [("Fe1", "Fe", 0.1, 0.2, 0.3), ("O1", "O", 0.3, 0.1, 0.4)], (5.0, 6.0, 7.0),
                    (90, 90, 100))
    ops = "loop_\n_space_group_symop_operation_xyz\n'x,y,z'\n"
    assert text.count(ops) == 1
    return text.replace(ops, f"_space_group_IT_number {n}\n")


def test_an_it_number_alone_on_a_unique_axis_c_cell(tmp_path, capsys):
    """IT number 4 on a cell with γ = 100°: ITA's unique-axis-c setting P 1 1 2₁ (Hall 'P 2c'), the only one of the
    group the cell fits, with a warning; IT number 14 there fits three cell choices (P 1 1 2₁/a, /n, /b, ITA
    Table 4.3.2.1): refused naming them (it was refused as "the cell does not have the symmetry of P 1 21/c 1",
    the reference setting, session 27's open item)."""
    path = tmp_path / "c4.cif"
    path.write_text(_mono_c(4))
    rc, out, _ = _main(capsys, "info", "--json", path)
    doc = json.loads(out)
    sg = doc["results"][0]["spacegroup"]
    assert rc == 0 and sg["number"] == 4 and sg["hall"] == "P 2c"
    assert [w["code"] for w in doc["warnings"]] == ["axes_from_cell"]
    path.write_text(_mono_c(14))
    rc, _, err = _main(capsys, "info", path)
    assert rc == 2 and err.count("\n") == 1
    assert "P 1 1 21/a, P 1 1 21/n, P 1 1 21/b" in err and "give the H-M symbol" in err


def test_an_hkl_sigma_not_positive_is_said(tmp_path):
    """σ ≤ 0 was taken as unknown without a word (sweep 26): 2 of 4 here, counted by hand."""
    from symstrain.hkl import read_hkl

    path = tmp_path / "s.hkl"
    rows = [(1, 0, 0, 5.0, 0.5, 0), (0, 1, 0, 4.0, -1.0, 0), (0, 0, 1, 3.0, 0.0, 0), (1, 1, 0, 2.0, 0.2, 0)]
    path.write_text("".join(_hkl_line(*r)[:28] + "\n" for r in rows))
    df = read_hkl(path)
    notes = [w for w in df.attrs["warnings"] if w.code == "sigma_not_positive"]
    assert len(notes) == 1 and "2 of 4 reflections have σ ≤ 0" in notes[0]
    path.write_text("".join(_hkl_line(*r)[:28] + "\n" for r in rows[::3]))
    assert not [w for w in read_hkl(path).attrs["warnings"] if w.code == "sigma_not_positive"]


def test_coexistence_in_one_pass_matches_a_plain_python_count():
    """coexistence looped over a pandas groupby (35 s for 10⁵ temperatures, sweep 26); now one numpy pass. Against a
    dict of sets over random tables (unknown groups, NaN T, empty branches, shuffled rows)."""
    import pandas as pd

    from symstrain.transitions import coexistence

    names = {0: "?", 14: "P 1 21/c 1", 56: "P c c n", 62: "P n m a"}
    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(0, 30))
        num = rng.choice(list(names), n)
        df = pd.DataFrame({"T": rng.choice([100.0, 150.0, 200.0, np.nan], n), "sg_number": num,
                           "spacegroup": [names[x] for x in num], "branch": rng.choice(["heating", "cooling", None], n)})
        seen: dict = {}
        for T, x, name, b in zip(df["T"], df["sg_number"], df["spacegroup"], df["branch"]):
            if x > 0 and T == T:
                seen.setdefault(("" if b is None or b != b else b, T), []).append((x, name))
        expected = [(b, T, tuple(dict.fromkeys(nm for _, nm in rows)))
                    for (b, T), rows in sorted(seen.items()) if len({x for x, _ in rows}) > 1]
        assert coexistence(df) == expected


def test_two_structures_of_one_group_at_one_temperature_are_said(tmp_path):
    """Two studies' structures at 295 K entered the baseline without a word (sweep 29). Here the 200 K heating file
    and a copy with a 0.001 Å longer a: one note naming both; the copy given as cooling (another branch): none."""
    from symstrain.series import read_series

    src = CIFS / "series" / "model_heating_0200.0K.cif"
    other = tmp_path / "study2_200K.cif"
    text = src.read_text()
    assert text.count("_cell_length_a           16.966307") == 1
    other.write_text(text.replace("_cell_length_a           16.966307", "_cell_length_a           16.967307"))
    near = CIFS / "series" / "model_heating_0205.0K.cif"
    cells, _ = read_series([src, other, near], detect=False)
    notes = [w for w in cells.attrs["warnings"] if w.code == "structures_same_temperature"]
    assert len(notes) == 1 and "200 K:" in notes[0] and "study2_200K" in notes[0] and "0205" not in notes[0]
    cells, _ = read_series([src, other, near], branches=["heating", "cooling", "heating"], detect=False)
    assert not [w for w in cells.attrs["warnings"] if w.code == "structures_same_temperature"]
