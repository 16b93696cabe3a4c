"""The reconciler harness on the GitHub fake, through PyGithub: a bot that keeps
files on a branch and one pull request open for them."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import settings
from hypothesis import strategies as st

from fakes.faults import LostResponse, ProviderFault, Throttle
from fakes.github import FakeGitHub
from fakes.reconciliation import Drift, Injection, Reconciler, ReconcilerFailure
from github import GithubException

REPO = "octocat/config"
BRANCH = "bot/sync"
Desired = dict[str, str]


def examples(n: int) -> settings:
    return settings(max_examples=n, stateful_step_count=8, deadline=None,
                    derandomize=True, database=None)


class Bot:
    """Keep ``desired`` (path → text) on ``bot/sync`` and one open pull request from it."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.repo = fake.client().get_repo(REPO)

    def reconcile(self, desired: Desired) -> None:
        repo = self.repo
        try:
            repo.get_branch(BRANCH)
        except GithubException as missing:
            if missing.status != 404:
                raise
            main = repo.get_branch("main").commit.sha
            self._create_branch(main)
        for path, text in sorted(desired.items()):
            try:
                current: Any = repo.get_contents(path, ref=BRANCH)
            except GithubException as missing:
                if missing.status != 404:
                    raise
                repo.create_file(path, f"add {path}", text, branch=BRANCH)
                continue
            if current.decoded_content.decode() != text:
                repo.update_file(path, f"update {path}", text, current.sha, branch=BRANCH)
        if desired and not list(repo.get_pulls(state="open", head=f"octocat:{BRANCH}")):
            self.open_pull()

    def _create_branch(self, sha: str) -> None:
        try:
            self.repo.create_git_ref(f"refs/heads/{BRANCH}", sha)
        except GithubException as exists:
            # After a lost answer the branch is there already: that is done.
            if exists.status != 422:
                raise

    def open_pull(self) -> None:
        for attempt in range(3):  # a dropped connection is retried
            try:
                self.repo.create_pull(title="Sync files", body="", head=BRANCH, base="main")
                return
            except requests.ConnectionError:
                continue
            except GithubException as refused:
                if refused.status == 422 and attempt > 0:
                    return  # the lost attempt opened it: GitHub refuses a second one
                raise


class DuplicatingBot(Bot):
    """Seeded bug: a refused retry is taken for a branch in the way, and the pull
    request is opened again from a new branch."""

    def open_pull(self) -> None:
        for _ in range(3):
            try:
                self.repo.create_pull(title="Sync files", body="", head=BRANCH, base="main")
                return
            except requests.ConnectionError:
                continue
            except GithubException as refused:
                if refused.status != 422:
                    raise
                break
        else:
            return
        n = len(list(self.repo.get_branches()))
        self.repo.create_git_ref(f"refs/heads/{BRANCH}-{n}",
                                 self.repo.get_branch(BRANCH).commit.sha)
        self.repo.create_pull(title="Sync files", body="", head=f"{BRANCH}-{n}", base="main")


def observe(fake: FakeGitHub) -> tuple[dict[str, str], int]:
    files = {}
    for path in ("a.txt", "b.txt"):
        content = fake.file(REPO, path, ref=BRANCH) if fake.branch_head(REPO, BRANCH) else None
        if content is not None:
            files[path] = content.decode()
    open_pulls = len([p for p in fake.client().get_repo(REPO).get_pulls(state="open")])
    return files, open_pulls


def owned(change: Any) -> bool:
    """The bot owns its branches (``bot/sync`` and any ``bot/sync-…``) and what is on
    them: the journal names git writes by repository, with the branch in the detail."""
    detail = change.detail
    where = detail.get("branch") or detail.get("head") or str(
        detail.get("ref", "")).removeprefix("refs/heads/")
    return str(where).startswith(BRANCH)


def harness(fake: FakeGitHub, kind: type[Bot]) -> Reconciler[Desired, Any]:
    fake.create_repo(REPO, files={"README.md": "config\n"})
    bot = kind(fake)

    def someone_edits(path: str) -> None:
        if fake.branch_head(REPO, BRANCH) is not None:
            fake.push(REPO, {path: "edited by hand\n"}, branch=BRANCH, actor="someone")

    return Reconciler(
        fakes=[fake], actor="octocat",
        desired=st.dictionaries(st.sampled_from(["a.txt", "b.txt"]),
                                st.sampled_from(["one\n", "two\n"]), min_size=1, max_size=2),
        reconcile=bot.reconcile, observe=lambda: observe(fake),
        converged=lambda desired, state: state[0] == desired and state[1] == 1,
        owns=owned,
        drift=[Drift("someone edits a file on the branch", someone_edits,
                     st.sampled_from(["a.txt", "b.txt"]))],
        faults=[Injection("lost pull request", fake, LostResponse(), on="pulls/create"),
                Injection("lost file write", fake, LostResponse(),
                          on="repos/create-or-update-file-contents"),
                Injection("throttled", fake, Throttle()),
                Injection("server error", fake, ProviderFault(502))],
        max_advance=0)


def test_the_bot_is_idempotent_and_converges(fake_github: FakeGitHub) -> None:
    harness(fake_github, Bot).check(settings=examples(30))


def test_a_bot_that_reopens_under_a_new_branch_duplicates_pull_requests(
        fake_github: FakeGitHub) -> None:
    with pytest.raises(ReconcilerFailure, match="lost response") as failure:
        harness(fake_github, DuplicatingBot).check(settings=examples(60))
    assert "LostResponse on pulls/create" in str(failure.value)
