"""The wire adapter: GitHub's REST API over the domain model.

Served at the root and under ``/api/v3`` (GitHub Enterprise Server style) on one origin;
every URL in a response starts with the request's own origin and prefix. Routes are
named by GitHub's ``operationId``; a documented operation the fake does not model
answers 501 naming it (``_operations``), a path GitHub does not have answers 404.

Shared behaviour of every response (https://docs.github.com/rest/using-the-rest-api):

- errors: ``{"message", "documentation_url", "status"}``, 422 with ``errors[]``;
  400 ``Problems parsing JSON``; 401 ``Bad credentials``;
- pagination: ``per_page`` (default 30, at most 100) and ``page``, with a ``Link``
  header (``prev``, ``next``, ``last``, ``first``) when there is more than one page;
- rate limits: ``x-ratelimit-*`` headers with a budget per token (per client without
  one) over an hour of the fake's clock; ``GET /rate_limit`` costs nothing;
- conditional requests: a weak ``ETag`` per representation; ``If-None-Match`` that
  matches answers 304 with no body and costs no rate limit;
- a request without ``User-Agent`` is refused with 403, as GitHub refuses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

from dulwich.objects import Commit

from fakes._adapter import Call, Route, renders, route
from fakes._faults import Faults, ProviderFault, Throttle
from fakes._http import Request, Response
from fakes.errors import ProviderError
from fakes.github import _operations, _wire
from fakes.github._api_checks import ChecksRoutes
from fakes.github._api_issue_events import IssueEvents
from fakes.github._api_issues import IssuesRoutes
from fakes.github._api_milestones import MilestonesRoutes
from fakes.github._api_repos import RepoRoutes
from fakes.github._api_teams import requested_teams_json
from fakes.github._auth import Principal
from fakes.github._errors import DOCS, GitHubError, fail, validation_failed
from fakes.github._gates import judge
from fakes.github._model import Account, GitHubState, Repository, protect_branch
from fakes.github._protection import Protection, parse_protection
from fakes.github._pulls import (
    PullRequest,
    create_pull,
    current_heads,
    get_pull,
    merge_pull,
    mergeable,
    update_pull,
)
from fakes.github._settings import RepositoryMoved

FAKE_DOCS = "verified-fakes docs/github.md#not-modelled"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
PAGINATION_DOCS = "https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api"
USER_AGENT_DOCS = ("https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-"
                   "rest-api#user-agent")
NO_USER_AGENT = (
    "Request forbidden by administrative rules. Please make sure your request has a "
    "User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api"
    "#user-agent-required). Check https://developer.github.com for other possible causes.")
MAX_BODY = 100 * 1024 * 1024
WINDOW = 3600.0
JSON_TYPE = "application/json; charset=utf-8"
RAW_TYPE = "application/vnd.github.raw; charset=utf-8"
REPO = "/repos/{owner}/{repo}"


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: bytes) -> str:
    """Base64 in lines of 60 characters, each ending in a newline, as GitHub sends it."""
    text = base64.b64encode(data).decode()
    return "".join(text[i:i + 60] + "\n" for i in range(0, len(text), 60))


class _Budget:
    """A rate-limit window of one client: how much it used since ``start``."""

    __slots__ = ("start", "used")

    def __init__(self, start: float) -> None:
        self.start = start
        self.used = 0


class GitHubAdapter(RepoRoutes, IssuesRoutes, MilestonesRoutes, IssueEvents, ChecksRoutes):
    def __init__(self, store: GitHubState, faults: Faults, *, rate_limit: int = 5000,
                 anonymous_rate_limit: int = 60) -> None:
        super().__init__(store, faults)
        self.rate_limit = rate_limit
        self.anonymous_rate_limit = anonymous_rate_limit
        self._budgets: dict[str, _Budget] = {}
        self._budget_lock = threading.Lock()
        self._local = threading.local()

    def reset(self) -> None:
        super().reset()
        with self._budget_lock:
            self._budgets.clear()

    # -- provider shapes ---------------------------------------------------------------------

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        if isinstance(error, RepositoryMoved) and request is not None:
            return self.moved_response(request, error)
        body: dict[str, Any] = {"message": error.message}
        errors = getattr(error, "errors", None)
        if errors is not None:
            body["errors"] = errors
        body["documentation_url"] = getattr(error, "documentation_url", DOCS)
        body["status"] = str(error.status)
        return Response.json(error.status, body, error.headers.items(), JSON_TYPE)

    def not_modelled(self, request: Request) -> ProviderError:
        inner = request.raw_path
        prefix = request.base[len(request.origin):]
        if prefix and inner.startswith(prefix):
            inner = inner[len(prefix):] or "/"
        graphql = _wire.graphql(request, inner)
        if graphql is not None:
            return graphql
        operation = _operations.find(request.method, inner)
        if operation is None:
            return fail(404)
        return GitHubError(
            f"verified-fakes: {operation.operation_id} ({request.method} "
            f"{operation.template}) is not modelled by the GitHub fake; see {FAKE_DOCS}",
            status=501, documentation_url=operation.docs)

    def too_large(self, request: Request, limit: int) -> ProviderError:
        return fail(413, f"Request body is larger than {limit} bytes")

    @renders(Throttle)
    def throttle_response(self, request: Request, fault: Throttle) -> Response:
        """A secondary rate limit: 403 with ``Retry-After`` (RATE_DOCS, "Exceeding the
        rate limit")."""
        raise fail(403, "You have exceeded a secondary rate limit. Please wait a few "
                   "minutes before you try again.", RATE_DOCS,
                   headers={"Retry-After": str(fault.retry_after)})

    @renders(ProviderFault)
    def provider_fault(self, request: Request, fault: ProviderFault) -> Response:
        raise fail(fault.status, fault.message or "Server Error")

    # -- who is asking, and their budget --------------------------------------------------------

    def _principal(self, request: Request) -> Principal:
        """``Authorization: token X`` or ``Bearer X``; an unknown token is 401
        ``Bad credentials``."""
        header = request.header("Authorization")
        if header is None:
            return Principal()
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                value = base64.b64decode(value).decode().partition(":")[2]
            except (ValueError, binascii.Error):
                value = ""
        elif scheme.lower() not in ("token", "bearer"):
            value = ""
        token = self.store.tokens.get(value)
        if token is None:
            raise fail(401, "Bad credentials", "https://docs.github.com/rest")
        return Principal(token)

    @property
    def principal(self) -> Principal:
        found: Principal = getattr(self._local, "principal", Principal())
        return found

    def authorize(self, request: Request, route_: Route, params: Mapping[str, str]) -> str:
        return self.principal.login or "anonymous"

    def _budget(self, principal: Principal) -> tuple[_Budget, int]:
        # The primary limit is per user, whichever of its tokens is used (RATE_DOCS).
        key = f"user:{principal.token.login}" if principal.token else "anonymous"
        limit = self.rate_limit if principal.token else self.anonymous_rate_limit
        now = self.store.clock.monotonic()
        with self._budget_lock:
            budget = self._budgets.get(key)
            if budget is None or now >= budget.start + WINDOW:
                budget = self._budgets[key] = _Budget(now)
            return budget, limit

    def _rate_headers(self, budget: _Budget, limit: int) -> list[tuple[str, str]]:
        reset = self.store.clock.now() + timedelta(
            seconds=budget.start + WINDOW - self.store.clock.monotonic())
        return [
            ("x-ratelimit-limit", str(limit)),
            ("x-ratelimit-remaining", str(max(limit - budget.used, 0))),
            ("x-ratelimit-reset", str(int(reset.timestamp()))),
            ("x-ratelimit-used", str(budget.used)),
            ("x-ratelimit-resource", "core"),
        ]

    def respond(self, request: Request, found: tuple[Route, dict[str, str]] | None) -> Response:
        if not request.header("User-Agent"):
            return self.error_response(request, fail(403, NO_USER_AGENT, USER_AGENT_DOCS))
        try:
            version = _wire.api_version(request)
            principal = self._principal(request)
        except GitHubError as error:
            return self.error_response(request, error)
        budget, limit = self._budget(principal)
        free = found is not None and found[0].operation == "rate-limit/get"
        if not free and budget.used >= limit:
            who = f"user ID {self.store.account(principal.token.login).id}" \
                if principal.token else "127.0.0.1"
            response = self.error_response(request, fail(
                403, f"API rate limit exceeded for {who}.", RATE_DOCS))
            response.headers.extend(self._rate_headers(budget, limit))
            return response
        self._local.principal, self._local.version = principal, version
        self._local.media = _wire.media_parameter(request)
        unmodelled = _wire.unmodelled_media(found[0].operation_for(request), self._local.media) \
            if found is not None else None
        try:
            response = super().respond(request, found) if unmodelled is None else \
                self.error_response(request, unmodelled)
        finally:
            self._local.principal = Principal()
        if request.method in ("GET", "HEAD") and response.status == 200 and \
                isinstance(response.body, bytes):
            etag = 'W/"' + hashlib.sha256(response.body).hexdigest() + '"'
            response.headers.append(("ETag", etag))
            modified = _wire.last_modified(self.store, found[0].operation_for(request),
                                           found[1], principal.login) if found else None
            if modified is not None:
                response.headers.append(("Last-Modified", _wire.http_date(modified)))
            wanted = request.header("If-None-Match")
            if (wanted is not None and _etag_matches(wanted, etag)) or (
                    wanted is None and modified is not None and
                    _wire.not_modified(request, modified)):
                headers = [(k, v) for k, v in response.headers if k.lower() != "content-type"]
                return Response(304, [*headers, *self._rate_headers(budget, limit)])
        if not free:
            with self._budget_lock:
                budget.used += 1
        response.headers.extend(self._rate_headers(budget, limit))
        return response

    # -- request helpers ------------------------------------------------------------------

    def _media_wanted(self) -> str | None:
        """The media type parameter of ``Accept`` (``_wire``): ``raw``, ``diff``, None."""
        wanted: str | None = getattr(self._local, "media", None)
        return wanted

    def _raw_wanted(self) -> bool:
        """``Accept: application/vnd.github.raw``: the bytes themselves."""
        return self._media_wanted() == "raw"

    def _document(self, request: Request) -> Any:
        """The JSON body (``{}`` when empty); 400 ``Problems parsing JSON``."""
        raw = request.read_body(MAX_BODY)
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise fail(400, "Problems parsing JSON", DOCS) from None

    def _json(self, request: Request) -> dict[str, Any]:
        document = self._document(request)
        if not isinstance(document, dict):
            raise fail(400, "Problems parsing JSON", DOCS)
        return document

    def _repo(self, call: Call, need: str = "read", permission: str = "contents") -> Repository:
        store: GitHubState = call.store
        return store.repository(self.principal, call.params["owner"], call.params["repo"],
                                     need, permission)

    def _page(self, request: Request, items: Sequence[Any]) -> tuple[Sequence[Any],
                                                                       list[tuple[str, str]]]:
        """One page of ``items`` and the ``Link`` header for the others (PAGINATION_DOCS)."""
        per_page = _int_arg(request, "per_page", 30, 1, 100)
        page = _int_arg(request, "page", 1, 1, None)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chosen = items[(page - 1) * per_page: page * per_page]
        if last == 1:
            return chosen, []
        query = [(k, v) for k, values in request.query.items() if k != "page" for v in values]

        def link(number: int, rel: str) -> str:
            target = request.origin + request.raw_path + "?" + urlencode(
                [*query, ("page", str(number))])
            return f'<{target}>; rel="{rel}"'

        links = []
        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        if page > 1:
            links.append(link(1, "first"))
        return chosen, [("Link", ", ".join(links))]

    # -- representations -------------------------------------------------------------------

    def _user(self, request: Request, account: Account | None, login: str | None = None
              ) -> dict[str, Any] | None:
        if account is None:
            return None
        api, web = request.base, request.origin
        url = f"{api}/{'orgs' if account.type == 'Organization' else 'users'}/{account.login}"
        user_url = f"{api}/users/{account.login}"
        return {
            "login": account.login, "id": account.id,
            "node_id": _node_id(account.type, account.id),
            "avatar_url": f"{web}/avatars/{account.login}", "gravatar_id": "",
            "url": user_url if account.type == "User" else url,
            "html_url": f"{web}/{account.login}",
            "followers_url": f"{user_url}/followers",
            "following_url": f"{user_url}/following{{/other_user}}",
            "gists_url": f"{user_url}/gists{{/gist_id}}",
            "starred_url": f"{user_url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{user_url}/subscriptions",
            "organizations_url": f"{user_url}/orgs", "repos_url": f"{url}/repos",
            "events_url": f"{user_url}/events{{/privacy}}",
            "received_events_url": f"{user_url}/received_events",
            "type": account.type, "user_view_type": "public", "site_admin": False,
        }

    def _account(self, request: Request, store: GitHubState, account: Account,
                 private: bool = False, as_organization: bool = True) -> dict[str, Any]:
        """A user (users/get-by-username; ``private``: the authenticated user's own view,
        users/get-authenticated) or an organization (orgs/get)."""
        shown = self._user(request, account)
        assert shown is not None
        public_repos = sum(1 for r in store.repos.values()
                           if r.owner == account.login and not r.private)
        shown.update({"name": account.name, "email": account.email,
                      "public_repos": public_repos, "public_gists": 0, "followers": 0,
                      "following": 0, "created_at": _iso(account.created_at),
                      "updated_at": _iso(account.created_at)})
        if account.type == "Organization" and as_organization:
            url = f"{request.base}/orgs/{account.login}"
            if account.email is None:
                del shown["email"]  # a string when an organization shows one
            shown.update({"name": account.name or account.login,
                          "description": None, "hooks_url": f"{url}/hooks",
                          "issues_url": f"{url}/issues",
                          "members_url": f"{url}/members{{/member}}",
                          "public_members_url": f"{url}/public_members{{/member}}",
                          "has_organization_projects": True, "has_repository_projects": True,
                          "archived_at": None})
            return shown
        shown.update({"bio": None, "blog": "", "company": None, "location": None,
                      "hireable": None})
        if private:
            owned = sum(1 for r in store.repos.values()
                        if r.owner == account.login and r.private)
            shown.update({"collaborators": 0, "disk_usage": 0, "owned_private_repos": owned,
                          "private_gists": 0, "total_private_repos": owned,
                          "two_factor_authentication": False})
        return shown

    def _repo_json(self, request: Request, store: GitHubState, repo: Repository,
                   full: bool = False) -> dict[str, Any]:
        """A repository; ``full``: as repos/get and the creations show it."""
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        role = store.role(repo, self.principal.login)
        settings = repo.settings
        # Pull requests are issues, and GitHub counts them among the open ones.
        open_issues = sum(1 for i in repo.issues.values() if not i.pull and i.state == "open") \
            + sum(1 for p in repo.pulls.values() if p.state == "open")
        shown: dict[str, Any] = {
            "id": repo.id, "node_id": _node_id("Repository", repo.id), "name": repo.name,
            "full_name": repo.full_name, "private": repo.private,
            "owner": self._user(request, store.account(repo.owner)),
            "html_url": web, "description": repo.description, "fork": False, "url": api,
        }
        for name, suffix in _REPO_LINKS:
            shown[name] = api + suffix
        shown.update({
            "created_at": _iso(repo.created_at), "updated_at": _iso(repo.updated_at),
            "pushed_at": _iso(repo.pushed_at or repo.created_at),
            "git_url": f"git://{request.origin.split('://', 1)[1]}/{repo.full_name}.git",
            "ssh_url": f"git@{request.origin.split('://', 1)[1].split(':')[0]}:"
                       f"{repo.full_name}.git",
            "clone_url": f"{web}.git", "svn_url": web, "homepage": settings.homepage,
            "size": 0, "stargazers_count": 0, "watchers_count": 0, "language": None,
            "has_issues": settings.has_issues, "has_projects": settings.has_projects,
            "has_downloads": True, "has_wiki": settings.has_wiki, "has_pages": False,
            "has_discussions": settings.has_discussions, "forks_count": 0,
            "mirror_url": None, "archived": settings.archived, "disabled": False,
            "open_issues_count": open_issues, "license": None,
            "allow_forking": settings.allow_forking,
            "is_template": settings.is_template,
            "web_commit_signoff_required": settings.web_commit_signoff_required,
            "topics": list(settings.topics),
            "visibility": "private" if repo.private else "public", "forks": 0,
            "open_issues": open_issues, "watchers": 0, "default_branch": repo.default_branch,
        })
        if full:
            shown.update({"network_count": 0, "subscribers_count": 0})
        if self.principal.token is not None:
            rank = ["read", "triage", "write", "maintain", "admin"]
            held = rank.index(role) if role is not None and self.principal.login in (
                repo.owner, *repo.collaborators, *store.members.get(repo.owner, {})) else -1
            shown["permissions"] = {
                "admin": held >= 4, "maintain": held >= 3, "push": held >= 2,
                "triage": held >= 1, "pull": held >= 0 or not repo.private,
            }
            if full and held >= 4:
                # The merge settings are an administrator's to see and change.
                shown.update({name: getattr(settings, name) for name in (
                    "allow_merge_commit", "allow_squash_merge", "allow_rebase_merge",
                    "allow_auto_merge", "delete_branch_on_merge", "allow_update_branch")})
        return shown

    def _person(self, commit_person: bytes, when: int) -> dict[str, Any]:
        text = commit_person.decode(errors="replace")
        name, _, rest = text.partition(" <")
        return {"name": name, "email": rest.rstrip(">"),
                "date": _iso(datetime.fromtimestamp(when, timezone.utc))}

    def _git_commit(self, request: Request, repo: Repository, sha: str) -> dict[str, Any]:
        commit = repo.git.commit(sha)
        assert commit is not None
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        tree = commit.tree.decode()
        return {
            "sha": sha, "node_id": _node_id("Commit", sha), "url": f"{api}/git/commits/{sha}",
            "html_url": f"{web}/commit/{sha}",
            "author": self._person(commit.author, commit.author_time),
            "committer": self._person(commit.committer, commit.commit_time),
            "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
            "message": commit.message.decode(errors="replace"),
            "parents": [{"sha": p.decode(), "url": f"{api}/git/commits/{p.decode()}",
                         "html_url": f"{web}/commit/{p.decode()}"} for p in commit.parents],
            "verification": _UNSIGNED,
        }

    def _commit(self, request: Request, store: GitHubState, repo: Repository, sha: str,
                files: bool = False) -> dict[str, Any]:
        """A commit as the commits API shows it (repos/get-commit)."""
        commit = repo.git.commit(sha)
        assert commit is not None
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        git = self._git_commit(request, repo, sha)
        shown = {
            "sha": sha, "node_id": git["node_id"],
            "commit": {"author": git["author"], "committer": git["committer"],
                       "message": git["message"], "tree": git["tree"],
                       "url": git["url"], "comment_count": 0,
                       "verification": _UNSIGNED},
            "url": f"{api}/commits/{sha}", "html_url": f"{web}/commit/{sha}",
            "comments_url": f"{api}/commits/{sha}/comments",
            "author": self._user(request, _by_email(store, git["author"]["email"])),
            "committer": self._user(request, _by_email(store, git["committer"]["email"])),
            "parents": [{"sha": p["sha"], "url": f"{api}/commits/{p['sha']}",
                         "html_url": p["html_url"]} for p in git["parents"]],
        }
        if files:
            parent = commit.parents[0].decode() if commit.parents else None
            changed = self._files(request, repo, _tree(repo, parent) if parent else None,
                                  commit.tree.decode(), sha)
            additions = sum(f["additions"] for f in changed)
            deletions = sum(f["deletions"] for f in changed)
            shown["stats"] = {"total": additions + deletions, "additions": additions,
                              "deletions": deletions}
            shown["files"] = changed
        return shown

    def _files(self, request: Request, repo: Repository, old_tree: str | None, new_tree: str,
               at: str) -> list[dict[str, Any]]:
        """The files that differ between two trees, with line counts (no ``patch``)."""
        old = repo.git.files(old_tree) if old_tree else {}
        new = repo.git.files(new_tree)
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        listed = []
        for path in sorted(set(old) | set(new)):
            before, after = old.get(path), new.get(path)
            if before == after:
                continue
            status = "added" if before is None else "removed" if after is None else "modified"
            old_lines = _lines(repo, before[1]) if before else []
            new_lines = _lines(repo, after[1]) if after else []
            additions, deletions = _line_changes(old_lines, new_lines)
            blob = (after or before or ("", ""))[1]
            listed.append({
                "sha": blob, "filename": path, "status": status, "additions": additions,
                "deletions": deletions, "changes": additions + deletions,
                "blob_url": f"{web}/blob/{at}/{quote(path)}",
                "raw_url": f"{web}/raw/{at}/{quote(path)}",
                "contents_url": f"{api}/contents/{quote(path)}?ref={at}",
            })
        return listed

    def _content(self, request: Request, repo: Repository, path: str, mode: str, kind: str,
                 sha: str, ref: str, with_content: bool) -> dict[str, Any]:
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        name = path.rsplit("/", 1)[-1]
        shown_type = {"tree": "dir", "commit": "submodule"}.get(kind, "file")
        if mode == "120000":
            shown_type = "symlink"
        size = 0
        blob = repo.git.blob(sha) if kind == "blob" else None
        if blob is not None:
            size = len(blob.as_raw_string())
        url = f"{api}/contents/{quote(path)}?ref={quote(ref)}"
        git_url = f"{api}/git/{'trees' if kind == 'tree' else 'blobs'}/{sha}"
        html_url = f"{web}/{'tree' if kind == 'tree' else 'blob'}/{quote(ref)}/{quote(path)}"
        shown: dict[str, Any] = {
            "name": name, "path": path, "sha": sha, "size": size, "url": url,
            "html_url": html_url, "git_url": git_url,
            "download_url": f"{request.origin}/raw/{repo.full_name}/{quote(ref)}/{quote(path)}"
            if kind == "blob" else None,
            "type": shown_type,
            "_links": {"self": url, "git": git_url, "html": html_url},
        }
        if with_content and blob is not None:
            shown["content"] = _b64(blob.as_raw_string())
            shown["encoding"] = "base64"
        return shown

    def _ref(self, request: Request, repo: Repository, name: str, sha: str) -> dict[str, Any]:
        api = f"{request.base}/repos/{repo.full_name}"
        found = repo.git.get(sha)
        kind = found.type_name.decode() if found is not None else "commit"
        return {"ref": name, "node_id": _node_id("Ref", f"{repo.id}:{name}"),
                "url": f"{api}/git/{name}",
                "object": {"sha": sha, "type": kind, "url": f"{api}/git/{kind}s/{sha}"}}

    def _branch(self, request: Request, repo: Repository, name: str, sha: str
                ) -> dict[str, Any]:
        return {"name": name, "commit": {
            "sha": sha, "url": f"{request.base}/repos/{repo.full_name}/commits/{sha}"},
            "protected": name in repo.protections}

    # -- accounts -----------------------------------------------------------------------------

    @route("GET", "/rate_limit", "rate-limit/get", access="none")
    def rate_limit_get(self, request: Request, call: Call) -> Response:
        """https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-
        authenticated-user: free, and does not count against the limit."""
        budget, limit = self._budget(self.principal)
        headers = dict(self._rate_headers(budget, limit))
        core = {"limit": limit, "used": budget.used,
                "remaining": int(headers["x-ratelimit-remaining"]),
                "reset": int(headers["x-ratelimit-reset"])}
        resources = {"core": core}
        for name, size in (("search", 30), ("graphql", limit), ("code_search", 10)):
            resources[name] = {"limit": size, "used": 0, "remaining": size,
                               "reset": core["reset"]}
        return Response.json(200, {"resources": resources, "rate": core}, (), JSON_TYPE)

    @route("GET", "/user", "users/get-authenticated")
    def user_get(self, request: Request, call: Call) -> Response:
        login = self.principal.login
        if login is None:
            raise fail(401, "Requires authentication",
                       "https://docs.github.com/rest/users/users#get-the-authenticated-user")
        return Response.json(200, self._account(request, call.store, call.store.account(login),
                                                 private=True), (), JSON_TYPE)

    @route("GET", "/users/{username}", "users/get-by-username")
    def user_by_name(self, request: Request, call: Call) -> Response:
        # An organization too is shown as a user here (type Organization), as GitHub's
        # schema of the operation has it: its organization fields are orgs/get's.
        return Response.json(200, self._account(request, call.store, call.store.account(
            call.params["username"]), as_organization=False), (), JSON_TYPE)

    @route("GET", "/orgs/{org}", "orgs/get")
    def org_get(self, request: Request, call: Call) -> Response:
        account = call.store.account(call.params["org"])
        if account.type != "Organization":
            raise fail(404)
        return Response.json(200, self._account(request, call.store, account), (), JSON_TYPE)

    # -- repositories -------------------------------------------------------------------------

    def _list_repos(self, request: Request, call: Call, owner: str) -> Response:
        repos = call.store.visible_repos(self.principal, owner)
        page, headers = self._page(request, repos)
        return Response.json(200, [self._repo_json(request, call.store, r) for r in page],
                             headers, JSON_TYPE)

    @route("GET", "/orgs/{org}/repos", "repos/list-for-org")
    def org_repos(self, request: Request, call: Call) -> Response:
        account = call.store.account(call.params["org"])
        if account.type != "Organization":
            raise fail(404)
        return self._list_repos(request, call, account.login)

    @route("GET", "/users/{username}/repos", "repos/list-for-user")
    def user_repos(self, request: Request, call: Call) -> Response:
        return self._list_repos(request, call, call.store.account(call.params["username"]).login)

    def _create_repo(self, request: Request, call: Call, owner: str) -> Response:
        body = self._json(request)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise validation_failed({"resource": "Repository", "code": "missing_field",
                                     "field": "name"})
        private = bool(body.get("private", False)) or body.get("visibility") == "private"
        token = self.principal.token
        assert token is not None
        if token.fine_grained:
            if token.level("administration") != "write":
                raise fail(403, "Resource not accessible by personal access token")
        elif "repo" not in token.scopes and (private or "public_repo" not in token.scopes):
            raise fail(404)
        repo = call.store.create_repo(
            owner, name, private=private, description=body.get("description"),
            auto_init=bool(body.get("auto_init", False)), actor=call.actor)
        shown = self._repo_json(request, call.store, repo, full=True)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("POST", "/user/repos", "repos/create-for-authenticated-user")
    def create_user_repo(self, request: Request, call: Call) -> Response:
        login = self.principal.login
        if login is None:
            raise fail(401, "Requires authentication")
        return self._create_repo(request, call, login)

    @route("POST", "/orgs/{org}/repos", "repos/create-in-org")
    def create_org_repo(self, request: Request, call: Call) -> Response:
        login = self.principal.login
        if login is None:
            raise fail(401, "Requires authentication")
        org = call.store.account(call.params["org"])
        if org.type != "Organization":
            raise fail(404)
        if login not in call.store.members.get(org.login, {}):
            raise fail(403, "You need admin access to the organization before adding a "
                       "repository to it.", "https://docs.github.com/rest/repos/repos"
                       "#create-an-organization-repository")
        return self._create_repo(request, call, org.login)

    @route("GET", REPO, "repos/get")
    def repo_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "metadata")
        return Response.json(200, self._repo_json(request, call.store, repo, full=True), (),
                             JSON_TYPE)

    @route("DELETE", REPO, "repos/delete")
    def repo_delete(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "admin", "delete_repo" if not (
            self.principal.token and self.principal.token.fine_grained) else "administration")
        call.store.delete_repo(repo, call.actor)
        return Response(204)

    # -- branches and commits ------------------------------------------------------------------

    @route("GET", REPO + "/branches", "repos/list-branches")
    def branches(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        heads = sorted((name.removeprefix("refs/heads/"), sha)
                       for name, sha in repo.git.refs().items() if name.startswith("refs/heads/"))
        page, headers = self._page(request, heads)
        return Response.json(200, [self._branch(request, repo, n, s) for n, s in page],
                             headers, JSON_TYPE)

    @route("GET", REPO + "/branches/{branch:path}", "repos/get-branch")
    def branch_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        name = call.params["branch"]
        sha = repo.branch_head(name)
        if sha is None:
            raise fail(404, "Branch not found",
                       "https://docs.github.com/rest/branches/branches#get-a-branch")
        api = f"{request.base}/repos/{repo.full_name}"
        protection = repo.protections.get(name)
        checks = protection is not None and protection.status_checks
        contexts = protection.contexts if protection is not None and checks else ()
        level = "off" if not checks else (
            "everyone" if protection is not None and protection.enforce_admins else "non_admins")
        shown = {
            "name": name, "commit": self._commit(request, call.store, repo, sha),
            "_links": {"self": f"{api}/branches/{quote(name)}",
                       "html": f"{request.origin}/{repo.full_name}/tree/{quote(name)}"},
            "protected": protection is not None,
            "protection": {"enabled": protection is not None, "required_status_checks": {
                "enforcement_level": level, "contexts": list(contexts),
                "checks": [{"context": c, "app_id": None} for c in contexts]}},
            "protection_url": f"{api}/branches/{quote(name)}/protection",
        }
        return Response.json(200, shown, (), JSON_TYPE)

    @route("GET", REPO + "/commits", "repos/list-commits")
    def commits(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        shas = list(call.store.commits(repo, request.arg("sha"), request.arg("path")))
        page, headers = self._page(request, shas)
        return Response.json(200, [self._commit(request, call.store, repo, s) for s in page],
                             headers, JSON_TYPE)

    @route("GET", REPO + "/commits/{ref:path}", "repos/get-commit")
    def commit_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        call.store.require_not_empty(repo)
        ref = call.params["ref"]
        sha = call.store.resolve(repo, ref)
        if sha is None:
            raise fail(422, f"No commit found for SHA: {ref}",
                       "https://docs.github.com/rest/commits/commits#get-a-commit")
        return Response.json(200, self._commit(request, call.store, repo, sha, files=True), (),
                             JSON_TYPE)

    @route("GET", REPO + "/compare/{basehead:path}", "repos/compare-commits-with-basehead")
    def compare(self, request: Request, call: Call) -> Response:
        """https://docs.github.com/rest/commits/commits#compare-two-commits: ``base...head``
        against their merge base, as git computes it."""
        repo = self._repo(call)
        base, sep, head = call.params["basehead"].partition("...")
        if not sep:
            base, sep, head = call.params["basehead"].partition("..")
        if not sep or not base or not head:
            raise fail(404)
        store = call.store
        base_sha, head_sha, merge_base = store.compare(repo, base, head)
        assert merge_base is not None
        if self._media_wanted() == "diff":
            return Response(200, [("Content-Type", _wire.DIFF_TYPE)],
                            _wire.diff(repo, merge_base, head_sha))
        ahead = list(repo.git.log(head_sha, exclude=[base_sha]))
        behind = list(repo.git.log(base_sha, exclude=[head_sha]))
        status = ("identical" if not ahead and not behind else "ahead" if not behind
                  else "behind" if not ahead else "diverged")
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        basehead = call.params["basehead"]
        shown = {
            "url": f"{api}/compare/{basehead}", "html_url": f"{web}/compare/{basehead}",
            "permalink_url": f"{web}/compare/{repo.owner}:{base_sha[:7]}...{repo.owner}:"
                             f"{head_sha[:7]}",
            "diff_url": f"{web}/compare/{basehead}.diff",
            "patch_url": f"{web}/compare/{basehead}.patch",
            "base_commit": self._commit(request, store, repo, base_sha),
            "merge_base_commit": self._commit(request, store, repo, merge_base),
            "status": status, "ahead_by": len(ahead), "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [self._commit(request, store, repo, s) for s in reversed(ahead[:250])],
            "files": self._files(request, repo, _tree(repo, merge_base), _tree(repo, head_sha),
                                 head_sha),
        }
        return Response.json(200, shown, (), JSON_TYPE)

    # -- git data -------------------------------------------------------------------------------

    @route("POST", REPO + "/git/blobs", "git/create-blob")
    def blob_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        body = self._json(request)
        content, encoding = body.get("content"), body.get("encoding", "utf-8")
        if not isinstance(content, str):
            raise validation_failed({"resource": "Blob", "field": "content",
                                     "code": "missing_field"},
                                    docs="https://docs.github.com/rest/git/blobs#create-a-blob")
        if encoding == "base64":
            try:
                data = base64.b64decode(content, validate=False)
            except (ValueError, binascii.Error):
                raise validation_failed("content is not valid Base64") from None
        elif encoding in ("utf-8", "utf8"):
            data = content.encode()
        else:
            raise validation_failed(f"encoding {encoding} is not supported")
        sha = call.store.create_blob(repo, data, call.actor)
        url = f"{request.base}/repos/{repo.full_name}/git/blobs/{sha}"
        return Response.json(201, {"url": url, "sha": sha}, [("Location", url)], JSON_TYPE)

    @route("GET", REPO + "/git/blobs/{file_sha}", "git/get-blob")
    def blob_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        call.store.require_not_empty(repo)
        sha = call.params["file_sha"]
        blob = repo.git.blob(sha)
        if blob is None:
            raise fail(404, "Not Found", "https://docs.github.com/rest/git/blobs#get-a-blob")
        data = blob.as_raw_string()
        if self._raw_wanted():
            return Response(200, [("Content-Type", RAW_TYPE)], data)
        return Response.json(200, {
            "sha": sha.lower(), "node_id": _node_id("Blob", sha), "size": len(data),
            "url": f"{request.base}/repos/{repo.full_name}/git/blobs/{sha.lower()}",
            "content": _b64(data), "encoding": "base64"}, (), JSON_TYPE)

    def _tree_json(self, request: Request, repo: Repository, sha: str, recursive: bool
                   ) -> dict[str, Any]:
        api = f"{request.base}/repos/{repo.full_name}"
        entries = []
        for path, mode, kind, entry_sha in repo.git.entries(sha, recursive):
            entry: dict[str, Any] = {"path": path, "mode": mode, "type": kind, "sha": entry_sha}
            if kind == "blob":
                blob = repo.git.blob(entry_sha)
                entry["size"] = len(blob.as_raw_string()) if blob is not None else 0
                entry["url"] = f"{api}/git/blobs/{entry_sha}"
            elif kind == "tree":
                entry["url"] = f"{api}/git/trees/{entry_sha}"
            entries.append(entry)
        return {"sha": sha, "url": f"{api}/git/trees/{sha}", "tree": entries,
                "truncated": False}

    @route("POST", REPO + "/git/trees", "git/create-tree")
    def tree_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        body = self._json(request)
        entries = body.get("tree")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise validation_failed({"resource": "Tree", "field": "tree",
                                     "code": "missing_field"},
                                    docs="https://docs.github.com/rest/git/trees#create-a-tree")
        base_tree = body.get("base_tree")
        sha = call.store.create_tree(repo, str(base_tree) if base_tree else None, entries,
                                     call.actor)
        shown = self._tree_json(request, repo, sha, False)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("GET", REPO + "/git/trees/{tree_sha:path}", "git/get-tree")
    def tree_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        call.store.require_not_empty(repo)
        name = call.params["tree_sha"]
        sha: str | None = name.lower()
        if repo.git.tree(name) is None:
            commit = call.store.resolve(repo, name)
            sha = _tree(repo, commit) if commit else None
        if sha is None:
            raise fail(404, "Not Found", "https://docs.github.com/rest/git/trees#get-a-tree")
        recursive = request.arg("recursive") not in (None, "", "0", "false")
        return Response.json(200, self._tree_json(request, repo, sha, recursive), (),
                             JSON_TYPE)

    @route("POST", REPO + "/git/commits", "git/create-commit")
    def commit_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        body = self._json(request)
        message, tree, parents = body.get("message"), body.get("tree"), body.get("parents", [])
        if not isinstance(message, str) or not isinstance(tree, str) or \
                not isinstance(parents, list):
            raise validation_failed({"resource": "Commit", "field": "message" if not isinstance(
                message, str) else "tree", "code": "missing_field"},
                docs="https://docs.github.com/rest/git/commits#create-a-commit")
        author = call.store.person(call.actor, body.get("author"))
        committer = call.store.person(call.actor, body.get("committer") or body.get("author"))
        sha = call.store.create_commit(repo, message, tree, [str(p) for p in parents], author,
                                       committer, call.actor)
        shown = self._git_commit(request, repo, sha)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("GET", REPO + "/git/commits/{commit_sha}", "git/get-commit")
    def commit_git_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        call.store.require_not_empty(repo)
        sha = call.params["commit_sha"].lower()
        if repo.git.commit(sha) is None:
            raise fail(404, "Not Found", "https://docs.github.com/rest/git/commits#get-a-commit-object")
        return Response.json(200, self._git_commit(request, repo, sha), (), JSON_TYPE)

    @route("GET", REPO + "/git/ref/{ref:path}", "git/get-ref")
    def ref_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call)
        call.store.require_not_empty(repo)
        name = "refs/" + call.params["ref"]
        sha = repo.git.ref(name)
        if sha is None:
            raise fail(404, "Not Found", "https://docs.github.com/rest/git/refs#get-a-reference")
        return Response.json(200, self._ref(request, repo, name, sha), (), JSON_TYPE)

    @route("GET", REPO + "/git/matching-refs/{ref:path}", "git/list-matching-refs")
    @route("GET", REPO + "/git/matching-refs/", "git/list-matching-refs")
    def refs_matching(self, request: Request, call: Call) -> Response:
        """Every ref whose name starts with ``refs/<ref>``; an empty list when none does
        (https://docs.github.com/rest/git/refs#list-matching-references)."""
        repo = self._repo(call)
        call.store.require_not_empty(repo)
        prefix = "refs/" + call.params.get("ref", "")
        found = sorted((n, s) for n, s in repo.git.refs().items() if n.startswith(prefix))
        page, headers = self._page(request, found)
        return Response.json(200, [self._ref(request, repo, n, s) for n, s in page], headers,
                             JSON_TYPE)

    @route("POST", REPO + "/git/refs", "git/create-ref")
    def ref_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        body = self._json(request)
        ref, sha = body.get("ref"), body.get("sha")
        if not isinstance(ref, str) or not isinstance(sha, str):
            raise validation_failed({"resource": "Reference", "field": "ref" if not isinstance(
                ref, str) else "sha", "code": "missing_field"},
                docs="https://docs.github.com/rest/git/refs#create-a-reference")
        call.store.create_ref(repo, ref, sha, call.actor)
        shown = self._ref(request, repo, ref, sha.lower())
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("PATCH", REPO + "/git/refs/{ref:path}", "git/update-ref")
    def ref_update(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        body = self._json(request)
        sha = body.get("sha")
        if not isinstance(sha, str):
            raise validation_failed({"resource": "Reference", "field": "sha",
                                     "code": "missing_field"},
                                    docs="https://docs.github.com/rest/git/refs#update-a-reference")
        name = "refs/" + call.params["ref"]
        call.store.update_ref(repo, name, sha, bool(body.get("force", False)), call.actor)
        return Response.json(200, self._ref(request, repo, name, sha.lower()), (), JSON_TYPE)

    @route("DELETE", REPO + "/git/refs/{ref:path}", "git/delete-ref")
    def ref_delete(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        call.store.delete_ref(repo, "refs/" + call.params["ref"], call.actor)
        return Response(204)

    # -- contents ----------------------------------------------------------------------------

    @route("GET", REPO + "/contents/{path:path}", "repos/get-content")
    @route("GET", REPO + "/contents/", "repos/get-content")
    @route("GET", REPO + "/contents", "repos/get-content")
    def contents_get(self, request: Request, call: Call) -> Response:
        """A file (base64) or a directory listing
        (https://docs.github.com/rest/repos/contents#get-repository-content)."""
        repo = self._repo(call)
        path = call.params.get("path", "").strip("/")
        ref = request.arg("ref")
        _, (mode, kind, sha) = call.store.read_path(repo, path, ref)
        shown_ref = ref or repo.default_branch
        if kind == "tree":
            listed = [self._content(request, repo, f"{path}/{p}" if path else p, m, k, s,
                                    shown_ref, False)
                      for p, m, k, s in repo.git.entries(sha)]
            if getattr(self._local, "version", _wire.DEFAULT_VERSION) == _wire.DEFAULT_VERSION:
                # 2022-11-28 lists a submodule as a file; 2026-03-10 as a submodule
                # (the operation's x-github-breaking-changes in the OpenAPI description).
                for entry in listed:
                    if entry["type"] == "submodule":
                        entry["type"] = "file"
            return Response.json(200, listed, (), JSON_TYPE)
        blob = repo.git.blob(sha) if kind == "blob" else None
        if blob is not None and self._raw_wanted():
            return Response(200, [("Content-Type", RAW_TYPE)], blob.as_raw_string())
        return Response.json(200, self._content(request, repo, path, mode, kind, sha,
                                                 shown_ref, True), (), JSON_TYPE)

    def _write_result(self, request: Request, call: Call, repo: Repository, path: str,
                      blob: str | None, commit: str, branch: str) -> dict[str, Any]:
        content = None
        if blob is not None:
            content = self._content(request, repo, path, "100644", "blob", blob, branch, False)
        return {"content": content, "commit": self._git_commit(request, repo, commit)}

    @route("PUT", REPO + "/contents/{path:path}", "repos/create-or-update-file-contents")
    def contents_put(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        body = self._json(request)
        message, content = body.get("message"), body.get("content")
        if not isinstance(message, str) or not isinstance(content, str):
            missing = "message" if not isinstance(message, str) else "content"
            raise validation_failed({"resource": "Contents", "field": missing,
                                     "code": "missing_field"}, docs=_CONTENTS_PUT)
        try:
            data = base64.b64decode(content, validate=True)
        except (ValueError, binascii.Error):
            raise fail(422, "content is not valid Base64", _CONTENTS_PUT) from None
        sha = body.get("sha")
        written = call.store.write_file(
            repo, call.params["path"], data, message, sha if isinstance(sha, str) else None,
            body.get("branch"), call.store.person(call.actor, body.get("author")),
            call.store.person(call.actor, body.get("committer") or body.get("author")),
            call.actor)
        branch = body.get("branch") or repo.default_branch
        shown = self._write_result(request, call, repo, written.path, written.blob,
                                   written.commit, branch)
        return Response.json(200 if isinstance(sha, str) else 201, shown, (), JSON_TYPE)

    @route("DELETE", REPO + "/contents/{path:path}", "repos/delete-file")
    def contents_delete(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write")
        body = self._json(request)
        message, sha = body.get("message"), body.get("sha")
        if not isinstance(message, str):
            raise validation_failed({"resource": "Contents", "field": "message",
                                     "code": "missing_field"}, docs=_CONTENTS_DELETE)
        written = call.store.write_file(
            repo, call.params["path"], None, message, sha if isinstance(sha, str) else None,
            body.get("branch"), call.store.person(call.actor, body.get("author")),
            call.store.person(call.actor, body.get("committer") or body.get("author")),
            call.actor)
        branch = body.get("branch") or repo.default_branch
        shown = self._write_result(request, call, repo, written.path, None, written.commit,
                                   branch)
        return Response.json(200, shown, (), JSON_TYPE)


    # -- pull requests -----------------------------------------------------------------------

    def _pull_json(self, request: Request, store: GitHubState, repo: Repository,
                   pull: PullRequest, full: bool, compute: bool = True) -> dict[str, Any]:
        """``compute``: this read counts as one that asks for mergeability (creation's
        answer shows null and asks for nothing)."""
        api = f"{request.base}/repos/{repo.full_name}"
        web = f"{request.origin}/{repo.full_name}"
        base_sha, head_sha = current_heads(repo, pull)
        owner = self._user(request, store.account(repo.owner))
        repo_json = self._repo_json(request, store, repo)

        def side(branch: str, sha: str) -> dict[str, Any]:
            return {"label": f"{repo.owner}:{branch}", "ref": branch, "sha": sha,
                    "user": owner, "repo": repo_json}

        url = f"{api}/pulls/{pull.number}"
        issue = repo.issues.get(pull.number)  # labels, assignees, comments: the issue's
        assignees = [self._user(request, store.accounts.get(login))
                     for login in (issue.assignees if issue else ())]
        shown: dict[str, Any] = {
            "url": url, "id": pull.id, "node_id": _node_id("PullRequest", pull.id),
            "html_url": f"{web}/pull/{pull.number}", "diff_url": f"{web}/pull/{pull.number}.diff",
            "patch_url": f"{web}/pull/{pull.number}.patch",
            "issue_url": f"{api}/issues/{pull.number}", "number": pull.number,
            "state": pull.state, "locked": False, "title": pull.title,
            "user": self._user(request, store.accounts.get(pull.user)), "body": pull.body,
            "created_at": _iso(pull.created_at), "updated_at": _iso(pull.updated_at),
            "closed_at": _iso(pull.closed_at), "merged_at": _iso(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": assignees[0] if assignees else None, "assignees": assignees,
            "requested_reviewers": [self._user(request, store.accounts.get(login))
                                    for login in repo.flow.requested.get(pull.number, [])],
            "requested_teams": requested_teams_json(request, store, repo, pull.number),
            "labels": self._labels_of(request, repo, issue.labels if issue else ()),
            "milestone": self._milestone_json(request, store, repo,
                                              issue.milestone if issue else None),
            "draft": pull.draft,
            "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{pull.number}/comments",
            "statuses_url": f"{api}/statuses/{head_sha}",
            "head": side(pull.head, head_sha), "base": side(pull.base, base_sha),
            "_links": {"self": {"href": url}, "html": {"href": f"{web}/pull/{pull.number}"},
                       "issue": {"href": f"{api}/issues/{pull.number}"},
                       "comments": {"href": f"{api}/issues/{pull.number}/comments"},
                       "review_comments": {"href": f"{url}/comments"},
                       "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                       "commits": {"href": f"{url}/commits"},
                       "statuses": {"href": f"{api}/statuses/{head_sha}"}},
            "author_association": "OWNER" if pull.user == repo.owner else "CONTRIBUTOR",
            "auto_merge": None, "active_lock_reason": None,
        }
        if full:
            known = mergeable(store, repo, pull) if compute else None
            ahead = list(repo.git.log(head_sha, exclude=[base_sha]))
            bases = repo.git.merge_bases(base_sha, head_sha)
            files = self._files(request, repo, _tree(repo, bases[0]) if bases else None,
                                _tree(repo, head_sha), head_sha)
            state = "unknown" if known is None else (
                "dirty" if not known else "draft" if pull.draft else
                judge(store, repo, pull, self.principal.login, base_sha, head_sha).state)
            shown.update({
                "merged": pull.merged_at is not None, "mergeable": known,
                "rebaseable": known, "mergeable_state": state,
                "merged_by": self._user(request, store.accounts.get(pull.merged_by or "")),
                "comments": len(issue.comments) if issue else 0, "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": len(ahead), "additions": sum(f["additions"] for f in files),
                "deletions": sum(f["deletions"] for f in files), "changed_files": len(files),
            })
        return shown

    @route("POST", REPO + "/pulls", "pulls/create")
    def pull_create(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "pull_requests")
        body = self._json(request)
        head, base = body.get("head"), body.get("base")
        if not isinstance(head, str) or not isinstance(base, str):
            raise validation_failed({"resource": "PullRequest", "code": "missing_field",
                                     "field": "head" if not isinstance(head, str) else "base"},
                                    docs="https://docs.github.com/rest/pulls/pulls#create-a-pull-request")
        title = body.get("title")
        pull = create_pull(call.store, repo, title if isinstance(title, str) else None, head,
                           base, body.get("body"), bool(body.get("draft", False)), call.actor)
        shown = self._pull_json(request, call.store, repo, pull, True, compute=False)
        return Response.json(201, shown, [("Location", shown["url"])], JSON_TYPE)

    @route("GET", REPO + "/pulls", "pulls/list")
    def pull_list(self, request: Request, call: Call) -> Response:
        """Open pull requests by default, newest first
        (https://docs.github.com/rest/pulls/pulls#list-pull-requests)."""
        repo = self._repo(call, "read", "pull_requests")
        wanted = request.arg("state") or "open"
        head, base = request.arg("head"), request.arg("base")
        pulls = [p for p in sorted(repo.pulls.values(), key=lambda p: -p.number)
                 if wanted in ("all", p.state)
                 and (head is None or head in (f"{repo.owner}:{p.head}", p.head))
                 and (base is None or base == p.base)]
        page, headers = self._page(request, pulls)
        return Response.json(200, [self._pull_json(request, call.store, repo, p, False)
                                   for p in page], headers, JSON_TYPE)

    @route("GET", REPO + "/pulls/{pull_number}", "pulls/get")
    def pull_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "pull_requests")
        pull = get_pull(repo, call.params["pull_number"])
        if self._media_wanted() == "diff":
            base_sha, head_sha = current_heads(repo, pull)
            bases = repo.git.merge_bases(base_sha, head_sha)
            return Response(200, [("Content-Type", _wire.DIFF_TYPE)],
                            _wire.diff(repo, bases[0] if bases else base_sha, head_sha))
        return Response.json(200, self._pull_json(request, call.store, repo, pull, True), (),
                             JSON_TYPE)

    @route("PATCH", REPO + "/pulls/{pull_number}", "pulls/update")
    def pull_update(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "pull_requests")
        pull = get_pull(repo, call.params["pull_number"])
        body = self._json(request)
        title, text, state = body.get("title"), body.get("body"), body.get("state")
        update_pull(call.store, repo, pull, title=title if isinstance(title, str) else None,
                    body=text if isinstance(text, str) else None,
                    new_state=str(state) if state is not None else None, actor=call.actor)
        return Response.json(200, self._pull_json(request, call.store, repo, pull, True), (),
                             JSON_TYPE)

    @route("GET", REPO + "/pulls/{pull_number}/merge", "pulls/check-if-merged")
    def pull_merged(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "read", "pull_requests")
        pull = get_pull(repo, call.params["pull_number"])
        if pull.merged_at is None:
            raise fail(404, "Not Found", "https://docs.github.com/rest/pulls/pulls"
                       "#check-if-a-pull-request-has-been-merged")
        return Response(204)

    @route("PUT", REPO + "/pulls/{pull_number}/merge", "pulls/merge")
    def pull_merge(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "write", "contents")
        pull = get_pull(repo, call.params["pull_number"])
        body = self._json(request)
        sha, title, message = body.get("sha"), body.get("commit_title"), body.get(
            "commit_message")
        commit = merge_pull(call.store, repo, pull, str(body.get("merge_method") or "merge"),
                            sha if isinstance(sha, str) else None,
                            title if isinstance(title, str) else None,
                            message if isinstance(message, str) else None, call.actor)
        return Response.json(200, {"sha": commit, "merged": True,
                                   "message": "Pull Request successfully merged"}, (), JSON_TYPE)


    # -- branch protection -------------------------------------------------------------------

    def _protection_json(self, request: Request, repo: Repository, branch: str,
                         protection: Protection) -> dict[str, Any]:
        url = f"{request.base}/repos/{repo.full_name}/branches/{quote(branch)}/protection"
        shown: dict[str, Any] = {"url": url}
        if protection.status_checks:
            shown["required_status_checks"] = {
                "url": f"{url}/required_status_checks", "strict": protection.strict,
                "contexts": list(protection.contexts),
                "checks": [{"context": c, "app_id": None} for c in protection.contexts],
                "contexts_url": f"{url}/required_status_checks/contexts"}
        reviews = protection.reviews
        if reviews is not None:
            shown["required_pull_request_reviews"] = {
                "url": f"{url}/required_pull_request_reviews",
                "dismiss_stale_reviews": reviews.dismiss_stale,
                "require_code_owner_reviews": reviews.code_owners,
                "required_approving_review_count": reviews.count,
                "require_last_push_approval": reviews.last_push}
        if protection.restricted:
            shown["restrictions"] = {"url": f"{url}/restrictions",
                                     "users_url": f"{url}/restrictions/users",
                                     "teams_url": f"{url}/restrictions/teams",
                                     "apps_url": f"{url}/restrictions/apps",
                                     "users": [], "teams": [], "apps": []}
        shown.update({
            "enforce_admins": {"url": f"{url}/enforce_admins",
                               "enabled": protection.enforce_admins},
            "required_linear_history": {"enabled": protection.linear_history},
            "allow_force_pushes": {"enabled": protection.allow_force_pushes},
            "allow_deletions": {"enabled": protection.allow_deletions},
            "block_creations": {"enabled": False},
            "required_conversation_resolution": {"enabled": protection.conversation_resolution},
            "lock_branch": {"enabled": False}, "allow_fork_syncing": {"enabled": False},
            "required_signatures": {"url": f"{url}/required_signatures", "enabled": False},
        })
        return shown

    def _protected(self, repo: Repository, branch: str) -> Protection:
        if repo.branch_head(branch) is None:
            raise fail(404, "Branch not found", _PROTECTION)
        protection = repo.protections.get(branch)
        if protection is None:
            raise fail(404, "Branch not protected", _PROTECTION)
        return protection

    @route("PUT", REPO + "/branches/{branch:path}/protection", "repos/update-branch-protection")
    def protection_put(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "admin", "administration")
        branch = call.params["branch"]
        protection = parse_protection(self._json(request))
        protect_branch(call.store, repo, branch, protection, call.actor)
        return Response.json(200, self._protection_json(request, repo, branch, protection), (),
                             JSON_TYPE)

    @route("GET", REPO + "/branches/{branch:path}/protection", "repos/get-branch-protection")
    def protection_get(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "admin", "administration")
        branch = call.params["branch"]
        protection = self._protected(repo, branch)
        return Response.json(200, self._protection_json(request, repo, branch, protection), (),
                             JSON_TYPE)

    @route("DELETE", REPO + "/branches/{branch:path}/protection",
           "repos/delete-branch-protection")
    def protection_delete(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "admin", "administration")
        protect_branch(call.store, repo, call.params["branch"], None, call.actor)
        return Response(204)

    @route("GET", REPO + "/branches/{branch:path}/protection/required_status_checks",
           "repos/get-status-checks-protection")
    def protection_checks(self, request: Request, call: Call) -> Response:
        repo = self._repo(call, "admin", "administration")
        branch = call.params["branch"]
        protection = self._protected(repo, branch)
        if not protection.status_checks:
            raise fail(404, "Required status checks not enabled", _PROTECTION)
        shown = self._protection_json(request, repo, branch, protection)
        return Response.json(200, shown["required_status_checks"], (), JSON_TYPE)


_PROTECTION = "https://docs.github.com/rest/branches/branch-protection"
_CONTENTS_PUT = "https://docs.github.com/rest/repos/contents#create-or-update-file-contents"
_CONTENTS_DELETE = "https://docs.github.com/rest/repos/contents#delete-a-file"
_UNSIGNED = {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
             "verified_at": None}
_REPO_LINKS = [
    ("forks_url", "/forks"), ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"), ("teams_url", "/teams"),
    ("hooks_url", "/hooks"), ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"), ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"), ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"), ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"), ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"), ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"), ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"), ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"), ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"), ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"), ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"), ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"), ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("labels_url", "/labels{/name}"), ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
]


def _node_id(kind: str, key: object) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def _etag_matches(header: str, etag: str) -> bool:
    bare = etag.removeprefix("W/")
    return any(tag.strip() in ("*", etag, bare) or tag.strip().removeprefix("W/") == bare
               for tag in header.split(","))


def _int_arg(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.arg(name)
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        value = default
    value = max(value, low)
    return min(value, high) if high is not None else value


def _tree(repo: Repository, commit: str) -> str:
    found = repo.git.commit(commit)
    assert isinstance(found, Commit)
    return str(found.tree.decode())


def _by_email(store: GitHubState, email: str) -> Account | None:
    return next((a for a in store.accounts.values() if a.email == email), None)


def _lines(repo: Repository, sha: str) -> list[bytes]:
    blob = repo.git.blob(sha)
    return blob.as_raw_string().splitlines() if blob is not None else []


def _line_changes(old: list[bytes], new: list[bytes]) -> tuple[int, int]:
    """Lines added and removed, from the longest common subsequence difflib finds."""
    import difflib

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    return len(new) - kept, len(old) - kept
