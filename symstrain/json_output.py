"""Writing JSON documents that hold big tables fast: a list of row objects given column by column (:class:`Rows`) is
written as exactly the text ``json.dumps`` gives for the same objects (separators ", " and ": ", ASCII escapes,
Python's repr of every float, null for a missing or non-finite number), a block of rows at a time: the floats of a
block formatted at once (:func:`symstrain.csv_output.float_texts`), each distinct string or object encoded once,
the row's text a %-template filled for the whole block by ``%`` (``symstrain table --json``: 10⁵ rows × 62
numbers, ≈ 230 MB).

What lives here: :class:`Rows` and the kinds of its fields (:class:`Floats`, :class:`Values`, :class:`Obj`,
:class:`Arr`, :func:`quantity`), :class:`RawJSON` (a value given as its JSON text, made beforehand) and
:func:`write_json`, which streams a document holding Rows and RawJSON. What does not: the
float formatting (``csv_output.py``), what the rows of a command are (``cli/table.py``), the envelope
(``cli/__init__.py``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii

import numpy as np

#: rows formatted and written at once (a few MB of text)
ROWS_AT_ONCE = 4096


@dataclass(frozen=True, eq=False)
class Floats:
    """A number per row: ``values`` (n,) float; NaN and ±inf are null."""

    values: np.ndarray


@dataclass(frozen=True, eq=False)
class Values:
    """A JSON value per row: ``items`` a list of n plain JSON values (str, None, bool, int, dict, list — no numpy,
    no NaN), each distinct one encoded once (strings by value, dicts and lists by identity); or, with ``codes``
    ((n,) int), the value of row i is ``items[codes[i]]`` (each item encoded once: a column factorized once by its
    maker, e.g. with pandas)."""

    items: list
    codes: np.ndarray | None = None

    def each(self) -> list:
        """The n values, one per row."""
        if self.codes is None:
            return list(self.items)
        return list(map(self.items.__getitem__, np.asarray(self.codes).tolist()))


@dataclass(frozen=True, eq=False)
class Obj:
    """An object per row: ``fields`` {key: field} in the order written; ``null`` (n,) bool marks the rows where the
    whole object is null (None: never)."""

    fields: dict
    null: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Arr:
    """A list of fixed length per row: ``items`` a tuple of fields."""

    items: tuple


def quantity(value, su=None, n: int | None = None) -> Obj:
    """The contract's Quantity ``{"value", "su"}`` per row from two (n,) arrays; None for a missing column (all null,
    needs ``n``)."""
    def col(x):
        return Floats(np.full(n, np.nan) if x is None else np.asarray(x, dtype=float))

    return Obj({"value": col(value), "su": col(su)})


class Rows:
    """A list of ``n`` JSON row objects given column by column: ``fields`` {key: field} in the order written.

    :meth:`write` writes ``json.dumps(self.to_list())`` without building the objects; :meth:`to_list` builds them
    (the library's view, and the text for ``indent``)."""

    def __init__(self, n: int, fields: dict):
        self.n = int(n)
        self.row = Obj(dict(fields))
        self._program = None
        self._spooled = None  # the text made by spool(): an anonymous temporary file

    def __len__(self) -> int:
        return self.n

    # -------------------------------------------------------------------------------------------- Python objects

    def to_list(self) -> list:
        """The rows as Python objects (dicts, lists, floats, None …): ``json.loads`` of :meth:`write`'s text."""
        return _objects(self.row, self.n)

    # -------------------------------------------------------------------------------------------- text

    def spool(self) -> None:
        """Make the text of :meth:`write` now, into an anonymous temporary file that :meth:`write` then copies (the
        rows made while another process works, e.g. ``table --json`` while its child draws the figures)."""
        import io
        import tempfile

        self._spooled = None
        tmp = tempfile.TemporaryFile()
        text = io.TextIOWrapper(tmp, encoding="utf-8", newline="")
        self.write(text)
        text.detach()
        self._spooled = tmp

    def write(self, fh, rows_at_once: int = ROWS_AT_ONCE) -> None:
        """Write ``json.dumps(self.to_list())`` to the text file ``fh``, ``rows_at_once`` rows at a time: the row's
        text is a %-template with a hole per number or value (:func:`_compile`), a block of rows filled by ``%``
        (:func:`_block`); or the text made by :meth:`spool`, copied."""
        if self._spooled is not None:
            self._spooled.seek(0)
            while chunk := self._spooled.read(1 << 22):  # whole characters: the text is ASCII (escaped as json's)
                fh.write(chunk.decode("utf-8"))
            return
        if self._program is None:
            self._program = _compile(self.row)
        fh.write("[")
        for lo in range(0, self.n, rows_at_once):
            text = _block(self._program, lo, min(lo + rows_at_once, self.n), ", ")
            fh.write(text if lo == 0 else ", " + text)
        fh.write("]")


def _objects(field, n: int) -> list:
    """The Python objects of ``field`` for the n rows."""
    if isinstance(field, Floats):
        x = np.asarray(field.values, dtype=float)
        x = np.where(np.isfinite(x), x, np.nan).tolist()
        return [None if v != v else v for v in x]
    if isinstance(field, Values):
        return field.each()
    if isinstance(field, Arr):
        return [list(t) for t in zip(*(_objects(f, n) for f in field.items))] if field.items else [[] for _ in
                                                                                                    range(n)]
    keys = list(field.fields)
    if keys:
        out = [dict(zip(keys, t)) for t in zip(*(_objects(f, n) for f in field.fields.values()))]
    else:
        out = [{} for _ in range(n)]
    if field.null is not None:
        out = [None if z else d for d, z in zip(out, np.asarray(field.null, dtype=bool).tolist())]
    return out


def _encoded(items: list) -> list[str]:
    """The JSON text of each item (as ``json.dumps`` writes it), each distinct item encoded once: by value, or by
    identity for unhashable items (dicts, lists) and columns that mix kinds of numbers (1, 1.0 and True are one
    dictionary key and three texts)."""
    try:
        table = dict.fromkeys(items)
        by_id = len({type(k) for k in table} - {str, type(None)}) > 1
    except TypeError:
        by_id = True
    keys = list(map(id, items)) if by_id else items
    if by_id:
        table = dict(zip(keys, items))
    for k, v in table.items():
        v = v if by_id else k
        table[k] = encode_basestring_ascii(v) if type(v) is str else json.dumps(v, allow_nan=False)
    return list(map(table.__getitem__, keys))


def _compile(field) -> tuple[str, bool, list]:
    """``(template, two_stages, holes)`` of ``field``'s text. ``holes`` in order: a Floats, a list of n texts (encoded
    Values), or ``(program, null)`` for an object that may be null (its own text per row, or "null"). The template
    is the literal text with "%s" for each Floats; when there are other holes (``two_stages``), "%%s" for each of
    them and "%" written "%%%%" (a first ``%`` puts the numbers in, a second the rest), else "%" written "%%"."""
    parts, holes = [""], []

    def lit(s):
        parts[-1] += s

    def walk(f):
        if isinstance(f, Floats):
            holes.append(f)
        elif isinstance(f, Values) and f.codes is not None:
            texts = [encode_basestring_ascii(v) if type(v) is str else json.dumps(v, allow_nan=False) for v in f.items]
            holes.append(np.array(texts, dtype=object)[np.asarray(f.codes, dtype=np.intp)].tolist())
        elif isinstance(f, Values):
            holes.append(_encoded(list(f.items)))
        elif isinstance(f, Obj) and f.null is not None:
            holes.append((_compile(Obj(f.fields)), np.asarray(f.null, dtype=bool)))
        elif isinstance(f, Obj):
            lit("{")
            for k, (key, sub) in enumerate(f.fields.items()):
                lit((", " if k else "") + encode_basestring_ascii(str(key)) + ": ")
                walk(sub)
            lit("}")
            return
        else:
            lit("[")
            for k, sub in enumerate(f.items):
                if k:
                    lit(", ")
                walk(sub)
            lit("]")
            return
        parts.append("")

    walk(field)
    two = not all(isinstance(h, Floats) for h in holes)
    text = [parts[0].replace("%", "%%%%" if two else "%%")]
    for h, p in zip(holes, parts[1:]):
        text += ["%s" if isinstance(h, Floats) else "%%s", p.replace("%", "%%%%" if two else "%%")]
    return "".join(text), two, holes


def _block(program, lo: int, hi: int, sep: str) -> str:
    """The text of rows lo…hi-1 joined by ``sep`` (no "%" in it): the numbers of every Floats hole of every row
    formatted in one call (:func:`symstrain.csv_output.float_texts`, row after row: the arguments of the first
    ``%`` as they come), then the other holes' texts, put row after row by a slice assignment per hole, by a
    second ``%``."""
    from .csv_output import float_texts

    template, two, holes = program
    m = hi - lo
    floats = [np.asarray(h.values, dtype=np.float64)[lo:hi] for h in holes if isinstance(h, Floats)]
    text = sep.join([template] * m) % tuple(float_texts(np.stack(floats, axis=1)) if floats else ())
    if not two:
        return text
    others = [h for h in holes if not isinstance(h, Floats)]
    V = len(others)
    args = [""] * (m * V)
    for j, h in enumerate(others):
        if isinstance(h, list):
            args[j::V] = h[lo:hi]
        else:
            sub, null = h
            rows = _block(sub, lo, hi, "\x00").split("\x00")
            for i in np.flatnonzero(null[lo:hi]).tolist():
                rows[i] = "null"
            args[j::V] = rows
    return text % tuple(args)


# ------------------------------------------------------------------------------------------------ documents


def jsonable(obj):
    """Convert numpy scalars/arrays, tuples and non-finite floats into plain JSON values; anything else is kept (a
    table's :class:`Rows` and a :class:`RawJSON` are written by :func:`write_json`)."""
    t = type(obj)
    if t is str or t is int or t is bool or obj is None:  # the common leaves first
        return obj
    if t is float:
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if hasattr(obj, "to_dict"):
        return jsonable(obj.to_dict())
    return obj


@dataclass(frozen=True, eq=False)
class RawJSON:
    """A value given as its JSON text, made beforehand (``json.dumps`` of plain JSON values, compact, ASCII; e.g. by
    the worker process that made the value, :attr:`symstrain.structure_info.StructureInfo.json_text`):
    :func:`write_json` writes the text where the value stands."""

    text: str


def write_json(doc, fh, indent=None) -> None:
    """Write ``json.dumps(doc, indent=indent, allow_nan=False)`` to ``fh`` for a ``doc`` of plain JSON values that
    may hold :class:`Rows` (each written as its list) and :class:`RawJSON` (each written as its text) anywhere.
    Compact (``indent`` None): the rest of the document is dumped once with a placeholder for each of them and the
    rows are streamed, the texts written, in its place; indented: the rows are built as objects, the texts parsed,
    and the whole is ``json.dumps``."""
    found = []

    def swap(o, mark):
        if isinstance(o, (Rows, RawJSON)):
            found.append(o)
            return mark(o)
        if isinstance(o, dict):
            return {k: swap(v, mark) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [swap(v, mark) for v in o]
        return o

    if indent is None:
        text = json.dumps(swap(doc, lambda o: f"\x00symstrain rows {len(found) - 1}\x00"), allow_nan=False)
        parts = text.split('"\\u0000symstrain rows ')
        if len(parts) == len(found) + 1 and all(p.startswith(f'{k}\\u0000"') for k, p in enumerate(parts[1:])):
            fh.write(parts[0])
            for k, (value, part) in enumerate(zip(found, parts[1:])):
                if isinstance(value, RawJSON):
                    fh.write(value.text)
                else:
                    value.write(fh)
                fh.write(part[len(f'{k}\\u0000"'):])
            return
        found.clear()
    fh.write(json.dumps(swap(doc, lambda o: json.loads(o.text) if isinstance(o, RawJSON) else o.to_list()),
                        indent=indent, allow_nan=False))
