"""Protobuf by hand, for the tests: the few wire forms a Kubernetes request body uses.

A field is its key (``number << 3 | wire type``) as a varint, then a varint value
(wire type 0) or a varint length and that many bytes (wire type 2)
(https://protobuf.dev/programming-guides/encoding/). A Kubernetes body is the magic
``k8s\\x00`` and a ``runtime.Unknown`` envelope (1: typeMeta {1: apiVersion, 2: kind},
2: raw) (https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding).
"""

from __future__ import annotations

__all__ = ["delimited", "envelope", "map_entry", "varint", "varint_field"]


def varint(value: int) -> bytes:
    """``value`` as a base-128 varint (a negative one as its 64-bit two's complement)."""
    out = bytearray()
    value &= (1 << 64) - 1
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def delimited(number: int, value: bytes | str) -> bytes:
    """Field ``number`` holding bytes, a string or an embedded message."""
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def varint_field(number: int, value: int) -> bytes:
    """Field ``number`` holding an integer or a bool."""
    return varint(number << 3) + varint(value)


def map_entry(number: int, key: str, value: bytes | str) -> bytes:
    """One entry of map field ``number``."""
    return delimited(number, delimited(1, key) + delimited(2, value))


def envelope(raw: bytes, api_version: str | None = "v1", kind: str = "ConfigMap") -> bytes:
    """A Kubernetes protobuf body around object bytes ``raw``; without ``api_version``
    the envelope has no typeMeta."""
    type_meta = b"" if api_version is None else delimited(
        1, delimited(1, api_version) + delimited(2, kind))
    return b"k8s\x00" + type_meta + delimited(2, raw)
