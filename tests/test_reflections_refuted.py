"""reflections with parent and child swapped answers no (exit 1, status "refuted") under its own schema, like
every other command that needs a relation."""

from __future__ import annotations

import json
from pathlib import Path

from symstrain.cli import main
from symstrain.contract import validate

ROOT = Path(__file__).resolve().parents[1]
LS = ROOT / "cifs" / "model_LS_Pccn_90K.cif"
HS = ROOT / "cifs" / "model_HS_P21c_300K.cif"


def test_reflections_refuted_follows_its_schema(capsys, tmp_path):
    code = main(["reflections", str(HS), str(LS), "--out", str(tmp_path / "x"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["status"] == "refuted" and doc["relation"]["holds"] is False
    validate("reflections", doc)
