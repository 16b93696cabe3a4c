"""The Go oras CLI, a second real client, against the fake, unchanged.

The binary comes from ``scripts/install-oras.sh`` (or ``FAKES_ORAS_BIN``); without it
these tests skip, and fail under CI (``CI=true``). Each run gets its own HOME, so oras
reads no ambient credentials.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.artifacts import OCI_MANIFEST, Account, FakeRegistry
from fakes.conformance.artifacts._oci import OrasCli, oras_binary

APP_TYPE = "application/vnd.example.app"
SIG_TYPE = "application/vnd.example.signature"


@pytest.fixture(scope="module")
def registry() -> Iterator[FakeRegistry]:
    with FakeRegistry() as fake:
        yield fake


@pytest.fixture
def oras(registry: FakeRegistry, tmp_path: Path) -> OrasCli:
    return OrasCli(oras_binary(), registry.host, tmp_path / "home")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "hello.txt").write_text("hello from the oras CLI\n")
    (work / "data.bin").write_bytes(bytes(range(256)) * 16)
    (work / "sig.txt").write_text("signed\n")
    return work


def _digest(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Digest: ")]
    assert lines, output
    return lines[-1].removeprefix("Digest: ").strip()


def test_push_fetch_pull(registry: FakeRegistry, oras: OrasCli, files: Path) -> None:
    pushed = oras("push", oras.ref("cli/app", "v1"), "--artifact-type", APP_TYPE,
                  "hello.txt:text/plain", "data.bin", cwd=files)
    digest = _digest(pushed.stdout)
    assert f"Pushed [registry] {oras.ref('cli/app', 'v1')}" in pushed.stdout
    assert registry.manifest("cli/app", "v1").digest == digest

    fetched = oras("manifest", "fetch", oras.ref("cli/app", "v1"))
    manifest = json.loads(fetched.stdout)
    assert manifest["mediaType"] == OCI_MANIFEST
    assert manifest["artifactType"] == APP_TYPE
    assert fetched.stdout.strip().encode() == registry.manifest("cli/app", digest).content
    titles = {layer["annotations"]["org.opencontainers.image.title"]: layer
              for layer in manifest["layers"]}
    assert titles["hello.txt"]["mediaType"] == "text/plain"
    assert registry.blob("cli/app", titles["data.bin"]["digest"]) == bytes(range(256)) * 16

    out = files / "out"
    pulled = oras("pull", oras.ref("cli/app", digest), "-o", str(out))
    assert _digest(pulled.stdout) == digest
    assert (out / "hello.txt").read_text() == "hello from the oras CLI\n"
    assert (out / "data.bin").read_bytes() == bytes(range(256)) * 16


def test_tag_and_repo_tags(registry: FakeRegistry, oras: OrasCli, files: Path) -> None:
    oras("push", oras.ref("cli/tags", "v1"), "hello.txt", cwd=files)
    tagged = oras("tag", oras.ref("cli/tags", "v1"), "v2", "latest")
    assert "Tagged v2" in tagged.stdout and "Tagged latest" in tagged.stdout
    assert registry.tags("cli/tags") == ["latest", "v1", "v2"]
    listed = oras("repo", "tags", oras.ref("cli/tags"))
    assert listed.stdout.split() == ["latest", "v1", "v2"]


def test_attach_and_discover(registry: FakeRegistry, oras: OrasCli, files: Path) -> None:
    subject = _digest(oras("push", oras.ref("cli/signed", "v1"), "hello.txt",
                           cwd=files).stdout)
    attached = oras("attach", oras.ref("cli/signed", "v1"), "--artifact-type", SIG_TYPE,
                    "--annotation", "org.example.signed-by=oras-cli", "sig.txt", cwd=files)
    referrer = _digest(attached.stdout)
    assert registry.manifest("cli/signed", referrer).subject == subject
    found = json.loads(oras("discover", oras.ref("cli/signed", "v1"), "--format",
                            "json").stdout)
    assert found["digest"] == subject
    entries = {d["digest"]: d for d in found.get("referrers", found.get("manifests", []))}
    assert entries[referrer]["artifactType"] == SIG_TYPE
    assert entries[referrer]["annotations"]["org.example.signed-by"] == "oras-cli"
    # oras used the referrers API: no fallback tag (sha256-<hex>) was written
    assert registry.tags("cli/signed") == ["v1"]


def test_immutable_tag_refusal_is_printed(registry: FakeRegistry, oras: OrasCli,
                                          files: Path) -> None:
    registry.configure_repository("cli/locked", immutable_tags=True)
    first = _digest(oras("push", oras.ref("cli/locked", "v1"), "hello.txt", cwd=files).stdout)
    (files / "hello.txt").write_text("a different build\n")
    refused = oras("push", oras.ref("cli/locked", "v1"), "hello.txt", cwd=files, check=False)
    assert refused.returncode != 0
    # oras prints the registry's error: code (as text), message and detail
    assert "tag invalid" in refused.stderr, refused.stderr
    assert ("The image tag 'v1' already exists in the 'cli/locked' repository and cannot be "
            "overwritten because the repository is immutable.") in refused.stderr
    assert registry.manifest("cli/locked", "v1").digest == first


def test_unknown_tag_error_is_printed(registry: FakeRegistry, oras: OrasCli) -> None:
    registry.push_blob("cli/missing", b"the repository exists")
    result = oras("manifest", "fetch", oras.ref("cli/missing", "nope"), check=False)
    assert result.returncode != 0
    assert "nope" in result.stderr and "not found" in result.stderr.lower(), result.stderr


def test_token_auth_with_credentials(tmp_path: Path, files: Path) -> None:
    """oras follows the fake's token flow with the account it is given: a pusher pushes,
    a reader pulls and is refused a push."""
    accounts = [Account("ci", "ci-secret", push=("*",)), Account("viewer", "view-secret")]
    with FakeRegistry(accounts=accounts, anonymous_pull=False) as fake:
        binary = oras_binary()
        pusher = OrasCli(binary, fake.host, tmp_path / "ci", credentials=("ci", "ci-secret"))
        digest = _digest(pusher("push", pusher.ref("team/app", "v1"), "hello.txt",
                                cwd=files).stdout)
        assert fake.manifest("team/app", "v1").digest == digest
        assert [c.actor for c in fake.journal if c.operation == "manifest.push"] == ["ci"]

        reader = OrasCli(binary, fake.host, tmp_path / "viewer",
                         credentials=("viewer", "view-secret"))
        reader("pull", reader.ref("team/app", "v1"), "-o", str(tmp_path / "pulled"))
        assert (tmp_path / "pulled" / "hello.txt").exists()
        refused = reader("tag", reader.ref("team/app", "v1"), "v2", check=False)
        assert refused.returncode != 0
        assert "denied" in refused.stderr.lower(), refused.stderr
        assert fake.tags("team/app") == ["v1"]

        anonymous = OrasCli(binary, fake.host, tmp_path / "anonymous")
        result = anonymous("manifest", "fetch", anonymous.ref("team/app", "v1"), check=False)
        assert result.returncode != 0
        assert fake.tags("team/app") == ["v1"]


def test_missing_binary_skips_outside_ci(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    monkeypatch.setenv("FAKES_ORAS_BIN", str(tmp_path / "no-oras-here"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"install-oras\.sh"):
        oras_binary()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        oras_binary()
