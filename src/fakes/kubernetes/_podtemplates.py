"""What the Job, StatefulSet and DaemonSet controllers share: a Pod made from an
owner's template, a Pod's state as the controllers read it, and the API's timestamps
as times."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from fakes.kubernetes._controllers import owner_reference
from fakes.kubernetes._selectors import Requirement

TERMINAL = ("Succeeded", "Failed")
_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


def pod_from_template(owner: Mapping[str, Any], template: Mapping[str, Any], *,
                      name: str | None = None, generate_name: str | None = None,
                      finalizers: list[str] | None = None) -> dict[str, Any]:
    """A Pod for ``owner`` from its template: the template's labels, annotations and
    spec, and an ownerReference naming the owner as its controller."""
    meta = template.get("metadata") or {}
    pod_meta: dict[str, Any] = {
        "namespace": owner["metadata"].get("namespace", ""),
        "ownerReferences": [owner_reference(owner)],
    }
    if name is not None:
        pod_meta["name"] = name
    if generate_name is not None:
        pod_meta["generateName"] = generate_name
    for key in ("labels", "annotations"):
        if meta.get(key):
            pod_meta[key] = dict(meta[key])
    if finalizers:
        pod_meta["finalizers"] = list(finalizers)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


def phase(pod: Mapping[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def deleting(obj: Mapping[str, Any]) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def condition(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for found in (obj.get("status") or {}).get("conditions") or ():
        if found.get("type") == kind:
            return found  # type: ignore[no-any-return]
    return None


def ready(pod: Mapping[str, Any]) -> bool:
    """A Pod running with its Ready condition true."""
    found = condition(pod, "Ready")
    return phase(pod) == "Running" and found is not None and found.get("status") == "True"


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def seconds_between(earlier: str, later: datetime) -> float:
    return (later - parse_time(earlier)).total_seconds()


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether a metav1 LabelSelector (matchLabels, matchExpressions) matches
    ``labels``; no selector matches everything."""
    if not selector:
        return True
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    return all(Requirement(e["key"], _OPERATORS[e["operator"]], tuple(e.get("values") or ()))
               .matches(labels) for e in selector.get("matchExpressions") or ())
