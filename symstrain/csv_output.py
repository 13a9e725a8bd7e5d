"""Writing wide numeric tables as CSV text fast: :func:`write_csv` gives exactly the text of pandas'
``frame.to_csv(fh, index=False)`` (Python's repr of every float, an empty cell for NaN and None, the csv module's
minimal quoting, "\\n" line ends), formatting a block of float columns at a time instead of one cell at a time
(``symstrain table``'s table.csv: 10⁵ rows × 70 float columns, 6.7 s → 1.9 s).

What lives here: the writer and its float formatting (orjson's numpy serialiser when installed and checked against
repr, else repr), also as JSON numbers for ``json_output.py`` (:func:`float_texts`). What does not: what the
columns are (``cli/table.py``), reading CSV (``csv_input.py``), JSON documents (``json_output.py``).
"""

from __future__ import annotations

import re

#: a field the csv module quotes (QUOTE_MINIMAL, delimiter ",", quote '"', line end "\\n")
_QUOTE = re.compile(r'[,"\r\n]')
#: a field the csv module does more than put between quotes
_QUOTE_MORE = re.compile(r'["\r\n]')


def write_csv(frame, fh) -> None:
    """Write ``frame`` to the text file ``fh`` exactly as ``frame.to_csv(fh, index=False)`` does (Python's repr of
    every float, an empty cell for NaN and None, the csv module's minimal quoting, "\\n" line ends), column by
    column instead of cell by cell: pandas formats a 10⁵-row table's 7·10⁶ floats one numpy string at a time
    (~7 s). Floats are formatted by :func:`_float_rows` (a block of columns at once), the other columns once per
    distinct value; the rows are joined by ``str.join``."""
    import csv
    import io

    import numpy as np
    import pandas as pd

    def quoted(text: str) -> str:  # the csv module decides the quoting, as in pandas (QUOTE_MINIMAL, '"')
        if text and not _QUOTE.search(text):
            return text
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([text, ""])
        return buf.getvalue()[:-2]

    def cell(v) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else quoted(str(v))

    def cells(values: list) -> list[str]:  # cell of each value; texts and gaps (None, NaN) checked in one search
        kinds = set(map(type, values))
        if not kinds <= {str, float, type(None)} or (float in kinds and any(v == v for v in values
                                                                              if type(v) is float)):
            return [cell(v) for v in values]
        texts = [v if type(v) is str else "" for v in values]
        joined = "\x00".join(texts)
        if not _QUOTE.search(joined):
            return texts
        if not _QUOTE_MORE.search(joined):  # commas only: quoted as they are
            return [f'"{t}"' if "," in t else t for t in texts]
        return list(map(quoted, texts))

    if frame.shape[1] < 2:  # a row of one field is quoted when empty: pandas' own writer
        frame.to_csv(fh, index=False)
        return
    names = [str(c) for c in frame.columns]
    fh.write(",".join(quoted(n) for n in names) + "\n")
    if len(frame) == 0:
        return
    parts, block = [], []  # per column or block of float columns: a list of texts or an (n, k) array
    for k, name in enumerate(frame.columns):
        col = frame.iloc[:, k]
        if col.dtype == np.float64:
            block.append(k)
            continue
        if block:
            parts.append(frame.iloc[:, block].to_numpy(np.float64))
            block = []
        values = col.to_numpy(dtype=object)
        if col.dtype == object:  # 1 and 1.0 and True are one dictionary key, and are written differently
            texts = cells(values.tolist())
        else:  # one dtype: each distinct value formatted once
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            texts = np.array(cells(uniques.tolist()), dtype=object)[codes].tolist()
        parts.append(texts)
    if block:
        parts.append(frame.iloc[:, block].to_numpy(np.float64))
    n = len(frame)
    for lo in range(0, n, _ROWS_AT_ONCE):  # a few MB of text at a time: reused memory, no 10⁸-byte strings
        hi = min(lo + _ROWS_AT_ONCE, n)
        chunk = [_float_rows(x[lo:hi]) if isinstance(x, np.ndarray) else x[lo:hi] for x in parts]
        fh.write("\n".join(map(",".join, zip(*chunk))) + "\n")


#: rows of table.csv formatted and written at once
_ROWS_AT_ONCE = 4096


def _float_rows(M, dumps="auto") -> list[str]:
    """(n, k) float64 → n strings "x1,x2,…,xk", each x Python's repr of the float ("inf", "-inf") and "" for NaN.

    With orjson (when installed and checked, :func:`_orjson`) the whole block is one call, the floats whose text is
    not repr's (:func:`_awkward`, and ±inf) written as a marker and put back with their own text (:func:`_texts`);
    without it, repr column by column."""
    import numpy as np
    from itertools import chain

    if dumps == "auto":
        dumps = _orjson()
    n, k = M.shape
    if dumps is None or k == 0:
        cols = []
        for j in range(k):
            x = M[:, j]
            texts = np.array(list(map(repr, x.tolist())), dtype=object)
            texts[np.isnan(x)] = ""
            cols.append(texts.tolist())
        return list(map(",".join, zip(*cols))) if k else [""] * n
    if n == 0:
        return []
    M = np.ascontiguousarray(M, dtype=np.float64)
    hole = _awkward(M) | np.isinf(M)
    if hole.any():
        text = dumps(np.where(hole, _MARK, M)).decode()
        order, texts = _texts(M[hole], dumps, "")
        reps = [""] * (len(texts) + 1)
        for i, t in zip(order.tolist(), texts):
            reps[i] = t
        text = "".join(chain.from_iterable(zip(text.split(_MARK_TEXT), reps)))
    else:
        text = dumps(M).decode()
    if np.isnan(M).any():
        text = text.replace("null", "")
    return text[2:-2].split("],[")


def float_texts(M, dumps="auto") -> list[str]:
    """The JSON number of each float of the array ``M`` (C order), as ``json.dumps`` writes it: Python's repr of each
    finite float, "null" for NaN and ±inf. One orjson call for the block when available, the floats whose text is
    not repr's (:func:`_awkward`) put back with their own text (:func:`_texts`); else repr one by one. Used by
    ``json_output``."""
    import numpy as np

    x = np.ascontiguousarray(M, dtype=np.float64).ravel()
    if x.size == 0:
        return []
    x = np.where(np.isfinite(x), x, np.nan)
    if dumps == "auto":
        dumps = _orjson()
    if dumps is None:
        texts = np.array(list(map(repr, x.tolist())), dtype=object)
        texts[np.isnan(x)] = "null"
        return texts.tolist()
    out = dumps(x).decode()[1:-1].split(",")
    idx = np.flatnonzero(_awkward(x))
    if len(idx):
        order, texts = _texts(x[idx], dumps, "null")
        for i, t in zip(idx[order].tolist(), texts):
            out[i] = t
    return out


#: written by orjson in place of the floats put back afterwards (:func:`_float_rows`): its text is no part of any
#: other float's, and a float of that magnitude is itself put back (:func:`_awkward`)
_MARK, _MARK_TEXT = 5e-324, "5e-324"


def _awkward(x):
    """Mask of the floats whose orjson text is not repr's: 1e-9 ≤ |x| < 1e-4 (orjson writes "0.0000123" and "1.2e-7"
    where repr writes "1.23e-05" and "1.2e-07"), and ±5e-324 (the magnitude of :data:`_MARK`)."""
    import numpy as np

    a = np.abs(x)
    return ((a >= 1e-9) & (a < 1e-4)) | (a == _MARK)


def _texts(x, dumps, nan: str):
    """``(order, texts)``: ``texts[i]`` is the repr of ``x[order[i]]`` (``nan`` for NaN) for every float of the 1-D
    ``x``, made from orjson's text of them with a few replacements over the text of many at once (no Python step per
    float): for 1e-9 ≤ |x| < 1e-5 "1.2e-7" → "1.2e-07"; for 1e-5 ≤ |x| < 1e-4 (the exponent is -5 exactly in that
    range) "0.0000123" → "1.23e-05" (:func:`_e5_texts`); the others (±inf, ±5e-324) by repr. The caller puts each
    text in its place."""
    import numpy as np

    a = np.abs(x)
    e5 = (a >= 1e-5) & (a < 1e-4)
    e9 = (a >= 1e-9) & (a < 1e-5)
    order, texts = _e5_texts(x, np.flatnonzero(e5), dumps) if e5.any() else ([], [])
    orders = [order]
    if e9.any():
        orders.append(np.flatnonzero(e9))
        texts += dumps(x[e9]).decode()[1:-1].replace("e-", "e-0").split(",")
    nan_ = np.isnan(x)
    if nan_.any():
        orders.append(np.flatnonzero(nan_))
        texts += [nan] * len(orders[-1])
    rest = np.flatnonzero(~(e5 | e9 | nan_))
    if len(rest):
        orders.append(rest)
        texts += [repr(v) for v in x[rest].tolist()]
    return np.concatenate(orders).astype(np.int64), texts


def _e5_texts(x, idx, dumps):
    """``(order, texts)`` of the floats ``x[idx]``, every one with 1e-5 ≤ |x| < 1e-4, which orjson writes "0.0000"
    and the digits ("-0.0000123", "0.00001"): the values grouped by their first digit and by whether it is the only
    one (read in orjson's text), each group's text made repr's by one replacement ("0.00001" → "1.") and "e-05" put
    after every number by one more."""
    import numpy as np

    y = x[idx]
    u = np.frombuffer(dumps(y), dtype=np.uint8)  # b"[0.0000123,-0.00001]"
    ends = np.flatnonzero((u == 44) | (u == 93))  # "," and "]" after each number
    starts = np.concatenate([[1], ends[:-1] + 1])
    first = starts + (u[starts] == 45) + 6  # the first digit, after "-" and "0.0000"
    key = (u[first] - 48).astype(np.int64) * 2 + (ends - first > 1)  # the digit, and whether more follow it
    groups, texts = [], []
    for k in np.unique(key).tolist():
        sel = np.flatnonzero(key == k)
        d = str(k // 2)
        groups.append(idx[sel])
        texts.append(dumps(y[sel]).decode()[1:-1].replace("0.0000" + d, d + "." if k % 2 else d))
    return np.concatenate(groups), (",".join(texts) + ",").replace(",", "e-05,")[:-1].split(",")


_ORJSON = []


def _orjson():
    """orjson's numpy serialiser when it is installed and :func:`_float_rows` and :func:`float_texts` with it give
    exactly Python's repr on a probe of every decade and the awkward values (checked once); else None (the repr loop
    is used)."""
    if not _ORJSON:
        _ORJSON.append(None)
        try:
            import numpy as np
            import orjson

            def dumps(M):
                return orjson.dumps(M, option=orjson.OPT_SERIALIZE_NUMPY)

            rng = np.random.default_rng(7)
            e = np.arange(-324, 309)
            probe = np.concatenate([rng.uniform(1, 10, len(e)) * 10.0 ** e, 10.0 ** e, [
                0.0, 90.0, 1e16, 9999999999999998.0, 1e-4, 9.999999999999999e-05, 1e-5, 9.999999999999999e-06, 1e-9,
                9.99999999999999e-10, 5e-324, 0.1, 1.5, 1.7976931348623157e308, 123456789.0]])
            probe = probe[np.isfinite(probe)]
            probe = np.concatenate([probe, -probe, [np.nan, np.inf, -np.inf]]).reshape(-1, 3)
            if (_float_rows(probe, dumps) == _float_rows(probe, None)
                    and float_texts(probe, dumps) == float_texts(probe, None)):
                _ORJSON[0] = dumps
        except Exception:  # not installed, or another version's text: the repr loop
            pass
    return _ORJSON[0]
