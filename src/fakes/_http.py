"""HTTP primitives shared by every fake: the request an adapter reads and the
response it returns, as the loopback server hands them over."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote

import attrs

log = logging.getLogger("fakes")

_CANCEL_LOCK = threading.Lock()


class DropConnection(Exception):
    """Raised by an adapter to close the connection without answering."""


class MalformedBody(Exception):
    """The request body's framing is broken (e.g. a chunk size that is not hex)."""


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class _Body(Protocol):
    def read(self, size: int = -1) -> bytes: ...

    def pieces(self) -> Iterator[bytes]:
        """The rest of the body, a bounded piece at a time."""
        ...


class HeadersLike(Protocol):
    """What a request's headers offer: case-insensitive lookups."""

    def get(self, name: str, default: Any = None) -> Any: ...

    def get_all(self, name: str, failobj: Any = None) -> Any: ...


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("latin-1") if isinstance(value, str) else bytes(value)


class Headers:
    """A request's header fields in the order received, looked up case-insensitively.

    Values are decoded as Latin-1 (HTTP field values are octets; what is not ASCII
    comes through unchanged byte for byte). ``get`` answers the first field of that
    name, ``get_all`` every one of them.
    """

    __slots__ = ("_items",)

    _items: list[tuple[bytes, bytes]]

    def __init__(self, fields: Iterable[tuple[str | bytes, str | bytes]] = ()) -> None:
        self._items = [(_as_bytes(name).lower(), _as_bytes(value)) for name, value in fields]

    @classmethod
    def _lowered(cls, items: list[tuple[bytes, bytes]]) -> Headers:
        """Wrap ``items`` whose names are already lower-case (as h11 gives them)."""
        headers = cls.__new__(cls)
        headers._items = items
        return headers

    def get(self, name: str, default: Any = None) -> Any:
        key = name.lower().encode("latin-1")
        for field, value in self._items:
            if field == key:
                return value.decode("latin-1")
        return default

    def get_all(self, name: str, failobj: Any = None) -> Any:
        key = name.lower().encode("latin-1")
        values = [value.decode("latin-1") for field, value in self._items if field == key]
        return values if values else failobj

    def items(self) -> list[tuple[str, str]]:
        """``(lower-case name, value)`` for every field, in order."""
        return [(field.decode("latin-1"), value.decode("latin-1"))
                for field, value in self._items]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower().encode("latin-1")
        return any(field == key for field, _ in self._items)

    def __iter__(self) -> Iterator[str]:
        return (field.decode("latin-1") for field, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"


class Cancellation(threading.Event):
    """An Event that also calls back whoever registered with :meth:`on_set`, so that a
    waiter blocked on something else (the journal's condition) wakes the moment the
    client leaves or the server stops."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], None]] = []
        self._callbacks_lock = threading.Lock()

    def on_set(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` when set (at once if it is); returns an unregister function."""
        with self._callbacks_lock:
            self._callbacks.append(callback)
        if self.is_set():
            callback()

        def unregister() -> None:
            with self._callbacks_lock, contextlib.suppress(ValueError):
                self._callbacks.remove(callback)

        return unregister

    def set(self) -> None:
        super().set()
        with self._callbacks_lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()


class Request:
    """One HTTP request as an adapter sees it.

    ``raw_path`` is the path as sent (routes match it, so ``%2F`` stays apart
    from ``/``); ``path`` is its decoded form, for messages. ``origin`` is
    ``scheme://host:port`` from the request's own ``Host``; ``base`` adds the
    prefix of the mount that serves the request (``/api/v3``), and every URL a
    fake returns starts with it. ``cancelled`` is set when the client went away
    or the server is stopping: long waits and streams watch it and end.
    """

    __slots__ = ("_cancelled", "_on_first_cancel_use", "base", "body", "headers", "method",
                 "origin", "path", "query", "raw_path", "target")

    def __init__(
        self, method: str, target: str, headers: HeadersLike, body: _Body, origin: str,
        cancelled: threading.Event | None = None,
    ):
        self.method = method
        self.target = target
        path, _, query = target.partition("?")
        self.raw_path = path
        self.path = unquote(path)
        self.query = parse_qs(query, keep_blank_values=True) if query else {}
        self.headers = headers
        self.body = body
        self.origin = origin
        self.base = origin
        self._cancelled = cancelled
        # the server's hook: someone is about to wait on ``cancelled``, so watch the client
        self._on_first_cancel_use: Callable[[], None] | None = None

    @property
    def cancelled(self) -> threading.Event:
        """Set when the client went away or the server is stopping."""
        event = self._cancelled
        if event is None:  # made on first use: most requests never look
            with _CANCEL_LOCK:
                event = self._cancelled
                made = event is None
                if event is None:
                    event = self._cancelled = Cancellation()
            hook = self._on_first_cancel_use
            if made and hook is not None:
                hook()
        return event

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else str(value)

    def read_body(self, limit: int | None = None) -> bytes:
        """The whole body; :class:`BodyTooLarge` past ``limit`` bytes."""
        if limit is None:
            return self.body.read()
        data = self.body.read(limit + 1)
        if len(data) > limit:
            raise BodyTooLarge(limit)
        return data


@attrs.define(slots=True)
class Response:
    """What an adapter answers. A ``body`` that is an iterable is streamed (chunked
    unless a Content-Length is given); the server closes it when the stream ends,
    the client goes away or the server stops. If the iterable raises mid-stream,
    ``stream_error`` renders the provider's in-band error (a Kubernetes ``ERROR``
    event, a git ``ERR`` packet) as the last piece sent."""

    status: int
    headers: list[tuple[str, str]] = attrs.field(factory=list)
    body: bytes | bytearray | memoryview | Iterable[bytes] = b""
    stream_error: Callable[[BaseException], bytes | None] | None = None

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @classmethod
    def json(
        cls, status: int, document: Any, headers: Iterable[tuple[str, str]] = (),
        content_type: str = "application/json",
    ) -> Response:
        body = json.dumps(document, separators=(",", ":")).encode()
        return cls(status, [("Content-Type", content_type), *headers], body)


