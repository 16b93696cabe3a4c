"""Concurrent writers on one branch: exactly one wins, the others get GitHub's refusal,
no commit is lost and the ref always names an existing commit; bad input changes nothing."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import requests

from fakes.github import FakeGitHub


def _headers(fake: FakeGitHub) -> dict[str, str]:
    return {"Authorization": f"token {fake.token_for('octocat')}"}


def test_concurrent_contents_updates_one_wins(fake_github: FakeGitHub) -> None:
    fake_github.create_repo("octocat/race", files={"counter": "0\n"})
    headers = _headers(fake_github)
    url = f"{fake_github.url}/repos/octocat/race/contents/counter"
    sha = requests.get(url, headers=headers, timeout=5).json()["sha"]

    def write(n: int) -> int:
        body = {"message": f"write {n}", "sha": sha,
                "content": base64.b64encode(f"{n}\n".encode()).decode()}
        return requests.put(url, json=body, headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(write, range(1, 17)))  # none writes what is there
    assert statuses.count(200) == 1 and statuses.count(409) == 15, statuses
    head = fake_github.branch_head("octocat/race", "main")
    assert head is not None and fake_github.repo("octocat/race").git.commit(head) is not None
    log = requests.get(f"{fake_github.url}/repos/octocat/race/commits", headers=headers,
                       timeout=5).json()
    assert len(log) == 2


def test_concurrent_ref_updates_one_wins(fake_github: FakeGitHub) -> None:
    fake_github.create_repo("octocat/refs", files={"a": "a\n"})
    base = fake_github.branch_head("octocat/refs", "main")
    assert base is not None
    commits = [fake_github.push("octocat/refs", {f"f{i}": f"{i}\n"}, branch=f"b{i}")
               for i in range(8)]
    headers = _headers(fake_github)
    url = f"{fake_github.url}/repos/octocat/refs/git/refs/heads/main"

    def move(sha: str) -> int:
        return requests.patch(url, json={"sha": sha}, headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(move, commits))
    assert statuses.count(200) == 1 and statuses.count(422) == 7, statuses
    assert fake_github.branch_head("octocat/refs", "main") == commits[statuses.index(200)]


def test_bad_input_changes_nothing(fake_github: FakeGitHub) -> None:
    fake_github.create_repo("octocat/bad", files={"a": "a\n"})
    headers = _headers(fake_github)
    before = dict(fake_github.refs("octocat/bad"))
    mark = fake_github.journal.mark()
    base = f"{fake_github.url}/repos/octocat/bad"
    for method, path, body in (
        ("PUT", "/contents/..%2Fescape", {"message": "m", "content": "YQ=="}),
        ("PUT", "/contents/a/../../b", {"message": "m", "content": "YQ=="}),
        ("PUT", "/contents/ok.txt", {"message": "m", "content": 5}),
        ("POST", "/git/refs", {"ref": "refs/heads/bad name", "sha": before["refs/heads/main"]}),
        ("POST", "/git/trees", {"tree": "nope"}),
        ("POST", "/git/commits", {"message": 1, "tree": "x"}),
    ):
        response = requests.request(method, base + path, json=body, headers=headers, timeout=5)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
    raw = requests.post(base + "/git/blobs", data=b"\xff\xfe", headers=headers, timeout=5)
    assert raw.status_code == 400
    assert dict(fake_github.refs("octocat/bad")) == before
    assert fake_github.journal.since(mark) == []
