"""Branches, the commit list, single commits and compare."""

from __future__ import annotations

import pytest

from fakes.conformance.github._support import assert_error, commit_on, head_of, put_file
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

BRANCHES = f"{DOCS}/branches/branches"
COMMITS = f"{DOCS}/commits/commits"
MERGE_BASE = "https://git-scm.com/docs/git-merge-base"


@behaviour("GH-040", "GET branches lists the branches with their head commit; GET a branch "
           "answers it with protected false; a missing branch answers 404 'Branch not found'",
           cite=f"{BRANCHES}#list-branches (repos/list-branches); "
                f"{BRANCHES}#get-a-branch (repos/get-branch)")
def test_branches(target: Target) -> None:
    repo = target.new_repo("branches")
    head = head_of(target, repo)
    target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/heads/dev", "sha": head})
    listed = target.http("GET", f"/repos/{repo}/branches").json()
    assert [(b["name"], b["commit"]["sha"], b["protected"]) for b in listed] == [
        ("dev", head, False), ("main", head, False)]
    one = target.http("GET", f"/repos/{repo}/branches/dev")
    assert one.status_code == 200
    assert one.json()["commit"]["sha"] == head and one.json()["protected"] is False
    assert_error(target.http("GET", f"/repos/{repo}/branches/nope"), 404, "Branch not found")


@behaviour("GH-041", "GET commits lists newest first from the default branch, or from ?sha=; "
           "?path= keeps the commits that changed that path",
           cite=f"{COMMITS}#list-commits (repos/list-commits)")
def test_list_commits(target: Target) -> None:
    repo = target.new_repo("log")
    first = put_file(target, repo, "a.txt", "a\n").json()["commit"]["sha"]
    second = put_file(target, repo, "b.txt", "b\n").json()["commit"]["sha"]
    shas = [c["sha"] for c in target.http("GET", f"/repos/{repo}/commits").json()]
    assert shas[:2] == [second, first] and len(shas) == 3
    only_a = target.http("GET", f"/repos/{repo}/commits?path=a.txt").json()
    assert [c["sha"] for c in only_a] == [first]
    from_first = target.http("GET", f"/repos/{repo}/commits?sha={first}").json()
    assert [c["sha"] for c in from_first] == shas[1:]
    assert target.http("GET", f"/repos/{repo}/commits?sha=no-such-branch").status_code == 404


@behaviour("GH-042", "GET commits/{ref} answers the commit with its files and stats; a ref "
           "that names nothing answers 422 'No commit found for SHA: <ref>'",
           cite=f"{COMMITS}#get-a-commit (repos/get-commit)")
def test_get_commit(target: Target) -> None:
    repo = target.new_repo("commit")
    sha = put_file(target, repo, "f.txt", "1\n2\n3\n").json()["commit"]["sha"]
    got = target.http("GET", f"/repos/{repo}/commits/{sha}")
    assert got.status_code == 200
    body = got.json()
    assert body["sha"] == sha
    assert [(f["filename"], f["status"], f["additions"], f["deletions"])
            for f in body["files"]] == [("f.txt", "added", 3, 0)]
    assert body["stats"] == {"total": 3, "additions": 3, "deletions": 0}
    by_branch = target.http("GET", f"/repos/{repo}/commits/main")
    assert by_branch.json()["sha"] == sha
    assert_error(target.http("GET", f"/repos/{repo}/commits/nothing-here"), 422,
                 "No commit found for SHA: nothing-here")


@behaviour("GH-043", "compare base...head answers ahead_by, behind_by, status and the merge "
           "base git computes, with head's commits since the merge base and the files changed",
           cite=f"{COMMITS}#compare-two-commits (repos/compare-commits-with-basehead); "
                f"{MERGE_BASE}")
def test_compare(target: Target) -> None:
    repo = target.new_repo("compare")
    base = head_of(target, repo)
    target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/heads/topic", "sha": base})
    t1 = put_file(target, repo, "t1.txt", "t1\n", branch="topic").json()["commit"]["sha"]
    t2 = put_file(target, repo, "t2.txt", "t2\n", branch="topic").json()["commit"]["sha"]
    ahead = target.http("GET", f"/repos/{repo}/compare/main...topic").json()
    assert (ahead["status"], ahead["ahead_by"], ahead["behind_by"]) == ("ahead", 2, 0)
    assert ahead["merge_base_commit"]["sha"] == base
    assert [c["sha"] for c in ahead["commits"]] == [t1, t2]
    assert sorted(f["filename"] for f in ahead["files"]) == ["t1.txt", "t2.txt"]
    m1 = put_file(target, repo, "m1.txt", "m1\n").json()["commit"]["sha"]
    diverged = target.http("GET", f"/repos/{repo}/compare/main...topic").json()
    assert (diverged["status"], diverged["ahead_by"], diverged["behind_by"]) == ("diverged", 2, 1)
    assert diverged["merge_base_commit"]["sha"] == base
    behind = target.http("GET", f"/repos/{repo}/compare/topic...{t1}").json()
    assert (behind["status"], behind["ahead_by"], behind["behind_by"]) == ("behind", 0, 1)
    same = target.http("GET", f"/repos/{repo}/compare/{m1}...main").json()
    assert same["status"] == "identical" and same["files"] == []
    merged = commit_on(target, repo, t2, {"x.txt": "x\n"}, "more")
    assert target.http("GET", f"/repos/{repo}/compare/{t1}...{merged}").json()["ahead_by"] == 2
    assert target.http("GET", f"/repos/{repo}/compare/main...nothing").status_code == 404


@behaviour("GH-044", "a commit's files say added, modified or removed, with the lines added "
           "and deleted", cite=f"{COMMITS}#get-a-commit (repos/get-commit)")
def test_commit_files(target: Target) -> None:
    repo = target.new_repo("files")
    made = put_file(target, repo, "f.txt", "1\n2\n3\n").json()
    changed = put_file(target, repo, "f.txt", "1\ntwo\n3\n4\n",
                       sha=made["content"]["sha"]).json()["commit"]["sha"]
    body = target.http("GET", f"/repos/{repo}/commits/{changed}").json()
    assert [(f["filename"], f["status"], f["additions"], f["deletions"])
            for f in body["files"]] == [("f.txt", "modified", 2, 1)]
    readme = target.http("GET", f"/repos/{repo}/contents/README.md").json()["sha"]
    removed = target.http("DELETE", f"/repos/{repo}/contents/README.md",
                          json={"message": "rm", "sha": readme}).json()["commit"]["sha"]
    files = target.http("GET", f"/repos/{repo}/commits/{removed}").json()["files"]
    assert [(f["filename"], f["status"], f["additions"]) for f in files] == [
        ("README.md", "removed", 0)]


@behaviour("GH-045", "compare of histories with no common ancestor answers 404; compare also "
           "takes base..head; a git commit that does not exist is 404",
           cite=f"{COMMITS}#compare-two-commits (repos/compare-commits-with-basehead); "
                f"{DOCS}/git/commits#get-a-commit-object (git/get-commit)")
def test_compare_edges(target: Target) -> None:
    repo = target.new_repo("unrelated")
    head = head_of(target, repo)
    tree = target.http("GET", f"/repos/{repo}/git/commits/{head}").json()["tree"]["sha"]
    root = target.http("POST", f"/repos/{repo}/git/commits",
                       json={"message": "another root", "tree": tree}).json()["sha"]
    target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/heads/orphan", "sha": root})
    assert target.http("GET", f"/repos/{repo}/compare/main...orphan").status_code == 404
    two_dot = target.http("GET", f"/repos/{repo}/compare/main..main")
    assert two_dot.status_code == 200 and two_dot.json()["status"] == "identical"
    assert_error(target.http("GET", f"/repos/{repo}/git/commits/{'4' * 40}"), 404)
