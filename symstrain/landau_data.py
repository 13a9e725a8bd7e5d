"""Landau-model data: the q(T) and η(T) tables of heating and cooling branches, and where they jump.

What lives here: :func:`read_branch_csv` (T, value, branch[, sigma] CSV files) and :func:`clean_branch_frame` (the same
checks on a DataFrame), :func:`observed_jump` (the bracket around the largest step of a branch) and
:func:`common_bracket` (q and η brackets made one), :func:`synthetic_data` (noisy tables from a model, for tests and
demos). What does not: the fit (``landau_fit.py``), the model (``landau.py``), reading χMT (``magnetism.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import SymstrainInputError
from .landau import LandauModel

#: branch names accepted in the ``branch`` column (case-insensitive), and what they mean
_BRANCH_NAMES = {"heating": "heating", "h": "heating", "up": "heating", "warming": "heating", "heat": "heating",
                 "cooling": "cooling", "c": "cooling", "down": "cooling", "cool": "cooling"}
#: highest temperature (K) a data row may give: no crystal phase survives far above 4000 K
MAX_T = 1e4
#: |q| or |η| and their s.u.'s above this are no order parameter (the model's η is of order 1), below MIN_SIGMA no s.u.
MAX_VALUE = 1e3
MIN_SIGMA = 1e-9


def read_branch_csv(path, value: str, column: str | None = None) -> pd.DataFrame:
    """Read a CSV with columns T, ``value`` (q or eta), branch (heating/cooling) and optional sigma.

    ``column`` names the data column when it is not called ``value`` (e.g. an order-parameter column of
    a strain table); it is renamed to ``value``. File, column and number errors come from
    :func:`symstrain.csv_input.read_csv_table`; the values are then checked by :func:`clean_branch_frame`."""
    from .csv_input import TEMPERATURE_UNITS, Column, read_csv_table

    table = read_csv_table(path, {
        "T": Column(("T",), label="temperature", units=TEMPERATURE_UNITS),
        value: Column((column,) if column is not None else (value,)),
        "branch": Column(("branch",), kind="text"),
        "sigma": Column(("sigma",), required=False),
    })
    return clean_branch_frame(table.data, value, table.source)


def clean_branch_frame(df, value, source) -> pd.DataFrame:
    """Validate a DataFrame with T, ``value``, branch[, sigma]; SymstrainInputError(source) if bad."""
    if not isinstance(df, pd.DataFrame):
        raise SymstrainInputError(source, "expected a DataFrame")
    cols = {str(c).strip().lower(): c for c in df.columns}
    need = ["t", value.lower(), "branch"]
    miss = [n for n in need if n not in cols]
    if miss:
        raise SymstrainInputError(source, f"missing column(s) {', '.join(miss)}; need T, {value}, branch[, sigma]")
    out = pd.DataFrame({"T": pd.to_numeric(df[cols["t"]], errors="coerce"),
                        value: pd.to_numeric(df[cols[value.lower()]], errors="coerce")})
    br = df[cols["branch"]].astype(str).str.strip().str.lower().map(_BRANCH_NAMES)
    if br.isna().any():
        bad = df[cols["branch"]][br.isna()].iloc[0]
        raise SymstrainInputError(source, f"branch must be heating or cooling, got {bad!r}")
    out["branch"] = br
    if "sigma" in cols:
        out["sigma"] = pd.to_numeric(df[cols["sigma"]], errors="coerce")
        if not (np.isfinite(out["sigma"]) & (out["sigma"] > 0)).all():
            raise SymstrainInputError(source, "sigma must be positive numbers")
        if not out["sigma"].between(MIN_SIGMA, MAX_VALUE).all():  # (1e-300: the weighted residuals overflowed and
            # the fit crashed or hung, sweep 26)
            raise SymstrainInputError(source, f"sigma must lie between {MIN_SIGMA:g} and {MAX_VALUE:g} (an s.u. of a "
                                              f"dimensionless {value}), got {out['sigma'].min():g} … "
                                              f"{out['sigma'].max():g}")
    bad = ~np.isfinite(out[["T", value]].to_numpy()).all(axis=1)
    if bad.any():
        raise SymstrainInputError(source, f"non-numeric or missing value in data row {int(np.argmax(bad)) + 1}")
    big = out[value].abs() > MAX_VALUE
    if big.any():  # (η = 1e308: the residuals overflowed, exit 70: sweep 26)
        raise SymstrainInputError(source, f"{value} = {out[value][big].iloc[0]:g} in data row "
                                          f"{int(np.argmax(big.to_numpy())) + 1} is no order parameter (|{value}| at "
                                          f"most {MAX_VALUE:g})")
    if (out["T"] <= 0).any():
        raise SymstrainInputError(source, "temperatures must be positive (K)")
    if (out["T"] > MAX_T).any():  # (sweep 16: a row at 10⁹ K was fitted without a word)
        raise SymstrainInputError(source, f"temperature {out['T'].max():g} K in data row "
                                          f"{int(np.argmax(out['T'].to_numpy() > MAX_T)) + 1} is above {MAX_T:g} K, "
                                          "where no crystal exists")
    if len(out) < 2:
        raise SymstrainInputError(source, "needs at least two data rows")
    if out["T"].nunique() < 2:  # (sweep 26: fitted with exit 0; nothing in it depends on T)
        raise SymstrainInputError(source, f"every row is at T = {out['T'].iloc[0]:g} K: a temperature series needs "
                                          "rows at two or more temperatures")
    if value == "q" and (out["q"].abs() > 1.2).any():
        raise SymstrainInputError(source, "q must lie in [−1, 1] (values beyond ±1.2 found); convert χMT first")
    return out.reset_index(drop=True)


def observed_jump(df, value, branch):
    """(T_lo, T_hi) around the largest step on one branch, or None when no clear jump."""
    d = df[df.branch == branch].sort_values("T")
    if len(d) < 3:
        return None
    v = d[value].abs().to_numpy() if value == "eta" else d[value].to_numpy()
    t = d["T"].to_numpy()
    dv = np.abs(np.diff(v))
    i = int(np.argmax(dv))
    span = v.max() - v.min()
    rest = np.delete(dv, i)
    if span <= 0 or dv[i] < 0.25 * span or (rest.size and dv[i] < 5 * np.median(rest) + 1e-12):
        return None
    lo, hi = float(t[i]), float(t[i + 1])
    if lo == hi:  # the step lies within one temperature measured twice (one row switched, one not): the switch is
        # known only to lie between the neighbouring temperatures (sweep 16: a bracket [234, 234] of width 0 gave
        # T↑ an s.u. of 0, and the fit pinned T_SC there to 1e-6 K)
        below, above = t[t < lo], t[t > hi]
        lo = float(below.max()) if below.size else lo
        hi = float(above.min()) if above.size else hi
        if lo == hi:
            return None
    return lo, hi


def common_bracket(a, b):
    """The jump bracket (T_lo, T_hi) that q and η data of one branch agree on: their overlap, else the span of both;
    either alone when the other is None."""
    if a is None:
        return b
    if b is None:
        return a
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo < hi else (min(a[0], b[0]), max(a[1], b[1]))


def synthetic_data(model: LandauModel, T_heat, T_cool, sigma_q=0.01, sigma_eta=0.02, eta_norm=True, seed=0):
    """q(T) and η(T) tables on both branches from ``model`` plus Gaussian noise (for tests and demos).

    η is divided by its largest model value when ``eta_norm`` (so the true scale s = 1/max η)."""
    rng = np.random.default_rng(seed)
    out = []
    emax = None
    for br, T in (("heating", np.asarray(T_heat, float)), ("cooling", np.asarray(T_cool, float))):
        Ts = np.sort(T)
        sw = model.sweep(Ts, refine=False)
        df = sw.heating if br == "heating" else sw.cooling
        out.append((br, df))
    emax = max(float(df["eta"].max()) for _, df in out) if eta_norm else 1.0
    emax = emax if emax > 0 else 1.0
    q = pd.concat([pd.DataFrame({"T": df["T"], "q": df["q"] + rng.normal(0, sigma_q, len(df)), "branch": br})
                   for br, df in out], ignore_index=True)
    e = pd.concat([pd.DataFrame({"T": df["T"], "eta": df["eta"] / emax + rng.normal(0, sigma_eta, len(df)),
                                 "branch": br}) for br, df in out], ignore_index=True)
    return q, e, 1.0 / emax
