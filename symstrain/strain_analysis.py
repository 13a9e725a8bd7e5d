"""The spontaneous strain of one child structure against its parent, as ``symstrain strain`` runs it:
:func:`analyse_strain` → :class:`StrainAnalysis`.

What lives here: the pipeline around :func:`symstrain.spontaneous_strain.strain` — the relation that gives P and
the symmetry-breaking components (or a P given by hand, with the relation still checked), the reference (the parent
cell, a baseline fitted to parent-phase cells evaluated at the child's temperature, or none: ε13 = ½·cos β only),
and every warning with its code. What does not: the strain numbers (``spontaneous_strain.py``, ``strain_math.py``),
fitting baselines (``reference.py``), reading CIFs or CSVs and printing (``cli/strain.py``).

Conventions as in ``spontaneous_strain.py`` and ``relation.py``: child basis = parent basis · P; temperatures K.

Warnings: those of the structures, the relation, the cell table and baseline (``series_read.py``, ``reference.py``)
and the strain (``spontaneous_strain.py``), plus this module's own, :data:`WARNING_CODES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import contract
from .errors import SymstrainInputError, WarningRecord, unique_warnings
from .phase import Phase
from .spontaneous_strain import StrainResult, strain

#: codes of the warnings this module adds itself
WARNING_CODES = {
    "relation_refuted": "the relation does not hold: the P given by hand is used",
    "p_overridden": "--P overrides the relation's P",
}


@dataclass(frozen=True, eq=False)
class StrainAnalysis:
    """The strain of ``child`` against ``parent`` (or against a baseline, or against nothing), with its inputs."""

    #: the strain itself
    result: StrainResult
    #: the parent structure (None with no reference) and the child structure
    parent: Phase | None
    child: Phase
    #: the verified relation that gave P and the symmetry-breaking components; None when it was refuted and P was
    #: given by hand, or without a parent
    relation: object | None
    #: the baseline fitted to parent-phase cells (``reference.CellBaseline``) and the temperature (K) and its s.u. at
    #: which it was evaluated; None when the reference is the parent cell itself
    baseline: object | None
    T: float | None
    T_su: float | None
    #: every warning (reading, relation, baseline, strain), each once, with its code
    warnings: tuple[WarningRecord, ...]

    def to_dict(self) -> dict:
        """The ``strain`` document of the JSON contract (``symstrain/schemas/strain.json``)."""
        d = self.result.to_dict()
        if self.relation is not None and np.allclose(self.relation.P, self.result.P):
            d["basis_change"] = contract.basis_change(self.relation.P, self.relation.p)
        d.update({
            "parent": None if self.parent is None else contract.structure(self.parent),
            "child": contract.structure(self.child),
            "relation": None if self.relation is None else self.relation.to_dict(),
            "baseline": None if self.baseline is None else {
                "T": contract.quantity(self.T, self.T_su),
                "fit": {k: v for k, v in self.baseline.to_dict().items() if k != "warnings"}},
        })
        return d

    def summary(self) -> str:
        """The strain in readable lines (warnings are not repeated: they travel in :attr:`warnings`)."""
        return self.result.summary(warnings=False)


def _positive(value, source: str, what: str) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise SymstrainInputError(source, f"must be {what}, got {value:g}")


def check_options(*, T=None, tol=0.08, max_strain=0.1, degree=2, theta_s=None, T_range=None) -> None:
    """:class:`SymstrainInputError` naming the option for a temperature ≤ 0 K, a tolerance or largest strain ≤ 0, a
    negative polynomial degree, Θs ≤ 0 or a baseline range below 0 K (checked before anything is read)."""
    _positive(T, "--temperature", "a temperature above 0 K")
    _positive(tol, "--tol", "a positive strain tolerance")
    _positive(max_strain, "--max-strain", "a positive strain")
    _positive(theta_s, "--theta-s", "a positive temperature in K")
    if degree is not None and degree < 0:
        raise SymstrainInputError("--degree", f"must be 0 or more, got {degree}")
    if T_range is not None and (T_range[0] < 0 or not T_range[0] <= T_range[1]):
        raise SymstrainInputError("--baseline-range", f"{T_range[0]:g}:{T_range[1]:g}: give 0 ≤ TMIN ≤ TMAX in K")


def analyse_strain(parent: Phase | None, child: Phase, *, P=None, sb_components=None, frame: str = "cstar",
                   finite=None, reference_cells=None, cells_source: str = "reference cells", baseline: str = "linear",
                   degree: int = 2, theta_s: float | None = None, T_range=None, T: float | None = None,
                   tol: float = 0.08, max_strain: float = 0.1) -> StrainAnalysis:
    """The strain of ``child`` against ``parent`` as ``symstrain strain`` computes it.

    ``parent`` None: no reference (ε13 = ½·cos β only; every other option that needs a parent is refused).
    Otherwise ``relate(parent, child, tol)`` gives P and the symmetry-breaking components: a relation that does not
    hold stops here (:class:`~symstrain.relation.NotSubgroupError`, the answer "no") unless ``P`` is given, then P is
    used without a split unless ``sb_components`` are given too. ``reference_cells``: a normalised cell table
    (``series.read_cells_csv``) of parent-phase cells in the parent basis; a baseline ``baseline`` ("linear",
    "poly" of ``degree``, "salje" with ``theta_s`` fixed or fitted) over ``T_range`` (K) is fitted to them and
    evaluated at ``T`` (K; default the child's temperature) as the reference.
    """
    check_options(T=T, tol=tol, max_strain=max_strain, degree=degree, theta_s=theta_s, T_range=T_range)
    if T is not None and reference_cells is None:
        raise SymstrainInputError("--temperature", "is used only with --reference-cells (the baseline is evaluated "
                                                   "at T)")
    if parent is None:
        if P is not None or sb_components is not None or reference_cells is not None:
            raise SymstrainInputError("--no-reference", "no reference cell: --P, --sb and --reference-cells need a "
                                                        "parent")
        r = strain(None, child, frame=frame)
        return StrainAnalysis(r, None, child, None, None, None, None,
                              tuple(unique_warnings(contract.warning_records(child.warnings, child.name)
                                                    + r.warning_records())))
    from .relation import relate

    warnings: list[WarningRecord] = []
    rel = relate(parent, child, tol=tol)
    warnings += rel.all_warnings()
    nsb = None
    if not rel.holds:
        if P is None:
            rel.require()
        warnings.append(WarningRecord("relation_refuted", child.name, f"relate failed ({rel.message()}); using --P"
                                      + ("" if sb_components is not None else
                                         " without a symmetry-breaking split (give --sb)")))
        rel = None
    else:
        if P is None:
            P = rel.P
        elif not np.allclose(P, rel.P):
            warnings.append(WarningRecord("p_overridden", child.name,
                                          f"--P overrides the relation's P = {rel.basis}"))
        if sb_components is None:
            sb_components, nsb = tuple(rel.symmetry_breaking_strain), tuple(rel.non_symmetry_breaking_strain)

    reference, kind, bl, T_su = parent, None, None, None
    if reference_cells is not None:
        from .reference import fit_cell_baseline
        from .series import table_cells

        if T is None:
            T, T_su = child.temperature, child.temperature_su
            if T is None:
                raise SymstrainInputError(child.source, "no temperature in the file: give --temperature for the "
                                                        "baseline")
            check_options(T=T)
        bl = fit_cell_baseline(reference_cells["T"], table_cells(reference_cells), model=baseline, degree=degree,
                               theta_s=theta_s, T_range=T_range, source=cells_source, exact=True)  # (as table)
        reference, kind = bl.cell_at(T), bl.describe(T)
        warnings += contract.warning_records(list(reference_cells.attrs.get("warnings", [])) + list(bl.warnings),
                                             cells_source)
    r = strain(reference, child, P, frame=frame, finite=finite, sb_components=sb_components, nsb_components=nsb,
               max_strain=max_strain, reference_kind=kind,
               labels=(cells_source if reference_cells is not None else parent.name, child.name))
    warnings += r.warning_records()
    return StrainAnalysis(r, parent, child, rel, bl, T if bl is not None else None, T_su,
                          tuple(unique_warnings(warnings)))
