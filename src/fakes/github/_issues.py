"""Issues, labels and issue comments. No HTTP.

https://docs.github.com/rest/issues: every pull request is an issue, so issues and pull
requests share one number sequence per repository (``Repository.next_number``), the
issue endpoints answer for a pull request's number too (its title, body and state are
the pull request's; labels, assignees and comments are kept here), and the issue list
shows both. A repository with ``has_issues: false`` answers 410 ``Issues are disabled
for this repo`` to the issue endpoints (its pull requests stay reachable).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from fakes.github._errors import fail, validation_failed
from fakes.github._milestones import milestone_of
from fakes.github._model import GitHubState, Repository
from fakes.github._pulls import PullRequest, update_pull
from fakes.github._settings import refuse_archived

__all__ = ["Comment", "Issue", "Label", "comment_on", "create_issue", "create_label",
           "delete_comment", "delete_label", "find_comment", "find_issue", "find_label",
           "require_issues", "update_comment", "update_issue", "update_label"]

DOCS = "https://docs.github.com/rest/issues/issues"
LABELS_DOCS = "https://docs.github.com/rest/issues/labels"
COMMENTS_DOCS = "https://docs.github.com/rest/issues/comments"
DISABLED = "Issues are disabled for this repo"
#: The color of a label made without one, and of one made by naming it on an issue.
DEFAULT_COLOR = "ededed"
_COLOR = re.compile(r"[0-9a-fA-F]{6}")


@attrs.frozen
class Label:
    id: int
    name: str
    color: str
    description: str | None


@attrs.define
class Comment:
    id: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime


@attrs.define
class Issue:
    """An issue, or the issue side of a pull request (``pull`` True: its title, body and
    state are the pull request's)."""

    number: int
    id: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    pull: bool = False
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    labels: list[str] = attrs.field(factory=list)  # lowercase names, in the order given
    assignees: list[str] = attrs.field(factory=list)
    comments: list[Comment] = attrs.field(factory=list)
    milestone: int | None = None  # its number in Repository.milestones

    def copy(self) -> Issue:
        return attrs.evolve(self, labels=list(self.labels), assignees=list(self.assignees),
                            comments=[attrs.evolve(c) for c in self.comments])


def require_issues(repo: Repository) -> None:
    """410 when the repository has issues turned off."""
    if not repo.settings.has_issues:
        raise fail(410, DISABLED, DOCS)


def find_issue(state: GitHubState, repo: Repository, number: str) -> Issue:
    """The issue ``number`` (a pull request's issue side made on first use); 404 if none."""
    with state.lock:
        found: Issue | None = repo.issues.get(int(number)) if number.isdigit() else None
        if found is None and number.isdigit() and int(number) in repo.pulls:
            pull = repo.pulls[int(number)]
            found = repo.issues[pull.number] = Issue(
                pull.number, pull.id, pull.title, pull.body, pull.user, pull.created_at,
                pull.updated_at, pull=True)
        if found is None or not found.pull:
            require_issues(repo)
        if found is None:
            raise fail(404, "Not Found", f"{DOCS}#get-an-issue")
        return found


def _assignable(state: GitHubState, repo: Repository, logins: Sequence[Any]) -> list[str]:
    """Assignees must be able to push, or be the owner (422 naming the login otherwise)."""
    chosen: list[str] = []
    for login in logins:
        role = state.role(repo, login) if isinstance(login, str) and \
            login in state.accounts else None
        if role not in ("write", "maintain", "admin") or not isinstance(login, str):
            raise validation_failed({"resource": "Issue", "code": "invalid",
                                     "field": "assignees", "value": login}, docs=DOCS)
        if login not in chosen:
            chosen.append(login)
    return chosen


def _check_label_names(names: Sequence[Any]) -> None:
    if any(not isinstance(name, str) or not name.strip() for name in names):
        raise validation_failed({"resource": "Label", "code": "invalid", "field": "name"},
                                docs=LABELS_DOCS)


def _labels(state: GitHubState, repo: Repository, names: Sequence[Any], actor: str
            ) -> list[str]:
    """Labels by name; a name the repository has no label for makes one."""
    _check_label_names(names)
    chosen: list[str] = []
    for name in names:
        if name.lower() not in repo.labels:
            create_label(state, repo, name, DEFAULT_COLOR, None, actor)
        if name.lower() not in chosen:
            chosen.append(name.lower())
    return chosen


def create_issue(state: GitHubState, repo: Repository, title: str, body: str | None,
                 labels: Sequence[Any], assignees: Sequence[Any], may_triage: bool,
                 actor: str, milestone: Any = None) -> Issue:
    """https://docs.github.com/rest/issues/issues#create-an-issue: labels and assignees
    are set only by users with push access ("silently dropped otherwise")."""
    with state.lock:
        require_issues(repo)
        refuse_archived(repo)
        chosen = _assignable(state, repo, assignees) if may_triage else []
        named = milestone_of(repo, milestone) if may_triage else None
        labelled = _labels(state, repo, labels, actor) if may_triage else []
        now = state.clock.now()
        repo.next_number += 1
        issue = Issue(repo.next_number, state._next_id(), title, body, actor, now, now,
                      labels=labelled, assignees=chosen, milestone=named)
        repo.issues[issue.number] = issue
        state.journal.record(actor, "issue.create", f"{repo.full_name}#{issue.number}")
        return issue


def update_issue(state: GitHubState, repo: Repository, issue: Issue, changes: dict[str, Any],
                 actor: str) -> None:
    """PATCH an issue: title, body, state (``state_reason`` ``completed`` by default or
    ``not_planned`` when closing, ``reopened`` when reopening), labels and assignees
    (replaced). Every field is checked before any is applied."""
    with state.lock:
        refuse_archived(repo)
        new_state = changes.get("state")
        if new_state not in (None, "open", "closed"):
            raise validation_failed({"resource": "Issue", "code": "invalid",
                                     "field": "state"}, docs=f"{DOCS}#update-an-issue")
        reason = changes.get("state_reason")
        if reason not in (None, "completed", "not_planned", "reopened"):
            raise validation_failed({"resource": "Issue", "code": "invalid",
                                     "field": "state_reason"}, docs=f"{DOCS}#update-an-issue")
        title, body = changes.get("title"), changes.get("body")
        if "title" in changes and (not isinstance(title, str) or not title):
            raise validation_failed({"resource": "Issue", "code": "missing_field",
                                     "field": "title"}, docs=f"{DOCS}#update-an-issue")
        assignees = changes.get("assignees")
        chosen = _assignable(state, repo, assignees) if isinstance(assignees, list) else None
        labels = changes.get("labels")
        if labels is not None and not isinstance(labels, list):
            raise validation_failed({"resource": "Issue", "code": "invalid",
                                     "field": "labels"}, docs=f"{DOCS}#update-an-issue")
        if labels is not None:
            _check_label_names(labels)
        milestone = milestone_of(repo, changes["milestone"]) if "milestone" in changes \
            else issue.milestone
        before = issue.copy()
        if issue.pull:
            # Labels, assignees or the milestone alone leave the pull request as it was.
            if (title, body, new_state) != (None, None, None):
                pull: PullRequest = repo.pulls[issue.number]
                update_pull(state, repo, pull, actor=actor, new_state=new_state,
                            title=title if isinstance(title, str) else None,
                            body=body if isinstance(body, str) else None)
        else:
            now = state.clock.now()
            if isinstance(title, str):
                issue.title = title
            if "body" in changes:
                issue.body = body if isinstance(body, str) else None
            if new_state == "closed" and issue.state == "open":
                issue.state, issue.closed_at, issue.closed_by = "closed", now, actor
                issue.state_reason = reason or "completed"
            elif new_state == "open" and issue.state == "closed":
                issue.state, issue.closed_at, issue.closed_by = "open", None, None
                issue.state_reason = "reopened"
            elif reason is not None and issue.state == "closed":
                issue.state_reason = reason
        if labels is not None:
            issue.labels = _labels(state, repo, labels, actor)
        if chosen is not None:
            issue.assignees = chosen
        issue.milestone = milestone
        issue.updated_at = state.clock.now()
        state.journal.record(actor, "issue.update", f"{repo.full_name}#{issue.number}",
                             fields=sorted(changes), actions=_actions(before, issue))


def _actions(before: Issue, after: Issue) -> list[dict[str, Any]]:
    """What an update did, as the ``issues`` webhook event names it (``edited`` with the
    old title and body, ``closed``, ``reopened``, ``labeled`` …); a pull request's title,
    body and state are its own (``pull.*`` changes), its labels, assignees and milestone
    are here."""
    actions: list[dict[str, Any]] = []
    edited = {field: {"from": getattr(before, field)} for field in ("title", "body")
              if getattr(before, field) != getattr(after, field)}
    if edited and not after.pull:
        actions.append({"action": "edited", "changes": edited})
    if before.state != after.state and not after.pull:
        actions.append({"action": "closed" if after.state == "closed" else "reopened"})
    for old, new, added, removed, key in (
            (before.labels, after.labels, "labeled", "unlabeled", "label"),
            (before.assignees, after.assignees, "assigned", "unassigned", "assignee")):
        actions += [{"action": removed, key: name} for name in old if name not in new]
        actions += [{"action": added, key: name} for name in new if name not in old]
    if before.milestone != after.milestone:
        if before.milestone is not None:
            actions.append({"action": "demilestoned", "milestone": before.milestone})
        if after.milestone is not None:
            actions.append({"action": "milestoned", "milestone": after.milestone})
    return actions


# -- labels -------------------------------------------------------------------------------


def find_label(repo: Repository, name: str) -> Label:
    found: Label | None = repo.labels.get(name.lower())
    if found is None:
        raise fail(404, "Not Found", f"{LABELS_DOCS}#get-a-label")
    return found


def _color(color: Any) -> str:
    if not isinstance(color, str) or not _COLOR.fullmatch(color.removeprefix("#")):
        raise validation_failed({"resource": "Label", "code": "invalid", "field": "color"},
                                docs=LABELS_DOCS)
    return color.removeprefix("#").lower()


def create_label(state: GitHubState, repo: Repository, name: str, color: Any,
                 description: str | None, actor: str) -> Label:
    """https://docs.github.com/rest/issues/labels#create-a-label: names are unique without
    regard to case (422 ``already_exists``); ``color`` six hex digits (a leading ``#``
    is dropped)."""
    with state.lock:
        refuse_archived(repo)
        if not name.strip():
            raise validation_failed({"resource": "Label", "code": "missing_field",
                                     "field": "name"}, docs=LABELS_DOCS)
        if name.lower() in repo.labels:
            raise validation_failed({"resource": "Label", "code": "already_exists",
                                     "field": "name"}, docs=LABELS_DOCS)
        label = Label(state._next_id(), name, _color(color), description)
        repo.labels[name.lower()] = label
        state.journal.record(actor, "label.create", repo.full_name, name=name)
        return label


def update_label(state: GitHubState, repo: Repository, label: Label, new_name: Any,
                 color: Any, description: Any, actor: str) -> Label:
    """A rename keeps the label on its issues."""
    with state.lock:
        refuse_archived(repo)
        name = new_name if isinstance(new_name, str) and new_name else label.name
        if name.lower() != label.name.lower() and name.lower() in repo.labels:
            raise validation_failed({"resource": "Label", "code": "already_exists",
                                     "field": "name"}, docs=LABELS_DOCS)
        updated = Label(label.id, name, label.color if color is None else _color(color),
                        description if isinstance(description, str) else label.description)
        del repo.labels[label.name.lower()]
        repo.labels[name.lower()] = updated
        if name.lower() != label.name.lower():
            for issue in repo.issues.values():
                issue.labels = [name.lower() if n == label.name.lower() else n
                                for n in issue.labels]
        state.journal.record(actor, "label.update", repo.full_name, name=name, changes={
            field: {"from": getattr(label, field)} for field in ("name", "color", "description")
            if getattr(label, field) != getattr(updated, field)})
        return updated


def delete_label(state: GitHubState, repo: Repository, label: Label, actor: str) -> None:
    """The label goes from every issue too."""
    with state.lock:
        refuse_archived(repo)
        del repo.labels[label.name.lower()]
        for issue in repo.issues.values():
            if label.name.lower() in issue.labels:
                issue.labels.remove(label.name.lower())
        state.journal.record(actor, "label.delete", repo.full_name, name=label.name,
                             payload=label)


# -- comments ------------------------------------------------------------------------------


def comment_on(state: GitHubState, repo: Repository, issue: Issue, body: str,
               actor: str) -> Comment:
    with state.lock:
        refuse_archived(repo)
        now = state.clock.now()
        comment = Comment(state._next_id(), body, actor, now, now)
        issue.comments.append(comment)
        issue.updated_at = now
        state.journal.record(actor, "issue.comment", f"{repo.full_name}#{issue.number}",
                             comment=comment.id)
        return comment


def find_comment(repo: Repository, comment_id: str) -> tuple[Issue, Comment]:
    for issue in repo.issues.values():
        for comment in issue.comments:
            if str(comment.id) == comment_id:
                return issue, comment
    raise fail(404, "Not Found", f"{COMMENTS_DOCS}#get-an-issue-comment")


def _may_change(state: GitHubState, repo: Repository, comment: Comment, actor: str) -> None:
    """Its author, or who may write to the repository (403 otherwise)."""
    if comment.user != actor and state.role(repo, actor) not in ("write", "maintain",
                                                                 "admin"):
        raise fail(403, docs=COMMENTS_DOCS)


def update_comment(state: GitHubState, repo: Repository, comment: Comment, body: str,
                   actor: str) -> None:
    with state.lock:
        refuse_archived(repo)
        _may_change(state, repo, comment, actor)
        old = comment.body
        comment.body = body
        comment.updated_at = state.clock.now()
        state.journal.record(actor, "issue.comment.update", repo.full_name,
                             comment=comment.id, changes={"body": {"from": old}})


def delete_comment(state: GitHubState, repo: Repository, issue: Issue, comment: Comment,
                   actor: str) -> None:
    with state.lock:
        refuse_archived(repo)
        _may_change(state, repo, comment, actor)
        issue.comments.remove(comment)
        state.journal.record(actor, "issue.comment.delete", repo.full_name,
                             comment=comment.id, issue=issue.number, payload=comment)
