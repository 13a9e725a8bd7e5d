"""symstrain: symmetry-breaking phase transitions from CIFs to Landau models.

Data flow (each step a pure function on value objects)::

    CIF ─read_cif→ Phase ─detect_symmetry→ SymmetryReport
    Phase(parent), Phase(child) ─relate→ Relation
    Relation ─strain→ StrainResult      Relation ─reflections→ ReflectionClasses
    LandauModel ─equilibria / sweep / fit→ branches, transitions, fits

The public API is flat and loaded lazily (``import symstrain`` stays fast):
``symstrain.read_cif``, ``symstrain.relate``, ``symstrain.strain`` and so on.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_API = {
    "SymstrainInputError": "errors",
    "Cell": "phase",
    "Atom": "phase",
    "Phase": "phase",
    "SpaceGroupInfo": "phase",
    "read_cif": "cif",
    "list_blocks": "cif",
    "detect_symmetry": "symmetry",
    "expand_to_cell": "symmetry",
    "relate": "relation",
    "Relation": "relation",
    "write_cif": "writer",
    "strain": "strain",
    "StrainResult": "strain",
    "reflections": "reflections",
    "LandauModel": "landau",
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
