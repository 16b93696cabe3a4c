"""PyGithub, unchanged, against the fake's issue tracking: a release-tracking script makes
a milestone, files issues into it, closes them and reads the counts; a triage bot hears
of it through webhooks."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from fakes.conformance.github._support import Receiver
from fakes.github import FakeGitHub
from github import GithubException


def test_a_release_milestone_through_pygithub(fake_github: FakeGitHub) -> None:
    fake_github.create_repo("octocat/app")
    repo = fake_github.client().get_repo("octocat/app")
    due = datetime(2030, 3, 1, tzinfo=timezone.utc)
    milestone = repo.create_milestone("v1.0", description="first release", due_on=due)
    assert milestone.number == 1 and milestone.due_on == due
    bug = repo.create_issue("crash on start", milestone=milestone)
    chore = repo.create_issue("update docs")
    chore.edit(milestone=milestone)
    bug.edit(state="closed")
    fresh = repo.get_milestone(milestone.number)
    assert (fresh.open_issues, fresh.closed_issues) == (1, 1)
    assert [i.number for i in repo.get_issues(milestone=fresh, state="all")] == \
        [chore.number, bug.number]
    with pytest.raises(GithubException) as refused:
        repo.create_milestone("v1.0")
    assert refused.value.status == 422
    fresh.edit("v1.0", state="closed")
    assert [m.title for m in repo.get_milestones(state="closed")] == ["v1.0"]
    mark = fake_github.journal.mark()
    fresh.delete()
    assert [c.operation for c in fake_github.journal.since(mark)] == ["milestone.delete"]
    assert repo.get_issue(chore.number).milestone is None


def test_a_triage_bot_hears_issue_events(fake_github: FakeGitHub) -> None:
    receiver = Receiver()
    try:
        fake_github.create_repo("octocat/app")
        repo = fake_github.client().get_repo("octocat/app")
        repo.create_hook("web", {"url": receiver.url, "content_type": "json"},
                         events=["issues", "issue_comment", "label", "milestone"])
        milestone = repo.create_milestone("next")
        issue = repo.create_issue("flaky test", labels=["ci"])
        issue.create_comment("seen it twice")
        issue.edit(milestone=milestone, state="closed")
        assert fake_github.wait_for_webhooks()
        heard = [(headers["x-github-event"], json.loads(body).get("action"))
                 for headers, body in receiver.received]
        assert heard == [
            ("ping", None), ("milestone", "created"), ("label", "created"),
            ("issues", "opened"), ("issue_comment", "created"), ("issues", "closed"),
            ("issues", "milestoned")]
    finally:
        receiver.close()
