"""Reading crystal structures from CIF files into :class:`~symstrain.phase.Phase` objects.

``read_cif(path, block=None)`` and ``list_blocks(path)`` are the public entry points;
``phase_from_block(block, source)`` does the same for a ``gemmi.cif.Block`` already in memory.
Parsing is gemmi's; everything that needs judgement (s.u.'s, which symmetry item wins, quirks of
real files, plausibility) is done here, and every assumption made is recorded in ``Phase.warnings``
(each a :class:`~symstrain.errors.WarningText`: a ``str`` carrying a stable ``code``, listed in
:data:`~symstrain.cif_values.WARNING_CODES`). Working out the declared space group from the symmetry items lives in
``cif_spacegroup.py``, reading the atom sites in ``cif_atoms.py`` (this module reads the cell, the
symmetry items and the temperature and calls them); symmetry *detection* in ``detect.py``; writing
CIFs in ``writer.py``.

Rules applied (in this order of precedence)
-------------------------------------------
* Numbers with s.u.'s: ``12.370(2)`` → (12.370, 0.002), s.u. in units of the last digit;
  ``293.0(1.5)`` → (293.0, 1.5) (an s.u. with a decimal point is taken literally);
  ``90.(0)`` → (90.0, 0.0); ``?``/``.``/absent → no s.u. (None). Coordinates and occupancies may
  also be written as fractions (``1/4``, ``-2/3``).
* Space group: operator list (``_symmetry_equiv_pos_as_xyz``, ``_space_group_symop_operation_xyz``)
  → H-M symbol → Hall symbol → IT number → P 1 assumed with a warning. Operators that form a group are
  authoritative (an H-M symbol or IT number of another group is a warning); operators that do not form
  a group are an error on every path (details in ``cif_spacegroup.py``).
* Temperature (K): ``_diffrn_ambient_temperature`` → ``_cell_measurement_temperature`` → their
  ``_C`` variants (+273.15); ranges ``100-102K`` give the midpoint and values with a unit ``293K``
  are read, both with a warning; words such as ``RT`` are not numbers (warning). A structure block of a pdCIF that
  gives none takes the temperature, by the same rules, of the powder-pattern block(s) of its file it was refined from:
  the blocks whose ``_pd_block_id`` its ``_pd_block_diffractogram_id`` names, and the pattern blocks that list its
  ``_pd_block_id`` in ``_pd_phase_block_id`` (an overall block, which also points at diffractograms, is not one);
  ``temperature_source`` then reads ``<item> from pattern block <name>``. Linked patterns measured at different
  temperatures leave the cell without one: the block is refused, naming it.
* Occupancy ``?`` → 1 with a warning, ``.`` or absent → 1. B values are converted to U = B / (8π²).
* An atom site whose coordinate is ``?`` or ``.`` (a dummy or unrefined atom) is skipped with a warning
  naming it; the rest of the structure is read. So is a dummy site (``_atom_site_calc_flag dum``: a ring
  centroid, or unlocated hydrogens parked at −1, −1, −1), whatever its coordinates. Coincident duplicate sites (same element, occupancy,
  disorder group and coordinates, e.g. one atom line repeated) are merged, the first kept, with a warning.
* ``_cell_formula_units_Z`` that is not a plausible number (e.g. 'see paper') → Z None with a warning.
* Text: the file is read as UTF-8. Bytes that are not UTF-8 inside a value that is read as a number or a
  symmetry item (cell, operators, symbols, IT number, coordinates, occupancy, U) are an error naming the
  item; anywhere else (labels, type symbols, formula, title, authors) they are read as U+FFFD (�) with one
  warning naming the items — a label stays usable as a name, and nothing numeric is guessed.
* A block without atom sites whose last item is the operator loop (a file cut inside or right after that loop) is
  said to be cut short, ahead of what its operators show (a list cut short is seldom a group).
* A file of several blocks whose chosen block cannot be read says which blocks can (``--block``).
* A tag given twice in a block (CIF forbids it; AMCSD files repeat ``_chemical_formula_sum`` with ``''``): a tag
  that is not read is a warning; a read tag (cell, symmetry, atom sites, formula, temperature) given as single
  items whose values agree once ``?``/``.``/empty are set aside is read with a warning; an optional one
  (temperature, formula, title, Z) whose values disagree is not used, with a warning; otherwise an error.

Plausibility limits
-------------------
Every number read is finite and within the plausibility limits stated (with their reasons) in ``cif_values.py``,
which also reads the numbers and lists every warning code (:data:`~symstrain.cif_values.WARNING_CODES`).
"""

from __future__ import annotations

import gzip
import math
import os
import re
import zlib
from pathlib import Path

from . import cif_atoms as _atoms
from .cif_spacegroup import (SymmetryItems, check_metric, declared_spacegroup, origin_from_overlaps,
                             reduce_to_true_lattice, setting_from_number)
from .cif_symbols import states_setting
from .cif_values import (CELL_LENGTH_RANGE, MIN_SPACING, NULL_TEXTS, T_MAX, Z_MAX, first_item_text, has_dotted_name,
                         is_null, item_number, item_text, not_a_number, parse_number, read_dotted_names, repeated_tags,
                         texts, unquote)
from .errors import SymstrainInputError, WarningText
from .phase import CELL_NAMES, Cell, Phase, formula_units_in

#: the largest CIF text read (bytes, after decompression): gemmi's document of a text takes ~35 times its size (a
#: 200 MB file of 5 million atom sites took 6.9 GB before the site limit refused it, sweep 19); real structure files
#: are a few MB, tens with embedded reflections
MAX_CIF_BYTES = 64 << 20

_CELL_TAGS = {
    "a": "_cell_length_a",
    "b": "_cell_length_b",
    "c": "_cell_length_c",
    "alpha": "_cell_angle_alpha",
    "beta": "_cell_angle_beta",
    "gamma": "_cell_angle_gamma",
}
_SYMOP_TAGS = (
    "_symmetry_equiv_pos_as_xyz",
    "_space_group_symop_operation_xyz",
    "_space_group_symop.operation_xyz",
)
#: a magnetic CIF (mCIF: ISODISTORT, Bilbao MAGNDATA) gives its operations with a fourth field, time reversal ±1,
#: and its (anti-)centrings apart: the positions' symmetry is every operation times every centring, time reversal
#: dropped (the moments are not read)
_MAGN_OP_TAGS = ("_space_group_symop_magn_operation.xyz", "_space_group_symop.magn_operation_xyz",
                 "_space_group_symop_magn_operation_xyz")
_MAGN_CENTRING_TAGS = ("_space_group_symop_magn_centering.xyz", "_space_group_symop.magn_centering_xyz",
                       "_space_group_symop_magn_centering_xyz")
_MAGN_NAME_TAGS = ("_space_group_magn.name_BNS", "_space_group_magn_name_BNS", "_space_group.magn_name_BNS",
                   "_space_group_magn.name_OG", "_space_group_magn_name_OG")
_HM_TAGS = ("_symmetry_space_group_name_H-M", "_space_group_name_H-M_alt", "_space_group.name_H-M_alt")
_HALL_TAGS = ("_symmetry_space_group_name_Hall", "_space_group_name_Hall", "_space_group.name_Hall")
_NUMBER_TAGS = ("_symmetry_Int_Tables_number", "_space_group_IT_number", "_space_group.IT_number")
_CODE_TAGS = ("_space_group_IT_coordinate_system_code", "_space_group.IT_coordinate_system_code")
_SUPERSPACE_TAGS = (
    "_space_group_symop_ssg_operation_algebraic",
    "_space_group_ssg_name",
    "_space_group_ssg_name_WJJ",
    "_space_group_ssg_name_IT",
    "_cell_wave_vector_x",
    "_cell_wave_vector_seq_id",
)
_TEMPERATURE_TAGS = (
    ("_diffrn_ambient_temperature", 0.0),
    ("_cell_measurement_temperature", 0.0),
    ("_diffrn_ambient_temperature_C", 273.15),
    ("_cell_measurement_temperature_C", 273.15),
)
#: items read as numbers or symmetry: bytes that are not UTF-8 in them are an error, not a replacement
_STRICT_TAG_RE = re.compile(
    r"^_(cell_(length|angle|volume)|symmetry_|space_group|atom_site_(fract|cartn|occupancy|u_|b_|aniso_[ub])"
    r"|atom_sites_fract_tran)", re.I)


# ----------------------------------------------------------------------------- documents


def regular_file_size(path) -> int:
    """The size (bytes) of ``path`` when it is a regular file (0 when it cannot be stat'ed: the read says why);
    :class:`SymstrainInputError` for a FIFO, socket or device, whose read would block for ever (sweep 19)."""
    import stat

    try:
        st = os.stat(path)
    except OSError:
        return 0
    if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        raise SymstrainInputError(path, "not a regular file (a FIFO, socket or device): not read")
    return st.st_size


def _read_document(path: Path):
    """(gemmi Document, replaced, repeated): ``replaced`` is True when bytes that are not UTF-8 were read as U+FFFD,
    ``repeated`` when some block gives a tag twice (read without gemmi's duplicate check; judged by
    :func:`~symstrain.cif_values.repeated_tags`)."""
    import gemmi

    size = regular_file_size(path)
    if size > MAX_CIF_BYTES:
        raise SymstrainInputError(path, f"{size / 1e6:.0f} MB: larger than the {MAX_CIF_BYTES >> 20} MB of text this "
                                        "reader parses (structure CIFs are a few MB; it would take ~35 times that in "
                                        "memory)")
    try:
        data = path.read_bytes()
    except OSError:  # the same checks and messages as before reading, now only when reading failed
        data = None
    if data is None and not path.exists():
        raise SymstrainInputError(path, "no such file")
    if data is None and path.is_dir():
        raise SymstrainInputError(path, "is a directory, not a CIF file")
    try:
        if data is None:
            data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                data = fh.read(MAX_CIF_BYTES + 1)
            if len(data) > MAX_CIF_BYTES:
                raise SymstrainInputError(path, f"decompresses to more than the {MAX_CIF_BYTES >> 20} MB of text this "
                                                "reader parses")
    except (OSError, EOFError, zlib.error) as exc:
        raise SymstrainInputError(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SymstrainInputError(path, "UTF-16 text; a CIF is UTF-8 (or ASCII): save it as UTF-8")
    if b"\x00" in data:
        raise SymstrainInputError(path, "not a text file (it holds NUL bytes), so not a CIF")
    if data[:3] == b"\xef\xbb\xbf":  # a UTF-8 byte-order mark (Windows editors write one; CIF 2.0 allows it)
        data = data[3:]
    if b"\r" in data:  # CIF's line ends are LF, CR LF or CR: a lone CR (old Mac, or mixed ends), which gemmi does
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # not take for one, would join lines (sweep 31)
    replaced = False
    try:
        if not data.isascii():  # (ASCII is UTF-8: nothing to check)
            data.decode("utf-8")
        source = data
    except UnicodeDecodeError:
        source, replaced = data.decode("utf-8", errors="replace"), True
    try:
        doc = gemmi.cif.read_string(source)
    except (ValueError, RuntimeError) as exc:
        if "duplicate tag" in str(exc):  # judged per block as it is read (repeated_tags); other checks kept
            doc = gemmi.cif.read_string(source, check_level=0)
            names = [b.name.lower() for b in doc]
            if len(set(names)) == len(names):
                return doc, replaced, True
        bare = _unquoted_non_ascii(source if isinstance(source, str) else data.decode("utf-8"))
        if bare:  # gemmi names the loop or a later token; the cause is the first bare value outside ASCII
            what = "bytes that are not UTF-8 (shown as �)" if "\ufffd" in bare[1] else "characters outside ASCII"
            raise SymstrainInputError(path, f"line {bare[0]}: the value {bare[1]!r} holds {what} "
                                      "without quotes (CIF 1.1 allows them only inside quotes or a ;-text field): "
                                      "quote the value") from None
        msg = " ".join(str(exc).split())
        m = re.match(r"^.*?:(\d+):\d+(?:\(\d+\))?:\s*(.*)$", msg)
        if m:
            line, what = m.groups()
            if what.startswith("expected block header") and int(line) <= 1:
                raise SymstrainInputError(path, f"not a CIF file (line {line}: {what})") from None
            text = source if isinstance(source, str) else data.decode("utf-8")
            if "Wrong number of values in loop" in what:
                listed = _first_cif2_list(text, int(line))
                if listed:  # gemmi counts a list's items as values: the loop looks broken, the cause is the list
                    raise SymstrainInputError(
                        path, f"line {listed[0]}: the loop value {listed[1]!r} is a CIF 2.0 list, which is not read "
                        f"(gemmi: {what}); write one value per item (x, y, z in columns of their own)") from None
                raise SymstrainInputError(path, f"truncated or broken loop at line {line}: {what}") from None
            header = _spaced_block_name(text, int(line))
            if header:
                name, rest = header
                raise SymstrainInputError(
                    path, f"line {line}: the block header {'data_' + name!r} is followed by {rest!r} on its line; a "
                    "block name is one word (no spaces): put the rest after a '#' or on a line of its own") from None
            listed = _cif2_list(text, int(line))
            if listed:
                raise SymstrainInputError(
                    path, f"line {line}: the value {listed!r} begins with '[': a CIF 2.0 list, which is not read "
                    "(CIF 1.1 reserves '[': one value per tag, or quote it)") from None
            raise SymstrainInputError(path, f"CIF syntax error at line {line}: {what}") from None
        m = re.match(r"^(?:string|data):(\d+)\s*(.*)$", msg)
        if m:
            raise SymstrainInputError(path, f"CIF error at line {m.group(1)} {m.group(2)}") from None
        raise SymstrainInputError(path, f"cannot parse as CIF: {msg}") from None
    if len(doc) == 0:
        raise SymstrainInputError(path, "empty file: no data_ block")
    if has_dotted_name(data):  # DDLm / mmCIF names: read as the core names they stand for
        read_dotted_names(doc)
    return doc, replaced, False


_TOKEN = re.compile(r"""'[^']*'(?=\s|$)|"[^"]*"(?=\s|$)|\S+""")
#: a block header with words after its name that are neither a tag nor a comment ("data_maleic.1   Pc", "data_Modulated
#: structure of Sr2Nb2O7": Jmol's sample files), which CIF's grammar refuses
_SPACED_HEADER = re.compile(r"^data_(\S+)[ \t]+([^#_\s][^#]*?)\s*(?:#.*)?$", re.IGNORECASE)


def _spaced_block_name(text: str, line: int) -> tuple[str, str] | None:
    """(block name, the words after it) when the line ``line`` (1-based; or the one before, which the parser may
    name the next of) is a block header followed on its line by text that is not a tag or a comment, else None."""
    lines = text.split("\n")
    for n in (line, line - 1):
        if 1 <= n <= len(lines):
            m = _SPACED_HEADER.match(lines[n - 1].strip())
            if m:
                return m.group(1), m.group(2)
    return None


def _first_cif2_list(text: str, line: int) -> tuple[int, str] | None:
    """(line number, list) of the first CIF 2.0 list value (``[0 0 0]``) from ``line`` (1-based: a loop's header) on,
    outside ;-text fields and comments, in a file that declares CIF 2.0 (``#\\#CIF_2.0``); None else."""
    if not text.lstrip("\ufeff").startswith("#\\#CIF_2.0"):
        return None
    in_text = False
    for n, row in enumerate(text.split("\n")[line - 1:], start=line):
        if row.startswith(";"):
            in_text = not in_text
            continue
        listed = None if in_text else _list_on(row)
        if listed:
            return n, listed
    return None


def _cif2_list(text: str, line: int) -> str | None:
    """The bracketed list written at ``line`` (1-based; or on the line before, which gemmi may name the next of)
    when the file uses CIF 2.0's list syntax there (``_cell_length_a [4.0094 4.0094]``), else None."""
    lines = text.split("\n")
    for n in (line, line - 1):
        if 1 <= n <= len(lines) and not lines[n - 1].startswith(";"):
            listed = _list_on(lines[n - 1])
            if listed:
                return listed
    return None


#: a CIF 2.0 list value: '[' after the start of a line or a blank, up to its ']' (or the line's end)
_CIF2_LIST = re.compile(r"(?:^|\s)(\[[^\]]*\]?)")


def _list_on(row: str) -> str | None:
    """The first CIF 2.0 list value written on the line ``row`` (its comment left out), or None."""
    m = _CIF2_LIST.search(row.split("#", 1)[0])
    return m.group(1).strip() if m else None


def _unquoted_non_ascii(text: str) -> tuple[int, str] | None:
    """(line number, token) of the first bare (unquoted, outside ;-text fields and comments) value holding a
    character outside ASCII, which gemmi's CIF 1.1 grammar refuses; None when there is none."""
    if text.isascii():
        return None
    in_text = False
    for n, line in enumerate(text.split("\n"), start=1):
        if line.startswith(";"):
            in_text = not in_text
            continue
        if in_text or line.isascii():
            continue
        for tok in _TOKEN.findall(line):
            if tok.startswith("#"):
                break
            if tok[0] not in "'\"" and not tok.isascii():
                return n, tok
    return None


def list_blocks(path) -> list[str]:
    """Names of the data blocks in a CIF file, in file order."""
    doc = _read_document(Path(path))[0]
    return [b.name for b in doc]


def partial_structure_blocks(path) -> list[str]:
    """Names of the blocks of a CIF file with a cell or atom sites but not both: no structure, though ``scan`` lists
    each as a failed block (``info --all-blocks`` does too)."""
    doc = _read_document(Path(path))[0]
    return [b.name for b in doc if not _has_structure(b) and (
        b.find_value("_cell_length_a") is not None
        or any(b.find_values(t) for t in ("_atom_site_fract_x", "_atom_site_Cartn_x")))]


def _has_structure(block) -> bool:
    has_cell = block.find_value("_cell_length_a") is not None
    has_atoms = any(block.find_values(t) for t in ("_atom_site_fract_x", "_atom_site_Cartn_x"))
    return has_cell and has_atoms


def read_cif(path, block: str | None = None, *, atoms_required: bool = True) -> Phase:
    """Read one structure from a CIF file.

    ``block`` picks a data block by name (without ``data_``); by default the first block that has
    both a cell and atom sites. Raises :class:`SymstrainInputError` naming the file for anything
    that cannot be read without guessing; when the default block cannot be read but others can, the
    message names them. ``atoms_required`` False: a block with a cell and a space group but no atom sites is
    read too, with no atoms and the warning ``no_atom_sites`` (a parent known by its cell and group alone: what
    ``relate``, ``strain``, ``reflections`` and ``domains`` need of it).
    """
    try:
        return read_cif_and_blocks(path, block)[0]
    except SymstrainInputError as exc:
        if atoms_required:
            raise
        error = exc
    doc, _, _ = _read_document(Path(path))
    names = [b.name for b in doc]
    if block is not None:  # (the block named exists: the read above found it)
        if not str(error.problem).startswith(_NO_ATOMS):
            raise error
        wanted = (block[5:] if block.lower().startswith("data_") else block).lower()
        index = next(i for i, n in enumerate(names) if n.lower() == wanted)
    elif any(_has_structure(b) for b in doc):  # (a block with atoms failed for its own reason: that stands)
        raise error
    else:  # the first block with a cell and a space group (sweep 25: 'data_global' first, or a cell-only block
        # without symmetry before the one with it), else the first with a cell
        cells = [i for i, b in enumerate(doc) if b.find_value("_cell_length_a") is not None]
        named = [i for i in cells if _names_a_group(_symmetry_items(doc[i]))]
        if not cells:
            raise error
        index = (named or cells)[0]
    return _phase_from_block(doc[index], str(path), atoms_required=False)


#: how the reader's errors for a block without atom sites begin (none at all, or a list of operators last, as in a
#: file cut short)
_NO_ATOMS = "no atom sites"


def _names_a_group(items) -> bool:
    """The block's symmetry items name a space group (operators, a symbol, a Hall symbol or a number)."""
    return any(x is not None for x in (items.operators, items.hm, items.hall, items.number, items.hm_ref))


def read_structures(path) -> list[tuple[str, "Phase | SymstrainInputError"]]:
    """Every structure of a CIF file, from one parse: ``(block name, Phase)`` per data block with a cell and atom
    sites, in file order, or ``(block name, SymstrainInputError)`` for such a block that cannot be read (the others
    are still read; a variable-temperature study often deposits one block per temperature). A file with at most one
    such block is read as :func:`read_cif` reads it (one phase, or its error raised)."""
    return read_structures_and_blocks(path)[0]


def read_structures_and_blocks(path) -> tuple[list[tuple[str, "Phase | SymstrainInputError"]], list[str]]:
    """:func:`read_structures` and :func:`list_blocks` from one parse of the file."""
    path = Path(path)
    doc, replaced, repeated = _read_document(path)
    names = [b.name for b in doc]
    which = [i for i, b in enumerate(doc) if _has_structure(b)]
    if len(which) < 2:
        ph = _phase_of_document(doc, names, path, replaced, None, repeated)
        return [(ph.block, ph)], names
    out, links = [], _PatternLinks(doc)
    for i in which:
        try:
            out.append((names[i], _phase_in_document(doc, i, str(path), replaced, repeated, links)))
        except SymstrainInputError as exc:
            out.append((names[i], exc))
    return out, names


def read_cif_and_blocks(path, block: str | None = None) -> tuple[Phase, list[str]]:
    """:func:`read_cif` and :func:`list_blocks` from one parse of the file: ``(phase, names of every block)``."""
    path = Path(path)
    doc, replaced, repeated = _read_document(path)
    names = [b.name for b in doc]
    return _phase_of_document(doc, names, path, replaced, block, repeated), names


def _phase_of_document(doc, names, path: Path, replaced: bool, block: str | None,
                       repeated: bool = False) -> Phase:
    """The phase of :func:`read_cif` from the parsed document ``doc`` (block ``names``) of ``path``."""
    if block is not None:
        wanted = block[5:] if block.lower().startswith("data_") else block
        index = next((i for i, n in enumerate(names) if n == wanted), None)
        if index is None:
            index = next((i for i, n in enumerate(names) if n.lower() == wanted.lower()), None)
        if index is None:
            raise SymstrainInputError(path, f"no data block {block!r}; blocks available: {', '.join(names)}")
        return _phase_in_document(doc, index, str(path), replaced, repeated)
    index = 0 if len(names) == 1 else next((i for i, b in enumerate(doc) if _has_structure(b)), 0)
    try:
        return _phase_in_document(doc, index, str(path), replaced, repeated)
    except SymstrainInputError as exc:
        if len(names) < 2:
            raise
        readable = _readable_blocks(doc, str(path), replaced, repeated, skip=index)
        if not readable:
            raise
        raise SymstrainInputError(
            path, f"block {names[index]!r} cannot be read: {exc.problem}; block(s) that can be read: "
            f"{', '.join(readable)} (choose one with --block)") from None


def _readable_blocks(doc, source, replaced, repeated, skip, limit=50) -> list[str]:
    """Names of the blocks (other than ``skip``, at most ``limit`` tried) that read without error."""
    out = []
    for i, b in enumerate(doc):
        if i == skip or not _has_structure(b):
            continue
        if i > limit:
            out.append("…")
            break
        try:
            _phase_from_file_block(b, source, replaced, repeated)
        except SymstrainInputError:
            continue
        out.append(b.name)
    return out


def _phase_in_document(doc, index: int, source: str, replaced: bool, repeated: bool = False,
                       links: "_PatternLinks | None" = None) -> Phase:
    """:func:`_phase_from_file_block` of ``doc[index]``; a block that gives no temperature takes that of the pdCIF
    powder-pattern block(s) of the document it links to (``links``: the document's :class:`_PatternLinks`, shared by
    the blocks of one file; made here when not given)."""
    phase = _phase_from_file_block(doc[index], source, replaced, repeated)
    if phase.temperature is not None or len(doc) < 2:
        return phase
    return _pattern_temperature(phase, doc, index, links or _PatternLinks(doc), source)


def _phase_from_file_block(block, source: str, replaced: bool, repeated: bool = False) -> Phase:
    """:func:`phase_from_block` with the items that held bytes that are not UTF-8 (``replaced``) and the tags given
    twice (``repeated``) checked first."""
    if repeated:
        notes = repeated_tags(block, source)
        if notes:
            from dataclasses import replace

            phase = _phase_from_file_block(block, source, replaced)
            return replace(phase, warnings=tuple(notes) + tuple(phase.warnings))
    if not replaced:
        return phase_from_block(block, source)
    bad = _undecodable_tags(block)
    strict = [t for t in bad if _STRICT_TAG_RE.match(t)]
    if strict:
        raise SymstrainInputError(source, f"{strict[0]}: its value holds bytes that are not UTF-8 text")
    phase = phase_from_block(block, source)
    if not bad:
        return phase
    from dataclasses import replace

    note = WarningText("non_utf8_text", source, f"bytes that are not UTF-8 read as U+FFFD (�) in {', '.join(bad[:6])}"
                       + (" …" if len(bad) > 6 else ""))
    return replace(phase, warnings=(note,) + tuple(phase.warnings))


def _undecodable_tags(block) -> list[str]:
    """Tags of the block whose values hold U+FFFD (bytes that were not UTF-8), in block order."""
    bad = []
    for item in block:
        if item.pair is not None:
            tag, value = item.pair
            if "\ufffd" in value:
                bad.append(tag)
        elif item.loop is not None:
            loop = item.loop
            values, width = loop.values, loop.width()
            if width and any("\ufffd" in v for v in values):
                bad += [t for k, t in enumerate(loop.tags) if any("\ufffd" in v for v in values[k::width])]
    return bad


def phase_from_block(block, source: str = "<memory>") -> Phase:
    """Build a :class:`Phase` from a ``gemmi.cif.Block`` (see the module docstring for the rules)."""
    try:
        return _phase_from_block(block, source)
    except UnicodeDecodeError as exc:  # a block read by the caller with gemmi.cif.read from a non-UTF-8 file
        raise SymstrainInputError(source, f"a value holds bytes that are not UTF-8 text ({exc.reason})") from None


def _phase_from_block(block, source: str, atoms_required: bool = True) -> Phase:
    """:func:`phase_from_block`; ``atoms_required`` False: a block without atom sites gives a phase without atoms
    (:func:`read_cif`)."""
    warnings: list[str] = []
    _reject_superspace(block, source)
    cell = _read_cell(block, source, warnings)
    items = _symmetry_items(block)
    note = _magnetic_warning(block, items.operators_tag, source)
    if note is not None:
        warnings.append(note)
    cut = _ends_in_operator_loop(block, items)
    try:
        sg, extra_translations = declared_spacegroup(items, cell, source, warnings)
    except SymstrainInputError as exc:
        if cut:  # the operators' defect is what a list cut short shows: say so first
            raise SymstrainInputError(source, f"{cut} and has no atom sites: the operator list is probably cut short "
                                      f"({exc.problem})") from None
        raise
    no_atoms = not atoms_required and not any(block.find_values(t) for t in ("_atom_site_fract_x",
                                                                             "_atom_site_Cartn_x"))
    if cut and not no_atoms:
        raise SymstrainInputError(source, f"no atom sites: {cut}, so it is probably cut short")
    formula = item_text(block, "_chemical_formula_sum")
    if no_atoms:
        atoms = []
        warnings.append(WarningText("no_atom_sites", source, "no atom sites: the cell and the space group alone"
                                    + (f" ({cut}: cut short?)" if cut else "")))
    else:
        atoms = _atoms.read_atoms(block, source, cell, warnings, formula)
    file_cell = cell
    if extra_translations is not None:
        cell, sg, atoms = reduce_to_true_lattice(cell, sg, atoms, extra_translations, source, warnings)
    _atoms.check_room(cell, sg, atoms, source)
    if sg.source == "number":
        sg = setting_from_number(sg, cell, atoms, warnings, source)
    elif sg.source in ("H-M", "H-M ref") and items.coordinate_code is None:
        symbol, tag = (items.hm, items.hm_tag) if sg.source == "H-M" else (items.hm_ref, items.hm_ref_tag)
        if not states_setting(symbol):
            sg = origin_from_overlaps(sg, symbol, tag, cell, atoms, warnings, source)
    if sg.source != "symops":  # (operator lists are checked as they are read)
        check_metric(sg.rotations, cell, f"the operations of {sg.hm}", source, warnings)
    temp, temp_su, temp_src = _read_temperature(block, source, warnings)
    z = _read_z(block, source, warnings)
    if cell is not file_cell:  # (the file's Z counts the formula units of its own cell)
        z = formula_units_in(z, cell, file_cell)
    return Phase(
        cell=cell,
        spacegroup=sg,
        atoms=tuple(atoms),
        source=source,
        block=block.name,
        temperature=temp,
        temperature_su=temp_su,
        temperature_source=temp_src,
        formula=formula,
        z=z,
        warnings=tuple(warnings),
    )


def _ends_in_operator_loop(block, items: SymmetryItems) -> str | None:
    """What a block shows when its file was cut inside or just after the symmetry-operator loop: the block has no
    atom sites and its last item is the operator loop. Then the words for the message ('the file ends in its
    symmetry-operator loop TAG'), else None. (Such a block cannot be read anyway — it has no atoms; the check only
    decides which message comes first.)"""
    if not items.operators or any(block.find_values(t) for t in ("_atom_site_fract_x", "_atom_site_Cartn_x")):
        return None
    last = None
    for item in block:
        if item.pair is not None or item.loop is not None or item.frame is not None:
            last = item
    if last is None or last.loop is None or items.operators_tag.lower() not in (t.lower() for t in last.loop.tags):
        return None
    return f"the file ends in its symmetry-operator loop {items.operators_tag}"


# ----------------------------------------------------------------------------- cell


def _reject_superspace(block, source):
    dim = block.find_value("_cell_modulation_dimension")
    try:
        dim_value = parse_number(dim)[0]
    except ValueError:
        dim_value = None
    tags = [t for t in _SUPERSPACE_TAGS if block.find_values(t)]
    if (dim_value or 0) > 0 or tags:
        what = f"_cell_modulation_dimension {int(dim_value)}" if dim_value else tags[0]
        raise SymstrainInputError(source, f"modulated structures are not supported ({what}: superspace group)")


def _read_cell(block, source, warnings) -> Cell:
    vals, sus = [], []
    for name in CELL_NAMES:
        tag = _CELL_TAGS[name]
        raw = block.find_value(tag)
        if raw is None:
            raise SymstrainInputError(source, f"no cell: {tag} is missing")
        if is_null(raw):
            raise SymstrainInputError(source, f"{tag} is {unquote(raw)!r} (unknown); the cell is incomplete")
        try:
            v, s = parse_number(raw)
        except ValueError as exc:  # (item_number's message, without looking the item up again)
            raise SymstrainInputError(source, f"{tag} {not_a_number(exc)}: {unquote(raw)!r}") from None
        if s is None and "(" in raw:  # '94.1300()': no CIF number; its value is plain (sweep 17, a SHELX deposit)
            warnings.append(WarningText("su_brackets_empty", source, f"{tag} {unquote(raw)!r}: the s.u. brackets hold "
                                        "no number; read without an s.u."))
        vals.append(v)
        sus.append(s)
    a, b, c, al, be, ga = vals
    lo, hi = CELL_LENGTH_RANGE
    for name, v in zip(CELL_NAMES[:3], (a, b, c)):
        if not v > 0:
            raise SymstrainInputError(source, f"cell length {name} = {v:g} Å is not positive")
        if not lo <= v <= hi:
            raise SymstrainInputError(
                source, f"cell length {name} = {v:g} Å is outside the plausible range {lo:g}–{hi:g} Å")
    for name, v in zip(CELL_NAMES[3:], (al, be, ga)):
        if not 0 < v < 180:
            raise SymstrainInputError(source, f"cell angle {name} = {v:g}° is outside (0, 180)")
    for name, v, su in zip(CELL_NAMES, vals, sus):
        if su is not None and su > v:  # (sweep 26: 16.87(999999999999999), an s.u. of 1e13 Å, was taken)
            raise SymstrainInputError(source, f"{_CELL_TAGS[name]} {v:g} has an s.u. of {su:g}, larger than the value "
                                              "itself: no measurement")
    ca, cb, cg = (math.cos(math.radians(x)) for x in (al, be, ga))
    f2 = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg
    if f2 <= 1e-10:
        raise SymstrainInputError(
            source, f"cell angles α={al:g}°, β={be:g}°, γ={ga:g}° give no positive volume (impossible cell)"
        )
    # interplanar spacings d100 = a·f/sin α etc., f = V/(abc)
    f = math.sqrt(f2)
    spacings = {"d100": a * f / math.sin(math.radians(al)), "d010": b * f / math.sin(math.radians(be)),
                "d001": c * f / math.sin(math.radians(ga))}
    worst = min(spacings, key=spacings.get)
    if spacings[worst] < MIN_SPACING:
        raise SymstrainInputError(
            source, f"the cell is squashed flat: interplanar spacing {worst} = {spacings[worst]:.3g} Å is below "
            f"{MIN_SPACING:g} Å (a={a:g}, b={b:g}, c={c:g} Å, α={al:g}°, β={be:g}°, γ={ga:g}°)")
    cell = Cell(a, b, c, al, be, ga, tuple(sus))
    try:
        v_given, v_su = item_number(block, "_cell_volume", source)
    except SymstrainInputError as exc:  # (the volume comes from the cell; the item only checks it: sweep 14's '??')
        warnings.append(WarningText("cell_volume_not_used", source, f"{exc.problem}; not used (the volume is "
                                    "computed from the cell parameters)"))
        v_given = None
    if v_given is not None and v_given > 0:
        volume = cell.volume
        tol = max(3 * (v_su or 0.0), 0.005 * volume)
        if abs(v_given - volume) > tol:
            warnings.append(WarningText(
                "cell_volume_mismatch", source,
                f"_cell_volume {v_given:g} Å³ differs from {volume:.2f} Å³ computed from the cell parameters"))
    return cell


# ----------------------------------------------------------------------------- symmetry items


def _symmetry_items(block) -> SymmetryItems:
    """The block's operator list and H-M / Hall / IT-number items as text, for ``cif_spacegroup``."""
    hm, hm_tag = first_item_text(block, _HM_TAGS)
    hall, hall_tag = first_item_text(block, _HALL_TAGS)
    number, number_tag = first_item_text(block, _NUMBER_TAGS)
    operators, op_tag = None, None
    for tag in _SYMOP_TAGS:
        col = block.find_values(tag)
        if col and len(col) > 0:
            operators, op_tag = tuple(texts(list(col))), tag
            break
    if operators is None:
        operators, op_tag = _magnetic_operators(block)
    hm_ref, hm_ref_tag = first_item_text(block, ("_space_group_name_H-M_ref",))
    code, code_tag = first_item_text(block, _CODE_TAGS)
    return SymmetryItems(operators, op_tag, hm, hm_tag, hall, hall_tag, number, number_tag, hm_ref, hm_ref_tag,
                         code, code_tag)


def _magnetic_operators(block) -> tuple[tuple[str, ...] | None, str | None]:
    """(operators, tag) of a magnetic CIF: every operation of ``_space_group_symop_magn_operation.xyz`` times every
    centring of ``_space_group_symop_magn_centering.xyz`` ("x,y,z,+1" alone when absent), time reversal (the fourth
    field) dropped — the symmetry of the positions; (None, None) when the block has no such operations. An operation
    that cannot be read is passed on as written (less its fourth field): the operator reader then says what is
    wrong with it."""
    import gemmi

    for tag in _MAGN_OP_TAGS:
        col = block.find_values(tag)
        if col and len(col) > 0:
            break
    else:
        return None, None
    ops = [",".join(t.split(",")[:3]) for t in texts(list(col))]
    cen = next((texts(list(c)) for c in map(block.find_values, _MAGN_CENTRING_TAGS) if c and len(c) > 0),
               ["x,y,z,+1"])
    cen = [",".join(t.split(",")[:3]) for t in cen]
    try:
        combined = dict.fromkeys((gemmi.Op(o) * gemmi.Op(c)).wrap().triplet() for o in ops for c in cen)
    except (RuntimeError, ValueError):
        return tuple(ops), tag
    return tuple(combined), tag


def _magnetic_warning(block, op_tag: str | None, source: str) -> WarningText | None:
    """The ``magnetic_operations`` note of a block whose operators came from a magnetic CIF's loops (None else)."""
    if op_tag not in _MAGN_OP_TAGS:
        return None
    name, _ = first_item_text(block, _MAGN_NAME_TAGS)
    return WarningText("magnetic_operations", source, f"magnetic CIF{f' ({name})' if name else ''}: the positions "
                       f"have the operations of {op_tag} times its centrings with time reversal dropped; the "
                       "magnetic moments are not read")


# ----------------------------------------------------------------------------- temperature


_RANGE_RE = re.compile(r"^([+-]?\d+(?:\.\d*)?)\s*(?:-|–|to)\s*([+-]?\d+(?:\.\d*)?)\s*(K|C)?$", re.I)
_UNIT_RE = re.compile(r"^([+-]?\d+(?:\.\d*)?(?:\(\d+\))?)\s*(K|C|°C|deg\.?\s*C)$", re.I)
_TITLE_T_RE = re.compile(r"\bT\s*=\s*(-?\d+(?:\.\d+)?)\s*(K|°?\s*C)\b")


def _read_temperature(block, source, warnings):
    """(T, s.u., tag) in K; None's when no item gives a usable number (with warnings for unusable ones)."""
    result = (None, None, None)
    for tag, offset in _TEMPERATURE_TAGS:
        raw = block.find_value(tag)
        if is_null(raw):
            continue
        text = unquote(raw).strip()
        note = None
        try:
            value, su = parse_number(text)
        except ValueError:
            m = _RANGE_RE.match(text)
            u = _UNIT_RE.match(text)
            try:
                if m:
                    lo, hi = float(m.group(1)), float(m.group(2))
                    value, su = 0.5 * (lo + hi), None
                    offset = 273.15 if (m.group(3) or "").upper() == "C" else offset
                    note = ("temperature_range", f"{tag} {text!r} is a range: its midpoint {value + offset:g} K is "
                                                 f"used (half-width {abs(hi - lo) / 2:g} K)")
                elif u:
                    value, su = parse_number(u.group(1))
                    offset = 273.15 if "C" in u.group(2).upper() else offset
                    note = ("temperature_unit", f"{tag} {text!r} carries a unit: read as {value + offset:g} K")
                else:
                    raise ValueError(text)
            except ValueError:
                warnings.append(WarningText("temperature_not_number", source,
                                            f"{tag} {text!r} is not a number; not used as a temperature"))
                continue
        if result[0] is not None:
            continue
        t = value + offset
        if not 0 < t <= T_MAX:
            warnings.append(WarningText("temperature_implausible", source,
                                        f"{tag} {text!r} gives {t:g} K, not a temperature in K "
                                        f"(0 < T ≤ {T_MAX:g} K); not used"))
            continue
        if note is not None:
            warnings.append(WarningText(note[0], source, note[1]))
        result = (t, su, tag)
    if result[0] is None:
        title = item_text(block, "_publ_section_title") or ""
        m = _TITLE_T_RE.search(title)
        if m:
            warnings.append(WarningText(
                "temperature_in_title", source,
                f"no temperature item; the title mentions {m.group(0)!r}, which is not used as the temperature"))
    return result


# ----------------------------------------------------------------------------- pdCIF pattern blocks


#: pdCIF block pointers (Toby, Von Dreele & Larson 2003, J. Appl. Cryst. 36, 1290): ``_pd_block_id`` names a block;
#: a phase block lists the diffractogram (pattern) blocks its phase was refined from in
#: ``_pd_block_diffractogram_id``; a pattern block lists its phases' blocks in ``_pd_phase_block_id``. The
#: measurement conditions, the temperature among them, are the pattern block's.
_PD_BLOCK_ID = "_pd_block_id"
_PD_PATTERNS = "_pd_block_diffractogram_id"
_PD_PHASES = "_pd_phase_block_id"
#: linked patterns whose temperatures differ by at most this (K) give one temperature
_SAME_T = 1e-6


def _pd_ids(block, tag) -> list[str]:
    """The block ids an item (or a loop column) of ``block`` gives, as written (quotes and the whitespace at their
    ends removed; ``?``, ``.`` and empty values left out)."""
    return [t for t in texts(block.find_values(tag)) if t not in NULL_TEXTS]


class _PatternLinks:
    """The pdCIF block pointers of one document, indexed when first asked (a file none of whose structures lacks a
    temperature never pays for it)."""

    def __init__(self, doc):
        self.doc = doc
        self._by_id: dict[str, list[int]] | None = None  # _pd_block_id → indices of the blocks it names
        self._listing: dict[str, list[int]] = {}  # a phase's _pd_block_id → indices of pattern blocks listing it

    def _index(self):
        self._by_id = {}
        for i, b in enumerate(self.doc):
            for bid in _pd_ids(b, _PD_BLOCK_ID):
                self._by_id.setdefault(bid, []).append(i)
            if _pd_ids(b, _PD_PATTERNS):  # an overall block (it points at the patterns too) is no pattern block
                continue
            for bid in _pd_ids(b, _PD_PHASES):
                self._listing.setdefault(bid, []).append(i)

    def patterns(self, index: int) -> list[int]:
        """Indices of the blocks linked to block ``index`` as its powder patterns (either way), in file order."""
        if self._by_id is None:
            self._index()
        block = self.doc[index]
        found = {i for bid in _pd_ids(block, _PD_PATTERNS) for i in self._by_id.get(bid, ())}
        found.update(i for bid in _pd_ids(block, _PD_BLOCK_ID) for i in self._listing.get(bid, ()))
        found.discard(index)
        return sorted(found)


def _pattern_temperature(phase: Phase, doc, index: int, links: _PatternLinks, source: str) -> Phase:
    """``phase`` (of ``doc[index]``, which gives no temperature) with the temperature of the pattern blocks it is
    linked to, read by :func:`_read_temperature`'s rules (their warnings named by the pattern block); ``phase``
    itself when none gives one. Patterns measured at different temperatures: :class:`SymstrainInputError`."""
    from dataclasses import replace

    readings, notes = [], []
    for i in links.patterns(index):
        pattern, found = doc[i], []
        T, su, tag = _read_temperature(pattern, source, found)
        notes += [WarningText(w.code, source, f"pattern block {pattern.name}: {w}") for w in found
                  if w.code != "temperature_in_title"]
        if T is not None:
            readings.append((T, su, tag, pattern.name))
    if not readings:
        return phase
    if max(r[0] for r in readings) - min(r[0] for r in readings) > _SAME_T:
        raise SymstrainInputError(source, f"block {doc[index].name!r} gives no temperature, and the powder patterns "
                                  "it was refined from were measured at different ones ("
                                  + ", ".join(f"{T:g} K in block {name!r}" for T, _, _, name in readings)
                                  + "): its cell has no one temperature")
    sus = [r[1] for r in readings if r[1] is not None]
    tags = " and ".join(dict.fromkeys(r[2] for r in readings))
    names = ", ".join(r[3] for r in readings)
    kept = tuple(w for w in phase.warnings if getattr(w, "code", None) != "temperature_in_title")
    return replace(phase, temperature=readings[0][0], temperature_su=max(sus) if sus else None,
                   temperature_source=f"{tags} from pattern block{'s' if len(readings) > 1 else ''} {names}",
                   warnings=kept + tuple(notes))


# ----------------------------------------------------------------------------- Z


def _read_z(block, source, warnings) -> float | None:
    """``_cell_formula_units_Z`` as a number, or None (with a warning when it is given but not plausible)."""
    raw = block.find_value("_cell_formula_units_Z")
    if is_null(raw):
        return None
    try:
        z = parse_number(raw)[0]
    except ValueError:
        z = None
    if z is None or not 0 < z <= Z_MAX:
        warnings.append(WarningText("z_not_used", source, f"_cell_formula_units_Z {unquote(raw).strip()!r} is not "
                                    f"a number of formula units (0 < Z ≤ {Z_MAX:g}); Z is not used"))
        return None
    return z
