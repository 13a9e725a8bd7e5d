"""Structural order parameter from atomic positions: symmetrise the child back to the parent group, and
measure the distortion that breaks the symmetry.

What lives here: :func:`symmetrize` (the pseudo-symmetric parent structure and the per-atom displacements)
and the amplitude and symmetry (irrep) of the distortion. What does not: finding the relation (``relation``),
strain (``strain``) and intensities (``intensities``).

Conventions
-----------
* The child structure is averaged over the left cosets g_k·H of the relation (g_0 = identity): each atom i is
  matched, by position and element (never by label), to the atom j nearest to g_k·x_i, and its symmetrised
  position is s_i = x_i + (1/n) Σ_k W_k⁻¹·d_ki with d_ki = x_j + L − g_k·x_i (L the lattice vector of the
  nearest image). The result is exactly invariant under the parent group; for a child that already has the
  parent symmetry it returns the input.
* Displacements u_i = x_i − s_i are converted to Å with the child cell; the amplitude is
  A = √(Σ_i occ_i·|u_i|² / n_p), the sum over every atom of the child's conventional cell and n_p the number of
  parent primitive cells it contains (AMPLIMODES' normalisation: amplitude per parent primitive cell, in Å). Its
  s.u. is propagated to first order from the coordinate s.u.'s of the child's sites.
* The symmetrised cell is the child's metric averaged over the parent point group (spontaneous strain
  removed, volume kept to first order), written in the parent basis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SymstrainInputError
from .phase import Atom, Cell, Phase, params_from_matrix
from .notation import triplet
from .irreps import mulliken_label
from .relation import Relation, point_group_symbol

#: D2h Mulliken labels by the kept 2-fold axis (x, y, z or none) and the parity under inversion


@dataclass(frozen=True, eq=False)
class Distortion:
    """The child seen as the symmetrised parent structure plus a symmetry-breaking distortion.

    ``symmetrized`` is the pseudo-symmetric structure in the parent's setting and space group;
    ``displacements`` (N, 3) Cartesian Å (child frame X ∥ a, Z ∥ c*) for every atom of the child cell
    (``labels``, ``elements`` alongside); ``amplitude`` in Å per parent primitive cell (module docstring);
    ``max_displacement`` the largest |u_i| in Å; ``irrep`` the symmetry of the distortion under the parent
    point group; ``characters`` maps each parent point operation (xyz of its rotation, parent basis) to +1 / −1
    (distortion even / odd under it) or 0 (neither: several irreps are active); ``irrep_weights`` maps each
    active Γ-point irrep to its share of Σ|u|² (point groups 1, −1, 2, m, 2/m, 222, mm2, mmm).
    """

    relation: Relation
    symmetrized: Phase
    labels: tuple[str, ...]
    elements: tuple[str, ...]
    displacements: np.ndarray
    amplitude: float
    #: first-order s.u. of the amplitude (Å) from the child's coordinate s.u.'s; NaN when the file gives none
    amplitude_su: float
    max_displacement: float
    irrep: str
    characters: dict
    irrep_weights: dict
    n_parent_cells: float
    warnings: tuple[str, ...] = ()

    def to_frame(self):
        """Per-atom displacements: label, element, ux, uy, uz, |u| (Å, child frame X ∥ a, Z ∥ c*)."""
        import pandas as pd

        U = self.displacements
        return pd.DataFrame({"label": self.labels, "element": self.elements, "ux": U[:, 0], "uy": U[:, 1],
                             "uz": U[:, 2], "u": np.linalg.norm(U, axis=1)})

    def to_dict(self) -> dict:
        return {
            "amplitude_A": self.amplitude,
            "amplitude_su_A": self.amplitude_su,
            "amplitude_normalisation": "sqrt(sum |u|^2 over the child cell / parent primitive cells in it), Å",
            "parent_primitive_cells_per_child_cell": self.n_parent_cells,
            "max_displacement_A": self.max_displacement,
            "irrep": self.irrep,
            "characters": self.characters,
            "irrep_weights": self.irrep_weights,
            "n_atoms": len(self.labels),
            "warnings": list(self.warnings),
        }


def _expand(phase: Phase):
    from .expand import expand_to_cell_ops

    return expand_to_cell_ops(phase)


def _amplitude_su(child: Phase, U: np.ndarray, site: np.ndarray, opi: np.ndarray, occ: np.ndarray, A: np.ndarray,
                  n_p: float, amp: float) -> float:
    """First-order s.u. of the amplitude from the coordinate s.u.'s of the child's sites (Å).

    Each site's error moves all its images together (rotated by the child operation that made them), so
    σ_A² = Σ_sites σ_site²·|Σ_images occ·W_cartᵀ·u|² / (n_p·A)², with σ_site the site's isotropic Cartesian s.u.
    (the lost operations treated as isometries, sites independent). NaN when a contributing site has no s.u.
    """
    if amp <= 0:
        return 0.0
    Ai = np.linalg.inv(A)
    R = child.spacegroup.rotations.astype(float)
    Wc = np.einsum("ij,njk,kl->nil", A, R, Ai)  # Cartesian rotations of the child operations
    g = np.zeros((len(child.atoms), 3))
    np.add.at(g, site, occ[:, None] * np.einsum("nji,nj->ni", Wc[opi], U))
    lengths = np.array([child.cell.a, child.cell.b, child.cell.c])
    total = 0.0
    for k, atom in enumerate(child.atoms):
        gk = float(g[k] @ g[k])
        if gk == 0.0:
            continue
        su = np.asarray(atom.xyz_su, dtype=float) * lengths
        if not np.all(np.isfinite(su)):
            return float("nan")
        total += float(np.mean(su**2)) * gk
    return float(np.sqrt(total) / (n_p * amp))


def _assign(dist: np.ndarray, species: np.ndarray) -> np.ndarray:
    """One-to-one matching image i → atom j of the same element minimising the total distance
    (Hungarian algorithm per element; robust where nearest-neighbour matching would pair two images
    with one atom)."""
    from scipy.optimize import linear_sum_assignment

    j = np.empty(len(species), dtype=int)
    for z in np.unique(species):
        idx = np.flatnonzero(species == z)
        rows, cols = linear_sum_assignment(dist[np.ix_(idx, idx)])
        j[idx[rows]] = idx[cols]
    return j


def _partners(frac: np.ndarray, species: np.ndarray, A: np.ndarray, W: np.ndarray, w: np.ndarray):
    """Match the image g·x_i of every atom under (W, w) to one atom j of the same element (minimum image,
    one to one). Returns j (N,), the fractional mismatches x_j + L − g·x_i (N, 3) and their lengths in Å."""
    y = frac @ W.T + w
    d = frac[None, :, :] - y[:, None, :]  # (i, j, 3)
    d -= np.round(d)
    dist = np.linalg.norm(d @ A.T, axis=2)
    j = _assign(dist, species)
    rows = np.arange(len(frac))
    return j, d[rows, j], dist[rows, j]


def symmetrize(relation: Relation, *, max_distance: float = 2.0) -> Distortion:
    """Average the child over the lost cosets (matching atoms by element and position) and return the
    :class:`Distortion`. ``max_distance`` (Å, default 2.0 as in Bilbao's PSEUDO) is the largest mismatch accepted between an atom's image and
    its partner; beyond it the child is too far from the parent symmetry and an error says which atom."""
    child = relation.child
    frac, species, site, occ, opi = _expand(child)
    if len(frac) == 0:
        raise SymstrainInputError(child.name, "no atoms to symmetrise")
    A = child.cell.matrix()
    reps = relation.coset_representatives()
    n = len(reps)
    shift_sum = np.zeros_like(frac)
    for k, g in enumerate(reps):
        W, w = g[:3, :3], g[:3, 3]
        _, dk, best = _partners(frac, species, A, W, w)
        worst = int(np.argmax(best))
        if best[worst] > max_distance:
            lab = child.atoms[site[worst]].label
            raise SymstrainInputError(
                child.name,
                f"atom {lab} has no partner of the same element within {max_distance} Å of its image under the "
                f"lost operation {relation.lost_cosets[k - 1][0] if k else 'identity'} "
                f"(nearest {best[worst]:.2f} Å): the child is too far from the parent symmetry to symmetrise",
            )
        shift_sum += dk @ np.linalg.inv(W).T
    s = frac + shift_sum / n
    u_frac = frac - s
    U = u_frac @ A.T
    n_cent_p = int(np.sum(np.all(relation.parent.spacegroup.rotations == np.eye(3, dtype=int), axis=(1, 2))))
    n_p = abs(float(np.linalg.det(relation.P))) * n_cent_p
    amp = float(np.sqrt(np.sum(occ[:, None] * U**2) / n_p))
    amp_su = _amplitude_su(child, U, site, opi, occ, A, n_p, amp)
    notes = () if np.isfinite(amp_su) else ("the child gives no coordinate s.u.'s: no s.u. for the amplitude",)
    irrep, chars, weights = _irrep(relation, u_frac, frac, species, A)
    sym_phase = _symmetrized_phase(relation, s, site, frac)
    labels = tuple(child.atoms[i].label for i in site)
    elements = tuple(child.atoms[i].element for i in site)
    return Distortion(
        relation=relation,
        symmetrized=sym_phase,
        labels=labels,
        elements=elements,
        displacements=U,
        amplitude=amp,
        amplitude_su=amp_su,
        max_displacement=float(np.max(np.linalg.norm(U, axis=1))),
        irrep=irrep,
        characters=chars,
        irrep_weights=weights,
        n_parent_cells=n_p,
        warnings=notes,
    )


def _irrep(relation: Relation, u: np.ndarray, x: np.ndarray, species: np.ndarray, A: np.ndarray):
    """Symmetry of the displacement field under the parent point group.

    Returns (label, characters, weights): ``characters`` maps each parent point operation (xyz of its rotation,
    parent basis) to +1 / −1 (field even / odd) or 0 (neither); ``weights`` maps each active Γ-point irrep to its
    share of |u|² — computed with the projectors P_χ = (1/|G|) Σ_g χ(g)·g for point groups whose elements all
    square to the identity (1, −1, 2, m, 2/m, 222, mm2, mmm: every irrep one-dimensional, χ = ±1). Other point
    groups get the characters only.
    """
    from .cosets import affine_matrix

    T = affine_matrix(relation.P, relation.p)
    Ti = np.linalg.inv(T)
    ops, fields = [], []
    seen = set()
    for R, t in relation.parent.spacegroup.ops():
        key = R.tobytes()
        if key in seen:
            continue
        seen.add(key)
        g = Ti @ np.block([[R, t[:, None]], [np.zeros((1, 3)), np.ones((1, 1))]]) @ T
        W, w = g[:3, :3], g[:3, 3]
        j = _partners(x, species, A, W, w)[0]
        gu = np.zeros_like(u)
        gu[j] = u @ W.T  # (g·u) at the image atom: the field carried by the operation
        ops.append(R.astype(int))
        fields.append(gu)
    norm2 = float(np.sum((u @ A.T) ** 2))
    names = [triplet(R, np.zeros(3)) for R in ops]
    if norm2 < 1e-24:
        return "none (no distortion)", {n: 1 for n in names}, {}
    chars = {}
    for n, gu in zip(names, fields):
        plus = np.sum(((gu - u) @ A.T) ** 2) / norm2
        minus = np.sum(((gu + u) @ A.T) ** 2) / norm2
        chars[n] = 1 if plus < 1e-12 else (-1 if minus < 1e-12 else 0)
    if relation.lattice_index > 1:
        return f"zone boundary (k ≠ 0, {relation.lattice_index} antiphase states)", chars, {}
    pg = point_group_symbol(relation.parent.spacegroup.rotations)
    weights = {}
    if all(np.array_equal(R @ R, np.eye(3, dtype=int)) for R in ops):
        for chi in _characters(ops):
            proj = sum(c * f for c, f in zip(chi, fields)) / len(ops)
            w = float(np.sum((proj @ A.T) ** 2)) / norm2
            if w > 1e-9:
                weights[mulliken_label(pg, names, chi)] = w
        active = sorted(weights.items(), key=lambda kv: -kv[1])
        label = active[0][0] if len(active) == 1 else " + ".join(f"{k} ({v:.2f})" for k, v in active)
        return label, chars, weights
    if 0 in chars.values():
        return f"several irreps of {pg}", chars, weights
    return f"1-dimensional irrep of {pg}: +1 on " + ", ".join(k for k, v in chars.items() if v == 1), chars, weights


def _characters(ops) -> list[tuple[int, ...]]:
    """Every homomorphism χ: G → {±1} of a point group whose elements square to 1, as values on ``ops``."""
    keys = [R.tobytes() for R in ops]
    gens, span = [], {np.eye(3, dtype=int).tobytes(): np.eye(3, dtype=int)}
    for R in ops:
        if R.tobytes() not in span:
            gens.append(R)
            for S in list(span.values()):
                P = S @ R
                span[P.tobytes()] = P
    out = []
    for signs in range(2 ** len(gens)):
        val = {np.eye(3, dtype=int).tobytes(): 1}
        for k, R in enumerate(gens):
            s = -1 if (signs >> k) & 1 else 1
            for key, v in list(val.items()):
                M = np.frombuffer(key, dtype=R.dtype).reshape(3, 3) @ R
                val[M.tobytes()] = v * s
        out.append(tuple(val[k] for k in keys))
    return out


def _symmetrized_phase(relation: Relation, s_child: np.ndarray, site: np.ndarray, x_child: np.ndarray) -> Phase:
    """The averaged structure in the parent setting: symmetrised cell, orbit representatives as atoms."""
    P, p = relation.P, relation.p
    parent = relation.parent
    # cell: child metric in the parent basis, averaged over the parent point group
    Pi = np.linalg.inv(P)
    G = Pi.T @ relation.child.cell.metric() @ Pi
    rots = {R.tobytes(): R.astype(float) for R in parent.spacegroup.rotations}.values()
    Gs = np.mean([R.T @ G @ R for R in rots], axis=0)
    cell = Cell(*params_from_matrix(np.linalg.cholesky(Gs).T))  # any A with AᵀA = Gs gives the parameters
    xp = (s_child @ P.T + p) % 1.0
    # orbit representatives under the parent group (modulo the parent lattice)
    A = cell.matrix()
    taken = np.zeros(len(xp), dtype=bool)
    atoms = []
    child_atoms = relation.child.atoms
    for i in range(len(xp)):
        if taken[i]:
            continue
        src = child_atoms[site[i]]
        atoms.append(Atom(src.label, src.element, xp[i].copy(), np.full(3, np.nan), src.occupancy, src.u_iso,
                          None, src.disorder_group))
        imgs = np.einsum("mab,b->ma", parent.spacegroup.rotations, xp[i]) + parent.spacegroup.translations
        d = xp[None, :, :] - imgs[:, None, :]
        d -= np.round(d)
        close = np.min(np.linalg.norm(d @ A.T, axis=2), axis=0) < 0.05
        taken |= close
    return Phase(
        cell=cell,
        spacegroup=parent.spacegroup,
        atoms=tuple(atoms),
        source=f"symmetrized({relation.child.name})",
        block=(relation.child.block or "child") + "_symmetrized",
        temperature=relation.child.temperature,
        formula=relation.child.formula,
        z=parent.z,
        warnings=("pseudo-symmetric structure: the child averaged over the lost cosets of the parent group",),
    )



# ----------------------------------------------------------------------------------------------
# three measures of the order parameter, side by side
# ----------------------------------------------------------------------------------------------

ETA_COLUMNS = ("eta_strain", "eta_intensity", "eta_modes")


def order_parameters(parent: Phase, children, *, dmin: float = 1.0, tol: float = 0.08, max_distance: float = 2.0,
                     progress=None, return_distortions: bool = False, radiation: str = "xray"):
    """η from strain, from symmetry-breaking intensities and from atomic displacements, per child.

    For each child (any order; sorted by temperature in the result): ``relate(parent, child)``;
    η_strain = norm of the symmetry-breaking strain against the parent cell (√2·|e13| for mmm → 2/m: the
    Frobenius norm counts e13 and e31);
    η_intensity = √(ΣI_SB/ΣI_all) of intensities predicted from the child structure to ``dmin`` Å for
    ``radiation`` ("xray", "neutron" or "electron", see :func:`~symstrain.intensities.predict_intensities`);
    η_modes = distortion amplitude (Å per parent primitive cell; ``max_distance`` as in :func:`symmetrize`).
    Each is also given normalised to its
    largest value (``*_norm``). ``progress`` optionally wraps the iteration (e.g. a tqdm bar) for long series.
    Returns a pandas DataFrame, one row per child (and, with ``return_distortions``, the list of
    :class:`Distortion` in the same order).
    """
    import pandas as pd

    from .intensities import check_radiation, eta_intensity, predict_intensities
    from .reflection_classes import reflections
    from .relation import relate
    from .spontaneous_strain import strain

    radiation = check_radiation(radiation, "radiation")

    rows, dists = [], []
    children = list(children)
    for child in (progress(children, total=len(children), desc="order") if progress else children):
        rel = relate(parent, child, tol=tol).require()
        st = strain(rel)
        # no symmetry-breaking strain component exists for a non-ferroelastic relation: η_strain is undefined
        eta_s = st.e_sb if rel.symmetry_breaking_strain else float("nan")
        cls = reflections(rel, dmin=dmin)
        hkl = cls.table[["h", "k", "l"]].to_numpy()
        I = predict_intensities(child, hkl, radiation)
        dist = symmetrize(rel, max_distance=max_distance)
        dists.append(dist)
        rows.append({
            "file": child.name,
            "T": child.temperature,
            "child_group": child.spacegroup.hm,
            "index": rel.index,
            "eta_strain": eta_s,
            "eta_strain_su": st.e_sb_su if rel.symmetry_breaking_strain else float("nan"),
            "eps13": st.eps13,
            "eta_intensity": eta_intensity(I, (cls.table["class"] == "SB").to_numpy()),
            "eta_modes": dist.amplitude,
            "eta_modes_su": dist.amplitude_su,
            "max_displacement": dist.max_displacement,
            "irrep": dist.irrep,
        })
    df = pd.DataFrame(rows)
    if len(df):
        order = np.argsort(df["T"].to_numpy(float), kind="stable")  # unknown T (NaN) sorts last
        df = df.iloc[order].reset_index(drop=True)
        dists = [dists[i] for i in order]
        for col in ETA_COLUMNS:
            top = df[col].abs().max()
            df[col + "_norm"] = df[col].abs() / top if top and np.isfinite(top) and top > 0 else np.nan
    return (df, dists) if return_distortions else df


def proportionality(df, x: str = "eta_modes", y: str = "eta_strain") -> dict:
    """Is y ∝ x? Least-squares slope of y = k·x through the origin, Pearson r of (x, y), and the largest
    relative deviation |y − k·x|/y over the points with y above 5 % of its maximum. NaN (with n the number
    of usable points) when fewer than two points have both measures, e.g. η_strain of a non-ferroelastic
    relation."""
    X = df[x].abs().to_numpy(float)
    Y = df[y].abs().to_numpy(float)
    ok = np.isfinite(X) & np.isfinite(Y)
    X, Y = X[ok], Y[ok]
    nan = float("nan")
    if len(X) < 2 or not np.any(X > 0) or not np.any(Y > 0):
        return {"x": x, "y": y, "slope": nan, "r": nan, "max_rel_dev": nan, "n": int(len(X))}
    k = float(X @ Y / (X @ X))
    res = Y - k * X
    r = float(np.corrcoef(X, Y)[0, 1]) if np.std(X) > 0 and np.std(Y) > 0 else nan
    big = Y > 0.05 * Y.max()
    return {"x": x, "y": y, "slope": k, "r": r, "max_rel_dev": float(np.max(np.abs(res[big]) / Y[big])), "n": int(len(X))}
