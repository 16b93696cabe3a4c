"""Names that moved to their provider's package keep working for a while, with a
DeprecationWarning that says where they live now."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def moved_names(module: str, moved: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that finds each name of ``moved`` in its new module."""

    def __getattr__(name: str) -> Any:
        if name in moved:
            warnings.warn(
                f"{module}.{name} moved to {moved[name]}.{name}; import it from there",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(import_module(moved[name]), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
