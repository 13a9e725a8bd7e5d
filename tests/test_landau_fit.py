"""Landau fit: recovery of known parameters from noisy synthetic branches, honest identifiability, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from symstrain.cli import main
from symstrain.errors import SymstrainInputError
from symstrain.landau import LandauModel
from symstrain.landau_data import read_branch_csv, synthetic_data
from symstrain.landau_fit import fit_landau
from symstrain.magnetism import q_to_chimt

P = LandauModel.paper()
TH = np.arange(195.0, 256.0, 1.0)


@pytest.fixture(scope="module")
def data():
    return synthetic_data(P, TH, TH[::-1], sigma_q=0.01, sigma_eta=0.02, seed=3)


@pytest.fixture(scope="module")
def fit(data):
    q, e, _ = data
    return fit_landau(q, e, model=P.replace(T_SC=232.0, a1=0.5, D=-6.0))


def test_recovers_parameters_within_su(fit, data):
    true_s = data[2]
    truth = {"T_SC": P.T_SC, "a1": P.a1, "D": P.D, "eta_scale": true_s}
    assert fit.success
    for k, v in truth.items():
        assert abs(fit.values[k] - v) < 3 * fit.su[k], (k, fit.values[k], v, fit.su[k])
    # the s.u.'s are informative, not inflated
    assert fit.su["T_SC"] < 0.3 and fit.su["a1"] < 0.02 and fit.su["D"] < 0.2
    assert true_s == pytest.approx(1 / math.sqrt(-(2 * P.D + P.E) / P.b))
    # reduced χ² near 1 after each data set is weighted by its own scatter
    assert 0.6 < fit.redchi2 < 1.5
    assert fit.fixed == {"B": 0.0, "C": 35.0, "a0": 0.0, "Tc": 0.0, "b": 10.0, "E": -12.2}


def test_fitted_transitions(fit):
    # truth: T↑ = T_SC = 235, T↓ = 214.573 (hand-derived fold), T_eq = 226.486
    assert abs(fit.T_up - 235.0) < 3 * fit.T_up_su + 0.05
    assert abs(fit.T_down - 214.573) < 3 * fit.T_down_su + 0.05
    assert abs(fit.T_eq - 226.486) < 3 * fit.T_eq_su + 0.05
    # observed jumps read from the 1 K data: between 234/235 and 214/215
    assert fit.observed["T_up_obs"] == pytest.approx(234.5)
    assert fit.observed["T_down_obs"] == pytest.approx(214.5)
    assert fit.observed["T_up_obs_su"] == pytest.approx(1 / math.sqrt(12))
    c = fit.correlation
    assert c.shape == (4, 4) and np.allclose(np.diag(c), 1.0) and np.allclose(c, c.T)
    pf = fit.params_frame()
    assert set(pf.status) == {"fitted", "fixed", "derived"}


def test_D_and_E_together_reported_unidentifiable(data):
    q, e, _ = data
    f = fit_landau(q, e, free=("T_SC", "a1", "D", "E"))
    assert math.isnan(f.su["D"]) and math.isnan(f.su["E"]) and math.isnan(f.T_eq_su)
    assert any("not identifiable" in n and n.startswith("D") for n in f.notes)
    # what the data do fix is still fixed: T↓ and the η level s·√(−(2D+E)/b) = 1
    assert f.T_down == pytest.approx(214.57, abs=0.5)
    assert f.values["eta_scale"] * math.sqrt(-(2 * f.values["D"] + f.values["E"]) / 10) == pytest.approx(1, abs=0.01)


def test_q_only_with_sigma_column(data):
    q, _, _ = data
    q = q.assign(sigma=0.01)
    f = fit_landau(q, None, model=P.replace(T_SC=236.0))
    assert "eta_scale" not in f.values
    assert abs(f.values["T_SC"] - 235.0) < 3 * f.su["T_SC"]
    assert 0.5 < f.redchi2 < 1.6  # σ given: χ² is absolute


def test_bad_inputs(data, tmp_path):
    q, e, _ = data
    with pytest.raises(SymstrainInputError, match="branch"):
        fit_landau(q.drop(columns="branch"), None)
    with pytest.raises(SymstrainInputError, match="heating or cooling"):
        fit_landau(q.assign(branch="sideways"), None)
    with pytest.raises(SymstrainInputError, match="unknown"):
        fit_landau(q, e, free=("T_SC", "zeta"))
    with pytest.raises(SymstrainInputError, match="χMT"):
        fit_landau(q.assign(q=q["q"] * 3.5), None)
    with pytest.raises(SymstrainInputError):
        fit_landau(None, None)
    p = tmp_path / "x.csv"
    p.write_text("T,q,branch\n200,abc,heating\n201,0.1,heating\n")
    with pytest.raises(SymstrainInputError, match="x.csv"):
        read_branch_csv(p, "q")
    with pytest.raises(SymstrainInputError, match="not found"):
        read_branch_csv(tmp_path / "missing.csv", "q")


def test_cli_fit(data, tmp_path, monkeypatch, capsys):
    q, e, _ = data
    monkeypatch.chdir(tmp_path)
    q.assign(chiMT=q_to_chimt(q["q"])).drop(columns="q").to_csv("chimt.csv", index=False)
    e.to_csv("eta.csv", index=False)
    assert main(["fit", "--chimt", "chimt.csv", "--eta", "eta.csv", "--json", "--param", "T_SC=233"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fitted"]["T_SC"]["value"] == pytest.approx(235.0, abs=0.5)
    names = {f.split("/")[-1] for f in out["files"]}
    assert names == {"fit_parameters.csv", "fit_correlation.csv", "fit_curves.csv", "fit_residuals.csv", "fit.png"}
    assert all((tmp_path / "symstrain-fit" / n).exists() for n in names)
    pars = pd.read_csv(tmp_path / "symstrain-fit" / "fit_parameters.csv", comment="#")
    assert set(pars.parameter) >= {"T_SC", "a1", "D", "eta_scale", "C", "b", "E", "T_up", "T_down", "T_eq"}
    assert main(["fit", "--eta", "eta.csv", "--out", "symstrain-fit"]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["fit", "--q", "nope.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symstrain: error: nope.csv:") and err.count("\n") == 1
    assert main(["fit", "--eta", "eta.csv", "--free", "T_SC,zz"]) == 2


def test_eq3_term_B_recovered():
    """Optional Eq. 3 parameter: B free (B = 8, gradual on its own, first order through the coupling)."""
    m = P.replace(B=8.0)
    q, e, s = synthetic_data(m, np.arange(180.0, 271.0), np.arange(270.0, 179.0, -1), seed=2)
    f = fit_landau(q, e, model=P.replace(B=4.0, T_SC=236.0), free=("T_SC", "a1", "B", "D"))
    for k, v in {"T_SC": 235.0, "a1": 0.6, "B": 8.0, "D": -6.5, "eta_scale": s}.items():
        assert abs(f.values[k] - v) < 3 * f.su[k], (k, f.values[k], f.su[k])
    assert any("strongly correlated" in n for n in f.notes)  # B and D trade off through T↓: said so


def test_eta_column_and_bounds(data, tmp_path):
    _, e, _ = data
    p = tmp_path / "strain.csv"
    e.rename(columns={"eta": "order_parameter"}).to_csv(p, index=False)
    got = read_branch_csv(p, "eta", column="order_parameter")
    np.testing.assert_allclose(got["eta"], e["eta"])
    with pytest.raises(SymstrainInputError, match="no column"):
        read_branch_csv(p, "eta", column="nope")
    with pytest.raises(SymstrainInputError, match="not fitted"):
        fit_landau(None, e, bounds={"E": (0, 1)})
    with pytest.raises(SymstrainInputError, match="lower bound"):
        fit_landau(None, e, bounds={"D": (1, 0)})


@pytest.mark.parametrize("seed", [0, 3])
def test_jump_temperature_su_is_not_smaller_than_the_data_spacing(seed):
    """On a 5 K grid the cooling jump lies between two data points 5 K apart: the fitted T↓ cannot be known better than
    a position uniform in that bracket (σ = 5/√12 K). True T↓ = 214.573 K and T↑ = 235 K (as above)."""
    from symstrain.landau_fit import jump_su

    T5 = np.arange(180.0, 281.0, 5.0)
    q, e, _ = synthetic_data(P, T5, T5[::-1], seed=seed)
    f = fit_landau(q, e, model=P.replace(T_SC=232.0, a1=0.5, D=-6.0))
    assert f.observed["T_down_obs_su"] == pytest.approx(5 / math.sqrt(12))
    assert f.T_down_su >= 5 / math.sqrt(12) - 1e-12
    assert abs(f.T_down - 214.573) < 2 * f.T_down_su
    assert abs(f.T_up - 235.0) < 2 * f.T_up_su
    # the floor never invents an s.u. that the covariance could not give, and never lowers a larger one
    assert math.isnan(jump_su(float("nan"), 1.4)) and jump_su(3.0, 1.4) == 3.0 and jump_su(0.2, None) == 0.2


def test_parameter_on_its_bound_is_warned_and_has_no_su(data):
    """Data made with T_SC = 235 K, T_SC bounded to 240–400 K: the fit ends on the lower bound, which is no
    minimum, so the curvature there is no s.u. (sweep 16: 300.0 ± 242 and no warning on 300–400 K)."""
    q, e, _ = data
    f = fit_landau(q, e, bounds={"T_SC": (240.0, 400.0)})
    assert f.values["T_SC"] == pytest.approx(240.0, abs=1e-3)
    assert math.isnan(f.su["T_SC"])
    assert [w.source for w in f.warnings if w.code == "at_bound"] == ["T_SC"]
    # the bounds of an unconstrained fit are not reached: no such warning
    free = fit_landau(q, e, model=P.replace(T_SC=232.0, a1=0.5, D=-6.0))
    assert not [w for w in free.warnings if w.code == "at_bound"] and free.su["T_SC"] > 0


def test_fit_inputs_said_plainly(data, tmp_path, capsys):
    """Sweep 16: χMT beyond χT_HS blamed the user for not converting χMT; a row at 10⁹ K was fitted; negative η
    were folded to |η| without a word."""
    q, e, _ = data
    chi = tmp_path / "chi.csv"
    q.assign(chiMT=q_to_chimt(q["q"].to_numpy(), 3.5, 0.0)).drop(columns="q").to_csv(chi, index=False)
    assert main(["fit", "--chimt", str(chi), "--chit-hs", "1.0", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("symstrain: error: --chit-hs/--chit-ls: with χT_HS = 1 and χT_LS = 0") and "\n" not in err
    hot = tmp_path / "hot.csv"
    pd.concat([q, pd.DataFrame({"T": [1e9], "q": [1.0], "branch": ["heating"]})]).to_csv(hot, index=False)
    with pytest.raises(SymstrainInputError, match="above 10000 K"):
        read_branch_csv(hot, "q")
    f = fit_landau(q, e.assign(eta=-e["eta"]), model=P.replace(T_SC=232.0, a1=0.5, D=-6.0))
    n_neg = int((e["eta"] > 0).sum())
    (w,) = [w for w in f.warnings if w.code == "eta_sign_folded"]
    assert w.message.startswith(f"{n_neg} negative η value(s) taken as |η|")
    assert f.values["T_SC"] == pytest.approx(P.T_SC, abs=1.0)  # the fit of |η| is the fit of η
