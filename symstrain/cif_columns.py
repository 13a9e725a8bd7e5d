"""Whole columns of a CIF loop at once: the raw values of a block's columns (one gemmi call per loop) and the numbers of
columns of plain decimals with s.u.'s (one pass over a set of columns instead of one
:func:`~symstrain.cif_values.parse_number` call per value).

What lives here: :class:`Columns`, :func:`plain_column` and :func:`plain_columns` (the numbers and s.u.'s
``parse_number`` gives, or None for a column with any other form), :func:`within` / :func:`checked_column` (the same
within bounds) and :func:`null_or_plain` (plain numbers and '?'/'.'). What does not: what a column means and what is
said about a value that is not plain (``cif_atoms.py`` reads such columns entry by entry, with its messages); the
number syntax itself (``cif_values.py``). Every function here gives exactly the numbers the entry-by-entry reader gives,
or None.
"""

from __future__ import annotations

import re

import numpy as np

from . import cif_values as values


class Columns:
    """The raw values of a block's columns by tag (``None`` for an absent or empty column), the values of each loop
    fetched from gemmi once: one call for the whole loop instead of one per value, and the other columns of a loop
    already fetched read from it without asking gemmi again (a tag occurs once in a block: gemmi refuses a duplicate
    tag, in any case, as it reads; only ASCII tags, matched as gemmi matches them, case-insensitively)."""

    def __init__(self, block):
        self.block = block
        self._loops: dict = {}
        #: ASCII tag in lower case → (values, width, column) of the loop fetched that holds it
        self._known: dict = {}

    def __call__(self, tag) -> list[str] | None:
        known = self._known.get(tag.lower()) if tag.isascii() else None
        if known is not None:
            values, width, k = known
            return values[k::width] or None
        col = self.block.find_values(tag)
        if col is None or len(col) == 0:
            return None
        loop = col.get_loop()
        if loop is None:
            return list(col)
        tags = loop.tags
        key = tuple(tags)
        hit = self._loops.get(key)
        if hit is None:
            try:
                hit = self._loops[key] = (loop.values, len(tags))
            except UnicodeDecodeError:  # (a block read by the caller from a non-UTF-8 file) only the columns asked
                hit = self._loops[key] = (None, 0)  # for may fail, as they would one by one
            else:
                for k, t in enumerate(tags):
                    if t.isascii():
                        self._known.setdefault(t.lower(), (hit[0], hit[1], k))
        values, width = hit
        if values is None:
            return list(col)
        return values[tags.index(col.tag)::width]


#: a column of plain decimals, each with or without a bracketed integer s.u. (``0.1234(5)``), one per line: the form
#: nearly every coordinate column has, read at once by :func:`plain_column`; groups: the number, its decimals (one of
#: the two groups, the other empty) and the s.u.
_PLAIN_COLUMN_RE = re.compile(r"^([+-]?(?:\d+\.?(\d*)|\.(\d+)))(?:\((\d{1,15})\))?$", re.M)
#: 0-9 . + - and the line break: an ASCII text with no other byte (``bytes.translate`` deleting these leaves nothing; some
#: ten times faster than a regular expression's negated class) is decimal characters only
_DECIMAL_BYTES = b"0123456789.+-\n"
#: 10.0**-d as :func:`~symstrain.cif_values.parse_number` computes it (int(su) / 10.0**d), for d up to 40
_POW10 = np.array([10.0**d for d in range(41)])


def plain_column(raw) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, s.u.'s NaN where none) of a column whose every entry is a plain decimal with an optional integer s.u.
    — the numbers :func:`~symstrain.cif_values.parse_number` gives, from one regular-expression pass over the
    column; None when any entry has another form (the caller then reads entry by entry)."""
    if not raw:
        return None
    text = "\n".join(raw)
    if text.count("\n") != len(raw) - 1:  # an entry over several lines (a text field)
        return None
    if "(" not in text and text.isascii() and not text.encode("ascii").translate(None, _DECIMAL_BYTES):
        # no s.u.'s: over the characters 0-9 . + - a text is a number for float() exactly when it is one for
        # _PLAIN_COLUMN_RE (no exponent, no inf/nan, no blanks or underscores can occur), so float() does both
        try:
            value = np.array(list(map(float, raw)), dtype=float)  # (float() per entry: twice numpy's str → float)
        except ValueError:
            return None
        return (value, np.full(len(raw), np.nan)) if np.isfinite(value).all() else None
    found = _PLAIN_COLUMN_RE.findall(text)
    if len(found) != len(raw):  # also an s.u. of more than 15 digits
        return None
    mant, decimals, decimals0, sus = zip(*found)
    value = np.array(list(map(float, mant)), dtype=float)
    if not np.isfinite(value).all():
        return None
    su = np.full(len(found), np.nan)
    has = [i for i, e in enumerate(sus) if e]
    if has:
        dec = [len(decimals[i]) + len(decimals0[i]) for i in has]
        if max(dec) >= len(_POW10):
            return None
        su[has] = np.array([sus[i] for i in has], dtype=float) / _POW10[dec]
    return value, su


#: a character no plain number (:data:`_PLAIN_COLUMN_RE`) holds: a column with one is read entry by entry
_NOT_PLAIN_CHAR = re.compile(r"[^\d.+\-()\n]")


#: the characters of :data:`_NOT_PLAIN_CHAR`'s class for an ASCII text (``\d`` is 0-9 there)
_PLAIN_BYTES = b"0123456789.+-()\n"


def _plain_chars_only(text: str) -> bool:
    """True when ``text`` holds no character :data:`_NOT_PLAIN_CHAR` finds (ASCII text by ``bytes.translate``)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _PLAIN_BYTES)
    return not _NOT_PLAIN_CHAR.search(text)


def plain_columns(cols: list) -> list:
    """:func:`plain_column` of each of ``cols`` (None for an absent column), from one pass over all the columns that
    may be plain when every entry of them is (each entry is read alone, so the numbers are the same either way)."""
    out = [None] * len(cols)
    tried = [k for k, c in enumerate(cols) if c is not None and _plain_chars_only("\n".join(c))]
    whole = plain_column([v for k in tried for v in cols[k]]) if len(tried) > 1 else None
    if whole is None:
        for k in tried:
            out[k] = plain_column(cols[k])
        return out
    start = 0
    for k in tried:
        end = start + len(cols[k])
        out[k] = (whole[0][start:end], whole[1][start:end])
        start = end
    return out


def within(plain, scale: float, bounds) -> np.ndarray | None:
    """``scale`` × the values of a :func:`plain_column` result when every one lies within ``bounds``, else None."""
    if plain is None:
        return None
    v = plain[0] * scale
    lo, hi = bounds
    return v if not len(v) or (v.min() >= lo and v.max() <= hi) else None  # (NaN fails both)


def checked_column(raw, scale: float, bounds) -> np.ndarray | None:
    """``scale`` × the values of a column of plain numbers (:func:`plain_column`) when every one lies within
    ``bounds``; None for an absent column, any other form or any value out of bounds (read entry by entry then)."""
    return None if raw is None else within(plain_column(raw), scale, bounds)


def null_or_plain(raw, plain, scale: float, bounds):
    """(``scale`` × the numbers, NaN where the entry is null ('?', '.'); the entries' texts, None when none is null)
    of a column whose every entry is null or a plain number (``plain``: its :func:`plain_column`) within ``bounds``;
    None for any other column (read entry by entry then)."""
    if plain is not None:
        v = within(plain, scale, bounds)
        return None if v is None else (v, None)
    text = values.texts(raw)
    known = [i for i, t in enumerate(text) if t not in values.NULL_TEXTS]
    if len(known) == len(raw):
        return None
    v = np.full(len(raw), np.nan)
    if known:
        numbers = within(plain_column([raw[i] for i in known]), scale, bounds)
        if numbers is None:
            return None
        v[known] = numbers
    return v, text
