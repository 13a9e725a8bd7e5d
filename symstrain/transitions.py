"""Transition finder: bracket every symmetry change of a series by temperature and estimate T_c from strain.

What lives here
---------------
* :func:`find_brackets` — per branch (heating, cooling, unspecified), the rows sorted by T; wherever the space-group
  number changes between neighbouring rows, a :class:`Bracket` (the two rows, their groups and temperatures).
* :func:`compare_models` — fits of an order-parameter proxy y ∝ Q² (or ∝ Q) on the ordered side of a bracket to
  y = A·|T − T_c|^{2β} (or ^β; second order β = ½, tricritical β = ¼, free β) and to a first-order step
  y = y₀ + B·|T − T_c| (a jump y₀ ≥ 0 at T_c, B ≥ 0), with T_c bounded to the bracket (the row on the disordered
  side is in the high-symmetry group, the row on the ordered side is not); χ², AICc, AIC, BIC, Akaike weights; the
  preferred model and how strongly (:class:`ModelComparison`). Parameters counted: A and T_c (second order,
  tricritical), A, T_c, β (free β), y₀, B, T_c (step: the data fix T_c only to the bracket, where the middle is
  taken, so the step has one parameter more than the continuous law it contains at y₀ = 0).
* :func:`find_transitions` — both, on a normalised cell table: for each bracket the relation between the two
  groups (``relate``), the coupling of strain to the order parameter (``coupling.py``), the proxy — the strain of
  the ordered rows against a baseline through the high-symmetry rows (linear for ≥ 3 rows, a line through 2, that
  cell for 1), projected on the symmetry-breaking subspace (linear coupling: y ∝ Q; quadratic_sb: y ∝ Q²) or the
  non-symmetry-breaking one (quadratic_nsb: y ∝ Q²) and then on its mean direction, a signed scalar whose size is
  e_sb or e_nsb but which, unlike those norms, noise does not bias upwards near T_c — and the model comparison
  (:class:`Transition`).

Statistics
----------
With s.u.'s on every proxy value the fits are weighted and χ² = Σ(r/σ)². Without, σ² is estimated once per
transition as the smallest residual variance RSS/(n − k) among the models (the best fit's scatter), and
χ² = RSS/σ̂² for every model (σ treated as known, as in Mallows' C_p). The criterion is AICc =
χ² + 2k + 2k(k+1)/(n − k − 1) (Hurvich & Tsai 1989): series have few rows per phase, where the small-sample
correction matters and BIC's penalty k·ln n is weaker than AIC's below n = 8; BIC is reported too. A model with
n ≤ k + 1 has no AICc (it cannot be ranked); when no model has one, plain AIC ranks them and the result says so. Evidence for the
preferred model from Δ = AICc(runner-up) − AICc(best) (Burnham & Anderson 2002): < 2 "not distinguished",
2–4 "positive", 4–10 "strong", ≥ 10 "decisive". The s.u. of T_c is the fit's, capped by the bracket
(a uniform distribution over it, width/√12), and that bracket value where T_c is at a bound or read from a step.
What does not live here: strain (``strain_kernel.py``), references (``paraphase.py``), figures
(``plots/transitions.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .coupling import COUPLINGS, SOURCE, coupling_of
from .phase import CELL_NAMES

MODELS = {"second_order": 0.5, "tricritical": 0.25, "free_beta": None, "first_order_step": None}
BETA_RANGE = (0.05, 1.0)


@dataclass(frozen=True)
class Bracket:
    """Two neighbouring rows of one branch (sorted by T) whose space-group numbers differ. Temperatures in K;
    ``below``/``above`` are the row labels, ``group_below``/``group_above`` the H-M keys, ``number_*`` the IT
    numbers; ``branch`` "heating", "cooling" or "" (unspecified)."""

    branch: str
    T_below: float
    T_above: float
    below: str
    above: str
    group_below: str
    group_above: str
    number_below: int
    number_above: int

    @property
    def width(self) -> float:
        return self.T_above - self.T_below

    @property
    def middle(self) -> float:
        return 0.5 * (self.T_below + self.T_above)

    @property
    def su_uniform(self) -> float:
        """s.u. of a temperature known only to lie in the bracket: width/√12."""
        return self.width / math.sqrt(12.0)


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
        from .contract import quantity

        return {"model": self.model, "beta": quantity(self.beta, self.beta_su), "T_c": quantity(self.Tc, self.Tc_su),
                "amplitude": quantity(self.A, self.A_su), "slope": None if self.model != "first_order_step" else self.B,
                "chi2": self.chi2, "rss": self.rss, "n": self.n, "k": self.k, "aicc": _finite(self.aicc),
                "aic": _finite(self.aic), "bic": _finite(self.bic), "akaike_weight": _finite(self.weight),
                "at_bound": self.at_bound}


def _finite(x):
    return float(x) if x is not None and math.isfinite(x) else None


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

    def fit(self, model: str) -> ModelFit | None:
        return next((f for f in self.fits if f.model == model), None)


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


# ------------------------------------------------------------------------------------------------ brackets


def find_brackets(cells) -> list[Bracket]:
    """Every symmetry change between neighbouring rows (by T) of one branch; rows without a known group are
    skipped. Branches in the order heating, cooling, unspecified."""
    from .series_read import BRANCH_ORDER

    out = []
    num = cells["sg_number"].to_numpy(dtype=int)
    br = cells["branch"].fillna("").astype(str).to_numpy()
    for b in sorted(set(br), key=lambda x: BRANCH_ORDER.get(x, 3)):
        idx = np.flatnonzero((br == b) & (num > 0))
        idx = idx[np.argsort(cells["T"].to_numpy(float)[idx], kind="stable")]
        T = cells["T"].to_numpy(float)[idx]
        n = num[idx]
        for j in np.flatnonzero(n[1:] != n[:-1]):
            i0, i1 = idx[j], idx[j + 1]
            if T[j + 1] <= T[j]:
                continue  # two groups at one temperature: no bracket
            r0, r1 = cells.iloc[i0], cells.iloc[i1]
            out.append(Bracket(b, float(T[j]), float(T[j + 1]), str(r0["label"]), str(r1["label"]),
                               str(r0["spacegroup"]), str(r1["spacegroup"]), int(n[j]), int(n[j + 1])))
    return out


# ------------------------------------------------------------------------------------------------ model fits


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
    J = sol.jac
    try:
        cov = np.linalg.pinv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.full((len(q), len(q)), np.nan)
    at_bound = bool(abs(q[1] - lo_b) < 1e-6 * max(hi - lo, 1e-9) or abs(q[1] - hi_b) < 1e-6 * max(hi - lo, 1e-9))
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
    cov = np.linalg.pinv(X.T @ (X * w[:, None]))
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
    if weighted:
        sigma2, sigma_from = 1.0, "s.u.'s"
    else:
        var = {name: r[2] / (n - r[3]) for name, r in raw.items() if n - r[3] > 0}
        sigma_from = min(var, key=var.get) if var else "none"
        sigma2 = max(var[sigma_from], floor**2) if var else math.nan
    fits = []
    for name, (q, cov, rss, k, Tc_fixed, at_bound) in raw.items():
        chi2 = rss / sigma2 if math.isfinite(sigma2) else math.nan
        C = cov * (sigma2 if math.isfinite(sigma2) else math.nan)
        su = np.sqrt(np.maximum(np.diag(C), 0.0)) if np.all(np.isfinite(C)) else np.full(len(q), np.nan)
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
                             power=power))
    criterion = "aicc"
    if not any(math.isfinite(f.aicc) for f in fits):
        criterion = "aic"  # too few rows for the small-sample correction of any model: plain AIC, said so
    score = {f.model: getattr(f, criterion) for f in fits}
    order = list(MODELS)  # ties (equal to rounding) go to the model listed first
    ranked = sorted((f for f in fits if math.isfinite(score[f.model])),
                    key=lambda f: (round(score[f.model], 9), order.index(f.model)))
    sigma = math.sqrt(sigma2) if math.isfinite(sigma2) and not weighted else (1.0 if weighted else math.nan)
    if not ranked:
        return ModelComparison(tuple(fits), None, math.nan, f"{n} ordered rows: no noise estimate, the models "
                               "cannot be ranked", sigma, sigma_from, ordered_below, criterion)
    best = score[ranked[0].model]
    weights = {f.model: math.exp(-0.5 * (score[f.model] - best)) for f in ranked}
    tot = sum(weights.values())
    fits = [ModelFit(**{**f.__dict__, "weight": weights.get(f.model, 0.0) / tot}) for f in fits]
    delta = max(score[ranked[1].model] - best, 0.0) if len(ranked) > 1 else math.inf
    words = evidence_words(delta) + ("" if criterion == "aicc" else f" (by AIC: {n} rows are too few for AICc)")
    return ModelComparison(tuple(fits), ranked[0].model, delta, words, sigma, sigma_from, ordered_below, criterion)


# ------------------------------------------------------------------------------------------------ transitions


@dataclass(frozen=True, eq=False)
class Transition:
    """One symmetry change of a series. ``high``/``low``: group keys of the high- and low-symmetry sides;
    ``relation`` from high to low (None with ``not_subgroup`` saying why); ``coupling`` and ``proxy`` (the strain
    scalar fitted, "e_sb" or "e_nsb", signed); ``reference`` (how the high-symmetry baseline was made);
    ``T``/``y``/``y_su``/``rows`` the ordered rows and their proxy, ``T_other``/``y_other`` the high-symmetry rows
    next to the bracket (their residual proxy, for figures); ``comparison`` the fits; ``Tc``/``Tc_su`` of the
    preferred model (the bracket's middle ± width/√12 without one)."""

    bracket: Bracket
    high: str
    low: str
    high_number: int
    low_number: int
    relation: object
    not_subgroup: str | None
    coupling: str | None
    proxy: str | None
    reference: str
    T: np.ndarray
    y: np.ndarray
    y_su: np.ndarray
    rows: tuple[str, ...]
    T_other: np.ndarray
    y_other: np.ndarray
    comparison: ModelComparison | None
    Tc: float
    Tc_su: float
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ordered_below(self) -> bool:
        return self.bracket.number_below == self.low_number

    @property
    def preferred(self) -> str | None:
        return None if self.comparison is None else self.comparison.preferred


def _baseline_through(cells, idx):
    """A reference for the strain of other rows: linear fit (≥ 3 rows), line through 2, or the single cell."""
    from .reference import fit_cell_baseline
    from .series_read import table_arrays as _arrays
    from .series_read import table_cells

    sub = cells.iloc[idx]
    T = sub["T"].to_numpy(float)
    if len(idx) == 1 or np.ptp(T) == 0:
        return table_cells(sub)[0], f"the cell of {sub['label'].iloc[0]}"
    exact = len(idx) == 2
    bl = fit_cell_baseline(T, _arrays(sub), model="linear", exact=exact,
                           source=f"{sub['spacegroup'].iloc[0]} rows")
    what = "line through 2 rows" if exact else f"linear fit of {len(idx)} rows"
    return bl, f"{what} of {sub['spacegroup'].iloc[0]} at {T.min():g}–{T.max():g} K"


def _segment(cells, bracket: Bracket, number: int, below: bool) -> np.ndarray:
    """Row indices of the branch's contiguous run of group ``number`` on one side of the bracket."""
    br = cells["branch"].fillna("").astype(str).to_numpy()
    num = cells["sg_number"].to_numpy(dtype=int)
    T = cells["T"].to_numpy(float)
    idx = np.flatnonzero((br == bracket.branch) & (num > 0))
    idx = idx[np.argsort(T[idx], kind="stable")]
    if below:
        idx = idx[T[idx] <= bracket.T_below][::-1]
    else:
        idx = idx[T[idx] >= bracket.T_above]
    stop = np.flatnonzero(num[idx] != number)
    return idx[: stop[0]] if len(stop) else idx


def _proxies(cells, idx, reference, relation, coupling, direction=None):
    """(y, y_su, direction) of the rows ``idx`` against ``reference`` mapped by the relation: the strain projected
    on the symmetry-breaking (linear, quadratic_sb) or non-symmetry-breaking (quadratic_nsb) subspace, then on its
    mean direction over these rows (or ``direction``), a signed scalar ∝ Q (linear) or ∝ Q² (quadratic). Unlike
    the norm e_sb or e_nsb it is not biased upwards by noise where the order parameter vanishes."""
    from .reference import CellBaseline
    from .strain_kernel import pair_strains, projector
    from .strain_math import split_spec

    T = cells["T"].to_numpy(float)[idx]
    p = cells[list(CELL_NAMES)].to_numpy(float)[idx]
    s = cells[[f"{n}_su" for n in CELL_NAMES]].to_numpy(float)[idx]
    if isinstance(reference, CellBaseline):
        p0, s0 = reference.cells_at(T), reference.su_at(T)
    else:
        p0, s0 = np.tile(reference.params, (len(T), 1)), np.tile(reference.su_array, (len(T), 1))
    sb, nsb = tuple(relation.symmetry_breaking_strain), tuple(relation.non_symmetry_breaking_strain)
    _, _, (sbV, nsbV) = split_spec(sb, nsb)
    r = pair_strains(p0, p, relation.P, s0=s0, s=s)
    C = projector(sbV if SOURCE[coupling][0] == "e_sb" else nsbV)  # rows: orthonormal basis (weighted) · √W
    z = r.e @ C.T  # coordinates in that orthonormal basis: |z| is e_sb or e_nsb
    if direction is None:
        m = z.mean(axis=0) if len(z) else np.zeros(len(C))
        nm = np.linalg.norm(m)
        direction = m / nm if nm > 0 else np.eye(len(C))[0] if len(C) else np.zeros(0)
    y = z @ direction
    # s.u.: the projection is linear in e; components taken as independent (first order)
    g = direction @ C  # (6,) coefficients on the Voigt strain
    ys = np.sqrt(np.sum((g * r.e_su) ** 2, axis=1))
    ys = np.where(r.child_has_su, ys, np.nan)  # the baseline's s.u.'s alone: one systematic error, not noise
    y = np.where(np.abs(y) < 1e-12, 0.0, y)
    return y, ys, direction


def find_transitions(cells, phases=None, *, tol: float = 0.08) -> tuple[list[Transition], list[str]]:
    """Every transition of a normalised cell table (``phases`` aligned with its rows when read from CIFs):
    ``(transitions, warnings)``. See the module docstring."""
    from .paraphase import phase_of_row, group_of_rows, symmetry_density
    from .relation import relate

    groups, rows = group_of_rows(cells, phases)
    P = cells[list(CELL_NAMES)].to_numpy(float)
    T_all = cells["T"].to_numpy(float)
    labels = cells["label"].astype(str).to_numpy()
    out, warnings, rel_cache = [], [], {}
    for b in find_brackets(cells):
        kb, ka = b.group_below, b.group_above
        ib, ia = rows[kb], rows[ka]
        db, da = symmetry_density(groups[kb], P[ib[0]]), symmetry_density(groups[ka], P[ia[0]])
        high, low = (kb, ka) if db > da else (ka, kb)
        key = (high, low)
        if key not in rel_cache:
            ih, il = rows[high], rows[low]
            ph = phase_of_row(cells, int(ih[np.argmin(np.abs(T_all[ih] - b.middle))]), groups, phases)
            pl = phase_of_row(cells, int(il[np.argmin(np.abs(T_all[il] - b.middle))]), groups, phases)
            try:
                rel = relate(ph, pl, tol=tol, check_reverse=False)
                rel_cache[key] = (rel, None) if rel.holds else (None, rel.reason)
            except Exception as exc:  # noqa: BLE001 — one bad pair must not stop the others
                rel_cache[key] = (None, getattr(exc, "problem", f"{type(exc).__name__}: {exc}"))
        rel, why = rel_cache[key]
        low_number = b.number_below if low == kb else b.number_above
        high_number = b.number_above if low == kb else b.number_below
        ordered_below = low == kb
        seg = _segment(cells, b, low_number, below=ordered_below)
        other = _segment(cells, b, high_number, below=not ordered_below)
        empty = np.zeros(0)
        if rel is None or rel.index == 1:
            why = why or "the two groups are the same group in different settings"
            warnings.append(f"{b.below} → {b.above}: {low} is not a subgroup of {high}: {why}; only the bracket is "
                            "reported")
            out.append(Transition(b, high, low, high_number, low_number, None, why, None, None, "", T_all[seg],
                                  empty, empty, tuple(labels[seg]), T_all[other], empty, None, b.middle,
                                  b.su_uniform))
            continue
        coupling = coupling_of(rel)
        reference, ref_text = _baseline_through(cells, rows[high])
        y, y_su, u = _proxies(cells, seg, reference, rel, coupling)
        y_o = _proxies(cells, other, reference, rel, coupling, u)[0] if len(other) else empty
        cmp_ = compare_models(T_all[seg], y, y_su if np.all(np.isfinite(y_su)) else None, T_low=b.T_below,
                              T_high=b.T_above, ordered_below=ordered_below, power=SOURCE[coupling][1])
        best = cmp_.fit(cmp_.preferred) if cmp_.preferred else None
        Tc, Tc_su = (best.Tc, best.Tc_su) if best is not None else (b.middle, b.su_uniform)
        proxy = {"linear": "e_sb", "quadratic_sb": "e_sb", "quadratic_nsb": "e_nsb"}[coupling]
        notes = []
        if best is None:
            notes.append(f"{b.below} → {b.above}: {cmp_.evidence}; T_c is the bracket's middle")
        out.append(Transition(b, high, low, high_number, low_number, rel, None, coupling, proxy, ref_text,
                              T_all[seg], y, y_su, tuple(labels[seg]), T_all[other], y_o, cmp_, Tc, Tc_su,
                              tuple(notes)))
        warnings.extend(notes)
    return out, warnings


def transition_to_dict(tr: Transition, cells=None, groups: dict | None = None) -> dict:
    """A transition under the JSON contract (``schemas/transitions.json``); ``groups`` (key →
    :class:`~symstrain.phase.SpaceGroupInfo`, from :func:`~symstrain.paraphase.group_of_rows`) give the settings."""
    from .contract import quantity, spacegroup, spacegroup_from_number

    def sg(key, number):
        if groups and key in groups:
            return spacegroup(groups[key])
        d = spacegroup_from_number(number)
        return {**d, "symbol": key, "setting": key, "standard_setting": key == d["symbol"]} if d else None

    def row(label):
        if cells is None:
            return {"file": None, "block": label}
        r = cells[cells["label"].astype(str) == label].iloc[0]
        return {"file": r["file"], "block": r["block"]}

    b = tr.bracket
    cmp_ = tr.comparison
    rel = tr.relation
    return {
        "branch": b.branch or None,
        "bracket": {"below": {**row(b.below), "T": quantity(b.T_below), "spacegroup": sg(b.group_below, b.number_below)},
                    "above": {**row(b.above), "T": quantity(b.T_above), "spacegroup": sg(b.group_above, b.number_above)}},
        "high_symmetry": sg(tr.high, tr.high_number),
        "low_symmetry": sg(tr.low, tr.low_number),
        "direction": "descending" if tr.ordered_below else "ascending",
        "relation": None if rel is None else {"type": rel.kind, "index": int(rel.index),
                                              "lattice_index": int(rel.lattice_index), "aizu": rel.aizu,
                                              "symmetry_breaking_strain": list(rel.symmetry_breaking_strain),
                                              "non_symmetry_breaking_strain": list(rel.non_symmetry_breaking_strain)},
        "not_a_subgroup": tr.not_subgroup,
        "coupling": tr.coupling,
        "coupling_description": None if tr.coupling is None else COUPLINGS[tr.coupling],
        "proxy": tr.proxy,
        "reference": tr.reference or None,
        "T_c": quantity(tr.Tc, tr.Tc_su),
        "preferred_model": tr.preferred,
        "evidence": None if cmp_ is None else cmp_.evidence,
        "criterion": None if cmp_ is None else cmp_.criterion,
        "delta": None if cmp_ is None else _finite(cmp_.delta),
        "sigma": None if cmp_ is None else {"value": _finite(cmp_.sigma), "from": cmp_.sigma_from},
        "models": [] if cmp_ is None else [f.to_dict() for f in cmp_.fits],
        "points": [{**row(lab), "T": quantity(t), "proxy": quantity(v, s)}
                   for lab, t, v, s in zip(tr.rows, tr.T, tr.y, tr.y_su)] if len(tr.y) else [],
    }
