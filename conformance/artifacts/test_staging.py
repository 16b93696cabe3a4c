"""State staged by another writer reads back through the wire like anything pushed.

Tests stage "another pipeline already published this" before the code under test
runs. On a real registry the other writer is a second client; on the fake it is the
seeding API. Either way, the same rules apply and the wire shows the same state.
"""

from __future__ import annotations

import pytest

from fakes.conformance.artifacts._oci import (
    OCI_CONFIG,
    OCI_LAYER,
    OCI_MANIFEST,
    Descriptor,
    Registry,
    canonical,
    digest_of,
)
from fakes.conformance.artifacts.targets import SPEC, Target

behaviour = pytest.mark.behaviour


def _document(config: bytes, layers: list[bytes]) -> dict[str, object]:
    return {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": Descriptor(OCI_CONFIG, digest_of(config), len(config)).to_json(),
        "layers": [Descriptor(OCI_LAYER, digest_of(b), len(b)).to_json() for b in layers],
    }


@behaviour(
    "ART-901",
    "content staged by another writer reads back through the wire: the manifest's exact "
    "bytes and digest under its tag, every blob, the tag list",
    cite=f"{SPEC}#pulling-manifests; {SPEC}#pulling-blobs; {SPEC}#listing-tags",
)
def test_staged_content_reads_back(target: Target) -> None:
    repo = target.new_repo("staged")
    config, layers = b'{"staged":true}', [b"first layer", b"second layer"]
    document = _document(config, layers)
    assert target.stage(repo, "v1", document, [config, *layers]) == (201, None)

    registry: Registry = target.registry()
    response = registry.http.get(registry.manifest_url(repo, "v1"),
                                 headers={"Accept": OCI_MANIFEST})
    assert response.status_code == 200
    assert response.content == canonical(document)
    assert response.headers["Docker-Content-Digest"] == digest_of(canonical(document))
    for blob in (config, *layers):
        assert registry.http.get(registry.blob_url(repo, digest_of(blob))).content == blob
        assert target.held_blob(repo, digest_of(blob)) == blob
    assert registry.tags(repo) == ["v1"] == target.held_tags(repo)


@behaviour(
    "ART-902",
    "a staged manifest whose layer the repository lacks is refused with "
    "MANIFEST_BLOB_UNKNOWN, and nothing is tagged",
    cite=f"{SPEC}#pushing-manifests",
)
def test_staging_obeys_the_push_rules(target: Target) -> None:
    repo = target.new_repo("staged-missing")
    config = b"{}"
    document = _document(config, [b"never uploaded"])
    status, code = target.stage(repo, "v1", document, [config])
    assert (status, code) == (400, "MANIFEST_BLOB_UNKNOWN")
    assert target.held_tags(repo) == []
    assert target.held_blob(repo, digest_of(b"never uploaded")) is None
