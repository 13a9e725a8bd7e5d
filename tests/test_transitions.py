"""The transition finder: brackets per branch (hand counts), T_c from model fits (closed forms, scipy's curve_fit as
an oracle, AICc computed here), the bundled model series (T↑ = 235.00 K and T↓ = 214.57 K of the Landau model)
and lawsonite (two transitions between the 100/130 K and 268/285 K files)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "cifs" / "series"


def _run(capsys, *argv):
    from symstrain.cli import main

    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _table(rows):
    """A normalised cell table from (T, branch, number, symbol) rows (cells irrelevant for brackets)."""
    df = pd.DataFrame(rows, columns=["T", "branch", "sg_number", "spacegroup"])
    df["label"] = [f"r{i}" for i in range(len(df))]
    return df


def test_brackets_per_branch_by_hand():
    from symstrain.transitions import find_brackets

    rows = [(100, "heating", 56, "P c c n"), (120, "heating", 56, "P c c n"), (140, "heating", 14, "P 1 21/c 1"),
            (160, "heating", 14, "P 1 21/c 1"), (150, "cooling", 14, "P 1 21/c 1"), (110, "cooling", 56, "P c c n"),
            (130, "cooling", 14, "P 1 21/c 1"), (200, "", 0, ""), (90, "", 14, "P 1 21/c 1")]
    got = [(b.branch, b.T_below, b.T_above, b.number_below, b.number_above) for b in find_brackets(_table(rows))]
    assert got == [("heating", 120, 140, 56, 14), ("cooling", 110, 130, 56, 14)]  # "" has one known row only


def test_exact_power_laws_give_their_own_Tc_and_beta():
    from symstrain.transition_models import compare_models

    T = np.arange(100.0, 196.0, 5.0)
    Tc = 203.7  # inside the bracket (195, 210)
    for model, beta in (("second_order", 0.5), ("tricritical", 0.25), ("free_beta", 0.35)):
        y = 2e-4 * (Tc - T) ** (2 * beta)
        c = compare_models(T, y, T_low=195.0, T_high=210.0, ordered_below=True)
        f = c.fit(model)
        assert f.Tc == pytest.approx(Tc, abs=1e-4) and f.beta == pytest.approx(beta, abs=1e-5)
        assert f.A == pytest.approx(2e-4, rel=1e-4)
        if model != "free_beta":
            assert c.preferred in (model, "free_beta")
    # ascending (the ordered phase above T_c): y = A·(T − T_c)
    T = np.arange(240.0, 300.0, 5.0)
    c = compare_models(T, 1e-3 * (T - 236.0), T_low=230.0, T_high=240.0, ordered_below=False)
    assert c.fit("second_order").Tc == pytest.approx(236.0, abs=1e-6)


def test_noisy_tricritical_data_models_and_aicc_against_brute_force():
    from symstrain.transition_models import compare_models

    rng = np.random.default_rng(3)
    T = np.linspace(20.0, 260.0, 13)
    Tc, A = 271.0, 1.2e-4
    y = A * np.sqrt(Tc - T) + rng.normal(0, 2e-5, len(T))
    lo, hi = 268.0, 285.0
    c = compare_models(T, y, T_low=lo, T_high=hi, ordered_below=True)

    # oracle: brute force over T_c in the bracket (and β in [0.05, 1]) with the amplitude by linear least squares
    def best_rss(tcs, betas):
        D = np.maximum(tcs[:, None, None] - T[None, None, :], 0.0) ** (2 * betas[None, :, None])
        Aopt = np.maximum((D * y).sum(-1) / (D * D).sum(-1), 0.0)
        return float(((y - Aopt[..., None] * D) ** 2).sum(-1).min())

    rss = {"second_order": best_rss(np.linspace(lo, hi, 20001), np.array([0.5])),
           "tricritical": best_rss(np.linspace(lo, hi, 20001), np.array([0.25])),
           "free_beta": best_rss(np.linspace(lo, hi, 801), np.linspace(0.05, 1.0, 801))}
    d = 0.5 * (lo + hi) - T  # the step: y0 + B·(T_c − T) with T_c at the bracket's middle, linear least squares
    _, res, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(d), d]), y, rcond=None)
    rss["first_order_step"] = float(res[0])
    k = {"second_order": 2, "tricritical": 2, "free_beta": 3, "first_order_step": 3}
    n = len(T)
    for m in rss:
        assert c.fit(m).rss <= rss[m] * (1 + 1e-9) and c.fit(m).rss == pytest.approx(rss[m], rel=2e-3)
    sigma2 = min(rss[m] / (n - k[m]) for m in rss)
    m_sigma = min(rss, key=lambda m: rss[m] / (n - k[m]))  # σ̂ from this model's scatter, with n − k dof
    assert c.sigma_from == m_sigma and c.sigma_dof == n - k[m_sigma]
    aicc = {m: rss[m] / sigma2 + 2 * k[m] + 2 * k[m] * (k[m] + 1) / (n - k[m] - 1) for m in rss}
    for m in rss:
        assert c.fit(m).aicc == pytest.approx(aicc[m], rel=5e-3)
    best = min(aicc, key=aicc.get)
    assert c.preferred == best
    ranked = sorted(aicc.values())
    assert c.delta == pytest.approx(ranked[1] - ranked[0], rel=2e-2, abs=0.05)
    w = {m: math.exp(-0.5 * (a - ranked[0])) for m, a in aicc.items()}
    assert c.fit(best).weight == pytest.approx(w[best] / sum(w.values()), rel=1e-2)
    assert c.fit("tricritical").Tc == pytest.approx(Tc, abs=3.0)


def test_weighted_chi2_and_a_pure_step():
    from symstrain.transition_models import compare_models

    T = np.array([150.0, 160.0, 170.0, 180.0, 190.0, 200.0])
    su = np.full(6, 1e-5)
    y = np.array([3.0e-4, 3.1e-4, 2.9e-4, 3.0e-4, 3.05e-4, 2.95e-4])  # flat: a jump at T_c, no further change
    c = compare_models(T, y, su, T_low=200.0, T_high=210.0, ordered_below=True)
    assert c.sigma_from == "s.u.'s" and c.preferred == "first_order_step" and c.sigma_dof is None
    f = c.fit("first_order_step")
    assert f.Tc == 205.0 and f.Tc_su == pytest.approx(10.0 / math.sqrt(12.0))  # the bracket: uniform
    # χ² of the step = Σ((y − ȳ)/σ)² when the free slope comes out negative (a pure step: B = 0)
    d = 205.0 - T
    b = np.polyfit(d, y, 1)[0]
    yfit = np.polyval(np.polyfit(d, y, 1), d) if b >= 0 else np.full_like(y, y.mean())
    assert f.chi2 == pytest.approx(np.sum(((y - yfit) / su) ** 2), rel=1e-9)
    for m in ("second_order", "tricritical"):  # a continuous law cannot reach 3e-4 within 10 K of T_c
        assert c.fit(m).aicc > f.aicc + 10


def test_model_series_brackets_and_step(capsys, tmp_path, monkeypatch):
    from symstrain.contract import validate
    from symstrain.series import read_series
    from symstrain.transitions import find_transitions

    index = pd.read_csv(SERIES / "series.csv", skiprows=1)
    cells, phases = read_series(sorted(SERIES.glob("*.cif")), detect=False)
    trs, _ = find_transitions(cells, phases)
    assert [t.bracket.branch for t in trs] == ["heating", "cooling"]
    for t in trs:
        sub = index[index["branch"] == t.bracket.branch]
        # hand count: the last η = 0 (Pccn) row and the first η > 0 (P2₁/c) row next to it
        assert t.bracket.T_below == sub.loc[sub["eta"] == 0, "T"].max()
        assert t.bracket.T_above == sub.loc[sub["eta"] > 0, "T"].min()
        assert (t.high, t.low, t.coupling, t.proxy) == ("P c c n", "P 1 21/c 1", "linear", "e_sb")
        assert t.preferred == "first_order_step" and t.comparison.evidence == "decisive"
        assert t.Tc == pytest.approx(t.bracket.middle) and t.Tc_su == pytest.approx(5.0 / math.sqrt(12.0))
    # the Landau model's T↑ = 235.00 K and T↓ = 214.57 K (cifs/README.md) lie in the brackets
    assert trs[0].bracket.T_below < 235.0 <= trs[0].bracket.T_above
    assert trs[1].bracket.T_below <= 214.57 <= trs[1].bracket.T_above
    monkeypatch.chdir(tmp_path)
    rc, out, err = _run(capsys, "transitions", *sorted(SERIES.glob("*.cif")), "--json")
    assert rc == 0, err
    d = json.loads(out)
    validate("transitions", d)
    assert [r["branch"] for r in d["results"]] == ["heating", "cooling"]
    assert (tmp_path / "symstrain-transitions" / "transitions.png").read_bytes()[:4] == b"\x89PNG"


def test_lawsonite_two_transitions(capsys, tmp_path, monkeypatch, shared_cifs):
    from symstrain.contract import validate

    monkeypatch.chdir(tmp_path)
    files = sorted((shared_cifs / "lawsonite").glob("*.cif"))
    rc, out, err = _run(capsys, "transitions", *files, "--json")
    assert rc == 0, err
    d = json.loads(out)
    validate("transitions", d)
    got = [(r["bracket"]["below"]["T"]["value"], r["bracket"]["above"]["T"]["value"],
            r["bracket"]["below"]["spacegroup"]["number"], r["bracket"]["above"]["spacegroup"]["number"])
           for r in d["results"]]
    assert got == [(100.0, 130.0, 33, 62), (268.0, 285.0, 62, 63)]
    for r in d["results"]:
        lo, hi = r["bracket"]["below"]["T"]["value"], r["bracket"]["above"]["T"]["value"]
        assert lo <= r["T_c"]["value"] <= hi and 0 < r["T_c"]["su"] <= (hi - lo) / math.sqrt(12) + 1e-12
        assert r["preferred_model"] in ("second_order", "tricritical", "free_beta", "first_order_step")
        assert r["coupling"] == "quadratic_nsb" and r["proxy"] == "e_nsb"
        assert r["direction"] == "descending"
    k = {"second_order": 2, "tricritical": 2, "free_beta": 3, "first_order_step": 3}
    for r in d["results"]:  # σ̂ from a residual scatter (no s.u.'s in these files): its dof are said
        assert r["sigma"]["dof"] == len(r["points"]) - k[r["sigma"]["from"]]
    rc, text, err = _run(capsys, "transitions", *files, "--no-plots", "--out", tmp_path / "t")
    dofs = [r["sigma"]["dof"] for r in d["results"]]
    assert [f"degree{'' if n == 1 else 's'} of freedom" in text for n in dofs] == [True, True]
    assert [r["high_symmetry"]["symbol"] for r in d["results"]] == ["P m c n", "C m c m"]
    assert [r["low_symmetry"]["symbol"] for r in d["results"]] == ["P 21 c n", "P m c n"]


def test_a_phase_has_one_colour_in_every_panel_and_figure(capsys, tmp_path, monkeypatch):
    """Issue 13 item 8: the transitions figure shades each phase in the colour the table's figures give it (Pmcn is
    the low side of one panel and the high side of the other); the rows are given out of T order on purpose.
    Cells: the published lawsonite cells (Meyer et al. 2001, COD 9002543–9002551), all angles 90°."""
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    import symstrain.plots.strain as pstrain
    import symstrain.plots.transitions as ptrans

    rows = [(300, "Cmcm", 5.8543, 8.79679, 13.1387), (2, "P21cn", 5.86465, 8.7652, 13.1002),
            (130, "Pmcn", 5.86243, 8.76981, 13.1063), (50, "P21cn", 5.8639, 8.76442, 13.099),
            (175, "Pmcn", 5.86092, 8.77586, 13.1132), (100, "P21cn", 5.86332, 8.76659, 13.1021),
            (225, "Pmcn", 5.85942, 8.78269, 13.1209), (268, "Pmcn", 5.85539, 8.79152, 13.1326),
            (285, "Cmcm", 5.85424, 8.79471, 13.1365)]
    csv = tmp_path / "law.csv"
    csv.write_text("T,spacegroup,a,b,c,alpha,beta,gamma\n"
                   + "".join(f"{t},{g},{a},{b},{c},90,90,90\n" for t, g, a, b, c in rows))
    figs = []
    for mod in (pstrain, ptrans):
        monkeypatch.setattr(mod, "save_figure", lambda fig, path, *a, **k: figs.append(fig) or str(path))
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, "table", "--cells", csv)[0] == 0
    assert _run(capsys, "transitions", "--cells", csv)[0] == 0
    probe = {"P21cn": 50.0, "Pmcn": 200.0, "Cmcm": 295.0}  # a temperature inside each phase
    seen = {g: set() for g in probe}
    for fig in figs:
        for ax in fig.axes:
            for p in ax.patches:
                if not isinstance(p, Rectangle) or p.get_fill() is False or p.get_facecolor()[3] == 0:
                    continue
                x0, x1 = sorted((p.get_x(), p.get_x() + p.get_width()))
                for g, t in probe.items():
                    if x0 < t < x1:
                        seen[g].add(to_hex(p.get_facecolor()))
    assert all(len(c) == 1 for c in seen.values()), seen  # one colour per phase everywhere
    assert len({next(iter(c)) for c in seen.values()}) == 3  # and three phases, three colours


def test_json_points_name_their_rows(capsys, tmp_path, monkeypatch):
    """Each proxy point of a transition names the file and block of its own row (a dictionary look-up since the
    per-point scan of the table was N² on 10⁴ rows): rows labelled by hand, the Pmcn rows are the ordered ones."""
    rows = [("r300", 300, "Cmcm", 5.8543, 8.79679, 13.1387), ("r285", 285, "Cmcm", 5.85424, 8.79471, 13.1365),
            ("r268", 268, "Pmcn", 5.85539, 8.79152, 13.1326), ("r225", 225, "Pmcn", 5.85942, 8.78269, 13.1209),
            ("r175", 175, "Pmcn", 5.86092, 8.77586, 13.1132), ("r130", 130, "Pmcn", 5.86243, 8.76981, 13.1063)]
    csv = tmp_path / "law.csv"
    csv.write_text("label,T,spacegroup,a,b,c\n" + "".join(f"{n},{t},{g},{a},{b},{c}\n" for n, t, g, a, b, c in rows))
    monkeypatch.chdir(tmp_path)
    rc, out, err = _run(capsys, "transitions", "--cells", csv, "--json", "--no-plots")
    assert rc == 0, err
    (tr,) = json.loads(out)["results"]
    got = {(p["block"], p["T"]["value"]) for p in tr["points"]}
    assert got == {(n, float(t)) for n, t, g, *_ in rows if g == "Pmcn"}
    assert all(p["file"] == str(csv) for p in tr["points"])
    assert tr["bracket"]["below"]["block"] == "r268" and tr["bracket"]["above"]["block"] == "r285"


def test_brackets_with_coexistence_do_not_depend_on_the_row_order():
    """Two groups at one temperature of one branch (coexistence at a first-order transition): by hand, heating
    A(100) A+B(150) B(200) changes between 100 and 200 K (150 K lies inside); cooling A(90) A+B(130) ends in
    coexistence, so B is first seen at 130 K: 90–130 K; unspecified A+B(50) A(80) starts in it: B last seen at
    50 K, 50–80 K. The same brackets for every order of the rows (before, one order gave none)."""
    from symstrain.transitions import find_brackets

    A, B = (62, "P m c n"), (33, "P 21 c n")
    rows = [(100, "heating", *A), (150, "heating", *A), (150, "heating", *B), (200, "heating", *B),
            (90, "cooling", *A), (130, "cooling", *A), (130, "cooling", *B),
            (50, "", *B), (50, "", *A), (80, "", *A)]
    want = [("heating", 100, 200, 62, 33), ("cooling", 90, 130, 62, 33), ("", 50, 80, 33, 62)]
    rng = np.random.default_rng(7)
    for _ in range(20):
        order = rng.permutation(len(rows))
        got = [(b.branch, b.T_below, b.T_above, b.number_below, b.number_above)
               for b in find_brackets(_table([rows[i] for i in order]))]
        assert got == want


def test_one_high_symmetry_row_reference_reads_once(capsys, tmp_path, monkeypatch):
    """With one high-symmetry row the proxy's reference is that row's cell, said once ('against the cell of …',
    not 'against the the cell of …'); the proxy of the single ordered row is e_nsb of its cell against that cell:
    orthorhombic to orthorhombic, e_ii = x/x0 − 1, so |proxy| = √(Σ e_ii²) by hand."""
    csv = tmp_path / "c.csv"
    csv.write_text("label,T,spacegroup,a,b,c\nhot,300,Cmcm,5.85,8.79,13.13\ncold,250,Pmcn,5.86,8.78,13.12\n")
    monkeypatch.chdir(tmp_path)
    rc, out, err = _run(capsys, "transitions", "--cells", csv, "--no-plots")
    assert rc == 0 and "against the cell of" in out and "the the" not in out
    rc, out, err = _run(capsys, "transitions", "--cells", csv, "--no-plots", "--json")
    (tr,) = json.loads(out)["results"]
    assert tr["reference"].startswith("cell of ")
    e = np.array([5.86 / 5.85, 8.78 / 8.79, 13.12 / 13.13]) - 1
    assert abs(tr["points"][0]["proxy"]["value"]) == pytest.approx(np.linalg.norm(e), rel=1e-9)


def test_a_failure_of_relate_is_not_reported_as_not_a_subgroup(capsys, tmp_path, monkeypatch):
    """A bug inside relate (simulated here) is no answer about the groups: transitions says the pair could not be
    related (code relate_failed) and table lists those rows as failed (exit 3) with the same words — neither says
    'not a subgroup', which is a scientific claim."""
    import symstrain.relation as relation

    def broken(*a, **k):
        raise ValueError("broadcast dimensions too large.")

    csv = tmp_path / "c.csv"
    csv.write_text("T,spacegroup,a,b,c\n300,Cmcm,5.85,8.79,13.13\n250,Pmcn,5.86,8.78,13.12\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(relation, "relate", broken)
    rc, out, err = _run(capsys, "transitions", "--cells", csv, "--no-plots", "--json")
    d = json.loads(out)
    assert rc == 0 and [w["code"] for w in d["warnings"] if w["code"].startswith("relate")] == ["relate_failed"]
    assert "not a subgroup" not in json.dumps(d["warnings"])
    rc, out, err = _run(capsys, "transitions", "--cells", csv, "--no-plots")
    assert "could not be related: internal error while relating: ValueError" in out
    rc, out, err = _run(capsys, "table", "--cells", csv, "--no-plots")
    assert rc == 3 and "P m c n could not be related to the paraphase C m c m: internal error" in out
    assert "not a subgroup" not in out + err


def test_evidence_is_not_called_decisive_on_a_noise_estimate_of_one_degree_of_freedom():
    """COD lawsonite's Cmcm → Pmcn proxy (4 ordered rows, no s.u.'s): σ comes from the free-β fit's residual,
    4 − 3 = 1 degree of freedom, and ΔAICc ≈ 90 was read "decisive". With σ̂² uncertain by √(2/1) the words now say
    "not sure" and keep the criterion's reading inside; with s.u.'s (σ known) the reading stands."""
    from symstrain.transition_models import compare_models

    T = np.array([130.0, 175.0, 225.0, 268.0])
    y = np.array([0.00165534, 0.00139484, 0.00114143, 0.000252442])  # e_nsb of COD 9002546–9002549
    c = compare_models(T, y, T_low=268.0, T_high=285.0, ordered_below=True)
    assert c.sigma_dof == 1
    assert c.evidence.startswith("not sure (") and "by the criterion alone" in c.evidence
    assert c.delta > 10  # the criterion alone would have said decisive
    w = compare_models(T, y, np.full(4, 1e-4), T_low=268.0, T_high=285.0, ordered_below=True)
    assert w.sigma_dof is None and not w.evidence.startswith("not sure")
    # s.u.'s five times smaller than the rows' scatter (χ²/dof = 36.5 for the preferred law): no evidence either
    tight = compare_models(T, y, np.full(4, 2e-5), T_low=268.0, T_high=285.0, ordered_below=True)
    top = tight.fit(tight.preferred)
    assert top.chi2 / (top.n - top.k) > 9 and tight.evidence.startswith("not sure (")
    assert "the rows scatter far beyond their s.u.'s" in tight.evidence


def test_a_fit_with_no_degrees_of_freedom_has_no_su():
    """Three rows exactly on y = 2·(128 − T)^(2·0.3) below a 125–135 K bracket: the free-β law (A, T_c, β: three
    parameters, three rows) passes through them with χ² ≈ 0 — no degrees of freedom, so no s.u. on β or A, and T_c's
    is the bracket's, 10/√12 K (sweep 6 printed "T_c = 122.6 ± 0.0026 K" for such a fit). The two-parameter laws keep
    theirs."""
    import math

    from symstrain.transition_models import compare_models

    T = np.array([100.0, 110.0, 120.0])
    y = 2.0 * (128.0 - T) ** 0.6
    cmp_ = compare_models(T, y, None, T_low=125.0, T_high=135.0, ordered_below=True)
    free = cmp_.fit("free_beta")
    assert free.no_dof and free.n == 3
    assert free.beta == pytest.approx(0.3, abs=1e-4) and free.Tc == pytest.approx(128.0, abs=1e-2)
    assert math.isnan(free.beta_su) and math.isnan(free.A_su)
    assert free.Tc_su == pytest.approx(10.0 / math.sqrt(12.0))
    d = free.to_dict()
    assert d["no_dof"] is True and d["beta"]["su"] is None
    second = cmp_.fit("second_order")
    assert not second.no_dof and math.isfinite(second.Tc_su) and second.Tc_su > 0


def test_two_rows_prefer_no_model():
    """Two ordered rows with s.u.'s (sweep 11: MAPbI₃ I4/mcm at 190 and 300 K below the 327–330 K transition): the
    two-parameter laws pass through both exactly (χ² = 0) and the step has three parameters — interpolations, not
    fits. None is preferred, and the transition's T_c falls back to the bracket (its middle ± width/√12). With a
    third row the laws have a degree of freedom and are ranked again."""
    from symstrain.transition_models import compare_models

    # a proxy of Q², y = A (T_c − T)^{2β} with A = 1e-3, T_c = 329 K, β = ½: the second-order law, which a third row
    # prefers
    T3 = np.array([190.0, 250.0, 300.0])
    y3 = 1e-3 * (329.0 - T3)
    c = compare_models(T3[[0, 2]], y3[[0, 2]], np.full(2, 1e-5), T_low=300.0, T_high=350.0, ordered_below=True)
    assert c.preferred is None and math.isnan(c.delta)
    assert "passes through them exactly" in c.evidence and c.evidence.startswith("2 ordered rows")
    assert all(f.n <= f.k for f in c.fits)
    c3 = compare_models(T3, y3, np.full(3, 1e-5), T_low=300.0, T_high=350.0, ordered_below=True)
    assert c3.preferred == "second_order"
    assert c3.fit("second_order").Tc == pytest.approx(329.0, abs=1e-3)
