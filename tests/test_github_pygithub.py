"""PyGithub, unchanged, against the GitHub fake: the workflows automation runs, the
exceptions PyGithub picks from GitHub's answers, pagination, conditional requests and
rate limits; and the fake's own surface (seeding, journal, clock, snapshot/reset)."""

from __future__ import annotations

import pytest
import requests

from fakes.github import FakeGitHub
from github import (
    BadCredentialsException,
    Github,
    GithubException,
    InputGitTreeElement,
    RateLimitExceededException,
    UnknownObjectException,
)


@pytest.fixture
def gh(fake_github: FakeGitHub) -> Github:
    return fake_github.client()


def test_a_config_sync_writes_once_and_the_second_run_writes_nothing(
    fake_github: FakeGitHub, gh: Github
) -> None:
    fake_github.create_org("acme", admins=["octocat"])
    fake_github.create_repo("acme/config", files={"settings.yaml": "replicas: 1\n"})

    def sync(content: str) -> None:
        repo = gh.get_repo("acme/config")
        current = repo.get_contents("settings.yaml")
        assert not isinstance(current, list)
        if current.decoded_content.decode() != content:
            repo.update_file("settings.yaml", "sync settings", content, current.sha)

    mark = fake_github.journal.mark()
    sync("replicas: 3\n")
    writes = fake_github.journal.since(mark)
    assert [(c.actor, c.operation) for c in writes] == [("octocat", "contents.update")]
    assert fake_github.file("acme/config", "settings.yaml") == b"replicas: 3\n"
    mark = fake_github.journal.mark()
    sync("replicas: 3\n")
    assert fake_github.journal.since(mark) == []


def test_contents_round_trip_and_the_409_of_a_stale_sha(gh: Github) -> None:
    repo = gh.get_user().create_repo("demo", auto_init=True)
    made = repo.create_file("docs/a.md", "add a", "A\n")
    assert repo.get_contents("docs/a.md").decoded_content == b"A\n"  # type: ignore[union-attr]
    repo.update_file("docs/a.md", "edit a", "B\n", made["content"].sha)
    with pytest.raises(GithubException) as stale:
        repo.update_file("docs/a.md", "edit a again", "C\n", made["content"].sha)
    assert stale.value.status == 409
    assert stale.value.data["message"] == f"docs/a.md does not match {made['content'].sha}"
    listing = repo.get_contents("docs")
    assert isinstance(listing, list) and [c.path for c in listing] == ["docs/a.md"]
    current = repo.get_contents("docs/a.md")
    assert not isinstance(current, list)
    repo.delete_file("docs/a.md", "rm a", current.sha)
    with pytest.raises(UnknownObjectException):
        repo.get_contents("docs/a.md")


def test_git_data_builds_a_commit_and_moves_a_branch(gh: Github) -> None:
    repo = gh.get_user().create_repo("gitdata", auto_init=True)
    main = repo.get_branch("main")
    blob = repo.create_git_blob("print('hi')\n", "utf-8")
    tree = repo.create_git_tree(
        [InputGitTreeElement("src/app.py", "100644", "blob", sha=blob.sha)],
        repo.get_git_tree(main.commit.sha))
    commit = repo.create_git_commit("add app", tree, [repo.get_git_commit(main.commit.sha)])
    ref = repo.get_git_ref("heads/main")
    ref.edit(commit.sha)
    assert repo.get_branch("main").commit.sha == commit.sha
    sideways = repo.create_git_commit("sideways", tree, [])
    with pytest.raises(GithubException) as refused:
        ref.edit(sideways.sha)
    assert (refused.value.status, refused.value.data["message"]) == (
        422, "Update is not a fast forward")
    ref.edit(sideways.sha, force=True)
    feature = repo.create_git_ref("refs/heads/feature", commit.sha)
    assert [r.ref for r in repo.get_git_matching_refs("heads/")] == [
        "refs/heads/feature", "refs/heads/main"]
    feature.delete()
    with pytest.raises(UnknownObjectException):
        repo.get_git_ref("heads/feature")


def test_compare_and_commits(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/hist", files={"a": "a\n"})
    base = fake_github.branch_head("octocat/hist", "main")
    fake_github.push("octocat/hist", {"b": "b\n"}, branch="topic", actor="mona")
    fake_github.push("octocat/hist", {"c": "c\n"}, actor="hubot")
    repo = gh.get_repo("octocat/hist")
    comparison = repo.compare("main", "topic")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("diverged", 1, 1)
    assert comparison.merge_base_commit.sha == base
    assert [f.filename for f in comparison.files] == ["b"]
    assert repo.get_commits().totalCount == 2
    assert repo.get_commits(sha="topic")[0].commit.message == "Update files"


def test_pagination_with_total_count(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_org("many", admins=["octocat"])
    for i in range(65):
        fake_github.create_repo(f"many/r{i:03}")
    repos = gh.get_organization("many").get_repos()
    assert repos.totalCount == 65
    assert [r.name for r in repos] == [f"r{i:03}" for i in range(65)]


def test_the_exceptions_pygithub_picks(fake_github: FakeGitHub, gh: Github) -> None:
    with pytest.raises(BadCredentialsException):
        fake_github.client("ghp_wrong").get_user().login  # noqa: B018
    with pytest.raises(UnknownObjectException):
        gh.get_repo("octocat/none")
    fake_github.create_repo("octocat/empty")
    with pytest.raises(GithubException) as empty:
        gh.get_repo("octocat/empty").get_commits()[0]
    assert (empty.value.status, empty.value.data["message"]) == (409, "Git Repository is empty.")
    with pytest.raises(GithubException) as loud:
        gh.get_repo("octocat/empty").get_releases()[0]
    assert loud.value.status == 501 and "repos/list-releases" in loud.value.data["message"]


def test_rate_limits(fake_github: FakeGitHub) -> None:
    fake_github.rate_limit = 3
    gh = fake_github.client()
    gh.get_user().login  # noqa: B018
    assert gh.get_rate_limit().resources.core.remaining == 2
    gh.get_repos  # noqa: B018
    gh.get_user("octocat").login  # noqa: B018
    gh.get_user("octocat").login  # noqa: B018
    with pytest.raises(RateLimitExceededException):
        gh.get_user("octocat").login  # noqa: B018
    fake_github.clock.advance(3600)
    assert gh.get_user("octocat").login == "octocat"


def test_conditional_requests_cost_nothing(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/cond", files={"x": "x\n"})
    repo = gh.get_repo("octocat/cond")
    used = gh.get_rate_limit().resources.core.used
    assert repo.update() is False  # 304: unchanged
    assert gh.get_rate_limit().resources.core.used == used


def test_the_enterprise_prefix(fake_github: FakeGitHub) -> None:
    gh = fake_github.client(enterprise_prefix=True)
    repo = gh.get_user().create_repo("ghes", auto_init=True)
    assert repo.url == f"{fake_github.api_url}/repos/octocat/ghes"
    assert repo.get_contents("README.md").decoded_content == b"# ghes\n"  # type: ignore[union-attr]
    assert requests.get(f"{fake_github.api_url}/repos/octocat/ghes", timeout=5).json()[
        "owner"]["url"].startswith(fake_github.api_url)


def test_private_repositories_and_tokens(fake_github: FakeGitHub) -> None:
    fake_github.create_repo("octocat/secret", private=True, files={"k": "v\n"})
    stranger = fake_github.client(fake_github.token_for("stranger"))
    with pytest.raises(UnknownObjectException):
        stranger.get_repo("octocat/secret")
    reader = fake_github.token_for("octocat", permissions={"contents": "read"},
                                   repositories=["octocat/secret"])
    repo = fake_github.client(reader).get_repo("octocat/secret")
    assert repo.get_contents("k").decoded_content == b"v\n"  # type: ignore[union-attr]
    with pytest.raises(GithubException) as refused:
        repo.create_file("k2", "m", "v")
    assert (refused.value.status, refused.value.data["message"]) == (
        403, "Resource not accessible by personal access token")


def test_commit_dates_come_from_the_fake_clock(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/time", files={"a": "a\n"})
    fake_github.clock.advance(90)
    repo = gh.get_repo("octocat/time")
    made = repo.create_file("b", "b", "b\n")
    expected = fake_github.clock.now().replace(microsecond=0)
    assert repo.get_git_commit(made["commit"].sha).author.date == expected


def test_snapshot_and_reset(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/base", files={"a": "1\n"})
    baseline = fake_github.snapshot()
    gh.get_repo("octocat/base").create_file("b", "b", "b\n")
    fake_github.push("octocat/base", {"a": None, "c": "c\n"})
    fake_github.reset(baseline)
    assert fake_github.file("octocat/base", "a") == b"1\n"
    assert fake_github.file("octocat/base", "b") is None
    assert list(fake_github.refs("octocat/base")) == ["refs/heads/main"]
    fake_github.reset()
    with pytest.raises(KeyError):
        fake_github.repo("octocat/base")


def test_collaborators_and_orgs_through_seeding(fake_github: FakeGitHub) -> None:
    fake_github.create_org("team", admins=["lead"], members=["dev"])
    fake_github.create_repo("team/svc", private=True, auto_init=True)
    dev = fake_github.client(fake_github.token_for("dev"))
    assert dev.get_repo("team/svc").get_contents("README.md")  # members read
    with pytest.raises(UnknownObjectException):
        dev.get_repo("team/svc").create_file("x", "x", "x")
    fake_github.add_collaborator("team/svc", "dev", "write")
    dev.get_repo("team/svc").create_file("x", "x", "x")
    assert fake_github.file("team/svc", "x") == b"x"


def test_open_wait_for_mergeable_and_merge(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/svc", files={"app.py": "v = 1\n"})
    fake_github.push("octocat/svc", {"app.py": "v = 2\n"}, branch="bump", actor="mona")
    repo = gh.get_repo("octocat/svc")
    pull = repo.create_pull(title="bump", body="v2", head="bump", base="main")
    assert pull.mergeable is None
    assert repo.get_pull(pull.number).mergeable is None  # computing
    fresh = repo.get_pull(pull.number)
    assert (fresh.mergeable, fresh.mergeable_state) == (True, "clean")
    assert [p.number for p in repo.get_pulls()] == [pull.number]
    status = fresh.merge(merge_method="squash", sha=fresh.head.sha)
    assert status.merged
    assert fake_github.file("octocat/svc", "app.py") == b"v = 2\n"
    assert repo.get_pull(pull.number).is_merged()
    assert repo.get_pulls().totalCount == 0
    changes = [(c.actor, c.operation) for c in fake_github.journal.since(0)]
    assert ("octocat", "pull.merge") in changes and ("mona", "push") in changes


def test_a_conflict_is_405(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/c", files={"f": "base\n"})
    fake_github.push("octocat/c", {"f": "theirs\n"}, branch="other")
    fake_github.push("octocat/c", {"f": "ours\n"})
    pull = gh.get_repo("octocat/c").create_pull(title="t", body="", head="other", base="main")
    with pytest.raises(GithubException) as refused:
        pull.merge()
    assert (refused.value.status, refused.value.data["message"]) == (
        405, "Pull Request is not mergeable")
    pull.edit(state="closed")
    assert gh.get_repo("octocat/c").get_pull(pull.number).state == "closed"
