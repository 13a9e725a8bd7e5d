"""Strain tables over many cells (temperature series): :func:`strain_table`, one numpy pass over the table.

What lives here
---------------
* :func:`strain_table` — one row per cell: lattice parameters, volume, reference cell at T, e_ij, ε13, volume
  strain, e_ss, e_sb, e_nsb, principal strains, η from strain (all with s.u.'s), sorted by T within each branch.
  Components zero by symmetry for a row's group are exactly 0 (s.u. 0); floating-point noise is never a value.
* :func:`join_on_temperature` — put columns of another table (η_intensity …) beside a strain table by T.
* The readers of a series (CSV, CIFs, Phases) live in ``series_read.py`` and are re-exported here
  (:func:`read_cells_csv`, :func:`read_series`, :func:`cells_from_phases`, :func:`table_cells`).

The strain of every row is computed by :func:`symstrain.strain_kernel.pair_strains` in one vectorised pass (no
Python loop over rows); the numbers are those of :func:`symstrain.spontaneous_strain.strain` row by row. The
automatic reference (paraphase rows, relations) is ``paraphase.py``; baselines are ``reference.py``; which strain
measures η and how is ``coupling.py``. Nothing here reads files, prints or plots.

Warnings (``attrs["warnings"]``, each a :class:`~symstrain.errors.WarningText` with source ``strain_table``; the
readers' warnings of the cell table come first): the codes are :data:`WARNING_CODES`.
"""

from __future__ import annotations

import numpy as np

from .contract import clean
from .coupling import COUPLINGS, coupling_of, eta_from_strain
from .errors import SymstrainInputError, WarningText
from .phase import CELL_NAMES, Cell, Phase
from .series_read import (BRANCH_ORDER, CELL_TABLE_COLUMNS, branch_from_name, cells_from_phases,  # noqa: F401
                          normalise_branch, read_cells_csv, read_series, table_cells)
from .strain_math import COMPONENTS

#: columns of the strain part of a table, each followed by its ``_su``
STRAIN_COLUMNS = ("e11", "e22", "e33", "e23", "e13", "e12", "eps13", "vs", "e_ss", "e_sb", "e_nsb", "eta_strain",
                  "eta2_strain", "principal1", "principal2", "principal3")
#: a strain below this magnitude is floating-point noise (exactly 0 in the table)
NOISE = 1e-12
#: codes of the warnings :func:`strain_table` adds (source ``strain_table``)
WARNING_CODES = {
    "no_su": "neither the reference nor the cell gives s.u.'s (or β has none without a reference): no s.u.",
    "no_reference": "no reference cell: only ε13 = ½·cos β (c0 = c) is defined",
    "reference_without_su": "the reference has no s.u.'s: its contribution to every s.u. is unknown",
    "cell_without_su": "cells without s.u.'s: their contribution to every s.u. is unknown",
    "su_treated_as_exact": "some lattice parameters have no s.u.: treated as exact",
    "eta_undefined": "the strain η is measured by is zero in every row: η_strain is undefined",
    "no_coupling": "no relation and no symmetry-breaking components: η_strain is not defined",
    "baseline_extrapolated": "the reference baseline is extrapolated farther from its fitted range than the range is "
                             "wide: those rows' strains depend on the extrapolation",
    "eps13_oblique_reference": "the reference's β in a row's basis is not 90°: ε13 measures the child's obliquity, "
                               "not a strain against the reference (e13 does)",
    "eta_without_transition": "every row is in one space group: η_strain (|ε13| normalised, no reference) measures "
                              "how the cell's obliquity varies, not an order parameter",
}
_SOURCE = "strain_table"


def _ref_arrays(reference, T):
    """(p0 (N, 6), s0 (N, 6), per-row description) of the reference at the rows' temperatures."""
    from .reference import CellBaseline

    N = len(T)
    if isinstance(reference, CellBaseline):
        p0, s0 = reference.cells_at(T), reference.su_at(T)
        d = _outside(reference, T)
        head = (f"{reference.model} baseline fitted to {reference.n} parent cells at "
                f"{reference.T_min:g}–{reference.T_max:g} K, evaluated at ")
        # f"{head}{t:g} K ({f'extrapolated {x:.4g} K beyond' if x > 0 else 'inside'} the fitted range)" of every
        # row, by %-templates filled for all rows at once (no Python step per row)
        def filled(template, args, per=1):
            return ("\0".join([template] * (len(args) // per)) % tuple(args)).split("\0") if args else []

        mids = np.full(N, "inside", dtype=object)
        mids[d > 0] = filled("extrapolated %.4g K beyond", d[d > 0].tolist())
        texts = _joined_texts(head, filled("%g", T.tolist()), " K (", mids.tolist(), " the fitted range)")
        if texts is not None:
            return p0, s0, texts
        args = [None] * (2 * N)
        args[0::2], args[1::2] = T.tolist(), mids.tolist()
        return p0, s0, np.array(filled(head.replace("%", "%%") + "%g K (%s the fitted range)", args, 2), dtype=object)
    cell = reference.cell if isinstance(reference, Phase) else reference
    p0 = np.tile(cell.params, (N, 1))
    s0 = np.tile(cell.su_array, (N, 1))
    return p0, s0, np.full(N, "explicit cell", dtype=object)


def _arrow_text_dtype():
    """pandas' default text dtype when it keeps text in arrow (pandas 3's ``str`` with pyarrow installed), else
    None (texts are Python objects there)."""
    import pandas as pd

    kind = pd.Series(["x"]).dtype
    return kind if isinstance(kind, pd.StringDtype) and kind.storage == "pyarrow" else None


def _texts_by_code(values: list, codes: np.ndarray):
    """The texts ``values[codes]``, row by row: pandas' text array when pandas keeps text in arrow (decoded by arrow
    from the codes: no Python text per row, nothing converted when the table is made), else an object array."""
    import pandas as pd

    kind = _arrow_text_dtype()
    if kind is None:
        return np.array(values, dtype=object)[codes]
    import pyarrow as pa

    text = pa.large_string()
    coded = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), pa.array(values, text))
    return pd.array(coded.cast(text), dtype=kind)


def _joined_texts(*parts):
    """The per-row texts made of ``parts`` (strings, the same in every row, or lists of one string per row) joined
    row by row, as pandas' text array when pandas keeps text in arrow (its default ``str`` dtype there): made by
    arrow's kernel, with no Python text per row, and handed to the table as it is (10⁵ rows of a long description:
    ~0.1 s less than Python texts converted by pandas). None elsewhere (the caller makes Python texts)."""
    import pandas as pd

    kind = _arrow_text_dtype()
    if kind is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    cols = [pa.scalar(x, text) if isinstance(x, str) else pa.array(x, text) for x in parts]
    return pd.array(pc.binary_join_element_wise(*cols, pa.scalar("", text)), dtype=kind)


def _outside(baseline, T) -> np.ndarray:
    """(N,) how far (K) each temperature lies outside the baseline's fitted range (0 inside)."""
    return np.maximum(np.maximum(baseline.T_min - T, T - baseline.T_max), 0.0)


def _oblique_reference_warning(p0, gP, gidx, labels, ok, warnings) -> None:
    """Warn when the reference mapped into a row's basis has β ≠ 90° (as ``strain()`` does for one pair): there
    ε13 = ½·c·cos β / c0 is the child's obliquity, not a strain against the reference; e13 is. ``gP`` (G, 3, 3)
    the P of each group of rows, ``gidx`` (N,) the group of each row: the rows of a group whose P is the identity
    keep the reference's own β (no metric built for them)."""
    from .lattice import metric

    beta0 = p0[:, 4].copy()
    moved = ~np.all(gP == np.eye(3), axis=(1, 2))[gidx]
    if moved.any():
        Ps = gP[gidx[moved]]
        G = np.swapaxes(Ps, -1, -2) @ metric(p0[moved]) @ Ps  # the reference's metric in each row's basis
        beta0[moved] = np.degrees(np.arccos(np.clip(G[:, 0, 2] / np.sqrt(G[:, 0, 0] * G[:, 2, 2]), -1.0, 1.0)))
    bad = ok & (np.abs(beta0 - 90.0) > 1e-3)
    if bad.any():
        warnings.append(WarningText(
            "eps13_oblique_reference", _SOURCE,
            f"the reference has β = {beta0[bad][0]:.4g}° in the basis of {_rows_text(labels[bad], int(ok.sum()))}, "
            "not 90°: there ε13 = ½·c·cos β / c0 measures the child's obliquity, not a strain against the "
            "reference; e13 is that strain"))


def _extrapolation_warning(reference, T, labels, warnings) -> None:
    """Warn when a baseline (:class:`~symstrain.reference.CellBaseline`) is evaluated farther outside its fitted
    temperature range than that range is wide (a line through 285–300 K carried down to 2 K): those rows' strains
    are the extrapolation's as much as the data's."""
    from .reference import CellBaseline

    if not isinstance(reference, CellBaseline):
        return
    d = _outside(reference, T)
    span = reference.T_max - reference.T_min
    far = d > max(span, 0.0)
    if far.any():
        warnings.append(WarningText(
            "baseline_extrapolated", _SOURCE,
            f"the {reference.model} baseline fitted to {reference.n} cells at {reference.T_min:g}–{reference.T_max:g} K "
            f"is extrapolated up to {d.max():.4g} K beyond that range, more than its width ({span:.4g} K), for "
            f"{_rows_text(labels[far], len(labels))}: their strains depend on the "
            "extrapolation; a wider paraphase range, --baseline-cells or --parent constrain it better"))


def _rows_text(labels, n_all: int) -> str:
    """"every row", the one label, or "N rows: the first three …" of ``labels`` (a list or an array: only the
    first three are read)."""
    n, first = len(labels), [str(x) for x in labels[:3]]
    if n == n_all and n_all > 1:
        return "every row"
    if n == 1:
        return first[0]
    return f"{n} rows: {', '.join(first)}{' …' if n > 3 else ''}"


def paraphase_split(group, params) -> tuple[tuple, tuple[str, ...]]:
    """(symmetry-breaking names, non-symmetry-breaking names) of a paraphase row: the split of its group against
    itself, the one ``relate`` gives ``strain`` for such a pair (:func:`~symstrain.ferroic.ferroic_character`):
    nothing breaks, and the non-symmetry-breaking strain is the strain the group leaves invariant (e11+e22+e33 for
    a cubic group — not the single components it allows, e11, e22, e33, whose norm is another quantity with
    another s.u. near 0). So e_nsb is one quantity in every row and in ``strain``. ``params``: a cell of the group,
    its metric first averaged over the group (as :func:`~symstrain.paraphase.allowed_components` does)."""
    from .ferroic import ferroic_character
    from .lattice import metric, params_from_metric

    R = np.unique(np.asarray(group.rotations, dtype=float), axis=0)
    G = metric(np.asarray(params, dtype=float))
    cell = Cell(*(float(x) for x in params_from_metric(np.mean(np.swapaxes(R, -1, -2) @ G @ R, axis=0))))
    return (), tuple(ferroic_character(group, group, np.eye(3), cell)["non_symmetry_breaking_strain"])


def _row_plan(table, choice, relations, P, sb_components, nsb_components):
    """Rows grouped by what they share: ``(gidx (N,), items)``, one item per group with its relation (or None),
    paraphase flag, space group (for zero-by-symmetry), P, split names and failure message (a group that is not
    a subgroup of the paraphase)."""
    import pandas as pd

    N = len(table)
    items = []
    if relations is not None:
        rels = list(relations)
        ids = np.array([id(r) for r in rels], dtype=np.int64)
        uniq, gidx = np.unique(ids, return_inverse=True)
        reps = {id(r): r for r in rels}
        for u in uniq:
            r = reps[int(u)]
            items.append({"rel": r, "para": r is None and sb_components is None,
                          "group": getattr(getattr(r, "child", None), "spacegroup", None), "fail": None})
    elif choice is not None:
        keys = table["spacegroup"].astype(str).to_numpy() if "spacegroup" in table else np.full(N, "")
        # np.unique(keys, return_inverse=True) without sorting 10⁵ texts: the distinct ones found by a hash table,
        # then sorted
        gidx, found = pd.factorize(np.asarray(keys, dtype=object), sort=True, use_na_sentinel=False)
        uniq = list(found)
        for key in uniq:
            if key in choice.refuted:
                from .paraphase import refusal

                items.append({"rel": None, "para": False, "group": None,
                              "fail": refusal(key, choice.paraphase, choice.refuted[key])})
                continue
            rel = choice.relations.get(key)
            items.append({"rel": rel, "para": rel is None and (key == choice.paraphase or key in choice.relations),
                          "group": choice.groups.get(key), "fail": None})
    else:
        gidx = np.zeros(N, dtype=int)
        items.append({"rel": None, "para": False, "group": None, "fail": None})
    for it in items:
        r = it["rel"]
        if r is not None and sb_components is None:
            it["plan"] = (r.P, tuple(r.symmetry_breaking_strain), tuple(r.non_symmetry_breaking_strain))
        elif r is not None:
            it["plan"] = (r.P, sb_components, nsb_components)
        else:
            it["plan"] = (P, sb_components, nsb_components)
    return np.asarray(gidx, dtype=int), items


def strain_table(cells, reference=None, *, P=None, sb_components=None, nsb_components=None, relations=None,
                 frame: str = "cstar", max_strain: float = 0.1, eta_from: str = "auto", progress=None,
                 chunk_map=None):
    """Strain of every cell of a series against a reference; a pandas DataFrame sorted by T within each branch.

    ``cells``: a normalised cell table (:func:`read_cells_csv`, :func:`read_series`, :func:`cells_from_phases`)
    or a list of Phases (their own temperatures; the rows of one group brought into one setting, as
    :func:`read_series` does).
    ``reference``: a :class:`~symstrain.paraphase.ReferenceChoice` (the automatic or explicit choice of
    :func:`~symstrain.paraphase.choose_reference`: its reference, and the relation of every row's group), a Cell or
    Phase (one explicit reference for every row), a :class:`~symstrain.reference.CellBaseline` (evaluated at each
    row's T, with its s.u.), or None (the "no reference" approximation c0 = c: only ε13 = ½·cos β is defined).
    ``P``, ``sb_components``, ``nsb_components``: as in :func:`~symstrain.spontaneous_strain.strain`, for every row;
    ``relations``: optional list aligned with the rows that supplies P and the symmetry-breaking components row by
    row (a Relation, or None for a row of the reference's own group; explicit ``sb_components`` still win).
    ``eta_from``: "auto" (default) — η from the strain the relation of each row couples to the order parameter
    (``coupling.py``: η ∝ e_sb, or η² ∝ e_sb or e_nsb; η = 0 in the paraphase), normalised to the largest value
    among the rows of one coupling and one family of groups (linked by subgroup relations: :func:`_families`) — or
    the name of a column whose |value| normalised to its maximum is
    ``eta_strain`` (ε13 without a reference). The s.u. of the maximum itself is not included.
    ``progress`` is accepted for compatibility and not used (the table is one numpy pass). ``chunk_map``: how the
    chunks of rows are computed (:func:`symstrain.strain_kernel.pair_strains`; default here, in order).

    Columns zero by symmetry for a row's space group (when known) are exactly 0 with s.u. 0 and listed in
    ``zero_by_symmetry``; |values| below 1e-12 are 0. A row whose strain cannot be computed is left out and listed
    in ``attrs["failed"]`` (``{"source", "problem", "file", "block"}``); ``attrs`` also hold ``warnings`` (coded
    one-line :class:`~symstrain.errors.WarningText`'s, :data:`WARNING_CODES`), ``frame``, ``frame_description``, ``reference``, ``eps13_definition``, ``eta_from`` and ``couplings``.
    """
    import pandas as pd

    from .paraphase import ReferenceChoice, allowed_components
    from .spontaneous_strain import EPS13_DEFINITION, EPS13_NO_REFERENCE, check_frame
    from .strain_kernel import pair_strains
    from .strain_math import FRAMES, as_P, check_cell, split_spec

    if isinstance(cells, (list, tuple)) and cells and isinstance(cells[0], Phase):
        from .series_settings import common_settings

        phases = list(cells)
        cells = common_settings(cells_from_phases(phases), phases)[0]  # one setting per group (series_settings.py)
    table = cells.reset_index(drop=True)
    for col, default in (("file", None), ("block", None), ("T_su", np.nan), ("sg_number", 0)):
        if col not in table:
            table[col] = default
    if table["T"].isna().any():
        bad = ", ".join(map(str, table.loc[table["T"].isna(), "label"].head(3)))
        raise SymstrainInputError(bad, "no temperature for this cell: a series needs every temperature")
    if relations is not None and len(relations) != len(table):
        raise SymstrainInputError("relations", f"{len(relations)} relations for {len(table)} cells")
    check_frame(frame)
    choice = reference if isinstance(reference, ReferenceChoice) else None
    if choice is not None:
        reference = choice.reference
    ref_desc = _describe_reference(reference, choice)
    warnings = list(cells.attrs.get("warnings", []))
    failed = list(cells.attrs.get("failed", []))
    N = len(table)
    labels = table["label"].astype(str).to_numpy()
    T = table["T"].to_numpy(dtype=float)
    p = table[list(CELL_NAMES)].to_numpy(dtype=float)
    s = table[[f"{n}_su" for n in CELL_NAMES]].to_numpy(dtype=float)

    gidx, items = _row_plan(table, choice, relations, P, sb_components, nsb_components)
    para = np.array([it["para"] for it in items], bool)[gidx]
    ok = np.ones(N, bool)
    for g, it in enumerate(items):
        if it["fail"]:
            for i in np.flatnonzero(gidx == g):
                ok[i] = False
                failed.append(_fail(table, i, it["fail"]))
    bad_cell = ~((p[:, :3] > 0).all(1) & (p[:, 3:] > 0).all(1) & (p[:, 3:] < 180).all(1) & np.isfinite(p).all(1))
    for i in np.flatnonzero(bad_cell & ok):
        ok[i] = False
        failed.append(_fail(table, i, f"impossible cell parameters {tuple(float(x) for x in p[i])}"))

    # columns as numpy arrays (the cell table's text columns as pandas' text arrays, as they are: not converted to
    # Python texts and back); one DataFrame at the end (masked and sorted once)
    out = {c: table[c].array if str(table[c].dtype) == "str" else table[c].to_numpy()
           for c in ("label", "file", "block", "T", "T_su", "branch", "spacegroup", "sg_number", "sg_detected")}
    for k, n in enumerate(CELL_NAMES):
        out[n], out[f"{n}_su"] = p[:, k], s[:, k]
    if reference is None:
        _no_reference_columns(out, p, s, frame, warnings)
        eps_def = EPS13_NO_REFERENCE
    else:
        eps_def = EPS13_DEFINITION
        if not isinstance(reference, (Cell, Phase)) and not hasattr(reference, "cells_at"):
            raise SymstrainInputError("reference", f"expected a Cell, Phase, CellBaseline or ReferenceChoice, got "
                                      f"{type(reference).__name__}")
        if isinstance(reference, (Cell, Phase)):
            check_cell(reference.cell if isinstance(reference, Phase) else reference, "reference")
        p0, s0, kinds = _ref_arrays(reference, T)
        _extrapolation_warning(reference, T, labels, warnings)
        # P and the split of every group of rows
        para_names = None
        if choice is not None and choice.paraphase_group is not None and sb_components is None:
            ip = np.flatnonzero(para)
            if len(ip):
                para_names = paraphase_split(choice.paraphase_group, p[ip[0]])
        splits, split_names, seen_split = [], [], {}
        gP = np.empty((len(items), 3, 3))
        g_split = np.full(len(items), -1)
        for g, it in enumerate(items):
            Pk, sbk, nsbk = it["plan"]
            if it["para"] and para_names is not None:
                sbk, nsbk = para_names
            gP[g] = as_P(Pk, "P")
            if sbk is None:
                continue
            skey = (tuple(sbk), None if nsbk is None else tuple(nsbk))
            if skey not in seen_split:
                sbn, nsbn, basis = split_spec(sbk, nsbk)
                seen_split[skey] = len(splits)
                splits.append(basis)
                split_names.append((sbn, nsbn))
            g_split[g] = seen_split[skey]
        split_of = g_split[gidx]
        same_P = all(np.array_equal(x, np.eye(3)) for x in gP)
        # zero by symmetry: per group of rows and frame, computed once (the principal strains are those of the tensor
        # with these components exactly 0, as the table gives it)
        g_zero = np.zeros((len(items), 6), bool)
        for g, it in enumerate(items):
            rows_g = np.flatnonzero(gidx == g)
            if it["group"] is not None and len(rows_g):
                g_zero[g] = ~allowed_components(it["group"], p[rows_g[0]], frame)
        zero = g_zero[gidx]
        r = pair_strains(p0, p, None if same_P else gP[gidx], s0=s0, s=s, frame=frame, splits=splits, split_of=split_of,
                         chunk_map=chunk_map, zero=zero)
        strays = cells.attrs.get("not_mapped", ())  # (series_settings: rows of a group on another lattice)
        mixed = frozenset(table.loc[table["label"].astype(str).isin(strays), "spacegroup"].astype(str)) if len(strays) \
            and "spacegroup" in table else frozenset()
        ok &= _invalid_and_incompatible(table, r, ok, max_strain, failed, mixed)
        _oblique_reference_warning(p0, gP, gidx, labels, ok, warnings)
        _su_notes(r, p0, s0, p, s, labels, ok, choice, reference, warnings)
        _strain_columns(out, r, p0, s0, np.abs(np.linalg.det(gP))[gidx], kinds, frame)
        _apply_zero(out, zero)
        zero_texts = [" ".join(c for c, z in zip(COMPONENTS, row) if z) for row in g_zero]
        out["zero_by_symmetry"] = _texts_by_code(zero_texts, gidx)
        g_nosb = np.array([k >= 0 and len(split_names[k][0]) == 0 for k in g_split], bool)
        no_sb = g_nosb[gidx]
        out["e_sb"][no_sb], out["e_sb_su"][no_sb] = 0.0, 0.0
        out["relation"] = _texts_by_code([_relation_text(it["rel"], it["para"]) for it in items], gidx)
    out["has_su"] = np.isfinite(s).any(axis=1) | (False if reference is None else np.isfinite(s0).any(axis=1))
    if reference is None:
        out["has_su"] = np.isfinite(s[:, 4])
    out["frame"] = _texts_by_code([frame], np.zeros(N, dtype=np.intp))
    out = {k: v if isinstance(v, pd.api.extensions.ExtensionArray) else np.asarray(v) for k, v in out.items()}
    if not ok.all():  # (else no copy here: the rows are taken in order below)
        out = {k: v[ok] for k, v in out.items()}
    couplings = _eta_columns(out, gidx[ok], items, reference, sb_components, eta_from, warnings)
    codes, branches = pd.factorize(np.asarray(out["branch"], dtype=object), use_na_sentinel=False)
    rank = np.array([BRANCH_ORDER.get(b, 3) if isinstance(b, str) else 3 for b in branches.tolist()], dtype=int)[codes]
    order = np.lexsort((out["T"].astype(float), rank))
    if np.array_equal(order, np.arange(len(order))):  # rows in order already (sorted input): no copy of each column
        out = _frame({k: out[k] for k in _column_order(out)})
    else:
        out = _frame({k: out[k][order] for k in _column_order(out)})
    out.attrs["warnings"] = list(dict.fromkeys(warnings))
    out.attrs["failed"] = failed
    out.attrs["frame"] = frame
    out.attrs["frame_description"] = FRAMES[frame]
    out.attrs["reference"] = ref_desc
    out.attrs["eps13_definition"] = eps_def
    out.attrs["eta_from"] = eta_from
    out.attrs["couplings"] = couplings
    return out


def _frame(columns: dict):
    """DataFrame of the columns without pandas' copy of them into one 2-D block (~0.1 s for 10⁵ rows × 70 columns):
    a numpy column is used as it is when it is an array of its own made here (owns its data, writeable, met once),
    else copied (a view of another array or of the cell table is never shared with the result); a pandas array
    (the cell table's text columns) is a copy of its own."""
    import pandas as pd

    seen, cols = set(), {}
    for k, v in columns.items():
        if isinstance(v, np.ndarray) and (not v.flags.owndata or not v.flags.writeable or id(v) in seen):
            v = v.copy()
        elif isinstance(v, pd.api.extensions.ExtensionArray):
            v = v.copy()  # a new array object (pandas' text: its data shared, immutable)
        seen.add(id(v))
        cols[k] = v
    return pd.DataFrame(cols, copy=False)


def _describe_reference(reference, choice) -> str:
    from .reference import CellBaseline

    if choice is not None:
        return choice.describe()[len("reference: "):]
    if reference is None:
        return "none: c0 = c approximation, ε13 only"
    if isinstance(reference, CellBaseline):
        return (f"{reference.model} baseline fitted to {reference.n} cells at "
                f"{reference.T_min:g}–{reference.T_max:g} K")
    return f"explicit cell {getattr(reference, 'name', '')}".strip()


def _fail(table, i, msg) -> dict:
    r = table.iloc[i]
    return {"source": str(r["label"]), "problem": " ".join(str(msg).split()),
            "file": None if r["file"] is None else str(r["file"]), "block": None if r["block"] is None else str(r["block"])}


def _relation_text(rel, is_para: bool) -> str:
    if is_para:
        return "paraphase"
    if rel is None:
        return ""
    kind, index = getattr(rel, "kind", None), getattr(rel, "index", None)
    return f"{kind}, index {index}" if kind and index else "given"


def _no_reference_columns(out, p, s, frame, warnings) -> None:
    from .lattice import cos_degrees, volume, volume_su

    N = len(p)
    out["V"] = volume(p)
    out["V_su"] = np.where(np.isfinite(s).any(axis=1), volume_su(p, s), np.nan)
    beta = np.radians(p[:, 4])
    out["eps13"] = 0.5 * cos_degrees(p[:, 4])  # (exactly 0 at 90°)
    out["eps13_su"] = 0.5 * np.sin(beta) * np.radians(s[:, 4])
    for n in ("e11", "e22", "e33", "e23", "e13", "e12", "vs", "e_ss", "e_sb", "e_nsb", "principal1", "principal2",
              "principal3"):
        out[n], out[f"{n}_su"] = np.full(N, np.nan), np.full(N, np.nan)
    out["reference_kind"] = np.full(N, "none: c0 = c approximation, ε13 only", dtype=object)
    out["zero_by_symmetry"], out["relation"] = np.full(N, "", dtype=object), np.full(N, "", dtype=object)
    if not np.isfinite(s[:, 4]).all():
        warnings.append(WarningText("no_su", _SOURCE, "no s.u. for β: no s.u. is reported for ε13 (" +
                                    _rows_text(out["label"][~np.isfinite(s[:, 4])], N) + ")"))
    warnings.append(WarningText("no_reference", _SOURCE,
                                "no reference cell: only ε13 = ½·cos β (c0 = c approximation) is defined"))


def _invalid_and_incompatible(table, r, ok, max_strain, failed, mixed=frozenset()) -> np.ndarray:
    """(N,) mask of rows whose strain exists and whose lattices correspond; failures appended. ``mixed``: the group
    keys whose rows are not one lattice (a row left ``setting_not_mapped``): a refusal of their rows says so."""
    keep = np.ones(len(ok), bool)
    for i in np.flatnonzero(~r.valid & ok):
        keep[i] = False
        failed.append(_fail(table, i, "the reference cell mapped by P is not a valid cell"))
    e = np.where(np.isfinite(r.e), r.e, 0.0)
    worst = np.argmax(np.abs(e), axis=1)
    big = (np.abs(e[np.arange(len(e)), worst]) > max_strain) | (np.abs(r.vs) > 3 * max_strain)
    for i in np.flatnonzero(big & ok & r.valid):
        keep[i] = False
        key = str(table["spacegroup"].iloc[i]) if "spacegroup" in table else ""
        why = (f"; the rows of {key} are not one lattice (setting_not_mapped) and the table uses one P per group: "
               "relate or strain this row alone" if key in mixed else "; wrong P or wrong reference?")
        failed.append(_fail(table, i, f"lattice incompatible with the reference mapped by P: "
                                      f"{COMPONENTS[worst[i]]} = {e[i, worst[i]]:.3g} and volume ratio "
                                      f"{r.V[i] / r.V0[i]:.4g} (|e_ij| > {max_strain:g}{why})"))
    return keep


def _su_notes(r, p0, s0, p, s, labels, ok, choice, reference, warnings) -> None:
    """The notes about missing s.u.'s, each said once with the rows it concerns (``r``: the kernel's result for
    ``p0``, ``s0``, ``p``, ``s``, whose masks of cells with s.u.'s are read, not made again)."""
    from .strain_kernel import missing_sus

    ref_has, child_has = r.ref_has_su, r.child_has_su
    ref_noted, child_noted = missing_sus(p0, s0, ref_has), missing_sus(p, s, child_has)
    n = int(ok.sum())
    none = ~(ref_has | child_has) & ok
    if none.any():
        warnings.append(WarningText("no_su", _SOURCE, "no standard uncertainties in the reference or the cell: "
                                    f"no s.u. is reported ({_rows_text(labels[none], n)})"))
    ref_name = "the reference" if choice is None else "the reference (" + choice.describe()[11:60] + "…)"
    if (child_has & ~ref_has & ok).any():
        warnings.append(WarningText("reference_without_su", _SOURCE, f"{ref_name} has no standard uncertainties: "
                                    "its contribution to every s.u. is unknown"))
    m = ref_has & ~child_has & ok
    if m.any():
        warnings.append(WarningText("cell_without_su", _SOURCE, "the cell has no standard uncertainties; its "
                                    f"contribution to every s.u. is unknown ({_rows_text(labels[m], n)})"))
    for noted, who in ((child_noted, None), (ref_noted, "reference")):
        rows = np.flatnonzero(noted.any(axis=1) & ok)
        if not len(rows):
            continue
        # the rows grouped by which s.u.'s they lack (a code per row, no Python step per row), in the order each
        # group's first row comes
        codes = noted[rows].astype(np.int64) @ (1 << np.arange(noted.shape[1], dtype=np.int64))
        distinct, first, which = np.unique(codes, return_index=True, return_inverse=True)
        for k in np.argsort(first, kind="stable").tolist():
            names = ", ".join(CELL_NAMES[j] for j in range(noted.shape[1]) if int(distinct[k]) >> j & 1)
            head = f"{who}: " if who else ""
            labs = labels[rows[which.reshape(-1) == k]]
            warnings.append(WarningText("su_treated_as_exact", _SOURCE,
                                        f"{head}no s.u. for {names}; treated as exact ({_rows_text(labs, n)})"))


def _strain_columns(out, r, p0, s0, detP, kinds, frame) -> None:
    """The strain table's columns of the reference, the volumes and the strains (``detP`` (N,) |det P| of each
    row: the reference's volume in its own basis is V0 / |det P|)."""
    out["V"] = r.V
    out["V_su"] = np.where(r.child_has_su, r.V_su, np.nan)
    for k, n in enumerate(CELL_NAMES):
        out[f"ref_{n}"], out[f"ref_{n}_su"] = p0[:, k], s0[:, k]
    out["ref_V"] = r.V0 / detP
    out["ref_V_su"] = np.where(r.ref_has_su, r.V0_su / detP, np.nan)
    out["reference_kind"] = kinds
    for k, n in enumerate(COMPONENTS):
        out[n], out[f"{n}_su"] = clean(r.e[:, k], 1.0, NOISE), r.e_su[:, k].copy()
    out["eps13"], out["eps13_su"] = clean(r.eps13, 1.0, NOISE), r.eps13_su.copy()
    out["vs"], out["vs_su"] = clean(r.vs, 1.0, NOISE), r.vs_su
    out["e_ss"], out["e_ss_su"] = clean(r.e_ss, 1.0, NOISE), r.e_ss_su
    out["e_sb"], out["e_sb_su"] = clean(r.e_sb, 1.0, NOISE), r.e_sb_su.copy()
    out["e_nsb"], out["e_nsb_su"] = clean(r.e_nsb, 1.0, NOISE), r.e_nsb_su
    for k in range(3):
        out[f"principal{k + 1}"] = clean(r.principal[:, k], 1.0, NOISE)
        out[f"principal{k + 1}_su"] = r.principal_su[:, k]


def _apply_zero(out, zero: np.ndarray) -> None:
    """Components zero by symmetry: value exactly 0, s.u. 0 (exact)."""
    for k, n in enumerate(COMPONENTS):
        m = zero[:, k]
        out[n][m], out[f"{n}_su"][m] = 0.0, 0.0
    m = zero[:, 4]  # e13 zero by symmetry: the child has β = 90° to rounding, so ε13 is zero too
    out["eps13"][m], out["eps13_su"][m] = 0.0, 0.0


def _eta_columns(out, gidx, items, reference, sb_components, eta_from, warnings) -> dict:
    """eta_strain, eta2_strain (with s.u.'s) and coupling; returns coupling → description of those used."""
    n = len(out["T"])
    for c in ("eta_strain", "eta_strain_su", "eta2_strain", "eta2_strain_su"):
        out[c] = np.full(n, np.nan)
    if n == 0:
        out["coupling"] = np.zeros(0, dtype=object)
        return {}
    if reference is None or eta_from != "auto":
        col = "eps13" if eta_from == "auto" else eta_from
        if col not in out:
            raise SymstrainInputError("--eta-from", f"no column {col!r} to normalise")
        vals = np.abs(np.asarray(out[col], dtype=float))
        m = np.nanmax(vals) if np.isfinite(vals).any() else np.nan
        if m > 1e-9 and np.isfinite(m):
            out["eta_strain"] = vals / m
            out["eta_strain_su"] = np.asarray(out[f"{col}_su"], float) / m if f"{col}_su" in out else np.full(n, np.nan)
            out["eta2_strain"] = (vals / m) ** 2
            out["eta2_strain_su"] = 2 * vals / m * out["eta_strain_su"]
        else:
            hint = (" (β = 90° in every row: no monoclinic shear; the strain of another child needs a reference: "
                    "--parent, or a paraphase row)" if reference is None and col == "eps13" else "")
            warnings.append(WarningText("eta_undefined", _SOURCE, f"{col} is zero in every row (max |{col}| ≤ 1e-9): "
                                        f"η_strain is undefined{hint}"))
        groups = set(np.asarray(out["spacegroup"], dtype=object).tolist()) if "spacegroup" in out else set()
        if reference is None and eta_from == "auto" and len(groups) == 1 and "" not in groups:
            # sweep 12: a spin-crossover complex at 163, 230 and 293 K, all P-1, got "η" = 0.49, 0.55, 1
            warnings.append(WarningText("eta_without_transition", _SOURCE, f"every row is in {groups.pop()}: the "
                                        "series has no symmetry change, so η_strain (|ε13| normalised to its largest "
                                        "value) measures how the cell's obliquity varies, not an order parameter"))
        out["coupling"] = np.full(n, f"|{col}| / max", dtype=object)
        return {f"|{col}| / max": f"η_strain = |{col}| normalised to its largest value in the table"}
    g_kind = []
    for it in items:
        if it["para"]:
            g_kind.append("none")
        elif it["rel"] is not None and sb_components is None:
            g_kind.append(coupling_of(it["rel"]))
        elif sb_components is not None:
            g_kind.append("linear" if len(tuple(sb_components)) else "quadratic_nsb")
        else:
            g_kind.append("unknown")
    kinds = np.array(g_kind, dtype=object)[gidx]
    out["coupling"] = _texts_by_code(g_kind, gidx)
    used = {}
    family = _families(items, g_kind)[gidx]
    for c, f in dict.fromkeys(zip(kinds.tolist(), family.tolist())):
        m = (kinds == c) & (family == f)
        if c == "unknown":
            warnings.append(WarningText("no_coupling", _SOURCE, "no relation and no symmetry-breaking components: "
                                        f"η_strain is not defined ({_rows_text(out['label'][m], n)}); give the "
                                        "relations or --sb"))
            continue
        eta, eta_su, eta2, eta2_su = eta_from_strain(c, out["e_sb"][m], out["e_nsb"][m], out["e_sb_su"][m],
                                                     out["e_nsb_su"][m], normalise=True)
        src = {"linear": "e_sb", "quadratic_sb": "e_sb", "quadratic_nsb": "e_nsb"}.get(c)
        if src is not None and not (np.nanmax(out[src][m], initial=0.0) > 1e-9):
            warnings.append(WarningText("eta_undefined", _SOURCE,
                                        f"{src} is zero in every row of coupling {c}: η_strain is undefined there"))
            continue
        out["eta_strain"][m], out["eta_strain_su"][m] = eta, eta_su
        out["eta2_strain"][m], out["eta2_strain_su"][m] = eta2, eta2_su
        used[c] = COUPLINGS[c]
    return used


def _families(items, kinds) -> np.ndarray:
    """(len(items),) int: a family number per group, for η's normalisation. Groups of one coupling (``kinds``) whose
    relations to the paraphase are known are one family when linked by subgroup relations (one a subgroup of the
    other, through intermediate groups too: lawsonite's Pmcn and P2₁cn, where the first order parameter lives on in the
    second phase); groups that are not (MAPbI₃'s I4/mcm and Pnma, two tilt systems of Pm-3m: sweep 11) are normalised
    each to its own largest value. Other groups are one family per coupling."""
    import itertools

    from .relation import relate

    root = list(range(len(items)))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    known = [i for i, it in enumerate(items) if isinstance(getattr(it["rel"], "child", None), Phase)
             and kinds[i] not in ("none", "unknown")]
    unknown = {}
    for i, it in enumerate(items):
        if i not in known:
            root[i] = unknown.setdefault(kinds[i], i)
    for a, b in itertools.combinations(known, 2):
        if kinds[a] != kinds[b] or find(a) == find(b):
            continue
        A, B = items[a]["rel"].child, items[b]["rel"].child
        for big, small in ((A, B), (B, A)):
            try:
                linked = relate(big, small, check_reverse=False).holds
            except SymstrainInputError:
                linked = False
            if linked:
                root[find(b)] = find(a)
                break
    return np.array([find(i) for i in range(len(items))], dtype=np.int64)


def _column_order(cols) -> list:
    front = ["label", "file", "block", "T", "T_su", "branch", "spacegroup", "sg_number", "sg_detected"] + [
        c for n in CELL_NAMES for c in (n, f"{n}_su")] + ["V", "V_su"]
    strain_cols = [c for n in STRAIN_COLUMNS for c in (n, f"{n}_su") if c in cols]
    rest = [c for c in cols if c not in front and c not in strain_cols]
    return [c for c in front if c in cols] + strain_cols + rest


def join_on_temperature(left, right, columns, *, tol: float = 0.5, source: str = "strain table"):
    """``left`` with ``columns`` of ``right`` added from the row of ``right`` nearest in T (within ``tol`` K; same
    ``branch`` when both tables have one). Rows without a partner get NaN. Used to put η_intensity(T) from measured
    intensities beside η_strain(T) from a strain table. Returns a new DataFrame; neither input is changed."""
    import pandas as pd

    missing = [c for c in ["T", *columns] if c not in right.columns]
    if missing:
        raise SymstrainInputError(source, f"missing column(s) {', '.join(missing)}")
    out = left.copy()
    for c in columns:
        out[c] = np.nan
    use_branch = "branch" in left.columns and "branch" in right.columns
    rT = pd.to_numeric(right["T"], errors="coerce").to_numpy(float)
    for i, row in enumerate(left.itertuples(index=False)):
        T = float(getattr(row, "T"))
        if not np.isfinite(T):
            continue
        ok = np.isfinite(rT)
        if use_branch and getattr(row, "branch", ""):
            ok &= right["branch"].to_numpy() == getattr(row, "branch")
        if not ok.any():
            continue
        d = np.where(ok, np.abs(rT - T), np.inf)
        j = int(np.argmin(d))
        if d[j] <= tol:
            for c in columns:
                out.iloc[i, out.columns.get_loc(c)] = right.iloc[j][c]
    return out
