"""Pacing of the requests a conformance run sends to a real GitHub.

GitHub's "Best practices for using the REST API"
(https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api) asks
integrators to send requests serially, to "wait at least one second" between POST,
PATCH, PUT and DELETE requests, and, after a rate limit error, not to retry before
``retry-after`` seconds have passed, or, when ``x-ratelimit-remaining`` is 0, before
``x-ratelimit-reset`` (UTC epoch seconds), and otherwise to wait at least a minute.
:class:`Pacer` does that for the real target; the fake target sends unpaced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

__all__ = ["MUTATIONS", "Pacer", "RateLimited", "rate_limit_wait"]

#: The methods GitHub counts as content-creating ("mutative") requests.
MUTATIONS = frozenset(("POST", "PATCH", "PUT", "DELETE"))
#: A rate limit error without retry-after or a spent primary limit: wait at least this.
FALLBACK_WAIT = 60.0


class RateLimited(RuntimeError):
    """GitHub asked the run to wait longer than it may (a spent primary rate limit)."""


def rate_limit_wait(response: requests.Response, now: float) -> float | None:
    """How long to wait before retrying ``response`` when it is a rate limit error (403
    or 429 that says so), else None. ``now`` is the epoch time in seconds."""
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    retry_after = headers.get("retry-after", "")
    if retry_after.strip().isdigit():
        return float(retry_after)
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    if response.status_code == 429 or "rate limit" in response.text.lower():
        return FALLBACK_WAIT
    return None  # a 403 that is a refusal, not a limit: the test reads it


class Pacer:
    """Spaces mutative requests ``interval`` seconds apart (one at a time) and retries a
    request that hit a rate limit after the wait GitHub asks for, ``retries`` times at
    most; a wait longer than ``max_wait`` stops the run (:class:`RateLimited`) instead.
    ``sleep``, ``monotonic`` and ``now`` are injectable so tests need no real time."""

    def __init__(self, *, interval: float = 1.0, retries: int = 3, max_wait: float = 900.0,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> None:
        self.interval = interval
        self.retries = retries
        self.max_wait = max_wait
        self._sleep = sleep
        self._monotonic = monotonic
        self._now = now
        self._last_mutation: float | None = None
        self._lock = threading.Lock()  # serial: one paced request at a time
        self.waited = 0.0  # seconds spent waiting, for the run's report

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self._sleep(seconds)

    def send(self, method: str, request: Callable[[], requests.Response]
             ) -> requests.Response:
        """Send ``request`` (a ``method`` request) paced, retrying rate limit errors."""
        with self._lock:
            attempt = 0
            while True:
                if method.upper() in MUTATIONS:
                    if self._last_mutation is not None:
                        self._wait(self._last_mutation + self.interval - self._monotonic())
                    self._last_mutation = self._monotonic()
                response = request()
                wait = rate_limit_wait(response, self._now())
                if wait is None or attempt >= self.retries:
                    return response
                if wait > self.max_wait:
                    raise RateLimited(
                        f"GitHub asks the run to wait {wait:.0f} s (rate limit, "
                        f"{response.status_code}), longer than {self.max_wait:.0f} s: stopping; "
                        "run again once the limit has reset")
                attempt += 1
                self._wait(wait)
