"""A small threaded HTTP/1.1 server on loopback that serves one wire adapter.

Why not a WSGI server: a fake must keep connections alive (clients reuse
them; one connection per request would dominate the cost), stream responses
(Kubernetes watch), and be able to drop a connection after applying a write
(the lost-response fault).

What the client sends is parsed and framed by h11 (request line, fields,
Content-Length and chunked bodies, 100-continue), with a fresh h11 connection
for each request on a kept-alive connection. This module adds the sockets (one
thread per connection), the limits (414, 431, the Host check), the answers
(rendered and framed here, see ``_Connection._respond``), and the life cycle of
a request: its ``cancelled`` event is set when the client goes away during a
streamed answer (one watcher thread per server notices) or when the server
stops, and a streamed body's iterator is always closed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

import h11

from fakes._http import DropConnection, Headers, MalformedBody, Request, Response
from fakes.errors import NotRunningError, UsageError

log = logging.getLogger("fakes")

App = Callable[[Request], Response]

MAX_REQUEST_LINE = 1 << 16
"""Longest request target accepted (bytes); a longer one is answered 414."""
MAX_HEADER_BYTES = 1 << 16
"""Most header field bytes accepted in one request; more is answered 431."""
DRAIN_LIMIT = 4 << 20
"""Unread request body the server reads and discards to keep a connection; past
this it answers with ``Connection: close`` instead."""

_MAX_HEAD = MAX_REQUEST_LINE + MAX_HEADER_BYTES + 1024  # h11's bound on an unfinished head
_RECV = 1 << 16
_PIECE = 1 << 20
_SMALL = 1 << 16  # head and body go out in one send below this
_WATCH_BUFFER = 1 << 20  # pipelined bytes the watcher holds for a streaming connection
_JOIN_SECONDS = 0.5  # stop() waits this long, in all, for connection threads
_LINGER_SECONDS = 1.0  # after an error answer, read and discard this long before closing
_MSG_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)

_REASONS = {s.value: s.phrase.encode("ascii") for s in HTTPStatus}
# Host = uri-host [ ":" port ]; a reg-name or IPv4 address from the unreserved
# characters, or an IPv6 literal in brackets. Anything else (spaces, "/", "@", ",",
# control characters) is refused: the origin is echoed into Location headers.
_HOST = re.compile(
    rb"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+(?:%25[A-Za-z0-9._~-]+)?\])(?::[0-9]{1,5})?")
_BAD_FIELD = re.compile(r"[\x00-\x1f\x7f]")
# A response field other than the framing ones: the name a token, the value free of
# control characters other than HTAB (so no CR or LF: a value cannot add a line).
_FIELD_LINE = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+: [^\x00-\x08\x0a-\x1f\x7f]*\r\n")
_LINES: dict[tuple[Any, Any], bytes] = {}  # (name, value) -> its checked line, or b""
_LINES_MAX = 4096
_FRAMING_FIELDS = frozenset({"content-length", "transfer-encoding", "connection"})
_DIGITS = re.compile(r"[0-9]{1,20}")
_REQUEST_FRAMING = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection"})

# What a connection does when its request/response cycle ends.
_KEEP, _CLOSE, _LINGER, _ABORT = range(4)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _field_line(name: Any, value: Any) -> bytes:
    """The checked ``name: value`` line for a response field (remembered: most fields
    recur), or ``b""`` for one that decides framing or persistence (the server's)."""
    if str(name).lower() in _FRAMING_FIELDS:
        line = b""
    else:
        text = f"{name}: {value}\r\n"
        if _FIELD_LINE.fullmatch(text) is None:
            raise ValueError(f"invalid header field {text!r}")
        line = text.encode("latin-1")
    try:
        if len(_LINES) >= _LINES_MAX:
            _LINES.clear()
        _LINES[(name, value)] = line
    except TypeError:  # unhashable
        pass
    return line


def _close_iterable(*objects: object) -> None:
    seen: set[int] = set()
    for obj in objects:
        close = getattr(obj, "close", None)
        if close is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        try:
            close()
        except Exception:
            log.debug("verified-fakes: closing a response body raised", exc_info=True)


class BodyReader:
    """A request body, read from the connection as the app asks for it.

    Nothing is read before the app asks: a declared ``Content-Length`` of any size
    costs nothing up front. ``read(n)`` returns ``n`` bytes unless the body ends
    first; ``pieces()`` yields what arrives, at most ``size`` bytes at a time. A
    framing error is :class:`MalformedBody`; a client that leaves mid-body is a
    :class:`ConnectionError`.
    """

    __slots__ = ("_conn", "_done", "_leftover", "length", "received")

    def __init__(self, conn: _Connection, length: int | None) -> None:
        self._conn = conn
        self._leftover = b""
        self._done = False
        self.length = length  # None for chunked
        self.received = 0

    @property
    def done(self) -> bool:
        return self._done and not self._leftover

    def _next(self) -> bytes | None:
        """The next piece of body from h11, or None at the end."""
        if self._done:
            return None
        conn = self._conn
        h = conn.h11
        if conn.abandoned:
            raise ConnectionError("the request body was abandoned; the connection is closing")
        while True:
            try:
                event = h.next_event()
            except h11.RemoteProtocolError as exc:
                self._done = True
                if conn.eof:
                    raise ConnectionError(f"the client left mid-body ({exc})") from None
                raise MalformedBody(str(exc)) from None
            if event is h11.NEED_DATA:
                if h.client_is_waiting_for_100_continue:
                    conn.sock.sendall(h.send(h11.InformationalResponse(
                        status_code=100, headers=[], reason=b"Continue")))
                conn.receive()
                continue
            if type(event) is h11.Data:
                self.received += len(event.data)
                return bytes(event.data)
            self._done = True  # EndOfMessage (trailers, if any, are dropped)
            return None

    def read(self, size: int = -1) -> bytes:
        """``size`` bytes, or fewer at the end of the body; all that is left if ``size`` < 0."""
        if size == 0:
            return b""
        parts = []
        have = 0
        if self._leftover:
            parts.append(self._leftover)
            have = len(self._leftover)
            self._leftover = b""
        while size < 0 or have < size:
            piece = self._next()
            if piece is None:
                break
            parts.append(piece)
            have += len(piece)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        if 0 <= size < len(data):
            data, self._leftover = data[:size], data[size:]
        return data

    def pieces(self, size: int = _PIECE) -> Iterator[bytes]:
        """The rest of the body, as it arrives, at most ``size`` bytes at a time."""
        while True:
            if self._leftover:
                piece, self._leftover = self._leftover, b""
            else:
                got = self._next()
                if got is None:
                    return
                piece = got
            for start in range(0, len(piece), size):
                yield piece[start : start + size] if len(piece) > size else piece

    def drain(self) -> None:
        """Read and discard the rest of the body."""
        self._leftover = b""
        while self._next() is not None:
            pass

    def finish(self) -> bool:
        """After the app answered: read what is left of the body if that is cheap.
        False when the body stays unread and the connection must close instead."""
        if self.done:
            return True
        self._leftover = b""
        conn = self._conn
        if conn.h11.client_is_waiting_for_100_continue:
            return False  # the client may never send it: answer, then close
        if self.length is not None and self.length - self.received > DRAIN_LIMIT:
            return False
        limit = self.received + DRAIN_LIMIT
        while self._next() is not None:
            if self.received > limit:
                return False
        return True


class _Connection:
    """One client connection and its thread: h11 state, the socket, the request in flight."""

    __slots__ = ("_buffer", "_view", "abandoned", "body", "eof", "h11", "head_bytes", "http11",
                 "last_host", "last_origin", "peer_closed", "pending", "pending_size", "request",
                 "server", "sock", "sockname", "starved", "stopping", "thread", "watched")

    def __init__(self, server: LoopbackServer, sock: socket.socket, stopping: threading.Event):
        self.server = server
        self.sock = sock
        self.stopping = stopping
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
        self.request: Request | None = None  # in flight: not answered in full yet
        self.body: BodyReader | None = None
        self.watched = False  # registered with the server's watcher thread
        self.eof = False
        self.starved = True
        self.head_bytes = 0
        self.last_host = b"\0"  # the last valid Host (none yet: no Host is NUL), its origin
        self.last_origin = ""
        self.http11 = True
        self.abandoned = False
        self.peer_closed = False
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.thread: threading.Thread | None = None
        self.sockname: Any = None
        self._buffer = bytearray(_RECV)
        self._view = memoryview(self._buffer)

    # -- input ------------------------------------------------------------------------------

    def receive(self) -> int:
        """One ``recv`` into h11 (EOF included); the number of bytes received."""
        if self.eof:
            raise ConnectionError("the client closed the connection")
        try:
            n = self.sock.recv_into(self._buffer)
        except (ConnectionError, TimeoutError):
            n = 0
        if n:
            self.h11.receive_data(self._view[:n])  # type: ignore[arg-type]
        else:
            self.eof = True
            self.h11.receive_data(b"")
        return n

    def _next_request(self) -> Any:
        """The next h11 event while no request is in progress."""
        h = self.h11
        waited = self.head_bytes  # bytes this request may have come in (an upper bound)
        if self.starved:  # nothing buffered: no use asking h11 before receiving
            self.starved = False
            waited += self.receive()
        while True:
            event = h.next_event()
            if event is not h11.NEED_DATA:
                self.head_bytes = waited
                return event
            if waited > MAX_REQUEST_LINE and self._request_line_too_long():
                raise h11.RemoteProtocolError("request line too long", error_status_hint=414)
            waited += self.receive()

    def _request_line_too_long(self) -> bool:
        data = self.h11.trailing_data[0].lstrip(b"\r\n")
        window = MAX_REQUEST_LINE + 64  # the target, a method and " HTTP/1.1\r\n"
        return len(data) > window and b"\n" not in data[:window]

    # -- the loop ---------------------------------------------------------------------------

    def serve(self) -> None:
        how = _CLOSE
        try:
            if isinstance(self.sock, ssl.SSLSocket):
                self.sock.do_handshake()  # here, not in the accept loop: a slow client waits alone
            how = _KEEP
            while how == _KEEP:
                how = self._serve_one()
        except OSError:  # the client went away, or stop() shut the socket (or TLS failed)
            how = _CLOSE
        except Exception:
            log.exception("verified-fakes: the HTTP server failed on a connection")
            how = _CLOSE
        finally:
            self.cancel()
            self._close(how)
            self.server._forget(self)

    def _close(self, how: int) -> None:
        sock = self.sock
        try:
            if how == _ABORT:
                sock.shutdown(socket.SHUT_RDWR)
            elif how == _LINGER and not self.eof and not self.stopping.is_set():
                # Unread input makes close() send a reset, which can destroy the
                # answer before the client reads it: half-close, read until the
                # client closes too (or a short while), then close.
                sock.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + _LINGER_SECONDS
                while (left := deadline - time.monotonic()) > 0:
                    sock.settimeout(left)
                    if not sock.recv_into(self._buffer):
                        break
        except OSError:
            pass
        finally:
            sock.close()

    def _serve_one(self) -> int:
        h = self.h11
        try:
            event = self._next_request()
        except (h11.RemoteProtocolError, ValueError) as exc:
            if self.eof:
                return _CLOSE  # the client left halfway through a request head
            status = getattr(exc, "error_status_hint", 400)
            if status == 431 and self._request_line_too_long():
                status = 414
            return self._refuse(status, str(exc))
        if type(event) is not h11.Request:
            return _CLOSE  # ConnectionClosed
        if self.stopping.is_set():
            return _CLOSE

        if len(event.target) > MAX_REQUEST_LINE:
            return self._refuse(414, "request target too long", event.method)
        fields = [(name.lower(), value) for name, value in event.headers.raw_items()]
        hosts = []
        length: int | None = None
        chunked = False
        self.http11 = event.http_version >= b"1.1"
        keep = self.http11  # h11 keeps no HTTP/1.0 connection alive; neither do we
        for name, value in fields:
            if name in _REQUEST_FRAMING:
                if name == b"host":
                    hosts.append(value)
                elif name == b"content-length":
                    length = int(value)  # h11 checked: 1 to 20 digits
                elif name == b"transfer-encoding":
                    chunked = True  # h11 checked: exactly "chunked"
                elif b"close" in [t.strip() for t in value.lower().split(b",")]:
                    keep = False  # Connection: close
        if self.head_bytes > MAX_HEADER_BYTES and sum(
                len(name) + len(value) + 4 for name, value in fields) > MAX_HEADER_BYTES:
            return self._refuse(431, "request header fields too large", event.method)
        if chunked and length is not None:
            return self._refuse(400, "both Content-Length and Transfer-Encoding", event.method)
        if len(hosts) > 1:
            return self._refuse(400, "more than one Host header", event.method)

        target = event.target.decode("ascii")  # h11 allows only %x21-7E in a target
        host = hosts[0] if hosts else b""
        if target[0] != "/" and target[:8].lower().startswith(("http://", "https://")):
            # absolute-form: its authority is the host (RFC 9112 section 3.2.2)
            authority, slash, path = target.partition("://")[2].partition("/")
            if not authority:
                return self._refuse(400, "no authority in the request target", event.method)
            host = authority.encode("ascii")
            target = slash + path if slash else "/"
        if host == self.last_host:  # clients send the same Host on a connection
            origin = self.last_origin
        elif host:
            if _HOST.fullmatch(host) is None:
                return self._refuse(400, "invalid Host header", event.method)
            origin = self.server.scheme + "://" + host.decode("ascii")
            self.last_host, self.last_origin = host, origin
        else:
            origin = self._socket_origin()

        method = event.method.decode("ascii")
        body = BodyReader(self, None if chunked else (length or 0))
        if not chunked and not length:
            body._done = True  # nothing to read (h11's EndOfMessage would take no bytes)
        request = Request(method, target, Headers._lowered(fields), body, origin)
        request._on_first_cancel_use = self._watch_request
        self.request = request
        self.body = body
        if self.stopping.is_set():
            request.cancelled.set()

        try:
            response = self.server.app(request)
        except DropConnection:
            return _ABORT
        except MalformedBody as exc:
            return self._refuse(400, f"malformed request body: {exc}", event.method)
        except ConnectionError:
            return _CLOSE
        except Exception as exc:
            log.exception("verified-fakes: the app raised for %s %s", method, request.path)
            response = self.server._error_response(
                500, f"verified-fakes internal error ({type(exc).__name__}: {exc})")
        finally:
            if self.watched:  # the app waited on request.cancelled; the socket is ours again
                self._unwatch()
        if self.peer_closed:
            _close_iterable(response.body)
            return _CLOSE  # the client left while the app worked: nobody to answer
        try:
            complete = body.finish()
        except MalformedBody as exc:
            _close_iterable(response.body)
            return self._refuse(400, f"malformed request body: {exc}", event.method)
        except ConnectionError:
            _close_iterable(response.body)
            return _CLOSE
        if not complete:
            self.abandoned = True
        elif keep:
            # Ready the next request before answering this one (so the client, woken
            # by the answer, does not wait on this thread): a fresh h11 connection,
            # given what the client sent beyond this request. (The answers are never
            # h11's to track; see _respond.)
            data, closed = h.trailing_data
            self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
            if data:
                self.h11.receive_data(data)
            if closed:
                self.h11.receive_data(b"")
            self.starved = not data and not closed
            self.head_bytes = len(data)
        how = self._respond(request, response, keep and complete)
        if how == _CLOSE and not body.done and not self.eof:
            return _LINGER  # the body is unread: let the client read the answer
        return how

    def _socket_origin(self) -> str:
        if self.sockname is None:
            self.sockname = self.sock.getsockname()
        host, port = self.sockname[0], self.sockname[1]
        scheme = self.server.scheme
        return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"

    # -- output -----------------------------------------------------------------------------
    #
    # h11 parses and frames what the client sends. The answer is rendered here: its
    # fields are checked against the field grammar (one line each, a token for a name,
    # no control characters in a value), and its framing is decided here: HEAD, 204
    # and 304 have no body; a bytes body is sent with its Content-Length; an iterable
    # one with the Content-Length the app gave, else chunked (or, to an HTTP/1.0
    # client, delimited by closing the connection).

    def _respond(self, request: Request, response: Response, keep: bool) -> int:
        status = response.status
        payload = response.body
        fixed = isinstance(payload, (bytes, bytearray, memoryview))
        method = request.method
        bodiless = method == "HEAD" or status in (204, 304)
        length: int | None = None
        lines: list[bytes] = []
        try:
            if type(status) is not int or not 200 <= status <= 999:
                raise ValueError(f"status {status!r} is not a final status code")
            for name, value in response.headers:
                try:
                    line = _LINES.get((name, value))
                except TypeError:  # unhashable
                    line = None
                if line is None:
                    line = _field_line(name, value)
                if line:
                    lines.append(line)
                    continue
                lowered = name.lower()
                if lowered == "content-length":
                    declared = str(value).strip()
                    if _DIGITS.fullmatch(declared) is None or (
                            length is not None and int(declared) != length):
                        raise ValueError(f"Content-Length {value!r}")
                    length = int(declared)
                elif lowered == "connection" and "close" in (
                        t.strip().lower() for t in str(value).split(",")):
                    keep = False
                # Transfer-Encoding is the server's to decide
            if fixed:
                if type(payload) is memoryview and payload.itemsize != 1:
                    payload = payload.cast("B")
                size = len(payload)  # type: ignore[arg-type]
                if length is None:
                    if status not in (204, 304):
                        length = size
                elif length != size and not bodiless:
                    raise ValueError(f"a body of {size} bytes with Content-Length {length}")
            fields = b"".join(lines)
        except (ValueError, TypeError) as exc:
            log.error("verified-fakes: the answer to %s %s is not valid HTTP (%s)",
                      method, request.path, exc)
            if not fixed:
                _close_iterable(payload)
            return self._refuse(500, "the fake produced an invalid response", method)

        if length is not None:
            framing = b"Content-Length: %d\r\n" % length
        elif status in (204, 304):
            framing = b""
        elif self.http11:
            framing = b"Transfer-Encoding: chunked\r\n"
        else:
            framing = b""
            keep = keep and bodiless  # the end of the body is the end of the connection
        head = b"HTTP/1.1 %d %s\r\n%s%s%s\r\n" % (
            status, _REASONS.get(status, b""), fields, framing,
            b"" if keep else b"Connection: close\r\n")
        if not fixed and bodiless:
            _close_iterable(payload)
        if fixed or bodiless:
            self.request = None  # once the answer is handed over, there is nothing to cancel
            try:
                if bodiless:
                    self.sock.sendall(head)
                elif length <= _SMALL:  # type: ignore[operator]
                    self.sock.sendall(head + payload)  # type: ignore[operator]
                else:
                    self.sock.sendall(head)
                    self.sock.sendall(payload)  # type: ignore[arg-type]  # as is, not copied
            except OSError:
                request.cancelled.set()
                raise
            return _KEEP if keep else _CLOSE
        if length is not None:
            how = self._stream(head, request, response, length)
        else:
            how = self._stream(head, request, response, -1 if self.http11 else None)
        return how if keep or how != _KEEP else _CLOSE

    def _stream(self, head: bytes, request: Request, response: Response,
                length: int | None) -> int:
        """Send ``head``, then the iterable body: ``length`` bytes of it, chunked if
        ``length`` is -1, or until it ends if None (the connection then closes)."""
        send = self.sock.sendall
        cancelled = request.cancelled
        payload = response.body
        iterator: Iterator[Any] | None = None
        watcher = self.server._watcher()
        if watcher is None:  # the server is stopping
            _close_iterable(payload)
            return _CLOSE
        chunked = length == -1
        left = length if length is not None and length >= 0 else -1
        try:
            watcher.watch(self)
            self.watched = True
            send(head)
            iterator = iter(payload)
            while not cancelled.is_set():
                try:
                    piece = next(iterator)
                    if not isinstance(piece, (bytes, bytearray, memoryview)):
                        raise TypeError(f"a response body yielded {type(piece).__name__}, "
                                        "not bytes")
                except StopIteration:
                    if left > 0:
                        log.error("verified-fakes: the streamed answer to %s %s is %d bytes "
                                  "short of its Content-Length", request.method,
                                  request.path, left)
                        return _CLOSE
                    self._unwatch()  # the client may close as soon as it has the end
                    self.request = None
                    if chunked:
                        send(b"0\r\n\r\n")
                    return _KEEP
                except Exception as exc:
                    self._stream_failed(request, response, exc, chunked, left >= 0)
                    return _CLOSE
                if type(piece) is memoryview and piece.itemsize != 1:
                    piece = piece.cast("B")
                size = len(piece)
                if not size or cancelled.is_set():
                    continue
                if left >= 0:
                    if size > left:
                        log.error("verified-fakes: the streamed answer to %s %s is longer "
                                  "than its Content-Length", request.method, request.path)
                        return _CLOSE
                    left -= size
                    send(piece)
                elif not chunked:
                    send(piece)
                elif size <= _SMALL:
                    send(b"%x\r\n%b\r\n" % (size, piece))  # type: ignore[str-format]
                else:
                    send(b"%x\r\n" % size)
                    send(piece)
                    send(b"\r\n")
            return _CLOSE  # cancelled: the client left or the server is stopping
        except OSError:
            cancelled.set()
            return _CLOSE
        finally:
            self._unwatch()
            _close_iterable(iterator, payload)

    def _stream_failed(self, request: Request, response: Response, exc: Exception,
                       chunked: bool, counted: bool) -> None:
        """The body iterator raised: send the provider's in-band error if there is a
        way to, end the stream properly, and let the connection close."""
        log.debug("verified-fakes: the streamed answer to %s %s raised", request.method,
                  request.path, exc_info=exc)
        if counted:
            return  # no room for more bytes; closing early tells the client
        extra = None
        if response.stream_error is not None:
            try:
                extra = response.stream_error(exc)
            except Exception:
                log.exception("verified-fakes: stream_error raised")
        out = b""
        if extra:
            out = b"%x\r\n%b\r\n" % (len(extra), extra) if chunked else bytes(extra)
        if chunked:
            out += b"0\r\n\r\n"
        if out:
            self.sock.sendall(out)

    def _watch_request(self) -> None:
        """``request.cancelled`` is wanted (a long wait, a stream): have the watcher
        thread notice the client leaving. Only while the app runs on this connection's
        thread with the request body read: the socket is otherwise this thread's own."""
        body = self.body
        if (body is not None and body.done and not self.watched
                and threading.current_thread() is self.thread):
            watcher = self.server._watcher()
            if watcher is not None:
                watcher.watch(self)
                self.watched = True

    def _unwatch(self) -> None:
        """Take the socket back from the watcher, with what it read meanwhile."""
        if self.watched:
            self.watched = False
            watcher = self.server._watcher_instance
            if watcher is not None:
                watcher.unwatch(self)
        self._take_pending()

    def _take_pending(self) -> None:
        """Hand what the watcher read from the socket to h11."""
        if self.pending:
            data = b"".join(self.pending)
            self.pending.clear()
            self.pending_size = 0
            self.h11.receive_data(data)
            self.head_bytes += len(data)
            self.starved = False  # the next request may be whole in h11 already: ask it first
        if self.peer_closed and not self.eof:
            self.eof = True
            self.h11.receive_data(b"")

    def _refuse(self, status: int, message: str, method: bytes | str | None = None) -> int:
        """Answer a request the server cannot serve with ``status`` and close."""
        self.abandoned = True
        response = self.server._error_response(status, message)
        body = response.body if isinstance(response.body, (bytes, bytearray)) else b""
        lines = [f"HTTP/1.1 {response.status} {response.reason}\r\n"]
        for name, value in response.headers:
            if name.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            if _BAD_FIELD.search(str(name)) or _BAD_FIELD.search(str(value)):
                continue
            lines.append(f"{name}: {value}\r\n")
        lines.append(f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        head = "".join(lines).encode("latin-1", "replace")
        with contextlib.suppress(OSError):
            self.sock.sendall(head if method in (b"HEAD", "HEAD") else head + bytes(body))
        return _LINGER

    def cancel(self) -> None:
        request = self.request
        if request is not None:
            request.cancelled.set()


class _Watcher:
    """One thread per server that notices clients leaving while their answer streams.

    A connection is watched only while its response body is being streamed (the
    connection's own thread is then busy writing or waiting on the app's iterator).
    Bytes that arrive meanwhile (a pipelined request) are kept for the connection;
    end of file or a reset sets the request's ``cancelled`` event.
    """

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._closed = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        # epoll and kqueue see registrations made while select() waits; the others do not
        self._wake_on_watch = type(self._selector).__name__ not in (
            "EpollSelector", "KqueueSelector", "DevpollSelector")
        self._thread = threading.Thread(target=self._run, name="fakes-watch", daemon=True)
        self._thread.start()

    def watch(self, conn: _Connection) -> None:
        with self._lock:
            if self._closed:
                conn.cancel()
                return
            with contextlib.suppress(KeyError):  # already watched
                self._selector.register(conn.sock, selectors.EVENT_READ, conn)
        if self._wake_on_watch:
            self._wake()

    def unwatch(self, conn: _Connection) -> None:
        with self._lock:
            if not self._closed:
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self._selector.unregister(conn.sock)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _run(self) -> None:
        selector = self._selector
        while True:
            try:
                events = selector.select()
            except (OSError, ValueError):
                return
            with self._lock:
                if self._closed:
                    return
                registered = selector.get_map()
                for key, _ in events:
                    conn = key.data
                    if conn is None:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                    elif registered.get(key.fd) is key:
                        self._read(conn)

    def _read(self, conn: _Connection) -> None:
        if isinstance(conn.sock, ssl.SSLSocket):
            # TLS records cannot be read beside the thread that writes the stream. A
            # client reading a streamed answer sends nothing unless it is leaving (a
            # close_notify alert, then FIN): take anything readable as that.
            conn.peer_closed = True
            conn.cancel()
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(conn.sock)
            return
        try:
            data = conn.sock.recv(_RECV, _MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            conn.pending.append(data)
            conn.pending_size += len(data)
            if conn.pending_size <= _WATCH_BUFFER:
                return
            # A client pipelining this much is still there; stop watching it.
        else:
            conn.peer_closed = True
            conn.cancel()
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(conn.sock)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake()
        self._thread.join(timeout=1)
        with self._lock:
            self._selector.close()
            self._wake_r.close()
            self._wake_w.close()


class LoopbackServer:
    """Serves an app on 127.0.0.1, one thread per connection.

    Binding anything but a loopback address needs ``allow_non_loopback=True``:
    a fake accepts every credential it is configured with and must not be
    reachable from other machines by accident.

    The app may offer ``protocol_error(status, message) -> Response``: the server
    then answers requests it refuses itself (bad framing 400, 414, 431, 501) in
    the provider's error shape; otherwise in plain text.
    """

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_non_loopback: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not allow_non_loopback and not is_loopback(host):
            raise UsageError(
                f"refusing to bind {host!r}: fakes listen on loopback only; "
                "pass allow_non_loopback=True to serve other interfaces on purpose"
            )
        self.app = app
        self._ssl = ssl_context
        self._host = host
        self._port = port
        self._sock: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections: set[_Connection] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher_instance: _Watcher | None = None

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
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def scheme(self) -> str:
        """``https`` when the server was given an SSL context, else ``http``."""
        return "http" if self._ssl is None else "https"

    def start(self) -> None:
        if self._sock is not None:
            return
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._sock = socket.create_server((self._host, self._port), family=family, backlog=128)
        self._stopping = threading.Event()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(self._sock, self._stopping),
            name=f"fakes-accept-{self.port}", daemon=True,
        )
        self._accept_thread.start()

    def _accept_loop(self, sock: socket.socket, stopping: threading.Event) -> None:
        while True:
            try:
                client, _ = sock.accept()
            except OSError:
                return  # listening socket closed by stop()
            with contextlib.suppress(OSError):
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._ssl is not None:
                try:
                    client = self._ssl.wrap_socket(client, server_side=True,
                                                   do_handshake_on_connect=False)
                except OSError:
                    client.close()
                    continue
            conn = _Connection(self, client, stopping)
            conn.thread = threading.Thread(target=conn.serve, name="fakes-conn", daemon=True)
            with self._lock:
                self._connections.add(conn)
            conn.thread.start()

    def _forget(self, conn: _Connection) -> None:
        with self._lock:
            self._connections.discard(conn)

    def _watcher(self) -> _Watcher | None:
        """The watcher thread, started with the first streamed answer; None once stopping."""
        watcher = self._watcher_instance
        if watcher is None:
            with self._lock:
                if self._stopping.is_set():
                    return None
                watcher = self._watcher_instance
                if watcher is None:
                    watcher = self._watcher_instance = _Watcher()
        return watcher

    def _error_response(self, status: int, message: str) -> Response:
        """The answer for a request the server refuses: the app's shape if it has one."""
        message = message[:300]
        hook = getattr(self.app, "protocol_error", None)
        if hook is not None:
            try:
                response = hook(status, message)
                if isinstance(response, Response) and isinstance(response.body, bytes):
                    return response
                log.error("verified-fakes: protocol_error must return a Response with bytes")
            except Exception:
                log.exception("verified-fakes: protocol_error raised")
        phrase = _REASONS.get(status, b"").decode()
        return Response(status, [("Content-Type", "text/plain; charset=utf-8")],
                        f"{status} {phrase}: {message}\n".encode())

    def stop(self) -> None:
        """Stop accepting; cancel every request in flight and shut every connection;
        then wait (briefly) for the connection threads."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._stopping.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=1)
        with self._lock:
            connections = list(self._connections)
            watcher, self._watcher_instance = self._watcher_instance, None
        for conn in connections:
            conn.cancel()
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        if watcher is not None:
            watcher.close()
        deadline = time.monotonic() + _JOIN_SECONDS
        for conn in connections:
            if conn.thread is not None:
                conn.thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
