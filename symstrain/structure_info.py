"""What one structure holds, and the same over many files: :func:`info` → :class:`StructureInfo`, :func:`info_batch`.

What lives here: the summary of one structure — cell with s.u.'s, declared and detected space group (with the
tolerance ladder), atoms of the asymmetric unit and of the cell, temperature, impossible contacts and the warnings
of reading — as a frozen record with ``to_dict()`` under the JSON contract, a text summary and one flat table row;
and :func:`info_batch`, the same over many files where a file that fails is listed with its reason and the rest
goes on (what ``symstrain info`` and a corpus scan run). What does not: reading (``cif.py``), detection
(``detect.py``), contacts (``neighbours.py``), running many inputs (``parallel.py``), printing (``cli/info.py``).

Conventions: lengths Å, angles degrees, volumes Å³, temperatures K, spglib tolerances (``symprec``) Å.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial

from . import contract
from .detect import SymmetryReport, detect_symmetry, not_run_warning
from .errors import SymstrainInputError, WarningRecord
from .notation import format_su
from .parallel import Failure, run_batch
from .phase import CELL_NAMES, Phase
from .walls import snap  # entries within 1e-9 of a small fraction become it (spglib's rounding)

#: the units line of the batch table (``info --csv``)
TABLE_UNITS = ("# units: T in K; a, b, c in Å; alpha, beta, gamma in degrees; volume in Å³; *_su standard "
               "uncertainty, empty when the file gives none; atoms_asym, atoms_cell, n_warnings counts")


@dataclass(frozen=True, eq=False)
class Contact:
    """Two sites closer than any real structure allows: labels, distance and the limit broken (Å), and the rule
    (``"overlap"`` or ``"cation-cation"``, see :func:`symstrain.neighbours.close_contacts`). The distance is written as
    a Quantity without s.u. (none is propagated from the coordinates)."""

    site_1: str
    site_2: str
    distance: float
    limit: float
    kind: str

    def to_dict(self) -> dict:
        return {"site_1": self.site_1, "site_2": self.site_2, "distance": contract.quantity(self.distance),
                "limit": self.limit, "kind": self.kind}


@dataclass(frozen=True, eq=False)
class StructureInfo:
    """The summary of one structure (one CIF data block)."""

    #: the structure as read
    phase: Phase
    #: names of every data block of its file, in file order (the phase's own block alone for a phase in memory)
    blocks: tuple[str, ...]
    #: what spglib finds, at ``detection.symprec`` Å and along the tolerance ladder
    detection: SymmetryReport
    #: atoms in the unit cell (sites expanded by the operations, zero-occupancy sites included)
    n_atoms_cell: int
    #: contacts that no real structure has
    contacts: tuple[Contact, ...]
    #: the reader's warnings and one ``impossible_contact`` per contact, each with its code (source: the file)
    warnings: tuple[WarningRecord, ...]

    @property
    def file(self) -> str | None:
        return None if self.phase.source is None else str(self.phase.source)

    def to_dict(self) -> dict:
        """The info object of the JSON contract (``symstrain/schemas/info.json``, ``$defs/info``)."""
        ph, det, sg = self.phase, self.detection, self.phase.spacegroup
        atoms = ph.atoms
        elements: dict[str, int] = {}
        for a in atoms:
            elements[a.element] = elements.get(a.element, 0) + 1
        return {
            **contract.structure(ph),
            "blocks": list(self.blocks),
            "T_source": ph.temperature_source,
            "formula": ph.formula,
            "Z": ph.z,
            "cell": contract.cell(ph.cell),
            "spacegroup_source": sg.source,
            "n_operations": int(sg.order),
            "detected": {
                "symprec": det.symprec,
                "spacegroup": contract.spacegroup_from_number(det.number),
                "differs_from_declared": det.differs_from_declared,
                "standard_basis_change": None if det.transformation_matrix is None
                else contract.basis_change(snap(det.transformation_matrix), snap(det.origin_shift) % 1.0),
                "ladder": [{"symprec": t, "spacegroup": contract.spacegroup_from_number(n)} for t, n, _ in det.ladder],
                "notes": list(det.notes),
            },
            "atoms": {
                "asymmetric_unit": len(atoms),
                "cell": self.n_atoms_cell,
                "cell_used_for_detection": det.n_atoms_cell,
                "zero_occupancy_sites": sum(1 for a in atoms if a.occupancy <= 0),
                "partially_occupied_sites": sum(1 for a in atoms if 0 < a.occupancy < 1),
                "disorder_groups": sorted({a.disorder_group for a in atoms if a.disorder_group}),
                "elements": elements,
            },
            "contacts": [c.to_dict() for c in self.contacts],
        }

    @cached_property
    def json_text(self) -> str:
        """:meth:`to_dict` as compact JSON text (``json.dumps`` of its plain JSON values, ASCII), made once: a
        batch's workers make it beside the result when asked (:func:`info_batch` ``encode``), so that the process
        writing the document only copies it."""
        import json

        from .json_output import jsonable

        return json.dumps(jsonable(self.to_dict()), allow_nan=False)

    def row(self) -> dict:  # (its units: TABLE_UNITS)
        """One flat row of a batch table (CSV): file, block, T and T_su (K), cell and volume with ``_su`` columns
        (empty where unknown), declared and detected group numbers and symbols, atom counts, number of warnings."""
        ph, det = self.phase, self.detection
        c = ph.cell
        row = {"file": self.file, "block": ph.block or None, "T": ph.temperature, "T_su": ph.temperature_su}
        for n, v, s in zip(CELL_NAMES, c.params, c.su):
            row[n], row[f"{n}_su"] = float(v), s
        row["volume"], row["volume_su"] = c.volume, c.volume_su
        det_sg = contract.spacegroup_from_number(det.number)
        row.update({"declared_number": ph.spacegroup.number, "declared_symbol": ph.spacegroup.hm,
                    "detected_number": det.number, "detected_symbol": det_sg["symbol"] if det_sg else None,
                    "differs": None if det.number is None else det.differs_from_declared,  # (unknown: empty)
                    "atoms_asym": len(ph.atoms), "atoms_cell": self.n_atoms_cell,
                    "n_warnings": len(self.warnings)})
        return row

    def summary(self) -> str:
        """Readable lines (warnings are not repeated here: they travel in :attr:`warnings`)."""
        ph, det, c, sg = self.phase, self.detection, self.phase.cell, self.phase.spacegroup
        lines = [f"{self.file}  (block {ph.block}; {len(self.blocks)} block(s) in file)"]
        if ph.formula:
            lines.append(f"  formula      {ph.formula}" + (f"   Z = {ph.z:g}" if ph.z is not None else ""))
        if ph.temperature is not None:
            lines.append(f"  temperature  {format_su(ph.temperature, ph.temperature_su, 5)} K  "
                         f"({ph.temperature_source})")
        else:
            lines.append("  temperature  not given")
        parts = [f"{n}={format_su(v, s, 6)}" for n, v, s in zip(CELL_NAMES, c.params, c.su)]
        lines.append("  cell         " + "  ".join(parts[:3]) + " Å")
        lines.append("               " + "  ".join(parts[3:]) + " °")
        lines.append(f"  volume       {format_su(c.volume, c.volume_su, 7)} Å³"
                     + ("" if c.has_su else "  (no s.u.'s in the file)"))
        lines.append(f"  declared     {sg.hm} ({sg.number}), {sg.order} operations, from {sg.source}; "
                     f"setting {sg.setting}")
        found = f"{det.symbol} ({det.number})" if det.number else "not found"
        flag = "  ** differs from declared **" if det.differs_from_declared else ""
        if det.not_run:
            lines.append("  detected     not run: too many atoms for spglib (see the note)")
        else:
            lines.append(f"  detected     {found} at symprec {det.symprec:g} Å{flag}")
            lines.append("  ladder       " + ", ".join(f"{t:g}: {s or '-'}" for t, _, s in det.ladder))
        n_zero = sum(1 for a in ph.atoms if a.occupancy <= 0)
        lines.append(f"  atoms        {len(ph.atoms)} in the asymmetric unit, {self.n_atoms_cell} in the cell"
                     + (f" ({n_zero} zero-occupancy site(s))" if n_zero else ""))
        lines += [f"  note: {n}" for n in det.notes]
        return "\n".join(lines)

    def line(self) -> str:
        """One line for a batch listing."""
        ph, det = self.phase, self.detection
        T = "?" if ph.temperature is None else f"{ph.temperature:g}"
        found = f"{det.symbol} ({det.number})" if det.number else "none"
        found = "detection not run (too many atoms)" if det.not_run else f"{found} detected"
        where = f"{self.file} [{ph.block}]" if len(self.blocks) > 1 else self.file
        return (f"{where}: {ph.spacegroup.hm} ({ph.spacegroup.number}) declared, {found}"
                f"{' ** differs **' if det.differs_from_declared else ''}; T = {T} K; "
                f"{self.n_atoms_cell} atoms in the cell")


#: codes of the warnings :func:`info` writes itself (the reader's keep their own)
WARNING_CODES = {
    "impossible_contact": "two sites closer than any real structure allows (overlap, or two cations)",
    "other_origin_fits": "atoms that overlap under the file's operators do not under the other origin choice's",
    "formula_differs": "the atoms of the cell are not _chemical_formula_sum × Z (H not compared)",
    "formula_is_cell_content": "_chemical_formula_sum is the content of the cell, Z per reduced formula (pymatgen)",
}


def info(source, block: str | None = None, symprec: float = 0.01, detect_limit: bool = True) -> StructureInfo:
    """:class:`StructureInfo` of a CIF file (``source`` a path; ``block`` its data block, default the first with a
    cell and atoms) or of a :class:`~symstrain.phase.Phase` already read; ``symprec`` (Å) is spglib's tolerance of
    the detected group (the ladder of tolerances is always run). ``detect_limit`` False: spglib runs whatever the
    number of atoms (else not where :func:`symstrain.detect.detection_too_costly` says why: minutes)."""
    _check_symprec(symprec)
    if isinstance(source, Phase):
        phase = source
        blocks = (phase.block,) if phase.block else ()
    else:
        from .cif import read_cif_and_blocks

        phase, names = read_cif_and_blocks(source, block=block)  # (one parse for both)
        blocks = tuple(names)
    return _summarised(phase, blocks, symprec, detect_limit)


def info_blocks(source, symprec: float = 0.01, detect_limit: bool = True) -> tuple[tuple[StructureInfo, ...],
                                                                                    tuple[tuple[str, str, str], ...]]:
    """:func:`info` of every structure of the CIF file ``source`` (each data block with a cell and atom sites, in
    file order; one parse): ``(results, failed)``, ``failed`` holding ``(block, source, problem)`` for each such
    block that cannot be read, and for each block with a cell or atom sites but not both, as ``scan`` lists them
    (the others are still summarised). A file with one structure block is read as
    :func:`info` reads it (its error raised)."""
    from .cif import partial_structure_blocks, read_cif, read_structures_and_blocks

    _check_symprec(symprec)
    structures, names = read_structures_and_blocks(source)
    results, failed = [], []
    for name, got in structures:
        if isinstance(got, SymstrainInputError):
            failed.append((name, str(got.source), got.problem))
        else:
            results.append(_summarised(got, tuple(names), symprec, detect_limit))
    if len(names) > 1:  # a block with a cell or atom sites but not both: failed, as scan lists it (sweep 28)
        for name in partial_structure_blocks(source):
            try:
                read_cif(source, block=name)
            except SymstrainInputError as exc:
                failed.append((name, str(exc.source), exc.problem))
    order = {n: i for i, n in enumerate(names)}
    return tuple(results), tuple(sorted(failed, key=lambda f: order.get(f[0], len(order))))


def _check_symprec(symprec) -> None:
    if not (isinstance(symprec, (int, float)) and symprec > 0):
        raise SymstrainInputError("--symprec", f"must be a positive tolerance in Å, got {symprec}")


def _summarised(phase: Phase, blocks: tuple[str, ...], symprec: float, detect_limit: bool) -> StructureInfo:
    """The :class:`StructureInfo` of ``phase`` (``blocks``: the names of its file's data blocks)."""
    from .corpus_entry import _cell_content_text, formula_is_cell_content, formula_mismatch
    from .expand import expanded
    from .neighbours import close_contacts

    report = detect_symmetry(phase, symprec=symprec, limit=detect_limit)
    frac_all = expanded(phase, include_zero_occupancy=True)[0]
    contacts = tuple(Contact(*c) for c in close_contacts(phase))
    name = str(phase.source)
    warnings = contract.warning_records(phase.warnings, source=name) + [
        WarningRecord("impossible_contact", name, f"impossible contact {c.site_1}–{c.site_2} {c.distance:.2f} Å "
                                                  f"({c.kind}: below {c.limit:.2f} Å)") for c in contacts]
    skipped = not_run_warning(report, name)
    if skipped is not None:
        warnings.append(skipped.record)
    if any(c.kind == "overlap" for c in contacts):
        from .cif_spacegroup import other_origin_fits

        other = other_origin_fits(phase.spacegroup, phase.cell, phase.atoms)
        if other is not None:
            warnings.append(WarningRecord("other_origin_fits", name, f"the atoms overlap under the operators of "
                                          f"{phase.spacegroup.hm} but not under those of {other}: the coordinates "
                                          "are probably written for that origin choice (the file's operators are "
                                          "used)"))
    diff = formula_mismatch(phase)
    if diff and formula_is_cell_content(phase):
        warnings.append(WarningRecord("formula_is_cell_content", name, _cell_content_text(phase)))
    elif diff:
        warnings.append(WarningRecord("formula_differs", name, f"the atoms of the cell are not _chemical_formula_sum "
                                      f"{phase.formula!r} × Z = {phase.z:g} ({diff}; H not compared): sites missing "
                                      "(a file cut short?), or the formula counts atoms the sites do not"))
    return StructureInfo(phase, blocks, report, int(len(frac_all)), contacts, tuple(warnings))


@dataclass(frozen=True, eq=False)
class InfoBatch:
    """:func:`info` over many files: the summaries of the files read, in input order, and the files that failed."""

    results: tuple[StructureInfo, ...]
    failed: tuple[Failure, ...]
    n_files: int

    @property
    def warnings(self) -> list[WarningRecord]:
        """The warnings of every file read (each names its file as ``source``)."""
        return [w for r in self.results for w in r.warnings]

    def table(self):
        """pandas DataFrame: one :meth:`StructureInfo.row` per file read."""
        import pandas as pd

        table = pd.DataFrame([r.row() for r in self.results])
        # integers stay integers where a row has none (sweep 19: detected_number 99.0 beside a structure spglib was
        # not run on); an unknown is an empty cell
        if len(table):
            for c in ("declared_number", "detected_number", "atoms_asym", "atoms_cell", "n_warnings"):
                table[c] = table[c].astype("Int64")
            table["differs"] = table["differs"].astype("boolean")
        return table

    def to_dict(self, encoded: bool = False) -> dict:
        """The batch object of the JSON contract: results, failed, n_files, n_read, n_failed. ``encoded``: each
        result as its :attr:`~StructureInfo.json_text` in a :class:`~symstrain.json_output.RawJSON` (for
        :func:`~symstrain.json_output.write_json`), not as a dict."""
        from .json_output import RawJSON

        results = [RawJSON(r.json_text) for r in self.results] if encoded else [r.to_dict() for r in self.results]
        return {"n_files": self.n_files, "n_read": len(self.results), "n_failed": len(self.failed),
                "results": results, "failed": [f.to_dict() for f in self.failed]}


#: what :func:`info` imports on its first call: the workers of a batch start with them imported (once, in their
#: forkserver, or here before they are forked) instead of importing them each on their first file
WORKER_IMPORTS = ("gemmi", "spglib", "symstrain.cif", "symstrain.detect", "symstrain.neighbours", "symstrain.expand",
                  "symstrain.closure", "symstrain.corpus_entry", "symstrain.json_output")


def _info_encoded(source, **options) -> StructureInfo:
    """:func:`info` with its :attr:`~StructureInfo.json_text` made (it travels with the result)."""
    result = info(source, **options)
    result.json_text  # noqa: B018 (made here, in the worker)
    return result


def _info_blocks_encoded(source, encode: bool = False, **options):
    """:func:`info_blocks`, with each result's :attr:`~StructureInfo.json_text` made when ``encode``."""
    results, failed = info_blocks(source, **options)
    if encode:
        for r in results:
            r.json_text  # noqa: B018 (made here, in the worker)
    return results, failed


def info_batch(paths, block: str | None = None, symprec: float = 0.01, *, jobs: int | None = 1,
               dask: str | None = None, progress=None, detect_limit: bool = True, encode: bool = False,
               fork: bool = False, all_blocks: bool = False) -> InfoBatch:
    """:func:`info` on every path, here, on ``jobs`` worker processes or on Dask (``dask``: "local" or a scheduler
    address), the biggest files first; a file that fails — bad input, a bug, or a crash of its worker process — is
    listed in ``failed`` with its reason and the others go on (:func:`symstrain.parallel.run_batch`). ``encode``:
    each result's :attr:`~StructureInfo.json_text` is made where the result is made (by the workers, in parallel)
    for a caller that writes the batch as JSON. ``fork``: the caller holds no thread of its own (the command line):
    the local workers may be forked from this process (:mod:`symstrain.parallel`). ``all_blocks``: every structure
    block of each file (:func:`info_blocks`; ``block`` must then be None), a block that cannot be read listed in
    ``failed`` with its block and the others kept."""
    import os

    paths = [str(p) for p in paths]
    _check_symprec(symprec)
    if all_blocks and block is not None:
        raise SymstrainInputError("--all-blocks", "reads every structure block: it cannot be given with --block")
    sizes = [os.path.getsize(p) if os.path.isfile(p) else 0 for p in paths]  # the cost grows with the atoms
    if all_blocks:
        read = partial(_info_blocks_encoded, encode=encode, symprec=symprec, detect_limit=detect_limit)
    else:
        read = partial(_info_encoded if encode else info, block=block, symprec=symprec, detect_limit=detect_limit)
    results, failed = run_batch(read, paths, block=block, jobs=jobs, dask=dask, weights=sizes, progress=progress,
                                desc="info", preload=WORKER_IMPORTS, fork=fork)
    if not all_blocks:
        return InfoBatch(tuple(r for r in results if r is not None), tuple(failed), len(paths))
    read_ok, failed_all, whole = [], [], iter(failed)  # (one failure per file that failed, in input order)
    for path, got in zip(paths, results):
        if got is None:
            failed_all.append(next(whole))
            continue
        read_ok += got[0]
        failed_all += [Failure(path, name, src, problem) for name, src, problem in got[1]]
    return InfoBatch(tuple(read_ok), tuple(failed_all), len(paths))
