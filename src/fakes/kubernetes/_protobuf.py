"""Reading a Kubernetes protobuf request body as the JSON object it stands for.

kubectl's imperative commands (``create namespace``, ``create deployment`` ...) send
their bodies as ``application/vnd.kubernetes.protobuf``
(https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding): the
four bytes ``k8s\\x00``, then a ``runtime.Unknown`` message (1: typeMeta {1: apiVersion,
2: kind}, 2: raw, 3: contentEncoding, 4: contentType) whose ``raw`` is the object's own
protobuf encoding. Field numbers, types and JSON names come from protobuf.json
(scripts/generate-kubernetes-protobuf.py, from the pinned k8s.io/api and
k8s.io/apimachinery ``generated.proto`` files and the Go types beside them).

The object becomes the JSON Go's encoder would write for the struct the apiserver
decoded: a plain (non-pointer) field is always on the wire, so its zero value is
dropped where its JSON tag says ``omitempty``; a pointer's zero is kept (``replicas:
0``). The error texts are gogo-protobuf's and the apiserver's, measured on
kube-apiserver v1.37.2: a body the envelope cannot be read from is "the object provided
is unrecognized", one whose object cannot be read is "<Kind> in version ... cannot be
handled as a <Kind>".
"""

from __future__ import annotations

import base64
import functools
import json
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from fakes.kubernetes._errors import StatusError, bad_request

__all__ = ["PROTOBUF", "covers", "decode", "quoted"]

PROTOBUF = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5
#: The scalar types the registry's messages use (the generator refuses others).
_LENGTH_DELIMITED = ("string", "bytes")
#: Go's zero of each scalar, as JSON (False equals 0): a plain field holding it is left
#: out.
_ZERO: tuple[Any, ...] = ("", 0)


class _Malformed(Exception):
    """gogo-protobuf's error for bytes that are not the message expected."""


@functools.cache
def _descriptor() -> dict[str, Any]:
    text = resources.files("fakes.kubernetes").joinpath("protobuf.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document


def covers(api_version: str, kind: str) -> bool:
    """Whether protobuf.json describes the protobuf form of this kind."""
    return f"{api_version} {kind}" in _descriptor()["roots"]


def quoted(raw: bytes) -> str:
    """The start of a YAML or protobuf body as the apiserver quotes it in its 400: hex,
    30 bytes."""
    if not raw:
        return "<empty>"
    return raw[:30].hex() + (" ..." if len(raw) > 30 else "")


def decode(raw: bytes, api_version: str, kind: str) -> dict[str, Any]:
    """The JSON object of protobuf body ``raw`` sent for kind ``kind`` of ``api_version``
    (which :func:`covers`), with the envelope's apiVersion and kind."""
    try:
        if not raw:
            raise _Malformed("empty data")
        if not raw.startswith(MAGIC):
            raise _Malformed("provided data does not appear to be a protobuf message, "
                             "expected prefix [107 56 115 0]")
        if len(raw) == len(MAGIC):
            raise _Malformed("empty body")
        envelope = _message(raw[len(MAGIC):], _UNKNOWN)
    except _Malformed as error:
        raise bad_request(f"the object provided is unrecognized (must be of type {kind}): "
                          f"{error} ({quoted(raw)})") from None
    type_meta = envelope.get("typeMeta", {})
    sent_version = type_meta.get("apiVersion") or api_version
    sent_kind = type_meta.get("kind") or kind
    version = sent_version.rpartition("/")[2]
    prefix = f'{sent_kind} in version "{version}" cannot be handled as a {kind}'
    roots = _descriptor()["roots"]
    if f"{sent_version} {sent_kind}" not in roots:
        raise bad_request(f'{prefix}: no kind "{sent_kind}" is registered for version '
                          f'"{sent_version}" in scheme "pkg/runtime/scheme.go:111"')
    if (sent_version, sent_kind) != (api_version, kind):
        internal = api_version.partition("/")[0].split(".")[0] if "/" in api_version \
            else "core"
        raise bad_request(f"{prefix}: converting ({version}.{sent_kind}) to "
                          f"({internal}.{kind}): unknown conversion")
    # The envelope's raw bytes came back as base64, as every bytes field does.
    raw_object = base64.b64decode(envelope.get("raw", ""))
    try:
        obj = _message(raw_object, roots[f"{api_version} {kind}"])
    except _Malformed as error:
        raise bad_request(f"{prefix}: {error}") from None
    return {"apiVersion": sent_version, "kind": sent_kind, **obj}


#: runtime.Unknown, the envelope: not in protobuf.json, as no kind refers to it.
_UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown"
_ENVELOPE: dict[str, Any] = {
    _UNKNOWN: {"fields": {
        "1": {"n": "typeMeta", "t": "k8s.io.apimachinery.pkg.runtime.TypeMeta"},
        "2": {"n": "raw", "t": "bytes"}, "3": {"n": "contentEncoding", "t": "string"},
        "4": {"n": "contentType", "t": "string"}}},
    "k8s.io.apimachinery.pkg.runtime.TypeMeta": {"fields": {
        "1": {"n": "apiVersion", "t": "string"}, "2": {"n": "kind", "t": "string"}}},
}


def _spec(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = _ENVELOPE.get(name) or _descriptor()["messages"][name]
    return spec


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if shift >= 64:
            raise _Malformed("proto: integer overflow")
        if pos >= len(data):
            raise _Malformed("unexpected EOF")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7


def _take(data: bytes, pos: int, size: int) -> tuple[bytes, int]:
    if pos + size > len(data):
        raise _Malformed("unexpected EOF")
    return data[pos:pos + size], pos + size


def _value(data: bytes, pos: int, wire: int) -> tuple[int | bytes, int]:
    """One field's value of wire type ``wire`` at ``pos``: an int for a varint, the
    bytes otherwise."""
    if wire == _VARINT:
        return _varint(data, pos)
    if wire == _FIXED64:
        return _take(data, pos, 8)
    if wire == _FIXED32:
        return _take(data, pos, 4)
    if wire == _BYTES:
        length, pos = _varint(data, pos)
        if length >= 1 << 63:
            raise _Malformed("proto: negative length found during unmarshaling")
        return _take(data, pos, length)
    if wire == 3:  # a group (deprecated, in no Kubernetes message): skipped to its end
        depth = 1
        while depth:
            key, pos = _varint(data, pos)
            inner = key & 7
            depth += 1 if inner == 3 else -1 if inner == 4 else 0
            if inner not in (3, 4):
                _, pos = _value(data, pos, inner)
        return b"", pos
    raise _Malformed(f"proto: illegal wireType {wire}")


def _read(data: bytes, name: str, known: dict[str, Any]
          ) -> list[tuple[int, dict[str, Any] | None, int, int | bytes]]:
    """The fields of message ``name`` in ``data``, in wire order: (number, its spec in
    ``known`` or None, wire type, value), with gogo-protobuf's errors."""
    struct_name = name.rpartition(".")[2]
    out: list[tuple[int, dict[str, Any] | None, int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 4:
            raise _Malformed(f"proto: {struct_name}: wiretype end group for non-group")
        if number <= 0:
            raise _Malformed(f"proto: {struct_name}: illegal tag {number} (wire type {wire})")
        field = known.get(str(number))
        if field is not None and wire not in _wire_types(field):
            go_name = field.get("g") or field["n"][:1].upper() + field["n"][1:]
            raise _Malformed(f"proto: wrong wireType = {wire} for field {go_name}")
        value, pos = _value(data, pos, wire)
        out.append((number, field, wire, value))
    return out


def _wire_types(field: dict[str, Any]) -> tuple[int, ...]:
    kind = field["t"]
    if kind == "map" or "." in kind or kind in _LENGTH_DELIMITED:
        return (_BYTES,)
    # A repeated number may come packed.
    return (_VARINT, _BYTES) if field.get("r") else (_VARINT,)


def _message(data: bytes, name: str) -> dict[str, Any]:
    """The JSON object of message ``name`` (not one with its own JSON form)."""
    obj: dict[str, Any] = {}
    for _, field, wire, value in _read(data, name, _spec(name).get("fields", {})):
        if field is None:
            continue
        json_name, kind = field["n"], field["t"]
        if kind == "map":
            assert isinstance(value, bytes)
            key, item = _map_entry(value, field)
            obj.setdefault(json_name, {})[key] = item
        elif field.get("r"):
            items = obj.setdefault(json_name, [])
            if wire == _BYTES and kind not in _LENGTH_DELIMITED and "." not in kind:
                items.extend(_packed(value, kind))
            else:
                items.append(_convert(value, kind))
        elif field.get("i"):
            assert isinstance(value, bytes)
            obj.update(_message(value, kind))
        else:
            converted = _convert(value, kind)
            if field.get("o") and "." not in kind and converted in _ZERO:
                obj.pop(json_name, None)
                continue
            obj[json_name] = converted
    # A list or map never sent is nil: Go's JSON writes null for it where its tag does
    # not say omitempty (ClusterRole.rules).
    for field in _spec(name).get("fields", {}).values():
        if (field.get("r") or field["t"] == "map") and not field.get("o"):
            obj.setdefault(field["n"], None)
    return obj


def _map_entry(data: bytes, field: dict[str, Any]) -> tuple[str, Any]:
    """One entry of a map field: a message of its key (1) and value (2)."""
    key_spec, value_spec = {"n": "key", "t": field["k"]}, {"n": "value", "t": field["v"]}
    found = {spec["n"]: _convert(value, spec["t"])
             for _, spec, _, value in _read(data, "MapEntry", {"1": key_spec,
                                                               "2": value_spec})
             if spec is not None}
    if "value" not in found:  # an entry without its value holds the value type's zero
        found["value"] = _convert(0 if _wire_types(value_spec) == (_VARINT,) else b"",
                                  field["v"])
    return str(found.get("key", "")), found["value"]


def _packed(data: int | bytes, kind: str) -> list[Any]:
    assert isinstance(data, bytes)
    values: list[Any] = []
    pos = 0
    while pos < len(data):
        value, pos = _varint(data, pos)
        values.append(_convert(value, kind))
    return values


def _convert(value: int | bytes, kind: str) -> Any:
    """A scalar or message field's value as JSON."""
    if isinstance(value, int):
        if kind == "bool":
            return value != 0
        if kind == "int32":  # sent sign-extended to 64 bits; Go keeps the low 32
            value &= 0xFFFFFFFF
            return value - (1 << 32) if value >= 1 << 31 else value
        return _signed(value)
    if kind == "string":
        return value.decode("utf-8", errors="replace")
    if kind == "bytes":
        return base64.b64encode(value).decode()
    special = _spec(kind).get("as")
    if special is None:
        return _message(value, kind)
    return _SPECIAL[special](value, kind)


def _scalars(data: bytes, kind: str) -> dict[int, Any]:
    """The fields of a small well-known message, by number, as their wire values."""
    return {number: value for number, _, _, value in _read(data, kind, {})}


def _signed(value: Any) -> int:
    number = value if isinstance(value, int) else 0
    return number - (1 << 64) if number >= 1 << 63 else number


def _time(data: bytes, kind: str) -> str | None:
    """metav1.Time: whole seconds in RFC 3339 (the apiserver drops the nanos); an
    empty message is the zero time, JSON null."""
    if not data:
        return None
    return _stamp(_signed(_scalars(data, kind).get(1, 0))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _micro_time(data: bytes, kind: str) -> str | None:
    """metav1.MicroTime: RFC 3339 with microseconds."""
    if not data:
        return None
    fields = _scalars(data, kind)
    nanos = fields.get(2, 0)
    # Go's time.Unix carries nanoseconds outside a second into the seconds.
    seconds, nanos = divmod(_signed(fields.get(1, 0)) * 10**9
                            + (_convert(nanos, "int32") if isinstance(nanos, int) else 0),
                            10**9)
    return _stamp(seconds).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos // 1000:06d}Z"


def _stamp(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        # kube-apiserver v1.37.2 stores such a time and prints it with a year of five
        # digits or a sign (measured), which no JSON body can send back.
        what = "a protobuf time outside the years 1 to 9999"
        raise StatusError(f"verified-fakes: {what} is not modelled by the Kubernetes fake; "
                          "see docs/kubernetes.md#not-modelled-yet", status=501, reason="",
                          details={"causes": [{"reason": "NotModelled",
                                               "message": what}]}) from None


def _quantity(data: bytes, kind: str) -> str:
    text = _scalars(data, kind).get(1, b"")
    # An empty Quantity is zero.
    return text.decode("utf-8", errors="replace") if isinstance(text, bytes) and text \
        else "0"


def _int_or_string(data: bytes, kind: str) -> int | str:
    fields = _scalars(data, kind)
    if _signed(fields.get(1, 0)) == 1:
        text = fields.get(3, b"")
        return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else ""
    number = fields.get(2, 0)
    return _convert(number, "int32") if isinstance(number, int) else 0


def _embedded_json(data: bytes, kind: str) -> Any:
    """RawExtension and FieldsV1: field 1 holds the JSON itself."""
    raw = _scalars(data, kind).get(1, b"")
    if not isinstance(raw, bytes) or not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _Malformed(f"proto: {kind.rpartition('.')[2]}: raw is not JSON") from None


_SPECIAL = {"time": _time, "microtime": _micro_time, "quantity": _quantity,
            "intorstring": _int_or_string, "rawextension": _embedded_json,
            "fieldsv1": _embedded_json}
