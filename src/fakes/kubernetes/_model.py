"""The cluster's state and every rule the API server applies to it. No HTTP here.

Modelled (https://kubernetes.io/docs/reference/using-api/api-concepts/ and the API
conventions, https://github.com/kubernetes/community/blob/master/contributors/devel/
sig-architecture/api-conventions.md):

- objects keyed by (group, resource, namespace, name), served for the kinds of the
  resource registry;
- one resourceVersion sequence for the whole store: the fake's journal ``seq`` of the
  change that wrote the object, handed to clients as an opaque string;
- ``uid`` and ``creationTimestamp`` (from the fake's clock) set on create and kept
  whatever an update says; ``generation`` (for the resources that keep one) 1 on
  create, bumped when anything but metadata and status changes, and when deletion
  starts; ``generateName`` with a random five-character suffix, retried on collision;
- names validated per resource; labels and annotation keys validated;
- optimistic concurrency: an update whose resourceVersion is not the stored one is a
  409 Conflict; updates without one where the resource allows it; create on update
  where it allows it;
- the ``status`` subresource: writes to the main resource keep the stored status,
  writes to ``/status`` change only the status;
- deletion: preconditions, finalizers and ``deletionTimestamp`` (the object goes when
  its last finalizer is removed), no new finalizers once deletion started;
- a namespace's deletion removes what it holds (``_namespaces``), and the garbage
  collector deletes or orphans the objects an object owned (``_gc``). Both run at once,
  inside the request that triggered them, where the real controllers run a little later;
- lists at the current or an exact resourceVersion, pages with ``limit`` and opaque
  ``continue`` tokens over a consistent snapshot, label and field selectors;
- watch events from the journal: every change is recorded with its actor and an
  :class:`Event` payload, and :meth:`Cluster.events` turns changes into what a watch of
  one resource, namespace and selector shows;
- defaulting (``_defaults``) and each kind's own validation (``_rules``) on every
  write of the main resource;
- dry runs: every write takes ``dry_run``, which runs it all the way to
  :meth:`Cluster._write` / :meth:`Cluster._remove` and stops there;
  ``delete_collection`` deletes what a list selects, one DELETE at a time.

- ``metadata.managedFields`` for the writes that name a field manager, and server-side
  apply (:meth:`Cluster.apply`); the field ownership rules are in ``_apply``.

Divergences (``docs/kubernetes.md``): defaulting and spec validation for some kinds
only, no admission plugins.

Custom resources and their definitions: see ``_crd``.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import collections
import copy
import functools
import json
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

import attrs

from fakes._clock import Clock
from fakes._journal import Change, Journal
from fakes.kubernetes import _crd, _gc, _namespaces, _rbac
from fakes.kubernetes._apply import ApplyConflict, Tracker, Writer
from fakes.kubernetes._decode import json_type, type_error
from fakes.kubernetes._defaults import default, on_create, on_update, scheduling_gated
from fakes.kubernetes._errors import (
    STALE,
    Cause,
    StatusError,
    already_exists,
    bad_request,
    conflict,
    gone,
    internal,
    invalid,
    namespace_not_found,
    not_found,
)
from fakes.kubernetes._fieldsets import render, unknown_field
from fakes.kubernetes._patch import (
    PatchError,
    StrategicError,
    json_patch,
    merge_patch,
    strategic_merge,
)
from fakes.kubernetes._quantity import canonical_fields
from fakes.kubernetes._resources import Registry, ResourceType, registry
from fakes.kubernetes._rules import kind_rules
from fakes.kubernetes._selectors import FieldSelector, LabelSelector, field_value
from fakes.kubernetes._validation import label_value, name_errors, qualified_name

Key = tuple[str, str, str, str]  # group, plural, namespace ("" if cluster-scoped), name
EventType = Literal["ADDED", "MODIFIED", "DELETED"]

ANY_LABELS = LabelSelector()
ANY_FIELDS = FieldSelector()
#: How long the history behind watches and continue tokens is kept, in seconds of the
#: fake's clock: etcd's compaction interval as kube-apiserver sets it by default
#: (``--etcd-compaction-interval=5m``).
HISTORY_SECONDS = 300.0
#: apimachinery's name generator: five characters from this alphabet, no vowels.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_GENERATED_PREFIX = 58
_GENERATE_TRIES = 8
# Metadata the server owns: what a client sends for these is ignored on update.
_SERVER_METADATA = ("uid", "creationTimestamp", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "generation", "managedFields", "selfLink")
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


@attrs.frozen
class Event:
    """The payload of a journal change: what a watch shows, and what undoes it."""

    type: EventType
    key: Key
    object: Mapping[str, Any]
    previous: Mapping[str, Any] | None = None


@attrs.frozen
class ListResult:
    items: list[dict[str, Any]]
    resource_version: str
    continue_token: str | None = None
    remaining: int | None = None


@attrs.frozen
class DeleteOptions:
    """What a DELETE says: preconditions and how dependents are treated."""

    uid: str | None = None
    resource_version: str | None = None
    propagation: str | None = None  # "Orphan", "Background", "Foreground"
    orphan_dependents: bool | None = None  # the deprecated field, when it was sent
    grace_period: int | None = None  # gracePeriodSeconds: Pods end gracefully


W = TypeVar("W", bound=Callable[..., Any])


def _settles(method: W) -> W:
    """A write after which the cluster's controllers react (``Cluster.settle``), once
    the outermost write has finished: a controller's own writes only queue work."""
    @functools.wraps(method)
    def write(self: Cluster, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if self.settle is not None:
            self.settle()
        return result
    return write  # type: ignore[return-value]


def _copy(obj: Mapping[str, Any]) -> dict[str, Any]:
    return _copy_value(dict(obj))  # type: ignore[no-any-return]


_IMMUTABLE = (str, int, float, bool, type(None))


def _copy_value(value: Any) -> Any:
    """A deep copy of a JSON tree: a quarter of ``copy.deepcopy``'s cost, which every
    get, list item and watch event pays (a tree has no shared parts to remember)."""
    if type(value) is dict:
        return {key: _copy_value(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy_value(item) for item in value]
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)  # pragma: no cover - bodies are decoded JSON


def _meta(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _pod_grace_period(pod: Mapping[str, Any], options: DeleteOptions) -> int:
    """How long a Pod has to end (the pod registry's CheckGracefulDelete): what the
    DELETE asks, else its spec's; none when no node runs it or it has finished."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    grace = options.grace_period
    if grace is None:
        grace = spec.get("terminationGracePeriodSeconds", 30)
    return max(int(grace), 0) if grace is not None else 0


def _timestamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def too_large_resource_version(at: int, last: int) -> StatusError:
    """A read at a resourceVersion the store has not reached (the watch cache's answer
    once it has waited for it)."""
    return StatusError(f"Timeout: Too large resource version: {at}, current: {last}",
                       status=504, reason="Timeout",
                       details={"causes": [{"reason": "ResourceVersionTooLarge",
                                            "message": "Too large resource version"}],
                                "retryAfterSeconds": 1})


def parse_resource_version(value: str, *, param: bool) -> int:
    """The sequence number a resourceVersion names; the apiserver's errors otherwise."""
    if value.isdigit():
        return int(value)
    detail = f'strconv.ParseUint: parsing {json.dumps(value)}: invalid syntax'
    if param:
        raise bad_request(f"invalid resource version: resourceVersion: Invalid value: "
                          f"{json.dumps(value)}: {detail}")
    raise internal(detail)


class Cluster:
    """The API server's storage and rules. Thread-safe; every write is journaled."""

    def __init__(self, journal: Journal, clock: Clock, *, seed: int = 0,
                 types: Registry | None = None) -> None:
        self.journal = journal
        self.clock = clock
        # The built-in types, and those the CustomResourceDefinitions add (see _crd).
        self._builtin = types if types is not None else registry()
        self.types = self._builtin
        self._seed = seed
        self._random = random.Random(seed)
        self._objects: dict[Key, dict[str, Any]] = {}
        # The same objects by (group, plural): a list reads its type's objects only,
        # not every object of the cluster.
        self._by_type: dict[tuple[str, str], dict[Key, dict[str, Any]]] = {}
        self._lock = threading.RLock()
        # Sorted keys and objects of a type at one resourceVersion, for the pages of a
        # list: a paginated list sorts once, not once per page. A state at a version
        # never changes (stored objects are replaced, never mutated), so only a reset
        # (a new generation) makes an entry stale.
        self._listings: collections.OrderedDict[
            tuple[int, str, str, int], tuple[list[Key], dict[Key, Mapping[str, Any]]]
        ] = collections.OrderedDict()
        self._generation = 0
        #: Container logs a test set, by Pod uid and container name (pods/log).
        self.pod_logs: dict[tuple[str, str], str] = {}
        self._trackers: dict[tuple[str, str, str, str], Tracker] = {}
        # The garbage collector and the namespace controller, fed every change.
        self._controller_queue = _gc.ControllerQueue(self)
        #: Called with each committed change's Event (the controllers' wake-ups).
        self.observers: list[Callable[[Event], None]] = []
        #: Called after each write that reached the store (the controllers' runner).
        self.settle: Callable[[], None] | None = None
        #: The RBAC policy index, rebuilt after RBAC writes (see _rbac).
        self.rbac = _rbac.PolicyState()

    @property
    def lock(self) -> threading.RLock:
        """Held by every read and write; hold it to see and change state atomically."""
        return self._lock

    # -- FakeStore -----------------------------------------------------------------

    def snapshot(self) -> Cluster:
        with self._lock:
            copied = Cluster(self.journal, self.clock, seed=self._seed, types=self._builtin)
            copied._objects = dict(self._objects)  # stored objects are never mutated
            copied._by_type = {t: dict(m) for t, m in self._by_type.items()}
            copied.pod_logs = dict(self.pod_logs)
            copied.types = self.types
            return copied

    def reset(self, to: Cluster | None = None) -> None:
        with self._lock:
            self._objects = dict(to._objects) if to is not None else {}
            self._by_type = {t: dict(m) for t, m in to._by_type.items()} if to else {}
            self.pod_logs = dict(to.pod_logs) if to is not None else {}
            self.types = to.types if to is not None else self._builtin
            self._random = random.Random(self._seed)
            self._generation += 1
            self._listings.clear()
            self._controller_queue.forget()
            self.rbac = _rbac.PolicyState()

    # -- reads ---------------------------------------------------------------------

    def policy(self) -> _rbac.Policy:
        """The RBAC policy of the stored Roles, ClusterRoles and bindings."""
        with self._lock:
            return self.rbac.policy(self._objects)

    def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        with self._lock:
            stored = self._objects.get(self._key(rt, namespace, name))
        if stored is None:
            raise not_found(rt, name)
        return _copy(stored)

    def list_objects(
        self, rt: ResourceType, namespace: str | None, *,
        labels: LabelSelector = ANY_LABELS, fields: FieldSelector = ANY_FIELDS,
        limit: int = 0, token: str | None = None, resource_version: str | None = None,
        exact: bool = False,
    ) -> ListResult:
        """One page of the objects of ``rt`` (in ``namespace``; all when None)."""
        start = ("", "")
        with self._lock:
            last = self.journal.last
            if token is not None:
                at, start = _decode_continue(token)
            elif resource_version not in (None, "", "0"):
                at = parse_resource_version(str(resource_version), param=True)
                if at > last:
                    raise too_large_resource_version(at, last)
                if not exact:
                    at = last
            else:
                at = last
            if at < last and self._forgotten(at):
                if token is not None:
                    raise gone(_CONTINUE_EXPIRED)
                raise gone(f"too old resource version: {at} ({self._oldest() - 1})")
            keys, state = self._listing(rt, at)
        prefix = (rt.group, rt.plural)
        low, high = 0, len(keys)
        if namespace is not None:  # keys sort by namespace, then name: one slice
            low = bisect.bisect_left(keys, (*prefix, namespace))
            high = bisect.bisect_left(keys, (*prefix, namespace + "\x00"))
        position = max(low, bisect.bisect_right(keys, (*prefix, *start)))
        page: list[tuple[Key, Mapping[str, Any]]] = []
        more = False
        for index in range(position, high):
            key = keys[index]
            if not self._selected(rt, state[key], labels, fields):
                continue
            if limit > 0 and len(page) == limit:
                more = True  # one more match than the page holds
                break
            page.append((key, state[key]))
        next_token = None
        remaining = None
        if more:
            last_key = page[-1][0]
            next_token = _encode_continue(at, last_key[2], last_key[3])
            if not labels.requirements and not fields.terms:
                remaining = high - bisect.bisect_right(keys, last_key)
        return ListResult([_copy(o) for _, o in page], str(at), next_token, remaining)

    def _listing(self, rt: ResourceType, at: int
                 ) -> tuple[list[Key], dict[Key, Mapping[str, Any]]]:
        """The sorted keys and the objects of ``rt`` at ``at``, kept for the next page."""
        cache_key = (self._generation, rt.group, rt.plural, at)
        found = self._listings.get(cache_key)
        if found is None:
            state = self._state_at(rt, at)
            found = (sorted(state), state)
            self._listings[cache_key] = found
            while len(self._listings) > 8:
                self._listings.popitem(last=False)
        else:
            self._listings.move_to_end(cache_key)
        return found

    # -- watches -------------------------------------------------------------------

    def watch_start(
        self, rt: ResourceType, namespace: str | None, resource_version: str | None,
        labels: LabelSelector, fields: FieldSelector, *, initial_events: bool | None = None,
    ) -> tuple[list[tuple[str, dict[str, Any]]], int]:
        """The events a new watch begins with and the journal position it goes on from.

        Without a resourceVersion (or "0") the watch begins with an ADDED event for
        every object that exists; with one, it shows the changes after it, or raises
        410 Expired when they are no longer kept. ``initial_events`` (the
        sendInitialEvents parameter) decides instead when it is set: True begins with
        the objects as they are now (not older than the resourceVersion), False with
        nothing.
        """
        with self._lock:
            last = self.journal.last
            since = None
            if resource_version not in (None, "", "0"):
                try:
                    since = parse_resource_version(str(resource_version), param=False)
                except StatusError as error:
                    error.message = (f"resourceVersion: Invalid value: "
                                     f"{json.dumps(resource_version)}: {error.message}")
                    raise
            if initial_events is None:
                initial_events = since is None
            elif since is not None and since > last:
                raise too_large_resource_version(since, last)
            if initial_events:
                initial = [("ADDED", _copy(o)) for k, o in sorted(
                               self._by_type.get((rt.group, rt.plural), {}).items())
                           if (namespace is None or k[2] == namespace)
                           and self._selected(rt, o, labels, fields)]
                return initial, last
            if since is None:
                return [], last
            if since < last and self._forgotten(since):
                raise gone(f"too old resource version: {since} ({self._oldest() - 1})")
            return [], since

    def events(
        self, changes: Iterable[Change], rt: ResourceType, namespace: str | None,
        labels: LabelSelector, fields: FieldSelector,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """What a watch of ``rt`` in ``namespace`` shows of ``changes``: an object that
        starts or stops matching the selectors is ADDED or DELETED, as the apiserver's
        watch cache shows it."""
        for change in changes:
            event = change.payload
            if not isinstance(event, Event) or event.key[:2] != (rt.group, rt.plural):
                continue
            if namespace is not None and event.key[2] != namespace:
                continue
            now = self._selected(rt, event.object, labels, fields)
            before = event.previous is not None and self._selected(rt, event.previous,
                                                                    labels, fields)
            if event.type == "MODIFIED":
                if now and before:
                    yield "MODIFIED", _copy(event.object)
                elif now:
                    yield "ADDED", _copy(event.object)
                elif before:
                    # The object as it was, at the version that made it leave (measured).
                    left = _copy(event.previous)  # type: ignore[arg-type]
                    left["metadata"]["resourceVersion"] = event.object["metadata"][
                        "resourceVersion"]
                    yield "DELETED", left
            elif now:
                yield event.type, _copy(event.object)

    def expired(self, position: int) -> bool:
        """Whether a watch at ``position`` lost changes it has not shown yet."""
        with self._lock:
            return position < self.journal.last and self._forgotten(position)

    # -- writes --------------------------------------------------------------------

    @_settles
    def create(self, rt: ResourceType, namespace: str, body: Mapping[str, Any],
               actor: str, *, validation: str = "Strict",
               warnings: list[str] | None = None, manager: str | None = None,
               dry_run: bool = False) -> dict[str, Any]:
        """Create an object. With ``dry_run`` every step runs but the last: the object
        that would be stored is returned, without a resourceVersion (measured)."""
        obj = self._checked_body(rt, namespace, body, None, validation, warnings)
        meta = obj["metadata"]
        with self._lock:
            self._check_namespace(rt, namespace, meta.get("name") or "")
            generate = meta.get("generateName")
            if not meta.get("name") and not generate:
                raise invalid(rt, "", [Cause.required(
                    "metadata.name", "name or generateName is required")])
            taken = False  # refused only after validation, as the apiserver's storage does
            for attempt in range(_GENERATE_TRIES):
                if generate and not body.get("metadata", {}).get("name"):
                    meta["name"] = (generate[:_MAX_GENERATED_PREFIX]
                                    + "".join(self._random.choice(_SUFFIX_ALPHABET)
                                              for _ in range(5)))
                self._validate_metadata(rt, meta, generate_name=generate)
                key = self._key(rt, namespace, meta["name"])
                if key not in self._objects:
                    break
                if not generate or meta.get("name") == body.get("metadata", {}).get("name") \
                        or attempt == _GENERATE_TRIES - 1:
                    taken = True
                    break
            sent = meta.get("managedFields")
            applied = sent if manager == _APPLIED else None
            for field in _SERVER_METADATA:
                meta.pop(field, None)
            if rt.kind == "Namespace":
                # Defaulting labels every namespace with its name (measured, and
                # pkg/apis/core/v1 defaults): its creator owns the label.
                meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
            # Decoding defaults the object before its field manager is recorded: the
            # writer owns the defaults; the registry's own changes below no one owns.
            default(self.types.definitions, rt.definition, obj)
            if manager is not None and manager != _APPLIED:
                applied = self._tracker(rt, None).record_update(
                    None, obj, Writer(manager, rt.api_version), self._now(), sent)
            if applied:
                meta["managedFields"] = applied
            meta["uid"] = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
            meta["creationTimestamp"] = _timestamp(self.clock.now())
            if rt.strategy.generation:
                meta["generation"] = 1
            if rt.has_status:
                obj["status"] = {}
            self._prepare_create(rt, obj)
            if rt.kind == "Namespace":
                # The namespace registry gives it the "kubernetes" finalizer (measured,
                # and pkg/registry/core/namespace).
                obj["spec"] = {"finalizers": ["kubernetes"]}
                obj["status"] = {"phase": "Active"}
            on_create(rt, obj, self._allocated_ips(rt), self._random)
            if rt.kind == "Pod":
                scheduling_gated(obj, self._now())
            self._check_object(rt, meta["name"], obj, None)
            self._check_rules(rt, obj, None)
            if taken:
                raise already_exists(rt, meta["name"])
            return _copy(self._write(rt, key, obj, None, actor, "create", dry_run=dry_run))

    @_settles
    def update(
        self, rt: ResourceType, namespace: str, name: str, body: Mapping[str, Any],
        actor: str, *, subresource: str | None = None, validation: str = "Strict",
        warnings: list[str] | None = None, manager: str | None = None,
        dry_run: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """Replace an object (PUT); True when it was created (create on update)."""
        obj = self._checked_body(rt, namespace, body, name, validation, warnings)
        with self._lock:
            key = self._key(rt, namespace, name)
            current = self._objects.get(key)
            if current is None:
                if not rt.strategy.create_on_update or subresource is not None:
                    raise not_found(rt, name)
                return self.create(rt, namespace, obj, actor, manager=manager,
                                   dry_run=dry_run), True
            return self._update(rt, key, current, obj, actor, subresource, "update",
                                manager, dry_run=dry_run), False

    @_settles
    def patch(
        self, rt: ResourceType, namespace: str, name: str, media_type: str, patch: bytes,
        actor: str, *, subresource: str | None = None, validation: str = "Strict",
        warnings: list[str] | None = None, manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Apply a JSON merge patch, a JSON patch or a strategic merge patch to the stored
        object."""
        try:
            document = json.loads(patch)
        except ValueError:
            document = _UNPARSEABLE
        if media_type == JSON_PATCH and not isinstance(document, list):
            kind = "object" if isinstance(document, dict) else "value"
            raise bad_request("error decoding patch: json: cannot unmarshal "
                              f"{kind} into Go value of type []handlers.jsonPatchOp")
        if media_type != JSON_PATCH and document is _UNPARSEABLE:
            raise bad_request("invalid JSON patch")
        if media_type == STRATEGIC_MERGE_PATCH and document is None:
            document = {}  # Go decodes null into a map as no map: nothing to merge
        if media_type == STRATEGIC_MERGE_PATCH and not isinstance(document, dict):
            kind = {list: "array", str: "string", bool: "bool"}.get(type(document), "number")
            raise bad_request(f"json: cannot unmarshal {kind} into Go value of type "
                              "map[string]interface {}")
        with self._lock:
            key = self._key(rt, namespace, name)
            current = self._objects.get(key)
            if current is None:
                raise not_found(rt, name)
            if media_type == MERGE_PATCH:
                patched = merge_patch(current, document)
            elif media_type == STRATEGIC_MERGE_PATCH:
                try:
                    patched = strategic_merge(current, document, self.types.definitions,
                                              rt.definition)
                except StrategicError as error:
                    raise StatusError(str(error), status=error.status, reason=(
                        "BadRequest" if error.status == 400 else "")) from None
            else:
                try:
                    patched = json_patch(current, document)
                except PatchError:
                    raise StatusError(
                        "the server rejected our request due to an error in our request",
                        status=422, reason="Invalid", details={}) from None
            obj = self._checked_body(rt, namespace, patched, name, validation, warnings,
                                     patching=True)
            return self._update(rt, key, current, obj, actor, subresource, "patch", manager,
                                dry_run=dry_run)

    @_settles
    def apply(
        self, rt: ResourceType, namespace: str, name: str, config: Any, manager: str,
        actor: str, *, force: bool = False, subresource: str | None = None,
        dry_run: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """Server-side apply of ``config`` (a decoded apply patch) by field manager
        ``manager``: the object it makes and whether it was created.
        https://kubernetes.io/docs/reference/using-api/server-side-apply/"""
        if not isinstance(config, dict):
            raise bad_request(f"invalid object type: {_gvk(config, rt)}")
        meta = config.get("metadata")
        if (config.get("kind"), config.get("apiVersion")) != (rt.kind, rt.api_version):
            raise bad_request(f"invalid object type: {_gvk(config, rt)}")
        if isinstance(meta, dict) and meta.get("managedFields") is not None:
            raise bad_request("metadata.managedFields must be nil")
        named = isinstance(meta, dict) and bool(meta.get("name"))
        if not named:  # the stored object's name is the URL's
            config = {**config, "metadata": {**(meta or {}), "name": name}}
        obj = self._checked_body(rt, namespace, config, name, "Ignore")
        tracker = self._tracker(rt, subresource)
        unknown = unknown_field(config, tracker.root, tracker.schema)
        if unknown is not None:
            given = config["metadata"].get("namespace", "")  # as sent, possibly none
            raise internal(f"failed to create typed patch object ({given}/{name}; "
                           f"{_gvk(config, rt)}): {render(unknown)}: field not declared "
                           "in schema")
        with self._lock:
            key = self._key(rt, namespace, name)
            current = self._objects.get(key)
            if current is None and subresource is not None:
                raise not_found(rt, name)
            if current is None and not named:
                raise bad_request(f"the name of the object ({name} based on URL) was "
                                  "undeterminable: name must be provided")
            if current is None:
                self._check_namespace(rt, namespace, name)
            sent = obj["metadata"].get("resourceVersion")
            if current is not None and sent and sent != current["metadata"]["resourceVersion"]:
                raise conflict(rt, name, STALE)
            try:
                merged = tracker.apply(current, obj, Writer(manager, rt.api_version,
                                                            subresource or ""),
                                       force, self._now())
            except ApplyConflict as error:
                raise StatusError(str(error), status=409, reason="Conflict",
                                  details={"causes": error.causes()}) from None
            if current is None:
                return self.create(rt, namespace, merged, actor, manager=_APPLIED,
                                   dry_run=dry_run), True
            merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            return self._update(rt, key, current, merged, actor, subresource, "patch",
                                _APPLIED, dry_run=dry_run), False

    @_settles
    def delete(self, rt: ResourceType, namespace: str, name: str, options: DeleteOptions,
               actor: str, *, dry_run: bool = False) -> tuple[dict[str, Any], bool]:
        """Delete (or start deleting) an object: the object as it was or now is, and
        whether this request removed it at once (or would have, with ``dry_run``)."""
        if rt.kind == "Namespace":
            _namespaces.check_deletable(name)
        with self._lock:
            key = self._key(rt, namespace, name)
            current = self._objects.get(key)
            if current is None:
                raise not_found(rt, name)
            meta = _meta(current)
            if options.uid is not None and options.uid != meta.get("uid"):
                raise conflict(rt, name, (
                    f"the UID in the precondition ({options.uid}) does not match the UID in "
                    f"record ({meta.get('uid')}). The object might have been deleted and "
                    "then recreated"), qualified=False)
            if options.resource_version is not None \
                    and options.resource_version != meta.get("resourceVersion"):
                raise conflict(rt, name, (
                    f"the ResourceVersion in the precondition ({options.resource_version}) "
                    "does not match the ResourceVersion in record "
                    f"({meta.get('resourceVersion')}). The object might have been "
                    "modified"), qualified=False)
            finalizers = _gc.deletion_finalizers(rt, current, options)
            grace = _pod_grace_period(current, options) if rt.kind == "Pod" else 0
            if meta.get("deletionTimestamp"):
                if (meta.get("deletionGracePeriodSeconds") or 0) > 0:  # a Pod ending
                    if grace >= meta["deletionGracePeriodSeconds"]:
                        return _copy(current), False
                    # a shorter grace period moves the deletion nearer (the kubelet's 0)
                    current = self._write(rt, key, self._deleting(current, grace), current,
                                          actor, "delete", dry_run=dry_run)
                    if grace:
                        return _copy(current), False
                    meta = _meta(current)
                # Deletion goes on; a policy that asks for another finalizer changes them
                # (measured), and the garbage collector acts on it.
                changed = _copy(current)
                changed["metadata"]["finalizers"] = finalizers
                if not finalizers:
                    del changed["metadata"]["finalizers"]
                if not (_namespaces.held(changed) if rt.kind == "Namespace" else finalizers):
                    # (a namespace finalized before its deletion goes at the second)
                    self._remove(rt, key, current, actor, dry_run=dry_run)
                    return changed, True
                if set(finalizers) == set(meta.get("finalizers") or []):
                    return _copy(current), False
                stored = self._write(rt, key, changed, current, actor, "delete",
                                     dry_run=dry_run)
                return _copy(stored), False
            if _crd.is_definition(rt) and not dry_run:
                return self._delete_definition(rt, key, current, actor), False
            if finalizers or rt.kind == "Namespace" or grace:
                # Deletion starts; the finalizers' controllers (the garbage collector's
                # run at once, in _write) and a Pod's kubelet finish it.
                deleting = self._deleting(current, grace)
                deleting["metadata"]["finalizers"] = finalizers
                if not finalizers:
                    del deleting["metadata"]["finalizers"]
                if rt.kind == "Namespace":
                    deleting["status"] = {**deleting.get("status", {}), "phase": "Terminating"}
                    deleting["metadata"].pop("deletionGracePeriodSeconds", None)
                stored = self._write(rt, key, deleting, current, actor, "delete",
                                     dry_run=dry_run)
                return _copy(stored), False
            answer = self._deleting(current) if rt.kind == "Pod" else _copy(current)
            self._remove(rt, key, current, actor, dry_run=dry_run)
            return answer, True

    @_settles
    def delete_collection(
        self, rt: ResourceType, namespace: str | None, options: DeleteOptions, actor: str, *,
        dry_run: bool = False, **listing: Any,
    ) -> ListResult:
        """Delete every object of ``rt`` that a list with ``listing`` (the keywords of
        :meth:`list_objects`) shows, in ``namespace`` (all when None), each as a DELETE
        of its own would: that list is the answer, a page of it with ``limit``
        (measured)."""
        with self._lock:
            listed = self.list_objects(rt, namespace, **listing)
            for obj in listed.items:
                meta = obj["metadata"]
                if self._key_of(rt, obj) in self._objects:  # a collector may have gone first
                    self.delete(rt, meta.get("namespace", ""), meta["name"], options, actor,
                                dry_run=dry_run)
            return listed

    # -- internals -----------------------------------------------------------------

    def _now(self) -> str:
        return _timestamp(self.clock.now())

    def _tracker(self, rt: ResourceType, subresource: str | None) -> Tracker:
        key = (rt.group, rt.version, rt.plural, subresource or "")
        found = self._trackers.get(key)
        if found is None:
            found = self._trackers[key] = Tracker.of(
                self.types.definitions, rt.definition, has_status=rt.has_status,
                subresource=subresource or "")
        return found

    def _key(self, rt: ResourceType, namespace: str, name: str) -> Key:
        return (rt.group, rt.plural, namespace if rt.namespaced else "", name)

    def _key_of(self, rt: ResourceType, obj: Mapping[str, Any]) -> Key:
        meta = _meta(obj)
        return self._key(rt, meta.get("namespace", ""), meta.get("name", ""))

    def _type_of(self, key: Key) -> ResourceType:
        for rt in self.types.types:
            if (rt.group, rt.plural) == key[:2]:
                return rt
        raise KeyError(key)  # pragma: no cover - every stored key has a type

    # -- custom resources (the rules are in _crd) -------------------------------------

    def _prepare_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        if rt.custom:
            crd = self._objects.get(_crd.definition_key(rt.group, rt.plural))
            if crd is not None and _meta(crd).get("deletionTimestamp"):
                raise _crd.terminating(rt, _meta(obj).get("name", ""))
        if rt.custom and rt.has_status:
            obj.pop("status", None)  # written through /status only
        elif _crd.is_definition(rt):
            obj["status"] = _crd.initial_status(obj)

    def _check_object(self, rt: ResourceType, name: str, obj: dict[str, Any],
                      subresource: str | None, old: Mapping[str, Any] | None = None) -> None:
        if rt.custom:
            _crd.check_object(rt, name, obj, subresource, old)
        elif _crd.is_definition(rt) and subresource is None:
            _crd.default_definition(obj)
            _crd.check_definition(rt, obj)
            _crd.record_storage_version(obj)

    def _definitions_changed(self, rt: ResourceType, key: Key) -> None:
        """The apiextensions controllers: establish a new definition, then serve what
        the definitions define."""
        group = key[3].partition(".")[2]
        definitions = sorted((k for k, o in self._objects.items() if k[:2] == key[:2]
                              and o.get("spec", {}).get("group") == group),
                             key=lambda k: (_meta(self._objects[k]).get("creationTimestamp"),
                                            int(_meta(self._objects[k])["resourceVersion"])))
        for each in definitions:
            crd = self._objects[each]
            status = _crd.establish(crd, _timestamp(self.clock.now()), [
                self._objects[k] for k in definitions if k != each])
            if status is not None:
                self._write(rt, each, {**_copy(crd), "status": status}, crd, _crd.CONTROLLER,
                            "status")  # which calls back here
                return
        custom = _crd.resource_types(o for k, o in self._objects.items() if k[:2] == key[:2])
        self.types = self._builtin.extended(custom, _crd.definitions_of(custom))
        self._listings.clear()

    def _delete_definition(self, rt: ResourceType, key: Key, current: Mapping[str, Any],
                           actor: str) -> dict[str, Any]:
        """A definition is deleted after its objects: it waits with a finalizer."""
        deleting = _copy(current)
        meta = deleting["metadata"]
        meta["deletionTimestamp"] = _timestamp(self.clock.now())
        meta["finalizers"] = [*(meta.get("finalizers") or []), _crd.CLEANUP_FINALIZER]
        written = self._write(rt, key, deleting, current, actor, "delete")
        answer = _copy(written)
        self._write(rt, key, _crd.with_terminating(written, _timestamp(self.clock.now())),
                    written, _crd.CONTROLLER, "status")
        spec = deleting["spec"]
        served = (spec["group"], spec["names"]["plural"])
        for other in sorted(k for k in self._objects if k[:2] == served):
            stored = self._objects.get(other)
            if stored is not None and not _meta(stored).get("deletionTimestamp"):
                self.delete(self._type_of(other), other[2], other[3],
                            DeleteOptions(propagation="Background"), _crd.CONTROLLER)
        self._finish_definition(*served)
        return answer

    def _finish_definition(self, group: str, plural: str) -> None:
        """Remove the cleanup finalizer of a definition being deleted once none of its
        objects is left."""
        key = _crd.definition_key(group, plural)
        crd = self._objects.get(key)
        if crd is None or not _meta(crd).get("deletionTimestamp") or any(
                k[:2] == (group, plural) for k in self._objects):
            return
        rt = self._type_of(key)
        finished = _copy(crd)
        finished["metadata"]["finalizers"] = [
            f for f in _meta(crd).get("finalizers") or [] if f != _crd.CLEANUP_FINALIZER]
        if finished["metadata"]["finalizers"]:
            self._write(rt, key, finished, crd, _crd.CONTROLLER, "update")
        else:
            del finished["metadata"]["finalizers"]
            self._remove(rt, key, crd, _crd.CONTROLLER, final=finished)

    def _checked_body(self, rt: ResourceType, namespace: str, body: Any,
                      name: str | None, validation: str = "Strict",
                      warnings: list[str] | None = None, *, patching: bool = False,
                      ) -> dict[str, Any]:
        """A copy of ``body`` with kind, apiVersion and namespace checked and filled in,
        and fields the kind does not have dropped: refused under ``Strict`` field
        validation, reported in ``warnings`` under ``Warn`` (the apiserver decodes into
        its types, which have no place for them)."""
        if not isinstance(body, Mapping):
            raise bad_request(f"the object provided is unrecognized (must be of type "
                              f"{rt.kind}): couldn't get version/kind; json parse error: "
                              "cannot unmarshal into an object")
        kind, api_version = body.get("kind"), body.get("apiVersion")
        # kind and apiVersion are decoded first, on their own (measured).
        for field in (k for k in body if k in ("kind", "apiVersion")):
            if not isinstance(body[field], (str, type(None))):
                shown = json.dumps(body)
                raise bad_request(
                    f"the object provided is unrecognized (must be of type {rt.kind}): "
                    f"couldn't get version/kind; json parse error: json: cannot unmarshal "
                    f"{json_type(body[field])} into Go struct field .{field} of type string "
                    f"({shown[:30] + ' ...' if len(shown) > 30 else shown})")
        # (a custom resource's types are its schema's: _crd words their errors)
        misfit = None if rt.custom else type_error(self.types.definitions, rt.definition,
                                                   body)
        if kind or api_version:
            if kind == rt.kind and api_version == rt.api_version:
                pass
            elif api_version == rt.api_version and self.types.by_kind(api_version, str(kind)):
                internal_group = rt.group.split(".")[0] or "core"
                raise bad_request(
                    f'{kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                    f"converting ({rt.version}.{kind}) to ({internal_group}.{rt.kind}): "
                    "unknown conversion")
            else:
                raise bad_request(
                    f'{kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                    f'no kind "{kind}" is registered for version "{api_version}" in scheme '
                    '"pkg/runtime/scheme.go:111"')
        if misfit is not None:
            raise _undecodable(rt, body, misfit, patching)
        obj = _copy(body)
        if not rt.custom:
            # Quantities decode to their canonical text, or the body is refused.
            misfit = canonical_fields(self.types.definitions, rt.definition, obj)
            if misfit is not None:
                raise _undecodable(rt, body, misfit, patching)
        unknown = (_crd.prune_object(rt, obj) if rt.custom
                   else _prune(self.types.definitions, rt.definition, obj, ""))
        if unknown and validation == "Strict":
            listed = ", ".join(f'unknown field "{u}"' for u in unknown)
            if patching:
                raise StatusError(f' "" is invalid: patch: Invalid value: "...": strict '
                                  f"decoding error: {listed}", status=422, reason="Invalid")
            raise bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a '
                              f"{rt.kind}: strict decoding error: {listed}")
        if unknown and validation == "Warn" and warnings is not None:
            warnings.extend(f'unknown field "{u}"' for u in unknown)
        obj["kind"], obj["apiVersion"] = rt.kind, rt.api_version
        if rt.custom:  # stored at the storage version, served at any (_crd.served_as)
            obj["apiVersion"] = f"{rt.group}/{rt.storage_version}"
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if rt.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if name is not None and meta.get("name") != name:
            raise bad_request(f"the name of the object ({meta.get('name', '')}) does not "
                              f"match the name on the URL ({name})")
        return obj

    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        if not rt.namespaced:
            return
        ns = self._objects.get(("", "namespaces", "", namespace))
        if ns is None:
            raise namespace_not_found(namespace)
        if _meta(ns).get("deletionTimestamp"):
            raise StatusError(
                f'{rt.group_resource} "{name}" is forbidden: unable to create new content '
                f"in namespace {namespace} because it is being terminated",
                status=403, reason="Forbidden", details={
                    "name": name, **({"group": rt.group} if rt.group else {}),
                    "kind": rt.plural, "causes": [{
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {namespace} is being terminated",
                        "field": "metadata.namespace"}]})

    def _validate_metadata(self, rt: ResourceType, meta: Mapping[str, Any], *,
                           generate_name: str | None = None) -> None:
        causes = []
        if generate_name:
            causes += [Cause.invalid("metadata.generateName", generate_name, e)
                       for e in name_errors(rt.strategy.names, generate_name, prefix=True)]
        name = meta.get("name", "")
        causes += [Cause.invalid("metadata.name", name, e)
                   for e in name_errors(rt.strategy.names, name)]
        for field in ("labels", "annotations"):
            for key, value in (meta.get(field) or {}).items():
                causes += [Cause.invalid(f"metadata.{field}", key, e)
                           for e in qualified_name(key)]
                if field == "labels":
                    causes += [Cause.invalid("metadata.labels", value, e)
                               for e in label_value(str(value))]
        if causes:
            raise invalid(rt, name, causes)

    def _update(
        self, rt: ResourceType, key: Key, current: Mapping[str, Any], obj: dict[str, Any],
        actor: str, subresource: str | None, operation: str, manager: str | None = None,
        *, dry_run: bool = False,
    ) -> dict[str, Any]:
        if subresource is None:  # decoding defaults it, before its manager is recorded
            on_update(rt, self.types.definitions, obj, current)
        meta, old_meta = obj["metadata"], _meta(current)
        managed = meta.get("managedFields") if manager == _APPLIED else None
        if manager is not None and manager != _APPLIED:
            managed = self._tracker(rt, subresource).record_update(
                current, obj, Writer(manager, rt.api_version, subresource or ""),
                self._now(), None if subresource else meta.get("managedFields"))
        name = old_meta["name"]
        sent = meta.get("resourceVersion")
        if not sent:
            if not rt.strategy.unconditional_update:
                raise invalid(rt, name, [Cause.invalid(
                    "metadata.resourceVersion", 0, "must be specified for an update")],
                    what=rt.group_resource)
        elif parse_resource_version(sent, param=False) != int(old_meta["resourceVersion"]):
            raise conflict(rt, name, STALE)
        if meta.get("uid") and meta["uid"] != old_meta["uid"]:
            raise conflict(rt, name, (
                f"StorageError: invalid object, Code: 4, Key: /registry/{rt.plural}/"
                f"{key[2] + '/' if key[2] else ''}{name}, ResourceVersion: 0, "
                f"AdditionalErrorMsg: Precondition failed: UID in precondition: "
                f"{meta['uid']}, UID in object meta: {old_meta['uid']}"))
        new = obj
        for field in _SERVER_METADATA:
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        if managed is not None:
            meta["managedFields"] = managed
            if not managed:
                del meta["managedFields"]
        if subresource == "status":
            # The registries' status strategies: everything but metadata and status is
            # kept (measured: the metadata does change, but for Deployments' labels).
            new = {**{k: v for k, v in current.items() if k not in ("metadata", "status")},
                   "metadata": meta, "status": obj.get("status", {})}
            if rt.strategy.status_keeps_labels:
                meta.pop("labels", None)
                meta.update({k: v for k, v in old_meta.items() if k == "labels"})
        elif rt.has_status:
            new["status"] = current.get("status", {})
            if rt.custom and "status" not in current:
                del new["status"]  # a custom resource has no status until one is written
        if rt.kind == "Namespace" and subresource is None:
            new["spec"] = current.get("spec", {})
        self._validate_metadata(rt, meta)
        self._check_object(rt, name, new, subresource, current)
        if subresource is None:
            self._check_rules(rt, new, current)
        if old_meta.get("deletionTimestamp"):
            added = [f for f in meta.get("finalizers") or []
                     if f not in (old_meta.get("finalizers") or [])]
            if added:
                quoted = ", ".join(json.dumps(f) for f in added)
                raise invalid(rt, name, [Cause.forbidden(
                    "metadata.finalizers", "no new finalizers can be added if the object "
                    f"is being deleted, found new finalizers []string{{{quoted}}}")])
        new["metadata"]["resourceVersion"] = old_meta["resourceVersion"]
        if _without_version(new) == _without_version(current):
            return _copy(current)  # nothing changed: nothing is written
        if rt.strategy.generation and _spec_of(new) != _spec_of(current):
            new["metadata"]["generation"] = old_meta.get("generation", 0) + 1
        if subresource == "finalize":
            _namespaces.check_finalize(rt, name, new)
        if old_meta.get("deletionTimestamp") and not (
                _namespaces.held(new) if rt.kind == "Namespace"
                else new["metadata"].get("finalizers")):
            # Its watchers see it go as it was last stored (measured).
            answer = _copy(new)
            self._remove(rt, key, current, actor, dry_run=dry_run)
            return answer
        stored = self._write(rt, key, new, current, actor, operation, dry_run=dry_run)
        return _copy(stored)

    def _check_rules(self, rt: ResourceType, new: Mapping[str, Any],
                     old: Mapping[str, Any] | None) -> None:
        """The kind's own validation (``_rules``): 422 with every cause found."""
        causes = kind_rules(rt, new, old)
        if causes:
            raise invalid(rt, _meta(new).get("name", ""), causes)

    def _allocated_ips(self, rt: ResourceType) -> set[str]:
        """The cluster IPs Services hold (only Services need them)."""
        if rt.kind != "Service":
            return set()
        return {ip for o in self._by_type.get(("", "services"), {}).values()
                for ip in (o.get("spec") or {}).get("clusterIPs") or ()}

    def _deleting(self, current: Mapping[str, Any], grace: int = 0) -> dict[str, Any]:
        """``current`` with deletion started (apiserver's BeforeDelete): it is due
        ``grace`` seconds from now."""
        obj = _copy(current)
        meta = obj["metadata"]
        again = bool(meta.get("deletionTimestamp"))
        meta["deletionTimestamp"] = _timestamp(self.clock.now() + timedelta(seconds=grace))
        meta["deletionGracePeriodSeconds"] = grace
        if meta.get("generation") and not again:
            meta["generation"] += 1
        return obj

    @_settles
    def bind(self, namespace: str, name: str, node: str, actor: str) -> dict[str, Any]:
        """The ``pods/binding`` subresource: the scheduler's choice of a Node for a Pod
        (``spec.nodeName`` and a true ``PodScheduled`` condition; measured on
        kube-apiserver v1.37.2)."""
        with self._lock:
            rt = self.types.get("", "v1", "pods")
            assert rt is not None
            key = self._key(rt, namespace, name)
            current = self._objects.get(key)
            if current is None:
                raise not_found(rt, name)
            bound = (current.get("spec") or {}).get("nodeName")
            if bound:
                raise StatusError(
                    f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is '
                    f'already assigned to node "{bound}"', status=409, reason="Conflict",
                    details={"name": name, "kind": "pods/binding"})
            pod = _copy(current)
            pod["spec"]["nodeName"] = node
            status = pod.setdefault("status", {})
            conditions = [c for c in status.get("conditions") or []
                          if c.get("type") != "PodScheduled"]
            status["conditions"] = [*conditions, {
                "lastProbeTime": None, "lastTransitionTime": self._now(),
                "status": "True", "type": "PodScheduled"}]
            return _copy(self._write(rt, key, pod, current, actor, "binding"))

    def _write(self, rt: ResourceType, key: Key, obj: dict[str, Any],
               previous: Mapping[str, Any] | None, actor: str, operation: str, *,
               dry_run: bool = False) -> dict[str, Any]:
        """Store ``obj`` at the next resourceVersion and journal it; with ``dry_run``,
        only return it as it would be stored: a new object has no resourceVersion yet,
        a changed one keeps its current one (measured)."""
        if dry_run:
            if previous is None:
                obj["metadata"].pop("resourceVersion", None)
            else:
                obj["metadata"]["resourceVersion"] = _meta(previous)["resourceVersion"]
            return obj
        seq = self.journal.last + 1  # the change recorded below takes this number
        obj["metadata"]["resourceVersion"] = str(seq)
        self._objects[key] = obj
        self._by_type.setdefault(key[:2], {})[key] = obj
        event = Event("ADDED" if previous is None else "MODIFIED", key, obj, previous)
        change = self.journal.record(actor, f"{rt.plural}.{operation}", _resource_name(key),
                                     payload=event, kind=rt.kind)
        for observe in self.observers:
            observe(event)
        if change.seq != seq:  # pragma: no cover - only a reset racing a write gets here
            obj["metadata"]["resourceVersion"] = str(change.seq)
        if _crd.is_definition(rt):
            self._definitions_changed(rt, key)
        elif _rbac.is_policy(rt.group, rt.plural):
            _rbac.policy_changed(self, rt.plural)
        self._controller_queue.changed(key, previous, obj)
        return obj

    def _remove(self, rt: ResourceType, key: Key, current: Mapping[str, Any], actor: str,
                *, final: Mapping[str, Any] | None = None, dry_run: bool = False) -> None:
        """Delete the object for good, then let the garbage collector and the
        namespace controller react; nothing at all with ``dry_run``."""
        if dry_run:
            return
        gone_obj = _copy(final if final is not None else current)
        seq = self.journal.last + 1
        gone_obj["metadata"]["resourceVersion"] = str(seq)
        del self._objects[key]
        del self._by_type[key[:2]][key]
        event = Event("DELETED", key, gone_obj, current)
        self.journal.record(actor, f"{rt.plural}.delete", _resource_name(key),
                            payload=event, kind=rt.kind)
        for observe in self.observers:
            observe(event)
        if _crd.is_definition(rt):
            self._definitions_changed(rt, key)
        elif rt.custom:
            self._finish_definition(rt.group, rt.plural)
        elif _rbac.is_policy(rt.group, rt.plural):
            _rbac.policy_changed(self, rt.plural)
        self._controller_queue.changed(key, current, None)

    def _selected(self, rt: ResourceType, obj: Mapping[str, Any], labels: LabelSelector,
                  fields: FieldSelector) -> bool:
        meta = _meta(obj)
        return labels.matches(meta.get("labels")) and fields.matches(
            lambda path: field_value(obj, path))

    def _forgotten(self, position: int) -> bool:
        """Changes after ``position`` are gone: the journal dropped them (a reset), or
        they are older than the history kept (compaction)."""
        return self.journal.expired(position) or position < self._oldest() - 1

    def _oldest(self) -> int:
        """The oldest change still in the history window."""
        horizon = self.clock.now() - timedelta(seconds=HISTORY_SECONDS)
        oldest = self.journal.last + 1
        for change in reversed(self.journal.since(0)):
            if change.at <= horizon:
                break
            oldest = change.seq
        return oldest

    def _state_at(self, rt: ResourceType, at: int) -> dict[Key, Mapping[str, Any]]:
        """The objects of ``rt`` as they were at ``at``: now, with later changes undone."""
        state: dict[Key, Mapping[str, Any]] = dict(
            self._by_type.get((rt.group, rt.plural), {}))
        if at >= self.journal.last:
            return state
        for change in reversed(self.journal.since(at)):
            event = change.payload
            if not isinstance(event, Event) or event.key[:2] != (rt.group, rt.plural):
                continue
            if event.previous is None:
                state.pop(event.key, None)
            else:
                state[event.key] = event.previous
        return state


_UNPARSEABLE = object()


def _undecodable(rt: ResourceType, body: Mapping[str, Any], misfit: str,
                 patching: bool) -> StatusError:
    """The apiserver's answer to a body that does not decode into the kind's types: 400,
    or 422 for a patched object (measured for merge and JSON patches; the apiserver
    words a strategic merge patch's failure differently), which it shows as it would
    have stored it (the fake: as JSON)."""
    if not patching:
        return bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a '
                           f"{rt.kind}: {misfit}")
    shown = json.dumps(json.dumps(body, separators=(",", ":")))
    return StatusError(f' "" is invalid: patch: Invalid value: {shown}: {misfit}',
                       status=422, reason="Invalid", details={"causes": [{
                           "reason": "FieldValueInvalid", "field": "patch",
                           "message": f"Invalid value: {shown}: {misfit}"}]})
#: The ``manager`` of a write whose managedFields server-side apply computed already.
_APPLIED = "\x00applied"


def _gvk(config: Any, rt: ResourceType) -> str:
    """A decoded object's group/version/kind as Go prints a GroupVersionKind."""
    fields = config if isinstance(config, dict) else {}
    api_version, kind = str(fields.get("apiVersion") or ""), str(fields.get("kind") or "")
    group, _, version = api_version.rpartition("/")
    return f"{group}/{version}, Kind={kind}"


def _prune(definitions: Mapping[str, Any], name: str, obj: Any, path: str) -> list[str]:
    """Drop the fields of ``obj`` that definition ``name`` does not have; their paths,
    in document order."""
    properties = definitions.get(name, {}).get("properties")
    if properties is None or not isinstance(obj, dict):
        return []
    unknown = []
    for key in list(obj):
        if key not in properties:
            unknown.append(path + key)
            del obj[key]
        else:
            unknown += _prune_value(definitions, properties[key], obj[key], path + key)
    return unknown


def _prune_value(definitions: Mapping[str, Any], prop: Mapping[str, Any], value: Any,
                 path: str) -> list[str]:
    if "ref" in prop:
        return _prune(definitions, prop["ref"], value, path + ".")
    unknown: list[str] = []
    if "items" in prop and isinstance(value, list):
        for i, item in enumerate(value):
            unknown += _prune_value(definitions, prop["items"], item, f"{path}[{i}]")
    elif "values" in prop and isinstance(value, dict):
        for key, item in value.items():
            unknown += _prune_value(definitions, prop["values"], item, f"{path}[{key}]")
    return unknown
_CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You "
    "can start a new list without the continue parameter, or use the continue token in "
    "this response to retrieve the remainder of the results. Continuing with the provided "
    "token results in an inconsistent list - objects that were created, modified, or "
    "deleted between the time the first chunk was returned and now may show up in the list."
)


def _resource_name(key: Key) -> str:
    group, plural, namespace, name = key
    resource = f"{plural}.{group}" if group else plural
    return f"{resource}/{namespace}/{name}" if namespace else f"{resource}/{name}"


def _without_version(obj: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(obj)
    out["metadata"] = {k: v for k, v in _meta(obj).items() if k != "resourceVersion"}
    return out


def _spec_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What bumps generation: everything but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _encode_continue(at: int, namespace: str, name: str) -> str:
    raw = json.dumps({"rv": at, "start": [namespace, name]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        namespace, name = (str(part) for part in data["start"])
        return int(data["rv"]), (namespace, name)
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise bad_request(
            f"invalid continue token: continue key is not valid: {error}") from None

