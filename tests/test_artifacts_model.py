"""Unit tests of the artifact store's domain model, without HTTP.

The model is exercised through ``fakes.artifacts._model`` directly: the
grammar checks, manifest parsing, the store's rules (uploads, immutable tags,
deletion policy, referrers, tag pagination) and snapshots.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from typing import Any

import pytest

from fakes._clock import Clock
from fakes._journal import Journal
from fakes.artifacts import DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, RegistryError
from fakes.artifacts._api import upload_range
from fakes.artifacts._errors import ChunkOutOfOrder
from fakes.artifacts._model import (
    Registry,
    check_digest,
    check_name,
    digest_of,
    parse_manifest,
)

CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
FOREIGN_TYPE = "application/vnd.oci.image.layer.nondistributable.v1.tar"
ME = "tester"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(data: bytes, media_type: str = LAYER_TYPE, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": sha256(data), "size": len(data), **extra}


def image(config: bytes = b"{}", layers: tuple[bytes, ...] = (), **extra: Any) -> bytes:
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor(config, CONFIG_TYPE),
        "layers": [descriptor(layer) for layer in layers],
        **extra,
    }
    return json.dumps(document).encode()


def index(*children: bytes, media_type: str = OCI_INDEX, **extra: Any) -> bytes:
    document = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "manifests": [descriptor(c, OCI_MANIFEST) for c in children],
        **extra,
    }
    return json.dumps(document).encode()


def code_of(excinfo: pytest.ExceptionInfo[RegistryError]) -> tuple[int, str]:
    return excinfo.value.status, excinfo.value.code


@pytest.fixture
def journal() -> Journal:
    return Journal(Clock())


@pytest.fixture
def registry(journal: Journal) -> Registry:
    return Registry(journal)


def ops(journal: Journal) -> list[tuple[str, str]]:
    return [(c.operation, c.resource) for c in journal]


def seed_image(registry: Registry, repo: str = "app", config: bytes = b"{}",
               layers: tuple[bytes, ...] = (b"layer",), tag: str | None = "v1",
               **extra: Any) -> bytes:
    """Push the blobs and the manifest of one image; returns the manifest bytes."""
    for blob in (config, *layers):
        registry.push_blob(repo, blob, None, ME)
    content = image(config, layers, **extra)
    registry.push_manifest(repo, tag or sha256(content), content, OCI_MANIFEST, ME)
    return content


# -- grammar ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "a", "app", "team/app", "a/b/c/d", "a.b", "a_b", "a__b", "a-b", "a---b", "0", "x1/y2",
    "a" * 255,
])
def test_valid_repository_names(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize("name", [
    "", "App", "-a", "a-", "a..b", "a___b", "a._b", "/a", "a/", "a//b", "a b", "a:b",
    "a@b", "a" * 256, "é",
])
def test_invalid_repository_names(name: str) -> None:
    with pytest.raises(RegistryError) as excinfo:
        check_name(name)
    assert code_of(excinfo) == (400, "NAME_INVALID")


def test_digest_grammar() -> None:
    assert check_digest(sha256(b"x")) == "sha256"
    assert check_digest("sha512:" + hashlib.sha512(b"x").hexdigest()) == "sha512"
    for bad in [
        "", "sha256", "sha256:", "sha256:" + "A" * 64, "sha256:" + "a" * 63,
        "sha256:" + "a" * 65, "sha512:" + "a" * 64, "md5:" + "a" * 32,
        "SHA256:" + "a" * 64, "sha256:" + "g" * 64, "sha256::" + "a" * 64,
    ]:
        with pytest.raises(RegistryError) as excinfo:
            check_digest(bad)
        assert code_of(excinfo) == (400, "DIGEST_INVALID"), bad


def test_digest_of_matches_hashlib() -> None:
    assert digest_of(b"abc") == sha256(b"abc")
    assert digest_of(b"abc", "sha512") == "sha512:" + hashlib.sha512(b"abc").hexdigest()


def test_upload_range_is_inclusive_end() -> None:
    assert upload_range(0) == "0-0"
    assert upload_range(1) == "0-0"
    assert upload_range(10) == "0-9"


# -- parse_manifest --------------------------------------------------------------------------


def test_parse_image_manifest_lists_config_and_layers_as_blobs() -> None:
    content = image(b"{}", (b"one", b"two"), annotations={"k": "v"})
    m = parse_manifest(content, OCI_MANIFEST)
    assert m.digest == sha256(content)
    assert m.media_type == OCI_MANIFEST
    assert m.content == content
    assert m.blobs == (sha256(b"{}"), sha256(b"one"), sha256(b"two"))
    assert m.children == ()
    assert m.subject is None
    assert m.annotations == {"k": "v"}
    # image-spec "Guidelines for Artifact Usage": without artifactType the
    # config's media type names the artifact.
    assert m.artifact_type == CONFIG_TYPE


def test_parse_manifest_explicit_artifact_type_and_subject() -> None:
    subject = image(b"subject")
    content = image(artifactType="application/vnd.example.sbom",
                    subject=descriptor(subject, OCI_MANIFEST))
    m = parse_manifest(content, OCI_MANIFEST)
    assert m.artifact_type == "application/vnd.example.sbom"
    assert m.subject == sha256(subject)
    d = m.descriptor()
    assert d.to_json() == {"mediaType": OCI_MANIFEST, "digest": m.digest, "size": len(content),
                           "artifactType": "application/vnd.example.sbom"}


def test_parse_manifest_skips_non_distributable_layers() -> None:
    document = json.loads(image(b"{}", (b"mine",)))
    document["layers"].append(descriptor(b"foreign", FOREIGN_TYPE, urls=["https://x"]))
    document["layers"].append(
        descriptor(b"docker-foreign", "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"))
    m = parse_manifest(json.dumps(document).encode(), OCI_MANIFEST)
    assert m.blobs == (sha256(b"{}"), sha256(b"mine"))


def test_parse_index_lists_children() -> None:
    a, b = image(b"a"), image(b"b")
    for media_type in (OCI_INDEX, DOCKER_LIST):
        m = parse_manifest(index(a, b, media_type=media_type), media_type)
        assert m.children == (sha256(a), sha256(b))
        assert m.blobs == ()
        assert m.media_type == media_type


def test_parse_docker_manifest() -> None:
    document = json.loads(image(b"{}", (b"l",)))
    document["mediaType"] = DOCKER_MANIFEST
    m = parse_manifest(json.dumps(document).encode(), DOCKER_MANIFEST)
    assert m.media_type == DOCKER_MANIFEST


def test_media_type_comes_from_content_type_when_body_has_none() -> None:
    document = json.loads(image())
    del document["mediaType"]
    m = parse_manifest(json.dumps(document).encode(), OCI_MANIFEST)
    assert m.media_type == OCI_MANIFEST


def test_content_type_is_required() -> None:
    """distribution 2.8 refuses a manifest PUT without Content-Type; so does the fake."""
    with pytest.raises(RegistryError) as excinfo:
        parse_manifest(image(), "")
    assert code_of(excinfo) == (400, "MANIFEST_INVALID")


def test_parse_manifest_with_sha512() -> None:
    content = image()
    assert parse_manifest(content, OCI_MANIFEST, "sha512").digest == digest_of(content, "sha512")


def _mutated(**changes: Any) -> bytes:
    document = json.loads(image(b"{}", (b"l",)))
    for key, value in changes.items():
        if value is _DROP:
            del document[key]
        else:
            document[key] = value
    return json.dumps(document).encode()


_DROP = object()


@pytest.mark.parametrize(("content", "content_type"), [
    (b"not json", OCI_MANIFEST),
    (b"\xff\xfe", OCI_MANIFEST),
    (b"[]", OCI_MANIFEST),
    (b"null", OCI_MANIFEST),
    (image(), OCI_INDEX),  # mediaType in the body must equal Content-Type
    (image(), "application/json"),
    (_mutated(mediaType=CONFIG_TYPE), CONFIG_TYPE),
    (_mutated(mediaType=_DROP), "application/json"),
    (_mutated(mediaType=_DROP), ""),
    (_mutated(schemaVersion=1), OCI_MANIFEST),
    (_mutated(schemaVersion=_DROP), OCI_MANIFEST),
    (_mutated(schemaVersion="2"), OCI_MANIFEST),
    (_mutated(config=_DROP), OCI_MANIFEST),
    (_mutated(config={"mediaType": CONFIG_TYPE, "digest": sha256(b"{}")}), OCI_MANIFEST),
    (_mutated(config={"mediaType": CONFIG_TYPE, "digest": "sha256:zz", "size": 2}), OCI_MANIFEST),
    (_mutated(config={"mediaType": CONFIG_TYPE, "digest": sha256(b"{}"), "size": -1}),
     OCI_MANIFEST),
    (_mutated(config={"mediaType": CONFIG_TYPE, "digest": sha256(b"{}"), "size": True}),
     OCI_MANIFEST),
    (_mutated(config={"mediaType": 1, "digest": sha256(b"{}"), "size": 2}), OCI_MANIFEST),
    (_mutated(layers={}), OCI_MANIFEST),
    (_mutated(layers=["x"]), OCI_MANIFEST),
    (_mutated(artifactType=7), OCI_MANIFEST),
    (_mutated(subject={"digest": sha256(b"x")}), OCI_MANIFEST),
    (json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX}).encode(), OCI_INDEX),
    (json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{}]}).encode(),
     OCI_INDEX),
])
def test_invalid_manifests(content: bytes, content_type: str | None) -> None:
    with pytest.raises(RegistryError) as excinfo:
        parse_manifest(content, content_type)
    assert code_of(excinfo) == (400, "MANIFEST_INVALID")


@pytest.mark.parametrize("content_type", [OCI_MANIFEST, ""])
@pytest.mark.parametrize("media_type", [[OCI_MANIFEST], {"a": 1}, 3, None, True])
def test_non_string_media_type_in_body_is_manifest_invalid(
    media_type: Any, content_type: str,
) -> None:
    """A mediaType of the wrong JSON type is a MANIFEST_INVALID, not a crash (a list
    once reached a set lookup and raised TypeError: unhashable)."""
    content = json.dumps({"schemaVersion": 2, "mediaType": media_type}).encode()
    with pytest.raises(RegistryError) as excinfo:
        parse_manifest(content, content_type)
    assert code_of(excinfo) == (400, "MANIFEST_INVALID")


# -- blobs and uploads -----------------------------------------------------------------------


def test_push_blob_is_content_addressed_and_journaled_once(
    registry: Registry, journal: Journal,
) -> None:
    digest = registry.push_blob("app", b"data", None, ME)
    assert digest == sha256(b"data")
    assert registry.push_blob("app", b"data", digest, ME) == digest  # idempotent
    assert ops(journal) == [("blob.push", f"app@{digest}")]
    assert journal.changes()[0].actor == ME
    assert journal.changes()[0].detail == {"size": 4}
    assert bytes(registry.blob("app", digest)) == b"data"
    assert registry.repositories() == ["app"]


def test_push_blob_digest_mismatch_changes_nothing(registry: Registry, journal: Journal) -> None:
    with pytest.raises(RegistryError) as excinfo:
        registry.push_blob("app", b"data", sha256(b"other"), ME)
    assert code_of(excinfo) == (400, "DIGEST_INVALID")
    assert registry.repositories() == []
    assert len(journal) == 0


def test_blobs_are_per_repository(registry: Registry) -> None:
    digest = registry.push_blob("one", b"data", None, ME)
    with pytest.raises(RegistryError) as excinfo:
        registry.blob("two", digest)
    assert code_of(excinfo) == (404, "NAME_UNKNOWN")
    registry.push_blob("two", b"other", None, ME)
    with pytest.raises(RegistryError) as excinfo:
        registry.blob("two", digest)
    assert code_of(excinfo) == (404, "BLOB_UNKNOWN")


def test_mount_links_blob_from_source_only(registry: Registry, journal: Journal) -> None:
    digest = registry.push_blob("src", b"data", None, ME)
    assert registry.mount_blob("dst", sha256(b"missing"), "src", ME) is False
    assert registry.mount_blob("dst", digest, "nowhere", ME) is False
    assert registry.repositories() == ["src"]
    assert registry.mount_blob("dst", digest, "src", ME) is True
    assert registry.mount_blob("dst", digest, "src", ME) is True  # again: nothing new
    assert ops(journal)[1:] == [("blob.mount", f"dst@{digest}")]
    assert journal.changes()[1].detail == {"size": 4, "source": "src"}
    assert bytes(registry.blob("dst", digest)) == b"data"


def test_delete_blob_keeps_shared_content(registry: Registry) -> None:
    digest = registry.push_blob("one", b"data", None, ME)
    registry.mount_blob("two", digest, "one", ME)
    registry.delete_blob("one", digest, ME)
    with pytest.raises(RegistryError):
        registry.blob("one", digest)
    assert bytes(registry.blob("two", digest)) == b"data"
    registry.delete_blob("two", digest, ME)
    with pytest.raises(RegistryError) as excinfo:
        registry.delete_blob("two", digest, ME)
    assert code_of(excinfo) == (404, "BLOB_UNKNOWN")


def test_chunked_upload(registry: Registry, journal: Journal) -> None:
    upload = registry.start_upload("app")
    assert registry.repositories() == []  # an upload session creates nothing yet
    registry.append_upload("app", upload.id, [b"hel"], 0, 3)
    registry.append_upload("app", upload.id, [b"l", b"o"], 3, 2)
    registry.append_upload("app", upload.id, [b" "], None, None)  # streamed, no range
    assert registry.upload("app", upload.id).offset == 6
    digest = registry.finish_upload("app", upload.id, sha256(b"hello world"), [b"world"], 6, 5,
                                    ME)
    assert bytes(registry.blob("app", digest)) == b"hello world"
    assert ops(journal) == [("blob.push", f"app@{digest}")]
    with pytest.raises(RegistryError) as excinfo:
        registry.upload("app", upload.id)
    assert code_of(excinfo) == (404, "BLOB_UPLOAD_UNKNOWN")


def test_out_of_order_chunk_is_refused_and_changes_nothing(registry: Registry) -> None:
    """The model says what went wrong (a domain error with the upload's offset); the
    416 and its Range header are the wire adapter's (test_artifacts_reliability)."""
    upload = registry.start_upload("app")
    registry.append_upload("app", upload.id, [b"abc"], 0, 3)
    with pytest.raises(ChunkOutOfOrder) as excinfo:
        registry.append_upload("app", upload.id, [b"zzz"], 5, 3)
    assert excinfo.value.code == "BLOB_UPLOAD_INVALID"
    assert (excinfo.value.offset, excinfo.value.start) == (3, 5)
    assert excinfo.value.headers == {}
    assert upload.offset == 3
    with pytest.raises(ChunkOutOfOrder) as excinfo:
        registry.finish_upload("app", upload.id, sha256(b"abc"), [], 0, 0, ME)
    assert excinfo.value.detail == {"reason": "chunk out of order", "offset": 3, "start": 0}
    assert upload.offset == 3


def test_short_chunk_rolls_back(registry: Registry) -> None:
    upload = registry.start_upload("app")
    registry.append_upload("app", upload.id, [b"abc"], None, None)
    with pytest.raises(RegistryError) as excinfo:
        registry.append_upload("app", upload.id, [b"de"], 3, 5)
    assert code_of(excinfo) == (400, "SIZE_INVALID")
    assert upload.offset == 3
    # the running hash was rolled back too: the upload still closes with the right digest
    registry.finish_upload("app", upload.id, sha256(b"abcxy"), [b"xy"], 3, 2, ME)
    assert bytes(registry.blob("app", sha256(b"abcxy"))) == b"abcxy"


def test_wrong_digest_on_finish_leaves_upload_as_it_was(
    registry: Registry, journal: Journal,
) -> None:
    upload = registry.start_upload("app")
    registry.append_upload("app", upload.id, [b"abc"], None, None)
    with pytest.raises(RegistryError) as excinfo:
        registry.finish_upload("app", upload.id, sha256(b"nope"), [b"def"], None, None, ME)
    assert code_of(excinfo) == (400, "DIGEST_INVALID")
    assert upload.offset == 3
    assert registry.repositories() == []
    assert len(journal) == 0
    registry.finish_upload("app", upload.id, sha256(b"abcdef"), [b"def"], None, None, ME)
    assert bytes(registry.blob("app", sha256(b"abcdef"))) == b"abcdef"


def test_finish_with_sha512(registry: Registry) -> None:
    upload = registry.start_upload("app")
    digest = digest_of(b"abc", "sha512")
    assert registry.finish_upload("app", upload.id, digest, [b"abc"], None, 3, ME) == digest
    assert bytes(registry.blob("app", digest)) == b"abc"


def test_upload_belongs_to_its_repository(registry: Registry) -> None:
    upload = registry.start_upload("app")
    with pytest.raises(RegistryError) as excinfo:
        registry.append_upload("other", upload.id, [b"x"], None, None)
    assert code_of(excinfo) == (404, "BLOB_UPLOAD_UNKNOWN")
    registry.cancel_upload("app", upload.id)
    with pytest.raises(RegistryError):
        registry.append_upload("app", upload.id, [b"x"], None, None)


def test_late_chunk_cannot_change_a_stored_blob(registry: Registry) -> None:
    """A PATCH racing the PUT that closes the session must not touch the stored blob.

    ``append_upload`` looks the session up, then waits for its lock; the PUT
    holds that lock while it stores the blob and closes the session. When the
    PATCH gets the lock afterwards it appends to a closed session, and since
    the store keeps the session's own bytearray as the blob's content, the
    stored blob no longer matches its digest.

    The interleaving is forced, not hoped for: the PUT's last chunk is produced
    only once the PATCH has looked the session up and is about to wait for the
    lock the PUT holds. If the PATCH never gets there, the test fails.
    """
    upload = registry.start_upload("app")
    registry.append_upload("app", upload.id, [b"abc"], None, None)
    real_lock = upload.lock
    patch_waits = threading.Event()
    late: list[BaseException] = []

    class Observed:
        """The session's lock, reporting the PATCH thread's attempt to take it."""

        def __enter__(self) -> None:
            if threading.current_thread() is racer:
                assert real_lock.locked(), "the PUT should hold the session lock"
                patch_waits.set()
            real_lock.acquire()

        def __exit__(self, *exc: object) -> None:
            real_lock.release()

    def patch() -> None:
        try:
            registry.append_upload("app", upload.id, [b"EVIL"], None, None)
        except BaseException as exc:  # the correct outcome: BLOB_UPLOAD_UNKNOWN
            late.append(exc)

    racer = threading.Thread(target=patch)

    def last_chunk() -> Any:
        # Runs inside finish_upload, which entered the real lock before asking for the
        # chunk; from here on the PATCH sees the observed lock (same underlying lock).
        upload.lock = Observed()  # type: ignore[assignment]
        racer.start()
        assert patch_waits.wait(5), "the PATCH never reached the session lock"
        yield b"def"

    digest = registry.finish_upload("app", upload.id, sha256(b"abcdef"), last_chunk(), None,
                                    None, ME)
    racer.join(5)
    assert not racer.is_alive()
    stored = bytes(registry.blob("app", digest))
    assert sha256(stored) == digest, f"stored blob became {stored!r}"
    assert patch_waits.is_set()
    assert len(late) == 1 and isinstance(late[0], RegistryError), late
    assert (late[0].status, late[0].code) == (404, "BLOB_UPLOAD_UNKNOWN")


# -- manifests and tags ----------------------------------------------------------------------


def test_push_manifest_needs_its_blobs(registry: Registry, journal: Journal) -> None:
    registry.push_blob("app", b"{}", None, ME)
    content = image(b"{}", (b"missing",))
    with pytest.raises(RegistryError) as excinfo:
        registry.push_manifest("app", "v1", content, OCI_MANIFEST, ME)
    assert code_of(excinfo) == (400, "MANIFEST_BLOB_UNKNOWN")
    assert excinfo.value.detail == {"digest": sha256(b"missing")}
    assert registry.tags("app") == ([], False)
    assert [c.operation for c in journal] == ["blob.push"]


def test_blob_in_another_repository_does_not_count(registry: Registry) -> None:
    seed_image(registry, "one")
    with pytest.raises(RegistryError) as excinfo:
        registry.push_manifest("two", "v1", image(b"{}", (b"layer",)), OCI_MANIFEST, ME)
    assert code_of(excinfo) == (400, "MANIFEST_BLOB_UNKNOWN")
    assert registry.repositories() == ["one"]


def test_push_manifest_journal_and_idempotence(registry: Registry, journal: Journal) -> None:
    content = seed_image(registry)
    digest = sha256(content)
    mark = journal.mark()
    pushed = registry.push_manifest("app", "v1", content, OCI_MANIFEST, ME)
    assert pushed.manifest.digest == digest and pushed.tag == "v1"
    assert journal.since(mark) == []  # same bytes, same tag: nothing changes
    registry.push_manifest("app", digest, content, OCI_MANIFEST, ME)
    assert journal.since(mark) == []
    assert registry.manifest("app", "v1") == registry.manifest("app", digest)


def test_tag_move_records_previous_digest(registry: Registry, journal: Journal) -> None:
    first = seed_image(registry, config=b"{}")
    second = seed_image(registry, config=b'{"a":1}', tag="v1")
    entries = journal.changes(operation="tag.set")
    assert [e.detail for e in entries] == [
        {"digest": sha256(first), "previous": None},
        {"digest": sha256(second), "previous": sha256(first)},
    ]
    assert registry.manifest("app", "v1").digest == sha256(second)
    assert registry.manifest("app", sha256(first)).content == first  # still there by digest


def test_push_by_digest_must_match(registry: Registry) -> None:
    content = seed_image(registry, tag=None)
    with pytest.raises(RegistryError) as excinfo:
        registry.push_manifest("app", sha256(b"other"), content, OCI_MANIFEST, ME)
    assert code_of(excinfo) == (400, "DIGEST_INVALID")
    with pytest.raises(RegistryError) as excinfo:
        registry.push_manifest("app", "sha256:short", content, OCI_MANIFEST, ME)
    assert code_of(excinfo) == (400, "DIGEST_INVALID")
    digest = digest_of(content, "sha512")
    assert registry.push_manifest("app", digest, content, OCI_MANIFEST, ME).manifest.digest \
        == digest


@pytest.mark.parametrize("tag", ["-x", ".x", "a" * 129, "a/b", "a b", "é"])
def test_invalid_tags(registry: Registry, tag: str) -> None:
    content = seed_image(registry, tag=None)
    with pytest.raises(RegistryError) as excinfo:
        registry.push_manifest("app", tag, content, OCI_MANIFEST, ME)
    assert code_of(excinfo) == (400, "TAG_INVALID")
    # Looking up (or deleting) by such a reference finds nothing: 404, not TAG_INVALID.
    with pytest.raises(RegistryError) as excinfo:
        registry.manifest("app", tag)
    assert code_of(excinfo) == (404, "MANIFEST_UNKNOWN")
    with pytest.raises(RegistryError) as excinfo:
        registry.delete_manifest("app", tag, ME)
    assert code_of(excinfo) == (404, "MANIFEST_UNKNOWN")


def test_valid_tag_edges(registry: Registry) -> None:
    content = seed_image(registry, tag=None)
    for tag in ["_", "a" * 128, "V1.2.3-rc_1", "0"]:
        registry.push_manifest("app", tag, content, OCI_MANIFEST, ME)
    assert registry.tags("app")[0] == sorted(["_", "a" * 128, "V1.2.3-rc_1", "0"])


def test_index_needs_its_children(registry: Registry) -> None:
    child = seed_image(registry, tag=None)
    orphan = image(b"not pushed")
    with pytest.raises(RegistryError) as excinfo:
        registry.push_manifest("app", "all", index(child, orphan), OCI_INDEX, ME)
    assert code_of(excinfo) == (400, "MANIFEST_BLOB_UNKNOWN")
    registry.push_manifest("app", "all", index(child), OCI_INDEX, ME)
    assert registry.manifest("app", "all").children == (sha256(child),)


def test_unknown_manifest(registry: Registry) -> None:
    with pytest.raises(RegistryError) as excinfo:
        registry.manifest("app", "v1")
    assert code_of(excinfo) == (404, "NAME_UNKNOWN")
    seed_image(registry)
    for reference in ["v2", sha256(b"nothing")]:
        with pytest.raises(RegistryError) as excinfo:
            registry.manifest("app", reference)
        assert code_of(excinfo) == (404, "MANIFEST_UNKNOWN")


def test_delete_by_tag_and_by_digest(registry: Registry, journal: Journal) -> None:
    content = seed_image(registry)
    digest = sha256(content)
    registry.push_manifest("app", "v2", content, OCI_MANIFEST, ME)
    registry.push_manifest("app", "v3", content, OCI_MANIFEST, ME)
    registry.delete_manifest("app", "v3", ME)
    assert registry.tags("app")[0] == ["v1", "v2"]
    assert registry.manifest("app", digest).content == content  # the manifest stays
    mark = journal.mark()
    registry.delete_manifest("app", digest, ME)
    assert registry.tags("app")[0] == []
    assert [(c.operation, c.detail) for c in journal.since(mark)] == [
        ("manifest.delete", {"tags": ["v1", "v2"]})]
    for reference in ["v1", digest]:
        with pytest.raises(RegistryError) as excinfo:
            registry.delete_manifest("app", reference, ME)
        assert code_of(excinfo) == (404, "MANIFEST_UNKNOWN")
    # garbage collection is not modelled: the blobs stay
    assert bytes(registry.blob("app", sha256(b"layer"))) == b"layer"


# -- policies --------------------------------------------------------------------------------


def test_immutable_tags_follow_ecr(registry: Registry, journal: Journal) -> None:
    registry.configure_repository("app", immutable_tags=True, deletion_enabled=True, actor=ME)
    assert [c.operation for c in journal] == ["repository.configure"]
    content = seed_image(registry)  # a new tag is fine
    other = seed_image(registry, config=b'{"b":2}', tag=None)
    mark = journal.mark()
    for again in (content, other):  # ECR refuses even the digest the tag already names
        with pytest.raises(RegistryError) as excinfo:
            registry.push_manifest("app", "v1", again, OCI_MANIFEST, ME)
        assert code_of(excinfo) == (400, "TAG_INVALID")
        assert "cannot be overwritten" in excinfo.value.message
    assert journal.since(mark) == []
    assert registry.manifest("app", "v1").digest == sha256(content)
    registry.push_manifest("app", "v2", other, OCI_MANIFEST, ME)  # new tags are accepted
    registry.push_manifest("app", sha256(other), other, OCI_MANIFEST, ME)  # so is by digest
    registry.delete_manifest("app", "v1", ME)  # deleting a tag is allowed
    registry.push_manifest("app", "v1", other, OCI_MANIFEST, ME)
    assert registry.manifest("app", "v1").digest == sha256(other)


def test_configure_repository_journals_only_changes(registry: Registry, journal: Journal) -> None:
    registry.configure_repository("app", immutable_tags=False, deletion_enabled=True, actor=ME)
    assert registry.repositories() == ["app"]
    assert len(journal) == 0  # the defaults: nothing changed
    registry.configure_repository("app", immutable_tags=False, deletion_enabled=False, actor=ME)
    registry.configure_repository("app", immutable_tags=False, deletion_enabled=False, actor=ME)
    assert [c.detail for c in journal] == [{"immutable_tags": False, "deletion_enabled": False}]


def test_deletion_disabled(registry: Registry, journal: Journal) -> None:
    content = seed_image(registry)
    registry.configure_repository("app", immutable_tags=False, deletion_enabled=False, actor=ME)
    mark = journal.mark()
    for call in (
        lambda: registry.delete_manifest("app", "v1", ME),
        lambda: registry.delete_manifest("app", sha256(content), ME),
        lambda: registry.delete_blob("app", sha256(b"layer"), ME),
    ):
        with pytest.raises(RegistryError) as excinfo:
            call()
        assert code_of(excinfo) == (405, "UNSUPPORTED")
    assert journal.since(mark) == []
    assert registry.tags("app")[0] == ["v1"]


# -- referrers -------------------------------------------------------------------------------


def _referrer(registry: Registry, subject: bytes, config: bytes, artifact_type: str | None,
              repo: str = "app") -> bytes:
    registry.push_blob(repo, config, None, ME)
    extra: dict[str, Any] = {"subject": descriptor(subject, OCI_MANIFEST),
                             "annotations": {"n": config.decode()}}
    if artifact_type is not None:
        extra["artifactType"] = artifact_type
    content = image(config, (), **extra)
    registry.push_manifest(repo, sha256(content), content, OCI_MANIFEST, ME)
    return content


def test_referrers_filter_and_order(registry: Registry) -> None:
    subject = seed_image(registry)
    pushed = [
        _referrer(registry, subject, f'{{"n":{i}}}'.encode(),
                  "application/sig" if i % 2 else "application/sbom")
        for i in range(6)
    ]
    _referrer(registry, image(b"unrelated"), b'{"n":"x"}', "application/sig")
    found = registry.referrers("app", sha256(subject), None)
    digests = [d.digest for d in found]
    assert sorted(digests) == digests  # digest order, not push order
    assert set(digests) == {sha256(p) for p in pushed}
    sigs = registry.referrers("app", sha256(subject), "application/sig")
    assert {d.digest for d in sigs} == {sha256(p) for p in pushed[1::2]}
    assert all(d.artifact_type == "application/sig" for d in sigs)
    assert sigs[0].annotations is not None and "n" in sigs[0].annotations
    assert registry.referrers("app", sha256(subject), "application/none") == []
    assert registry.referrers("app", sha256(b"no such subject"), None) == []


def test_referrers_artifact_type_falls_back_to_config_media_type(registry: Registry) -> None:
    subject = seed_image(registry)
    _referrer(registry, subject, b'{"c":1}', None)
    (found,) = registry.referrers("app", sha256(subject), CONFIG_TYPE)
    assert found.artifact_type == CONFIG_TYPE


def test_referrers_are_per_repository_and_check_input(registry: Registry) -> None:
    subject = seed_image(registry)
    _referrer(registry, subject, b'{"c":1}', "application/sig", repo="other")
    assert registry.referrers("app", sha256(subject), None) == []
    with pytest.raises(RegistryError) as excinfo:
        registry.referrers("app", "sha256:nope", None)
    assert code_of(excinfo) == (400, "DIGEST_INVALID")
    with pytest.raises(RegistryError) as excinfo:
        registry.referrers("missing", sha256(subject), None)
    assert code_of(excinfo) == (404, "NAME_UNKNOWN")


def test_deleted_referrer_disappears(registry: Registry) -> None:
    subject = seed_image(registry)
    ref = _referrer(registry, subject, b'{"c":1}', "application/sig")
    registry.delete_manifest("app", sha256(ref), ME)
    assert registry.referrers("app", sha256(subject), None) == []


# -- tag listing -----------------------------------------------------------------------------


def test_tags_pagination(registry: Registry) -> None:
    content = seed_image(registry, tag=None)
    names = ["b", "a", "C", "a1", "_x", "10", "9"]
    for tag in names:
        registry.push_manifest("app", tag, content, OCI_MANIFEST, ME)
    everything = sorted(names)
    assert registry.tags("app") == (everything, False)
    assert registry.tags("app", 3) == (everything[:3], True)
    assert registry.tags("app", 3, everything[2]) == (everything[3:6], True)
    assert registry.tags("app", 3, everything[5]) == (everything[6:], False)
    assert registry.tags("app", len(names)) == (everything, False)
    assert registry.tags("app", 0) == ([], True)
    assert registry.tags("app", None, "a") == ([t for t in everything if t > "a"], False)
    assert registry.tags("app", 5, "zzz") == ([], False)
    # walking the pages yields every tag once
    seen: list[str] = []
    last = None
    while True:
        page, more = registry.tags("app", 2, last)
        seen += page
        if not more:
            break
        last = page[-1]
    assert seen == everything


def test_tags_of_repository_without_tags(registry: Registry) -> None:
    registry.push_blob("app", b"x", None, ME)
    assert registry.tags("app") == ([], False)
    with pytest.raises(RegistryError) as excinfo:
        registry.tags("missing")
    assert code_of(excinfo) == (404, "NAME_UNKNOWN")


# -- snapshot and reset ----------------------------------------------------------------------


def test_snapshot_is_independent_of_later_writes(registry: Registry) -> None:
    first = seed_image(registry)
    view = registry.snapshot()
    second = seed_image(registry, config=b'{"x":1}', tag="v1")
    seed_image(registry, "other")
    registry.configure_repository("app", immutable_tags=True, deletion_enabled=True, actor=ME)
    registry.delete_blob("app", sha256(b"layer"), ME)
    assert view.repositories() == ["app"]
    assert view.manifest("app", "v1").digest == sha256(first)
    with pytest.raises(RegistryError):
        view.manifest("app", sha256(second))
    assert bytes(view.blob("app", sha256(b"layer"))) == b"layer"
    # and writes to the snapshot do not reach the original
    view.push_blob("app", b"only in view", None, ME)
    view.delete_manifest("app", "v1", ME)
    with pytest.raises(RegistryError):
        registry.blob("app", sha256(b"only in view"))
    assert registry.manifest("app", "v1").digest == sha256(second)
    assert registry.repositories() == ["app", "other"]


def test_snapshot_upload_sessions_are_independent(registry: Registry) -> None:
    """``snapshot()`` promises an independent copy; upload sessions are shared objects.

    Either copying the sessions or leaving them out of the snapshot is fine;
    writing through the snapshot must not move the original's upload.
    """
    upload = registry.start_upload("app")
    registry.append_upload("app", upload.id, [b"abc"], None, None)
    view = registry.snapshot()
    with contextlib.suppress(RegistryError):
        view.append_upload("app", upload.id, [b"zzz"], None, None)
    assert registry.upload("app", upload.id).offset == 3


def test_reset_empties_everything(registry: Registry) -> None:
    seed_image(registry)
    upload = registry.start_upload("app")
    registry.reset()
    assert registry.repositories() == []
    with pytest.raises(RegistryError):
        registry.upload("app", upload.id)
