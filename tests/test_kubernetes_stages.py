"""Stages, the fake's kubelet and its scheduler, through FakeCluster's Python API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fakes.kubernetes import FakeCluster
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._stages import (
    Delay,
    Expression,
    Finalizers,
    Next,
    Query,
    Selector,
    Stage,
    StageContext,
    StageError,
)

pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def shared() -> Iterator[FakeCluster]:
    fake = FakeCluster()
    yield fake


@pytest.fixture
def fake(shared: FakeCluster) -> FakeCluster:
    shared.reset()
    return shared


def pod(name: str, **spec: Any) -> dict[str, Any]:
    metadata = spec.pop("metadata", {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **metadata},
            "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec}}


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in obj["status"].get("conditions") or () if c["type"] == kind), None)


# -- nodes and the kubelet -------------------------------------------------------------


def test_default_node_is_ready(fake: FakeCluster) -> None:
    node = fake.get("Node", "fake-node")
    ready = condition(node, "Ready")
    assert ready is not None and ready["status"] == "True"
    assert node["status"]["addresses"] == [{"address": "10.0.0.1", "type": "InternalIP"}]
    assert node["status"]["phase"] == "Running"


def test_nodes_to_choose() -> None:
    fake = FakeCluster(nodes=["a", "b"])
    assert [n["metadata"]["name"] for n in fake.list("Node")] == ["a", "b"]
    assert [n["status"]["addresses"][0]["address"] for n in fake.list("Node")] == [
        "10.0.0.1", "10.0.0.2"]
    assert FakeCluster(nodes=[]).list("Node") == []


def test_a_node_without_the_annotation_is_left_alone(fake: FakeCluster) -> None:
    fake.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "bare"}})
    assert "conditions" not in fake.get("Node", "bare")["status"]


def test_heartbeat_every_ten_minutes(fake: FakeCluster) -> None:
    fake.stages.enable("node-heartbeat")
    before = condition(fake.get("Node", "fake-node"), "Ready")
    assert before is not None
    fake.clock.advance(599)
    assert condition(fake.get("Node", "fake-node"), "Ready") == before
    fake.clock.advance(12)
    after = condition(fake.get("Node", "fake-node"), "Ready")
    assert after is not None and after["lastHeartbeatTime"] > before["lastHeartbeatTime"]
    assert after["lastTransitionTime"] == before["lastTransitionTime"]
    fake.stages.disable("node-heartbeat")


def test_pod_on_the_node_runs(fake: FakeCluster) -> None:
    fake.apply(pod("p", nodeName="fake-node"))
    status = fake.get("Pod", "p", "default")["status"]
    assert status["phase"] == "Running"
    assert status["hostIP"] == "10.0.0.1" and status["podIP"] == "10.244.0.1"
    assert [c["type"] for c in status["conditions"]] == [
        "Initialized", "Ready", "ContainersReady"]
    fake.apply(pod("q", nodeName="fake-node", hostNetwork=True))
    assert fake.get("Pod", "q", "default")["status"]["podIP"] == "10.0.0.1"


def test_pod_ready_switched_off(fake: FakeCluster) -> None:
    fake.stages.disable("pod-ready")
    try:
        fake.apply(pod("p", nodeName="fake-node"))
        assert fake.get("Pod", "p", "default")["status"]["phase"] == "Pending"
    finally:
        fake.stages.enable("pod-ready")
    assert fake.get("Pod", "p", "default")["status"]["phase"] == "Running"
    with pytest.raises(ValueError, match="no stage named 'nope'"):
        fake.stages.disable("nope")


def test_job_pod_succeeds(fake: FakeCluster) -> None:
    [job] = fake.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                        "spec": {"suspend": True, "template": {"spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "busybox"}]}}}})
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": "j",
             "uid": job["metadata"]["uid"], "controller": True}
    fake.apply(pod("w", nodeName="fake-node", restartPolicy="Never",
                   metadata={"ownerReferences": [owner]}))
    status = fake.get("Pod", "w", "default")["status"]
    assert status["phase"] == "Succeeded"
    assert status["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_graceful_deletion(fake: FakeCluster) -> None:
    fake.apply(pod("p", nodeName="fake-node"))
    fake.stages.disable("pod-delete")
    try:
        fake.delete("Pod", "p", "default")
        meta = fake.get("Pod", "p", "default")["metadata"]
        assert meta["deletionGracePeriodSeconds"] == 30
        assert meta["deletionTimestamp"] == "2026-01-01T00:00:30Z"
    finally:
        fake.stages.enable("pod-delete")
    with pytest.raises(StatusError):
        fake.get("Pod", "p", "default")


def test_a_pod_with_a_finalizer_waits_for_it(fake: FakeCluster) -> None:
    fake.apply(pod("p", nodeName="fake-node", metadata={"finalizers": ["example.com/x"]}))
    fake.delete("Pod", "p", "default")
    held = fake.get("Pod", "p", "default")
    assert held["metadata"]["deletionGracePeriodSeconds"] == 0
    held["metadata"]["finalizers"] = []
    fake.apply(held)
    assert fake.list("Pod", "default") == []


# -- the scheduler ---------------------------------------------------------------------


def test_scheduler_binds_to_a_ready_node(fake: FakeCluster) -> None:
    fake.apply(pod("p"))
    found = fake.get("Pod", "p", "default")
    assert found["spec"]["nodeName"] == "fake-node"
    scheduled = condition(found, "PodScheduled")
    assert scheduled is not None and scheduled["status"] == "True"
    assert found["status"]["phase"] == "Running"
    actors = [c.actor for c in fake.journal.since(0) if c.resource == "pods/default/p"]
    assert actors[:3] == ["seed", "system:kube-scheduler", "kwok-controller"]
    with pytest.raises(StatusError, match='already assigned to node "fake-node"'):
        fake.store.bind("default", "p", "other", "test")


def test_unschedulable_then_scheduled_when_a_node_comes() -> None:
    fake = FakeCluster(nodes=[])
    fake.apply(pod("p"))
    waiting = condition(fake.get("Pod", "p", "default"), "PodScheduled")
    assert waiting is not None
    assert (waiting["status"], waiting["reason"], waiting["message"]) == (
        "False", "Unschedulable", "no nodes available to schedule pods")
    fake.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "cordoned"},
                "spec": {"unschedulable": True}})
    fake.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "tainted"},
                "spec": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}})
    waiting = condition(fake.get("Pod", "p", "default"), "PodScheduled")
    assert waiting is not None and waiting["message"] == (
        "0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were "
        "unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful "
        "for scheduling.")
    from fakes.kubernetes._kubelet import node_manifest

    fake.apply(node_manifest("late"))
    assert fake.get("Pod", "p", "default")["spec"]["nodeName"] == "late"


def test_scheduler_filters() -> None:
    fake = FakeCluster(nodes=["a", "b"])
    fake.apply(pod("selected", nodeSelector={"kubernetes.io/hostname": "b"}))
    assert fake.get("Pod", "selected", "default")["spec"]["nodeName"] == "b"
    fake.apply(pod("spread"))
    assert fake.get("Pod", "spread", "default")["spec"]["nodeName"] == "a"
    fake.apply(pod("nowhere", nodeSelector={"disk": "ssd"}))
    stuck = condition(fake.get("Pod", "nowhere", "default"), "PodScheduled")
    assert stuck is not None and stuck["message"].startswith(
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.")
    fake.apply(pod("gated", schedulingGates=[{"name": "example.com/wait"}]))
    gated = condition(fake.get("Pod", "gated", "default"), "PodScheduled")
    assert gated is not None and gated["reason"] == "SchedulingGated"
    fake.apply(pod("affinity", affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "NotIn",
                                   "values": ["a"]}]}]}}}))
    assert fake.get("Pod", "affinity", "default")["spec"]["nodeName"] == "b"
    fake.apply(pod("by-name", affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]},
            {"matchExpressions": [{"key": "size", "operator": "Gt", "values": ["x"]}]}]}}}))
    assert fake.get("Pod", "by-name", "default")["spec"]["nodeName"] == "a"
    fake.apply(pod("other", schedulerName="someone-else"))
    assert "nodeName" not in fake.get("Pod", "other", "default")["spec"]


def test_tolerations() -> None:
    fake = FakeCluster(nodes=[])
    fake.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "t"},
                "spec": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}})
    fake.apply(pod("exists", tolerations=[{"operator": "Exists"}]))
    fake.apply(pod("equal", tolerations=[{"key": "k", "value": "v"}]))
    fake.apply(pod("wrong", tolerations=[{"key": "k", "value": "w", "effect": "NoSchedule"}]))
    # a Node no kubelet runs is not Ready: tainted not-ready as well, which only
    # "Exists" with no key tolerates
    names = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in fake.list("Pod")}
    assert names == {"exists": "t", "equal": None, "wrong": None}


# -- stages in Python ------------------------------------------------------------------

CRD = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
       "metadata": {"name": "certificates.example.com"},
       "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "certificates", "singular": "certificate",
                          "kind": "Certificate"},
                "versions": [{"name": "v1", "served": True, "storage": True,
                              "subresources": {"status": {}},
                              "schema": {"openAPIV3Schema": {
                                  "type": "object",
                                  "x-kubernetes-preserve-unknown-fields": True}}}]}}


def _ready(context: StageContext, cert: Any) -> dict[str, Any]:
    return {"conditions": [{"type": "Ready", "status": "True", "reason": "Issued",
                            "lastTransitionTime": context.now()}]}


def test_a_custom_resource_becomes_ready_after_30_seconds(fake: FakeCluster) -> None:
    fake.apply(CRD)
    fake.stages.add(
        Stage("certificate-ready", "Certificate", Next(status=_ready),
              api_group="example.com/v1", delay=Delay(seconds=30),
              selector=Selector(match_expressions=[
                  Expression('.status.conditions.[] | select(.type == "Ready") | .status',
                             "NotIn", ["True"]),
                  Expression(".metadata.labels.fail", "DoesNotExist")])),
        Stage("certificate-failed", "Certificate",
              Next(status=lambda c, o: {"conditions": [{"type": "Ready", "status": "False",
                                                        "reason": "Failed"}]},
                   finalizers=Finalizers(add=["example.com/keep"])),
              api_group="example.com", selector=Selector(match_labels={"fail": "yes"})))
    fake.apply({"apiVersion": "example.com/v1", "kind": "Certificate",
                "metadata": {"name": "good"}})
    fake.apply({"apiVersion": "example.com/v1", "kind": "Certificate",
                "metadata": {"name": "bad", "labels": {"fail": "yes"}}})
    fake.clock.advance(29)
    assert "status" not in fake.get("Certificate", "good", "default")
    fake.clock.advance(1)
    good = fake.get("Certificate", "good", "default")
    assert good["status"]["conditions"][0]["lastTransitionTime"] == "2026-01-01T00:00:30Z"
    bad = fake.get("Certificate", "bad", "default")
    assert bad["status"]["conditions"][0]["reason"] == "Failed"
    assert bad["metadata"]["finalizers"] == ["example.com/keep"]
    fake.stages.remove("certificate-ready", "certificate-failed")


def test_delay_from_the_object_and_jitter(fake: FakeCluster) -> None:
    fake.apply(CRD)
    fake.stages.add(Stage(
        "expire", "Certificate", Next(delete=True), api_group="example.com",
        selector=Selector(match_annotations={"expires": "yes"}),
        delay=Delay(seconds_from=".metadata.annotations.at")))
    fake.stages.add(Stage(
        "jitter", "Certificate", Next(finalizers=Finalizers(empty=True)),
        api_group="example.com", selector=Selector(match_labels={"jitter": "yes"}),
        delay=Delay(seconds=10, jitter=20)))
    fake.apply({"apiVersion": "example.com/v1", "kind": "Certificate", "metadata": {
        "name": "old", "annotations": {"expires": "yes", "at": "2026-01-01T00:01:00Z"}}})
    fake.clock.advance(59)
    assert fake.get("Certificate", "old", "default")
    fake.clock.advance(1)
    assert fake.list("Certificate", "default") == []
    fake.stages.remove("expire", "jitter")


def test_queries() -> None:
    obj = {"metadata": {"ownerReferences": [{"kind": "Job"}, {"kind": "X"}],
                        "labels": {"a.b/c": "d"}},
           "status": {"conditions": [{"type": "Ready", "status": "True"}], "ok": True}}
    assert Query(".metadata.ownerReferences.[].kind").values(obj) == ["Job", "X"]
    assert Query('.metadata.labels["a.b/c"]').values(obj) == ["d"]
    assert Query('.status.conditions.[] | select( .type != "Ready" )').values(obj) == []
    assert Expression(".status.ok", "In", ["true"]).matches(obj)
    assert Expression(".status.nope", "NotIn", ["x"]).matches(obj)
    with pytest.raises(StageError, match="do not understand the key"):
        Query(".a | length")
    with pytest.raises(StageError, match="operator 'Gt'"):
        Expression(".a", "Gt")


def test_a_stage_for_an_unknown_kind_is_refused(fake: FakeCluster) -> None:
    with pytest.raises(StageError, match="no kind 'Widget'"):
        fake.stages.add(Stage("w", "Widget", Next(), api_group="example.com"))
