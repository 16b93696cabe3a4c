"""The Deployment and ReplicaSet controllers on the fake's clock, with Pods marked ready
through the status subresource (as a kubelet would)."""

from __future__ import annotations

import shutil
import subprocess
import time
from typing import Any

import pytest

from fakes.kubernetes import FakeCluster
from fakes.kubernetes._deployments import fenceposts, scaled, template_hash

NS = "default"


def deployment(name: str = "web", replicas: int = 3, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
                     **spec}}


def cluster() -> FakeCluster:
    """A cluster whose Pods are never scheduled: the tests make them ready themselves."""
    fake = FakeCluster()
    fake.controllers.disable("scheduler")
    return fake


def mark_ready(fake: FakeCluster, *, only: int | None = None) -> list[str]:
    """Mark Pods not yet ready as Running and Ready now (the first ``only`` of them)."""
    rt = fake.store.types.get("", "v1", "pods")
    assert rt is not None
    marked = []
    for pod in fake.list("Pod", NS):
        conditions = (pod.get("status") or {}).get("conditions") or []
        if pod["metadata"].get("deletionTimestamp") or any(
                c["type"] == "Ready" and c["status"] == "True" for c in conditions):
            continue
        if only is not None and len(marked) >= only:
            break
        now = fake.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        pod["status"] = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": now}]}
        fake.store.update(rt, NS, pod["metadata"]["name"], pod, "kubelet", subresource="status")
        marked.append(pod["metadata"]["name"])
    return marked


def conditions(obj: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in obj["status"].get("conditions", [])}


def sizes(fake: FakeCluster) -> list[int]:
    found = fake.list("ReplicaSet", NS)
    found.sort(key=lambda rs: int(rs["metadata"]["annotations"][
        "deployment.kubernetes.io/revision"]))
    return [rs["spec"]["replicas"] for rs in found]


def roll(fake: FakeCluster, version: str, name: str = "web") -> None:
    d = fake.get("Deployment", name, NS)
    d["spec"]["template"]["metadata"]["annotations"] = {"version": version}
    fake.apply(d)


def test_ready_pods_make_the_deployment_available() -> None:
    fake = cluster()
    fake.apply(deployment())
    assert conditions(fake.get("Deployment", "web", NS))["Available"] == (
        "False", "MinimumReplicasUnavailable")
    mark_ready(fake, only=2)  # 2 of 3: maxUnavailable 25% of 3 rounds down to 0
    assert conditions(fake.get("Deployment", "web", NS))["Available"][0] == "False"
    mark_ready(fake)
    d = fake.get("Deployment", "web", NS)
    assert conditions(d) == {"Available": ("True", "MinimumReplicasAvailable"),
                             "Progressing": ("True", "NewReplicaSetAvailable")}
    assert {k: v for k, v in d["status"].items() if k != "conditions"} == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
        "availableReplicas": 3, "terminatingReplicas": 0}


def test_min_ready_seconds_count_on_the_fake_clock() -> None:
    fake = cluster()
    fake.apply(deployment(replicas=1, minReadySeconds=30))
    mark_ready(fake)
    [rs] = fake.list("ReplicaSet", NS)
    assert rs["spec"]["minReadySeconds"] == 30
    assert rs["status"]["readyReplicas"] == 1 and "availableReplicas" not in rs["status"]
    fake.clock.advance(29)
    assert "availableReplicas" not in fake.list("ReplicaSet", NS)[0]["status"]
    fake.clock.advance(1)
    assert fake.list("ReplicaSet", NS)[0]["status"]["availableReplicas"] == 1
    assert conditions(fake.get("Deployment", "web", NS))["Available"][0] == "True"


def test_a_rolling_update_completes_as_pods_become_ready() -> None:
    fake = cluster()
    fake.apply(deployment(replicas=4))
    mark_ready(fake)
    roll(fake, "2")
    assert sizes(fake) == [3, 2]  # one surge, one unavailable
    for _ in range(10):
        if not mark_ready(fake):
            break
    assert sizes(fake) == [0, 4]
    d = fake.get("Deployment", "web", NS)
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert conditions(d)["Progressing"] == ("True", "NewReplicaSetAvailable")
    assert d["status"]["updatedReplicas"] == 4 and d["status"]["availableReplicas"] == 4
    events = [e["message"] for e in fake.list("Event", NS)
              if e["involvedObject"]["kind"] == "Deployment"]
    assert events[0].startswith("Scaled up replica set web-") and events[0].endswith("0 to 4")
    assert events[-1].endswith("from 1 to 0")


def test_progress_deadline_on_the_clock_and_pause() -> None:
    fake = cluster()
    fake.apply(deployment(replicas=1, progressDeadlineSeconds=60))
    fake.clock.advance(60)
    assert conditions(fake.get("Deployment", "web", NS))["Progressing"][0] == "True"
    fake.clock.advance(5)
    assert conditions(fake.get("Deployment", "web", NS))["Progressing"] == (
        "False", "ProgressDeadlineExceeded")
    d = fake.get("Deployment", "web", NS)
    d["spec"]["paused"] = True
    fake.apply(d)
    assert conditions(fake.get("Deployment", "web", NS))["Progressing"] == (
        "Unknown", "DeploymentPaused")
    roll(fake, "2")
    assert sizes(fake) == [1]  # paused: no new ReplicaSet
    d = fake.get("Deployment", "web", NS)
    d["spec"]["paused"] = False
    fake.apply(d)
    assert sizes(fake) == [1, 1]  # the old Pod is not available: none may go
    assert conditions(fake.get("Deployment", "web", NS))["Progressing"] == (
        "True", "ReplicaSetUpdated")


def test_scaling_mid_rollout_is_shared_in_proportion() -> None:
    fake = cluster()
    # The documentation's example (#proportional-scaling): 10 replicas, maxSurge 3,
    # maxUnavailable 2, a rollout stuck at 8 old and 5 new; scaled to 15, the 5 more
    # go 3 to the old ReplicaSet and 2 to the new.
    fake.apply(deployment(replicas=10, strategy={"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": 3, "maxUnavailable": 2}}))
    mark_ready(fake)
    roll(fake, "2")
    assert sizes(fake) == [8, 5]
    d = fake.get("Deployment", "web", NS)
    d["spec"]["replicas"] = 15
    fake.apply(d)
    assert sizes(fake) == [11, 7]


def test_recreate_waits_for_old_pods() -> None:
    fake = cluster()
    fake.apply(deployment(replicas=2, strategy={"type": "Recreate"}))
    mark_ready(fake)
    roll(fake, "2")
    assert sizes(fake) == [0, 2]
    assert len(fake.list("Pod", NS)) == 2


def test_replica_set_scale_down_deletes_unready_pods_first() -> None:
    fake = cluster()
    fake.apply(deployment(replicas=3))
    [ready] = mark_ready(fake, only=1)
    d = fake.get("Deployment", "web", NS)
    d["spec"]["replicas"] = 1
    fake.apply(d)
    assert [p["metadata"]["name"] for p in fake.list("Pod", NS)] == [ready]


def test_controllers_switch_off() -> None:
    fake = FakeCluster(controllers=["deployment"])
    fake.apply(deployment())
    assert sizes(fake) == [3]
    assert fake.list("Pod", NS) == []
    fake.controllers.enable("replicaset")
    assert len(fake.list("Pod", NS)) == 3


def test_deleting_a_deployment_collects_its_replica_sets_and_pods() -> None:
    fake = cluster()
    fake.apply(deployment())
    fake.delete("Deployment", "web", NS)
    assert fake.list("ReplicaSet", NS) == [] and fake.list("Pod", NS) == []


@pytest.mark.parametrize(("surge", "unavailable", "replicas", "expected"), [
    ("25%", "25%", 3, (1, 0)), ("25%", "25%", 10, (3, 2)), (0, 0, 5, (0, 1)),
    (2, "50%", 1, (2, 0)), ("0%", 7, 3, (0, 3))])
def test_fenceposts_round_as_the_real_controller(surge: object, unavailable: object,
                                                 replicas: int,
                                                 expected: tuple[int, int]) -> None:
    d = deployment(replicas=replicas, strategy={"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": surge, "maxUnavailable": unavailable}})
    assert fenceposts(d) == expected
    assert scaled("33%", 10, round_up=True) == 4


def test_template_hash_is_stable_and_safe_encoded() -> None:
    template = deployment()["spec"]["template"]
    first = template_hash(template, None)
    assert first == template_hash(template, None) != template_hash(template, 1)
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_rollout_status_and_wait_follow_the_clock() -> None:
    """kubectl watches; the test moves the fake's clock while it waits."""
    with FakeCluster() as fake:  # its scheduler and kubelet run the Pods
        fake.apply(deployment(minReadySeconds=30))
        kubectl = ["kubectl", "--kubeconfig", fake.kubeconfig, "-n", NS]
        status = subprocess.Popen([*kubectl, "rollout", "status", "deployment/web",
                                   "--timeout=60s"], stdout=subprocess.PIPE, text=True)
        waiting = subprocess.Popen([*kubectl, "wait", "--for=condition=Available",
                                    "deployment/web", "--timeout=60s"],
                                   stdout=subprocess.PIPE, text=True)
        time.sleep(1)  # both are watching by now (and would wait, were it not)
        assert status.poll() is None and waiting.poll() is None
        fake.clock.advance(30)
        assert status.wait(timeout=60) == 0 and waiting.wait(timeout=60) == 0
        assert status.stdout is not None and waiting.stdout is not None
        assert status.stdout.read().endswith('deployment "web" successfully rolled out\n')
        assert waiting.stdout.read() == "deployment.apps/web condition met\n"
