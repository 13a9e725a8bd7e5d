"""The corpus catalogue: one row per CIF data block of a collection of files, in a DuckDB database file.

What lives here: the schema of the rows (:data:`COLUMNS`: name, type and meaning of every column), the store
(:class:`Catalogue`: open or create, read the rows, the single writer that commits small batches), the list of
files under some paths (:func:`corpus_files`) and :func:`scan` (files → rows, serial, local processes or Dask,
resumable). What does not: what is read from one file (``corpus_entry.py``, run by the workers), running
functions in parallel (``parallel.py``), finding pairs and series among the rows (``corpus_pairs.py``).

Why DuckDB (and not Parquet)
----------------------------
The catalogue must survive ``kill -9`` in the middle of a scan of half a million files and be completed by the
next run with nothing lost or twice. DuckDB gives that as a database does: each batch of rows is one
transaction, committed to a write-ahead log, and an interrupted transaction is rolled back when the file is next
opened; a ``PRIMARY KEY (file, sha1)`` makes a duplicate row impossible; the file is locked by one writer at a
time. Parquet files cannot be appended to, so the same guarantees would need a folder of part files, renames and
a compaction step of our own. The catalogue is one file that anyone opens without symstrain —
``duckdb cat.duckdb "SELECT formula, T, declared_symbol FROM blocks"``, ``duckdb.connect("cat.duckdb").sql(
"FROM blocks").df()`` in Python, or R/Julia/DBeaver — and exports to Parquet in one line:
``COPY blocks TO 'blocks.parquet'``.

Rules
-----
* Rows are keyed by (``file``, ``sha1``): ``file`` is the absolute path, ``sha1`` that of the block's text
  (``corpus_entry.py``). A second scan skips a block whose sha1 the catalogue already holds *for that file*
  (and does not even read a file whose size and modification time match its rows); a block whose text changed
  gets a new row and the row of its old text is removed. The check is per file so that a resumed scan gives
  exactly the catalogue of an uninterrupted one even when two files hold the same block; ``corpus_pairs`` counts
  such copies once.
* Rows of files that are not under the paths of a scan are kept: one catalogue can gather several scans
  (``DELETE FROM blocks WHERE file LIKE '/old/%'`` removes some). The rows of a file under a folder scanned
  that no longer exists are removed (and listed): a rescan gives the catalogue a fresh scan would (sweep 19:
  ``pairs`` still tried the deleted copy of a structure, and the ``table`` lines named deleted files). More
  precisely, the rows after a scan are those a fresh replay of every scan so far would give on the files as they
  are now (sweeps 28, 31, 32): the table ``scanned_paths`` holds every path given to a scan, ``reached`` the real
  paths of the files each gave at its last walk (a file reached through a symbolic link lies outside the folder);
  each scan walks them all again and removes the rows of files none gives. A path scanned before that does not
  exist now gives nothing, as its replay would, and is listed in ``missing_paths`` (a disk to be mounted again
  is scanned again); a folder that cannot be listed keeps its files' rows. A catalogue of an older symstrain
  counts each of its rows' files as a path given by name.
* Every block gives a row, also when it cannot be read: ``status`` "failed" with the reason in ``failure`` (a
  file that is not a CIF at all is one row with ``block`` null). A scan never stops on a file.
* One writer, in the process that runs :func:`scan`; workers only read files and return rows. Rows are
  committed in batches (``batch_rows`` rows or ``batch_seconds`` seconds, whichever comes first), all rows of a
  file in the same transaction; when rows come faster than one batch per ``MIN_COMMIT_INTERVAL``, batches grow
  up to 10 × ``batch_rows`` (a commit costs ~25 ms, mostly the fsync). Rows read back in (file, block_index)
  order.
* Paths in rows are absolute: on a cluster the workers must see the files at the same paths.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SymstrainInputError

#: a commit costs ~25 ms (mostly the fsync of the log): when rows come in fast (a cluster), batches grow up to
#: 10 × batch_rows rather than committing more often than this (s)
MIN_COMMIT_INTERVAL = 0.25
#: version of the table layout; a catalogue of another version is refused (rescan into a new file), but for version 1,
#: which gains the column ``file_ctime_ns`` (its files are read again on the next scan)
SCHEMA_VERSION = 2

_Q = "DOUBLE"
#: (column, DuckDB type, meaning) of the table ``blocks``, in order
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("file", "VARCHAR NOT NULL", "absolute path of the CIF file"),
    ("block", "VARCHAR", "data block name without 'data_'; null when the file has no readable block"),
    ("block_index", "INTEGER", "position of the block in the file (0 first); null when the file is unreadable"),
    ("sha1", "VARCHAR NOT NULL", "SHA-1 of the block's text (of the whole file when block is null)"),
    ("file_size", "BIGINT", "file size in bytes when read"),
    ("file_mtime_ns", "BIGINT", "file modification time (ns since the epoch) when read"),
    ("status", "VARCHAR NOT NULL", "'ok', 'failed' (see failure) or 'not_structure' (no cell and no atom sites)"),
    ("failure", "VARCHAR", "why the block gave no structure (one line); null when ok"),
    ("formula", "VARCHAR", "normalised formula: elements sorted, integer counts divided by their gcd"),
    ("formula_source", "VARCHAR", "'_chemical_formula_sum' or 'atom sites' (content of the cell)"),
    ("formula_sum", "VARCHAR", "_chemical_formula_sum as written"),
    ("Z", _Q, "formula units (of _chemical_formula_sum) per cell"),
    ("Z_source", "VARCHAR", "'_cell_formula_units_Z' or 'atom sites' (content of the cell / formula)"),
    ("n_formula_units", _Q, "normalised formula units per cell"),
    ("volume_per_formula_unit", _Q, "cell volume / n_formula_units, Å³"),
    *((n, _Q, f"cell {n}, {'Å' if n in 'abc' else 'degrees'}") for n in ("a", "b", "c", "alpha", "beta", "gamma")),
    *((f"{n}_su", _Q, f"s.u. of {n}; null when the file gives none") for n in ("a", "b", "c", "alpha", "beta",
                                                                                 "gamma")),
    ("volume", _Q, "cell volume, Å³"),
    ("volume_su", _Q, "s.u. of the volume propagated from the cell's s.u.'s, Å³; null when none"),
    *((f"niggli_{n}", _Q, f"Niggli-reduced primitive cell: {n}, {'Å' if n in 'abc' else 'degrees'}")
      for n in ("a", "b", "c", "alpha", "beta", "gamma")),
    ("niggli_volume", _Q, "volume of the primitive cell, Å³"),
    ("declared_number", "INTEGER", "ITA number of the declared space group"),
    ("declared_symbol", "VARCHAR", "full H-M symbol of the declared group in the file's setting"),
    ("declared_hall", "VARCHAR", "Hall symbol of that setting, null when not tabulated"),
    ("declared_setting", "VARCHAR", "the setting in words"),
    ("declared_standard_setting", "BOOLEAN", "true when the file uses the ITA reference setting"),
    ("declared_from", "VARCHAR", "where the group came from: symops, H-M, Hall, H-M ref, number, number and code, "
     "number and cell, assumed P1"),
    ("n_operations", "INTEGER", "operations of the declared group per cell (centring included)"),
    ("detected_number", "INTEGER", "ITA number spglib finds at detected_symprec; null when none"),
    ("detected_symbol", "VARCHAR", "full H-M symbol of the detected group in its reference setting"),
    ("detected_symprec", _Q, "spglib tolerance of the detection, Å"),
    ("T", _Q, "temperature, K; null when the file gives none"),
    ("T_su", _Q, "s.u. of T, K; null when none"),
    ("T_source", "VARCHAR", "CIF item the temperature came from"),
    ("pressure", _Q, "pressure, kPa (as CIF writes it); null when not given"),
    ("pressure_su", _Q, "s.u. of the pressure, kPa"),
    ("radiation", "VARCHAR", "'x-ray', 'neutron', 'electron', 'gamma' or null"),
    ("radiation_type", "VARCHAR", "_diffrn_radiation_type as written"),
    ("wavelength", _Q, "_diffrn_radiation_wavelength, Å"),
    ("n_sites", "INTEGER", "atom sites in the asymmetric unit"),
    ("n_atoms_cell", "INTEGER", "atoms in the cell given to spglib"),
    ("warnings", "STRUCT(code VARCHAR, source VARCHAR, message VARCHAR)[]", "warnings {code, source, message}"),
    ("file_ctime_ns", "BIGINT", "file status-change time (ns since the epoch) when read: changed by every write, "
                                "even one that restores the modification time (cp -p, rsync -t, tar x)"),
)
COLUMN_NAMES = tuple(c[0] for c in COLUMNS)


def corpus_files(paths, unlisted: list | None = None, by_path: dict | None = None,
                 missing_ok: bool = False) -> list[str]:
    """Absolute paths of the files to scan, sorted, each once: a file given is taken whatever its name; a folder
    gives every ``*.cif`` under it (any case, recursively, hidden entries skipped, symbolic links to folders followed
    and each folder walked once per path given, so that a loop of links ends: sweep 23 found a linked folder's files
    left out without a word). ``unlisted``: a list that receives ``(folder, reason)`` for each folder that could
    not be listed (no permission: sweep 28 found it skipped without a word); ``by_path``: a dict that receives, for
    each path given (absolute, links in it not resolved), the set of the files it gives (real paths); a path that
    does not exist is an error unless ``missing_ok`` (then it gives nothing and is left out of ``by_path``)."""
    out = set()

    def not_listed(exc: OSError) -> None:
        if unlisted is not None:
            unlisted.append((os.path.realpath(exc.filename), exc.strerror or str(exc)))

    for p in paths:
        path = Path(p)
        found: set[str] = set()
        if path.is_dir():
            walked: set[str] = set()  # (per path: two paths reaching one folder both list its files: sweep 32)
            for root, dirs, files in os.walk(path, followlinks=True, onerror=not_listed):
                real = os.path.realpath(root)
                if real in walked:  # (a folder reached again through a link, or a loop of links)
                    dirs[:] = []
                    continue
                walked.add(real)
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.update(_absolute(Path(root, f)) for f in files
                             if f.lower().endswith(".cif") and not f.startswith("."))
        elif path.exists() or path.is_symlink():  # (a dangling link or a FIFO given by name: a failed row)
            found.add(_absolute(path))
        elif missing_ok:
            continue
        else:
            raise SymstrainInputError(p, "no such file or folder")
        out.update(found)
        if by_path is not None:
            by_path[os.path.abspath(path)] = found
    return sorted(out)


def storable_name(path: str) -> str:
    """``path`` as the catalogue stores it: itself, or for a name that is not valid UTF-8 (its undecodable bytes held
    as surrogates, which DuckDB and Arrow refuse) the name with those bytes written as ``\\xff``."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def _stored_names(files) -> dict:
    """{file: the name its rows are stored under}: :func:`storable_name`, made unique where an escaped name is also
    the name of another file found (a file named with the text '\\xff' beside one with the byte: sweep 31, where
    the two rows replaced each other and a rescan emptied the catalogue)."""
    out = {f: storable_name(f) for f in files}
    taken = {f for f, name in out.items() if name == f}
    for f in sorted(f for f, name in out.items() if name != f):
        name, k = out[f], 1
        while name in taken:
            name, k = f"{out[f]} (name not UTF-8, {k})", k + 1
        out[f] = name
        taken.add(name)
    return out


def _absolute(path: Path) -> str:
    """The absolute path of the file a name leads to; a dangling link or a loop of links by its own name (it becomes
    a failed row: sweep 19, where resolving a loop stopped the scan)."""
    try:
        return str(path.resolve(strict=True))
    except (OSError, RuntimeError):
        return os.path.abspath(path)


@dataclass
class _Known:
    """What the catalogue holds for one file: {sha1: (size, mtime_ns, block_index, block, ctime_ns)}."""

    blocks: dict = field(default_factory=dict)

    def unchanged(self, size: int, mtime_ns: int, ctime_ns: int) -> bool:
        """The file is as it was read: same size, modification and status-change times (sweep 23: a digit edited and
        the modification time restored, as ``cp -p`` or ``rsync -t`` do, kept the old row; the status-change time
        cannot be set back). A row without a ctime (a catalogue of schema 1) is read again."""
        return bool(self.blocks) and all(v[0] == size and v[1] == mtime_ns and v[4] == ctime_ns
                                         for v in self.blocks.values())


class Catalogue:
    """A catalogue file open for reading and writing (one process at a time: DuckDB locks it).

    Use as a context manager. ``rows()`` gives the table as a pandas DataFrame in (file, block_index) order;
    :meth:`commit` is the single writer.
    """

    def __init__(self, path, create: bool = True):
        try:
            import duckdb
        except ImportError:
            raise SymstrainInputError("--catalogue", "the catalogue needs DuckDB: pip install 'symstrain[corpus]'") \
                from None

        self.path = Path(path)
        if self.path.suffix.lower() == ".parquet":
            raise SymstrainInputError(path, "the catalogue is a DuckDB database: give a name ending in .duckdb "
                                      "(Parquet: COPY blocks TO 'x.parquet' from duckdb)")
        if not create and not self.path.is_file():
            raise SymstrainInputError(path, "no such catalogue (make one with symstrain scan)")
        if self.path.is_dir():
            raise SymstrainInputError(path, "is a folder, not a catalogue file")
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            msg = " ".join(str(exc).split())
            if "lock" in msg.lower():
                msg = "is open in another process (DuckDB allows one writer at a time)"
            raise SymstrainInputError(path, f"cannot open the catalogue: {msg}") from None
        self._setup()
        self._known: dict[str, _Known] | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.con.close()

    def _setup(self):
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        # the files each scanned folder reached through symbolic links, outside it (added to older catalogues as
        # they are opened: tables of their own, the rows' layout unchanged), made in the transaction that makes the
        # catalogue (one write of its log)
        links = [sql for name, sql in (
            ("reached", "CREATE TABLE reached (path VARCHAR, file VARCHAR, PRIMARY KEY (path, file))"),
            ("scanned_paths", "CREATE TABLE scanned_paths (path VARCHAR PRIMARY KEY)")) if name not in tables]
        if "scanned_paths" not in tables and "blocks" in tables:  # (an older catalogue: each row's file counts as
            links += ["INSERT INTO scanned_paths SELECT DISTINCT file FROM blocks",  # given by name, kept while it
                      "INSERT INTO reached SELECT DISTINCT file, file FROM blocks"]  # is there)
        if "blocks" in tables:
            ver = self.con.execute("SELECT value FROM catalogue_info WHERE key = 'schema_version'").fetchone() \
                if "catalogue_info" in tables else None
            if ver is not None and int(ver[0]) == 1:  # (1 → 2: the ctime column, null until the file is read again)
                self.con.execute("BEGIN")
                self.con.execute('ALTER TABLE blocks ADD COLUMN "file_ctime_ns" BIGINT')
                self.con.execute("UPDATE catalogue_info SET value = ? WHERE key = 'schema_version'",
                                 [str(SCHEMA_VERSION)])
                self.con.execute("COMMIT")
                ver = (SCHEMA_VERSION,)
            if ver is None or int(ver[0]) != SCHEMA_VERSION:
                raise SymstrainInputError(self.path, f"catalogue of schema version {ver[0] if ver else '?'}, this "
                                          f"symstrain writes version {SCHEMA_VERSION}: scan into a new file")
            if links:
                self.con.execute("BEGIN")
                for sql in links:
                    self.con.execute(sql)
                self.con.execute("COMMIT")
            return
        cols = ",\n  ".join(f'"{n}" {t}' for n, t, _ in COLUMNS)
        self.con.execute("BEGIN")
        self.con.execute(f"CREATE TABLE blocks (\n  {cols},\n  PRIMARY KEY (file, sha1))")
        for n, _, d in COLUMNS:
            self.con.execute(f"COMMENT ON COLUMN blocks.\"{n}\" IS '{d.replace(chr(39), chr(39) * 2)}'")
        for sql in links:
            self.con.execute(sql)
        self.con.execute("CREATE TABLE catalogue_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
        self.con.execute("INSERT INTO catalogue_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        self.con.execute("COMMIT")

    # ------------------------------------------------------------------------------------------- reading

    def rows(self, where: str | None = None):
        """The rows (DataFrame with the columns of :data:`COLUMNS`), ordered by file then block_index."""
        sql = "SELECT * FROM blocks" + (f" WHERE {where}" if where else "") + \
              " ORDER BY file, block_index NULLS FIRST, sha1"
        return self.con.execute(sql).df()

    def __len__(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM blocks").fetchone()[0])

    def known(self) -> dict[str, _Known]:
        """{file: what the catalogue holds for it} (read once, then kept up to date by :meth:`commit`)."""
        if self._known is None:
            self._known = {}
            for f, sha, size, mtime, idx, blk, ctime in self.con.execute(
                    "SELECT file, sha1, file_size, file_mtime_ns, block_index, block, file_ctime_ns "
                    "FROM blocks").fetchall():
                self._known.setdefault(f, _Known()).blocks[sha] = (size, mtime, idx, blk, ctime)
        return self._known

    # ------------------------------------------------------------------------------------------- writing

    def commit(self, scans) -> int:
        """Write what the workers found in some files (:class:`~symstrain.corpus_entry.FileScan`), in one
        transaction: new rows inserted, rows of block texts no longer in a file removed, the position and file
        stamp of the known blocks brought up to date. Returns the number of rows inserted."""
        import pyarrow as pa

        known = self.known()
        deletes, updates, inserts = [], [], []
        for s in scans:
            k = known.get(s.file, _Known())
            now = {sha: (s.file_size, s.file_mtime_ns, idx, blk, s.file_ctime_ns) for idx, blk, sha in s.blocks}
            deletes += [(s.file, sha) for sha in k.blocks if sha not in now]
            updates += [(s.file_size, s.file_mtime_ns, v[4], v[2], v[3], s.file, sha) for sha, v in now.items()
                        if sha in k.blocks and k.blocks[sha] != v]
            inserts += [r for r in s.rows if r["sha1"] not in k.blocks]
        if not (deletes or updates or inserts):
            return 0
        schema = _arrow_schema()  # column by column: 25 times faster than from_pylist for 200 rows
        table = pa.Table.from_arrays([pa.array([r.get(c) for r in inserts], type=f.type)
                                      for c, f in zip(COLUMN_NAMES, schema)], schema=schema)
        self.con.execute("BEGIN")
        try:
            if deletes:
                self.con.executemany("DELETE FROM blocks WHERE file = ? AND sha1 = ?", deletes)
            if updates:
                self.con.executemany("UPDATE blocks SET file_size = ?, file_mtime_ns = ?, file_ctime_ns = ?, "
                                     "block_index = ?, block = ? WHERE file = ? AND sha1 = ?", updates)
            if inserts:
                self.con.register("_batch", table)
                self.con.execute("INSERT INTO blocks SELECT * FROM _batch")
                self.con.unregister("_batch")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        for s in scans:
            known[s.file] = _Known({sha: (s.file_size, s.file_mtime_ns, idx, blk, s.file_ctime_ns)
                                    for idx, blk, sha in s.blocks})
        return len(inserts)

    def scanned_paths(self) -> list[str]:
        """Every path given to a scan of this catalogue (absolute, as given)."""
        return [p for (p,) in self.con.execute("SELECT path FROM scanned_paths ORDER BY path").fetchall()]

    def remove_gone(self, reach: dict, missing=(), unlisted=()) -> tuple:
        """Make the rows those a fresh replay of every scan so far would give (sweeps 19, 28, 31, 32): ``reach``
        ({path given to a scan, now or before: the stored names of the files it gives now}) is remembered (table
        ``reached``); a row whose file no path gives any longer is removed — a path in ``missing`` (scanned before,
        gone now) gives nothing, as its replay would — except those under a folder of ``unlisted`` (it could not be
        listed: its files are kept). The failed row of a folder listed again goes too. In one transaction; returns
        the files removed, sorted."""
        hidden = tuple(f.rstrip(os.sep) + os.sep for f in unlisted)
        kept = set().union(*reach.values()) if reach else set()
        kept |= set(unlisted)  # (their failed rows)
        gone = sorted(f for (f,) in self.con.execute("SELECT DISTINCT file FROM blocks").fetchall()
                      if f not in kept and not (hidden and f.startswith(hidden)))
        self.con.execute("BEGIN")
        try:
            for sql, params in (("DELETE FROM blocks WHERE file = ?", [(f,) for f in gone]),
                                ("DELETE FROM reached WHERE path = ?", [(d,) for d in reach]),
                                ("INSERT INTO reached VALUES (?, ?)", [(d, f) for d, fs in reach.items()
                                                                       for f in sorted(fs)]),
                                ("INSERT OR IGNORE INTO scanned_paths VALUES (?)", [(d,) for d in reach])):
                if params:  # (DuckDB refuses an empty executemany)
                    self.con.executemany(sql, params)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        if gone:
            self._known = None
        return tuple(gone)

    def replace_tables(self, tables: dict) -> None:
        """Create or replace result tables (name → pandas DataFrame) in one transaction; ``blocks`` is not one."""
        if {"blocks", "catalogue_info", "reached", "scanned_paths"} & set(tables):
            raise ValueError("the blocks table is written by commit() only")
        self.con.execute("BEGIN")
        try:
            for name, df in tables.items():
                self.con.register("_table", df)
                self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _table')
                self.con.unregister("_table")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise


#: the columns kept in :attr:`ScanResult.added` (a scan of the COD adds half a million rows: keep them short)
SUMMARY_KEYS = ("file", "block", "block_index", "sha1", "status", "failure", "formula", "volume_per_formula_unit",
                "T", "T_su", "pressure", "declared_number", "declared_symbol", "declared_hall", "declared_setting",
                "declared_standard_setting", "detected_number", "warnings")

_ARROW = None


def _arrow_schema():
    """The pyarrow schema of a batch of rows (the DuckDB types of :data:`COLUMNS`)."""
    global _ARROW
    if _ARROW is None:
        import pyarrow as pa

        kinds = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
                 "BOOLEAN": pa.bool_()}
        warn = pa.list_(pa.struct([("code", pa.string()), ("source", pa.string()), ("message", pa.string())]))
        _ARROW = pa.schema([(n, warn if t.startswith("STRUCT") else kinds[t.split()[0]]) for n, t, _ in COLUMNS])
    return _ARROW


# ------------------------------------------------------------------------------------------------- scan


@dataclass(frozen=True)
class ScanResult:
    """What one :func:`scan` did."""

    #: the catalogue file
    catalogue: str
    #: files found under the paths; of these, files not read again (size and time as in the catalogue)
    n_files: int
    n_unchanged: int
    #: blocks seen in the files read, rows added, blocks skipped because their sha1 was known for the file
    n_blocks: int
    n_added: int
    n_known: int
    #: a short record of every row added in this scan (the keys of :data:`SUMMARY_KEYS`), in (file, block_index)
    #: order, failures and non-structures included
    added: tuple = ()
    #: rows in the catalogue after the scan
    n_rows: int = 0
    #: the failed rows of these files that earlier scans left in the catalogue (file, block, failure), which this one
    #: skipped as known: the scan of these paths is as incomplete as when they failed
    earlier_failed: tuple = ()
    #: files under the folders scanned that the catalogue held and that no longer exist, or that a link no longer
    #: reaches: their rows were removed
    removed: tuple = ()
    #: paths scanned before that no longer exist: they give no file (the rows of the files they gave went unless
    #: another path gives them)
    missing_paths: tuple = ()


def scan(paths, catalogue, *, jobs: int | None = 1, dask: str | None = None, symprec: float = 0.01,
         batch_rows: int = 200, batch_seconds: float = 5.0, progress=None, on_total=None) -> ScanResult:
    """Read every block of every CIF under ``paths`` into the catalogue file ``catalogue`` (created if absent).

    Resumable (module docstring): files and blocks already in the catalogue are skipped. ``jobs``/``dask`` as in
    :func:`symstrain.parallel.imap_items`; ``on_total(n)`` is told the number of files found and ``progress(n)``
    the number just done.
    """
    from .corpus_entry import scan_file, unreadable_reason, unreadable_scan
    from .parallel import ItemFailure, imap_items
    from .structure_info import WORKER_IMPORTS  # scan_file reads and detects as info does

    if not symprec > 0:
        raise SymstrainInputError("--symprec", f"must be a positive tolerance in Å, got {symprec:g}")
    unlisted: list = []
    by_path: dict = {}
    files = corpus_files(paths, unlisted, by_path)
    if on_total is not None:
        on_total(len(files))
    added: list[dict] = []
    with Catalogue(catalogue) as cat:
        known = cat.known()
        jobs_list, weights, n_unchanged = [], [], 0
        pending: list = []
        for folder, reason in unlisted:  # one failed row each (its files were not seen: their rows are kept)
            k = known.get(storable_name(folder))
            pending.append(unreadable_scan(storable_name(folder), f"a folder that cannot be listed ({reason}): the "
                                           "files in it were not scanned", tuple(k.blocks) if k else ()))
        stored_as = _stored_names(files)
        for f in files:
            stored = stored_as[f]
            if stored != f:  # (sweep 28: a name the catalogue cannot hold stopped the scan, every time, exit 70)
                k = known.get(stored)
                pending.append(unreadable_scan(stored, "the file name is not valid UTF-8, which the catalogue stores: "
                                                       "rename the file", tuple(k.blocks) if k else ()))
                continue
            try:
                st = os.stat(f)
                why = unreadable_reason(f, st=st)
            except OSError as exc:  # a dangling link, a loop of links, no permission on a folder
                why = unreadable_reason(f, exc)
            k = known.get(f)
            if why is not None:  # (a FIFO would hang the worker that opens it: sweep 19)
                pending.append(unreadable_scan(f, why, tuple(k.blocks) if k else ()))
                continue
            if k is not None and k.unchanged(st.st_size, st.st_mtime_ns, st.st_ctime_ns):
                n_unchanged += 1
                continue
            jobs_list.append((f, tuple(k.blocks) if k else (), symprec))
            weights.append(st.st_size)
        if progress is not None and n_unchanged + len(pending):
            progress(n_unchanged + len(pending))
        last = time.monotonic()
        n_blocks = sum(len(s.blocks) for s in pending)
        n_known = n_blocks - sum(len(s.rows) for s in pending)
        for i, res in imap_items(scan_file, jobs_list, jobs=jobs, dask=dask, weights=weights,
                                 preload=WORKER_IMPORTS):
            if isinstance(res, ItemFailure):  # the worker died on this file, or a bug outside the block loop
                res = unreadable_scan(jobs_list[i][0], res.message, jobs_list[i][1])
            pending.append(res)
            n_blocks += len(res.blocks)
            n_known += len(res.blocks) - len(res.rows)
            n_rows, waited = sum(len(s.rows) for s in pending), time.monotonic() - last
            if (n_rows >= batch_rows and (waited >= MIN_COMMIT_INTERVAL or n_rows >= 10 * batch_rows)) \
                    or waited >= batch_seconds:
                cat.commit(pending)
                added.extend({k: r.get(k) for k in SUMMARY_KEYS} for s in pending for r in s.rows)
                pending, last = [], time.monotonic()
            if progress is not None:
                progress(1)
        cat.commit(pending)
        added.extend({k: r.get(k) for k in SUMMARY_KEYS} for s in pending for r in s.rows)
        wanted = set(stored_as.values()) | {storable_name(d) for d, _ in unlisted}
        # what every path scanned before gives now (walked again: a fresh replay of all the scans), and this scan's
        before = [p for p in cat.scanned_paths() if p not in {storable_name(d) for d in by_path}]
        more: dict = {}
        corpus_files(before, unlisted, more, missing_ok=True)
        names = _stored_names(sorted(set().union(files, *more.values())))
        reach = {storable_name(d): {names[f] for f in fs} for d, fs in {**more, **by_path}.items()}
        missing = [p for p in before if p not in reach]
        removed = cat.remove_gone(reach, missing, [storable_name(d) for d, _ in unlisted])
        n_rows = len(cat)
        new = {(r["file"], r["sha1"]) for r in added}
        earlier = tuple((f, b, why) for f, b, sha, why in cat.con.execute(
            "SELECT file, block, sha1, failure FROM blocks WHERE status = 'failed' ORDER BY file, block_index NULLS "
            "FIRST").fetchall() if f in wanted and (f, sha) not in new)
    added.sort(key=lambda r: (r["file"], -1 if r["block_index"] is None else r["block_index"]))
    return ScanResult(str(catalogue), len(files), n_unchanged, n_blocks, len(added), n_known, tuple(added), n_rows,
                      earlier, removed, tuple(missing))


