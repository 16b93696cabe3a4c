"""Commit statuses, check runs and check suites: what CI reports about a commit. No HTTP.

Statuses: https://docs.github.com/rest/commits/statuses (the latest status of each
context counts; the combined state is ``failure`` if any is ``error`` or ``failure``,
``pending`` if any is pending or there are none, ``success`` otherwise; at most 1000
statuses per sha and context). Check runs and suites:
https://docs.github.com/rest/checks/runs and https://docs.github.com/rest/checks/suites
(only GitHub Apps write check runs; a suite per head sha and app, made with its first
run; ``conclusion`` completes a run, and ``completed`` needs a conclusion).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from fakes.github._errors import fail, validation_failed

if TYPE_CHECKING:
    from fakes.github._model import GitHubState, Repository

__all__ = ["CheckRun", "CheckSuite", "Flow", "Status", "check_outcomes", "combined_state",
           "create_check_run", "create_status", "latest_statuses", "update_check_run"]

STATUS_DOCS = "https://docs.github.com/rest/commits/statuses"
RUNS_DOCS = "https://docs.github.com/rest/checks/runs"
STATES = ("error", "failure", "pending", "success")
RUN_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped",
               "stale", "timed_out")
#: Conclusions that satisfy a required check (about-protected-branches: "successful,
#: skipped, or neutral").
PASSING = ("success", "neutral", "skipped")
STATUS_CAP = 1000
APP_ONLY = "You must authenticate via a GitHub App."


@attrs.define
class Status:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: datetime
    updated_at: datetime


@attrs.define
class CheckSuite:
    id: int
    app: str  # the app's bot login, "<slug>[bot]"
    head_sha: str
    head_branch: str | None
    created_at: datetime
    updated_at: datetime


@attrs.define
class CheckRun:
    id: int
    suite: int
    app: str
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: datetime | None
    completed_at: datetime | None
    details_url: str | None = None
    external_id: str | None = None
    title: str | None = None
    summary: str | None = None
    text: str | None = None


@attrs.define
class Review:
    id: int
    user: str
    state: str  # PENDING, APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
    body: str
    commit_id: str
    submitted_at: datetime | None


@attrs.define
class Flow:
    """What reports on and judges a repository's commits: statuses, checks, reviews."""

    statuses: list[Status] = attrs.field(factory=list)
    suites: dict[int, CheckSuite] = attrs.field(factory=dict)
    runs: dict[int, CheckRun] = attrs.field(factory=dict)
    reviews: dict[int, list[Review]] = attrs.field(factory=dict)  # pull number → reviews
    requested: dict[int, list[str]] = attrs.field(factory=dict)  # pull number → logins

    def copy(self) -> Flow:
        return Flow([attrs.evolve(s) for s in self.statuses],
                    {k: attrs.evolve(v) for k, v in self.suites.items()},
                    {k: attrs.evolve(v) for k, v in self.runs.items()},
                    {k: [attrs.evolve(r) for r in v] for k, v in self.reviews.items()},
                    {k: list(v) for k, v in self.requested.items()})


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) else None


def create_status(state: GitHubState, repo: Repository, sha: str, body: Mapping[str, Any],
                  actor: str, when: datetime | None = None) -> Status:
    """POST statuses/{sha}: 422 for an unknown state or a sha that is no commit, and past
    1000 statuses for one sha and context ("Create a commit status")."""
    with state.lock:
        wanted = body.get("state")
        if wanted not in STATES:
            raise validation_failed({"resource": "Status", "field": "state", "code": "invalid"},
                                    docs=f"{STATUS_DOCS}#create-a-commit-status")
        if repo.git.commit(sha) is None:
            raise validation_failed(f"No commit found for SHA: {sha}",
                                    docs=f"{STATUS_DOCS}#create-a-commit-status")
        context = _text(body, "context") or "default"
        sha = sha.lower()
        same = sum(1 for s in repo.flow.statuses if s.sha == sha and s.context == context)
        if same >= STATUS_CAP:
            raise validation_failed({"resource": "Status", "code": "custom",
                                     "message": "This SHA and context has reached the maximum "
                                                "number of statuses."},
                                    docs=f"{STATUS_DOCS}#create-a-commit-status")
        now = when or state.clock.now()
        status = Status(state._next_id(), sha, str(wanted), context,
                        _text(body, "description"), _text(body, "target_url"), actor, now, now)
        repo.flow.statuses.append(status)
        state.journal.record(actor, "status.create", repo.full_name, sha=sha, context=context,
                             state=status.state, id=status.id)
        return status


def latest_statuses(repo: Repository, sha: str) -> list[Status]:
    """The latest status of each context, newest first."""
    seen: dict[str, Status] = {}
    for status in reversed(repo.flow.statuses):
        if status.sha == sha and status.context not in seen:
            seen[status.context] = status
    return list(seen.values())


def combined_state(statuses: list[Status]) -> str:
    states = {s.state for s in statuses}
    if states & {"error", "failure"}:
        return "failure"
    if not statuses or "pending" in states:
        return "pending"
    return "success"


def _suite_for(state: GitHubState, repo: Repository, app: str, sha: str,
               now: datetime) -> CheckSuite:
    for suite in repo.flow.suites.values():
        if suite.app == app and suite.head_sha == sha:
            return suite
    branch = next((name.removeprefix("refs/heads/") for name, target in repo.git.refs().items()
                   if target == sha and name.startswith("refs/heads/")), None)
    suite = CheckSuite(state._next_id(), app, sha, branch, now, now)
    repo.flow.suites[suite.id] = suite
    return suite


def _apply(run: CheckRun, body: Mapping[str, Any], now: datetime) -> None:
    """Status and conclusion: a conclusion completes the run; ``completed`` needs one."""
    status = body.get("status", run.status)
    conclusion = body.get("conclusion", run.conclusion if status == run.status else None)
    if status not in RUN_STATUSES:
        raise validation_failed({"resource": "CheckRun", "field": "status", "code": "invalid"},
                                docs=RUNS_DOCS)
    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise validation_failed({"resource": "CheckRun", "field": "conclusion",
                                 "code": "invalid"}, docs=RUNS_DOCS)
    if conclusion is not None:
        status = "completed"
    elif status == "completed":
        raise validation_failed({"resource": "CheckRun", "field": "conclusion",
                                 "code": "missing_field"}, docs=RUNS_DOCS)
    run.status, run.conclusion = str(status), conclusion
    if status == "completed":
        run.completed_at = run.completed_at if "completed_at" not in body and \
            run.completed_at else now
    if status != "queued" and run.started_at is None:
        run.started_at = now
    for name in ("details_url", "external_id"):
        if name in body:
            setattr(run, name, _text(body, name))
    output = body.get("output")
    if isinstance(output, Mapping):
        run.title, run.summary = _text(output, "title"), _text(output, "summary")
        run.text = _text(output, "text")


def create_check_run(state: GitHubState, repo: Repository, app: str | None,
                     body: Mapping[str, Any], actor: str, when: datetime | None = None
                     ) -> CheckRun:
    """POST check-runs (RUNS_DOCS#create-a-check-run): by an app only; ``name`` and a
    ``head_sha`` that is a commit are required."""
    with state.lock:
        if app is None:
            raise fail(403, APP_ONLY, f"{RUNS_DOCS}#create-a-check-run")
        name, sha = body.get("name"), body.get("head_sha")
        if not isinstance(name, str) or not name:
            raise validation_failed({"resource": "CheckRun", "field": "name",
                                     "code": "missing_field"}, docs=RUNS_DOCS)
        if not isinstance(sha, str) or repo.git.commit(sha) is None:
            raise validation_failed({"resource": "CheckRun", "field": "head_sha",
                                     "code": "invalid"}, docs=RUNS_DOCS)
        now = when or state.clock.now()
        sha = sha.lower()
        run = CheckRun(0, 0, app, sha, name, "queued", None, None, None)
        _apply(run, body, now)
        run.started_at = run.started_at or now
        suite = _suite_for(state, repo, app, sha, now)
        run.id, run.suite = state._next_id(), suite.id
        suite.updated_at = now
        repo.flow.runs[run.id] = run
        state.journal.record(actor, "check_run.create", repo.full_name, sha=sha, name=name,
                             status=run.status, conclusion=run.conclusion, id=run.id)
        return run


def get_check_run(repo: Repository, number: str) -> CheckRun:
    run = repo.flow.runs.get(int(number)) if number.isdigit() else None
    if run is None:
        raise fail(404, "Not Found", f"{RUNS_DOCS}#get-a-check-run")
    return run


def update_check_run(state: GitHubState, repo: Repository, run: CheckRun, app: str | None,
                     body: Mapping[str, Any], actor: str, when: datetime | None = None) -> None:
    """PATCH check-runs/{id}: only the app that made the run."""
    with state.lock:
        if app is None:
            raise fail(403, APP_ONLY, f"{RUNS_DOCS}#update-a-check-run")
        if app != run.app:
            # Another app's run: GitHub's refusal of what an integration may not touch.
            raise fail(403, "Resource not accessible by integration",
                       f"{RUNS_DOCS}#update-a-check-run")
        trial = attrs.evolve(run)
        now = when or state.clock.now()
        _apply(trial, body, now)
        if isinstance(body.get("name"), str) and body["name"]:
            trial.name = body["name"]
        repo.flow.runs[run.id] = trial
        repo.flow.suites[run.suite].updated_at = now
        state.journal.record(actor, "check_run.update", repo.full_name, id=run.id,
                             status=trial.status, conclusion=trial.conclusion)


def latest_runs(repo: Repository, sha: str) -> list[CheckRun]:
    """The latest run of each name and app on ``sha``, newest first."""
    seen: dict[tuple[str, str], CheckRun] = {}
    for run in sorted(repo.flow.runs.values(), key=lambda r: -r.id):
        if run.head_sha == sha and (run.name, run.app) not in seen:
            seen[(run.name, run.app)] = run
    return list(seen.values())


def suite_state(repo: Repository, suite: CheckSuite) -> tuple[str, str | None]:
    """A suite's status and conclusion from its runs' latest states."""
    runs = [r for r in latest_runs(repo, suite.head_sha) if r.suite == suite.id]
    if not runs or any(r.status != "completed" for r in runs):
        return ("queued" if not runs else "in_progress"), None
    conclusions = [r.conclusion for r in runs]
    for worst in ("action_required", "timed_out", "cancelled", "failure", "stale"):
        if worst in conclusions:
            return "completed", worst
    return "completed", "neutral" if all(c == "neutral" for c in conclusions) else "success"


def check_outcomes(repo: Repository, sha: str) -> dict[str, str]:
    """Each context and check name on ``sha``: ``success``, ``pending`` or ``failure``
    (statuses' ``error`` counts as failure; a check run not completed is pending)."""
    outcomes: dict[str, str] = {}
    for status in latest_statuses(repo, sha):
        outcomes[status.context] = {"error": "failure"}.get(status.state, status.state)
    for run in latest_runs(repo, sha):
        if run.status != "completed":
            outcome = "pending"
        else:
            outcome = "success" if run.conclusion in PASSING else "failure"
        if outcomes.get(run.name) != "success":
            outcomes[run.name] = outcome
    return outcomes
