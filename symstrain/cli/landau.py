"""``symstrain landau``: equilibria, heating/cooling hysteresis, transitions, figures of the coupled Landau model.

Writes into --out (default: a fresh ``symstrain-landau`` folder in the current directory; an existing
file is never overwritten — the command refuses): sweep.csv (both branches), transitions.csv,
barriers.csv, equilibria.csv (every minimum and saddle at the three Fig. 5 temperatures), fig1.png,
fig2cd.png, fig5.png and, with --phase-diagram, phase_diagram.csv/.png.
"""

from __future__ import annotations

import math


NAME = "landau"
HELP = "Landau model of coupled spin crossover + symmetry breaking: hysteresis, transitions, figures"

#: the units line of each CSV (energies in the model's own unit, that of a1·K; q and η are the model's own)
_MODEL = "q (spin-state parameter) and eta (order parameter) dimensionless, in the model's own scale"
UNITS = {
    "sweep.csv": f"# units: T in K; {_MODEL}; G in the model's energy unit (that of a1·K); S = −∂G/∂T in that unit "
                 "per K; n_minima a count",
    "transitions.csv": f"# units: T in K; q_*, eta_*: {_MODEL}; dS = S_after − S_before in the model's energy unit "
                       "per K",
    "barriers.csv": f"# units: T in K; q_saddle, eta_saddle: {_MODEL}; G_saddle, dG_LH, dG_HL in the model's energy "
                    "unit",
    "equilibria.csv": f"# units: T in K; {_MODEL}; G, dG_from_lower, dG_from_higher in the model's energy unit",
    "phase_diagram.csv": "# units: the parameter columns in their own units (T_SC, Tc in K; a1, a0 in energy unit per "
                         "K; B, C, b, D, E in the model's energy unit); T_up, T_down, width in K; n_events a count",
}


def add_arguments(parser) -> None:
    parser.add_argument("--preset", choices=["paper"], default="paper",
                        help="starting parameters (paper: Eq. 4 strong-coupling preset)")
    parser.add_argument("--param", action="append", default=[], metavar="K=V",
                        help="override a parameter (a1, B, C, T_SC, a0, Tc, b, D, E); repeatable")
    parser.add_argument("--tmin", type=float, default=None, help="lowest temperature (K); default T_SC − 150")
    parser.add_argument("--tmax", type=float, default=None, help="highest temperature (K); default T_SC + 150")
    parser.add_argument("--n", type=int, default=3001, help="number of temperatures (default 3001)")
    parser.add_argument("--phase-diagram", default=None, metavar="X=lo:hi:n[,Y=lo:hi:n]",
                        help="also map the regimes over one or two parameters, e.g. D=-10:0:21,E=-20:0:21")
    parser.add_argument("--out", default=None, help="output folder (default: new ./symstrain-landau)")


def parse_params(items, model, source="--param"):
    """Apply ``K=V`` strings to a model; bad names/values → SymstrainInputError(source)."""
    from ..errors import SymstrainInputError
    from ..landau import PARAMETERS

    changes = {}
    for item in items:
        key, sep, val = str(item).partition("=")
        key = key.strip()
        if not sep or key not in PARAMETERS:
            raise SymstrainInputError(source, f"expected K=V with K one of {', '.join(PARAMETERS)}; got {item!r}")
        try:
            changes[key] = float(val)
        except ValueError:
            raise SymstrainInputError(source, f"{key}: not a number: {val!r}") from None
    try:
        return model.replace(**changes)
    except SymstrainInputError as exc:
        raise SymstrainInputError(source, exc.problem) from None


def _parse_axes(spec):
    from ..errors import SymstrainInputError

    axes = []
    for part in spec.split(","):
        key, sep, rng = part.partition("=")
        bits = rng.split(":")
        try:
            lo, hi, n = float(bits[0]), float(bits[1]), int(bits[2])
        except (ValueError, IndexError):
            raise SymstrainInputError("--phase-diagram", f"expected X=lo:hi:n, got {part!r}") from None
        if n < 1 or n > 200:
            raise SymstrainInputError("--phase-diagram", f"{key}: n must be 1..200, got {n}")
        if not (math.isfinite(lo) and math.isfinite(hi)):  # (nan: points silently invalid, sweep 26)
            raise SymstrainInputError("--phase-diagram", f"{key}: lo and hi must be finite numbers, got {part!r}")
        from ..landau import PARAMETERS

        if key.strip() not in PARAMETERS:
            raise SymstrainInputError("--phase-diagram", f"unknown parameter {key.strip()!r}; known: {', '.join(PARAMETERS)}")
        axes.append((key.strip(), lo, hi, n))
    if not 1 <= len(axes) <= 2:
        raise SymstrainInputError("--phase-diagram", "give one or two parameters")
    return axes


def run(args):
    import numpy as np

    from ..csv_output import write_frame
    from ..errors import SymstrainInputError
    from ..landau import SEED_OBSERVED, LandauModel, analyse
    from ..plots import landau as plots
    from . import CommandResult, output_dir, refuse_existing

    model = parse_params(args.param, LandauModel.paper())
    grid = model.default_grid()
    tmin = grid[0] if args.tmin is None else args.tmin
    tmax = grid[-1] if args.tmax is None else args.tmax
    if not (np.isfinite(tmin) and np.isfinite(tmax) and 0 < tmin < tmax):
        raise SymstrainInputError("--tmin/--tmax", f"need 0 < tmin < tmax, got {tmin}, {tmax}")
    if not 2 <= args.n <= 10**6:
        raise SymstrainInputError("--n", f"need 2 ≤ n ≤ 10⁶, got {args.n}")
    axes = _parse_axes(args.phase_diagram) if args.phase_diagram else None
    names = ["sweep.csv", "transitions.csv", "barriers.csv", "equilibria.csv", "fig1.png", "fig2cd.png", "fig5.png"]
    if axes:
        names += ["phase_diagram.csv", "phase_diagram.png"]
    refuse_existing(args.out, names)
    T = np.linspace(tmin, tmax, args.n)
    res = analyse(model, T, axes)
    tr = res.sweep.transitions
    out = output_dir(args.out, "landau", names)
    files = []

    def w(name):
        files.append(str(out / name))
        return out / name

    write_frame(w("sweep.csv"), res.sweep.to_frame(), UNITS["sweep.csv"])
    write_frame(w("transitions.csv"), tr.to_frame(), UNITS["transitions.csv"])
    write_frame(w("barriers.csv"), res.sweep.barriers, UNITS["barriers.csv"])
    write_frame(w("equilibria.csv"), res.equilibria, UNITS["equilibria.csv"])
    plots.fig1(model, w("fig1.png"), T)
    plots.fig2cd(res.sweep, w("fig2cd.png"))
    plots.fig5(model, res.sweep, res.map_temperatures, w("fig5.png"))
    if axes:
        write_frame(w("phase_diagram.csv"), res.phase_diagram, UNITS["phase_diagram.csv"])
        plots.phase_diagram_figure(res.phase_diagram, axes[0][0], axes[1][0] if len(axes) > 1 else None,
                                   w("phase_diagram.png"))
    data = res.to_dict()
    lines = [f"Landau model ({', '.join(f'{k}={v:g}' for k, v in model.params().items())})",
             f"T↑ (heating)  = {tr.T_up:.2f} K", f"T↓ (cooling)  = {tr.T_down:.2f} K",
             f"T_eq          = {tr.T_eq:.2f} K   (hysteresis width {tr.width:.2f} K)",
             f"ΔS at T↑ = {tr.dS_up:.4g}, at T↓ = {tr.dS_down:.4g}, at T_eq = {tr.dS_eq:.4g} (energy unit / K)"]
    for e in tr.events:
        lines.append(f"  {e.direction:8s} {e.kind:12s} {e.T:9.3f} K  {e.from_phase} → {e.to_phase}  "
                     f"q {e.q_before:+.3f} → {e.q_after:+.3f}, η {e.eta_before:.3f} → {e.eta_after:.3f}")
    if not args.param:
        lo, hi = SEED_OBSERVED["T_down"]
        lines.append(f"seed compound observed: T↑ ≈ {SEED_OBSERVED['T_up']:g} K, T↓ ≈ {lo:g}–{hi:g} K "
                     f"(model − observed: T↑ {tr.T_up - SEED_OBSERVED['T_up']:+.2f} K, "
                     f"T↓ {tr.T_down - 0.5 * (lo + hi):+.2f} K)")
        data["seed_observed"] = {"T_up": SEED_OBSERVED["T_up"], "T_down": list(SEED_OBSERVED["T_down"])}
    if np.isfinite(res.T_HShs):
        lines.append(f"η vanishes in the HS state (q = 1) at T = {res.T_HShs:.1f} K (HShs phase)")
    if data["phase_diagram"]:
        lines.append("phase diagram: " + ", ".join(f"{k}: {v}" for k, v in data["phase_diagram"]["counts"].items()))
    lines.append(f"wrote {len(files)} files to {out}")
    return CommandResult(data=data, text="\n".join(lines), files=files)
