"""Field sets: which fields of an object a manager owns, as server-side apply tracks them.

https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management:
a path names a field (``f:<name>``), an item of a map-type list by its keys
(``k:{"name":"c"}``), an item of a set list by its value (``v:"x"``), or an item of an
atomic list... never (atomic lists and maps are owned whole, as one field). How a list
or map merges comes from the schema (``x-kubernetes-list-type`` ``atomic``/``set``/
``map`` with ``x-kubernetes-list-map-keys``, ``x-kubernetes-map-type``); a field the
schema does not know is a map when it holds one, and atomic otherwise.

A path is a tuple of those element strings; a set is a Python ``set`` of paths. The
``fieldsV1`` form nests the elements and marks a path that is itself owned while it has
owned children with ``"."``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

Path = tuple[str, ...]
FieldSet = set[Path]


def _key_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


@attrs.frozen
class Schema:
    """The OpenAPI definitions of ``resources.json``, seen as server-side apply sees them."""

    definitions: Mapping[str, Any]

    def kind(self, node: Any) -> str:
        """``struct``, ``map``, ``set``, ``associative``, or ``atomic``."""
        if isinstance(node, Mapping) and "ref" in node:
            definition = self.definitions.get(node["ref"], {})
            if definition.get("map-type") == "atomic" or "properties" not in definition:
                return "atomic"
            return "struct"
        if isinstance(node, Mapping) and "values" in node:
            return "atomic" if node.get("map-type") == "atomic" else "map"
        if isinstance(node, Mapping) and "items" in node:
            list_type = node.get("list-type", "atomic")
            return {"set": "set", "map": "associative"}.get(list_type, "atomic")
        return "atomic"  # scalars, and what the schema leaves free-form

    def child(self, node: Any, name: str) -> Any:
        """The schema of field ``name`` of a struct or map node (None when unknown)."""
        if isinstance(node, Mapping) and "ref" in node:
            return self.definitions.get(node["ref"], {}).get("properties", {}).get(name)
        return node.get("values") if isinstance(node, Mapping) else None

    def declared(self, node: Any, name: str) -> bool:
        return (isinstance(node, Mapping) and "ref" in node
                and name in self.definitions.get(node["ref"], {}).get("properties", {}))


def item_element(node: Mapping[str, Any], item: Any, kind: str) -> str:
    """The path element of a set or map-type list's item."""
    if kind == "set" or not isinstance(item, dict):
        return "v:" + _key_json(item)
    keys = node.get("list-map-keys") or []
    return "k:" + _key_json({k: item[k] for k in keys if k in item})


def _shaped(kind: str, value: Any) -> str:
    """``kind``, or atomic for null and a value of the wrong shape (types are not
    validated)."""
    if value is None:
        return "atomic"
    if (kind in ("struct", "map") and not isinstance(value, dict)) or (
            kind in ("set", "associative") and not isinstance(value, list)):
        return "atomic"
    return kind


def _items(node: Mapping[str, Any], value: Any, kind: str) -> list[tuple[str, Any]]:
    return [(item_element(node, item, kind), item) for item in value or []]


def field_set(value: Any, node: Any, schema: Schema, path: Path = ()) -> FieldSet:
    """The fields ``value`` sets: what an applier of ``value`` owns."""
    out: FieldSet = set()
    kind = _shaped(schema.kind(node), value)
    if kind == "atomic":
        if path:
            out.add(path)
        return out
    if kind in ("struct", "map"):
        for name, child in value.items():
            child_node = schema.child(node, name)
            child_path = (*path, "f:" + name)
            out |= field_set(child, child_node, schema, child_path)
            if child is None or child == {} or not schema.declared(node, name):
                out.add(child_path)
        return out
    for element, item in _items(node, value, kind):
        out.add((*path, element))
        if kind == "associative":
            out |= field_set(item, node.get("items"), schema, (*path, element))
    return out


@attrs.define
class Comparison:
    added: FieldSet = attrs.field(factory=set)
    removed: FieldSet = attrs.field(factory=set)
    modified: FieldSet = attrs.field(factory=set)

    def changed(self) -> FieldSet:
        return self.added | self.modified


_MISSING = object()


def compare(old: Any, new: Any, node: Any, schema: Schema) -> Comparison:
    """The fields ``new`` adds, removes and changes relative to ``old``."""
    result = Comparison()
    _compare(old, new, node, schema, (), result)
    return result


def _compare(old: Any, new: Any, node: Any, schema: Schema, path: Path,
             result: Comparison) -> None:
    old_value = None if old is _MISSING else old
    new_value = None if new is _MISSING else new
    kind = schema.kind(node)
    for value in (old_value, new_value):
        kind = kind if value is None else _shaped(kind, value)
    both_empty = not old_value and not new_value
    if kind == "atomic" or (kind in ("struct", "map") and both_empty):
        if old is _MISSING:
            result.added.add(path)
        elif new is _MISSING:
            result.removed.add(path)
        elif old != new:
            result.modified.add(path)
        return
    if path:
        if old is _MISSING:
            result.added.add(path)
        elif new is _MISSING:
            result.removed.add(path)
    if kind in ("struct", "map"):
        before, after = old_value or {}, new_value or {}
        for name in [*before, *(k for k in after if k not in before)]:
            _compare(before.get(name, _MISSING), after.get(name, _MISSING),
                     schema.child(node, name), schema, (*path, "f:" + name), result)
        return
    before_items = dict(_items(node, old_value, kind))
    after_items = dict(_items(node, new_value, kind))
    for element in [*before_items, *(e for e in after_items if e not in before_items)]:
        item_path = (*path, element)
        if kind == "set":
            if element not in after_items:
                result.removed.add(item_path)
            elif element not in before_items:
                result.added.add(item_path)
            continue
        _compare(before_items.get(element, _MISSING), after_items.get(element, _MISSING),
                 node.get("items"), schema, item_path, result)
        if element not in before_items:
            result.added.add(item_path)
        elif element not in after_items:
            result.removed.add(item_path)


def merge(live: Any, config: Any, node: Any, schema: Schema) -> Any:
    """``config`` merged into ``live``: maps and structs field by field, set and map-type
    lists item by item, anything atomic replaced by ``config``'s value."""
    kind = schema.kind(node)
    if kind in ("struct", "map") and isinstance(live, dict) and isinstance(config, dict):
        out = dict(live)
        for name, value in config.items():
            out[name] = (merge(live[name], value, schema.child(node, name), schema)
                         if name in live else copy.deepcopy(value))
        return out
    if kind in ("set", "associative") and isinstance(live, list) and isinstance(config, list):
        return _merge_items(live, config, node, kind, schema)
    return copy.deepcopy(config)


def _merge_items(live: list[Any], config: list[Any], node: Mapping[str, Any], kind: str,
                 schema: Schema) -> list[Any]:
    """structured-merge-diff's order: the applied items in their order, and the live
    items it does not name where they were, relative to the items both hold."""
    left = _items(node, live, kind)
    right = _items(node, config, kind)
    left_by = dict(left)
    right_by = dict(right)
    shared = [e for e, _ in right if e in left_by]
    out: list[Any] = []
    done: set[str] = set()
    i = j = 0

    def take_right(element: str, item: Any) -> None:
        if element in left_by and kind == "associative":
            out.append(merge(left_by[element], item, node.get("items"), schema))
        else:
            out.append(copy.deepcopy(item))
        done.add(element)
        if shared and shared[0] == element:
            shared.pop(0)

    while i < len(left) or j < len(right):
        if i < len(left) and j < len(right):
            element = left[i][0]
            if element == right[j][0]:
                take_right(element, right[j][1])
                i += 1
                j += 1
                continue
            if element in right_by and shared and shared[0] != element:
                i += 1  # shared, but not the next one the applied order wants
                continue
        if i < len(left):
            element = left[i][0]
            if element not in right_by:
                out.append(copy.deepcopy(left[i][1]))
                i += 1
                continue
            if element in done:
                i += 1
                continue
        if j < len(right):
            take_right(*right[j])
            j += 1
    return out


def remove(value: Any, paths: Iterable[Path], node: Any, schema: Schema) -> Any:
    """``value`` without the fields at ``paths``."""
    out = copy.deepcopy(value)
    for path in sorted(paths, key=len, reverse=True):
        out = _remove(out, path, node, schema)
    return out


def _remove(value: Any, path: Path, node: Any, schema: Schema) -> Any:
    # A map or list left empty is dropped too: the apiserver's types omit empty ones.
    head, rest = path[0], path[1:]
    kind = schema.kind(node)
    if head.startswith("f:") and isinstance(value, dict):
        name = head[2:]
        if name in value and rest:
            value[name] = _remove(value[name], rest, schema.child(node, name), schema)
        if name in value and (not rest or value[name] in ({}, [])):
            del value[name]
        return value
    if isinstance(value, list) and kind in ("set", "associative"):
        kept = []
        for element, item in _items(node, value, kind):
            if element != head:
                kept.append(item)
            elif rest:
                item = _remove(item, rest, node.get("items"), schema)
                if item not in ({}, []):
                    kept.append(item)
        return kept
    return value


def without(paths: Iterable[Path], prefixes: Iterable[Path]) -> FieldSet:
    """``paths`` but those at or under one of ``prefixes``."""
    prefixes = tuple(prefixes)
    return {p for p in paths if not any(p[:len(q)] == q for q in prefixes)}


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    """The ``fieldsV1`` document of a set."""
    tree: dict[str, Any] = {}
    members: set[Path] = set(paths)
    for path in sorted(members, key=_sort_key):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    _mark_members(tree, (), members)
    return tree


def _mark_members(tree: dict[str, Any], path: Path, members: set[Path]) -> None:
    for element, children in list(tree.items()):
        child_path = (*path, element)
        if children:
            _mark_members(children, child_path, members)
            if child_path in members:
                tree[element] = {".": {}, **children}


def from_fields_v1(document: Mapping[str, Any], path: Path = ()) -> FieldSet:
    """The set a ``fieldsV1`` document describes."""
    out: FieldSet = set()
    for element, children in document.items():
        if element == ".":
            out.add(path)
            continue
        child_path = (*path, element)
        if isinstance(children, Mapping) and children:
            out |= from_fields_v1(children, child_path)
        else:
            out.add(child_path)
    return out


def _sort_key(path: Path) -> tuple[tuple[int, str], ...]:
    return tuple(({"f": 0, "k": 1, "v": 2, "i": 3}.get(e[0], 4), e[2:]) for e in path)


def render(path: Path) -> str:
    """A path as the apiserver prints it: ``.spec.containers[name="c"].image``."""
    out = []
    for element in path:
        prefix, text = element[:2], element[2:]
        if prefix == "f:":
            out.append("." + text)
        elif prefix == "k:":
            keys = json.loads(text)
            out.append("[" + ",".join(f"{k}={_key_json(v)}" for k, v in keys.items()) + "]")
        else:  # v: a set's item (atomic lists have no items of their own)
            out.append(f"[={text}]")
    return "".join(out)


def sorted_paths(paths: Iterable[Path]) -> list[Path]:
    return sorted(paths, key=_sort_key)


def unknown_field(value: Any, node: Any, schema: Schema, path: Path = ()) -> Path | None:
    """The first field of ``value`` the schema does not declare (None when all are)."""
    kind = _shaped(schema.kind(node), value)
    children: list[tuple[str, Any, Any]] = []
    if kind in ("struct", "map"):
        for name in sorted(value):
            if kind == "struct" and not schema.declared(node, name):
                return (*path, "f:" + name)
            children.append(("f:" + name, value[name], schema.child(node, name)))
    elif kind == "associative":
        children = [(e, item, node.get("items")) for e, item in _items(node, value, kind)]
    for element, child, child_node in children:
        found = unknown_field(child, child_node, schema, (*path, element))
        if found is not None:
            return found
    return None
