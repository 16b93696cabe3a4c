"""The Kubernetes fake's job, cronjob, statefulset, daemonset and volume controllers,
without HTTP: their pure parts, and what they do on the fake's clock."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest

from fakes.kubernetes import FakeCluster
from fakes.kubernetes._cron import Schedule
from fakes.kubernetes._daemonsets import eligible, node_of
from fakes.kubernetes._jobs import format_indexes, parse_indexes
from fakes.kubernetes._statefulsets import revision_hash

pytest.importorskip("yaml")

UTC = timezone.utc


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(("schedule", "after", "expected"), [
    ("* * * * *", at(2026, 1, 1, 0, 0, 30), at(2026, 1, 1, 0, 1)),
    ("*/15 9-17 * * mon-fri", at(2026, 11, 28, 12, 0), at(2026, 11, 30, 9, 0)),
    ("@hourly", at(2026, 1, 1, 0, 0), at(2026, 1, 1, 1, 0)),
    ("@yearly", at(2026, 3, 1), at(2027, 1, 1)),
    ("0 0 13 * 5", at(2026, 11, 28, 12, 0), at(2026, 12, 4)),  # either day field
    ("0 0 * * 7", at(2026, 11, 30), at(2026, 12, 6)),  # 7 is Sunday too
    ("30 4 1,15 JAN-MAR ?", at(2026, 1, 1, 5), at(2026, 1, 15, 4, 30)),
    ("5/20 * * * *", at(2026, 1, 1, 0, 6), at(2026, 1, 1, 0, 25)),
    ("0 0 30 2 *", at(2026, 1, 1), None),  # February never has a 30th
])
def test_schedule_next_time(schedule: str, after: datetime, expected: datetime | None
                            ) -> None:
    assert Schedule.parse(schedule).next_after(after) == expected


@pytest.mark.parametrize(("schedule", "message"), [
    ("0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("-5 * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
])
def test_schedule_refused(schedule: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        Schedule.parse(schedule)


@pytest.mark.parametrize(("indexes", "text"), [
    (set(), ""), ({0}, "0"), ({0, 1}, "0,1"), ({0, 1, 2}, "0-2"), ({0, 2, 3, 4, 7}, "0,2-4,7"),
])
def test_completed_indexes_round_trip(indexes: set[int], text: str) -> None:
    assert format_indexes(indexes) == text
    assert parse_indexes(text) == indexes


def test_revision_hash_is_name_safe_and_follows_the_template() -> None:
    template = {"metadata": {"labels": {"app": "x"}}}
    first = revision_hash(template)
    assert len(first) == 10 and first == revision_hash(dict(template))
    assert revision_hash(template, 1) != first
    assert revision_hash({"metadata": {"labels": {"app": "y"}}}) != first


def node(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec}


def test_daemon_pod_eligibility() -> None:
    assert eligible({}, node("a"))
    assert not eligible({"nodeSelector": {"x": "1"}}, node("a"))
    assert eligible({"nodeSelector": {"x": "1"}}, node("a", {"x": "1"}))
    affinity = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["c"]}]},
            {}]}}}}
    assert [eligible(affinity, n) for n in (node("a", {"zone": "b"}), node("c"), node("d"))] \
        == [True, True, False]
    taint = {"key": "k", "value": "v", "effect": "NoSchedule"}
    assert not eligible({}, node("a", taints=[taint]))
    assert eligible({}, node("a", taints=[{**taint, "effect": "PreferNoSchedule"}]))
    assert eligible({"tolerations": [{"key": "k", "operator": "Equal", "value": "v"}]},
                    node("a", taints=[taint]))
    assert eligible({"tolerations": [{"operator": "Exists"}]}, node("a", taints=[taint]))
    assert not eligible({"tolerations": [{"key": "k", "value": "w"}]},
                        node("a", taints=[taint]))
    assert eligible({}, node("a", taints=[{"key": "node.kubernetes.io/unschedulable",
                                           "effect": "NoSchedule"}]))


def test_node_of_a_daemon_pod() -> None:
    assert node_of({"spec": {"nodeName": "n"}}) == "n"
    assert node_of({"spec": {}}) is None


NAMESPACE = """
apiVersion: v1
kind: Namespace
metadata: {name: work}
"""


def job(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": "work"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "c", "image": "busybox"}]}}, **spec}}


def pods(fake: FakeCluster, label: str) -> list[dict[str, Any]]:
    return fake.list("Pod", "work", label_selector=label)


def set_phase(fake: FakeCluster, pod: dict[str, Any], phase: str) -> None:
    rt = fake._type("Pod", None)
    current = fake.get("Pod", pod["metadata"]["name"], "work")
    fake.store.update(rt, "work", pod["metadata"]["name"],
                      {**current, "status": {**current["status"], "phase": phase}},
                      "kubelet", subresource="status")


@pytest.fixture
def fake() -> FakeCluster:
    made = FakeCluster()
    made.controllers.disable("scheduler")  # the Pods stay Pending until a test moves them
    made.apply(NAMESPACE)
    return made


def test_failed_pod_replaced_only_after_the_backoff(fake: FakeCluster) -> None:
    fake.apply(job("j", backoffLimit=3))
    set_phase(fake, pods(fake, "job-name=j")[0], "Failed")
    fake.clock.advance(9)
    assert len(pods(fake, "job-name=j")) == 1
    fake.clock.advance(1)
    second = [p for p in pods(fake, "job-name=j") if p["status"]["phase"] == "Pending"]
    assert len(second) == 1
    set_phase(fake, second[0], "Failed")
    fake.clock.advance(19)  # the second back-off is 20 s
    assert len(pods(fake, "job-name=j")) == 2
    fake.clock.advance(1)
    assert len(pods(fake, "job-name=j")) == 3


def test_deleted_job_releases_its_pods(fake: FakeCluster) -> None:
    fake.apply(job("j"))
    pod = pods(fake, "job-name=j")[0]
    fake.delete("Job", "j", "work")  # Jobs orphan their Pods by default
    assert "finalizers" not in fake.get("Pod", pod["metadata"]["name"], "work")["metadata"]


def test_cronjob_history_and_time_zone(fake: FakeCluster) -> None:
    fake.apply({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "cj", "namespace": "work"},
                "spec": {"schedule": "0 9 * * *", "timeZone": "Europe/Paris",
                         "failedJobsHistoryLimit": 1, "jobTemplate": {
                             "spec": job("x", backoffLimit=0)["spec"]}}})
    fake.clock.advance(24 * 3600)
    made = fake.list("Job", "work")
    assert [j["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
            for j in made] == ["2026-01-01T09:00:00+01:00"]
    for _ in range(2):
        for pod in fake.list("Pod", "work"):
            if pod["status"]["phase"] == "Pending":
                set_phase(fake, pod, "Failed")
        fake.clock.advance(24 * 3600)
    names = [j["metadata"]["name"] for j in fake.list("Job", "work")]
    assert len(names) == 2  # one failed kept, one running
    reasons = [e["reason"] for e in fake.list("Event", "work")
               if e["involvedObject"]["name"] == "cj"]
    assert reasons.count("SuccessfulDelete") == 1


def test_a_new_cluster_runs_the_workloads() -> None:
    """With the scheduler and the kubelet on, the Pods run without a test's help."""
    fake = FakeCluster()
    fake.apply(job("j") | {"metadata": {"name": "j", "namespace": "default"}})
    fake.apply({"apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": "s", "namespace": "default"},
                "spec": {"replicas": 2, "serviceName": "s",
                         "selector": {"matchLabels": {"app": "s"}},
                         "template": {"metadata": {"labels": {"app": "s"}}, "spec": {
                             "containers": [{"name": "c", "image": "busybox"}]}}}})
    fake.clock.advance(5)
    assert [c["type"] for c in fake.get("Job", "j", "default")["status"]["conditions"]] == [
        "SuccessCriteriaMet", "Complete"]
    assert fake.get("StatefulSet", "s", "default")["status"]["readyReplicas"] == 2
