"""What a group–subgroup relation implies for the crystal: point groups, Aizu species, ferroic character, strain.

What lives here: :func:`point_group_symbol` (H-M symbol of a set of rotations, via spglib), :func:`ferroic_character`
— the fields of a :class:`~symstrain.relation.Relation` that follow from the two point groups and P: the point-group
symbols, the Aizu species, whether the transition is ferroelastic (the child allows more independent strain
components) and ferroelectric (more polar directions), the symmetry-breaking and non-symmetry-breaking strain
components (child and parent Cartesian frames) and the orientation of the child point group in the parent basis.
What does not: finding P and p (``correspondence.py``), the tensor algebra itself (``tensors.py``), domain states
(``domains.py``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

from . import lattice
from .errors import SymstrainInputError
from .matrix_exact import inverse
from .ops import rotations_closed
from .phase import Cell, SpaceGroupInfo
from .tensors import (
    cartesian_rotations,
    invariant_projectors,
    invariant_tensors,
    invariant_vectors,
    name_components,
    subspace_names,
    symmetry_breaking_subspace,
)


def unique_matrices(R: np.ndarray) -> np.ndarray:
    """``np.unique(R, axis=0)`` of integer matrices (n, 3, 3): the distinct ones, sorted lexicographically, in R's
    dtype; by one integer code per matrix (digits base 2·max|R| + 1, an order-preserving code), ~7× faster."""
    R = np.asarray(R)
    n = len(R)
    F = R.reshape(n, 9).astype(np.int64)
    m = int(np.abs(F).max()) if n else 0
    if n == 0 or 2 * m + 1 > 127:  # the code would not fit in 63 bits
        return np.unique(R, axis=0)
    code = (F + m) @ ((2 * m + 1) ** np.arange(8, -1, -1, dtype=np.int64))
    return R[np.unique(code, return_index=True)[1]]


def point_group_symbol(rots: np.ndarray) -> str:
    """H-M symbol of the point group of the rotation parts (any setting), via spglib."""
    R = unique_matrices(np.rint(np.asarray(rots, dtype=float)).astype(np.intc).reshape(-1, 3, 3))
    found = _point_group(np.ascontiguousarray(R).tobytes(), len(R))
    if found is None:
        raise SymstrainInputError("operations", f"spglib finds no point group for these {len(R)} rotations")
    return found


@lru_cache(maxsize=256)
def _point_group(R_bytes: bytes, n: int) -> str | None:
    """spglib's point-group symbol of n distinct rotations (their intc bytes), remembered: a series asks again.
    spglib names the class by how many rotations of each type (det, trace) the set has; where those counts are a
    class's (:data:`_CLASSES`) the symbol is read from the table (no spglib call), else spglib is asked."""
    R = np.frombuffer(R_bytes, dtype=np.intc).reshape(n, 3, 3)
    counts = [0] * 10
    for W in R.tolist():
        k = _ROTATION_TYPE.get((_det3(W), W[0][0] + W[1][1] + W[2][2]))
        if k is None:
            break
        counts[k] += 1
    else:
        found = _CLASSES.get(tuple(counts))
        if found is not None:
            return found
    import spglib

    from .spacegroup import spglib_call

    found = spglib_call(spglib.get_pointgroup, R.copy())
    return None if found is None else found[0].strip()


#: rotation type (−6, −4, −3, −2, −1, 1, 2, 3, 4, 6 as 0…9) by (determinant, trace)
_ROTATION_TYPE = {(-1, -2): 0, (-1, -1): 1, (-1, 0): 2, (-1, 1): 3, (-1, -3): 4,
                  (1, 3): 5, (1, -1): 6, (1, 0): 7, (1, 1): 8, (1, 2): 9}
#: the 32 crystal classes by their numbers of rotations of each type (−6, −4, −3, −2, −1, 1, 2, 3, 4, 6), with
#: spglib's symbols (ITA Table 10.1.2.2; every setting of gemmi's table gives spglib's symbol, tested)
_CLASSES = {
    (0, 0, 0, 0, 0, 1, 0, 0, 0, 0): "1", (0, 0, 0, 0, 1, 1, 0, 0, 0, 0): "-1", (0, 0, 0, 0, 0, 1, 1, 0, 0, 0): "2",
    (0, 0, 0, 1, 0, 1, 0, 0, 0, 0): "m", (0, 0, 0, 1, 1, 1, 1, 0, 0, 0): "2/m", (0, 0, 0, 0, 0, 1, 3, 0, 0, 0): "222",
    (0, 0, 0, 2, 0, 1, 1, 0, 0, 0): "mm2", (0, 0, 0, 3, 1, 1, 3, 0, 0, 0): "mmm", (0, 0, 0, 0, 0, 1, 1, 0, 2, 0): "4",
    (0, 2, 0, 0, 0, 1, 1, 0, 0, 0): "-4", (0, 2, 0, 1, 1, 1, 1, 0, 2, 0): "4/m", (0, 0, 0, 0, 0, 1, 5, 0, 2, 0): "422",
    (0, 0, 0, 4, 0, 1, 1, 0, 2, 0): "4mm", (0, 2, 0, 2, 0, 1, 3, 0, 0, 0): "-42m",
    (0, 2, 0, 5, 1, 1, 5, 0, 2, 0): "4/mmm", (0, 0, 0, 0, 0, 1, 0, 2, 0, 0): "3", (0, 0, 2, 0, 1, 1, 0, 2, 0, 0): "-3",
    (0, 0, 0, 0, 0, 1, 3, 2, 0, 0): "32", (0, 0, 0, 3, 0, 1, 0, 2, 0, 0): "3m", (0, 0, 2, 3, 1, 1, 3, 2, 0, 0): "-3m",
    (0, 0, 0, 0, 0, 1, 1, 2, 0, 2): "6", (2, 0, 0, 1, 0, 1, 0, 2, 0, 0): "-6", (2, 0, 2, 1, 1, 1, 1, 2, 0, 2): "6/m",
    (0, 0, 0, 0, 0, 1, 7, 2, 0, 2): "622", (0, 0, 0, 6, 0, 1, 1, 2, 0, 2): "6mm",
    (2, 0, 0, 4, 0, 1, 3, 2, 0, 0): "-6m2", (2, 0, 2, 7, 1, 1, 7, 2, 0, 2): "6/mmm",
    (0, 0, 0, 0, 0, 1, 3, 8, 0, 0): "23", (0, 0, 8, 3, 1, 1, 3, 8, 0, 0): "m-3", (0, 0, 0, 0, 0, 1, 9, 8, 6, 0): "432",
    (0, 6, 0, 6, 0, 1, 3, 8, 0, 0): "-43m", (0, 6, 8, 9, 1, 1, 9, 8, 6, 0): "m-3m",
}


def describe_elements(rots_parent_basis: np.ndarray, G_parent: np.ndarray) -> str:
    """Point-group elements of the child written in the parent basis, e.g. '2 ∥ [010], m ⊥ [010]'."""
    W = unique_matrices(np.rint(rots_parent_basis).astype(np.int64))
    return _describe_rotations(W.tobytes(), len(W))


@lru_cache(maxsize=256)
def _describe_rotations(W_bytes: bytes, n: int) -> str:
    """:func:`describe_elements` of n distinct integer rotations (their bytes); the same point group in the same
    orientation comes back in every relation of a series. In Python integers (3×3 matrices: a numpy call per
    determinant, trace and power cost more than the arithmetic)."""
    parts = []
    for W in np.frombuffer(W_bytes, dtype=np.int64).reshape(n, 3, 3).tolist():
        det = _det3(W)
        Wp = [[x * det for x in row] for row in W]
        tr = Wp[0][0] + Wp[1][1] + Wp[2][2]
        order = {3: 1, -1: 2, 0: 3, 1: 4, 2: 6}.get(tr, 0)
        if order == 1:
            if det == -1:
                parts.append("-1")
            continue
        ints = _axis(Wp, order)
        d = "[" + "".join(str(int(round(x))) if x >= 0 else f"-{int(round(-x))}" for x in ints) + "]"
        if det == 1:
            parts.append(f"{order} ∥ {d}")
        elif order == 2:
            parts.append(f"m ⊥ {d}")
        else:
            parts.append(f"-{order} ∥ {d}")
    return ", ".join(sorted(set(parts), key=lambda s: (len(s), s))) or "1"


def _det3(W) -> int:
    """Determinant of an integer 3×3 matrix (nested lists)."""
    (a, b, c), (d, e, f), (g, h, i) = W
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)


def _axis(Wp, order: int):
    """The axis of a proper rotation ``Wp`` (integer 3×3, nested lists) of the given order as the primitive integer
    vector whose first non-zero entry is positive: a column of Σ_k Wp^k, the projector (times the order) onto the
    axis, divided by its entries' gcd; the eigenvector of eigenvalue 1, scaled, when that sum is not of rank one."""
    S = [[int(i == j) for j in range(3)] for i in range(3)]
    Wk = S
    for _ in range(order - 1):
        Wk = [[sum(Wk[i][m] * Wp[m][j] for m in range(3)) for j in range(3)] for i in range(3)]
        S = [[S[i][j] + Wk[i][j] for j in range(3)] for i in range(3)]
    sums = [sum(abs(S[i][j]) for i in range(3)) for j in range(3)]
    jc = sums.index(max(sums))
    col = [S[i][jc] for i in range(3)]
    mags = [abs(x) for x in col]
    r = mags.index(max(mags))
    if order > 1 and col[r] and all(S[i][j] * col[r] == col[i] * S[r][j] for i in range(3) for j in range(3)):
        g = math.gcd(*col)
        ints = [x // g for x in col]
        return [-x for x in ints] if next(x for x in ints if x) < 0 else ints
    vals, vecs = np.linalg.eig(np.array(Wp, dtype=float))
    axis = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    axis = axis / np.max(np.abs(axis))
    axis = np.round(axis * 6) / 6
    ints = axis * np.lcm.reduce([Fraction(x).limit_denominator(6).denominator for x in axis])
    return -ints if ints[np.nonzero(np.round(ints))[0][0]] < 0 else ints


def ferroic_character(parent: SpaceGroupInfo, child: SpaceGroupInfo, P: np.ndarray, parent_cell: Cell,
                      rotations: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """The fields of a :class:`~symstrain.relation.Relation` that follow from the two point groups and P (child basis
    = parent basis · P), by field name: ``parent_point_group``, ``child_point_group``, ``aizu``, ``ferroelastic``,
    ``ferroelectric``, ``symmetry_breaking_strain``, ``non_symmetry_breaking_strain`` (child Cartesian frame),
    ``symmetry_breaking_strain_parent_frame`` and ``orientation``. Tensors are taken on the ideal (unstrained) child
    lattice, the parent lattice mapped by P. Remembered per distinct input (the rotations, P and the parent cell):
    every relation of a series asks again. ``rotations``: the two groups' ``unique_rotations()`` when the caller has
    them already."""
    rot_p, rot_c = rotations or (parent.symops.unique_rotations(), child.symops.unique_rotations())
    A_p = np.ascontiguousarray(parent_cell.matrix(), dtype=float)
    P = np.ascontiguousarray(P, dtype=float)
    return dict(_ferroic_cached(np.ascontiguousarray(rot_p, dtype=np.int64).tobytes(),
                                np.ascontiguousarray(rot_c, dtype=np.int64).tobytes(), P.tobytes(), A_p.tobytes()))


@lru_cache(maxsize=256)
def _ferroic_cached(rot_p_bytes: bytes, rot_c_bytes: bytes, P_bytes: bytes, A_p_bytes: bytes) -> tuple:
    """:func:`ferroic_character` of distinct rotations (int64 bytes), P and the parent cell matrix (float bytes),
    as (name, value) pairs."""
    rot_p = np.frombuffer(rot_p_bytes, dtype=np.int64).reshape(-1, 3, 3)
    rot_c = np.frombuffer(rot_c_bytes, dtype=np.int64).reshape(-1, 3, 3).astype(float)
    P = np.frombuffer(P_bytes).reshape(3, 3)
    A_p = np.frombuffer(A_p_bytes).reshape(3, 3)
    # distinct rotations already (the caller's unique_rotations()): named without point_group_symbol's unique
    pg_p, pg_c = (_point_group(np.ascontiguousarray(R, dtype=np.intc).tobytes(), len(R)) for R in (rot_p, rot_c))
    if pg_p is None or pg_c is None:
        pg_p, pg_c = point_group_symbol(rot_p), point_group_symbol(rot_c)  # raises, naming the rotations
    A_c = lattice.cell_matrix(lattice.params_from_matrix(A_p @ P), "cstar")  # = Cell(*params).matrix()
    Pi = inverse(P)
    # parent rotations that are not integer in the child basis still act on tensors: use them as given
    rot_p_in_child = np.round(np.einsum("ij,njk,kl->nil", Pi, rot_p.astype(float), P), 9)
    rot_c_in_parent = np.einsum("ij,njk,kl->nil", P, rot_c, Pi)
    fields = None
    if rotations_closed(rot_p) and rotations_closed(rot_c):  # the usual case: projectors onto the invariants (no SVD)
        fields = _tensor_fields_of_groups(rot_p, rot_c, rot_p_in_child, rot_c_in_parent, A_p, A_c)
    if fields is None:
        fields = _tensor_fields(rot_p, rot_c, rot_p_in_child, rot_c_in_parent, A_p, A_c)
    return tuple({
        "parent_point_group": pg_p,
        "child_point_group": pg_c,
        "aizu": f"{pg_p}F{pg_c}",
        **fields,
        "orientation": "child point group in the parent basis: "
        + describe_elements(rot_c_in_parent, A_p.T @ A_p),
    }.items())


def _tensor_fields(rot_p, rot_c, rot_p_in_child, rot_c_in_parent, A_p, A_c) -> dict:
    """The ferroic and strain fields of :func:`ferroic_character` from bases of the invariant tensors (SVD): for any
    sets of rotations (``rot_*`` (n, 3, 3) float; child-frame ones on the cell A_c, parent-frame ones on A_p)."""
    inv_c = invariant_tensors(cartesian_rotations(rot_c, A_c))
    inv_p = invariant_tensors(cartesian_rotations(rot_p_in_child, A_c))
    sb_parent = symmetry_breaking_subspace(invariant_tensors(cartesian_rotations(rot_c_in_parent, A_p)),
                                           invariant_tensors(cartesian_rotations(rot_p, A_p)))
    polar_c = invariant_vectors(cartesian_rotations(rot_c, A_c))
    polar_p = invariant_vectors(cartesian_rotations(rot_p_in_child, A_c))
    return {
        "ferroelastic": bool(len(inv_c) > len(inv_p)),
        "ferroelectric": bool(polar_c > polar_p),
        "symmetry_breaking_strain": name_components(symmetry_breaking_subspace(inv_c, inv_p)),
        "non_symmetry_breaking_strain": name_components(inv_p),
        "symmetry_breaking_strain_parent_frame": name_components(sb_parent),
    }


def _tensor_fields_of_groups(rot_p, rot_c, rot_p_in_child, rot_c_in_parent, A_p, A_c) -> dict | None:
    """:func:`_tensor_fields` where ``rot_p`` and ``rot_c`` are groups (their conjugates too) of isometries of the cells
    (None when they are not, e.g. an orthorhombic pseudo-symmetry of a monoclinic cell): the invariant tensors of
    a group are the column space of its averaging projector (``tensors.invariant_projectors``, all four at once),
    their number its trace, the symmetry-breaking ones the column space of child projector − parent projector; the
    polar directions number the mean trace of the rotations (the character formula: dim of the fixed vectors)."""
    n_c, n_p = len(rot_c), len(rot_p)
    S = np.concatenate([cartesian_rotations(np.concatenate([rot_c, rot_p_in_child]), A_c),
                        cartesian_rotations(np.concatenate([rot_c_in_parent, rot_p]), A_p)])
    if np.abs(S @ np.swapaxes(S, 1, 2) - np.eye(3)).max() > 1e-9:
        return None  # not isometries of the cells (a pseudo-symmetric parent): the projectors are not orthogonal
    cc, pc, cp, pp = invariant_projectors(S, [n_c, n_p, n_c, n_p])
    tr = lambda R: int(round(np.trace(R, axis1=1, axis2=2).sum() / len(R)))  # noqa: E731
    return {
        "ferroelastic": bool(round(np.trace(cc)) > round(np.trace(pc))),
        "ferroelectric": bool(tr(rot_c) > tr(rot_p)),
        "symmetry_breaking_strain": subspace_names(cc - pc),
        "non_symmetry_breaking_strain": subspace_names(pc),
        "symmetry_breaking_strain_parent_frame": subspace_names(cp - pp),
    }
