"""Group–subgroup pairs and temperature series among the entries of a corpus catalogue.

What lives here: :func:`compounds` (entries grouped by normalised formula and volume per formula unit),
:func:`candidates` (which pairs of a compound to test, parent first), :func:`relate_pair` (the worker function:
read two blocks, ``relate``, strain summary, symmetry-breaking reflection counts) and :func:`find_pairs` (all of
it over a catalogue, serial, local processes or Dask, → :class:`PairsResult`). What does not: the catalogue
itself (``catalogue.py``), the relation (``relation.py``), strain (``spontaneous_strain.py``), reflection classes
(``reflection_classes.py``), running in parallel (``parallel.py``).

Rules
-----
* **Entries**: catalogue rows with status "ok", a formula and a volume per formula unit. Rows with the same sha1
  (the same block text copied into several files) are one entry; the copies are listed with it.
* **Compounds**: entries of one normalised formula, sorted by volume per formula unit V_fu and cut wherever two
  neighbours differ by more than ``volume_tol`` (relative, default 0.08, as relate's strain tolerance: spin-crossover
  and displacive transitions change V by up to ~5 %): single linkage, so a long temperature or
  pressure series whose ends differ by more stays one compound as long as no gap exceeds the tolerance.
* **Candidates**: every two entries of a compound whose declared groups differ, or with the same group number
  and a primitive cell at least 1.5 times larger (a supercell). The parent is the one with more operations per
  volume (n_operations / V: an index-n subgroup has n times fewer), the smaller primitive cell when equal.
  ``relate`` also tries the reverse order, so a wrong guess costs time, not a relation.
* **Verified pairs**: index, type (t, k, general), (P, p), Aizu species, the strain of the child against the
  parent (``strain(relation)``: e_ss, volume strain vs, each symmetry-breaking component and their norm e_sb;
  s.u.'s null when the files give none) and the reflection classes to d ≥ ``dmin`` (default 1.0 Å, full sphere,
  child cell). A relation of index 1 (same group, same lattice) is not a pair: it is reported with the refuted
  candidates, as is every candidate ``relate`` refutes (with its reason).
* **Series**: each compound of two or more entries, in temperature order (entries without T last), with the
  reference (parent) entry — the one whose group or verified children's groups hold the most members, then the most
  symmetric (most operations per volume), the hottest among equals — and the command line of ``symstrain table``
  for it (each file once: ``table`` gives a row to every structure block of a file; ``--parent-block`` when the
  reference is not the first block of its file); ``table_ready`` false, and ``table_not_ready`` saying why, when that
  line would not run as it is: a member's file holds structure blocks that are not members (they would be rows too),
  a member gives no temperature, or a member's group is neither the reference's nor that of a verified child of it
  (its row would fail).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .errors import SymstrainInputError

#: relative tolerance on the volume per formula unit within one compound
VOLUME_TOL = 0.08
#: ratio of primitive volumes above which two entries of the same group number are a supercell candidate
SUPERCELL_RATIO = 1.5


@dataclass(frozen=True)
class Entry:
    """One distinct structure of the catalogue (a row with status ok)."""

    file: str
    block: str
    sha1: str
    #: size (bytes) and modification time (ns) of the file when scanned (a changed file is refused)
    file_size: int
    file_mtime_ns: int
    formula: str
    #: V / n_formula_units (Å³), cell volume and primitive (Niggli) volume (Å³)
    volume_per_formula_unit: float
    volume: float
    niggli_volume: float
    #: temperature and its s.u. (K), None when unknown
    T: float | None
    T_su: float | None
    #: declared group: SpaceGroup object (contract) and operations per cell
    spacegroup: dict
    n_operations: int
    #: True when this block is the first structure block of its file (what ``read_cif`` reads by default)
    first_in_file: bool = True
    #: other (file, block) holding the same block text
    copies: tuple = ()
    #: the group spglib finds in the structure (ITA number and symbol; None when none was found or not run)
    detected_number: int | None = None
    detected_symbol: str | None = None
    #: the structure blocks of its file (those the catalogue read: ``table`` gives a row to each)
    file_blocks: tuple = ()

    @property
    def density(self) -> float:
        """Operations per Å³ of the declared group (an index-n subgroup has n times fewer)."""
        return self.n_operations / self.volume

    #: status-change time (ns) of the file when scanned (None: a row of a schema-1 catalogue)
    file_ctime_ns: int | None = None

    @property
    def ref(self) -> tuple:
        return (self.file, self.block, self.file_size, self.file_mtime_ns, self.file_ctime_ns)

    def structure(self) -> dict:
        from .contract import quantity

        return {"file": self.file, "block": self.block, "T": quantity(self.T, self.T_su),
                "spacegroup": self.spacegroup}


def _none(x):
    """``x``, or None for a missing catalogue value: None, NaN, or pandas' NA (an integer column with nulls: the
    detected group of a block spglib was not run on, sweep 15)."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return None
    import pandas as pd

    return None if x is pd.NA or x is pd.NaT else x


def entries(rows) -> list[Entry]:
    """The distinct ok entries of a catalogue table (DataFrame of ``Catalogue.rows()``), copies merged."""
    ok = rows[(rows["status"] == "ok") & rows["formula"].notna() & rows["volume_per_formula_unit"].notna()]
    first = rows[rows["status"] == "ok"].groupby("file")["block_index"].min().to_dict()
    blocks = {f: tuple(g) for f, g in rows[rows["status"] == "ok"].groupby("file")["block"]}
    by_sha: dict[str, Entry] = {}
    copies: dict[str, list] = {}
    for r in ok.sort_values(["file", "block_index"]).itertuples(index=False):
        if r.sha1 in by_sha:
            copies[r.sha1].append((r.file, r.block))
            continue
        sg = {"number": int(r.declared_number), "symbol": r.declared_symbol, "hall": _none(r.declared_hall),
              "setting": r.declared_setting, "standard_setting": bool(r.declared_standard_setting)}
        by_sha[r.sha1] = Entry(r.file, r.block, r.sha1, int(r.file_size), int(r.file_mtime_ns), r.formula,
                               float(r.volume_per_formula_unit), float(r.volume),
                               float(_none(r.niggli_volume) or r.volume),  # spglib could not reduce: the cell
                               _none(r.T), _none(r.T_su), sg, int(r.n_operations),
                               first.get(r.file) == r.block_index, (),
                               None if _none(getattr(r, "detected_number", None)) is None else int(r.detected_number),
                               _none(getattr(r, "detected_symbol", None)), blocks.get(r.file, ()),
                               None if _none(getattr(r, "file_ctime_ns", None)) is None else int(r.file_ctime_ns))
        copies[r.sha1] = []
    return [Entry(**{**e.__dict__, "copies": tuple(copies[s])}) for s, e in by_sha.items()]


def compounds(items: list[Entry], volume_tol: float = VOLUME_TOL) -> list[list[Entry]]:
    """Entries grouped by formula and volume per formula unit (single linkage at ``volume_tol``), each group in
    (V_fu, file) order; groups ordered by formula then V_fu."""
    if not 0 <= volume_tol < 1:
        raise SymstrainInputError("--volume-tol", f"must be a relative tolerance in [0, 1), got {volume_tol:g}")
    out = []
    by_formula: dict[str, list[Entry]] = {}
    for e in items:
        by_formula.setdefault(e.formula, []).append(e)
    for formula in sorted(by_formula):
        group = sorted(by_formula[formula], key=lambda e: (e.volume_per_formula_unit, e.file, e.block))
        current = [group[0]]
        for prev, e in zip(group, group[1:]):
            if e.volume_per_formula_unit - prev.volume_per_formula_unit > volume_tol * prev.volume_per_formula_unit:
                out.append(current)
                current = []
            current.append(e)
        out.append(current)
    return out


def candidates(compound: list[Entry]) -> list[tuple[Entry, Entry]]:
    """The (parent, child) pairs of a compound worth testing (module docstring), parent first."""
    out = []
    for i, a in enumerate(compound):
        for b in compound[i + 1:]:
            same = a.spacegroup["number"] == b.spacegroup["number"]
            ratio = max(a.niggli_volume, b.niggli_volume) / min(a.niggli_volume, b.niggli_volume)
            if same and ratio < SUPERCELL_RATIO:
                continue
            key_a, key_b = (a.density, -a.niggli_volume), (b.density, -b.niggli_volume)
            out.append((a, b) if key_a >= key_b else (b, a))
    return out


# ------------------------------------------------------------------------------------------ the worker


@lru_cache(maxsize=512)
def _phase(file: str, block: str, size: int, mtime_ns: int, ctime_ns: int | None = None):
    from .cif import read_cif

    try:
        st = os.stat(file)
    except OSError:
        raise SymstrainInputError(file, "no longer exists (or cannot be read) since it was scanned: run symstrain "
                                        "scan again") from None
    if (st.st_size, st.st_mtime_ns) != (size, mtime_ns) or ctime_ns not in (None, st.st_ctime_ns):
        raise SymstrainInputError(file, "changed since it was scanned: run symstrain scan again")
    return read_cif(file, block=block)


def relate_pair(job) -> dict:
    """The worker function: ``job = (parent_ref, child_ref, tol, dmin)`` (refs: file, block, size, mtime) → a
    verified pair (``holds`` True) or a refuted candidate (``holds`` False, ``reason``), JSON-ready."""
    from . import contract
    from .relation import relate

    pref, cref, tol, dmin = job
    parent, child = _phase(*pref), _phase(*cref)
    rel = relate(parent, child, tol=tol)
    if not rel.holds and rel.reverse is not None:
        rel = rel.reverse
    if not rel.holds:
        return {"holds": False, "parent": contract.structure(rel.parent), "child": contract.structure(rel.child),
                "reason": rel.reason}
    if rel.index == 1:
        return {"holds": False, "parent": contract.structure(rel.parent), "child": contract.structure(rel.child),
                "reason": "index 1: the same group on the same lattice, not a symmetry-breaking pair"}
    return _pair(rel, dmin)


def _pair(rel, dmin: float) -> dict:
    from . import contract
    from .reflection_classes import reflections
    from .spontaneous_strain import strain

    from .pairing import on_atoms_origin, relation_notes

    # what the structures say beyond their groups, as relate says it (sweep 12: ε-Pu Im-3m ⊃ β-Pu I2/m was listed as
    # verified, though β-Pu's cell holds 34 atoms against the 32 of ε-Pu mapped into it; sweep 14: zeolites IWR and
    # IWW, whose atoms pair at no origin, with no note). A note, not a refutation: one misplaced site does the same
    # (lawsonite's Cmcm files put Al a/4 off, and Cmcm → Pmcn is a real transition)
    rel, on_structures = on_atoms_origin(rel)  # (P, p) at the origin the atoms choose, as relate prints it
    notes = [str(w.message) for w in relation_notes(rel) + on_structures]
    try:
        st = strain(rel)
    except SymstrainInputError as exc:
        st = None
        notes.append(f"no strain: {exc.problem}")
    rc = reflections(rel, dmin=dmin)
    strain_doc = None
    if st is not None:
        def q(v, s):  # strains are O(1e-3): rounding noise below 1e-12 is a zero, never a value
            return contract.quantity(contract.clean(v) if np.isfinite(v) else v, s)

        sb = list(rel.symmetry_breaking_strain)
        strain_doc = {
            "e_ss": q(st.e_ss, st.e_ss_su), "vs": q(st.volume_strain, st.volume_strain_su),
            "e_sb": contract.quantity(0.0, 0.0) if not sb else q(st.e_sb, st.e_sb_su),
            "symmetry_breaking": sb,
            "components": {n: q(*st.split[n]) for n in sb if n in st.split},
            "frame": "child Cartesian frame: X ∥ a, Y in the ab plane, Z ∥ c*",
        }
    return {
        "holds": True, "parent": contract.structure(rel.parent), "child": contract.structure(rel.child),
        "index": rel.index, "type": rel.kind, "point_group_index": rel.point_index,
        "lattice_index": rel.lattice_index, "basis_change": contract.basis_change(rel.P, rel.p),
        "aizu": rel.aizu, "ferroelastic": rel.ferroelastic, "ferroelectric": rel.ferroelectric,
        "lattice_misfit": contract.clean(rel.lattice_misfit), "strain": strain_doc,
        "reflections": {"dmin": float(dmin), "counts": rc.counts, "sb_by_zone": rc.sb_by_zone()},
        "notes": notes,
    }


# ------------------------------------------------------------------------------------------ all of it


@dataclass(frozen=True)
class PairsResult:
    """Pairs and series of a catalogue (all lists of JSON-ready dicts)."""

    #: distinct entries considered, compounds, candidates tested, relative V_fu tolerance, relate's tolerance
    n_entries: int
    n_compounds: int
    n_candidates: int
    volume_tol: float
    tol: float
    dmin: float
    #: verified pairs and refuted candidates (each with "compound"), failures ({file, block, message})
    pairs: list = field(default_factory=list)
    refuted: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    #: one per compound of two or more entries: compound, formula, members in T order, reference, table argv
    series: list = field(default_factory=list)


def find_pairs(rows, *, volume_tol: float = VOLUME_TOL, tol: float = 0.08, dmin: float = 1.0,
               jobs: int | None = 1, dask: str | None = None, progress=None, on_total=None) -> PairsResult:
    """Compounds, candidate pairs, relations and series of a catalogue table (``Catalogue.rows()``).

    ``jobs``/``dask`` as in :func:`symstrain.parallel.map_items`; ``on_total(n)`` is told the number of
    candidates before they run and ``progress(n)`` the number just done.
    """
    from .contract import failure
    from .parallel import ItemFailure, map_items

    if not 0 < tol < 0.5:
        raise SymstrainInputError("--tol", f"must be between 0 and 0.5, got {tol:g}")
    if not dmin > 0:
        raise SymstrainInputError("--dmin", f"must be a positive d-spacing in Å, got {dmin:g}")
    # rows of files deleted since their scan: left out, each file a failure (sweep 19: the deleted first copy of a
    # structure was still tried, as a FileNotFoundError, while a copy of it was on disk)
    # (only the files of rows that can be entries: a failed row's file, e.g. a name the catalogue escaped, is no
    # structure to pair)
    exists = {f: os.path.lexists(f) for f in rows.loc[rows["status"] == "ok", "file"].unique()}
    rows = rows[rows["file"].isin(exists)]
    stale = sorted(f for f, there in exists.items() if not there)
    if stale:
        rows = rows[rows["file"].map(exists).astype(bool)]
    groups = [g for g in compounds(entries(rows), volume_tol)]
    by_ref = {(e.file, e.block): e for g in groups for e in g}
    jobs_list, owner = [], []
    for k, g in enumerate(groups, 1):
        for a, b in candidates(g):
            jobs_list.append((a.ref, b.ref, tol, dmin))
            owner.append(k)
    if on_total is not None:
        on_total(len(jobs_list))
    results = map_items(relate_pair, jobs_list, jobs=jobs, dask=dask, progress=progress)
    pairs, refuted = [], []
    failed = [failure(f, "no longer exists: the catalogue is out of date (run symstrain scan on its folder)")
              for f in stale]
    for job, k, res in zip(jobs_list, owner, results):
        if isinstance(res, ItemFailure):
            ref = next((r for r in job[:2] if res.message.startswith(f"{r[0]}:")), None)
            failed.append(failure(ref[0], res.message, ref[1]) if ref else
                          failure(job[0][0], f"pair with {job[1][0]}: {res.message}", job[0][1]))
        elif res["holds"]:
            note = _declared_only(by_ref.get((res["parent"]["file"], res["parent"]["block"])),
                                  by_ref.get((res["child"]["file"], res["child"]["block"])))
            if note:
                res = {**res, "notes": [*res["notes"], note]}
            pairs.append({"compound": k, **res})
        else:
            refuted.append({"compound": k, **res})
    verified: dict[int, dict] = {}  # compound → {(file, block) of a parent: the groups of its verified children}
    for p in pairs:
        own = verified.setdefault(p["compound"], {})
        own.setdefault((p["parent"]["file"], p["parent"]["block"]), set()).add(p["child"]["spacegroup"]["number"])
    series = [_series(k, g, verified.get(k, {})) for k, g in enumerate(groups, 1) if len(g) > 1]
    return PairsResult(sum(len(g) for g in groups), len(groups), len(jobs_list), volume_tol, tol, dmin,
                       pairs, refuted, failed, series)


def _declared_only(parent: Entry | None, child: Entry | None) -> str | None:
    """The note of a verified pair whose files declare another group than spglib finds in their structures (at
    the catalogue's tolerance), or None: the relation holds between the declared groups, which need not be the
    structures' (sweep 10: P 1 exports of CsSnI₃'s cubic and orthorhombic phases paired as "index 4, 1F1", where the
    structures relate as Pm-3m ⊃ Pnma, index 24; SnS Pnma "⊃" a P2₁3 polymorph)."""
    odd = [f"{who} declared {e.spacegroup['symbol']} ({e.spacegroup['number']}), detected {e.detected_symbol} "
           f"({e.detected_number})" for who, e in (("parent", parent), ("child", child))
           if e is not None and e.detected_number is not None and e.detected_number != e.spacegroup["number"]]
    if not odd:
        return None
    return ("declared groups compared: " + "; ".join(odd) + ". The relation holds for the groups the files declare; "
            "the structures' own symmetry differs (a file written in a lower group, e.g. a P 1 export), so this "
            "may be no symmetry-breaking pair of the structures")


def _series(k: int, group: list[Entry], verified: dict) -> dict:
    """The series of compound ``k``; ``verified``: {(file, block) of a parent: the group numbers of its verified
    children}. A member is covered by a reference in its group or in the group of one of its verified children
    (``table`` relates each row to the parent: one relation per group)."""
    members = sorted(group, key=lambda e: (e.T is None, e.T if e.T is not None else 0.0, e.file, e.block))
    top = max(e.density for e in group)

    def uncovered(ref):
        groups = verified.get((ref.file, ref.block), set()) | {ref.spacegroup["number"]}
        return [e for e in members if e.spacegroup["number"] not in groups]

    ref = max(group, key=lambda e: (-len(uncovered(e)), e.density >= top * (1 - 1e-3),
                                    e.T if e.T is not None else -np.inf, -e.niggli_volume))
    why = []  # what stops the command line from running as it is
    files = list(dict.fromkeys(e.file for e in members))  # table gives a row to every structure block of a file
    rows_of = {(e.file, e.block) for e in members}
    extra = sorted({f for f in files for b in next(e.file_blocks for e in members if e.file == f)
                    if (f, b) not in rows_of})
    if extra:
        why.append(f"{len(extra)} file(s) hold structure blocks that are not members ({', '.join(extra[:3])}"
                   f"{' …' if len(extra) > 3 else ''}): table would give them rows too")
    no_T = sum(e.T is None for e in members)
    if no_T:
        why.append(f"{no_T} of {len(members)} members give no temperature: table needs them (--temperatures)")
    left = uncovered(ref)
    if left:
        why.append(f"{len(left)} member(s) in a group the reference is no verified parent of "
                   f"({', '.join(sorted({e.spacegroup['symbol'] for e in left}))}): their rows would fail")
    vfu = [e.volume_per_formula_unit for e in group]
    return {
        "compound": k, "formula": group[0].formula,
        "volume_per_formula_unit": {"min": min(vfu), "max": max(vfu)},
        "reference": {"file": ref.file, "block": ref.block},
        "members": [{**e.structure(), "volume_per_formula_unit": e.volume_per_formula_unit,
                     "copies": [{"file": f, "block": b} for f, b in e.copies]} for e in members],
        "table_command": ["symstrain", "table", *files, "--parent", ref.file,
                          *(() if ref.first_in_file else ("--parent-block", ref.block))],
        "table_ready": not why,
        "table_not_ready": "; ".join(why) or None,
    }


def tables(result: PairsResult) -> dict:
    """The result as flat tables (pandas DataFrames) ``pairs``, ``refuted`` and ``series``, as the catalogue
    stores them (units: T in K, volumes in Å³, strains dimensionless, dmin in Å)."""
    import pandas as pd

    def side(prefix, s):
        sg = s["spacegroup"]
        return {f"{prefix}_file": s["file"], f"{prefix}_block": s["block"], f"{prefix}_T": s["T"]["value"],
                f"{prefix}_number": sg["number"], f"{prefix}_symbol": sg["symbol"]}

    pairs = []
    for p in result.pairs:
        st = p["strain"] or {}
        row = {"compound": p["compound"], **side("parent", p["parent"]), **side("child", p["child"]),
               "index": p["index"], "type": p["type"], "P": p["basis_change"]["P"],
               "basis": p["basis_change"]["basis"], "p": p["basis_change"]["p"],
               "origin": p["basis_change"]["origin"], "aizu": p["aizu"], "ferroelastic": p["ferroelastic"],
               "ferroelectric": p["ferroelectric"]}
        for key in ("e_ss", "vs", "e_sb"):
            q = st.get(key) or {"value": None, "su": None}
            row[key], row[f"{key}_su"] = q["value"], q["su"]
        row["symmetry_breaking"] = ", ".join(st.get("symmetry_breaking", []))
        row["dmin"] = p["reflections"]["dmin"]
        for cls, n in p["reflections"]["counts"].items():
            row[f"n_{cls}"] = n
        row["notes"] = " | ".join(p.get("notes", ()))  # (relate's notes on the structures; "" when none)
        pairs.append(row)
    refuted = [{"compound": r["compound"], **side("parent", r["parent"]), **side("child", r["child"]),
                "reason": r["reason"]} for r in result.refuted]
    series = [{"compound": s["compound"], "formula": s["formula"], "position": i, "file": m["file"],
               "block": m["block"], "T": m["T"]["value"], "T_su": m["T"]["su"],
               "declared_number": m["spacegroup"]["number"], "declared_symbol": m["spacegroup"]["symbol"],
               "volume_per_formula_unit": m["volume_per_formula_unit"],
               "is_reference": (m["file"], m["block"]) == (s["reference"]["file"], s["reference"]["block"])}
              for s in result.series for i, m in enumerate(s["members"])]
    cols = {"pairs": ["compound", "parent_file", "parent_block", "parent_T", "parent_number", "parent_symbol",
                      "child_file", "child_block", "child_T", "child_number", "child_symbol", "index", "type", "P",
                      "basis", "p", "origin", "aizu", "ferroelastic", "ferroelectric", "e_ss", "e_ss_su", "vs",
                      "vs_su", "e_sb", "e_sb_su", "symmetry_breaking", "dmin", "n_allowed", "n_SB", "n_absent",
                      "notes"],
            "refuted": ["compound", "parent_file", "parent_block", "parent_T", "parent_number", "parent_symbol",
                        "child_file", "child_block", "child_T", "child_number", "child_symbol", "reason"],
            "series": ["compound", "formula", "position", "file", "block", "T", "T_su", "declared_number",
                       "declared_symbol", "volume_per_formula_unit", "is_reference"]}
    return {name: pd.DataFrame(rows, columns=cols[name]) for name, rows in
            (("pairs", pairs), ("refuted", refuted), ("series", series))}
