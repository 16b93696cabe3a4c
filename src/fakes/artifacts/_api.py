"""The wire adapter: OCI Distribution Spec v1.1 endpoints over the domain model.

Endpoint names follow the spec's table ("end-1" … "end-13"):
https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from fakes._adapter import Call, Route, WireAdapter, renders, route
from fakes._clock import EPOCH
from fakes._faults import ProviderFault, Throttle
from fakes._http import Request, Response
from fakes.artifacts._auth import TokenService
from fakes.artifacts._errors import CODES, ChunkOutOfOrder, fail
from fakes.artifacts._model import OCI_INDEX, Registry, Upload, check_name
from fakes.errors import ProviderError

DOCS = "verified-fakes docs/artifacts.md#not-modelled"
SERVICE = "verified-fakes"
API_VERSION = ("Docker-Distribution-API-Version", "registry/2.0")
_CONTENT_RANGE = re.compile(r"(?:bytes )?(\d+)-(\d+)(?:/(?:\d+|\*))?", re.ASCII)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)
_SEND_PIECE = 1 << 20

# The action each operation needs (token scopes, distribution's auth/token spec).
_ACTION = {"GET": "pull", "HEAD": "pull", "POST": "push", "PUT": "push", "PATCH": "push",
           "DELETE": "delete"}


def _media_types(request: Request) -> list[str]:
    values = request.headers.get_all("Accept") or []
    return [part.split(";")[0].strip() for v in values for part in str(v).split(",")]


class RegistryAdapter(WireAdapter[Registry]):
    def __init__(self, store: Registry, faults: Any, tokens: TokenService,
                 max_manifest_bytes: int) -> None:
        super().__init__(store, faults)
        self.tokens = tokens
        self.max_manifest_bytes = max_manifest_bytes

    # -- provider shapes ----------------------------------------------------------------------

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        entry: dict[str, Any] = {"code": error.code, "message": error.message}
        if error.detail is not None:
            entry["detail"] = error.detail
        response = Response.json(error.status, {"errors": [entry]},
                                 [API_VERSION, *error.headers.items()])
        return response

    @renders(Throttle)
    def throttle_response(self, request: Request, fault: Throttle) -> Response:
        raise fail("TOOMANYREQUESTS", headers={"Retry-After": str(fault.retry_after)})

    @renders(ProviderFault)
    def provider_fault(self, request: Request, fault: ProviderFault) -> Response:
        code = fault.code or "UNKNOWN"
        raise fail(code if code in CODES else "UNKNOWN", status=fault.status,
                   message=fault.message)

    def not_modelled(self, request: Request) -> ProviderError:
        return fail("UNSUPPORTED", status=501, message=(
            f"verified-fakes: {request.method} {request.path} is not modelled by the "
            f"artifact fake; see {DOCS}"),
            detail={"method": request.method, "path": request.path, "docs": DOCS})

    def too_large(self, request: Request, limit: int) -> ProviderError:
        return fail("SIZE_INVALID", {"limit": limit}, status=413,
                    message=f"manifest larger than {limit} bytes")

    def authorize(self, request: Request, route_: Route, params: Mapping[str, str]) -> str:
        if not self.tokens.enabled or route_.operation == "token.get":
            return "anonymous"
        name = params.get("name")
        if name is not None:
            check_name(name)  # before the name is echoed in a challenge header
        action = _ACTION[route_.method] if name is not None else None
        source = _mount_source(request) if route_.operation == "upload.start" else None
        try:
            return self.tokens.check(_bearer(request), name, action, source)
        except ProviderError as error:
            if error.code == "UNAUTHORIZED":
                challenge = f'Bearer realm="{request.base}/token",service="{SERVICE}"'
                if name is not None:
                    actions = "pull,push" if action == "push" else action
                    scope = f"repository:{name}:{actions}"
                    if source is not None:
                        # A mount also needs pull on its source, and the challenge says
                        # so, as CNCF distribution's does (registry/handlers/app.go).
                        scope += f" repository:{source}:pull"
                    challenge += f',scope="{scope}"'
                if error.detail and error.detail.get("insufficient_scope"):
                    challenge += ',error="insufficient_scope"'
                error.headers["WWW-Authenticate"] = challenge
            raise

    # -- end-1: API version check ---------------------------------------------------------------

    @route("GET", "/v2/", "base.check", access="none")
    def base(self, request: Request, call: Call) -> Response:
        return Response.json(200, {}, [API_VERSION])

    # -- token endpoint (distribution auth/token spec) -----------------------------------------

    @route("GET", "/token", "token.get", access="none")
    def token(self, request: Request, call: Call) -> Response:
        username = password = None
        header = request.header("Authorization") or ""
        if header[:6].lower() == "basic ":
            try:
                username, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:  # bad base64, or credentials that are not UTF-8
                raise fail("UNAUTHORIZED", message="malformed Basic credentials") from None
        token = self.tokens.issue(username, password, request.query.get("scope", []))
        issued = (EPOCH + timedelta(seconds=token.issued_at)).isoformat()
        return Response.json(200, {
            "token": token.value, "access_token": token.value,
            "expires_in": int(token.expires_at - token.issued_at), "issued_at": issued,
        })

    # -- end-2, end-10: blobs ------------------------------------------------------------------

    @route("GET", "/v2/{name:path}/blobs/{digest}", "blob.get")
    @route("HEAD", "/v2/{name:path}/blobs/{digest}", "blob.head")
    def get_blob(self, request: Request, call: Call) -> Response:
        digest = call.params["digest"]
        data = call.store.blob(call.params["name"], digest)
        size = len(data)
        headers = [API_VERSION, ("Docker-Content-Digest", digest), ("Accept-Ranges", "bytes"),
                   ("Content-Type", "application/octet-stream")]
        start, end, status = 0, size - 1, 200
        wanted = _RANGE.fullmatch(request.header("Range") or "")
        if wanted is not None and (wanted[1] or wanted[2]):
            # RFC 9110 §14.1.2: first-last, first-, or -suffix-length.
            if wanted[1]:
                start = _whole(wanted[1])
                end = min(_whole(wanted[2]), size - 1) if wanted[2] else size - 1
            else:
                start = max(size - _whole(wanted[2]), 0)
            if start >= size or start > end:
                raise fail("SIZE_INVALID", {"size": size}, status=416,
                           message="requested range not satisfiable",
                           headers={"Content-Range": f"bytes */{size}"})
            status = 206
            headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        headers.append(("Content-Length", str(end - start + 1)))
        if request.method == "HEAD":
            return Response(status, headers)
        return Response(status, headers, _pieces(memoryview(data)[start : end + 1]))

    @route("DELETE", "/v2/{name:path}/blobs/{digest}", "blob.delete")
    def delete_blob(self, request: Request, call: Call) -> Response:
        call.store.delete_blob(call.params["name"], call.params["digest"], call.actor)
        return Response(202, [API_VERSION, ("Content-Length", "0")])

    # -- end-4a, end-4b, end-11: starting uploads, monolithic pushes, mounts --------------------

    @route("POST", "/v2/{name:path}/blobs/uploads/", "upload.start")
    def start_upload(self, request: Request, call: Call) -> Response:
        name = call.params["name"]
        store = call.store
        mount, source = request.arg("mount"), request.arg("from")
        if mount is not None and source is not None:
            readable = not self.tokens.enabled or self.tokens.allows(
                _bearer(request), source, "pull")
            if readable and store.mount_blob(name, mount, source, call.actor):
                return _blob_created(request, name, mount)
            # distribution-spec v1.1 "Mounting a blob from another repository":
            # when it cannot mount, the registry falls back to an upload session.
        digest = request.arg("digest")
        if digest is not None:
            data = request.read_body()
            store.push_blob(name, data, digest, call.actor)
            return _blob_created(request, name, digest)
        upload = store.start_upload(name)
        return _upload_accepted(request, name, upload, 202)

    # -- end-5, end-6, end-13: chunks, closing, status, cancel ----------------------------------

    @route("PATCH", "/v2/{name:path}/blobs/uploads/{uuid}", "upload.chunk")
    def patch_upload(self, request: Request, call: Call) -> Response:
        name = call.params["name"]
        start, length = _chunk(request)
        with _range_not_satisfiable():
            upload = call.store.append_upload(
                name, call.params["uuid"], request.body.pieces(), start, length)
        return _upload_accepted(request, name, upload, 202)

    @route("PUT", "/v2/{name:path}/blobs/uploads/{uuid}", "upload.finish")
    def put_upload(self, request: Request, call: Call) -> Response:
        name = call.params["name"]
        digest = request.arg("digest")
        if digest is None:
            raise fail("DIGEST_INVALID", message="the digest query parameter is required")
        start, length = _chunk(request)
        with _range_not_satisfiable():
            call.store.finish_upload(name, call.params["uuid"], digest, request.body.pieces(),
                                     start, length, call.actor)
        return _blob_created(request, name, digest)

    @route("GET", "/v2/{name:path}/blobs/uploads/{uuid}", "upload.status")
    def upload_status(self, request: Request, call: Call) -> Response:
        upload = call.store.upload(call.params["name"], call.params["uuid"])
        return _upload_accepted(request, call.params["name"], upload, 204)

    @route("DELETE", "/v2/{name:path}/blobs/uploads/{uuid}", "upload.cancel")
    def cancel_upload(self, request: Request, call: Call) -> Response:
        call.store.cancel_upload(call.params["name"], call.params["uuid"])
        return Response(204, [API_VERSION])

    # -- end-3, end-7, end-9: manifests ---------------------------------------------------------

    @route("GET", "/v2/{name:path}/manifests/{reference}", "manifest.get")
    @route("HEAD", "/v2/{name:path}/manifests/{reference}", "manifest.head")
    def get_manifest(self, request: Request, call: Call) -> Response:
        reference = call.params["reference"]
        manifest = call.store.manifest(call.params["name"], reference)
        accepted = _media_types(request)
        if "*/*" not in accepted and manifest.media_type not in accepted:
            # A manifest is served only in a media type the client accepts
            # (distribution-spec v1.1 "Pulling manifests"; distribution 2.8
            # answers MANIFEST_UNKNOWN, by tag and by digest alike).
            raise fail("MANIFEST_UNKNOWN", {
                "reference": reference, "mediaType": manifest.media_type,
                "reason": "the Accept header does not include the manifest's media type",
            })
        headers = [API_VERSION, ("Content-Type", manifest.media_type),
                   ("Docker-Content-Digest", manifest.digest),
                   ("Content-Length", str(len(manifest.content)))]
        if request.method == "HEAD":
            return Response(200, headers)
        return Response(200, headers, manifest.content)

    @route("PUT", "/v2/{name:path}/manifests/{reference}", "manifest.put")
    def put_manifest(self, request: Request, call: Call) -> Response:
        name = call.params["name"]
        content = request.read_body(self.max_manifest_bytes)
        content_type = (request.header("Content-Type") or "").split(";")[0].strip()
        pushed = call.store.push_manifest(
            name, call.params["reference"], content, content_type, call.actor)
        digest = pushed.manifest.digest
        headers = [API_VERSION, ("Location", f"{request.base}/v2/{name}/manifests/{digest}"),
                   ("Docker-Content-Digest", digest), ("Content-Length", "0")]
        if pushed.manifest.subject is not None:
            headers.append(("OCI-Subject", pushed.manifest.subject))
        return Response(201, headers)

    @route("DELETE", "/v2/{name:path}/manifests/{reference}", "manifest.delete")
    def delete_manifest(self, request: Request, call: Call) -> Response:
        call.store.delete_manifest(call.params["name"], call.params["reference"], call.actor)
        return Response(202, [API_VERSION, ("Content-Length", "0")])

    # -- end-8a, end-8b: tags -------------------------------------------------------------------

    @route("GET", "/v2/{name:path}/tags/list", "tags.list")
    def list_tags(self, request: Request, call: Call) -> Response:
        name = call.params["name"]
        raw_n, last = request.arg("n"), request.arg("last")
        n = None
        if raw_n is not None:
            if not (raw_n.isascii() and raw_n.isdigit()):
                raise fail("PAGINATION_NUMBER_INVALID", {"n": raw_n})
            n = _whole(raw_n)
        tags, more = call.store.tags(name, n, last)
        headers = [API_VERSION]
        if more and tags:
            headers.append(("Link", f'<{request.base}/v2/{name}/tags/list?n={n}'
                                    f'&last={tags[-1]}>; rel="next"'))
        return Response.json(200, {"name": name, "tags": tags}, headers)

    # -- end-12a, end-12b: referrers ------------------------------------------------------------

    @route("GET", "/v2/{name:path}/referrers/{digest}", "referrers.list")
    def referrers(self, request: Request, call: Call) -> Response:
        artifact_type = request.arg("artifactType")
        found = call.store.referrers(call.params["name"], call.params["digest"], artifact_type)
        headers = [API_VERSION]
        if artifact_type is not None:
            headers.append(("OCI-Filters-Applied", "artifactType"))
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
                 "manifests": [d.to_json() for d in found]}
        return Response.json(200, index, headers, content_type=OCI_INDEX)


def _mount_source(request: Request) -> str | None:
    """The ``from`` repository of a cross-repository mount; None when the request is no
    mount, or ``from`` is no repository name (then nothing can be mounted from it, and
    it is never echoed in a challenge header)."""
    source = request.arg("from")
    if request.arg("mount") is None or source is None:
        return None
    try:
        check_name(source)
    except ProviderError:
        return None
    return source


# More than any blob or count the fake can hold; longer numbers read as this.
_HUGE = 10**18


def _whole(digits: str) -> int:
    """A run of ASCII digits as a number, without Python's limit on converting
    very long ones: a number of more than 18 digits is larger than anything
    stored, and reads as such (a range beyond the blob, "all the tags")."""
    return int(digits) if len(digits) <= 18 else _HUGE


def _bearer(request: Request) -> str | None:
    header = request.header("Authorization") or ""
    return header[7:] if header[:7].lower() == "bearer " else None


def _pieces(view: memoryview) -> Iterator[bytes]:
    for offset in range(0, len(view), _SEND_PIECE):
        yield view[offset : offset + _SEND_PIECE]  # type: ignore[misc]


def _chunk(request: Request) -> tuple[int | None, int | None]:
    """(first byte, length) from Content-Range and Content-Length, where given."""
    raw_length = request.header("Content-Length")
    length = _whole(raw_length) if raw_length is not None else None
    header = request.header("Content-Range")
    if header is None:
        return None, length
    m = _CONTENT_RANGE.fullmatch(header.strip())
    if m is None:
        raise fail("BLOB_UPLOAD_INVALID", {"Content-Range": header}, status=416)
    start, end = _whole(m[1]), _whole(m[2])
    if end < start or (length is not None and end - start + 1 != length):
        raise fail("BLOB_UPLOAD_INVALID", {"Content-Range": header, "Content-Length": length},
                   status=416)
    return start, end - start + 1


@contextlib.contextmanager
def _range_not_satisfiable() -> Iterator[None]:
    """A chunk out of order answers 416 with the Range the upload has received
    (distribution-spec v1.1 "Pushing a blob in chunks")."""
    try:
        yield
    except ChunkOutOfOrder as error:
        raise fail("BLOB_UPLOAD_INVALID", error.detail, status=416,
                   headers={"Range": upload_range(error.offset)}) from None


def upload_range(offset: int) -> str:
    """The ``Range`` header of an upload: the inclusive end of what was received."""
    return f"0-{max(offset - 1, 0)}"


def _blob_created(request: Request, name: str, digest: str) -> Response:
    return Response(201, [API_VERSION, ("Location", f"{request.base}/v2/{name}/blobs/{digest}"),
                          ("Docker-Content-Digest", digest), ("Content-Length", "0")])


def _upload_accepted(request: Request, name: str, upload: Upload, status: int) -> Response:
    headers = [
        API_VERSION,
        ("Location", f"{request.base}/v2/{name}/blobs/uploads/{upload.id}"),
        ("Range", upload_range(upload.offset)),
        ("Docker-Upload-UUID", upload.id),
    ]
    if status != 204:  # RFC 9110 §8.6: no Content-Length on a 204
        headers.append(("Content-Length", "0"))
    return Response(status, headers)
