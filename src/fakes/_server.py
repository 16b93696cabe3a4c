"""A small threaded HTTP/1.1 server on loopback that serves one wire adapter.

Why not a WSGI server: a fake must keep connections alive (clients reuse
them; one connection per request would dominate the cost), stream responses
(Kubernetes watch), and be able to drop a connection after applying a write
(the lost-response fault). Each of those is a few lines here.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes._http import DropConnection, MalformedBody, Request, Response
from fakes.errors import NotRunningError, UsageError

App = Callable[[Request], Response]

_DRAIN_PIECE = 1 << 20


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BodyReader:
    """Reads a request body framed by Content-Length or chunked encoding."""

    def __init__(self, rfile: Any, length: int | None, chunked: bool) -> None:
        self._rfile = rfile
        self._remaining = length or 0
        self._chunked = chunked
        self._chunk_left = 0
        self._done = not chunked and not length

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when ``size`` < 0)."""
        if self._done:
            return b""
        if not self._chunked:
            want = self._remaining if size < 0 else min(size, self._remaining)
            data: bytes = self._rfile.read(want)
            self._remaining -= len(data)
            if not data or self._remaining == 0:
                self._done = True
            return data
        parts = []
        while not self._done and (size < 0 or size > 0):
            if self._chunk_left == 0:
                line = self._rfile.readline(65537)
                try:
                    self._chunk_left = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    self._done = True
                    raise MalformedBody(f"bad chunk size {line[:20]!r}") from None
                if self._chunk_left == 0:
                    while self._rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    self._done = True
                    break
            take = self._chunk_left if size < 0 else min(size, self._chunk_left)
            piece = self._rfile.read(take)
            if not piece:
                self._done = True
                break
            parts.append(piece)
            self._chunk_left -= len(piece)
            if size > 0:
                size -= len(piece)
            if self._chunk_left == 0:
                self._rfile.readline(3)  # CRLF after the chunk
        return b"".join(parts)

    def pieces(self, size: int = _DRAIN_PIECE) -> Iterator[bytes]:
        while True:
            piece = self.read(size)
            if not piece:
                return
            yield piece

    def drain(self) -> None:
        for _ in self.pieces():
            pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "verified-fakes"
    sys_version = ""
    owner: LoopbackServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests stay quiet; the journal is the record

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._dispatch()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _dispatch(self) -> None:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length_header = self.headers.get("Content-Length")
        try:
            length = int(length_header) if length_header is not None else None
        except ValueError:
            self.send_error(400, "bad Content-Length")
            self.close_connection = True
            return
        if length is not None and length < 0:
            self.send_error(400, "bad Content-Length")
            self.close_connection = True
            return
        body = BodyReader(self.rfile, length, chunked)
        host = self.headers.get("Host") or "{}:{}".format(*self.connection.getsockname()[:2])
        request = Request(self.command, self.path, self.headers, body, f"http://{host}")
        try:
            response = self.owner.app(request)
            body.drain()  # keep the connection usable for the next request
        except DropConnection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        except MalformedBody as exc:
            self.close_connection = True  # the framing is lost: so is the connection
            self.send_error(400, f"malformed request body: {exc}")
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        head = [f"HTTP/1.1 {response.status} {response.reason}\r\n"]
        payload = response.body
        has_length = False
        for name, value in response.headers:
            head.append(f"{name}: {value}\r\n")
            has_length = has_length or name.lower() == "content-length"
        streaming = not isinstance(payload, (bytes, bytearray, memoryview))
        if not has_length and not streaming:
            head.append(f"Content-Length: {len(payload)}\r\n")  # type: ignore[arg-type]
        chunked = streaming and not has_length
        if chunked:
            head.append("Transfer-Encoding: chunked\r\n")
        if self.close_connection:
            head.append("Connection: close\r\n")
        head.append("\r\n")
        header_bytes = "".join(head).encode("latin-1")
        send = self.connection.sendall
        if self.command == "HEAD" or response.status in (204, 304):
            send(header_bytes)
            return
        if isinstance(payload, (bytes, bytearray, memoryview)):
            if len(payload) <= 65536:
                send(header_bytes + bytes(payload))
            else:
                send(header_bytes)
                send(payload)
            return
        send(header_bytes)
        for piece in payload:
            if not piece:
                continue
            if chunked:
                send(b"%x\r\n" % len(piece) + bytes(piece) + b"\r\n")
            else:
                send(piece)
        if chunked:
            send(b"0\r\n\r\n")


class LoopbackServer:
    """Serves an app on 127.0.0.1, one thread per connection.

    Binding anything but a loopback address needs ``allow_non_loopback=True``:
    a fake accepts every credential it is configured with and must not be
    reachable from other machines by accident.
    """

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_non_loopback: bool = False,
    ) -> None:
        if not allow_non_loopback and not is_loopback(host):
            raise UsageError(
                f"refusing to bind {host!r}: fakes listen on loopback only; "
                "pass allow_non_loopback=True to serve other interfaces on purpose"
            )
        self.app = app
        self._host = host
        self._port = port
        self._sock: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"owner": self})
        self._handler: type[_Handler] = handler

    @property
    def running(self) -> bool:
        return self._sock is not None

    @property
    def port(self) -> int:
        if self._sock is None:
            raise NotRunningError("the server is not running; call start() first")
        port: int = self._sock.getsockname()[1]
        return port

    @property
    def url(self) -> str:
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        if self._sock is not None:
            return
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._sock = socket.create_server((self._host, self._port), family=family, backlog=128)
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"fakes-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def _accept_loop(self) -> None:
        sock = self._sock
        assert sock is not None
        while True:
            try:
                conn, address = sock.accept()
            except OSError:
                return  # listening socket closed by stop()
            thread = threading.Thread(
                target=self._serve, args=(conn, address), name="fakes-conn", daemon=True
            )
            with self._lock:
                self._connections[conn] = thread
            thread.start()

    def _serve(self, conn: socket.socket, address: Any) -> None:
        try:
            self._handler(conn, address, None)  # type: ignore[arg-type]
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections.pop(conn, None)
            conn.close()

    def stop(self) -> None:
        """Stop accepting, close every open connection, wait for their threads."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
        with self._lock:
            open_connections = list(self._connections.items())
        for conn, _ in open_connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for _, thread in open_connections:
            thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
