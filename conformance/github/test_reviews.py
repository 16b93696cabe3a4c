"""Pull request reviews and review requests, and the protection rules that count them:
required approvals, stale approvals dismissed, code owners."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.github._support import assert_error, put_file
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_checks import ABOUT, MERGE, merge, protect, pull_from

behaviour = pytest.mark.behaviour

REVIEWS = f"{DOCS}/pulls/reviews"
CREATE = f"{REVIEWS}#create-a-review-for-a-pull-request (pulls/create-review)"
SUBMIT = f"{REVIEWS}#submit-a-review-for-a-pull-request (pulls/submit-review)"
DISMISS = f"{REVIEWS}#dismiss-a-review-for-a-pull-request (pulls/dismiss-review)"
REQUESTS = f"{DOCS}/pulls/review-requests"
CODEOWNERS = ("https://docs.github.com/repositories/managing-your-repositorys-settings-and-"
              "features/customizing-your-repository/about-code-owners")


def review(target: Target, repo: str, number: int, token: str, **body: Any) -> Any:
    return target.http("POST", f"/repos/{repo}/pulls/{number}/reviews", json=body, token=token)


def reviewer(target: Target, repo: str, login: str) -> str:
    target.add_collaborator(repo, login, "write")
    return target.mint_token(login)


@behaviour("GH-110", "the author cannot approve their own pull request: 422 with 'Can not "
           "approve your own pull request' in errors[]",
           cite=f"{CREATE}; the message as GitHub's web UI and API clients report it "
                "(inferred, not measured here)")
def test_self_approval_refused(target: Target) -> None:
    repo = target.new_repo("self-approve")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    refused = review(target, repo, pull["number"], target.token, event="APPROVE")
    body = assert_error(refused, 422)
    assert "Can not approve your own pull request" in body["errors"]
    listed = target.http("GET", f"/repos/{repo}/pulls/{pull['number']}/reviews").json()
    assert listed == []


@behaviour("GH-111", "a required approving review: a write collaborator's APPROVED review lets "
           "the merge through; a review without event stays PENDING until submitted; "
           "COMMENTED does not count; a dismissed approval (message required) blocks again; "
           "requested changes block until that reviewer approves: 405 'Changes have been "
           "requested.'",
           cite=f"{CREATE}; {SUBMIT}; {DISMISS}; {MERGE}; "
                f"{ABOUT}#require-pull-request-reviews-before-merging (the message is the "
                "one the docs give for a push; inferred for the merge)")
def test_required_approval(target: Target) -> None:
    repo = target.new_repo("approvals")
    token = reviewer(target, repo, "vf-reviewer")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    number = pull["number"]
    protect(target, repo, required_pull_request_reviews={"required_approving_review_count": 1})
    commented = review(target, repo, number, token, event="COMMENT", body="looks fine")
    assert commented.status_code == 200 and commented.json()["state"] == "COMMENTED"
    assert merge(target, repo, number).status_code == 405
    pending = review(target, repo, number, token, body="draft")
    assert pending.status_code == 200 and pending.json()["state"] == "PENDING"
    assert pending.json().get("submitted_at") is None
    submitted = target.http("POST", f"/repos/{repo}/pulls/{number}/reviews/"
                            f"{pending.json()['id']}/events", json={"event": "APPROVE"},
                            token=token)
    assert submitted.status_code == 200 and submitted.json()["state"] == "APPROVED"
    review_id = submitted.json()["id"]
    got = target.http("GET", f"/repos/{repo}/pulls/{number}/reviews/{review_id}").json()
    assert got["user"]["login"] == "vf-reviewer" and got["commit_id"] == pull["head"]["sha"]
    assert_error(target.http("PUT", f"/repos/{repo}/pulls/{number}/reviews/{review_id}/"
                             "dismissals", json={}), 422)
    dismissed = target.http("PUT", f"/repos/{repo}/pulls/{number}/reviews/{review_id}/"
                            "dismissals", json={"message": "stale"})
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "DISMISSED"
    assert_error(merge(target, repo, number), 405,
                 "At least 1 approving review is required by reviewers with write access.")
    assert review(target, repo, number, token, event="REQUEST_CHANGES",
                  body="one more thing").status_code == 200
    assert_error(merge(target, repo, number), 405, "Changes have been requested.")
    assert review(target, repo, number, token, event="APPROVE").status_code == 200
    states = [r["state"] for r in target.http(
        "GET", f"/repos/{repo}/pulls/{number}/reviews").json()]
    assert states == ["COMMENTED", "DISMISSED", "CHANGES_REQUESTED", "APPROVED"]
    assert merge(target, repo, number).status_code == 200


@behaviour("GH-112", "requested reviewers: a write collaborator is requested (201, listed, in "
           "the pull request's requested_reviewers) and removed; the author or a "
           "non-collaborator is refused with 422; a review answers the request",
           cite=f"{REQUESTS}#request-reviewers-for-a-pull-request (pulls/request-reviewers); "
                f"{REQUESTS}#get-all-requested-reviewers-for-a-pull-request "
                "(pulls/list-requested-reviewers); "
                f"{REQUESTS}#remove-requested-reviewers-from-a-pull-request "
                "(pulls/remove-requested-reviewers)")
def test_review_requests(target: Target) -> None:
    repo = target.new_repo("requests")
    token = reviewer(target, repo, "vf-requested")
    target.mint_token("vf-stranger")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    path = f"/repos/{repo}/pulls/{pull['number']}/requested_reviewers"
    made = target.http("POST", path, json={"reviewers": ["vf-requested"]})
    assert made.status_code == 201, made.text
    assert [u["login"] for u in made.json()["requested_reviewers"]] == ["vf-requested"]
    assert [u["login"] for u in target.http("GET", path).json()["users"]] == ["vf-requested"]
    assert_error(target.http("POST", path, json={"reviewers": ["vf-stranger"]}), 422)
    assert_error(target.http("POST", path, json={"reviewers": [target.owner]}), 422)
    removed = target.http("DELETE", path, json={"reviewers": ["vf-requested"]})
    assert removed.status_code == 200 and removed.json()["requested_reviewers"] == []
    target.http("POST", path, json={"reviewers": ["vf-requested"]})
    review(target, repo, pull["number"], token, event="APPROVE")
    assert target.http("GET", path).json() == {"users": [], "teams": []}


@behaviour("GH-113", "with dismiss_stale_reviews a new push to the head dismisses the approval "
           "and the merge needs a new one",
           cite=f"{ABOUT}#require-pull-request-reviews-before-merging (dismiss stale pull "
                f"request approvals when new commits are pushed); {MERGE}")
def test_stale_approval_dismissed(target: Target) -> None:
    repo = target.new_repo("stale")
    token = reviewer(target, repo, "vf-stale")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    number = pull["number"]
    protect(target, repo, required_pull_request_reviews={"required_approving_review_count": 1,
                                                         "dismiss_stale_reviews": True})
    assert review(target, repo, number, token, event="APPROVE").status_code == 200
    assert put_file(target, repo, "g.txt", "g\n", branch="feature").status_code == 201
    states = [r["state"] for r in target.http(
        "GET", f"/repos/{repo}/pulls/{number}/reviews").json()]
    assert states == ["DISMISSED"]
    assert merge(target, repo, number).status_code == 405
    assert review(target, repo, number, token, event="APPROVE").status_code == 200
    assert merge(target, repo, number).status_code == 200


@behaviour("GH-114", "with require_code_owner_reviews a change to an owned path needs an "
           "approval of one of its owners (CODEOWNERS in .github/, the last matching pattern "
           "wins); another writer's approval is not enough",
           cite=f"{CODEOWNERS}; {ABOUT}#require-pull-request-reviews-before-merging; the 405 "
                "message 'Waiting on code owner review from …' is inferred from the web UI")
def test_code_owners(target: Target) -> None:
    repo = target.new_repo("owners")
    owner_token = reviewer(target, repo, "vf-owner")
    other_token = reviewer(target, repo, "vf-other")
    assert put_file(target, repo, ".github/CODEOWNERS",
                    "# owners\n* @vf-other\n*.py @vf-owner\n/docs/ @vf-other\n"
                    "docs/**/*.m? vf-owner@users.noreply.verified-fakes.invalid\n"
                    "/generated/ \n").status_code == 201
    pull = pull_from(target, repo, "feature", {"app.py": "print()\n",
                                               "docs/a/b.md": "b\n",
                                               "generated/x.txt": "x\n"})
    number = pull["number"]
    protect(target, repo, required_pull_request_reviews={"required_approving_review_count": 1,
                                                         "require_code_owner_reviews": True})
    assert review(target, repo, number, other_token, event="APPROVE").status_code == 200
    assert_error(merge(target, repo, number), 405, "Waiting on code owner review from @vf-owner.")
    assert review(target, repo, number, owner_token, event="APPROVE").status_code == 200
    assert merge(target, repo, number).status_code == 200


@behaviour("GH-115", "review refusals (422): an unknown event, the author requesting changes, "
           "COMMENT without a body, a second pending review, submitting a review that is not "
           "pending, dismissing a pending one; an unknown review 404",
           cite=f"{CREATE}; {SUBMIT}; {DISMISS}; wording of the messages inferred, statuses "
                "from the operations' documented responses")
def test_review_refusals(target: Target) -> None:
    repo = target.new_repo("review-refusals")
    token = reviewer(target, repo, "vf-picky")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    number = pull["number"]
    assert_error(review(target, repo, number, token, event="LIKE"), 422)
    assert_error(review(target, repo, number, target.token, event="REQUEST_CHANGES",
                        body="no"), 422)
    assert_error(review(target, repo, number, token, event="COMMENT"), 422)
    pending = review(target, repo, number, token, body="thinking").json()
    assert_error(review(target, repo, number, token, body="again"), 422)
    path = f"/repos/{repo}/pulls/{number}/reviews"
    assert_error(target.http("PUT", f"{path}/{pending['id']}/dismissals",
                             json={"message": "no"}), 422)
    assert_error(target.http("GET", f"{path}/999999999"), 404)
    changes = target.http("POST", f"{path}/{pending['id']}/events", token=token,
                          json={"event": "REQUEST_CHANGES", "body": "fix it"})
    assert changes.status_code == 200 and changes.json()["state"] == "CHANGES_REQUESTED"
    assert_error(target.http("POST", f"{path}/{pending['id']}/events", token=token,
                             json={"event": "APPROVE"}), 422)
    assert [r["state"] for r in target.http("GET", path).json()] == ["CHANGES_REQUESTED"]


@behaviour("GH-116", "with require_last_push_approval the latest push must be approved by "
           "someone other than its pusher: an approval of an older head, or the pusher's own "
           "approval, does not count",
           cite=f"{ABOUT}#require-pull-request-reviews-before-merging (require approval of "
                "the most recent reviewable push); the 405 wording is inferred")
def test_last_push_approval(target: Target) -> None:
    repo = target.new_repo("last-push")
    first = reviewer(target, repo, "vf-first")
    second = reviewer(target, repo, "vf-second")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    number = pull["number"]
    protect(target, repo, required_pull_request_reviews={"required_approving_review_count": 1,
                                                         "require_last_push_approval": True})
    assert review(target, repo, number, first, event="APPROVE").status_code == 200
    pushed = target.http("PUT", f"/repos/{repo}/contents/g.txt", token=first, json={
        "message": "g", "branch": "feature", "content": "Zwo="})
    assert pushed.status_code == 201, pushed.text
    assert review(target, repo, number, first, event="APPROVE").status_code == 200
    assert_error(merge(target, repo, number), 405,
                 "Approval of the most recent reviewable push is required.")
    assert review(target, repo, number, second, event="APPROVE").status_code == 200
    assert merge(target, repo, number).status_code == 200
