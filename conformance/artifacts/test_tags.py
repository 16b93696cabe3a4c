"""Listing tags (with pagination) and deleting tags and manifests."""

from __future__ import annotations

import pytest

from fakes.conformance.artifacts._oci import ACCEPT_ALL, Registry, assert_error, resolve
from fakes.conformance.artifacts.targets import MEASURED, SPEC, Target

behaviour = pytest.mark.behaviour

DISTRIBUTION_ERRORS = (
    "https://github.com/distribution/distribution/blob/main/registry/api/v2/errors.go"
)
TAGS = ["v10", "alpha", "v2", "beta", "v1", "a-b", "a.b", "a_b", "0"]


def _tag_repo(target: Target, registry: Registry, hint: str) -> str:
    repo = target.new_repo(hint)
    image = registry.push_image(repo, TAGS[0])
    for tag in TAGS[1:]:
        assert registry.put_manifest(repo, tag, image.body, image.media_type).status_code == 201
    return repo


def _list(registry: Registry, repo: str, query: str = "") -> tuple[list[str], str | None]:
    response = registry.http.get(registry.url(repo, "tags", "list") + query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == repo
    link = response.links.get("next", {}).get("url")
    return list(body["tags"] or []), link


@behaviour(
    "ART-401",
    "GET /tags/list answers 200 {name, tags} with every tag in lexical order",
    cite=f"{SPEC}#listing-tags",
)
def test_list_tags(target: Target) -> None:
    registry = target.registry()
    repo = _tag_repo(target, registry, "tags")
    tags, link = _list(registry, repo)
    assert tags == sorted(TAGS)
    assert link is None


@behaviour(
    "ART-402",
    "?n= returns the first n tags and a Link header (rel=next, absolute) to the rest; "
    "following the links yields every tag once, in order",
    cite=f"{SPEC}#listing-tags",
)
@pytest.mark.parametrize("n", [1, 2, 4, 9])
def test_paginate_tags(target: Target, n: int) -> None:
    target.require("tag_pagination")
    registry = target.registry()
    repo = _tag_repo(target, registry, "paginate")
    seen: list[str] = []
    page, link = _list(registry, repo, f"?n={n}")
    seen.extend(page)
    assert len(page) == min(n, len(TAGS))
    pages = 1
    while link is not None:
        assert link.startswith(target.url) or link.startswith("/v2/"), link
        response = registry.http.get(resolve(target.url, link))
        assert response.status_code == 200
        page = list(response.json()["tags"] or [])
        assert 0 < len(page) <= n
        seen.extend(page)
        link = response.links.get("next", {}).get("url")
        pages += 1
        assert pages <= len(TAGS) + 1
    assert seen == sorted(TAGS)


@behaviour(
    "ART-403",
    "?last=<tag> returns the tags after it (exclusive), with or without n",
    cite=f"{SPEC}#listing-tags",
)
def test_tags_after_last(target: Target) -> None:
    target.require("tag_pagination")
    registry = target.registry()
    repo = _tag_repo(target, registry, "last")
    ordered = sorted(TAGS)
    tags, _ = _list(registry, repo, "?last=alpha")
    assert tags == ordered[ordered.index("alpha") + 1 :]
    tags, link = _list(registry, repo, "?n=2&last=alpha")
    assert tags == ordered[ordered.index("alpha") + 1 :][:2]
    assert link is not None
    tags, link = _list(registry, repo, f"?n=5&last={ordered[-1]}")
    assert tags == []
    assert link is None


@behaviour(
    "ART-404",
    "?n=0 returns an empty list without a Link header",
    cite=f"{SPEC}#listing-tags",
)
def test_tags_n_zero(target: Target) -> None:
    target.require("tag_pagination")
    registry = target.registry()
    repo = _tag_repo(target, registry, "n-zero")
    tags, link = _list(registry, repo, "?n=0")
    assert tags == []
    assert link is None


@behaviour(
    "ART-405",
    "distribution ignores n and last: the whole list, no Link header",
    cite=MEASURED,
)
def test_tags_pagination_ignored(target: Target) -> None:
    target.require("tag_pagination", False)
    registry = target.registry()
    repo = _tag_repo(target, registry, "no-pagination")
    for query in ("?n=2", "?n=2&last=alpha", "?n=0"):
        tags, link = _list(registry, repo, query)
        assert tags == sorted(TAGS)
        assert link is None


@behaviour(
    "ART-406",
    "the last page of n tags has no Link header",
    cite=f"{SPEC}#listing-tags",
)
def test_exact_last_page(target: Target) -> None:
    target.require("tag_pagination")
    registry = target.registry()
    repo = _tag_repo(target, registry, "exact")
    tags, link = _list(registry, repo, f"?n={len(TAGS) + 5}")
    assert tags == sorted(TAGS)
    assert link is None


@behaviour(
    "ART-407",
    "an n that is not a non-negative integer answers 400 PAGINATION_NUMBER_INVALID",
    cite=DISTRIBUTION_ERRORS,
)
@pytest.mark.parametrize("n", ["abc", "-1", "1.5"])
def test_bad_page_size(target: Target, n: str) -> None:
    target.require("tag_pagination")
    registry = target.registry()
    repo = _tag_repo(target, registry, "bad-n")
    response = registry.http.get(registry.url(repo, "tags", "list") + f"?n={n}")
    assert_error(response, 400, "PAGINATION_NUMBER_INVALID")


@behaviour(
    "ART-408",
    "the tag list of a repository that does not exist answers 404 NAME_UNKNOWN",
    cite=f"{SPEC}#listing-tags",
)
def test_tags_unknown_repository(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("nobody")
    assert_error(registry.http.get(registry.url(repo, "tags", "list")), 404, "NAME_UNKNOWN")


@behaviour(
    "ART-409",
    "DELETE by tag answers 202 and removes only that tag; the manifest and its other tags stay",
    cite=f"{SPEC}#deleting-tags",
)
def test_delete_tag(target: Target) -> None:
    target.require("tag_deletion")
    registry = target.registry()
    repo = target.new_repo("delete-tag")
    image = registry.push_image(repo, "v1")
    registry.put_manifest(repo, "v2", image.body, image.media_type)
    assert registry.http.delete(registry.manifest_url(repo, "v1")).status_code == 202
    assert registry.tags(repo) == ["v2"]
    assert registry.resolve_tag(repo, "v1") is None
    assert registry.manifest_exists(repo, image.digest)
    assert registry.resolve_tag(repo, "v2") == image.digest


@behaviour(
    "ART-410",
    "DELETE of an unknown tag answers 404 MANIFEST_UNKNOWN",
    cite=f"{SPEC}#deleting-tags",
)
def test_delete_unknown_tag(target: Target) -> None:
    target.require("tag_deletion")
    registry = target.registry()
    repo = target.new_repo("delete-unknown-tag")
    registry.push_image(repo, "v1")
    assert_error(registry.http.delete(registry.manifest_url(repo, "nope")), 404, "MANIFEST_UNKNOWN")
    assert registry.tags(repo) == ["v1"]


@behaviour(
    "ART-411",
    "where tag deletion is unsupported, DELETE by tag answers 400 or 405 and the tag stays",
    cite=f"{SPEC}#deleting-tags; {MEASURED}",
)
def test_delete_tag_unsupported(target: Target) -> None:
    target.require("tag_deletion", False)
    registry = target.registry()
    repo = target.new_repo("delete-tag-unsupported")
    image = registry.push_image(repo, "v1")
    assert registry.http.delete(registry.manifest_url(repo, "v1")).status_code in (400, 405)
    assert registry.resolve_tag(repo, "v1") == image.digest


@behaviour(
    "ART-412",
    "DELETE by digest answers 202 and removes the manifest and every tag on it; other "
    "manifests stay",
    cite=f"{SPEC}#deleting-manifests",
)
def test_delete_manifest(target: Target) -> None:
    target.require("manifest_deletion")
    registry = target.registry()
    repo = target.new_repo("delete-manifest")
    image = registry.push_image(repo, "v1")
    registry.put_manifest(repo, "also", image.body, image.media_type)
    other = registry.push_image(repo, "other", layers=[b"other"])
    assert registry.http.delete(registry.manifest_url(repo, image.digest)).status_code == 202
    assert not registry.manifest_exists(repo, image.digest)
    assert registry.resolve_tag(repo, "v1") is None
    assert registry.resolve_tag(repo, "also") is None
    assert registry.tags(repo) == ["other"]
    assert registry.resolve_tag(repo, "other") == other.digest
    response = registry.http.get(registry.manifest_url(repo, "v1"), headers={"Accept": ACCEPT_ALL})
    assert_error(response, 404, "MANIFEST_UNKNOWN")


@behaviour(
    "ART-413",
    "DELETE of an unknown digest answers 404 MANIFEST_UNKNOWN",
    cite=f"{SPEC}#deleting-manifests",
)
def test_delete_unknown_manifest(target: Target) -> None:
    target.require("manifest_deletion")
    registry = target.registry()
    repo = target.new_repo("delete-twice")
    image = registry.push_image(repo, "v1")
    assert registry.http.delete(registry.manifest_url(repo, image.digest)).status_code == 202
    second = registry.http.delete(registry.manifest_url(repo, image.digest))
    assert_error(second, 404, "MANIFEST_UNKNOWN")


@behaviour(
    "ART-414",
    "after the last tagged manifest is deleted the tag list is empty (distribution: null)",
    cite=f"{SPEC}#listing-tags; {MEASURED}",
)
def test_tags_empty_after_delete(target: Target) -> None:
    target.require("manifest_deletion")
    registry = target.registry()
    repo = target.new_repo("emptied")
    image = registry.push_image(repo, "v1")
    assert registry.http.delete(registry.manifest_url(repo, image.digest)).status_code == 202
    response = registry.http.get(registry.url(repo, "tags", "list"))
    assert response.status_code == 200, response.text
    expected: list[str] | None = None if target.capabilities.empty_tags_null else []
    assert response.json()["tags"] == expected


@behaviour(
    "ART-415",
    "a deleted manifest can be pushed again",
    cite=f"{SPEC}#deleting-manifests",
)
def test_push_after_delete(target: Target) -> None:
    target.require("manifest_deletion")
    registry = target.registry()
    repo = target.new_repo("again")
    image = registry.push_image(repo, "v1")
    assert registry.http.delete(registry.manifest_url(repo, image.digest)).status_code == 202
    assert registry.put_manifest(repo, "v1", image.body, image.media_type).status_code == 201
    assert registry.resolve_tag(repo, "v1") == image.digest
