"""Declarative fault injection, one API for every fake.

A rule says *what* goes wrong (a fault kind) and *when* (the operation it
matches, how many times, with which probability). Each fake renders the kind
in its provider's shape: a registry throttles with ``429 TOOMANYREQUESTS`` and
``Retry-After``, the Kubernetes fake with ``429`` and a ``Status`` object.

Operations are matched by name (``"manifest.put"``, globs such as
``"manifest.*"``) or by method and route template
(``"PUT /v2/{name:path}/manifests/{reference}"``); ``"*"`` matches everything.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading

import attrs

from fakes.errors import UsageError


@attrs.frozen
class ProviderFault:
    """The provider's own error for this operation, e.g. a 503 from a flaky backend."""

    status: int = 500
    code: str | None = None
    message: str | None = None


@attrs.frozen
class Throttle:
    """Rate limiting, with the provider's status and headers (``Retry-After`` …)."""

    retry_after: int = 1


@attrs.frozen
class Conflict:
    """The provider's optimistic-concurrency conflict (409 where it has one)."""

    message: str | None = None


@attrs.frozen
class Latency:
    """Answer after ``seconds`` of real time; combines with every other rule."""

    seconds: float


@attrs.frozen
class LostResponse:
    """Apply the write, then drop the connection before any response byte.

    The client sees a connection error although the change happened: the
    partial write that blind retries hide.
    """


@attrs.frozen
class StaleReads:
    """After the matched write, the next ``reads`` reads see the state before it.

    Models eventual consistency: the write succeeded, a read-after-write
    does not show it yet.
    """

    reads: int = 1


Fault = ProviderFault | Throttle | Conflict | Latency | LostResponse | StaleReads


@attrs.define
class FaultRule:
    fault: Fault
    on: str = "*"
    times: int | None = None
    probability: float = 1.0
    path: re.Pattern[str] | None = None
    fired: int = 0

    def matches(self, operation: str, route: str, path: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if not (
            self.on == "*"
            or fnmatch.fnmatchcase(operation, self.on)
            or fnmatch.fnmatchcase(route, self.on)
        ):
            return False
        return self.path is None or self.path.search(path) is not None


@attrs.frozen
class Decision:
    """What the fault rules decided for one request."""

    latency: float = 0.0
    fault: Fault | None = None


NO_FAULT = Decision()


class Faults:
    """The fault rules of one fake. Deterministic for a given ``seed``."""

    def __init__(self, supported: tuple[type, ...], seed: int = 0) -> None:
        self._supported = supported
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def add(
        self,
        fault: Fault,
        *,
        on: str = "*",
        times: int | None = None,
        probability: float = 1.0,
        path: str | None = None,
    ) -> FaultRule:
        """Add a rule; it fires at most ``times`` times (``None``: forever).

        ``path`` is a regular expression searched in the request path, for
        rules that should hit one repository or resource only.
        """
        if not isinstance(fault, self._supported):
            names = ", ".join(sorted(k.__name__ for k in self._supported))
            raise UsageError(
                f"this fake has no provider shape for {type(fault).__name__}; it supports {names}"
            )
        if not 0.0 <= probability <= 1.0:
            raise UsageError("probability must be between 0 and 1")
        if times is not None and times < 1:
            raise UsageError("times must be a positive count, or None for every match")
        rule = FaultRule(
            fault, on, times, probability, re.compile(path) if path is not None else None
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> None:
        with self._lock:
            self._rules = []
            self._random = random.Random(self._seed)

    def decide(self, operation: str, route: str, path: str) -> Decision:
        if not self._rules:  # the hot path: no faults configured
            return NO_FAULT
        latency = 0.0
        chosen: Fault | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(operation, route, path):
                    continue
                if chosen is not None and not isinstance(rule.fault, Latency):
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                if isinstance(rule.fault, Latency):
                    latency += rule.fault.seconds
                else:
                    chosen = rule.fault
        return Decision(latency, chosen)
