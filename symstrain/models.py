"""Model structures of the seed compound [Fe(PM-PEA)2(NCS)2], generated, not measured.

PM-PEA is N-(2-pyridylmethylene)-4-(phenylethynyl)aniline, C20H14N2, a bidentate N,N'
ligand (pyridine N + imine N). The molecule Fe(PM-PEA)2(NCS)2, C42H28FeN6S2, has Fe(II),
two cis N-bonded linear NCS⁻ and two chelating PM-PEA.

What lives here: an idealised molecule (fixed bond lengths and angles, planar chelate,
regular hexagons), its placement in an invented orthorhombic cell, and the parametrised
generator :func:`model_phase` used for model temperature series. What does not: reading
or writing files (``writer.py`` writes), symmetry detection, relations.

The real structures (CCDC 2309697, low-spin Pccn at 90 K; CCDC 2309698, high-spin P2₁/c at
300 K) cannot be redistributed. From them the models take only what the seed paper reports:
the space groups and Z = 4, Fe on the 2-fold axis in Pccn, the monoclinic angle β = 93.1°,
the volume strain ≈ 0.05 and the Fe–N ranges (≈ 1.97 Å low spin, ≈ 2.18 Å high spin).
The cell, the molecular conformation and the packing are invented; the packing is simply
one without short contacts, not the real one.

Conventions
-----------
* Lengths in Å, angles in degrees, U in Å², temperatures in K.
* Setting: P c c n (No. 56) standard setting, origin at −1; P 1 21/c 1 (No. 14) in the
  same axes and origin (P = identity, p = 0), keeping 1, 2₁ ∥ b (−x, y+½, −z+½), −1 and
  c ⊥ b (x, −y+½, z+½).
* Fe sits at Wyckoff 4c of Pccn, (¼, ¼, z_Fe), site symmetry ..2, the molecular 2-fold axis
  along c. The asymmetric unit of the Pccn model is Fe1 plus the half molecule labelled
  ``…A``; in P2₁/c the whole molecule is asymmetric, the other half labelled ``…B``
  (``XnB`` is the 2-fold image of ``XnA``).
* Cartesian frame: X ∥ a, Y in the ab plane, Z ∥ c* (``Cell.matrix()``); the molecule is
  rigid in Cartesian space, so a strained cell moves molecules apart without deforming them.

The two order parameters of :func:`model_phase`
------------------------------------------------
* ``q`` ∈ [−1, 1], spin-crossover parameter; n_HS = (1 + q)/2. All six Fe–N distances are
  d(q) = 1.97 + (2.18 − 1.97)·n_HS Å. The ligands are rigid, so each chelate moves along its
  bisector; the bite angle follows from d and the ligand's fixed N···N distance.
  Default cell: every length scaled by (1 + v_s)^(1/3), v_s = 0.05·n_HS (volume strain).
* ``eta``, symmetry-breaking order parameter. Every atom is displaced by eta·D, where D is
  a fixed displacement pattern antisymmetric under the lost 2-fold axis (D of an atom's
  2-fold image is minus the 2-fold image of D): a libration of the whole molecule about
  b by 3° and an opposite tilt of the two NCS groups about their N atom by 6°, both in
  linearised form, so displacements are exactly ∝ eta, N–C–S stays exactly linear, and
  bond lengths stretch by sqrt(1 + |ω × u|²) − 1 (ω the rotation vector, u the bond
  direction): at most 0.17 % at |eta| = 1.
  eta → −eta gives the other orientation domain. Default cell: the monoclinic shear
  ε13 = ½·c·cosβ/c0 = eta·½·s·cot(93.1°) (s the isotropic scale), i.e. β = 93.1° at
  |eta| = 1, volume unchanged by the shear. eta = 0 declares Pccn; eta ≠ 0 declares P 1 21/c 1.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .errors import SymstrainInputError, WarningText
from .phase import Atom, Cell, Phase, SpaceGroupInfo

# ---------------------------------------------------------------------------------------
# Idealised geometry (Å, degrees)
# ---------------------------------------------------------------------------------------
D_AROMATIC = 1.39  # aromatic C–C and pyridine C–N (regular hexagons)
D_CH = 0.95  # C–H
D_CC_TRIPLE = 1.20  # C≡C
D_C_SP_AR = 1.43  # C(sp)–C(ar)
D_C_IMINE = 1.28  # C=N
D_CAR_CIMINE = 1.46  # C(pyridyl)–C(imine)
D_N_CAR = 1.42  # N(imine)–C(aryl)
D_NC_THIOCYANATE = 1.16  # N≡C of NCS
D_CS_THIOCYANATE = 1.63  # C–S of NCS
ANGLE_N_C2_C7 = 115.0  # chelate ring angle at the pyridine C2
ANGLE_C2_C7_N8 = 116.0  # chelate ring angle at the imine C
ANGLE_C7_N8_C9 = 120.0  # imine N, exocyclic aryl

FE_N_LS = 1.97  # Fe–N, low spin (q = −1)
FE_N_HS = 2.18  # Fe–N, high spin (q = +1)
VOLUME_STRAIN_HS = 0.05  # V_HS / V_LS − 1 at q = +1
BETA_FULL = 93.1  # monoclinic β at |eta| = 1

# Conformation and packing of the model. The cell and these angles come from a one-off
# constrained search (differential evolution, then coordinate-wise shrinking of the cell):
# the smallest orthorhombic cell with no short contacts between molecules (non-H···non-H
# > 3.35 Å, H···H > 2.15 Å, non-H···H > 2.6 Å) for the LS model (q = −1, eta = 0) and the HS
# model (q = +1, eta = 1), and none inside the molecule beyond three bonds (> 3.0, 2.15,
# 2.5 Å). The numbers are frozen here, rounded (cell lengths up), so the output is deterministic.
TWIST_ANILINE = 62.9  # aniline ring about the N8–C9 axis, from the chelate plane
TWIST_PHENYL = 22.2  # phenyl ring about the C≡C axis, from the chelate plane
PSI = 22.8  # rotation of the molecule about c (degrees), from the frame of _half_molecule
Z_FE = 0.151  # fractional z of Fe at (1/4, 1/4, z), Wyckoff 4c of P c c n
CELL_LS = (16.87, 14.63, 16.95)  # a0, b0, c0 (Å), orthorhombic reference cell at q = −1
# Isomer: False = imine N trans to NCS, the two pyridine N mutually trans. With the aniline
# ring twisted out of the chelate plane this isomer has no short intramolecular contacts
# (True, imines mutually trans, puts an aniline ortho C within 2.7 Å of an NCS N at any twist).
PYRIDINE_TRANS_TO_NCS = False

# Symmetry-breaking pattern at eta = 1 (radians)
LIBRATION_B = math.radians(3.0)
NCS_TILT = math.radians(6.0)

FORMULA = "C42 H28 Fe N6 S2"
Z_MOLECULES = 4
MODEL_SOURCE = "symstrain.models"
U_ISO_LS_90K = 0.02
U_ISO_HS_300K = 0.04
U_H_FACTOR = 1.2

#: file names written by :func:`write_model_cifs`
MODEL_FILES = ("model_LS_Pccn_90K.cif", "model_HS_P21c_300K.cif")


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def _rotation(axis, angle_rad: float) -> np.ndarray:
    """Proper rotation matrix about ``axis`` (Rodrigues)."""
    k = _unit(axis)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle_rad) * K + (1 - math.cos(angle_rad)) * (K @ K)


def _dir2(deg: float) -> np.ndarray:
    r = math.radians(deg)
    return np.array([math.cos(r), math.sin(r), 0.0])


def _ligand_local() -> tuple[list[str], list[str], np.ndarray]:
    """PM-PEA in its own frame (x, y in the chelate plane, z normal), Fe not included.

    Numbering: N1 and C2–C6 pyridine (C2 bears the imine C), C7 imine C, N8 imine N,
    C9–C14 aniline (C9 on N8, C12 para), C15≡C16, C17–C22 phenyl (C17 ipso, C20 para);
    H atoms carry the number of their C. Returns names (without the A/B suffix), elements,
    and (n, 3) coordinates in Å.
    """
    names: list[str] = []
    elems: list[str] = []
    xyz: list[np.ndarray] = []

    def add(name, el, r):
        names.append(name)
        elems.append(el)
        xyz.append(np.asarray(r, dtype=float))

    c2 = np.zeros(3)
    c7 = np.array([D_CAR_CIMINE, 0.0, 0.0])
    # pyridine: regular hexagon through C2 with angle N1–C2–C7 = ANGLE_N_C2_C7. Seen from the
    # ring centre, C2 lies at a0 and N1, C6, C5, C4, C3 follow at +60° steps; the edge C2→N1
    # then points at a0 + 120°, so a0 = ANGLE_N_C2_C7 − 120°.
    a0 = ANGLE_N_C2_C7 - 120.0
    centre = c2 - D_AROMATIC * _dir2(a0)
    ring = {name: centre + D_AROMATIC * _dir2(a0 + 60.0 * k)
            for k, name in enumerate(["C2", "N1", "C6", "C5", "C4", "C3"])}
    add("N1", "N", ring["N1"])
    add("C2", "C", ring["C2"])
    for name in ("C3", "C4", "C5", "C6"):
        add(name, "C", ring[name])
        add("H" + name[1:], "H", ring[name] + D_CH * _unit(ring[name] - centre))
    # imine
    d_c7n8 = _dir2(180.0 - ANGLE_C2_C7_N8)
    n8 = c7 + D_C_IMINE * d_c7n8
    add("C7", "C", c7)
    bis = _unit(_unit(c2 - c7) + d_c7n8)
    add("H7", "H", c7 - D_CH * bis)
    add("N8", "N", n8)
    # aryl on N8, trans to C2 across C7=N8: rotate N8→C7 by 120° away from the chelate side
    u = _unit(c7 - n8)
    cand = [_rotation([0, 0, 1], s * math.radians(ANGLE_C7_N8_C9)) @ u for s in (1, -1)]
    # the chelate (Fe) side is where N1 is; take the candidate pointing away from it
    rod = max(cand, key=lambda d: -np.dot(d, ring["N1"] - n8))
    perp_in_plane = _unit(np.cross([0, 0, 1], rod))
    normal = np.array([0.0, 0.0, 1.0])

    def hexagon(start, twist_deg, labels, h_on):
        t = math.radians(twist_deg)
        w = math.cos(t) * perp_in_plane + math.sin(t) * normal
        ctr = start + D_AROMATIC * rod
        offs = {
            labels[0]: -D_AROMATIC * rod,
            labels[1]: -0.5 * D_AROMATIC * rod + D_AROMATIC * math.sqrt(3) / 2 * w,
            labels[2]: 0.5 * D_AROMATIC * rod + D_AROMATIC * math.sqrt(3) / 2 * w,
            labels[3]: D_AROMATIC * rod,
            labels[4]: 0.5 * D_AROMATIC * rod - D_AROMATIC * math.sqrt(3) / 2 * w,
            labels[5]: -0.5 * D_AROMATIC * rod - D_AROMATIC * math.sqrt(3) / 2 * w,
        }
        for lab in labels:
            add(lab, "C", ctr + offs[lab])
            if lab in h_on:
                add("H" + lab[1:], "H", ctr + offs[lab] + D_CH * _unit(offs[lab]))
        return ctr + offs[labels[3]]

    c9 = n8 + D_N_CAR * rod
    c12 = hexagon(c9, TWIST_ANILINE, ["C9", "C10", "C11", "C12", "C13", "C14"],
                  {"C10", "C11", "C13", "C14"})
    c15 = c12 + D_C_SP_AR * rod
    c16 = c15 + D_CC_TRIPLE * rod
    add("C15", "C", c15)
    add("C16", "C", c16)
    c17 = c16 + D_C_SP_AR * rod
    hexagon(c17, TWIST_PHENYL, ["C17", "C18", "C19", "C20", "C21", "C22"],
            {"C18", "C19", "C20", "C21", "C22"})
    return names, elems, np.array(xyz)


# ---------------------------------------------------------------------------------------
# The molecule
# ---------------------------------------------------------------------------------------
def _c2z(v: np.ndarray) -> np.ndarray:
    """The molecular 2-fold axis ∥ Z applied to Cartesian vectors (..., 3)."""
    return np.asarray(v, dtype=float) * np.array([-1.0, -1.0, 1.0])


def _half_molecule(fe_n: float) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Half A of the molecule in the molecular frame (Fe at the origin, 2-fold axis ∥ Z).

    Octahedron axes u1 = (X + Z)/√2, u2 = (−X + Z)/√2 (= 2-fold image of u1), u3 = Y: NCS A
    along u1; chelate A in the plane of −u1 and u3, with (``PYRIDINE_TRANS_TO_NCS = False``)
    the imine N towards −u1 (trans to NCS A) and the pyridine N towards u3 (so the two
    pyridine N are mutually trans). All Fe–N = ``fe_n`` Å.
    Returns labels (suffix A), elements, (n, 3) Cartesian coordinates and group ids
    (1 = PM-PEA, 3 = NCS).
    """
    names, elems, loc = _ligand_local()
    i1, i8 = names.index("N1"), names.index("N8")
    n1, n8 = loc[i1], loc[i8]
    half = 0.5 * np.linalg.norm(n8 - n1)
    if fe_n <= half:
        raise SymstrainInputError("q", f"Fe–N {fe_n:.3f} Å is too short for the ligand bite")
    mid = 0.5 * (n1 + n8)
    perp = _unit(np.cross([0.0, 0.0, 1.0], n8 - n1))
    if np.dot(perp, loc[names.index("C2")] - mid) > 0:
        perp = -perp
    fe_loc = mid + math.sqrt(fe_n**2 - half**2) * perp

    u1 = np.array([1.0, 0.0, 1.0]) / math.sqrt(2)
    u3 = np.array([0.0, 1.0, 0.0])
    a_py, a_im = (-u1, u3) if PYRIDINE_TRANS_TO_NCS else (u3, -u1)
    b = _unit(a_py + a_im)
    e = _unit(a_im - a_py)
    s_half = half / fe_n
    c_half = math.sqrt(1.0 - s_half**2)
    t_py = fe_n * (c_half * b - s_half * e)
    t_im = fe_n * (c_half * b + s_half * e)

    def frame(p, q):
        x = _unit(p + q)
        y = _unit(q - p)
        return np.column_stack([x, y, np.cross(x, y)])

    R = frame(t_py, t_im) @ frame(n1 - fe_loc, n8 - fe_loc).T
    lig = (loc - fe_loc) @ R.T
    d1 = u1 * fe_n
    ncs = np.array([d1, d1 + D_NC_THIOCYANATE * u1, d1 + (D_NC_THIOCYANATE + D_CS_THIOCYANATE) * u1])
    labels = [n + "A" for n in names] + ["N31A", "C31A", "S31A"]
    elements = list(elems) + ["N", "C", "S"]
    groups = np.array([1] * len(names) + [3, 3, 3])
    return labels, elements, np.vstack([lig, ncs]), groups


def fe_n_distance(q: float) -> float:
    """Fe–N (Å) of the model at spin-crossover parameter q: 1.97 + 0.21·(1 + q)/2."""
    return FE_N_LS + (FE_N_HS - FE_N_LS) * 0.5 * (1.0 + q)


def _molecule(q: float):
    """Whole molecule, molecular frame rotated by PSI about Z, Fe at the origin.

    Returns labels, elements, (n, 3) Cartesian coordinates, group ids (0 Fe, 1/2 PM-PEA A/B,
    3/4 NCS A/B) and ``partner`` (index of each atom's 2-fold image).
    """
    lab_a, el_a, xyz_a, grp_a = _half_molecule(fe_n_distance(q))
    rz = _rotation([0.0, 0.0, 1.0], math.radians(PSI))
    xyz_a = xyz_a @ rz.T
    n = len(lab_a)
    labels = ["Fe1"] + lab_a + [s[:-1] + "B" for s in lab_a]
    elements = ["Fe"] + el_a + el_a
    xyz = np.vstack([np.zeros((1, 3)), xyz_a, _c2z(xyz_a)])
    groups = np.concatenate([[0], grp_a, grp_a + 1])
    partner = np.concatenate([[0], np.arange(1, n + 1) + n, np.arange(1, n + 1)])
    return labels, elements, xyz, groups, partner


def _breaking_pattern(xyz: np.ndarray, groups: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """Displacement pattern D (n, 3) in Å at eta = 1, antisymmetric under the molecular 2-fold.

    Linearised libration of the whole molecule about Y (∥ b) by LIBRATION_B and tilts of the
    NCS groups about their N atom by NCS_TILT, about n_A = (Fe→N_A) × Z for NCS A and
    −2z(n_A) for NCS B. The antisymmetric projection (D − 2z(D[partner]))/2 is applied last,
    which leaves this pattern unchanged and guarantees the 2-fold average is the eta = 0 structure.
    """
    D = LIBRATION_B * np.cross(np.array([0.0, 1.0, 0.0]), xyz)
    ia = np.flatnonzero(groups == 3)
    ib = np.flatnonzero(groups == 4)
    n_a = _unit(np.cross(xyz[ia[0]], [0.0, 0.0, 1.0]))
    n_b = -_c2z(n_a)
    D[ia] += NCS_TILT * np.cross(n_a, xyz[ia] - xyz[ia[0]])
    D[ib] += NCS_TILT * np.cross(n_b, xyz[ib] - xyz[ib[0]])
    return 0.5 * (D - _c2z(D[partner]))


# ---------------------------------------------------------------------------------------
# Cells and phases
# ---------------------------------------------------------------------------------------
def model_cell(q: float = -1.0, eta: float = 0.0) -> Cell:
    """Default cell of :func:`model_phase`: the reference cell strained by q and eta.

    a = a0·s, b = b0·s, c = c0·s/sinβ with s = (1 + 0.05·(1 + q)/2)^(1/3) and
    cotβ = eta·cot(93.1°); so V = V0·s³ and ε13 = ½·c·cosβ/c0 = ½·s·eta·cot(93.1°).
    """
    q, eta = _check_q_eta(q, eta)
    a0, b0, c0 = CELL_LS
    s = (1.0 + VOLUME_STRAIN_HS * 0.5 * (1.0 + q)) ** (1.0 / 3.0)
    cot_beta = eta / math.tan(math.radians(BETA_FULL))
    beta = math.degrees(math.atan2(1.0, cot_beta))
    return Cell(a0 * s, b0 * s, c0 * s / math.sin(math.radians(beta)), 90.0, beta, 90.0)


def _check_q_eta(q, eta) -> tuple[float, float]:
    try:
        q, eta = float(q), float(eta)
    except (TypeError, ValueError):
        raise SymstrainInputError("model_phase", f"q and eta must be numbers, got {q!r}, {eta!r}") from None
    if not (math.isfinite(q) and -1.0 <= q <= 1.0):
        raise SymstrainInputError("q", f"spin-crossover parameter q = {q} is outside [-1, 1]")
    if not (math.isfinite(eta) and abs(eta) <= 2.0):
        raise SymstrainInputError("eta", f"order parameter eta = {eta} is outside [-2, 2]")
    return q, eta


def _u_iso(q: float, temperature: float | None) -> float:
    """U_iso (Å²) of non-H atoms: linear in T through (90 K, 0.02) and (300 K, 0.04) when T is
    given, else 0.02 + 0.02·(1 + q)/2."""
    if temperature is None:
        return U_ISO_LS_90K + (U_ISO_HS_300K - U_ISO_LS_90K) * 0.5 * (1.0 + q)
    return U_ISO_LS_90K + (U_ISO_HS_300K - U_ISO_LS_90K) * (temperature - 90.0) / 210.0


def model_cartesian(q: float = -1.0, eta: float = 0.0):
    """The whole model molecule in Cartesian Å relative to Fe, crystal frame (X ∥ a, Z ∥ c*).

    Returns ``(labels, elements, xyz)`` with xyz of shape (79, 3), including the eta·D displacement.
    """
    q, eta = _check_q_eta(q, eta)
    labels, elements, xyz, groups, partner = _molecule(q)
    if eta != 0.0:
        xyz = xyz + eta * _breaking_pattern(xyz, groups, partner)
    return labels, elements, xyz


#: shortest acceptable distances (Å) between atoms of different molecules: non-H···non-H,
#: H···H, non-H···H; below them model_phase adds a warning to the Phase
CONTACT_LIMITS = (3.2, 2.0, 2.5)
#: codes of the warnings of a model Phase (``Phase.warnings``, source: the Phase's name)
WARNING_CODES = {
    "model_structure": "the structure is a generated model: idealised geometry, invented cell and packing",
    "short_contact": "an intermolecular contact shorter than CONTACT_LIMITS: the invented packing does not hold",
}


def intermolecular_contacts(q: float, eta: float, cell: Cell) -> dict[str, float]:
    """Shortest distances (Å) between atoms of different molecules of the model in ``cell``.

    Keys ``"XX"`` (non-H···non-H), ``"HH"`` and ``"XH"``; ``inf`` when none is below 4 Å.
    Molecules are generated as whole rigid units by the four operations of P 1 21/c 1
    (coset representatives of the Pccn site symmetry ..2), plus lattice translations.
    """
    from scipy.spatial import cKDTree

    _, elements, xyz = model_cartesian(q, eta)
    A = cell.matrix()
    frac = np.array([0.25, 0.25, Z_FE]) + xyz @ np.linalg.inv(A).T
    sg = SpaceGroupInfo.from_symbol("P 1 21/c 1")
    mols = np.array([frac @ R.T + t for R, t in sg.ops()])  # (4, n, 3), whole molecules
    cutoff = 4.0
    r_max = np.linalg.norm(xyz, axis=1).max()
    # lattice translations that can bring an atom within the cutoff of another molecule
    heights = 1.0 / np.linalg.norm(np.linalg.inv(A), axis=1)  # interplanar spacings d100, d010, d001
    reach = [int(math.ceil((2.0 * r_max + cutoff) / h)) + 1 for h in heights]
    shifts = np.array(np.meshgrid(*[np.arange(-r, r + 1) for r in reach], indexing="ij")).reshape(3, -1).T
    # keep only molecule images whose Fe is close enough to some Fe of the reference molecules
    fe = mols[:, 0, :]  # (4, 3), atom 0 is Fe
    images = (fe[:, None, :] + shifts[None, :, :]).reshape(-1, 3)  # (4·nshift, 3)
    gap = np.linalg.norm(((images[None, :, :] - fe[:, None, :]) @ A.T), axis=2).min(axis=0)
    keep = np.flatnonzero(gap < 2.0 * r_max + cutoff)
    mol_j, shift_j = np.divmod(keep, len(shifts))
    n = xyz.shape[0]
    big = (mols[mol_j] + shifts[shift_j][:, None, :]).reshape(-1, 3) @ A.T
    ref = mols.reshape(-1, 3) @ A.T
    pairs = cKDTree(ref).sparse_distance_matrix(cKDTree(big), cutoff, output_type="ndarray")
    i, j, d = pairs["i"], pairs["j"], pairs["v"]
    mol_i, atom_i = np.divmod(i, n)
    block, atom_j = np.divmod(j, n)
    other = ~((mol_i == mol_j[block]) & (shifts[shift_j[block]] == 0).all(axis=1))
    is_h = np.array([e == "H" for e in elements])
    hi, hj, d = is_h[atom_i[other]], is_h[atom_j[other]], d[other]
    out = {}
    for key, mask in (("XX", ~hi & ~hj), ("HH", hi & hj), ("XH", hi ^ hj)):
        out[key] = float(d[mask].min()) if mask.any() else math.inf
    return out


def model_phase(q: float = -1.0, eta: float = 0.0, *, temperature: float | None = None,
                cell: Cell | None = None) -> Phase:
    """A model [Fe(PM-PEA)2(NCS)2] structure at spin-crossover parameter q and order parameter eta.

    ``q`` ∈ [−1, 1]: high-spin fraction (1 + q)/2; Fe–N = 1.97 + 0.21·(1 + q)/2 Å.
    ``eta`` ∈ [−2, 2]: amplitude of the 2-fold-breaking displacement pattern (1 = the HS model).
    eta = 0 gives P c c n with the half molecule as asymmetric unit (Fe at 4c, ¼ ¼ z);
    eta ≠ 0 gives P 1 21/c 1 (same axes and origin) with the whole molecule.
    ``temperature`` (K) is recorded and sets U_iso; ``cell`` overrides :func:`model_cell`
    (it must be orthogonal when eta = 0). The molecule is rigid in Cartesian space and keeps
    Fe at fractional (¼, ¼, z_Fe) whatever the cell. Deterministic.
    """
    q, eta = _check_q_eta(q, eta)
    if temperature is not None:
        temperature = float(temperature)
        if not (math.isfinite(temperature) and temperature >= 0.0):
            raise SymstrainInputError("temperature", f"temperature {temperature} K is not a finite value ≥ 0")
    given_cell = cell is not None
    if cell is None:
        cell = model_cell(q, eta)
    elif not isinstance(cell, Cell):
        raise SymstrainInputError("cell", f"expected a symstrain Cell, got {type(cell).__name__}")
    if eta == 0.0 and max(abs(x - 90.0) for x in (cell.alpha, cell.beta, cell.gamma)) > 1e-6:
        raise SymstrainInputError(
            "cell", f"eta = 0 declares Pccn, which needs an orthogonal cell, got "
                    f"alpha, beta, gamma = {cell.alpha}, {cell.beta}, {cell.gamma}")
    if eta != 0.0 and (abs(cell.alpha - 90.0) > 1e-6 or abs(cell.gamma - 90.0) > 1e-6):
        raise SymstrainInputError(
            "cell", f"P 1 21/c 1 with unique axis b needs alpha = gamma = 90, got {cell.alpha}, {cell.gamma}")

    labels, elements, xyz = model_cartesian(q, eta)
    frac = np.array([0.25, 0.25, Z_FE]) + xyz @ np.linalg.inv(cell.matrix()).T
    if eta == 0.0:
        keep = [i for i, lab in enumerate(labels) if not lab.endswith("B")]
        sg = SpaceGroupInfo.from_symbol("P c c n")
        frac[0, :2] = 0.25  # exactly on the 2-fold axis
    else:
        keep = list(range(len(labels)))
        sg = SpaceGroupInfo.from_symbol("P 1 21/c 1")
    u = _u_iso(q, temperature)
    nan3 = np.full(3, np.nan)
    atoms = tuple(
        Atom(labels[i], elements[i], frac[i].copy(), nan3.copy(), 1.0,
             round(u * (U_H_FACTOR if elements[i] == "H" else 1.0), 6))
        for i in keep
    )
    tag = "Pccn" if eta == 0.0 else "P21c"
    block = f"model_q{q:+.3f}_eta{eta:+.3f}_{tag}".replace("+", "p").replace("-", "m").replace(".", "")
    how = f"q={q:g}, eta={eta:g}" + ("" if temperature is None else f", temperature={temperature:g}")
    warnings = [WarningText("model_structure", f"{MODEL_SOURCE}:{block}", f"built by symstrain.models.model_phase({how}"
                            f"{', cell=given' if given_cell else ''}): idealised geometry, invented cell and packing")]
    contacts = intermolecular_contacts(q, eta, cell)
    for (key, what), limit in zip((("XX", "non-H...non-H"), ("HH", "H...H"), ("XH", "non-H...H")), CONTACT_LIMITS):
        if contacts[key] < limit:
            warnings.append(WarningText("short_contact", f"{MODEL_SOURCE}:{block}", f"short intermolecular contact {what} "
                                        f"{contacts[key]:.2f} A (< {limit} A) at q = {q}, eta = {eta}: the invented "
                                        "packing does not hold here"))
    return Phase(cell=cell, spacegroup=sg, atoms=atoms, source=MODEL_SOURCE, block=block,
                 temperature=temperature, temperature_source=None if temperature is None else "model",
                 formula=FORMULA, z=float(Z_MOLECULES), warnings=tuple(warnings))


def model_pair() -> tuple[Phase, Phase]:
    """The two shipped models: (low-spin Pccn at 90 K, high-spin P 1 21/c 1 at 300 K).

    LS = ``model_phase(-1, 0, temperature=90)``, HS = ``model_phase(+1, 1, temperature=300)``,
    with data blocks ``model_LS_Pccn_90K`` and ``model_HS_P21c_300K``.
    """
    from dataclasses import replace

    ls = replace(model_phase(-1.0, 0.0, temperature=90.0), block=Path(MODEL_FILES[0]).stem)
    hs = replace(model_phase(1.0, 1.0, temperature=300.0), block=Path(MODEL_FILES[1]).stem)
    return ls, hs


def write_model_cifs(directory, *, overwrite: bool = False) -> list[Path]:
    """Write the two models of :func:`model_pair` into ``directory`` (created if missing).

    Files: ``model_LS_Pccn_90K.cif`` and ``model_HS_P21c_300K.cif``. Existing files are
    kept (SymstrainInputError) unless ``overwrite=True``. Returns the two paths. The
    project's ``cifs/`` folder is regenerated with
    ``python -c "from symstrain.models import write_model_cifs; write_model_cifs('cifs', overwrite=True)"``.
    """
    from .writer import write_cif

    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise SymstrainInputError(directory, "is not a directory")
    paths = [directory / name for name in MODEL_FILES]
    if not overwrite:
        for path in paths:
            if path.exists():
                raise SymstrainInputError(path, "file exists; refusing to overwrite it (pass overwrite=True)")
    directory.mkdir(parents=True, exist_ok=True)
    return [write_cif(phase, path, overwrite=overwrite) for phase, path in zip(model_pair(), paths)]
