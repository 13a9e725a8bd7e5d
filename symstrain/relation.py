"""Group–subgroup relation between a parent and a child structure, verified in their own settings.

``relate(parent, child)`` finds the lattice correspondence (P, p) and checks, operation by
operation, that every child operation is a parent operation. It works on the two
structures as given (any cells, settings, origins), never on a table of space-group numbers.

Conventions (as in spglib and ITA Vol. A, Part 5)
---------------------------------------------------
* ``P`` (3×3): child basis = parent basis · P, i.e. ``(a_c, b_c, c_c) = (a_p, b_p, c_p) · P``.
  Columns of P are the child basis vectors in parent fractional units.
* ``p`` (3,): origin of the child in parent fractional coordinates, so a point's coordinates
  transform as ``x_parent = P · x_child + p``.
* A child operation (W_c, w_c) is the parent operation
  ``W_p = P W_c P⁻¹``, ``w_p = P w_c + p − W_p p`` (modulo parent lattice translations).
* Miller indices transform like basis vectors: ``(h k l)_child = (h k l)_parent · P``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .phase import Phase

STRAIN_COMPONENTS = ("e11", "e22", "e33", "e23", "e13", "e12")


@dataclass(frozen=True, eq=False)
class Relation:
    """A verified group–subgroup relation parent ⊃ child.

    Matrices follow the module conventions: child basis = parent basis · ``P``;
    ``x_parent = P · x_child + p``.
    """

    parent: Phase
    child: Phase
    #: (3, 3) float, child basis = parent basis · P (integer or simple rational entries)
    P: np.ndarray
    #: (3,) float, child origin in parent fractional coordinates
    p: np.ndarray
    #: [G : H] = point_index × lattice_index
    index: int
    #: i_P: order of the parent point group / order of the child point group
    point_index: int
    #: i_L: number of parent lattice translations (mod child lattice) per child cell = |det P| × (parent centring) / (child centring)
    lattice_index: int
    #: "t" (translationengleiche, i_L = 1), "k" (klassengleiche, i_P = 1) or "general"
    kind: str
    #: parent point group and child point group (H-M, e.g. "mmm", "2/m")
    parent_point_group: str
    child_point_group: str
    #: left cosets g·H of the operations lost, each a list of xyz triplets in the parent setting;
    #: the first element of each coset is its representative
    lost_cosets: tuple[tuple[str, ...], ...]
    #: number of orientation domain states = point_index; antiphase (translation) states = lattice_index
    orientation_domains: int
    antiphase_domains: int
    #: Aizu species, e.g. "mmmF2/m"
    aizu: str
    ferroelastic: bool
    ferroelectric: bool
    #: strain components e_ij allowed in the child point group but zero in the parent's, named in the
    #: Cartesian frame of the child basis (X ∥ a_c, Y in a_c b_c plane, Z ∥ c*_c), e.g. ("e13",)
    symmetry_breaking_strain: tuple[str, ...]
    #: strain components allowed in the parent point group (non-symmetry-breaking), same frame
    non_symmetry_breaking_strain: tuple[str, ...]
    #: parent reflection conditions the child breaks, for the reflections module; each a dict
    #: {"operation": xyz of the parent op, "condition": text in parent indices}
    broken_conditions: tuple[dict, ...] = ()
    #: relative mismatch of the child metric against the parent metric mapped by P (max |ΔG|/G)
    lattice_misfit: float = 0.0
    #: which conjugacy class / orientation of the subgroup, in words (e.g. "unique axis b of the parent")
    orientation: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
