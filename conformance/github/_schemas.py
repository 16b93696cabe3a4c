"""Every JSON response the fake answers a modelled operation with must validate against
GitHub's published schema for that operation and status.

``openapi-subset.json`` holds the response schemas of the operations the fake models,
extracted from GitHub's OpenAPI description (api.github.com.json as published by
octokit/openapi, MIT, Copyright (c) 2020 Octokit contributors; ``LICENSE-openapi``) and
converted from OpenAPI 3.0 to JSON Schema (``tests/_github_openapi.py`` builds it and
``tests/test_github_operations.py`` checks it against the description). The check runs
on the fake target only, and only when ``jsonschema`` is installed (the ``test`` extra).

The subset also holds the JSON request body schemas of those operations:
:func:`check_request` checks what a client sends (``fakes.conformance.github.schemas``
offers both checks to users' own contract tests).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import requests

from fakes.github import _operations


@functools.cache
def _subset() -> dict[str, Any]:
    text = resources.files("fakes.conformance.github").joinpath("openapi-subset.json")
    document: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return document


#: The webhook events and actions the fake delivers whose payloads are checked against
#: GitHub's schemas (``webhook-subset.json``, built as ``openapi-subset.json`` is).
WEBHOOK_EVENTS = (
    *(f"issues-{action}" for action in ("opened", "edited", "closed", "reopened", "labeled",
                                        "unlabeled", "assigned", "unassigned", "milestoned",
                                        "demilestoned")),
    *(f"issue-comment-{action}" for action in ("created", "edited", "deleted")),
    *(f"label-{action}" for action in ("created", "edited", "deleted")),
    *(f"milestone-{action}" for action in ("created", "edited", "closed", "opened",
                                           "deleted")),
    *(f"repository-{action}" for action in ("edited", "renamed", "privatized", "publicized",
                                            "archived", "unarchived")),
    *(f"pull-request-{action}" for action in ("labeled", "unlabeled", "assigned",
                                              "unassigned", "milestoned", "demilestoned",
                                              "review-requested", "review-request-removed",
                                              "opened", "closed", "reopened", "edited",
                                              "synchronize")),
    "push", "create", "delete", "status", "ping", "pull-request-review-submitted",
    "pull-request-review-dismissed", "check-run-created", "check-run-completed",
    "check-suite-completed",
)


@functools.cache
def _webhooks() -> dict[str, Any]:
    text = resources.files("fakes.conformance.github").joinpath("webhook-subset.json")
    document: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return document


def check_event(event: str, payload: Any) -> None:
    """Raise AssertionError when a webhook payload does not validate against GitHub's
    schema of its event and action (when ``jsonschema`` is installed)."""
    name = (f"{event}-{payload['action']}" if "action" in payload else event).replace("_", "-")
    assert name in WEBHOOK_EVENTS, f"no schema of the {name} event to check it with"
    try:
        from jsonschema import Draft202012Validator
    except ImportError:  # the test extra is not installed: nothing to check with
        return
    schema = {**_webhooks()["events"][name], "$defs": _webhooks()["$defs"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(payload),
                    key=lambda e: list(e.path))
    # A oneOf that no branch matches: the branches' own errors say why.
    errors = [c for e in errors for c in (e.context or [e])]
    if errors:
        shown = "; ".join(f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message[:200]}"
                          for e in errors[:5])
        raise AssertionError(f"the {name} event does not match GitHub's schema: {shown}")


@functools.cache
def _validator(operation_id: str, status: str) -> Any:
    """The validator of the answer ``status``, or with ``status`` "request" of the
    request body; None when the subset has no schema for it."""
    try:
        from jsonschema import Draft202012Validator
    except ImportError:  # the test extra is not installed: nothing to check with
        return None
    if status == "request":
        schema = _subset()["requests"].get(operation_id, {}).get("body")
    else:
        schema = _subset()["operations"].get(operation_id, {}).get(status)
    if schema is None:
        return None
    return Draft202012Validator({**schema, "$defs": _subset()["$defs"]})


def _operation(request: requests.PreparedRequest) -> _operations.Operation | None:
    path = urlsplit(request.url or "").path
    if path.startswith("/api/v3/"):
        path = path[len("/api/v3"):]
    return _operations.find(request.method or "GET", path)


def _mismatch(validator: Any, document: Any) -> str | None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if not errors:
        return None
    return "; ".join(f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message[:200]}"
                     for e in errors[:5])


def check_request(request: requests.PreparedRequest) -> None:
    """Raise AssertionError when the JSON body of ``request`` does not validate against
    GitHub's request body schema for its operation (a body-less request, or one of an
    operation without a JSON body schema, passes)."""
    if not request.body:
        return
    operation = _operation(request)
    if operation is None:
        return
    validator = _validator(operation.operation_id, "request")
    if validator is None:
        return
    problem = _mismatch(validator, json.loads(request.body))
    if problem is not None:
        raise AssertionError(f"{operation.operation_id}: the request body does not match "
                             f"GitHub's schema: {problem}")


def check_response(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
    """A ``requests`` response hook: raise AssertionError when a 2xx JSON answer does not
    validate against GitHub's schema for its operation."""
    if not 200 <= response.status_code < 300 or not response.content:
        return
    if "json" not in response.headers.get("Content-Type", ""):
        return  # a raw media type: the bytes themselves, no schema
    operation = _operation(response.request)
    if operation is None:
        return
    validator = _validator(operation.operation_id, str(response.status_code))
    if validator is None:
        return
    problem = _mismatch(validator, response.json())
    if problem is not None:
        raise AssertionError(f"{operation.operation_id} {response.status_code} does not "
                             f"match GitHub's schema: {problem}")
