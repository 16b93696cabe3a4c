"""A small Kubernetes operator: a namespaced custom resource ``WebApp`` (group
``examples.verified-fakes.dev``, version ``v1``; spec ``image``, ``replicas``, ``port``)
kept as a Deployment and a Service that it owns, with its status written through the
``/status`` subresource as operators write it: ``observedGeneration``,
``readyReplicas`` and ``Available``/``Progressing`` conditions with reasons.

The decisions are pure (:func:`desired_objects`, :func:`updated`, :func:`status_from`);
:class:`Cluster` is the edge, a few calls of the official ``kubernetes`` client;
:func:`reconcile` joins them and is what a controller runs whenever a WebApp, or
something it owns, changes — as often as it likes: a run with nothing to do writes
nothing.

It compares only the fields it owns (labels, replicas, its container's image and port,
the Service's selector and ports) and leaves the rest to the API server's defaults and
to other writers. An object of the same name that another writer made (no controller
ownerReference to this WebApp) is left alone, and the ``Available`` condition says so.
Conflicts, throttling, server errors, objects that vanish under it and answers that
never arrive end the run with a :class:`Outcome` asking to be run again; every write
names the resourceVersion it read, so a stale one is refused, not applied.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kubernetes.client import ApiClient, AppsV1Api, CoreV1Api, CustomObjectsApi
from kubernetes.client.rest import ApiException
from urllib3.exceptions import HTTPError

GROUP = "examples.verified-fakes.dev"
VERSION = "v1"
PLURAL = "webapps"
KIND = "WebApp"
API_VERSION = f"{GROUP}/{VERSION}"
#: The label selecting a WebApp's Pods, and the one naming who manages its objects.
INSTANCE = "app.kubernetes.io/instance"
MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "webapp-operator"
CONTAINER = "app"
SERVICE_PORT = 80
#: Answers after which the next run may succeed: a conflict, throttling, server errors.
TRANSIENT = frozenset({409, 429, 500, 502, 503, 504})

Object = dict[str, Any]


def definition() -> Object:
    """The CustomResourceDefinition of WebApp, with its schema and status subresource."""
    condition = {"type": "object", "required": ["type", "status", "reason", "message",
                                                "lastTransitionTime"],
                 "properties": {"type": {"type": "string"},
                                "status": {"type": "string",
                                           "enum": ["True", "False", "Unknown"]},
                                "reason": {"type": "string"},
                                "message": {"type": "string"},
                                "lastTransitionTime": {"type": "string",
                                                       "format": "date-time"},
                                "observedGeneration": {"type": "integer"}}}
    schema = {"type": "object", "properties": {
        "spec": {"type": "object", "required": ["image"], "properties": {
            "image": {"type": "string", "minLength": 1},
            "replicas": {"type": "integer", "minimum": 0, "maximum": 20, "default": 1},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 8080}}},
        "status": {"type": "object", "properties": {
            "observedGeneration": {"type": "integer"},
            "readyReplicas": {"type": "integer"},
            "conditions": {"type": "array", "items": condition,
                           "x-kubernetes-list-type": "map",
                           "x-kubernetes-list-map-keys": ["type"]}}}}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{GROUP}"},
        "spec": {"group": GROUP, "scope": "Namespaced",
                 "names": {"plural": PLURAL, "singular": "webapp", "kind": KIND},
                 "versions": [{
                     "name": VERSION, "served": True, "storage": True,
                     "subresources": {"status": {}},
                     "schema": {"openAPIV3Schema": schema},
                     "additionalPrinterColumns": [
                         {"name": "Image", "type": "string", "jsonPath": ".spec.image"},
                         {"name": "Ready", "type": "integer",
                          "jsonPath": ".status.readyReplicas"}]}]}}


# -- the decisions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Desired:
    """The objects a WebApp should have, in the fields the operator owns."""

    deployment: Object
    service: Object


def labels(webapp: Mapping[str, Any]) -> dict[str, str]:
    return {INSTANCE: webapp["metadata"]["name"], MANAGED_BY: MANAGER}


def owner_reference(webapp: Mapping[str, Any]) -> Object:
    meta = webapp["metadata"]
    return {"apiVersion": API_VERSION, "kind": KIND, "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def desired_objects(webapp: Mapping[str, Any]) -> Desired:
    meta, spec = webapp["metadata"], webapp["spec"]
    name, namespace, port = meta["name"], meta["namespace"], spec.get("port", 8080)
    owned = {"name": name, "namespace": namespace, "labels": labels(webapp),
             "ownerReferences": [owner_reference(webapp)]}
    selector = {INSTANCE: name}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": copy.deepcopy(owned),
        "spec": {"replicas": spec.get("replicas", 1), "selector": {"matchLabels": selector},
                 "template": {"metadata": {"labels": labels(webapp)}, "spec": {
                     "containers": [{"name": CONTAINER, "image": spec["image"],
                                     "ports": [{"name": "http", "containerPort": port,
                                                "protocol": "TCP"}]}]}}}}
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": copy.deepcopy(owned),
        "spec": {"selector": selector,
                 "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": port,
                            "protocol": "TCP"}]}}
    return Desired(deployment, service)


def is_owned_by(obj: Mapping[str, Any], webapp: Mapping[str, Any]) -> bool:
    """Whether ``webapp`` is ``obj``'s controller (the ownerReference, not a label: a
    label anyone can copy)."""
    uid = webapp["metadata"]["uid"]
    return any(ref.get("controller") and ref.get("uid") == uid
               for ref in obj["metadata"].get("ownerReferences") or [])


def _app_container(obj: Mapping[str, Any]) -> Object | None:
    containers = obj["spec"]["template"]["spec"].get("containers") or []
    return next((c for c in containers if c.get("name") == CONTAINER), None)


def _owned_fields(obj: Mapping[str, Any]) -> Any:
    """What the operator decides about ``obj``, and nothing the server or others add."""
    ours = {k: v for k, v in (obj["metadata"].get("labels") or {}).items()
            if k in (INSTANCE, MANAGED_BY)}
    spec = obj["spec"]
    if obj["kind"] == "Service":
        ports = [(p.get("name"), p.get("port"), p.get("targetPort"), p.get("protocol", "TCP"))
                 for p in spec.get("ports") or []]
        return ours, spec.get("selector"), ports
    container = _app_container(obj) or {}
    ports = [(p.get("name"), p.get("containerPort"), p.get("protocol", "TCP"))
             for p in container.get("ports") or []]
    template = {k: v for k, v in (spec["template"]["metadata"].get("labels") or {}).items()
                if k in (INSTANCE, MANAGED_BY)}
    return ours, spec.get("replicas"), template, container.get("image"), ports


def updated(live: Mapping[str, Any], desired: Mapping[str, Any]) -> Object | None:
    """``live`` with the fields the operator owns set as ``desired`` has them; ``None``
    when they already are (nothing to write)."""
    if _owned_fields(live) == _owned_fields(desired):
        return None
    new = copy.deepcopy(dict(live))
    new["metadata"]["labels"] = {**(live["metadata"].get("labels") or {}),
                                 **desired["metadata"]["labels"]}
    if desired["kind"] == "Service":
        new["spec"]["selector"] = desired["spec"]["selector"]
        new["spec"]["ports"] = desired["spec"]["ports"]
        return new
    new["spec"]["replicas"] = desired["spec"]["replicas"]
    template = new["spec"]["template"]
    template["metadata"]["labels"] = {**(template["metadata"].get("labels") or {}),
                                      **desired["spec"]["template"]["metadata"]["labels"]}
    wanted = desired["spec"]["template"]["spec"]["containers"][0]
    container = _app_container(new)
    if container is None:
        template["spec"].setdefault("containers", []).append(copy.deepcopy(wanted))
    else:
        container["image"], container["ports"] = wanted["image"], wanted["ports"]
    return new


def _condition(type_: str, status: bool, reason: str, message: str) -> Object:
    return {"type": type_, "status": "True" if status else "False", "reason": reason,
            "message": message}


def rolled_out(deployment: Mapping[str, Any], replicas: int) -> bool:
    """The Deployment has seen its latest spec and runs ``replicas`` updated, ready,
    available Pods, no more."""
    status = deployment.get("status") or {}
    seen = status.get("observedGeneration", 0) >= deployment["metadata"].get("generation", 1)
    return seen and deployment["spec"].get("replicas") == replicas and all(
        status.get(count, 0) == replicas
        for count in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"))


def status_from(webapp: Mapping[str, Any], deployment: Mapping[str, Any] | None, *,
                service_owned: bool, now: datetime) -> Object:
    """The WebApp's status, from its Deployment (``None``: there is none it owns) and
    whether the Service of its name is its own. A condition keeps its
    ``lastTransitionTime`` while its status stays the same."""
    name, generation = webapp["metadata"]["name"], webapp["metadata"].get("generation", 1)
    want = webapp["spec"].get("replicas", 1)
    ready = ((deployment or {}).get("status") or {}).get("readyReplicas", 0)
    progress = {c.get("type"): c for c in ((deployment or {}).get("status") or {})
                .get("conditions") or []}.get("Progressing") or {}
    done = deployment is not None and rolled_out(deployment, want)
    if deployment is None:
        available = _condition("Available", False, "DeploymentNotOwned",
                               f'Deployment "{name}" exists and is not owned by this WebApp')
    elif not service_owned:
        available = _condition("Available", False, "ServiceNotOwned",
                               f'Service "{name}" exists and is not owned by this WebApp; '
                               "delete it, or rename the WebApp")
    elif done:
        available = _condition("Available", True, "ReplicasReady",
                               f"{ready} of {want} replicas ready")
    else:
        available = _condition("Available", False, "ReplicasNotReady",
                               f"{ready} of {want} replicas ready")
    if progress.get("reason") == "ProgressDeadlineExceeded":
        progressing = _condition("Progressing", False, "ProgressDeadlineExceeded",
                                 str(progress.get("message", "")))
    elif done:
        progressing = _condition("Progressing", True, "RolloutComplete",
                                 f'Deployment "{name}" has rolled out')
    else:
        progressing = _condition("Progressing", True, "RollingOut",
                                 f'Deployment "{name}" is rolling out')
    before = {c.get("type"): c for c in (webapp.get("status") or {}).get("conditions") or []}
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    conditions = []
    for condition in (available, progressing):
        old = before.get(condition["type"]) or {}
        since = old.get("lastTransitionTime") if old.get("status") == condition["status"] \
            else None
        conditions.append({**condition, "lastTransitionTime": since or stamp,
                           "observedGeneration": generation})
    return {"observedGeneration": generation, "readyReplicas": ready,
            "conditions": conditions}


# -- the edge --------------------------------------------------------------------------

class Cluster:
    """The API calls the operator makes, with objects as plain dicts."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.apps, self.core = AppsV1Api(api), CoreV1Api(api)
        self.custom = CustomObjectsApi(api)

    def _plain(self, model: Any) -> Object:
        plain: Object = self.api.sanitize_for_serialization(model)
        return plain

    def webapp(self, namespace: str, name: str) -> Object | None:
        return self._found(lambda: self.custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, name))

    def get(self, kind: str, namespace: str, name: str) -> Object | None:
        read = (self.apps.read_namespaced_deployment if kind == "Deployment"
                else self.core.read_namespaced_service)
        found = self._found(lambda: read(name, namespace))
        return None if found is None else {"apiVersion": "apps/v1" if kind == "Deployment"
                                           else "v1", "kind": kind, **found}

    def _found(self, read: Callable[[], Any]) -> Object | None:
        try:
            return self._plain(read())
        except ApiException as missing:
            if missing.status == 404:
                return None
            raise

    def create(self, obj: Object) -> None:
        namespace = obj["metadata"]["namespace"]
        if obj["kind"] == "Deployment":
            self.apps.create_namespaced_deployment(namespace, obj)
        else:
            self.core.create_namespaced_service(namespace, obj)

    def replace(self, obj: Object) -> None:
        """PUT ``obj`` with the resourceVersion it was read at: 409 if it moved since."""
        meta = obj["metadata"]
        if obj["kind"] == "Deployment":
            self.apps.replace_namespaced_deployment(meta["name"], meta["namespace"], obj)
        else:
            self.core.replace_namespaced_service(meta["name"], meta["namespace"], obj)

    def replace_status(self, webapp: Object) -> None:
        meta = webapp["metadata"]
        self.custom.replace_namespaced_custom_object_status(
            GROUP, VERSION, meta["namespace"], PLURAL, meta["name"], webapp)


# -- the reconciler --------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What one run did, and whether to run again (a transient error stopped it)."""

    wrote: tuple[str, ...] = ()
    retry: bool = False
    reason: str = ""
    #: Seconds the server asked to wait (``Retry-After`` of a 429), when it did.
    retry_after: float | None = None


def reconcile(cluster: Cluster, namespace: str, name: str, *,
              now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Outcome:
    """Bring the WebApp ``namespace/name``'s objects and status to what it asks for."""
    wrote: list[str] = []
    try:
        _reconcile(cluster, namespace, name, now, wrote)
    except ApiException as refused:
        if refused.status not in TRANSIENT and refused.status != 404:
            raise
        # 404: something vanished between the read and the write; the next run reads again.
        after = (refused.headers or {}).get("Retry-After")
        return Outcome(tuple(wrote), retry=True, reason=f"{refused.status} {refused.reason}",
                       retry_after=float(after) if after else None)
    except HTTPError as lost:
        # No answer: the write may or may not have happened. The next run reads and sees.
        return Outcome(tuple(wrote), retry=True, reason=f"no answer: {lost}")
    return Outcome(tuple(wrote))


def _reconcile(cluster: Cluster, namespace: str, name: str, now: Callable[[], datetime],
               wrote: list[str]) -> None:
    webapp = cluster.webapp(namespace, name)
    if webapp is None or webapp["metadata"].get("deletionTimestamp"):
        return  # what it owned goes with it: the garbage collector follows ownerReferences
    desired = desired_objects(webapp)
    deployment = _converge(cluster, webapp, desired.deployment, wrote)
    service = _converge(cluster, webapp, desired.service, wrote)
    status = status_from(webapp, deployment, service_owned=service is not None, now=now())
    if status != webapp.get("status"):
        cluster.replace_status({**webapp, "status": status})
        wrote.append(f"{KIND} {name} status")


def _converge(cluster: Cluster, webapp: Object, desired: Object,
              wrote: list[str]) -> Object | None:
    """Create or update one owned object; returns it as it is now, or ``None`` when an
    object of its name belongs to someone else (left alone)."""
    kind, meta = desired["kind"], desired["metadata"]
    live = cluster.get(kind, meta["namespace"], meta["name"])
    if live is None:
        # A 409 AlreadyExists here (a create whose answer was lost, or a race) ends the
        # run; the next one reads what is there.
        cluster.create(desired)
        wrote.append(f"create {kind} {meta['name']}")
    elif not is_owned_by(live, webapp):
        return None
    else:
        new = updated(live, desired)
        if new is None:
            return live
        cluster.replace(new)
        wrote.append(f"update {kind} {meta['name']}")
    # Read what the server made of it (defaults, and the status its controllers wrote).
    return cluster.get(kind, meta["namespace"], meta["name"])
