"""Fault kinds and rules, shared by every fake.

Add rules with ``fake.faults.add(kind, on=..., times=..., probability=...)``;
see ``docs/faults.md``.
"""

from fakes._faults import (
    Conflict,
    Decision,
    Fault,
    FaultRule,
    Faults,
    Fired,
    Latency,
    LostResponse,
    ProviderFault,
    StaleReads,
    Throttle,
)

__all__ = [
    "Conflict",
    "Decision",
    "Fault",
    "FaultRule",
    "Faults",
    "Fired",
    "Latency",
    "LostResponse",
    "ProviderFault",
    "StaleReads",
    "Throttle",
]
