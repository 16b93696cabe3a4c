"""The shape of failures a client must handle: throttling and server errors.

Real registries cannot be made to fail on demand, so these run where the target
supports fault injection; what they check is the provider's shape of the failure.
"""

from __future__ import annotations

import pytest

from fakes.conformance.artifacts._oci import OCI_MANIFEST, assert_error, canonical
from fakes.conformance.artifacts.targets import MEASURED, SPEC, Target

behaviour = pytest.mark.behaviour


@behaviour(
    "ART-801",
    "throttling answers 429 TOOMANYREQUESTS with Retry-After and applies nothing; the retry "
    "succeeds",
    cite=f"{SPEC}#error-codes; https://www.rfc-editor.org/rfc/rfc6585#section-4",
)
def test_throttled_push(target: Target) -> None:
    faults = pytest.importorskip("fakes.faults")
    registry = target.registry()
    repo = target.new_repo("throttle")
    body = canonical(registry.image_manifest(repo))
    target.inject_fault(faults.Throttle(retry_after=7), on="manifest.put")
    response = registry.put_manifest(repo, "v1", body, OCI_MANIFEST)
    assert_error(response, 429, "TOOMANYREQUESTS")
    assert response.headers["Retry-After"] == "7"
    assert registry.resolve_tag(repo, "v1") is None
    assert registry.put_manifest(repo, "v1", body, OCI_MANIFEST).status_code == 201


@behaviour(
    "ART-802",
    "a server-side failure answers 5xx with the error envelope (code UNKNOWN where the "
    "registry has no better one) and applies nothing",
    cite=MEASURED,
)
@pytest.mark.parametrize(("status", "code"), [(500, None), (503, "NOT_A_REGISTRY_CODE")])
def test_server_error(target: Target, status: int, code: str | None) -> None:
    faults = pytest.importorskip("fakes.faults")
    registry = target.registry()
    repo = target.new_repo("server-error")
    digest = registry.push_blob(repo, b"present")
    target.inject_fault(faults.ProviderFault(status=status, code=code), on="blob.get")
    assert_error(registry.http.get(registry.blob_url(repo, digest)), status, "UNKNOWN")
    assert registry.http.get(registry.blob_url(repo, digest)).content == b"present"


@behaviour(
    "ART-803",
    "an injected provider error with a registry code answers that code and status",
    cite=f"{SPEC}#error-codes",
)
def test_provider_error_code(target: Target) -> None:
    faults = pytest.importorskip("fakes.faults")
    registry = target.registry()
    repo = target.new_repo("provider-error")
    registry.push_blob(repo, b"x")
    target.inject_fault(faults.ProviderFault(status=403, code="DENIED"), on="upload.start")
    assert_error(registry.http.post(registry.uploads_url(repo)), 403, "DENIED")
    assert registry.http.post(registry.uploads_url(repo)).status_code == 202
