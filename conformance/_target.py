"""What every conformance target shares, whatever the provider.

- run ids and run-scoped names: a run works only inside names it made,
  ``vf-conformance<sep><run id><sep><hint>-<n>``, where the run id starts with the
  run's UTC start time, so that a janitor can tell expired runs from running ones;
- :class:`RequestBudget`: a cap on the requests a run sends to a real provider;
- :class:`Target`: capabilities with :meth:`Target.require`, which skips a test
  with the reason where the target lacks what it needs, and :meth:`Target.close`,
  the teardown the harness runs at the end of the session, passed or failed.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

import fakes
from fakes._evidence import TargetInfo

__all__ = [
    "BUDGET_VARIABLE",
    "MIN_AGE",
    "RUN_ID_VARIABLE",
    "RUN_PREFIX",
    "TARGET_INFO",
    "BudgetExceeded",
    "RequestBudget",
    "Target",
    "expiry_cutoff",
    "new_run_id",
    "on_loopback",
    "run_id_from_environment",
    "run_started",
]

RUN_PREFIX = "vf-conformance"
# A janitor never touches runs younger than this, so it cannot disturb a run in progress.
MIN_AGE = timedelta(hours=1)
BUDGET_VARIABLE = "FAKES_CONFORMANCE_MAX_REQUESTS"
DEFAULT_BUDGET = 20000
#: The run id ``fakes conformance`` chose: the targets name what they make with it, and
#: the JSON report carries it, so that a report and a sandbox's leftovers match.
RUN_ID_VARIABLE = "FAKES_CONFORMANCE_RUN_ID"
#: Where the harness leaves each target's description for the report (config.stash).
TARGET_INFO = pytest.StashKey[dict[str, TargetInfo]]()

_STAMP = "%Y%m%d-%H%M%S"


def new_run_id(now: float | None = None) -> str:
    """``<UTC start, %Y%m%d-%H%M%S>-<6 hex digits>``, e.g. ``20261127-125301-ab12cd``."""
    return time.strftime(_STAMP, time.gmtime(now)) + "-" + secrets.token_hex(3)


def on_loopback(url: str) -> bool:
    """Whether ``url`` names this machine's loopback interface."""
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def run_id_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The run id ``FAKES_CONFORMANCE_RUN_ID`` gives, or a new one."""
    value = (os.environ if environ is None else environ).get(RUN_ID_VARIABLE, "")
    if not value:
        return new_run_id()
    if re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]+", value) is None:
        raise ValueError(f"{RUN_ID_VARIABLE}={value!r} is not a run id "
                         "(<UTC %Y%m%d-%H%M%S>-<hex>)")
    return value


def run_started(name: str, *, prefix: str = RUN_PREFIX) -> datetime | None:
    """When the run that made ``name`` started; None if no run made it.

    ``name`` is a run-scoped name: the prefix, the run id and more, separated by ``/``
    or by ``-`` throughout (``vf-conformance/20261127-125301-ab12cd/tags-3``).
    """
    pattern = rf"{re.escape(prefix)}(?P<sep>[/-])(?P<stamp>\d{{8}}-\d{{6}})-[0-9a-f]+(?P=sep)"
    match = re.match(pattern, name)
    if match is None:
        return None
    return datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=timezone.utc)


def expiry_cutoff(older_than: timedelta, now: datetime | None = None) -> datetime:
    """Runs started before this have expired; ``older_than`` is at least :data:`MIN_AGE`."""
    return (now or datetime.now(timezone.utc)) - max(older_than, MIN_AGE)


class BudgetExceeded(RuntimeError):
    """The run sent more requests to the real provider than it was allowed."""


class RequestBudget:
    """Counts requests to a real target and stops the run past the declared limit."""

    def __init__(
        self, limit: int | None, *, variable: str = BUDGET_VARIABLE, target: str = "the real target"
    ) -> None:
        self.limit = limit
        self.used = 0
        self.variable = variable
        self.target = target
        self._lock = threading.Lock()

    @staticmethod
    def limit_from_environment(
        environ: Mapping[str, str] | None = None, *, legacy: tuple[str, ...] = ()
    ) -> int | None:
        """The limit ``FAKES_CONFORMANCE_MAX_REQUESTS`` sets (or one of the ``legacy``
        variables a suite read before it); 20000 when none is set, None when empty."""
        env = os.environ if environ is None else environ
        for variable in (BUDGET_VARIABLE, *legacy):
            if variable in env:
                value = env[variable].strip()
                return int(value) if value else None
        return DEFAULT_BUDGET

    def spend(self, *_args: Any, **_kwargs: Any) -> None:
        with self._lock:
            self.used += 1
            if self.limit is not None and self.used > self.limit:
                raise BudgetExceeded(
                    f"the conformance run exceeded its budget of {self.limit} requests "
                    f"to {self.target} ({self.variable})"
                )


class Target:
    """One provider instance the suite runs against: the fake, or a real one.

    ``capabilities`` is the provider's profile of what this target does where
    providers differ (an attrs class with a ``profile`` name, say); tests ask for
    what they need with :meth:`require` and never ask "is this the fake".
    """

    #: ``fake`` or ``real``: the id the harness parametrizes the ``target`` fixture with.
    name: ClassVar[str]

    def __init__(self, capabilities: Any) -> None:
        self.capabilities = capabilities
        self.run_id = run_id_from_environment()
        self._counter = 0
        self._lock = threading.Lock()

    # -- capabilities ------------------------------------------------------------------
    def require(self, flag: str, expected: object = True) -> None:
        """Skip the calling test unless capability ``flag`` has the value ``expected``."""
        value = getattr(self.capabilities, flag)
        matches = bool(value) if expected is True else value == expected
        if not matches:
            profile = getattr(self.capabilities, "profile", type(self.capabilities).__name__)
            pytest.skip(
                f"target {self.name!r} (profile {profile}) has "
                f"{flag}={value!r}; this test needs {flag}={expected!r}"
            )

    # -- names -------------------------------------------------------------------------
    def run_name(self, hint: str, *, separator: str = "/") -> str:
        """A name unique to this run: ``vf-conformance<sep><run id><sep><hint>-<n>``.

        ``hint`` is used as given: make it valid for the provider first.
        """
        with self._lock:
            self._counter += 1
            count = self._counter
        return separator.join((RUN_PREFIX, self.run_id, f"{hint}-{count}"))

    # -- evidence ----------------------------------------------------------------------
    def description(self) -> str:
        """Which target this is, the same from run to run (no addresses that change):
        real targets say what they are, e.g. ``kube-apiserver started on loopback``."""
        return "the fake" if self.name == "fake" else "a real target"

    def version(self) -> str | None:
        """The version the target reports, asked now; None when it tells none."""
        return f"verified-fakes {fakes.__version__}" if self.name == "fake" else None

    def describe(self) -> TargetInfo:
        """The target as the evidence report names it; a version it cannot tell is
        reported as unknown, with the reason, rather than failing the run."""
        try:
            version = self.version()
        except Exception as error:  # the run goes on; the report says why
            version = f"unknown ({type(error).__name__}: {error})"[:200]
        return TargetInfo(name=self.name, kind="fake" if self.name == "fake" else "real",
                          description=self.description(), version=version,
                          profile=getattr(self.capabilities, "profile", None))

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        """Delete what the run created (real targets) and stop (fakes). The harness calls
        it once at the end of the session, whether the tests passed or not."""
