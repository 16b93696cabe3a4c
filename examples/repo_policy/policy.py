"""An organization's repository policy, kept by a bot with PyGithub.

For every repository of the organization that is neither archived nor marked with the
``policy-exempt`` topic, the policy

- keeps the default branch protected as :class:`Protection` says (required status
  checks, strict, required approving reviews, enforce_admins, no force pushes, no
  deletions), writing only when the protection GitHub has differs;
- merges dependency updates (a pull request labelled ``dependencies`` or opened by
  ``dependabot[bot]``) once their required checks passed on the head and GitHub says
  they are mergeable, with a merge method the repository allows, approving them first
  when the protection asks for one approval; every other pull request is left alone.

``mergeable`` is computed after the fact: the first read may say null. The policy asks
once more after reading the checks, and if it is still null, comes back on its next run
rather than polling. The decisions are pure functions
(:func:`protection_body`, :func:`protection_diff`, :func:`is_dependency`,
:func:`merge_decision`, :func:`merge_method`, :func:`transient`); :class:`RepoPolicy`
is the edge and the run. A scheduler runs it as often as it likes: once nothing is
waiting on GitHub, a run sends no write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from github import Github, GithubException

T = TypeVar("T")

EXEMPT_TOPIC = "policy-exempt"
DEPENDENCY_LABEL = "dependencies"
DEPENDENCY_AUTHORS = ("dependabot[bot]",)
#: The merge methods in the policy's order of preference (one commit per update first),
#: with the repository setting that allows each.
PREFERRED_METHODS = (("squash", "allow_squash_merge"), ("merge", "allow_merge_commit"),
                     ("rebase", "allow_rebase_merge"))


# -- the decisions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Protection:
    """What the default branch of every governed repository must require."""

    checks: tuple[str, ...] = ("build",)
    strict: bool = True
    approvals: int = 1
    enforce_admins: bool = True


@dataclass(frozen=True)
class Policy:
    protection: Protection = field(default_factory=Protection)
    #: Repository names the policy governs; None: every repository of the organization.
    repositories: frozenset[str] | None = None


def protection_body(want: Protection) -> dict[str, Any]:
    """The body of the branch protection PUT. ``contexts`` is sent although GitHub
    deprecates it, because its request schema still requires it next to ``strict``."""
    return {
        "required_status_checks": {"strict": want.strict, "contexts": sorted(want.checks)},
        "enforce_admins": want.enforce_admins,
        "required_pull_request_reviews": {"required_approving_review_count": want.approvals},
        "restrictions": None,
        "allow_force_pushes": False,
        "allow_deletions": False,
    }


def _enabled(answer: Mapping[str, Any], name: str) -> bool:
    return bool((answer.get(name) or {}).get("enabled", False))


def protection_diff(want: Protection, have: Mapping[str, Any] | None) -> list[str]:
    """The settings in which ``have`` (the protection GET answer; None: not protected)
    differs from ``want``; empty when nothing needs writing."""
    if have is None:
        return ["protection"]
    checks = have.get("required_status_checks") or {}
    reviews = have.get("required_pull_request_reviews")
    differs = {
        "required_status_checks": checks == {}
        or checks.get("strict") != want.strict
        or sorted(checks.get("contexts") or []) != sorted(want.checks),
        "required_pull_request_reviews": reviews is None
        or reviews.get("required_approving_review_count") != want.approvals,
        "enforce_admins": _enabled(have, "enforce_admins") != want.enforce_admins,
        "restrictions": have.get("restrictions") is not None,
        "allow_force_pushes": _enabled(have, "allow_force_pushes"),
        "allow_deletions": _enabled(have, "allow_deletions"),
    }
    return [name for name, yes in differs.items() if yes]


def governed(name: str, *, archived: bool, topics: Iterable[str], policy: Policy) -> bool:
    """Whether the policy may touch the repository ``name`` (without its owner)."""
    if archived or EXEMPT_TOPIC in topics:
        return False
    return policy.repositories is None or name in policy.repositories


def is_dependency(author: str, labels: Iterable[str]) -> bool:
    return author in DEPENDENCY_AUTHORS or DEPENDENCY_LABEL in labels


@dataclass(frozen=True)
class MergeDecision:
    merge: bool
    reason: str
    approve: bool = False


def merge_decision(*, mergeable: bool | None, outcomes: Mapping[str, str],
                   want: Protection, approved: bool) -> MergeDecision:
    """Whether to merge a dependency pull request now. ``outcomes``: each status
    context or check run name on the head → ``success``, ``failure``, ``pending`` …;
    ``approved``: whether the policy already approves this head."""
    missing = [c for c in sorted(want.checks) if outcomes.get(c) != "success"]
    if missing:
        return MergeDecision(False, f"checks not passed: {', '.join(missing)}")
    if mergeable is None:
        return MergeDecision(False, "mergeable not computed yet: next run")
    if not mergeable:
        return MergeDecision(False, "conflicts with the base")
    if want.approvals > 1:
        return MergeDecision(False, f"needs {want.approvals} approvals: left to people")
    return MergeDecision(True, "ready", approve=want.approvals == 1 and not approved)


def merge_method(repository: Mapping[str, Any]) -> str | None:
    """The first of :data:`PREFERRED_METHODS` the repository allows (the settings of
    ``repos/get``, shown to administrators; GitHub allows all three by default); None
    when it allows none."""
    for method, setting in PREFERRED_METHODS:
        if repository.get(setting, True):
            return method
    return None


def transient(status: int, message: str) -> bool:
    """Worth retrying: a server error, or a secondary rate limit (403 or 429; the
    primary limit's 403 says ``API rate limit exceeded`` and lasts up to an hour)."""
    return status >= 500 or status == 429 or (
        status == 403 and "secondary rate limit" in message)


def retry_after(headers: Mapping[str, str] | None, attempt: int) -> float:
    """Seconds to wait: ``Retry-After`` when GitHub sends it, else a doubling backoff."""
    value = {k.lower(): v for k, v in (headers or {}).items()}.get("retry-after")
    return float(value) if value is not None else float(2 ** attempt)


# -- the edge and the run ----------------------------------------------------------------

@dataclass
class Report:
    protected: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)


class RepoPolicy:
    """Keep ``org``'s repositories to a :class:`Policy`, through PyGithub's ``gh``.

    Every call is retried on a dropped connection, a server error or a secondary rate
    limit, waiting with ``sleep``; a write whose answer may have been lost is retried
    only after reading that it did not happen.
    """

    def __init__(self, gh: Github, org: str, *, attempts: int = 4,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        self.gh, self.org, self.attempts, self.sleep = gh, org, attempts, sleep
        self.me = self._call(lambda: gh.get_user().login)

    def _call(self, action: Callable[[], T], *, done: Callable[[], bool] | None = None
              ) -> T | None:
        """``action()``, retried; None when ``done()`` shows a lost write happened."""
        for attempt in range(self.attempts):
            try:
                return action()
            except requests.ConnectionError:
                wait = retry_after(None, attempt)
                if attempt + 1 == self.attempts:
                    raise
            except GithubException as error:
                message = str((error.data or {}).get("message", "")) if isinstance(
                    error.data, dict) else ""
                if not transient(error.status, message) or attempt + 1 == self.attempts:
                    raise
                wait = retry_after(error.headers, attempt)
            self.sleep(wait)
            if done is not None and self._call(done):
                return None
        raise AssertionError("unreachable")  # pragma: no cover

    def run(self, policy: Policy) -> Report:
        report = Report()
        repositories = self._call(lambda: list(self.gh.get_organization(self.org)
                                                .get_repos(type="all"))) or []
        for repo in sorted(repositories, key=lambda r: r.name):
            if governed(repo.name, archived=repo.archived, topics=repo.topics or [],
                        policy=policy):
                self._protect(repo.full_name, repo.default_branch, policy.protection, report)
                self._merge_dependencies(repo.full_name, repo.default_branch,
                                         policy.protection, report)
        return report

    def _protect(self, full_name: str, branch: str, want: Protection, report: Report) -> None:
        url = f"/repos/{full_name}/branches/{branch}/protection"
        if protection_diff(want, self.protection(full_name, branch)):
            # Not Branch.edit_protection: it sends null for settings it is not given and
            # ``checks`` without ``contexts``, which GitHub's request schema does not
            # allow (the contract tests pin it). The body is sent as the schema says.
            self._call(lambda: self.gh.requester.requestJsonAndCheck(
                "PUT", url, input=protection_body(want)))
            report.protected.append(full_name)

    def protection(self, full_name: str, branch: str) -> dict[str, Any] | None:
        """The protection GET answer of ``branch``; None when it is not protected."""
        url = f"/repos/{full_name}/branches/{branch}/protection"

        def read() -> dict[str, Any] | None:
            try:
                found: dict[str, Any] = self.gh.requester.requestJsonAndCheck("GET", url)[1]
            except GithubException as error:
                if error.status == 404:  # Branch not protected
                    return None
                raise
            return found
        return self._call(read)

    def _merge_dependencies(self, full_name: str, base: str, want: Protection,
                            report: Report) -> None:
        repo = self._call(lambda: self.gh.get_repo(full_name))
        assert repo is not None
        pulls = self._call(lambda: list(repo.get_pulls(state="open", base=base))) or []
        for listed in pulls:
            if is_dependency(listed.user.login, [label.name for label in listed.labels]):
                self._merge(repo, listed.number, want, report)

    def _merge(self, repo: Any, number: int, want: Protection, report: Report) -> None:
        name = f"{repo.full_name}#{number}"
        pull = self._call(lambda: repo.get_pull(number))
        assert pull is not None
        head = pull.head.sha
        outcomes = self.outcomes(repo, head)
        if pull.mergeable is None:
            # The first read started GitHub's computation; ask once more now that the
            # checks were read, and if it is still not done, on the next run.
            pull = self._call(lambda: repo.get_pull(number))
            assert pull is not None
            if pull.head.sha != head:
                report.waiting[name] = "the head moved: next run"
                return
        decision = merge_decision(mergeable=pull.mergeable, outcomes=outcomes, want=want,
                                  approved=self._approved(pull, head))
        method = merge_method(repo.raw_data)
        if not decision.merge or method is None:
            report.waiting[name] = decision.reason if not decision.merge else (
                "the repository allows no merge method")
            return
        if decision.approve:
            self._call(lambda: pull.create_review(event="APPROVE",
                                                  commit=repo.get_commit(head)),
                       done=lambda: self._approved(pull, head))
        try:
            # ``sha``: merge only the head whose checks were read (409 otherwise).
            self._call(lambda: pull.merge(merge_method=method, sha=head),
                       done=lambda: bool(repo.get_pull(number).merged))
        except GithubException as moved:
            if moved.status != 409:
                raise
            report.waiting[name] = "the head moved: next run"
            return
        report.merged.append(name)

    def outcomes(self, repo: Any, sha: str) -> dict[str, str]:
        """Each status context and check run name on ``sha`` → its latest outcome."""
        def read() -> dict[str, str]:
            commit = repo.get_commit(sha)
            found = {s.context: s.state for s in commit.get_combined_status().statuses}
            for run in commit.get_check_runs():
                found[run.name] = run.conclusion or run.status
            return found
        return self._call(read) or {}

    def _approved(self, pull: Any, head: str) -> bool:
        def read() -> bool:
            return any(r.user.login == self.me and r.state == "APPROVED"
                       and r.commit_id == head for r in pull.get_reviews())
        return bool(self._call(read))
