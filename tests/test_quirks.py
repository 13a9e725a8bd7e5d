"""Every row of ../shared/cifs/MANIFEST.tsv: the real quirk files read to the stated group and temperature,
with the stated warnings, or fail with the stated one-line error. Skips when the folder is absent.

Expectations are written out per file below (from the manifest's 'expect' column); a manifest row with
no expectation here fails, so the two cannot drift apart.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from symstrain.cif import list_blocks, read_cif
from symstrain.errors import SymstrainInputError
from symstrain.detect import detect_symmetry
from symstrain.expand import expand_to_cell

# file -> dict(number, hm, T, T_su, warn=[substrings], nowarn=[substrings], sites, error=substring)
EXPECT = {
    "quirks/1000002-test-hall.cif": dict(number=14, hm="P 1 21/n 1", T=None, sites=14),
    "quirks/1000002-test-hm.cif": dict(number=14, hm="P 1 21/n 1", source="H-M"),
    # This file carries no operator loop and no symbol, only _symmetry_int_tables_number 14 (checked in
    # test_symop_file_has_only_a_number). The reference setting P 1 21/c 1 puts O1 0.64 Å from O2; of the
    # settings that fit the monoclinic-b metric only P 1 21/n 1 has no overlapping atoms, so it is used
    # (with a warning), which is the manifest's answer.
    "quirks/1000002-test-symop.cif": dict(number=14, hm="P 1 21/n 1", source="number",
                                          warn=["only tabulated setting without overlaps", "O1–O2 0.64",
                                                "no recognisable element"]),
    "quirks/1000002-occupancy-questionmarks.cif": dict(number=14, hm="P 1 21/n 1", warn=["occupancy '?' taken as 1"]),
    "quirks/2000000-no-symops.cif": dict(number=2, hm="P -1", T=None, source="H-M"),
    "quirks/2000000-only-ITC-number.cif": dict(number=2, hm="P -1", source="number"),
    "quirks/2000000-no-symmetry.cif": dict(number=1, hm="P 1", source="assumed P1", warn=["P 1 assumed"]),
    "quirks/1001627-spacegroup-A-1.cif": dict(number=2, hm="A -1", order=4),
    "quirks/2003076-spacegroup-C1.cif": dict(number=1, hm="C 1", order=2),
    "quirks/4301885-I12slash1-spacegroup.cif": dict(number=12, hm="I 1 2/m 1", T=180.0),
    "quirks/4063223-spacegroup-with-spaces.cif": dict(number=14, hm="P 1 21/n 1", T=20.0),
    "quirks/1100107-spacegroup-with-underscore.cif": dict(number=14, hm="P 1 21/n 1", source="H-M"),
    "quirks/2300214-new-sg-name-H-M.cif": dict(number=14, hm="P 1 21/c 1", source="H-M"),
    "quirks/2300214-new-sg-name-Hall.cif": dict(number=14, hm="P 1 21/c 1", source="Hall"),
    "quirks/2227982-symops-over-1.cif": dict(number=14, hm="P 1 21/c 1", source="symops"),
    "quirks/7011014-occupancy-is-a-dot.cif": dict(number=14, hm="P 1 21/n 1", nowarn=["occupancy"]),
    "quirks/2208311-zero-occupancies.cif": dict(number=14, hm="P 1 21/c 1", warn=["occupancy 0", "CG1", "CG2"]),
    "quirks/1010050-zero-sigmas.cif": dict(number=14, hm="P 1 21/c 1"),
    "quirks/4000911-high-precision-cell.cif": dict(number=186, hm="P 63 m c", T=300.0),
    "quirks/1004001-disorder.cif": dict(number=15, hm="C 1 2/c 1", T=163.0, T_su=2.0, sites=188, warn=["disorder"]),
    "quirks/2105019-symmetry-and-disorder.cif": dict(number=11, hm="P 1 21/m 1", T=290.0, warn=["disorder"]),
    "quirks/1506182-disorder-groups.cif": dict(number=19, hm="P 21 21 21", warn=["disorder"]),
    "quirks/2001520-disorder-no-occupancy.cif": dict(number=14, hm="P 1 21/a 1", T=293.0,
                                                     warn=["no occupancies"]),
    "quirks/2019572.cif": dict(number=148, hm="R -3:H", T=123.0, hkl=True),
    "quirks/1552546.cif": dict(number=15, hm="C 1 2/c 1", T=293.0, hkl=True),
    "quirks/2-entries-AMCSD-cifdata.cif": dict(number=12, hm="C 1 2/m 1", block="global_00001"),
    "quirks/9015578.cif": dict(number=2, hm="P -1"),
    "quirks/9014915.cif": dict(number=143, hm="P 3", sites=385),
    "quirks/9012939-with-T-in-deg-C.cif": dict(number=225, hm="F m -3 m", T=None, warn=["title", "1098"]),
    "quirks/9002082-temp-in-C.cif": dict(number=227, hm="F d -3 m:2", T=298.0),
    "quirks/2007947-temperature-in-range.cif": dict(number=2, hm="P -1", T=101.0, warn=["range", "midpoint"]),
    "quirks/7103889_damaged_temp.cif": dict(number=19, hm="P 21 21 21", T=293.0, warn=["'293K'", "'RT' is not a number"]),
    "quirks/4024741-temperature-precision.cif": dict(number=19, hm="P 21 21 21", T=293.0, T_su=1.5),
    "quirks/2100428-superspacegroup.cif": dict(error="modulated structures are not supported"),
    "quirks/2105936-strange-centering.cif": dict(number=26, hm="P m c 21", T=293.0, warn=["(1/2, 0, 0)", "true lattice"]),
    "quirks/2004325-cell-questionmark.cif": dict(error="_cell_angle_beta"),
    "quirks/1001012-no-cell.cif": dict(error="no cell"),
    "quirks/2100852-no-fract-coordinates.cif": dict(number=96, hm="P 43 21 2", warn=["Cartesian"]),
    "quirks/2009397-syntax-error.cif": dict(error="line 34"),
    "hkl/2242624.cif": dict(number=2, hm="P -1", T=293.0),
    "hkl/2020013.cif": dict(number=166, hm="R -3 m:H", T=303.3),
    # reflection-only files: read_cif must refuse them in one line (the hkl readers read them)
    "hkl/1501469-good.hkl": dict(error="reflection data, not a structure"),
    "hkl/bk5076100Ksup2-extract.fcf": dict(error="reflection data, not a structure"),
}


def manifest_rows(root):
    with open(root / "MANIFEST.tsv", newline="") as fh:
        return [row for row in csv.DictReader(fh, delimiter="\t")]


def row_file(row) -> str:
    return row["file"].split(" + ")[0].strip()


def test_every_manifest_row_has_an_expectation(shared_cifs):
    files = [row_file(r) for r in manifest_rows(shared_cifs)]
    assert sorted(files) == sorted(EXPECT)
    # and the 'expect' column agrees with the kind of expectation
    for r in manifest_rows(shared_cifs):
        if r["expect"].startswith("error"):
            assert "error" in EXPECT[row_file(r)], r["file"]


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_manifest_row(shared_cifs, name):
    exp = EXPECT[name]
    path = shared_cifs / name
    if "error" in exp:
        with pytest.raises(SymstrainInputError) as ei:
            read_cif(path)
        assert exp["error"] in ei.value.problem
        assert ei.value.source == str(path) and "\n" not in str(ei.value)
        return
    ph = read_cif(path)
    sg = ph.spacegroup
    assert (sg.number, sg.hm) == (exp["number"], exp["hm"])
    if "source" in exp:
        assert sg.source == exp["source"]
    if "order" in exp:
        assert sg.order == exp["order"]
    if "T" in exp:
        assert ph.temperature == (None if exp["T"] is None else pytest.approx(exp["T"]))
    if "T_su" in exp:
        assert ph.temperature_su == pytest.approx(exp["T_su"])
    if "sites" in exp:
        assert len(ph.atoms) == exp["sites"]
    if "block" in exp:
        assert ph.block == exp["block"]
    text = " | ".join(ph.warnings)
    for w in exp.get("warn", []):
        assert w in text, (w, ph.warnings)
    for w in exp.get("nowarn", []):
        assert w not in text, (w, ph.warnings)
    if exp.get("hkl"):
        # "hkl data found for the reflections command": the same file also reads as reflections
        hkl = pytest.importorskip("symstrain.hkl")
        assert len(hkl.read_hkl(path)) > 100
    # nothing is ever NaN
    assert np.all(np.isfinite(ph.cell.params))
    assert all(np.all(np.isfinite(a.xyz)) for a in ph.atoms)


def test_symop_file_has_only_a_number(shared_cifs):
    text = (shared_cifs / "quirks/1000002-test-symop.cif").read_text().lower()
    assert "_symmetry_equiv_pos" not in text and "_space_group_symop" not in text
    assert "name_h-m" not in text and "name_hall" not in text and "_symmetry_int_tables_number" in text


def test_hall_underscore_agrees_with_hm(shared_cifs):
    ph = read_cif(shared_cifs / "quirks/1000002-test-hall.cif")
    assert not any("Hall" in w for w in ph.warnings)  # '-P_2yn' is the same setting as 'P 1 21/n 1'


def test_zero_sigmas_kept(shared_cifs):
    ph = read_cif(shared_cifs / "quirks/1010050-zero-sigmas.cif")
    assert ph.cell.su[4] == 0.0  # '90.(0)'
    assert ph.cell.su[0] is None  # '5.85': no s.u. written


def test_a_minus_1_full_centred_cell(shared_cifs):
    ph = read_cif(shared_cifs / "quirks/1001627-spacegroup-A-1.cif")
    frac, _, site, _ = expand_to_cell(ph)
    # 4 operations (inversion × A-centring): general positions give 4 atoms per site
    counts = np.bincount(site)
    assert counts.max() == 4 and len(frac) == counts.sum()
    assert detect_symmetry(ph).number == 2


def test_two_blocks(shared_cifs):
    path = shared_cifs / "quirks/2-entries-AMCSD-cifdata.cif"
    assert list_blocks(path) == ["global_00001", "global_00002"]
    ph = read_cif(path, block="global_00002")
    assert (ph.spacegroup.number, ph.spacegroup.hm) == (225, "F m -3 m")
    with pytest.raises(SymstrainInputError, match="global_00001, global_00002"):
        read_cif(path, block="nope")


def test_strange_centering_reduced_cell(shared_cifs):
    ph = read_cif(shared_cifs / "quirks/2105936-strange-centering.cif")
    assert ph.cell.a == pytest.approx(37.8883 / 2) and ph.cell.b == pytest.approx(4.7233)
    assert ph.spacegroup.order == 4
    c4 = next(a for a in ph.atoms if a.label == "C4-2_2")  # x = 0.25 in the doubled cell
    assert c4.xyz[0] == pytest.approx(0.5)


def test_cartesian_file_converted(shared_cifs):
    ph = read_cif(shared_cifs / "quirks/2100852-no-fract-coordinates.cif")
    o5 = ph.atoms[0]
    assert o5.label == "O5'1"
    # Cartn (7.231, -2.196, -5.399) times the file's diagonal fractionalisation matrix
    assert o5.xyz == pytest.approx([7.231 * 0.023496241, -2.196 * 0.023496241, -5.399 * 0.040633889])
    xyz = np.array([a.xyz for a in ph.atoms])
    assert len(np.unique(np.round(xyz, 6), axis=0)) == len(ph.atoms)  # never all at 0,0,0


def test_lawsonite_cmcm_origin_and_contacts(shared_cifs):
    from symstrain.neighbours import close_contacts

    for code in ("9002550", "9002551"):
        ph = read_cif(shared_cifs / f"lawsonite/{code}.cif")
        assert ph.spacegroup.number == 63 and not ph.spacegroup.is_standard_setting
        assert any("origin" in w for w in ph.warnings)
        # README: Al placed at (0, 1/4, 0) sits 2.29 Å from Si — two cations closer than r(Al) + r(Si)
        (a, b, d, lim, kind), = close_contacts(ph)
        assert (a, b, kind) == ("Al", "Si", "cation-cation") and d == pytest.approx(2.29, abs=0.01)
    for code in ("9002543", "9002546", "9002549"):  # Al at (0, 0, 0): nothing impossible
        assert close_contacts(read_cif(shared_cifs / f"lawsonite/{code}.cif")) == []


def test_water_labels_are_oxygen(shared_cifs):
    ph = read_cif(shared_cifs / "quirks/9015578.cif")  # formula 'Ca0.33 Fe2 H7 Na0.67 O12 P2': no tungsten
    assert {a.element for a in ph.atoms if a.label.startswith("Wat")} == {"O"}
    assert any("Wat1→O" in w for w in ph.warnings)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "symstrain", "info", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(
    "name,needle",
    [
        ("quirks/2208311-zero-occupancies.cif", "occupancy 0"),
        ("quirks/2001520-disorder-no-occupancy.cif", "no occupancies"),
        ("quirks/2007947-temperature-in-range.cif", "midpoint"),
        ("quirks/2000000-no-symmetry.cif", "P 1 assumed"),
    ],
)
def test_read_warn_rows_in_json(shared_cifs, name, needle):
    r = _cli("--json", shared_cifs / name)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert any(needle in w["message"] for w in data["warnings"])


def test_info_reports_impossible_contacts(shared_cifs):
    r = _cli("--json", shared_cifs / "lawsonite/9002551.cif")
    doc = json.loads(r.stdout)
    d = doc["results"][0]
    assert [(c["site_1"], c["site_2"]) for c in d["contacts"]] == [("Al", "Si")]
    assert any("impossible contact Al–Si 2.29" in w["message"] for w in doc["warnings"])


def test_json_report_contents(shared_cifs):
    r = _cli("--json", shared_cifs / "quirks/2-entries-AMCSD-cifdata.cif", "--block", "global_00002")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)["results"][0]
    assert d["block"] == "global_00002" and d["blocks"] == ["global_00001", "global_00002"]
    assert d["spacegroup"]["number"] == 225 and d["detected"]["spacegroup"]["number"] == 225
    assert len(d["detected"]["ladder"]) == 7 and d["detected"]["differs_from_declared"] is False
    a = 5.93
    assert d["cell"]["a"]["value"] == pytest.approx(a) and d["cell"]["volume"]["value"] == pytest.approx(a**3)
    assert d["atoms"]["asymmetric_unit"] == 2 and d["atoms"]["cell"] == 8  # rock-salt-like 4a + 4b
    r = _cli("--json", shared_cifs / "quirks/4024741-temperature-precision.cif")
    d = json.loads(r.stdout)["results"][0]
    assert d["T"] == {"value": 293.0, "su": 1.5} and d["T_source"] == "_cell_measurement_temperature"
    assert d["cell"]["a"]["su"] == pytest.approx(0.0003)
    assert d["cell"]["volume"]["su"] > 0 and math.isfinite(d["cell"]["volume"]["su"])


def test_info_text_summary(shared_cifs):
    r = _cli(shared_cifs / "lawsonite/9002551.cif")
    assert r.returncode == 0 and r.stderr == ""
    out = r.stdout
    assert "declared     C m c m (63)" in out and "detected     Cmcm (63)" in out
    assert "temperature  300 K" in out and "(no s.u.'s in the file)" in out
    assert "warning: impossible contact Al–Si 2.29" in out and "origin" in out
