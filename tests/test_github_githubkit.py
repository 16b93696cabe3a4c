"""githubkit, unchanged, against the GitHub fake: a second Python client, built on httpx
and pydantic models generated from GitHub's OpenAPI description, so every answer it reads
is parsed into GitHub's documented shape. Repositories, contents, refs, pull requests,
merges, errors as githubkit raises them, and pagination."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from githubkit import GitHub
from githubkit.exception import RequestFailed

from fakes.github import FakeGitHub


@pytest.fixture
def kit(fake_github: FakeGitHub) -> GitHub[Any]:
    token = fake_github.token_for("octocat", scopes=["repo", "delete_repo"])
    return GitHub(token, base_url=fake_github.url, auto_retry=False, http_cache=False)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_repository_contents_refs_pull_and_merge(
    fake_github: FakeGitHub, kit: GitHub[Any]
) -> None:
    repo = kit.rest.repos.create_for_authenticated_user(name="kit", auto_init=True).parsed_data
    assert repo.full_name == "octocat/kit" and repo.default_branch == "main"
    assert kit.rest.repos.get("octocat", "kit").parsed_data.id == repo.id

    base = kit.rest.git.get_ref("octocat", "kit", "heads/main").parsed_data.object_.sha
    made = kit.rest.git.create_ref("octocat", "kit", ref="refs/heads/topic", sha=base)
    assert made.status_code == 201 and made.parsed_data.ref == "refs/heads/topic"

    written = kit.rest.repos.create_or_update_file_contents(
        "octocat", "kit", "src/app.py", message="add app", content=_b64("print(1)\n"),
        branch="topic").parsed_data
    assert written.content is not None and written.content.path == "src/app.py"
    kit.rest.repos.create_or_update_file_contents(
        "octocat", "kit", "src/app.py", message="edit app", content=_b64("print(2)\n"),
        branch="topic", sha=written.content.sha)
    read = kit.rest.repos.get_content("octocat", "kit", "src/app.py", ref="topic").parsed_data
    assert not isinstance(read, list) and getattr(read, "type", None) == "file"
    assert base64.b64decode(read.content) == b"print(2)\n"  # type: ignore[union-attr]
    listing = kit.rest.repos.get_content("octocat", "kit", "src", ref="topic").parsed_data
    assert isinstance(listing, list) and [e.name for e in listing] == ["app.py"]

    pull = kit.rest.pulls.create("octocat", "kit", title="App", head="topic",
                                 base="main").parsed_data
    assert pull.number == 1 and pull.head.ref == "topic" and pull.base.ref == "main"
    compared = kit.rest.repos.compare_commits("octocat", "kit", "main...topic").parsed_data
    assert compared.ahead_by == 2 and compared.behind_by == 0 and compared.status == "ahead"
    merged = kit.rest.pulls.merge("octocat", "kit", 1, merge_method="merge").parsed_data
    assert merged.merged is True
    assert fake_github.branch_head("octocat/kit", "main") == merged.sha
    assert fake_github.file("octocat/kit", "src/app.py") == b"print(2)\n"
    after = kit.rest.pulls.get("octocat", "kit", 1).parsed_data
    assert after.state == "closed" and after.merged is True
    assert kit.rest.pulls.check_if_merged("octocat", "kit", 1).status_code == 204


def test_errors_surface_status_and_github_message(
    fake_github: FakeGitHub, kit: GitHub[Any]
) -> None:
    fake_github.create_repo("octocat/err", files={"a.txt": "a\n"})

    def failure(call: object) -> tuple[int, str]:
        assert isinstance(call, RequestFailed)
        return call.response.status_code, call.response.json()["message"]

    with pytest.raises(RequestFailed) as missing:
        kit.rest.repos.get("octocat", "nope")
    assert failure(missing.value) == (404, "Not Found")

    head = fake_github.branch_head("octocat/err", "main")
    assert head is not None
    with pytest.raises(RequestFailed) as taken:
        kit.rest.git.create_ref("octocat", "err", ref="refs/heads/main", sha=head)
    assert failure(taken.value) == (422, "Reference already exists")

    current = kit.rest.repos.get_content("octocat", "err", "a.txt").parsed_data
    stale = current.sha  # type: ignore[union-attr]
    kit.rest.repos.create_or_update_file_contents(
        "octocat", "err", "a.txt", message="b", content=_b64("b\n"), sha=stale)
    mark = fake_github.journal.mark()
    with pytest.raises(RequestFailed) as conflict:
        kit.rest.repos.create_or_update_file_contents(
            "octocat", "err", "a.txt", message="c", content=_b64("c\n"), sha=stale)
    assert failure(conflict.value) == (409, f"a.txt does not match {stale}")
    assert fake_github.journal.since(mark) == []  # the refusal changed nothing

    with pytest.raises(RequestFailed) as no_commits:
        kit.rest.pulls.create("octocat", "err", title="t", head="main", base="main")
    status, _ = failure(no_commits.value)
    assert status == 422
    assert no_commits.value.response.json()["errors"]

    bad = GitHub("not-a-token", base_url=fake_github.url, auto_retry=False, http_cache=False)
    with pytest.raises(RequestFailed) as denied:
        bad.rest.users.get_authenticated()
    assert failure(denied.value) == (401, "Bad credentials")


def test_paginate_follows_the_link_header(
    fake_github: FakeGitHub, kit: GitHub[Any]
) -> None:
    fake_github.create_repo("octocat/many", files={"0.txt": "0\n"})
    for n in range(1, 7):
        fake_github.push("octocat/many", {f"{n}.txt": f"{n}\n"}, actor="octocat")
    first = kit.rest.repos.list_commits("octocat", "many", per_page=3)
    assert 'rel="next"' in first.headers["link"] and len(first.parsed_data) == 3
    commits = list(kit.rest.paginate(kit.rest.repos.list_commits, owner="octocat",
                                     repo="many", per_page=3))
    assert len(commits) == 7
    assert len({c.sha for c in commits}) == 7
    assert commits[-1].parents == []
    for n in range(5):
        fake_github.create_repo(f"octocat/r{n}")
    names = [r.name for r in kit.rest.paginate(
        kit.rest.repos.list_for_user, username="octocat", per_page=2)]
    assert sorted(names) == sorted(["many", *(f"r{n}" for n in range(5))])
