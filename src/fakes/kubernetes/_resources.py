"""The resource registry: every kind the fake serves, as discovery describes it.

Loaded from ``resources.json``, generated from the Kubernetes OpenAPI v2 spec by
``scripts/generate-kubernetes-resources.py`` (see there for what was measured on a
real kube-apiserver rather than read from the spec). The patch metadata of every
definition those kinds reach is kept in :attr:`Registry.definitions` for strategic
merge patch and server-side apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

import attrs

NameRule = Literal["subdomain", "label", "path"]


@attrs.frozen
class Strategy:
    """How the apiserver's registry treats one resource (measured, see the generator)."""

    names: NameRule
    generation: bool
    create_on_update: bool
    unconditional_update: bool
    delete_returns_object: bool
    orphan_by_default: bool
    status_keeps_labels: bool


@attrs.frozen
class ResourceType:
    """One resource of one group/version: ``configmaps`` in ``v1``."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    short_names: tuple[str, ...]
    categories: tuple[str, ...]
    namespaced: bool
    verbs: tuple[str, ...]
    #: Subresource name -> (kind, verbs), as the spec lists them; the fake serves
    #: those in :data:`SERVED_SUBRESOURCES` only.
    subresources: Mapping[str, tuple[str, tuple[str, ...]]]
    definition: str
    strategy: Strategy
    #: Field selectors the real server accepts beyond metadata.name and
    #: metadata.namespace, and how it words an unknown one ("generic", "core", "kind").
    field_selectors: tuple[str, ...] = ()
    field_error: str = "generic"
    #: Served from a CustomResourceDefinition (see ``_crd``): the version objects are
    #: stored in, the version's openAPIV3Schema and its additionalPrinterColumns.
    storage_version: str | None = None
    schema: Mapping[str, Any] | None = None
    printer_columns: tuple[Mapping[str, Any], ...] = ()
    #: The definition's ``subresources.scale`` (its replicas and selector paths).
    scale: Mapping[str, Any] | None = None

    @property
    def custom(self) -> bool:
        return self.storage_version is not None

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``configmaps``, ``deployments.apps``: how the apiserver names it in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


#: The subresources the fake serves (exec, attach, portforward and proxy with the
#: answers of a server that has no node, kubelet or endpoint to connect to); the
#: others answer 501, naming themselves.
SERVED_SUBRESOURCES = frozenset({"status", "scale", "log", "exec", "attach", "portforward",
                                 "proxy", "finalize"})


class Registry:
    """The resource types, by group/version and plural, and by kind."""

    def __init__(self, types: Iterable[ResourceType], definitions: Mapping[str, Any]) -> None:
        self.types = tuple(types)
        self.definitions = definitions
        self._by_plural = {(t.group, t.version, t.plural): t for t in self.types}
        self._by_kind = {(t.api_version, t.kind): t for t in self.types}

    def extended(self, custom: Iterable[ResourceType],
                 definitions: Mapping[str, Any] | None = None) -> Registry:
        """This registry and the custom resource types after it (a cluster's, whose
        CustomResourceDefinitions add them), with their schemas as definitions."""
        return Registry((*self.types, *custom), {**self.definitions, **(definitions or {})})

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_plural.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        return self._by_kind.get((api_version, kind))

    def group_versions(self) -> dict[str, list[str]]:
        """Group name -> its versions ("" is the core group), in registry order."""
        out: dict[str, list[str]] = {}
        for t in self.types:
            versions = out.setdefault(t.group, [])
            if t.version not in versions:
                versions.append(t.version)
        return out

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self.types if t.group == group and t.version == version]


def _resource_type(entry: Mapping[str, Any]) -> ResourceType:
    return ResourceType(
        group=entry["group"], version=entry["version"], kind=entry["kind"],
        plural=entry["plural"], singular=entry["singular"],
        short_names=tuple(entry["shortNames"]), categories=tuple(entry["categories"]),
        namespaced=entry["namespaced"], verbs=tuple(entry["verbs"]),
        subresources={name: (sub["kind"], tuple(sub["verbs"]))
                      for name, sub in entry["subresources"].items()},
        definition=entry["definition"], strategy=Strategy(**entry["strategy"]),
        field_selectors=tuple(entry["fieldSelectors"]), field_error=entry["fieldError"],
    )


@cache
def registry() -> Registry:
    """The built-in resource types (read once per process)."""
    data = json.loads(resources.files("fakes.kubernetes").joinpath("resources.json").read_text())
    return Registry((_resource_type(e) for e in data["resources"]), data["definitions"])
