"""OpenAPI v3 documents of the served group/versions, from the resource registry.

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

_REF = "#/components/schemas/"
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_PATCH_KEYS = ("patch-merge-key", "patch-strategy", "list-type", "list-map-keys", "map-type")


def _property(prop: Mapping[str, Any]) -> dict[str, Any]:
    if "ref" in prop:
        out: dict[str, Any] = {"allOf": [{"$ref": _REF + prop["ref"]}]}
    else:
        out = {k: prop[k] for k in ("type", "format") if k in prop}
    if "items" in prop:
        out["items"] = _property(prop["items"])
    if "values" in prop:
        out["additionalProperties"] = _property(prop["values"])
    for key in _PATCH_KEYS:
        if key in prop:
            out["x-kubernetes-" + key] = prop[key]
    return out


def _definition(trimmed: Mapping[str, Any]) -> dict[str, Any]:
    if "properties" not in trimmed:
        return {k: v for k, v in trimmed.items() if k in ("type", "format")}
    out: dict[str, Any] = {"type": "object", "properties": {
        key: _property(prop) for key, prop in trimmed["properties"].items()}}
    if trimmed.get("required"):
        out["required"] = list(trimmed["required"])
    return out


def _reachable(definitions: Mapping[str, Any], roots: list[str]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in schemas or name not in definitions:
            continue
        schemas[name] = _definition(definitions[name])
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


def _custom_schema(rt: ResourceType) -> dict[str, Any]:
    schema = dict(rt.schema or {})
    schema["type"] = "object"
    schema["properties"] = {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"},
        "metadata": {"allOf": [{"$ref": _REF + _OBJECT_META}]},
        **(schema.get("properties") or {})}
    schema["x-kubernetes-group-version-kind"] = _gvk(rt)
    return schema


def group_version_document(registry: Registry, group: str, version: str,
                           info: Mapping[str, str]) -> dict[str, Any] | None:
    """The OpenAPI v3 document of ``group``/``version``; None if it is not served."""
    types = registry.in_group_version(group, version)
    if not types:
        return None
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    parameter = {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}
    paths: dict[str, Any] = {}
    roots = [_OBJECT_META]
    kinds: dict[str, Any] = {}
    for rt in types:
        scope = "/namespaces/{namespace}" if rt.namespaced else ""
        paths[f"{base}{scope}/{rt.plural}/{{name}}"] = {"patch": {
            "x-kubernetes-group-version-kind": _gvk(rt)[0], "x-kubernetes-action": "patch",
            "parameters": [parameter]}}
        if rt.custom:
            kinds[schema_name(rt)] = _custom_schema(rt)
        else:
            roots.append(rt.definition)
    schemas = _reachable(registry.definitions, roots)
    for rt in types:
        if not rt.custom and rt.definition in schemas:
            schemas[rt.definition]["x-kubernetes-group-version-kind"] = _gvk(rt)
    schemas.update(kinds)
    return {"openapi": "3.0.0", "info": dict(info),
            "paths": paths, "components": {"schemas": dict(sorted(schemas.items()))}}
