"""Repositories: creation, auto_init, duplicates, empty repositories, visibility, deletion."""

from __future__ import annotations

import pytest

from fakes.conformance.github._support import assert_error, b64
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

REPOS = f"{DOCS}/repos/repos"
CREATE = (f"{REPOS}#create-a-repository-for-the-authenticated-user "
          "(repos/create-for-authenticated-user)")
TROUBLESHOOTING = f"{DOCS}/using-the-rest-api/troubleshooting-the-rest-api"


@behaviour("GH-001", "POST /user/repos with auto_init answers 201 with the repository; its "
           "default branch holds one initial commit", cite=CREATE)
def test_create_with_auto_init(target: Target) -> None:
    repo = target.new_repo("init")
    got = target.http("GET", f"/repos/{repo}")
    assert got.status_code == 200
    body = got.json()
    assert body["full_name"] == repo
    assert body["private"] is False and body["visibility"] == "public"
    assert body["url"] == f"{target.api_url}/repos/{repo}"
    branch = body["default_branch"]
    commits = target.http("GET", f"/repos/{repo}/commits?sha={branch}")
    assert commits.status_code == 200
    assert len(commits.json()) == 1
    assert commits.json()[0]["parents"] == []


@behaviour("GH-002", "creating a repository whose name the owner already has answers 422 "
           "Validation Failed with errors[] naming the field", cite=CREATE)
def test_duplicate_name(target: Target) -> None:
    repo = target.new_repo("dup")
    name = repo.split("/")[1]
    again = target.http("POST", target._create_path(), json={"name": name})
    body = assert_error(again, 422, "Validation Failed")
    assert body["errors"][0]["field"] == "name"
    assert body["errors"][0]["message"] == "name already exists on this account"


@behaviour("GH-003", "an empty repository: the Git database API and the commit list answer "
           "409 'Git Repository is empty.', contents 404 'This repository is empty.'",
           cite=f"{DOCS}/git/blobs#create-a-blob (git/create-blob, 409); "
                f"{DOCS}/repos/contents#get-repository-content")
def test_empty_repository(target: Target) -> None:
    repo = target.new_repo("empty", auto_init=False)
    blob = target.http("POST", f"/repos/{repo}/git/blobs", json={"content": "x"})
    assert_error(blob, 409, "Git Repository is empty.")
    assert_error(target.http("GET", f"/repos/{repo}/commits"), 409, "Git Repository is empty.")
    assert_error(target.http("GET", f"/repos/{repo}/git/matching-refs/heads"), 409,
                 "Git Repository is empty.")
    assert_error(target.http("GET", f"/repos/{repo}/contents/README.md"), 404,
                 "This repository is empty.")
    assert target.http("GET", f"/repos/{repo}/branches").json() == []
    # The contents API can make the first commit.
    made = target.http("PUT", f"/repos/{repo}/contents/first.txt",
                       json={"message": "first", "content": b64("1\n")})
    assert made.status_code == 201, made.text
    assert made.json()["commit"]["parents"] == []


@behaviour("GH-004", "a private repository is 404 Not Found to a client without access, "
           "never 403", cite=f"{TROUBLESHOOTING}#404-not-found-for-an-existing-resource")
def test_private_is_not_found(target: Target) -> None:
    repo = target.new_repo("private", private=True)
    assert target.http("GET", f"/repos/{repo}").json()["visibility"] == "private"
    for path in ("", "/contents/README.md", "/commits", "/branches"):
        assert_error(target.http("GET", f"/repos/{repo}{path}", token=None), 404, "Not Found")


@behaviour("GH-005", "DELETE /repos/{owner}/{repo} answers 204; the repository is then 404",
           cite=f"{REPOS}#delete-a-repository (repos/delete)")
def test_delete(target: Target) -> None:
    repo = target.new_repo("delete")
    assert target.http("DELETE", f"/repos/{repo}").status_code == 204
    assert_error(target.http("GET", f"/repos/{repo}"), 404, "Not Found")


@behaviour("GH-006", "the authenticated user: GET /user answers the token's account; without a "
           "token 401 'Requires authentication'",
           cite=f"{DOCS}/users/users#get-the-authenticated-user (users/get-authenticated)")
def test_authenticated_user(target: Target) -> None:
    me = target.http("GET", "/user")
    assert me.status_code == 200
    assert me.json()["type"] == "User"
    assert_error(target.http("GET", "/user", token=None), 401, "Requires authentication")
    login = me.json()["login"]
    other = target.http("GET", f"/users/{login}")
    assert other.status_code == 200 and other.json()["id"] == me.json()["id"]


@behaviour("GH-007", "an organization: GET /orgs/{org}; a member creates repositories in it "
           "with POST /orgs/{org}/repos (201), a non-member is refused with 403; its "
           "repositories are listed by GET /orgs/{org}/repos",
           cite=f"{REPOS}#create-an-organization-repository (repos/create-in-org); "
                f"{REPOS}#list-organization-repositories (repos/list-for-org); "
                f"{DOCS}/orgs/orgs#get-an-organization (orgs/get)")
def test_organization(target: Target) -> None:
    org = target.org
    got = target.http("GET", f"/orgs/{org}")
    assert got.status_code == 200 and got.json()["type"] == "Organization"
    name = target.repo_name("org")
    made = target.http("POST", f"/orgs/{org}/repos", json={"name": name, "private": True})
    assert made.status_code == 201, made.text
    target.repositories.append(made.json()["full_name"])
    assert made.json()["owner"]["login"] == org and made.json()["private"] is True
    listed = target.http("GET", f"/orgs/{org}/repos?per_page=100").json()
    assert name in [r["name"] for r in listed]
    me = target.http("GET", "/user").json()["login"]
    assert_error(target.http("GET", f"/orgs/{me}"), 404)
    mine = target.http("GET", f"/users/{me}/repos").json()
    assert name not in [r["name"] for r in mine]
    target.require("mint_tokens")
    outsider = target.mint_token("vf-outsider", scopes=("repo",))
    refused = target.http("POST", f"/orgs/{org}/repos", json={"name": "nope"}, token=outsider)
    assert_error(refused, 403,
                 "You need admin access to the organization before adding a repository to it.")
    assert_error(target.http("GET", f"/repos/{made.json()['full_name']}", token=outsider), 404)
    hidden = target.http("GET", f"/orgs/{org}/repos?per_page=100", token=outsider).json()
    assert name not in [r["name"] for r in hidden]


@behaviour("GH-008", "a repository is created from a request with the fields it needs: no "
           "name answers 422 Validation Failed and creates nothing", cite=CREATE)
def test_create_needs_name(target: Target) -> None:
    refused = target.http("POST", target._create_path(), json={"description": "no name"})
    body = assert_error(refused, 422, "Validation Failed")
    assert body["errors"][0]["field"] == "name"
    anonymous = target.http("POST", "/user/repos", json={"name": "x"}, token=None)
    assert_error(anonymous, 401, "Requires authentication")


@behaviour("GH-054", "creating repositories needs the repo or public_repo scope of a classic "
           "token (404 without) or administration: write of a fine-grained one (403 without); "
           "an organization's endpoints answer 404 for a user",
           cite=f"{CREATE}; https://docs.github.com/apps/oauth-apps/building-oauth-apps/"
                "scopes-for-oauth-apps#available-scopes")
def test_create_needs_scopes(target: Target) -> None:
    target.require("mint_tokens")
    login = target.http("GET", "/user").json()["login"]
    bare = target.mint_token(login, scopes=())
    assert_error(target.http("POST", "/user/repos", json={"name": "x"}, token=bare), 404)
    fine = target.mint_token(login, permissions={"contents": "write"})
    assert_error(target.http("POST", "/user/repos", json={"name": "x"}, token=fine), 403,
                 "Resource not accessible by personal access token")
    assert_error(target.http("GET", f"/orgs/{login}/repos"), 404)
    assert_error(target.http("POST", f"/orgs/{login}/repos", json={"name": "x"}), 404)


@behaviour("GH-009", "PyGithub, unchanged, drives the API: a repository, a file written and "
           "updated, a branch and a comparison",
           cite=f"{DOCS}/repos/contents#create-or-update-file-contents; "
                "https://pygithub.readthedocs.io/en/stable/introduction.html")
def test_pygithub(target: Target) -> None:
    gh = target.github()
    repo = gh.get_repo(target.new_repo("pygithub"))
    made = repo.create_file("app.cfg", "add config", "a = 1\n")
    repo.update_file("app.cfg", "change config", "a = 2\n", made["content"].sha)
    assert repo.get_contents("app.cfg").decoded_content == b"a = 2\n"
    main = repo.get_branch(repo.default_branch)
    repo.create_git_ref("refs/heads/topic", main.commit.sha)
    repo.create_file("topic.txt", "topic", "t\n", branch="topic")
    comparison = repo.compare(repo.default_branch, "topic")
    assert (comparison.status, comparison.ahead_by) == ("ahead", 1)
    assert target.held_file(repo.full_name, "topic.txt", "topic") == b"t\n"
