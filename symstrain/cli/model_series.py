"""``symstrain model-series``: CIFs of the model compound along the Landau model's heating and cooling branches."""

NAME = "model-series"
HELP = "write model [Fe(PM-PEA)2(NCS)2] CIFs at chosen temperatures on heating and cooling, driven by the Landau model"


def add_arguments(p):
    p.add_argument("--tmin", type=float, default=180.0, help="lowest temperature (K, default 180)")
    p.add_argument("--tmax", type=float, default=280.0, help="highest temperature (K, default 280)")
    p.add_argument("--step", type=float, default=5.0, help="temperature step (K, default 5)")
    p.add_argument("--preset", choices=["paper"], default="paper", help="Landau parameters (default: the paper's)")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="change one Landau parameter")
    p.add_argument("--branches", default="heating,cooling", help="heating, cooling or both (default)")
    p.add_argument("--out", help="folder for the CIFs and series.csv (default: new ./symstrain-model-series)")


def run(args):
    import numpy as np

    from ..errors import SymstrainInputError
    from ..landau import LandauModel
    from ..series_models import write_model_series
    from . import CommandResult, output_dir, refuse_existing
    from .landau import parse_params

    refuse_existing(args.out, ["series.csv"])
    if not (0 < args.tmin <= args.tmax <= 1e4) or not args.step > 0:  # (inf: an OverflowError, sweep 26)
        raise SymstrainInputError("--tmin/--tmax/--step", "need 0 < tmin ≤ tmax ≤ 10⁴ K and step > 0")
    n = int(round((args.tmax - args.tmin) / args.step)) + 1
    if n > 5000:
        raise SymstrainInputError("--step", f"{n} temperatures per branch is more than 5000")
    temps = args.tmin + args.step * np.arange(n)
    temps = temps[temps <= args.tmax + 1e-9]
    model = parse_params(args.param, LandauModel.paper())
    branches = tuple(b.strip() for b in args.branches.split(",") if b.strip())
    out = output_dir(args.out, "model-series", ["series.csv"])
    written = write_model_series(out, temps, model, branches=branches)
    tr = written.transitions
    text = (f"wrote {len(written.files) - 1} model CIFs and series.csv to {out} "
            f"({temps[0]:g}–{temps[-1]:g} K, {', '.join(branches)}); "
            f"model T↑ = {tr.T_up:.2f} K, T↓ = {tr.T_down:.2f} K")
    return CommandResult(written.to_dict(), text, list(written.files))
