"""Following the Landau model's states in temperature: sweeps, switching events, transitions, barriers, regimes.

What lives here: the records of a sweep (:class:`Transition`, :class:`Transitions`, :class:`SweepResult`,
:class:`Branch`) and the functions behind :meth:`LandauModel.sweep <symstrain.landau.LandauModel.sweep>`,
:meth:`~symstrain.landau.LandauModel.branches` and :meth:`~symstrain.landau.LandauModel.regime`: following the
occupied minimum from step to step, finding and root-finding the events (jumps at spinodals, η appearing or
vanishing), the thermodynamic transition T_eq, the barriers between the two branches and the regime names.
What does not live here: the model, its potentials and stationary points (``landau.py``, which every function
here takes as its first argument), fitting (``landau_fit.py``), figures (``plots/landau.py``). The conventions
(q, η, phase labels, what a sweep does) are stated in ``landau.py``'s docstring.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import SymstrainInputError

_SPIN_TOL = 1e-6  # refine spinodals to this width in K
_LABELS = np.array(["LShs", "LSls", "HShs", "HSls"])
REGIMES = ("gradual SC, no SB", "first-order SC, no symmetry change", "first-order SC + SB, hysteresis",
           "continuous SB, gradual SC", "sequential transitions", "SB throughout")


def phase_label(q, x):
    """Phase label(s): spin from the sign of q (q > 0: "HS"), symmetry from η² = x > 0 ("ls", else "hs")."""
    return _LABELS[2 * (np.asarray(q) > 0) + (np.asarray(x) > 0)]


@dataclass(frozen=True)
class Transition:
    """One switching event on a sweep.

    ``kind`` is "first-order" (the followed state vanished at a spinodal and the system jumped) or
    "continuous" (η appeared or vanished without a jump). ``T`` in K (root-found, not a grid value);
    ``dS = S_after − S_before`` in [G]/K; ``q_*``/``eta_*`` are the states either side.
    """

    direction: str
    kind: str
    T: float
    from_phase: str
    to_phase: str
    q_before: float
    q_after: float
    eta_before: float
    eta_after: float
    dS: float


@dataclass(frozen=True)
class Transitions:
    """Switching temperatures of a heating/cooling pair of sweeps (K; NaN when absent).

    ``T_up``: first first-order event on heating (T↑); ``T_down``: first on cooling (T↓);
    ``T_eq``: where the Gibbs energies of the two branches cross inside the hysteresis;
    ``dS_eq``: S(high-T branch) − S(low-T branch) at T_eq, ``latent_heat = T_eq·dS_eq``;
    ``events``: every event on both sweeps, in sweep order.
    """

    T_up: float
    T_down: float
    T_eq: float
    dS_up: float
    dS_down: float
    dS_eq: float
    events: tuple = ()

    @property
    def width(self) -> float:
        """Hysteresis width T↑ − T↓ in K."""
        return self.T_up - self.T_down

    @property
    def latent_heat(self) -> float:
        return self.T_eq * self.dS_eq

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("T_up", "T_down", "T_eq", "width", "dS_up", "dS_down", "dS_eq",
                                           "latent_heat")}
        d["events"] = [dataclasses.asdict(e) for e in self.events]
        return d

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([dataclasses.asdict(e) for e in self.events],
                            columns=[f.name for f in dataclasses.fields(Transition)])


@dataclass(frozen=True)
class SweepResult:
    """Heating and cooling branches on one temperature grid.

    ``heating``/``cooling``: DataFrames indexed like ``T`` (ascending) with columns T, q, eta (≥ 0),
    G, S, phase, n_minima, is_global. ``barriers``: T, q_saddle, eta_saddle, G_saddle, dG_LH, dG_HL
    wherever the two branches sit in different states (dG_LH = G_saddle − G of the lower-q state,
    dG_HL = G_saddle − G of the higher-q state). ``transitions``: :class:`Transitions`.
    """

    heating: pd.DataFrame
    cooling: pd.DataFrame
    barriers: pd.DataFrame
    transitions: Transitions

    def to_frame(self) -> pd.DataFrame:
        """Both branches stacked, with a ``branch`` column ("heating"/"cooling")."""
        h = self.heating.assign(branch="heating")
        c = self.cooling.assign(branch="cooling")
        return pd.concat([h, c], ignore_index=True)[["branch"] + list(self.heating.columns)]


@dataclass(frozen=True, eq=False)
class Branch:
    """One sweep's followed state on a temperature grid, as arrays (the fit's view of :meth:`LandauModel.sweep`).

    ``direction``: "heating" (started in the global minimum at the lowest T) or "cooling" (at the highest T).
    ``T`` (n,) K ascending, whatever the direction; ``q`` (n,) the occupied minimum; ``eta2`` (n,) its η² ≥ 0
    (as :meth:`LandauModel.eta2 <symstrain.landau.LandauModel.eta2>`); ``events``: the switching events met on the
    way, in sweep order (root-found when the branches were computed with ``refine``).
    """

    direction: str
    T: np.ndarray
    q: np.ndarray
    eta2: np.ndarray
    events: tuple = ()

    def first_order(self) -> tuple:
        """The first-order events (jumps at a spinodal) of this branch, in sweep order."""
        return tuple(e for e in self.events if e.kind == "first-order")


# ----------------------------------------------------------------------------------------------
# sweeps


def sweep(model, T=None, refine: bool = True) -> SweepResult:
    """Heating and cooling sweeps of ``model`` over ``T`` (see :meth:`LandauModel.sweep`)."""
    T, st, kh, kc, events_h, events_c = _follow_both(model, T, refine)
    heat = _branch_frame(model, st, kh)
    cool = _branch_frame(model, st, kc)
    barriers = _barriers(st, kh, kc)
    trans = _summarise(model, T, st, kh, kc, events_h, events_c, refine)
    return SweepResult(heat, cool, barriers, trans)


def branches(model, T=None, refine: bool = True) -> tuple[Branch, Branch]:
    """(heating, cooling) :class:`Branch` arrays of ``model`` over ``T`` (see :meth:`LandauModel.branches`)."""
    T, st, kh, kc, events_h, events_c = _follow_both(model, T, refine)
    r = np.arange(T.size)
    return (Branch("heating", T, st.qmin[r, kh], st.xmin[r, kh], tuple(events_h)),
            Branch("cooling", T, st.qmin[r, kc], st.xmin[r, kc], tuple(events_c)))


def _follow_both(model, T, refine):
    """Grid, stationary points, occupied minimum per row on heating and cooling, and each sweep's events."""
    T = _check_grid(T if T is not None else model.default_grid())
    st = model.stationary_points(T)
    kh, jh = _follow(st, None)
    rev = _reverse(st)
    kc_r, jc_r = _follow(rev, None)
    events_h = _events(model, st, kh, jh, "heating", refine)
    events_c = _events(model, rev, kc_r, jc_r, "cooling", refine)
    return T, st, kh, kc_r[::-1], events_h, events_c


def _events(model, st, k, jumps, direction, refine):
    q = st.qmin[np.arange(k.size), k]
    x = st.xmin[np.arange(k.size), k]
    sym = x > 0
    out = []
    jumpset = set(int(i) for i in jumps)
    cont = set(int(c) for c in np.flatnonzero(sym[1:] != sym[:-1]))
    # steps where the number of minima changes may hide a jump the coarse grid cannot see (the
    # new state did not exist at the start of the step): they are probed on a fine grid too
    probe = set(int(c) for c in np.flatnonzero(st.nmin[1:] != st.nmin[:-1])) if refine else set()
    for i in sorted(jumpset | cont | probe):
        kind = "first-order" if i in jumpset else "continuous"
        if refine:
            found = _scan(model, st.T[i], st.T[i + 1], q[i])
        else:
            found = [(0.5 * (st.T[i] + st.T[i + 1]), q[i], x[i], q[i + 1], x[i + 1], kind)]
        for t, qa, xa, qb, xb, kd in found:
            out.append(Transition(direction, kd, float(t), str(phase_label(qa, xa)), str(phase_label(qb, xb)),
                                  float(qa), float(qb), float(math.sqrt(xa)), float(math.sqrt(xb)),
                                  float(model.entropy(qb, math.sqrt(xb)) - model.entropy(qa, math.sqrt(xa)))))
    return out

def _scan(model, t0, t1, qc, max_events=4):
    """All events on the followed state between t0 and t1, each root-found (see :meth:`_refine`)."""
    found = []
    for _ in range(max_events):
        ev = _refine(model, t0, t1, qc)
        if ev is None:
            break
        found.append(ev)
        t_ev, qb = ev[0], ev[3]
        t0 = t_ev + 0.5 * _SPIN_TOL * np.sign(t1 - t0)
        qc = qb
        if (t1 - t0) * np.sign(t1 - ev[0]) <= 0:
            break
    return found

def _refine(model, t0, t1, qc, npts=257):
    """Zoom on [t0, t1] (either order) until the first event is bracketed within _SPIN_TOL K.

    The event is the first step where the followed state jumps or η appears/vanishes; its kind is
    decided on the finest bracket, where a jump cannot be confused with fast continuous change.
    Returns (T, q_before, η²_before, q_after, η²_after, kind), or None when nothing happens."""
    res = None
    for _ in range(12):
        sub = np.linspace(t0, t1, npts)
        st = model.stationary_points(sub)
        k, jumps = _follow(st, qc)
        qs = st.qmin[np.arange(npts), k]
        xs = st.xmin[np.arange(npts), k]
        ch = np.flatnonzero((xs[1:] > 0) != (xs[:-1] > 0))
        cand = sorted(set(int(j) for j in jumps) | set(int(c) for c in ch))
        if not cand:
            break
        idx = cand[0]
        kind = "first-order" if idx in jumps else "continuous"
        t0, t1 = sub[idx], sub[idx + 1]
        qc = qs[idx]
        res = (0.5 * (t0 + t1), qs[idx], xs[idx], qs[idx + 1], xs[idx + 1], kind)
        if abs(t1 - t0) < _SPIN_TOL:
            break
    return res

def _state_near(model, T, qref):
    st = model.stationary_points([T])
    k = _basin(st, 0, qref)
    return st.qmin[0, k], st.gmin[0, k], st.xmin[0, k]

def _summarise(model, T, st, kh, kc, ev_h, ev_c, refine):
    fo_h = [e for e in ev_h if e.kind == "first-order"]
    fo_c = [e for e in ev_c if e.kind == "first-order"]
    T_up = fo_h[0].T if fo_h else np.nan
    T_dn = fo_c[0].T if fo_c else np.nan
    dS_up = fo_h[0].dS if fo_h else np.nan
    dS_dn = fo_c[0].dS if fo_c else np.nan
    r = np.arange(T.size)
    gh, gc = st.gmin[r, kh], st.gmin[r, kc]
    qh, qc = st.qmin[r, kh], st.qmin[r, kc]
    diff = np.where(np.abs(qh - qc) > 1e-9, gh - gc, np.nan)
    T_eq = dS_eq = np.nan
    idx = np.flatnonzero(np.isfinite(diff[:-1]) & np.isfinite(diff[1:]) & (np.sign(diff[:-1]) != np.sign(diff[1:])))
    if idx.size:
        i = int(idx[0])
        if refine:
            from scipy.optimize import brentq

            def d(t):
                a, c = _state_near(model, t, qh[i]), _state_near(model, t, qc[i])
                # d(G_a − G_c)/dT = −(S_a − S_c): Newton steps with an exact derivative
                ds = model.entropy(a[0], math.sqrt(a[2])) - model.entropy(c[0], math.sqrt(c[2]))
                return a[1] - c[1], -ds

            t = T[i] - diff[i] * (T[i + 1] - T[i]) / (diff[i + 1] - diff[i])
            T_eq = None
            for _ in range(8):
                f, fp = d(t)
                if fp == 0 or not math.isfinite(fp):
                    break
                step = f / fp
                t = t - step
                if not T[i] <= t <= T[i + 1]:
                    break
                if abs(step) < 1e-10:
                    T_eq = t
                    break
            if T_eq is None:
                T_eq = brentq(lambda t: d(t)[0], T[i], T[i + 1], xtol=1e-9)
        else:
            T_eq = T[i] - diff[i] * (T[i + 1] - T[i]) / (diff[i + 1] - diff[i])
        a = _state_near(model, T_eq, qh[i])
        c = _state_near(model, T_eq, qc[i])
        lo, hi = (a, c) if a[0] < c[0] else (c, a)
        dS_eq = float(model.entropy(hi[0], math.sqrt(hi[2])) - model.entropy(lo[0], math.sqrt(lo[2])))
    return Transitions(float(T_up), float(T_dn), float(T_eq), float(dS_up), float(dS_dn), float(dS_eq),
                       tuple(ev_h + ev_c))

# -- phase diagram --------------------------------------------------------------------------
def regime(model, T=None) -> dict:
    """Classify the behaviour over ``T`` (see :func:`phase_diagram` for the regime names). A sweep with events is
    made again with each event root-found, its kind decided on the finest bracket (sweep 24: D = −2, E = 0 jumps
    to q = 0.151 at T_SC with a 0.08 K loop, which a 0.5 K grid called "continuous SB, gradual SC")."""
    grid = T if T is not None else model.default_grid(801)
    res = sweep(model, grid, refine=False)
    if res.transitions.events:
        res = sweep(model, grid, refine=True)
    ev = [e for e in res.transitions.events if e.direction == "heating"]
    fo = [e for e in ev if e.kind == "first-order"]
    sb_changes = [e for e in ev if e.from_phase[2:] != e.to_phase[2:]]
    h = res.heating
    if len(ev) == 0:
        reg = "gradual SC, no SB" if not (h.eta > 0).any() else "SB throughout"
    elif len(ev) >= 2:
        reg = "sequential transitions"
    elif fo:
        reg = "first-order SC + SB, hysteresis" if sb_changes else "first-order SC, no symmetry change"
    else:
        reg = "continuous SB, gradual SC"
    t = res.transitions
    return dict(regime=reg, T_up=t.T_up, T_down=t.T_down, width=t.width, n_events=len(ev))


# ----------------------------------------------------------------------------------------------
# helpers on sorted stationary points


def _reverse(st):
    r = type(st)()
    for s in type(st).__slots__:
        setattr(r, s, getattr(st, s)[::-1])
    return r


def _basin(st, i, qc):
    """Index of the minimum at row i whose basin (between the surrounding maxima) contains qc."""
    nmax = st.nmax[i]
    k = int(np.count_nonzero(st.qmax[i, :nmax] < qc)) if nmax else 0
    return min(k, int(st.nmin[i]) - 1)


def _follow(st, q0):
    """Occupied minimum index per row, following basins; returns (k, steps i where i→i+1 jumped)."""
    n = st.T.size
    if np.any(st.nmin < 1):
        bad = st.T[np.argmax(st.nmin < 1)]
        raise RuntimeError(f"no local minimum found at T = {bad} K")
    k0 = int(np.nanargmin(st.gmin[0])) if q0 is None else _basin(st, 0, q0)
    if n == 1:
        return np.array([k0]), []
    mn, mx = st.nmin, st.nmax
    same = (mn[1:] == mn[:-1]) & (mx[1:] == mx[:-1]) & (mx[:-1] == mn[:-1] - 1)
    M2 = st.qmax.shape[1]
    if M2 and st.qmin.shape[1] >= M2 + 1 and mx.max() > 0:
        j = np.arange(M2)[None, :]
        use = j < mx[:-1, None]
        L0, R0 = st.qmin[:-1, :M2], st.qmin[:-1, 1:M2 + 1]
        L1, R1 = st.qmin[1:, :M2], st.qmin[1:, 1:M2 + 1]
        with np.errstate(invalid="ignore"):
            c1 = (st.qmax[1:] > L0) & (st.qmax[1:] < R0)
            c2 = (st.qmax[:-1] > L1) & (st.qmax[:-1] < R1)
        same &= np.where(use, c1 & c2, True).all(axis=1)
    k = np.empty(n, np.int64)
    jumps = []
    cur, prev = k0, 0
    for i in np.flatnonzero(~same):
        k[prev:i + 1] = cur
        qc = st.qmin[i, cur]
        kn = _basin(st, i + 1, qc)
        back = _basin(st, i, st.qmin[i + 1, kn])
        if back != cur:
            jumps.append(int(i))
        cur, prev = kn, i + 1
    k[prev:] = cur
    return k, jumps


def _branch_frame(model, st, k):
    r = np.arange(st.T.size)
    q, x, g = st.qmin[r, k], st.xmin[r, k], st.gmin[r, k]
    eta = np.sqrt(x)
    gglob = np.nanmin(st.gmin, axis=1)
    return pd.DataFrame(dict(T=st.T, q=q, eta=eta, G=g, S=model.entropy(q, eta), phase=phase_label(q, x),
                             n_minima=st.nmin, is_global=np.abs(g - gglob) <= 1e-12 * np.maximum(1, np.abs(g))))


def _barriers(st, kh, kc):
    r = np.arange(st.T.size)
    qh, qc = st.qmin[r, kh], st.qmin[r, kc]
    gh, gc = st.gmin[r, kh], st.gmin[r, kc]
    lo = np.minimum(qh, qc)
    hi = np.maximum(qh, qc)
    glo = np.where(qh <= qc, gh, gc)
    ghi = np.where(qh <= qc, gc, gh)
    with np.errstate(invalid="ignore"):
        inside = (st.qmax > lo[:, None]) & (st.qmax < hi[:, None])
    gm = np.where(inside, st.gmax, -np.inf)
    j = np.argmax(gm, axis=1)
    has = inside.any(axis=1) & (hi - lo > 1e-9)
    sel = np.flatnonzero(has)
    gs = gm[sel, j[sel]]
    return pd.DataFrame(dict(T=st.T[sel], q_saddle=st.qmax[sel, j[sel]], eta_saddle=np.sqrt(st.xmax[sel, j[sel]]),
                             G_saddle=gs, dG_LH=gs - glo[sel], dG_HL=gs - ghi[sel]))


def _check_grid(T) -> np.ndarray:
    T = np.asarray(T, float).ravel()
    if T.size < 2:
        raise SymstrainInputError("T", "a sweep needs at least two temperatures")
    if not np.all(np.isfinite(T)):
        raise SymstrainInputError("T", "temperatures must be finite")
    if not np.all(np.diff(T) > 0):
        raise SymstrainInputError("T", "temperatures must be strictly increasing")
    return T
