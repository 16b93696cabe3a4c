"""The control API: what a Python test does with a fake object, over HTTP, for
tools that are not Python (a shell script, a Go or JavaScript test).

It lives under one reserved prefix, ``/_fakes``, that no provider uses, and
only when the fake is built with ``control_api=True`` (``fakes serve`` does
that). It never answers a provider's own paths. Documented in docs/control-api.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from fakes._adapter import Call, WireAdapter, route
from fakes._faults import Faults
from fakes._http import Request, Response
from fakes._journal import Change
from fakes.errors import ProviderError

if TYPE_CHECKING:
    from fakes._fake import Fake, Snapshot

PREFIX = "/_fakes"
_MAX_BODY = 64 * 1024
_MAX_WAIT = 60.0


def _change(change: Change) -> dict[str, Any]:
    return {
        "seq": change.seq, "at": change.at.isoformat(), "actor": change.actor,
        "operation": change.operation, "resource": change.resource,
        "detail": dict(change.detail), "payload": change.payload,
    }


class ControlError(ProviderError):
    """A control API request the fake refuses."""


class ControlAdapter(WireAdapter[Any]):
    """Reset, snapshots, the change log, the clock and fault rules of one fake."""

    def __init__(self, fake: Fake[Any]) -> None:
        super().__init__(fake, Faults(()))  # control requests never get injected faults
        self.fake = fake
        self.snapshots: dict[str, Snapshot[Any]] = {}

    # -- shapes ------------------------------------------------------------------------

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        return Response.json(error.status, {"error": {"status": error.status,
                                                      "message": error.message}})

    def not_modelled(self, request: Request) -> ProviderError:
        return ControlError(f"no control operation {request.method} {PREFIX}{request.path}; "
                            f"GET {PREFIX}/ lists them", status=404)

    def too_large(self, request: Request, limit: int) -> ProviderError:
        return ControlError(f"control requests carry at most {limit} bytes", status=413)

    def _json(self, request: Request) -> Mapping[str, Any]:
        raw = request.read_body(_MAX_BODY)
        if not raw.strip():
            return {}
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise ControlError(f"the body is not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise ControlError("the body must be a JSON object")
        return document

    # -- operations --------------------------------------------------------------------

    @route("GET", "/", "control.index", access="none")
    def index(self, request: Request, call: Call) -> Response:
        return Response.json(200, {
            "fake": type(self.fake).__name__,
            "url": request.origin,
            "operations": sorted({f"{r.method} {PREFIX}{r.template}" for r in self.routes}),
            "faults": sorted(k.__name__ for k in self.fake.faults.supported),
        })

    @route("POST", "/reset", "control.reset", access="none")
    def reset_fake(self, request: Request, call: Call) -> Response:
        wanted = self._json(request).get("snapshot")
        snapshot = None
        if wanted is not None:
            snapshot = self.snapshots.get(str(wanted))
            if snapshot is None:
                raise ControlError(f"no snapshot {wanted!r}", status=404)
        self.fake.reset(to=snapshot)
        return Response(204)

    @route("POST", "/snapshots", "control.snapshot", access="none")
    def take_snapshot(self, request: Request, call: Call) -> Response:
        name = str(len(self.snapshots) + 1)
        self.snapshots[name] = self.fake.snapshot()
        return Response.json(201, {"id": name},
                             [("Location", f"{request.base}/snapshots/{name}")])

    @route("GET", "/changes", "control.changes", access="none")
    def changes(self, request: Request, call: Call) -> Response:
        after = self._number(request, "after", 0)
        wait = min(float(self._number(request, "wait", 0)), _MAX_WAIT)
        journal = self.fake.journal
        found = (journal.wait(after, wait, request.cancelled) if wait
                 else journal.since(after))
        return Response(200, [("Content-Type", "application/json")], json.dumps({
            "last": journal.last, "expired": journal.expired(after),
            "changes": [_change(c) for c in found],
        }, default=str).encode())

    @staticmethod
    def _number(request: Request, name: str, default: int) -> int:
        raw = request.arg(name)
        if raw is None:
            return default
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise ControlError(f"{name} must be a whole number of at most 18 digits")
        return int(raw)

    @route("GET", "/clock", "control.clock", access="none")
    def clock(self, request: Request, call: Call) -> Response:
        clock = self.fake.clock
        return Response.json(200, {"now": clock.now().isoformat(),
                                    "elapsed": clock.monotonic()})

    @route("POST", "/clock/advance", "control.clock.advance", access="none")
    def advance(self, request: Request, call: Call) -> Response:
        seconds = self._json(request).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ControlError('advance takes {"seconds": N} with N >= 0')
        self.fake.clock.advance(seconds)
        response: Response = self.clock(request, call)
        return response

    @route("GET", "/faults", "control.faults", access="none")
    def list_faults(self, request: Request, call: Call) -> Response:
        return Response.json(200, {"rules": [
            {"kind": type(rule.fault).__name__, "args": attrs.asdict(rule.fault),  # type: ignore[arg-type]
             "on": rule.on, "times": rule.times, "probability": rule.probability,
             "path": rule.path.pattern if rule.path else None, "fired": rule.fired}
            for rule in self.fake.faults.rules
        ]})

    @route("POST", "/faults", "control.faults.add", access="none")
    def add_fault(self, request: Request, call: Call) -> Response:
        spec = dict(self._json(request))
        kinds = {k.__name__: k for k in self.fake.faults.supported}
        kind = kinds.get(str(spec.pop("kind", "")))
        if kind is None:
            raise ControlError(f"kind must be one of {sorted(kinds)}")
        args = spec.pop("args", {})
        if not isinstance(args, dict):
            raise ControlError("args must be a JSON object of the kind's fields")
        unknown = set(spec) - {"on", "times", "probability", "path"}
        if unknown:
            raise ControlError(f"unknown keys {sorted(unknown)}")
        try:
            fault = kind(**args)
            self.fake.faults.add(fault, **spec)
        except (TypeError, ValueError) as exc:
            raise ControlError(f"cannot add that rule: {exc}") from None
        return Response.json(201, {"kind": kind.__name__})

    @route("DELETE", "/faults", "control.faults.clear", access="none")
    def clear_faults(self, request: Request, call: Call) -> Response:
        self.fake.faults.clear()
        return Response(204)
