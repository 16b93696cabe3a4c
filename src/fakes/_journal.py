"""The change log: every state change a fake made, in order, with who made it.

Tests assert outcomes ("the second reconcile wrote nothing") instead of
counting calls: take a :meth:`Journal.mark`, run the code, read
:meth:`Journal.since`. Only real changes are recorded; a request that leaves
state as it was (an idempotent re-push) writes no entry.

The same log feeds streams (a Kubernetes watch, webhooks): :meth:`Journal.wait`
blocks until something is recorded after a position, and a change may carry
the changed object as its ``payload``. Sequence numbers only grow, across
:meth:`Journal.clear` too, so a position taken before a reset can never be
mistaken for one after it: :meth:`Journal.expired` says it is gone.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from fakes._clock import Clock

# How often a waiter looks at a cancel event that cannot wake it by itself.
_POLL_SECONDS = 0.05


@attrs.frozen
class Change:
    """One state change.

    ``seq`` orders every change of one fake; ``detail`` holds what the
    provider's model wants to say about it; ``payload`` is the changed object
    as the provider shows it, where the fake keeps one (for watches).
    """

    seq: int
    at: datetime
    actor: str
    operation: str
    resource: str
    detail: Mapping[str, Any] = attrs.field(factory=dict)
    payload: Any = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Mark:
    """A position in the journal, from :meth:`Journal.mark`."""

    seq: int


class Wakeable(Protocol):
    """A cancel signal that can also wake a waiter the moment it is set."""

    def is_set(self) -> bool: ...

    def on_set(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` when set; returns a function that unregisters it."""
        ...


class Journal:
    """The ordered, thread-safe change log of one fake."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: list[Change] = []
        self._seqs: list[int] = []
        self._last = 0
        self._expired_through = 0
        self._changed = threading.Condition(threading.RLock())

    def record(
        self, actor: str, operation: str, resource: str, *, payload: Any = None, **detail: Any
    ) -> Change:
        with self._changed:
            self._last += 1
            entry = Change(self._last, self._clock.now(), actor, operation, resource, detail,
                           payload)
            self._entries.append(entry)
            self._seqs.append(entry.seq)
            self._changed.notify_all()
            return entry

    @property
    def last(self) -> int:
        """The sequence number of the newest change (0 before the first)."""
        with self._changed:
            return self._last

    def mark(self) -> Mark:
        with self._changed:
            return Mark(self._last)

    def since(self, mark: Mark | int) -> list[Change]:
        """Changes recorded after ``mark`` that the log still holds, oldest first."""
        after = mark.seq if isinstance(mark, Mark) else mark
        with self._changed:
            return self._entries[bisect.bisect_right(self._seqs, after):]

    def expired(self, mark: Mark | int) -> bool:
        """True when changes after ``mark`` may have been forgotten (by
        :meth:`clear` or :meth:`compact`), so :meth:`since` cannot be complete."""
        after = mark.seq if isinstance(mark, Mark) else mark
        with self._changed:
            return after < self._expired_through

    def wait(
        self,
        after: Mark | int,
        timeout: float | None = None,
        cancel: threading.Event | Wakeable | None = None,
    ) -> list[Change]:
        """The changes after ``after``, waiting for the first one up to ``timeout``
        seconds (``None``: no limit). Returns ``[]`` on timeout, when ``cancel``
        is set, or when the log was cleared while waiting."""
        position = after.seq if isinstance(after, Mark) else after
        on_set = getattr(cancel, "on_set", None)
        unregister = on_set(self._wake) if on_set is not None else None
        try:
            with self._changed:
                deadline = None if timeout is None else time.monotonic() + timeout
                while self._last <= position:
                    if cancel is not None and cancel.is_set():
                        return []
                    if position < self._expired_through:
                        return []
                    step = None if deadline is None else deadline - time.monotonic()
                    if step is not None and step <= 0:
                        return []
                    if cancel is not None and unregister is None:
                        step = _POLL_SECONDS if step is None else min(step, _POLL_SECONDS)
                    self._changed.wait(step)
                return self._entries[bisect.bisect_right(self._seqs, position):]
        finally:
            if unregister is not None:
                unregister()

    def _wake(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def changes(
        self, *, operation: str | None = None, resource: str | None = None
    ) -> list[Change]:
        with self._changed:
            return [
                e
                for e in self._entries
                if (operation is None or e.operation == operation)
                and (resource is None or e.resource == resource)
            ]

    def compact(self, through: Mark | int) -> None:
        """Forget the changes up to and including ``through``; positions before it
        become :meth:`expired`."""
        upto = through.seq if isinstance(through, Mark) else through
        with self._changed:
            cut = bisect.bisect_right(self._seqs, upto)
            del self._entries[:cut]
            del self._seqs[:cut]
            self._expired_through = max(self._expired_through, min(upto, self._last))
            self._changed.notify_all()

    def clear(self) -> None:
        """Forget every change; numbering goes on, and every earlier position
        expires (the state it described is gone)."""
        with self._changed:
            self._last += 1  # the reset itself takes a number: marks after it stay valid
            self.compact(self._last)

    def __iter__(self) -> Iterator[Change]:
        with self._changed:
            return iter(list(self._entries))

    def __len__(self) -> int:
        with self._changed:
            return len(self._entries)
