"""HTTP/1.1 on the wire: request framing (RFC 9112), limits, Host, keep-alive and
friends, checked with raw sockets so that nothing smooths over what the server sends."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from fakes._http import Headers, Request, Response
from fakes._server import DRAIN_LIMIT, LoopbackServer


@attrs.define
class Reply:
    version: bytes
    status: int
    fields: list[tuple[str, str]]
    body: bytes
    chunks: list[bytes] | None = None  # for a chunked body: the chunks, in order

    def header(self, name: str) -> str | None:
        for field, value in self.fields:
            if field == name.lower():
                return value
        return None


class Wire:
    """A raw client connection: send bytes, read responses exactly as sent."""

    def __init__(self, port: int, timeout: float = 5) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self, head_only: bool = False) -> Reply:
        f = self.file
        line = f.readline(70000)
        if not line:
            raise EOFError("the server closed the connection")
        version, status, _ = line.split(b" ", 2)
        fields = []
        while (field := f.readline(70000)) not in (b"\r\n", b""):
            name, _, value = field.decode("latin-1").partition(":")
            fields.append((name.strip().lower(), value.strip()))
        reply = Reply(version, int(status), fields, b"")
        code = reply.status
        if head_only or code in (204, 304) or 100 <= code < 200:
            return reply
        if reply.header("transfer-encoding") == "chunked":
            reply.chunks = []
            while True:
                size = int(f.readline(100).split(b";")[0], 16)
                if size == 0:
                    while f.readline(70000) not in (b"\r\n", b""):
                        pass
                    break
                reply.chunks.append(f.read(size))
                assert f.read(2) == b"\r\n", "chunk data not followed by CRLF"
            reply.body = b"".join(reply.chunks)
        elif (length := reply.header("content-length")) is not None:
            reply.body = f.read(int(length))
        else:
            reply.body = f.read()
        return reply

    def closed(self) -> bool:
        """True if the server closed the connection (EOF or reset) without sending more."""
        try:
            return self.file.read(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Recorder:
    """Echoes the request body and keeps a log of the requests it served."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bytes]] = []

    def __call__(self, request: Request) -> Response:
        body = request.read_body()
        self.seen.append((request.method, request.target, body))
        return Response(200, [("X-Origin", request.origin)], body)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder: Recorder) -> Iterator[LoopbackServer]:
    with LoopbackServer(recorder) as server:
        yield server


def refused(server: LoopbackServer, data: bytes) -> Reply:
    """Send ``data``; expect one answer, then the connection closed."""
    with Wire(server.port) as wire:
        wire.send(data)
        reply = wire.reply()
        assert reply.header("connection") == "close"
        assert wire.closed()
    return reply


HIDDEN = b"DELETE /secret HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"


# -- Content-Length ---------------------------------------------------------------------------


def test_conflicting_content_lengths_are_refused(server: LoopbackServer,
                                                 recorder: Recorder) -> None:
    reply = refused(server, b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                            b"Content-Length: 58\r\n\r\n" + HIDDEN)
    assert reply.status == 400
    assert recorder.seen == []


def test_conflicting_content_length_list_is_refused(server: LoopbackServer,
                                                    recorder: Recorder) -> None:
    reply = refused(server, b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 58\r\n\r\n"
                    + HIDDEN)
    assert reply.status == 400
    assert recorder.seen == []


def test_identical_content_lengths_are_one(server: LoopbackServer, recorder: Recorder) -> None:
    with Wire(server.port) as wire:
        wire.send(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n"
                  b"\r\nabc")
        assert wire.reply().body == b"abc"
    assert recorder.seen == [("POST", "/a", b"abc")]


@pytest.mark.parametrize("value", [
    b"+5", b"-5", b"0_5", b"5 5", b"5\x0b", b"0x5", b"5.0", b"5e0", b"five", b"",
    "\uff15".encode(),  # FULLWIDTH DIGIT FIVE, which int() would accept
    "\u0665".encode(),  # ARABIC-INDIC DIGIT FIVE
    b"5" * 21, b"1" * 4301, b"9" * 5000,
])
def test_content_length_must_be_digits(server: LoopbackServer, recorder: Recorder,
                                       value: bytes) -> None:
    reply = refused(server, b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: " + value
                    + b"\r\n\r\nhello")
    assert reply.status == 400
    assert recorder.seen == []


def test_content_length_may_carry_surrounding_whitespace(server: LoopbackServer) -> None:
    # OWS around a field value is not part of it (RFC 9112 section 5)
    with Wire(server.port) as wire:
        wire.send(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length:  5 \r\n\r\nhello")
        assert wire.reply().body == b"hello"


def test_huge_content_length_is_read_lazily() -> None:
    def first_five(request: Request) -> Response:
        return Response(200, [], request.body.read(5))

    with LoopbackServer(first_five) as server, Wire(server.port) as wire:
        tracemalloc.start()
        try:
            began = time.monotonic()
            wire.send(b"PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\n"
                      + b"hello" + b"x" * 1000)
            reply = wire.reply()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert reply.status == 200 and reply.body == b"hello"
        # the rest cannot be drained: the server says it closes, and does
        assert reply.header("connection") == "close"
        assert time.monotonic() - began < 2
        assert peak < 8 << 20
        assert wire.closed()


# -- Transfer-Encoding ------------------------------------------------------------------------


@pytest.mark.parametrize("coding", [b"gzip", b"gzip, chunked", b"chunked, gzip", b"identity",
                                    b"xchunked", b"chunked;q=1"])
def test_unknown_transfer_codings_are_501(server: LoopbackServer, recorder: Recorder,
                                          coding: bytes) -> None:
    reply = refused(server, b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding
                    + b"\r\n\r\n0\r\n\r\n" + HIDDEN)
    assert reply.status == 501
    assert recorder.seen == []


def test_two_transfer_encoding_fields_are_refused(server: LoopbackServer,
                                                  recorder: Recorder) -> None:
    reply = refused(server, b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                            b"Transfer-Encoding: identity\r\n\r\n0\r\n\r\n" + HIDDEN)
    assert reply.status in (400, 501)
    assert recorder.seen == []


def test_content_length_with_transfer_encoding_is_refused(server: LoopbackServer,
                                                          recorder: Recorder) -> None:
    # The classic CL.TE smuggle: whichever framing a server picks, refuse both.
    reply = refused(server, b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + HIDDEN)
    assert reply.status == 400
    assert recorder.seen == []


def test_chunked_request_bodies_with_extensions_and_trailers(server: LoopbackServer,
                                                             recorder: Recorder) -> None:
    with Wire(server.port) as wire:
        wire.send(b"PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                  b"5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: y\r\n\r\n")
        assert wire.reply().body == b"hello, world!!!"
        wire.send(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")  # still in sync
        assert wire.reply().status == 200
    assert [target for _, target, _ in recorder.seen] == ["/c", "/next"]


BAD_CHUNKS = {
    "hex prefix": b"0x5\r\nhello\r\n0\r\n\r\n",
    "negative": b"-1\r\nhello\r\n0\r\n\r\n",
    "negative two": b"-2\r\n\r\n0\r\n\r\n",
    "not hex": b"g\r\nhello\r\n0\r\n\r\n",
    "too many digits": b"1" + b"0" * 20 + b"\r\nhello\r\n0\r\n\r\n",
    "empty size": b"\r\nhello\r\n0\r\n\r\n",
    "no CRLF after data": b"5\r\nhelloXX0\r\n\r\n",
    "LF only after data": b"5\r\nhello\n0\r\n\r\n",
    "data longer than size": b"3\r\nhello\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("reads_body", [True, False], ids=["app reads", "app ignores"])
@pytest.mark.parametrize("chunks", list(BAD_CHUNKS.values()), ids=list(BAD_CHUNKS))
def test_bad_chunks_are_400_and_close(chunks: bytes, reads_body: bool) -> None:
    seen = []

    def app(request: Request) -> Response:
        seen.append(request.target)
        if reads_body:
            request.read_body()
        return Response(200, [], b"served")

    with LoopbackServer(app) as server:
        reply = refused(server, b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                                b"\r\n\r\n" + chunks + HIDDEN)
    assert reply.status == 400
    assert seen == ["/a"]  # and never /secret


def test_huge_chunk_size_does_not_allocate() -> None:
    outcome: list[Any] = []

    def app(request: Request) -> Response:
        try:
            outcome.append(sum(len(p) for p in request.body.pieces()))
        except ConnectionError as exc:
            outcome.append(exc)
            raise
        return Response(200)

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"ffffffffffffffff\r\n" + b"x" * 1000)
        time.sleep(0.1)
        wire.sock.shutdown(socket.SHUT_WR)
        assert wire.closed()
    assert len(outcome) == 1 and isinstance(outcome[0], ConnectionError)


def test_a_client_leaving_mid_body_is_a_connection_error() -> None:
    errors: list[BaseException] = []
    done = threading.Event()

    def app(request: Request) -> Response:
        try:
            request.read_body()
        except BaseException as exc:
            errors.append(exc)
            raise
        finally:
            done.set()
        return Response(200)

    with LoopbackServer(app) as server:
        with Wire(server.port) as wire:
            wire.send(b"PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        assert done.wait(5)
    assert len(errors) == 1 and isinstance(errors[0], ConnectionError)


# -- limits -----------------------------------------------------------------------------------


def test_request_line_over_64_kib_is_414(server: LoopbackServer, recorder: Recorder) -> None:
    reply = refused(server, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.status == 414
    assert recorder.seen == []


def test_unterminated_request_line_over_64_kib_is_414(server: LoopbackServer) -> None:
    with Wire(server.port) as wire:
        wire.send(b"GET /" + b"a" * 200000)  # no end in sight; the server need not wait
        reply = wire.reply()
        assert reply.status == 414
        assert wire.closed()


def test_request_line_under_64_kib_is_served(server: LoopbackServer,
                                             recorder: Recorder) -> None:
    with Wire(server.port) as wire:
        wire.send(b"GET /" + b"a" * 60000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply().status == 200
    assert recorder.seen[0][1] == "/" + "a" * 60000


@pytest.mark.parametrize("fields", [
    b"X-Big: " + b"b" * 70000 + b"\r\n",
    b"".join(b"X-Many-%d: %s\r\n" % (i, b"v" * 100) for i in range(700)),
], ids=["one big field", "many fields"])
def test_header_fields_over_64_kib_are_431(server: LoopbackServer, recorder: Recorder,
                                           fields: bytes) -> None:
    reply = refused(server, b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert reply.status == 431
    assert recorder.seen == []


def test_unterminated_headers_over_the_limit_are_431(server: LoopbackServer) -> None:
    with Wire(server.port) as wire:
        wire.send(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 200000)
        reply = wire.reply()
        assert reply.status == 431
        assert wire.closed()


# -- Host and the origin ----------------------------------------------------------------------


@pytest.mark.parametrize("host", [
    b"evil.example/path", b"user@evil.example", b"a b", b"a,b", b"a\x01b", b"a\tb",
    b"[::1", b"::1", b"host:", b"host:123456", b"host:80:80", b"\xe9vil", b"a;b", b"a%2fb",
    b"evil.example#", b"evil.example?x",
])
def test_invalid_host_is_400_and_never_echoed(server: LoopbackServer, recorder: Recorder,
                                              host: bytes) -> None:
    reply = refused(server, b"GET /v2/ HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    assert reply.status == 400
    assert reply.header("x-origin") is None
    assert recorder.seen == []


def test_two_hosts_are_400(server: LoopbackServer, recorder: Recorder) -> None:
    reply = refused(server, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    assert reply.status == 400
    assert recorder.seen == []


@pytest.mark.parametrize("host", [
    "localhost:5000", "127.0.0.1:1", "[::1]:8080", "[fe80::1%25eth0]:80", "registry.test",
    "xn--bcher-kva.example:443", "under_score.test",
])
def test_valid_hosts_make_the_origin(server: LoopbackServer, host: str) -> None:
    with Wire(server.port) as wire:
        wire.send(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert wire.reply().header("x-origin") == f"http://{host}"


def test_http11_without_host_is_400(server: LoopbackServer) -> None:
    assert refused(server, b"GET / HTTP/1.1\r\n\r\n").status == 400


def test_http10_without_host_gets_the_socket_address(server: LoopbackServer) -> None:
    with Wire(server.port) as wire:
        wire.send(b"GET /old HTTP/1.0\r\n\r\n")
        reply = wire.reply()
        assert reply.status == 200
        assert reply.header("x-origin") == server.url
        assert reply.header("connection") == "close"
        assert wire.closed()


def test_absolute_form_targets_use_their_authority(server: LoopbackServer,
                                                   recorder: Recorder) -> None:
    with Wire(server.port) as wire:
        wire.send(b"GET http://registry.test:5000/v2/?n=1 HTTP/1.1\r\nHost: other\r\n\r\n")
        assert wire.reply().header("x-origin") == "http://registry.test:5000"
    assert recorder.seen == [("GET", "/v2/?n=1", b"")]


def test_ipv6_origin_from_socket_address() -> None:
    try:
        server = LoopbackServer(Recorder(), "::1")
        server.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    port = server.port
    with server, socket.create_connection(("::1", port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    assert f"X-Origin: http://[::1]:{port}\r\n".encode() in data


# -- keep-alive, pipelining, 100-continue, HEAD, 204/304, close, HTTP/1.0 -------------------


def test_pipelined_requests_are_answered_in_order(server: LoopbackServer,
                                                  recorder: Recorder) -> None:
    with Wire(server.port) as wire:
        wire.send(b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
                  b"PUT /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"2\r\nok\r\n0\r\n\r\n"
                  b"GET /4 HTTP/1.1\r\nHost: x\r\n\r\n")
        bodies = [wire.reply().body for _ in range(4)]
    assert bodies == [b"", b"body", b"ok", b""]
    assert [target for _, target, _ in recorder.seen] == ["/1", "/2", "/3", "/4"]


def test_expect_100_continue(server: LoopbackServer) -> None:
    with Wire(server.port) as wire:
        wire.send(b"PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        assert wire.reply().status == 100  # only once the app reads the body
        wire.send(b"hello")
        reply = wire.reply()
        assert (reply.status, reply.body) == (200, b"hello")
        wire.send(b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply().status == 200


def test_expect_100_continue_answered_without_reading_closes() -> None:
    with LoopbackServer(lambda request: Response(401, [], b"no")) as server, \
            Wire(server.port) as wire:
        wire.send(b"PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        reply = wire.reply()
        assert (reply.status, reply.body) == (401, b"no")  # no 100 first
        assert reply.header("connection") == "close"
        assert wire.closed()


def test_head_and_bodiless_statuses_send_no_body() -> None:
    def app(request: Request) -> Response:
        status = int(request.path[1:])
        return Response(status, [("X-Status", str(status))], b"a body that must not go out")

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"HEAD /200 HTTP/1.1\r\nHost: x\r\n\r\n")
        head = wire.reply(head_only=True)
        assert head.header("content-length") == "27"
        for status in (204, 304):
            wire.send(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % status)
            reply = wire.reply()
            assert reply.status == status and reply.header("x-status") == str(status)
        wire.send(b"GET /200 HTTP/1.1\r\nHost: x\r\n\r\n")  # the connection is still in sync
        assert wire.reply().body == b"a body that must not go out"


def test_head_with_a_streamed_body_does_not_iterate_it() -> None:
    closed = threading.Event()

    def app(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            try:
                raise AssertionError("iterated for HEAD")
                yield b""
            finally:
                closed.set()

        stream = body()
        return Response(200, [], stream)

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = wire.reply(head_only=True)
        assert reply.header("transfer-encoding") == "chunked"
        wire.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply(head_only=True).status == 200


def test_connection_close_is_honoured(server: LoopbackServer) -> None:
    with Wire(server.port) as wire:
        wire.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert wire.reply().header("connection") == "close"
        assert wire.closed()


def test_http10_streamed_response_is_delimited_by_close() -> None:
    def app(request: Request) -> Response:
        return Response(200, [], iter([b"one ", b"two"]))

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"GET / HTTP/1.0\r\n\r\n")
        reply = wire.reply()
        assert reply.header("transfer-encoding") is None
        assert reply.body == b"one two"


def test_unread_bodies_under_the_limit_are_drained() -> None:
    with LoopbackServer(lambda request: Response(401)) as server, Wire(server.port) as wire:
        wire.send(b"PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n"
                  + b"z" * 300000)
        reply = wire.reply()
        assert reply.status == 401 and reply.header("connection") is None
        wire.send(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply().status == 401


def test_unread_bodies_over_the_limit_close_after_a_readable_answer() -> None:
    size = DRAIN_LIMIT + (1 << 20)
    with LoopbackServer(lambda request: Response(401, [], b"denied")) as server, \
            Wire(server.port) as wire:
        wire.send(b"PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size)
        sender = threading.Thread(target=lambda: _send_quietly(wire.sock, b"z" * size))
        sender.start()
        reply = wire.reply()
        sender.join(10)
        assert (reply.status, reply.body) == (401, b"denied")
        assert reply.header("connection") == "close"


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)


def test_request_bodies_arrive_in_bounded_pieces() -> None:
    sizes: list[int] = []

    def app(request: Request) -> Response:
        total = 0
        for piece in request.body.pieces():
            sizes.append(len(piece))
            total += len(piece)
        return Response(200, [], str(total).encode())

    size = 8 << 20
    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size)
        wire.send(bytes(size))
        assert wire.reply().body == str(size).encode()
    assert max(sizes) <= 1 << 20


def test_read_returns_exactly_what_was_asked() -> None:
    got: list[bytes] = []

    def app(request: Request) -> Response:
        got.extend([request.body.read(3), request.body.read(4), request.body.read(),
                    request.body.read(1)])
        return Response(204)

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"2\r\nab\r\n")
        time.sleep(0.05)
        wire.send(b"3\r\ncde\r\n4\r\nfghi\r\n0\r\n\r\n")
        assert wire.reply().status == 204
    assert got == [b"abc", b"defg", b"hi", b""]


# -- responses --------------------------------------------------------------------------------


def test_large_memoryview_bodies_are_not_copied() -> None:
    size = 256 << 20
    data = bytes(size)

    with LoopbackServer(lambda request: Response(200, [], memoryview(data))) as server, \
            Wire(server.port, timeout=30) as wire:
        buffer = bytearray(1 << 20)
        tracemalloc.start()
        try:
            wire.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += wire.sock.recv(1)
            assert b"Content-Length: %d\r\n" % size in head
            received = 0
            while received < size:
                n = wire.sock.recv_into(buffer)
                assert n
                received += n
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert received == size
    assert peak < 16 << 20


def test_header_injection_in_a_response_is_refused() -> None:
    def app(request: Request) -> Response:
        return Response(200, [("X-Echo", "a\r\nSet-Cookie: stolen=1")], b"x")

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = wire.reply()
        assert reply.status == 500
        assert all(name != "set-cookie" for name, _ in reply.fields)


@pytest.mark.parametrize("body", [b"short", b"", b"far too long for it"])
def test_a_body_that_contradicts_its_content_length_is_a_500(body: bytes) -> None:
    def app(request: Request) -> Response:
        return Response(200, [("Content-Length", "10")], body)

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply().status == 500
        assert wire.closed()


@pytest.mark.parametrize("value", ["ten", "-1", "1 0", "\uff11"])
def test_an_invalid_content_length_from_the_app_is_a_500(value: str) -> None:
    def app(request: Request) -> Response:
        return Response(200, [("Content-Length", value)], iter([b"x"]))

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply().status == 500


def test_an_app_error_is_a_500_and_the_connection_survives() -> None:
    calls = []

    def app(request: Request) -> Response:
        calls.append(request.target)
        if request.target == "/boom":
            raise RuntimeError("bug")
        return Response(200, [], b"ok")

    with LoopbackServer(app) as server, Wire(server.port) as wire:
        wire.send(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply().status == 500
        wire.send(b"GET /fine HTTP/1.1\r\nHost: x\r\n\r\n")
        assert wire.reply().body == b"ok"


# -- the provider's shape for server-level errors ---------------------------------------------


class EnvelopeApp:
    def __init__(self) -> None:
        self.errors: list[tuple[int, str]] = []

    def __call__(self, request: Request) -> Response:
        return Response(200)

    def protocol_error(self, status: int, message: str) -> Response:
        self.errors.append((status, message))
        return Response.json(status, {"errors": [{"code": "PROTOCOL", "message": message}]},
                             [("X-Provider", "yes")])


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: bad/host\r\n\r\n", 400),
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
])
def test_server_errors_use_the_apps_envelope(request_bytes: bytes, status: int) -> None:
    app = EnvelopeApp()
    with LoopbackServer(app) as server:
        reply = refused(server, request_bytes)
    assert reply.status == status
    assert reply.header("content-type") == "application/json"
    assert reply.header("x-provider") == "yes"
    assert b'"code":"PROTOCOL"' in reply.body
    assert [s for s, _ in app.errors] == [status]


def test_server_errors_without_an_envelope_are_plain_text(server: LoopbackServer) -> None:
    reply = refused(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n")
    assert reply.status == 400
    assert reply.header("content-type") == "text/plain; charset=utf-8"
    assert reply.body.startswith(b"400 Bad Request")


def test_client_errors_stay_off_stderr(server: LoopbackServer,
                                       capfd: pytest.CaptureFixture[str]) -> None:
    for data in (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
                 b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\n",
                 b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):  # a TLS hello
        refused(server, data)
    assert capfd.readouterr().err == ""


# -- Headers ----------------------------------------------------------------------------------


def test_headers_lookups_are_case_insensitive() -> None:
    headers = Headers([("Accept", "a/b"), ("X-Thing", "1"), ("accept", "c/d")])
    assert headers.get("ACCEPT") == "a/b"
    assert headers.get_all("accept") == ["a/b", "c/d"]
    assert headers.get("missing") is None and headers.get("missing", "d") == "d"
    assert headers.get_all("missing") is None and headers.get_all("missing", []) == []
    assert "x-thing" in headers and "nope" not in headers
    assert list(headers) == ["accept", "x-thing", "accept"]
    assert len(headers) == 3


def test_request_headers_reach_the_app_in_order() -> None:
    captured: list[Any] = []

    def app(request: Request) -> Response:
        captured.append(request.headers.get_all("Accept"))
        captured.append(request.header("x-latin"))
        return Response(204)

    with LoopbackServer(app) as other, Wire(other.port) as wire:
        wire.send(b"GET / HTTP/1.1\r\nHost: x\r\nAccept: a/b\r\nX-Latin: caf\xe9\r\n"
                  b"ACCEPT: c/d\r\n\r\n")
        assert wire.reply().status == 204
    assert captured == [["a/b", "c/d"], "caf\xe9"]
