"""Stages, the fake's kubelet and its scheduler, through FakeCluster's Python API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.kubernetes import FakeCluster
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._gotemplate import parse, render_status
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
    stages_from_yaml,
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


# -- kwok's YAML and Go templates -------------------------------------------------------

KWOK_STAGES = Path.home() / ".cache/verified-fakes/kubernetes-v1.37.2/bin/kwok-stages.yaml"


@pytest.mark.skipif(not KWOK_STAGES.is_file(), reason="kwok's stages are not built here")
def test_kwok_default_stages_write_what_the_kubelet_writes() -> None:
    built_in = FakeCluster()
    kwok = FakeCluster(controllers=False)
    kwok.stages.remove(*kwok.stages.names)
    assert kwok.stages.load(KWOK_STAGES.read_text()) == [
        "node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete",
        "pod-delete"]
    kwok.controllers.enable(*(n for n in kwok.controllers.names if n.startswith("stages/")))
    [job] = built_in.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                            "spec": {"suspend": True, "template": {"spec": {
                                "restartPolicy": "Never",
                                "containers": [{"name": "c", "image": "busybox"}]}}}})
    for fake in (built_in, kwok):
        fake.apply(pod("p", nodeName="fake-node", readinessGates=[{"conditionType": "x"}],
                       initContainers=[{"name": "i", "image": "x"},
                                       {"name": "s", "image": "y", "restartPolicy": "Always"}]))
        fake.apply(pod("host", nodeName="fake-node", hostNetwork=True))
        fake.apply(pod("j", nodeName="fake-node", restartPolicy="Never", metadata={
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "j",
                                 "uid": job["metadata"]["uid"]}]}))
    for kind, name, namespace in (("Node", "fake-node", None), ("Pod", "p", "default"),
                                  ("Pod", "host", "default"), ("Pod", "j", "default")):
        assert kwok.get(kind, name, namespace)["status"] == \
            built_in.get(kind, name, namespace)["status"], (kind, name)
    for fake in (built_in, kwok):
        fake.delete("Pod", "p", "default")
        assert [p["metadata"]["name"] for p in fake.list("Pod", "default")] == ["host", "j"]
    kwok.clock.advance(611)  # the heartbeat stage's longest delay
    ready = condition(kwok.get("Node", "fake-node"), "Ready")
    assert ready is not None and ready["lastHeartbeatTime"] > ready["lastTransitionTime"]


def render(template: str, obj: dict[str, Any] | None = None) -> Any:
    fake = FakeCluster(nodes=[], controllers=False)
    seen: list[Any] = []
    fake.apply(CRD)
    fake.stages.add(Stage("t", "Certificate", Next(status_template=template),
                          api_group="example.com"))
    fake.stages.add(Stage("t2", "Certificate", Next(status=lambda c, o: seen.append(
        render_status(c, template)) or None), api_group="example.com"))
    fake.stages.remove("t")
    fake.controllers.enable(*fake.controllers.names)
    fake.apply({"apiVersion": "example.com/v1", "kind": "Certificate",
                "metadata": {"name": "c"}, **(obj or {})})
    return seen[0]


def test_go_templates() -> None:
    obj = {"spec": {"n": 2, "items": ["a", "b"], "map": {"y": 1, "x": 2}, "empty": "",
                    "nested": {"deep": "v"}}}
    assert render("""
a: {{ .spec.n }}
{{ $x := "one" }}{{ $x = printf "%s-%d-%v-%q%%" $x 2 true "q" }}
b: {{ $x | Quote }}
items: {{ range $i, $e := .spec.items }}{{ $i }}{{ $e }}{{ else }}none{{ end }}
keys: {{ range .spec.map }}{{ . }}{{ end }}
count: c{{ range 3 }}{{ . }}{{ end }}
empty: {{ range .spec.missing }}x{{ else }}none{{ end }}
with: {{ with .spec.empty }}yes{{ else }}{{ with .spec.nested }}{{ .deep }}{{ end }}{{ end }}
if: x{{ if and (eq .spec.n 1 2) (not .spec.empty) (ne 1 2) (lt 1 2) (le 2 2) }}yes{{ end }}
or: {{ or .spec.empty .spec.missing "fallback" }}
and: {{ and 1 0 2 }}-{{ gt 2 1 }}-{{ ge 1 2 }}
len: {{ len .spec.items }}{{ index .spec.items 1 }}{{ index .spec.map "x" }}
show: {{ .spec.missing }} {{ .spec.items }} {{ .spec.map }} {{ 1.0 }} {{ `raw` }}
{{- /* a comment */ }}
yaml:
{{ YAML .spec.map 1 }}
version: {{ Version }}
""", obj) == {"a": 2, "b": "one-2-true-\"q\"%", "items": "0a1b", "keys": 21,
                  "count": "c012", "empty": "none", "with": "v", "if": "xyes",
                  "or": "fallback", "and": "0-true-false", "len": "2b2",
                  "show": "<no value> [a b] map[x:2 y:1] 1 raw", "yaml": {"x": 2, "y": 1},
                  "version": "0.8.0"}


@pytest.mark.parametrize(("template", "error"), [
    ("{{ template `x` }}", "do not support {{ template }}"),
    ("{{ if . }}x", "an {{ end }} is missing"),
    ("{{ if . }}{{ else }}{{ else }}{{ end }}", "has a second {{ else }}"),
    ("{{ end }}", "unexpected {{ end }}"),
    ("{{ Nope }}", "no function 'Nope'"),
    ("{{ if . }}{{ else if . }}{{ end }}", "do not support {{ else if . }}"),
    ("{{ $a, $b, $c := . }}", "too many variables"),
    ("{{ $undefined }}", "undefined variable"),
    ("{{ ( . }}", "not closed"),
    ("{{ . | }}", "empty command"),
    ("{{ .a 1 }}", "not a function"),
    ("{{ ~ }}", "cannot read"),
    ("{{ if }}x{{ end }}", "empty command"),
    ("{{ range . }}{{ else }}{{ end }}{{ break }}", "do not support {{ break }}"),
])
def test_go_templates_refuse_what_they_cannot_run(template: str, error: str) -> None:
    with pytest.raises(StageError, match=re.escape(error)):
        parse(template)
        render(template)


@pytest.mark.parametrize(("document", "error"), [
    ("apiVersion: v1\nkind: Pod", "not a kwok Stage"),
    ("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: {}", "needs metadata.name"),
    ("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: {name: s}\n"
     "spec: {selector: {}, next: {patches: []}}", "spec.next.patches is not modelled"),
    ("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: {name: s}\n"
     "spec: {next: {delete: true}}", "spec.selector is missing: kwok ignores"),
    ("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: {name: s}\n"
     "spec: {selector: {}, delay: {durationFrom: {jq: x}}}", "spec.delay.durationFrom.jq"),
])
def test_kwok_yaml_refused(document: str, error: str) -> None:
    with pytest.raises(StageError, match=re.escape(error)):
        stages_from_yaml(document)


def test_kwok_yaml_with_everything(fake: FakeCluster) -> None:
    fake.apply(CRD)
    names = fake.stages.load("""
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: issue}
spec:
  resourceRef: {apiGroup: example.com/v1, kind: Certificate}
  selector:
    matchLabels: {issue: "yes"}
    matchAnnotations: {a: b}
    matchExpressions:
    - {key: .status.phase, operator: DoesNotExist}
  weight: 1
  delay:
    durationMilliseconds: 1000
    jitterDurationFrom: {expressionFrom: .metadata.annotations.until}
  next:
    event: {type: Normal, reason: Issued, message: issued by a stage}
    finalizers:
      add: [{value: example.com/a}]
    statusTemplate: |
      phase: Issued
      at: {{ Now | Quote }}
  immediateNextStage: true
""")
    assert names == ["issue"]
    fake.apply({"apiVersion": "example.com/v1", "kind": "Certificate", "metadata": {
        "name": "c", "labels": {"issue": "yes"},
        "annotations": {"a": "b", "until": "2026-01-01T00:00:05Z"}}})
    fake.clock.advance(0.5)
    assert "status" not in fake.get("Certificate", "c", "default")
    fake.clock.advance(5)
    cert = fake.get("Certificate", "c", "default")
    assert cert["status"]["phase"] == "Issued"
    assert cert["metadata"]["finalizers"] == ["example.com/a"]
    [event] = fake.list("Event", "default")
    assert (event["reason"], event["message"], event["source"]) == (
        "Issued", "issued by a stage", {"component": "kwok_controller"})
    fake.stages.remove("issue")


# -- failures a test asks the kubelet for -----------------------------------------------


def states(fake: FakeCluster, name: str) -> tuple[str, int, dict[str, Any]]:
    found = fake.get("Pod", name, "default")
    [container] = found["status"]["containerStatuses"]
    return found["status"]["phase"], container["restartCount"], container["state"]


def test_crash_loop_back_off(fake: FakeCluster) -> None:
    fake.kubelet.fail("default", "app=web", "CrashLoopBackOff")
    [made] = fake.apply(pod("p", nodeName="fake-node", metadata={"labels": {"app": "web"}}))
    uid = made["metadata"]["uid"]
    phase, restarts, state = states(fake, "p")
    assert (phase, restarts) == ("Running", 1)
    assert state == {"waiting": {"reason": "CrashLoopBackOff", "message": (
        f"back-off 10s restarting failed container=c pod=p_default({uid})")}}
    seen = []
    for step in (10, 20, 40, 80, 160, 300, 300):
        fake.clock.advance(step - 1)
        assert states(fake, "p")[1] == len(seen) + 1
        fake.clock.advance(1)
        seen.append(states(fake, "p")[2]["waiting"]["message"].split()[1])
    assert seen == ["20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s", "5m0s"]
    found = fake.get("Pod", "p", "default")
    assert found["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 1
    ready = condition(found, "Ready")
    assert ready is not None and (ready["status"], ready["reason"], ready["message"]) == (
        "False", "ContainersNotReady", "containers with unready status: [c]")
    assert [c["type"] for c in found["status"]["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]


def test_oom_killed(fake: FakeCluster) -> None:
    fake.apply(pod("p", nodeName="fake-node", metadata={
        "annotations": {"verified-fakes/kubelet-failure": "OOMKilled"}}))
    found = fake.get("Pod", "p", "default")
    last = found["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "OOMKilled")
    fake.kubelet.fail("default", "once", "OOMKilled")
    fake.apply(pod("once", nodeName="fake-node", restartPolicy="Never"))
    phase, restarts, state = states(fake, "once")
    assert (phase, restarts, state["terminated"]["reason"]) == ("Failed", 0, "OOMKilled")
    ready = condition(fake.get("Pod", "once", "default"), "Ready")
    assert ready is not None and ready["reason"] == "PodFailed"


def test_failed(fake: FakeCluster) -> None:
    fake.kubelet.fail("default", "p", "Failed")
    fake.apply(pod("p", nodeName="fake-node"))
    phase, _, state = states(fake, "p")
    assert (phase, state["terminated"]["exitCode"], state["terminated"]["reason"]) == (
        "Failed", 1, "Error")
    fake.delete("Pod", "p", "default")  # a finished Pod goes at once
    assert fake.list("Pod", "default") == []
    with pytest.raises(ValueError, match="no kubelet failure 'Sick'"):
        fake.kubelet.fail("default", "p", "Sick")


def test_image_pull_back_off(fake: FakeCluster) -> None:
    fake.kubelet.fail("default", "p", "ErrImagePull")
    start = fake.journal.last
    fake.apply(pod("p", nodeName="fake-node"))
    phase, _, state = states(fake, "p")
    assert phase == "Pending"
    assert state["waiting"]["reason"] == "ImagePullBackOff"
    assert state["waiting"]["message"].startswith('Back-off pulling image "busybox": ')
    reasons = [c.payload.object["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
               for c in fake.journal.since(start) if c.operation == "pods.update"]
    assert reasons == ["ErrImagePull", "ImagePullBackOff"]
    fake.clock.advance(10)
    reasons = [c.payload.object["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
               for c in fake.journal.since(start) if c.operation == "pods.update"]
    assert reasons == ["ErrImagePull", "ImagePullBackOff"] * 2
    assert fake.get("Pod", "p", "default")["status"]["podIP"] == "10.244.0.1"


def test_a_stage_outlives_its_definition(fake: FakeCluster) -> None:
    fake.apply(CRD)
    fake.stages.add(Stage("gone", "Certificate", Next(delete=True), api_group="example.com"))
    fake.apply({"apiVersion": "example.com/v1", "kind": "Certificate",
                "metadata": {"name": "c"}})
    fake.reset()  # the definition goes, the stage stays
    fake.apply(pod("p", nodeName="fake-node"))
    assert fake.get("Pod", "p", "default")["status"]["phase"] == "Running"
    fake.apply(CRD)
    fake.apply({"apiVersion": "example.com/v1", "kind": "Certificate",
                "metadata": {"name": "c"}})
    assert fake.list("Certificate", "default") == []
    fake.stages.remove("gone")
