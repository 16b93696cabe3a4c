"""Simulated CI: declarative rules that report a commit status or a check run for every
commit that lands on a branch, pending at once and finished ``after`` seconds of the
fake's clock. Not a GitHub feature: it stands in for the CI a real repository has, so
tests wait for CI (``fake.clock.advance(30)``) without running one.

Landings are noticed after every request and every seeding push; a job finishes when
its time has come, stamped with that time, the next time the fake is asked anything.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from fakes.github._checks import (
    CONCLUSIONS,
    create_check_run,
    create_status,
    get_check_run,
    update_check_run,
)

if TYPE_CHECKING:
    from fakes.github._model import GitHubState, Repository

__all__ = ["CI", "CIRule"]


@attrs.frozen
class CIRule:
    """One simulated job: ``context`` (the status context or the check run's name) goes
    pending on each commit landing on a matching branch and ends ``result`` after
    ``after`` seconds. ``kind``: ``"status"`` or ``"check"`` (a check run by ``app``).
    ``repo`` (``owner/name``, None: every repository), ``branches`` and ``paths``
    (fnmatch patterns, None: any) choose the commits."""

    context: str
    after: float = 0.0
    result: str = "success"
    kind: str = "status"
    repo: str | None = None
    branches: tuple[str, ...] | None = None
    paths: tuple[str, ...] | None = None
    app: str = "fake-ci"

    def __attrs_post_init__(self) -> None:
        if self.kind not in ("status", "check"):
            raise ValueError("kind must be 'status' or 'check'")
        allowed = ("success", "failure", "error") if self.kind == "status" else CONCLUSIONS
        if self.result not in allowed:
            raise ValueError(f"result {self.result!r} is not one of {', '.join(allowed)}")

    @property
    def bot(self) -> str:
        return f"{self.app}[bot]"


@attrs.define
class _Job:
    rule: CIRule
    repo: str
    sha: str
    due: float  # on the clock's monotonic scale
    run: int | None = None


class CI:
    """The rules and the jobs in flight; owned by the adapter, cleared on reset."""

    def __init__(self, state: GitHubState) -> None:
        self.state = state
        self.rules: list[CIRule] = []
        self.jobs: list[_Job] = []
        self.seen: dict[tuple[str, str], str] = {}  # (repo, branch) → head last seen
        self.built: set[tuple[CIRule, str, str]] = set()  # (rule, repo, sha) started

    def clear(self) -> None:
        with self.state.lock:
            self.rules.clear()
            self.jobs.clear()
            self.seen.clear()
            self.built.clear()

    def add(self, rule: CIRule) -> None:
        with self.state.lock:
            if rule.bot not in self.state.accounts:  # the app reporting, as creator
                self.state.create_bot(rule.bot)
            self.rules.append(rule)
            self.observe(start=False)  # what is there already is not a new landing

    def _repos(self) -> list[Repository]:
        wanted = {r.repo for r in self.rules}
        return [repo for repo in self.state.repos.values()
                if None in wanted or repo.full_name in wanted]

    def observe(self, start: bool = True) -> None:
        """Start the jobs of every branch head that moved since last seen."""
        with self.state.lock:
            if not self.rules:
                return
            for repo in self._repos():
                for name, sha in repo.git.refs().items():
                    if not name.startswith("refs/heads/"):
                        continue
                    branch = name.removeprefix("refs/heads/")
                    before = self.seen.get((repo.full_name, branch))
                    if before == sha:
                        continue
                    self.seen[(repo.full_name, branch)] = sha
                    if start:
                        self._land(repo, branch, sha, before)

    def _land(self, repo: Repository, branch: str, sha: str, before: str | None) -> None:
        changed: set[str] | None = None
        for rule in self.rules:
            if rule.repo not in (None, repo.full_name):
                continue
            if rule.branches is not None and not any(fnmatch.fnmatchcase(branch, b)
                                                     for b in rule.branches):
                continue
            if (rule, repo.full_name, sha) in self.built:
                continue  # the same commit landing on another branch runs once
            if rule.paths is not None:
                if changed is None:
                    changed = _changed(repo, before, sha)
                if not any(fnmatch.fnmatchcase(p, g) for p in changed for g in rule.paths):
                    continue
            job = _Job(rule, repo.full_name, sha, self.state.clock.monotonic() + rule.after)
            if rule.kind == "status":
                create_status(self.state, repo, sha, {"state": "pending",
                                                      "context": rule.context}, rule.bot)
            else:
                # A run's app is its bot, as for runs made with the app's token.
                job.run = create_check_run(self.state, repo, rule.bot, {
                    "name": rule.context, "head_sha": sha, "status": "in_progress"},
                    rule.bot).id
            self.jobs.append(job)
            self.built.add((rule, repo.full_name, sha))

    def settle(self) -> None:
        """Finish every job whose time has come, stamped with that time."""
        with self.state.lock:
            clock = self.state.clock
            now = clock.monotonic()
            due = sorted((j for j in self.jobs if j.due <= now), key=lambda j: j.due)
            for job in due:
                self.jobs.remove(job)
                owner, _, name = job.repo.partition("/")
                repo = self.state._find_repo(owner, name)
                if repo is None:
                    continue
                when: datetime = clock.now() - timedelta(seconds=now - job.due)
                if job.run is None:
                    create_status(self.state, repo, job.sha, {
                        "state": job.rule.result, "context": job.rule.context}, job.rule.bot,
                        when)
                else:
                    run = get_check_run(repo, str(job.run))
                    update_check_run(self.state, repo, run, job.rule.bot, {
                        "conclusion": job.rule.result}, job.rule.bot, when)


def _changed(repo: Repository, before: str | None, sha: str) -> set[str]:
    """The paths ``sha`` changes against ``before`` (or its first parent)."""
    commit = repo.git.commit(sha)
    assert commit is not None
    if before is None or repo.git.commit(before) is None:
        before = commit.parents[0].decode() if commit.parents else None
    new = repo.git.files(commit.tree.decode())
    old_commit = repo.git.commit(before) if before else None
    old = repo.git.files(old_commit.tree.decode()) if old_commit is not None else {}
    return {p for p in set(old) | set(new) if old.get(p) != new.get(p)}


def rule(context: str, *, after: float, result: str, kind: str, repo: str | None,
         branches: Sequence[str] | None, paths: Sequence[str] | None, app: str) -> CIRule:
    return CIRule(context, after, result, kind, repo,
                  tuple(branches) if branches is not None else None,
                  tuple(paths) if paths is not None else None, app)
