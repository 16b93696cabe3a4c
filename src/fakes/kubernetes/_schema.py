"""OpenAPI v3 structural schemas: pruning, defaulting and validation of objects.

What a CustomResourceDefinition's ``openAPIV3Schema`` does to the custom resources it
serves (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/
custom-resource-definitions/#validation, #field-pruning, #defaulting):

- :func:`prune`: fields the schema does not specify are dropped (kept below
  ``x-kubernetes-preserve-unknown-fields: true``; ``apiVersion``, ``kind`` and
  ``metadata`` at the root and in ``x-kubernetes-embedded-resource`` objects), and so
  are nulls where the schema is not ``nullable``;
- :func:`apply_defaults`: ``default`` values for missing fields of objects that exist;
- :func:`validate`: ``type`` (with ``x-kubernetes-int-or-string``, ``nullable`` and
  the ``date-time`` format), ``enum``, ``required``, ``minimum``/``maximum`` (and
  exclusive), ``multipleOf``, ``minLength``/``maxLength``, ``pattern``,
  ``minItems``/``maxItems``, ``maxProperties`` and ``x-kubernetes-list-type`` ``set``
  and ``map`` duplicates, each worded as the apiserver words it (measured on kube-apiserver
  v1.37.2). The apiserver reports the errors of one object in no fixed order (Go map
  order); these come in document order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fakes.kubernetes._errors import Cause

Schema = Mapping[str, Any]
_OBJECT_META = ("apiVersion", "kind", "metadata")


def _child_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def prune(schema: Schema, value: Any, path: str = "", *, root: bool = True) -> list[str]:
    """Drop from ``value`` (in place) what ``schema`` does not specify; the dropped
    fields' paths (``spec.extra``), in document order."""
    unknown: list[str] = []
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        keep_unknown = schema.get("x-kubernetes-preserve-unknown-fields") is True
        kept_meta = root or schema.get("x-kubernetes-embedded-resource") is True
        for key in list(value):
            child = _child_path(path, key)
            if kept_meta and key in _OBJECT_META:
                continue
            sub = properties.get(key)
            if sub is None and isinstance(extra, Mapping):
                sub = extra
            if sub is None:
                if not keep_unknown and extra is not True:
                    unknown.append(child)
                    del value[key]
                continue
            if value[key] is None and not sub.get("nullable"):
                del value[key]
                continue
            unknown += prune(sub, value[key], child, root=False)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            unknown += prune(schema["items"], item, f"{path}[{index}]", root=False)
    return unknown


def apply_defaults(schema: Schema, value: Any) -> None:
    """Fill in (in place) the ``default`` of every missing property of every object."""
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for key, sub in properties.items():
            if key not in value and "default" in sub:
                value[key] = json.loads(json.dumps(sub["default"]))
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key) or (extra if isinstance(extra, Mapping) else None)
            if sub is not None:
                apply_defaults(sub, item)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            apply_defaults(schema["items"], item)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _shown(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _type_error(field: str, body: str, actual: str, wanted: str) -> Cause:
    return Cause("FieldValueTypeInvalid", field,
                 f'Invalid value: "{actual}": {body} in body must be of type {wanted}: '
                 f'"{actual}"')


def _invalid(field: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", field, f"Invalid value: {_shown(value)}: {detail}")


def _type_matches(schema: Schema, actual: str) -> str | None:
    """None if the value's JSON type fits; otherwise the type the error names."""
    if schema.get("x-kubernetes-int-or-string"):
        return None if actual in ("integer", "string") else "integer,string"
    wanted = schema.get("type")
    if not wanted or actual == wanted or (wanted == "number" and actual == "integer"):
        return None
    if actual == "null" and schema.get("nullable"):
        return None
    return str(wanted)


def validate(schema: Schema, value: Any, field: str = "", body: str = "") -> list[Cause]:
    """What is wrong with ``value`` under ``schema``. ``field`` is the path the causes
    name; ``body`` the path the messages name (the apiserver words a status update's
    errors relative to ``status``)."""
    actual = _json_type(value)
    wanted = _type_matches(schema, actual)
    if wanted is not None:
        return [_type_error(field, body, actual, wanted)]
    causes: list[Cause] = []
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(_shown(v) for v in schema["enum"])
        causes.append(Cause("FieldValueNotSupported", field,
                            f"Unsupported value: {_shown(value)}: supported values: {allowed}"))
    if actual == "string":
        causes += _validate_string(schema, value, field, body)
    elif actual in ("integer", "number"):
        causes += _validate_number(schema, value, field, body)
    elif actual == "array":
        causes += _validate_array(schema, value, field, body)
    elif actual == "object":
        causes += _validate_object(schema, value, field, body)
    return causes


def _validate_string(schema: Schema, value: str, field: str, body: str) -> list[Cause]:
    causes = []
    if schema.get("format") == "date-time" and not _is_date_time(value):
        causes.append(Cause("FieldValueTypeInvalid", field, f"Invalid value: {_shown(value)}: "
                            f'{body} in body must be of type date-time: {_shown(value)}'))
    # Of the length and pattern checks, only the first failing one is reported.
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        causes.append(Cause("FieldValueTooLong", field,
                            f"Too long: may not be more than {schema['maxLength']} bytes"))
    elif "minLength" in schema and len(value) < schema["minLength"]:
        causes.append(_invalid(field, value, f"{body} in body should be at least "
                                             f"{schema['minLength']} chars long"))
    elif "pattern" in schema and not re.search(schema["pattern"], value):
        causes.append(_invalid(field, value, f"{body} in body should match "
                                             f"'{schema['pattern']}'"))
    return causes


def _is_date_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value or "t" in value


def _validate_number(schema: Schema, value: float, field: str, body: str) -> list[Cause]:
    causes = []
    if "maximum" in schema:
        if schema.get("exclusiveMaximum") and value >= schema["maximum"]:
            causes.append(_invalid(field, value, f"{body} in body should be less than "
                                                 f"{schema['maximum']}"))
        elif value > schema["maximum"]:
            causes.append(_invalid(field, value, f"{body} in body should be less than or "
                                                 f"equal to {schema['maximum']}"))
    if "minimum" in schema:
        if schema.get("exclusiveMinimum") and value <= schema["minimum"]:
            causes.append(_invalid(field, value, f"{body} in body should be greater than "
                                                 f"{schema['minimum']}"))
        elif value < schema["minimum"]:
            causes.append(_invalid(field, value, f"{body} in body should be greater than or "
                                                 f"equal to {schema['minimum']}"))
    multiple = schema.get("multipleOf")
    if multiple and (value / multiple) != int(value / multiple):
        causes.append(_invalid(field, value, f"{body} in body should be a multiple of "
                                             f"{multiple}"))
    return causes


def _too_many(field: str, count: int, limit: int) -> Cause:
    noun = "item" if limit == 1 else "items"
    return Cause("FieldValueTooMany", field, f"Too many: {count}: must have at most "
                                             f"{limit} {noun}")


def _validate_array(schema: Schema, value: list[Any], field: str, body: str) -> list[Cause]:
    causes = []
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        causes.append(_too_many(field, len(value), schema["maxItems"]))
    if "minItems" in schema and len(value) < schema["minItems"]:
        causes.append(_invalid(field, len(value), f"{body} in body should have at least "
                                                  f"{schema['minItems']} items"))
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            causes += validate(items, item, f"{field}[{index}]", f"{body}[{index}]")
    list_type = schema.get("x-kubernetes-list-type")
    if list_type in ("set", "map"):
        keys = list(schema.get("x-kubernetes-list-map-keys") or [])
        seen: list[Any] = []
        for index, item in enumerate(value):
            # A map list's elements are the same when their keys are (shown as an
            # object of the keys).
            identity = ({k: item[k] for k in keys if k in item}
                        if list_type == "map" and isinstance(item, dict) else item)
            if identity in seen:
                causes.append(Cause("FieldValueDuplicate", f"{field}[{index}]",
                                    f"Duplicate value: {_shown(identity)}"))
            seen.append(identity)
    return causes


def _validate_object(schema: Schema, value: dict[str, Any], field: str,
                     body: str) -> list[Cause]:
    causes = []
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        causes.append(_too_many(field, len(value), schema["maxProperties"]))
    properties = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        sub = properties.get(key) or (extra if isinstance(extra, Mapping) else None)
        if sub is not None:
            causes += validate(sub, item, _child_path(field, key), _child_path(body, key))
    for key in schema.get("required") or ():
        if key not in value:
            causes.append(Cause("FieldValueRequired", _child_path(field, key),
                                "Required value"))
    return causes
