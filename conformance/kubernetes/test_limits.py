"""Limits on what one request may carry."""

from __future__ import annotations

import json

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.targets import MEASURED, Target

#: kube-apiserver's default --max-request-body-bytes.
LIMIT = 3 * 1024 * 1024
PATCH_TYPES = ("application/merge-patch+json", "application/strategic-merge-patch+json",
               "application/json-patch+json")


@behaviour("K8S-260", "a patch body over 3 MiB is 413 RequestEntityTooLarge and changes "
                      "nothing, whatever the patch type", cite=MEASURED)
def test_patch_body_too_large(target: Target) -> None:
    ns = target.namespace("large-patch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body={**cm("a", ns), "data": {"k": "v"}}).json()
    value = "x" * (LIMIT + 10)
    for media_type in PATCH_TYPES:
        patch: object = {"data": {"k": value}}
        if media_type.startswith("application/json-patch"):
            patch = [{"op": "replace", "path": "/data/k", "value": value}]
        status = failure(target, "PATCH", f"{path}/a", raw=json.dumps(patch).encode(),
                         content_type=media_type)
        assert (status["code"], status["reason"], status["message"]) == (
            413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
    after = target.http("GET", f"{path}/a").json()
    assert after["data"] == {"k": "v"}
    assert after["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]


def _decode_error(field: str, json_type: str, struct: str, go_type: str) -> str:
    return (f"json: cannot unmarshal {json_type} into Go struct field {struct}.{field} "
            f"of type {go_type}")


@behaviour("K8S-261", "a value of the wrong JSON type is 400 BadRequest with Go's "
                      "decoding error, naming the struct, the field path and the Go type",
           cite=MEASURED)
def test_wrong_json_type_is_refused(target: Target) -> None:
    ns = target.namespace("decode")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    prefix = 'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
    cases = [
        ({"metadata": {"name": True}}, _decode_error("metadata.name", "bool", "ObjectMeta",
                                                     "string")),
        ({"metadata": {"generateName": ["a"]}},
         _decode_error("metadata.generateName", "array", "ObjectMeta", "string")),
        ({"metadata": {"name": "x", "labels": {"a": 1}}},
         _decode_error("metadata.labels", "number", "ObjectMeta", "string")),
        ({"metadata": {"name": "x", "labels": ["a"]}},
         _decode_error("metadata.labels", "array", "ObjectMeta", "map[string]string")),
        ({"metadata": {"name": "x", "finalizers": "a"}},
         _decode_error("metadata.finalizers", "string", "ObjectMeta", "[]string")),
        ({"metadata": {"name": "x", "ownerReferences": [1]}},
         _decode_error("metadata.ownerReferences", "number", "ObjectMeta",
                       "v1.OwnerReference")),
        ({"metadata": {"name": "x", "creationTimestamp": 5}},
         _decode_error("metadata.creationTimestamp", "number", "ObjectMeta", "string")),
        ({"metadata": {"name": "x"}, "data": [1]},
         _decode_error("data", "array", "ConfigMap", "map[string]string")),
        ({"metadata": 5}, _decode_error("metadata", "number", "ConfigMap", "v1.ObjectMeta")),
    ]
    for body, message in cases:
        status = failure(target, "POST", path, body=body)
        assert (status["code"], status["reason"], status["message"]) == (
            400, "BadRequest", prefix + message), body
    unrecognized = failure(target, "POST", path, body={"kind": 5, "metadata": {"name": "x"}})
    assert unrecognized["message"] == (
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get "
        "version/kind; json parse error: json: cannot unmarshal number into Go struct field "
        '.kind of type string ({"kind": 5, "metadata": {"name ...)')
    deployment = failure(target, "POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body={
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": 5}]}}}})
    assert deployment["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: ' + _decode_error(
            "spec.template.spec.containers.name", "number", "Container", "string"))
    # An integer field refuses a fraction; the width of the integer (int32 here) is
    # not in the fake's message (docs/kubernetes.md, divergences).
    fraction = failure(target, "POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body={
        "metadata": {"name": "d"}, "spec": {"replicas": 1.5}})
    assert fraction["message"].startswith(
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot '
        "unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int")
    target.http("POST", path, body={**cm("a", ns), "data": {"k": "v"}})
    replaced = failure(target, "PUT", f"{path}/a",
                       body={"metadata": {"name": "a"}, "data": {"k": 1}})
    assert replaced["message"] == prefix + _decode_error("data", "number", "ConfigMap",
                                                         "string")
    assert target.http("GET", f"{path}/a").json()["data"] == {"k": "v"}
    # Nothing refused was created (a real cluster's controllers may add their own
    # ConfigMaps to the namespace, so look by name).
    assert target.http("GET", f"{path}/x").status_code == 404
    assert target.http("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/d").status_code == 404


@behaviour("K8S-262", "a merge or JSON patch that leaves a value of the wrong JSON type is "
                      "422 Invalid with Go's decoding error and changes nothing",
           cite=MEASURED)
def test_patch_to_wrong_json_type_is_refused(target: Target) -> None:
    ns = target.namespace("decode-patch")
    path = f"/api/v1/namespaces/{ns}/configmaps/a"
    made = target.http("POST", f"/api/v1/namespaces/{ns}/configmaps",
                       body={**cm("a", ns), "data": {"k": "v"}}).json()
    message = _decode_error("metadata.labels", "number", "ObjectMeta", "string")
    patches = [
        ("application/merge-patch+json", {"metadata": {"labels": {"a": 1}}}),
        ("application/json-patch+json",
         [{"op": "add", "path": "/metadata/labels", "value": {"a": 1}}]),
    ]
    for media_type, patch in patches:
        status = failure(target, "PATCH", path, raw=json.dumps(patch).encode(),
                         content_type=media_type)
        assert (status["code"], status["reason"]) == (422, "Invalid")
        assert status["message"].startswith(' "" is invalid: patch: Invalid value: "')
        assert status["message"].endswith('": ' + message)
    strategic = failure(target, "PATCH", path, raw=b'{"metadata": {"labels": {"a": 1}}}',
                        content_type="application/strategic-merge-patch+json")
    assert (strategic["code"], strategic["reason"]) == (422, "Invalid")
    after = target.http("GET", path).json()
    assert after["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]
