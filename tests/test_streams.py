"""The life cycle of a streamed response: the body iterator is always closed, a
request's ``cancelled`` event is set when its client leaves or the server stops,
an iterator that raises ends the stream with the provider's in-band error, and
stop() is prompt."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from fakes._http import Request, Response
from fakes._server import LoopbackServer

GET = b"GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"


class Probe:
    """What happened to the streamed responses of a test, from the server's side."""

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.requests: list[Request] = []
        self.closed: list[str] = []
        self.lock = threading.Lock()

    def body(self, request: Request, pieces: Callable[[Request], Iterator[bytes]]
             ) -> Iterator[bytes]:
        with self.lock:
            self.requests.append(request)
        try:
            yield from pieces(request)
        finally:
            with self.lock:
                self.closed.append(request.target)

    def wait_started(self, count: int = 1, timeout: float = 5) -> None:
        for _ in range(count):
            assert self.started.acquire(timeout=timeout), "the stream did not start"


def stream_app(probe: Probe, pieces: Callable[[Request], Iterator[bytes]],
               **response: object) -> Callable[[Request], Response]:
    def app(request: Request) -> Response:
        return Response(200, [("Content-Type", "text/plain")], probe.body(request, pieces),
                        **response)  # type: ignore[arg-type]

    return app


def connect(server: LoopbackServer, request: bytes = GET) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(request)
    return sock


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(f"closed before {marker!r}; got {data!r}")
        data += chunk
    return data


def read_to_end(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def eventually(check: Callable[[], bool], timeout: float = 2) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def conn_threads() -> int:
    return sum(t.name == "fakes-conn" for t in threading.enumerate())


# -- the iterator is always closed ----------------------------------------------------------


def test_iterator_is_closed_when_the_stream_ends() -> None:
    probe = Probe()
    closed = threading.Event()

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            return iter([b"a", b"", b"b"])

        def close(self) -> None:
            closed.set()

    with LoopbackServer(lambda request: Response(200, [], Body())) as server:
        response = requests.get(server.url + "/", timeout=5)
        assert response.content == b"ab"
        assert closed.wait(2)
    assert probe.closed == []


def test_generator_finally_runs_when_the_stream_ends() -> None:
    probe = Probe()

    def pieces(request: Request) -> Iterator[bytes]:
        yield b"one\n"
        yield b"two\n"

    with LoopbackServer(stream_app(probe, pieces)) as server:
        session = requests.Session()
        assert session.get(server.url + "/watch", timeout=5).content == b"one\ntwo\n"
        assert session.get(server.url + "/again", timeout=5).status_code == 200  # kept alive
    assert probe.closed == ["/watch", "/again"]
    assert not probe.requests[0].cancelled.is_set()


# -- an iterator that raises ----------------------------------------------------------------


def failing(request: Request) -> Iterator[bytes]:
    yield b'{"type":"ADDED"}\n'
    raise RuntimeError("store went away")


def in_band(exc: BaseException) -> bytes:
    return b'{"type":"ERROR","message":"' + str(exc).encode() + b'"}\n'


def test_a_raising_iterator_ends_with_the_in_band_error() -> None:
    probe = Probe()
    with LoopbackServer(stream_app(probe, failing, stream_error=in_band)) as server:
        sock = connect(server)
        data = read_to_end(sock)  # the server closes after the error
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    error = b'{"type":"ERROR","message":"store went away"}\n'
    assert body == (b"11\r\n" b'{"type":"ADDED"}\n' b"\r\n"
                    + b"%x\r\n" % len(error) + error + b"\r\n"
                    b"0\r\n\r\n")
    assert probe.closed == ["/watch"]


def test_a_raising_iterator_reads_cleanly_with_requests() -> None:
    probe = Probe()
    with LoopbackServer(stream_app(probe, failing, stream_error=in_band)) as server:
        response = requests.get(server.url + "/watch", stream=True, timeout=5)
        lines = list(response.iter_lines())  # no ChunkedEncodingError
    assert lines == [b'{"type":"ADDED"}', b'{"type":"ERROR","message":"store went away"}']


@pytest.mark.parametrize("hook", [None, lambda exc: None, lambda exc: 1 / 0],
                         ids=["no hook", "hook renders nothing", "hook raises"])
def test_without_an_error_piece_the_stream_still_ends_properly(
        hook: Callable[[BaseException], bytes | None] | None) -> None:
    probe = Probe()
    with LoopbackServer(stream_app(probe, failing, stream_error=hook)) as server:
        sock = connect(server)
        data = read_to_end(sock)
        sock.close()
    assert data.endswith(b'{"type":"ADDED"}\n\r\n0\r\n\r\n')
    assert probe.closed == ["/watch"]


def test_a_raising_iterator_with_a_content_length_cuts_the_connection() -> None:
    def app(request: Request) -> Response:
        return Response(200, [("Content-Length", "100")], failing(request),
                        stream_error=in_band)

    with LoopbackServer(app) as server:
        sock = connect(server)
        data = read_to_end(sock)
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Length: 100" in head
    assert body == b'{"type":"ADDED"}\n'  # short: the client knows the body is incomplete


def test_a_non_bytes_piece_is_a_stream_error() -> None:
    def app(request: Request) -> Response:
        return Response(200, [], iter([b"ok", "text"]), stream_error=lambda exc: b"!")  # type: ignore[list-item]

    with LoopbackServer(app) as server:
        sock = connect(server)
        data = read_to_end(sock)
        sock.close()
    assert data.endswith(b"2\r\nok\r\n1\r\n!\r\n0\r\n\r\n")


# -- the client leaves ----------------------------------------------------------------------


def waiting_on_cancel(probe: Probe) -> Callable[[Request], Iterator[bytes]]:
    def pieces(request: Request) -> Iterator[bytes]:
        yield b"open\n"
        probe.started.release()
        while not request.cancelled.wait(0.1):
            pass  # nothing to send; a watch with no events

    return pieces


def waiting_on_condition(probe: Probe) -> Callable[[Request], Iterator[bytes]]:
    condition = threading.Condition()

    def pieces(request: Request) -> Iterator[bytes]:
        yield b"open\n"
        probe.started.release()
        with condition:
            while not request.cancelled.is_set():
                condition.wait(0.05)  # nobody ever notifies

    return pieces


def close_normally(sock: socket.socket) -> None:
    sock.close()


def close_with_reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize("leave", [close_normally, close_with_reset], ids=["FIN", "RST"])
@pytest.mark.parametrize("waiting", [waiting_on_cancel, waiting_on_condition],
                         ids=["cancelled.wait", "condition"])
def test_a_client_leaving_a_blocked_stream_cancels_it(
        waiting: Callable[[Probe], Callable[[Request], Iterator[bytes]]],
        leave: Callable[[socket.socket], None]) -> None:
    probe = Probe()
    with LoopbackServer(stream_app(probe, waiting(probe))) as server:
        before = conn_threads()
        sock = connect(server)
        read_until(sock, b"open\n")
        probe.wait_started()
        left = time.monotonic()
        leave(sock)
        assert eventually(lambda: probe.requests[0].cancelled.is_set(), 1)
        noticed = time.monotonic() - left
        assert eventually(lambda: probe.closed == ["/watch"], 1)
        assert eventually(lambda: conn_threads() < before + 1, 2)  # the thread is free
    assert noticed < 0.5


def test_a_client_leaving_a_busy_stream_cancels_it() -> None:
    probe = Probe()

    def pieces(request: Request) -> Iterator[bytes]:
        probe.started.release()
        while not request.cancelled.is_set():
            yield b"x" * 65536

    with LoopbackServer(stream_app(probe, pieces)) as server:
        sock = connect(server)
        read_until(sock, b"xxxx")
        probe.wait_started()
        close_with_reset(sock)
        assert eventually(lambda: probe.closed == ["/watch"], 2)
    assert probe.requests[0].cancelled.is_set()


def test_pipelined_requests_wait_for_the_stream_and_do_not_cancel_it() -> None:
    probe = Probe()
    go = threading.Event()

    def pieces(request: Request) -> Iterator[bytes]:
        if request.target == "/watch":
            yield b"first\n"
            probe.started.release()
            go.wait(5)
        yield b"last\n"

    with LoopbackServer(stream_app(probe, pieces)) as server:
        sock = connect(server, GET + b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        read_until(sock, b"first\n")
        probe.wait_started()
        time.sleep(0.1)  # the watcher sees the pipelined request arrive meanwhile
        assert not probe.requests[0].cancelled.is_set()
        go.set()
        data = b""
        while data.count(b"last\n\r\n0\r\n\r\n") < 2:  # the end of both responses
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
        sock.close()
    assert data.count(b"HTTP/1.1 200 OK\r\n") == 1  # the first answer's head came earlier
    assert probe.closed == ["/watch", "/next"]
    assert [r.cancelled.is_set() for r in probe.requests] == [False, False]


def watchers() -> int:
    return sum(t.name == "fakes-watch" for t in threading.enumerate())


def test_one_watcher_thread_per_server() -> None:
    probe = Probe()
    before = watchers()  # other servers of this test session may have theirs
    with LoopbackServer(stream_app(probe, waiting_on_cancel(probe))) as server:
        socks = [connect(server) for _ in range(5)]
        probe.wait_started(5)
        assert watchers() == before + 1
        for sock in socks:
            sock.close()
    assert eventually(lambda: watchers() == before)


# -- the server stops -----------------------------------------------------------------------


def test_stop_with_100_open_streams_is_prompt() -> None:
    probe = Probe()

    def pieces(request: Request) -> Iterator[bytes]:
        yield b"open\n"
        probe.started.release()
        request.cancelled.wait()

    server = LoopbackServer(stream_app(probe, pieces))
    server.start()
    socks = [connect(server) for _ in range(100)]
    try:
        probe.wait_started(100, timeout=20)
        for sock in socks:
            read_until(sock, b"open\n")
        began = time.perf_counter()
        server.stop()
        took = time.perf_counter() - began
    finally:
        for sock in socks:
            sock.close()
    assert all(r.cancelled.is_set() for r in probe.requests)
    assert len(probe.closed) == 100
    assert took < 0.1, f"stop() took {took * 1000:.0f} ms"


def test_stop_cancels_a_request_still_in_the_app_and_nothing_is_written_after() -> None:
    entered = threading.Event()
    seen: list[Request] = []

    def slow(request: Request) -> Response:
        seen.append(request)
        entered.set()
        request.cancelled.wait(5)
        time.sleep(0.05)  # an app that does a little more work before answering
        return Response(200, [], b"too late")

    server = LoopbackServer(slow)
    server.start()
    sock = connect(server)
    assert entered.wait(5)
    server.stop()
    assert seen[0].cancelled.is_set()
    assert read_to_end(sock) == b""
    sock.close()


def test_a_stream_that_ignores_cancel_stops_being_sent_at_stop() -> None:
    probe = Probe()

    def pieces(request: Request) -> Iterator[bytes]:
        probe.started.release()
        for _ in range(2000):
            yield b"tick\n"
            time.sleep(0.002)

    server = LoopbackServer(stream_app(probe, pieces))
    server.start()
    sock = connect(server)
    read_until(sock, b"tick\n")
    probe.wait_started()
    server.stop()
    assert probe.closed == ["/watch"]  # closed before stop() returned
    tail = read_to_end(sock)  # what was already in flight, then EOF
    assert len(tail) < 64 * 1024
    sock.close()


def test_streams_see_cancel_when_stop_happens_mid_iteration() -> None:
    probe = Probe()

    def pieces(request: Request) -> Iterator[bytes]:
        yield b"open\n"
        probe.started.release()
        while not request.cancelled.wait(0.01):
            yield b"."

    server = LoopbackServer(stream_app(probe, pieces))
    server.start()
    sock = connect(server)
    read_until(sock, b"open\n")
    probe.wait_started()
    server.stop()
    assert probe.requests[0].cancelled.is_set()
    assert probe.closed == ["/watch"]
    sock.close()


def test_each_request_has_its_own_cancel_event() -> None:
    events: list[threading.Event] = []

    def app(request: Request) -> Response:
        events.append(request.cancelled)
        return Response(204)

    with LoopbackServer(app) as server:
        session = requests.Session()
        for _ in range(3):
            session.get(server.url + "/", timeout=5)
    assert len({id(e) for e in events}) == 3
    assert not any(e.is_set() for e in events[:2])


# -- a long wait in the app, before any answer ----------------------------------------------


@pytest.mark.parametrize("request_bytes", [
    GET,
    b"PUT /watch HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody",
], ids=["GET", "PUT with a body read first"])
@pytest.mark.parametrize("leave", [close_normally, close_with_reset], ids=["FIN", "RST"])
def test_a_client_leaving_a_long_poll_cancels_it(
        request_bytes: bytes, leave: Callable[[socket.socket], None]) -> None:
    entered = threading.Event()
    outcome: list[tuple[bool, float]] = []

    def long_poll(request: Request) -> Response:
        request.read_body()
        entered.set()
        began = time.monotonic()
        outcome.append((request.cancelled.wait(10), time.monotonic() - began))
        return Response(200, [], b"changes")

    with LoopbackServer(long_poll) as server:
        before = conn_threads()
        sock = connect(server, request_bytes)
        assert entered.wait(5)
        time.sleep(0.05)
        leave(sock)
        assert eventually(lambda: bool(outcome), 2)
        assert eventually(lambda: conn_threads() < before + 1, 2)
    (cancelled, waited), = outcome
    assert cancelled and waited < 1


def test_a_long_poll_answers_and_serves_a_pipelined_request_after() -> None:
    release = threading.Event()
    seen: list[tuple[str, bool]] = []

    def app(request: Request) -> Response:
        if request.target == "/poll":
            release.wait(5)
            woke = request.cancelled.wait(0.2)  # the pipelined bytes must not cancel it
            seen.append((request.target, woke))
        else:
            seen.append((request.target, False))
        return Response(200, [], request.target.encode())

    with LoopbackServer(app) as server:
        sock = connect(server, b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.05)
        sock.sendall(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        release.set()
        data = read_until(sock, b"/next")
        sock.close()
    assert data.count(b"HTTP/1.1 200 OK") == 2
    assert seen == [("/poll", False), ("/next", False)]


def test_an_app_ignoring_cancel_cannot_write_after_stop_returned() -> None:
    entered = threading.Event()
    finished = threading.Event()

    def stubborn(request: Request) -> Response:
        entered.set()
        time.sleep(1.0)  # ignores request.cancelled; outlives stop()'s wait for threads
        finished.set()
        return Response(200, [], b"late answer")

    server = LoopbackServer(stubborn)
    server.start()
    sock = connect(server)
    assert entered.wait(5)
    began = time.monotonic()
    server.stop()
    assert time.monotonic() - began < 0.9  # stop() did not wait for the app
    assert not finished.is_set()
    assert finished.wait(5)
    time.sleep(0.05)  # the app's thread has tried to answer by now
    assert read_to_end(sock) == b""
    sock.close()


def test_a_request_sent_while_a_stream_runs_is_served_after_it() -> None:
    """The watcher reads what arrives during a stream (here: the next request, sent
    before the stream ended); the connection must answer it from there, not wait on
    the socket for bytes it already has."""
    second_sent = threading.Event()

    def app(request: Request) -> Response:
        if request.target == "/stream":
            def body() -> Iterator[bytes]:
                yield b"first "
                second_sent.wait(5)
                time.sleep(0.05)  # let the watcher take the second request off the socket
                yield b"done"

            return Response(200, [("Content-Length", "10")], body())
        return Response(200, [], b"second")

    with LoopbackServer(app) as server, socket.create_connection(
            ("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        received = sock.recv(4096)
        sock.sendall(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        second_sent.set()
        deadline = time.monotonic() + 5
        while b"second" not in received and time.monotonic() < deadline:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    assert received.count(b"HTTP/1.1 200") == 2
    assert b"first done" in received and received.endswith(b"second")
