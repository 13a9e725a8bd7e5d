"""What one CIF file gives the corpus catalogue: one entry (a flat row) per data block.

What lives here: :func:`scan_file` (the function the workers of ``symstrain scan`` run: a file → a
:class:`FileScan`), the split of a file's text into blocks with the sha1 of each, the normalised formula and
the volume per formula unit, the Niggli-reduced cell, and the measurement conditions the Phase does not carry
(pressure, radiation). What does not: the store, its schema and the single writer (``catalogue.py``), reading a
block into a :class:`~symstrain.phase.Phase` (``cif.py``), symmetry detection (``detect.py``), pairing entries
(``corpus_pairs.py``).

Rules
-----
* **Block text and sha1.** A block is the bytes from its ``data_`` line to the next ``data_`` line outside a
  semicolon text field (or the end of the file); its sha1 is the hex SHA-1 of those bytes with Windows line ends
  (CR LF) read as LF (:func:`block_sha1`), so the same block copied into another file with its header comments
  changed, or saved on Windows, keeps its sha1. If this split does not give gemmi's list of block names (an exotic
  file), the sha1 is that of gemmi's serialisation of the block instead. A file that is no CIF is one row whose sha1
  is that of the whole file; one that cannot be read at all (no permission, removed, a dangling link, a FIFO) one
  row keyed by the reason (:func:`unreadable_scan`).
* **Status.** "ok" (a structure), "failed" (``failure`` says why in one line: the CIF reader's error or an
  internal error) or "not_structure" (a block with neither a cell nor atom sites, e.g. a publication-only
  block: recorded, not a failure).
* **Formula** (``normalise_formula``): the elements of ``_chemical_formula_sum`` (parenthesised groups with
  their multipliers expanded) sorted alphabetically, counts divided by their greatest common divisor when they
  are all integers (``"Ca (Al1.94 Fe.06) Si2 O10 D4"`` → ``"Al1.94 Ca D4 Fe0.06 O10 Si2"``; ``"C12 H8 O4"`` →
  ``"C3 H2 O"``). Without a usable formula sum, the content of the cell (sites × multiplicity × occupancy),
  divided by ``_cell_formula_units_Z`` where the file gives it (per formula unit, as a formula sum is; without
  Z by the greatest common divisor of its integer counts, where fractional occupancies leave others) is used and
  said so (warning ``formula_from_atoms``).
* **Formula units.** ``n_formula_units`` = Z × the divisor of that reduction, so ``volume_per_formula_unit`` =
  V / n_formula_units (Å³) is per *normalised* formula. Without ``_cell_formula_units_Z``, Z is the ratio of
  the cell content to the formula (median over the elements other than H and D) when it is within 0.1 of a
  positive integer (warning ``z_from_atoms``), else unknown (None); where the content then differs from the
  formula sum × that Z ('O Sr Ti', a list of elements, for a cell of Sr₄Ti₄O₁₂), the formula is the content of the
  cell (warning ``formula_from_atoms``). A formula taken from the cell content has
  ``n_formula_units`` = Z × that divisor (Z = 1 when the file gives none: the content is then per cell). A formula
  sum that *is* the cell content while Z ≠ 1 (pymatgen's CifWriter, every Materials Project CIF: 'Si3 O6', Z = 3,
  for a 9-atom quartz cell; warning ``formula_is_cell_content``) has ``n_formula_units`` = its divisor.
* **Niggli cell**: the primitive lattice of the declared group's centring (the Hermite normal form of the
  centring translations, ``spacegroup.lattice_basis_from_translations``), reduced by ``spglib.niggli_reduce``.
  Equal for the same structure described in any setting or origin.
* **Pressure** in kPa as CIF writes it (``_diffrn_ambient_pressure``, then ``_cell_measurement_pressure``).
  **Radiation**: ``radiation`` is "x-ray", "neutron", "electron" or None, from ``_diffrn_radiation_probe`` or
  else from the words of ``_diffrn_radiation_type`` (kept as written in ``radiation_type``); ``wavelength`` (Å)
  from ``_diffrn_radiation_wavelength`` (the first one).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from functools import reduce

import numpy as np

from .errors import SymstrainInputError, WarningRecord

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "z_from_atoms": "no _cell_formula_units_Z: Z taken from the atoms",
    "formula_is_cell_content": "_chemical_formula_sum is the content of the cell, Z per reduced formula (pymatgen)",
    "formula_from_atoms": "the formula is taken from the cell content",
}

#: detection tolerance (Å) of the ``detected_*`` columns unless the caller chooses another
DEFAULT_SYMPREC = 0.01

_MARK = re.compile(rb"^(;|data_)", re.M | re.I)
_FORMULA_TOKEN = re.compile(r"\(|\)(\d*\.?\d*)|([A-Z][a-z]?)(\d*\.?\d*)|(\S)")


@dataclass(frozen=True)
class FileScan:
    """What a worker found in one file."""

    #: absolute path, size (bytes), modification and status-change times (ns) when read
    file: str
    file_size: int
    file_mtime_ns: int
    file_ctime_ns: int
    #: (block_index, block, sha1) of every block now in the file, in file order (one entry with block None
    #: and the file's sha1 when the file could not be read)
    blocks: tuple
    #: catalogue rows of the blocks whose sha1 was not given as known (dicts with the catalogue's columns)
    rows: tuple = field(default_factory=tuple)


def sha1_hex(data: bytes) -> str:
    import hashlib  # (here: ~9 ms of OpenSSL's start that `info`, which never hashes, need not pay)

    return hashlib.sha1(data).hexdigest()


def block_sha1(text: bytes) -> str:
    """The sha1 of a block's text, CR LF and lone CR line ends read as LF, as the reader reads them (sweep 19: a copy
    saved on Windows was another entry, and paired again; sweep 32: so was an old-Mac copy)."""
    return sha1_hex(text.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))


def split_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """``[(name, text), ...]`` of the ``data_`` blocks of a CIF text, semicolon text fields skipped."""
    starts, in_text = [], False
    for m in _MARK.finditer(data):
        if m.group(1) == b";":
            in_text = not in_text
        elif not in_text:
            starts.append(m.start())
    out = []
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(data)
        text = data[s:end]
        name = text[5:].split(None, 1)[0] if len(text) > 5 and not text[5:6].isspace() else b""
        out.append((name.decode("utf-8", "replace"), text))
    return out


def normalise_formula(text: str | None) -> tuple[str, float] | None:
    """``(normalised formula, divisor)`` of a formula sum (see the module docstring), or None when it is not
    a formula (no element, stray characters, a negative or zero total)."""
    counts = _parse_formula(text) if text else None
    if not counts:
        return None
    return _format_counts(counts)


def _parse_formula(text: str) -> dict[str, float] | None:
    stack: list[dict[str, float]] = [{}]
    for m in _FORMULA_TOKEN.finditer(text.replace("·", " ")):
        tok = m.group(0)
        if tok == "(":
            stack.append({})
        elif tok.startswith(")"):
            if len(stack) == 1:
                return None
            mult = float(m.group(1)) if m.group(1) not in ("", ".") else 1.0
            inner = stack.pop()
            for e, n in inner.items():
                stack[-1][e] = stack[-1].get(e, 0.0) + n * mult
        elif m.group(2):
            n = float(m.group(3)) if m.group(3) not in ("", ".") else 1.0
            stack[-1][m.group(2)] = stack[-1].get(m.group(2), 0.0) + n
        else:
            return None
    if len(stack) != 1 or not stack[0] or any(n < 0 for n in stack[0].values()):
        return None
    counts = {e: n for e, n in stack[0].items() if n > 0}
    return counts or None


def _format_counts(counts: dict[str, float], partial: bool = False) -> tuple[str, float]:
    """(formula, divisor): the counts divided by their greatest common divisor when all are integers; with
    ``partial`` (a cell's content, which fractional occupancies leave without one), by that of the integer counts
    when those leave the others with at most 4 decimals (Al7.76 Ca4 D16 Fe0.24 O40 Si8 → Al1.94 Ca D4 Fe0.06 O10
    Si2, as the formula sum of the same structure reads)."""
    vals = list(counts.values())
    divisor = 1.0
    integral = [int(round(v)) for v in vals if abs(v - round(v)) < 1e-6 and round(v) > 0]
    if len(integral) == len(vals) or (partial and integral):
        d = float(reduce(math.gcd, integral))
        if all(abs(v / d * 1e4 - round(v / d * 1e4)) < 1e-6 for v in vals):
            divisor = d

    def num(v):
        v = v / divisor
        if abs(v - round(v)) < 1e-6:
            return "" if round(v) == 1 else str(int(round(v)))
        return f"{v:.4f}".rstrip("0").rstrip(".")

    return " ".join(f"{e}{num(counts[e])}" for e in sorted(counts)), divisor


# ---------------------------------------------------------------------------------------------- one file


def unreadable_scan(path, why: str, known=()) -> FileScan:
    """The :class:`FileScan` of a file that cannot be read at all (no permission, removed during the scan, a dangling
    link, a FIFO): one failed row, keyed by the sha1 of ``why`` (a rescan that fails alike adds no second row), with
    size and time null so that every scan tries it again (sweep 19: such a file stopped the whole scan); no row
    when that sha1 is among ``known``."""
    why = " ".join(str(why).split())
    sha = sha1_hex(f"unreadable: {why}".encode())
    base = {"file": str(path), "file_size": None, "file_mtime_ns": None, "file_ctime_ns": None}
    rows = () if sha in known else (failure_row(base, None, None, sha, why),)
    return FileScan(**base, blocks=((None, None, sha),), rows=rows)


def unreadable_reason(path, exc: OSError | None = None, st=None) -> str | None:
    """Why ``path`` cannot be scanned (from the OSError of stat or open, or its stat result ``st``: not a regular
    file), or None."""
    import errno
    import stat

    if exc is not None:
        if isinstance(exc, FileNotFoundError):
            return ("a symbolic link to nothing (dangling)" if os.path.islink(path)
                    else "no longer exists (removed during the scan)")
        if getattr(exc, "errno", None) == errno.ELOOP:
            return "a loop of symbolic links"
        return f"cannot read: {exc.strerror or exc}"
    if st is not None and not stat.S_ISREG(st.st_mode):
        return "not a regular file (a FIFO, socket or device): not read"
    return None


def scan_file(job) -> FileScan:
    """The worker function: ``job = (path, known_sha1s, symprec)`` → :class:`FileScan`. Blocks whose sha1 is in
    ``known_sha1s`` are only listed (no row); every other block gets a row, failures included; a file that cannot
    be read is one failed row (:func:`unreadable_scan`)."""
    path, known, symprec = job
    known = frozenset(known)
    try:
        st = os.stat(path)
        why = unreadable_reason(path, st=st)
        if why is not None:
            return unreadable_scan(path, why, known)
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return unreadable_scan(path, unreadable_reason(path, exc), known)
    base = {"file": str(path), "file_size": int(st.st_size), "file_mtime_ns": int(st.st_mtime_ns),
            "file_ctime_ns": int(st.st_ctime_ns)}
    if b"\r" in data:  # (line ends as the reader takes them, so the blocks split and hash alike: sweep 32)
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    split = split_blocks(data)
    if split and all(block_sha1(t) in known for _, t in split):
        blocks = tuple((k, name, block_sha1(t)) for k, (name, t) in enumerate(split))
        return FileScan(**base, blocks=blocks)
    try:
        doc, replaced, repeated = _read_document(path)
    except SymstrainInputError as exc:
        sha = block_sha1(data)
        rows = () if sha in known else (failure_row(base, None, None, sha, f"{exc.problem}"),)
        return FileScan(**base, blocks=((None, None, sha),), rows=rows)
    names = [b.name for b in doc]
    if [n.lower() for n, _ in split] == [n.lower() for n in names]:
        shas = [block_sha1(t) for _, t in split]
    else:  # an exotic layout: hash gemmi's own text of each block
        shas = [sha1_hex(b.as_string().encode("utf-8")) for b in doc]
    from .cif import _PatternLinks

    blocks, rows, seen, links = [], [], set(), _PatternLinks(doc)  # (links: a pdCIF's pattern temperatures)
    for k, (blk, sha) in enumerate(zip(doc, shas)):
        if sha in seen:  # the same text twice in one file (gemmi's fallback text of two equal blocks): once
            continue
        seen.add(sha)
        blocks.append((k, blk.name, sha))
        if sha not in known:
            rows.append(block_row(base, k, blk, sha, symprec, replaced, repeated, doc=doc, links=links))
    return FileScan(**base, blocks=tuple(blocks), rows=tuple(rows))


def _read_document(path):
    """``(gemmi document, replaced, repeated)`` parsed once by the CIF reader, with its checks and one-line errors
    for junk, empty and broken files, and its flags (bytes that are not UTF-8, tags given twice) that each block's
    reading needs to give ``info``'s answer (``cif._phase_from_file_block``)."""
    from pathlib import Path

    from .cif import _read_document as read_document

    return read_document(Path(path))


def failure_row(base: dict, block_index, block, sha1: str, reason: str, status: str = "failed") -> dict:
    """The row of a block (or a whole file when ``block`` is None) that gave no structure."""
    return {**base, "block": block, "block_index": block_index, "sha1": sha1, "status": status,
            "failure": " ".join(str(reason).split()), "warnings": []}


def block_row(base: dict, index: int, block, sha1: str, symprec: float = DEFAULT_SYMPREC, replaced: bool = False,
              repeated: bool = False, doc=None, links=None) -> dict:
    """The catalogue row of one gemmi block (a failure row when it is not a readable structure), read as ``info``
    reads it (``replaced``, ``repeated``: the document's flags from :func:`_read_document`; ``doc``: the document
    the block is ``doc[index]`` of, whose pdCIF pattern blocks give a temperature the block lacks, with ``links``
    their index shared by its blocks)."""
    from .cif import _phase_from_file_block, _phase_in_document

    has_cell = block.find_value("_cell_length_a") is not None
    has_atoms = any(block.find_values(t) for t in ("_atom_site_fract_x", "_atom_site_Cartn_x"))
    if not has_cell and not has_atoms:
        return failure_row(base, index, block.name, sha1, "neither a cell nor atom sites: not a structure",
                           status="not_structure")
    try:
        if doc is None:
            phase = _phase_from_file_block(block, base["file"], replaced, repeated)
        else:
            phase = _phase_in_document(doc, index, base["file"], replaced, repeated, links)
        return _structure_row(base, index, block, sha1, phase, symprec)
    except SymstrainInputError as exc:
        return failure_row(base, index, block.name, sha1, exc.problem)
    except Exception as exc:  # a bug of ours: that block's failure, the scan goes on
        return failure_row(base, index, block.name, sha1,
                           f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}")


def _structure_row(base, index, block, sha1, phase, symprec) -> dict:
    from .contract import spacegroup_from_number, warning_records
    from .detect import detect_symmetry, not_run_warning

    source = base["file"]
    warnings = list(warning_records(phase.warnings, source=source))
    report = detect_symmetry(phase, symprec=symprec, ladder=())
    skipped = not_run_warning(report, source)
    if skipped is not None:
        warnings.append(skipped.record)
    formula, divisor, formula_source, content = _formula(phase, warnings, source)
    z, z_source = (phase.z, "_cell_formula_units_Z") if phase.z else (None, None)
    if formula_source != "_chemical_formula_sum":  # the formula is the cell content over its divisor
        n_fu = divisor if formula else None
    elif formula_is_cell_content(phase):  # the formula sum is the cell: its divisor counts the formula units
        n_fu = divisor
        warnings.append(WarningRecord("formula_is_cell_content", source, _cell_content_text(phase)))
    else:
        if z is None:
            content = cell_content(phase)
            z = _z_from_content(formula, content)
            off = formula_mismatch(phase, z, content) if z is not None else None
            if off is not None:  # no Z to make the formula sum the cell's content: it names another compound
                # (sweep 19: SrTiO₃ files with 'O Sr Ti', an element list, grouped apart from 'O3 Sr Ti')
                warnings.append(WarningRecord("formula_from_atoms", source, f"_chemical_formula_sum "
                                              f"{phase.formula!r} is the content of the cell at no Z ({off} at Z = "
                                              f"{z:g}) and the file gives no _cell_formula_units_Z: the formula is "
                                              "the content of the cell"))
                formula, divisor = _format_counts(content, partial=True)
                formula_source, n_fu, z = "atom sites", divisor, None
            elif z is not None:
                z_source = "atom sites"
                warnings.append(WarningRecord("z_from_atoms", source, f"no _cell_formula_units_Z: Z = {z:g} from "
                                              "the content of the cell against the formula sum"))
        if formula_source == "_chemical_formula_sum":
            n_fu = None if z is None else z * divisor
    cell, sg = phase.cell, phase.spacegroup
    detected = spacegroup_from_number(report.number)
    row = {
        **base, "block": block.name, "block_index": index, "sha1": sha1, "status": "ok", "failure": None,
        "formula": formula, "formula_source": formula_source, "formula_sum": phase.formula,
        "Z": z, "Z_source": z_source, "n_formula_units": n_fu,
        "volume_per_formula_unit": None if not n_fu else cell.volume / n_fu,
        "volume": cell.volume, "volume_su": cell.volume_su,
        "declared_number": int(sg.number), "declared_symbol": sg.hm, "declared_hall": sg.hall or None,
        "declared_setting": sg.setting, "declared_standard_setting": bool(sg.is_standard_setting),
        "declared_from": sg.source, "n_operations": int(sg.order),
        "detected_number": report.number, "detected_symbol": None if detected is None else detected["symbol"],
        "detected_symprec": float(symprec),
        "T": phase.temperature, "T_su": phase.temperature_su, "T_source": phase.temperature_source,
        "n_sites": len(phase.atoms), "n_atoms_cell": int(report.n_atoms_cell),
        "warnings": [w.to_dict() for w in warning_records(warnings, source)],
    }
    for name, v, s in zip(("a", "b", "c", "alpha", "beta", "gamma"), cell.params, cell.su):
        row[name], row[f"{name}_su"] = float(v), s
    row.update(niggli_cell(phase))
    row.update(conditions(block))
    return row


def _formula(phase, warnings, source):
    """(normalised formula, divisor, source, cell content {element: count} or None when not needed)."""
    norm = normalise_formula(phase.formula)
    if norm is not None:
        return norm[0], norm[1], "_chemical_formula_sum", None
    per = f"the content of the cell / Z = {phase.z:g}" if phase.z else "the content of the cell"
    if phase.formula:
        warnings.append(WarningRecord("formula_from_atoms", source, f"_chemical_formula_sum {phase.formula!r} is "
                                      f"not a formula; the formula is {per}"))
    else:
        warnings.append(WarningRecord("formula_from_atoms", source, f"no _chemical_formula_sum; the formula is {per}"))
    content = cell_content(phase)
    if not content:
        return None, 1.0, None, content
    # per formula unit where the file gives Z, as a formula sum is: with fractional occupancies the counts have no
    # common divisor to find, and the same structure with and without a formula sum must name one compound
    # (lawsonite's Al7.76 Ca4 … per cell is Al1.94 Ca … per formula unit: sweep 6)
    z = phase.z or 1.0
    formula, divisor = _format_counts({e: n / z for e, n in content.items()}, partial=True)
    return formula, divisor * z, "atom sites", content


def _cell_content_text(phase) -> str:
    return (f"_chemical_formula_sum {phase.formula!r} is the content of the cell (the atoms are the formula × 1, "
            f"not × Z = {phase.z:g}): pymatgen's CifWriter convention, Z per reduced formula")


def cell_content(phase) -> dict[str, float]:
    """{element: atoms per cell} (each site's images in the cell × its occupancy)."""
    import numpy as np

    from .expand import expanded

    _, _, site, occ = expanded(phase)  # (the remembered arrays: read, not copied)
    per_site = np.bincount(site, weights=occ, minlength=len(phase.atoms)).tolist()  # occupancy summed per site
    content: dict[str, float] = {}
    for s in dict.fromkeys(site.tolist()):  # (sites in order of first appearance, as the atoms of the cell come)
        e = phase.atoms[s].element
        content[e] = content.get(e, 0.0) + per_site[s]
    return content


def formula_mismatch(phase, z: float | None = None, content: dict | None = None) -> str | None:
    """What the atoms of the cell lack or hold beyond ``_chemical_formula_sum`` × Z ('O: 4 against 8'), or None
    (also when the file gives no formula or no Z). ``z`` replaces the file's Z; ``content`` is
    :func:`cell_content` when already known. H and D are not compared (often not located); a count within 5 % or
    half an atom of the formula's agrees. A file cut short in its atom loop, sites missing, or solvent the formula
    counts and the sites do not (e.g. squeezed) all show here."""
    counts = _parse_formula(phase.formula) if phase.formula else None
    z = phase.z if z is None else z
    if not counts or not z or not z > 0 or not phase.atoms:
        return None
    content = cell_content(phase) if content is None else content
    diffs = []
    for e in sorted(set(counts) | set(content), key=lambda e: (e not in counts, e)):
        if e in ("H", "D"):
            continue
        want, got = counts.get(e, 0.0) * z, content.get(e, 0.0)
        if abs(got - want) > max(0.05 * max(want, got), 0.5):
            diffs.append(f"{e}: {got:.4g} against {want:.4g}")
    return "; ".join(diffs) or None


def formula_is_cell_content(phase, content: dict | None = None) -> bool:
    """True when the file's Z is not 1 but the atoms of the cell are ``_chemical_formula_sum`` × 1, not × Z: the
    formula sum written as the content of the cell and Z per reduced formula (pymatgen's CifWriter and every
    Materials Project CIF: 'Si3 O6' with Z = 3 for a 9-atom quartz cell). Compared as :func:`formula_mismatch`."""
    z = phase.z
    if not z or z == 1 or not phase.formula or not phase.atoms:
        return False
    content = cell_content(phase) if content is None else content
    return formula_mismatch(phase, z, content) is not None and formula_mismatch(phase, 1.0, content) is None


def _z_from_content(formula: str | None, content: dict) -> float | None:
    counts = _parse_formula(formula) if formula else None
    if not counts:
        return None
    ratios = [content.get(e, 0.0) / n for e, n in counts.items() if e not in ("H", "D")]
    if not ratios:
        return None
    z = float(np.median(ratios))
    return float(round(z)) if round(z) >= 1 and abs(z - round(z)) < 0.1 else None


def niggli_cell(phase) -> dict:
    """``niggli_a`` … ``niggli_gamma`` (Å, degrees) and ``niggli_volume`` (Å³) of the primitive lattice of the
    declared centring, Niggli-reduced by spglib (None's when spglib cannot reduce it)."""
    import spglib

    from .lattice import params_from_matrix
    from .spacegroup import lattice_basis_from_translations, spglib_call

    names = ("niggli_a", "niggli_b", "niggli_c", "niggli_alpha", "niggli_beta", "niggli_gamma")
    B = lattice_basis_from_translations(phase.spacegroup.symops.centring_vectors()[1:])
    rows = (phase.cell.matrix() @ B).T
    reduced = spglib_call(spglib.niggli_reduce, rows, eps=1e-5)
    if reduced is None:
        return {**dict.fromkeys(names), "niggli_volume": None}
    out = dict(zip(names, (float(x) for x in params_from_matrix(np.asarray(reduced).T))))
    out["niggli_volume"] = float(abs(np.linalg.det(reduced)))
    return out


_PROBES = (("neutron", "neutron"), ("electron", "electron"), ("x-ray", "x-ray"), ("xray", "x-ray"),
           ("synchrotron", "x-ray"), ("k\\a", "x-ray"), ("kalpha", "x-ray"), ("k-alpha", "x-ray"),
           ("k\\b", "x-ray"), ("gamma", "gamma"))
_ANODES = re.compile(r"^\s*(cu|mo|ag|co|fe|cr|ga|in|w|molybdenum|copper|silver)\b", re.I)


def conditions(block) -> dict:
    """``pressure``/``pressure_su`` (kPa), ``radiation``, ``radiation_type`` and ``wavelength`` (Å) of a block."""
    from .cif_values import parse_number

    def text(tag):
        v = block.find_value(tag)
        if v is None:
            return None
        import gemmi

        s = gemmi.cif.as_string(v).strip()
        return None if s in ("", "?", ".") else " ".join(s.split())

    def number(tag):
        try:
            return parse_number(block.find_value(tag))
        except ValueError:
            return None, None

    p, p_su = number("_diffrn_ambient_pressure")
    if p is None:
        p, p_su = number("_cell_measurement_pressure")
    rtype = text("_diffrn_radiation_type")
    probe = (text("_diffrn_radiation_probe") or "").lower()
    radiation = next((kind for key, kind in _PROBES if key in probe), None) if probe else None
    if radiation is None and rtype:
        low = rtype.lower().replace(" ", "")
        radiation = next((kind for key, kind in _PROBES if key in low), None)
        if radiation is None and _ANODES.match(rtype):
            radiation = "x-ray"
    wl = None
    col = block.find_values("_diffrn_radiation_wavelength")
    if col is not None and len(col):
        try:
            wl = parse_number(col[0])[0]
        except ValueError:
            wl = None
    return {"pressure": p, "pressure_su": p_su, "radiation": radiation, "radiation_type": rtype, "wavelength": wl}
