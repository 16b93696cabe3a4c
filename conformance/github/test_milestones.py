"""Milestones, and the issues and pull requests that name them."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.github._support import assert_error
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_pulls import _branch, _open

behaviour = pytest.mark.behaviour

MILESTONES = f"{DOCS}/issues/milestones"
CREATE = f"{MILESTONES}#create-a-milestone (issues/create-milestone)"
LIST = f"{MILESTONES}#list-milestones (issues/list-milestones)"
UPDATE = f"{MILESTONES}#update-a-milestone (issues/update-milestone)"
DELETE = f"{MILESTONES}#delete-a-milestone (issues/delete-milestone)"
ISSUE_UPDATE = f"{DOCS}/issues/issues#update-an-issue (issues/update: \"milestone … use null " \
               "to remove the current milestone\")"
ISSUE_LIST = f"{DOCS}/issues/issues#list-repository-issues (issues/list-for-repo: " \
             "\"milestone … an integer … *, none\")"


def _milestone(target: Target, repo: str, title: str, **fields: Any) -> dict[str, Any]:
    made = target.http("POST", f"/repos/{repo}/milestones", json={"title": title, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _issue(target: Target, repo: str, title: str, **fields: Any) -> dict[str, Any]:
    made = target.http("POST", f"/repos/{repo}/issues", json={"title": title, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _listed(target: Target, repo: str, query: str = "") -> list[str]:
    response = target.http("GET", f"/repos/{repo}/milestones{query}")
    assert response.status_code == 200, response.text
    return [m["title"] for m in response.json()]


@behaviour("GH-350", "POST milestones answers 201 with the milestone: numbered from 1 in the "
           "repository (its own sequence, not the issues'), open, its title, description, "
           "due_on and creator, no issues; GET answers it, 404 for a number it lacks",
           cite=f"{CREATE}; {MILESTONES}#get-a-milestone (issues/get-milestone)")
def test_create_and_get(target: Target) -> None:
    repo = target.new_repo("milestones")
    me = target.http("GET", "/user").json()["login"]
    _issue(target, repo, "an issue first")
    made = _milestone(target, repo, "v1.0", description="The first release",
                      due_on="2030-01-15T12:00:00Z")
    assert made["number"] == 1 and made["state"] == "open" and made["title"] == "v1.0"
    assert made["description"] == "The first release" and made["creator"]["login"] == me
    assert made["due_on"].startswith("2030-01-15") and made["closed_at"] is None
    assert (made["open_issues"], made["closed_issues"]) == (0, 0)
    second = _milestone(target, repo, "v2.0")
    assert second["number"] == 2 and second["due_on"] is None
    got = target.http("GET", f"/repos/{repo}/milestones/1")
    assert got.status_code == 200 and got.json()["id"] == made["id"]
    assert_error(target.http("GET", f"/repos/{repo}/milestones/99"), 404)


@behaviour("GH-351", "milestone refusals answer 422 and make nothing: no title "
           "(missing_field), a title the repository already has (already_exists; inferred, "
           "the docs name no code), a state other than open or closed, a due_on that is no "
           "timestamp, a title or description that is no string, a list state GitHub does not "
           "have; an update to a taken title is 422 and changes nothing; due_on null clears "
           "it",
           cite=f"{CREATE}; {UPDATE}")
def test_refusals(target: Target) -> None:
    repo = target.new_repo("milestones-refused")
    _milestone(target, repo, "v1.0")
    kept = _milestone(target, repo, "v1.1")
    for body, field in (({"description": "no title"}, "title"),
                        ({"title": "v1.0"}, "title"),
                        ({"title": "v3", "state": "done"}, "state"),
                        ({"title": "v4", "due_on": "next tuesday"}, "due_on"),
                        ({"title": "v5", "due_on": 20300101}, "due_on"),
                        ({"title": 5}, "title"),
                        ({"title": "v6", "description": ["not", "text"]}, "description")):
        refused = assert_error(target.http("POST", f"/repos/{repo}/milestones", json=body),
                               422, "Validation Failed")
        assert refused["errors"][0]["field"] == field, refused
    assert assert_error(target.http("POST", f"/repos/{repo}/milestones",
                                    json={"title": "v1.0"}), 422)["errors"][0][
        "code"] == "already_exists"
    url = f"/repos/{repo}/milestones/{kept['number']}"
    assert_error(target.http("PATCH", url, json={"title": "v1.0", "state": "closed"}), 422)
    assert target.http("GET", url).json()["title"] == "v1.1"
    assert target.http("GET", url).json()["state"] == "open"
    assert _listed(target, repo, "?state=all") == ["v1.0", "v1.1"]
    assert_error(target.http("GET", f"/repos/{repo}/milestones?state=done"), 422)
    dated = target.http("PATCH", url, json={"due_on": "2030-02-01T00:00:00Z"}).json()
    assert dated["due_on"].startswith("2030-02-01")
    assert target.http("PATCH", url, json={"due_on": None}).json()["due_on"] is None


@behaviour("GH-352", "the milestone list: open by default, state closed or all; sorted by "
           "due_on ascending by default (direction desc reverses), or by completeness (the "
           "share of closed issues); PATCH closes (closed_at set) and reopens; DELETE 204, "
           "then 404", cite=f"{LIST}; {UPDATE}; {DELETE}")
def test_list_update_delete(target: Target) -> None:
    repo = target.new_repo("milestones-list")
    late = _milestone(target, repo, "late", due_on="2031-06-01T00:00:00Z")
    early = _milestone(target, repo, "early", due_on="2030-06-01T00:00:00Z")
    done = _milestone(target, repo, "done", due_on="2030-01-01T00:00:00Z")
    assert _listed(target, repo) == ["done", "early", "late"]
    assert _listed(target, repo, "?direction=desc") == ["late", "early", "done"]
    half = _issue(target, repo, "one of two", milestone=early["number"])
    _issue(target, repo, "two of two", milestone=early["number"])
    target.http("PATCH", f"/repos/{repo}/issues/{half['number']}", json={"state": "closed"})
    _issue(target, repo, "all of one", milestone=late["number"])
    assert _listed(target, repo, "?sort=completeness&direction=desc")[0] == "early"
    closed = target.http("PATCH", f"/repos/{repo}/milestones/{done['number']}",
                         json={"state": "closed", "description": "shipped"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"] is not None
    assert closed.json()["description"] == "shipped"
    assert _listed(target, repo) == ["early", "late"]
    assert _listed(target, repo, "?state=closed") == ["done"]
    assert _listed(target, repo, "?state=all") == ["done", "early", "late"]
    reopened = target.http("PATCH", f"/repos/{repo}/milestones/{done['number']}",
                           json={"state": "open"}).json()
    assert reopened["state"] == "open" and reopened["closed_at"] is None
    gone = target.http("DELETE", f"/repos/{repo}/milestones/{done['number']}")
    assert gone.status_code == 204
    assert_error(target.http("GET", f"/repos/{repo}/milestones/{done['number']}"), 404)
    assert_error(target.http("DELETE", f"/repos/{repo}/milestones/{done['number']}"), 404)


@behaviour("GH-353", "an issue or a pull request names a milestone by its number when made "
           "or edited, null clears it; open_issues and closed_issues count them as they "
           "close; the issue list filters by milestone (a number, none, *); a milestone the "
           "repository lacks is 422 naming milestone, nothing changes; a deleted milestone "
           "leaves its issues", cite=f"{ISSUE_UPDATE}; {ISSUE_LIST}; {DELETE}")
def test_issues_in_milestones(target: Target) -> None:
    repo = target.new_repo("milestones-issues")
    release = _milestone(target, repo, "release")
    first = _issue(target, repo, "in the release", milestone=release["number"])
    assert first["milestone"]["number"] == release["number"]
    assert first["milestone"]["open_issues"] == 1
    other = _issue(target, repo, "not planned")
    _branch(target, repo, "feature", {"f.txt": "f\n"})
    pull = _open(target, repo, "feature")
    added = target.http("PATCH", f"/repos/{repo}/issues/{pull['number']}",
                        json={"milestone": release["number"]})
    assert added.status_code == 200, added.text
    assert target.http("GET", f"/repos/{repo}/pulls/{pull['number']}").json()[
        "milestone"]["title"] == "release"
    target.http("PATCH", f"/repos/{repo}/issues/{first['number']}", json={"state": "closed"})
    counted = target.http("GET", f"/repos/{repo}/milestones/{release['number']}").json()
    assert (counted["open_issues"], counted["closed_issues"]) == (1, 1)

    def numbers(query: str) -> list[int]:
        response = target.http("GET", f"/repos/{repo}/issues?state=all&{query}")
        assert response.status_code == 200, response.text
        return [i["number"] for i in response.json()]

    assert numbers(f"milestone={release['number']}") == [pull["number"], first["number"]]
    assert numbers("milestone=none") == [other["number"]]
    assert numbers("milestone=*") == [pull["number"], first["number"]]
    refused = assert_error(target.http("PATCH", f"/repos/{repo}/issues/{other['number']}",
                                       json={"milestone": 999, "title": "not this"}), 422)
    assert refused["errors"][0]["field"] == "milestone"
    unchanged = target.http("GET", f"/repos/{repo}/issues/{other['number']}").json()
    assert unchanged["title"] == "not planned" and unchanged["milestone"] is None
    cleared = target.http("PATCH", f"/repos/{repo}/issues/{pull['number']}",
                          json={"milestone": None}).json()
    assert cleared["milestone"] is None
    target.http("DELETE", f"/repos/{repo}/milestones/{release['number']}")
    left = target.http("GET", f"/repos/{repo}/issues/{first['number']}").json()
    assert left["milestone"] is None and left["title"] == "in the release"


@behaviour("GH-354", "milestones are written by who may push: a reader's create, update and "
           "delete are 404 (as every write without the role), and a reader's milestone on "
           "an issue is dropped silently as the docs say (\"without push access … "
           "silently dropped\")",
           cite=f"{CREATE}; {ISSUE_UPDATE}")
def test_who_may(target: Target) -> None:
    target.require("mint_tokens")
    repo = target.new_repo("milestones-who")
    release = _milestone(target, repo, "release")
    target.add_collaborator(repo, "vf-reader", "read")
    reader = target.mint_token("vf-reader", scopes=("repo",))
    assert target.http("POST", f"/repos/{repo}/milestones", json={"title": "mine"},
                       token=reader).status_code == 404
    url = f"/repos/{repo}/milestones/{release['number']}"
    assert target.http("PATCH", url, json={"title": "x"}, token=reader).status_code == 404
    assert target.http("DELETE", url, token=reader).status_code == 404
    assert target.http("GET", url, token=reader).json()["title"] == "release"
    made = target.http("POST", f"/repos/{repo}/issues", token=reader,
                       json={"title": "from a reader", "milestone": release["number"]})
    assert made.status_code == 201, made.text
    assert made.json()["milestone"] is None
    assert _listed(target, repo) == ["release"]
