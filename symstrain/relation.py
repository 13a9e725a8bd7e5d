"""Group–subgroup relation between a parent and a child structure, verified in their own settings.

``relate(parent, child)`` finds the lattice correspondence (P, p) and checks, operation by
operation, that every child operation is a parent operation. It works on the two
structures as given (any cells, settings, origins), never on a table of space-group numbers.

Conventions (as in spglib and ITA Vol. A, Part 5)
---------------------------------------------------
* ``P`` (3×3): child basis = parent basis · P, i.e. ``(a_c, b_c, c_c) = (a_p, b_p, c_p) · P``.
  Columns of P are the child basis vectors in parent fractional units.
* ``p`` (3,): origin of the child in parent fractional coordinates, so a point's coordinates
  transform as ``x_parent = P · x_child + p``.
* A child operation (W_c, w_c) is the parent operation
  ``W_p = P W_c P⁻¹``, ``w_p = P w_c + p − W_p p`` (modulo parent lattice translations).
* Miller indices transform like basis vectors: ``(h k l)_child = (h k l)_parent · P``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from . import contract
from .correspondence import MAX_TRIALS, correspondences, find_origin
from .correspondence import finite_strain_norm  # noqa: F401  (re-exported: pseudo.py imports it from here)
from .cosets import left_cosets, op_readability, readable_cosets
from .errors import NotSubgroupError  # noqa: F401  (defined there; re-exported: the API and tests import it from here)
from .errors import SymstrainInputError, WarningRecord, WarningText
from .ferroic import ferroic_character, point_group_symbol, unique_matrices
from .notation import basis_string, fmt_vector
from .ops import SymOps
from .phase import Cell, Phase, SpaceGroupInfo


#: codes of the warnings a relation carries (``Relation.warnings``)
WARNING_CODES = {
    "own_axes_relate": "one group on both sides related by a basis change other than the identity, which relates them "
                       "too (with more strain): the files' axes may be the physical correspondence",
    "cosets_incomplete": "fewer lost cosets found than the index (the coset list may be incomplete)",
}


@dataclass(frozen=True, eq=False)
class Relation:
    """A verified group–subgroup relation parent ⊃ child.

    Matrices follow the module conventions: child basis = parent basis · ``P``;
    ``x_parent = P · x_child + p``.
    """

    parent: Phase
    child: Phase
    #: (3, 3) float, child basis = parent basis · P (integer or simple rational entries)
    P: np.ndarray
    #: (3,) float, child origin in parent fractional coordinates
    p: np.ndarray
    #: [G : H] = point_index × lattice_index
    index: int
    #: i_P: order of the parent point group / order of the child point group
    point_index: int
    #: i_L: number of parent lattice translations (mod child lattice) per child cell = |det P| × (parent centring) / (child centring)
    lattice_index: int
    #: "t" (translationengleiche, i_L = 1), "k" (klassengleiche, i_P = 1), "general", or "identity" (index 1)
    kind: str
    #: parent point group and child point group (H-M, e.g. "mmm", "2/m")
    parent_point_group: str
    child_point_group: str
    #: left cosets g·H of the operations lost, each listed once as the |H| triplets g·h (h over the child's
    #: operations) in the parent setting; within a coset, and cosets among themselves, the most readable
    #: triplet first (pure translations, then the inversion, then the shortest); see ``cosets.py``
    lost_cosets: tuple[tuple[str, ...], ...]
    #: number of orientation domain states = point_index; antiphase (translation) states = lattice_index
    orientation_domains: int
    antiphase_domains: int
    #: Aizu species, e.g. "mmmF2/m"
    aizu: str
    ferroelastic: bool
    ferroelectric: bool
    #: strain components e_ij allowed in the child point group but zero in the parent's, named in the
    #: Cartesian frame of the child basis (X ∥ a_c, Y in a_c b_c plane, Z ∥ c*_c), e.g. ("e13",)
    symmetry_breaking_strain: tuple[str, ...]
    #: strain components allowed in the parent point group (non-symmetry-breaking), same frame
    non_symmetry_breaking_strain: tuple[str, ...]
    #: finite-strain norm of the child cell against the parent lattice mapped by P: the largest |eigenvalue| of the
    #: Green–Lagrange strain E = ½(L⁻¹·G_child·L⁻ᵀ − I), G_parent(P) = L·Lᵀ (dimensionless; ``finite_strain_norm``)
    lattice_misfit: float = 0.0
    #: which conjugacy class / orientation of the subgroup: the child's point-group elements in the parent basis
    orientation: str = ""
    #: symmetry-breaking strain components named in the parent's Cartesian frame (X ∥ a_p, Z ∥ c*_p)
    symmetry_breaking_strain_parent_frame: tuple[str, ...] = ()
    #: finite-strain tolerance used to accept the lattice correspondence
    tolerance: float = 0.08
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def coset_representatives(self) -> np.ndarray:
        """(index, 4, 4) affine parent operations g_k, one per left coset g_k·H, in CHILD coordinates
        (x' = W·x + w on child fractional coordinates); the first is the identity (H itself), g_k for k ≥ 1
        lies in the coset ``lost_cosets[k - 1]``."""
        cos, _ = self._cosets
        reps = [c[0].copy() for c in cos]
        reps[0] = np.eye(4)
        return np.array(reps)

    @cached_property
    def _cosets(self):
        """``_cosets_in_order`` of this relation, made once (``relate`` leaves the ones it made here)."""
        return _cosets_in_order(self.parent.spacegroup, self.child.spacegroup, self.P, self.p)

    @cached_property
    def broken_conditions(self) -> tuple[dict, ...]:
        """Parent reflection conditions the child breaks (``conditions.BrokenCondition.to_dict``): each a dict with
        "child_indexing" and "parent_indexing" ({zone, rule, absent, kind, operation}), "parent_text",
        "contained_in" and "appears". Worked out when first asked (the relate command's output; the commands that
        only need the relation, like order and pseudo, never pay for the extinction algebra)."""
        from .conditions import reflection_conditions

        G, H = self.parent.spacegroup, self.child.spacegroup
        return tuple(bc.to_dict() for bc in reflection_conditions(G, H, self.P, self.p))

    @property
    def basis(self) -> str:
        """P written as the child basis in parent vectors, e.g. '(b, -a, c)'."""
        return basis_string(self.P)

    #: a Relation is a proof that the relation holds (a :class:`Refutation` is the answer "no")
    holds = True

    def require(self) -> "Relation":
        """This relation (a :class:`Refutation` raises here instead): for code that cannot go on without one."""
        return self

    def at_origin(self, p) -> "Relation":
        """The same relation (same P) at another origin ``p`` that relates the two groups (one of
        ``pairing.valid_origins``): the origin the atoms choose when the groups cannot (``pairing.on_atoms_origin``).
        Raises :class:`NotSubgroupError` when the groups do not relate there."""
        import dataclasses

        rel = relation_at(self.parent, self.child, self.P, p, tol=self.tolerance)
        own = [w for w in self.warnings if w not in rel.warnings]  # e.g. the search's note on its own axes
        return dataclasses.replace(rel, warnings=rel.warnings + tuple(own)) if own else rel

    def to_dict(self) -> dict:
        """The relation under the JSON contract (``symstrain/schemas/relate.json``)."""
        return {
            "holds": True,
            "parent": contract.structure(self.parent),
            "child": contract.structure(self.child),
            "basis_change": contract.basis_change(self.P, self.p),
            "index": self.index,
            "point_group_index": self.point_index,
            "lattice_index": self.lattice_index,
            "type": self.kind,
            "parent_point_group": self.parent_point_group,
            "child_point_group": self.child_point_group,
            "lost_cosets": [list(c) for c in self.lost_cosets],
            "domain_states": {"orientation": self.orientation_domains, "antiphase": self.antiphase_domains},
            "aizu": self.aizu,
            "ferroelastic": self.ferroelastic,
            "ferroelectric": self.ferroelectric,
            "strain_components": {
                "frame": "child Cartesian frame: X ∥ a, Y in the ab plane, Z ∥ c*",
                "symmetry_breaking": list(self.symmetry_breaking_strain),
                "non_symmetry_breaking": list(self.non_symmetry_breaking_strain),
                "symmetry_breaking_parent_frame": list(self.symmetry_breaking_strain_parent_frame),
            },
            "broken_conditions": list(self.broken_conditions),
            "orientation": self.orientation,
            "lattice_misfit": self.lattice_misfit,
            "tolerance": self.tolerance,
        }

    def all_warnings(self) -> list[WarningRecord]:
        """The warnings of the two structures and of the relation, each once."""
        return contract.warning_records(list(self.parent.warnings) + list(self.child.warnings) + list(self.warnings),
                                        source=self.child.name)

    def summary(self) -> str:
        """A few readable lines for people."""
        G, H = self.parent.spacegroup, self.child.spacegroup
        lines = [
            f"parent  {G.hm} ({G.number})  {self.parent.name}"
            + (f"  T = {self.parent.temperature:g} K" if self.parent.temperature is not None else ""),
            f"child   {H.hm} ({H.number})  {self.child.name}"
            + (f"  T = {self.child.temperature:g} K" if self.child.temperature is not None else ""),
            f"relation holds: {self.kind + str(self.index) if self.kind in ('t', 'k') else self.kind} subgroup, index {self.index} = "
            f"{self.point_index} (point group) × {self.lattice_index} (lattice)",
            f"P = {self.basis}   p = {fmt_vector(self.p)}   lattice misfit {self.lattice_misfit:.4f}",
            f"Aizu species {self.aizu}: "
            + ", ".join(
                x
                for x in (
                    "ferroelastic" if self.ferroelastic else "non-ferroelastic",
                    "ferroelectric" if self.ferroelectric else "non-ferroelectric",
                )
            )
            + f"; {self.orientation_domains} orientation × {self.antiphase_domains} antiphase domain states",
            f"{self.orientation}",
            "symmetry-breaking strain (child frame X∥a, Z∥c*): "
            + (", ".join(self.symmetry_breaking_strain) or "none")
            + "   non-symmetry-breaking: "
            + ", ".join(self.non_symmetry_breaking_strain),
            "lost operations (parent setting), by coset:",
        ]
        for c in self.lost_cosets:
            lines.append("  { " + "  ".join(c) + " }")
        for cond in self.broken_conditions:
            ci = cond["child_indexing"]
            inside = f" (inside {cond['contained_in']})" if cond.get("contained_in") else ""
            lines.append(f"broken reflection condition: {ci['zone']}: {ci['rule']} ({ci['kind']} "
                         f"{ci['operation']}){inside}; {cond['appears']['text']}")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Refutation:
    """The answer "no": the child's group is not a subgroup of the parent's in any lattice correspondence within
    ``tolerance``. ``reason`` says why in one line; ``reverse`` is the relation with parent and child swapped when
    that one holds (the files were given in the wrong order), else None."""

    parent: Phase
    child: Phase
    reason: str
    reverse: Relation | None
    tolerance: float
    holds = False

    def require(self):
        """Raise :class:`NotSubgroupError` (carrying this refutation): the caller needed a relation."""
        raise NotSubgroupError(self.child.name, self.message(), self)

    def message(self) -> str:
        """The reason, and the hint when the reverse order holds."""
        if self.reverse is None:
            return self.reason
        return f"{self.reason}; {self._reverse_hint()}"

    def _reverse_hint(self, basis: bool = False) -> str:
        """What the reverse relation says: swap the files — or, where it has index 1 (one group: the order does not
        matter), that only the strain tolerance decided, the finite strain being measured on the first file's
        lattice (sweep 8: 0.082 one way, within 0.08 the other)."""
        r = self.reverse
        at = f" (P = {r.basis})" if basis else ""
        if r.index == 1:
            return (f"the reverse order holds within the tolerance{at}: the two groups are one (index 1), and the "
                    f"lattices differ by a strain near --tol {self.tolerance:g}, which is measured on the first "
                    "file's lattice: give a larger --tol")
        kind = f"{r.kind}{r.index}" if r.kind in ("t", "k") else str(r.kind)  # (as Relation.summary names it)
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        return (f"the reverse holds: {self.parent.name} is {article} {kind} subgroup of index {r.index} of "
                f"{self.child.name}{at}; swap PARENT and CHILD")

    def to_dict(self) -> dict:
        rev = None
        if self.reverse is not None:
            r = self.reverse
            rev = {"holds": True, "index": r.index, "type": r.kind, "aizu": r.aizu,
                   "basis_change": contract.basis_change(r.P, r.p)}
        return {"holds": False, "parent": contract.structure(self.parent), "child": contract.structure(self.child),
                "reason": self.reason, "reverse": rev, "tolerance": self.tolerance}

    def all_warnings(self) -> list[WarningRecord]:
        return contract.warning_records(list(self.parent.warnings) + list(self.child.warnings), source=self.child.name)

    def summary(self) -> str:
        G, H = self.parent.spacegroup, self.child.spacegroup
        lines = [f"parent  {G.hm} ({G.number})  {self.parent.name}",
                 f"child   {H.hm} ({H.number})  {self.child.name}",
                 f"relation does not hold: {self.reason}"]
        if self.reverse is not None:
            lines.append(self._reverse_hint(basis=True))
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# the public function
# ----------------------------------------------------------------------------------------------


def holding(relation, what: str = "relation") -> "Relation":
    """``relation`` itself when it is a :class:`Relation` (or has its parent, child, P and p). A
    :class:`Refutation` (what :func:`relate` returns when the groups do not relate) raises
    :class:`NotSubgroupError` with its reason — and the hint when the reverse order holds —; anything else
    :class:`SymstrainInputError` naming ``what`` (sweep 24: ``strain`` of a refutation said "no child cell given",
    ``reflections`` and ``symmetrize`` raised AttributeErrors)."""
    if isinstance(relation, Refutation):
        relation.require()
    if not all(hasattr(relation, a) for a in ("parent", "child", "P", "p")):  # (a Relation, or one alike)
        raise SymstrainInputError(what, f"needs the Relation that relate(parent, child) returns, got "
                                        f"{type(relation).__name__}")
    return relation


def _phase_arg(x, role: str) -> Phase:
    """``x`` when a :class:`Phase`; a path (str or os.PathLike) read as a CIF (a parent may lack atom sites: its
    cell and group suffice here); else :class:`SymstrainInputError`."""
    import os

    if isinstance(x, Phase):
        return x
    if isinstance(x, (str, os.PathLike)):
        from .cif import read_cif

        return read_cif(x, atoms_required=role != "child")
    raise SymstrainInputError(role, f"needs a Phase (or the path of a CIF), got {type(x).__name__}")


def relate(parent: Phase, child: Phase, *, tol: float = 0.08, check_reverse: bool = True) -> Relation | Refutation:
    """Verify that ``child``'s space group is a subgroup of ``parent``'s, in the settings of the two files.
    ``parent`` and ``child`` are :class:`Phase` objects, or paths of CIFs (read with :func:`~symstrain.cif.read_cif`).

    ``tol`` is the largest finite (Green–Lagrange) strain accepted between the child cell and the parent
    lattice mapped by P (default 0.08, enough for ~5 % spontaneous strains). Returns a :class:`Relation` when the
    relation holds, else a :class:`Refutation` saying why (and, with ``check_reverse``, whether the reverse order
    holds). Both have ``holds`` and ``require()``; bad input (a tolerance out of range) raises
    :class:`SymstrainInputError`.
    """
    if not (0 < tol < 0.5):
        raise SymstrainInputError("--tol", f"tolerance {tol} must be between 0 and 0.5")
    parent, child = _phase_arg(parent, "parent"), _phase_arg(child, "child")
    try:
        return _relate(parent, child, tol)
    except NotSubgroupError as exc:
        reverse = None
        if check_reverse:
            try:
                reverse = _relate(child, parent, tol)
            except SymstrainInputError:  # not a subgroup either, or past the search's bounds: no hint
                reverse = None
        return Refutation(parent, child, exc.problem + _enantiomorph_note(parent, child, tol), reverse, tol)


#: the 11 pairs of enantiomorphic space-group types (ITA Vol. A), each IT number with its partner's: the mirror
#: image of a group of one type (x → −x) is a group of the other
ENANTIOMORPHS = {76: 78, 91: 95, 92: 96, 144: 145, 151: 153, 152: 154, 169: 170, 171: 172, 178: 179, 180: 181,
                 212: 213}
ENANTIOMORPHS.update({b: a for a, b in list(ENANTIOMORPHS.items())})


def _enantiomorph_note(parent: Phase, child: Phase, tol: float) -> str:
    """The clause added to a refutation when the parent's type is one of an enantiomorphic pair and the child's group
    is a subgroup of the parent's mirror image (its operations conjugated by the inversion: (W, w) → (W, −w), the
    enantiomorph in the same setting): the two structures are of opposite hand. '' otherwise (a group of any other
    type is its own mirror image up to a change of setting, which the search already covers)."""
    import gemmi
    from dataclasses import replace

    G = parent.spacegroup
    other = ENANTIOMORPHS.get(G.number)
    if other is None:
        return ""
    name = gemmi.find_spacegroup_by_number(other).xhm()
    mirror = replace(G, number=other, hm=name, hall="", setting=f"mirror image of {G.setting}",
                     translations=np.mod(-G.translations, 1.0))
    try:
        _relate(replace(parent, spacegroup=mirror), child, tol)
    except SymstrainInputError:
        return ""
    return (f"; but the child's group is a subgroup of {name} ({other}), the enantiomorph of the parent's {G.hm} "
            f"({G.number}): the two structures are of opposite hand (the child's mirror image would relate)")


def _relate(parent: Phase, child: Phase, tol: float) -> Relation:
    """:func:`relate` for a relation that holds; raises :class:`NotSubgroupError` with the reason otherwise."""
    G, H = parent.spacegroup, child.spacegroup
    name_c = child.name
    ops_p, ops_c = G.symops, H.symops
    cent_p = ops_p.centring_vectors()
    cands = correspondences(parent.cell, cent_p, child.cell, tol, source=name_c)
    first = next(cands, None)
    if first is None:
        raise NotSubgroupError(
            name_c,
            f"not a subgroup of {parent.name}: no parent-lattice vectors match the child cell "
            f"{_cell_str(child.cell)} within strain tolerance {tol} (parent cell {_cell_str(parent.cell)})",
        )
    rots = unique_matrices(ops_p.rotations), unique_matrices(ops_c.rotations)  # = SymOps.unique_rotations()
    n_rot_p, n_rot_c = len(rots[0]), len(rots[1])
    if n_rot_p % n_rot_c:
        raise NotSubgroupError(
            name_c,
            f"not a subgroup of {parent.name}: child point group ({point_group_symbol(H.rotations)}, order {n_rot_c}) "
            f"does not divide the parent's ({point_group_symbol(G.rotations)}, order {n_rot_p})",
        )
    reasons = []
    found = None
    for n, (misfit, P) in enumerate(itertools.chain([first], cands)):
        if n == MAX_TRIALS:
            raise SymstrainInputError(
                name_c, f"none of the first {MAX_TRIALS:,} lattice correspondences within strain tolerance {tol:g} "
                f"makes every child operation a parent operation and more remain (e.g. for P = "
                f"{basis_string(first[1])}: {reasons[0]}); give a smaller tolerance (--tol)")
        p, why = find_origin(P, G, H)
        if p is not None:
            found = (misfit, P, p)
            break
        reasons.append(why)
    if found is None:
        raise NotSubgroupError(
            name_c,
            f"not a subgroup of {parent.name} ({G.hm}): in all {len(reasons)} lattice correspondences within "
            f"tolerance, some child operation is not a parent operation; e.g. for P = {basis_string(first[1])}: "
            f"{reasons[0]}",
        )
    misfit, P, p = found
    return _relation(parent, child, P, p, misfit, tol, rots, searched=True)


def _own_axes_note(parent: Phase, child: Phase, P, misfit: float, tol: float) -> WarningText | None:
    """For one group on both sides (index 1) that the search related by a basis change ``P`` other than the identity
    (the least strain, ``misfit``): the note that the files' own axes relate them too, with their larger strain
    (sweep 8: P-1 at 98 and 374 K, α passing through 90° between them: P = (-a, b, -c) strains the lattice least,
    0.087, while the continuous correspondence across the series is the identity, 0.136). None otherwise."""
    if np.array_equal(P, np.eye(3)):
        return None
    own = finite_strain_norm(parent.cell.metric(), child.cell.metric())
    if not own <= tol or find_origin(np.eye(3), parent.spacegroup, child.spacegroup)[0] is None:
        return None
    return WarningText("own_axes_relate", child.name,
                       f"P = {basis_string(P)} strains the lattice least ({misfit:.4f}); the files' own axes, P = (a, "
                       f"b, c), relate the groups as well ({own:.4f}): where the two structures connect continuously "
                       "(an angle passing through 90° between them, along a series), those may be the physical "
                       "correspondence (--P a,b,c)")


#: origins within this (fractions of the parent's axes) of a multiple of 1/48 are that multiple (:func:`relation_at`)
_ORIGIN_SLACK = 1e-5


def _on_origin_grid(p: np.ndarray) -> np.ndarray:
    """``p`` with each component within :data:`_ORIGIN_SLACK` of a multiple of 1/48 (every origin shift between two
    settings of a space group lies on that grid, but along a free polar axis) put on it, exactly."""
    steps = np.rint(p * 48)
    return np.where(np.abs(p * 48 - steps) < 48 * _ORIGIN_SLACK, steps / 48 + 0.0, p)  # (+ 0.0: never -0.0)


def relation_at(parent: Phase, child: Phase, P, p, *, tol: float = 0.08) -> Relation:
    """The relation parent ⊃ child at a basis change (P, p) the caller already knows (``x_parent = P·x_child + p``),
    not one searched for: ``pseudo`` moves a supergroup it built in the child's basis to its standard setting and
    keeps the placement it measured. Raises :class:`NotSubgroupError` when some child operation is not a parent
    operation there, or the lattices differ by more than ``tol`` (finite strain)."""
    P, given = np.asarray(P, dtype=float), np.asarray(p, dtype=float).reshape(3)
    G, H = parent.spacegroup, child.spacegroup
    for p in dict.fromkeys((_on_origin_grid(given).tobytes(), given.tobytes())):  # the exact origin first
        p = np.frombuffer(p).copy()
        mapped = H.symops.in_basis(np.linalg.inv(P), -np.linalg.solve(P, p), source=child.name)
        inside = G.symops.contains_many(mapped.rotations, mapped.translations)
        if inside.all():
            break
    if not np.all(inside):
        bad = int(np.flatnonzero(~inside)[0])
        raise NotSubgroupError(child.name, f"not a subgroup of {parent.name} at P = {basis_string(P)}, p = "
                                           f"{fmt_vector(p)}: child operation {mapped.triplets()[bad]} (parent "
                                           "setting) is not a parent operation")
    misfit = finite_strain_norm(P.T @ parent.cell.metric() @ P, child.cell.metric())
    if not misfit <= tol:
        raise NotSubgroupError(child.name, f"not a subgroup of {parent.name} within strain tolerance {tol}: the "
                                           f"lattices at P = {basis_string(P)} differ by {misfit:.4f}")
    return _relation(parent, child, P, p, misfit, tol,
                     (unique_matrices(G.symops.rotations), unique_matrices(H.symops.rotations)))


def _relation(parent: Phase, child: Phase, P, p, misfit: float, tol: float, rots, searched: bool = False) -> Relation:
    """The :class:`Relation` at a verified (P, p): indices, cosets, ferroic character (``rots``: the two groups'
    distinct rotations). ``searched``: (P, p) is the search's choice, of least strain (:func:`_own_axes_note`)."""
    G, H = parent.spacegroup, child.spacegroup
    name_c = child.name
    cent_p = G.symops.centring_vectors()
    n_rot_p, n_rot_c = len(rots[0]), len(rots[1])
    misfit = 0.0 if misfit < 1e-12 else float(misfit)  # identical lattices: exactly 0, never 1e-17 of rounding
    P = np.where(np.abs(P - np.round(P * 12) / 12) < 1e-9, np.round(P * 12) / 12, P)
    counts = _indices(P, n_rot_p // n_rot_c, len(cent_p), len(H.symops.centring_vectors()), name_c)

    cosets, texts = _cosets_in_order(G, H, P, p)
    warnings = []
    if len(cosets) != counts["index"]:
        warnings.append(WarningText("cosets_incomplete", name_c, f"found {len(cosets)} cosets for index "
                                    f"{counts['index']}; the coset list may be incomplete"))
    note = _own_axes_note(parent, child, P, misfit, tol) if searched and counts["index"] == 1 else None
    if note is not None:
        warnings.append(note)

    rel = Relation(parent=parent, child=child, P=P, p=p, **counts, **ferroic_character(G, H, P, parent.cell, rots),
                   lost_cosets=tuple(texts[1:]), lattice_misfit=misfit, tolerance=tol, warnings=tuple(warnings))
    rel.__dict__["_cosets"] = (cosets, texts)  # the cosets found above (cached_property's slot)
    return rel


def _indices(P: np.ndarray, point_index: int, n_cent_p: int, n_cent_c: int, source: str) -> dict:
    """The :class:`Relation` fields counting the relation, by name: ``index`` = i_P × i_L, ``point_index`` (i_P),
    ``lattice_index`` (i_L = |det P| × parent centrings / child centrings), ``kind`` and the numbers of orientation
    (i_P) and antiphase (i_L) domain states."""
    lattice_index = int(round(abs(np.linalg.det(P)) * n_cent_p / n_cent_c))
    if lattice_index < 1:
        raise NotSubgroupError(source, f"child lattice is finer than the parent's (det P = {np.linalg.det(P):.3f})")
    index = point_index * lattice_index
    kind = "t" if lattice_index == 1 else ("k" if point_index == 1 else "general")
    return {"index": index, "point_index": point_index, "lattice_index": lattice_index,
            "kind": "identity" if index == 1 else kind,
            "orientation_domains": point_index, "antiphase_domains": lattice_index}


def _cosets_in_order(parent: SpaceGroupInfo, child: SpaceGroupInfo, P, p):
    """The left cosets (``cosets.left_cosets``) and their parent-setting triplets: H first, then the lost cosets
    by the readability of their most readable member (the order of ``Relation.lost_cosets``). Remembered per
    distinct input (the two operation lists, P and p), as read-only arrays: a series relates the same groups again."""
    key = tuple(np.ascontiguousarray(a, dtype=float).tobytes() for a in (
        parent.rotations, parent.translations, child.rotations, child.translations, P, p))
    cosets, texts = _cosets_cached(key)
    return list(cosets), list(texts)


@lru_cache(maxsize=64)
def _cosets_cached(key: tuple) -> tuple[tuple, tuple]:
    Rp, tp, Rc, tc, P, p = (np.frombuffer(b) for b in key)
    parent, child = SymOps(Rp.reshape(-1, 3, 3), tp.reshape(-1, 3)), SymOps(Rc.reshape(-1, 3, 3), tc.reshape(-1, 3))
    P, p = P.reshape(3, 3), p.reshape(3)
    cosets = left_cosets(parent, child, P, p)
    same_lattice = round(abs(np.linalg.det(P)) * len(parent.centring_vectors()) / len(child.centring_vectors())) == 1
    texts = readable_cosets(cosets, P, p, same_lattice)
    order = [0] + sorted(range(1, len(cosets)), key=lambda k: op_readability(texts[k][0]))
    for c in cosets:
        for m in c:
            m.setflags(write=False)
    return tuple(tuple(cosets[k]) for k in order), tuple(texts[k] for k in order)


def _cell_str(c: Cell) -> str:
    return f"{c.a:.4f} {c.b:.4f} {c.c:.4f} {c.alpha:.2f} {c.beta:.2f} {c.gamma:.2f}"
