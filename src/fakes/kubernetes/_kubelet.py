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

And the failures a test asks for (:meth:`Kubelet.fail`, or the annotation
``verified-fakes/kubelet-failure``), written as the kubelet of v1.37.2 reports them
(pkg/kubelet: status/generate.go, images/image_manager.go, kuberuntime back-off):
``pod-image-pull-failure``, ``pod-crash-loop`` (CrashLoopBackOff, OOMKilled) and
``pod-failed``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from fakes.kubernetes._selectors import LabelSelector
from fakes.kubernetes._stages import (
    MANAGED_NODE,
    Delay,
    Expression,
    Next,
    Selector,
    Stage,
    StageContext,
    StageError,
    new_node_ip,
    node_ip,
    parse_time,
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


def node_conditions() -> list[dict[str, str]]:
    """The conditions of a healthy Node (kwok's NodeConditions)."""
    return [{"type": kind, "status": status, "reason": reason, "message": message}
            for kind, status, reason, message in _NODE_CONDITIONS]


def _conditions(context: StageContext, node: Mapping[str, Any]) -> list[dict[str, Any]]:
    now = context.now()
    since = (node.get("metadata") or {}).get("creationTimestamp") or now
    return [{"lastHeartbeatTime": now, "lastTransitionTime": since, **condition}
            for condition in node_conditions()]


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
    status.update(_addresses(context, pod), phase="Running", startTime=now)
    return status


def _addresses(context: StageContext, pod: Mapping[str, Any]) -> dict[str, Any]:
    """hostIP(s) and podIP(s), where the Pod has none yet."""
    status, spec = pod.get("status") or {}, pod.get("spec") or {}
    found: dict[str, Any] = {}
    host = status.get("hostIP") or context.node_ip(str(spec.get("nodeName")))
    if host is not None:
        found.update(hostIP=host, hostIPs=[{"ip": host}])
    address = status.get("podIP") or context.pod_ip(pod)
    if address is not None:
        found.update(podIP=address, podIPs=[{"ip": address}])
    return found


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


# -- failures a test asks for -----------------------------------------------------------

#: The annotation that makes the kubelet fail a Pod, and what it may say.
FAILURE_ANNOTATION = "verified-fakes/kubelet-failure"
IMAGE_PULL = ("ErrImagePull", "ImagePullBackOff")
CRASH = ("CrashLoopBackOff", "OOMKilled")
FAILURES = (*IMAGE_PULL, *CRASH, "Failed")
#: The kubelet's back-off for restarts and image pulls: 10 s, doubling, at most 300 s
#: (pkg/kubelet/kubelet.go initialCrashLoopBackOff, MaxContainerBackOff).
_BACKOFF_START, _BACKOFF_MAX = 10, 300


def backoff(attempt: int) -> int:
    """Seconds of back-off after the ``attempt``-th failure (1, 2, ...)."""
    return min(_BACKOFF_START << max(attempt - 1, 0), _BACKOFF_MAX)


def go_duration(seconds: int) -> str:
    """How Go prints a time.Duration of whole seconds (10s, 1m20s, 5m0s)."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


class Kubelet:
    """The fake's kubelet: its stages, and the failures a test asks of it.

    A Pod fails when it is annotated ``verified-fakes/kubelet-failure: <failure>`` or
    when :meth:`fail` named it (or a label selector that matches it)."""

    def __init__(self) -> None:
        self._failures: list[tuple[str, str, str]] = []  # namespace, name or selector, failure
        self._pulls: dict[str, int] = {}  # Pod uid -> failed image pulls

    def fail(self, namespace: str, pod: str, failure: str) -> None:
        """Make a Pod (by name, or every Pod a label selector such as ``app=web``
        matches, now or later) fail as ``failure`` says: one of :data:`FAILURES`."""
        if failure not in FAILURES:
            raise StageError(f"no kubelet failure {failure!r}; choose one of "
                             f"{', '.join(FAILURES)}")
        self._failures.append((namespace, pod, failure))

    def reset(self) -> None:
        """Forget the failures asked for."""
        self._failures.clear()
        self._pulls.clear()

    def failure_of(self, pod: Mapping[str, Any]) -> str | None:
        meta = pod.get("metadata") or {}
        named = (meta.get("annotations") or {}).get(FAILURE_ANNOTATION)
        if named in FAILURES:
            return str(named)
        for namespace, which, failure in reversed(self._failures):
            if namespace != meta.get("namespace"):
                continue
            if which == meta.get("name") or (
                    ("=" in which or "," in which or " in " in which)
                    and LabelSelector.parse(which).matches(meta.get("labels"))):
                return failure
        return None

    def _failing(self, *failures: str | None) -> Callable[[Mapping[str, Any]], bool]:
        return lambda pod: self.failure_of(pod) in failures

    def stages(self) -> list[Stage]:
        """The kubelet's stages, in the order they are looked at."""
        healthy = self._failing(None)
        live = [_NOT_DELETING, Expression(".spec.nodeName", "Exists")]
        return [
            *_node_stages(),
            Stage("pod-ready", "Pod", Next(status=_pod_ready), selector=Selector(
                match_expressions=[*live, Expression(".status.phase", "In", ["Pending"]),
                                   Expression(_READY, "NotIn", ["True"])], where=healthy)),
            Stage("pod-complete", "Pod", Next(status=_pod_complete), selector=Selector(
                match_expressions=[*live, Expression(".status.phase", "In", ["Running"]),
                                   Expression(".metadata.ownerReferences.[].kind", "In",
                                              ["Job"])], where=healthy)),
            Stage("pod-delete", "Pod", Next(delete=True), selector=Selector(
                match_expressions=[Expression(".metadata.deletionTimestamp", "Exists")])),
            Stage("pod-image-pull-failure", "Pod", Next(status=self._pull_failed),
                  selector=Selector(match_expressions=[
                      *live, Expression(".status.phase", "In", ["Pending"])],
                      where=self._failing(*IMAGE_PULL)),
                  delay=Delay(compute=self._next_pull)),
            Stage("pod-crash-loop", "Pod", Next(status=self._crashed), selector=Selector(
                match_expressions=[*live, Expression(".status.phase", "In",
                                                     ["Pending", "Running"])],
                where=self._failing(*CRASH)), delay=Delay(compute=_next_restart)),
            Stage("pod-failed", "Pod", Next(status=_pod_failed), selector=Selector(
                match_expressions=[*live, Expression(".status.phase", "In",
                                                     ["Pending", "Running"])],
                where=self._failing("Failed"))),
        ]

    def _next_pull(self, pod: Mapping[str, Any], now: datetime) -> float:
        pulls = self._pulls.get(pod["metadata"].get("uid", ""), 0)
        return float(backoff(pulls)) if pulls else 0.0

    def _pull_failed(self, context: StageContext, pod: Mapping[str, Any]) -> dict[str, Any]:
        """A pull fails (ErrImagePull), and the kubelet backs off (ImagePullBackOff)."""
        uid = pod["metadata"].get("uid", "")
        self._pulls[uid] = self._pulls.get(uid, 0) + 1
        containers = (pod.get("spec") or {}).get("containers") or ()
        status = _not_ready(context, pod, "Pending")
        pulling, backing_off = ({**status, "containerStatuses": [
            _waiting(c, reason, _pull_message(c, reason)) for c in containers]}
            for reason in IMAGE_PULL)
        context.write_status(pulling)
        return backing_off

    def _crashed(self, context: StageContext, pod: Mapping[str, Any]) -> dict[str, Any]:
        """A container exits; restartPolicy decides between a restart after a back-off
        and a failed Pod."""
        spec = pod.get("spec") or {}
        failure = self.failure_of(pod)
        exit_code, reason = (137, "OOMKilled") if failure == "OOMKilled" else (1, "Error")
        now = context.now()
        terminated = {"exitCode": exit_code, "finishedAt": now, "reason": reason,
                      "startedAt": now}
        if spec.get("restartPolicy") == "Never":
            status = _terminal(context, pod, "Failed")
            status["containerStatuses"] = [
                {**_container(c, False), "state": {"terminated": terminated}}
                for c in spec.get("containers") or ()]
            return status
        old = {c.get("name"): c for c in (pod.get("status") or {}).get(
            "containerStatuses") or ()}
        status = _not_ready(context, pod, "Running")
        restarts = [int((old.get(c.get("name")) or {}).get("restartCount") or 0) + 1
                    for c in spec.get("containers") or ()]
        meta = pod["metadata"]
        where = f"{meta['name']}_{meta.get('namespace', '')}({meta.get('uid', '')})"
        status["containerStatuses"] = [
            {**_container(c, False), "restartCount": count,
             "lastState": {"terminated": terminated},
             "state": {"waiting": {"reason": "CrashLoopBackOff", "message": (
                 f"back-off {go_duration(backoff(count))} restarting failed "
                 f"container={c.get('name')} pod={where}")}}}
            for c, count in zip(spec.get("containers") or (), restarts, strict=True)]
        return status


def _next_restart(pod: Mapping[str, Any], now: datetime) -> float:
    """Seconds until a crashed container restarts: its back-off after the last exit."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or ()
    waits = [parse_time(str(ended)) + timedelta(seconds=backoff(int(c.get("restartCount") or 0)))
             for c in statuses
             if (ended := ((c.get("lastState") or {}).get("terminated") or {}).get("finishedAt"))]
    return max(0.0, (min(waits) - now).total_seconds()) if waits else 0.0


def _pull_message(container: Mapping[str, Any], reason: str) -> str:
    failed = (f'failed to pull image "{container.get("image")}": verified-fakes: the '
              "kubelet was told to fail this Pod's image pulls")
    if reason == "ErrImagePull":
        return failed
    return f'Back-off pulling image "{container.get("image")}": {failed}'


def _container(container: Mapping[str, Any], ready: bool) -> dict[str, Any]:
    return {"image": container.get("image"), "imageID": "", "lastState": {},
            "name": container.get("name"), "ready": ready, "restartCount": 0,
            "started": False}


def _waiting(container: Mapping[str, Any], reason: str, message: str) -> dict[str, Any]:
    return {**_container(container, False),
            "state": {"waiting": {"message": message, "reason": reason}}}


def _kubelet_conditions(context: StageContext, pod: Mapping[str, Any], ready: dict[str, Any]
                        ) -> list[dict[str, Any]]:
    """The conditions a kubelet writes (pkg/kubelet/status/generate.go), keeping
    the time of those that do not change."""
    now = context.now()
    old = {c.get("type"): c for c in (pod.get("status") or {}).get("conditions") or ()}
    wanted = [{"type": "PodReadyToStartContainers", "status": "True"},
              {"type": "Initialized", "status": "True"},
              {"type": "Ready", **ready}, {"type": "ContainersReady", **ready}]
    conditions = []
    for condition in wanted:
        before = old.get(condition["type"]) or {}
        since = before.get("lastTransitionTime") if before.get("status") == \
            condition["status"] else now
        conditions.append({"lastProbeTime": None, "lastTransitionTime": since or now,
                           **condition})
    return conditions


def _not_ready(context: StageContext, pod: Mapping[str, Any], phase: str) -> dict[str, Any]:
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or ()]
    ready = {"status": "False", "reason": "ContainersNotReady",
             "message": f"containers with unready status: [{' '.join(map(str, names))}]"}
    return {"conditions": _kubelet_conditions(context, pod, ready), **_addresses(context, pod),
            "phase": phase, "startTime": (pod.get("status") or {}).get("startTime")
            or context.now()}


def _terminal(context: StageContext, pod: Mapping[str, Any], phase: str) -> dict[str, Any]:
    status = _not_ready(context, pod, phase)
    reason = {"status": "False", "reason": "PodFailed"}
    status["conditions"] = _kubelet_conditions(context, pod, reason)
    return status


def _pod_failed(context: StageContext, pod: Mapping[str, Any]) -> dict[str, Any]:
    now = context.now()
    status = _terminal(context, pod, "Failed")
    status["containerStatuses"] = [
        {**_container(c, False), "state": {"terminated": {
            "exitCode": 1, "finishedAt": now, "reason": "Error", "startedAt": now}}}
        for c in (pod.get("spec") or {}).get("containers") or ()]
    return status


def _node_stages() -> list[Stage]:
    return [
        Stage("node-initialize", "Node", Next(status=_node_initialize), selector=Selector(
            match_expressions=[Expression(_READY, "NotIn", ["True"])])),
        Stage(HEARTBEAT, "Node", Next(status=_node_heartbeat), selector=Selector(
            match_expressions=[Expression(".status.phase", "In", ["Running"]),
                               Expression(_READY, "In", ["True"])]),
            delay=Delay(seconds=600, jitter=610)),
    ]
