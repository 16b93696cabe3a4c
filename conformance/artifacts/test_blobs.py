"""Pulling, checking, range-reading and deleting blobs."""

from __future__ import annotations

import hashlib

import pytest

from fakes.conformance.artifacts._oci import OCTET, assert_error, digest_of, with_query
from fakes.conformance.artifacts.targets import MEASURED, SPEC, Target

behaviour = pytest.mark.behaviour

DATA = b"0123456789abcdefghij"
IMAGE_DESCRIPTOR = "https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md"


@behaviour(
    "ART-101",
    "GET of a blob answers 200 with the exact bytes and Docker-Content-Digest",
    cite=f"{SPEC}#pulling-blobs",
)
def test_get_blob(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("blob-get")
    digest = registry.push_blob(repo, DATA)
    response = registry.http.get(registry.blob_url(repo, digest))
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["Docker-Content-Digest"] == digest


@behaviour(
    "ART-102",
    "HEAD of a blob answers 200 with Content-Length and Docker-Content-Digest, no body",
    cite=f"{SPEC}#checking-if-content-exists-in-the-registry",
)
def test_head_blob(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("blob-head")
    digest = registry.push_blob(repo, DATA)
    response = registry.http.head(registry.blob_url(repo, digest))
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(DATA)
    assert response.headers["Docker-Content-Digest"] == digest
    assert response.content == b""


@behaviour(
    "ART-103",
    "GET and HEAD of an unknown blob answer 404 (GET with BLOB_UNKNOWN)",
    cite=f"{SPEC}#pulling-blobs",
)
def test_unknown_blob(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("blob-unknown")
    registry.push_blob(repo, b"something else")
    digest = digest_of(b"never pushed")
    assert_error(registry.http.get(registry.blob_url(repo, digest)), 404, "BLOB_UNKNOWN")
    assert_error(registry.http.head(registry.blob_url(repo, digest)), 404)


@behaviour(
    "ART-104",
    "a blob pushed to one repository is unknown in another until mounted or pushed there",
    cite=MEASURED,
)
def test_blobs_are_repository_scoped(target: Target) -> None:
    target.require("repository_scoped_blobs")
    registry = target.registry()
    first, second = target.new_repo("scope-a"), target.new_repo("scope-b")
    digest = registry.push_blob(first, DATA)
    registry.push_blob(second, b"other")
    assert_error(registry.http.get(registry.blob_url(second, digest)), 404, "BLOB_UNKNOWN")


@behaviour(
    "ART-105",
    "GET with Range: bytes=a-b answers 206 with the slice and Content-Range",
    cite=f"{SPEC}#pulling-blobs",
)
@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=2-4", 2, 4), ("bytes=15-", 15, 19), ("bytes=0-0", 0, 0), ("bytes=10-99", 10, 19)],
)
def test_range_read(target: Target, header: str, start: int, end: int) -> None:
    registry = target.registry()
    repo = target.new_repo("range")
    digest = registry.push_blob(repo, DATA)
    response = registry.http.get(registry.blob_url(repo, digest), headers={"Range": header})
    assert response.status_code == 206, response.text
    assert response.content == DATA[start : end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"


@behaviour(
    "ART-106",
    "a suffix range bytes=-n answers the last n bytes",
    cite="https://www.rfc-editor.org/rfc/rfc9110.html#name-byte-ranges",
)
def test_suffix_range(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("suffix")
    digest = registry.push_blob(repo, DATA)
    response = registry.http.get(registry.blob_url(repo, digest), headers={"Range": "bytes=-3"})
    assert response.status_code == 206
    assert response.content == DATA[-3:]
    assert response.headers["Content-Range"] == f"bytes 17-19/{len(DATA)}"


@behaviour(
    "ART-107",
    "an unsatisfiable Range answers 416 with Content-Range: bytes */size",
    cite="https://www.rfc-editor.org/rfc/rfc9110.html#name-416-range-not-satisfiable",
)
def test_unsatisfiable_range(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("range-416")
    digest = registry.push_blob(repo, DATA)
    # stream=True: distribution 2.8.2 announces a body it never sends on this answer.
    response = registry.http.get(
        registry.blob_url(repo, digest), headers={"Range": "bytes=100-200"}, stream=True
    )
    try:
        assert response.status_code == 416
        assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"
    finally:
        response.close()


@behaviour(
    "ART-108",
    "GET of a blob by a malformed digest answers 400 DIGEST_INVALID",
    cite=MEASURED,
)
def test_blob_malformed_digest(target: Target) -> None:
    target.require("rejects_malformed_blob_digest")
    registry = target.registry()
    repo = target.new_repo("blob-bad-digest")
    registry.push_blob(repo, DATA)
    assert_error(registry.http.get(registry.blob_url(repo, "sha256:zz")), 400, "DIGEST_INVALID")


@behaviour(
    "ART-109",
    "DELETE of a blob answers 202; it is then unknown, and a second DELETE answers 404",
    cite=f"{SPEC}#deleting-blobs",
)
def test_delete_blob(target: Target) -> None:
    target.require("blob_deletion")
    registry = target.registry()
    repo = target.new_repo("blob-delete")
    digest = registry.push_blob(repo, repo.encode())  # content no other repository holds
    keep = registry.push_blob(repo, b"keep")
    assert registry.http.delete(registry.blob_url(repo, digest)).status_code == 202
    assert not registry.blob_exists(repo, digest)
    assert registry.blob_exists(repo, keep)
    assert_error(registry.http.delete(registry.blob_url(repo, digest)), 404, "BLOB_UNKNOWN")


@behaviour(
    "ART-110",
    "deleting a blob in one repository leaves the same blob in other repositories",
    cite=f"{SPEC}#deleting-blobs",
)
def test_delete_blob_is_per_repository(target: Target) -> None:
    target.require("blob_deletion")
    registry = target.registry()
    first, second = target.new_repo("shared-a"), target.new_repo("shared-b")
    digest = registry.push_blob(first, DATA)
    registry.push_blob(second, DATA)
    assert registry.http.delete(registry.blob_url(first, digest)).status_code == 202
    assert not registry.blob_exists(first, digest)
    assert registry.http.get(registry.blob_url(second, digest)).content == DATA


@behaviour(
    "ART-111",
    "a blob uploaded with a sha512 digest is stored and served under that digest",
    cite=f"{IMAGE_DESCRIPTOR}#registered-algorithms",
)
def test_sha512_blob(target: Target) -> None:
    target.require("sha512_digests")
    registry = target.registry()
    repo = target.new_repo("sha512")
    data = b"addressed by sha512"
    digest = "sha512:" + hashlib.sha512(data).hexdigest()
    location = registry.start_upload(repo)
    closed = registry.http.put(with_query(location, digest=digest), data=data, headers=OCTET)
    assert closed.status_code == 201, closed.text
    response = registry.http.get(registry.blob_url(repo, digest))
    assert response.status_code == 200
    assert response.content == data
