"""kube-controller-manager's ReplicaSet controller: keeps ``spec.replicas`` Pods of a
ReplicaSet's template and reports them in its status.

Modelled (measured on kube-controller-manager v1.37.2, and its ReplicaSet docs,
https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/):

- Pods made from the template: ``generateName`` ``<replicaset>-``, the template's labels,
  annotations and finalizers, an ownerReference with ``controller`` and
  ``blockOwnerDeletion``; one ``SuccessfulCreate`` Event per Pod ("Created pod: NAME"),
  ``SuccessfulDelete`` per Pod deleted ("Deleted pod: NAME");
- Pods without a controller whose labels match the selector are adopted, owned Pods
  whose labels no longer match are released (their ownerReference removed);
- scaling down deletes the Pods the real controller ranks first: unscheduled before
  scheduled, Pending before Unknown before Running, not ready before ready, lower
  ``controller.kubernetes.io/pod-deletion-cost`` first, Pods sharing a node with more
  of their siblings first, the most recently ready first, more container restarts
  first, the newest first;
- status: ``replicas`` (active Pods: not terminated, not being deleted),
  ``fullyLabeledReplicas``, ``readyReplicas``, ``availableReplicas`` (ready for
  ``minReadySeconds`` of the fake's clock), ``terminatingReplicas``,
  ``observedGeneration``; a ``ReplicaFailure`` condition (reason ``FailedCreate``) while
  Pods cannot be made, with a ``FailedCreate`` Warning Event.

Divergences: Pods are made one by one, not in client-go's slow-start batches, and at
most 500 per sync as the real burst limit; the age comparisons of the deletion ranking
are exact, not in the real controller's logarithmic buckets.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from fakes.kubernetes._controllers import Controller, ControllerApi, controller_of, owner_reference
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._model import Event
from fakes.kubernetes._rules import label_selector
from fakes.kubernetes._selectors import LabelSelector

#: At most this many Pods are made or deleted in one sync (the controller's burstReplicas).
BURST_REPLICAS = 500
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_TIME = "%Y-%m-%dT%H:%M:%SZ"
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def parse_time(value: str | None) -> float | None:
    """Seconds since the epoch of an API timestamp."""
    if not value:
        return None
    return datetime.strptime(value, _TIME).replace(tzinfo=timezone.utc).timestamp()


def selector_of(obj: Mapping[str, Any]) -> LabelSelector:
    """The object's ``spec.selector`` (a metav1.LabelSelector; apps/v1 validation makes
    sure it is there and not empty)."""
    return label_selector((obj.get("spec") or {}).get("selector") or {})


def ready_since(pod: Mapping[str, Any]) -> float | None:
    """When the Pod's Ready condition last became True, if it is True (0 if no time)."""
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            if condition.get("status") != "True":
                return None
            return parse_time(condition.get("lastTransitionTime")) or 0.0
    return None


def available_in(pod: Mapping[str, Any], min_ready: int, now: float) -> float | None:
    """Seconds until a ready Pod counts as available (0 if it does), None if not ready."""
    since = ready_since(pod)
    if since is None:
        return None
    if min_ready <= 0:
        return 0.0
    return max(0.0, since + min_ready - now)


def is_active(pod: Mapping[str, Any]) -> bool:
    """Not terminated and not being deleted: the Pods a controller counts."""
    return ((pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and not pod["metadata"].get("deletionTimestamp"))


def is_terminating(pod: Mapping[str, Any]) -> bool:
    return (bool(pod["metadata"].get("deletionTimestamp"))
            and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"))


def claim(api: ControllerApi, owner: Mapping[str, Any], group: str, plural: str,
          candidates: list[dict[str, Any]], selector: LabelSelector
          ) -> list[dict[str, Any]]:
    """The objects ``owner`` controls after adopting the orphans its selector matches
    and releasing the ones it no longer matches (controller-runtime's and kcm's
    ControllerRefManager)."""
    uid = owner["metadata"]["uid"]
    deleting = bool(owner["metadata"].get("deletionTimestamp"))
    claimed = []
    for obj in candidates:
        ref = controller_of(obj)
        labels = obj["metadata"].get("labels") or {}
        matches = selector.matches(labels)
        if ref is not None:
            if ref.get("uid") != uid:
                continue
            if matches or deleting:
                claimed.append(obj)
                continue
            obj["metadata"]["ownerReferences"] = [
                r for r in obj["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
            if not obj["metadata"]["ownerReferences"]:
                del obj["metadata"]["ownerReferences"]
            api.update(group, plural, obj)
            continue
        if not matches or deleting or obj["metadata"].get("deletionTimestamp"):
            continue
        refs = [*(obj["metadata"].get("ownerReferences") or ()), owner_reference(owner)]
        obj["metadata"]["ownerReferences"] = refs
        claimed.append(api.update(group, plural, obj))
    return claimed


def relabelled_owner(event: Event, kind: str) -> str | None:
    """The name of the ``kind`` controlling the object of ``event`` if the event changed
    the object's labels (its controller may have to release it)."""
    ref = controller_of(event.object or {})
    if ref is None or ref.get("kind") != kind or event.previous is None \
            or event.object is None:
        return None
    if event.previous["metadata"].get("labels") == event.object["metadata"].get("labels"):
        return None
    return str(ref.get("name", ""))


def set_condition(conditions: list[dict[str, Any]], condition: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """The conditions with ``condition`` set as kcm's workload controllers set one: the
    same status and reason change nothing; the same status keeps its transition time;
    the changed condition moves to the end."""
    current = next((c for c in conditions if c.get("type") == condition["type"]), None)
    if current is not None and (current.get("status"), current.get("reason")) == (
            condition["status"], condition["reason"]):
        return conditions
    if current is not None and current.get("status") == condition["status"]:
        condition["lastTransitionTime"] = current.get("lastTransitionTime")
    return [*(c for c in conditions if c.get("type") != condition["type"]), condition]


def _deletion_rank(pod: Mapping[str, Any], siblings_on_node: Counter[str]
                   ) -> tuple[Any, ...]:
    """Lower ranks are deleted first (kcm's ActivePodsWithRanks)."""
    spec, status, meta = pod.get("spec") or {}, pod.get("status") or {}, pod["metadata"]
    node = spec.get("nodeName") or ""
    since = ready_since(pod)
    try:
        cost = int((meta.get("annotations") or {}).get(DELETION_COST, "0"))
    except ValueError:
        cost = 0
    restarts = sum(c.get("restartCount", 0) for c in status.get("containerStatuses") or ())
    created = parse_time(meta.get("creationTimestamp")) or 0.0
    return (bool(node), _PHASE_RANK.get(status.get("phase", "Pending"), 0),
            since is not None, cost, -(siblings_on_node[node] if node else 0),
            -(since if since is not None else math.inf), -restarts, -created)


class ReplicaSetController(Controller):
    """kcm's ``replicaset`` controller."""

    name = "replicaset"
    actor = "system:serviceaccount:kube-system:replicaset-controller"
    resource = ("apps", "replicasets")
    kind = "ReplicaSet"
    owns = (("", "pods"),)

    def __init__(self) -> None:
        #: (namespace, ReplicaSet) whose owned Pod had its labels changed: its next sync
        #: looks at every Pod of the namespace, to release the Pod if it no longer
        #: matches. Other syncs read only the Pods the selector matches.
        self._relabelled: set[tuple[str, str]] = set()

    def wakes(self, event: Event) -> Iterator[tuple[str, str]]:
        yield from super().wakes(event)
        group, plural, namespace, _ = event.key
        if (group, plural) != ("", "pods") or event.object is None:
            return
        if controller_of(event.object) is None:
            yield namespace, ""  # an orphan: every ReplicaSet of the namespace looks
        owner = relabelled_owner(event, self.kind)
        if owner is not None:
            self._relabelled.add((namespace, owner))

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        if not name:
            waits = [self.sync(api, namespace, rs["metadata"]["name"])
                     for rs in api.list_objects("apps", "replicasets", namespace)]
            return min((w for w in waits if w is not None), default=None)
        rs = api.get("apps", "replicasets", namespace, name)
        if rs is None:
            self._relabelled.discard((namespace, name))
            return None
        selector = selector_of(rs)
        if (namespace, name) in self._relabelled:
            self._relabelled.discard((namespace, name))
            pods = api.list_objects("", "pods", namespace)
        else:
            pods = api.list_objects("", "pods", namespace, labels=selector)
        owned = claim(api, rs, "", "pods", pods, selector)
        active = [p for p in owned if is_active(p)]
        failure = None
        if not rs["metadata"].get("deletionTimestamp"):
            # The status below counts the Pods as they were before: the Pods made or
            # deleted here wake this ReplicaSet again, as their informer events do.
            failure = self._manage(api, rs, active, namespace)
        return self._update_status(api, rs, owned, active, failure)

    def _manage(self, api: ControllerApi, rs: dict[str, Any], active: list[dict[str, Any]],
                namespace: str) -> tuple[str, str] | None:
        """Make or delete Pods; the failure's (reason, message) if a Pod could not be made."""
        wanted = int((rs.get("spec") or {}).get("replicas", 1))
        diff = len(active) - wanted
        if diff < 0:
            for _ in range(min(-diff, BURST_REPLICAS)):
                try:
                    pod = api.create("", "pods", namespace, self._pod(rs))
                except StatusError as error:
                    message = error.message
                    api.event(rs, "Warning", "FailedCreate", f"Error creating: {message}")
                    return "FailedCreate", message
                api.event(rs, "Normal", "SuccessfulCreate",
                          f"Created pod: {pod['metadata']['name']}")
        elif diff > 0:
            on_node = Counter((p.get("spec") or {}).get("nodeName") or "" for p in active)
            doomed = sorted(active, key=lambda p: _deletion_rank(p, on_node))
            for pod in doomed[:min(diff, BURST_REPLICAS)]:
                api.delete("", "pods", pod)
                api.event(rs, "Normal", "SuccessfulDelete",
                          f"Deleted pod: {pod['metadata']['name']}")
        return None

    @staticmethod
    def _pod(rs: Mapping[str, Any]) -> dict[str, Any]:
        template = (rs.get("spec") or {}).get("template") or {}
        template_meta = template.get("metadata") or {}
        meta: dict[str, Any] = {"generateName": f"{rs['metadata']['name']}-",
                                "ownerReferences": [owner_reference(rs)]}
        for field in ("labels", "annotations", "finalizers"):
            if template_meta.get(field):
                meta[field] = template_meta[field]
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                "spec": template.get("spec") or {}}

    def _update_status(self, api: ControllerApi, rs: dict[str, Any],
                       owned: list[dict[str, Any]], active: list[dict[str, Any]],
                       failure: tuple[str, str] | None) -> float | None:
        spec = rs.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds", 0) or 0)
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        now = api.clock.now().timestamp()
        waits = [available_in(p, min_ready, now) for p in active]
        status = dict(rs.get("status") or {})
        status.update({
            "replicas": len(active),
            "fullyLabeledReplicas": sum(
                1 for p in active
                if template_labels.items() <= (p["metadata"].get("labels") or {}).items()),
            "readyReplicas": sum(1 for w in waits if w is not None),
            "availableReplicas": sum(1 for w in waits if w == 0),
            "terminatingReplicas": sum(1 for p in owned if is_terminating(p)),
            "observedGeneration": rs["metadata"].get("generation", 1)})
        for field in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas",
                      "observedGeneration"):
            if not status[field]:
                del status[field]  # omitempty
        conditions = list(status.get("conditions") or ())
        has_failure = any(c.get("type") == "ReplicaFailure" for c in conditions)
        if failure is not None and not has_failure:
            conditions.append({"type": "ReplicaFailure", "status": "True",
                               "lastTransitionTime": api.now(), "reason": failure[0],
                               "message": failure[1]})
        elif failure is None and has_failure:
            conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        status["conditions"] = conditions
        if not conditions:
            del status["conditions"]
        if status != (rs.get("status") or {}):
            api.update("apps", "replicasets", {**rs, "status": status}, status=True)
        pending = [w for w in waits if w]
        return min(pending) if pending else None
