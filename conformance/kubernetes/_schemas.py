"""Every JSON object the fake answers with must validate against the published schema of
its kind.

``schemas.json`` holds the definitions of the kinds the fake models, their lists, the
Status, Scale and the discovery documents, from the Kubernetes OpenAPI v2 spec
(Apache-2.0, The Kubernetes Authors), converted to JSON Schema by
``scripts/generate-kubernetes-schemas.py``: an object allows only the fields its type
has, as a real API server answers. The check runs on the fake target's raw requests
(``Target.http``) and only when ``jsonschema`` is installed (the ``test`` extra).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import requests


@functools.cache
def _definitions() -> dict[str, Any]:
    text = resources.files("fakes.conformance.kubernetes").joinpath("schemas.json")
    definitions: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))["definitions"]
    return definitions


@functools.cache
def _by_kind() -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> the definition that describes it."""
    found = {}
    for name, definition in _definitions().items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            group, version = gvk["group"], gvk["version"]
            found[(f"{group}/{version}" if group else version, gvk["kind"])] = name
    return found


@functools.cache
def _validator(name: str) -> Any:
    try:
        from jsonschema import Draft7Validator
    except ImportError:  # the test extra is not installed: nothing to check with
        return None
    return Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": _definitions()})


def schema_errors(document: Any) -> list[str]:
    """What is wrong with ``document`` for the schema of its kind; nothing when its kind
    has no schema here (a Table, a custom resource) or jsonschema is missing."""
    if not isinstance(document, dict):
        return []
    name = _by_kind().get((str(document.get("apiVersion")), str(document.get("kind"))))
    validator = _validator(name) if name is not None else None
    if validator is None:
        return []
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(e.path))]


def check_response(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
    """A ``requests`` response hook: raise AssertionError when a JSON answer does not
    validate against the schema of its kind."""
    if "json" not in response.headers.get("Content-Type", "") or not response.content:
        return
    try:
        document = response.json()
    except ValueError:
        return  # not JSON after all: the test checks what it is
    errors = schema_errors(document)
    if errors:
        raise AssertionError(f"{response.request.method} {response.request.url} answered "
                             f"a {document.get('kind')} that breaks its schema: "
                             + "; ".join(errors[:5]))
