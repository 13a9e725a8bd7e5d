"""Conversion between :class:`~symstrain.phase.Phase` and pymatgen ``Structure`` / ASE ``Atoms``.

What lives here: :func:`to_pymatgen`, :func:`from_pymatgen`, :func:`to_ase`, :func:`from_ase` (also reachable as
``Phase.to_pymatgen()`` and so on) and :func:`phase_from_sites`, which finds the space group of a full cell with
spglib and reduces it to an asymmetric unit. What does not: CIF reading and writing (``cif.py``, ``writer.py``),
symmetry detection of a Phase (``detect.py``).

pymatgen and ASE are optional (``pip install symstrain[interop]``) and imported only when a conversion runs.

Conventions
-----------
* Out: the full cell (:func:`~symstrain.expand.expand_to_cell`: sites of occupancy 0 left out). Atoms of
  different sites on one position (a mixed site such as Al 0.97 / Fe 0.03) become one site holding both
  species, as pymatgen's and ASE's CIF readers make them; its label joins the sites' labels with ``/``.
  pymatgen: one site per position, species ``{element: occupancy}``, ``labels`` the site labels. ASE: one atom
  per position (the majority species), ``arrays["spacegroup_kinds"]`` the index of its site in ``Phase.atoms``,
  ``arrays["labels"]`` the labels and, when any site is partly occupied or mixed, ``info["occupancy"]`` =
  ``{str(kind): {symbol: occupancy}}`` (ASE's own convention, understood by ``ase.io.write(..., "cif")``).
  Deuterium and tritium are pymatgen's ``Element("D")``/``("T")`` and ASE hydrogen with the isotope's mass.
* In: the space group is the one spglib finds at ``symprec`` (Å) with one spglib type per distinct
  set of (element, occupancy) on a site; each orbit keeps its first site, placed exactly on its special
  position, so expanding the asymmetric unit gives the structure back (to within ``symprec``). When the
  operations' translations are not simple fractions (an arbitrary origin) the origin is moved to spglib's
  standard one, with a warning. The lattice is taken by its parameters; a left-handed lattice is re-described
  with −c (same atoms), with a warning.
* Lost on the way out: standard uncertainties, displacement parameters, disorder groups, the temperature,
  zero-occupancy sites. Not present on the way in: the same, and every s.u. is None.

The Phase's warnings are :class:`~symstrain.errors.WarningText`'s (source: the Phase's source), codes in
:data:`WARNING_CODES`.
"""

from __future__ import annotations

import importlib

import numpy as np

from .errors import SymstrainInputError, WarningText
from .phase import Atom, Cell, Phase, SpaceGroupInfo, params_from_matrix

#: spglib tolerance (Å) of :func:`from_pymatgen` and :func:`from_ase`, as in ``detect_symmetry``
SYMPREC = 0.01
#: codes of the warnings of a Phase built here
WARNING_CODES = {
    "built_without_su": "built from another library's structure: no s.u.'s, displacement parameters or disorder",
    "left_handed_lattice": "a left-handed lattice re-described with −c",
    "origin_moved": "the origin moved to the standard origin of the space group",
    "supercell": "pure translations other than a centring map the structure onto itself",
    "origin_shifted_operators": "the operations are a tabulated setting with the origin shifted",
    "operators_identified_by_spglib": "the operations match no tabulated setting; the group named by spglib",
    "integer_operations_only": "spglib finds a larger group than the operations with integer matrices in this cell",
    "spacegroup_from_spglib": "the space group is the one spglib finds at symprec",
    "asymmetric_unit_mismatch": "the asymmetric unit does not expand to the structure's atom count",
}
#: atoms of different sites closer than this (Å) are one position with several species
SAME_POSITION = 0.02
_ISOTOPE_MASS = {"D": 2.01410178, "T": 3.01604928}  # u (atomic masses of ²H and ³H)


def _require(module: str, what: str):
    """Import an optional package or say, as bad input, how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise SymstrainInputError(what, "not installed: pip install symstrain[interop]") from None


# ----------------------------------------------------------------------------- Phase → full cell


def _merged_sites(phase: Phase):
    """The full cell with co-located atoms of different sites merged.

    Returns ``(lattice, frac, species, labels, kinds)``: lattice (3, 3) with the cell vectors as rows (Å), frac
    (M, 3) in [0, 1), species a list of M dicts element → occupancy, labels M strings, kinds (M,) int index in
    ``phase.atoms`` of the first site at each position.
    """
    from scipy.spatial import cKDTree

    from .expand import _cluster_representatives, expand_to_cell

    frac, _, site, occ = expand_to_cell(phase)
    if len(frac) == 0:
        raise SymstrainInputError(phase.name, "no atoms with occupancy above 0 to convert")
    A = phase.cell.matrix()
    n = len(frac)
    # candidate pairs in fractional coordinates scaled by the interplanar spacings (a superset of the close
    # pairs, periodic), then the exact minimum-image distance
    d = 1.0 / np.linalg.norm(np.linalg.inv(A), axis=1)
    x = np.mod(frac * d, d)
    x[x >= d] = 0.0
    pairs = cKDTree(x, boxsize=d).query_pairs(SAME_POSITION, p=np.inf, output_type="ndarray")
    if len(pairs):
        diff = frac[pairs[:, 0]] - frac[pairs[:, 1]]
        diff -= np.rint(diff)
        pairs = pairs[np.linalg.norm(diff @ A.T, axis=1) < SAME_POSITION]
    rep = _cluster_representatives(n, pairs[:, 0], pairs[:, 1])  # the first atom at each atom's position
    idx = np.flatnonzero(rep == np.arange(n))  # positions in the order of their first atom
    rank = np.searchsorted(idx, rep)
    species: list[dict[str, float]] = [{} for _ in idx]
    labels: list[list[str]] = [[] for _ in idx]
    for k in range(n):
        g = rank[k]
        atom = phase.atoms[site[k]]
        species[g][atom.element] = species[g].get(atom.element, 0.0) + float(occ[k])
        if atom.label not in labels[g]:
            labels[g].append(atom.label)
    for g, sp in enumerate(species):
        if sum(sp.values()) > 1 + 1e-3:
            xyz = ", ".join(f"{v:.4f}" for v in frac[idx[g]])
            shown = " + ".join(f"{e} {o:g}" for e, o in sp.items())
            raise SymstrainInputError(phase.name, f"the position ({xyz}) holds occupancies summing above 1 "
                                                  f"({shown}): not one crystal site")
    return A.T.copy(), frac[idx], species, ["/".join(lb) for lb in labels], site[idx]


def to_pymatgen(phase: Phase):
    """``pymatgen.core.Structure`` of the full cell of ``phase`` (see the module docstring for what is kept)."""
    core = _require("pymatgen.core", "pymatgen")
    lattice, frac, species, labels, _ = _merged_sites(phase)
    return core.Structure(core.Lattice(lattice), species, frac, labels=labels)


def to_ase(phase: Phase):
    """``ase.Atoms`` of the full cell of ``phase`` with ``pbc=True`` (see the module docstring for the layout)."""
    ase = _require("ase", "ase")
    lattice, frac, species, labels, kinds = _merged_sites(phase)
    symbols, masses, occupancy = [], [], {}
    partial = False
    for sp, kind in zip(species, kinds):
        main = max(sp, key=sp.get)  # the majority species (the first on ties)
        symbols.append("H" if main in _ISOTOPE_MASS else main)
        masses.append(_ISOTOPE_MASS.get(main))
        occ = {}
        for e, o in sp.items():
            key = "H" if e in _ISOTOPE_MASS else e
            if key in occ:
                raise SymstrainInputError(phase.name, f"site {labels[len(symbols) - 1]} mixes hydrogen isotopes, "
                                                      "which ASE's occupancy dictionary cannot hold")
            occ[key] = o
        occupancy[str(int(kind))] = occ
        partial = partial or len(sp) > 1 or any(o < 1 - 1e-9 for o in sp.values())
    atoms = ase.Atoms(symbols, scaled_positions=frac, cell=lattice, pbc=True)
    if any(m is not None for m in masses):
        default = atoms.get_masses()
        atoms.set_masses([default[i] if m is None else m for i, m in enumerate(masses)])
    atoms.new_array("spacegroup_kinds", np.asarray(kinds, dtype=int))
    atoms.new_array("labels", np.array(labels, dtype=str))
    if partial:
        atoms.info["occupancy"] = occupancy
    return atoms


# ----------------------------------------------------------------------------- full cell → Phase


def _element(name: str, source: str) -> str:
    import gemmi

    if name in _ISOTOPE_MASS:
        return name
    if not name or gemmi.Element(name).atomic_number == 0 or gemmi.Element(name).name.lower() != name.lower():
        raise SymstrainInputError(source, f"species {name!r} is not a chemical element")
    return gemmi.Element(name).name


def from_pymatgen(structure, symprec: float = SYMPREC, source: str | None = None) -> Phase:
    """A :class:`Phase` from a pymatgen ``Structure`` (ordered or with partial occupancies): space group by
    spglib at ``symprec`` Å, asymmetric unit whose expansion is the structure (module docstring)."""
    _require("pymatgen.core", "pymatgen")
    source = source or "pymatgen Structure"
    species, labels = [], []
    for i, s in enumerate(structure):
        sp = {}
        for specie, occ in s.species.items():
            el = getattr(specie, "element", specie)  # Species (with oxidation state) → Element
            name = el.name if getattr(el, "name", None) in _ISOTOPE_MASS else getattr(el, "symbol", str(specie))
            name = _element(str(name), source)
            sp[name] = sp.get(name, 0.0) + float(occ)
        species.append(sp)
        label = getattr(s, "label", None)  # pymatgen's default for a disordered site is "Al:0.970, Fe:0.030"
        labels.append(None if label is None or (":" in str(label) and label == s.species_string) else str(label))
    return phase_from_sites(np.array(structure.lattice.matrix, dtype=float), np.array(structure.frac_coords),
                            species, labels, symprec=symprec, source=source, what="a pymatgen Structure")


def from_ase(atoms, symprec: float = SYMPREC, source: str | None = None) -> Phase:
    """A :class:`Phase` from periodic ``ase.Atoms``; partial occupancies from ``info["occupancy"]`` with
    ``arrays["spacegroup_kinds"]`` (ASE's convention), labels from ``arrays["labels"]`` when present."""
    _require("ase", "ase")
    source = source or "ASE Atoms"
    if not np.all(atoms.pbc) or atoms.cell.rank != 3:
        raise SymstrainInputError(source, "not a crystal: the Atoms need a full 3D cell and pbc=True on all axes")
    symbols = atoms.get_chemical_symbols()
    masses = atoms.get_masses()
    occ_info = atoms.info.get("occupancy")
    kinds = atoms.arrays.get("spacegroup_kinds")
    given = atoms.arrays.get("labels")
    species, labels = [], []
    for i, sym in enumerate(symbols):
        sp = dict(occ_info[str(int(kinds[i]))]) if occ_info is not None and kinds is not None else {sym: 1.0}
        out = {}
        for e, o in sp.items():
            if e == "H" and sym == "H":  # ASE writes deuterium as hydrogen with its mass
                e = next((iso for iso, m in _ISOTOPE_MASS.items() if abs(masses[i] - m) < 0.05), "H")
            out[_element(str(e), source)] = float(o)
        species.append(out)
        labels.append(None if given is None else str(given[i]))
    return phase_from_sites(np.array(atoms.cell[:], dtype=float), atoms.get_scaled_positions(wrap=True),
                            species, labels, symprec=symprec, source=source, what="ASE Atoms")


def _wrap(x: np.ndarray) -> np.ndarray:
    """Fractional coordinates in [0, 1) (a value that rounds to 1.0 becomes 0)."""
    x = np.asarray(x, dtype=float) % 1.0
    x[x > 1 - 1e-12] = 0.0
    return x


def _snap(trans: np.ndarray, tol: float) -> np.ndarray | None:
    """Translations rounded to multiples of 1/48 (in [0, 1)) when every entry is within ``tol``, else None."""
    t = np.asarray(trans, dtype=float) % 1.0
    snapped = np.rint(t * 48) / 48
    if np.max(np.abs(t - snapped), initial=0.0) > tol:
        return None
    return _wrap(snapped)


def _is_group(rot: np.ndarray, trans: np.ndarray) -> bool:
    from .ops import SymOps

    return SymOps(rot, trans).is_group()


def _operations(ds, lattice: np.ndarray, symprec: float, source: str, warnings: list):
    """(rotations, translations, origin shift) of the spglib dataset with exact translations; the shift o is
    added to every fractional coordinate when the file's origin gives no simple fractions."""
    from .notation import fmt_vector

    rot = np.array(ds.rotations, dtype=int)
    trans = np.array(ds.translations, dtype=float)
    loose = min(0.01, symprec / float(np.min(np.linalg.norm(lattice, axis=1))))
    for tol in (1e-6, loose):
        t = _snap(trans, tol)
        if t is not None and _is_group(rot, t):
            return rot, t, np.zeros(3)
    # x_std = P·x + p: the standard origin lies at x = −P⁻¹p; moving it to 0 adds o = P⁻¹p to every x
    o = np.linalg.solve(np.array(ds.transformation_matrix, dtype=float), np.array(ds.origin_shift, dtype=float))
    o = (o + 0.5) % 1.0 - 0.5
    t = _snap(trans + np.einsum("nij,j->ni", rot, -o) + o, loose)
    if t is None or not _is_group(rot, t):
        raise SymstrainInputError(source, "the symmetry operations spglib finds have translations that are not "
                                          "simple fractions in this cell, with any origin")
    shown = fmt_vector(o) if np.allclose(o, np.rint(o * 48) / 48, atol=1e-6) else \
        f"({', '.join(f'{v:.6f}' for v in o)})"
    warnings.append(WarningText("origin_moved", source, "origin moved to the standard origin of the space group: "
                                f"coordinates shifted by {shown}"))
    return rot, t, o


def phase_from_sites(lattice, frac, species, labels=None, *, symprec: float = SYMPREC, source: str = "<memory>",
                     what: str = "a structure") -> Phase:
    """A :class:`Phase` from a full cell: ``lattice`` (3, 3) cell vectors as rows (Å), ``frac`` (N, 3) fractional
    coordinates, ``species`` N dicts element → occupancy, ``labels`` N strings or None (None: element + number).

    The space group is spglib's at ``symprec`` Å (one type per distinct set of (element, occupancy rounded to
    0.001)); the asymmetric unit keeps the first site of each orbit, projected onto its site-symmetry position.
    """
    import spglib

    from .expand import expand_to_cell
    from .ops import SymOps
    from .spacegroup import centring_type, identify_operations, spglib_call

    lattice = np.array(lattice, dtype=float).reshape(3, 3)
    frac = np.array(frac, dtype=float).reshape(-1, 3)
    if len(frac) == 0 or len(species) != len(frac):
        raise SymstrainInputError(source, "no atoms" if len(frac) == 0 else "one species dict per site needed")
    if not (np.all(np.isfinite(lattice)) and np.all(np.isfinite(frac))) or abs(np.linalg.det(lattice)) < 1e-6:
        raise SymstrainInputError(source, "the lattice or the coordinates are not finite, or the cell has no volume")
    if not (symprec > 0):
        raise SymstrainInputError("symprec", f"must be positive, got {symprec}")
    for sp in species:
        if not sp or any(not (0 < o <= 1 + 1e-6) for o in sp.values()) or sum(sp.values()) > 1 + 1e-3:
            raise SymstrainInputError(source, f"site occupancies {sp} are not in (0, 1] with a sum of at most 1")
    warnings = [WarningText("built_without_su", source, f"built from {what}: no standard uncertainties, "
                            "displacement parameters or disorder groups")]
    if np.linalg.det(lattice) < 0:
        lattice = lattice * np.array([[1.0], [1.0], [-1.0]])
        frac = frac * np.array([1.0, 1.0, -1.0])
        warnings.append(WarningText("left_handed_lattice", source, "left-handed lattice re-described with -c "
                                    "(z → -z); the atoms are unchanged"))
    frac = _wrap(frac)
    keys = [tuple(sorted((e, round(o, 3)) for e, o in sp.items())) for sp in species]
    _, types = np.unique(np.array([repr(k) for k in keys]), return_inverse=True)
    ds = spglib_call(spglib.get_symmetry_dataset, (lattice, frac, types.reshape(-1).astype(np.intc) + 1),
                     symprec=symprec)
    if ds is None:
        raise SymstrainInputError(source, f"spglib finds no space group at symprec {symprec:g} Å")
    rot, trans, shift = _operations(ds, lattice, symprec, source, warnings)
    ident = identify_operations(rot, trans, lattice.T)
    if ident is None:
        raise SymstrainInputError(source, "the operations spglib finds are not a recognisable space group")
    extra = SymOps(rot, trans).pure_translations()
    if len(extra) and centring_type(extra) is None:
        warnings.append(WarningText("supercell", source, f"the cell is a supercell: {len(extra)} pure "
                                    "translation(s) map the structure onto itself"))
    if ident.note:
        code = "origin_shifted_operators" if np.any(ident.origin_shift) else "operators_identified_by_spglib"
        warnings.append(WarningText(code, source, ident.note))
    if int(ds.number) != ident.number:
        warnings.append(WarningText("integer_operations_only", source, f"spglib finds {ds.international} "
                                    f"({ds.number}) for the structure; in this cell only the operations of {ident.hm} "
                                    f"({ident.number}) have integer matrices"))
    frac = _wrap(frac + shift)
    # the first site of each orbit, moved onto the mean of its images under its site-symmetry group
    reps = np.unique(np.array(ds.equivalent_atoms))
    X = frac[reps]
    diff = np.einsum("mab,nb->nma", rot, X) + trans[None] - X[:, None, :]
    diff -= np.rint(diff)
    fixed = np.linalg.norm(diff @ lattice, axis=2) < symprec
    X = _wrap(X + np.einsum("nm,nma->na", fixed, diff) / fixed.sum(axis=1)[:, None])
    count: dict[str, int] = {}
    atoms = []
    for r, x in zip(reps, X):
        given = labels[r] if labels is not None else None
        parts = given.split("/") if given else []
        for k, (element, occ) in enumerate(species[r].items()):
            if len(parts) == len(species[r]):
                label = parts[k]
            elif given:
                label = given if len(species[r]) == 1 else f"{given}_{element}"
            else:
                count[element] = count.get(element, 0) + 1
                label = f"{element}{count[element]}"
            atoms.append(Atom(label, element, x.copy(), np.full(3, np.nan), float(occ)))
    setting = ident.hm if ident.is_standard else f"{ident.hm} (non-standard setting of {ident.number})"
    sg = SpaceGroupInfo(ident.number, ident.hm, ident.hall, setting, "spglib", rot, trans, bool(ident.is_standard))
    warnings.append(WarningText("spacegroup_from_spglib", source,
                                f"space group {ident.hm} ({ident.number}) found by spglib at symprec {symprec:g} Å"))
    phase = Phase(Cell(*params_from_matrix(lattice.T)), sg, tuple(atoms), source=source, warnings=tuple(warnings))
    n_back, n_given = len(expand_to_cell(phase)[0]), sum(len(sp) for sp in species)
    if n_back != n_given:
        phase = Phase(phase.cell, sg, phase.atoms, source=source, warnings=tuple(warnings) + (
            WarningText("asymmetric_unit_mismatch", source,
                        f"the asymmetric unit expands to {n_back} atoms, the structure has {n_given}"),))
    return phase
