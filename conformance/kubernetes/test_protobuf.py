"""Request bodies in Kubernetes protobuf and YAML: kubectl's imperative commands, and
the apiserver's answers to bodies it cannot read.

kubectl ``create`` sends ``application/vnd.kubernetes.protobuf``
(https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding): the
magic ``k8s\\x00`` and a ``runtime.Unknown`` envelope whose ``raw`` is the object's
protobuf encoding. The raw bodies here are made by hand with the field numbers of the
pinned ``generated.proto`` files.
"""

from __future__ import annotations

import base64
import json
import subprocess
from typing import Any

import yaml

from fakes.conformance.kubernetes import protowire as pb
from fakes.conformance.kubernetes._support import behaviour, failure
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target

PROTOBUF_ENCODING = API_CONCEPTS + "#protobuf-encoding"
ALTERNATE = API_CONCEPTS + "#alternate-representations-of-resources"
PB = "application/vnd.kubernetes.protobuf"
YAML = "application/yaml"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _get(target: Target, *args: str) -> Any:
    return json.loads(_ok(target.kubectl("get", *args, "-o", "json")))


def _made_names(target: Target, path: str) -> list[str]:
    """The names of the objects at ``path`` but the CA bundle a real cluster puts in
    every namespace."""
    items = target.http("GET", path).json()["items"]
    return [i["metadata"]["name"] for i in items if i["metadata"]["name"] != "kube-root-ca.crt"]


def _metadata(name: str) -> bytes:
    return pb.delimited(1, pb.delimited(1, name))


@behaviour("K8S-290", "kubectl create namespace, configmap --from-literal and secret "
           "generic --from-literal send protobuf; the objects read back as sent",
           cite=PROTOBUF_ENCODING)
def test_kubectl_create_basic_kinds(target: Target) -> None:
    name = target.cluster_name("pbns", "/api/v1/namespaces")
    assert f"namespace/{name} created" in _ok(target.kubectl("create", "namespace", name))
    assert _get(target, "namespace", name)["status"]["phase"] == "Active"
    ns = target.namespace("protobuf")
    _ok(target.kubectl("create", "configmap", "settings", "-n", ns,
                       "--from-literal=mode=fast", "--from-literal=level=3"))
    _ok(target.kubectl("create", "secret", "generic", "creds", "-n", ns,
                       "--from-literal=password=s3cr3t"))
    assert _get(target, "configmap", "settings", "-n", ns)["data"] == {"mode": "fast",
                                                                      "level": "3"}
    secret = _get(target, "secret", "creds", "-n", ns)
    assert secret["type"] == "Opaque"
    assert secret["data"] == {"password": base64.b64encode(b"s3cr3t").decode()}


@behaviour("K8S-291", "kubectl create deployment --replicas=0 keeps the zero it sent, "
           "create service clusterip and expose make Services", cite=PROTOBUF_ENCODING)
def test_kubectl_create_workloads(target: Target) -> None:
    ns = target.namespace("protobuf")
    _ok(target.kubectl("create", "deployment", "web", "-n", ns, "--image=nginx",
                       "--replicas=0"))
    deployment = _get(target, "deployment", "web", "-n", ns)
    assert deployment["spec"]["replicas"] == 0
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert (container["name"], container["image"]) == ("nginx", "nginx")
    _ok(target.kubectl("create", "service", "clusterip", "front", "-n", ns,
                       "--tcp=80:8080"))
    [port] = _get(target, "service", "front", "-n", ns)["spec"]["ports"]
    assert port == {"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}
    assert "service/websvc exposed" in _ok(target.kubectl(
        "expose", "deployment", "web", "-n", ns, "--port=80", "--target-port=http",
        "--name=websvc"))
    service = _get(target, "service", "websvc", "-n", ns)
    assert service["spec"]["selector"] == {"app": "web"}
    assert service["spec"]["ports"][0]["targetPort"] == "http"


@behaviour("K8S-292", "kubectl create serviceaccount, role, rolebinding, job, cronjob, "
           "poddisruptionbudget and ingress send protobuf; the objects read back as sent",
           cite=PROTOBUF_ENCODING)
def test_kubectl_create_more_kinds(target: Target) -> None:
    ns = target.namespace("protobuf")
    _ok(target.kubectl("create", "serviceaccount", "robot", "-n", ns))
    _ok(target.kubectl("create", "role", "reader", "-n", ns, "--verb=get,list",
                       "--resource=pods,configmaps"))
    _ok(target.kubectl("create", "rolebinding", "robot-reads", "-n", ns, "--role=reader",
                       f"--serviceaccount={ns}:robot"))
    _ok(target.kubectl("create", "job", "once", "-n", ns, "--image=busybox", "--",
                       "true"))
    assert _get(target, "serviceaccount", "robot", "-n", ns)["metadata"]["name"] == "robot"
    assert _get(target, "role", "reader", "-n", ns)["rules"] == [
        {"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": ["get", "list"]}]
    binding = _get(target, "rolebinding", "robot-reads", "-n", ns)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": "reader"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "robot",
                                    "namespace": ns}]
    job = _get(target, "job", "once", "-n", ns)
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["true"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    _ok(target.kubectl("create", "cronjob", "tick", "-n", ns, "--image=busybox",
                       "--schedule=*/5 * * * *"))
    _ok(target.kubectl("create", "pdb", "guard", "-n", ns, "--selector=app=web",
                       "--min-available=1"))
    _ok(target.kubectl("create", "ingress", "entry", "-n", ns,
                       "--rule=example.com/path=front:80"))
    cron = _get(target, "cronjob", "tick", "-n", ns)
    _ok(target.kubectl("delete", "cronjob", "tick", "-n", ns))  # no schedule left running
    assert cron["spec"]["schedule"] == "*/5 * * * *"
    assert cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] == \
        "OnFailure"
    pdb = _get(target, "pdb", "guard", "-n", ns)
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    [rule] = _get(target, "ingress", "entry", "-n", ns)["spec"]["rules"]
    assert rule == {"host": "example.com", "http": {"paths": [{
        "path": "/path", "pathType": "Exact",
        "backend": {"service": {"name": "front", "port": {"number": 80}}}}]}}


@behaviour("K8S-293", "a protobuf body whose envelope cannot be read is a 400 quoting the "
           "body's first bytes in hex; nothing is created", cite=MEASURED)
def test_unreadable_envelope(target: Target) -> None:
    ns = target.namespace("protobuf")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    unrecognized = "the object provided is unrecognized (must be of type ConfigMap): "
    cases = {
        b"": "empty data (<empty>)",
        b"garbage": "provided data does not appear to be a protobuf message, expected "
                    "prefix [107 56 115 0] (67617262616765)",
        b"k8s\x00": "empty body (6b387300)",
        b"k8s\x00garbage": "proto: illegal wireType 7 (6b38730067617262616765)",
        b"k8s\x00\x12\x7f" + b"x" * 40: "unexpected EOF (6b387300127f" + "78" * 24 + " ...)",
        b"k8s\x00\x0c": "proto: Unknown: wiretype end group for non-group (6b3873000c)",
        b"k8s\x00\x02": "proto: Unknown: illegal tag 0 (wire type 2) (6b38730002)",
        b"k8s\x00" + b"\xff" * 11: "proto: integer overflow (6b387300" + "ff" * 11 + ")",
        b"k8s\x00\x12" + pb.varint(1 << 63): "proto: negative length found during "
                                             "unmarshaling (6b38730012" + "80" * 9 + "01)",
        b"k8s\x00\x08\x01": "proto: wrong wireType = 0 for field TypeMeta (6b3873000801)",
        # Unknown fields (5) of every wire type are skipped, until the bytes run out.
        b"k8s\x00\x29" + b"\x00" * 8 + b"\x2d" + b"\x00" * 3:
            "unexpected EOF (6b38730029" + "00" * 8 + "2d000000)",
        b"k8s\x00\x2b": "unexpected EOF (6b3873002b)",
    }
    for body, message in cases.items():
        status = failure(target, "POST", path, raw=body, content_type=PB)
        assert (status["code"], status["reason"]) == (400, "BadRequest")
        assert status["message"] == unrecognized + message
    assert _made_names(target, path) == []


@behaviour("K8S-294", "a protobuf object that cannot be read, or of another kind, is a "
           "400 naming the kind sent; an envelope without typeMeta takes the URL's kind",
           cite=MEASURED)
def test_unreadable_object(target: Target) -> None:
    ns = target.namespace("protobuf")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    prefix = 'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
    cases = {
        pb.envelope(b"\x08\x01"): prefix + "proto: wrong wireType = 0 for field ObjectMeta",
        pb.envelope(b"\x0a\x05ab"): prefix + "unexpected EOF",
        pb.envelope(_metadata("x"), kind="Nope"): (
            'Nope in version "v1" cannot be handled as a ConfigMap: no kind "Nope" is '
            'registered for version "v1" in scheme "pkg/runtime/scheme.go:111"'),
    }
    for body, message in cases.items():
        status = failure(target, "POST", path, raw=body, content_type=PB)
        assert (status["code"], status["message"]) == (400, message)
    secret = failure(target, "POST", f"/api/v1/namespaces/{ns}/secrets",
                     raw=pb.envelope(_metadata("x")), content_type=PB)
    assert secret["message"] == ('ConfigMap in version "v1" cannot be handled as a Secret: '
                                 "converting (v1.ConfigMap) to (core.Secret): unknown "
                                 "conversion")
    assert _made_names(target, path) == []
    # A map entry whose key is not a string.
    status = failure(target, "POST", path, content_type=PB,
                     raw=pb.envelope(pb.delimited(2, pb.varint_field(1, 5))))
    assert (status["code"], status["message"].startswith(prefix)) == (400, True)
    made = target.http("POST", path, raw=pb.envelope(_metadata("bare"), None), content_type=PB)
    assert made.status_code == 201, made.text
    assert (made.json()["kind"], made.json()["metadata"]["name"]) == ("ConfigMap", "bare")


@behaviour("K8S-295", "protobuf fields decode to their JSON forms: bytes as base64, a "
           "pointer's false kept, IntOrString as a string, int32 and map entries",
           cite=PROTOBUF_ENCODING)
def test_typed_fields(target: Target) -> None:
    ns = target.namespace("protobuf")
    # ConfigMap: metadata 1 {name 1, labels 11}, data 2, binaryData 3, immutable 4.
    config_map = (pb.delimited(1, pb.delimited(1, "typed") + pb.map_entry(11, "tier", "web"))
                  + pb.map_entry(2, "mode", "fast") + pb.map_entry(3, "blob", b"\x00\xff")
                  + pb.delimited(2, pb.delimited(1, "unset"))  # an entry without a value
                  + pb.varint_field(4, 0))
    made = target.http("POST", f"/api/v1/namespaces/{ns}/configmaps",
                       raw=pb.envelope(config_map), content_type=PB)
    assert made.status_code == 201, made.text
    stored = target.http("GET", f"/api/v1/namespaces/{ns}/configmaps/typed").json()
    assert stored["metadata"]["labels"] == {"tier": "web"}
    assert stored["data"] == {"mode": "fast", "unset": ""}
    assert stored["binaryData"] == {"blob": base64.b64encode(b"\x00\xff").decode()}
    assert stored["immutable"] is False
    # Service: spec 2 {ports 1 [name 1, protocol 2, port 3, targetPort 4 {type 1,
    # strVal 3}], selector 2}.
    port = (pb.delimited(1, "web") + pb.delimited(2, "TCP") + pb.varint_field(3, 8080)
            + pb.delimited(4, pb.varint_field(1, 1) + pb.delimited(3, "http")))
    spec = pb.delimited(1, port) + pb.map_entry(2, "app", "web")
    service = _metadata("typed") + pb.delimited(2, spec)
    made = target.http("POST", f"/api/v1/namespaces/{ns}/services",
                       raw=pb.envelope(service, kind="Service"), content_type=PB)
    assert made.status_code == 201, made.text
    [stored_port] = made.json()["spec"]["ports"]
    assert stored_port == {"name": "web", "protocol": "TCP", "port": 8080,
                           "targetPort": "http"}
    assert made.json()["spec"]["selector"] == {"app": "web"}


@behaviour("K8S-296", "protobuf times, quantities and nested values decode to their JSON "
           "forms: Time and MicroTime as RFC 3339, a Quantity as a string, inlined structs, "
           "packed numbers, unknown fields skipped", cite=PROTOBUF_ENCODING)
def test_typed_values(target: Target) -> None:
    ns = target.namespace("protobuf")
    stamp = pb.varint_field(1, 1700000000) + pb.varint_field(2, 123456789)
    # Event: involvedObject 2 {kind 1, namespace 2, name 3}, reason 3, firstTimestamp 6,
    # count 8, type 9, eventTime 10, action 12, reportingComponent 14, reportingInstance 15.
    event = (_metadata("seen") + pb.delimited(2, pb.delimited(1, "Pod") + pb.delimited(2, ns)
                                              + pb.delimited(3, "p"))
             + pb.delimited(3, "Seen") + pb.delimited(6, stamp) + pb.varint_field(8, 2)
             + pb.delimited(9, "Normal") + pb.delimited(10, stamp) + pb.delimited(12, "Look")
             + pb.delimited(14, "pb") + pb.delimited(15, "pb-1"))
    made = target.http("POST", f"/api/v1/namespaces/{ns}/events",
                       raw=pb.envelope(event, kind="Event"), content_type=PB)
    assert made.status_code == 201, made.text
    stored = made.json()
    assert (stored["firstTimestamp"], stored["eventTime"]) == (
        "2023-11-14T22:13:20Z", "2023-11-14T22:13:20.123456Z")
    assert (stored["count"], stored["involvedObject"]) == (
        2, {"kind": "Pod", "namespace": ns, "name": "p"})
    # Lease spec 2 {holderIdentity 1, leaseDurationSeconds 2, acquireTime 3,
    # leaseTransitions 5 (a pointer: its zero is kept)}.
    lease = _metadata("lock") + pb.delimited(2, pb.delimited(1, "me") + pb.varint_field(2, 15)
                                              + pb.delimited(3, stamp) + pb.varint_field(5, 0))
    made = target.http("POST", f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
                       raw=pb.envelope(lease, "coordination.k8s.io/v1", "Lease"),
                       content_type=PB)
    assert made.status_code == 201, made.text
    assert made.json()["spec"] == {"holderIdentity": "me", "leaseDurationSeconds": 15,
                                   "acquireTime": "2023-11-14T22:13:20.123456Z",
                                   "leaseTransitions": 0}
    # Pod spec 2 {containers 2 [name 1, image 2, resources 8 {limits 1 map<string,
    # Quantity {string 1}>}, livenessProbe 10 {handler 1 (inlined) {tcpSocket 3 {port 1
    # IntOrString {intVal 2}}}}], securityContext 14 {supplementalGroups 4}}; a group
    # (field 20) and unknown fields (99, 98) are skipped.
    limits = (pb.map_entry(1, "cpu", pb.delimited(1, "500m"))
              + pb.map_entry(1, "memory", b""))
    probe = pb.delimited(1, pb.delimited(3, pb.delimited(1, pb.varint_field(2, 8080))))
    container = (pb.delimited(1, "app") + pb.delimited(2, "busybox")
                 + pb.delimited(8, limits) + pb.delimited(10, probe))
    groups = pb.delimited(4, pb.varint(1) + pb.varint(2)) + pb.varint_field(4, 3)
    pod = (_metadata("typed") + pb.delimited(2, pb.delimited(2, container)
                                             + pb.delimited(14, groups))
           + b"\xa3\x01\x08\x01\xa4\x01" + pb.delimited(99, "new") + pb.varint_field(98, 1))
    made = target.http("POST", f"/api/v1/namespaces/{ns}/pods",
                       raw=pb.envelope(pod, kind="Pod"), content_type=PB)
    assert made.status_code == 201, made.text
    [stored_container] = made.json()["spec"]["containers"]
    assert stored_container["resources"]["limits"] == {"cpu": "500m", "memory": "0"}
    assert stored_container["livenessProbe"]["tcpSocket"] == {"port": 8080}
    assert made.json()["spec"]["securityContext"] == {"supplementalGroups": [1, 2, 3]}


@behaviour("K8S-297", "PUT takes a protobuf body too; PATCH never does (415)",
           cite=MEASURED)
def test_protobuf_update_and_patch(target: Target) -> None:
    ns = target.namespace("protobuf")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    assert target.http("POST", path, raw=pb.envelope(_metadata("cfg")),
                       content_type=PB).status_code == 201
    version = target.http("GET", f"{path}/cfg").json()["metadata"]["resourceVersion"]
    updated = (pb.delimited(1, pb.delimited(1, "cfg") + pb.delimited(6, version))
               + pb.map_entry(2, "mode", "slow"))
    answer = target.http("PUT", f"{path}/cfg", raw=pb.envelope(updated), content_type=PB)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {"mode": "slow"}
    status = failure(target, "PATCH", f"{path}/cfg", raw=pb.envelope(updated),
                     content_type=PB)
    assert (status["code"], status["reason"], status["message"]) == (
        415, "UnsupportedMediaType", "415: Unsupported Media Type")


@behaviour("K8S-298", "a create or update body in a media type other than JSON, YAML or "
           "protobuf is a 415 listing the three; no Content-Type reads JSON",
           cite=ALTERNATE)
def test_unknown_body_media_type(target: Target) -> None:
    ns = target.namespace("protobuf")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "plain"}}).encode()
    for media in ("text/plain", "application/cbor", "application/merge-patch+json"):
        status = failure(target, "POST", path, raw=body, content_type=media)
        assert (status["code"], status["reason"]) == (415, "UnsupportedMediaType")
        assert status["message"] == (
            "the body of the request was in an unknown format - accepted media types "
            "include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
    assert _made_names(target, path) == []
    assert target.http("POST", path, raw=body, content_type="").status_code == 201


@behaviour("K8S-299", "create and update take YAML bodies; YAML that is not an object is "
           "a 400 quoting it in hex, an empty document is an empty object", cite=ALTERNATE)
def test_yaml_bodies(target: Target) -> None:
    ns = target.namespace("protobuf")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "yml"},
                "data": {"when": "2024-01-01", "on": "yes"}}
    made = target.http("POST", path, raw=yaml.safe_dump(manifest).encode(),
                       content_type=YAML)
    assert made.status_code == 201, made.text
    assert made.json()["data"] == {"when": "2024-01-01", "on": "yes"}
    manifest["metadata"] = made.json()["metadata"]
    manifest["data"] = {"mode": "slow"}
    replaced = target.http("PUT", f"{path}/yml", raw=yaml.safe_dump(manifest).encode(),
                           content_type=YAML + "; charset=utf-8")
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["data"] == {"mode": "slow"}
    listed = failure(target, "POST", path, raw=b"- 1", content_type=YAML)
    assert listed["message"] == (
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get "
        "version/kind; json parse error: json: cannot unmarshal array into Go value of "
        'type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string '
        '"json:\\"kind,omitempty\\"" } (2d2031)')
    broken = failure(target, "POST", path, raw=b"a: [", content_type=YAML)
    assert broken["code"] == 400
    assert broken["message"].startswith(
        "the object provided is unrecognized (must be of type ConfigMap): yaml: line 1: ")
    assert broken["message"].endswith(" (613a205b)")
    # YAML 1.1: a plain y is true.
    boolean = failure(target, "POST", path, raw=b"metadata: {name: y}", content_type=YAML)
    assert boolean["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "bool into Go struct field ObjectMeta.metadata.name of type string")
    empty = failure(target, "POST", path, raw=b"\n", content_type=YAML)
    assert (empty["code"], empty["reason"]) == (422, "Invalid")
    assert [cause["field"] for cause in empty["details"]["causes"]] == ["metadata.name"]
