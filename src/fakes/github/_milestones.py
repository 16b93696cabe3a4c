"""Milestones of a repository and the issues they hold. No HTTP.

https://docs.github.com/rest/issues/milestones: milestones are numbered per repository
(their own sequence, not the issues'), open or closed, with an optional description and
due date; ``open_issues`` and ``closed_issues`` count the issues and pull requests that
name the milestone. Written by who may push; an issue names one through the issues API
(``milestone``: its number, or null to clear it). Deleting a milestone clears it from
its issues.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs

from fakes.github._errors import fail, validation_failed
from fakes.github._model import GitHubState, Repository
from fakes.github._settings import refuse_archived

__all__ = ["Milestone", "create_milestone", "delete_milestone", "find_milestone",
           "issue_counts", "milestone_of", "update_milestone"]

DOCS = "https://docs.github.com/rest/issues/milestones"
_STATES = ("open", "closed")


@attrs.frozen
class Milestone:
    number: int
    id: int
    title: str
    description: str | None
    state: str
    due_on: datetime | None
    creator: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


def _invalid(field: str, code: str = "invalid") -> Exception:
    return validation_failed({"resource": "Milestone", "code": code, "field": field},
                             docs=DOCS)


def _due(value: Any) -> datetime | None:
    """``due_on``: an ISO 8601 timestamp (UTC when it names no zone), or null."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid("due_on")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("due_on") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _checked(repo: Repository, changes: dict[str, Any], number: int | None
             ) -> dict[str, Any]:
    """The fields of a create or update, every one checked before any applies."""
    fields: dict[str, Any] = {}
    if "title" in changes:
        title = changes["title"]
        if not isinstance(title, str) or not title.strip():
            raise _invalid("title", "missing_field" if title is None else "invalid")
        # Titles are unique in a repository (422 already_exists; inferred: the docs name
        # no message, this is GitHub's usual code for a taken name).
        if any(m.title == title and m.number != number for m in repo.milestones.values()):
            raise _invalid("title", "already_exists")
        fields["title"] = title
    if "state" in changes:
        if changes["state"] not in _STATES:
            raise _invalid("state")
        fields["state"] = changes["state"]
    if "description" in changes:
        description = changes["description"]
        if description is not None and not isinstance(description, str):
            raise _invalid("description")
        fields["description"] = description
    if "due_on" in changes:
        fields["due_on"] = _due(changes["due_on"])
    return fields


def create_milestone(state: GitHubState, repo: Repository, changes: dict[str, Any],
                     actor: str) -> Milestone:
    """https://docs.github.com/rest/issues/milestones#create-a-milestone: ``title``
    required (422 ``missing_field``), ``state`` open by default."""
    with state.lock:
        refuse_archived(repo)
        if "title" not in changes:
            raise _invalid("title", "missing_field")
        fields = _checked(repo, changes, None)
        now = state.clock.now()
        repo.next_milestone += 1
        closed = fields.get("state") == "closed"
        milestone = Milestone(repo.next_milestone, state._next_id(), fields["title"],
                              fields.get("description"), fields.get("state", "open"),
                              fields.get("due_on"), actor, now, now, now if closed else None)
        repo.milestones[milestone.number] = milestone
        state.journal.record(actor, "milestone.create", repo.full_name,
                             number=milestone.number)
        return milestone


def find_milestone(repo: Repository, number: str) -> Milestone:
    found: Milestone | None = repo.milestones.get(int(number)) if number.isdigit() else None
    if found is None:
        raise fail(404, "Not Found", f"{DOCS}#get-a-milestone")
    return found


def update_milestone(state: GitHubState, repo: Repository, milestone: Milestone,
                     changes: dict[str, Any], actor: str) -> Milestone:
    """Closing sets ``closed_at``, reopening clears it."""
    with state.lock:
        refuse_archived(repo)
        fields = _checked(repo, changes, milestone.number)
        now = state.clock.now()
        new_state = fields.get("state", milestone.state)
        closed_at = milestone.closed_at if new_state == milestone.state else (
            now if new_state == "closed" else None)
        updated = attrs.evolve(milestone, **fields, updated_at=now, closed_at=closed_at)
        repo.milestones[milestone.number] = updated
        # What the milestone webhook event tells: edited (with the old values), closed,
        # opened.
        edited = {field: {"from": _shown(getattr(milestone, field))}
                  for field in ("title", "description", "due_on")
                  if field in fields and fields[field] != getattr(milestone, field)}
        actions = ["edited"] if edited else []
        if new_state != milestone.state:
            actions.append("closed" if new_state == "closed" else "opened")
        state.journal.record(actor, "milestone.update", repo.full_name,
                             number=milestone.number, fields=sorted(fields),
                             actions=actions, changes=edited)
        return updated


def _shown(value: Any) -> Any:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else value


def delete_milestone(state: GitHubState, repo: Repository, milestone: Milestone,
                     actor: str) -> None:
    with state.lock:
        refuse_archived(repo)
        del repo.milestones[milestone.number]
        for issue in repo.issues.values():
            if issue.milestone == milestone.number:
                issue.milestone = None
        state.journal.record(actor, "milestone.delete", repo.full_name,
                             number=milestone.number, title=milestone.title,
                             payload=milestone)


def milestone_of(repo: Repository, value: Any) -> int | None:
    """The milestone an issue write names (its number; null clears it); 422 naming
    ``milestone`` for one the repository lacks."""
    if value is None:
        return None
    number = value if isinstance(value, int) and not isinstance(value, bool) else (
        int(value) if isinstance(value, str) and value.isdigit() else None)
    if number is None or number not in repo.milestones:
        raise validation_failed({"resource": "Issue", "code": "invalid",
                                 "field": "milestone", "value": value},
                                docs="https://docs.github.com/rest/issues/issues"
                                     "#update-an-issue")
    return number


def issue_counts(repo: Repository, number: int) -> tuple[int, int]:
    """``(open, closed)``: the issues and pull requests naming milestone ``number``."""
    open_count = closed_count = 0
    for issue in repo.issues.values():
        if issue.milestone != number:
            continue
        current = repo.pulls[issue.number].state if issue.pull else issue.state
        if current == "open":
            open_count += 1
        else:
            closed_count += 1
    return open_count, closed_count
