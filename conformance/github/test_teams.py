"""Teams: asked for a review of a pull request, and the role they give their members."""

from __future__ import annotations

import pytest

from fakes.conformance.github._support import assert_error
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_pulls import _branch, _open

behaviour = pytest.mark.behaviour

REQUESTS = f"{DOCS}/pulls/review-requests"
ROLES = "https://docs.github.com/organizations/managing-user-access-to-your-organizations-" \
        "repositories/managing-repository-roles/repository-roles-for-an-organization " \
        "(a team's role on a repository is its members' role there)"


def _org_repo(target: Target, hint: str, private: bool = False) -> str:
    """A repository of the run's organization (teams are an organization's)."""
    made = target.http("POST", f"/orgs/{target.org}/repos",
                       json={"name": target.repo_name(hint), "private": private,
                             "auto_init": True})
    assert made.status_code == 201, made.text
    full_name = str(made.json()["full_name"])
    target.repositories.append(full_name)
    return full_name


def _slugs(teams: list[dict[str, object]]) -> list[object]:
    return [team["slug"] for team in teams]


@behaviour("GH-360", "team_reviewers asks teams with push access for a review: 201, the "
           "pull request's requested_teams and the requested reviewers' teams name them; "
           "a team with read access or one the organization lacks is 422 (\"not a "
           "collaborator\", inferred for teams) and nothing is requested; DELETE removes "
           "the request",
           cite=f"{REQUESTS}#request-reviewers-for-a-pull-request (pulls/request-reviewers); "
                f"{REQUESTS}#get-all-requested-reviewers-for-a-pull-request "
                f"(pulls/list-requested-reviewers); {REQUESTS}#remove-requested-reviewers-"
                "from-a-pull-request (pulls/remove-requested-reviewers)")
def test_team_review_requests(target: Target) -> None:
    repo = _org_repo(target, "team-reviews")
    writers = target.new_team(repo, "write")
    readers = target.new_team(repo, "read")
    _branch(target, repo, "feature", {"f.txt": "f\n"})
    pull = _open(target, repo, "feature")
    path = f"/repos/{repo}/pulls/{pull['number']}/requested_reviewers"
    for slug in (readers, "vf-no-such-team"):
        assert_error(target.http("POST", path, json={"team_reviewers": [slug]}), 422)
    assert target.http("GET", path).json() == {"users": [], "teams": []}
    asked = target.http("POST", path, json={"team_reviewers": [writers]})
    assert asked.status_code == 201, asked.text
    assert _slugs(asked.json()["requested_teams"]) == [writers]
    listed = target.http("GET", path).json()
    assert _slugs(listed["teams"]) == [writers] and listed["users"] == []
    assert listed["teams"][0]["permission"] == "push"
    shown = target.http("GET", f"/repos/{repo}/pulls/{pull['number']}").json()
    assert _slugs(shown["requested_teams"]) == [writers]
    removed = target.http("DELETE", path, json={"team_reviewers": [writers]})
    assert removed.status_code == 200, removed.text
    assert target.http("GET", path).json()["teams"] == []


@behaviour("GH-361", "a team's role on a repository is its members' role: a member of a team "
           "with write access writes to a private repository of the organization, a member "
           "of a team with read access reads it and may not write", cite=ROLES)
def test_a_team_role_reaches_its_members(target: Target) -> None:
    target.require("mint_tokens")
    repo = _org_repo(target, "team-roles", private=True)
    writer = target.mint_token("vf-team-writer", scopes=("repo",))
    reader = target.mint_token("vf-team-reader", scopes=("repo",))
    target.new_team(repo, "write", members=("vf-team-writer",))
    target.new_team(repo, "read", members=("vf-team-reader",))
    label = {"name": "from-a-team", "color": "00ff00"}
    assert target.http("POST", f"/repos/{repo}/labels", json=label,
                       token=writer).status_code == 201
    assert target.http("GET", f"/repos/{repo}", token=reader).status_code == 200
    assert target.http("POST", f"/repos/{repo}/labels", json={**label, "name": "no"},
                       token=reader).status_code == 404
    assert target.http("GET", f"/repos/{repo}/labels/no").status_code == 404
