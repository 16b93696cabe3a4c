"""core/v1 Events as client-go's event recorder writes them for kube-controller-manager
(measured on v1.37.2): named ``<object>.<unix nanoseconds in hex>``, with
``source.component`` and ``reportingComponent`` naming the controller, both
timestamps from the fake's clock and ``count`` 1.

The recorder correlates: the same event again (object, reason, message, component)
counts up and moves ``lastTimestamp`` instead of making a new one. It drops an event
the API server refuses (a namespace being deleted, or gone): events are best effort.
The real recorder also sends ``eventTime: null``, which the published schema does not
allow; the fake leaves it out.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fakes.kubernetes._errors import StatusError

if TYPE_CHECKING:
    from fakes.kubernetes._model import Cluster

CONTROLLER_MANAGER = "kube-controller-manager"

Correlation = tuple[Any, str, str, str]  # involved uid, reason, message, component
# Where each correlated event was last recorded, per cluster: a hint, checked against
# the stored Event before use (it may have been deleted, or the cluster reset), so
# that counting up costs one read rather than a list of the namespace's Events.
_RECORDED: weakref.WeakKeyDictionary[Cluster, dict[Correlation, tuple[str, str]]] = (
    weakref.WeakKeyDictionary())


def record_event(cluster: Cluster, involved: Mapping[str, Any], type_: str, reason: str,
                 message: str, *, component: str, actor: str,
                 manager: str | None = CONTROLLER_MANAGER, correlate: bool = True
                 ) -> dict[str, Any] | None:
    """Record an Event about ``involved`` (an ``involvedObject``: kind, name, namespace,
    uid, ...) in its namespace (``default`` for cluster-scoped objects); the stored
    Event, or None when the server refused it."""
    rt = cluster.types.by_kind("v1", "Event")
    assert rt is not None  # core/v1 Events are in the registry
    namespace = involved.get("namespace") or "default"
    stamp = cluster.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    correlation: Correlation = (involved.get("uid"), reason, message, component)
    recorded = _RECORDED.setdefault(cluster, {})
    try:
        if correlate:
            found = _recorded(cluster, recorded.get(correlation), correlation)
            if found is not None:
                found["count"] = found.get("count", 1) + 1
                found["lastTimestamp"] = stamp
                return cluster.update(rt, namespace, found["metadata"]["name"], found,
                                      actor, manager=manager)[0]
        nanos = int(cluster.clock.now().timestamp() * 1e9)
        while _exists(cluster, namespace, f"{involved.get('name')}.{nanos:x}"):
            nanos += 1  # the virtual clock stands still between two events
        recorded[correlation] = (namespace, f"{involved.get('name')}.{nanos:x}")
        return cluster.create(rt, namespace, {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{involved.get('name')}.{nanos:x}", "namespace": namespace},
            "involvedObject": {k: v for k, v in involved.items() if v},
            "reason": reason, "message": message, "type": type_,
            "source": {"component": component}, "reportingComponent": component,
            "reportingInstance": "", "count": 1,
            "firstTimestamp": stamp, "lastTimestamp": stamp}, actor, manager=manager)
    except StatusError:
        return None


def involved_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The ``involvedObject`` of an Event about ``obj``, at its current version."""
    meta = obj.get("metadata") or {}
    return {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
            "name": meta.get("name"), "namespace": meta.get("namespace"),
            "uid": meta.get("uid"), "resourceVersion": meta.get("resourceVersion")}


def _recorded(cluster: Cluster, where: tuple[str, str] | None, correlation: Correlation
              ) -> dict[str, Any] | None:
    """The stored Event at ``where`` if it still is the one ``correlation`` names."""
    if where is None:
        return None
    rt = cluster.types.by_kind("v1", "Event")
    assert rt is not None
    try:
        found = cluster.get(rt, *where)
    except StatusError:
        return None
    if ((found.get("involvedObject") or {}).get("uid"), found.get("reason"),
            found.get("message"), (found.get("source") or {}).get("component")
            ) != correlation:
        return None
    return found


def _exists(cluster: Cluster, namespace: str, name: str) -> bool:
    rt = cluster.types.by_kind("v1", "Event")
    assert rt is not None
    try:
        cluster.get(rt, namespace, name)
    except StatusError:
        return False
    return True
