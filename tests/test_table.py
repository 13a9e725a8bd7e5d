"""The automatic paraphase reference, η from the strain each relation couples, zero-by-symmetry components, branches
from file names, and the ``table`` command under the JSON contract. Expected numbers come from the files' cells
read with gemmi (or the published cells written out here), np.polyfit lines and closed forms."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from symstrain.errors import SymstrainInputError

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "cifs" / "series"

# published cells of the lawsonite files (COD 9002543, 9002550, 9002551): T (K), a, b, c (Å), all angles 90°
LAW_2K = (2.0, 5.86465, 8.7652, 13.1002)
LAW_CMCM = ((285.0, 5.85424, 8.79471, 13.1365), (300.0, 5.8543, 8.79679, 13.1387))


def _run(capsys, *argv):
    from symstrain.cli import main

    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _gemmi_cells(paths):
    """T, a, b, c, beta of each CIF, read with gemmi alone (the oracle's reader)."""
    import gemmi

    rows = []
    for p in paths:
        b = gemmi.cif.read(str(p)).sole_block()
        num = lambda tag: float(b.find_value(tag).split("(")[0])  # noqa: E731
        rows.append((num("_diffrn_ambient_temperature"), num("_cell_length_a"), num("_cell_length_b"),
                     num("_cell_length_c"), num("_cell_angle_beta")))
    return np.array(rows)


@pytest.fixture(scope="module")
def model_series():
    from symstrain.series import read_series

    files = sorted(SERIES.glob("*.cif"))
    cells, phases = read_series(files, detect=False)
    return files, cells, phases


def test_branch_from_file_and_block_names():
    from symstrain.series_read import branch_from_name

    assert branch_from_name("model_heating_0180.0K.cif") == "heating"
    assert branch_from_name("/x/y/run-cooling_12.cif") == "cooling"
    assert branch_from_name("scan_up_3", "") == "heating" and branch_from_name("ramp_down") == "cooling"
    assert branch_from_name("warming300K") == "heating"  # digits separate words
    assert branch_from_name("prewarmed_300K.cif") == "" and branch_from_name("upper_c.cif") == ""  # not words
    assert branch_from_name("s_warming_300K") == "heating"
    assert branch_from_name("9002543.cif", "9002543") == ""
    assert branch_from_name("heating_then_cooling.cif") == ""  # ambiguous: no branch


def test_model_series_branches_paraphase_and_baseline(model_series):
    from symstrain.paraphase import choose_reference

    files, cells, phases = model_series
    index = pd.read_csv(SERIES / "series.csv", skiprows=1)
    # branches from the file names: 21 files each (hand count of series.csv)
    assert (cells["branch"] == "heating").sum() == (index["branch"] == "heating").sum() == 21
    assert (cells["branch"] == "cooling").sum() == 21
    choice = choose_reference(cells, phases)
    assert choice.mode == "auto" and choice.paraphase == "P c c n" and choice.model == "linear"
    n_pccn = int((index["eta"] == 0).sum())  # Pccn files are the ones with η = 0
    assert len(choice.rows) == n_pccn == 18
    # the baseline is the least-squares line through the Pccn cells (numpy oracle on gemmi's numbers)
    g = _gemmi_cells(files)
    pccn = np.isclose(g[:, 4], 90.0)
    slope, icpt = np.polyfit(g[pccn, 0], g[pccn, 1], 1)
    assert choice.reference.cell_at(260.0).a == pytest.approx(icpt + slope * 260.0, abs=1e-10)
    rel = choice.relations["P 1 21/c 1"]
    assert rel.symmetry_breaking_strain == ("e13",) and rel.lattice_index == 1


def test_model_series_strain_table_zero_by_symmetry_and_eta(model_series):
    from symstrain.paraphase import choose_reference
    from symstrain.series import strain_table

    files, cells, phases = model_series
    df = strain_table(cells, choose_reference(cells, phases))
    g = _gemmi_cells(files)
    fit = {k: np.polyfit(g[np.isclose(g[:, 4], 90.0), 0], g[np.isclose(g[:, 4], 90.0), k], 1) for k in (1, 2, 3)}
    T = df["T"].to_numpy()
    mono = (df["spacegroup"] == "P 1 21/c 1").to_numpy()
    # e13 of the monoclinic rows: ½·c·cos β / c0(T), c0 from the Pccn line (closed form); Pccn rows: exactly 0
    c0 = np.polyval(fit[3], T)
    e13 = 0.5 * df["c"].to_numpy() * np.cos(np.radians(df["beta"].to_numpy())) / c0
    assert np.allclose(df.loc[mono, "e13"], e13[mono], atol=1e-12)
    assert (df.loc[~mono, "e13"] == 0.0).all() and (df.loc[~mono, "e13_su"] == 0.0).all()
    assert (df.loc[~mono, "eps13"] == 0.0).all()
    for c in ("e12", "e23"):  # zero by symmetry in both groups: exactly 0, s.u. 0
        assert (df[c] == 0.0).all() and (df[f"{c}_su"] == 0.0).all()
    # e11 of a Pccn row is a/a0 − 1 (orthogonal cells, P = identity)
    a0 = np.polyval(fit[1], T)
    assert np.allclose(df.loc[~mono, "e11"], (df["a"] / a0 - 1)[~mono], atol=1e-12)
    # η ∝ e_sb = √2·|e13| (linear coupling, t-subgroup): η = |e13| / max |e13|; 0 in the paraphase
    assert set(df.loc[mono, "coupling"]) == {"linear"} and set(df.loc[~mono, "coupling"]) == {"none"}
    assert np.allclose(df.loc[mono, "eta_strain"], np.abs(e13[mono]) / np.abs(e13[mono]).max(), atol=1e-9)
    assert (df.loc[~mono, "eta_strain"] == 0.0).all()
    assert np.allclose(df["eta2_strain"], df["eta_strain"] ** 2, atol=1e-12)
    # the files give no s.u.'s, the baseline has them from its scatter: σ(e11) = a·σ(a0)/a0², σ(a0) from the
    # covariance of np.polyfit (scaled by the residual variance, as the baseline's)
    pccn = np.isclose(g[:, 4], 90.0)
    p, C = np.polyfit(g[pccn, 0], g[pccn, 1], 1, cov=True)
    G = np.column_stack([T, np.ones_like(T)])
    s_a0 = np.sqrt(np.einsum("ni,ij,nj->n", G, C, G))
    assert np.allclose(df["e11_su"], df["a"] / a0**2 * s_a0, rtol=1e-6)
    assert any("no standard uncertainties" in w for w in df.attrs["warnings"])


def test_baseline_range_never_takes_child_rows(model_series):
    from symstrain.paraphase import choose_reference

    files, cells, phases = model_series
    choice = choose_reference(cells, phases, model="linear", T_range=(180.0, 280.0))
    mono = cells["spacegroup"] == "P 1 21/c 1"
    excluded = {r for r, _ in choice.excluded}
    assert excluded == set(cells.loc[mono, "label"]) and len(excluded) == 24
    assert {w.code for w in choice.warnings} == {"baseline_row_excluded"}
    assert all(w.source in excluded and w.source in w.message for w in choice.warnings)
    # the fit is the Pccn rows' line only (a P2₁/c row would pull it up by ~0.2 Å)
    g = _gemmi_cells(files)
    pccn = np.isclose(g[:, 4], 90.0)
    slope, icpt = np.polyfit(g[pccn, 0], g[pccn, 2], 1)
    assert choice.reference.cell_at(200.0).b == pytest.approx(icpt + slope * 200.0, abs=1e-10)


def test_no_paraphase_row_and_no_groups_are_one_line_errors(model_series):
    from symstrain.paraphase import choose_reference

    files, cells, phases = model_series
    mono = (cells["spacegroup"] == "P 1 21/c 1").to_numpy()
    sub = cells[mono].reset_index(drop=True)
    with pytest.raises(SymstrainInputError, match="no paraphase row") as exc:
        choose_reference(sub, [p for p, m in zip(phases, mono) if m])
    assert "--parent" in exc.value.problem and "--no-reference" in exc.value.problem
    assert "could not be read" not in exc.value.problem  # nothing failed: nothing to say about it
    # the paraphase file was given but could not be read: the error names it, and what was wrong with it
    sub.attrs["failed"] = [{"source": "hot.cif", "problem": "cell length a = 0 Å is not positive", "file": "hot.cif",
                            "block": None}]
    with pytest.raises(SymstrainInputError, match="no paraphase row") as exc:
        choose_reference(sub, [p for p, m in zip(phases, mono) if m])
    assert "1 input(s) could not be read" in exc.value.problem and "hot.cif: cell length a = 0" in exc.value.problem
    bare = cells.assign(spacegroup="", sg_number=0)
    with pytest.raises(SymstrainInputError, match="paraphase cannot be chosen"):
        choose_reference(bare)


def test_coupling_of_each_kind_of_relation():
    from symstrain.coupling import coupling_of, eta_from_strain

    t_sb = SimpleNamespace(index=2, lattice_index=1, symmetry_breaking_strain=("e13",))
    k_sb = SimpleNamespace(index=6, lattice_index=2, symmetry_breaking_strain=("2*e33-e11-e22",))
    k_none = SimpleNamespace(index=2, lattice_index=2, symmetry_breaking_strain=())
    polar_t = SimpleNamespace(index=2, lattice_index=1, symmetry_breaking_strain=())
    same = SimpleNamespace(index=1, lattice_index=1, symmetry_breaking_strain=())
    assert [coupling_of(r) for r in (t_sb, k_sb, k_none, polar_t, same, None)] == [
        "linear", "quadratic_sb", "quadratic_nsb", "quadratic_nsb", "none", "none"]
    # η² ∝ e_nsb: η = √(e/max), s.u. by first-order propagation σ/(2η·max)
    e = np.array([0.004, 0.001, 0.0])
    eta, eta_su, eta2, eta2_su = eta_from_strain("quadratic_nsb", e_nsb=e, e_nsb_su=np.full(3, 1e-4), normalise=True)
    assert np.allclose(eta2, [1.0, 0.25, 0.0]) and np.allclose(eta, [1.0, 0.5, 0.0])
    # η = 0 (η² not resolved from zero): first order would divide by 0; the s.u. is √(s.u. of η²) = √(1e-4/0.004)
    assert eta_su[1] == pytest.approx(1e-4 / 0.004 / (2 * 0.5)) and eta_su[2] == pytest.approx(math.sqrt(0.025))
    # sweep 6: e_nsb of 3.3e-8 (a parent written to six decimals) gave η = 1.8e-4, normalised to 1: below 1e-7 it is 0
    eta, _, _, _ = eta_from_strain("quadratic_nsb", e_nsb=[3.3e-8, 2e-7], e_nsb_su=[np.nan, np.nan])
    assert eta[0] == 0.0 and eta[1] == pytest.approx(math.sqrt(2e-7))
    # sweep 5: e_nsb = 1.1e-16 of rounding (cells equal by symmetry) gave η = 1.05e-8 with s.u. 3.8e4; it is 0, with
    # s.u. √(8.06e-4) = 0.02839; an η² below its s.u. (5e-4 < 1e-3) keeps its value, s.u. √1e-3; above it, s/(2η)
    eta, eta_su, _, _ = eta_from_strain("quadratic_nsb", e_nsb=[1.1104e-16, 5e-4, 0.04], e_nsb_su=[8.06e-4, 1e-3, 1e-3])
    assert eta[0] == 0.0 and eta_su[0] == pytest.approx(0.028390, abs=1e-6)
    assert eta[1] == pytest.approx(math.sqrt(5e-4)) and eta_su[1] == pytest.approx(math.sqrt(1e-3))
    assert eta[2] == pytest.approx(0.2) and eta_su[2] == pytest.approx(1e-3 / 0.4)
    # no s.u. of the strain: none of η either, never 0
    eta, eta_su, _, _ = eta_from_strain("quadratic_nsb", e_nsb=[0.0, 0.04])
    assert eta.tolist() == [0.0, 0.2] and np.isnan(eta_su).all()
    # η ∝ e_sb: η² = η², s.u. 2η·σ
    eta, eta_su, eta2, eta2_su = eta_from_strain("linear", e_sb=e, e_sb_su=np.full(3, 1e-4), normalise=True)
    assert np.allclose(eta2, [1.0, 1 / 16, 0.0]) and eta2_su[1] == pytest.approx(2 * 0.25 * 0.025)


def test_lawsonite_default_reference_and_eta_from_e_nsb(shared_cifs):
    from symstrain.paraphase import choose_reference
    from symstrain.series import read_series, strain_table

    files = sorted((shared_cifs / "lawsonite").glob("*.cif"))
    cells, phases = read_series(files, detect=False)
    choice = choose_reference(cells, phases)
    assert choice.paraphase == "C m c m" and choice.model == "line through 2 rows" and len(choice.rows) == 2
    assert choice.refuted == {}
    df = strain_table(cells, choice)
    (T0, *c0), (T1, *c1) = LAW_CMCM
    T, a, b, c = LAW_2K
    ref = [x0 + (x1 - x0) * (T - T0) / (T1 - T0) for x0, x1 in zip(c0, c1)]  # the line through the two Cmcm cells
    e = np.array([a, b, c]) / np.array(ref) - 1
    row = df[df["T"] == 2.0].iloc[0]
    assert [row["e11"], row["e22"], row["e33"]] == pytest.approx(e, abs=1e-12)
    assert row["e_nsb"] == pytest.approx(np.sqrt(np.sum(e**2)), abs=1e-12)
    assert row["coupling"] == "quadratic_nsb" and row["e13"] == 0.0 and row["e_sb"] == 0.0
    low = df["coupling"] == "quadratic_nsb"
    assert np.allclose(df.loc[low, "eta2_strain"], df.loc[low, "e_nsb"] / df.loc[low, "e_nsb"].max(), atol=1e-12)
    cmcm = df["spacegroup"] == "C m c m"
    assert (df.loc[cmcm, ["e11", "e22", "e33", "vs", "eta_strain"]] == 0.0).all().all()  # the line goes through them


def test_cli_table_lawsonite_with_no_option(capsys, tmp_path, monkeypatch, shared_cifs):
    from symstrain.contract import validate

    monkeypatch.chdir(tmp_path)
    files = sorted((shared_cifs / "lawsonite").glob("*.cif"))
    rc, out, err = _run(capsys, "table", *files)
    assert rc == 0, err
    assert "paraphase C m c m (2 rows, 285–300 K): line through 2 rows" in out and "--parent CIF" in out
    assert "η² ∝ e_nsb" in out
    head = next(line for line in out.splitlines() if line.strip().startswith("T/K"))
    assert head.split()[3:6] == ["e11", "e22", "e33"] and "e13" not in head
    folder = tmp_path / "symstrain-table"
    assert sorted(p.name for p in folder.iterdir()) == ["eta.png", "expansion.csv", "expansion.png", "lattice.png",
                                                      "strain.png", "table.csv"]
    rc, out, err = _run(capsys, "table", *files, "--json", "--no-plots")
    d = json.loads(out)
    validate("table", d)
    assert d["status"] == "ok" and d["reference"]["paraphase"]["number"] == 63
    p21cn = [r for r in d["results"] if r["spacegroup"]["number"] == 33]
    assert len(p21cn) == 3 and all(r["coupling"] == "quadratic_nsb" for r in p21cn)
    for r in d["results"]:
        assert r["T"]["su"] is None and r["block"] and r["file"]
        for name, q in r["strain"].items():  # no s.u. in the files: unknown (null), or exactly 0 by symmetry
            assert q["su"] is None or (q["su"] == 0 and q["value"] == 0 and name in r["zero_by_symmetry"])
        assert r["cell"]["volume"]["su"] is None
    csv = pd.read_csv(tmp_path / "symstrain-table-2" / "table.csv", comment="#", skiprows=1)
    assert csv["e11_su"].isna().all() and csv["volume_su"].isna().all()
    assert {c for c in csv.columns if "label" in c} == set()


def test_cli_table_refuses_negative_temperatures_in_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (["--baseline-range", "-20:200"], ["--baseline-range=-20:200"]):
        rc, out, err = _run(capsys, "table", "--cells", SERIES / "series.csv", "--baseline", "linear", *argv)
        assert rc == 2 and err == "symstrain: error: --baseline-range: -20 K is below 0 K (temperatures are absolute)\n"
    assert not list(tmp_path.iterdir())  # nothing written


def test_cli_table_batch_goes_on_when_one_file_raises(capsys, tmp_path, monkeypatch):
    import symstrain.cif as cif

    monkeypatch.chdir(tmp_path)
    real = cif.read_structures  # (what a series reads each file with: every structure block of it)
    bad = SERIES / "model_heating_0200.0K.cif"

    def flaky(path, *a, **k):
        if Path(path) == bad:
            raise RuntimeError("simulated bug")
        return real(path, *a, **k)

    monkeypatch.setattr(cif, "read_structures", flaky)
    rc, out, err = _run(capsys, "table", *sorted(SERIES.glob("*.cif")), "--json", "--no-plots", "--no-detect")
    assert rc == 3, err
    d = json.loads(out)
    assert d["status"] == "partial" and d["n_rows"] == 41 and d["n_files"] == 42
    assert d["failed"] == [{"file": str(bad), "block": None,
                            "message": "internal error while reading: RuntimeError: simulated bug"}]


def test_cli_table_csv_with_spacegroups_and_branch_labels(capsys, tmp_path, monkeypatch):
    from symstrain.contract import validate

    monkeypatch.chdir(tmp_path)
    f = tmp_path / "cells.csv"
    f.write_text("T,a,b,c,alpha,beta,gamma,spacegroup,label\n"
                 + "".join(f"{T},{5.85 + 1e-5 * T},{8.76 + 1e-4 * T},13.10,90,90,90,Pmcn,run_up_{T}\n"
                           for T in (100, 150, 200))
                 + "".join(f"{T},{5.85 + 1e-5 * T},{8.76 + 1e-4 * T + 0.004},13.10,90,90,90,Cmcm,run_up_{T}\n"
                           for T in (280, 300, 320)))
    rc, out, err = _run(capsys, "table", "--cells", f, "--json", "--no-plots")
    assert rc == 0, err
    d = json.loads(out)
    validate("table", d)
    assert d["reference"]["model"] == "linear" and d["reference"]["paraphase"]["symbol"] == "C m c m"
    rows = {r["T"]["value"]: r for r in d["results"]}
    assert {r["branch"] for r in d["results"]} == {"heating"} and rows[100]["block"] == "run_up_100"
    # the Cmcm line b(T) = 8.764 + 1e-4·T exactly: a Pmcn row's e22 = b/b0 − 1
    assert rows[150]["strain"]["e22"]["value"] == pytest.approx((8.76 + 0.015) / (8.764 + 0.015) - 1, abs=1e-12)
    assert rows[150]["strain"]["e11"]["value"] == 0.0 and rows[150]["coupling"] == "quadratic_nsb"


def test_two_row_paraphase_warnings_say_which_fit_they_concern(capsys, tmp_path):
    """Two paraphase rows give two exact lines — the reference baseline and the phase's thermal expansion — and each
    warning says which one it concerns (read as a duplicate otherwise); each appears once."""
    csv = tmp_path / "cells.csv"
    rows = [(100.0, "Pmcn", 5.8630, 8.7660), (150.0, "Pmcn", 5.8620, 8.7700), (200.0, "Pmcn", 5.8610, 8.7760),
            *((T, "Cmcm", a, b) for T, a, b, _ in [(285.0, 5.85424, 8.79471, 0), (300.0, 5.8543, 8.79679, 0)])]
    csv.write_text("T,spacegroup,a,b,c\n" + "".join(f"{T},{g},{a},{b},13.13\n" for T, g, a, b in rows))
    rc, out, err = _run(capsys, "table", "--cells", csv, "--json", "--no-plots", "--out", tmp_path / "o")
    assert rc == 0, err
    w = json.loads(out)["warnings"]
    exact = [x["message"] for x in w if x["code"] == "baseline_exact"]
    two = [x["message"] for x in w if x["code"] == "expansion_two_rows"]
    assert len(exact) == 1 and "reference baseline" in exact[0]
    assert len(two) == 1 and "thermal expansion of C m c m" in two[0]
    assert len({x["message"] for x in w}) == len(w)


def test_json_detected_group_is_a_spacegroup_object(capsys, tmp_path):
    """CONTRACT: a space group is an object, never 'Pna2_1 (33)' text — also the group spglib detects in each row.
    Oracle: spglib on the atoms gemmi expands from each file."""
    import warnings

    import gemmi
    import spglib

    from symstrain.contract import validate

    files = [ROOT / "cifs" / "model_LS_Pccn_90K.cif", ROOT / "cifs" / "model_HS_P21c_300K.cif"]
    rc, out, err = _run(capsys, "table", *files, "--json", "--no-plots", "--out", tmp_path / "o")
    assert rc == 0, err
    d = json.loads(out)
    validate("table", d)
    for r, f in zip(d["results"], files):
        st = gemmi.read_small_structure(str(f))
        sites = st.get_all_unit_cell_sites()
        frac = [[s.fract.x, s.fract.y, s.fract.z] for s in sites]
        num = [s.element.atomic_number for s in sites]
        lat = np.array(st.cell.orth.mat).T
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # spglib's note on its error handling
            ds = spglib.get_symmetry_dataset((lat, frac, num), symprec=0.01)
        det = r["spacegroup_detected"]
        assert isinstance(det, dict) and det["number"] == ds.number and det["standard_setting"] is True


def test_text_of_a_long_table_shows_its_ends_and_json_has_every_row(capsys, tmp_path):
    """A table longer than MAX_TEXT_ROWS prints its first and last half of that many rows and says how many are left
    out (every row is in table.csv and in --json); the baseline line of a falling parameter reads '−', not '+ -'."""
    from symstrain.cli.table import MAX_TEXT_ROWS

    n_para, n_child = 30, 70
    temps = [80 + 2 * k for k in range(n_para)] + [200 + 2 * k for k in range(n_child)]
    csv = tmp_path / "cells.csv"
    csv.write_text("T,spacegroup,a,b,c\n" + "".join(
        f"{T},{'Cmcm' if k < n_para else 'Pmcn'},{5.85 + 1e-5 * T},{8.80 - 1e-4 * T + (0.004 if k >= n_para else 0)},"
        f"13.1\n" for k, T in enumerate(temps)))
    rc, out, err = _run(capsys, "table", "--cells", csv, "--no-plots", "--out", tmp_path / "t")
    assert rc == 0, err
    rows = [line for line in out.splitlines() if line[:8].strip().replace(".", "").isdigit()]
    half = MAX_TEXT_ROWS // 2
    shown = sorted(temps)[:half] + sorted(temps)[-half:]
    assert [float(line.split()[0]) for line in rows] == shown
    assert f"{n_para + n_child - 2 * half} more rows: every row is in table.csv" in out
    assert "b(T) = " in out and "Å − " in out and "+ -" not in out
    rc, out, err = _run(capsys, "table", "--cells", csv, "--no-plots", "--json", "--out", tmp_path / "j")
    assert rc == 0, err
    assert len(json.loads(out)["results"]) == n_para + n_child


def test_cli_table_brackets_no_symmetry_change_through_a_refused_row(capsys, tmp_path, monkeypatch):
    """A row the reference refuses (another polymorph: not a subgroup of the paraphase) is no phase of the table, so
    no symmetry change is bracketed through it (sweep 9: quartz rows refused by a cristobalite paraphase still gave
    "P3₂21 at 298 K → Fd-3m at 600 K"). Here the model's heating rows at 200 K (Pccn) and 280 K (P2₁/c) and a
    hexagonal P6₂22 cell at 240 K: one change, Pccn at 200 K → P2₁/c at 280 K, not two through the quartz row."""
    monkeypatch.chdir(tmp_path)
    quartz = tmp_path / "quartz.cif"
    quartz.write_text("data_hq\n_cell_length_a 4.9965\n_cell_length_b 4.9965\n_cell_length_c 5.4570\n"
                      "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
                      "_symmetry_space_group_name_H-M 'P 62 2 2'\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
                      "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                      "Si1 Si 0.5 0 0\nO1 O 0.2083 0.4167 0.6667\n")
    files = [SERIES / "model_heating_0200.0K.cif", quartz, SERIES / "model_heating_0280.0K.cif"]
    rc, out, err = _run(capsys, "table", *files, "--temperatures", "200,240,280", "--branch", "heating",
                        "--parent", SERIES / "model_heating_0200.0K.cif", "--json", "--no-plots", "--no-detect")
    assert rc == 3, err
    d = json.loads(out)
    assert d["n_rows"] == 2 and [f["file"] for f in d["failed"]] == [str(quartz)]
    assert [(t["T_below"], t["T_above"]) for t in d["transitions"]] == [(200.0, 280.0)]


def test_cli_table_fits_the_expansion_through_the_rows_of_the_table_only(capsys, tmp_path, monkeypatch):
    """A row refused by the reference (here a P2₁/c cell with a doubled: 'lattice incompatible with the reference
    mapped by P') is no row of the table, and the P2₁/c phase's thermal expansion is fitted through the two rows the
    table holds (sweep 10: CsSnI₃ rows refused so were fitted, αV = −3.09e3 MK⁻¹)."""
    monkeypatch.chdir(tmp_path)
    text = (SERIES / "model_heating_0270.0K.cif").read_text()
    double = tmp_path / "double_a_270.cif"
    double.write_text(text.replace("_cell_length_a           17.270062", "_cell_length_a           34.540124"))
    files = [SERIES / "model_heating_0200.0K.cif", SERIES / "model_heating_0260.0K.cif", double,
             SERIES / "model_heating_0280.0K.cif"]
    rc, out, err = _run(capsys, "table", *files, "--temperatures", "200,260,270,280", "--parent", files[0],
                        "--json", "--no-plots", "--no-detect")
    assert rc == 3, err
    d = json.loads(out)
    assert [f["file"] for f in d["failed"]] == [str(double)] and "lattice incompatible" in d["failed"][0]["message"]
    # (why: its group's rows are two lattices, and the table takes one P per group)
    assert "the rows of P 1 21/c 1 are not one lattice" in d["failed"][0]["message"]
    (mono,) = [ph for ph in d["expansion"]["phases"] if ph["spacegroup"]["number"] == 14]
    assert mono["n_rows"] == 2 and mono["T_range"] == [260, 280]
    assert not [w for w in d["warnings"] if w["code"] == "expansion_cells_differ"]


def test_eta_is_normalised_per_family_of_groups(tmp_path):
    """η of rows whose groups are not linked by a subgroup relation is normalised each to its own largest value
    (sweep 11: MAPbI₃'s Pnma rows set η for its I4/mcm rows — two tilt systems of Pm-3m, two order parameters; I4/mcm
    ⊅ Pnma, Pnma ⊅ I4/mcm). Cells in the settings of the neutron series (Pnma √2a·2a·√2a, I4/mcm √2a·√2a·2a); η² ∝ e_sb
    (both couple quadratically). Oracle: e_sb / max over the rows of the same group. Lawsonite (Pmcn ⊃ P2₁cn: one
    family) keeps one normalisation: test_lawsonite_default_reference_and_eta_from_e_nsb."""
    from symstrain.paraphase import choose_reference
    from symstrain.series import read_cells_csv, strain_table

    (tmp_path / "cells.csv").write_text(
        "label,T,a,b,c,alpha,beta,gamma,spacegroup\n"
        "o10,10,8.8400,12.5900,8.5600,90,90,90,P n m a\n"
        "o130,130,8.8600,12.6200,8.5800,90,90,90,P n m a\n"
        "t190,190,8.8000,8.8000,12.6500,90,90,90,I 4/m c m\n"
        "t300,300,8.8700,8.8700,12.6600,90,90,90,I 4/m c m\n"
        "c350,350,6.3300,6.3300,6.3300,90,90,90,P m -3 m\n")
    cells = read_cells_csv(tmp_path / "cells.csv")
    df = strain_table(cells, choose_reference(cells))
    assert set(df["coupling"][df["spacegroup"] != "P m -3 m"]) == {"quadratic_sb"}
    for group in ("P n m a", "I 4/m c m"):
        m = df["spacegroup"] == group
        want = df.loc[m, "e_sb"] / df.loc[m, "e_sb"].max()
        assert np.allclose(df.loc[m, "eta2_strain"], want, atol=1e-12), group
        assert df.loc[m, "eta_strain"].max() == pytest.approx(1.0, abs=1e-12)
    # the I4/mcm row at 300 K by hand: e_sb(300) / e_sb(190), against the cubic cell a0 = 6.33 Å
    t = df.set_index("T")
    assert t.loc[300.0, "eta2_strain"] == pytest.approx(t.loc[300.0, "e_sb"] / t.loc[190.0, "e_sb"], rel=1e-12)
    assert t.loc[300.0, "eta2_strain"] < 0.6 < t.loc[10.0, "eta2_strain"]
