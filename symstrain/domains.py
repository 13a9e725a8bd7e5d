"""Ferroic domains of a group–subgroup relation: domain states, twin laws, permissible walls, peak splitting.

What lives here
---------------
* :func:`domain_states` — the i_P orientation × i_L antiphase domain states of a :class:`~symstrain.relation.Relation`,
  each with the operation mapping state 1 onto it (a representative of a lost coset), its spontaneous strain (the
  child's strain carried by that operation) and whether it differs from state 1 in strain (ferroelastic) or in the
  allowed polarisation (ferroelectric); and for every pair of orientation states the twin law on (hkl), the
  reflections that coincide exactly, the strain difference, Sapriel's permissible walls and the obliquity
  → :class:`DomainStates`.
* :func:`analyse_domains` — the states and the splitting of twin-related reflections in one call
  → :class:`DomainAnalysis` (what ``symstrain domains`` prints and what the demo report can call).

Sapriel's condition on one strain difference is :func:`symstrain.walls.permissible_walls`; the splitting of
reflections is :func:`symstrain.peak_splitting.peak_splitting` (both re-exported here). Figures live in
``plots/domains.py``, the command in ``cli/domains.py``; nothing here prints or reads files.

Conventions
-----------
* Relation conventions as in ``relation.py``: child basis = parent basis · P, x_parent = P·x_child + p,
  (hkl)_child = (hkl)_parent · P. Operations are xyz triplets in the parent setting unless named ``*_child``.
* Tensors and wall normals are in the **parent's Cartesian frame**: X ∥ a, Y in the ab plane, Z ∥ c* of the parent
  basis (gemmi's orthogonalisation of the parent cell); wall equations use x, y, z of that frame. The child's strain
  (``strain.py``, child frame) is rotated into it and averaged over the child point group (which removes rounding
  noise only: a larger asymmetry is reported as the warning ``strain_not_invariant``).
* State k = g_k(state 1): e(k) = R_k·e(1)·R_kᵀ with R_k the Cartesian rotation of g_k. Which states differ in
  strain or polarisation is decided from the symmetry (any child-invariant tensor), not from the numbers.
* Twin law of the pair (j, k): the 3×3 matrix T on column (h, k, l) in the child basis with (hkl)_k = T·(hkl)_j: the
  reflection of state k that coincides with (hkl) of state j in the unstrained (parent) metric, each state indexed
  in its own child basis. Reflections whose twin T·h is equivalent to h in the child's Laue class coincide exactly.
* Walls (Sapriel's condition, W and W′, obliquity) as in ``walls.py``; splitting of reflections as in
  ``peak_splitting.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import contract
from .errors import SymstrainInputError, WarningRecord, unique_warnings
from .notation import triplet
from .phase import Cell, params_from_matrix
from .tensors import invariant_tensors
from .walls import (UNRESTRICTED, Wall, WallSolution, hkl_text, integer_indices, linear_form, nullspace,  # noqa: F401
                    permissible_walls, point_operation_name, rref_rows, snap)
from .relation import Relation, holding  # noqa: F401  (Relation: the input type)
from .peak_splitting import CU_KALPHA1, PeakSplitting, peak_splitting, strongest_split_reflections  # noqa: F401
from .spontaneous_strain import strain as spontaneous_strain

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "strain_not_invariant": "the strain is not invariant under the child's point group beyond noise",
}

FRAME = "parent Cartesian frame: X ∥ a, Y in the ab plane, Z ∥ c* of the parent basis"


_ROTATION_ENTRIES = np.array([0.0, 0.5, -0.5, 1.0, -1.0, math.sqrt(3) / 2, -math.sqrt(3) / 2])


def _cartesian(R: np.ndarray) -> np.ndarray:
    """Cartesian rotation matrices with entries within 1e-9 of 0, ±½, ±1, ±√3/2 set to those values (so that
    symmetry-related strain components come out identical, not 1e-17 apart)."""
    near = np.abs(R[..., None] - _ROTATION_ENTRIES)
    k = np.argmin(near, axis=-1)
    return np.where(np.min(near, axis=-1) < 1e-9, _ROTATION_ENTRIES[k], R)


def _parse_op(xyz: str) -> tuple[np.ndarray, np.ndarray]:
    import gemmi

    op = gemmi.Op(xyz)
    return np.array(op.rot, dtype=float) / op.DEN, np.array(op.tran, dtype=float) / op.DEN




def _sym_basis(inv_rows: np.ndarray) -> np.ndarray:
    """(m, 3, 3) symmetric tensors from Voigt rows (e11, e22, e33, e23, e13, e12)."""
    out = np.zeros((len(inv_rows), 3, 3))
    for k, (i, j) in enumerate(((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))):
        out[:, i, j] = out[:, j, i] = inv_rows[:, k]
    return out


# ------------------------------------------------------------------------------------------------ states
@dataclass(frozen=True)
class DomainState:
    """One domain state: state 1 is the child as given, state k = g_k(state 1)."""

    #: 1-based number of the state, of its orientation state and of its antiphase state within that orientation
    index: int
    orientation: int
    antiphase: int
    #: g_k as an xyz triplet in the parent setting, in the child setting, and its rotation named geometrically
    operation: str
    operation_child: str
    point_operation: str
    #: (3, 3) spontaneous strain in the parent Cartesian frame (dimensionless) and its s.u. (NaN unknown,
    #: 0 where zero by symmetry; components treated as independent)
    strain: np.ndarray
    strain_su: np.ndarray
    #: strain different from state 1's (by symmetry) / allowed polarisation different from state 1's
    ferroelastic: bool
    ferroelectric: bool
    #: (m, 3) unit vectors spanning the polarisation this state allows (parent Cartesian frame); m = 0 non-polar
    polarisation: np.ndarray

    def to_dict(self) -> dict:
        return {"state": self.index, "orientation": self.orientation, "antiphase": self.antiphase,
                "operation": self.operation, "operation_child": self.operation_child,
                "point_operation": self.point_operation,
                "strain": contract.quantity_array(self.strain, self.strain_su),
                "ferroelastic": self.ferroelastic, "ferroelectric": self.ferroelectric,
                "polarisation": self.polarisation.tolist()}


@dataclass(frozen=True)
class DomainPair:
    """Two orientation states (j, k): twin law, strain difference, Sapriel walls, obliquity."""

    #: the two orientation states' numbers (their antiphase-1 states)
    states: tuple[int, int]
    #: the operation g_k·g_j⁻¹ mapping state j onto state k (parent setting) and its rotation named
    operation: str
    point_operation: str
    #: (3, 3) T on column (h, k, l), child basis: (hkl)_k = T·(hkl)_j; ``twin_law_text`` the same in words
    twin_law: np.ndarray
    twin_law_text: str
    #: reflections h of state j whose twin T·h is Laue-equivalent to h (they coincide exactly), as zone equations
    #: ("h = 0"), alternatives (a reflection in any one of them coincides); ("all",) when every reflection
    #: coincides, () when none does
    exact_coincidence: tuple[str, ...]
    ferroelastic: bool
    ferroelectric: bool
    #: (3, 3) Δe = e(j) − e(k) in the parent Cartesian frame and its s.u.; ``quadric`` Σ Δe_ij·x_i·x_j = 0 in words
    strain_difference: np.ndarray
    strain_difference_su: np.ndarray
    quadric: str
    walls: WallSolution

    def to_dict(self) -> dict:
        return {"states": list(self.states), "operation": self.operation, "point_operation": self.point_operation,
                "twin_law": snap(self.twin_law).tolist(), "twin_law_text": self.twin_law_text,
                "exact_coincidence": list(self.exact_coincidence), "ferroelastic": self.ferroelastic,
                "ferroelectric": self.ferroelectric,
                "strain_difference": contract.quantity_array(self.strain_difference, self.strain_difference_su),
                "quadric": self.quadric, "walls_status": self.walls.status,
                "walls": [w.to_dict() for w in self.walls.walls], "walls_verdict": self.walls.verdict,
                "obliquity": contract.quantity(self.walls.obliquity, None)}


@dataclass(frozen=True, eq=False)
class DomainStates:
    """Every domain state of a relation and every pair of orientation states (see the module docstring)."""

    relation: Relation
    #: i_P orientation states × i_L antiphase states = ``len(states)`` (the index of the relation)
    orientation_states: int
    antiphase_states: int
    states: tuple[DomainState, ...]
    pairs: tuple[DomainPair, ...]
    #: what the strain was measured against (``StrainResult.reference_kind``) and the frame of every tensor
    strain_reference: str
    frame: str = FRAME
    #: the child's Laue rotations in the child basis (n, 3, 3) int (for the coincidence of reflections)
    laue_rotations: np.ndarray = field(default_factory=lambda: np.eye(3, dtype=int)[None])
    warnings: tuple[WarningRecord, ...] = ()

    @property
    def antiphase_note(self) -> str:
        if self.antiphase_states == 1:
            return "no antiphase states (i_L = 1)"
        return (f"{self.antiphase_states} antiphase states per orientation state, related by lost translations: they "
                f"have the same strain, so antiphase boundaries are {UNRESTRICTED} (not ferroelastic walls)")

    def to_dict(self) -> dict:
        rel = self.relation
        return {"parent": contract.structure(rel.parent), "child": contract.structure(rel.child), "basis_change": contract.basis_change(rel.P, rel.p), "aizu": rel.aizu,
                "orientation_states": self.orientation_states, "antiphase_states": self.antiphase_states,
                "n_states": len(self.states), "frame": self.frame, "strain_reference": self.strain_reference,
                "states": [s.to_dict() for s in self.states], "pairs": [p.to_dict() for p in self.pairs],
                "ferroelastic_walls": any(p.walls.status == "walls" for p in self.pairs),
                "antiphase_note": self.antiphase_note}

    def summary_lines(self) -> list[str]:
        rel = self.relation
        out = [f"{rel.aizu}: {self.orientation_states} orientation × {self.antiphase_states} antiphase = "
               f"{len(self.states)} domain states (strains in the {self.frame})"]
        for s in self.states:
            tags = [t for t, on in (("ferroelastic", s.ferroelastic), ("ferroelectric", s.ferroelectric)) if on]
            out.append(f"  state {s.index} (orientation {s.orientation}, antiphase {s.antiphase}): {s.operation} "
                       f"[{s.point_operation}]" + (f" — {', '.join(tags)} w.r.t. state 1" if tags else ""))
        for p in self.pairs:
            j, k = p.states
            out.append(f"  pair {j}–{k}: twin law {p.twin_law_text} ({p.point_operation}); exact coincidence: "
                       f"{' or '.join(p.exact_coincidence) or 'none'}")
            out.append(f"    {p.quadric}; {p.walls.verdict}"
                       + (f"; obliquity {p.walls.obliquity:.4f}°" if p.walls.obliquity else ""))
            for w in p.walls.walls:
                out.append(f"    {w.kind} wall {w.equation}: (hkl) parent {_fmt_hkl(w.miller_parent, w.hkl_parent)}, "
                           f"child {_fmt_hkl(w.miller_child, w.hkl_child)}")
        if not self.pairs:
            out.append("  one orientation state: no ferroelastic walls")
        out.append(f"  {self.antiphase_note}")
        return out


def _fmt_hkl(ints, floats) -> str:
    return "(" + " ".join(map(str, ints)) + ")" if ints else "(" + " ".join(f"{x:.4f}" for x in floats) + ")"


def _quadric(d: np.ndarray, mask: np.ndarray) -> str:
    terms, vals = [], []
    for i, j in ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)):
        if not mask[i, j]:
            continue
        n = f"Δe{i + 1}{j + 1}"
        terms.append(f"{n}·{'xyz'[i]}²" if i == j else f"2·{n}·{'xyz'[i]}·{'xyz'[j]}")
        vals.append(f"{n} = {d[i, j]:.6g}")
    if not terms:
        return "Δe = 0"
    return " + ".join(terms) + " = 0 (" + ", ".join(vals) + ")"


def _coincidence(T: np.ndarray, laue: np.ndarray) -> tuple[str, ...]:
    """Zones of h (state j) with T·h Laue-equivalent to h, as equations; subspaces inside others dropped."""
    spaces = []
    for R in laue:
        N = nullspace(T - R.T)
        if N.shape[1]:
            spaces.append(N)
    if any(N.shape[1] == 3 for N in spaces):
        return ("all",)
    keep = []
    for a, Na in enumerate(spaces):
        inside = any(b != a and np.linalg.matrix_rank(np.hstack([Nb, Na]), 1e-8) == Nb.shape[1]
                     and (Nb.shape[1] > Na.shape[1] or b < a) for b, Nb in enumerate(spaces))
        if not inside:
            keep.append(Na)
    out = []
    for N in keep:
        eqs = rref_rows(nullspace(N.T).T)  # rows u with u·h = 0 on the subspace
        out.append(" and ".join(linear_form(integer_indices(u) or u, "hkl") + " = 0" for u in eqs))
    return tuple(sorted(set(out)))


def domain_states(relation: Relation, strain=None) -> DomainStates:
    """Domain states, twin laws and permissible walls of ``relation``.

    ``strain``: a :class:`~symstrain.strain.StrainResult` of the child (default: ``strain(relation)``, against the
    parent cell); its P must be the relation's. Raises :class:`SymstrainInputError` when it has no reference cell.
    """
    rel = holding(relation, "domain_states")
    st = spontaneous_strain(rel) if strain is None else strain
    if st.reference is None:
        raise SymstrainInputError("strain", "domain states need the strain against a reference cell (not ε13 only)")
    if not np.allclose(np.asarray(st.P, float), rel.P, atol=1e-6):
        raise SymstrainInputError("strain", f"the strain's P {np.asarray(st.P).tolist()} is not the relation's "
                                            f"{rel.P.tolist()}")
    warnings = []
    A0, P = rel.parent.cell.matrix(), rel.P
    A0i, Pi = np.linalg.inv(A0), np.linalg.inv(P)
    # rotate the child-frame strain into the parent frame: A0' = Q·(A_ref·P) with A0' the child-frame matrix
    M = st.reference.matrix() @ np.asarray(st.P, float)
    Q = Cell(*params_from_matrix(M)).matrix(st.frame) @ np.linalg.inv(M)
    e = Q.T @ np.asarray(st.e, float) @ Q
    e_su = np.sqrt(np.einsum("ki,lj,kl->ij", Q**2, Q**2, np.asarray(st.e_su, float) ** 2))
    # child point group (parent basis and Cartesian), its invariant tensors and vectors
    Hc = np.unique(np.round(rel.child.spacegroup.rotations).astype(int), axis=0)
    H = np.einsum("ij,njk,kl->nil", P, Hc.astype(float), Pi)
    Hcart = _cartesian(np.einsum("ij,njk,kl->nil", A0, H, A0i))
    inv = _sym_basis(invariant_tensors(Hcart))
    e_sym = _noise_free(np.mean(np.einsum("nij,jk,nlk->nil", Hcart, e, Hcart), axis=0), np.abs(e).max())
    dev = float(np.abs(e_sym - e).max())
    if dev > 1e-6:
        warnings.append(WarningRecord("strain_not_invariant", st.child_label,
                                      f"the child's strain deviates from its point-group symmetry by {dev:.2g} "
                                      "(largest component); the symmetric part is used"))
    zero = np.all(np.abs(inv) < 1e-9, axis=0)
    e_sym[zero], e_su[zero] = 0.0, 0.0
    polar = nullspace(np.vstack([R - np.eye(3) for R in Hcart]))  # (3, m)

    ops = [("x,y,z",)] + [tuple(c) for c in rel.lost_cosets]
    reps = [_parse_op(c[0]) for c in ops]
    classes = _orientation_classes([W for W, _ in reps], H)
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = P, rel.p
    states, rot_of = [], {}
    for o, cl in enumerate(classes, start=1):
        for a, i in enumerate(cl, start=1):
            W, w = reps[i]
            G = np.eye(4)
            G[:3, :3], G[:3, 3] = W, w
            Gc = np.linalg.inv(T) @ G @ T
            R = _cartesian(A0 @ W @ A0i)
            if a == 1:
                rot_of[o] = (W, R)
            ek = _noise_free(R @ e_sym @ R.T, np.abs(e_sym).max())
            su = _noise_free(np.sqrt(np.einsum("ik,jl,kl->ij", R**2, R**2, e_su**2)), np.abs(ek).max())
            Bk = np.einsum("ik,mkl,jl->mij", R, inv, R)
            zk = np.all(np.abs(Bk) < 1e-9, axis=0)
            ek[zk], su[zk] = 0.0, 0.0
            states.append(DomainState(len(states) + 1, o, a, ops[i][0],
                                      triplet(snap(Gc[:3, :3]), snap(Gc[:3, 3]), reduce=True),
                                      point_operation_name(W), ek, su, bool(np.abs(Bk - inv).max() > 1e-9),
                                      bool(polar.shape[1] and np.abs(R @ polar - polar).max() > 1e-9),
                                      contract.clean((R @ polar).T)))
    first = {s.orientation: s for s in states if s.antiphase == 1}
    laue = np.concatenate([Hc, -Hc])
    pairs = []
    for j in range(1, len(classes) + 1):
        for k in range(j + 1, len(classes) + 1):
            op = _op_product(ops[classes[k - 1][0]][0], ops[classes[j - 1][0]][0])
            pairs.append(_pair(first[j], first[k], rot_of[j], rot_of[k], op, inv, e_su, polar, laue, A0, P))
    warnings += st.warning_records()
    return DomainStates(rel, len(classes), len(states) // len(classes), tuple(states), tuple(pairs),
                        f"{st.reference_kind} ({st.reference_label})", FRAME, laue, tuple(unique_warnings(warnings)))


def _orientation_classes(rots: list[np.ndarray], H: np.ndarray) -> list[list[int]]:
    """Indices of the coset representatives grouped by orientation state: W_i, W_j in one class when W_i⁻¹·W_j is a
    rotation of the child point group H (both in the parent basis); the class of the identity first."""
    keys = {tuple(np.round(h).astype(int).ravel()) for h in H}
    classes: list[list[int]] = []
    for i, W in enumerate(rots):
        for cl in classes:
            if tuple(np.round(np.linalg.inv(rots[cl[0]]) @ W).astype(int).ravel()) in keys:
                cl.append(i)
                break
        else:
            classes.append([i])
    return classes


def _noise_free(x, scale: float):
    """Strains (dimensionless) and their s.u.'s with the floating-point noise of rotating them set to exactly 0:
    below 1e-12 of the largest component, and below 1e-12 absolute (a strain is never resolved to 1e-12; a cell
    equal to the reference gave e11 = −1.1e-16 where ``strain`` says 0, sweep 4)."""
    return contract.clean(x, max(float(scale), 1.0))


def _pair(sj: DomainState, sk: DomainState, rot_j, rot_k, op: str, inv, e_su, polar, laue, A0, P) -> DomainPair:
    """Twin law, strain difference (zero by symmetry where every allowed Δe vanishes) and walls of two states."""
    (Wj, Rj), (Wk, Rk) = rot_j, rot_k
    Pi = np.linalg.inv(P)
    Tw = snap((np.linalg.inv(Pi @ Wj @ P) @ (Pi @ Wk @ P)).T)
    var = np.einsum("ik,mkl,jl->mij", Rj, inv, Rj) - np.einsum("ik,mkl,jl->mij", Rk, inv, Rk)
    dmask = ~np.all(np.abs(var) < 1e-9, axis=0)
    d = _noise_free(np.where(dmask, sj.strain - sk.strain, 0.0), np.abs(sj.strain).max())
    L = np.einsum("ik,jl->ijkl", Rj, Rj) - np.einsum("ik,jl->ijkl", Rk, Rk)
    dsu = _noise_free(np.where(dmask, np.sqrt(np.einsum("ijkl,kl->ij", L**2, e_su**2)), 0.0), np.abs(d).max())
    return DomainPair((sj.index, sk.index), op, point_operation_name(Wk @ np.linalg.inv(Wj)), Tw, hkl_text(Tw),
                      _coincidence(Tw, laue), bool(np.abs(var).max() > 1e-9),
                      bool(polar.shape[1] and np.abs((Rk - Rj) @ polar).max() > 1e-9),
                      d, dsu, _quadric(d, dmask), permissible_walls(d, var, A0, P))


def _op_product(xyz_k: str, xyz_j: str) -> str:
    """g_k·g_j⁻¹ as a triplet (translations reduced modulo 1)."""
    Wk, wk = _parse_op(xyz_k)
    Wj, wj = _parse_op(xyz_j)
    Wji = np.linalg.inv(Wj)
    return triplet(snap(Wk @ Wji), snap(wk - Wk @ Wji @ wj), reduce=True)


@dataclass(frozen=True, eq=False)
class DomainAnalysis:
    """Domain states with their walls and the splitting of twin-related reflections (what ``symstrain domains``
    reports and the demo can call through :func:`analyse_domains`)."""

    states: DomainStates
    splitting: PeakSplitting

    def to_dict(self) -> dict:
        return {**self.states.to_dict(), "splitting": self.splitting.to_dict()}

    def all_warnings(self) -> list[WarningRecord]:
        """The warnings of the two structures, the relation, the states and the splitting, each once."""
        return unique_warnings(contract.warning_records(self.states.relation.all_warnings())
                               + list(self.states.warnings) + list(self.splitting.warnings))

    def summary(self) -> str:
        """Readable lines: states, pairs, walls, splitting (the warnings are the command line's to print)."""
        return "\n".join(self.states.summary_lines() + self.splitting.summary_lines())


def analyse_domains(relation: Relation, strain=None, *, hkl=None, cells=None, source: str | None = None,
                    wavelength: float = CU_KALPHA1, resolution: float | None = None, top: int = 6,
                    dmin: float = 1.5, radiation: str = "xray") -> DomainAnalysis:
    """:func:`domain_states` and :func:`peak_splitting` in one call (arguments as there)."""
    ds = domain_states(relation, strain)
    return DomainAnalysis(ds, peak_splitting(ds, hkl, cells=cells, source=source, wavelength=wavelength,
                                             resolution=resolution, top=top, dmin=dmin, radiation=radiation))
