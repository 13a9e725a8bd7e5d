"""The result of a symmetry-mode decomposition: :class:`ModeDecomposition` and its per-irrep rows
:class:`IrrepAmplitude`, with their tables and ``to_dict`` (the JSON contract), and the normalisation they state.

What lives here: the frozen result types :func:`symstrain.modes.decompose` returns. What does not: the
decomposition itself (``modes``), the irreps (``irreps``), the pairing and the splitting table (``pairing``).
Conventions (reference, displacements, amplitude, labels): the module docstring of :mod:`symstrain.modes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import WarningRecord
from .kvectors import K_LABEL_SOURCE, fmt_k
from .pairing import SiteSplit
from .strain_irreps import StrainIrrep

AMPLITUDE_NORMALISATION = ("A = sqrt(sum_i occ_i |u_i|^2 / n_p) over the child cell, n_p = parent primitive cells in "
                           "it; |u| in Å in the child cell averaged over the parent's point group (AMPLIMODES)")

@dataclass(frozen=True, eq=False)
class IrrepAmplitude:
    """One irrep of the parent group that the child's symmetry allows in the displacements.

    ``k`` (3,) the wave vector in the parent's conventional reciprocal basis (a*, b*, c*); ``star`` (m, 3) its arms;
    ``k_label`` its CDML label where special (:data:`symstrain.kvectors.K_LABEL_SOURCE`), else None;
    ``zone_boundary`` True when k lies on the Brillouin-zone surface; ``dimension`` the real dimension of the irrep;
    ``n_modes`` the number of independent modes of this irrep that keep the child's symmetry (AMPLIMODES' count);
    ``amplitude`` Å (module docstring); ``fraction`` A_Γ²/A²; ``direction`` the order-parameter direction, e.g.
    ``(a,0)`` (None when inactive); ``isotropy`` the isotropy subgroup of the component as (number, symbol)
    (None when inactive) and ``isotropy_is_child`` whether it equals the child's group; ``role`` "primary",
    "secondary" or "inactive" (amplitude below the threshold).
    """

    label: str
    k: np.ndarray
    k_label: str | None
    zone_boundary: bool
    star: np.ndarray
    dimension: int
    n_modes: int
    amplitude: float
    fraction: float
    direction: str | None
    isotropy: tuple | None
    isotropy_is_child: bool | None
    role: str
    mulliken: str | None = None
    #: first-order s.u. of ``amplitude`` (Å) from the child's coordinate s.u.'s (:func:`amplitude_su`); NaN when the
    #: child gives none, 0 for a component that is zero by construction
    amplitude_su: float = float("nan")

    @property
    def name(self) -> str:
        """The Mulliken symbol of a Γ-point irrep (e.g. "B2g"), the full label (e.g. "Y:Y2") otherwise."""
        return self.mulliken if self.mulliken and np.allclose(self.k, 0) else self.label

    def to_dict(self) -> dict:
        from .contract import clean, quantity

        iso = None
        if self.isotropy is not None:
            number, symbol, hall, std = self.isotropy
            iso = {"number": number, "symbol": symbol, "hall": hall or None,
                   "setting": f"{symbol} (operations in the child's cell)", "standard_setting": bool(std)}
        return {
            "label": self.label,
            "k": clean(self.k).tolist(),
            "k_text": fmt_k(self.k),
            "k_label": self.k_label,
            "zone_boundary": self.zone_boundary,
            "star": clean(self.star).tolist(),
            "dimension": self.dimension,
            "n_modes": self.n_modes,
            "amplitude": quantity(self.amplitude, self.amplitude_su),
            "fraction": self.fraction,
            "direction": self.direction,
            "isotropy_subgroup": iso,
            "isotropy_is_child": self.isotropy_is_child,
            "role": self.role,
            "mulliken": self.mulliken,
        }


@dataclass(frozen=True, eq=False)
class ModeDecomposition:
    """The child as the reference structure plus displacements, decomposed by the parent's irreps.

    ``reference`` "parent" or "symmetrized"; ``origin`` (3,) the child origin used (parent fractional), chosen among
    ``n_origins`` valid ones; ``polar_shift`` (3,) the uniform shift removed (Å, child frame) and
    ``polar_shift_frac`` (3,) the same in child fractional units; ``amplitude`` Å; ``quadrature_residual`` Å²
    (A² − Σ A_Γ²); ``n_parent_cells`` n_p; per atom of the child cell: ``labels``, ``elements``, ``parent_sites``,
    ``displacements`` (N, 3) Å (reference lattice, X ∥ a, Z ∥ c*; polar shift removed), ``reference_frac`` (N, 3) the reference position
    paired with each atom (child fractional), ``pair_distances`` (N,) Å before the polar shift was removed;
    ``amplitude_su`` the first-order s.u. of ``amplitude`` (Å, NaN when the child gives no coordinate s.u.'s);
    ``warnings`` the decomposition's own (:meth:`all_warnings` adds those of the two structures).
    """

    relation: object
    reference: str
    origin: np.ndarray
    n_origins: int
    polar_shift: np.ndarray
    polar_shift_frac: np.ndarray
    amplitude: float
    quadrature_residual: float
    n_parent_cells: float
    irreps: tuple[IrrepAmplitude, ...]
    strain: tuple[StrainIrrep, ...]
    splitting: tuple[SiteSplit, ...]
    labels: tuple[str, ...]
    elements: tuple[str, ...]
    parent_sites: tuple[str, ...]
    displacements: np.ndarray
    reference_frac: np.ndarray
    pair_distances: np.ndarray
    warnings: tuple[WarningRecord, ...] = ()
    amplitude_su: float = float("nan")

    def all_warnings(self) -> list[WarningRecord]:
        """The warnings of the parent, the child, the relation and the decomposition, each once."""
        from .contract import warning_records

        return warning_records(self.relation.all_warnings() + list(self.warnings), source=self.relation.child.name)

    @property
    def active(self) -> tuple[IrrepAmplitude, ...]:
        """The active irreps (primary and secondary), largest amplitude first."""
        return tuple(sorted((ir for ir in self.irreps if ir.role != "inactive"), key=lambda ir: -ir.amplitude))

    def irrep(self, label: str) -> IrrepAmplitude:
        """The irrep with this label (e.g. ``"Γ:B2g"``); KeyError if absent."""
        for ir in self.irreps:
            if ir.label == label:
                return ir
        raise KeyError(label)

    @property
    def primary(self) -> tuple[IrrepAmplitude, ...]:
        return tuple(ir for ir in self.irreps if ir.role == "primary")

    def atoms_frame(self):
        """Per-atom table: label, element, parent_site, ux, uy, uz, u (Å, child frame), pair_distance (Å)."""
        import pandas as pd

        U = self.displacements
        return pd.DataFrame({"label": self.labels, "element": self.elements, "parent_site": self.parent_sites,
                             "ux": U[:, 0], "uy": U[:, 1], "uz": U[:, 2], "u": np.linalg.norm(U, axis=1),
                             "pair_distance": self.pair_distances})

    def irreps_frame(self):
        """One row per irrep: label, k, k_label, dimension, n_modes, amplitude and amplitude_su (Å), fraction,
        direction, isotropy, role."""
        import pandas as pd

        columns = ["label", "k", "k_label", "dimension", "n_modes", "amplitude", "amplitude_su", "fraction",
                   "direction", "isotropy", "role"]  # also when there is no irrep (no atom moved: amplitude 0)
        return pd.DataFrame([{"label": ir.label, "k": fmt_k(ir.k), "k_label": ir.k_label or "",
                              "dimension": ir.dimension, "n_modes": ir.n_modes, "amplitude": ir.amplitude,
                              "amplitude_su": ir.amplitude_su, "fraction": ir.fraction, "direction": ir.direction or "",
                              "isotropy": "" if ir.isotropy is None else f"{ir.isotropy[1]} ({ir.isotropy[0]})",
                              "role": ir.role} for ir in self.irreps], columns=columns)

    def to_dict(self) -> dict:
        from .contract import basis_change, clean, quantity, quantity_array, structure

        rel = self.relation
        return {
            "parent": structure(rel.parent),
            "child": structure(rel.child),
            "basis_change": basis_change(rel.P, self.origin),
            "reference": self.reference,
            "n_origins": self.n_origins,
            "polar_shift": quantity_array(clean(self.polar_shift)),
            "polar_shift_frac": clean(self.polar_shift_frac).tolist(),
            "amplitude": quantity(self.amplitude, self.amplitude_su),
            "quadrature_residual": float(self.quadrature_residual),
            "amplitude_normalisation": AMPLITUDE_NORMALISATION,
            "n_parent_cells": float(self.n_parent_cells),
            "n_atoms": len(self.labels),
            "k_label_convention": K_LABEL_SOURCE,
            "irreps": [ir.to_dict() for ir in self.irreps],
            "strain_frame": "child Cartesian frame: X ∥ a, Y in the ab plane, Z ∥ c*",
            "strain_irreps": [s.to_dict() for s in self.strain],
            "splitting": [s.to_dict() for s in self.splitting],
        }


# ---------------------------------------------------------------------------------------------------------------
# the decomposition


