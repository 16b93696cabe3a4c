"""A repository's settings: the update (PATCH /repos/{owner}/{repo}), merge methods and
branch deletion on merge, archiving, renames and their redirects, topics."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.github._git_remote import TargetRemote, Workdir, git_exec_path
from fakes.conformance.github._support import assert_error, head_of, put_file
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_pulls import _branch, _open, _settled

behaviour = pytest.mark.behaviour

REPOS = f"{DOCS}/repos/repos"
UPDATE = f"{REPOS}#update-a-repository (repos/update)"
TOPICS = (f"{REPOS}#replace-all-repository-topics (repos/replace-all-topics); "
          f"{REPOS}#get-all-repository-topics (repos/get-all-topics)")
ABOUT_TOPICS = ("https://docs.github.com/repositories/managing-your-repositorys-settings-and-"
                "features/customizing-your-repository/classifying-your-repository-with-topics")
ARCHIVING = ("https://docs.github.com/repositories/archiving-a-github-repository/"
             "archiving-repositories")
REDIRECTS = ("https://developer.github.com/changes/2015-04-17-preview-repository-redirects/; "
             f"{DOCS}/using-the-rest-api/best-practices-for-using-the-rest-api#follow-redirects")
RENAMING = ("https://docs.github.com/repositories/creating-and-managing-repositories/"
            "renaming-a-repository")
MERGE_METHODS = ("https://docs.github.com/repositories/configuring-branches-and-merges-in-"
                 "your-repository/configuring-pull-request-merges/about-merge-methods-on-github")
AUTO_DELETE = ("https://docs.github.com/repositories/configuring-branches-and-merges-in-your-"
               "repository/configuring-pull-request-merges/managing-the-automatic-deletion-"
               "of-branches")
ARCHIVED = "Repository was archived so is read-only."


def _patch(target: Target, repo: str, token: str | None = "default",
           **fields: Any) -> Any:
    return target.http("PATCH", f"/repos/{repo}", json=fields, token=token)


def _rename(target: Target, repo: str, hint: str) -> str:
    """Rename ``repo`` to a new run name; returns the new ``owner/name``."""
    name = target.repo_name(hint)
    renamed = _patch(target, repo, name=name)
    assert renamed.status_code == 200, renamed.text
    full_name = str(renamed.json()["full_name"])
    target.repositories.append(full_name)  # torn down under its new name
    return full_name


@behaviour("GH-320", "PATCH /repos/{owner}/{repo} answers 200 with the repository as updated: "
           "description, homepage, has_issues, has_wiki, has_projects, visibility; GET "
           "shows the same", cite=UPDATE)
def test_update_settings(target: Target) -> None:
    repo = target.new_repo("update")
    updated = _patch(target, repo, description="updated by the suite",
                     homepage="https://example.com/docs", has_issues=False, has_wiki=False,
                     has_projects=False, visibility="private")
    assert updated.status_code == 200, updated.text
    for shown in (updated.json(), target.http("GET", f"/repos/{repo}").json()):
        assert shown["description"] == "updated by the suite"
        assert shown["homepage"] == "https://example.com/docs"
        assert (shown["has_issues"], shown["has_wiki"], shown["has_projects"]) == (
            False, False, False)
        assert shown["private"] is True and shown["visibility"] == "private"
    public = _patch(target, repo, private=False)
    assert public.json()["visibility"] == "public"
    assert target.http("GET", f"/repos/{repo}", token=None).status_code == 200


@behaviour("GH-321", "default_branch must name an existing branch: 422 Validation Failed "
           "with errors[] naming default_branch, and nothing changes; an existing branch "
           "becomes the default (GET shows it, contents read from it)", cite=UPDATE)
def test_default_branch(target: Target) -> None:
    repo = target.new_repo("default")
    refused = _patch(target, repo, default_branch="no-such-branch", description="not this")
    body = assert_error(refused, 422, "Validation Failed")
    assert body["errors"][0]["field"] == "default_branch"
    shown = target.http("GET", f"/repos/{repo}").json()
    assert shown["default_branch"] == "main" and shown["description"] != "not this"
    _branch(target, repo, "trunk", {"only-on-trunk.txt": "t\n"})
    moved = _patch(target, repo, default_branch="trunk")
    assert moved.status_code == 200 and moved.json()["default_branch"] == "trunk"
    assert target.http("GET", f"/repos/{repo}/contents/only-on-trunk.txt").status_code == 200


@behaviour("GH-322", "updating a repository needs admin: a write collaborator gets 403 'Must "
           "have admin rights to Repository.', a fine-grained token without administration "
           "403 'Resource not accessible by personal access token', a stranger to a private "
           "repository 404; nothing changes", cite=f"{UPDATE}; {DOCS}/authentication/"
           "permissions-required-for-fine-grained-personal-access-tokens")
def test_update_needs_admin(target: Target) -> None:
    target.require("mint_tokens")
    repo = target.new_repo("admin", private=True)
    target.add_collaborator(repo, "vf-writer", "write")
    writer = target.mint_token("vf-writer", scopes=("repo",))
    assert_error(_patch(target, repo, writer, description="w"), 403,
                 "Must have admin rights to Repository.")
    owner = target.http("GET", "/user").json()["login"]
    fine = target.mint_token(owner, permissions={"contents": "write"}, repositories=(repo,))
    assert_error(_patch(target, repo, fine, description="f"), 403,
                 "Resource not accessible by personal access token")
    stranger = target.mint_token("vf-stranger", scopes=("repo",))
    assert_error(_patch(target, repo, stranger, description="s"), 404, "Not Found")
    assert target.http("GET", f"/repos/{repo}").json()["description"] not in ("w", "f", "s")


@behaviour("GH-323", "the merge methods a repository allows: its administrator sees "
           "allow_merge_commit, allow_squash_merge, allow_rebase_merge and "
           "delete_branch_on_merge; a merge with a method turned off is 405 '<Merge "
           "commits|Squash merges|Rebase merges> are not allowed on this repository.' and "
           "merges nothing", cite=f"{UPDATE}; {MERGE_METHODS}; {DOCS}/pulls/pulls"
           "#merge-a-pull-request (pulls/merge); measured by GitHub's users: "
           "github.com/bazelbuild/continuous-integration/pull/2178, "
           "github.com/rue-language/rue/pull/2053")
def test_merge_methods(target: Target) -> None:
    repo = target.new_repo("methods")
    shown = target.http("GET", f"/repos/{repo}").json()
    assert (shown["allow_merge_commit"], shown["allow_squash_merge"],
            shown["allow_rebase_merge"], shown["delete_branch_on_merge"]) == (
        True, True, True, False)
    turned = _patch(target, repo, allow_merge_commit=False, allow_squash_merge=False)
    assert turned.json()["allow_merge_commit"] is False
    assert turned.json()["allow_squash_merge"] is False
    _branch(target, repo, "feature", {"f.txt": "f\n"})
    number = _open(target, repo, "feature")["number"]
    _settled(target, repo, number)
    main = head_of(target, repo)
    for method, label in (("merge", "Merge commits"), ("squash", "Squash merges")):
        refused = target.http("PUT", f"/repos/{repo}/pulls/{number}/merge",
                              json={"merge_method": method})
        assert_error(refused, 405, f"{label} are not allowed on this repository.")
    assert head_of(target, repo) == main
    _patch(target, repo, allow_merge_commit=True, allow_rebase_merge=False)
    refused = target.http("PUT", f"/repos/{repo}/pulls/{number}/merge",
                          json={"merge_method": "rebase"})
    assert_error(refused, 405, "Rebase merges are not allowed on this repository.")
    merged = target.http("PUT", f"/repos/{repo}/pulls/{number}/merge",
                         json={"merge_method": "merge"})
    assert merged.status_code == 200, merged.text


@behaviour("GH-324", "delete_branch_on_merge: once a pull request is merged its head branch "
           "is deleted (the ref answers 404); without it the branch stays",
           cite=f"{UPDATE}; {AUTO_DELETE}")
def test_delete_branch_on_merge(target: Target) -> None:
    repo = target.new_repo("autodelete")
    _branch(target, repo, "kept", {"k.txt": "k\n"})
    kept = _open(target, repo, "kept")["number"]
    _settled(target, repo, kept)
    assert target.http("PUT", f"/repos/{repo}/pulls/{kept}/merge", json={}).status_code == 200
    assert target.http("GET", f"/repos/{repo}/git/ref/heads/kept").status_code == 200
    assert _patch(target, repo, delete_branch_on_merge=True).json()[
        "delete_branch_on_merge"] is True
    _branch(target, repo, "gone", {"g.txt": "g\n"})
    number = _open(target, repo, "gone")["number"]
    _settled(target, repo, number)
    merged = target.http("PUT", f"/repos/{repo}/pulls/{number}/merge",
                         json={"merge_method": "squash"})
    assert merged.status_code == 200, merged.text
    assert_error(target.http("GET", f"/repos/{repo}/git/ref/heads/gone"), 404)
    assert target.http("GET", f"/repos/{repo}/pulls/{number}").json()["merged"] is True


@behaviour("GH-325", "an archived repository is read-only: it reads archived: true and every "
           f"write (contents, git refs, pull requests, reviews, merges, statuses, topics) is "
           f"403 '{ARCHIVED}' "
           "and changes nothing, as is any other update of its settings; unarchiving "
           "(archived: false) makes it writable again", cite=f"{UPDATE}; {ARCHIVING}; "
           "measured by GitHub's users: github.com/r-universe-org/help/issues/247, "
           "github.com/mozilla/fxa/pull/293")
def test_archived_is_read_only(target: Target) -> None:
    repo = target.new_repo("archived")
    main = head_of(target, repo)
    _branch(target, repo, "side", {"s.txt": "s\n"})
    pull = _open(target, repo, "side")
    archived = _patch(target, repo, archived=True)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert target.http("GET", f"/repos/{repo}").json()["archived"] is True
    writes = [
        put_file(target, repo, "new.txt", "n\n"),
        target.http("POST", f"/repos/{repo}/git/refs",
                    json={"ref": "refs/heads/other", "sha": main}),
        target.http("POST", f"/repos/{repo}/pulls",
                    json={"title": "t", "head": "side", "base": "main", "draft": True}),
        target.http("POST", f"/repos/{repo}/pulls/{pull['number']}/reviews",
                    json={"event": "COMMENT", "body": "late"}),
        target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/merge", json={}),
        target.http("POST", f"/repos/{repo}/statuses/{main}", json={"state": "success"}),
        target.http("PUT", f"/repos/{repo}/topics", json={"names": ["archived"]}),
        _patch(target, repo, description="changed while archived"),
    ]
    for refused in writes:
        assert_error(refused, 403, ARCHIVED)
    assert head_of(target, repo) == main
    assert target.http("GET", f"/repos/{repo}/git/ref/heads/other").status_code == 404
    assert len(target.http("GET", f"/repos/{repo}/pulls?state=all").json()) == 1
    assert target.http("GET", f"/repos/{repo}/pulls/{pull['number']}/reviews").json() == []
    assert target.http("GET", f"/repos/{repo}/topics").json() == {"names": []}
    # reads still work
    assert target.http("GET", f"/repos/{repo}/contents/README.md").status_code == 200
    unarchived = _patch(target, repo, archived=False)
    assert unarchived.status_code == 200 and unarchived.json()["archived"] is False
    assert put_file(target, repo, "new.txt", "n\n").status_code == 201


@behaviour("GH-326", "renaming (PATCH name) answers 200 with the new name; the old name then "
           "answers 301 Moved Permanently for a GET (and 307 for other methods) with "
           "Location /repositories/<id> plus the rest of the path and the query, the same "
           "URL in the body's url; following it reaches the repository; once the "
           "repository is deleted both are 404", cite=f"{UPDATE} "
           f"(307 Temporary Redirect); {REDIRECTS}; {RENAMING}")
def test_rename_redirects(target: Target) -> None:
    repo = target.new_repo("old")
    original = target.http("GET", f"/repos/{repo}").json()
    renamed = _rename(target, repo, "new")
    assert renamed != repo
    shown = target.http("GET", f"/repos/{renamed}").json()
    assert shown["id"] == original["id"] and shown["full_name"] == renamed
    assert shown["url"] == f"{target.api_url}/repos/{renamed}"
    moved = target.http("GET", f"/repos/{repo}/contents/README.md?ref=main",
                         allow_redirects=False)
    assert moved.status_code == 301, moved.text
    location = f"{target.api_url}/repositories/{original['id']}/contents/README.md?ref=main"
    assert moved.headers["Location"] == location
    assert moved.json()["message"] == "Moved Permanently"
    assert moved.json()["url"] == location
    followed = target.http("GET", f"/repos/{repo}/contents/README.md?ref=main")
    assert followed.status_code == 200 and followed.json()["path"] == "README.md"
    whole = target.http("GET", f"/repos/{repo}")
    assert whole.status_code == 200 and whole.json()["full_name"] == renamed
    written = target.http("PATCH", f"/repos/{repo}", json={"description": "d"},
                          allow_redirects=False)
    assert written.status_code == 307, written.text
    assert written.headers["Location"] == f"{target.api_url}/repositories/{original['id']}"
    assert target.http("DELETE", f"/repos/{renamed}").status_code == 204
    assert_error(target.http("GET", f"/repos/{repo}", allow_redirects=False), 404)
    assert_error(target.http("GET", f"/repositories/{original['id']}"), 404)


@behaviour("GH-327", "a renamed private repository's old name is 404 to whoever may not see "
           "it (no redirect that would reveal it); the redirect of a public one works "
           "anonymously", cite=f"{REDIRECTS}; {DOCS}/using-the-rest-api/"
           "troubleshooting-the-rest-api#404-not-found-for-an-existing-resource")
def test_rename_redirect_hides_private(target: Target) -> None:
    private = target.new_repo("hidden", private=True)
    _rename(target, private, "hidden-new")
    assert_error(target.http("GET", f"/repos/{private}", token=None, allow_redirects=False),
                 404, "Not Found")
    public = target.new_repo("shown")
    _rename(target, public, "shown-new")
    assert target.http("GET", f"/repos/{public}", token=None,
                       allow_redirects=False).status_code == 301


@behaviour("GH-328", "a repository created with a renamed repository's old name takes the "
           "name over: the old name serves the new repository, no longer a redirect; a "
           "name the owner already has is 422 'name already exists on this account'",
           cite=f"{RENAMING}; {UPDATE}")
def test_new_repository_breaks_the_redirect(target: Target) -> None:
    repo = target.new_repo("taken")
    other = target.new_repo("other")
    assert_error(_patch(target, other, name=repo.split("/")[1]), 422, "Validation Failed")
    renamed = _rename(target, repo, "taken-new")
    old_name = repo.split("/")[1]
    made = target.http("POST", target._create_path(), json={"name": old_name})
    assert made.status_code == 201, made.text
    target.repositories.append(made.json()["full_name"])
    again = target.http("GET", f"/repos/{repo}", allow_redirects=False)
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    assert target.http("GET", f"/repos/{renamed}").status_code == 200


@behaviour("GH-329", "topics: PUT replaces them all (names saved lowercase, a repeated name "
           "once, [] clears), GET and the repository show them; a name that is not a topic "
           "is 422 'Topics must start with a lowercase letter or number, consist of 50 "
           "characters or less, and can include hyphens.', more than 20 are 422 'A "
           "repository cannot have more than 20 topics.'; a refused PUT changes nothing",
           cite=f"{TOPICS}; {ABOUT_TOPICS}; measured by GitHub's users: "
           "github.com/apache/apisix/pull/7755, "
           "github.com/integrations/terraform-provider-github/pull/951")
def test_topics(target: Target) -> None:
    repo = target.new_repo("topics")
    assert target.http("GET", f"/repos/{repo}/topics").json() == {"names": []}
    put = target.http("PUT", f"/repos/{repo}/topics",
                      json={"names": ["Infra", "python", "infra", "a-b-9"]})
    assert put.status_code == 200, put.text
    assert put.json() == {"names": ["infra", "python", "a-b-9"]}
    assert target.http("GET", f"/repos/{repo}/topics").json()["names"] == [
        "infra", "python", "a-b-9"]
    assert target.http("GET", f"/repos/{repo}").json()["topics"] == [
        "infra", "python", "a-b-9"]
    for bad in (["-leading"], ["has space"], ["x" * 51], ["under_score"], [""]):
        refused = target.http("PUT", f"/repos/{repo}/topics", json={"names": bad})
        body = assert_error(refused, 422, "Validation Failed")
        assert body["errors"] == ["Topics must start with a lowercase letter or number, "
                                  "consist of 50 characters or less, and can include "
                                  "hyphens."], body
    many = [f"topic-{i}" for i in range(21)]
    body = assert_error(target.http("PUT", f"/repos/{repo}/topics", json={"names": many}),
                        422, "Validation Failed")
    assert body["errors"] == ["A repository cannot have more than 20 topics."], body
    assert target.http("GET", f"/repos/{repo}/topics").json()["names"] == [
        "infra", "python", "a-b-9"]
    exactly = target.http("PUT", f"/repos/{repo}/topics", json={"names": many[:20]})
    assert exactly.status_code == 200 and len(exactly.json()["names"]) == 20
    cleared = target.http("PUT", f"/repos/{repo}/topics", json={"names": []})
    assert cleared.json() == {"names": []}


@behaviour("GH-330", "settings the fake does not model (security_and_analysis, the merge "
           "commit titles …) answer 501 naming them, and nothing changes",
           cite=f"{UPDATE}; verified-fakes docs/github.md#the-501-rule")
def test_unmodelled_settings(target: Target) -> None:
    target.require("unmodelled_501")
    repo = target.new_repo("unmodelled")
    refused = _patch(target, repo, description="no", squash_merge_commit_title="PR_TITLE")
    body = assert_error(refused, 501)
    assert "squash_merge_commit_title" in body["message"]
    assert target.http("GET", f"/repos/{repo}").json()["description"] != "no"


# -- over git ---------------------------------------------------------------------------


@pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")
@behaviour("GH-331", "git over HTTPS: an archived repository clones, and a push is refused "
           "with 403, git printing 'remote: This repository was archived so it is "
           "read-only.'; nothing changes", cite=f"{ARCHIVING}; measured by GitHub's users: "
           "github.com/nextcloud/docker-ci/pull/859")
def test_archived_push(target: Target, work: Workdir) -> None:
    remote = TargetRemote(target)
    repo = remote.new_repo("archived-git")
    main = head_of(target, repo)
    assert _patch(target, repo, archived=True).status_code == 200
    work.git("clone", "-q", remote.url(repo), "c")
    work.commit("c", {"late.txt": "late\n"}, "too late")
    out = work.fails("push", "origin", "main", cwd="c")
    assert "remote: This repository was archived so it is read-only." in out, out
    assert "The requested URL returned error: 403" in out, out
    assert head_of(target, repo) == main


@pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")
@behaviour("GH-332", "git over HTTPS follows a rename: cloning, fetching and pushing the old "
           "URL reach the renamed repository", cite=f"{RENAMING} (\"all links to the "
           "former repository location are automatically redirected\")")
def test_git_follows_a_rename(target: Target, work: Workdir) -> None:
    remote = TargetRemote(target)
    repo = remote.new_repo("git-old")
    renamed = _rename(target, repo, "git-new")
    work.git("clone", "-q", remote.url(repo), "c")
    sha = work.commit("c", {"after.txt": "after the rename\n"}, "pushed to the old URL")
    work.git("push", "-q", "origin", "main", cwd="c")
    assert head_of(target, renamed) == sha


@behaviour("GH-337", "a PATCH field of the wrong type (a string for a flag, a number for the "
           "description, a visibility GitHub does not have here) is 422 Validation Failed "
           "with errors[] naming the field, and nothing changes; a PATCH that changes "
           "nothing answers 200", cite=UPDATE)
def test_update_refusals(target: Target) -> None:
    repo = target.new_repo("update-types")
    before = target.http("GET", f"/repos/{repo}").json()
    for field, value in (("has_issues", "yes"), ("private", "no"), ("description", 7),
                         ("name", ""), ("visibility", "secret")):
        refused = _patch(target, repo, homepage="https://example.com/x", **{field: value})
        body = assert_error(refused, 422, "Validation Failed")
        assert body["errors"][0]["field"] == field, body
    after = target.http("GET", f"/repos/{repo}").json()
    assert (after["homepage"], after["has_issues"], after["private"]) == (
        before["homepage"], before["has_issues"], before["private"])
    same = _patch(target, repo, description=before["description"])
    assert same.status_code == 200 and same.json()["description"] == before["description"]
    missing = target.http("PUT", f"/repos/{repo}/topics", json={"topics": ["x"]})
    assert_error(missing, 422)
