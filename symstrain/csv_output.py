"""Writing wide numeric tables as CSV text fast: :func:`write_csv` gives exactly the text of pandas'
``frame.to_csv(fh, index=False)`` (Python's repr of every float, an empty cell for NaN and None, the csv module's
minimal quoting, "\\n" line ends), a block of rows at a time instead of one cell at a time: one orjson call per block,
the floats whose text is not repr's rewritten in place in its bytes (``symstrain table``'s table.csv: 10⁵ rows ×
70 float columns, 6.7 s → 1.9 s → 1.2 s).

Every CSV symstrain writes starts with one ``# units: …`` line, then the header (:func:`write_frame`; read
back with ``pandas.read_csv(path, skiprows=1)``). What lives here: the writers and their float formatting (orjson's
numpy serialiser when installed and checked against repr, else repr), also as JSON numbers for ``json_output.py``
(:func:`float_texts`). What does not: what the columns are and their units (``cli/table.py`` …), reading CSV
(``csv_input.py``), JSON documents (``json_output.py``).
"""

from __future__ import annotations

import functools
import re

#: a field the csv module quotes (QUOTE_MINIMAL, delimiter ",", quote '"', line end "\\n")
_QUOTE = re.compile(r'[,"\r\n]')


def write_frame(path, frame, units: str, index: bool = False, **to_csv) -> str:
    """``frame`` as CSV at ``path`` (pandas ``to_csv``: ``index``, ``**to_csv``), after its one units line;
    ``units`` is that line, ``"# units: …"``. Returns ``str(path)``."""
    if not units.startswith("# units: ") or "\n" in units:
        raise ValueError(f"a units line is one line starting '# units: ', got {units!r}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(units + "\n")
        frame.to_csv(fh, index=index, **to_csv)
    return str(path)


def write_csv(frame, fh, header: bool = True) -> None:
    """Write ``frame`` to ``fh`` exactly as ``frame.to_csv(fh, index=False)`` does (Python's repr of every float, an
    empty cell for NaN and None, the csv module's minimal quoting, "\\n" line ends), column by column instead of cell
    by cell: pandas formats a 10⁵-row table's 7·10⁶ floats one numpy string at a time (~7 s). ``fh`` is a text file
    or a binary one (UTF-8 bytes written: no text object of the rows is built). The floats of a block of rows are
    formatted at once and the row texts assembled in one join (:func:`_rows_bytes`); the other columns are
    formatted once per distinct value. ``header`` False: the rows only (the text that follows the header line,
    e.g. the second part of a table written in two parts)."""
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

    def cells(values: list) -> list[bytes]:  # UTF-8 cell of each value; texts and gaps (None, NaN) checked at once
        kinds = set(map(type, values))
        if not kinds <= {str, float, type(None)} or (float in kinds and any(v == v for v in values
                                                                              if type(v) is float)):
            return [cell(v).encode() for v in values]
        texts = [v if type(v) is str else "" for v in values]
        joined = "\x00".join(texts)
        if joined.count("\x00") != len(texts) - 1:  # a text holds the separator itself: cell by cell
            return [cell(v).encode() for v in values]
        # (plain substring tests: a regular expression over 10⁵ joined texts costs ~10× more)
        if not any(ch in joined for ch in ',"\r\n'):
            return joined.encode().split(b"\x00")  # one encoding of every text
        if not any(ch in joined for ch in '"\r\n'):  # commas only: those texts quoted as they are
            has = [("," in t) for t in texts]
            if all(has):
                return ('"' + '"\x00"'.join(texts) + '"').encode().split(b"\x00")
            return "\x00".join([f'"{t}"' if h else t for t, h in zip(texts, has)]).encode().split(b"\x00")
        return [quoted(t).encode() for t in texts]

    binary = isinstance(fh, (io.RawIOBase, io.BufferedIOBase)) or "b" in getattr(fh, "mode", "")
    if frame.shape[1] < 2:  # a row of one field is quoted when empty: pandas' own writer
        text = frame.to_csv(index=False, header=header)
        fh.write(text.encode() if binary else text)
        return
    if header:
        head = ",".join(quoted(str(n)) for n in frame.columns) + "\n"
        fh.write(head.encode() if binary else head)
    if len(frame) == 0:
        return
    columns = []  # per column: (n,) float64, or a run of text columns: [(distinct cells' UTF-8 bytes, (n,) codes)…]
    for k, name in enumerate(frame.columns):
        col = frame.iloc[:, k]
        if col.dtype == np.float64:
            columns.append(col.to_numpy(np.float64))
            continue
        if col.dtype == object:  # 1 and 1.0 and True are one dictionary key, and are written differently
            texts = cells(col.to_numpy(dtype=object).tolist())
            codes, uniques = pd.factorize(np.array(texts, dtype=object), use_na_sentinel=False)
            texts = uniques.tolist()
        elif _mostly_distinct(col):  # labels, per-row descriptions: hashing 10⁵ long texts to find them all
            # distinct costs more than formatting each (the same cells)
            texts = _arrow_cells(col)
            if texts is None:
                texts = cells(col.to_numpy(dtype=object).tolist())
            codes = np.arange(len(col))
        else:  # one dtype: each distinct value formatted once (factorized by the column's own array: no object
            # per cell)
            codes, uniques = col.factorize(use_na_sentinel=False)
            texts = cells(uniques.tolist())
        if not columns or not isinstance(columns[-1], list):
            columns.append([])
        columns[-1].append((texts, codes))
    columns = [c if isinstance(c, np.ndarray) else _run_cells(c) for c in columns]
    n = len(frame)
    dumps = _orjson()
    scratch = {}  # the blocks' working arrays, made once and reused (a new one each block: ~8 % more CPU, page faults)
    blocks = range(0, n, _ROWS_AT_ONCE)  # a few MB of text at a time: reused memory, no 10⁸-byte strings
    if len(blocks) < 3:
        for lo in blocks:
            data = _rows_bytes([c[lo:lo + _ROWS_AT_ONCE] for c in columns], dumps, scratch)
            fh.write(data if binary else data.decode())
        return
    from concurrent.futures import ThreadPoolExecutor

    # a block is written by a thread (the file's write lets go of the GIL) while the next one is made: one write at
    # a time, in order; an error of a write is raised here
    with ThreadPoolExecutor(1) as pool:
        pending = None
        for lo in blocks:
            data = _rows_bytes([c[lo:lo + _ROWS_AT_ONCE] for c in columns], dumps, scratch)
            if pending is not None:
                pending.result()
            pending = pool.submit(fh.write, data if binary else data.decode())
        pending.result()


def _arrow_cells(col) -> list | None:
    """The UTF-8 cells of a text column that pandas keeps in arrow (its ``str`` dtype), made by arrow's kernels (no
    Python text per cell): a missing value "", a text with a comma between quotes (what the csv module does to a
    field with the delimiter and no quote or line break). None for any other column, or when some text holds a
    quote or a line break (the caller's cell-by-cell path quotes those)."""
    import pandas as pd

    if not (isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(col.array)  # the column's own arrow array (no copy)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    data = arr.buffers()[2]
    if data is not None and any(ch in data.to_pybytes() for ch in (b'"', b"\r", b"\n")):
        return None  # (all the buffer, also what a slice leaves out: that only costs the slow path)
    if arr.null_count:
        arr = arr.fill_null("")
    comma = pc.match_substring(arr, ",")
    if pc.any(comma).as_py():
        quote, empty = pa.scalar('"', arr.type), pa.scalar("", arr.type)
        quoted = pc.binary_join_element_wise(quote, arr, quote, empty)
        arr = quoted if pc.all(comma).as_py() else pc.if_else(comma, quoted, arr)
    binary = pa.large_binary() if pa.types.is_large_string(arr.type) else pa.binary()
    return arr.cast(binary).to_numpy(zero_copy_only=False).tolist()


def _mostly_distinct(col, probe: int = 1000) -> bool:
    """True when most of the first ``probe`` values of a long column differ (a column to format cell by cell rather
    than factorize); only a choice of the faster way, never of the text."""
    if len(col) < 4 * probe:
        return False
    head = col.iloc[:probe].to_numpy(dtype=object).tolist()
    try:
        return len(set(head)) > probe // 2
    except TypeError:  # unhashable values: factorize decides
        return False


def _run_cells(run: list):
    """(n,) object array: the cells of a run of text columns side by side, joined by "," (one cell of
    :func:`_rows_bytes`); ``run`` is [(distinct texts as bytes, (n,) codes) per column]; each distinct combination of
    the columns joined once."""
    import numpy as np
    import pandas as pd

    texts, codes = run[0]
    combo = np.asarray(codes, dtype=np.int64)
    for texts_k, codes_k in run[1:]:
        combo = pd.factorize(combo * len(texts_k) + np.asarray(codes_k, dtype=np.int64))[0]
    first = np.unique(combo, return_index=True)[1]  # a row of each combination (codes in order of appearance)
    cols = [np.array(t, dtype=object)[np.asarray(c)[first]] for t, c in run]
    return np.array([b",".join(row) for row in zip(*cols)] if len(run) > 1 else cols[0], dtype=object)[combo]


#: rows of table.csv formatted and written at once
_ROWS_AT_ONCE = 4096


def _scratch(scratch: dict | None, name: str, size: int, dtype):
    """A (size,) array of ``dtype`` to work in: the first ``size`` elements of the one kept in ``scratch`` under
    ``name`` (made larger when too small), or a new one without ``scratch``. Its contents are undefined."""
    import numpy as np

    if scratch is None:
        return np.empty(size, dtype=dtype)
    have = scratch.get(name)
    if have is None or len(have) < size:
        have = scratch[name] = np.empty(size, dtype=dtype)
    return have[:size]


def _rows_bytes(columns: list, dumps, scratch: dict | None = None) -> bytes:
    """The CSV text (UTF-8, "\\n" after each row) of m rows given as k ≥ 1 columns: (m,) float64 arrays (Python's
    repr, "" for NaN) or (m,) object arrays of the cells' bytes.

    With orjson (``dumps``, :func:`_orjson`) the block is one call on an (m, k) array in which the text cells and the
    floats whose orjson text is not repr's (:func:`_awkward`, ±inf) are :data:`_PLACE`, a float written in
    :data:`_WIDTH` bytes; each of those is overwritten in place in the bytes (found from the commas) — a float by its
    repr (:func:`_repr_windows`), a text cell by the byte 1 — and NaN's "null" by zero bytes, which are then dropped
    in one pass. The first and last column are text cells in every row, so that the text between two of them is
    "," inside a row and "],[" between rows: one split at the byte 1 and one join put the texts and "\\n" there (no
    Python object per float). Without orjson, repr of every float and the cells joined row by row. ``scratch``: a
    dict in which the arrays worked in are kept from one call to the next (:func:`_scratch`)."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    m, k = len(columns[0]), len(columns)
    if dumps is None or not any(c.dtype == np.float64 for c in columns):
        R = np.empty((m, k), dtype=object)
        for j, c in enumerate(columns):
            R[:, j] = _repr_bytes(c) if c.dtype == np.float64 else c
        return b"".join(b",".join(row) + b"\n" for row in R.tolist())
    columns = list(columns)
    for j in {0, k - 1}:  # the first and last cell of a row are text cells
        if columns[j].dtype == np.float64:
            columns[j] = np.array(_number_texts(columns[j], dumps, csv=True), dtype=object)
    fc = [j for j, c in enumerate(columns) if c.dtype == np.float64]
    tc = [j for j, c in enumerate(columns) if c.dtype != np.float64]
    F = _scratch(scratch, "F", m * k, np.float64).reshape(m, k)
    for j in tc:  # (column by column: a fancy index over the columns costs more than all of them)
        F[:, j] = _PLACE
    for j in fc:
        F[:, j] = columns[j]
    odd = _awkward(F) | np.isinf(F)  # (_PLACE, in the text cells, is neither)
    awkward = F[odd]
    F[odd] = _PLACE
    text = dumps(F)  # b"[[x,x,…],[…]]"
    u = _scratch(scratch, "u", len(text), np.uint8)  # (a writable copy)
    u[:] = np.frombuffer(text, dtype=np.uint8)
    del text
    d = np.flatnonzero((u == 44) | (u == 93))  # "," and "]"
    ends = d[u[d - 1] != 93]  # … after a number: one per cell, row after row
    if len(ends) != m * k:
        return _rows_bytes(columns, None)
    starts = np.empty(m * k, dtype=np.int64)
    starts[0] = 2
    starts[1:] = ends[:-1] + 1
    starts[k::k] += 2  # after "],["
    S = starts.reshape(m, k)
    at = sliding_window_view(u, _WIDTH, writeable=True)  # at[i]: the W bytes from i (a view: rows written in place)
    sliding_window_view(u, 4, writeable=True)[S[np.isnan(F)]] = 0  # "null" → ""
    if len(awkward):
        _repr_windows(awkward, dumps, at, S[odd], scratch)
    hole = np.zeros(_WIDTH, dtype=np.uint8)
    hole[0] = 1
    at[S[:, tc].ravel()] = hole
    pieces = u.tobytes().translate(None, b"\x00").split(b"\x01")  # the zero bytes dropped (faster than u[u != 0])
    nt = len(tc)
    R = np.empty((m, nt), dtype=object)
    for i, j in enumerate(tc):
        R[:, i] = columns[j]
    out = np.empty(2 * m * nt + 1, dtype=object)
    out[0::2] = pieces
    out[1::2] = R.ravel()
    out[2 * nt * np.arange(1, m + 1)] = b"\n"  # the piece after the last text cell of each row: "],[" ("]]")
    out[0] = b""  # "[["
    return b"".join(out.tolist())


#: a float whose orjson text has :data:`_WIDTH` bytes, at least those of repr of any float (:func:`_rows_bytes`)
_PLACE, _WIDTH = -1.2345678901234567e-100, 24


def _repr_windows(x, dumps, at, where, scratch: dict | None = None) -> None:
    """Write Python's repr of each float of ``x`` (1e-9 ≤ |x| < 1e-4, or ±inf) as bytes padded with zeros into the
    rows ``at[where]`` of a (·, :data:`_WIDTH`) uint8 view, made from orjson's text of them by moving bytes in a
    fixed-width window (no Python step per float): 1e-5 ≤ |x| < 1e-4, written "-0.0000" and the digits, becomes
    the first digit, "." and the others when there are others, and "e-05"; 1e-9 ≤ |x| < 1e-5, written "1.2e-7",
    gets "0" after "e-". The move depends only on the sign and the length of the text: one fancy index per such
    shape (:func:`_window_move`). ``scratch``: as for :func:`_rows_bytes`."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    W = _WIDTH
    inf = np.isinf(x)
    for sign, text in ((1, b"inf"), (-1, b"-inf")):
        m = inf & (np.sign(x) == sign)
        if m.any():
            at[where[m]] = np.frombuffer(text.ljust(W, b"\x00"), dtype=np.uint8)
    fin = np.flatnonzero(~inf)
    if not len(fin):
        return
    y, where = x[fin], where[fin]
    v = np.frombuffer(dumps(y), dtype=np.uint8)  # b"[0.0000123,-1.2e-7]"
    ends = np.flatnonzero((v == 44) | (v == 93))
    starts = np.concatenate([[1], ends[:-1] + 1])
    L = ends - starts
    # each token in a window of W bytes (what follows it is never moved), then "." "e" "-" "0" "5" and a zero
    tok = _scratch(scratch, "tok", len(y) * (W + 6), np.uint8).reshape(len(y), W + 6)
    tok[:, :W] = sliding_window_view(np.concatenate([v, np.zeros(W, np.uint8)]), W)[starts]
    tok[:, W:] = np.frombuffer(b".e-05\x00", dtype=np.uint8)
    neg = tok[:, 0] == 45
    key = (np.where(np.abs(y) >= 1e-5, neg * 64, 128) + L).astype(np.int16)  # the shape of the token
    order = np.argsort(key, kind="stable")
    ks, first = np.unique(key[order], return_index=True)
    bounds = np.append(first, len(order)).tolist()
    for kk, lo, hi in zip(ks.tolist(), bounds[:-1], bounds[1:]):
        rows = order[lo:hi]
        at[where[rows]] = tok.take(rows, axis=0).take(_window_move(kk), axis=1)  # (rows, then bytes: ~3× one 2-D index)


@functools.lru_cache(maxsize=None)
def _window_move(key: int):
    """(:data:`_WIDTH`,) indices into a token window (bytes 0…W−1, then "." "e" "-" "0" "5" and a zero) giving the
    repr of a token of shape ``key`` (:func:`_repr_windows`): ``neg·64 + L`` for "-0.0000ddd" (1e-5 ≤ |x| < 1e-4),
    ``128 + e·64 + L`` for "1.2e-7" ("e" at e)."""
    import numpy as np

    W = _WIDTH
    dot, ee, minus, zero, five, none = range(W, W + 6)
    if key < 128:
        neg, L = divmod(key, 64)
        nd = L - neg - 6  # the digits after "0.0000"
        src = (list(range(neg)) + [neg + 6] + ([dot] + list(range(neg + 7, L)) if nd > 1 else [])
               + [ee, minus, zero, five])
    else:
        L = key - 128
        e = L - 3
        src = list(range(e + 2)) + [zero] + list(range(e + 2, L))
    return np.array(src + [none] * (W - len(src)), dtype=np.intp)


def _repr_bytes(x) -> list:
    """Python's repr of each float of ``x`` as bytes, b"" for NaN (the path without orjson)."""
    import numpy as np

    texts = np.array([repr(v).encode() for v in x.tolist()], dtype=object)
    texts[np.isnan(x)] = b""
    return texts


def _float_rows(M, dumps="auto") -> list[str]:
    """(n, k) float64 → n strings "x1,x2,…,xk", each x Python's repr of the float ("inf", "-inf") and "" for NaN:
    the rows :func:`_rows_bytes` writes (with orjson when installed and checked, :func:`_orjson`, else repr)."""
    import numpy as np

    if dumps == "auto":
        dumps = _orjson()
    n, k = M.shape
    if k == 0:
        return [""] * n
    if n == 0:
        return []
    M = np.asarray(M, dtype=np.float64)
    return _rows_bytes([np.ascontiguousarray(M[:, j]) for j in range(k)], dumps).decode().split("\n")[:-1]


def float_texts(M, dumps="auto") -> list[str]:
    """The JSON number of each float of the array ``M`` (C order), as ``json.dumps`` writes it: Python's repr of each
    finite float, "null" for NaN and ±inf. One orjson call for the block when available (:func:`_number_texts`);
    else repr one by one. Used by ``json_output``."""
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
    return _number_texts(x, dumps)


def _number_texts(x, dumps, csv: bool = False) -> list:
    """The text of each float of the 1-D ``x`` from one orjson call, the floats whose orjson text is not repr's
    (:func:`_awkward`) rewritten in place in its bytes (:func:`_repr_windows`), then split: JSON numbers as str
    ("null" for NaN and ±inf), or with ``csv`` the cells of table.csv as bytes (repr, "inf", "-inf", b"" for NaN)."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    odd = _awkward(x) | (np.isinf(x) if csv else False)
    nan = np.isnan(x) if csv else np.zeros(len(x), bool)
    if not odd.any() and not nan.any():
        text = dumps(x)[1:-1]
    else:
        u = np.frombuffer(dumps(np.where(odd, _PLACE, x)), dtype=np.uint8).copy()  # b"[x,x,…]"
        d = np.flatnonzero((u == 44) | (u == 93))
        starts = np.concatenate([[1], d[:-1] + 1])
        sliding_window_view(u, 4, writeable=True)[starts[nan]] = 0  # "null" → ""
        if odd.any():
            _repr_windows(x[odd], dumps, sliding_window_view(u, _WIDTH, writeable=True), starts[odd])
        text = u[u != 0].tobytes()[1:-1]
    return text.split(b",") if csv else text.decode().split(",")


def _awkward(x):
    """Mask of the finite floats whose orjson text is not repr's: 1e-9 ≤ |x| < 1e-4 (orjson writes "0.0000123" and
    "1.2e-7" where repr writes "1.23e-05" and "1.2e-07")."""
    import numpy as np

    a = np.abs(x)
    return (a >= 1e-9) & (a < 1e-4)


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
