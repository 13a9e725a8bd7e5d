"""Round trip: Landau model → model CIFs → read, relate, strain table, order → fit recovers the model.

Independent quantities: q is read back from the structures through the Fe–N distance (the model's documented
d = 1.97 + 0.21·(1 + q)/2 Å, as a crystallographer reads the spin state from bond lengths), η from |ε13| of the
strain table; the fitted T↑, T↓ are compared with the Landau model's root-found spinodals and the fitted
parameters with the paper's preset that generated the files.
"""

import numpy as np
import pandas as pd
import pytest

from symstrain.cif import read_cif
from symstrain.errors import SymstrainInputError
from symstrain.landau import LandauModel
from symstrain.landau_fit import fit_landau
from symstrain.series_models import eta_full, model_series, write_model_series
from symstrain.order import order_parameters, proportionality
from symstrain.reference import fit_cell_baseline
from symstrain.relation import relate
from symstrain.series import cells_from_phases, strain_table
from symstrain.expand import expand_to_cell


def fe_n_mean(phase) -> float:
    frac, z, _, _ = expand_to_cell(phase)
    A = phase.cell.matrix()
    d = frac[z == 7][None, :, :] - frac[z == 26][:, None, :]
    d -= np.round(d)
    dist = np.linalg.norm(d @ A.T, axis=2)
    return float(np.sort(dist, axis=1)[:, :6].mean())


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    d = tmp_path_factory.mktemp("series")
    write_model_series(d, np.arange(180.0, 281.0, 1.0))
    index = pd.read_csv(d / "series.csv", skiprows=1)
    phases = [read_cif(d / f) for f in index["file"]]
    return index, phases


def test_series_files_follow_the_sweep(series):
    index, phases = series
    tr = LandauModel.paper().transitions()
    for (_, row), ph in zip(index.iterrows(), phases):
        assert ph.temperature == row["T"]
        assert ph.spacegroup.number == (14 if row["eta"] > 0 else 56)
        # inside the hysteresis the two branches differ: LS Pccn on heating, HS P21/c on cooling
        if tr.T_down < row["T"] < tr.T_up:
            assert (row["branch"] == "heating") == (row["eta"] == 0)


def test_round_trip_recovers_eta_transitions_and_parameters(series):
    index, phases = series
    ls_ref = phases[0]
    rels = [relate(ls_ref, ph) for ph in phases]
    ls = np.array([ph.spacegroup.number == 56 for ph in phases])
    base = fit_cell_baseline(index["T"][ls], [ph.cell for ph, m in zip(phases, ls) if m])
    table = strain_table(cells_from_phases(phases, branches=list(index["branch"]), detect=False), base, relations=rels)
    table = table.merge(index[["T", "branch", "eta_model"]], on=["T", "branch"])
    hs = table["eta_model"] > 0
    ratio = table.loc[hs, "eps13"].abs() / table.loc[hs, "eta_model"]
    assert ratio.max() / ratio.min() - 1 < 0.01  # η(T) from strain ∝ the input η
    assert np.all(table.loc[~hs, "eps13"].abs() < 1e-12)

    q = [2 * (fe_n_mean(ph) - 1.97) / 0.21 - 1 for ph in phases]
    qd = index[["T", "branch"]].assign(q=q)
    ed = table[["T", "branch"]].assign(eta=table["eta_strain"])
    fit = fit_landau(qd, ed)
    true = LandauModel.paper()
    tr = true.transitions()
    assert abs(fit.T_up - tr.T_up) < 0.5 and abs(fit.T_down - tr.T_down) < 0.5
    for name in ("T_SC", "a1", "D"):
        assert abs(fit.values[name] - getattr(true, name)) < 3 * fit.su[name], name
    # the η scale: normalised data/η_model = 1/η_full (η_strain is 1 on the fully distorted HS branch)
    assert fit.values["eta_scale"] == pytest.approx(1 / eta_full(true), rel=0.01)


def test_three_measures_of_eta_are_proportional_on_the_series():
    # weaker q²η² coupling (E = -2, D = -8): the HS branch is not pinned at q = 1, so η grows with T
    model = LandauModel.paper().replace(D=-8.0, E=-2.0)
    items = model_series([236.0, 245.0, 260.0], model, branches=("heating",))
    etas = np.array([it["eta_model"] for it in items])
    assert np.all(np.diff(etas) > 0.03) and etas[0] > 0
    ls = model_series([180.0], branches=("heating",))[0]["phase"]
    df = order_parameters(ls, [it["phase"] for it in items], dmin=1.5)
    ratio = df["eta_modes"] / etas
    assert ratio.max() / ratio.min() - 1 < 0.01
    check = proportionality(df, "eta_modes", "eta_strain")
    assert check["max_rel_dev"] < 0.01 and check["r"] > 0.99


def test_bad_requests():
    with pytest.raises(SymstrainInputError):
        model_series([-5.0])
    with pytest.raises(SymstrainInputError):
        model_series([200.0], branches=("sideways",))
    with pytest.raises(SymstrainInputError):
        eta_full(LandauModel.paper().replace(D=10.0, E=0.0))


def test_refuses_to_overwrite(tmp_path):
    write_model_series(tmp_path, [200.0], branches=("heating",))
    with pytest.raises(SymstrainInputError, match="refusing to overwrite"):
        write_model_series(tmp_path, [200.0], branches=("heating",))


def test_shipped_series_is_what_the_generator_writes(tmp_path):
    """cifs/series was written by `symstrain model-series --tmin 180 --tmax 280 --step 5 --out cifs/series`."""
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[1] / "cifs" / "series"
    index = pd.read_csv(shipped / "series.csv", skiprows=1)
    assert len(index) == 42 and set(index["branch"]) == {"heating", "cooling"}
    write_model_series(tmp_path, np.arange(180.0, 281.0, 5.0))
    fresh = pd.read_csv(tmp_path / "series.csv", skiprows=1)
    assert list(fresh["file"]) == list(index["file"])
    assert np.allclose(fresh[["T", "q", "eta", "eta_model"]], index[["T", "q", "eta", "eta_model"]], atol=1e-9)
    for name in index["file"]:
        a, b = read_cif(shipped / name), read_cif(tmp_path / name)
        assert a.spacegroup.number == b.spacegroup.number and a.temperature == b.temperature
        assert np.allclose(a.cell.params, b.cell.params, atol=1e-5)
        assert np.allclose([x.xyz for x in a.atoms], [x.xyz for x in b.atoms], atol=1e-5)
