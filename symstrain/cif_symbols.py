"""Space-group symbols as CIF files write them, turned into gemmi's space group: :func:`sg_from_hm` (H-M symbols with
any spacing, underscores, SHELXTL's subscripts in parentheses 'P2(1)/c', a setting written after the symbol in words
'F d -3 m {origin @ centre (-3m)}' / '(origin choice 1)' / '(hexagonal axes)' or as ICSD's S / Z letter, full
symbols such as ISODISTORT's 'P 4/m 2/m 2/m' or 'P 21/b 21/n 21/m', read as their short symbol: :func:`short_from_full`)
and :func:`sg_from_hall`. Each returns None for a symbol it cannot read; the caller says what that means.

What lives here: the reading of symbols only. What does not: which item gives the symbol and the precedence between
operators, symbols and numbers (``cif_spacegroup.py``), naming a list of operations (``spacegroup.py``).
"""

from __future__ import annotations

import re


def _clean_hm(symbol: str) -> str:
    s = " ".join(symbol.replace("_", "").split())
    return s


#: a screw axis written with its subscript in parentheses, as SHELXTL writes them: 'P2(1)/c', 'P4(2)/mnm'
_SCREW_IN_PARENTHESES = re.compile(r"([2346])\(([1-5])\)")


#: a setting written after the symbol in words: 'F d -3 m {origin @ centre (-3m)}', 'P n n n (origin choice 1)',
#: 'R -3 m (hexagonal axes)'
_SETTING_IN_WORDS = re.compile(r"^(.*?)\s*[{(]\s*((?:origin|hexagonal|rhombohedral)\b.*?)\s*[)}]?\s*$", re.I)
#: ICSD's letters after the symbol: S (origin choice 1, "standard") and Z (origin choice 2, at the centre)
_SETTING_LETTER = re.compile(r"^(.*\S)\s*([SZ])$")


def _setting_qualifier(symbol: str) -> tuple[str, str] | None:
    """``(symbol without it, gemmi's extension '1', '2', 'H' or 'R')`` for a setting written after the symbol in
    words or as ICSD's S / Z letter; None when there is none or its words are not understood."""
    m = _SETTING_IN_WORDS.match(symbol.strip())
    if m:
        words = m[2].lower()
        if "rhomb" in words:
            return m[1], "R"
        if "hex" in words:
            return m[1], "H"
        if re.search(r"cent|-1|inversion|choice\s*2|\b2\b", words):
            return m[1], "2"
        if re.search(r"choice\s*1|\b1\b", words):
            return m[1], "1"
        return None
    m = _SETTING_LETTER.match(symbol.strip())
    return (m[1], "1" if m[2] == "S" else "2") if m else None


def states_setting(symbol: str) -> bool:
    """True when the H-M ``symbol`` states its origin choice or axes itself (':2', ':H', words, ICSD's S / Z)."""
    return ":" in symbol or _setting_qualifier(symbol) is not None


def sg_from_hm(symbol: str):
    """gemmi's space group for an H-M symbol as files write it (spaces, underscores, SHELXTL's 'P2(1)/c', a setting
    after the symbol in words or as ICSD's S / Z letter), or None."""
    import gemmi

    def find(name):
        plain = _SCREW_IN_PARENTHESES.sub(r"\1\2", _clean_hm(name))
        short = short_from_full(plain)
        for cand in (name.strip(), _clean_hm(name), _clean_hm(name).replace(" ", ""), plain, plain.replace(" ", ""),
                     short):
            if cand is None:
                continue
            try:
                sg = gemmi.find_spacegroup_by_name(cand)
            except (ValueError, RuntimeError):
                sg = None
            if sg is not None:
                return sg
        return None

    sg = find(symbol)
    if sg is None:
        sg = _with_table_qualifier(symbol, find)
    qualifier = None if sg is not None else _setting_qualifier(symbol)
    if qualifier is None:
        return sg
    base, ext = qualifier
    sg = find(base)
    if sg is None or sg.ext in ("", "\x00"):  # a group with one setting: the words change nothing
        return sg
    return find(f"{_clean_hm(base)}:{ext}")


#: one position of an H-M symbol: a rotoinversion, a rotation (or screw) over a mirror or glide, a rotation, a mirror or
#: glide — how a symbol written without spaces ('P4/m2/m2/m') is split
_HM_POSITION = re.compile(r"-[1-6]|[1-6][1-5]?/[abcdemn]|[1-6][1-5]?|[abcdemn]")
#: a full symbol: lattice letter, positions, and an optional setting qualifier after a colon (':2', ':H', ':cab')
_FULL_SYMBOL = re.compile(r"^([PABCFIR])\s*([^:]*?)\s*(:\s*\S+)?$", re.I)


def short_from_full(symbol: str) -> str | None:
    """The short H-M symbol, in the same setting, of a full symbol ('P 4/m 2/m 2/m' → 'P 4/m m m', 'P 21/b 21/n 21/m'
    → 'P b n m', 'F 41/d -3 2/m:2' → 'F d -3 m:2'); None for a symbol with no axis over a plane ('r/x') to drop.

    The International Tables' rule for short symbols: an axis written over its plane ('2/m', '21/c') keeps only the
    plane, except the main axis of a tetragonal or hexagonal group ('4/m', '42/n', '63/m', kept) and a monoclinic
    symbol's one axis ('P 1 21/c 1', already a symbol gemmi reads). Only axes that can stand over a plane there are
    dropped (2 and 21; also 4, 41, 42 and 43 in the first position of a cubic symbol); anything else is no full
    symbol (None). A full symbol names no more of the origin than its short one ('P 4/n 2/b 2/m', either origin
    choice), so it is read as the short one is.
    """
    s = " ".join(symbol.replace("_", "").split())
    m = _FULL_SYMBOL.match(s)
    if "/" not in s or not m:
        return None
    lattice, body, qualifier = m[1].upper(), m[2], (m[3] or "").replace(" ", "")
    positions = body.split() if " " in body else _HM_POSITION.findall(body)
    if "".join(positions) != body.replace(" ", "") or not all(_HM_POSITION.fullmatch(p) for p in positions):
        return None
    if len(positions) not in (2, 3) or positions.count("1") == 2:  # one position, or monoclinic: full is short
        return None
    cubic = positions[1] in ("3", "-3")
    short, dropped = [], False
    for i, p in enumerate(positions):
        if "/" in p:
            axis, plane = p.split("/")
            if i == 0 and axis[0] in "46" and not cubic:
                pass  # the main axis of a tetragonal or hexagonal symbol is kept
            elif axis in ("2", "21") or (i == 0 and cubic and axis in ("4", "41", "42", "43")):
                p, dropped = plane, True
            else:
                return None
        short.append(p)
    return f"{lattice} {' '.join(short)}{qualifier}" if dropped else None


#: a setting written after the symbol as the International Tables' (and SgInfo's, cctbx's) qualifier: 'C2:b1'
#: (unique axis b, cell choice 1), 'P21/c:b2', 'C2/c:-b1', 'P 21 21 2:cab'
_TABLE_QUALIFIER = re.compile(r"^(.*\S)\s*:\s*(-?[abc][1-3]?|[-abc]{3})$")


def _with_table_qualifier(symbol: str, find):
    """gemmi's setting for 'SYMBOL:QUALIFIER' with the qualifier of the tables (b1, -c2, cab, …): the setting of
    SYMBOL's group with exactly that qualifier, or None (no such group or setting)."""
    import gemmi

    m = _TABLE_QUALIFIER.match(symbol.strip())
    if not m:
        return None
    base = find(m[1])
    if base is None:
        return None
    for cand in gemmi.spacegroup_table():
        if cand.number == base.number and cand.qualifier == m[2]:
            return cand
    return None


def sg_from_hall(symbol: str):
    import gemmi

    for cand in (symbol.strip(), " ".join(symbol.replace("_", " ").split())):
        try:
            ops = gemmi.symops_from_hall(cand)
        except (ValueError, RuntimeError):
            continue
        sg = gemmi.find_spacegroup_by_ops(ops)
        if sg is not None:
            return sg
    return None
