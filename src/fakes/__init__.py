"""verified-fakes: stateful in-memory fakes of infrastructure providers.

Each fake serves its provider's HTTP API on loopback so that real clients talk
to it unchanged, and each is paired with a conformance suite that runs the
same tests against the real provider. Start with :class:`FakeRegistry`.
"""

from fakes._clock import Clock, RealClock
from fakes._fake import Snapshot
from fakes._journal import Change, Journal, Mark
from fakes.artifacts import Account, FakeRegistry

__version__ = "0.1.0"

__all__ = [
    "Account",
    "Change",
    "Clock",
    "FakeRegistry",
    "Journal",
    "Mark",
    "RealClock",
    "Snapshot",
    "__version__",
]
