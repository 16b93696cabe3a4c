"""The journal: every state change a fake made, in order, with who made it.

Tests assert outcomes ("the second reconcile wrote nothing") instead of
counting calls: take a :meth:`Journal.mark`, run the code, read
:meth:`Journal.since`. Only real changes are recorded; a request that leaves
state as it was (an idempotent re-push) writes no entry.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from fakes._clock import Clock


@attrs.frozen
class Change:
    """One state change."""

    seq: int
    at: datetime
    actor: str
    operation: str
    resource: str
    detail: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Mark:
    """A position in the journal, from :meth:`Journal.mark`."""

    seq: int


class Journal:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: list[Change] = []
        self._next = 1
        self._lock = threading.Lock()

    def record(
        self, actor: str, operation: str, resource: str, **detail: Any
    ) -> Change:
        with self._lock:
            entry = Change(self._next, self._clock.now(), actor, operation, resource, detail)
            self._next += 1
            self._entries.append(entry)
            return entry

    def mark(self) -> Mark:
        with self._lock:
            return Mark(self._next - 1)

    def since(self, mark: Mark) -> list[Change]:
        """Changes recorded after ``mark``, oldest first."""
        with self._lock:
            return [e for e in self._entries if e.seq > mark.seq]

    def changes(
        self, *, operation: str | None = None, resource: str | None = None
    ) -> list[Change]:
        with self._lock:
            return [
                e
                for e in self._entries
                if (operation is None or e.operation == operation)
                and (resource is None or e.resource == resource)
            ]

    def clear(self) -> None:
        with self._lock:
            self._entries = []
            self._next = 1

    def __iter__(self) -> Iterator[Change]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
