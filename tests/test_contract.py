"""The JSON contract: the envelope, exit statuses, warnings once, and every command's --json against its schema."""

from __future__ import annotations

import json
from pathlib import Path


from symstrain.cli import main
from symstrain.contract import quantity, quantity_array, validate

ROOT = Path(__file__).resolve().parents[1]
LS = str(ROOT / "cifs" / "model_LS_Pccn_90K.cif")
HS = str(ROOT / "cifs" / "model_HS_P21c_300K.cif")


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = main([*map(str, argv), "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_quantity_never_reports_a_missing_su_as_zero():
    assert quantity(1.5) == {"value": 1.5, "su": None}
    assert quantity(1.5, 0.0) == {"value": 1.5, "su": 0.0}
    assert quantity(float("nan"), float("inf")) == {"value": None, "su": None}
    q = quantity_array([[1, 0], [0, 2]], [[0.1, float("nan")], [float("nan"), 0.2]])
    assert q["su"] == [[0.1, None], [None, 0.2]]
    assert quantity_array([1, 2], [float("nan")] * 2)["su"] is None


def test_relate_json_follows_the_schema(capsys):
    code, doc = run_json(capsys, "relate", LS, HS)
    assert code == 0
    validate("relate", doc)
    assert doc["command"] == "relate" and doc["status"] == "ok" and doc["holds"] is True
    assert doc["basis_change"]["basis"] == "(a, b, c)" and doc["index"] == 2
    assert doc["parent"]["T"] == {"value": 90.0, "su": None}
    assert doc["child"]["spacegroup"]["number"] == 14


def test_refuted_relation_is_an_answer_with_exit_1(capsys):
    code, doc = run_json(capsys, "relate", HS, LS)
    assert code == 1
    validate("relate", doc)
    assert doc["status"] == "refuted" and doc["holds"] is False
    assert doc["reverse"]["index"] == 2 and "does not divide" in doc["reason"]
    code = main(["relate", HS, LS])
    text = capsys.readouterr().out
    assert code == 1 and "the reverse holds" in text and "swap PARENT and CHILD" in text


def test_a_command_that_needs_a_relation_answers_no_with_exit_1(capsys, tmp_path):
    code, doc = run_json(capsys, "strain", HS, LS)
    assert code == 1 and doc["status"] == "refuted" and doc["relation"]["holds"] is False
    validate("relate", {**doc["relation"], **{k: doc[k] for k in ("command", "version", "status", "warnings", "files")}})


def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path):
    bad = tmp_path / "bad.cif"
    bad.write_text("data_x\n_cell_length_a 5\n")
    assert main(["relate", str(bad), HS, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("symstrain: error: ")


def test_to_jsonable_leaves_and_numpy_values():
    """Non-finite floats (Python or numpy) become null, numpy scalars and arrays plain values, tuples lists; bools stay
    bools (not 1/0), strings and None unchanged."""
    import numpy as np

    from symstrain.cli import to_jsonable

    doc = {"nan": float("nan"), "inf": np.float64("inf"), "x": np.float32(0.5), "n": np.int64(3), "b": np.bool_(True),
           "t": (1, 2.5, None), "a": np.array([[1.0, np.nan]]), "s": "Pccn", "ok": False, 7: 1.25}
    assert to_jsonable(doc) == {"nan": None, "inf": None, "x": 0.5, "n": 3, "b": True, "t": [1, 2.5, None],
                                "a": [[1.0, None]], "s": "Pccn", "ok": False, "7": 1.25}
    assert type(to_jsonable(np.bool_(False))) is bool and type(to_jsonable(np.int64(1))) is int
