"""PyGithub, unchanged, against a repository's settings on the GitHub fake: editing,
renaming (PyGithub follows the redirect of the old name), merge methods, archiving,
topics and annotated tags."""

from __future__ import annotations

import pytest

from fakes.github import FakeGitHub
from github import Github, GithubException


@pytest.fixture
def gh(fake_github: FakeGitHub) -> Github:
    return fake_github.client()


def test_edit_and_rename(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/hello", files={"a.txt": "a\n"})
    repo = gh.get_repo("octocat/hello")
    repo.edit(name="world", description="renamed", homepage="https://example.com",
              has_wiki=False, private=True)
    assert (repo.name, repo.description, repo.homepage, repo.has_wiki, repo.private) == (
        "world", "renamed", "https://example.com", False, True)
    # The old name redirects to the repository; PyGithub follows.
    again = gh.get_repo("octocat/hello")
    assert again.full_name == "octocat/world" and again.id == repo.id
    assert again.get_contents("a.txt").decoded_content == b"a\n"  # type: ignore[union-attr]
    assert fake_github.repo("octocat/world").description == "renamed"
    with pytest.raises(GithubException) as refused:
        repo.edit(default_branch="missing")
    assert refused.value.status == 422


def test_merge_methods_and_branch_deletion(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/app", files={"a.txt": "a\n"})
    repo = gh.get_repo("octocat/app")
    repo.edit(allow_merge_commit=False, delete_branch_on_merge=True)
    assert repo.allow_merge_commit is False and repo.delete_branch_on_merge is True
    fake_github.push("octocat/app", {"b.txt": "b\n"}, branch="feature")
    pull = repo.create_pull(title="b", body="", head="feature", base="main")
    with pytest.raises(GithubException) as refused:
        pull.merge(merge_method="merge")
    assert refused.value.status == 405
    assert refused.value.data["message"] == "Merge commits are not allowed on this repository."
    assert pull.merge(merge_method="squash").merged
    assert fake_github.branch_head("octocat/app", "feature") is None


def test_archived_and_topics(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/old", files={"a.txt": "a\n"})
    repo = gh.get_repo("octocat/old")
    repo.replace_topics(["Legacy", "python"])
    assert repo.get_topics() == ["legacy", "python"]
    repo.edit(archived=True)
    assert gh.get_repo("octocat/old").archived is True
    with pytest.raises(GithubException) as refused:
        repo.create_file("b.txt", "b", "b\n")
    assert refused.value.status == 403
    assert refused.value.data["message"] == "Repository was archived so is read-only."
    repo.edit(archived=False)
    repo.create_file("b.txt", "b", "b\n")
    assert fake_github.file("octocat/old", "b.txt") == b"b\n"


def test_annotated_and_lightweight_tags(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/lib", files={"a.txt": "a\n"})
    repo = gh.get_repo("octocat/lib")
    head = repo.get_branch("main").commit.sha
    tag = repo.create_git_tag("v1.0", "Release 1.0\n", head, "commit")
    repo.create_git_ref("refs/tags/v1.0", tag.sha)
    repo.create_git_ref("refs/tags/nightly", head)
    assert repo.get_git_tag(tag.sha).object.sha == head
    assert {t.name: t.commit.sha for t in repo.get_tags()} == {"v1.0": head, "nightly": head}
    assert fake_github.refs("octocat/lib")["refs/tags/v1.0"] == tag.sha


def test_issues_labels_and_comments(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.create_repo("octocat/tracker", files={"a.txt": "a\n"})
    repo = gh.get_repo("octocat/tracker")
    repo.create_label("bug", "d73a4a", "broken")
    issue = repo.create_issue("It breaks", body="details", labels=["bug"],
                              assignees=["octocat"])
    fake_github.push("octocat/tracker", {"fix.txt": "fix\n"}, branch="fix")
    pull = repo.create_pull(title="Fix it", body="", head="fix", base="main")
    assert pull.number == issue.number + 1  # one number sequence
    assert [(i.number, i.pull_request is not None) for i in repo.get_issues()] == [
        (pull.number, True), (issue.number, False)]
    repo.get_issue(pull.number).add_to_labels("bug")
    assert [label.name for label in repo.get_pull(pull.number).labels] == ["bug"]
    comment = issue.create_comment("on it")
    comment.edit("fixed by #2")
    assert [c.body for c in issue.get_comments()] == ["fixed by #2"]
    issue.edit(state="closed", state_reason="completed")
    assert repo.get_issue(issue.number).closed_by.login == "octocat"
    assert [i.number for i in repo.get_issues(state="closed")] == [issue.number]
    repo.get_label("bug").delete()
    assert repo.get_issue(issue.number).labels == []
