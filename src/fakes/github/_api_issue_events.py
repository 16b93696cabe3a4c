"""The webhook events of the issues surface and of repository settings, mixed into the
REST adapter: ``issues``, ``issue_comment``, ``label``, ``milestone`` and ``repository``
(https://docs.github.com/webhooks/webhook-events-and-payloads), read from the journal
as the push and pull request events are (``_api_hooks``).

A pull request's issue side sends no ``issues`` events: its labels, assignees and
milestone are ``pull_request`` events (``labeled``, ``assigned``, ``milestoned`` …), the
rest of its changes are the pull request's own. Reactions are not modelled, so an
event's issue shows none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fakes._http import Request
from fakes._journal import Change
from fakes.github._api_base import RoutesBase
from fakes.github._model import Repository

if TYPE_CHECKING:
    from fakes.github._issues import Comment, Issue

__all__ = ["IssueEvents"]

_REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")


def _with_no_reactions(shown: dict[str, Any]) -> dict[str, Any]:
    """An event's issue or comment: no reactions (not modelled), no app acted for it."""
    return {**shown, "performed_via_github_app": None,
            "reactions": {"url": f"{shown['url']}/reactions", "total_count": 0,
                          **dict.fromkeys(_REACTIONS, 0)}}


class IssueEvents(RoutesBase):
    """Builds and delivers the events of one journal change of the issues surface."""

    def _event_issue(self, request: Request, repo: Repository, issue: Issue
                     ) -> dict[str, Any]:
        return _with_no_reactions(self._issue_json(request, self.store, repo, issue))

    def issue_event(self, request: Request, repo: Repository, change: Change) -> bool:
        """Deliver the events of ``change``; False when it is none of this surface's."""
        kind = change.operation.split(".")[0]
        if kind in ("issue", "label", "milestone", "repo", "review_request"):
            handler = {"issue": self._issues, "label": self._label,
                       "milestone": self._milestone, "repo": self._repository,
                       "review_request": self._review_requests}[kind]
            handler(request, repo, change, change.detail)
            return True
        return False

    def _issues(self, request: Request, repo: Repository, change: Change,
                detail: Mapping[str, Any]) -> None:
        from fakes.github._issues import Comment

        number = change.resource.partition("#")[2] or detail.get("issue")
        issue: Issue | None = repo.issues.get(int(number)) if number else next(
            (i for i in repo.issues.values()
             if any(c.id == detail.get("comment") for c in i.comments)), None)
        if issue is None:
            return
        if change.operation.startswith("issue.comment"):
            comment: Comment | None = change.payload if isinstance(change.payload, Comment) \
                else next((c for c in issue.comments if c.id == detail.get("comment")), None)
            if comment is None:
                return
            action = {"issue.comment": "created", "issue.comment.update": "edited",
                      "issue.comment.delete": "deleted"}[change.operation]
            payload: dict[str, Any] = {
                "action": action, "issue": self._event_issue(request, repo, issue),
                "comment": _with_no_reactions(
                    self._comment_json(request, self.store, repo, issue, comment))}
            if action == "edited":
                payload["changes"] = detail["changes"]
            self._deliver(request, repo, "issue_comment", change.actor, payload)
            return
        actions: list[dict[str, Any]] = [{"action": "opened"}] \
            if change.operation == "issue.create" else list(detail.get("actions", ()))
        for one in actions:
            if issue.pull:
                event = "pull_request"
                payload = {"action": one["action"], "number": issue.number,
                           "pull_request": self._pull_json(
                               request, self.store, repo, repo.pulls[issue.number], True,
                               compute=False)}
            else:
                event = "issues"
                payload = {"action": one["action"],
                           "issue": self._event_issue(request, repo, issue)}
            if "changes" in one:
                payload["changes"] = one["changes"]
            if "label" in one and one["label"] in repo.labels:
                payload["label"] = self._label_json(request, repo, repo.labels[one["label"]])
            if "assignee" in one:
                payload["assignee"] = self._user(request, self.store.accounts.get(
                    one["assignee"]))
            if "milestone" in one:
                payload["milestone"] = self._milestone_json(request, self.store, repo,
                                                            one["milestone"])
                if payload["milestone"] is None:
                    continue  # deleted since: GitHub's event names a milestone that exists
            self._deliver(request, repo, event, change.actor, payload)

    def _review_requests(self, request: Request, repo: Repository, change: Change,
                         detail: Mapping[str, Any]) -> None:
        """``pull_request`` ``review_requested`` and ``review_request_removed``: one event
        per user (``requested_reviewer``) or team (``requested_team``) named."""
        from fakes.github._api_teams import team_json

        pull = repo.pulls.get(int(change.resource.partition("#")[2]))
        if pull is None:
            return
        action = "review_request_removed" if change.operation.endswith("delete") \
            else "review_requested"
        named: list[tuple[str, dict[str, Any] | None]] = [
            *(("requested_reviewer", self._user(request, self.store.accounts.get(login)))
              for login in detail.get("reviewers", ())),
            *(("requested_team", team_json(request, self.store, repo, slug))
              for slug in detail.get("teams", ()))]
        for key, shown in named:
            self._deliver(request, repo, "pull_request", change.actor, {
                "action": action, "number": pull.number, key: shown,
                "pull_request": self._pull_json(request, self.store, repo, pull, True,
                                                compute=False)})

    def _label(self, request: Request, repo: Repository, change: Change,
               detail: Mapping[str, Any]) -> None:
        from fakes.github._issues import Label

        name = str(detail.get("name", "")).lower()
        label = change.payload if isinstance(change.payload, Label) else repo.labels.get(name)
        if label is None:
            return
        action = change.operation.removeprefix("label.") + "d"  # created, updated, deleted
        payload: dict[str, Any] = {"action": "edited" if action == "updated" else action,
                                   "label": self._label_json(request, repo, label)}
        if action == "updated":
            payload["changes"] = detail.get("changes", {})
        self._deliver(request, repo, "label", change.actor, payload)

    def _milestone(self, request: Request, repo: Repository, change: Change,
                   detail: Mapping[str, Any]) -> None:
        from fakes.github._milestones import Milestone

        deleted = change.payload if isinstance(change.payload, Milestone) else None
        shown = self._milestone_json(request, self.store, repo,
                                     deleted or int(detail.get("number", 0)))
        if shown is None:
            return
        actions = {"milestone.create": ["created"], "milestone.delete": ["deleted"]}.get(
            change.operation, detail.get("actions", []))
        for action in actions:
            payload: dict[str, Any] = {"action": action, "milestone": shown}
            if action == "edited":
                payload["changes"] = detail.get("changes", {})
            self._deliver(request, repo, "milestone", change.actor, payload)

    def _repository(self, request: Request, repo: Repository, change: Change,
                    detail: Mapping[str, Any]) -> None:
        was = detail.get("was")
        if change.operation != "repo.update" or not isinstance(was, Mapping):
            return
        now = {"name": repo.name, "description": repo.description,
               "homepage": repo.settings.homepage, "default_branch": repo.default_branch,
               "private": repo.private, "archived": repo.settings.archived}
        events: list[dict[str, Any]] = []
        if was["name"] != now["name"]:
            events.append({"action": "renamed",
                           "changes": {"repository": {"name": {"from": was["name"]}}}})
        edited = {field: {"from": was[field]}
                  for field in ("default_branch", "description", "homepage")
                  if was[field] != now[field]}
        if edited:
            events.append({"action": "edited", "changes": edited})
        if was["private"] != now["private"]:
            events.append({"action": "privatized" if now["private"] else "publicized"})
        if was["archived"] != now["archived"]:
            events.append({"action": "archived" if now["archived"] else "unarchived"})
        for payload in events:
            self._deliver(request, repo, "repository", change.actor, payload)
