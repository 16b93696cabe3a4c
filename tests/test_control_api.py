"""The control API under /_fakes: what a Python test does with the fake object,
over HTTP, for tools that are not Python."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from fakes.artifacts import FakeRegistry, RegistryError, digest_of

REPO = "team/app"


@pytest.fixture
def served() -> Iterator[FakeRegistry]:
    with FakeRegistry(control_api=True) as fake:
        yield fake


def control(fake: FakeRegistry, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{fake.url}/_fakes{path}", timeout=10, **kwargs)  # type: ignore[arg-type]


def test_off_unless_asked(fake_registry: FakeRegistry) -> None:
    response = requests.get(f"{fake_registry.url}/_fakes/", timeout=5)
    assert response.status_code == 501  # the registry's own answer to a path it lacks
    assert response.json()["errors"][0]["code"] == "UNSUPPORTED"


def test_index_lists_operations_and_fault_kinds(served: FakeRegistry) -> None:
    index = control(served, "GET", "/").json()
    assert index["fake"] == "FakeRegistry"
    assert "POST /_fakes/reset" in index["operations"]
    assert {"Throttle", "LostResponse", "StaleReads"} <= set(index["faults"])


def test_changes_reset_and_snapshots(served: FakeRegistry) -> None:
    served.push_blob(REPO, b"one")
    changes = control(served, "GET", "/changes").json()
    assert [c["operation"] for c in changes["changes"]] == ["blob.push"]
    assert changes["changes"][0]["actor"] == "seed" and not changes["expired"]
    last = changes["last"]

    snapshot = control(served, "POST", "/snapshots")
    assert snapshot.status_code == 201
    snapshot_id = snapshot.json()["id"]
    served.push_blob(REPO, b"two")
    newer = control(served, "GET", "/changes", params={"after": last}).json()["changes"]
    assert [c["resource"] for c in newer] == [f"{REPO}@{digest_of(b'two')}"]

    assert control(served, "POST", "/reset", json={"snapshot": snapshot_id}).status_code == 204
    assert served.blob(REPO, digest_of(b"one")) == b"one"
    with pytest.raises(RegistryError):
        served.blob(REPO, digest_of(b"two"))
    after_reset = control(served, "GET", "/changes", params={"after": last}).json()
    assert after_reset["expired"] and after_reset["changes"] == []

    assert control(served, "POST", "/reset").status_code == 204
    assert served.repositories() == []
    missing = control(served, "POST", "/reset", json={"snapshot": "nope"})
    assert missing.status_code == 404 and "no snapshot" in missing.json()["error"]["message"]


def test_waiting_for_changes(served: FakeRegistry) -> None:
    last = control(served, "GET", "/changes").json()["last"]
    empty = control(served, "GET", "/changes", params={"after": last, "wait": 0}).json()
    assert empty["changes"] == []
    served.push_blob(REPO, b"x")
    waited = control(served, "GET", "/changes", params={"after": last, "wait": 5}).json()
    assert len(waited["changes"]) == 1


def test_clock(served: FakeRegistry) -> None:
    before = control(served, "GET", "/clock").json()
    moved = control(served, "POST", "/clock/advance", json={"seconds": 90}).json()
    assert moved["elapsed"] == before["elapsed"] + 90
    assert served.clock.monotonic() == moved["elapsed"]
    for bad in ({"seconds": -1}, {"seconds": "1"}, {"seconds": True}, {}):
        assert control(served, "POST", "/clock/advance", json=bad).status_code == 400


def test_faults(served: FakeRegistry) -> None:
    added = control(served, "POST", "/faults", json={
        "kind": "Throttle", "args": {"retry_after": 4}, "on": "base.check", "times": 1})
    assert added.status_code == 201
    throttled = requests.get(f"{served.url}/v2/", timeout=5)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "4"
    assert requests.get(f"{served.url}/v2/", timeout=5).status_code == 200
    rules = control(served, "GET", "/faults").json()["rules"]
    assert rules == [{"kind": "Throttle", "args": {"retry_after": 4}, "on": "base.check",
                      "times": 1, "probability": 1.0, "path": None, "fired": 1}]
    # control requests themselves never get faults
    control(served, "POST", "/faults", json={"kind": "ProviderFault", "args": {"status": 503}})
    assert control(served, "GET", "/clock").status_code == 200
    assert control(served, "DELETE", "/faults").status_code == 204
    assert served.faults.rules == []


@pytest.mark.parametrize("body", [
    {"kind": "Nope"}, {"kind": "Throttle", "args": {"bogus": 1}},
    {"kind": "Throttle", "args": []}, {"kind": "Throttle", "when": "now"},
    {"kind": "Throttle", "probability": 3},
])
def test_bad_fault_requests_are_refused_and_change_nothing(
    served: FakeRegistry, body: dict[str, object]
) -> None:
    response = control(served, "POST", "/faults", json=body)
    assert response.status_code == 400 and response.json()["error"]["message"]
    assert served.faults.rules == []


def test_bad_bodies_and_unknown_operations(served: FakeRegistry) -> None:
    assert control(served, "POST", "/clock/advance", data=b"{not json").status_code == 400
    assert control(served, "POST", "/clock/advance", data=b"[1]").status_code == 400
    assert control(served, "POST", "/clock/advance", data=b"x" * 70000).status_code == 413
    assert control(served, "GET", "/changes", params={"after": "-1"}).status_code == 400
    unknown = control(served, "GET", "/nothing")
    assert unknown.status_code == 404 and "GET /_fakes/" in unknown.json()["error"]["message"]
