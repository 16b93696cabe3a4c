"""Who may do what: classic scopes, fine-grained permissions, repository roles."""

from __future__ import annotations

import pytest

from fakes.conformance.github._support import assert_error, b64, put_file
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

FINE_GRAINED = f"{DOCS}/authentication/permissions-required-for-fine-grained-personal-access-tokens"
SCOPES = "https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps"
HIDDEN = (f"{DOCS}/using-the-rest-api/troubleshooting-the-rest-api"
          "#404-not-found-for-an-existing-resource")
NOT_ACCESSIBLE = "Resource not accessible by personal access token"


def _write(target: Target, repo: str, token: str) -> int:
    response = target.http("PUT", f"/repos/{repo}/contents/by-token.txt", token=token,
                           json={"message": "w", "content": b64("w\n")})
    return response.status_code


@behaviour("GH-050", "a fine-grained token with contents: read reads the repository and its "
           "contents, and a write answers 403 'Resource not accessible by personal access "
           "token'", cite=f"{FINE_GRAINED}#repository-permissions-for-contents")
def test_fine_grained_read_only(target: Target) -> None:
    target.require("mint_tokens")
    repo = target.new_repo("fg-read")
    owner_login = target.http("GET", "/user").json()["login"]
    token = target.mint_token(owner_login, permissions={"contents": "read"},
                              repositories=(repo,))
    assert target.http("GET", f"/repos/{repo}/contents/README.md", token=token).status_code == 200
    refused = target.http("PUT", f"/repos/{repo}/contents/x.txt", token=token,
                          json={"message": "x", "content": b64("x")})
    assert_error(refused, 403, NOT_ACCESSIBLE)
    assert_error(target.http("POST", f"/repos/{repo}/git/refs", token=token,
                             json={"ref": "refs/heads/x", "sha": "0" * 40}), 403, NOT_ACCESSIBLE)
    writer = target.mint_token(owner_login, permissions={"contents": "write"},
                               repositories=(repo,))
    assert _write(target, repo, writer) == 201
    metadata_only = target.mint_token(owner_login, permissions={}, repositories=(repo,))
    assert target.http("GET", f"/repos/{repo}", token=metadata_only).status_code == 200
    assert_error(target.http("GET", f"/repos/{repo}/contents/README.md", token=metadata_only),
                 403, NOT_ACCESSIBLE)


@behaviour("GH-051", "a fine-grained token sees only the private repositories it selects; the "
           "others are 404", cite=f"{FINE_GRAINED}; {HIDDEN}")
def test_fine_grained_selection(target: Target) -> None:
    target.require("mint_tokens")
    chosen = target.new_repo("fg-chosen", private=True)
    other = target.new_repo("fg-other", private=True)
    owner_login = target.http("GET", "/user").json()["login"]
    token = target.mint_token(owner_login, permissions={"contents": "write"},
                              repositories=(chosen,))
    assert target.http("GET", f"/repos/{chosen}", token=token).status_code == 200
    assert_error(target.http("GET", f"/repos/{other}", token=token), 404, "Not Found")


@behaviour("GH-052", "a classic token without the repo scope cannot see private repositories "
           "(404) and without repo or public_repo cannot write public ones",
           cite=f"{SCOPES}#available-scopes; {HIDDEN}")
def test_classic_scopes(target: Target) -> None:
    target.require("mint_tokens")
    private = target.new_repo("scope-private", private=True)
    public = target.new_repo("scope-public")
    owner_login = target.http("GET", "/user").json()["login"]
    bare = target.mint_token(owner_login, scopes=())
    assert_error(target.http("GET", f"/repos/{private}", token=bare), 404, "Not Found")
    assert target.http("GET", f"/repos/{public}", token=bare).status_code == 200
    assert _write(target, public, bare) == 404
    public_only = target.mint_token(owner_login, scopes=("public_repo",))
    assert _write(target, public, public_only) == 201
    assert_error(target.http("GET", f"/repos/{private}", token=public_only), 404)


@behaviour("GH-053", "repository roles: a read collaborator can read a private repository but "
           "not write it (404), a stranger cannot see it (404), and deleting a repository "
           "without admin rights answers 403 'Must have admin rights to Repository.'",
           cite=f"{DOCS}/repos/repos#delete-a-repository (repos/delete); {HIDDEN}")
def test_roles(target: Target) -> None:
    target.require("mint_tokens")
    repo = target.new_repo("roles", private=True)
    target.add_collaborator(repo, "vf-reader", "read")
    target.add_collaborator(repo, "vf-writer", "write")
    reader = target.mint_token("vf-reader", scopes=("repo", "delete_repo"))
    writer = target.mint_token("vf-writer", scopes=("repo", "delete_repo"))
    stranger = target.mint_token("vf-stranger", scopes=("repo",))
    assert target.http("GET", f"/repos/{repo}", token=reader).status_code == 200
    assert _write(target, repo, reader) == 404
    assert _write(target, repo, writer) == 201
    assert_error(target.http("GET", f"/repos/{repo}", token=stranger), 404)
    assert_error(target.http("DELETE", f"/repos/{repo}", token=writer), 403,
                 "Must have admin rights to Repository.")
    no_delete_scope = target.mint_token(target.http("GET", "/user").json()["login"],
                                        scopes=("repo",))
    assert_error(target.http("DELETE", f"/repos/{repo}", token=no_delete_scope), 403,
                 "Must have admin rights to Repository.")
    assert target.http("GET", f"/repos/{repo}").status_code == 200
    assert put_file(target, repo, "still.txt", "here\n").status_code == 201
