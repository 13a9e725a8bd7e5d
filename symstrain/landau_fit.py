"""Least-squares fit of the Landau model to q(T) and η(T) on heating and cooling branches at once.

What lives here: :func:`fit_landau` (the fit, with s.u.'s, correlations and the fitted T↑, T↓, T_eq),
:class:`LandauFit` (its result), :func:`jump_su` (the s.u. of a jump temperature). What does not: reading and
checking the q(T), η(T) tables, the observed jumps and synthetic data (``landau_data.py``), the model
(``landau.py``).

Identifiability (decided here, reported in every result's ``notes``)
--------------------------------------------------------------------
* Overall energy scale: G → λG leaves every minimum, branch and transition unchanged, so one energy
  parameter must be fixed. We fix **C** (default 35, the paper's value).
* η unit: data η are normalised (strain or intensity ratios), so η_data = s·η_model with a free scale s;
  rescaling η by μ is absorbed by b → b/μ⁴, D → D/μ², E → E/μ², so **b** is fixed (default 10) and s fitted.
* What remains for Eq. 4 is a1/C, T_SC, D²/b, DE/b, E²/b. When the HS branch is pinned at q = 1 (the
  seed compound and the paper's preset) D and E enter q(T) and η(T) only through T↓, so only one
  combination is determined: the default free set is **T_SC, a1, D** plus s, with **E fixed**. Any other
  set can be requested (e.g. ``free=("T_SC", "a1", "D", "E")`` or the Eq. 3 terms B, a0, Tc); the
  correlation matrix and the condition number of the Jacobian then show what the data cannot separate.

Residuals
---------
Each data point is compared with the model state of the *same* side of the observed jump on its branch:
before the observed jump, the state the sweep started in (followed, metastable); after it, the other
branch's state. Where the model's state no longer exists (its spinodal passed) the value at the spinodal
is used, so residuals stay continuous in the parameters. The observed jump temperatures (midpoint of the
two data points around the largest step, σ = gap/√12) are fitted against the model's root-found T↑ and T↓.
Without a ``sigma`` column each data set's σ is its own r.m.s. residual from a first pass, and the
covariance is scaled by the reduced χ².

s.u. of T↑ and T↓ (never smaller than the data spacing allows)
---------------------------------------------------------------
A jump seen between two data points at T_i and T_{i+1} is located by the data only to that bracket: every data
residual is unchanged while the model's jump moves inside it, so the curvature of χ² cannot see that freedom, and
scaling the covariance by a reduced χ² below 1 shrinks it further (on a 5 K grid the covariance alone gave
T↓ = 212.50 ± 0.26 K for a true 214.57 K). A position known only to lie somewhere in the bracket is uniformly
distributed there, with standard deviation (T_{i+1} − T_i)/√12 (chosen rather than the half-width w/2, which is
the largest error, not a standard deviation, and would not match the σ of the pseudo-observation above). The
reported s.u. is therefore max(σ_covariance, (T_{i+1} − T_i)/√12) (:func:`jump_su`): the covariance already
contains the bracket through the pseudo-observation, so the two are not added in quadrature (that would count it
twice); the covariance's value is kept when it is larger (parameters poorly determined by the curves). The floor is
conservative where the model's curves pin a jump more tightly than the data resolve it (T↑ = T_SC of Eq. 4, read from
the curvature of the low-spin branch): a jump temperature is never reported better than the data show it directly.
T_eq keeps the covariance's s.u.: it is not read from a step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import SymstrainInputError, WarningRecord
from .fitting import covariance
from .landau import PARAMETERS, LandauModel
from .landau_data import clean_branch_frame, common_bracket, observed_jump

#: the parameters fitted by default (module docstring: why C, b and E are fixed)
DEFAULT_FREE = ("T_SC", "a1", "D")

WARNING_CODES = {
    "strongly_correlated": "two fitted parameters correlate beyond ±0.95: the data determine a combination",
    "not_identifiable": "a parameter the data do not determine: its s.u. is null",
    "at_bound": "a parameter ended on one of its bounds: the data pull it beyond; its s.u. is null",
    "no_su": "a derived temperature whose s.u. is not given",
    "ill_conditioned": "the Jacobian's condition number exceeds 10⁸",
    "no_jump": "no jump in the data: the spinodals are not constrained",
    "not_converged": "the least-squares fit did not converge",
    "eta_sign_folded": "negative η data taken as |η| (the ±η domain states have one energy)",
}


@dataclass(frozen=True)
class LandauFit:
    """Result of :func:`fit_landau`.

    ``model``: the fitted :class:`LandauModel`; ``values``/``su``: fitted parameters (free ones and
    ``eta_scale``) and their standard uncertainties; ``fixed``: parameters held fixed; ``correlation``:
    DataFrame of correlation coefficients between free parameters; ``T_up``/``T_down``/``T_eq`` (K) with
    ``*_su`` propagated from the covariance; ``observed``: jump temperatures read from the data;
    ``curves``: branch, T, q, eta, eta_scaled of the fitted model; ``residuals``: per data point;
    ``condition``: condition number of the weighted Jacobian; ``notes``: identifiability decisions and every
    warning in words; ``warnings``: the warnings among them as :class:`~symstrain.errors.WarningRecord`
    (codes ``strongly_correlated``, ``not_identifiable``, ``no_su``, ``ill_conditioned``, ``no_jump``,
    ``not_converged``). ``T_up_su``/``T_down_su`` are never below the spacing of the data around the observed jump
    (module docstring).
    """

    model: LandauModel
    free: tuple
    values: dict
    su: dict
    fixed: dict
    correlation: pd.DataFrame
    chi2: float
    redchi2: float
    n_data: int
    T_up: float
    T_down: float
    T_eq: float
    T_up_su: float
    T_down_su: float
    T_eq_su: float
    observed: dict
    curves: pd.DataFrame
    residuals: pd.DataFrame
    condition: float
    success: bool
    message: str
    notes: tuple = ()
    warnings: tuple = ()

    @property
    def transitions(self):
        return _T3(self.T_up, self.T_down, self.T_eq)

    def params_frame(self) -> pd.DataFrame:
        """One row per parameter: parameter, value, value_su (NaN: not fitted or unknown), status (fitted, fixed,
        derived: T_up, T_down, T_eq in K)."""
        rows = [dict(parameter=k, value=v, value_su=self.su.get(k, np.nan), status="fitted")
                for k, v in self.values.items()]
        rows += [dict(parameter=k, value=v, value_su=np.nan, status="fixed") for k, v in self.fixed.items()]
        rows += [dict(parameter=k, value=getattr(self, k), value_su=getattr(self, k + "_su"), status="derived")
                 for k in ("T_up", "T_down", "T_eq")]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """The fit under the JSON contract (``schemas/fit.json``): fitted parameters as quantities, temperatures in K,
        warnings left to :attr:`warnings`."""
        from .contract import quantity

        def num(x):
            return quantity(x)["value"]

        warned = {w.message for w in self.warnings}
        observed = {k: (quantity(self.observed[k + "_obs"], self.observed[k + "_obs_su"])
                        if k + "_obs" in self.observed else None) for k in ("T_up", "T_down")}
        return {"converged": self.success, "message": self.message, "free": list(self.free),
                "fitted": {k: quantity(v, self.su.get(k)) for k, v in self.values.items()},
                "fixed": {k: float(v) for k, v in self.fixed.items()},
                "correlation": {a: {b: num(v) for b, v in row.items()} for a, row in self.correlation.to_dict().items()},
                "chi2": num(self.chi2), "reduced_chi2": num(self.redchi2), "n_data": int(self.n_data),
                "condition": num(self.condition),
                "transitions": {k: quantity(getattr(self, k), getattr(self, k + "_su")) for k in ("T_up", "T_down", "T_eq")},
                "observed": observed, "notes": [n for n in self.notes if n not in warned]}


@dataclass(frozen=True)
class _T3:
    T_up: float
    T_down: float
    T_eq: float


def jump_su(fit_su: float, bracket_su: float | None) -> float:
    """The s.u. (K) of a transition temperature fitted to a jump seen between two data points: the covariance's
    ``fit_su``, but never below ``bracket_su`` = (T_{i+1} − T_i)/√12, the standard deviation of a position known only
    to lie somewhere in the bracket (module docstring). NaN stays NaN (an undetermined s.u. is not made up)."""
    if bracket_su is None or not math.isfinite(fit_su):
        return float(fit_su)
    return float(max(fit_su, bracket_su))


class _Evaluator:
    """Model states at the data temperatures for one parameter vector (internal)."""

    def __init__(self, base, free, grid, jumps):
        self.base, self.free, self.grid, self.jumps = base, free, grid, jumps

    def model(self, p):
        return self.base.replace(**dict(zip(self.free, p)))

    def states(self, m):
        """Per branch: (T grid, low-T state q/x, high-T state q/x) with clamping, and spinodals."""
        T = self.grid
        heat, cool = m.branches(T)
        qh, xh = heat.q.copy(), heat.eta2.copy()
        qc, xc = cool.q.copy(), cool.eta2.copy()
        ev_h, ev_c = heat.first_order(), cool.first_order()
        t_up = ev_h[0].T if ev_h else T[-1]
        t_dn = ev_c[0].T if ev_c else T[0]
        # low-T state: the heating sweep until its first jump, then frozen at the spinodal value
        if ev_h:
            e = ev_h[0]
            after = T >= e.T
            qh[after], xh[after] = e.q_before, e.eta_before**2
        if ev_c:
            e = ev_c[0]
            below = T <= e.T
            qc[below], xc[below] = e.q_before, e.eta_before**2
        return dict(low=(qh, xh), high=(qc, xc), T_up=t_up, T_down=t_dn, has_up=bool(ev_h), has_down=bool(ev_c))

    def predict(self, m, data, value, s=None):
        """Model q or η (unscaled) at each data point, side of the observed jump chosen per branch."""
        s = self.states(m) if s is None else s
        out = np.empty(len(data))
        for br in ("heating", "cooling"):
            sel = (data.branch == br).to_numpy()
            if not sel.any():
                continue
            t = data["T"].to_numpy()[sel]
            jump = self.jumps.get(br)
            if jump is None:
                # no observed jump: follow that branch's own sweep (unclamped states)
                side = np.full(t.size, br == "heating")
            else:
                mid = 0.5 * (jump[0] + jump[1])
                side = t < mid  # True: low-T state
            idx = np.searchsorted(self.grid, t)
            ql, xl = s["low"][0][idx], s["low"][1][idx]
            qhh, xhh = s["high"][0][idx], s["high"][1][idx]
            q = np.where(side, ql, qhh)
            x = np.where(side, xl, xhh)
            out[sel] = q if value == "q" else np.sqrt(x)
        return out, s


def fit_landau(q_data: pd.DataFrame | None = None, eta_data: pd.DataFrame | None = None,
               model: LandauModel | None = None, free=DEFAULT_FREE, fit_eta_scale: bool = True,
               bounds: dict | None = None, n_grid: int = 400) -> LandauFit:
    """Fit the Landau model to q(T) and/or η(T) (columns T, q|eta, branch[, sigma]).

    ``model`` gives the starting values of the free parameters and the values of the fixed ones
    (default :meth:`LandauModel.paper`). ``free`` names the fitted parameters (see the module docstring
    for why C, b and, by default, E are fixed); ``fit_eta_scale`` adds the scale s with
    η_data = s·η_model. ``bounds`` maps names (and "eta_scale") to (low, high).

    s.u.'s come from the weighted Jacobian at the solution (scaled by the reduced χ² unless every data set
    has a sigma column). Parameters that the data structurally cannot determine (D and E together on a
    HS branch pinned at q = 1) get NaN s.u.'s and a note; strong correlations (|r| > 0.95) and an
    ill-conditioned Jacobian are noted too.
    """
    from scipy.optimize import least_squares

    base = model if model is not None else LandauModel.paper()
    free = tuple(free)
    if not free:
        raise SymstrainInputError("free", f"no parameter to fit: name at least one of {', '.join(PARAMETERS)}")
    bad = [f for f in free if f not in PARAMETERS]
    if bad or len(set(free)) != len(free):
        raise SymstrainInputError("free", f"unknown or repeated parameter(s) {bad or free}; known: {', '.join(PARAMETERS)}")
    if q_data is None and eta_data is None:
        raise SymstrainInputError("fit", "give q data, η data or both")
    qd = clean_branch_frame(q_data, "q", "q data") if q_data is not None else None
    ed = clean_branch_frame(eta_data, "eta", "η data") if eta_data is not None else None
    folded = int((ed["eta"] < 0).sum()) if ed is not None else 0
    if ed is not None:
        ed = ed.assign(eta=ed["eta"].abs())
    use_scale = bool(fit_eta_scale and ed is not None)
    frames = [d for d in (qd, ed) if d is not None]
    allT = np.concatenate([d["T"].to_numpy() for d in frames])
    n_data = sum(len(d) for d in frames)
    n_par = len(free) + use_scale
    if n_data <= n_par:
        raise SymstrainInputError("fit", f"{n_data} data points cannot determine {n_par} parameters")
    tlo, thi = allT.min(), allT.max()
    pad = 0.05 * (thi - tlo) + 1.0
    grid = np.unique(np.concatenate([np.linspace(tlo - pad, thi + pad, n_grid), allT]))
    jumps, observed = {}, {}
    for br in ("heating", "cooling"):
        j = common_bracket(observed_jump(qd, "q", br) if qd is not None else None,
                     observed_jump(ed, "eta", br) if ed is not None else None)
        if j is not None:
            jumps[br] = j
            observed["T_up_obs" if br == "heating" else "T_down_obs"] = 0.5 * (j[0] + j[1])
            observed[("T_up_obs" if br == "heating" else "T_down_obs") + "_su"] = (j[1] - j[0]) / math.sqrt(12)
    ev = _Evaluator(base, free, grid, jumps)

    unknown = sorted(set(bounds or {}) - set(free) - {"eta_scale"})
    if unknown:
        raise SymstrainInputError("bounds", f"bounds given for parameter(s) not fitted: {', '.join(unknown)}")
    p0 = [getattr(base, f) for f in free]
    lo = [-np.inf] * len(free)
    hi = [np.inf] * len(free)
    defaults = {"a1": (1e-9, np.inf), "C": (1e-9, np.inf), "b": (1e-9, np.inf),
                "T_SC": (tlo - 300.0, thi + 300.0)}
    for i, f in enumerate(free):
        lo[i], hi[i] = (bounds or {}).get(f, defaults.get(f, (-np.inf, np.inf)))
    if use_scale:
        emax_model = max(float(np.sqrt(base.eta2(1.0, thi))), 1e-3)
        p0.append(float(ed["eta"].max()) / emax_model if ed["eta"].max() > 0 else 1.0)
        l, h = (bounds or {}).get("eta_scale", (1e-9, np.inf))
        lo.append(l)
        hi.append(h)
    p0 = np.array(p0, float)
    lo_a, hi_a = np.array(lo, float), np.array(hi, float)
    if np.any(lo_a >= hi_a):
        raise SymstrainInputError("bounds", "each lower bound must be below its upper bound")
    # start strictly inside the bounds
    span = np.where(np.isfinite(hi_a - lo_a), hi_a - lo_a, 1.0)
    p0 = np.clip(p0, lo_a + 1e-9 * span, hi_a - 1e-9 * span)
    sig = {"q": 1.0, "eta": 1.0}

    def residuals(p, parts=False):
        try:
            m = ev.model(p[:len(free)])
        except SymstrainInputError:
            return np.full(n_data + len(jumps), 1e3)
        s = p[-1] if use_scale else 1.0
        res = []
        st = ev.states(m)
        if qd is not None:
            pq, _ = ev.predict(m, qd, "q", st)
            w = qd["sigma"].to_numpy() if "sigma" in qd else sig["q"]
            res.append((pq - qd["q"].to_numpy()) / w)
        if ed is not None:
            pe, _ = ev.predict(m, ed, "eta", st)
            w = ed["sigma"].to_numpy() if "sigma" in ed else sig["eta"]
            res.append((s * pe - ed["eta"].to_numpy()) / w)
        for br, key, mk in (("heating", "T_up_obs", "T_up"), ("cooling", "T_down_obs", "T_down")):
            if br in jumps:
                res.append(np.array([(st[mk] - observed[key]) / max(observed[key + "_su"], 1e-6)]))
        r = np.concatenate(res)
        return (r, st) if parts else r

    kw = dict(bounds=(lo, hi), x_scale="jac", diff_step=1e-6, xtol=1e-10, ftol=1e-10, max_nfev=200)
    sol = least_squares(residuals, p0, **kw)
    # second pass: weight each data set by its own r.m.s. residual (when no sigma column)
    k = 0
    if qd is not None:
        rq = sol.fun[k:k + len(qd)] * (sig["q"] if "sigma" not in qd else 1.0)
        if "sigma" not in qd:
            sig["q"] = max(float(np.sqrt(np.mean(rq**2))), 1e-6)
        k += len(qd)
    if ed is not None and "sigma" not in ed:
        re_ = sol.fun[k:k + len(ed)] * sig["eta"]
        sig["eta"] = max(float(np.sqrt(np.mean(re_**2))), 1e-6)
    sol = least_squares(residuals, sol.x, **kw)

    J = sol.jac
    chi2 = float(np.sum(sol.fun**2))
    dof = max(n_data + len(jumps) - n_par, 1)
    redchi2 = chi2 / dof
    with_sigma = all("sigma" in d for d in frames)
    sv = np.linalg.svd(J, compute_uv=False)
    cond = float(sv[0] / sv[-1]) if sv[-1] > 0 else math.inf
    cov = covariance(J) * (1.0 if with_sigma else redchi2)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    names = list(free) + (["eta_scale"] if use_scale else [])
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    corr_df = pd.DataFrame(corr, index=names, columns=names)
    unidentified = {}
    m = ev.model(sol.x[:len(free)])
    # structural check: on a HS branch pinned at q = 1, q is constant and η² = −(2D + E)/b, so D and E reach
    # the data only through T↓ and s·√(−(2D + E)/b): with s free, one combination; with s fixed, two
    hs_side = m.sweep(grid, refine=False).cooling
    at_data = np.isin(hs_side["T"].to_numpy(), allT)
    hs_side = hs_side[at_data & (hs_side["T"] > (observed.get("T_down_obs", tlo))) & (hs_side["eta"] > 0)]
    pinned = len(hs_side) > 0 and bool((hs_side["q"] == 1.0).all())
    de = [n for n in ("D", "E") if n in free]
    if pinned and len(de) + (not use_scale) > 1 and de:
        for n in de:
            unidentified[n] = "the HS branch is pinned at q = 1 over the data, where D and E act only through " \
                              "T↓ and s·√(−(2D+E)/b): " + ("one combination of D, E (and s) is" if use_scale else
                                                          "two combinations of D, E (and s) are") + \
                              " determined; fix E (or D)"
            sd[names.index(n)] = np.nan
    full = m.sweep(np.linspace(tlo - pad, thi + pad, 2001))
    tr = full.transitions

    # s.u. of the derived temperatures: finite-difference gradient through the covariance
    def temps(p):
        t = ev.model(p[:len(free)]).sweep(grid).transitions
        return np.array([t.T_up, t.T_down, t.T_eq])

    grads = []
    t_base = temps(sol.x)  # on the fit grid, like the perturbed ones
    for i in range(len(free)):
        h = 1e-4 * max(abs(sol.x[i]), 1e-2)
        pp = sol.x.copy()
        pp[i] += h
        try:
            grads.append((temps(pp) - t_base) / h)
        except SymstrainInputError:
            grads.append(np.full(3, np.nan))
    g = np.array(grads).T if grads else np.zeros((3, 0))
    cf = cov[:len(free), :len(free)]
    t_su = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", g, cf, g), 0, None)) if grads else np.full(3, np.nan)
    t_su[:2] = [jump_su(t_su[i], observed.get(key + "_su")) for i, key in enumerate(("T_up_obs", "T_down_obs"))]

    notes = [f"energy scale fixed by C = {m.C:g}; η unit fixed by b = {m.b:g}"
             + (" and the scale s fitted" if use_scale else ""),
             "fixed: " + ", ".join(f"{k} = {getattr(m, k):g}" for k in PARAMETERS if k not in free)]
    warns = []
    for i in range(len(names)):
        for j in range(i):
            if np.isfinite(corr[i, j]) and abs(corr[i, j]) > 0.95:
                warns.append(WarningRecord("strongly_correlated", f"{names[i]}, {names[j]}",
                                           f"{names[i]} and {names[j]} are strongly correlated ({corr[i, j]:+.3f}): "
                                           "the data determine a combination, not both"))
            if np.isfinite(corr[i, j]) and abs(corr[i, j]) > 0.999:
                for n in (names[i], names[j]):
                    unidentified.setdefault(n, f"correlation {corr[i, j]:+.4f} with "
                                               f"{names[j] if n == names[i] else names[i]}")
                    sd[names.index(n)] = np.nan
    # parameters the data do not move at all (a rank-deficient Jacobian: every q = −1, η = 0 everywhere): the
    # pseudo-inverse gives them a variance of exactly 0, which would read as exact (sweep 16)
    _, S, Vt = np.linalg.svd(J, full_matrices=False)
    null = Vt[S <= 1e-10 * S[0]] if S.size and S[0] > 0 else np.eye(len(names))
    for k in np.flatnonzero((np.abs(null) > 1e-6).any(axis=0)):
        unidentified.setdefault(names[k], "the data do not depend on it here: the Jacobian of the fit is "
                                          "rank-deficient along it")
        sd[k] = np.nan
    # a parameter that ended on one of its bounds: the best fit lies beyond it, and the curvature there is no
    # s.u. (sweep 16: T_SC = 300.0 ± 242 on --bound T_SC=300:400, reported as a plain converged fit)
    for i, n in enumerate(names):
        for side, b in (("lower", lo_a[i]), ("upper", hi_a[i])):
            scale = hi_a[i] - lo_a[i] if math.isfinite(hi_a[i] - lo_a[i]) else max(abs(b), 1.0)
            if math.isfinite(b) and abs(sol.x[i] - b) <= 1e-6 * scale:
                warns.append(WarningRecord("at_bound", n, f"{n} = {sol.x[i]:.6g} ended on its {side} bound {b:g}: "
                                           "the data pull it beyond; its s.u. is not given (null in JSON)"))
                sd[i] = np.nan
    if unidentified:
        t_su[2] = np.nan
        warns.append(WarningRecord("no_su", "T_eq", "T_eq depends on the undetermined combination of D and E: its "
                                                    "s.u. is not given (null in JSON, NaN in the library)"))
    for name, why in unidentified.items():
        warns.append(WarningRecord("not_identifiable", name, f"{name} is not identifiable from these data ({why}); "
                                   "its s.u. is not given (null in JSON) and its value is one point of a valley of equally "
                                   "good fits"))
    if not math.isfinite(cond) or cond > 1e8:
        warns.append(WarningRecord("ill_conditioned", "fit", f"Jacobian condition number {cond:.3g}: some free "
                                                             "parameters are not identifiable"))
    if folded:  # (sweep 16: taken as |η| without a word; sweep 23: noise about 0 folded put T_SC high in 7 fits of 8)
        warns.append(WarningRecord("eta_sign_folded", "η data", f"{folded} negative η value(s) taken as |η|: the "
                                   "two domain states ±η have one energy, and the model's η is ≥ 0; where η "
                                   "scatters about 0 (the phase where η vanishes) |η| is biased upwards: leave those "
                                   "rows out, or give them as 0"))
    if not jumps:
        warns.append(WarningRecord("no_jump", "fit", "no jump found in the data: spinodals are not constrained"))
    if not sol.success:
        warns.append(WarningRecord("not_converged", "fit", f"the fit did not converge: {sol.message}"))
    notes += [w.message for w in warns]
    rows = []
    k = 0
    for d, val in ((qd, "q"), (ed, "eta")):
        if d is None:
            continue
        w = d["sigma"].to_numpy() if "sigma" in d else sig[val]
        r = sol.fun[k:k + len(d)] * w
        rows.append(pd.DataFrame({"quantity": val, "branch": d.branch, "T": d["T"], "observed": d[val],
                                  "model": d[val].to_numpy() + r, "residual": r}))
        k += len(d)
    s = sol.x[-1] if use_scale else 1.0
    curves = full.to_frame()[["branch", "T", "q", "eta"]].assign(eta_scaled=lambda f: s * f["eta"])
    return LandauFit(model=m, free=free, values=dict(zip(names, map(float, sol.x))),
                     su=dict(zip(names, map(float, sd))),
                     fixed={k: getattr(m, k) for k in PARAMETERS if k not in free}, correlation=corr_df,
                     chi2=chi2, redchi2=redchi2, n_data=n_data, T_up=tr.T_up, T_down=tr.T_down, T_eq=tr.T_eq,
                     T_up_su=float(t_su[0]), T_down_su=float(t_su[1]), T_eq_su=float(t_su[2]),
                     observed=observed, curves=curves, residuals=pd.concat(rows, ignore_index=True),
                     condition=cond, success=bool(sol.success), message=str(sol.message), notes=tuple(notes),
                     warnings=tuple(warns))
