"""kube-controller-manager's job controller and ttl-after-finished controller.

The job controller runs a Job's Pods to completion, as v1.37's does (measured on
kube-controller-manager v1.37.2; see the batch conformance tests):

- Pods made from the template, named ``<job>-`` plus a random suffix (``<job>-<index>-``
  in Indexed mode, with the completion-index annotation and label, hostname
  ``<job>-<index>`` and ``JOB_COMPLETION_INDEX`` in each container's environment), owned
  by the Job and holding the ``batch.kubernetes.io/job-tracking`` finalizer until the
  controller has counted them;
- at most ``parallelism`` active, no more than the completions still missing;
- a finished Pod is counted through ``status.uncountedTerminatedPods`` (its uid written
  there, its finalizer removed, then the counter moved); a Pod deleted before it
  succeeded counts as failed;
- a failed Pod is replaced after a back-off of 10 s doubling per failure (at most 6
  min), from the time the failed Pod finished (its containers' ``finishedAt``, else its
  creation);
- ``backoffLimit`` failures exceeded, or ``activeDeadlineSeconds`` passed since
  ``startTime``: ``FailureTarget``, the active Pods deleted, then ``Failed``;
- all completions reached: ``SuccessCriteriaMet``, then ``Complete`` with
  ``completionTime``;
- ``suspend``: the active Pods deleted, condition ``Suspended``; resumed, a new
  ``startTime``.

Divergences: the back-off counts every failure of the Job (the real one forgets
failures older than the last success); podFailurePolicy, successPolicy,
backoffLimitPerIndex, maxFailedIndexes and podReplacementPolicy ``Failed`` are not
acted on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fakes.kubernetes._controllers import (
    Controller,
    ControllerApi,
    controller_of,
    owner_reference,
)
from fakes.kubernetes._cron import Schedule
from fakes.kubernetes._podtemplates import (
    TERMINAL,
    condition,
    deleting,
    parse_time,
    phase,
    pod_from_template,
    ready,
    seconds_between,
    selects,
)

TRACKING = "batch.kubernetes.io/job-tracking"
INDEX = "batch.kubernetes.io/job-completion-index"
SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_BACKOFF_BASE = 10.0
_BACKOFF_MAX = 360.0
# Reasons and messages of the conditions and events (measured).
_COMPLETED = ("CompletionsReached", "Reached expected number of succeeded pods")
_BACKOFF_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
_DEADLINE = ("DeadlineExceeded", "Job was active longer than specified deadline")


def finished(job: Mapping[str, Any]) -> bool:
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or ())


def _true(status: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    """The condition ``kind`` of a status, if it is true."""
    found = condition({"status": status}, kind)
    return found if found is not None and found.get("status") == "True" else None


def _owned_by(pod: Mapping[str, Any], name: str) -> str | None:
    """The uid of the Job named ``name`` that controls ``pod``, if it is one."""
    for ref in pod["metadata"].get("ownerReferences") or ():
        if ref.get("controller") and ref.get("kind") == "Job" and ref.get("name") == name:
            return str(ref.get("uid"))
    return None


def _failed(pod: Mapping[str, Any]) -> bool:
    # A Pod deleted before it succeeded never gets the chance to fail: it counts as
    # failed (podReplacementPolicy TerminatingOrFailed).
    return phase(pod) == "Failed" or (deleting(pod) and phase(pod) != "Succeeded")


def _finish_time(pod: Mapping[str, Any]) -> str:
    """When a failed Pod finished: its last container's finishedAt, else its creation
    (the real controller's fallback for a Pod that never ran)."""
    times = [s["state"]["terminated"]["finishedAt"]
             for s in (pod.get("status") or {}).get("containerStatuses") or ()
             if ((s.get("state") or {}).get("terminated") or {}).get("finishedAt")]
    return max(times) if times else str(pod["metadata"]["creationTimestamp"])


def parse_indexes(text: str) -> set[int]:
    """``"0,2-4"`` → {0, 2, 3, 4}."""
    found: set[int] = set()
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        found.update(range(int(first), int(last or first) + 1))
    return found


def format_indexes(indexes: Iterable[int]) -> str:
    """{0, 2, 3, 4} → ``"0,2-4"``; two neighbours stay apart (``"0,1"``)."""
    runs: list[list[int]] = []
    for index in sorted(indexes):
        if runs and runs[-1][1] == index - 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ",".join(str(a) if a == b else f"{a},{b}" if b == a + 1 else f"{a}-{b}"
                    for a, b in runs)


def _index(pod: Mapping[str, Any]) -> int | None:
    value = (pod["metadata"].get("annotations") or {}).get(INDEX)
    return int(value) if value is not None and str(value).isdigit() else None


class JobController(Controller):
    name = "job"
    actor = "system:serviceaccount:kube-system:job-controller"
    resource = ("batch", "jobs")
    kind = "Job"
    owns = (("", "pods"),)

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        job = api.get("batch", "jobs", namespace, name)
        uid = job["metadata"]["uid"] if job is not None else None
        pods = []
        for pod in api.list_objects("", "pods", namespace):
            owner = _owned_by(pod, name)
            if owner is None:
                if controller_of(pod) is None:
                    self._release(api, pod)  # orphaned: no Job will count it
                continue
            if owner != uid or job is None or deleting(job):
                self._release(api, pod)  # its Job is gone: nothing will count it
            elif selects(job["spec"].get("selector"), pod["metadata"].get("labels") or {}):
                pods.append(pod)  # (one its selector misses is not the Job's to run)
        if job is None or deleting(job):
            return None
        return _JobSync(api, job, pods).run()

    @staticmethod
    def _release(api: ControllerApi, pod: dict[str, Any]) -> None:
        finalizers = pod["metadata"].get("finalizers") or []
        if TRACKING in finalizers:
            pod["metadata"]["finalizers"] = [f for f in finalizers if f != TRACKING]
            if not pod["metadata"]["finalizers"]:
                del pod["metadata"]["finalizers"]
            api.update("", "pods", pod)


class _JobSync:
    """One sync of one Job."""

    def __init__(self, api: ControllerApi, job: dict[str, Any],
                 pods: list[dict[str, Any]]) -> None:
        self.api = api
        self.job = job
        self.spec = job["spec"]
        self.pods = pods
        self.now: datetime = api.clock.now()
        self.stamp = api.now()
        self.status: dict[str, Any] = dict(job.get("status") or {})
        self.status["conditions"] = [dict(c) for c in self.status.get("conditions") or ()]
        self.status.setdefault("uncountedTerminatedPods", {})
        self.indexed = self.spec.get("completionMode") == "Indexed"
        self.completions: int | None = self.spec.get("completions")

    def run(self) -> float | None:
        if finished(self.job):
            for pod in self.pods:
                JobController._release(self.api, pod)
            return None
        self._count_finished()
        due: list[float] = []
        active = [p for p in self.pods if phase(p) not in TERMINAL and not deleting(p)]
        suspended = bool(self.spec.get("suspend"))
        self._suspension(suspended)
        if not suspended and not self.status.get("startTime"):
            self.status["startTime"] = self.stamp
        ending = self._failure_target(due) or self._success_criteria()
        deleted = bool(active) and (ending or suspended)
        if ending or suspended:
            for pod in active:
                self.api.delete("", "pods", pod)
                self._event("Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")
            active = []
        elif (wait := self._backoff()) > 0:
            due.append(wait)
        else:
            active += self._create(active)
        if not active and not deleted:
            self._finish()
        self.status["active"] = len(active)
        self.status["ready"] = sum(1 for p in active if ready(p))
        self.status["terminating"] = sum(1 for p in self.pods
                                         if deleting(p) and phase(p) not in TERMINAL)
        self._write()
        return min(due) if due else None

    # -- counting ------------------------------------------------------------------
    def _count_finished(self) -> None:
        """Count each finished Pod still holding the tracking finalizer, as the real
        controller does: its uid into uncountedTerminatedPods, the finalizer off, then
        the counters."""
        newly: dict[str, list[dict[str, Any]]] = {"succeeded": [], "failed": []}
        for pod in self.pods:
            if TRACKING not in (pod["metadata"].get("finalizers") or ()):
                continue
            if self.spec.get("suspend") and deleting(pod) and phase(pod) not in TERMINAL:
                JobController._release(self.api, pod)  # stopped, not failed
            elif phase(pod) == "Succeeded":
                newly["succeeded"].append(pod)
            elif _failed(pod):
                newly["failed"].append(pod)
        if not newly["succeeded"] and not newly["failed"]:
            return
        self.status["uncountedTerminatedPods"] = {
            key: [p["metadata"]["uid"] for p in found] for key, found in newly.items() if found}
        self._write()
        done = parse_indexes(self.status.get("completedIndexes") or "")
        for key, found in newly.items():
            for pod in found:
                JobController._release(self.api, pod)
                index = _index(pod)
                if key == "succeeded" and self.indexed and index is not None \
                        and index < (self.completions or 0):
                    done.add(index)
            if found:
                self.status[key] = self.status.get(key, 0) + len(found)
        if self.indexed:
            self.status["completedIndexes"] = format_indexes(done)
        self.status["uncountedTerminatedPods"] = {}

    # -- conditions ----------------------------------------------------------------
    def _set_condition(self, kind: str, state: str, reason: str, message: str) -> bool:
        """Add or change a condition; whether it changed."""
        conditions: list[dict[str, Any]] = self.status["conditions"]
        for found in conditions:
            if found["type"] == kind:
                if found["status"] == state:
                    return False
                found.update(status=state, reason=reason, message=message,
                             lastProbeTime=self.stamp, lastTransitionTime=self.stamp)
                return True
        conditions.append({"type": kind, "status": state, "reason": reason,
                           "message": message, "lastProbeTime": self.stamp,
                           "lastTransitionTime": self.stamp})
        return True

    def _suspension(self, suspended: bool) -> None:
        if suspended:
            self.status.pop("startTime", None)
            if self._set_condition("Suspended", "True", "JobSuspended", "Job suspended"):
                self._event("Normal", "Suspended", "Job suspended")
        elif condition({"status": self.status}, "Suspended") is not None and \
                self._set_condition("Suspended", "False", "JobResumed", "Job resumed"):
            # Resumed: the deadline counts from now.
            self.status["startTime"] = self.stamp
            self._event("Normal", "Resumed", "Job resumed")

    def _failure_target(self, due: list[float]) -> bool:
        if _true(self.status, "FailureTarget"):
            return True
        reason: tuple[str, str] | None = None
        if self.status.get("failed", 0) > self.spec.get("backoffLimit", 6):
            reason = _BACKOFF_EXCEEDED
        deadline = self.spec.get("activeDeadlineSeconds")
        if reason is None and deadline is not None and self.status.get("startTime") \
                and not self.spec.get("suspend"):
            left = deadline - seconds_between(self.status["startTime"], self.now)
            if left <= 0:
                reason = _DEADLINE
            else:
                due.append(left)
        if reason is None:
            return False
        self._set_condition("FailureTarget", "True", *reason)
        return True

    def _success_criteria(self) -> bool:
        if _true(self.status, "SuccessCriteriaMet"):
            return True
        succeeded = self.status.get("succeeded", 0)
        if self.indexed:
            met = len(parse_indexes(self.status.get("completedIndexes") or "")) >= (
                self.completions or 0)
        elif self.completions is None:
            met = succeeded > 0
        else:
            met = succeeded >= self.completions
        if met:
            self._set_condition("SuccessCriteriaMet", "True", *_COMPLETED)
        return met

    def _finish(self) -> None:
        """Complete or Failed, once no Pod is left to count."""
        target = _true(self.status, "FailureTarget")
        if target is not None:
            self._set_condition("Failed", "True", target["reason"], target["message"])
            self._event("Warning", target["reason"], target["message"])
        elif _true(self.status, "SuccessCriteriaMet"):
            self._set_condition("Complete", "True", *_COMPLETED)
            self.status["completionTime"] = self.stamp
            self._event("Normal", "Completed", "Job completed")

    # -- Pods ----------------------------------------------------------------------
    def _backoff(self) -> float:
        """Seconds to wait before a failed Pod is replaced."""
        failures = self.status.get("failed", 0)
        ended = [_finish_time(p) for p in self.pods if _failed(p)]
        if not failures or not ended:
            return 0.0
        delay = min(_BACKOFF_MAX, _BACKOFF_BASE * 2 ** (failures - 1))
        return float(delay - (self.now - parse_time(max(ended))).total_seconds())

    def _create(self, active: list[dict[str, Any]]) -> list[dict[str, Any]]:
        parallelism = self.spec.get("parallelism", 1)
        if self.indexed:
            taken = parse_indexes(self.status.get("completedIndexes") or "") | {
                i for p in active if (i := _index(p)) is not None}
            wanted: list[int | None] = [i for i in range(self.completions or 0)
                                        if i not in taken]
            wanted = wanted[:max(0, parallelism - len(active))]
        else:
            left = parallelism if self.completions is None else min(
                parallelism, self.completions - self.status.get("succeeded", 0))
            wanted = [None] * max(0, left - len(active))
        made = []
        for index in wanted:
            made.append(self.api.create("", "pods", self.job["metadata"]["namespace"],
                                        self._pod(index)))
            self._event("Normal", "SuccessfulCreate",
                        f"Created pod: {made[-1]['metadata']['name']}")
        return made

    def _pod(self, index: int | None) -> dict[str, Any]:
        name = self.job["metadata"]["name"]
        prefix = f"{name}-" if index is None else f"{name}-{index}-"
        pod = pod_from_template(self.job, self.spec["template"], generate_name=prefix,
                                finalizers=[TRACKING])
        if index is not None:
            meta = pod["metadata"]
            meta["annotations"] = {**meta.get("annotations", {}), INDEX: str(index)}
            meta["labels"] = {**meta.get("labels", {}), INDEX: str(index)}
            pod["spec"].setdefault("hostname", f"{name}-{index}")
            variable = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                "apiVersion": "v1", "fieldPath": f"metadata.labels['{INDEX}']"}}}
            for key in ("initContainers", "containers"):
                for container in pod["spec"].get(key) or ():
                    container["env"] = [*container.get("env", []), variable]
        return pod

    # -- writing -------------------------------------------------------------------
    def _write(self) -> None:
        status = {k: v for k, v in self.status.items()
                  if v not in (0, None, [], "") or k in ("ready", "terminating")}
        if status != (self.job.get("status") or {}):
            self.job = self.api.update("batch", "jobs", {**self.job, "status": status},
                                       status=True)

    def _event(self, kind: str, reason: str, message: str) -> None:
        self.api.event(self.job, kind, reason, message)


class TTLAfterFinishedController(Controller):
    """Deletes a finished Job ``ttlSecondsAfterFinished`` after it finished."""

    name = "ttl-after-finished"
    actor = "system:serviceaccount:kube-system:ttl-after-finished-controller"
    resource = ("batch", "jobs")
    kind = "Job"

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        job = api.get("batch", "jobs", namespace, name)
        if job is None or deleting(job) or not finished(job):
            return None
        ttl: int | None = job["spec"].get("ttlSecondsAfterFinished")
        if ttl is None:
            return None
        status = job["status"]
        ended = status.get("completionTime") or next(
            c["lastTransitionTime"] for c in status["conditions"]
            if c["type"] in ("Complete", "Failed") and c["status"] == "True")
        left = ttl - seconds_between(ended, api.clock.now())
        if left > 0:
            return left
        api.delete("batch", "jobs", job, propagation="Foreground")
        return None


# -- CronJob -----------------------------------------------------------------------
def _zone(cronjob: Mapping[str, Any]) -> tzinfo:
    name = cronjob["spec"].get("timeZone")
    return ZoneInfo(name) if name else timezone.utc


def _job_reference(job: Mapping[str, Any]) -> dict[str, Any]:
    meta = job["metadata"]
    return {"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"],
            "namespace": meta["namespace"], "resourceVersion": meta["resourceVersion"],
            "uid": meta["uid"]}


def _job_state(job: Mapping[str, Any]) -> str | None:
    for found in (job.get("status") or {}).get("conditions") or ():
        if found.get("type") in ("Complete", "Failed") and found.get("status") == "True":
            return str(found["type"])
    return None


class CronJobController(Controller):
    """Makes a CronJob's Jobs at its scheduled times (the cronjob controller, v2)."""

    name = "cronjob"
    actor = "system:serviceaccount:kube-system:cronjob-controller"
    resource = ("batch", "cronjobs")
    kind = "CronJob"
    owns = (("batch", "jobs"),)

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        cronjob = api.get("batch", "cronjobs", namespace, name)
        if cronjob is None or deleting(cronjob):
            return None
        jobs = api.owned("batch", "jobs", cronjob)
        status = dict(cronjob.get("status") or {})
        self._clean_history(api, cronjob, jobs, status)
        self._account(api, cronjob, jobs, status)
        # Both were validated when the CronJob was written.
        schedule = Schedule.parse(cronjob["spec"]["schedule"])
        zone = _zone(cronjob)
        now = api.clock.now()
        local_now = now.astimezone(zone)
        if cronjob["spec"].get("suspend"):
            return self._write(api, cronjob, status, None)
        due = self._due(cronjob, schedule, status, local_now)
        if due is not None:
            self._start(api, cronjob, jobs, status, due, now)
        following = schedule.next_after(local_now)
        wait = None if following is None else (following - local_now).total_seconds()
        return self._write(api, cronjob, status, wait)

    @staticmethod
    def _write(api: ControllerApi, cronjob: dict[str, Any], status: dict[str, Any],
               wait: float | None) -> float | None:
        status = {k: v for k, v in status.items() if v}
        if status != (cronjob.get("status") or {}):
            api.update("batch", "cronjobs", {**cronjob, "status": status}, status=True)
        return wait

    @staticmethod
    def _clean_history(api: ControllerApi, cronjob: dict[str, Any],
                       jobs: list[dict[str, Any]], status: dict[str, Any]) -> None:
        """Delete the oldest finished Jobs beyond the history limits. Measured: this
        comes first, so a Job deleted here leaves the active list unseen (no
        SawCompletedJob)."""
        spec = cronjob["spec"]
        for state, key, default in (("Complete", "successfulJobsHistoryLimit", 3),
                                    ("Failed", "failedJobsHistoryLimit", 1)):
            limit = spec.get(key, default)
            done = sorted((j for j in jobs if _job_state(j) == state and not deleting(j)),
                          key=lambda j: ((j.get("status") or {}).get("startTime") or "",
                                         j["metadata"]["name"]))
            for job in done[:max(0, len(done) - limit)]:
                api.delete("batch", "jobs", job, propagation="Background")
                api.event(cronjob, "Normal", "SuccessfulDelete",
                          f"Deleted job {job['metadata']['name']}")
                status["active"] = [r for r in status.get("active") or ()
                                    if r.get("uid") != job["metadata"]["uid"]]

    @staticmethod
    def _account(api: ControllerApi, cronjob: dict[str, Any], jobs: list[dict[str, Any]],
                 status: dict[str, Any]) -> None:
        """The active list follows the Jobs: a finished one leaves it (SawCompletedJob),
        a deleted one is dropped; the last success is the latest completionTime."""
        listed = {j["metadata"]["uid"] for j in jobs}
        active = [r for r in status.get("active") or () if r.get("uid") in listed]
        for job in jobs:
            state = _job_state(job)
            if state is None:
                continue
            if any(r.get("uid") == job["metadata"]["uid"] for r in active):
                active = [r for r in active if r.get("uid") != job["metadata"]["uid"]]
                api.event(cronjob, "Normal", "SawCompletedJob",
                          f"Saw completed job: {job['metadata']['name']}, condition: {state}")
            completed = (job.get("status") or {}).get("completionTime")
            if state == "Complete" and completed and completed > status.get(
                    "lastSuccessfulTime", ""):
                status["lastSuccessfulTime"] = completed
        status["active"] = active

    @staticmethod
    def _due(cronjob: dict[str, Any], schedule: Schedule, status: dict[str, Any],
             now: datetime) -> datetime | None:
        """The latest scheduled time not started yet, if any is due."""
        zone = now.tzinfo
        earliest = parse_time(status.get("lastScheduleTime")
                              or cronjob["metadata"]["creationTimestamp"]).astimezone(zone)
        deadline = cronjob["spec"].get("startingDeadlineSeconds")
        if deadline is not None:
            earliest = max(earliest, now - timedelta(seconds=deadline))
        latest = None
        at = schedule.next_after(earliest)
        while at is not None and at <= now:
            latest = at
            at = schedule.next_after(at)
        return latest

    @staticmethod
    def _start(api: ControllerApi, cronjob: dict[str, Any], jobs: list[dict[str, Any]],
               status: dict[str, Any], due: datetime, now: datetime) -> None:
        policy = cronjob["spec"].get("concurrencyPolicy", "Allow")
        running = [j for j in jobs if _job_state(j) is None and not deleting(j)
                   and j["metadata"]["uid"] in {r["uid"] for r in status["active"]}]
        if running and policy == "Forbid":
            api.event(cronjob, "Normal", "JobAlreadyActive",
                      "Not starting job because prior execution is running and "
                      "concurrency policy is Forbid")
            return
        if policy == "Replace":
            for job in running:
                api.delete("batch", "jobs", job, propagation="Background")
                api.event(cronjob, "Normal", "SuccessfulDelete",
                          f"Deleted job {job['metadata']['name']}")
            status["active"] = []
        template = cronjob["spec"]["jobTemplate"]
        meta = template.get("metadata") or {}
        name = f"{cronjob['metadata']['name']}-{int(due.timestamp()) // 60}"
        job_meta: dict[str, Any] = {
            "name": name, "namespace": cronjob["metadata"]["namespace"],
            "annotations": {**(meta.get("annotations") or {}),
                            SCHEDULED: due.isoformat().replace("+00:00", "Z")},
            "ownerReferences": [owner_reference(cronjob)]}
        if meta.get("labels"):
            job_meta["labels"] = dict(meta["labels"])
        body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta,
                "spec": template.get("spec") or {}}
        if api.get("batch", "jobs", cronjob["metadata"]["namespace"], name) is None:
            job = api.create("batch", "jobs", cronjob["metadata"]["namespace"], body)
            api.event(cronjob, "Normal", "SuccessfulCreate", f"Created job {name}")
            status["active"] = [*status["active"], _job_reference(job)]
        status["lastScheduleTime"] = due.astimezone(timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
