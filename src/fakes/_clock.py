"""Time as a fake sees it: virtual by default, so tests decide when time passes."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


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

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        """Seconds since the clock started."""
        return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("verified-fakes: time only moves forward; advance() takes >= 0")
        with self._lock:
            self._offset += seconds

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
