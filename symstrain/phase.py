"""Value objects for one crystal phase: :class:`Cell`, :class:`SpaceGroupInfo`, :class:`Atom`, :class:`Phase`.

These are plain frozen records. Reading them from CIF lives in ``cif.py``, symmetry
detection in ``symmetry.py``, writing CIF in ``writer.py``. Nothing here reads files.

Conventions
-----------
* Lengths in Å, angles in degrees, volumes in Å³, temperatures in K.
* ``Cell.matrix`` holds the cell vectors **as columns** in a Cartesian frame (Å):
  ``A = [a | b | c]``. Default frame (gemmi's orthogonalisation, used by the seed
  paper): X ∥ a, Y in the ab plane, Z ∥ c*. ``frame="c"`` gives Z ∥ c, X ∥ a*.
  A fractional column vector x maps to Cartesian r = A·x.
* Symmetry operations are (R, t) acting on fractional column vectors:
  x' = R·x + t, with t reduced to [0, 1). Centring translations are included as
  separate operations, so ``len(ops)`` is the order of the group modulo the lattice
  of the cell as given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

CELL_NAMES = ("a", "b", "c", "alpha", "beta", "gamma")


@dataclass(frozen=True)
class Cell:
    """Unit cell: lengths a, b, c (Å) and angles α, β, γ (degrees), with optional s.u.'s.

    ``su`` is a 6-tuple of standard uncertainties in the same order and units, each
    ``None`` when the input gave none (never silently 0: an s.u. written ``(0)`` is kept as 0.0).
    """

    a: float
    b: float
    c: float
    alpha: float
    beta: float
    gamma: float
    su: tuple[float | None, ...] = (None,) * 6

    @property
    def params(self) -> np.ndarray:
        """(6,) float array a, b, c, α, β, γ."""
        return np.array([self.a, self.b, self.c, self.alpha, self.beta, self.gamma], dtype=float)

    @property
    def su_array(self) -> np.ndarray:
        """(6,) float array of s.u.'s with NaN where unknown."""
        return np.array([np.nan if s is None else s for s in self.su], dtype=float)

    @property
    def has_su(self) -> bool:
        """True when every non-fixed parameter has an s.u. (angles fixed by symmetry may lack one)."""
        return any(s is not None for s in self.su)

    @property
    def volume(self) -> float:
        """Cell volume V (Å³)."""
        return cell_volume(self.params)

    @property
    def volume_su(self) -> float | None:
        """s.u. of V (Å³), first-order propagation from the parameters that carry an s.u.; None when none do."""
        if not self.has_su:
            return None
        p = self.params
        s = np.nan_to_num(self.su_array, nan=0.0)
        grad = np.zeros(6)
        for i in range(6):
            h = 1e-6 * max(1.0, abs(p[i]))
            up, dn = p.copy(), p.copy()
            up[i] += h
            dn[i] -= h
            grad[i] = (cell_volume(up) - cell_volume(dn)) / (2 * h)
        return float(math.sqrt(np.sum((grad * s) ** 2)))

    def matrix(self, frame: str = "cstar") -> np.ndarray:
        """(3, 3) cell vectors as columns in Å.

        ``frame="cstar"``: X ∥ a, Y in the ab plane, Z ∥ c* (gemmi / PDB convention).
        ``frame="c"``: Z ∥ c, Y in the bc plane, X ∥ a*.
        """
        return cell_matrix(self.params, frame)

    def metric(self) -> np.ndarray:
        """(3, 3) metric tensor G = Aᵀ·A (Å²)."""
        A = self.matrix()
        return A.T @ A

    def transformed(self, P: np.ndarray) -> "Cell":
        """The cell whose basis is this basis · P (columns of P = new vectors in old fractional units).

        s.u.'s are not carried (a transformed cell's s.u.'s are correlated); use
        ``strain`` for propagated uncertainties.
        """
        A = self.matrix() @ np.asarray(P, dtype=float)
        return Cell(*params_from_matrix(A))

    def to_dict(self) -> dict:
        d = {k: float(v) for k, v in zip(CELL_NAMES, self.params)}
        d["su"] = {k: s for k, s in zip(CELL_NAMES, self.su)}
        d["volume"] = self.volume
        d["volume_su"] = self.volume_su
        return d


def format_su(value, su=None, digits: int = 6) -> str:
    """A value with its standard uncertainty in the crystallographers' notation, e.g. ``12.370(2)``.

    The s.u. is rounded to one significant digit (two when it starts with 1) and the value to the same decimal;
    an s.u. of exactly 0 is written ``(0)``; without an s.u. the value gets ``digits`` significant digits; a
    missing or non-finite value is ``—``. Exact zeros never print as ``-0``.
    """
    if value is None or not math.isfinite(float(value)):
        return "—"
    v = float(value)
    if abs(v) < 1e-12:
        v = 0.0
    if su is None or not math.isfinite(float(su)):
        return f"{v:.{digits}g}"
    s = float(su)
    if s <= 0:
        return f"{v:.{digits}g}(0)"
    e = int(math.floor(math.log10(s)))
    dec = min(max(0, (1 - e) if s / 10**e < 2 else -e), 10)
    return f"{v:.{dec}f}({round(s * 10**dec):d})"


def cell_volume(p) -> float:
    """Volume from (a, b, c, α, β, γ) in Å and degrees."""
    a, b, c = p[0], p[1], p[2]
    ca, cb, cg = (math.cos(math.radians(x)) for x in p[3:6])
    arg = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg
    return float(a * b * c * math.sqrt(max(arg, 0.0)))


def cell_matrix(p, frame: str = "cstar") -> np.ndarray:
    """Cell vectors as columns (Å) for parameters p = (a, b, c, α, β, γ); see :meth:`Cell.matrix`."""
    a, b, c = (float(x) for x in p[:3])
    al, be, ga = (math.radians(float(x)) for x in p[3:6])
    ca, cb, cg, sg = math.cos(al), math.cos(be), math.cos(ga), math.sin(ga)
    if frame == "cstar":
        cx = c * cb
        cy = c * (ca - cb * cg) / sg
        cz = math.sqrt(max(c * c - cx * cx - cy * cy, 0.0))
        return np.array([[a, b * cg, cx], [0.0, b * sg, cy], [0.0, 0.0, cz]])
    if frame == "c":
        # Z ∥ c, b in the YZ plane, X ∥ a* (so a has a positive X component)
        sa = math.sin(al)
        by, bz = b * sa, b * ca
        az = a * cb
        ay = a * (cg - ca * cb) / sa
        ax = math.sqrt(max(a * a - ay * ay - az * az, 0.0))
        return np.array([[ax, 0.0, 0.0], [ay, by, 0.0], [az, bz, c]])
    raise ValueError(f"unknown frame {frame!r}: use 'cstar' (X∥a, Z∥c*) or 'c' (Z∥c, X∥a*)")


def params_from_matrix(A: np.ndarray) -> tuple[float, ...]:
    """(a, b, c, α, β, γ) from cell vectors given as the columns of A."""
    A = np.asarray(A, dtype=float)
    G = A.T @ A
    a, b, c = np.sqrt(np.diag(G))
    al = math.degrees(math.acos(np.clip(G[1, 2] / (b * c), -1, 1)))
    be = math.degrees(math.acos(np.clip(G[0, 2] / (a * c), -1, 1)))
    ga = math.degrees(math.acos(np.clip(G[0, 1] / (a * b), -1, 1)))
    return float(a), float(b), float(c), al, be, ga


@dataclass(frozen=True, eq=False)
class SpaceGroupInfo:
    """A space group in the setting of the file it came from.

    ``rotations`` (n, 3, 3) int and ``translations`` (n, 3) float in [0, 1) list every
    operation modulo the lattice of the given cell, centring included.
    ``source`` says where the group came from: ``"symops"`` (the file's operator list),
    ``"H-M"``, ``"Hall"``, ``"number"``, or ``"assumed P1"`` (with a warning in the Phase).
    """

    number: int
    hm: str  # full Hermann–Mauguin symbol of this setting, e.g. "P 1 21/c 1"
    hall: str
    setting: str  # short human description, e.g. "P 1 21/n 1 (non-standard, 14)"
    source: str
    rotations: np.ndarray
    translations: np.ndarray
    is_standard_setting: bool = True

    @property
    def order(self) -> int:
        return len(self.rotations)

    def ops(self):
        """Iterate (R, t) pairs."""
        return zip(self.rotations, self.translations)

    @classmethod
    def from_gemmi(cls, sg, source: str) -> "SpaceGroupInfo":
        """Build from a ``gemmi.SpaceGroup`` (every operation, centring included)."""
        rots, trans = ops_to_arrays(sg.operations())
        std = bool(sg.is_reference_setting())
        setting = sg.xhm() if std else f"{sg.xhm()} (non-standard setting of {sg.number})"
        return cls(sg.number, sg.xhm(), sg.hall, setting, source, rots, trans, std)

    @classmethod
    def from_symbol(cls, symbol: str) -> "SpaceGroupInfo":
        """Build from an H-M symbol gemmi knows, e.g. ``"P c c n"`` or ``"P 1 21/c 1"`` (source "H-M")."""
        import gemmi

        return cls.from_gemmi(gemmi.SpaceGroup(symbol), "H-M")

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "symbol": self.hm,
            "hall": self.hall,
            "setting": self.setting,
            "standard_setting": self.is_standard_setting,
            "source": self.source,
            "n_operations": self.order,
        }


_AXES = "xyz"


def frac_str(v: float, max_den: int = 48) -> str:
    """A number as the nearest fraction with denominator ≤ max_den, e.g. '1/4', '-3/8', '2'."""
    return str(Fraction(float(v)).limit_denominator(max_den))


def op_to_xyz(R: np.ndarray, t: np.ndarray, *, exact_for: str | None = None) -> str:
    """The triplet ``'-x+1/2,y,-z+1/2'`` of x' = R·x + t (t is written as given, not reduced).

    Entries are written as the nearest fractions with denominator ≤ 48. With ``exact_for`` (a source name, for
    files that must be exact) a translation that is not such a fraction raises :class:`SymstrainInputError`
    instead of being rounded.
    """
    if exact_for is not None:
        for v in np.asarray(t, dtype=float):
            if abs(float(Fraction(float(v)).limit_denominator(48)) - v) > 1e-6:
                from .errors import SymstrainInputError

                raise SymstrainInputError(exact_for, f"translation {v} of a symmetry operation is not a simple fraction")
    out = []
    for i in range(3):
        terms = ""
        for j in range(3):
            c = R[i, j]
            if abs(c) < 1e-9:
                continue
            ci = int(round(c))
            if abs(c - ci) > 1e-6:
                s = frac_str(c)
                terms += ("+" if c > 0 and terms else "") + f"{s}*{_AXES[j]}"
            elif ci == 1:
                terms += ("+" if terms else "") + _AXES[j]
            elif ci == -1:
                terms += "-" + _AXES[j]
            else:
                terms += ("+" if ci > 0 and terms else "") + f"{ci}*{_AXES[j]}"
        if abs(t[i]) > 1e-9:
            s = frac_str(t[i])
            terms += s if s.startswith("-") else ("+" + s if terms else s)
        out.append(terms or "0")
    return ",".join(out)


def ops_to_arrays(group_ops) -> tuple[np.ndarray, np.ndarray]:
    """(n,3,3) int rotations and (n,3) float translations in [0, 1) from a ``gemmi.GroupOps``."""
    ops = list(group_ops)
    den = float(ops[0].DEN) if ops else 24.0
    rots = np.array([np.array(op.rot) // op.DEN for op in ops], dtype=int).reshape(-1, 3, 3)
    trans = np.array([np.array(op.tran) / den for op in ops], dtype=float).reshape(-1, 3) % 1.0
    return rots, trans


@dataclass(frozen=True, eq=False)
class Atom:
    """One site of the asymmetric unit.

    ``xyz`` fractional coordinates (3,), ``xyz_su`` their s.u.'s (NaN where unknown),
    ``occupancy`` in [0, 1] (1.0 when the file gives none or '?'/'.'; see Phase.warnings),
    ``u_iso`` isotropic or equivalent displacement parameter U (Å²) or None,
    ``u_aniso`` (U11, U22, U33, U12, U13, U23) in Å² or None,
    ``disorder_group`` as written in the file ('' when none).
    """

    label: str
    element: str
    xyz: np.ndarray
    xyz_su: np.ndarray
    occupancy: float = 1.0
    u_iso: float | None = None
    u_aniso: tuple[float, ...] | None = None
    disorder_group: str = ""

    def moved(self, xyz) -> "Atom":
        return replace(self, xyz=np.asarray(xyz, dtype=float))


@dataclass(frozen=True, eq=False)
class Phase:
    """One crystal structure as read from a CIF block (or built by ``models``).

    ``temperature`` in K or None; ``temperature_source`` names the CIF item it came from.
    ``warnings`` are one-line notes on anything assumed while reading.
    """

    cell: Cell
    spacegroup: SpaceGroupInfo
    atoms: tuple[Atom, ...]
    source: str = "<memory>"
    block: str = ""
    temperature: float | None = None
    temperature_su: float | None = None
    temperature_source: str | None = None
    formula: str | None = None
    z: float | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return f"{self.source}:{self.block}" if self.block else self.source

    def with_cell(self, cell: Cell) -> "Phase":
        return replace(self, cell=cell)

    def transformed(self, P, p=(0.0, 0.0, 0.0)) -> "Phase":
        """The same structure described on the basis (a, b, c)·P with its origin at p (old fractional units):
        x_old = P·x_new + p, operations W' = P⁻¹WP, w' = P⁻¹(w + W·p − p).

        P must be unimodular (|det P| = 1, same cell volume); the space-group symbol is re-identified for the
        new setting (gemmi's tables; the number is kept when the setting is not tabulated). s.u.'s are dropped.
        """
        from .errors import SymstrainInputError

        P = np.asarray(P, dtype=float)
        p = np.asarray(p, dtype=float)
        if P.shape != (3, 3) or abs(abs(np.linalg.det(P)) - 1) > 1e-9:
            raise SymstrainInputError(self.name, "a setting change needs a 3×3 matrix with |det P| = 1")
        Pi = np.linalg.inv(P)
        sg = self.spacegroup
        rots = np.einsum("ij,njk,kl->nil", Pi, sg.rotations.astype(float), P)
        if np.max(np.abs(rots - np.round(rots))) > 1e-9:
            raise SymstrainInputError(self.name, "the new basis is not a lattice basis of this group")
        rots = np.round(rots).astype(int)
        trans = (np.einsum("ij,nj->ni", Pi, sg.translations + np.einsum("nij,j->ni", sg.rotations, p) - p)) % 1.0
        trans[np.isclose(trans, 1.0)] = 0.0
        new_sg = _identified(sg, rots, trans)
        atoms = tuple(replace(a, xyz=(Pi @ (a.xyz - p)) % 1.0, xyz_su=np.full(3, np.nan)) for a in self.atoms)
        return replace(self, cell=self.cell.transformed(P), spacegroup=new_sg, atoms=atoms)

    # conversions (symstrain.interop; pymatgen / ASE imported only here: pip install symstrain[interop])
    def to_pymatgen(self):
        """pymatgen ``Structure`` of the full cell: partial occupancies as species ``{element: occupancy}``, site
        labels kept; s.u.'s, displacement parameters, disorder groups and occupancy-0 sites are lost."""
        from .interop import to_pymatgen

        return to_pymatgen(self)

    @classmethod
    def from_pymatgen(cls, structure, symprec: float = 0.01, source: str | None = None) -> "Phase":
        """Phase from a pymatgen ``Structure``: space group found by spglib at ``symprec`` (Å), asymmetric unit
        whose expansion is the structure; no s.u.'s, displacement parameters or disorder groups."""
        from .interop import from_pymatgen

        return from_pymatgen(structure, symprec=symprec, source=source)

    def to_ase(self):
        """``ase.Atoms`` of the full cell (pbc on); partial occupancies in ``atoms.info["occupancy"]`` keyed by
        ``atoms.arrays["spacegroup_kinds"]`` as ASE's CIF reader does, labels in ``atoms.arrays["labels"]``."""
        from .interop import to_ase

        return to_ase(self)

    @classmethod
    def from_ase(cls, atoms, symprec: float = 0.01, source: str | None = None) -> "Phase":
        """Phase from periodic ``ase.Atoms``: space group found by spglib at ``symprec`` (Å), as
        :meth:`from_pymatgen`."""
        from .interop import from_ase

        return from_ase(atoms, symprec=symprec, source=source)


def _identified(old: SpaceGroupInfo, rots: np.ndarray, trans: np.ndarray) -> SpaceGroupInfo:
    """A SpaceGroupInfo for transformed operations, named by gemmi when the setting is tabulated."""
    import gemmi

    ops = []
    for R, t in zip(rots, trans):
        op = gemmi.Op()
        op.rot = [[int(v) * gemmi.Op.DEN for v in row] for row in R]
        op.tran = [int(round(v * gemmi.Op.DEN)) % gemmi.Op.DEN for v in t]
        ops.append(op)
    found = gemmi.find_spacegroup_by_ops(gemmi.GroupOps(ops))
    if found is not None:
        std = bool(found.is_reference_setting())
        setting = found.xhm() if std else f"{found.xhm()} (non-standard setting of {found.number})"
        return SpaceGroupInfo(found.number, found.xhm(), found.hall, setting, old.source, rots, trans, std)
    return SpaceGroupInfo(old.number, f"{old.hm} (transformed)", "", f"transformed setting of {old.number}",
                          old.source, rots, trans, False)
