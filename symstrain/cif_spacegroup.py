"""The space group a CIF *declares*, worked out from its symmetry items (not detected from the atoms).

What lives here: reading the operator list, the closure check (:meth:`SymOps.closure_defect` of
``ops.py``), looking up the IT number and the symbols (read by ``cif_symbols.py``), deciding which item wins and
what a disagreement between them means (see the policy below), operator lists that lack the
centring their symbol states, explicit pure translations that reveal a smaller true lattice, origin-shifted
operator lists, and the choice of setting when only an IT number is given. ``cif.py`` reads the items out
of the data block (:class:`SymmetryItems`) and calls :func:`declared_spacegroup`, then, once the atoms are
read, :func:`reduce_to_true_lattice` and :func:`setting_from_number`. Detecting the symmetry of the atoms lives
in ``detect.py``.

Conventions
-----------
* Operators are kept as written, translations reduced mod 1 into [0, 1); rotations are integer matrices on
  fractional coordinates, x' = R·x + t (as in :class:`~symstrain.phase.SpaceGroupInfo`).
* Precedence: operators → H-M symbol → Hall symbol → ``_space_group_name_H-M_ref`` (the reference setting, with a
  warning) → IT number → P 1 assumed with a warning. An H-M symbol may carry its setting in words or letters
  ('F d -3 m {origin @ centre (-3m)}', '(origin choice 1)', '(hexagonal axes)', ICSD's S / Z). With an H-M and
  a Hall symbol of the same type but another setting, the Hall symbol wins because it fixes the origin.
  ``_space_group_IT_coordinate_system_code`` completes an H-M symbol or IT number that leaves the origin choice or
  axes open (:func:`_coded_setting`).
* One policy on every path: operators that form a group are authoritative, and an H-M symbol or IT number
  of another group is a warning (``symbol_disagrees``, ``number_disagrees``); operators that do not form a
  group (:meth:`SymOps.closure_defect`, checked before anything else, also where pure translations shrink the
  cell) are an error. The one completion: a list that is exactly the H-M group without its centring
  translations (a common defect) is completed from the symbol, with a warning. The one exception: a list of
  several lines that are all x, y, z up to lattice translations (COD 2001925: x,y,z; x-1,y-1,z; x-1,y,z beside
  'P 1 21/n 1' and '-P 2yn') states no group, and the symbols are used (``operators_degenerate``). Without
  operators, an H-M symbol and an IT number of different groups are an error (nothing decides between them).
* H-M symbols are looked up as written, with underscores removed and whitespace collapsed, and without spaces;
  a screw axis with its subscript in parentheses (SHELXTL's ``P2(1)/c``) is read as ``P21/c``, and a full symbol
  (ISODISTORT's ``P 4/m 2/m 2/m``) as its short symbol in the same setting (``cif_symbols.short_from_full``).
* A reduced lattice is given by the basis B (columns = new basis vectors in old fractional units):
  x_new = B⁻¹·x_old, R_new = B⁻¹·R·B, t_new = B⁻¹·t.
* Every assumption is appended to the caller's ``warnings`` list as a
  :class:`~symstrain.errors.WarningText` (codes listed in ``cif_values.WARNING_CODES``); bad input raises
  :class:`~symstrain.errors.SymstrainInputError` naming ``source``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from .cif_symbols import sg_from_hall, sg_from_hm
from .errors import SymstrainInputError, WarningText
from .notation import basis_string, fmt_vector, triplet
from .ops import SymOps
from .phase import Atom, Cell, Phase, SpaceGroupInfo
from .spacegroup import centring_type, identify_operations, lattice_basis_from_translations, table_ops


#: longest operator list read: 192 operations (F m -3 m) on a 2×2×2 supercell
MAX_OPERATORS = 192 * 8
#: a cell whose lengths (relative) or angles (degrees) an operation changes by more than these does not have the
#: symmetry of the operators: above the first pair a warning, above the second an error
METRIC_WARN = (1e-3, 0.1)
METRIC_ERROR = (0.05, 5.0)


@dataclass(frozen=True)
class SymmetryItems:
    """The symmetry items of one data block as text: unquoted, whitespace collapsed, None when absent or null.

    Each ``*_tag`` is the CIF tag the value was read from (used in messages).
    """

    #: operators as written (e.g. ``-x+1/2, y, -z``), one per loop row; None when the block has no operator loop
    operators: tuple[str, ...] | None = None
    operators_tag: str | None = None
    hm: str | None = None
    hm_tag: str | None = None
    hall: str | None = None
    hall_tag: str | None = None
    number: str | None = None
    number_tag: str | None = None
    #: ``_space_group_name_H-M_ref``: the group's symbol in its reference setting (read only when nothing else names
    #: the group)
    hm_ref: str | None = None
    hm_ref_tag: str | None = None
    #: ``_space_group_IT_coordinate_system_code``: the setting in IT's code — origin choice '1'/'2', axes 'h'/'r',
    #: monoclinic cell 'b1', '-c2' …, orthorhombic axes 'ba-c' …, or both ('2ba-c'); it completes a symbol or number
    coordinate_code: str | None = None
    coordinate_code_tag: str | None = None


_BASIS_LETTER = re.compile(r"[abcABC]")


def _parse_operators(items: SymmetryItems, source) -> SymOps:
    """The operators (translations wrapped into [0, 1)) read from the operator strings by gemmi, as a
    :class:`SymOps` in the order written (``items.operators`` must not be empty). Each gemmi operator's numbers are
    read out once (``SymOps.from_gemmi`` would read them again)."""
    import gemmi

    from .ops import operator_problem

    letters = _BASIS_LETTER.search("".join(items.operators))
    if letters:  # gemmi reads 'a,b,c' as a basis change, x,y,z: in an operator list it is a mistake, not an identity
        s = next(s for s in items.operators if _BASIS_LETTER.search(s))
        raise SymstrainInputError(source, f"symmetry operator {s!r} in {items.operators_tag} uses the basis letter "
                                          f"{letters.group()!r}: operators are written in x, y, z")
    ops, unread = [], None
    for s in items.operators:
        try:
            ops.append(gemmi.Op(s).wrap())
        except (ValueError, RuntimeError) as exc:
            unread = (s, exc)
            break
    r = np.array([op.rot for op in ops], dtype=np.int64).reshape(-1, 3, 3)
    den = gemmi.Op.DEN
    if ops:  # the matrices of the operators read so far, checked at once; the first bad one is named
        bad = np.any(r % den, axis=(1, 2)) | np.any(np.abs(r) > 4 * den, axis=(1, 2))
        if bad.any():
            raise SymstrainInputError(
                source, f"symmetry operator {items.operators[int(np.argmax(bad))]!r} in {items.operators_tag} is not "
                "a crystallographic operation (its matrix entries must be small integers)")
    if unread is not None:
        s, exc = unread
        raise SymstrainInputError(
            source, f"cannot read symmetry operator {s!r} in {items.operators_tag}: {operator_problem(s, exc)}"
        ) from None
    return SymOps(r // den, np.array([op.tran for op in ops], dtype=float).reshape(-1, 3) / den)


def check_metric(rotations, cell: Cell, what: str, source, warnings: list) -> None:
    """Every rotation must map the cell onto itself (Rᵀ·G·R = G): a cell whose lengths an operation changes by more
    than 5 % or whose angles by more than 5° does not have the symmetry ``what`` claims (an error); above 0.1 % or
    0.1° the cell parameters were refined without the symmetry's constraints (a warning)."""
    rot = np.asarray(rotations, dtype=float).reshape(-1, 3, 3)
    G = cell.metric()
    GR = np.einsum("nba,bc,ncd->nad", rot, G, rot)
    # the usual case, operations that keep G to 1e-12 of its smallest diagonal entry: lengths then change by < 1e-12
    # (relative) and cosines by < 3e-12, so angles by < 3e-4° even next to 0° or 180° — far below METRIC_WARN
    if np.abs(GR - G).max() <= 1e-12 * G.diagonal().min():
        return
    lengths = np.sqrt(np.einsum("nii->ni", GR))
    base = np.sqrt(np.diag(G))
    d_len = np.abs(lengths / base - 1).max(axis=1)
    cos = GR / (lengths[:, :, None] * lengths[:, None, :])
    cos0 = G / np.outer(base, base)
    angles = np.degrees(np.arccos(np.clip(cos[:, [1, 0, 0], [2, 2, 1]], -1, 1)))
    angles0 = np.degrees(np.arccos(np.clip(cos0[[1, 0, 0], [2, 2, 1]], -1, 1)))
    d_ang = np.abs(angles - angles0).max(axis=1)
    k = int(np.argmax(np.maximum(d_len / METRIC_ERROR[0], d_ang / METRIC_ERROR[1])))
    if d_len[k] > METRIC_ERROR[0] or d_ang[k] > METRIC_ERROR[1]:
        raise SymstrainInputError(
            source, f"the cell does not have the symmetry of its space group: {what} change the cell's lengths by up "
            f"to {100 * d_len[k]:.2g} % and its angles by up to {d_ang[k]:.3g}° (operation "
            f"{triplet(rot[k], np.zeros(3))})")
    if d_len.max() > METRIC_WARN[0] or d_ang.max() > METRIC_WARN[1]:
        k = int(np.argmax(np.maximum(d_len / METRIC_WARN[0], d_ang / METRIC_WARN[1])))
        warnings.append(WarningText(
            "metric_not_symmetric", source,
            f"the cell parameters deviate from the symmetry of the space group: {what} change the cell's lengths "
            f"by up to {100 * d_len[k]:.2g} % and its angles by up to {d_ang[k]:.3g}°; used as given"))


def _closure_problem(ops: SymOps, op_tag) -> str | None:
    """The one-line reason the operator list is not a group (:meth:`SymOps.closure_defect`), or None."""
    defect = ops.closure_defect()
    if defect is None:
        return None
    return f"the {len(ops)} symmetry operators in {op_tag} do not form a group: {defect}"


def declared_spacegroup(items: SymmetryItems, cell: Cell, source, warnings: list[str]):
    """The space group the file declares: ``(SpaceGroupInfo, None)``, or ``(pending, extra_translations)``.

    The second form is returned when the operators carry pure translations that are no conventional
    centring (the true lattice is smaller): ``pending`` is then the tuple (rotations, translations, H-M
    symbol, operator tag) to hand to :func:`reduce_to_true_lattice` together with the atoms and
    ``extra_translations`` ((k, 3) fractional). Precedence: operators → H-M → Hall → H-M ref → IT number → P 1
    (with a warning); ``_space_group_name_H-M_ref`` alone names the group in its reference setting (with a
    warning). Raises :class:`SymstrainInputError` for operators that are not a group and for
    symbols that contradict each other when there are no operators.
    """
    hm, hm_tag = items.hm, items.hm_tag
    hall, hall_tag = items.hall, items.hall_tag
    number, number_tag = items.number, items.number_tag
    op_tag = items.operators_tag

    if items.operators:
        found: list = []
        info, extra = _spacegroup_from_ops(items.operators, op_tag, hm, cell, source, found)
        if extra is None and info.order == 1 and len(items.operators) > 1 and (hm is not None or hall is not None):
            # every line is x, y, z up to a lattice translation: a broken list, which names no group; the symbols do
            symbols: list = []
            try:
                named, _ = declared_spacegroup(replace(items, operators=None, operators_tag=None), cell, source,
                                               symbols)
            except SymstrainInputError:  # (symbols that contradict each other: the list as read, with its warnings)
                named = info
            if named.order > 1:
                warnings.append(WarningText(
                    "operators_degenerate", source,
                    f"the {len(items.operators)} symmetry operators in {op_tag} are all x,y,z up to lattice "
                    f"translations (a broken list: it names no group); the group is taken from the symbols "
                    f"({named.hm}, {named.number})"))
                warnings.extend(symbols)
                return named, None
        warnings.extend(found)
        if extra is None and number is not None:
            n = _it_number(number, number_tag, source, warnings)
            if n is not None and n != info.number:
                warnings.append(WarningText(
                    "number_disagrees", source,
                    f"{number_tag} {n} disagrees with the symmetry operators ({info.hm}, {info.number}); "
                    "the operators are used"))
        if extra is None and hall is not None:
            _check_hall_against_ops(hall, hall_tag, op_tag, info, cell, source, warnings)
        return info, extra

    if hm is not None:
        sg = sg_from_hm(hm)
        if sg is None:
            raise SymstrainInputError(source, f"unknown space-group symbol {hm!r} in {hm_tag} and no operators")
        if hall is not None:
            sgh = sg_from_hall(hall)
            if sgh is not None and SymOps.from_gemmi(sgh.operations()).key() != SymOps.from_gemmi(sg.operations()).key():
                if sgh.number != sg.number:
                    raise SymstrainInputError(
                        source, f"H-M symbol {hm!r} ({sg.number}) and Hall symbol {hall!r} ({sgh.number}) disagree"
                    )
                warnings.append(WarningText(
                    "hall_other_setting", source,
                    f"Hall symbol {hall!r} is another setting ({sgh.xhm()}) than H-M {hm!r}; the Hall symbol "
                    "is used because it fixes the origin"))
                return SpaceGroupInfo.from_gemmi(sgh, "Hall"), None
        _check_number(sg, number, number_tag, source, warnings)
        sg = _coded_setting(sg, hm, items, source, warnings)
        sg = _axes_from_cell(sg, hm, items, cell, source, warnings)
        return SpaceGroupInfo.from_gemmi(sg, "H-M"), None

    if hall is not None:
        sg = sg_from_hall(hall)
        if sg is None:
            raise SymstrainInputError(source, f"unknown Hall symbol {hall!r} in {hall_tag} and no operators")
        _check_number(sg, number, number_tag, source, warnings)
        return SpaceGroupInfo.from_gemmi(sg, "Hall"), None

    if items.hm_ref is not None:
        sg = sg_from_hm(items.hm_ref)
        if sg is None:
            raise SymstrainInputError(source, f"unknown space-group symbol {items.hm_ref!r} in {items.hm_ref_tag} and "
                                              "no operators")
        coded = _axes_from_cell(_coded_setting(sg, items.hm_ref, items, source, warnings), items.hm_ref, items, cell,
                                source, warnings)
        if coded is sg:
            warnings.append(WarningText("reference_setting_assumed", source,
                                        f"the group is named only by {items.hm_ref_tag} {items.hm_ref!r} (its "
                                        f"reference setting): the file's setting is taken to be {sg.xhm()}"))
        _check_number(coded, number, number_tag, source, warnings)
        return SpaceGroupInfo.from_gemmi(coded, "H-M ref"), None

    if number is not None:
        import gemmi

        n = _it_number(number, number_tag, source, None)
        sg = gemmi.find_spacegroup_by_number(n)
        coded = _axes_from_cell(_coded_setting(sg, None, items, source, warnings), None, items, cell, source, warnings)
        if coded is sg and items.coordinate_code is None:
            coded = _monoclinic_axis_from_cell(sg, items, cell, source, warnings)
        # (with the setting named by the code or the cell, none is guessed from the atoms: setting_from_number)
        how = "number" if coded is sg else "number and code" if items.coordinate_code is not None else "number and cell"
        return SpaceGroupInfo.from_gemmi(coded, how), None

    import gemmi

    warnings.append(WarningText("assumed_p1", source,
                                "no symmetry information (no operators, H-M, Hall or IT number): P 1 assumed"))
    sg = gemmi.find_spacegroup_by_name("P 1")
    return SpaceGroupInfo.from_gemmi(sg, "assumed P1"), None


def _code_settings(code: str, number: int) -> list:
    """gemmi's tabulated settings of group ``number`` that IT's coordinate-system ``code`` fits: origin choice
    ('1', '2'), axes ('h', 'r'), monoclinic unique axis and cell ('b1', '-c2'; 'b' where the group has one cell) or
    orthorhombic axes ('abc', 'ba-c', …), alone or after an origin choice ('2ba-c')."""
    import gemmi

    c = "".join(code.split())
    origin, axes = (c[0], c[1:]) if c[:1] in ("1", "2") else (None, c)
    settings = [s for s in gemmi.spacegroup_table_itb() if s.number == number]
    if origin is not None:
        settings = [s for s in settings if s.ext == origin]
    if axes.lower() in ("h", "r"):
        return [s for s in settings if s.ext == axes.upper()]
    if axes:
        axes = "" if axes == "abc" else axes
        settings = [s for s in settings if s.qualifier == axes
                    or (len(axes) >= 2 and axes[-1] in "123" and s.qualifier == axes[:-1])]  # ('b1' for 'b')
    return settings


def _coded_setting(sg, symbol: str | None, items: SymmetryItems, source, warnings: list):
    """``sg`` (gemmi's group read from the H-M ``symbol``, or from the IT number when ``symbol`` is None) in the
    setting ``items.coordinate_code`` names, where the symbol leaves it open: "F d -3 m" with code 2 is origin
    choice 2 (gemmi's "F d -3 m" alone is choice 1), "R -3 m" with code r rhombohedral axes. ``sg`` itself when there
    is no code or it names sg's setting; a code that names no setting of the group is not used (a warning). A code
    that contradicts the origin or axes the symbol states is an error; one that names other glide or cell axes than
    a symbol's is not used (a warning: the symbol writes them out)."""
    code, tag = items.coordinate_code, items.coordinate_code_tag
    if code is None:
        return sg
    settings = _code_settings(code, sg.number)
    if not settings:
        warnings.append(WarningText("coordinate_code_not_used", source,
                                    f"{tag} {code!r} names no setting of group {sg.number} ({sg.xhm()}); not used"))
        return sg
    if any(s.xhm() == sg.xhm() for s in settings):
        return sg
    same = [s for s in settings if s.hm == sg.hm]  # the same symbol in another origin choice or axes
    if symbol is None and len(settings) == 1:
        return settings[0]
    if len(same) == 1:
        from .cif_symbols import states_setting

        if symbol is None or not states_setting(symbol):
            return same[0]
        raise SymstrainInputError(source, f"the H-M symbol {symbol!r} is {sg.xhm()} but {tag} {code!r} says "
                                          f"{same[0].xhm()}: origin or axes contradict each other")
    warnings.append(WarningText(
        "coordinate_code_not_used", source,
        f"{tag} {code!r} names {', '.join(s.xhm() for s in settings[:4])}, not {sg.xhm()}"
        + (f" as the H-M symbol {symbol!r} writes it; the symbol is used" if symbol else "; not used")))
    return sg


def _metric_change(sg, G: np.ndarray) -> float:
    """The largest change of the cell metric ``G`` by a rotation of gemmi's group ``sg``, relative to G's largest
    entry (0 for a cell with the group's symmetry)."""
    rot = SymOps.from_gemmi(sg.operations()).rotations
    GR = np.einsum("nba,bc,ncd->nad", rot, G, rot)
    return float(np.abs(GR - G).max() / np.abs(G).max())


def _fits_metric(sg, G: np.ndarray) -> bool:
    """Every rotation of gemmi's group ``sg`` keeps the cell metric ``G`` (within 0.2 % of its largest entry)."""
    return _metric_change(sg, G) <= 2e-3


def _axes_from_cell(sg, symbol: str | None, items: SymmetryItems, cell: Cell, source, warnings: list):
    """A rhombohedral group read on hexagonal axes (gemmi's default for "R -3", or IT number 148) although neither
    the symbol nor a coordinate-system code names the axes, and the cell is on rhombohedral axes (a = b = c,
    α = β = γ, which the hexagonal setting's rotations do not keep): the rhombohedral setting, with a warning.
    Else ``sg`` (sweep 17: AMCSD's FeCl₃, MgCO₃ and MgTiO₃ with 'R -3', a = b = c, α ≈ 50° were refused)."""
    from .cif_symbols import states_setting

    if sg.ext != "H" or items.coordinate_code is not None or (symbol is not None and states_setting(symbol)):
        return sg
    import gemmi

    G = cell.metric()
    rhombohedral = [s for s in gemmi.spacegroup_table_itb() if s.number == sg.number and s.ext == "R"]
    if not rhombohedral or _fits_metric(sg, G):
        return sg
    # the axes the cell is nearer to, when it is near either: a cell refined a little off the rhombohedral metric
    # (lengths 0.1 % apart) is on rhombohedral axes still, and check_metric says how far off (sweep 21: it was
    # refused for the hexagonal axes it is 73 % from)
    if not _metric_change(rhombohedral[0], G) < min(_metric_change(sg, G), 2 * METRIC_ERROR[0]):
        return sg
    named = f"{items.hm_tag} {symbol!r}" if symbol is not None else f"{items.number_tag} {sg.number}"
    lengths, angles = cell.params[:3], cell.params[3:]
    said = (f"a = b = c = {lengths[0]:g} Å" if len(set(lengths)) == 1 else
            "a, b, c = " + ", ".join(f"{x:g}" for x in lengths) + " Å") + (
        f", α = β = γ = {angles[0]:g}°" if len(set(angles)) == 1 else
        "; α, β, γ = " + ", ".join(f"{x:g}" for x in angles) + "°")
    warnings.append(WarningText(
        "axes_from_cell", source,
        f"{named} does not name the axes, and the cell ({said}) is on rhombohedral axes: {rhombohedral[0].xhm()} "
        "is used"))
    return rhombohedral[0]


def _monoclinic_axis_from_cell(sg, items: SymmetryItems, cell: Cell, source, warnings: list):
    """A group named by its IT number alone, whose reference setting the cell does not fit (a monoclinic cell with
    unique axis c or a): the one tabulated setting the cell fits, with a warning; several (the cell choices of P2₁/c
    or C2/c on axis c: the glide is not in the cell) are an error naming them. Else ``sg``."""
    import gemmi

    G = cell.metric()
    if _fits_metric(sg, G):
        return sg
    fits = [s for s in gemmi.spacegroup_table_itb() if s.number == sg.number and _fits_metric(s, G)]
    if not fits:
        return sg  # (check_metric then says how far the cell is from the group's)
    said = ", ".join(f"{x:g}" for x in cell.params[3:])
    if len(fits) > 1:
        raise SymstrainInputError(source, f"{items.number_tag} {sg.number} alone does not say which of its settings "
                                          f"the cell (α, β, γ = {said}°) is in: {', '.join(s.xhm() for s in fits)} "
                                          "fit it; give the H-M symbol or the symmetry operators")
    warnings.append(WarningText("axes_from_cell", source, f"{items.number_tag} {sg.number} does not name the axes, and "
                                                          f"the cell (α, β, γ = {said}°) fits only {fits[0].xhm()}: "
                                                          "that setting is used"))
    return fits[0]


def _it_number(text: str, tag: str, source, warnings: list | None) -> int | None:
    """The IT number 1–230 written in ``text``. When it is not one: with ``warnings`` a warning and None (the
    number only checks another item), without an error (it is the only symmetry item)."""
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if math.isfinite(v) and v.is_integer() and 1 <= v <= 230:
        return int(v)
    problem = f"{tag} {text!r} is not a space-group number (an integer 1–230)"
    if warnings is None:
        raise SymstrainInputError(source, problem)
    warnings.append(WarningText("number_not_used", source, problem + "; not used"))
    return None


def setting_from_number(sg_info, cell, atoms, warnings, source="<memory>"):
    """With only an IT number, pick the tabulated setting in which no atoms overlap.

    The reference setting is kept when it puts no two atoms on top of each other; otherwise the
    one other setting that does not is taken. Either way a warning says what was assumed.
    """
    import gemmi

    G = cell.metric()
    # (every rotation must preserve the metric of the cell, e.g. the unique axis)
    settings = [s for s in gemmi.spacegroup_table_itb() if s.number == sg_info.number and _fits_metric(s, G)]
    if len(settings) <= 1:
        if sum(1 for s in gemmi.spacegroup_table_itb() if s.number == sg_info.number) > 1:
            warnings.append(WarningText(
                "setting_assumed", source,
                f"only the IT number {sg_info.number} is given: the reference setting {sg_info.hm} is assumed"))
        return sg_info

    def overlaps(info):
        return _overlaps(info, cell, atoms)

    ref_bad = overlaps(sg_info)
    n = sg_info.number
    if not ref_bad:
        warnings.append(WarningText(
            "setting_assumed", source,
            f"only the IT number {n} is given: the reference setting {sg_info.hm} is assumed "
            f"(the group has {len(settings)} tabulated settings; "
            + ("no atom sites to choose by)" if not atoms else "atoms do not overlap in it)")))
        return sg_info
    worst = ref_bad[0]
    clean = []
    for s in settings:
        if s.xhm() == sg_info.hm:
            continue
        info = SpaceGroupInfo.from_gemmi(s, "number")
        if not overlaps(info):
            clean.append(info)
    if len(clean) == 1:
        clean[0] = SpaceGroupInfo(clean[0].number, clean[0].hm, clean[0].hall, clean[0].setting, "number",
                                  clean[0].rotations, clean[0].translations, clean[0].is_standard_setting)
        warnings.append(WarningText(
            "setting_assumed", source,
            f"only the IT number {n} is given: the reference setting {sg_info.hm} puts atoms on top of each "
            f"other ({worst[0]}–{worst[1]} {worst[2]:.2f} Å); {clean[0].hm} is the only tabulated setting "
            "without overlaps and is used"))
        return clean[0]
    warnings.append(WarningText(
        "setting_assumed", source,
        f"only the IT number {n} is given: the reference setting {sg_info.hm} is assumed although it puts atoms "
        f"on top of each other ({worst[0]}–{worst[1]} {worst[2]:.2f} Å); "
        + ("no" if not clean else f"{len(clean)}") + " other setting(s) avoid that"))
    return sg_info


def _overlaps(sg_info, cell, atoms) -> list:
    """The contacts of the kind "overlap" (two atoms on top of each other) of ``atoms`` expanded by ``sg_info``."""
    from .neighbours import close_contacts

    return [c for c in close_contacts(Phase(cell, sg_info, tuple(atoms)), max_pairs=1000) if c[4] == "overlap"]


def other_origin_fits(sg_info, cell, atoms) -> str | None:
    """For a group with two origin choices whose atoms overlap in ``sg_info`` (the file's own operators): the other
    choice's symbol when its operators put no two atoms on top of each other (the coordinates were probably
    written for it: sweep 17's CoFe₂O₄, origin-1 coordinates with origin-2 operators, Fe–O 0.17 Å), else None."""
    import gemmi

    if sg_info.hm[-2:] not in (":1", ":2"):
        return None
    other = gemmi.find_spacegroup_by_name(sg_info.hm[:-1] + ("2" if sg_info.hm.endswith("1") else "1"))
    if other is None or not _overlaps(sg_info, cell, atoms):
        return None
    return None if _overlaps(SpaceGroupInfo.from_gemmi(other, "symops"), cell, atoms) else other.xhm()


def origin_from_overlaps(sg_info, symbol: str, tag: str, cell, atoms, warnings, source="<memory>"):
    """The origin choice of a group with two (``sg_info`` in choice 1, gemmi's reading of a symbol that states none,
    e.g. 'F d -3 m'): choice 1, unless its atoms lie on top of each other and choice 2's do not (a file written in
    choice 2 without saying so: silicon at 1/8, 1/8, 1/8 is 16 atoms per cell in choice 1, 8 in choice 2). A
    warning (``origin_assumed``) says which was taken and why."""
    import gemmi

    if not sg_info.hm.endswith(":1"):
        return sg_info
    other = gemmi.find_spacegroup_by_name(sg_info.hm[:-1] + "2")
    if other is None:
        return sg_info
    said = f"{tag} {symbol!r} does not state its origin choice"
    first = _overlaps(sg_info, cell, atoms)
    if not first:
        why = "no atom sites to choose by" if not atoms else "its atoms do not overlap"  # (sweep 25: a cell-only file)
        warnings.append(WarningText("origin_assumed", source, f"{said}: origin choice 1 ({sg_info.hm}) is assumed "
                                                              f"({why})"))
        return sg_info
    worst = first[0]
    second = SpaceGroupInfo.from_gemmi(other, sg_info.source)
    if _overlaps(second, cell, atoms):
        warnings.append(WarningText("origin_assumed", source, f"{said}: origin choice 1 ({sg_info.hm}) is assumed "
                                                              "although atoms overlap in both choices"))
        return sg_info
    warnings.append(WarningText(
        "origin_assumed", source,
        f"{said}: origin choice 1 puts atoms on top of each other ({worst[0]}–{worst[1]} {worst[2]:.2f} Å) and "
        f"choice 2 does not: {second.hm} is used"))
    return second


def _check_number(sg, number, number_tag, source, warnings):
    """Without operators, an H-M or Hall symbol and an IT number of different groups are an error."""
    if number is None:
        return
    n = _it_number(number, number_tag, source, warnings)
    if n is not None and n != sg.number:
        raise SymstrainInputError(source, f"the space group is {sg.xhm()} ({sg.number}) but the IT number given is {n}")


#: per-process memo of the cell-independent work on an operator list (parsing, checks, naming the group), keyed by
#: the operators as written, their tag and the H-M symbol: the files of one setting repeat constantly in a corpus
_OPS_MEMO: dict = {}
_OPS_MEMO_MAX = 4096
#: stands for the file while a result is memoised (messages never depend on it; it is put back on the way out)
_ANY_SOURCE = "\0memo"


def _memoised(key, func, *args):
    """``func(*args, _ANY_SOURCE, warnings)`` once per ``key``: its result and the (code, message) of its warnings; a
    :class:`SymstrainInputError` it raises is not kept (bad input is rare and cheap to redo)."""
    hit = _OPS_MEMO.get(key)
    if hit is None:
        found: list = []
        result = func(*args, _ANY_SOURCE, found)
        if len(_OPS_MEMO) >= _OPS_MEMO_MAX:
            _OPS_MEMO.clear()
        hit = _OPS_MEMO[key] = (result, tuple((w.record.code, w.record.message) for w in found))
    return hit


def _replay(hit, source, warnings):
    """The result of a memoised call, its warnings appended to ``warnings`` as coming from ``source``."""
    result, found = hit
    warnings.extend(WarningText(code, source, message) for code, message in found)
    return result


def _with_source(call, source):
    """Run ``call()``; a :class:`SymstrainInputError` raised under :data:`_ANY_SOURCE` names ``source`` instead."""
    try:
        return call()
    except SymstrainInputError as exc:
        if exc.source == _ANY_SOURCE:
            raise SymstrainInputError(source, exc.problem) from None
        raise


def _spacegroup_from_ops(operators, op_tag, hm, cell, source, warnings):
    """The declared group of an operator list (``operators`` as written): ``(SpaceGroupInfo, None)`` or
    ``(pending, extra_translations)`` as :func:`declared_spacegroup` returns them. The work that does not depend on
    the cell is memoised per process (:data:`_OPS_MEMO`); the metric check runs for every file."""
    rot, trans = _with_source(lambda: _replay(_memoised(("ops", operators, op_tag), _checked_ops, operators, op_tag),
                                              source, warnings), source)
    check_metric(rot, cell, f"the operators in {op_tag}", source, warnings)
    return _with_source(lambda: _replay(_memoised(("group", operators, op_tag, hm), _named_ops_of_set, rot, trans,
                                                  op_tag, hm, cell), source, warnings), source)


def _named_ops_of_set(rot, trans, op_tag, hm, cell, source, warnings):
    """:func:`_named_ops` once per operator *set* (:meth:`SymOps.key`: the same operations in another order or
    written otherwise — a corpus's files repeat a setting's operations under several spellings), memoised in
    :data:`_OPS_MEMO` beside the lists as written: naming depends on the set and ``hm`` alone, and a group named
    from the operators gets this list's own order of ``rot``, ``trans`` back. A result that still awaits the true
    lattice (pure translations that are no centring, listed in the order of the list) is not shared."""
    from dataclasses import replace

    key = ("set", SymOps(rot, trans).key(), op_tag, hm)
    hit = _OPS_MEMO.get(key)
    if hit is not None:
        (info, own), found = hit
        warnings.extend(WarningText(code, source, message) for code, message in found)
        return (replace(info, rotations=rot, translations=trans) if own else info), None
    found: list = []
    info, extra = _named_ops(rot, trans, op_tag, hm, cell, source, found)
    warnings.extend(found)
    if extra is None:
        _OPS_MEMO[key] = ((info, info.rotations is rot), tuple((w.record.code, w.record.message) for w in found))
    return info, extra


def _checked_ops(operators, op_tag, source, warnings):
    """(rotations, translations) of the distinct operators, after the checks that make them a group (else raises)."""
    items = SymmetryItems(operators=operators, operators_tag=op_tag)
    ops = _parse_operators(items, source)
    keep = ops.unique_indices()
    if len(keep) != len(ops):
        warnings.append(WarningText("duplicate_operators", source,
                                    f"{len(ops) - len(keep)} duplicate symmetry operators in {op_tag} ignored"))
        ops = ops.subset(keep)
    if len(ops) > MAX_OPERATORS:
        raise SymstrainInputError(
            source, f"{len(ops)} distinct symmetry operators in {op_tag}: a space group has at most 192 per "
            f"conventional cell, and lists longer than {MAX_OPERATORS} (a 2×2×2 supercell of that) are not read")
    rot, trans = ops.rotations, ops.translations
    if not np.all(np.abs(np.rint(np.linalg.det(rot))) == 1):
        raise SymstrainInputError(source, f"symmetry operators in {op_tag} include a non-unimodular matrix")
    problem = _closure_problem(ops, op_tag)
    if problem and not ops.contains_many(np.eye(3, dtype=int)[None], np.zeros((1, 3)))[0]:  # a list that leaves out only x,y,z (COD 8103382 lists 3 of Pna2₁'s 4)
        with_identity = SymOps(np.concatenate([np.eye(3, dtype=rot.dtype)[None], rot]),
                               np.concatenate([np.zeros((1, 3)), trans]))
        if with_identity.closure_defect() is None:
            warnings.append(WarningText("identity_added", source, f"the {len(ops)} symmetry operators in {op_tag} "
                                        "leave out the identity x,y,z; it is added"))
            ops, problem = with_identity, None
            rot, trans = ops.rotations, ops.translations
    if problem:
        raise SymstrainInputError(source, problem)
    rot.flags.writeable = False
    trans.flags.writeable = False
    return rot, trans


def _check_hall_against_ops(hall, hall_tag, op_tag, info, cell, source, warnings) -> None:
    """The H-M symbol's rule for a Hall symbol beside operators: one gemmi cannot read is ``symbol_not_recognised``,
    one of another group type than the operators' is ``symbol_disagrees``, one of their type in another setting or
    origin ``symbol_other_setting`` (a Hall symbol of a setting gemmi does not tabulate is named by spglib: sweep
    31); the operators are used every time."""
    import gemmi

    try:
        hall_ops = SymOps.from_gemmi(gemmi.symops_from_hall(" ".join(hall.replace("_", " ").split())))
    except (ValueError, RuntimeError):
        warnings.append(WarningText("symbol_not_recognised", source, f"Hall symbol {hall!r} in {hall_tag} not "
                                                                     "recognised; the group is taken from the operators"))
        return
    if info.rotations is None or hall_ops.key() == SymOps(info.rotations, info.translations).key():
        return
    sgh = sg_from_hall(hall)
    if sgh is not None:
        number = sgh.number
    else:
        ident = identify_operations(hall_ops.rotations, hall_ops.translations, cell.matrix())
        number = None if ident is None else ident.number
    if number is None:  # (no group: the Hall symbol's operations are no space group; said as not recognised)
        warnings.append(WarningText("symbol_not_recognised", source, f"Hall symbol {hall!r} in {hall_tag} names no "
                                                                     "space group; the group is taken from the "
                                                                     "operators"))
    elif number != info.number:
        warnings.append(WarningText(
            "symbol_disagrees", source,
            f"the Hall symbol {hall!r} ({number}) disagrees with the symmetry operators in {op_tag} "
            f"({info.hm}, {info.number}), which form a group and are used"))
    else:
        warnings.append(WarningText(
            "symbol_other_setting", source,
            f"the operators are not those of the Hall symbol {hall!r}: another setting or origin of the same group; "
            "the operators are used"))


def _named_ops(rot, trans, op_tag, hm, cell, source, warnings):
    """The group of checked operators (``cell``'s matrix only helps spglib's tolerance, which the exact operators never
    need: the result depends on the operators and ``hm`` alone)."""
    ops = SymOps(rot, trans)
    extra = ops.pure_translations()
    if centring_type(extra) is None:
        # pure translations that are no conventional centring: the true lattice is smaller
        return (rot, trans, hm, op_tag), extra
    ident = identify_operations(rot, trans, cell.matrix())
    sg_hm = sg_from_hm(hm) if hm is not None else None
    if sg_hm is not None and (ident is None or ident.number != sg_hm.number):
        # a common defect: the list gives the point operations but leaves out the centring the symbol states
        hm_ops = table_ops(sg_hm)
        n_cen = len(sg_hm.operations().cen_ops)
        if n_cen > 1 and len(hm_ops) == n_cen * len(ops) and hm_ops.contains_many(rot, trans).all():
            warnings.append(WarningText(
                "operators_completed", source,
                f"the {len(rot)} operators in {op_tag} lack the centring translations of {hm!r}; "
                f"completed to the {len(hm_ops)} operations of {sg_hm.xhm()}"))
            return SpaceGroupInfo.from_gemmi(sg_hm, "symops"), None
    if ident is None:
        raise SymstrainInputError(source, f"the symmetry operators in {op_tag} are not a recognisable space group")
    if ident.note:
        code = "origin_shifted_operators" if np.any(ident.origin_shift) else "operators_identified_by_spglib"
        warnings.append(WarningText(code, source, ident.note))
    if hm is not None:
        if sg_hm is None:
            warnings.append(WarningText(
                "symbol_not_recognised", source,
                f"space-group symbol {hm!r} not recognised; the group is taken from the operators"))
        elif sg_hm.number != ident.number:
            warnings.append(WarningText(
                "symbol_disagrees", source,
                f"the H-M symbol {hm!r} ({sg_hm.number}) disagrees with the symmetry operators in {op_tag} "
                f"({ident.hm}, {ident.number}), which form a group and are used"))
        elif table_ops(sg_hm).key() != ops.key():
            warnings.append(WarningText(
                "symbol_other_setting", source,
                f"the operators are not those of the H-M symbol {hm!r} as tabulated ({sg_hm.xhm()}): "
                "another setting or origin of the same group; the operators are used"))
    name = ident.hm
    setting = ident.hm if ident.is_standard else f"{ident.hm} (non-standard setting of {ident.number})"
    if np.any(ident.origin_shift):
        setting = (
            f"{ident.hm} with its origin at {fmt_vector(ident.origin_shift)} of the file's coordinates "
            f"(non-standard origin, {ident.number})"
        )
    elif not ident.tabulated and not ident.hall:
        # spglib named the type only: its symbol is that of the standard setting, not of these axes (F 1 1 2 came out
        # as "C 1 2 1"); the file's own symbol names this setting when its centring letter is the operators'
        own = hm is not None and hm.strip()[:1].upper() == (centring_type(extra) or "?")
        name = " ".join(hm.split()) if own else ident.hm
        setting = (f"{name} as written in the file (not a tabulated setting; the type of {ident.hm}, {ident.number})"
                   if own else f"a setting of {ident.hm} ({ident.number}) that matches no tabulated setting")
    info = SpaceGroupInfo(ident.number, name, ident.hall, setting, "symops", rot, trans, ident.is_standard)
    return info, None


def _conventional_basis(rot, trans, B, cell) -> np.ndarray:
    """A basis (3, 3 columns, in the file's fractional units) of the conventional cell of the group of the operators
    ``rot``, ``trans`` once the lattice is that of the basis ``B`` (the file's cell and its extra pure translations):
    spglib's standard basis for the orbit of a general point (sweep 22: the lattice basis alone, (1/6a+1/2b+2/3c, b,
    c) of an R-centred orthohexagonal cell, gave a = 14.8 Å, β = 9°, in no tabulated setting, and every strain in
    its frame). ``B`` itself when spglib gives nothing better (no dataset, another type, no integral relation)."""
    import spglib

    from .spacegroup import spglib_call

    try:
        ops = SymOps(rot, trans).in_basis(B)
    except SymstrainInputError:
        return B
    # the orbits of two general points of two species: one orbit of a polar group lies at one height along the polar
    # axis, and spglib adds the mirror across it (P4mm read as P4/mmm: sweep 25); a second, at another height, and of
    # another species, leaves the group alone
    x0 = np.array([[0.1234, 0.2345, 0.3456], [0.4321, 0.1111, 0.0789]])
    orbit = (np.einsum("nij,pj->pni", ops.rotations.astype(float), x0) + ops.translations) % 1.0
    kinds = np.repeat(np.array([1, 2], dtype=np.intc), len(ops))
    lattice = (cell.matrix() @ B).T  # rows, Å
    ds = spglib_call(spglib.get_symmetry_dataset, (lattice, orbit.reshape(-1, 3), kinds), symprec=1e-4)
    if ds is None or len(ds.rotations) != len(ops):
        return B
    P = np.asarray(ds.transformation_matrix, dtype=float)  # L_B = L_std·P: the standard basis is B·P⁻¹
    Pi = np.linalg.inv(P)
    if np.any(np.abs(Pi - np.rint(Pi * 12) / 12) > 1e-6) or abs(np.linalg.det(Pi)) < 1 - 1e-6:
        return B
    return B @ (np.rint(Pi * 12) / 12)


def reduce_to_true_lattice(cell, sg_parts, atoms, extra, source, warnings):
    """Re-express a structure whose operators contain unconventional pure translations on the smaller cell: the
    lattice's Hermite basis (the file's axes, shortened: a P 1 cell written with a doubled, keeps its axes) where the
    group is a tabulated setting there, else the conventional cell of its group on the true lattice
    (:func:`_conventional_basis`)."""
    rot, trans, hm, op_tag = sg_parts
    B = lattice_basis_from_translations(extra)
    try:
        new_ops = SymOps(rot, trans).in_basis(B, source=source)
        ident = identify_operations(new_ops.rotations, new_ops.translations, cell.transformed(B).matrix())
    except SymstrainInputError:
        ident = None
    if ident is None or not ident.tabulated:
        B = _conventional_basis(rot, trans, B, cell)
        new_ops = ident = None  # (made again below, on the new basis)
    Binv = np.linalg.inv(B)
    new_cell_params = cell.transformed(B)
    # s.u.'s scale with the cell edges, and U_ij (referred to the reciprocal axes) are unchanged, only
    # when B is diagonal (the usual case); otherwise both are dropped
    diagonal = bool(np.allclose(B, np.diag(np.diag(B))))
    if diagonal:
        su = tuple(None if s is None else s * (abs(B[i, i]) if i < 3 else 1.0) for i, s in enumerate(cell.su))
    else:  # each new parameter's s.u. by first-order propagation (inputs independent, as everywhere)
        su = _transformed_su(cell, B)
    new_cell = Cell(*(float(x) for x in new_cell_params.params), su=su)
    if new_ops is None:
        new_ops = SymOps(rot, trans).in_basis(B, source=source)
    new_rot, new_trans = new_ops.rotations, new_ops.translations
    if ident is None:
        ident = identify_operations(new_rot, new_trans, new_cell.matrix())
    if ident is None:
        raise SymstrainInputError(source, f"the symmetry operators in {op_tag} are not a recognisable space group")
    new_atoms = []
    for at in atoms:
        new_atoms.append(
            Atom(at.label, at.element, (Binv @ at.xyz) % 1.0, np.abs(Binv) @ at.xyz_su,
                 at.occupancy, at.u_iso, at.u_aniso if diagonal else None, at.disorder_group)
        )
    shown = ", ".join(fmt_vector(t) for t in extra)
    what = f"symbol {hm!r} " if hm else ""
    warnings.append(WarningText(
        "true_lattice_smaller", source,
        f"the operators ({what}in {op_tag}) include the pure translation(s) {shown}, which is no conventional "
        f"centring: the true lattice is smaller; cell reduced with basis {basis_string(B)} to a={new_cell.a:.5g}, "
        f"b={new_cell.b:.5g}, c={new_cell.c:.5g} Å and reported as {ident.hm} ({ident.number})"
        + ("" if diagonal else "; anisotropic U dropped")))
    if ident.note:
        code = "origin_shifted_operators" if np.any(ident.origin_shift) else "operators_identified_by_spglib"
        warnings.append(WarningText(code, source, ident.note))
    setting = ident.hm if ident.is_standard else f"{ident.hm} (non-standard setting of {ident.number})"
    if not ident.tabulated and not ident.hall:  # spglib named the type only (a primitive cell of C c, say)
        setting = f"a setting of {ident.hm} ({ident.number}) that matches no tabulated setting"
    info = SpaceGroupInfo(ident.number, ident.hm, ident.hall, setting, "symops", new_rot, new_trans, ident.is_standard)
    return new_cell, info, new_atoms


def _transformed_su(cell, B) -> tuple:
    """s.u.'s of the parameters of the cell on the basis (a, b, c)·B, by first-order propagation of the cell's own
    (independent; a missing one of a cell that has others is exact); None where no input with an s.u. moves the
    parameter, and each when the cell has none."""
    from .lattice import metric, params_from_metric
    from .strain_kernel import propagate

    s = np.array([np.nan if x is None else float(x) for x in cell.su])
    if not np.isfinite(s).any():
        return (None,) * 6
    B = np.asarray(B, float)

    def fun(X, rows):
        return {"p": params_from_metric(B.T @ metric(X) @ B)}

    _, sus = propagate(fun, np.asarray(cell.params, float)[None], np.nan_to_num(s, nan=0.0)[None])
    # a parameter that only exact inputs move (an angle of 90 given without s.u.) has no s.u., not 0
    return tuple(float(x) if x > 0 else None for x in sus["p"][0])

