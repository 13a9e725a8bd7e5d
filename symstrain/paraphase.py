"""Which rows of a series are the paraphase, and the reference cell and relations a strain table uses.

What lives here: :func:`choose_reference` — from the space group of every row of a normalised cell table
(``series_read.py``) pick the paraphase (the group with the most symmetry operations per unit volume), confirm with
:func:`~symstrain.relation.relate` that every other row's group is a subgroup of it (one relation per group, from
representative rows), and fit the baseline to the paraphase rows only — linear for ≥ 3 rows, a line through 2 rows
(no residual, no s.u. from the scatter), that cell for 1 row — or take an explicit parent cell, an explicit
baseline model and temperature range (rows of other groups inside the range are excluded, each named in a
warning), or baseline cells of their own. The answer is a :class:`ReferenceChoice`, which
:func:`symstrain.series.strain_table` accepts as its reference. Also :func:`group_of_rows` (group keys and
representative structures) and :func:`allowed_components` (strain components not zero by symmetry), which the
transition finder shares. What does not live here: the baseline fits themselves (``reference.py``), strain
(``strain_kernel.py``, ``series.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .errors import SymstrainInputError, WarningRecord
from .phase import CELL_NAMES, Cell, Phase, SpaceGroupInfo

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "no_paraphase": "no single paraphase among the rows' groups: P = identity, no relation used",
    "no_space_groups": "no space group is known for the rows",
    "baseline_row_excluded": "a row of another group inside the baseline range is left out of the baseline",
    "baseline_one_temperature": "the paraphase rows are all at one temperature: the first is the reference cell",
}

#: the options that replace the automatic choice, named in its text and in its errors
OVERRIDES = "--parent CIF, --baseline MODEL --baseline-range TMIN:TMAX, --baseline-cells CSV or --no-reference"
#: how the reason begins when relate() failed on a pair (a bug, not the scientific "not a subgroup")
INTERNAL = "internal error while relating:"


def refusal(group: str, paraphase, why: str) -> str:
    """'<group> is not a subgroup of the paraphase <P>: why', or '… could not be related to …' for an internal
    error (which is no answer about the groups)."""
    what = "could not be related to" if why.startswith(INTERNAL) else "is not a subgroup of"
    return f"{group} {what} the paraphase {paraphase}: {why}"


@dataclass(frozen=True, eq=False)
class ReferenceChoice:
    """How the reference of a strain table was chosen.

    ``mode``: "auto" (paraphase rows of the series), "parent" (an explicit parent structure), "baseline" (an
    explicit model fitted to paraphase rows in ``T_range``) or "baseline-cells" (a model fitted to other cells).
    ``model``: "linear", "line through 2 rows", "single cell", "poly", "salje" or "explicit cell".
    ``reference``: the :class:`~symstrain.phase.Cell` or :class:`~symstrain.reference.CellBaseline` every row is
    compared with (in the paraphase basis). ``paraphase``: group key (H-M symbol of the rows' setting) or None when
    the rows carry no group; ``groups``: key → :class:`~symstrain.phase.SpaceGroupInfo` of every group met.
    ``rows``: labels of the rows the baseline went through; ``T_range`` their temperature span (K).
    ``relations``: key → :class:`~symstrain.relation.Relation` from the paraphase to that group (None for the
    paraphase's own group); ``refuted``: key → reason, groups that are not subgroups of the paraphase (their rows
    cannot be compared with it). ``excluded``: (row label, group) left out of an explicit baseline range.
    """

    mode: str
    model: str
    reference: object
    paraphase: str | None
    groups: dict
    rows: tuple[str, ...]
    T_range: tuple[float, float] | None
    relations: dict
    refuted: dict
    excluded: tuple[tuple[str, str], ...] = ()
    source: str = ""
    warnings: tuple[WarningRecord, ...] = field(default_factory=tuple)

    @property
    def paraphase_group(self) -> SpaceGroupInfo | None:
        return self.groups.get(self.paraphase) if self.paraphase else None

    def describe(self) -> str:
        """One line: which reference, from which rows, how."""
        if self.mode == "parent":
            return f"reference: parent structure {self.source} ({self.paraphase}), one cell for every T"
        span = "" if self.T_range is None else (f"{self.T_range[0]:g} K" if self.T_range[0] == self.T_range[1]
                                                 else f"{self.T_range[0]:g}–{self.T_range[1]:g} K")
        what = {"linear": "linear fit of each lattice parameter", "poly": "polynomial fit of each lattice parameter",
                "salje": "Salje (coth) fit of each lattice parameter",
                "line through 2 rows": "line through 2 rows: no residual, no s.u. from the scatter",
                "single cell": "that one cell at every T (no temperature dependence)"}.get(self.model, self.model)
        if self.mode == "baseline-cells":
            return f"reference: {what} to the cells of {self.source} ({span})"
        who = f"paraphase {self.paraphase}" if self.paraphase else "rows"
        return f"reference: {who} ({len(self.rows)} row{'s' * (len(self.rows) != 1)}, {span}): {what}"

    def to_dict(self) -> dict:
        from . import contract

        para = self.paraphase_group
        return {
            "mode": self.mode,
            "model": self.model,
            "description": self.describe(),
            "paraphase": None if para is None else contract.spacegroup(para),
            "rows": list(self.rows),
            "T_range": None if self.T_range is None else list(self.T_range),
            "excluded": [{"row": r, "group": g} for r, g in self.excluded],
            "not_subgroups": [{"group": k, "reason": v} for k, v in self.refuted.items()],
            "overrides": OVERRIDES,
            "baseline": self.reference.to_dict() if hasattr(self.reference, "baselines") else None,
        }


# ------------------------------------------------------------------------------------------------ groups


def _baseline_group(cells) -> str | None:
    """The one space group the cells of a baseline table name (its ``spacegroup`` column), or None (none, or
    several)."""
    if "spacegroup" not in cells:
        return None
    keys = {str(k).strip() for k in cells["spacegroup"] if isinstance(k, str) and str(k).strip()}
    return keys.pop() if len(keys) == 1 else None


@lru_cache(maxsize=128)
def group_from_symbol(hm: str) -> SpaceGroupInfo:
    """The group of an H-M symbol of a setting gemmi knows (cached): for rows of a cell table, which carry no
    operators."""
    return SpaceGroupInfo.from_symbol(hm)


def group_of_rows(cells, phases=None) -> tuple[dict, dict]:
    """(key → SpaceGroupInfo, key → representative row indices) of the rows with a known group (``sg_number`` > 0).
    The key is the H-M symbol of the row's setting (column ``spacegroup``); ``phases`` aligned with the rows give
    the groups as read (operators included), else they are built from the symbol."""
    keys = cells["spacegroup"].astype(str).to_numpy()
    known = cells["sg_number"].to_numpy(dtype=int) > 0
    groups, rows = {}, {}
    for k in dict.fromkeys(keys[known]):
        idx = np.flatnonzero((keys == k) & known)
        rows[k] = idx
        groups[k] = phases[idx[0]].spacegroup if phases is not None else group_from_symbol(k)
    return groups, rows


def phase_of_row(cells, i: int, groups, phases=None) -> Phase:
    """The structure of row ``i``: the Phase read from its CIF, or one built from the row's cell and group (no
    atoms: enough for ``relate``, which uses the cell and the operators)."""
    if phases is not None:
        return phases[i]
    r = cells.iloc[i]
    su = tuple(None if not np.isfinite(r[f"{n}_su"]) else float(r[f"{n}_su"]) for n in CELL_NAMES)
    cell = Cell(*(float(r[n]) for n in CELL_NAMES), su=su)
    return Phase(cell, groups[r["spacegroup"]], (), source=str(r["file"]), block=str(r["block"]),
                 temperature=float(r["T"]))


def symmetry_density(sg: SpaceGroupInfo, cell_params) -> float:
    """Symmetry operations (centring included) per Å³ of the cell: larger for a supergroup of any setting."""
    from .lattice import volume

    return len(sg.symops.unique_indices()) / volume(np.asarray(cell_params, dtype=float))


def _nearest(T_from: np.ndarray, T_to: np.ndarray) -> int:
    """Index into T_from of the row nearest in temperature to any row of T_to (sorted search, O(n log n))."""
    to = np.sort(np.asarray(T_to, dtype=float))
    j = np.clip(np.searchsorted(to, T_from), 1, len(to) - 1) if len(to) > 1 else np.zeros(len(T_from), int)
    d = np.minimum(np.abs(T_from - to[j - 1 if len(to) > 1 else j]), np.abs(T_from - to[j]))
    return int(np.argmin(d))


def relate_groups(cells, para_key, groups, rows, phases=None, *, tol: float = 0.08, parent: Phase | None = None,
                  notes: list | None = None):
    """(relations, refuted): key → Relation from the paraphase (or ``parent``) to a representative row of every
    other group (the rows nearest in T to each other), key → reason where the group is not a subgroup. ``notes``
    (a list) receives the ``composition_differs`` warning of each related pair whose atoms differ (structures read
    from CIFs: a file of another compound or phase in the series), as ``relate`` gives it."""
    from .pairing import composition_warning
    from .relation import relate

    T = cells["T"].to_numpy(dtype=float)
    relations, refuted = {}, {}
    for key, idx in rows.items():
        if key == para_key:
            relations[key] = None
            continue
        if parent is not None:
            p_ph = parent
            c_ph = phase_of_row(cells, int(idx[_nearest(T[idx], np.array([parent.temperature or T[idx].mean()]))]),
                                 groups, phases)
        else:
            pidx = rows[para_key]
            p_ph = phase_of_row(cells, int(pidx[_nearest(T[pidx], T[idx])]), groups, phases)
            c_ph = phase_of_row(cells, int(idx[_nearest(T[idx], T[pidx])]), groups, phases)
        try:
            rel = relate(p_ph, c_ph, tol=tol, check_reverse=False)
        except SymstrainInputError as exc:
            refuted[key] = exc.problem
            continue
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # a bug of relate on these two: the rows are listed as failed, the rest goes on
            refuted[key] = f"{INTERNAL} {type(exc).__name__}: {exc}"
            continue
        if rel.holds:
            relations[key] = rel if rel.index > 1 else None
            note = composition_warning(c_ph, p_ph, rel.P, rel.p) if notes is not None else None
            if note is not None:
                notes.append(note)
        else:
            refuted[key] = rel.reason
    return relations, refuted


def allowed_components(sg: SpaceGroupInfo, cell_params, frame: str = "cstar") -> np.ndarray:
    """(6,) bool: the strain components (Voigt e11 … e12, in ``frame`` of this cell's basis) that the point group
    of ``sg`` allows to be non-zero; the others are zero by symmetry. The metric is first averaged over the group,
    so a measured cell slightly off its symmetry gives the same answer."""
    from .lattice import matrix_from_metric, metric
    from .tensors import cartesian_rotations, invariant_tensors

    R = np.unique(np.asarray(sg.rotations, dtype=float), axis=0)
    G = metric(np.asarray(cell_params, dtype=float))
    G = np.mean(np.swapaxes(R, -1, -2) @ G @ R, axis=0)
    A = matrix_from_metric(G, frame)
    basis = invariant_tensors(cartesian_rotations(R, A))
    return np.any(np.abs(basis) > 1e-8, axis=0) if len(basis) else np.zeros(6, bool)


# ------------------------------------------------------------------------------------------------ the choice


def _paraphase_key(cells, groups, rows) -> str:
    numbers = {int(groups[k].number) for k in groups}
    if len(numbers) == 1:
        k = next(iter(groups))
        failed = cells.attrs.get("failed", [])
        lost = (f" ({len(failed)} input(s) could not be read, which may hold it: "
                + "; ".join(f"{f['source']}: {f['problem']}" for f in failed[:3])
                + (" …" if len(failed) > 3 else "") + ")") if failed else ""
        raise SymstrainInputError("table", f"no paraphase row: every row read is {groups[k].hm} "
                                  f"({groups[k].number}), so the higher-symmetry reference is not among them{lost}; "
                                  f"give {OVERRIDES}")
    P = cells[list(CELL_NAMES)].to_numpy(dtype=float)
    dens = {k: symmetry_density(groups[k], P[rows[k][0]]) for k in groups}
    best = max(dens.values())
    top = [k for k in groups if dens[k] > best * (1 - 1e-6)]
    if len({groups[k].number for k in top}) > 1:
        raise SymstrainInputError("table", f"no single paraphase: {' and '.join(top)} have the same symmetry; "
                                  f"give {OVERRIDES}")
    return max(top, key=lambda k: len(rows[k]))


def _baseline_warnings(bl) -> list[WarningRecord]:
    """The warnings of a fitted :class:`~symstrain.reference.CellBaseline` as records (they belong in the envelope,
    not in the baseline's dictionary)."""
    from .contract import warning_records

    return warning_records(bl.warnings, source=bl.source)


def choose_reference(cells, phases=None, *, parent: Phase | None = None, model: str | None = None,
                     T_range: tuple[float, float] | None = None, baseline_cells=None, degree: int = 2,
                     theta_s: float | None = None, tol: float = 0.08) -> ReferenceChoice:
    """The reference of a strain table over ``cells`` (a normalised cell table; ``phases`` aligned with its rows
    when it came from CIFs). See the module docstring; the default (no option) is the automatic paraphase choice.

    ``parent``: an explicit parent structure (its cell at every T). ``model`` with ``T_range``: that baseline model
    ("linear", "poly" of ``degree``, "salje" with ``theta_s``) fitted to the paraphase rows inside the range.
    ``baseline_cells``: another normalised cell table whose cells (inside ``T_range`` if given) the model is fitted
    to. Raises :class:`SymstrainInputError` (one line, naming the options) when no reference can be chosen.
    """
    from .reference import fit_cell_baseline
    from .series_read import table_arrays as _arrays
    from .series_read import table_cells

    warnings: list[WarningRecord] = []
    groups, rows = group_of_rows(cells, phases)
    T = cells["T"].to_numpy(dtype=float)
    labels = cells["label"].astype(str).to_numpy()

    if parent is not None:
        pkey = parent.spacegroup.hm
        groups = {**groups, pkey: groups.get(pkey, parent.spacegroup)}
        rels, refuted = relate_groups(cells, pkey, groups, rows, phases, tol=tol, parent=parent, notes=warnings)
        return ReferenceChoice("parent", "explicit cell", parent.cell, pkey, groups, (), None, rels, refuted,
                               source=parent.name, warnings=tuple(warnings))

    para = None
    explicit = model is not None or baseline_cells is not None
    if groups:
        try:
            para = _paraphase_key(cells, groups, rows)
        except SymstrainInputError:
            if not explicit:
                raise
            para = next(iter(groups)) if len({g.number for g in groups.values()}) == 1 else None
            if para is None:
                warnings.append(WarningRecord("no_paraphase", "table", "no single paraphase among the rows' groups: "
                                              "P = identity, no relation is used"))
    elif not explicit:
        raise SymstrainInputError("table", "no space group is known for the rows, so the paraphase cannot be "
                                  f"chosen: give {OVERRIDES} (or a spacegroup column in the cell table)")
    rels, refuted = (relate_groups(cells, para, groups, rows, phases, tol=tol, notes=warnings) if para else ({}, {}))
    if not groups:
        warnings.append(WarningRecord("no_space_groups", "table", "no space group is known for the rows: "
                                      "P = identity and no row is checked against the paraphase"))

    if baseline_cells is not None:
        bc = baseline_cells
        keep = np.ones(len(bc), bool) if T_range is None else (
            (bc["T"].to_numpy(float) >= T_range[0]) & (bc["T"].to_numpy(float) <= T_range[1]))
        src = str(bc["file"].iloc[0]) if len(bc) else "baseline cells"
        sub = bc[keep]
        bl = fit_cell_baseline(sub["T"], _arrays(sub), model=model or "linear", degree=degree, theta_s=theta_s,
                               source=src, exact=True)
        warnings += _baseline_warnings(bl)
        bkey = _baseline_group(sub)
        if bkey is not None and bkey != para:
            # the baseline's cells name their group: it is the paraphase, and every row's group is related to it
            # (sweep 20: lawsonite's P2₁cn rows against a Pmcn baseline were "paraphase: η = 0 by symmetry")
            group = groups.get(bkey) or group_from_symbol(bkey)
            mid = 0.5 * (bl.T_min + bl.T_max)
            ref = Phase(table_cells(sub)[int(np.argmin(np.abs(sub["T"].to_numpy(float) - mid)))], group, (),
                        source=src, temperature=mid)
            para, groups = bkey, {**groups, bkey: group}
            rels, refuted = relate_groups(cells, para, groups, rows, phases, tol=tol, parent=ref, notes=warnings)
        return ReferenceChoice("baseline-cells", model or "linear", bl, para, groups, tuple(sub["label"].astype(str)),
                               (bl.T_min, bl.T_max), rels, refuted, (), src, tuple(warnings))

    in_para = np.ones(len(cells), bool) if para is None else (cells["spacegroup"].astype(str).to_numpy() == para)
    excluded: list[tuple[str, str]] = []
    if model is not None:
        if T_range is None:
            raise SymstrainInputError("--baseline", "say which rows are the paraphase: --baseline-range TMIN:TMAX "
                                      "(or give --baseline-cells CSV)")
        in_range = (T >= T_range[0]) & (T <= T_range[1])
        other = in_range & ~in_para
        excluded = [(labels[i], str(cells["spacegroup"].iloc[i]) or "unknown group") for i in np.flatnonzero(other)]
        for lab, g in excluded:
            warnings.append(WarningRecord("baseline_row_excluded", lab, f"{lab}: {g} is not the paraphase {para}: "
                                          "left out of the baseline"))
        use = in_range & in_para
        if not use.any():
            raise SymstrainInputError("--baseline-range", f"no {para or ''} row between {T_range[0]:g} and "
                                      f"{T_range[1]:g} K to fit the baseline to".replace("no  row", "no row"))
        sub = cells[use]
        bl = fit_cell_baseline(sub["T"], _arrays(sub), model=model, degree=degree, theta_s=theta_s,
                               source=f"{para or 'baseline'} rows", exact=True)
        warnings += _baseline_warnings(bl)
        name = "line through 2 rows" if model == "linear" and bl.n == 2 and not any(
            b.weighted for b in bl.baselines.values()) else model
        return ReferenceChoice("baseline", name, bl, para, groups, tuple(labels[use]), (bl.T_min, bl.T_max), rels,
                               refuted, tuple(excluded), "rows of the series", tuple(warnings))

    idx = np.flatnonzero(in_para)
    sub = cells.iloc[idx]
    span = (float(T[idx].min()), float(T[idx].max()))
    if len(idx) == 1 or np.ptp(T[idx]) == 0:
        cell = table_cells(sub)[0]
        if len(idx) > 1:
            warnings.append(WarningRecord("baseline_one_temperature", "table", f"the {len(idx)} paraphase rows are "
                                          f"all at {span[0]:g} K: the first is used as the reference cell"))
        return ReferenceChoice("auto", "single cell", cell, para, groups, (labels[idx[0]],), span, rels, refuted,
                               (), "rows of the series", tuple(warnings))
    exact = len(idx) == 2
    bl = fit_cell_baseline(sub["T"], _arrays(sub), model="linear", source=f"{para} rows", exact=exact)
    warnings += _baseline_warnings(bl)
    return ReferenceChoice("auto", "line through 2 rows" if exact else "linear", bl, para, groups,
                           tuple(labels[idx]), span, rels, refuted, (), "rows of the series", tuple(warnings))
