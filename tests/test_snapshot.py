"""Snapshots: seed a baseline once, go back to it before every example."""

from __future__ import annotations

import requests

from fakes.artifacts import FakeRegistry, digest_of
from fakes.faults import Throttle

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def manifest(config: str) -> dict[str, object]:
    return {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": [],
            "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                       "digest": config, "size": 2}}


def test_reset_to_a_snapshot_restores_the_baseline_every_time(
    fake_registry: FakeRegistry,
) -> None:
    config = fake_registry.push_blob("team/app", b"{}")
    baseline_digest = fake_registry.push_manifest("team/app", manifest(config), tag="v1")
    baseline = fake_registry.snapshot()

    for round_ in range(2):
        http = requests.Session()
        url = f"{fake_registry.url}/v2/team/app"
        assert http.delete(f"{url}/manifests/{baseline_digest}").status_code == 202
        http.post(f"{url}/blobs/uploads/", params={"digest": digest_of(b"x")}, data=b"x")
        fake_registry.push_blob("other/repo", b"more")
        fake_registry.faults.add(Throttle())
        fake_registry.clock.advance(60)

        fake_registry.reset(to=baseline)

        assert fake_registry.repositories() == ["team/app"], round_
        assert fake_registry.tags("team/app") == ["v1"]
        assert fake_registry.manifest("team/app", "v1").digest == baseline_digest
        response = requests.get(f"{url}/blobs/{digest_of(b'x')}")
        assert response.status_code == 404  # no throttle: fault rules were cleared
        assert list(fake_registry.journal) == []
        assert fake_registry.clock.monotonic() == 0


def test_a_snapshot_does_not_follow_later_changes(fake_registry: FakeRegistry) -> None:
    fake_registry.configure_repository("team/app", immutable_tags=True)
    snapshot = fake_registry.snapshot()
    fake_registry.configure_repository("team/app", immutable_tags=False)
    fake_registry.push_blob("team/app", b"later")
    fake_registry.reset(to=snapshot)
    config = fake_registry.push_blob("team/app", b"{}")
    fake_registry.push_manifest("team/app", manifest(config), tag="v1")
    response = requests.put(f"{fake_registry.url}/v2/team/app/manifests/v1",
                            data=fake_registry.manifest("team/app", "v1").content,
                            headers={"Content-Type": OCI_MANIFEST})
    assert response.status_code == 400  # still immutable, as at the snapshot
    assert response.json()["errors"][0]["code"] == "TAG_INVALID"


def test_reset_without_a_snapshot_empties_the_fake(fake_registry: FakeRegistry) -> None:
    baseline = fake_registry.snapshot()  # of an empty fake
    fake_registry.push_blob("team/app", b"data")
    fake_registry.reset()
    assert fake_registry.repositories() == []
    fake_registry.push_blob("team/app", b"data")
    fake_registry.reset(to=baseline)
    assert fake_registry.repositories() == []
