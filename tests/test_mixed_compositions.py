"""A temperature series whose files hold different compounds (lawsonite CaAl₂ and hennomartinite SrMn₂ read as one
series, as a sweep of AMCSD files did) is said in one coded warning naming each compound and its files; a few per
cent substitution, or hydrogen located in some files only, is one compound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symstrain.cif import read_cif
from symstrain.series import cells_from_phases
from symstrain.series_read import COMPOSITION_TOLERANCE, composition

SERIES = Path(__file__).resolve().parents[1] / "cifs" / "series"


def _variant(tmp_path, name, src, edit):
    """A copy of a bundled model file with its atom lines changed by ``edit`` (line → line or None to drop it)."""
    lines = []
    for line in src.read_text().splitlines():
        parts = line.split()
        if len(parts) == 8 and parts[6] == "Uiso":  # an atom row: label type x y z U adp occ
            line = edit(parts)
            if line is None:
                continue
        lines.append(line)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _files():
    files = sorted(SERIES.glob("model_cooling_*.cif"))
    if len(files) < 3:
        pytest.skip("bundled model series absent")
    return files[:3]


def test_composition_shares_by_hand():
    ph = read_cif(_files()[0])
    c = composition(ph)
    assert c is not None and abs(sum(c.values()) - 1.0) < 1e-12
    assert 1 not in c  # hydrogen left out
    # [Fe(PM-PEA)2(NCS)2]: per Fe, N6 (2 pyridyl + 2 imine + 2 NCS), S2 and C: the shares are in ratio 1 : 6 : 2
    assert abs(c[7] / c[26] - 6.0) < 1e-9 and abs(c[16] / c[26] - 2.0) < 1e-9


def test_different_compounds_in_one_series_are_named(tmp_path, capsys):
    from symstrain.cli import main

    a, b, c = _files()
    # the third file made another compound: Fe → Co and S → Se (two elements changed, shares beyond the tolerance)
    swapped = _variant(tmp_path, "other.cif", c, lambda p: " ".join(
        [p[0], {"Fe": "Co", "S": "Se"}.get(p[1], p[1])] + p[2:]))
    phases = [read_cif(a), read_cif(b), read_cif(swapped)]
    w = [x for x in cells_from_phases(phases).attrs["warnings"] if x.code == "mixed_compositions"]
    assert len(w) == 1 and "2 different compounds" in str(w[0])
    assert "(2: " in str(w[0]) and "(1: " in str(w[0]) and "other.cif" in str(w[0])
    # through the command: the warning is in the JSON document under its code
    rc = main(["table", str(a), str(b), str(swapped), "--no-reference", "--no-plots", "--json",
               "--out", str(tmp_path / "t")])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and "mixed_compositions" in {x["code"] for x in doc["warnings"]}


def test_one_compound_with_substitution_or_missing_hydrogen(tmp_path):
    a, b, c = _files()
    no_h = _variant(tmp_path, "no_h.cif", b, lambda p: None if p[1] == "H" else " ".join(p))
    # 3 % Co on the Fe site: the Fe share changes by 0.03·(Fe share), far below the tolerance
    doped = _variant(tmp_path, "doped.cif", c, lambda p: " ".join(p[:7] + ["0.97"]) + (
        "\n" + " ".join(["Co1", "Co"] + p[2:7] + ["0.03"]) if p[1] == "Fe" else "") if p[1] == "Fe" else " ".join(p))
    phases = [read_cif(a), read_cif(no_h), read_cif(doped)]
    shares = [composition(ph) for ph in phases]
    assert 27 in shares[2] and 27 not in shares[0]  # the Co is there
    assert max(abs(shares[2].get(z, 0) - shares[0].get(z, 0)) for z in shares[0] | shares[2]) < COMPOSITION_TOLERANCE
    assert shares[1] == pytest.approx(shares[0], abs=1e-12)  # hydrogen does not count
    assert not [x for x in cells_from_phases(phases).attrs["warnings"] if x.code == "mixed_compositions"]


def test_compounds_of_one_formula_text_are_told_apart_by_their_shares(tmp_path):
    """Two compounds whose names would read alike (sweep 8: DUT-49 files under one formula text; or no formula and
    the same elements) are named by the share of each element among the cell's atoms (H left out), per cent: the
    warning shows what differs. Here every N site but the first is made C (the file's formula text unchanged)."""
    a, b, c = _files()
    seen = []

    def n_to_c(p):
        if p[1] == "N":
            seen.append(p[0])
            if len(seen) > 1:
                return " ".join([p[0], "C"] + p[2:])
        return " ".join(p)

    other = _variant(tmp_path, "other.cif", c, n_to_c)
    phases = [read_cif(a), read_cif(b), read_cif(other)]
    (w,) = [x for x in cells_from_phases(phases).attrs["warnings"] if x.code == "mixed_compositions"]
    shares = [composition(ph) for ph in (phases[0], phases[2])]
    for s in shares:  # each compound by its shares, as written (the first site's N stays: the same elements)
        text = " ".join(f"{el} {100 * s[z]:.1f} %" for el, z in sorted(
            (("C", 6), ("N", 7), ("S", 16), ("Fe", 26)), key=lambda e: -s[e[1]]))
        assert text in str(w), (text, str(w))
    assert phases[0].formula == phases[2].formula and phases[0].formula not in str(w)
