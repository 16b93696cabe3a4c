"""Issues, labels and issue comments; pull requests are issues."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.github._support import assert_error
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_pulls import _branch, _open

behaviour = pytest.mark.behaviour

ISSUES = f"{DOCS}/issues/issues"
LABELS = f"{DOCS}/issues/labels"
COMMENTS = f"{DOCS}/issues/comments"
CREATE = f"{ISSUES}#create-an-issue (issues/create)"
UPDATE = f"{ISSUES}#update-an-issue (issues/update)"
LIST = f"{ISSUES}#list-repository-issues (issues/list-for-repo)"
ABOUT = ("https://docs.github.com/rest/issues/issues#about-issues (\"every pull request is "
         "an issue, but not every issue is a pull request\")")


def _issue(target: Target, repo: str, title: str, token: str | None = "default",
           **fields: Any) -> dict[str, Any]:
    made = target.http("POST", f"/repos/{repo}/issues", json={"title": title, **fields},
                       token=token)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _names(items: list[dict[str, Any]], key: str = "name") -> list[Any]:
    return [item[key] for item in items]


@behaviour("GH-340", "POST issues answers 201 with the issue: number, state open, title, body, "
           "user, labels by name (a name the repository has no label for makes one), "
           "assignees; GET answers it; without a title 422 missing_field",
           cite=f"{CREATE}; {ISSUES}#get-an-issue (issues/get)")
def test_create_and_get(target: Target) -> None:
    repo = target.new_repo("issues")
    me = target.http("GET", "/user").json()["login"]
    made = _issue(target, repo, "Broken build", body="It fails.", labels=["bug"],
                  assignees=[me])
    assert made["state"] == "open" and made["title"] == "Broken build"
    assert made["body"] == "It fails." and made["user"]["login"] == me
    assert _names(made["labels"]) == ["bug"] and _names(made["assignees"], "login") == [me]
    assert made["comments"] == 0 and made["closed_at"] is None
    got = target.http("GET", f"/repos/{repo}/issues/{made['number']}")
    assert got.status_code == 200 and got.json()["id"] == made["id"]
    assert target.http("GET", f"/repos/{repo}/labels/bug").status_code == 200
    body = assert_error(target.http("POST", f"/repos/{repo}/issues", json={"body": "x"}), 422)
    assert body["errors"][0]["field"] == "title"
    assert_error(target.http("GET", f"/repos/{repo}/issues/999"), 404)


@behaviour("GH-341", "pull requests are issues: they share one number sequence, GET issues/{n} "
           "answers a pull request as an issue with pull_request, the issue list shows both, "
           "and labels, assignees and comments set through the issue show on the pull "
           "request", cite=f"{ABOUT}; {LIST}")
def test_pull_requests_are_issues(target: Target) -> None:
    repo = target.new_repo("issues-pulls")
    first = _issue(target, repo, "an issue")
    _branch(target, repo, "feature", {"f.txt": "f\n"})
    pull = _open(target, repo, "feature")
    assert pull["number"] == first["number"] + 1
    second = _issue(target, repo, "another issue")
    assert second["number"] == pull["number"] + 1
    as_issue = target.http("GET", f"/repos/{repo}/issues/{pull['number']}").json()
    assert as_issue["title"] == pull["title"] and "pull_request" in as_issue
    assert as_issue["pull_request"]["url"] == pull["url"]
    listed = target.http("GET", f"/repos/{repo}/issues").json()
    assert _names(listed, "number") == [second["number"], pull["number"], first["number"]]
    assert ["pull_request" in i for i in listed] == [False, True, False]
    labelled = target.http("PATCH", f"/repos/{repo}/issues/{pull['number']}",
                           json={"labels": ["review"]})
    assert labelled.status_code == 200, labelled.text
    commented = target.http("POST", f"/repos/{repo}/issues/{pull['number']}/comments",
                            json={"body": "looks good"})
    assert commented.status_code == 201
    shown = target.http("GET", f"/repos/{repo}/pulls/{pull['number']}").json()
    assert _names(shown["labels"]) == ["review"] and shown["comments"] == 1
    closed = target.http("PATCH", f"/repos/{repo}/issues/{pull['number']}",
                         json={"state": "closed"})
    assert closed.json()["state"] == "closed"
    assert target.http("GET", f"/repos/{repo}/pulls/{pull['number']}").json()[
        "state"] == "closed"
    assert target.http("GET", f"/repos/{repo}").json()["open_issues_count"] == 2


@behaviour("GH-342", "the issue list: open by default, newest first; state closed or all; "
           "labels (all of them), assignee (a login, none, *), creator; sort and direction; "
           "pages", cite=LIST)
def test_list_filters(target: Target) -> None:
    repo = target.new_repo("issues-list")
    me = target.http("GET", "/user").json()["login"]
    a = _issue(target, repo, "a", labels=["x", "y"], assignees=[me])
    b = _issue(target, repo, "b", labels=["x"])
    c = _issue(target, repo, "c")
    target.http("PATCH", f"/repos/{repo}/issues/{c['number']}", json={"state": "closed"})

    def listed(query: str) -> list[int]:
        response = target.http("GET", f"/repos/{repo}/issues{query}")
        assert response.status_code == 200, response.text
        return _names(response.json(), "number")

    assert listed("") == [b["number"], a["number"]]
    assert listed("?state=closed") == [c["number"]]
    assert listed("?state=all&direction=asc") == [a["number"], b["number"], c["number"]]
    assert listed("?labels=x") == [b["number"], a["number"]]
    assert listed("?labels=x,Y") == [a["number"]]
    assert listed(f"?assignee={me}") == [a["number"]]
    assert listed("?assignee=none") == [b["number"]]
    assert listed("?assignee=*") == [a["number"]]
    assert listed(f"?creator={me}&state=all") == [c["number"], b["number"], a["number"]]
    assert listed("?state=all&per_page=2&page=2") == [a["number"]]


@behaviour("GH-343", "PATCH an issue: closing sets closed_at, closed_by and state_reason "
           "(completed by default, or not_planned), reopening makes it reopened; labels and "
           "assignees are replaced; an assignee who cannot push is 422 naming assignees "
           "and nothing changes", cite=UPDATE)
def test_update(target: Target) -> None:
    repo = target.new_repo("issues-update")
    me = target.http("GET", "/user").json()["login"]
    made = _issue(target, repo, "to close", labels=["old"])
    url = f"/repos/{repo}/issues/{made['number']}"
    closed = target.http("PATCH", url, json={"state": "closed"}).json()
    assert closed["state"] == "closed" and closed["state_reason"] == "completed"
    assert closed["closed_at"] is not None and closed["closed_by"]["login"] == me
    reopened = target.http("PATCH", url, json={"state": "open"}).json()
    assert reopened["state"] == "open" and reopened["state_reason"] == "reopened"
    assert reopened["closed_at"] is None
    dropped = target.http("PATCH", url, json={"state": "closed",
                                               "state_reason": "not_planned"}).json()
    assert dropped["state_reason"] == "not_planned"
    edited = target.http("PATCH", url, json={"title": "renamed", "labels": ["new"],
                                             "assignees": [me]}).json()
    assert edited["title"] == "renamed" and _names(edited["labels"]) == ["new"]
    assert _names(edited["assignees"], "login") == [me]
    target.require("mint_tokens")
    target.mint_token("vf-outsider", scopes=("repo",))
    refused = target.http("PATCH", url, json={"title": "not this",
                                              "assignees": ["vf-outsider"]})
    body = assert_error(refused, 422, "Validation Failed")
    assert body["errors"][0]["field"] == "assignees"
    assert target.http("GET", url).json()["title"] == "renamed"


@behaviour("GH-344", "labels: create 201 (color without #, description), a name the "
           "repository has (in any case) 422 already_exists, a color that is not six hex "
           "digits 422; get, list; a rename keeps the label on its issues; delete 204 takes "
           "it off them, then 404",
           cite=f"{LABELS}#create-a-label (issues/create-label); {LABELS}#update-a-label; "
                f"{LABELS}#delete-a-label; {LABELS}#list-labels-for-a-repository")
def test_labels(target: Target) -> None:
    repo = target.new_repo("labels")
    made = target.http("POST", f"/repos/{repo}/labels",
                       json={"name": "Bug", "color": "d73a4a", "description": "broken"})
    assert made.status_code == 201, made.text
    assert (made.json()["name"], made.json()["color"], made.json()["description"]) == (
        "Bug", "d73a4a", "broken")
    dup = target.http("POST", f"/repos/{repo}/labels", json={"name": "bug", "color": "000000"})
    assert assert_error(dup, 422)["errors"][0]["code"] == "already_exists"
    bad = target.http("POST", f"/repos/{repo}/labels", json={"name": "c", "color": "red"})
    assert assert_error(bad, 422)["errors"][0]["field"] == "color"
    issue = _issue(target, repo, "labelled", labels=["Bug"])
    renamed = target.http("PATCH", f"/repos/{repo}/labels/Bug",
                          json={"new_name": "defect", "color": "00ff00"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "defect"
    shown = target.http("GET", f"/repos/{repo}/issues/{issue['number']}").json()
    assert _names(shown["labels"]) == ["defect"]
    assert "defect" in _names(target.http("GET", f"/repos/{repo}/labels").json())
    assert target.http("DELETE", f"/repos/{repo}/labels/defect").status_code == 204
    assert_error(target.http("GET", f"/repos/{repo}/labels/defect"), 404)
    shown = target.http("GET", f"/repos/{repo}/issues/{issue['number']}").json()
    assert shown["labels"] == []


@behaviour("GH-345", "the labels of an issue: add (POST), replace (PUT), remove one (DELETE "
           "…/labels/{name}: the rest; 404 'Label does not exist' for one it does not "
           "carry), remove all (204)", cite=f"{LABELS}#add-labels-to-an-issue; "
           f"{LABELS}#set-labels-for-an-issue; {LABELS}#remove-a-label-from-an-issue; "
           f"{LABELS}#remove-all-labels-from-an-issue; {LABELS}#list-labels-for-an-issue")
def test_labels_of_an_issue(target: Target) -> None:
    repo = target.new_repo("issue-labels")
    issue = _issue(target, repo, "labels")
    url = f"/repos/{repo}/issues/{issue['number']}/labels"
    added = target.http("POST", url, json={"labels": ["a", "b"]})
    assert added.status_code == 200 and _names(added.json()) == ["a", "b"]
    assert _names(target.http("POST", url, json=["c"]).json()) == ["a", "b", "c"]
    assert _names(target.http("PUT", url, json={"labels": ["b", "d"]}).json()) == ["b", "d"]
    assert _names(target.http("DELETE", f"{url}/b").json()) == ["d"]
    assert_error(target.http("DELETE", f"{url}/b"), 404, "Label does not exist")
    assert _names(target.http("GET", url).json()) == ["d"]
    assert target.http("DELETE", url).status_code == 204
    assert target.http("GET", url).json() == []


@behaviour("GH-346", "issue comments: create 201, list oldest first, get, update, delete 204 "
           "then 404; the issue counts them; a comment without a body is 422",
           cite=f"{COMMENTS}#create-an-issue-comment; {COMMENTS}#list-issue-comments; "
                f"{COMMENTS}#update-an-issue-comment; {COMMENTS}#delete-an-issue-comment")
def test_comments(target: Target) -> None:
    repo = target.new_repo("comments")
    issue = _issue(target, repo, "talk")
    url = f"/repos/{repo}/issues/{issue['number']}/comments"
    first = target.http("POST", url, json={"body": "first"})
    assert first.status_code == 201, first.text
    second = target.http("POST", url, json={"body": "second"}).json()
    assert _names(target.http("GET", url).json(), "body") == ["first", "second"]
    assert target.http("GET", f"/repos/{repo}/issues/{issue['number']}").json()[
        "comments"] == 2
    comment_url = f"/repos/{repo}/issues/comments/{first.json()['id']}"
    assert target.http("GET", comment_url).json()["body"] == "first"
    edited = target.http("PATCH", comment_url, json={"body": "first, edited"})
    assert edited.status_code == 200 and edited.json()["body"] == "first, edited"
    assert target.http("DELETE", comment_url).status_code == 204
    assert_error(target.http("GET", comment_url), 404)
    assert _names(target.http("GET", url).json(), "id") == [second["id"]]
    assert_error(target.http("POST", url, json={}), 422)


@behaviour("GH-347", "a repository with has_issues false answers 410 'Issues are disabled "
           "for this repo' to the issue endpoints; its pull requests stay reachable as "
           "issues", cite=f"{CREATE} (410 Gone); {DOCS}/repos/repos#update-a-repository")
def test_disabled(target: Target) -> None:
    repo = target.new_repo("issues-off")
    _branch(target, repo, "feature", {"f.txt": "f\n"})
    pull = _open(target, repo, "feature")
    made = _issue(target, repo, "before")
    assert target.http("PATCH", f"/repos/{repo}", json={"has_issues": False}).status_code == 200
    for refused in (target.http("GET", f"/repos/{repo}/issues"),
                    target.http("GET", f"/repos/{repo}/issues/{made['number']}"),
                    target.http("POST", f"/repos/{repo}/issues", json={"title": "t"})):
        assert_error(refused, 410, "Issues are disabled for this repo")
    assert target.http("GET", f"/repos/{repo}/issues/{pull['number']}").status_code == 200


@behaviour("GH-348", "who may: without a token creating an issue is 401; a signed-in user "
           "who cannot push opens issues on a public repository but the labels and "
           "assignees they send are dropped, edits their own issue and may not edit "
           "another's (403); labels need push access; an archived repository refuses "
           "issues with 403", cite=f"{CREATE} (\"only users with push access can set "
           f"labels\"); {UPDATE}; {LABELS}#create-a-label")
def test_who_may(target: Target) -> None:
    target.require("mint_tokens")
    repo = target.new_repo("issues-who")
    assert_error(target.http("POST", f"/repos/{repo}/issues", json={"title": "t"},
                             token=None), 401)
    mine = _issue(target, repo, "the owner's")
    outsider = target.mint_token("vf-outsider", scopes=("public_repo",))
    theirs = _issue(target, repo, "an outsider's", token=outsider, labels=["x"],
                    assignees=["vf-outsider"])
    assert theirs["labels"] == [] and theirs["assignees"] == []
    own = target.http("PATCH", f"/repos/{repo}/issues/{theirs['number']}",
                      json={"title": "edited"}, token=outsider)
    assert own.status_code == 200 and own.json()["title"] == "edited"
    assert_error(target.http("PATCH", f"/repos/{repo}/issues/{mine['number']}",
                             json={"title": "no"}, token=outsider), 403)
    assert_error(target.http("POST", f"/repos/{repo}/labels", json={"name": "z"},
                             token=outsider), 404)
    assert target.http("PATCH", f"/repos/{repo}", json={"archived": True}).status_code == 200
    assert_error(target.http("POST", f"/repos/{repo}/issues", json={"title": "late"}), 403,
                 "Repository was archived so is read-only.")


@behaviour("GH-349", "refused issue writes change nothing: a state or state_reason GitHub "
           "does not have, an empty title, labels that are not a list, an empty label name, "
           "a label renamed onto another's name, a comment edited to no body (422); a "
           "comment edited by someone who cannot push and did not write it (403); a token "
           "with issues: read (403); a list state GitHub does not have (422); issue types and "
           "the list's since (501 on the fake)",
           cite=f"{UPDATE}; {LABELS}#update-a-label; {COMMENTS}#update-an-issue-comment; "
                f"{DOCS}/authentication/permissions-required-for-fine-grained-personal-"
                "access-tokens")
def test_refusals(target: Target) -> None:
    repo = target.new_repo("issues-refused")
    me = target.http("GET", "/user").json()["login"]
    made = _issue(target, repo, "kept", labels=["a"])
    url = f"/repos/{repo}/issues/{made['number']}"
    for body in ({"state": "resolved"}, {"state_reason": "duplicate-ish"}, {"title": ""},
                 {"labels": "a"}, {"labels": [""]}):
        assert_error(target.http("PATCH", url, json=body), 422)
    shown = target.http("GET", url).json()
    assert (shown["title"], shown["state"], _names(shown["labels"])) == ("kept", "open", ["a"])
    assert_error(target.http("POST", f"/repos/{repo}/labels", json={"color": "000000"}), 422)
    target.http("POST", f"/repos/{repo}/labels", json={"name": "b"})
    clash = target.http("PATCH", f"/repos/{repo}/labels/b", json={"new_name": "A"})
    assert assert_error(clash, 422)["errors"][0]["code"] == "already_exists"
    comment = target.http("POST", f"{url}/comments", json={"body": "mine"}).json()
    comment_url = f"/repos/{repo}/issues/comments/{comment['id']}"
    assert_error(target.http("PATCH", comment_url, json={"body": ""}), 422)
    edited = target.http("PATCH", url, json={"body": "new body", "assignee": me,
                                             "state": "closed"}).json()
    assert edited["body"] == "new body" and _names(edited["assignees"], "login") == [me]
    assert target.http("PATCH", url, json={"state_reason": "not_planned"}).json()[
        "state_reason"] == "not_planned"
    target.require("mint_tokens")
    outsider = target.mint_token("vf-outsider", scopes=("public_repo",))
    assert_error(target.http("PATCH", comment_url, json={"body": "theirs"}, token=outsider),
                 403)
    assert_error(target.http("DELETE", comment_url, token=outsider), 403)
    reader = target.mint_token(me, permissions={"issues": "read"}, repositories=(repo,))
    assert_error(target.http("POST", f"/repos/{repo}/issues", json={"title": "t"},
                             token=reader), 403)
    assert target.http("GET", comment_url).json()["body"] == "mine"
    assert_error(target.http("GET", f"/repos/{repo}/issues?state=done"), 422)
    target.require("unmodelled_501")
    assert_error(target.http("POST", f"/repos/{repo}/issues",
                             json={"title": "t", "type": "Bug"}), 501)
    assert_error(target.http("PATCH", url, json={"type": "Bug"}), 501)
    assert_error(target.http("GET", f"/repos/{repo}/issues?since=2026-01-01T00:00:00Z"), 501)
