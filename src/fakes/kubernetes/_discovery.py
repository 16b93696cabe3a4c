"""Discovery documents, built from the resource registry on every request.

Two forms (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api):
the plain one (``APIResourceList`` per group/version) and the aggregated one
(``apidiscovery.k8s.io/v2`` ``APIGroupDiscoveryList`` at ``/api`` and ``/apis``), which
kubectl and the clients ask for first with ``Accept: application/json;
g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`` and fall back from. Types are
read from the registry each time: custom resources come and go while the server runs.
Shapes measured on kube-apiserver v1.37.2: resources sorted by name, verbs sorted, a
subresource's ``responseKind`` names its group and version only when they are not the
resource's own (``scale`` is ``autoscaling/v1`` ``Scale``), the connect subresources
list the verbs of the HTTP methods they take.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._resources import SERVED_SUBRESOURCES, Registry, ResourceType

AGGREGATED_MEDIA_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#: Where a subresource's kind lives when it is not in its resource's group/version.
_FOREIGN_KINDS = {"Scale": ("autoscaling", "v1"), "Eviction": ("policy", "v1"),
                  "TokenRequest": ("authentication.k8s.io", "v1")}
#: Discovery's verbs for the subresources the spec lists as "connect".
_CONNECT_VERBS = {"proxy": ["create", "delete", "get", "patch", "update"]}


def wants_aggregated(accept: str | None) -> bool:
    """Whether the first JSON media range the server can serve asks for the aggregated
    document (v2; the fake serves no v2beta1, nor does kube-apiserver v1.37.2). JSON
    ranges that all ask for something else are the apiserver's 406."""
    json_seen = False
    for part in (accept or "").split(","):
        media, *raw = (p.strip() for p in part.split(";"))
        params = dict(p.partition("=")[::2] for p in raw)
        if media not in ("application/json", "*/*", "application/*"):
            continue
        json_seen = True
        if "as" not in params:
            return False
        if (params.get("as"), params.get("g"), params.get("v")) == (
                "APIGroupDiscoveryList", "apidiscovery.k8s.io", "v2"):
            return True
    if json_seen:
        raise StatusError("only the following media types are accepted: application/json, "
                          "application/yaml, application/vnd.kubernetes.protobuf",
                          status=406, reason="NotAcceptable")
    return False


def _subresources(rt: ResourceType) -> Iterable[tuple[str, str, str, str, list[str]]]:
    """(name, group, version, kind, verbs) of each served subresource, by name (a custom
    resource's: status, then scale, as the apiextensions server lists them)."""
    for name in (rt.subresources if rt.custom else sorted(rt.subresources)):
        kind, verbs = rt.subresources[name]
        if name not in SERVED_SUBRESOURCES:
            continue
        group, version = _FOREIGN_KINDS.get(kind, ("", ""))
        listed = sorted(verbs) if "connect" not in verbs else _CONNECT_VERBS.get(
            name, ["create", "get"])
        yield name, group, version, kind, listed


def resource_list(types: Iterable[ResourceType], group_version: str) -> dict[str, Any]:
    """The plain ``APIResourceList`` of one group/version."""
    listed: list[dict[str, Any]] = []
    for rt in types:
        entry: dict[str, Any] = {"name": rt.plural, "singularName": rt.singular,
                                 "namespaced": rt.namespaced, "kind": rt.kind,
                                 "verbs": list(rt.verbs)}
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        listed.append(entry)
        for name, group, version, kind, verbs in _subresources(rt):
            sub: dict[str, Any] = {"name": f"{rt.plural}/{name}", "singularName": "",
                                   "namespaced": rt.namespaced}
            if group:
                sub.update(group=group, version=version)
            listed.append({**sub, "kind": kind, "verbs": verbs})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": listed}


def _resource(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": rt.plural,
        "responseKind": {"group": "", "version": "", "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular, "verbs": sorted(rt.verbs)}
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    subresources = [{"subresource": name,
                     "responseKind": {"group": group, "version": version, "kind": kind},
                     "verbs": verbs} for name, group, version, kind, verbs in _subresources(rt)]
    if subresources:
        entry["subresources"] = subresources
    return entry


def aggregated(types: Registry, *, core: bool) -> dict[str, Any]:
    """The ``APIGroupDiscoveryList`` of the core group (``/api``) or of the named groups
    (``/apis``), each version's resources by name."""
    items = []
    for group, versions in types.group_versions().items():
        if bool(group) == core:
            continue
        listed = []
        for version in versions:
            resources = sorted(types.in_group_version(group, version), key=lambda t: t.plural)
            listed.append({"version": version,
                           "resources": [_resource(rt) for rt in resources],
                           "freshness": "Current"})
        items.append({"metadata": {"name": group} if group else {}, "versions": listed})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {}, "items": items}
