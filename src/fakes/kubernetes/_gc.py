"""kube-controller-manager's garbage collector, and the queue both controllers the fake
runs (this one and the namespace controller, ``_namespaces``) share. No HTTP here.

Modelled (https://kubernetes.io/docs/concepts/architecture/garbage-collection/,
https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/,
and measured against kube-controller-manager v1.37.2):

- the apiserver's part, at DELETE: ``propagationPolicy`` Orphan (the default of the
  kinds that orphan, and of an object that already has the finalizer) adds the
  ``orphan`` finalizer, Foreground adds ``foregroundDeletion`` (:func:`deletion_finalizers`);
- an owner reference is *solid* when an object of its kind and name (in the
  dependent's namespace, for a namespaced kind) has its uid, *waiting* when that owner
  is being deleted in the foreground, *dangling* otherwise; a reference to a kind the
  cluster does not serve, or from a cluster-scoped dependent to a namespaced kind,
  cannot be resolved and leaves the dependent alone;
- a dependent with a solid owner loses its dangling and waiting references; one
  without is deleted (in the foreground when it has dependents of its own and an
  owner waits for it, else as its own finalizers say);
- Orphan: every dependent loses the reference, then the ``orphan`` finalizer goes;
  Foreground: the dependents are deleted, and ``foregroundDeletion`` goes once no
  dependent with ``blockOwnerDeletion`` is left (one held by its own finalizer holds
  the owner);
- a reference to a namespaced owner in another namespace is treated as absent, and,
  as for a cluster-scoped dependent of a namespaced kind, a Warning Event
  ``OwnerRefInvalidNamespace`` is recorded on the dependent.

Divergence: the controllers run at once, inside the request whose change they react
to, where the real ones act a moment later (watch events come in the same order).
"""

from __future__ import annotations

import collections
import contextlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from fakes.kubernetes import _namespaces
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._events import CONTROLLER_MANAGER, record_event

if TYPE_CHECKING:
    from fakes.kubernetes._model import Cluster, DeleteOptions, Key
    from fakes.kubernetes._resources import ResourceType

GARBAGE_COLLECTOR = "system:serviceaccount:kube-system:generic-garbage-collector"
#: The field manager kube-controller-manager's writes are recorded under.
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
_MERGE_PATCH = "application/merge-patch+json"
_COMPONENT = "garbage-collector-controller"

# How an owner reference resolves.
_SOLID, _DANGLING, _WAITING, _UNRESOLVABLE = "solid", "dangling", "waiting", "unresolvable"


def _meta(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    meta = obj.get("metadata") if obj is not None else None
    return meta if isinstance(meta, dict) else {}


def _refs(obj: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    refs = _meta(obj).get("ownerReferences")
    return [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []


def _finalizers(obj: Mapping[str, Any] | None) -> list[str]:
    return list(_meta(obj).get("finalizers") or [])


def _deleting(obj: Mapping[str, Any] | None, finalizer: str | None = None) -> bool:
    """Deletion started (and, with ``finalizer``, that finalizer holds the object)."""
    return bool(_meta(obj).get("deletionTimestamp")) and (
        finalizer is None or finalizer in _finalizers(obj))


def deletion_finalizers(rt: ResourceType, current: Mapping[str, Any],
                        options: DeleteOptions) -> list[str]:
    """The finalizers an object has once a DELETE with ``options`` starts: its own, with
    ``orphan`` or ``foregroundDeletion`` as the propagation policy asks (the
    apiserver's, at deletion; without a policy an object keeps the one it has, and the
    kinds that orphan by default orphan)."""
    own = [f for f in _finalizers(current) if f not in (ORPHAN, FOREGROUND)]
    policy = options.propagation
    if policy is None:
        had = _finalizers(current)
        policy = ("Orphan" if ORPHAN in had or rt.strategy.orphan_by_default
                  else "Foreground" if FOREGROUND in had else "Background")
    extra = {"Orphan": [ORPHAN], "Foreground": [FOREGROUND]}.get(policy, [])
    return own + extra


@attrs.define
class _Index:
    """Who owns whom, by uid, as the collector's graph knows it."""

    keys: dict[str, Key] = attrs.Factory(dict)  # uid -> key
    dependents: dict[str, set[Key]] = attrs.Factory(dict)  # owner uid -> dependents

    def add(self, key: Key, obj: Mapping[str, Any]) -> None:
        uid = _meta(obj).get("uid")
        if uid:
            self.keys[uid] = key
        for ref in _refs(obj):
            self.dependents.setdefault(str(ref.get("uid")), set()).add(key)

    def drop(self, key: Key, obj: Mapping[str, Any]) -> None:
        uid = _meta(obj).get("uid")
        if uid and self.keys.get(uid) == key:
            del self.keys[uid]
        for ref in _refs(obj):
            owned = self.dependents.get(str(ref.get("uid")))
            if owned is not None:
                owned.discard(key)
                if not owned:
                    del self.dependents[str(ref.get("uid"))]


class ControllerQueue:
    """The work queue of the controllers the fake runs: the garbage collector and the
    namespace controller. Each stored change is shown to :meth:`changed`; the work it
    causes runs before the outermost change returns, one item at a time (no
    recursion, however deep an ownership tree)."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._index: _Index | None = None  # built on first use after a reset
        self._queue: collections.deque[tuple[str, Key]] = collections.deque()
        self._queued: set[tuple[str, Key]] = set()
        self._running = False

    def forget(self) -> None:
        """The store was replaced (reset): rebuild the graph when next needed."""
        self._index = None
        self._queue.clear()
        self._queued.clear()

    def dependents(self, uid: str) -> list[Key]:
        return sorted(self._graph().dependents.get(uid, ()))

    def changed(self, key: Key, previous: Mapping[str, Any] | None,
                obj: Mapping[str, Any] | None) -> None:
        """React to the object at ``key`` going from ``previous`` to ``obj`` (None: it
        was removed), then run what is queued unless a reaction is already running."""
        if self._index is None:
            self._graph()  # built from the store, which already holds this change
        else:
            if previous is not None:
                self._index.drop(key, previous)
            if obj is not None:
                self._index.add(key, obj)
        self._react(key, previous, obj)
        if self._running or not self._queue:
            return
        self._running = True
        try:
            while self._queue:
                item = self._queue.popleft()
                self._queued.discard(item)
                # The real controllers retry; an object that moved on is left alone.
                with contextlib.suppress(StatusError):
                    self._handlers[item[0]](self, item[1])
        finally:
            self._running = False

    # -- reactions -----------------------------------------------------------------

    def _graph(self) -> _Index:
        if self._index is None:
            self._index = _Index()
            for key, obj in self._cluster._objects.items():
                self._index.add(key, obj)
        return self._index

    def _enqueue(self, work: str, key: Key) -> None:
        item = (work, key)
        if item not in self._queued:
            self._queued.add(item)
            self._queue.append(item)

    def _react(self, key: Key, previous: Mapping[str, Any] | None,
               obj: Mapping[str, Any] | None) -> None:
        graph = self._graph()
        old_refs, new_refs = _refs(previous), _refs(obj)
        if obj is None:
            for dependent in self.dependents(str(_meta(previous).get("uid"))):
                self._enqueue("attempt", dependent)
        else:
            started = not _deleting(previous) or _finalizers(previous) != _finalizers(obj)
            if started and (_deleting(obj, ORPHAN) or _deleting(obj, FOREGROUND)):
                self._enqueue("owner", key)
            if new_refs and new_refs != old_refs:
                self._enqueue("observe", key)
        # An owner waiting for its dependents looks again when one leaves it.
        kept = {str(r.get("uid")) for r in new_refs}
        for ref in old_refs:
            owner = graph.keys.get(str(ref.get("uid")))
            if ref.get("uid") not in kept and owner is not None and _deleting(
                    self._cluster._objects.get(owner), FOREGROUND):
                self._enqueue("release", owner)
        if key[:2] == _namespaces.NAMESPACES and _deleting(obj) and not _deleting(previous):
            self._enqueue("namespace", key)
        elif key[2] and _namespaces.terminating(self._cluster, key[2]):
            self._enqueue("namespace", _namespaces.key_of(key[2]))

    # -- the garbage collector -----------------------------------------------------

    def _observe(self, key: Key) -> None:
        """A dependent written with new owner references: its bad ones are reported
        (once: the real collector does so as it adds the dependent to its graph), and
        it is looked at only if one of its owners is absent (measured: a new
        dependent of an owner waiting in the foreground stays until that owner looks
        again)."""
        self._attempt(key, fresh=True)

    def _attempt(self, key: Key, *, fresh: bool = False) -> None:
        """attemptToDeleteItem: delete a dependent none of whose owners is left, or
        drop the references to owners that are gone."""
        cluster = self._cluster
        obj = cluster._objects.get(key)
        if obj is None or not _refs(obj) or (_deleting(obj) and not _deleting(obj, FOREGROUND)):
            return
        states: dict[str, list[Mapping[str, Any]]] = collections.defaultdict(list)
        for ref in _refs(obj):
            states[self._resolve(key, obj, ref, fresh)].append(ref)
        if states[_UNRESOLVABLE] or (fresh and not states[_DANGLING]):
            return  # (unresolvable: the real collector retries forever; it stays)
        rt = cluster._type_of(key)
        uid = str(_meta(obj).get("uid"))
        if states[_SOLID]:
            gone = {str(r.get("uid")) for r in states[_DANGLING] + states[_WAITING]}
            if gone:
                kept = [r for r in _refs(obj) if str(r.get("uid")) not in gone]
                self._patch(rt, key, {"metadata": {"ownerReferences": kept, "uid": uid}})
            return
        finalizers = _finalizers(obj)
        if states[_WAITING] and self._graph().dependents.get(uid):
            policy = "Foreground"
        else:
            policy = ("Orphan" if ORPHAN in finalizers else
                      "Foreground" if FOREGROUND in finalizers else "Background")
        cluster.delete(rt, key[2], key[3], _options(uid, policy), GARBAGE_COLLECTOR)

    def _resolve(self, key: Key, obj: Mapping[str, Any], ref: Mapping[str, Any],
                 report: bool) -> str:
        cluster = self._cluster
        owner_rt = cluster.types.by_kind(str(ref.get("apiVersion")), str(ref.get("kind")))
        if owner_rt is None:
            return _UNRESOLVABLE
        namespace = key[2]
        if owner_rt.namespaced and not namespace:
            if report:
                self._invalid_namespace(key, obj, ref)
            return _UNRESOLVABLE
        owner = cluster._objects.get((owner_rt.group, owner_rt.plural,
                                      namespace if owner_rt.namespaced else "",
                                      str(ref.get("name"))))
        if owner is None or _meta(owner).get("uid") != ref.get("uid"):
            elsewhere = self._graph().keys.get(str(ref.get("uid")))
            if report and elsewhere is not None and elsewhere[2] and elsewhere[2] != namespace:
                self._invalid_namespace(key, obj, ref)
            return _DANGLING
        return _WAITING if _deleting(owner, FOREGROUND) else _SOLID

    def _owner(self, key: Key) -> None:
        """An owner being deleted: orphan its dependents, or delete them first."""
        obj = self._cluster._objects.get(key)
        uid = str(_meta(obj).get("uid"))
        if _deleting(obj, ORPHAN):
            for dependent in self.dependents(uid):
                current = self._cluster._objects[dependent]
                kept = [r for r in _refs(current) if r.get("uid") != uid]
                self._patch(self._cluster._type_of(dependent), dependent, {"metadata": {
                    "ownerReferences": kept or None, "uid": _meta(current).get("uid")}})
            self._drop_finalizer(key, ORPHAN)
        elif _deleting(obj, FOREGROUND):
            for dependent in self.dependents(uid):
                if not _deleting(self._cluster._objects.get(dependent)):
                    self._enqueue("attempt", dependent)
            self._enqueue("release", key)

    def _release(self, key: Key) -> None:
        """processDeletingDependentsItem: the owner goes once no dependent blocks it."""
        obj = self._cluster._objects.get(key)
        if not _deleting(obj, FOREGROUND):
            return
        uid = _meta(obj).get("uid")
        blocking = [d for d in self.dependents(str(uid)) if any(
            r.get("uid") == uid and r.get("blockOwnerDeletion") is True
            for r in _refs(self._cluster._objects.get(d)))]
        for dependent in blocking:  # (one written since the owner looked last)
            if not _deleting(self._cluster._objects.get(dependent)):
                self._enqueue("attempt", dependent)
        if not blocking:
            self._drop_finalizer(key, FOREGROUND)

    def _drop_finalizer(self, key: Key, finalizer: str) -> None:
        obj = self._cluster._objects[key]
        left = [f for f in _finalizers(obj) if f != finalizer]
        self._patch(self._cluster._type_of(key), key, {"metadata": {
            "finalizers": left or None, "uid": _meta(obj).get("uid")}})

    def _patch(self, rt: ResourceType, key: Key, patch: Mapping[str, Any]) -> None:
        self._cluster.patch(rt, key[2], key[3], _MERGE_PATCH, json.dumps(patch).encode(),
                            GARBAGE_COLLECTOR, manager=CONTROLLER_MANAGER)

    def _invalid_namespace(self, key: Key, obj: Mapping[str, Any],
                           ref: Mapping[str, Any]) -> None:
        """The Warning Event the collector records on a dependent whose owner
        reference crosses namespaces (measured: its reason, message and source)."""
        namespace = key[2]
        meta = _meta(obj)
        rt = self._cluster._type_of(key)
        message = (f"ownerRef [{ref.get('apiVersion')}/{ref.get('kind')}, namespace: "
                   f"{namespace}, name: {ref.get('name')}, uid: {ref.get('uid')}] does not "
                   f"exist in namespace {json.dumps(namespace)}")
        involved = {"kind": rt.kind, "namespace": namespace, "name": meta.get("name"),
                    "uid": meta.get("uid"), "apiVersion": rt.api_version}
        # The collector's Event names no resourceVersion and is not counted up when the
        # reference is looked at again (measured).
        record_event(self._cluster, involved, "Warning", "OwnerRefInvalidNamespace",
                     message, component=_COMPONENT, actor=GARBAGE_COLLECTOR,
                     correlate=False)

    def _namespace(self, key: Key) -> None:
        _namespaces.sync(self._cluster, key[3])

    _handlers: Mapping[str, Callable[[ControllerQueue, Key], None]] = {
        "observe": _observe, "attempt": _attempt, "owner": _owner, "release": _release,
        "namespace": _namespace}


def _options(uid: str, policy: str) -> DeleteOptions:
    from fakes.kubernetes._model import DeleteOptions

    return DeleteOptions(uid=uid, propagation=policy)


