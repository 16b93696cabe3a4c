"""kube-scheduler, narrowly: a Pod without a node is bound to a Ready Node it fits.

What it checks of each Node (kube-scheduler's filter plugins,
https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins):

- NodeUnschedulable: ``spec.unschedulable`` (cordoned) Nodes take no Pods;
- TaintToleration: a ``NoSchedule`` or ``NoExecute`` taint the Pod does not tolerate
  keeps it off; a Node that is not Ready counts as tainted
  ``node.kubernetes.io/not-ready`` (the node lifecycle controller's taint);
- NodeAffinity: the Pod's ``nodeSelector`` and its required node affinity's
  ``nodeSelectorTerms`` (preferred affinity does not change the choice).

Of the Nodes that fit, the one running the fewest Pods wins (names break ties), and
the Pod is bound through the ``pods/binding`` subresource (``spec.nodeName`` and a
true ``PodScheduled`` condition). No Node fits: the Pod's ``PodScheduled`` condition
is False with reason ``Unschedulable`` and kube-scheduler's message, and it is tried
again whenever a Node changes. Only Pods whose ``schedulerName`` is
``default-scheduler`` are its; a Pod with ``schedulingGates`` waits. Resources,
ports, volumes, spreading and preemption are not modelled. The messages are
kube-scheduler v1.37.2's (``FitError.Error`` in pkg/scheduler/framework/types.go, the
plugins' reasons, DefaultPreemption's ``preemption:`` part).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from fakes.kubernetes._controllers import EVERY, Controller, ControllerApi

SCHEDULER = "default-scheduler"
_NOT_READY = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
#: Every Pod, when a Node changes (the scheduler's queue moves unschedulable Pods back).


class Scheduler(Controller):
    name = "scheduler"
    actor = "system:kube-scheduler"
    manager = "kube-scheduler"
    resource = ("", "pods")
    kind = "Pod"

    rescans_on = (("", "nodes"),)

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        if (namespace, name) == EVERY:
            for pod in api.list_objects("", "pods"):
                self._schedule(api, pod)
        else:
            found = api.get("", "pods", namespace, name)
            if found is not None:
                self._schedule(api, found)
        return None

    def _schedule(self, api: ControllerApi, pod: Mapping[str, Any]) -> None:
        spec, meta = pod.get("spec") or {}, pod["metadata"]
        if spec.get("nodeName") or meta.get("deletionTimestamp") or \
                spec.get("schedulerName", SCHEDULER) != SCHEDULER or \
                (pod.get("status") or {}).get("phase") not in (None, "Pending"):
            return
        if spec.get("schedulingGates"):
            return  # the apiserver marked it SchedulingGated when it was created
        nodes = api.list_objects("", "nodes")
        if not nodes:
            self._unscheduled(api, pod, "Unschedulable", "no nodes available to schedule pods")
            return
        refusals: Counter[str] = Counter()
        fitting = []
        for node in nodes:
            why = _refusal(pod, node)
            if why is None:
                fitting.append(node)
            else:
                refusals[why] += 1
        if not fitting:
            reasons = ", ".join(f"{count} {why}" for why, count in sorted(refusals.items()))
            total = len(nodes)
            self._unscheduled(api, pod, "Unschedulable", (
                f"0/{total} nodes are available: {reasons}. preemption: 0/{total} nodes are "
                f"available: {total} Preemption is not helpful for scheduling."))
            return
        load = Counter(str((p.get("spec") or {}).get("nodeName"))
                       for p in api.list_objects("", "pods"))
        chosen = min(fitting, key=lambda n: (load[n["metadata"]["name"]], n["metadata"]["name"]))
        api.cluster.bind(meta.get("namespace", ""), meta["name"], chosen["metadata"]["name"],
                         self.actor)

    def _unscheduled(self, api: ControllerApi, pod: Mapping[str, Any], reason: str,
                     message: str) -> None:
        status = dict(pod.get("status") or {})
        conditions = list(status.get("conditions") or [])
        old = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
        if old is not None and (old.get("reason"), old.get("message")) == (reason, message):
            return
        condition = {"lastProbeTime": None, "lastTransitionTime": api.now(),
                     "message": message, "reason": reason, "status": "False",
                     "type": "PodScheduled"}
        if old is not None and old.get("status") == "False":
            condition["lastTransitionTime"] = old.get("lastTransitionTime")
        status["conditions"] = [c for c in conditions if c is not old] + [condition]
        api.update("", "pods", {**pod, "status": status}, status=True)


def _refusal(pod: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    """Why ``pod`` cannot go to ``node`` (kube-scheduler's words), or None."""
    spec = pod.get("spec") or {}
    node_spec = node.get("spec") or {}
    if node_spec.get("unschedulable") and not _tolerates(
            spec, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}):
        return "node(s) were unschedulable"
    taints = list(node_spec.get("taints") or [])
    if not _ready(node) and not any(t.get("key") == _NOT_READY["key"] for t in taints):
        taints.append(_NOT_READY)
    for taint in taints:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(spec, taint):
            return "node(s) had untolerated taint(s)"
    labels = (node.get("metadata") or {}).get("labels") or {}
    selector = spec.get("nodeSelector") or {}
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution")
    if any(labels.get(k) != v for k, v in selector.items()) or (
            required is not None and not any(
                _term_matches(term, node) for term in required.get("nodeSelectorTerms") or ())):
        return "node(s) didn't match Pod's node affinity/selector"
    return None


def _term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """A nodeSelectorTerm: all its requirements hold (an empty term matches nothing)."""
    meta = node.get("metadata") or {}
    checks = [(r, (meta.get("labels") or {}).get(r.get("key"))) for r in
              term.get("matchExpressions") or ()]
    checks += [(r, meta.get("name") if r.get("key") == "metadata.name" else None)
               for r in term.get("matchFields") or ()]
    return bool(checks) and all(_requirement(r, value) for r, value in checks)


def _requirement(requirement: Mapping[str, Any], value: str | None) -> bool:
    operator, values = requirement.get("operator"), requirement.get("values") or []
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    try:  # Gt, Lt: integers
        number, bound = int(value or ""), int(values[0])
    except (ValueError, IndexError):
        return False
    return number > bound if operator == "Gt" else operator == "Lt" and number < bound


def _ready(node: Mapping[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or ())


def _tolerates(spec: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """A toleration matches the taint's key (or all keys with Exists), its value
    (Equal) and its effect (or all effects)."""
    for toleration in spec.get("tolerations") or ():
        if toleration.get("effect") not in (None, "", taint.get("effect")):
            continue
        operator = toleration.get("operator") or "Equal"
        key = toleration.get("key") or ""
        if operator == "Exists" and key in ("", taint.get("key")):
            return True
        if operator == "Equal" and key == taint.get("key") and \
                (toleration.get("value") or "") == (taint.get("value") or ""):
            return True
    return False
