"""Vectorised strain kernels and their s.u. propagation, on (N, 6) arrays of cell parameters.

What lives here: strain component names and their parsing (``e11-e22`` …) and orthogonal complements; the
kernel :func:`compute_strain` (deformation F, linear and finite strains, volume strain, e_ss, ε13, principal
strains and directions, symmetry-breaking split, for N cell pairs in one numpy pass, with 3×3 matrices); and the
batch runner :func:`run_jobs` (prepared :class:`StrainJob` pairs → values, s.u.'s and notes) behind ``strain()``.
What does not live here: the result record, input coercion and ``strain()`` (``spontaneous_strain.py``), cell
geometry (``lattice.py``), the closed-form scalars of many pairs for tables (``strain_kernel.pair_strains``) and the
helpers the two share — which s.u.'s count, their propagation, projections on Voigt subspaces
(``strain_kernel.py``), reference baselines (``reference.py``), tables (``series.py``).
Every convention (frames, definitions, the split, s.u.'s) is stated in ``spontaneous_strain``'s docstring.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .errors import SymstrainInputError, WarningText
from .lattice import cos_degrees, matrix_from_metric, metric, params_from_metric, tied_parameters
from .phase import CELL_NAMES, Cell
from .strain_kernel import (input_sigmas, norm_su_floor, one_measurement, principal_strains, projected, propagate,
                            unknown_where_one_cell_lacks_su, zero_against_itself)
from .tensors import STRAIN_COMPONENTS, VOIGT_PAIRS, VOIGT_WEIGHTS, name_row, rref

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "cell_without_su": "a cell without s.u.'s: its contribution to every s.u. is unknown",
    "su_treated_as_exact": "some lattice parameters have no s.u.: treated as exact",
    "no_su": "neither cell gives s.u.'s: no s.u. is reported",
}

COMPONENTS = STRAIN_COMPONENTS
#: (row, column) of each named component in the 3×3 tensor
COMPONENT_INDEX = dict(zip(COMPONENTS, VOIGT_PAIRS))
FRAMES = {
    "cstar": "X ∥ a, Y in the ab plane, Z ∥ c* of the child basis (gemmi orthogonalisation)",
    "c": "Z ∥ c, Y in the bc plane, X ∥ a* of the child basis",
}
FINITE = ("green", "euler")
_TERM = re.compile(r"([+-]?)\s*(?:(\d+(?:\.\d*)?(?:/\d+)?)\s*\*?\s*)?(e[123]{2})")


# --------------------------------------------------------------------------------------------------------------
# component names


def parse_components(names, source: str = "--sb") -> np.ndarray:
    """(k, 6) coefficient rows over (e11, e22, e33, e23, e13, e12) for names such as ``e13``, ``e11-e22``,
    ``2*e33-e11-e22`` or ``1/2*e11+e12`` (the form ``relation.py`` writes)."""
    rows = []
    for name in names:
        text = name.replace(" ", "")
        row = np.zeros(6)
        pos = 0
        for m in _TERM.finditer(text):
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
    V = np.array(rows).reshape(-1, 6)
    if len(V) > 1 and np.linalg.matrix_rank(V, tol=1e-9) < len(V):  # 'e13,e13': one component named twice
        raise SymstrainInputError(source, f"{', '.join(names)}: the components are not independent (one is a "
                                          "combination of the others)")
    return V


def complement(V: np.ndarray) -> np.ndarray:
    """Rows spanning the orthogonal complement (Frobenius metric) of the row space of V (k, 6), in reduced
    row-echelon form so that they read simply (the remaining single components when V holds single components)."""
    if len(V) == 0:
        return np.eye(6)
    X = V * np.sqrt(VOIGT_WEIGHTS)
    _, s, vt = np.linalg.svd(X)
    rank = int(np.sum(s > 1e-10))
    return rref(vt[rank:] / np.sqrt(VOIGT_WEIGHTS), tol=1e-10)


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


# --------------------------------------------------------------------------------------------------------------
# kernel: everything on (N, 6) parameter arrays


def _sym(M):
    return 0.5 * (M + np.swapaxes(M, -1, -2))


def _voigt(e: np.ndarray) -> np.ndarray:
    return np.stack([e[..., i, j] for i, j in (COMPONENT_INDEX[c] for c in COMPONENTS)], axis=-1)


#: positions of the Voigt components (e11 … e12) among the nine of a 3×3 tensor in C order
_VOIGT_FLAT = np.array([3 * i + j for i, j in (COMPONENT_INDEX[c] for c in COMPONENTS)])


def compute_strain(p0: np.ndarray, p: np.ndarray, P: np.ndarray, frame: str, finite: tuple[str, ...],
                   split: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Every reported quantity for (N, 6) reference parameters (in the reference basis) and (N, 6) child
    parameters, one row per pair; P (3, 3) or (N, 3, 3) with child basis = reference basis · P.

    ``split`` = (SB rows, NSB rows) over Voigt components, as from :func:`parse_components`. Returns a dict of
    (N, …) arrays: F, e, [sb_values, nsb_values, e_sb, e_nsb], [green], [euler], V0, V, vs, e_ss, c0, eps13,
    principal, directions, ref_mapped. Raises ``numpy.linalg.LinAlgError`` for a metric that is no cell.
    """
    I = np.eye(3)
    G0 = np.swapaxes(P, -1, -2) @ metric(p0) @ P  # reference metric in the child basis
    G = metric(p)
    A0 = matrix_from_metric(G0, frame)
    A = matrix_from_metric(G, frame)
    F = A @ np.linalg.inv(A0)
    e = _sym(F) - I
    out = {"F": F, "e": e}
    if split is not None:
        if frame == "cstar":
            e_c = e
        else:
            e_c = _sym(matrix_from_metric(G, "cstar") @ np.linalg.inv(matrix_from_metric(G0, "cstar"))) - I
        x = _voigt(e_c)
        sbV, nsbV = split
        out["sb_values"] = x @ sbV.T
        out["nsb_values"] = x @ nsbV.T
        out["sb_coordinates"], out["nsb_coordinates"] = projected(x, sbV), projected(x, nsbV)
        out["e_sb"] = np.sqrt(np.einsum("nk,nk->n", out["sb_coordinates"], out["sb_coordinates"]))
        out["e_nsb"] = np.sqrt(np.einsum("nk,nk->n", out["nsb_coordinates"], out["nsb_coordinates"]))
    if "green" in finite:
        out["green"] = 0.5 * (np.swapaxes(F, -1, -2) @ F - I)
    if "euler" in finite:
        Fi = np.linalg.inv(F)
        out["euler"] = 0.5 * (I - np.swapaxes(Fi, -1, -2) @ Fi)
    # triangular A: det = product of the diagonal (the volume)
    out["V0"] = np.abs(np.prod(np.diagonal(A0, axis1=-2, axis2=-1), axis=-1))
    out["V"] = np.abs(np.prod(np.diagonal(A, axis1=-2, axis2=-1), axis=-1))
    out["vs"] = out["V"] / out["V0"] - 1.0
    out["e_ss"] = np.sqrt(np.sum(e * e, axis=(-1, -2)))
    out["c0"] = np.sqrt(G0[:, 2, 2])
    out["eps13"] = 0.5 * p[:, 2] * cos_degrees(p[:, 4]) / out["c0"]
    w, v = np.linalg.eigh(e)
    # sign convention for directions: the largest |component| of each eigenvector is positive
    k = np.argmax(np.abs(v), axis=-2)
    s = np.sign(np.take_along_axis(v, k[:, None, :], axis=-2))
    s[s == 0] = 1.0
    out["principal"], out["directions"] = w, v * s
    out["ref_mapped"] = params_from_metric(G0)  # a0', b0', c0', α0', β0', γ0'
    return out


# --------------------------------------------------------------------------------------------------------------
# prepared pairs and the batch runner


def check_cell(cell: Cell, label: str) -> None:
    """Raise :class:`SymstrainInputError` naming ``label`` for parameters that describe no cell."""
    p = (cell.a, cell.b, cell.c, cell.alpha, cell.beta, cell.gamma)
    if not all(math.isfinite(x) for x in p) or min(p[:3]) <= 0 or not all(0 < x < 180 for x in p[3:]):
        raise SymstrainInputError(label, f"impossible cell parameters {tuple(float(x) for x in p)}")
    if not cell.volume > 0:
        raise SymstrainInputError(label, "the cell angles give no volume (impossible cell)")


def as_P(P, label: str) -> np.ndarray:
    """P as a (3, 3) float array (identity for None); :class:`SymstrainInputError` unless it is a finite,
    right-handed, non-singular basis change."""
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


@dataclass(eq=False)
class StrainJob:
    """One prepared (reference, child) pair for :func:`run_jobs`: cells checked, P from :func:`as_P`, split from
    :func:`split_spec`; ``warnings`` (one line each, :class:`~symstrain.errors.WarningText`: a str carrying its
    coded record) is extended by the runner."""

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
    #: (6,) bool, the components (e11 … e12 in the result's frame) the child's group holds at 0: exactly 0 in the
    #: tensor whose principal strains are taken (None: not known)
    zero: np.ndarray | None = None


def _input_sigmas(jobs: list[StrainJob]) -> tuple[np.ndarray, ...]:
    """(N, 12) s.u.'s of (reference, child) parameters with 0 where treated as exact, (N,) whether the reference and
    the child carry any (:func:`symstrain.strain_kernel.input_sigmas`), and the (N, 6) s.u.'s of each as given (NaN
    where none); notes in each job's warnings what was assumed (a cell without s.u.'s, a missing length or
    non-special angle s.u.)."""
    def su(c):
        return [np.nan if s is None else s for s in c.su]

    p0 = np.array([j.ref_cell.params for j in jobs], dtype=float).reshape(-1, 6)
    p = np.array([j.child_cell.params for j in jobs], dtype=float).reshape(-1, 6)
    s0 = np.array([su(j.ref_cell) for j in jobs], dtype=float).reshape(-1, 6)
    s = np.array([su(j.child_cell) for j in jobs], dtype=float).reshape(-1, 6)
    sig, ref_has, child_has, ref_noted, child_noted = input_sigmas(p0, s0, p, s)
    for k, job in enumerate(jobs):
        for label, has, noted in ((job.ref_label, ref_has[k], ref_noted[k]),
                                  (job.child_label, child_has[k], child_noted[k])):
            if not has:
                job.warnings.append(WarningText("cell_without_su", label, f"{label}: the cell has no standard "
                                                "uncertainties; its contribution to every s.u. is unknown"))
            elif noted.any():
                names = ", ".join(CELL_NAMES[i] for i in np.flatnonzero(noted))
                job.warnings.append(WarningText("su_treated_as_exact", label, f"{label}: no s.u. for {names}; "
                                                "treated as exact"))
    return sig, ref_has, child_has, s0, s


def run_jobs(jobs: list[StrainJob], frame: str, fin: tuple[str, ...], max_strain: float) -> list:
    """For every job, ``(values, s.u.'s, has_su)`` (dicts of the :func:`compute_strain` arrays for that pair, s.u.'s
    NaN without any input s.u.) or the :class:`SymstrainInputError` saying why not (impossible mapped cell,
    lattices that do not correspond: |e_ij| > ``max_strain``), computed in one vectorised batch. The principal
    strains and their s.u.'s are those of :func:`symstrain.strain_kernel.principal_strains` (e and its covariance,
    each job's ``zero`` components 0), as the tables take them; the directions are :func:`compute_strain`'s.

    All jobs must share the same split basis (the same symmetry-breaking components).
    """
    if not jobs:
        return []
    split_basis = jobs[0].split_basis
    x0 = np.array([np.concatenate([j.ref_cell.params, j.child_cell.params]) for j in jobs])
    sig, ref_has, child_has, s0, s = _input_sigmas(jobs)
    has_su = ref_has | child_has
    for k in np.flatnonzero(~has_su):
        j = jobs[k]
        j.warnings[:] = [w for w in j.warnings if getattr(w, "code", None) != "cell_without_su"]
        j.warnings.append(WarningText("no_su", j.child_label, f"no standard uncertainties in {j.ref_label} or "
                                      f"{j.child_label}: no s.u. is reported"))
    Ps = np.array([j.P for j in jobs])

    def fun(X, rows):
        return compute_strain(X[:, :6], X[:, 6:], Ps[rows], frame, fin, split_basis)

    zero = np.array([np.zeros(6, bool) if j.zero is None else np.asarray(j.zero, bool) for j in jobs])
    try:
        if np.any(has_su):
            vals, sus = propagate(fun, x0, sig, covariance=("e",), tied=tied_parameters(x0, sig))
            norm_su_floor(vals, sus, (("e_ss", "e", None), ("e_sb", "sb_coordinates", None),
                                      ("e_nsb", "nsb_coordinates", None)))
            cov = sus.pop("e_cov")[:, _VOIGT_FLAT][:, :, _VOIGT_FLAT]
        else:
            vals = fun(x0, np.arange(len(jobs)))
            sus = {k: np.full_like(np.asarray(v, dtype=float), np.nan) for k, v in vals.items()}
            cov = None
        # the principal strains from e and its covariance (not from differences of eigenvalues, which straddle a
        # degeneracy): strain_kernel.principal_strains, as the tables take them
        vals["principal"], sus["principal"] = principal_strains(_voigt(vals["e"]), cov, zero)
    except np.linalg.LinAlgError:
        if len(jobs) == 1:
            return [SymstrainInputError(jobs[0].ref_label, "the reference cell mapped by P is not a valid cell")]
        return [r for j in jobs for r in run_jobs([j], frame, fin, max_strain)]
    for key in sus:
        sus[key][~has_su] = np.nan
    # (a norm on an empty subspace is 0 by construction, whatever the inputs: exact)
    empty = () if split_basis is None else tuple(
        k for V, keys in zip(split_basis, (("sb_values", "sb_coordinates", "e_sb"),
                                           ("nsb_values", "nsb_coordinates", "e_nsb"))) if len(V) == 0 for k in keys)
    unknown_where_one_cell_lacks_su(sus, ref_has, child_has, exact=empty)
    p0, p = x0[:, :6], x0[:, 6:]
    zero_against_itself(vals, sus, one_measurement(p0, s0, p, s, (Ps == np.eye(3)).all(axis=(1, 2))), p, s)
    out = []
    for k, job in enumerate(jobs):
        v, s = {key: a[k] for key, a in vals.items()}, {key: a[k] for key, a in sus.items()}
        out.append(_incompatible(job, v, max_strain) or (v, s, bool(has_su[k])))
    return out


def _incompatible(job: StrainJob, vals: dict, max_strain: float) -> SymstrainInputError | None:
    """The error for a pair whose lattices do not correspond (wrong P or wrong reference), else None."""
    e0 = vals["e"]
    worst = np.unravel_index(np.argmax(np.abs(e0)), (3, 3))
    if abs(e0[worst]) <= max_strain and abs(vals["vs"]) <= 3 * max_strain:
        return None
    name = next(n for n, ij in COMPONENT_INDEX.items() if ij in (worst, worst[::-1]))
    return SymstrainInputError(
        job.child_label,
        f"lattice incompatible with the reference {job.ref_label} mapped by P: {name} = {e0[worst]:.3g} and "
        f"volume ratio {vals['V'] / vals['V0']:.4g} (|e_ij| > {max_strain:g}; wrong P or wrong reference?)",
    )
