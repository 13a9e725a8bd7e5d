"""Every CSV a command writes starts with its one ``# units: …`` line, then the header (README, JSON contract:
"the units in a `# units:` header line"); ``pandas.read_csv(path, skiprows=1)`` reads it back. Sweep 16 found the
Landau, fit and model-series CSVs (and reflections', transitions', info's, expansion's) without it."""

from pathlib import Path

import numpy as np
import pandas as pd

from symstrain.cli import main
from symstrain.landau import LandauModel

REPO = Path(__file__).resolve().parents[1]
LS, HS = REPO / "cifs" / "model_LS_Pccn_90K.cif", REPO / "cifs" / "model_HS_P21c_300K.cif"
HKLF = "".join(f"{h:4d}{k:4d}{l:4d}{i:8.2f}{s:8.2f}\n" for h, k, l, i, s in
               [(0, 1, 1, 15.0, 1.0), (0, 2, 2, 300.0, 5.0), (1, 0, 0, 20.0, 2.0), (1, 1, 0, 400.0, 6.0),
                (0, 1, 2, 80.0, 3.0), (2, 0, 0, 500.0, 7.0)]) + "   0   0   0    0.00    0.00\n"


def _runs(tmp_path, capsys):
    """(command arguments, folder or file they write) of every command that writes CSV."""
    sweep = LandauModel.paper().sweep([200.0 + 5 * k for k in range(15)]).to_frame()
    q = tmp_path / "q.csv"
    sweep[["T", "q", "branch"]].to_csv(q, index=False)
    for name in ("a.hkl", "b.hkl"):
        (tmp_path / name).write_text(HKLF)
    ms = tmp_path / "ms"
    assert main(["model-series", "--tmin", "200", "--tmax", "270", "--step", "10", "--out", str(ms)]) == 0
    cifs = sorted(map(str, ms.glob("model_heating_*.cif")))
    return [
        (["demo"], "demo"), (["landau", "--n", "200", "--phase-diagram", "D=-8:-5:3"], "landau"),
        (["fit", "--q", str(q)], "fit"), (["table", *cifs, "--no-plots"], "table"),
        (["transitions", *cifs, "--no-plots"], "transitions"),
        (["reflections", str(LS), str(HS), "--hkl", str(tmp_path / "a.hkl"), str(tmp_path / "b.hkl"),
          "--temperatures", "100", "200", "--dmin", "2"], "reflections"),
        (["modes", str(LS), str(HS)], "modes"), (["order", str(LS), str(HS)], "order"),
    ], ms


def test_every_csv_starts_with_its_units_line(tmp_path, capsys):
    runs, ms = _runs(tmp_path, capsys)
    folders = [ms]
    for args, name in runs:
        out = tmp_path / name
        assert main([*args, "--out", str(out)]) == 0, args
        folders.append(out)
    assert main(["info", str(LS), str(HS), "--csv", str(tmp_path / "info.csv")]) == 0
    capsys.readouterr()
    files = sorted(f for d in folders for f in d.glob("*.csv")) + [tmp_path / "info.csv"]
    names = {f.name for f in files}
    # the CSVs each command is known to write (a writer that is missed would not be checked)
    assert {"sweep.csv", "transitions.csv", "barriers.csv", "equilibria.csv", "phase_diagram.csv",
            "fit_parameters.csv", "fit_correlation.csv", "fit_curves.csv", "fit_residuals.csv", "series.csv",
            "table.csv", "expansion.csv", "reflections.csv", "sb_strongest.csv", "broken_conditions.csv",
            "measured_01-a.csv", "measured_01-a_statistics.csv", "eta_series.csv", "modes.csv",
            "modes_strain.csv", "order.csv", "landau_sweep.csv", "series_strain_table.csv",
            "series_order_parameters.csv", "strongest_SB_reflections.csv", "info.csv"} <= names
    for f in files:
        first, header = f.read_text(encoding="utf-8").splitlines()[:2]
        assert first.startswith("# units: ") and len(first) > len("# units: ") + 10, f
        frame = pd.read_csv(f, skiprows=1)
        names = ["" if str(c).startswith("Unnamed: ") else str(c) for c in frame.columns]  # an index's empty name
        assert ",".join(names) == header, f
    # the units named are the right ones where a reader needs them most
    text = {f.name: f.read_text(encoding="utf-8").splitlines()[0] for f in files}
    assert "T in K" in text["sweep.csv"] and "energy unit" in text["sweep.csv"]
    assert "residual = model − observed" in text["fit_residuals.csv"]
    assert "MK⁻¹" in text["expansion.csv"] and "electrons^2" in text["reflections.csv"]
    assert "eta_model = eta/eta_full" in text["series.csv"] and "Å³" in text["info.csv"]
    # the demo's strain table is written as 'symstrain table' writes table.csv: same units line, same columns
    demo_table = tmp_path / "demo" / "series_strain_table.csv"
    assert text["series_strain_table.csv"] == text["table.csv"]
    demo_rows = pd.read_csv(demo_table, skiprows=1)
    assert {"volume", "volume_strain", "eta"} <= set(demo_rows.columns)
    # its HS rows carry the model's spontaneous strain at every T (sweep 24: a baseline through the LS precursor rows
    # made vs fall from 0.040 to 0.025): the model's HS cell is 5 % larger, as an isotropic 1.05^(1/3) − 1 per axis
    hs = demo_rows[demo_rows["spacegroup"] != "P c c n"]
    assert len(hs) >= 10 and np.allclose(hs["volume_strain"], 0.05, atol=1e-6)
    assert np.allclose(hs["e11"], 1.05 ** (1 / 3) - 1, atol=1e-6)


def test_fit_residual_sign_is_model_minus_observed(tmp_path, capsys):
    """The units line says residual = model − observed: check it on the rows."""
    sweep = LandauModel.paper().sweep([200.0 + 5 * k for k in range(15)]).to_frame()
    q = tmp_path / "q.csv"
    sweep[["T", "q", "branch"]].assign(q=lambda f: f["q"] + 0.01).to_csv(q, index=False)
    assert main(["fit", "--q", str(q), "--out", str(tmp_path / "f")]) == 0
    capsys.readouterr()
    r = pd.read_csv(tmp_path / "f" / "fit_residuals.csv", skiprows=1)
    assert ((r["model"] - r["observed"] - r["residual"]).abs() < 1e-12).all()
