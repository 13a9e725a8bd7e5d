"""The order parameter from strain for any kind of transition: which strain couples to η, and how.

What lives here: :func:`coupling_of` (the lowest-order strain–order-parameter coupling a group–subgroup relation
allows, named), :func:`eta_from_strain` (η and η² proxies from e_sb / e_nsb, with s.u.'s, for arrays of rows) and
:func:`eta_from_strain_result` (the same for one :class:`~symstrain.spontaneous_strain.StrainResult`, for
``order`` and scripts). What does not: computing the strain (``strain_kernel.py``, ``spontaneous_strain.py``),
fitting T_c to the proxies (``transitions.py``).

Physics (Carpenter & Salje, Eur. J. Mineral. 10, 693 (1998))
-------------------------------------------------------------
* ``"linear"`` — the relation has symmetry-breaking strain and keeps every lattice translation (t-type): the
  symmetry-breaking strain transforms as the order parameter, the coupling λ·e_sb·Q is allowed, so η ∝ e_sb.
* ``"quadratic_sb"`` — symmetry-breaking strain exists but lattice translations are lost (k-type or general): the
  order parameter sits at k ≠ 0, a homogeneous strain is invariant under every translation and λ·e·Q is forbidden;
  the lowest coupling is λ·e_sb·Q², so η² ∝ e_sb (assumes the symmetry breaking is driven by that k ≠ 0 order
  parameter; e.g. cubic → tetragonal at the R point).
* ``"quadratic_nsb"`` — no strain component breaks the symmetry (k-type such as Cmcm → Pmcn, or a polar t-subgroup
  such as Pmcn → P2₁cn): only the components allowed in both groups respond, through λ·e_nsb·Q², so η² ∝ e_nsb,
  the Frobenius norm of those components (each ∝ Q² with its own λ, hence their norm too).
* ``"none"`` — the row is in the paraphase (index 1): η = 0 by symmetry.

The proxies are proportional to η (or η²), not η itself: a table normalises them by their largest value.
"""

from __future__ import annotations

import numpy as np

COUPLINGS = {
    "linear": "η ∝ e_sb (bilinear coupling λ·e_sb·Q allowed: the symmetry-breaking strain transforms as Q)",
    "quadratic_sb": "η² ∝ e_sb (coupling λ·e_sb·Q²: Q at k ≠ 0, lost translations forbid λ·e·Q)",
    "quadratic_nsb": "η² ∝ e_nsb (coupling λ·e_nsb·Q²: no symmetry-breaking strain; e_nsb = norm of the components "
                     "allowed in both groups)",
    "none": "paraphase: η = 0 by symmetry",
}
#: a strain scalar below this is no strain (dimensionless): lattice parameters are measured to ~1e-6 relative at
#: best, and the rounding of a cell's written digits (six decimals of 5 Å: 1e-7) reaches this (sweep 6: e_nsb of
#: 2–9e-8 between a child and the parent `pseudo` wrote for it gave η_strain 1e-4, normalised to 1)
STRAIN_FLOOR = 1e-7

#: the strain scalar each coupling reads and the power of η it is proportional to
SOURCE = {"linear": ("e_sb", 1), "quadratic_sb": ("e_sb", 2), "quadratic_nsb": ("e_nsb", 2), "none": (None, 0)}


def coupling_of(relation) -> str:
    """The coupling (a key of :data:`COUPLINGS`) of a Relation (or anything with ``index``, ``lattice_index`` and
    ``symmetry_breaking_strain``); None means the paraphase itself."""
    if relation is None or getattr(relation, "index", 2) == 1:
        return "none"
    if len(tuple(relation.symmetry_breaking_strain)):
        return "linear" if getattr(relation, "lattice_index", 1) == 1 else "quadratic_sb"
    return "quadratic_nsb"


def eta_from_strain(coupling: str, e_sb=None, e_nsb=None, e_sb_su=None, e_nsb_su=None, *, normalise: bool = False):
    """``(eta, eta_su, eta2, eta2_su)`` arrays from the strain scalars of rows sharing one coupling.

    Unnormalised, η ∝ e_sb (linear) or η² ∝ e_sb / e_nsb (quadratic); the other power follows. A strain scalar
    below :data:`STRAIN_FLOOR` is no strain and is exactly 0 before any power is taken: rounding of the cells
    (1e-16 from cos 90°) or of their written digits (a parent written to six decimals, 1e-8), whose √ would be an η
    of 1e-4 and, normalised, 1. η = √η², its s.u. by first-order propagation,
    s/(2η), where η² is resolved from zero (η² > its s.u. s); where it is not (η² ≤ s, η = 0 included), that blows
    up, and η's s.u. is √s instead, the η the noise of η² alone gives (as a norm not resolved from zero takes
    the quadrature sum of its components' s.u.'s). ``normalise`` divides by the largest value (the s.u. of that
    maximum is not included). Coupling ``"none"`` gives exact zeros with s.u. 0. Unknown s.u.'s stay NaN.
    """
    src, power = SOURCE[coupling]
    if src is None:
        n = len(np.atleast_1d(e_sb if e_sb is not None else e_nsb))
        z = np.zeros(n)
        return z, z.copy(), z.copy(), z.copy()
    x = np.atleast_1d(np.asarray(e_sb if src == "e_sb" else e_nsb, dtype=float))
    x = np.where(np.abs(x) < STRAIN_FLOOR, 0.0, x)  # rounding, not strain (dimensionless)
    su = e_sb_su if src == "e_sb" else e_nsb_su
    s = np.full_like(x, np.nan) if su is None else np.atleast_1d(np.asarray(su, dtype=float))
    if normalise:
        m = np.nanmax(np.abs(x)) if np.isfinite(x).any() else np.nan
        if np.isfinite(m) and m > 0:
            x, s = x / m, s / m
    with np.errstate(invalid="ignore", divide="ignore"):
        if power == 1:
            eta, eta_su = x, s
            eta2, eta2_su = x * x, 2.0 * np.abs(x) * s
        else:
            eta2, eta2_su = x, s
            eta = np.sqrt(np.maximum(x, 0.0))
            eta_su = np.where(x > s, s / (2.0 * eta), np.sqrt(s))  # NaN s stays NaN in both branches
    return eta, eta_su, eta2, eta2_su


def eta_from_strain_result(result, relation) -> dict:
    """η from one :class:`~symstrain.spontaneous_strain.StrainResult` of ``relation`` (unnormalised proxies):
    ``{"coupling", "description", "source", "eta", "eta_su", "eta2", "eta2_su"}`` (floats, NaN where unknown).
    For ``order``: η_strain of a non-ferroelastic child is then η ∝ √e_nsb instead of undefined."""
    c = coupling_of(relation)
    eta, eta_su, eta2, eta2_su = eta_from_strain(c, [result.e_sb], [result.e_nsb], [result.e_sb_su],
                                                 [result.e_nsb_su])
    return {"coupling": c, "description": COUPLINGS[c], "source": SOURCE[c][0], "eta": float(eta[0]),
            "eta_su": float(eta_su[0]), "eta2": float(eta2[0]), "eta2_su": float(eta2_su[0])}
