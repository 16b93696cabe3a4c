"""The table of GitHub's operations (the 501s) against the OpenAPI description, and the
fake's routes against the table: every route is a documented operation."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from fakes.github import _operations
from fakes.github._api import GitHubAdapter

SPEC = Path("/work/shared/specs/github/api.github.com.json")


def _table() -> dict[str, object]:
    document: dict[str, object] = json.loads(
        resources.files("fakes.github").joinpath("operations.json").read_text())
    return document


@pytest.mark.skipif(not SPEC.exists(), reason="the OpenAPI description is not at hand")
def test_the_table_is_the_descriptions() -> None:
    spec = json.loads(SPEC.read_text())
    expected = sorted(
        [method.upper(), path, op["operationId"], op.get("externalDocs", {}).get("url", "")]
        for path, item in spec["paths"].items() for method, op in item.items()
        if method in ("get", "put", "post", "patch", "delete", "head"))
    assert _table()["operations"] == expected


#: Paths GitHub still serves for a documented operation that its description no longer
#: lists, which clients use (PyGithub's ``Commit.get_statuses``).
LEGACY = {("GET", "/repos/{}/{}/statuses/{}"): "repos/list-commit-statuses-for-ref"}


def test_every_route_is_a_documented_operation() -> None:
    ids = {(m, re.sub(r"\{\w+\}", "{}", t)): op for m, t, op, _ in _table()["operations"]}  # type: ignore[attr-defined]
    ids.update(LEGACY)
    for route in GitHubAdapter.routes:
        template = re.sub(r"\{(\w+)(:path)?\}", "{}", route.template).rstrip("/") or "/"
        if route.template.endswith(("/contents", "/")):  # the trailing parameter left empty
            template += "/{}"
        found = ids.get((route.method, template))
        assert found == route.operation, (route.method, route.template, found)


def test_lookup_names_the_operation_and_its_page() -> None:
    found = _operations.find("PUT", "/repos/o/r/branches/feature/x/protection")
    assert found is not None and found.operation_id == "repos/update-branch-protection"
    assert found.docs.startswith("https://docs.github.com/rest/")
    assert _operations.find("GET", "/definitely/not/github") is None


@pytest.mark.skipif(not SPEC.exists(), reason="the OpenAPI description is not at hand")
def test_the_schema_subset_is_the_descriptions() -> None:
    from _github_openapi import build

    subset = Path(__file__).resolve().parent.parent / "conformance/github/openapi-subset.json"
    ids = sorted({r.operation for r in GitHubAdapter.routes})
    assert json.loads(subset.read_text()) == build(SPEC, ids)


def test_lookup_of_an_empty_trailing_parameter() -> None:
    root = _operations.find("GET", "/repos/o/r/contents/")
    assert root is not None and root.operation_id == "repos/get-content"
    refs = _operations.find("GET", "/repos/o/r/git/matching-refs/")
    assert refs is not None and refs.operation_id == "git/list-matching-refs"


def test_a_method_github_lacks_on_a_path_is_no_operation() -> None:
    # Owner and repository names hold no slash, so this is not repos/get.
    assert _operations.find("GET", "/repos/o/r/git/tags") is None
    assert _operations.find("GET", "/repos/o/r/statuses/abc") is None
    ref = _operations.find("GET", "/repos/o/r/git/ref/heads/feature/x")
    assert ref is not None and ref.operation_id == "git/get-ref"


@pytest.mark.skipif(not SPEC.exists(), reason="the OpenAPI description is not at hand")
def test_the_webhook_subset_is_the_descriptions() -> None:
    from _github_openapi import build_webhooks
    from fakes.conformance.github._schemas import WEBHOOK_EVENTS

    subset = Path(__file__).resolve().parent.parent / "conformance/github/webhook-subset.json"
    assert json.loads(subset.read_text()) == build_webhooks(SPEC, WEBHOOK_EVENTS)
