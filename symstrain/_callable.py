"""``symstrain.strain`` and ``symstrain.reflections`` are both a module and the public function of that name.

Once a module has been imported, the package attribute of the same name is the module, not the function;
:func:`make_callable` turns the module into one that forwards calls to its function, so the flat API
``symstrain.strain(...)`` works whichever was imported first.
"""

from __future__ import annotations

import sys
import types


def make_callable(module_name: str, function_name: str) -> None:
    """Let ``sys.modules[module_name](...)`` call that module's ``function_name``."""

    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(self, function_name)(*args, **kwargs)

    sys.modules[module_name].__class__ = _CallableModule
