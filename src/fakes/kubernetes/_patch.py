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
