"""Spontaneous strain of one child cell against a reference (paraphase) cell: :func:`strain`, :class:`StrainResult`.

What lives here: the deformation F, the linear (Schlenker / Carpenter) strain tensor, the finite strains,
volume strain, scalar spontaneous strain, principal strains, the symmetry-breaking / non-symmetry-breaking
split and first-order propagated standard uncertainties. It works on plain values (two :class:`~symstrain.phase.Cell`
and a matrix P) so it needs neither a CIF nor a :class:`~symstrain.relation.Relation`; it also accepts those.
Choosing or extrapolating the reference cell lives in ``reference.py``; tables over many cells in ``series.py``.

Conventions
-----------
* ``P`` as in ``relation.py``: child basis = reference basis · P (columns of P are the child basis vectors in
  reference fractional units). The reference cell is mapped into the child basis, ``A0' = A0·P``, before any
  comparison; lattice parameters are never compared by name.
* Cell vectors are the columns of A (Å) in one Cartesian frame built from the *child* basis:
  ``frame="cstar"`` (default; gemmi's orthogonalisation): X ∥ a, Y in the ab plane, Z ∥ c*;
  ``frame="c"``: Z ∥ c, Y in the bc plane, X ∥ a*. The same rule is applied to the mapped reference cell, so
  F = A·A0'⁻¹ carries no rigid rotation between the two frames' conventions.
* Linear strain ``e = ½(F + Fᵀ) − I`` (dimensionless). Green–Lagrange ``E = ½(FᵀF − I)``; Eulerian (Almansi)
  ``e_A = ½(I − F⁻ᵀF⁻¹)``.
* ``eps13`` is the seed paper's ε13 = ½·c·cos β / c0, with c, β of the child and c0 the length of the mapped
  reference c vector. In the default frame, against a reference with α0 = β0 = 90°, it equals e13.
* Volume strain ``vs = (V − V0')/V0'`` with V0' the mapped reference volume (= det F − 1).
* Scalar spontaneous strain ``e_ss = √(Σ_ij e_ij²)`` summed over all nine tensor components (off-diagonal
  components counted twice).
* Component names e11 e22 e33 e23 e13 e12 refer to the frame of the result. The symmetry-breaking split uses
  the names the relation gives (single components such as ``e13`` or combinations such as ``e11-e22`` or
  ``2*e33-e11-e22``), which are defined in the "cstar" frame of the child basis, so the split is always taken
  from the tensor in that frame (and says so). Each named combination is reported evaluated on e (``e11-e22``
  → e11 − e22); ``e_sb`` and ``e_nsb`` are the Frobenius norms (off-diagonal components counted twice) of the
  projections of e onto the symmetry-breaking subspace and onto the non-symmetry-breaking one (by default the
  orthogonal complement of the former, so that e_sb² + e_nsb² = e_ss²).
* Standard uncertainties: first-order propagation with a numerical Jacobian (central differences, all 12 cell
  parameters evaluated in one vectorised batch). The two cells are independent; an angle without an s.u. is
  treated as exact (fixed by symmetry). A cell without any s.u. contributes nothing and the result says so in
  ``warnings``; when neither cell has s.u.'s every s.u. is ``None`` (NaN in arrays), never 0.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from ._callable import make_callable
from .errors import SymstrainInputError
from .phase import CELL_NAMES, Cell, Phase, format_su
from .tensors import name_row, rref

COMPONENTS = ("e11", "e22", "e33", "e23", "e13", "e12")
#: (row, column) of each named component in the 3×3 tensor
COMPONENT_INDEX = {"e11": (0, 0), "e22": (1, 1), "e33": (2, 2), "e23": (1, 2), "e13": (0, 2), "e12": (0, 1)}
FRAMES = {
    "cstar": "X ∥ a, Y in the ab plane, Z ∥ c* of the child basis (gemmi orthogonalisation)",
    "c": "Z ∥ c, Y in the bc plane, X ∥ a* of the child basis",
}
FINITE = ("green", "euler")
EPS13_DEFINITION = "ε13 = ½·c·cos β / c0 (c, β of the child; c0 = |c| of the reference mapped into the child basis)"
EPS13_NO_REFERENCE = "ε13 = ½·cos β: no reference, c0 = c approximation (no other strain component is defined)"


# --------------------------------------------------------------------------------------------------------------
# vectorised core: everything on (N, 6) parameter arrays


def metric_from_params(p: np.ndarray) -> np.ndarray:
    """(N, 3, 3) metric tensors G (Å²) from (N, 6) parameters a, b, c (Å), α, β, γ (degrees)."""
    p = np.asarray(p, dtype=float)
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    ca, cb, cg = (np.cos(np.radians(p[:, i])) for i in (3, 4, 5))
    G = np.empty((len(p), 3, 3))
    G[:, 0, 0], G[:, 1, 1], G[:, 2, 2] = a * a, b * b, c * c
    G[:, 0, 1] = G[:, 1, 0] = a * b * cg
    G[:, 0, 2] = G[:, 2, 0] = a * c * cb
    G[:, 1, 2] = G[:, 2, 1] = b * c * ca
    return G


_FLIP = np.eye(3)[::-1]


def matrix_from_metric(G: np.ndarray, frame: str = "cstar") -> np.ndarray:
    """(N, 3, 3) cell vectors as columns in the given frame from (N, 3, 3) metric tensors.

    ``cstar``: A is upper triangular with a positive diagonal (X ∥ a, Z ∥ c*), i.e. the transposed Cholesky
    factor of G. ``c``: A is lower triangular (Z ∥ c, X ∥ a*), obtained from the Cholesky factor of the metric
    with the axis order reversed. Raises ``numpy.linalg.LinAlgError`` for a metric that is not positive definite.
    """
    if frame == "cstar":
        return np.swapaxes(np.linalg.cholesky(G), -1, -2)
    if frame == "c":
        B = np.swapaxes(np.linalg.cholesky(_FLIP @ G @ _FLIP), -1, -2)
        return _FLIP @ B @ _FLIP
    raise ValueError(f"unknown frame {frame!r}: use 'cstar' or 'c'")


def _sym(M):
    return 0.5 * (M + np.swapaxes(M, -1, -2))


#: Frobenius metric on Voigt vectors (e11, e22, e33, e23, e13, e12): off-diagonal components count twice
_W = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])


def parse_components(names, source: str = "--sb") -> np.ndarray:
    """(k, 6) coefficient rows over (e11, e22, e33, e23, e13, e12) for names such as ``e13``, ``e11-e22``,
    ``2*e33-e11-e22`` or ``1/2*e11+e12`` (the form ``relation.py`` writes)."""
    import re
    from fractions import Fraction

    term = re.compile(r"([+-]?)\s*(?:(\d+(?:\.\d*)?(?:/\d+)?)\s*\*?\s*)?(e[123]{2})")
    rows = []
    for name in names:
        text = name.replace(" ", "")
        row = np.zeros(6)
        pos = 0
        for m in term.finditer(text):
            if m.start() != pos or not m.group(0):
                break
            comp = m.group(3)
            comp = comp if comp in COMPONENT_INDEX else "e" + comp[2] + comp[1]  # e31 -> e13
            if comp not in COMPONENT_INDEX:
                break
            coef = float(Fraction(m.group(2))) if m.group(2) else 1.0
            row[COMPONENTS.index(comp)] += -coef if m.group(1) == "-" else coef
            pos = m.end()
        if pos != len(text) or not text or not np.any(row):
            raise SymstrainInputError(source, f"unknown strain component {name!r}: use e11 e22 e33 e23 e13 e12 "
                                      "or combinations such as e11-e22")
        rows.append(row)
    return np.array(rows).reshape(-1, 6)


def complement(V: np.ndarray) -> np.ndarray:
    """Rows spanning the orthogonal complement (Frobenius metric) of the row space of V (k, 6), in reduced
    row-echelon form so that they read simply (the remaining single components when V holds single components)."""
    if len(V) == 0:
        return np.eye(6)
    X = V * np.sqrt(_W)
    _, s, vt = np.linalg.svd(X)
    rank = int(np.sum(s > 1e-10))
    return rref(vt[rank:] / np.sqrt(_W), tol=1e-10)


def _voigt(e: np.ndarray) -> np.ndarray:
    return np.stack([e[..., i, j] for i, j in (COMPONENT_INDEX[c] for c in COMPONENTS)], axis=-1)


def _projected_norm(x: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Frobenius norm of the projection of Voigt vectors x (N, 6) onto the row space of V (k, 6)."""
    if len(V) == 0:
        return np.zeros(len(x))
    M = V * _W  # (k, 6): y = V W x
    y = x @ M.T
    Ginv = np.linalg.pinv(M @ V.T)
    return np.sqrt(np.maximum(np.einsum("nk,kl,nl->n", y, Ginv, y), 0.0))


def _compute(p0: np.ndarray, p: np.ndarray, P: np.ndarray, frame: str, finite: tuple[str, ...],
             split: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """All reported quantities for (N, 6) reference (in its own basis) and child parameters, one row per sample.

    ``split`` = (SB rows, NSB rows) over Voigt components, as from :func:`parse_components`.
    """
    I = np.eye(3)
    G0 = np.swapaxes(P, -1, -2) @ metric_from_params(p0) @ P  # reference metric in the child basis; P (3,3) or (N,3,3)
    G = metric_from_params(p)
    A0 = matrix_from_metric(G0, frame)
    A = matrix_from_metric(G, frame)
    F = A @ np.linalg.inv(A0)
    e = _sym(F) - I
    out = {"F": F, "e": e}
    if frame == "cstar":
        e_c = e
    else:
        F_c = matrix_from_metric(G, "cstar") @ np.linalg.inv(matrix_from_metric(G0, "cstar"))
        e_c = _sym(F_c) - I
    if split is not None:
        x = _voigt(e_c)
        sbV, nsbV = split
        out["sb_values"] = x @ sbV.T
        out["nsb_values"] = x @ nsbV.T
        out["e_sb"] = _projected_norm(x, sbV)
        out["e_nsb"] = _projected_norm(x, nsbV)
    if "green" in finite:
        out["green"] = 0.5 * (np.swapaxes(F, -1, -2) @ F - I)
    if "euler" in finite:
        Fi = np.linalg.inv(F)
        out["euler"] = 0.5 * (I - np.swapaxes(Fi, -1, -2) @ Fi)
    V0 = np.sqrt(np.linalg.det(G0))
    V = np.sqrt(np.linalg.det(G))
    out["V0"], out["V"] = V0, V
    out["vs"] = V / V0 - 1.0
    out["e_ss"] = np.sqrt(np.sum(e * e, axis=(-1, -2)))
    c, beta = p[:, 2], np.radians(p[:, 4])
    out["c0"] = np.sqrt(G0[:, 2, 2])
    out["eps13"] = 0.5 * c * np.cos(beta) / out["c0"]
    w, v = np.linalg.eigh(e)
    # sign convention for directions: the largest |component| of each eigenvector is positive
    k = np.argmax(np.abs(v), axis=-2)
    s = np.sign(np.take_along_axis(v, k[:, None, :], axis=-2))
    s[s == 0] = 1.0
    out["principal"], out["directions"] = w, v * s
    # mapped reference parameters (a0', b0', c0', α0', β0', γ0')
    d = np.sqrt(np.diagonal(G0, axis1=-2, axis2=-1))
    out["ref_mapped"] = np.column_stack(
        [d, np.degrees(np.arccos(np.clip(np.stack([G0[:, 1, 2] / (d[:, 1] * d[:, 2]),
                                                    G0[:, 0, 2] / (d[:, 0] * d[:, 2]),
                                                    G0[:, 0, 1] / (d[:, 0] * d[:, 1])], axis=1), -1, 1)))]
    )
    return out


def _propagate(fun, x0: np.ndarray, sigma: np.ndarray, extra=None) -> tuple[dict, dict]:
    """Values and first-order s.u.'s of every array ``fun`` returns, for N independent input vectors.

    ``x0`` (N, n) inputs, ``sigma`` (N, n) their s.u.'s (0 = exact); ``extra`` (N, …) per-row data passed along
    (repeated for every sample). One batched call of ``fun(X, extra)`` on N·(2n+1) rows: for each input row,
    sample 0 is the value and samples 1..2n the central differences. Returns dicts of (N, …) arrays.
    """
    N, n = x0.shape
    h = 1e-6 * np.maximum(1.0, np.abs(x0))  # (N, n)
    X = np.repeat(x0[:, None, :], 2 * n + 1, axis=1)  # (N, 2n+1, n)
    idx = np.arange(n)
    X[:, 1 + idx, idx] += h
    X[:, 1 + n + idx, idx] -= h
    ex = None if extra is None else np.repeat(extra, 2 * n + 1, axis=0)
    res = fun(X.reshape(N * (2 * n + 1), n), ex)
    values, sus = {}, {}
    for key, arr in res.items():
        arr = arr.reshape((N, 2 * n + 1) + arr.shape[1:])
        values[key] = arr[:, 0]
        shape = (N, n) + (1,) * (arr.ndim - 2)
        J = (arr[:, 1 : n + 1] - arr[:, n + 1 :]) / (2 * h).reshape(shape)
        sus[key] = np.sqrt(np.sum((sigma**2).reshape(shape) * J**2, axis=1))
    return values, sus


# --------------------------------------------------------------------------------------------------------------
# result record


@dataclass(frozen=True, eq=False)
class StrainResult:
    """Spontaneous strain of ``child`` against ``reference`` (see the module docstring for every convention).

    Tensors are (3, 3) float arrays in the Cartesian frame ``frame`` of the child basis; each ``*_su`` array has
    the same shape with NaN where no s.u. could be propagated (``has_su`` False: no input s.u. at all).
    When ``reference`` is None (no-reference approximation) only ``eps13`` is defined; every other number is NaN.
    """

    #: "cstar" or "c"; ``frame_description`` says it in words
    frame: str
    frame_description: str
    #: reference cell as given (its own basis), the same cell mapped into the child basis, and the child cell
    reference: Cell | None
    reference_mapped: Cell | None
    child: Cell
    #: (3, 3) float: child basis = reference basis · P
    P: np.ndarray
    #: deformation F = A·A0'⁻¹ (dimensionless) and linear strain e = ½(F+Fᵀ) − I, with s.u.'s
    F: np.ndarray
    e: np.ndarray
    e_su: np.ndarray
    #: ε13 = ½·c·cos β / c0 as the seed paper defines it (``eps13_definition`` says which c0)
    eps13: float
    eps13_su: float
    eps13_definition: str
    #: volume strain (V − V0')/V0' and scalar spontaneous strain √(Σ_ij e_ij²)
    volume_strain: float
    volume_strain_su: float
    e_ss: float
    e_ss_su: float
    #: principal strains (3,) ascending, and unit directions as the columns of a (3, 3) array (Cartesian, same frame;
    #: sign: largest |component| positive)
    principal: np.ndarray
    principal_su: np.ndarray
    principal_directions: np.ndarray
    principal_directions_su: np.ndarray
    #: finite strains requested: name ("green" | "euler") -> ((3, 3) tensor, (3, 3) s.u.)
    finite: dict = field(default_factory=dict)
    #: names of symmetry-breaking components or combinations (cstar frame of the child basis) and of the others
    sb_components: tuple[str, ...] | None = None
    nsb_components: tuple[str, ...] | None = None
    #: name -> (value, s.u.) of each named component or combination evaluated on e (cstar frame)
    split: dict = field(default_factory=dict)
    #: norms of the projections of e onto the symmetry-breaking and the non-symmetry-breaking subspaces
    e_sb: float = math.nan
    e_sb_su: float = math.nan
    e_nsb: float = math.nan
    e_nsb_su: float = math.nan
    reference_label: str = "reference"
    child_label: str = "child"
    #: how the reference was obtained, in words ("explicit cell", "linear baseline at 300 K", ...)
    reference_kind: str = "explicit cell"
    has_su: bool = False
    warnings: tuple[str, ...] = ()
    #: child volume V and mapped reference volume V0' (Å³) with s.u.'s
    V: float = math.nan
    V_su: float = math.nan
    V0: float = math.nan
    V0_su: float = math.nan

    def principal_directions_uvw(self) -> np.ndarray:
        """Principal directions as child lattice directions [uvw] (columns), scaled so the largest |component| is 1."""
        if self.reference is None:
            return np.full((3, 3), np.nan)
        A = matrix_from_metric(metric_from_params(self.child.params[None]), self.frame)[0]
        X = np.linalg.solve(A, self.principal_directions)
        return X / np.abs(X).max(axis=0)

    def component(self, name: str) -> tuple[float, float]:
        """(value, s.u.) of a named component e11 … e12 in the result's frame."""
        i, j = COMPONENT_INDEX[name]
        return float(self.e[i, j]), float(self.e_su[i, j])

    def to_row(self) -> dict:
        """Flat dict of scalars (one table row): e_ij, ε13, vs, e_ss, e_sb, principal strains, each with ``_su``."""
        row: dict = {}
        for name in COMPONENTS:
            v, s = self.component(name)
            row[name], row[name + "_su"] = v, s
        row["eps13"], row["eps13_su"] = self.eps13, self.eps13_su
        row["vs"], row["vs_su"] = self.volume_strain, self.volume_strain_su
        row["e_ss"], row["e_ss_su"] = self.e_ss, self.e_ss_su
        row["e_sb"], row["e_sb_su"] = self.e_sb, self.e_sb_su
        row["e_nsb"], row["e_nsb_su"] = self.e_nsb, self.e_nsb_su
        for k in range(3):
            row[f"principal{k + 1}"], row[f"principal{k + 1}_su"] = float(self.principal[k]), float(self.principal_su[k])
        for name, (E, Es) in self.finite.items():
            for comp in COMPONENTS:
                i, j = COMPONENT_INDEX[comp]
                row[f"{name}_{comp}"], row[f"{name}_{comp}_su"] = float(E[i, j]), float(Es[i, j])
        return row

    def to_frame(self):
        """One-row pandas DataFrame of :meth:`to_row` (frame and reference kind as columns too)."""
        import pandas as pd

        row = {"child": self.child_label, "reference": self.reference_label, "reference_kind": self.reference_kind,
               "frame": self.frame}
        row.update(self.to_row())
        return pd.DataFrame([row])

    def to_dict(self) -> dict:
        """JSON-ready nested dict; unknown s.u.'s are None."""

        def su(x):
            x = np.asarray(x, dtype=float)
            return None if not self.has_su else np.where(np.isfinite(x), x, np.nan).tolist()

        return {
            "frame": self.frame,
            "frame_description": self.frame_description,
            "reference": self.reference_label,
            "reference_kind": self.reference_kind,
            "child": self.child_label,
            "reference_cell": None if self.reference is None else self.reference.to_dict(),
            "reference_cell_in_child_basis": None if self.reference_mapped is None else self.reference_mapped.to_dict(),
            "child_cell": self.child.to_dict(),
            "P": np.asarray(self.P).tolist(),
            "F": self.F.tolist(),
            "e": self.e.tolist(),
            "e_su": su(self.e_su),
            "components": {n: {"value": self.component(n)[0], "su": su(self.component(n)[1])} for n in COMPONENTS},
            "eps13": {"value": self.eps13, "su": su(self.eps13_su), "definition": self.eps13_definition},
            "volume_strain": {"value": self.volume_strain, "su": su(self.volume_strain_su)},
            "volumes": {"V": self.V, "V_su": su(self.V_su), "V0_in_child_basis": self.V0, "V0_su": su(self.V0_su)},
            "e_ss": {"value": self.e_ss, "su": su(self.e_ss_su), "definition": "sqrt(sum over i,j of e_ij^2)"},
            "principal": {
                "values": self.principal.tolist(),
                "su": su(self.principal_su),
                "directions_columns": self.principal_directions.tolist(),
                "directions_su": su(self.principal_directions_su),
                "directions_uvw": self.principal_directions_uvw().tolist(),
            },
            "finite": {k: {"tensor": E.tolist(), "su": su(Es)} for k, (E, Es) in self.finite.items()},
            "split": {
                "frame": "cstar (X ∥ a, Y in ab, Z ∥ c* of the child basis)",
                "symmetry_breaking": None if self.sb_components is None else list(self.sb_components),
                "non_symmetry_breaking": None if self.nsb_components is None else list(self.nsb_components),
                "components": {k: {"value": v, "su": su(s)} for k, (v, s) in self.split.items()},
                "e_sb": {"value": self.e_sb, "su": su(self.e_sb_su)},
                "e_nsb": {"value": self.e_nsb, "su": su(self.e_nsb_su)},
            },
            "has_su": self.has_su,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """Human-readable text: frame, tensor, ε13, vs, e_ss, principal strains, split, warnings."""
        return format_result(self)


# --------------------------------------------------------------------------------------------------------------
# input handling


def _as_cell(x, what: str) -> tuple[Cell, str]:
    if isinstance(x, Cell):
        return x, what
    if isinstance(x, Phase):
        return x.cell, x.name
    raise SymstrainInputError(what, f"expected a Cell, a Phase or a Relation, got {type(x).__name__}")


def _input_sigma(cell: Cell, label: str, warnings: list[str]) -> np.ndarray:
    """s.u.'s as an array with 0 where the parameter is treated as exact; notes what was assumed."""
    s = cell.su_array
    if not cell.has_su:
        warnings.append(f"{label}: the cell has no standard uncertainties; its contribution to every s.u. is unknown")
        return np.zeros(6)
    missing = [CELL_NAMES[i] for i in range(6) if np.isnan(s[i])]
    lengths = [m for m in missing if m in ("a", "b", "c")]
    odd_angles = [m for m in missing if m not in ("a", "b", "c")
                  and not any(abs(getattr(cell, m) - v) < 1e-9 for v in (90.0, 120.0, 60.0))]
    if lengths or odd_angles:
        warnings.append(f"{label}: no s.u. for {', '.join(lengths + odd_angles)}; treated as exact")
    return np.nan_to_num(s, nan=0.0)


def _as_P(P, label: str) -> np.ndarray:
    if P is None:
        return np.eye(3)
    try:
        M = np.asarray(P, dtype=float)
    except (TypeError, ValueError):
        raise SymstrainInputError(label, "P must be a 3×3 numeric matrix") from None
    if M.shape != (3, 3) or not np.all(np.isfinite(M)):
        raise SymstrainInputError(label, f"P must be a finite 3×3 matrix, got shape {M.shape}")
    d = np.linalg.det(M)
    if abs(d) < 1e-8:
        raise SymstrainInputError(label, "P is singular: the child basis vectors are not independent")
    if d < 0:
        raise SymstrainInputError(label, f"det P = {d:g} < 0: the child basis would be left-handed")
    return M


def _check_cell(cell: Cell, label: str) -> None:
    p = cell.params
    if not np.all(np.isfinite(p)) or np.any(p[:3] <= 0) or np.any(p[3:] <= 0) or np.any(p[3:] >= 180):
        raise SymstrainInputError(label, f"impossible cell parameters {tuple(float(x) for x in p)}")
    if not cell.volume > 0:
        raise SymstrainInputError(label, "the cell angles give no volume (impossible cell)")


# --------------------------------------------------------------------------------------------------------------
# public API


def strain(
    reference,
    child=None,
    P=None,
    *,
    frame: str = "cstar",
    finite=None,
    sb_components=None,
    nsb_components=None,
    max_strain: float = 0.1,
    reference_kind: str | None = None,
    labels: tuple[str, str] | None = None,
) -> StrainResult:
    """Spontaneous strain of a child cell against a reference cell.

    ``reference`` is one of

    * a :class:`~symstrain.relation.Relation`: reference = ``relation.parent.cell``, child =
      ``relation.child.cell``, P = ``relation.P``, symmetry-breaking components from the relation (``child``
      and ``P`` may still be given to override, e.g. the reference extrapolated from a baseline is passed as
      ``reference`` with ``P``/``sb_components`` taken from a relation by the caller);
    * a :class:`~symstrain.phase.Cell` or :class:`~symstrain.phase.Phase` in the reference (parent) basis, with
      ``child`` a Cell or Phase and ``P`` (3×3, child basis = reference basis · P; identity when None);
    * ``None``: the "no reference" approximation c0 = c, which defines ε13 = ½·cos β only.

    ``frame``: "cstar" (X ∥ a, Z ∥ c*) or "c" (Z ∥ c, X ∥ a*), always of the child basis.
    ``finite``: None, "green", "euler", "both" or a sequence of those names.
    ``sb_components``: names (e.g. ``("e13",)`` or ``("e11-e22",)``) of the strain components allowed only in the
    child, in the cstar frame; None when unknown (then no split is reported). ``nsb_components``: the
    parent-allowed ones (default: the orthogonal complement of the symmetry-breaking subspace).
    ``max_strain``: a component |e_ij| above this means the two lattices do not correspond (wrong P or wrong
    reference) and raises :class:`SymstrainInputError`.
    """
    from .relation import Relation

    if frame not in FRAMES:
        raise SymstrainInputError("--frame", f"unknown frame {frame!r}: use 'cstar' (X∥a, Z∥c*) or 'c' (Z∥c, X∥a*)")
    if finite is None:
        fin: tuple[str, ...] = ()
    elif isinstance(finite, str):
        fin = FINITE if finite == "both" else (finite,)
    else:
        fin = tuple(finite)
    for f in fin:
        if f not in FINITE:
            raise SymstrainInputError("--finite", f"unknown finite strain {f!r}: use 'green', 'euler' or 'both'")

    ref_label, child_label = labels if labels else ("reference", "child")
    if isinstance(reference, Relation):
        rel = reference
        ref_cell, ref_label = rel.parent.cell, (labels[0] if labels else rel.parent.name)
        if child is None:
            child_cell, child_label = rel.child.cell, (labels[1] if labels else rel.child.name)
        else:
            child_cell, child_label = _as_cell(child, child_label)
        if P is None:
            P = rel.P
        if sb_components is None:
            sb_components = tuple(rel.symmetry_breaking_strain)
            if nsb_components is None:
                nsb_components = tuple(rel.non_symmetry_breaking_strain)
        warnings = [f"relation: {w}" for w in rel.warnings]
    else:
        if child is None:
            raise SymstrainInputError("child", "no child cell given")
        child_cell, child_label = _as_cell(child, "child")
        ref_cell = None
        if reference is not None:
            ref_cell, ref_label = _as_cell(reference, "reference")
        if labels:
            ref_label, child_label = labels
        warnings = []
    _check_cell(child_cell, child_label)

    sb_components, nsb_components, split_basis = split_spec(sb_components, nsb_components)

    if ref_cell is None:
        return _no_reference(child_cell, child_label, frame, warnings)

    _check_cell(ref_cell, ref_label)
    job = _Job(ref_cell, child_cell, ref_label, child_label, _as_P(P, "P"), sb_components, nsb_components,
               split_basis, reference_kind or "explicit cell", warnings)
    out = _run_jobs([job], frame, fin, max_strain)[0]
    if isinstance(out, SymstrainInputError):
        raise out
    return out


def split_spec(sb_components, nsb_components=None):
    """(sb names, nsb names, (SB rows, NSB rows)) for the split, or (None, None, None) when ``sb_components`` is
    None; the non-symmetry-breaking part defaults to the orthogonal complement (named simply)."""
    if sb_components is None:
        return None, None, None
    return _split_spec(tuple(sb_components), None if nsb_components is None else tuple(nsb_components))


@functools.lru_cache(maxsize=64)
def _split_spec(sb: tuple, nsb: tuple | None):
    sbV = parse_components(sb, "--sb")
    if nsb is None:
        nsbV = complement(sbV)
        nsb = tuple(name_row(r) for r in nsbV)
    else:
        nsbV = parse_components(nsb, "non-symmetry-breaking components")
    sbV.setflags(write=False)
    nsbV.setflags(write=False)
    return sb, nsb, (sbV, nsbV)


@dataclass(eq=False)
class _Job:
    """One prepared (reference, child) pair for :func:`_run_jobs`."""

    ref_cell: Cell
    child_cell: Cell
    ref_label: str
    child_label: str
    P: np.ndarray
    sb_components: tuple | None
    nsb_components: tuple | None
    split_basis: tuple | None
    reference_kind: str
    warnings: list


def _run_jobs(jobs: list[_Job], frame: str, fin: tuple[str, ...], max_strain: float) -> list:
    """StrainResult (or the SymstrainInputError saying why not) for every job, computed in one vectorised batch.

    All jobs must share the same split basis (the same symmetry-breaking components).
    """
    if not jobs:
        return []
    split_basis = jobs[0].split_basis
    N = len(jobs)
    x0 = np.array([np.concatenate([j.ref_cell.params, j.child_cell.params]) for j in jobs])
    sig = np.zeros((N, 12))
    has_su = np.zeros(N, bool)
    for k, j in enumerate(jobs):
        sig[k] = np.concatenate([_input_sigma(j.ref_cell, j.ref_label, j.warnings),
                                 _input_sigma(j.child_cell, j.child_label, j.warnings)])
        has_su[k] = j.ref_cell.has_su or j.child_cell.has_su
        if not has_su[k]:
            j.warnings[:] = [w for w in j.warnings if "has no standard uncertainties" not in w]
            j.warnings.append(f"no standard uncertainties in {j.ref_label} or {j.child_label}: no s.u. is reported")
    Ps = np.array([j.P for j in jobs])

    def fun(X, P):
        return _compute(X[:, :6], X[:, 6:], P, frame, fin, split_basis)

    try:
        if np.any(has_su):
            vals, sus = _propagate(fun, x0, sig, Ps)
        else:
            vals = fun(x0, Ps)
            sus = {k: np.full_like(np.asarray(v, dtype=float), np.nan) for k, v in vals.items()}
    except np.linalg.LinAlgError:
        if N == 1:
            return [SymstrainInputError(jobs[0].ref_label, "the reference cell mapped by P is not a valid cell")]
        return [r for j in jobs for r in _run_jobs([j], frame, fin, max_strain)]
    for k in np.flatnonzero(~has_su):
        for key in sus:
            sus[key][k] = np.nan
    return [_finish(j, {key: v[k] for key, v in vals.items()}, {key: s[k] for key, s in sus.items()},
                    bool(has_su[k]), frame, fin, max_strain) for k, j in enumerate(jobs)]


def _finish(job: _Job, vals: dict, sus: dict, has_su: bool, frame: str, fin, max_strain: float):
    warnings = job.warnings
    e0 = vals["e"]
    worst = np.unravel_index(np.argmax(np.abs(e0)), (3, 3))
    if abs(e0[worst]) > max_strain or abs(vals["vs"]) > 3 * max_strain:
        name = next(n for n, ij in COMPONENT_INDEX.items() if ij in (worst, worst[::-1]))
        return SymstrainInputError(
            job.child_label,
            f"lattice incompatible with the reference {job.ref_label} mapped by P: {name} = {e0[worst]:.3g} and "
            f"volume ratio {vals['V'] / vals['V0']:.4g} (|e_ij| > {max_strain:g}; wrong P or wrong reference?)",
        )
    gaps = np.diff(vals["principal"])
    if np.any(gaps < 1e-6) or (has_su and np.any(gaps < 3 * np.max(sus["principal"]))):
        warnings.append("principal strains nearly degenerate: their directions are ill-defined (and so their s.u.'s)")

    split, e_sb, e_sb_su, e_nsb, e_nsb_su = {}, math.nan, math.nan, math.nan, math.nan
    if job.split_basis is not None:
        for k, name in enumerate(job.sb_components):
            split[name] = (float(vals["sb_values"][k]), float(sus["sb_values"][k]))
        for k, name in enumerate(job.nsb_components):
            split[name] = (float(vals["nsb_values"][k]), float(sus["nsb_values"][k]))
        e_sb, e_sb_su = float(vals["e_sb"]), float(sus["e_sb"])
        e_nsb, e_nsb_su = float(vals["e_nsb"]), float(sus["e_nsb"])

    return StrainResult(
        frame=frame,
        frame_description=FRAMES[frame],
        reference=job.ref_cell,
        reference_mapped=Cell(*(float(x) for x in vals["ref_mapped"])),
        child=job.child_cell,
        P=job.P,
        F=vals["F"],
        e=vals["e"],
        e_su=sus["e"],
        eps13=float(vals["eps13"]),
        eps13_su=float(sus["eps13"]),
        eps13_definition=EPS13_DEFINITION,
        volume_strain=float(vals["vs"]),
        volume_strain_su=float(sus["vs"]),
        e_ss=float(vals["e_ss"]),
        e_ss_su=float(sus["e_ss"]),
        principal=vals["principal"],
        principal_su=sus["principal"],
        principal_directions=vals["directions"],
        principal_directions_su=sus["directions"],
        finite={k: (vals[k], sus[k]) for k in fin},
        sb_components=job.sb_components,
        nsb_components=job.nsb_components,
        split=split,
        e_sb=e_sb,
        e_sb_su=e_sb_su,
        e_nsb=e_nsb,
        e_nsb_su=e_nsb_su,
        reference_label=job.ref_label,
        child_label=job.child_label,
        reference_kind=job.reference_kind,
        has_su=has_su,
        warnings=tuple(warnings),
        V=float(vals["V"]),
        V_su=float(sus["V"]),
        V0=float(vals["V0"]),
        V0_su=float(sus["V0"]),
    )


def _no_reference(child: Cell, label: str, frame: str, warnings: list[str]) -> StrainResult:
    beta = math.radians(child.beta)
    eps = 0.5 * math.cos(beta)
    sb = child.su_array[4]
    has_su = bool(np.isfinite(sb))
    eps_su = 0.5 * math.sin(beta) * math.radians(sb) if has_su else math.nan
    if not has_su:
        warnings.append(f"{label}: no s.u. for β: no s.u. is reported for ε13")
    warnings.append("no reference cell: only ε13 = ½·cos β (c0 = c approximation) is defined")
    nan3 = np.full((3, 3), np.nan)
    return StrainResult(
        frame=frame, frame_description=FRAMES[frame], reference=None, reference_mapped=None, child=child,
        P=np.eye(3), F=nan3, e=nan3, e_su=nan3, eps13=eps, eps13_su=eps_su, eps13_definition=EPS13_NO_REFERENCE,
        volume_strain=math.nan, volume_strain_su=math.nan, e_ss=math.nan, e_ss_su=math.nan,
        principal=np.full(3, np.nan), principal_su=np.full(3, np.nan), principal_directions=nan3,
        principal_directions_su=nan3, reference_label="none (c0 = c)", child_label=label,
        reference_kind="none: c0 = c approximation, ε13 only", has_su=has_su, warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------------------------------------------
# text


def _fmt(v: float, s: float | None) -> str:
    return format_su(v, s, 6)


def format_result(r: StrainResult) -> str:
    lines = [f"strain of {r.child_label} against {r.reference_label} ({r.reference_kind})"]
    if r.reference is None:
        lines.append(f"  {r.eps13_definition}")
        lines.append(f"  ε13 = {_fmt(r.eps13, r.eps13_su)}")
    else:
        lines.append(f"  frame: {r.frame} — {r.frame_description}")
        lines.append(f"  P (columns = child basis in reference units): {np.asarray(r.P).tolist()}")
        m = r.reference_mapped
        lines.append(f"  reference in child basis: a={m.a:.5f} b={m.b:.5f} c={m.c:.5f} Å  "
                     f"α={m.alpha:.4f} β={m.beta:.4f} γ={m.gamma:.4f}°")
        lines.append("  linear strain e_ij:")
        for i in range(3):
            lines.append("    " + "  ".join(f"{_fmt(r.e[i, j], r.e_su[i, j]):>16s}" for j in range(3)))
        lines.append(f"  ε13 = {_fmt(r.eps13, r.eps13_su)}   [{r.eps13_definition}]")
        lines.append(f"  volume strain vs = {_fmt(r.volume_strain, r.volume_strain_su)}")
        lines.append(f"  e_ss = √(Σ e_ij²) = {_fmt(r.e_ss, r.e_ss_su)}")
        lines.append("  principal strains (directions: Cartesian unit vectors in the same frame, and [uvw] of the child):")
        uvw = r.principal_directions_uvw()
        for k in range(3):
            d = np.where(np.abs(r.principal_directions[:, k]) < 5e-5, 0.0, r.principal_directions[:, k])
            x = np.where(np.abs(uvw[:, k]) < 5e-4, 0.0, uvw[:, k])  # no "-0.000"
            lines.append(f"    {_fmt(r.principal[k], r.principal_su[k]):>16s}  along ({d[0]:+.4f}, {d[1]:+.4f}, {d[2]:+.4f})"
                         f"  [{x[0]:+.3f} {x[1]:+.3f} {x[2]:+.3f}]")
        for name, (E, Es) in r.finite.items():
            title = "Green–Lagrange E = ½(FᵀF − I)" if name == "green" else "Eulerian e = ½(I − F⁻ᵀF⁻¹)"
            lines.append(f"  {title}:")
            for i in range(3):
                lines.append("    " + "  ".join(f"{_fmt(E[i, j], Es[i, j]):>16s}" for j in range(3)))
        if r.sb_components is not None:
            sb = ", ".join(f"{n}={_fmt(*r.split[n])}" for n in r.sb_components) or "none"
            nsb = ", ".join(f"{n}={_fmt(*r.split[n])}" for n in r.nsb_components)
            lines.append("  split (cstar frame of the child basis):")
            lines.append(f"    symmetry-breaking: {sb}   |e_sb| = {_fmt(r.e_sb, r.e_sb_su)}")
            lines.append(f"    non-symmetry-breaking: {nsb}   |e_nsb| = {_fmt(r.e_nsb, r.e_nsb_su)}")
        else:
            lines.append("  split: not available (no relation / symmetry-breaking components given)")
    for w in r.warnings:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# ``symstrain.strain`` is both this module and the public function of the same name (the package's flat API).
# Once the module has been imported, the attribute ``symstrain.strain`` can resolve to the module; making the
# module callable keeps ``symstrain.strain(reference, child, ...)`` working either way.


make_callable(__name__, "strain")
