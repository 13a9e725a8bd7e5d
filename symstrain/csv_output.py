"""Writing wide numeric tables as CSV text fast: :func:`write_csv` gives exactly the text of pandas'
``frame.to_csv(fh, index=False)`` (Python's repr of every float, an empty cell for NaN and None, the csv module's
minimal quoting, "\\n" line ends), formatting a block of float columns at a time instead of one cell at a time
(``symstrain table``'s table.csv: 10⁵ rows × 70 float columns, 6.7 s → 1.9 s).

What lives here: the writer and its float formatting (orjson's numpy serialiser when installed and checked against
repr, else repr), also as JSON numbers for ``json_output.py`` (:func:`float_columns`). What does not: what the
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

    With orjson (when installed and checked, :func:`_orjson`) the whole block is one call (:func:`_float_text`);
    without it, repr column by column."""
    import numpy as np

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
    return _float_text(M, dumps, "")[2:-2].split("],[") if n else []


def float_columns(M, dumps="auto") -> list[list[str]]:
    """(k, n) float64 → k lists of n JSON numbers, as ``json.dumps`` writes them: Python's repr of each finite
    float, "null" for NaN and ±inf. One orjson call for the block when available (:func:`_float_text`), else repr
    row by row. Used by ``json_output`` (each row of ``M`` is one column of a table)."""
    import numpy as np

    k, n = M.shape
    if k == 0 or n == 0:
        return [[] for _ in range(k)]
    M = np.where(np.isfinite(M), M, np.nan)
    if dumps == "auto":
        dumps = _orjson()
    if dumps is None:
        out = []
        for x in M:
            texts = np.array(list(map(repr, x.tolist())), dtype=object)
            texts[np.isnan(x)] = "null"
            out.append(texts.tolist())
        return out
    return [c.split(",") for c in _float_text(M, dumps, "null")[2:-2].split("],[")]


def _float_text(M, dumps, nan: str) -> str:
    """orjson's text of the (n, k) block, "[[x11,…,x1k],…]", with every number as Python's repr writes it, NaN as
    ``nan`` and ±inf as "inf", "-inf" (~50 ns a float against ~500 ns for repr).

    orjson's shortest digits are repr's; its text differs only for 1e-9 ≤ |x| < 1e-4 ("0.000012", "1.2e-7" where
    repr writes "1.2e-05", "1.2e-07"). Those values and the non-finite ones (orjson writes NaN and ±inf as "null")
    are left as holes and filled with their own text."""
    import numpy as np
    from itertools import chain

    M = np.ascontiguousarray(M, dtype=np.float64)
    a = np.abs(M)
    e5 = (a >= 1e-5) & (a < 1e-4)  # the printed exponent is -5 exactly when the double is in this range
    e9 = (a >= 1e-9) & (a < 1e-5)
    finite = np.isfinite(M)
    hole = e5 | e9 | ~finite
    text = dumps(np.ascontiguousarray(np.where(hole, np.nan, M))).decode()
    if hole.any() and (nan != "null" or e5.any() or e9.any() or not np.isnan(M[~finite]).all()):
        flat, h = M.ravel(), hole.ravel()
        x, f5, f9 = flat[h], e5.ravel()[h], e9.ravel()[h]
        reps = np.full(len(x), nan, dtype=object)
        inf = np.isinf(x)
        reps[inf] = [repr(v) for v in x[inf].tolist()]
        if f5.any():  # "0.0000123" → "1.23e-05", "-0.00001" → "-1e-05"
            digits = dumps(x[f5]).decode()[1:-1].replace("0.0000", "").split(",")
            reps[f5] = [(f"-{d[1]}.{d[2:]}e-05" if len(d) > 2 else f"{d}e-05") if d[0] == "-"
                        else (f"{d[0]}.{d[1:]}e-05" if len(d) > 1 else f"{d}e-05") for d in digits]
        if f9.any():  # "1.2e-7" → "1.2e-07"
            reps[f9] = dumps(x[f9]).decode()[1:-1].replace("e-", "e-0").split(",")
        reps = reps.tolist()
        reps.append("")
        text = "".join(chain.from_iterable(zip(text.split("null"), reps)))
    return text


_ORJSON = []


def _orjson():
    """orjson's numpy serialiser when it is installed and :func:`_float_rows` and :func:`float_columns` with it give
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
                    and float_columns(probe.T, dumps) == float_columns(probe.T, None)):
                _ORJSON[0] = dumps
        except Exception:  # not installed, or another version's text: the repr loop
            pass
    return _ORJSON[0]
