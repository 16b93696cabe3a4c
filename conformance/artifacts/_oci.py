"""Small OCI helpers shared by the conformance tests: media types, digests, builders.

Everything here speaks plain HTTP through a ``requests.Session``; nothing knows which
target it talks to.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import attrs
import pytest
import requests

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

ALL_MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)
ACCEPT_ALL = ", ".join(ALL_MANIFEST_TYPES)
OCTET = {"Content-Type": "application/octet-stream"}

_ERROR_CODE = re.compile(r"^[A-Z_]+$")


def digest_of(data: bytes) -> str:
    """The sha256 digest string of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(document: Mapping[str, Any]) -> bytes:
    """Serialise a JSON document the way the tests push it (compact, key order kept)."""
    return json.dumps(document, separators=(",", ":")).encode()


def with_query(url: str, **params: str) -> str:
    """Add query parameters to ``url``, keeping any it already has (``_state`` etc.)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def resolve(base: str, location: str) -> str:
    """Resolve a ``Location`` header (absolute or relative) against the target URL."""
    return urljoin(base + "/", location)


def error_codes(response: requests.Response) -> list[str]:
    """Codes of the OCI error envelope in ``response`` (empty when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [str(e.get("code")) for e in body["errors"] if isinstance(e, dict)]


def assert_error(response: requests.Response, status: int, code: str | None = None) -> None:
    """Assert the status and, for non-HEAD requests, the OCI error envelope and code.

    The envelope is ``{"errors": [{"code", "message", "detail"}]}`` with codes made of
    capital letters and underscores (spec: #error-codes).
    """
    assert response.status_code == status, (
        f"expected {status} {code or ''}, got {response.status_code}: {response.text[:500]}"
    )
    if code is None or response.request.method == "HEAD":
        return
    body = response.json()
    assert isinstance(body.get("errors"), list) and body["errors"], body
    for error in body["errors"]:
        assert _ERROR_CODE.match(error["code"]), error
        assert isinstance(error.get("message", ""), str), error
    assert code in error_codes(response), f"expected {code} in {body}"


def parse_range(value: str | None) -> tuple[int, int]:
    """Parse an upload ``Range: 0-<end>`` header."""
    assert value is not None, "missing Range header"
    match = re.fullmatch(r"(?:bytes=)?(\d+)-(\d+)", value.strip())
    assert match, f"malformed Range header {value!r}"
    return int(match.group(1)), int(match.group(2))


@attrs.frozen
class Descriptor:
    """An OCI content descriptor."""

    media_type: str
    digest: str
    size: int
    artifact_type: str | None = None
    annotations: Mapping[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.artifact_type is not None:
            out["artifactType"] = self.artifact_type
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@attrs.frozen
class Pushed:
    """A manifest the test pushed: its bytes, media type and digest."""

    body: bytes
    media_type: str
    digest: str

    @property
    def size(self) -> int:
        return len(self.body)

    def descriptor(self, **extra: Any) -> Descriptor:
        return Descriptor(self.media_type, self.digest, self.size, **extra)


class Registry:
    """Plain-HTTP helpers bound to one target URL and one session."""

    def __init__(self, base_url: str, session: requests.Session) -> None:
        self.base = base_url.rstrip("/")
        self.http = session

    # -- URLs ---------------------------------------------------------------------------
    def url(self, repo: str, *parts: str) -> str:
        return "/".join((self.base, "v2", repo, *parts))

    def blob_url(self, repo: str, digest: str) -> str:
        return self.url(repo, "blobs", digest)

    def manifest_url(self, repo: str, reference: str) -> str:
        return self.url(repo, "manifests", reference)

    def uploads_url(self, repo: str) -> str:
        return self.url(repo, "blobs", "uploads") + "/"

    # -- blobs --------------------------------------------------------------------------
    def start_upload(self, repo: str) -> str:
        """POST an upload session; return its absolute Location."""
        response = self.http.post(self.uploads_url(repo))
        assert response.status_code == 202, response.text
        return resolve(self.base, response.headers["Location"])

    def push_blob(self, repo: str, data: bytes) -> str:
        """Monolithic POST-then-PUT upload (the one every registry supports)."""
        location = self.start_upload(repo)
        digest = digest_of(data)
        response = self.http.put(with_query(location, digest=digest), data=data, headers=OCTET)
        assert response.status_code == 201, response.text
        return digest

    def blob_exists(self, repo: str, digest: str) -> bool:
        response = self.http.head(self.blob_url(repo, digest))
        assert response.status_code in (200, 404), response.status_code
        return response.status_code == 200

    def upload_range(self, location: str) -> tuple[int, int]:
        response = self.http.get(location)
        assert response.status_code == 204, response.text
        return parse_range(response.headers.get("Range"))

    # -- manifests ----------------------------------------------------------------------
    def put_manifest(
        self, repo: str, reference: str, body: bytes, media_type: str
    ) -> requests.Response:
        return self.http.put(
            self.manifest_url(repo, reference), data=body, headers={"Content-Type": media_type}
        )

    def push_manifest(
        self, repo: str, reference: str, document: Mapping[str, Any], media_type: str
    ) -> Pushed:
        body = canonical(document)
        response = self.put_manifest(repo, reference, body, media_type)
        assert response.status_code == 201, response.text
        return Pushed(body, media_type, digest_of(body))

    def push_image(
        self,
        repo: str,
        tag: str | None = None,
        *,
        layers: Sequence[bytes] = (b"layer",),
        config: bytes = b"{}",
        config_type: str = OCI_CONFIG,
        annotations: Mapping[str, str] | None = None,
        artifact_type: str | None = None,
        subject: Pushed | None = None,
    ) -> Pushed:
        """Push config + layers, then an OCI image manifest (by tag, or by digest)."""
        document = self.image_manifest(
            repo,
            layers=layers,
            config=config,
            config_type=config_type,
            annotations=annotations,
            artifact_type=artifact_type,
            subject=subject,
        )
        body = canonical(document)
        return self.push_manifest(repo, tag or digest_of(body), document, OCI_MANIFEST)

    def image_manifest(
        self,
        repo: str,
        *,
        layers: Sequence[bytes] = (b"layer",),
        config: bytes = b"{}",
        config_type: str = OCI_CONFIG,
        annotations: Mapping[str, str] | None = None,
        artifact_type: str | None = None,
        subject: Pushed | None = None,
        push_blobs: bool = True,
    ) -> dict[str, Any]:
        """Build an OCI image manifest document, uploading its blobs first."""
        if push_blobs:
            for blob in (config, *layers):
                self.push_blob(repo, blob)
        document: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
        if artifact_type is not None:
            document["artifactType"] = artifact_type
        document["config"] = Descriptor(config_type, digest_of(config), len(config)).to_json()
        document["layers"] = [
            Descriptor(OCI_LAYER, digest_of(layer), len(layer)).to_json() for layer in layers
        ]
        if subject is not None:
            document["subject"] = subject.descriptor().to_json()
        if annotations:
            document["annotations"] = dict(annotations)
        return document

    def push_docker_image(self, repo: str, tag: str, *, layer: bytes = b"layer") -> Pushed:
        config = b'{"architecture":"amd64","os":"linux"}'
        self.push_blob(repo, config)
        self.push_blob(repo, layer)
        document = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": Descriptor(DOCKER_CONFIG, digest_of(config), len(config)).to_json(),
            "layers": [Descriptor(DOCKER_LAYER, digest_of(layer), len(layer)).to_json()],
        }
        return self.push_manifest(repo, tag, document, DOCKER_MANIFEST)

    def index_document(
        self, children: Iterable[Pushed], media_type: str = OCI_INDEX
    ) -> dict[str, Any]:
        manifests = []
        for child in children:
            entry = child.descriptor().to_json()
            entry["platform"] = {"architecture": "amd64", "os": "linux"}
            manifests.append(entry)
        return {"schemaVersion": 2, "mediaType": media_type, "manifests": manifests}

    def resolve_tag(self, repo: str, tag: str) -> str | None:
        """The digest a tag points to (computed from the body), or None when unknown."""
        response = self.http.get(self.manifest_url(repo, tag), headers={"Accept": ACCEPT_ALL})
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return digest_of(response.content)

    def manifest_exists(self, repo: str, digest: str) -> bool:
        response = self.http.get(self.manifest_url(repo, digest), headers={"Accept": ACCEPT_ALL})
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200

    def tags(self, repo: str) -> list[str] | None:
        """The full tag list (no pagination requested); None when the repo is unknown."""
        response = self.http.get(self.url(repo, "tags", "list"))
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        tags = response.json()["tags"]
        return list(tags) if tags is not None else []


# -- the oras CLI ------------------------------------------------------------------------

ORAS_BIN_ENV = "FAKES_ORAS_BIN"
ORAS_INSTALL = "scripts/install-oras.sh"


def oras_cache_path() -> Path:
    """Where ``scripts/install-oras.sh`` puts the oras binary."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "verified-fakes" / "bin" / "oras"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def oras_binary() -> str:
    """The oras CLI: ``$FAKES_ORAS_BIN``, else the install script's cache path.

    Absent, the calling test is skipped with the way to install it; under CI (``CI``
    set, as CI services do) it fails instead, so a CI run cannot pass without it.
    """
    configured = os.environ.get(ORAS_BIN_ENV)
    candidate = Path(configured) if configured else oras_cache_path()
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    where = f"{ORAS_BIN_ENV}={configured}" if configured else str(candidate)
    reason = (
        f"the oras CLI is not installed ({where} is no executable); run {ORAS_INSTALL} "
        f"or point {ORAS_BIN_ENV} at an oras binary"
    )
    if _in_ci():
        pytest.fail(f"{reason} (CI is set: a missing oras fails the run)", pytrace=False)
    pytest.skip(reason)


@attrs.frozen
class OrasCli:
    """Runs the oras CLI against one registry, with nothing ambient: its own HOME (so no
    ~/.docker/config.json), credentials only when given, through --password-stdin."""

    binary: str
    host: str
    home: Path
    plain_http: bool = True
    credentials: tuple[str, str] | None = None

    def __call__(self, *args: str, cwd: Path | None = None, check: bool = True
                 ) -> subprocess.CompletedProcess[str]:
        command, remote = [self.binary, *args], []
        if self.plain_http:
            remote.append("--plain-http")
        stdin = None
        if self.credentials is not None:
            remote += ["--username", self.credentials[0], "--password-stdin"]
            stdin = self.credentials[1]
        if args and args[0] not in ("version",):
            command += remote
        self.home.mkdir(parents=True, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home)}
        result = subprocess.run(
            command, input=stdin, capture_output=True, text=True, env=env,
            cwd=cwd or self.home, timeout=120, check=False,
        )
        if check:
            assert result.returncode == 0, (
                f"{' '.join(args)} exited {result.returncode}: {result.stderr or result.stdout}"
            )
        return result

    def ref(self, repo: str, reference: str | None = None) -> str:
        if reference is None:
            return f"{self.host}/{repo}"
        separator = "@" if ":" in reference else ":"
        return f"{self.host}/{repo}{separator}{reference}"
