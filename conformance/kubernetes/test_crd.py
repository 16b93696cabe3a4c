"""CustomResourceDefinitions and the custom resources they serve.

https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
Every test makes its own definitions in an API group named for the run.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.targets import CRD_PATH, MEASURED, Target, eventually

CRD_DOCS = ("https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/"
            "custom-resource-definitions/")
MERGE = "application/merge-patch+json"

_SPEC_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["size"], "properties": {
        "size": {"type": "integer", "minimum": 1, "maximum": 10},
        "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
        "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "ratio": {"type": "number"}, "on": {"type": "boolean"},
    }}
_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "spec": _SPEC_SCHEMA,
    "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}}


def _definition(target: Target, group: str, *, plural: str = "widgets", kind: str = "Widget",
                scope: str = "Namespaced", schema: dict[str, Any] | None = None,
                status: bool = True) -> dict[str, Any]:
    version: dict[str, Any] = {
        "name": "v1", "served": True, "storage": True,
        "schema": {"openAPIV3Schema": copy.deepcopy(schema or _SCHEMA)},
        "additionalPrinterColumns": [{"name": "Size", "type": "integer",
                                      "jsonPath": ".spec.size"}]}
    if status:
        version["subresources"] = {"status": {}}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}", "labels": target.run_labels()},
            "spec": {"group": group, "scope": scope,
                     "names": {"plural": plural, "kind": kind, "shortNames": ["wg"]},
                     "versions": [version]}}


def _established(target: Target, name: str) -> dict[str, Any]:
    def check() -> dict[str, Any]:
        crd: dict[str, Any] = target.http("GET", f"{CRD_PATH}/{name}").json()
        conditions = {c["type"]: c for c in crd["status"].get("conditions") or []}
        assert conditions.get("Established", {}).get("status") == "True", crd["status"]
        return crd
    return eventually(check)


def _served(target: Target, hint: str, **kwargs: Any) -> tuple[str, str]:
    """A new established definition; its group and the collection path of a namespace."""
    group = target.api_group(hint, kwargs.get("plural", "widgets"))
    body = _definition(target, group, **kwargs)
    made = target.http("POST", CRD_PATH, body=body)
    assert made.status_code == 201, made.text
    _established(target, body["metadata"]["name"])
    plural = kwargs.get("plural", "widgets")
    if kwargs.get("scope", "Namespaced") == "Cluster":
        return group, f"/apis/{group}/v1/{plural}"
    ns = target.namespace(hint)
    # Discovery of a new group can lag its establishment a little on a real server.
    eventually(lambda: _assert_status(target.http("GET", f"/apis/{group}/v1/namespaces/{ns}/"
                                                         f"{plural}"), 200))
    return group, f"/apis/{group}/v1/namespaces/{ns}/{plural}"


def _assert_status(response: Any, code: int) -> None:
    assert response.status_code == code, response.text


def _widget(group: str, name: str, /, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": name},
            "spec": spec}


@behaviour("K8S-160", "a new CustomResourceDefinition is stored with defaults and an empty "
           "status, then the apiserver accepts its names and establishes it",
           cite=CRD_DOCS + "#create-a-customresourcedefinition and " + MEASURED)
def test_definition_is_established(target: Target) -> None:
    group = target.api_group("crd-est", "widgets")
    made = target.http("POST", CRD_PATH, body=_definition(target, group))
    assert made.status_code == 201, made.text
    crd = made.json()
    assert crd["spec"]["names"] == {"plural": "widgets", "singular": "widget",
                                    "shortNames": ["wg"], "kind": "Widget",
                                    "listKind": "WidgetList"}
    assert crd["spec"]["conversion"] == {"strategy": "None"}
    assert crd["metadata"]["generation"] == 1
    assert crd["status"] == {"conditions": None, "acceptedNames": {"plural": "", "kind": ""},
                             "storedVersions": ["v1"]}
    status = _established(target, f"widgets.{group}")["status"]
    conditions = {c["type"]: {k: v for k, v in c.items() if k != "lastTransitionTime"}
                  for c in status["conditions"]}
    assert conditions == {
        "NamesAccepted": {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                          "message": "no conflicts found"},
        "Established": {"type": "Established", "status": "True",
                        "reason": "InitialNamesAccepted",
                        "message": "the initial names have been accepted"}}
    assert status["acceptedNames"] == crd["spec"]["names"]


@behaviour("K8S-161", "an established definition's group and version are in discovery, "
           "with the resource's names, verbs and status subresource",
           cite=CRD_DOCS + "#create-a-customresourcedefinition and " + MEASURED)
def test_definition_in_discovery(target: Target) -> None:
    group, _ = _served(target, "crd-disc")
    listed = eventually(lambda: _group_in(target.http("GET", "/apis").json(), group))
    assert listed == {"name": group, "versions": [{"groupVersion": f"{group}/v1",
                                                   "version": "v1"}],
                      "preferredVersion": {"groupVersion": f"{group}/v1", "version": "v1"}}
    assert target.http("GET", f"/apis/{group}").json()["preferredVersion"]["version"] == "v1"
    resources = target.http("GET", f"/apis/{group}/v1").json()["resources"]
    shown = [{k: v for k, v in r.items() if k != "storageVersionHash"} for r in resources]
    assert shown == [
        {"name": "widgets", "singularName": "widget", "namespaced": True, "kind": "Widget",
         "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update",
                   "watch"], "shortNames": ["wg"]},
        {"name": "widgets/status", "singularName": "", "namespaced": True, "kind": "Widget",
         "verbs": ["get", "patch", "update"]}]


def _group_in(groups: dict[str, Any], name: str) -> dict[str, Any]:
    found = [g for g in groups["groups"] if g["name"] == name]
    assert found, name
    return found[0]


@behaviour("K8S-162", "custom resources are created, read, listed, updated (with a "
           "resourceVersion only) and deleted; generation counts spec changes",
           cite=CRD_DOCS + "#create-custom-objects and " + MEASURED)
def test_custom_resource_lifecycle(target: Target) -> None:
    group, path = _served(target, "crd-life")
    made = target.http("POST", path, body=_widget(group, "a", size=3))
    assert made.status_code == 201, made.text
    obj = made.json()
    assert (obj["kind"], obj["apiVersion"], obj["metadata"]["generation"]) == (
        "Widget", f"{group}/v1", 1)
    assert target.http("GET", f"{path}/a").json()["spec"] == {"size": 3, "color": "red"}
    listed = target.http("GET", path).json()
    assert listed["kind"] == "WidgetList" and listed["apiVersion"] == f"{group}/v1"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["a"]
    unconditional = failure(target, "PUT", f"{path}/a", body=_widget(group, "a", size=4))
    assert unconditional["message"] == (
        f'widgets.{group} "a" is invalid: metadata.resourceVersion: Invalid value: 0: '
        "must be specified for an update")
    obj["spec"]["size"] = 4
    updated = target.http("PUT", f"{path}/a", body=obj).json()
    assert (updated["spec"]["size"], updated["metadata"]["generation"]) == (4, 2)
    missing = failure(target, "PUT", f"{path}/zz", body=_widget(group, "zz", size=1))
    assert missing["code"] == 404
    deleted = target.http("DELETE", f"{path}/a").json()
    assert deleted["kind"] == "Status" and deleted["status"] == "Success"
    assert deleted["details"] == {"name": "a", "group": group, "kind": "widgets",
                                  "uid": obj["metadata"]["uid"]}
    assert failure(target, "GET", f"{path}/a")["message"] == f'widgets.{group} "a" not found'


@behaviour("K8S-163", "fields a custom resource's schema does not specify are pruned, with a "
           "warning, or refused under fieldValidation=Strict; x-kubernetes-preserve-unknown-"
           "fields keeps them; nulls of non-nullable fields are dropped",
           cite=CRD_DOCS + "#field-pruning and " + MEASURED)
def test_pruning(target: Target) -> None:
    group, path = _served(target, "crd-prune")
    body = _widget(group, "a", size=3, extra=1, free={"x": {"y": 1}}, name=None)
    body["top"] = 1
    made = target.http("POST", path, body=body)
    assert made.status_code == 201, made.text
    assert made.json()["spec"] == {"size": 3, "color": "red", "free": {"x": {"y": 1}}}
    assert "top" not in made.json()
    assert made.headers["Warning"] == ('299 - "unknown field \\"spec.extra\\"", '
                                       '299 - "unknown field \\"top\\""')
    body["metadata"]["name"] = "b"
    strict = failure(target, "POST", path + "?fieldValidation=Strict", body=body)
    assert (strict["code"], strict["reason"]) == (400, "BadRequest")
    assert strict["message"] == ('Widget in version "v1" cannot be handled as a Widget: strict '
                                 'decoding error: unknown field "spec.extra", unknown field '
                                 '"top"')


@behaviour("K8S-164", "a custom resource's missing fields get their schema defaults",
           cite=CRD_DOCS + "#defaulting")
def test_defaulting(target: Target) -> None:
    group, path = _served(target, "crd-default")
    made = target.http("POST", path, body=_widget(group, "a", size=2)).json()
    assert made["spec"]["color"] == "red"
    kept = target.http("POST", path, body=_widget(group, "b", size=2, color="blue")).json()
    assert kept["spec"]["color"] == "blue"


_CASES: list[tuple[dict[str, Any], Any, str, str]] = [
    ({"type": "integer"}, "x", "FieldValueTypeInvalid",
     'Invalid value: "string": spec.v in body must be of type integer: "string"'),
    ({"type": "number"}, True, "FieldValueTypeInvalid",
     'Invalid value: "boolean": spec.v in body must be of type number: "boolean"'),
    ({"type": "string"}, {"a": 1}, "FieldValueTypeInvalid",
     'Invalid value: "object": spec.v in body must be of type string: "object"'),
    ({"type": "string", "enum": ["a", "b"]}, "c", "FieldValueNotSupported",
     'Unsupported value: "c": supported values: "a", "b"'),
    ({"type": "string", "maxLength": 2, "pattern": "^[a-z]+$"}, "ABC", "FieldValueTooLong",
     "Too long: may not be more than 2 bytes"),
    ({"type": "string", "minLength": 2}, "x", "FieldValueInvalid",
     'Invalid value: "x": spec.v in body should be at least 2 chars long'),
    ({"type": "string", "pattern": "^[a-z]+$"}, "AB", "FieldValueInvalid",
     "Invalid value: \"AB\": spec.v in body should match '^[a-z]+$'"),
    ({"type": "string", "format": "date-time"}, "nope", "FieldValueTypeInvalid",
     'Invalid value: "nope": spec.v in body must be of type date-time: "nope"'),
    ({"type": "integer", "maximum": 10}, 30, "FieldValueInvalid",
     "Invalid value: 30: spec.v in body should be less than or equal to 10"),
    ({"type": "integer", "maximum": 5, "exclusiveMaximum": True}, 5, "FieldValueInvalid",
     "Invalid value: 5: spec.v in body should be less than 5"),
    ({"type": "integer", "minimum": 1}, 0, "FieldValueInvalid",
     "Invalid value: 0: spec.v in body should be greater than or equal to 1"),
    ({"type": "integer", "minimum": 1, "exclusiveMinimum": True}, 1, "FieldValueInvalid",
     "Invalid value: 1: spec.v in body should be greater than 1"),
    ({"type": "number", "multipleOf": 2}, 3, "FieldValueInvalid",
     "Invalid value: 3: spec.v in body should be a multiple of 2"),
    ({"type": "array", "items": {"type": "string"}, "maxItems": 1}, ["a", "b"],
     "FieldValueTooMany", "Too many: 2: must have at most 1 item"),
    ({"type": "array", "items": {"type": "string"}, "minItems": 1}, [], "FieldValueInvalid",
     "Invalid value: 0: spec.v in body should have at least 1 items"),
    ({"type": "object", "maxProperties": 2, "x-kubernetes-preserve-unknown-fields": True},
     {"a": 1, "b": 2, "c": 3}, "FieldValueTooMany", "Too many: 3: must have at most 2 items"),
    ({"x-kubernetes-int-or-string": True}, 1.5, "FieldValueTypeInvalid",
     'Invalid value: "number": spec.v in body must be of type integer,string: "number"'),
]


@behaviour("K8S-165", "a custom resource that breaks its schema is refused with 422 Invalid "
           "and one cause per broken rule, worded as the apiserver words them",
           cite=CRD_DOCS + "#validation and " + MEASURED)
def test_schema_validation(target: Target) -> None:
    properties = {f"v{i}": schema for i, (schema, *_rest) in enumerate(_CASES)}
    properties["items"] = {"type": "array", "x-kubernetes-list-type": "set",
                           "items": {"type": "string"}}
    properties["objects"] = {"type": "array", "items": {
        "type": "object", "required": ["k"], "properties": {"k": {"type": "integer"}}}}
    properties["counts"] = {"type": "object", "additionalProperties": {"type": "integer"}}
    properties["ports"] = {"type": "array", "x-kubernetes-list-type": "map",
                           "x-kubernetes-list-map-keys": ["name", "port"], "items": {
                               "type": "object", "required": ["name"], "properties": {
                                   "name": {"type": "string"},
                                   "port": {"type": "integer", "default": 80}}}}
    schema = {"type": "object", "properties": {"spec": {
        "type": "object", "properties": properties}}}
    group, path = _served(target, "crd-valid", schema=schema, status=False)
    for index, (_, value, reason, message) in enumerate(_CASES):
        status = failure(target, "POST", path, body=_widget(group, "a", **{f"v{index}": value}))
        field = f"spec.v{index}"
        expected = message.replace("spec.v ", f"{field} ")
        assert status["message"] == f'Widget.{group} "a" is invalid: {field}: {expected}'
        assert status["details"] == {"name": "a", "group": group, "kind": "Widget", "causes": [
            {"reason": reason, "message": expected, "field": field}]}
    status = failure(target, "POST", path, body=_widget(
        group, "a", items=["a", "a"], objects=[{"k": "s"}, {}], counts={"x": "y"},
        ports=[{"name": "a"}, {"name": "b", "port": 80}, {"name": "b"}]))
    causes = sorted(status["details"]["causes"], key=lambda c: c["field"])
    assert causes == [
        {"reason": "FieldValueTypeInvalid", "field": "spec.counts.x", "message":
         'Invalid value: "string": spec.counts.x in body must be of type integer: "string"'},
        {"reason": "FieldValueDuplicate", "message": 'Duplicate value: "a"',
         "field": "spec.items[1]"},
        {"reason": "FieldValueTypeInvalid", "field": "spec.objects[0].k", "message":
         'Invalid value: "string": spec.objects[0].k in body must be of type integer: '
         '"string"'},
        {"reason": "FieldValueRequired", "message": "Required value",
         "field": "spec.objects[1].k"},
        {"reason": "FieldValueDuplicate", "message": 'Duplicate value: {"name":"b","port":80}',
         "field": "spec.ports[2]"}]
    assert target.http("GET", path).json()["items"] == []


@behaviour("K8S-166", "a required field of a custom resource is required: 422 naming it",
           cite=CRD_DOCS + "#validation and " + MEASURED)
def test_required(target: Target) -> None:
    group, path = _served(target, "crd-required")
    status = failure(target, "POST", path, body=_widget(group, "e"))
    assert status["message"] == f'Widget.{group} "e" is invalid: spec.size: Required value'
    assert status["details"]["causes"] == [{"reason": "FieldValueRequired",
                                            "message": "Required value", "field": "spec.size"}]
    no_spec = target.http("POST", path, body={k: v for k, v in _widget(group, "f").items()
                                              if k != "spec"})
    assert no_spec.status_code == 201, no_spec.text


@behaviour("K8S-167", "with the status subresource declared, status is written only through "
           "/status (dropped on create, kept on update), and /status writes only status; "
           "its errors are worded relative to status",
           cite=CRD_DOCS + "#status-subresource and " + MEASURED)
def test_status_subresource(target: Target) -> None:
    group, path = _served(target, "crd-status")
    body = _widget(group, "a", size=3)
    body["status"] = {"ready": True}
    made = target.http("POST", path, body=body).json()
    assert "status" not in made
    patched = target.http("PATCH", f"{path}/a", raw=b'{"spec":{"size":4},"status":{"ready":1}}',
                          content_type=MERGE).json()
    assert "status" not in patched and patched["spec"]["size"] == 4
    status = target.http("PATCH", f"{path}/a/status", content_type=MERGE,
                         raw=b'{"spec":{"size":5},"status":{"ready":true}}').json()
    assert (status["spec"]["size"], status["status"]) == (4, {"ready": True})
    assert status["metadata"]["generation"] == 2
    wrong = failure(target, "PATCH", f"{path}/a/status", content_type=MERGE,
                    raw=b'{"status":{"ready":"no"}}')
    assert wrong["message"] == (f'Widget.{group} "a" is invalid: status.ready: Invalid value: '
                                '"string": ready in body must be of type boolean: "string"')
    assert wrong["details"]["causes"][0]["field"] == "status.ready"
    assert failure(target, "GET", f"{path}/a/scale")["code"] == 404


@behaviour("K8S-168", "custom resources take JSON merge and JSON patches, validated as "
           "writes; a strategic merge patch is refused with 415",
           cite=CRD_DOCS + "#advanced-topics and " + MEASURED)
def test_patches(target: Target) -> None:
    group, path = _served(target, "crd-patch")
    target.http("POST", path, body=_widget(group, "a", size=3))
    strategic = failure(target, "PATCH", f"{path}/a", raw=b'{"spec":{"size":4}}',
                        content_type="application/strategic-merge-patch+json")
    assert strategic == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "the body of the request was in an unknown format - accepted media types "
                   "include: application/json-patch+json, application/merge-patch+json, "
                   "application/apply-patch+yaml",
        "reason": "UnsupportedMediaType", "code": 415}
    merged = target.http("PATCH", f"{path}/a", raw=b'{"spec":{"tags":["x"]}}',
                         content_type=MERGE).json()
    assert merged["spec"]["tags"] == ["x"]
    op = [{"op": "replace", "path": "/spec/size", "value": 5}]
    patched = target.http("PATCH", f"{path}/a", raw=json.dumps(op).encode(),
                          content_type="application/json-patch+json").json()
    assert patched["spec"]["size"] == 5
    wrong = failure(target, "PATCH", f"{path}/a", raw=b'{"spec":{"size":40}}', content_type=MERGE)
    assert wrong["message"] == (f'Widget.{group} "a" is invalid: spec.size: Invalid value: 40: '
                                "spec.size in body should be less than or equal to 10")
    assert target.http("GET", f"{path}/a").json()["spec"]["size"] == 5


@behaviour("K8S-169", "an invalid definition is refused with 422: its name must be "
           "<plural>.<group>, every version needs a schema, and the schema must be "
           "structural (every specified field has a type)",
           cite=CRD_DOCS + "#specifying-a-structural-schema and " + MEASURED)
def test_invalid_definitions(target: Target) -> None:
    group = target.api_group("crd-bad", "gadgets")
    body = _definition(target, group, plural="gadgets", kind="Gadget")
    body["metadata"]["name"] = f"bad.{group}"
    wrong_name = failure(target, "POST", CRD_PATH, body=body)
    assert wrong_name["message"] == (
        f'CustomResourceDefinition.apiextensions.k8s.io "bad.{group}" is invalid: '
        f'metadata.name: Invalid value: "bad.{group}": must be spec.names.plural+"."+'
        "spec.group")
    body["metadata"]["name"] = f"gadgets.{group}"
    untyped = copy.deepcopy(body)
    untyped["spec"]["versions"][0]["schema"] = {"openAPIV3Schema": {
        "type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}}}
    status = failure(target, "POST", CRD_PATH, body=untyped)
    assert status["details"]["causes"] == [{
        "reason": "FieldValueRequired",
        "message": "Required value: must not be empty for specified object fields",
        "field": "spec.validation.openAPIV3Schema.properties[spec].type"}]
    del body["spec"]["versions"][0]["schema"]
    status = failure(target, "POST", CRD_PATH, body=body)
    assert status["message"] == (
        f'CustomResourceDefinition.apiextensions.k8s.io "gadgets.{group}" is invalid: '
        "spec.versions[0].schema.openAPIV3Schema: Required value")
    assert failure(target, "GET", f"{CRD_PATH}/gadgets.{group}")["code"] == 404


@behaviour("K8S-170", "deleting a definition puts the customresourcecleanup finalizer on it; "
           "its objects are deleted, then it, and its group is no longer served",
           cite=CRD_DOCS + "#delete-a-customresourcedefinition and " + MEASURED)
def test_delete_definition(target: Target) -> None:
    group, path = _served(target, "crd-delete")
    target.http("POST", path, body=_widget(group, "a", size=1))
    answer = target.http("DELETE", f"{CRD_PATH}/widgets.{group}")
    assert answer.status_code == 200, answer.text
    meta = answer.json()["metadata"]
    assert meta["finalizers"] == ["customresourcecleanup.apiextensions.k8s.io"]
    assert meta["deletionTimestamp"] and meta["generation"] == 1

    def gone() -> None:
        assert target.http("GET", f"{CRD_PATH}/widgets.{group}").status_code == 404
        response = target.http("GET", path)
        assert (response.status_code, response.text) == (404, "404 page not found\n")
        assert all(g["name"] != group for g in target.http("GET", "/apis").json()["groups"])
    eventually(gone)


@behaviour("K8S-171", "a cluster-scoped custom resource lives outside namespaces and is "
           "watched like any other resource",
           cite=CRD_DOCS + "#create-a-customresourcedefinition")
def test_cluster_scoped_and_watch(target: Target) -> None:
    group, path = _served(target, "crd-cluster", plural="things", kind="Widget",
                          scope="Cluster")
    made = target.http("POST", path, body=_widget(group, "a", size=1)).json()
    assert "namespace" not in made["metadata"]
    version = made["metadata"]["resourceVersion"]
    target.http("PATCH", f"{path}/a", raw=b'{"spec":{"size":2}}', content_type=MERGE)
    watched = target.http("GET", f"{path}?watch=1&resourceVersion={version}&timeoutSeconds=1")
    events = [json.loads(line) for line in watched.text.splitlines()]
    assert [(e["type"], e["object"]["spec"]["size"]) for e in events] == [("MODIFIED", 2)]


@behaviour("K8S-172", "a definition with a CEL rule the target cannot evaluate "
           "(messageExpression, the Kubernetes CEL libraries) or a pattern it cannot take "
           "(RE2 only) is refused loudly: 501 naming it",
           cite="verified-fakes docs/kubernetes.md#not-modelled-yet")
def test_cel_rules_refused(target: Target) -> None:
    target.require("full_cel", False)
    group = target.api_group("crd-cel", "widgets")
    schema = copy.deepcopy(_SCHEMA)
    schema["properties"]["spec"]["x-kubernetes-validations"] = [
        {"rule": "self.size > 2", "messageExpression": "'too small: ' + string(self.size)"}]
    status = failure(target, "POST", CRD_PATH, body=_definition(target, group, schema=schema))
    assert status["code"] == 501 and "self.size > 2" in status["message"]
    assert failure(target, "GET", f"{CRD_PATH}/widgets.{group}")["code"] == 404
    tags = schema["properties"]["spec"]["properties"]["tags"]
    for rules, where in (([{"rule": "self.size >"}], schema["properties"]["spec"]),
                         ([{"rule": "self == oldSelf"}], tags["items"])):
        where["x-kubernetes-validations"] = rules
        if where is not schema["properties"]["spec"]:
            schema["properties"]["spec"].pop("x-kubernetes-validations")
        status = failure(target, "POST", CRD_PATH, body=_definition(target, group,
                                                                    schema=schema))
        assert status["code"] == 501 and rules[0]["rule"] in status["message"]
    tags["items"].pop("x-kubernetes-validations")
    schema["properties"]["spec"]["properties"]["name"]["pattern"] = "^a\\z"
    status = failure(target, "POST", CRD_PATH, body=_definition(target, group, schema=schema))
    assert status["code"] == 501 and "pattern" in status["message"]
    schema["properties"]["spec"]["properties"]["name"]["pattern"] = "^[a-z]+$"
    # A rule that uses a function of Kubernetes' CEL libraries is refused when it runs.
    tags["items"]["x-kubernetes-validations"] = [{"rule": "isURL(self)"}]
    group, path = _served(target, "crd-cel-lib", schema=schema)
    status = failure(target, "POST", path, body=_widget(group, "a", size=3, tags=["x"]))
    assert status["code"] == 501 and "isURL(self)" in status["message"]


@behaviour("K8S-173", "a definition serves each served version of its resources; objects are "
           "stored at the storage version and shown at the version asked for (conversion "
           "None rewrites apiVersion); discovery prefers the highest-priority version",
           cite=CRD_DOCS.replace("custom-resource-definitions/",
                                 "custom-resource-definition-versioning/")
           + "#specify-multiple-versions and " + MEASURED)
def test_versions(target: Target) -> None:
    group = target.api_group("crd-versions", "widgets")
    body = _definition(target, group)
    stored = body["spec"]["versions"][0]
    body["spec"]["versions"] = [{**copy.deepcopy(stored), "name": "v1beta1", "storage": False},
                                stored]
    made = target.http("POST", CRD_PATH, body=body)
    assert made.status_code == 201, made.text
    assert made.json()["status"]["storedVersions"] == ["v1"]
    _established(target, f"widgets.{group}")
    ns = target.namespace("crd-versions")
    beta = f"/apis/{group}/v1beta1/namespaces/{ns}/widgets"
    eventually(lambda: _assert_status(target.http("GET", beta), 200))
    widget = _widget(group, "a", size=1)
    widget["apiVersion"] = f"{group}/v1beta1"
    created = target.http("POST", beta, body=widget)
    assert created.json()["apiVersion"] == f"{group}/v1beta1", created.text
    ga = target.http("GET", f"/apis/{group}/v1/namespaces/{ns}/widgets/a").json()
    assert ga["apiVersion"] == f"{group}/v1"
    listed = target.http("GET", beta).json()
    assert listed["apiVersion"] == f"{group}/v1beta1"
    assert target.http("GET", f"/apis/{group}").json()["versions"] == [
        {"groupVersion": f"{group}/v1", "version": "v1"},
        {"groupVersion": f"{group}/v1beta1", "version": "v1beta1"}]
    assert target.http("GET", f"/apis/{group}").json()["preferredVersion"]["version"] == "v1"


@behaviour("K8S-177", "an established definition's schema is in the OpenAPI v3 document of "
           "its group/version, and kubectl explain shows its fields",
           cite=CRD_DOCS + "#publish-validation-schema-in-openapi")
def test_explain_custom(target: Target) -> None:
    from fakes.conformance.kubernetes.test_schema import explained_fields

    group, _ = _served(target, "crd-explain")
    document = eventually(lambda: _document(target, group))
    name = ".".join([*reversed(group.split(".")), "v1", "Widget"])
    schema = document["components"]["schemas"][name]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": group, "version": "v1", "kind": "Widget"}]
    assert schema["properties"]["spec"]["properties"]["size"]["maximum"] == 10
    shown = target.kubectl("explain", f"widgets.{group}.spec")
    assert shown.returncode == 0, shown.stderr
    assert explained_fields(shown.stdout) == [
        "color <string>", "free <Object>", "name <string>", "on <boolean>",
        "ratio <number>", "size <integer> -required-", "tags <[]string>"]


def _document(target: Target, group: str) -> dict[str, Any]:
    response = target.http("GET", f"/openapi/v3/apis/{group}/v1")
    assert response.status_code == 200, response.status_code
    found: dict[str, Any] = response.json()
    return found


@behaviour("K8S-178", "with subresources.scale declared, /scale shows an autoscaling/v1 "
           "Scale of the object's replicas paths, and a write to it changes the spec's "
           "replicas, validated by the object's schema",
           cite=CRD_DOCS + "#scale-subresource and " + MEASURED)
def test_scale_subresource(target: Target) -> None:
    schema = {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"replicas": {"type": "integer",
                                                               "maximum": 5}}},
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"},
                                                    "selector": {"type": "string"}}}}}
    group = target.api_group("crd-scale", "scalers")
    body = _definition(target, group, plural="scalers", kind="Scaler", schema=schema)
    body["spec"]["versions"][0]["subresources"]["scale"] = {
        "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
        "labelSelectorPath": ".status.selector"}
    assert target.http("POST", CRD_PATH, body=body).status_code == 201
    _established(target, f"scalers.{group}")
    ns = target.namespace("crd-scale")
    path = f"/apis/{group}/v1/namespaces/{ns}/scalers"
    eventually(lambda: _assert_status(target.http("GET", path), 200))
    made = target.http("POST", path, body={**_widget(group, "a", replicas=1),
                                           "kind": "Scaler"}).json()
    scale = target.http("GET", f"{path}/a/scale").json()
    assert scale == {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {
        k: made["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                         "creationTimestamp")},
        "spec": {"replicas": 1}, "status": {"replicas": 0}}
    target.http("PATCH", f"{path}/a/status", content_type=MERGE,
                raw=b'{"status":{"replicas":1,"selector":"app=x"}}')
    patched = target.http("PATCH", f"{path}/a/scale", raw=b'{"spec":{"replicas":3}}',
                          content_type=MERGE).json()
    assert (patched["spec"], patched["status"]) == ({"replicas": 3},
                                                    {"replicas": 1, "selector": "app=x"})
    too_many = failure(target, "PATCH", f"{path}/a/scale", raw=b'{"spec":{"replicas":9}}',
                       content_type=MERGE)
    assert too_many["message"] == (f'Scaler.{group} "a" is invalid: spec.replicas: Invalid '
                                   "value: 9: spec.replicas in body should be less than or "
                                   "equal to 5")
    op = [{"op": "replace", "path": "/spec/replicas", "value": 4}]
    by_op = target.http("PATCH", f"{path}/a/scale", raw=json.dumps(op).encode(),
                        content_type="application/json-patch+json").json()
    assert by_op["spec"] == {"replicas": 4}
    put = target.http("PUT", f"{path}/a/scale", body={
        "apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "a"},
        "spec": {"replicas": 2}}).json()
    assert put["spec"] == {"replicas": 2}
    obj = target.http("GET", f"{path}/a").json()
    assert (obj["spec"]["replicas"], obj["metadata"]["generation"]) == (2, 4)
    resources = target.http("GET", f"/apis/{group}/v1").json()["resources"]
    assert resources[2] == {"name": "scalers/scale", "singularName": "", "namespaced": True,
                            "group": "autoscaling", "version": "v1", "kind": "Scale",
                            "verbs": ["get", "patch", "update"]}


@behaviour("K8S-179", "x-kubernetes-validations rules are evaluated on writes of custom "
           "resources: a false rule is a 422 cause with its message (or 'failed rule: "
           "<rule>'), a missing field 'no such key', and a transition rule (oldSelf) is "
           "checked on updates only",
           cite=CRD_DOCS + "#validation-rules and " + MEASURED)
def test_cel_rules(target: Target) -> None:
    spec = {"type": "object", "x-kubernetes-validations": [
        {"rule": "self.size > 2", "message": "too small"},
        {"rule": "self.size >= oldSelf.size"},
        {"rule": "!has(self.name) || self.name.startsWith('a')"}],
        "properties": {
            "size": {"type": "integer"},
            "name": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self.size() < 4"}]},
            "tags": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self != 'bad'", "message": "no bad"}]}}}}
    schema = {"type": "object", "properties": {"spec": spec}}
    group, path = _served(target, "crd-rules", schema=schema, status=False)
    status = failure(target, "POST", path, body=_widget(group, "a", size=1, name="bcdef",
                                                        tags=["ok", "bad"]))
    # one node's rules come in their order; the nodes in no fixed order
    causes = sorted(status["details"]["causes"], key=lambda c: c["field"])
    assert causes == [
        {"reason": "FieldValueInvalid", "message": "Invalid value: too small", "field": "spec"},
        {"reason": "FieldValueInvalid", "message": "Invalid value: failed rule: !has(self.name)"
         " || self.name.startsWith('a')", "field": "spec"},
        {"reason": "FieldValueInvalid", "message": 'Invalid value: "bcdef": failed rule: '
         "self.size() < 4", "field": "spec.name"},
        {"reason": "FieldValueInvalid", "message": 'Invalid value: "bad": no bad',
         "field": "spec.tags[1]"}]
    missing = failure(target, "POST", path, body=_widget(group, "b"))
    assert missing["message"] == (f'Widget.{group} "b" is invalid: spec: Invalid value: '
                                  '"object": no such key: size evaluating rule: too small')
    made = target.http("POST", path, body=_widget(group, "a", size=5))
    assert made.status_code == 201, made.text
    shrunk = failure(target, "PATCH", f"{path}/a", raw=b'{"spec":{"size":3}}', content_type=MERGE)
    assert shrunk["message"] == (f'Widget.{group} "a" is invalid: spec: Invalid value: failed '
                                 "rule: self.size >= oldSelf.size")
    grown = target.http("PATCH", f"{path}/a", raw=b'{"spec":{"size":6}}', content_type=MERGE)
    assert grown.status_code == 200, grown.text


@behaviour("K8S-180", "a custom resource must name its kind and the apiVersion of the path "
           "it is sent to: 400 without a kind or with another apiVersion, 422 with another "
           "kind", cite=MEASURED)
def test_kind_and_api_version(target: Target) -> None:
    group, path = _served(target, "crd-kind")
    raw = b'{"metadata":{"name":"k4"},"spec":{"size":1}}'
    no_kind = failure(target, "POST", path, raw=raw)
    assert no_kind["message"] == (
        "the object provided is unrecognized (must be of type Widget): Object 'Kind' is "
        """missing in '{"metadata":{"name":"k4"},"spec":{"size":1}}' """
        """({"metadata":{"name":"k4"},"spe ...)""")
    for api_version in (f"{group}/v2", "other.example.com/v1", None):
        body = {k: v for k, v in _widget(group, "k", size=1).items() if k != "apiVersion"}
        if api_version is not None:
            body["apiVersion"] = api_version
        status = failure(target, "POST", path, body=body)
        assert status["message"] == (f"the API version in the data ({api_version or ''}) does "
                                     f"not match the expected API version ({group}/v1)")
    other = failure(target, "POST", path, body={**_widget(group, "k1", size=1),
                                                "kind": "Gadget"})
    assert (other["code"], other["message"]) == (
        422, f'Gadget.{group} "k1" is invalid: kind: Invalid value: "Gadget": must be Widget')
    assert target.http("GET", path).json()["items"] == []


@behaviour("K8S-181", "a definition being deleted waits for its objects' finalizers: it is "
           "Terminating (InstanceDeletionInProgress) and refuses new objects with 403",
           cite=CRD_DOCS + "#delete-a-customresourcedefinition and " + MEASURED)
def test_terminating_definition(target: Target) -> None:
    group, path = _served(target, "crd-term")
    held = _widget(group, "held", size=1)
    held["metadata"]["finalizers"] = ["example.com/hold"]
    target.http("POST", path, body=held)
    target.http("DELETE", f"{CRD_PATH}/widgets.{group}")

    def terminating() -> dict[str, Any]:
        crd: dict[str, Any] = target.http("GET", f"{CRD_PATH}/widgets.{group}").json()
        found = [c for c in crd["status"]["conditions"] if c["type"] == "Terminating"]
        # (a real server says InstanceDeletionPending for a moment first)
        assert found and found[0]["reason"] == "InstanceDeletionInProgress", crd["status"]
        return found[0]
    condition = eventually(terminating)
    assert (condition["status"], condition["reason"], condition["message"]) == (
        "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress")
    refused = failure(target, "POST", path, body=_widget(group, "new", size=1))
    assert (refused["code"], refused["reason"], refused["message"]) == (
        403, "Forbidden", f'widgets.{group} "new" is forbidden: create not allowed while '
        "custom resource definition is terminating")
    assert refused["details"] == {"name": "new", "group": group, "kind": "widgets"}
    assert target.http("GET", f"{path}/held").json()["metadata"]["deletionTimestamp"]
    target.http("PATCH", f"{path}/held", raw=b'{"metadata":{"finalizers":null}}',
                content_type=MERGE)
    eventually(lambda: _assert_status(target.http("GET", f"{CRD_PATH}/widgets.{group}"), 404),
               timeout=60)


@behaviour("K8S-182", "an update of a definition that moves the storage version adds it to "
           "status.storedVersions; stored objects are served at the new version, which "
           "discovery now prefers", cite=CRD_DOCS.replace(
               "custom-resource-definitions/", "custom-resource-definition-versioning/")
           + "#writing-reading-and-updating-versioned-customresourcedefinition-objects and "
           + MEASURED)
def test_storage_version_moves(target: Target) -> None:
    group, path = _served(target, "crd-storage")
    target.http("POST", path, body=_widget(group, "a", size=1))
    crd = target.http("GET", f"{CRD_PATH}/widgets.{group}").json()
    old = crd["spec"]["versions"][0]
    new = {**copy.deepcopy(old), "name": "v2"}
    old["storage"] = False
    crd["spec"]["versions"] = [old, new]
    updated = target.http("PUT", f"{CRD_PATH}/widgets.{group}", body=crd)
    assert updated.status_code == 200, updated.text
    assert updated.json()["status"]["storedVersions"] == ["v1", "v2"]
    assert updated.json()["metadata"]["generation"] == 2
    v2 = path.replace("/v1/", "/v2/")
    eventually(lambda: _assert_status(target.http("GET", f"{v2}/a"), 200))
    assert target.http("GET", f"{v2}/a").json()["apiVersion"] == f"{group}/v2"
    assert target.http("GET", f"/apis/{group}").json()["preferredVersion"]["version"] == "v2"


_VERSION_NULLS = ('"Deprecated":false,"DeprecationWarning":null,"Schema":null,'
                  '"Subresources":null,"AdditionalPrinterColumns":null,"SelectableFields":null')
_DNS1035 = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
            "start with an alphabetic character, and end with an alphanumeric character "
            "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
            "'[a-z]([-a-z0-9]*[a-z0-9])?')")


@behaviour("K8S-183", "a definition's group needs a dot, its scope is Cluster or Namespaced, "
           "its names a kind, its versions DNS-1035 names and exactly one storage version, "
           "and a schema of type object at the root: 422 with the apiserver's causes",
           cite=CRD_DOCS + "#create-a-customresourcedefinition and " + MEASURED)
def test_definition_rules(target: Target) -> None:
    group = target.api_group("crd-rules", "widgets")

    def refused(change: Any) -> list[tuple[str, str, str]]:
        body = _definition(target, group)
        change(body)
        status = failure(target, "POST", CRD_PATH, body=body)
        assert status["code"] == 422
        return [(c["field"], c["reason"], c["message"]) for c in status["details"]["causes"]]

    def set_group(body: dict[str, Any]) -> None:
        body["spec"]["group"] = "nodot"
        body["metadata"]["name"] = "widgets.nodot"
    assert refused(set_group) == [("spec.group", "FieldValueInvalid",
                                   'Invalid value: "nodot": should be a domain with at '
                                   "least one dot")]
    assert refused(lambda b: b["spec"].update(scope="Global")) == [
        ("spec.scope", "FieldValueNotSupported",
         'Unsupported value: "Global": supported values: "Cluster", "Namespaced"')]
    assert refused(lambda b: b["spec"]["names"].pop("kind")) == [
        ("spec.names.singular", "FieldValueRequired", "Required value"),
        ("spec.names.kind", "FieldValueRequired", "Required value"),
        ("spec.names.listKind", "FieldValueRequired", "Required value")]
    assert refused(lambda b: b["spec"]["versions"][0].update(name="V1")) == [
        ("spec.versions[0].name", "FieldValueInvalid", f'Invalid value: "V1": {_DNS1035}'),
        ("spec.version", "FieldValueInvalid", f'Invalid value: "V1": {_DNS1035}')]
    assert refused(lambda b: b["spec"]["versions"][0].update(storage=False)) == [
        ("spec.versions", "FieldValueInvalid",
         f'Invalid value: [{{"Name":"v1","Served":true,"Storage":false,{_VERSION_NULLS}}}]: '
         "must have exactly one version marked as storage version"),
        ("status.storedVersions", "FieldValueInvalid",
         "Invalid value: null: must have at least one stored version")]

    def two_storage(body: dict[str, Any]) -> None:
        versions = body["spec"]["versions"]
        versions.append({**copy.deepcopy(versions[0]), "name": "v2"})
    assert refused(two_storage) == [
        ("spec.versions", "FieldValueInvalid",
         f'Invalid value: [{{"Name":"v1","Served":true,"Storage":true,{_VERSION_NULLS}}},'
         f'{{"Name":"v2","Served":true,"Storage":true,{_VERSION_NULLS}}}]: must have exactly '
         "one version marked as storage version"),
        ("status.storedVersions", "FieldValueInvalid",
         'Invalid value: ["v1"]: must have the storage version v2')]
    root = "spec.validation.openAPIV3Schema.type"
    assert refused(lambda b: b["spec"]["versions"][0]["schema"]["openAPIV3Schema"].update(
        type="string")) == [
        (root, "FieldValueInvalid", 'Invalid value: "string": only "object" is allowed as the '
         "type at the root of the schema if the status subresource is enabled"),
        (root, "FieldValueInvalid", 'Invalid value: "string": must be object at the root')]
    assert failure(target, "GET", f"{CRD_PATH}/widgets.{group}")["code"] == 404


@behaviour("K8S-184", "a definition whose names another definition of its group has "
           "accepted is not established: NamesAccepted False naming the conflict, the "
           "other names accepted, and its resource not served",
           cite=CRD_DOCS + "#create-a-customresourcedefinition and " + MEASURED)
def test_name_conflicts(target: Target) -> None:
    group, _ = _served(target, "crd-names")
    cases = [("gadgets", {"plural": "gadgets", "kind": "Widget"}, "ListKindConflict",
              '"WidgetList" is already in use', {"plural": "gadgets", "kind": ""}),
             ("things", {"plural": "things", "kind": "Thing", "shortNames": ["wg"]},
              "ShortNamesConflict", '"wg" is already in use',
              {"plural": "things", "singular": "thing", "kind": "Thing",
               "listKind": "ThingList"}),
             ("widget", {"plural": "widget", "kind": "Wodget"}, "PluralConflict",
              '"widget" is already in use',
              {"plural": "", "singular": "wodget", "kind": "Wodget",
               "listKind": "WodgetList"})]
    for plural, names, reason, message, accepted in cases:
        body = _definition(target, group, plural=plural)
        body["spec"]["names"] = names
        target.definition_name(plural, group)
        assert target.http("POST", CRD_PATH, body=body).status_code == 201

        def named(plural: str = plural) -> dict[str, Any]:
            crd: dict[str, Any] = target.http("GET", f"{CRD_PATH}/{plural}.{group}").json()
            assert crd["status"].get("conditions"), crd["status"]
            return crd
        status = eventually(named)["status"]
        conditions = {c["type"]: (c["status"], c["reason"], c["message"])
                      for c in status["conditions"]}
        assert conditions == {"NamesAccepted": ("False", reason, message),
                              "Established": ("False", "NotAccepted",
                                              "not all names are accepted")}
        assert status["acceptedNames"] == accepted
    listed = target.http("GET", f"/apis/{group}/v1").json()["resources"]
    assert [r["name"] for r in listed] == ["widgets", "widgets/status"]


@behaviour("K8S-185", "kubectl applies a definition, waits for it to be established, applies "
           "custom resources of it (again, as a merge patch), gets and deletes them",
           cite="https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/"
                "custom-resource-definitions/#create-custom-objects")
def test_kubectl_and_custom_resources(target: Target) -> None:
    import yaml

    group = target.api_group("crd-kubectl", "widgets")
    ns = target.namespace("crd-kubectl")
    definition = yaml.safe_dump(_definition(target, group))
    applied = target.kubectl("apply", "-f", "-", stdin=definition)
    assert applied.returncode == 0, applied.stderr
    waited = target.kubectl("wait", "--for", "condition=established", "--timeout", "30s",
                            f"crd/widgets.{group}")
    assert waited.returncode == 0, waited.stderr
    widget = _widget(group, "a", size=2)
    widget["metadata"]["namespace"] = ns

    def apply_widget() -> None:
        done = target.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(widget))
        assert done.returncode == 0, done.stderr
    eventually(apply_widget)
    widget["spec"]["size"] = 4
    apply_widget()
    shown = target.kubectl("get", f"widgets.{group}", "a", "-n", ns, "-o", "json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["spec"] == {"size": 4, "color": "red"}
    deleted = target.kubectl("delete", f"widgets.{group}", "a", "-n", ns)
    assert deleted.returncode == 0, deleted.stderr


@behaviour("K8S-186", "the official client's CustomObjectsApi and dynamic client create, "
           "read, patch, watch and delete custom resources",
           cite="https://github.com/kubernetes-client/python/blob/master/kubernetes/docs/"
                "CustomObjectsApi.md")
def test_python_clients(target: Target) -> None:
    from kubernetes import watch

    group, path = _served(target, "crd-client")
    ns = path.split("/namespaces/")[1].split("/")[0]
    api = target.api("CustomObjectsApi")
    made = api.create_namespaced_custom_object(group, "v1", ns, "widgets",
                                               _widget(group, "a", size=2))
    assert made["spec"] == {"size": 2, "color": "red"}
    patched = api.patch_namespaced_custom_object(group, "v1", ns, "widgets", "a",
                                                 {"spec": {"size": 3}})
    assert patched["spec"]["size"] == 3
    status = api.patch_namespaced_custom_object_status(group, "v1", ns, "widgets", "a",
                                                       {"status": {"ready": True}})
    assert status["status"] == {"ready": True}
    listed = api.list_namespaced_custom_object(group, "v1", ns, "widgets")
    events = watch.Watch().stream(api.list_namespaced_custom_object, group, "v1", ns,
                                  "widgets", resource_version=listed["metadata"][
                                      "resourceVersion"], timeout_seconds=2)
    resource = target.dynamic().resources.get(api_version=f"{group}/v1", kind="Widget")
    resource.patch(name="a", namespace=ns, body={"spec": {"size": 4}},
                   content_type="application/merge-patch+json")
    seen = [(e["type"], e["object"]["spec"]["size"]) for e in events]
    assert seen == [("MODIFIED", 4)]
    assert [i.metadata.name for i in resource.get(namespace=ns).items] == ["a"]
    api.delete_namespaced_custom_object(group, "v1", ns, "widgets", "a")
    assert resource.get(namespace=ns).items == []


@behaviour("K8S-188", "server-side apply of a custom resource creates it, applies again "
           "without conflict and records its applier in managedFields",
           cite="https://kubernetes.io/docs/reference/using-api/server-side-apply/")
def test_server_side_apply_of_custom_resources(target: Target) -> None:
    import yaml

    group, path = _served(target, "crd-ssa")
    ns = path.split("/namespaces/")[1].split("/")[0]
    widget = _widget(group, "a", size=2, tags=["x"])
    widget["metadata"]["namespace"] = ns
    for size in (2, 3):
        widget["spec"]["size"] = size
        applied = target.kubectl("apply", "--server-side", "-f", "-",
                                 stdin=yaml.safe_dump(widget))
        assert applied.returncode == 0, applied.stderr
    obj = target.http("GET", f"{path}/a").json()
    assert obj["spec"] == {"size": 3, "tags": ["x"], "color": "red"}
    [entry] = obj["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("kubectl", "Apply")
    assert set(entry["fieldsV1"]["f:spec"]) >= {"f:size", "f:tags"}


GC_DOCS = "https://kubernetes.io/docs/concepts/architecture/garbage-collection/"


@behaviour("K8S-520", "a custom resource can own built-in objects: deleted, the garbage "
           "collector deletes the dependents whose ownerReferences name it (kind, name, uid)",
           cite=GC_DOCS + "#owners-dependents and " + MEASURED)
@pytest.mark.usefixtures("needs_controllers")
def test_dependents_of_a_custom_resource_are_collected(target: Target) -> None:
    group, path = _served(target, "crd-gc")
    ns = path.split("/namespaces/")[1].split("/")[0]
    owner = target.http("POST", path, body=_widget(group, "a", size=1)).json()
    ref = {"apiVersion": f"{group}/v1", "kind": "Widget", "name": "a",
           "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    dependents = [(f"/api/v1/namespaces/{ns}/configmaps", cm("settings", ns)),
                  (f"/api/v1/namespaces/{ns}/services", {
                      "apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": "web", "namespace": ns},
                      "spec": {"ports": [{"port": 80}]}})]
    for collection, body in dependents:
        body["metadata"]["ownerReferences"] = [ref]
        _assert_status(target.http("POST", collection, body=body), 201)
    _assert_status(target.http("DELETE", f"{path}/a"), 200)

    def collected() -> None:
        for collection, body in dependents:
            _assert_status(target.http("GET", f"{collection}/{body['metadata']['name']}"), 404)

    # A real collector learns of a new resource at its next discovery sync (30 s).
    eventually(collected, timeout=120)


@behaviour("K8S-521", "a write to a custom resource's /status naming a stale resourceVersion "
           "is 409 Conflict and changes nothing",
           cite=CRD_DOCS + "#status-subresource and " + MEASURED)
def test_stale_status_write_of_a_custom_resource(target: Target) -> None:
    group, path = _served(target, "crd-status-conflict")
    made = target.http("POST", path, body=_widget(group, "a", size=1)).json()
    first = target.http("PUT", f"{path}/a/status", body={**made, "status": {"ready": True}})
    _assert_status(first, 200)
    stale = failure(target, "PUT", f"{path}/a/status", body={**made, "status": {"ready": False}})
    assert (stale["code"], stale["reason"]) == (409, "Conflict")
    assert stale["message"] == (
        f'Operation cannot be fulfilled on widgets.{group} "a": the object has been '
        "modified; please apply your changes to the latest version and try again")
    assert target.http("GET", f"{path}/a").json()["status"] == {"ready": True}
