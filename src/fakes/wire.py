"""What a provider's fake is built from: the pieces every fake shares.

A provider package (see :mod:`fakes.providers`) writes three things with them:

* a **store** — the domain model, with ``snapshot()`` and ``reset(to)``
  (:class:`FakeStore`); it records every change in the fake's journal;
* a **wire adapter** — a :class:`WireAdapter` whose handler methods are
  declared with :func:`route` and receive the :class:`Request` and a
  :class:`Call`; it supplies the provider's error envelope and, with
  :func:`renders`, the provider's shape for fault kinds (its own kinds
  subclass :class:`fakes.faults.Fault`);
* the **fake** — a :class:`Fake` subclass that makes the store and the adapter
  (several adapters on one origin through ``_make_mounts``).

The loopback server, the request pipeline (auth, faults, stale reads, the
501 for unmodelled operations), the clock, the journal, reset and snapshots
and the control API come with them.
"""

from fakes._adapter import Call, FakeStore, Mounts, Route, WireAdapter, renders, route
from fakes._fake import Fake
from fakes._http import DropConnection, Request, Response

__all__ = [
    "Call",
    "DropConnection",
    "Fake",
    "FakeStore",
    "Mounts",
    "Request",
    "Response",
    "Route",
    "WireAdapter",
    "renders",
    "route",
]
