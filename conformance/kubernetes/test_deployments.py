"""What kube-controller-manager's Deployment and ReplicaSet controllers do: Pods from a
ReplicaSet's template, ReplicaSets from a Deployment's, rollouts, status and Events.

Most Pods here select no node, so on every target they stay ``Pending`` and never
become ready (real-local has no scheduler; the fake's finds no Node): those outcomes do
not wait on a kubelet. The Pods that must run name their node, ``fake-node`` (kwok's on
real-local, the fake's own kubelet on the fake).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, created
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

# Controllers and a node agent at work: skipped on a bare API server (profile api-only).
pytestmark = pytest.mark.usefixtures("needs_pods")

DEPLOYMENTS = "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/"
REPLICASETS = "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/"
HASH = re.compile(r"^[bcdfghjklmnpqrstvwxz2456789]{6,10}$")
TIMES = ("lastUpdateTime", "lastTransitionTime")
NO_NODE = "verified-fakes/no-such-node"


def _template(app: str, **spec: Any) -> dict[str, Any]:
    """A Pod template whose Pods no node takes (a node selector nothing matches), unless
    ``spec`` names a node."""
    placement = {} if "nodeName" in spec else {"nodeSelector": {NO_NODE: "true"}}
    return {"metadata": {"labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], **placement, **spec}}


def _deployment(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": _template(name), **spec}}


def _replica_set(name: str, replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": _template(name)}}


def _get(target: Target, path: str) -> dict[str, Any]:
    answer = target.http("GET", path)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _items(target: Target, path: str, selector: str = "") -> list[dict[str, Any]]:
    query = f"?labelSelector={selector}" if selector else ""
    return _get(target, path + query)["items"]  # type: ignore[no-any-return]


def _replica_sets(target: Target, ns: str, app: str) -> list[dict[str, Any]]:
    """The Deployment's ReplicaSets, by revision."""
    found = _items(target, f"/apis/apps/v1/namespaces/{ns}/replicasets", f"app={app}")
    return sorted(found, key=lambda rs: int(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))


def _only_replica_set(target: Target, ns: str) -> dict[str, Any]:
    found = _replica_sets(target, ns, "web")
    assert len(found) == 1, found
    return found[0]


def _conditions(obj: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(type, status, reason, message) of each condition, in order; each has its times."""
    conditions = obj.get("status", {}).get("conditions") or []
    for condition in conditions:
        assert all(condition.get(t) for t in TIMES if t in condition), condition
    return [(c["type"], c["status"], c["reason"], c["message"]) for c in conditions]


def _events(target: Target, ns: str, name: str) -> list[tuple[str, str, str, str]]:
    """(type, reason, message, component) of the Events about ``name``, oldest first."""
    # Through the typed client: kcm writes "eventTime": null, which the published
    # schema's string type does not allow, so the raw answers' schema check would refuse it.
    found = target.api("CoreV1Api").list_namespaced_event(ns).items
    found.sort(key=lambda e: (e.first_timestamp, e.metadata.name))
    return [(e.type, e.reason, e.message, e.source.component)
            for e in found if e.involved_object.name == name]


def _time_passes(target: Target, seconds: float) -> None:
    """``seconds`` go by: the target's clock is moved, or real time is waited out."""
    if target.capabilities.virtual_clock:
        target.advance_clock(seconds)
    else:
        time.sleep(seconds)


@behaviour("K8S-430", "a Deployment gets a ReplicaSet <name>-<pod-template-hash> owned by it "
           "(controller, blockOwnerDeletion), the hash in its labels, selector and template, "
           "revision 1 and the desired/max replicas annotations; the ReplicaSet makes its Pods "
           "with generateName <replicaset>-, the template's labels and an ownerReference",
           cite=DEPLOYMENTS + "#creating-a-deployment and " + MEASURED)
def test_deployment_makes_a_replica_set_and_pods(target: Target) -> None:
    ns = target.namespace("deploy-make")
    made = created(target, f"/apis/apps/v1/namespaces/{ns}/deployments",
                   _deployment("web", 3, revisionHistoryLimit=4))

    def settled() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rs = _only_replica_set(target, ns)
        pods = _items(target, f"/api/v1/namespaces/{ns}/pods", "app=web")
        assert len(pods) == 3
        return rs, pods

    rs, pods = eventually(settled)
    digest = rs["metadata"]["labels"]["pod-template-hash"]
    assert HASH.match(digest), digest
    assert rs["metadata"]["name"] == f"web-{digest}"
    assert rs["metadata"]["labels"] == {"app": "web", "pod-template-hash": digest}
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4"}
    assert rs["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
        "uid": made["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    assert rs["spec"]["replicas"] == 3
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": digest}}
    assert rs["spec"]["template"]["metadata"]["labels"] == rs["metadata"]["labels"]
    for pod in pods:
        assert pod["metadata"]["generateName"] == f"web-{digest}-"
        assert pod["metadata"]["name"].startswith(f"web-{digest}-")
        assert pod["metadata"]["labels"] == rs["metadata"]["labels"]
        assert pod["metadata"]["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"],
            "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    deployment = _get(target, f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert deployment["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}


@behaviour("K8S-431", "while its Pods do not run, a Deployment's status counts them updated "
           "but unavailable: Available False (MinimumReplicasUnavailable), Progressing True "
           "(ReplicaSetUpdated, 'ReplicaSet \"X\" is progressing.'); the ReplicaSet's status "
           "counts replicas and fullyLabeledReplicas, zeros left out but terminatingReplicas",
           cite=DEPLOYMENTS + "#deployment-status and " + MEASURED)
def test_status_while_pods_do_not_run(target: Target) -> None:
    ns = target.namespace("deploy-status")
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment("web", 3))
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"

    def settled() -> dict[str, Any]:
        deployment = _get(target, path)
        assert deployment["status"].get("replicas") == 3
        assert _conditions(deployment)[-1][2] == "ReplicaSetUpdated"
        return deployment

    deployment = eventually(settled)
    rs = _only_replica_set(target, ns)
    name = rs["metadata"]["name"]
    status = {k: v for k, v in deployment["status"].items() if k != "conditions"}
    assert status == {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3,
                      "unavailableReplicas": 3, "terminatingReplicas": 0}
    assert _conditions(deployment) == [
        ("Available", "False", "MinimumReplicasUnavailable",
         "Deployment does not have minimum availability."),
        ("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.')]
    assert eventually(lambda: _settled_rs(target, ns, name, 3)) == {
        "replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1,
        "terminatingReplicas": 0}


def _settled_rs(target: Target, ns: str, name: str, replicas: int) -> dict[str, Any]:
    rs = _get(target, f"/apis/apps/v1/namespaces/{ns}/replicasets/{name}")
    assert rs["status"].get("replicas") == replicas
    assert rs["status"].get("observedGeneration") == rs["metadata"]["generation"]
    return rs["status"]  # type: ignore[no-any-return]


@behaviour("K8S-432", "the controllers record Events: SuccessfulCreate 'Created pod: NAME' "
           "per Pod from replicaset-controller, ScalingReplicaSet 'Scaled up replica set X "
           "from 0 to 3' from deployment-controller; scaled to zero, 'Scaled down replica set X "
           "from 3 to 0' and SuccessfulDelete 'Deleted pod: NAME', and the Deployment has "
           "minimum availability with its rollout complete (NewReplicaSetAvailable)",
           cite=DEPLOYMENTS + "#scaling-a-deployment and " + MEASURED)
def test_events_and_scaling_to_zero(target: Target) -> None:
    ns = target.namespace("deploy-events")
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment("web", 3))

    def three_pods() -> list[str]:
        names = sorted(p["metadata"]["name"]
                       for p in _items(target, f"/api/v1/namespaces/{ns}/pods", "app=web"))
        assert len(names) == 3
        return names

    pods = eventually(three_pods)
    rs = _only_replica_set(target, ns)
    name = rs["metadata"]["name"]

    def made() -> None:
        events = _events(target, ns, name)
        assert sorted(events) == sorted(
            ("Normal", "SuccessfulCreate", f"Created pod: {pod}", "replicaset-controller")
            for pod in pods)
        assert _events(target, ns, "web") == [
            ("Normal", "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to 3",
             "deployment-controller")]

    eventually(made)
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    target.http("PATCH", path, body={"spec": {"replicas": 0}},
                content_type="application/merge-patch+json")

    def scaled_down() -> dict[str, Any]:
        deployment = _get(target, path)
        assert deployment["status"].get("observedGeneration") == 2
        assert _conditions(deployment)[-1][2] == "NewReplicaSetAvailable"
        assert _items(target, f"/api/v1/namespaces/{ns}/pods", "app=web") == []
        return deployment

    deployment = eventually(scaled_down)
    assert {k: v for k, v in deployment["status"].items() if k != "conditions"} == {
        "observedGeneration": 2, "terminatingReplicas": 0}
    assert _conditions(deployment) == [
        ("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable",
         f'ReplicaSet "{name}" has successfully progressed.')]
    assert eventually(lambda: _settled_rs(target, ns, name, 0)) == {
        "replicas": 0, "observedGeneration": 2, "terminatingReplicas": 0}
    assert _events(target, ns, "web")[-1] == (
        "Normal", "ScalingReplicaSet", f"Scaled down replica set {name} from 3 to 0",
        "deployment-controller")
    deleted = [e for e in _events(target, ns, name) if e[1] == "SuccessfulDelete"]
    assert sorted(deleted) == sorted(
        ("Normal", "SuccessfulDelete", f"Deleted pod: {pod}", "replicaset-controller")
        for pod in pods)


@behaviour("K8S-433", "a ReplicaSet adopts a Pod without a controller that its selector "
           "matches (and makes fewer Pods), and releases an owned Pod whose labels stop "
           "matching (ownerReference removed) and makes another in its place",
           cite=REPLICASETS + "#non-template-pod-acquisitions and " + MEASURED)
def test_replica_set_adopts_and_releases(target: Target) -> None:
    ns = target.namespace("rs-adopt")
    pods_path = f"/api/v1/namespaces/{ns}/pods"
    orphan = created(target, pods_path, {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "orphan", "labels": {"app": "rs"}},
        "spec": _template("rs")["spec"]})
    rs = created(target, f"/apis/apps/v1/namespaces/{ns}/replicasets", _replica_set("rs", 2))

    def two_owned() -> list[dict[str, Any]]:
        pods = _items(target, pods_path, "app=rs")
        assert len(pods) == 2
        assert all(p["metadata"].get("ownerReferences") for p in pods)
        return pods

    pods = eventually(two_owned)
    adopted = next(p for p in pods if p["metadata"]["name"] == "orphan")
    assert adopted["metadata"]["uid"] == orphan["metadata"]["uid"]
    assert adopted["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
        "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    target.http("PATCH", f"{pods_path}/orphan", body={"metadata": {"labels": {"app": "gone"}}},
                content_type="application/merge-patch+json")

    def released() -> None:
        assert "ownerReferences" not in _get(target, f"{pods_path}/orphan")["metadata"]
        assert len(two_owned()) == 2

    eventually(released)


@behaviour("K8S-434", "scaling a ReplicaSet down deletes the Pods with the lowest "
           "controller.kubernetes.io/pod-deletion-cost first",
           cite="https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/"
                "#pod-deletion-cost and " + MEASURED)
def test_scale_down_follows_the_deletion_cost(target: Target) -> None:
    ns = target.namespace("rs-cost")
    pods_path = f"/api/v1/namespaces/{ns}/pods"
    created(target, f"/apis/apps/v1/namespaces/{ns}/replicasets", _replica_set("rs", 3))
    names = eventually(lambda: _count(target, pods_path, 3))
    for cost, pod in zip(("5", "-5", "100"), names, strict=True):
        target.http("PATCH", f"{pods_path}/{pod}", content_type="application/merge-patch+json",
                    body={"metadata": {"annotations": {
                        "controller.kubernetes.io/pod-deletion-cost": cost}}})
    target.http("PATCH", f"/apis/apps/v1/namespaces/{ns}/replicasets/rs",
                body={"spec": {"replicas": 1}}, content_type="application/merge-patch+json")
    assert eventually(lambda: _count(target, pods_path, 1)) == [names[2]]


def _count(target: Target, path: str, count: int) -> list[str]:
    names = sorted(p["metadata"]["name"] for p in _items(target, path)
                   if not p["metadata"].get("deletionTimestamp"))
    assert len(names) == count, names
    return names


@behaviour("K8S-435", "a new template rolls out as a new ReplicaSet (revision 2) within "
           "maxSurge and maxUnavailable (25% of 4: one over, one under): with Pods that never "
           "become available it stops at 2 new and 3 old, all 5 unavailable; the Deployment "
           "takes revision 2",
           cite=DEPLOYMENTS + "#rolling-update-deployment and " + MEASURED)
def test_rolling_update_respects_surge_and_unavailability(target: Target) -> None:
    ns = target.namespace("deploy-roll")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment("web", 4))
    eventually(lambda: _sizes(target, ns, [4]))
    target.http("PATCH", path, content_type="application/merge-patch+json", body={
        "spec": {"template": {"metadata": {"annotations": {"rollout": "2"}}}}})
    eventually(lambda: _sizes(target, ns, [3, 2]))
    old, new = _replica_sets(target, ns, "web")
    assert new["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "2",
        "deployment.kubernetes.io/desired-replicas": "4",
        "deployment.kubernetes.io/max-replicas": "5"}
    assert old["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    new_name, old_name = new["metadata"]["name"], old["metadata"]["name"]

    def rolled() -> None:
        deployment = _get(target, path)
        assert deployment["metadata"]["annotations"] == {
            "deployment.kubernetes.io/revision": "2"}
        status = {k: v for k, v in deployment["status"].items() if k != "conditions"}
        assert status == {"observedGeneration": 2, "replicas": 5, "updatedReplicas": 2,
                          "unavailableReplicas": 5, "terminatingReplicas": 0}

    eventually(rolled)
    assert [e[2] for e in _events(target, ns, "web")] == [
        f"Scaled up replica set {old_name} from 0 to 4",
        f"Scaled up replica set {new_name} from 0 to 1",
        f"Scaled down replica set {old_name} from 4 to 3",
        f"Scaled up replica set {new_name} from 1 to 2"]


def _sizes(target: Target, ns: str, sizes: list[int]) -> None:
    found = _replica_sets(target, ns, "web")
    assert [rs["spec"]["replicas"] for rs in found] == sizes
    assert [rs["status"].get("replicas") for rs in found] == sizes


@behaviour("K8S-436", "Recreate scales the old ReplicaSet to zero, then makes the new one "
           "at full size once the old Pods are gone",
           cite=DEPLOYMENTS + "#recreate-deployment and " + MEASURED)
def test_recreate(target: Target) -> None:
    ns = target.namespace("deploy-recreate")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments",
            _deployment("web", 2, strategy={"type": "Recreate"}))
    eventually(lambda: _sizes(target, ns, [2]))
    target.http("PATCH", path, content_type="application/merge-patch+json", body={
        "spec": {"template": {"metadata": {"annotations": {"rollout": "2"}}}}})
    eventually(lambda: _sizes(target, ns, [0, 2]))
    old, new = (rs["metadata"]["name"] for rs in _replica_sets(target, ns, "web"))
    assert [e[2] for e in _events(target, ns, "web")] == [
        f"Scaled up replica set {old} from 0 to 2",
        f"Scaled down replica set {old} from 2 to 0",
        f"Scaled up replica set {new} from 0 to 2"]


@behaviour("K8S-437", "a rollout that makes no progress for progressDeadlineSeconds turns "
           "Progressing False with reason ProgressDeadlineExceeded and the message "
           "'ReplicaSet \"X\" has timed out progressing.'",
           cite=DEPLOYMENTS + "#failed-deployment and " + MEASURED)
def test_progress_deadline(target: Target) -> None:
    ns = target.namespace("deploy-deadline")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments",
            _deployment("web", 1, progressDeadlineSeconds=2))
    eventually(lambda: _sizes(target, ns, [1]))
    _time_passes(target, 4)
    rs = _only_replica_set(target, ns)

    def timed_out() -> None:
        assert _conditions(_get(target, path))[-1] == (
            "Progressing", "False", "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.')

    eventually(timed_out)


@behaviour("K8S-438", "revisionHistoryLimit keeps that many old ReplicaSets once a rollout "
           "completes (the oldest empty ones are deleted); undoing to a template seen before "
           "brings its ReplicaSet back with the next revision and the old number in "
           "deployment.kubernetes.io/revision-history",
           cite=DEPLOYMENTS + "#clean-up-policy and " + MEASURED)
def test_history_limit_and_undo(target: Target) -> None:
    ns = target.namespace("deploy-history")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments",
            _deployment("web", 0, revisionHistoryLimit=1))
    for rollout in ("2", "3", "2"):
        target.http("PATCH", path, content_type="application/merge-patch+json", body={
            "spec": {"template": {"metadata": {"annotations": {"rollout": rollout}}}}})
        eventually(lambda: _observed(target, path))

    def pruned() -> None:
        found = _replica_sets(target, ns, "web")
        revisions = [(rs["spec"]["template"]["metadata"].get("annotations", {}).get("rollout"),
                      rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
                      rs["metadata"]["annotations"].get(
                          "deployment.kubernetes.io/revision-history"))
                     for rs in found]
        assert revisions == [("3", "3", None), ("2", "4", "2")]

    eventually(pruned)
    assert _get(target, path)["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "4"}


def _observed(target: Target, path: str) -> None:
    deployment = _get(target, path)
    assert deployment["status"].get("observedGeneration") == deployment["metadata"]["generation"]


@behaviour("K8S-439", "kubectl drives Deployments as it drives a real cluster: rollout status "
           "waits for the rollout, rollout history lists revisions with their change-cause, "
           "rollout undo brings the previous template back as the next revision, scale "
           "resizes the current ReplicaSet",
           cite="https://kubernetes.io/docs/reference/kubectl/generated/kubectl_rollout/ and "
                + MEASURED)
def test_kubectl_rollout(target: Target) -> None:
    ns = target.namespace("deploy-kubectl")
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment("web", 0))

    def kubectl(*args: str) -> str:
        done = target.kubectl("-n", ns, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert kubectl("rollout", "status", "deployment/web", "--timeout=60s") == (
        'deployment "web" successfully rolled out\n')
    kubectl("set", "image", "deployment/web", "c=nginx:2")
    kubectl("annotate", "deployment/web", "kubernetes.io/change-cause=nginx 2")
    eventually(lambda: _observed(target, f"/apis/apps/v1/namespaces/{ns}/deployments/web"))
    assert kubectl("rollout", "status", "deployment/web", "--timeout=60s") == (
        'deployment "web" successfully rolled out\n')
    assert kubectl("rollout", "history", "deployment/web").split("\n")[1:] == [
        "REVISION  CHANGE-CAUSE", "1         <none>", "2         nginx 2", "", ""]
    assert kubectl("rollout", "undo", "deployment/web") == "deployment.apps/web rolled back\n"

    def undone() -> None:
        found = _replica_sets(target, ns, "web")
        assert [rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                for rs in found] == ["2", "3"]
        assert found[1]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"

    eventually(undone)
    assert kubectl("scale", "deployment/web", "--replicas=2") == "deployment.apps/web scaled\n"
    eventually(lambda: _sizes(target, ns, [0, 2]))


@behaviour("K8S-440", "a Deployment made paused gets no ReplicaSet, even when its template "
           "and replicas change, and says so (Progressing Unknown, DeploymentPaused, "
           "'Deployment is paused', then Available False); resumed, it rolls out "
           "(ReplicaSetUpdated)",
           cite=DEPLOYMENTS + "#pausing-and-resuming-a-deployment and " + MEASURED)
def test_pause_and_resume(target: Target) -> None:
    ns = target.namespace("deploy-pause")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments",
            _deployment("web", 1, paused=True))
    paused = [("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"),
              ("Available", "False", "MinimumReplicasUnavailable",
               "Deployment does not have minimum availability.")]

    def settled(generation: int) -> None:
        deployment = _get(target, path)
        assert deployment.get("status", {}).get("observedGeneration") == generation
        assert _conditions(deployment) == paused
        assert _replica_sets(target, ns, "web") == []

    eventually(lambda: settled(1))
    target.http("PATCH", path, content_type="application/merge-patch+json", body={
        "spec": {"replicas": 2, "template": {"metadata": {"annotations": {"rollout": "2"}}}}})
    eventually(lambda: settled(2))
    target.http("PATCH", path, content_type="application/merge-patch+json",
                body={"spec": {"paused": False}})
    eventually(lambda: _sizes(target, ns, [2]))

    def rolling() -> None:
        assert [c[:3] for c in _conditions(_get(target, path))] == [
            ("Available", "False", "MinimumReplicasUnavailable"),
            ("Progressing", "True", "ReplicaSetUpdated")]

    eventually(rolling)


@behaviour("K8S-441", "scaling a Deployment in the middle of a rollout shares the new replicas "
           "out in proportion to the ReplicaSets' sizes (the documentation's example: 10 "
           "replicas, maxSurge 3, maxUnavailable 2, stuck at 8 old and 5 new; scaled to 15, "
           "3 more go to the old ReplicaSet and 2 to the new; scaled to 0, both empty)",
           cite=DEPLOYMENTS + "#proportional-scaling and " + MEASURED)
def test_proportional_scaling(target: Target) -> None:
    ns = target.namespace("deploy-proportion")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment(
        "web", 10, strategy={"type": "RollingUpdate",
                             "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}))
    eventually(lambda: _sizes(target, ns, [10]))
    target.http("PATCH", path, content_type="application/merge-patch+json", body={
        "spec": {"template": {"metadata": {"annotations": {"rollout": "2"}}}}})
    eventually(lambda: _sizes(target, ns, [8, 5]))
    target.http("PATCH", path, content_type="application/merge-patch+json",
                body={"spec": {"replicas": 15}})
    eventually(lambda: _sizes(target, ns, [11, 7]))
    for rs in _replica_sets(target, ns, "web"):
        annotations = rs["metadata"]["annotations"]
        assert (annotations["deployment.kubernetes.io/desired-replicas"],
                annotations["deployment.kubernetes.io/max-replicas"]) == ("15", "18")
    target.http("PATCH", path, content_type="application/merge-patch+json",
                body={"spec": {"replicas": 0}})
    eventually(lambda: _sizes(target, ns, [0, 0]))


@behaviour("K8S-442", "a Deployment adopts a ReplicaSet without a controller that its "
           "selector matches (an old one, as its template differs) and releases an owned "
           "ReplicaSet whose labels stop matching",
           cite="https://kubernetes.io/docs/concepts/overview/working-with-objects/"
                "owners-dependents/ and " + MEASURED)
def test_deployment_adopts_and_releases_replica_sets(target: Target) -> None:
    ns = target.namespace("deploy-adopt")
    orphan = _replica_set("web", 2)
    orphan["metadata"]["labels"] = {"app": "web"}
    orphan["spec"]["template"]["metadata"]["annotations"] = {"made": "by hand"}
    created(target, f"/apis/apps/v1/namespaces/{ns}/replicasets", orphan)
    made = created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment("web", 2))
    rs_path = f"/apis/apps/v1/namespaces/{ns}/replicasets/web"

    def adopted() -> None:
        rs = _get(target, rs_path)
        assert [r["uid"] for r in rs["metadata"].get("ownerReferences") or ()] == [
            made["metadata"]["uid"]]
        found = _items(target, f"/apis/apps/v1/namespaces/{ns}/replicasets", "app=web")
        assert sorted(r["spec"]["replicas"] for r in found) == [1, 2]

    eventually(adopted)
    target.http("PATCH", rs_path, content_type="application/merge-patch+json",
                body={"metadata": {"labels": {"app": "other"}}})
    eventually(lambda: _assert_no_owner(target, rs_path))


def _assert_no_owner(target: Target, path: str) -> None:
    assert "ownerReferences" not in _get(target, path)["metadata"]


@behaviour("K8S-443", "a ReplicaSet without a controller whose template is the Deployment's "
           "becomes its new ReplicaSet: adopted, given revision 1 and the Deployment's "
           "minReadySeconds (no replicas annotations: it is never scaled), and no other "
           "ReplicaSet is made",
           cite=DEPLOYMENTS + "#creating-a-deployment and " + MEASURED)
def test_an_orphan_with_the_template_becomes_the_new_replica_set(target: Target) -> None:
    ns = target.namespace("deploy-found")
    orphan = _replica_set("web", 2)
    orphan["metadata"]["labels"] = {"app": "web"}  # a Deployment selects on these
    created(target, f"/apis/apps/v1/namespaces/{ns}/replicasets", orphan)
    made = created(target, f"/apis/apps/v1/namespaces/{ns}/deployments",
                   _deployment("web", 2, minReadySeconds=5))

    def found() -> dict[str, Any]:
        found = _items(target, f"/apis/apps/v1/namespaces/{ns}/replicasets")
        assert len(found) == 1, found
        rs = found[0]
        assert [r["uid"] for r in rs["metadata"].get("ownerReferences") or ()] == [
            made["metadata"]["uid"]]
        assert rs["spec"].get("minReadySeconds") == 5
        return rs

    rs = eventually(found)
    assert rs["metadata"]["name"] == "web"
    # Already the right size, it is never scaled: no replicas annotations.
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    assert rs["spec"]["replicas"] == 2


def _running(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    """A Deployment whose Pods run on fake-node."""
    deployment = _deployment(name, replicas, **spec)
    deployment["spec"]["template"] = _template(name, nodeName="fake-node")
    return deployment


@behaviour("K8S-444", "once its Pods run and are ready, a Deployment is Available "
           "(MinimumReplicasAvailable) and its rollout complete (NewReplicaSetAvailable, "
           "'ReplicaSet \"X\" has successfully progressed.'), every count filled in",
           cite=DEPLOYMENTS + "#complete-deployment and " + MEASURED)
def test_running_pods_make_a_deployment_available(target: Target) -> None:
    ns = target.namespace("deploy-available")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _running("web", 2))

    def complete() -> dict[str, Any]:
        _time_passes(target, 1)
        deployment = _get(target, path)
        assert deployment["status"].get("availableReplicas") == 2
        assert _conditions(deployment)[-1][2] == "NewReplicaSetAvailable"
        return deployment

    deployment = eventually(complete)
    name = _only_replica_set(target, ns)["metadata"]["name"]
    assert {k: v for k, v in deployment["status"].items() if k != "conditions"} == {
        "observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
        "availableReplicas": 2, "terminatingReplicas": 0}
    assert _conditions(deployment) == [
        ("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable",
         f'ReplicaSet "{name}" has successfully progressed.')]
    assert eventually(lambda: _settled_rs(target, ns, name, 2)) == {
        "replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
        "observedGeneration": 1, "terminatingReplicas": 0}


@behaviour("K8S-445", "with running Pods a rolling update completes: the new ReplicaSet "
           "grows one Pod over the count while the old shrinks as new Pods become available, "
           "until the old is empty",
           cite=DEPLOYMENTS + "#rolling-update-deployment and " + MEASURED)
def test_a_rolling_update_completes(target: Target) -> None:
    ns = target.namespace("deploy-complete")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments", _running("web", 2))
    eventually(lambda: _available(target, path, 2))
    target.http("PATCH", path, content_type="application/merge-patch+json", body={
        "spec": {"template": {"metadata": {"annotations": {"rollout": "2"}}}}})

    def rolled() -> None:
        _time_passes(target, 1)
        _sizes(target, ns, [0, 2])
        _available(target, path, 2)
        deployment = _get(target, path)
        assert deployment["status"].get("updatedReplicas") == 2
        assert deployment["status"].get("observedGeneration") == 2
        assert _conditions(deployment)[-1][2] == "NewReplicaSetAvailable"

    eventually(rolled)
    old, new = (rs["metadata"]["name"] for rs in _replica_sets(target, ns, "web"))
    assert [e[2] for e in _events(target, ns, "web")] == [
        f"Scaled up replica set {old} from 0 to 2",
        f"Scaled up replica set {new} from 0 to 1",
        f"Scaled down replica set {old} from 2 to 1",
        f"Scaled up replica set {new} from 1 to 2",
        f"Scaled down replica set {old} from 1 to 0"]


def _available(target: Target, path: str, count: int) -> None:
    _time_passes(target, 1)
    assert _get(target, path)["status"].get("availableReplicas") == count


@behaviour("K8S-446", "a ready Pod counts as available only after minReadySeconds",
           cite=DEPLOYMENTS + "#min-ready-seconds and " + MEASURED)
def test_min_ready_seconds(target: Target) -> None:
    ns = target.namespace("deploy-minready")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    created(target, f"/apis/apps/v1/namespaces/{ns}/deployments",
            _running("web", 1, minReadySeconds=20))

    def ready() -> dict[str, Any]:
        status = _get(target, path)["status"]
        assert status.get("readyReplicas") == 1
        return status  # type: ignore[no-any-return]

    status = eventually(ready)
    assert "availableReplicas" not in status
    _time_passes(target, 21)
    eventually(lambda: _available(target, path, 1))


@behaviour("K8S-447", "when the name <deployment>-<hash> is taken by a ReplicaSet the "
           "Deployment does not control, it counts a collision (status.collisionCount) and "
           "names its ReplicaSet from a new hash",
           cite=DEPLOYMENTS + "#collision-count and " + MEASURED)
def test_a_taken_name_counts_a_collision(target: Target) -> None:
    ns = target.namespace("deploy-collide")
    collection = f"/apis/apps/v1/namespaces/{ns}/deployments"
    created(target, collection, _deployment("web", 0))
    first = eventually(lambda: _only_replica_set(target, ns))["metadata"]["name"]
    answer = target.http("DELETE", f"{collection}/web", body={"propagationPolicy": "Orphan"})
    assert answer.status_code == 200, answer.text
    rs_path = f"/apis/apps/v1/namespaces/{ns}/replicasets/{first}"
    eventually(lambda: _assert_no_owner(target, rs_path))
    target.http("PATCH", rs_path, content_type="application/merge-patch+json",
                body={"metadata": {"labels": {"app": "elsewhere"}}})
    created(target, collection, _deployment("web", 0))

    def collided() -> None:
        assert _get(target, f"{collection}/web")["status"].get("collisionCount") == 1
        names = [rs["metadata"]["name"] for rs in _replica_sets(target, ns, "web")]
        assert len(names) == 1 and names[0] != first and names[0].startswith("web-"), names

    eventually(collided)
    _assert_no_owner(target, rs_path)
