"""A namespace's lifecycle: kube-controller-manager's namespace controller, the
NamespaceLifecycle admission plugin's refusals and the ``finalize`` subresource. No
HTTP here.

Modelled (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/,
the namespace controller's deletion code, and measured against kube-apiserver and
kube-controller-manager v1.37.2):

- ``default``, ``kube-system`` and ``kube-public`` cannot be deleted (403; the
  ``kube-node-lease`` namespace can);
- a namespace being deleted (phase ``Terminating``, the ``kubernetes`` finalizer in
  ``spec.finalizers``) has what it holds deleted in the background; the controller
  then writes the five deletion conditions to its status (what remains, by resource
  and by finalizer, while objects with finalizers hold it) and, once nothing is left,
  removes ``kubernetes`` from ``spec.finalizers`` through ``finalize``; the namespace
  goes when no finalizer is left in its spec or its metadata;
- ``PUT .../namespaces/NAME/finalize`` writes ``spec.finalizers`` (and metadata), each
  a qualified name or a standard finalizer.

Divergence: the controller runs at once (see ``_gc``); it never fails to discover,
parse or delete, so the first three conditions are always ``False``.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fakes.kubernetes._errors import Cause, StatusError, invalid
from fakes.kubernetes._events import CONTROLLER_MANAGER
from fakes.kubernetes._validation import qualified_name

if TYPE_CHECKING:
    from fakes.kubernetes._model import Cluster, Key
    from fakes.kubernetes._resources import ResourceType

NAMESPACES = ("", "namespaces")
NAMESPACE_CONTROLLER = "system:serviceaccount:kube-system:namespace-controller"
#: The namespace controller's own entry in ``spec.finalizers``.
FINALIZER = "kubernetes"
#: The namespaces the NamespaceLifecycle admission plugin keeps (measured).
UNDELETABLE = frozenset({"default", "kube-system", "kube-public"})
#: The finalizer names that need no domain: this one and the garbage collector's.
_STANDARD_FINALIZERS = frozenset({FINALIZER, "orphan", "foregroundDeletion"})
#: The controller's conditions, in its order, each with its reason and message when
#: all is well.
_CONDITIONS = (
    ("NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered",
     "All resources successfully discovered"),
    ("NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions",
     "All legacy kube types successfully parsed"),
    ("NamespaceDeletionContentFailure", "ContentDeleted",
     "All content successfully deleted, may be waiting on finalization"),
    ("NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"),
    ("NamespaceFinalizersRemaining", "ContentHasNoFinalizers",
     "All content-preserving finalizers finished"),
)


def key_of(name: str) -> Key:
    return ("", "namespaces", "", name)


def terminating(cluster: Cluster, name: str) -> bool:
    ns = cluster._objects.get(key_of(name))
    return ns is not None and bool(ns["metadata"].get("deletionTimestamp"))


def check_deletable(name: str) -> None:
    """The NamespaceLifecycle admission plugin's refusal (dry runs too)."""
    if name in UNDELETABLE:
        raise StatusError(f'namespaces "{name}" is forbidden: this namespace may not be '
                          "deleted", status=403, reason="Forbidden",
                          details={"name": name, "kind": "namespaces"})


def check_finalize(rt: ResourceType, name: str, obj: dict[str, Any]) -> None:
    """``spec.finalizers`` as ``finalize`` takes them: 422 with every bad name."""
    finalizers = list((obj.get("spec") or {}).get("finalizers") or [])
    causes = []
    for i, finalizer in enumerate(finalizers):
        field = f"spec.finalizers[{i}]"
        causes += [Cause.invalid(field, finalizer, e) for e in qualified_name(finalizer)]
        if "/" not in finalizer and finalizer not in _STANDARD_FINALIZERS:
            causes.append(Cause.invalid(field, finalizer, "name is neither a standard "
                                        "finalizer name nor is it fully qualified"))
    if causes:
        raise invalid(rt, name, causes)
    obj["spec"] = {"finalizers": finalizers} if finalizers else {}


def held(ns: Mapping[str, Any]) -> bool:
    """Whether a namespace being deleted still waits for a finalizer, in its spec or
    its metadata (it is removed when neither has one)."""
    return bool((ns.get("spec") or {}).get("finalizers") or ns["metadata"].get("finalizers"))


def sync(cluster: Cluster, name: str) -> None:
    """One pass of the namespace controller over a namespace being deleted."""
    from fakes.kubernetes._model import DeleteOptions

    key = key_of(name)
    ns = cluster._objects.get(key)
    if ns is None or not ns["metadata"].get("deletionTimestamp") or FINALIZER not in (
            ns.get("spec") or {}).get("finalizers", []):
        return
    background = DeleteOptions(propagation="Background")
    for held_key in sorted(k for k in cluster._objects if k[2] == name):
        stored = cluster._objects.get(held_key)
        if stored is not None and not stored["metadata"].get("deletionTimestamp"):
            cluster.delete(cluster._type_of(held_key), name, held_key[3], background,
                           NAMESPACE_CONTROLLER)
    resources: collections.Counter[str] = collections.Counter()
    finalizers: collections.Counter[str] = collections.Counter()
    for held_key, obj in cluster._objects.items():
        if held_key[2] == name:
            resources[f"{held_key[1]}.{held_key[0]}"] += 1
            finalizers.update(obj["metadata"].get("finalizers") or [])
    rt = cluster._type_of(key)
    ns = cluster._objects[key]
    conditions = _conditions(ns, resources, finalizers, cluster._now())
    if conditions is not None:
        ns = cluster.update(rt, "", name, {**ns, "status": {**ns["status"],
                                                           "conditions": conditions}},
                            NAMESPACE_CONTROLLER, subresource="status",
                            manager=CONTROLLER_MANAGER)[0]
    if resources:
        return  # objects with finalizers hold it; it looks again when they change
    left = [f for f in ns["spec"]["finalizers"] if f != FINALIZER]
    cluster.update(rt, "", name, {**ns, "spec": {"finalizers": left}}, NAMESPACE_CONTROLLER,
                   subresource="finalize", manager=CONTROLLER_MANAGER)


def _conditions(ns: Mapping[str, Any], resources: Mapping[str, int],
                finalizers: Mapping[str, int], now: str) -> list[dict[str, Any]] | None:
    """The namespace's conditions after a pass, or None when none changes (a condition
    keeps its lastTransitionTime until its status, reason or message changes)."""
    failing: dict[str, tuple[str, str]] = {}
    if resources:
        listed = sorted(f"{r} has {n} resource instances" for r, n in resources.items())
        failing["NamespaceContentRemaining"] = (
            "SomeResourcesRemain", "Some resources are remaining: " + ", ".join(listed))
    if finalizers:
        listed = sorted(f"{f} in {n} resource instances" for f, n in finalizers.items())
        failing["NamespaceFinalizersRemaining"] = (
            "SomeFinalizersRemain",
            "Some content in the namespace has finalizers remaining: " + ", ".join(listed))
    old = {c.get("type"): c for c in (ns.get("status") or {}).get("conditions") or []}
    new = [dict(c) for c in (ns.get("status") or {}).get("conditions") or []]
    changed = False
    for type_, reason, message in _CONDITIONS:
        status = "True" if type_ in failing else "False"
        reason, message = failing.get(type_, (reason, message))
        condition = {"type": type_, "status": status, "lastTransitionTime": now,
                     "reason": reason, "message": message}
        before = old.get(type_)
        if before is None:
            new.append(condition)
        elif (before.get("status"), before.get("reason"), before.get("message")) != (
                status, reason, message):
            new = [condition if c.get("type") == type_ else c for c in new]
        else:
            continue
        changed = True
    return new if changed else None
