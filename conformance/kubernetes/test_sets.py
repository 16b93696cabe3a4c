"""kube-controller-manager's statefulset and daemonset controllers.

The Pods name no node, so nothing runs them: a test makes one Running and Ready by
writing its status, as a kubelet would."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, created
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

# Controllers and a node agent at work: skipped on a bare API server (profile api-only).
pytestmark = pytest.mark.usefixtures("needs_pods")

STATEFULSETS = "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/"
DAEMONSETS = "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
HASH = re.compile(r"^[bcdfghjklmnpqrstvwxz2456789]+$")


def statefulset(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "serviceName": name,
                     "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {
                         "containers": [{"name": "c", "image": "busybox"}]}}, **spec}}


CLAIM_TEMPLATE = {"metadata": {"name": "data"}, "spec": {
    "accessModes": ["ReadWriteOnce"], "storageClassName": "none",
    "resources": {"requests": {"storage": "1Gi"}}}}


def pods(target: Target, ns: str, app: str) -> dict[str, dict[str, Any]]:
    listed = target.http("GET", f"/api/v1/namespaces/{ns}/pods?labelSelector=app%3D{app}")
    return {p["metadata"]["name"]: p for p in listed.json()["items"]}


def names(target: Target, ns: str, app: str, wanted: list[str]) -> dict[str, dict[str, Any]]:
    found = pods(target, ns, app)
    assert sorted(found) == wanted, sorted(found)
    return found


def make_ready(target: Target, ns: str, name: str) -> None:
    answer = target.http("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status", body={
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
        content_type="application/merge-patch+json")
    assert answer.status_code == 200, answer.text


def set_status(target: Target, ns: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = target.http(
        "GET", f"/apis/apps/v1/namespaces/{ns}/statefulsets/{name}").json()
    return found


def events(target: Target, ns: str, name: str) -> list[tuple[str, str]]:
    """Reasons and messages of the Events about ``name``, oldest first."""
    listed = target.api("CoreV1Api").list_namespaced_event(
        ns, field_selector=f"involvedObject.name={name}").items
    return [(e.reason, e.message) for e in sorted(
        listed, key=lambda e: (e.first_timestamp, e.metadata.creation_timestamp,
                               e.metadata.name))]


def event_seen(target: Target, ns: str, name: str, event: tuple[str, str]) -> None:
    """Wait for ``event`` (reason, message) about ``name``: a real controller records its
    Events asynchronously, after the change they report."""
    def seen() -> None:
        assert event in events(target, ns, name)
    eventually(seen)


@behaviour("K8S-485", "an OrderedReady StatefulSet makes <set>-0 (with its claim from "
           "volumeClaimTemplates, hostname, subdomain, revision, pod-name and pod-index "
           "labels) and <set>-1 only once <set>-0 is Running and Ready; status counts them; "
           "scaled to zero, it deletes them from the highest ordinal",
           cite=STATEFULSETS + "#deployment-and-scaling-guarantees and " + MEASURED)
def test_statefulset_ordered_ready(target: Target) -> None:
    ns = target.namespace("sts-ordered")
    created(target, f"/apis/apps/v1/namespaces/{ns}/statefulsets",
            statefulset("s", 2, volumeClaimTemplates=[CLAIM_TEMPLATE]))
    first = eventually(lambda: names(target, ns, "s", ["s-0"]))["s-0"]
    meta = first["metadata"]
    revision = meta["labels"]["controller-revision-hash"]
    assert revision.startswith("s-") and HASH.match(revision[2:])
    assert meta["labels"] == {"app": "s", "controller-revision-hash": revision,
                              "statefulset.kubernetes.io/pod-name": "s-0",
                              "apps.kubernetes.io/pod-index": "0"}
    assert meta["generateName"] == "s-"
    assert meta["ownerReferences"][0]["kind"] == "StatefulSet"
    assert (first["spec"]["hostname"], first["spec"]["subdomain"]) == ("s-0", "s")
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-s-0"}} in first[
        "spec"]["volumes"]
    claim = target.http("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims/data-s-0")
    assert claim.status_code == 200
    assert claim.json()["metadata"]["labels"] == {"app": "s"}
    assert "ownerReferences" not in claim.json()["metadata"]

    def counted(wanted: dict[str, Any]) -> dict[str, Any]:
        status: dict[str, Any] = set_status(target, ns, "s")["status"]
        assert {k: status.get(k) for k in wanted} == wanted, status
        return status

    status = eventually(lambda: counted({"replicas": 1, "currentReplicas": 1}))
    assert status == {"replicas": 1, "availableReplicas": 0, "collisionCount": 0,
                      "currentReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1,
                      "currentRevision": revision, "updateRevision": revision}
    assert names(target, ns, "s", ["s-0"])  # s-1 waits for s-0
    make_ready(target, ns, "s-0")
    eventually(lambda: names(target, ns, "s", ["s-0", "s-1"]))
    eventually(lambda: counted({"replicas": 2, "readyReplicas": 1, "availableReplicas": 1,
                                "currentReplicas": 2, "updatedReplicas": 2}))
    event_seen(target, ns, "s", ("SuccessfulCreate", "Create Pod s-1 in StatefulSet s successful"))
    assert events(target, ns, "s") == [
        ("SuccessfulCreate", "Create Claim data-s-0 Pod s-0 in StatefulSet s success"),
        ("SuccessfulCreate", "Create Pod s-0 in StatefulSet s successful"),
        ("SuccessfulCreate", "Create Claim data-s-1 Pod s-1 in StatefulSet s success"),
        ("SuccessfulCreate", "Create Pod s-1 in StatefulSet s successful")]
    # Scaled to zero, one at a time from the highest ordinal.
    target.http("PATCH", f"/apis/apps/v1/namespaces/{ns}/statefulsets/s",
                body={"spec": {"replicas": 0}}, content_type="application/merge-patch+json")
    eventually(lambda: names(target, ns, "s", []))
    event_seen(target, ns, "s", ("SuccessfulDelete", "Delete Pod s-0 in StatefulSet s successful"))
    assert [m for r, m in events(target, ns, "s") if r == "SuccessfulDelete"] == [
        "Delete Pod s-1 in StatefulSet s successful",
        "Delete Pod s-0 in StatefulSet s successful"]


@behaviour("K8S-486", "a StatefulSet scaled down deletes its Pods from the highest "
           "ordinal and keeps their claims", cite=STATEFULSETS +
           "#deployment-and-scaling-guarantees and " + MEASURED)
def test_statefulset_scale_down(target: Target) -> None:
    ns = target.namespace("sts-down")
    created(target, f"/apis/apps/v1/namespaces/{ns}/statefulsets",
            statefulset("s", 2, podManagementPolicy="Parallel",
                        volumeClaimTemplates=[CLAIM_TEMPLATE]))
    eventually(lambda: names(target, ns, "s", ["s-0", "s-1"]))
    for name in ("s-0", "s-1"):
        make_ready(target, ns, name)
    target.http("PATCH", f"/apis/apps/v1/namespaces/{ns}/statefulsets/s",
                body={"spec": {"replicas": 0}}, content_type="application/merge-patch+json")
    eventually(lambda: names(target, ns, "s", []))

    def scaled() -> dict[str, Any]:
        status: dict[str, Any] = set_status(target, ns, "s")["status"]
        assert status.get("observedGeneration") == 2 and status["replicas"] == 0, status
        return status

    status = eventually(scaled)
    assert set(status) == {"replicas", "availableReplicas", "collisionCount",
                           "observedGeneration", "currentRevision", "updateRevision"}
    event_seen(target, ns, "s", ("SuccessfulDelete", "Delete Pod s-0 in StatefulSet s successful"))
    deletes = [m for r, m in events(target, ns, "s") if r == "SuccessfulDelete"]
    assert deletes == ["Delete Pod s-1 in StatefulSet s successful",
                       "Delete Pod s-0 in StatefulSet s successful"]
    claims = target.http("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims").json()
    assert sorted(c["metadata"]["name"] for c in claims["items"]) == ["data-s-0", "data-s-1"]


@behaviour("K8S-487", "a Parallel StatefulSet makes all its Pods at once, ready or not; a "
           "failed Pod is deleted and made again",
           cite=STATEFULSETS + "#parallel-pod-management and " + MEASURED)
def test_statefulset_parallel(target: Target) -> None:
    ns = target.namespace("sts-parallel")
    created(target, f"/apis/apps/v1/namespaces/{ns}/statefulsets",
            statefulset("p", 3, podManagementPolicy="Parallel"))
    found = eventually(lambda: names(target, ns, "p", ["p-0", "p-1", "p-2"]))
    assert [found[n]["metadata"]["labels"]["apps.kubernetes.io/pod-index"]
            for n in ("p-0", "p-1", "p-2")] == ["0", "1", "2"]
    answer = target.http("PATCH", f"/api/v1/namespaces/{ns}/pods/p-1/status",
                         body={"status": {"phase": "Failed"}},
                         content_type="application/merge-patch+json")
    assert answer.status_code == 200, answer.text

    def made_again() -> None:
        again = names(target, ns, "p", ["p-0", "p-1", "p-2"])["p-1"]
        assert again["metadata"]["uid"] != found["p-1"]["metadata"]["uid"]
        assert again["status"]["phase"] == "Pending"

    eventually(made_again)
    assert ("SuccessfulDelete", "Delete Pod p-1 in StatefulSet p successful") in events(
        target, ns, "p")


@behaviour("K8S-488", "a changed template is a new updateRevision: RollingUpdate replaces "
           "Ready Pods of the old revision from the highest ordinal, one at a time; when "
           "all are updated, currentRevision follows",
           cite=STATEFULSETS + "#rolling-updates and " + MEASURED)
def test_statefulset_rolling_update(target: Target) -> None:
    ns = target.namespace("sts-roll")
    created(target, f"/apis/apps/v1/namespaces/{ns}/statefulsets",
            statefulset("r", 2, podManagementPolicy="Parallel"))
    old = eventually(lambda: names(target, ns, "r", ["r-0", "r-1"]))["r-0"]["metadata"][
        "labels"]["controller-revision-hash"]
    for name in ("r-0", "r-1"):
        make_ready(target, ns, name)
    target.http("PATCH", f"/apis/apps/v1/namespaces/{ns}/statefulsets/r", body={"spec": {
        "template": {"metadata": {"annotations": {"v": "2"}}}}},
        content_type="application/merge-patch+json")

    def revisions(wanted: list[bool]) -> dict[str, dict[str, Any]]:
        found = names(target, ns, "r", ["r-0", "r-1"])
        assert [found[n]["metadata"]["labels"]["controller-revision-hash"] != old
                for n in ("r-0", "r-1")] == wanted
        return found

    eventually(lambda: revisions([False, True]))
    status = set_status(target, ns, "r")["status"]
    assert status["currentRevision"] == old and status["updateRevision"] != old
    make_ready(target, ns, "r-1")
    eventually(lambda: revisions([True, True]))
    make_ready(target, ns, "r-0")

    def rolled() -> None:
        status = set_status(target, ns, "r")["status"]
        assert status["currentRevision"] == status["updateRevision"] != old, status
        assert (status.get("updatedReplicas"), status.get("currentReplicas")) == (2, 2)

    eventually(rolled)


def node(target: Target, hint: str, labels: dict[str, str], **spec: Any) -> str:
    """A Node for this run (kwok runs it on real-local, so it is Ready and untainted)."""
    name = target.cluster_name(hint, "/api/v1/nodes")
    created(target, "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node", "metadata": {
            "name": name, "labels": labels,
            "annotations": {"kwok.x-k8s.io/node": "fake"}}, "spec": spec})
    return name


def daemonset(name: str, selector: dict[str, str], **pod_spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": {
                "metadata": {"labels": {"app": name}}, "spec": {
                    "nodeSelector": selector,
                    "containers": [{"name": "c", "image": "busybox"}], **pod_spec}}}}


def by_node(target: Target, ns: str, app: str) -> dict[str, dict[str, Any]]:
    found = {}
    for pod in pods(target, ns, app).values():
        terms = pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        found[terms[0]["matchFields"][0]["values"][0]] = pod
    return found


def on_nodes(target: Target, ns: str, app: str, wanted: list[str]) -> dict[str, Any]:
    found = by_node(target, ns, app)
    assert sorted(found) == sorted(wanted), sorted(found)
    return found


def ds_status(target: Target, ns: str, name: str, wanted: dict[str, Any]) -> dict[str, Any]:
    status: dict[str, Any] = target.http(
        "GET", f"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}").json().get("status", {})
    assert status == wanted, status
    return status


DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists",
     "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


@behaviour("K8S-490", "a DaemonSet makes one Pod per Node its nodeSelector (or required "
           "node affinity) matches and whose NoSchedule taints it tolerates, bound by a "
           "required node affinity on metadata.name alone, with the daemon tolerations "
           "after its own and its revision and template-generation labels; status counts "
           "the Nodes",
           cite=DAEMONSETS + "#how-daemon-pods-are-scheduled and " + MEASURED)
def test_daemonset_one_pod_per_node(target: Target) -> None:
    ns = target.namespace("ds-nodes")
    mark = {"vf-daemonset": target.run_id}
    plain = node(target, "ds-plain", mark)
    tainted = node(target, "ds-tainted", mark, taints=[
        {"key": "k", "value": "v", "effect": "NoSchedule"}])
    node(target, "ds-other", {})
    created(target, f"/apis/apps/v1/namespaces/{ns}/daemonsets", daemonset("d", mark))
    pod = eventually(lambda: on_nodes(target, ns, "d", [plain]))[plain]
    labels = pod["metadata"]["labels"]
    assert pod["metadata"]["generateName"] == "d-"
    assert set(labels) == {"app", "controller-revision-hash", "pod-template-generation"}
    assert labels["pod-template-generation"] == "1"
    assert pod["spec"]["tolerations"] == DAEMON_TOLERATIONS
    assert pod["spec"]["affinity"] == {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In",
                              "values": [plain]}]}]}}}
    assert "nodeName" not in pod["spec"]
    eventually(lambda: ds_status(target, ns, "d", {
        "desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberMisscheduled": 0,
        "numberReady": 0, "numberUnavailable": 1, "updatedNumberScheduled": 1,
        "observedGeneration": 1}))
    created_pods = [(r, m) for r, m in events(target, ns, "d")]
    assert created_pods == [("SuccessfulCreate", f"Created pod: {pod['metadata']['name']}")]
    assert tainted not in by_node(target, ns, "d")
    # Tolerating the taint, and choosing the Nodes by a required node affinity instead:
    # the Pod's affinity names its Node alone.
    toleration = {"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "vf-daemonset", "operator": "In", "values": [target.run_id]}]}]}}}
    created(target, f"/apis/apps/v1/namespaces/{ns}/daemonsets", daemonset(
        "t", {}, tolerations=[toleration], affinity=affinity))
    both = eventually(lambda: on_nodes(target, ns, "t", [plain, tainted]))
    assert both[tainted]["spec"]["tolerations"] == [toleration, *DAEMON_TOLERATIONS]
    assert both[tainted]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"] == {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In",
                              "values": [tainted]}]}]}


@behaviour("K8S-491", "a DaemonSet follows its Nodes: a Node that comes to match gets a "
           "Pod, a Node that stops matching loses it (SuccessfulDelete) by the DaemonSet's "
           "next sync; a Ready Pod counts as ready and available; a failed Pod is deleted "
           "(FailedDaemonPod) and made again",
           cite=DAEMONSETS + "#how-daemon-pods-are-scheduled and " + MEASURED)
def test_daemonset_follows_nodes(target: Target) -> None:
    ns = target.namespace("ds-follow")
    mark = {"vf-daemonset-follow": target.run_id}
    first = node(target, "ds-first", mark)
    created(target, f"/apis/apps/v1/namespaces/{ns}/daemonsets", daemonset("f", mark))
    pod = eventually(lambda: on_nodes(target, ns, "f", [first]))[first]
    make_ready(target, ns, pod["metadata"]["name"])
    second = node(target, "ds-second", mark)
    eventually(lambda: on_nodes(target, ns, "f", [first, second]))
    eventually(lambda: ds_status(target, ns, "f", {
        "desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberMisscheduled": 0,
        "numberReady": 1, "numberAvailable": 1, "numberUnavailable": 1,
        "updatedNumberScheduled": 2, "observedGeneration": 1}))
    target.http("PATCH", f"/api/v1/nodes/{first}", body={"metadata": {"labels": {
        next(iter(mark)): None}}}, content_type="application/merge-patch+json")
    # Measured: the real controller may act on a label removed only at its next sync of
    # the DaemonSet (any change to it), not at the Node's change.
    target.http("PATCH", f"/apis/apps/v1/namespaces/{ns}/daemonsets/f", body={
        "metadata": {"annotations": {"touched": "1"}}},
        content_type="application/merge-patch+json")
    eventually(lambda: on_nodes(target, ns, "f", [second]))
    event_seen(target, ns, "f", ("SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}"))
    eventually(lambda: ds_status(target, ns, "f", {
        "desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberMisscheduled": 0,
        "numberReady": 0, "numberUnavailable": 1, "updatedNumberScheduled": 1,
        "observedGeneration": 1}))
    # A failed daemon Pod is deleted and made again.
    failed = by_node(target, ns, "f")[second]["metadata"]["name"]
    answer = target.http("PATCH", f"/api/v1/namespaces/{ns}/pods/{failed}/status",
                         body={"status": {"phase": "Failed"}},
                         content_type="application/merge-patch+json")
    assert answer.status_code == 200, answer.text

    def replaced() -> None:
        again = by_node(target, ns, "f").get(second)
        assert again is not None and again["metadata"]["name"] != failed

    eventually(replaced)
    event_seen(target, ns, "f", ("FailedDaemonPod", f"Found failed daemon pod {ns}/{failed} "
                                 f"on node {second}, will try to kill it"))
    event_seen(target, ns, "f", ("SuccessfulDelete", f"Deleted pod: {failed}"))


VOLUMES = "https://kubernetes.io/docs/concepts/storage/persistent-volumes/"


def volume(target: Target, hint: str, storage: str, cls: str, **labels: str) -> str:
    name = target.cluster_name(hint, "/api/v1/persistentvolumes")
    made = created(target, "/api/v1/persistentvolumes", {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": labels},
        "spec": {"capacity": {"storage": storage}, "accessModes": ["ReadWriteOnce"],
                 "storageClassName": cls, "hostPath": {"path": "/tmp/" + name}}})
    assert made["status"]["phase"] == "Pending"
    assert made["status"]["lastPhaseTransitionTime"] == made["metadata"]["creationTimestamp"]
    assert (made["spec"]["persistentVolumeReclaimPolicy"], made["spec"]["volumeMode"]) == (
        "Retain", "Filesystem")
    return name


def claim(target: Target, ns: str, name: str, cls: str, **spec: Any) -> dict[str, Any]:
    return created(target, f"/api/v1/namespaces/{ns}/persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": cls,
                 "resources": {"requests": {"storage": "1Gi"}}, **spec}})


def read_volume(target: Target, name: str) -> dict[str, Any]:
    found: dict[str, Any] = target.http("GET", f"/api/v1/persistentvolumes/{name}").json()
    return found


def volume_phase(target: Target, name: str, phase: str) -> dict[str, Any]:
    found = read_volume(target, name)
    assert found["status"]["phase"] == phase, found["status"]
    return found


def claim_phase(target: Target, ns: str, name: str, phase: str) -> dict[str, Any]:
    found: dict[str, Any] = target.http(
        "GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}").json()
    assert found["status"]["phase"] == phase, found["status"]
    return found


@behaviour("K8S-495", "a new PersistentVolume is Pending, then Available; a Pending claim "
           "binds to the smallest Available volume of its class, access modes, size and "
           "selector: claimRef and bound-by-controller on the volume, volumeName and "
           "bind-completed on the claim, both Bound; the claim deleted, the volume is "
           "Released", cite=VOLUMES + "#binding and " + MEASURED)
def test_claim_binds_to_volume(target: Target) -> None:
    ns = target.namespace("pv-bind")
    cls = f"vf-{target.run_id}".lower()[:60]
    big = volume(target, "pv-big", "5Gi", cls, tier="fast")
    small = volume(target, "pv-small", "2Gi", cls, tier="fast")
    volume(target, "pv-slow", "1Gi", cls, tier="slow")
    eventually(lambda: volume_phase(target, small, "Available"))
    made = claim(target, ns, "c", cls, selector={"matchLabels": {"tier": "fast"}})
    bound = eventually(lambda: claim_phase(target, ns, "c", "Bound"))
    assert bound["spec"]["volumeName"] == small
    assert {k: v for k, v in bound["metadata"]["annotations"].items()
            if k.startswith("pv.kubernetes.io/")} == {
        "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes"}
    assert (bound["status"]["accessModes"], bound["status"]["capacity"]) == (
        ["ReadWriteOnce"], {"storage": "2Gi"})
    pv = eventually(lambda: volume_phase(target, small, "Bound"))
    assert pv["spec"]["claimRef"] == {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": "c", "namespace": ns,
        "uid": made["metadata"]["uid"], "resourceVersion": pv["spec"]["claimRef"][
            "resourceVersion"]}
    assert pv["metadata"]["annotations"] == {"pv.kubernetes.io/bound-by-controller": "yes"}
    assert read_volume(target, big)["status"]["phase"] == "Available"
    assert target.http("DELETE", f"/api/v1/namespaces/{ns}/persistentvolumeclaims/c"
                       ).status_code == 200
    released = eventually(lambda: volume_phase(target, small, "Released"))
    assert released["spec"]["claimRef"]["uid"] == made["metadata"]["uid"]


def _claim_event(target: Target, ns: str, name: str) -> tuple[str, str]:
    found = events(target, ns, name)
    assert found, found
    return found[0]


@behaviour("K8S-496", "a claim no volume fits stays Pending: with a storage class that "
           "does not exist, ProvisioningFailed; with none, FailedBinding",
           cite=VOLUMES + "#binding and " + MEASURED)
def test_claim_without_volume_stays_pending(target: Target) -> None:
    ns = target.namespace("pv-pending")
    claim(target, ns, "named", "vf-no-such-class")
    claim(target, ns, "unnamed", "")
    assert eventually(lambda: _claim_event(target, ns, "named")) == (
        "ProvisioningFailed", 'storageclass.storage.k8s.io "vf-no-such-class" not found')
    assert eventually(lambda: _claim_event(target, ns, "unnamed")) == (
        "FailedBinding", "no persistent volumes available for this claim and no storage "
        "class is set")
    assert claim_phase(target, ns, "named", "Pending")["spec"].get("volumeName") is None


@behaviour("K8S-497", "a claim naming a volume in volumeName binds to that one only "
           "(bind-completed, no bound-by-controller on the claim)",
           cite=VOLUMES + "#reserving-a-persistentvolume and " + MEASURED)
def test_claim_names_its_volume(target: Target) -> None:
    ns = target.namespace("pv-named")
    cls = f"vf-{target.run_id}-n".lower()[:60]
    volume(target, "pv-other", "1Gi", cls)
    wanted = volume(target, "pv-wanted", "3Gi", cls)
    claim(target, ns, "c", cls, volumeName=wanted)
    bound = eventually(lambda: claim_phase(target, ns, "c", "Bound"))
    assert bound["spec"]["volumeName"] == wanted
    assert {k: v for k, v in bound["metadata"]["annotations"].items()
            if k.startswith("pv.kubernetes.io/")} == {"pv.kubernetes.io/bind-completed": "yes"}
    assert eventually(lambda: volume_phase(target, wanted, "Bound"))["spec"]["claimRef"][
        "name"] == "c"


@behaviour("K8S-498", "a PersistentVolume prints as kube-apiserver prints it: capacity, "
           "access modes, reclaim policy, status, claim as <namespace>/<name>, storage "
           "class, attributes class, reason, age; volume mode wide",
           cite="https://kubernetes.io/docs/reference/using-api/api-concepts/"
                "#receiving-resources-as-tables and " + MEASURED)
def test_volume_table(target: Target) -> None:
    ns = target.namespace("pv-table")
    cls = f"vf-{target.run_id}-t".lower()[:60]
    name = volume(target, "pv-table", "2Gi", cls)
    claim(target, ns, "c", cls)
    eventually(lambda: volume_phase(target, name, "Bound"))
    table = target.http("GET", f"/api/v1/persistentvolumes/{name}", headers={
        "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}).json()
    assert [(c["name"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", 0), ("Capacity", 0), ("Access Modes", 0), ("Reclaim Policy", 0),
        ("Status", 0), ("Claim", 0), ("StorageClass", 0), ("VolumeAttributesClass", 0),
        ("Reason", 0), ("Age", 0), ("VolumeMode", 1)]
    [row] = table["rows"]
    cells = row["cells"]
    assert cells[:9] + cells[10:] == [name, "2Gi", "RWO", "Retain", "Bound", f"{ns}/c", cls,
                                      "<unset>", "", "Filesystem"]
