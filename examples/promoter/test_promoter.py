"""The promoter, tested at the four layers of the test boundary (docs/examples.md).

1. unit: the pure decisions of :func:`promoter.plan`;
2. contract: every request the promoter sends, and every answer it reads, checked
   against the OCI distribution and image specifications' rules;
3. fake-backed: the promoter against the artifact store fake, example by example and
   as a property test of idempotency, convergence, ownership and lost responses
   (``fakes.reconciliation``), which also catches three deliberately broken versions;
4. sandbox: the conformance behaviours the promoter relies on, which the weekly run
   checks against a real registry (``fakes conformance --provider artifacts``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import promoter
import pytest
import requests
from hypothesis import settings
from hypothesis import strategies as st
from promoter import ATTESTATION, MANIFEST, Plan, Registry, digest_of, plan, promote

from fakes.artifacts import FakeRegistry
from fakes.conformance import missing_behaviours
from fakes.faults import LostResponse, ProviderFault, Throttle
from fakes.reconciliation import Drift, Injection, Reconciler, ReconcilerFailure

STAGING, PROD = "team/app-staging", "team/app"


# -- 1. unit: the decisions ------------------------------------------------------------

def test_a_new_tag_is_promoted_and_attested() -> None:
    assert plan({"v1": "sha256:a"}, {}, {}) == Plan(
        promote=[("v1", "sha256:a")], attest=["sha256:a"])


def test_a_promoted_and_attested_tag_needs_nothing() -> None:
    assert plan({"v1": "sha256:a"}, {"v1": "sha256:a"}, {"sha256:a": 1}) == Plan()


def test_a_promoted_tag_without_its_record_is_only_attested() -> None:
    assert plan({"v1": "sha256:a"}, {"v1": "sha256:a"}, {}) == Plan(attest=["sha256:a"])


def test_an_image_under_two_tags_gets_one_record() -> None:
    assert plan({"v1": "sha256:a", "latest": "sha256:a"}, {}, {}).attest == ["sha256:a"]


def test_an_immutable_tag_naming_another_image_is_a_conflict_left_alone() -> None:
    assert plan({"v1": "sha256:b"}, {"v1": "sha256:a"}, {"sha256:a": 1}) == Plan(
        conflicts=[("v1", "sha256:a", "sha256:b")])


def test_the_record_of_a_promotion_is_always_the_same_bytes() -> None:
    assert promoter.attestation("sha256:a", STAGING) == promoter.attestation(
        "sha256:a", STAGING)


# -- helpers: a registry with staged images --------------------------------------------

def stage(registry: FakeRegistry, content: bytes) -> str:
    """An image in staging, tagged ``build-<content>`` as a build would push it; its
    manifest digest."""
    registry.push_blob(STAGING, promoter.EMPTY)
    layer = registry.push_blob(STAGING, content)
    return registry.push_manifest(STAGING, tag=f"build-{content.decode()}", manifest={
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": promoter.EMPTY_TYPE, "digest": digest_of(promoter.EMPTY),
                   "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer, "size": len(content)}]})


@pytest.fixture
def registry(fake_registry: FakeRegistry) -> Iterator[FakeRegistry]:
    fake_registry.configure_repository(PROD, immutable_tags=True)
    yield fake_registry


def observed(client: Registry) -> tuple[dict[str, str], dict[str, int]]:
    """Production's tags, and how many promotion records each promoted image has."""
    tags = client.tags(PROD)
    return tags, {d: len(client.referrers(PROD, d)) for d in sorted(set(tags.values()))}


# -- 2. contract: the edge against the specifications ----------------------------------

DISTRIBUTION = "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md"
IMAGE = "https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md"
NAME = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"
REFERENCE = r"(?:[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}|sha256:[a-f0-9]{64})"
# The distribution spec's endpoint table (end-1 .. end-13): method, path, success codes.
ENDPOINTS = [
    ("GET", rf"/v2/{NAME}/manifests/{REFERENCE}", {200}),
    ("PUT", rf"/v2/{NAME}/manifests/{REFERENCE}", {201}),
    ("GET", rf"/v2/{NAME}/blobs/sha256:[a-f0-9]{{64}}", {200}),
    ("POST", rf"/v2/{NAME}/blobs/uploads/", {201, 202}),
    ("PUT", rf"/v2/{NAME}/blobs/uploads/[^/?]+", {201}),
    ("GET", rf"/v2/{NAME}/tags/list", {200}),
    ("GET", rf"/v2/{NAME}/referrers/sha256:[a-f0-9]{{64}}", {200}),
]


def check_descriptor(descriptor: dict[str, Any], where: str) -> None:
    """image-spec descriptor.md: mediaType, digest and size are required."""
    assert isinstance(descriptor.get("mediaType"), str), f"{where}: mediaType"
    assert re.fullmatch(r"sha256:[a-f0-9]{64}", descriptor.get("digest", "")), f"{where}: digest"
    assert isinstance(descriptor.get("size"), int) and descriptor["size"] >= 0, f"{where}: size"


def check_manifest(body: bytes) -> None:
    """image-spec manifest.md: schemaVersion 2, mediaType, a config descriptor,
    layer descriptors, an optional subject descriptor."""
    manifest = json.loads(body)
    assert manifest["schemaVersion"] == 2 and manifest["mediaType"] == MANIFEST
    check_descriptor(manifest["config"], "config")
    for n, layer in enumerate(manifest["layers"]):
        check_descriptor(layer, f"layers[{n}]")
    if "subject" in manifest:
        check_descriptor(manifest["subject"], "subject")
        assert "artifactType" in manifest, "an artifact with a subject names its artifactType"


def check_exchange(response: requests.Response) -> None:
    request = response.request
    path = request.path_url.split("?")[0]
    matching = [codes for method, pattern, codes in ENDPOINTS
                if method == request.method and re.fullmatch(pattern, path)]
    assert matching, f"{request.method} {path} is no endpoint of the distribution spec"
    if response.status_code not in matching[0]:
        # distribution-spec "Error Codes": a failure answers the errors envelope.
        errors = response.json()["errors"]
        assert all({"code", "message"} <= set(e) for e in errors)
        return
    if request.method == "PUT" and "/manifests/" in path:
        assert request.headers["Content-Type"] == MANIFEST
        assert isinstance(request.body, bytes)
        check_manifest(request.body)
        assert response.headers["Docker-Content-Digest"] == digest_of(request.body)
    if request.method == "GET" and "/manifests/" in path:
        assert response.headers["Docker-Content-Digest"] == digest_of(response.content)
        check_manifest(response.content)
    if response.status_code in (201, 202):
        assert response.headers["Location"]


def test_every_exchange_fits_the_specifications(registry: FakeRegistry) -> None:
    session = requests.Session()
    seen: list[requests.Response] = []
    session.hooks["response"].append(lambda response, **_: seen.append(response))
    client = Registry(registry.url, session)
    first = stage(registry, b"one")
    promote(client, {"v1": first}, source=STAGING, target=PROD)
    promote(client, {"v1": first, "v2": stage(registry, b"two")}, source=STAGING, target=PROD)
    assert len(seen) > 10
    for response in seen:
        check_exchange(response)


# -- 3. fake-backed: examples and properties -------------------------------------------

def test_promotes_attests_and_then_does_nothing(registry: FakeRegistry) -> None:
    client = Registry(registry.url)
    digest = stage(registry, b"one")
    promote(client, {"v1": digest, "latest": digest}, source=STAGING, target=PROD)
    assert observed(client) == ({"latest": digest, "v1": digest}, {digest: 1})
    [record] = client.referrers(PROD, digest)
    assert record["artifactType"] == ATTESTATION
    mark = registry.journal.mark()
    promote(client, {"v1": digest, "latest": digest}, source=STAGING, target=PROD)
    assert registry.journal.since(mark) == []


def test_a_conflicting_tag_is_reported_and_left_alone(registry: FakeRegistry) -> None:
    client = Registry(registry.url)
    old, new = stage(registry, b"old"), stage(registry, b"new")
    promote(client, {"v1": old}, source=STAGING, target=PROD)
    done = promote(client, {"v1": new}, source=STAGING, target=PROD)
    assert done.conflicts == [("v1", old, new)]
    assert client.tags(PROD) == {"v1": old}


IMAGES = [b"one", b"two", b"three"]


def harness(registry: FakeRegistry) -> Reconciler[dict[str, str], Any]:
    session = requests.Session()
    session.trust_env = False  # no proxy lookups: loopback only, and faster
    client = Registry(registry.url, session)
    digests = [stage(registry, content) for content in IMAGES]

    def someone_retags_staging(n: int) -> None:
        registry.push_manifest(STAGING, registry.manifest(STAGING, digests[n]).content,
                               tag="candidate")

    def converged(desired: dict[str, str], state: Any) -> bool:
        # Promoted tags stay (they are immutable); each promoted image has one record.
        tags, records = state
        return all(tags.get(t) == d for t, d in desired.items()) and all(
            n == 1 for n in records.values())

    return Reconciler(
        fakes=[registry], actor="anonymous",
        # A release tag always names the same image: desired states never conflict.
        desired=st.sets(st.sampled_from(range(len(digests))), max_size=3).map(
            lambda chosen: {f"release-{n}": digests[n] for n in sorted(chosen)}),
        reconcile=lambda desired: promote(client, desired, source=STAGING, target=PROD),
        observe=lambda: observed(client), converged=converged,
        owns=lambda change: change.resource.startswith(f"{PROD}:")
        or change.resource.startswith(f"{PROD}@"),
        drift=[Drift("someone retags staging", someone_retags_staging, st.integers(0, 2))],
        faults=[Injection("lost tag put", registry, LostResponse(), on="manifest.put",
                          path="/manifests/release-"),
                Injection("lost record put", registry, LostResponse(), on="manifest.put",
                          path="/manifests/sha256:"),
                Injection("lost blob upload", registry, LostResponse(), on="upload.finish"),
                Injection("throttled", registry, Throttle()),
                Injection("registry error", registry, ProviderFault(503), on="blob.*")],
        max_advance=0)


def examples(n: int) -> settings:
    return settings(max_examples=n, stateful_step_count=8, deadline=None,
                    derandomize=True, database=None)


def test_the_promoter_is_idempotent_converges_and_keeps_to_its_own(
        registry: FakeRegistry) -> None:
    harness(registry).check(settings=examples(40))


class Broken:
    """Deliberately broken promoters: the harness must catch each."""

    @staticmethod
    def timestamped(digest: str, source: str) -> bytes:
        return json.dumps({"promoted": digest, "from": source,
                           "at": next(Broken.clock)}).encode()

    clock = iter(range(10**9))

    @staticmethod
    def attest_every_run(desired: Any, promoted: Any, attested: Any) -> Plan:
        planned = plan(desired, promoted, {})  # forgets what is recorded already
        return planned

    @staticmethod
    def retrying_attest(registry: Registry, target: str, digest: str, record: bytes) -> None:
        for _ in range(3):  # each try writes a fresh record: a lost answer leaves two
            try:
                original_attest(registry, target, digest, Broken.timestamped(digest, STAGING))
                return
            except requests.ConnectionError:
                continue


original_attest = promoter._attest


def test_a_promoter_that_records_every_run_is_not_idempotent(
        registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promoter, "plan", Broken.attest_every_run)
    monkeypatch.setattr(promoter, "attestation", Broken.timestamped)
    with pytest.raises(ReconcilerFailure, match="not idempotent"):
        harness(registry).check(settings=examples(50))


def test_a_promoter_that_cleans_up_staging_breaks_ownership(
        registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    def and_clean_up(client: Registry, desired: Any, *, source: str, target: str) -> Plan:
        done = original_promote(client, desired, source=source, target=target)
        for tag in client.tags(source):
            client._call("DELETE", f"/v2/{source}/manifests/{tag}", ok=(202,))
        return done

    original_promote = promoter.promote
    spec = harness(registry)
    session = requests.Session()
    session.trust_env = False
    client = Registry(registry.url, session)
    spec.reconcile = lambda desired: and_clean_up(client, desired, source=STAGING, target=PROD)
    with pytest.raises(ReconcilerFailure, match=r"does not own:\n  tag\.delete "
                       + re.escape(STAGING)):
        spec.check(settings=examples(50))


def test_a_promoter_that_retries_with_a_fresh_record_duplicates_it(
        registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promoter, "_attest", Broken.retrying_attest)
    with pytest.raises(ReconcilerFailure, match="lost response"):
        harness(registry).check(settings=examples(200))


# -- 4. sandbox: the provider behaviours the promoter relies on ------------------------

#: What the promoter assumes of a registry, by conformance behaviour id. The weekly
#: sandbox run checks them against a real registry:
#: ``fakes conformance --provider artifacts --target URL -- -k "ART-203 or ..."``.
RELIES_ON = {
    "ART-203": "a POST then PUT ?digest= upload stores the blob",
    "ART-219": "a cross-repository mount answers 201",
    "ART-220": "a mount the registry cannot do answers 202 with an upload session",
    "ART-301": "PUT of a manifest by tag answers 201 with Docker-Content-Digest",
    "ART-321": "a manifest with a subject is accepted",
    "ART-501": "the referrers API lists manifests whose subject is the digest",
    "ART-502": "?artifactType= filters the referrers",
    "ART-601": "an immutable tag does not move",
    "ART-602": "pushing the same manifest to an immutable tag is refused too",
}


def test_the_behaviours_relied_on_are_in_the_conformance_suite() -> None:
    missing = missing_behaviours("artifacts", RELIES_ON)
    assert missing == [], f"not in the artifacts conformance suite: {missing}"
