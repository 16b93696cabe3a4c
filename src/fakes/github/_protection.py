"""Branch protection (the classic mechanism) and what it refuses. No HTTP.

https://docs.github.com/rest/branches/branch-protection and
https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches.
What a merge needs (reviews, code owners, status checks) is judged in ``_gates``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from fakes.github._errors import fail

if TYPE_CHECKING:
    from fakes.github._model import GitHubState, Repository

__all__ = ["Protection", "approvals_required", "bypasses", "direct_write_refusal",
           "parse_protection", "push_refusal"]

DOCS = "https://docs.github.com/rest/branches/branch-protection"
ABOUT = "https://docs.github.com/articles/about-protected-branches"
THROUGH_PULL = "Changes must be made through a pull request."
_REQUIRED = ("required_status_checks", "enforce_admins", "required_pull_request_reviews",
             "restrictions")


@attrs.frozen
class Reviews:
    count: int = 1
    dismiss_stale: bool = False
    code_owners: bool = False
    last_push: bool = False


@attrs.frozen
class Protection:
    """The protection of one branch, as PUT …/protection sets it."""

    strict: bool | None = None  # None: no required status checks
    contexts: tuple[str, ...] = ()
    enforce_admins: bool = False
    reviews: Reviews | None = None
    restricted: bool = False
    linear_history: bool = False
    allow_force_pushes: bool = False
    allow_deletions: bool = False
    conversation_resolution: bool = False

    @property
    def status_checks(self) -> bool:
        return self.strict is not None


def _invalid(message: str) -> Exception:
    return fail(422, f"Invalid request.\n\n{message}", f"{DOCS}#update-branch-protection")


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise _invalid(f'For \'properties/{name}\', {json_repr(value)} is not a boolean.')
    return bool(value)


def json_repr(value: Any) -> str:
    import json

    return json.dumps(value)


def parse_protection(body: Mapping[str, Any]) -> Protection:
    """The body of PUT …/protection: the four required keys (each may be null), the
    optional booleans; GitHub refuses the rest with 422 ``Invalid request.``."""
    for name in _REQUIRED:
        if name not in body:
            raise _invalid(f'"{name}" wasn\'t supplied.')
    checks = body["required_status_checks"]
    strict, contexts = None, ()
    if checks is not None:
        if not isinstance(checks, dict) or not isinstance(checks.get("strict"), bool):
            raise _invalid('"strict" wasn\'t supplied.')
        listed = checks.get("contexts")
        if listed is None and isinstance(checks.get("checks"), list):
            listed = [c.get("context") for c in checks["checks"] if isinstance(c, dict)]
        if not isinstance(listed, list) or not all(isinstance(c, str) for c in listed):
            raise _invalid('"contexts" wasn\'t supplied.')
        strict, contexts = checks["strict"], tuple(listed)
    reviews = None
    wanted = body["required_pull_request_reviews"]
    if wanted is not None:
        if not isinstance(wanted, dict):
            raise _invalid("For 'properties/required_pull_request_reviews', "
                           f"{json_repr(wanted)} is not an object or null.")
        count = wanted.get("required_approving_review_count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 6:
            raise _invalid("required_approving_review_count must be between 0 and 6")
        reviews = Reviews(count, _flag(wanted, "dismiss_stale_reviews"),
                          _flag(wanted, "require_code_owner_reviews"),
                          _flag(wanted, "require_last_push_approval"))
    enforce = body["enforce_admins"]
    if enforce is not None and not isinstance(enforce, bool):
        raise _invalid(f"For 'properties/enforce_admins', {json_repr(enforce)} is not a "
                       "boolean or null.")
    return Protection(strict, contexts, bool(enforce), reviews,
                      body["restrictions"] is not None, _flag(body, "required_linear_history"),
                      _flag(body, "allow_force_pushes"), _flag(body, "allow_deletions"),
                      _flag(body, "required_conversation_resolution"))


def bypasses(state: GitHubState, repo: Repository, protection: Protection,
              login: str | None) -> bool:
    return not protection.enforce_admins and state.role(repo, login) == "admin"


def _missing_checks(protection: Protection) -> str | None:
    if not protection.status_checks or not protection.contexts:
        return None
    count = len(protection.contexts)
    if count == 1:
        return f'Required status check "{protection.contexts[0]}" is expected.'
    return f"{count} of {count} required status checks are expected."


def direct_write_refusal(state: GitHubState, repo: Repository, branch: str,
                         login: str | None, action: str) -> None:
    """Refuse a write to ``branch`` that does not come through a pull request: a
    contents write (409, "Could not update file: …"), a ref update (422), a force
    update or a deletion the protection does not allow (422)."""
    protection = repo.protections.get(branch)
    if protection is None or bypasses(state, repo, protection, login):
        return
    if action == "delete":
        if not protection.allow_deletions:
            raise fail(422, "Cannot delete this protected branch", ABOUT)
        return
    if action == "force" and not protection.allow_force_pushes:
        raise fail(422, "Cannot force-push to this branch", ABOUT)
    reasons = [r for r in (_missing_checks(protection),) if r]
    needs_pull = protection.reviews is not None or bool(reasons)
    if not needs_pull and not protection.restricted:
        return
    if action == "contents":
        raise fail(409, " ".join(["Could not update file:", *reasons, THROUGH_PULL]), ABOUT)
    raise fail(422, THROUGH_PULL, ABOUT)


def approvals_required(count: int) -> str:
    """GitHub's refusal while a protected branch lacks ``count`` approving reviews."""
    plural = "review is" if count == 1 else "reviews are"
    return f"At least {count} approving {plural} required by reviewers with write access."


def push_refusal(state: GitHubState, repo: Repository, branch: str, login: str | None,
                 action: str) -> list[str]:
    """Why a ``git push`` may not move ``branch`` (empty: it may), as the lines GitHub
    sends after ``GH006: Protected branch update failed``. ``action``: ``delete``,
    ``force``, ``ref`` (a fast forward) or ``merge-commits`` (a fast forward that brings
    merge commits). A push is never a pull request, so required reviews and checks
    refuse it (ABOUT, "Require pull request reviews before merging")."""
    protection = repo.protections.get(branch)
    if protection is None or bypasses(state, repo, protection, login):
        return []
    if action == "delete":
        return [] if protection.allow_deletions else ["Cannot delete this protected branch"]
    if action == "force" and not protection.allow_force_pushes:
        return ["Cannot force-push to this branch"]
    if protection.reviews is not None and protection.reviews.count > 0:
        return [approvals_required(protection.reviews.count)]
    missing = _missing_checks(protection)
    if missing:
        return [missing]
    if protection.reviews is not None:
        return [THROUGH_PULL]
    if action == "merge-commits" and protection.linear_history:
        return ["This branch must not contain merge commits."]
    if protection.restricted:
        return ["You're not authorized to push to this branch."]
    return []
