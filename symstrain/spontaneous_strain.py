"""Spontaneous strain of one child cell against a reference (paraphase) cell: :func:`strain`, :class:`StrainResult`.

What lives here: the result record (with its text :meth:`StrainResult.summary`), the coercion of what the caller
passes (a Relation, Cells, Phases, P, option names), :func:`strain` itself, :func:`strain_batch` (prepared
pairs → results, used by ``series.strain_table``) and the no-reference (c0 = c) case. It works on plain values
(two :class:`~symstrain.phase.Cell` and a matrix P) so it needs neither a CIF nor a
:class:`~symstrain.relation.Relation`; it also accepts those. The numbers — the deformation F, linear and finite
strains, volume strain, scalar spontaneous strain, principal strains, the symmetry-breaking split and the
propagated s.u.'s — are computed by the vectorised kernels of ``strain_math.py``; cell geometry is
``lattice.py``; choosing or extrapolating the reference cell lives in ``reference.py``; tables over many cells
in ``series.py``.

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
* Principal strains (``strain_kernel.principal_strains``, the tables' rule too): the eigenvalues of e, with the
  components the child's group holds at 0 exactly 0 (when the group is known); neighbours equal to 1e-12 (equal
  by the components: e11 = e22 of a tetragonal cell, all three of a cubic one) are one value, printed identical.
  The s.u. of a principal strain is that of the tensor's component along its direction (first-order perturbation)
  where it is resolved from its neighbours; a cluster of k that is not (tied, or a gap below its own noise) takes
  √(Σ σ² of the tensor's components within the cluster's principal plane or space / k), off-diagonal terms
  counted twice — for a diagonal tensor the root mean square of the members' σ(e_ii): e11's s.u. for a principal
  strain equal to e11 = e22. Never 0 unless those components are exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import contract
from .errors import SymstrainInputError, WarningRecord, WarningText
from .notation import format_su
from .phase import Cell, Phase
from .strain_math import (COMPONENT_INDEX, COMPONENTS, FINITE, FRAMES, StrainJob, as_P, check_cell, run_jobs,
                          split_spec)

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "degenerate_principal_strains": "principal strains nearly degenerate: their directions are ill-defined",
    "no_su": "no s.u. for β (no reference): no s.u. for ε13",
    "no_reference": "no reference cell: only ε13 = ½·cos β (c0 = c) is defined",
    "eps13_oblique_reference": "the reference's β in the child basis is not 90°: ε13 measures the child's obliquity, "
                               "not a strain against the reference (e13 does)",
    "eps13_not_monoclinic": "no reference and α or γ is not 90°: ½·cos β is no shear strain of an orthogonal parent",
}

EPS13_DEFINITION = "ε13 = ½·c·cos β / c0 (c, β of the child; c0 = |c| of the reference mapped into the child basis)"
EPS13_NO_REFERENCE = "ε13 = ½·cos β: no reference, c0 = c approximation (no other strain component is defined)"


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
    #: one-line notes, each a :class:`~symstrain.errors.WarningText` (a str carrying its coded record; see
    #: :meth:`warning_records`)
    warnings: tuple[str, ...] = ()
    #: child volume V and mapped reference volume V0' (Å³) with s.u.'s
    V: float = math.nan
    V_su: float = math.nan
    V0: float = math.nan
    V0_su: float = math.nan
    #: components (e11 … e12, in ``frame``) the child's point group holds at 0: exactly 0 with s.u. 0 in e, in the
    #: finite strains and (e13) in ε13, whatever the inputs' s.u.'s; empty when the child's group is not known
    zero_by_symmetry: tuple[str, ...] = ()

    def principal_directions_uvw(self) -> np.ndarray:
        """Principal directions as child lattice directions [uvw] (columns), scaled so the largest |component| is 1."""
        if self.reference is None:
            return np.full((3, 3), np.nan)
        X = np.linalg.solve(self.child.matrix(self.frame), self.principal_directions)
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
            row[f"principal{k + 1}"] = float(self.principal[k])
            row[f"principal{k + 1}_su"] = float(self.principal_su[k])
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
        """The strain under the JSON contract (``$defs/strain`` of ``symstrain/schemas/strain.json``): every number a
        Quantity ``{value, su}`` (su None where no s.u. could be propagated), tensors as array quantities, cells as
        Cell objects, P as a basis change (the origin p does not enter the strain and is given as 0). Values below
        1e-12 (dimensionless) are exactly 0. The warnings are not in it: see :meth:`warning_records`."""

        # (values below 1e-12 and s.u.'s that are rounding of the finite differences are exactly 0, e.g. the s.u. of
        # a principal direction's component along itself, 1e-12 beside 0.04: see contract.clean_su)
        # (without input s.u.'s only a value exact by symmetry has one: 0)
        def q(v, s):
            su = contract.clean_su(s) if self.has_su else (0.0 if s == 0 else None)
            return contract.quantity(contract.clean(v), su)

        def qa(v, s, floor=1e-12):
            exact = np.where(np.asarray(s, dtype=float) == 0, 0.0, np.nan)
            return contract.quantity_array(contract.clean(v), contract.clean_su(s, floor) if self.has_su else exact)

        return {
            "frame": self.frame,
            "frame_description": self.frame_description,
            "reference_kind": self.reference_kind,
            "reference_cell": None if self.reference is None else contract.cell(self.reference),
            "reference_cell_in_child_basis": (None if self.reference_mapped is None
                                              else contract.cell(self.reference_mapped)),
            "child_cell": contract.cell(self.child),
            "basis_change": contract.basis_change(self.P, np.zeros(3)),
            "F": contract.quantity_array(contract.clean(self.F), None),
            "e": qa(self.e, self.e_su),
            "components": {n: q(*self.component(n)) for n in COMPONENTS},
            "eps13": q(self.eps13, self.eps13_su),
            "eps13_definition": self.eps13_definition,
            "volume_strain": q(self.volume_strain, self.volume_strain_su),
            "V": contract.quantity(self.V, self.V_su if self.has_su else None),
            "V0": contract.quantity(self.V0, self.V0_su if self.has_su else None),
            "e_ss": q(self.e_ss, self.e_ss_su),
            "principal": {
                "values": qa(self.principal, self.principal_su),
                # (components of unit vectors: an s.u. below 1e-9 is the rounding of a direction no input turns —
                # tied inputs add their rounding up, ~1e-11)
                "directions": qa(self.principal_directions, self.principal_directions_su, 1e-9),
                "directions_uvw": contract.quantity_array(contract.clean(self.principal_directions_uvw()), None),
            },
            "finite": {k: qa(E, Es) for k, (E, Es) in self.finite.items()},
            "split": None if self.sb_components is None else {
                "frame": "cstar (X ∥ a, Y in ab, Z ∥ c* of the child basis)",
                "symmetry_breaking": list(self.sb_components),
                "non_symmetry_breaking": list(self.nsb_components or ()),
                "components": {k: q(v, s) for k, (v, s) in self.split.items()},
                "e_sb": q(self.e_sb, self.e_sb_su),
                "e_nsb": q(self.e_nsb, self.e_nsb_su),
            },
            "has_su": self.has_su,
            "zero_by_symmetry": list(self.zero_by_symmetry),
        }

    def warning_records(self) -> list[WarningRecord]:
        """The warnings as :class:`~symstrain.errors.WarningRecord` (stable codes), each once."""
        return contract.warning_records(self.warnings, source=self.child_label)

    def summary(self, warnings: bool = True) -> str:
        """Human-readable text: frame, tensor, ε13, vs, e_ss, principal strains, split, and the warnings unless
        ``warnings`` is False (the command line shows them once itself)."""
        lines = [f"strain of {self.child_label} against {self.reference_label} ({self.reference_kind})"]
        if self.reference is None:
            lines.append(f"  {self.eps13_definition}")
            lines.append(f"  ε13 = {format_su(self.eps13, self.eps13_su)}")
        else:
            lines.append(f"  frame: {self.frame} — {self.frame_description}")
            lines.append(f"  P (columns = child basis in reference units): {np.asarray(self.P).tolist()}")
            m = self.reference_mapped
            lines.append(f"  reference in child basis: a={m.a:.5f} b={m.b:.5f} c={m.c:.5f} Å  "
                         f"α={m.alpha:.4f} β={m.beta:.4f} γ={m.gamma:.4f}°")
            lines.append("  linear strain e_ij:")
            lines.extend(_tensor_lines(self.e, self.e_su))
            lines.append(f"  ε13 = {format_su(self.eps13, self.eps13_su)}   [{self.eps13_definition}]")
            lines.append(f"  volume strain vs = {format_su(self.volume_strain, self.volume_strain_su)}")
            lines.append(f"  e_ss = √(Σ e_ij²) = {format_su(self.e_ss, self.e_ss_su)}")
            lines.append("  principal strains (directions: Cartesian unit vectors in the same frame, and [uvw] of the "
                         "child):")
            uvw = self.principal_directions_uvw()
            for k in range(3):
                d = np.where(np.abs(self.principal_directions[:, k]) < 5e-5, 0.0, self.principal_directions[:, k])
                x = np.where(np.abs(uvw[:, k]) < 5e-4, 0.0, uvw[:, k])  # no "-0.000"
                lines.append(f"    {format_su(self.principal[k], self.principal_su[k]):>16s}  "
                             f"along ({d[0]:+.4f}, {d[1]:+.4f}, {d[2]:+.4f})  [{x[0]:+.3f} {x[1]:+.3f} {x[2]:+.3f}]")
            for name, (E, Es) in self.finite.items():
                title = "Green–Lagrange E = ½(FᵀF − I)" if name == "green" else "Eulerian e = ½(I − F⁻ᵀF⁻¹)"
                lines.append(f"  {title}:")
                lines.extend(_tensor_lines(E, Es))
            if self.sb_components is not None:
                sb = ", ".join(f"{n}={format_su(*self.split[n])}" for n in self.sb_components) or "none"
                nsb = ", ".join(f"{n}={format_su(*self.split[n])}" for n in self.nsb_components)
                lines.append("  split (cstar frame of the child basis; |e_sb| and |e_nsb| are the norms of the "
                             "projections, over the nine e_ij: the combinations listed span each part, they are not "
                             "orthonormal coordinates):")
                lines.append(f"    symmetry-breaking: {sb}   |e_sb| = {format_su(self.e_sb, self.e_sb_su)}")
                lines.append(f"    non-symmetry-breaking: {nsb}   |e_nsb| = {format_su(self.e_nsb, self.e_nsb_su)}")
            else:
                lines.append("  split: not available (no relation / symmetry-breaking components given)")
        if warnings:
            lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _tensor_lines(M: np.ndarray, S: np.ndarray) -> list[str]:
    """Three text rows of a (3, 3) tensor with its s.u.'s."""
    return ["    " + "  ".join(f"{format_su(M[i, j], S[i, j]):>16s}" for j in range(3)) for i in range(3)]


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
    from .relation import Refutation, Relation, holding

    if isinstance(reference, Refutation):
        holding(reference, "strain")  # (raises: why the groups do not relate)
    check_frame(frame)
    fin = finite_names(finite)
    ref_label, child_label = labels if labels else ("reference", "child")
    if isinstance(reference, Relation):
        rel = reference
        ref_cell, ref_label = rel.parent.cell, (labels[0] if labels else rel.parent.name)
        if child is None:
            child_cell, child_label = rel.child.cell, (labels[1] if labels else rel.child.name)
            child_group = rel.child.spacegroup
        else:
            child_cell, child_label = _as_cell(child, child_label)
            child_group = child.spacegroup if isinstance(child, Phase) else None
        if P is None:
            P = rel.P
        if sb_components is None:
            sb_components = tuple(rel.symmetry_breaking_strain)
            if nsb_components is None:
                nsb_components = tuple(rel.non_symmetry_breaking_strain)
        # the relation's own warnings, as Relation.all_warnings gives them (so that the two merge into one)
        warnings = [WarningText(w.code, w.source, w.message)
                    for w in contract.warning_records(rel.warnings, source=rel.child.name)]
    else:
        if child is None:
            raise SymstrainInputError("child", "no child cell given")
        child_cell, child_label = _as_cell(child, "child")
        child_group = child.spacegroup if isinstance(child, Phase) else None
        ref_cell = None
        if reference is not None:
            ref_cell, ref_label = _as_cell(reference, "reference")
        if labels:
            ref_label, child_label = labels
        warnings = []
    check_cell(child_cell, child_label)

    sb_components, nsb_components, split_basis = split_spec(sb_components, nsb_components)

    if ref_cell is None:
        return _no_reference(child_cell, child_label, frame, warnings)

    check_cell(ref_cell, ref_label)
    zero = None
    if child_group is not None:  # (the principal strains are those of the tensor zeroed_by_symmetry gives)
        from .paraphase import allowed_components

        zero = ~allowed_components(child_group, child_cell.params, frame)
    job = StrainJob(ref_cell, child_cell, ref_label, child_label, as_P(P, "P"), sb_components, nsb_components,
                    split_basis, reference_kind or "explicit cell", warnings, zero)
    out = strain_batch([job], frame, fin, max_strain)[0]
    if isinstance(out, SymstrainInputError):
        raise out
    return out if child_group is None else zeroed_by_symmetry(out, child_group)


def zeroed_by_symmetry(result: StrainResult, group) -> StrainResult:
    """``result`` with the components the child's space group ``group`` holds at 0 (its point group, on the child's
    cell in the result's frame: :func:`~symstrain.paraphase.allowed_components`, as the strain table takes them) set
    to exactly 0 with s.u. 0 in e, the finite strains and, for e13, ε13; named in ``zero_by_symmetry``."""
    from dataclasses import replace

    from .paraphase import allowed_components

    zero = ~allowed_components(group, result.child.params, result.frame)
    names = tuple(n for n, z in zip(COMPONENTS, zero) if z)
    if not names:
        return result

    def zeroed(E, Es):
        E, Es = np.array(E, dtype=float), np.array(Es, dtype=float)
        for n in names:
            i, j = COMPONENT_INDEX[n]
            E[i, j] = E[j, i] = Es[i, j] = Es[j, i] = 0.0
        return E, Es

    e, e_su = zeroed(result.e, result.e_su)
    eps13, eps13_su = (0.0, 0.0) if "e13" in names else (result.eps13, result.eps13_su)
    return replace(result, e=e, e_su=e_su, finite={k: zeroed(*v) for k, v in result.finite.items()}, eps13=eps13,
                   eps13_su=eps13_su, zero_by_symmetry=names)


def strain_batch(jobs: list[StrainJob], frame: str, finite: tuple[str, ...] = (), max_strain: float = 0.1) -> list:
    """A :class:`StrainResult` (or the :class:`SymstrainInputError` saying why not) for every prepared pair,
    computed in one vectorised batch (:func:`symstrain.strain_math.run_jobs`); all jobs share one split basis."""
    return [out if isinstance(out, SymstrainInputError) else _result(job, *out, frame, finite)
            for job, out in zip(jobs, run_jobs(jobs, frame, tuple(finite), max_strain))]


def check_frame(frame: str) -> None:
    """:class:`SymstrainInputError` unless ``frame`` is "cstar" or "c"."""
    if frame not in FRAMES:
        raise SymstrainInputError("--frame", f"unknown frame {frame!r}: use 'cstar' (X∥a, Z∥c*) or 'c' (Z∥c, X∥a*)")


def finite_names(finite) -> tuple[str, ...]:
    """The finite strains asked for (None, "green", "euler", "both" or a sequence of names) as a tuple of names."""
    if finite is None:
        fin: tuple[str, ...] = ()
    elif isinstance(finite, str):
        fin = FINITE if finite == "both" else (finite,)
    else:
        fin = tuple(finite)
    for f in fin:
        if f not in FINITE:
            raise SymstrainInputError("--finite", f"unknown finite strain {f!r}: use 'green', 'euler' or 'both'")
    return fin


def _as_cell(x, what: str) -> tuple[Cell, str]:
    if isinstance(x, Cell):
        return x, what
    if isinstance(x, Phase):
        return x.cell, x.name
    raise SymstrainInputError(what, f"expected a Cell, a Phase or a Relation, got {type(x).__name__}")


def _mapped_su(su, has_su: bool) -> tuple:
    """The s.u.'s of the reference cell in the child basis, propagated from the reference's: None where nothing
    with an s.u. reaches a parameter (an angle fixed by symmetry stays without one, as in the file)."""
    return tuple(float(x) if has_su and x > 0 else None for x in np.asarray(su, dtype=float).ravel())


def _result(job: StrainJob, vals: dict, sus: dict, has_su: bool, frame: str, fin) -> StrainResult:
    """The record of one computed pair (values and s.u.'s as returned by ``run_jobs``)."""
    warnings = job.warnings
    gaps = np.diff(vals["principal"])
    close = (gaps < 1e-6) | (has_su and gaps < 3 * np.max(sus["principal"]))
    # shear components zero by symmetry (an orthorhombic or higher child): the principal directions are the axes,
    # whatever the values; only the order of values within their s.u.'s of each other is uncertain
    axes_fixed = job.zero is not None and bool(np.all(np.asarray(job.zero, bool)[3:]))
    if axes_fixed:  # values equal by symmetry (e11 = e22 of a tetragonal child) are no uncertain order
        close &= gaps >= 1e-6
        # and the directions are the axes, exactly, in the order of the values (principal_strains' diagonal rule): an
        # eigen-solver's pair within e11 = e22 is any rotation in their plane (sweep 17: PZT R3c gave (0.979, 0.206,
        # 0) with s.u.'s of 2.7 on a unit vector)
        from .strain_kernel import PRINCIPAL_TIE

        diag = np.diag(np.asarray(vals["e"], float))
        order = sorted(range(3), key=lambda i: diag[i])
        for k in (0, 1, 0):  # values tied (given as one) keep the axes' order: X before Y for e11 = e22
            if diag[order[k + 1]] - diag[order[k]] <= PRINCIPAL_TIE and order[k] > order[k + 1]:
                order[k], order[k + 1] = order[k + 1], order[k]
        vals = {**vals, "directions": np.eye(3)[:, order]}
        sus = {**sus, "directions": np.zeros((3, 3))}
    if np.any(close) and axes_fixed:
        warnings.append(WarningText("degenerate_principal_strains", job.child_label, "principal strains within their "
                                    "s.u.'s of each other: their order is uncertain (their directions are the axes, "
                                    "fixed by symmetry)"))
    elif np.any(close):
        warnings.append(WarningText("degenerate_principal_strains", job.child_label, "principal strains nearly "
                                    "degenerate: their directions are ill-defined (and so their s.u.'s)"))
        # a direction within a degenerate pair is any in their plane: no s.u. (finite differences gave 353). The
        # directions stay the eigenvectors of the values given (all three tied — no strain or an isotropic one —
        # every direction is principal)
        tied = np.zeros(3, bool)
        tied[:-1] |= close
        tied[1:] |= close
        sus = {**sus, "directions": np.where(tied[None, :], np.nan, sus["directions"])}
    beta0 = float(vals["ref_mapped"][4])
    if abs(beta0 - 90.0) > 1e-3:
        warnings.append(WarningText("eps13_oblique_reference", job.child_label, f"the reference has β = {beta0:.4g}° "
                                    "in the child basis, not 90°: ε13 = ½·c·cos β / c0 measures the child's "
                                    f"obliquity (here {float(vals['eps13']):.4g}), not a strain against the "
                                    f"reference; e13 = {format_su(vals['e'][0][2], sus['e'][0][2], 4)} is that "
                                    "strain"))
    split, e_sb, e_sb_su, e_nsb, e_nsb_su = {}, math.nan, math.nan, math.nan, math.nan
    if job.split_basis is not None:
        for k, name in enumerate(job.sb_components):
            split[name] = (float(vals["sb_values"][k]), float(sus["sb_values"][k]))
        for k, name in enumerate(job.nsb_components):
            split[name] = (float(vals["nsb_values"][k]), float(sus["nsb_values"][k]))
        e_sb, e_sb_su = float(vals["e_sb"]), float(sus["e_sb"])
        e_nsb, e_nsb_su = float(vals["e_nsb"]), float(sus["e_nsb"])
    return StrainResult(
        frame=frame, frame_description=FRAMES[frame], reference=job.ref_cell,
        reference_mapped=Cell(*(float(x) for x in vals["ref_mapped"]), su=_mapped_su(sus["ref_mapped"], has_su)),
        child=job.child_cell, P=job.P,
        F=vals["F"], e=vals["e"], e_su=sus["e"],
        eps13=float(vals["eps13"]), eps13_su=float(sus["eps13"]), eps13_definition=EPS13_DEFINITION,
        volume_strain=float(vals["vs"]), volume_strain_su=float(sus["vs"]),
        e_ss=float(vals["e_ss"]), e_ss_su=float(sus["e_ss"]),
        principal=vals["principal"], principal_su=sus["principal"],
        principal_directions=vals["directions"], principal_directions_su=sus["directions"],
        finite={k: (vals[k], sus[k]) for k in fin},
        sb_components=job.sb_components, nsb_components=job.nsb_components, split=split,
        e_sb=e_sb, e_sb_su=e_sb_su, e_nsb=e_nsb, e_nsb_su=e_nsb_su,
        reference_label=job.ref_label, child_label=job.child_label, reference_kind=job.reference_kind,
        has_su=has_su, warnings=tuple(warnings),
        V=float(vals["V"]), V_su=float(sus["V"]) if _any_su(job.child_cell) else math.nan,
        V0=float(vals["V0"]), V0_su=float(sus["V0"]) if _any_su(job.ref_cell) else math.nan,
    )


def _any_su(cell) -> bool:
    """True when ``cell`` (a Cell, or None) gives an s.u. for some parameter: a volume computed from a cell without
    any has none (not 0), whatever the other cell of the pair gives."""
    return cell is not None and any(s is not None and math.isfinite(s) for s in (cell.su or ()))


def _no_reference(child: Cell, label: str, frame: str, warnings: list[str]) -> StrainResult:
    """ε13 = ½·cos β (c0 = c) with its s.u. from β's; every other quantity NaN."""
    from .lattice import cos_degrees

    beta = math.radians(child.beta)
    eps = 0.5 * cos_degrees(child.beta)  # (exactly 0 at 90°)
    sb = child.su_array[4]
    has_su = bool(np.isfinite(sb))
    eps_su = 0.5 * math.sin(beta) * math.radians(sb) if has_su else math.nan
    if not has_su:
        warnings.append(WarningText("no_su", label, f"{label}: no s.u. for β: no s.u. is reported for ε13"))
    warnings.append(WarningText("no_reference", label, "no reference cell: only ε13 = ½·cos β (c0 = c "
                                "approximation) is defined"))
    if abs(child.alpha - 90.0) > 1e-3 or abs(child.gamma - 90.0) > 1e-3:
        warnings.append(WarningText("eps13_not_monoclinic", label, f"the cell is not monoclinic with b unique "
                                    f"(α = {child.alpha:.4g}°, γ = {child.gamma:.4g}°): ½·cos β = {eps:.4g} is the "
                                    "obliquity of its a and c, not a shear strain from an orthogonal parent; give a "
                                    "reference cell"))
    nan3 = np.full((3, 3), np.nan)
    return StrainResult(
        frame=frame, frame_description=FRAMES[frame], reference=None, reference_mapped=None, child=child,
        P=np.eye(3), F=nan3, e=nan3, e_su=nan3, eps13=eps, eps13_su=eps_su, eps13_definition=EPS13_NO_REFERENCE,
        volume_strain=math.nan, volume_strain_su=math.nan, e_ss=math.nan, e_ss_su=math.nan,
        principal=np.full(3, np.nan), principal_su=np.full(3, np.nan), principal_directions=nan3,
        principal_directions_su=nan3, reference_label="none (c0 = c)", child_label=label,
        reference_kind="none: c0 = c approximation, ε13 only", has_su=has_su, warnings=tuple(warnings),
    )
