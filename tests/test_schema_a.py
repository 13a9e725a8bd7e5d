"""The JSON contract of ``info``, ``strain``, ``reflections`` and ``demo`` (issue 10, items 2–3), and issue 11 for
these commands: #6 every input checked before anything is written, files written all or nothing; #7 a batch lists
every failing file and goes on; #9 nonsense usage refused in one line naming its option or file; #10 every sentence
about a class of reflections derived from the same operations as its counts.

Numbers are checked against independent oracles: gemmi reading the same files, closed forms of the bundled models,
the counts of ``../shared/cifs/pairs.tsv`` and hand counts on the enumerated reflections.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import gemmi
import numpy as np
import pandas as pd
import pytest
from jsonschema import ValidationError

from symstrain.cli import main
from symstrain.contract import validate

ROOT = Path(__file__).resolve().parents[1]
LS = str(ROOT / "cifs" / "model_LS_Pccn_90K.cif")
HS = str(ROOT / "cifs" / "model_HS_P21c_300K.cif")
ENVELOPE = ("command", "version", "status", "warnings", "files")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    """Exit code and the document, validated against the command's schema."""
    code, out, err = run(capsys, *argv, "--json")
    assert code in (0, 1, 3), err
    doc = json.loads(out)
    validate(str(argv[0]), doc)
    return code, doc


def one_line_error(code, err, source):
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"symstrain: error: {source}:"), err


def keys(obj):
    """Every key of a nested JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from keys(v)


def law(shared_cifs, code) -> str:
    return str(shared_cifs / "lawsonite" / f"{code}.cif")


def gemmi_T(path) -> float:
    return float(gemmi.cif.read(path).sole_block().find_value("_diffrn_ambient_temperature"))


# ------------------------------------------------------------------------------------------------------------ info
def test_info_is_a_batch_also_for_one_file(capsys):
    code, doc = run_json(capsys, "info", LS)
    assert code == 0 and doc["status"] == "ok" and (doc["n_files"], doc["n_read"], doc["failed"]) == (1, 1, [])
    r = doc["results"][0]
    s = gemmi.read_small_structure(LS)
    for name in ("a", "b", "c", "alpha", "beta", "gamma"):
        assert r["cell"][name] == {"value": pytest.approx(getattr(s.cell, name)), "su": None}  # the model has no s.u.
    assert r["cell"]["volume"]["value"] == pytest.approx(s.cell.volume)
    assert r["T"] == {"value": 90.0, "su": None} and r["file"] == LS
    assert r["spacegroup"]["number"] == 56 and r["detected"]["spacegroup"]["number"] == 56
    assert r["atoms"]["cell"] == len(s.get_all_unit_cell_sites()) and r["atoms"]["asymmetric_unit"] == len(s.sites)
    assert not {"temperature", "volume_su", "declared_group", "warnings"} & set(r)


def test_info_lawsonite(shared_cifs, capsys):
    files = [law(shared_cifs, c) for c in (9002551, 9002549, 9002546, 9002545)]
    code, doc = run_json(capsys, "info", *files)
    assert code == 0 and doc["n_read"] == 4
    for f, r, number in zip(files, doc["results"], (63, 62, 62, 33)):
        s = gemmi.read_small_structure(f)
        assert r["file"] == f and r["T"]["value"] == gemmi_T(f)
        assert r["cell"]["c"]["value"] == pytest.approx(s.cell.c) and r["cell"]["c"]["su"] is None
        assert r["atoms"]["cell"] == len(s.get_all_unit_cell_sites())
        assert r["spacegroup"]["number"] == r["detected"]["spacegroup"]["number"] == number
    (contact,) = doc["results"][0]["contacts"]  # the README's Al at (0, 1/4, 0): 2.29 Å from Si
    assert (contact["site_1"], contact["site_2"], contact["kind"]) == ("Al", "Si", "cation-cation")
    assert contact["distance"]["value"] == pytest.approx(2.29, abs=0.01) and contact["distance"]["su"] is None
    codes = {(w["code"], w["source"]) for w in doc["warnings"]}
    assert ("impossible_contact", files[0]) in codes
    assert not any(w["code"] == "impossible_contact" and w["source"] != files[0] for w in doc["warnings"])


def test_info_batch_with_failures_is_partial_exit_3(tmp_path, capsys):
    bad = tmp_path / "bad.cif"
    bad.write_text("data_x\n_cell_length_a 5\n")
    missing = tmp_path / "missing.cif"
    code, doc = run_json(capsys, "info", LS, bad, HS, missing)
    assert code == 3 and doc["status"] == "partial" and (doc["n_files"], doc["n_read"], doc["n_failed"]) == (4, 2, 2)
    assert [r["file"] for r in doc["results"]] == [LS, HS]
    assert [f["file"] for f in doc["failed"]] == [str(bad), str(missing)]
    assert all(set(f) == {"file", "block", "message"} for f in doc["failed"])
    assert "no such file" in doc["failed"][1]["message"] and doc["failed"][1]["message"].startswith(str(missing))
    code, out, err = run(capsys, "info", LS, bad)
    assert code == 3 and f"FAILED {bad}:" in out and "1 read, 1 failed" in out
    code, out, err = run(capsys, "info", bad, missing)  # nothing could be read: bad input, one line
    one_line_error(code, err, bad)
    assert "no file could be read" in err and out == ""


def test_info_batch_goes_on_after_an_internal_error(monkeypatch, capsys):
    """#7: a file that raises anything other than the input-error type is listed with its reason; the rest goes on."""
    import symstrain.structure_info as si

    real = si.detect_symmetry

    def broken_for_hs(phase, **kw):
        if "HS" in str(phase.source):
            raise ZeroDivisionError("a bug")
        return real(phase, **kw)

    monkeypatch.setattr(si, "detect_symmetry", broken_for_hs)
    code, doc = run_json(capsys, "info", HS, LS)
    assert code == 3 and [r["file"] for r in doc["results"]] == [LS]
    assert doc["failed"][0]["file"] == HS and "internal error: ZeroDivisionError: a bug" in doc["failed"][0]["message"]


def _dies_on_two(x):
    if x == 2:
        os._exit(1)  # a crash in a native library kills the worker process
    if x == 3:
        raise KeyError("oops")
    return 10 * x


def test_run_batch_in_processes_survives_a_dying_worker():
    from symstrain.parallel import run_batch

    results, failed = run_batch(_dies_on_two, [1, 2, 3, 4], jobs=2)
    assert results == [10, None, None, 40]
    assert [(f.file, f.internal) for f in failed] == [("2", True), ("3", True)]
    assert "process reading it died" in failed[0].message and "KeyError" in failed[1].message


def test_info_csv_has_su_columns_empty_where_unknown(tmp_path, capsys):
    csv = tmp_path / "t.csv"
    code, out, err = run(capsys, "info", LS, HS, "--csv", csv)
    assert code == 0, err
    t = pd.read_csv(csv, skiprows=1)
    assert list(t["file"]) == [LS, HS] and t["a"][0] == pytest.approx(16.87) and t["a_su"].isna().all()
    assert t["T"].tolist() == [90.0, 300.0] and t["T_su"].isna().all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # no temporary file left behind


# ---------------------------------------------------------------------------------------------------------- strain
def test_strain_model_pair(capsys):
    code, doc = run_json(capsys, "strain", LS, HS)
    assert code == 0 and doc["relation"]["holds"] and doc["basis_change"]["basis"] == "(a, b, c)"
    s = 1.05 ** (1 / 3)  # the HS model: lengths scaled by s, β = 93.1° (see test_demo)
    assert doc["eps13"] == {"value": pytest.approx(0.5 * s / math.tan(math.radians(93.1)), rel=1e-6), "su": None}
    assert doc["volume_strain"]["value"] == pytest.approx(0.05, rel=1e-6)
    # zero by symmetry (P2₁/c, b unique: e12 and e23): exactly 0 with s.u. 0, the others unknown (no input s.u.)
    assert doc["components"]["e12"] == {"value": 0.0, "su": 0.0} and doc["zero_by_symmetry"] == ["e23", "e12"]
    assert doc["components"]["e13"]["su"] is None and doc["components"]["e11"]["su"] is None
    assert doc["e"]["su"] == [[None, 0.0, None], [0.0, None, 0.0], [None, 0.0, None]]
    assert doc["split"]["symmetry_breaking"] == ["e13"]
    assert doc["parent"]["file"] == LS and doc["child"]["T"] == {"value": 300.0, "su": None}
    assert not [k for k in keys(doc) if k.endswith("_su") and k != "has_su"] and "warnings" not in doc["relation"]
    assert [w["code"] for w in doc["warnings"]] == ["no_su"]


@pytest.mark.parametrize("parent, child", [(9002551, 9002549), (9002546, 9002545)])
def test_strain_lawsonite_pairs(shared_cifs, capsys, parent, child):
    code, doc = run_json(capsys, "strain", law(shared_cifs, parent), law(shared_cifs, child))
    assert code == 0
    p, c = (gemmi.read_small_structure(law(shared_cifs, x)).cell for x in (parent, child))
    e = doc["e"]["value"]
    assert np.allclose(np.diag(e), [c.a / p.a - 1, c.b / p.b - 1, c.c / p.c - 1], atol=1e-12)
    assert e[0][1] == e[0][2] == e[1][2] == 0.0 and doc["zero_by_symmetry"] == ["e23", "e13", "e12"]
    assert doc["e"]["su"] == [[None, 0.0, 0.0], [0.0, None, 0.0], [0.0, 0.0, None]]  # exact zeros, the rest unknown
    assert doc["split"]["symmetry_breaking"] == [] and doc["relation"]["index"] == 2
    assert doc["child"]["T"]["value"] == gemmi_T(law(shared_cifs, child))
    assert any(w["code"] == "no_su" for w in doc["warnings"])


def test_strain_no_reference_and_refuted(capsys):
    code, doc = run_json(capsys, "strain", HS, "--no-reference")
    beta = gemmi.read_small_structure(HS).cell.beta
    assert code == 0 and doc["parent"] is None and doc["relation"] is None
    assert doc["eps13"]["value"] == pytest.approx(0.5 * math.cos(math.radians(beta)), abs=1e-12)
    assert doc["reference_cell"] is None and doc["e"]["value"][0][0] is None
    assert {w["code"] for w in doc["warnings"]} >= {"no_reference", "no_su"}
    code, doc = run_json(capsys, "strain", HS, LS)  # swapped: the answer "no", exit 1
    assert code == 1 and doc["status"] == "refuted" and doc["relation"]["holds"] is False


def test_strain_refuses_nonsense_usage(tmp_path, capsys):
    """#9: each in one line naming its option or file, before anything is read."""
    code, _, err = run(capsys, "strain", LS, HS, "--no-reference")
    one_line_error(code, err, "--no-reference")
    assert LS in err
    code, _, err = run(capsys, "strain", tmp_path / "nosuch_parent.cif", HS,
                       "--reference-cells", tmp_path / "nosuch.csv")
    one_line_error(code, err, tmp_path / "nosuch.csv")
    code, _, err = run(capsys, "strain", LS, HS, "-T", "-5")
    one_line_error(code, err, "--temperature")
    assert "above 0 K" in err
    code, _, err = run(capsys, "strain", LS, HS, "--baseline", "salje")
    one_line_error(code, err, "--baseline")
    code, _, err = run(capsys, "strain", LS, HS, "--tol", "0")
    one_line_error(code, err, "--tol")


# ----------------------------------------------------------------------------------------------------- reflections
def hklf4(path: Path, rows) -> Path:
    path.write_text("".join(f"{h:4d}{k:4d}{l:4d}{I:8.2f}{s:8.2f}\n" for h, k, l, I, s in rows)
                    + "   0   0   0    0.00    0.00\n")
    return path


def test_reflections_model_pair(tmp_path, capsys):
    out = tmp_path / "o"
    code, doc = run_json(capsys, "reflections", LS, HS, "--dmin", "1.5", "--out", out)
    assert code == 0 and doc["relation_source"] == "relate" and doc["parent"]["spacegroup"]["number"] == 56
    t = pd.read_csv(out / "reflections.csv", skiprows=1)
    h, k, l = (t[c].to_numpy() for c in "hkl")
    # Pccn → P2₁/c by hand: SB are hk0 with h+k odd (but not 0k0, k odd: the 2₁), 0kl with l odd (not 00l),
    # h00 with h odd
    hand = (((l == 0) & ((h + k) % 2 == 1) & (h != 0)) | ((h == 0) & (l % 2 == 1) & (k != 0))
            | ((k == 0) & (l == 0) & (h % 2 == 1)))
    assert np.array_equal((t["class"] == "SB").to_numpy(), hand) and doc["counts"]["SB"] == hand.sum()
    assert doc["predicted"]["n_SB"] == hand.sum() and len(doc["strongest_SB"]) == 10
    cond = pd.read_csv(out / "broken_conditions.csv", skiprows=1)
    assert list(cond["appears"]) == [c["appears"]["text"] for c in doc["broken_conditions"]]
    assert list(cond["n_SB_opened"]) == [c["n_SB"] for c in doc["broken_conditions"]]
    assert sorted(Path(f).name for f in doc["files"]) == sorted(p.name for p in out.iterdir())


def test_reflections_lawsonite_sentences_match_a_hand_count(shared_cifs, tmp_path, capsys):
    """#10: Cmcm 9002551 → Pmcn 9002549 keeps the c-glide (h0l: l = 2n), so the broken h0l: h+l = 2n opens only h odd,
    l even — and h00 with h odd stays absent (the child's n-glide)."""
    out = tmp_path / "law"
    code, doc = run_json(capsys, "reflections", law(shared_cifs, 9002551), law(shared_cifs, 9002549), "--dmin", "1.0",
                         "--out", out)
    assert code == 0 and doc["counts"]["SB"] == 1272  # pairs.tsv
    t = pd.read_csv(out / "reflections.csv", skiprows=1)
    h, k, l = (t[c].to_numpy() for c in "hkl")
    sb = (t["class"] == "SB").to_numpy()
    h0l = (k == 0) & (h != 0) & (l != 0)
    assert (sb & h0l).sum() == (h0l & (h % 2 == 1) & (l % 2 == 0)).sum() == 56
    assert not (sb & h0l & (l % 2 == 1)).any() and not (sb & (k == 0) & (l == 0)).any()
    by_zone = {c["child_indexing"]["zone"]: c["appears"]["text"] for c in doc["broken_conditions"]}
    assert by_zone["h0l"] == "h0l reflections with h odd, l = 2n appear, except h00"
    assert by_zone["0kl"] == "0kl reflections with k odd appear, except 0k0"
    zero_k = (h == 0) & (l == 0)
    assert not (sb & zero_k).any() and (sb & (h == 0) & (k % 2 == 1) & (l != 0)).sum() == 168
    code, text, _ = run(capsys, "reflections", law(shared_cifs, 9002551), law(shared_cifs, 9002549), "--dmin", "1.0",
                        "--out", tmp_path / "t")
    assert "h0l reflections with h odd, l = 2n appear" in text and "h+l odd appear" not in text


@pytest.mark.parametrize("parent, child", [(9002551, 9002549), (9002551, 9002545), (9002546, 9002545)])
def test_every_sentence_describes_its_reflections_exactly(shared_cifs, parent, child):
    """The structured form of each sentence, evaluated on every reflection to 0.9 Å, is the set of SB reflections the
    condition opens."""
    from symstrain.cif import read_cif
    from symstrain.reflection_analysis import analyse_reflections

    an = analyse_reflections(read_cif(law(shared_cifs, parent)), read_cif(law(shared_cifs, child)), dmin=0.9)
    t = an.classes.table
    hkl = t[["h", "k", "l"]].to_numpy()
    sb = (t["class"] == "SB").to_numpy()
    for bc in an.classes.conditions:
        assert bc.appears.exact
        assert np.array_equal(bc.appears.contains(hkl), sb & bc.child.extinguishes(hkl)), bc.appears.text


def test_sentences_are_exact_over_the_space_group_table():
    """Every 10th tabulated setting (gemmi) against the child P1 and against the child keeping only its operations
    with rotation ±I (centrings, inversion): each sentence is congruences, and evaluated on every reflection with
    |h|, |k|, |l| ≤ 12 it is exactly the set its condition opens (extinguished in the parent, allowed in the child)."""
    from symstrain.conditions import _broken_conditions, _group_arrays, absent_mask
    from symstrain.index_box import _box
    from symstrain.phase import SpaceGroupInfo

    box = _box()
    n = 0
    for sg in list(gemmi.spacegroup_table_itb())[::10]:
        Rp, tp = _group_arrays(SpaceGroupInfo.from_gemmi(sg, "H-M"))
        keep = [i for i, R in enumerate(Rp) if abs(abs(np.trace(R)) - 3) < 1e-9]
        for child in ((np.eye(3)[None], np.zeros((1, 3))), (Rp[keep], tp[keep])):
            allows = ~absent_mask(box, *child)
            for bc in _broken_conditions(Rp, tp, child, np.eye(3), np.zeros(3)):
                assert bc.appears.exact, (sg.xhm(), bc.appears.text)
                assert np.array_equal(bc.appears.contains(box), bc.child.extinguishes(box) & allows), sg.xhm()
                n += 1
    assert n > 200


def test_reflections_polar_pair_breaks_no_condition(shared_cifs, tmp_path, capsys):
    code, doc = run_json(capsys, "reflections", law(shared_cifs, 9002546), law(shared_cifs, 9002545), "--dmin", "1.0",
                         "--out", tmp_path / "o")
    assert code == 0 and doc["counts"]["SB"] == 0 and doc["broken_conditions"] == []  # pairs.tsv: 0
    assert any(w["code"] == "no_broken_condition" for w in doc["warnings"])


def test_reflections_measured_series_with_su(tmp_path, capsys):
    # child-indexed data of Pccn → P2₁/c: (1 1 1), (2 1 3) allowed; (0 1 1) (0kl, l odd), (1 0 0) (h00, h odd) SB
    a = hklf4(tmp_path / "a.hkl", [(1, 1, 1, 1000, 10), (2, 1, 3, 1000, 10), (0, 1, 1, 40, 10), (1, 0, 0, 40, 5)])
    b = hklf4(tmp_path / "b.hkl", [(1, 1, 1, 1000, 10), (2, 1, 3, 1000, 10), (0, 1, 1, 10, 10), (1, 0, 0, 10, 5)])
    out = tmp_path / "o"
    code, doc = run_json(capsys, "reflections", LS, HS, "--dmin", "2", "--hkl", a, b, "--temperatures", "100", "250",
                         "--out", out)
    assert code == 0

    def expected(A, B, sA, sB):  # f = A/(A+B), η = √f, first-order s.u.'s
        f = A / (A + B)
        sf = math.hypot(B * sA, A * sB) / (A + B) ** 2
        return f, sf, math.sqrt(f), sf / (2 * math.sqrt(f))

    f, sf, eta, s_eta = expected(80, 2000, math.hypot(10, 5), math.hypot(10, 10))
    m = doc["measured"][0]
    assert m["T"] == {"value": 100.0, "su": None} and m["file"] == str(a)
    st = {r["class"]: r for r in m["statistics"]}
    assert st["SB"]["sum_I"] == {"value": 80.0, "su": pytest.approx(math.hypot(10, 5))}
    assert st["SB"]["mean_I"]["su"] == pytest.approx(math.hypot(10, 5) / 2) and st["SB"]["n_significant"] == 2
    assert st["all"]["fraction_of_sum"] == {"value": 1.0, "su": 0.0}  # exact: the whole over itself
    assert m["sb_fraction"] == {"value": pytest.approx(f), "su": pytest.approx(sf)}
    assert m["eta_intensity"] == {"value": pytest.approx(eta), "su": pytest.approx(s_eta)}
    ser = doc["eta_series"]
    assert [r["T"]["value"] for r in ser] == [100.0, 250.0] and [r["file"] for r in ser] == [str(a), str(b)]
    assert ser[1]["eta_intensity"]["value"] == pytest.approx(math.sqrt(20 / 2020))
    assert ser[0]["eta_relative"]["value"] == pytest.approx(1.0)
    csv = pd.read_csv(out / "eta_series.csv", skiprows=1)
    assert {"T", "T_su", "eta_intensity", "eta_intensity_su"} <= set(csv.columns) and csv["T_su"].isna().all()
    assert csv["eta_intensity_su"][0] == pytest.approx(s_eta, rel=1e-5)
    meas = pd.read_csv(out / "measured_01-a.csv", skiprows=1)
    assert "I_su" in meas.columns and "sigma" not in meas.columns and list(meas["I_su"]) == [10, 10, 10, 5]


def test_reflections_checks_every_input_before_writing(tmp_path, capsys):
    """#6: hkl files without temperatures in a series, or a strain table without a series, are refused before any
    file is written."""
    a = hklf4(tmp_path / "a.hkl", [(1, 1, 1, 1000, 10), (0, 1, 1, 40, 10)])
    b = hklf4(tmp_path / "b.hkl", [(1, 1, 1, 1000, 10), (0, 1, 1, 10, 10)])
    out = tmp_path / "o"
    code, _, err = run(capsys, "reflections", LS, HS, "--hkl", a, b, "--out", out)
    one_line_error(code, err, "--temperatures")
    assert "a.hkl" in err and "b.hkl" in err and not out.exists()
    table = tmp_path / "strain.csv"
    table.write_text("T,eta_strain\n100,1\n")
    code, _, err = run(capsys, "reflections", LS, HS, "--hkl", a, "--strain-table", table, "--out", out)
    one_line_error(code, err, "--strain-table")
    code, _, err = run(capsys, "reflections", LS, HS, "--hkl", a, tmp_path / "nope.hkl", "--temperatures", "1", "2",
                       "--out", out)
    assert code == 2 and "nope.hkl" in err and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.hkl", "b.hkl", "strain.csv"]


def test_reflections_writes_all_or_nothing(tmp_path, capsys, monkeypatch):
    """#6: a failure while writing (here the second figure) leaves neither the folder nor a partial one."""
    import symstrain.plots.reflections as plots

    real, calls = plots.plot_section, []

    def fails_second_time(*a, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real(*a, **kw)

    monkeypatch.setattr(plots, "plot_section", fails_second_time)
    out = tmp_path / "o"
    code, _, err = run(capsys, "reflections", LS, HS, "--dmin", "2", "--out", out)
    assert code == 70 and "No space left" in err
    assert list(tmp_path.iterdir()) == []
    out.mkdir()  # an existing folder: the files already staged are removed too, the folder stays as it was
    calls.clear()
    code, _, err = run(capsys, "reflections", LS, HS, "--dmin", "2", "--out", out)
    assert code == 70 and list(tmp_path.iterdir()) == [out] and list(out.iterdir()) == []


def test_reflections_dmin_above_the_largest_d(tmp_path, capsys):
    """#9: the largest d of the monoclinic (b unique) HS child is d(001) = c·sin β (d(100) = a·sin β, d(010) = b are
    smaller here), said instead of writing empty tables."""
    c = gemmi.read_small_structure(HS).cell
    d_max = max(c.c * math.sin(math.radians(c.beta)), c.a * math.sin(math.radians(c.beta)), c.b)
    code, _, err = run(capsys, "reflections", LS, HS, "--dmin", "1000", "--out", tmp_path / "o")
    one_line_error(code, err, "--dmin")
    assert f"{d_max:.4g} Å" in err and not (tmp_path / "o").exists()
    code, _, err = run(capsys, "reflections", LS, HS, "--dmin", "0", "--out", tmp_path / "o")
    one_line_error(code, err, "--dmin")


# ------------------------------------------------------------------------------------------------------------ demo
def test_demo_json_and_domains_section(tmp_path, capsys):
    out = tmp_path / "report"
    code, doc = run_json(capsys, "demo", "--quick", "--out", out)
    assert code == 0 and doc["out"] == str(out) and doc["series"] is None
    assert [s["detected"]["number"] for s in doc["structures"]] == [56, 14]
    dom = doc["domains"]
    assert len(dom["states"]) == doc["relation"]["index"] == 2  # mmm → 2/m: two orientation states
    assert dom["pairs"][0]["twin_law_text"] and "warnings" not in dom
    report = (out / "report.md").read_text()
    assert "## Ferroic domains" in report and "domains_splitting.png" in report
    assert (out / "domains_splitting.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(Path(f).name for f in doc["files"]) == sorted(p.name for p in out.iterdir())
    assert not [k for k in keys(doc["strain"]) if k.endswith("_su") and k != "has_su"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


# ----------------------------------------------------------------------------------------------- the schemas bite
def test_schemas_refuse_the_old_layout(capsys):
    _, doc = run_json(capsys, "info", LS)
    for bad in ({**doc, "temperature": {"value": 90}},
                {**doc, "results": [{**doc["results"][0], "volume_su": None}]}):
        with pytest.raises(ValidationError):
            validate("info", bad)
    _, doc = run_json(capsys, "strain", LS, HS)
    with pytest.raises(ValidationError):
        validate("strain", {**doc, "eps13_su": 0.0})
    with pytest.raises(ValidationError):
        validate("strain", {**doc, "eps13": 0.1})


def test_warnings_are_coded_and_shown_once(shared_cifs, capsys):
    p, c = law(shared_cifs, 9002551), law(shared_cifs, 9002549)
    _, doc = run_json(capsys, "strain", p, c)
    ws = doc["warnings"]
    assert len({(w["code"], w["source"], w["message"]) for w in ws}) == len(ws) and all(w["code"] != "note" for w in ws
                                                                                       if "s.u." in w["message"])
    code, text, _ = run(capsys, "strain", p, c)
    for w in ws:
        assert text.count(w["message"]) == 1
