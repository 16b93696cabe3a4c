"""Builds the subset of GitHub's OpenAPI description the GitHub conformance suite validates
the fake's responses against (conformance/github/openapi-subset.json).

The description is OpenAPI 3.0 (``nullable``); the subset is plain JSON Schema: a
``nullable`` schema becomes a ``type`` list with ``"null"`` (or an ``anyOf`` with
``{"type": "null"}``), so that ``jsonschema`` can check it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "example",
                                                                 "examples", "description")}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _refs(node: Any) -> Iterable[str]:
    text = json.dumps(node)
    return re.findall(r'"#/components/schemas/([^"]+)"', text)


def build(spec_path: Path, operation_ids: Iterable[str]) -> dict[str, Any]:
    spec = json.loads(spec_path.read_text())
    wanted = set(operation_ids)
    operations: dict[str, dict[str, Any]] = {}
    requests: dict[str, dict[str, Any]] = {}
    pending: list[str] = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None or op["operationId"] not in wanted:
                continue
            requests[op["operationId"]] = _request(spec, method, path, op)
            pending.extend(_refs(requests[op["operationId"]]))
            for status, response in op.get("responses", {}).items():
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema is None or not status.startswith("2"):
                    continue
                operations.setdefault(op["operationId"], {})[status] = _convert(schema)
                pending.extend(_refs(schema))
    return _document(spec, {"operations": dict(sorted(operations.items())),
                            "requests": {k: _convert(v) for k, v in sorted(requests.items())}},
                     pending)


def _request(spec: dict[str, Any], method: str, path: str, op: dict[str, Any]
             ) -> dict[str, Any]:
    """What a request of ``op`` takes: its path and query parameters (name, where,
    required, schema) and its JSON body's schema (None when it takes none)."""
    parameters = []
    for parameter in op.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] in ("path", "query"):
            parameters.append({"name": parameter["name"], "in": parameter["in"],
                               "required": parameter.get("required", False),
                               "schema": parameter.get("schema", {})})
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return {"method": method.upper(), "path": path, "parameters": parameters,
            "body": body.get("schema")}


def build_webhooks(spec_path: Path, names: Iterable[str]) -> dict[str, Any]:
    """The payload schemas of the webhook events ``names`` (``issues-opened`` …; the
    description's ``webhook-<event>-<action>`` components)."""
    spec = json.loads(spec_path.read_text())
    raw = {name: spec["components"]["schemas"][f"webhook-{name}"] for name in sorted(set(names))}
    return _document(spec, {"events": {name: _convert(schema) for name, schema in raw.items()}},
                     [ref for schema in raw.values() for ref in _refs(schema)])


def _document(spec: dict[str, Any], body: dict[str, Any], pending: list[str]
              ) -> dict[str, Any]:
    """``body`` with the components it names (and those they name), and the source."""
    components: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in components:
            continue
        raw = spec["components"]["schemas"][name]
        components[name] = _convert(raw)
        pending.extend(_refs(raw))
    return {
        "source": "github/rest-api-description via octokit/openapi, api.github.com.json, "
                  f"version {spec['info']['version']}; converted from OpenAPI 3.0 to JSON "
                  "Schema (nullable)",
        "license": "MIT, Copyright (c) 2020 Octokit contributors (see LICENSE-openapi)",
        **body,
        "$defs": dict(sorted(components.items())),
    }
