"""Commit statuses, check runs and check suites, and required status checks that gate a
merge."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.github._support import assert_error, head_of, put_file
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

STATUSES = f"{DOCS}/commits/statuses"
CREATE_STATUS = f"{STATUSES}#create-a-commit-status (repos/create-commit-status)"
COMBINED = (f"{STATUSES}#get-the-combined-status-for-a-specific-reference "
            "(repos/get-combined-status-for-ref)")
LIST_STATUSES = (f"{STATUSES}#list-commit-statuses-for-a-reference "
                 "(repos/list-commit-statuses-for-ref)")
RUNS = f"{DOCS}/checks/runs"
SUITES = f"{DOCS}/checks/suites"
MERGE = f"{DOCS}/pulls/pulls#merge-a-pull-request (pulls/merge)"
GET_PULL = f"{DOCS}/pulls/pulls#get-a-pull-request (pulls/get) mergeable_state"
ABOUT = ("https://docs.github.com/repositories/configuring-branches-and-merges-in-your-"
         "repository/managing-protected-branches/about-protected-branches")
# "6 of 6 required status checks are expected." for a BEHIND head whose checks passed,
# as reported from github.com: https://github.com/RakuenSoftware/aimee/pull/2460
BEHIND_REPORT = "https://github.com/RakuenSoftware/aimee/pull/2460"


def status(target: Target, repo: str, sha: str, state: str, context: str | None = None,
           **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"state": state, **extra}
    if context is not None:
        body["context"] = context
    response = target.http("POST", f"/repos/{repo}/statuses/{sha}", json=body)
    assert response.status_code == 201, response.text
    shown: dict[str, Any] = response.json()
    return shown


def combined(target: Target, repo: str, ref: str) -> dict[str, Any]:
    response = target.http("GET", f"/repos/{repo}/commits/{ref}/status")
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


def protect(target: Target, repo: str, **overrides: Any) -> None:
    body: dict[str, Any] = {"required_status_checks": None, "enforce_admins": True,
                            "required_pull_request_reviews": None, "restrictions": None}
    body.update(overrides)
    response = target.http("PUT", f"/repos/{repo}/branches/main/protection", json=body)
    assert response.status_code == 200, response.text


def pull_from(target: Target, repo: str, branch: str, files: dict[str, str]) -> dict[str, Any]:
    """A branch from main with ``files`` and a pull request from it into main."""
    made = target.http("POST", f"/repos/{repo}/git/refs",
                       json={"ref": f"refs/heads/{branch}", "sha": head_of(target, repo)})
    assert made.status_code == 201, made.text
    for path, content in files.items():
        assert put_file(target, repo, path, content, branch=branch).status_code == 201
    opened = target.http("POST", f"/repos/{repo}/pulls",
                         json={"title": branch, "head": branch, "base": "main"})
    assert opened.status_code == 201, opened.text
    shown: dict[str, Any] = opened.json()
    return shown


def state_of(target: Target, repo: str, number: int) -> str:
    """mergeable_state once mergeability is computed."""
    for _ in range(30):
        body = target.http("GET", f"/repos/{repo}/pulls/{number}").json()
        if body["mergeable"] is not None:
            return str(body["mergeable_state"])
        if not target.capabilities.mergeable_null_first:
            import time

            time.sleep(1)
    raise AssertionError("mergeable stayed null")


def merge(target: Target, repo: str, number: int) -> Any:
    return target.http("PUT", f"/repos/{repo}/pulls/{number}/merge", json={})


@behaviour("GH-100", "statuses: 201 with state, context ('default' when omitted), creator; the "
           "list is newest first; the combined status takes the latest status of each context: "
           "failure if any is error or failure, pending if any is pending or there are none, "
           "success otherwise, with total_count",
           cite=f"{CREATE_STATUS}; {LIST_STATUSES}; {COMBINED}")
def test_statuses_combine(target: Target) -> None:
    repo = target.new_repo("statuses")
    sha = head_of(target, repo)
    empty = combined(target, repo, "main")
    assert empty["state"] == "pending" and empty["total_count"] == 0 and empty["sha"] == sha
    made = status(target, repo, sha, "pending", "ci/build", description="building",
                  target_url="https://ci.example/1")
    assert made["state"] == "pending" and made["context"] == "ci/build"
    assert made["description"] == "building" and made["creator"]["login"]
    assert status(target, repo, sha, "success")["context"] == "default"
    assert combined(target, repo, sha)["state"] == "pending"
    status(target, repo, sha, "success", "ci/build")
    both = combined(target, repo, "main")
    assert both["state"] == "success" and both["total_count"] == 2
    assert {s["context"]: s["state"] for s in both["statuses"]} == {
        "ci/build": "success", "default": "success"}
    status(target, repo, sha, "error", "lint")
    assert combined(target, repo, "main")["state"] == "failure"
    listed = target.http("GET", f"/repos/{repo}/commits/{sha}/statuses").json()
    assert [s["state"] for s in listed] == ["error", "success", "success", "pending"]


@behaviour("GH-101", "a status with an unknown state or for a sha that is no commit answers 422 "
           "and records nothing; the combined status of an unknown ref is 404",
           cite=f"{CREATE_STATUS}; {COMBINED}: 404 Resource not found")
def test_status_refusals(target: Target) -> None:
    repo = target.new_repo("status-refusals")
    sha = head_of(target, repo)
    assert_error(target.http("POST", f"/repos/{repo}/statuses/{sha}",
                             json={"state": "green"}), 422)
    assert_error(target.http("POST", f"/repos/{repo}/statuses/{'0' * 40}",
                             json={"state": "success"}), 422)
    assert target.http("GET", f"/repos/{repo}/commits/{sha}/statuses").json() == []
    assert_error(target.http("GET", f"/repos/{repo}/commits/no-such-ref/status"), 404)


@behaviour("GH-102", "check runs are written by GitHub Apps only: a user's token gets 403 'You "
           "must authenticate via a GitHub App.'",
           cite=f"{RUNS}#create-a-check-run (checks/create): OAuth apps and authenticated "
                "users can view check runs but not create them; the message is inferred, not "
                "measured")
def test_check_runs_need_an_app(target: Target) -> None:
    repo = target.new_repo("checks-user")
    refused = target.http("POST", f"/repos/{repo}/check-runs",
                          json={"name": "ci", "head_sha": head_of(target, repo)})
    assert_error(refused, 403, "You must authenticate via a GitHub App.")


@behaviour("GH-103", "an app's check run: 201 queued; a conclusion completes it with "
           "completed_at; 'completed' without a conclusion 422; listed for a ref (latest per "
           "name, filter=all for every run), got by id; a check suite per head sha and app, "
           "made with the first run",
           cite=f"{RUNS}#create-a-check-run (checks/create); {RUNS}#update-a-check-run "
                f"(checks/update); {RUNS}#list-check-runs-for-a-git-reference "
                f"(checks/list-for-ref); {SUITES}#list-check-suites-for-a-git-reference "
                "(checks/list-suites-for-ref); {SUITES}#get-a-check-suite (checks/get-suite)")
def test_check_runs(target: Target) -> None:
    repo = target.new_repo("checks")
    sha = head_of(target, repo)
    app = target.app_token(repo)
    made = target.http("POST", f"/repos/{repo}/check-runs", token=app,
                       json={"name": "build", "head_sha": sha})
    assert made.status_code == 201, made.text
    run = made.json()
    assert run["status"] == "queued" and run["conclusion"] is None and run["head_sha"] == sha
    refused = target.http("PATCH", f"/repos/{repo}/check-runs/{run['id']}", token=app,
                          json={"status": "completed"})
    assert_error(refused, 422)
    done = target.http("PATCH", f"/repos/{repo}/check-runs/{run['id']}", token=app,
                       json={"conclusion": "failure",
                             "output": {"title": "red", "summary": "1 failed"}})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["completed_at"]
    assert done.json()["output"]["title"] == "red"
    again = target.http("POST", f"/repos/{repo}/check-runs", token=app,
                        json={"name": "build", "head_sha": sha, "status": "in_progress"})
    assert again.status_code == 201
    listed = target.http("GET", f"/repos/{repo}/commits/main/check-runs").json()
    assert listed["total_count"] == 1
    assert listed["check_runs"][0]["id"] == again.json()["id"]
    every = target.http("GET", f"/repos/{repo}/commits/{sha}/check-runs?filter=all").json()
    assert every["total_count"] == 2
    got = target.http("GET", f"/repos/{repo}/check-runs/{run['id']}").json()
    assert got["conclusion"] == "failure"
    suites = target.http("GET", f"/repos/{repo}/commits/{sha}/check-suites").json()
    assert suites["total_count"] == 1
    suite = suites["check_suites"][0]
    assert suite["id"] == run["check_suite"]["id"] == again.json()["check_suite"]["id"]
    assert suite["status"] == "in_progress" and suite["head_sha"] == sha
    shown = target.http("GET", f"/repos/{repo}/check-suites/{suite['id']}").json()
    assert shown["latest_check_runs_count"] == 2
    target.http("PATCH", f"/repos/{repo}/check-runs/{again.json()['id']}", token=app,
                json={"conclusion": "success"})
    shown = target.http("GET", f"/repos/{repo}/check-suites/{suite['id']}").json()
    assert shown["status"] == "completed" and shown["conclusion"] == "success"
    assert_error(target.http("GET", f"/repos/{repo}/check-suites/999999999"), 404)
    assert_error(target.http("GET", f"/repos/{repo}/check-runs/999999999"), 404)


@behaviour("GH-104", "a required status check gates the merge: missing or pending it is 405 "
           "'Required status check \"ci\" is expected.' and mergeable_state blocked; a "
           "success lets it merge; a failing optional context leaves it unstable",
           cite=f"{MERGE}; {GET_PULL}; {ABOUT}#require-status-checks-before-merging; message "
                "as reported from github.com, https://github.com/PennyDreadfulMTG/"
                "Penny-Dreadful-Tools/issues/6226")
def test_required_status_gates_merge(target: Target) -> None:
    repo = target.new_repo("required-status")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    protect(target, repo, required_status_checks={"strict": False, "contexts": ["ci"]})
    number, sha = pull["number"], pull["head"]["sha"]
    assert_error(merge(target, repo, number), 405, 'Required status check "ci" is expected.')
    assert state_of(target, repo, number) == "blocked"
    status(target, repo, sha, "pending", "ci")
    assert_error(merge(target, repo, number), 405, 'Required status check "ci" is expected.')
    status(target, repo, sha, "success", "ci")
    status(target, repo, sha, "failure", "optional")
    assert state_of(target, repo, number) == "unstable"
    assert merge(target, repo, number).status_code == 200


@behaviour("GH-105", "strict required checks: a head behind its base reads mergeable_state "
           "behind and the merge is refused with 405 even though the check passed",
           cite=f"{GET_PULL}; {ABOUT}#require-status-checks-before-merging; "
                f"the message as reported from github.com: {BEHIND_REPORT}")
def test_strict_needs_up_to_date(target: Target) -> None:
    repo = target.new_repo("strict")
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    protect(target, repo, required_status_checks={"strict": True, "contexts": ["a", "b"]},
            enforce_admins=False)
    assert put_file(target, repo, "other.txt", "moved on\n").status_code == 201  # base moves
    protect(target, repo, required_status_checks={"strict": True, "contexts": ["a", "b"]})
    sha = pull["head"]["sha"]
    status(target, repo, sha, "success", "a")
    status(target, repo, sha, "success", "b")
    assert state_of(target, repo, pull["number"]) == "behind"
    assert_error(merge(target, repo, pull["number"]), 405,
                 "2 of 2 required status checks are expected.")


@behaviour("GH-106", "a required check given in checks[] is satisfied by a successful check "
           "run of that name; a failed run keeps the merge refused",
           cite=f"{MERGE}; {RUNS}#update-a-check-run (checks/update); "
                f"{ABOUT}#require-status-checks-before-merging")
def test_required_check_run(target: Target) -> None:
    repo = target.new_repo("required-check")
    app = target.app_token(repo)
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    protect(target, repo, required_status_checks={"strict": False,
                                                  "checks": [{"context": "build"}]})
    run = target.http("POST", f"/repos/{repo}/check-runs", token=app,
                      json={"name": "build", "head_sha": pull["head"]["sha"],
                            "conclusion": "failure"}).json()
    assert run["status"] == "completed"
    assert merge(target, repo, pull["number"]).status_code == 405
    target.http("POST", f"/repos/{repo}/check-runs", token=app,
                json={"name": "build", "head_sha": pull["head"]["sha"],
                      "conclusion": "success"})
    assert state_of(target, repo, pull["number"]) == "clean"
    assert merge(target, repo, pull["number"]).status_code == 200


@behaviour("GH-107", "CI reports on every commit that lands: a required check is pending until "
           "CI finishes, then the merge goes through; a failing run keeps it blocked",
           cite=f"{ABOUT}#require-status-checks-before-merging; {MERGE}")
def test_ci_gates_merge(target: Target) -> None:
    target.require("simulated_ci")
    repo = target.new_repo("ci")
    target.ci("build", after=30, repo=repo)
    target.ci("e2e", after=60, kind="check", repo=repo, paths=["src/*"], result="failure")
    target.ci("docs", after=5, repo=repo, branches=["docs/*"])
    target.ci("elsewhere", after=5, repo=f"{target.owner}/no-such-repository")
    for wrong in ({"kind": "deploy"}, {"kind": "status", "result": "neutral"}):
        with pytest.raises(ValueError):
            target.ci("wrong", after=1, **wrong)
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    protect(target, repo, required_status_checks={"strict": False, "contexts": ["build"]})
    sha = pull["head"]["sha"]
    assert combined(target, repo, sha)["state"] == "pending"
    assert_error(merge(target, repo, pull["number"]), 405,
                 'Required status check "build" is expected.')
    target.wait(30)
    assert combined(target, repo, sha)["state"] == "success"
    runs = target.http("GET", f"/repos/{repo}/commits/{sha}/check-runs").json()
    assert runs["total_count"] == 0  # no path under src/ changed
    assert merge(target, repo, pull["number"]).status_code == 200
    other = pull_from(target, repo, "code", {"src/app.py": "print()\n"})
    target.wait(60)
    runs = target.http("GET", f"/repos/{repo}/commits/{other['head']['sha']}/check-runs").json()
    assert [r["conclusion"] for r in runs["check_runs"]] == ["failure"]
    assert state_of(target, repo, other["number"]) == "unstable"


@behaviour("GH-108", "check run refusals: no name or a head_sha that is no commit 422, an "
           "unknown status or conclusion 422, a user's update 403, and nothing changes",
           cite=f"{RUNS}#create-a-check-run (checks/create); {RUNS}#update-a-check-run "
                "(checks/update)")
def test_check_run_refusals(target: Target) -> None:
    repo = target.new_repo("check-refusals")
    sha = head_of(target, repo)
    app = target.app_token(repo)
    for body in ({"head_sha": sha}, {"name": "x", "head_sha": "0" * 40},
                 {"name": "x", "head_sha": sha, "status": "sleeping"},
                 {"name": "x", "head_sha": sha, "conclusion": "great"}):
        assert_error(target.http("POST", f"/repos/{repo}/check-runs", json=body, token=app),
                     422)
    assert target.http("GET", f"/repos/{repo}/commits/{sha}/check-runs").json()[
        "total_count"] == 0
    run = target.http("POST", f"/repos/{repo}/check-runs", token=app,
                      json={"name": "x", "head_sha": sha, "status": "in_progress",
                            "details_url": "https://ci.example/x", "external_id": "42"}).json()
    assert run["started_at"] and run["details_url"] == "https://ci.example/x"
    assert_error(target.http("PATCH", f"/repos/{repo}/check-runs/{run['id']}",
                             json={"conclusion": "success"}), 403,
                 "You must authenticate via a GitHub App.")
    renamed = target.http("PATCH", f"/repos/{repo}/check-runs/{run['id']}", token=app,
                          json={"name": "y", "status": "completed", "conclusion": "neutral"})
    assert renamed.json()["name"] == "y" and renamed.json()["conclusion"] == "neutral"


@behaviour("GH-109", "what a modelled operation asks for beyond the model (check run "
           "annotations, images and actions, review comments) answers 501 "
           "and changes nothing (fake only)", cite="verified-fakes docs/github.md#not-modelled")
def test_unmodelled_parts_answer_501(target: Target) -> None:
    target.require("unmodelled_501")
    repo = target.new_repo("unmodelled-parts")
    app = target.app_token(repo)
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    sha = pull["head"]["sha"]
    for body in ({"output": {"title": "t", "summary": "s", "annotations": [{"path": "f"}]}},
                 {"actions": [{"label": "fix", "identifier": "fix", "description": "d"}]}):
        made = target.http("POST", f"/repos/{repo}/check-runs", token=app,
                           json={"name": "lint", "head_sha": sha, **body})
        assert_error(made, 501)
    assert target.http("GET", f"/repos/{repo}/commits/{sha}/check-runs").json()[
        "total_count"] == 0
    number = pull["number"]
    assert_error(target.http("POST", f"/repos/{repo}/pulls/{number}/reviews", json={
        "event": "COMMENT", "body": "b", "comments": [{"path": "f.txt", "body": "x"}]}), 501)
    assert target.http("GET", f"/repos/{repo}/pulls/{number}/reviews").json() == []


@behaviour("GH-390", "a check run names the app that made it (app.slug), whichever way its "
           "installation reports: a later run of the same name by that app replaces CI's run "
           "in the list for the ref (latest per name), in the same check suite",
           cite=f"{RUNS}#list-check-runs-for-a-git-reference (checks/list-for-ref); "
                f"{SUITES}#list-check-suites-for-a-git-reference (checks/list-suites-for-ref)")
def test_a_rerun_by_the_ci_app_replaces_its_run(target: Target) -> None:
    target.require("simulated_ci")
    repo = target.new_repo("ci-rerun")
    target.ci("test", after=60, kind="check", repo=repo)
    pull = pull_from(target, repo, "feature", {"f.txt": "f\n"})
    sha = pull["head"]["sha"]
    [by_ci] = target.http("GET", f"/repos/{repo}/commits/{sha}/check-runs").json()["check_runs"]
    assert by_ci["status"] == "in_progress" and by_ci["app"] is not None
    rerun = target.http("POST", f"/repos/{repo}/check-runs", token=target.app_token(repo),
                        json={"name": "test", "head_sha": sha, "conclusion": "success"})
    assert rerun.status_code == 201, rerun.text
    assert rerun.json()["app"]["slug"] == by_ci["app"]["slug"]
    listed = target.http("GET", f"/repos/{repo}/commits/{sha}/check-runs").json()
    assert [r["id"] for r in listed["check_runs"]] == [rerun.json()["id"]]
    assert rerun.json()["check_suite"]["id"] == by_ci["check_suite"]["id"]
