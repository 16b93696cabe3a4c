"""Routing and the request pipeline every fake's wire adapter shares: authorization,
fault injection, stale reads and the provider's error envelopes.

A fake's wire adapter subclasses :class:`WireAdapter`, declares its routes with
:func:`route`, the fault kinds it renders with :func:`renders`, and supplies its
provider's shapes (error envelope, the 501 for operations it does not model).
All rules live in the domain model; the adapter only translates.

Routes are matched against the raw request path (``%2F`` is not a separator),
most specific first: more literal path segments, fewer ``{name:path}``
parameters, more literal characters, then query and Content-Type conditions;
declaration order breaks ties. Handler names play no part.

Several adapters can share one origin (:class:`Mounts`): GitHub serves its REST
API at ``/`` and ``/api/v3`` and git's smart HTTP beside it, each with its own
auth and error shape.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar
from urllib.parse import unquote

import attrs

from fakes._faults import PIPELINE_KINDS, Fault, Faults, LostResponse, StaleReads, glob_matches
from fakes._http import BodyTooLarge, DropConnection, MalformedBody, Request, Response
from fakes.errors import ProviderError

log = logging.getLogger("fakes")

Access = Literal["read", "write", "none"]
Operation = str | Callable[[Request], str]

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_CONVERTERS = {None: r"[^/]+", "path": r".+?"}
_declared = itertools.count()


def _compile(template: str) -> re.Pattern[str]:
    pattern, last = [], 0
    for m in _PARAM.finditer(template):
        pattern.append(re.escape(template[last : m.start()]))
        pattern.append(f"(?P<{m.group(1)}>{_CONVERTERS[m.group(2)]})")
        last = m.end()
    pattern.append(re.escape(template[last:]))
    return re.compile("".join(pattern) + r"\Z")


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


@attrs.frozen
class Route:
    """One operation: method, path template, and the conditions that select it.

    ``operation`` names it for fault rules and the journal; it may be computed
    from the request (``?watch=1`` makes a list a watch). ``access`` says
    whether it reads state (stale reads apply), writes it (stale reads can be
    armed by it) or touches none (a version ping, a token fetch).
    """

    method: str
    template: str
    operation: Operation
    handler: str
    access: Access
    query: tuple[tuple[str, str | None], ...]
    content_types: frozenset[str]
    order: int
    regex: re.Pattern[str] = attrs.field(eq=False, repr=False)

    @property
    def name(self) -> str:
        """``METHOD template``, the other name fault rules match on."""
        return f"{self.method} {self.template}"

    @property
    def precedence(self) -> tuple[int, ...]:
        """Sort key: the most specific route first."""
        segments = [s for s in self.template.split("/") if s]
        literal = [s for s in segments if "{" not in s]
        greedy = self.template.count(":path}")
        chars = len(_PARAM.sub("", self.template))
        conditions = len(self.query) + bool(self.content_types)
        return (-len(literal), greedy, -chars, -conditions, self.order)

    def operation_for(self, request: Request) -> str:
        return self.operation if isinstance(self.operation, str) else self.operation(request)

    def match(self, request: Request, path: str) -> dict[str, str] | None:
        """The decoded path parameters when this route serves ``request``."""
        m = self.regex.match(path)
        if m is None:
            return None
        for name, value in self.query:
            got = request.arg(name)
            if got is None or (value is not None and got != value):
                return None
        if self.content_types and (
            _media_type(request.header("Content-Type")) not in self.content_types
        ):
            return None
        return {name: unquote(value) for name, value in m.groupdict().items()}


def route(
    method: str,
    template: str,
    operation: Operation,
    *,
    access: Access | None = None,
    query: Mapping[str, str | None] | None = None,
    content_type: str | Iterable[str] | None = None,
) -> Callable[[Callable[..., Response]], Any]:
    """Declare one route a handler serves (stack the decorator for more).

    ``query`` names parameters that must be present (value ``None``) or have a
    value; ``content_type`` the media types the request body must have.
    ``access`` defaults to ``read`` for GET and HEAD and ``write`` otherwise.
    """
    if access is None:
        access = "read" if method in ("GET", "HEAD") else "write"
    if isinstance(content_type, str):
        content_type = (content_type,)
    spec = dict(
        method=method, template=template, operation=operation, access=access,
        query=tuple(sorted((query or {}).items())),
        content_types=frozenset(_media_type(t) for t in content_type or ()),
        order=next(_declared), regex=_compile(template),
    )

    def mark(handler: Callable[..., Response]) -> Callable[..., Response]:
        handler.__dict__.setdefault("_routes", []).append(spec)
        return handler

    return mark


def renders(*kinds: type[Fault]) -> Callable[[Callable[..., Response]], Any]:
    """Mark an adapter method ``(request, fault) -> Response`` as the provider's
    shape for fault ``kinds``; it may also raise a :class:`ProviderError`."""

    def mark(renderer: Callable[..., Response]) -> Callable[..., Response]:
        renderer.__dict__.setdefault("_renders", []).extend(kinds)
        return renderer

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
    """What a handler receives beside the request.

    ``fault`` is set when a rule chose a kind the adapter lists in
    ``handled_faults``: the handler acts it out.
    """

    store: Any
    params: Mapping[str, str]
    actor: str
    route: Route
    operation: str
    fault: Fault | None = None


class WireAdapter(Generic[Store]):
    """The request pipeline every fake shares.

    Subclasses declare routes with :func:`route` on handler methods taking
    ``(request, call)``, renderers of fault kinds with :func:`renders`, and
    implement the provider shapes below.
    """

    routes: ClassVar[tuple[Route, ...]] = ()
    renderers: ClassVar[Mapping[type[Fault], str]] = {}
    handled_faults: ClassVar[tuple[type[Fault], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: list[Route] = []
        renderers: dict[type[Fault], str] = {}
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                for spec in getattr(member, "_routes", ()):
                    found.append(Route(handler=name, **spec))
                for kind in getattr(member, "_renders", ()):
                    renderers[kind] = name
        cls.routes = tuple(sorted(found, key=lambda r: r.precedence))
        cls.renderers = renderers

    @classmethod
    def fault_kinds(cls) -> tuple[type[Fault], ...]:
        """Every fault kind a fake served by this adapter can act out."""
        return (*PIPELINE_KINDS, *cls.renderers, *cls.handled_faults)

    def __init__(self, store: Store, faults: Faults) -> None:
        self.store = store
        self.faults = faults
        self._by_method: dict[str, list[Route]] = {}
        for r in self.routes:
            self._by_method.setdefault(r.method, []).append(r)
        self._stale: tuple[Store, int, str] | None = None
        self._stale_lock = threading.Lock()

    # -- provider shapes, supplied by each fake -------------------------------------------

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        """The provider's error envelope (``request`` is None for server-level errors)."""
        raise NotImplementedError

    def not_modelled(self, request: Request) -> ProviderError:
        raise NotImplementedError

    def too_large(self, request: Request, limit: int) -> ProviderError:
        raise NotImplementedError

    def authorize(self, request: Request, route: Route, params: Mapping[str, str]) -> str:
        """The actor making the request; raise a ProviderError to refuse it."""
        return "anonymous"

    def protocol_error(self, status: int, message: str) -> Response:
        """The answer to a request the server could not even frame (400, 414, 431 …)."""
        return self.error_response(None, ProviderError(f"verified-fakes: {message}",
                                                       status=status))

    # -- the pipeline ---------------------------------------------------------------------

    def match(self, request: Request, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route serving ``request`` at ``path`` (raw, relative to the mount)."""
        for r in self._by_method.get(request.method, ()):
            params = r.match(request, path)
            if params is not None:
                return r, params
        return None

    def reset(self) -> None:
        with self._stale_lock:
            self._stale = None

    def __call__(self, request: Request) -> Response:
        return self.respond(request, self.match(request, request.raw_path))

    def respond(self, request: Request, found: tuple[Route, dict[str, str]] | None) -> Response:
        """Run the pipeline for a matched route (``None``: the 501 for an unmodelled one)."""
        try:
            if found is None:
                raise self.not_modelled(request)
            return self._handle(request, *found)
        except ProviderError as error:
            return self.error_response(request, error)
        except BodyTooLarge as exc:
            return self.error_response(request, self.too_large(request, exc.limit))
        except (DropConnection, MalformedBody, ConnectionError):
            raise
        except Exception as exc:  # a bug in the fake: say so in the provider's shape
            log.error("verified-fakes: internal error for %s %s: %s: %s", request.method,
                      request.path, type(exc).__name__, exc)
            log.debug("traceback", exc_info=True)
            return self.error_response(request, ProviderError(
                f"verified-fakes internal error ({type(exc).__name__}: {exc}); "
                "this is a bug in the fake, please report it",
                status=500,
            ))

    def _handle(self, request: Request, route_: Route, params: dict[str, str]) -> Response:
        operation = route_.operation_for(request)
        actor = self.authorize(request, route_, params)
        decision = self.faults.decide(operation, route_.name, request.path)
        if decision.latency and request.cancelled.wait(decision.latency):
            raise DropConnection()  # the server is stopping: the held request never runs
        fault = decision.fault
        if fault is not None:
            renderer = self._renderer(fault)
            if renderer is not None:
                return renderer(request, fault)
        store = self.store
        if route_.access == "read":
            store = self._read_view(operation)
        elif route_.access == "write" and isinstance(fault, StaleReads):
            with self._stale_lock:
                self._stale = (self.store.snapshot(), fault.reads, fault.reads_matching)
        handed = fault if isinstance(fault, self.handled_faults) else None
        handler = getattr(self, route_.handler)
        try:
            response: Response = handler(request, Call(store, params, actor, route_, operation,
                                                       handed))
        except ProviderError:
            if isinstance(fault, LostResponse):
                raise DropConnection() from None
            raise
        if isinstance(fault, LostResponse):
            raise DropConnection()
        return response

    def _renderer(self, fault: Fault) -> Callable[[Request, Fault], Response] | None:
        for kind in type(fault).__mro__:
            name = self.renderers.get(kind)
            if name is not None:
                renderer: Callable[[Request, Fault], Response] = getattr(self, name)
                return renderer
        return None

    def _read_view(self, operation: str) -> Store:
        if self._stale is None:
            return self.store
        with self._stale_lock:
            if self._stale is None:
                return self.store
            view, left, matching = self._stale
            if not glob_matches(matching, operation):
                return self.store
            self._stale = (view, left - 1, matching) if left > 1 else None
            return view


class Mounts:
    """Several adapters on one origin, each under a path prefix (``""`` for the root).

    A request goes to the longest prefix that contains its path and has a route
    for it; when none has, the longest containing prefix answers its 501. The
    mount's prefix becomes part of ``request.base``, so the URLs an adapter
    builds stay under it.
    """

    def __init__(self, mounts: Sequence[tuple[str, WireAdapter[Any]]]) -> None:
        for prefix, _ in mounts:
            if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
                raise ValueError(f"verified-fakes: a mount prefix looks like /api/v3, "
                                 f"not {prefix!r}")
        # Longest prefix first; equal prefixes keep the order given.
        self.mounts = sorted(mounts, key=lambda m: -len(m[0]))

    def _containing(self, path: str) -> Iterable[tuple[str, WireAdapter[Any], str]]:
        for prefix, adapter in self.mounts:
            if not prefix:
                yield prefix, adapter, path
            elif path == prefix or path.startswith(prefix + "/"):
                yield prefix, adapter, path[len(prefix):] or "/"

    def __call__(self, request: Request) -> Response:
        fallback: WireAdapter[Any] | None = None
        for prefix, adapter, inner in self._containing(request.raw_path):
            found = adapter.match(request, inner)
            if found is not None:
                request.base = request.origin + prefix
                return adapter.respond(request, found)
            if fallback is None:
                fallback = adapter
                request.base = request.origin + prefix
        if fallback is None:  # no root mount and no prefix contains the path
            fallback = self.mounts[-1][1]
        return fallback.respond(request, None)

    def protocol_error(self, status: int, message: str) -> Response:
        """Server-level errors answer in the root adapter's shape."""
        return self.mounts[-1][1].protocol_error(status, message)
