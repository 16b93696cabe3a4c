"""Branch protection: the endpoints, and the writes a protected branch refuses."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.github._support import assert_error, commit_on, head_of, put_file
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

PROTECTION = f"{DOCS}/branches/branch-protection"
UPDATE = f"{PROTECTION}#update-branch-protection (repos/update-branch-protection)"
ABOUT = ("https://docs.github.com/repositories/configuring-branches-and-merges-in-your-"
         "repository/managing-protected-branches/about-protected-branches")
# The 409 a contents write to a branch with required checks answers, as reported from
# github.com: https://github.com/BobAnkh/auto-generate-changelog/issues/78
CHECKS_409 = "https://github.com/BobAnkh/auto-generate-changelog/issues/78"
THROUGH_PULL = "Changes must be made through a pull request."


def _protect(target: Target, repo: str, branch: str = "main", **overrides: Any
             ) -> dict[str, Any]:
    body: dict[str, Any] = {"required_status_checks": None, "enforce_admins": True,
                            "required_pull_request_reviews": None, "restrictions": None}
    body.update(overrides)
    response = target.http("PUT", f"/repos/{repo}/branches/{branch}/protection", json=body)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


@behaviour("GH-070", "PUT protection answers 200 with the protection; GET answers it and the "
           "branch reads protected; DELETE answers 204, then GET and DELETE 404 'Branch not "
           "protected'", cite=f"{UPDATE}; {PROTECTION}#get-branch-protection "
                              "(repos/get-branch-protection); "
                              f"{PROTECTION}#delete-branch-protection "
                              "(repos/delete-branch-protection)")
def test_protection_endpoints(target: Target) -> None:
    repo = target.new_repo("protect")
    shown = _protect(target, repo, required_status_checks={"strict": True,
                                                            "contexts": ["ci/test"]},
                     required_pull_request_reviews={"required_approving_review_count": 2,
                                                    "dismiss_stale_reviews": True})
    assert shown["url"] == f"{target.api_url}/repos/{repo}/branches/main/protection"
    assert shown["required_status_checks"]["strict"] is True
    assert shown["required_status_checks"]["contexts"] == ["ci/test"]
    reviews = shown["required_pull_request_reviews"]
    assert reviews["required_approving_review_count"] == 2 and reviews["dismiss_stale_reviews"]
    assert shown["enforce_admins"]["enabled"] is True
    assert shown["allow_force_pushes"]["enabled"] is False
    got = target.http("GET", f"/repos/{repo}/branches/main/protection")
    assert got.status_code == 200 and got.json()["required_status_checks"]["contexts"] == [
        "ci/test"]
    branch = target.http("GET", f"/repos/{repo}/branches/main").json()
    assert branch["protected"] is True
    assert branch["protection"]["required_status_checks"]["contexts"] == ["ci/test"]
    assert target.http("GET", f"/repos/{repo}/branches").json()[0]["protected"] is True
    checks = target.http("GET", f"/repos/{repo}/branches/main/protection/required_status_checks")
    assert checks.status_code == 200 and checks.json()["strict"] is True
    assert target.http("DELETE", f"/repos/{repo}/branches/main/protection").status_code == 204
    assert_error(target.http("GET", f"/repos/{repo}/branches/main/protection"), 404,
                 "Branch not protected")
    assert_error(target.http("DELETE", f"/repos/{repo}/branches/main/protection"), 404,
                 "Branch not protected")
    assert target.http("GET", f"/repos/{repo}/branches/main").json()["protected"] is False


@behaviour("GH-071", "protection without status checks: GET required_status_checks answers 404 "
           "'Required status checks not enabled'; a fast forward goes through, a force update "
           "is refused (422); a body without one of the four required keys or with a wrong "
           "type answers 422; a branch that does not exist 404 'Branch not found'",
           cite=f"{UPDATE}; {PROTECTION}#get-status-checks-protection "
                "(repos/get-status-checks-protection)")
def test_protection_refusals(target: Target) -> None:
    repo = target.new_repo("protect-refusals")
    _protect(target, repo)
    assert_error(target.http("GET", f"/repos/{repo}/branches/main/protection/"
                                    "required_status_checks"),
                 404, "Required status checks not enabled")
    missing = target.http("PUT", f"/repos/{repo}/branches/main/protection",
                          json={"enforce_admins": True, "required_pull_request_reviews": None,
                                "restrictions": None})
    assert_error(missing, 422)
    head = head_of(target, repo)
    sideways = commit_on(target, repo, head, {"s.txt": "s\n"}, "sideways")
    ahead = commit_on(target, repo, head, {"a.txt": "a\n"}, "ahead")
    forward = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={"sha": ahead})
    assert forward.status_code == 200  # nothing required: a fast forward goes through
    forced = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main",
                         json={"sha": sideways, "force": True})
    assert_error(forced, 422)  # force pushes are not allowed
    assert head_of(target, repo) == ahead
    bad = target.http("PUT", f"/repos/{repo}/branches/main/protection", json={
        "required_status_checks": {"contexts": []}, "enforce_admins": "yes",
        "required_pull_request_reviews": None, "restrictions": None})
    assert_error(bad, 422)
    nobranch = target.http("PUT", f"/repos/{repo}/branches/nope/protection", json={
        "required_status_checks": None, "enforce_admins": None,
        "required_pull_request_reviews": None, "restrictions": None})
    assert_error(nobranch, 404, "Branch not found")


@behaviour("GH-072", "a branch that requires pull request reviews refuses direct writes: the "
           "contents API with 409 'Could not update file: Changes must be made through a pull "
           "request.', a ref update with 422; nothing changes",
           cite=f"{ABOUT}#require-pull-request-reviews-before-merging; "
                "https://github.com/googleapis/repo-automation-bots/issues/5551")
def test_direct_writes_refused(target: Target) -> None:
    repo = target.new_repo("protect-direct")
    head = head_of(target, repo)
    ahead = commit_on(target, repo, head, {"x.txt": "x\n"}, "x")
    _protect(target, repo, required_pull_request_reviews={"required_approving_review_count": 1})
    refused = put_file(target, repo, "new.txt", "n\n")
    assert_error(refused, 409, f"Could not update file: {THROUGH_PULL}")
    moved = target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={"sha": ahead})
    assert_error(moved, 422, THROUGH_PULL)
    assert head_of(target, repo) == head
    deleted = target.http("DELETE", f"/repos/{repo}/git/refs/heads/main")
    assert_error(deleted, 422)
    assert head_of(target, repo) == head
    other = target.http("POST", f"/repos/{repo}/git/refs",
                        json={"ref": "refs/heads/free", "sha": head})
    assert other.status_code == 201
    assert put_file(target, repo, "free.txt", "f\n", branch="free").status_code == 201


@behaviour("GH-073", "a branch that requires status checks refuses a contents write while "
           "they are expected: 409 'Could not update file: 2 of 2 required status checks are "
           "expected. Changes must be made through a pull request.'",
           cite=f"{ABOUT}#require-status-checks-before-merging; {CHECKS_409}")
def test_required_checks_refuse_writes(target: Target) -> None:
    repo = target.new_repo("protect-checks")
    _protect(target, repo, required_status_checks={"strict": False,
                                                   "contexts": ["build", "test"]})
    refused = put_file(target, repo, "new.txt", "n\n")
    assert_error(refused, 409, "Could not update file: 2 of 2 required status checks are "
                               f"expected. {THROUGH_PULL}")


@behaviour("GH-074", "merging into a branch that requires an approving review answers 405 'At "
           "least 1 approving review is required by reviewers with write access.' and the pull "
           "request reads mergeable_state blocked",
           cite=f"{DOCS}/pulls/pulls#merge-a-pull-request (pulls/merge); "
                f"{ABOUT}#require-pull-request-reviews-before-merging")
def test_merge_blocked_by_reviews(target: Target) -> None:
    repo = target.new_repo("protect-merge")
    head = head_of(target, repo)
    target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/heads/f", "sha": head})
    put_file(target, repo, "f.txt", "f\n", branch="f")
    pull = target.http("POST", f"/repos/{repo}/pulls",
                       json={"title": "f", "head": "f", "base": "main"}).json()
    _protect(target, repo, required_pull_request_reviews={"required_approving_review_count": 1})
    refused = target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/merge", json={})
    assert_error(refused, 405,
                 "At least 1 approving review is required by reviewers with write access.")
    assert head_of(target, repo) == head
    for _ in range(3):
        body = target.http("GET", f"/repos/{repo}/pulls/{pull['number']}").json()
        if body["mergeable"] is not None:
            break
    assert body["mergeable"] is True and body["mergeable_state"] == "blocked"


@behaviour("GH-075", "without enforce_admins an administrator is not held by the protection: "
           "direct writes and merges go through",
           cite=f"{ABOUT}#do-not-allow-bypassing-the-above-settings")
def test_admins_bypass(target: Target) -> None:
    repo = target.new_repo("protect-admin")
    _protect(target, repo, enforce_admins=False,
             required_pull_request_reviews={"required_approving_review_count": 1})
    assert put_file(target, repo, "admin.txt", "a\n").status_code == 201


@behaviour("GH-076", "required status checks given as checks[] objects are kept as contexts; "
           "a merge into a branch that requires one answers 405 'Required status check "
           "\"<context>\" is expected.'; invalid review settings answer 422",
           cite=f"{UPDATE}; {DOCS}/pulls/pulls#merge-a-pull-request (pulls/merge); "
                f"{ABOUT}#require-status-checks-before-merging")
def test_required_check_blocks_merge(target: Target) -> None:
    repo = target.new_repo("protect-check-merge")
    head = head_of(target, repo)
    target.http("POST", f"/repos/{repo}/git/refs", json={"ref": "refs/heads/f", "sha": head})
    put_file(target, repo, "f.txt", "f\n", branch="f")
    pull = target.http("POST", f"/repos/{repo}/pulls",
                       json={"title": "f", "head": "f", "base": "main"}).json()
    shown = _protect(target, repo, required_status_checks={
        "strict": True, "checks": [{"context": "ci"}]})
    assert shown["required_status_checks"]["contexts"] == ["ci"]
    refused = target.http("PUT", f"/repos/{repo}/pulls/{pull['number']}/merge", json={})
    assert_error(refused, 405, 'Required status check "ci" is expected.')
    for reviews in ({"required_approving_review_count": 9}, "yes",
                    {"dismiss_stale_reviews": "sometimes"}):
        bad = target.http("PUT", f"/repos/{repo}/branches/main/protection", json={
            "required_status_checks": None, "enforce_admins": None,
            "required_pull_request_reviews": reviews, "restrictions": None})
        assert_error(bad, 422)
    no_contexts = target.http("PUT", f"/repos/{repo}/branches/main/protection", json={
        "required_status_checks": {"strict": True}, "enforce_admins": None,
        "required_pull_request_reviews": None, "restrictions": None})
    assert_error(no_contexts, 422)
