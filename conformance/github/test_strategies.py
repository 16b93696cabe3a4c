"""What ``fakes.github.strategies`` draws, pushed through the REST API and read back: a
strategy must never draw what GitHub refuses or changes."""

from __future__ import annotations

import base64
import itertools
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings

from fakes.conformance.github._support import assert_error, b64, head_of
from fakes.conformance.github.targets import DOCS, Target
from fakes.github import strategies

behaviour = pytest.mark.behaviour

# Few examples: each costs requests, and a real target is rate limited.
FEW = settings(max_examples=6, deadline=None, database=None, derandomize=True,
               suppress_health_check=list(HealthCheck))
REFS = f"{DOCS}/git/refs"
CHECK_REF_FORMAT = "https://git-scm.com/docs/git-check-ref-format"


def _commit_tree(target: Target, repo: str, parent: str, files: dict[str, bytes],
                 message: str) -> str:
    entries = []
    for path, data in files.items():
        blob = target.http("POST", f"/repos/{repo}/git/blobs",
                           json={"content": b64(data), "encoding": "base64"})
        assert blob.status_code == 201, blob.text
        entries.append({"path": path, "mode": "100644", "type": "blob",
                        "sha": blob.json()["sha"]})
    tree = target.http("POST", f"/repos/{repo}/git/trees", json={"tree": entries})
    assert tree.status_code == 201, tree.text
    commit = target.http("POST", f"/repos/{repo}/git/commits", json={
        "message": message, "tree": tree.json()["sha"], "parents": [parent]})
    assert commit.status_code == 201, commit.text
    return str(commit.json()["sha"])


@behaviour("GH-310", "branch names, file trees, commit sequences and protection settings the "
           "strategies draw are accepted and read back unchanged",
           cite=f"{CHECK_REF_FORMAT}; {REFS}; {DOCS}/git/trees; {DOCS}/repos/contents; "
                f"{DOCS}/branches/branch-protection#update-branch-protection")
def test_drawn_values_round_trip(target: Target) -> None:
    repo = target.new_repo("drawn")
    base = head_of(target, repo)

    @FEW
    @given(name=strategies.branch_names())
    def branch(name: str) -> None:
        made = target.http("POST", f"/repos/{repo}/git/refs",
                           json={"ref": f"refs/heads/{name}", "sha": base})
        assert made.status_code == 201, made.text
        quoted = quote(name, safe="/")
        got = target.http("GET", f"/repos/{repo}/branches/{quoted}")
        assert got.status_code == 200 and got.json()["name"] == name, got.text
        # Deleted again: names drawn later may be this one or nest under it (a/b).
        gone = target.http("DELETE", f"/repos/{repo}/git/refs/heads/{quoted}")
        assert gone.status_code == 204, gone.text

    @FEW
    @given(files=strategies.file_trees())
    def tree(files: dict[str, bytes]) -> None:
        sha = _commit_tree(target, repo, base, files, "a drawn tree")
        listed = target.http("GET", f"/repos/{repo}/git/trees/{sha}?recursive=1").json()
        blobs = {e["path"] for e in listed["tree"] if e["type"] == "blob"}
        assert blobs == set(files)
        for path, data in files.items():
            got = target.http("GET", f"/repos/{repo}/contents/{quote(path)}?ref={sha}")
            assert got.status_code == 200, got.text
            assert base64.b64decode(got.json()["content"]) == data

    replays = itertools.count()

    @FEW
    @given(history=strategies.commit_sequences(max_commits=3))
    def replay(history: list[dict[str, bytes | None]]) -> None:
        branch_name = f"replay-{next(replays)}"
        made = target.http("POST", f"/repos/{repo}/git/refs",
                           json={"ref": f"refs/heads/{branch_name}", "sha": base})
        assert made.status_code == 201, made.text
        held: dict[str, str] = {}  # path -> blob sha
        for change in history:
            for path, data in change.items():
                url = f"/repos/{repo}/contents/{quote(path)}"
                body: dict[str, Any] = {"message": f"change {path}", "branch": branch_name}
                if path in held:
                    body["sha"] = held[path]
                if data is None:
                    answer = target.http("DELETE", url, json=body)
                    assert answer.status_code == 200, answer.text
                    del held[path]
                else:
                    answer = target.http("PUT", url, json={**body, "content": b64(data)})
                    assert answer.status_code in (200, 201), answer.text
                    held[path] = answer.json()["content"]["sha"]
        top = head_of(target, repo, branch_name)
        listed = target.http("GET", f"/repos/{repo}/git/trees/{top}?recursive=1").json()
        blobs = {e["path"]: e["sha"] for e in listed["tree"] if e["type"] == "blob"}
        assert {p: s for p, s in blobs.items() if p != "README.md"} == held

    @FEW
    @given(body=strategies.protection_settings())
    def protect(body: dict[str, Any]) -> None:
        put = target.http("PUT", f"/repos/{repo}/branches/main/protection", json=body)
        assert put.status_code == 200, (body, put.text)
        shown = target.http("GET", f"/repos/{repo}/branches/main/protection").json()
        checks = body["required_status_checks"]
        if checks is None:
            assert "required_status_checks" not in shown
        else:
            assert shown["required_status_checks"]["strict"] == checks["strict"]
            assert shown["required_status_checks"]["contexts"] == checks["contexts"]
        assert shown["enforce_admins"]["enabled"] is bool(body["enforce_admins"])
        reviews = body["required_pull_request_reviews"]
        if reviews is None:
            assert "required_pull_request_reviews" not in shown
        else:
            got = shown["required_pull_request_reviews"]
            for key, value in reviews.items():
                assert got[key] == value, (key, got)
        for key in ("required_linear_history", "allow_force_pushes", "allow_deletions",
                    "required_conversation_resolution"):
            if key in body:
                assert shown[key]["enabled"] is body[key], key

    branch()
    tree()
    replay()
    protect()


@behaviour("GH-311", "a branch cannot be created where a branch name is a directory of "
           "another (a and a/b): 422 'Reference update failed', nothing changes",
           cite=f"{CHECK_REF_FORMAT}; {REFS}#create-a-reference; as reported from github.com: "
                "github.com/microsoft/vscode-remote-repositories-github/issues/122, "
                "github.com/googleapis/release-please/issues/1024")
def test_branch_name_clashes(target: Target) -> None:
    repo = target.new_repo("clash")
    base = head_of(target, repo)
    for ref in ("refs/heads/release", "refs/heads/feature/x"):
        made = target.http("POST", f"/repos/{repo}/git/refs", json={"ref": ref, "sha": base})
        assert made.status_code == 201, made.text
    before = target.http("GET", f"/repos/{repo}/git/matching-refs/heads/").json()
    for ref in ("refs/heads/release/next", "refs/heads/feature"):
        clash = target.http("POST", f"/repos/{repo}/git/refs", json={"ref": ref, "sha": base})
        assert_error(clash, 422, "Reference update failed")
    assert target.http("GET", f"/repos/{repo}/git/matching-refs/heads/").json() == before
    # A sibling that only shares a prefix of characters is no clash.
    sibling = target.http("POST", f"/repos/{repo}/git/refs",
                          json={"ref": "refs/heads/release-2", "sha": base})
    assert sibling.status_code == 201, sibling.text
