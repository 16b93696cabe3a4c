"""The repository policy, tested at the four layers of the test boundary
(docs/examples.md).

1. unit: the pure decisions of :mod:`policy` (protection diff, which pull requests
   merge now, with which method, what to retry);
2. contract: every request PyGithub sends for the policy and every answer it reads,
   checked against GitHub's OpenAPI description (``fakes.conformance.github.schemas``);
3. fake-backed: the policy against the GitHub fake, example by example and as a
   property test of idempotency, convergence, ownership and lost responses
   (``fakes.reconciliation``), which also catches three deliberately broken versions;
4. sandbox: the conformance behaviours the policy relies on, which the weekly run
   checks against real GitHub (``fakes conformance --provider github``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import policy
import pytest
import requests
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass, Requester
from hypothesis import Phase, settings
from hypothesis import strategies as st
from policy import (
    MergeDecision,
    Policy,
    Protection,
    RepoPolicy,
    governed,
    is_dependency,
    merge_decision,
    merge_method,
    protection_body,
    protection_diff,
    retry_after,
    transient,
)

from fakes.conformance import missing_behaviours
from fakes.conformance.github.schemas import check_request, check_response
from fakes.faults import LostResponse, ProviderFault, Throttle
from fakes.github import FakeGitHub
from fakes.reconciliation import Drift, Injection, Reconciler, ReconcilerFailure
from github import Github

ORG = "acme"
BOT, ADMIN, DEVELOPER, DEPENDABOT = "policy-bot", "alice", "carol", "dependabot[bot]"
#: The organization's repositories: two the policy governs, one exempt, one archived.
GOVERNED, EXEMPT, ARCHIVED = ("api", "web"), "legacy", "old"
UPDATE = "dependabot/pip/requests-2.32.4"


# -- 1. unit: the decisions ------------------------------------------------------------

WANT = Protection(checks=("build", "test"), strict=True, approvals=1, enforce_admins=True)


def answer(want: Protection, **changes: Any) -> dict[str, Any]:
    """The protection GET answer for what ``want`` asks, with ``changes``."""
    have: dict[str, Any] = {
        "required_status_checks": {"strict": want.strict, "contexts": list(want.checks)},
        "required_pull_request_reviews": {"required_approving_review_count": want.approvals},
        "enforce_admins": {"enabled": want.enforce_admins},
        "allow_force_pushes": {"enabled": False}, "allow_deletions": {"enabled": False},
    }
    have.update(changes)
    return have


def test_an_unprotected_branch_differs() -> None:
    assert protection_diff(WANT, None) == ["protection"]


def test_the_protection_asked_for_needs_no_write_whatever_the_order_of_checks() -> None:
    assert protection_diff(WANT, answer(WANT, required_status_checks={
        "strict": True, "contexts": ["test", "build"]})) == []


@pytest.mark.parametrize(("changes", "differs"), [
    ({"enforce_admins": {"enabled": False}}, ["enforce_admins"]),
    ({"required_pull_request_reviews": None}, ["required_pull_request_reviews"]),
    ({"required_status_checks": {"strict": False, "contexts": ["build", "test"]}},
     ["required_status_checks"]),
    ({"required_status_checks": None}, ["required_status_checks"]),
    ({"allow_force_pushes": {"enabled": True}}, ["allow_force_pushes"]),
    ({"restrictions": {"users": [], "teams": []}}, ["restrictions"]),
])
def test_each_weakened_setting_is_named(changes: dict[str, Any], differs: list[str]) -> None:
    assert protection_diff(WANT, answer(WANT, **changes)) == differs


def test_the_protection_body_sends_contexts_as_the_schema_requires() -> None:
    body = protection_body(WANT)
    assert body["required_status_checks"] == {"strict": True, "contexts": ["build", "test"]}
    assert body["allow_force_pushes"] is False and body["restrictions"] is None


def test_exempt_and_archived_repositories_are_not_governed() -> None:
    everything = Policy()
    assert governed("api", archived=False, topics=["python"], policy=everything)
    assert not governed("api", archived=False, topics=["policy-exempt"], policy=everything)
    assert not governed("api", archived=True, topics=[], policy=everything)
    assert not governed("web", archived=False, topics=[],
                        policy=Policy(repositories=frozenset({"api"})))


def test_dependency_updates_by_author_or_label() -> None:
    assert is_dependency("dependabot[bot]", [])
    assert is_dependency("renovate-me", ["dependencies"])
    assert not is_dependency("carol", ["enhancement"])


GREEN = {"build": "success", "test": "success"}


@pytest.mark.parametrize(("mergeable", "outcomes", "decided"), [
    (True, GREEN, MergeDecision(True, "ready", approve=True)),
    (None, GREEN, MergeDecision(False, "mergeable not computed yet: next run")),
    (False, GREEN, MergeDecision(False, "conflicts with the base")),
    (True, {"build": "success", "test": "pending"},
     MergeDecision(False, "checks not passed: test")),
    (True, {"build": "failure"}, MergeDecision(False, "checks not passed: build, test")),
])
def test_which_dependency_updates_merge_now(mergeable: bool | None, outcomes: dict[str, str],
                                            decided: MergeDecision) -> None:
    assert merge_decision(mergeable=mergeable, outcomes=outcomes, want=WANT,
                          approved=False) == decided


def test_an_approved_head_is_not_approved_again_and_two_approvals_are_for_people() -> None:
    assert merge_decision(mergeable=True, outcomes=GREEN, want=WANT, approved=True) == \
        MergeDecision(True, "ready")
    assert not merge_decision(mergeable=True, outcomes=GREEN, approved=False,
                              want=Protection(checks=(), approvals=2)).merge


def test_the_merge_method_is_the_first_the_repository_allows() -> None:
    assert merge_method({"allow_squash_merge": True, "allow_merge_commit": True}) == "squash"
    assert merge_method({"allow_squash_merge": False, "allow_merge_commit": False,
                         "allow_rebase_merge": True}) == "rebase"
    assert merge_method({"allow_squash_merge": False, "allow_merge_commit": False,
                         "allow_rebase_merge": False}) is None


def test_what_is_retried_and_how_long_it_waits() -> None:
    assert transient(502, "Server Error") and transient(429, "")
    assert transient(403, "You have exceeded a secondary rate limit. Please wait.")
    assert not transient(403, "API rate limit exceeded for user ID 1.")
    assert not transient(405, "Pull Request is not mergeable")
    assert retry_after({"Retry-After": "7"}, 0) == 7.0
    assert retry_after(None, 3) == 8.0


# -- helpers: an organization with dependency updates ------------------------------------

def client(fake: FakeGitHub, login: str, *, prefixed: bool = False) -> Github:
    """PyGithub as ``login``. The policy talks to the root URL; everyone else (the
    people and bots who drift, the test's own reads) through the ``/api/v3`` prefix of
    the same API, so the faults the property test aims at the policy's paths never
    reach them."""
    made: Github = fake.client(fake.token_for(login), enterprise_prefix=prefixed)
    return made


def seed(fake: FakeGitHub) -> None:
    """``acme``: ``api`` (every merge method), ``web`` (merge commits only), ``legacy``
    (``policy-exempt``) and ``old`` (archived); CI reports ``build`` (a status, 30 s)
    and ``test`` (a check run, 60 s) on every commit; Dependabot has a pull request open
    in each but ``old``, labelled ``dependencies``."""
    fake.create_org(ORG, admins=[BOT, ADMIN], members=[DEVELOPER])
    simulated_ci(fake)
    admin = client(fake, ADMIN, prefixed=True)
    dependabot = fake.client(fake.app_installation_token(ORG, app="dependabot"),
                             enterprise_prefix=True)
    for name in (*GOVERNED, EXEMPT, ARCHIVED):
        fake.create_repo(f"{ORG}/{name}", files={"requirements.txt": "requests==2.32.3\n"})
        fake.add_collaborator(f"{ORG}/{name}", DEVELOPER, "write")
    admin.get_repo(f"{ORG}/web").edit(allow_squash_merge=False, allow_rebase_merge=False)
    admin.get_repo(f"{ORG}/{EXEMPT}").replace_topics(["policy-exempt"])
    for name in (*GOVERNED, EXEMPT):
        fake.push(f"{ORG}/{name}", {"requirements.txt": "requests==2.32.4\n"}, branch=UPDATE,
                  message="Bump requests from 2.32.3 to 2.32.4", actor=DEPENDABOT)
        opened = dependabot.get_repo(f"{ORG}/{name}").create_pull(
            title="Bump requests from 2.32.3 to 2.32.4", body="", head=UPDATE, base="main")
        admin.get_repo(f"{ORG}/{name}").get_issue(opened.number).add_to_labels("dependencies")
    admin.get_repo(f"{ORG}/{ARCHIVED}").edit(archived=True)


def simulated_ci(fake: FakeGitHub) -> None:
    fake.ci("build", after=30)
    fake.ci("test", after=60, kind="check")


@pytest.fixture
def org(fake_github: FakeGitHub) -> Iterator[FakeGitHub]:
    seed(fake_github)
    yield fake_github


def the_policy(fake: FakeGitHub) -> RepoPolicy:
    # Waiting out a Retry-After passes the fake's time, not the test's.
    return RepoPolicy(client(fake, BOT), ORG, sleep=fake.clock.advance)


def pull_states(fake: FakeGitHub) -> dict[str, str]:
    """``repo#n`` → ``open``, ``closed`` or ``merged``, for every pull request."""
    found = {}
    for name in (*GOVERNED, EXEMPT, ARCHIVED):
        for pull in client(fake, ADMIN, prefixed=True).get_repo(f"{ORG}/{name}").get_pulls(
                state="all"):
            found[f"{name}#{pull.number}"] = "merged" if pull.merged else pull.state
    return found


def protection(fake: FakeGitHub, name: str) -> dict[str, Any] | None:
    """The protection of ``name``'s default branch, as an administrator reads it."""
    return RepoPolicy(client(fake, ADMIN, prefixed=True), ORG).protection(
        f"{ORG}/{name}", "main")


# -- 2. contract: the edge against GitHub's OpenAPI description ---------------------------

@pytest.fixture
def exchanges() -> Iterator[list[requests.Response]]:
    """Every exchange of the PyGithub clients made while the fixture is active, checked
    against GitHub's schemas as it happens. PyGithub makes one ``requests`` session per
    connection class instance; ``Requester.injectConnectionClasses`` (its own hook for
    tests) swaps in one whose session carries the checks."""
    seen: list[requests.Response] = []

    def checked(response: requests.Response, *_: Any, **__: Any) -> None:
        check_request(response.request)
        check_response(response)
        seen.append(response)

    class Checked(HTTPRequestsConnectionClass):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.session.hooks["response"].append(checked)

    Requester.injectConnectionClasses(Checked, HTTPSRequestsConnectionClass)
    try:
        yield seen
    finally:
        Requester.resetConnectionClasses()


def test_every_exchange_fits_githubs_description(org: FakeGitHub,
                                                 exchanges: list[requests.Response]) -> None:
    run = the_policy(org)
    run.run(Policy(Protection(checks=("build", "test"))))
    org.clock.advance(60)
    run.run(Policy(Protection(checks=("build", "test"))))
    run.run(Policy(Protection(checks=("build", "test"))))
    writes = {(r.request.method, r.status_code) for r in exchanges
              if r.request.method in ("PUT", "POST")}
    assert {("PUT", 200), ("POST", 200)} <= writes  # protection, approvals and merges
    assert len(exchanges) > 30


def test_pygithubs_own_protection_body_does_not_fit_the_description(
        org: FakeGitHub, exchanges: list[requests.Response]) -> None:
    # Why the policy sends the protection body itself: PyGithub 2's edit_protection
    # sends null for the settings it is not given, where GitHub's request schema says
    # boolean, and checks[] without the contexts the schema still requires.
    branch = client(org, BOT).get_repo(f"{ORG}/api").get_branch("main")
    with pytest.raises(AssertionError, match="allow_deletions: None is not of type "
                       "'boolean'") as refused:
        branch.edit_protection(strict=True, checks=["build"], enforce_admins=True,
                               required_approving_review_count=1)
    assert "update-branch-protection: the request body does not match" in str(refused.value)


# -- 3. fake-backed: examples and properties ------------------------------------------------

def test_protects_merges_green_updates_then_does_nothing(org: FakeGitHub) -> None:
    run = the_policy(org)
    first = run.run(Policy())
    assert first.protected == ["acme/api", "acme/web"]
    assert first.waiting == {"acme/api#1": "checks not passed: build",
                             "acme/web#1": "checks not passed: build"}
    org.clock.advance(30)  # build is green
    assert run.run(Policy()).merged == ["acme/api#1", "acme/web#1"]
    assert pull_states(org) == {"api#1": "merged", "web#1": "merged", "legacy#1": "open"}
    merges = [c for c in org.journal if c.operation == "pull.merge"]
    assert [(c.resource, c.detail["method"]) for c in merges] == [
        ("acme/api#1", "squash"), ("acme/web#1", "merge")]
    mark = org.journal.mark()
    assert run.run(Policy()) == policy.Report()
    assert org.journal.since(mark) == []


def test_the_first_read_of_mergeable_is_null_and_the_policy_asks_again(
        org: FakeGitHub, exchanges: list[requests.Response]) -> None:
    org.clock.advance(30)
    assert the_policy(org).run(Policy(repositories=frozenset({"api"}))).merged == [
        "acme/api#1"]
    reads = [r.json()["mergeable"] for r in exchanges
             if r.request.method == "GET" and r.request.path_url == "/repos/acme/api/pulls/1"]
    assert reads == [None, True]


def test_a_second_run_sends_no_write(org: FakeGitHub,
                                     exchanges: list[requests.Response]) -> None:
    # The fake journals state changes only, so a PUT of the same protection would not
    # show in the journal: count the requests instead.
    run = the_policy(org)
    run.run(Policy())
    org.clock.advance(30)
    run.run(Policy())
    run.run(Policy())
    sent = len(exchanges)
    run.run(Policy())
    assert [r.request.method for r in exchanges[sent:]
            if r.request.method != "GET"] == []


def test_exempt_and_archived_repositories_are_untouched(org: FakeGitHub) -> None:
    mark = org.journal.mark()
    run = the_policy(org)
    org.clock.advance(60)
    for _ in range(3):
        run.run(Policy())
    touched = {c.resource.split("#")[0] for c in org.journal.since(mark) if c.actor == BOT}
    assert touched == {"acme/api", "acme/web"}
    assert protection(org, EXEMPT) is None and protection(org, ARCHIVED) is None


def test_a_lost_merge_answer_is_neither_a_failure_nor_a_second_merge(org: FakeGitHub) -> None:
    org.clock.advance(60)
    org.faults.add(LostResponse(), on="pulls/merge", times=1)
    done = the_policy(org).run(Policy())
    assert done.merged == ["acme/api#1", "acme/web#1"]
    assert [f.kind for f in org.faults.fired] == ["LostResponse"]
    assert len([c for c in org.journal if c.operation == "pull.merge"]) == 2


def test_a_new_push_after_the_checks_were_read_is_not_merged(
        org: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    org.clock.advance(60)
    read = policy.merge_decision

    def and_dependabot_pushes(**kwargs: Any) -> MergeDecision:
        decided = read(**kwargs)
        org.push(f"{ORG}/api", {"requirements.txt": "requests==2.32.5\n"}, branch=UPDATE,
                 actor=DEPENDABOT)
        return decided

    monkeypatch.setattr(policy, "merge_decision", and_dependabot_pushes)
    done = the_policy(org).run(Policy(repositories=frozenset({"api"})))
    assert done.waiting == {"acme/api#1": "the head moved: next run"}
    assert pull_states(org)["api#1"] == "open"


protections = st.builds(
    Protection, checks=st.sampled_from([("build",), ("test",), ("build", "test")]),
    strict=st.booleans(), approvals=st.integers(0, 1), enforce_admins=st.booleans())
policies = st.builds(Policy, protection=protections, repositories=st.sampled_from(
    [None, frozenset({"api"}), frozenset(GOVERNED)]))


def weaken(fake: FakeGitHub, where: tuple[str, str]) -> None:
    """An administrator weakens one setting of a repository's protection."""
    name, setting = where
    have = protection(fake, name)
    body = protection_body(Protection())
    if have is not None:
        checks = have.get("required_status_checks") or {}
        reviews = have.get("required_pull_request_reviews") or {}
        body = protection_body(Protection(
            checks=tuple(checks.get("contexts", ())), strict=bool(checks.get("strict")),
            approvals=reviews.get("required_approving_review_count", 0),
            enforce_admins=have["enforce_admins"]["enabled"]))
    if setting == "enforce_admins":
        body["enforce_admins"] = False
    elif setting == "approvals":
        body["required_pull_request_reviews"] = None
    else:
        body["required_status_checks"] = None
    client(fake, ADMIN, prefixed=True).requester.requestJsonAndCheck(
        "PUT", f"/repos/{ORG}/{name}/branches/main/protection", input=body)


def open_feature(fake: FakeGitHub, name: str) -> None:
    """A developer opens a pull request that is no dependency update."""
    branch = f"feature-{len(pull_states(fake))}"
    fake.push(f"{ORG}/{name}", {"app.py": f"print({branch!r})\n"}, branch=branch,
              actor=DEVELOPER)
    client(fake, DEVELOPER, prefixed=True).get_repo(f"{ORG}/{name}").create_pull(
        title="A feature", body="", head=branch, base="main")


def a_check_fails(fake: FakeGitHub, where: tuple[str, str]) -> None:
    """A re-run of ``build`` (a commit status) or ``test`` (a check run) fails on the
    head of every branch but ``main``."""
    name, context = where
    repo = fake.client(fake.app_installation_token(ORG), enterprise_prefix=True).get_repo(
        f"{ORG}/{name}")
    for ref, head in fake.refs(f"{ORG}/{name}").items():
        if not ref.startswith("refs/heads/") or ref == "refs/heads/main":
            continue
        if context == "build":
            repo.get_commit(head).create_status("failure", context="build")
        else:
            repo.create_check_run("test", head, status="completed", conclusion="failure")


def dependabot_updates(fake: FakeGitHub, name: str) -> None:
    """Dependabot pushes to its open update, or, once that is merged, opens the next
    one; CI starts on the new head."""
    admin = client(fake, ADMIN, prefixed=True).get_repo(f"{ORG}/{name}")
    mine = [p for p in admin.get_pulls(state="open") if p.user.login == DEPENDABOT]
    if mine:
        fake.push(f"{ORG}/{name}", {"requirements.txt": f"requests==2.33.{len(mine)}\n"},
                  branch=mine[0].head.ref, message="Bump requests", actor=DEPENDABOT)
        return
    n = len(pull_states(fake))
    branch = f"dependabot/pip/requests-2.34.{n}"
    fake.push(f"{ORG}/{name}", {"requirements.txt": f"requests==2.34.{n}\n"}, branch=branch,
              message=f"Bump requests to 2.34.{n}", actor=DEPENDABOT)
    dependabot = fake.client(fake.app_installation_token(ORG, app="dependabot"),
                             enterprise_prefix=True)
    opened = dependabot.get_repo(f"{ORG}/{name}").create_pull(
        title=f"Bump requests to 2.34.{n}", body="", head=branch, base="main")
    admin.get_issue(opened.number).add_to_labels("dependencies")


def observe(fake: FakeGitHub, reader: RepoPolicy) -> dict[str, Any]:
    """Per governed repository: its protection, and the outcomes on the head of each
    open dependency update."""
    found: dict[str, Any] = {}
    for name in GOVERNED:
        repo = reader.gh.get_repo(f"{ORG}/{name}")
        updates = [reader.outcomes(repo, p.head.sha) for p in repo.get_pulls(state="open")
                   if p.user.login == DEPENDABOT]
        found[name] = (protection(fake, name), updates)
    return found


def converged(desired: Policy, observed: dict[str, Any]) -> bool:
    """Each governed repository is protected as desired, and no dependency update in it
    whose required checks passed is still open."""
    for name, (have, updates) in observed.items():
        if desired.repositories is not None and name not in desired.repositories:
            continue
        if protection_diff(desired.protection, have):
            return False
        if any(all(outcomes.get(c) == "success" for c in desired.protection.checks)
               for outcomes in updates):
            return False
    return True


def harness(fake: FakeGitHub) -> Reconciler[Policy, Any]:
    fake.clock.advance(60)  # CI passed on the updates: every example starts from there
    run = the_policy(fake)
    reader = RepoPolicy(client(fake, ADMIN, prefixed=True), ORG)
    current: list[Policy] = []

    def reconcile(desired: Policy) -> None:
        current[:] = [desired]
        run.run(desired)

    def owns(change: Any) -> bool:
        """Its governed repositories' default branch protection, and the dependency
        updates in them."""
        repo, _, number = change.resource.partition("#")
        name = repo.removeprefix(f"{ORG}/")
        if name not in GOVERNED or not governed(name, archived=False, topics=(),
                                                policy=current[0]):
            return False
        if change.operation.startswith("protection."):
            return bool(change.detail.get("branch") == "main")
        if change.operation not in ("pull.merge", "review.create"):
            return False
        return bool(reader.gh.get_repo(repo).get_pull(int(number)).user.login == DEPENDABOT)

    at_the_policy = r"^/(orgs|repos|user)"
    return Reconciler(
        fakes=[fake], actor=BOT, desired=policies, reconcile=reconcile,
        observe=lambda: observe(fake, reader), converged=converged, owns=owns,
        drift=[
            Drift("an admin weakens protection", lambda w: weaken(fake, w), st.tuples(
                st.sampled_from(GOVERNED),
                st.sampled_from(["enforce_admins", "approvals", "checks"]))),
            Drift("someone opens a pull request", lambda n: open_feature(fake, n),
                  st.sampled_from(GOVERNED)),
            Drift("a check fails", lambda w: a_check_fails(fake, w), st.tuples(
                st.sampled_from(GOVERNED), st.sampled_from(["build", "test"]))),
            Drift("dependabot pushes an update", lambda n: dependabot_updates(fake, n),
                  st.sampled_from(GOVERNED)),
        ],
        faults=[
            Injection("secondary rate limit", fake, Throttle(), path=at_the_policy),
            Injection("429", fake, ProviderFault(429, message="You have exceeded a "
                      "secondary rate limit."), path=at_the_policy),
            Injection("server error", fake, ProviderFault(502), path=at_the_policy),
            Injection("lost merge", fake, LostResponse(), on="pulls/merge",
                      path=at_the_policy),
            Injection("server error on the merge", fake, ProviderFault(503),
                      on="pulls/merge", path=at_the_policy),
            Injection("lost approval", fake, LostResponse(), on="pulls/create-review",
                      path=at_the_policy),
            Injection("lost protection put", fake, LostResponse(),
                      on="repos/update-branch-protection", path=at_the_policy),
        ],
        # A reset ends simulated CI's rules: each example sets them up again. Clock
        # steps let CI finish; before the convergence check the clock moves 300 s.
        prepare=lambda: simulated_ci(fake), max_advance=60)


def examples(n: int, *, shrink: bool = True) -> settings:
    return settings(max_examples=n, stateful_step_count=10, deadline=None,
                    derandomize=True, database=None,
                    phases=tuple(Phase) if shrink else (Phase.generate,))


def test_the_policy_is_idempotent_converges_and_keeps_to_its_own(org: FakeGitHub) -> None:
    harness(org).check(settings=examples(60))


def test_a_policy_that_ignores_the_exempt_topic_breaks_ownership(
        org: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    def everything_but_archives(name: str, *, archived: bool, topics: Any,
                                policy: Policy) -> bool:
        return not archived and (policy.repositories is None or name in policy.repositories
                                 or name == EXEMPT)

    monkeypatch.setattr(policy, "governed", everything_but_archives)
    with pytest.raises(ReconcilerFailure, match=r"does not own:\n  protection\.update "
                       r"acme/legacy"):
        harness(org).check(settings=examples(20, shrink=False))


def test_a_policy_that_merges_every_green_pull_request_breaks_ownership(
        org: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "is_dependency", lambda author, labels: True)
    with pytest.raises(ReconcilerFailure, match=r"does not own:\n(  .*\n)*  pull\.merge "
                       r"acme/"):
        harness(org).check(settings=examples(40, shrink=False))


def test_a_policy_that_merges_without_approving_fails_where_reviews_are_required(
        org: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    decide = policy.merge_decision

    def never_approve(**kwargs: Any) -> MergeDecision:
        return replace(decide(**kwargs), approve=False)

    monkeypatch.setattr(policy, "merge_decision", never_approve)
    with pytest.raises(ReconcilerFailure, match=r"(?s)^not converged.*raised GithubException: "
                       r"At least 1 approving review is required"):
        harness(org).check(settings=examples(40, shrink=False))


# -- 4. sandbox: the provider behaviours the policy relies on ---------------------------

#: What the policy assumes of GitHub, by conformance behaviour id. The weekly sandbox
#: run checks them against real GitHub:
#: ``fakes conformance --provider github --target URL -- -k "GH-007 or ..."``.
RELIES_ON = {
    "GH-007": "an organization lists its repositories (repos/list-for-org)",
    "GH-017": "a secondary rate limit answers 403 with Retry-After",
    "GH-060": "POST pulls opens a pull request",
    "GH-063": "mergeable is null until computed, then true or false",
    "GH-064": "PUT merge answers 200 with merged and the sha",
    "GH-065": "squash and rebase merges",
    "GH-066": "a merge whose sha is not the head answers 409",
    "GH-070": "PUT protection answers 200 with it; GET answers the same",
    "GH-074": "a required approving review gates the merge (405)",
    "GH-075": "without enforce_admins an administrator is not held by the protection",
    "GH-104": "a required status check gates the merge (405)",
    "GH-106": "a required check is satisfied by a successful check run of its name",
    "GH-111": "a write collaborator's approval satisfies the required review",
    "GH-323": "the merge methods a repository allows, and 405 for another",
    "GH-325": "an archived repository is read-only",
    "GH-329": "topics: PUT replaces them, the repository shows them",
    "GH-345": "the labels of an issue, and pull requests as issues",
}


def test_the_behaviours_relied_on_are_in_the_conformance_suite() -> None:
    missing = missing_behaviours("github", RELIES_ON)
    assert missing == [], f"not in the GitHub conformance suite: {missing}"
