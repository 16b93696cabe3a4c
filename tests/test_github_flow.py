"""PyGithub, unchanged, driving the parts of the GitHub fake that gate merges: commit
statuses, check runs from a GitHub App installation, reviews and review requests,
CODEOWNERS, branch protection that counts them, and the simulated CI on the fake's
clock."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from github.PullRequest import PullRequest
from github.Repository import Repository

from fakes.conformance.github._support import Receiver
from fakes.github import FakeGitHub
from fakes.github._checks import STATUS_CAP, create_status
from fakes.github._errors import GitHubError
from github import Github, GithubException


@pytest.fixture
def gh(fake_github: FakeGitHub) -> Github:
    return fake_github.client()


def _feature(fake: FakeGitHub, gh: Github, files: dict[str, str | bytes | None] | None = None
             ) -> tuple[Repository, PullRequest]:
    fake.create_repo("octocat/app", files={"README.md": "# app\n"})
    fake.push("octocat/app", files or {"f.txt": "f\n"}, branch="feature", actor="octocat")
    repo = gh.get_repo("octocat/app")
    return repo, repo.create_pull(title="feature", body="", head="feature", base="main")


def test_statuses_and_the_combined_status(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/app", files={"a": "a\n"})
    commit = gh.get_repo("octocat/app").get_commit("main")
    commit.create_status("pending", context="ci/build", description="building")
    commit.create_status("success", context="ci/build", target_url="https://ci.example/1")
    commit.create_status("failure", context="lint")
    combined = commit.get_combined_status()
    assert combined.state == "failure" and combined.total_count == 2
    assert {s.context: s.state for s in combined.statuses} == {"ci/build": "success",
                                                              "lint": "failure"}
    assert [s.state for s in commit.get_statuses()] == ["failure", "success", "pending"]


def test_check_runs_need_an_app_installation(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/app", files={"a": "a\n"})
    sha = fake_github.branch_head("octocat/app", "main")
    assert sha is not None
    with pytest.raises(GithubException) as refused:
        gh.get_repo("octocat/app").create_check_run("build", sha)
    assert refused.value.status == 403
    assert refused.value.data["message"] == "You must authenticate via a GitHub App."
    app = fake_github.client(fake_github.app_installation_token("octocat", app="builder"))
    run = app.get_repo("octocat/app").create_check_run("build", sha, status="in_progress")
    assert run.status == "in_progress" and run.app.slug == "builder"
    run.edit(conclusion="success", output={"title": "ok", "summary": "all green"})
    assert run.status == "completed" and run.conclusion == "success"
    listed = gh.get_repo("octocat/app").get_commit(sha).get_check_runs()
    assert [r.name for r in listed] == ["build"]
    suites = gh.get_repo("octocat/app").get_commit(sha).get_check_suites()
    assert [(s.status, s.conclusion) for s in suites] == [("completed", "success")]


def test_an_installation_reaches_only_its_repositories(fake_github: FakeGitHub) -> None:
    fake_github.create_repo("octocat/app", private=True, files={"a": "a\n"})
    fake_github.create_repo("octocat/other", private=True, files={"a": "a\n"})
    app = fake_github.client(fake_github.app_installation_token(["octocat/app"]))
    assert app.get_repo("octocat/app").full_name == "octocat/app"
    with pytest.raises(GithubException) as hidden:
        app.get_repo("octocat/other")
    assert hidden.value.status == 404


def test_reviews_gate_the_merge(fake_github: FakeGitHub, gh: Github) -> None:
    repo, pull = _feature(fake_github, gh)
    fake_github.add_collaborator("octocat/app", "hubot", "write")
    hubot = fake_github.client(fake_github.token_for("hubot"))
    repo.get_branch("main").edit_protection(required_approving_review_count=1,
                                            enforce_admins=True)
    with pytest.raises(GithubException) as own:
        pull.create_review(event="APPROVE")
    assert own.value.status == 422
    assert own.value.data["errors"] == ["Can not approve your own pull request"]
    pull.create_review_request(reviewers=["hubot"])
    users, _ = pull.get_review_requests()
    assert [u.login for u in users] == ["hubot"]
    with pytest.raises(GithubException) as blocked:
        pull.merge()
    assert blocked.value.status == 405
    theirs = hubot.get_repo("octocat/app").get_pull(1)
    approval = theirs.create_review(event="APPROVE")
    assert approval.state == "APPROVED"
    assert list(pull.get_review_requests()[0]) == []
    approval.dismiss("not yet")
    assert [r.state for r in pull.get_reviews()] == ["DISMISSED"]
    theirs.create_review(event="APPROVE")
    assert pull.merge().merged


def test_required_checks_and_mergeable_state(fake_github: FakeGitHub, gh: Github) -> None:
    repo, pull = _feature(fake_github, gh)
    repo.get_branch("main").edit_protection(strict=True, contexts=["build"],
                                            enforce_admins=True)
    head = repo.get_commit("feature")
    head.create_status("success", context="build")
    assert repo.get_pull(1).mergeable_state == "unknown"  # computed by the next read
    assert repo.get_pull(1).mergeable_state == "clean"
    fake_github.push("octocat/app", {"other": "o\n"})  # the base moves on
    assert repo.get_pull(1).mergeable_state == "unknown"
    assert repo.get_pull(1).mergeable_state == "behind"
    with pytest.raises(GithubException) as behind:
        pull.merge()
    assert behind.value.data["message"] == 'Required status check "build" is expected.'


def test_simulated_ci_waits_on_the_fakes_clock(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/app", files={"README.md": "# app\n"})
    fake_github.ci("build", after=30, repo="octocat/app")
    fake_github.ci("test", after=60, kind="check", result="failure", branches=["feature*"])
    repo = gh.get_repo("octocat/app")
    repo.get_branch("main").edit_protection(contexts=["build"], enforce_admins=True)
    fake_github.push("octocat/app", {"f.txt": "f\n"}, branch="feature", actor="octocat")
    pull = repo.create_pull(title="f", body="", head="feature", base="main")
    commit = repo.get_commit("feature")
    assert commit.get_combined_status().state == "pending"
    with pytest.raises(GithubException):
        pull.merge()
    fake_github.clock.advance(30)
    assert commit.get_combined_status().state == "success"
    finished = commit.get_statuses()[0]
    assert finished.created_at - commit.get_statuses()[1].created_at == timedelta(seconds=30)
    assert [r.status for r in commit.get_check_runs()] == ["in_progress"]
    fake_github.clock.advance(30)
    assert [r.conclusion for r in commit.get_check_runs()] == ["failure"]
    assert pull.merge().merged


def test_ci_rules_and_the_status_cap_refuse_nonsense(fake_github: FakeGitHub) -> None:
    with pytest.raises(ValueError):
        fake_github.ci("x", kind="deploy")
    with pytest.raises(ValueError):
        fake_github.ci("x", kind="status", result="neutral")
    fake_github.create_repo("octocat/app", files={"a": "a\n"})
    repo = fake_github.repo("octocat/app")
    sha = fake_github.branch_head("octocat/app", "main")
    assert sha is not None
    for _ in range(STATUS_CAP):
        create_status(fake_github.store, repo, sha, {"state": "success", "context": "c"}, "seed")
    with pytest.raises(GitHubError) as capped:
        create_status(fake_github.store, repo, sha, {"state": "success", "context": "c"}, "seed")
    assert capped.value.status == 422


def test_snapshots_keep_reviews_and_statuses(fake_github: FakeGitHub, gh: Github) -> None:
    repo, _pull = _feature(fake_github, gh)
    repo.get_commit("main").create_status("success", context="c")
    saved = fake_github.snapshot()
    repo.get_commit("main").create_status("failure", context="c")
    fake_github.reset(saved)
    assert gh.get_repo("octocat/app").get_commit("main").get_combined_status().state == "success"


def test_webhooks_deliver_signed_events_to_a_loopback_receiver(
    fake_github: FakeGitHub, gh: Github
) -> None:
    receiver = Receiver()
    try:
        fake_github.create_repo("octocat/app", files={"a": "a\n"})
        repo = gh.get_repo("octocat/app")
        hook = repo.create_hook("web", {"url": receiver.url, "content_type": "json",
                                        "secret": "topsecret"},
                                events=["push", "pull_request"])
        fake_github.push("octocat/app", {"b": "b\n"}, actor="octocat")
        assert fake_github.wait_for_webhooks()
        received = receiver.received
        assert [headers["x-github-event"] for headers, _ in received] == ["ping", "push"]
        for headers, body in received:
            assert headers["x-hub-signature-256"] == "sha256=" + hmac.new(
                b"topsecret", body, hashlib.sha256).hexdigest()
        assert json.loads(received[1][1])["after"] == fake_github.branch_head("octocat/app",
                                                                              "main")
        assert [h.id for h in repo.get_hooks()] == [hook.id]
        hook.ping()
        assert fake_github.wait_for_webhooks() and len(received) == 3
        hook.delete()
        assert list(repo.get_hooks()) == []
    finally:
        receiver.close()
