"""The spontaneous strain split by the irreducible representations of the parent point group (symmetry-adapted
strain), as :func:`symstrain.modes.decompose` reports it next to the mode amplitudes.

What lives here: :class:`StrainIrrep` and :func:`strain_irreps`. What does not: the strain tensor itself
(``spontaneous_strain``), the irreps (``irreps``) and the mode decomposition (``modes``).

Convention: the strain e (3×3, dimensionless) is :func:`symstrain.strain`'s, in the child's Cartesian frame (X ∥ a,
Y in the ab plane, Z ∥ c*); its part in the irrep Γ is the isotypic projection
P_Γ(e) = dim/(|G|·ν) Σ_g χ(g)·C_g·e·C_gᵀ over the parent point operations C_g written in that frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SymstrainInputError, WarningRecord
from .spontaneous_strain import strain

#: codes of the warnings this module writes (its own; those it passes on keep their codes)
WARNING_CODES = {
    "no_strain": "the strain could not be split by irreps",
}


@dataclass(frozen=True, eq=False)
class StrainIrrep:
    """The part of the spontaneous strain e (3×3, the child's Cartesian frame, from :func:`symstrain.strain`) that
    transforms as one Γ-point irrep of the parent point group: ``tensor`` its projection, ``amplitude`` its
    Frobenius norm (dimensionless) with s.u. (NaN when the cells give none); ``symmetry_breaking`` False for the
    identity irrep."""

    label: str
    amplitude: float
    amplitude_su: float
    tensor: np.ndarray
    symmetry_breaking: bool

    def to_dict(self) -> dict:
        from .contract import clean, quantity, quantity_array

        return {"label": self.label, "amplitude": quantity(self.amplitude, self.amplitude_su),
                "tensor": quantity_array(clean(self.tensor)), "symmetry_breaking": self.symmetry_breaking}


def strain_irreps(rel, fg_gamma, warns: list) -> tuple[StrainIrrep, ...]:
    """The spontaneous strain of ``rel`` split by the Γ-point irreps of the parent point group (:class:`StrainIrrep`).

    ``fg_gamma``: (factor group of :func:`symstrain.irreps.build_factor_group`, [(irrep, characters on its first
    n_point elements), ...] for the Γ-point irreps); a strain that cannot be computed is a warning appended to
    ``warns`` and an empty result."""
    fg, gamma = fg_gamma
    try:
        st = strain(rel)
    except SymstrainInputError as exc:
        warns.append(WarningRecord("no_strain", rel.child.name, f"no strain split: {exc.problem}"))
        return ()
    e = np.asarray(st.e, float)
    esu = np.asarray(st.e_su, float)
    A0 = st.reference_mapped.matrix() @ fg.M
    C = np.einsum("ij,njk,kl->nil", A0, fg.W[:fg.n_point], np.linalg.inv(A0))
    out = []
    for ir, chi in gamma:
        Mlin = sum(c * np.kron(Cl, Cl) for c, Cl in zip(chi, C)) * ir.dim / (len(C) * ir.nu)  # vec(C e Cᵀ)
        pe = (Mlin @ e.ravel()).reshape(3, 3)
        a = float(np.linalg.norm(pe))
        if a < 1e-12:
            continue
        grad = Mlin.T @ pe.ravel() / a
        need = np.abs(grad) > 1e-12
        su = float(np.sqrt(np.sum((grad[need] * esu.ravel()[need]) ** 2))) if np.all(np.isfinite(esu.ravel()[need])) \
            else float("nan")
        out.append(StrainIrrep(ir.label, a, su, np.where(np.abs(pe) < 1e-12 * max(a, 1e-300), 0.0, pe),
                               not np.allclose(chi, 1)))
    return tuple(out)
