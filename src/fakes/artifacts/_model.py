"""The artifact store's domain model: repositories, content-addressed blobs,
manifests, tags, uploads and referrers. It knows no HTTP; every rule lives here.

Modelled after the OCI Distribution Spec v1.1 and the OCI Image Spec v1.1:
https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md
https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md

Tag immutability follows Amazon ECR, see :class:`Repository`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from fakes._journal import Journal
from fakes.artifacts._errors import ChunkOutOfOrder, fail

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
IMAGE_MANIFESTS = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEXES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = IMAGE_MANIFESTS | INDEXES

# Layers a registry is not expected to hold (their content lives at `urls`).
# https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md#non-distributable-layers
_FOREIGN_LAYER = re.compile(
    r"application/vnd\.(oci\.image\.layer\.nondistributable\.|docker\.image\.rootfs\.foreign\.)"
)

# Grammar: distribution-spec v1.1 "Pulling manifests" (<name>, <reference>).
COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
NAME = re.compile(rf"{COMPONENT}(?:/{COMPONENT})*")
TAG = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
# Grammar: image-spec v1.1 descriptor.md#digests; registered algorithms only.
DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
ALGORITHMS: dict[str, tuple[Callable[..., Any], re.Pattern[str]]] = {
    "sha256": (hashlib.sha256, re.compile(r"[a-f0-9]{64}")),
    "sha512": (hashlib.sha512, re.compile(r"[a-f0-9]{128}")),
}
MAX_NAME_LENGTH = 255


def check_name(name: str) -> None:
    if len(name) > MAX_NAME_LENGTH or not NAME.fullmatch(name):
        raise fail("NAME_INVALID", {"name": name})


def check_digest(digest: str) -> str:
    """The algorithm of a well-formed, supported digest; DIGEST_INVALID otherwise."""
    algorithm, _, encoded = digest.partition(":")
    known = ALGORITHMS.get(algorithm)
    if not DIGEST.fullmatch(digest) or known is None or not known[1].fullmatch(encoded):
        raise fail("DIGEST_INVALID", {"digest": digest},
                   message="invalid or unsupported digest")
    return algorithm


def digest_of(data: bytes | bytearray | memoryview, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{ALGORITHMS[algorithm][0](data).hexdigest()}"


def is_digest(reference: str) -> bool:
    return ":" in reference


@attrs.frozen
class Descriptor:
    """A content descriptor (image-spec descriptor.md)."""

    media_type: str
    digest: str
    size: int
    artifact_type: str | None = None
    annotations: Mapping[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": self.media_type, "digest": self.digest, "size": self.size,
        }
        if self.artifact_type is not None:
            out["artifactType"] = self.artifact_type
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@attrs.frozen
class Manifest:
    """A stored manifest: its exact bytes plus what the registry reads from them."""

    digest: str
    media_type: str
    content: bytes
    blobs: tuple[str, ...]  # config and layers the repository must hold
    children: tuple[str, ...]  # manifests an index references
    subject: str | None = None
    artifact_type: str | None = None
    annotations: Mapping[str, str] | None = None

    def descriptor(self) -> Descriptor:
        return Descriptor(
            self.media_type, self.digest, len(self.content), self.artifact_type, self.annotations
        )


@attrs.define
class Repository:
    """One repository and its policies.

    ``immutable_tags`` follows Amazon ECR's IMMUTABLE setting: once a tag
    exists, every manifest push to that tag is refused with ``TAG_INVALID``,
    *including* a push of the digest the tag already names; pushes by digest
    and deleting the tag stay allowed.
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html

    ``deletion_enabled=False`` answers every delete with 405 ``UNSUPPORTED``,
    as CNCF distribution does when ``storage.delete.enabled`` is false.
    """

    name: str
    blobs: set[str] = attrs.field(factory=set)
    manifests: dict[str, Manifest] = attrs.field(factory=dict)
    tags: dict[str, str] = attrs.field(factory=dict)
    immutable_tags: bool = False
    deletion_enabled: bool = True

    def copy(self) -> Repository:
        return Repository(
            self.name, set(self.blobs), dict(self.manifests), dict(self.tags),
            self.immutable_tags, self.deletion_enabled,
        )


class Upload:
    """An upload session: bytes received so far and a running sha256."""

    def __init__(self, upload_id: str, repository: str) -> None:
        self.id = upload_id
        self.repository = repository
        self.data = bytearray()
        self.sha256 = hashlib.sha256()
        self.lock = threading.Lock()
        self.closed = False  # set under ``lock`` by finish and cancel

    @property
    def offset(self) -> int:
        return len(self.data)

    def append(self, pieces: Iterable[bytes], expected: int | None) -> None:
        """Append all of ``pieces``, or nothing if they are not ``expected`` bytes long."""
        start, hasher = len(self.data), self.sha256.copy()
        for piece in pieces:
            self.data += piece
            self.sha256.update(piece)
        if expected is not None and len(self.data) - start != expected:
            self.rollback(start, hasher)
            raise fail("SIZE_INVALID", {"expected": expected})

    def rollback(self, offset: int, hasher: Any) -> None:
        del self.data[offset:]
        self.sha256 = hasher

    def digest(self, algorithm: str) -> str:
        if algorithm == "sha256":
            return f"sha256:{self.sha256.hexdigest()}"
        return digest_of(self.data, algorithm)


def _descriptor(value: Any, where: str) -> Descriptor:
    """Parse a descriptor inside a manifest; MANIFEST_INVALID when malformed."""
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("mediaType"), str)
        or not isinstance(value.get("digest"), str)
        or not isinstance(value.get("size"), int)
        or isinstance(value.get("size"), bool)
        or value["size"] < 0
    ):
        raise fail("MANIFEST_INVALID", {"reason": f"{where} is not a valid descriptor"})
    try:
        check_digest(value["digest"])
    except Exception:
        raise fail("MANIFEST_INVALID", {"reason": f"{where} has an invalid digest"}) from None
    artifact_type = value.get("artifactType")
    annotations = value.get("annotations")
    return Descriptor(
        value["mediaType"], value["digest"], value["size"],
        artifact_type if isinstance(artifact_type, str) else None,
        annotations if isinstance(annotations, dict) else None,
    )


def parse_manifest(content: bytes, content_type: str, algorithm: str = "sha256") -> Manifest:
    """Validate a pushed manifest (image-spec manifest.md and image-index.md)."""
    try:
        doc = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise fail("MANIFEST_INVALID", {"reason": "manifest is not valid JSON"}) from None
    if not isinstance(doc, dict):
        raise fail("MANIFEST_INVALID", {"reason": "manifest is not a JSON object"})
    if not content_type:
        # Clients SHOULD send the manifest's type as Content-Type (distribution-spec
        # v1.1 "Pushing Manifests"); distribution 2.8 refuses a PUT without it.
        raise fail("MANIFEST_INVALID",
                   {"reason": "Content-Type must name the manifest's media type"})
    media_type = doc.get("mediaType", content_type)
    if media_type != content_type:
        # distribution-spec v1.1 "Pushing Manifests": the mediaType in the body,
        # if present, MUST match the Content-Type header.
        raise fail("MANIFEST_INVALID", {
            "reason": "mediaType does not match Content-Type",
            "mediaType": media_type, "contentType": content_type,
        })
    if media_type not in MANIFEST_TYPES:
        raise fail("MANIFEST_INVALID", {"reason": "unsupported manifest media type",
                                        "mediaType": media_type})
    if doc.get("schemaVersion") != 2:
        raise fail("MANIFEST_INVALID", {"reason": "schemaVersion must be 2"})
    blobs: list[str] = []
    children: list[str] = []
    artifact_type = doc.get("artifactType")
    if artifact_type is not None and not isinstance(artifact_type, str):
        raise fail("MANIFEST_INVALID", {"reason": "artifactType must be a string"})
    if media_type in IMAGE_MANIFESTS:
        config = _descriptor(doc.get("config"), "config")
        layers = doc.get("layers", [])
        if not isinstance(layers, list):
            raise fail("MANIFEST_INVALID", {"reason": "layers must be an array"})
        blobs.append(config.digest)
        for i, layer in enumerate(layers):
            d = _descriptor(layer, f"layers[{i}]")
            if not _FOREIGN_LAYER.match(d.media_type):
                blobs.append(d.digest)
        # image-spec v1.1 manifest.md "Guidelines for Artifact Usage": without
        # artifactType, the config's media type names the artifact.
        if artifact_type is None:
            artifact_type = config.media_type
    else:
        entries = doc.get("manifests")
        if not isinstance(entries, list):
            raise fail("MANIFEST_INVALID", {"reason": "manifests must be an array"})
        children = [_descriptor(m, f"manifests[{i}]").digest for i, m in enumerate(entries)]
    subject = None
    if "subject" in doc:
        subject = _descriptor(doc["subject"], "subject").digest
    annotations = doc.get("annotations")
    return Manifest(
        digest=digest_of(content, algorithm),
        media_type=media_type,
        content=bytes(content),
        blobs=tuple(blobs),
        children=tuple(children),
        subject=subject,
        artifact_type=artifact_type,
        annotations=annotations if isinstance(annotations, dict) else None,
    )


@attrs.frozen
class PushedManifest:
    manifest: Manifest
    tag: str | None


class Registry:
    """All state of one fake registry, guarded by one lock.

    Blob content is stored once per digest and linked into repositories;
    a repository sees only the blobs pushed or mounted into it.
    """

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._lock = threading.RLock()
        self._content: dict[str, bytes | bytearray] = {}
        self._repos: dict[str, Repository] = {}
        self._uploads: dict[str, Upload] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    def reset(self, to: Registry | None = None) -> None:
        """Forget everything, or go back to the state of the snapshot ``to``; the
        snapshot stays untouched, so the same baseline can be restored again."""
        with self._lock:
            if to is None:
                self._content, self._repos = {}, {}
            else:
                baseline = to.snapshot()
                self._content, self._repos = baseline._content, baseline._repos
            self._uploads = {}

    def snapshot(self) -> Registry:
        """An independent copy of the committed state: repositories, blobs, manifests,
        tags. It shares the (immutable) blob and manifest bytes; upload sessions are
        transfers in flight, not state a replica holds, and are left out."""
        with self._lock:
            copy = Registry(self._journal)
            copy._content = dict(self._content)
            copy._repos = {name: repo.copy() for name, repo in self._repos.items()}
            return copy

    # -- repositories ------------------------------------------------------------------------

    def _repository(self, name: str) -> Repository:
        check_name(name)
        repo = self._repos.get(name)
        if repo is None:
            raise fail("NAME_UNKNOWN", {"name": name})
        return repo

    def _writable(self, name: str) -> Repository:
        check_name(name)
        repo = self._repos.get(name)
        if repo is None:
            repo = self._repos[name] = Repository(name)
        return repo

    def configure_repository(
        self, name: str, *, immutable_tags: bool, deletion_enabled: bool, actor: str
    ) -> None:
        with self._lock:
            repo = self._writable(name)
            if (repo.immutable_tags, repo.deletion_enabled) != (immutable_tags, deletion_enabled):
                repo.immutable_tags, repo.deletion_enabled = immutable_tags, deletion_enabled
                self._journal.record(actor, "repository.configure", name,
                                     immutable_tags=immutable_tags,
                                     deletion_enabled=deletion_enabled)

    def repositories(self) -> list[str]:
        with self._lock:
            return sorted(self._repos)

    def _deletable(self, name: str) -> Repository:
        repo = self._repository(name)
        if not repo.deletion_enabled:
            raise fail("UNSUPPORTED", {"name": name, "reason": "deletion is disabled"})
        return repo

    # -- blobs -------------------------------------------------------------------------------

    def blob(self, name: str, digest: str) -> bytes | bytearray:
        with self._lock:
            repo = self._repository(name)
            check_digest(digest)
            if digest not in repo.blobs:
                raise fail("BLOB_UNKNOWN", {"digest": digest})
            return self._content[digest]

    def _link_blob(self, repo: Repository, digest: str, data: bytes | bytearray,
                   actor: str, operation: str, **detail: Any) -> None:
        self._content.setdefault(digest, data)
        if digest not in repo.blobs:
            repo.blobs.add(digest)
            self._journal.record(actor, operation, f"{repo.name}@{digest}",
                                 size=len(self._content[digest]), **detail)

    def push_blob(self, name: str, data: bytes, digest: str | None, actor: str) -> str:
        """Store a whole blob at once; ``digest`` (when given) must match the content."""
        check_name(name)
        actual = digest_of(data, check_digest(digest) if digest else "sha256")
        if digest is not None and digest != actual:
            raise fail("DIGEST_INVALID", {"expected": digest, "actual": actual})
        with self._lock:
            self._link_blob(self._writable(name), actual, data, actor, "blob.push")
        return actual

    def mount_blob(self, name: str, digest: str, source: str, actor: str) -> bool:
        """Link a blob of ``source`` into ``name``; False when it cannot be mounted."""
        check_name(name)
        check_digest(digest)
        with self._lock:
            origin = self._repos.get(source)
            if origin is None or digest not in origin.blobs:
                return False
            self._link_blob(self._writable(name), digest, self._content[digest], actor,
                            "blob.mount", source=source)
            return True

    def delete_blob(self, name: str, digest: str, actor: str) -> None:
        with self._lock:
            repo = self._deletable(name)
            check_digest(digest)
            if digest not in repo.blobs:
                raise fail("BLOB_UNKNOWN", {"digest": digest})
            repo.blobs.discard(digest)
            if not any(digest in r.blobs for r in self._repos.values()):
                del self._content[digest]
            self._journal.record(actor, "blob.delete", f"{name}@{digest}")

    # -- uploads -----------------------------------------------------------------------------

    def start_upload(self, name: str) -> Upload:
        check_name(name)
        upload = Upload(str(uuid.uuid4()), name)
        with self._lock:
            self._uploads[upload.id] = upload
        return upload

    def upload(self, name: str, upload_id: str) -> Upload:
        with self._lock:
            upload = self._uploads.get(upload_id)
        if upload is None or upload.repository != name:
            raise fail("BLOB_UPLOAD_UNKNOWN", {"uuid": upload_id})
        return upload

    def append_upload(
        self, name: str, upload_id: str, pieces: Iterable[bytes],
        start: int | None, length: int | None,
    ) -> Upload:
        """Append a chunk. ``start`` (from Content-Range) must equal the current offset."""
        upload = self.upload(name, upload_id)
        with upload.lock:
            _check_open(upload)
            _check_start(upload, start)
            upload.append(pieces, length)
        return upload

    def finish_upload(
        self, name: str, upload_id: str, digest: str, pieces: Iterable[bytes],
        start: int | None, length: int | None, actor: str,
    ) -> str:
        """Close an upload with its last chunk; DIGEST_INVALID leaves it as it was."""
        algorithm = check_digest(digest)
        upload = self.upload(name, upload_id)
        with upload.lock:
            _check_open(upload)
            _check_start(upload, start)
            offset, hasher = upload.offset, upload.sha256.copy()
            upload.append(pieces, length)
            actual = upload.digest(algorithm)
            if actual != digest:
                upload.rollback(offset, hasher)
                raise fail("DIGEST_INVALID", {"expected": digest, "actual": actual})
            upload.closed = True  # the buffer becomes the blob: no more appends
            with self._lock:
                self._uploads.pop(upload_id, None)
                self._link_blob(self._writable(name), digest, upload.data, actor, "blob.push")
        return digest

    def cancel_upload(self, name: str, upload_id: str) -> None:
        upload = self.upload(name, upload_id)
        with upload.lock:
            _check_open(upload)
            upload.closed = True
            with self._lock:
                self._uploads.pop(upload.id, None)

    # -- manifests and tags ------------------------------------------------------------------

    def push_manifest(
        self, name: str, reference: str, content: bytes, content_type: str, actor: str
    ) -> PushedManifest:
        check_name(name)
        tag = None if is_digest(reference) else reference
        if tag is not None and not TAG.fullmatch(tag):
            raise fail("TAG_INVALID", {"tag": tag})
        manifest = parse_manifest(
            content, content_type, "sha256" if tag is not None else check_digest(reference)
        )
        if tag is None and reference != manifest.digest:
            raise fail("DIGEST_INVALID", {"expected": reference, "actual": manifest.digest})
        with self._lock:
            repo = self._repos.get(name) or Repository(name)
            for digest in manifest.blobs:
                if digest not in repo.blobs:
                    raise fail("MANIFEST_BLOB_UNKNOWN", {"digest": digest})
            for digest in manifest.children:
                if digest not in repo.manifests:
                    raise fail("MANIFEST_BLOB_UNKNOWN", {"digest": digest})
            if tag is not None and repo.immutable_tags and tag in repo.tags:
                raise fail("TAG_INVALID", {"tag": tag}, message=(
                    f"The image tag '{tag}' already exists in the '{name}' repository "
                    "and cannot be overwritten because the repository is immutable."))
            self._repos[name] = repo
            resource = f"{name}@{manifest.digest}"
            if manifest.digest not in repo.manifests:
                repo.manifests[manifest.digest] = manifest
                self._journal.record(actor, "manifest.push", resource,
                                     media_type=manifest.media_type)
            if tag is not None and repo.tags.get(tag) != manifest.digest:
                previous = repo.tags.get(tag)
                repo.tags[tag] = manifest.digest
                self._journal.record(actor, "tag.set", f"{name}:{tag}",
                                     digest=manifest.digest, previous=previous)
        return PushedManifest(manifest, tag)

    def manifest(self, name: str, reference: str) -> Manifest:
        with self._lock:
            repo = self._repository(name)
            digest = self._resolve(repo, reference)
            manifest = repo.manifests.get(digest) if digest else None
            if manifest is None:
                raise fail("MANIFEST_UNKNOWN", {"reference": reference})
            return manifest

    @staticmethod
    def _resolve(repo: Repository, reference: str) -> str | None:
        """The digest ``reference`` names in ``repo``; None when nothing is stored under it.

        A reference that is neither a tag nor a digest names nothing: distribution-spec
        v1.1 "Pulling manifests" answers 404 for a manifest that is not found, and only
        a push (which creates the tag) is refused with TAG_INVALID.
        """
        if is_digest(reference):
            check_digest(reference)
            return reference
        return repo.tags.get(reference)

    def delete_manifest(self, name: str, reference: str, actor: str) -> None:
        """By tag: remove that tag. By digest: remove the manifest and every tag on it."""
        with self._lock:
            repo = self._deletable(name)
            if not is_digest(reference):
                if self._resolve(repo, reference) is None:
                    raise fail("MANIFEST_UNKNOWN", {"reference": reference})
                digest = repo.tags.pop(reference)
                self._journal.record(actor, "tag.delete", f"{name}:{reference}", digest=digest)
                return
            check_digest(reference)
            if repo.manifests.pop(reference, None) is None:
                raise fail("MANIFEST_UNKNOWN", {"reference": reference})
            dropped = sorted(t for t, d in repo.tags.items() if d == reference)
            for t in dropped:
                del repo.tags[t]
            self._journal.record(actor, "manifest.delete", f"{name}@{reference}", tags=dropped)

    def tags(self, name: str, n: int | None = None, last: str | None = None
             ) -> tuple[list[str], bool]:
        """Tags in lexical order after ``last``, at most ``n``; and whether more follow."""
        with self._lock:
            ordered = sorted(self._repository(name).tags)
        if last is not None:
            ordered = [t for t in ordered if t > last]
        if n is None:
            return ordered, False
        return ordered[:n], len(ordered) > n

    def referrers(self, name: str, digest: str, artifact_type: str | None) -> list[Descriptor]:
        """Manifests whose ``subject`` is ``digest``, optionally of one artifactType.

        The spec promises no order; they come sorted by digest, which is
        unrelated to push order, so callers cannot come to rely on one.
        """
        check_digest(digest)
        with self._lock:
            repo = self._repository(name)
            found = [m for m in repo.manifests.values() if m.subject == digest]
        if artifact_type is not None:
            found = [m for m in found if m.artifact_type == artifact_type]
        return [m.descriptor() for m in sorted(found, key=lambda m: m.digest)]


def _check_open(upload: Upload) -> None:
    """A session closed while this request waited for its lock is gone."""
    if upload.closed:
        raise fail("BLOB_UPLOAD_UNKNOWN", {"uuid": upload.id})


def _check_start(upload: Upload, start: int | None) -> None:
    """A chunk must start where the upload stands (distribution-spec v1.1 "Pushing a
    blob in chunks"); the chunk is refused whole and the upload stays as it was."""
    if start is not None and start != upload.offset:
        raise ChunkOutOfOrder(upload.offset, start)
