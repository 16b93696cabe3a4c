#!/usr/bin/env python3
"""Generate src/fakes/kubernetes/resources.json from the Kubernetes OpenAPI v2 spec.

    python scripts/generate-kubernetes-resources.py /path/to/swagger.json

The spec (Apache-2.0, The Kubernetes Authors) is read, not shipped: the output keeps
only what the fake needs of it, for the kinds in ``KINDS``:

- per resource: group, version, kind, plural, scope and verbs, and its subresources
  with their verbs, from each operation's ``x-kubernetes-group-version-kind`` and
  ``x-kubernetes-action`` and the path it is served at;
- per definition reachable from those kinds: its required properties, each property's
  type (and format) or ``$ref`` and its patch metadata (``x-kubernetes-patch-merge-key``, ``x-kubernetes-patch-strategy``,
  ``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys``, ``x-kubernetes-map-type``),
  and a definition's own ``x-kubernetes-map-type``, for strategic merge patch and
  server-side apply.

What the OpenAPI spec does not say is in ``MEASURED`` below, measured on a real
kube-apiserver v1.37.2 (scripts/build-kubernetes.sh) on 2026-11-30: the discovery
names (singular, shortNames, categories, from ``GET /api/v1`` and ``/apis/<gv>``) and
the registry strategy of each resource (which name validation it applies, whether it
keeps ``metadata.generation``, allows create on update and update without a
resourceVersion, and whether DELETE answers with the object or a Status).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src" / "fakes" / "kubernetes" / "resources.json"

#: (group, version, kind) of every kind the fake models.
KINDS = [
    ("", "v1", "Namespace"), ("", "v1", "ConfigMap"), ("", "v1", "Secret"),
    ("", "v1", "Service"), ("", "v1", "ServiceAccount"), ("", "v1", "Pod"),
    ("", "v1", "Node"), ("", "v1", "Event"), ("", "v1", "PersistentVolumeClaim"),
    ("", "v1", "ReplicationController"),
    ("", "v1", "PersistentVolume"),
    ("apps", "v1", "Deployment"), ("apps", "v1", "ReplicaSet"),
    ("apps", "v1", "StatefulSet"), ("apps", "v1", "DaemonSet"),
    ("batch", "v1", "Job"), ("batch", "v1", "CronJob"),
    ("rbac.authorization.k8s.io", "v1", "Role"),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
    ("networking.k8s.io", "v1", "Ingress"), ("networking.k8s.io", "v1", "NetworkPolicy"),
    ("coordination.k8s.io", "v1", "Lease"), ("policy", "v1", "PodDisruptionBudget"),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
]  # fmt: skip

# Measured (see the module docstring). names: "subdomain" (RFC 1123 subdomain),
# "label" (RFC 1123 label), "path" (a path segment: not "." or "..", no "/" or "%").
# generation: metadata.generation is set; create_on_update: PUT of a missing object
# creates it; unconditional_update: PUT without metadata.resourceVersion is allowed;
# delete_returns_object: DELETE answers with the object rather than a Status;
# orphan_by_default: DELETE without a propagationPolicy orphans the dependents (the
# object gets the "orphan" finalizer until the garbage collector has run);
# status_keeps_labels: a write to /status cannot change the labels (it can change the
# rest of the metadata, and never the spec).
_DEFAULT = {"names": "subdomain", "generation": False, "create_on_update": False,
            "unconditional_update": True, "delete_returns_object": False,
            "orphan_by_default": False, "status_keeps_labels": False}
MEASURED: dict[str, dict[str, Any]] = {
    "namespaces": {"names": "label", "delete_returns_object": True,
                   "singular": "namespace", "shortNames": ["ns"]},
    "configmaps": {"singular": "configmap", "shortNames": ["cm"]},
    "secrets": {"singular": "secret"},
    "services": {"names": "label", "create_on_update": True, "delete_returns_object": True,
                 "singular": "service", "shortNames": ["svc"], "categories": ["all"]},
    "serviceaccounts": {"delete_returns_object": True, "singular": "serviceaccount",
                        "shortNames": ["sa"]},
    "pods": {"generation": True, "delete_returns_object": True, "singular": "pod",
             "shortNames": ["po"], "categories": ["all"]},
    "nodes": {"singular": "node", "shortNames": ["no"]},
    "events": {"names": "path", "create_on_update": True, "singular": "event",
               "shortNames": ["ev"]},
    "persistentvolumeclaims": {"singular": "persistentvolumeclaim", "shortNames": ["pvc"]},
    "persistentvolumes": {"singular": "persistentvolume", "shortNames": ["pv"]},
    "replicationcontrollers": {"generation": True, "orphan_by_default": True,
                               "singular": "replicationcontroller",
                               "shortNames": ["rc"], "categories": ["all"]},
    "deployments": {"generation": True, "status_keeps_labels": True,
                    "singular": "deployment", "shortNames": ["deploy"],
                    "categories": ["all"]},
    "replicasets": {"generation": True, "singular": "replicaset", "shortNames": ["rs"],
                    "categories": ["all"]},
    "statefulsets": {"names": "label", "generation": True, "singular": "statefulset",
                     "shortNames": ["sts"], "categories": ["all"]},
    "daemonsets": {"generation": True, "singular": "daemonset", "shortNames": ["ds"],
                   "categories": ["all"]},
    "jobs": {"generation": True, "orphan_by_default": True, "singular": "job",
             "categories": ["all"]},
    "cronjobs": {"generation": True, "singular": "cronjob", "shortNames": ["cj"],
                 "categories": ["all"]},
    "roles": {"names": "path", "create_on_update": True, "singular": "role"},
    "rolebindings": {"names": "path", "create_on_update": True, "singular": "rolebinding"},
    "clusterroles": {"names": "path", "create_on_update": True, "singular": "clusterrole"},
    "clusterrolebindings": {"names": "path", "create_on_update": True,
                            "singular": "clusterrolebinding"},
    "ingresses": {"generation": True, "singular": "ingress", "shortNames": ["ing"]},
    "networkpolicies": {"generation": True, "singular": "networkpolicy",
                        "shortNames": ["netpol"]},
    "leases": {"create_on_update": True, "unconditional_update": False, "singular": "lease"},
    "poddisruptionbudgets": {"names": "path", "generation": True,
                             "unconditional_update": False, "singular": "poddisruptionbudget",
                             "shortNames": ["pdb"]},
    "customresourcedefinitions": {"generation": True, "delete_returns_object": True,
                                  "singular": "customresourcedefinition",
                                  "shortNames": ["crd", "crds"],
                                  "categories": ["api-extensions"]},
}

# Field selectors beyond metadata.name and metadata.namespace that each resource accepts,
# and how it words an unknown one (measured: GET with ?fieldSelector=<field>=x).
# field_error: "generic" (""f" is not a known field selector: only ..."), "core"
# ("field label not supported: f") or "kind" ("field label "f" not supported for Kind").
FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "namespaces": (("status.phase",), "core"),
    "configmaps": ((), "generic"),
    "secrets": (("type",), "core"),
    "services": (("spec.clusterIP", "spec.type"), "core"),
    "serviceaccounts": ((), "generic"),
    "pods": (("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"), "core"),  # noqa: E501
    "nodes": (("spec.unschedulable",), "core"),
    "events": (("type", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source"), "core"),  # noqa: E501
    "persistentvolumeclaims": ((), "generic"),
    "persistentvolumes": ((), "generic"),
    "replicationcontrollers": (("status.replicas",), "core"),
    "deployments": ((), "generic"),
    "replicasets": ((), "generic"),
    "statefulsets": ((), "generic"),
    "daemonsets": ((), "generic"),
    "jobs": (("status.successful",), "kind"),
    "cronjobs": ((), "generic"),
    "roles": ((), "generic"),
    "rolebindings": ((), "generic"),
    "clusterroles": ((), "generic"),
    "clusterrolebindings": ((), "generic"),
    "ingresses": ((), "generic"),
    "networkpolicies": ((), "generic"),
    "leases": ((), "generic"),
    "poddisruptionbudgets": ((), "generic"),
    "customresourcedefinitions": ((), "generic"),
}

_VERB = {"get": "get", "list": "list", "post": "create", "put": "update", "patch": "patch",
         "delete": "delete", "deletecollection": "deletecollection", "watch": "watch",
         "watchlist": "watch", "connect": "connect"}
_PATCH_KEYS = ("x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy",
               "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type")
_PATH = re.compile(
    r"^/(?:api|apis/[^/]+)/[^/]+/(?:watch/)?(?:namespaces/\{namespace\}/)?"
    r"(?P<plural>[a-z0-9]+)(?:/\{name\}(?:/(?P<sub>[a-z]+))?)?(?:/\{path\})?$"
)


def _ref(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if ref else None


def _property(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _ref(schema):
        out["ref"] = _ref(schema)
    elif "type" in schema:
        out["type"] = schema["type"]
    if schema.get("format"):
        out["format"] = schema["format"]
    items = schema.get("items") or schema.get("additionalProperties")
    if isinstance(items, dict):
        key = "items" if "items" in schema else "values"
        out[key] = _property(items)
    for key in _PATCH_KEYS:
        if key in schema:
            out[key.removeprefix("x-kubernetes-")] = schema[key]
    return out


def _keep_map_type(definition: dict[str, Any], out: dict[str, Any]) -> None:
    """A struct's own ``x-kubernetes-map-type`` (``atomic``: server-side apply owns it
    whole, as one field; LabelSelector, LocalObjectReference ...)."""
    if "x-kubernetes-map-type" in definition:
        out["map-type"] = definition["x-kubernetes-map-type"]


def _reachable(spec: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    definitions = spec["definitions"]
    seen: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        definition = definitions[name]
        properties = {key: _property(value)
                      for key, value in sorted(definition.get("properties", {}).items())}
        seen[name] = {"properties": properties} if properties else {"type": definition.get(
            "type", "object")}
        if definition.get("format"):
            seen[name]["format"] = definition["format"]
        if definition.get("required"):
            seen[name]["required"] = sorted(definition["required"])
        _keep_map_type(definition, seen[name])
        for value in properties.values():
            while value:
                if "ref" in value:
                    todo.append(value["ref"])
                value = value.get("items") or value.get("values")
    return dict(sorted(seen.items()))


def generate(spec: dict[str, Any]) -> dict[str, Any]:
    wanted = {(g, v, k) for g, v, k in KINDS}
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        match = _PATH.match(path)
        if match is None:
            continue
        for operation in item.values():
            if not isinstance(operation, dict) or "x-kubernetes-action" not in operation:
                continue
            gvk = operation.get("x-kubernetes-group-version-kind", {})
            version = path.split("/")[2] if path.startswith("/api/") else path.split("/")[3]
            plural, sub = match["plural"], match["sub"] or ("proxy" if "{path}" in path else None)
            # A subresource names its parent's kind only for status-like ones; find the
            # parent by the plural it hangs off.
            parent = next((key for key, entry in found.items()
                           if entry["plural"] == plural and key[1] == version
                           and entry["path_group"] == (path.split("/")[2]
                                                       if path.startswith("/apis/") else "")),
                          None)
            key = (gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", ""))
            verb = _VERB[operation["x-kubernetes-action"]]
            if sub is None:
                if key not in wanted or "/watch/" in path:
                    if key in wanted and verb == "watch":
                        found[key]["verbs"].add("watch")
                    continue
                entry = found.setdefault(key, {
                    "group": key[0], "version": key[1], "kind": key[2], "plural": plural,
                    "path_group": key[0], "namespaced": False, "verbs": set(),
                    "subresources": {}, "definition": None,
                })
                entry["namespaced"] |= ("{namespace}" in path and "{name}" not in path) \
                    or "namespaces/{namespace}/" in path
                entry["verbs"].add(verb)
                for code in ("200", "201"):
                    response = operation.get("responses", {}).get(code, {})
                    ref = _ref(response.get("schema", {}))
                    if ref and verb in ("get", "create") and ref.endswith("." + key[2]):
                        entry["definition"] = ref
            elif parent is not None:
                subs = found[parent]["subresources"].setdefault(sub, {"kind": key[2],
                                                                      "verbs": set()})
                subs["verbs"].add(verb)
    missing = wanted - set(found)
    if missing:
        raise SystemExit(f"not in the spec: {sorted(missing)}")
    resources = []
    for group, version, kind in KINDS:
        entry = found[(group, version, kind)]
        measured = {**_DEFAULT, **MEASURED[entry["plural"]]}
        if measured["singular"] != kind.lower():
            raise SystemExit(f"{kind}: singular {measured['singular']!r} is unexpected")
        resources.append({
            "group": group, "version": version, "kind": kind, "plural": entry["plural"],
            "singular": measured.pop("singular"),
            "shortNames": measured.pop("shortNames", []),
            "categories": measured.pop("categories", []),
            "namespaced": entry["namespaced"],
            "verbs": sorted(entry["verbs"]),
            "subresources": {name: {"kind": sub["kind"], "verbs": sorted(sub["verbs"])}
                             for name, sub in sorted(entry["subresources"].items())},
            "definition": entry["definition"],
            "strategy": measured,
            "fieldSelectors": list(FIELDS[entry["plural"]][0]),
            "fieldError": FIELDS[entry["plural"]][1],
        })
    return {
        "source": "Kubernetes OpenAPI v2 spec (swagger.json), Apache-2.0, "
                  "Copyright The Kubernetes Authors; trimmed by "
                  "scripts/generate-kubernetes-resources.py. Discovery names and "
                  "strategies measured on kube-apiserver v1.37.2.",
        "resources": resources,
        "definitions": _reachable(spec, [r["definition"] for r in resources]),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text())
    OUT.write_text(json.dumps(generate(spec), indent=None, separators=(",", ":"),
                              sort_keys=False) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
