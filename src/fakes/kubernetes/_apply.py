"""Server-side apply and ``metadata.managedFields``: who owns which field of an object.

https://kubernetes.io/docs/reference/using-api/server-side-apply/ : every write is
recorded for its field manager, as an ``Apply`` operation (a PATCH with
``application/apply-patch+yaml``) or an ``Update`` (create, update and the other
patches). An applier owns exactly the fields of its last applied configuration: a field
it stops applying is removed unless another manager owns it; changing a field another
manager owns is a conflict unless forced; setting it to the value it has shares it. An
update takes what it changes from every other manager, without conflicts.

The model (``_model``) calls a :class:`Tracker`'s ``record_update`` and ``apply`` with
whole objects; nothing here knows HTTP. Measured on kube-apiserver v1.37.2: the entries are ordered
Apply first, then by time, manager, apiVersion and subresource; a manager's ``time`` is
set (to the second) when its write changed the object, so an applier that only comes to
share fields it did not change has an entry without a time.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

from fakes.kubernetes._fieldsets import (
    FieldSet,
    Path,
    Schema,
    compare,
    field_set,
    from_fields_v1,
    merge,
    remove,
    render,
    sorted_paths,
    to_fields_v1,
    without,
)

APPLY = "Apply"
UPDATE = "Update"
#: The Update manager that owns what an object held when it was first applied to.
BEFORE_FIRST_APPLY = "before-first-apply"
#: kubectl's field manager for ``apply --server-side``, and its client-side record.
KUBECTL = "kubectl"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

#: Fields the apiserver owns and no manager does (the field manager strips them).
_SERVER_OWNED: tuple[Path, ...] = (
    ("f:apiVersion",), ("f:kind",),
    *(("f:metadata", "f:" + name) for name in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "generation",
        "managedFields", "resourceVersion")),
)


@attrs.frozen
class ManagerKey:
    """A managedFields entry's identity: an applier is one entry whatever apiVersion it
    applied with; an updater is one per apiVersion."""

    manager: str
    operation: str
    api_version: str
    subresource: str = ""

    def identifier(self) -> str:
        """The apiserver's identifier of a manager: its entry as JSON, without time,
        fields, and (for appliers) apiVersion. Conflict messages sort by it."""
        entry: dict[str, str] = {"manager": self.manager, "operation": self.operation}
        if self.operation == UPDATE and self.api_version:
            entry["apiVersion"] = self.api_version
        if self.subresource:
            entry["subresource"] = self.subresource
        return json.dumps(entry, separators=(",", ":"))

    def printed(self) -> str:
        """How a conflict names the manager."""
        out = json.dumps(self.manager)
        if self.subresource:
            out += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == UPDATE:
            out += f" using {self.api_version}"
        return out


@attrs.define
class Owned:
    fields: FieldSet
    api_version: str
    time: str | None


Managers = dict[ManagerKey, Owned]


class ApplyConflict(Exception):
    """Fields the applier would change that other managers own."""

    def __init__(self, conflicts: Mapping[ManagerKey, FieldSet]) -> None:
        self.conflicts = [(key, path) for key in sorted(conflicts, key=ManagerKey.identifier)
                          for path in sorted_paths(conflicts[key])]
        super().__init__(self.message())

    def message(self) -> str:
        if len(self.conflicts) == 1:
            key, path = self.conflicts[0]
            return f"Apply failed with 1 conflict: conflict with {key.printed()}: {render(path)}"
        lines = []
        for key in dict.fromkeys(k for k, _ in self.conflicts):
            lines.append(f"conflicts with {key.printed()}:")
            lines += [f"- {render(p)}" for k, p in self.conflicts if k == key]
        return f"Apply failed with {len(self.conflicts)} conflicts: " + "\n".join(lines)

    def causes(self) -> list[dict[str, str]]:
        return [{"reason": "FieldManagerConflict", "message": f"conflict with {key.printed()}",
                 "field": render(path)} for key, path in self.conflicts]


@attrs.frozen
class Writer:
    """Who writes and where: the field manager, the operation's apiVersion and the
    subresource (``""`` for the object itself)."""

    manager: str
    api_version: str
    subresource: str = ""

    def key(self, operation: str) -> ManagerKey:
        return ManagerKey(self.manager, operation,
                          self.api_version if operation == UPDATE else "", self.subresource)


def decode(obj: Mapping[str, Any]) -> Managers:
    """The managers of a stored object's managedFields."""
    out: Managers = {}
    for entry in (obj.get("metadata") or {}).get("managedFields") or []:
        key = ManagerKey(entry.get("manager", ""), entry.get("operation", ""),
                         entry.get("apiVersion", "") if entry.get("operation") == UPDATE
                         else "", entry.get("subresource", ""))
        out[key] = Owned(from_fields_v1(entry.get("fieldsV1") or {}),
                         entry.get("apiVersion", ""), entry.get("time"))
    return out


def decode_sent(entries: Any) -> Managers | None:
    """The managers a write's own ``managedFields`` set: ``{}`` for a reset (``[]`` or
    ``[{}]``), None when it sets none or entries the apiserver cannot decode (the
    stored ones stay). https://kubernetes.io/docs/reference/using-api/server-side-apply/
    #clearing-managedfields, and measured."""
    if not isinstance(entries, list):
        return None
    if entries in ([], [{}]):
        return {}
    out: Managers = {}
    for entry in entries:
        if not (isinstance(entry, dict) and entry.get("operation") in (APPLY, UPDATE)
                and entry.get("fieldsType") == "FieldsV1"
                and isinstance(entry.get("fieldsV1"), dict)):
            return None
        time = entry.get("time")
        if time is not None:
            try:
                parsed = datetime.fromisoformat(str(time))
            except ValueError:
                return None
            time = parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.update(decode({"metadata": {"managedFields": [{**entry, "time": time}]}}))
    return out or None


def encode(managers: Managers) -> list[dict[str, Any]]:
    """managedFields as the apiserver writes them (measured order)."""

    def order(item: tuple[ManagerKey, Owned]) -> tuple[str, str, str, str, str]:
        key, owned = item
        return (key.operation, owned.time or "", key.manager, owned.api_version,
                key.subresource)

    entries = []
    for key, owned in sorted(managers.items(), key=order):
        if not owned.fields:
            continue
        entry: dict[str, Any] = {"manager": key.manager, "operation": key.operation,
                                 "apiVersion": owned.api_version}
        if owned.time is not None:
            entry["time"] = owned.time
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = to_fields_v1(owned.fields)
        if key.subresource:
            entry["subresource"] = key.subresource
        entries.append(entry)
    return entries


@attrs.define
class Tracker:
    """Field ownership for the writes to one resource (or its status): its schema, and
    the fields no manager of such a write may own."""

    schema: Schema
    definition: str
    ignored: tuple[Path, ...]
    _zero_value: dict[str, Any] | None = None

    @classmethod
    def of(cls, definitions: Mapping[str, Any], definition: str, *, has_status: bool,
           subresource: str) -> Tracker:
        ignored = list(_SERVER_OWNED)
        if subresource == "status":
            # The status subresource's writes own only status (and metadata).
            properties = definitions.get(definition, {}).get("properties", {})
            ignored += [("f:" + name,) for name in properties
                        if name not in ("status", "metadata", "apiVersion", "kind")]
        elif has_status:
            ignored.append(("f:status",))
        return cls(Schema(definitions), definition, tuple(ignored))

    @property
    def root(self) -> dict[str, str]:
        return {"ref": self.definition}

    def fields(self, obj: Any) -> FieldSet:
        return without(field_set(obj, self.root, self.schema), self.ignored)

    def _compare(self, old: Any, new: Any) -> tuple[FieldSet, FieldSet]:
        """(added or modified, removed) fields, server-owned ones left out."""
        result = compare(old, new, self.root, self.schema)
        return (without(result.changed(), self.ignored),
                without(result.removed, self.ignored))

    def _take(self, managers: Managers, workflow: ManagerKey | None, old: Any, new: Any,
              force: bool) -> FieldSet:
        """What every other manager loses to a write: the fields it changes (a conflict
        unless forced) and those it removes."""
        changed, removed = self._compare(old, new)
        conflicts = {key: owned.fields & changed for key, owned in managers.items()
                     if key != workflow and owned.fields & changed}
        if conflicts and not force:
            raise ApplyConflict(conflicts)
        for key, owned in managers.items():
            if key != workflow:
                owned.fields = owned.fields - changed - removed
        return changed

    def record_update(self, old: Mapping[str, Any] | None, new: Mapping[str, Any],
                      writer: Writer, now: str, sent: Any = None) -> list[dict[str, Any]]:
        """managedFields after an Update by ``writer`` turned ``old`` (None: nothing, a
        create) into ``new``. ``sent`` is the write's own managedFields (None for a
        subresource, whose writes cannot set them): they replace the stored ones. An
        update of an object with none records nothing (measured); a create does."""
        managers = decode_sent(sent)
        if managers is None:
            managers = decode(old) if old is not None else {}
        if old is not None and not managers:
            return []
        before = old if old is not None else self.empty()
        changed = self._take(managers, None, before, new, force=True)
        key = writer.key(UPDATE)
        if changed:
            previous = managers.get(key)
            fields = changed | (previous.fields if previous else set())
            managers[key] = Owned(fields, writer.api_version, now)
        return encode(managers)

    def empty(self) -> dict[str, Any]:
        """What a create compares with: the Go zero value of the kind as JSON, where
        fields without ``omitempty`` are there. The spec does not say which those are;
        required fields, ObjectMeta, and the top-level spec and status come close: a
        struct there is empty, anything else null (so a create does not own it as a
        whole, ``"."``)."""
        if self._zero_value is None:
            self._zero_value = self._zero(self.definition, top=True, seen=frozenset())
        return copy.deepcopy(self._zero_value)

    def _zero(self, definition: str, *, top: bool, seen: frozenset[str]) -> dict[str, Any]:
        found = self.schema.definitions.get(definition, {})
        required = set(found.get("required", ()))
        out: dict[str, Any] = {}
        for name, prop in found.get("properties", {}).items():
            by_value = (name in required or prop.get("ref") == _OBJECT_META
                        or (top and name in ("spec", "status")))
            if self.schema.kind(prop) == "struct" and by_value and prop["ref"] not in seen:
                out[name] = self._zero(prop["ref"], top=False, seen=seen | {definition})
            elif name in required:
                out[name] = None
        return out

    def apply(self, live: Mapping[str, Any] | None, config: Mapping[str, Any],
              writer: Writer, force: bool, now: str) -> dict[str, Any]:
        """The object ``config`` applied by ``writer`` makes of ``live`` (None: it does
        not exist yet), managedFields included; :class:`ApplyConflict` when it changes
        fields others own and is not forced.

        The apiserver eases ``kubectl apply --server-side`` after client-side applies
        (its field manager is ``kubectl``): a conflict on a field of the object's
        last-applied-configuration annotation is no conflict, and the annotation is
        kept up to date with what kubectl applies."""
        last_applied = _last_applied(live) if writer.manager == KUBECTL else None
        try:
            merged = self._apply_once(live, config, writer, force, now)
        except ApplyConflict as error:
            if last_applied is None:
                raise
            allowed = self.fields(last_applied)
            remaining: dict[ManagerKey, FieldSet] = {}
            for key, path in error.conflicts:
                if path not in allowed:
                    remaining.setdefault(key, set()).add(path)
            if remaining:
                raise ApplyConflict(remaining) from None
            merged = self._apply_once(live, config, writer, True, now)
        if last_applied is not None:
            merged["metadata"].setdefault("annotations", {})[LAST_APPLIED] = _encoded(
                _without_last_applied(config))
        return merged

    def _apply_once(self, live: Mapping[str, Any] | None, config: Mapping[str, Any],
                    writer: Writer, force: bool, now: str) -> dict[str, Any]:
        managers = decode(live) if live is not None else {}
        before = copy.deepcopy(dict(live)) if live is not None else self.empty()
        before.setdefault("metadata", {}).pop("managedFields", None)
        if live is not None and not managers:
            # An object no one manages yet: what it holds is someone's (measured).
            managers[Writer(BEFORE_FIRST_APPLY, writer.api_version).key(UPDATE)] = Owned(
                self._compare(self.empty(), before)[0], writer.api_version, now)
        key = writer.key(APPLY)
        merged: dict[str, Any] = merge(before, _without_nulls(config), self.root,
                                       self.schema)
        if live is None:
            merged = _without_nulls(merged)  # the zero value's nulls are not stored
        last = managers.get(key)
        managers[key] = Owned(self.fields(config), writer.api_version,
                              last.time if last else None)
        if last is not None:
            owned: FieldSet = set().union(*(o.fields for o in managers.values()))
            stale = {p for p in last.fields
                     if not any(q[:len(p)] == p for q in owned)}
            merged = remove(merged, stale, self.root, self.schema)
        for path in self.ignored:
            # What this endpoint does not write stays as it was (the status rules).
            if len(path) == 1 and path[0] not in ("f:apiVersion", "f:kind"):
                name = path[0][2:]
                merged.pop(name, None)
                if name in before:
                    merged[name] = before[name]
        self._take(managers, key, before, merged, force)
        if merged != before:
            managers[key].time = now
        merged.setdefault("metadata", {})["managedFields"] = encode(managers)
        return merged


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _last_applied(live: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The object a live object's last-applied-configuration annotation holds."""
    annotations = ((live or {}).get("metadata") or {}).get("annotations") or {}
    try:
        found = json.loads(annotations.get(LAST_APPLIED) or "null")
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _without_last_applied(config: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(config))
    meta = out.get("metadata") or {}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k != LAST_APPLIED}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return out


def _encoded(value: Any) -> str:
    """JSON as Go's encoder writes it: keys sorted, HTML characters escaped, a newline."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            + "\n")
