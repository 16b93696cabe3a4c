"""Pull requests: creation and its refusals, mergeability, and merges as git would make
them (merge, squash, rebase)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from fakes.conformance.github._support import assert_error, head_of, put_file
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

PULLS = f"{DOCS}/pulls/pulls"
CREATE = f"{PULLS}#create-a-pull-request (pulls/create)"
GET = f"{PULLS}#get-a-pull-request (pulls/get)"
MERGE = f"{PULLS}#merge-a-pull-request (pulls/merge)"


def _branch(target: Target, repo: str, name: str, files: dict[str, str],
            start: str | None = None) -> str:
    """A branch from ``start`` (main's head) with one commit per file; returns its head."""
    sha = start or head_of(target, repo)
    made = target.http("POST", f"/repos/{repo}/git/refs",
                       json={"ref": f"refs/heads/{name}", "sha": sha})
    assert made.status_code == 201, made.text
    for path, content in files.items():
        current = target.http("GET", f"/repos/{repo}/contents/{path}?ref={name}")
        sha_now = current.json()["sha"] if current.status_code == 200 else None
        response = put_file(target, repo, path, content, sha=sha_now, branch=name)
        assert response.status_code in (200, 201), response.text
    return head_of(target, repo, name)


def _open(target: Target, repo: str, head: str, base: str = "main", **extra: Any
          ) -> dict[str, Any]:
    made = target.http("POST", f"/repos/{repo}/pulls",
                       json={"title": f"from {head}", "head": head, "base": base, **extra})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _settled(target: Target, repo: str, number: int) -> dict[str, Any]:
    """The pull request once GitHub has computed mergeable (null until then)."""
    for _ in range(30):
        body: dict[str, Any] = target.http("GET", f"/repos/{repo}/pulls/{number}").json()
        if body["mergeable"] is not None:
            return body
        if not target.capabilities.mergeable_null_first:
            time.sleep(1)
    raise AssertionError("mergeable stayed null")


@behaviour("GH-060", "POST pulls answers 201 with the pull request: number, state open, head "
           "and base with their shas, the commits between them", cite=CREATE)
def test_create(target: Target) -> None:
    repo = target.new_repo("pr")
    base = head_of(target, repo)
    head = _branch(target, repo, "feature", {"a.txt": "a\n", "b.txt": "b\n"})
    pull = _open(target, repo, "feature", body="why")
    assert pull["state"] == "open" and pull["merged"] is False and pull["draft"] is False
    assert (pull["head"]["ref"], pull["head"]["sha"]) == ("feature", head)
    assert (pull["base"]["ref"], pull["base"]["sha"]) == ("main", base)
    assert pull["commits"] == 2 and pull["changed_files"] == 2 and pull["body"] == "why"
    assert pull["url"] == f"{target.api_url}/repos/{repo}/pulls/{pull['number']}"


@behaviour("GH-061", "creating a pull request is refused with 422 Validation Failed: an "
           "invalid base or head, no commits between them, or one already open for them",
           cite=CREATE)
def test_create_refusals(target: Target) -> None:
    repo = target.new_repo("pr-refusals")
    _branch(target, repo, "same", {})
    nothing = target.http("POST", f"/repos/{repo}/pulls",
                          json={"title": "t", "head": "same", "base": "main"})
    body = assert_error(nothing, 422, "Validation Failed")
    assert body["errors"][0]["message"] == "No commits between main and same"
    bad_base = target.http("POST", f"/repos/{repo}/pulls",
                           json={"title": "t", "head": "same", "base": "nope"})
    assert assert_error(bad_base, 422)["errors"][0]["field"] == "base"
    bad_head = target.http("POST", f"/repos/{repo}/pulls",
                           json={"title": "t", "head": "nope", "base": "main"})
    assert assert_error(bad_head, 422)["errors"][0]["field"] == "head"
    _branch(target, repo, "work", {"w.txt": "w\n"})
    _open(target, repo, "work")
    owner = repo.split("/")[0]
    again = target.http("POST", f"/repos/{repo}/pulls",
                        json={"title": "t", "head": f"{owner}:work", "base": "main"})
    assert assert_error(again, 422)["errors"][0]["message"] == \
        f"A pull request already exists for {owner}:work."


@behaviour("GH-062", "GET pulls lists open pull requests by default, newest first; state=closed "
           "and state=all select the others; PATCH state closed closes one",
           cite=f"{PULLS}#list-pull-requests (pulls/list); {PULLS}#update-a-pull-request "
                "(pulls/update)")
def test_list_and_close(target: Target) -> None:
    repo = target.new_repo("pr-list")
    _branch(target, repo, "one", {"1.txt": "1\n"})
    _branch(target, repo, "two", {"2.txt": "2\n"})
    first, second = _open(target, repo, "one"), _open(target, repo, "two")
    listed = target.http("GET", f"/repos/{repo}/pulls").json()
    assert [p["number"] for p in listed] == [second["number"], first["number"]]
    closed = target.http("PATCH", f"/repos/{repo}/pulls/{first['number']}",
                         json={"state": "closed"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["merged"] is False and closed.json()["closed_at"] is not None
    assert [p["number"] for p in target.http("GET", f"/repos/{repo}/pulls").json()] == [
        second["number"]]
    assert [p["number"] for p in target.http(
        "GET", f"/repos/{repo}/pulls?state=closed").json()] == [first["number"]]
    assert len(target.http("GET", f"/repos/{repo}/pulls?state=all").json()) == 2
    assert_error(target.http("GET", f"/repos/{repo}/pulls/999"), 404)


@behaviour("GH-063", "mergeable is null until GitHub has computed it, then true with "
           "mergeable_state clean; a conflicting pull request is mergeable false, dirty",
           cite=f"{GET}; {DOCS}/guides/using-the-rest-api-to-interact-with-your-git-database"
                "#checking-mergeability-of-pull-requests")
def test_mergeable(target: Target) -> None:
    repo = target.new_repo("pr-mergeable")
    _branch(target, repo, "clean", {"c.txt": "c\n"})
    pull = _open(target, repo, "clean")
    assert pull["mergeable"] is None or target.capabilities.mergeable_null_first is False
    if target.capabilities.mergeable_null_first:
        first = target.http("GET", f"/repos/{repo}/pulls/{pull['number']}").json()
        assert first["mergeable"] is None and first["mergeable_state"] == "unknown"
    settled = _settled(target, repo, pull["number"])
    assert settled["mergeable"] is True and settled["mergeable_state"] == "clean"
    _branch(target, repo, "clash", {"README.md": "theirs\n"})
    readme = target.http("GET", f"/repos/{repo}/contents/README.md").json()["sha"]
    put_file(target, repo, "README.md", "ours\n", sha=readme)
    clash = _open(target, repo, "clash")
    dirty = _settled(target, repo, clash["number"])
    assert dirty["mergeable"] is False and dirty["mergeable_state"] == "dirty"
    refused = target.http("PUT", f"/repos/{repo}/pulls/{clash['number']}/merge", json={})
    assert_error(refused, 405, "Pull Request is not mergeable")


@behaviour("GH-064", "PUT merge with merge_method merge answers 200 {sha, merged, message}; "
           "the base moves to a commit whose parents are the old base and the head; the pull "
           "request is merged and GET …/merge answers 204 (404 before)",
           cite=f"{MERGE}; {PULLS}#check-if-a-pull-request-has-been-merged "
                "(pulls/check-if-merged)")
def test_merge_commit(target: Target) -> None:
    repo = target.new_repo("pr-merge")
    base = head_of(target, repo)
    head = _branch(target, repo, "feat", {"f.txt": "f\n"})
    pull = _open(target, repo, "feat")
    number = pull["number"]
    assert target.http("GET", f"/repos/{repo}/pulls/{number}/merge").status_code == 404
    merged = target.http("PUT", f"/repos/{repo}/pulls/{number}/merge",
                         json={"merge_method": "merge", "sha": head})
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged"] is True
    assert merged.json()["message"] == "Pull Request successfully merged"
    commit = target.http("GET", f"/repos/{repo}/git/commits/{merged.json()['sha']}").json()
    assert [p["sha"] for p in commit["parents"]] == [base, head]
    assert head_of(target, repo) == merged.json()["sha"]
    after = target.http("GET", f"/repos/{repo}/pulls/{number}").json()
    assert after["merged"] is True and after["state"] == "closed"
    assert after["merge_commit_sha"] == merged.json()["sha"]
    assert target.http("GET", f"/repos/{repo}/pulls/{number}/merge").status_code == 204
    again = target.http("PUT", f"/repos/{repo}/pulls/{number}/merge", json={})
    assert_error(again, 405, "Pull Request is not mergeable")


@behaviour("GH-065", "squash makes one commit on the base with the head's tree; rebase "
           "replays each head commit on the base, keeping their messages",
           cite=f"{MERGE}; https://docs.github.com/repositories/configuring-branches-and-"
                "merges-in-your-repository/configuring-pull-request-merges/about-merge-methods-"
                "on-github")
def test_squash_and_rebase(target: Target) -> None:
    repo = target.new_repo("pr-methods")
    _branch(target, repo, "sq", {"s1.txt": "1\n", "s2.txt": "2\n"})
    _branch(target, repo, "rb", {"r1.txt": "1\n", "r2.txt": "2\n"})
    squash = _open(target, repo, "sq")
    before = head_of(target, repo)
    done = target.http("PUT", f"/repos/{repo}/pulls/{squash['number']}/merge",
                       json={"merge_method": "squash"})
    assert done.status_code == 200, done.text
    commit = target.http("GET", f"/repos/{repo}/git/commits/{done.json()['sha']}").json()
    assert [p["sha"] for p in commit["parents"]] == [before]
    names = {e["path"] for e in target.http(
        "GET", f"/repos/{repo}/git/trees/{commit['tree']['sha']}").json()["tree"]}
    assert {"s1.txt", "s2.txt", "README.md"} == names
    rebase = _open(target, repo, "rb")
    squashed = head_of(target, repo)
    replayed = target.http("PUT", f"/repos/{repo}/pulls/{rebase['number']}/merge",
                           json={"merge_method": "rebase"})
    assert replayed.status_code == 200, replayed.text
    log = target.http("GET", f"/repos/{repo}/commits?per_page=3").json()
    assert log[0]["sha"] == replayed.json()["sha"]
    assert len(log[0]["parents"]) == 1 and log[2]["sha"] == squashed
    assert [c["commit"]["message"] for c in log[:2]] == ["write", "write"]
    files = {e["path"] for e in target.http(
        "GET", f"/repos/{repo}/git/trees/main").json()["tree"]}
    assert {"r1.txt", "r2.txt", "s1.txt", "s2.txt"} <= files


@behaviour("GH-066", "merging with a sha that is not the head answers 409 'Head branch was "
           "modified. Review and try the merge again.' and merges nothing", cite=MERGE)
def test_merge_sha_precondition(target: Target) -> None:
    repo = target.new_repo("pr-sha")
    old = _branch(target, repo, "moving", {"m.txt": "1\n"})
    pull = _open(target, repo, "moving")
    current = target.http("GET", f"/repos/{repo}/contents/m.txt?ref=moving").json()["sha"]
    put_file(target, repo, "m.txt", "2\n", sha=current, branch="moving")
    main = head_of(target, repo)
    refused = target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/merge",
                          json={"sha": old})
    assert_error(refused, 409, "Head branch was modified. Review and try the merge again.")
    assert head_of(target, repo) == main
    body = target.http("GET", f"/repos/{repo}/pulls/{pull['number']}").json()
    assert body["head"]["sha"] == head_of(target, repo, "moving") and body["merged"] is False


@behaviour("GH-067", "the three-way merge joins changes to different lines of one file, as "
           "git does", cite=f"{MERGE}; https://git-scm.com/docs/git-merge#_how_conflicts_are_"
                            "presented")
def test_line_merge(target: Target) -> None:
    repo = target.new_repo("pr-lines")
    readme = target.http("GET", f"/repos/{repo}/contents/README.md").json()["sha"]
    put_file(target, repo, "README.md", "1\n2\n3\n4\n5\n6\n", sha=readme)
    _branch(target, repo, "edit-top", {})
    top = target.http("GET", f"/repos/{repo}/contents/README.md?ref=edit-top").json()["sha"]
    put_file(target, repo, "README.md", "one\n2\n3\n4\n5\n6\n", sha=top, branch="edit-top")
    main_sha = target.http("GET", f"/repos/{repo}/contents/README.md").json()["sha"]
    put_file(target, repo, "README.md", "1\n2\n3\n4\n5\nsix\n", sha=main_sha)
    pull = _open(target, repo, "edit-top")
    assert _settled(target, repo, pull["number"])["mergeable"] is True
    merged = target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/merge", json={})
    assert merged.status_code == 200
    content = target.http("GET", f"/repos/{repo}/contents/README.md").json()["content"]
    import base64

    assert base64.b64decode(content) == b"one\n2\n3\n4\n5\nsix\n"


@behaviour("GH-068", "a draft pull request reads mergeable_state draft and merging it answers "
           "405; a title is required (422); the title and body can be changed, a merged pull "
           "request cannot be reopened (422), an unknown merge_method is 422",
           cite=f"{CREATE}; {MERGE}; {PULLS}#update-a-pull-request (pulls/update)")
def test_drafts_and_updates(target: Target) -> None:
    repo = target.new_repo("pr-draft")
    _branch(target, repo, "wip", {"w.txt": "w\n"})
    untitled = target.http("POST", f"/repos/{repo}/pulls", json={"head": "wip", "base": "main"})
    assert_error(untitled, 422, "Validation Failed")
    draft = _open(target, repo, "wip", draft=True)
    assert draft["draft"] is True
    settled = _settled(target, repo, draft["number"])
    assert settled["mergeable_state"] == "draft"
    refused = target.http("PUT", f"/repos/{repo}/pulls/{draft['number']}/merge", json={})
    assert_error(refused, 405, "Pull Request is still a draft")
    renamed = target.http("PATCH", f"/repos/{repo}/pulls/{draft['number']}",
                          json={"title": "renamed", "body": "details"})
    assert (renamed.json()["title"], renamed.json()["body"]) == ("renamed", "details")
    assert target.http("PATCH", f"/repos/{repo}/pulls/{draft['number']}",
                       json={"state": "sideways"}).status_code == 422
    target.http("PATCH", f"/repos/{repo}/pulls/{draft['number']}", json={"state": "closed"})
    _branch(target, repo, "ready", {"r.txt": "r\n"})
    ready = _open(target, repo, "ready")
    odd = target.http("PUT", f"/repos/{repo}/pulls/{ready['number']}/merge",
                      json={"merge_method": "octopus"})
    assert_error(odd, 422)
    assert target.http("PUT", f"/repos/{repo}/pulls/{ready['number']}/merge",
                       json={}).status_code == 200
    reopened = target.http("PATCH", f"/repos/{repo}/pulls/{ready['number']}",
                           json={"state": "open"})
    assert_error(reopened, 422)


@behaviour("GH-069", "a rebase merge whose commits do not apply on the base answers 405 "
           "'This branch can't be rebased'",
           cite=f"{MERGE}; https://docs.github.com/repositories/configuring-branches-and-"
                "merges-in-your-repository/configuring-pull-request-merges/about-merge-methods-"
                "on-github#rebasing-and-merging-your-commits")
def test_rebase_conflict(target: Target) -> None:
    repo = target.new_repo("pr-rebase-conflict")
    # The head changes a line and changes it back, the base changes the same line: the
    # merge of the trees is clean, replaying the first head commit is not.
    _branch(target, repo, "flip", {})
    sha = target.http("GET", f"/repos/{repo}/contents/README.md?ref=flip").json()["sha"]
    flipped = put_file(target, repo, "README.md", "flipped\n", sha=sha, branch="flip").json()
    original = target.held_file(repo, "README.md")
    assert original is not None
    put_file(target, repo, "README.md", original.decode(), sha=flipped["content"]["sha"],
             branch="flip")
    put_file(target, repo, "other.txt", "o\n", branch="flip")
    main_readme = target.http("GET", f"/repos/{repo}/contents/README.md").json()["sha"]
    put_file(target, repo, "README.md", "base change\n", sha=main_readme)
    pull = _open(target, repo, "flip")
    refused = target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/merge",
                          json={"merge_method": "rebase"})
    assert_error(refused, 405, "This branch can't be rebased")
