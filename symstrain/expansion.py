"""Thermal expansion of each phase of a temperature series: PASCal's quantities, vectorised.

What lives here: :func:`thermal_expansion` — for the rows of each phase (one space group, all branches together):
the linear strain of every cell against the phase's lowest-temperature cell (same basis, the ``cstar`` frame of
``strain_kernel.py``), a straight-line fit of each tensor component against T, the thermal-expansion tensor
α_ij = de_ij/dT, its principal coefficients α₁ ≤ α₂ ≤ α₃ with s.u.'s and directions (Cartesian and as lattice
directions [uvw]), and the volume coefficient α_V = (dV/dT)/V(T_ref) from a straight-line fit of V. All in MK⁻¹
(10⁻⁶ K⁻¹). :class:`ThermalExpansion` holds one :class:`PhaseExpansion` per phase. What does not live here:
strain against a paraphase (``series.py``), figures (``plots/strain.py``).

Conventions (as PASCal, Cliffe & Goodwin, J. Appl. Cryst. 45, 1321 (2012), with a linear fit): the reference
cell is the phase's lowest-T row; the fits (tensor components and V alike) are weighted (w = 1/σ²) when every row
of the phase carries an s.u. for every component (one known exactly, s.u. 0, as a shear strain between cells with
angles fixed at 90°, aside), the s.u. of a slope then from the covariance of the s.u.'s, scaled by the reduced χ²
where the rows scatter more than their s.u.'s allow (χ²/(n − 2) > 1: the Birge ratio, as a refinement's s.u.'s are
scaled by its goodness of fit), else unweighted with the s.u. of the slope from the scatter (n ≥ 3; with two rows
the line goes through both and has no s.u.). The principal s.u.'s are first-order (∂α_k/∂α_ij = v_ik·v_jk),
components of α zero by the phase's point group are exactly 0 (s.u. 0). Differs from PASCal in fitting the tensor
components and diagonalising the fitted tensor (the Nye definition α_ij = de_ij/dT) rather than fitting the
principal strains of each temperature; the two agree when the axes are fixed by symmetry.

Warnings are :class:`~symstrain.errors.WarningText`'s with source ``thermal_expansion``, codes :data:`WARNING_CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import WarningText
from .phase import CELL_NAMES

MK = 1e6  # K⁻¹ → MK⁻¹
#: codes of the warnings of :func:`thermal_expansion`
WARNING_CODES = {
    "expansion_two_rows": "a phase of two rows: the line goes through both, no s.u.",
    "expansion_one_temperature": "a phase whose rows are all at one temperature: no thermal expansion",
    "expansion_cells_differ": "the rows of a phase are not one lattice (other cells or settings of its group): no "
                              "thermal expansion",
}

#: a row whose cell lengths differ from the phase's coldest row by more than this (relative; angles in radians) is
#: not the same lattice: no expansion is fitted through it (the lattice tolerance of ``relate``)
LATTICE_TOL = 0.08


@dataclass(frozen=True, eq=False)
class PhaseExpansion:
    """Thermal expansion of one phase. Coefficients in MK⁻¹ (10⁻⁶ K⁻¹); s.u. arrays NaN where unknown.

    ``group``: H-M symbol of the rows' setting ("" when unknown); ``number``: IT number (0 unknown); ``n`` rows
    between ``T_min`` and ``T_max`` (K); ``T_ref`` (K) the temperature of the reference cell (lowest T).
    ``tensor`` (6,) α_ij in Voigt order e11 … e12 (cstar frame of the phase's basis), ``tensor_su`` (6,).
    ``alpha`` (3,) principal coefficients ascending, ``alpha_su`` (3,); ``directions`` (3, 3) unit vectors as
    columns (Cartesian, same frame), ``directions_uvw`` (3, 3) the same as lattice directions (columns, largest
    |component| 1). ``alpha_V``/``alpha_V_su`` volume coefficient. ``fit``: "weighted", "unweighted" or
    "line through 2 rows"; ``rows``: labels of the rows used. ``row_T`` (n,) K, ``row_principal`` (n, 3) the strain
    of each row along the principal axes (v_kᵀ·e·v_k against the lowest-T row, :func:`principal_strains`) and
    ``row_V`` (n,) Å³, in the order of ``rows``: what the figure draws (not in ``to_dict``).
    """

    group: str
    number: int
    n: int
    T_min: float
    T_max: float
    T_ref: float
    tensor: np.ndarray
    tensor_su: np.ndarray
    alpha: np.ndarray
    alpha_su: np.ndarray
    directions: np.ndarray
    directions_uvw: np.ndarray
    alpha_V: float
    alpha_V_su: float
    fit: str
    rows: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    row_T: np.ndarray | None = None
    row_principal: np.ndarray | None = None
    row_V: np.ndarray | None = None

    def to_dict(self) -> dict:
        from .contract import quantity, quantity_array, spacegroup_from_number

        sg = spacegroup_from_number(self.number) if self.number else None
        if sg is not None and self.group:
            sg = {**sg, "symbol": self.group, "setting": self.group,
                  "standard_setting": self.group == sg["symbol"]}
        return {
            "spacegroup": sg,
            "n_rows": self.n,
            "T_range": [self.T_min, self.T_max],
            "T_ref": self.T_ref,
            "fit": self.fit,
            "tensor": quantity_array(self.tensor, self.tensor_su),
            "principal": [{"axis": f"X{k + 1}", "alpha": quantity(self.alpha[k], self.alpha_su[k]),
                           "direction": self.directions[:, k].tolist(),
                           "direction_uvw": self.directions_uvw[:, k].tolist()} for k in range(3)],
            "alpha_V": quantity(self.alpha_V, self.alpha_V_su),
            "rows": list(self.rows),
        }


@dataclass(frozen=True, eq=False)
class ThermalExpansion:
    """One :class:`PhaseExpansion` per phase with ≥ 2 rows at distinct temperatures, in the order met; phases that
    could not be fitted are named in ``warnings``."""

    phases: tuple[PhaseExpansion, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"unit": "MK-1 (1e-6 K-1)", "frame": "cstar: X ∥ a, Y in the ab plane, Z ∥ c* of each phase's basis",
                "phases": [p.to_dict() for p in self.phases]}

    def to_frame(self):
        """pandas DataFrame, one row per phase and axis (X1, X2, X3, V): alpha, alpha_su (MK⁻¹), direction."""
        import pandas as pd

        rows = []
        for ph in self.phases:
            base = {"spacegroup": ph.group, "sg_number": ph.number, "n_rows": ph.n, "T_min": ph.T_min,
                    "T_max": ph.T_max, "T_ref": ph.T_ref, "fit": ph.fit}
            for k in range(3):
                d, uvw = ph.directions[:, k], ph.directions_uvw[:, k]
                rows.append({**base, "axis": f"X{k + 1}", "alpha": ph.alpha[k], "alpha_su": ph.alpha_su[k],
                             "x": d[0], "y": d[1], "z": d[2], "u": uvw[0], "v": uvw[1], "w": uvw[2]})
            rows.append({**base, "axis": "V", "alpha": ph.alpha_V, "alpha_su": ph.alpha_V_su})
        return pd.DataFrame(rows)


def line_fits(T: np.ndarray, Y: np.ndarray, S: np.ndarray | None):
    """Straight lines y = p0 + p1·(T − T̄) through the columns of Y (n, m) at once: (slopes (m,), slope s.u.'s (m,),
    intercepts at T̄ (m,), T̄, kind). Weighted where every point of a column has a positive s.u. in S (n, m), the
    slope's s.u. from those s.u.'s, times √(χ²/(n − 2)) where that exceeds 1; else unweighted, the s.u. from the
    scatter (NaN with 2 points). ``kind`` "weighted" when every column is weighted or known exactly (s.u.'s all 0)."""
    n = len(T)
    Tm = float(np.mean(T))
    x = T - Tm
    Y = np.asarray(Y, dtype=float).reshape(n, -1)
    m = Y.shape[1]
    weighted = np.zeros(m, bool) if S is None else np.all(np.isfinite(S) & (S > 0), axis=0)
    W = np.ones_like(Y)
    if weighted.any():
        W[:, weighted] = 1.0 / S[:, weighted] ** 2
    sw = W.sum(0)
    xw = (W * x[:, None]).sum(0) / sw
    dx = x[:, None] - xw
    Sxx = (W * dx * dx).sum(0)
    slope = (W * dx * Y).sum(0) / Sxx
    icpt = (W * Y).sum(0) / sw - slope * xw
    resid = Y - icpt - slope * x[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        var_u = np.where(n > 2, (resid**2).sum(0) / (n - 2), np.nan) / Sxx
        # the covariance from the s.u.'s, scaled by the reduced χ² where the points scatter more than their s.u.'s
        # say (the Birge ratio; crystallographic s.u.'s of cells are often too small): never below the s.u.'s own
        chi2 = (W * resid**2).sum(0) / (n - 2) if n > 2 else np.ones(m)
        var_w = np.maximum(chi2, 1.0) / Sxx
    su = np.sqrt(np.where(weighted, var_w, var_u))
    # a column known exactly (every s.u. 0: a shear strain of cells whose angles are fixed at 90°) has no weights to
    # use, and its line (through exact points) no s.u.: it does not make the fit an unweighted one
    exact = np.zeros(m, bool) if S is None else np.all(S == 0, axis=0)
    done = (weighted | exact).all()
    kind = "line through 2 rows" if n == 2 and not done else ("weighted" if done else "unweighted")
    return slope, su, icpt, Tm, kind


def _phase_expansion(key, number, rows_T, p, s, labels, group, frame="cstar") -> PhaseExpansion:
    from .lattice import cell_matrix, volume, volume_su
    from .paraphase import allowed_components
    from .strain_kernel import pair_strains

    order = np.argsort(rows_T, kind="stable")
    T, p, s = rows_T[order], p[order], s[order]
    labels = tuple(np.asarray(labels)[order])
    n = len(T)
    # the reference row exact (s.u. 0, not unknown: its error shifts every row alike, see below)
    r = pair_strains(np.tile(p[0], (n, 1)), p, None, s0=np.zeros((n, 6)), s=s, frame=frame, strain_only=True,
                     e_covariance=True)
    e_su = np.where(r.child_has_su[:, None], r.e_su, np.nan)
    # the reference row's strain is 0 exactly; its weight is the s.u. of its own cell (an error of the reference
    # shifts every row alike: the intercept, not the slope)
    slope, su, _, _, kind = line_fits(T, r.e, e_su if np.isfinite(e_su).all() else None)
    zero = np.zeros(6, bool) if group is None else ~allowed_components(group, p[0], frame)
    scale = max(np.max(np.abs(slope)), 1e-300)
    tiny = np.abs(slope) < 1e-9 * scale
    slope = np.where(zero | tiny, 0.0, slope)
    su = np.where(zero, 0.0, su)
    A = np.zeros((3, 3))
    for k, (i, j) in enumerate(((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))):
        A[i, j] = A[j, i] = slope[k]
    lam, vec = np.linalg.eigh(A)
    big = np.argmax(np.abs(vec), axis=0)
    vec = vec * np.where(vec[big, np.arange(3)] < 0, -1.0, 1.0)
    vec = np.where(np.abs(vec) < 1e-12, 0.0, vec)
    # the s.u. of λ_k: that of the slope of the strain along v_k, v_kᵀ·e·v_k, fitted as the components are — the
    # components' slopes share the rows' errors, and summing their variances as if independent overstated it
    # (sweep 20: PASCal's Ag₃Co(CN)₆, 2.88 and 2.45 MK⁻¹ against 2.61 and 2.18 for the projected strains); and the
    # components of one row share its cell's errors (e11, e33 and e13 of a monoclinic cell all move with c and β):
    # each row's strain along v_k has the s.u. √(w_kᵀ·Cov(e)·w_k) (sweep 21: its components taken as independent
    # made X1's s.u. 12 % too small and X3's 19 % too large against a Monte Carlo)
    W = _voigt_weights(vec)  # (6, 3): ∂λ_k/∂α_v
    along_su = None
    if np.isfinite(e_su).all():
        along_var = np.einsum("nuv,uk,vk->nk", r.e_cov, W, W)
        along_su = np.sqrt(np.maximum(along_var, 0.0))
    lam_su = line_fits(T, _along(r.e, vec), along_su)[1]
    if kind == "line through 2 rows":
        lam_su = np.full(3, np.nan)
    uvw = np.linalg.solve(cell_matrix(p[0], frame), vec)
    uvw = uvw / np.abs(uvw).max(axis=0)
    uvw = np.where(np.abs(uvw) < 1e-9, 0.0, uvw)
    V = volume(p)
    V_s = np.where(np.isfinite(s).any(axis=1), volume_su(p, s), np.nan)
    # V weighted as the tensor is (one ``fit`` says how both were made)
    vs_, vsu, vi, Tm, _ = line_fits(T, V[:, None], V_s[:, None] if kind == "weighted" and np.isfinite(V_s).all()
                                    else None)
    V_ref = float(vi[0] + vs_[0] * (T[0] - Tm))
    warnings = []
    if kind == "line through 2 rows":
        warnings.append(WarningText("expansion_two_rows", "thermal_expansion",
                                    f"thermal expansion of {key or 'the rows without a group'}: 2 rows: the line "
                                    "goes through both, no s.u."))
    return PhaseExpansion(key, int(number), n, float(T[0]), float(T[-1]), float(T[0]), slope * MK, su * MK,
                          lam * MK, lam_su * MK, vec, uvw, float(vs_[0] / V_ref * MK), float(vsu[0] / V_ref * MK),
                          kind, labels, tuple(warnings), T, _along(r.e, vec), V)


def _voigt_weights(directions: np.ndarray) -> np.ndarray:
    """(6, 3): row v, column k is v_ik·v_jk (twice for i ≠ j) for the Voigt component v = (i, j) and the unit vector
    k of ``directions`` (3, 3; columns) — so that x·w_k = v_kᵀ·X·v_k for a Voigt vector x of a symmetric tensor X,
    and the derivative of an eigenvalue λ_k of X by x_v is w_vk."""
    return np.stack([directions[i] * directions[j] * (1.0 if i == j else 2.0)
                     for i, j in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))])


def _along(e: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """(n, 3) v_kᵀ·e·v_k of (n, 6) Voigt strains along the unit vectors ``directions`` (3, 3; columns): one
    (n, 6) × (6, 3) product with :func:`_voigt_weights` (an (n, 3, 3) tensor contracted by einsum took ~30 ms on 10⁵
    rows)."""
    return np.asarray(e, dtype=float) @ _voigt_weights(directions)


def thermal_expansion(table, *, groups: dict | None = None) -> ThermalExpansion:
    """Thermal expansion of each phase of a normalised cell table or strain table (``series``): rows grouped by
    the ``spacegroup`` column (all rows together when no group is known). ``groups``: key →
    :class:`~symstrain.phase.SpaceGroupInfo` for the symmetry (zero components); built from the symbols when
    None. A phase with fewer than 2 rows at distinct temperatures is skipped with a warning."""
    from .paraphase import group_from_symbol

    keys = table["spacegroup"].astype(str).to_numpy() if "spacegroup" in table else np.full(len(table), "")
    numbers = table["sg_number"].to_numpy(dtype=int) if "sg_number" in table else np.zeros(len(table), int)
    T = table["T"].to_numpy(dtype=float)
    P = table[list(CELL_NAMES)].to_numpy(dtype=float)
    S = table[[f"{n}_su" for n in CELL_NAMES]].to_numpy(dtype=float)
    labels = table["label"].astype(str).to_numpy()
    phases, warnings = [], []
    for key in dict.fromkeys(keys):
        m = keys == key
        if len(np.unique(T[m])) < 2:
            warnings.append(WarningText("expansion_one_temperature", "thermal_expansion",
                                        f"{key or 'rows without a group'}: {int(m.sum())} row(s) at one temperature: "
                                        "no thermal expansion"))
            continue
        Pm = P[m]
        cold = Pm[np.argmin(T[m])]
        off = np.maximum(np.abs(Pm[:, :3] / cold[:3] - 1).max(axis=1),
                         np.radians(np.abs(Pm[:, 3:] - cold[3:])).max(axis=1))
        if not (off <= LATTICE_TOL).all():  # (NaN too: a cell that is none)
            far = int(np.argmax(np.where(np.isfinite(off), off, np.inf)))
            warnings.append(WarningText("expansion_cells_differ", "thermal_expansion",
                                        f"{key or 'rows without a group'}: {labels[m][far]} differs from the coldest "
                                        f"row's cell by {100 * off[far]:.3g} % (cells "
                                        + " ".join(f"{x:.5g}" for x in Pm[far][:3]) + " against "
                                        + " ".join(f"{x:.5g}" for x in cold[:3]) + " Å): not one lattice (another "
                                        "cell or setting of the group), no thermal expansion"))
            continue
        num = int(numbers[m][0])
        g = None
        if num > 0:
            g = (groups or {}).get(key)
            if g is None:
                try:
                    g = group_from_symbol(key)
                except (ValueError, RuntimeError):
                    g = None
        ph = _phase_expansion(key, num, T[m], P[m], S[m], labels[m], g)
        phases.append(ph)
        warnings.extend(ph.warnings)
    return ThermalExpansion(tuple(phases), tuple(warnings))


def row_index(table, labels) -> np.ndarray:
    """(n,) positions in ``table`` of the rows labelled ``labels`` (the first row of a label), by one dictionary
    built once (a scan of the table per label is N² on 10⁴ rows)."""
    lab = table["label"].astype(str).to_numpy(dtype=object).tolist()
    first = dict(zip(reversed(lab), range(len(lab) - 1, -1, -1)))
    return np.fromiter(map(first.__getitem__, map(str, labels)), dtype=int, count=len(labels))


def principal_strains(table, phase: PhaseExpansion) -> np.ndarray:
    """(n, 3) strain of the phase's rows along its principal axes, v_kᵀ·e(T)·v_k (for figures), in the order of
    ``phase.rows``."""
    from .strain_kernel import pair_strains

    if phase.row_principal is not None:
        return phase.row_principal
    idx = row_index(table, phase.rows)
    p = table[list(CELL_NAMES)].to_numpy(dtype=float)[idx]
    return _along(pair_strains(np.tile(p[0], (len(p), 1)), p, strain_only=True).e, phase.directions)

