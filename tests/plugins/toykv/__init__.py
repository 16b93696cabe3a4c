"""A toy provider, defined only in the tests: a key-value store with versions and a
streamed watch. It plugs into verified-fakes the way every provider does — an
entry point describing it — and proves the core needs no edit for a new one."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from fakes import Journal
from fakes.errors import ProviderError
from fakes.faults import Conflict, Fault, Throttle
from fakes.wire import Call, Fake, Request, Response, WireAdapter, renders, route


class KVError(ProviderError):
    """The toy store's errors: ``{"error": code, "message": ...}``."""


@attrs.frozen
class Entry:
    value: str
    version: int


@attrs.frozen
class WatchGone(Fault):
    """A toy provider-defined kind: the watch stream ends with an in-band error."""


class Store:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.entries: dict[str, Entry] = {}

    def snapshot(self) -> Store:
        copy = Store(self.journal)
        copy.entries = dict(self.entries)
        return copy

    def reset(self, to: Store | None = None) -> None:
        self.entries = dict(to.entries) if to is not None else {}

    def put(self, key: str, value: str, if_version: int | None, actor: str) -> Entry:
        current = self.entries.get(key)
        if if_version is not None and (current.version if current else 0) != if_version:
            raise KVError(f"{key} is at version {current.version if current else 0}",
                          code="conflict", status=409)
        if current is not None and current.value == value:
            return current  # no change, no journal entry
        entry = Entry(value, (current.version if current else 0) + 1)
        self.entries[key] = entry
        self.journal.record(actor, "kv.put", key, payload={"key": key, "value": value,
                                                          "version": entry.version})
        return entry

    def delete(self, key: str, actor: str) -> None:
        if self.entries.pop(key, None) is None:
            raise KVError(f"no key {key}", code="not_found", status=404)
        self.journal.record(actor, "kv.delete", key, payload={"key": key})


class KVAdapter(WireAdapter[Store]):
    handled_faults = (WatchGone,)

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        return Response.json(error.status, {"error": error.code, "message": error.message},
                             list(error.headers.items()))

    def not_modelled(self, request: Request) -> ProviderError:
        return KVError(f"{request.method} {request.path} is not modelled", code="not_modelled",
                       status=501)

    def too_large(self, request: Request, limit: int) -> ProviderError:
        return KVError(f"body over {limit} bytes", code="too_large", status=413)

    @renders(Throttle)
    def throttled(self, request: Request, fault: Throttle) -> Response:
        raise KVError("slow down", code="throttled", status=429,
                      headers={"Retry-After": str(fault.retry_after)})

    @renders(Conflict)
    def conflicted(self, request: Request, fault: Conflict) -> Response:
        raise KVError(fault.message or "conflict", code="conflict", status=409)

    @route("GET", "/kv/{key}", "kv.get")
    def get(self, request: Request, call: Call) -> Response:
        entry = call.store.entries.get(call.params["key"])
        if entry is None:
            raise KVError(f"no key {call.params['key']}", code="not_found", status=404)
        return Response.json(200, {"key": call.params["key"], **attrs.asdict(entry)})

    @route("PUT", "/kv/{key}", "kv.put")
    def put(self, request: Request, call: Call) -> Response:
        raw = request.arg("if_version")
        if raw is not None and not raw.isdigit():
            raise KVError("if_version must be a number", code="bad_request")
        entry = call.store.put(call.params["key"], request.read_body(1 << 16).decode(),
                               int(raw) if raw else None, call.actor)
        return Response.json(200, {"key": call.params["key"], **attrs.asdict(entry)})

    @route("DELETE", "/kv/{key}", "kv.delete")
    def delete(self, request: Request, call: Call) -> Response:
        call.store.delete(call.params["key"], call.actor)
        return Response(204)

    @route("GET", "/kv", "kv.watch", query={"watch": "1"})
    def watch(self, request: Request, call: Call) -> Response:
        journal = call.store.journal
        raw = request.arg("after")
        after = int(raw) if raw and raw.isdigit() else journal.last
        if journal.expired(after):
            raise KVError(f"position {after} is gone", code="gone", status=410)
        gone = isinstance(call.fault, WatchGone)

        def events() -> Iterator[bytes]:
            position = after
            while not request.cancelled.is_set():
                if gone:
                    raise KVError("watch expired", code="gone", status=410)
                for change in journal.wait(position, timeout=None, cancel=request.cancelled):
                    position = change.seq
                    yield json.dumps({"seq": change.seq, "type": change.operation,
                                      "object": change.payload}).encode() + b"\n"
                if journal.expired(position):
                    return

        def in_band(error: BaseException) -> bytes:
            code = error.code if isinstance(error, KVError) else "internal"
            return json.dumps({"type": "error", "error": code}).encode() + b"\n"

        return Response(200, [("Content-Type", "application/x-ndjson")], events(),
                        stream_error=in_band)

    @route("GET", "/kv", "kv.list")
    def list(self, request: Request, call: Call) -> Response:
        return Response.json(200, {"last": call.store.journal.last, "items": {
            key: attrs.asdict(entry) for key, entry in sorted(call.store.entries.items())}})


class FakeKV(Fake[Store]):
    """A key-value store with versions and a watch, served on loopback."""

    def _make_store(self) -> Store:
        return Store(self.journal)

    def _make_adapter(self) -> KVAdapter:
        return KVAdapter(self.store, self.faults)

    def put(self, key: str, value: str, *, actor: str = "seed") -> None:
        self.store.put(key, value, None, actor)

    def items(self) -> Mapping[str, Any]:
        return {key: entry.value for key, entry in self.store.entries.items()}
