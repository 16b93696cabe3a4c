"""Routing and the request pipeline every fake's wire adapter shares: authorization,
fault injection, stale reads and the provider's error envelopes.

A fake's wire adapter subclasses :class:`WireAdapter`, declares its routes with
:func:`route` and supplies its provider's shapes (error envelope, throttling,
the 501 for operations it does not model). All rules live in the domain model;
the adapter only translates.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from fakes._faults import Conflict, Faults, LostResponse, ProviderFault, StaleReads, Throttle
from fakes._http import BodyTooLarge, DropConnection, MalformedBody, Request, Response
from fakes.errors import ProviderError

log = logging.getLogger("fakes")


_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_CONVERTERS = {None: r"[^/]+", "path": r".+?"}


def _compile(template: str) -> re.Pattern[str]:
    pattern, last = [], 0
    for m in _PARAM.finditer(template):
        pattern.append(re.escape(template[last : m.start()]))
        pattern.append(f"(?P<{m.group(1)}>{_CONVERTERS[m.group(2)]})")
        last = m.end()
    pattern.append(re.escape(template[last:]))
    return re.compile("".join(pattern) + r"\Z")


@attrs.frozen
class Route:
    method: str
    template: str
    operation: str
    handler: str
    regex: re.Pattern[str]

    @property
    def name(self) -> str:
        """``METHOD template``, the other name fault rules match on."""
        return f"{self.method} {self.template}"

    @property
    def reads(self) -> bool:
        return self.method in ("GET", "HEAD")


def route(*specs: tuple[str, str, str]) -> Callable[[Callable[..., Response]], Any]:
    """Declare the (method, template, operation) triples a handler serves."""

    def mark(handler: Callable[..., Response]) -> Callable[..., Response]:
        handler.__dict__.setdefault("_routes", []).extend(specs)
        return handler

    return mark


Store = TypeVar("Store", bound="FakeStore")


class FakeStore(Protocol):
    """What the shared machinery needs of a fake's store."""

    def snapshot(self: Store) -> Store:
        """An independent copy of the committed state (for stale reads)."""
        ...

    def reset(self: Store, to: Store | None = None) -> None:
        """Forget everything, or go back to the snapshot ``to``."""
        ...


@attrs.frozen
class Call:
    """What a handler receives beside the request."""

    store: Any
    params: Mapping[str, str]
    actor: str
    route: Route


class WireAdapter(Generic[Store]):
    """The request pipeline every fake shares.

    Subclasses declare routes with :func:`route` on handler methods taking
    ``(request, call)`` and implement the provider shapes below.
    """

    routes: ClassVar[tuple[Route, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = []
        for name in dir(cls):
            handler = getattr(cls, name, None)
            for method, template, operation in getattr(handler, "_routes", ()):
                found.append(Route(method, template, operation, name, _compile(template)))
        cls.routes = tuple(found)

    def __init__(self, store: Store, faults: Faults) -> None:
        self.store = store
        self.faults = faults
        self._by_method: dict[str, list[Route]] = {}
        for r in self.routes:
            self._by_method.setdefault(r.method, []).append(r)
        self._stale: tuple[Store, int] | None = None
        self._stale_lock = threading.Lock()

    # -- provider shapes, supplied by each fake -------------------------------------------

    def error_response(self, request: Request, error: ProviderError) -> Response:
        raise NotImplementedError

    def throttle_response(self, request: Request, fault: Throttle) -> Response:
        raise NotImplementedError

    def conflict_response(self, request: Request, fault: Conflict) -> Response:
        raise NotImplementedError

    def fault_error(self, request: Request, fault: ProviderFault) -> ProviderError:
        """The provider error an injected :class:`ProviderFault` stands for."""
        raise NotImplementedError

    def not_modelled(self, request: Request) -> ProviderError:
        raise NotImplementedError

    def too_large(self, request: Request, limit: int) -> ProviderError:
        raise NotImplementedError

    def authorize(self, request: Request, route: Route, params: Mapping[str, str]) -> str:
        """The actor making the request; raise a ProviderError to refuse it."""
        return "anonymous"

    # -- the pipeline ---------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for r in self._by_method.get(method, ()):
            m = r.regex.match(path)
            if m is not None:
                return r, m.groupdict()
        return None

    def reset(self) -> None:
        with self._stale_lock:
            self._stale = None

    def __call__(self, request: Request) -> Response:
        try:
            return self._handle(request)
        except ProviderError as error:
            return self.error_response(request, error)
        except BodyTooLarge as exc:
            return self.error_response(request, self.too_large(request, exc.limit))
        except (DropConnection, MalformedBody, ConnectionError):
            raise
        except Exception as exc:  # a bug in the fake: say so in the provider's shape
            log.exception("verified-fakes: unhandled error for %s %s", request.method,
                          request.path)
            return self.error_response(request, ProviderError(
                f"verified-fakes internal error ({type(exc).__name__}: {exc}); "
                "this is a bug in the fake, please report it",
                status=500,
            ))

    def _handle(self, request: Request) -> Response:
        found = self.match(request.method, request.path)
        if found is None:
            raise self.not_modelled(request)
        route_, params = found
        actor = self.authorize(request, route_, params)
        decision = self.faults.decide(route_.operation, route_.name, request.path)
        if decision.latency:
            time.sleep(decision.latency)
        fault = decision.fault
        if isinstance(fault, Throttle):
            return self.throttle_response(request, fault)
        if isinstance(fault, Conflict):
            return self.conflict_response(request, fault)
        if isinstance(fault, ProviderFault):
            raise self.fault_error(request, fault)
        store = self.store
        if route_.reads:
            store = self._read_view()
        elif isinstance(fault, StaleReads):
            with self._stale_lock:
                self._stale = (self.store.snapshot(), fault.reads)
        handler = getattr(self, route_.handler)
        try:
            response: Response = handler(request, Call(store, params, actor, route_))
        except ProviderError:
            if isinstance(fault, LostResponse):
                raise DropConnection() from None
            raise
        if isinstance(fault, LostResponse):
            raise DropConnection()
        return response

    def _read_view(self) -> Store:
        if self._stale is None:
            return self.store
        with self._stale_lock:
            if self._stale is None:
                return self.store
            view, left = self._stale
            self._stale = (view, left - 1) if left > 1 else None
            return view
