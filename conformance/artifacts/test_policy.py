"""Repository policies: tag immutability (as Amazon ECR) and disabled deletion."""

from __future__ import annotations

import pytest

from fakes.conformance.artifacts._oci import OCI_MANIFEST, assert_error, canonical, digest_of
from fakes.conformance.artifacts.targets import ECR_MUTABILITY, SPEC, Target

behaviour = pytest.mark.behaviour

ECR_ERRORS = "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html#API_PutImage_Errors"


@behaviour(
    "ART-601",
    "immutable tags: a new tag can be pushed once; pushing a different manifest to it "
    "answers 400 TAG_INVALID and the tag does not move",
    cite=f"{ECR_MUTABILITY}; {ECR_ERRORS}",
)
def test_immutable_tag_cannot_move(target: Target) -> None:
    repo = target.make_repository("immutable", immutable_tags=True)
    registry = target.registry()
    first = registry.push_image(repo, "v1", layers=[b"first"])
    second = registry.image_manifest(repo, layers=[b"second"])
    response = registry.put_manifest(repo, "v1", canonical(second), OCI_MANIFEST)
    assert_error(response, 400, "TAG_INVALID")
    assert registry.resolve_tag(repo, "v1") == first.digest
    assert not registry.manifest_exists(repo, digest_of(canonical(second)))


@behaviour(
    "ART-602",
    "immutable tags: pushing the same manifest to an existing tag is refused too",
    cite=ECR_MUTABILITY,
)
def test_immutable_tag_same_digest(target: Target) -> None:
    repo = target.make_repository("immutable-same", immutable_tags=True)
    registry = target.registry()
    image = registry.push_image(repo, "v1")
    assert_error(registry.put_manifest(repo, "v1", image.body, OCI_MANIFEST), 400, "TAG_INVALID")
    assert registry.resolve_tag(repo, "v1") == image.digest


@behaviour(
    "ART-603",
    "immutable tags: pushing by digest, and tagging an existing manifest with a new tag, "
    "are allowed",
    cite=ECR_MUTABILITY,
)
def test_immutable_push_by_digest(target: Target) -> None:
    repo = target.make_repository("immutable-digest", immutable_tags=True)
    registry = target.registry()
    image = registry.push_image(repo, "v1")
    assert registry.put_manifest(repo, image.digest, image.body, OCI_MANIFEST).status_code == 201
    untagged = registry.push_image(repo, layers=[b"untagged"])
    assert registry.manifest_exists(repo, untagged.digest)
    assert registry.put_manifest(repo, "v2", image.body, OCI_MANIFEST).status_code == 201
    assert registry.tags(repo) == ["v1", "v2"]


@behaviour(
    "ART-604",
    "a repository with mutable tags (the default) moves tags",
    cite=ECR_MUTABILITY,
)
def test_mutable_repository(target: Target) -> None:
    repo = target.make_repository("mutable", immutable_tags=False)
    registry = target.registry()
    registry.push_image(repo, "v1", layers=[b"first"])
    second = registry.push_image(repo, "v1", layers=[b"second"])
    assert registry.resolve_tag(repo, "v1") == second.digest


@behaviour(
    "ART-605",
    "with deletion disabled, DELETE of a manifest (by digest or tag) answers 405 "
    "UNSUPPORTED and nothing is removed",
    cite=f"{SPEC}#deleting-manifests; {SPEC}#error-codes",
)
def test_deletion_disabled(target: Target) -> None:
    repo = target.make_repository("no-delete", deletion_enabled=False)
    registry = target.registry()
    image = registry.push_image(repo, "v1")
    for reference in (image.digest, "v1"):
        response = registry.http.delete(registry.manifest_url(repo, reference))
        assert_error(response, 405, "UNSUPPORTED")
    assert registry.resolve_tag(repo, "v1") == image.digest
    assert registry.manifest_exists(repo, image.digest)


@behaviour(
    "ART-606",
    "with deletion disabled, DELETE of a blob answers 405 UNSUPPORTED and the blob stays",
    cite=f"{SPEC}#deleting-blobs",
)
def test_blob_deletion_disabled(target: Target) -> None:
    target.require("blob_deletion")
    repo = target.make_repository("no-delete-blob", deletion_enabled=False)
    registry = target.registry()
    digest = registry.push_blob(repo, b"kept")
    assert_error(registry.http.delete(registry.blob_url(repo, digest)), 405, "UNSUPPORTED")
    assert registry.blob_exists(repo, digest)
