"""Every way of pushing a blob, and every way of getting it wrong."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from fakes.conformance.artifacts._oci import (
    OCTET,
    Registry,
    assert_error,
    digest_of,
    error_codes,
    parse_range,
    resolve,
    with_query,
)
from fakes.conformance.artifacts.targets import DOCKER_API, MEASURED, SPEC, Target

behaviour = pytest.mark.behaviour


def _location(registry: Registry, response: requests.Response) -> str:
    return resolve(registry.base, response.headers["Location"])


def _patch(
    registry: Registry, location: str, chunk: bytes, content_range: str | None = None
) -> requests.Response:
    headers = dict(OCTET)
    if content_range is not None:
        headers["Content-Range"] = content_range
    return registry.http.patch(location, data=chunk, headers=headers)


@behaviour(
    "ART-201",
    "POST /blobs/uploads/ answers 202 with Location, Range: 0-0 and Docker-Upload-UUID",
    cite=f"{SPEC}#post-then-put",
)
def test_start_upload(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("upload-start")
    response = registry.http.post(registry.uploads_url(repo), headers={"Content-Length": "0"})
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    assert f"/v2/{repo}/blobs/uploads/" in location
    assert response.headers["Range"] == "0-0"
    uuid = response.headers["Docker-Upload-UUID"]
    assert uuid and uuid in location


@behaviour(
    "ART-202",
    "Location headers are absolute URLs on the origin the client used",
    cite=f"{SPEC}#post-then-put; " + MEASURED,
)
def test_locations_are_absolute(target: Target) -> None:
    target.require("absolute_locations")
    registry = target.registry()
    repo = target.new_repo("absolute")
    response = registry.http.post(registry.uploads_url(repo))
    origin = urlsplit(target.url)
    for location in (response.headers["Location"],):
        parts = urlsplit(location)
        assert (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc), location
    closed = registry.http.put(
        with_query(_location(registry, response), digest=digest_of(b"x")), data=b"x"
    )
    parts = urlsplit(closed.headers["Location"])
    assert (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc)


@behaviour(
    "ART-203",
    "a monolithic POST then PUT ?digest= answers 201 with a pullable Location and "
    "Docker-Content-Digest",
    cite=f"{SPEC}#post-then-put",
)
@pytest.mark.parametrize("data", [b"monolithic blob", b""], ids=["bytes", "empty"])
def test_monolithic_upload(target: Target, data: bytes) -> None:
    registry = target.registry()
    repo = target.new_repo("monolithic")
    location = registry.start_upload(repo)
    digest = digest_of(data)
    response = registry.http.put(with_query(location, digest=digest), data=data, headers=OCTET)
    assert response.status_code == 201, response.text
    assert response.headers["Docker-Content-Digest"] == digest
    pulled = registry.http.get(_location(registry, response))
    assert pulled.status_code == 200
    assert pulled.content == data


@behaviour(
    "ART-204",
    "a single POST ?digest= with the body stores the blob and answers 201 with Location",
    cite=f"{SPEC}#single-post",
)
def test_single_request_upload(target: Target) -> None:
    target.require("single_request_upload")
    registry = target.registry()
    repo = target.new_repo("single-post")
    data = b"single request"
    digest = digest_of(data)
    response = registry.http.post(
        registry.uploads_url(repo) + f"?digest={digest}", data=data, headers=OCTET
    )
    assert response.status_code == 201, response.text
    assert registry.http.get(_location(registry, response)).content == data
    assert registry.blob_exists(repo, digest)


@behaviour(
    "ART-205",
    "a single POST ?digest= with a digest that does not match the body answers 400 "
    "DIGEST_INVALID and stores nothing",
    cite=f"{SPEC}#single-post",
)
def test_single_request_upload_digest_mismatch(target: Target) -> None:
    target.require("single_request_upload")
    registry = target.registry()
    repo = target.new_repo("single-post-bad")
    data = b"single request"
    wrong = digest_of(b"something else")
    response = registry.http.post(
        registry.uploads_url(repo) + f"?digest={wrong}", data=data, headers=OCTET
    )
    assert_error(response, 400, "DIGEST_INVALID")
    assert not registry.blob_exists(repo, wrong)
    assert not registry.blob_exists(repo, digest_of(data))


@behaviour(
    "ART-206",
    "a registry without single-request upload answers 202 with an upload session, drops "
    "the body, and the client completes with PUT",
    cite=f"{SPEC}#single-post; {MEASURED}",
)
def test_single_request_upload_fallback(target: Target) -> None:
    target.require("single_request_upload", False)
    registry = target.registry()
    repo = target.new_repo("single-post-fallback")
    data = b"fallback"
    digest = digest_of(data)
    response = registry.http.post(
        registry.uploads_url(repo) + f"?digest={digest}", data=data, headers=OCTET
    )
    assert response.status_code == 202
    location = _location(registry, response)
    assert not registry.blob_exists(repo, digest)
    assert registry.upload_range(location) == (0, 0)
    closed = registry.http.put(with_query(location, digest=digest), data=data, headers=OCTET)
    assert closed.status_code == 201
    assert registry.blob_exists(repo, digest)


@behaviour(
    "ART-207",
    "chunked upload: PATCH with Content-Range answers 202 with Location and Range 0-<end>; "
    "PUT closes; the blob is the chunks in order",
    cite=f"{SPEC}#pushing-a-blob-in-chunks",
)
def test_chunked_upload(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("chunked")
    chunks = [b"first-", b"second-", b"third"]
    location = registry.start_upload(repo)
    offset = 0
    for chunk in chunks:
        end = offset + len(chunk) - 1
        response = _patch(registry, location, chunk, f"{offset}-{end}")
        assert response.status_code == 202, response.text
        assert parse_range(response.headers["Range"]) == (0, end)
        location = _location(registry, response)
        offset = end + 1
    data = b"".join(chunks)
    closed = registry.http.put(with_query(location, digest=digest_of(data)))
    assert closed.status_code == 201, closed.text
    assert closed.headers["Docker-Content-Digest"] == digest_of(data)
    assert registry.http.get(registry.blob_url(repo, digest_of(data))).content == data


@behaviour(
    "ART-208",
    "GET on an upload answers 204 with Location and the Range received so far",
    cite=f"{SPEC}#pushing-a-blob-in-chunks",
)
def test_upload_status(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("status")
    location = registry.start_upload(repo)
    response = registry.http.get(location)
    assert response.status_code == 204
    assert response.headers["Range"] == "0-0"
    assert response.headers.get("Location")
    response = _patch(registry, location, b"12345", "0-4")
    location = _location(registry, response)
    response = registry.http.get(location)
    assert response.status_code == 204
    assert parse_range(response.headers["Range"]) == (0, 4)
    assert response.content == b""


@behaviour(
    "ART-209",
    "an out-of-order chunk answers 416 and changes nothing; the upload continues in order",
    cite=f"{SPEC}#pushing-a-blob-in-chunks",
)
@pytest.mark.parametrize("bad_range", ["10-14", "2-6", "0-4"], ids=["gap", "overlap", "restart"])
def test_out_of_order_chunk(target: Target, bad_range: str) -> None:
    target.require("enforces_chunk_order")
    registry = target.registry()
    repo = target.new_repo("out-of-order")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"abcde", "0-4"))
    response = _patch(registry, location, b"fghij", bad_range)
    assert response.status_code == 416, response.text
    assert registry.upload_range(location) == (0, 4)
    response = _patch(registry, location, b"fghij", "5-9")
    assert response.status_code == 202
    location = _location(registry, response)
    closed = registry.http.put(with_query(location, digest=digest_of(b"abcdefghij")))
    assert closed.status_code == 201
    assert registry.http.get(registry.blob_url(repo, digest_of(b"abcdefghij"))).content == (
        b"abcdefghij"
    )


@behaviour(
    "ART-210",
    "a first chunk that does not start at 0 answers 416 and changes nothing",
    cite=f"{SPEC}#pushing-a-blob-in-chunks",
)
def test_first_chunk_must_start_at_zero(target: Target) -> None:
    target.require("enforces_chunk_order")
    registry = target.registry()
    repo = target.new_repo("first-chunk")
    location = registry.start_upload(repo)
    response = _patch(registry, location, b"abc", "1-3")
    assert response.status_code == 416
    assert registry.upload_range(location) == (0, 0)


@behaviour(
    "ART-211",
    "a registry that does not check chunk order appends an out-of-order chunk",
    cite=MEASURED,
)
def test_out_of_order_chunk_accepted(target: Target) -> None:
    target.require("enforces_chunk_order", False)
    registry = target.registry()
    repo = target.new_repo("out-of-order-accepted")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"abc", "0-2"))
    response = _patch(registry, location, b"xyz", "10-12")
    assert response.status_code == 202
    assert registry.upload_range(_location(registry, response)) == (0, 5)


@behaviour(
    "ART-212",
    "streamed upload: PATCH without Content-Range appends and answers 202 with Range",
    cite=f"{DOCKER_API}#stream-upload",
)
def test_streamed_upload(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("streamed")
    location = registry.start_upload(repo)
    response = _patch(registry, location, b"stream-")
    assert response.status_code == 202
    assert parse_range(response.headers["Range"]) == (0, 6)
    response = _patch(registry, _location(registry, response), b"ed")
    assert response.status_code == 202
    assert parse_range(response.headers["Range"]) == (0, 8)
    closed = registry.http.put(
        with_query(_location(registry, response), digest=digest_of(b"stream-ed"))
    )
    assert closed.status_code == 201
    assert registry.http.get(registry.blob_url(repo, digest_of(b"stream-ed"))).content == (
        b"stream-ed"
    )


@behaviour(
    "ART-213",
    "the final chunk may come with the closing PUT",
    cite=f"{SPEC}#pushing-a-blob-in-chunks",
)
def test_final_chunk_in_put(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("final-chunk")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"hello ", "0-5"))
    data = b"hello world"
    headers = {**OCTET, "Content-Range": "6-10"}
    closed = registry.http.put(
        with_query(location, digest=digest_of(data)), data=b"world", headers=headers
    )
    assert closed.status_code == 201, closed.text
    assert registry.http.get(registry.blob_url(repo, digest_of(data))).content == data


@behaviour(
    "ART-214",
    "closing with a digest that does not match answers 400 DIGEST_INVALID and changes "
    "nothing: no blob, the upload keeps its offset and can still be closed",
    cite=f"{SPEC}#error-codes",
)
def test_close_with_wrong_digest(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("wrong-digest")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"payload", "0-6"))
    wrong = digest_of(b"not the payload")
    response = registry.http.put(with_query(location, digest=wrong))
    assert_error(response, 400, "DIGEST_INVALID")
    assert not registry.blob_exists(repo, wrong)
    assert not registry.blob_exists(repo, digest_of(b"payload"))
    assert registry.upload_range(location) == (0, 6)
    closed = registry.http.put(with_query(location, digest=digest_of(b"payload")))
    assert closed.status_code == 201
    assert registry.blob_exists(repo, digest_of(b"payload"))


@behaviour(
    "ART-215",
    "closing without a digest, or with a malformed one, answers 400 DIGEST_INVALID and "
    "changes nothing",
    cite=f"{SPEC}#pushing-a-blob-in-chunks; {MEASURED}",
)
@pytest.mark.parametrize("digest", [None, "sha256:zz", "md5:abc", "nonsense"])
def test_close_with_bad_digest(target: Target, digest: str | None) -> None:
    registry = target.registry()
    repo = target.new_repo("bad-digest")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"payload", "0-6"))
    url = location if digest is None else with_query(location, digest=digest)
    assert_error(registry.http.put(url), 400, "DIGEST_INVALID")
    assert registry.upload_range(location) == (0, 6)
    assert not registry.blob_exists(repo, digest_of(b"payload"))


@behaviour(
    "ART-216",
    "DELETE of an upload answers 204; the upload is then unknown (404 BLOB_UPLOAD_UNKNOWN)",
    cite=f"{DOCKER_API}#canceling-an-upload",
)
def test_cancel_upload(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("cancel")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"partial", "0-6"))
    assert registry.http.delete(location).status_code == 204
    assert_error(registry.http.get(location), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(_patch(registry, location, b"more", "7-10"), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(
        registry.http.put(with_query(location, digest=digest_of(b"partial"))),
        404,
        "BLOB_UPLOAD_UNKNOWN",
    )
    assert not registry.blob_exists(repo, digest_of(b"partial"))


@behaviour(
    "ART-217",
    "an upload id the registry never issued answers 404 with its upload error code",
    cite=f"{SPEC}#error-codes; {MEASURED}",
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_unknown_upload(target: Target, method: str) -> None:
    registry = target.registry()
    repo = target.new_repo("unknown-upload")
    registry.push_blob(repo, b"make the repository exist")
    url = registry.uploads_url(repo) + "7c2d9e0a-0000-4000-8000-000000000000"
    if method == "PUT":
        url = with_query(url, digest=digest_of(b""))
    response = registry.http.request(method, url, data=b"" if method != "GET" else None)
    assert_error(response, 404, target.capabilities.unknown_upload_code)


@behaviour(
    "ART-218",
    "a closed upload is gone: PATCH and PUT on it answer 404 BLOB_UPLOAD_UNKNOWN",
    cite=f"{SPEC}#pushing-a-blob-in-chunks; {MEASURED}",
)
def test_closed_upload_is_gone(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("closed-upload")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"done", "0-3"))
    assert registry.http.put(with_query(location, digest=digest_of(b"done"))).status_code == 201
    assert_error(_patch(registry, location, b"more", "4-7"), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(
        registry.http.put(with_query(location, digest=digest_of(b"done"))),
        404,
        "BLOB_UPLOAD_UNKNOWN",
    )


@behaviour(
    "ART-219",
    "POST ?mount=&from= of a blob the source repository holds answers 201 with Location and "
    "Docker-Content-Digest; the blob is then in the target repository",
    cite=f"{SPEC}#mounting-a-blob-from-another-repository",
)
def test_mount(target: Target) -> None:
    target.require("cross_repo_mount")
    registry = target.registry()
    source, dest = target.new_repo("mount-from"), target.new_repo("mount-to")
    digest = registry.push_blob(source, b"shared layer")
    response = registry.http.post(registry.uploads_url(dest) + f"?mount={digest}&from={source}")
    assert response.status_code == 201, response.text
    assert response.headers["Docker-Content-Digest"] == digest
    assert registry.http.get(_location(registry, response)).content == b"shared layer"
    assert registry.blob_exists(dest, digest)


@behaviour(
    "ART-220",
    "a mount the registry cannot do answers 202 with an upload session the client can use",
    cite=f"{SPEC}#mounting-a-blob-from-another-repository",
)
@pytest.mark.parametrize("case", ["absent-in-source", "no-from", "from-not-a-name"])
def test_mount_fallback(target: Target, case: str) -> None:
    registry = target.registry()
    source, dest = target.new_repo("fallback-from"), target.new_repo("fallback-to")
    registry.push_blob(source, b"unrelated")
    data = b"not in the source"
    digest = digest_of(data)
    query = {
        "absent-in-source": f"?mount={digest}&from={source}",
        "no-from": f"?mount={digest}",
        "from-not-a-name": f"?mount={digest}&from=Not..A-Name",  # measured: 202 too
    }[case]
    response = registry.http.post(registry.uploads_url(dest) + query)
    assert response.status_code == 202, response.text
    assert not registry.blob_exists(dest, digest)
    location = _location(registry, response)
    closed = registry.http.put(with_query(location, digest=digest), data=data, headers=OCTET)
    assert closed.status_code == 201
    assert registry.blob_exists(dest, digest)


@behaviour(
    "ART-221",
    "upload ids are unique per session: two uploads in one repository do not mix",
    cite=f"{SPEC}#post-then-put",
)
def test_parallel_uploads(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("parallel")
    first, second = registry.start_upload(repo), registry.start_upload(repo)
    assert first != second
    first = _location(registry, _patch(registry, first, b"one", "0-2"))
    second = _location(registry, _patch(registry, second, b"two!", "0-3"))
    assert registry.upload_range(first) == (0, 2)
    assert registry.upload_range(second) == (0, 3)
    assert registry.http.put(with_query(second, digest=digest_of(b"two!"))).status_code == 201
    assert registry.http.put(with_query(first, digest=digest_of(b"one"))).status_code == 201
    assert registry.http.get(registry.blob_url(repo, digest_of(b"one"))).content == b"one"


@behaviour(
    "ART-222",
    "pushing a blob that already exists succeeds again (201) and keeps it",
    cite=f"{SPEC}#post-then-put",
)
def test_push_existing_blob(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("again")
    first = registry.push_blob(repo, b"twice")
    assert registry.push_blob(repo, b"twice") == first
    assert registry.http.get(registry.blob_url(repo, first)).content == b"twice"


@behaviour(
    "ART-223",
    "a malformed Content-Range answers BLOB_UPLOAD_INVALID (404 or 416, as for PATCH in the "
    "endpoint table) and changes nothing",
    cite=f"{SPEC}#pushing-a-blob-in-chunks; {SPEC}#endpoints",
)
@pytest.mark.parametrize("content_range", ["abc", "0-", "bytes=0-2", "2-0"])
def test_malformed_content_range(target: Target, content_range: str) -> None:
    target.require("validates_content_range")
    registry = target.registry()
    repo = target.new_repo("bad-range")
    location = registry.start_upload(repo)
    location = _location(registry, _patch(registry, location, b"abc", "0-2"))
    response = _patch(registry, location, b"def", content_range)
    assert response.status_code in (404, 416), response.text
    assert "BLOB_UPLOAD_INVALID" in error_codes(response)
    assert registry.upload_range(location) == (0, 2)


@behaviour(
    "ART-224",
    "a chunk whose Content-Range length differs from its body answers 416 and changes nothing",
    cite=f"{SPEC}#pushing-a-blob-in-chunks",
)
def test_content_range_length_mismatch(target: Target) -> None:
    target.require("validates_content_range")
    registry = target.registry()
    repo = target.new_repo("range-length")
    location = registry.start_upload(repo)
    response = _patch(registry, location, b"abc", "0-9")
    assert response.status_code == 416, response.text
    assert registry.upload_range(location) == (0, 0)
