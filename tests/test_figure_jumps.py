"""No figure bridges a first-order jump with a solid line: data rows are joined only between neighbours of one space
group on a known branch (a gap at the jump), and a model curve that jumps stops at the jump, which is drawn as a
dashed vertical connector. The properties are checked on the drawn Line2D objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import symstrain
from symstrain.plots.strain import joined_runs

ROOT = Path(__file__).resolve().parents[1]


def captured(monkeypatch, module, draw):
    """The Figure a plotting function of ``module`` builds (instead of writing it)."""
    seen = {}
    monkeypatch.setattr(module, "save_figure", lambda fig, path, *a, **k: seen.setdefault("fig", fig) and str(path))
    draw()
    return seen["fig"]


def solid_lines(ax):
    """Solid lines in data coordinates (not axhline/axvline guides)."""
    return [ln for ln in ax.lines if ln.get_linestyle() == "-" and len(ln.get_xdata()) > 1
            and ln.get_transform() == ax.transData]


def dashed_verticals(ax):
    return [ln for ln in ax.lines if ln.get_linestyle() not in ("-", "None", "none", "")
            and len(ln.get_xdata()) == 2 and ln.get_xdata()[0] == ln.get_xdata()[1]
            and ln.get_transform() == ax.transData]


def test_joined_runs_by_hand():
    T = np.array([100.0, 110.0, 120.0, 130.0, 130.0, 140.0, 150.0])
    g = np.array(["A", "A", "B", "B", "B", "B", "A"], dtype=object)
    runs = joined_runs(T, g, "heating")
    # A:100–110 | B:120–130 | (130 twice: not joined) B:130–140 | A:150 alone
    assert [T[r].tolist() for r in runs] == [[100.0, 110.0], [120.0, 130.0], [130.0, 140.0]]
    assert joined_runs(T, g, "") == []  # no stated branch: markers only
    # rows in any order are joined in T order
    assert [r.tolist() for r in joined_runs(np.array([30.0, 10.0, 20.0]), None, "cooling")] == [[1, 2, 0]]


def test_splitting_figure_has_no_line_across_the_symmetry_change(monkeypatch):
    """Model series (Landau heating and cooling): the Pccn rows have Δ2θ = 0 exactly (the twin of (3 0 -4) is a
    symmetry-equivalent reflection), the P2₁/c rows Δ2θ ≈ 1.36°; no solid line may join a zero and a non-zero row."""
    from symstrain.domains import analyse_domains
    from symstrain.plots import domains as plots
    from symstrain.relation import relate

    files = sorted((ROOT / "cifs" / "series").glob("model_*.cif"))
    phases = [symstrain.read_cif(f) for f in files]
    cells = symstrain.cells_from_phases(phases, branches=["heating" if "heating" in f.name else "cooling"
                                                          for f in files], detect=False)
    rel = relate(symstrain.read_cif(ROOT / "cifs" / "model_LS_Pccn_90K.cif"),
                 symstrain.read_cif(ROOT / "cifs" / "model_HS_P21c_300K.cif"))
    res = analyse_domains(rel, hkl=np.array([[3, 0, -4]]), cells=cells)
    fig = captured(monkeypatch, plots, lambda: plots.plot_splitting(res.splitting, "x.png"))
    ax2 = fig.axes[1]
    lines = solid_lines(ax2)
    assert lines, "rows of one group on a known branch are still joined"
    for ln in lines:
        y = np.asarray(ln.get_ydata(), float)
        assert np.all(y == 0.0) or np.all(y > 0.5), y
    # both branches have both groups: 2 branches × 2 groups of joined rows
    assert len(lines) == 4


def test_landau_branches_stop_at_the_jump_and_show_it_dashed(monkeypatch):
    from symstrain.landau import LandauModel
    from symstrain.plots import landau as plots

    m = LandauModel.paper()
    sweep = m.sweep(np.linspace(180.0, 280.0, 401))
    fig = captured(monkeypatch, plots, lambda: plots.fig2cd(sweep, "x.png"))
    ax_q = fig.axes[0]
    for ln in solid_lines(ax_q):
        x, y = np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float)
        steps = np.abs(np.diff(y))[np.diff(x) > 0]
        assert steps.max() < 0.2, "a solid line bridges the jump of q"
    # the jumps of q (LS ≈ −0.1 → HS ≈ +1 on heating, the reverse on cooling) are dashed vertical connectors
    jumps = [ln for ln in dashed_verticals(ax_q) if abs(np.diff(ln.get_ydata())[0]) > 0.5]
    assert len(jumps) == 2
    # each connector stands where a solid piece of its colour ends
    for j in jumps:
        t = j.get_xdata()[0]
        ends = [ln for ln in solid_lines(ax_q) if ln.get_color() == j.get_color()
                and t in (ln.get_xdata()[0], ln.get_xdata()[-1])]
        assert len(ends) == 2


def test_first_order_step_fit_is_drawn_with_a_connector(monkeypatch):
    """A step y = A (ordered side) / 0 drawn on a T grid: its pieces hold no jump, the connector spans 0 … A."""
    from symstrain.plots import transitions as plots
    from symstrain.transitions import find_transitions
    from symstrain.series import read_series

    files = sorted((ROOT / "cifs" / "series").glob("model_heating_*.cif"))
    cells, phases = read_series(files, detect=False)
    trs, _ = find_transitions(cells, phases)
    assert trs
    fig = captured(monkeypatch, plots, lambda: plots.plot_transitions(trs, "x.png"))
    tr, ax = trs[0], fig.axes[0]
    step = tr.comparison.fit("first_order_step")
    orange = [ln for ln in ax.lines if ln.get_color() == "tab:orange"]
    pieces = [ln for ln in orange if len(ln.get_xdata()) > 2]
    for ln in pieces:
        y = np.asarray(ln.get_ydata(), float)
        assert not (np.any(y == 0.0) and np.any(np.abs(y) > 0.5 * abs(step.A) * 1e3))
    conn = [ln for ln in dashed_verticals(ax) if ln.get_color() == "tab:orange"]
    assert pieces and len(conn) == 1 and conn[0].get_xdata()[0] == pytest.approx(step.Tc)
    assert sorted(np.abs(conn[0].get_ydata())) == pytest.approx([0.0, abs(step.A) * 1e3])


def test_splitting_figure_shades_and_labels_the_phases_and_keeps_its_legend_outside(monkeypatch):
    """Issue 13 item 8 for the domains figure: the phases of the rows shaded and named, the brackets of the symmetry
    changes marked (dotted lines at the last row of one group and the first of the next, per branch), and the
    legend below the panels instead of over the data."""
    from matplotlib.patches import Rectangle

    from symstrain.domains import analyse_domains
    from symstrain.plots import domains as plots
    from symstrain.relation import relate

    files = sorted((ROOT / "cifs" / "series").glob("model_*.cif"))
    phases = [symstrain.read_cif(f) for f in files]
    branches = ["heating" if "heating" in f.name else "cooling" for f in files]
    cells = symstrain.cells_from_phases(phases, branches=branches, detect=False)
    rel = relate(symstrain.read_cif(ROOT / "cifs" / "model_LS_Pccn_90K.cif"),
                 symstrain.read_cif(ROOT / "cifs" / "model_HS_P21c_300K.cif"))
    res = analyse_domains(rel, hkl=np.array([[3, 0, -4]]), cells=cells)
    fig = captured(monkeypatch, plots, lambda: plots.plot_splitting(res.splitting, "x.png"))
    # the brackets by hand: per branch, the last row of one group and the first row of the other
    edges = set()
    for br in ("heating", "cooling"):
        rows = sorted((p.temperature, p.spacegroup.number) for p, b in zip(phases, branches) if b == br)
        edges |= {t for (t0, g0), (t1, g1) in zip(rows, rows[1:]) if g0 != g1 for t in (t0, t1)}
    assert len(edges) == 4
    for ax in fig.axes[:2]:
        assert ax.get_legend() is None
        names = {t.get_text() for t in ax.texts}
        assert {"Pccn", "P2₁/c"} <= names
        spans = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_transform() != ax.transData]
        assert len(spans) >= 3  # Pccn, hysteresis, P2₁/c
        dotted = {ln.get_xdata()[0] for ln in ax.lines if ln.get_linestyle() == ":"}
        assert dotted == edges
    assert len(fig.legends) == 1
    labels = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"Pccn", "P2₁/c"} <= labels and any("(3 0 -4)" in s for s in labels)


def test_a_transition_without_a_model_has_a_plain_title(monkeypatch):
    """One ordered row (the 235 K P2₁/c of the heating series after six Pccn rows): no model can be fitted, and the
    panel's title said "— : None, 1 ordered row(s)…" (sweep 29); it gives the reason alone."""
    from symstrain.plots import transitions as plots
    from symstrain.series import read_series
    from symstrain.transitions import find_transitions

    files = [ROOT / "cifs" / "series" / f"model_heating_0{T}.0K.cif" for T in (205, 210, 215, 220, 225, 230, 235)]
    cells, phases = read_series(files, detect=False)
    trs, _ = find_transitions(cells, phases)
    assert len(trs) == 1 and trs[0].preferred is None and len(trs[0].T) == 1
    fig = captured(monkeypatch, plots, lambda: plots.plot_transitions(trs, "x.png"))
    title = fig.axes[0].get_title().replace("\n", " ")
    assert "None" not in title and ": ," not in title and "no model can be fitted" in title
