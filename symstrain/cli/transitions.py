"""``symstrain transitions FILES... | --cells CSV``: every symmetry change of a series, bracketed by temperature per
branch, with T_c from fits of the order-parameter proxy (second order, tricritical, free β, first-order step)
compared by AICc (``transitions.py``). Writes into a new folder (``--out``, default ``./symstrain-transitions``):
``transitions.csv`` (one row per transition and model) and ``transitions.png`` (each fit, the bracket shaded).
"""

from __future__ import annotations

NAME = "transitions"
HELP = ("bracket every symmetry change of a temperature series (per branch) and estimate T_c with its s.u. from "
        "strain: second order, tricritical, free β and first-order step compared by AICc")
FILES = ("transitions.csv", "transitions.png")
UNITS = ("# units: T_below, T_above, T_c, model_T_c in K; beta (critical exponent), chi2, aicc, aic, bic and weight "
         "(Akaike weight) dimensionless; n, k counts of rows and fitted parameters; *_su standard uncertainty, empty "
         "when unknown, 0 for a fixed exponent")
CRITERION = {"aicc": "AICc", "aic": "AIC", "none": "—"}


def add_arguments(p):
    from .table import add_input_arguments

    add_input_arguments(p)
    p.add_argument("--out", metavar="DIR", help="new folder for " + ", ".join(FILES)
                   + " (default: ./symstrain-transitions, -2, … ; never overwrites)")
    p.add_argument("--no-plots", action="store_true", help="do not write the PNG figure")


def run(args):
    import math

    import numpy as np

    from ..csv_output import write_frame
    from ..errors import SymstrainInputError
    from ..plots.strain import short_symbol
    from ..transitions import INTERNAL, find_transitions, transition_to_dict
    from . import CommandResult, output_dir, refuse_existing
    from ..contract import warning_records
    from .table import failures, n_input_files, read_inputs

    from ..paraphase import group_of_rows

    names = list(FILES[:1]) + ([] if args.no_plots else list(FILES[1:]))
    refuse_existing(args.out, names)
    cells, phases = read_inputs(args, "transitions")
    known = cells["sg_number"].to_numpy(dtype=int) > 0 if len(cells) else np.zeros(0, bool)
    if len(cells) and not known.any():  # (a "no" here would be a guess: sweep 16 answered "0 symmetry changes")
        raise SymstrainInputError("transitions", "no space group is known for the rows, so no symmetry change can be "
                                  "found: give a spacegroup column in the cell table (or the CIFs)")
    trs, notes = find_transitions(cells, phases, tol=args.tol)
    groups = group_of_rows(cells, phases)[0]
    out = output_dir(args.out, "transitions", names)
    written = [str(out / "transitions.csv")]
    write_frame(written[0], csv_frame(trs), UNITS)
    if not args.no_plots:
        from ..plots.strain import group_colours
        from ..plots.transitions import plot_transitions

        written.append(plot_transitions(trs, out / "transitions.png", title="order-parameter proxy against T, "
                                        "each model fitted on the low-symmetry side, the bracket hatched",
                                        colours=group_colours(cells)))
    failed = failures(cells.attrs.get("failed", []))
    data = {
        "n_files": n_input_files(args),
        "n_rows": len(cells),
        "criterion": "AICc = chi2 + 2k + 2k(k+1)/(n-k-1) (AIC when no model has n > k + 1); chi2 with the proxies' "
                     "s.u.'s, else with sigma from the best fit's residual variance",
        "results": [transition_to_dict(t, cells, groups) for t in trs],
        "failed": failed,
    }
    lines = [f"{len(trs)} symmetry change(s) in {len(cells)} rows"]
    for t in trs:
        b = t.bracket
        head = (f"{short_symbol(t.high)} → {short_symbol(t.low)} ({b.branch or 'no branch'}): between "
                f"{b.T_below:g} K ({short_symbol(b.group_below)}) and {b.T_above:g} K ({short_symbol(b.group_above)})")
        lines.append(head)
        if t.comparison is None:
            what = "could not be related" if t.not_subgroup.startswith(INTERNAL) else "not a group–subgroup pair"
            lines.append(f"  {what}: {t.not_subgroup}; T_c = {t.Tc:.4g} ± {t.Tc_su:.2g} K "
                         "(the bracket)")
            continue
        rel = t.relation
        lines.append(f"  relation {rel.kind}, index {rel.index}; {t.coupling}: proxy {t.proxy} along its mean "
                     f"direction (∝ {'Q' if t.coupling == 'linear' else 'Q²'}; not the norm of 'table', which noise "
                     f"biases upwards) of {len(t.T)} row(s) against the {t.reference}")
        crit_name = CRITERION[t.comparison.criterion]
        delta = t.comparison.delta
        if t.preferred is None:
            lines.append(f"  T_c = {t.Tc:.4g} ± {t.Tc_su:.2g} K (the bracket): {t.comparison.evidence}")
            continue
        dof = t.comparison.sigma_dof
        noise = ("" if dof is None else f"; σ from the scatter of {t.comparison.sigma_from}, {dof} degree"
                 f"{'' if dof == 1 else 's'} of freedom")
        lines.append(f"  T_c = {t.Tc:.4g} ± {t.Tc_su:.2g} K  preferred: {t.preferred} ({t.comparison.evidence}; "
                     f"Δ{crit_name} = {'—' if not math.isfinite(delta) else f'{max(delta, 0.0):.3g}'}{noise})")
        for f in t.comparison.fits:
            crit = getattr(f, t.comparison.criterion)
            beta = "—" if not math.isfinite(f.beta) else f"{f.beta:.3g}"
            lines.append(f"    {f.model:17} β = {beta:>6}  T_c = {f.Tc:8.4g} ± {f.Tc_su:<7.2g} K  χ² = {f.chi2:9.4g}"
                         f"  {crit_name} = {'—' if not math.isfinite(crit) else f'{crit:.4g}':>9}"
                         f"  weight {f.weight:.3f}{'  (at a bound)' if f.at_bound else ''}"
                         f"{f'  (no degrees of freedom: {f.n} rows)' if f.no_dof else ''}")
    for f in failed:
        lines.append(f"failed: {f['file']}: {f['message']}")
    lines.append("wrote: " + ", ".join(written))
    from ..errors import WarningRecord
    from ..transitions import coexistence

    both = [WarningRecord("groups_coexist", "transitions", f"at {T:g} K{f' ({b})' if b else ''} rows of "
                          f"{' and '.join(names)} coexist: the change is bracketed by the neighbouring temperatures "
                          "of one group") for b, T, names in coexistence(cells)]  # (sweep 20: said nothing)
    return CommandResult(data, "\n".join(lines), written,
                         warnings=warning_records(list(cells.attrs.get("warnings", [])) + coded(trs, notes) + both),
                         status="partial" if failed else "ok")


#: codes of the warnings of :func:`symstrain.transitions.find_transitions` (given there as plain lines)
WARNING_CODES = {
    "not_a_subgroup": "the groups on the two sides of a bracket are not a group–subgroup pair: only the bracket",
    "relate_failed": "relating the groups on the two sides of a bracket failed (an internal error): only the bracket",
    "no_preferred_model": "no model of the order-parameter proxy is preferred: T_c is the bracket's middle",
    "groups_coexist": "rows of two groups at one temperature: the change is bracketed around it",
}


def coded(trs, notes) -> list:
    """The warning lines of :func:`~symstrain.transitions.find_transitions` as records, coded by the transition each
    belongs to: it gives them in the order of its transitions, one for a pair that is not group–subgroup
    (``relation`` None), else that transition's own ``warnings`` (no preferred model)."""
    from ..errors import WarningRecord
    from ..transitions import INTERNAL

    out, k = [], 0
    for t in trs:
        if t.relation is None:
            msgs = notes[k:k + 1]
            code = "relate_failed" if (t.not_subgroup or "").startswith(INTERNAL) else "not_a_subgroup"
        else:
            msgs, code = list(t.warnings), "no_preferred_model"
        k += len(msgs)
        out += [WarningRecord(code, "transitions", m) for m in msgs]
    return out


def csv_frame(trs):
    """transitions.csv: one row per transition and model (T_c in K, β, χ², AICc, Akaike weight, preferred)."""
    import numpy as np
    import pandas as pd

    rows = []
    for t in trs:
        b = t.bracket
        base = {"branch": b.branch, "T_below": b.T_below, "T_above": b.T_above, "group_below": b.group_below,
                "group_above": b.group_above, "high_symmetry": t.high, "low_symmetry": t.low,
                "coupling": t.coupling or "", "proxy": t.proxy or "", "T_c": t.Tc, "T_c_su": t.Tc_su,
                "preferred": t.preferred or ""}
        fits = t.comparison.fits if t.comparison is not None else ()
        if not fits:
            rows.append({**base, "model": ""})
        for f in fits:
            rows.append({**base, "model": f.model, "beta": f.beta, "beta_su": f.beta_su, "model_T_c": f.Tc,
                         "model_T_c_su": f.Tc_su, "chi2": f.chi2, "n": f.n, "k": f.k, "aicc": f.aicc, "aic": f.aic,
                         "bic": f.bic, "weight": f.weight, "at_bound": f.at_bound})
    frame = pd.DataFrame(rows)
    numbers = frame.select_dtypes("number").columns
    # a value that is no finite number (AICc of n ≤ k + 1: inf) is an empty cell, as it is null in the JSON (sweep 20)
    frame[numbers] = frame[numbers].where(np.isfinite(frame[numbers].to_numpy(dtype=float)))
    return frame
