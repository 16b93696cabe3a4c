"""Webhooks: repository and organization hooks, signed deliveries POSTed from a
background thread, and the record of every delivery. No routes (``_api_hooks``).

https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries: the body
is signed with the hook's secret, HMAC-SHA256 in ``X-Hub-Signature-256`` as
``sha256=<hex>`` (and HMAC-SHA1 in the legacy ``X-Hub-Signature``);
https://docs.github.com/webhooks/webhook-events-and-payloads#delivery-headers for
``X-GitHub-Event``, ``X-GitHub-Delivery``, ``X-GitHub-Hook-ID`` and the
``X-GitHub-Hook-Installation-Target-*`` headers. Deliveries go to loopback URLs only:
the fake never reaches out of the machine; another URL is recorded as a failed delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import attrs

from fakes.github._errors import fail, validation_failed

if TYPE_CHECKING:
    from fakes._clock import Clock

__all__ = ["Delivery", "Hook", "Webhooks", "sign"]

DOCS = "https://docs.github.com/rest/repos/webhooks"
#: Event names a hook may subscribe to (https://docs.github.com/webhooks/webhook-events-
#: and-payloads); the fake delivers push, create, delete, pull_request,
#: pull_request_review, check_run, check_suite, status, issues, issue_comment, label,
#: milestone, repository and ping, the others never happen in it.
EVENTS = frozenset((
    "*", "branch_protection_rule", "check_run", "check_suite", "code_scanning_alert",
    "commit_comment", "create", "delete", "deployment", "deployment_status", "discussion",
    "discussion_comment", "fork", "gollum", "issue_comment", "issues", "label", "member",
    "merge_group", "meta", "milestone", "package", "page_build", "ping", "project",
    "project_card", "project_column", "public", "pull_request", "pull_request_review",
    "pull_request_review_comment", "pull_request_review_thread", "push", "registry_package",
    "release", "repository", "repository_dispatch", "repository_ruleset", "star", "status",
    "team_add", "watch", "workflow_dispatch", "workflow_job", "workflow_run"))
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def sign(secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256``: ``sha256=`` and the HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@attrs.define
class Hook:
    id: int
    scope: str  # "Repository" or "Organization"
    target: str  # owner/name or the organization's login
    target_id: int
    url: str
    content_type: str
    secret: str | None
    insecure_ssl: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    last_response: dict[str, Any] = attrs.field(
        factory=lambda: {"code": None, "status": "unused", "message": None})

    def wants(self, event: str) -> bool:
        return self.active and (event == "ping" or event in self.events or "*" in self.events)


@attrs.define
class Delivery:
    id: int
    guid: str
    hook: int
    event: str
    action: str | None
    repository_id: int | None
    url: str
    headers: dict[str, str]
    payload: dict[str, Any]
    body: bytes
    redelivery: bool = False
    delivered_at: datetime | None = None
    duration: float = 0.0
    status: str = "pending"
    status_code: int = 0
    response_headers: dict[str, str] = attrs.field(factory=dict)
    response_body: str | None = None


class Webhooks:
    """The hooks and their deliveries; deliveries are POSTed in order by one background
    thread, started with the first delivery and stopped with the fake."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.hooks: dict[int, Hook] = {}
        self.deliveries: list[Delivery] = []
        self._ids = 0
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def clear(self) -> None:
        self.wait(5.0)  # outside the lock: the thread takes it to record each answer
        with self.lock:
            self.hooks.clear()
            self.deliveries.clear()

    def _next(self) -> int:
        self._ids += 1
        return self._ids

    # -- hooks -------------------------------------------------------------------------------

    def create(self, scope: str, target: str, target_id: int, body: Mapping[str, Any]) -> Hook:
        """POST …/hooks: ``config.url`` required, ``events`` default ``["push"]``."""
        config = body.get("config")
        if not isinstance(config, Mapping) or not isinstance(config.get("url"), str) or \
                not urlsplit(str(config["url"])).scheme.startswith("http"):
            raise validation_failed({"resource": "Hook", "code": "custom",
                                     "message": "Config must contain URL for webhooks"},
                                    docs=f"{DOCS}#create-a-repository-webhook")
        events = body.get("events", ["push"])
        if not isinstance(events, list) or not all(e in EVENTS for e in events):
            raise validation_failed({"resource": "Hook", "code": "invalid", "field": "events"},
                                    docs=f"{DOCS}#create-a-repository-webhook")
        name = body.get("name", "web")
        if name != "web":
            raise validation_failed({"resource": "Hook", "code": "custom",
                                     "message": f"Name must be 'web', not {name!r}"},
                                    docs=f"{DOCS}#create-a-repository-webhook")
        content_type = str(config.get("content_type") or "form")
        if content_type not in ("json", "form"):
            raise validation_failed({"resource": "Hook", "code": "invalid",
                                     "field": "content_type"}, docs=DOCS)
        secret = config.get("secret")
        with self.lock:
            now = self.clock.now()
            hook = Hook(self._next(), scope, target, target_id, str(config["url"]),
                        content_type, secret if isinstance(secret, str) and secret else None,
                        str(config.get("insecure_ssl", "0")), [str(e) for e in events],
                        bool(body.get("active", True)), now, now)
            self.hooks[hook.id] = hook
            return hook

    def find(self, scope: str, target: str, number: str) -> Hook:
        hook = self.hooks.get(int(number)) if number.isdigit() else None
        if hook is None or hook.scope != scope or hook.target.lower() != target.lower():
            raise fail(404, "Not Found", DOCS)
        return hook

    def of(self, scope: str, target: str) -> list[Hook]:
        return [h for h in self.hooks.values()
                if h.scope == scope and h.target.lower() == target.lower()]

    def retarget(self, old: str, new: str) -> None:
        """A repository's hooks follow it to its new name."""
        with self.lock:
            for hook in self.hooks.values():
                if hook.scope == "Repository" and hook.target.lower() == old.lower():
                    hook.target = new

    def delete(self, hook: Hook) -> None:
        with self.lock:
            del self.hooks[hook.id]

    # -- deliveries ----------------------------------------------------------------------------

    def send(self, hook: Hook, event: str, payload: dict[str, Any],
             repository_id: int | None) -> Delivery:
        """Record a delivery of ``event`` to ``hook`` and queue it for the thread."""
        guid = str(uuid.uuid4())
        if hook.content_type == "json":
            body = json.dumps(payload).encode()
            content_type = "application/json"
        else:
            body = urlencode({"payload": json.dumps(payload)}).encode()
            content_type = "application/x-www-form-urlencoded"
        headers = {
            "Accept": "*/*", "Content-Type": content_type,
            "User-Agent": "GitHub-Hookshot/verified-fakes",
            "X-GitHub-Event": event, "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": str(hook.id),
            "X-GitHub-Hook-Installation-Target-Type": hook.scope.lower()
            if hook.scope == "Organization" else "repository",
            "X-GitHub-Hook-Installation-Target-ID": str(hook.target_id),
        }
        if hook.secret is not None:
            headers["X-Hub-Signature"] = "sha1=" + hmac.new(
                hook.secret.encode(), body, hashlib.sha1).hexdigest()
            headers["X-Hub-Signature-256"] = sign(hook.secret, body)
        action = payload.get("action")
        with self.lock:
            delivery = Delivery(self._next(), guid, hook.id, event,
                                action if isinstance(action, str) else None, repository_id,
                                hook.url, headers, payload, body)
            self.deliveries.append(delivery)
            self._enqueue(delivery)
            return delivery

    def redeliver(self, delivery: Delivery) -> Delivery:
        with self.lock:
            again = attrs.evolve(delivery, id=self._next(), redelivery=True, delivered_at=None,
                                 status="pending", status_code=0, response_headers={},
                                 response_body=None)
            self.deliveries.append(again)
            self._enqueue(again)
            return again

    def find_delivery(self, hook: Hook, number: str) -> Delivery:
        for delivery in self.deliveries:
            if str(delivery.id) == number and delivery.hook == hook.id:
                return delivery
        raise fail(404, "Not Found", DOCS)

    def _enqueue(self, delivery: Delivery) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="fake-github-webhooks",
                                            daemon=True)
            self._thread.start()
        self._queue.put(delivery)

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery was attempted; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            try:
                if delivery is None:
                    return
                self._post(delivery)
            finally:
                self._queue.task_done()

    def _post(self, delivery: Delivery) -> None:
        started = time.monotonic()
        delivery.delivered_at = self.clock.now()
        if urlsplit(delivery.url).hostname not in LOOPBACK:
            code, status, headers, text = 0, "not delivered: the fake delivers to loopback " \
                "URLs only", {}, None
        else:
            request = urllib.request.Request(delivery.url, data=delivery.body,
                                             headers=delivery.headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    code, headers = response.status, dict(response.headers.items())
                    text = response.read(64 * 1024).decode(errors="replace")
                    status = "OK"
            except urllib.error.HTTPError as error:
                code, headers = error.code, dict(error.headers.items())
                text, status = error.read(64 * 1024).decode(errors="replace"), \
                    f"Invalid HTTP Response: {error.code}"
            except OSError as error:
                code, status, headers, text = 0, f"failed to connect: {error}", {}, None
        with self.lock:
            delivery.duration = round(time.monotonic() - started, 3)
            delivery.status, delivery.status_code = status, code
            delivery.response_headers, delivery.response_body = headers, text
            hook = self.hooks.get(delivery.hook)
            if hook is not None:
                hook.last_response = {"code": code or None,
                                      "status": "active" if status == "OK" else "failed",
                                      "message": status}


def matching(hooks: Sequence[Hook], event: str) -> list[Hook]:
    return [h for h in hooks if h.wants(event)]
