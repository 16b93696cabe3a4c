"""Promote images from a staging repository into a production repository whose tags
are immutable, and record each promotion as an attestation: an OCI artifact whose
``subject`` is the promoted manifest, so ``GET /v2/<prod>/referrers/<digest>`` lists it.

The decisions are pure (:func:`plan`); :class:`Registry` is the edge, a few OCI
distribution calls through ``requests``; :func:`promote` joins them and is what a
release pipeline runs, as often as it likes: a second run changes nothing.

A production tag that already names another image is a conflict: immutable tags
cannot move, so the promoter reports it and leaves it alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY = b"{}"
#: The artifactType of a promotion record.
ATTESTATION = "application/vnd.example.promotion.v1+json"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# -- the decisions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """What one run does: tags to point at a digest, promotions to record, and the
    tags it must leave alone."""

    promote: list[tuple[str, str]] = field(default_factory=list)
    attest: list[str] = field(default_factory=list)  # digests, one record each
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # tag, have, want


def plan(desired: Mapping[str, str], promoted: Mapping[str, str],
         attested: Mapping[str, int]) -> Plan:
    """``desired``: production tag → staging digest; ``promoted``: production tag →
    digest now; ``attested``: digest → promotion records it has."""
    result = Plan()
    for tag, digest in sorted(desired.items()):
        have = promoted.get(tag)
        if have is not None and have != digest:
            result.conflicts.append((tag, have, digest))
            continue
        if have is None:
            result.promote.append((tag, digest))
        # One record per image, however many tags name it.
        if not attested.get(digest) and digest not in result.attest:
            result.attest.append(digest)
    return result


def attestation(digest: str, source: str) -> bytes:
    """The promotion record's content: the same promotion always gives the same bytes,
    so a retried push cannot make a second record."""
    return json.dumps({"promoted": digest, "from": source}, sort_keys=True).encode()


# -- the edge --------------------------------------------------------------------------

class RegistryError(Exception):
    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        try:
            self.codes = [e.get("code") for e in response.json().get("errors", [])]
        except ValueError:
            self.codes = []
        super().__init__(f"{response.request.method} {response.url}: {self.status} "
                         f"{','.join(map(str, self.codes))}")


class Registry:
    """The OCI distribution calls the promoter makes."""

    def __init__(self, url: str, session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.session = session or requests.Session()

    def _call(self, method: str, path: str, *, ok: tuple[int, ...] = (200,),
              **kwargs: object) -> requests.Response:
        response = self.session.request(method, f"{self.url}{path}", **kwargs)  # type: ignore[arg-type]
        if response.status_code not in ok:
            raise RegistryError(response)
        return response

    def tags(self, repository: str) -> dict[str, str]:
        """tag → manifest digest."""
        listed = self._call("GET", f"/v2/{repository}/tags/list", ok=(200, 404))
        if listed.status_code == 404:
            return {}
        return {tag: self.manifest(repository, tag)[1]
                for tag in listed.json().get("tags") or []}

    def manifest(self, repository: str, reference: str) -> tuple[bytes, str]:
        got = self._call("GET", f"/v2/{repository}/manifests/{reference}",
                         headers={"Accept": MANIFEST})
        return got.content, got.headers["Docker-Content-Digest"]

    def referrers(self, repository: str, digest: str) -> list[dict[str, object]]:
        listed = self._call("GET", f"/v2/{repository}/referrers/{digest}",
                            params={"artifactType": ATTESTATION})
        return list(listed.json().get("manifests") or [])

    def mount(self, repository: str, digest: str, source: str) -> None:
        """Make a blob of ``source`` known in ``repository``: mounted where the registry
        can (201), else copied through the upload session it opened (202)."""
        started = self._call("POST", f"/v2/{repository}/blobs/uploads/",
                             params={"mount": digest, "from": source}, ok=(201, 202))
        if started.status_code == 202:
            data = self._call("GET", f"/v2/{source}/blobs/{digest}").content
            self._finish(started, data)

    def push_blob(self, repository: str, data: bytes) -> None:
        """Upload ``data`` in one PUT: the upload every registry offers."""
        self._finish(self._call("POST", f"/v2/{repository}/blobs/uploads/", ok=(202,)), data)

    def _finish(self, started: requests.Response, data: bytes) -> None:
        location = started.headers["Location"]
        if location.startswith("/"):
            location = self.url + location
        closed = self.session.put(location, params={"digest": digest_of(data)}, data=data,
                                  headers={"Content-Type": "application/octet-stream"})
        if closed.status_code != 201:
            raise RegistryError(closed)

    def put_manifest(self, repository: str, reference: str, body: bytes) -> None:
        self._call("PUT", f"/v2/{repository}/manifests/{reference}", data=body,
                   headers={"Content-Type": MANIFEST}, ok=(201,))


# -- the reconciler --------------------------------------------------------------------

def promote(registry: Registry, desired: Mapping[str, str], *, source: str,
            target: str) -> Plan:
    """Bring ``target`` to ``desired`` (production tag → digest in ``source``); returns
    the plan it carried out, conflicts included."""
    promoted = registry.tags(target)
    wanted = set(desired.values())
    attested = {d: len(registry.referrers(target, d))
                for d in set(promoted.values()) & wanted}
    steps = plan(desired, promoted, attested)
    for tag, digest in steps.promote:
        _copy(registry, digest, tag, source=source, target=target, promoted=promoted)
    for digest in steps.attest:
        _attest(registry, target, digest, attestation(digest, source))
    return steps


def _copy(registry: Registry, digest: str, tag: str, *, source: str, target: str,
          promoted: Mapping[str, str]) -> None:
    body, _ = registry.manifest(source, digest)
    manifest = json.loads(body)
    for blob in [manifest["config"], *manifest.get("layers", [])]:
        registry.mount(target, blob["digest"], source)
    try:
        registry.put_manifest(target, tag, body)
    except RegistryError as refused:
        # An immutable tag refuses even the same manifest again: after a push whose
        # answer was lost, the tag is already there. That is success, not a conflict.
        if "TAG_INVALID" not in refused.codes or registry.tags(target).get(tag) != digest:
            raise


def _attest(registry: Registry, target: str, digest: str, record: bytes) -> None:
    subject, _ = registry.manifest(target, digest)
    registry.push_blob(target, EMPTY)
    registry.push_blob(target, record)
    manifest = _record_manifest(subject, digest, record)
    registry.put_manifest(target, digest_of(manifest), manifest)


def _record_manifest(subject: bytes, digest: str, record: bytes) -> bytes:
    return json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST, "artifactType": ATTESTATION,
        "config": {"mediaType": EMPTY_TYPE, "digest": digest_of(EMPTY), "size": len(EMPTY)},
        "layers": [{"mediaType": ATTESTATION, "digest": digest_of(record),
                    "size": len(record)}],
        "subject": {"mediaType": MANIFEST, "digest": digest, "size": len(subject)},
    }, sort_keys=True).encode()
