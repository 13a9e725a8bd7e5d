"""``symstrain fit``: fit the Landau model (Eq. 4 by default) to q(T) and η(T) on heating and cooling branches.

Inputs: --q (T, q, branch[, sigma]) or --chimt (T, chiMT, branch; converted with --chit-hs/--chit-ls),
and/or --eta (T, eta, branch[, sigma]; normalised η, a free scale is fitted). Writes into --out (default: a
fresh ``symstrain-fit`` folder; existing files are never overwritten): fit_parameters.csv,
fit_correlation.csv, fit_curves.csv, fit_residuals.csv and fit.png.
"""

from __future__ import annotations

NAME = "fit"
HELP = "fit the coupled Landau model to q(T) and η(T) data (both branches), with s.u.'s and T↑, T↓, T_eq"

#: the units lines of fit_parameters.csv, fit_correlation.csv, fit_curves.csv and fit_residuals.csv
UNITS = ("# units: T_SC, Tc, T_up, T_down, T_eq in K; a1, a0 in energy unit/K; B, C, b, D, E in the energy unit; "
         "eta_scale in data units of η per model unit; value_su empty where unknown or fixed",
         "# units: correlation coefficients of the fitted parameters, dimensionless (empty where undefined)",
         "# units: T in K; q and eta the model's (dimensionless); eta_scaled = eta_scale·eta in the data's η unit",
         "# units: T in K; observed, model and residual = model − observed in the unit of the quantity's data (q "
         "dimensionless, eta as in the --eta file)")


def add_arguments(parser) -> None:
    parser.add_argument("--q", default=None, help="CSV with columns T, q, branch (heating/cooling)[, sigma]")
    parser.add_argument("--chimt", default=None, help="CSV with columns T, chiMT, branch: q from χMT instead of --q")
    parser.add_argument("--chit-hs", type=float, default=3.5, help="χT of pure HS, cm³ K mol⁻¹ (default 3.5)")
    parser.add_argument("--chit-ls", type=float, default=0.0, help="χT of pure LS, cm³ K mol⁻¹ (default 0)")
    parser.add_argument("--eta", default=None, help="CSV with columns T, eta, branch[, sigma] (normalised η)")
    parser.add_argument("--free", default="T_SC,a1,D",
                        help="comma-separated fitted parameters (default T_SC,a1,D; C and b fix the energy and η "
                             "scales; add E or B, a0, Tc for Eq. 3)")
    parser.add_argument("--param", action="append", default=[], metavar="K=V",
                        help="starting value (free) or fixed value (others), on top of the paper preset")
    parser.add_argument("--q-column", default=None, help="name of the q column in --q (default q)")
    parser.add_argument("--eta-column", default=None,
                        help="name of the η column in --eta (default eta), e.g. an order-parameter column")
    parser.add_argument("--bound", action="append", default=[], metavar="K=lo:hi",
                        help="bounds for a fitted parameter or eta_scale; repeatable")
    parser.add_argument("--no-eta-scale", action="store_true", help="η data are in model units: no scale factor")
    parser.add_argument("--out", default=None, help="output folder (default: new ./symstrain-fit)")


def run(args):
    import numpy as np

    from ..contract import warning_records
    from ..errors import SymstrainInputError
    from ..landau import LandauModel
    from ..notation import format_su
    from ..landau_data import clean_branch_frame, read_branch_csv
    from ..landau_fit import fit_landau
    from ..csv_output import write_frame
    from ..magnetism import read_chimt_csv
    from ..plots.landau import fit_figure
    from . import CommandResult
    from . import output_dir, refuse_existing
    from .landau import parse_params

    if args.q and args.chimt:
        raise SymstrainInputError("--q/--chimt", "give q or χMT data, not both")
    if not (args.q or args.chimt or args.eta):
        raise SymstrainInputError("fit", "give --q (or --chimt) and/or --eta")
    names = ["fit_parameters.csv", "fit_correlation.csv", "fit_curves.csv", "fit_residuals.csv", "fit.png"]
    refuse_existing(args.out, names)
    warnings = []
    qd = read_branch_csv(args.q, "q", args.q_column) if args.q else None
    if args.chimt:
        cd, warnings = read_chimt_csv(args.chimt, args.chit_hs, args.chit_ls)
        if "branch" not in cd:
            raise SymstrainInputError(args.chimt, "needs a branch column (heating/cooling)")
        q = cd["q"].to_numpy()
        if (np.abs(q) > 1.2).any():  # (sweep 16: "convert χMT first", said to a user who gave χMT)
            raise SymstrainInputError("--chit-hs/--chit-ls", f"with χT_HS = {args.chit_hs:g} and χT_LS = "
                                      f"{args.chit_ls:g} cm³ K mol⁻¹ the χMT of {args.chimt} (up to "
                                      f"{cd['chimt'].max():.4g}) give q from {q.min():.3g} to {q.max():.3g}, beyond "
                                      "[−1, 1]: give the χT of this compound's pure HS and LS states")
        try:
            qd = clean_branch_frame(cd[["T", "q", "branch"]], "q", args.chimt)
        except SymstrainInputError as exc:
            raise SymstrainInputError(args.chimt, exc.problem) from None
    ed = read_branch_csv(args.eta, "eta", args.eta_column) if args.eta else None
    bounds = {}
    for item in args.bound:
        key, _, rng = item.partition("=")
        lo_, _, hi_ = rng.partition(":")
        try:
            bounds[key.strip()] = (float(lo_) if lo_.strip() else -float("inf"), float(hi_) if hi_.strip() else float("inf"))
        except ValueError:
            raise SymstrainInputError("--bound", f"expected K=lo:hi, got {item!r}") from None
        if not bounds[key.strip()][0] < bounds[key.strip()][1]:
            raise SymstrainInputError("--bound", f"{key}: lower bound must be below upper bound")
    free = tuple(s.strip() for s in args.free.split(",") if s.strip())
    start = parse_params(args.param, LandauModel.paper())
    try:
        fit = fit_landau(qd, ed, model=start, free=free, fit_eta_scale=not args.no_eta_scale, bounds=bounds)
    except SymstrainInputError as exc:
        if exc.source == "free":
            raise SymstrainInputError("--free", exc.problem) from None
        raise
    out = output_dir(args.out, "fit", names)
    files = [str(out / n) for n in names]
    for path, frame, units in zip(files, (fit.params_frame(), fit.correlation, fit.curves, fit.residuals), UNITS):
        write_frame(path, frame, units, index=frame is fit.correlation)
    fit_figure(fit, qd, ed, files[4])
    lines = ["Landau fit (" + ("converged" if fit.success else "NOT converged: " + fit.message) + ")"]
    for k, v in fit.values.items():
        lines.append(f"  {k:10s} = {format_su(v, fit.su[k])}")
    lines.append("  fixed: " + ", ".join(f"{k}={v:g}" for k, v in fit.fixed.items()))
    lines.append("  " + ", ".join(f"{lab} = {format_su(getattr(fit, k), getattr(fit, k + '_su'))} K"
                                  for lab, k in (("T↑", "T_up"), ("T↓", "T_down"), ("T_eq", "T_eq"))))
    if fit.observed:
        lines.append("  observed jumps: " + ", ".join(f"{k.replace('_obs', '')} {format_su(v, fit.observed[k + '_su'])} K"
                                                       for k, v in fit.observed.items() if not k.endswith("_su")))
    lines.append(f"  χ²/dof = {fit.redchi2:.3g} ({fit.n_data} points), Jacobian condition {fit.condition:.3g}")
    warned = {w.message for w in fit.warnings}
    lines += [f"  note: {n}" for n in fit.notes if n not in warned]
    lines.append(f"wrote {len(files)} files to {out}")
    return CommandResult(data=fit.to_dict(), text="\n".join(lines), files=files,
                         warnings=warning_records(warnings) + list(fit.warnings))
