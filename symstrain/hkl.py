"""Readers of measured reflection intensities: SHELX HKLF 4, CIF ``_refln_`` loops, FCF, embedded hkl.

:func:`read_hkl` returns a pandas DataFrame with integer columns ``h, k, l`` and float columns
``I`` (F² or intensity on the file's scale) and ``sigma`` (σ(I); NaN when the file gives none), plus,
when the file has them, ``batch`` (HKLF 4 batch number), ``status`` (CIF/FCF status flag, e.g. 'o',
'<'), ``I_calc`` (Fc², FCF list code 4), and for twinned data ``datum_id`` and ``twin_individual``.
``DataFrame.attrs`` carries ``source`` (the path), ``format``, ``block`` (CIF block name),
``temperature`` (K, from ``_diffrn_ambient_temperature`` or ``_cell_measurement_temperature``, else
None), ``cell`` (a, b, c, α, β, γ of a CIF block, else None), ``twinned`` (bool) and ``warnings`` (one-line notes,
each a :class:`~symstrain.errors.WarningText` whose source is the file; codes in :data:`WARNING_CODES`).

Formats
-------
* SHELX HKLF 4: fixed format (3I4, 2F8.2[, I4 batch[, direction cosines]]) per line, terminated by a
  ``0 0 0`` line (lines after it are ignored); lines that do not fit the fixed columns are read as free format.
* CIF ``_refln_`` loop (DDL1 ``_refln_index_h`` or DDL2 ``_refln.index_h``): ``F_squared_meas`` /
  ``F_squared_sigma`` or ``intensity_meas`` / ``intensity_sigma``; ``F_meas`` / ``F_sigma`` only is
  converted to I = F², σ(I) = 2F·σ(F) with a warning.
* FCF (SHELX list code 4, a CIF): h k l Fc² Fo² σ(Fo²) status.
* ``_twin_refln_`` loop (twinned data): read with its datum and individual ids (``twinned`` = True).
* SHELX HKLF 5 (an HKLF 4 layout whose batch column has negative twin-component numbers): read the same way, one
  datum per group of component lines (:func:`hklf5_twins`).
* hkl embedded in a CIF as the ``_shelx_hkl_file`` text field (HKLF 4 inside).

Classification of the reflections lives in ``reflection_classes.py`` and ``intensities.py``. Nothing here prints.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pandas as pd

from .errors import SymstrainInputError, WarningText

_I_PAIRS = (("f_squared_meas", "f_squared_sigma"), ("intensity_meas", "intensity_sigma"))
_STATUS = ("observed_status", "include_status", "status")
#: largest |h|, |k|, |l| read (HKLF 4 fixed format has four columns per index); beyond is corruption
_MAX_INDEX = 9999
#: codes of the warnings in ``attrs["warnings"]``
WARNING_CODES = {
    "hkl_not_terminated": "HKLF 4 data without the 0 0 0 line (the file may be truncated)",
    "no_sigma": "no σ column: σ(I) unknown (NaN)",
    "sigma_not_positive": "some σ(I) ≤ 0: taken as unknown",
    "intensities_from_amplitudes": "the file gives amplitudes: I = F², σ(I) = 2F·σ(F)",
    "twinned_data": "twinned data: each intensity is a sum over twin individuals",
    "twin_primary_individual": "twinned data classified by the indices of one individual only",
    "more_reflection_blocks": "more data blocks of the file hold reflection data: only the first is read",
}


def _unterminated(source) -> WarningText:
    return WarningText("hkl_not_terminated", source,
                       "HKLF 4 data not terminated by a 0 0 0 line (file may be truncated)")


def read_hkl(path, block: str | None = None) -> pd.DataFrame:
    """Read measured intensities from ``path`` (HKLF 4, CIF/hkl-CIF, FCF or CIF with embedded hkl).

    ``block``: CIF data block name; by default the first block holding reflection data.
    Raises ``SymstrainInputError(path, problem)`` for unreadable lines, missing columns,
    non-integral indices, or a file with no reflections.
    """
    from .cif import regular_file_size

    path = os.fspath(path)
    regular_file_size(path)  # (a FIFO would block the read)
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError as exc:
        raise SymstrainInputError(path, f"cannot read: {exc.strerror or exc}") from exc
    if _looks_like_cif(text):
        from .cif import MAX_CIF_BYTES

        if len(text) > MAX_CIF_BYTES:  # (gemmi's document takes ~35 times the text: cif.MAX_CIF_BYTES)
            raise SymstrainInputError(path, f"a CIF of {len(text) / 1e6:.0f} MB: larger than the "
                                            f"{MAX_CIF_BYTES >> 20} MB of text this reader parses (write the "
                                            "reflections as HKLF 4)")
        df = _read_cif_text(text, path, block)
    else:
        if block is not None:
            raise SymstrainInputError(path, "--block given but the file is a plain HKLF 4 list, not a CIF")
        df, warns = parse_hklf4(text, path)
        df.attrs.update({"format": "hklf4", "block": "", "temperature": None, "cell": None, "twinned": False,
                         "warnings": warns})
        df = hklf5_twins(df, path)
    df.attrs["source"] = path
    _check_values(df, path)
    return df


#: an intensity or s.u. of larger magnitude is no measurement (their sums overflowed to null beside a numeric s.u.:
#: sweep 26)
MAX_INTENSITY = 1e30


def _check_values(df: pd.DataFrame, path: str) -> None:
    """Refuse intensities or s.u.'s beyond :data:`MAX_INTENSITY`, and a table none of whose intensities is known (all
    '?': it reported ΣI = 0, sweep 26)."""
    for col, what in (("I", "intensity"), ("sigma", "s.u.")):
        if col not in df:
            continue
        v = df[col].to_numpy(dtype=float)
        big = np.abs(np.nan_to_num(v)) > MAX_INTENSITY
        if big.any():
            i = int(np.argmax(big))
            raise SymstrainInputError(path, f"reflection {i + 1} ({int(df['h'].iloc[i])} {int(df['k'].iloc[i])} "
                                            f"{int(df['l'].iloc[i])}): {what} {v[i]:g} is no measurement (above "
                                            f"{MAX_INTENSITY:g})")
    if "I" in df and len(df) and not np.isfinite(df["I"].to_numpy(dtype=float)).any():
        raise SymstrainInputError(path, f"none of the {len(df)} reflections has an intensity ('?' or '.' throughout)")
    if "sigma" in df:
        s = df["sigma"].to_numpy(dtype=float)
        bad = int(np.count_nonzero(s <= 0))  # (NaN compares False: an unknown σ is not counted)
        if bad:  # (sweep 26: σ ≤ 0 was dropped as unknown without a word)
            df.attrs.setdefault("warnings", []).append(WarningText(
                "sigma_not_positive", path, f"{bad} of {len(df)} reflections have σ ≤ 0: their σ is taken as unknown, "
                                            "so s.u.'s and I/σ counts leave them out or are unknown"))


def _looks_like_cif(text: str) -> bool:
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        return s.lower().startswith(("data_", "loop_", "_", "global_"))
    return False


# --------------------------------------------------------------------------- HKLF 4
_NUM = re.compile(r"^\s*[-+]?\d+\s*$")


def _fixed(line: str):
    """(h, k, l, I, σ, batch or None) from fixed columns 3I4,2F8.2[,I4], or None when they do not fit."""
    if len(line.rstrip()) < 28:
        return None
    f = [line[0:4], line[4:8], line[8:12]]
    if not all(_NUM.match(x) for x in f):
        return None
    try:
        I, s = float(line[12:20]), float(line[20:28])
    except ValueError:
        return None
    rest = line[28:32].strip()
    batch = None
    if rest:
        if not _NUM.match(rest):
            return None
        batch = int(rest)
    extra = line[32:].rstrip()
    if extra:  # direction cosines (6F8.5) may follow the batch number: read past them
        try:
            [float(extra[i:i + 8]) for i in range(0, len(extra), 8)]
        except ValueError:
            return None
    return int(f[0]), int(f[1]), int(f[2]), I, s, batch


def _free(line: str):
    tok = line.split()
    if len(tok) not in (5, 6):
        return None
    try:
        idx = [float(x) for x in tok[:3]]
        I, s = float(tok[3]), float(tok[4])
        batch = int(tok[5]) if len(tok) == 6 else None
    except ValueError:
        return None
    if not all(float(x).is_integer() for x in idx):
        return "nonint"
    return int(idx[0]), int(idx[1]), int(idx[2]), I, s, batch


def parse_hklf4(text: str, source: str = "<hkl>") -> tuple[pd.DataFrame, list[str]]:
    """Parse SHELX HKLF 4 text: (DataFrame h, k, l, I, sigma[, batch], warnings).

    Stops at the first ``0 0 0`` line; blank lines are skipped; any other line that is neither
    fixed format (3I4, 2F8.2, optional I4 batch) nor five/six free-format numbers is an error
    naming its line number.

    Files whose lines up to the terminator are all plain fixed format (what SHELX writes) are read column-wise in
    numpy; anything else (free format, an error to report) goes line by line, with the same result.
    """
    fast = _fixed_columns(text)
    if fast is None:
        return _parse_lines(text.splitlines(), source)
    hkl, I, s, batch, terminated = fast
    warns = [] if terminated else [_unterminated(source)]
    df = pd.DataFrame({"h": hkl[:, 0], "k": hkl[:, 1], "l": hkl[:, 2], "I": I, "sigma": s})
    if batch is not None:
        df["batch"] = batch
    return df, warns


def hklf5_twins(df: pd.DataFrame, path: str) -> pd.DataFrame:
    """An HKLF 4 table whose batch column holds negative numbers is SHELX HKLF 5 (twinned data): each observed
    intensity is a group of lines, one per twin component, the component number m negative on all but the group's
    last line, which gives the intensity. Returned with ``datum_id`` (group), ``twin_individual`` (|m|), every line
    of a group carrying its last line's I and σ, and ``twinned`` = True; any other table unchanged."""
    if "batch" not in df or not (df["batch"].to_numpy() < 0).any():
        return df
    m = df["batch"].to_numpy()
    if (m == 0).any():
        i = int(np.argmax(m == 0))
        raise SymstrainInputError(path, f"HKLF 5 (negative component numbers) but reflection {i + 1} has component "
                                        "number 0: each line needs a twin component ±1, ±2, …")
    if m[-1] < 0:
        raise SymstrainInputError(path, "HKLF 5: the last reflection has a negative component number, so its group "
                                        "of twin components has no line giving the intensity (a cut file?)")
    datum = np.concatenate([[0], np.cumsum(m > 0)[:-1]])
    last = np.flatnonzero(m > 0)  # the line giving each group's intensity, in group order
    out = df.drop(columns="batch").assign(I=df["I"].to_numpy()[last][datum],
                                          sigma=df["sigma"].to_numpy()[last][datum],
                                          datum_id=(datum + 1).astype(str), twin_individual=np.abs(m).astype(str))
    out.attrs = dict(df.attrs)
    out.attrs["format"] = "hklf5" if df.attrs.get("format") == "hklf4" else df.attrs.get("format")
    out.attrs["twinned"] = True
    out.attrs["warnings"] = list(df.attrs.get("warnings", [])) + [WarningText(
        "twinned_data", path, f"HKLF 5 twinned data: {len(last)} intensities over {len(df)} component lines; each "
                              "intensity is the sum over the twin components of its group")]
    return out


#: characters at which str.splitlines() breaks a line but bytes.splitlines() does not, and NUL (used as padding)
_ODD_CHARS = re.compile("[\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[0, 9, 31, 32]] = True  # ASCII whitespace left after line splitting, and the padding NUL


def _fixed_columns(text: str):
    """(hkl (n, 3) int, I, sigma, batch or None, terminated) read column-wise, or None when the text up to the
    terminator is not plain fixed format (3I4, 2F8[, I4][, 8-wide reals]).

    Fields are read by numpy from ASCII bytes, which parses a float exactly as Python's ``float()`` and an
    integer as ``int()`` (less the '_' separators, refused here). Returns a result only when the line-by-line
    reader would read the same lines with the same numbers and stop at the same ``0 0 0`` line; anything else
    (free format, odd characters, an error to report) returns None.
    """
    if text.isascii():
        data = text.encode("ascii")
        if any(ch in data for ch in (b"\x00", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")):
            return None
    elif _ODD_CHARS.search(text):
        return None
    else:
        data = text.encode("ascii", "replace")  # one byte per character: columns stay aligned
    raw = data.splitlines()
    n = len(raw)
    if n == 0:
        return None
    m = np.array(raw, dtype="S32").view(np.uint8).reshape(n, 32)
    lens = np.fromiter(map(len, raw), dtype=np.int64, count=n)
    space = _SPACE[m]
    extras = {int(i): raw[i][32:].rstrip() for i in np.flatnonzero(lens > 32)}
    extra_rows = np.array(sorted(i for i, e in extras.items() if e.strip()), dtype=np.int64)
    has_extra = np.zeros(n, dtype=bool)
    has_extra[extra_rows] = True
    blank = space.all(axis=1) & ~has_extra
    # the terminator: the first line whose three index fields are each a lone '0'
    lone = (~space[:, :12]).reshape(n, 3, 4).sum(axis=2) == 1
    zero = ~blank & np.all(lone & np.any(m[:, :12].reshape(n, 3, 4) == ord("0"), axis=2), axis=1)
    t = int(np.argmax(zero)) if zero.any() else n
    rows = np.flatnonzero(~blank[: t + 1])
    n_data = int(np.sum(rows < t))
    c = m[rows]
    last = np.where(~space[rows], np.arange(1, 33), 0).max(axis=1)  # the length of line.rstrip() up to 32
    with_batch = ~space[rows, 28:32].all(axis=1)
    if n_data == 0 or not np.all((last >= 28) | has_extra[rows]) or np.any(c[:, np.r_[0:12, 28:32]] == ord("_")):
        return None
    try:
        hkl = np.ascontiguousarray(c[:, :12]).view("S4").astype(np.int64)
        Is = np.ascontiguousarray(c[:, 12:28]).view("S8").astype(float)
        batch = np.zeros(len(rows), dtype=np.int64)
        batch[with_batch] = np.ascontiguousarray(c[with_batch, 28:32]).view("S4").astype(np.int64).reshape(-1)
        ext = [extras[i] for i in extra_rows if i <= t]
        if ext:  # direction cosines (6F8.5) after the batch: every 8-wide chunk must be a number
            chunks = np.array(ext, dtype=f"S{-(-max(map(len, ext)) // 8) * 8}").view("S8").reshape(len(ext), -1)
            used = np.arange(chunks.shape[1]) < -(-np.fromiter(map(len, ext), np.int64, len(ext)) // 8)[:, None]
            chunks[used].astype(float)
    except ValueError:
        return None
    if np.any(np.all(hkl[:n_data] == 0, axis=1)):
        return None  # a zero triple written otherwise ('  -0') ends the data earlier: the line reader decides
    if not np.all(np.isfinite(Is[:n_data])):
        return None  # 'nan' or 'inf' intensities: the line reader refuses them naming the line
    b = batch[:n_data] if with_batch[:n_data].any() else None
    return hkl[:n_data], Is[:n_data, 0], Is[:n_data, 1], b, t < n


def _parse_lines(lines: list[str], source: str) -> tuple[pd.DataFrame, list[str]]:
    """HKLF 4 line by line (free format, mixed lines, and the exact error of a bad line)."""
    rows = []
    warns = []
    terminated = False
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        r = _fixed(line)
        if r is None:
            r = _free(line)
        if r == "nonint":
            raise SymstrainInputError(source, f"line {n}: indices are not integers: {line.strip()[:40]!r}")
        if r is None:
            raise SymstrainInputError(source, f"line {n}: not an HKLF 4 reflection line (3I4,2F8.2): {line.strip()[:40]!r}")
        if not (math.isfinite(r[3]) and math.isfinite(r[4])) or max(abs(r[0]), abs(r[1]), abs(r[2])) > _MAX_INDEX:
            raise SymstrainInputError(source, f"line {n}: intensity or σ not a finite number, or an index beyond "
                                              f"±{_MAX_INDEX}: {line.strip()[:40]!r}")
        if r[0] == 0 and r[1] == 0 and r[2] == 0:
            terminated = True
            break
        rows.append(r)
    if not rows:
        raise SymstrainInputError(source, "no reflections in the HKLF 4 data")
    if not terminated:
        warns.append(_unterminated(source))
    arr = np.array([r[:5] for r in rows], dtype=float)
    df = pd.DataFrame({"h": arr[:, 0].astype(int), "k": arr[:, 1].astype(int), "l": arr[:, 2].astype(int),
                       "I": arr[:, 3], "sigma": arr[:, 4]})
    batches = [r[5] for r in rows]
    if any(b is not None for b in batches):
        df["batch"] = np.array([0 if b is None else b for b in batches], dtype=int)
    return df, warns


# --------------------------------------------------------------------------- CIF
def _num(values, source, what) -> np.ndarray:
    """Floats of CIF values one by one ('?' and '.' → NaN); a value that is not a number is an error naming its row."""
    import gemmi

    out = np.empty(len(values))
    for i, v in enumerate(values):
        if v in ("?", "."):
            out[i] = np.nan
            continue
        x = gemmi.cif.as_number(v)
        if math.isnan(x):
            raise SymstrainInputError(source, f"{what}: value {v!r} in row {i + 1} is not a number")
        out[i] = x
    return out


def _loop_reader(b, loop, prefix: str):
    """``numbers(tag, source)`` for the columns of ``loop``, converted in C++ by gemmi's
    ``ReflnBlock.make_float_array`` on a copy of the loop (tags renamed to DDL2 ``_refln.``), with the rules and
    messages of :func:`_num`: '?' and '.' are NaN, any other value that is no number an error naming its row."""
    import gemmi

    doc = gemmi.cif.Document()
    copy = doc.add_copied_block(b)
    for item in list(copy):
        if item.loop is None or list(item.loop.tags) != list(loop.tags):
            item.erase()
    short = {}
    for j, tag in enumerate(loop.tags):
        short[tag] = tag[len(prefix):] if tag.lower().startswith(prefix.lower()) else f"column_{j}"
        copy.find_values(tag).tag = "_refln." + short[tag]
    refln = gemmi.as_refln_blocks(doc)[0]

    def numbers(tag, source):
        x = refln.make_float_array(short[tag], np.inf)  # inf: null or not a number, told apart below
        odd = np.flatnonzero(~np.isfinite(x))
        if len(odd):
            raw = np.array(list(b.find_values(tag)), dtype=object)[odd]
            null = (raw == "?") | (raw == ".")
            if not null.all():
                i = int(odd[np.argmax(~null)])
                raise SymstrainInputError(source, f"{tag}: value {raw[np.argmax(~null)]!r} in row {i + 1} is not a number")
            x[odd] = np.nan
        return x

    return numbers


def _find_tag(block, names):
    """First tag of ``names`` present in ``block`` (with DDL1 '_' or DDL2 '.' after the category)."""
    for n in names:
        if block.find_values(n):
            return n
    return None


def _loop_columns(block, cat: str):
    """Mapping short name → full tag for a category such as '_refln' (both DDL1 and DDL2 spellings)."""
    for sep in ("_", "."):
        h = f"{cat}{sep}index_h"
        col = block.find_values(h)
        if col and col.get_loop() is not None:
            loop = col.get_loop()
            pref = f"{cat}{sep}".lower()
            return {t.lower()[len(pref):]: t for t in loop.tags if t.lower().startswith(pref)}, loop
        if col:  # a single reflection written as pairs
            return {t: f"{cat}{sep}{t}" for t in ("index_h", "index_k", "index_l")}, None
    return None, None


def _temperature(block) -> float | None:
    import gemmi

    for tag in ("_diffrn_ambient_temperature", "_diffrn.ambient_temperature",
                "_cell_measurement_temperature", "_cell_measurement.temp"):
        v = block.find_value(tag)
        if v is not None and v not in ("?", "."):
            x = gemmi.cif.as_number(v)
            if not math.isnan(x):
                return float(x)
    return None


def _cell(b) -> tuple[float, ...] | None:
    """(a, b, c, α, β, γ) when the block gives all six, else None."""
    import gemmi

    vals = []
    for k in ("length_a", "length_b", "length_c", "angle_alpha", "angle_beta", "angle_gamma"):
        v = b.find_value(f"_cell_{k}") or b.find_value(f"_cell.{k}")
        x = gemmi.cif.as_number(v) if v is not None else math.nan
        if math.isnan(x):
            return None
        vals.append(float(x))
    return tuple(vals)


def _read_cif_text(text: str, path: str, block_name: str | None) -> pd.DataFrame:
    import gemmi

    try:
        doc = gemmi.cif.read_string(text)
    except (RuntimeError, ValueError) as exc:
        raise SymstrainInputError(path, f"CIF syntax error: {' '.join(str(exc).split())}") from exc
    blocks = list(doc)
    if block_name is not None:
        names = [b.name for b in blocks]
        if block_name not in names:
            raise SymstrainInputError(path, f"no data block {block_name!r}; blocks: {', '.join(names)}")
        blocks = [b for b in blocks if b.name == block_name]
    for i, b in enumerate(blocks):
        df = _read_block(b, path)
        if df is not None:
            df.attrs["block"] = b.name
            df.attrs["temperature"] = _temperature(b)
            df.attrs["cell"] = _cell(b)
            more = [o.name for o in blocks[i + 1:] if _holds_reflections(o)]
            if more:  # (sweep 16: a file of several data sets was read as its first one without a word)
                df.attrs["warnings"].append(WarningText(
                    "more_reflection_blocks", path, f"{len(more)} more data block(s) hold reflection data "
                    f"({', '.join(more[:4])}{', …' if len(more) > 4 else ''}); only the first, {b.name}, is read"))
            return df
    raise SymstrainInputError(path, "no reflection data: no _refln_ loop with measured intensities, "
                                    "no _twin_refln_ loop and no _shelx_hkl_file text")


def _holds_reflections(b) -> bool:
    """Whether block ``b`` holds what :func:`_read_block` reads (without reading it)."""
    cols = _loop_columns(b, "_refln")[0]
    if cols is not None and (any(m in cols for m, _ in _I_PAIRS) or "f_meas" in cols):
        return True
    return (_loop_columns(b, "_twin_refln")[0] is not None or b.find_value("_shelx_hkl_file") is not None
            or b.find_value("_shelx.hkl_file") is not None)


def _read_block(b, path: str) -> pd.DataFrame | None:
    import gemmi

    fcf = path.lower().endswith(".fcf")
    # 1. _refln_ loop with measured intensities
    cols, loop = _loop_columns(b, "_refln")
    has_meas = cols is not None and any(m in cols for m, _ in _I_PAIRS) or (cols is not None and "f_meas" in cols)
    if cols is not None and has_meas:
        df = _table_from_columns(b, cols, loop, path, "_refln")
        list_code = b.find_value("_shelx_refln_list_code")
        df.attrs["format"] = "fcf" if fcf else "cif_refln"
        if list_code is not None:
            df.attrs["shelx_list_code"] = gemmi.cif.as_string(list_code)
        return df
    # 2. twinned data
    tcols, tloop = _loop_columns(b, "_twin_refln")
    if tcols is not None:
        df = _table_from_columns(b, tcols, tloop, path, "_twin_refln")
        df.attrs["format"] = "cif_twin_refln"
        df.attrs["twinned"] = True
        df.attrs["warnings"].append(WarningText("twinned_data", path, "twinned data (_twin_refln_ loop): each "
                                                "intensity is the sum over the twin individuals listed with the same "
                                                "datum_id"))
        return df
    # 3. hkl embedded as text
    raw = b.find_value("_shelx_hkl_file")
    if raw is None:
        raw = b.find_value("_shelx.hkl_file")
    if raw is not None:
        text = gemmi.cif.as_string(raw)
        df, warns = parse_hklf4(text, f"{path} (_shelx_hkl_file)")
        df.attrs.update({"format": "cif_shelx_hkl_file", "twinned": False, "warnings": warns})
        return hklf5_twins(df, path)
    if cols is not None:
        raise SymstrainInputError(path, f"_refln_ loop without measured intensities: needs one of "
                                        f"{', '.join('_refln_' + m for m, _ in _I_PAIRS)} or _refln_F_meas")
    return None


def _table_from_columns(b, cols: dict, loop, path: str, cat: str) -> pd.DataFrame:
    warns: list[str] = []
    for need in ("index_h", "index_k", "index_l"):
        if need not in cols:
            raise SymstrainInputError(path, f"{cat}_ loop lacks {cat}_{need}")
    if loop is not None:  # whole columns converted by gemmi
        numbers = _loop_reader(b, loop, f"{cat}{cols['index_h'][len(cat)]}")
    else:  # a single reflection written as pairs

        def numbers(tag, source):
            return _num(list(b.find_values(tag)), source, tag)
    idx = []
    for t in ("index_h", "index_k", "index_l"):
        v = numbers(cols[t], path)
        if np.any(~np.isfinite(v)) or np.any(np.abs(v) > _MAX_INDEX) or np.any(v != np.round(v)):
            bad = int(np.argmax(~np.isfinite(v) | (np.abs(np.nan_to_num(v)) > _MAX_INDEX)
                                | (v != np.round(np.nan_to_num(v)))))
            raise SymstrainInputError(path, f"{cols[t]}: index in row {bad + 1} is not an integer within "
                                            f"±{_MAX_INDEX}")
        idx.append(v.astype(int))
    I = s = None
    for m, sg in _I_PAIRS:
        if m in cols:
            I = numbers(cols[m], path)
            if sg in cols:
                s = numbers(cols[sg], path)
            else:
                warns.append(WarningText("no_sigma", path, f"no {cat}_{sg}: sigma(I) unknown (NaN)"))
            break
    if I is None:
        if "f_meas" not in cols:
            raise SymstrainInputError(path, f"{cat}_ loop has no measured intensity (F_squared_meas or intensity_meas)")
        F = numbers(cols["f_meas"], path)
        I = F**2
        if "f_sigma" in cols:
            s = 2 * np.abs(F) * numbers(cols["f_sigma"], path)
        warns.append(WarningText("intensities_from_amplitudes", path, "intensities computed as F_meas² (file gives "
                                 "amplitudes), sigma(I) = 2F·sigma(F)"))
    if s is None:
        s = np.full(len(I), np.nan)
    df = pd.DataFrame({"h": idx[0], "k": idx[1], "l": idx[2], "I": I, "sigma": s})
    if len(df) == 0:
        raise SymstrainInputError(path, f"{cat}_ loop has no reflections")
    for st in _STATUS:
        if st in cols:
            df["status"] = list(b.find_values(cols[st]))
            break
    if "f_squared_calc" in cols:
        df["I_calc"] = numbers(cols["f_squared_calc"], path)
    if cat == "_twin_refln":
        for key, name in (("datum_id", "datum_id"), ("individual_id", "twin_individual")):
            if key in cols:
                df[name] = list(b.find_values(cols[key]))
    df.attrs.update({"twinned": False, "warnings": warns})
    return df


def primary_individual(df: pd.DataFrame) -> pd.DataFrame:
    """For twinned data: the rows of the first twin individual listed for each datum (its indices).

    Symmetry-breaking analysis of twinned data is approximate: each intensity is a sum over
    domains, classified here by the indices of one individual only (said in ``attrs['warnings']``).
    """
    if not df.attrs.get("twinned"):
        return df
    if "datum_id" in df:
        first = df.assign(_rank=(df.get("twin_individual", "1") != "1").astype(int))
        first = first.sort_values(["_rank"], kind="stable").drop_duplicates("datum_id", keep="first")
        out = first.sort_index().drop(columns="_rank").reset_index(drop=True)
    else:
        out = df
    out.attrs = dict(df.attrs)
    out.attrs["warnings"] = list(df.attrs.get("warnings", [])) + [WarningText(
        "twin_primary_individual", str(df.attrs.get("source", "hkl")),
        "twinned data classified by the indices of individual 1 (else the first listed) of each datum only")]
    return out
