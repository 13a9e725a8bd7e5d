"""Faults found by sweep 20 (temperature series: table, transitions, thermal expansion against PASCal)."""

from __future__ import annotations

import numpy as np
import pytest

from symstrain.transition_models import compare_models


def _linear_tc(T, y, su):
    """T_c of y = A·(T_c − T) by a weighted straight line y = a + b·T (T_c = −a/b) and its s.u. by the delta
    method, the covariance scaled by max(1, χ²/dof): numpy's polyfit, independent of symstrain's fits."""
    (b, a), C = np.polyfit(T, y, 1, w=1 / su, cov="unscaled")
    chi2 = np.sum(((y - (a + b * T)) / su) ** 2)
    C = C * max(1.0, chi2 / (len(T) - 2))
    g = np.array([a / b**2, -1 / b])  # ∂T_c/∂(b, a)
    return -a / b, float(np.sqrt(g @ C @ g))


@pytest.mark.parametrize("amplitude", [3.5e-6, 1.0])
def test_tc_su_is_not_lost_to_the_scale_of_the_amplitude(amplitude):
    """A symmetry-breaking strain of 3.5·10⁻⁶ K⁻¹ × (T_c − T) (LaAlO₃'s size) gave T_c = 822.24 ± 1e-16 K: the
    covariance was the pseudo-inverse of JᵀJ with columns 10⁸ apart, which cut the T_c direction. The s.u. must not
    depend on the unit of y: the same data times 1/3.5·10⁻⁶ give the same T_c ± s.u., that of a straight line."""
    rng = np.random.default_rng(20)
    T = np.arange(300.0, 800.0, 20.0)
    su = np.full(len(T), 0.02 * amplitude * 100)
    y = amplitude * (812.0 - T) + rng.normal(0, su)
    c = compare_models(T, y, su, T_low=810.0, T_high=850.0, ordered_below=True)
    fit = c.fit("second_order")
    tc, tc_su = _linear_tc(T, y, su)  # 811.62 ± 0.85 K, inside the bracket (no bound acts)
    assert 810.0 < tc < 850.0 and fit.Tc == pytest.approx(tc, abs=1e-6)
    assert fit.Tc_su == pytest.approx(tc_su, rel=1e-6) and fit.Tc_su > 0.5


PMCN = """T,a,b,c,alpha,beta,gamma,spacegroup
130,5.86243,8.76981,13.1063,90,90,90,P m c n
175,5.86092,8.77586,13.1132,90,90,90,P m c n
225,5.85942,8.78269,13.1209,90,90,90,P m c n
268,5.85539,8.79152,13.1326,90,90,90,P m c n
"""
P21CN = """T,a,b,c,alpha,beta,gamma,spacegroup
2,5.86465,8.7652,13.1002,90,90,90,P 21 c n
50,5.8639,8.76442,13.099,90,90,90,P 21 c n
100,5.86332,8.76659,13.1021,90,90,90,P 21 c n
"""


def test_baseline_cells_name_the_paraphase_their_group(tmp_path, capsys):
    """Lawsonite's P2₁cn cells (COD 9002543–45) against a linear baseline through its Pmcn cells (9002546–49):
    every row was "paraphase: η = 0 by symmetry" (the rows' only group taken for the paraphase), though their
    strain is 0.0024 at 2 K. The baseline's group is the paraphase: t, index 2, η² ∝ e_nsb (no symmetry-breaking
    strain between mmm and mm2), checked here with numpy's straight lines through the Pmcn cells."""
    import io
    import json

    import pandas as pd

    from symstrain.cli import main

    (tmp_path / "pmcn.csv").write_text(PMCN)
    (tmp_path / "p21cn.csv").write_text(P21CN)
    assert main(["table", "--cells", str(tmp_path / "p21cn.csv"), "--baseline", "linear", "--baseline-cells",
                 str(tmp_path / "pmcn.csv"), "--out", str(tmp_path / "t"), "--no-plots", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    base, child = pd.read_csv(io.StringIO(PMCN)), pd.read_csv(io.StringIO(P21CN))
    e = np.column_stack([child[x] / np.polyval(np.polyfit(base["T"], base[x], 1), child["T"]) - 1
                         for x in ("a", "b", "c")])
    e_nsb = np.linalg.norm(e, axis=1)  # 0.0024252 at 2 K
    assert e_nsb[0] == pytest.approx(0.0024252, abs=1e-7)
    assert [r["relation"] for r in rows] == ["t, index 2"] * 3
    assert [r["e_nsb"]["value"] for r in rows] == pytest.approx(e_nsb.tolist(), rel=1e-9)
    assert [r["eta"]["value"] for r in rows] == pytest.approx(np.sqrt(e_nsb / e_nsb.max()).tolist(), rel=1e-9)


def test_units_in_cell_table_headers_are_converted_or_refused(tmp_path):
    """'T (°C)' was read as K and 'a (nm)' as Å, silently (a volume of 0.67 "Å³"); a header written twice was
    renamed 'a.1' by pandas and ignored. By hand: 28.9 °C = 302.05 K; 0.586465 nm = 5.86465 Å; 1.5708 rad =
    90.0002°."""
    from symstrain.errors import SymstrainInputError
    from symstrain.series import read_cells_csv

    def table(text, name="t.csv"):
        (tmp_path / name).write_text(text)
        return read_cells_csv(tmp_path / name)

    t = table("T (°C),a (nm),b (nm),c [Å],beta (rad),alpha,gamma,T_su (°C)\n"
              "28.9,0.586465,0.876520,13.1002,1.5708,90,90,0.5\n")
    assert t["T"][0] == pytest.approx(302.05) and t["T_su"][0] == 0.5
    assert (t["a"][0], t["b"][0], t["c"][0]) == pytest.approx((5.86465, 8.7652, 13.1002))
    assert t["beta"][0] == pytest.approx(np.degrees(1.5708))
    same = table("T (K),a (Å),b (A),c (angstrom),alpha (deg),beta (°),gamma (degrees)\n300,5,6,7,90,91,90\n")
    assert same[["T", "a", "b", "c", "beta"]].iloc[0].tolist() == [300.0, 5.0, 6.0, 7.0, 91.0]
    with pytest.raises(SymstrainInputError, match=r"column 'a \(furlong\)': unit 'furlong' is not one its values "
                                                  r"are read in \(å, nm, pm\)"):
        table("T,a (furlong),b,c\n300,5,6,7\n")
    with pytest.raises(SymstrainInputError, match="the header 'a' is written 2 times"):
        table("T,a,b,c,a\n300,5,6,7,9\n")


def test_the_temperature_su_of_table_csv_reads_back(tmp_path, capsys):
    """table.csv writes T_su; --cells ignored it on reading back ('ignored_columns')."""
    from symstrain.cli import main
    from symstrain.series import read_cells_csv

    (tmp_path / "c.csv").write_text("T,a,b,c,alpha,beta,gamma\n300(2),5,6,7,90,91,90\n310(2),5.01,6,7,90,91.1,90\n")
    assert read_cells_csv(tmp_path / "c.csv")["T_su"].tolist() == [2.0, 2.0]
    assert main(["table", "--cells", str(tmp_path / "c.csv"), "--no-reference", "--no-plots",
                 "--out", str(tmp_path / "t")]) == 0
    capsys.readouterr()
    back = read_cells_csv(tmp_path / "t" / "table.csv")
    ignored = " ".join(w for w in back.attrs["warnings"] if w.code == "ignored_columns")
    assert back["T_su"].tolist() == [2.0, 2.0] and "T_su" not in ignored.split(": ")[-1].split(", ")


def test_strain_takes_two_reference_cells_as_table_does(tmp_path, capsys):
    """'strain --reference-cells' with two cells and --baseline linear was refused ("2 points cannot fix a linear
    baseline"), while 'table' takes the same two (a line through both, warning baseline_exact). The LS cell at 90 K
    and with a 0.01 Å longer at 100 K: at the child's 300 K the line gives a0 = a + 0.21 Å, and e11 = a/a0 − 1
    (X ∥ a, P the identity); the other components are those against the LS cell itself."""
    import json
    from pathlib import Path

    from symstrain.cif import read_cif
    from symstrain.cli import main

    models = Path(__file__).resolve().parents[1] / "cifs"
    ls, hs = models / "model_LS_Pccn_90K.cif", models / "model_HS_P21c_300K.cif"
    c = read_cif(ls).cell
    row = f"{c.b},{c.c},{c.alpha},{c.beta},{c.gamma}"
    (tmp_path / "ref.csv").write_text(f"T,a,b,c,alpha,beta,gamma\n90,{c.a},{row}\n100,{c.a + 0.01},{row}\n")
    assert main(["strain", str(ls), str(hs), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["strain", str(ls), str(hs), "--reference-cells", str(tmp_path / "ref.csv"), "--baseline", "linear",
                 "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    e, e0 = np.array(line["e"]["value"]), np.array(plain["e"]["value"])
    assert e[0, 0] == pytest.approx(read_cif(hs).cell.a / (c.a + 0.21) - 1, abs=1e-12)
    np.testing.assert_allclose(e[1:, 1:], e0[1:, 1:], rtol=0, atol=1e-12)
    assert "baseline_exact" in {w["code"] for w in line["warnings"]}


def test_transitions_csv_leaves_a_number_that_is_not_finite_empty(tmp_path, capsys):
    """AICc of a model with n ≤ k + 1 rows is null in the JSON and was 'inf' in transitions.csv."""
    import pandas as pd

    from symstrain.cli import main

    rows = ["T,a,b,c,alpha,beta,gamma,spacegroup"]
    for T, beta in ((150, 91.6), (170, 91.3), (190, 90.9), (210, 90.9)):  # 4 rows: AICc of k = 3 is inf
        rows.append(f"{T},10,12,8,90,{beta},90,P 1 21/c 1")
    for T in (230, 250):
        rows.append(f"{T},10.002,12.001,8.002,90,90,90,P c c n")
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n")
    assert main(["transitions", "--cells", str(tmp_path / "c.csv"), "--no-plots", "--out", str(tmp_path / "t")]) == 0
    capsys.readouterr()
    text = (tmp_path / "t" / "transitions.csv").read_text()
    t = pd.read_csv(tmp_path / "t" / "transitions.csv", skiprows=1)
    assert "inf" not in text and t["aicc"].isna().any() and t["aicc"].notna().any()


AG3CO = """T,a,b,c,alpha,beta,gamma,spacegroup
95,6.6200,11.3500,6.6230,90,78.5000,90,C2/m
120,6.6310,11.3622,6.6140,90,78.4680,90,C2/m
145,6.6328,11.3643,6.6099,90,78.4700,90,C2/m
170,6.6361,11.3759,6.6007,90,78.4330,90,C2/m
195,6.6330,11.3829,6.6062,90,78.3690,90,C2/m
220,6.6379,11.3883,6.6000,90,78.3790,90,C2/m
245,6.6383,11.3969,6.5980,90,78.3720,90,C2/m
270,6.6401,11.4091,6.5956,90,78.3490,90,C2/m
300,6.6415,11.4251,6.5959,90,78.2840,90,C2/m
"""


def test_principal_expansion_su_is_that_of_the_strain_along_its_axis(tmp_path, capsys):
    """Ag₃Co(CN)₆ phase II (PASCal's sample_T, Goodwin et al.): the principal coefficients' s.u.'s summed the
    components' slope variances as if independent (2.88, 2.45 MK⁻¹); the components share the rows' errors. Here by
    hand with numpy: strains against the 95 K cell (X ∥ a, Z ∥ c*), straight lines, the tensor's eigenvectors, and
    the s.u. of the slope of each row's strain along them (OLS): 2.61 and 2.18 MK⁻¹ (PASCal, fitting principal
    strains: 2.70 and 2.67)."""
    import io
    import json

    import pandas as pd

    from symstrain.cli import main

    (tmp_path / "c.csv").write_text(AG3CO)
    assert main(["table", "--cells", str(tmp_path / "c.csv"), "--no-reference", "--no-plots", "--json",
                 "--out", str(tmp_path / "t")]) == 0
    got = json.loads(capsys.readouterr().out)["expansion"]["phases"][0]["principal"]
    t = pd.read_csv(io.StringIO(AG3CO))

    def matrix(a, b, c, beta):  # gemmi's orthogonalisation for α = γ = 90°
        cb, sb = np.cos(np.radians(beta)), np.sin(np.radians(beta))
        return np.array([[a, 0, c * cb], [0, b, 0], [0, 0, c * sb]])

    A = [matrix(*r) for r in t[["a", "b", "c", "beta"]].to_numpy()]
    e = np.array([0.5 * (F + F.T) - np.eye(3) for F in (Ak @ np.linalg.inv(A[0]) for Ak in A)])
    T = t["T"].to_numpy(float)
    slopes = np.array([[np.polyfit(T, e[:, i, j], 1)[0] for j in range(3)] for i in range(3)])
    lam, vec = np.linalg.eigh(slopes)
    su = []
    for k in range(3):
        y = np.einsum("i,nij,j->n", vec[:, k], e, vec[:, k])
        _, C = np.polyfit(T, y, 1, cov=True)
        su.append(np.sqrt(C[0, 0]) * 1e6)
    assert [p["alpha"]["value"] for p in got] == pytest.approx((lam * 1e6).tolist(), rel=1e-9)
    assert [p["alpha"]["su"] for p in got] == pytest.approx(su, rel=1e-6)
    assert [round(p["alpha"]["su"], 2) for p in got][:2] == [2.61, 2.18]


def test_a_tc_pinned_at_the_edge_of_its_bracket_has_the_brackets_su():
    """Rows linear in T below a 794–854 K bracket: the tricritical law (y ∝ (T_c − T)^½) can only fit them with
    T_c at the last row, where its slope diverges and the covariance gave T_c ± 0.25 K (sweep 20: ± 0.002 K,
    0.0004 K above the row). Within 10⁻³ of the bracket of its edge, T_c is at the bound: its s.u. is the
    bracket's, 60/√12 K."""
    T = np.arange(700.0, 795.0, 2.0)
    y = 1e-4 * (800.0 - T)
    c = compare_models(T, y, np.full(len(T), 1e-5), T_low=794.0, T_high=854.0, ordered_below=True)
    tri = c.fit("tricritical")
    assert tri.Tc - 794.0 < 0.06 and tri.at_bound and tri.Tc_su == pytest.approx(60 / np.sqrt(12))


def test_two_groups_at_one_temperature_are_said(tmp_path, capsys):
    """Rows of two groups at one temperature (coexistence, or a file of the wrong phase) widened the bracket to the
    neighbouring single-group temperatures without a word."""
    import json

    from symstrain.cli import main

    rows = ["T,a,b,c,alpha,beta,gamma,spacegroup"]
    rows += [f"{T},10,12,8,90,{beta},90,P 1 21/c 1" for T, beta in ((150, 91.6), (170, 91.3), (190, 90.9))]
    rows += ["190,10.002,12.001,8.002,90,90,90,P c c n"] + [f"{T},10.002,12.001,8.002,90,90,90,P c c n"
                                                             for T in (210, 230)]
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n")
    assert main(["transitions", "--cells", str(tmp_path / "c.csv"), "--no-plots", "--json",
                 "--out", str(tmp_path / "t")]) == 0
    d = json.loads(capsys.readouterr().out)
    (w,) = [w["message"] for w in d["warnings"] if w["code"] == "groups_coexist"]
    assert w.startswith("at 190 K rows of P 1 21/c 1 and P c c n coexist")
    (t,) = d["results"]
    assert (t["bracket"]["below"]["T"]["value"], t["bracket"]["above"]["T"]["value"]) == (170.0, 210.0)
