"""The kubelet of the fake's Nodes, as stages (``_stages``) written in Python.

What it writes is what kwok's default "fast" stages write on real-local (kwok v0.8.0,
measured against kube-apiserver v1.37.2), so that a test sees the same Node and Pod
status on the fake as on a cluster whose nodes kwok runs:

- ``node-initialize``: a managed Node (annotated ``kwok.x-k8s.io/node: fake``) that is
  not Ready gets the five conditions a kubelet posts (Ready True, the pressures and
  NetworkUnavailable False), an InternalIP, allocatable and capacity (1k cpu, 1Ti
  memory, 1M pods unless set), nodeInfo and phase Running;
- ``node-heartbeat`` (off unless enabled: ``fake.stages.enable("node-heartbeat")``): a
  Ready Node's conditions get a new ``lastHeartbeatTime`` every 600 to 610 seconds of
  the fake's clock;
- ``pod-ready``: a Pending Pod bound to a managed Node runs: Initialized, Ready and
  ContainersReady conditions, a running state per container (init containers
  completed, or running when they restart always), hostIP, podIP, startTime;
- ``pod-complete``: a running Pod owned by a Job succeeds (its containers terminated
  with exit code 0, reason Completed);
- ``pod-delete``: a Pod being deleted (gracefully: ``deletionTimestamp`` in the
  future) is deleted at once, as a kubelet does once its containers have stopped.

Each is a stage by that name: ``fake.stages.disable("pod-ready")`` keeps Pods Pending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakes.kubernetes._stages import (
    MANAGED_NODE,
    Delay,
    Expression,
    Next,
    Selector,
    Stage,
    StageContext,
    new_node_ip,
    node_ip,
)

#: The Node every FakeCluster has unless told otherwise (real-local's kwok node).
DEFAULT_NODE = "fake-node"
#: The stage that renews a Node's conditions; off by default (see FakeCluster).
HEARTBEAT = "node-heartbeat"

_NOT_DELETING = Expression(".metadata.deletionTimestamp", "DoesNotExist")
_READY = '.status.conditions.[] | select( .type == "Ready" ) | .status'
#: What a kubelet says of each condition when all is well (kwok's NodeConditions).
_NODE_CONDITIONS = (
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ("MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"),
)
_RESOURCES = {"cpu": "1k", "memory": "1Ti", "pods": "1M"}
#: kwok's version, as its nodes report it on real-local.
KWOK_VERSION = "kwok-0.8.0"


def node_manifest(name: str) -> dict[str, Any]:
    """A Node the fake's kubelet runs, labelled as real-local's ``fake-node``."""
    key, value = MANAGED_NODE
    return {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": name, "annotations": {key: value, "node.alpha.kubernetes.io/ttl": "0"},
        "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                   "kubernetes.io/arch": "amd64", "type": "kwok"}}, "spec": {}}


def _conditions(context: StageContext, node: Mapping[str, Any]) -> list[dict[str, Any]]:
    now = context.now()
    since = (node.get("metadata") or {}).get("creationTimestamp") or now
    return [{"lastHeartbeatTime": now, "lastTransitionTime": since, "message": message,
             "reason": reason, "status": status, "type": kind}
            for kind, status, reason, message in _NODE_CONDITIONS]


def _node_initialize(context: StageContext, node: Mapping[str, Any]) -> dict[str, Any]:
    status = node.get("status") or {}
    addresses = list(status.get("addresses") or [])
    if node_ip(node) is None:
        addresses.append({"address": new_node_ip(context.api), "type": "InternalIP"})
    info = status.get("nodeInfo") or {}
    defaults = {"architecture": "amd64", "containerRuntimeVersion": KWOK_VERSION,
                "kernelVersion": KWOK_VERSION, "kubeProxyVersion": KWOK_VERSION,
                "kubeletVersion": KWOK_VERSION, "operatingSystem": "linux"}
    return {
        "conditions": _conditions(context, node), "addresses": addresses,
        "allocatable": status.get("allocatable") or dict(_RESOURCES),
        "capacity": status.get("capacity") or dict(_RESOURCES),
        "nodeInfo": {k: info.get(k) or defaults.get(k, "")
                     for k in sorted({*defaults, *info, "bootID", "machineID", "osImage",
                                      "systemUUID"})},
        "phase": "Running"}


def _node_heartbeat(context: StageContext, node: Mapping[str, Any]) -> dict[str, Any]:
    return {"conditions": _conditions(context, node)}


def _pod_ready(context: StageContext, pod: Mapping[str, Any]) -> dict[str, Any]:
    now = context.now()
    spec = pod.get("spec") or {}
    conditions = [{"lastTransitionTime": now, "status": "True", "type": kind}
                  for kind in ("Initialized", "Ready", "ContainersReady")]
    conditions += [{"lastTransitionTime": now, "status": "True",
                    "type": gate.get("conditionType")} for gate in spec.get("readinessGates") or ()]
    status: dict[str, Any] = {
        "conditions": conditions,
        "containerStatuses": [
            {"image": c.get("image"), "name": c.get("name"), "ready": True, "restartCount": 0,
             "state": {"running": {"startedAt": now}}} for c in spec.get("containers") or ()],
    }
    if spec.get("initContainers"):
        status["initContainerStatuses"] = [_init_status(c, now) for c in spec["initContainers"]]
    host = context.node_ip(str(spec.get("nodeName")))
    if host is not None:
        status.update(hostIP=host, hostIPs=[{"ip": host}])
    address = context.pod_ip(pod)
    if address is not None:
        status.update(podIP=address, podIPs=[{"ip": address}])
    status.update(phase="Running", startTime=now)
    return status


def _init_status(container: Mapping[str, Any], now: str) -> dict[str, Any]:
    status: dict[str, Any] = {"image": container.get("image"), "name": container.get("name"),
                              "ready": True, "restartCount": 0}
    if container.get("restartPolicy") == "Always":  # a sidecar keeps running
        status.update(started=True, state={"running": {"startedAt": now}})
    else:
        status["state"] = {"terminated": {"exitCode": 0, "finishedAt": now,
                                          "reason": "Completed", "startedAt": now}}
    return status


def _pod_complete(context: StageContext, pod: Mapping[str, Any]) -> dict[str, Any]:
    now = context.now()
    return {"containerStatuses": [
        {"image": c.get("image"), "name": c.get("name"), "ready": False, "restartCount": 0,
         "started": False, "state": {"terminated": {
             "exitCode": 0, "finishedAt": now, "reason": "Completed", "startedAt": now}}}
        for c in (pod.get("spec") or {}).get("containers") or ()], "phase": "Succeeded"}


def kubelet_stages() -> list[Stage]:
    """The kubelet's stages, in the order they are looked at."""
    return [
        Stage("node-initialize", "Node", Next(status=_node_initialize), selector=Selector(
            match_expressions=[Expression(_READY, "NotIn", ["True"])])),
        Stage(HEARTBEAT, "Node", Next(status=_node_heartbeat), selector=Selector(
            match_expressions=[Expression(".status.phase", "In", ["Running"]),
                               Expression(_READY, "In", ["True"])]),
            delay=Delay(seconds=600, jitter=610)),
        Stage("pod-ready", "Pod", Next(status=_pod_ready), selector=Selector(
            match_expressions=[_NOT_DELETING, Expression(".status.phase", "In", ["Pending"]),
                               Expression(_READY, "NotIn", ["True"])])),
        Stage("pod-complete", "Pod", Next(status=_pod_complete), selector=Selector(
            match_expressions=[_NOT_DELETING, Expression(".status.phase", "In", ["Running"]),
                               Expression(".metadata.ownerReferences.[].kind", "In",
                                          ["Job"])])),
        Stage("pod-delete", "Pod", Next(delete=True), selector=Selector(
            match_expressions=[Expression(".metadata.deletionTimestamp", "Exists")])),
    ]
