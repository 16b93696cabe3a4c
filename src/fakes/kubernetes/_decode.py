"""The type check kube-apiserver's JSON decoding makes of a body before any rule runs.

The apiserver decodes a body into its Go types with ``encoding/json`` rules: a value of
the wrong JSON type for its field is refused with Go's ``UnmarshalTypeError`` text,
``json: cannot unmarshal <json type> into Go struct field <Struct>.<path> of type
<Go type>`` (measured: kube-apiserver v1.37.2). ``<Struct>`` is the innermost struct
holding the field, ``<path>`` the JSON field names from the top (no list indices, no
map keys), and the Go type the one the value would have filled. ``null`` fills
nothing, so it is never refused.

The registry's trimmed OpenAPI definitions give the types and formats: an integer is
``int32`` or ``int64`` as its format says, a ``byte`` string ``[]uint8``. Time decodes a
string; the other types with their own decoders (Quantity, IntOrString, RawExtension)
are not checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["json_type", "type_error"]


def type_error(definitions: Mapping[str, Any], name: str, obj: Any) -> str | None:
    """Go's message for the first value of ``obj`` (in document order) whose JSON type
    does not fit definition ``name``; None when every value fits."""
    return _check_struct(definitions, name, obj, ())


def _go_name(definition: str) -> str:
    """``io.k8s.api.core.v1.Container`` -> ``v1.Container``, as Go prints the type."""
    parts = definition.split(".")
    return f"{parts[-2]}.{parts[-1]}"


def json_type(value: Any) -> str:
    """How Go's decoder names the JSON type of ``value``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _shape(definitions: Mapping[str, Any], prop: Mapping[str, Any]) -> str | None:
    """What a property decodes: "struct", "array", "map", "string", "boolean",
    "integer" or "number"; None for types with their own decoder."""
    if "ref" in prop:
        definition = definitions.get(prop["ref"], {})
        if "properties" in definition:
            return "struct"
        # Time and MicroTime decode a string; IntOrString and Quantity take numbers too.
        if definition.get("type") == "string" and not prop["ref"].endswith(
                ("IntOrString", "Quantity")):
            return "string"
        return None
    kind = prop.get("type")
    if kind == "array":
        return "array" if "items" in prop else None
    if kind == "object":
        return "map" if "values" in prop else None
    return kind if kind in ("string", "boolean", "integer", "number") else None


def _go_type(definitions: Mapping[str, Any], prop: Mapping[str, Any]) -> str:
    """The Go type a property decodes into, as Go prints it (only asked on a misfit,
    where ``_shape`` is not None)."""
    shape = _shape(definitions, prop)
    if shape == "struct":
        return _go_name(prop["ref"])
    if shape == "array":
        return f"[]{_go_type(definitions, prop['items'])}"
    if shape == "map":
        return f"map[string]{_go_type(definitions, prop['values'])}"
    if shape == "integer" and prop.get("format") == "int32":
        return "int32"
    if shape == "string" and prop.get("format") == "byte":
        return "[]uint8"
    return {"boolean": "bool", "integer": "int64", "number": "float64"}.get(str(shape),
                                                                          "string")


_FITS: dict[str, type | tuple[type, ...]] = {
    "struct": dict, "map": dict, "array": list, "string": str, "boolean": bool,
    "integer": (int, float), "number": (int, float)}


def _check_struct(definitions: Mapping[str, Any], name: str, obj: Any,
                  path: tuple[str, ...]) -> str | None:
    properties = definitions.get(name, {}).get("properties", {})
    struct = name.split(".")[-1]
    for key, value in obj.items():
        prop = properties.get(key)
        if prop is not None and value is not None:
            found = _check(definitions, prop, value, struct, (*path, key))
            if found is not None:
                return found
    return None


def _check(definitions: Mapping[str, Any], prop: Mapping[str, Any], value: Any,
           struct: str, path: tuple[str, ...]) -> str | None:
    shape = _shape(definitions, prop)
    if shape is None:
        return None
    if not isinstance(value, _FITS[shape]) or (
            isinstance(value, bool) and shape in ("integer", "number")):
        return _message(json_type(value), struct, path, _go_type(definitions, prop))
    if shape == "integer" and isinstance(value, float):
        # Go parses an integer field's literal as an integer: 1.5 and 1.0 both fail.
        return _message(f"number {value!r}", struct, path, _go_type(definitions, prop))
    if shape == "struct":
        return _check_struct(definitions, prop["ref"], value, path)
    if shape in ("array", "map"):
        inner = prop["items"] if shape == "array" else prop["values"]
        container: Any = value  # a list or a dict here, as the shape says
        items: list[Any] = container if shape == "array" else list(container.values())
        for item in items:
            if item is not None:
                found = _check(definitions, inner, item, struct, path)
                if found is not None:
                    return found
    return None


def _message(json_type: str, struct: str, path: tuple[str, ...], go_type: str) -> str:
    return (f"json: cannot unmarshal {json_type} into Go struct field "
            f"{struct}.{'.'.join(path)} of type {go_type}")
