"""Real clients, unchanged: oras (oras-py) and skopeo.

Neither reads ambient credentials here: oras-py gets an empty credential store and
the account's password in memory; skopeo runs with a temporary HOME and explicit
``--src-creds``/``--dest-creds`` (or ``--*-no-creds``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fakes.conformance.artifacts._oci import OCI_INDEX, OCI_MANIFEST
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
