"""The contents API: reading files and directories, and writes that are one commit each."""

from __future__ import annotations

import pytest

from fakes.conformance.github._support import assert_error, b64, head_of, put_file, unb64
from fakes.conformance.github.targets import DOCS, Target, git_hash

behaviour = pytest.mark.behaviour

CONTENTS = f"{DOCS}/repos/contents"
PUT = f"{CONTENTS}#create-or-update-file-contents (repos/create-or-update-file-contents)"
GET = f"{CONTENTS}#get-repository-content (repos/get-content)"
DELETE = f"{CONTENTS}#delete-a-file (repos/delete-file)"


@behaviour("GH-030", "GET contents of a file answers it base64-encoded with its blob sha; of a "
           "directory, the list of its entries; of a missing path, 404", cite=GET)
def test_read(target: Target) -> None:
    repo = target.new_repo("read")
    assert put_file(target, repo, "docs/guide.md", "# Guide\n").status_code == 201
    got = target.http("GET", f"/repos/{repo}/contents/docs/guide.md")
    assert got.status_code == 200
    body = got.json()
    assert body["type"] == "file" and body["encoding"] == "base64"
    assert body["path"] == "docs/guide.md" and body["name"] == "guide.md"
    assert unb64(body["content"]) == b"# Guide\n"
    assert body["sha"] == git_hash("blob", b"# Guide\n") and body["size"] == 8
    listing = target.http("GET", f"/repos/{repo}/contents/docs").json()
    assert [(e["name"], e["type"]) for e in listing] == [("guide.md", "file")]
    root = target.http("GET", f"/repos/{repo}/contents/").json()
    assert {(e["name"], e["type"]) for e in root} >= {("docs", "dir"), ("README.md", "file")}
    assert_error(target.http("GET", f"/repos/{repo}/contents/nope.txt"), 404, "Not Found")
    head = head_of(target, repo)
    old = target.http("GET", f"/repos/{repo}/contents/docs?ref={head}")
    assert old.status_code == 200


@behaviour("GH-031", "PUT contents without sha creates the file: 201 with {content, commit}, "
           "one commit whose parent is the old head, and the branch moves to it", cite=PUT)
def test_create(target: Target) -> None:
    repo = target.new_repo("create")
    before = head_of(target, repo)
    made = put_file(target, repo, "new.txt", "new\n", message="add new.txt")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["content"]["sha"] == git_hash("blob", b"new\n")
    assert body["content"]["path"] == "new.txt"
    assert body["commit"]["message"] == "add new.txt"
    assert [p["sha"] for p in body["commit"]["parents"]] == [before]
    assert head_of(target, repo) == body["commit"]["sha"]


@behaviour("GH-032", "updating a file without its sha answers 422 with GitHub's message and "
           "changes nothing", cite=PUT)
def test_update_needs_sha(target: Target) -> None:
    repo = target.new_repo("nosha")
    before = head_of(target, repo)
    refused = put_file(target, repo, "README.md", "other\n")
    assert_error(refused, 422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
    assert head_of(target, repo) == before


@behaviour("GH-033", "updating a file with a sha that is not its current blob answers 409 "
           "'<path> does not match <sha>' and changes nothing", cite=PUT)
def test_update_stale_sha(target: Target) -> None:
    repo = target.new_repo("stale")
    current = target.http("GET", f"/repos/{repo}/contents/README.md").json()["sha"]
    first = put_file(target, repo, "README.md", "one\n", sha=current)
    assert first.status_code == 200, first.text
    moved = head_of(target, repo)
    stale = put_file(target, repo, "README.md", "two\n", sha=current)
    assert_error(stale, 409, f"README.md does not match {current}")
    assert head_of(target, repo) == moved
    assert target.held_file(repo, "README.md") == b"one\n"
    assert target.held_file(repo, "README.md", moved) == b"one\n"
    assert target.held_file(repo, "nope.md") is None


@behaviour("GH-034", "DELETE contents with the current sha answers 200 with content null and "
           "the commit; the file is gone", cite=DELETE)
def test_delete(target: Target) -> None:
    repo = target.new_repo("rm")
    made = put_file(target, repo, "tmp.txt", "tmp\n").json()
    no_sha = target.http("DELETE", f"/repos/{repo}/contents/tmp.txt", json={"message": "rm"})
    assert_error(no_sha, 422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
    gone = target.http("DELETE", f"/repos/{repo}/contents/tmp.txt",
                       json={"message": "rm", "sha": made["content"]["sha"]})
    assert gone.status_code == 200, gone.text
    assert gone.json()["content"] is None
    assert head_of(target, repo) == gone.json()["commit"]["sha"]
    assert_error(target.http("GET", f"/repos/{repo}/contents/tmp.txt"), 404)
    again = target.http("DELETE", f"/repos/{repo}/contents/tmp.txt",
                        json={"message": "rm", "sha": made["content"]["sha"]})
    assert_error(again, 404)


@behaviour("GH-035", "a write on another branch advances that branch only; content that is "
           "not base64 is refused with 422 and changes nothing", cite=PUT)
def test_branch_and_bad_content(target: Target) -> None:
    repo = target.new_repo("branch")
    main = head_of(target, repo)
    target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/heads/side", "sha": main})
    side = put_file(target, repo, "side.txt", "side\n", branch="side")
    assert side.status_code == 201
    assert head_of(target, repo, "side") == side.json()["commit"]["sha"]
    assert head_of(target, repo) == main
    bad = target.http("PUT", f"/repos/{repo}/contents/bad.txt",
                      json={"message": "bad", "content": "%%% not base64 %%%"})
    assert bad.status_code == 422
    assert head_of(target, repo) == main
    assert target.http("PUT", f"/repos/{repo}/contents/x.txt", json={
        "message": "x", "content": b64("x")}).status_code == 201


@behaviour("GH-036", "contents at a ref that names nothing, a write to a branch that does not "
           "exist, and a write over a directory answer 404, 404 and 422; owner and repository "
           "names are matched without regard to case", cite=f"{GET}; {PUT}")
def test_contents_edges(target: Target) -> None:
    repo = target.new_repo("edges")
    assert put_file(target, repo, "dir/f.txt", "f\n").status_code == 201
    assert target.http("GET", f"/repos/{repo}/contents/dir?ref=no-such-ref").status_code == 404
    assert put_file(target, repo, "x.txt", "x\n", branch="no-such-branch").status_code == 404
    assert put_file(target, repo, "dir", "d\n").status_code == 422
    upper = target.http("GET", f"/repos/{repo.upper()}/contents/dir/f.txt")
    assert upper.status_code == 200 and unb64(upper.json()["content"]) == b"f\n"
