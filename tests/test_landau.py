"""Landau model: closed-form oracles, spinodals derived by hand, brute-force minima, CLI behaviour."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from symstrain.cli import main
from symstrain.errors import SymstrainInputError
from symstrain.landau import LandauModel, _real_cubic_roots, phase_diagram

P = LandauModel.paper()
T = np.linspace(150.0, 300.0, 3001)


@pytest.fixture(scope="module")
def sweep():
    return P.sweep(T)


def test_cubic_roots_match_numpy():
    rng = np.random.default_rng(1)
    c = rng.normal(size=(200, 4))
    ours = _real_cubic_roots(c[:, 0], c[:, 1], c[:, 2], c[:, 3])
    for row, r in zip(c, ours):
        ref = np.roots(row[::-1])
        ref = np.sort(ref[np.abs(ref.imag) < 1e-7].real)
        got = np.sort(r[np.isfinite(r)])
        assert got.size == ref.size
        np.testing.assert_allclose(got, ref, atol=1e-8)
    # triple root, vanishing leading coefficient (quadratic), linear
    assert _real_cubic_roots(0.0, 0.0, 0.0, 1.0)[0, 0] == 0.0
    np.testing.assert_allclose(np.sort(_real_cubic_roots(-2.0, -1.0, 1.0, 0.0)[0, :2]), [-1.0, 2.0])
    np.testing.assert_allclose(_real_cubic_roots(-3.0, 1.5, 0.0, 0.0)[0, 0], 2.0)


def test_ls_branch_closed_form_eq4(sweep):
    h = sweep.heating
    sel = (h["T"] > 180) & (h["T"] < 234)
    t = h.loc[sel, "T"].to_numpy()
    expected = -np.cbrt(P.a1 * (P.T_SC - t) / P.C)
    np.testing.assert_allclose(h.loc[sel, "q"], expected, atol=1e-10)
    assert (h.loc[sel, "eta"] == 0).all()
    assert (h.loc[sel, "phase"] == "LShs").all()
    # below T_SC − C/a1 = 176.67 K the closed form leaves the domain: the state is pinned at q = −1
    pinned = h["T"] < P.T_SC - P.C / P.a1 - 0.1
    assert pinned.any() and (h.loc[pinned, "q"] == -1.0).all()


def test_hs_branch_closed_form_eta(sweep):
    c = sweep.cooling
    hs = c[c["phase"] == "HSls"]
    q, eta = hs["q"].to_numpy(), hs["eta"].to_numpy()
    np.testing.assert_allclose(eta**2, -(2 * P.D * q + P.E * q**2) / P.b, rtol=1e-12)
    top = hs[hs["T"] > 216]
    assert (top["q"] == 1.0).all()
    np.testing.assert_allclose(top["eta"], math.sqrt(-(2 * P.D + P.E) / P.b), rtol=1e-12)  # √2.52
    assert hs["T"].min() < 215 and (hs["q"] <= 1.0).all()


def test_bounds_respected(sweep):
    f = sweep.to_frame()
    assert (f["q"].abs() <= 1.0).all()
    assert (f["eta"] >= 0).all()


def hs_fold_oracle(m):
    # η ≠ 0 branch with B = a0 = 0: G_eff'(q) = a1(T_SC − T) + f(q), f = −2D²/b q − 3DE/b q² + (C − E²/b) q³;
    # the HS state vanishes where f'(q) = 0 (its minimum merges with the saddle): T↓ = T_SC + f(q_f)/a1
    f = np.polynomial.Polynomial([0.0, -2 * m.D**2 / m.b, -3 * m.D * m.E / m.b, m.C - m.E**2 / m.b])
    r = f.deriv().roots()
    qf = max(x.real for x in r if abs(x.imag) < 1e-12 and 0 < x.real < 1)
    return m.T_SC + f(qf) / m.a1, qf


def test_spinodals_paper(sweep):
    tr = sweep.transitions
    # LS branch (η = 0): K = q(D + E q/2) changes sign at q = 0, i.e. at T = T_SC exactly
    assert tr.T_up == pytest.approx(P.T_SC, abs=0.01)
    t_down, qf = hs_fold_oracle(P)
    assert tr.T_down == pytest.approx(t_down, abs=0.01)
    assert tr.T_down == pytest.approx(214.57, abs=0.01)
    ev = [e for e in tr.events if e.direction == "cooling"][0]
    assert ev.q_before == pytest.approx(qf, abs=1e-3)
    assert (ev.from_phase, ev.to_phase) == ("HSls", "LShs")
    # independent of the grid: a coarse grid gives the same root-found temperatures
    tr2 = P.transitions(np.linspace(150, 300, 31))
    assert tr2.T_up == pytest.approx(tr.T_up, abs=1e-4)
    assert tr2.T_down == pytest.approx(tr.T_down, abs=1e-4)


def test_T_eq_closed_form(sweep):
    # LS: q = −(h/C)^{1/3} → G = −3/4 h^{4/3} C^{−1/3}; HS pinned at q = 1: G = h + C/4 − (D + E/2)²/b
    def d(h):
        return -0.75 * h ** (4 / 3) * P.C ** (-1 / 3) - (h + P.C / 4 - (P.D + P.E / 2) ** 2 / P.b)

    h = brentq(d, 0.1, 20)
    tr = sweep.transitions
    assert tr.T_eq == pytest.approx(P.T_SC - h / P.a1, abs=1e-6)
    assert tr.T_down < tr.T_eq < tr.T_up
    # entropy jump at T_eq: S = a1 q (a0 = 0), HS q = 1 minus LS q
    q_ls = -((h / P.C) ** (1 / 3))
    assert tr.dS_eq == pytest.approx(P.a1 * (1 - q_ls), rel=1e-8)
    assert tr.latent_heat == pytest.approx(tr.T_eq * tr.dS_eq)


def test_eq2_first_order_symmetric_about_T_SC():
    m = LandauModel(a1=0.6, B=-10.0, C=35.0, T_SC=235.0, a0=0.0, Tc=0.0, b=1.0, D=0.0, E=0.0)
    Ts = np.linspace(185.0, 285.0, 2001)  # symmetric about T_SC
    s = m.sweep(Ts)
    qf = -math.sqrt(-m.B / (3 * m.C))  # A'' = B + 3Cq² = 0
    t_up = m.T_SC + (2 * m.B / 3) * qf / m.a1
    assert s.transitions.T_up == pytest.approx(t_up, abs=0.01)
    assert s.transitions.T_down == pytest.approx(2 * m.T_SC - t_up, abs=0.01)
    assert s.transitions.T_eq == pytest.approx(m.T_SC, abs=1e-6)
    np.testing.assert_allclose(s.heating["q"].to_numpy(), -s.cooling["q"].to_numpy()[::-1], atol=1e-9)
    assert (s.heating["eta"] == 0).all()


def test_eq2_gradual_symmetric_and_coupled_asymmetric(sweep):
    m = LandauModel(a1=0.6, B=5.0, C=35.0, T_SC=235.0, a0=0.0, Tc=0.0, b=1.0, D=0.0, E=0.0)
    Ts = np.linspace(185.0, 285.0, 1001)
    s = m.sweep(Ts)
    q = s.heating["q"].to_numpy()
    np.testing.assert_allclose(q, -q[::-1], atol=1e-9)
    np.testing.assert_allclose(q, s.cooling["q"], atol=0)
    assert not s.transitions.events and math.isnan(s.transitions.T_up)
    assert m.regime(Ts)["regime"] == "gradual SC, no SB"
    tr = sweep.transitions  # coupled: T↑ sits on T_SC, T↓ 20 K below: strongly asymmetric loop
    assert (tr.T_up - P.T_SC) + 15 < (P.T_SC - tr.T_down)
    assert P.regime()["regime"] == "first-order SC + SB, hysteresis"


def test_eq1_descending_and_ascending():
    for a0 in (2.0, -2.0):
        m = LandauModel(a1=0.0, B=0.0, C=1.0, T_SC=200.0, a0=a0, Tc=200.0, b=4.0, D=0.0, E=0.0)
        Ts = np.linspace(150, 250, 201)
        h = m.sweep(Ts).heating
        np.testing.assert_allclose(h["eta"] ** 2, np.maximum(0, -a0 * (Ts - 200.0) / 4.0), atol=1e-12)
        np.testing.assert_allclose(h["S"], -a0 / 2 * h["eta"] ** 2, atol=1e-12)


def brute_minima(m, t, nq=801, ne=801, emax=2.5):
    q = np.linspace(-1, 1, nq)
    e = np.linspace(-emax, emax, ne)
    G = m.G(q[:, None], e[None, :], t)
    pad = np.pad(G, 1, constant_values=np.inf)
    c = pad[1:-1, 1:-1]
    ismin = np.ones_like(c, bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                ismin &= c <= pad[1 + di:pad.shape[0] - 1 + di, 1 + dj:pad.shape[1] - 1 + dj]
    i, j = np.nonzero(ismin)
    return q[i], e[j], G[i, j]


def test_every_local_minimum_found_vs_brute_force():
    for t in (200.0, 225.0, 260.0):
        eq = P.equilibria(t)
        mins = eq[eq.kind == "minimum"]
        qb, eb, gb = brute_minima(P, t)
        assert len(mins) == len(qb), (t, mins, qb, eb)
        for qv, ev, gv in zip(qb, eb, gb):
            d = np.hypot(mins.q - qv, mins.eta - ev)
            k = int(np.argmin(d))
            assert d.iloc[k] < 0.01
            assert mins.G.iloc[k] <= gv + 1e-12
    eq = P.equilibria(225.0)
    hs = eq[(eq.kind == "minimum") & (eq.phase == "HSls")]
    assert sorted(hs.domain) == [-1, 1] and hs.eta.sum() == pytest.approx(0)


def test_barrier_vs_brute_force(sweep):
    t = 225.0
    eq = P.equilibria(t)
    sad = eq[eq.kind == "saddle"].iloc[0]
    mins = eq[eq.kind == "minimum"].sort_values("q")
    q = np.linspace(-1, 1, 40001)
    e = np.linspace(0, 2.5, 2001)
    gq = np.min(P.G(q[:, None], e[None, :], t), axis=1)  # relaxed profile by brute force
    between = (q > mins.q.iloc[0]) & (q < mins.q.iloc[-1])
    assert sad.G == pytest.approx(gq[between].max(), abs=2e-3)
    assert sad.dG_from_lower == pytest.approx(gq[between].max() - mins.G.iloc[0], abs=2e-3)
    b = sweep.barriers
    row = b.iloc[np.argmin(np.abs(b["T"] - t))]
    assert row["dG_LH"] == pytest.approx(sad.dG_from_lower, abs=1e-9)
    # barriers vanish at the spinodals: ΔG_HL → 0 near T↓, ΔG_LH → 0 near T↑
    assert b["dG_HL"].iloc[0] < 0.01 and b["dG_LH"].iloc[-1] < 0.01
    assert (b["dG_LH"] > 0).all() and (b["dG_HL"] > 0).all()


def test_entropy_is_minus_dG_dT(sweep):
    for df in (sweep.heating, sweep.cooling):
        sel = df[(df["T"] > 190) & (df["T"] < 210)]
        dGdT = np.gradient(sel["G"].to_numpy(), sel["T"].to_numpy())
        np.testing.assert_allclose(-dGdT[1:-1], sel["S"].to_numpy()[1:-1], atol=2e-4)
    tr = sweep.transitions
    assert tr.dS_up == pytest.approx(P.a1 * (1 - 0), abs=2e-3)  # LS q → 0⁻ at T_SC, HS pinned at 1


def test_hysteresis_with_a0_term_and_phase_diagram():
    # lifting the strong-coupling limit: a0(T − Tc) destabilises η in the HS state at high T
    m = P.replace(a0=0.05, Tc=550.0)  # K(q=1, T) = 0.025 (T − 550) − 12.6 = 0 at T = 1054 K
    Ts = np.linspace(150, 1200, 2101)
    s = m.sweep(Ts)
    ev = [e for e in s.transitions.events if e.direction == "heating"]
    cont = [e for e in ev if e.kind == "continuous"]
    assert cont and cont[-1].T == pytest.approx(550 + 12.6 / 0.025, abs=0.01)
    assert m.symmetry_restoring_temperature(1.0) == pytest.approx(550 + 25.2 / 0.05)
    assert math.isnan(P.symmetry_restoring_temperature())
    assert cont[-1].to_phase == "HShs"
    assert m.regime(Ts)["regime"] == "sequential transitions"
    df = phase_diagram(P, "D", [-6.5, 0.0], "E", [-12.2, 0.0], T=np.linspace(150, 300, 301))
    got = {(r.D, r.E): r.regime for r in df.itertuples()}
    assert got[(-6.5, -12.2)] == "first-order SC + SB, hysteresis"
    assert got[(0.0, 0.0)] == "gradual SC, no SB"  # B = 0, no coupling: critical SC, η ≡ 0
    # D = 0, E < 0: K = E q²/2 < 0 unless q = 0, so η vanishes only at q = 0 — two events, sequential
    assert got[(0.0, -12.2)] == "sequential transitions"
    assert phase_diagram(P, "b", [-1.0, 10.0])["regime"].tolist()[0] == "invalid"


def test_invalid_parameters():
    for bad in ({"b": 0.0}, {"b": -1.0}, {"C": 0.0}, {"C": -3.0}, {"D": float("nan")}):
        with pytest.raises(SymstrainInputError):
            P.replace(**bad)
    with pytest.raises(SymstrainInputError):
        P.replace(F=1.0)
    with pytest.raises(SymstrainInputError):
        P.sweep([200.0, 199.0, 210.0])
    with pytest.raises(SymstrainInputError):
        P.sweep([200.0])


def test_G_vectorised():
    q = np.linspace(-1, 1, 5)[:, None]
    e = np.linspace(-1, 1, 3)[None, :]
    G = P.G(q, e, 220.0)
    assert G.shape == (5, 3)
    qq, ee = 0.3, 0.7
    ref = (P.a1 * (P.T_SC - 220) * qq + P.C / 4 * qq**4 + P.b / 4 * ee**4 + P.D * qq * ee**2
           + P.E / 2 * qq**2 * ee**2)
    assert P.G(qq, ee, 220.0) == pytest.approx(ref)


def test_cli_landau(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["landau", "--json", "--n", "301", "--tmin", "180", "--tmax", "280"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["transitions"]["T_up"] == pytest.approx(235.0, abs=0.01)
    assert out["transitions"]["T_down"] == pytest.approx(214.57, abs=0.01)
    files = out["files"]
    assert {p.split("/")[-1] for p in files} >= {"sweep.csv", "transitions.csv", "fig1.png", "fig2cd.png", "fig5.png"}
    for f in files:
        assert (tmp_path / "symstrain-landau" / f.split("/")[-1]).stat().st_size > 0
    # the default folder exists now: a fresh name, never an overwrite
    assert main(["landau", "--n", "101"]) == 0
    assert (tmp_path / "symstrain-landau-2" / "sweep.csv").exists()
    capsys.readouterr()
    # an explicit --out holding the files is refused, one line, exit 2
    assert main(["landau", "--n", "101", "--out", "symstrain-landau"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing to overwrite" in err
    assert main(["landau", "--param", "b=0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symstrain: error: --param:") and err.count("\n") == 1
    assert main(["landau", "--param", "C=-1"]) == 2
    assert main(["landau", "--param", "zz=1"]) == 2


def test_random_models_minima_vs_brute_force_and_local_minimiser():
    """Every brute-force grid minimum, polished by L-BFGS-B, lands on one of our minima (random Eq. 3 models)."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(11)
    for _ in range(25):
        m = LandauModel(a1=rng.uniform(0.1, 1), B=rng.uniform(-20, 20), C=rng.uniform(5, 50), T_SC=200.0,
                        a0=rng.choice([0.0, rng.uniform(-0.2, 0.2)]), Tc=rng.uniform(100, 300),
                        b=rng.uniform(1, 20), D=rng.uniform(-10, 10), E=rng.uniform(-20, 20))
        t = rng.uniform(120, 280)
        m.sweep(np.linspace(100, 300, 201))  # never fails to find a state
        eq = m.equilibria(t)
        mins = eq[eq.kind == "minimum"]
        assert len(mins) >= 1 and mins.is_global.any()
        emax = max(3.0, 1.3 * mins.eta.abs().max())
        qb, eb, _ = brute_minima(m, t, nq=301, ne=301, emax=emax)
        for q0, e0 in zip(qb, eb):
            if abs(e0) >= 0.999 * emax:
                continue
            r = minimize(lambda v: float(m.G(v[0], v[1], t)), [q0, e0], bounds=[(-1, 1), (None, None)],
                         method="L-BFGS-B", options=dict(ftol=1e-15, gtol=1e-12))
            d = np.hypot(mins.q.to_numpy() - r.x[0], mins.eta.to_numpy() - r.x[1])
            assert d.min() < 0.02, (m, t, r.x, mins)


def test_random_models_events_independent_of_grid():
    """Root-found events agree between a 0.1 K and a 0.5 K grid (features wider than the coarse step)."""
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(40):
        m = LandauModel(a1=rng.uniform(0.1, 1), B=rng.uniform(-20, 20), C=rng.uniform(5, 50), T_SC=200.0,
                        a0=rng.choice([0.0, rng.uniform(-0.2, 0.2)]), Tc=rng.uniform(100, 300),
                        b=rng.uniform(1, 20), D=rng.uniform(-10, 10), E=rng.uniform(-20, 20))
        fine = m.transitions(np.linspace(100, 300, 2001))
        ts = np.sort([e.T for e in fine.events])
        if ts.size and np.min(np.diff(np.concatenate([[0], ts]))) < 1.5:
            continue  # two events closer than three coarse steps: not resolvable on the coarse grid
        coarse = m.transitions(np.linspace(100, 300, 401))
        assert [(e.direction, e.kind) for e in fine.events] == [(e.direction, e.kind) for e in coarse.events]
        for a, b in zip(fine.events, coarse.events):
            assert a.T == pytest.approx(b.T, abs=1e-4)
            assert (a.from_phase, a.to_phase) == (b.from_phase, b.to_phase)
        checked += bool(ts.size)
    assert checked >= 10


@pytest.mark.parametrize("n", [1501, 1500])  # the first grid contains T_SC exactly, the second does not
def test_gradual_B_coupled_first_order_at_T_SC(n):
    """B = 8 > 0 but B − 2D²/b < 0: the η = 0 state turns unstable at q = 0 (T_SC) and the system jumps."""
    m = P.replace(B=8.0)
    tr = m.transitions(np.linspace(150, 300, n))
    assert [(e.direction, e.kind) for e in tr.events] == [("heating", "first-order"), ("cooling", "first-order")]
    assert tr.T_up == pytest.approx(235.0, abs=1e-4)
    f = np.polynomial.Polynomial([0.0, m.B - 2 * m.D**2 / m.b, -3 * m.D * m.E / m.b, m.C - m.E**2 / m.b])
    qf = max(x.real for x in f.deriv().roots() if abs(x.imag) < 1e-12 and 0 < x.real < 1)
    assert tr.T_down == pytest.approx(m.T_SC + f(qf) / m.a1, abs=0.01)
    eq = m.equilibria(235.0)  # exactly at T_SC: q = 0 is an inflection of g, not a state
    assert eq[eq.kind == "minimum"].phase.tolist() == ["HSls", "HSls"]


def test_branches_follow_brute_force_minima_of_eq3():
    # Oracle: G(q, η) of Eq. 3 written out here and minimised on a dense (q, η) grid, no reduction used.
    m = LandauModel.paper()
    q = np.linspace(-1, 1, 4001)[:, None]
    eta = np.linspace(0, 2.5, 1251)[None, :]

    def G(T):
        return (m.a1 * (m.T_SC - T) * q + m.B / 2 * q**2 + m.C / 4 * q**4 + m.a0 / 2 * (T - m.Tc) * eta**2
                + m.b / 4 * eta**4 + m.D * q * eta**2 + m.E / 2 * q**2 * eta**2)

    def argmin(T, side=None):
        g = G(T)
        if side is not None:
            g = np.where(np.sign(q) == side, g, np.inf)
        i, j = np.unravel_index(np.argmin(g), g.shape)
        return q[i, 0], eta[0, j]

    T = np.linspace(150, 320, 341)
    heating, cooling = m.branches(T)
    assert heating.direction == "heating" and cooling.direction == "cooling"
    for Tk in (150.0, 190.0, 280.0, 320.0):  # outside the loop both sweeps sit in the global minimum
        k = int(np.searchsorted(T, Tk))
        q0, e0 = argmin(Tk)
        for br in (heating, cooling):
            assert br.q[k] == pytest.approx(q0, abs=1e-3) and math.sqrt(br.eta2[k]) == pytest.approx(e0, abs=3e-3)
    # inside the loop heating stays on the LS side and cooling on the HS side, each in that side's minimum
    k = int(np.searchsorted(T, 228.0))
    qh, eh = argmin(228.0, side=-1)
    qc, ec = argmin(228.0, side=+1)
    assert heating.q[k] == pytest.approx(qh, abs=1e-3) and math.sqrt(heating.eta2[k]) == pytest.approx(eh, abs=3e-3)
    assert cooling.q[k] == pytest.approx(qc, abs=1e-3) and math.sqrt(cooling.eta2[k]) == pytest.approx(ec, abs=3e-3)
    # one jump each way, at the temperatures the full sweep reports
    tr = m.sweep(T).transitions
    assert [e.T for e in heating.first_order()] == [pytest.approx(tr.T_up)]
    assert [e.T for e in cooling.first_order()] == [pytest.approx(tr.T_down)]


def _captured_figure(monkeypatch, draw):
    """The matplotlib Figure a plotting function builds (instead of writing it)."""
    from symstrain.plots import landau as plots

    seen = {}
    monkeypatch.setattr(plots, "save_figure", lambda fig, path: seen.setdefault("fig", fig) and str(path))
    draw(plots)
    return seen["fig"]


@pytest.mark.parametrize("D, E", [(-6.5, -12.2), (-9.0, -4.0)])
def test_fig1_follows_the_model_parameters(monkeypatch, D, E):
    """Panel (a) draws η at fixed q = +1: η² = −(2D + E)/b by hand (a0 = 0); panel (b) the model's own T_SC."""
    m = LandauModel.paper().replace(D=D, E=E)
    fig = _captured_figure(monkeypatch, lambda plots: plots.fig1(m, "x.png"))
    ax_a, ax_b, _ = fig.axes[:3]
    hs = [ln for ln in ax_a.lines if ln.get_label() == "q = +1 (HS)"][0]
    assert np.allclose(hs.get_ydata(), math.sqrt(-(2 * D + E) / m.b))
    assert "T_SC = 235 K" in ax_b.get_title()
    for ax in fig.axes[:3]:
        assert "(" in ax.get_xlabel() and "(" in ax.get_ylabel()  # units on every axis


def test_gibbs_maps_colour_scale_does_not_saturate():
    """The colour range spans the whole map (no pixel clipped), and the wells keep contours: the levels below the
    highest saddle are many, not the one or two a linear scale over the quartic walls would leave."""
    from symstrain.plots.landau import gibbs_colour_scale

    m = LandauModel.paper()
    q, eta = np.meshgrid(np.linspace(-1, 1, 161), np.linspace(-2.2, 2.2, 161))
    T = 226.5  # inside the hysteresis: two minima and saddles between them
    g = m.G(q, eta, T)
    eq = m.equilibria(T)
    dG, norm, levels = gibbs_colour_scale(g, eq["G"].to_numpy())
    assert dG.min() == 0.0 and norm.vmin == 0.0 and norm.vmax == pytest.approx(dG.max())
    assert np.mean((dG < norm.vmin) | (dG > norm.vmax)) == 0.0
    barrier = eq.loc[eq.kind == "saddle", "G"].max() - g.min()
    assert np.sum(levels <= barrier) >= 8 and np.all(np.diff(levels) > 0)


def test_gibbs_maps_colour_bars_are_labelled_with_the_quantity_and_unit(monkeypatch):
    """Issue 13 item 8: each G(q, η) map's colour bar says what it shows and in which unit (G − G_min in the
    energy unit of a1·K, the model's) and starts at the lowest minimum: G − G_min ≥ 0 by definition."""
    m = LandauModel.paper()
    s = m.sweep(np.arange(150.0, 300.5, 1.0))
    fig = _captured_figure(monkeypatch, lambda plots: plots.fig5(m, s, [150.0, 226.5, 300.0], "x.png", nq=41, neta=41))
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 3
    for cb in bars:
        label = cb.get_ylabel()
        assert label.startswith("G − G_min") and "a1·K" in label
        assert cb.get_ylim()[0] == 0.0
