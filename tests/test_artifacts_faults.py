"""Fault injection on the artifact fake, seen through plain ``requests``.

Each fault kind is rendered in the registry's own shape: throttling is
``429 TOOMANYREQUESTS`` with ``Retry-After``, a provider fault is the OCI error
envelope, a lost response drops the connection after the write was applied,
stale reads serve the state from before a write.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
import requests

from fakes._faults import Conflict, Latency, LostResponse, ProviderFault, StaleReads, Throttle
from fakes.artifacts import OCI_MANIFEST, FakeRegistry
from fakes.errors import UsageError

CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
ACCEPT = {"Accept": OCI_MANIFEST}


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest_bytes(config: bytes) -> bytes:
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": CONFIG_TYPE, "digest": sha256(config), "size": len(config)},
        "layers": [],
    }).encode()


def seed(fake: FakeRegistry, repo: str, config: bytes, tag: str | None = "v1") -> str:
    """Seed one image through the inspection API; returns its digest."""
    fake.push_blob(repo, config)
    return fake.push_manifest(repo, manifest_bytes(config), tag=tag)


def put_manifest(session: requests.Session, fake: FakeRegistry, repo: str, ref: str,
                 body: bytes) -> requests.Response:
    return session.put(f"{fake.url}/v2/{repo}/manifests/{ref}", data=body,
                       headers={"Content-Type": OCI_MANIFEST})


def errors(response: requests.Response) -> list[dict[str, Any]]:
    document: dict[str, Any] = response.json()
    return list(document["errors"])


@pytest.fixture
def http() -> Any:
    with requests.Session() as session:
        yield session


# -- throttling ------------------------------------------------------------------------------


def test_throttle_answers_429_with_retry_after(fake_registry: FakeRegistry, http: Any) -> None:
    seed(fake_registry, "app", b"{}")
    fake_registry.faults.add(Throttle(retry_after=7), on="manifest.get", times=1)
    url = f"{fake_registry.url}/v2/app/manifests/v1"
    r = http.get(url, headers=ACCEPT)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "7"
    assert r.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    assert [e["code"] for e in errors(r)] == ["TOOMANYREQUESTS"]
    assert http.get(url, headers=ACCEPT).status_code == 200  # times=1: only once


def test_throttled_write_changes_nothing(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.push_blob("app", b"{}")
    mark = fake_registry.journal.mark()
    fake_registry.faults.add(Throttle(), on="manifest.put")
    r = put_manifest(http, fake_registry, "app", "v1", manifest_bytes(b"{}"))
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "1"
    assert fake_registry.journal.since(mark) == []
    assert fake_registry.tags("app") == []


def test_throttle_on_head_has_no_body(fake_registry: FakeRegistry, http: Any) -> None:
    digest = fake_registry.push_blob("app", b"data")
    fake_registry.faults.add(Throttle(retry_after=3), on="blob.head")
    r = http.head(f"{fake_registry.url}/v2/app/blobs/{digest}")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"
    assert r.content == b""
    assert http.get(f"{fake_registry.url}/v2/app/blobs/{digest}").content == b"data"


# -- provider faults -------------------------------------------------------------------------


def test_provider_fault_503_uses_the_error_envelope(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.push_blob("app", b"{}")
    fake_registry.faults.add(ProviderFault(status=503), on="manifest.put", times=1)
    body = manifest_bytes(b"{}")
    r = put_manifest(http, fake_registry, "app", "v1", body)
    assert r.status_code == 503
    assert r.headers["Content-Type"] == "application/json"
    assert errors(r) == [{"code": "UNKNOWN", "message": "unknown error"}]
    assert fake_registry.tags("app") == []  # the write did not happen
    assert put_manifest(http, fake_registry, "app", "v1", body).status_code == 201


def test_provider_fault_code_and_message(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(ProviderFault(status=503, code="DENIED", message="backend down"),
                             on="tags.list", times=1)
    fake_registry.faults.add(ProviderFault(status=502, code="NOT_A_CODE"), on="tags.list",
                             times=1)
    seed(fake_registry, "app", b"{}")
    url = f"{fake_registry.url}/v2/app/tags/list"
    r = http.get(url)
    assert (r.status_code, errors(r)) == (
        503, [{"code": "DENIED", "message": "backend down"}])
    r = http.get(url)  # codes the spec does not know become UNKNOWN
    assert r.status_code == 502
    assert [e["code"] for e in errors(r)] == ["UNKNOWN"]
    assert http.get(url).json() == {"name": "app", "tags": ["v1"]}


# -- latency ---------------------------------------------------------------------------------


def test_latency_delays_the_answer(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(Latency(0.15), on="base.check", times=1)
    start = time.monotonic()
    assert http.get(f"{fake_registry.url}/v2/").status_code == 200
    assert time.monotonic() - start >= 0.15


def test_latency_combines_with_other_faults(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(Latency(0.05), on="base.check")
    fake_registry.faults.add(Latency(0.05), on="base.check")
    fake_registry.faults.add(Throttle(), on="base.check", times=1)
    start = time.monotonic()
    assert http.get(f"{fake_registry.url}/v2/").status_code == 429
    assert time.monotonic() - start >= 0.1  # both latencies add up
    assert [rule.fired for rule in fake_registry.faults.rules] == [1, 1, 1]


# -- lost responses: the partial write -------------------------------------------------------


def test_lost_response_on_manifest_put_applies_the_write(
    fake_registry: FakeRegistry, http: Any,
) -> None:
    fake_registry.push_blob("app", b"{}")
    body = manifest_bytes(b"{}")
    mark = fake_registry.journal.mark()
    fake_registry.faults.add(LostResponse(), on="manifest.put", times=1)
    with pytest.raises(requests.ConnectionError):
        put_manifest(http, fake_registry, "app", "v1", body)
    # the client saw a failure, yet the manifest and the tag exist
    assert fake_registry.tags("app") == ["v1"]
    assert fake_registry.manifest("app", "v1").content == body
    assert [c.operation for c in fake_registry.journal.since(mark)] == [
        "manifest.push", "tag.set"]
    # a blind retry succeeds and writes nothing more
    mark = fake_registry.journal.mark()
    r = put_manifest(http, fake_registry, "app", "v1", body)
    assert r.status_code == 201
    assert r.headers["Docker-Content-Digest"] == sha256(body)
    assert fake_registry.journal.since(mark) == []


def test_lost_response_on_a_refused_write_changes_nothing(
    fake_registry: FakeRegistry, http: Any,
) -> None:
    fake_registry.faults.add(LostResponse(), on="manifest.put")
    with pytest.raises(requests.ConnectionError):  # the config blob is missing
        put_manifest(http, fake_registry, "app", "v1", manifest_bytes(b"{}"))
    assert fake_registry.repositories() == []
    assert len(fake_registry.journal) == 0


def test_lost_response_on_blob_upload(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(LostResponse(), on="upload.start", times=1)
    digest = sha256(b"payload")
    url = f"{fake_registry.url}/v2/app/blobs/uploads/?digest={digest}"
    with pytest.raises(requests.ConnectionError):
        http.post(url, data=b"payload")
    assert fake_registry.blob("app", digest) == b"payload"
    assert http.post(url, data=b"payload").status_code == 201
    assert len(fake_registry.journal.changes(operation="blob.push")) == 1


def test_lost_response_on_reads(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(LostResponse(), on="base.check", times=1)
    with pytest.raises(requests.ConnectionError):
        http.get(f"{fake_registry.url}/v2/")
    assert http.get(f"{fake_registry.url}/v2/").status_code == 200


# -- stale reads -----------------------------------------------------------------------------


def test_stale_reads_after_a_tag_move(fake_registry: FakeRegistry, http: Any) -> None:
    old = seed(fake_registry, "app", b"{}", tag="latest")
    fake_registry.push_blob("app", b'{"v":2}')
    body = manifest_bytes(b'{"v":2}')
    fake_registry.faults.add(StaleReads(reads=2), on="manifest.put", times=1)
    r = put_manifest(http, fake_registry, "app", "latest", body)
    assert r.status_code == 201
    new = r.headers["Docker-Content-Digest"]
    url = f"{fake_registry.url}/v2/app/manifests/latest"
    seen = [http.get(url, headers=ACCEPT).headers["Docker-Content-Digest"] for _ in range(4)]
    assert seen == [old, old, new, new]
    # the write itself is in the store all along
    assert fake_registry.manifest("app", "latest").digest == new


def test_stale_reads_hide_a_new_repository(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(StaleReads(reads=1), on="upload.start", times=1)
    digest = sha256(b"fresh")
    r = http.post(f"{fake_registry.url}/v2/new/blobs/uploads/?digest={digest}", data=b"fresh")
    assert r.status_code == 201
    url = f"{fake_registry.url}/v2/new/blobs/{digest}"
    first = http.get(url)
    assert first.status_code == 404
    assert [e["code"] for e in errors(first)] == ["NAME_UNKNOWN"]
    assert http.get(url).content == b"fresh"


def test_stale_reads_cleared_by_reset(fake_registry: FakeRegistry, http: Any) -> None:
    seed(fake_registry, "app", b"{}", tag="latest")
    fake_registry.push_blob("app", b'{"v":2}')
    fake_registry.faults.add(StaleReads(reads=5), on="manifest.put")
    put_manifest(http, fake_registry, "app", "latest", manifest_bytes(b'{"v":2}'))
    fake_registry.reset()
    new = seed(fake_registry, "app", b"{}", tag="latest")
    r = http.get(f"{fake_registry.url}/v2/app/manifests/latest", headers=ACCEPT)
    assert r.headers["Docker-Content-Digest"] == new


# -- when rules fire: times, probability, matching -------------------------------------------


def test_times_limits_a_rule(fake_registry: FakeRegistry, http: Any) -> None:
    rule = fake_registry.faults.add(Throttle(), on="base.check", times=3)
    codes = [http.get(f"{fake_registry.url}/v2/").status_code for _ in range(5)]
    assert codes == [429, 429, 429, 200, 200]
    assert rule.fired == 3


def test_first_matching_rule_wins(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(ProviderFault(status=503), on="base.check", times=1)
    fake_registry.faults.add(Throttle(), on="base.check", times=1)
    codes = [http.get(f"{fake_registry.url}/v2/").status_code for _ in range(3)]
    assert codes == [503, 429, 200]


def _pattern(fake: FakeRegistry, http: Any, n: int = 40) -> list[int]:
    return [http.get(f"{fake.url}/v2/").status_code for _ in range(n)]


def test_probability_is_seeded_and_reset_restarts_it(
    fake_registry: FakeRegistry, http: Any,
) -> None:
    fake_registry.faults.add(Throttle(), on="base.check", probability=0.5)
    first = _pattern(fake_registry, http)
    assert 429 in first and 200 in first
    fake_registry.reset()
    fake_registry.faults.add(Throttle(), on="base.check", probability=0.5)
    assert _pattern(fake_registry, http) == first


def test_probability_differs_by_seed(fake_registry_factory: Any, http: Any) -> None:
    patterns = []
    for seed_value in (1, 2):
        fake = fake_registry_factory(seed=seed_value)
        fake.faults.add(Throttle(), probability=0.5)
        patterns.append(_pattern(fake, http))
    assert patterns[0] != patterns[1]


def test_probability_bounds(fake_registry: FakeRegistry, http: Any) -> None:
    never = fake_registry.faults.add(Throttle(), on="base.check", probability=0.0)
    assert set(_pattern(fake_registry, http, 20)) == {200}
    assert never.fired == 0
    fake_registry.faults.add(ProviderFault(status=503), on="base.check", probability=1.0)
    assert set(_pattern(fake_registry, http, 5)) == {503}


def test_operation_globs_and_route_names(fake_registry: FakeRegistry, http: Any) -> None:
    digest = seed(fake_registry, "app", b"{}")
    base = fake_registry.url
    fake_registry.faults.add(Throttle(), on="manifest.*")
    fake_registry.faults.add(ProviderFault(status=503), on="GET /v2/{name:path}/tags/list")
    assert http.get(f"{base}/v2/app/manifests/v1", headers=ACCEPT).status_code == 429
    assert http.head(f"{base}/v2/app/manifests/{digest}").status_code == 429
    assert put_manifest(http, fake_registry, "app", "v2", manifest_bytes(b"{}")).status_code \
        == 429
    assert http.get(f"{base}/v2/app/tags/list").status_code == 503
    assert http.get(f"{base}/v2/app/blobs/{sha256(b'{}')}").status_code == 200
    assert http.get(f"{base}/v2/").status_code == 200


def test_route_template_as_documented(fake_registry: FakeRegistry, http: Any) -> None:
    """docs/faults.md: a rule may name ``"METHOD template"`` with the route's template."""
    fake_registry.push_blob("app", b"{}")
    fake_registry.faults.add(Throttle(), on="PUT /v2/{name:path}/manifests/{reference}")
    assert put_manifest(http, fake_registry, "app", "v1", manifest_bytes(b"{}")).status_code \
        == 429
    assert fake_registry.tags("app") == []
    r = http.get(f"{fake_registry.url}/v2/app/blobs/{sha256(b'{}')}")
    assert r.status_code == 200


def test_path_regex_limits_a_rule_to_a_repository(
    fake_registry: FakeRegistry, http: Any,
) -> None:
    for repo in ("team/app", "other/app"):
        seed(fake_registry, repo, b"{}")
    fake_registry.faults.add(ProviderFault(status=503), path=r"^/v2/team/")
    assert http.get(f"{fake_registry.url}/v2/team/app/tags/list").status_code == 503
    assert http.get(f"{fake_registry.url}/v2/other/app/tags/list").status_code == 200
    assert http.get(f"{fake_registry.url}/v2/").status_code == 200


def test_faults_do_not_apply_to_unmodelled_paths(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(Throttle())
    r = http.get(f"{fake_registry.url}/v2/_catalog")
    assert r.status_code == 501
    assert [e["code"] for e in errors(r)] == ["UNSUPPORTED"]


def test_reset_clears_fault_rules(fake_registry: FakeRegistry, http: Any) -> None:
    fake_registry.faults.add(Throttle())
    assert http.get(f"{fake_registry.url}/v2/").status_code == 429
    fake_registry.faults.add(Latency(5))
    fake_registry.reset()
    assert fake_registry.faults.rules == []
    start = time.monotonic()
    assert http.get(f"{fake_registry.url}/v2/").status_code == 200
    assert time.monotonic() - start < 5


# -- what the registry cannot render ---------------------------------------------------------


def test_conflict_is_not_a_registry_fault(fake_registry: FakeRegistry) -> None:
    with pytest.raises(UsageError, match="Conflict") as excinfo:
        fake_registry.faults.add(Conflict())
    assert str(excinfo.value).startswith("verified-fakes: ")
    assert fake_registry.faults.rules == []


@pytest.mark.parametrize("options", [
    {"probability": 1.5}, {"probability": -0.1}, {"times": 0}, {"times": -2},
])
def test_invalid_rule_options(fake_registry: FakeRegistry, options: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        fake_registry.faults.add(Throttle(), **options)
    assert fake_registry.faults.rules == []
