"""The shared request pipeline: route precedence, raw-path matching, query and
Content-Type conditions, read/write/none access, computed operation names,
mounts with their own error shapes, and fault kinds as an open set — through a
real HTTP client against a small adapter defined here."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import pytest
import requests

from fakes._adapter import Call, Mounts, Route, WireAdapter, renders, route
from fakes._faults import Fault, Faults, Latency, LostResponse, StaleReads, Throttle
from fakes._http import Request, Response
from fakes._server import LoopbackServer
from fakes.errors import ProviderError, UsageError


class Box:
    """A store holding one value, with the snapshot/reset the pipeline needs."""

    def __init__(self, value: str = "") -> None:
        self.value = value

    def snapshot(self) -> Box:
        return Box(self.value)

    def reset(self, to: Box | None = None) -> None:
        self.value = to.value if to is not None else ""


@attrs.frozen
class Teapot(Fault):
    """A provider-defined kind, answered in the provider's shape."""

    note: str = "short and stout"


@attrs.frozen
class CutShort(Fault):
    """A provider-defined kind the handler acts out."""

    after: int = 1


def _watch_or_list(request: Request) -> str:
    return "item.watch" if request.arg("watch") in ("1", "true") else "item.list"


class BoxAdapter(WireAdapter[Box]):
    handled_faults = (CutShort,)

    def __init__(self, store: Box, faults: Faults, shape: str = "box") -> None:
        super().__init__(store, faults)
        self.shape = shape

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        return Response.json(error.status, {self.shape: error.message})

    def not_modelled(self, request: Request) -> ProviderError:
        return ProviderError(f"{request.method} {request.path} not modelled", status=501)

    def too_large(self, request: Request, limit: int) -> ProviderError:
        return ProviderError("too large", status=413)

    def authorize(self, request: Request, route_: Route, params: Mapping[str, str]) -> str:
        return request.header("X-User") or "anonymous"

    @renders(Throttle)
    def throttled(self, request: Request, fault: Throttle) -> Response:
        return Response.json(429, {self.shape: "slow down"},
                             [("Retry-After", str(fault.retry_after))])

    @renders(Teapot)
    def teapot(self, request: Request, fault: Teapot) -> Response:
        raise ProviderError(fault.note, status=418)

    # Declared in an order that would pick the wrong handler if order decided.
    @route("GET", "/items/{name:path}", "item.get.path")
    def by_path(self, request: Request, call: Call) -> Response:
        return self._echo(request, call)

    @route("GET", "/items/{name}", "item.get")
    def by_name(self, request: Request, call: Call) -> Response:
        return self._echo(request, call)

    @route("GET", "/items/special", "item.special")
    def special(self, request: Request, call: Call) -> Response:
        return self._echo(request, call)

    @route("GET", "/items", _watch_or_list)
    def items(self, request: Request, call: Call) -> Response:
        if call.operation == "item.watch":
            return self._stream(request, call)
        return self._echo(request, call)

    @route("PATCH", "/items/{name}", "item.patch.merge",
           content_type="application/merge-patch+json")
    @route("PATCH", "/items/{name}", "item.patch.json",
           content_type="application/json-patch+json")
    @route("PATCH", "/items/{name}", "item.patch.apply", query={"fieldManager": None},
           content_type="application/apply-patch+yaml")
    def patch(self, request: Request, call: Call) -> Response:
        return self._echo(request, call)

    @route("PUT", "/value", "value.put")
    def put_value(self, request: Request, call: Call) -> Response:
        call.store.value = request.read_body().decode()
        return self._echo(request, call)

    @route("GET", "/value", "value.get")
    def get_value(self, request: Request, call: Call) -> Response:
        return self._echo(request, call)

    @route("GET", "/version", "version", access="none")
    def version(self, request: Request, call: Call) -> Response:
        return self._echo(request, call)

    @staticmethod
    def _echo(request: Request, call: Call) -> Response:
        return Response.json(200, {
            "handler": call.route.handler, "operation": call.operation, "params": call.params,
            "actor": call.actor, "value": call.store.value, "base": request.base,
        })

    @staticmethod
    def _stream(request: Request, call: Call) -> Response:
        limit = call.fault.after if isinstance(call.fault, CutShort) else 3

        def events() -> Iterator[bytes]:
            for n in range(limit):
                yield b"event %d\n" % n

        return Response(200, [("Content-Type", "text/plain")], events())


@pytest.fixture
def box() -> Iterator[tuple[str, BoxAdapter]]:
    faults = Faults(BoxAdapter.fault_kinds())
    adapter = BoxAdapter(Box("start"), faults)
    with LoopbackServer(Mounts([("", adapter)])) as server:
        yield server.url, adapter


def test_the_most_specific_route_wins_whatever_the_declaration_order(box) -> None:  # type: ignore[no-untyped-def]
    url, _ = box
    assert requests.get(f"{url}/items/special").json()["handler"] == "special"
    assert requests.get(f"{url}/items/one").json()["handler"] == "by_name"
    assert requests.get(f"{url}/items/a/b").json()["handler"] == "by_path"


def test_routes_match_the_raw_path_and_decode_parameters(box) -> None:  # type: ignore[no-untyped-def]
    url, _ = box
    answer = requests.get(f"{url}/items/feature%2Fx").json()
    assert answer["handler"] == "by_name"  # %2F is not a separator
    assert answer["params"] == {"name": "feature/x"}


def test_content_type_and_query_pick_the_route(box) -> None:  # type: ignore[no-untyped-def]
    url, _ = box

    def patch(content_type: str, **params: str) -> requests.Response:
        return requests.patch(f"{url}/items/a", data=b"{}", params=params,
                              headers={"Content-Type": content_type + "; charset=utf-8"})

    assert patch("application/merge-patch+json").json()["operation"] == "item.patch.merge"
    assert patch("application/json-patch+json").json()["operation"] == "item.patch.json"
    assert patch("application/apply-patch+yaml", fieldManager="me").json()["operation"] == (
        "item.patch.apply")
    assert patch("application/apply-patch+yaml").status_code == 501  # no fieldManager
    assert patch("text/plain").json() == {"box": "PATCH /items/a not modelled"}


def test_operation_names_can_come_from_the_request(box) -> None:  # type: ignore[no-untyped-def]
    url, adapter = box
    assert requests.get(f"{url}/items").json()["operation"] == "item.list"
    adapter.faults.add(CutShort(after=1), on="item.watch")
    assert requests.get(f"{url}/items?watch=1").text == "event 0\n"  # handler acted it out
    assert requests.get(f"{url}/items").json()["operation"] == "item.list"  # not hit


def test_provider_defined_answer_kinds(box) -> None:  # type: ignore[no-untyped-def]
    url, adapter = box
    adapter.faults.add(Teapot(), on="item.get", times=1)
    adapter.faults.add(Throttle(retry_after=9), on="item.special", times=1)
    teapot = requests.get(f"{url}/items/x")
    assert (teapot.status_code, teapot.json()) == (418, {"box": "short and stout"})
    throttled = requests.get(f"{url}/items/special")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "9"
    assert requests.get(f"{url}/items/x").status_code == 200


def test_a_kind_without_a_shape_is_refused_when_added() -> None:
    @attrs.frozen
    class Unknown(Fault):
        pass

    faults = Faults(BoxAdapter.fault_kinds())
    with pytest.raises(UsageError, match="no provider shape for Unknown"):
        faults.add(Unknown())
    assert {Teapot, CutShort, Throttle, Latency, LostResponse, StaleReads} <= set(
        BoxAdapter.fault_kinds())


def test_stale_reads_skip_operations_that_read_no_state(box) -> None:  # type: ignore[no-untyped-def]
    url, adapter = box
    adapter.faults.add(StaleReads(reads=1, reads_matching="value.*"), on="value.put", times=1)
    requests.put(f"{url}/value", data=b"new")
    assert requests.get(f"{url}/version").json()["value"] == "new"  # access="none"
    assert requests.get(f"{url}/items/x").json()["value"] == "new"  # not value.*
    assert requests.get(f"{url}/value").json()["value"] == "start"  # the stale read
    assert requests.get(f"{url}/value").json()["value"] == "new"


def test_latency_does_not_hold_stop_hostage_and_the_held_write_never_runs() -> None:
    faults = Faults(BoxAdapter.fault_kinds())
    adapter = BoxAdapter(Box("start"), faults)
    faults.add(Latency(30), on="value.put")
    server = LoopbackServer(Mounts([("", adapter)]))
    server.start()
    outcome: list[object] = []

    def put() -> None:
        try:
            outcome.append(requests.put(f"{server.url}/value", data=b"late", timeout=10))
        except requests.ConnectionError as exc:
            outcome.append(exc)

    writer = threading.Thread(target=put)
    writer.start()
    time.sleep(0.2)
    began = time.monotonic()
    server.stop()
    assert time.monotonic() - began < 1.0
    writer.join(5)
    time.sleep(0.1)
    assert adapter.store.value == "start"
    assert isinstance(outcome[0], requests.ConnectionError)


def test_mounts_share_an_origin_with_their_own_shapes_and_base() -> None:
    root = BoxAdapter(Box("root"), Faults(()), shape="root")
    api = BoxAdapter(Box("api"), Faults(()), shape="api")
    with LoopbackServer(Mounts([("", root), ("/api/v3", api)])) as server:
        url = server.url
        at_root = requests.get(f"{url}/value").json()
        under = requests.get(f"{url}/api/v3/value").json()
        assert (at_root["value"], at_root["base"]) == ("root", url)
        assert (under["value"], under["base"]) == ("api", f"{url}/api/v3")
        # a path no mount serves answers in the shape of the deepest mount containing it
        assert requests.get(f"{url}/api/v3/nothing").json() == {"api": "GET /api/v3/nothing "
                                                                       "not modelled"}
        assert requests.get(f"{url}/nothing").json() == {"root": "GET /nothing not modelled"}
        # /api/v3x is not under /api/v3
        assert requests.get(f"{url}/api/v3x").json() == {"root": "GET /api/v3x not modelled"}


def test_mounts_fall_through_to_a_sibling_that_serves_the_path() -> None:
    first = BoxAdapter(Box("first"), Faults(()), shape="first")

    class Other(BoxAdapter):
        @route("GET", "/other", "other")
        def other(self, request: Request, call: Call) -> Response:
            return self._echo(request, call)

    second = Other(Box("second"), Faults(()), shape="second")
    with LoopbackServer(Mounts([("", first), ("", second)])) as server:
        assert requests.get(f"{server.url}/other").json()["value"] == "second"
        assert requests.get(f"{server.url}/value").json()["value"] == "first"


def test_mount_prefixes_are_checked() -> None:
    with pytest.raises(ValueError, match="mount prefix"):
        Mounts([("api/", BoxAdapter(Box(), Faults(())))])


def test_an_unexpected_error_answers_500_in_the_provider_shape_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(BoxAdapter):
        @route("GET", "/broken", "broken")
        def broken(self, request: Request, call: Call) -> Response:
            raise KeyError("bug")

    with LoopbackServer(Mounts([("", Broken(Box(), Faults(())))])) as server:
        response = requests.get(f"{server.url}/broken")
    assert response.status_code == 500
    assert "bug in the fake" in response.json()["box"]
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is None


def _route_names(adapter: type[WireAdapter[Any]]) -> list[str]:
    return [r.handler for r in adapter.routes if r.method == "GET"]


def test_precedence_is_explicit_and_stable() -> None:
    names = _route_names(BoxAdapter)
    assert names.index("special") < names.index("by_name") < names.index("by_path")
