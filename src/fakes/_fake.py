"""What every fake shares: a server on loopback, a clock, a journal, fault rules
and a reset that leaves the server running."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import attrs

from fakes._adapter import Mounts, Store, WireAdapter
from fakes._clock import Clock
from fakes._control import PREFIX, ControlAdapter
from fakes._faults import Faults
from fakes._journal import Journal
from fakes._server import LoopbackServer

F = TypeVar("F", bound="Fake")  # type: ignore[type-arg]


@attrs.frozen
class Snapshot(Generic[Store]):
    """A fake's committed state at one moment, from :meth:`Fake.snapshot`."""

    state: Store


class Fake(Generic[Store]):
    """Base of ``FakeRegistry`` and the other fakes.

    A fake is usable as a context manager; ``url`` is known once it started.
    ``reset()`` empties the store, the journal and the fault rules and puts
    the virtual clock back to its start, in well under a millisecond, while
    the server keeps serving.

    ``control_api=True`` also serves the control API under ``/_fakes/``
    (reset, snapshots, the change log, the clock, faults) for tools that are
    not Python; ``fakes serve`` turns it on.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        allow_non_loopback: bool = False,
        seed: int = 0,
        control_api: bool = False,
    ) -> None:
        self.clock = clock if clock is not None else Clock()
        self.journal = Journal(self.clock)
        self.faults = Faults((), seed)
        self.store: Store = self._make_store()
        self._mounts = list(self._make_mounts())
        self.faults.allow(kind for _, a in self._mounts for kind in a.fault_kinds())
        served: list[tuple[str, WireAdapter[Any]]] = list(self._mounts)
        if control_api:
            served.append((PREFIX, ControlAdapter(self)))
        self._server = LoopbackServer(
            Mounts(served), host, port, allow_non_loopback=allow_non_loopback,
            ssl_context=self._make_ssl_context(),
        )

    def _make_ssl_context(self) -> ssl.SSLContext | None:
        """TLS for the server, for providers whose clients talk only HTTPS; None: HTTP."""
        return None

    def _make_store(self) -> Store:
        raise NotImplementedError

    def _make_mounts(self) -> Sequence[tuple[str, WireAdapter[Any]]]:
        """The fake's wire adapters and the path prefixes they serve; one adapter at
        the root unless the provider serves several APIs on one origin."""
        return [("", self._make_adapter())]

    def _make_adapter(self) -> WireAdapter[Store]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (no trailing slash)."""
        return self._server.url

    @property
    def running(self) -> bool:
        return self._server.running

    def start(self: F) -> F:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def snapshot(self) -> Snapshot[Store]:
        """The committed state of the store (not the journal, faults or clock), for
        :meth:`reset` to return to: seed a baseline once, restore it per example."""
        return Snapshot(self.store.snapshot())

    def reset(self, to: Snapshot[Store] | None = None) -> None:
        """Empty the fake, or restore the snapshot ``to``; either way the journal and
        the fault rules are cleared and the clock goes back to its start."""
        self.store.reset(None if to is None else to.state)
        self.journal.clear()
        self.faults.clear()
        for _, adapter in self._mounts:
            adapter.reset()
        self.clock.reset()

    def __enter__(self: F) -> F:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
