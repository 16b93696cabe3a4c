"""Control loops inside the fake cluster, run on the fake's clock.

A real cluster's controllers (kube-controller-manager, the scheduler, each node's
kubelet) watch the API server and write back a little later. Here each one is a
:class:`Controller` whose :meth:`~Controller.sync` brings one object's world a step
closer to its spec, and :class:`Controllers` runs them:

- a committed write wakes the controllers that care (the object's own controller, and
  the controller of its owner, as controller-runtime's ``Owns`` does); they run as soon
  as the request that wrote it has finished, before its answer is sent, so a test sees
  the same order of writes every run;
- work that waits for time (a Pod that starts after a delay, a progress deadline, a
  CronJob's schedule) is a timer on the fake's clock: it runs when a test advances the
  clock past it (``fake.clock.advance(30)``), each timer at its own moment, or on its
  own under :class:`~fakes._clock.RealClock`;
- each controller can be switched off per test (``fake.controllers.disable("kubelet")``);
- a controller's write refused with a Status (a conflict with someone else's write) is
  retried, as a real controller's rate-limited work queue retries it.

The controllers' writes go through the same :class:`~fakes.kubernetes._model.Cluster`
methods, rules and journal as any client's, under their own user names.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from fakes._clock import Clock
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._events import involved_object, record_event
from fakes.kubernetes._model import Cluster, DeleteOptions, Event
from fakes.kubernetes._selectors import LabelSelector

if TYPE_CHECKING:
    from fakes.kubernetes._resources import ResourceType

#: Where a controller's work is: (controller name, namespace, object name).
Work = tuple[str, str, str]
#: The (namespace, name) of a work item that stands for every object the controller
#: syncs: a change that concerns them all (a Node's, for the scheduler).
EVERY = ("", "")
#: Syncs one settling may run before it gives up: controllers that keep waking each
#: other without end are a bug, and a loud one.
_MAX_SYNCS = 200_000
#: Retry delays for a sync whose write was refused (seconds of the fake's clock):
#: client-go's per-item exponential backoff starts at 5 ms and doubles; the first
#: retries run at once here, as their milliseconds would pass unnoticed.
_IMMEDIATE_RETRIES = 3
_MAX_BACKOFF = 300.0


class Controller:
    """One control loop. Subclasses name the resource they sync and implement
    :meth:`sync`; :meth:`wakes` says which of their objects a change concerns."""

    #: The name tests use to switch it off, e.g. ``"deployment"``.
    name: ClassVar[str]
    #: The user its writes are journaled under, as kube-controller-manager's
    #: ``--use-service-account-credentials`` names them.
    actor: ClassVar[str]
    #: The field manager of its writes (``managedFields``).
    manager: ClassVar[str | None] = "kube-controller-manager"
    #: Who its Events say reported them (``source.component``); ``<name>-controller``
    #: when not set.
    component: ClassVar[str | None] = None
    #: (group, plural) of the objects it syncs, and their kind.
    resource: ClassVar[tuple[str, str]]
    kind: ClassVar[str]
    #: (group, plural) of the objects it creates and owns (ownerReferences with
    #: ``controller: true``): their changes wake the owner.
    owns: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: (group, plural) of the objects any change of which concerns every object it
    #: syncs: such a change wakes it with :data:`EVERY`.
    rescans_on: ClassVar[tuple[tuple[str, str], ...]] = ()

    def wakes(self, event: Event) -> Iterator[tuple[str, str]]:
        """The (namespace, name) of each of this controller's objects that ``event``
        concerns (:data:`EVERY` for all of them)."""
        group, plural, namespace, name = event.key
        if (group, plural) in self.rescans_on:
            yield EVERY
        elif (group, plural) == self.resource:
            yield namespace, name
        elif (group, plural) in self.owns:
            for obj in (event.object, event.previous):
                for ref in ((obj or {}).get("metadata") or {}).get("ownerReferences") or ():
                    if ref.get("controller") and ref.get("kind") == self.kind:
                        yield namespace, ref.get("name", "")

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        """Move the object (which may be gone) a step towards its spec; the seconds
        after which to sync it again when time matters, else None."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what it remembers between syncs (the cluster was reset)."""


class ControllerApi:
    """What a controller reads and writes: the cluster, as its own user."""

    def __init__(self, cluster: Cluster, controller: Controller, rng: random.Random) -> None:
        self.cluster = cluster
        self.controller = controller
        #: Seeded: a controller's random choices (names, jitter) repeat run after run.
        self.random = rng

    @property
    def clock(self) -> Clock:
        return self.cluster.clock

    def now(self) -> str:
        """The fake clock's time as the API's timestamps write it."""
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def type(self, group: str, plural: str) -> ResourceType:
        for rt in self.cluster.types.types:
            if rt.group == group and rt.plural == plural:
                return rt
        raise LookupError(f"no resource {plural}.{group} in this cluster")

    def get(self, group: str, plural: str, namespace: str, name: str
            ) -> dict[str, Any] | None:
        try:
            return self.cluster.get(self.type(group, plural), namespace, name)
        except StatusError as error:
            if error.status == 404:
                return None
            raise

    def list_objects(self, group: str, plural: str, namespace: str | None = None, *,
             labels: LabelSelector | None = None) -> list[dict[str, Any]]:
        rt = self.type(group, plural)
        kwargs: dict[str, Any] = {} if labels is None else {"labels": labels}
        return self.cluster.list_objects(rt, namespace if rt.namespaced else None,
                                         **kwargs).items

    def owned(self, group: str, plural: str, owner: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The objects of ``plural`` in the owner's namespace that it controls."""
        uid = owner["metadata"]["uid"]
        return [o for o in self.list_objects(group, plural, owner["metadata"].get("namespace", ""))
                if any(r.get("uid") == uid and r.get("controller")
                       for r in o["metadata"].get("ownerReferences") or ())]

    def create(self, group: str, plural: str, namespace: str, body: Mapping[str, Any]
               ) -> dict[str, Any]:
        return self.cluster.create(self.type(group, plural), namespace, body,
                                   self.controller.actor, manager=self.controller.manager)

    def update(self, group: str, plural: str, obj: Mapping[str, Any], *,
               status: bool = False) -> dict[str, Any]:
        """Replace ``obj`` (its resourceVersion is the precondition), or only its status."""
        meta = obj["metadata"]
        return self.cluster.update(
            self.type(group, plural), meta.get("namespace", ""), meta["name"], obj,
            self.controller.actor, subresource="status" if status else None,
            manager=self.controller.manager)[0]

    def event(self, regarding: Mapping[str, Any], type: str, reason: str, message: str
              ) -> dict[str, Any] | None:
        """Record a core/v1 Event about ``regarding`` from this controller (see
        :mod:`fakes.kubernetes._events`); None when the server refused it."""
        component = self.controller.component or f"{self.controller.name}-controller"
        return record_event(self.cluster, involved_object(regarding), type, reason, message,
                            component=component, actor=self.controller.actor,
                            manager=self.controller.manager)

    def delete(self, group: str, plural: str, obj: Mapping[str, Any], *,
               propagation: str | None = None, grace_period: int | None = None) -> None:
        """Delete ``obj`` if it is still the object with that uid."""
        meta = obj["metadata"]
        options = DeleteOptions(uid=meta.get("uid"), propagation=propagation,
                                grace_period=grace_period)
        try:
            self.cluster.delete(self.type(group, plural), meta.get("namespace", ""),
                                meta["name"], options, self.controller.actor)
        except StatusError as error:
            if error.status != 404:
                raise


class Controllers:
    """Runs a cluster's controllers after each write and as the clock passes their
    timers (a :class:`~fakes._clock.Timeline` of that clock)."""

    def __init__(self, cluster: Cluster, controllers: Iterable[Controller], *,
                 seed: int = 0) -> None:
        self.cluster = cluster
        self._seed = seed
        self._controllers = {c.name: c for c in controllers}
        self._disabled: set[str] = set()
        self._ready: dict[Work, None] = {}  # insertion-ordered set
        self._timers: list[tuple[float, int, Work]] = []
        self._retries: dict[Work, int] = {}
        self._counter = itertools.count()
        self._random = random.Random(seed)
        self._settling = False
        self._lock = threading.RLock()
        cluster.observers.append(self.observe)

    # -- switching -----------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """Every controller this cluster has, on or off."""
        return sorted(self._controllers)

    @property
    def enabled(self) -> list[str]:
        return [n for n in self.names if n not in self._disabled]

    def disable(self, *names: str) -> None:
        """Switch controllers off: their objects stay as they are until switched on."""
        self._known(names)
        self._disabled.update(names)

    def enable(self, *names: str) -> None:
        """Switch controllers on again; they catch up with every object at once."""
        self._known(names)
        self._disabled.difference_update(names)
        with self._lock:
            for name in names:
                self._resync(self._controllers[name])
        self.settle()

    def add(self, controller: Controller) -> None:
        """Run one more controller (a user's own, for a custom resource)."""
        if controller.name in self._controllers:
            raise ValueError(f"a controller named {controller.name!r} exists already")
        self._controllers[controller.name] = controller
        with self._lock:
            self._resync(controller)
        self.settle()

    def _known(self, names: Iterable[str]) -> None:
        unknown = sorted(set(names) - set(self._controllers))
        if unknown:
            raise ValueError(f"no controller named {', '.join(map(repr, unknown))}; "
                             f"this cluster has {', '.join(self.names)}")

    # -- running -------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        """A committed change: wake the controllers it concerns."""
        with self._lock:
            for controller in self._controllers.values():
                if controller.name in self._disabled:
                    continue
                for namespace, name in controller.wakes(event):
                    self._ready[(controller.name, namespace, name)] = None

    def next_due(self) -> float | None:
        with self._lock:
            return self._timers[0][0] if self._timers else None

    def run_due(self) -> None:
        self.settle()

    def settle(self) -> None:
        """Run every sync that is due, and what those syncs wake, until none is left.
        A call made while settling (a controller's own write) returns at once: the
        outer loop picks up what it woke."""
        with self.cluster.lock, self._lock:
            if self._settling:
                return
            self._settling = True
            try:
                self._settle()
            finally:
                self._settling = False

    def _settle(self) -> None:
        now = self.cluster.clock.monotonic()
        for _ in range(_MAX_SYNCS):
            while self._timers and self._timers[0][0] <= now:
                _, _, work = heapq.heappop(self._timers)
                self._ready[work] = None
            if not self._ready:
                return
            work = next(iter(self._ready))
            del self._ready[work]
            self._run(work, now)
        raise RuntimeError(
            f"verified-fakes: the cluster's controllers did not settle after {_MAX_SYNCS} "
            f"syncs; still waking: {sorted(self._ready)[:5]}")

    def _run(self, work: Work, now: float) -> None:
        name, namespace, obj_name = work
        controller = self._controllers[name]
        if name in self._disabled:
            return
        api = ControllerApi(self.cluster, controller, self._random)
        try:
            after = controller.sync(api, namespace, obj_name)
        except StatusError:
            tries = self._retries[work] = self._retries.get(work, 0) + 1
            if tries <= _IMMEDIATE_RETRIES:
                self._ready[work] = None
            else:
                self._schedule(work, now + min(_MAX_BACKOFF, 2.0 ** (tries - _IMMEDIATE_RETRIES)))
            return
        self._retries.pop(work, None)
        if after is not None:
            self._schedule(work, now + max(0.0, after))

    def _schedule(self, work: Work, due: float) -> None:
        # One timer per work item is enough: keep the earliest.
        for at, _, queued in self._timers:
            if queued == work and at <= due:
                return
        heapq.heappush(self._timers, (due, next(self._counter), work))

    def _resync(self, controller: Controller) -> None:
        group, plural = controller.resource
        api = ControllerApi(self.cluster, controller, self._random)
        try:
            objects = api.list_objects(group, plural)
        except LookupError:  # a custom resource whose definition is not there (yet)
            return
        for obj in objects:
            meta = obj["metadata"]
            self._ready[(controller.name, meta.get("namespace", ""), meta["name"])] = None

    def reset(self) -> None:
        """Forget every queued sync and timer, then catch up with the (restored) state,
        as a restarted controller manager does."""
        with self.cluster.lock, self._lock:
            self._ready.clear()
            self._timers.clear()
            self._retries.clear()
            self._random = random.Random(self._seed)
            for controller in self._controllers.values():
                controller.reset()
                if controller.name not in self._disabled:
                    self._resync(controller)
        self.settle()


def controller_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ownerReference with ``controller: true``, if any."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref  # type: ignore[no-any-return]
    return None


def owner_reference(owner: Mapping[str, Any], *, block: bool = True) -> dict[str, Any]:
    """The ownerReference a controller puts on what it creates for ``owner``."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": block}

