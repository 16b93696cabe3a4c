"""Routes of repository and organization webhooks, and the events the fake delivers to
them: ``push``, ``create``, ``delete``, ``pull_request``, ``pull_request_review``,
``check_run``, ``check_suite``, ``status`` and ``ping`` (the issues surface's and the
repository's events are ``_api_issue_events``')
(https://docs.github.com/webhooks/webhook-events-and-payloads), each with the
``repository`` and ``sender`` (and ``organization``) GitHub sends. Events are read
after every request from the branch heads and the journal; delivery is ``_webhooks``'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import attrs
from dulwich.objects import Commit, Tag

from fakes._adapter import Call, route
from fakes._faults import Faults
from fakes._http import Request, Response
from fakes._journal import Change
from fakes.github._api_base import RoutesBase
from fakes.github._checks import suite_state
from fakes.github._errors import fail
from fakes.github._model import Account, GitHubState, Repository
from fakes.github._webhooks import Delivery, Hook, Webhooks, matching

REPO = "/repos/{owner}/{repo}"
ORG = "/orgs/{org}"
JSON_TYPE = "application/json; charset=utf-8"
ZEN = "Keep it logically awesome."


@attrs.frozen
class Where:
    """The origin and API base URLs a payload's links start with (a request's, or the
    fake's own for events no request caused)."""

    origin: str
    base: str


class HooksRoutes(RoutesBase):
    """Webhooks: the routes, and the events found after each request."""

    def __init__(self, store: GitHubState, faults: Faults) -> None:
        super().__init__(store, faults)
        self.hooks = Webhooks(store.clock)
        self._seq = store.journal.last
        self._heads: dict[tuple[str, str], str] = {}
        self._pull_states: dict[tuple[str, int], str] = {}

    def reset(self) -> None:
        super().reset()
        self.hooks.clear()
        self._seq = self.store.journal.last
        self._heads.clear()
        self._pull_states.clear()

    def renamed(self, old: str, new: str) -> None:
        """A repository was renamed: its hooks and the heads last seen follow it."""
        self.hooks.retarget(old, new)
        for full, name in list(self._heads):
            if full == old:
                self._heads[(new, name)] = self._heads.pop((full, name))

    # -- events ------------------------------------------------------------------------------

    def _hooks_for(self, repo: Repository) -> list[Hook]:
        return [*self.hooks.of("Repository", repo.full_name),
                *self.hooks.of("Organization", repo.owner)]

    def emit_events(self, where: Request | Where) -> None:
        """Deliver the events of what changed since the last call."""
        request = cast(Request, where)  # the payload builders read origin and base only
        store = self.store
        with store.lock:
            changes = store.journal.since(self._seq)
            self._seq = store.journal.last
            if not self.hooks.hooks:
                return
            movers = _movers(changes)
            for repo in list(store.repos.values()):
                if self._hooks_for(repo):
                    self._pushes(request, repo, movers)
            for change in changes:
                name, _, number = change.resource.partition("#")
                owner, _, short = name.partition("/")
                changed = store._find_repo(owner, short) if short else None
                if changed is None or not self._hooks_for(changed):
                    continue
                if self.issue_event(request, changed, change):
                    continue
                self._event_of(request, changed, change.operation, change.actor,
                               int(number) if number.isdigit() else None, change.detail)

    def _deliver(self, request: Request, repo: Repository, event: str, actor: str | None,
                 payload: dict[str, Any]) -> None:
        hooks = matching(self._hooks_for(repo), event)
        if not hooks:
            return
        payload["repository"] = self._repo_json(request, self.store, repo)
        owner = self.store.accounts.get(repo.owner)
        if owner is not None and owner.type == "Organization":
            payload["organization"] = self._organization(request, owner)
        payload["sender"] = self._user(request, self.store.accounts.get(actor or ""))
        for hook in hooks:
            self.hooks.send(hook, event, payload, repo.id)

    def _organization(self, request: Request, account: Account) -> dict[str, Any]:
        """An event's ``organization`` (GitHub's organization-simple-webhooks schema, whose
        ``description`` is a string: empty when the organization has none)."""
        shown = self._account(request, self.store, account)
        return {**shown, "description": shown.get("description") or ""}

    def _pushes(self, request: Request, repo: Repository,
                movers: Mapping[tuple[str, str], str]) -> None:
        """``push`` for every branch or tag that moved, appeared or went since the last
        look; ``create`` and ``delete`` for those that appeared or went; ``pull_request``
        ``synchronize`` for the open pull requests whose head branch moved."""
        refs = {name: sha for name, sha in repo.git.refs().items()
                if name.startswith(("refs/heads/", "refs/tags/"))}
        gone = [name for (full, name) in self._heads
                if full == repo.full_name and name not in refs]
        for name in gone:
            last = self._heads.pop((repo.full_name, name))
            actor = movers.get((repo.full_name, name))
            self._deliver(request, repo, "push", actor, {
                "ref": name, "before": last, "after": ZERO_SHA, "created": False,
                "deleted": True, "forced": False, "base_ref": None,
                "compare": f"{request.origin}/{repo.full_name}/compare/{last[:12]}...000000000000",
                "commits": [], "head_commit": None, "pusher": self._pusher(actor, None)})
            self._deliver(request, repo, "delete", actor, {
                **_ref_fields(name), "pusher_type": "user"})
        for name, sha in refs.items():
            key = (repo.full_name, name)
            before = self._heads.get(key)
            self._heads[key] = sha
            if before == sha:
                continue
            actor = movers.get(key)
            tag = name.startswith("refs/tags/")
            target = _peeled(repo, sha)
            if tag or target is None:
                shown: list[dict[str, Any]] = []
            else:
                commits = list(repo.git.log(sha, exclude=[before] if before else []))[:20]
                shown = [self._push_commit(request, repo, c) for c in reversed(commits)]
            forced = not tag and before is not None and \
                repo.git.commit(before) is not None and not repo.git.is_ancestor(before, sha)
            head = shown[-1] if shown else (
                None if target is None else self._push_commit(request, repo, target))
            self._deliver(request, repo, "push", actor, {
                "ref": name, "before": before or ZERO_SHA, "after": sha,
                "created": before is None, "deleted": False, "forced": forced,
                "base_ref": None,
                "compare": f"{request.origin}/{repo.full_name}/compare/"
                           f"{(before or ZERO_SHA)[:12]}...{sha[:12]}",
                "commits": shown, "head_commit": head, "pusher": self._pusher(actor, head)})
            if before is None:
                self._deliver(request, repo, "create", actor, {
                    **_ref_fields(name), "master_branch": repo.default_branch,
                    "description": repo.description, "pusher_type": "user"})
            branch = name.removeprefix("refs/heads/")
            for pull in repo.pulls.values():
                if not tag and pull.state == "open" and pull.head == branch \
                        and before is not None:
                    self._deliver(request, repo, "pull_request", actor, {
                        "action": "synchronize", "number": pull.number, "before": before,
                        "after": sha,
                        "pull_request": self._pull_json(request, self.store, repo, pull, True,
                                               compute=False)})

    def _pusher(self, actor: str | None, head: Mapping[str, Any] | None) -> dict[str, Any]:
        """The push event's ``pusher``: the account that pushed, else the committer."""
        account = self.store.accounts.get(actor or "")
        if account is None and head is not None:
            return {"name": head["committer"]["name"], "email": head["committer"]["email"]}
        return {"name": account and account.login, "email": account and account.email}

    def _push_commit(self, request: Request, repo: Repository, sha: str) -> dict[str, Any]:
        git = self._git_commit(request, repo, sha)
        return {"id": sha, "tree_id": git["tree"]["sha"], "distinct": True,
                "message": git["message"], "timestamp": git["committer"]["date"],
                "url": f"{request.origin}/{repo.full_name}/commit/{sha}",
                "author": git["author"], "committer": git["committer"],
                "added": [], "removed": [], "modified": []}

    def _event_of(self, request: Request, repo: Repository, operation: str, actor: str,
                  number: int | None, detail: Mapping[str, Any]) -> None:
        from fakes.github._reviews import reviews_of

        flow = repo.flow
        pull = repo.pulls.get(number) if number is not None else None
        if pull is not None and operation.startswith("pull."):
            key = (repo.full_name, pull.number)
            before = self._pull_states.get(key)
            self._pull_states[key] = pull.state
            action = {"pull.create": "opened", "pull.merge": "closed"}.get(operation)
            if action is None:
                action = "edited" if before == pull.state or (before is None and \
                    pull.state == "open") else ("closed" if pull.state == "closed"
                                               else "reopened")
            self._deliver(request, repo, "pull_request", actor, {
                "action": action, "number": pull.number,
                "pull_request": self._pull_json(request, self.store, repo, pull, True,
                                               compute=False)})
        elif pull is not None and operation in ("review.create", "review.submit",
                                                "review.dismiss"):
            wanted = detail.get("id")
            review = next((r for r in reviews_of(self.store, repo, pull) if r.id == wanted),
                          None)
            if review is None or review.state == "PENDING":
                return
            shown = self._review_json(request, repo, pull, review)
            shown["state"] = review.state.lower()  # the event spells states in lower case
            self._deliver(request, repo, "pull_request_review", actor, {
                "action": "dismissed" if operation == "review.dismiss" else "submitted",
                "review": shown,
                "pull_request": self._pull_json(request, self.store, repo, pull, True,
                                               compute=False)})
        elif operation in ("check_run.create", "check_run.update"):
            run = flow.runs.get(int(detail.get("id", 0)))
            if run is None or (operation == "check_run.update" and run.status != "completed"):
                return
            action = "created" if operation == "check_run.create" else "completed"
            self._deliver(request, repo, "check_run", actor, {
                "action": action, "check_run": self._run_json(request, repo, run)})
            suite = flow.suites[run.suite]
            if run.status == "completed" and suite_state(repo, suite)[0] == "completed":
                self._deliver(request, repo, "check_suite", actor, {
                    "action": "completed",
                    "check_suite": self._suite_json(request, repo, suite)})
        elif operation == "status.create":
            status = next((s for s in flow.statuses if s.id == detail.get("id")), None)
            if status is None:
                return
            shown = self._status_json(request, repo, status)
            self._deliver(request, repo, "status", actor, {
                "id": status.id, "sha": status.sha, "name": repo.full_name,
                "target_url": status.target_url, "context": status.context,
                "description": status.description, "state": status.state,
                "commit": self._commit(request, self.store, repo, status.sha),
                "branches": [],
                "created_at": shown["created_at"], "updated_at": shown["updated_at"]})

    # -- representations ------------------------------------------------------------------------

    def _hook_json(self, request: Request, hook: Hook) -> dict[str, Any]:
        if hook.scope == "Repository":
            url = f"{request.base}/repos/{hook.target}/hooks/{hook.id}"
        else:
            url = f"{request.base}/orgs/{hook.target}/hooks/{hook.id}"
        config: dict[str, Any] = {"content_type": hook.content_type,
                                  "insecure_ssl": hook.insecure_ssl, "url": hook.url}
        if hook.secret is not None:
            config["secret"] = "********"  # GitHub never shows a secret again
        shown: dict[str, Any] = {
            "type": hook.scope, "id": hook.id, "name": "web", "active": hook.active,
            "events": hook.events, "config": config,
            "updated_at": hook.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_at": hook.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": url, "ping_url": f"{url}/pings", "deliveries_url": f"{url}/deliveries",
        }
        if hook.scope == "Repository":
            shown.update({"test_url": f"{url}/test", "last_response": hook.last_response})
        return shown

    def _delivery_json(self, delivery: Delivery, full: bool) -> dict[str, Any]:
        with self.hooks.lock:
            moment = delivery.delivered_at or self.store.clock.now()
            shown: dict[str, Any] = {
                "id": delivery.id, "guid": delivery.guid,
                "delivered_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "redelivery": delivery.redelivery, "duration": delivery.duration,
                "status": delivery.status, "status_code": delivery.status_code,
                "event": delivery.event, "action": delivery.action, "installation_id": None,
                "repository_id": delivery.repository_id,
            }
            if full:
                shown.update({
                    "url": delivery.url,
                    "request": {"headers": dict(delivery.headers), "payload": delivery.payload},
                    "response": {"headers": dict(delivery.response_headers),
                                 "payload": delivery.response_body}})
            return shown

    def _ok(self, status: int, body: Any, headers: Sequence[tuple[str, str]] = ()) -> Response:
        return Response.json(status, body, headers, JSON_TYPE)

    # -- routes, shared by repository and organization hooks ------------------------------------

    def _scope(self, call: Call) -> tuple[str, str, int, Repository | None]:
        if "org" in call.params:
            login = call.params["org"]
            account = self.store.account(login)
            role = self.store.members.get(account.login, {}).get(self.principal.login or "")
            if account.type != "Organization" or role != "admin":
                raise fail(404)
            return "Organization", account.login, account.id, None
        repo = self._repo(call, "admin", "administration")
        return "Repository", repo.full_name, repo.id, repo

    def _ping(self, request: Request, hook: Hook, repo: Repository | None, actor: str) -> None:
        payload: dict[str, Any] = {"zen": ZEN, "hook_id": hook.id,
                                   "hook": self._hook_json(request, hook)}
        if repo is not None:
            self._deliver(request, repo, "ping", actor, payload)
            return
        account = self.store.account(hook.target)
        payload["organization"] = self._organization(request, account)
        payload["sender"] = self._user(request, self.store.accounts.get(actor))
        self.hooks.send(hook, "ping", payload, None)

    def _create(self, request: Request, call: Call) -> Response:
        scope, target, target_id, repo = self._scope(call)
        hook = self.hooks.create(scope, target, target_id, self._json(request))
        # What the branches hold now was pushed before the hook: not an event.
        for found in ([repo] if repo is not None else
                      [r for r in self.store.repos.values() if r.owner == target]):
            for name, sha in found.git.refs().items():
                self._heads.setdefault((found.full_name, name), sha)
        self._ping(request, hook, repo, call.actor)  # GitHub pings a new hook
        return self._ok(201, self._hook_json(request, hook),
                        [("Location", self._hook_json(request, hook)["url"])])

    def _list(self, request: Request, call: Call) -> Response:
        scope, target, _, _ = self._scope(call)
        page, headers = self._page(request, self.hooks.of(scope, target))
        return self._ok(200, [self._hook_json(request, h) for h in page], headers)

    def _get(self, request: Request, call: Call) -> Response:
        scope, target, _, _ = self._scope(call)
        hook = self.hooks.find(scope, target, call.params["hook_id"])
        return self._ok(200, self._hook_json(request, hook))

    def _delete(self, request: Request, call: Call) -> Response:
        scope, target, _, _ = self._scope(call)
        self.hooks.delete(self.hooks.find(scope, target, call.params["hook_id"]))
        return Response(204)

    def _pings(self, request: Request, call: Call) -> Response:
        scope, target, _, repo = self._scope(call)
        hook = self.hooks.find(scope, target, call.params["hook_id"])
        self._ping(request, hook, repo, call.actor)
        return Response(204)

    def _deliveries(self, request: Request, call: Call) -> Response:
        """Newest first."""
        scope, target, _, _ = self._scope(call)
        hook = self.hooks.find(scope, target, call.params["hook_id"])
        with self.hooks.lock:
            found = [d for d in reversed(self.hooks.deliveries) if d.hook == hook.id]
        page, headers = self._page(request, found)
        return self._ok(200, [self._delivery_json(d, False) for d in page], headers)

    def _delivery(self, request: Request, call: Call) -> Response:
        scope, target, _, _ = self._scope(call)
        hook = self.hooks.find(scope, target, call.params["hook_id"])
        delivery = self.hooks.find_delivery(hook, call.params["delivery_id"])
        return self._ok(200, self._delivery_json(delivery, True))

    def _redeliver(self, request: Request, call: Call) -> Response:
        scope, target, _, _ = self._scope(call)
        hook = self.hooks.find(scope, target, call.params["hook_id"])
        self.hooks.redeliver(self.hooks.find_delivery(hook, call.params["delivery_id"]))
        return self._ok(202, {})

    @route("POST", REPO + "/hooks", "repos/create-webhook")
    def repo_hook_create(self, request: Request, call: Call) -> Response:
        return self._create(request, call)

    @route("GET", REPO + "/hooks", "repos/list-webhooks")
    def repo_hook_list(self, request: Request, call: Call) -> Response:
        return self._list(request, call)

    @route("GET", REPO + "/hooks/{hook_id}", "repos/get-webhook")
    def repo_hook_get(self, request: Request, call: Call) -> Response:
        return self._get(request, call)

    @route("DELETE", REPO + "/hooks/{hook_id}", "repos/delete-webhook")
    def repo_hook_delete(self, request: Request, call: Call) -> Response:
        return self._delete(request, call)

    @route("POST", REPO + "/hooks/{hook_id}/pings", "repos/ping-webhook")
    def repo_hook_ping(self, request: Request, call: Call) -> Response:
        return self._pings(request, call)

    @route("GET", REPO + "/hooks/{hook_id}/deliveries", "repos/list-webhook-deliveries")
    def repo_hook_deliveries(self, request: Request, call: Call) -> Response:
        return self._deliveries(request, call)

    @route("GET", REPO + "/hooks/{hook_id}/deliveries/{delivery_id}",
           "repos/get-webhook-delivery")
    def repo_hook_delivery(self, request: Request, call: Call) -> Response:
        return self._delivery(request, call)

    @route("POST", REPO + "/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
           "repos/redeliver-webhook-delivery")
    def repo_hook_redeliver(self, request: Request, call: Call) -> Response:
        return self._redeliver(request, call)

    @route("POST", ORG + "/hooks", "orgs/create-webhook")
    def org_hook_create(self, request: Request, call: Call) -> Response:
        return self._create(request, call)

    @route("GET", ORG + "/hooks", "orgs/list-webhooks")
    def org_hook_list(self, request: Request, call: Call) -> Response:
        return self._list(request, call)

    @route("GET", ORG + "/hooks/{hook_id}", "orgs/get-webhook")
    def org_hook_get(self, request: Request, call: Call) -> Response:
        return self._get(request, call)

    @route("DELETE", ORG + "/hooks/{hook_id}", "orgs/delete-webhook")
    def org_hook_delete(self, request: Request, call: Call) -> Response:
        return self._delete(request, call)

    @route("POST", ORG + "/hooks/{hook_id}/pings", "orgs/ping-webhook")
    def org_hook_ping(self, request: Request, call: Call) -> Response:
        return self._pings(request, call)

    @route("GET", ORG + "/hooks/{hook_id}/deliveries", "orgs/list-webhook-deliveries")
    def org_hook_deliveries(self, request: Request, call: Call) -> Response:
        return self._deliveries(request, call)

    @route("GET", ORG + "/hooks/{hook_id}/deliveries/{delivery_id}",
           "orgs/get-webhook-delivery")
    def org_hook_delivery(self, request: Request, call: Call) -> Response:
        return self._delivery(request, call)

    @route("POST", ORG + "/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
           "orgs/redeliver-webhook-delivery")
    def org_hook_redeliver(self, request: Request, call: Call) -> Response:
        return self._redeliver(request, call)


ZERO_SHA = "0" * 40


def _movers(changes: Sequence[Change]) -> dict[tuple[str, str], str]:
    """Who last moved each ``(repository, ref)`` in ``changes`` (a git push, a ref or
    contents write, a merge): the ``sender`` of its push, create and delete events."""
    found: dict[tuple[str, str], str] = {}
    for change in changes:
        ref = change.detail.get("ref")
        if ref is None and change.detail.get("branch"):
            ref = f"refs/heads/{change.detail['branch']}"
        if isinstance(ref, str):
            name = change.resource.partition("#")[0]
            found[(name, ref if ref.startswith("refs/") else f"refs/{ref}")] = change.actor
    return found


def _ref_fields(name: str) -> dict[str, str]:
    """``ref`` (the short name) and ``ref_type`` of the create and delete events."""
    if name.startswith("refs/tags/"):
        return {"ref": name.removeprefix("refs/tags/"), "ref_type": "tag"}
    return {"ref": name.removeprefix("refs/heads/"), "ref_type": "branch"}


def _peeled(repo: Repository, sha: str) -> str | None:
    """The commit ``sha`` names, through annotated tags; None if it names no commit."""
    for _ in range(10):
        found = repo.git.get(sha)
        if isinstance(found, Tag):
            sha = found.object[1].decode()
            continue
        return sha if isinstance(found, Commit) else None
    return None
