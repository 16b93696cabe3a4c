"""Conformance suites: one test body, run against a fake and, opt-in, the real provider.

The generic pieces every provider's suite builds on (each suite is a sub-package,
``fakes.conformance.<provider>``):

- :class:`Suite` (``_harness``): target selection, the real-target opt-in and the
  behaviour-marker rule, wired into the suite's ``conftest.py``;
- :class:`Target` (``_target``): capabilities and ``require()``, run-scoped names,
  teardown; :class:`RequestBudget` and :class:`BudgetExceeded`; run ids and their
  expiry, for janitors;
- ``_report`` and ``_runner``: the behaviour table and ``fakes conformance``;
  :func:`missing_behaviours`, for automations that list the behaviours they rely on.
"""

from fakes.conformance._harness import (
    BEHAVIOUR_MARKER,
    REAL_VARIABLE,
    TARGETS_VARIABLE,
    Suite,
)
from fakes.conformance._runner import missing_behaviours
from fakes.conformance._target import (
    BUDGET_VARIABLE,
    MIN_AGE,
    RUN_PREFIX,
    BudgetExceeded,
    RequestBudget,
    Target,
    expiry_cutoff,
    new_run_id,
    run_started,
)

__all__ = [
    "BEHAVIOUR_MARKER",
    "BUDGET_VARIABLE",
    "MIN_AGE",
    "REAL_VARIABLE",
    "RUN_PREFIX",
    "TARGETS_VARIABLE",
    "BudgetExceeded",
    "RequestBudget",
    "Suite",
    "Target",
    "expiry_cutoff",
    "missing_behaviours",
    "new_run_id",
    "run_started",
]
