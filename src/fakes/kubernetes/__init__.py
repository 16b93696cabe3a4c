"""An in-memory Kubernetes API server that the official client and kubectl talk to.

``FakeCluster`` serves it on loopback; see ``docs/kubernetes.md`` for what is modelled.

The names below are imported on first use, so that reading the provider's descriptor
(``fakes.kubernetes._provider``) costs nothing and needs no ``kubernetes`` client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakes._lazy import lazy_exports

if TYPE_CHECKING:
    from fakes.kubernetes._cluster import FakeCluster
    from fakes.kubernetes._errors import StatusError
    from fakes.kubernetes._rbac import User
    from fakes.kubernetes._resources import ResourceType

_EXPORTS = {
    "FakeCluster": "fakes.kubernetes._cluster",
    "ResourceType": "fakes.kubernetes._resources",
    "StatusError": "fakes.kubernetes._errors",
    "User": "fakes.kubernetes._rbac",
}

__all__ = ["FakeCluster", "ResourceType", "StatusError", "User"]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
