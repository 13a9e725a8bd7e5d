"""symstrain: symmetry-breaking phase transitions from CIFs to Landau models.

Data flow (each step a pure function on value objects)::

    CIF ─read_cif→ Phase ─detect_symmetry→ SymmetryReport
    Phase(parent), Phase(child) ─relate→ Relation
    Relation ─strain→ StrainResult      Relation ─reflections→ ReflectionClasses
    Relation ─modes.decompose→ ModeDecomposition      Relation ─domains.domain_states→ DomainStates
    cells of a series ─choose_reference, strain_table, find_transitions→ tables, transitions
    LandauModel ─equilibria / sweep / fit→ branches, transitions, fits

The public API is flat and loaded lazily (``import symstrain`` stays fast):
``symstrain.read_cif``, ``symstrain.relate``, ``symstrain.strain`` and so on.
"""

from __future__ import annotations

import importlib

#: the package version (pyproject.toml reads it from here); 0.2.0: the JSON contract v1 (see CHANGELOG.md)
__version__ = "0.2.0"

# public name -> module that defines it
_API = {
    "SymstrainInputError": "errors",
    "Cell": "phase",
    "Atom": "phase",
    "Phase": "phase",
    "SpaceGroupInfo": "phase",
    "read_cif": "cif",
    "list_blocks": "cif",
    "phase_from_block": "cif",
    "detect_symmetry": "detect",
    "SymmetryReport": "detect",
    "expand_to_cell": "expand",
    "expand_to_cell_ops": "expand",
    "close_contacts": "neighbours",
    "SymOps": "ops",
    "relate": "relation",
    "Relation": "relation",
    "NotSubgroupError": "errors",
    "write_cif": "writer",
    "phase_to_cif_string": "writer",
    "strain": "spontaneous_strain",
    "StrainResult": "spontaneous_strain",
    "fit_baseline": "reference",
    "fit_cell_baseline": "reference",
    "strain_table": "series",
    "read_cells_csv": "series",
    "read_series": "series",
    "cells_from_phases": "series",
    "table_cells": "series",
    "choose_reference": "paraphase",
    "find_transitions": "transitions",
    "thermal_expansion": "expansion",
    "eta_from_strain_result": "coupling",
    "reflections": "reflection_classes",
    "ReflectionClasses": "reflection_classes",
    "reflection_conditions": "conditions",
    "classify_reflections": "reflection_classes",
    "predict_intensities": "intensities",
    "eta_intensity": "intensities",
    "strongest": "intensities",
    "RADIATIONS": "intensities",
    "read_hkl": "hkl",
    "symmetrize": "order",
    "order_parameters": "order",
    "proportionality": "order",
    "Distortion": "order",
    "pseudo_supergroups": "pseudo",
    "model_series": "series_models",
    "write_model_series": "series_models",
    "model_phase": "models",
    "model_pair": "models",
    "LandauModel": "landau",
    "SweepResult": "landau",
    "Transitions": "landau",
    "phase_diagram": "landau",
    "fit_landau": "landau_fit",
    "LandauFit": "landau_fit",
    "chimt_to_q": "magnetism",
    "q_to_chimt": "magnetism",
    "read_chimt_csv": "magnetism",
    "entropy_budget": "entropy",
    "EntropyBudget": "entropy",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'symstrain' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
