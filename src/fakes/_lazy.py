"""Lazy exports for a provider's package: its public names are imported on first use,
so that discovering providers (reading their descriptors) imports none of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any], exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package`` (whose globals are
    ``namespace``): ``exports`` maps each public name to the module that defines it."""

    def getattr_(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        # Not cached: the name stays whatever its module holds now (pytester's
        # in-process runs, for one, drop and re-import modules between runs).
        return getattr(import_module(module), name)

    def dir_() -> list[str]:
        return sorted({*namespace, *exports})

    return getattr_, dir_
