"""Real clients, unchanged: oras-py, skopeo and the Go oras CLI.

None reads ambient credentials here: oras-py gets an empty credential store and
the account's password in memory; skopeo and the oras CLI run with a temporary HOME and
explicit credentials (``--src-creds``/``--dest-creds``, ``--username`` with
``--password-stdin``) or none.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fakes.conformance.artifacts._oci import (
    OCI_INDEX,
    OCI_MANIFEST,
    OrasCli,
    digest_of,
    oras_binary,
)
from fakes.conformance.artifacts.targets import (
    MEASURED,
    SPEC,
    RegistryAuth,
    Target,
    parse_bearer_challenge,
)

behaviour = pytest.mark.behaviour

ORAS_PY = "https://oras-project.github.io/oras-py/"
SKOPEO_COPY = "https://github.com/containers/skopeo/blob/main/docs/skopeo-copy.1.md"
ORAS_CLI = "https://oras.land/docs/commands/oras_push"
ORAS_ATTACH = "https://oras.land/docs/commands/oras_attach"


def _oras(target: Target, repo: str) -> Any:
    oras_provider = pytest.importorskip("oras.provider")
    # oras-py's default backend takes every challenge's realm for a token endpoint; a
    # registry that asks for HTTP Basic (htpasswd) needs its "basic" backend.
    backend = "basic" if target.capabilities.auth_scheme == "Basic" else "token"
    client = oras_provider.Registry(
        hostname=target.host, insecure=target.url.startswith("http:"), auth_backend=backend
    )
    # A non-empty config stops oras-py from loading ~/.docker/config.json (ambient creds).
    client.auth._auth_config = {"auths": {}}
    credentials = target.credentials("pusher")
    if credentials:
        client.auth.set_basic_auth(*credentials)
    # oras-py 0.2 keeps the first token it gets (pull-only, from its HEAD of a blob) and
    # never asks for push (oras-project/oras-py#187), so hand it a pull,push token the
    # way a user logged in with a token would.
    challenge = parse_bearer_challenge(
        target.raw_session()
        .get(f"{target.url}/v2/{repo}/tags/list")
        .headers.get("WWW-Authenticate")
    )
    if challenge and "realm" in challenge:
        token = RegistryAuth(credentials).fetch_token(
            challenge["realm"], challenge.get("service", ""), f"repository:{repo}:pull,push"
        )
        assert token, "the token endpoint refused the pusher"
        client.auth.set_token_auth(token)
    return client


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # oras-py insists that pushed files are under the cwd
    return tmp_path


@behaviour(
    "ART-701",
    "oras-py pushes files as an artifact and pulls them back byte for byte",
    cite=f"{ORAS_PY}; {SPEC}#push",
)
def test_oras_push_pull(target: Target, workdir: Path) -> None:
    target.require("oras")
    repo = target.new_repo("oras")
    client = _oras(target, repo)
    (workdir / "hello.txt").write_text("hello from oras")
    (workdir / "data.bin").write_bytes(bytes(range(256)) * 40)
    ref = f"{target.host}/{repo}:v1"
    response = client.push(ref, files=["hello.txt", "data.bin"], quiet=True)
    assert response.status_code == 201
    manifest = client.get_manifest(ref)
    assert manifest["mediaType"] == OCI_MANIFEST
    out = workdir / "out"
    files = sorted(Path(p).name for p in client.pull(ref, outdir=str(out)))
    assert files == ["data.bin", "hello.txt"]
    assert (out / "hello.txt").read_text() == "hello from oras"
    assert (out / "data.bin").read_bytes() == bytes(range(256)) * 40
    assert client.get_tags(f"{target.host}/{repo}") == ["v1"]


@behaviour(
    "ART-702",
    "oras-py pushes an artifact with a subject; the referrers API lists it and oras pulls it",
    cite=f"{ORAS_PY}; {SPEC}#listing-referrers",
)
def test_oras_subject(target: Target, workdir: Path) -> None:
    target.require("oras")
    target.require("referrers")
    oras_oci = pytest.importorskip("oras.oci")
    repo = target.new_repo("oras-subject")
    client = _oras(target, repo)
    (workdir / "app.txt").write_text("the application")
    pushed = client.push(f"{target.host}/{repo}:v1", files=["app.txt"], quiet=True)
    digest = pushed.headers["Docker-Content-Digest"]
    session = target.session()
    head = session.head(
        f"{target.url}/v2/{repo}/manifests/{digest}", headers={"Accept": OCI_MANIFEST}
    )
    subject = oras_oci.Subject(
        mediaType=OCI_MANIFEST, digest=digest, size=int(head.headers["Content-Length"])
    )
    (workdir / "sig.txt").write_text("signature")
    signed = client.push(
        f"{target.host}/{repo}:sig",
        files=["sig.txt:application/vnd.example.signature"],
        subject=subject,
        manifest_annotations={"org.example.signed-by": "conformance"},
        quiet=True,
    )
    referrer = signed.headers["Docker-Content-Digest"]
    listed = session.get(f"{target.url}/v2/{repo}/referrers/{digest}")
    assert listed.status_code == 200
    assert listed.headers["Content-Type"].split(";")[0] == OCI_INDEX
    entries = {d["digest"]: d for d in listed.json()["manifests"]}
    assert referrer in entries
    assert entries[referrer]["annotations"]["org.example.signed-by"] == "conformance"
    files = client.pull(f"{target.host}/{repo}@{referrer}", outdir=str(workdir / "out"))
    assert [Path(f).read_text() for f in files] == ["signature"]


def _skopeo(target: Target, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    credentials = target.credentials("pusher")
    auth: list[str] = []
    if credentials:
        joined = ":".join(credentials)
        auth = [f"--src-creds={joined}", f"--dest-creds={joined}"]
    else:
        auth = ["--src-no-creds", "--dest-no-creds"]
    plain = target.url.startswith("http:")
    tls = ["--src-tls-verify=false", "--dest-tls-verify=false"] if plain else []
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    return subprocess.run(
        ["skopeo", "--insecure-policy", "copy", *tls, *auth, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@behaviour(
    "ART-703",
    "skopeo copies an image between two repositories of the same registry, digests kept",
    cite=f"{SKOPEO_COPY}; {MEASURED}",
)
def test_skopeo_copy(target: Target, tmp_path: Path) -> None:
    target.require("skopeo")
    if shutil.which("skopeo") is None:
        pytest.skip("skopeo is not installed")
    registry = target.registry()
    source, dest = target.new_repo("skopeo-src"), target.new_repo("skopeo-dst")
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
    ).encode()
    image = registry.push_image(
        source, "v1", layers=[b"skopeo layer one", b"skopeo layer two"], config=config
    )
    result = _skopeo(
        target,
        tmp_path,
        "--preserve-digests",
        f"docker://{target.host}/{source}:v1",
        f"docker://{target.host}/{dest}:copied",
    )
    assert result.returncode == 0, result.stderr
    assert registry.resolve_tag(dest, "copied") == image.digest
    document = json.loads(image.body)
    for layer in document["layers"]:
        assert registry.blob_exists(dest, layer["digest"])
    assert registry.blob_exists(dest, document["config"]["digest"])


def _oras_cli(target: Target, home: Path) -> OrasCli:
    target.require("oras_cli")
    return OrasCli(
        oras_binary(),
        target.host,
        home,
        plain_http=target.url.startswith("http:"),
        credentials=target.credentials("pusher"),
    )


def _oras_digest(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Digest: ")]
    assert lines, output
    return lines[-1].removeprefix("Digest: ").strip()


def _remember(target: Target, repo: str, manifest: bytes) -> None:
    """Hand what the CLI pushed to the run's clean-up (it only sees the suite's own
    requests)."""
    document = json.loads(manifest)
    blobs = [document.get("config", {}), *document.get("layers", [])]
    target.manifests.setdefault(repo, []).append(digest_of(manifest))
    target.blobs.setdefault(repo, []).extend(b["digest"] for b in blobs if "digest" in b)


@behaviour(
    "ART-704",
    "the oras CLI pushes files as an artifact, fetches its manifest, pulls the files back, "
    "tags it, lists the tags, and attaches and discovers a referrer",
    cite=f"{ORAS_CLI}; {ORAS_ATTACH}; {SPEC}#push",
)
def test_oras_cli_round_trip(target: Target, tmp_path: Path) -> None:
    oras = _oras_cli(target, tmp_path / "home")
    registry = target.registry()
    repo = target.new_repo("oras-cli")
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("pushed by the oras CLI\n")
    (work / "data.bin").write_bytes(bytes(range(256)) * 8)
    pushed = oras("push", oras.ref(repo, "v1"), "--artifact-type", "application/vnd.example.app",
                  "notes.txt:text/plain", "data.bin", cwd=work)
    digest = _oras_digest(pushed.stdout)
    assert registry.resolve_tag(repo, "v1") == digest

    fetched = oras("manifest", "fetch", oras.ref(repo, "v1")).stdout.strip().encode()
    assert digest_of(fetched) == digest
    _remember(target, repo, fetched)
    assert json.loads(fetched)["artifactType"] == "application/vnd.example.app"

    out = tmp_path / "out"
    oras("pull", oras.ref(repo, digest), "-o", str(out))
    assert (out / "notes.txt").read_text() == "pushed by the oras CLI\n"
    assert (out / "data.bin").read_bytes() == bytes(range(256)) * 8

    oras("tag", oras.ref(repo, "v1"), "v2")
    assert registry.resolve_tag(repo, "v2") == digest
    assert sorted(oras("repo", "tags", oras.ref(repo)).stdout.split()) == ["v1", "v2"]

    (work / "sig.txt").write_text("signature\n")
    attached = oras("attach", oras.ref(repo, "v1"), "--artifact-type",
                    "application/vnd.example.signature", "sig.txt", cwd=work)
    referrer = _oras_digest(attached.stdout)
    found = json.loads(oras("discover", oras.ref(repo, "v1"), "--format", "json").stdout)
    entries = found.get("referrers", found.get("manifests", []))
    assert [e["digest"] for e in entries] == [referrer], found
    assert entries[0]["artifactType"] == "application/vnd.example.signature"
    _remember(target, repo, oras("manifest", "fetch", oras.ref(repo, referrer)).stdout
              .strip().encode())


@behaviour(
    "ART-705",
    "the oras CLI prints the registry's refusal of a push to an immutable tag, and the tag "
    "does not move",
    cite=f"{ORAS_CLI}; {SPEC}#error-codes",
)
def test_oras_cli_prints_refusal(target: Target, tmp_path: Path) -> None:
    oras = _oras_cli(target, tmp_path / "home")
    repo = target.make_repository("oras-cli-locked", immutable_tags=True)
    work = tmp_path / "work"
    work.mkdir()
    (work / "build.txt").write_text("first build\n")
    first = _oras_digest(oras("push", oras.ref(repo, "v1"), "build.txt", cwd=work).stdout)
    (work / "build.txt").write_text("second build\n")
    refused = oras("push", oras.ref(repo, "v1"), "build.txt", cwd=work, check=False)
    assert refused.returncode != 0
    assert "tag invalid" in refused.stderr.lower(), refused.stderr  # TAG_INVALID, as oras says it
    assert target.registry().resolve_tag(repo, "v1") == first
