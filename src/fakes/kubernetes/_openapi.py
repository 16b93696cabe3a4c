"""OpenAPI documents of the served kinds, from the resource registry: v3 per
group/version, and the one v2 (swagger 2.0) document.

What ``kubectl explain`` and kubectl's field validation read
(https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v3): per
group/version, the paths with their ``fieldValidation`` parameter and, under
``components.schemas``, a schema per kind (marked with
``x-kubernetes-group-version-kind``) and per definition it reaches.

Built-in kinds' schemas come from the trimmed definitions of ``resources.json``: the
types, formats, required fields and patch metadata, without the descriptions (the fake
does not ship the spec's prose). A custom resource's schema is its definition's
``openAPIV3Schema`` with ``apiVersion``, ``kind`` and ``metadata`` added, as the
apiserver publishes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakes.kubernetes._resources import Registry, ResourceType

_V3 = "#/components/schemas/"
_V2 = "#/definitions/"
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_PATCH_KEYS = ("patch-merge-key", "patch-strategy", "list-type", "list-map-keys", "map-type")


def _ref(name: str, prefix: str) -> dict[str, Any]:
    # v3 wraps a reference so that siblings may stand beside it, as the apiserver does.
    return {"allOf": [{"$ref": prefix + name}]} if prefix == _V3 else {"$ref": prefix + name}


def _property(prop: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    if "ref" in prop:
        out = _ref(prop["ref"], prefix)
    else:
        out = {k: prop[k] for k in ("type", "format") if k in prop}
    if "items" in prop:
        out["items"] = _property(prop["items"], prefix)
    if "values" in prop:
        out["additionalProperties"] = _property(prop["values"], prefix)
    for key in _PATCH_KEYS:
        if key in prop:
            out["x-kubernetes-" + key] = prop[key]
    return out


def _definition(trimmed: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    if "properties" not in trimmed:
        return {k: v for k, v in trimmed.items() if k in ("type", "format")}
    out: dict[str, Any] = {"type": "object", "properties": {
        key: _property(prop, prefix) for key, prop in trimmed["properties"].items()}}
    if trimmed.get("required"):
        out["required"] = list(trimmed["required"])
    return out


def _reachable(definitions: Mapping[str, Any], roots: list[str], prefix: str
               ) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in schemas or name not in definitions:
            continue
        schemas[name] = _definition(definitions[name], prefix)
        for prop in (definitions[name].get("properties") or {}).values():
            while prop:
                if "ref" in prop:
                    todo.append(prop["ref"])
                prop = prop.get("items") or prop.get("values")
    return schemas


def schema_name(rt: ResourceType) -> str:
    """A custom kind's schema name: its group reversed, version and kind
    (``com.example.v1.Widget``), as the apiserver names it."""
    return ".".join([*reversed(rt.group.split(".")), rt.version, rt.kind])


def _gvk(rt: ResourceType) -> list[dict[str, str]]:
    return [{"group": rt.group, "version": rt.version, "kind": rt.kind}]


def _custom_schema(rt: ResourceType, prefix: str) -> dict[str, Any]:
    schema = dict(rt.schema or {})
    schema["type"] = "object"
    schema["properties"] = {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"},
        "metadata": _ref(_OBJECT_META, prefix),
        **(schema.get("properties") or {})}
    schema["x-kubernetes-group-version-kind"] = _gvk(rt)
    return schema


def _schemas(registry: Registry, types: list[ResourceType], prefix: str) -> dict[str, Any]:
    """The schema of each of ``types`` and of every definition they reach."""
    roots = [_OBJECT_META, *(rt.definition for rt in types if not rt.custom)]
    schemas = _reachable(registry.definitions, roots, prefix)
    for rt in types:
        if rt.custom:
            schemas[schema_name(rt)] = _custom_schema(rt, prefix)
        elif rt.definition in schemas:
            schemas[rt.definition]["x-kubernetes-group-version-kind"] = _gvk(rt)
    return dict(sorted(schemas.items()))


def _paths(types: list[ResourceType], parameter: Mapping[str, Any]) -> dict[str, Any]:
    """A PATCH path per kind, with its fieldValidation parameter (what kubectl reads to
    know the server validates fields)."""
    paths: dict[str, Any] = {}
    for rt in types:
        base = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
        scope = "/namespaces/{namespace}" if rt.namespaced else ""
        paths[f"{base}{scope}/{rt.plural}/{{name}}"] = {"patch": {
            "x-kubernetes-group-version-kind": _gvk(rt)[0], "x-kubernetes-action": "patch",
            "parameters": [dict(parameter)]}}
    return paths


def group_version_document(registry: Registry, group: str, version: str,
                           info: Mapping[str, str]) -> dict[str, Any] | None:
    """The OpenAPI v3 document of ``group``/``version``; None if it is not served."""
    types = registry.in_group_version(group, version)
    if not types:
        return None
    parameter = {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}
    return {"openapi": "3.0.0", "info": dict(info), "paths": _paths(types, parameter),
            "components": {"schemas": _schemas(registry, types, _V3)}}


def swagger_document(registry: Registry, info: Mapping[str, str]) -> dict[str, Any]:
    """The OpenAPI v2 document of every served kind (``/openapi/v2``)."""
    types = list(registry.types)
    parameter = {"name": "fieldValidation", "in": "query", "type": "string",
                 "uniqueItems": True}
    return {"swagger": "2.0", "info": dict(info), "paths": _paths(types, parameter),
            "definitions": _schemas(registry, types, _V2)}
