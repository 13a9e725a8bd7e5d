"""Landau model of a spin crossover coupled to a symmetry breaking: potentials, equilibria, sweeps, transitions.

What lives here: :class:`LandauModel` (the parameters of Eq. 3 and its special cases), the exact
reduction of G(q, η) to a one-dimensional "relaxed" potential g(q), every local minimum and the
saddles between them (vectorised over temperature), entropies, and the phase diagram over model
parameters. Following the states in temperature — heating/cooling sweeps through metastable states,
spinodals, the thermodynamic transition by root finding, barriers, regimes — lives in
:mod:`symstrain.landau_sweep`, behind the methods :meth:`LandauModel.sweep`, :meth:`LandauModel.branches`
and :meth:`LandauModel.regime`. Fitting lives in :mod:`symstrain.landau_fit`, figures in
:mod:`symstrain.plots.landau`.

Conventions
-----------
* q ∈ [−1, 1] is the spin-state order parameter (q = 2γ_HS − 1; −1 all LS, +1 all HS). The bound is
  part of the model: a minimum pinned on q = ±1 is a real state.
* η is the symmetry-breaking order parameter; G depends on η only through x = η² ≥ 0, so every state
  with η ≠ 0 comes as two degenerate domains ±η. Tables give η ≥ 0 (the + domain).
* Eq. 3::

      G = a1 (T_SC − T) q + B/2 q² + C/4 q⁴ + a0/2 (T − Tc) η² + b/4 η⁴ + D q η² + E/2 q² η²

  Eq. 1 is a1 = D = E = 0; Eq. 2 is a0 = D = E = 0; Eq. 4 (strong coupling) is B = a0 = 0.
  Temperatures in K; G in the energy unit of a1·K (e.g. J mol⁻¹ if a1 is in J mol⁻¹ K⁻¹); the
  entropy S = −∂G/∂T = a1 q − a0/2 η² in that unit per K.
* Writing G = A(q) + K(q) x + b/4 x² with A = a1(T_SC−T)q + B/2 q² + C/4 q⁴ and
  K = a0/2 (T−Tc) + D q + E/2 q², the minimum over x ≥ 0 is exact: x* = max(0, −2K/b). Hence
  g(q) = min_η G = A(q) − max(0, −K)²/b, a C¹ function of q. Local minima of G(q, η) are exactly the
  local minima of g (η = 0 where K > 0: phase "..hs"; η = ±√(−2K/b) where K < 0: phase "..ls"), and the
  barrier between two states is the highest g between them (any path must cross every q in between).
* On each piece g′ is a cubic in q: A′ = a1(T_SC−T) + B q + C q³ (η = 0) and
  G_eff′ = A′ − 2 K K′/b (η ≠ 0), so all stationary points come from closed-form cubic roots,
  vectorised over temperature. A state disappears (spinodal) when it merges with the adjacent
  saddle: g′ = g″ = 0 (fold) or K = 0 with G_eff″ < 0 (the η = 0 state meets an unstable η ≠ 0 branch).
* Phase labels: "HS"/"LS" from the sign of q (q > 0: majority HS), then "ls" (η ≠ 0, low symmetry) or
  "hs" (η = 0, high symmetry): LShs, HSls, HShs, LSls.
* Sweeps: at each step the state relaxes downhill from where it was (the basin between the two
  neighbouring saddles of g). A step is a jump when the new state does not map back onto the old one;
  such steps, steps where η appears or vanishes and steps where a minimum appears or vanishes are zoomed
  on (257-point sub-grids) until the event is bracketed to 1e-6 K. Features narrower than one grid step
  that leave the state unchanged at both ends of the step (a loop thinner than the step) are not seen.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import landau_sweep as _sweep
from .errors import SymstrainInputError
from .landau_sweep import REGIMES, Branch, SweepResult, Transition, Transitions, phase_label  # noqa: F401 (API)

PARAMETERS = ("a1", "B", "C", "T_SC", "a0", "Tc", "b", "D", "E")
#: unit of each parameter ("energy unit" is that of a1·K, the model's unit of G)
PARAMETER_UNITS = {"a1": "energy unit/K", "B": "energy unit", "C": "energy unit", "T_SC": "K", "a0": "energy unit/K",
                   "Tc": "K", "b": "energy unit", "D": "energy unit", "E": "energy unit"}
#: seed-compound observations to compare the paper preset with (K): T↑ on heating, T↓ range on cooling
SEED_OBSERVED = {"T_up": 235.0, "T_down": (219.0, 221.0)}


# ----------------------------------------------------------------------------------------------
# vectorised real roots of cubics c0 + c1 q + c2 q² + c3 q³ (each coefficient an array over T)


def _real_cubic_roots(c0, c1, c2, c3):
    """Real roots as an (N, 3) array, NaN where absent. Degenerate leading terms handled."""
    c0, c1, c2, c3 = np.broadcast_arrays(*(np.asarray(c, float) for c in (c0, c1, c2, c3)))
    n = c0.size
    c0, c1, c2, c3 = (c.reshape(n) for c in (c0, c1, c2, c3))
    out = np.full((n, 3), np.nan)
    scale = np.maximum.reduce([np.abs(c0), np.abs(c1), np.abs(c2), np.abs(c3)])
    scale = np.where(scale > 0, scale, 1.0)
    cub = np.abs(c3) > 1e-12 * scale
    with np.errstate(all="ignore"):
        # cubic: depressed form t³ + p t + r = 0, q = t − b2/3
        a = np.where(cub, c3, 1.0)
        b2, b1, b0 = c2 / a, c1 / a, c0 / a
        p = b1 - b2 * b2 / 3.0
        r = 2.0 * b2**3 / 27.0 - b2 * b1 / 3.0 + b0
        disc = (r / 2.0) ** 2 + (p / 3.0) ** 3
        one = (disc > 0) | (p >= 0)  # one real root (or a triple root when p = r = 0)
        sq = np.sqrt(np.where(one, disc, 0.0))
        t1 = np.cbrt(-r / 2.0 + sq) + np.cbrt(-r / 2.0 - sq)
        three = ~one & (p < 0)
        m = 2.0 * np.sqrt(np.where(three, -p / 3.0, 0.0))
        arg = np.clip(np.where(three, 3.0 * r / (p * np.where(m > 0, m, 1.0)) * 1.0, 0.0), -1.0, 1.0)
        theta = np.arccos(arg) / 3.0
        shift = -b2 / 3.0
        for j in range(3):
            tj = m * np.cos(theta - 2.0 * np.pi * j / 3.0)
            root = np.where(three, tj, np.where(j == 0, t1, np.nan))
            out[:, j] = np.where(cub, root + shift, np.nan)
        # quadratic / linear fallback
        quad = ~cub & (np.abs(c2) > 1e-12 * scale)
        dq = c1 * c1 - 4.0 * c2 * c0
        sdq = np.sqrt(np.where(quad & (dq >= 0), dq, np.nan))
        den = np.where(quad, 2.0 * c2, 1.0)
        out[:, 0] = np.where(quad, (-c1 + sdq) / den, out[:, 0])
        out[:, 1] = np.where(quad, (-c1 - sdq) / den, out[:, 1])
        lin = ~cub & ~quad & (np.abs(c1) > 1e-12 * scale)
        out[:, 0] = np.where(lin, -c0 / np.where(lin, c1, 1.0), out[:, 0])
        # two Newton polishing steps on the original polynomial
        for _ in range(2):
            f = ((c3[:, None] * out + c2[:, None]) * out + c1[:, None]) * out + c0[:, None]
            fp = (3.0 * c3[:, None] * out + 2.0 * c2[:, None]) * out + c1[:, None]
            step = np.where(np.abs(fp) > 1e-9 * scale[:, None], f / fp, 0.0)
            out = out - np.where(np.abs(step) < 1e-3, step, 0.0)
    return out


class StationaryPoints:
    """Stationary points of the relaxed potential g(q) at each temperature, sorted by q (from
    :meth:`LandauModel.stationary_points`).

    ``T`` (n,) K; minima: ``qmin``, ``gmin``, ``xmin`` (η²) as (n, m) arrays padded with NaN beyond ``nmin`` (n,)
    per row; maxima (saddles of G) likewise ``qmax``, ``gmax``, ``xmax``, ``nmax``. A state pinned on q = ±1 is a
    minimum.
    """

    __slots__ = ("T", "qmin", "gmin", "xmin", "nmin", "qmax", "gmax", "xmax", "nmax")


#: the largest |value| of a parameter (its units: K for T_SC and Tc, energy per unit of the order parameters for the
#: rest; the paper's are 0.6–235): beyond it the sweep's states were found not to be minima (D = −1e5)
MAX_PARAMETER = 1e4


@dataclass(frozen=True)
class LandauModel:
    """Parameters of Eq. 3 (defaults: the paper's strong-coupling preset, Eq. 4).

    a1 (energy/K), B, C (> 0), T_SC (K): spin-crossover part; a0 (energy/K), Tc (K, T_SB of Eq. 1),
    b (> 0): symmetry-breaking part; D, E: couplings D q η² and E/2 q² η².
    a0 > 0 gives a descending symmetry breaking (η ≠ 0 below Tc), a0 < 0 an ascending one.
    """

    a1: float = 0.6
    B: float = 0.0
    C: float = 35.0
    T_SC: float = 235.0
    a0: float = 0.0
    Tc: float = 0.0
    b: float = 10.0
    D: float = -6.5
    E: float = -12.2

    def __post_init__(self):
        for name in PARAMETERS:
            v = getattr(self, name)
            try:
                fv = float(v)
            except (TypeError, ValueError):
                raise SymstrainInputError("LandauModel", f"parameter {name} must be a number, got {v!r}") from None
            if not math.isfinite(fv):
                raise SymstrainInputError("LandauModel", f"parameter {name} must be finite, got {v!r}")
            if abs(fv) > MAX_PARAMETER:  # (sweep 16: D = −1e5 gave states that are no minima, D = −1e200 a crash)
                raise SymstrainInputError("LandauModel", f"parameter {name} = {fv:g} is beyond ±{MAX_PARAMETER:g}, "
                                          "where the terms of G differ by more than the solver resolves")
            object.__setattr__(self, name, fv)
        if self.b <= 0:
            raise SymstrainInputError("LandauModel", f"b must be > 0 (G unbounded in η), got {self.b:g}")
        if self.C <= 0:
            raise SymstrainInputError("LandauModel", f"C must be > 0 (quartic term in q), got {self.C:g}")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def paper(cls) -> "LandauModel":
        """The paper's strong-coupling preset (Eq. 4): a1 0.6, C 35, b 10, T_SC 235 K, D −6.5, E −12.2."""
        return cls(a1=0.6, B=0.0, C=35.0, T_SC=235.0, a0=0.0, Tc=0.0, b=10.0, D=-6.5, E=-12.2)

    def replace(self, **changes) -> "LandauModel":
        """A copy with some parameters changed (validated again)."""
        bad = sorted(set(changes) - set(PARAMETERS))
        if bad:
            raise SymstrainInputError("LandauModel", f"unknown parameter(s) {', '.join(bad)}; "
                                      f"known: {', '.join(PARAMETERS)}")
        return dataclasses.replace(self, **changes)

    def params(self) -> dict:
        return {k: getattr(self, k) for k in PARAMETERS}

    def symmetry_restoring_temperature(self, q: float = 1.0) -> float:
        """T at which η vanishes in a state of fixed q: K(q, T) = 0 → T = Tc − (2Dq + Eq²)/a0 (K).

        With a0 > 0 and q = 1 this is the hypothetical HS high-symmetry (HShs) phase of the seed paper
        once the strong-coupling limit is lifted; NaN when a0 = 0 (Eq. 4: η never vanishes at fixed q).
        """
        if self.a0 == 0:
            return math.nan
        return self.Tc - (2 * self.D * q + self.E * q * q) / self.a0

    # -- potentials -----------------------------------------------------------------------------
    def G(self, q, eta, T):
        """G(q, η, T) of Eq. 3, broadcast over numpy arrays (no bound check on q)."""
        q, eta, T = (np.asarray(v, float) for v in (q, eta, T))
        x = eta * eta
        return (self.a1 * (self.T_SC - T) * q + 0.5 * self.B * q * q + 0.25 * self.C * q**4
                + 0.5 * self.a0 * (T - self.Tc) * x + 0.25 * self.b * x * x + self.D * q * x
                + 0.5 * self.E * q * q * x)

    def _K(self, q, T):
        return 0.5 * self.a0 * (T - self.Tc) + self.D * q + 0.5 * self.E * q * q

    def _A(self, q, T):
        return self.a1 * (self.T_SC - T) * q + 0.5 * self.B * q * q + 0.25 * self.C * q**4

    def eta2(self, q, T):
        """η² minimising G at given q and T: max(0, −(a0(T−Tc) + 2Dq + Eq²)/b)."""
        q, T = np.asarray(q, float), np.asarray(T, float)
        return np.maximum(0.0, -2.0 * self._K(q, T) / self.b) + 0.0  # + 0.0: no negative zero

    def relaxed(self, q, T):
        """g(q, T) = min over η of G: A(q) − max(0, −K)²/b (exact; see module docstring)."""
        q, T = np.asarray(q, float), np.asarray(T, float)
        k = np.maximum(0.0, -self._K(q, T))
        return self._A(q, T) - k * k / self.b

    def _dg(self, q, T):
        kneg = np.maximum(0.0, -self._K(q, T))
        return (self.a1 * (self.T_SC - T) + self.B * q + self.C * q**3
                + 2.0 / self.b * kneg * (self.D + self.E * q))

    def entropy(self, q, eta):
        """S = −∂G/∂T at fixed (q, η) = a1 q − a0/2 η² (envelope theorem: exact on any branch)."""
        q, eta = np.asarray(q, float), np.asarray(eta, float)
        return self.a1 * q - 0.5 * self.a0 * eta * eta

    # -- stationary points ----------------------------------------------------------------------
    def stationary_points(self, T) -> StationaryPoints:
        """Every local minimum and maximum of g(q) at each temperature of ``T`` (K), from closed-form cubic
        roots vectorised over T (see the module docstring), as a :class:`StationaryPoints`."""
        T = np.atleast_1d(np.asarray(T, float))
        n = T.size
        h = self.a1 * (self.T_SC - T)
        k0 = 0.5 * self.a0 * (T - self.Tc)
        b, D, E = self.b, self.D, self.E
        ra = _real_cubic_roots(h, self.B, 0.0, self.C)
        g0 = h - 2.0 * k0 * D / b
        g1 = self.B - 2.0 * (k0 * E + D * D) / b
        g2 = np.full(n, -3.0 * D * E / b)
        g3 = np.full(n, self.C - E * E / b)
        re = _real_cubic_roots(g0, g1, g2, g3)
        Tc2 = T[:, None]
        ka = self._K(ra, Tc2)
        ke = self._K(re, Tc2)
        va = np.isfinite(ra) & (np.abs(ra) < 1.0 - 1e-10) & (ka >= 0)
        ve = np.isfinite(re) & (np.abs(re) < 1.0 - 1e-10) & (ke < 0)
        curva = self.B + 3.0 * self.C * ra * ra
        # a root of A' exactly on K = 0 sits on the seam of the two pieces: its curvature towards K < 0
        # is A'' − 2K'²/b; it is a minimum only if both one-sided curvatures are positive
        kscale = np.abs(k0)[:, None] + abs(D) + abs(E) + 1e-300
        seam = va & (np.abs(ka) <= 1e-12 * kscale)
        if seam.any():
            c_other = curva - 2.0 * (D + E * ra) ** 2 / b
            curva = np.where(seam, np.where(c_other > 0, c_other, np.where(curva < 0, curva, 0.0)), curva)
        curve = g1[:, None] + 2.0 * g2[:, None] * re + 3.0 * g3[:, None] * re * re
        q = np.concatenate([ra, re, np.full((n, 1), -1.0), np.full((n, 1), 1.0)], axis=1)
        curv = np.concatenate([curva, curve, np.zeros((n, 2))], axis=1)
        valid = np.concatenate([va, ve, np.ones((n, 2), bool)], axis=1)
        interior = np.zeros(q.shape, bool)
        interior[:, :6] = True
        qs = np.where(valid, q, 0.0)
        g = self.relaxed(qs, Tc2)
        # curvature scale for degenerate stationary points: decide by neighbouring values
        cs = max(abs(self.B), self.C, abs(g1).max(), abs(self.C - E * E / b), 1e-30)
        degen = interior & valid & (np.abs(curv) <= 1e-9 * cs)
        if degen.any():
            d = 1e-3  # slopes either side decide (values would drown in rounding)
            sl = self._dg(np.clip(qs - d, -1, 1), Tc2)
            sr = self._dg(np.clip(qs + d, -1, 1), Tc2)
            curv = np.where(degen, np.where((sl < 0) & (sr > 0), 1.0, np.where((sl > 0) & (sr < 0), -1.0, 0.0)),
                            curv)
        slope = self._dg(np.array([-1.0, 1.0])[None, :], Tc2)
        # a root within 1e-10 of a bound is left to the bound; the slope tolerance absorbs rounding
        tol = 1e-9 * (np.abs(h) + abs(self.B) + self.C + (np.abs(k0) + abs(D) + abs(E)) * (abs(D) + abs(E)) / b)
        bmin = np.concatenate([np.zeros((n, 6), bool), (slope[:, :1] >= -tol[:, None]),
                               (slope[:, 1:] <= tol[:, None])], axis=1)
        is_min = valid & ((interior & (curv > 0)) | bmin)
        is_max = valid & interior & (curv < 0)
        x = self.eta2(qs, Tc2)
        st = StationaryPoints()
        st.T = T
        st.qmin, st.gmin, st.xmin, st.nmin = _pack(is_min, q, g, x)
        st.qmax, st.gmax, st.xmax, st.nmax = _pack(is_max, q, g, x)
        return st

    # -- public queries -------------------------------------------------------------------------
    def equilibria(self, T) -> pd.DataFrame:
        """Every local minimum of G(q, η) at each temperature, plus the saddle between adjacent minima.

        Returns a DataFrame with columns T, kind ("minimum"/"saddle"), q, eta, domain (+1/−1 for the two
        η ≠ 0 domains, 0 for η = 0), G, phase, is_global (minima), dG_from_lower / dG_from_higher
        (saddles: barrier seen from the neighbouring minimum at lower / higher q). A saddle with η ≠ 0 is
        listed for the + domain; its mirror (q, −η) is the saddle towards the − domain.
        """
        T = np.atleast_1d(np.asarray(T, float))
        if not np.all(np.isfinite(T)):
            raise SymstrainInputError("T", "temperatures must be finite")
        st = self.stationary_points(T)
        rows = []
        for i, t in enumerate(T):
            nm = st.nmin[i]
            gm = st.gmin[i, :nm]
            gglob = gm.min()
            for j in range(nm):
                qv, xv, gv = st.qmin[i, j], st.xmin[i, j], st.gmin[i, j]
                lab = str(phase_label(qv, xv))
                glob = bool(abs(gv - gglob) <= 1e-12 * max(1.0, abs(gglob)))
                for dom in ((1, -1) if xv > 0 else (0,)):
                    rows.append(dict(T=t, kind="minimum", q=qv, eta=dom * math.sqrt(xv) if dom else 0.0,
                                     domain=dom, G=gv, phase=lab, is_global=glob,
                                     dG_from_lower=np.nan, dG_from_higher=np.nan))
            for j in range(min(st.nmax[i], nm - 1)):
                qv, xv, gv = st.qmax[i, j], st.xmax[i, j], st.gmax[i, j]
                rows.append(dict(T=t, kind="saddle", q=qv, eta=math.sqrt(xv), domain=1 if xv > 0 else 0, G=gv,
                                 phase=str(phase_label(qv, xv)), is_global=False,
                                 dG_from_lower=gv - st.gmin[i, j], dG_from_higher=gv - st.gmin[i, j + 1]))
        return pd.DataFrame(rows, columns=["T", "kind", "q", "eta", "domain", "G", "phase", "is_global",
                                           "dG_from_lower", "dG_from_higher"])

    def default_grid(self, n: int = 2001) -> np.ndarray:
        """T_SC ± 150 K (extended to Tc ± 150 K when a0 ≠ 0), lower end ≥ 1 K."""
        lo, hi = self.T_SC, self.T_SC
        if self.a0 != 0:
            lo, hi = min(lo, self.Tc), max(hi, self.Tc)
        return np.linspace(max(1.0, lo - 150.0), hi + 150.0, n)

    # -- following the states in temperature (landau_sweep.py) ------------------------------------
    def sweep(self, T=None, refine: bool = True) -> SweepResult:
        """Heating (ascending T) and cooling (descending T) sweeps following the occupied local minimum.

        Each sweep starts in the global minimum at its first temperature, then at every step relaxes
        downhill from the previous state (quasi-static metastability). A jump is a step where the state's
        own minimum vanished; its temperature is then refined by zooming on the step to 1e-6 K.
        """
        return _sweep.sweep(self, T, refine)

    def branches(self, T=None, refine: bool = True) -> tuple[Branch, Branch]:
        """The states the heating and the cooling sweep occupy on the grid ``T`` (K, strictly increasing; default
        :meth:`default_grid`) as arrays, with each sweep's events: ``(heating, cooling)`` :class:`Branch` records.
        The same following as :meth:`sweep` without building its tables, barriers or T_eq (what a fit needs)."""
        return _sweep.branches(self, T, refine)

    def transitions(self, T=None) -> Transitions:
        """T↑, T↓, T_eq and entropy jumps from a sweep over ``T`` (default :meth:`default_grid`)."""
        return self.sweep(T).transitions

    def regime(self, T=None) -> dict:
        """Classify the behaviour over ``T`` (see :func:`phase_diagram` for the regime names)."""
        return _sweep.regime(self, T)


def phase_diagram(model: LandauModel, x: str, xs, y: str | None = None, ys=None, T=None) -> pd.DataFrame:
    """Map the regimes of ``model`` over one or two parameters.

    ``x``/``y`` are parameter names (see :data:`PARAMETERS`), ``xs``/``ys`` their values. Each point is a
    heating+cooling sweep over ``T`` (default ``model.default_grid(801)``) classified as one of
    :data:`REGIMES`: no event and η = 0 throughout ("gradual SC, no SB"); one first-order event
    with (or without) a change of symmetry; one continuous η onset; two or more events on heating
    ("sequential transitions", e.g. the SC step then a separate SB near Tc). Returns columns x, [y,]
    regime, T_up, T_down, width, n_events. Points whose parameters are invalid are "invalid".
    """
    for name in (x,) + ((y,) if y else ()):
        if name not in PARAMETERS:
            raise SymstrainInputError("phase diagram", f"unknown parameter {name!r}; known: {', '.join(PARAMETERS)}")
    xs = np.atleast_1d(np.asarray(xs, float))
    ys_ = np.atleast_1d(np.asarray(ys, float)) if y else np.array([np.nan])
    rows = []
    for yv in ys_:
        for xv in xs:
            ch = {x: xv}
            if y:
                ch[y] = yv
            try:
                m = model.replace(**ch)
            except SymstrainInputError:
                rows.append({x: xv, **({y: yv} if y else {}), "regime": "invalid", "T_up": np.nan,
                             "T_down": np.nan, "width": np.nan, "n_events": 0})
                continue
            rows.append({x: xv, **({y: yv} if y else {}), **m.regime(T)})
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class LandauAnalysis:
    """What ``symstrain landau`` reports: the model swept over ``T`` (K, ascending) on heating and cooling (``sweep``,
    with its transitions), the three temperatures of the Gibbs maps (``map_temperatures``, K: below T↓, at T_eq,
    above T↑, inside the grid; three inner grid points when there is no hysteresis) with every equilibrium there
    (``equilibria``), the regime map over one or two parameters (``phase_diagram``, None unless asked; ``phase_axes``
    ((name, low, high, n), ...)) and ``T_HShs`` (K, NaN when η never vanishes at q = 1). Energies in the model's unit
    (that of a1·K), entropies in that unit per K."""

    model: LandauModel
    T: np.ndarray
    sweep: SweepResult
    map_temperatures: tuple
    equilibria: pd.DataFrame
    phase_diagram: pd.DataFrame | None = None
    phase_axes: tuple = ()
    T_HShs: float = math.nan

    def to_dict(self) -> dict:
        from .contract import quantity

        pd_ = None
        if self.phase_diagram is not None:
            pd_ = {"axes": [{"parameter": n, "low": lo, "high": hi, "n": k} for n, lo, hi, k in self.phase_axes],
                   "counts": {str(k): int(v) for k, v in self.phase_diagram["regime"].value_counts().items()}}
        return {"params": self.model.params(),
                "T_grid": {"min": float(self.T[0]), "max": float(self.T[-1]), "n": int(len(self.T))},
                "energy_unit": "the unit of a1·K (entropies: that unit per K)",
                "transitions": self.sweep.transitions.to_dict(),
                "map_temperatures": [float(t) for t in self.map_temperatures],
                "T_HShs": quantity(self.T_HShs)["value"], "phase_diagram": pd_}


def analyse(model: LandauModel, T, phase_axes=None, phase_T=None) -> LandauAnalysis:
    """Sweep ``model`` over ``T`` (K), choose the Gibbs-map temperatures, find the equilibria there and, with
    ``phase_axes`` (one or two (parameter, low, high, n)), map the regimes over ``phase_T`` (default 801 points
    over the range of ``T``)."""
    T = np.asarray(T, float)
    res = model.sweep(T)
    tr = res.transitions
    tmin, tmax = float(T[0]), float(T[-1])
    if np.isfinite(tr.T_up) and np.isfinite(tr.T_down):
        temps = (max(tmin, tr.T_down - 15.0), tr.T_eq if np.isfinite(tr.T_eq) else 0.5 * (tr.T_up + tr.T_down),
                 min(tmax, tr.T_up + 25.0))
    else:
        temps = tuple(np.linspace(tmin, tmax, 5)[1:4])
    pdiag, axes = None, tuple(tuple(a) for a in (phase_axes or ()))
    if axes:
        (x, xlo, xhi, xn), *rest = axes
        y, ys = (rest[0][0], np.linspace(*rest[0][1:3], rest[0][3])) if rest else (None, None)
        pdiag = phase_diagram(model, x, np.linspace(xlo, xhi, xn), y, ys,
                              T=np.linspace(tmin, tmax, 801) if phase_T is None else phase_T)
    return LandauAnalysis(model, T, res, temps, model.equilibria(list(temps)), pdiag, axes,
                          model.symmetry_restoring_temperature(1.0))


# ----------------------------------------------------------------------------------------------
# helpers on sorted stationary points


def _pack(mask, q, g, x):
    qq = np.where(mask, q, np.inf)
    n = mask.sum(axis=1)
    m = max(int(n.max()), 1)
    order = np.argsort(qq, axis=1, kind="stable")[:, :m]
    rows = np.arange(q.shape[0])[:, None]
    ok = np.arange(m)[None, :] < n[:, None]
    qs = np.where(ok, qq[rows, order], np.nan)
    gs = np.where(ok, g[rows, order], np.nan)
    xs = np.where(ok, x[rows, order], np.nan)
    return qs, gs, xs, n


