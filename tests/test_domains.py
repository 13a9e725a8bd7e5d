"""Domain states, twin laws, Sapriel walls and peak splitting (symstrain.domains, walls, peak_splitting, cli.domains).

Every expected number is derived here by hand from the cells: the strain of an orthorhombic → monoclinic (b unique)
pair in the frame X ∥ a, Z ∥ c* is e13 = ½·c·cos β / c0; the monoclinic d-spacing is
1/d² = (h²/a² + k²·sin²β/b² + l²/c² − 2hl·cos β/(a·c)) / sin²β; 2θ = 2·asin(λ/2d); Sapriel's quadric
Σ Δe_ij x_i x_j = 0; the obliquity of a traceless pair is the eigenvalue of Δe.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from symstrain.cli import CommandResult, envelope
from symstrain.cif import read_cif
from symstrain.contract import validate
from symstrain.domains import analyse_domains, domain_states, peak_splitting, permissible_walls
from symstrain.errors import SymstrainInputError
from symstrain.phase import Cell, Phase, SpaceGroupInfo
from symstrain.relation import relate

ROOT = Path(__file__).resolve().parents[1]
LS = ROOT / "cifs" / "model_LS_Pccn_90K.cif"
HS = ROOT / "cifs" / "model_HS_P21c_300K.cif"
CU = 1.5406


def _phase(cell, symbol, name):
    return Phase(Cell(*cell), SpaceGroupInfo.from_symbol(symbol), (), source=name)


def _d_mono(cell: Cell, h, k, l):
    """Monoclinic (b unique) d-spacing by the textbook formula."""
    b = math.radians(cell.beta)
    inv = (h * h / cell.a**2 + k * k * math.sin(b) ** 2 / cell.b**2 + l * l / cell.c**2
           - 2 * h * l * math.cos(b) / (cell.a * cell.c)) / math.sin(b) ** 2
    return 1 / math.sqrt(inv)


def _tt(d, lam=CU):
    return math.degrees(2 * math.asin(lam / (2 * d)))


def _cli(argv):
    from symstrain.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def model():
    return relate(read_cif(LS), read_cif(HS))


# ------------------------------------------------------------------------------------------ model Pccn → P2₁/c
def test_model_states_strains_differ_only_by_sign_of_e13(model):
    ds = domain_states(model)
    assert (ds.orientation_states, ds.antiphase_states, len(ds.states)) == (2, 1, 2)
    p, c = model.parent.cell, model.child.cell
    e13 = 0.5 * c.c * math.cos(math.radians(c.beta)) / p.c  # ε13 = ½·c·cos β / c0
    s1, s2 = ds.states
    assert s1.strain[0, 2] == pytest.approx(e13, rel=1e-9) and s1.strain[2, 0] == s1.strain[0, 2]
    assert s2.strain[0, 2] == pytest.approx(-e13, rel=1e-9)
    assert s1.strain[0, 0] == pytest.approx(c.a / p.a - 1, abs=1e-12)
    assert s1.strain[1, 1] == pytest.approx(c.b / p.b - 1, abs=1e-12)
    assert s1.strain[2, 2] == pytest.approx(c.c * math.sin(math.radians(c.beta)) / p.c - 1, abs=1e-12)
    diff = s1.strain - s2.strain
    mask = np.ones((3, 3), bool)
    mask[0, 2] = mask[2, 0] = False
    assert np.all(diff[mask] == 0.0)  # exactly: zero by symmetry
    assert s1.strain[0, 1] == 0.0 and s1.strain[1, 2] == 0.0
    assert not s1.ferroelastic and s2.ferroelastic and not s2.ferroelectric
    assert s2.operation in model.lost_cosets[0]
    assert s1.polarisation.shape == (0, 3)  # 2/m is centrosymmetric


def test_model_walls_are_x0_and_z0_both_W(model):
    ds = domain_states(model)
    (pair,) = ds.pairs
    assert pair.ferroelastic and pair.walls.status == "walls"
    assert {w.miller_parent for w in pair.walls.walls} == {(1, 0, 0), (0, 0, 1)}
    assert {w.miller_child for w in pair.walls.walls} == {(1, 0, 0), (0, 0, 1)}  # P = identity
    assert {w.equation for w in pair.walls.walls} == {"x = 0", "z = 0"}
    assert all(w.kind == "W" for w in pair.walls.walls)
    # Sapriel by hand: Δe has only Δe13 = 2·e13, so xᵀΔe x = 2·Δe13·x·z vanishes on x = 0 and on z = 0 only
    d13 = pair.strain_difference[0, 2]
    c, p = model.child.cell, model.parent.cell
    assert d13 == pytest.approx(c.c * math.cos(math.radians(c.beta)) / p.c, rel=1e-9)
    rng = np.random.default_rng(1)
    for w in pair.walls.walls:
        for _ in range(5):
            x = rng.normal(size=3)
            x -= (x @ w.normal) * w.normal
            assert abs(x @ pair.strain_difference @ x) < 1e-14
    assert "2·Δe13·x·z = 0" in pair.quadric
    # obliquity: rotation |Δω| = |Δe13| (linear compatibility), ≈ |β − 90°| of the monoclinic cell
    assert pair.walls.obliquity == pytest.approx(math.degrees(abs(d13)), rel=1e-9)
    assert pair.walls.obliquity == pytest.approx(c.beta - 90, rel=0.03)


def test_model_twin_law_is_the_lost_twofold_or_mirror(model):
    (pair,) = domain_states(model).pairs
    # the coset's rotations: m ⊥ a, m ⊥ c, 2 ∥ c, 2 ∥ a; the twin law on (hkl) is one of them (transposed = itself)
    lost = [np.diag(d) for d in ((-1, 1, 1), (1, 1, -1), (-1, -1, 1), (1, -1, -1))]
    assert any(np.array_equal(pair.twin_law, m) for m in lost)
    # (h0l) of state 1 meets (h̄0l) of state 2, up to the 2/m Laue equivalence (h k l) ≡ (-h k -l)
    tw = pair.twin_law @ np.array([2, 0, 3])
    assert tuple(tw) in {(-2, 0, 3), (2, 0, -3)}
    assert set(pair.exact_coincidence) == {"h = 0", "l = 0"}  # 0kl and hk0 coincide exactly, h0l splits


def test_model_splitting_h0l_at_300K_by_hand(model):
    ds = domain_states(model)
    hkl = [(1, 0, 1), (3, 0, 2), (2, 0, -4), (0, 2, 0), (1, 1, 0), (0, 1, 3)]
    sp = peak_splitting(ds, hkl)
    t = sp.table
    assert len(t) == len(hkl) and set(t["T"]) == {300.0}
    c = model.child.cell
    for row, (h, k, l) in zip(t.itertuples(), hkl):
        d1, d2 = _d_mono(c, h, k, l), _d_mono(c, -h, k, l)  # the twin of (hkl) is (h̄kl) up to Laue equivalence
        assert row.d == pytest.approx(d1, rel=1e-10) and row.d_twin == pytest.approx(d2, rel=1e-10)
        assert row.two_theta == pytest.approx(_tt(d1), rel=1e-10)
        assert row.two_theta_twin == pytest.approx(_tt(d2), rel=1e-10)
        if h * l != 0:
            assert row.coincidence == "split"
            assert row.delta_two_theta == pytest.approx(_tt(d2) - _tt(d1), rel=1e-8)
        else:
            assert row.coincidence == "exact" and row.delta_two_theta == 0.0
    # (1 0 1): cos β < 0 makes d(101) < d(-101)
    r = t.iloc[0]
    assert r.d < r.d_twin and r.delta_two_theta < 0


def test_model_default_reflections_are_strongest_that_split(model):
    from symstrain.intensities import predict_intensities
    from symstrain.reflection_classes import enumerate_hkl

    ds = domain_states(model)
    sp = peak_splitting(ds, top=4)
    t = sp.table
    assert len(t) == 4 and np.all(t["h"] * t["l"] != 0)  # only h0l-type (h, l ≠ 0) reflections split
    assert set(t["coincidence"]) == {"split"}
    # oracle: the strongest reflection with h·l ≠ 0 to 1.5 Å
    H = enumerate_hkl(model.child.cell, 1.5)
    H = H[H[:, 0] * H[:, 2] != 0]
    I = predict_intensities(model.child, H)
    assert t["intensity"].iloc[0] == pytest.approx(I.max(), rel=1e-9)
    assert list(t["intensity"]) == sorted(t["intensity"], reverse=True)
    # twin pairs are listed once: no row's twin is another row's reflection (up to Friedel)
    keys = {tuple(r) for r in t[["h", "k", "l"]].to_numpy()}
    for r in t.itertuples():
        assert (r.h_twin, r.k_twin, r.l_twin) not in keys and (-r.h_twin, -r.k_twin, -r.l_twin) not in keys
    # resolution: a splitting below it is "unresolved"
    wide = peak_splitting(ds, [(3, 0, -4)], resolution=2.0).table.iloc[0]
    assert abs(wide.delta_two_theta) < 2.0 and wide.coincidence == "unresolved"


def test_model_splitting_per_table_row(model, tmp_path):
    import pandas as pd

    c = model.child.cell
    rows = pd.DataFrame({"T": [200.0, 300.0], "a": [16.9, c.a], "b": [14.65, c.b], "c": [16.97, c.c],
                         "alpha": [90.0, 90.0], "beta": [90.0, c.beta], "gamma": [90.0, 90.0],
                         "branch": ["heating", "heating"]})
    path = tmp_path / "cells.csv"
    rows.to_csv(path, index=False)
    from symstrain.series import read_cells_csv

    res = analyse_domains(model, hkl=[(1, 0, 1)], cells=read_cells_csv(path), source=str(path))
    t = res.splitting.table
    assert list(t["T"]) == [200.0, 300.0] and list(t["branch"]) == ["heating", "heating"]
    assert t["delta_two_theta"].iloc[0] == 0.0 and t["coincidence"].iloc[0] == "unresolved"  # β = 90°: no split
    assert t["delta_two_theta"].iloc[1] == pytest.approx(_tt(_d_mono(c, -1, 0, 1)) - _tt(_d_mono(c, 1, 0, 1)),
                                                         rel=1e-8)
    assert t["d"].iloc[0] == pytest.approx(1 / math.sqrt(1 / 16.9**2 + 1 / 16.97**2), rel=1e-10)
    assert t["file"].iloc[0] == str(path)
    doc = json.loads(json.dumps(res.to_dict(), allow_nan=False))  # plain JSON data, no NaN
    validate("domains", envelope("domains", CommandResult(doc, "", warnings=res.all_warnings())))
    assert doc["splitting"]["rows"][0]["T"] == {"value": 200.0, "su": None}


def test_model_splitting_su_from_the_cell(model):
    # d(100) = a·sin β·... for b-unique: 1/d² = 1/(a² sin²β) → d = a·sin β; σ_d from σ_a and σ_β by hand
    c = Cell(17.0, 14.8, 17.2, 90.0, 93.0, 90.0, su=(0.002, 0.002, 0.002, None, 0.01, None))
    ph = Phase(c, model.child.spacegroup, (), source="su", temperature=300.0)
    ds = domain_states(model)
    row = peak_splitting(ds, [(1, 0, 0)], cells=[ph]).table.iloc[0]
    b = math.radians(93.0)
    su = math.hypot(math.sin(b) * 0.002, 17.0 * math.cos(b) * math.radians(0.01))
    assert row.d == pytest.approx(17.0 * math.sin(b), rel=1e-12)
    assert row.d_su == pytest.approx(su, rel=1e-5)
    assert row.coincidence == "exact"


# ------------------------------------------------------------------------------------------ built tetragonal → orthorhombic
@pytest.fixture(scope="module")
def tetragonal():
    return relate(_phase((4.0, 4.0, 5.0, 90, 90, 90), "P 4/m m m", "tet"),
                  _phase((4.04, 3.96, 5.0, 90, 90, 90), "P m m m", "orth"))


def test_tetragonal_to_orthorhombic_walls_110_and_1m10(tetragonal):
    ds = domain_states(tetragonal)
    assert (ds.orientation_states, ds.antiphase_states) == (2, 1)
    (pair,) = ds.pairs
    assert {w.miller_parent for w in pair.walls.walls} == {(1, 1, 0), (1, -1, 0)}
    assert all(w.kind == "W" for w in pair.walls.walls)
    e11, e22 = 4.04 / 4.0 - 1, 3.96 / 4.0 - 1
    s1, s2 = ds.states
    assert s1.strain[0, 0] == pytest.approx(e11) and s2.strain[0, 0] == pytest.approx(e22)  # the 4-fold swaps them
    # Δe = diag(e11 − e22, e22 − e11, 0): eigenvalues ±(e11 − e22) → obliquity |e11 − e22| rad
    assert pair.walls.obliquity == pytest.approx(math.degrees(abs(e11 - e22)), rel=1e-9)
    # ... and, to second order, the twin angle 2·atan(b/a) − 90° between a of one domain and b of the other
    assert pair.walls.obliquity == pytest.approx(abs(math.degrees(2 * math.atan(3.96 / 4.04)) - 90), rel=0.01)
    # the twin of (100) is (010)-type: d = a and d = b
    row = peak_splitting(ds, [(1, 0, 0)]).table.iloc[0]
    assert abs(row.h_twin) + abs(row.k_twin) == 1 and row.h_twin == 0
    assert row.delta_two_theta == pytest.approx(_tt(3.96) - _tt(4.04), rel=1e-10)
    assert set(pair.exact_coincidence) == {"h - k = 0", "h + k = 0"}
    with pytest.raises(SymstrainInputError, match="no atoms"):
        peak_splitting(ds)  # no structure to predict intensities from: the reflections must be given


def test_tetragonal_4m_to_2m_walls_are_W_prime():
    # 4/m → 2/m (c unique): Δe = [[e11−e22, 2e12], [2e12, e22−e11]] is traceless in the ab plane, so two
    # perpendicular walls containing c exist for every strain, but their orientation follows e12/(e11 − e22): W′
    rel = relate(_phase((4.0, 4.0, 5.0, 90, 90, 90), "P 4/m", "tet"),
                 _phase((4.04, 3.97, 5.0, 90, 90, 91.0), "P 1 1 2/m", "mono"))
    (pair,) = domain_states(rel).pairs
    walls = pair.walls.walls
    assert len(walls) == 2 and all(w.kind == "W'" for w in walls)
    assert walls[0].normal @ walls[1].normal == pytest.approx(0.0, abs=1e-12)
    assert all(abs(w.normal[2]) < 1e-12 for w in walls)
    d = pair.strain_difference
    r = math.hypot(d[0, 0], d[0, 1])
    assert pair.walls.obliquity == pytest.approx(math.degrees(r), rel=1e-9)


def test_hexagonal_to_orthohexagonal_three_states():
    # 6/mmm → mmm: 3 orientation states turned by 60°; the deviatoric strain δ = e11 − e22 (child frame) turned by
    # 60° differs by a tensor of eigenvalues ±(√3/2)·δ, so every pair has obliquity (√3/2)·|δ|
    rel = relate(_phase((4.0, 4.0, 5.0, 90, 90, 120), "P 6/m m m", "hex"),
                 _phase((4.04, 6.9, 5.0, 90, 90, 90), "C m m m", "orth"))
    ds = domain_states(rel)
    assert (ds.orientation_states, len(ds.pairs)) == (3, 3)
    delta = (4.04 / 4.0 - 1) - (6.9 / (4.0 * math.sqrt(3)) - 1)
    for pair in ds.pairs:
        assert pair.walls.status == "walls" and len(pair.walls.walls) == 2
        assert all(w.kind == "W" and w.miller_parent is not None for w in pair.walls.walls)
        assert pair.walls.obliquity == pytest.approx(math.degrees(math.sqrt(3) / 2 * abs(delta)), rel=1e-9)


# ------------------------------------------------------------------------------------------ Sapriel algebra alone
def test_permissible_walls_algebra():
    none3 = permissible_walls(np.diag([1.0, 2.0, 3.0]) * 1e-3)
    assert none3.status == "none" and "det Δe ≠ 0" in none3.verdict and none3.obliquity is None
    same = permissible_walls(np.diag([1.0, 2.0, 0.0]) * 1e-3)
    assert same.status == "none" and "one sign" in same.verdict
    one = permissible_walls(np.diag([0.0, 0.0, 2e-3]))
    assert [w.miller_parent for w in one.walls] == [(0, 0, 1)] and one.obliquity == 0.0
    free = permissible_walls(np.zeros((3, 3)))
    assert free.status == "unrestricted" and "walls unrestricted by strain" in free.verdict
    # rank 2, eigenvalues −1 and +4 along x and y: normals ∝ 1·x ± 2·y, i.e. planes 2x ∓ ... by hand
    two = permissible_walls(np.diag([-1.0, 4.0, 0.0]) * 1e-3)
    n = sorted((tuple(np.round(w.normal * math.sqrt(5), 12)) for w in two.walls))
    assert n == [(1.0, -2.0, 0.0), (1.0, 2.0, 0.0)]
    assert two.obliquity == pytest.approx(math.degrees(2e-3), rel=1e-12)  # √(1·4)·1e-3


# ------------------------------------------------------------------------------------------ lawsonite (real CIFs)
def test_lawsonite_k_type_one_orientation_two_antiphase(shared_cifs):
    law = shared_cifs / "lawsonite"
    rel = relate(read_cif(law / "9002551.cif"), read_cif(law / "9002549.cif"))
    ds = domain_states(rel)
    assert (ds.orientation_states, ds.antiphase_states, len(ds.states)) == (1, 2, 2)
    assert ds.pairs == () and not ds.to_dict()["ferroelastic_walls"]
    s1, s2 = ds.states
    assert s2.orientation == 1 and s2.antiphase == 2
    assert s2.point_operation == "1"  # a lost translation (the C-centring) relates them
    assert np.array_equal(s1.strain, s2.strain)
    assert "walls unrestricted by strain" in ds.antiphase_note


def test_lawsonite_polar_pair_non_ferroelastic_ferroelectric(shared_cifs):
    law = shared_cifs / "lawsonite"
    rel = relate(read_cif(law / "9002546.cif"), read_cif(law / "9002545.cif"))
    ds = domain_states(rel)
    assert (ds.orientation_states, ds.antiphase_states) == (2, 1)
    s1, s2 = ds.states
    assert np.array_equal(s1.strain, s2.strain)
    assert not s2.ferroelastic and s2.ferroelectric
    # P2₁cn is polar along a: state 2 (the lost inversion or mirror ⊥ a) reverses it
    assert np.allclose(s1.polarisation, [[1, 0, 0]]) and np.allclose(s2.polarisation, [[-1, 0, 0]])
    (pair,) = ds.pairs
    assert not pair.ferroelastic and pair.ferroelectric
    assert pair.walls.status == "unrestricted" and pair.walls.walls == ()
    assert "walls unrestricted by strain" in pair.walls.verdict
    # every twin-related reflection coincides exactly (Friedel pairs or mm2-equivalents)
    sp = peak_splitting(ds, [(1, 1, 1), (2, 0, 1), (0, 3, 4)])
    assert set(sp.table["coincidence"]) == {"exact"} and np.all(sp.table["delta_two_theta"] == 0.0)


# ------------------------------------------------------------------------------------------ command line
def test_cli_json_validates_and_plot(tmp_path):
    png = tmp_path / "split.png"
    rc, out, err = _cli(["domains", str(LS), str(HS), "--json", "--hkl", "1,0,1", "3,0,2", "--hkl=-1,0,2",
                         "--plot", str(png)])
    assert rc == 0, err
    doc = json.loads(out)
    validate("domains", doc)
    assert doc["orientation_states"] == 2 and doc["antiphase_states"] == 1
    assert {tuple(w["miller_parent"]) for w in doc["pairs"][0]["walls"]} == {(1, 0, 0), (0, 0, 1)}
    assert [r["hkl"] for r in doc["splitting"]["rows"]] == [[1, 0, 1], [3, 0, 2], [-1, 0, 2]]
    assert doc["splitting"]["wavelength"] == CU and doc["splitting"]["rows"][0]["d"]["su"] is None
    assert png.is_file() and png.stat().st_size > 1000 and doc["files"] == [str(png)]
    rc, out, err = _cli(["domains", str(LS), str(HS), "--plot", str(png)])
    assert rc == 2 and err.startswith("symstrain: error: ") and "refusing to overwrite" in err


def test_cli_text_and_errors():
    rc, out, err = _cli(["domains", str(LS), str(HS), "--top", "2"])
    assert rc == 0 and "W wall x = 0" in out and "W wall z = 0" in out and "obliquity" in out
    rc, out, err = _cli(["domains", str(LS), str(HS), "--hkl", "1,0"])
    assert rc == 2 and err.count("\n") == 1 and "--hkl" in err
    rc, out, err = _cli(["domains", str(LS), str(HS), "--hkl", "1,0,1", "--wavelength", "-1"])
    assert rc == 2 and "--wavelength" in err


def test_cli_lawsonite_unrestricted_words(shared_cifs):
    law = shared_cifs / "lawsonite"
    rc, out, err = _cli(["domains", str(law / "9002546.cif"), str(law / "9002545.cif")])
    assert rc == 0 and "walls unrestricted by strain" in out
    rc, out, err = _cli(["domains", str(law / "9002551.cif"), str(law / "9002549.cif"), "--json"])
    doc = json.loads(out)
    validate("domains", doc)
    assert doc["pairs"] == [] and doc["ferroelastic_walls"] is False and doc["splitting"]["rows"] == []


def test_cli_strain_table_is_the_csv_that_table_writes(tmp_path):
    """The CSV of `symstrain table` (columns file and block, and many more) feeds `domains --strain-table`: every
    row's splitting of (1 0 1) follows from that row's cell by the monoclinic d-spacing formula; the branch comes
    back from the block name."""
    import pandas as pd

    hs = read_cif(HS).cell
    cells = tmp_path / "cells.csv"
    rows = [("heating_200K", 200.0, "Pccn", 16.90, 14.65, 16.97, 90.0),
            ("heating_300K", 300.0, "P21/c", hs.a, hs.b, hs.c, hs.beta),
            ("heating_320K", 320.0, "P21/c", hs.a + 0.01, hs.b, hs.c + 0.02, hs.beta + 0.2)]
    cells.write_text("label,T,spacegroup,a,b,c,alpha,beta,gamma\n"
                     + "".join(f"{n},{t},{g},{a},{b},{c},90,{be},90\n" for n, t, g, a, b, c, be in rows))
    rc, out, err = _cli(["table", "--cells", str(cells), "--out", str(tmp_path / "t"), "--no-plots", "--json"])
    assert rc == 0, err
    table = tmp_path / "t" / "table.csv"
    assert {"file", "block"} <= set(pd.read_csv(table, comment="#").columns)
    rc, out, err = _cli(["domains", str(LS), str(HS), "--strain-table", str(table), "--hkl", "1,0,1", "--json"])
    assert rc == 0, err
    got = json.loads(out)["splitting"]["rows"]
    assert [r["T"]["value"] for r in got] == [200.0, 300.0, 320.0]
    assert {r["branch"] for r in got} == {"heating"}
    for r, (_, _, _, a, b, c, be) in zip(got, rows):
        cell = Cell(a, b, c, 90.0, be, 90.0)
        d1, d2 = _d_mono(cell, 1, 0, 1), _d_mono(cell, -1, 0, 1)
        assert r["d"]["value"] == pytest.approx(d1, rel=1e-9) and r["d_twin"]["value"] == pytest.approx(d2, rel=1e-9)
        assert r["delta_two_theta"]["value"] == pytest.approx(_tt(d2) - _tt(d1), abs=1e-9)


def test_cli_text_names_the_coinciding_zones_as_alternatives():
    """(hkl) and its twin (h̄kl) of the monoclinic cell have equal d exactly when h·l·cos β = 0 (the textbook
    formula): either zone h = 0 or zone l = 0 — read as 'h = 0 or l = 0', not as the row h = l = 0."""
    c = read_cif(HS).cell
    for h, k, l in ((0, 2, 3), (2, 1, 0), (0, 3, 0)):
        assert _d_mono(c, h, k, l) == pytest.approx(_d_mono(c, -h, k, l), rel=1e-14)
    assert abs(_d_mono(c, 1, 0, 1) - _d_mono(c, -1, 0, 1)) > 1e-3
    rc, out, err = _cli(["domains", str(LS), str(HS), "--hkl", "1,0,1"])
    assert rc == 0 and "exact coincidence: h = 0 or l = 0" in out
