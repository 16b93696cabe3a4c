"""Subresources beyond ``status``: ``scale``, ``pods/log`` and the connect subresources.

The fake has no nodes, kubelets or container runtime. What it answers is what
kube-apiserver v1.37.2 answers in the same situation without them (measured on
loopback, 2026-11-30):

- ``pods/log`` of a Pod with no node is ``204 No Content``; the fake answers so for
  every Pod whose log a test has not set (``FakeCluster.set_pod_log``), and the set
  text (``200 text/plain``) otherwise, after the apiserver's checks of the
  ``container`` parameter and the numeric options;
- ``pods/exec``, ``attach``, ``portforward``: ``400 pod <name> does not have a host
  assigned`` for a Pod without ``spec.nodeName``; for one bound to a Node, ``404`` if
  the Node is missing, ``500`` if it has no address, else ``400 Upgrade request
  required`` for a plain request; a stream (an upgrade) is not modelled (501). A
  bound Pod whose log was not set has an empty one (``200``), after the same checks;
- ``pods/proxy`` of a Pod without an IP and ``nodes/proxy`` of a Node without
  addresses are refused as the apiserver refuses them; ``services/proxy`` is ``503 no
  endpoints available`` (nothing runs behind a Service in the fake);
- ``scale`` (autoscaling/v1 ``Scale``) reads and writes ``spec.replicas`` of
  Deployments, ReplicaSets, StatefulSets and ReplicationControllers, with the parent's
  resourceVersion and its conflicts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fakes.kubernetes._errors import (
    Cause,
    StatusError,
    bad_request,
    integer_param,
    method_not_allowed,
)
from fakes.kubernetes._model import JSON_PATCH, Cluster
from fakes.kubernetes._patch import PatchError, json_patch, merge_patch
from fakes.kubernetes._resources import ResourceType
from fakes.kubernetes._tables import format_labels, format_selector

#: Subresources that connect to a Pod's containers through its kubelet.
STREAMS = frozenset({"exec", "attach", "portforward"})
#: The connect subresources and the methods each takes (the rest are 405).
CONNECT_METHODS = {"exec": ("GET", "POST"), "attach": ("GET", "POST"),
                   "portforward": ("GET", "POST"),
                   "proxy": ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")}
SCALE_API_VERSION = "autoscaling/v1"
_LOG_OPTIONS = ("sinceSeconds", "tailLines", "limitBytes")
_UNMODELLED_LOG_OPTIONS = ("timestamps", "previous", "sinceSeconds", "sinceTime")


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _names(pod: Mapping[str, Any], field: str) -> list[str]:
    listed = (pod.get("spec") or {}).get(field) or []
    return [str(c.get("name", "")) for c in listed if isinstance(c, Mapping)]


def log_container(pod: Mapping[str, Any], container: str | None) -> str:
    """The container a log request names, checked as the apiserver checks it."""
    name = _meta(pod).get("name", "")
    containers = _names(pod, "containers")
    others = _names(pod, "initContainers") + _names(pod, "ephemeralContainers")
    if container:
        if container not in containers + others:
            raise bad_request(f"container {container} is not valid for pod {name}")
        return container
    if len(containers) == 1:
        return containers[0]
    init = _names(pod, "initContainers")
    choices = f"choose one of: [{' '.join(containers)}]" + (
        f" or one of the init containers: [{' '.join(init)}]" if init else "")
    raise bad_request(f"a container name must be specified for pod {name}, {choices}")


def read_log(store: Cluster, logs: Mapping[tuple[str, str], str], rt: ResourceType, namespace: str,
             name: str, args: Mapping[str, str | None]) -> str | None:
    """The log text of one container, or None when there is none (the apiserver's 204)."""
    pod = store.get(rt, namespace, name)
    numbers = {option: integer_param(args.get(option)) for option in _LOG_OPTIONS}
    for option in ("sinceSeconds", "limitBytes"):
        value = numbers[option]
        if value is not None and value < 1:
            raise _invalid("PodLogOptions", name, Cause.invalid(
                option, value, "must be greater than 0"))
    container = log_container(pod, args.get("container"))
    # Keyed by uid: a Pod made again under the same name starts without a log.
    text = logs.get((str(_meta(pod).get("uid", "")), container))
    if text is None:
        if not (pod.get("spec") or {}).get("nodeName"):
            return None
        _check_node(store, pod)
        text = ""  # a node with an address: its container has written nothing yet
    for option in _UNMODELLED_LOG_OPTIONS:
        if args.get(option) not in (None, "", "false"):
            raise _unmodelled(f"the {option} option of pods/log")
    tail = numbers["tailLines"]
    if tail is not None and tail >= 0:
        lines = text.splitlines(keepends=True)
        text = "".join(lines[len(lines) - tail:] if tail else [])
    limit = numbers["limitBytes"]
    if limit is not None:
        text = text.encode()[:limit].decode(errors="ignore")
    return text


def connect(store: Cluster, rt: ResourceType, namespace: str, name: str, sub: str,
            method: str, upgrade: bool) -> StatusError:
    """The refusal of a connect subresource: what the apiserver answers without a
    node, kubelet or endpoint to connect to."""
    if method not in CONNECT_METHODS.get(sub, ()):
        return method_not_allowed()
    if rt.kind == "Service":
        return StatusError(f'no endpoints available for service "{name}"', status=503,
                           reason="ServiceUnavailable")
    obj = store.get(rt, namespace, name)
    if rt.kind == "Node":
        if not (obj.get("status") or {}).get("addresses"):
            return _no_address()
        return _unmodelled("nodes/proxy to a kubelet")
    if sub == "proxy":
        if not (obj.get("status") or {}).get("podIP"):
            return bad_request("address not allowed")
        return _unmodelled("pods/proxy to a Pod's address")
    if not (obj.get("spec") or {}).get("nodeName"):
        return bad_request(f"pod {name} does not have a host assigned")
    _check_node(store, obj)
    if not upgrade:
        return bad_request("Upgrade request required")
    return _unmodelled(f"pods/{sub} streams (the fake runs no containers)")


def _go_kind(value: Any) -> str:
    """How Go's JSON decoder names a value of the wrong type."""
    kinds = {list: "array", dict: "object", str: "string", bool: "bool"}
    return kinds.get(type(value), "number")


def _no_address() -> StatusError:
    return StatusError("no preferred addresses found; known addresses: []", status=500,
                       reason="")


def _check_node(store: Cluster, pod: Mapping[str, Any]) -> None:
    """The Node a Pod is bound to must exist and have an address for the apiserver to
    reach its kubelet (measured: a missing Node is named as if it were a Pod)."""
    node = str(pod["spec"]["nodeName"])
    nodes = store.types.get("", "v1", "nodes")
    assert nodes is not None
    try:
        found = store.get(nodes, "", node)
    except StatusError:
        raise StatusError(f'pods "{node}" not found', status=404, reason="NotFound",
                          details={"name": node, "kind": "pods"}) from None
    if not (found.get("status") or {}).get("addresses"):
        raise _no_address()


def _invalid(kind: str, name: str, cause: Cause, group: str = "") -> StatusError:
    """422 for an options or Scale document, which the apiserver names by kind."""
    subject = f"{kind}.{group}" if group else kind
    details = {"name": name, **({"group": group} if group else {}), "kind": kind,
               "causes": [cause.to_json()]}
    return StatusError(f'{subject} "{name}" is invalid: {cause.field}: {cause.body}',
                       status=422, reason="Invalid", details=details)


def _unmodelled(what: str) -> StatusError:
    return StatusError(f"verified-fakes: {what} is not modelled by the Kubernetes fake; see "
                       "docs/kubernetes.md#not-modelled-yet", status=501, reason="",
                       details={"causes": [{"reason": "NotModelled", "message": what}]})


# -- scale ---------------------------------------------------------------------------


def scale_of(rt: ResourceType, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale of a scalable object."""
    meta = _meta(obj)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    selector = spec.get("selector") or {}
    shown = (format_labels(selector) if rt.kind == "ReplicationController" and selector
             else format_selector(selector))
    kept = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
    # Go omits a zero count (omitempty), and an empty selector.
    replicas, current = spec.get("replicas"), status.get("replicas")
    return {"kind": "Scale", "apiVersion": SCALE_API_VERSION,
            "metadata": {k: meta[k] for k in kept if k in meta},
            "spec": {"replicas": replicas} if replicas else {},
            "status": {**({"replicas": current} if current else {}),
                       **({"selector": shown} if shown else {})}}


def read_scale(store: Cluster, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
    return scale_of(rt, store.get(rt, namespace, name))


def patch_scale(store: Cluster, rt: ResourceType, namespace: str, name: str,
                media_type: str, raw: bytes, actor: str) -> dict[str, Any]:
    """A patch of the Scale document (a Scale has no lists: a strategic merge patch
    merges as a JSON merge patch does), written back as a new ``spec.replicas``."""
    try:
        document = json.loads(raw)
    except ValueError:
        raise bad_request("invalid JSON patch") from None
    current = read_scale(store, rt, namespace, name)
    if media_type == JSON_PATCH:
        if not isinstance(document, list):
            raise bad_request("error decoding patch: json: cannot unmarshal object into Go "
                              "value of type []handlers.jsonPatchOp")
        try:
            patched = json_patch(current, document)
        except PatchError:
            raise StatusError("the server rejected our request due to an error in our "
                              "request", status=422, reason="Invalid", details={}) from None
    else:
        patched = merge_patch(current, document)
    return update_scale(store, rt, namespace, name, patched, actor)


def update_scale(store: Cluster, rt: ResourceType, namespace: str, name: str, body: Any,
                 actor: str) -> dict[str, Any]:
    """PUT of a Scale: its ``spec.replicas`` becomes the object's, at the Scale's
    resourceVersion when it names one."""
    if not isinstance(body, Mapping):
        shown = json.dumps(body, separators=(",", ":")).encode().hex()
        raise bad_request(
            "the object provided is unrecognized (must be of type Scale): couldn't get "
            f"version/kind; json parse error: json: cannot unmarshal {_go_kind(body)} into Go "
            'value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
            f'Kind string "json:\\"kind,omitempty\\"" }} ({shown})')
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if kind not in (None, "", "Scale") or api_version not in (None, "", SCALE_API_VERSION):
        version = str(api_version or "").rsplit("/", 1)[-1]
        raise bad_request(f'{kind} in version "{version}" cannot be handled as a Scale: '
                          f"converting ({version}.{kind}) to (autoscaling.Scale): unknown "
                          "conversion")
    meta = _meta(body)
    if meta.get("name") not in (None, "", name):
        raise bad_request(f"the name of the object ({meta['name']}) does not match the name "
                          f"on the URL ({name})")
    replicas = (body.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise bad_request(f'Scale in version "{rt.version}" cannot be handled as a Scale: '
                          f"json: cannot unmarshal {_go_kind(replicas)} into Go struct field "
                          "ScaleSpec.spec.replicas of type int32")
    if replicas < 0:
        raise _invalid("Scale", name, Cause.invalid(
            "spec.replicas", replicas, "must be greater than or equal to 0"),
            group="autoscaling")
    current = store.get(rt, namespace, name)
    wanted = {**current, "spec": {**(current.get("spec") or {}), "replicas": replicas},
              "metadata": {**_meta(current), "resourceVersion": meta.get("resourceVersion")
                           or _meta(current).get("resourceVersion")}}
    updated, _ = store.update(rt, namespace, name, wanted, actor, subresource="scale",
                              validation="Ignore")
    return scale_of(rt, updated)
