"""Corpus scale (issue 16): the parallel map, the catalogue (``scan``: rows, junk, resuming, kill -9, Dask) and
``pairs`` (compounds, verified pairs with their index and SB counts, series in temperature order).

Every corpus is built here in tmp_path: the bundled model CIFs (cifs/, cifs/series/), copies of ../shared/cifs
files re-described in other settings and origins (``Phase.transformed`` + ``write_cif``), and junk files (empty,
binary, truncated, not a CIF). Expected numbers come from pairs.tsv, from the files' own items read with gemmi,
or from group theory / a few lines of numpy — never from symstrain's output.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("duckdb")

from symstrain.catalogue import Catalogue, scan  # noqa: E402
from symstrain.cli import main  # noqa: E402
from symstrain.contract import validate  # noqa: E402
from symstrain.corpus_entry import normalise_formula, split_blocks  # noqa: E402
from symstrain.parallel import ItemFailure, balanced_chunks, map_items  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "cifs"
LAWSONITE = [f"90025{n}" for n in range(43, 52)]
BCA = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]])  # child basis (b, c, a) of the parent basis
B_MINUS_A = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]])  # (b, -a, c)


# ------------------------------------------------------------------------------------------- corpora


def _junk(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = (MODELS / "model_LS_Pccn_90K.cif").read_text()
    files = {"empty.cif": b"", "binary.cif": bytes(range(256)) * 8, "notcif.cif": b"just some words, no CIF\n",
             "truncated.cif": text[: len(text) // 2].encode()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "README.txt").write_text("not scanned: not a .cif\n")
    return [folder / n for n in files]


def _model_corpus(root: Path, series_copies: int = 1) -> Path:
    """The two bundled models, ``series_copies`` copies of the 42-file bundled series, and junk."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(MODELS / "model_LS_Pccn_90K.cif", root / "model_LS.cif")
    shutil.copy(MODELS / "model_HS_P21c_300K.cif", root / "model_HS.cif")
    for k in range(series_copies):
        shutil.copytree(MODELS / "series", root / f"series{k}", ignore=shutil.ignore_patterns("*.csv"))
    _junk(root / "junk")
    return root


@pytest.fixture(scope="module")
def settings_corpus(tmp_path_factory, shared_cifs):
    """The nine lawsonite files, two of them again in another setting and origin, the models and junk."""
    from symstrain import read_cif
    from symstrain.writer import write_cif

    root = tmp_path_factory.mktemp("settings")
    (root / "lawsonite").mkdir()
    for n in LAWSONITE:
        shutil.copy(shared_cifs / "lawsonite" / f"{n}.cif", root / "lawsonite")
    (root / "resettled").mkdir()
    write_cif(read_cif(shared_cifs / "lawsonite" / "9002549.cif").transformed(BCA, (0, 0.25, 0.25)),
              root / "resettled" / "pmcn_bca.cif")
    write_cif(read_cif(shared_cifs / "lawsonite" / "9002545.cif").transformed(B_MINUS_A, (0.5, 0, 0.25)),
              root / "resettled" / "p21cn_b-ac.cif")
    _model_corpus(root, series_copies=0)
    return root


def _table(path) -> list[tuple]:
    """Every row of a catalogue as a tuple (nested values as JSON text), in the catalogue's order."""
    with Catalogue(path, create=False) as cat:
        df = cat.rows()
    out = []
    for r in df.itertuples(index=False):
        out.append(tuple(json.dumps([dict(w) for w in v], sort_keys=True) if k == "warnings" else
                         (None if isinstance(v, float) and math.isnan(v) else v) for k, v in zip(df.columns, r)))
    return out


# ------------------------------------------------------------------------------------------- pieces


def test_formula_normalisation_by_hand():
    assert normalise_formula("Ca (Al1.94 Fe.06) Si2 O10 D4") == ("Al1.94 Ca D4 Fe0.06 O10 Si2", 1.0)
    assert normalise_formula("C12 H8 O4") == ("C3 H2 O", 4.0)
    assert normalise_formula("Mg2 (Si O4)2") == ("Mg O4 Si", 2.0)  # Mg2 Si2 O8 / 2
    assert normalise_formula("O2 Ti") == normalise_formula("Ti O2") == ("O2 Ti", 1.0)
    assert normalise_formula("x?") is None and normalise_formula("(Ca") is None and normalise_formula("") is None


def test_blocks_split_at_data_lines_outside_text_fields():
    one = b"data_first\n_cell_length_a 5\n_note\n;\ndata_not_a_block\n;\n"
    two = b"data_second\n_cell_length_a 6\n"
    found = split_blocks(b"# header comment\n" + one + two)
    assert [n for n, _ in found] == ["first", "second"]
    assert [hashlib.sha1(t).hexdigest() for _, t in found] == [hashlib.sha1(one).hexdigest(),
                                                              hashlib.sha1(two).hexdigest()]


def test_chunks_are_balanced_heaviest_first_and_cover_every_item():
    w = [1, 100, 3, 50, 2, 2, 2, 40]
    chunks = balanced_chunks(w, n_workers=1, max_chunk=3)
    assert sorted(i for c in chunks for i in c) == list(range(len(w)))
    assert chunks[0] == [1]  # 100 alone: above the target of 200 / 8
    assert all(len(c) <= 3 for c in chunks)


def _square_or_die(x):
    if x == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if x == "bad":
        raise ValueError("bad item")
    return x * x


@pytest.mark.parametrize("jobs", [1, 2])
def test_map_keeps_order_and_returns_failures_as_values(jobs):
    items = list(range(12)) + ["bad"] + ([] if jobs == 1 else ["die"]) + [20]
    out = map_items(_square_or_die, items, jobs=jobs, weights=[1] * len(items))
    assert out[:12] == [i * i for i in range(12)] and out[-1] == 400
    assert isinstance(out[12], ItemFailure) and out[12].kind == "error" and "bad item" in out[12].message
    if jobs == 2:  # the worker killed: that item's failure, the others done
        assert isinstance(out[13], ItemFailure) and out[13].kind == "worker_lost" and out[13].index == 13


# ------------------------------------------------------------------------------------------- scan


def test_scan_rows_junk_and_formula_units(tmp_path, capsys):
    import gemmi

    corpus = _model_corpus(tmp_path / "c", series_copies=0)
    cat = tmp_path / "cat.duckdb"
    assert main(["scan", str(corpus), "--catalogue", str(cat), "--json"]) == 3  # junk: partial
    doc = json.loads(capsys.readouterr().out)
    validate("scan", doc)
    assert doc["n_files"] == 6 and doc["n_added"] == 6 and doc["n_failed"] == 4
    failed = {Path(f["file"]).name: f["message"] for f in doc["failed"]}
    assert set(failed) == {"empty.cif", "binary.cif", "notcif.cif", "truncated.cif"}
    assert all(m and "\n" not in m for m in failed.values())
    with Catalogue(cat, create=False) as c:
        rows = c.rows()
    ls = rows[rows["file"].str.endswith("model_LS.cif")].iloc[0]
    block = gemmi.cif.read(str(corpus / "model_LS.cif")).sole_block()
    cell = [float(block.find_value(f"_cell_{k}").split("(")[0]) for k in
            ("length_a", "length_b", "length_c", "angle_alpha", "angle_beta", "angle_gamma")]
    a, b, c, al, be, ga = cell[:3] + [math.radians(x) for x in cell[3:]]
    V = a * b * c * math.sqrt(1 - math.cos(al) ** 2 - math.cos(be) ** 2 - math.cos(ga) ** 2
                              + 2 * math.cos(al) * math.cos(be) * math.cos(ga))
    Z = float(block.find_value("_cell_formula_units_Z"))
    assert ls["volume_per_formula_unit"] == pytest.approx(V / Z, rel=1e-9)
    assert ls["niggli_volume"] == pytest.approx(V, rel=1e-9)  # primitive cell: P c c n
    assert ls["declared_number"] == 56 and ls["detected_number"] == 56 and ls["T"] == pytest.approx(90.0)
    text = (corpus / "model_LS.cif").read_bytes()  # one block: its text runs from the data_ line to the end
    start = 0 if text.startswith(b"data_") else text.index(b"\ndata_") + 1
    assert ls["sha1"] == hashlib.sha1(text[start:]).hexdigest()
    junk = rows[rows["status"] == "failed"]
    assert junk["block"].isna().all() and len(junk) == 4
    # the same command again: nothing to read, and the four failures are still those of these paths (sweep 12: a
    # resumed scan said "ok" over them)
    assert main(["scan", str(corpus), "--catalogue", str(cat), "--json"]) == 3
    again = json.loads(capsys.readouterr().out)
    validate("scan", again)
    assert again["n_added"] == 0 and again["n_failed"] == 4 and again["status"] == "partial"
    assert {Path(f["file"]).name for f in again["failed"]} == set(failed)
    assert all(f["message"].startswith("(failed in an earlier scan; still in the catalogue) ") for f in again["failed"])


def test_rescan_skips_what_is_known_and_replaces_what_changed(tmp_path, capsys):
    corpus = _model_corpus(tmp_path / "c", series_copies=0)
    cat = tmp_path / "cat.duckdb"
    first = scan([corpus], cat)
    assert first.n_added == 6
    again = scan([corpus], cat)
    assert (again.n_unchanged, again.n_added) == (6, 0)
    f = corpus / "model_HS.cif"
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))  # touched, same text: read, nothing new
    touched = scan([corpus], cat)
    assert (touched.n_unchanged, touched.n_added, touched.n_known) == (5, 0, 1)
    f.write_text(f.read_text().replace("_diffrn_ambient_temperature", "_cell_measurement_temperature"))
    changed = scan([corpus], cat)
    assert changed.n_added == 1
    table = _table(cat)
    assert len(table) == 6 and len({(r[0], r[3]) for r in table}) == 6  # the old row of model_HS replaced


def test_catalogue_columns_pressure_radiation_formula_and_z_from_built_files(tmp_path):
    """Columns the issue lists, from copies of the LS model given the items by hand: pressure (kPa as CIF writes it,
    with its s.u.; _cell_measurement_pressure when _diffrn_ambient_pressure is absent), radiation from the probe or
    from the words of the type, the wavelength, the normalised formula (sorted elements, reduced) and Z counted from
    the atom sites when the file does not give it (4 Fe in the cell, one per formula unit)."""
    import pandas as pd

    text = (MODELS / "model_LS_Pccn_90K.cif").read_text()
    assert "_cell_formula_units_Z             4" in text and "pressure" not in text and "radiation" not in text
    head = "_diffrn_ambient_temperature       90.0\n"
    variants = {
        "neutron.cif": head + "_diffrn_ambient_pressure 1500(20)\n_diffrn_radiation_probe neutron\n"
                              "_diffrn_radiation_wavelength 1.5945\n",
        "cuka.cif": head + "_cell_measurement_pressure 101.3\n_diffrn_radiation_type 'Cu K\\a'\n"
                           "_diffrn_radiation_wavelength 1.54056\n",
        "noz.cif": head,
    }
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, items in variants.items():
        t = text.replace(head, items)
        if name == "noz.cif":
            t = t.replace("_cell_formula_units_Z             4\n", "")
        (corpus / name).write_text(t)
    cat = tmp_path / "cat.duckdb"
    scan([corpus], cat)
    with Catalogue(cat, create=False) as c:
        rows = {Path(r["file"]).name: r for _, r in c.rows().iterrows()}
    n, x, z = rows["neutron.cif"], rows["cuka.cif"], rows["noz.cif"]
    assert (n["pressure"], n["pressure_su"], n["radiation"], n["wavelength"]) == (1500.0, 20.0, "neutron", 1.5945)
    assert x["pressure"] == pytest.approx(101.3) and pd.isna(x["pressure_su"])  # none written: null, never 0
    assert (x["radiation"], x["radiation_type"], x["wavelength"]) == ("x-ray", "Cu K\\a", 1.54056)
    assert pd.isna(z["pressure"]) and pd.isna(z["radiation"]) and pd.isna(z["wavelength"])
    # 'C42 H28 Fe N6 S2': elements sorted, the counts already coprime
    assert {r["formula"] for r in rows.values()} == {"C42 Fe H28 N6 S2"}
    n_fe = sum(1 for line in text.splitlines() if line.split()[:2] == ["Fe1", "Fe"])  # one Fe site, 4c of Pccn
    assert n_fe == 1 and z["Z"] == 4 and z["Z_source"] == "atom sites" and n["Z_source"] == "_cell_formula_units_Z"
    assert z["volume_per_formula_unit"] == pytest.approx(n["volume_per_formula_unit"], rel=1e-12)


def test_detected_group_of_a_structure_declared_p1(tmp_path):
    """The HS model written out in P 1 with every atom of its cell (expanded here by gemmi): declared 1, detected
    14 (the group of the file it came from), and the same Niggli cell and volume per formula unit as the original."""
    import gemmi

    st = gemmi.read_small_structure(str(MODELS / "model_HS_P21c_300K.cif"))
    sites = st.get_all_unit_cell_sites()
    c = st.cell
    lines = ["data_hs_p1", f"_cell_length_a {c.a}", f"_cell_length_b {c.b}", f"_cell_length_c {c.c}",
             f"_cell_angle_alpha {c.alpha}", f"_cell_angle_beta {c.beta}", f"_cell_angle_gamma {c.gamma}",
             "_cell_formula_units_Z 4", "_chemical_formula_sum 'C42 H28 Fe N6 S2'",
             "_symmetry_space_group_name_H-M 'P 1'", "loop_", "_symmetry_equiv_pos_as_xyz", "x,y,z", "loop_",
             "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
             "_atom_site_fract_z"]
    lines += [f"{s.element.name}{i} {s.element.name} {s.fract.x:.6f} {s.fract.y:.6f} {s.fract.z:.6f}"
              for i, s in enumerate(sites)]
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "hs_p1.cif").write_text("\n".join(lines) + "\n")
    shutil.copy(MODELS / "model_HS_P21c_300K.cif", corpus / "hs.cif")
    scan([corpus], tmp_path / "cat.duckdb")
    with Catalogue(tmp_path / "cat.duckdb", create=False) as cat:
        rows = {Path(r["file"]).name: r for _, r in cat.rows().iterrows()}
    p1, hs = rows["hs_p1.cif"], rows["hs.cif"]
    assert len(sites) == 4 * 79 and (p1["declared_number"], p1["detected_number"]) == (1, 14)
    assert (hs["declared_number"], hs["detected_number"]) == (14, 14)
    for k in ("niggli_a", "niggli_b", "niggli_c", "niggli_volume", "volume_per_formula_unit"):
        assert p1[k] == pytest.approx(hs[k], rel=1e-6), k


def test_scan_reports_progress_over_every_file_including_the_skipped_ones(tmp_path):
    corpus = _model_corpus(tmp_path / "c", series_copies=0)
    n_files = len(list(corpus.rglob("*.cif")))
    for run in range(2):  # the second run skips every file: they still count
        totals, steps = [], []
        scan([corpus], tmp_path / "cat.duckdb", on_total=totals.append, progress=steps.append)
        assert totals == [n_files] and sum(steps) == n_files, run


def _kill_after_first_batch(cmd, env, cat: Path) -> int:
    """Run ``cmd``, SIGKILL its process group when the catalogue's write-ahead log grows past the size it had once
    the tables were made (a first batch committed), and return the rows the catalogue then holds."""
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wal = Path(f"{cat}.wal")
    deadline, last, stable = time.monotonic() + 60, None, None
    while time.monotonic() < deadline and proc.poll() is None:
        size = wal.stat().st_size if wal.exists() else 0
        if stable is None:
            stable = size if size and size == last else None  # the same size twice: the tables are made
        elif size > stable:
            break
        last = size
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if not cat.exists():
        return 0
    with Catalogue(cat, create=False) as c:
        return len(c)


def test_kill_minus_9_mid_scan_then_rerun_equals_an_uninterrupted_scan(tmp_path):
    corpus = _model_corpus(tmp_path / "c", series_copies=3)  # 132 files
    whole, killed = tmp_path / "whole.duckdb", tmp_path / "killed.duckdb"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "symstrain", "scan", str(corpus), "--batch-rows", "4", "--no-progress"]
    for attempt in range(4):  # kill -9 once the first batch of rows is committed (retried if it landed outside)
        n_after_kill = _kill_after_first_batch(cmd + ["--catalogue", str(killed), "--jobs", "2"], env, killed)
        if 0 < n_after_kill < 132:
            break
        for f in tmp_path.glob("killed.duckdb*"):
            f.unlink()
    subprocess.run(cmd + ["--catalogue", str(whole)], env=env, check=False, capture_output=True)
    total = len(_table(whole))
    assert total == 132
    assert 0 < n_after_kill < total, "the kill should land mid-scan"
    subprocess.run(cmd + ["--catalogue", str(killed)], env=env, check=False, capture_output=True)
    assert _table(killed) == _table(whole)


def test_dask_local_cluster_and_processes_equal_the_serial_run(tmp_path, settings_corpus):
    pytest.importorskip("distributed")
    serial, procs, dask = (tmp_path / f"{n}.duckdb" for n in ("serial", "procs", "dask"))
    scan([settings_corpus], serial)
    scan([settings_corpus], procs, jobs=2)
    scan([settings_corpus], dask, dask="local", jobs=2)
    assert _table(serial) == _table(procs) == _table(dask)
    from symstrain.corpus_pairs import find_pairs

    with Catalogue(serial, create=False) as c:  # a few entries: two lawsonite pairs, the models
        rows = c.rows(where="file SIMILAR TO '.*(9002551|9002549|9002545|model_..)\\.cif'")
    assert len(rows) == 5
    one, two = find_pairs(rows), find_pairs(rows, dask="local", jobs=2)
    assert json.dumps(one.pairs, sort_keys=True) == json.dumps(two.pairs, sort_keys=True)
    assert one.refuted == two.refuted and one.series == two.series and len(one.pairs) == 4


# ------------------------------------------------------------------------------------------- pairs


def _tsv(shared):
    lines = (shared / "pairs.tsv").read_text().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:] if ln.strip()]


def _find(pairs, parent: str, child: str):
    got = [p for p in pairs if p["parent"]["file"].endswith(parent) and p["child"]["file"].endswith(child)]
    assert len(got) == 1, f"{parent} → {child} not found once"
    return got[0]


def test_scan_and_pairs_of_the_shared_folder(tmp_path, shared_cifs, capsys):
    import gemmi

    cat = tmp_path / "cat.duckdb"
    assert main(["scan", str(shared_cifs), "--catalogue", str(cat), "--jobs", "2", "--json"]) == 3  # quirks fail
    capsys.readouterr()
    assert main(["pairs", "--catalogue", str(cat), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    validate("pairs", doc)
    for row in _tsv(shared_cifs):  # the relations of pairs.tsv, among the quirk files
        p = _find(doc["results"], row["parent"], row["child"])
        assert p["index"] == int(row["index"])
        assert p["reflections"]["counts"]["SB"] == int(re.match(r"\d+", row["SB_reflections_d1A"]).group(0))
        assert p["basis_change"]["basis"] == "(a, b, c)"  # P = identity in pairs.tsv
    law = [s for s in doc["series"] if any("lawsonite" in m["file"] for m in s["members"])]
    assert len(law) == 1
    members = law[0]["members"]
    assert [Path(m["file"]).stem for m in members] == sorted(
        LAWSONITE, key=lambda n: float(gemmi.cif.read(str(shared_cifs / "lawsonite" / f"{n}.cif"))
                                  .sole_block().find_value("_diffrn_ambient_temperature")))
    assert [m["T"]["value"] for m in members] == sorted(m["T"]["value"] for m in members)
    assert law[0]["reference"]["file"].endswith("9002551.cif")  # Cmcm at 300 K: the most symmetric, hottest
    assert law[0]["table_command"][:2] == ["symstrain", "table"] and law[0]["table_ready"]
    assert not any("lawsonite" in r["child"]["file"] and "quirks" in r["parent"]["file"] for r in doc["refuted"])
    import duckdb

    con = duckdb.connect(str(cat), read_only=True)
    n = con.execute("SELECT count(*) FROM pairs WHERE parent_file LIKE '%9002551.cif' "
                    "AND child_file LIKE '%9002549.cif' AND index = 2 AND n_SB = 1272").fetchone()[0]
    con.close()
    assert n == 1


def test_pairs_across_settings_and_origins(tmp_path, settings_corpus):
    from symstrain.corpus_pairs import find_pairs

    cat = tmp_path / "cat.duckdb"
    scan([settings_corpus], cat)
    with Catalogue(cat, create=False) as c:
        rows = c.rows()
        bca = rows[rows["file"].str.endswith("pmcn_bca.cif")].iloc[0]
        orig = rows[rows["file"].str.endswith("9002549.cif")].iloc[0]
    # the Niggli cell does not depend on the setting or origin
    for k in ("niggli_a", "niggli_b", "niggli_c", "niggli_volume"):
        assert bca[k] == pytest.approx(orig[k], rel=1e-9)
    res = find_pairs(rows)
    # Cmcm (9002551) ⊃ Pmcn re-described on (b, c, a): still index 2 and the 1272 SB reflections of pairs.tsv
    p = _find(res.pairs, "9002551.cif", "pmcn_bca.cif")
    assert (p["index"], p["reflections"]["counts"]["SB"]) == (2, 1272)
    assert np.allclose(np.abs(np.linalg.det(p["basis_change"]["P"])), 1)
    q = _find(res.pairs, "9002546.cif", "p21cn_b-ac.cif")
    assert (q["index"], q["type"], q["reflections"]["counts"]["SB"]) == (2, "t", 0)
    # the bundled models: Pccn (order 8) ⊃ P2_1/c (order 4) on the same lattice, a t-subgroup of index 2
    m = _find(res.pairs, "model_LS.cif", "model_HS.cif")
    assert (m["index"], m["type"]) == (2, "t")
    law = [s for s in res.series if s["formula"].startswith("Al1.94")][0]
    assert len(law["members"]) == 11  # nine files and the two re-described copies


def test_pairs_strain_summary_aizu_and_a_refuted_candidate(tmp_path):
    """The model pair's strain summary against a few lines of gemmi + numpy (P = identity: F = A·A0⁻¹ in gemmi's
    frame X ∥ a, Z ∥ c*, e = ½(F + Fᵀ) − I, e_ss = ‖e‖, vs = det F − 1, the symmetry-breaking shear e13 of
    mmm → 2/m), its Aizu species by hand, and a third file — the HS model with β = 103°, same formula and a volume
    per formula unit within 3 % — whose lattice no P fits within relate's tolerance (|e13| ≈ ½·|cos 103°| = 0.11
    > 0.08): a refuted candidate with its reason, not a pair."""
    import gemmi

    from symstrain.corpus_pairs import find_pairs

    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(MODELS / "model_LS_Pccn_90K.cif", corpus / "ls.cif")
    shutil.copy(MODELS / "model_HS_P21c_300K.cif", corpus / "hs.cif")
    hs_text = (MODELS / "model_HS_P21c_300K.cif").read_text()
    assert "_cell_angle_beta                  93.1\n" in hs_text
    bent = hs_text.replace("_cell_angle_beta                  93.1\n", "_cell_angle_beta                  103.0\n")
    (corpus / "hs_bent.cif").write_text(re.sub(r"_cell_volume\s+\S+\n", "", bent))
    cat = tmp_path / "cat.duckdb"
    scan([corpus], cat)
    with Catalogue(cat, create=False) as c:
        res = find_pairs(c.rows())

    def cell(name):
        b = gemmi.cif.read(str(corpus / name)).sole_block()
        return gemmi.UnitCell(*(float(b.find_value(f"_cell_{k}")) for k in (
            "length_a", "length_b", "length_c", "angle_alpha", "angle_beta", "angle_gamma")))

    c0, c1 = cell("ls.cif"), cell("hs.cif")
    F = np.array(c1.orth.mat.tolist()) @ np.linalg.inv(np.array(c0.orth.mat.tolist()))
    e = 0.5 * (F + F.T) - np.eye(3)
    p = _find(res.pairs, "ls.cif", "hs.cif")
    assert (p["index"], p["type"], p["aizu"], p["ferroelastic"], p["ferroelectric"]) == (2, "t", "mmmF2/m", True,
                                                                                        False)
    st = p["strain"]
    assert st["e_ss"]["value"] == pytest.approx(np.linalg.norm(e), rel=1e-9)
    assert st["vs"]["value"] == pytest.approx(c1.volume / c0.volume - 1, rel=1e-9)
    assert st["symmetry_breaking"] == ["e13"] and st["components"]["e13"]["value"] == pytest.approx(e[0, 2], rel=1e-9)
    assert abs(e[0, 2]) == pytest.approx(0.5 * abs(math.cos(math.radians(93.1))), rel=0.05)
    assert not [q for q in res.pairs if "hs_bent" in q["child"]["file"] + q["parent"]["file"]]
    (bad,) = res.refuted
    assert {Path(bad["parent"]["file"]).name, Path(bad["child"]["file"]).name} == {"ls.cif", "hs_bent.cif"}
    assert bad["reason"] and "\n" not in bad["reason"]


def test_command_line_errors_are_one_line(tmp_path, capsys):
    assert main(["pairs", "--catalogue", str(tmp_path / "none.duckdb")]) == 2
    assert main(["scan", str(tmp_path / "nowhere"), "--catalogue", str(tmp_path / "c.duckdb")]) == 2
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    assert main(["scan", str(MODELS / "model_LS_Pccn_90K.cif"), "--catalogue", str(bad)]) == 2
    assert main(["scan", str(MODELS), "--catalogue", str(tmp_path / "c.parquet")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(e.startswith("symstrain: error: ") for e in err)


def test_formula_sum_written_as_the_cell_content(tmp_path, capsys):
    """Sweep 5 (F1): pymatgen's CifWriter (every Materials Project CIF) writes _chemical_formula_sum as the content
    of the cell and Z per reduced formula ('Si3 O6', Z = 3, for 9 atoms of quartz). Taken as formula × Z, the
    volume per formula unit came out Z times too small and `pairs` dropped real pairs. The LS model (4 Fe in the
    cell, Z = 4) written that way, 'C168 Fe4 H112 N24 S8' with Z = 4, must give the original's 4 formula units and
    volume per formula unit; `info` says which convention it is, not "a file cut short"."""
    text = (MODELS / "model_LS_Pccn_90K.cif").read_text()
    assert "'C42 H28 Fe N6 S2'" in text and "_cell_formula_units_Z             4" in text
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "orig.cif").write_text(text)
    (corpus / "pmg.cif").write_text(text.replace("'C42 H28 Fe N6 S2'", "'C168 H112 Fe4 N24 S8'"))
    cat = tmp_path / "cat.duckdb"
    scan([corpus], cat)
    with Catalogue(cat, create=False) as c:
        rows = {Path(r["file"]).name: r for _, r in c.rows().iterrows()}
    o, p = rows["orig.cif"], rows["pmg.cif"]
    assert o["n_formula_units"] == 4 and p["n_formula_units"] == 4 and p["formula"] == "C42 Fe H28 N6 S2"
    assert p["volume_per_formula_unit"] == pytest.approx(o["volume"] / 4, rel=1e-12)
    codes = [{w["code"] for w in r["warnings"]} for r in (o, p)]
    assert "formula_is_cell_content" not in codes[0] and "formula_is_cell_content" in codes[1]
    assert main(["info", str(corpus / "pmg.cif"), "--json"]) == 0
    codes = {w["code"] for w in json.loads(capsys.readouterr().out)["warnings"]}
    assert "formula_is_cell_content" in codes and "formula_differs" not in codes


def test_formula_from_the_atoms_with_fractional_occupancies(tmp_path, shared_cifs):
    """Sweep 6 (F6): lawsonite (Al 0.97 / Fe 0.03 on one site) without its formula sum named its cell content
    'Al7.76 Ca4 D16 Fe0.24 O40 Si8' with 1 formula unit — another compound than the same structure with its formula
    sum ('Ca (Al1.94 Fe.06) Si2 O10 D4' → 'Al1.94 Ca D4 Fe0.06 O10 Si2', Z = 4), so `pairs` never compared them.
    Without the formula sum the content is divided by Z (given), or by the common divisor of its integer counts (Ca4
    D16 O40 Si8: 4) when Z is absent too: the file's own formula and 4 formula units either way."""
    import re

    text = (shared_cifs / "lawsonite" / "9002549.cif").read_text()
    assert "_cell_formula_units_Z" not in text  # (Z = 4 from the atoms against the formula sum)
    no_z = re.sub(r"(?m)^_chemical_formula_sum.*\n", "", text)
    no_formula = re.sub(r"(?m)^(data_.*\n)", r"\1_cell_formula_units_Z 4\n", no_z)
    assert no_z != text and "_cell_formula_units_Z 4" in no_formula
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, t in (("orig.cif", text), ("noformula.cif", no_formula), ("noformula_noz.cif", no_z)):
        (corpus / name).write_text(t)
    cat = tmp_path / "cat.duckdb"
    scan([corpus], cat)
    with Catalogue(cat, create=False) as c:
        rows = {Path(r["file"]).name: r for _, r in c.rows().iterrows()}
    assert rows["orig.cif"]["formula"] == "Al1.94 Ca D4 Fe0.06 O10 Si2" and rows["orig.cif"]["n_formula_units"] == 4
    for name in ("noformula.cif", "noformula_noz.cif"):
        r = rows[name]
        assert r["formula_source"] == "atom sites" and r["formula"] == rows["orig.cif"]["formula"], name
        assert r["n_formula_units"] == 4 and r["volume_per_formula_unit"] == pytest.approx(
            rows["orig.cif"]["volume_per_formula_unit"], rel=1e-12)


def _entry(name, number, symbol, n_ops, volume, T):
    from symstrain.corpus_pairs import Entry

    sg = {"number": number, "symbol": symbol, "hall": None, "setting": symbol, "standard_setting": True}
    return Entry(f"{name}.cif", name, name, 1, 1, "Mg O3 Si", volume / 4, volume, volume, T, None, sg, n_ops)


def test_series_says_why_its_table_command_would_not_run():
    """Sweep 7: `pairs` gave every compound a table command marked ready, though no member had a temperature (table
    exits 2) and the reference was a parent relate had refuted (clinoenstatite P2₁/c for enstatite Pbca: that row
    would fail). The reference is the entry whose group, or its verified children's, hold the most members."""
    from symstrain.corpus_pairs import _series

    clino = _entry("clino", 14, "P 1 21/c 1", 4, 400.0, None)
    ortho = _entry("ortho", 61, "P b c a", 8, 800.0, None)
    s = _series(1, [clino, ortho], {})  # no verified pair: the most symmetric per volume (equal) then the smaller
    assert not s["table_ready"]
    assert "2 of 2 members give no temperature" in s["table_not_ready"]
    assert "1 member(s) in a group the reference is no verified parent of" in s["table_not_ready"]
    # a series with temperatures where the reference is the verified parent of every other group: ready
    cub = _entry("cub", 221, "P m -3 m", 48, 60.0, 400.0)
    cub2 = _entry("cub2", 221, "P m -3 m", 48, 60.03, 500.0)
    tet = _entry("tet", 99, "P 4 m m", 8, 64.0, 300.0)
    ort = _entry("ort", 38, "A m m 2", 8, 128.0, 250.0)
    s = _series(2, [tet, cub, ort, cub2], {("cub.cif", "cub"): {99, 38}})
    assert s["reference"] == {"file": "cub.cif", "block": "cub"}  # the verified parent, not the hotter cub2
    assert s["table_ready"] and s["table_not_ready"] is None
    assert [m["file"] for m in s["members"]] == ["ort.cif", "tet.cif", "cub.cif", "cub2.cif"]  # by temperature
    # without the verified pairs the hottest of the most symmetric is taken, and the other groups are said
    s = _series(2, [tet, cub, ort, cub2], {})
    assert s["reference"]["file"] == "cub2.cif" and "2 member(s)" in s["table_not_ready"]


def _p1_perovskite(a: float, cells: int, shift: float = 0.0) -> str:
    """CsSnI₃-like cubic perovskite (Sn at 0, Cs at ½½½, I at ½00 …) written in P 1 on ``cells`` cubic cells along a,
    the Cs of the first cell moved by ``shift`` (fractional, along c)."""
    lines = ["data_p1", f"_cell_length_a {a * cells}", f"_cell_length_b {a}", f"_cell_length_c {a}",
             "_cell_angle_alpha 90", "_cell_angle_beta 90", "_cell_angle_gamma 90", "_chemical_formula_sum 'Cs I3 Sn'",
             f"_cell_formula_units_Z {cells}", "_symmetry_space_group_name_H-M 'P 1'", "loop_",
             "_symmetry_equiv_pos_as_xyz", "x,y,z", "loop_", "_atom_site_label", "_atom_site_type_symbol",
             "_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"]
    for k in range(cells):
        x0 = k / cells
        lines += [f"Sn{k} Sn {x0:.6f} 0 0", f"Cs{k} Cs {x0 + 0.5 / cells:.6f} 0.5 {0.5 + (shift if k == 0 else 0):.6f}",
                  f"Ia{k} I {x0 + 0.5 / cells:.6f} 0 0", f"Ib{k} I {x0:.6f} 0.5 0", f"Ic{k} I {x0:.6f} 0 0.5"]
    return "\n".join(lines) + "\n"


def test_pairs_says_when_the_files_declare_lower_groups_than_their_structures(tmp_path):
    """Sweep 10: P 1 exports (VESTA) of one compound's phases pair as P 1 ⊃ P 1 supercells ("index 4, 1F1"), true
    for the declared groups, while the structures are Pm-3m and Pnma. Here a cubic perovskite in P 1 (detected
    Pm-3m) and a 2×1×1 supercell with one Cs moved 0.06 Å along c (detected Pmm2): the pair of index 2 is verified as
    before, and its notes say which groups were declared and which detected."""
    from symstrain.corpus_pairs import find_pairs

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "cubic.cif").write_text(_p1_perovskite(6.13, 1))
    (corpus / "double.cif").write_text(_p1_perovskite(6.13, 2, shift=0.01))
    cat = tmp_path / "cat.duckdb"
    scan([corpus], cat)
    with Catalogue(cat, create=False) as c:
        res = find_pairs(c.rows())
    p = _find(res.pairs, "cubic.cif", "double.cif")
    assert p["index"] == 2 and p["parent"]["spacegroup"]["number"] == 1 == p["child"]["spacegroup"]["number"]
    (note,) = [n for n in p["notes"] if n.startswith("declared groups compared")]
    assert "parent declared P 1 (1), detected P m -3 m (221)" in note
    assert "child declared P 1 (1), detected P m m 2" in note


def test_series_of_a_multi_block_file_names_it_once():
    """Sweep 12: three temperatures of a spin-crossover complex in one file (blocks at 163, 230 and 293 K, all P-1)
    gave `symstrain table F F F --parent F`, not ready because "a member is not the first structure block" — but table
    reads every structure block of a file: that line made 9 rows, each twice more, and shrank the expansion's s.u.'s
    by √3. The file is named once, the reference's block is given when it is not the file's first, and a file
    holding structure blocks outside the series is what stops the line."""
    from dataclasses import replace

    from symstrain.corpus_pairs import _series

    blocks = ("T163", "T230", "T293")
    sco = [replace(_entry(b, 2, "P -1", 2, 1500.0 + 0.1 * k, 163.0 + 65 * k), file="sco.cif", first_in_file=k == 0,
                   file_blocks=blocks) for k, b in enumerate(blocks)]
    s = _series(1, sco, {})
    assert s["reference"] == {"file": "sco.cif", "block": "T293"}  # the hottest of equals
    assert s["table_command"] == ["symstrain", "table", "sco.cif", "--parent", "sco.cif", "--parent-block", "T293"]
    assert s["table_ready"] and s["table_not_ready"] is None
    # the same file holding a fourth structure, of another compound: its row would join the table
    other = tuple(replace(e, file_blocks=(*blocks, "solvate")) for e in sco)
    s = _series(1, list(other), {})
    assert not s["table_ready"] and "1 file(s) hold structure blocks that are not members (sco.cif)" in s[
        "table_not_ready"]


def test_table_parent_block_reads_that_block(tmp_path, capsys):
    """`table --parent F --parent-block B` takes block B of F as the reference (the command `pairs` writes)."""
    import json

    from symstrain.cli import main

    cell = ("_cell_length_a {a}\n_cell_length_b {a}\n_cell_length_c {a}\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
            "_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P m -3 m'\n_diffrn_ambient_temperature {T}\n"
            "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCs1 0 0 0\n"
            "Cl1 0.5 0.5 0.5\n")
    (tmp_path / "multi.cif").write_text("data_cold\n" + cell.format(a="4.1000", T=100) + "data_hot\n"
                                        + cell.format(a="4.1200", T=300))
    rc = main(["table", str(tmp_path / "multi.cif"), "--parent", str(tmp_path / "multi.cif"), "--parent-block", "hot",
               "--json", "--no-plots", "--out", str(tmp_path / "t")])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0
    cold = next(r for r in d["results"] if r["T"]["value"] == 100)
    assert cold["strain"]["e11"]["value"] == pytest.approx(4.1 / 4.12 - 1, rel=1e-9)
    assert main(["table", str(tmp_path / "multi.cif"), "--parent-block", "hot", "--out", str(tmp_path / "u")]) == 2
    assert "--parent-block" in capsys.readouterr().err


def test_a_verified_pair_says_when_the_child_holds_other_atoms(tmp_path):
    """Sweep 12: ε-Pu Im-3m ⊃ β-Pu I2/m was listed as verified with no word, though β-Pu's cell holds 34 atoms
    against the 32 of ε-Pu mapped into it (relate warned). Here CsCl (Pm-3m, Cs + Cl) and a P4/mmm cell of the same
    lattice with one more atom (O at ½½0): the groups relate (index 3), the structures are no distortion of one
    another, and the pair's notes say so as relate does; the same cell without the O has no such note."""
    import os

    from symstrain.corpus_pairs import relate_pair

    def cif(name, group, extra=""):
        path = tmp_path / f"{name}.cif"
        path.write_text(f"data_{name}\n_cell_length_a 4.12\n_cell_length_b 4.12\n_cell_length_c 4.12\n"
                        "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                        f"_symmetry_space_group_name_H-M '{group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                        f"_atom_site_fract_y\n_atom_site_fract_z\nCs1 0 0 0\nCl1 0.5 0.5 0.5\n{extra}")
        st = os.stat(path)
        return (str(path), name, st.st_size, st.st_mtime_ns)

    parent = cif("cub", "P m -3 m")
    more = relate_pair((parent, cif("tet", "P 4/m m m", "O1 0.5 0.5 0\n"), 0.08, 1.0))
    assert more["holds"] and more["index"] == 3
    assert any("O: 1 against 0" in n and "no distortion of this parent structure" in n for n in more["notes"])
    same = relate_pair((parent, cif("tet2", "P 4/m m m"), 0.08, 1.0))
    assert same["holds"] and not any("other atoms" in n for n in same["notes"])
