"""Declarative fault injection, one API for every fake.

A rule says *what* goes wrong (a fault kind) and *when* (the operation it
matches, how many times, with which probability). The set of kinds is open:
every kind subclasses :class:`Fault`, and a provider can define its own.

There are three ways a kind takes effect:

* the **pipeline** applies the generic timing and consistency kinds itself
  (:class:`Latency`, :class:`LostResponse`, :class:`StaleReads`);
* an **answer** kind replaces the handler's response with the provider's own
  shape, rendered by a method of the fake's wire adapter marked
  ``@renders(Kind)`` (a registry throttles with ``429 TOOMANYREQUESTS``, the
  Kubernetes fake with a ``Status`` object);
* a **handler** kind is handed to the operation's handler, which acts on it
  (a watch that ends its stream early, for example); the adapter lists such
  kinds in ``handled_faults``.

Operations are matched by name (``"manifest.put"``, globs such as
``"manifest.*"``) or by method and route template
(``"PUT /v2/{name:path}/manifests/{reference}"``); ``"*"`` matches everything.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from collections.abc import Iterable

import attrs

from fakes.errors import UsageError


class Fault:
    """Base of every fault kind. Subclasses are frozen attrs classes."""


@attrs.frozen
class ProviderFault(Fault):
    """The provider's own error for this operation, e.g. a 503 from a flaky backend."""

    status: int = 500
    code: str | None = None
    message: str | None = None


@attrs.frozen
class Throttle(Fault):
    """Rate limiting, with the provider's status and headers (``Retry-After`` …)."""

    retry_after: int = 1


@attrs.frozen
class Conflict(Fault):
    """The provider's optimistic-concurrency conflict (409 where it has one)."""

    message: str | None = None


@attrs.frozen
class Latency(Fault):
    """Answer after ``seconds`` of real time; combines with every other rule.

    A server that stops cuts the wait short and answers nothing: the held
    request is never applied.
    """

    seconds: float


@attrs.frozen
class LostResponse(Fault):
    """Apply the write, then drop the connection before any response byte.

    The client sees a connection error although the change happened: the
    partial write that blind retries hide.
    """


@attrs.frozen
class StaleReads(Fault):
    """After the matched write, the next ``reads`` reads see the state before it.

    Models eventual consistency: the write succeeded, a read-after-write
    does not show it yet. ``reads_matching`` says which read operations see
    the old state (a glob like the rule's ``on``); other reads, and
    operations that read no state (a version ping, a token fetch), neither
    see it nor use it up.
    """

    reads: int = 1
    reads_matching: str = "*"


#: Kinds the request pipeline applies itself, whatever the provider.
PIPELINE_KINDS: tuple[type[Fault], ...] = (Latency, LostResponse, StaleReads)


def glob_matches(pattern: str, *names: str) -> bool:
    """``"*"``, or a glob that matches one of ``names``."""
    return pattern == "*" or any(fnmatch.fnmatchcase(name, pattern) for name in names)


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
        if not glob_matches(self.on, operation, route):
            return False
        return self.path is None or self.path.search(path) is not None


@attrs.frozen
class Decision:
    """What the fault rules decided for one request: the summed latency and at
    most one other fault (the first matching rule's)."""

    latency: float = 0.0
    fault: Fault | None = None


NO_FAULT = Decision()


@attrs.frozen
class Fired:
    """One request a fault rule hit, for the report of a failing test."""

    kind: str
    operation: str
    path: str

    def describe(self) -> str:
        return f"{self.kind} on {self.operation} {self.path}"


class Faults:
    """The fault rules of one fake. Deterministic for a given ``seed``."""

    def __init__(self, supported: Iterable[type[Fault]], seed: int = 0) -> None:
        self._supported = tuple(supported)
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        #: The requests fault rules hit, oldest first (cleared with the rules).
        self.fired: list[Fired] = []

    @property
    def supported(self) -> tuple[type[Fault], ...]:
        """The kinds this fake has a shape for."""
        return self._supported

    def allow(self, kinds: Iterable[type[Fault]]) -> None:
        """Accept rules of ``kinds`` too (a fake allows what its adapters act out)."""
        self._supported = tuple(dict.fromkeys((*self._supported, *kinds)))

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
            self.fired = []
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
                self.fired.append(Fired(type(rule.fault).__name__, operation, path))
                if isinstance(rule.fault, Latency):
                    latency += rule.fault.seconds
                else:
                    chosen = rule.fault
        return Decision(latency, chosen)
