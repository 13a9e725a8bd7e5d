"""Reading the atom sites of one CIF data block (``_atom_site_*``, ``_atom_site_aniso_*``) into
:class:`~symstrain.phase.Atom` records, and the check that the cell has room for them.

What lives here: the element from the type symbol or the label, coordinates (fractional, also written as
fractions such as ``1/4``, or Cartesian with the file's matrix), occupancies, U or B, anisotropic U,
disorder groups; skipping sites without coordinates or element, merging coincident duplicate sites, and
:func:`check_room` (volume per atom, atoms in the expanded cell). The rules and the plausibility limits
are stated once, in ``cif_values.py``'s docstring, and their values are the constants there. Called by
``cif.phase_from_block``; nothing here opens files. The space group is ``cif_spacegroup.py``'s; reading whole
columns of plain numbers at once is ``cif_columns.py``'s (what is not plain is read here, entry by entry).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from . import cif_values as values
from .cif_columns import Columns, null_or_plain, plain_columns, within
from .errors import SymstrainInputError, WarningText
from .phase import Atom

_EIGHT_PI2 = 8.0 * math.pi**2
#: coordinates equal to this many decimals (fractional, modulo 1) make two sites coincident
_DUPLICATE_DECIMALS = 5


def _listing(names, k=6) -> str:
    return ", ".join(names[:k]) + (" …" if len(names) > k else "")


_LETTERS = re.compile(r"^([A-Za-z]{1,2})")


@lru_cache(maxsize=4096)
def _element_from(symbol: str | None, strict_case: bool) -> str | None:
    """Element symbol from a type symbol ('Ta5+', 'O2-', 'Fe') or a site label ('Ca1', 'O2', 'Dw'): decided by its
    first one or two letters alone (:func:`_element_of_letters`, met once per spelling: C1 … C385 are one)."""
    if not symbol:
        return None
    m = _LETTERS.match(symbol)
    return _element_of_letters(m.group(1), strict_case) if m else None


@lru_cache(maxsize=1024)
def _element_of_letters(letters: str, strict_case: bool) -> str | None:
    """The element of a symbol's leading letters (one or two): the two-letter element when it exists (and, with
    ``strict_case``, the second letter is lower case: 'CA1' is C), else the one-letter one, else None."""
    import gemmi

    def valid(s):
        s = s[0].upper() + s[1:].lower()
        return s if gemmi.Element(s).atomic_number > 0 or s == "D" else None

    if len(letters) == 2 and (not strict_case or letters[1].islower()):
        e = valid(letters)
        if e:
            return e
    e = valid(letters[0])
    if e:
        return e
    if len(letters) == 2:
        return valid(letters)
    return None


def _formula_elements(formula: str | None) -> set[str] | None:
    if not formula:
        return None
    found = set(re.findall(r"([A-Z][a-z]?)", formula))
    return found or None


def _elements(label_text, types, complete, formula_elements) -> tuple[list, list[str]]:
    """(element or None of each site, notes on elements guessed from labels): the type symbol's element, else the
    label's (a water 'Wat…' is O unless the formula has W); sites without coordinates are left None, unnoted."""
    if types is None:
        elements = [None] * len(label_text)
    else:
        type_text = values.texts(types)
        of_type = {t: _element_from(t, strict_case=False) for t in set(type_text) if t not in values.NULL_TEXTS}
        elements = [of_type.get(t) for t in type_text]
    notes = []
    for i, element in enumerate(elements):
        if element is not None or not complete[i]:
            continue
        label = label_text[i]
        element = _element_from(label, strict_case=True)
        in_formula = formula_elements is None or element in formula_elements or (
            element == "D" and "H" in formula_elements)
        if label.lower().startswith("wat") and not (formula_elements and "W" in formula_elements):
            element = "O"  # 'Wat1': a water oxygen, not tungsten
            notes.append(f"{label}→O")
        elif element is not None and not in_formula:
            notes.append(f"{label}→{element} (not in the formula)")
        elements[i] = element
    return elements, notes


def _u_value(raw, scale, what, label, source, warnings_u) -> float | None:
    """U (Å²) from a U or B item (``scale`` 1 or 1/8π²): None when absent or text (noted in ``warnings_u``);
    refused when not finite or outside the plausible range."""
    try:
        v = values.parse_number(raw)[0]
    except values.NotFiniteError:
        raise SymstrainInputError(
            source, f"atom {label!r}: {what} {values.unquote(raw)!r} is not a finite number") from None
    except ValueError:
        warnings_u.append(f"{label} {what} {values.unquote(raw).strip()!r}")
        return None
    if v is None:
        return None
    u = v * scale
    lo, hi = values.U_RANGE
    if not lo <= u <= hi:
        raise SymstrainInputError(
            source, f"atom {label!r}: {what} {values.unquote(raw).strip()!r} gives U = {u:g} Å², outside the "
            f"plausible range {lo:g}…{hi:g} Å²")
    return u


def _coordinates(coords_raw, labels, kind, source, plains, dummy):
    """(xyz (n, 3), xyz_su (n, 3) NaN where unknown, complete (n,) bool): '?'/'.' leave a site incomplete, and so
    does ``dummy`` (n,) bool, whose coordinates are not read. ``plains``: :func:`plain_column` of each column."""
    n = len(coords_raw[0])
    xyz = np.zeros((n, 3))
    xyz_su = np.full((n, 3), np.nan)
    complete = ~dummy
    for k in range(3):
        plain = plains[k]
        if plain is not None and (kind != "fract" or np.abs(plain[0][~dummy]).max(initial=0) <= values.MAX_ABS_FRACT):
            xyz[:, k], xyz_su[:, k] = plain
            continue
        for i, raw in enumerate(coords_raw[k]):
            if dummy[i] or values.is_null(raw):
                complete[i] = False
                continue
            try:
                v, s = values.parse_number(raw, fractions=True)
            except ValueError as exc:
                raise SymstrainInputError(
                    source, f"atom {values.unquote(labels[i])!r}: coordinate _atom_site_{kind}_{'xyz'[k]} = "
                    f"{values.unquote(raw)!r} {values.not_a_number(exc)}") from None
            if kind == "fract" and abs(v) > values.MAX_ABS_FRACT:
                raise SymstrainInputError(
                    source, f"atom {values.unquote(labels[i])!r}: fractional coordinate _atom_site_fract_{'xyz'[k]} "
                    f"= {values.unquote(raw)!r} is outside ±{values.MAX_ABS_FRACT:g} (not a position in or near the "
                    "cell)")
            xyz[i, k] = v
            if s is not None:
                xyz_su[i, k] = s
    return xyz, xyz_su, complete


def read_atoms(block, source, cell, warnings, formula=None) -> list[Atom]:
    """The atom sites of ``block`` (rules in ``cif.py``'s docstring, limits in ``cif_values.py``'s); warnings appended
    to ``warnings``."""
    column = Columns(block)
    labels = column("_atom_site_label")
    types = column("_atom_site_type_symbol")
    fx = [column(f"_atom_site_fract_{k}") for k in "xyz"]
    cart = [None] * 3 if fx[0] is not None else [column(f"_atom_site_Cartn_{k}") for k in "xyz"]
    if fx[0] is not None:
        if any(c is None for c in fx):
            raise SymstrainInputError(source, "_atom_site_fract_x, _y and _z are not all present")
        coords_raw, kind = fx, "fract"
    elif cart[0] is not None:
        if any(c is None for c in cart):
            raise SymstrainInputError(source, "_atom_site_Cartn_x, _y and _z are not all present")
        coords_raw, kind = cart, "Cartn"
    else:
        hint = ""
        if any(block.find_values(t) for t in ("_refln_index_h", "_twin_refln_index_h", "_diffrn_refln_index_h")):
            hint = ": this block holds reflection data, not a structure"
        raise SymstrainInputError(source, f"no atom sites (_atom_site_fract_x/y/z){hint}")
    n = len(coords_raw[0])
    if labels is None:
        labels = [f"{(values.unquote(t) if types else 'X')}{i + 1}" for i, t in enumerate(types or [""] * n)]
    cols = {
        "occ": column("_atom_site_occupancy"),
        "uiso": column("_atom_site_U_iso_or_equiv"),
        "biso": column("_atom_site_B_iso_or_equiv"),
        "dis": column("_atom_site_disorder_group"),
        "calc": column("_atom_site_calc_flag"),
    }
    for name, col in [("label", labels), ("type", types), *[(k, c) for k, c in cols.items()]]:
        if col is not None and len(col) != n:
            raise SymstrainInputError(source, f"_atom_site_ columns have different lengths ({name})")

    # the numbers of plain columns, all read in one pass when every entry is plain; columns that pass every check are
    # used at once (the per-atom path gives the same numbers and says what is wrong with the others)
    plain = plain_columns([*coords_raw, cols["occ"], cols["uiso"], cols["biso"]])
    # a dummy site (calc flag 'dum': a ring centroid, or hydrogens not located, parked at -1,-1,-1 with an occupancy
    # counting them) is no atom: left out before anything is read of it
    dummy = np.zeros(n, dtype=bool) if cols["calc"] is None else np.array(
        [t.lower() == "dum" for t in values.texts(cols["calc"])], dtype=bool)
    xyz, xyz_su, complete = _coordinates(coords_raw, labels, kind, source, plain[:3], dummy)
    if kind == "Cartn":
        xyz[complete], xyz_su[complete] = _cartesian_to_fractional(block, source, cell, xyz[complete],
                                                                   xyz_su[complete], warnings)
    aniso = _read_aniso(column, source, warnings)
    label_text = values.texts(labels)
    elements, from_label_notes = _elements(label_text, types, complete, _formula_elements(formula))
    keep = [i for i in range(n) if complete[i] and elements[i] is not None]
    no_xyz = [] if complete.all() else [label_text[i] for i in range(n) if not complete[i] and not dummy[i]]
    dummies = [label_text[i] for i in np.flatnonzero(dummy)]
    skipped = [label_text[i] for i in range(n) if complete[i] and elements[i] is None]
    occ, u_iso, q_occ, over_one, text_u = _occupancies_and_u(cols, plain[3:], keep, label_text, source)
    zero_occ = [label_text[i] for i, o in zip(keep, occ) if o == 0]
    neg_u = [f"{label_text[i]} {u:g}" for i, u in zip(keep, u_iso) if u is not None and u < 0]
    dis_text = [""] * n if cols["dis"] is None else [
        "" if t in values.NULL_TEXTS else t for t in values.texts(cols["dis"])]
    # one array per structure, each atom's coordinates a row of it (the atoms' own, as no other atom shares a row)
    xyz_kept, su_kept = xyz[keep], xyz_su[keep]
    atoms = [Atom(label_text[i], elements[i], x, s, o, u, aniso.get(label_text[i]), dis_text[i])
             for i, x, s, o, u in zip(keep, xyz_kept, su_kept, occ, u_iso)]

    def warn(code, message):
        warnings.append(WarningText(code, source, message))

    if from_label_notes:
        warn("element_from_label", "element guessed from the site label: " + _listing(from_label_notes))
    if skipped:
        warn("site_without_element",
             f"{len(skipped)} atom site(s) with no recognisable element skipped: {_listing(skipped)}")
    if dummies:
        warn("dummy_site", f"{len(dummies)} dummy site(s) (_atom_site_calc_flag 'dum': no atom) skipped: "
                           f"{_listing(dummies)}")
    if no_xyz:
        warn("site_without_coordinates",
             f"{len(no_xyz)} atom site(s) with an unknown ('?' or '.') coordinate skipped: {_listing(no_xyz)}")
    if q_occ:
        warn("occupancy_unknown", f"occupancy '?' taken as 1 for {len(q_occ)} site(s): {_listing(q_occ)}")
    if over_one:
        warn("occupancy_above_one", f"occupancy above 1 kept as written for {len(over_one)} site(s): "
                                    f"{_listing(over_one)}")
    if zero_occ:
        warn("zero_occupancy", f"{len(zero_occ)} site(s) with occupancy 0 kept in the atom list but left out of "
                               f"symmetry detection: {_listing(zero_occ)}")
    if neg_u:
        warn("negative_u", f"negative U_iso (not physical; kept as written) for {len(neg_u)} site(s): "
                           f"{_listing(neg_u)}")
    if text_u:
        warn("u_not_number", f"displacement parameter(s) that are not numbers ignored: {_listing(text_u)}")
    groups = sorted({a.disorder_group for a in atoms if a.disorder_group})
    if groups:
        n_dis = sum(1 for a in atoms if a.disorder_group)
        note = f"disorder: {n_dis} site(s) in disorder group(s) {', '.join(groups)}"
        if cols["occ"] is None:
            note += "; the file gives no occupancies, so every site is taken as fully occupied"
        warn("disorder", note)
    elif cols["dis"] is not None and cols["occ"] is None:
        warn("disorder", "the file has an _atom_site_disorder_group column (no group given) but no occupancies: "
                         "every site is taken as fully occupied")
    if not atoms:
        if dummies and len(dummies) == n:
            raise SymstrainInputError(source, "every atom site is a dummy (_atom_site_calc_flag 'dum'): no atoms")
        if no_xyz:
            raise SymstrainInputError(source, f"no atom site with known coordinates ({len(no_xyz)} with '?' or '.')")
        raise SymstrainInputError(source, "no atom site with a recognisable element")
    atoms = _merge_duplicates(atoms, source, warnings, xyz_kept)
    seen: dict[str, int] = {}
    for a in atoms:
        seen[a.label] = seen.get(a.label, 0) + 1
    shared = [f"{lab} ({k} sites)" for lab, k in seen.items() if k > 1]
    if shared:  # the numbers do not use labels; per-atom tables do, and their rows could not be told apart
        warn("duplicate_labels", f"{len(shared)} label(s) name more than one site, so per-atom output rows with them "
                                 f"cannot be told apart: {_listing(shared)}")
    return atoms


def _occupancies_and_u(cols, plain, keep, label_text, source):
    """(occupancies, U_iso or None, sites with occupancy '?', 'label occ' of occupancies above 1, 'label item text'
    of U's that are not numbers) of the sites ``keep``: column-wise where a column holds only plain numbers within
    the limits and nulls, else site by site (which refuses a bad value at the first site that has one, an occupancy
    before the U of the same site, as it always has)."""
    occ_col, uiso_col, biso_col = cols["occ"], cols["uiso"], cols["biso"]
    occ = u_iso = None
    q_occ, over_one, text_u = [], [], []
    if occ_col is None:
        occ = [1.0] * len(keep)
    else:
        known = null_or_plain(occ_col, plain[0], 1.0, (0.0, values.MAX_OCCUPANCY))
        if known is not None:
            v, text = known
            occ = [1.0 if o != o else o for o in v[keep].tolist()]  # (NaN: '?' or '.', taken as 1)
            if text is not None:
                q_occ = [label_text[i] for i in keep if text[i] == "?"]
            over_one = [f"{label_text[i]} {o:g}" for i, o in zip(keep, occ) if o > 1.0 + 1e-6]
    uiso_all = within(plain[1], 1.0, values.U_RANGE)
    # B for every site only when no site gives a U (else U where given, B where U is unknown, below)
    biso_all = None if uiso_col is not None else within(plain[2], 1.0 / _EIGHT_PI2, values.U_RANGE)
    if uiso_all is not None or biso_all is not None:  # a whole column of numbers: used for every site
        u_iso = (uiso_all if uiso_all is not None else biso_all)[keep].tolist()
    elif uiso_col is None and biso_col is None:
        u_iso = [None] * len(keep)
    else:  # U where given, else B, else none
        ku = None if uiso_col is None else null_or_plain(uiso_col, plain[1], 1.0, values.U_RANGE)
        kb = None if biso_col is None else null_or_plain(biso_col, plain[2], 1.0 / _EIGHT_PI2, values.U_RANGE)
        if (ku is not None or uiso_col is None) and (kb is not None or biso_col is None):
            nan = [math.nan] * len(keep)
            u_iso = [None if u != u and b != b else (u if u == u else b)
                     for u, b in zip(nan if ku is None else ku[0][keep].tolist(),
                                     nan if kb is None else kb[0][keep].tolist())]
    if occ is not None and u_iso is not None:
        return occ, u_iso, q_occ, over_one, text_u
    occ_sites, u_sites = [], []
    for k, i in enumerate(keep):
        label = label_text[i]
        occ_sites.append(occ[k] if occ is not None else _occupancy(occ_col, i, label, source, q_occ, over_one))
        if u_iso is not None:
            u = u_iso[k]
        else:
            u = None if uiso_col is None else _u_value(uiso_col[i], 1.0, "U_iso", label, source, text_u)
            if u is None and biso_col is not None:
                u = _u_value(biso_col[i], 1.0 / _EIGHT_PI2, "B_iso", label, source, text_u)
        u_sites.append(u)
    return occ_sites, u_sites, q_occ, over_one, text_u


def _occupancy(col, i, label, source, q_occ, over_one) -> float:
    if col is None:
        return 1.0
    raw = values.unquote(col[i]).strip()
    if raw == "?":
        q_occ.append(label)
        return 1.0
    if raw in (".", ""):
        return 1.0
    try:
        occ = values.parse_number(raw, fractions=True)[0]
    except ValueError as exc:
        raise SymstrainInputError(source, f"atom {label!r}: occupancy {raw!r} {values.not_a_number(exc)}") from None
    if occ < 0:
        raise SymstrainInputError(source, f"atom {label!r}: occupancy {occ:g} is negative")
    if occ > values.MAX_OCCUPANCY:
        raise SymstrainInputError(
            source, f"atom {label!r}: occupancy {occ:g} is above {values.MAX_OCCUPANCY:g} (a fraction of a site is at "
            "most 1)")
    if occ > 1.0 + 1e-6:
        over_one.append(f"{label} {occ:g}")
    return float(occ)


def _merge_duplicates(atoms: list[Atom], source, warnings, xyz) -> list[Atom]:
    """Sites equal in element, occupancy, disorder group and coordinates (to 1e-5, modulo 1) kept once (the
    first), before any pair search: one atom line repeated 10,000 times must not make the cell quadratic.
    ``xyz`` (n, 3): the atoms' coordinates."""
    if len(atoms) < 2:
        return atoms
    scale = 10**_DUPLICATE_DECIMALS
    grid = np.rint(xyz * scale).astype(np.int64) % scale
    point = (grid[:, 0] * scale + grid[:, 1]) * scale + grid[:, 2]  # one integer per grid point (< 10¹⁵)
    points = point.tolist()
    if len(set(points)) == len(atoms):  # no two sites at one point: nothing to merge (the usual case)
        return atoms
    first_of: dict = {}  # (element|occupancy|disorder group, grid point) → the first site there
    first = [first_of.setdefault((f"{a.element}|{a.occupancy!r}|{a.disorder_group}", p), i)
             for i, (a, p) in enumerate(zip(atoms, points))]
    dropped = [i for i, f in enumerate(first) if f != i]
    if not dropped:
        return atoms
    counts: dict[str, int] = {}
    for k in dropped:
        name = f"{atoms[k].label}={atoms[first[k]].label}"
        counts[name] = counts.get(name, 0) + 1
    shown = [f"{name} (×{c})" if c > 1 else name for name, c in counts.items()]
    warnings.append(WarningText(
        "duplicate_sites_merged", source,
        f"{len(dropped)} atom site(s) coincide with an earlier site of the same element, occupancy and disorder "
        f"group and were merged into it: {_listing(shown)}"))
    return [a for i, a in enumerate(atoms) if first[i] == i]


def _read_aniso(column, source, warnings) -> dict:
    labels = column("_atom_site_aniso_label")
    if labels is None:
        return {}
    names = ("11", "22", "33", "12", "13", "23")
    cols = [column(f"_atom_site_aniso_U_{k}") for k in names]
    scale, letter = 1.0, "U"
    if any(c is None for c in cols):
        cols = [column(f"_atom_site_aniso_B_{k}") for k in names]
        scale, letter = 1.0 / _EIGHT_PI2, "B"
        if any(c is None for c in cols):
            return {}
    if any(len(c) != len(labels) for c in cols):
        raise SymstrainInputError(source, "_atom_site_aniso_ columns have different lengths")
    out, text = {}, []
    lo, hi = values.U_RANGE
    # U11, U22, U33 in lo…hi; the off-diagonal U12, U13, U23 of either sign up to hi (|U_ij| ≤ √(U_ii·U_jj) of a
    # real ellipsoid: −1.24 beside U33 = 6.12 is one, sweep 13)
    ranges = [values.U_RANGE] * 3 + [(-hi, hi)] * 3
    every = [within(p, scale, r) for p, r in zip(plain_columns(cols), ranges)]
    if all(u is not None for u in every):  # plain numbers, every one in range: read column-wise
        rows = np.column_stack(every).tolist()
        return dict(zip(values.texts(labels), map(tuple, rows)))
    for i, lab in enumerate(labels):
        label = values.unquote(lab).strip()
        vals = []
        for name, c, (lo, hi) in zip(names, cols, ranges):
            try:
                v = values.parse_number(c[i])[0]
            except values.NotFiniteError:
                raise SymstrainInputError(
                    source, f"atom {label!r}: _atom_site_aniso_{letter}_{name} {values.unquote(c[i])!r} is not a "
                    "finite number") from None
            except ValueError:
                text.append(label)
                break
            if v is not None and not lo <= v * scale <= hi:
                raise SymstrainInputError(
                    source, f"atom {label!r}: _atom_site_aniso_{letter}_{name} = {v:g} gives {v * scale:g} Å², "
                    f"outside the plausible range {lo:g}…{hi:g} Å²")
            vals.append(v)
        else:
            if all(v is not None for v in vals):
                out[label] = tuple(v * scale for v in vals)
    if text:
        warnings.append(WarningText("u_not_number", source, "anisotropic displacement parameters that are not "
                                    f"numbers ignored for {len(text)} site(s): {_listing(text)}"))
    return out


def _cartesian_to_fractional(block, source, cell, xyz, xyz_su, warnings):
    M = np.zeros((3, 3))
    vec = np.zeros(3)
    have = True
    for i in range(3):
        for j in range(3):
            M[i, j] = _matrix_number(block, f"_atom_sites_fract_tran_matrix_{i + 1}{j + 1}", source)
        vec[i] = _matrix_number(block, f"_atom_sites_fract_tran_vector_{i + 1}", source, default=0.0)
    have = bool(np.all(np.isfinite(M)))
    if not have:
        raise SymstrainInputError(
            source, "atom sites are given only as Cartesian coordinates (_atom_site_Cartn_*) and the file has no "
            "complete _atom_sites_fract_tran_matrix to convert them"
        )
    with np.errstate(all="ignore"):
        frac = xyz @ M.T + vec
    if not np.all(np.abs(frac) <= values.MAX_ABS_FRACT):
        raise SymstrainInputError(
            source, f"Cartesian coordinates converted with _atom_sites_fract_tran_matrix give fractional coordinates "
            f"outside ±{values.MAX_ABS_FRACT:g} (not positions in or near the cell)")
    Minv_cell = np.linalg.inv(cell.matrix())
    if not np.allclose(np.abs(M), np.abs(Minv_cell), rtol=0.01, atol=1e-4):
        warnings.append(WarningText(
            "fract_tran_matrix_mismatch", source,
            "_atom_sites_fract_tran_matrix does not match the inverse of the cell's orthogonalisation matrix; "
            "the file's matrix was used"))
    warnings.append(WarningText(
        "cartesian_coordinates", source,
        "fractional coordinates computed from Cartesian _atom_site_Cartn_* with _atom_sites_fract_tran_matrix"))
    su = np.abs(M) @ np.nan_to_num(xyz_su.T, nan=0.0)
    su = np.where(np.isnan(xyz_su).all(axis=1)[:, None], np.nan, su.T)
    return frac, su


def _matrix_number(block, tag, source, default=np.nan) -> float:
    raw = block.find_value(tag)
    try:
        v = values.parse_number(raw)[0]
    except ValueError as exc:
        raise SymstrainInputError(source, f"{tag} {values.unquote(raw)!r} {values.not_a_number(exc)}") from None
    if v is None:
        return default
    if abs(v) > 1e3:
        raise SymstrainInputError(source, f"{tag} = {v:g} is not an element of a Cartesian-to-fractional matrix (Å⁻¹)")
    return v


def check_room(cell, spacegroup, atoms, source) -> None:
    """Refuse a structure its cell cannot hold, before any pair search: more than ``MAX_EXPANSION`` images before
    special positions are merged (sites × operations), more than ``MAX_CELL_ATOMS`` atoms in the cell, or fewer
    than ``MIN_VOLUME_PER_ATOM`` Å³ per atom (atoms weighted by occupancy). A site's multiplicity is the number of
    operations over the number that map it within 0.02 Å of itself (its site-symmetry group; the tolerance can
    only make that larger, so the counts are lower bounds)."""
    rot = np.asarray(spacegroup.rotations, dtype=float)
    trans = np.asarray(spacegroup.translations, dtype=float)
    upper = len(atoms) * len(rot)
    if upper > values.MAX_EXPANSION:
        raise SymstrainInputError(
            source, f"{len(atoms)} sites × {len(rot)} operations = {upper:,} images to expand: more than the "
            f"{values.MAX_EXPANSION:,} this reader expands")
    occ = np.array([a.occupancy for a in atoms], dtype=float)
    volume = cell.volume
    # every site on a general position (multiplicity len(rot)) is the most the cell can hold: when that fits both
    # limits (with a margin far above the rounding of the sums below), so do the counts, and nothing is refused
    most = float(np.sum(np.where(occ > 0, occ, 0.0))) * len(rot)
    if upper * (1 + 1e-9) <= values.MAX_CELL_ATOMS and most * (1 + 1e-9) * values.MIN_VOLUME_PER_ATOM <= volume:
        return
    X = np.array([a.xyz for a in atoms], dtype=float) % 1.0
    A = cell.matrix()
    stabiliser = np.empty(len(atoms))
    for s0 in range(0, len(atoms), 4096):  # (block, m, 3) image − site, a few MB at a time
        d = np.einsum("mab,nb->nma", rot, X[s0:s0 + 4096]) + trans[None] - X[s0:s0 + 4096, None, :]
        d -= np.rint(d)
        c = d @ A.T
        stabiliser[s0:s0 + 4096] = np.sum(np.einsum("nmk,nmk->nm", c, c) < 0.02**2, axis=1)
    multiplicity = len(rot) / np.maximum(1, stabiliser)
    n_cell = float(np.sum(multiplicity))
    if n_cell > values.MAX_CELL_ATOMS:
        raise SymstrainInputError(
            source, f"{n_cell:,.0f} atoms in the cell: more than the {values.MAX_CELL_ATOMS:,} the commands handle "
            "within memory and time")
    count = float(np.sum(np.where(occ > 0, occ, 0.0) * multiplicity))
    if count * values.MIN_VOLUME_PER_ATOM > volume:
        raise SymstrainInputError(
            source, f"the cell ({volume:.4g} Å³) cannot hold its atoms: {count:.4g} atoms in it, "
            f"{volume / count:.3g} Å³ per atom (no solid has less than {values.MIN_VOLUME_PER_ATOM:g} Å³ per atom)")
