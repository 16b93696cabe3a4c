"""Nodes and the Pods they run: what a node's agent (the kubelet; kwok's stages on
real-local) writes, and how a Pod bound to a node ends.

On real-local the Node ``fake-node`` is run by kwok with its default stages; the fake
starts with a Node of that name run by its own kubelet. Neither target runs a
scheduler unless a test asks for one (``scheduling`` capability): Pods name their node.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from fakes.conformance.kubernetes._support import behaviour, created
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

# Controllers and a node agent at work: skipped on a bare API server (profile api-only).
pytestmark = pytest.mark.usefixtures("needs_pods")

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


def _schemaless_kind(target: Target, group: str, plural: str, kind: str) -> None:
    """A namespaced custom resource of ``group``, v1, with a status subresource and no
    schema beyond an object: what a stage test writes its statuses to."""
    created(target, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {"group": group, "scope": "Namespaced", "names": {
            "plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [{"name": "v1", "served": True, "storage": True,
                          "subresources": {"status": {}}, "schema": {"openAPIV3Schema": {
                              "type": "object",
                              "x-kubernetes-preserve-unknown-fields": True}}}]}})


def _internal_ip(node: dict[str, Any]) -> str:
    return next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")


def _without_times(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    times = ("lastHeartbeatTime", "lastTransitionTime")
    return [{k: v for k, v in item.items() if k not in times} for item in items]


@behaviour("K8S-380", "a Node run by a node agent is Ready: the five conditions a kubelet "
           "posts, an InternalIP, allocatable and capacity, nodeInfo and phase Running",
           cite=NODE_STATUS + " and " + MEASURED + " (kwok v0.8.0 default stages)")
def test_node_ready(target: Target) -> None:
    _check_node(settled(target, lambda: _ready_node(target)))


def _check_node(node: dict[str, Any]) -> None:
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


def _ready_node(target: Target, name: str = NODE) -> dict[str, Any]:
    node = _get(target, f"/api/v1/nodes/{name}")
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
    _check_pod_runs(target, target.namespace("runs"), NODE)


def _check_pod_runs(target: Target, ns: str, node: str) -> None:
    made = _pod(target, ns, "p", nodeName=node,
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
    host = _internal_ip(_get(target, f"/api/v1/nodes/{node}"))
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


FAILURE = "verified-fakes/kubelet-failure"
KUBELET_SOURCE = "https://github.com/kubernetes/kubernetes/blob/v1.37.2/pkg/kubelet/"


def _container_state(target: Target, ns: str, name: str) -> tuple[str, dict[str, Any]]:
    pod = _get(target, f"/api/v1/namespaces/{ns}/pods/{name}")
    [container] = pod["status"].get("containerStatuses") or [{}]
    return pod["status"]["phase"], container


@behaviour("K8S-388", "a kubelet told to fail a Pod reports it as a kubelet does: "
           "ErrImagePull then ImagePullBackOff, CrashLoopBackOff with restartCount growing "
           "after 10s, 20s, ... of back-off, OOMKilled (exit code 137), Failed; the Pod is "
           "not Ready (ContainersNotReady, or PodFailed once it has failed)",
           cite=POD_LIFECYCLE + "#container-restarts and " + KUBELET_SOURCE
           + "kubelet.go, status/generate.go, images/image_manager.go")
def test_kubelet_failures(target: Target) -> None:
    target.require("kubelet_failures")
    ns = target.namespace("failures")
    for name, failure, policy in (("pull", "ImagePullBackOff", "Always"),
                                  ("crash", "CrashLoopBackOff", "Always"),
                                  ("oom", "OOMKilled", "Never"), ("failed", "Failed", "Always")):
        _pod(target, ns, name, nodeName=NODE, restartPolicy=policy,
             metadata={"annotations": {FAILURE: failure}})
    phase, pull = _container_state(target, ns, "pull")
    assert (phase, pull["state"]["waiting"]["reason"]) == ("Pending", "ImagePullBackOff")
    assert pull["state"]["waiting"]["message"].startswith('Back-off pulling image "busybox": ')
    phase, crash = _container_state(target, ns, "crash")
    assert (phase, crash["restartCount"], crash["state"]["waiting"]["reason"]) == (
        "Running", 1, "CrashLoopBackOff")
    assert crash["state"]["waiting"]["message"].startswith(
        "back-off 10s restarting failed container=c pod=crash_")
    assert crash["lastState"]["terminated"]["exitCode"] == 1
    target.advance_clock(10)
    assert _container_state(target, ns, "crash")[1]["restartCount"] == 2
    phase, oom = _container_state(target, ns, "oom")
    assert (phase, oom["state"]["terminated"]["exitCode"],
            oom["state"]["terminated"]["reason"]) == ("Failed", 137, "OOMKilled")
    phase, failed = _container_state(target, ns, "failed")
    assert (phase, failed["state"]["terminated"]["reason"]) == ("Failed", "Error")
    ready = {name: next(c for c in _get(target, f"/api/v1/namespaces/{ns}/pods/{name}")[
        "status"]["conditions"] if c["type"] == "Ready") for name in ("crash", "failed")}
    assert (ready["crash"]["status"], ready["crash"]["reason"], ready["crash"]["message"]) == (
        "False", "ContainersNotReady", "containers with unready status: [c]")
    assert (ready["failed"]["status"], ready["failed"]["reason"]) == ("False", "PodFailed")
    # gone, so that they do not keep restarting while other tests move the clock on
    answer = target.http("DELETE", f"/api/v1/namespaces/{ns}/pods")
    assert answer.status_code == 200, answer.text
    assert _get(target, f"/api/v1/namespaces/{ns}/pods")["items"] == []


@behaviour("K8S-389", "kwok's default stages, run by the target's node agent, make a new "
           "managed Node Ready and run a Pod on it with the same status as K8S-380 and "
           "K8S-381 pin; the Pod's deletion completes", cite=KWOK_STAGES + " and " + MEASURED)
def test_kwok_default_stages(target: Target) -> None:
    from fakes.conformance.kubernetes.control_plane import (
        KWOK_NODE_ANNOTATION,
        KWOK_STAGES,
        default_bin_dir,
    )

    path = default_bin_dir() / KWOK_STAGES
    if not path.is_file():
        pytest.skip(f"kwok's default stages are not built ({path})")
    with target.kwok_stages(path.read_text()):
        name = target.cluster_name("kwok", "/api/v1/nodes")
        key, value = KWOK_NODE_ANNOTATION
        created(target, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": name, "annotations": {key: value},
            "labels": {"kubernetes.io/hostname": name, "type": "kwok"}}})
        _check_node(settled(target, lambda: _ready_node(target, name)))
        ns = target.namespace("kwok-stages")
        _check_pod_runs(target, ns, name)
        answer = target.http("DELETE", f"/api/v1/namespaces/{ns}/pods/p")
        assert answer.status_code == 200, answer.text

        def gone() -> None:
            assert target.http("GET", f"/api/v1/namespaces/{ns}/pods/p").status_code == 404

        settled(target, gone)


CERTIFICATES = """
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: %(group)s-issue}
spec:
  resourceRef: {apiGroup: %(group)s/v1, kind: Certificate}
  selector:
    matchLabels: {issue: "yes"}
    matchAnnotations: {team: web}
    matchExpressions:
    - {key: .status.phase, operator: DoesNotExist}
    - {key: '.spec.names.[] | select( . != "" )', operator: Exists}
  weight: 2
  delay:
    durationFrom: {expressionFrom: .metadata.annotations.notBefore}
    jitterDurationMilliseconds: 1000
  next:
    event: {type: Normal, reason: Issued, message: the certificate was issued}
    finalizers:
      add: [{value: example.com/issued}]
    statusTemplate: |
      {{ $now := Now }}
      {{ $spec := .spec }}
      phase: Issued
      issuedAt: {{ $now | Quote }}
      serial: {{ printf "%%s-%%d" .metadata.name (len $spec.names) | Quote }}
      first: {{ index $spec.names 0 | Quote }}
      names:
      {{ range $i, $name := $spec.names }}
      - {{ printf "%%d:%%s" $i $name | Quote }}
      {{ end }}
      {{ with $spec.usage }}
      usage: {{ . }}
      {{ else }}
      usage: {{ or $spec.missing "server" }}
      {{ end }}
      {{ if and (eq (len $spec.names) 2) (not $spec.ca) (gt 3 2) }}
      pair: true
      {{ end }}
      labels:
      {{ YAML .metadata.labels 1 }}
      issuer: {{ Version | printf "kwok-%%s" }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: %(group)s-outweighed}
spec:
  resourceRef: {apiGroup: %(group)s/v1, kind: Certificate}
  selector:
    matchLabels: {issue: "yes"}
    matchAnnotations: {team: web}
    matchExpressions:
    - {key: .status.phase, operator: DoesNotExist}
  weight: 0
  next:
    statusTemplate: 'phase: NeverChosen'
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: %(group)s-revoke}
spec:
  resourceRef: {apiGroup: %(group)s/v1, kind: Certificate}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: Exists}
  next:
    finalizers:
      remove: [{value: example.com/issued}]
"""


@behaviour("K8S-390", "stages written in kwok's YAML drive a custom resource: selected by "
           "labels, annotations and jq-like expressions, chosen by weight, after the delay "
           "its object names, they record an Event, add and remove finalizers and write "
           "the status their Go template renders; deletion waits for the stage that "
           "removes the finalizer",
           cite=KWOK_STAGES + " and https://pkg.go.dev/text/template")
def test_kwok_yaml_stages(target: Target) -> None:
    target.require("stages")
    group = target.api_group("stages", "certificates")
    _schemaless_kind(target, group, "certificates", "Certificate")
    ns = target.namespace("certificates")
    path = f"/apis/{group}/v1/namespaces/{ns}/certificates"
    with target.stages(CERTIFICATES % {"group": group}) as names:
        assert names == [f"{group}-issue", f"{group}-outweighed", f"{group}-revoke"]
        made = created(target, path, {
            "apiVersion": f"{group}/v1", "kind": "Certificate", "metadata": {
                "name": "web", "labels": {"issue": "yes", "tier": "front"},
                "annotations": {"team": "web", "notBefore": "2000-01-01T00:00:00Z"}},
            "spec": {"names": ["example.com", "www.example.com"]}})
        created(target, path, {"apiVersion": f"{group}/v1", "kind": "Certificate",
                               "metadata": {"name": "other", "labels": {"issue": "yes"}},
                               "spec": {"names": ["a"]}})
        target.advance_clock(1)
        cert = _get(target, f"{path}/web")
        assert cert["status"] == {
            "phase": "Issued", "issuedAt": cert["status"]["issuedAt"], "serial": "web-2",
            "first": "example.com", "names": ["0:example.com", "1:www.example.com"],
            "usage": "server", "pair": True, "labels": {"issue": "yes", "tier": "front"},
            "issuer": "kwok-0.8.0"}
        assert cert["metadata"]["finalizers"] == ["example.com/issued"]
        assert "status" not in _get(target, f"{path}/other")  # no team annotation
        events = _get(target, f"/api/v1/namespaces/{ns}/events")["items"]
        assert [(e["reason"], e["message"], e["involvedObject"]["uid"]) for e in events] == [
            ("Issued", "the certificate was issued", made["metadata"]["uid"])]
        answer = target.http("DELETE", f"{path}/web")
        assert answer.status_code == 200, answer.text
        assert target.http("GET", f"{path}/web").status_code == 404


@behaviour("K8S-391", "the scheduler passes over Nodes that are cordoned, tainted against "
           "the Pod, not Ready or not matching its nodeSelector or required node affinity, "
           "and counts each reason in its message", cite=SCHEDULER + " and "
           + SCHEDULER_SOURCE + " and https://kubernetes.io/docs/concepts/scheduling-"
           "eviction/taint-and-toleration/")
def test_scheduler_filters(target: Target) -> None:
    target.require("scheduler")
    ns = target.namespace("filters")
    from fakes.conformance.kubernetes.control_plane import KWOK_NODE_ANNOTATION

    key, value = KWOK_NODE_ANNOTATION
    nodes = {}
    for hint, spec in (("cordoned", {"unschedulable": True}),
                       ("tainted", {"taints": [{"key": "dedicated", "value": "db",
                                                "effect": "NoSchedule"}]}),
                       ("labelled", {})):
        nodes[hint] = name = target.cluster_name(hint, "/api/v1/nodes")
        created(target, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": name, "annotations": {key: value},
            "labels": {"kubernetes.io/hostname": name, "disk": hint}}, "spec": spec})
    bare = target.cluster_name("bare", "/api/v1/nodes")
    created(target, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                      "metadata": {"name": bare, "labels": {"disk": "bare"}}})
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "disk", "operator": "In", "values": ["labelled", "bare"]},
            {"key": "ssd", "operator": "DoesNotExist"}]}]}}}
    with target.scheduling():
        _pod(target, ns, "tolerant", nodeSelector={"disk": "tainted"},
             tolerations=[{"key": "dedicated", "operator": "Equal", "value": "db",
                           "effect": "NoSchedule"}])
        _pod(target, ns, "intolerant", nodeSelector={"disk": "tainted"})
        _pod(target, ns, "affine", affinity=affinity)
        _pod(target, ns, "cordoned", nodeSelector={"disk": "cordoned"})
        _pod(target, ns, "bare", nodeSelector={"disk": "bare"})
        _pod(target, ns, "anything", nodeSelector={"disk": "tainted"},
             tolerations=[{"operator": "Exists"}])
        _pod(target, ns, "by-field", affinity={"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "size", "operator": "Gt", "values": ["x"]}]},
                {"matchFields": [{"key": "metadata.name", "operator": "NotIn",
                                  "values": [nodes["cordoned"], nodes["tainted"]]}],
                 "matchExpressions": [{"key": "disk", "operator": "Exists"},
                                      {"key": "disk", "operator": "NotIn",
                                       "values": ["bare"]},
                                      {"key": "kubernetes.io/hostname", "operator": "In",
                                       "values": [nodes["labelled"]]}]}]}}})

        def placed() -> dict[str, Any]:
            pods = {p["metadata"]["name"]: p for p in _get(
                target, f"/api/v1/namespaces/{ns}/pods")["items"]}
            assert pods["tolerant"]["spec"].get("nodeName") == nodes["tainted"]
            return pods

        pods = settled(target, placed)
    assert pods["affine"]["spec"]["nodeName"] == nodes["labelled"]
    assert pods["anything"]["spec"]["nodeName"] == nodes["tainted"]
    assert pods["by-field"]["spec"]["nodeName"] == nodes["labelled"]
    messages = {name: next(c for c in pods[name]["status"]["conditions"]
                           if c["type"] == "PodScheduled")["message"]
                for name in ("intolerant", "cordoned", "bare")}
    # each Node is refused for the first reason found: cordoned, tainted (a Node that
    # is not Ready too), then the selectors
    for message in messages.values():
        assert "node(s) had untolerated taint(s)" in message
        assert "1 node(s) were unschedulable" in message
        assert "node(s) didn't match Pod's node affinity/selector" in message
    for name in ("intolerant", "cordoned", "bare"):
        assert "nodeName" not in pods[name]["spec"]


TEMPLATE_STAGE = """
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: %(name)s}
spec:
  resourceRef: {apiGroup: v1, kind: ConfigMap}
  selector:
    matchLabels: {stage: %(label)s}
  next:
    statusTemplate: %(template)s
"""


@pytest.mark.parametrize(("template", "error"), [
    ("'{{ template `x` }}'", "do not support {{ template }}"),
    ("'{{ define `x` }}{{ end }}'", "do not support {{ define }}"),
    ("'{{ if . }}x'", "an {{ end }} is missing"),
    ("'{{ end }}'", "unexpected {{ end }}"),
    ("'{{ if . }}{{ else }}{{ else }}{{ end }}'", "has a second {{ else }}"),
    ("'{{ if . }}{{ else if . }}{{ end }}'", "do not support {{ else if . }}"),
    ("'{{ Nope . }}'", "no function 'Nope'"),
    ("'{{ $a, $b, $c := . }}'", "too many variables"),
    ("'{{ ( . }}'", "parenthesis is not closed"),
    ("'{{ . | }}'", "empty command"),
    ("'{{ ~ }}'", "cannot read '~'"),
    ("'{{ $x := ( . , ) }}'", "cannot read ',' here"),
    ("'{{ range }}{{ end }}x'", "empty command"),
    ("'{{ if range }}{{ end }}'", "'range' cannot be used here"),
])
@behaviour("K8S-392", "a kwok stage whose Go template uses what the fake does not model is "
           "refused when it is loaded, naming what (define, template, else if, another "
           "function ...), and nothing is added", cite=KWOK_STAGES + " and "
           "https://pkg.go.dev/text/template and verified-fakes docs/kubernetes.md")
def test_template_refused(target: Target, template: str, error: str) -> None:
    target.require("stages")
    from fakes.kubernetes import StageError

    with pytest.raises(StageError, match=re.escape(error)), target.stages(
            TEMPLATE_STAGE % {"name": "refused", "label": "refused", "template": template}):
        pass  # pragma: no cover - loading fails


@behaviour("K8S-393", "a kwok statusTemplate prints values as Go's text/template does: "
           "<no value> for a missing field, lists and maps in fmt's words, whole floats "
           "without a point; trims spaces around {{- and -}}; ranges over maps in key order "
           "and over integers; comments print nothing",
           cite=KWOK_STAGES + " and https://pkg.go.dev/text/template")
def test_template_printing(target: Target) -> None:
    target.require("stages")
    group = target.api_group("printing", "widgets")
    _schemaless_kind(target, group, "widgets", "Widget")
    template = (
        "|\n      missing: '{{ .spec.nothing }}'\n"
        "      list: '{{ .spec.list }}'\n      map: '{{ .spec.map }}'\n"
        "      whole: '{{ 2.0 }}'\n      truth: '{{ true }}'\n"
        "      trimmed: '  {{- `x` -}}  '\n"
        "      keys: '{{ range $k, $v := .spec.map }}{{ $k }}={{ $v }};{{ end }}'\n"
        "      count: '{{ range $i := 3 }}{{ $i }}{{ end }}'\n"
        "      nothing: '{{ range .spec.none }}x{{ else }}none{{ end }}'\n"
        "      compare: '{{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ ge 1 2 }} {{ and 1 0 }}'\n"
        "      format: '{{ printf \"%v %q %%\" .spec.map.b \"q\" }}'\n"
        "      looked: '{{ index .spec.map \"a\" }} {{ nil }}'\n"
        "      assigned: '{{ $v := 1 }}{{ if true }}{{ $v = 2 }}{{ end }}{{ $v }}'\n"
        "      {{/* a comment */}}\n")
    stage = TEMPLATE_STAGE.replace("v1, kind: ConfigMap", f"{group}/v1, kind: Widget")
    ns = target.namespace("printing")
    path = f"/apis/{group}/v1/namespaces/{ns}/widgets"
    with target.stages(stage % {"name": f"{group}-print", "label": "print",
                                "template": template}):
        created(target, path, {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {
            "name": "w", "labels": {"stage": "print"}},
            "spec": {"list": ["a", "b"], "map": {"b": 2, "a": 1}, "none": []}})
        status = _get(target, f"{path}/w")["status"]
    assert status == {
        "missing": "<no value>", "list": "[a b]", "map": "map[a:1 b:2]", "whole": "2",
        "truth": "true", "trimmed": "x", "keys": "a=1;b=2;", "count": "012",
        "nothing": "none", "compare": "true true true false 0", "format": '2 "q" %',
        "looked": "1 <no value>", "assigned": "2"}


_STAGE_HEAD = "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\n"


@pytest.mark.parametrize(("document", "error"), [
    ("apiVersion: v1\nkind: Pod\n", "not a kwok Stage"),
    (_STAGE_HEAD + "metadata: {}\n", "needs metadata.name"),
    (_STAGE_HEAD + "metadata: {name: s}\nspec: {next: {delete: true}}\n",
     "spec.selector is missing: kwok ignores such a stage"),
    (_STAGE_HEAD + "metadata: {name: s}\nspec: {selector: {}, next: {patches: []}}\n",
     "spec.next.patches is not modelled"),
    (_STAGE_HEAD + "metadata: {name: s}\nspec: {selector: {}, steps: []}\n",
     "spec.steps is not modelled"),
    (_STAGE_HEAD + "metadata: {name: s}\nspec: {selector: {matchExpressions: "
     "[{key: .a, operator: Gt}]}}\n", "the operator 'Gt' is not one of"),
    (_STAGE_HEAD + "metadata: {name: s}\nspec: {selector: {matchExpressions: "
     "[{key: '.a | length', operator: Exists}]}}\n", "do not understand the key"),
    (_STAGE_HEAD + "metadata: {name: s}\nspec: {selector: {}, delay: "
     "{durationFrom: {jq: .a}}}\n", "spec.delay.durationFrom.jq is not modelled"),
    (_STAGE_HEAD + "metadata: {name: s}\nspec: {resourceRef: {kind: Widget}, "
     "selector: {}}\n", "no kind 'Widget'"),
])
@behaviour("K8S-394", "a kwok Stage document the fake cannot run as written is refused when "
           "it is loaded, naming the field (and nothing is added)",
           cite=KWOK_STAGES + " and verified-fakes docs/kubernetes.md")
def test_stage_refused(target: Target, document: str, error: str) -> None:
    target.require("stages")
    from fakes.kubernetes import StageError

    with pytest.raises(StageError, match=re.escape(error)), target.stages(document):
        pass  # pragma: no cover - loading fails
