"""Sweep 16's faults in `fit`, `pseudo` and the commands of the Landau model.

* A temperature measured twice on a branch, once switched and once not, made the jump bracket [T, T] of width 0: T↑'s
  s.u. 0, its residual weighted 1e6, and T_SC pinned to that temperature to 1e-6 K.
* Parameters the data do not move at all (every q = −1) came out with s.u. 0.0 (exact) instead of none.
* `--free ,` and `pseudo --max-distance nan` ended in a traceback (exit 70)."""

import json

import numpy as np
import pandas as pd
import pytest

from symstrain.cli import main
from symstrain.errors import SymstrainInputError
from symstrain.landau import LandauModel
from symstrain.landau_data import observed_jump
from symstrain.landau_fit import fit_landau

P = LandauModel.paper()


def _exact_q():
    """q on both branches of the paper's model, 180–260 K every 2 K (noise-free): T↑ = 235 K."""
    T = np.arange(180.0, 261.0, 2.0)
    sw = P.sweep(T, refine=False)
    return pd.concat([sw.heating.assign(branch="heating")[["T", "q", "branch"]],
                      sw.cooling.assign(branch="cooling")[["T", "q", "branch"]]], ignore_index=True)


def test_a_temperature_measured_twice_across_the_jump_is_no_exact_bracket():
    q = _exact_q()
    heat = q[q.branch == "heating"]
    assert observed_jump(q, "q", "heating") == (234.0, 236.0)  # (the paper's T↑ = 235 K)
    twice = pd.concat([q, pd.DataFrame({"T": [234.0], "q": [0.95], "branch": ["heating"]})], ignore_index=True)
    assert float(heat.loc[heat["T"] == 234.0, "q"].iloc[0]) < 0  # (234 K on the heating branch: not yet switched)
    assert observed_jump(twice, "q", "heating") == (232.0, 236.0)  # between the neighbours of 234 K
    fit = fit_landau(twice, None, model=P.replace(T_SC=232.0, a1=0.5, D=-6.0))
    assert fit.observed["T_up_obs_su"] == pytest.approx(4 / np.sqrt(12))  # (it was 0)
    assert fit.su["T_SC"] > 0.1 and abs(fit.values["T_SC"] - 235.0) < 3 * fit.su["T_SC"] + 1.0


def test_parameters_the_data_do_not_move_have_no_su():
    """A sample that stays low-spin, 180–199 K: q = −1 at every row is the model's bound, where no parameter moves
    it — the Jacobian is 0, and the pseudo-inverse's variances of exactly 0 read as exact."""
    T = np.arange(180.0, 200.0, 1.0)
    flat = pd.DataFrame({"T": np.concatenate([T, T]), "q": -1.0, "branch": ["heating"] * len(T) + ["cooling"] * len(T)})
    fit = fit_landau(flat, None)
    assert all(np.isnan(fit.su[k]) for k in ("T_SC", "a1", "D"))
    assert "not_identifiable" in {w.code for w in fit.warnings}


@pytest.mark.parametrize("free", [",", ""])
def test_no_free_parameter_is_an_input_error(tmp_path, free):
    path = tmp_path / "q.csv"
    _exact_q().to_csv(path, index=False)
    with pytest.raises(SymstrainInputError, match="no parameter to fit"):
        fit_landau(_exact_q(), None, free=tuple(s for s in free.split(",") if s))
    assert main(["fit", "--q", str(path), "--free", free, "--out", str(tmp_path / "o")]) == 2


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_pseudo_refuses_a_distance_that_is_no_positive_number(tmp_path, capsys, value):
    cif = tmp_path / "c.cif"
    cif.write_text("data_c\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4.1\n_cell_angle_alpha 90\n"
                   "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 4/m m m'\n"
                   "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                   "_atom_site_fract_z\nCs1 Cs 0 0 0\nCl1 Cl 0.5 0.5 0.5\n")
    assert main(["pseudo", str(cif), "--max-distance", value]) == 2
    assert "--max-distance" in capsys.readouterr().err


def test_transitions_of_cells_with_no_known_group_is_no_answer(tmp_path, capsys):
    """A cell table without a spacegroup column: `transitions` said "0 symmetry change(s)" (β goes 92° → 90°);
    without a group no change can be found or excluded — an input error, as `table` says."""
    path = tmp_path / "cells.csv"
    T = np.arange(150.0, 300.0, 10.0)
    beta = np.where(T < 250, 90 + 2 * np.sqrt(np.clip((250 - T) / 100, 0, None)), 90.0)
    pd.DataFrame({"T": T, "a": 10.0, "b": 12.0, "c": 8.0, "alpha": 90.0, "beta": beta, "gamma": 90.0}).to_csv(
        path, index=False)
    assert main(["transitions", "--cells", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "no space group is known" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_model_series_with_a_fine_step_names_each_file_apart(tmp_path, capsys):
    """A 0.05 K step across the 214.57 K spinodal: 214.55 and 214.60 were both written 0214.6K, and the run refused
    its own second file (exit 2, files left behind)."""
    out = tmp_path / "m"
    assert main(["model-series", "--tmin", "214.5", "--tmax", "214.7", "--step", "0.05", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.glob("model_heating_*.cif"))
    assert names == [f"model_heating_{t}K.cif" for t in ("0214.50", "0214.55", "0214.60", "0214.65", "0214.70")]
    series = pd.read_csv(out / "series.csv", comment="#")
    assert len(series) == 10 and series["file"].nunique() == 10


@pytest.mark.parametrize("value", ["-1e6", "-1e200"])
def test_landau_refuses_a_parameter_beyond_what_its_solver_resolves(tmp_path, capsys, value):
    """D = −1e6 listed states that are no minima (∂G/∂q ≠ 0 at q = −1) and invented transitions; D = −1e200 crashed
    drawing the figure (exit 70)."""
    assert main(["landau", "--param", f"D={value}", "--out", str(tmp_path / "l")]) == 2
    assert "beyond ±10000" in capsys.readouterr().err
    with pytest.raises(SymstrainInputError):
        LandauModel.paper().replace(D=float(value))
    assert LandauModel.paper().replace(D=-1e4).D == -1e4


SHARED = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "cifs"


@pytest.mark.skipif(not (SHARED / "lawsonite" / "9002545.cif").exists(), reason="../shared/cifs is absent")
def test_pseudo_lattice_tolerance_zero_keeps_the_exact_symmetry_and_a_huge_one_is_refused(capsys):
    """Lawsonite P2₁cn (2 K) has five supergroup candidates on its own cell at the default 0.08 (Pnma, Ama2, Pbcn,
    Cmcm, Pccn; pairs.tsv's Pmcn = Pnma and Cmcm among them). A tolerance of 0 kept only the one spglib finds (an
    exact symmetry's strain is ~1e-17, not 0); 0.5 lost four without a word (now refused: above 0.3)."""
    path = str(SHARED / "lawsonite" / "9002545.cif")
    found = {}
    for tol in ("0", "0.08"):
        assert main(["pseudo", path, "--lattice-tol", tol, "--json"]) == 0
        found[tol] = {c["spacegroup"]["number"] for c in json.loads(capsys.readouterr().out)["candidates"]}
    assert found["0"] == found["0.08"] and {62, 63} <= found["0"]
    assert main(["pseudo", path, "--lattice-tol", "0.5"]) == 2
    assert "from 0 to 0.3" in capsys.readouterr().err
