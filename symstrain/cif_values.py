"""The values of CIF items: number syntax with s.u.'s, plain text, the plausibility limits and the warning codes.

What lives here: :func:`parse_number` (``12.370(2)`` → (12.370, 0.002), fractions such as ``1/4`` on request, never
±inf or NaN), :func:`unquote`, :func:`is_null` and the block look-ups :func:`item_text`, :func:`first_item_text` and
:func:`item_number` (a number or one error line naming the item), :func:`repeated_tags` (a tag a block gives twice),
:func:`read_dotted_names` (DDLm/mmCIF ``_category.item`` names as the core ``_category_item``);
the plausibility limits every reader module applies, and :data:`WARNING_CODES`, every code the reader's warnings
carry. What does not: which items are read and what they mean (``cif.py``: documents, cell, symmetry items,
temperature, Z; ``cif_atoms.py``: atom sites; ``cif_spacegroup.py``: the declared group).

Plausibility limits (one place; applied on read)
------------------------------------------------
A value outside these is refused with one line naming the item, unless a warning is stated.

* Every number read is finite (``1e309`` is refused, never ±inf or NaN).
* Cell lengths ``0.5 Å ≤ a, b, c ≤ 1000 Å`` (:data:`CELL_LENGTH_RANGE`): a lattice translation maps an
  atom onto an identical atom and no two atoms are closer than ≈ 0.7 Å (H₂), so no real lattice vector is
  shorter than 0.5 Å; small-molecule, inorganic and framework cells stay below a few hundred Å, and at
  1000 Å the cell-wide searches (contacts, reflections to 0.8 Å) already need gigabytes.
* Angles ``0 < α, β, γ < 180°``, and the angles must admit a cell: ``1 − cos²α − cos²β − cos²γ +
  2 cosα cosβ cosγ > 0`` (the squared volume of the unit-edge cell; ≤ 0 is geometrically impossible).
* Interplanar spacings ``d₁₀₀, d₀₁₀, d₀₀₁ ≥ 0.5 Å`` (:data:`MIN_SPACING`): conventional and reduced cells
  have spacings of the order of their edges; a cell squashed flatter than that is no CIF's description of a
  crystal, and it would make the periodic-image searches unbounded.
* Room for the atoms: ``V ≥ 1 Å³`` per atom (:data:`MIN_VOLUME_PER_ATOM`), atoms counted by occupancy ×
  multiplicity of their site. The densest solids have ≥ 1.4 Å³ per atom (diamond 5.7, hydrogen at
  300 GPa ≈ 1.4). This also refuses thousands of atoms piled into one spot.
* Atoms in the cell ≤ :data:`MAX_CELL_ATOMS` (200,000, counted by site multiplicity) and sites × operations
  ≤ :data:`MAX_EXPANSION` (2,000,000): real structures stay below ≈ 60,000 atoms in the cell (the largest
  framework cells), and at 10⁶ atoms the contact search alone needs 1.6 GB and half a minute. Note that
  spglib's detection grows as N²: ≈ 1.4 s per call at 10,000 atoms.
* The cell must have the symmetry of its space group: no operation may change its lengths by more than 5 % or
  its angles by more than 5° (above 0.1 % or 0.1°: a warning), e.g. α = 9° with orthorhombic operators.
* Symmetry operators: at most 1536 distinct ones (``cif_spacegroup.MAX_OPERATORS``: 192, the most a space
  group has per conventional cell, on a 2×2×2 supercell), with small integer matrices.
* Fractional coordinates ``|x| ≤ 10`` (:data:`MAX_ABS_FRACT`; real files stay within −1…2): larger values
  are a unit mix-up or corruption, and ``x = 1e308`` would otherwise wrap silently to 0.
* Occupancy ``0 ≤ occ ≤ 1.1`` (:data:`MAX_OCCUPANCY`); 1 < occ ≤ 1.1 (refined occupancies within their
  s.u.) is kept with a warning.
* Displacement parameters U (Å², also U from B and the U_ii): ``−1 ≤ U ≤ 10`` (:data:`U_RANGE`; 10 Å² is an
  rms displacement of 3.2 Å, longer than a bond), the off-diagonal U_ij of either sign ``|U_ij| ≤ 10``; a
  negative U_iso — a non-positive-definite refinement, seen in real files — is kept with a warning. A U that is
  not a number (text) is ignored with a warning.
* Temperature ``0 < T ≤ 10,000 K`` (:data:`T_MAX`): outside, the item is not used (warning), as the
  temperature is optional.
* ``_cell_formula_units_Z``: a positive number ≤ 10,000; otherwise Z is None with a warning.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from .errors import SymstrainInputError, WarningText

#: plausibility limits (the module docstring says why)
CELL_LENGTH_RANGE = (0.5, 1000.0)
MIN_SPACING = 0.5
MIN_VOLUME_PER_ATOM = 1.0
MAX_CELL_ATOMS = 200_000
MAX_EXPANSION = 2_000_000
MAX_ABS_FRACT = 10.0
MAX_OCCUPANCY = 1.1
U_RANGE = (-1.0, 10.0)
T_MAX = 10_000.0
Z_MAX = 10_000.0
#: every warning code the reader gives (``Phase.warnings[i].code``) and what it means
WARNING_CODES = {
    "magnetic_operations": "a magnetic CIF: the positions' symmetry is its operations times its centrings, time "
                           "reversal dropped; moments not read",
    "non_utf8_text": "bytes that are not UTF-8 in a text item were read as U+FFFD",
    "duplicate_tag": "a tag given more than once in a block: its values agree, or it is not read or not used",
    "cell_volume_mismatch": "_cell_volume differs from the volume of the cell parameters",
    "temperature_range": "the temperature is a range; its midpoint is used",
    "temperature_unit": "the temperature carries a unit and was converted",
    "temperature_not_number": "a temperature item is not a number and is not used",
    "temperature_implausible": "a temperature item is outside 0 < T ≤ 10,000 K and is not used",
    "temperature_in_title": "no temperature item; the title mentions one, which is not used",
    "z_not_used": "_cell_formula_units_Z is not a plausible number; Z is None",
    "no_atom_sites": "a block without atom sites read for its cell and space group alone (a parent: relate, strain, "
                     "reflections, domains, table --parent)",
    # atoms (cif_atoms.py)
    "element_from_label": "the element was guessed from the site label",
    "site_without_element": "atom sites with no recognisable element were skipped",
    "site_without_coordinates": "atom sites with '?' or '.' coordinates were skipped",
    "dummy_site": "dummy atom sites (_atom_site_calc_flag 'dum') were skipped",
    "duplicate_sites_merged": "coincident duplicate atom sites were merged",
    "duplicate_labels": "one label names several different sites (per-atom output rows cannot be told apart)",
    "occupancy_unknown": "occupancy '?' taken as 1",
    "occupancy_above_one": "occupancy slightly above 1 kept as written",
    "zero_occupancy": "sites of occupancy 0 kept but left out of symmetry detection",
    "disorder": "disorder groups present (and whether occupancies are given)",
    "negative_u": "a negative U_iso kept as written",
    "u_not_number": "a displacement parameter that is not a number was ignored",
    "cartesian_coordinates": "fractional coordinates computed from Cartesian ones",
    "fract_tran_matrix_mismatch": "the file's Cartesian-to-fractional matrix does not match the cell",
    # symmetry (cif_spacegroup.py)
    "duplicate_operators": "duplicate symmetry operators ignored",
    "operators_completed": "operators lacking the centring of the H-M symbol completed from it",
    "origin_shifted_operators": "operators are a tabulated setting with the origin shifted",
    "operators_identified_by_spglib": "operators match no tabulated setting; the group named by spglib",
    "symbol_not_recognised": "the H-M symbol is not known; the group is taken from the operators",
    "symbol_disagrees": "the H-M symbol names another group than the operators; the operators are used",
    "operators_degenerate": "the operator lines are all x,y,z up to lattice translations (a broken list); the "
                            "group is taken from the H-M / Hall symbols",
    "symbol_other_setting": "the operators are another setting or origin of the H-M symbol's group",
    "number_disagrees": "the IT number names another group than the operators; the operators are used",
    "number_not_used": "the IT number is not a number from 1 to 230 and is not used",
    "hall_other_setting": "the Hall symbol is another setting than the H-M symbol and is used",
    "true_lattice_smaller": "pure translations in the operators: the cell was reduced",
    "metric_not_symmetric": "the cell parameters deviate (0.1 %–5 %, 0.1°–5°) from the space group's symmetry",
    "axes_from_cell": "a rhombohedral group named without its axes, on a cell with rhombohedral axes: :R is used",
    "setting_assumed": "only an IT number: the setting was assumed or chosen by atom overlaps",
    "assumed_p1": "no symmetry information: P 1 assumed",
    "identity_added": "the operator list leaves out only the identity x,y,z: it is added",
    "reference_setting_assumed": "the group is named only in its reference setting (_space_group_name_H-M_ref): "
                                 "that setting is assumed",
    "cell_volume_not_used": "_cell_volume is not a number: not used (the volume is computed from the cell)",
    "origin_assumed": "an H-M symbol of a group with two origin choices states neither: choice 1 is taken unless "
                      "its atoms overlap and choice 2's do not",
    "su_brackets_empty": "a cell parameter written with empty s.u. brackets ('94.13()'): read without an s.u.",
    "coordinate_code_not_used": "_space_group_IT_coordinate_system_code names no setting of the group, or other "
                                "axes than the H-M symbol writes out: not used",
}

_NUM_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+)?(?:\((\d*\.?\d*)\))?([eE][+-]?\d+)?$")
_FRACTION_RE = re.compile(r"^([+-]?\d+)\s*/\s*(\d+)$")
_PLAIN_CHARS = frozenset("0123456789.+-eE")


# ----------------------------------------------------------------------------- numbers


class NotFiniteError(ValueError):
    """A number outside the range of a double (``1e309``): written as a number, but not a finite one."""


def parse_number(text: str | None, *, fractions: bool = False) -> tuple[float | None, float | None]:
    """(value, s.u.) from a CIF number such as ``12.370(2)``; (None, None) for ``?``, ``.`` or absent.

    With ``fractions``, ``1/4`` or ``-2/3`` are read too (no s.u.). Raises ``ValueError`` for text that is
    not a number and :class:`NotFiniteError` (a ``ValueError``) for a number or s.u. that is not finite.
    """
    if text is None:
        return None, None
    s = unquote(text).strip()
    if s in ("", "?", "."):
        return None, None
    if _PLAIN_CHARS.issuperset(s):
        try:
            value = float(s)
        except ValueError:
            raise ValueError(s) from None
        if not math.isfinite(value):
            raise NotFiniteError(s)
        return value, None
    if fractions:
        m = _FRACTION_RE.match(s)
        if m:
            num, den = int(m.group(1)), int(m.group(2))
            if den == 0 or len(s) > 40:
                raise ValueError(s)
            return num / den, None
    m = _NUM_RE.match(s)
    if not m:
        raise ValueError(s)
    mant, exp1, su_text, exp2 = m.groups()
    if exp1 and exp2:
        raise ValueError(s)
    exp = exp1 or exp2
    try:
        value = float(mant + (exp or ""))
        su = None
        if su_text is not None and su_text not in ("", "."):
            if "." in su_text:
                su = float(su_text)
            else:
                decimals = len(mant.split(".")[1]) if "." in mant else 0
                su = int(su_text) / 10.0**decimals
            if exp:
                su *= 10.0 ** int(exp[1:])
    except OverflowError:
        raise NotFiniteError(s) from None
    if not math.isfinite(value) or (su is not None and not math.isfinite(su)):
        raise NotFiniteError(s)
    return value, su


def not_a_number(exc: ValueError) -> str:
    """'is not a finite number' or 'is not a number', for a message about a value :func:`parse_number` refused."""
    return "is not a finite number" if isinstance(exc, NotFiniteError) else "is not a number"


def unquote(v: str) -> str:
    """The text of a CIF value: quotes and text-field delimiters removed (gemmi's rules)."""
    import gemmi

    return gemmi.cif.as_string(v) if v and v[0] in "'\";" else v


#: the texts of a null value (unknown ``?``, inapplicable ``.``, empty), quotes removed
NULL_TEXTS = ("", "?", ".")


def is_null(v: str | None) -> bool:
    """True for an absent value, ``?`` or ``.`` (unknown or inapplicable)."""
    return v is None or unquote(v).strip() in NULL_TEXTS


def texts(col) -> list[str]:
    """``unquote(v).strip()`` of every value of a column, in one pass."""
    import gemmi

    as_string = gemmi.cif.as_string
    return [(as_string(v) if v and v[0] in "'\";" else v).strip() for v in col]


# ----------------------------------------------------------------------------- items of a block


def item_text(block, tag) -> str | None:
    """The item's text, whitespace runs made one space; None when absent, ``?`` or ``.``."""
    v = block.find_value(tag)
    if is_null(v):
        return None
    return " ".join(unquote(v).split())


def first_item_text(block, tags) -> tuple[str | None, str | None]:
    """(text, tag) of the first of ``tags`` the block gives, or (None, None)."""
    for t in tags:
        v = item_text(block, t)
        if v is not None:
            return v, t
    return None, None


def item_number(block, tag, source) -> tuple[float | None, float | None]:
    """(value, s.u.) of the item; :class:`SymstrainInputError` (``source``) naming it when it is not a number."""
    v = block.find_value(tag)
    try:
        return parse_number(v)
    except ValueError as exc:
        raise SymstrainInputError(source, f"{tag} {not_a_number(exc)}: {unquote(v)!r}") from None


# ----------------------------------------------------------------------------- tags given twice


#: tags whose value is read (a repeated one with values that disagree is an error, see :func:`repeated_tags`)
_READ_TAG_RE = re.compile(r"^_(cell_|symmetry_|space_group|atom_site|diffrn_ambient_temperature|"
                          r"chemical_formula_sum$|publ_section_title$)", re.I)
#: read tags that are optional (temperature, formula, title, Z): given twice with values that disagree, not used
_OPTIONAL_TAG_RE = re.compile(r"^_((diffrn_ambient|cell_measurement)_temperature(_c)?|chemical_formula_sum|"
                              r"publ_section_title|cell_formula_units_z)$", re.I)


def repeated_tags(block, source: str) -> list:
    """The warnings on the tags ``block`` gives more than once (gemmi's check was off; tags compared without case).
    A read tag (:data:`_READ_TAG_RE`) given as single items whose values other than ``?``/``.``/empty agree is set to
    that value (the first item is the one read); with values that disagree, an optional one (:data:`_OPTIONAL_TAG_RE`)
    is set to ``?`` (not used) with a warning, any other is an error, as is a read tag in a loop."""
    seen: dict = {}  # tag without case → [tag as first written, its pairs (None for a loop column)...]
    for item in block:
        if item.pair is not None:
            seen.setdefault(item.pair[0].lower(), [item.pair[0]]).append(item.pair)
        elif item.loop is not None:
            for tag in item.loop.tags:
                seen.setdefault(tag.lower(), [tag]).append(None)
    ignored, notes = [], []
    for key, *items in seen.values():
        if len(items) < 2:
            continue
        if not _READ_TAG_RE.match(key):
            ignored.append(key)
            continue
        if None in items:
            raise SymstrainInputError(source, f"{key} is given {len(items)} times (in a loop): CIF allows a tag once "
                                              "per block, and which one holds cannot be told")
        known = list(dict.fromkeys(" ".join(unquote(v).split()) for _, v in items if not is_null(v)))
        shown = ", ".join(repr(unquote(v)) for _, v in items)
        if len(known) > 1 and _OPTIONAL_TAG_RE.match(key):
            block.set_pair(items[0][0], "?")
            notes.append(WarningText("duplicate_tag", source, f"{key} is given {len(items)} times with different "
                                     f"values ({shown}): not used"))
            continue
        if len(known) > 1:
            raise SymstrainInputError(source, f"{key} is given {len(items)} times with different values "
                                      f"({', '.join(repr(k) for k in known[:3])}): which one holds cannot be told")
        if known:
            block.set_pair(items[0][0], next(v for _, v in items if not is_null(v)))
        notes.append(WarningText("duplicate_tag", source, f"{key} is given {len(items)} times ({shown}); "
                                 + (f"{known[0]!r} is used" if known else "no value is known")))
    if ignored:
        notes.append(WarningText("duplicate_tag", source, f"tag(s) given more than once, not read: "
                                 f"{', '.join(ignored[:6])}" + (" …" if len(ignored) > 6 else "")))
    return notes


#: a DDLm / mmCIF name at the start of a line: ``_category.item`` (a fast test on the file's bytes before
#: :func:`read_dotted_names` looks at the tags; :func:`has_dotted_name`)
DOTTED_NAME = re.compile(rb"(?m)^[ \t]*_[A-Za-z0-9_]+\.[A-Za-z]")
#: the same after a newline: a pattern that starts with a literal is scanned for it at C speed (5× faster than
#: ``^`` tried at every position)
_DOTTED_AFTER_NEWLINE = re.compile(rb"\n[ \t]*_[A-Za-z0-9_]+\.[A-Za-z]")


def has_dotted_name(data: bytes) -> bool:
    """``DOTTED_NAME.search(data)`` as a bool: a line of the file's bytes that starts with a DDLm / mmCIF name."""
    return _DOTTED_AFTER_NEWLINE.search(data) is not None or DOTTED_NAME.match(data) is not None


#: mmCIF's spelling of the Cartesian → fractional map: ``_atom_sites.fract_transf_matrix[1][2]`` is the core
#: ``_atom_sites_fract_tran_matrix_12``, ``_atom_sites.fract_transf_vector[3]`` is ``_atom_sites_fract_tran_vector_3``
_MMCIF_TRANSF = re.compile(r"^_atom_sites\.fract_transf_(matrix|vector)\[(\d)\](?:\[(\d)\])?$", re.I)


def read_dotted_names(doc) -> None:
    """Rename, in every block of the gemmi document ``doc``, each DDLm/mmCIF name ``_category.item`` to the core CIF
    name ``_category_item`` it is the alias of (``_cell.length_a`` → ``_cell_length_a``, ``_atom_site.fract_x``,
    ``_space_group_symop.operation_xyz``, ``_symmetry.space_group_name_H-M`` …, and mmCIF's
    ``_atom_sites.fract_transf_matrix[i][j]`` → ``_atom_sites_fract_tran_matrix_ij``), so that the reader finds them. A
    dotted name whose core name the block also gives, or that another dotted name also stands for, is left as it is
    (the core one is read, or the item is missing). Every dot becomes
    "_" (``_cell.length.c``, a broken name COD 8000008 writes, is ``_cell_length_c``). Values are kept exactly as
    written; loops keep their rows."""
    for block in doc:
        have = set()
        for item in block:
            if item.pair is not None:
                have.add(item.pair[0].lower())
            elif item.loop is not None:
                have.update(t.lower() for t in item.loop.tags)

        def plain(tag):
            return _MMCIF_TRANSF.sub(lambda m: f"_atom_sites_fract_tran_{m[1]}_{m[2]}{m[3] or ''}", tag).replace(".", "_")

        named = Counter(plain(t).lower() for t in have)  # two tags with one core name: neither is renamed

        def core(tag):
            name = plain(tag)
            return tag if name == tag or name.lower() in have or named[name.lower()] > 1 else name

        pairs = [item.pair for item in block if item.pair is not None and core(item.pair[0]) != item.pair[0]]
        loops = [list(item.loop.tags) for item in block
                 if item.loop is not None and any(core(t) != t for t in item.loop.tags)]
        for tag, value in pairs:
            block.find_pair_item(tag).erase()
            block.set_pair(core(tag), value)
        for tags in loops:
            item = block.find_loop_item(tags[0].lower())  # (gemmi finds a loop by its lower-case tag)
            values, width = list(item.loop.values), item.loop.width()
            item.erase()
            block.init_loop("", [core(t) for t in tags]).set_all_values([values[k::width] for k in range(width)])
