"""Providers are plug-ins: each fake describes itself with a :class:`Provider`.

A provider package registers its descriptor under the entry-point group
``verified_fakes.providers``, the entry point's name being the provider's name::

    [project.entry-points."verified_fakes.providers"]
    artifacts = "fakes.artifacts._provider:PROVIDER"

The core (``fakes serve``, ``fakes conformance``, ``fakes providers`` and the
pytest fixtures) finds providers only through that group and imports nothing of a
provider until it is used: a descriptor names the fake by import path, so a
provider whose pip extra is missing still lets ``import fakes``, pytest start-up
and ``fakes --help`` work, and says what to install the moment it is used.

A descriptor module must therefore import nothing beyond the core dependencies,
and neither may the ``__init__`` of the package it lives in.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import re
import types
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any

import attrs

from fakes.errors import MissingExtraError, PluginError

if TYPE_CHECKING:
    from fakes._fake import Fake

__all__ = [
    "DISTRIBUTION",
    "ENTRY_POINT_GROUP",
    "Provider",
    "RealTargets",
    "get",
    "load",
    "providers",
]

ENTRY_POINT_GROUP = "verified_fakes.providers"
DISTRIBUTION = "verified-fakes"


def _import_path(value: str) -> str:
    module, sep, attribute = value.partition(":")
    if not module or not sep or not attribute:
        raise ValueError(f"expected 'package.module:attribute', not {value!r}")
    return value


def load(path: str) -> Any:
    """The object an import path ``package.module:attribute`` names."""
    module, _, attribute = _import_path(path).partition(":")
    value: Any = importlib.import_module(module)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


@attrs.frozen(kw_only=True)
class RealTargets:
    """How ``fakes conformance`` selects a provider's real targets.

    Every ``--target`` value other than ``fake`` is a real one. ``environment``
    turns those values (with ``--profile`` and the process environment) into the
    variables the provider's suite reads, or raises :class:`ValueError` with a
    message for values it does not accept; the runner adds the generic
    ``FAKES_CONFORMANCE_TARGETS`` and ``FAKES_CONFORMANCE_REAL=1`` itself.
    """

    #: How a real ``--target`` value is spelled in help texts, e.g. ``URL``.
    metavar: str
    #: One line for ``--help``: what such a value names.
    help: str
    #: ``environment(values, profile, environ) -> {variable: value}``.
    environment: Callable[[Sequence[str], str | None, Mapping[str, str]], dict[str, str]]
    #: ``module:function`` of the janitor, called as ``function(environ, older_than)``
    #: with the selected environment merged over the process's and a ``timedelta``;
    #: it prints what it did and returns the exit status. None: no janitor.
    janitor: str | None = attrs.field(default=None)

    @janitor.validator
    def _check_janitor(self, _attribute: object, value: str | None) -> None:
        if value is not None:
            _import_path(value)


@attrs.frozen(kw_only=True)
class Provider:
    """What the core needs to know about one fake."""

    #: ``fakes serve <name>``, ``fakes conformance --provider <name>``; also the entry
    #: point's name.
    name: str
    #: One line for ``fakes providers`` and ``--help``.
    summary: str
    #: ``module:Class`` of the :class:`fakes._fake.Fake` subclass, imported on first use.
    fake: str = attrs.field(validator=lambda _s, _a, v: _import_path(v))
    #: Base name of the pytest fixtures: ``<fixture>_server`` (session),
    #: ``<fixture>`` (reset per test) and ``<fixture>_factory``.
    fixture: str
    #: The distribution that ships the provider, and the pip extra the provider wants
    #: (``pip install '<distribution>[<extra>]'``).
    distribution: str = DISTRIBUTION
    extra: str | None = None
    #: Top-level modules of that extra the provider cannot work without; checked before
    #: the fake is imported (:class:`fakes.errors.MissingExtraError` names the extra).
    requires: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    #: Package of the conformance suite (run with ``--pyargs``), if there is one.
    conformance: str | None = None
    #: Adds the provider's own ``fakes serve <name>`` options to its sub-parser.
    serve_options: Callable[[argparse.ArgumentParser], None] | None = None
    #: Builds the (not yet started) fake from the parsed options. ``common`` holds the
    #: keyword arguments every fake takes: host, port, clock, allow_non_loopback.
    #: None: the provider cannot be served.
    build_served: Callable[[argparse.Namespace, Mapping[str, Any]], Fake[Any]] | None = None
    #: How its real targets are selected; None: the suite runs against the fake only.
    real_targets: RealTargets | None = None

    @property
    def install_hint(self) -> str:
        extra = f"[{self.extra}]" if self.extra else ""
        return f"pip install '{self.distribution}{extra}'"

    def missing_requirements(self) -> list[str]:
        """Distributions the extra lists (in the installed package's metadata) that are
        not installed, and the modules of :attr:`requires` that are missing."""
        missing = []
        if self.extra:
            try:
                requirements = metadata.requires(self.distribution) or []
            except metadata.PackageNotFoundError:
                requirements = []
            wanted = re.compile(rf"""extra\s*==\s*["']{re.escape(self.extra)}["']""")
            for requirement in requirements:
                spec, _, marker = requirement.partition(";")
                name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
                if name is None or not wanted.search(marker):
                    continue
                try:
                    metadata.version(name[1])
                except metadata.PackageNotFoundError:
                    missing.append(name[1])
        return [*missing, *(m for m in self.missing_modules() if m not in missing)]

    def missing_modules(self) -> list[str]:
        """Modules of the provider's extra that are not installed (nothing imported)."""
        missing = []
        for module in self.requires:
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                missing.append(module)
        return missing

    def check_installed(self) -> None:
        """Raise :class:`MissingExtraError` unless the provider's extra is installed."""
        missing = self.missing_modules()
        if missing:
            raise MissingExtraError(
                f"the {self.name} provider needs {', '.join(missing)}, which "
                f"{'is' if len(missing) == 1 else 'are'} not installed: {self.install_hint}"
            )

    def load_fake(self) -> type[Fake[Any]]:
        """The fake's class, imported now (after checking the extra is installed)."""
        self.check_installed()
        try:
            cls: type[Fake[Any]] = load(self.fake)
        except ImportError as error:
            raise MissingExtraError(
                f"the {self.name} provider could not import {self.fake} ({error}); "
                f"is its extra installed? {self.install_hint}"
            ) from error
        return cls

    @property
    def fixtures(self) -> tuple[str, str, str]:
        """The names of the provider's three fixtures: server, per test, factory."""
        return f"{self.fixture}_server", self.fixture, f"{self.fixture}_factory"


def _discover(entry_points: Sequence[metadata.EntryPoint]) -> dict[str, Provider]:
    found: dict[str, tuple[Provider, metadata.EntryPoint]] = {}
    for entry_point in entry_points:
        where = _origin(entry_point)
        if entry_point.name in found:
            other = found[entry_point.name][1]
            if other.value == entry_point.value:
                continue  # the same provider, seen twice on sys.path
            raise PluginError(
                f"two providers are named {entry_point.name!r}: {other.value} "
                f"({_origin(other)}) and {entry_point.value} ({where}); "
                "uninstall one of them"
            )
        try:
            provider = entry_point.load()
        except Exception as error:
            raise PluginError(
                f"provider {entry_point.name!r} ({where}) could not be loaded from "
                f"{entry_point.value}: {type(error).__name__}: {error}"
            ) from error
        if not isinstance(provider, Provider):
            raise PluginError(
                f"provider {entry_point.name!r} ({where}): {entry_point.value} is a "
                f"{type(provider).__name__}, not a fakes.providers.Provider"
            )
        if provider.name != entry_point.name:
            raise PluginError(
                f"provider {entry_point.name!r} ({where}): the entry point is named "
                f"{entry_point.name!r} but its descriptor {provider.name!r}"
            )
        found[entry_point.name] = (provider, entry_point)
    fixtures: dict[str, str] = {}
    for name, (provider, _) in sorted(found.items()):
        for fixture in provider.fixtures:
            if fixture in fixtures:
                raise PluginError(
                    f"providers {fixtures[fixture]!r} and {name!r} both define the "
                    f"fixture {fixture!r}"
                )
            fixtures[fixture] = name
    return {name: found[name][0] for name in sorted(found)}


def _origin(entry_point: metadata.EntryPoint) -> str:
    dist = getattr(entry_point, "dist", None)
    return f"from {dist.name} {dist.version}" if dist is not None else "unknown distribution"


@functools.cache
def providers() -> Mapping[str, Provider]:
    """Every installed provider by name (discovered once per process, then cached)."""
    return types.MappingProxyType(
        _discover(list(metadata.entry_points(group=ENTRY_POINT_GROUP)))
    )


def get(name: str) -> Provider:
    """The installed provider called ``name``."""
    installed = providers()
    if name not in installed:
        known = ", ".join(installed) or "none"
        raise PluginError(f"no provider {name!r} is installed (installed: {known})")
    return installed[name]
