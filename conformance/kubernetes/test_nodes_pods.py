"""Nodes and the Pods they run: what a node's agent (the kubelet; kwok's stages on
real-local) writes, and how a Pod bound to a node ends.

On real-local the Node ``fake-node`` is run by kwok with its default stages; the fake
starts with a Node of that name run by its own kubelet. Neither target runs a
scheduler unless a test asks for one (``scheduling`` capability): Pods name their node.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from fakes.conformance.kubernetes._support import behaviour, created
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

T = TypeVar("T")

NODE = "fake-node"
KWOK_STAGES = "https://kwok.sigs.k8s.io/docs/user/stages-configuration/"
POD_LIFECYCLE = "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/"
NODE_STATUS = "https://kubernetes.io/docs/reference/node/node-status/"
TERMINATION = POD_LIFECYCLE + "#pod-termination"


def settled(target: Target, check: Callable[[], T], *, seconds: float = 0) -> T:
    """``check()`` once the node's agent has acted: the fake's clock moved on by
    ``seconds`` (its kubelet runs on it), a real cluster's agent given time."""
    if target.capabilities.virtual_clock:
        target.advance_clock(seconds)
    return eventually(check)


def _pod(target: Target, ns: str, name: str, metadata: dict[str, Any] | None = None,
         **spec: Any) -> dict[str, Any]:
    return created(target, f"/api/v1/namespaces/{ns}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **(metadata or {})},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec}})


def _get(target: Target, path: str) -> dict[str, Any]:
    answer = target.http("GET", path)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _internal_ip(node: dict[str, Any]) -> str:
    return next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")


def _without_times(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    times = ("lastHeartbeatTime", "lastTransitionTime")
    return [{k: v for k, v in item.items() if k not in times} for item in items]


@behaviour("K8S-380", "a Node run by a node agent is Ready: the five conditions a kubelet "
           "posts, an InternalIP, allocatable and capacity, nodeInfo and phase Running",
           cite=NODE_STATUS + " and " + MEASURED + " (kwok v0.8.0 default stages)")
def test_node_ready(target: Target) -> None:
    node = settled(target, lambda: _ready_node(target))
    status = node["status"]
    assert _without_times(status["conditions"]) == [
        {"message": "kubelet is posting ready status", "reason": "KubeletReady",
         "status": "True", "type": "Ready"},
        {"message": "kubelet has sufficient memory available",
         "reason": "KubeletHasSufficientMemory", "status": "False", "type": "MemoryPressure"},
        {"message": "kubelet has no disk pressure", "reason": "KubeletHasNoDiskPressure",
         "status": "False", "type": "DiskPressure"},
        {"message": "kubelet has sufficient PID available",
         "reason": "KubeletHasSufficientPID", "status": "False", "type": "PIDPressure"},
        {"message": "RouteController created a route", "reason": "RouteCreated",
         "status": "False", "type": "NetworkUnavailable"}]
    created_at = node["metadata"]["creationTimestamp"]
    assert {c["lastTransitionTime"] for c in status["conditions"]} == {created_at}
    assert [a["type"] for a in status["addresses"]] == ["InternalIP"]
    assert status["allocatable"] == status["capacity"] == {
        "cpu": "1k", "memory": "1Ti", "pods": "1M"}
    assert status["nodeInfo"] == {
        "architecture": "amd64", "bootID": "", "containerRuntimeVersion": "kwok-0.8.0",
        "kernelVersion": "kwok-0.8.0", "kubeProxyVersion": "kwok-0.8.0",
        "kubeletVersion": "kwok-0.8.0", "machineID": "", "operatingSystem": "linux",
        "osImage": "", "systemUUID": ""}
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 0}}
    assert status["phase"] == "Running"
    managers = [(m["manager"], m["operation"], m.get("subresource"))
                for m in node["metadata"]["managedFields"]]
    assert ("kwok", "Update", "status") in managers


def _ready_node(target: Target) -> dict[str, Any]:
    node = _get(target, f"/api/v1/nodes/{NODE}")
    assert any(c["type"] == "Ready" and c["status"] == "True"
               for c in node["status"].get("conditions") or ())
    return node


def _running(target: Target, ns: str, name: str) -> dict[str, Any]:
    pod = _get(target, f"/api/v1/namespaces/{ns}/pods/{name}")
    assert pod["status"]["phase"] == "Running", pod["status"]
    return pod


@behaviour("K8S-381", "a Pod bound to a Ready node runs: Initialized, Ready and "
           "ContainersReady conditions, a running state per container (init containers "
           "completed), hostIP the node's InternalIP, a podIP, startTime; PodScheduled "
           "is the scheduler's, absent when the Pod named its node",
           cite=POD_LIFECYCLE + " and " + MEASURED + " (kwok v0.8.0 default stages)")
def test_pod_runs(target: Target) -> None:
    ns = target.namespace("runs")
    made = _pod(target, ns, "p", nodeName=NODE,
                initContainers=[{"name": "init", "image": "busybox:1"}])
    assert made["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    pod = settled(target, lambda: _running(target, ns, "p"))
    status = pod["status"]
    started = status["startTime"]
    assert status["conditions"] == [
        {"lastProbeTime": None, "lastTransitionTime": started, "status": "True", "type": kind}
        for kind in ("Initialized", "Ready", "ContainersReady")]
    assert status["containerStatuses"] == [{
        "image": "busybox", "imageID": "", "lastState": {}, "name": "c", "ready": True,
        "restartCount": 0, "state": {"running": {"startedAt": started}}}]
    assert status["initContainerStatuses"] == [{
        "image": "busybox:1", "imageID": "", "lastState": {}, "name": "init", "ready": True,
        "restartCount": 0, "state": {"terminated": {
            "exitCode": 0, "finishedAt": started, "reason": "Completed",
            "startedAt": started}}}]
    host = _internal_ip(_get(target, f"/api/v1/nodes/{NODE}"))
    assert (status["hostIP"], status["hostIPs"]) == (host, [{"ip": host}])
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    assert status["podIP"].startswith("10.244.")
    assert status["qosClass"] == "BestEffort"
    assert sorted((m["manager"], m["operation"], m.get("subresource", ""))
                  for m in pod["metadata"]["managedFields"]) == [
        ("kwok", "Update", "status"), ("python-requests", "Update", "")]


@behaviour("K8S-382", "a running Pod that a Job owns completes: phase Succeeded, its "
           "containers terminated with exit code 0 (reason Completed), not ready; a Pod "
           "no Job owns keeps running whatever its restartPolicy",
           cite=KWOK_STAGES + " and " + MEASURED + " (kwok v0.8.0 pod-complete stage)")
def test_job_pod_completes(target: Target) -> None:
    ns = target.namespace("complete")
    job = created(target, f"/apis/batch/v1/namespaces/{ns}/jobs", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
        "spec": {"suspend": True, "template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}})
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": "j",
             "uid": job["metadata"]["uid"]}
    _pod(target, ns, "worker", nodeName=NODE, restartPolicy="Never",
         metadata={"ownerReferences": [owner]})
    _pod(target, ns, "alone", nodeName=NODE, restartPolicy="Never")

    def succeeded() -> dict[str, Any]:
        pod = _get(target, f"/api/v1/namespaces/{ns}/pods/worker")
        assert pod["status"]["phase"] == "Succeeded", pod["status"]
        return pod

    status = settled(target, succeeded)["status"]
    [container] = status["containerStatuses"]
    finished = container["state"]["terminated"]["finishedAt"]
    assert container == {
        "image": "busybox", "imageID": "", "lastState": {}, "name": "c", "ready": False,
        "restartCount": 0, "started": False, "state": {"terminated": {
            "exitCode": 0, "finishedAt": finished, "reason": "Completed",
            "startedAt": finished}}}
    # the conditions stay as the Pod ran (kwok's stage writes none)
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("Initialized", "True"), ("Ready", "True"), ("ContainersReady", "True")]
    assert _running(target, ns, "alone")["status"]["phase"] == "Running"


def _watch(target: Target, path: str, until: int) -> list[tuple[str, Any, Any]]:
    events = []
    with target.http("GET", path, stream=True, timeout=15) as answer:
        assert answer.status_code == 200, answer.text
        for line in answer.iter_lines():
            if line:
                event = json.loads(line)
                meta = event["object"]["metadata"]
                events.append((event["type"], meta.get("deletionGracePeriodSeconds"),
                               bool(meta.get("deletionTimestamp"))))
                if len(events) >= until:
                    break
    return events


@behaviour("K8S-383", "deleting a Pod a node runs is graceful: the answer carries "
           "deletionTimestamp and deletionGracePeriodSeconds (its terminationGrace"
           "PeriodSeconds, 30); the node then deletes it with grace 0, which a watch shows "
           "as a MODIFIED event and then DELETED",
           cite=TERMINATION + " and " + MEASURED)
def test_graceful_delete(target: Target) -> None:
    ns = target.namespace("graceful")
    _pod(target, ns, "p", nodeName=NODE)
    version = settled(target, lambda: _running(target, ns, "p"))["metadata"]["resourceVersion"]
    answer = target.http("DELETE", f"/api/v1/namespaces/{ns}/pods/p")
    assert answer.status_code == 200, answer.text
    meta = answer.json()["metadata"]
    assert meta["deletionGracePeriodSeconds"] == 30 and meta["deletionTimestamp"]

    def gone() -> None:
        assert target.http("GET", f"/api/v1/namespaces/{ns}/pods/p").status_code == 404

    settled(target, gone)
    events = _watch(target, f"/api/v1/namespaces/{ns}/pods?watch=1&resourceVersion="
                            f"{version}&timeoutSeconds=5", until=3)
    assert events == [("MODIFIED", 30, True), ("MODIFIED", 0, True), ("DELETED", 0, True)]


@behaviour("K8S-384", "a Pod no node runs, or one that has finished, is deleted at once "
           "(grace period 0); gracePeriodSeconds=0 deletes a running one at once",
           cite=TERMINATION + " and " + MEASURED)
def test_immediate_delete(target: Target) -> None:
    ns = target.namespace("immediate")
    _pod(target, ns, "unbound")
    _pod(target, ns, "running", nodeName=NODE)
    settled(target, lambda: _running(target, ns, "running"))
    for name, query in (("unbound", ""), ("running", "?gracePeriodSeconds=0")):
        answer = target.http("DELETE", f"/api/v1/namespaces/{ns}/pods/{name}{query}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["metadata"]["deletionGracePeriodSeconds"] == 0
        assert target.http("GET", f"/api/v1/namespaces/{ns}/pods/{name}").status_code == 404


SCHEDULER = "https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/"
SCHEDULER_SOURCE = ("https://github.com/kubernetes/kubernetes/blob/v1.37.2/pkg/scheduler/"
                    "framework/types.go (FitError.Error)")


@behaviour("K8S-385", "a Pod created with schedulingGates waits: PodScheduled False, reason "
           "SchedulingGated", cite="https://kubernetes.io/docs/concepts/scheduling-eviction/"
                                   "pod-scheduling-readiness/ and " + MEASURED)
def test_scheduling_gated(target: Target) -> None:
    ns = target.namespace("gated")
    made = _pod(target, ns, "p", schedulingGates=[{"name": "example.com/wait"}])
    [gated] = made["status"]["conditions"]
    assert gated == {"lastProbeTime": None, "lastTransitionTime": gated["lastTransitionTime"],
                     "message": "Scheduling is blocked due to non-empty scheduling gates",
                     "reason": "SchedulingGated", "status": "False", "type": "PodScheduled"}
    assert gated["lastTransitionTime"] == made["metadata"]["creationTimestamp"]


@behaviour("K8S-386", "the scheduler binds a Pod without a node to a Ready node: "
           "spec.nodeName and PodScheduled True (the binding subresource's), and it runs",
           cite=SCHEDULER + " and " + MEASURED + " (pods/binding)")
def test_scheduler_binds(target: Target) -> None:
    ns = target.namespace("schedule")
    with target.scheduling():
        _pod(target, ns, "p", nodeSelector={"kubernetes.io/hostname": NODE})
        pod = settled(target, lambda: _running(target, ns, "p"))
    assert pod["spec"]["nodeName"] == NODE
    scheduled = [c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert scheduled == [{"lastProbeTime": None, "status": "True", "type": "PodScheduled",
                          "lastTransitionTime": scheduled[0]["lastTransitionTime"]}]


@behaviour("K8S-387", "a Pod no node fits stays Pending: PodScheduled False, reason "
           "Unschedulable, kube-scheduler's message (0/N nodes are available: the reasons "
           "counted, then preemption's)", cite=SCHEDULER + " and " + SCHEDULER_SOURCE)
def test_unschedulable(target: Target) -> None:
    ns = target.namespace("unschedulable")
    with target.scheduling():
        _pod(target, ns, "p", nodeSelector={"example.com/none": "x"})

        def refused() -> dict[str, Any]:
            pod = _get(target, f"/api/v1/namespaces/{ns}/pods/p")
            [condition] = pod["status"]["conditions"]
            assert condition["reason"] == "Unschedulable", condition
            return condition

        condition = settled(target, refused)
    nodes = len(_get(target, "/api/v1/nodes")["items"])
    assert (condition["status"], condition["type"], condition["lastProbeTime"]) == (
        "False", "PodScheduled", None)
    message = condition["message"]
    assert message.startswith(f"0/{nodes} nodes are available: ")
    assert "node(s) didn't match Pod's node affinity/selector" in message
    assert message.endswith(f". preemption: 0/{nodes} nodes are available: {nodes} "
                            "Preemption is not helpful for scheduling.")
