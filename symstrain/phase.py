"""Value objects for one crystal phase: :class:`Cell`, :class:`SpaceGroupInfo`, :class:`Atom`, :class:`Phase`.

These are plain frozen records. Reading them from CIF lives in ``cif.py``, symmetry
detection in ``detect.py``, writing CIF in ``writer.py``, the operations of a group as a set
(membership, closure, change of basis) in ``ops.py``, cell geometry (matrices, metrics, volumes,
for one cell or many) in ``lattice.py``, text of values in ``notation.py``. Nothing here reads files.

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
  of the cell as given (``SpaceGroupInfo.symops`` is that set as a :class:`~symstrain.ops.SymOps`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cached_property

import numpy as np

from . import lattice
from .ops import SymOps

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
        """True when at least one parameter carries an s.u. (False: the input gave none at all).

        Parameters without one are normal — typically angles fixed by symmetry — and are treated as exact when
        s.u.'s are propagated (:attr:`volume_su`, ``strain``, which notes a length or a non-special angle
        without one).
        """
        return any(s is not None for s in self.su)

    @cached_property
    def volume(self) -> float:
        """Cell volume V (Å³) (computed once per cell: the reader and its checks ask for it several times)."""
        return lattice.volume(self.params)

    @cached_property
    def volume_su(self) -> float | None:
        """s.u. of V (Å³), first-order propagation (closed-form gradient) from the parameters that carry an
        s.u. (those written alike one parameter: :func:`~symstrain.lattice.tied_parameters`); None when none do
        (computed once per cell)."""
        if not self.has_su:
            return None
        return lattice.volume_su(self.params, self.su_array)

    def matrix(self, frame: str = "cstar") -> np.ndarray:
        """(3, 3) cell vectors as columns in Å.

        ``frame="cstar"``: X ∥ a, Y in the ab plane, Z ∥ c* (gemmi / PDB convention).
        ``frame="c"``: Z ∥ c, Y in the bc plane, X ∥ a*.
        """
        if frame == "cstar":  # the one most asked for, several times per structure: made once, a copy per call
            return self._matrix_cstar.copy()
        return lattice.cell_matrix(self.params, frame)

    @cached_property
    def _matrix_cstar(self) -> np.ndarray:
        return lattice.cell_matrix(self.params, "cstar")

    def metric(self) -> np.ndarray:
        """(3, 3) metric tensor G = Aᵀ·A (Å²) (made once per cell, a copy per call)."""
        return self._metric.copy()

    @cached_property
    def _metric(self) -> np.ndarray:
        return lattice.metric(self.params)

    def reciprocal_metric(self) -> np.ndarray:
        """(3, 3) reciprocal metric G* = G⁻¹ (Å⁻²); 1/d² = h·G*·hᵀ."""
        return lattice.reciprocal_metric(self.params)

    def transformed(self, P: np.ndarray) -> "Cell":
        """The cell whose basis is this basis · P (columns of P = new vectors in old fractional units).

        s.u.'s are not carried (a transformed cell's s.u.'s are correlated); use
        ``strain`` for propagated uncertainties.
        """
        A = self.matrix() @ np.asarray(P, dtype=float)
        return Cell(*params_from_matrix(A))

    def to_dict(self) -> dict:
        """Flat ``{a, b, c, alpha, beta, gamma, su: {name: s.u. or None}, volume, volume_su}`` (Å, degrees, Å³).

        Not the JSON contract's Cell object (each parameter a ``{"value", "su"}`` quantity): that is
        :func:`symstrain.contract.cell`, which every ``--json`` document uses.
        """
        d = {k: float(v) for k, v in zip(CELL_NAMES, self.params)}
        d["su"] = {k: s for k, s in zip(CELL_NAMES, self.su)}
        d["volume"] = self.volume
        d["volume_su"] = self.volume_su
        return d


def formula_units_in(z: float | None, cell: Cell, of_cell: Cell) -> float | None:
    """Z (formula units per cell) of a structure with ``z`` per ``of_cell`` once described in ``cell`` (another cell
    of its lattice, a sub- or a superlattice): ``z`` scaled by the volume ratio, a whole number when within 10⁻³ of
    one; None when ``z`` is."""
    if z is None:
        return None
    scaled = float(z) * cell.volume / of_cell.volume
    return float(round(scaled)) if abs(scaled - round(scaled)) < 1e-3 * max(1.0, scaled) else round(scaled, 4)


def params_from_matrix(A: np.ndarray) -> tuple[float, ...]:
    """(a, b, c, α, β, γ) as floats from one cell's vectors given as the columns of A (batches:
    :func:`symstrain.lattice.params_from_matrix`)."""
    return tuple(float(x) for x in lattice.params_from_matrix(A))


@dataclass(frozen=True, eq=False)
class SpaceGroupInfo:
    """A space group in the setting of the file it came from.

    ``rotations`` (n, 3, 3) int and ``translations`` (n, 3) float in [0, 1) list every
    operation modulo the lattice of the given cell, centring included.
    ``source`` says where the group came from: from a CIF, ``"symops"`` (the file's operator list), ``"H-M"``,
    ``"Hall"``, ``"H-M ref"`` (``_space_group_name_H-M_ref`` alone: the reference setting, with a warning),
    ``"number"`` or ``"assumed P1"`` (with a warning in the Phase); ``"spglib"`` for a structure
    imported from pymatgen or ASE (``interop``); ``"pseudo-symmetry"`` for a supergroup found by ``pseudo``. A
    setting change (:meth:`Phase.transformed`) keeps the source.
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

    @cached_property
    def symops(self) -> SymOps:
        """The operations as a :class:`~symstrain.ops.SymOps` (membership, closure, change of basis)."""
        return SymOps(self.rotations, self.translations)

    @classmethod
    def from_gemmi(cls, sg, source: str) -> "SpaceGroupInfo":
        """Build from a ``gemmi.SpaceGroup`` (every operation, centring included)."""
        ops = SymOps.from_gemmi(sg.operations())
        std = bool(sg.is_reference_setting())
        setting = sg.xhm() if std else f"{sg.xhm()} (non-standard setting of {sg.number})"
        return cls(sg.number, sg.xhm(), sg.hall, setting, source, ops.rotations, ops.translations, std)

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


@dataclass(frozen=True, eq=False)
class Atom:
    """One site of the asymmetric unit.

    ``xyz`` fractional coordinates (3,), ``xyz_su`` their s.u.'s (NaN where unknown),
    ``occupancy`` ≥ 0 (1.0 when the file gives none or '?'/'.'; a refined value up to
    :data:`~symstrain.cif_values.MAX_OCCUPANCY` = 1.1 is kept as written; see Phase.warnings),
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

    def __reduce__(self):
        # coordinates travel as plain floats (exact): a batch's results cross process boundaries, and pickling two
        # 3-element arrays per atom took twice the time of the rest of an info result
        return (_atom, (self.label, self.element, tuple(np.asarray(self.xyz, dtype=float).tolist()),
                        tuple(np.asarray(self.xyz_su, dtype=float).tolist()), self.occupancy, self.u_iso,
                        self.u_aniso, self.disorder_group))


#: the fields of an :class:`Atom`, in order; the coordinate fields travel as (n, 3) arrays (:func:`_atom_columns`)
_ATOM_FIELDS = tuple(f.name for f in fields(Atom))
_ATOM_ARRAYS = ("xyz", "xyz_su")


def _atom_columns(atoms) -> tuple:
    """The fields of ``atoms`` as columns in :data:`_ATOM_FIELDS` order: xyz and xyz_su as (n, 3) float64 arrays
    (exact), every other field as a tuple."""
    return tuple(np.array([getattr(a, k) for a in atoms], dtype=float).reshape(len(atoms), 3) if k in _ATOM_ARRAYS
                 else tuple(getattr(a, k) for a in atoms) for k in _ATOM_FIELDS)


def _atoms_from_columns(columns) -> tuple[Atom, ...]:
    """The atoms of :func:`_atom_columns`' ``columns``; each atom's xyz and xyz_su are rows (views) of the two
    arrays. Made as the default unpickling of a dataclass makes an object (the fields set straight into the
    instance's ``__dict__``, no ``__init__``): ~1 µs an atom, against ~4 µs for one reduce per atom."""
    columns = [list(np.asarray(c, dtype=float)) if k in _ATOM_ARRAYS else c for k, c in zip(_ATOM_FIELDS, columns)]
    new, set_dict = object.__new__, object.__setattr__
    atoms = []
    for values in zip(*columns):
        atom = new(Atom)
        set_dict(atom, "__dict__", dict(zip(_ATOM_FIELDS, values)))
        atoms.append(atom)
    return tuple(atoms)


def _phase(cls, rest: dict, atom_columns) -> "Phase":
    """A :class:`Phase` (or subclass ``cls``) from its pickled fields (:meth:`Phase.__reduce__`)."""
    return cls(atoms=_atoms_from_columns(atom_columns), **rest)


def _atom(label, element, xyz, xyz_su, occupancy, u_iso, u_aniso, disorder_group) -> Atom:
    """An :class:`Atom` from its pickled fields (:meth:`Atom.__reduce__`)."""
    return Atom(label, element, np.array(xyz, dtype=float), np.array(xyz_su, dtype=float), occupancy, u_iso,
                u_aniso, disorder_group)


@dataclass(frozen=True, eq=False)
class Phase:
    """One crystal structure as read from a CIF block (or built by ``models``).

    ``temperature`` in K or None; ``temperature_source`` names the CIF item it came from, followed by ``from pattern
    block NAME`` when the item is the powder-pattern block's that a pdCIF phase block links to (``cif.py``).
    ``warnings`` are one-line notes on anything assumed while reading, each a :class:`~symstrain.errors.WarningText`
    (a ``str`` carrying its coded :class:`~symstrain.errors.WarningRecord` in ``.record``; codes in the
    ``WARNING_CODES`` of the module that built the Phase: ``cif_values`` for the CIF reader, ``models``,
    ``interop``, ``order``, ``pseudo``).
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

    def __reduce__(self):
        # the atoms travel as columns (two (n, 3) arrays, a tuple per other field), not as n objects: a batch's
        # results cross process boundaries, and one reduce per atom was ~70 % of pickling an info result
        rest = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "atoms"}
        return (_phase, (type(self), rest, _atom_columns(self.atoms)))

    def transformed(self, P, p=(0.0, 0.0, 0.0)) -> "Phase":
        """The same structure described on the basis (a, b, c)·P with its origin at p (old fractional units):
        x_old = P·x_new + p, operations W' = P⁻¹WP, w' = P⁻¹(w + W·p − p).

        P must be unimodular (|det P| = 1, same cell volume); the space-group symbol is re-identified for the
        new setting (gemmi's tables; the number is kept when the setting is not tabulated). The s.u.'s of the cell
        and of the coordinates are dropped (they become correlated); the temperature's are kept.
        """
        from .errors import SymstrainInputError

        P = np.asarray(P, dtype=float)
        p = np.asarray(p, dtype=float)
        if P.shape != (3, 3) or abs(abs(np.linalg.det(P)) - 1) > 1e-9:
            raise SymstrainInputError(self.name, "a setting change needs a 3×3 matrix with |det P| = 1")
        Pi = np.linalg.inv(P)
        new_sg = _identified(self.spacegroup, self.spacegroup.symops.in_basis(P, p, source=self.name))
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


def _identified(old: SpaceGroupInfo, ops: SymOps) -> SpaceGroupInfo:
    """A SpaceGroupInfo for transformed operations, named by gemmi when the setting is tabulated."""
    import gemmi

    try:
        found = gemmi.find_spacegroup_by_ops(ops.to_gemmi())
    except ValueError:  # translations gemmi cannot hold: no tabulated setting has them
        found = None
    rots, trans = ops.rotations, ops.translations
    if found is not None:
        std = bool(found.is_reference_setting())
        setting = found.xhm() if std else f"{found.xhm()} (non-standard setting of {found.number})"
        return SpaceGroupInfo(found.number, found.xhm(), found.hall, setting, old.source, rots, trans, std)
    return SpaceGroupInfo(old.number, f"{old.hm} (transformed)", "", f"transformed setting of {old.number}",
                          old.source, rots, trans, False)
