"""Webhook events of issues, issue comments, labels, milestones, repository settings and
review requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fakes.conformance.github._schemas import check_event
from fakes.conformance.github.targets import Target
from fakes.conformance.github.test_pulls import _branch, _open
from fakes.conformance.github.test_teams import _org_repo
from fakes.conformance.github.test_webhooks import EVENTS, Receiver, _hook

behaviour = pytest.mark.behaviour


@pytest.fixture
def hooked(target: Target) -> Iterator[Receiver]:
    target.require("loopback_webhooks")
    made = Receiver()
    yield made
    made.close()


def _received(receiver: Receiver, count: int) -> list[tuple[str, dict[str, Any]]]:
    """``(event, payload)`` of the first ``count`` deliveries but the ping, each checked
    against GitHub's schema of its event and action."""
    received = [(headers["x-github-event"], json.loads(body))
                for headers, body in receiver.events(count + 1)
                if headers["x-github-event"] != "ping"]
    for event, payload in received:
        if (event, payload["action"]) != ("pull_request", "opened"):  # checked by GH-121
            check_event(event, payload)
    return received


def _actions(received: list[tuple[str, dict[str, Any]]], event: str) -> list[str]:
    return [payload["action"] for name, payload in received if name == event]


@behaviour("GH-355", "issues events as an issue changes: opened, edited (with the old title "
           "in changes), labeled and unlabeled (with the label), assigned (with the "
           "assignee), milestoned and demilestoned (with the milestone), closed, reopened; "
           "each with the issue, repository and sender, and none for a pull request's issue "
           "side: a label put on a pull request is a pull_request labeled event",
           cite=f"{EVENTS}#issues; {EVENTS}#pull_request")
def test_issues_events(target: Target, hooked: Receiver) -> None:
    repo = target.new_repo("issue-events")
    me = target.http("GET", "/user").json()["login"]
    milestone = target.http("POST", f"/repos/{repo}/milestones", json={"title": "m1"}).json()
    target.http("POST", f"/repos/{repo}/labels", json={"name": "bug", "color": "ff0000"})
    _hook(target, f"/repos/{repo}", hooked.url, events=["issues", "pull_request"])
    made = target.http("POST", f"/repos/{repo}/issues", json={"title": "first"}).json()
    url = f"/repos/{repo}/issues/{made['number']}"
    target.http("PATCH", url, json={"title": "second"})
    target.http("POST", f"{url}/labels", json={"labels": ["bug"]})
    target.http("DELETE", f"{url}/labels/bug")
    target.http("PATCH", url, json={"assignees": [me], "milestone": milestone["number"]})
    target.http("PATCH", url, json={"milestone": None, "state": "closed"})
    _branch(target, repo, "feature", {"f.txt": "f\n"})
    pull = _open(target, repo, "feature")
    target.http("PATCH", f"/repos/{repo}/issues/{pull['number']}", json={"labels": ["bug"]})
    target.http("PATCH", url, json={"state": "open"})
    received = _received(hooked, 11)
    assert _actions(received, "pull_request") == ["opened", "labeled"]
    labeled = [p for name, p in received if name == "pull_request"][1]
    assert labeled["label"]["name"] == "bug" and labeled["number"] == pull["number"]
    received = [(name, p) for name, p in received if name == "issues"]
    actions = _actions(received, "issues")
    # One PATCH that changes two things sends two events, in no documented order.
    assert actions[:4] == ["opened", "edited", "labeled", "unlabeled"]
    assert sorted(actions[4:6]) == ["assigned", "milestoned"]
    assert sorted(actions[6:8]) == ["closed", "demilestoned"] and actions[8:] == ["reopened"]
    by_action = {payload["action"]: payload for _, payload in received}
    assert by_action["opened"]["issue"]["number"] == made["number"]
    assert by_action["edited"]["changes"] == {"title": {"from": "first"}}
    assert by_action["labeled"]["label"]["name"] == "bug"
    assert by_action["assigned"]["assignee"]["login"] == me
    assert by_action["milestoned"]["milestone"]["title"] == "m1"
    assert by_action["closed"]["issue"]["state"] == "closed"
    assert by_action["reopened"]["repository"]["full_name"] == repo
    assert by_action["reopened"]["sender"]["login"] == me
    assert all(p["issue"]["number"] == made["number"] for _, p in received)


@behaviour("GH-356", "issue_comment events: created, edited (the old body in changes), "
           "deleted, each with the comment and its issue; label events: created, edited "
           "(the old name in changes), deleted",
           cite=f"{EVENTS}#issue_comment; {EVENTS}#label")
def test_comment_and_label_events(target: Target, hooked: Receiver) -> None:
    repo = target.new_repo("comment-events")
    made = target.http("POST", f"/repos/{repo}/issues", json={"title": "talk"}).json()
    _hook(target, f"/repos/{repo}", hooked.url, events=["issue_comment", "label"])
    said = target.http("POST", f"/repos/{repo}/issues/{made['number']}/comments",
                       json={"body": "hello"}).json()
    comment = f"/repos/{repo}/issues/comments/{said['id']}"
    target.http("PATCH", comment, json={"body": "hello again"})
    target.http("DELETE", comment)
    target.http("POST", f"/repos/{repo}/labels", json={"name": "triage", "color": "00ff00"})
    target.http("PATCH", f"/repos/{repo}/labels/triage", json={"new_name": "triaged"})
    target.http("DELETE", f"/repos/{repo}/labels/triaged")
    received = _received(hooked, 6)
    assert _actions(received, "issue_comment") == ["created", "edited", "deleted"]
    assert _actions(received, "label") == ["created", "edited", "deleted"]
    comments = [p for name, p in received if name == "issue_comment"]
    assert comments[1]["changes"] == {"body": {"from": "hello"}}
    assert comments[2]["comment"]["id"] == said["id"]
    assert comments[0]["issue"]["number"] == made["number"]
    labels = [p for name, p in received if name == "label"]
    assert labels[1]["changes"] == {"name": {"from": "triage"}}
    assert labels[2]["label"]["name"] == "triaged"


@behaviour("GH-357", "milestone events: created, edited (the old title in changes), closed, "
           "opened, deleted; repository events: edited (the old description), renamed (the "
           "old name), privatized, publicized, archived, unarchived",
           cite=f"{EVENTS}#milestone; {EVENTS}#repository")
def test_milestone_and_repository_events(target: Target, hooked: Receiver) -> None:
    repo = target.new_repo("repo-events")
    _hook(target, f"/repos/{repo}", hooked.url, events=["milestone", "repository"])
    made = target.http("POST", f"/repos/{repo}/milestones", json={"title": "v1"}).json()
    url = f"/repos/{repo}/milestones/{made['number']}"
    target.http("PATCH", url, json={"title": "v1.0"})
    target.http("PATCH", url, json={"state": "closed"})
    target.http("PATCH", url, json={"state": "open"})
    target.http("DELETE", url)
    owner, name = repo.split("/")
    target.http("PATCH", f"/repos/{repo}", json={"description": "now described"})
    renamed = target.http("PATCH", f"/repos/{repo}", json={"name": f"{name}-x"})
    assert renamed.status_code == 200, renamed.text
    repo = renamed.json()["full_name"]
    target.http("PATCH", f"/repos/{repo}", json={"private": True})
    target.http("PATCH", f"/repos/{repo}", json={"private": False})
    target.http("PATCH", f"/repos/{repo}", json={"archived": True})
    target.http("PATCH", f"/repos/{repo}", json={"archived": False})
    received = _received(hooked, 11)
    assert _actions(received, "milestone") == ["created", "edited", "closed", "opened",
                                               "deleted"]
    milestones = [p for event, p in received if event == "milestone"]
    assert milestones[1]["changes"] == {"title": {"from": "v1"}}
    assert milestones[4]["milestone"]["title"] == "v1.0"
    assert _actions(received, "repository") == ["edited", "renamed", "privatized",
                                                "publicized", "archived", "unarchived"]
    repository = [p for event, p in received if event == "repository"]
    assert repository[0]["changes"] == {"description": {"from": repository[0]["changes"][
        "description"]["from"]}} and repository[0]["repository"]["description"] == \
        "now described"
    assert repository[1]["changes"] == {"repository": {"name": {"from": name}}}
    assert repository[1]["repository"]["full_name"] == repo == f"{owner}/{name}-x"


@behaviour("GH-362", "pull_request review_requested and review_request_removed events: one "
           "per user (requested_reviewer) or team (requested_team) asked or no longer asked",
           cite=f"{EVENTS}#pull_request")
def test_review_request_events(target: Target, hooked: Receiver) -> None:
    target.require("mint_tokens")
    repo = _org_repo(target, "review-request-events")
    target.mint_token("vf-hook-asked")
    target.add_collaborator(repo, "vf-hook-asked", "write")
    team = target.new_team(repo, "write")
    _branch(target, repo, "feature", {"f.txt": "f\n"})
    pull = _open(target, repo, "feature")
    _hook(target, f"/repos/{repo}", hooked.url, events=["pull_request"])
    path = f"/repos/{repo}/pulls/{pull['number']}/requested_reviewers"
    asked = target.http("POST", path, json={"reviewers": ["vf-hook-asked"],
                                            "team_reviewers": [team]})
    assert asked.status_code == 201, asked.text
    target.http("DELETE", path, json={"team_reviewers": [team]})
    received = [p for _, p in _received(hooked, 3)]
    assert [p["action"] for p in received] == ["review_requested", "review_requested",
                                               "review_request_removed"]
    assert received[0]["requested_reviewer"]["login"] == "vf-hook-asked"
    assert received[1]["requested_team"]["slug"] == team
    assert received[2]["requested_team"]["slug"] == team
    assert all(p["number"] == pull["number"] for p in received)
