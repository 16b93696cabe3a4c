"""What stands between a pull request and its merge: the base branch's required reviews,
code owners and required status checks, and what ``mergeable_state`` reads. No HTTP.

https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches
and ``mergeable_state`` of https://docs.github.com/rest/pulls/pulls#get-a-pull-request
(``behind``: the head is not up to date with the base while ``strict`` requires it;
``blocked``: a requirement is not met; ``unstable``: only non-required checks are
failing or pending; ``clean``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from fakes.github._checks import check_outcomes
from fakes.github._protection import approvals_required, bypasses
from fakes.github._reviews import code_owners, reviews_of

if TYPE_CHECKING:
    from fakes.github._model import GitHubState, Repository
    from fakes.github._pulls import PullRequest

__all__ = ["Verdict", "judge"]


@attrs.frozen
class Verdict:
    """Why a merge is refused now (None: it may merge) and the state a read shows."""

    refusal: str | None
    state: str


def _verdicts(state: GitHubState, repo: Repository, pull: PullRequest) -> dict[str, str]:
    """The latest decisive review of each reviewer with write access."""
    latest: dict[str, str] = {}
    for review in reviews_of(state, repo, pull):
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.user] = review.state
    return {user: verdict for user, verdict in latest.items()
            if state.role(repo, user) in ("write", "maintain", "admin")}


def _checks_message(required: tuple[str, ...], outcomes: dict[str, str],
                    behind: bool) -> str | None:
    # Behind a strict base every required check reads "expected" (reported from
    # github.com: "6 of 6 required status checks are expected." on a BEHIND head).
    unmet = [c for c in required if behind or outcomes.get(c) != "success"]
    if not unmet:
        return None
    if len(required) == 1:
        verb = "is failing" if outcomes.get(unmet[0]) == "failure" and not behind \
            else "is expected"
        return f'Required status check "{unmet[0]}" {verb}.'
    return f"{len(unmet)} of {len(required)} required status checks are expected."


def judge(state: GitHubState, repo: Repository, pull: PullRequest, login: str | None,
          base_sha: str, head_sha: str) -> Verdict:
    """The verdict for ``login`` merging ``pull`` (base and head at these shas)."""
    outcomes = check_outcomes(repo, head_sha)
    protection = repo.protections.get(pull.base)
    if protection is not None and not bypasses(state, repo, protection, login):
        reviews = protection.reviews
        if reviews is not None:
            verdicts = _verdicts(state, repo, pull)
            approvers = {user for user, verdict in verdicts.items() if verdict == "APPROVED"}
            if "CHANGES_REQUESTED" in verdicts.values():
                # Until that reviewer approves or the review is dismissed (ABOUT; the
                # wording is the one the docs give for a push).
                return Verdict("Changes have been requested.", "blocked")
            if len(approvers) < reviews.count:
                return Verdict(approvals_required(reviews.count), "blocked")
            if reviews.last_push:
                pusher = last_pusher(state, repo, pull.head, head_sha)
                fresh = {r.user for r in reviews_of(state, repo, pull)
                         if r.state == "APPROVED" and r.commit_id == head_sha}
                if not fresh & (approvers - {pusher}):
                    # Inferred wording; the rule is ABOUT's "require approval of the most
                    # recent reviewable push" by someone other than its pusher.
                    return Verdict("Approval of the most recent reviewable push is "
                                   "required.", "blocked")
            if reviews.code_owners:
                changed = [path for path, _ in _changed(repo, base_sha, head_sha)]
                waiting = sorted({owner for path, owners in
                                  code_owners(state, repo, base_sha, changed).items()
                                  if not approvers & set(owners) for owner in owners})
                if waiting:
                    named = ", ".join(f"@{w}" for w in waiting)
                    return Verdict(f"Waiting on code owner review from {named}.", "blocked")
        if protection.status_checks:
            behind = bool(protection.strict) and not repo.git.is_ancestor(base_sha, head_sha)
            message = _checks_message(protection.contexts, outcomes, behind)
            if message is not None:
                return Verdict(message, "behind" if behind else "blocked")
    if any(outcome != "success" for outcome in outcomes.values()):
        return Verdict(None, "unstable")
    return Verdict(None, "clean")


_MOVES = ("push", "contents.create", "contents.update", "contents.delete", "git.ref.create",
          "git.ref.update")


def last_pusher(state: GitHubState, repo: Repository, branch: str, head: str) -> str | None:
    """Who moved ``branch`` to ``head``, from the journal (None: not known)."""
    for change in reversed(state.journal.changes(resource=repo.full_name)):
        detail = change.detail
        moved = detail.get("branch") == branch or detail.get("ref") == f"refs/heads/{branch}"
        if change.operation in _MOVES and moved and \
                head in (detail.get("commit"), detail.get("sha")):
            return change.actor
    return None


def _changed(repo: Repository, base_sha: str, head_sha: str) -> list[tuple[str, str]]:
    """The paths the pull request changes (from the merge base to the head)."""
    bases = repo.git.merge_bases(base_sha, head_sha)
    old = _files(repo, bases[0]) if bases else {}
    new = _files(repo, head_sha)
    return sorted((path, "changed") for path in set(old) | set(new)
                  if old.get(path) != new.get(path))


def _files(repo: Repository, commit: str) -> dict[str, tuple[str, str]]:
    found = repo.git.commit(commit)
    assert found is not None
    return repo.git.files(found.tree.decode())
