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

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache

import numpy as np

from .cosets import left_cosets, op_readability, readable_coset
from . import contract
from .errors import SymstrainInputError, WarningRecord
from .ops import TOL
from .notation import basis_string, fmt_vector, triplet as op_to_xyz
from .phase import Cell, Phase, SpaceGroupInfo, params_from_matrix
from .tensors import (
    cartesian_rotations,
    invariant_tensors,
    invariant_vectors,
    name_components,
    symmetry_breaking_subspace,
)

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
    #: parent reflection conditions the child breaks (``conditions.BrokenCondition.to_dict``): each a dict with
    #: "child_indexing" and "parent_indexing" ({zone, rule, absent, kind, operation}), "parent_text", "contained_in"
    broken_conditions: tuple[dict, ...] = ()
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

    @property
    def basis(self) -> str:
        """P written as the child basis in parent vectors, e.g. '(b, -a, c)'."""
        return basis_string(self.P)

    #: a Relation is a proof that the relation holds (a :class:`Refutation` is the answer "no")
    holds = True

    def require(self) -> "Relation":
        """This relation (a :class:`Refutation` raises here instead): for code that cannot go on without one."""
        return self

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


class NotSubgroupError(SymstrainInputError):
    """Raised by :meth:`Refutation.require` where a command cannot go on without a relation; carries the
    :class:`Refutation` (``refutation``), which the command line reports as the answer "no" (exit 1)."""

    def __init__(self, source, problem, refutation: "Refutation | None" = None):
        super().__init__(source, problem)
        self.refutation = refutation


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
        return (f"{self.reason}; the reverse holds: {self.parent.name} is a {self.reverse.kind} subgroup of index "
                f"{self.reverse.index} of {self.child.name} (swap PARENT and CHILD)")

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
            lines.append(f"the reverse holds: {self.parent.name} is a {self.reverse.kind} subgroup of index "
                         f"{self.reverse.index} of {self.child.name} (P = {self.reverse.basis}); swap PARENT and CHILD")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# small helpers on symmetry operations (R, t) acting on fractional column vectors
# ----------------------------------------------------------------------------------------------

def point_group_symbol(rots: np.ndarray) -> str:
    """H-M symbol of the point group of the rotation parts (any setting), via spglib."""
    R = np.unique(np.rint(np.asarray(rots, dtype=float)).astype(np.intc).reshape(-1, 3, 3), axis=0)
    found = _point_group(np.ascontiguousarray(R).tobytes(), len(R))
    if found is None:
        raise SymstrainInputError("operations", f"spglib finds no point group for these {len(R)} rotations")
    return found


@lru_cache(maxsize=256)
def _point_group(R_bytes: bytes, n: int) -> str | None:
    """spglib's point-group symbol of n distinct rotations (their intc bytes), remembered: a series asks again."""
    import spglib

    from .spacegroup import spglib_call

    found = spglib_call(spglib.get_pointgroup, np.frombuffer(R_bytes, dtype=np.intc).reshape(n, 3, 3).copy())
    return None if found is None else found[0].strip()


# ----------------------------------------------------------------------------------------------
# lattice correspondence
# ----------------------------------------------------------------------------------------------


def _lattice_candidates(
    parent: Cell, centring: np.ndarray, child: Cell, tol: float, source: str = "child"
) -> list[tuple[float, np.ndarray]]:
    """Every P (columns = child basis vectors in parent fractional units, parent-lattice vectors, det > 0)
    whose child metric matches ``child`` within finite strain ``tol``; sorted by misfit."""
    A_p = parent.matrix()
    G_c = child.metric()
    L_c = np.sqrt(np.diag(G_c))
    recip = np.linalg.norm(np.linalg.inv(A_p), axis=1)  # |a*_i|: |n_i| <= |v|·|a*_i|
    nmax = np.floor(L_c.max() * (1 + tol) * recip).astype(int) + 1
    if np.prod(2 * nmax + 1) * len(centring) > 2_000_000:
        raise SymstrainInputError(source, "child cell is too large a supercell of the parent to search")
    grids = np.meshgrid(*[np.arange(-n, n + 1) for n in nmax], indexing="ij")
    ints = np.stack([g.ravel() for g in grids], axis=1).astype(float)
    vecs = (ints[None, :, :] + centring[:, None, :]).reshape(-1, 3)
    vecs = vecs[np.any(np.abs(vecs) > 1e-9, axis=1)]
    lengths = np.linalg.norm(vecs @ A_p.T, axis=1)
    per_axis = []
    for i in range(3):
        ok = np.abs(lengths / L_c[i] - 1) <= tol
        per_axis.append(vecs[ok])
    if any(len(v) == 0 for v in per_axis):
        return []
    G_p = A_p.T @ A_p
    # pair (a, b) by γ, then add c: every triple (va, vb, vc) in the nested order of a, b, c, vectorised in blocks
    a_c, b_c, c_c = per_axis
    g0 = G_c / np.outer(L_c, L_c)
    ab = (a_c @ G_p @ b_c.T) / (L_c[0] * L_c[1])  # (n_a, n_b)
    ia, ib = np.nonzero(np.abs(ab - g0[0, 1]) <= 2 * tol)
    if not len(ia):
        return []
    ac = (a_c @ G_p @ c_c.T) / (L_c[0] * L_c[2])  # (n_a, n_c)
    bc = (b_c @ G_p @ c_c.T) / (L_c[1] * L_c[2])  # (n_b, n_c)
    out = []
    block = max(1, 2_000_000 // max(1, len(c_c)))
    for s0 in range(0, len(ia), block):
        pa, pb = ia[s0:s0 + block], ib[s0:s0 + block]
        ok = (np.abs(ac[pa] - g0[0, 2]) <= 2 * tol) & (np.abs(bc[pb] - g0[1, 2]) <= 2 * tol)
        k, ic = np.nonzero(ok)  # row-major: pairs in order, then c in order
        if not len(k):
            continue
        Ps = np.stack([a_c[pa[k]], b_c[pb[k]], c_c[ic]], axis=2)  # (m, 3, 3), columns va, vb, vc
        d = np.linalg.det(Ps)
        Ps = Ps[d >= 1e-6]
        if not len(Ps):
            continue
        misfit = finite_strain_norms(np.einsum("mji,jk,mkl->mil", Ps, G_p, Ps), G_c)
        keep = misfit <= tol
        out += list(zip(misfit[keep].tolist(), Ps[keep]))
    return out


def finite_strain_norms(G0: np.ndarray, G: np.ndarray) -> np.ndarray:
    """:func:`finite_strain_norm` of a stack of metrics G0 (m, 3, 3) against one G."""
    L = np.linalg.cholesky(G0)
    Li = np.linalg.inv(L)
    E = 0.5 * (Li @ G @ np.swapaxes(Li, 1, 2) - np.eye(3))
    return np.max(np.abs(np.linalg.eigvalsh(E)), axis=1)


def finite_strain_norm(G0: np.ndarray, G: np.ndarray) -> float:
    """Largest |eigenvalue| of the Green–Lagrange strain taking metric G0 to metric G."""
    return float(finite_strain_norms(np.asarray(G0, dtype=float)[None], G)[0])


def _preference(P: np.ndarray) -> tuple:
    """Tie-break among equivalent correspondences: simplest, closest to identity, columns pointing forward."""
    signs = []
    for j in range(3):
        col = P[:, j]
        nz = col[np.abs(col) > 1e-9]
        signs.append(0 if nz[0] > 0 else 1)
    return (
        round(float(np.abs(P).sum()), 6),
        -round(float(np.trace(P)), 6),
        tuple(signs),
        tuple(-np.round(P.T.ravel(), 6)),
    )


# ----------------------------------------------------------------------------------------------
# operation check
# ----------------------------------------------------------------------------------------------

_ORIGIN_GRID = 24  # origin shifts searched on a 1/24 grid: covers 1/2, 1/3, 1/4, 1/6, 1/8 (d-glides)
#: the grid k (origins k/24), as floats (exact small integers, for BLAS products)
_ORIGIN_K = np.stack(np.meshgrid(*[np.arange(_ORIGIN_GRID, dtype=float)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
_ORIGIN_K.setflags(write=False)


def _map_child_ops(P: np.ndarray, child: SpaceGroupInfo):
    """Child rotations in the parent basis, W_p = P W_c P⁻¹, and the child translations P·w_c."""
    Pi = np.linalg.inv(P)
    W = np.einsum("ij,njk,kl->nil", P, child.rotations.astype(float), Pi)
    return W, child.translations @ P.T


def _find_origin(P: np.ndarray, parent: SpaceGroupInfo, child: SpaceGroupInfo):
    """Origin shifts p making every child op a parent op, or (None, reason). Vectorised over a p grid."""
    G = parent.symops
    W, tw = _map_child_ops(P, child)
    Wi = np.round(W)
    bad = np.max(np.abs(W - Wi), axis=(1, 2)) > 1e-6
    in_point_group = G.has_rotations(Wi)
    for n in range(len(W)):
        if bad[n] or not in_point_group[n]:
            return None, (
                f"child operation {op_to_xyz(child.rotations[n], child.translations[n])} has rotation part "
                f"{op_to_xyz(Wi[n] if not bad[n] else W[n], np.zeros(3))} in the parent basis, "
                "which is not a rotation of the parent point group"
            )
    n_grid = _ORIGIN_GRID
    W_int = Wi.astype(np.int64)
    I_W = np.eye(3)[None] - Wi
    own = G.rotations.astype(np.int64)

    def targets(n: int) -> np.ndarray:
        """(m, 3) integers mod 24: the right sides 24·(t − P w_c) for the parent operations (W, t) of the child
        operation's rotation, kept where they are integral within the tolerance of the operations."""
        t = G.translations[np.all(own == W_int[n], axis=(1, 2))]
        m = n_grid * (t - tw[n])
        mi = np.rint(m)
        return mi[np.all(np.abs(m - mi) < TOL * n_grid, axis=1)] % n_grid

    def code(v: np.ndarray) -> np.ndarray:
        return (v[:, 0] * n_grid + v[:, 1]) * n_grid + v[:, 2]

    def solutions(n: int, k: np.ndarray) -> np.ndarray:
        """(len(k),) bool: with p = k/24, is w_p(p) = P w_c + p − W p a parent translation for the rotation W
        (mod 1)? That is (I − W)·k ≡ 24·(t − P w_c) (mod 24) for a parent operation (W, t)."""
        want = code(targets(n))
        if not len(want) or not len(k):
            return np.zeros(len(k), dtype=bool)
        got = code((k @ I_W[n].T) % n_grid)  # exact: small integers in float64
        return (got[:, None] == want[None, :]).any(axis=1) if len(want) < 16 else np.isin(got, want)

    def first(n: int) -> np.ndarray:
        """Every grid k (sorted like the grid) that serves operation n: axis by axis when I − W is diagonal."""
        M = I_W[n]
        if np.any(M - np.diag(np.diag(M))):
            return _ORIGIN_K[solutions(n, _ORIGIN_K)]
        axis = np.arange(n_grid, dtype=float)
        found = [np.stack(np.meshgrid(*[axis[(d * axis - m) % n_grid == 0] for d, m in zip(np.diag(M), row)],
                                      indexing="ij"), axis=-1).reshape(-1, 3) for row in targets(n)]
        if not found:
            return np.zeros((0, 3))
        k = np.concatenate(found)
        return k[np.unique(code(k), return_index=True)[1]]

    def sift(order):
        """Grid points k (origins k/24, in grid order) that make the operations ``order`` parent operations,
        tested in that order, and the first operation that left none (None when some are left)."""
        order = list(order)
        k = first(order[0])
        if not len(k):
            return k, order[0]
        for n in order[1:]:
            k = k[solutions(n, k)]
            if not len(k):
                return k, n
        return k, None

    # the set of origins that work does not depend on the order of the tests: the operations that pin p most
    # (largest rank of I − W: the inversion fixes all three coordinates) go first and leave few origins for the rest
    rank = np.linalg.matrix_rank(I_W)
    k, failed = sift(np.argsort(-rank, kind="stable"))
    if failed is not None:
        _, n = sift(range(len(W)))  # the file's order names the operation at fault, as it always has
        return None, (
            f"child operation {op_to_xyz(child.rotations[n], child.translations[n])} maps to "
            f"{op_to_xyz(Wi[n], tw[n] % 1)} in the parent basis, which is not a parent operation for any "
            "origin shift compatible with the other child operations"
        )
    cands = k / n_grid
    centred = cands - np.round(cands)  # nearest-origin representative in (−1/2, 1/2]
    best = cands[np.argmin(np.linalg.norm(centred, axis=1) + 1e-9 * np.arange(len(cands)))]
    best = best - np.round(best)
    best[np.isclose(best, -0.5)] = 0.5
    return best + 0.0, None


# ----------------------------------------------------------------------------------------------
# cosets, tensor invariants, descriptions
# ----------------------------------------------------------------------------------------------


def _describe_elements(rots_parent_basis: np.ndarray, G_parent: np.ndarray) -> str:
    """Point-group elements of the child written in the parent basis, e.g. '2 ∥ [010], m ⊥ [010]'."""
    W = np.unique(np.rint(rots_parent_basis).astype(np.int64), axis=0)
    return _describe_rotations(W.tobytes(), len(W))


@lru_cache(maxsize=256)
def _describe_rotations(W_bytes: bytes, n: int) -> str:
    """:func:`_describe_elements` of n distinct integer rotations (their bytes); the same point group in the same
    orientation comes back in every relation of a series."""
    parts = []
    for W in np.frombuffer(W_bytes, dtype=np.int64).reshape(n, 3, 3):
        det = round(np.linalg.det(W))
        Wp = W * det
        tr = round(np.trace(Wp))
        order = {3: 1, -1: 2, 0: 3, 1: 4, 2: 6}.get(tr, 0)
        if order == 1:
            if det == -1:
                parts.append("-1")
            continue
        vals, vecs = np.linalg.eig(Wp)
        axis = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
        axis = axis / np.max(np.abs(axis))
        axis = np.round(axis * 6) / 6
        ints = axis * np.lcm.reduce([Fraction(x).limit_denominator(6).denominator for x in axis])
        if ints[np.nonzero(np.round(ints))[0][0]] < 0:
            ints = -ints
        d = "[" + "".join(str(int(round(x))) if x >= 0 else f"-{int(round(-x))}" for x in ints) + "]"
        if det == 1:
            parts.append(f"{order} ∥ {d}")
        elif order == 2:
            parts.append(f"m ⊥ {d}")
        else:
            parts.append(f"-{order} ∥ {d}")
    return ", ".join(sorted(set(parts), key=lambda s: (len(s), s))) or "1"


# ----------------------------------------------------------------------------------------------
# the public function
# ----------------------------------------------------------------------------------------------


def relate(parent: Phase, child: Phase, *, tol: float = 0.08, check_reverse: bool = True) -> Relation | Refutation:
    """Verify that ``child``'s space group is a subgroup of ``parent``'s, in the settings of the two files.

    ``tol`` is the largest finite (Green–Lagrange) strain accepted between the child cell and the parent
    lattice mapped by P (default 0.08, enough for ~5 % spontaneous strains). Returns a :class:`Relation` when the
    relation holds, else a :class:`Refutation` saying why (and, with ``check_reverse``, whether the reverse order
    holds). Both have ``holds`` and ``require()``; bad input (a tolerance out of range) raises
    :class:`SymstrainInputError`.
    """
    if not (0 < tol < 0.5):
        raise SymstrainInputError("--tol", f"tolerance {tol} must be between 0 and 0.5")
    try:
        return _relate(parent, child, tol)
    except NotSubgroupError as exc:
        reverse = None
        if check_reverse:
            try:
                reverse = _relate(child, parent, tol)
            except NotSubgroupError:
                reverse = None
        return Refutation(parent, child, exc.problem, reverse, tol)


def _relate(parent: Phase, child: Phase, tol: float) -> Relation:
    """:func:`relate` for a relation that holds; raises :class:`NotSubgroupError` with the reason otherwise."""
    G, H = parent.spacegroup, child.spacegroup
    name_c = child.name
    ops_p, ops_c = G.symops, H.symops
    cent_p = ops_p.centring_vectors()
    cands = _lattice_candidates(parent.cell, cent_p, child.cell, tol, source=name_c)
    if not cands:
        raise NotSubgroupError(
            name_c,
            f"not a subgroup of {parent.name}: no parent-lattice vectors match the child cell "
            f"{_cell_str(child.cell)} within strain tolerance {tol} (parent cell {_cell_str(parent.cell)})",
        )
    cands.sort(key=lambda mp: (round(mp[0], 4),) + _preference(mp[1]))
    rot_p, rot_c = ops_p.unique_rotations(), ops_c.unique_rotations()
    n_rot_p, n_rot_c = len(rot_p), len(rot_c)
    if n_rot_p % n_rot_c:
        raise NotSubgroupError(
            name_c,
            f"not a subgroup of {parent.name}: child point group ({point_group_symbol(H.rotations)}, order {n_rot_c}) "
            f"does not divide the parent's ({point_group_symbol(G.rotations)}, order {n_rot_p})",
        )
    reasons = []
    found = None
    for misfit, P in cands:
        p, why = _find_origin(P, G, H)
        if p is not None:
            found = (misfit, P, p)
            break
        reasons.append(why)
    if found is None:
        raise NotSubgroupError(
            name_c,
            f"not a subgroup of {parent.name} ({G.hm}): in all {len(cands)} lattice correspondences within "
            f"tolerance, some child operation is not a parent operation; e.g. for P = {basis_string(cands[0][1])}: "
            f"{reasons[0]}",
        )
    misfit, P, p = found
    P = np.where(np.abs(P - np.round(P * 12) / 12) < 1e-9, np.round(P * 12) / 12, P)

    n_cent_p = len(cent_p)
    n_cent_c = len(ops_c.centring_vectors())
    lattice_index = int(round(abs(np.linalg.det(P)) * n_cent_p / n_cent_c))
    point_index = n_rot_p // n_rot_c
    index = point_index * lattice_index
    if lattice_index < 1:
        raise NotSubgroupError(name_c, f"child lattice is finer than the parent's (det P = {np.linalg.det(P):.3f})")
    kind = "t" if lattice_index == 1 else ("k" if point_index == 1 else "general")
    if index == 1:
        kind = "identity"

    cosets, texts = cosets_raw, texts_raw = _cosets_in_order(G, H, P, p)
    lost = tuple(texts[1:])
    warnings = []
    if len(cosets) != index:
        warnings.append(f"found {len(cosets)} cosets for index {index}; the coset list may be incomplete")

    # point groups and tensors: the ideal (unstrained) child lattice = parent lattice mapped by P
    pg_p, pg_c = point_group_symbol(G.rotations), point_group_symbol(H.rotations)
    A_p = parent.cell.matrix()
    ideal_child = Cell(*params_from_matrix(A_p @ P))
    A_c = ideal_child.matrix()
    Pi = np.linalg.inv(P)
    rot_p_in_child = np.round(np.einsum("ij,njk,kl->nil", Pi, rot_p.astype(float), P), 9)
    rot_c = rot_c.astype(float)
    # parent rotations that are not integer in the child basis still act on tensors: use them as given
    inv_c = invariant_tensors(cartesian_rotations(rot_c, A_c))
    inv_p = invariant_tensors(cartesian_rotations(rot_p_in_child, A_c))
    sb = symmetry_breaking_subspace(inv_c, inv_p)
    inv_p_parent = invariant_tensors(cartesian_rotations(rot_p, A_p))
    rot_c_in_parent = np.einsum("ij,njk,kl->nil", P, rot_c, Pi)
    inv_c_parent = invariant_tensors(cartesian_rotations(rot_c_in_parent, A_p))
    sb_parent = symmetry_breaking_subspace(inv_c_parent, inv_p_parent)
    ferroelastic = len(inv_c) > len(inv_p)
    ferroelectric = invariant_vectors(cartesian_rotations(rot_c, A_c)) > invariant_vectors(cartesian_rotations(rot_p_in_child, A_c))

    from .conditions import reflection_conditions

    broken = tuple(bc.to_dict() for bc in reflection_conditions(G, H, P, p))

    rel = Relation(
        parent=parent,
        child=child,
        P=P,
        p=p,
        index=index,
        point_index=point_index,
        lattice_index=lattice_index,
        kind=kind,
        parent_point_group=pg_p,
        child_point_group=pg_c,
        lost_cosets=lost,
        orientation_domains=point_index,
        antiphase_domains=lattice_index,
        aizu=f"{pg_p}F{pg_c}",
        ferroelastic=bool(ferroelastic),
        ferroelectric=bool(ferroelectric),
        symmetry_breaking_strain=name_components(sb),
        non_symmetry_breaking_strain=name_components(inv_p),
        lattice_misfit=misfit,
        orientation="child point group in the parent basis: "
        + _describe_elements(np.einsum("ij,njk,kl->nil", P, rot_c, Pi), parent.cell.metric()),
        symmetry_breaking_strain_parent_frame=name_components(sb_parent),
        tolerance=tol,
        broken_conditions=broken,
        warnings=tuple(warnings),
    )
    rel.__dict__["_cosets"] = (cosets_raw, texts_raw)  # the cosets found above (cached_property's slot)
    return rel


def _cosets_in_order(parent: SpaceGroupInfo, child: SpaceGroupInfo, P, p):
    """The left cosets (``cosets.left_cosets``) and their parent-setting triplets: H first, then the lost cosets
    by the readability of their most readable member (the order of ``Relation.lost_cosets``)."""
    cosets = left_cosets(parent.symops, child.symops, P, p)
    texts = [readable_coset(c, P, p) for c in cosets]
    order = [0] + sorted(range(1, len(cosets)), key=lambda k: op_readability(texts[k][0]))
    return [cosets[k] for k in order], [texts[k] for k in order]


def _cell_str(c: Cell) -> str:
    return f"{c.a:.4f} {c.b:.4f} {c.c:.4f} {c.alpha:.2f} {c.beta:.2f} {c.gamma:.2f}"
