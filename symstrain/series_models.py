"""Model temperature series: the Landau model drives the model structures of ``models``.

What lives here: :func:`model_series`, which sweeps a :class:`~symstrain.landau.LandauModel` on heating and
cooling and builds, at each temperature, the model [Fe(PM-PEA)₂(NCS)₂] structure with that state's q and η,
on a thermal-expansion baseline; and :func:`write_model_series`, which writes them as CIFs with an index CSV.
What does not: the molecule and its distortion pattern (``models``), the thermodynamics (``landau``).

Conventions
-----------
* q from the sweep sets the Fe–N distances and the volume strain vs = 0.05·(1 + q)/2 (``models.model_cell``).
* η enters the structure as ``eta_model = η / η_full`` with η_full = √(−(2D + E)/b), the Landau η of the fully
  high-spin low-symmetry state (q = 1, a0 = 0); so eta_model = 1 gives the HS model's distortion and β = 93.1°,
  and ε13 ∝ η exactly. States with η = 0 are written in Pccn.
* Thermal expansion (assumed, typical of molecular crystals): every cell length is multiplied by
  1 + alpha·(T − T_ref), alpha = 4·10⁻⁵ K⁻¹, T_ref = 90 K; the molecules are rigid.
* Only the + domain (η ≥ 0) is generated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import SymstrainInputError
from .phase import Cell

ALPHA_LINEAR = 4.0e-5  # K⁻¹, assumed linear thermal expansion of every cell length
T_REF = 90.0  # K, temperature of the LS reference cell
#: the units line of series.csv
SERIES_UNITS = ("# units: T in K; q (spin-state parameter) and eta (order parameter) dimensionless, the Landau "
                "model's; eta_model = eta/eta_full, the fraction of the HS model's distortion; file: the CIF's name")


def eta_full(model) -> float:
    """η of the fully high-spin low-symmetry state of Eq. 4: √(−(2D + E)/b) (q = 1, a0 = 0)."""
    val = -(2 * model.D + model.E) / model.b
    if not val > 0:
        raise SymstrainInputError("LandauModel", f"no symmetry-broken HS state: −(2D + E)/b = {val:g} ≤ 0")
    return math.sqrt(val)


def thermal_cell(cell: Cell, T: float, alpha: float = ALPHA_LINEAR, T_ref: float = T_REF) -> Cell:
    """``cell`` with every length scaled by 1 + alpha·(T − T_ref) (angles kept)."""
    s = 1.0 + alpha * (float(T) - T_ref)
    return Cell(cell.a * s, cell.b * s, cell.c * s, cell.alpha, cell.beta, cell.gamma)


def model_series(temperatures, model=None, *, branches=("heating", "cooling"), alpha: float = ALPHA_LINEAR):
    """Model structures along the heating and cooling branches of ``model`` (default: the paper's preset).

    ``temperatures`` (K) are the temperatures at which structures are made. The sweep runs on a fine grid from
    well below to well above them (the model's default range joined with the requested one), so heating starts
    in the low-temperature state and cooling in the high-temperature one, and each follows its metastable branch. Returns a list of dicts with keys
    T, branch, q, eta (Landau), eta_model, phase (a :class:`~symstrain.phase.Phase`).
    """
    from .landau import LandauModel
    from .models import model_cell, model_phase

    model = LandauModel.paper() if model is None else model
    T = np.asarray(sorted(set(float(t) for t in np.atleast_1d(temperatures))), float)
    if len(T) == 0 or not np.all(np.isfinite(T)) or T.min() <= 0:
        raise SymstrainInputError("--temperatures", "temperatures must be positive finite numbers in K")
    bad = sorted(set(branches) - {"heating", "cooling"})
    if bad:
        raise SymstrainInputError("--branches", f"unknown branch {bad[0]!r}: use heating and/or cooling")
    ef = eta_full(model)
    lo, hi = min(T.min(), model.default_grid()[0]), max(T.max(), model.default_grid()[-1])
    grid = np.union1d(np.linspace(lo, hi, 3001), T)
    sw = model.sweep(grid)
    out = []
    for br in branches:
        frame = sw.heating if br == "heating" else sw.cooling
        frame = frame.set_index("T")
        for t in T:
            row = frame.loc[t]
            q = float(np.clip(row["q"], -1.0, 1.0))
            eta = float(abs(row["eta"]))
            em = eta / ef
            if em > 2.0:
                raise SymstrainInputError("LandauModel", f"η/η_full = {em:.2f} at {t} K is beyond the model's range")
            cell = thermal_cell(model_cell(q, em), t, alpha)
            ph = model_phase(q, em, temperature=t, cell=cell)
            ph = replace(ph, block=f"model_{br}_{t:g}K")  # one data block name per file of the series
            out.append({"T": t, "branch": br, "q": q, "eta": eta, "eta_model": em, "phase": ph})
    return out


@dataclass(frozen=True, eq=False)
class WrittenSeries:
    """What :func:`write_model_series` wrote: ``items`` as :func:`model_series` gives them, each with the path of its
    CIF under "file"; ``files`` every path (the CIFs, then ``series.csv``); the ``model`` and its ``transitions``
    (T↑, T↓, T_eq in K)."""

    directory: Path
    model: object
    items: tuple
    files: tuple
    transitions: object
    #: the linear thermal expansion used (K⁻¹)
    alpha: float = ALPHA_LINEAR

    def to_dict(self) -> dict:
        from . import contract

        tr = self.transitions
        return {"params": self.model.params(),
                "transitions": {"T_up": contract.quantity(tr.T_up)["value"],
                                "T_down": contract.quantity(tr.T_down)["value"],
                                "T_eq": contract.quantity(tr.T_eq)["value"]},
                "branches": sorted({it["branch"] for it in self.items}),
                "thermal_expansion": {"alpha": self.alpha, "T_ref": T_REF},
                "index": str(self.files[-1]),
                "structures": [{**contract.structure(it["phase"]), "file": it["file"], "branch": it["branch"],
                                "q": it["q"], "eta": it["eta"], "eta_model": it["eta_model"]} for it in self.items]}


def write_model_series(directory, temperatures, model=None, *, branches=("heating", "cooling"),
                       alpha: float = ALPHA_LINEAR) -> WrittenSeries:
    """Write :func:`model_series` as CIFs ``model_<branch>_<T>K.cif`` (T with one decimal, or as many as keep the
    temperatures apart) plus ``series.csv`` (T, branch, q, eta, eta_model, file) into ``directory``; refuses to
    overwrite existing files. Returns the :class:`WrittenSeries`."""
    import pandas as pd

    from .csv_output import write_frame
    from .writer import write_cif

    d = Path(directory)
    items = model_series(temperatures, model, branches=branches, alpha=alpha)
    # as many decimals as the temperatures need to stay apart (one by default: 0214.6K; a 0.05 K step wrote 214.55
    # and 214.60 both as 0214.6K and refused its own second file, sweep 16)
    temps = sorted({float(it["T"]) for it in items})
    digits = next((k for k in range(1, 7) if len({f"{t:.{k}f}" for t in temps}) == len(temps)), 6)
    names = [f"model_{it['branch']}_{it['T']:0{5 + digits}.{digits}f}K.cif" for it in items]
    clash = [n for n in names + ["series.csv"] if (d / n).exists()]
    if clash:
        raise SymstrainInputError(d, f"already contains {clash[0]} (refusing to overwrite)")
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for it, n in zip(items, names):
        write_cif(it["phase"], d / n)
        paths.append(str(d / n))
    table = pd.DataFrame([{k: it[k] for k in ("T", "branch", "q", "eta", "eta_model")} for it in items])
    table["file"] = names
    write_frame(d / "series.csv", table, SERIES_UNITS)
    paths.append(str(d / "series.csv"))
    from .landau import LandauModel

    m = LandauModel.paper() if model is None else model
    return WrittenSeries(d, m, tuple({**it, "file": p} for it, p in zip(items, paths)), tuple(paths),
                         m.transitions(), alpha)
