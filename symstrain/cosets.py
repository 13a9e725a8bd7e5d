"""Left coset decomposition G = g₀H ∪ g₁H ∪ … of a parent space group by a subgroup, and its text.

What lives here: :func:`left_cosets` (every left coset g·H of the child group H in the parent group G under a
lattice correspondence (P, p), each listed once, with one member per child operation) and
:func:`readable_coset` (a coset as parent-setting xyz triplets). Finding (P, p) and everything else about a
relation lives in ``relation.py``; membership and closure of operation sets in ``ops.py``.

Conventions (as in ``relation.py``)
-----------------------------------
* child basis = parent basis · P, x_parent = P·x_child + p; an operation (W, w) acts as x' = W·x + w.
* A coset g·H is infinite (H holds the child lattice translations T_H); it is listed as the |H| operations
  g·h, h running over the child operations (centring included) modulo T_H. Right-multiplying g·h = (W, w) by
  a child translation n gives (W, w + W·n): a member is fixed modulo the lattice W·T_H, which is the child
  lattice only when W keeps it. Members are therefore reduced modulo W·T_H: translations in [0, 1) of the
  child cell when W is an integer matrix in the child basis, else (parent coordinates) into the box
  [0, d₁)×[0, d₂)×[0, d₃) of the Hermite basis of the lattice R·P·Z³.
  Reducing modulo the child lattice after the rotation (x → x + n on the left) would move a member into
  another coset whenever W does not keep the child lattice.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from .errors import SymstrainInputError
from .matrix_exact import inverse, unimodular_inverses
from .notation import triplet_text
from .ops import CODE_DEN, SymOps, TOL, denominators, lattice_basis, reduce_into_cell
from .ops import _rotation_codes

#: the coset search handles at most this many products g·h (parent operations × lattice shifts × child operations)
_MAX_PRODUCTS = 20_000_000


def affine_matrix(P: np.ndarray, p: np.ndarray) -> np.ndarray:
    """4×4 augmented matrix of the change of coordinates x_parent = P·x_child + p."""
    M = np.eye(4)
    M[:3, :3] = P
    M[:3, 3] = p
    return M


def _affine_inverse(Pi: np.ndarray, p: np.ndarray) -> np.ndarray:
    """4×4 inverse of :func:`affine_matrix` (P, p) from P⁻¹: x_child = P⁻¹·x_parent − P⁻¹·p."""
    return affine_matrix(Pi, -(Pi @ p))


def _op4(R, t) -> np.ndarray:
    M = np.eye(4)
    M[:3, :3] = R
    M[:3, 3] = t
    return M


#: products g·h labelled at once (memory of one block: ~300 bytes each): the candidates and the child's operations
#: both grow with a supercell whose group lists its extra translations, their products with its square
_LABEL_BLOCK = 4_096


def _coset_labels(gR, gt, HR, Ht, P) -> np.ndarray:
    """(m,) int label of the coset g·H of each candidate g = (gR, gt) (parent coordinates): equal ⇔ same coset.

    The right class x·T_H of x = (R, t) is coded by (R, P⁻¹R⁻¹t mod 1) as one int64 (the rotation's rank among the
    distinct products' rotations, then the translation's code); a coset's label is the smallest class code among its
    members g·h, so every g of one coset gets the same label. The products are made for blocks of candidates
    (:data:`_LABEL_BLOCK` products at a time), so memory does not grow with m·|H|.
    """
    m, n = len(gR), len(HR)
    rows = max(1, _LABEL_BLOCK // max(n, 1))
    table = None
    if rows < m:  # several blocks: the distinct rotations of all products, those of the distinct gR times the HR
        ug = gR[np.unique(_rotation_codes(gR), return_index=True)[1]]
        uh = HR[np.unique(_rotation_codes(HR), return_index=True)[1]]
        prods = np.einsum("mab,hbc->mhac", ug, uh).reshape(-1, 3, 3)
        table, first = np.unique(_rotation_codes(prods), return_index=True)
        table_inv = unimodular_inverses(prods[first])
    Pi = inverse(P)
    labels = np.empty(m, dtype=np.int64)
    for r0 in range(0, m, rows):
        r1 = min(m, r0 + rows)
        XR = np.einsum("mab,hbc->mhac", gR[r0:r1], HR).reshape(-1, 3, 3)
        Xt = (np.einsum("mab,hb->mha", gR[r0:r1], Ht) + gt[r0:r1, None, :]).reshape(-1, 3)
        codes = _rotation_codes(XR)
        if table is None:  # one block: the ranks among its own distinct rotations (every product is in it)
            _, first, inv = np.unique(codes, return_index=True, return_inverse=True)
            inv = np.asarray(inv).reshape(-1)
            R_inv = unimodular_inverses(XR[first])[inv]
        else:
            inv = np.searchsorted(table, codes)
            R_inv = table_inv[inv]
        u = np.einsum("ij,Mjk,Mk->Mi", Pi, R_inv, Xt)
        u -= np.floor(u)
        u_codes = np.rint(u * CODE_DEN).astype(np.int64) % CODE_DEN
        # one int64 per row, ordered like the rows (rotation, then u): the rotation's rank times CODE_DEN³
        # (< 2.8·10¹⁶), plus the translation code
        key = inv.astype(np.int64) * CODE_DEN**3 + (u_codes[:, 0] * CODE_DEN + u_codes[:, 1]) * CODE_DEN + u_codes[:, 2]
        labels[r0:r1] = key.reshape(r1 - r0, n).min(axis=1)
    return labels


def _reduced(M: np.ndarray, P: np.ndarray, T: np.ndarray, Ti: np.ndarray) -> np.ndarray:
    """A member g·h (4×4, child coordinates) with its translation reduced modulo W·T_H (module docstring)."""
    W = M[:3, :3]
    if np.max(np.abs(W - np.rint(W))) < TOL:
        out = M.copy()
        out[:3, 3] %= 1.0
        out[:3, 3][np.abs(out[:3, 3] - 1.0) <= 1e-8 + 1e-5] = 0.0  # np.isclose(t, 1.0)
        return out
    Mp = T @ M @ Ti  # parent coordinates: reduce into the box of the Hermite basis of R·P·Z³
    R = np.rint(Mp[:3, :3])
    t = reduce_into_cell(Mp[:3, 3], lattice_basis(R @ P))
    return Ti @ _op4(R, t) @ T


def _shift_box(P: np.ndarray, rotations: np.ndarray) -> list[int]:
    """(N_1, N_2, N_3): N_k·e_k in the child lattice (N_k·P⁻¹·e_k ∈ ℤ³), made equal (lcm) on axes that some
    rotation mixes (R_ij ≠ 0, i ≠ j)."""
    from functools import reduce
    import math

    den = denominators(inverse(P))  # of frac(x, 10_000), x in P⁻¹
    N = [reduce(math.lcm, den[:, k].tolist(), 1) for k in range(3)]
    linked = np.any(np.abs(np.asarray(rotations, dtype=float)) > 1e-9, axis=0) if len(rotations) else np.eye(3, dtype=bool)
    for _ in range(3):  # close the "mixed" relation over the three axes
        for i in range(3):
            for j in range(3):
                if linked[i, j] or linked[j, i]:
                    N[i] = N[j] = math.lcm(N[i], N[j])
    return N


def left_cosets(parent: SymOps, child: SymOps, P: np.ndarray, p: np.ndarray) -> list[list[np.ndarray]]:
    """Every left coset g·H of the child group H in the parent group G, each once, H first.

    ``parent``, ``child``: the operations of G and H in the settings of their own cells; (P, p) a verified
    correspondence (every child operation is a parent operation). Each coset is a list of 4×4 affine operations
    in CHILD coordinates, g·h for h in the order of the child operations, reduced as in the module docstring;
    its first element is its representative g (·h₀). Representatives are the first parent operations (then the
    first parent lattice translations, lexicographically) of their coset. The number of cosets is the index
    [G : H]; cosets are disjoint and each has |H| members.
    """
    P = np.asarray(P, dtype=float)
    p = np.asarray(p, dtype=float).reshape(3)
    # parent lattice shifts s in a box [0, N_1)×[0, N_2)×[0, N_3) with N_k·e_k in the child lattice and N equal on
    # axes a parent rotation mixes, so that diag(N)·Z³ is kept by every parent rotation: then (R, t + s) and
    # (R, t + s') lie in one coset when s − s' ∈ diag(N)·Z³, and each coset's first candidate (operation, then s
    # lexicographically) has s inside the box (reducing s_k mod N_k keeps the coset and never raises s): the
    # representatives of a cube [0, N)³ with N = supercell_factor(P), at a fraction of the products
    N = _shift_box(P, parent.rotations)
    shifts = np.array(list(itertools.product(*(range(n) for n in N))), dtype=float)
    if len(parent) * len(shifts) * len(child) > _MAX_PRODUCTS:
        raise SymstrainInputError("relation", f"the child cell is too large a supercell (factor {N} per axis) "
                                              "to list the cosets of the relation")
    # candidates g = (R, t + s) in parent coordinates: parent operation major, lattice shift minor
    gR = np.repeat(parent.rotations, len(shifts), axis=0)
    gt = np.repeat(parent.translations, len(shifts), axis=0) + np.tile(shifts, (len(parent), 1))
    Pi = inverse(P)
    HR = np.rint(P @ child.rotations.astype(float) @ Pi).astype(int)
    Ht = child.translations @ P.T + p - HR @ p
    labels = _coset_labels(gR, gt, HR, Ht, P)
    _, first = np.unique(labels, return_index=True)
    T, Ti = affine_matrix(P, p), _affine_inverse(Pi, p)
    H4 = np.zeros((len(child), 4, 4))
    H4[:, :3, :3] = child.rotations
    H4[:, :3, 3] = child.translations
    H4[:, 3, 3] = 1.0
    reps = np.sort(first)
    G4 = np.zeros((len(reps), 4, 4))
    G4[:, :3, :3] = gR[reps]
    G4[:, :3, 3] = gt[reps]
    G4[:, 3, 3] = 1.0
    members = (Ti @ G4 @ T)[:, None] @ H4[None]  # the representatives in child coordinates, times each h
    cosets = [_reduced_all(mem, P, T, Ti) for mem in members]
    # the coset containing the identity (H itself) first: the coset of the candidate (I, 0) when the parent lists
    # the identity with a zero translation, else the one whose representative is a child operation
    ident = np.flatnonzero(np.all(gR == np.eye(3, dtype=gR.dtype), axis=(1, 2)) & np.all(np.abs(gt) < TOL, axis=1))
    if len(ident):
        is_h = (labels[reps] == labels[ident[0]]).tolist()
        cosets = [c for c, h in zip(cosets, is_h) if h] + [c for c, h in zip(cosets, is_h) if not h]
    else:
        cosets.sort(key=lambda c: 0 if child.contains(c[0][:3, :3], c[0][:3, 3]) else 1)
    return cosets


def _reduced_all(members: np.ndarray, P: np.ndarray, T: np.ndarray, Ti: np.ndarray) -> list[np.ndarray]:
    """:func:`_reduced` of every member (n, 4, 4) of one coset (they share W's integrality: one rotation part up
    to the child's rotations, which keep the child lattice)."""
    W = members[:, :3, :3]
    if np.max(np.abs(W - np.rint(W))) >= TOL:
        return [_reduced(M, P, T, Ti) for M in members]
    out = members.copy()
    t = out[:, :3, 3] % 1.0
    t[np.abs(t - 1.0) <= 1e-8 + 1e-5] = 0.0  # np.isclose(t, 1.0)
    out[:, :3, 3] = t
    return list(out)


def _parent_triplets(members: np.ndarray, P: np.ndarray, T: np.ndarray, Ti: np.ndarray,
                     same_lattice: bool = False) -> list[str]:
    """Members (n, 4, 4) in child coordinates as parent-setting triplets (T: child → parent coordinates).
    ``same_lattice``: the child's translations are the parent's (lattice index 1), so every integer translation of
    the parent is one of the child's too and a translation is written modulo 1."""
    Mp = T @ np.asarray(members) @ Ti
    t = Mp[:, :3, 3].copy()
    # keep translations as small non-negative fractions of the parent cell where the lattice allows
    Pr = np.round(P)
    if same_lattice or (abs(abs(np.linalg.det(P)) - 1) < 1e-9
                        and np.all(np.abs(P - Pr) <= 1e-8 + 1e-5 * np.abs(Pr))):  # allclose
        t %= 1.0
        t[np.abs(t - 1.0) <= 1e-8 + 1e-5] = 0.0  # np.isclose(t, 1.0)
    R = np.round(Mp[:, :3, :3]).astype(np.int64)
    return [_triplet(Ri.tobytes(), ti.tobytes()) for Ri, ti in zip(R, t)]


@lru_cache(maxsize=4096)
def _triplet(R_bytes: bytes, t_bytes: bytes) -> str:
    """``triplet`` of an integer rotation and a translation (their bytes), remembered: the members of the cosets of
    one group pair come back in every relation of a series."""
    return triplet_text(np.frombuffer(R_bytes, dtype=np.int64).reshape(3, 3).tolist(), np.frombuffer(t_bytes).tolist())


def op_readability(xyz: str) -> tuple:
    """Sort key for triplets, most readable first: pure translations, then the inversion, then the rest;
    shorter first."""
    parts = xyz.split(",")
    if len(parts) == 3:  # a triplet: the tests below written out (no generators; sorting calls this per member)
        x, y, z = parts
        pure = (x.startswith("x") and "-x" not in x and y.startswith("y") and "-y" not in y
                and z.startswith("z") and "-z" not in z)
        inv = x.startswith("-x") and y.startswith("-y") and z.startswith("-z")
    else:
        pure = all(p.startswith(a) and ("-" + a) not in p for p, a in zip(parts, "xyz"))
        inv = all(p.startswith("-" + a) for p, a in zip(parts, "xyz"))
    return (0 if pure else 1 if inv else 2, len(xyz), xyz)


def readable_coset(members, P, p, same_lattice: bool = False) -> tuple[str, ...]:
    """A coset's members (child coordinates) as parent-setting triplets, its most readable member first."""
    return readable_cosets([members], P, p, same_lattice)[0]


def readable_cosets(cosets, P, p, same_lattice: bool = False) -> list[tuple[str, ...]]:
    """:func:`readable_coset` of every coset (lists of members of one size), their members transformed at once; each
    distinct triplet once (``same_lattice``, the lattice index 1: members that differ by a parent lattice translation,
    a child centring such as A's (0, ½, ½) mapped onto (0, 1, 0), are one operation of the parent's setting)."""
    if not len(cosets):
        return []
    T, Ti = affine_matrix(P, p), _affine_inverse(inverse(P), np.asarray(p, dtype=float).reshape(3))
    members = np.asarray(cosets, dtype=float)  # (n_cosets, |H|, 4, 4)
    flat = _parent_triplets(members.reshape(-1, 4, 4), P, T, Ti, same_lattice)
    n = members.shape[1]
    return [tuple(sorted(dict.fromkeys(flat[k * n:(k + 1) * n]), key=op_readability)) for k in range(len(cosets))]
