"""The janitor removes leftovers of expired conformance runs from a real registry."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import requests

from fakes.artifacts import FakeRegistry
from fakes.conformance._runner import main as conformance
from fakes.conformance.artifacts.distribution import DEFAULT_BINARY, running_distribution
from fakes.conformance.artifacts.janitor import CatalogUnavailable, run_started, sweep

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
OLD = "vf-conformance/20261120-080000-abc123/leftover-1"
FRESH = "vf-conformance/20261127-113000-def456/running-1"
UNRELATED = "team/app"


@pytest.fixture
def registry() -> Iterator[str]:
    if not os.access(DEFAULT_BINARY, os.X_OK):
        pytest.skip(f"{DEFAULT_BINARY} is not installed (Debian package docker-registry)")
    with running_distribution() as running:
        yield running.url


def push(url: str, repository: str, tag: str) -> str:
    http = requests.Session()
    config = b"{}"
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    location = http.post(f"{url}/v2/{repository}/blobs/uploads/").headers["Location"]
    separator = "&" if "?" in location else "?"
    assert http.put(f"{location}{separator}digest={digest}", data=config).status_code == 201
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": [],
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest, "size": 2},
    })
    response = http.put(f"{url}/v2/{repository}/manifests/{tag}", data=manifest,
                        headers={"Content-Type": OCI_MANIFEST})
    assert response.status_code == 201
    return response.headers["Docker-Content-Digest"]


def tags(url: str, repository: str) -> list[str]:
    return requests.get(f"{url}/v2/{repository}/tags/list").json().get("tags") or []


def test_run_ids_carry_their_start() -> None:
    assert run_started(OLD) == datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    assert run_started(UNRELATED) is None
    assert run_started("vf-conformance/not-a-run/x") is None


def test_expired_runs_are_emptied_and_nothing_else_is_touched(registry: str) -> None:
    for repository in (OLD, FRESH, UNRELATED):
        push(registry, repository, "v1")
    push(registry, OLD, "v2")

    result = sweep(registry, now=NOW)

    assert result.emptied == {OLD: 1}  # two tags on one manifest
    assert result.kept == [FRESH]
    assert result.failed == {}
    assert tags(registry, OLD) == []
    assert tags(registry, FRESH) == ["v1"]
    assert tags(registry, UNRELATED) == ["v1"]


def test_the_janitor_never_takes_runs_younger_than_an_hour(registry: str) -> None:
    push(registry, "vf-conformance/20261127-114500-aaaaaa/recent-1", "v1")
    result = sweep(registry, older_than=NOW - NOW, now=NOW)  # asks for zero: gets one hour
    assert "vf-conformance/20261127-114500-aaaaaa/recent-1" in result.kept


def test_command_line(registry: str, capsys: pytest.CaptureFixture[str]) -> None:
    stale = "vf-conformance/20250101-000000-cccccc/from-the-cli-1"
    push(registry, stale, "v1")
    args = ["--provider", "artifacts", "--janitor", "--target", registry, "--older-than", "1"]
    assert conformance(args) == 0
    assert f"emptied  {stale}  (1 manifests deleted)" in capsys.readouterr().out
    assert tags(registry, stale) == []
    with pytest.raises(SystemExit):
        conformance(["--janitor"])  # no real target named
    with pytest.raises(SystemExit):
        conformance(["--janitor", "--target", "fake"])  # nor here


def test_a_registry_without_a_catalog_is_refused_with_advice(
    fake_registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CatalogUnavailable, match="_catalog answered 501"):
        sweep(fake_registry.url)
    assert conformance(["--janitor", "--provider", "artifacts", "--target",
                        fake_registry.url]) == 2
    assert "_catalog answered 501" in capsys.readouterr().err



def test_the_janitor_reads_the_suites_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fakes.conformance.artifacts import janitor

    calls: list[tuple[str, dict[str, object]]] = []

    def sweep(url: str, **kwargs: object) -> janitor.Sweep:
        calls.append((url, kwargs))
        return janitor.Sweep({OLD: 2}, [FRESH], {"broken/one": "500 Server Error"})

    monkeypatch.setattr(janitor, "sweep", sweep)
    monkeypatch.setenv("FAKES_REGISTRY_USERNAME", "ci")
    monkeypatch.setenv("FAKES_REGISTRY_PASSWORD", "pw")
    args = ["--provider", "artifacts", "--janitor", "--target", "https://sandbox.test/",
            "--older-than", "48"]
    assert conformance(args) == 1  # one repository could not be emptied
    assert calls == [("https://sandbox.test",
                      {"older_than": timedelta(hours=48), "credentials": ("ci", "pw")})]
    assert capsys.readouterr().out.splitlines() == [
        f"emptied  {OLD}  (2 manifests deleted)",
        f"kept     {FRESH}  (younger than the expiry)",
        "FAILED   broken/one: 500 Server Error",
    ]
