#!/usr/bin/env python3
"""Generate src/fakes/kubernetes/protobuf.json: how to read the Kubernetes protobuf
encoding of the registry's built-in kinds.

    python scripts/generate-kubernetes-protobuf.py [GOMODCACHE]

Reads (never ships) the pinned API modules in the Go module cache (default
``~/go/pkg/mod``): ``k8s.io/api@VERSION`` and ``k8s.io/apimachinery@VERSION``
(Apache-2.0, The Kubernetes Authors). Two sources are joined on the field number:

- ``generated.proto`` (proto2): each message's fields, their numbers, wire types,
  ``repeated`` and ``map<,>``, and the messages they refer to;
- the Go types beside it (``types.go`` and friends): each field's JSON name (the
  protobuf tag's ``name=`` is the Go encoding's name, and an embedded struct is
  inlined into its parent's JSON), whether it is a pointer (a zero value sent is kept)
  and whether its JSON tag says ``omitempty`` (a zero value of a plain field is
  dropped, as Go's JSON encoding of the same struct would drop it).

Only the messages reachable from the kinds in resources.json (and ``autoscaling/v1``
Scale, the scale subresource's body, and the two reviews ``kubectl auth can-i`` sends)
are written. The well-known types with their own
JSON forms are marked with ``as``: ``time`` and ``microtime`` (seconds → RFC 3339),
``quantity`` and ``intorstring``, ``rawextension`` and ``fieldsv1``
(raw bytes holding JSON). The script stops when a kind reaches a type the decoder
does not read (a Go slice type wrapped in a message, Duration, floating point).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "src" / "fakes" / "kubernetes"
VERSION = "v0.37.2"
EXTRA_ROOTS = {
    "autoscaling/v1 Scale": "k8s.io.api.autoscaling.v1.Scale",
    # The review APIs kubectl auth can-i sends (create-only, not in the registry).
    "authorization.k8s.io/v1 SelfSubjectAccessReview":
        "k8s.io.api.authorization.v1.SelfSubjectAccessReview",
    "authorization.k8s.io/v1 SelfSubjectRulesReview":
        "k8s.io.api.authorization.v1.SelfSubjectRulesReview",
}
SPECIAL = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "microtime",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "quantity",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "intorstring",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "rawextension",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "fieldsv1",
}
SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double",
           "float", "sint32", "sint64", "fixed32", "fixed64"}
#: The scalars src/fakes/kubernetes/_protobuf.py reads.
DECODED = {"string", "bytes", "bool", "int32", "int64"}

_FIELD = re.compile(r"^\s*(optional|repeated)\s+(\S+)\s+(\w+)\s*=\s*(\d+)\s*;")
_MAP = re.compile(r"^\s*map\s*<\s*(\w+)\s*,\s*(\S+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;")
_GO_STRUCT = re.compile(r"^type (\w+) struct \{")
_GO_SLICE = re.compile(r"^type (\w+) \[\](\S+)")
_GO_FIELD = re.compile(r"^\t(?:(\w+)\s+)?(\S+)\s+`([^`]*)`")


def parse_proto(path: Path) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """(package, {message name: [field]}) of one generated.proto; nested messages
    do not occur in these files."""
    package = ""
    messages: dict[str, list[dict[str, Any]]] = {}
    current: list[dict[str, Any]] | None = None
    for line in path.read_text().splitlines():
        line = line.split("//")[0]
        if match := re.match(r"^package\s+([\w.]+)\s*;", line):
            package = match.group(1)
        elif match := re.match(r"^message\s+(\w+)\s*\{", line):
            current = messages.setdefault(match.group(1), [])
        elif line.startswith("}"):
            current = None
        elif current is not None and (match := _MAP.match(line)):
            key, value, name, number = match.groups()
            current.append({"name": name, "number": int(number), "type": "map",
                            "key": key, "value": value})
        elif current is not None and (match := _FIELD.match(line)):
            label, kind, name, number = match.groups()
            current.append({"name": name, "number": int(number), "type": kind,
                            "repeated": label == "repeated"})
    return package, messages


def parse_go(directory: Path) -> tuple[dict[str, dict[int, dict[str, Any]]], set[str]]:
    """({struct: {field number: go facts}}, names of slice types) of one package."""
    structs: dict[str, dict[int, dict[str, Any]]] = {}
    slices: set[str] = set()
    for path in sorted(directory.glob("*.go")):
        if path.name.endswith("_test.go") or path.name.startswith("zz_generated"):
            continue
        current: dict[int, dict[str, Any]] | None = None
        for line in path.read_text().splitlines():
            if match := _GO_STRUCT.match(line):
                current = structs.setdefault(match.group(1), {})
            elif match := _GO_SLICE.match(line):
                slices.add(match.group(1))
            elif line.startswith("}"):
                current = None
            elif current is not None and (match := _GO_FIELD.match(line)):
                name, go_type, tags = match.groups()
                proto = re.search(r'protobuf:"[^,]+,(\d+),', tags)
                if proto is None:
                    continue
                json_tag = re.search(r'json:"([^"]*)"', tags)
                json_parts = (json_tag.group(1) if json_tag else "").split(",")
                current[int(proto.group(1))] = {
                    "go": name or go_type.lstrip("*").split(".")[-1],
                    "json": json_parts[0],
                    # An embedded struct without a JSON name is inlined into its parent.
                    "inline": (name is None and not json_parts[0]) or "inline" in json_parts,
                    "pointer": go_type.startswith("*"),
                    "omitempty": "omitempty" in json_parts,
                }
    return structs, slices


def resolve(kind: str, package: str) -> str:
    if kind in SCALARS:
        return kind
    if kind.startswith("."):
        return kind[1:]
    return f"{package}.{kind}"


def main() -> None:
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.home() / "go" / "pkg" / "mod"
    modules = [cache / "k8s.io" / f"api@{VERSION}", cache / "k8s.io" / f"apimachinery@{VERSION}"]
    messages: dict[str, dict[str, Any]] = {}
    for module in modules:
        for proto in sorted(module.rglob("generated.proto")):
            package, parsed = parse_proto(proto)
            structs, slices = parse_go(proto.parent)
            for name, proto_fields in parsed.items():
                messages[f"{package}.{name}"] = {
                    "package": package, "fields": proto_fields,
                    "go": structs.get(name, {}), "slice": name in slices}
    resources = json.loads((ROOT / "resources.json").read_text())
    # "<apiVersion> <kind>" -> message, for the kinds whose Go types are in k8s.io/api.
    roots = {f"{'/'.join(filter(None, (r['group'], r['version'])))} {r['kind']}":
             r["definition"].replace("io.k8s.", "k8s.io.", 1)
             for r in resources["resources"] if r["definition"].startswith("io.k8s.api.")}
    roots.update(EXTRA_ROOTS)
    out: dict[str, Any] = {}
    pending = list(roots.values())
    while pending:
        name = pending.pop()
        if name in out:
            continue
        message = messages[name]
        if name.endswith(".Duration"):
            raise SystemExit(f"{name} is reachable: teach _protobuf.py Go's duration form")
        if name in SPECIAL:
            out[name] = {"as": SPECIAL[name]}
            continue
        entry: dict[str, Any] = {}
        if message["slice"]:
            raise SystemExit(f"{name} wraps a Go slice: teach _protobuf.py its items")
        fields: dict[str, Any] = {}
        for field in message["fields"]:
            go = message["go"].get(field["number"])
            if go is None:
                raise SystemExit(f"no Go field for {name} field {field['number']}")
            described: dict[str, Any] = {"n": go["json"] or field["name"]}
            # The Go field name, which gogo's errors print, when it is not the
            # JSON name capitalised.
            if go["go"] != described["n"][:1].upper() + described["n"][1:]:
                described["g"] = go["go"]
            if field["type"] == "map":
                described["t"] = "map"
                described["k"] = resolve(field["key"], message["package"])
                described["v"] = resolve(field["value"], message["package"])
                if described["v"] not in SCALARS:
                    pending.append(described["v"])
            else:
                described["t"] = resolve(field["type"], message["package"])
                if described["t"] not in SCALARS:
                    pending.append(described["t"])
                if field["repeated"]:
                    described["r"] = 1
            if go.get("inline"):
                described["i"] = 1
            # A zero value on the wire means "set to zero" only for a pointer; a plain
            # field is always sent, and its zero is dropped when JSON would omit it.
            if not go.get("pointer") and go.get("omitempty", True):
                described["o"] = 1
            fields[str(field["number"])] = described
        unread = {f.get(key) for f in fields.values() for key in "tkv"} & (SCALARS - DECODED)
        if unread:
            raise SystemExit(f"{name} has fields of {unread}: teach _protobuf.py them")
        entry["fields"] = fields
        out[name] = entry
    document = {
        "source": ("generated.proto and the Go types of k8s.io/api and "
                   f"k8s.io/apimachinery {VERSION}, Apache-2.0, Copyright The Kubernetes "
                   "Authors; trimmed by scripts/generate-kubernetes-protobuf.py."),
        "roots": dict(sorted(roots.items())),
        "messages": dict(sorted(out.items())),
    }
    (ROOT / "protobuf.json").write_text(json.dumps(document, separators=(",", ":")) + "\n")
    print(f"wrote {len(out)} messages", file=sys.stderr)


if __name__ == "__main__":
    main()
