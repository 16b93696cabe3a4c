"""Pull request reviews, review requests and CODEOWNERS. No HTTP.

https://docs.github.com/rest/pulls/reviews and
https://docs.github.com/rest/pulls/review-requests; CODEOWNERS as
https://docs.github.com/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
describes it (``.github/``, the root, ``docs/``; gitignore-style patterns, the last
matching line wins; owners ``@user``, ``@org/team`` or an email).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fakes.github._checks import Review
from fakes.github._errors import GitHubError, fail, validation_failed

if TYPE_CHECKING:
    from fakes.github._model import GitHubState, Repository
    from fakes.github._pulls import PullRequest

__all__ = ["code_owners", "create_review", "dismiss_review", "request_reviewers",
           "reviews_of", "submit_review"]

DOCS = "https://docs.github.com/rest/pulls/reviews"
REQUESTS_DOCS = "https://docs.github.com/rest/pulls/review-requests"
EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


def _unprocessable(message: str, docs: str = DOCS) -> GitHubError:
    # GitHub answers these refusals as "Unprocessable Entity" with the reason in errors[].
    return GitHubError("Unprocessable Entity", status=422, documentation_url=docs,
                       errors=[message])


def reviews_of(state: GitHubState, repo: Repository, pull: PullRequest) -> list[Review]:
    """The pull request's reviews; with ``dismiss_stale_reviews`` on the base's protection,
    an approval of a head that has since moved reads DISMISSED (GitHub dismisses it when
    the push lands)."""
    from fakes.github._pulls import current_heads

    reviews = repo.flow.reviews.setdefault(pull.number, [])
    protection = repo.protections.get(pull.base)
    if pull.state == "open" and protection is not None and protection.reviews is not None \
            and protection.reviews.dismiss_stale:
        head = current_heads(repo, pull)[1]
        for review in reviews:
            if review.state == "APPROVED" and review.commit_id != head:
                review.state = "DISMISSED"
    return reviews


def _event(state: GitHubState, pull: PullRequest, event: object, body: str,
           actor: str) -> str:
    if event not in EVENTS:
        raise validation_failed({"resource": "PullRequestReview", "field": "event",
                                 "code": "invalid"}, docs=DOCS)
    wanted = EVENTS[str(event)]
    if actor == pull.user and wanted == "APPROVED":
        raise _unprocessable("Can not approve your own pull request")
    if actor == pull.user and wanted == "CHANGES_REQUESTED":
        raise _unprocessable("Can not request changes on your own pull request")
    if wanted != "APPROVED" and not body:
        # "body: Required when using REQUEST_CHANGES or COMMENT" (DOCS); wording inferred.
        raise _unprocessable("Body is required for this event")
    return wanted


def create_review(state: GitHubState, repo: Repository, pull: PullRequest, event: object,
                  body: str, commit_id: str | None, actor: str) -> Review:
    """POST …/reviews: without ``event`` the review stays PENDING; the author cannot
    approve or request changes (422)."""
    from fakes.github._pulls import current_heads

    with state.lock:
        head = current_heads(repo, pull)[1]
        reviews = reviews_of(state, repo, pull)
        if event is None:
            if any(r.user == actor and r.state == "PENDING" for r in reviews):
                raise _unprocessable("User can only have one pending review per pull request")
            review = Review(state._next_id(), actor, "PENDING", body, commit_id or head, None)
        else:
            review = Review(state._next_id(), actor, _event(state, pull, event, body, actor),
                            body, commit_id or head, state.clock.now())
            _answered(repo, pull, actor)
        reviews.append(review)
        state.journal.record(actor, "review.create", f"{repo.full_name}#{pull.number}",
                             state=review.state, id=review.id)
        return review


def _answered(repo: Repository, pull: PullRequest, login: str) -> None:
    requested = repo.flow.requested.get(pull.number, [])
    if login in requested:
        requested.remove(login)


def find_review(state: GitHubState, repo: Repository, pull: PullRequest, number: str
                ) -> Review:
    for review in reviews_of(state, repo, pull):
        if str(review.id) == number:
            return review
    raise fail(404, "Not Found", DOCS)


def submit_review(state: GitHubState, repo: Repository, pull: PullRequest, review: Review,
                  event: object, body: str, actor: str) -> None:
    with state.lock:
        if review.user != actor:
            raise fail(404, "Not Found", DOCS)
        if review.state != "PENDING":
            raise _unprocessable("Can not submit a non-pending review")  # inferred wording
        review.state = _event(state, pull, event, body or review.body, actor)
        review.body = body or review.body
        review.submitted_at = state.clock.now()
        _answered(repo, pull, actor)
        state.journal.record(actor, "review.submit", f"{repo.full_name}#{pull.number}",
                             state=review.state, id=review.id)


def dismiss_review(state: GitHubState, repo: Repository, pull: PullRequest, review: Review,
                   message: object, actor: str) -> None:
    """PUT …/dismissals: ``message`` is required; a pending review cannot be dismissed."""
    with state.lock:
        if not isinstance(message, str) or not message:
            raise validation_failed({"resource": "PullRequestReview", "field": "message",
                                     "code": "missing_field"}, docs=DOCS)
        if review.state == "PENDING":
            raise _unprocessable("Can not dismiss a pending review")
        review.state = "DISMISSED"
        state.journal.record(actor, "review.dismiss", f"{repo.full_name}#{pull.number}",
                             id=review.id)


def request_reviewers(state: GitHubState, repo: Repository, pull: PullRequest,
                      logins: Sequence[str], remove: bool, actor: str) -> None:
    """POST (or DELETE) …/requested_reviewers: reviewers must be collaborators and not the
    author (422 with GitHub's messages)."""
    with state.lock:
        requested = repo.flow.requested.setdefault(pull.number, [])
        if remove:
            for login in logins:
                if login in requested:
                    requested.remove(login)
            state.journal.record(actor, "review_request.delete",
                                 f"{repo.full_name}#{pull.number}", reviewers=list(logins))
            return
        for login in logins:
            if login == pull.user:
                raise _unprocessable("Review cannot be requested from pull request author.",
                                     REQUESTS_DOCS)
            if login not in state.accounts or state.role(repo, login) not in (
                    "write", "maintain", "admin"):
                raise _unprocessable(
                    "Reviews may only be requested from collaborators. One or more of the "
                    "users or teams you specified is not a collaborator of the "
                    f"{repo.full_name} repository.", REQUESTS_DOCS)
        for login in logins:
            if login not in requested:
                requested.append(login)
        state.journal.record(actor, "review_request.create", f"{repo.full_name}#{pull.number}",
                             reviewers=list(logins))


# -- CODEOWNERS ------------------------------------------------------------------------------

def _pattern(text: str) -> re.Pattern[str]:
    """A CODEOWNERS pattern as a regular expression over repository paths."""
    directory = text.endswith("/")
    body = text.strip("/")
    anchored = text.startswith("/") or "/" in body
    out = ""
    i = 0
    while i < len(body):
        if body.startswith("**", i):
            out += ".*"
            i += 2
        elif body[i] == "*":
            out += "[^/]*"
            i += 1
        elif body[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(body[i])
            i += 1
    if body in ("", "*"):
        return re.compile(".*")
    prefix = "" if anchored else "(?:.*/)?"
    suffix = "/.*" if directory else "(?:/.*)?"
    return re.compile(f"{prefix}{out}{suffix}")


def code_owners(state: GitHubState, repo: Repository, base_sha: str, paths: Sequence[str]
                ) -> dict[str, list[str]]:
    """Each of ``paths`` that has owners, with its owners' logins (teams are not modelled,
    so a team owner is not listed), by the CODEOWNERS file of the base commit."""
    found = repo.git.commit(base_sha)
    if found is None:
        return {}
    tree = found.tree.decode()
    text = ""
    for location in CODEOWNERS_PATHS:
        entry = repo.git.lookup(tree, location)
        blob = repo.git.blob(entry[2]) if entry is not None else None
        if blob is not None:
            text = blob.as_raw_string().decode(errors="replace")
            break
    rules: list[tuple[re.Pattern[str], list[str]]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        owners = []
        for word in words[1:]:
            if word.startswith("@") and "/" not in word:
                owners.append(word[1:])
            elif "@" in word and not word.startswith("@"):
                owners.extend(a.login for a in state.accounts.values() if a.email == word)
        rules.append((_pattern(words[0]), owners))
    owned: dict[str, list[str]] = {}
    for path in paths:
        for pattern, owners in reversed(rules):
            if pattern.fullmatch(path):
                if owners:
                    owned[path] = owners
                break
    return owned
