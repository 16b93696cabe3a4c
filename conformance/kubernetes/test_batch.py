"""kube-controller-manager's job, ttl-after-finished and cronjob controllers.

The Jobs' Pods name no node, so no kubelet (nor kwok on a real-local cluster) runs
them: each test moves a Pod on by writing its phase through the status subresource,
as a kubelet would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import pytest

from fakes.conformance.kubernetes._support import behaviour, created
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

# Controllers and a node agent at work: skipped on a bare API server (profile api-only).
pytestmark = pytest.mark.usefixtures("needs_pods")

JOBS = "https://kubernetes.io/docs/concepts/workloads/controllers/job/"
TTL = "https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/"
CRONJOBS = "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/"
TRACKING = "batch.kubernetes.io/job-tracking"
INDEX = "batch.kubernetes.io/job-completion-index"

T = TypeVar("T")


def after(target: Target, seconds: float, check: Callable[[], T], *,
          timeout: float = 30.0) -> T:
    """``check()`` once ``seconds`` have passed: the fake's clock is moved on, a real
    cluster is waited for."""
    if target.capabilities.virtual_clock:
        target.advance_clock(seconds)
    return eventually(check, timeout=timeout)


def job(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "c", "image": "busybox"}]}}, **spec}}


def make_job(target: Target, ns: str, name: str, **spec: Any) -> dict[str, Any]:
    return created(target, f"/apis/batch/v1/namespaces/{ns}/jobs", job(name, **spec))


def read_job(target: Target, ns: str, name: str) -> dict[str, Any]:
    answer = target.http("GET", f"/apis/batch/v1/namespaces/{ns}/jobs/{name}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def pods_of(target: Target, ns: str, name: str) -> list[dict[str, Any]]:
    listed = target.http("GET", f"/api/v1/namespaces/{ns}/pods?labelSelector="
                                f"batch.kubernetes.io%2Fjob-name%3D{name}").json()
    items: list[dict[str, Any]] = listed["items"]
    return sorted(items, key=lambda p: p["metadata"]["creationTimestamp"])


def set_phase(target: Target, ns: str, pod: dict[str, Any], phase: str) -> None:
    answer = target.http("PATCH", f"/api/v1/namespaces/{ns}/pods/{pod['metadata']['name']}"
                         "/status", body={"status": {"phase": phase}},
                         content_type="application/merge-patch+json")
    assert answer.status_code == 200, answer.text


def events(target: Target, ns: str, name: str) -> list[tuple[str, str, str]]:
    """The Events about ``name``, oldest first (read through the typed client: the
    recorder's ``eventTime: null`` is not in the published schema)."""
    listed = target.api("CoreV1Api").list_namespaced_event(
        ns, field_selector=f"involvedObject.name={name}").items
    return [(e.type, e.reason, e.message) for e in sorted(
        listed, key=lambda e: (e.first_timestamp, e.metadata.name))]


def conditions(obj: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(c["type"], c["status"], c.get("reason", ""), c.get("message", ""))
            for c in obj.get("status", {}).get("conditions") or ()]


def count(target: Target, ns: str, name: str, wanted: int) -> list[dict[str, Any]]:
    pods = pods_of(target, ns, name)
    assert len(pods) == wanted, [p["metadata"]["name"] for p in pods]
    return pods


COMPLETED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE = ("DeadlineExceeded", "Job was active longer than specified deadline")


@behaviour("K8S-470", "a Job's Pod is made from its template: generateName <job>-, the "
           "Job's labels, an ownerReference to the Job as controller, the job-tracking "
           "finalizer; the Job's status counts it active, and an Event says so",
           cite=JOBS + " and " + MEASURED)
def test_job_makes_a_pod(target: Target) -> None:
    ns = target.namespace("job-pod")
    made = make_job(target, ns, "j")
    uid = made["metadata"]["uid"]
    pod = eventually(lambda: count(target, ns, "j", 1))[0]
    meta = pod["metadata"]
    assert meta["generateName"] == "j-" and meta["name"].startswith("j-")
    assert meta["labels"] == {"batch.kubernetes.io/controller-uid": uid,
                              "batch.kubernetes.io/job-name": "j",
                              "controller-uid": uid, "job-name": "j"}
    assert meta["ownerReferences"] == [{"apiVersion": "batch/v1", "kind": "Job", "name": "j",
                                        "uid": uid, "controller": True,
                                        "blockOwnerDeletion": True}]
    assert meta["finalizers"] == [TRACKING]

    def active() -> dict[str, Any]:
        status: dict[str, Any] = read_job(target, ns, "j")["status"]
        assert status.get("active") == 1
        return status

    status = eventually(active)
    assert set(status) == {"active", "ready", "startTime", "terminating",
                           "uncountedTerminatedPods"}
    assert (status["ready"], status["terminating"], status["uncountedTerminatedPods"]) == (
        0, 0, {})
    assert eventually(lambda: _events_at_least(target, ns, "j", 1)) == [
        ("Normal", "SuccessfulCreate", f"Created pod: {meta['name']}")]


def _events_at_least(target: Target, ns: str, name: str, n: int) -> list[tuple[str, str, str]]:
    found = events(target, ns, name)
    assert len(found) >= n, found
    return found


@behaviour("K8S-471", "a Job whose Pod succeeds counts it (the Pod loses the tracking "
           "finalizer), gets SuccessCriteriaMet then Complete (CompletionsReached) and a "
           "completionTime, and an Event Completed", cite=JOBS + " and " + MEASURED)
def test_job_completes(target: Target) -> None:
    ns = target.namespace("job-done")
    make_job(target, ns, "j")
    pod = eventually(lambda: count(target, ns, "j", 1))[0]
    set_phase(target, ns, pod, "Succeeded")

    def complete() -> dict[str, Any]:
        found = read_job(target, ns, "j")
        assert conditions(found) == [("SuccessCriteriaMet", "True", *COMPLETED),
                                     ("Complete", "True", *COMPLETED)]
        return found

    status = eventually(complete)["status"]
    assert (status["succeeded"], status["ready"], status["terminating"]) == (1, 0, 0)
    assert "active" not in status and status["uncountedTerminatedPods"] == {}
    assert status["completionTime"] >= status["startTime"]
    assert "finalizers" not in pods_of(target, ns, "j")[0]["metadata"]
    assert eventually(lambda: _events_at_least(target, ns, "j", 2))[1] == (
        "Normal", "Completed", "Job completed")


@behaviour("K8S-472", "a failed Pod is replaced after the back-off (10 s from when it "
           "finished, or was made if it never ran); failures beyond backoffLimit end the "
           "Job: FailureTarget then Failed (BackoffLimitExceeded), a Warning Event, no "
           "completionTime", cite=JOBS + "#pod-backoff-failure-policy and " + MEASURED)
def test_job_backoff_limit(target: Target) -> None:
    ns = target.namespace("job-backoff")
    make_job(target, ns, "j", backoffLimit=1)
    first = eventually(lambda: count(target, ns, "j", 1))[0]
    set_phase(target, ns, first, "Failed")
    status = eventually(lambda: _failed(target, ns, "j", 1))
    assert "active" not in status and "conditions" not in status
    assert len(pods_of(target, ns, "j")) == 1  # still backing off
    after(target, 5, lambda: None)
    assert len(pods_of(target, ns, "j")) == 1
    pods = after(target, 6, lambda: count(target, ns, "j", 2))
    assert "finalizers" not in pods[0]["metadata"]
    assert pods[1]["metadata"]["finalizers"] == [TRACKING]
    set_phase(target, ns, pods[1], "Failed")

    def failed() -> dict[str, Any]:
        found = read_job(target, ns, "j")
        assert conditions(found) == [("FailureTarget", "True", *BACKOFF),
                                     ("Failed", "True", *BACKOFF)]
        return found

    status = eventually(failed)["status"]
    assert status["failed"] == 2 and "completionTime" not in status
    assert eventually(lambda: _events_at_least(target, ns, "j", 3))[2] == (
        "Warning", *BACKOFF)


def _failed(target: Target, ns: str, name: str, n: int) -> dict[str, Any]:
    status: dict[str, Any] = read_job(target, ns, name)["status"]
    assert status.get("failed") == n, status
    return status


@behaviour("K8S-473", "an Indexed Job makes one Pod per missing index, at most "
           "parallelism at once: named <job>-<index>-, the completion index as annotation "
           "and label, hostname <job>-<index>, JOB_COMPLETION_INDEX in the environment; "
           "status.completedIndexes lists the indexes done",
           cite=JOBS + "#completion-mode and " + MEASURED)
def test_indexed_job(target: Target) -> None:
    ns = target.namespace("job-indexed")
    make_job(target, ns, "j", completions=3, parallelism=2, completionMode="Indexed")
    pods = eventually(lambda: count(target, ns, "j", 2))
    by_index = {p["metadata"]["annotations"][INDEX]: p for p in pods}
    assert sorted(by_index) == ["0", "1"]
    zero = by_index["0"]
    assert zero["metadata"]["generateName"] == "j-0-"
    assert zero["metadata"]["labels"][INDEX] == "0"
    assert zero["spec"]["hostname"] == "j-0"
    assert zero["spec"]["containers"][0]["env"] == [{
        "name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
            "apiVersion": "v1", "fieldPath": f"metadata.labels['{INDEX}']"}}}]
    for pod in pods:
        set_phase(target, ns, pod, "Succeeded")

    def third() -> dict[str, Any]:
        found = count(target, ns, "j", 3)
        status = read_job(target, ns, "j")["status"]
        assert (status.get("completedIndexes"), status.get("succeeded"),
                status.get("active")) == ("0,1", 2, 1)
        return next(p for p in found if p["metadata"]["annotations"][INDEX] == "2")

    last = eventually(third)
    assert last["metadata"]["annotations"][INDEX] == "2"
    set_phase(target, ns, last, "Succeeded")

    def complete() -> dict[str, Any]:
        found = read_job(target, ns, "j")
        assert ("Complete", "True", *COMPLETED) in conditions(found)
        return found

    assert eventually(complete)["status"]["completedIndexes"] == "0-2"


@behaviour("K8S-474", "a Job active longer than activeDeadlineSeconds ends: FailureTarget "
           "(DeadlineExceeded), its active Pods deleted (SuccessfulDelete) and counted "
           "failed, then Failed", cite=JOBS + "#job-termination-and-cleanup and " + MEASURED)
def test_job_deadline(target: Target) -> None:
    ns = target.namespace("job-deadline")
    make_job(target, ns, "j", activeDeadlineSeconds=3)
    pod = eventually(lambda: count(target, ns, "j", 1))[0]

    def failed() -> dict[str, Any]:
        found = read_job(target, ns, "j")
        assert conditions(found) == [("FailureTarget", "True", *DEADLINE),
                                     ("Failed", "True", *DEADLINE)]
        return found

    status = after(target, 4, failed)["status"]
    assert status["failed"] == 1 and "active" not in status
    eventually(lambda: count(target, ns, "j", 0))
    assert eventually(lambda: _events_at_least(target, ns, "j", 3)) == [
        ("Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"),
        ("Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}"),
        ("Warning", *DEADLINE)]


@behaviour("K8S-475", "a suspended Job makes no Pods and has no startTime, only the "
           "condition Suspended (JobSuspended); resumed, the condition turns False "
           "(JobResumed), startTime is set and its Pod made; suspended again, its Pod is "
           "deleted without counting as failed",
           cite=JOBS + "#suspending-a-job and " + MEASURED)
def test_job_suspend(target: Target) -> None:
    ns = target.namespace("job-suspend")
    make_job(target, ns, "j", suspend=True)

    def suspended() -> dict[str, Any]:
        found = read_job(target, ns, "j")
        assert conditions(found) == [("Suspended", "True", "JobSuspended", "Job suspended")]
        return found

    status = eventually(suspended)["status"]
    assert "startTime" not in status and pods_of(target, ns, "j") == []
    target.http("PATCH", f"/apis/batch/v1/namespaces/{ns}/jobs/j",
                body={"spec": {"suspend": False}}, content_type="application/merge-patch+json")

    def resumed() -> dict[str, Any]:
        found = read_job(target, ns, "j")
        assert conditions(found) == [("Suspended", "False", "JobResumed", "Job resumed")]
        assert found["status"].get("active") == 1
        return found

    assert "startTime" in eventually(resumed)["status"]
    pod = eventually(lambda: count(target, ns, "j", 1))[0]["metadata"]["name"]
    target.http("PATCH", f"/apis/batch/v1/namespaces/{ns}/jobs/j",
                body={"spec": {"suspend": True}}, content_type="application/merge-patch+json")
    status = eventually(suspended)["status"]
    assert set(status) == {"conditions", "ready", "terminating", "uncountedTerminatedPods"}
    eventually(lambda: count(target, ns, "j", 0))
    assert sorted(eventually(lambda: _events_at_least(target, ns, "j", 4))) == sorted([
        ("Normal", "Suspended", "Job suspended"),
        ("Normal", "SuccessfulCreate", f"Created pod: {pod}"),
        ("Normal", "Resumed", "Job resumed"),
        ("Normal", "SuccessfulDelete", f"Deleted pod: {pod}")])


@behaviour("K8S-476", "a finished Job with ttlSecondsAfterFinished is deleted that long "
           "after it finished, not before", cite=TTL + " and " + MEASURED)
def test_job_ttl_after_finished(target: Target) -> None:
    ns = target.namespace("job-ttl")
    make_job(target, ns, "j", ttlSecondsAfterFinished=4)
    pod = eventually(lambda: count(target, ns, "j", 1))[0]
    set_phase(target, ns, pod, "Succeeded")
    eventually(lambda: _complete(target, ns, "j"))
    after(target, 2, lambda: None)
    assert target.http("GET", f"/apis/batch/v1/namespaces/{ns}/jobs/j").status_code == 200

    def gone() -> None:
        assert target.http("GET", f"/apis/batch/v1/namespaces/{ns}/jobs/j").status_code == 404

    after(target, 3, gone)


def _complete(target: Target, ns: str, name: str) -> None:
    assert ("Complete", "True", *COMPLETED) in conditions(read_job(target, ns, name))


@behaviour("K8S-477", "a NonIndexed Job keeps at most parallelism Pods active and no more "
           "than the completions still missing", cite=JOBS + "#parallel-jobs and " + MEASURED)
def test_job_parallelism(target: Target) -> None:
    ns = target.namespace("job-parallel")
    make_job(target, ns, "j", completions=3, parallelism=2)
    pods = eventually(lambda: count(target, ns, "j", 2))
    done = pods[0]["metadata"]["uid"]
    set_phase(target, ns, pods[0], "Succeeded")
    pods = eventually(lambda: count(target, ns, "j", 3))
    set_phase(target, ns, next(p for p in pods if p["metadata"]["uid"] != done), "Succeeded")

    def two_done() -> None:
        status = read_job(target, ns, "j")["status"]
        assert (status.get("succeeded"), status.get("active")) == (2, 1), status

    eventually(two_done)
    assert len(pods_of(target, ns, "j")) == 3


def cronjob(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": "* * * * *", "jobTemplate": {
                "metadata": {"labels": {"made-by": name}},
                "spec": job(name)["spec"]}, **spec}}


def _jobs_of(target: Target, ns: str, name: str, n: int) -> list[dict[str, Any]]:
    listed = target.http("GET", f"/apis/batch/v1/namespaces/{ns}/jobs?labelSelector="
                                f"made-by%3D{name}").json()["items"]
    assert len(listed) == n, [j["metadata"]["name"] for j in listed]
    return sorted(listed, key=lambda j: j["metadata"]["name"])


def _event_seen(target: Target, ns: str, name: str, reason: str) -> list[tuple[str, str, str]]:
    found = events(target, ns, name)
    assert reason in [r for _, r, _ in found], found
    return found


@behaviour("K8S-480", "a CronJob makes a Job at each scheduled minute, named "
           "<cronjob>-<scheduled minutes since the epoch>, with the template's labels, the "
           "scheduled-timestamp annotation and an ownerReference; status.active and "
           "lastScheduleTime follow; concurrencyPolicy Forbid skips a time while it runs "
           "(JobAlreadyActive); its end is seen (SawCompletedJob, lastSuccessfulTime)",
           cite=CRONJOBS + " and " + MEASURED)
def test_cronjob_schedules_jobs(target: Target) -> None:
    ns = target.namespace("cronjob")
    made = created(target, f"/apis/batch/v1/namespaces/{ns}/cronjobs",
                   cronjob("cj", concurrencyPolicy="Forbid"))
    try:
        _schedules_jobs(target, ns, made)
    finally:  # no schedule left running for the rest of the run
        target.http("DELETE", f"/apis/batch/v1/namespaces/{ns}/cronjobs/cj")


def _schedules_jobs(target: Target, ns: str, made: dict[str, Any]) -> None:
    first = after(target, 60, lambda: _jobs_of(target, ns, "cj", 1), timeout=90)[0]
    meta = first["metadata"]
    scheduled = meta["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert scheduled.endswith(":00Z")
    minutes = int(datetime.strptime(scheduled, "%Y-%m-%dT%H:%M:%S%z").timestamp()) // 60
    assert meta["name"] == f"cj-{minutes}"
    assert meta["labels"] == {"made-by": "cj"}
    assert meta["ownerReferences"] == [{
        "apiVersion": "batch/v1", "kind": "CronJob", "name": "cj",
        "uid": made["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]

    def listed_active() -> dict[str, Any]:
        status: dict[str, Any] = target.http(
            "GET", f"/apis/batch/v1/namespaces/{ns}/cronjobs/cj").json()["status"]
        assert [a["name"] for a in status.get("active", ())] == [meta["name"]], status
        return status

    status = eventually(listed_active)
    assert status["lastScheduleTime"] == scheduled
    assert status["active"][0]["uid"] == meta["uid"]
    assert {k for k in status["active"][0]} == {"apiVersion", "kind", "name", "namespace",
                                                 "resourceVersion", "uid"}
    assert events(target, ns, "cj")[0] == ("Normal", "SuccessfulCreate",
                                           f"Created job {meta['name']}")
    after(target, 60, lambda: _event_seen(target, ns, "cj", "JobAlreadyActive"), timeout=90)
    assert ("Normal", "JobAlreadyActive", "Not starting job because prior execution is "
            "running and concurrency policy is Forbid") in events(target, ns, "cj")
    assert len(_jobs_of(target, ns, "cj", 1)) == 1
    pod = eventually(lambda: count(target, ns, meta["name"], 1))[0]
    set_phase(target, ns, pod, "Succeeded")
    eventually(lambda: _event_seen(target, ns, "cj", "SawCompletedJob"))
    assert ("Normal", "SawCompletedJob", f"Saw completed job: {meta['name']}, condition: "
            "Complete") in events(target, ns, "cj")
    done = eventually(lambda: _seen_done(target, ns, "cj", meta["name"]))
    finished = read_job(target, ns, meta["name"])["status"]["completionTime"]
    assert done["lastSuccessfulTime"] == finished


def _seen_done(target: Target, ns: str, name: str, job_name: str) -> dict[str, Any]:
    """The CronJob's status once it has seen ``job_name`` finish (the run it skipped
    may start then: the schedule has no startingDeadlineSeconds)."""
    status: dict[str, Any] = target.http(
        "GET", f"/apis/batch/v1/namespaces/{ns}/cronjobs/{name}").json()["status"]
    assert job_name not in [a["name"] for a in status.get("active", ())], status
    assert "lastSuccessfulTime" in status, status
    return status


@behaviour("K8S-481", "concurrencyPolicy Replace deletes the running Job for the next "
           "one (SuccessfulDelete); successfulJobsHistoryLimit 0 deletes a Job as soon as "
           "it completes (before it is seen: no SawCompletedJob, but lastSuccessfulTime); "
           "the scheduled timestamp is written in the CronJob's timeZone; a "
           "suspended CronJob makes no Job", cite=CRONJOBS + "#concurrency-policy, "
           + CRONJOBS + "#jobs-history-limits and " + MEASURED)
def test_cronjob_replace_and_history(target: Target) -> None:
    ns = target.namespace("cronjob-replace")
    created(target, f"/apis/batch/v1/namespaces/{ns}/cronjobs", cronjob(
        "rp", concurrencyPolicy="Replace", successfulJobsHistoryLimit=0,
        startingDeadlineSeconds=50, timeZone="Etc/GMT-1"))
    created(target, f"/apis/batch/v1/namespaces/{ns}/cronjobs", cronjob("off", suspend=True))
    try:
        _replaces_and_cleans(target, ns)
    finally:  # no schedule left running for the rest of the run
        target.http("DELETE", f"/apis/batch/v1/namespaces/{ns}/cronjobs/rp")


def _replaces_and_cleans(target: Target, ns: str) -> None:
    first = after(target, 60, lambda: _jobs_of(target, ns, "rp", 1), timeout=90)[0]
    stamp = first["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert stamp.endswith(":00+01:00"), stamp

    def replaced() -> dict[str, Any]:
        found = _jobs_of(target, ns, "rp", 1)[0]
        assert found["metadata"]["name"] != first["metadata"]["name"]
        return found

    second = after(target, 60, replaced, timeout=90)
    assert ("Normal", "SuccessfulDelete", f"Deleted job {first['metadata']['name']}") in \
        events(target, ns, "rp")
    pod = eventually(lambda: count(target, ns, second["metadata"]["name"], 1))[0]
    set_phase(target, ns, pod, "Succeeded")

    def cleaned() -> None:
        assert ("Normal", "SuccessfulDelete", f"Deleted job {second['metadata']['name']}") \
            in events(target, ns, "rp")
        assert target.http("GET", f"/apis/batch/v1/namespaces/{ns}/jobs/"
                                  f"{second['metadata']['name']}").status_code == 404

    eventually(cleaned)
    status = target.http("GET", f"/apis/batch/v1/namespaces/{ns}/cronjobs/rp").json()["status"]
    assert "active" not in status and "lastSuccessfulTime" in status, status
    assert "SawCompletedJob" not in [r for _, r, _ in events(target, ns, "rp")]
    _jobs_of(target, ns, "off", 0)
    off = target.http("GET", f"/apis/batch/v1/namespaces/{ns}/cronjobs/off").json()
    assert "lastScheduleTime" not in off.get("status", {})


@behaviour("K8S-478", "a Job deleted with its Pods orphaned: the Pods lose the tracking "
           "finalizer (no Job is left to count them)", cite=JOBS +
           "#job-tracking-with-finalizers and " + MEASURED)
def test_orphaned_pods_lose_the_finalizer(target: Target) -> None:
    ns = target.namespace("job-orphan")
    make_job(target, ns, "j")
    pod = eventually(lambda: count(target, ns, "j", 1))[0]
    assert pod["metadata"]["finalizers"] == [TRACKING]
    assert target.http("DELETE", f"/apis/batch/v1/namespaces/{ns}/jobs/j",
                       body={"propagationPolicy": "Orphan"}).status_code == 200

    def released() -> None:
        meta = count(target, ns, "j", 1)[0]["metadata"]
        assert "finalizers" not in meta and "ownerReferences" not in meta, meta

    eventually(released)


@behaviour("K8S-482", "a CronJob's schedule must parse as five cron fields or a known "
           "macro, with no TZ in it, and its timeZone must exist: 422 naming the field with "
           "the parser's message; nothing is made",
           cite=CRONJOBS + "#schedule-syntax and " + MEASURED)
def test_cronjob_schedule_validated(target: Target) -> None:
    from fakes.conformance.kubernetes._support import failure

    ns = target.namespace("cronjob-invalid")
    path = f"/apis/batch/v1/namespaces/{ns}/cronjobs"
    for schedule, zone, field, message in [
        ("* * * *", None, "spec.schedule",
         'Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'),
        ("61 * * * *", None, "spec.schedule",
         'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
        ("x * * * *", None, "spec.schedule", 'Invalid value: "x * * * *": failed to parse '
         'int from x: strconv.Atoi: parsing "x": invalid syntax'),
        ("5-1 * * * *", None, "spec.schedule", 'Invalid value: "5-1 * * * *": beginning '
         "of range (5) beyond end of range (1): 5-1"),
        ("@never", None, "spec.schedule",
         'Invalid value: "@never": unrecognized descriptor: @never'),
        ("TZ=UTC * * * * *", None, "spec.schedule", 'Invalid value: "TZ=UTC * * * * *": '
         "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
        ("* * * * *", "Mars/Olympus", "spec.timeZone",
         'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'),
    ]:
        body = cronjob("bad", schedule=schedule, suspend=True)
        if zone is not None:
            body["spec"]["timeZone"] = zone
        status = failure(target, "POST", path, body=body)
        assert status["code"] == 422, status
        assert [(c["field"], c["message"]) for c in status["details"]["causes"]] == [
            (field, message)], schedule
    assert target.http("GET", path).json()["items"] == []
