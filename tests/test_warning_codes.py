"""Structured warnings end to end: every command's --json on the bundled models carries only coded warnings whose
codes some module lists in its ``WARNING_CODES``, nothing in ``data`` shadows the envelope, and no document holds a
key its schema does not name (where the schema names an object's keys); plus the codes the producers write are
the ones their tables list, and consumers keep them."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import symstrain
from symstrain.cli import CommandResult, envelope, main
from symstrain.contract import UNCODED, _registry, validate
from symstrain.errors import WarningRecord, WarningText

ROOT = Path(__file__).resolve().parents[1]
LS = ROOT / "cifs" / "model_LS_Pccn_90K.cif"
HS = ROOT / "cifs" / "model_HS_P21c_300K.cif"
SERIES = sorted((ROOT / "cifs" / "series").glob("*.cif"))
#: modules owned by other branches that write coded warnings but keep no table of them yet (their codes here)
UNLISTED: dict[str, set] = {}


def code_tables() -> dict[str, dict]:
    """module name → its ``WARNING_CODES`` for every module of the package that has one."""
    out = {}
    for m in pkgutil.walk_packages(symstrain.__path__, "symstrain."):
        if m.name.startswith("symstrain.plots") or m.name.endswith("__main__"):
            continue
        mod = importlib.import_module(m.name)
        if isinstance(getattr(mod, "WARNING_CODES", None), dict):
            out[m.name] = mod.WARNING_CODES
    return out


def known_codes() -> set[str]:
    return set().union(*code_tables().values(), *UNLISTED.values())


# ------------------------------------------------------------------------------------------------ stray keys


def _target(ref: str, root: dict, by_id: dict) -> tuple[dict, dict]:
    base, _, pointer = ref.partition("#")
    doc = by_id[base] if base else root
    node = doc
    for part in [p for p in pointer.split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, doc


def _in_place(schema, root, by_id):
    """The schema and every schema applied in place with it ($ref, allOf, anyOf, oneOf, if/then/else)."""
    if not isinstance(schema, dict):
        return []
    out = [(schema, root)]
    if "$ref" in schema:
        out += _in_place(*_target(schema["$ref"], root, by_id), by_id)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            out += _in_place(sub, root, by_id)
    for key in ("if", "then", "else"):
        out += _in_place(schema.get(key), root, by_id)
    return out


def stray_keys(doc, schemas: list, by_id: dict, path: str = "") -> list[str]:
    """Keys of ``doc`` that no ``properties`` of its schemas (``(schema, root)`` pairs, all applying to ``doc``) name,
    at every object whose schemas name its keys and do not declare it open (``additionalProperties`` true or a
    schema, ``patternProperties``). Branches (anyOf, oneOf, if/then/else) are taken together: a key named in any
    branch is named."""
    subs = [x for s, r in schemas for x in _in_place(s, r, by_id)]
    found = []
    if isinstance(doc, dict):
        named = set().union(*(set(s.get("properties", {})) for s, _ in subs))
        open_ = any(s.get("additionalProperties", False) is not False or "patternProperties" in s
                    for s, _ in subs if "properties" in s or "additionalProperties" in s)
        for k, v in doc.items():
            if named and not open_ and k not in named:
                found.append(f"{path}/{k}")
            children = [(s["properties"][k], r) for s, r in subs if k in s.get("properties", {})]
            children += [(s["additionalProperties"], r) for s, r in subs
                         if isinstance(s.get("additionalProperties"), dict) and k not in s.get("properties", {})]
            found += stray_keys(v, children, by_id, f"{path}/{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            children = []
            for s, r in subs:
                items = s.get("prefixItems", [])
                c = items[i] if i < len(items) else s.get("items")
                if isinstance(c, dict):
                    children.append((c, r))
            found += stray_keys(v, children, by_id, f"{path}/{i}")
    return sorted(set(found))


def check_document(command: str, doc: dict) -> None:
    validate(command, doc)
    schemas, _ = _registry()
    by_id = {s["$id"]: s for s in schemas.values()}
    sch = schemas[command.replace("-", "_")]
    assert stray_keys(doc, [(sch, sch)], by_id) == [], command
    known = known_codes()
    for w in doc["warnings"]:
        assert set(w) == {"code", "source", "message"}
        assert w["code"] not in ("note", UNCODED), (command, w)
        assert w["code"] in known, (command, w)


@pytest.fixture(scope="module")
def fit_inputs(tmp_path_factory):
    from symstrain.landau import LandauModel
    from symstrain.landau_data import synthetic_data

    d = tmp_path_factory.mktemp("fit")
    T = np.arange(195.0, 256.0, 4.0)
    q, e, _ = synthetic_data(LandauModel.paper(), T, T[::-1], seed=1)
    q.to_csv(d / "q.csv", index=False)
    e.to_csv(d / "eta.csv", index=False)
    return d


def commands(tmp: Path, fit_dir: Path) -> dict[str, list]:
    """Every command on the bundled models (the scan/pairs pair on the bundled CIF folder)."""
    cat = tmp / "cat.duckdb"
    return {
        "info": ["info", LS, HS],
        "relate": ["relate", LS, HS],
        "strain": ["strain", LS, HS],
        "table": ["table", *SERIES, "--out", tmp / "t", "--no-plots"],
        "transitions": ["transitions", *SERIES, "--out", tmp / "tr", "--no-plots"],
        "reflections": ["reflections", LS, HS, "--dmin", "2", "--out", tmp / "r"],
        "domains": ["domains", LS, HS, "--top", "2"],
        "order": ["order", LS, HS, "--out", tmp / "o"],
        "modes": ["modes", LS, HS, "--out", tmp / "m"],
        "pseudo": ["pseudo", HS, "--depth", "1"],
        "landau": ["landau", "--n", "201", "--tmin", "180", "--tmax", "280", "--out", tmp / "l"],
        "fit": ["fit", "--q", fit_dir / "q.csv", "--eta", fit_dir / "eta.csv", "--out", tmp / "f"],
        "model_series": ["model-series", "--tmin", "200", "--tmax", "260", "--step", "30", "--out", tmp / "s"],
        "scan": ["scan", ROOT / "cifs", "--catalogue", cat, "--no-progress"],
        "pairs": ["pairs", "--catalogue", cat, "--no-progress"],
        "demo": ["demo", "--quick", "--out", tmp / "d"],
    }


def test_every_command_is_listed_here():
    from symstrain.cli import COMMANDS

    assert set(COMMANDS) == set(commands(Path("x"), Path("y")))


def test_every_command_writes_coded_warnings_and_only_schema_keys(capsys, tmp_path, fit_inputs):
    seen = set()
    for name, argv in commands(tmp_path, fit_inputs).items():
        code = main([*map(str, argv), "--json"])
        out = capsys.readouterr().out
        assert code == 0, (name, out[-500:])
        doc = json.loads(out)
        check_document(name, doc)
        seen |= {w["code"] for w in doc["warnings"]}
    # the models are generated: the reader of the series says so, and so does every model file's pairing of no s.u.
    assert "no_su" in seen


def test_a_command_putting_warnings_in_data_is_a_bug():
    with pytest.raises(RuntimeError, match="envelope key"):
        envelope("x", CommandResult({"warnings": ["a plain line"]}, ""))
    doc = envelope("x", CommandResult({}, "", warnings=[WarningText("no_su", "f.cif", "m"),
                                                        WarningRecord("no_su", "f.cif", "m")]))
    assert doc["warnings"] == [{"code": "no_su", "source": "f.cif", "message": "m"}]


def test_stray_key_checker_finds_an_unnamed_key():
    schemas, _ = _registry()
    by_id = {s["$id"]: s for s in schemas.values()}
    sch = schemas["relate"]
    doc = {"command": "relate", "version": "0", "status": "ok", "warnings": [], "files": [], "holds": True,
           "parent": {"file": None, "block": None, "T": {"value": None, "su": None, "unit": "K"},
                      "spacegroup": None},
           "surprise": 1}
    found = stray_keys(doc, [(sch, sch)], by_id)
    assert "/surprise" in found and "/parent/T/unit" in found and "/holds" not in found


# ------------------------------------------------------------------------------------------------ producers


def _literal_codes(path: Path) -> set[str]:
    """The codes written as literals in WarningRecord(...) / WarningText(...) calls of one module."""
    codes = set()
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None))
                in ("WarningRecord", "WarningText") and n.args and isinstance(n.args[0], ast.Constant)):
            codes.add(n.args[0].value)
    return codes


def test_each_module_lists_the_codes_it_writes():
    tables = code_tables()
    pkg = Path(symstrain.__file__).parent
    for f in sorted(pkg.rglob("*.py")):
        name = "symstrain." + ".".join(f.relative_to(pkg).with_suffix("").parts)
        codes = _literal_codes(f)
        if not codes or name.startswith("symstrain.cif"):  # the reader's modules share cif_values.WARNING_CODES
            continue
        listed = set(tables.get(name, {})) | UNLISTED.get(name, set())
        assert codes <= listed, (name, sorted(codes - listed))
    assert (_literal_codes(pkg / "cif.py") | _literal_codes(pkg / "cif_atoms.py")
            | _literal_codes(pkg / "cif_spacegroup.py")) <= set(tables["symstrain.cif_values"])
    for name, table in tables.items():
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in table), name


def test_cell_table_warnings_keep_their_codes(tmp_path):
    from symstrain.contract import warning_records
    from symstrain.series import read_cells_csv, read_series, strain_table

    csv = tmp_path / "cells.csv"
    csv.write_text("T,a,b,c,beta,Rwp\n100,10,11,12,90,3\n200,10.1,11.1,12.1,90,3\n")
    cells = read_cells_csv(csv)
    codes = [w.code for w in cells.attrs["warnings"]]
    assert sorted(codes) == ["angle_assumed", "angle_assumed", "ignored_columns"]
    df = strain_table(cells, None)
    recs = warning_records(df.attrs["warnings"])
    # β = 90° in both rows: ε13 = ½·cos β is 0 in every row, so η from it is undefined
    assert {r.code for r in recs} == {"angle_assumed", "ignored_columns", "no_su", "no_reference", "eta_undefined"}
    assert all(r.code != UNCODED for r in recs)
    # a CIF's warnings keep the reader's code, with the file named in front
    table, phases = read_series([LS, HS], detect=False)
    assert all(isinstance(w, WarningText) for w in table.attrs["warnings"])
    for ph in phases:
        for w in ph.warnings:
            assert any(t.code == w.code and t.endswith(w) and t.startswith(ph.name) for t in table.attrs["warnings"])


def test_model_and_interop_phases_carry_codes():
    from symstrain.models import WARNING_CODES, model_phase

    ph = model_phase(0.0, 0.0)
    assert [w.code for w in ph.warnings][:1] == ["model_structure"]
    assert {w.code for w in ph.warnings} <= set(WARNING_CODES)


def test_strain_repeats_a_relation_warning_as_the_same_record():
    """The strain copies the relation's warnings as the same records, so that a command lists each once."""
    from dataclasses import replace

    from symstrain.cif import read_cif
    from symstrain.contract import warning_records
    from symstrain.relation import relate
    from symstrain.spontaneous_strain import strain

    rel = relate(read_cif(LS), read_cif(HS))
    rel = replace(rel, warnings=(WarningText("origin_chosen", "x", "a relation note"),))
    st = strain(rel)
    merged = warning_records(rel.all_warnings() + st.warning_records())
    assert [w.message for w in merged].count("a relation note") == 1


def test_lawsonite_series_warnings_are_coded(capsys, tmp_path, shared_cifs):
    """Real files bring the reader's warnings (shifted origins, settings), a line through two paraphase rows and a
    k-type pair: every one coded and listed, and the table's documents keep to their schemas."""
    law = sorted((shared_cifs / "lawsonite").glob("*.cif"))
    seen = set()
    for name, argv in (("table", ["table", *law, "--out", tmp_path / "t", "--no-plots"]),
                       ("transitions", ["transitions", *law, "--out", tmp_path / "tr", "--no-plots"]),
                       ("strain", ["strain", shared_cifs / "lawsonite" / "9002551.cif",
                                   shared_cifs / "lawsonite" / "9002549.cif"])):
        code = main([*map(str, argv), "--json"])
        doc = json.loads(capsys.readouterr().out)
        assert code == 0
        check_document(name, doc)
        seen |= {w["code"] for w in doc["warnings"]}
    assert {"origin_shifted_operators", "baseline_exact"} <= seen
