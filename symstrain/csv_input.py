"""Reading the CSV tables users hand to symstrain (cell series, q/η/χMT branches, strain tables): one reader,
:func:`read_csv_table`, with one-line :class:`~symstrain.errors.SymstrainInputError` messages naming the file.

What lives here: the file-level work (delimiter, comments, header spellings, aliases, numbers, row numbers in
messages). What does not: what a column means: each caller (``series.read_cells_csv``,
``landau_data.read_branch_csv``, ``magnetism.read_chimt_csv``, the ``--strain-table`` option) checks its own
values (branches, ranges, cells) after reading.

Conventions
-----------
* Delimiter: the most frequent of ``,`` ``;`` and tab in the header line, else runs of spaces. Lines starting
  with ``#`` are comments; blank lines are skipped.
* Headers match aliases after :func:`header_key`: lower case, a trailing unit in brackets dropped ("a (Å)" → "a",
  "T [K]" → "t"), χ written chi, "·" dropped, spaces and hyphens as "_". Two headers alike are an error.
* Units: a column that declares the units it reads (:attr:`Column.units`: temperatures in K or °C, lengths in Å,
  nm or pm, angles in degrees or radians) converts a unit written in its header's brackets and refuses one it does
  not know ("T (°C)" was read as K, "a (nm)" as Å: sweep 20); a header without one is in the column's own unit,
  or, for a column that names one (:attr:`Column.unit_of`: an s.u. beside its value), in that column's unit.
* Row numbers in messages are line numbers in the file (the header is on its line, comments count).
* Missing numbers: empty, ``?``, ``.``, ``nan``, ``NaN``, ``NA``; an error in a required column, NaN where
  :attr:`Column.missing_ok`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import SymstrainInputError

_MISSING = ("", "?", ".", "nan", "NaN", "NA")
#: a number, optionally with an s.u. in brackets in units of its last digit: 10.234(3)
_NUMBER = r"([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
_WITH_SU = _NUMBER + r"(?:\((\d+)\))?"
#: a cell that starts with "+": pd.to_numeric (the text path) rounds "+129773949399298.75" otherwise than float()
#: and the parser do, so such files keep the text path (the same numbers as before)
_PLUS_SIGN = re.compile(r"(?:^|[,;\t \"])\+", re.MULTILINE)


@dataclass(frozen=True)
class Column:
    """What a caller wants from one column of the table."""

    #: header spellings that name this column, compared after :func:`header_key`
    aliases: tuple[str, ...]
    #: the file must have the column
    required: bool = True
    #: "number" (float64 array) or "text" (the cells as written)
    kind: str = "number"
    #: empty or missing cells are NaN instead of an error (numbers only)
    missing_ok: bool = False
    #: "10.234(3)" is read as 10.234 with an s.u. of 0.003 (see :attr:`CsvTable.su`) instead of an error
    su_in_brackets: bool = False
    #: how messages name the column's values, e.g. "temperature" (default: the column's name)
    label: str | None = None
    #: the units a header may write in brackets (normalised by :func:`header_unit`) → (scale, offset) to the
    #: column's own unit (value · scale + offset; an s.u. · scale); None: a written unit is not checked
    units: dict | None = None
    #: the column (a name of the same table) whose header's unit this one's values are in when its own header writes
    #: none — an s.u. column beside its value's: "a (nm), a_su" gives both in nm (sweep 21 read a_su in Å)
    unit_of: str | None = None


#: units of the columns that say them (the first of each the column's own)
TEMPERATURE_UNITS = {"k": (1.0, 0.0), "kelvin": (1.0, 0.0), "°c": (1.0, 273.15), "degc": (1.0, 273.15),
                     "c": (1.0, 273.15), "celsius": (1.0, 273.15)}
TEMPERATURE_SU_UNITS = {u: (1.0, 0.0) for u in TEMPERATURE_UNITS}  # (an s.u. in °C is one in K)
LENGTH_UNITS = {"å": (1.0, 0.0), "a": (1.0, 0.0), "ang": (1.0, 0.0), "angstrom": (1.0, 0.0), "nm": (10.0, 0.0),
                "pm": (0.01, 0.0)}
ANGLE_UNITS = {"°": (1.0, 0.0), "deg": (1.0, 0.0), "degree": (1.0, 0.0), "rad": (180.0 / np.pi, 0.0)}


def header_unit(header) -> str | None:
    """The unit a header writes in trailing brackets ("T (°C)" → "°c", "a [Å]" → "å"): lower case, without spaces,
    plurals and "º" spelt as :data:`TEMPERATURE_UNITS` … spell them; None without brackets."""
    m = re.search(r"[\(\[]([^\)\]]*)[\)\]]\s*$", str(header).strip())
    if m is None:
        return None
    u = re.sub(r"\s+", "", m.group(1).lower()).replace("º", "°").replace("˚", "°")
    u = {"degrees": "degree", "angstroms": "angstrom", "ångström": "å", "ångstrom": "å", "°k": "k"}.get(u, u)
    return "°c" if u in ("°c", "degreec", "degreescelsius", "degreecelsius") else u


@dataclass(frozen=True)
class CsvTable:
    """A CSV table read by :func:`read_csv_table`."""

    #: the path as given (the source of every error)
    source: str
    #: one column per name found, in the order asked: float64 for numbers (NaN = missing), object (Python str as
    #: written) for text
    data: "object"
    #: per number column with ``su_in_brackets``: (n,) s.u.'s written in brackets, NaN where none
    su: dict = field(default_factory=dict)
    #: name → header as written in the file, for the columns found
    headers: dict = field(default_factory=dict)
    #: headers of the file that no column asked for, in file order
    ignored: tuple = ()
    #: (n,) int line number in the file of each row
    lines: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))


def header_key(header) -> str:
    """The spelling headers and aliases are compared in (see the module docstring)."""
    h = str(header).strip().lower()
    h = re.sub(r"\s*[\(\[][^\)\]]*[\)\]]\s*$", "", h)  # a trailing unit such as "(Å)" or "[K]"
    h = h.replace("χ", "chi").replace("·", "")
    return re.sub(r"[\s\-]+", "_", h)


def read_csv_table(path, columns: dict[str, Column]) -> CsvTable:
    """Read the CSV at ``path`` and return the ``columns`` asked for (name → :class:`Column`).

    Raises :class:`SymstrainInputError` naming the file when it is missing, not a readable table, empty or has
    no rows, when two headers are spelled alike or both look like one column, when a required column is
    missing (the message lists the aliases looked for), and when a value is missing or not a finite number
    (naming its line and column). A header is taken by the first column (in the order of ``columns``) whose
    aliases it matches.
    """
    import pandas as pd

    src = str(path)
    text, data = _read_text(Path(path), src)
    all_lines = text.splitlines()
    content = _content_lines(all_lines, "#" in text)
    if not content:
        raise SymstrainInputError(src, "the file is empty")
    header = all_lines[content[0] - 1]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    sep = max(counts, key=counts.get) if max(counts.values()) else r"\s+"
    typed = _read_typed(text, "\n".join(all_lines[:content[0]]), sep, columns, data) if len(sep) == 1 else None
    if typed is None:
        raw, numbers = _read_strings(text, sep, src), {}
    else:
        raw, numbers = typed
    if raw.shape[0] == 0:
        raise SymstrainInputError(src, "the table has no rows")
    lines = np.array(content[1:] if len(content) - 1 == len(raw) else np.arange(len(raw)) + 2, dtype=int)
    headers = _match_headers(raw.columns, columns, src)
    data, su = {}, {}
    for name, hdr in headers.items():
        col = columns[name]
        if col.kind == "text":  # Python str objects as read (no conversion to pandas' text dtype and back)
            data[name] = pd.Series(raw[hdr].to_numpy(dtype=object), dtype=object, copy=False)
            continue
        if hdr in numbers:  # plain finite numbers, converted by the parser: no s.u. in brackets
            values, brackets = numbers[hdr], np.full(len(raw), np.nan)
        elif col.missing_ok and _all_missing(raw[hdr]):  # an empty column (s.u.'s of the angles): what _numbers gives
            values, brackets = np.full(len(raw), np.nan), np.full(len(raw), np.nan)
        else:
            values, brackets = _numbers(raw[hdr].astype(str).str.strip(), col, name, hdr, lines, src)
        unit = header_unit(hdr) if col.units is not None else None
        if unit is None and col.units is not None and col.unit_of in headers:
            unit = header_unit(headers[col.unit_of])
        if unit is not None:
            if unit not in col.units:
                first: dict = {}
                for spelling, conversion in col.units.items():  # one spelling per unit, the first
                    first.setdefault(conversion, spelling)
                names = first.values()
                raise SymstrainInputError(src, f"column {hdr!r}: unit {unit!r} is not one its values are read in "
                                               f"({', '.join(names)})")
            scale, offset = col.units[unit]
            if (scale, offset) != (1.0, 0.0):
                values, brackets = values * scale + offset, brackets * scale
        data[name] = pd.Series(values, copy=False)
        if col.su_in_brackets:
            su[name] = brackets
    ignored = tuple(h for h in raw.columns if h not in headers.values())
    return CsvTable(src, pd.DataFrame(data, index=pd.RangeIndex(len(raw))) if data else
                    pd.DataFrame(index=range(len(raw))), su, headers, ignored, lines)


def _all_missing(column) -> bool:
    """Every cell of a text column is one of the spellings of a missing number (:data:`_MISSING`), judged on its
    distinct values (no per-cell text work)."""
    import pandas as pd

    try:
        distinct = pd.unique(column.to_numpy(dtype=object))
    except TypeError:
        return False
    return all(type(v) is str and v in _MISSING for v in distinct.tolist())


def _read_strings(text: str, sep: str, src: str):
    """The table with every cell as text (pandas), comments and blank lines dropped; one-line errors."""
    import io

    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(text), sep=sep, engine="python" if len(sep) > 1 else "c", dtype=str,
                           keep_default_na=False, comment="#", skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise SymstrainInputError(src, "the file is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise SymstrainInputError(src, f"not a readable CSV table ({' '.join(str(exc).split())[:120]})") from None


def _content_lines(lines: list[str], comments: bool) -> list[int]:
    """Line numbers (from 1) of the lines that are neither blank nor comments ("#" first; ``comments``: some line
    may be one), without a Python step per line (10⁵ lines)."""
    from itertools import repeat

    stripped = list(map(str.strip, lines))
    keep = np.fromiter(map(len, stripped), dtype=np.int64, count=len(lines)) > 0
    if comments:
        keep &= ~np.fromiter(map(str.startswith, stripped, repeat("#")), dtype=bool, count=len(lines))
    return (np.flatnonzero(keep) + 1).tolist()


def _read_typed(text: str, head: str, sep: str, columns: dict[str, Column], data: bytes | None = None):
    """(table, {header: float64 values}) of the CSV ``text`` (``head``: its lines up to the header) read by pandas'
    C parser with the number columns converted as it reads (no text object per cell: 10⁵ rows ~2× faster), or None
    when that is not exactly what :func:`_numbers` would give (a column the parser made anything but plain finite
    numbers — with gaps (NaN) where the column may have them — or text, a parse or header error: the caller reads the cells as text and says what is wrong, in its
    order). Text columns are read as text; a number column the parser kept as text (brackets, gaps, words) is
    returned as text for :func:`_numbers`. The parser converts a number as Python's float() does (correctly
    rounded; checked in the tests), as ``pd.to_numeric`` in :func:`_numbers`. ``data``: the file's bytes when they
    are ``text``'s UTF-8 (else None: the text is encoded here)."""
    import io

    import pandas as pd

    if "+" in text and _PLUS_SIGN.search(text):
        return None
    opts = dict(sep=sep, engine="c", keep_default_na=False, comment="#", skipinitialspace=True, low_memory=False)
    try:
        names = pd.read_csv(io.StringIO(head), nrows=0, dtype=str, **opts).columns
        headers = _match_headers(names, columns, "")
        text_cols = {h for n, h in headers.items() if columns[n].kind == "text"}
        # a number column that may have gaps: the spellings of a missing number (stripped of leading spaces, as
        # :func:`_numbers` strips them; one with trailing spaces stays text and goes there) are NaN as it reads
        gaps = {h: list(_MISSING) for n, h in headers.items() if columns[n].kind == "number" and columns[n].missing_ok}
        # text columns as Python str objects: what .to_numpy() of pandas' text columns gives, without arrow
        # (the text's UTF-8 bytes: the C parser reads bytes ~25 % faster than a text stream it has to encode)
        raw = pd.read_csv(io.BytesIO(text.encode() if data is None else data), dtype={h: object for h in text_cols},
                          na_values=gaps, **opts)
    except Exception:  # SymstrainInputError included: the text reader says what is wrong, in its order
        return None
    if list(raw.columns) != list(names):
        return None
    numbers = {}
    for name, hdr in headers.items():
        if hdr in text_cols:
            continue
        kind = raw[hdr].dtype
        if kind == object or isinstance(kind, pd.StringDtype):  # text (brackets, gaps, words): _numbers reads it
            continue
        if kind not in (np.float64, np.int64):
            return None
        values = raw[hdr].to_numpy(dtype=float)
        if (np.isinf(values) if hdr in gaps else ~np.isfinite(values)).any():  # NaN only from a gap's spelling
            return None
        numbers[hdr] = values
    return raw, numbers


#: the suffix pandas gives a repeated header ("a" → "a.1")
_REPEAT_SUFFIX = re.compile(r"\.\d+$")


def _match_headers(names, columns: dict[str, Column], src: str) -> dict[str, str]:
    """name → header of the file for each column found (the first column, in the order of ``columns``, whose aliases
    a header matches); :class:`SymstrainInputError` when two headers look like one column or a required one is
    missing."""
    keys = [header_key(h) for h in names]
    # (pandas renames a repeated header "a" to "a.1": sweep 20's "T,a,b,c,a" read the first and ignored "a.1")
    given = set(map(str, names))
    plain = [base if (base := _REPEAT_SUFFIX.sub("", str(h))) in given else str(h) for h in names]
    twice = sorted({h for h in plain if plain.count(h) > 1})
    if twice:
        raise SymstrainInputError(src, f"the header {twice[0]!r} is written {plain.count(twice[0])} times: which "
                                       "column is meant?")
    headers: dict[str, str] = {}
    for name, col in columns.items():
        want = {header_key(a) for a in col.aliases}
        found = [h for k, h in zip(keys, names) if k in want and h not in headers.values()]
        if len(found) > 1:
            raise SymstrainInputError(src, f"columns {', '.join(map(repr, found))} all look like {col.label or repr(name)}")
        if found:
            headers[name] = found[0]
    missing = [n for n, c in columns.items() if c.required and n not in headers]
    if missing:
        wanted = "; ".join(f"{n} (no column named {', '.join(columns[n].aliases)})" for n in missing)
        raise SymstrainInputError(src, f"missing column(s): {wanted}; the file has {', '.join(map(str, names))}")
    return headers


def _read_text(path: Path, src: str) -> tuple[str, bytes | None]:
    """(the file's text as a text-mode read gives it — UTF-8, "\\r\\n" and "\\r" made "\\n" —, its bytes when
    they are that text's UTF-8, i.e. hold no "\\r", else None). Read as bytes and decoded once: ~2× faster than a
    text-mode read of a 15 MB table, and the parser gets the bytes without a second encoding."""
    if not path.exists():
        raise SymstrainInputError(src, "file not found")
    if not path.is_file():
        raise SymstrainInputError(src, "not a file")
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SymstrainInputError(src, f"not a readable CSV table (not UTF-8 text: {exc.reason})") from None
    except OSError as exc:
        raise SymstrainInputError(src, f"cannot read: {exc.strerror or exc}") from None
    if "\r" in text:  # universal newlines, as a text-mode read makes them
        return text.replace("\r\n", "\n").replace("\r", "\n"), None
    return text, data


def _numbers(cells, col: Column, name: str, hdr: str, lines: np.ndarray, src: str):
    """(values, s.u.'s in brackets) of one column of stripped cell texts, vectorised; errors name the first bad row."""
    import pandas as pd

    # fast path: a column of plain finite numbers (the usual case) needs no regular expression; missing cells
    # where they may be missing (s.u. columns with gaps) keep it
    plain = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(plain)
    if finite.all() and not cells.str.contains(r"[()]", regex=True).any():
        return plain, np.full(len(plain), np.nan)
    missing = cells.isin(_MISSING).to_numpy()
    if col.missing_ok and (finite | missing).all() and not (finite & missing).any() \
            and not cells.str.contains(r"[()]", regex=True).any():
        return np.where(missing, np.nan, plain), np.full(len(plain), np.nan)
    parts = cells.str.fullmatch(_WITH_SU if col.su_in_brackets else _NUMBER)
    bad = ~missing & ~parts.to_numpy(dtype=bool)
    stop = bad | (missing & (not col.missing_ok))
    if stop.any():
        i = int(np.argmax(stop))
        if bad[i]:
            raise SymstrainInputError(src, f"row {lines[i]}, column {hdr!r}: {cells.iloc[i]!r} is not a number")
        raise SymstrainInputError(src, f"row {lines[i]}: missing {col.label or name} (column {hdr!r})")
    found = cells.str.extract(_WITH_SU if col.su_in_brackets else _NUMBER)
    values = np.array(found[0].astype(float), dtype=float)
    if not np.all(np.isfinite(values) | missing):
        i = int(np.argmax(~np.isfinite(values) & ~missing))
        raise SymstrainInputError(src, f"row {lines[i]}, column {hdr!r}: {cells.iloc[i]!r} is not a finite number")
    brackets = np.full(len(values), np.nan)
    if col.su_in_brackets:
        digits = found[1].to_numpy()
        has = ~found[1].isna().to_numpy()
        if has.any():
            mantissa = found[0][has].to_numpy(dtype=str)
            decimals = np.array([len(m.split(".")[1]) if "." in m else 0 for m in mantissa])
            brackets[has] = digits[has].astype(float) * 10.0 ** -decimals
    values[missing] = np.nan
    return values, brackets
