"""Minimal valid objects of every kind the fake models, for tests and measurements.

Each is accepted by a real kube-apiserver as it stands. Workloads are made inert
where a controller would otherwise act on them (zero replicas, suspended Jobs,
a DaemonSet whose node selector matches no Node), so that a test reads back what
it wrote.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["KINDS", "minimal"]

_POD_SPEC = {"containers": [{"name": "main", "image": "registry.invalid/none:1"}]}
_TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": _POD_SPEC}
_SELECTOR = {"matchLabels": {"app": "x"}}

#: (apiVersion, kind) -> a body without metadata.name and metadata.namespace.
_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("v1", "Namespace"): {},
    ("v1", "ConfigMap"): {"data": {"k": "v"}},
    ("v1", "Secret"): {"type": "Opaque", "stringData": {"k": "v"}},
    ("v1", "Service"): {"spec": {"ports": [{"port": 80}], "selector": {"app": "x"}}},
    ("v1", "ServiceAccount"): {},
    ("v1", "Pod"): {"spec": _POD_SPEC},
    ("v1", "Node"): {"spec": {"unschedulable": True}},
    ("v1", "Event"): {
        "involvedObject": {"kind": "ConfigMap", "name": "x", "apiVersion": "v1"},
        "reason": "Measured", "message": "m", "type": "Normal",
    },
    ("v1", "PersistentVolumeClaim"): {
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "none",
                 "resources": {"requests": {"storage": "1Gi"}}},
    },
    ("v1", "PersistentVolume"): {
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                 "storageClassName": "none", "hostPath": {"path": "/tmp/none"}},
    },
    ("v1", "ReplicationController"): {
        "spec": {"replicas": 0, "selector": {"app": "x"}, "template": _TEMPLATE},
    },
    ("apps/v1", "Deployment"): {
        "spec": {"replicas": 0, "selector": _SELECTOR, "template": _TEMPLATE},
    },
    ("apps/v1", "ReplicaSet"): {
        "spec": {"replicas": 0, "selector": _SELECTOR, "template": _TEMPLATE},
    },
    ("apps/v1", "StatefulSet"): {
        "spec": {"replicas": 0, "serviceName": "x", "selector": _SELECTOR,
                 "template": _TEMPLATE},
    },
    ("apps/v1", "DaemonSet"): {
        "spec": {"selector": _SELECTOR, "template": {
            "metadata": {"labels": {"app": "x"}},
            "spec": {**_POD_SPEC, "nodeSelector": {"verified-fakes/none": "none"}}}},
    },
    ("batch/v1", "Job"): {
        "spec": {"suspend": True, "template": {"spec": {**_POD_SPEC,
                                                        "restartPolicy": "Never"}}},
    },
    ("batch/v1", "CronJob"): {
        "spec": {"schedule": "0 0 1 1 *", "suspend": True, "jobTemplate": {"spec": {
            "template": {"spec": {**_POD_SPEC, "restartPolicy": "Never"}}}}},
    },
    ("rbac.authorization.k8s.io/v1", "Role"): {
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
    },
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "x"},
        "subjects": [{"kind": "User", "name": "someone",
                      "apiGroup": "rbac.authorization.k8s.io"}],
    },
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): {
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
    },
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "view"},
        "subjects": [{"kind": "User", "name": "someone",
                      "apiGroup": "rbac.authorization.k8s.io"}],
    },
    ("networking.k8s.io/v1", "Ingress"): {
        "spec": {"defaultBackend": {"service": {"name": "x", "port": {"number": 80}}}},
    },
    ("networking.k8s.io/v1", "NetworkPolicy"): {"spec": {"podSelector": {}}},
    ("coordination.k8s.io/v1", "Lease"): {"spec": {"holderIdentity": "someone"}},
    ("policy/v1", "PodDisruptionBudget"): {"spec": {"minAvailable": 1,
                                                    "selector": _SELECTOR}},
}

KINDS: tuple[tuple[str, str], ...] = tuple(_BODIES)


def minimal(api_version: str, kind: str, name: str, namespace: str | None = None,
            **metadata: Any) -> dict[str, Any]:
    """A fresh valid ``kind`` object called ``name`` (in ``namespace`` if given)."""
    body = copy.deepcopy(_BODIES[(api_version, kind)])
    meta: dict[str, Any] = {"name": name, **metadata}
    if namespace is not None:
        meta["namespace"] = namespace
        if kind == "Event":  # an Event's object lives in the Event's namespace
            body["involvedObject"]["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **body}
