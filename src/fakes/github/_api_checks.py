"""Routes of commit statuses, check runs and suites, reviews and review requests, mixed
into the REST adapter (``GitHubAdapter``). The rules are in ``_checks``, ``_reviews`` and
``_gates``; the simulated CI (``_ci``) is settled before and fed after every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fakes._adapter import Call, Route, route
from fakes._faults import Faults
from fakes._http import Request, Response
from fakes.github._api_hooks import HooksRoutes
from fakes.github._api_teams import requested_teams_json
from fakes.github._checks import (
    CheckRun,
    CheckSuite,
    Review,
    Status,
    combined_state,
    create_check_run,
    create_status,
    get_check_run,
    latest_statuses,
    suite_state,
    update_check_run,
)
from fakes.github._ci import CI
from fakes.github._errors import fail, validation_failed
from fakes.github._model import GitHubState, Repository
from fakes.github._pulls import PullRequest, current_heads, get_pull
from fakes.github._reviews import (
    create_review,
    dismiss_review,
    find_review,
    request_reviewers,
    reviews_of,
    submit_review,
)
from fakes.github._settings import refuse_archived
from fakes.github._teams import check_team_reviewers, request_teams

if TYPE_CHECKING:
    pass

REPO = "/repos/{owner}/{repo}"
PULL = REPO + "/pulls/{pull_number}"
JSON_TYPE = "application/json; charset=utf-8"
COMMITS_DOCS = "https://docs.github.com/rest/commits/commits"


def _unmodelled(what: str) -> Exception:
    """A request that asks for something the fake does not model answers 501, never a
    success that silently drops it."""
    return fail(501, f"verified-fakes: {what} are not modelled by the GitHub fake; see "
                "verified-fakes docs/github.md#not-modelled")


def _no_annotations(body: Mapping[str, Any]) -> Mapping[str, Any]:
    output = body.get("output")
    if isinstance(output, Mapping) and (output.get("annotations") or output.get("images")):
        raise _unmodelled("check run annotations and images")
    if body.get("actions"):
        raise _unmodelled("check run actions")
    return body


def _iso(moment: datetime | None) -> str | None:
    from fakes.github._api import _iso as iso

    return iso(moment)


def _node(kind: str, key: object) -> str:
    from fakes.github._api import _node_id

    return _node_id(kind, key)


class ChecksRoutes(HooksRoutes):
    """Statuses, checks, reviews: the routes and their representations (what they use
    of GitHubAdapter is declared on HooksRoutes)."""

    def __init__(self, store: GitHubState, faults: Faults) -> None:
        super().__init__(store, faults)
        self.ci = CI(store)

    def reset(self) -> None:
        super().reset()
        self.ci.clear()

    def respond(self, request: Request, found: tuple[Route, dict[str, str]] | None) -> Response:
        self.ci.settle()
        try:
            return super().respond(request, found)
        finally:
            self.ci.observe()
            self.emit_events(request)

    # -- helpers ---------------------------------------------------------------------------

    def _commit_of(self, call: Call, repo: Repository) -> str:
        ref = call.params["ref"]
        sha = call.store.resolve(repo, ref)
        if sha is None:
            # 404, as the combined status documents it; the message is get-commit's.
            raise fail(404, f"No commit found for SHA: {ref}", COMMITS_DOCS)
        return str(sha)

    def _app_of(self) -> str | None:
        token = self.principal.token
        return None if token is None or token.app is None else token.login

    def _status_json(self, request: Request, repo: Repository, status: Status,
                     simple: bool = False) -> dict[str, Any]:
        creator = self.store.accounts.get(status.creator)
        shown: dict[str, Any] = {
            "url": f"{request.base}/repos/{repo.full_name}/statuses/{status.sha}",
            "avatar_url": f"{request.origin}/avatars/{status.creator}",
            "id": status.id, "node_id": _node("StatusContext", status.id),
            "state": status.state, "description": status.description,
            "target_url": status.target_url, "context": status.context,
            "created_at": _iso(status.created_at), "updated_at": _iso(status.updated_at),
        }
        if not simple:
            shown["creator"] = self._user(request, creator)
        else:
            shown["required"] = None
        return shown

    def _app_json(self, request: Request, bot: str) -> dict[str, Any] | None:
        account = self.store.accounts.get(bot)
        if account is None:
            return None
        slug = bot.removesuffix("[bot]")
        return {"id": account.id, "slug": slug, "node_id": _node("Integration", account.id),
                "owner": self._user(request, account), "name": slug, "description": None,
                "external_url": f"{request.origin}/apps/{slug}",
                "html_url": f"{request.origin}/apps/{slug}",
                "created_at": _iso(account.created_at), "updated_at": _iso(account.created_at),
                "permissions": {"checks": "write", "statuses": "write", "metadata": "read",
                                "contents": "write", "pull_requests": "write"},
                "events": []}

    def _pulls_at(self, request: Request, repo: Repository, sha: str) -> list[dict[str, Any]]:
        shown = []
        api = f"{request.base}/repos/{repo.full_name}"
        small = {"id": repo.id, "url": api, "name": repo.name}
        for pull in sorted(repo.pulls.values(), key=lambda p: p.number):
            base_sha, head_sha = current_heads(repo, pull)
            if pull.state == "open" and head_sha == sha:
                shown.append({"id": pull.id, "number": pull.number,
                              "url": f"{api}/pulls/{pull.number}",
                              "head": {"ref": pull.head, "sha": head_sha, "repo": small},
                              "base": {"ref": pull.base, "sha": base_sha, "repo": small}})
        return shown

    def _run_json(self, request: Request, repo: Repository, run: CheckRun) -> dict[str, Any]:
        url = f"{request.base}/repos/{repo.full_name}/check-runs/{run.id}"
        return {
            "id": run.id, "node_id": _node("CheckRun", run.id), "head_sha": run.head_sha,
            "external_id": run.external_id or "", "url": url,
            "html_url": f"{request.origin}/{repo.full_name}/runs/{run.id}",
            "details_url": run.details_url, "status": run.status, "conclusion": run.conclusion,
            "started_at": _iso(run.started_at), "completed_at": _iso(run.completed_at),
            "output": {"title": run.title, "summary": run.summary, "text": run.text,
                       "annotations_count": 0, "annotations_url": f"{url}/annotations"},
            "name": run.name, "check_suite": {"id": run.suite},
            "app": self._app_json(request, run.app),
            "pull_requests": self._pulls_at(request, repo, run.head_sha),
        }

    def _suite_json(self, request: Request, repo: Repository, suite: CheckSuite
                    ) -> dict[str, Any]:
        api = f"{request.base}/repos/{repo.full_name}"
        status, conclusion = suite_state(repo, suite)
        commit = repo.git.commit(suite.head_sha)
        assert commit is not None
        author, _, email = commit.author.decode(errors="replace").partition(" <")
        committer, _, cemail = commit.committer.decode(errors="replace").partition(" <")
        runs = [r for r in repo.flow.runs.values() if r.suite == suite.id]
        return {
            "id": suite.id, "node_id": _node("CheckSuite", suite.id),
            "head_branch": suite.head_branch, "head_sha": suite.head_sha, "status": status,
            "conclusion": conclusion, "url": f"{api}/check-suites/{suite.id}",
            "before": None, "after": suite.head_sha,
            "pull_requests": self._pulls_at(request, repo, suite.head_sha),
            "app": self._app_json(request, suite.app),
            "repository": self._repo_json(request, self.store, repo),
            "created_at": _iso(suite.created_at), "updated_at": _iso(suite.updated_at),
            "head_commit": {
                "id": suite.head_sha, "tree_id": commit.tree.decode(),
                "message": commit.message.decode(errors="replace"),
                "timestamp": _iso(datetime.fromtimestamp(commit.commit_time).astimezone()),
                "author": {"name": author, "email": email.rstrip(">")},
                "committer": {"name": committer, "email": cemail.rstrip(">")}},
            "latest_check_runs_count": len(runs),
            "check_runs_url": f"{api}/check-suites/{suite.id}/check-runs",
            "rerequestable": False, "runs_rerequestable": False,
        }

    def _review_json(self, request: Request, repo: Repository, pull: PullRequest,
                     review: Review) -> dict[str, Any]:
        api = f"{request.base}/repos/{repo.full_name}/pulls/{pull.number}"
        html = f"{request.origin}/{repo.full_name}/pull/{pull.number}"
        shown = {
            "id": review.id, "node_id": _node("PullRequestReview", review.id),
            "user": self._user(request, self.store.accounts.get(review.user)),
            "body": review.body, "state": review.state,
            "html_url": f"{html}#pullrequestreview-{review.id}", "pull_request_url": api,
            "_links": {"html": {"href": f"{html}#pullrequestreview-{review.id}"},
                       "pull_request": {"href": api}},
            "commit_id": review.commit_id,
            "author_association": "OWNER" if review.user == repo.owner else (
                "COLLABORATOR" if review.user in repo.collaborators else "CONTRIBUTOR"),
        }
        if review.submitted_at is not None:  # a pending review has not been submitted
            shown["submitted_at"] = _iso(review.submitted_at)
        return shown

    # -- statuses --------------------------------------------------------------------------

    @route("POST", REPO + "/statuses/{sha}", "repos/create-commit-status")
    def status_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "statuses")
        status = create_status(call.store, repo, call.params["sha"], self._json(request),
                               call.actor)
        return self._ok(201, self._status_json(request, repo, status))

    @route("GET", REPO + "/commits/{ref:path}/statuses", "repos/list-commit-statuses-for-ref")
    @route("GET", REPO + "/statuses/{ref:path}", "repos/list-commit-statuses-for-ref")
    def status_list(self, request: Request, call: Call) -> Response:
        """Every status of the commit, newest first. ``GET statuses/{ref}`` is the legacy
        path of the same list that GitHub still serves and PyGithub's
        ``Commit.get_statuses`` uses; the description lists only the new one."""
        repo = self._repo(call, "read", "statuses")
        sha = self._commit_of(call, repo)
        statuses = [s for s in reversed(repo.flow.statuses) if s.sha == sha]
        page, headers = self._page(request, statuses)
        return self._ok(200, [self._status_json(request, repo, s) for s in page], headers)

    @route("GET", REPO + "/commits/{ref:path}/status", "repos/get-combined-status-for-ref")
    def status_combined(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "statuses")
        sha = self._commit_of(call, repo)
        latest = latest_statuses(repo, sha)
        page, headers = self._page(request, latest)
        api = f"{request.base}/repos/{repo.full_name}"
        return self._ok(200, {
            "state": combined_state(latest), "sha": sha, "total_count": len(latest),
            "statuses": [self._status_json(request, repo, s, simple=True) for s in page],
            "repository": self._repo_json(request, call.store, repo),
            "commit_url": f"{api}/commits/{sha}", "url": f"{api}/commits/{sha}/status",
        }, headers)

    # -- check runs and suites ---------------------------------------------------------------

    @route("POST", REPO + "/check-runs", "checks/create")
    def check_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "checks")
        run = create_check_run(call.store, repo, self._app_of(),
                               _no_annotations(self._json(request)), call.actor)
        return self._ok(201, self._run_json(request, repo, run))

    @route("PATCH", REPO + "/check-runs/{check_run_id}", "checks/update")
    def check_update(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "checks")
        run = get_check_run(repo, call.params["check_run_id"])
        update_check_run(call.store, repo, run, self._app_of(),
                         _no_annotations(self._json(request)), call.actor)
        return self._ok(200, self._run_json(request, repo, repo.flow.runs[run.id]))

    @route("GET", REPO + "/check-runs/{check_run_id}", "checks/get")
    def check_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "checks")
        run = get_check_run(repo, call.params["check_run_id"])
        return self._ok(200, self._run_json(request, repo, run))

    @route("GET", REPO + "/commits/{ref:path}/check-runs", "checks/list-for-ref")
    def check_list(self, request: Request, call: Call) -> Response:
        """The latest run of each name (``filter=latest``, the default) or all
        (``filter=all``), newest first; ``check_name`` and ``status`` narrow it."""
        repo = self._repo(call, "read", "checks")
        sha = self._commit_of(call, repo)
        runs = sorted((r for r in repo.flow.runs.values() if r.head_sha == sha),
                      key=lambda r: -r.id)
        if request.arg("filter") != "all":
            runs = [r for r in runs if r is next(o for o in runs if o.name == r.name
                                                 and o.app == r.app)]
        name, status = request.arg("check_name"), request.arg("status")
        runs = [r for r in runs if name in (None, r.name) and status in (None, r.status)]
        page, headers = self._page(request, runs)
        return self._ok(200, {"total_count": len(runs),
                              "check_runs": [self._run_json(request, repo, r) for r in page]},
                        headers)

    @route("GET", REPO + "/check-suites/{check_suite_id}", "checks/get-suite")
    def suite_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "checks")
        number = call.params["check_suite_id"]
        suite = repo.flow.suites.get(int(number)) if number.isdigit() else None
        if suite is None:
            raise fail(404, "Not Found", "https://docs.github.com/rest/checks/suites")
        return self._ok(200, self._suite_json(request, repo, suite))

    @route("GET", REPO + "/commits/{ref:path}/check-suites", "checks/list-suites-for-ref")
    def suite_list(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "checks")
        sha = self._commit_of(call, repo)
        suites = [s for s in repo.flow.suites.values() if s.head_sha == sha]
        page, headers = self._page(request, suites)
        return self._ok(200, {"total_count": len(suites),
                              "check_suites": [self._suite_json(request, repo, s)
                                               for s in page]}, headers)

    # -- reviews ----------------------------------------------------------------------------

    def _pull(self, call: Call, need: str) -> tuple[Repository, PullRequest]:
        repo = self._repo(call, need, "pull_requests")
        if call.route.method != "GET":
            refuse_archived(repo)  # readers review too, but not in an archived repository
        return repo, get_pull(repo, call.params["pull_number"])

    @route("POST", PULL + "/reviews", "pulls/create-review")
    def review_create(self, request: Request, call: Call) -> Response:
        repo, pull = self._pull(call, "read")
        body = self._json(request)
        if body.get("comments"):
            raise _unmodelled("review comments")
        text, commit = body.get("body"), body.get("commit_id")
        review = create_review(call.store, repo, pull, body.get("event"),
                               text if isinstance(text, str) else "",
                               commit if isinstance(commit, str) else None, call.actor)
        return self._ok(200, self._review_json(request, repo, pull, review))

    @route("GET", PULL + "/reviews", "pulls/list-reviews")
    def review_list(self, request: Request, call: Call) -> Response:
        """Submitted reviews, oldest first (and the caller's own pending one)."""
        repo, pull = self._pull(call, "read")
        reviews = [r for r in reviews_of(call.store, repo, pull)
                   if r.state != "PENDING" or r.user == call.actor]
        page, headers = self._page(request, reviews)
        return self._ok(200, [self._review_json(request, repo, pull, r) for r in page],
                        headers)

    @route("GET", PULL + "/reviews/{review_id}", "pulls/get-review")
    def review_get(self, request: Request, call: Call) -> Response:
        repo, pull = self._pull(call, "read")
        review = find_review(call.store, repo, pull, call.params["review_id"])
        return self._ok(200, self._review_json(request, repo, pull, review))

    @route("POST", PULL + "/reviews/{review_id}/events", "pulls/submit-review")
    def review_submit(self, request: Request, call: Call) -> Response:
        repo, pull = self._pull(call, "read")
        review = find_review(call.store, repo, pull, call.params["review_id"])
        body = self._json(request)
        text = body.get("body")
        submit_review(call.store, repo, pull, review, body.get("event"),
                      text if isinstance(text, str) else "", call.actor)
        return self._ok(200, self._review_json(request, repo, pull, review))

    @route("PUT", PULL + "/reviews/{review_id}/dismissals", "pulls/dismiss-review")
    def review_dismiss(self, request: Request, call: Call) -> Response:
        repo, pull = self._pull(call, "write")
        review = find_review(call.store, repo, pull, call.params["review_id"])
        dismiss_review(call.store, repo, pull, review, self._json(request).get("message"),
                       call.actor)
        return self._ok(200, self._review_json(request, repo, pull, review))

    def _requested_json(self, request: Request, repo: Repository, pull: PullRequest
                        ) -> dict[str, Any]:
        return {"users": [self._user(request, self.store.accounts.get(login))
                          for login in repo.flow.requested.get(pull.number, [])],
                "teams": requested_teams_json(request, self.store, repo, pull.number)}

    def _reviewers(self, body: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """The users and the team slugs of a review request body."""
        chosen: list[list[str]] = []
        for field in ("reviewers", "team_reviewers"):
            names = body.get(field, [])
            if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
                raise validation_failed({"resource": "PullRequest", "field": field,
                                         "code": "invalid"})
            chosen.append([str(x) for x in names])
        return chosen[0], chosen[1]

    def _ask(self, request: Request, call: Call, remove: bool) -> Response:
        """Request reviews (or remove the requests): every name is checked before any
        request changes."""
        repo, pull = self._pull(call, "write")
        logins, teams = self._reviewers(self._json(request))
        with call.store.lock:
            if not remove:
                check_team_reviewers(repo, teams)
            request_reviewers(call.store, repo, pull, logins, remove, call.actor)
            request_teams(call.store, repo, pull.number, teams, remove, call.actor)
        return self._ok(200 if remove else 201,
                        self._pull_json(request, call.store, repo, pull, False))

    @route("POST", PULL + "/requested_reviewers", "pulls/request-reviewers")
    def reviewers_request(self, request: Request, call: Call) -> Response:
        return self._ask(request, call, remove=False)

    @route("DELETE", PULL + "/requested_reviewers", "pulls/remove-requested-reviewers")
    def reviewers_remove(self, request: Request, call: Call) -> Response:
        return self._ask(request, call, remove=True)

    @route("GET", PULL + "/requested_reviewers", "pulls/list-requested-reviewers")
    def reviewers_list(self, request: Request, call: Call) -> Response:
        repo, pull = self._pull(call, "read")
        return self._ok(200, self._requested_json(request, repo, pull))
