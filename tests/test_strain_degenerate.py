"""Principal strains of a degenerate tensor, and one e_nsb for ``strain`` and ``table`` (sweep 11, faults 2 and 3).

A cubic Pm-3m cell a0 = 6.30649(2) Å (MAPbI3 at 350 K) and its I4/mcm child a = b = 8.79948(6), c = 12.68821(11) Å at
190 K (P = (a−b, a+b, 2c)). Expected numbers are closed forms of the cells: e_ii = a_i/a0_i′ − 1, σ(e_ii)² =
(σ_a/a0′)² + (a·σ(a0′)/a0′²)² with the cells independent, and a = b = c of the cubic cell (a = b of the tetragonal
one) one refined parameter each, written with one value and one s.u.: their errors are one; the s.u. of a degenerate
cluster is checked against a Monte Carlo sample of the eigenvalues themselves."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

A0, S0 = 6.30649, 2e-5
A, SA, C, SC = 8.79948, 6e-5, 12.68821, 1.1e-4

_ATOMS = ("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
          "_atom_site_fract_z\n")
CUBIC = (f"data_cub_350K\n_diffrn_ambient_temperature 350\n_cell_length_a {A0}(2)\n_cell_length_b {A0}(2)\n"
         f"_cell_length_c {A0}(2)\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
         "_symmetry_space_group_name_H-M 'P m -3 m'\n" + _ATOMS + "Pb1 Pb 0 0 0\nI1 I 0.5 0 0\nCs1 Cs 0.5 0.5 0.5\n")
TETRAGONAL = (f"data_tet_190K\n_diffrn_ambient_temperature 190\n_cell_length_a {A}(6)\n_cell_length_b {A}(6)\n"
              f"_cell_length_c {C}(11)\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
              "_symmetry_space_group_name_H-M 'I 4/m c m'\n" + _ATOMS
              + "Pb1 Pb 0 0 0\nI1 I 0 0 0.25\nI2 I 0.21 0.71 0\nCs1 Cs 0 0.5 0.25\n")
#: a second measurement of the cubic cell (360 K), 2e-5 Å longer: its strain against the first is ~3e-6 per axis, all
#: three equal (a triple degeneracy) and unresolved from their s.u.'s
A0B = 6.30651
CUBIC_360 = CUBIC.replace("data_cub_350K", "data_cub_360K").replace("temperature 350", "temperature 360").replace(
    f"{A0}(2)", f"{A0B}(2)")
#: σ(e_ii) of one cubic cell against the other: a/a0 − 1 with a and a0 independent, each 2e-5 (and e11 = e22 = e33
#: move together: a = b = c is one parameter in each cell)
SIGMA_CUBIC = math.hypot(S0 / A0B, A0 * S0 / A0B**2)
E_CUBIC = A0 / A0B - 1
#: the tetragonal child against the cubic cell mapped by P: a0′ = √(a0² + b0²) = √2·a0, σ(a0′) = √2·σ(a0) (a0 = b0
#: one parameter; σ(a0) as two independent ones)
A0P = math.sqrt(2) * A0
E11 = A / A0P - 1
SIGMA_E11 = math.hypot(SA / A0P, A * math.sqrt(2) * S0 / A0P**2)


@pytest.fixture(scope="module")
def cifs(tmp_path_factory):
    d = tmp_path_factory.mktemp("mapbi")
    (d / "cub_350K.cif").write_text(CUBIC)
    (d / "tet_190K.cif").write_text(TETRAGONAL)
    (d / "cub_360K.cif").write_text(CUBIC_360)
    return d / "cub_350K.cif", d / "tet_190K.cif", d / "cub_360K.cif"


def _json(capsys, *argv):
    from symstrain.cli import main

    rc = main([str(a) for a in argv] + ["--json"])
    out, _ = capsys.readouterr()
    assert rc == 0
    return json.loads(out)


@pytest.fixture(scope="module")
def table_rows(cifs, tmp_path_factory):
    """The rows of ``symstrain table`` over the two files, by T."""
    import contextlib
    import io

    from symstrain.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["table", str(cifs[0]), str(cifs[1]), "--no-plots", "--json", "--out",
                   str(tmp_path_factory.mktemp("table") / "t")])
    assert rc == 0
    return {r["T"]["value"]: r for r in json.loads(out.getvalue())["results"]}


def test_cubic_pair_principal_strains_are_one_value_with_e11s_su(cifs, capsys, table_rows):
    """A cubic cell against another cubic cell: e11 = e22 = e33 = a/a0 − 1 ± σ. The principal strains were given as
    (4), 0(0), (4) for such a triple: the middle one "exact" and the others σ·√3/2, from differences straddling the
    crossing. All three are e11 with the s.u. of e11 — in ``strain`` and in a table row against that cell alike. The
    table's paraphase row is the reference's own cell: its strain is 0 exactly (one measurement, not two)."""
    doc = _json(capsys, "strain", cifs[2], cifs[0])
    vals = doc["principal"]["values"]
    assert vals["value"] == pytest.approx([E_CUBIC] * 3, rel=1e-9) and len(set(vals["value"])) == 1
    assert vals["su"] == pytest.approx([SIGMA_CUBIC] * 3, rel=1e-6)
    assert doc["components"]["e11"]["su"] == pytest.approx(SIGMA_CUBIC, rel=1e-6)
    row = _table_against_360(cifs)[350.0]
    assert [q["value"] for q in row["principal"]] == pytest.approx([E_CUBIC] * 3, rel=1e-9)
    assert [q["su"] for q in row["principal"]] == pytest.approx([SIGMA_CUBIC] * 3, rel=1e-6)
    own = table_rows[350.0]
    assert [q["value"] for q in own["principal"]] == [0.0] * 3 and [q["su"] for q in own["principal"]] == [0.0] * 3


def _table_against_360(cifs):
    """The rows of ``symstrain table`` over the 350 K cubic and 190 K tetragonal files against the 360 K cell."""
    import contextlib
    import io
    import tempfile

    from symstrain.cli import main

    out = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(out):
        rc = main(["table", str(cifs[0]), "--parent", str(cifs[2]), "--no-plots", "--json", "--out", f"{tmp}/t"])
    assert rc == 0
    return {r["T"]["value"]: r for r in json.loads(out.getvalue())["results"]}


def test_tetragonal_principal_pair_is_e11_exactly_with_its_su(cifs, capsys, table_rows):
    """I4/mcm against the cubic cell: e11 = e22 by symmetry. principal1 and principal2 are e11 itself (the table gave
    them 8e-11 apart, from the trigonometric eigenvalues) with e11's s.u. (they had 5.25e-6 against 7.08e-6: half
    of each input's difference, the crossing straddled). principal3 = e33, resolved: its own s.u."""
    doc = _json(capsys, "strain", cifs[0], cifs[1])
    e11, e33 = doc["components"]["e11"], doc["components"]["e33"]
    assert e11["value"] == pytest.approx(E11, rel=1e-12) and e11["su"] == pytest.approx(SIGMA_E11, rel=1e-6)
    vals = doc["principal"]["values"]
    assert vals["value"][0] == vals["value"][1] == e11["value"] and vals["value"][2] == e33["value"]
    assert vals["su"] == pytest.approx([SIGMA_E11, SIGMA_E11, e33["su"]], rel=1e-6)
    row = table_rows[190.0]
    p = row["principal"]
    assert p[0]["value"] == p[1]["value"] == row["strain"]["e11"]["value"] == e11["value"]
    assert [q["su"] for q in p] == pytest.approx(vals["su"], rel=1e-9)


def test_cluster_su_is_the_rms_error_of_its_eigenvalues():
    """A degenerate 2×2 block diag(x, x) with independent noise σ on e11, e22 and τ on e12: the eigenvalues of a
    sample are m ± √(d² + e12²); over the pair, E[(λ − x)²] = σ²/2 + σ²/2 + τ² (mean and spread), so each takes
    √(σ² + τ²) — what the Monte Carlo sample gives. First-order perturbation (v·δe·v on axes) said σ. The answer
    does not depend on the frame the degenerate plane is written in (rotated by 30° about Z: the same)."""
    from symstrain.strain_kernel import principal_strains

    x, y, s, t, u = -0.0134, 0.006, 7e-6, 3e-6, 9e-6
    e = np.array([[x, x, y, 0.0, 0.0, 0.0]])
    cov = np.diag([s**2, s**2, u**2, 0.0, 0.0, t**2])[None]
    val, su = principal_strains(e, cov)
    assert val[0].tolist() == [x, x, y]
    assert su[0] == pytest.approx([math.hypot(s, t), math.hypot(s, t), u], rel=1e-12)
    rng = np.random.default_rng(11)
    n = 400_000
    E = np.zeros((n, 3, 3))
    E[:, 0, 0], E[:, 1, 1], E[:, 2, 2] = x + s * rng.standard_normal(n), x + s * rng.standard_normal(n), y
    E[:, 0, 1] = E[:, 1, 0] = t * rng.standard_normal(n)
    lam = np.linalg.eigvalsh(E)[:, :2]
    assert math.sqrt(np.mean((lam - x) ** 2)) == pytest.approx(su[0, 0], rel=0.01)
    # the same tensor and covariance written in axes turned by 30° about Z: e′ = R·e·Rᵀ, linear in the Voigt vector
    c, w = math.cos(math.radians(30)), math.sin(math.radians(30))
    R = np.array([[c, -w, 0.0], [w, c, 0.0], [0.0, 0.0, 1.0]])
    pairs = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))

    def voigt(M):
        return np.array([M[i, j] for i, j in pairs])

    def tensor(v):
        M = np.zeros((3, 3))
        for k, (i, j) in enumerate(pairs):
            M[i, j] = M[j, i] = v[k]
        return M

    T = np.column_stack([voigt(R @ tensor(b) @ R.T) for b in np.eye(6)])
    val_r, su_r = principal_strains((T @ e[0])[None], (T @ cov[0] @ T.T)[None])
    assert val_r[0, 0] == val_r[0, 1] and val_r[0] == pytest.approx([x, x, y], abs=1e-15)
    assert su_r[0] == pytest.approx(su[0], rel=1e-9)


def test_no_su_of_a_principal_strain_is_zero_unless_exact():
    """Three equal eigenvalues of a tensor whose shear components are exact: each member takes √(Σσ_ii²/3), never the
    0 the middle one had; a cluster whose every component is exact has s.u. 0; no covariance: NaN (unknown)."""
    from symstrain.strain_kernel import principal_strains

    e = np.zeros((1, 6))
    _, su = principal_strains(e, np.diag([1e-10, 4e-10, 4e-10, 0, 0, 0])[None])  # σ_ii = 1e-5, 2e-5, 2e-5
    assert su[0] == pytest.approx([math.sqrt((1 + 4 + 4) / 3) * 1e-5] * 3, rel=1e-12)
    assert principal_strains(e, np.zeros((1, 6, 6)))[1][0].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(principal_strains(e)[1]).all()


def test_e_nsb_of_a_cubic_pair_is_one_quantity_in_strain_and_table(cifs, capsys, table_rows):
    """The cubic cell against itself: ``strain`` (the relation's split: e_nsb = |e11+e22+e33|/√3) gave 0 ± 4.48e-6,
    the table's paraphase row 0 ± 7.77e-6 — the norm of e11, e22, e33 taken singly, another quantity. The paraphase
    rows now take their group's split against itself, the relation's: by hand σ(e11+e22+e33) = 3·σ(e11) (a = b = c
    one parameter in each cell: the three move together), e_nsb's the printed combination's over √3, in both
    commands."""
    doc = _json(capsys, "strain", cifs[2], cifs[0])
    split = doc["split"]
    assert split["non_symmetry_breaking"] == ["e11+e22+e33"]
    trace_su = split["components"]["e11+e22+e33"]["su"]
    assert trace_su == pytest.approx(3 * SIGMA_CUBIC, rel=1e-6)
    assert split["e_nsb"]["value"] == pytest.approx(math.sqrt(3) * abs(E_CUBIC), rel=1e-6)  # |3e|/√3, unresolved:
    assert split["e_nsb"]["su"] == pytest.approx(trace_su / math.sqrt(3), rel=1e-9)  # the floor, σ(trace)/√3
    row = _table_against_360(cifs)[350.0]
    assert row["e_nsb"]["value"] == pytest.approx(split["e_nsb"]["value"], rel=1e-9)
    assert row["e_nsb"]["su"] == pytest.approx(split["e_nsb"]["su"], rel=1e-9)
    assert row["e_ss"]["su"] == pytest.approx(doc["e_ss"]["su"], rel=1e-9)  # (e_ss: the nine components, both)


def test_paraphase_rows_split_is_the_relations_of_the_group_against_itself(cifs):
    """The split of a table's paraphase rows is the one ``relate`` gives ``strain`` for the group against itself:
    e11+e22+e33 for Pm-3m (not e11, e22, e33 singly), e11+e22 and e33 for I4/mcm."""
    from symstrain.cif import read_cif
    from symstrain.relation import relate
    from symstrain.series import paraphase_split

    cub, tet = read_cif(cifs[0]), read_cif(cifs[1])
    for ph in (cub, tet):  # the table's split of a paraphase row is the relation's of the group against itself
        rel = relate(ph, ph)
        assert paraphase_split(ph.spacegroup, ph.cell.params) == ((), tuple(rel.non_symmetry_breaking_strain))
    assert paraphase_split(tet.spacegroup, tet.cell.params)[1] == ("e11+e22", "e33")
