"""The symmetry a structure actually has: spglib on the expanded cell, at a ladder of tolerances.

What lives here: :func:`detect_symmetry` → :class:`SymmetryReport`, :func:`spglib_cell` (the structure as
spglib is given it, with the species rule), and :func:`_ladder`, spglib at every step of the ladder that the
certificates of ``ladder_certificate.py`` do not prove (no call beyond the one at ``symprec`` where they hold).
What does not: the group a file declares (``cif_spacegroup.py``), naming a group from operations
(``spacegroup.py``), expanding to the cell (``expand.py``), the certificates themselves (``ladder_certificate.py``).

Conventions
-----------
spglib is given the lattice with the cell vectors as **rows** (Å) and ``symprec`` in Å (Cartesian distances).
Its transformation (P, p) follows spglib: L_original = L_standardised · P (cell vectors as columns),
x_standardised = P·x + p (mod 1).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np

from .errors import SymstrainInputError, WarningText
from .expand import MERGE_TOLERANCE, expand_cell
from .ladder_certificate import certified_from, p1_certified
from .phase import Phase
from .spacegroup import spglib_call


@dataclass(frozen=True, eq=False)
class SymmetryReport:
    """Symmetry found by spglib in a phase, compared with the group the file declares.

    Tolerances are spglib's ``symprec`` in Å (Cartesian distances).
    """

    #: tolerance (Å) of the main result
    symprec: float
    #: ITA number detected at ``symprec``, or None when spglib found no group at that tolerance
    number: int | None
    #: short international symbol detected at ``symprec`` (spglib's, e.g. "Pnma"), or None
    symbol: str | None
    #: number and full H-M symbol (file setting) of the declared group
    declared_number: int
    declared_symbol: str
    #: True when a group was detected and its number differs from the declared one
    differs_from_declared: bool
    #: ((tol, number | None, symbol | None), ...) for every tolerance of the ladder, ascending
    ladder: tuple
    #: (3, 3) spglib transformation matrix P at ``symprec``: (a_s, b_s, c_s) = (a, b, c)·P⁻¹,
    #: i.e. L_original = L_standardised · P with cell vectors as columns; None when not found
    transformation_matrix: np.ndarray | None
    #: (3,) spglib origin shift p at ``symprec``: x_standardised = P·x + p (mod 1); None when not found
    origin_shift: np.ndarray | None
    #: (n_ops, 3, 3) int and (n_ops, 3) float: operations found at ``symprec`` in the input setting
    rotations: np.ndarray | None
    translations: np.ndarray | None
    #: sites of the asymmetric unit used (occupancy > 0) and atoms of the expanded cell given to spglib
    n_sites_used: int
    n_atoms_cell: int
    #: tolerances (Å, ascending) at which spglib was actually run: ``symprec`` alone when the certificate held
    #: (:func:`~symstrain.ladder_certificate.ladder_certified`); else also every step it does not prove (it may
    #: prove the steps from some one up, ``certified_from``, and P 1 at the smallest, ``p1_certified``). Not part
    #: of ``to_dict``.
    spglib_tolerances: tuple = ()
    #: one-line notes on how the structure was presented to spglib (species, disorder, exclusions)
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: True when spglib was not run at all (too many atoms: :data:`DETECT_MAX_PAIRS`; the first note says so). Not
    #: part of ``to_dict`` (the notes and the warning ``detection_not_run`` say it)
    not_run: bool = False

    def to_dict(self) -> dict:
        return {
            "symprec": self.symprec,
            "number": self.number,
            "symbol": self.symbol,
            "declared_number": self.declared_number,
            "declared_symbol": self.declared_symbol,
            "differs_from_declared": self.differs_from_declared,
            "ladder": [{"symprec": t, "number": n, "symbol": s} for t, n, s in self.ladder],
            "transformation_matrix": None if self.transformation_matrix is None else self.transformation_matrix.tolist(),
            "origin_shift": None if self.origin_shift is None else self.origin_shift.tolist(),
            "n_sites_used": self.n_sites_used,
            "n_atoms_cell": self.n_atoms_cell,
            "notes": list(self.notes),
        }


def _ranks(key: np.ndarray) -> np.ndarray:
    """(n,) int: the rank of each entry of ``key`` (n,) among its distinct values, ascending (what
    ``np.unique(key, return_inverse=True)`` gives as the inverse, from one stable sort)."""
    order = np.argsort(key, kind="stable")
    ks = key.take(order)
    step = np.empty(len(ks), dtype=np.int64)
    if len(ks):
        step[0] = 0
        np.not_equal(ks[1:], ks[:-1], out=step[1:], casting="unsafe")
    out = np.empty(len(ks), dtype=np.int64)
    out[order] = np.cumsum(step)
    return out


def spglib_cell(phase: Phase):
    """``(lattice, positions, types, notes)`` as handed to spglib, with the species rule applied.

    Species: one spglib type per distinct (element, occupancy rounded to 0.001). So a partially
    occupied site is never made equivalent to a fully occupied one of the same element, and the
    two halves of a disordered pair (occupancies 0.6/0.4) stay distinct; sites of equal element and
    occupancy may be related by symmetry whatever their disorder group. Occupancy-0 sites are left out.
    Lattice rows are the cell vectors (Å), as spglib expects.
    """
    frac, z, site, occ, n_cross = expand_cell(phase, False, MERGE_TOLERANCE)
    key = z.astype(np.int64) * 10_000 + np.rint(occ * 1000).astype(np.int64)
    types = _ranks(key)
    notes = []
    n_zero = sum(1 for a in phase.atoms if a.occupancy <= 0)
    if n_zero:
        notes.append(f"{n_zero} site(s) with occupancy 0 left out")
    some = np.flatnonzero(occ < 1 - 1e-6)  # partially occupied atoms of the cell (the loop runs over them alone)
    sites, first = np.unique(site.take(some), return_index=True)  # (one occupancy per site: a loop per site)
    partial = sorted({(phase.atoms[i].element, round(o, 3))
                      for i, o in zip(sites.tolist(), occ.take(some).take(first).tolist())})
    if partial:
        notes.append(
            "partially occupied sites are distinct species per (element, occupancy): "
            + ", ".join(f"{e} {o:g}" for e, o in partial[:8])
            + (" …" if len(partial) > 8 else "")
        )
    if n_cross:
        notes.append(
            f"{n_cross} atom(s) coincide with an atom of another site of the same element and occupancy "
            "(a site listed twice in the file) and were counted once"
        )
    if any(a.disorder_group for a in phase.atoms):
        notes.append("disorder groups are not separated: every alternative position is present at once")
    return phase.cell.matrix().T.copy(), frac, (types + 1).astype(np.intc), notes


def _near(phase: Phase):
    """``(frac, i, j, reach)``: the pairs of the overlap rule of the contacts (``contacts.overlap_pairs``, remembered
    with the phase: ``info`` asks for them next), for the certificate's test of two atoms of one type close together
    (the atoms of the cell given to spglib are those of the contacts)."""
    from .contacts import overlap_pairs
    from .expand import expanded

    i, j, _, reach = overlap_pairs(phase)
    return expanded(phase)[0], i, j, reach


def _why_no_group(tol: float, phase: Phase, lattice, positions, types) -> str:
    """Why spglib may find no group at ``tol`` (Å): the closest two atoms of one type within the tolerance (spglib
    refuses such a cell), named with their distance; else only that it finds none."""
    from .neighbours import pairs_within

    try:
        i, j, d = pairs_within(positions, np.asarray(lattice, float).T, tol)
    except SymstrainInputError:  # a cell too small for the search: nothing more to say
        i = j = d = np.zeros(0)
    same = np.flatnonzero(types[i] == types[j]) if len(d) else np.zeros(0, int)
    if not len(same):
        return f"spglib finds no group at {tol:g} Å (no two atoms of one species lie within it)"
    k = same[np.argmin(d[same])]
    site = expand_cell(phase, False, MERGE_TOLERANCE)[2]  # the atoms of spglib_cell, in its order
    a, b = phase.atoms[site[i[k]]].label, phase.atoms[site[j[k]]].label
    return (f"spglib finds no group from {tol:g} Å on: two atoms of one species ({a} and {b}, same element and "
            f"occupancy) lie {d[k]:.3f} Å apart, closer than the tolerance, and spglib refuses such a cell")


#: the default tolerance ladder (Å) of :func:`detect_symmetry`
LADDER = (1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3)


def _ladder(run, tolerances, given=None) -> tuple:
    """((tol, number | None, symbol | None), ...) for the sorted ``tolerances``: ``given[tol]`` (a (number, symbol)
    proven without a call) where given, else spglib's answer there — ``run(tol)`` returns its dataset or None, and
    is called once per distinct tolerance not given.

    Every step not proven is run: spglib is not monotone in the tolerance (a cubic cell strained by 1 % and with
    atoms moved by ~0.01 Å: P 1 at 0.01 and 0.1 Å, Cm at 0.05 Å), so two steps finding one group say nothing of the
    steps between them.
    """
    tols = sorted(float(x) for x in tolerances)
    found: dict[float, tuple] = dict(given or {})
    for t in dict.fromkeys(tols):
        if t not in found:
            ds = run(t)
            found[t] = (None, None) if ds is None else (int(ds.number), str(ds.international))
    return tuple((t, *found[t]) for t in tols)


#: cells with fewer atoms do not try :func:`_p1_steps`: a spglib call on them costs less than the certificate
#: (measured: under 1 ms for up to ~200 atoms, against 2–4 ms; 16 ms against 6 ms for 941 atoms)
_P1_MIN_ATOMS = 400


def _p1_steps(lattice, positions, types, tols, symprec, deadline=None) -> list[float]:
    """The smallest steps of ``tols`` below ``symprec`` at which spglib provably finds P 1
    (:func:`~symstrain.ladder_certificate.p1_certified`): the smallest alone first, then one more at a time; [] when
    the smallest is not certified (or ``deadline`` passes first)."""
    low = [t for t in tols if t < float(symprec)]
    m = 0
    while m < len(low) and p1_certified(lattice, positions, types, low[:m + 1], deadline=deadline):
        m += 1
    return low[:m]


#: a certificate may take as long as the spglib calls it would spare (each as long as the slowest call measured so
#: far), and never less than this (s): the certificates cost a few ms on most cells, and a clock is not exact
_CERTIFICATE_MIN_SECONDS = 0.02
#: when the certificate of the whole ladder fails, more certificates are tried — when a spglib call takes at least this
#: long (s; below that, a failed certificate costs about what the call it spares does): spglib's search grows with the
#: tolerance (an 844-atom nanotube: 0.2 s at 0.01 Å, 3.8 s at 0.2 Å, 19 s at 0.3 Å)
_MORE_CERTIFICATES_SECONDS = 0.005


def _certify_more(run, seconds, certify_from, tols, symprec, main, given) -> None:
    """Adds to ``given`` the steps of ``tols`` that certificates other than the whole ladder's prove, while spglib's
    calls (``seconds`` per tolerance) cost :data:`_MORE_CERTIFICATES_SECONDS` or more. ``certify_from(ds, steps,
    at)``: the index from which ``steps`` are certified by the dataset ``ds`` of the step ``at``, or None.

    * Down: ``main``'s dataset (at ``symprec``) for the steps up to ``symprec`` (its group there, a larger one above).
    * Up: spglib runs at the lowest step above ``symprec`` not given yet (``run``), and its dataset is tried for the
      steps above it; then at the next step not given, and so on.
    """
    def worth() -> bool:
        return max(seconds.values()) >= _MORE_CERTIFICATES_SECONDS

    def add(ds, steps) -> None:
        k = certify_from(ds, steps, steps[0] if ds is not main else symprec)
        if k is not None:
            given.update({t: (int(ds.number), str(ds.international)) for t in steps[k:]})

    below = [t for t in tols if t <= symprec and t not in given]
    if len(below) >= 2 and worth():
        add(main, below)
    pending = [t for t in tols if t > symprec and t not in given]
    while len(pending) >= 2 and worth():
        ds = run(pending[0])
        if ds is not None:
            add(ds, pending)
        pending = [t for t in pending[1:] if t not in given]


#: spglib's search costs about (atoms of the rarest species) × (atoms) distance tests per lattice rotation: P 1 with
#: one species (random positions, spglib 2.x, measured) took 1.8 s at 2,500 atoms, 11 s at 5,000, 40 s at 10,000 and
#: 125 s at 20,000 (a 111k-atom protein: ~100 s). Above this product spglib is not run (a note says why; the declared
#: group stands); ``limit=False`` (``info --no-detect-limit``) runs it whatever it costs
DETECT_MAX_PAIRS = 25_000_000
#: and above this many atoms in the cell, whatever the rarest species: the refinement of the positions and the overlap
#: tests grow with the atoms themselves (sweep 12: a 56,136-atom P6₅ protein with 6 atoms of its rarest species, a
#: product of 0.34 million, took 65 s at 0.01 Å and 12 s at each step where spglib fails)
DETECT_MAX_ATOMS = 20_000


def detection_too_costly(n_atoms: int, n_rarest: int) -> str | None:
    """Why spglib is not run on a cell of ``n_atoms`` atoms, ``n_rarest`` of its rarest species (the text after
    :data:`SKIPPED_NOTE`), or None when it is: above :data:`DETECT_MAX_PAIRS` or :data:`DETECT_MAX_ATOMS`."""
    if n_atoms * n_rarest > DETECT_MAX_PAIRS:
        return (f"{n_atoms:,} atoms in the cell, {n_rarest:,} of the rarest species — spglib's search grows as their "
                f"product ({n_atoms * n_rarest:,}, above {DETECT_MAX_PAIRS:,}: minutes)")
    if n_atoms > DETECT_MAX_ATOMS:
        return (f"{n_atoms:,} atoms in the cell, above {DETECT_MAX_ATOMS:,}: spglib's refinement grows with the atoms "
                "themselves (minutes)")
    return None


#: how the note of a detection not run begins
SKIPPED_NOTE = "spglib not run"
#: codes of the warnings this module writes (for the callers that report a detection: ``info``, ``scan``, ``table``)
WARNING_CODES = {
    "detection_not_run": "too many atoms for spglib's search (DETECT_MAX_PAIRS, DETECT_MAX_ATOMS): no detected "
                         "group; the declared one is not checked",
}


def not_run_warning(report: SymmetryReport, source: str, prefix: str = "") -> WarningText | None:
    """The ``detection_not_run`` warning (its note, after ``prefix``) of a report whose detection was not run, else
    None."""
    return WarningText("detection_not_run", source, prefix + report.notes[0]) if report.not_run else None


def _not_run(phase: Phase, symprec: float, ladder, n_atoms: int, why: str, notes: list) -> SymmetryReport:
    """The report of a detection too costly to run (:func:`detection_too_costly` says ``why``): no group at any step,
    and why."""
    notes.insert(0, f"{SKIPPED_NOTE}: {why}; the declared group is not checked (info --no-detect-limit runs it)")
    sg = phase.spacegroup
    return SymmetryReport(
        symprec=float(symprec), number=None, symbol=None, declared_number=int(sg.number), declared_symbol=sg.hm,
        differs_from_declared=False, ladder=tuple((float(t), None, None) for t in sorted(float(v) for v in ladder)),
        transformation_matrix=None, origin_shift=None, rotations=None, translations=None,
        n_sites_used=int(sum(1 for a in phase.atoms if a.occupancy > 0)), n_atoms_cell=int(n_atoms),
        spglib_tolerances=(), notes=tuple(notes), not_run=True)


def detect_symmetry(phase: Phase, symprec: float = 0.01, ladder=LADDER, *, full_ladder: bool = False,
                    certify: bool = True, limit: bool = True):
    """The space group spglib finds in ``phase`` at ``symprec`` (Å) and along a ladder of tolerances.

    The structure is the full cell from :func:`~symstrain.expand.expand_to_cell` with the species rule of
    :func:`spglib_cell`. A tolerance at which spglib finds nothing gives ``None`` (no exception).
    spglib runs at ``symprec``; when the operations it finds there provably give spglib's answer at every step of
    the ladder (:func:`~symstrain.ladder_certificate.ladder_certified`: they move no atom by more than an eighth of
    the smallest step, and every other operation spglib could try moves some atom farther than the largest step),
    that is the ladder, for one spglib call. When it holds only from some step up (the operations move an atom by
    more than an eighth of the smallest steps: :func:`~symstrain.ladder_certificate.certified_from`; that step may lie
    above ``symprec``), those steps take that answer and spglib runs at the steps below, except the smallest ones
    where spglib provably finds P 1 (:func:`~symstrain.ladder_certificate.p1_certified`: atoms a little off the
    symmetry found at ``symprec``).
    Otherwise spglib runs at every step (:func:`_ladder`; a step is never inferred from the steps around it: spglib
    is not monotone in the tolerance). ``certify=False`` or ``full_ladder=True``: spglib at every step, no
    certificate (the reference the certificates are tested against). With ``limit``, where (atoms of the rarest
    species) × (atoms) exceeds :data:`DETECT_MAX_PAIRS`, or the atoms :data:`DETECT_MAX_ATOMS`, spglib is not run: no
    group at any step, ``not_run`` True, and a note (the first of ``notes``, beginning with :data:`SKIPPED_NOTE`) says
    why.
    Returns a :class:`SymmetryReport`.
    """
    import spglib

    lattice, positions, types, notes = spglib_cell(phase)
    cell = (lattice, positions, types)
    counts = np.unique(types, return_counts=True)[1]
    why = detection_too_costly(len(types), int(counts.min())) if limit and len(counts) else None
    if why is not None:
        return _not_run(phase, symprec, ladder, len(types), why, notes)

    results: dict[float, object] = {}
    seconds: dict[float, float] = {}  # how long each spglib call took: what a certificate may spend to spare one

    def run(tol):
        tol = float(tol)
        if tol not in results:
            start = time.perf_counter()
            results[tol] = spglib_call(spglib.get_symmetry_dataset, cell, symprec=tol) if len(types) else None
            seconds[tol] = time.perf_counter() - start
        return results[tol]

    spent = [0.0]  # seconds spent on certificates for this cell

    def deadline(n_calls: int) -> float:
        """When a certificate sparing ``n_calls`` spglib calls stops: those calls' cost (each as long as the slowest
        measured so far), and all certificates of the cell together no longer than the calls of the whole ladder."""
        call = max(seconds.values())
        left = max(_CERTIFICATE_MIN_SECONDS, (len(tols) - 1) * call) - spent[0]
        return time.perf_counter() + min(left, max(_CERTIFICATE_MIN_SECONDS, n_calls * call))

    near = functools.partial(_near, phase)

    def certify_from(ds, steps, at):
        start = time.perf_counter()
        until = deadline(len(steps) - 1)
        if until <= start:
            return None
        try:
            return certified_from(lattice, positions, types, ds, steps, at, near=near, deadline=until)
        finally:
            spent[0] += time.perf_counter() - start

    main = run(symprec)
    tols = sorted({float(x) for x in ladder} | {float(symprec)})
    certify = certify and not full_ladder  # the two say the same: spglib at every step
    k = None
    if main is not None and len(ladder) and certify:
        k = certify_from(main, tols, symprec)
    if k == 0:
        found = (int(main.number), str(main.international))
        steps = tuple((x, *found) for x in sorted(float(v) for v in ladder))
    else:
        # with k, the steps from tols[k] up are certified: spglib's answer there is main's, without a call
        given = {} if k is None else {t: (int(main.number), str(main.international)) for t in tols[k:]}
        if main is not None and certify:
            _certify_more(run, seconds, certify_from, tols, symprec, main, given)
        if main is not None and int(main.number) != 1 and certify and len(types) >= _P1_MIN_ATOMS:
            low = [t for t in tols if t < symprec and t not in given]
            given.update({t: (1, "P1") for t in _p1_steps(lattice, positions, types, tols, symprec,
                                                          deadline=deadline(len(low)))})
        steps = _ladder(run, ladder, given=given)
    if main is None:
        notes.append(f"spglib found no space group at symprec {symprec:g} Å")
    empty = [t for t, number, _ in steps if number is None] + ([float(symprec)] if main is None else [])
    if empty and len(types):
        notes.append(_why_no_group(min(empty), phase, lattice, positions, types))
    sg = phase.spacegroup
    return SymmetryReport(
        symprec=float(symprec),
        number=None if main is None else int(main.number),
        symbol=None if main is None else str(main.international),
        declared_number=int(sg.number),
        declared_symbol=sg.hm,
        differs_from_declared=main is not None and int(main.number) != int(sg.number),
        ladder=steps,
        spglib_tolerances=tuple(sorted(results)),
        transformation_matrix=None if main is None else np.array(main.transformation_matrix, dtype=float),
        origin_shift=None if main is None else np.array(main.origin_shift, dtype=float),
        rotations=None if main is None else np.array(main.rotations, dtype=int),
        translations=None if main is None else np.array(main.translations, dtype=float),
        n_sites_used=int(sum(1 for a in phase.atoms if a.occupancy > 0)),
        n_atoms_cell=int(len(types)),
        notes=tuple(notes),
    )
