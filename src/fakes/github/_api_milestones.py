"""Routes of milestones, mixed into the REST adapter (``GitHubAdapter``). The rules are
in ``_milestones``.
"""

from __future__ import annotations

from typing import Any

from fakes._adapter import Call, route
from fakes._http import Request, Response
from fakes.github._api_base import RoutesBase
from fakes.github._errors import validation_failed
from fakes.github._milestones import (
    DOCS,
    Milestone,
    create_milestone,
    delete_milestone,
    find_milestone,
    issue_counts,
    update_milestone,
)
from fakes.github._model import GitHubState, Repository

REPO = "/repos/{owner}/{repo}"
MILESTONE = REPO + "/milestones/{milestone_number}"
JSON_TYPE = "application/json; charset=utf-8"
_FIELDS = ("title", "state", "description", "due_on")


class MilestonesRoutes(RoutesBase):
    """Milestones: create, get, list, update, delete."""

    def _milestone_json(self, request: Request, store: GitHubState, repo: Repository,
                        number: int | Milestone | None) -> dict[str, Any] | None:
        """The milestone ``number`` of ``repo`` (or one deleted) as GitHub shows it (None
        for none)."""
        from fakes.github._api import _iso, _node_id

        milestone = number if isinstance(number, Milestone) else (
            repo.milestones.get(number) if number is not None else None)
        if milestone is None:
            return None
        url = f"{request.base}/repos/{repo.full_name}/milestones/{milestone.number}"
        open_issues, closed_issues = issue_counts(repo, milestone.number)
        return {
            "url": url, "labels_url": f"{url}/labels",
            "html_url": f"{request.origin}/{repo.full_name}/milestone/{milestone.number}",
            "id": milestone.id, "node_id": _node_id("Milestone", milestone.id),
            "number": milestone.number, "state": milestone.state, "title": milestone.title,
            "description": milestone.description,
            "creator": self._user(request, store.accounts.get(milestone.creator)),
            "open_issues": open_issues, "closed_issues": closed_issues,
            "created_at": _iso(milestone.created_at), "updated_at": _iso(milestone.updated_at),
            "closed_at": _iso(milestone.closed_at), "due_on": _iso(milestone.due_on),
        }

    def _milestone_answer(self, request: Request, call: Call, repo: Repository,
                          milestone: Milestone, status: int = 200) -> Response:
        shown = self._milestone_json(request, call.store, repo, milestone.number)
        headers = [("Location", shown["url"])] if shown and status == 201 else []
        return Response.json(status, shown, headers, JSON_TYPE)

    @route("GET", REPO + "/milestones", "issues/list-milestones")
    def milestone_list(self, request: Request, call: Call) -> Response:
        """https://docs.github.com/rest/issues/milestones#list-milestones: open by default;
        ``sort`` ``due_on`` (the default; without a due date last, inferred) or
        ``completeness`` (the share of closed issues), ``direction`` asc by default."""
        repo = self._repo(call, "read", "issues")
        wanted = request.arg("state") or "open"
        sort = request.arg("sort") or "due_on"
        direction = request.arg("direction") or "asc"
        for field, value, allowed in (("state", wanted, ("open", "closed", "all")),
                                      ("sort", sort, ("due_on", "completeness")),
                                      ("direction", direction, ("asc", "desc"))):
            if value not in allowed:
                raise validation_failed({"resource": "Milestone", "code": "invalid",
                                         "field": field}, docs=f"{DOCS}#list-milestones")
        with call.store.lock:
            chosen = [m for m in repo.milestones.values() if wanted in ("all", m.state)]

            def completeness(milestone: Milestone) -> tuple[float, int]:
                opened, closed = issue_counts(repo, milestone.number)
                return (closed / (opened + closed) if opened + closed else 0.0,
                        milestone.number)

            def due(milestone: Milestone) -> tuple[bool, str, int]:
                moment = milestone.due_on.isoformat() if milestone.due_on else ""
                return (milestone.due_on is None, moment, milestone.number)

            if sort == "due_on":
                ordered = sorted(chosen, key=due, reverse=direction == "desc")
            else:
                ordered = sorted(chosen, key=completeness, reverse=direction == "desc")
            page, headers = self._page(request, ordered)
            shown = [self._milestone_json(request, call.store, repo, m.number) for m in page]
        return Response.json(200, shown, headers, JSON_TYPE)

    @route("POST", REPO + "/milestones", "issues/create-milestone")
    def milestone_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "issues")
        body = self._json(request)
        milestone = create_milestone(call.store, repo,
                                     {k: v for k, v in body.items() if k in _FIELDS},
                                     call.actor)
        return self._milestone_answer(request, call, repo, milestone, 201)

    @route("GET", MILESTONE, "issues/get-milestone")
    def milestone_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "issues")
        return self._milestone_answer(request, call, repo,
                                      find_milestone(repo, call.params["milestone_number"]))

    @route("PATCH", MILESTONE, "issues/update-milestone")
    def milestone_update(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "issues")
        milestone = find_milestone(repo, call.params["milestone_number"])
        body = self._json(request)
        updated = update_milestone(call.store, repo, milestone,
                                   {k: v for k, v in body.items() if k in _FIELDS},
                                   call.actor)
        return self._milestone_answer(request, call, repo, updated)

    @route("DELETE", MILESTONE, "issues/delete-milestone")
    def milestone_delete(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "issues")
        delete_milestone(call.store, repo, find_milestone(repo, call.params["milestone_number"]),
                         call.actor)
        return Response(204)
