"""Real registry clients against the artifact fake: oras-py and skopeo.

Outcomes are checked in domain terms (``tags()``, ``manifest()``, the journal),
not by counting requests. Clients run with ``HOME`` and the container auth
files pointed at a temporary directory, so no ambient credentials are read
and nothing is written outside the test's directory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import oras.client
import oras.oci
import pytest
import requests
from oras.auth.utils import authHeader

from fakes.artifacts import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, Account, FakeRegistry

SKOPEO = "/usr/bin/skopeo"
needs_skopeo = pytest.mark.skipif(
    not (os.path.exists(SKOPEO) and os.access(SKOPEO, os.X_OK)),
    reason=f"skopeo is not installed at {SKOPEO}",
)

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
SIGNATURE = "application/vnd.example.signature.v1+json"
SBOM = "application/vnd.example.sbom.v1+json"
TITLE = "org.opencontainers.image.title"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def operations(fake: FakeRegistry, mark: Any = None) -> list[tuple[str, str]]:
    changes = fake.journal.since(mark) if mark is not None else list(fake.journal)
    return [(c.operation, c.resource) for c in changes]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME and working directory: oras reads ~/.docker/config.json."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def oras_client(fake: FakeRegistry) -> oras.client.OrasClient:
    """An oras client for the fake, tuned for tests: no sleeping retries.

    oras-py wraps every request in a retry that sleeps 3 s, 5 s, 11 s … after
    any exception (a refused token included): 131 s before a denied push
    fails. The undecorated request method fails at once.
    """
    client = oras.client.OrasClient(hostname=fake.host, insecure=True)
    undecorated = type(client).do_request.__wrapped__
    client.do_request = types.MethodType(undecorated, client)  # type: ignore[method-assign]
    return client


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return path.name


# -- oras: push and pull ---------------------------------------------------------------------


def test_oras_push_and_pull_files_by_tag(
    fake_registry: FakeRegistry, home: Path, tmp_path: Path,
) -> None:
    client = oras_client(fake_registry)
    files = [write(home / "a.txt", "alpha\n"), write(home / "b.json", '{"b": 2}')]
    target = f"{fake_registry.host}/demo/app:v1"
    response = client.push(files=files, target=target, quiet=True)
    assert response.status_code == 201

    assert fake_registry.repositories() == ["demo/app"]
    assert fake_registry.tags("demo/app") == ["v1"]
    manifest = fake_registry.manifest("demo/app", "v1")
    assert manifest.media_type == OCI_MANIFEST
    assert response.headers["Docker-Content-Digest"] == manifest.digest
    document = json.loads(manifest.content)
    assert [layer["annotations"][TITLE] for layer in document["layers"]] == ["a.txt", "b.json"]
    assert fake_registry.blob("demo/app", document["layers"][0]["digest"]) == b"alpha\n"

    pushed = operations(fake_registry)
    assert [op for op, _ in pushed] == [
        "blob.push", "blob.push", "blob.push", "manifest.push", "tag.set"]
    assert {c.actor for c in fake_registry.journal} == {"anonymous"}

    out = tmp_path / "out"
    pulled = client.pull(target=target, outdir=str(out))
    assert sorted(Path(p).name for p in pulled) == ["a.txt", "b.json"]
    assert (out / "a.txt").read_text() == "alpha\n"
    assert (out / "b.json").read_text() == '{"b": 2}'
    assert operations(fake_registry) == pushed  # pulling writes nothing


def test_second_identical_oras_push_writes_nothing(
    fake_registry: FakeRegistry, home: Path,
) -> None:
    client = oras_client(fake_registry)
    files = [write(home / "a.txt", "same")]
    target = f"{fake_registry.host}/demo/app:v1"
    first = client.push(files=files, target=target, quiet=True)
    mark = fake_registry.journal.mark()
    second = client.push(files=files, target=target, quiet=True)
    assert second.status_code == 201
    assert second.headers["Docker-Content-Digest"] == first.headers["Docker-Content-Digest"]
    assert fake_registry.journal.since(mark) == []


def test_oras_push_of_new_content_moves_the_tag(fake_registry: FakeRegistry, home: Path) -> None:
    client = oras_client(fake_registry)
    target = f"{fake_registry.host}/demo/app:latest"
    first = client.push(files=[write(home / "a.txt", "one")], target=target, quiet=True)
    mark = fake_registry.journal.mark()
    second = client.push(files=[write(home / "a.txt", "two")], target=target, quiet=True)
    old, new = (r.headers["Docker-Content-Digest"] for r in (first, second))
    assert old != new
    tag_moves = [c for c in fake_registry.journal.since(mark) if c.operation == "tag.set"]
    assert [(c.resource, c.detail) for c in tag_moves] == [
        ("demo/app:latest", {"digest": new, "previous": old})]
    # the config blob ({}) was already there: only the new layer was pushed
    assert [c.operation for c in fake_registry.journal.since(mark)].count("blob.push") == 1
    assert fake_registry.manifest("demo/app", old).digest == old  # still there by digest


def test_oras_chunked_push(fake_registry: FakeRegistry, home: Path, tmp_path: Path) -> None:
    client = oras_client(fake_registry)
    data = os.urandom(50_000)
    (home / "big.bin").write_bytes(data)
    target = f"{fake_registry.host}/demo/big:v1"
    client.push(files=["big.bin"], target=target, do_chunked=True, chunk_size=16_384,
                quiet=True)
    assert fake_registry.blob("demo/big", sha256(data)) == data
    pulled = client.pull(target=target, outdir=str(tmp_path / "out"))
    assert Path(pulled[0]).read_bytes() == data


def test_tag_listing_and_pages(fake_registry: FakeRegistry, home: Path) -> None:
    client = oras_client(fake_registry)
    client.push(files=[write(home / "a.txt", "x")], target=f"{fake_registry.host}/demo/app:t00",
                quiet=True)
    digest = fake_registry.manifest("demo/app", "t00").digest
    content = fake_registry.manifest("demo/app", digest).content
    for i in range(1, 12):
        fake_registry.push_manifest("demo/app", content, tag=f"t{i:02d}")
    everything = [f"t{i:02d}" for i in range(12)]
    assert client.get_tags(f"{fake_registry.host}/demo/app") == everything
    assert client.get_tags(f"{fake_registry.host}/demo/app", N=5) == everything[:5]
    # following the absolute Link header page by page yields every tag once
    url: str | None = f"{fake_registry.url}/v2/demo/app/tags/list?n=5"
    pages = []
    with requests.Session() as http:
        while url:
            r = http.get(url)
            pages.append(r.json()["tags"])
            url = r.links.get("next", {}).get("url")
            assert url is None or url.startswith(fake_registry.url)
    assert pages == [everything[:5], everything[5:10], everything[10:]]


def test_oras_delete_tag_deletes_the_manifest(fake_registry: FakeRegistry, home: Path) -> None:
    client = oras_client(fake_registry)
    client.push(files=[write(home / "a.txt", "x")], target=f"{fake_registry.host}/demo/app:v1",
                quiet=True)
    digest = fake_registry.manifest("demo/app", "v1").digest
    fake_registry.push_manifest("demo/app", fake_registry.manifest("demo/app", digest).content,
                                tag="v2")
    mark = fake_registry.journal.mark()
    # oras resolves the tag with HEAD, then deletes by digest: every tag on it goes
    assert client.delete_tag(f"{fake_registry.host}/demo/app", "v1") is True
    changes = fake_registry.journal.since(mark)
    assert [(c.operation, c.detail) for c in changes] == [
        ("manifest.delete", {"tags": ["v1", "v2"]})]
    assert fake_registry.tags("demo/app") == []
    assert client.delete_tag(f"{fake_registry.host}/demo/app", "v1") is False


# -- oras: subject and referrers -------------------------------------------------------------


def _subject(fake: FakeRegistry, repo: str, tag: str) -> oras.oci.Subject:
    r = requests.head(f"{fake.url}/v2/{repo}/manifests/{tag}", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200
    return oras.oci.Subject(r.headers["Content-Type"], r.headers["Docker-Content-Digest"],
                            int(r.headers["Content-Length"]))


def test_oras_push_with_subject_and_list_referrers(
    fake_registry: FakeRegistry, home: Path,
) -> None:
    client = oras_client(fake_registry)
    host = fake_registry.host
    client.push(files=[write(home / "app.bin", "the artifact")], target=f"{host}/demo/app:v1",
                quiet=True)
    subject = _subject(fake_registry, "demo/app", "v1")
    assert subject.digest == fake_registry.manifest("demo/app", "v1").digest

    pushed = {}
    for name, media_type in (("sig", SIGNATURE), ("sbom", SBOM)):
        config = write(home / f"{name}-config.json", json.dumps({"kind": name}))
        response = client.push(
            files=[write(home / f"{name}.json", json.dumps({name: True}))],
            target=f"{host}/demo/app:{name}",
            manifest_config=f"{config}:{media_type}",
            subject=subject,
            quiet=True,
        )
        assert response.status_code == 201
        assert response.headers["OCI-Subject"] == subject.digest
        pushed[media_type] = response.headers["Docker-Content-Digest"]
        stored = fake_registry.manifest("demo/app", name)
        assert stored.subject == subject.digest
        assert stored.artifact_type == media_type  # from the config's media type

    url = f"{fake_registry.url}/v2/demo/app/referrers/{subject.digest}"
    r = requests.get(url)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == OCI_INDEX
    listing = r.json()
    assert listing["schemaVersion"] == 2 and listing["mediaType"] == OCI_INDEX
    found = {d["digest"]: d for d in listing["manifests"]}
    assert set(found) == set(pushed.values())
    for media_type, digest in pushed.items():
        entry = found[digest]
        assert entry["artifactType"] == media_type
        assert entry["mediaType"] == OCI_MANIFEST
        assert entry["size"] == len(fake_registry.manifest("demo/app", digest).content)

    r = requests.get(url, params={"artifactType": SIGNATURE})
    assert r.headers["OCI-Filters-Applied"] == "artifactType"
    assert [d["digest"] for d in r.json()["manifests"]] == [pushed[SIGNATURE]]

    # the artifact itself has no referrers
    r = requests.get(f"{fake_registry.url}/v2/demo/app/referrers/{pushed[SIGNATURE]}")
    assert r.json()["manifests"] == []


def test_subject_need_not_exist(fake_registry: FakeRegistry, home: Path) -> None:
    """OCI 1.1 lets a referrer be pushed before its subject."""
    client = oras_client(fake_registry)
    ghost = oras.oci.Subject(OCI_MANIFEST, sha256(b"not pushed yet"), 14)
    response = client.push(files=[write(home / "sig.json", "{}")],
                           target=f"{fake_registry.host}/demo/app:sig", subject=ghost,
                           quiet=True)
    assert response.headers["OCI-Subject"] == ghost.digest
    r = requests.get(f"{fake_registry.url}/v2/demo/app/referrers/{ghost.digest}")
    assert [d["digest"] for d in r.json()["manifests"]] == [
        response.headers["Docker-Content-Digest"]]


# -- oras: token auth ------------------------------------------------------------------------

CI = Account("ci", "s3cret", pull=("*",), push=("team/*",))


@pytest.fixture
def private_registry(fake_registry_factory: Callable[..., FakeRegistry]) -> FakeRegistry:
    return fake_registry_factory(accounts=[CI], anonymous_pull=False)


def _seed_image(fake: FakeRegistry, repo: str, tag: str, text: bytes) -> str:
    config = b"{}"
    for blob in (config, text):
        fake.push_blob(repo, blob)
    return fake.push_manifest(repo, {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.unknown.config.v1+json",
                   "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": sha256(text), "size": len(text),
                    "annotations": {TITLE: "file.txt"}}],
    }, tag=tag)


def _login(fake: FakeRegistry, home: Path) -> oras.client.OrasClient:
    client = oras_client(fake)
    result = client.login(CI.username, CI.password, hostname=fake.host,
                          config_path=str(home / "docker-config.json"))
    assert result == {"Status": "Login Succeeded"}
    return client


def _push_token(client: oras.client.OrasClient, fake: FakeRegistry, repo: str) -> None:
    """Fetch a pull,push token for ``repo`` through oras' own token backend.

    oras-py 0.2.x caches the first token it gets (here a pull-only one, from
    the challenge to its first HEAD) and reuses it when a later request is
    challenged with ``error="insufficient_scope"``, so a push with a cold
    client cannot upgrade its token. Real token registries scope tokens the
    same way, so the test asks for the push scope up front.
    """
    token = client.auth.request_token(authHeader({
        "realm": f"{fake.url}/token", "service": "verified-fakes",
        "scope": f"repository:{repo}:pull,push",
    }))
    assert token
    client.auth.set_token_auth(token)


def test_anonymous_pull_is_refused(
    private_registry: FakeRegistry, home: Path, tmp_path: Path,
) -> None:
    _seed_image(private_registry, "team/app", "v1", b"secret")
    mark = private_registry.journal.mark()
    client = oras_client(private_registry)
    with pytest.raises(ValueError, match="Issue with"):
        client.pull(target=f"{private_registry.host}/team/app:v1", outdir=str(tmp_path / "o"))
    assert not (tmp_path / "o" / "file.txt").exists()
    assert private_registry.journal.since(mark) == []


def test_oras_login_then_pull(private_registry: FakeRegistry, home: Path, tmp_path: Path) -> None:
    _seed_image(private_registry, "team/app", "v1", b"secret")
    client = _login(private_registry, home)
    files = client.pull(target=f"{private_registry.host}/team/app:v1",
                        outdir=str(tmp_path / "out"))
    assert [Path(f).read_bytes() for f in files] == [b"secret"]


def test_oras_login_then_push(private_registry: FakeRegistry, home: Path) -> None:
    client = _login(private_registry, home)
    _push_token(client, private_registry, "team/app")
    response = client.push(files=[write(home / "a.txt", "built")],
                           target=f"{private_registry.host}/team/app:v1", quiet=True)
    assert response.status_code == 201
    assert private_registry.tags("team/app") == ["v1"]
    assert {c.actor for c in private_registry.journal} == {"ci"}


def test_oras_push_outside_the_account_is_denied(
    private_registry: FakeRegistry, home: Path,
) -> None:
    client = _login(private_registry, home)
    _push_token(client, private_registry, "other/app")
    # 403 DENIED carries no challenge, so oras has nothing to retry with
    with pytest.raises(ValueError, match="Cannot respond to request for authentication"):
        client.push(files=[write(home / "a.txt", "built")],
                    target=f"{private_registry.host}/other/app:v1", quiet=True)
    assert private_registry.repositories() == []
    assert len(private_registry.journal) == 0


def test_oras_wrong_password_gets_no_token(private_registry: FakeRegistry, home: Path) -> None:
    client = oras_client(private_registry)
    client.auth.set_basic_auth(CI.username, "wrong")
    token = client.auth.request_token(authHeader({
        "realm": f"{private_registry.url}/token", "service": "verified-fakes",
        "scope": "repository:team/app:pull",
    }))
    assert token is None


# -- skopeo ----------------------------------------------------------------------------------


def _layer() -> tuple[bytes, str]:
    """A gzipped tar layer with one file, and the sha256 of the uncompressed tar."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        data = b"hello from the fake\n"
        info = tarfile.TarInfo("etc/hello.txt")
        info.size, info.mtime, info.mode = len(data), 0, 0o644
        archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0), sha256(raw.getvalue())


def build_image(fake: FakeRegistry, repo: str, tag: str, *, docker: bool = False,
                auth: tuple[str, str] | None = None) -> bytes:
    """Push a real image (config with rootfs.diff_ids, one layer) with requests.

    The layer goes up in a single POST, the config with POST then PUT, then the
    manifest by tag. Returns the manifest bytes.
    """
    session = requests.Session()
    if auth is not None:
        scope = f"repository:{repo}:pull,push"
        token = session.get(f"{fake.url}/token", params={"scope": scope}, auth=auth).json()
        session.headers["Authorization"] = f"Bearer {token['token']}"
    layer, diff_id = _layer()
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/bin"], "Cmd": ["/bin/true"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "test"}],
    }).encode()
    base = f"{fake.url}/v2/{repo}"
    r = session.post(f"{base}/blobs/uploads/", params={"digest": sha256(layer)}, data=layer,
                     headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    r = session.post(f"{base}/blobs/uploads/")
    assert r.status_code == 202, r.text
    r = session.put(r.headers["Location"], params={"digest": sha256(config)}, data=config,
                    headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    media_type = DOCKER_MANIFEST if docker else OCI_MANIFEST
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": media_type,
        "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
                   "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": DOCKER_LAYER if docker else OCI_LAYER_GZIP,
                    "digest": sha256(layer), "size": len(layer)}],
    }, indent=2).encode()
    r = session.put(f"{base}/manifests/{tag}", data=manifest,
                    headers={"Content-Type": media_type})
    assert r.status_code == 201, r.text
    return manifest


@pytest.fixture
def skopeo(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run skopeo with its auth file, cache and config in the test's directory."""
    root = tmp_path / "skopeo"
    (root / "home").mkdir(parents=True)
    (root / "run").mkdir()
    (root / "registries.conf").write_text("")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home"),
        "XDG_RUNTIME_DIR": str(root / "run"),
        "XDG_CONFIG_HOME": str(root / "home" / ".config"),
        "REGISTRY_AUTH_FILE": str(root / "auth.json"),
        "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([SKOPEO, "--insecure-policy", *args], capture_output=True,
                              text=True, env=env, timeout=60)
        if check:
            assert done.returncode == 0, done.stderr
        return done

    return run


def _copy(skopeo: Any, fake: FakeRegistry, src: str, dst: str, *extra: str,
          check: bool = True) -> subprocess.CompletedProcess[str]:
    return skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", *extra,
                  f"docker://{fake.host}/{src}", f"docker://{fake.host}/{dst}", check=check)


@needs_skopeo
def test_skopeo_copy_between_repositories(fake_registry: FakeRegistry, skopeo: Any) -> None:
    manifest = build_image(fake_registry, "src/app", "v1")
    mark = fake_registry.journal.mark()
    _copy(skopeo, fake_registry, "src/app:v1", "dst/app:v2")
    assert fake_registry.tags("dst/app") == ["v2"]
    copied = fake_registry.manifest("dst/app", "v2")
    assert copied.content == manifest  # byte for byte: the digest is kept
    assert copied.digest == sha256(manifest)
    for digest in copied.blobs:
        assert fake_registry.blob("dst/app", digest) == fake_registry.blob("src/app", digest)
    changes = fake_registry.journal.since(mark)
    assert {c.resource.split("@")[0].split(":")[0] for c in changes} == {"dst/app"}
    blob_ops = sorted(c.resource for c in changes if c.operation in ("blob.push", "blob.mount"))
    assert blob_ops == sorted(f"dst/app@{d}" for d in copied.blobs)
    assert [c.operation for c in changes if not c.operation.startswith("blob.")] == [
        "manifest.push", "tag.set"]
    assert fake_registry.tags("src/app") == ["v1"]  # the source is untouched

    mark = fake_registry.journal.mark()
    _copy(skopeo, fake_registry, "src/app:v1", "dst/app:v2")
    assert fake_registry.journal.since(mark) == []  # the second copy writes nothing


@needs_skopeo
def test_skopeo_inspect(fake_registry: FakeRegistry, skopeo: Any) -> None:
    manifest = build_image(fake_registry, "src/app", "v1")
    raw = skopeo("inspect", "--raw", "--tls-verify=false",
                 f"docker://{fake_registry.host}/src/app:v1")
    assert raw.stdout.encode() == manifest
    info = json.loads(skopeo("inspect", "--tls-verify=false",
                             f"docker://{fake_registry.host}/src/app:v1").stdout)
    assert info["Digest"] == sha256(manifest)
    assert info["Os"] == "linux" and info["Architecture"] == "amd64"
    assert info["Layers"] == [d for d in fake_registry.manifest("src/app", "v1").blobs[1:]]
    assert info["RepoTags"] == ["v1"]
    missing = skopeo("inspect", "--raw", "--tls-verify=false",
                     f"docker://{fake_registry.host}/src/app:nope", check=False)
    assert missing.returncode != 0
    assert "manifest unknown" in missing.stderr


@needs_skopeo
def test_skopeo_list_tags(fake_registry: FakeRegistry, skopeo: Any) -> None:
    manifest = build_image(fake_registry, "src/app", "v1")
    for tag in ("v2", "latest"):
        fake_registry.push_manifest("src/app", manifest, tag=tag)
    listing = json.loads(skopeo("list-tags", "--tls-verify=false",
                                f"docker://{fake_registry.host}/src/app").stdout)
    assert listing["Tags"] == ["latest", "v1", "v2"]


@needs_skopeo
def test_skopeo_copy_with_credentials(
    fake_registry_factory: Callable[..., FakeRegistry], skopeo: Any,
) -> None:
    builder = Account("builder", "b", push=("staging/*",))
    promoter = Account("promoter", "pw", pull=("staging/*", "prod/*"), push=("prod/*",))
    fake = fake_registry_factory(accounts=[builder, promoter], anonymous_pull=False)
    manifest = build_image(fake, "staging/app", "rc1", docker=True, auth=("builder", "b"))
    assert fake.manifest("staging/app", "rc1").media_type == DOCKER_MANIFEST
    assert {c.actor for c in fake.journal} == {"builder"}

    mark = fake.journal.mark()
    _copy(skopeo, fake, "staging/app:rc1", "prod/app:1.0",
          "--src-creds", "promoter:pw", "--dest-creds", "promoter:pw")
    assert fake.manifest("prod/app", "1.0").content == manifest
    changes = fake.journal.since(mark)
    assert changes and {c.actor for c in changes} == {"promoter"}

    raw = skopeo("inspect", "--raw", "--tls-verify=false", "--creds", "promoter:pw",
                 f"docker://{fake.host}/prod/app:1.0")
    assert raw.stdout.encode() == manifest

    # without credentials, or with a wrong password, nothing is read or written
    mark = fake.journal.mark()
    anonymous = _copy(skopeo, fake, "staging/app:rc1", "prod/app:1.1", check=False)
    assert anonymous.returncode != 0
    wrong = _copy(skopeo, fake, "staging/app:rc1", "prod/app:1.1",
                  "--src-creds", "promoter:nope", "--dest-creds", "promoter:nope", check=False)
    assert wrong.returncode != 0
    # the promoter may not push to staging
    denied = _copy(skopeo, fake, "prod/app:1.0", "staging/app:back",
                   "--src-creds", "promoter:pw", "--dest-creds", "promoter:pw", check=False)
    assert denied.returncode != 0
    assert fake.journal.since(mark) == []
    assert fake.tags("prod/app") == ["1.0"]
    assert fake.tags("staging/app") == ["rc1"]

