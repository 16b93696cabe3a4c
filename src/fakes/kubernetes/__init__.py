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
    from fakes.kubernetes._kubelet import Kubelet
    from fakes.kubernetes._resources import ResourceType
    from fakes.kubernetes._stages import (
        Delay,
        Expression,
        Finalizers,
        Next,
        Selector,
        Stage,
        StageContext,
        StageError,
        StageEvent,
        Stages,
    )

_STAGES = "fakes.kubernetes._stages"
_EXPORTS = {
    "Delay": _STAGES,
    "Expression": _STAGES,
    "FakeCluster": "fakes.kubernetes._cluster",
    "Finalizers": _STAGES,
    "Kubelet": "fakes.kubernetes._kubelet",
    "Next": _STAGES,
    "ResourceType": "fakes.kubernetes._resources",
    "Selector": _STAGES,
    "Stage": _STAGES,
    "StageContext": _STAGES,
    "StageError": _STAGES,
    "StageEvent": _STAGES,
    "Stages": _STAGES,
    "StatusError": "fakes.kubernetes._errors",
}

__all__ = [
    "Delay",
    "Expression",
    "FakeCluster",
    "Finalizers",
    "Kubelet",
    "Next",
    "ResourceType",
    "Selector",
    "Stage",
    "StageContext",
    "StageError",
    "StageEvent",
    "Stages",
    "StatusError",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
