"""The reconciler harness finds seeded bugs and passes correct reconcilers.

The reconcilers here are small publishers to the artifact store, written with
``http.client`` so that an example costs a few milliseconds: each publishes contents
as ``release-N`` tags of repository ``app`` and owns that repository only.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from fakes.artifacts import FakeRegistry
from fakes.faults import LostResponse, ProviderFault, Throttle
from fakes.reconciliation import Drift, Injection, Reconciler, ReconcilerFailure

REPOSITORY = "app"
CONFIG = b"{}"
CONFIG_DIGEST = "sha256:" + hashlib.sha256(CONFIG).hexdigest()
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class Client:
    """The few registry calls a publisher makes; errors raise."""

    def __init__(self, url: str) -> None:
        self.host, _, port = url.removeprefix("http://").partition(":")
        self.port = int(port)

    def call(self, method: str, path: str, body: bytes = b"",
             headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        if answer.status >= 400 and answer.status != 404:
            raise RuntimeError(f"{method} {path}: {answer.status}")
        return answer.status, data, dict(answer.getheaders())

    def tags(self, repository: str) -> list[str]:
        status, data, _ = self.call("GET", f"/v2/{repository}/tags/list")
        return [] if status == 404 else sorted(json.loads(data).get("tags") or [])

    def layer_of(self, repository: str, tag: str) -> bytes:
        _, data, _ = self.call("GET", f"/v2/{repository}/manifests/{tag}",
                               headers={"Accept": MANIFEST})
        digest = json.loads(data)["layers"][0]["digest"]
        _, blob, _ = self.call("GET", f"/v2/{repository}/blobs/{digest}")
        return blob

    def publish(self, repository: str, tag: str, content: bytes,
                annotations: dict[str, str] | None = None) -> None:
        for blob in (CONFIG, content):
            digest = "sha256:" + hashlib.sha256(blob).hexdigest()
            self.call("POST", f"/v2/{repository}/blobs/uploads/?digest={digest}", blob,
                      {"Content-Type": "application/octet-stream"})
        manifest = manifest_of(content)
        if annotations:
            manifest["annotations"] = annotations
        self.call("PUT", f"/v2/{repository}/manifests/{tag}", json.dumps(manifest).encode(),
                  {"Content-Type": MANIFEST})

    def untag(self, repository: str, tag: str) -> None:
        self.call("DELETE", f"/v2/{repository}/manifests/{tag}")


def manifest_of(content: bytes) -> dict[str, Any]:
    return {"schemaVersion": 2, "mediaType": MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": CONFIG_DIGEST, "size": len(CONFIG)},
            "layers": [{"mediaType": "application/octet-stream",
                        "digest": "sha256:" + hashlib.sha256(content).hexdigest(),
                        "size": len(content)}]}


def manifest_for(registry: FakeRegistry, repository: str, content: bytes) -> dict[str, Any]:
    """Seed ``content``'s blobs and return the manifest that lists them."""
    registry.push_blob(repository, CONFIG)
    registry.push_blob(repository, content)
    return manifest_of(content)


def published(client: Client) -> list[bytes]:
    """The contents of ``app``'s release tags, in tag order (duplicates kept)."""
    return sorted(client.layer_of(REPOSITORY, t) for t in client.tags(REPOSITORY))


# -- publishers: one correct, each of the others with one seeded bug ---------------------

def pruned(client: Client, desired: frozenset[bytes]) -> tuple[set[bytes], int]:
    """Untag what is not desired; the contents still published and the next number."""
    tags = client.tags(REPOSITORY)
    have = {client.layer_of(REPOSITORY, t): t for t in tags}
    for content, tag in have.items():
        if content not in desired:
            client.untag(REPOSITORY, tag)
    numbers = [int(t.removeprefix("release-")) for t in tags]
    return set(have) & desired, max(numbers, default=0) + 1


def correct(client: Client, desired: frozenset[bytes]) -> None:
    have, next_number = pruned(client, desired)
    for content in sorted(desired - have):
        # A retry after a lost answer repeats the same tag: it cannot duplicate.
        client.publish(REPOSITORY, f"release-{next_number}", content)
        next_number += 1


def stamps_every_run(client: Client, desired: frozenset[bytes]) -> None:
    """Idempotency bug: the manifest carries the time of the run, so every run moves
    the tags."""
    correct(client, desired)
    for tag in client.tags(REPOSITORY):
        client.publish(REPOSITORY, tag, client.layer_of(REPOSITORY, tag),
                       annotations={"org.opencontainers.image.created":
                                    str(next(_run_counter))})


_run_counter = iter(range(10**9))


def prunes_everything(client: Client, desired: frozenset[bytes]) -> None:
    """Ownership bug: it prunes old releases in every repository, not only its own."""
    correct(client, desired)
    for tag in client.tags("other"):
        if tag.startswith("release-"):
            client.untag("other", tag)


def retries_with_a_new_number(client: Client, desired: frozenset[bytes]) -> None:
    """Lost-response bug: a failed publish is retried under the next number, so a
    publish whose answer was lost exists twice."""
    have, next_number = pruned(client, desired)
    for content in sorted(desired - have):
        for _ in range(3):
            tag = f"release-{next_number}"
            next_number += 1
            try:
                client.publish(REPOSITORY, tag, content)
                break
            except (ConnectionError, http.client.HTTPException):
                continue


# -- the harness -------------------------------------------------------------------------

def examples(n: int) -> settings:
    """Reproducible runs: the same examples every time, no example database."""
    return settings(max_examples=n, stateful_step_count=10, deadline=None,
                    derandomize=True, database=None)


CONTENTS = st.frozensets(st.sampled_from([b"one", b"two", b"three"]), max_size=3)


@pytest.fixture
def registry(fake_registry: FakeRegistry) -> Iterator[FakeRegistry]:
    fake_registry.push_manifest("other", manifest_for(fake_registry, "other", b"theirs"),
                                tag="release-9")
    yield fake_registry


def spec(registry: FakeRegistry, publisher: Callable[[Client, frozenset[bytes]], None],
         **options: Any) -> Reconciler[frozenset[bytes], list[bytes]]:
    client = Client(registry.url)

    # Drift goes through the seeding API: no injected fault reaches it.
    def someone_else_publishes(number: int) -> None:
        registry.push_manifest("other", manifest_for(registry, "other", b"theirs"),
                               tag=f"release-{number}")

    def someone_else_untags(number: int) -> None:
        if REPOSITORY in registry.repositories() \
                and f"release-{number}" in registry.tags(REPOSITORY):
            registry.store.delete_manifest(REPOSITORY, f"release-{number}", "seed")

    return Reconciler(
        fakes=[registry], actor="anonymous", desired=CONTENTS,
        reconcile=lambda desired: publisher(client, desired),
        observe=lambda: published(client),
        converged=lambda desired, observed: observed == sorted(desired),
        owns=lambda change: change.resource.startswith(f"{REPOSITORY}:")
        or change.resource.startswith(f"{REPOSITORY}@"),
        drift=[Drift("someone else publishes in other", someone_else_publishes,
                     st.integers(1, 3)),
               Drift("someone else untags a release", someone_else_untags,
                     st.integers(1, 3))],
        faults=[Injection("lost manifest put", registry, LostResponse(), on="manifest.put"),
                Injection("throttled", registry, Throttle(), on="*"),
                Injection("registry error", registry, ProviderFault(503), on="blob.*")],
        max_advance=0, **options)


def test_a_correct_publisher_passes(registry: FakeRegistry) -> None:
    spec(registry, correct).check(settings=examples(60))


def test_an_idempotency_bug_is_found(registry: FakeRegistry) -> None:
    with pytest.raises(ReconcilerFailure, match="not idempotent") as failure:
        spec(registry, stamps_every_run).check(settings=examples(60))
    report = str(failure.value)
    assert "steps:\n  1. desired state:" in report
    assert "FakeRegistry change log" in report and "anonymous: tag.set app:release-1" in report


def test_an_ownership_bug_is_found(registry: FakeRegistry) -> None:
    with pytest.raises(ReconcilerFailure, match=r"changed what it does not own:\n  "
                       r"tag\.delete other:release-"):
        spec(registry, prunes_everything).check(settings=examples(100))


def test_a_duplicate_after_a_lost_response_is_found(registry: FakeRegistry) -> None:
    with pytest.raises(ReconcilerFailure, match=r"not converged .*lost response") as failure:
        spec(registry, retries_with_a_new_number).check(settings=examples(100))
    assert "LostResponse on manifest.put" in str(failure.value)


def test_the_default_owner_is_whoever_made_the_resource(registry: FakeRegistry) -> None:
    client = Client(registry.url)
    client.publish(REPOSITORY, "release-1", b"one")  # made by the reconciler's user
    harness = Reconciler(
        fakes=[registry], actor="anonymous", desired=st.just(frozenset({b"two"})),
        reconcile=lambda desired: prunes_everything(client, desired),
        observe=lambda: published(client),
        converged=lambda desired, observed: observed == sorted(desired), max_advance=0)
    # app:release-1 was made by the reconciler's user before the check: its own to
    # untag. other:release-9 was seeded by someone else: pruning it is the failure.
    with pytest.raises(ReconcilerFailure, match=(
            r"changed what it does not own:\n  tag\.delete other:release-9\n")) as failure:
        harness.check(settings=examples(5))
    assert "tag.delete app:release-1" not in str(failure.value).split("steps:")[0]


def test_none_is_a_desired_state_whose_convergence_is_checked(registry: FakeRegistry) -> None:
    # None, "nothing published", is a desired state like any other: the publisher that
    # ignores it is caught at the end of the example.
    client = Client(registry.url)
    client.publish(REPOSITORY, "release-1", b"one")
    harness = Reconciler(
        fakes=[registry], actor="anonymous", desired=st.none(),
        reconcile=lambda desired: None, observe=lambda: published(client),
        converged=lambda desired, observed: observed == [], max_advance=0)
    with pytest.raises(ReconcilerFailure, match=r"not converged after 3 reconcile runs"
                       r"[^\n]*\n  desired:  None\n"):
        harness.check(settings=examples(1))
