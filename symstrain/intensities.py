"""Intensities of symmetry-breaking reflections: predicted from a structure, summarised, measured.

What lives here: :data:`RADIATIONS` and :func:`predict_intensities` (gemmi's small-molecule structure factors
for X-rays, neutrons or electrons), :func:`eta_intensity` (√(ΣI_SB/ΣI_all)), :func:`class_statistics`,
:func:`strongest`, and measured data: :func:`classify_measured`, :func:`measured_summary` (s.u.'s from σ(I):
:func:`sb_fraction_su`), :func:`eta_series`.
What does not: which reflections are symmetry-breaking (``reflection_classes.py``), reading measured
intensities (``hkl.py``), figures (``plots/reflections.py``).

Conventions
-----------
* Reflections are indexed in the child cell (``reflection_classes.py``); classes are "allowed", "SB", "absent".
* Predicted intensities are |F|² in electrons² (X-ray, no anomalous scattering), fm² (neutron, coherent
  scattering lengths) or Å² (electron, kinematic); no Lorentz/polarisation/absorption factors.
* Measured data are the DataFrames of ``hkl.read_hkl`` (columns h, k, l, I, sigma).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .conditions import _broken_conditions, _group_arrays, absent_mask
from .errors import SymstrainInputError
from .index_box import _is_int
from .reflection_classes import CLASSES, classify_reflections

#: radiations :func:`predict_intensities` knows → (gemmi calculator, unit of F, words for text output)
RADIATIONS = {
    "xray": ("StructureFactorCalculatorX", "electrons", "X-ray"),
    "neutron": ("StructureFactorCalculatorN", "fm", "neutron"),
    "electron": ("StructureFactorCalculatorE", "Å", "electron"),
}


def check_radiation(radiation: str, source: str = "--radiation") -> str:
    """The radiation name, lower-cased, or ``SymstrainInputError`` naming the allowed ones."""
    r = str(radiation).strip().lower()
    if r not in RADIATIONS:
        raise SymstrainInputError(source, f"unknown radiation {radiation!r}: use one of {', '.join(RADIATIONS)}")
    return r


def _cell_sites(phase):
    """Every atom of the unit cell for the structure-factor sum: (frac (M, 3), atoms (M,) Atom, U* list).

    The expansion is :func:`symstrain.expand.expand_to_cell_ops` (images of one site closer than its
    ``MERGE_TOLERANCE`` Å are one atom on a special position; sites with occupancy 0 are left out, they
    add nothing to F). Anisotropic U (CIF convention, Å²) are carried as U* = N·U·N (N = diag(a*, b*, c*)),
    which transforms as R·U*·Rᵀ under the rotation R of the operation that generated the atom.
    Returns also N.
    """
    from .expand import expand_to_cell_ops

    frac, _, site, _, op = expand_to_cell_ops(phase)
    Rs = np.asarray(phase.spacegroup.rotations, dtype=float)
    N = np.diag(np.sqrt(np.diag(phase.cell.reciprocal_metric())))
    atoms = [phase.atoms[i] for i in site]
    Us = []
    for atom, k in zip(atoms, op):
        if atom.u_aniso is None:
            Us.append(None)
            continue
        u11, u22, u33, u12, u13, u23 = atom.u_aniso
        U = np.array([[u11, u12, u13], [u12, u22, u23], [u13, u23, u33]], dtype=float)
        Us.append(Rs[k] @ (N @ U @ N) @ Rs[k].T)
    return np.asarray(frac, dtype=float).reshape(-1, 3), atoms, Us, N


def predict_intensities(phase, hkl, radiation: str = "xray") -> np.ndarray:
    """(N,) |F(hkl)|² of ``phase`` for reflections (N, 3) indexed in its cell.

    ``radiation``: "xray" (IT92 form factors, F in electrons), "neutron" (coherent scattering lengths
    b of gemmi's Neutron92 table, Sears 1992, F in fm, so |F|² in fm²) or "electron" (gemmi's
    electron form factors, ITC Table 4.3.2.2, F in Å). The element symbol decides the scatterer: a
    site written as D (deuterium, b = 6.671 fm) scatters neutrons differently from H (b = −3.739 fm);
    T (tritium) is not in gemmi's tables and is refused like any unknown symbol. For neutrons only the
    real part of b is used (no absorption, no magnetic or incoherent scattering); an element without a
    tabulated b (e.g. Pu, Cf) is refused rather than given b = 0.

    Uses gemmi's structure-factor calculator on a ``gemmi.SmallStructure`` holding every atom of the
    unit cell (expanded with the phase's own operations, so any setting or origin works): occupancies,
    U_iso or anisotropic U (CIF convention). The Debye–Waller factor per atom is exp(−2π²U/d²) on F
    (exp(−B·sin²θ/λ²), B = 8π²U). Atoms without any displacement parameter get U = 0 (static
    structure). No Lorentz, polarisation, absorption or extinction factors. Reflections the phase's own group
    extinguishes get exactly 0 (zero by symmetry), without a sum over the atoms.
    """
    import gemmi

    radiation = check_radiation(radiation)
    hkl = np.asarray(hkl)
    if hkl.ndim != 2 or hkl.shape[1] != 3 or not np.all(_is_int(hkl.astype(float))):
        raise SymstrainInputError("hkl", "reflection indices must be an (N, 3) array of integers")
    c = phase.cell
    small = gemmi.SmallStructure()
    small.cell = gemmi.UnitCell(c.a, c.b, c.c, c.alpha, c.beta, c.gamma)
    small.spacegroup_hm = "P 1"
    small.determine_and_set_spacegroup("1")
    X, atoms, Us, N = _cell_sites(phase)
    Ninv = np.linalg.inv(N)
    elements: dict[str, object] = {}
    for i, (x, atom, Ustar) in enumerate(zip(X, atoms, Us)):
        el = elements.get(atom.element)
        if el is None:
            el = elements[atom.element] = _gemmi_element(phase, atom, radiation)
        site = gemmi.SmallStructure.Site()
        site.label = f"{atom.label}_{i}"
        site.element = el
        site.type_symbol = atom.element
        site.fract = gemmi.Fractional(*x)
        site.occ = float(atom.occupancy)
        if Ustar is not None:
            U = Ninv @ Ustar @ Ninv
            site.aniso = gemmi.SMat33d(U[0, 0], U[1, 1], U[2, 2], U[0, 1], U[0, 2], U[1, 2])
            site.u_iso = float(np.trace(U) / 3)
        else:
            site.u_iso = float(atom.u_iso) if atom.u_iso is not None else 0.0
        small.add_site(site)
    small.setup_cell_images()
    calc = getattr(gemmi, RADIATIONS[radiation][0])(small.cell)
    sf = calc.calculate_sf_from_small_structure
    # the cell holds exactly the phase's symmetry (every atom is an image under its operations), so a reflection
    # its group extinguishes has F = 0 exactly: computed only for the others (a supercell skips most of its sphere)
    rows = np.flatnonzero(~absent_mask(hkl.astype(float), phase.spacegroup.rotations, phase.spacegroup.translations))
    F = np.zeros(len(hkl), dtype=complex)
    F[rows] = np.fromiter((sf(small, row) for row in hkl[rows].astype(int).tolist()), dtype=complex, count=len(rows))
    I = np.abs(F) ** 2
    # a reflection this structure leaves extinct beyond its group (a distortion with no component along y keeps 0k0
    # out) sums to rounding noise, |F| ~ 1e-14 of the largest: exactly 0, like the reflections the group extinguishes
    if len(I):
        I[I < _NOISE_I * I.max()] = 0.0
    return I


#: a computed |F|² below this fraction of the largest of its set is rounding noise (|F| below 1e-10 of the largest;
#: a displacement of 1e-4 Å already gives ~1e-7)
_NOISE_I = 1e-20


def _gemmi_element(phase, atom, radiation: str):
    """gemmi.Element of an atom, refused (SymstrainInputError) when unknown or without a table entry."""
    import gemmi

    try:
        el = gemmi.Element(atom.element)
    except Exception as exc:  # gemmi raises on unknown symbols
        raise SymstrainInputError(phase.name, f"atom {atom.label}: unknown element {atom.element!r}") from exc
    if el.atomic_number == 0:
        raise SymstrainInputError(phase.name, f"atom {atom.label}: unknown element {atom.element!r}")
    if radiation == "neutron" and el.neutron92.get_coefs()[0] == 0.0:
        raise SymstrainInputError(phase.name, f"atom {atom.label}: gemmi's Neutron92 table has no neutron "
                                              f"scattering length for {atom.element}; neutron intensities impossible")
    return el


def eta_intensity(I, is_sb) -> float:
    """η_intensity = √(ΣI_SB / ΣI_all): a measure of the order parameter from intensities.

    √I_SB ∝ η, so this ratio is proportional to η for one crystal and one data-collection strategy
    (comparable across temperatures); negative measured sums are clipped to 0. NaN when ΣI_all ≤ 0, and when no
    reflection is symmetry-breaking (a relation that breaks no reflection condition: nothing measures η there).
    """
    I = np.asarray(I, dtype=float)
    m = np.asarray(is_sb, dtype=bool)
    ok = np.isfinite(I)
    tot = I[ok].sum()
    if not tot > 0 or not (ok & m).any():
        return float("nan")
    return float(math.sqrt(max(I[ok & m].sum(), 0.0) / tot))


def sb_fraction_su(I, sigma, is_sb) -> tuple[float, float]:
    """s.u.'s of ΣI_SB/ΣI_all and of η_intensity = √(max(ΣI_SB, 0)/ΣI_all) from the σ(I) of independent
    reflections (first order: f = A/(A + B), σ_f² = ((B·σ_A)² + (A·σ_B)²)/(A + B)⁴ with A the SB sum, B the
    rest; σ_η = σ_f/(2η)). NaN when some finite I has no positive σ, when ΣI_all ≤ 0, and for σ_η when η = 0
    (the square root has no finite slope there)."""
    I = np.asarray(I, dtype=float)
    s = np.asarray(sigma, dtype=float)
    m = np.asarray(is_sb, dtype=bool)
    ok = np.isfinite(I)
    if not ok.any() or not np.all(np.isfinite(s[ok]) & (s[ok] > 0)):
        return float("nan"), float("nan")
    A, B = I[ok & m].sum(), I[ok & ~m].sum()
    tot = A + B
    if not tot > 0:
        return float("nan"), float("nan")
    sA, sB = math.sqrt(np.sum(s[ok & m] ** 2)), math.sqrt(np.sum(s[ok & ~m] ** 2))
    f_su = math.hypot(B * sA, A * sB) / tot**2
    eta = math.sqrt(max(A, 0.0) / tot)
    return f_su, (f_su / (2 * eta) if eta > 0 else float("nan"))


def class_statistics(table: pd.DataFrame, I_col: str = "I", sigma_col: str | None = "sigma") -> pd.DataFrame:
    """Per class ("allowed", "SB", "absent", and "all"): n, n_significant (I > 3σ), ⟨I⟩, ⟨I/σ⟩, ΣI,
    ΣI/ΣI_all, and the s.u.'s of ⟨I⟩, ΣI and ΣI/ΣI_all from σ (columns ``*_su``; independent reflections,
    first order). Significance, ⟨I/σ⟩ and the s.u.'s are NaN when the class has no usable σ."""
    I = table[I_col].to_numpy(dtype=float)
    has_s = sigma_col is not None and sigma_col in table
    s = table[sigma_col].to_numpy(dtype=float) if has_s else np.full(len(I), np.nan)
    tot = np.nansum(I)
    rows = []
    for name in CLASSES + ("all",):
        m = np.ones(len(I), bool) if name == "all" else (table["class"].to_numpy() == name)
        Ii, si = I[m], s[m]
        good = np.isfinite(si) & (si > 0)
        fin = np.isfinite(Ii)
        all_sigma = fin.any() and bool(np.all(good[fin]))
        sum_su = math.sqrt(float(np.sum(si[fin] ** 2))) if all_sigma else np.nan
        rows.append({
            "class": name,
            "n": int(m.sum()),
            "n_significant": int(np.sum(Ii[good] > 3 * si[good])) if good.any() else np.nan,
            "mean_I": float(np.nanmean(Ii)) if m.any() else np.nan,
            "mean_I_su": sum_su / int(fin.sum()) if all_sigma else np.nan,
            "mean_I_over_sigma": float(np.mean(Ii[good] / si[good])) if good.any() else np.nan,
            "sum_I": float(np.nansum(Ii)),
            "sum_I_su": sum_su,
            "fraction_of_sum": float(np.nansum(Ii) / tot) if tot > 0 else np.nan,
            "fraction_of_sum_su": sb_fraction_su(I, s, m)[0],
        })
    return pd.DataFrame(rows)


def strongest(table: pd.DataFrame, cls: str = "SB", n: int = 10, I_col: str = "I") -> pd.DataFrame:
    """The ``n`` strongest reflections of one class, one per set of equivalents (column ``unique``
    when present), with the number of equivalents in the table as ``multiplicity``."""
    t = table[table["class"] == cls]
    if "unique" in t:
        mult = t.groupby("unique")["h"].transform("size")
        t = t.assign(multiplicity=mult.to_numpy())
        t = t.sort_values([I_col, "h", "k", "l"], ascending=[False, False, False, False])
        t = t.drop_duplicates("unique")
    else:
        t = t.sort_values(I_col, ascending=False)
    return t.head(n).reset_index(drop=True)


def classify_measured(data: pd.DataFrame, parent, child, P=None, p=None, indexing: str = "child",
                      conditions=None) -> pd.DataFrame:
    """Add ``class``, ``zone``, ``broken`` and parent indices to measured reflections (``hkl.read_hkl``).

    ``indexing``: "child" when the data are indexed in the child cell (the usual case), "parent" when
    indexed in the parent cell, converted with (hkl)_child = (hkl)_parent · P (must give integers).
    """
    if not {"h", "k", "l", "I"} <= set(data.columns):
        raise SymstrainInputError(data.attrs.get("source", "hkl"), "measured data need columns h, k, l, I")
    hkl = data[["h", "k", "l"]].to_numpy(dtype=float)
    P_ = np.eye(3) if P is None else np.asarray(P, dtype=float)
    if indexing == "parent":
        hkl = hkl @ P_
        if not np.all(_is_int(hkl)):
            raise SymstrainInputError(data.attrs.get("source", "hkl"),
                                      "parent-cell indices do not transform to integral child indices with P")
    elif indexing != "child":
        raise SymstrainInputError("--hkl-setting", f"unknown indexing {indexing!r}: use 'child' or 'parent'")
    hkl = np.round(hkl).astype(int)
    cl = classify_reflections(hkl, parent, child, P_, p, conditions=conditions)
    out = data.copy()
    out[["h", "k", "l"]] = hkl
    for col in ("h_parent", "k_parent", "l_parent", "zone", "class", "broken"):
        out[col] = cl[col].to_numpy()
    out.attrs = dict(data.attrs)
    return out


def measured_summary(classified: pd.DataFrame) -> dict:
    """Per-class statistics of classified measured data plus ΣI_SB/ΣI_all and η_intensity, with their s.u.'s from
    σ(I) (``sb_fraction_su``, ``eta_intensity_su``; NaN without σ, see :func:`sb_fraction_su`)."""
    stats = class_statistics(classified, "I", "sigma")
    sb = classified["class"].to_numpy() == "SB"
    I = classified["I"].to_numpy(dtype=float)
    tot = np.nansum(I)
    sigma = classified["sigma"].to_numpy(dtype=float) if "sigma" in classified else np.full(len(I), np.nan)
    f_su, eta_su = sb_fraction_su(I, sigma, sb)
    return {
        "statistics": stats,
        "sb_fraction": float(np.nansum(I[sb]) / tot) if tot > 0 else float("nan"),
        "sb_fraction_su": f_su,
        "eta_intensity": eta_intensity(I, sb),
        "eta_intensity_su": eta_su,
    }


def eta_series(datasets, temperatures, parent, child, P=None, p=None, indexing: str = "child") -> pd.DataFrame:
    """η_intensity(T) over a temperature series of measured data sets of one crystal.

    ``datasets``: DataFrames from ``hkl.read_hkl``; ``temperatures`` (K), one per data set (NaN allowed).
    Columns: T, file (the data set's source), n, n_SB, n_SB_significant, mean_I_over_sigma_SB, sb_fraction,
    eta_intensity, eta_relative (η / max η over the series), each of the last three with its ``_su`` (NaN where
    unknown; the maximum is taken as exact). Sorted by T.
    """
    if len(datasets) != len(temperatures):
        raise SymstrainInputError("--temperatures", f"{len(temperatures)} temperatures for {len(datasets)} data sets")
    Rp, tp = _group_arrays(parent)
    Rc, tc = _group_arrays(child)
    P_ = np.eye(3) if P is None else np.asarray(P, dtype=float)
    p_ = np.zeros(3) if p is None else np.asarray(p, dtype=float)
    conds = _broken_conditions(Rp, tp, (Rc, tc), P_, p_)
    rows = []
    for data, T in zip(datasets, temperatures):
        cl = classify_measured(data, (Rp, tp), (Rc, tc), P_, p_, indexing, conditions=conds)
        summ = measured_summary(cl)
        st = summ["statistics"].set_index("class")
        rows.append({"T": float(T) if T is not None else np.nan, "file": str(data.attrs.get("source", "")),
                     "n": int(st.loc["all", "n"]), "n_SB": int(st.loc["SB", "n"]),
                     "n_SB_significant": st.loc["SB", "n_significant"],
                     "mean_I_over_sigma_SB": st.loc["SB", "mean_I_over_sigma"],
                     "sb_fraction": summ["sb_fraction"], "sb_fraction_su": summ["sb_fraction_su"],
                     "eta_intensity": summ["eta_intensity"], "eta_intensity_su": summ["eta_intensity_su"]})
    df = pd.DataFrame(rows).sort_values("T", kind="stable").reset_index(drop=True)
    mx = df["eta_intensity"].max()
    df["eta_relative"] = df["eta_intensity"] / mx if mx and mx > 0 else np.nan
    df["eta_relative_su"] = df["eta_intensity_su"] / mx if mx and mx > 0 else np.nan
    return df
