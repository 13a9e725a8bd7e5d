"""The JSON contract of order, modes, pseudo, domains, landau, fit and model-series: every --json document follows its
schema (symstrain/schemas/<command>.json under the common envelope), and the conventions the schemas cannot say
alone hold everywhere: no x/x_su pairs and no units in key names, warnings only in the envelope, temperatures of
structures as quantities, space groups as objects, failed batch items listed with exit 3."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from symstrain.cli import main
from symstrain.contract import validate

ROOT = Path(__file__).resolve().parents[1]
LS = ROOT / "cifs" / "model_LS_Pccn_90K.cif"
HS = ROOT / "cifs" / "model_HS_P21c_300K.cif"
K_TYPE = ("9002551", "9002549")  # Cmcm → Pmcn (k2, lost C-centring)
POLAR = ("9002546", "9002545")  # Pmcn → P2₁cn (t2, polar along a)
UNIT_SUFFIX = re.compile(r"_(A|K|deg|degrees|MK|angstrom)$")


def run(capsys, *argv) -> tuple[int, dict | None]:
    """Exit status and the JSON document (None when nothing was answered: then one line on stderr)."""
    code = main([*map(str, argv), "--json"])
    captured = capsys.readouterr()
    if not captured.out:
        assert code == 2 and captured.err.count("\n") == 1 and captured.err.startswith("symstrain: error: ")
        return code, None
    assert captured.err == "", captured.err
    return code, json.loads(captured.out)


def walk(obj, path=()):
    """Every (path, key, value) of the nested dicts."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield path, k, v
            yield from walk(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, path + (i,))


def check(command: str, doc: dict, status: str = "ok") -> dict:
    validate(command, doc)
    assert doc["command"] == command and doc["status"] == status
    for path, key, value in walk(doc):
        where = "/".join(map(str, path + (key,)))
        assert not key.endswith("_su"), f"{where}: an s.u. belongs in a quantity object, not an x_su key"
        assert not UNIT_SUFFIX.search(key), f"{where}: units in a key name"
        assert key != "warnings" or path == (), f"{where}: warnings belong in the envelope"
        if key == "spacegroup":
            assert isinstance(value, dict) and 1 <= value["number"] <= 230, where
        if key == "T" and isinstance(value, dict):
            assert set(value) == {"value", "su"}, where
        if isinstance(value, float):
            assert np.isfinite(value), where
    for w in doc["warnings"]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", w["code"])
    assert len({(w["code"], w["source"], w["message"]) for w in doc["warnings"]}) == len(doc["warnings"])
    return doc


def law(shared, n):
    return shared / "lawsonite" / f"{n}.cif"


# ------------------------------------------------------------------------------------------------ order


def test_order_model_pair(capsys, tmp_path):
    code, doc = run(capsys, "order", LS, HS, "--out", tmp_path / "o")
    assert code == 0
    check("order", doc)
    (row,) = doc["results"]
    assert row["T"] == {"value": 300.0, "su": None} and row["spacegroup"]["number"] == 14
    # the model pair's distortion: one B2g mode of 7.411 Å per parent cell (test_modes derives it independently)
    assert row["eta_modes"]["value"] == pytest.approx(7.411, abs=5e-4) and row["irrep"] == "B2g"
    assert [ir["label"] for ir in row["irreps"]] == ["Γ:B2g"]
    # ε13 of P2₁/c against the parent cell: ½·c·cos β/c0 (c0 = c of the LS cell, β = 93.1° by construction)
    assert row["eps13"]["value"] < 0 and row["eps13"]["su"] is None
    csv = (tmp_path / "o" / "order.csv").read_text().splitlines()
    assert csv[0].startswith("# units:") and "eta_modes_su" in csv[1].split(",")
    assert ",," in csv[2]  # unknown s.u.'s are empty cells, never 0


def test_order_orthorhombic_child_has_eps13_exactly_zero(capsys, tmp_path, shared_cifs):
    code, doc = run(capsys, "order", law(shared_cifs, POLAR[0]), law(shared_cifs, POLAR[1]), "--out", tmp_path / "o")
    assert code == 0
    check("order", doc)
    (row,) = doc["results"]
    assert row["eps13"] == {"value": 0.0, "su": 0.0}  # mm2 forbids e13: zero by symmetry, never 3e-17
    # mmm → mm2 breaks no strain component: η² ∝ e_nsb, the norm of e11, e22, e33 against the parent cell (issue 13.5);
    # by hand from the two orthorhombic cells in the same axes: e_ii = a_i/a0_i − 1
    import gemmi

    cells = [gemmi.read_small_structure(str(law(shared_cifs, n))).cell for n in POLAR]
    e = [x / x0 - 1 for x, x0 in zip((cells[1].a, cells[1].b, cells[1].c), (cells[0].a, cells[0].b, cells[0].c))]
    assert row["coupling"] == "quadratic_nsb"
    assert row["eta_strain"]["value"] == pytest.approx(sum(x * x for x in e) ** 0.25, rel=1e-9)
    # the label of the standard setting (Pnma: the file's Pmcn with a and b exchanged), the shift along the file's a
    assert row["irreps"][0]["label"] == "Γ:B2u" and row["polar_shift"]["value"][0] != 0


def test_order_k_type_pair(capsys, tmp_path, shared_cifs):
    code, doc = run(capsys, "order", law(shared_cifs, K_TYPE[0]), law(shared_cifs, K_TYPE[1]), "--out", tmp_path / "o")
    assert code == 0
    (row,) = check("order", doc)["results"]
    assert row["irreps"][0]["k_label"] == "Y" and row["irreps"][0]["zone_boundary"]
    assert row["eps13"] == {"value": 0.0, "su": 0.0}
    assert row["coupling"] == "quadratic_nsb" and row["eta_strain"]["value"] > 0  # never a silent null


def test_order_batch_lists_the_failed_child_and_exits_3(capsys, tmp_path, shared_cifs):
    bad = tmp_path / "bad.cif"
    bad.write_text("data_x\n_cell_length_a 5\n")
    code, doc = run(capsys, "order", law(shared_cifs, POLAR[0]), law(shared_cifs, POLAR[1]), bad,
                    law(shared_cifs, K_TYPE[0]), "--out", tmp_path / "o")
    assert code == 3
    check("order", doc, status="partial")
    assert doc["n_files"] == 3 and len(doc["results"]) == 1
    assert {f["file"] for f in doc["failed"]} == {str(bad), str(law(shared_cifs, K_TYPE[0]))}
    assert any("swap PARENT and CHILD" in f["message"] for f in doc["failed"])  # Cmcm is not a subgroup of Pmcn


# ------------------------------------------------------------------------------------------------ modes


def test_modes_model_pair_and_lawsonite(capsys, tmp_path, shared_cifs):
    code, doc = run(capsys, "modes", LS, HS, "--out", tmp_path / "m")
    assert code == 0
    (res,) = check("modes", doc)["results"]
    assert res["child"]["T"]["value"] == 300.0 and res["amplitude"]["su"] is None
    assert {w["code"] for w in doc["warnings"]} >= {"no_su", "origin_chosen"}
    code, doc = run(capsys, "modes", law(shared_cifs, POLAR[0]), law(shared_cifs, POLAR[1]), "--out", tmp_path / "p")
    assert code == 0
    check("modes", doc)
    assert "polar_shift_removed" in {w["code"] for w in doc["warnings"]}
    code, doc = run(capsys, "modes", law(shared_cifs, K_TYPE[0]), law(shared_cifs, K_TYPE[1]), "--reference",
                    "symmetrized", "--out", tmp_path / "k")
    assert code == 0
    check("modes", doc)


def test_modes_batch_partial(capsys, tmp_path, shared_cifs):
    # against the parent structure the Cmcm → Pmcn pair has no pairing (the Cmcm file's Al at (0, 1/4, 0)), while the
    # Pmcn → P2₁cn child of another parent is not a subgroup: two failures, one result, exit 3
    code, doc = run(capsys, "modes", law(shared_cifs, K_TYPE[0]), law(shared_cifs, K_TYPE[1]), law(shared_cifs, "9002547"),
                    "--out", tmp_path / "m")
    assert code == 2  # every child failed: nothing answered
    code, doc = run(capsys, "modes", LS, HS, LS.parent / "does-not-exist.cif", "--out", tmp_path / "n")
    assert code == 3
    check("modes", doc, status="partial")
    assert doc["n_files"] == 2 and len(doc["results"]) == 1 and doc["failed"][0]["file"].endswith("does-not-exist.cif")


# ------------------------------------------------------------------------------------------------ pseudo, domains


def test_pseudo(capsys, shared_cifs):
    code, doc = run(capsys, "pseudo", HS, "--depth", "1")
    assert code == 0
    check("pseudo", doc)
    assert doc["candidates"][0]["spacegroup"]["number"] == 56 and doc["candidates"][0]["irrep"] == "B2g"
    for child in (K_TYPE[1], POLAR[1]):
        code, doc = run(capsys, "pseudo", law(shared_cifs, child), "--depth", "1", "--max-distance", "1.0")
        assert code == 0
        check("pseudo", doc)
        assert doc["candidates"], child


def test_domains(capsys, shared_cifs):
    code, doc = run(capsys, "domains", LS, HS, "--top", "2")
    assert code == 0
    check("domains", doc)
    for parent, child in (K_TYPE, POLAR):
        code, doc = run(capsys, "domains", law(shared_cifs, parent), law(shared_cifs, child))
        assert code == 0
        check("domains", doc)
        assert "warnings" not in {k for k in doc["splitting"]}


# ------------------------------------------------------------------------------------------------ Landau model


def test_landau(capsys, tmp_path):
    code, doc = run(capsys, "landau", "--n", "301", "--tmin", "180", "--tmax", "280", "--out", tmp_path / "l",
                    "--phase-diagram", "D=-8:-5:2")
    assert code == 0
    check("landau", doc)
    assert doc["transitions"]["T_up"] == pytest.approx(235.0, abs=0.01)
    assert sum(doc["phase_diagram"]["counts"].values()) == 2


def test_fit(capsys, tmp_path):
    from symstrain.landau import LandauModel
    from symstrain.landau_data import synthetic_data

    T = np.arange(195.0, 256.0, 2.0)
    q, e, _ = synthetic_data(LandauModel.paper(), T, T[::-1], seed=1)
    q.to_csv(tmp_path / "q.csv", index=False)
    e.to_csv(tmp_path / "eta.csv", index=False)
    code, doc = run(capsys, "fit", "--q", tmp_path / "q.csv", "--eta", tmp_path / "eta.csv", "--out", tmp_path / "f")
    assert code == 0
    check("fit", doc)
    assert doc["fitted"]["T_SC"]["value"] == pytest.approx(235.0, abs=1.0)
    # the jump read from 2 K steps: T↓'s s.u. is at least 2/√12 K
    assert doc["transitions"]["T_down"]["su"] >= 2 / np.sqrt(12) - 1e-9
    assert doc["observed"]["T_down"]["su"] == pytest.approx(2 / np.sqrt(12))


def test_model_series(capsys, tmp_path):
    code, doc = run(capsys, "model-series", "--tmin", "200", "--tmax", "260", "--step", "30", "--out", tmp_path / "s")
    assert code == 0
    check("model-series", doc)
    assert len(doc["structures"]) == 6 and doc["files"][-1].endswith("series.csv")
    assert {s["spacegroup"]["number"] for s in doc["structures"]} <= {14, 56}
    assert all(s["T"]["su"] is None for s in doc["structures"])


@pytest.mark.parametrize("command", ["order", "modes", "domains"])
def test_a_relation_that_does_not_hold_is_the_answer_no(capsys, tmp_path, command):
    """Parent and child swapped: the command answers no (exit 1) with the relation's reason, under its own schema."""
    argv = [command, HS, LS] + (["--out", tmp_path / "x"] if command != "domains" else [])
    code, doc = run(capsys, *argv)
    assert code == 1
    check(command, doc, status="refuted")
    assert doc["relation"]["holds"] is False and doc["relation"]["reverse"]["index"] == 2
