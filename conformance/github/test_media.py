"""What request headers select: the REST API version, the ``Accept`` media type,
``If-Modified-Since``; and that GraphQL is loudly not modelled."""

from __future__ import annotations

import pytest

from fakes.conformance.github._support import assert_error, head_of, put_file
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

VERSIONS = f"{DOCS}/about-the-rest-api/api-versions"
MEDIA = f"{DOCS}/using-the-rest-api/getting-started-with-the-rest-api#media-types"
CONDITIONAL = (f"{DOCS}/using-the-rest-api/best-practices-for-using-the-rest-api"
               "#use-conditional-requests-if-appropriate")
CONTENTS = f"{DOCS}/repos/contents#get-repository-content"
OPENAPI = "api.github.com.json of github/rest-api-description (x-github-breaking-changes)"
UNSUPPORTED = ('The version you specified in the "X-GitHub-API-Version" request header, '
               '"v3", is not a supported version. The following versions are currently '
               'supported: ')


@behaviour("GH-300", "X-GitHub-Api-Version: 2022-11-28 and 2026-03-10 are served; another "
           "value answers 400 naming it and the supported versions, and changes nothing",
           cite=f"{VERSIONS}; the 400 message as clients report it "
                "(github.com/expipiplus1/update-nix-fetchgit/issues/79)")
def test_api_versions(target: Target) -> None:
    repo = target.new_repo("versions")
    for version in ("2022-11-28", "2026-03-10"):
        got = target.http("GET", f"/repos/{repo}",
                          headers={"X-GitHub-Api-Version": version})
        assert got.status_code == 200 and got.json()["full_name"] == repo
    bad = assert_error(target.http("GET", f"/repos/{repo}",
                                   headers={"X-GitHub-Api-Version": "v3"}), 400)
    assert bad["message"].startswith(UNSUPPORTED), bad
    assert '"2022-11-28"' in bad["message"]
    before = target.http("GET", f"/repos/{repo}/git/matching-refs/").json()
    refused = target.http("POST", f"/repos/{repo}/git/refs",
                          json={"ref": "refs/heads/v", "sha": head_of(target, repo)},
                          headers={"X-GitHub-Api-Version": "v3"})
    assert_error(refused, 400)
    assert target.http("GET", f"/repos/{repo}/git/matching-refs/").json() == before


@behaviour("GH-301", "Accept: application/vnd.github.raw+json answers a file's (and a blob's) "
           "bytes themselves; a directory is still listed as JSON",
           cite=f"{MEDIA}; {CONTENTS}; {DOCS}/git/blobs#get-a-blob")
def test_raw_media_type(target: Target) -> None:
    repo = target.new_repo("raw")
    data = "line one\nline two \u2603\n"
    made = put_file(target, repo, "docs/notes.txt", data)
    assert made.status_code == 201, made.text
    for accept in ("application/vnd.github.raw+json", "application/vnd.github.raw"):
        raw = target.http("GET", f"/repos/{repo}/contents/docs/notes.txt",
                          headers={"Accept": accept})
        assert raw.status_code == 200 and raw.content == data.encode()
        assert "json" not in raw.headers["Content-Type"]
    blob = target.http("GET", f"/repos/{repo}/git/blobs/{made.json()['content']['sha']}",
                       headers={"Accept": "application/vnd.github.raw+json"})
    assert blob.status_code == 200 and blob.content == data.encode()
    listing = target.http("GET", f"/repos/{repo}/contents/docs",
                          headers={"Accept": "application/vnd.github.raw+json"})
    assert listing.status_code == 200
    assert [e["name"] for e in listing.json()] == ["notes.txt"]


@behaviour("GH-302", "users, repositories and commits carry Last-Modified; If-Modified-Since "
           "with it answers 304 with no body and costs no rate limit; an older date 200",
           cite=CONDITIONAL)
def test_if_modified_since(target: Target) -> None:
    repo = target.new_repo("modified")
    head = head_of(target, repo)
    for path in ("/user", f"/repos/{repo}", f"/repos/{repo}/commits/{head}"):
        first = target.http("GET", path)
        stamp = first.headers["Last-Modified"]
        assert stamp.endswith(" GMT"), stamp
        again = target.http("GET", path, headers={"If-Modified-Since": stamp})
        assert again.status_code == 304 and again.content == b"", path
        if target.capabilities.isolated_rate_limit:
            assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
        older = target.http("GET", path,
                            headers={"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"})
        assert older.status_code == 200 and older.json() == first.json()
    commit = target.http("GET", f"/repos/{repo}/commits/{head}").json()
    assert commit["commit"]["committer"]["date"]


@behaviour("GH-303", "a directory listing shows a submodule as type 'file' in 2022-11-28 and "
           "as 'submodule' in 2026-03-10", cite=f"{CONTENTS}; {OPENAPI}")
def test_submodule_type_by_version(target: Target) -> None:
    repo = target.new_repo("submodule")
    head = head_of(target, repo)
    base_tree = target.http("GET", f"/repos/{repo}/git/commits/{head}").json()["tree"]["sha"]
    tree = target.http("POST", f"/repos/{repo}/git/trees", json={
        "base_tree": base_tree,
        "tree": [{"path": "vendor/lib", "mode": "160000", "type": "commit", "sha": head}]})
    assert tree.status_code == 201, tree.text
    commit = target.http("POST", f"/repos/{repo}/git/commits", json={
        "message": "add a submodule", "tree": tree.json()["sha"], "parents": [head]})
    assert commit.status_code == 201, commit.text
    moved = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main",
                        json={"sha": commit.json()["sha"]})
    assert moved.status_code == 200, moved.text
    for version, shown in (("2022-11-28", "file"), ("2026-03-10", "submodule")):
        listing = target.http("GET", f"/repos/{repo}/contents/vendor",
                              headers={"X-GitHub-Api-Version": version})
        assert listing.status_code == 200, listing.text
        assert [(e["name"], e["type"]) for e in listing.json()] == [("lib", shown)]


@behaviour("GH-304", "what the fake does not model answers 501 in GitHub's error body: "
           "GraphQL at /graphql and /api/graphql, and the media types not modelled (patch, sha; "
           "diff of a commit)",
           cite=f"{DOCS}/../graphql; {MEDIA}")
def test_graphql_and_other_media_types_are_loud(target: Target) -> None:
    target.require("unmodelled_501")
    repo = target.new_repo("loud-media")
    head = head_of(target, repo)
    for path in ("/graphql", "/api/graphql"):
        body = assert_error(target.http("POST", path, json={"query": "{ viewer { login } }"}),
                            501)
        assert "GraphQL" in body["message"]
        assert body["documentation_url"] == "https://docs.github.com/graphql"
    put_file(target, repo, "b.txt", "b\n", branch="main")
    for path, accept in ((f"/repos/{repo}/compare/{head}...main", "application/vnd.github.patch"),
                         (f"/repos/{repo}/commits/main", "application/vnd.github.sha"),
                         (f"/repos/{repo}/commits/main", "application/vnd.github.diff")):
        body = assert_error(target.http("GET", path, headers={"Accept": accept}), 501)
        assert accept in body["message"]


@behaviour("GH-305", "Accept: application/vnd.github.diff answers a comparison and a pull "
           "request as git's diff of the merge base and the head",
           cite=f"{MEDIA}; {DOCS}/commits/commits#compare-two-commits; "
                f"{DOCS}/pulls/pulls#get-a-pull-request")
def test_diff_media_type(target: Target) -> None:
    repo = target.new_repo("diff")
    made = target.http("POST", f"/repos/{repo}/git/refs",
                       json={"ref": "refs/heads/topic", "sha": head_of(target, repo)})
    assert made.status_code == 201, made.text
    assert put_file(target, repo, "notes.txt", "one\ntwo\n", branch="topic").status_code == 201
    assert put_file(target, repo, "main-only.txt", "m\n", branch="main").status_code == 201
    compared = target.http("GET", f"/repos/{repo}/compare/main...topic",
                           headers={"Accept": "application/vnd.github.diff"})
    assert compared.status_code == 200, compared.text
    assert "diff" in compared.headers["Content-Type"]
    text = compared.content.decode()
    assert text.startswith("diff --git a/notes.txt b/notes.txt\n"), text
    assert "\nnew file mode 100644\n" in text and "\n+one\n+two\n" in text
    assert "main-only.txt" not in text  # the base's own changes are not the head's
    pull = target.http("POST", f"/repos/{repo}/pulls",
                       json={"title": "notes", "head": "topic", "base": "main"})
    assert pull.status_code == 201, pull.text
    shown = target.http("GET", f"/repos/{repo}/pulls/{pull.json()['number']}",
                        headers={"Accept": "application/vnd.github.diff"})
    assert shown.status_code == 200 and shown.content == compared.content
