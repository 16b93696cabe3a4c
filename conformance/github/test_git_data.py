"""The Git database API: blobs, trees, commits and refs, with git's object ids."""

from __future__ import annotations

from datetime import datetime

import pytest

from fakes.conformance.github._support import assert_error, b64, commit_on, head_of, unb64
from fakes.conformance.github.targets import DOCS, GIT_OBJECTS, Target, git_hash

behaviour = pytest.mark.behaviour

GIT = f"{DOCS}/git"
REFS = f"{GIT}/refs"


@behaviour("GH-020", "POST git/blobs answers 201 with the sha git gives the content; GET "
           "answers it base64-encoded with its size, utf-8 and base64 input alike",
           cite=f"{GIT}/blobs#create-a-blob (git/create-blob); {GIT_OBJECTS}")
def test_blobs(target: Target) -> None:
    repo = target.new_repo("blobs")
    data = "hello, blob\n"
    made = target.http("POST", f"/repos/{repo}/git/blobs", json={"content": data,
                                                                   "encoding": "utf-8"})
    assert made.status_code == 201
    assert made.json()["sha"] == git_hash("blob", data.encode())
    binary = bytes(range(256))
    made_b = target.http("POST", f"/repos/{repo}/git/blobs", json={"content": b64(binary),
                                                                     "encoding": "base64"})
    assert made_b.json()["sha"] == git_hash("blob", binary)
    got = target.http("GET", f"/repos/{repo}/git/blobs/{made_b.json()['sha']}").json()
    assert got["encoding"] == "base64" and got["size"] == 256
    assert unb64(got["content"]) == binary
    assert_error(target.http("GET", f"/repos/{repo}/git/blobs/{'0' * 40}"), 404, "Not Found")


@behaviour("GH-021", "POST git/trees with base_tree changes only the entries given: nested "
           "paths make the trees between, sha null deletes a path; ids are git's",
           cite=f"{GIT}/trees#create-a-tree (git/create-tree); {GIT_OBJECTS}")
def test_trees(target: Target) -> None:
    repo = target.new_repo("trees")
    head = head_of(target, repo)
    base = target.http("GET", f"/repos/{repo}/git/commits/{head}").json()["tree"]["sha"]
    made = target.http("POST", f"/repos/{repo}/git/trees", json={"base_tree": base, "tree": [
        {"path": "src/pkg/mod.py", "mode": "100644", "type": "blob", "content": "x = 1\n"},
        {"path": "run.sh", "mode": "100755", "type": "blob", "content": "#!/bin/sh\n"}]})
    assert made.status_code == 201, made.text
    tree = made.json()
    names = {e["path"]: e for e in tree["tree"]}
    assert set(names) == {"README.md", "src", "run.sh"}
    assert names["src"]["type"] == "tree" and names["run.sh"]["mode"] == "100755"
    deep = target.http("GET", f"/repos/{repo}/git/trees/{tree['sha']}?recursive=1").json()
    paths = {e["path"]: e for e in deep["tree"]}
    assert {"src", "src/pkg", "src/pkg/mod.py"} <= set(paths)
    assert paths["src/pkg/mod.py"]["sha"] == git_hash("blob", b"x = 1\n")
    # The id of a tree is git's: entries "<mode> <name>\0<20-byte id>" sorted by name.
    pkg = bytes.fromhex(paths["src/pkg/mod.py"]["sha"])
    assert paths["src/pkg"]["sha"] == git_hash("tree", b"100644 mod.py\0" + pkg)
    gone = target.http("POST", f"/repos/{repo}/git/trees", json={"base_tree": tree["sha"], "tree": [
        {"path": "src/pkg/mod.py", "mode": "100644", "type": "blob", "sha": None}]})
    assert gone.status_code == 201
    assert {e["path"] for e in gone.json()["tree"]} == {"README.md", "run.sh"}
    assert target.http("GET", f"/repos/{repo}/git/trees/{'f' * 40}").status_code == 404


@behaviour("GH-022", "POST git/commits answers 201 with the commit; author and committer dates "
           "given are kept, and the sha is the one git computes for the commit object",
           cite=f"{GIT}/commits#create-a-commit (git/create-commit); {GIT_OBJECTS}")
def test_commits(target: Target) -> None:
    repo = target.new_repo("commits")
    head = head_of(target, repo)
    tree = target.http("GET", f"/repos/{repo}/git/commits/{head}").json()["tree"]["sha"]
    person = {"name": "Mona Octocat", "email": "mona@example.com",
              "date": "2026-02-03T04:05:06Z"}
    made = target.http("POST", f"/repos/{repo}/git/commits", json={
        "message": "explicit\n", "tree": tree, "parents": [head], "author": person,
        "committer": person})
    assert made.status_code == 201, made.text
    commit = made.json()
    assert commit["author"] == person and commit["committer"] == person
    assert commit["parents"][0]["sha"] == head and commit["tree"]["sha"] == tree
    stamp = int(datetime.fromisoformat("2026-02-03T04:05:06+00:00").timestamp())
    ident = f"Mona Octocat <mona@example.com> {stamp} +0000"
    raw = (f"tree {tree}\nparent {head}\nauthor {ident}\ncommitter {ident}\n\nexplicit\n")
    assert commit["sha"] == git_hash("commit", raw.encode())
    got = target.http("GET", f"/repos/{repo}/git/commits/{commit['sha']}")
    assert got.status_code == 200 and got.json()["message"] == "explicit\n"
    bad = target.http("POST", f"/repos/{repo}/git/commits", json={
        "message": "x", "tree": "0" * 40, "parents": [head]})
    assert bad.status_code == 422


@behaviour("GH-023", "POST git/refs answers 201; a ref that exists answers 422 'Reference "
           "already exists'", cite=f"{REFS}#create-a-reference (git/create-ref)")
def test_create_ref(target: Target) -> None:
    repo = target.new_repo("refs")
    head = head_of(target, repo)
    made = target.http("POST", f"/repos/{repo}/git/refs",
                       json={"ref": "refs/heads/topic", "sha": head})
    assert made.status_code == 201
    assert made.json()["ref"] == "refs/heads/topic"
    assert made.json()["object"] == {"sha": head, "type": "commit",
                                     "url": f"{target.api_url}/repos/{repo}/git/commits/{head}"}
    again = target.http("POST", f"/repos/{repo}/git/refs",
                        json={"ref": "refs/heads/topic", "sha": head})
    assert_error(again, 422, "Reference already exists")
    tag = target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/tags/v1", "sha": head})
    assert tag.status_code == 201


@behaviour("GH-024", "PATCH git/refs to a commit that does not contain the current one answers "
           "422 'Update is not a fast forward' and leaves the ref; with force: true it moves",
           cite=f"{REFS}#update-a-reference (git/update-ref)")
def test_non_fast_forward(target: Target) -> None:
    repo = target.new_repo("ff")
    head = head_of(target, repo)
    ahead = commit_on(target, repo, head, {"a.txt": "a\n"}, "ahead")
    forward = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={"sha": ahead})
    assert forward.status_code == 200 and forward.json()["object"]["sha"] == ahead
    sideways = commit_on(target, repo, head, {"b.txt": "b\n"}, "sideways")
    refused = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={"sha": sideways})
    assert_error(refused, 422, "Update is not a fast forward")
    assert head_of(target, repo) == ahead
    back = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={"sha": head})
    assert_error(back, 422, "Update is not a fast forward")
    forced = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main",
                         json={"sha": sideways, "force": True})
    assert forced.status_code == 200
    assert head_of(target, repo) == sideways


@behaviour("GH-025", "DELETE git/refs answers 204; the ref is then 404 on git/ref and a second "
           "delete answers 422 'Reference does not exist'",
           cite=f"{REFS}#delete-a-reference (git/delete-ref)")
def test_delete_ref(target: Target) -> None:
    repo = target.new_repo("delref")
    head = head_of(target, repo)
    target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/heads/gone", "sha": head})
    assert target.http("DELETE", f"/repos/{repo}/git/refs/heads/gone").status_code == 204
    assert_error(target.http("GET", f"/repos/{repo}/git/ref/heads/gone"), 404, "Not Found")
    assert_error(target.http("DELETE", f"/repos/{repo}/git/refs/heads/gone"), 422,
                 "Reference does not exist")


@behaviour("GH-026", "git/matching-refs lists the refs whose names start with the prefix, an "
           "empty list when none does; git/ref/{ref} answers one ref exactly",
           cite=f"{REFS}#list-matching-references (git/list-matching-refs); "
                f"{REFS}#get-a-reference (git/get-ref)")
def test_matching_refs(target: Target) -> None:
    repo = target.new_repo("match")
    head = head_of(target, repo)
    for name in ("feature/a", "feature/b", "fix"):
        target.http("POST", f"/repos/{repo}/git/refs",
                    json={"ref": f"refs/heads/{name}", "sha": head})
    found = target.http("GET", f"/repos/{repo}/git/matching-refs/heads/feature")
    assert [r["ref"] for r in found.json()] == ["refs/heads/feature/a", "refs/heads/feature/b"]
    assert target.http("GET", f"/repos/{repo}/git/matching-refs/heads/nothing").json() == []
    one = target.http("GET", f"/repos/{repo}/git/ref/heads/feature/a")
    assert one.status_code == 200 and one.json()["object"]["sha"] == head
    assert_error(target.http("GET", f"/repos/{repo}/git/ref/heads/feature"), 404)


@behaviour("GH-027", "after another writer advanced the branch, moving the ref to a commit "
           "built on the old head is not a fast forward (422) and the other writer's commit "
           "stays", cite=f"{REFS}#update-a-reference (git/update-ref)")
def test_lost_race(target: Target) -> None:
    repo = target.new_repo("race")
    head = head_of(target, repo)
    mine = commit_on(target, repo, head, {"mine.txt": "mine\n"}, "mine")
    theirs = target.another_push(repo, {"theirs.txt": "theirs\n"})
    refused = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={"sha": mine})
    assert_error(refused, 422, "Update is not a fast forward")
    assert head_of(target, repo) == theirs


@behaviour("GH-028", "refs that cannot be: a name git refuses or one without refs/ and two "
           "slashes, and an object that does not exist, answer 422; updating or deleting a "
           "ref that does not exist answers 422 'Reference does not exist'",
           cite=f"{REFS}#create-a-reference (git/create-ref); "
                "https://git-scm.com/docs/git-check-ref-format")
def test_ref_names(target: Target) -> None:
    repo = target.new_repo("refnames")
    head = head_of(target, repo)
    for name in ("refs/heads/a..b", "refs/heads/x.lock", "heads/main", "refs/main",
                 "refs/heads/sp ace", "refs/heads/.hidden"):
        made = target.http("POST", f"/repos/{repo}/git/refs", json={"ref": name, "sha": head})
        assert made.status_code == 422, (name, made.text)
    missing = target.http("POST", f"/repos/{repo}/git/refs",
                          json={"ref": "refs/heads/ghost", "sha": "1" * 40})
    assert_error(missing, 422, "Object does not exist")
    update = target.http("PATCH", f"/repos/{repo}/git/refs/heads/ghost", json={"sha": head})
    assert_error(update, 422, "Reference does not exist")
    to_nothing = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main",
                             json={"sha": "1" * 40})
    assert_error(to_nothing, 422, "Object does not exist")
    same = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={"sha": head})
    assert same.status_code == 200


@behaviour("GH-029", "trees and commits that refer to what does not exist answer 422: a "
           "base_tree, an entry sha of the wrong type, a commit's tree or parent",
           cite=f"{GIT}/trees#create-a-tree (git/create-tree); "
                f"{GIT}/commits#create-a-commit (git/create-commit)")
def test_tree_and_commit_references(target: Target) -> None:
    repo = target.new_repo("badrefs")
    head = head_of(target, repo)
    tree = target.http("GET", f"/repos/{repo}/git/commits/{head}").json()["tree"]["sha"]
    for body in ({"base_tree": "2" * 40, "tree": []},
                 {"tree": [{"path": "a", "mode": "100644", "type": "blob", "sha": tree}]},
                 {"tree": [{"path": "d", "mode": "040000", "type": "tree", "sha": head}]},
                 {"tree": [{"path": "a", "mode": "bogus", "type": "blob", "content": "x"}]},
                 {"tree": [{"path": "a//b", "mode": "100644", "type": "blob", "content": "x"}]}):
        assert target.http("POST", f"/repos/{repo}/git/trees", json=body).status_code == 422
    nested = target.http("POST", f"/repos/{repo}/git/trees", json={"tree": [
        {"path": "sub", "mode": "040000", "type": "tree", "sha": tree}]})
    assert nested.status_code == 201
    assert [e["path"] for e in nested.json()["tree"]] == ["sub"]
    orphan = target.http("POST", f"/repos/{repo}/git/commits", json={
        "message": "orphan", "tree": tree, "parents": ["3" * 40]})
    assert orphan.status_code == 422
    root = target.http("POST", f"/repos/{repo}/git/commits",
                       json={"message": "root", "tree": tree})
    assert root.status_code == 201 and root.json()["parents"] == []


@behaviour("GH-046", "a blob with an encoding other than utf-8 or base64 answers 422 and is "
           "not stored", cite=f"{GIT}/blobs#create-a-blob (git/create-blob)")
def test_blob_encoding(target: Target) -> None:
    repo = target.new_repo("encoding")
    refused = target.http("POST", f"/repos/{repo}/git/blobs",
                          json={"content": "x", "encoding": "latin-1"})
    assert refused.status_code == 422
