"""The lattice correspondence of a parent and a child structure: the matrix P and the origin shift p.

What lives here: :func:`lattice_candidates` — every P (child basis = parent basis · P, columns parent-lattice
vectors, det > 0) that maps the parent lattice onto the child cell within a finite-strain tolerance, in the order
``relate`` tries them (smallest misfit, then the simplest P); :func:`finite_strain_norm(s) <finite_strain_norm>` —
the misfit measure; :func:`find_origin` — the origin shifts p (on a 1/24 grid) that make every child operation a
parent operation for one P. What does not: the verdict and the relation record (``relation.py``), what a relation
implies for tensors and domains (``ferroic.py``), the lost cosets (``cosets.py``).

Conventions are ``relation.py``'s: child basis = parent basis · P, x_parent = P·x_child + p; a child operation
(W_c, w_c) is the parent operation W_p = P W_c P⁻¹, w_p = P w_c + p − W_p p (modulo parent lattice translations).
"""

from __future__ import annotations

import numpy as np

from .errors import SymstrainInputError
from .notation import triplet as op_to_xyz
from .ops import TOL
from .phase import Cell, SpaceGroupInfo


def lattice_candidates(
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


def preference(P: np.ndarray) -> tuple:
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


_ORIGIN_GRID = 24  # origin shifts searched on a 1/24 grid: covers 1/2, 1/3, 1/4, 1/6, 1/8 (d-glides)
#: the grid k (origins k/24), as floats (exact small integers, for BLAS products)
_ORIGIN_K = np.stack(np.meshgrid(*[np.arange(_ORIGIN_GRID, dtype=float)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
_ORIGIN_K.setflags(write=False)


def _map_child_ops(P: np.ndarray, child: SpaceGroupInfo):
    """Child rotations in the parent basis, W_p = P W_c P⁻¹, and the child translations P·w_c."""
    Pi = np.linalg.inv(P)
    W = np.einsum("ij,njk,kl->nil", P, child.rotations.astype(float), Pi)
    return W, child.translations @ P.T


def find_origin(P: np.ndarray, parent: SpaceGroupInfo, child: SpaceGroupInfo):
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
