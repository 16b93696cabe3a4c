"""Pushing, pulling and validating manifests and indexes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fakes.conformance.artifacts._oci import (
    ACCEPT_ALL,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Pushed,
    Registry,
    assert_error,
    canonical,
    digest_of,
    resolve,
)
from fakes.conformance.artifacts.targets import MEASURED, SPEC, Target

behaviour = pytest.mark.behaviour

CONTENT_NEGOTIATION = (
    "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/content-negotiation.md"
)
IMAGE_MANIFEST = "https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md"
IMAGE_DESCRIPTOR = "https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md"
IMAGE_LAYER = "https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md"


def _pushed_state(registry: Registry, repo: str) -> dict[str, Any]:
    """What a rejected request must leave as it was: the tag list and where tags point."""
    tags = registry.tags(repo) or []
    return {tag: registry.resolve_tag(repo, tag) for tag in tags}


@behaviour(
    "ART-301",
    "PUT of an OCI image manifest by tag answers 201 with Location and Docker-Content-Digest",
    cite=f"{SPEC}#pushing-manifests",
)
def test_put_manifest_by_tag(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("manifest-put")
    document = registry.image_manifest(repo)
    body = canonical(document)
    response = registry.put_manifest(repo, "v1", body, OCI_MANIFEST)
    assert response.status_code == 201, response.text
    assert response.headers["Docker-Content-Digest"] == digest_of(body)
    pulled = registry.http.get(
        resolve(target.url, response.headers["Location"]), headers={"Accept": OCI_MANIFEST}
    )
    assert pulled.status_code == 200
    assert pulled.content == body


@behaviour(
    "ART-302",
    "GET of a manifest by tag and by digest answers 200 with the pushed bytes, its media "
    "type as Content-Type, and Docker-Content-Digest",
    cite=f"{SPEC}#pulling-manifests",
)
@pytest.mark.parametrize("by", ["tag", "digest"])
def test_get_manifest(target: Target, by: str) -> None:
    registry = target.registry()
    repo = target.new_repo("manifest-get")
    image = registry.push_image(repo, "v1", annotations={"org.example": "x"})
    reference = "v1" if by == "tag" else image.digest
    response = registry.http.get(
        registry.manifest_url(repo, reference), headers={"Accept": OCI_MANIFEST}
    )
    assert response.status_code == 200
    assert response.content == image.body
    assert response.headers["Content-Type"].split(";")[0] == OCI_MANIFEST
    assert response.headers["Docker-Content-Digest"] == image.digest


@behaviour(
    "ART-303",
    "HEAD of a manifest answers 200 with Content-Type, Content-Length and "
    "Docker-Content-Digest, and no body",
    cite=f"{SPEC}#checking-if-content-exists-in-the-registry",
)
@pytest.mark.parametrize("by", ["tag", "digest"])
def test_head_manifest(target: Target, by: str) -> None:
    registry = target.registry()
    repo = target.new_repo("manifest-head")
    image = registry.push_image(repo, "v1")
    reference = "v1" if by == "tag" else image.digest
    response = registry.http.head(
        registry.manifest_url(repo, reference), headers={"Accept": OCI_MANIFEST}
    )
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == image.size
    assert response.headers["Content-Type"].split(";")[0] == OCI_MANIFEST
    assert response.headers["Docker-Content-Digest"] == image.digest
    assert response.content == b""


@behaviour(
    "ART-304",
    "GET and HEAD of an unknown tag or digest answer 404 (GET with MANIFEST_UNKNOWN)",
    cite=f"{SPEC}#pulling-manifests",
)
@pytest.mark.parametrize("reference", ["missing", digest_of(b"no such manifest")])
def test_unknown_manifest(target: Target, reference: str) -> None:
    registry = target.registry()
    repo = target.new_repo("manifest-unknown")
    registry.push_image(repo, "v1")
    url = registry.manifest_url(repo, reference)
    assert_error(registry.http.get(url, headers={"Accept": ACCEPT_ALL}), 404, "MANIFEST_UNKNOWN")
    assert_error(registry.http.head(url, headers={"Accept": ACCEPT_ALL}), 404)


@behaviour(
    "ART-305",
    "a manifest GET in a repository that does not exist answers 404",
    cite=f"{SPEC}#pushing-manifests",
)
def test_manifest_in_unknown_repository(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("never-created")
    response = registry.http.get(registry.manifest_url(repo, "v1"), headers={"Accept": ACCEPT_ALL})
    assert response.status_code == 404
    assert {"MANIFEST_UNKNOWN", "NAME_UNKNOWN"} & set(e["code"] for e in response.json()["errors"])


@behaviour(
    "ART-306",
    "PUT by digest stores an untagged manifest (201); the tag list does not change",
    cite=f"{SPEC}#pushing-manifests",
)
def test_put_manifest_by_digest(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("by-digest")
    registry.push_image(repo, "v1")
    document = registry.image_manifest(repo, layers=[b"untagged"])
    body = canonical(document)
    response = registry.put_manifest(repo, digest_of(body), body, OCI_MANIFEST)
    assert response.status_code == 201, response.text
    assert response.headers["Docker-Content-Digest"] == digest_of(body)
    assert registry.manifest_exists(repo, digest_of(body))
    assert registry.tags(repo) == ["v1"]


@behaviour(
    "ART-307",
    "PUT by a digest that does not match the body answers 400 DIGEST_INVALID and stores nothing",
    cite=f"{SPEC}#error-codes; {MEASURED}",
)
def test_put_manifest_digest_mismatch(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("digest-mismatch")
    registry.push_image(repo, "v1")
    body = canonical(registry.image_manifest(repo, layers=[b"other"]))
    wrong = digest_of(b"something else")
    assert_error(registry.put_manifest(repo, wrong, body, OCI_MANIFEST), 400, "DIGEST_INVALID")
    assert not registry.manifest_exists(repo, wrong)
    assert not registry.manifest_exists(repo, digest_of(body))


@behaviour(
    "ART-308",
    "GET by tag with an Accept header that excludes the manifest's media type answers 404 "
    "MANIFEST_UNKNOWN",
    cite=f"{CONTENT_NEGOTIATION}; {MEASURED}",
)
def test_accept_excludes_oci_manifest(target: Target) -> None:
    target.require("accept_negotiation")
    registry = target.registry()
    repo = target.new_repo("negotiation")
    registry.push_image(repo, "v1")
    response = registry.http.get(
        registry.manifest_url(repo, "v1"), headers={"Accept": DOCKER_MANIFEST}
    )
    assert_error(response, 404, "MANIFEST_UNKNOWN")


@behaviour(
    "ART-309",
    "GET with several accepted types (with q-values) answers the stored manifest unchanged",
    cite=CONTENT_NEGOTIATION,
)
def test_accept_list(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("accept-list")
    image = registry.push_image(repo, "v1")
    response = registry.http.get(
        registry.manifest_url(repo, "v1"),
        headers={"Accept": f"{DOCKER_MANIFEST}, {OCI_MANIFEST};q=0.5, {OCI_INDEX}"},
    )
    assert response.status_code == 200
    assert response.content == image.body


@behaviour(
    "ART-310",
    "Docker v2 schema 2 manifests push and pull with their own media type",
    cite="https://distribution.github.io/distribution/spec/manifest-v2-2/",
)
def test_docker_manifest(target: Target) -> None:
    target.require("docker_media_types")
    registry = target.registry()
    repo = target.new_repo("docker")
    image = registry.push_docker_image(repo, "v1")
    response = registry.http.get(
        registry.manifest_url(repo, "v1"), headers={"Accept": DOCKER_MANIFEST}
    )
    assert response.status_code == 200
    assert response.content == image.body
    assert response.headers["Content-Type"].split(";")[0] == DOCKER_MANIFEST
    assert response.headers["Docker-Content-Digest"] == image.digest


@behaviour(
    "ART-311",
    "GET by tag of a Docker manifest or manifest list accepting only other types answers "
    "404 MANIFEST_UNKNOWN",
    cite=CONTENT_NEGOTIATION,
)
def test_accept_excludes_docker_types(target: Target) -> None:
    target.require("docker_media_types")
    target.require("strict_accept_for_docker_types")
    registry = target.registry()
    repo = target.new_repo("docker-negotiation")
    image = registry.push_docker_image(repo, "v1")
    registry.push_manifest(repo, "list", registry.index_document([image], DOCKER_LIST), DOCKER_LIST)
    for tag, accept in (("v1", OCI_MANIFEST), ("list", DOCKER_MANIFEST)):
        response = registry.http.get(registry.manifest_url(repo, tag), headers={"Accept": accept})
        assert_error(response, 404, "MANIFEST_UNKNOWN")


@behaviour(
    "ART-312",
    "an OCI image index referencing manifests in the repository is accepted and served",
    cite=f"{SPEC}#pushing-manifests",
)
def test_oci_index(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("index")
    children = [registry.push_image(repo, layers=[b"amd64"]), registry.push_image(repo)]
    index = registry.push_manifest(repo, "multi", registry.index_document(children), OCI_INDEX)
    response = registry.http.get(
        registry.manifest_url(repo, "multi"), headers={"Accept": OCI_INDEX}
    )
    assert response.status_code == 200
    assert response.content == index.body
    assert response.headers["Content-Type"].split(";")[0] == OCI_INDEX
    assert response.headers["Docker-Content-Digest"] == index.digest


@behaviour(
    "ART-313",
    "a Docker manifest list referencing manifests in the repository is accepted and served",
    cite="https://distribution.github.io/distribution/spec/manifest-v2-2/#manifest-list",
)
def test_docker_manifest_list(target: Target) -> None:
    target.require("docker_media_types")
    registry = target.registry()
    repo = target.new_repo("docker-list")
    child = registry.push_docker_image(repo, "child")
    listed = registry.push_manifest(
        repo, "list", registry.index_document([child], DOCKER_LIST), DOCKER_LIST
    )
    response = registry.http.get(
        registry.manifest_url(repo, "list"), headers={"Accept": DOCKER_LIST}
    )
    assert response.status_code == 200
    assert response.content == listed.body
    assert response.headers["Content-Type"].split(";")[0] == DOCKER_LIST


def _missing_layer(registry: Registry, repo: str) -> tuple[bytes, str]:
    document = registry.image_manifest(repo, push_blobs=False, layers=[b"never pushed"])
    registry.push_blob(repo, b"{}")
    return canonical(document), OCI_MANIFEST


def _missing_config(registry: Registry, repo: str) -> tuple[bytes, str]:
    document = registry.image_manifest(repo, push_blobs=False, config=b'{"missing":1}')
    registry.push_blob(repo, b"layer")
    return canonical(document), OCI_MANIFEST


def _missing_child(registry: Registry, repo: str) -> tuple[bytes, str]:
    ghost = Descriptor(OCI_MANIFEST, digest_of(b"no such manifest"), 16).to_json()
    return canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [ghost]}), OCI_INDEX


@behaviour(
    "ART-314",
    "a manifest referencing a blob or child manifest missing from the repository answers "
    "400 MANIFEST_BLOB_UNKNOWN and changes nothing",
    cite=f"{SPEC}#pushing-manifests; {MEASURED}",
)
@pytest.mark.parametrize("build", [_missing_layer, _missing_config, _missing_child])
def test_manifest_blob_unknown(target: Target, build: Any) -> None:
    registry = target.registry()
    repo = target.new_repo("blob-unknown")
    registry.push_image(repo, "v1")
    before = _pushed_state(registry, repo)
    body, media_type = build(registry, repo)
    for reference in ("v1", "v2", digest_of(body)):
        response = registry.put_manifest(repo, reference, body, media_type)
        assert_error(response, 400, "MANIFEST_BLOB_UNKNOWN")
    assert _pushed_state(registry, repo) == before
    assert not registry.manifest_exists(repo, digest_of(body))


@behaviour(
    "ART-315",
    "a manifest referencing a blob that only another repository holds answers 400 "
    "MANIFEST_BLOB_UNKNOWN",
    cite=MEASURED,
)
def test_manifest_blob_in_other_repository(target: Target) -> None:
    target.require("repository_scoped_blobs")
    registry = target.registry()
    other, repo = target.new_repo("holder"), target.new_repo("borrower")
    registry.push_blob(other, b"elsewhere")
    registry.push_blob(repo, b"{}")
    document = registry.image_manifest(repo, push_blobs=False, layers=[b"elsewhere"])
    response = registry.put_manifest(repo, "v1", canonical(document), OCI_MANIFEST)
    assert_error(response, 400, "MANIFEST_BLOB_UNKNOWN")
    assert registry.resolve_tag(repo, "v1") is None


def _valid(registry: Registry, repo: str) -> dict[str, Any]:
    return registry.image_manifest(repo, layers=[b"valid layer"])


INVALID_MANIFESTS: dict[str, Callable[[dict[str, Any]], tuple[bytes, str]]] = {
    "not-json": lambda doc: (b"{not json", OCI_MANIFEST),
    "json-array": lambda doc: (b"[1, 2]", OCI_MANIFEST),
    "unknown-media-type": lambda doc: (
        canonical({**doc, "mediaType": "application/x-unknown"}),
        "application/x-unknown",
    ),
    "content-type-mismatch": lambda doc: (canonical(doc), DOCKER_MANIFEST),
    "index-as-manifest": lambda doc: (canonical(doc), OCI_INDEX),
    "layers-not-array": lambda doc: (
        canonical({**doc, "layers": {"0": doc["layers"][0]}}),
        OCI_MANIFEST,
    ),
    "config-not-object": lambda doc: (canonical({**doc, "config": "config"}), OCI_MANIFEST),
    "size-not-number": lambda doc: (
        canonical({**doc, "layers": [{**doc["layers"][0], "size": True}]}),
        OCI_MANIFEST,
    ),
    "index-manifests-not-array": lambda doc: (
        canonical({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": "none"}),
        OCI_INDEX,
    ),
}


def _layer(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    layer = {**doc["layers"][0], **changes}
    return {**doc, "layers": [{k: v for k, v in layer.items() if v is not None}]}


STRICT_INVALID: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "layer-without-size": lambda doc: _layer(doc, size=None),
    "layer-negative-size": lambda doc: _layer(doc, size=-1),
    "layer-without-media-type": lambda doc: _layer(doc, mediaType=None),
    "layer-malformed-digest": lambda doc: _layer(doc, digest="sha256:zz"),
    "without-config": lambda doc: {k: v for k, v in doc.items() if k != "config"},
    "artifact-type-not-string": lambda doc: {**doc, "artifactType": 5},
    "malformed-subject": lambda doc: {**doc, "subject": {"digest": "nope"}},
    "index-without-manifests": lambda doc: {"schemaVersion": 2, "mediaType": OCI_INDEX},
}


@behaviour(
    "ART-316",
    "an invalid manifest (bad JSON, unknown media type, Content-Type not matching mediaType) "
    "answers 400 MANIFEST_INVALID and changes nothing",
    cite=f"{SPEC}#error-codes; {MEASURED}",
)
@pytest.mark.parametrize("case", sorted(INVALID_MANIFESTS))
def test_manifest_invalid(target: Target, case: str) -> None:
    registry = target.registry()
    repo = target.new_repo("invalid")
    registry.push_image(repo, "v1")
    before = _pushed_state(registry, repo)
    body, media_type = INVALID_MANIFESTS[case](_valid(registry, repo))
    for reference in ("v1", "v2"):
        assert_error(
            registry.put_manifest(repo, reference, body, media_type), 400, "MANIFEST_INVALID"
        )
    assert _pushed_state(registry, repo) == before


@behaviour(
    "ART-317",
    "schemaVersion other than 2 answers 400 MANIFEST_INVALID and changes nothing",
    cite=f"{IMAGE_MANIFEST}#image-manifest-property-descriptions",
)
@pytest.mark.parametrize("version", [1, 3, "2"])
def test_schema_version(target: Target, version: object) -> None:
    target.require("validates_schema_version")
    registry = target.registry()
    repo = target.new_repo("schema-version")
    registry.push_image(repo, "v1")
    before = _pushed_state(registry, repo)
    body = canonical({**_valid(registry, repo), "schemaVersion": version})
    assert_error(registry.put_manifest(repo, "v1", body, OCI_MANIFEST), 400, "MANIFEST_INVALID")
    assert _pushed_state(registry, repo) == before


@behaviour(
    "ART-318",
    "a manifest of the size limit is accepted; one byte more is refused with the target's "
    "size error and changes nothing",
    cite=f"{SPEC}#pushing-manifests; {MEASURED}",
)
def test_manifest_size_limit(target: Target) -> None:
    limit = target.capabilities.max_manifest_bytes
    error = target.capabilities.oversized_manifest_error
    if limit is None or error is None:
        pytest.skip("the target's manifest size limit is not declared")
    registry = target.registry()
    repo = target.new_repo("size")
    document = _valid(registry, repo)

    def sized(size: int) -> bytes:
        base = len(canonical({**document, "annotations": {"pad": ""}}))
        body = canonical({**document, "annotations": {"pad": "x" * (size - base)}})
        assert len(body) == size
        return body

    at_limit = sized(limit)
    assert registry.put_manifest(repo, "big", at_limit, OCI_MANIFEST).status_code == 201
    over = sized(limit + 1)
    assert_error(registry.put_manifest(repo, "big", over, OCI_MANIFEST), *error)
    assert_error(registry.put_manifest(repo, "other", over, OCI_MANIFEST), *error)
    assert registry.resolve_tag(repo, "big") == digest_of(at_limit)
    assert registry.resolve_tag(repo, "other") is None


@behaviour(
    "ART-319",
    "in a repository without immutability, a PUT to an existing tag moves it; the old "
    "manifest stays reachable by digest",
    cite=f"{SPEC}#pushing-manifests; {MEASURED}",
)
def test_tag_moves(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("moves")
    old = registry.push_image(repo, "v1", layers=[b"old"])
    new = registry.push_image(repo, "v1", layers=[b"new"])
    assert registry.resolve_tag(repo, "v1") == new.digest
    assert registry.manifest_exists(repo, old.digest)
    assert registry.tags(repo) == ["v1"]


@behaviour(
    "ART-320",
    "pushing the same manifest to the same tag again succeeds (201) and changes nothing",
    cite=f"{SPEC}#pushing-manifests",
)
def test_same_manifest_again(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("idempotent")
    image = registry.push_image(repo, "v1")
    response = registry.put_manifest(repo, "v1", image.body, OCI_MANIFEST)
    assert response.status_code == 201
    assert response.headers["Docker-Content-Digest"] == image.digest
    assert registry.resolve_tag(repo, "v1") == image.digest


@behaviour(
    "ART-321",
    "a manifest with a subject is accepted, even when the subject does not exist (yet)",
    cite=f"{SPEC}#pushing-manifests-with-subject",
)
def test_subject_accepted(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("subject")
    subject = registry.push_image(repo, "v1")
    referrer = registry.push_image(repo, artifact_type="application/x-sig", subject=subject)
    assert registry.manifest_exists(repo, referrer.digest)
    ghost_body = canonical({**json.loads(subject.body), "annotations": {"never": "pushed"}})
    ghost = Pushed(ghost_body, OCI_MANIFEST, digest_of(ghost_body))
    dangling = canonical(registry.image_manifest(repo, push_blobs=False, subject=ghost))
    accepted = registry.put_manifest(repo, digest_of(dangling), dangling, OCI_MANIFEST)
    assert accepted.status_code == 201, accepted.text
    assert registry.tags(repo) == ["v1"]


@behaviour(
    "ART-327",
    "PUT of a manifest with a subject answers OCI-Subject with the subject's digest",
    cite=f"{SPEC}#pushing-manifests-with-subject",
)
def test_subject_header(target: Target) -> None:
    target.require("subject_header")
    registry = target.registry()
    repo = target.new_repo("subject-header")
    subject = registry.push_image(repo, "v1")
    document = registry.image_manifest(repo, artifact_type="application/x-sig", subject=subject)
    body = canonical(document)
    response = registry.put_manifest(repo, digest_of(body), body, OCI_MANIFEST)
    assert response.status_code == 201, response.text
    assert response.headers["OCI-Subject"] == subject.digest


@behaviour(
    "ART-322",
    "GET of a manifest by a malformed digest answers 400 DIGEST_INVALID",
    cite=f"{SPEC}#pulling-manifests",
)
def test_manifest_malformed_digest(target: Target) -> None:
    target.require("rejects_malformed_manifest_digest")
    registry = target.registry()
    repo = target.new_repo("manifest-bad-digest")
    registry.push_image(repo, "v1")
    response = registry.http.get(
        registry.manifest_url(repo, "sha256:zz"), headers={"Accept": ACCEPT_ALL}
    )
    assert_error(response, 400, "DIGEST_INVALID")


@behaviour(
    "ART-323",
    "distribution answers a manifest GET by a malformed digest with 500 UNKNOWN",
    cite=MEASURED,
)
def test_manifest_malformed_digest_measured(target: Target) -> None:
    target.require("rejects_malformed_manifest_digest", False)
    target.require("validates_names", False)
    registry = target.registry()
    repo = target.new_repo("manifest-bad-digest-500")
    registry.push_image(repo, "v1")
    response = registry.http.get(
        registry.manifest_url(repo, "sha256:zz"), headers={"Accept": ACCEPT_ALL}
    )
    assert response.status_code == 500


@behaviour(
    "ART-324",
    "a PUT to an invalid tag answers 400 TAG_INVALID and creates nothing",
    cite=f"{SPEC}#pulling-manifests",
)
@pytest.mark.parametrize(
    "tag", [".hidden", "-dash", "a" * 129, "with+plus"], ids=["dot", "dash", "long", "plus"]
)
def test_invalid_tag(target: Target, tag: str) -> None:
    target.require("validates_names")
    registry = target.registry()
    repo = target.new_repo("bad-tag")
    image = registry.push_image(repo, "v1")
    assert_error(registry.put_manifest(repo, tag, image.body, OCI_MANIFEST), 400, "TAG_INVALID")
    assert registry.tags(repo) == ["v1"]
    response = registry.http.get(registry.manifest_url(repo, tag), headers={"Accept": ACCEPT_ALL})
    assert_error(response, 404, "MANIFEST_UNKNOWN")  # nothing was stored under it (ART-333)


@behaviour(
    "ART-333",
    "GET, HEAD and DELETE of a manifest by a reference that is neither a valid tag nor a "
    "digest answer 404 (MANIFEST_UNKNOWN where an error envelope is sent); nothing changes",
    cite=f"{SPEC}#pulling-manifests; {MEASURED}",
)
@pytest.mark.parametrize(
    "reference", [".hidden", "-dash", "a" * 129, "with+plus"], ids=["dot", "dash", "long", "plus"]
)
def test_invalid_reference_is_not_found(target: Target, reference: str) -> None:
    # The spec: <reference> MUST be a tag or a digest, and a manifest that is not found
    # is a 404. Distribution's router has no route for such a reference (text 404); the
    # fake answers MANIFEST_UNKNOWN. Only a PUT, which names a tag to create, is
    # TAG_INVALID (ART-324).
    code = target.capabilities.invalid_reference_code
    registry = target.registry()
    repo = target.new_repo("bad-reference")
    image = registry.push_image(repo, "v1")
    url = registry.manifest_url(repo, reference)
    assert_error(registry.http.get(url, headers={"Accept": ACCEPT_ALL}), 404, code)
    assert_error(registry.http.head(url, headers={"Accept": ACCEPT_ALL}), 404)
    if target.capabilities.manifest_deletion:
        assert_error(registry.http.delete(url), 404, code)
    assert registry.tags(repo) == ["v1"]
    assert registry.resolve_tag(repo, "v1") == image.digest


@behaviour(
    "ART-325",
    "the longest valid tag (128 characters of [A-Za-z0-9_.-]) is accepted",
    cite=f"{SPEC}#pulling-manifests",
)
def test_longest_tag(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("long-tag")
    tag = "V_" + "a.b-c" * 25 + "x"
    assert len(tag) == 128
    image = registry.push_image(repo, tag)
    assert registry.resolve_tag(repo, tag) == image.digest


@behaviour(
    "ART-326",
    "the manifest's layers may be empty and its config may be the empty descriptor",
    cite=f"{IMAGE_MANIFEST}#guidance-for-an-empty-descriptor",
)
def test_artifact_manifest_with_empty_config(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("empty-config")
    image = registry.push_image(
        repo,
        "art",
        layers=[],
        config=b"{}",
        config_type="application/vnd.oci.empty.v1+json",
        artifact_type="application/x-artifact",
    )
    assert registry.resolve_tag(repo, "art") == image.digest
    document = json.loads(image.body)
    assert document["layers"] == []
    assert document["config"]["mediaType"] != OCI_CONFIG


@behaviour(
    "ART-328",
    "malformed descriptors (no size, negative size, no mediaType, bad digest), a missing "
    "config or manifests list, a non-string artifactType or a malformed subject answer 400 "
    "MANIFEST_INVALID and change nothing",
    cite=f"{IMAGE_DESCRIPTOR}#properties; {IMAGE_MANIFEST}#image-manifest-property-descriptions",
)
@pytest.mark.parametrize("case", sorted(STRICT_INVALID))
def test_manifest_invalid_descriptors(target: Target, case: str) -> None:
    target.require("validates_descriptors")
    registry = target.registry()
    repo = target.new_repo("invalid-descriptor")
    registry.push_image(repo, "v1")
    before = _pushed_state(registry, repo)
    document = STRICT_INVALID[case](_valid(registry, repo))
    media_type = document["mediaType"]
    for reference in ("v1", "v2"):
        response = registry.put_manifest(repo, reference, canonical(document), media_type)
        assert_error(response, 400, "MANIFEST_INVALID")
    assert _pushed_state(registry, repo) == before


@behaviour(
    "ART-329",
    "a non-distributable layer need not be in the repository",
    cite=f"{IMAGE_LAYER}#non-distributable-layers",
)
def test_foreign_layer(target: Target) -> None:
    target.require("foreign_layers")
    registry = target.registry()
    repo = target.new_repo("foreign")
    document = registry.image_manifest(repo)
    foreign = Descriptor(
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        digest_of(b"somewhere else"),
        14,
    ).to_json()
    foreign["urls"] = ["https://example.com/layer.tar"]
    document["layers"].append(foreign)
    pushed = registry.push_manifest(repo, "v1", document, OCI_MANIFEST)
    assert registry.resolve_tag(repo, "v1") == pushed.digest


@behaviour(
    "ART-330",
    "GET by tag without an Accept header: the fake answers the stored manifest; "
    "distribution answers 404 MANIFEST_UNKNOWN for OCI types",
    cite=f"{CONTENT_NEGOTIATION}; {MEASURED}",
)
def test_get_without_accept(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("no-accept")
    image = registry.push_image(repo, "v1")
    response = registry.http.get(registry.manifest_url(repo, "v1"))
    if target.capabilities.serves_without_accept:
        assert response.status_code == 200
        assert response.content == image.body
        assert response.headers["Content-Type"].split(";")[0] == OCI_MANIFEST
    else:
        assert_error(response, 404, "MANIFEST_UNKNOWN")


@behaviour(
    "ART-331",
    "GET by digest with an Accept header that excludes the manifest's type: served as is "
    "by the fake, 404 MANIFEST_UNKNOWN on distribution",
    cite=f"{CONTENT_NEGOTIATION}; {MEASURED}",
)
def test_get_by_digest_ignores_accept(target: Target) -> None:
    target.require("accept_negotiation")
    registry = target.registry()
    repo = target.new_repo("digest-accept")
    image = registry.push_image(repo, "v1")
    response = registry.http.get(
        registry.manifest_url(repo, image.digest), headers={"Accept": DOCKER_MANIFEST}
    )
    if target.capabilities.negotiates_by_digest:
        assert_error(response, 404, "MANIFEST_UNKNOWN")
    else:
        assert response.status_code == 200
        assert response.content == image.body


@behaviour(
    "ART-332",
    "a manifest PUT without Content-Type: the fake types it by its mediaType field; "
    "distribution answers 400 MANIFEST_INVALID and stores nothing",
    cite=f"{SPEC}#pushing-manifests; {MEASURED}",
)
def test_put_without_content_type(target: Target) -> None:
    registry = target.registry()
    repo = target.new_repo("untyped")
    registry.push_image(repo, "v1")
    body = canonical(_valid(registry, repo))
    response = registry.http.put(registry.manifest_url(repo, "v2"), data=body)
    if target.capabilities.untyped_manifest_put:
        assert response.status_code == 201, response.text
        assert registry.resolve_tag(repo, "v2") == digest_of(body)
    else:
        assert_error(response, 400, "MANIFEST_INVALID")
        assert registry.resolve_tag(repo, "v2") is None
