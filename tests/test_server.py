"""The loopback server every fake runs on, tested through real HTTP clients."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from fakes._http import DropConnection, Request, Response
from fakes._server import LoopbackServer, is_loopback
from fakes.errors import NotRunningError, UsageError


def echo(request: Request) -> Response:
    body = request.read_body()
    return Response(200, [("X-Method", request.method), ("X-Origin", request.origin)],
                    request.path.encode() + b"|" + body)


def test_binds_loopback_on_a_free_port() -> None:
    with LoopbackServer(echo) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.port > 0
        response = requests.post(server.url + "/a%2Fb?x=1", data=b"payload", timeout=5)
        assert response.headers["X-Origin"] == server.url
    assert response.status_code == 200
    assert response.content == b"/a/b|payload"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.invalid"])
def test_refuses_other_interfaces_unless_asked(host: str) -> None:
    with pytest.raises(UsageError, match="loopback only"):
        LoopbackServer(echo, host)


def test_loopback_names() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.0.0.1") and not is_loopback("host.example")


def test_url_before_start_says_so() -> None:
    with pytest.raises(NotRunningError, match="start"):
        _ = LoopbackServer(echo).url


def test_keeps_connections_alive() -> None:
    with LoopbackServer(echo) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for i in range(3):
            conn.request("PUT", f"/{i}", body=b"x" * i)
            response = conn.getresponse()
            assert response.read() == f"/{i}|".encode() + b"x" * i
        assert response.getheader("Connection") is None
        conn.close()


def test_chunked_request_bodies_are_decoded() -> None:
    def pieces():  # type: ignore[no-untyped-def]
        yield b"ab"
        yield b"cde"

    with LoopbackServer(echo) as server:
        response = requests.put(server.url + "/c", data=pieces(), timeout=5)
    assert response.content == b"/c|abcde"


def test_streams_iterable_responses_chunked() -> None:
    release = threading.Event()

    def stream(request: Request) -> Response:
        def events():  # type: ignore[no-untyped-def]
            yield b"first\n"
            release.wait(5)
            yield b"second\n"

        return Response(200, [("Content-Type", "text/plain")], events())

    with LoopbackServer(stream) as server:
        response = requests.get(server.url + "/watch", stream=True, timeout=5)
        assert response.headers["Transfer-Encoding"] == "chunked"
        lines = response.iter_lines()
        assert next(lines) == b"first"  # arrives before the stream ends
        release.set()
        assert next(lines) == b"second"


def test_drop_connection_sends_nothing() -> None:
    applied = []

    def lossy(request: Request) -> Response:
        applied.append(request.read_body())
        raise DropConnection()

    with LoopbackServer(lossy) as server, pytest.raises(requests.ConnectionError):
        requests.put(server.url + "/x", data=b"write", timeout=5)
    assert applied == [b"write"]


def test_head_responses_have_no_body() -> None:
    def head(request: Request) -> Response:
        return Response(200, [("Content-Length", "5")])

    with LoopbackServer(head) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("HEAD", "/")
        response = conn.getresponse()
        assert response.getheader("Content-Length") == "5"
        assert response.read() == b""
        conn.request("HEAD", "/")  # the connection is still in sync
        assert conn.getresponse().status == 200


def test_unread_bodies_are_drained_so_the_connection_stays_usable() -> None:
    with LoopbackServer(lambda request: Response(413)) as server:
        session = requests.Session()
        assert session.put(server.url + "/big", data=b"z" * (3 << 20), timeout=5).status_code == 413
        assert session.get(server.url + "/next", timeout=5).status_code == 413


def test_bad_content_length_is_a_400() -> None:
    with LoopbackServer(echo) as server, socket.create_connection(
        ("127.0.0.1", server.port), timeout=5
    ) as sock:
        sock.sendall(b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")


def test_stop_closes_idle_connections_and_threads() -> None:
    before = threading.active_count()
    server = LoopbackServer(echo)
    server.start()
    session = requests.Session()
    session.get(server.url + "/", timeout=5)  # leaves a keep-alive connection open
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 1
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before
    assert not server.running
    server.stop()  # idempotent


# -- real clients beyond requests -------------------------------------------------------------

curl = shutil.which("curl")


@pytest.mark.skipif(curl is None, reason="curl is not installed")
def test_curl_gets_100_continue_for_a_large_upload(tmp_path: Path) -> None:
    payload = tmp_path / "upload"
    payload.write_bytes(b"u" * (2 << 20))
    with LoopbackServer(echo) as server:
        began = time.monotonic()
        done = subprocess.run(
            [curl, "-sS", "--fail", "-X", "PUT", "-H", "Expect: 100-continue",
             "--expect100-timeout", "30", "--data-binary", f"@{payload}",
             server.url + "/upload"],
            capture_output=True, timeout=60, check=True)
        took = time.monotonic() - began
    assert done.stdout == b"/upload|" + b"u" * (2 << 20)
    assert took < 15  # curl did not sit out its 30 s wait for "100 Continue"


@pytest.mark.skipif(curl is None, reason="curl is not installed")
def test_curl_over_http10() -> None:
    with LoopbackServer(echo) as server:
        done = subprocess.run([curl, "-sS", "--fail", "--http1.0", "-i", server.url + "/old"],
                              capture_output=True, timeout=30, check=True)
    assert done.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    assert done.stdout.endswith(b"\r\n\r\n/old|")


def test_a_requests_client_closing_a_stream_cancels_it() -> None:
    closed = threading.Event()
    seen: list[Request] = []

    def watch(request: Request) -> Response:
        seen.append(request)

        def events():  # type: ignore[no-untyped-def]
            try:
                yield b"first\n"
                while not request.cancelled.wait(0.05):
                    pass
            finally:
                closed.set()

        return Response(200, [("Content-Type", "text/plain")], events())

    with LoopbackServer(watch) as server:
        response = requests.get(server.url + "/watch", stream=True, timeout=5)
        assert next(response.iter_lines()) == b"first"
        response.close()
        assert closed.wait(2)
    assert seen[0].cancelled.is_set()


class Envelope:
    def __call__(self, request: Request) -> Response:
        return Response(204)

    def protocol_error(self, status: int, message: str) -> Response:
        return Response.json(status, {"errors": [{"code": "BAD_REQUEST", "message": message}]})


def test_server_level_errors_come_in_the_apps_envelope() -> None:
    with LoopbackServer(Envelope()) as server, socket.create_connection(
        ("127.0.0.1", server.port), timeout=5
    ) as sock:
        sock.sendall(b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["errors"][0]["code"] == "BAD_REQUEST"


def test_serves_tls_with_the_context_it_is_given() -> None:
    tls = pytest.importorskip("fakes.kubernetes._tls")
    pytest.importorskip("cryptography")
    credentials = tls.credentials()
    with LoopbackServer(echo, ssl_context=credentials.server_context()) as server:
        assert server.url.startswith("https://127.0.0.1:")
        session = requests.Session()
        session.trust_env = False
        for _ in range(2):  # a kept-alive TLS connection serves the next request too
            response = session.get(server.url + "/x", verify=str(credentials.ca_file),
                                   timeout=5)
            assert response.headers["X-Origin"] == server.url
        with pytest.raises(requests.exceptions.SSLError):
            requests.Session().get(server.url + "/x", verify=True,
                                   timeout=5)


def test_a_client_leaving_a_tls_stream_cancels_it() -> None:
    tls = pytest.importorskip("fakes.kubernetes._tls")
    pytest.importorskip("cryptography")
    import ssl as ssl_module

    credentials = tls.credentials()
    cancelled = threading.Event()

    def stream(request: Request) -> Response:
        def pieces() -> Iterator[bytes]:
            try:
                yield b"first\n"
                request.cancelled.wait(10)
            finally:  # the server may close the stream as soon as the client has left
                if request.cancelled.is_set():
                    cancelled.set()

        return Response(200, [], pieces())

    with LoopbackServer(stream, ssl_context=credentials.server_context()) as server:
        context = ssl_module.create_default_context(cafile=str(credentials.ca_file))
        raw = socket.create_connection(("127.0.0.1", server.port))
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            received = b""
            while b"first" not in received:
                received += conn.recv(4096)
        assert cancelled.wait(5)
