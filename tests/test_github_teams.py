"""PyGithub, unchanged, against the fake's teams: a review-routing bot asks a team for a
review and reads the requests back."""

from __future__ import annotations

import pytest

from fakes.github import FakeGitHub
from github import GithubException


def test_a_bot_asks_a_team_for_a_review(fake_github: FakeGitHub) -> None:
    fake_github.create_org("acme", admins=["octocat"])
    fake_github.create_repo("acme/service", files={"a.txt": "a\n"})
    fake_github.push("acme/service", {"b.txt": "b\n"}, branch="feature", actor="octocat")
    fake_github.create_team("acme", "platform", members=["dana"],
                            repositories={"acme/service": "write"})
    fake_github.create_team("acme", "watchers", repositories={"acme/service": "read"})
    repo = fake_github.client().get_repo("acme/service")
    pull = repo.create_pull(base="main", head="feature", title="add b")
    with pytest.raises(GithubException) as refused:
        pull.create_review_request(team_reviewers=["watchers"])
    assert refused.value.status == 422
    pull.create_review_request(team_reviewers=["platform"])
    users, teams = pull.get_review_requests()
    assert list(users) == [] and [t.slug for t in teams] == ["platform"]
    # dana writes through the team
    dana = fake_github.client(fake_github.token_for("dana")).get_repo("acme/service")
    assert dana.create_label("from-dana", "00ff00").name == "from-dana"
    pull.delete_review_request(team_reviewers=["platform"])
    assert [t.slug for t in pull.get_review_requests()[1]] == []
