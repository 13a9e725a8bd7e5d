"""Symmetry-breaking reflections of a parent → child pair, derived, predicted and measured, as ``symstrain
reflections`` runs it: :func:`analyse_reflections` → :class:`ReflectionAnalysis`.

What lives here: the pipeline — the relation (found by ``relate`` or given as P, p and checked), every reflection of
the child cell to d_min classified, intensities predicted from the child structure, measured data sets classified
and summarised (one per temperature), η_intensity(T) of a series joined to a strain table — with every input
checked before anything is computed and every warning coded. What does not: the extinction algebra
(``conditions.py``), the classes (``reflection_classes.py``), intensities (``intensities.py``), reading files,
writing tables and figures (``cli/reflections.py``, ``plots/reflections.py``).

Conventions: relation as in ``relation.py`` (child basis = parent basis · P, x_parent = P·x_child + p,
(hkl)_child = (hkl)_parent · P); reflections indexed in the child cell; d in Å; temperatures K; predicted
intensities |F|² in the unit of the radiation (``intensity_unit``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import contract
from .errors import SymstrainInputError, WarningRecord, unique_warnings
from .phase import Phase

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "twinned_data": "twinned data: the SB classification uses the indices of one twin individual",
    "hkl_cell_mismatch": "the cell of a reflection file differs from the structure's",
    "strong_absent_reflections": "reflections absent in both groups are observed strong",
}


def _num(x):
    """A plain JSON number: None for NaN/inf."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


@dataclass(frozen=True, eq=False)
class MeasuredSet:
    """One measured data set classified against the relation."""

    #: the file it was read from and its format ("hklf4", "cif_refln", …)
    file: str
    format: str | None
    #: temperature (K) of the data set and its s.u. (None when unknown)
    T: float | None
    T_su: float | None
    #: the reflections (h, k, l, I, sigma, … as read) with class, zone, broken conditions and parent indices
    classified: pd.DataFrame
    #: per class: n, n_significant, mean_I, mean_I_over_sigma, sum_I, fraction_of_sum
    statistics: pd.DataFrame
    #: ΣI_SB/ΣI_all and η_intensity = √(ΣI_SB/ΣI_all) with s.u.'s from σ(I) (NaN unknown)
    sb_fraction: float
    sb_fraction_su: float
    eta_intensity: float
    eta_intensity_su: float

    def to_dict(self) -> dict:
        return {"file": self.file, "format": self.format, "T": contract.quantity(self.T, self.T_su),
                "statistics": [contract_row(r) for r in self.statistics.to_dict(orient="records")],
                "sb_fraction": contract.quantity(self.sb_fraction, self.sb_fraction_su),
                "eta_intensity": contract.quantity(self.eta_intensity, self.eta_intensity_su)}


@dataclass(frozen=True, eq=False)
class ReflectionAnalysis:
    """Everything ``symstrain reflections`` reports about one parent → child pair."""

    parent: Phase
    child: Phase
    #: the relation: "relate" (found) or "given" (P, p given and checked operation by operation)
    relation_source: str
    #: every reflection of the child cell to ``classes.dmin`` classified, with predicted intensities (column I)
    classes: object
    #: "xray", "neutron" or "electron", and the unit of F ("electrons", "fm", "Å")
    radiation: str
    unit: str
    #: predicted: n_SB, mean_I_SB, mean_I_allowed, sb_fraction (ΣI_SB/ΣI_all), eta_intensity
    predicted: dict
    #: the strongest predicted SB reflections, one per set of equivalents
    strongest: pd.DataFrame
    measured: tuple[MeasuredSet, ...]
    #: η_intensity(T) of two or more data sets (``intensities.eta_series``, plus eta_strain from a strain table),
    #: or None
    series: pd.DataFrame | None
    warnings: tuple[WarningRecord, ...]

    @property
    def P(self) -> np.ndarray:
        return self.classes.P

    @property
    def p(self) -> np.ndarray:
        return self.classes.p

    @property
    def intensity_unit(self) -> str:
        return f"{self.unit}^2"

    def series_table(self) -> pd.DataFrame | None:
        """The series as written to CSV: T with T_su, then the columns of ``series`` (``x`` beside ``x_su``)."""
        if self.series is None:
            return None
        s = self.series.copy()
        s.insert(1, "T_su", [next((m.T_su for m in self.measured if m.file == f), None) for f in s["file"]])
        if "eta_strain" in s and "eta_strain_su" not in s:
            s.insert(s.columns.get_loc("eta_strain") + 1, "eta_strain_su", np.nan)
        return s

    def to_dict(self) -> dict:
        """The ``reflections`` document of the JSON contract (``symstrain/schemas/reflections.json``)."""
        top = self.strongest[["h", "k", "l", "d", "I", "broken", "multiplicity"]].to_dict(orient="records")
        return {
            "parent": contract.structure(self.parent),
            "child": contract.structure(self.child),
            "relation_source": self.relation_source,
            **self.classes.to_dict(),
            "radiation": self.radiation,
            "intensity_unit": self.intensity_unit,
            "predicted": {k: (v if k == "n_SB" else _num(v)) for k, v in self.predicted.items()},
            "strongest_SB": [{k: (int(v) if k in ("h", "k", "l", "multiplicity") else
                                  v if k == "broken" else float(v)) for k, v in r.items()} for r in top],
            "measured": [m.to_dict() for m in self.measured],
            "eta_series": None if self.series is None else [contract_row(r) for r in
                                                            self.series_table().to_dict(orient="records")],
        }

    def summary(self) -> str:
        """Readable lines (warnings are not repeated: they travel in :attr:`warnings`)."""
        from .notation import basis_string, fmt_vector

        rc, c, pr = self.classes, self.classes.counts, self.predicted
        rad = {"xray": "X-ray", "neutron": "neutron", "electron": "electron"}[self.radiation]
        how = "found by relate" if self.relation_source == "relate" else "given by --P/--p"
        lines = [f"{rc.parent_group} → {rc.child_group}: P = {basis_string(self.P)}, p = {fmt_vector(self.p)} "
                 f"({how})",
                 "Broken parent reflection conditions (child indexing; parent indexing and operation in brackets):"]
        lines += ["  " + s for s in rc.summary_lines()] or ["  none"]
        lines.append(f"Reflections with d ≥ {rc.dmin:g} Å (full sphere, child cell): {c['allowed']} allowed in "
                     f"both, {c['SB']} symmetry-breaking, {c['absent']} absent in both")
        if c["SB"]:
            lines.append("  SB by zone: " + ", ".join(f"{k} {v}" for k, v in rc.sb_by_zone().items()))
            lines.append(f"Predicted ({rad}, |F|² in {self.unit}²): ⟨I_SB⟩ = {pr['mean_I_SB']:.4g}, "
                         f"ΣI_SB/ΣI_all = {pr['sb_fraction']:.4g}, η_intensity = {pr['eta_intensity']:.4g}")
            lines.append("Strongest SB reflections to monitor:")
            lines += [f"  {r.h:4d}{r.k:4d}{r.l:4d}  d = {r.d:.3f} Å  I = {r.I:.4g}  ({r.broken})"
                      for r in self.strongest.itertuples()] or [
                "  none: every SB reflection has |F|² = 0 in this structure (its distortion leaves them extinct; "
                "another child structure of the same group may not)"]
        from .notation import format_su

        for m in self.measured:
            st = m.statistics.set_index("class")
            tt = "T unknown" if m.T is None else f"T = {m.T:g} K"
            lines.append(f"Measured {Path(m.file).name} ({tt}): {int(st.loc['all', 'n'])} reflections, "
                         f"SB {int(st.loc['SB', 'n'])} (significant I > 3σ: {_count(st.loc['SB', 'n_significant'])}, "
                         f"⟨I/σ⟩ = {st.loc['SB', 'mean_I_over_sigma']:.3g}), ΣI_SB/ΣI_all = "
                         f"{format_su(m.sb_fraction, m.sb_fraction_su, 4)}, η_intensity = "
                         f"{format_su(m.eta_intensity, m.eta_intensity_su, 4)}")
        if self.series is not None:
            lines.append("η_intensity(T): " + ", ".join(f"{r.T:g} K: {r.eta_intensity:.4g}"
                                                        for r in self.series.itertuples()))
        return "\n".join(lines)


def _count(x) -> str:
    return "?" if x is None or x != x else str(int(x))


#: table columns that hold counts (integers, None where undefined)
_COUNTS = ("n", "n_SB", "n_significant", "n_SB_significant")


def contract_row(r: dict) -> dict:
    """One row of a table (CSV columns ``x`` beside ``x_su``) as a JSON row of the contract: every ``x`` with an
    ``x_su`` column a Quantity, counts as integers, other numbers plain (None where not finite), text as it is."""
    out = {}
    for k, v in r.items():
        if k.endswith("_su") and k[:-3] in r:
            continue
        if f"{k}_su" in r:
            out[k] = contract.quantity(v, r[f"{k}_su"])
        elif isinstance(v, str) or v is None:
            out[k] = v
        elif k in _COUNTS:
            out[k] = None if v != v else int(v)
        else:
            out[k] = _num(v)
    return out


# ------------------------------------------------------------------------------------------------ checks
def check_inputs(*, dmin, top=10, radiation="xray", indexing="child", hkl_data=(), temperatures=None,
                 strain_table=None) -> list:
    """Every option checked before anything is computed: d_min, top, radiation, indexing, the temperatures of the
    data sets (one per set, above 0 K; every set needs one in a series) and a strain table only with a series.
    Returns the temperature (K or None) of each data set."""
    from .intensities import check_radiation

    if not (isinstance(dmin, (int, float)) and math.isfinite(dmin) and dmin > 0):
        raise SymstrainInputError("--dmin", f"must be a positive number of Å, got {dmin}")
    if top < 1:
        raise SymstrainInputError("--top", f"must be at least 1, got {top}")
    check_radiation(radiation)
    if indexing not in ("child", "parent"):
        raise SymstrainInputError("--hkl-setting", f"unknown indexing {indexing!r}: use 'child' or 'parent'")
    if temperatures is not None:
        if len(temperatures) != len(hkl_data):
            raise SymstrainInputError("--temperatures", f"{len(temperatures)} temperatures for {len(hkl_data)} "
                                                        "--hkl files")
        bad = [T for T in temperatures if not (math.isfinite(T) and T > 0)]
        if bad:
            raise SymstrainInputError("--temperatures", f"{bad[0]:g} is not a temperature above 0 K")
        temps = [float(T) for T in temperatures]
    else:
        temps = [d.attrs.get("temperature") for d in hkl_data]
    if len(hkl_data) > 1:
        missing = [Path(str(d.attrs.get("source", "?"))).name for d, T in zip(hkl_data, temps) if T is None]
        if missing:
            raise SymstrainInputError("--temperatures", "a temperature series needs T for every --hkl file (none in "
                                                        f"{', '.join(missing)}): give --temperatures")
    if strain_table is not None and len(hkl_data) < 2:
        raise SymstrainInputError("--strain-table", "joins η_intensity(T) of a temperature series: give two or "
                                                    "more --hkl files")
    return temps


def _metric_misfit(G, G_ref) -> float:
    return float(np.max(np.abs(G - G_ref)) / np.max(np.abs(G_ref)))


# ------------------------------------------------------------------------------------------------ pipeline
def analyse_reflections(parent: Phase, child: Phase, *, dmin: float = 0.8, P=None, p=None,
                        radiation: str = "xray", hkl_data=(), temperatures=None, indexing: str = "child",
                        strain_table=None, strain_table_source: str = "strain table", top: int = 10,
                        tol: float = 0.08) -> ReflectionAnalysis:
    """Classify every reflection of the child cell to ``dmin`` (Å), predict intensities (``radiation``), and
    classify and summarise each measured data set of ``hkl_data`` (DataFrames of ``hkl.read_hkl``, indexed in the
    ``indexing`` cell, at ``temperatures`` K or those the files give).

    ``P``, ``p`` (``relation.py`` conventions) replace ``relate(parent, child, tol)``; each missing one is the
    identity / zero, and the pair is checked operation by operation. Two or more data sets make a series
    η_intensity(T), joined to the ``eta_strain`` column of ``strain_table`` (nearest T within 0.5 K). Every input
    is checked before anything is computed; a ``dmin`` above the largest d of the child cell is refused.
    """
    from .hkl import primary_individual
    from .intensities import RADIATIONS, check_radiation, classify_measured, eta_series, measured_summary
    from .intensities import predict_intensities
    from .correspondence import finite_strain_norm
    from .notation import basis_string
    from .reflection_classes import check_subgroup, largest_d, reflections_from_groups

    temps = check_inputs(dmin=dmin, top=top, radiation=radiation, indexing=indexing, hkl_data=hkl_data,
                         temperatures=temperatures, strain_table=strain_table)
    radiation = check_radiation(radiation)
    d_max = largest_d(child.cell)
    if dmin > d_max:
        raise SymstrainInputError("--dmin", f"{dmin:g} Å is above the largest d-spacing of the child cell, "
                                            f"{d_max:.4g} Å: no reflection to classify")
    warnings = contract.warning_records(list(parent.warnings) + list(child.warnings), child.name)
    if P is not None or p is not None:
        P = np.eye(3) if P is None else np.asarray(P, dtype=float)
        p = np.zeros(3) if p is None else np.asarray(p, dtype=float)
        check_subgroup(parent.spacegroup, child.spacegroup, P, p, source="--P/--p")
        source = "given"
        mis = finite_strain_norm(P.T @ parent.cell.metric() @ P, child.cell.metric())
        if not mis <= tol:  # relate's and modes' rule: a lattice outside the strain tolerance is no relation
            raise SymstrainInputError("--P", f"the child cell and the parent lattice mapped by P = {basis_string(P)} "
                                             f"differ by {mis:.4f} (finite strain), above --tol {tol:g}: check --P")
    else:
        from .pairing import on_atoms_origin
        from .relation import relate

        rel = on_atoms_origin(relate(parent, child, tol=tol).require(), warnings=False)[0]  # p: as relate prints it
        P, p, source = rel.P, rel.p, "relate"
        warnings += rel.all_warnings()
        from .pairing import kept_operations_warning

        kept = kept_operations_warning(rel)
        if kept is not None:
            warnings.append(kept)

    rc = reflections_from_groups(parent.spacegroup, child.spacegroup, P, p, child.cell, dmin)
    rc = rc.with_intensities(predict_intensities(child, rc.table[["h", "k", "l"]].to_numpy(), radiation))
    from .pairing import composition_warning

    note = composition_warning(child, parent, P, p, "the predicted intensities and η")
    if note is not None:
        warnings.append(note)
    warnings += list(rc.warnings)
    predicted = rc.intensity_summary(top)
    strongest = predicted.pop("strongest")

    measured = []
    for data, T in zip(hkl_data, temps):
        src = str(data.attrs.get("source", "hkl"))
        name = Path(src).name
        warnings += [WarningRecord(w.code, w.source, f"{name}: {w.message}")
                     for w in contract.warning_records(data.attrs.get("warnings", []), src)]
        if data.attrs.get("twinned"):
            data = primary_individual(data)
            warnings.append(WarningRecord("twinned_data", src, f"{name}: twinned data; SB classification uses the "
                                                                "indices of twin individual 1 only"))
        if data.attrs.get("cell"):
            from .phase import Cell

            ref = child.cell if indexing == "child" else parent.cell
            mis = _metric_misfit(Cell(*data.attrs["cell"]).metric(), ref.metric())
            if mis > 0.05:
                warnings.append(WarningRecord("hkl_cell_mismatch", src, f"{name}: its cell differs from the {indexing} "
                                              f"cell by {100 * mis:.0f} % of the metric: another crystal or another "
                                              "setting?"))
        cl = classify_measured(data, parent.spacegroup, child.spacegroup, P, p, indexing, conditions=rc.conditions)
        summ = measured_summary(cl)
        st_abs = summ["statistics"].set_index("class").loc["absent"]
        if st_abs["n"] and st_abs["n_significant"] == st_abs["n_significant"] and st_abs["n_significant"] > 0:
            warnings.append(WarningRecord("strong_absent_reflections", src, f"{name}: {int(st_abs['n_significant'])} "
                                          f"of {int(st_abs['n'])} reflections absent in both groups have I > 3σ: "
                                          "check the groups, the indexing (--hkl-setting) or twinning"))
        measured.append(MeasuredSet(src, data.attrs.get("format"), T, None, cl, summ["statistics"],
                                    summ["sb_fraction"], summ["sb_fraction_su"], summ["eta_intensity"],
                                    summ["eta_intensity_su"]))
    series = None
    if len(hkl_data) > 1:
        series = eta_series([primary_individual(d) for d in hkl_data], temps, parent.spacegroup, child.spacegroup,
                            P, p, indexing)
        if strain_table is not None:
            from .series import join_on_temperature

            cols = ["eta_strain"] + (["eta_strain_su"] if "eta_strain_su" in strain_table.columns else [])
            series = join_on_temperature(series, strain_table, cols, source=strain_table_source)
    return ReflectionAnalysis(parent, child, source, rc, radiation, RADIATIONS[radiation][1], predicted, strongest,
                              tuple(measured), series, tuple(unique_warnings(warnings)))
