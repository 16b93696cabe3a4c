"""verified-fakes: stateful in-memory fakes of infrastructure providers.

Each fake serves its provider's HTTP API on loopback so that real clients talk
to it unchanged, and each is paired with a conformance suite that runs the
same tests against the real provider. The fakes are plug-ins, each in its own
package (``fakes.artifacts`` has ``FakeRegistry``); ``fakes providers`` lists the
installed ones and :mod:`fakes.providers` describes how they plug in.

PYTEST_DONT_REWRITE: this package holds no assertions, and ``fakes conformance``
imports it before it starts pytest, which would otherwise warn that it cannot
rewrite the already imported package of a ``pytest11`` plugin.
"""


from fakes._clock import Clock, RealClock
from fakes._fake import Snapshot
from fakes._journal import Change, Journal, Mark
from fakes._moved import moved_names

__version__ = "0.1.0"

__all__ = [
    "Change",
    "Clock",
    "Journal",
    "Mark",
    "RealClock",
    "Snapshot",
    "__version__",
]

# Names that moved to their provider's package; they keep working for a while.
_MOVED = {"Account": "fakes.artifacts", "FakeRegistry": "fakes.artifacts"}


__getattr__ = moved_names(__name__, _MOVED)
