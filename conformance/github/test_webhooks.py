"""Webhooks: repository and organization hooks, signed deliveries of the events the
fake models, the record of deliveries and redelivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from fakes.conformance.github._schemas import check_event
from fakes.conformance.github._support import Receiver, assert_error, put_file
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_checks import pull_from, status

behaviour = pytest.mark.behaviour

HOOKS = f"{DOCS}/repos/webhooks"
ORG_HOOKS = f"{DOCS}/orgs/webhooks"
DELIVERIES = f"{DOCS}/repos/webhooks#list-deliveries-for-a-repository-webhook " \
             "(repos/list-webhook-deliveries)"
EVENTS = "https://docs.github.com/webhooks/webhook-events-and-payloads"
SIGNATURES = "https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries"


@pytest.fixture
def receiver(target: Target) -> Iterator[Receiver]:
    target.require("loopback_webhooks")
    made = Receiver()
    yield made
    made.close()


def _hook(target: Target, path: str, url: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "web", "config": {"url": url, "content_type": "json", "secret": "s3cret"},
            **extra}
    made = target.http("POST", f"{path}/hooks", json=body)
    assert made.status_code == 201, made.text
    shown: dict[str, Any] = made.json()
    return shown


def _of(received: list[tuple[dict[str, str], bytes]], event: str) -> list[dict[str, Any]]:
    """The payloads of ``event`` (JSON deliveries), each checked against GitHub's schema."""
    payloads = [json.loads(body) for headers, body in received
                if headers["x-github-event"] == event]
    for payload in payloads:
        check_event(event, payload)
    return payloads


@behaviour("GH-120", "a repository hook: 201 with its config (the secret masked), listed, got; "
           "GitHub pings it at once, signed: X-GitHub-Event ping, X-GitHub-Delivery, "
           "X-Hub-Signature-256 = sha256=HMAC-SHA256(secret, body); DELETE 204, then 404",
           cite=f"{HOOKS}#create-a-repository-webhook (repos/create-webhook); "
                f"{HOOKS}#list-repository-webhooks (repos/list-webhooks); {HOOKS}#get-a-"
                f"repository-webhook (repos/get-webhook); {HOOKS}#delete-a-repository-webhook "
                f"(repos/delete-webhook); {SIGNATURES}; {EVENTS}#ping")
def test_repository_hook(target: Target, receiver: Receiver) -> None:
    repo = target.new_repo("hooks")
    hook = _hook(target, f"/repos/{repo}", receiver.url)
    assert hook["events"] == ["push"] and hook["active"] is True
    assert hook["config"]["url"] == receiver.url and hook["config"]["secret"] != "s3cret"
    listed = target.http("GET", f"/repos/{repo}/hooks").json()
    assert [h["id"] for h in listed] == [hook["id"]]
    headers, body = receiver.events(1)[0]
    assert headers["x-github-event"] == "ping" and headers["x-github-delivery"]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature-256"] == expected
    assert json.loads(body)["hook_id"] == hook["id"]
    assert target.http("POST", f"/repos/{repo}/hooks/{hook['id']}/pings").status_code == 204
    assert len(receiver.events(2)) == 2
    assert target.http("DELETE", f"/repos/{repo}/hooks/{hook['id']}").status_code == 204
    assert_error(target.http("GET", f"/repos/{repo}/hooks/{hook['id']}"), 404)
    assert_error(target.http("POST", f"/repos/{repo}/hooks",
                             json={"name": "web", "config": {}}), 422)


@behaviour("GH-121", "events as they happen: push (ref, before, after, commits), "
           "pull_request opened and closed, pull_request_review submitted, status; each "
           "with repository and sender",
           cite=f"{EVENTS}#push; {EVENTS}#pull_request; {EVENTS}#pull_request_review; "
                f"{EVENTS}#status")
def test_events(target: Target, receiver: Receiver) -> None:
    repo = target.new_repo("hook-events")
    _hook(target, f"/repos/{repo}", receiver.url,
          events=["push", "pull_request", "pull_request_review", "status", "check_run"])
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    status(target, repo, pull["head"]["sha"], "success", "ci")
    reviewer = target.mint_token("vf-hook-reviewer")
    target.add_collaborator(repo, "vf-hook-reviewer", "write")
    target.http("POST", f"/repos/{repo}/pulls/{pull['number']}/reviews",
                json={"event": "APPROVE"}, token=reviewer)
    put_file(target, repo, "g.txt", "g\n", branch="feature")
    target.http("PATCH", f"/repos/{repo}/pulls/{pull['number']}", json={"state": "closed"})
    target.http("PATCH", f"/repos/{repo}/pulls/{pull['number']}", json={"state": "open"})
    assert target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/merge",
                       json={}).status_code == 200
    received = receiver.events(12)
    pushes = _of(received, "push")
    assert [p["ref"] for p in pushes] == ["refs/heads/feature"] * 3 + ["refs/heads/main"]
    assert pushes[0]["created"] is True and pushes[1]["before"] == pushes[0]["after"]
    assert pushes[1]["commits"][0]["message"] and pushes[0]["repository"]["full_name"] == repo
    actions = [p["action"] for p in _of(received, "pull_request")]
    assert actions == ["opened", "synchronize", "closed", "reopened", "closed"]
    assert _of(received, "pull_request")[-1]["pull_request"]["merged"] is True
    review = _of(received, "pull_request_review")[0]
    assert review["action"] == "submitted" and review["review"]["state"] == "approved"
    assert review["sender"]["login"] == "vf-hook-reviewer"
    statuses = _of(received, "status")
    assert statuses[0]["state"] == "success" and statuses[0]["context"] == "ci"


@behaviour("GH-122", "deliveries are recorded newest first with event, status code and the "
           "request and response; a redelivery (202) is recorded as one; an organization "
           "hook receives its repositories' events",
           cite=f"{DELIVERIES}; {HOOKS}#get-a-delivery-for-a-repository-webhook "
                f"(repos/get-webhook-delivery); {HOOKS}#redeliver-a-delivery-for-a-repository-"
                f"webhook (repos/redeliver-webhook-delivery); {ORG_HOOKS}#create-an-"
                "organization-webhook (orgs/create-webhook)")
def test_deliveries(target: Target, receiver: Receiver) -> None:
    repo = target.new_repo("hook-deliveries")
    hook = _hook(target, f"/repos/{repo}", receiver.url, events=["*"])
    receiver.events(1)  # the ping
    receiver.status = 500
    put_file(target, repo, "x.txt", "x\n")
    receiver.events(2)
    base = f"/repos/{repo}/hooks/{hook['id']}/deliveries"
    for _ in range(100):
        listed = target.http("GET", base).json()
        if all(d["status_code"] for d in listed):
            break
        time.sleep(0.05)
    assert [d["event"] for d in listed] == ["push", "ping"]
    assert listed[0]["status_code"] == 500 and listed[1]["status_code"] == 200
    one = target.http("GET", f"{base}/{listed[0]['id']}").json()
    assert one["request"]["headers"]["X-GitHub-Event"] == "push"
    assert one["request"]["payload"]["ref"] == "refs/heads/main"
    receiver.status = 200
    assert target.http("POST", f"{base}/{listed[0]['id']}/attempts").status_code == 202
    assert len(receiver.events(3)) == 3
    again = target.http("GET", base).json()[0]
    assert again["redelivery"] is True and again["guid"] == listed[0]["guid"]
    assert_error(target.http("GET", f"{base}/999999999"), 404)
    org = target.org
    org_hook = _hook(target, f"/orgs/{org}", receiver.url, events=["push"])
    assert target.http("GET", f"/orgs/{org}/hooks/{org_hook['id']}").json()["type"] == \
        "Organization"
    org_repo = target.http("POST", f"/orgs/{org}/repos",
                           json={"name": target.repo_name("hook-org"), "auto_init": True})
    assert org_repo.status_code == 201
    target.repositories.append(org_repo.json()["full_name"])
    put_file(target, org_repo.json()["full_name"], "y.txt", "y\n")
    received = receiver.events(6)
    assert any(h["x-github-hook-installation-target-type"] == "organization"
               for h, _ in received)
    assert target.http("POST", f"/orgs/{org}/hooks/{org_hook['id']}/pings").status_code == 204
    org_deliveries = target.http("GET", f"/orgs/{org}/hooks/{org_hook['id']}/deliveries").json()
    assert org_deliveries and target.http(
        "GET", f"/orgs/{org}/hooks/{org_hook['id']}/deliveries/{org_deliveries[0]['id']}"
    ).status_code == 200
    assert target.http("POST", f"/orgs/{org}/hooks/{org_hook['id']}/deliveries/"
                       f"{org_deliveries[0]['id']}/attempts").status_code == 202
    assert [h["id"] for h in target.http("GET", f"/orgs/{org}/hooks").json()] == [org_hook["id"]]
    assert target.http("DELETE", f"/orgs/{org}/hooks/{org_hook['id']}").status_code == 204


@behaviour("GH-123", "hook refusals: events GitHub does not know, a name other than web, a bad "
           "content type 422; an unknown hook 404; a non-admin is refused. Form deliveries "
           "carry the payload as payload=…; check_run events for created and completed runs, "
           "check_suite completed; a "
           "dismissed review; a receiver that does not answer is a failed delivery",
           cite=f"{HOOKS}#create-a-repository-webhook (repos/create-webhook); "
                f"{EVENTS}#check_run; {EVENTS}#check_suite; {EVENTS}#pull_request_review; "
                f"{DELIVERIES}")
def test_hook_refusals_and_forms(target: Target, receiver: Receiver) -> None:
    repo = target.new_repo("hook-forms")
    for body in ({"config": {"url": receiver.url}, "events": ["no-such-event"]},
                 {"name": "email", "config": {"url": receiver.url}},
                 {"config": {"url": receiver.url, "content_type": "xml"}}):
        assert_error(target.http("POST", f"/repos/{repo}/hooks", json=body), 422)
    assert_error(target.http("GET", f"/repos/{repo}/hooks/999999999"), 404)
    outsider = target.mint_token("vf-hook-outsider")
    refused = target.http("GET", f"/repos/{repo}/hooks", token=outsider)
    assert refused.status_code in (403, 404)  # admin only; which of the two is not measured
    assert_error(target.http("GET", f"/orgs/{target.org}/hooks", token=outsider), 404)
    made = target.http("POST", f"/repos/{repo}/hooks", json={
        "config": {"url": receiver.url},
        "events": ["check_run", "check_suite", "pull_request_review"]})
    assert made.status_code == 201 and made.json()["config"]["content_type"] == "form"
    headers, body = receiver.events(1)[0]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert body.startswith(b"payload=") and "x-hub-signature-256" not in headers
    app = target.app_token(repo)
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    run = target.http("POST", f"/repos/{repo}/check-runs", token=app,
                      json={"name": "build", "head_sha": pull["head"]["sha"]}).json()
    target.http("PATCH", f"/repos/{repo}/check-runs/{run['id']}", token=app,
                json={"status": "in_progress"})
    target.http("PATCH", f"/repos/{repo}/check-runs/{run['id']}", token=app,
                json={"conclusion": "success"})
    reviewer = target.mint_token("vf-hook-dismissed")
    target.add_collaborator(repo, "vf-hook-dismissed", "write")
    pending = target.http("POST", f"/repos/{repo}/pulls/{pull['number']}/reviews",
                          json={"body": "later"}, token=reviewer).json()
    target.http("POST", f"/repos/{repo}/pulls/{pull['number']}/reviews/{pending['id']}/events",
                json={"event": "APPROVE"}, token=reviewer)
    target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/reviews/{pending['id']}/"
                "dismissals", json={"message": "no"})
    received = receiver.events(6)
    from urllib.parse import parse_qs

    payloads = [(h["x-github-event"], json.loads(parse_qs(b.decode())["payload"][0]))
                for h, b in received]
    assert [(e, p.get("action")) for e, p in payloads[1:]] == [
        ("check_run", "created"), ("check_run", "completed"), ("check_suite", "completed"),
        ("pull_request_review", "submitted"), ("pull_request_review", "dismissed")]
    receiver.close()
    dead = target.http("POST", f"/repos/{repo}/hooks", json={"config": {"url": receiver.url}})
    for _ in range(200):
        listed = target.http("GET", f"/repos/{repo}/hooks/{dead.json()['id']}/deliveries").json()
        if listed and listed[0]["status"] != "pending":
            break
        time.sleep(0.05)
    assert listed[0]["status_code"] == 0 and listed[0]["status"] != "OK"
    far = target.http("POST", f"/repos/{repo}/hooks",
                      json={"config": {"url": "https://hooks.example.invalid/x"}})
    assert far.status_code == 201
