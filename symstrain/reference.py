"""Reference (paraphase) cells: baselines fitted to parent-phase cells and extrapolated to any temperature.

In many materials the high-symmetry phase is not observed at the temperature of interest (in the seed
material it is never observed at all), so the reference cell at T is extrapolated from parent-phase cells
measured over some temperature range. This module fits one baseline per lattice parameter and evaluates it,
with the s.u. of the extrapolated value from the fit covariance. Computing strains lives in
``spontaneous_strain.py``; tables over many temperatures in ``series.py``. The "no reference" approximation
(c0 = c, ε13 only) is ``strain(None, child)``.

Models (T in K, x in Å or degrees)
----------------------------------
* ``"linear"``: x(T) = p0 + p1·(T − T_ref)
* ``"poly"``:   x(T) = Σ_k p_k·(T − T_ref)^k, k = 0 … degree
* ``"salje"``:  x(T) = x0 + k·Θs·coth(Θs/T) (saturation of the thermal expansion at low T; Salje et al.),
  parameters (x0, k, Θs); Θs may be fixed (``theta_s=...``) or fitted.

``T_ref`` is the mean temperature of the fitted points (it keeps the polynomial well conditioned); it is stored
in the result. With s.u.'s for every point the fit is weighted (w = 1/σ²) and the covariance is absolute;
without them the fit is unweighted and the covariance is scaled by the residual variance (the usual
"s.u.'s from the scatter"), which needs more points than parameters.

Warnings (``Baseline.warnings``, ``CellBaseline.warnings``) are :class:`~symstrain.errors.WarningText`'s whose
source is the baseline's name; their codes are :data:`WARNING_CODES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import SymstrainInputError, WarningText
from .phase import CELL_NAMES, Cell

MODELS = ("linear", "poly", "salje")
UNITS = {"a": "Å", "b": "Å", "c": "Å", "alpha": "°", "beta": "°", "gamma": "°"}
#: codes of the warnings of a baseline fit
WARNING_CODES = {
    "baseline_unweighted": "some points lack a positive s.u.: the fit is unweighted",
    "baseline_exact": "a curve through as many points as parameters: no residual, no s.u. from the scatter",
    "salje_theta_at_edge": "the fitted Θs is at the edge of what the data constrain",
    "salje_undetermined": "the Salje parameters are not determined (singular covariance)",
}


def _coth_terms(theta: float, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Θs·coth(Θs/T), d[Θs·coth(Θs/T)]/dΘs) computed without overflow for any Θs/T > 0."""
    u = theta / T
    q = np.exp(-2.0 * u)  # in (0, 1)
    coth = (1.0 + q) / (1.0 - q)
    # d/dΘs [Θs coth(Θs/T)] = coth(u) − u·csch²(u), and csch²(u) = 4q/(1 − q)²
    return theta * coth, coth - u * 4.0 * q / (1.0 - q) ** 2


@dataclass(frozen=True, eq=False)
class Baseline:
    """One fitted baseline x(T); see the module docstring for the models and ``T_ref``.

    ``params`` (k,) in the order of ``param_names``; ``cov`` (k, k) their covariance (a fixed Θs has zero
    variance). ``T_min``/``T_max`` the fitted range (K); ``rms`` the root-mean-square residual (units of x);
    ``chi2_red`` the reduced χ² when the fit was weighted, else None.
    """

    name: str
    model: str
    params: np.ndarray
    param_names: tuple[str, ...]
    cov: np.ndarray
    T_ref: float
    T_min: float
    T_max: float
    n: int
    rms: float
    weighted: bool
    chi2_red: float | None = None
    theta_s_fixed: bool = False
    warnings: tuple[str, ...] = ()

    def _design(self, T: np.ndarray) -> np.ndarray:
        """(n, k) derivatives of x(T) with respect to the parameters."""
        T = np.asarray(T, dtype=float)
        if self.model == "salje":
            x0, k, th = self.params
            f, df = _coth_terms(th, T)
            return np.column_stack([np.ones_like(T), f, k * df])
        return np.vander(T - self.T_ref, len(self.params), increasing=True)

    def value(self, T) -> np.ndarray | float:
        """x(T); T scalar or array (K)."""
        Ta = np.atleast_1d(np.asarray(T, dtype=float))
        if self.model == "salje":
            x0, k, th = self.params
            out = x0 + k * _coth_terms(th, Ta)[0]
        else:
            out = np.vander(Ta - self.T_ref, len(self.params), increasing=True) @ self.params
        return float(out[0]) if np.ndim(T) == 0 else out

    __call__ = value

    def su(self, T) -> np.ndarray | float:
        """s.u. of x(T) from the parameter covariance, √(g·C·gᵀ) with g = ∂x/∂p at T (NaN when C is unknown)."""
        Ta = np.atleast_1d(np.asarray(T, dtype=float))
        g = self._design(Ta)
        out = np.sqrt(np.maximum(np.einsum("ni,ij,nj->n", g, self.cov, g), 0.0))
        return float(out[0]) if np.ndim(T) == 0 else out

    @property
    def param_su(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.cov), 0.0))

    def formula(self) -> str:
        if self.model == "salje":
            return f"{self.name}(T) = x0 + k·Θs·coth(Θs/T)"
        return f"{self.name}(T) = Σ p_k·(T − {self.T_ref:.6g} K)^k, k = 0…{len(self.params) - 1}"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "model": self.model,
            "formula": self.formula(),
            "params": {n: {"value": float(v), "su": float(s)} for n, v, s in zip(self.param_names, self.params, self.param_su)},
            "cov": self.cov.tolist(),
            "T_ref": self.T_ref,
            "T_range": [self.T_min, self.T_max],
            "n_points": self.n,
            "rms": self.rms,
            "weighted": self.weighted,
            "chi2_red": self.chi2_red,
            "theta_s_fixed": self.theta_s_fixed,
        }


def _clean_inputs(T, y, su, name):
    T = np.asarray(T, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if T.shape != y.shape:
        raise SymstrainInputError(name, f"{len(T)} temperatures for {len(y)} values")
    if not np.all(np.isfinite(T)):
        raise SymstrainInputError(name, "a temperature is missing or not a number in the baseline points")
    if not np.all(np.isfinite(y)):
        raise SymstrainInputError(name, "a value is missing or not a number in the baseline points")
    s = None
    warnings = []
    if su is not None:
        s = np.asarray(su, dtype=float).ravel()
        if s.shape != y.shape:
            raise SymstrainInputError(name, f"{len(s)} s.u.'s for {len(y)} values")
        ok = np.isfinite(s) & (s > 0)
        if not np.all(ok):
            if np.any(ok):
                warnings.append(WarningText("baseline_unweighted", name, f"{name}: {int(np.sum(~ok))} of {len(s)} "
                                            "points lack a positive s.u.; fit unweighted"))
            s = None
    return T, y, s, warnings


def fit_baseline(T, values, su=None, *, model: str = "linear", degree: int = 2, theta_s: float | None = None,
                 name: str = "x", exact: bool = False) -> Baseline:
    """Fit one baseline x(T) to parent-phase values (see the module docstring for models and covariance).

    ``T`` (K) and ``values`` are 1-D sequences of equal length; ``su`` their s.u.'s or None. ``degree`` is used by
    ``"poly"`` only. ``theta_s`` fixes Θs (K) in the Salje form; None fits it. ``exact`` accepts as many points as
    polynomial parameters without s.u.'s (a line through 2 points): the curve passes through them, there is no
    residual and no s.u. (covariance NaN, said in ``warnings``). Raises :class:`SymstrainInputError` for too few
    points, missing values, or T ≤ 0 with the Salje form.
    """
    if model not in MODELS:
        raise SymstrainInputError("--baseline", f"unknown baseline model {model!r}: use {', '.join(MODELS)}")
    T, y, s, warnings = _clean_inputs(T, values, su, name)
    weighted = s is not None
    w = 1.0 / s**2 if weighted else np.ones_like(y)
    n = len(y)
    if model == "salje":
        if np.any(T <= 0):
            raise SymstrainInputError(name, "the Salje baseline needs temperatures above 0 K")
        return _fit_salje(T, y, w, weighted, theta_s, name, warnings)
    deg = 1 if model == "linear" else int(degree)
    if deg < 0:
        raise SymstrainInputError("--degree", "the polynomial degree must be ≥ 0")
    k = deg + 1
    if exact and not weighted and n == k:
        return _exact_polynomial(T, y, deg, name, warnings)
    if n < k or (not weighted and n <= k):
        raise SymstrainInputError(name, f"{n} points cannot fix a {model} baseline with {k} parameters"
                                  + ("" if weighted else " and estimate its s.u.'s (no point s.u.'s given)"))
    T_ref = float(np.mean(T))
    X = np.vander(T - T_ref, k, increasing=True)
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    resid = y - X @ coef
    XtWX = X.T @ (X * w[:, None])
    if np.linalg.cond(XtWX) > 1e14:
        raise SymstrainInputError(name, f"the baseline points do not determine a degree-{deg} polynomial "
                                  "(too few distinct temperatures)")
    C = np.linalg.inv(XtWX)
    chi2 = float(np.sum(w * resid**2))
    dof = n - k
    if weighted:
        chi2_red = chi2 / dof if dof > 0 else None
    else:
        C = C * (chi2 / dof)
        chi2_red = None
    names = tuple(f"p{i}" for i in range(k))
    return Baseline(name, model, coef, names, C, T_ref, float(T.min()), float(T.max()), n,
                    float(np.sqrt(np.mean(resid**2))), weighted, chi2_red, False, tuple(warnings))


def _exact_polynomial(T, y, deg, name, warnings) -> Baseline:
    """The polynomial of degree ``deg`` through deg + 1 points: no residual, no covariance (NaN)."""
    k = deg + 1
    T_ref = float(np.mean(T))
    X = np.vander(T - T_ref, k, increasing=True)
    if np.linalg.cond(X) > 1e14:
        raise SymstrainInputError(name, f"{k} points at {len(set(T.tolist()))} distinct temperature(s) cannot fix a "
                                  f"degree-{deg} polynomial")
    coef = np.linalg.solve(X, y)
    warnings = list(warnings) + [WarningText("baseline_exact", name, f"{name}: {'line' if deg == 1 else 'polynomial'} "
                                             f"through {k} point(s): no residual, no s.u. from the scatter")]
    return Baseline(name, "linear" if deg == 1 else "poly", coef, tuple(f"p{i}" for i in range(k)),
                    np.full((k, k), np.nan), T_ref, float(T.min()), float(T.max()), k, 0.0, False, None, False,
                    tuple(warnings))


def _fit_salje(T, y, w, weighted, theta_s, name, warnings) -> Baseline:
    from scipy.optimize import least_squares

    n = len(y)
    nfree = 2 if theta_s is not None else 3
    if n < nfree or (not weighted and n <= nfree):
        raise SymstrainInputError(name, f"{n} points cannot fix a Salje baseline with {nfree} free parameters")
    sw = np.sqrt(w)

    def linear_given(th):
        f = _coth_terms(th, T)[0]
        X = np.column_stack([np.ones_like(T), f])
        coef, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
        r = y - X @ coef
        return coef, float(np.sum(w * r * r))

    if theta_s is not None:
        if not theta_s > 0:
            raise SymstrainInputError("--theta-s", "Θs must be positive (K)")
        th = float(theta_s)
        (x0, k), _ = linear_given(th)
    else:
        grid = np.geomspace(1.0, 20.0 * float(T.max()), 240)
        rss = [linear_given(g)[1] for g in grid]
        th = float(grid[int(np.argmin(rss))])
        (x0, k), _ = linear_given(th)
        scale = np.array([max(abs(x0), 1.0), max(abs(k), 1e-12), th])

        def res(q):
            p = q * scale
            return sw * (y - (p[0] + p[1] * _coth_terms(p[2], T)[0]))

        sol = least_squares(res, np.array([x0, k, th]) / scale, bounds=([-np.inf, -np.inf, 1e-6], np.inf),
                            x_scale="jac", xtol=1e-15, ftol=1e-15, gtol=1e-15)
        x0, k, th = sol.x * scale
        if th >= grid[-1] * 0.99 or th <= grid[0] * 1.01:
            warnings.append(WarningText("salje_theta_at_edge", name, f"{name}: Θs = {th:.4g} K is at the edge of "
                                        "what the data constrain (the data show no curvature: use a linear baseline "
                                        "or fix Θs)"))
    params = np.array([x0, k, th])
    f, df = _coth_terms(th, T)
    J = np.column_stack([np.ones_like(T), f, k * df])
    if theta_s is not None:
        J = J[:, :2]
    resid = y - (x0 + k * f)
    chi2 = float(np.sum(w * resid**2))
    dof = n - J.shape[1]
    JtWJ = J.T @ (J * w[:, None])
    try:
        C = np.linalg.inv(JtWJ)
    except np.linalg.LinAlgError:
        C = np.full((J.shape[1],) * 2, np.nan)
        warnings.append(WarningText("salje_undetermined", name, f"{name}: the Salje parameters are not determined "
                                    "by these points (singular covariance)"))
    if weighted:
        chi2_red = chi2 / dof if dof > 0 else None
    else:
        C = C * (chi2 / dof)
        chi2_red = None
    if theta_s is not None:
        C3 = np.zeros((3, 3))
        C3[:2, :2] = C
        C = C3
    return Baseline(name, "salje", params, ("x0", "k", "theta_s"), C, float(np.mean(T)), float(T.min()),
                    float(T.max()), n, float(np.sqrt(np.mean(resid**2))), weighted, chi2_red, theta_s is not None,
                    tuple(warnings))


@dataclass(frozen=True, eq=False)
class CellBaseline:
    """Baselines for the six lattice parameters of a reference cell, all in one (parent) basis.

    ``baselines`` maps "a", "b", … to a :class:`Baseline`; a parameter that is the same at every point
    (an angle fixed by symmetry) is held in ``constants`` instead and carries no s.u.
    """

    model: str
    baselines: dict
    constants: dict
    T_min: float
    T_max: float
    n: int
    source: str = "baseline"
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def cell_at(self, T: float) -> Cell:
        """The reference cell at T (K) with s.u.'s from the fit covariances (None for held constants)."""
        vals, sus = [], []
        for p in CELL_NAMES:
            if p in self.constants:
                vals.append(self.constants[p])
                sus.append(None)
            else:
                b = self.baselines[p]
                vals.append(b.value(float(T)))
                s = b.su(float(T))
                sus.append(float(s) if math.isfinite(s) else None)
        return Cell(*vals, su=tuple(sus))

    def cells_at(self, T) -> np.ndarray:
        """(n, 6) reference parameters at the temperatures T (vectorised)."""
        Ta = np.atleast_1d(np.asarray(T, dtype=float))
        cols = [np.full(len(Ta), self.constants[p]) if p in self.constants else self.baselines[p].value(Ta)
                for p in CELL_NAMES]
        return np.column_stack(cols)

    def su_at(self, T) -> np.ndarray:
        """(n, 6) s.u.'s of the reference parameters at the temperatures T (NaN for held constants and where the
        covariance is unknown)."""
        Ta = np.atleast_1d(np.asarray(T, dtype=float))
        return np.column_stack([np.full(len(Ta), np.nan) if p in self.constants else self.baselines[p].su(Ta)
                                for p in CELL_NAMES])

    def extrapolation(self, T: float) -> float:
        """Distance (K) of T outside the fitted range, 0 inside."""
        return float(max(self.T_min - T, T - self.T_max, 0.0))

    def describe(self, T: float) -> str:
        """One line saying how the reference at T was obtained (for StrainResult.reference_kind)."""
        d = self.extrapolation(T)
        where = f"extrapolated {d:.4g} K beyond" if d > 0 else "inside"
        return (f"{self.model} baseline fitted to {self.n} parent cells at {self.T_min:g}–{self.T_max:g} K, "
                f"evaluated at {T:g} K ({where} the fitted range)")

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "source": self.source,
            "T_range": [self.T_min, self.T_max],
            "n_points": self.n,
            "baselines": {k: b.to_dict() for k, b in self.baselines.items()},
            "constants": dict(self.constants),
        }

    def to_frame(self):
        """pandas DataFrame: one row per fitted parameter of each lattice-parameter baseline."""
        import pandas as pd

        rows = []
        for p, b in self.baselines.items():
            for n, v, s in zip(b.param_names, b.params, b.param_su):
                rows.append({"lattice_parameter": p, "model": b.model, "param": n, "value": v, "su": s,
                             "T_ref": b.T_ref, "rms": b.rms})
        for p, v in self.constants.items():
            rows.append({"lattice_parameter": p, "model": "constant", "param": "value", "value": v,
                         "su": np.nan, "T_ref": np.nan, "rms": 0.0})
        return pd.DataFrame(rows)


def fit_cell_baseline(temperatures, cells, *, model: str = "linear", degree: int = 2,
                      theta_s: float | None = None, T_range: tuple[float, float] | None = None,
                      source: str = "baseline", exact: bool = False) -> CellBaseline:
    """Fit a baseline per lattice parameter to parent-phase ``cells`` (Cell objects, all in the same basis, or a
    tuple of (n, 6) parameter and s.u. arrays with NaN for unknown s.u.'s).

    ``temperatures`` (K) one per cell; ``T_range`` = (T_min, T_max) keeps only the points inside (inclusive).
    Point s.u.'s are used as weights when every cell in the range gives one for that parameter. A parameter equal
    at every point within 1e-9 (e.g. an angle fixed at 90°) is held constant. ``exact`` as in
    :func:`fit_baseline` (a line through two cells).
    """
    T = np.asarray(temperatures, dtype=float).ravel()
    if isinstance(cells, tuple) and len(cells) == 2 and isinstance(cells[0], np.ndarray):
        P_all, S_all = (np.asarray(x, dtype=float).reshape(-1, 6) for x in cells)  # (parameters, s.u.'s) arrays
    else:
        cells = list(cells)
        P_all = np.array([c.params for c in cells]).reshape(-1, 6)
        S_all = np.array([c.su_array for c in cells]).reshape(-1, 6)
    if len(T) != len(P_all):
        raise SymstrainInputError(source, f"{len(T)} temperatures for {len(P_all)} cells")
    if not np.all(np.isfinite(T)):
        raise SymstrainInputError(source, "a baseline cell has no temperature")
    keep = np.ones(len(T), bool)
    if T_range is not None:
        lo, hi = T_range
        keep = (T >= lo) & (T <= hi)
    if not np.any(keep):
        raise SymstrainInputError(source, f"no parent cell inside the baseline range {T_range}")
    T = T[keep]
    P, S = P_all[keep], S_all[keep]
    baselines, constants, warnings = {}, {}, []
    for i, p in enumerate(CELL_NAMES):
        col = P[:, i]
        if np.ptp(col) <= 1e-9 * max(1.0, abs(col[0])):
            constants[p] = float(col[0])
            continue
        su = S[:, i] if np.all(np.isfinite(S[:, i])) else None
        b = fit_baseline(T, col, su, model=model, degree=degree, theta_s=theta_s, name=f"{source}: {p}", exact=exact)
        baselines[p] = b
        warnings.extend(w for w in b.warnings if w.code != "baseline_exact")
    exact_fits = [p for p, b in baselines.items() if any(w.code == "baseline_exact" for w in b.warnings)]
    if exact_fits:  # said once for the cell
        b = baselines[exact_fits[0]]
        what = "line" if b.model == "linear" else "polynomial"
        warnings.append(WarningText("baseline_exact", source, f"{source}: reference baseline: {what} through "
                                    f"{b.n} point(s) for {', '.join(exact_fits)}: no residual, no s.u. from the "
                                    "scatter"))
    return CellBaseline(model, baselines, constants, float(T.min()), float(T.max()), len(T), source, tuple(warnings))
