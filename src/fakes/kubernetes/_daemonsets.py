"""kube-controller-manager's daemonset controller (measured on v1.37.2; see the
conformance tests in test_sets.py).

One Pod per eligible Node: a Node is eligible when the template's ``nodeSelector`` and
required node affinity (``matchExpressions`` on its labels, ``matchFields`` on
``metadata.name``) match it and the template tolerates its ``NoSchedule`` and
``NoExecute`` taints. The Pod names its Node the way the real controller does, through
a required node affinity on ``metadata.name`` (the scheduler binds it), carries the
tolerations every daemon Pod gets, the ``controller-revision-hash`` and
``pod-template-generation`` labels; a Pod on a Node no longer eligible is deleted, a
failed one deleted (a ``FailedDaemonPod`` Event) and made again. Status:
desiredNumberScheduled, currentNumberScheduled, numberReady, numberAvailable,
numberUnavailable, updatedNumberScheduled, numberMisscheduled, observedGeneration.

Divergences: the revision hash is the fake's own; no ControllerRevision objects;
updates replace no Pods (neither RollingUpdate nor OnDelete is acted on: a Pod of an
older template stays until it is deleted); minReadySeconds is not acted on; a Node's
change is acted on at once (the real controller measurably sometimes waits for its
next sync of the DaemonSet).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakes.kubernetes._controllers import EVERY, Controller, ControllerApi
from fakes.kubernetes._podtemplates import deleting, phase, pod_from_template, ready
from fakes.kubernetes._selectors import Requirement
from fakes.kubernetes._statefulsets import REVISION, revision_hash

GENERATION = "pod-template-generation"
#: The tolerations the controller adds to every daemon Pod, in its order (measured).
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists",
     "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!",
              "Gt": "gt", "Lt": "lt"}


def _tolerates(tolerations: list[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
            continue
        if toleration.get("key") and toleration["key"] != taint.get("key"):
            continue
        if toleration.get("operator", "Equal") == "Exists" or (
                toleration.get("value", "") == taint.get("value", "")
                and toleration.get("key")):
            return True
    return False


def _term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    labels = node["metadata"].get("labels") or {}
    fields = {"metadata.name": node["metadata"]["name"]}
    checks = [(e, labels) for e in term.get("matchExpressions") or ()] + [
        (e, fields) for e in term.get("matchFields") or ()]
    if not checks:
        return False  # an empty term matches nothing
    return all(Requirement(e["key"], _OPERATORS.get(e["operator"], e["operator"]),
                           tuple(e.get("values") or ())).matches(values)
               for e, values in checks)


def eligible(spec: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """Whether a Pod of ``spec`` (a Pod spec) belongs on ``node``."""
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms")
    if terms is not None and not any(_term_matches(t, node) for t in terms):
        return False
    tolerations = [*(spec.get("tolerations") or ()), *DAEMON_TOLERATIONS]
    return all(_tolerates(tolerations, taint) for taint in (node.get("spec") or {}).get(
        "taints") or () if taint.get("effect") in ("NoSchedule", "NoExecute"))


def node_of(pod: Mapping[str, Any]) -> str | None:
    """The Node a daemon Pod is for: its nodeName once bound, else its affinity."""
    if (pod.get("spec") or {}).get("nodeName"):
        return str(pod["spec"]["nodeName"])
    required = ((((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or ():
        for field in term.get("matchFields") or ():
            if field.get("key") == "metadata.name" and field.get("operator") == "In" \
                    and len(field.get("values") or ()) == 1:
                return str(field["values"][0])
    return None


class DaemonSetController(Controller):
    name = "daemonset"
    actor = "system:serviceaccount:kube-system:daemon-set-controller"
    resource = ("apps", "daemonsets")
    kind = "DaemonSet"
    owns = (("", "pods"),)

    rescans_on = (("", "nodes"),)

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        if (namespace, name) == EVERY:
            every = api.list_objects("apps", "daemonsets")
        else:
            one = api.get("apps", "daemonsets", namespace, name)
            every = [] if one is None else [one]
        for ds in every:
            self._sync(api, ds)
        return None

    def _sync(self, api: ControllerApi, ds: dict[str, Any]) -> None:
        if deleting(ds):
            return
        template = ds["spec"]["template"]
        revision = revision_hash(template)
        wanted = {n["metadata"]["name"]: n for n in api.list_objects("", "nodes")
                  if eligible(template.get("spec") or {}, n)}
        placed: dict[str, list[dict[str, Any]]] = {}
        for pod in api.owned("", "pods", ds):
            if deleting(pod):
                continue
            node = node_of(pod)
            if phase(pod) == "Failed" and node in wanted:
                meta = pod["metadata"]
                api.event(ds, "Warning", "FailedDaemonPod",
                          f"Found failed daemon pod {meta['namespace']}/{meta['name']} on "
                          f"node {node}, will try to kill it")
            if node is None or node not in wanted or phase(pod) == "Failed" \
                    or placed.get(node):
                self._delete(api, ds, pod)  # failed, misplaced or a duplicate
                continue
            placed.setdefault(node, []).append(pod)
        for node in sorted(wanted):
            if node not in placed:
                placed[node] = [self._create(api, ds, node, revision)]
        on_wanted = [p for n, found in placed.items() if n in wanted for p in found]
        available = sum(1 for p in on_wanted if ready(p))
        status = {
            "desiredNumberScheduled": len(wanted),
            "currentNumberScheduled": sum(1 for n in placed if n in wanted),
            "numberMisscheduled": sum(1 for n in placed if n not in wanted),
            "numberReady": available,
            "numberAvailable": available,
            "numberUnavailable": len(wanted) - available,
            "updatedNumberScheduled": sum(
                1 for p in on_wanted if p["metadata"].get("labels", {}).get(REVISION) == revision),
            "observedGeneration": ds["metadata"].get("generation"),
        }
        status = {k: v for k, v in status.items() if v or k in (
            "desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled",
            "numberReady")}
        if status != (ds.get("status") or {}):
            api.update("apps", "daemonsets", {**ds, "status": status}, status=True)

    @staticmethod
    def _delete(api: ControllerApi, ds: dict[str, Any], pod: dict[str, Any]) -> None:
        api.delete("", "pods", pod)
        api.event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")

    @staticmethod
    def _create(api: ControllerApi, ds: dict[str, Any], node: str,
                revision: str) -> dict[str, Any]:
        name = ds["metadata"]["name"]
        pod = pod_from_template(ds, ds["spec"]["template"], generate_name=f"{name}-")
        pod["metadata"]["labels"] = {**pod["metadata"].get("labels", {}), REVISION: revision,
                                     GENERATION: str(ds["metadata"].get("generation", 1))}
        spec = pod["spec"]
        # The required terms give way to the one naming the Node (measured).
        node_affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node]}]}]}
        tolerations = list(spec.get("tolerations") or ())
        spec["tolerations"] = tolerations + [t for t in DAEMON_TOLERATIONS
                                             if t not in tolerations]
        made = api.create("", "pods", ds["metadata"]["namespace"], pod)
        api.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {made['metadata']['name']}")
        return made
