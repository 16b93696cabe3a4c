"""The protobuf request-body decoder against kubectl's own bodies, and its edge cases.

tests/data/kubernetes-protobuf holds bodies kubectl v1.32 sent to kube-apiserver
v1.37.2 (``NAME.pb``, recorded by a proxy) and the JSON kubectl prints for the same
command with ``--dry-run=client -o json`` (``NAME.json``): the JSON encoding of the
same Go object, which decoding must give back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from fakes.conformance.kubernetes import protowire as pb
from fakes.kubernetes._bodies import body_media_type, decode_body, yaml_loader
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._protobuf import covers, decode
from fakes.kubernetes._resources import ResourceType, registry

DATA = Path(__file__).parent / "data" / "kubernetes-protobuf"
FIXTURES = sorted(path.stem for path in DATA.glob("*.pb"))


@pytest.mark.parametrize("name", FIXTURES)
def test_kubectl_bodies_decode_to_kubectls_json(name: str) -> None:
    expected = json.loads((DATA / f"{name}.json").read_text())
    raw = (DATA / f"{name}.pb").read_bytes()
    assert decode(raw, expected["apiVersion"], expected["kind"]) == expected


def test_fixtures_are_there() -> None:
    assert len(FIXTURES) >= 10


def _error(raw: bytes, api_version: str = "v1", kind: str = "ConfigMap") -> str:
    with pytest.raises(StatusError) as caught:
        decode(raw, api_version, kind)
    assert caught.value.status == 400
    return str(caught.value.message)


def _decoded(raw: bytes, api_version: str = "v1", kind: str = "ConfigMap") -> dict[str, Any]:
    return decode(pb.envelope(raw, api_version, kind), api_version, kind)


def _meta(*fields: bytes) -> bytes:
    return pb.delimited(1, b"".join(fields))


def test_time_micro_time_and_signed_integers() -> None:
    # Event: metadata 1 {name 1, deletionGracePeriodSeconds 10}, firstTimestamp 6 {seconds
    # 1, nanos 2}, count 8, eventTime 10.
    stamp = pb.varint_field(1, 1700000000) + pb.varint_field(2, 123456789)
    event = _decoded(
        _meta(pb.delimited(1, "e"), pb.varint_field(10, -5))
        + pb.delimited(6, stamp) + pb.delimited(7, b"") + pb.varint_field(8, -1)
        + pb.delimited(10, stamp), kind="Event")
    assert event["metadata"] == {"name": "e", "deletionGracePeriodSeconds": -5}
    assert event["firstTimestamp"] == "2023-11-14T22:13:20Z"  # the nanos are dropped
    assert event["lastTimestamp"] is None
    assert event["eventTime"] == "2023-11-14T22:13:20.123456Z"
    assert event["count"] == -1
    assert _decoded(pb.delimited(10, b""), kind="Event")["eventTime"] is None
    late = pb.varint_field(1, 1700000000) + pb.varint_field(2, -1000)
    assert _decoded(pb.delimited(10, late), kind="Event")["eventTime"] == \
        "2023-11-14T22:13:19.999999Z"


def test_a_time_python_cannot_hold_is_a_loud_501() -> None:
    lease = pb.delimited(2, pb.delimited(3, pb.varint_field(1, 1 << 40)))
    with pytest.raises(StatusError) as caught:
        _decoded(lease, "coordination.k8s.io/v1", "Lease")
    assert caught.value.status == 501
    assert "a protobuf time outside the years 1 to 9999 is not modelled" in \
        str(caught.value.message)


def test_quantities_int_or_string_and_inlined_structs() -> None:
    # Pod spec 2 {containers 2 [name 1, resources 8 {limits 1 map<string, Quantity>},
    # livenessProbe 10 {handler 1 inline {tcpSocket 3 {port 1 IntOrString}}}]}.
    quantity = pb.delimited(1, "500m")
    resources = pb.delimited(1, pb.delimited(1, "cpu") + pb.delimited(2, quantity)) \
        + pb.delimited(1, pb.delimited(1, "memory") + pb.delimited(2, b""))
    probe = pb.delimited(1, pb.delimited(3, pb.delimited(1, pb.varint_field(2, 8080))))
    container = pb.delimited(1, "app") + pb.delimited(8, resources) + pb.delimited(10, probe)
    pod = _decoded(pb.delimited(2, pb.delimited(2, container)), kind="Pod")
    [decoded] = pod["spec"]["containers"]
    assert decoded["resources"] == {"limits": {"cpu": "500m", "memory": "0"}}
    assert decoded["livenessProbe"] == {"tcpSocket": {"port": 8080}}


def test_packed_and_unpacked_repeated_numbers() -> None:
    # Pod spec 2 {securityContext 14 {supplementalGroups 4 repeated int64}}.
    packed = pb.delimited(4, pb.varint(1) + pb.varint(2))
    unpacked = pb.varint_field(4, 3)
    pod = _decoded(pb.delimited(2, pb.delimited(14, packed + unpacked)), kind="Pod")
    assert pod["spec"]["securityContext"] == {"supplementalGroups": [1, 2, 3]}


def test_managed_fields_raw_json_unknown_fields_and_map_entries_without_value() -> None:
    entry = (pb.delimited(1, "kubectl") + pb.delimited(7, pb.delimited(1, b'{"f:data":{}}'))
             + pb.delimited(4, b""))
    config_map = _decoded(_meta(pb.delimited(1, "cm"), pb.delimited(17, entry))
                          + pb.delimited(2, pb.delimited(1, "empty"))
                          + pb.delimited(99, "from a newer server")
                          + pb.varint_field(98, 1))
    assert config_map["metadata"]["managedFields"] == [
        {"manager": "kubectl", "fieldsV1": {"f:data": {}}, "time": None}]
    assert config_map["data"] == {"empty": ""}
    with pytest.raises(StatusError, match=r"raw is not JSON"):
        _decoded(_meta(pb.delimited(17, pb.delimited(7, pb.delimited(1, b"{")))))


def test_a_later_plain_zero_drops_an_earlier_value() -> None:
    # A plain string sent twice: the last wins, and "" is Go's zero, left out.
    assert "name" not in _decoded(_meta(pb.delimited(1, "a"), pb.delimited(1, "")))["metadata"]


def test_envelope_errors() -> None:
    prefix = "the object provided is unrecognized (must be of type ConfigMap): "
    assert _error(b"") == prefix + "empty data (<empty>)"
    assert _error(b"k8s\x00") == prefix + "empty body (6b387300)"
    assert _error(b"k8s\x00\x0c") == prefix + "proto: Unknown: wiretype end group for " \
        "non-group (6b3873000c)"
    assert _error(b"k8s\x00\x02") == prefix + "proto: Unknown: illegal tag 0 (wire type 2) " \
        "(6b38730002)"
    assert _error(b"k8s\x00\x08\x01") == prefix + "proto: wrong wireType = 0 for field " \
        "TypeMeta (6b3873000801)"
    assert _error(b"k8s\x00" + b"\xff" * 11) == prefix + "proto: integer overflow " \
        "(6b387300" + "ff" * 11 + ")"
    length = pb.varint(1 << 63)
    assert _error(b"k8s\x00\x12" + length).startswith(
        prefix + "proto: negative length found during unmarshaling (")
    # Unknown fields 5 of wire types 1 and 5 are skipped, until the bytes run out.
    assert _error(b"k8s\x00\x29" + b"\x00" * 8 + b"\x2d" + b"\x00" * 3) == prefix + \
        "unexpected EOF (6b38730029" + "00" * 8 + "2d000000)"
    assert _error(b"k8s\x00\x2b") == prefix + "unexpected EOF (6b3873002b)"
    assert _error(b"k8s\x00\x2f") == prefix + "proto: illegal wireType 7 (6b3873002f)"


def test_object_errors() -> None:
    prefix = 'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
    assert _error(pb.envelope(pb.delimited(2, pb.varint_field(1, 5)))).startswith(prefix)
    assert _error(pb.envelope(b"", "apps/v1", "Deployment")) == (
        'Deployment in version "v1" cannot be handled as a ConfigMap: converting '
        "(v1.Deployment) to (core.ConfigMap): unknown conversion")
    assert _error(pb.envelope(b"", "v1", "ConfigMap"), "apps/v1", "Deployment") == (
        'ConfigMap in version "v1" cannot be handled as a Deployment: converting '
        "(v1.ConfigMap) to (apps.Deployment): unknown conversion")


def test_what_the_descriptor_covers() -> None:
    assert covers("v1", "ConfigMap") and covers("autoscaling/v1", "Scale")
    assert not covers("example.com/v1", "Widget")


def _rt(api_version: str, kind: str) -> ResourceType:
    rt = registry().by_kind(api_version, kind)
    assert rt is not None
    return rt


def test_body_media_types() -> None:
    assert body_media_type(None) == "application/json"
    assert body_media_type("application/json; charset=utf-8") == "application/json"
    assert body_media_type("Application/YAML") == "application/yaml"
    with pytest.raises(StatusError) as caught:
        body_media_type("application/cbor")
    assert caught.value.status == 415


def test_scale_bodies_are_autoscaling_v1() -> None:
    deployments = _rt("apps/v1", "Deployment")
    scale = pb.envelope(pb.delimited(2, pb.varint_field(1, 3)), "autoscaling/v1", "Scale")
    decoded = decode_body("application/vnd.kubernetes.protobuf", scale, deployments, "Scale")
    assert decoded == {"apiVersion": "autoscaling/v1", "kind": "Scale", "spec": {"replicas": 3}}


def test_a_kind_without_a_descriptor_is_a_loud_415() -> None:
    widgets = attrs.evolve(_rt("v1", "ConfigMap"), group="example.com", kind="Widget")
    with pytest.raises(StatusError) as caught:
        decode_body("application/vnd.kubernetes.protobuf", b"k8s\x00", widgets, "Widget")
    assert caught.value.status == 415
    assert "verified-fakes: a protobuf body for example.com/v1 Widget is not modelled" in \
        str(caught.value.message)


def test_yaml_reads_as_go_yaml_v2() -> None:
    import yaml

    loaded = yaml.load("a: y\nb: N\nc: 2024-01-01\nd: yes\n", Loader=yaml_loader())
    assert loaded == {"a": True, "b": False, "c": "2024-01-01", "d": True}
    config_maps = _rt("v1", "ConfigMap")
    assert decode_body("application/yaml", b"1: x\n", config_maps, "ConfigMap") == {"1": "x"}
    assert decode_body("application/yaml", b"", config_maps, "ConfigMap") == {}
    with pytest.raises(StatusError, match=r"cannot unmarshal string into Go value"):
        decode_body("application/yaml", b"text", config_maps, "ConfigMap")
