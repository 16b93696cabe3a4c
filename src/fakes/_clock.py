"""Time as a fake sees it: virtual by default, so tests decide when time passes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Timeline(Protocol):
    """Work that waits for time to pass (a cluster's controllers and stages): the clock
    stops at each moment some of it is due, so work due at 5 s runs before work due at
    8 s when a test advances 10 s at once."""

    def next_due(self) -> float | None:
        """When (seconds since the clock started) the earliest waiting work is due."""

    def run_due(self) -> None:
        """Run what is due now."""


class Clock:
    """Virtual time. It moves only when :meth:`advance` is called.

    Every fake reads timestamps, token expiry and status progress from its
    clock, so a test can jump over a TTL without sleeping.
    """

    def __init__(self, start: datetime = EPOCH) -> None:
        if start.tzinfo is None:
            raise ValueError("verified-fakes: Clock start must be timezone-aware")
        self._start = start
        self._offset = 0.0
        self._lock = threading.Lock()
        self._timelines: list[Timeline] = []

    def follow(self, timeline: Timeline) -> Callable[[], None]:
        """Let ``timeline``'s work run as this clock passes its due times; returns the
        function that stops that."""
        self._timelines.append(timeline)
        return lambda: self._timelines.remove(timeline)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        """Seconds since the clock started."""
        return self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward, stopping at each moment work that follows this clock is
        due (see :meth:`follow`) to run it."""
        if seconds < 0:
            raise ValueError("verified-fakes: time only moves forward; advance() takes >= 0")
        target = self.monotonic() + seconds
        while True:
            dues = [d for t in list(self._timelines) if (d := t.next_due()) is not None]
            due = min(dues, default=None)
            if due is None or due > target:
                break
            self._move_to(due)
            for timeline in list(self._timelines):
                timeline.run_due()
        self._move_to(target)
        for timeline in list(self._timelines):
            timeline.run_due()

    def _move_to(self, moment: float) -> None:
        with self._lock:
            self._offset += max(0.0, moment - self.monotonic())

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


class RealClock(Clock):
    """Wall-clock time, for fakes served to humans or non-Python tools.

    :meth:`advance` still works: it adds a skew on top of real time.
    """

    def __init__(self) -> None:
        super().__init__(datetime.now(timezone.utc))
        self._started = time.monotonic()

    def monotonic(self) -> float:
        return time.monotonic() - self._started + self._offset
