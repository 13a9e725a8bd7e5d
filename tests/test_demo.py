"""``symstrain demo`` runs end to end and its numbers agree with closed forms of the model.

The bundled HS model has β = 93.1° and every length scaled by s = 1.05^(1/3) against the LS cell (volume strain
exactly 0.05), so ε13 = ½·c·cosβ/c0 = ½·s·cot(93.1°) (the c axis is c0·s/sin β); T↑ of the paper's Eq. 4 equals
T_SC = 235 K (the LS state loses stability where a1(T_SC − T) changes sign, q there being 0).
"""

import json
import math

from symstrain.cli import main


def test_demo_quick_json(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["demo", "--quick", "--json", "--out", str(out)]) == 0
    d = json.loads(capsys.readouterr().out)
    rel = d["relation"]
    assert rel["index"] == 2 and rel["type"] == "t" and rel["aizu"] == "mmmF2/m" and rel["basis_change"]["basis"] == "(a, b, c)"
    s = 1.05 ** (1 / 3)
    assert math.isclose(d["strain"]["eps13"]["value"], 0.5 * s / math.tan(math.radians(93.1)), rel_tol=1e-6)
    assert math.isclose(d["strain"]["volume_strain"]["value"], 0.05, rel_tol=1e-6)
    assert d["reflections"]["counts"]["SB"] > 0
    assert {c["child_indexing"]["zone"] for c in d["relation"]["broken_conditions"]} >= {"0kl", "hk0"}
    assert d["distortion"]["irrep"] == "B2g"
    assert d["pseudo_supergroups"][0]["spacegroup"]["number"] == 56
    assert math.isclose(d["landau"]["T_up"], 235.0, abs_tol=1e-3)
    assert (out / "report.md").exists() and (out / "section_0kl.png").stat().st_size > 10_000
    for f in d["files"]:
        assert (tmp_path / "report" / f.split("/")[-1]).exists()


def test_demo_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["demo", "--quick", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "refusing to overwrite" in err[0]
