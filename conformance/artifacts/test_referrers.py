"""The referrers API: manifests whose subject is a given manifest."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.artifacts._oci import (
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    Pushed,
    Registry,
    assert_error,
    canonical,
    digest_of,
)
from fakes.conformance.artifacts.targets import MEASURED, SPEC, Target

behaviour = pytest.mark.behaviour

SIG = "application/vnd.example.signature"
SBOM = "application/vnd.example.sbom"


def _referrers(
    registry: Registry, repo: str, digest: str, query: str = ""
) -> tuple[dict[str, Any], dict[str, str]]:
    response = registry.http.get(registry.url(repo, "referrers", digest) + query)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == OCI_INDEX
    return response.json(), dict(response.headers)


def _by_digest(index: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["digest"]: d for d in index["manifests"]}


def _artifact(registry: Registry, repo: str, subject: Pushed, kind: str, note: str) -> Pushed:
    return registry.push_image(
        repo,
        layers=[note.encode()],
        config=b"{}",
        config_type=OCI_EMPTY,
        artifact_type=kind,
        subject=subject,
        annotations={"org.example.note": note},
    )


@behaviour(
    "ART-501",
    "GET /referrers/<digest> answers an OCI image index listing every manifest whose "
    "subject is that digest, with mediaType, digest, size, artifactType and annotations",
    cite=f"{SPEC}#listing-referrers",
)
def test_list_referrers(target: Target) -> None:
    target.require("referrers")
    registry = target.registry()
    repo = target.new_repo("referrers")
    subject = registry.push_image(repo, "v1")
    unrelated = registry.push_image(repo, "v2", layers=[b"v2"])
    sig = _artifact(registry, repo, subject, SIG, "signature")
    sbom = _artifact(registry, repo, subject, SBOM, "sbom")
    _artifact(registry, repo, unrelated, SIG, "other signature")

    index, _ = _referrers(registry, repo, subject.digest)
    assert index["schemaVersion"] == 2
    assert index["mediaType"] == OCI_INDEX
    found = _by_digest(index)
    assert set(found) == {sig.digest, sbom.digest}
    for pushed, kind, note in ((sig, SIG, "signature"), (sbom, SBOM, "sbom")):
        entry = found[pushed.digest]
        assert entry["mediaType"] == OCI_MANIFEST
        assert entry["size"] == pushed.size
        assert entry["artifactType"] == kind
        assert entry["annotations"] == {"org.example.note": note}


@behaviour(
    "ART-502",
    "?artifactType= keeps only matching referrers and answers OCI-Filters-Applied: artifactType",
    cite=f"{SPEC}#listing-referrers",
)
def test_filter_referrers(target: Target) -> None:
    target.require("referrers_filter")
    registry = target.registry()
    repo = target.new_repo("referrers-filter")
    subject = registry.push_image(repo, "v1")
    sig = _artifact(registry, repo, subject, SIG, "signature")
    _artifact(registry, repo, subject, SBOM, "sbom")
    index, headers = _referrers(registry, repo, subject.digest, f"?artifactType={SIG}")
    assert set(_by_digest(index)) == {sig.digest}
    assert headers["OCI-Filters-Applied"] == "artifactType"
    index, headers = _referrers(registry, repo, subject.digest, "?artifactType=application/none")
    assert index["manifests"] == []


@behaviour(
    "ART-503",
    "without artifactType in the referrer, its config mediaType is listed as artifactType",
    cite=f"{SPEC}#listing-referrers",
)
def test_artifact_type_from_config(target: Target) -> None:
    target.require("referrers")
    registry = target.registry()
    repo = target.new_repo("referrers-config-type")
    subject = registry.push_image(repo, "v1")
    referrer = registry.push_image(
        repo, config=b'{"k":1}', config_type="application/vnd.example.config", subject=subject
    )
    index, _ = _referrers(registry, repo, subject.digest)
    assert _by_digest(index)[referrer.digest]["artifactType"] == "application/vnd.example.config"


@behaviour(
    "ART-504",
    "referrers of a digest nothing refers to (or that does not exist) answer 200 with an "
    "empty index",
    cite=f"{SPEC}#listing-referrers",
)
def test_no_referrers(target: Target) -> None:
    target.require("referrers")
    registry = target.registry()
    repo = target.new_repo("no-referrers")
    subject = registry.push_image(repo, "v1")
    for digest in (subject.digest, digest_of(b"no such manifest")):
        index, _ = _referrers(registry, repo, digest)
        assert index["manifests"] == []


@behaviour(
    "ART-505",
    "a referrer pushed before its subject is listed (subject need not exist)",
    cite=f"{SPEC}#pushing-manifests-with-subject",
)
def test_referrer_before_subject(target: Target) -> None:
    target.require("referrers")
    registry = target.registry()
    repo = target.new_repo("referrer-first")
    document = registry.image_manifest(repo, layers=[b"later subject"])
    body = canonical(document)
    subject = Pushed(body, OCI_MANIFEST, digest_of(body))
    referrer = _artifact(registry, repo, subject, SIG, "early")
    index, _ = _referrers(registry, repo, subject.digest)
    assert set(_by_digest(index)) == {referrer.digest}
    registry.push_manifest(repo, "v1", document, OCI_MANIFEST)
    index, _ = _referrers(registry, repo, subject.digest)
    assert set(_by_digest(index)) == {referrer.digest}


@behaviour(
    "ART-506",
    "a deleted referrer is no longer listed",
    cite=f"{SPEC}#deleting-manifests",
)
def test_deleted_referrer_disappears(target: Target) -> None:
    target.require("referrers")
    target.require("manifest_deletion")
    registry = target.registry()
    repo = target.new_repo("referrer-deleted")
    subject = registry.push_image(repo, "v1")
    gone = _artifact(registry, repo, subject, SIG, "gone")
    kept = _artifact(registry, repo, subject, SIG, "kept")
    assert registry.http.delete(registry.manifest_url(repo, gone.digest)).status_code == 202
    index, _ = _referrers(registry, repo, subject.digest)
    assert set(_by_digest(index)) == {kept.digest}


@behaviour(
    "ART-507",
    "an image index can be a referrer too",
    cite=f"{SPEC}#listing-referrers",
)
def test_index_referrer(target: Target) -> None:
    target.require("referrers")
    registry = target.registry()
    repo = target.new_repo("index-referrer")
    subject = registry.push_image(repo, "v1")
    child = registry.push_image(repo, layers=[b"child"])
    document = registry.index_document([child])
    document["artifactType"] = SBOM
    document["subject"] = subject.descriptor().to_json()
    index_pushed = registry.push_manifest(repo, "sbom-index", document, OCI_INDEX)
    index, _ = _referrers(registry, repo, subject.digest)
    entry = _by_digest(index)[index_pushed.digest]
    assert entry["mediaType"] == OCI_INDEX
    assert entry["artifactType"] == SBOM


@behaviour(
    "ART-508",
    "referrers in a repository that does not exist answer 404 NAME_UNKNOWN",
    cite=f"{SPEC}#listing-referrers",
)
def test_referrers_unknown_repository(target: Target) -> None:
    target.require("referrers")
    registry = target.registry()
    repo = target.new_repo("nobody")
    response = registry.http.get(registry.url(repo, "referrers", digest_of(b"x")))
    assert_error(response, 404, "NAME_UNKNOWN")


@behaviour(
    "ART-509",
    "a registry without the referrers API answers the endpoint with a plain 404",
    cite=MEASURED,
)
def test_no_referrers_api(target: Target) -> None:
    target.require("referrers", False)
    registry = target.registry()
    repo = target.new_repo("no-api")
    subject = registry.push_image(repo, "v1")
    response = registry.http.get(registry.url(repo, "referrers", subject.digest))
    assert response.status_code == 404


@behaviour(
    "ART-510",
    "referrers of a malformed digest answer 400",
    cite=f"{SPEC}#listing-referrers",
)
def test_referrers_malformed_digest(target: Target) -> None:
    target.require("referrers")
    target.require("rejects_malformed_manifest_digest")
    registry = target.registry()
    repo = target.new_repo("referrers-bad")
    registry.push_image(repo, "v1")
    response = registry.http.get(registry.url(repo, "referrers", "sha256:zz"))
    assert_error(response, 400, "DIGEST_INVALID")


@behaviour(
    "ART-511",
    "an index referrer without artifactType is listed without artifactType",
    cite=f"{SPEC}#listing-referrers",
)
def test_index_referrer_without_artifact_type(target: Target) -> None:
    target.require("referrers")
    registry = target.registry()
    repo = target.new_repo("index-referrer-plain")
    subject = registry.push_image(repo, "v1")
    child = registry.push_image(repo, layers=[b"plain child"])
    document = registry.index_document([child])
    document["subject"] = subject.descriptor().to_json()
    pushed = registry.push_manifest(repo, "plain-index", document, OCI_INDEX)
    index, _ = _referrers(registry, repo, subject.digest)
    assert "artifactType" not in _by_digest(index)[pushed.digest]
