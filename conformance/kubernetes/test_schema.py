"""Built-in kinds decode into typed objects: a wrongly typed field is refused.

The apiserver decodes a request body into the kind's Go type; a value of the wrong JSON
type is the decoder's error (400), and a patch whose result does not decode is an
invalid patch (422). https://kubernetes.io/docs/reference/using-api/api-concepts/
#field-validation
"""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target, eventually

_POD = {"containers": [{"name": "a", "image": "registry.invalid/none:1"}]}
_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("configmaps", "ConfigMap", {"data": {"a": 1}},
     "number into Go struct field ConfigMap.data of type string"),
    ("configmaps", "ConfigMap", {"data": ["a"]},
     "array into Go struct field ConfigMap.data of type map[string]string"),
    ("configmaps", "ConfigMap", {"immutable": "yes"},
     "string into Go struct field ConfigMap.immutable of type bool"),
    ("configmaps", "ConfigMap", {"metadata": {"labels": "s"}},
     "string into Go struct field ObjectMeta.metadata.labels of type map[string]string"),
    ("secrets", "Secret", {"data": {"a": 1}},
     "number into Go struct field Secret.data of type []uint8"),
    ("pods", "Pod", {"spec": "s"}, "string into Go struct field Pod.spec of type v1.PodSpec"),
    ("pods", "Pod", {"spec": {"containers": {"a": 1}}},
     "object into Go struct field PodSpec.spec.containers of type []v1.Container"),
    ("pods", "Pod", {"spec": {"containers": [{"name": "a", "image": "b", "ports": [
        {"containerPort": "80"}]}]}},
     "string into Go struct field ContainerPort.spec.containers.ports.containerPort of "
     "type int32"),
]


@pytest.mark.parametrize(("plural", "kind", "body", "error"), _CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(_CASES)])
@behaviour("K8S-174", "a built-in object with a wrongly typed field is refused with 400: "
           "the Go JSON decoder's error, naming the struct field and its Go type",
           cite=API_CONCEPTS + "#field-validation and " + MEASURED)
def test_wrong_types(target: Target, plural: str, kind: str, body: dict[str, Any],
                     error: str) -> None:
    ns = target.namespace("schema-types")
    path = f"/api/v1/namespaces/{ns}/{plural}"
    sent = {"apiVersion": "v1", "kind": kind, **body}
    sent["metadata"] = {**body.get("metadata", {}), "name": "x"}
    status = failure(target, "POST", path, body=sent)
    assert (status["code"], status["reason"]) == (400, "BadRequest")
    assert status["message"] == (f'{kind} in version "v1" cannot be handled as a {kind}: '
                                 f"json: cannot unmarshal {error}")
    assert failure(target, "GET", f"{path}/x")["code"] == 404


@behaviour("K8S-175", "an update with a wrongly typed field is refused with the decoder's "
           "400; a merge patch whose result has one is an invalid patch (422) and changes "
           "nothing", cite=MEASURED)
def test_wrong_types_on_update_and_patch(target: Target) -> None:
    ns = target.namespace("schema-patch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("y", ns, finalizers=["example.com/a"])).json()
    update = failure(target, "PUT", f"{path}/y", body={**cm("y", ns), "data": {"a": 1}})
    assert update["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: '
                                 "json: cannot unmarshal number into Go struct field "
                                 "ConfigMap.data of type string")
    for patch, error in ((b'{"metadata":{"finalizers":{"a":1}}}',
                          "object into Go struct field ObjectMeta.metadata.finalizers of "
                          "type []string"),
                         (b'{"data":{"a":1}}',
                          "number into Go struct field ConfigMap.data of type string")):
        status = failure(target, "PATCH", f"{path}/y", raw=patch,
                         content_type="application/merge-patch+json")
        assert (status["code"], status["reason"]) == (422, "Invalid")
        assert status["message"].startswith(' "" is invalid: patch: Invalid value: "{')
        assert status["message"].endswith(f"}}\": json: cannot unmarshal {error}")
        [cause] = status["details"]["causes"]
        assert cause["field"] == "patch" and cause["reason"] == "FieldValueInvalid"
    stored = target.http("GET", f"{path}/y").json()
    assert stored["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]
    target.http("PATCH", f"{path}/y", raw=b'{"metadata":{"finalizers":null}}',
                content_type="application/merge-patch+json")


def _refused_but_not_forbidden(target: Target, path: str, body: Any) -> dict[str, Any]:
    status = failure(target, "POST", path, body=body)
    assert status["code"] != 403, status["message"]
    return status


def explained_fields(output: str) -> list[str]:
    """The ``name <type> [-required-]`` lines of ``kubectl explain``'s FIELDS."""
    return [" ".join(line.split()) for line in output.splitlines()
            if line.startswith("  ") and not line.startswith("   ") and "<" in line]


@behaviour("K8S-176", "kubectl explain shows a built-in kind's fields and types from the "
           "server's OpenAPI v3 document",
           cite="https://kubernetes.io/docs/reference/kubectl/generated/kubectl_explain/")
def test_explain_builtin(target: Target) -> None:
    shown = target.kubectl("explain", "configmap")
    assert shown.returncode == 0, shown.stderr
    assert "KIND:       ConfigMap" in shown.stdout
    assert explained_fields(shown.stdout) == [
        "apiVersion <string>", "binaryData <map[string]string>", "data <map[string]string>",
        "immutable <boolean>", "kind <string>", "metadata <ObjectMeta>"]
    ports = target.kubectl("explain", "pods.spec.containers.ports")
    assert ports.returncode == 0, ports.stderr
    assert explained_fields(ports.stdout) == [
        "containerPort <integer> -required-", "hostIP <string>", "hostPort <integer>",
        "name <string>", "protocol <string>"]


@behaviour("K8S-187", "a built-in object without a field its kind requires is 422 Invalid "
           "with a Required cause for it (a Pod without containers, a container without a "
           "name, a Deployment without a selector)", cite=MEASURED)
def test_required_fields(target: Target) -> None:
    ns = target.namespace("schema-required")
    pods = f"/api/v1/namespaces/{ns}/pods"
    for spec, field in (({}, "spec.containers"), ({"containers": [{"image": "a"}]},
                                                   "spec.containers[0].name")):
        body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": spec}
        # (a real server refuses Pods until the namespace's default ServiceAccount exists)
        status = eventually(lambda body=body: _refused_but_not_forbidden(target, pods, body))
        assert status["message"] == f'Pod "x" is invalid: {field}: Required value'
        assert status["details"] == {"name": "x", "kind": "Pod", "causes": [
            {"reason": "FieldValueRequired", "message": "Required value", "field": field}]}
    # The apiserver's own validation says more about a Deployment; the fake names the
    # required fields among it.
    deployment = failure(target, "POST", f"/apis/apps/v1/namespaces/{ns}/deployments",
                         body={"apiVersion": "apps/v1", "kind": "Deployment",
                               "metadata": {"name": "x"}, "spec": {}})
    assert (deployment["code"], deployment["reason"]) == (422, "Invalid")
    assert {"reason": "FieldValueRequired", "message": "Required value",
            "field": "spec.selector"} in deployment["details"]["causes"]
    assert failure(target, "GET", f"{pods}/x")["code"] == 404


@behaviour("K8S-189", "/openapi/v2 is one swagger 2.0 document with a definition per served "
           "kind, marked with its group/version/kind",
           cite="https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v2")
def test_openapi_v2(target: Target) -> None:
    document = target.http("GET", "/openapi/v2", headers={"Accept": "application/json"}).json()
    assert document["swagger"] == "2.0"
    marked = {(g["group"], g["version"], g["kind"])
              for definition in document["definitions"].values()
              for g in definition.get("x-kubernetes-group-version-kind", [])}
    assert {("", "v1", "ConfigMap"), ("apps", "v1", "Deployment"),
            ("apiextensions.k8s.io", "v1", "CustomResourceDefinition")} <= marked
    config_map = document["definitions"]["io.k8s.api.core.v1.ConfigMap"]
    assert set(config_map["properties"]) == {"apiVersion", "binaryData", "data", "immutable",
                                             "kind", "metadata"}
