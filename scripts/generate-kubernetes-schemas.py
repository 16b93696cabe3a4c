#!/usr/bin/env python3
"""Generate conformance/kubernetes/schemas.json from the Kubernetes OpenAPI v2 spec.

    python scripts/generate-kubernetes-schemas.py /path/to/swagger.json

The conformance suite validates every JSON object the fake answers with against the
published schema of its kind (``fakes.conformance.kubernetes._schemas``). This keeps,
as JSON Schema, the definitions reachable from the kinds the fake models (the
``KINDS`` of scripts/generate-kubernetes-resources.py), their lists, the Status, a
Scale and the discovery documents,
from the spec (Apache-2.0, The Kubernetes Authors), converted so that a validator
checks what a real API server guarantees:

- descriptions are dropped;
- an object with properties allows no others (the apiserver answers only the fields
  its types have), unless it says ``x-kubernetes-preserve-unknown-fields``;
- ``int-or-string`` is a string or an integer (the spec types it ``string``);
- a list or a map may be null (the real server writes a nil one so where its field
  has no ``omitempty``: a new CustomResourceDefinition's ``status.conditions``), and a
  time too (a zero one: a Pod condition's ``lastProbeTime``);
- a required field that the real server leaves out all the same is not required;
- ``x-kubernetes-group-version-kind`` is kept, to find the definition of an answer.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "conformance" / "kubernetes" / "schemas.json"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
#: What the fake answers besides objects of its kinds and their lists: the Status, a
#: Scale, and the discovery documents.
EXTRA_ROOTS = [_META + "Status", "io.k8s.api.autoscaling.v1.Scale", _META + "APIGroup",
               _META + "APIGroupList", _META + "APIResourceList", _META + "APIVersions"]


#: Required fields a real API server leaves out all the same (measured on kube-apiserver
#: v1.37.2): a Scale's status.replicas when it is 0.
OMITTED_BY_THE_SERVER = {"io.k8s.api.autoscaling.v1.ScaleStatus": ["replicas"]}


def _kinds() -> list[tuple[str, str, str]]:
    """The kinds the fake models, from the one list the resource generator keeps."""
    spec = importlib.util.spec_from_file_location(
        "generate_kubernetes_resources", ROOT / "scripts" / "generate-kubernetes-resources.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.KINDS)


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k != "description"}
    if out.get("format") == "int-or-string":
        return {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    if "properties" in out and not out.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("additionalProperties", False)
    elif out.get("type") == "array" or (out.get("type") == "object"
                                        and "additionalProperties" in out):
        out["type"] = [out["type"], "null"]  # Go writes a nil slice or map as null
    elif out.get("format") == "date-time":
        out["type"] = [out["type"], "null"]  # and a zero time (a condition's lastProbeTime)
    return out


def _references(node: Any) -> list[str]:
    if isinstance(node, list):
        return [name for item in node for name in _references(item)]
    if not isinstance(node, dict):
        return []
    ref = node.get("$ref")  # a string; JSONSchemaProps also has a property named "$ref"
    found = [ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else []
    return found + [name for value in node.values() for name in _references(value)]


def generate(spec: dict[str, Any]) -> dict[str, Any]:
    definitions = spec["definitions"]
    wanted = {(g, v, k) for g, v, k in _kinds()}
    roots = list(EXTRA_ROOTS)
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            key = (gvk["group"], gvk["version"], gvk["kind"])
            if key in wanted or (key[0], key[1], key[2].removesuffix("List")) in wanted \
                    and key[2].endswith("List"):
                roots.append(name)
    kept: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in kept:
            continue
        kept[name] = _convert(definitions[name])
        omitted = OMITTED_BY_THE_SERVER.get(name, [])
        if omitted:
            kept[name]["required"] = [f for f in kept[name]["required"] if f not in omitted]
        pending.extend(_references(definitions[name]))
    return {
        "source": "Kubernetes OpenAPI v2 spec (swagger.json), Apache-2.0, Copyright The "
                  "Kubernetes Authors; converted by scripts/generate-kubernetes-schemas.py",
        "definitions": dict(sorted(kept.items())),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text())
    OUT.write_text(json.dumps(generate(spec), separators=(",", ":"), sort_keys=False) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
