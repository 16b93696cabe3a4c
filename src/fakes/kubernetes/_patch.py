"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902), applied to plain JSON values.

https://www.rfc-editor.org/rfc/rfc7386 and https://www.rfc-editor.org/rfc/rfc6902;
the apiserver's answers to patches it cannot apply are in ``_model``.

Where kube-apiserver's JSON patch is more lenient than RFC 6902, the fake is too
(measured on v1.37.2): ``replace`` of a missing object member adds it, array indexes
may have leading zeros, and an operation without ``value`` uses ``null``.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchError(Exception):
    """A JSON patch that cannot be applied (RFC 6902 section 5: the whole patch fails)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 section 2: objects merge key by key, ``null`` removes, the rest replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _tokens(pointer: str) -> list[str]:
    # RFC 6901 section 4: "~1" is "/", "~0" is "~". The whole document ("") cannot be
    # a target here: an object's patch changes its members.
    if not pointer.startswith("/"):
        raise PatchError(f"invalid JSON pointer {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(container: list[Any], token: str, *, appending: bool) -> int:
    if appending and token == "-":
        return len(container)
    if not token.isdigit():
        raise PatchError(f"invalid array index {token!r}")
    index = int(token)
    if index > len(container) or (not appending and index == len(container)):
        raise PatchError(f"array index {index} out of bounds")
    return index


def _parent(document: Any, pointer: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    node = document
    for token in tokens[:-1]:
        node = _child(node, token)
    return node, tokens[-1]


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise PatchError(f"missing key {token!r}")
        return node[token]
    if isinstance(node, list):
        return node[_index(node, token, appending=False)]
    raise PatchError(f"cannot descend into {type(node).__name__} at {token!r}")


def _get(document: Any, pointer: str) -> Any:
    node = document
    for token in _tokens(pointer):
        node = _child(node, token)
    return node


def _add(document: Any, pointer: str, value: Any) -> Any:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, appending=True), value)
    else:
        raise PatchError(f"cannot add to {type(parent).__name__}")
    return document


def _remove(document: Any, pointer: str) -> tuple[Any, Any]:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict):
        if token not in parent:
            raise PatchError(f"missing key {token!r}")
        return document, parent.pop(token)
    if isinstance(parent, list):
        return document, parent.pop(_index(parent, token, appending=False))
    raise PatchError(f"cannot remove from {type(parent).__name__}")


def json_patch(document: Any, operations: list[Any]) -> Any:
    """RFC 6902 section 4: add, remove, replace, move, copy, test, in order."""
    document = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise PatchError("an operation needs a string path")
        op, path = operation.get("op"), operation["path"]
        value = copy.deepcopy(operation.get("value"))
        if op == "add":
            document = _add(document, path, value)
        elif op == "remove":
            document, _ = _remove(document, path)
        elif op == "replace":
            parent, token = _parent(document, path)
            if not (isinstance(parent, dict) and token not in parent):
                document, _ = _remove(document, path)
            document = _add(document, path, value)
        elif op in ("move", "copy"):
            source = operation.get("from")
            if not isinstance(source, str):
                raise PatchError(f"{op} needs a string from")
            if op == "move":
                document, value = _remove(document, source)
            else:
                value = copy.deepcopy(_get(document, source))
            document = _add(document, path, value)
        elif op == "test":
            if _get(document, path) != value:
                raise PatchError(f"test failed at {path}")
        else:
            raise PatchError(f"unknown operation {op!r}")
    return document


# -- strategic merge patch ---------------------------------------------------------------
#
# https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/
# strategic-merge-patch.md: maps merge key by key and null removes; a list whose field has
# patch strategy "merge" merges by its merge key (primitive lists as a set), other lists
# are replaced; the directives $patch, $deleteFromPrimitiveList/<f>, $setElementOrder/<f>
# and $retainKeys. The order of a merged list follows the patch, with the server's own
# elements kept where they were (measured on kube-apiserver v1.37.2), and the error
# messages are the apiserver's (measured; they print Go values).

_DIRECTIVE = "$patch"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"
_ORDER = "$setElementOrder/"
_RETAIN = "$retainKeys"


class StrategicError(Exception):
    """A strategic merge patch that cannot be applied: the apiserver answers 500, or 400
    for a malformed ``$retainKeys`` (measured)."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


def _go(value: Any) -> str:
    """``value`` as Go's %v prints a decoded JSON value."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _listed(value: Any) -> list[Any]:
    if not isinstance(value, list):
        kind = {str: "string", bool: "bool", dict: "map[string]interface {}"}.get(
            type(value), "float64")
        raise StrategicError(f"expected a []interface {{}}, but received a {kind}")
    return value


def _bad_type(directive: Any, where: dict[str, Any]) -> StrategicError:
    return StrategicError(f"unknown patch type: {_go(directive)} in map: {_go(where)}")


class _Schema:
    """The OpenAPI definitions of ``resources.json``, walked by field."""

    def __init__(self, definitions: Any) -> None:
        self.definitions = definitions

    def properties(self, node: Any) -> dict[str, Any]:
        """The fields of an object node (a ``ref`` to a definition, or a map's values)."""
        if not isinstance(node, dict):
            return {}
        if "ref" in node:
            found = self.definitions.get(node["ref"], {})
            return dict(found.get("properties", {}))
        return {}

    def field(self, node: Any, name: str) -> Any:
        """The schema of field ``name`` of object node ``node`` (None when unknown)."""
        if isinstance(node, dict) and "values" in node:
            return node["values"]
        return self.properties(node).get(name)


def _strategies(field: Any) -> list[str]:
    if not isinstance(field, dict):
        return []
    return [s for s in str(field.get("patch-strategy", "")).split(",") if s]


def strategic_merge(target: Any, patch: Any, definitions: Any, definition: str) -> Any:
    """Apply strategic merge patch ``patch`` to ``target``, an object of ``definition``."""
    schema = _Schema(definitions)
    return _merge_map(copy.deepcopy(target), copy.deepcopy(patch), schema, {"ref": definition})


def _merge_map(original: dict[str, Any], patch: dict[str, Any], schema: _Schema,
               node: Any) -> dict[str, Any]:
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == "replace":
            del patch[_DIRECTIVE]
            return _merge_map({}, patch, schema, node)
        if directive == "delete":
            return {}
        raise _bad_type(directive, patch)
    if _RETAIN in patch:
        # Applied whatever the field's strategy (measured); it must name every field
        # the patch sets beside it.
        keep = patch.pop(_RETAIN)
        if not isinstance(keep, list) or any(
                k not in keep for k in patch if not k.startswith("$")):
            raise StrategicError("invalid patch format of retainKeys", status=400)
        original = {k: v for k, v in original.items() if k in keep}
    orders: dict[str, Any] = {}
    for key in [k for k in patch if k.startswith((_DELETE_PRIMITIVE, _ORDER))]:
        value = patch.pop(key)
        if key.startswith(_ORDER):
            orders[key[len(_ORDER):]] = _listed(value)
            continue
        name = key[len(_DELETE_PRIMITIVE):]
        current = original.get(name)
        # A value that is not a list deletes nothing (measured).
        if isinstance(current, list) and isinstance(value, list):
            _same_kind(current, value)
            remaining = [v for v in current if v not in value]
            if remaining:
                original[name] = remaining
            else:
                del original[name]  # an empty Go slice is omitted
    for key, value in patch.items():
        field = schema.field(node, key)
        if value is None:
            original.pop(key, None)
        elif key not in original:
            original[key] = _strip(value, schema, field)
        elif isinstance(value, dict) and isinstance(original[key], dict):
            merged = _merge_map(original[key], value, schema, field)
            if merged or not (isinstance(field, dict) and "values" in field):
                original[key] = merged
            else:
                # An empty Go map is omitted when the object is written (omitempty).
                del original[key]
        elif (isinstance(value, list) and isinstance(original[key], list)
              and "merge" in _strategies(field)):
            original[key] = _merge_list(original[key], value, schema, field)
        else:
            original[key] = _strip(value, schema, field)
        if original.get(key) == [] and "merge" in _strategies(field):
            del original[key]  # an empty Go slice is omitted too
    for key, order in orders.items():
        if isinstance(original.get(key), list):
            field = schema.field(node, key)
            merge_key = field.get("patch-merge-key") if isinstance(field, dict) else None
            original[key] = _normalize(original[key], order, order, merge_key)
    return original


def _strip(value: Any, schema: _Schema, node: Any) -> Any:
    """A patch value the original does not have, with its directives applied to nothing."""
    if isinstance(value, dict):
        return _merge_map({}, value, schema, node)
    if isinstance(value, list) and "merge" in _strategies(node):
        return _merge_list([], value, schema, node)
    return value


def _same_kind(original: list[Any], patch: list[Any]) -> None:
    kinds = {type(v) is dict for v in [*original, *patch]}
    if len(kinds) > 1:
        raise StrategicError(f"list element types are not identical: "
                             f"{_go([original, patch])}")


def _merge_key_of(item: Any, merge_key: str) -> Any:
    if not isinstance(item, dict) or merge_key not in item:
        raise StrategicError(f"map: {_go(item)} does not contain declared merge key: "
                             f"{merge_key}")
    return item[merge_key]


def _merge_list(original: list[Any], patch: list[Any], schema: _Schema,
                field: dict[str, Any]) -> list[Any]:
    if not original and not patch:
        return original
    _same_kind(original, patch)
    merge_key = field.get("patch-merge-key")
    if not any(isinstance(v, dict) for v in [*original, *patch]):
        merged: list[Any] = []
        for item in [*original, *patch]:
            if item not in merged:
                merged.append(item)
        return _normalize(merged, patch, original, None)
    if not merge_key:
        raise StrategicError("cannot merge lists without merge key")
    items = field.get("items")
    plain: list[Any] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == "delete":
            gone = _merge_key_of(item, merge_key)
            original = [o for o in original if o.get(merge_key) != gone]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise StrategicError("merging lists cannot yet be specified in the patch")
        else:
            raise _bad_type(directive, item)
    if replace:
        original, plain = plain, []
    merged = list(original)
    for item in plain:
        wanted = _merge_key_of(item, merge_key)
        for at, existing in enumerate(merged):
            if existing.get(merge_key) == wanted:
                merged[at] = _merge_map(existing, item, schema, items)
                break
        else:
            merged.append(_strip(item, schema, items))
    return _normalize(merged, plain, original, merge_key)


def _position(order: list[Any], item: Any, merge_key: str | None) -> int:
    for at, candidate in enumerate(order):
        if merge_key is None:
            if candidate == item:
                return at
        elif isinstance(candidate, dict) and candidate.get(merge_key) == item.get(merge_key):
            return at
    return -1


def _normalize(merged: list[Any], patch_order: list[Any],
               server_order: list[Any], merge_key: str | None) -> list[Any]:
    """apimachinery's element order: the items the patch (or its $setElementOrder) names
    in its order, interleaved with the server's other items in theirs."""
    named = [m for m in merged if _position(patch_order, m, merge_key) >= 0]
    server_only = [m for m in merged if _position(patch_order, m, merge_key) < 0]
    named = _sorted(named, patch_order, merge_key)
    server_only = _sorted(server_only, server_order, merge_key)
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(named):
        if j >= len(named):
            out.append(server_only[i])
            i += 1
        elif i >= len(server_only):
            out.append(named[j])
            j += 1
        else:
            left = _position(server_order, server_only[i], merge_key)
            right = _position(server_order, named[j], merge_key)
            if left >= 0 and right >= 0 and left < right:
                out.append(server_only[i])
                i += 1
            else:
                out.append(named[j])
                j += 1
    return out


def _sorted(items: list[Any], order: list[Any], merge_key: str | None) -> list[Any]:
    # Go's sort.SliceStable (an insertion sort at these sizes) with apimachinery's
    # comparison: by position in ``order`` when both are there, else "less".
    items = list(items)

    def less(a: Any, b: Any) -> bool:
        ia, ib = _position(order, a, merge_key), _position(order, b, merge_key)
        return ia < ib if ia >= 0 and ib >= 0 else True

    for i in range(1, len(items)):
        j = i
        while j > 0 and less(items[j], items[j - 1]):
            items[j], items[j - 1] = items[j - 1], items[j]
            j -= 1
    return items
