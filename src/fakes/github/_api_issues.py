"""Routes of issues, labels and issue comments, mixed into the REST adapter
(``GitHubAdapter``). The rules are in ``_issues``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fakes._adapter import Call, route
from fakes._http import Request, Response
from fakes.github._api_base import RoutesBase
from fakes.github._auth import NOT_ACCESSIBLE
from fakes.github._errors import fail, validation_failed
from fakes.github._issues import (
    COMMENTS_DOCS,
    DOCS,
    LABELS_DOCS,
    Comment,
    Issue,
    Label,
    comment_on,
    create_issue,
    create_label,
    delete_comment,
    delete_label,
    find_comment,
    find_issue,
    find_label,
    require_issues,
    update_comment,
    update_issue,
    update_label,
)
from fakes.github._model import GitHubState, Repository
from fakes.github._pulls import current_heads

REPO = "/repos/{owner}/{repo}"
ISSUE = REPO + "/issues/{issue_number}"
JSON_TYPE = "application/json; charset=utf-8"
#: Roles that may set labels and assignees ("users with push access"; triage may too).
_TRIAGERS = ("triage", "write", "maintain", "admin")


def _iso(moment: datetime | None) -> str | None:
    from fakes.github._api import _iso as iso

    return iso(moment)


def _node(kind: str, key: object) -> str:
    from fakes.github._api import _node_id

    return _node_id(kind, key)


def _unmodelled(what: str) -> Exception:
    return fail(501, f"verified-fakes: {what} are not modelled by the GitHub fake; see "
                "verified-fakes docs/github.md#not-modelled", DOCS)


def _in_milestone(shown: dict[str, Any] | None, wanted: str | None) -> bool:
    """The list's ``milestone`` filter: a number, ``none`` or ``*`` (any)."""
    if wanted is None:
        return True
    if wanted in ("none", "*"):
        return (shown is None) == (wanted == "none")
    return shown is not None and str(shown["number"]) == wanted


class IssuesRoutes(RoutesBase):
    """Issues (pull requests among them), labels, issue comments."""

    # -- who may ---------------------------------------------------------------------------

    def _signed_in_repo(self, call: Call, write: bool = True) -> Repository:
        """The repository for an issue write: any signed-in user who can read it
        (``issues: write`` for a fine-grained token)."""
        login = self.principal.login
        if login is None:
            raise fail(401, "Requires authentication", DOCS)
        repo = self._repo(call, "read", "issues")
        token = self.principal.token
        if write and token is not None and token.fine_grained and \
                token.level("issues") not in ("write", "admin"):
            raise fail(403, NOT_ACCESSIBLE)
        return repo

    def _triager(self, store: GitHubState, repo: Repository) -> bool:
        return store.role(repo, self.principal.login) in _TRIAGERS

    # -- representations -----------------------------------------------------------------------

    def _label_json(self, request: Request, repo: Repository, label: Label) -> dict[str, Any]:
        return {"id": label.id, "node_id": _node("Label", label.id),
                "url": f"{request.base}/repos/{repo.full_name}/labels/{quote(label.name)}",
                "name": label.name, "color": label.color, "description": label.description,
                "default": False}

    def _labels_of(self, request: Request, repo: Repository, names: Sequence[str]
                   ) -> list[dict[str, Any]]:
        return [self._label_json(request, repo, repo.labels[n]) for n in names
                if n in repo.labels]

    def _issue_json(self, request: Request, store: GitHubState, repo: Repository,
                    issue: Issue) -> dict[str, Any]:
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        url = f"{api}/issues/{issue.number}"
        title, body, state, user = issue.title, issue.body, issue.state, issue.user
        closed_at, created_at, updated_at = issue.closed_at, issue.created_at, issue.updated_at
        reason, closed_by = issue.state_reason, issue.closed_by
        pull = repo.pulls.get(issue.number) if issue.pull else None
        if pull is not None:
            current_heads(repo, pull)
            title, body, state, user = pull.title, pull.body, pull.state, pull.user
            closed_at, created_at = pull.closed_at, pull.created_at
            updated_at = max(pull.updated_at, issue.updated_at)
            reason = None
            closed_by = pull.merged_by if pull.merged_at else None
        assignees = [self._user(request, store.accounts.get(a)) for a in issue.assignees]
        shown: dict[str, Any] = {
            "id": issue.id, "node_id": _node("Issue", issue.id), "url": url,
            "repository_url": api, "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments", "events_url": f"{url}/events",
            "html_url": f"{web}/{'pull' if pull else 'issues'}/{issue.number}",
            "number": issue.number, "state": state, "state_reason": reason, "title": title,
            "body": body, "user": self._user(request, store.accounts.get(user)),
            "labels": self._labels_of(request, repo, issue.labels),
            "assignee": assignees[0] if assignees else None, "assignees": assignees,
            "milestone": self._milestone_json(request, store, repo, issue.milestone),
            "locked": False, "active_lock_reason": None,
            "comments": len(issue.comments), "closed_at": _iso(closed_at),
            "created_at": _iso(created_at), "updated_at": _iso(updated_at),
            "closed_by": self._user(request, store.accounts.get(closed_by or "")),
            "author_association": "OWNER" if user == repo.owner else "NONE",
            "timeline_url": f"{url}/timeline",
        }
        if pull is not None:
            shown["draft"] = pull.draft
            shown["pull_request"] = {
                "url": f"{api}/pulls/{pull.number}", "html_url": f"{web}/pull/{pull.number}",
                "diff_url": f"{web}/pull/{pull.number}.diff",
                "patch_url": f"{web}/pull/{pull.number}.patch",
                "merged_at": _iso(pull.merged_at)}
        return shown

    def _comment_json(self, request: Request, store: GitHubState, repo: Repository,
                      issue: Issue, comment: Comment) -> dict[str, Any]:
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        kind = "pull" if issue.pull else "issues"
        return {
            "id": comment.id, "node_id": _node("IssueComment", comment.id),
            "url": f"{api}/issues/comments/{comment.id}", "body": comment.body,
            "html_url": f"{web}/{kind}/{issue.number}#issuecomment-{comment.id}",
            "user": self._user(request, store.accounts.get(comment.user)),
            "created_at": _iso(comment.created_at), "updated_at": _iso(comment.updated_at),
            "issue_url": f"{api}/issues/{issue.number}",
            "author_association": "OWNER" if comment.user == repo.owner else "NONE",
        }

    # -- issues ------------------------------------------------------------------------------

    @route("POST", REPO + "/issues", "issues/create")
    def issue_create(self, request: Request, call: Call) -> Response:
        repo = self._signed_in_repo(call)
        body = self._json(request)
        title = body.get("title")
        if not isinstance(title, str) or not title:
            raise validation_failed({"resource": "Issue", "code": "missing_field",
                                     "field": "title"}, docs=f"{DOCS}#create-an-issue")
        if body.get("type") is not None:
            raise _unmodelled("issue types")
        text = body.get("body")
        assignees = body.get("assignees") or (
            [body["assignee"]] if isinstance(body.get("assignee"), str) else [])
        labels = body.get("labels") or []
        if not isinstance(assignees, list) or not isinstance(labels, list):
            raise validation_failed({"resource": "Issue", "code": "invalid",
                                     "field": "labels" if not isinstance(labels, list)
                                     else "assignees"}, docs=f"{DOCS}#create-an-issue")
        issue = create_issue(call.store, repo, title, text if isinstance(text, str) else None,
                             labels, assignees, self._triager(call.store, repo), call.actor,
                             body.get("milestone"))
        shown = self._issue_json(request, call.store, repo, issue)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("GET", ISSUE, "issues/get")
    def issue_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "issues")
        issue = find_issue(call.store, repo, call.params["issue_number"])
        return Response.json(200, self._issue_json(request, call.store, repo, issue), (),
                             JSON_TYPE)

    @route("GET", REPO + "/issues", "issues/list-for-repo")
    def issue_list(self, request: Request, call: Call) -> Response:
        """https://docs.github.com/rest/issues/issues#list-repository-issues: open by
        default, pull requests included, newest first; ``state``, ``labels`` (all of
        them), ``assignee`` (a login, ``none``, ``*``), ``creator``, ``sort`` (created,
        updated), ``direction``."""
        repo = self._repo(call, "read", "issues")
        store: GitHubState = call.store
        for unmodelled in ("mentioned", "since", "type"):
            if request.arg(unmodelled) is not None:
                raise _unmodelled(f"issue list filters ({unmodelled})")
        with store.lock:
            require_issues(repo)
            for number in repo.pulls:
                find_issue(store, repo, str(number))
            shown = [self._issue_json(request, store, repo, i) for i in repo.issues.values()]
        wanted = request.arg("state") or "open"
        labels = [n.strip().lower() for n in (request.arg("labels") or "").split(",")
                  if n.strip()]
        assignee, creator = request.arg("assignee"), request.arg("creator")
        milestone = request.arg("milestone")
        sort = request.arg("sort") or "created"
        if wanted not in ("open", "closed", "all") or sort not in ("created", "updated",
                                                                   "comments"):
            raise validation_failed({"resource": "Issue", "code": "invalid",
                                     "field": "state" if wanted not in ("open", "closed",
                                                                        "all") else "sort"},
                                    docs=f"{DOCS}#list-repository-issues")

        def chosen(item: dict[str, Any]) -> bool:
            names = {label["name"].lower() for label in item["labels"]}
            logins = {user["login"] for user in item["assignees"]}
            return (wanted in ("all", item["state"]) and set(labels) <= names
                    and (assignee is None or (assignee == "none" and not logins)
                         or (assignee == "*" and bool(logins)) or assignee in logins)
                    and (creator is None or item["user"]["login"] == creator)
                    and _in_milestone(item["milestone"], milestone))

        key = {"created": lambda i: (i["created_at"], i["number"]),
               "updated": lambda i: (i["updated_at"], i["number"]),
               "comments": lambda i: (i["comments"], i["number"])}[sort]
        listed = sorted(filter(chosen, shown), key=key,
                        reverse=request.arg("direction") != "asc")
        page, headers = self._page(request, listed)
        return Response.json(200, list(page), headers, JSON_TYPE)

    @route("PATCH", ISSUE, "issues/update")
    def issue_update(self, request: Request, call: Call) -> Response:
        """Its author or a triager may edit an issue; labels and assignees are set only by
        triagers (dropped silently for others, as the docs say)."""
        repo = self._signed_in_repo(call)
        store: GitHubState = call.store
        issue = find_issue(store, repo, call.params["issue_number"])
        body = self._json(request)
        if body.get("type") is not None:
            raise _unmodelled("issue types")
        triager = self._triager(store, repo)
        author = repo.pulls[issue.number].user if issue.pull else issue.user
        if not triager and author != call.actor:
            raise fail(403, docs=f"{DOCS}#update-an-issue")
        changes = {k: v for k, v in body.items()
                   if k in ("title", "body", "state", "state_reason")
                   or (triager and k in ("labels", "assignees", "milestone"))}
        if triager and isinstance(body.get("assignee"), str) and "assignees" not in body:
            changes["assignees"] = [body["assignee"]]
        update_issue(store, repo, issue, changes, call.actor)
        return Response.json(200, self._issue_json(request, store, repo, issue), (),
                             JSON_TYPE)

    # -- labels ----------------------------------------------------------------------------

    @route("GET", REPO + "/labels", "issues/list-labels-for-repo")
    def label_list(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "issues")
        labels = sorted(repo.labels.values(), key=lambda label: label.name.lower())
        page, headers = self._page(request, labels)
        return Response.json(200, [self._label_json(request, repo, label) for label in page],
                             headers, JSON_TYPE)

    @route("POST", REPO + "/labels", "issues/create-label")
    def label_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "issues")
        body = self._json(request)
        name, description = body.get("name"), body.get("description")
        if not isinstance(name, str):
            raise validation_failed({"resource": "Label", "code": "missing_field",
                                     "field": "name"}, docs=f"{LABELS_DOCS}#create-a-label")
        label = create_label(call.store, repo, name, body.get("color", "ededed"),
                             description if isinstance(description, str) else None,
                             call.actor)
        shown = self._label_json(request, repo, label)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("GET", REPO + "/labels/{name}", "issues/get-label")
    def label_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "issues")
        label = find_label(repo, call.params["name"])
        return Response.json(200, self._label_json(request, repo, label), (), JSON_TYPE)

    @route("PATCH", REPO + "/labels/{name}", "issues/update-label")
    def label_update(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "issues")
        label = find_label(repo, call.params["name"])
        body = self._json(request)
        updated = update_label(call.store, repo, label, body.get("new_name"),
                               body.get("color"), body.get("description"), call.actor)
        return Response.json(200, self._label_json(request, repo, updated), (), JSON_TYPE)

    @route("DELETE", REPO + "/labels/{name}", "issues/delete-label")
    def label_delete(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "issues")
        delete_label(call.store, repo, find_label(repo, call.params["name"]), call.actor)
        return Response(204)

    # -- the labels of an issue ------------------------------------------------------------

    def _issue_labels(self, request: Request, call: Call, write: bool
                      ) -> tuple[Repository, Issue]:
        repo = self._repo(call, "write" if write else "read", "issues")
        return repo, find_issue(call.store, repo, call.params["issue_number"])

    def _labels_answer(self, request: Request, repo: Repository, issue: Issue) -> Response:
        return Response.json(200, self._labels_of(request, repo, issue.labels), (), JSON_TYPE)

    def _names(self, request: Request) -> list[Any]:
        """``{"labels": [...]}`` or the list itself (both documented)."""
        body = self._document(request)
        names = body.get("labels") if isinstance(body, dict) else body
        if not isinstance(names, list) or any(isinstance(n, dict) for n in names):
            raise validation_failed({"resource": "Label", "code": "invalid",
                                     "field": "labels"}, docs=f"{LABELS_DOCS}#add-labels-"
                                    "to-an-issue")
        return names

    @route("GET", ISSUE + "/labels", "issues/list-labels-on-issue")
    def issue_labels(self, request: Request, call: Call) -> Response:
        repo, issue = self._issue_labels(request, call, False)
        return self._labels_answer(request, repo, issue)

    @route("POST", ISSUE + "/labels", "issues/add-labels")
    def issue_labels_add(self, request: Request, call: Call) -> Response:
        repo, issue = self._issue_labels(request, call, True)
        update_issue(call.store, repo, issue,
                     {"labels": [*issue.labels, *self._names(request)]}, call.actor)
        return self._labels_answer(request, repo, issue)

    @route("PUT", ISSUE + "/labels", "issues/set-labels")
    def issue_labels_set(self, request: Request, call: Call) -> Response:
        repo, issue = self._issue_labels(request, call, True)
        update_issue(call.store, repo, issue, {"labels": self._names(request)}, call.actor)
        return self._labels_answer(request, repo, issue)

    @route("DELETE", ISSUE + "/labels", "issues/remove-all-labels")
    def issue_labels_clear(self, request: Request, call: Call) -> Response:
        repo, issue = self._issue_labels(request, call, True)
        update_issue(call.store, repo, issue, {"labels": []}, call.actor)
        return Response(204)

    @route("DELETE", ISSUE + "/labels/{name}", "issues/remove-label")
    def issue_label_remove(self, request: Request, call: Call) -> Response:
        """404 ``Label does not exist`` when the issue does not carry it."""
        repo, issue = self._issue_labels(request, call, True)
        name = call.params["name"].lower()
        if name not in issue.labels:
            raise fail(404, "Label does not exist", f"{LABELS_DOCS}#remove-a-label-from-an-"
                       "issue")
        update_issue(call.store, repo, issue,
                     {"labels": [n for n in issue.labels if n != name]}, call.actor)
        return self._labels_answer(request, repo, issue)

    # -- comments -----------------------------------------------------------------------------

    @route("GET", ISSUE + "/comments", "issues/list-comments")
    def comment_list(self, request: Request, call: Call) -> Response:
        """Oldest first (https://docs.github.com/rest/issues/comments#list-issue-comments)."""
        repo = self._repo(call, "read", "issues")
        issue = find_issue(call.store, repo, call.params["issue_number"])
        page, headers = self._page(request, issue.comments)
        return Response.json(200, [self._comment_json(request, call.store, repo, issue, c)
                                   for c in page], headers, JSON_TYPE)

    @route("POST", ISSUE + "/comments", "issues/create-comment")
    def comment_create(self, request: Request, call: Call) -> Response:
        repo = self._signed_in_repo(call)
        issue = find_issue(call.store, repo, call.params["issue_number"])
        text = self._json(request).get("body")
        if not isinstance(text, str) or not text:
            raise validation_failed({"resource": "IssueComment", "code": "missing_field",
                                     "field": "body"},
                                    docs=f"{COMMENTS_DOCS}#create-an-issue-comment")
        comment = comment_on(call.store, repo, issue, text, call.actor)
        shown = self._comment_json(request, call.store, repo, issue, comment)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("GET", REPO + "/issues/comments/{comment_id}", "issues/get-comment")
    def comment_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "issues")
        issue, comment = find_comment(repo, call.params["comment_id"])
        return Response.json(200, self._comment_json(request, call.store, repo, issue,
                                                     comment), (), JSON_TYPE)

    @route("PATCH", REPO + "/issues/comments/{comment_id}", "issues/update-comment")
    def comment_update(self, request: Request, call: Call) -> Response:
        repo = self._signed_in_repo(call)
        issue, comment = find_comment(repo, call.params["comment_id"])
        text = self._json(request).get("body")
        if not isinstance(text, str) or not text:
            raise validation_failed({"resource": "IssueComment", "code": "missing_field",
                                     "field": "body"},
                                    docs=f"{COMMENTS_DOCS}#update-an-issue-comment")
        update_comment(call.store, repo, comment, text, call.actor)
        return Response.json(200, self._comment_json(request, call.store, repo, issue,
                                                     comment), (), JSON_TYPE)

    @route("DELETE", REPO + "/issues/comments/{comment_id}", "issues/delete-comment")
    def comment_delete(self, request: Request, call: Call) -> Response:
        repo = self._signed_in_repo(call)
        issue, comment = find_comment(repo, call.params["comment_id"])
        delete_comment(call.store, repo, issue, comment, call.actor)
        return Response(204)
