"""``symstrain demo``: the whole pipeline on the bundled model of [Fe(PM-PEA)₂(NCS)₂], written to a report folder.

CIF → phase → relation → strain / reflections / order parameter → Landau model, on the model structures that
``symstrain.models`` builds (so the demo runs the same after any install), plus a model temperature series
driven by the paper's Landau parameters. Everything is written to ``--out`` (default: a new ./symstrain-demo):
the model CIFs, CSV tables, PNG figures and ``report.md``.
"""

NAME = "demo"
HELP = "run the whole pipeline on the bundled model pair and write a report folder (tables, figures, report.md)"


def add_arguments(p):
    p.add_argument("--out", help="report folder (default: new ./symstrain-demo; never overwrites)")
    p.add_argument("--quick", action="store_true", help="skip the model temperature series (a few seconds faster)")


def _fmt(v, su=None, digits=4):
    from ..notation import format_su

    return format_su(v, su, digits)


def run(args):
    from dataclasses import replace

    import numpy as np

    from .. import contract
    from ..cif import read_cif
    from ..csv_output import write_frame
    from ..detect import detect_symmetry
    from ..domains import analyse_domains
    from ..entropy import entropy_budget
    from ..intensities import eta_intensity, predict_intensities, strongest
    from ..landau import LandauModel
    from ..series_models import model_series
    from ..models import model_pair
    from ..order import order_parameters, proportionality, symmetrize
    from ..plots import landau as landau_plots
    from ..plots.domains import plot_splitting
    from ..plots.order import plot_order_parameters
    from ..plots.reflections import plot_section
    from ..plots.strain import plot_lattice, plot_strain
    from ..pseudo import pseudo_supergroups
    from ..reference import fit_cell_baseline
    from ..reflection_classes import reflections
    from ..relation import relate
    from ..series import strain_table
    from ..spontaneous_strain import strain
    from ..writer import write_cif
    from . import CommandResult, progress_bar
    from .files import OutputFiles, destination
    from .landau import UNITS as LANDAU_UNITS
    from .reflections import UNITS as REFLECTION_UNITS

    folder = destination(args.out, "demo", ["report.md"])
    with OutputFiles(folder) as out:
        # 1. the bundled model pair, written and read back through the CIF reader
        ls_model, hs_model = model_pair()
        phases = {}
        for key, model, name in (("LS", ls_model, "model_LS_Pccn_90K.cif"), ("HS", hs_model, "model_HS_P21c_300K.cif")):
            write_cif(model, out.path(name))
            phases[key] = replace(read_cif(out.staged(name)), source=str(out.final(name)))
        ls, hs = phases["LS"], phases["HS"]
        det = {name: detect_symmetry(ph) for name, ph in phases.items()}

        # 2. relation, strain, reflections, domains, order parameter
        rel = relate(ls, hs).require()
        st = strain(rel)
        cls = reflections(rel, dmin=1.0)
        I = predict_intensities(hs, cls.table[["h", "k", "l"]].to_numpy())
        cls = cls.with_intensities(I)
        is_sb = (cls.table["class"] == "SB").to_numpy()
        sb_frac = float(I[is_sb].sum() / I.sum())
        top = strongest(cls.table, "SB", n=8)
        predicted = REFLECTION_UNITS["predicted"].format(unit="electrons^2")  # X-ray |F|², as reflections writes
        write_frame(out.path("strongest_SB_reflections.csv"), top, predicted)
        write_frame(out.path("reflections.csv"), cls.table, predicted)
        for normal, name in (((1, 0, 0), "section_0kl.png"), ((0, 0, 1), "section_hk0.png")):
            plot_section(cls.table, hs.cell, out.path(name), normal=normal, level=0, I_col="I")
        dom = analyse_domains(rel, st)
        plot_splitting(dom.splitting, out.path("domains_splitting.png"), title="twin-related reflections of the HS "
                                                                              "model (Cu Kα1)")
        dist = symmetrize(rel)
        write_cif(dist.symmetrized, out.path("HS_symmetrized_to_Pccn.cif"))
        pseudo = pseudo_supergroups(hs, depth=1)

        # 3. Landau model with the paper's parameters
        model = LandauModel.paper()
        sweep = model.sweep(np.linspace(150.0, 300.0, 3001))
        tr = sweep.transitions
        write_frame(out.path("landau_sweep.csv"), sweep.to_frame(), LANDAU_UNITS["sweep.csv"])
        landau_plots.fig2cd(sweep, out.path("landau_q_eta.png"))
        T_in = 0.5 * (tr.T_up + tr.T_down)
        landau_plots.fig5(model, sweep, [150.0, T_in, 300.0], out.path("landau_gibbs_maps.png"))
        budget = entropy_budget()

        # 4. a model temperature series driven by the Landau model: strain table and three measures of eta
        series_lines, series_data = [], None
        if not args.quick:
            series_data, series_lines = _series(out, ls, model, progress_bar(not args.json), model_series,
                                                fit_cell_baseline, relate, strain_table, plot_lattice, plot_strain,
                                                order_parameters, plot_order_parameters, proportionality)

        # 5. report
        lines = _report(ls, hs, det, rel, st, cls, sb_frac, eta_intensity(I, is_sb), top, dom, dist, pseudo, tr,
                        budget, series_lines)
        lines += ["## Files", *[f"- `{n}`" for n in out.names], "- `report.md`", ""]
        (out.path("report.md")).write_text("\n".join(lines))
    files = out.written
    report = out.final("report.md")

    dom_dict = dom.to_dict()
    dist_dict = dist.to_dict()
    data = {
        "out": str(folder),
        "structures": [{**contract.structure(ph), "detected": contract.spacegroup_from_number(det[k].number)}
                       for k, ph in phases.items()],
        "relation": rel.to_dict(),
        "strain": st.to_dict(),
        "reflections": {**cls.to_dict(), "predicted": {"sb_fraction": sb_frac,
                                                        "eta_intensity": eta_intensity(I, is_sb)}},
        "domains": dom_dict,
        "distortion": dist_dict,
        "pseudo_supergroups": [s.to_dict() for s in pseudo],
        "landau": {"params": model.params(), **tr.to_dict()},
        "entropy_budget": budget.to_dict(),
        "series": series_data,
    }
    warnings = (rel.all_warnings() + st.warning_records() + list(cls.warnings) + list(dom.states.warnings)
                + list(dom.splitting.warnings) + list(dist.warnings))
    text = "\n".join([
        f"symstrain demo — model [Fe(PM-PEA)2(NCS)2] (report in {folder})",
        rel.summary(),
        f"strain: ε13 = {_fmt(st.eps13, st.eps13_su)}, vs = {_fmt(st.volume_strain, st.volume_strain_su)}",
        "SB reflections: " + "; ".join(cls.summary_lines()[:2]),
        f"domains: {dom.states.orientation_states} orientation × {dom.states.antiphase_states} antiphase states; "
        + "; ".join(f"pair {p.states[0]}–{p.states[1]}: {p.walls.verdict}" for p in dom.states.pairs),
        f"distortion: {dist.amplitude:.3f} Å ({dist.irrep}); Landau: T↑ {tr.T_up:.2f} K, T↓ {tr.T_down:.2f} K",
        f"wrote {len(files)} files, summary in {report}",
    ])
    return CommandResult(data, text, files, warnings=warnings)


def _series(out, ls, model, progress, model_series, fit_cell_baseline, relate, strain_table, plot_lattice,
            plot_strain, order_parameters, plot_order_parameters, proportionality):
    """The model temperature series (strain table against a linear LS baseline, three measures of η on heating):
    its JSON and its lines of the report."""
    import numpy as np

    from ..csv_output import write_frame
    from ..series import cells_from_phases
    from .order import UNITS as ORDER_UNITS
    from .table import UNITS as TABLE_UNITS, csv_frame

    temps = np.arange(120.0, 291.0, 10.0)
    items = model_series(temps, model)
    phases = [it["phase"] for it in items]
    cells = cells_from_phases(phases, branches=[it["branch"] for it in items], detect=False)
    # the baseline: the parent (LS, Pccn) rows before the crossover's precursor (q = −1; from 180 K q rises, with
    # its own volume change: a baseline through those rows took part of the HS rows' strain away, vs 0.040 → 0.025
    # against the model's 0.050, sweep 24)
    ls_items = [it for it in items if it["eta"] == 0 and it["q"] <= -1 + 1e-9]
    base = fit_cell_baseline([it["T"] for it in ls_items], [it["phase"].cell for it in ls_items],
                             model="linear", source="LS model cells")
    rels = [relate(ls, ph).require() for ph in phases]
    table = strain_table(cells, base, relations=rels)
    write_frame(out.path("series_strain_table.csv"), csv_frame(table), TABLE_UNITS)  # as 'symstrain table' writes
    plot_lattice(table, out.path("series_lattice.png"), baseline=base)
    plot_strain(table, out.path("series_strain.png"))
    hs_items = [it for it in items if it["branch"] == "heating"]
    eta_df = order_parameters(ls, [it["phase"] for it in hs_items if it["eta"] > 0], dmin=1.2, progress=progress)
    write_frame(out.path("series_order_parameters.csv"), eta_df, ORDER_UNITS)
    if len(eta_df):
        plot_order_parameters(eta_df.assign(branch="heating"), out.path("series_order_parameters.png"),
                              title="model series, heating")
    ls_T = sorted({float(it["T"]) for it in ls_items})
    data = {"n_structures": len(items), "T": temps.tolist(), "strain_table": "series_strain_table.csv",
            "baseline_T": ls_T,
            "proportionality": proportionality(eta_df) if len(eta_df) > 1 else None}
    lines = [
        f"- {len(items)} model structures ({temps[0]:g}–{temps[-1]:g} K, heating and cooling) from the Landau sweep;",
        "  strain against a linear baseline through the LS rows without precursor "
        f"(q = −1, {ls_T[0]:g}–{ls_T[-1]:g} K):",
        "  `series_strain_table.csv`, `series_lattice.png`, `series_strain.png`;",
        "  three measures of η on heating: `series_order_parameters.csv`, `series_order_parameters.png`.",
    ]
    return data, lines


def _report(ls, hs, det, rel, st, cls, sb_frac, eta_I, top, dom, dist, pseudo, tr, budget, series_lines) -> list:
    """The lines of report.md (without its list of files)."""
    ds = dom.states
    lines = [
        "# symstrain demo: model [Fe(PM-PEA)2(NCS)2]",
        "",
        "Model structures built by `symstrain.models` (idealised geometry, invented cell: see cifs/README.md), "
        "not the CCDC deposits.",
        "",
        "## Structures",
        f"- LS: declared {ls.spacegroup.hm} ({ls.spacegroup.number}), detected {det['LS'].symbol} "
        f"({det['LS'].number}) at {det['LS'].symprec:g} Å; cell {ls.cell.a:.3f} {ls.cell.b:.3f} {ls.cell.c:.3f} Å, "
        f"V = {ls.cell.volume:.1f} Å³",
        f"- HS: declared {hs.spacegroup.hm} ({hs.spacegroup.number}), detected {det['HS'].symbol} "
        f"({det['HS'].number}); β = {hs.cell.beta:.2f}°, V = {hs.cell.volume:.1f} Å³",
        "",
        "## Group–subgroup relation",
        "```",
        rel.summary(),
        "```",
        "",
        "## Spontaneous strain (HS against the LS cell; frame X ∥ a, Z ∥ c*)",
        f"- ε13 = ½·c·cos β / c0 = {_fmt(st.eps13, st.eps13_su)}",
        f"- volume strain vs = {_fmt(st.volume_strain, st.volume_strain_su)}",
        f"- scalar strain e_ss = {_fmt(st.e_ss, st.e_ss_su)}; symmetry-breaking part e_sb = {_fmt(st.e_sb, st.e_sb_su)}",
        "",
        "## Symmetry-breaking reflections (d ≥ 1.0 Å)",
        *[f"- {line}" for line in cls.summary_lines()],
        f"- counts: {cls.counts}; predicted ΣI_SB/ΣI_all = {sb_frac:.4f}, η_intensity = {eta_I:.4f}",
        "- strongest SB reflections to monitor: "
        + ", ".join(f"({int(r.h)} {int(r.k)} {int(r.l)})" for r in top.itertuples()),
        "- reciprocal sections: `section_0kl.png`, `section_hk0.png`",
        "",
        "## Ferroic domains",
        f"- {ds.orientation_states} orientation × {ds.antiphase_states} antiphase = {len(ds.states)} domain states "
        f"(Aizu {rel.aizu}); strains in the {ds.frame}",
        *[f"- states {p.states[0]}–{p.states[1]}: twin law {p.twin_law_text} ({p.point_operation}); {p.quadric}; "
          f"{p.walls.verdict}" + (f"; obliquity {p.walls.obliquity:.4f}°" if p.walls.obliquity else "")
          + "".join(f"; {w.kind} wall {w.equation}" for w in p.walls.walls) for p in ds.pairs],
        f"- {ds.antiphase_note}",
        "- splitting of twin-related reflections (Cu Kα1): `domains_splitting.png`",
        "```",
        *dom.splitting.summary_lines(),
        "```",
        "",
        "## Order parameter from atoms",
        f"- distortion amplitude {dist.amplitude:.3f} Å per parent cell, largest displacement "
        f"{dist.max_displacement:.3f} Å, irrep {dist.irrep}; symmetrised structure `HS_symmetrized_to_Pccn.cif`",
        "- pseudo-symmetry search on the HS structure alone: "
        + (", ".join(f"{s.symbol} ({s.number}) needs {s.max_displacement:.3f} Å" for s in pseudo) or "none"),
        "",
        "## Landau model (paper parameters, Eq. 4)",
        f"- T↑ = {tr.T_up:.2f} K (heating), T↓ = {tr.T_down:.2f} K (cooling), T_eq = {tr.T_eq:.2f} K, "
        f"hysteresis {tr.width:.2f} K",
        "- figures: `landau_q_eta.png` (q and η on both branches), `landau_gibbs_maps.png` (G(q, η) maps)",
        f"- entropy budget: ΔS_spin = {budget.dS_spin:.2f}, ΔS_vib = {budget.dS_vib:.1f}, ΔS_SB = {budget.dS_SB:.2f}, "
        f"total {budget.total:.1f} J mol⁻¹ K⁻¹ against DSC {budget.dsc_low:g}–{budget.dsc_high:g}",
        "",
    ]
    if series_lines:
        lines += ["## Model temperature series", *series_lines, ""]
    return lines
