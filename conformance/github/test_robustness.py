"""Answers to requests off the happy path, found by fuzzing the fake from GitHub's schemas
(tests/test_github_fuzz.py): each here is what GitHub documents or its schema says."""

from __future__ import annotations

import pytest

from fakes.conformance.github._support import assert_error, head_of
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

USER = f"{DOCS}/users/users#get-a-user (users/get-by-username: \"The type of account: User " \
       "or Organization\"; the schema is a user's)"
COMMIT = f"{DOCS}/git/commits#create-a-commit (git/create-commit: author and committer are " \
         "objects of name, email and date)"


@behaviour("GH-358", "GET users/{username} of an organization answers it as an account of "
           "type Organization, in the shape of a user (orgs/get shows the organization's own "
           "fields)", cite=USER)
def test_an_organization_as_a_user(target: Target) -> None:
    org = target.org
    shown = target.http("GET", f"/users/{org}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["type"] == "Organization" and shown.json()["login"] == org
    assert "blog" in shown.json()
    assert target.http("GET", f"/orgs/{org}").json()["login"] == org


@behaviour("GH-359", "a commit whose author or committer is not an object of strings: 422 "
           "(the message inferred)", cite=COMMIT)
def test_a_commit_author_that_is_no_object(target: Target) -> None:
    repo = target.new_repo("robust-commit")
    head = head_of(target, repo)
    tree = target.http("GET", f"/repos/{repo}/git/commits/{head}").json()["tree"]["sha"]
    for person in ("octocat", ["x"], {"name": 5, "email": "a@example.com"}):
        for field in ("author", "committer"):
            refused = target.http("POST", f"/repos/{repo}/git/commits",
                                  json={"message": "m", "tree": tree, "parents": [head],
                                        field: person})
            assert_error(refused, 422)
