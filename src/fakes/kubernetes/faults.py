"""Fault kinds only a Kubernetes API server has: watches that end under the client.

Add them like any kind, on a watch operation (``<resource>.watch``)::

    cluster.faults.add(WatchExpired(), on="configmaps.watch", times=1)

The generic kinds (``fakes.faults``) apply too: ``Throttle`` is a 429 with
``Retry-After``, ``ProviderFault`` a Status with its code, ``Conflict`` the
apiserver's 409, and the pipeline's ``Latency``, ``LostResponse`` and
``StaleReads``.
"""

from __future__ import annotations

import attrs

from fakes._faults import Fault

__all__ = ["WatchEnded", "WatchExpired"]


@attrs.frozen
class WatchEnded(Fault):
    """The watch stream ends cleanly after ``after`` events, as when the apiserver
    closes a watch (a restart, a load balancer's timeout). A client that wants
    every change watches again from the last resourceVersion it saw."""

    after: int = 0


@attrs.frozen
class WatchExpired(Fault):
    """After ``after`` events the watch gets an ``ERROR`` event with the ``410
    Expired`` Status and ends, as when the history it would need is compacted. A
    client must list again and watch from the list's resourceVersion."""

    after: int = 0
