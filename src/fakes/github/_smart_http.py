"""git over smart HTTP, on the same origin and the same repositories as the REST API.

The protocol is git's (https://git-scm.com/docs/gitprotocol-http,
https://git-scm.com/docs/gitprotocol-pack): ``GET /<owner>/<repo>[.git]/info/refs
?service=git-upload-pack|git-receive-pack`` advertises the refs, ``POST …/git-upload-pack``
answers a fetch with a pack (dulwich's upload-pack: side-band-64k progress, shallow,
filters) streamed while it is written, ``POST …/git-receive-pack`` takes a push (the
rules are in ``_receive``). Protocol v2 is not offered: git asks for it with
``Git-Protocol: version=2`` and, answered in v0 as by a server without v2, uses v0.

Auth is GitHub's over HTTPS
(https://docs.github.com/get-started/git-basics/about-remote-repositories#cloning-with-https-urls):
Basic with any user name and a token as the password. Without credentials a public
repository can be cloned; anything else is 401 with ``WWW-Authenticate: Basic
realm="GitHub"`` so that git asks for them. Error bodies are plain text, which git
prints as ``remote:`` lines.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import queue
import re
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from io import BytesIO
from typing import Any

from dulwich.errors import GitProtocolError, HangupException
from dulwich.objects import ShaFile, sha_to_hex
from dulwich.pack import PackData, PackInflater, UnpackedObject
from dulwich.protocol import (
    CAPABILITY_FILTER,
    SIDE_BAND_CHANNEL_DATA,
    SIDE_BAND_CHANNEL_PROGRESS,
    Protocol,
    capability_agent,
    extract_capabilities,
    format_ref_line,
    pkt_line,
)
from dulwich.repo import MemoryRepo
from dulwich.server import Backend, UploadPackHandler

from fakes._adapter import Call, Route, WireAdapter, renders, route
from fakes._faults import Faults, ProviderFault, Throttle
from fakes._http import BodyTooLarge, Request, Response
from fakes.errors import ProviderError
from fakes.github import _protocol_v2
from fakes.github._auth import Principal
from fakes.github._errors import GitHubError
from fakes.github._model import GitHubState, Repository
from fakes.github._pull_refs import pull_heads
from fakes.github._receive import ZERO, Command, Overlay, RefResult, apply_push, shared
from fakes.github._settings import ARCHIVED, RepositoryMoved

__all__ = ["SmartHttpAdapter"]

REALM = 'Basic realm="GitHub"'
#: GitHub's answers over HTTPS, as git shows them (``remote: …``).
BAD_CREDENTIALS = ("Invalid username or token. Password authentication is not supported "
                   "for Git operations.")
NOT_FOUND = "Repository not found."
#: A push to an archived repository (as its users report it:
#: github.com/nextcloud/docker-ci/pull/859).
ARCHIVED_PUSH = "This repository was archived so it is read-only."
WRITE_NOT_GRANTED = "Write access to repository not granted."
#: Bodies past this are refused (413) before anything is unpacked.
MAX_BODY = 2 * 1024 * 1024 * 1024
_PIECE = 64 * 1024
#: A pushed pack is spooled in memory up to this size, then to a temporary file.
_SPOOL = 16 * 1024 * 1024
_RECEIVE_CAPABILITIES = (b"report-status", b"delete-refs", b"side-band-64k", b"quiet",
                         b"atomic", b"ofs-delta")


class _Refused(ProviderError):
    """A refusal with GitHub's plain-text body (and a challenge for 401)."""

    def __init__(self, status: int, message: str) -> None:
        headers = {"WWW-Authenticate": REALM} if status == 401 else None
        super().__init__(message, status=status, headers=headers)


def _repo_name(name: str) -> str:
    return name.removesuffix(".git")


def _service_operation(request: Request) -> str:
    return f"smart-http/info-refs/{request.arg('service') or ''}"


class _Backend(Backend):
    """dulwich's view of one repository, for its upload-pack."""

    def __init__(self, repo: Any) -> None:
        self.repo = repo

    def open_repository(self, path: str) -> Any:
        return self.repo


def _backend(repo: Any) -> Backend:
    return _Backend(repo)


class _UploadPack(UploadPackHandler):
    """dulwich's upload-pack without ``filter``: a partial clone fetches missing blobs
    later by id, which needs ``allow-reachable-sha1-in-want`` that dulwich does not serve;
    without the capability git falls back to a full clone, as with any server that lacks
    it (gitprotocol-capabilities, "filter")."""

    def capabilities(self) -> list[bytes]:
        return [c for c in super().capabilities() if c != CAPABILITY_FILTER]

    @classmethod
    def required_capabilities(cls) -> tuple[bytes, ...]:
        # git's upload-pack requires none: a client without side-band gets the bare pack.
        return ()

    def set_client_capabilities(self, caps: Iterable[bytes]) -> None:
        # git names ``filter`` in its first want even when the server did not offer it
        # (and sends no filter line); git's own upload-pack lets that pass.
        super().set_client_capabilities([c for c in caps if c != CAPABILITY_FILTER])


class _Abandoned(Exception):
    """The client went away: the producing thread stops writing."""


def _streamed(produce: Callable[[Callable[[bytes], object]], None]) -> Iterator[bytes]:
    """What ``produce`` writes, yielded as it is written (a bounded queue between a
    producing thread and the response), so a pack is never held whole."""
    pieces: queue.Queue[object] = queue.Queue(maxsize=8)
    stop = threading.Event()
    done = object()
    buffer = bytearray()

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                pieces.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Abandoned()

    def write(data: bytes) -> object:
        buffer.extend(data)
        if len(buffer) >= _PIECE:
            put(bytes(buffer))
            buffer.clear()
        return None

    def run() -> None:
        try:
            produce(write)
            if buffer:
                put(bytes(buffer))
            put(done)
        except _Abandoned:
            pass
        except BaseException as exc:  # handed to the response: an ERR packet
            with contextlib.suppress(_Abandoned):
                put(exc)

    worker = threading.Thread(target=run, name="vf-upload-pack", daemon=True)
    worker.start()
    try:
        while True:
            item = pieces.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()


def _err_packet(exc: BaseException) -> bytes:
    """gitprotocol-pack: an ``ERR`` packet ends the exchange with a message."""
    return pkt_line(f"ERR {exc}".encode())


class SmartHttpAdapter(WireAdapter[GitHubState]):
    """git's smart HTTP over the fake's repositories, mounted beside the REST API."""

    def __init__(self, store: GitHubState, faults: Faults,
                 on_landing: Callable[[Request], None] | None = None) -> None:
        super().__init__(store, faults)
        # What reacts to commits landing on a branch (simulated CI, webhooks), told after
        # each push that moved a ref.
        self.on_landing = on_landing

    # -- provider shapes ----------------------------------------------------------------

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        return Response(error.status, [("Content-Type", "text/plain; charset=utf-8"),
                                       *error.headers.items()],
                        (error.message.rstrip("\n") + "\n").encode())

    def not_modelled(self, request: Request) -> ProviderError:
        return _Refused(404, "Not Found")

    def too_large(self, request: Request, limit: int) -> ProviderError:
        return _Refused(413, f"Request body is larger than {limit} bytes")

    @renders(Throttle)
    def throttle_response(self, request: Request, fault: Throttle) -> Response:
        raise ProviderError("You have exceeded a secondary rate limit.", status=429,
                            headers={"Retry-After": str(fault.retry_after)})

    @renders(ProviderFault)
    def provider_fault(self, request: Request, fault: ProviderFault) -> Response:
        raise ProviderError(fault.message or "Server Error", status=fault.status)

    # -- who is asking ------------------------------------------------------------------

    def _principal(self, request: Request) -> Principal:
        """Basic auth: any user name (``x-access-token`` for App tokens), the token as the
        password; ``Bearer``/``token`` as the REST API takes them."""
        header = request.header("Authorization")
        if header is None:
            return Principal()
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                value = base64.b64decode(value, validate=True).decode().partition(":")[2]
            except (ValueError, binascii.Error):
                value = ""
        elif scheme.lower() not in ("token", "bearer"):
            value = ""
        token = self.store.tokens.get(value)
        if token is None:
            raise _Refused(401, BAD_CREDENTIALS)
        return Principal(token)

    def authorize(self, request: Request, route_: Route, params: Mapping[str, str]) -> str:
        return self._principal(request).login or "anonymous"

    def _repository(self, request: Request, call: Call, write: bool) -> Repository:
        """The repository, if the requester may read it (and write it for a push)."""
        principal = self._principal(request)
        owner, name = call.params["owner"], _repo_name(call.params["repo"])
        state: GitHubState = call.store
        anonymous = principal.token is None
        try:
            repo = state.repository(principal, owner, name)
        except RepositoryMoved as moved:
            raise self._moved(request, call, moved) from None
        except GitHubError:
            # git asks for credentials only when challenged; a signed-in stranger is told
            # the repository is not there.
            raise _Refused(401, "Authentication required") if anonymous \
                else _Refused(404, NOT_FOUND) from None
        if write:
            if anonymous:
                raise _Refused(401, "Authentication required")
            try:
                state.repository(principal, owner, name, "write", "contents")
            except GitHubError as error:
                token = principal.token
                assert token is not None
                if error.message == ARCHIVED:
                    raise _Refused(403, ARCHIVED_PUSH) from None
                if token.fine_grained and error.status == 403:
                    raise _Refused(403, WRITE_NOT_GRANTED) from None
                raise _Refused(403, f"Permission to {repo.full_name}.git denied to "
                                    f"{token.login}.") from None
        return repo

    def _moved(self, request: Request, call: Call, moved: RepositoryMoved) -> ProviderError:
        """A renamed repository's old URL redirects to the new one (git follows the
        redirect of its first request and goes on at the new URL)."""
        repo = self.store.repository_by_id(moved.repository_id)
        assert repo is not None
        old = f"/{call.params['owner']}/{call.params['repo']}"
        suffix = ".git" if call.params["repo"].endswith(".git") else ""
        location = request.origin + f"/{repo.full_name}{suffix}" + \
            request.target[len(old):]
        return ProviderError("Moved Permanently", status=301, headers={"Location": location})

    def _as_of_now(self, repo: Repository) -> MemoryRepo:
        """The repository for a fetch: its refs copied under the store's lock, over its
        object store (objects are only ever added), so a push landing while a pack is
        written changes neither the refs the fetch sees nor the pack. The pull requests'
        ``refs/pull/<n>/head`` are among them (fetches see them, pushes do not)."""
        view = MemoryRepo()
        live: Any = repo.git.repo
        refs: Any = view.refs
        with self.store.lock:
            view.object_store = live.object_store
            refs._refs = dict(live.refs._refs)
            refs._peeled = dict(live.refs._peeled)
            refs._refs.update({name.encode(): sha.encode()
                               for name, sha in pull_heads(repo).items()})
        return view

    # -- ref discovery ---------------------------------------------------------------------

    @route("GET", "/{owner}/{repo}/info/refs", _service_operation,
           query={"service": "git-upload-pack"})
    @route("GET", "/{owner}/{repo}/info/refs", _service_operation,
           query={"service": "git-receive-pack"})
    def info_refs(self, request: Request, call: Call) -> Response:
        """gitprotocol-http, "Smart Clients": ``# service=…``, a flush, the refs."""
        service = request.arg("service") or ""
        repo = self._repository(request, call, service == "git-receive-pack")
        out = BytesIO()
        proto = Protocol(BytesIO().read, out.write)
        if service == "git-upload-pack" and _wants_v2(request):
            # gitprotocol-v2: the capability advertisement instead of the refs, without the
            # "# service=" header (as git http-backend answers it).
            _protocol_v2.advertise(out.write)
        else:
            proto.write_pkt_line(f"# service={service}\n".encode())
            proto.write_pkt_line(None)
            if service == "git-upload-pack":
                _UploadPack(_backend(self._as_of_now(repo)), ["/"], proto, stateless_rpc=True,
                            advertise_refs=True).handle()
            else:
                self._advertise_receive(repo, proto)
        return Response(200, [("Content-Type", f"application/x-{service}-advertisement"),
                              ("Cache-Control", "no-cache, max-age=0, must-revalidate")],
                        out.getvalue())

    def _advertise_receive(self, repo: Repository, proto: Protocol) -> None:
        with self.store.lock:
            refs = sorted(repo.git.refs().items())
        capabilities = [*_RECEIVE_CAPABILITIES, b"object-format=sha1", capability_agent()]
        if not refs:
            refs = [("capabilities^{}", ZERO)]
        for i, (name, sha) in enumerate(refs):
            proto.write_pkt_line(format_ref_line(name.encode(), sha.encode(),
                                                 capabilities if i == 0 else None))
        proto.write_pkt_line(None)

    # -- fetch ---------------------------------------------------------------------------

    @route("POST", "/{owner}/{repo}/git-upload-pack", "smart-http/upload-pack", access="read")
    def upload_pack(self, request: Request, call: Call) -> Response:
        repo = self._repository(request, call, False)
        body = _body(request)
        git = self._as_of_now(repo)
        headers = [("Content-Type", "application/x-git-upload-pack-result"),
                   ("Cache-Control", "no-cache, max-age=0, must-revalidate")]

        if _wants_v2(request):
            return Response(200, headers, _streamed(
                lambda write: _protocol_v2.serve(git, body, write)), stream_error=_err_packet)

        _keep_wants(git, body)

        def produce(write: Callable[[bytes], object]) -> None:
            proto = Protocol(BytesIO(body).read, write)  # type: ignore[arg-type]
            _UploadPack(_backend(git), ["/"], proto, stateless_rpc=True).handle()

        return Response(200, headers, _streamed(produce), stream_error=_err_packet)

    # -- push ----------------------------------------------------------------------------

    @route("POST", "/{owner}/{repo}/git-receive-pack", "smart-http/receive-pack")
    def receive_pack(self, request: Request, call: Call) -> Response:
        repo = self._repository(request, call, True)
        read = _body_reader(request)
        out = BytesIO()
        reply = Protocol(BytesIO().read, out.write)
        headers = [("Content-Type", "application/x-git-receive-pack-result"),
                   ("Cache-Control", "no-cache, max-age=0, must-revalidate")]
        try:
            commands, capabilities = _read_commands(read)
        except (GitProtocolError, HangupException, ValueError) as exc:
            return Response(200, headers, _err_packet(GitProtocolError(
                f"protocol error: {exc}")))
        if not commands:
            return Response(200, headers, b"")
        objects = Overlay(repo.git.repo.object_store)
        unpack = "ok"
        if any(c.new != ZERO for c in commands):
            unpack = _unpack(objects, read)
        if unpack == "ok":
            results = apply_push(call.store, repo, objects, commands, call.actor,
                                 b"atomic" in capabilities)
            if self.on_landing is not None:
                self.on_landing(request)
        else:
            results = [RefResult(c.ref, "unpacker error") for c in commands]
        _report(reply, unpack, results, b"side-band-64k" in capabilities,
                b"report-status" in capabilities)
        return Response(200, headers, out.getvalue())


_WANT = re.compile(rb"^[0-9a-f]{4}want ([0-9a-f]{40})", re.M)


def _keep_wants(view: MemoryRepo, body: bytes) -> None:
    """A stateless fetch names what an earlier request advertised, and a push may have
    moved that ref since; git's upload-pack then still serves an object reachable from
    the refs (upload-pack.c, check_non_tip), while dulwich accepts only current tips. So
    each wanted object the store holds becomes a hidden ref of this request's view
    (never advertised): wider than reachability, as the v2 fetch is."""
    data = shared(view.object_store)
    tips = set(view.refs.as_dict().values())
    for sha in {m.group(1) for m in _WANT.finditer(body)}:
        if sha not in tips and sha in data:
            view.refs[b"refs/verified-fakes/want/" + sha] = sha  # type: ignore[index,assignment]


def _wants_v2(request: Request) -> bool:
    """``Git-Protocol: version=2`` (colon-separated parameters, gitprotocol-http)."""
    return "version=2" in (request.header("Git-Protocol") or "").split(":")


def _body(request: Request) -> bytes:
    """The request body, gunzipped when git sent it with ``Content-Encoding: gzip``."""
    raw = request.read_body(MAX_BODY)
    if (request.header("Content-Encoding") or "").strip().lower() in ("gzip", "x-gzip"):
        try:
            return zlib.decompress(raw, wbits=31)
        except zlib.error as exc:
            raise _Refused(400, f"bad gzip body: {exc}") from None
    return raw


def _body_reader(request: Request) -> Callable[[int], bytes]:
    """A push's body as it arrives (a gzip body, whole and gunzipped), so that a large
    pack is never held twice."""
    if (request.header("Content-Encoding") or "").strip().lower() in ("gzip", "x-gzip"):
        return BytesIO(_body(request)).read
    return request.body.read


def _read_commands(read: Callable[[int], bytes]) -> tuple[list[Command], list[bytes]]:
    """The update commands (gitprotocol-pack, "Reference Update Request") and the
    client's capabilities; ``read`` is left at what follows the flush (the pack)."""
    proto = Protocol(read, lambda data: None)
    commands: list[Command] = []
    capabilities: list[bytes] = []
    first = True
    while True:
        line = proto.read_pkt_line()
        if line is None:
            break
        if line.startswith(b"shallow "):
            continue  # a shallow clone's boundary comes before the first command
        if first:
            line, capabilities = extract_capabilities(line)
            first = False
        parts = line.rstrip(b"\n").split(b" ")
        if len(parts) != 3 or any(len(p) != 40 for p in parts[:2]):
            raise GitProtocolError(f"bad ref update {line!r}")
        old, new = (p.decode("ascii").lower() for p in parts[:2])
        int(old, 16), int(new, 16)  # ValueError: not hex
        commands.append(Command(old, new, parts[2].decode("utf-8", "replace")))
    return commands, capabilities


class _Inflater(PackInflater):
    """dulwich's inflater, giving each object the id it has computed already (the id
    would be computed again from the object's serialization)."""

    def _result(self, unpacked: UnpackedObject) -> ShaFile:
        assert unpacked.obj_type_num is not None and unpacked.obj_chunks is not None
        return ShaFile.from_raw_chunks(unpacked.obj_type_num, unpacked.obj_chunks,
                                       sha_to_hex(unpacked.sha()),
                                       object_format=self._object_format)


def _unpack(objects: Overlay, read: Callable[[int], bytes]) -> str:
    """``ok``, or the reason the pack could not be unpacked (report-status's unpack).

    The pack is spooled as it arrives (to disk past a size), its checksum checked over
    the bytes, then dulwich's inflater resolves the deltas against the pack and, for a
    thin pack, the repository (``add_thin_pack`` would also inflate every object one
    more time to check it)."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL, prefix="vf-push-") as spool:
        size = 0
        while piece := read(_PIECE):
            size += len(piece)
            if size > MAX_BODY:
                raise BodyTooLarge(MAX_BODY)
            spool.write(piece)
        spool.seek(0)
        try:
            data = PackData.from_file(spool, objects.object_format, size)
            data.check()
            for found in _Inflater.for_pack_data(data, objects.get_raw):
                objects.add_object(found)
        except Exception as exc:  # a truncated or corrupt pack: nothing was added
            return str(exc).replace("\n", " ") or type(exc).__name__
    return "ok"


def _report(proto: Protocol, unpack: str, results: list[RefResult], side_band: bool,
            report_status: bool) -> None:
    """report-status (gitprotocol-pack), inside side-band channel 1 when asked, with the
    remote messages on channel 2 before it."""
    lines = [f"unpack {unpack}\n".encode()]
    for result in results:
        lines.append(f"ok {result.ref}\n".encode() if result.error is None
                     else f"ng {result.ref} {result.error}\n".encode())
    messages = [m for r in results for m in r.messages]
    if side_band:
        for message in messages:
            proto.write_sideband(SIDE_BAND_CHANNEL_PROGRESS, (message + "\n").encode())
        if report_status:
            report = b"".join(pkt_line(line) for line in lines) + pkt_line(None)
            proto.write_sideband(SIDE_BAND_CHANNEL_DATA, report)
        proto.write_pkt_line(None)
    elif report_status:
        for line in lines:
            proto.write_pkt_line(line)
        proto.write_pkt_line(None)
