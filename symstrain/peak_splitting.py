"""Splitting of twin-related reflections: d and 2θ of a reflection of one orientation state and of its twin.

What lives here: :func:`peak_splitting` (one child cell or a table of cells, e.g. per temperature →
:class:`PeakSplitting`), :func:`strongest_split_reflections` (the default reflections: strongest predicted intensity
among those that split). The domain states and twin laws it works on come from :func:`symstrain.domains.domain_states`
(any object with its ``relation``, ``pairs`` and ``laue_rotations``); figures live in ``plots/domains.py``.
Nothing here reads files or prints.

Conventions: reflections (hkl) of state 1 in the child basis; the twin of (hkl) in state k is T·(hkl) with T the
pair's twin law (``domains.py``); both d's are computed in the same child cell (state k is state 1 turned), so
Δ2θ = 2θ(T·h) − 2θ(h) is the splitting seen in a powder pattern or between the twins of a crystal. d in Å,
2θ = 2·asin(λ/2d) in degrees, λ in Å (Cu Kα1 1.5406 Å by default). s.u.'s: first order from the cell's s.u.'s
(angles without one treated as exact), NaN when the cell has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import contract
from .errors import SymstrainInputError, WarningRecord
from .lattice import reciprocal_metric
from .walls import snap

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "cells_in_child_basis": "the cells of the table are used as given, in the child basis",
    "no_twins": "one orientation state: no twin-related reflections",
    "no_splitting": "no reflection splits",
    "reflection_absent": "a reflection given with --hkl is systematically absent in the child's group",
}

CU_KALPHA1 = 1.5406


#: columns of :attr:`PeakSplitting.table` (``*_su`` NaN where unknown); T in K, d in Å, angles in degrees
SPLITTING_COLUMNS = ("file", "block", "T", "T_su", "branch", "spacegroup", "state_j", "state_k", "h", "k", "l", "h_twin", "k_twin", "l_twin",
                     "d", "d_su", "d_twin", "d_twin_su", "two_theta", "two_theta_su", "two_theta_twin",
                     "two_theta_twin_su", "delta_two_theta", "delta_two_theta_su", "coincidence", "intensity",
                     "intensity_twin")


@dataclass(frozen=True, eq=False)
class PeakSplitting:
    """d and 2θ of twin-related reflections: one row per (cell, pair of orientation states (1, k), reflection).

    ``table`` has :data:`SPLITTING_COLUMNS`: the structure or table row (``file``, ``block``), ``T`` (K), ``branch``
    ("heating", "cooling" or ""), ``spacegroup`` (H-M of the row's structure, "" when the cell table gives none: a
    row above the transition keeps its own group, and figures join only rows of one group), the pair,
    the reflection (hkl) of state 1 and its twin T·(hkl) of state k (child basis), d and d_twin (Å), their 2θ and
    Δ2θ = 2θ_twin − 2θ (degrees) with s.u.'s propagated from the cell's (NaN when unknown), ``coincidence``
    ("exact" by symmetry, "unresolved" within ``resolution``, "split", or "unreachable" where λ/2d > 1) and the
    predicted intensities of both reflections in the child structure (NaN when not predicted).
    """

    table: object  # pandas.DataFrame
    #: wavelength (Å) and the 2θ resolution (degrees) below which a splitting counts as unresolved (None: exact only)
    wavelength: float
    resolution: float | None
    #: "given" or a sentence saying how the reflections were chosen
    hkl_source: str
    #: unit of the intensity columns, e.g. "electrons²" (None when not predicted)
    intensity_unit: str | None
    warnings: tuple[WarningRecord, ...] = ()

    def to_dict(self) -> dict:
        rows = []
        for r in self.table.itertuples(index=False):
            rows.append({"file": r.file, "block": r.block, "T": contract.quantity(r.T, r.T_su), "branch": r.branch,
                         "states": [int(r.state_j), int(r.state_k)], "hkl": [int(r.h), int(r.k), int(r.l)],
                         "hkl_twin": [_num(float(x)) for x in (r.h_twin, r.k_twin, r.l_twin)],
                         **{c: contract.quantity(getattr(r, c), getattr(r, c + "_su"))
                            for c in ("d", "d_twin", "two_theta", "two_theta_twin", "delta_two_theta")},
                         "coincidence": r.coincidence, "intensity": contract.quantity(r.intensity, None)["value"],
                         "intensity_twin": contract.quantity(r.intensity_twin, None)["value"]})
        return {"wavelength": self.wavelength, "resolution": self.resolution, "hkl_source": self.hkl_source,
                "intensity_unit": self.intensity_unit, "rows": rows}

    def summary_lines(self, max_rows: int = 12) -> list[str]:
        df = self.table
        out = [f"peak splitting at λ = {self.wavelength:g} Å ({self.hkl_source}):"]
        if not len(df):
            return out + ["  no twin-related reflections to show"]
        temps = df["T"].nunique()
        shown = df if temps <= 1 else df.iloc[:0]
        for r in shown.head(max_rows).itertuples(index=False):
            out.append(f"  {r.state_j}–{r.state_k} ({_ints(r.h, r.k, r.l)})/({_ints(r.h_twin, r.k_twin, r.l_twin)}): "
                       f"d {r.d:.5f}/{r.d_twin:.5f} Å, 2θ {r.two_theta:.4f}/{r.two_theta_twin:.4f}°, "
                       f"Δ2θ {r.delta_two_theta:+.4f}° ({r.coincidence})")
        if temps > 1:
            out.append(f"  {len(df)} rows over {temps} temperatures ({df['T'].min():g}–{df['T'].max():g} K)")
        return out


def _ints(*x) -> str:
    return " ".join(str(int(v)) if float(v).is_integer() else f"{v:g}" for v in x)


def _d_values(params: np.ndarray, H: np.ndarray) -> np.ndarray:
    """(R, N) d-spacings (Å) of reflections H (N, 3) in cells (R, 6)."""
    Gs = reciprocal_metric(params)
    return 1.0 / np.sqrt(np.einsum("ni,rij,nj->rn", H, Gs, H))


def _two_theta(d: np.ndarray, wavelength: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.degrees(2 * np.arcsin(wavelength / (2 * d)))


def _split_values(params, sus, H, H2, wavelength):
    """Values and first-order s.u.'s (central differences over the six cell parameters) of d, d_twin, 2θ, 2θ_twin,
    Δ2θ for cells (R, 6) with s.u.'s (R, 6) (NaN: exact angle or unknown; a row without any s.u. gets NaN)."""
    R = len(params)
    step = 1e-6 * np.maximum(1.0, np.abs(params))
    X = np.repeat(params[:, None, :], 13, axis=1)
    idx = np.arange(6)
    X[:, 1 + idx, idx] += step
    X[:, 7 + idx, idx] -= step
    X = X.reshape(-1, 6)
    d1, d2 = _d_values(X, H), _d_values(X, H2)
    t1, t2 = _two_theta(d1, wavelength), _two_theta(d2, wavelength)
    out = {}
    for name, v in (("d", d1), ("d_twin", d2), ("two_theta", t1), ("two_theta_twin", t2), ("delta_two_theta", t2 - t1)):
        v = v.reshape(R, 13, -1)
        J = (v[:, 1:7] - v[:, 7:]) / (2 * step[:, :, None])
        s = np.sqrt(np.nansum((J * np.nan_to_num(sus)[:, :, None]) ** 2, axis=1))
        s[~np.isfinite(sus).any(axis=1)] = np.nan
        out[name] = (v[:, 0], s)
    return out


def strongest_split_reflections(domains, n: int = 6, *, dmin: float = 1.5,
                                wavelength: float = CU_KALPHA1, resolution: float | None = None,
                                radiation: str = "xray") -> np.ndarray:
    """(≤ n, 3) int: the child reflections (d ≥ dmin, reachable at ``wavelength``) with the largest predicted
    intensity whose twin in some orientation state is not Laue-equivalent (and, with ``resolution``, whose Δ2θ in the
    child's own cell exceeds it); one reflection per set of twin-related reflections."""
    from .intensities import predict_intensities
    from .reflection_classes import enumerate_hkl, unique_key

    child = domains.relation.child
    if not child.atoms:
        raise SymstrainInputError(child.name, "no atoms to predict intensities from: give the reflections (--hkl)")
    pairs = [p for p in domains.pairs if p.states[0] == 1]
    H = enumerate_hkl(child.cell, max(dmin, wavelength / 2 * (1 + 1e-9)))
    rots = domains.laue_rotations[: len(domains.laue_rotations) // 2]
    # one reflection per Laue class: the member with most non-negative indices, then the largest (h, k, l)
    order = np.lexsort((-H[:, 2], -H[:, 1], -H[:, 0], -(H >= 0).sum(axis=1)))
    _, first = np.unique(unique_key(H[order], rots), return_index=True)
    H = H[order[np.sort(first)]]
    if not len(pairs) or not len(H):
        return np.zeros((0, 3), int)
    I = predict_intensities(child, H, radiation)
    splits = np.zeros(len(H), bool)
    group = [{k} for k in unique_key(H, rots).tolist()]
    d1 = _d_values(child.cell.params[None], H.astype(float))[0]
    for p in pairs:
        H2 = H @ p.twin_law.T
        ok = np.all(np.abs(H2 - np.round(H2)) < 1e-9, axis=1)
        exact = _exact(H, H2, domains.laue_rotations)
        dt = np.abs(_two_theta(_d_values(child.cell.params[None], H2)[0], wavelength) - _two_theta(d1, wavelength))
        splits |= ~exact & ((dt > resolution) if resolution is not None else True)
        k2 = unique_key(np.round(H2[ok]).astype(int), rots).tolist()
        for i, k in zip(np.flatnonzero(ok), k2):
            group[i].add(k)
    chosen, seen = [], set()
    for i in np.argsort(-I, kind="stable"):
        if not splits[i] or I[i] <= 1e-6 * I.max():
            continue
        g = frozenset(group[i])
        if g & seen:
            continue
        seen |= g
        chosen.append(i)
        if len(chosen) == n:
            break
    return H[chosen]


def _exact(H: np.ndarray, H2: np.ndarray, laue: np.ndarray) -> np.ndarray:
    """(N,) True where H2[i] = Rᵀ·H[i] for some Laue rotation R (the twin coincides with h by symmetry)."""
    eq = np.einsum("mji,nj->mni", laue.astype(float), H.astype(float))  # (m, N, 3): Rᵀ·h
    return np.any(np.all(np.abs(eq - H2[None]) < 1e-9, axis=2), axis=0)


def _as_cells(cells, relation, source):
    """[(file, block, T, T_su, branch, params (6,), sus (6,), group)] from None (the child), a cell table or
    Phases."""
    if cells is None:
        ch = relation.child
        return [(str(ch.source), ch.block or None, ch.temperature, ch.temperature_su, "", ch.cell.params,
                 ch.cell.su_array, ch.spacegroup.hm)]
    if hasattr(cells, "columns"):
        from .phase import CELL_NAMES

        missing = [c for c in ("T",) + CELL_NAMES if c not in cells.columns]
        if missing:
            raise SymstrainInputError(source or "cells", f"cell table without column(s) {', '.join(missing)}")
        out = []
        for i, r in enumerate(cells.itertuples(index=False)):
            d = r._asdict()
            out.append((source, str(d.get("label", i)), d["T"], None, str(d.get("branch", "") or ""),
                        np.array([d[c] for c in CELL_NAMES], float),
                        np.array([d.get(c + "_su", np.nan) for c in CELL_NAMES], float),
                        d["spacegroup"] if isinstance(d.get("spacegroup"), str) else ""))
        return out
    return [(str(ph.source), ph.block or None, ph.temperature, ph.temperature_su, "", ph.cell.params,
             ph.cell.su_array, ph.spacegroup.hm) for ph in cells]


def peak_splitting(domains, hkl=None, *, cells=None, source: str | None = None,
                   wavelength: float = CU_KALPHA1, resolution: float | None = None, top: int = 6,
                   dmin: float = 1.5, radiation: str = "xray") -> PeakSplitting:
    """d and 2θ of each reflection (hkl) of state 1 and of its twin T·(hkl) in every other orientation state.

    ``hkl``: (N, 3) child indices, or None for the ``top`` strongest reflections that split
    (:func:`strongest_split_reflections`). ``cells``: None (the child's own cell and temperature), a normalised cell
    table (``series.read_cells_csv``: columns T, a, b, c, alpha, beta, gamma, optional ``*_su`` and ``label``; its
    ``source`` names the file) or a list of Phases — cells taken in the child basis. ``wavelength`` in Å,
    ``resolution`` in degrees 2θ (None: only exact coincidences coincide).
    """
    import pandas as pd

    from .intensities import RADIATIONS, check_radiation, predict_intensities

    if not (np.isfinite(wavelength) and wavelength > 0):
        raise SymstrainInputError("--wavelength", f"wavelength {wavelength} must be a positive number of Å")
    if resolution is not None and not (np.isfinite(resolution) and resolution >= 0):
        raise SymstrainInputError("--resolution", f"resolution {resolution} must be ≥ 0 degrees 2θ")
    radiation = check_radiation(radiation)
    rel, warnings = domains.relation, []
    if hkl is None:
        H = strongest_split_reflections(domains, top, dmin=dmin, wavelength=wavelength, resolution=resolution,
                                        radiation=radiation)
        # (a twin not equivalent by the child's Laue symmetry: it splits where the states' lattices differ, and
        # coincides exactly — "exact" — where they do not, e.g. a metrically cubic child of a cubic parent)
        how = (f"the {len(H)} strongest reflections with twins not equivalent by the child's symmetry (predicted "
               f"{RADIATIONS[radiation][2]} |F|² of the child, d ≥ {dmin:g} Å)" if len(H)
               else "no reflection has a twin that is not equivalent to it")
    else:
        H = np.asarray(hkl, dtype=float).reshape(-1, 3)
        if not np.all(np.isfinite(H)) or np.any(np.abs(H - np.round(H)) > 1e-9) or np.any(np.all(H == 0, axis=1)):
            raise SymstrainInputError("--hkl", "reflections must be three integers, not all zero")
        H, how = np.round(H).astype(int), "given"
        from .conditions import absent_mask

        sg = rel.child.spacegroup
        gone = absent_mask(H, sg.rotations, sg.translations)
        if gone.any():  # (sweep 18: R-3c's (2 0 0) was listed as "split", intensity 0, without a word)
            warnings.append(WarningRecord("reflection_absent", "--hkl", ", ".join(
                "(" + " ".join(map(str, h)) + ")" for h in H[gone]) + f" systematically absent in the child's group "
                f"{sg.hm}: no intensity in state 1 (the d and 2θ listed are where the lattice would put it)"))
    rows_in = _as_cells(cells, rel, source)
    if cells is not None and not np.allclose(rel.P, np.eye(3)):
        warnings.append(WarningRecord("cells_in_child_basis", source or "cells", "the cells are used as given, in the "
                                      f"child basis {rel.basis}"))
    intensity_unit, I = None, None
    if len(H) and rel.child.atoms:
        intensity_unit = RADIATIONS[radiation][1] + "²"
        I = predict_intensities(rel.child, H, radiation)
    params = np.array([r[5] for r in rows_in], float).reshape(-1, 6)
    sus = np.array([r[6] for r in rows_in], float).reshape(-1, 6)
    R, N = len(rows_in), len(H)
    meta = pd.DataFrame({"file": [r[0] for r in rows_in], "block": [r[1] for r in rows_in],
                         "T": [np.nan if r[2] is None else r[2] for r in rows_in],
                         "T_su": [np.nan if r[3] is None else r[3] for r in rows_in],
                         "branch": [r[4] for r in rows_in], "spacegroup": [r[7] for r in rows_in]}
                        ).loc[np.repeat(np.arange(R), N)].reset_index(drop=True)
    blocks = []
    for p in (p for p in domains.pairs if p.states[0] == 1 and N):
        H2 = snap(H @ p.twin_law.T)
        exact = np.tile(_exact(H, H2, domains.laue_rotations), R)
        I2 = np.full(N, np.nan)
        integral = np.all(H2 == np.round(H2), axis=1)
        if I is not None and integral.any():
            I2[integral] = predict_intensities(rel.child, np.round(H2[integral]).astype(int), radiation)
        vals = {k: (v.ravel(), su.ravel()) for k, (v, su) in _split_values(params, sus, H.astype(float), H2,
                                                                         wavelength).items()}
        tt, tt2 = vals["two_theta"][0], vals["two_theta_twin"][0]
        delta = np.where(np.abs(vals["delta_two_theta"][0]) < 1e-12 * np.nan_to_num(tt, nan=1.0), 0.0,
                         vals["delta_two_theta"][0])
        delta[exact] = 0.0
        how_ = np.where(~(np.isfinite(tt) & np.isfinite(tt2)), "unreachable",
                        np.where(exact, "exact", np.where(np.abs(delta) <= (resolution or 0.0), "unresolved", "split")))
        block = meta.copy()
        block["state_j"], block["state_k"] = p.states
        for c, col in enumerate("hkl"):
            block[col] = np.tile(H[:, c], R)
            block[col + "_twin"] = np.tile([_num(x) for x in H2[:, c]], R)
        for c in ("d", "d_twin", "two_theta", "two_theta_twin", "delta_two_theta"):
            block[c], block[c + "_su"] = vals[c]
        block["delta_two_theta"] = delta
        block["coincidence"] = how_
        block["intensity"] = np.tile(np.full(N, np.nan) if I is None else I, R)
        block["intensity_twin"] = np.tile(I2, R)
        blocks.append(block[list(SPLITTING_COLUMNS)])
    if not any(p.states[0] == 1 for p in domains.pairs):
        warnings.append(WarningRecord("no_twins", rel.child.name, "one orientation state: no twin-related reflections"))
    elif not len(H):
        warnings.append(WarningRecord("no_splitting", rel.child.name, "no reflection splits: every twin-related "
                                      "reflection coincides exactly (same strain in every orientation state)"))
    table = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=list(SPLITTING_COLUMNS))
    return PeakSplitting(table, float(wavelength), resolution, how, intensity_unit, tuple(warnings))


def _num(x: float):
    return int(round(x)) if abs(x - round(x)) < 1e-9 else float(x)
