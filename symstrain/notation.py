"""Text of numbers and symmetry, written one way everywhere: fractions, vectors, xyz triplets, basis strings,
values with standard uncertainties.

What lives here: pure formatting and parsing of notation, no crystallography beyond it. Callers that need an
operation written as a triplet, a fraction, a basis ``(b, -a, c)`` or a value ``12.370(2)`` import it from here.

Conventions
-----------
* An operation (R, t) acts on fractional column vectors, x' = R·x + t; its triplet lists x', y', z' as
  ``'-x+1/2,y,-z+1/2'``. Fractions are the nearest with denominator ≤ 48 unless stated.
* A basis change P (3×3, columns = new basis vectors in old units) is written ``(b, -a, c)``.
* A value with s.u. uses the crystallographers' parentheses: the s.u. to one significant digit (two when it
  starts with 1); ``(0)`` only for an s.u. given as exactly 0; no parentheses when the s.u. is unknown.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

_AXES = "xyz"


def frac(v: float, max_den: int = 48) -> Fraction:
    """The nearest fraction to ``v`` with denominator ≤ ``max_den``."""
    return _frac(float(v), int(max_den))


#: denominators tried first by :func:`_frac` (a v·d within 1e-9 of an integer for one of them settles it)
_FAST_DENS = (1, 2, 4, 3, 6, 8, 12, 24, 48)


@lru_cache(maxsize=8192)
def _frac(v: float, max_den: int) -> Fraction:
    # the same few values (0, ±1, 1/2, 1/4 …) come back thousands of times in operations and conditions.
    # A v within 1e-9/d of p/d (d ≤ max_den) has p/d as its nearest fraction of denominator ≤ max_den: any other
    # such fraction lies at least 1/(d·max_den) ≥ 2·10⁻⁶ from p/d for max_den ≤ 10,000. Else the general search.
    for d in _FAST_DENS:
        if d > max_den:
            break
        x = v * d
        n = round(x)
        if abs(x - n) < 1e-9:
            return Fraction(n, d)
    return Fraction(v).limit_denominator(max_den)


def frac_str(v: float, max_den: int = 48) -> str:
    """A number as the nearest fraction with denominator ≤ max_den, e.g. '1/4', '-3/8', '2', '0'."""
    return str(frac(v, max_den))


def is_simple_fraction(v: float, max_den: int = 48, tol: float = 1e-6) -> bool:
    """True when ``v`` is within ``tol`` of a fraction with denominator ≤ ``max_den``."""
    return abs(float(frac(v, max_den)) - float(v)) <= tol


def fmt_vector(v, max_den: int = 48) -> str:
    """``(1/4, 0, 0)`` for a fractional vector; a component that is no fraction with denominator ≤ ``max_den``
    (within 1e-6: an origin along a polar axis is any number) as a decimal, ``(-0.07528, 0, 1/4)``, never rounded to
    a fraction it is not."""
    return "(" + ", ".join(frac_str(x, max_den) if is_simple_fraction(x, max_den) else f"{x:.5f}"
                           for x in np.asarray(v, dtype=float).reshape(-1)) + ")"


def triplet(R, t, *, reduce: bool = False, exact_for: str | None = None) -> str:
    """The xyz triplet of x' = R·x + t, e.g. ``'-x+1/2,y,-z+1/2'``.

    ``reduce``: write t modulo 1 (in [0, 1)). With ``exact_for`` (a source name, for files that must be exact) a
    translation that is not a fraction with denominator ≤ 48 raises :class:`SymstrainInputError` naming it.
    """
    R = np.asarray(R, dtype=float).reshape(3, 3)
    t = np.asarray(t, dtype=float).reshape(3).copy()
    if reduce:
        t %= 1.0
        t[np.abs(t - 1.0) <= 1e-8 + 1e-5] = 0.0  # np.isclose(t, 1.0), without its ~15 µs of overhead per call
    if exact_for is not None:
        for v in t:
            if not is_simple_fraction(v):
                from .errors import SymstrainInputError

                raise SymstrainInputError(exact_for, f"translation {v} of a symmetry operation is not a simple fraction")
    return triplet_text(R.tolist(), t.tolist())


def triplet_text(rows, tvals) -> str:
    """:func:`triplet` of R given as three rows of numbers and t as three numbers (Python lists: element access on
    numpy scalars costs more than the text), t as it is written (no reduction)."""
    out = []
    for row, ti in zip(rows, tvals):
        terms = ""
        for c, axis in zip(row, _AXES):
            if abs(c) < 1e-9:
                continue
            ci = int(round(c))
            if abs(c - ci) > 1e-6:
                terms += ("+" if c > 0 and terms else "") + f"{frac_str(c)}*{axis}"
            elif ci == 1:
                terms += ("+" if terms else "") + axis
            elif ci == -1:
                terms += "-" + axis
            else:
                terms += ("+" if ci > 0 and terms else "") + f"{ci}*{axis}"
        if abs(ti) > 1e-9:
            s = frac_str(ti)
            terms += s if s.startswith("-") else ("+" + s if terms else s)
        out.append(terms or "0")
    return ",".join(out)


def basis_string(P) -> str:
    """New basis in terms of the old, e.g. '(b, -a, c)' or '(a+b, -a+b, c)' or '(1/2a+1/2b, ...)'."""
    P = np.asarray(P, dtype=float)
    cols = []
    for j in range(3):
        terms = ""
        for i, name in enumerate("abc"):
            c = P[i, j]
            if abs(c) < 1e-9:
                continue
            mag = frac_str(abs(c), 12)
            sign = "-" if c < 0 else ("+" if terms else "")
            terms += f"{sign}{'' if mag == '1' else mag}{name}"
        cols.append(terms or "0")
    return "(" + ", ".join(cols) + ")"


def fixed(value, decimals: int = 5) -> str:
    """``value`` with ``decimals`` decimals, an exact 0 (zero by symmetry, or nothing there) as ``0``: never
    ``0.00000`` (which reads as a small number rounded) nor ``-0.00000``."""
    v = float(value)
    return "0" if v == 0 else f"{v:.{decimals}f}"


def format_su(value, su=None, digits: int = 6) -> str:
    """A value with its standard uncertainty in the crystallographers' notation, e.g. ``12.370(2)``.

    The s.u. is rounded to one significant digit (two when it starts with 1) and the value to the same decimal;
    an s.u. of exactly 0 is written ``(0)``; without an s.u. the value gets ``digits`` significant digits; a
    missing or non-finite value is ``—``. Exact zeros never print as ``-0``.
    """
    if value is None or not math.isfinite(float(value)):
        return "—"
    v = float(value)
    if abs(v) < 1e-12:
        v = 0.0
    if su is None or not math.isfinite(float(su)):
        return f"{v:.{digits}g}"
    s = float(su)
    if s <= 0:
        return f"{v:.{digits}g}(0)"
    e = int(math.floor(math.log10(s)))
    dec = min(max(0, (1 - e) if s / 10**e < 2 else -e), 10)
    return f"{v:.{dec}f}({round(s * 10**dec):d})"
