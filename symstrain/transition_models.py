"""Fitting an order-parameter proxy on one side of a transition bracket, and choosing between the models.

What lives here: :func:`compare_models` — fits of a proxy y ∝ Q² (or ∝ Q) of the ordered rows to
y = A·|T − T_c|^{2β} (or ^β; second order β = ½, tricritical β = ¼, free β) and to a first-order step
y = y₀ + B·|T − T_c| (a jump y₀ ≥ 0 at T_c, B ≥ 0), with T_c bounded to the bracket (the row on the disordered side is
in the high-symmetry group, the row on the ordered side is not); χ², AICc, AIC, BIC, Akaike weights; the preferred
model and how strongly (:class:`ModelComparison` of :class:`ModelFit` records). Parameters counted: A and T_c (second
order, tricritical), A, T_c, β (free β), y₀, B, T_c (step: the data fix T_c only to the bracket, where the middle is
taken, so the step has one parameter more than the continuous law it contains at y₀ = 0). What does not: finding
the brackets and making the proxy from strain (``transitions.py``), figures (``plots/transitions.py``).

Statistics
----------
With s.u.'s on every proxy value the fits are weighted and χ² = Σ(r/σ)². Without, σ² is estimated once per
transition as the smallest residual variance RSS/(n − k) among the models (the best fit's scatter), and
χ² = RSS/σ̂² for every model (σ treated as known, as in Mallows' C_p); σ̂'s degrees of freedom n − k are reported
with the evidence, since with few of them σ̂² (relative s.d. √(2/(n − k))) and every Δχ² built on it are
uncertain. The criterion is AICc =
χ² + 2k + 2k(k+1)/(n − k − 1) (Hurvich & Tsai 1989): series have few rows per phase, where the small-sample
correction matters and BIC's penalty k·ln n is weaker than AIC's below n = 8; BIC is reported too. A model with
n ≤ k + 1 has no AICc; when no model has one, plain AIC ranks those with n > k and the result says so. A model with
n ≤ k passes through the rows exactly (an interpolation, χ² = 0): it is never ranked, and with no other model there
is no preferred one (T_c is then the bracket's middle, ``transitions.py``). Evidence for the
preferred model from Δ = AICc(runner-up) − AICc(best) (Burnham & Anderson 2002): < 2 "not distinguished",
2–4 "positive", 4–10 "strong", ≥ 10 "decisive". The s.u. of T_c is the fit's, capped by the bracket
(a uniform distribution over it, width/√12), and that bracket value where T_c is at a bound or read from a step.
Without s.u.'s, a model with as many fitted parameters as rows has no degrees of freedom: its parameters get no s.u.
(nothing measures their spread; T_c's is the bracket's), flagged ``no_dof``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .contract import finite_or_none
from .fitting import covariance

#: the models compared, in the order ties go, with β where it is fixed (None: fitted, or no β for the step)
MODELS = {"second_order": 0.5, "tricritical": 0.25, "free_beta": None, "first_order_step": None}
#: the range β may take in the free-β fit
BETA_RANGE = (0.05, 1.0)


@dataclass(frozen=True, eq=False)
class ModelFit:
    """One model fitted to the proxy: ``beta`` (fixed or fitted), ``Tc`` (K) and ``A`` (proxy units per K^{2β}, or
    the jump y₀ for the step, whose slope is ``B``) with s.u.'s (NaN unknown); ``chi2``, ``n`` points, ``k`` fitted
    parameters, ``aicc`` (inf when n ≤ k + 1), ``aic``, ``bic``, ``weight`` (Akaike weight from AICc), ``at_bound``
    (T_c or β at a limit of its range)."""

    model: str
    beta: float
    beta_su: float
    Tc: float
    Tc_su: float
    A: float
    A_su: float
    B: float
    chi2: float
    rss: float
    n: int
    k: int
    aicc: float
    aic: float
    bic: float
    weight: float = math.nan
    at_bound: bool = False
    #: y ∝ Q^power: the power laws are A·|T − T_c|^{power·β}
    power: int = 2
    #: as many fitted parameters as rows, without s.u.'s: no degrees of freedom, and no s.u. on the parameters
    no_dof: bool = False

    def curve(self, T, ordered_below: bool) -> np.ndarray:
        """The fitted proxy at T (0 on the disordered side)."""
        T = np.asarray(T, dtype=float)
        d = (self.Tc - T) if ordered_below else (T - self.Tc)
        on = d > 0
        y = np.zeros_like(T)
        if self.model == "first_order_step":
            y[on] = self.A + self.B * d[on]
        else:
            y[on] = self.A * d[on] ** (self.power * self.beta)
        return y

    def to_dict(self) -> dict:
        from .contract import clean, quantity

        # a slope or residual that is rounding beside the amplitude (8.5e-21 /K for a step through two equal rows)
        # is 0: the slope on the scale |A|/T_c, the residual sum of squares on A²
        scale = abs(self.A) if math.isfinite(self.A) else 0.0
        slope = None if self.model != "first_order_step" else clean(self.B, scale / max(abs(self.Tc), 1.0))
        return {"model": self.model, "beta": quantity(self.beta, self.beta_su), "T_c": quantity(self.Tc, self.Tc_su),
                "amplitude": quantity(self.A, self.A_su), "slope": slope,
                "chi2": self.chi2, "rss": clean(self.rss, scale * scale) if math.isfinite(self.rss) else self.rss, "n": self.n, "k": self.k, "aicc": finite_or_none(self.aicc),
                "aic": finite_or_none(self.aic), "bic": finite_or_none(self.bic), "akaike_weight": finite_or_none(self.weight),
                "at_bound": self.at_bound, "no_dof": self.no_dof}


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Every model's fit (:class:`ModelFit`), the preferred one (None when too few points), ``delta`` = the
    criterion of the runner-up − that of the best, ``evidence`` in words, ``sigma`` the noise level used (proxy
    units; 1 with s.u.'s) and ``sigma_from`` ("s.u.'s", or the model whose residual variance RSS/(n − k) is the
    smallest: the best fit's scatter)."""

    fits: tuple[ModelFit, ...]
    preferred: str | None
    delta: float
    evidence: str
    sigma: float
    sigma_from: str
    ordered_below: bool
    #: "aicc", or "aic" when no model has n > k + 1 (then said in the evidence)
    criterion: str = "aicc"
    #: degrees of freedom n − k of the residual variance σ was estimated from (None with s.u.'s or no estimate):
    #: with few, σ̂ — and so every χ² difference and the evidence — is itself uncertain (relative s.d. of σ̂²
    #: √(2/dof)), which the reports say next to the evidence
    sigma_dof: int | None = None

    def fit(self, model: str) -> ModelFit | None:
        return next((f for f in self.fits if f.model == model), None)


#: with a noise estimate from fewer degrees of freedom than this (no s.u.'s), "strong" and "decisive" are not said:
#: reduced χ² of the preferred model above which the rows scatter beyond their s.u.'s (3σ per row on average): the
#: ranking by the s.u.'s is then no evidence
_SCATTER = 9.0
#: σ̂² itself is uncertain by √(2/dof) (≥ 82 %), and so is every Δχ² built on it
_SURE_DOF = 3


def evidence_words(delta: float) -> str:
    """Burnham & Anderson's reading of an AICc difference."""
    if not math.isfinite(delta):
        return "only model that can be ranked"
    if delta < 2:
        return "not distinguished"
    if delta < 4:
        return "positive"
    if delta < 10:
        return "strong"
    return "decisive"


def _power_fit(T, y, w, lo, hi, ordered_below, beta=None, power=2):
    """(Tc, beta, A, cov(A, Tc[, beta]) unscaled, rss_w) for y = A·d^{power·β}, d = ±(Tc − T), Tc ∈ [lo, hi]."""
    from scipy.optimize import least_squares

    s = 1.0 if ordered_below else -1.0
    edge = T.max() if ordered_below else T.min()
    eps = 1e-9 * max(hi - lo, 1.0)
    lo_b = max(lo, edge + eps) if ordered_below else lo
    hi_b = hi if ordered_below else min(hi, edge - eps)
    if lo_b > hi_b:
        lo_b = hi_b = 0.5 * (lo + hi)
    sw = np.sqrt(w)

    # starting point: the best of a grid of T_c (and β), the amplitude by linear least squares, all at once
    betas = np.array([beta] if beta is not None else np.linspace(BETA_RANGE[0], BETA_RANGE[1], 20))
    tcs = np.linspace(lo_b, hi_b, 25)
    d = np.maximum(s * (tcs[:, None] - T[None, :]), 0.0)  # (25, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        F = d[:, None, :] ** (power * betas[None, :, None])  # (25, nβ, n)
        den = F * F @ w
        A = np.maximum(np.where(den > 0, F @ (w * y) / den, 0.0), 0.0)
    r = (w * y * y).sum() - 2 * A * (F @ (w * y)) + A * A * den
    i, j = np.unravel_index(np.argmin(np.where(np.isfinite(r), r, np.inf)), r.shape)
    Tc0, b0, A0 = tcs[i], betas[j], A[i, j]
    free_beta = beta is None

    def model(q):
        A, Tc = q[0], q[1]
        b = q[2] if free_beta else beta
        return A * np.maximum(s * (Tc - T), 0.0) ** (power * b)

    def res(q):
        return sw * (y - model(q))

    x0 = [A0, Tc0] + ([b0] if free_beta else [])
    lb = [0.0, lo_b] + ([BETA_RANGE[0]] if free_beta else [])
    ub = [np.inf, hi_b] + ([BETA_RANGE[1]] if free_beta else [])
    if hi_b - lo_b < 1e-12:
        lb[1], ub[1] = lo_b - 1e-9, hi_b + 1e-9
    x0 = np.clip(x0, np.array(lb) + 1e-15, np.array(ub) - 1e-15)
    sol = least_squares(res, x0, bounds=(lb, ub), x_scale="jac", xtol=1e-14, ftol=1e-14, gtol=1e-14)
    q = sol.x
    cov = covariance(sol.jac)
    # (within 10⁻³ of the bracket of its edge: a T_c 0.0004 K above the last ordered row had a tricritical s.u. of
    # 0.002 K, the law's slope diverging there — sweep 20; at the bound its s.u. is the bracket's)
    at_bound = bool(abs(q[1] - lo_b) < 1e-3 * max(hi - lo, 1e-9) or abs(q[1] - hi_b) < 1e-3 * max(hi - lo, 1e-9))
    if free_beta:
        at_bound |= bool(abs(q[2] - BETA_RANGE[0]) < 1e-6 or abs(q[2] - BETA_RANGE[1]) < 1e-6)
    return q, cov, float(np.sum(res(q) ** 2)), at_bound


def _step_fit(T, y, w, Tc, ordered_below):
    """y = y0 + B·d with d = ±(Tc − T) ≥ 0 and Tc fixed: weighted linear least squares (y0, B ≥ 0)."""
    d = (Tc - T) if ordered_below else (T - Tc)
    X = np.column_stack([np.ones_like(d), d])
    sw = np.sqrt(w)
    q, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    if q[1] < 0:  # the order parameter does not shrink away from T_c: a pure step
        q = np.array([np.sum(w * y) / np.sum(w), 0.0])
    cov = covariance(X * sw[:, None])
    return q, cov, float(np.sum(w * (y - X @ q) ** 2))


def compare_models(T, y, y_su=None, *, T_low: float, T_high: float, ordered_below: bool,
                   power: int = 2) -> ModelComparison:
    """Fit the proxy ``y`` ∝ Q^power of the ordered rows at ``T`` (K) with the four models (module docstring; the
    power laws are y = A·|T − T_c|^{power·β}: power 2 for a proxy of Q², 1 for a proxy of Q itself).

    ``T_low``/``T_high``: the bracket (K); ``ordered_below``: the low-symmetry rows are below the bracket
    (descending transition) or above it (ascending). ``y_su``: s.u.'s of y (all positive → weighted), else None.
    """
    T = np.asarray(T, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(T)
    weighted = y_su is not None and np.all(np.isfinite(y_su)) and np.all(np.asarray(y_su) > 0)
    w = 1.0 / np.asarray(y_su, dtype=float) ** 2 if weighted else np.ones(n)
    width = T_high - T_low
    su_uniform = width / math.sqrt(12.0)
    raw = {}
    for name, beta in MODELS.items():
        if name == "first_order_step":
            Tc = 0.5 * (T_low + T_high)
            k = 3  # y0, B and T_c: T_c is adjusted too (any value in the bracket fits alike; the middle is taken)
            if n < 2:
                continue
            q, cov, rss = _step_fit(T, y, w, Tc, ordered_below)
            raw[name] = (q, cov, rss, k, Tc, False)
            continue
        k = 2 if beta is not None else 3
        if n < k:
            continue
        q, cov, rss, at_bound = _power_fit(T, y, w, T_low, T_high, ordered_below, beta, power)
        raw[name] = (q, cov, rss, k, None, at_bound)
    if not raw:
        return ModelComparison((), None, math.nan, f"{n} ordered row(s): no model can be fitted", math.nan,
                               "none", ordered_below, "none")
    # σ: from the s.u.'s, else from the most flexible model with degrees of freedom left
    floor = 1e-12 * max(float(np.max(np.abs(y))), 1e-300)
    sigma_dof = None
    if weighted:
        sigma2, sigma_from = 1.0, "s.u.'s"
    else:
        var = {name: r[2] / (n - r[3]) for name, r in raw.items() if n - r[3] > 0}
        sigma_from = min(var, key=var.get) if var else "none"
        sigma2 = max(var[sigma_from], floor**2) if var else math.nan
        sigma_dof = n - raw[sigma_from][3] if var else None
    fits = []
    for name, (q, cov, rss, k, Tc_fixed, at_bound) in raw.items():
        chi2 = rss / sigma2 if math.isfinite(sigma2) else math.nan
        C = cov * (sigma2 if math.isfinite(sigma2) else math.nan)
        if n > k and chi2 > n - k:  # the rows scatter beyond σ (their s.u.'s, or the most flexible model's scatter)
            # about this model: its s.u.'s scaled by its Birge ratio, as a refinement's by its goodness of fit (and
            # the expansion fits); sweep 20's tricritical T_c ± 1.30 K on χ² = 12.9 for 2 dof is ± 3.3 K
            C = C * (chi2 / (n - k))
        su = np.sqrt(np.maximum(np.diag(C), 0.0)) if np.all(np.isfinite(C)) else np.full(len(q), np.nan)
        no_dof = not weighted and n <= len(q)
        if no_dof:
            # as many fitted parameters as rows: no degrees of freedom, nothing measures their spread (σ̂ is another
            # model's scatter); no s.u., and T_c's is the bracket's
            su = np.full(len(q), np.nan)
        if name == "first_order_step":
            A, A_su, B, Tc, Tc_su, beta, beta_su = q[0], su[0], q[1], Tc_fixed, su_uniform, math.nan, math.nan
        else:
            A, A_su, B, Tc = q[0], su[0], math.nan, q[1]
            Tc_su = su_uniform if at_bound or not math.isfinite(su[1]) else min(su[1], su_uniform)
            beta = q[2] if name == "free_beta" else MODELS[name]
            beta_su = su[2] if name == "free_beta" else 0.0
        aic = chi2 + 2 * k
        aicc = aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf
        bic = chi2 + k * math.log(n) if n > 0 else math.nan
        fits.append(ModelFit(name, float(beta), float(beta_su), float(Tc), float(Tc_su), float(A), float(A_su),
                             float(B), float(chi2), float(rss), n, k, aicc, aic, bic, at_bound=bool(at_bound),
                             power=power, no_dof=no_dof))
    criterion = "aicc"
    if not any(math.isfinite(f.aicc) for f in fits):
        criterion = "aic"  # too few rows for the small-sample correction of any model: plain AIC, said so
    # a model with as many parameters as rows (or more) passes through them exactly: an interpolation, not a fit, and
    # its χ² (0) says nothing of it — it is not ranked (sweep 11: two rows "preferred" the tricritical law at
    # T_c ± 0.14 K, ~6 K from the literature's)
    score = {f.model: getattr(f, criterion) if f.n > f.k else math.inf for f in fits}
    order = list(MODELS)  # ties (equal to rounding) go to the model listed first
    ranked = sorted((f for f in fits if math.isfinite(score[f.model])),
                    key=lambda f: (round(score[f.model], 9), order.index(f.model)))
    sigma = math.sqrt(sigma2) if math.isfinite(sigma2) and not weighted else (1.0 if weighted else math.nan)
    if not ranked:
        why = ("every model has as many parameters as rows or more (it passes through them exactly), so none is "
               "preferred" if all(f.n <= f.k for f in fits) else "no noise estimate, the models cannot be ranked")
        return ModelComparison(tuple(fits), None, math.nan, f"{n} ordered rows: {why}", sigma, sigma_from,
                               ordered_below, criterion, sigma_dof)
    best = score[ranked[0].model]
    weights = {f.model: math.exp(-0.5 * (score[f.model] - best)) for f in ranked}
    tot = sum(weights.values())
    fits = [ModelFit(**{**f.__dict__, "weight": weights.get(f.model, 0.0) / tot}) for f in fits]
    delta = max(score[ranked[1].model] - best, 0.0) if len(ranked) > 1 else math.inf
    words = evidence_words(delta) + ("" if criterion == "aicc" else f" (by AIC: {n} rows are too few for AICc)")
    if sigma_dof is not None and sigma_dof < _SURE_DOF and evidence_words(delta) in ("strong", "decisive"):
        # σ̂² from so few degrees of freedom is uncertain by √(2/dof) (141 % for one): every χ² difference with it
        words = f"not sure ({words} by the criterion alone, with σ from too few degrees of freedom)"
    top = ranked[0]
    if weighted and top.n > top.k and top.chi2 / (top.n - top.k) > _SCATTER and delta >= 2:
        # (sweep 16: one row off by 40 s.u.'s gave every model χ² ≈ 4·10⁴ and "first_order_step, decisive")
        words = (f"not sure ({words} by the criterion alone: the preferred model leaves χ²/dof = "
                 f"{top.chi2 / (top.n - top.k):.3g}, the rows scatter far beyond their s.u.'s — an outlier, or s.u.'s "
                 "too small)")
    return ModelComparison(tuple(fits), ranked[0].model, delta, words, sigma, sigma_from, ordered_below, criterion,
                           sigma_dof)
