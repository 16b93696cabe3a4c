"""Patches: JSON merge patch and JSON patch, and what the server refuses."""

from __future__ import annotations

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target

PATCH = "https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def _configmap(target: Target, hint: str) -> str:
    ns = target.namespace(hint)
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps",
                body=cm("a", ns, labels={"keep": "1", "drop": "1"}))
    return f"/api/v1/namespaces/{ns}/configmaps/a"


@behaviour("K8S-060", "a JSON merge patch (RFC 7386) sets the fields it names and removes "
           "those it sets to null", cite=PATCH + " and https://www.rfc-editor.org/rfc/rfc7386")
def test_merge_patch(target: Target) -> None:
    path = _configmap(target, "merge")
    patched = target.http("PATCH", path, content_type=MERGE, raw=(
        b'{"metadata":{"labels":{"drop":null,"new":"2"}},"data":{"k":"w","x":"y"}}')).json()
    assert patched["metadata"]["labels"] == {"keep": "1", "new": "2"}
    assert patched["data"] == {"k": "w", "x": "y"}


@behaviour("K8S-061", "a JSON patch (RFC 6902) applies its operations in order; a failed "
           "test operation refuses the whole patch with 422 and changes nothing",
           cite=PATCH + " and https://www.rfc-editor.org/rfc/rfc6902 and " + MEASURED)
def test_json_patch(target: Target) -> None:
    path = _configmap(target, "jsonpatch")
    patched = target.http("PATCH", path, content_type=JSON_PATCH, body=[
        {"op": "test", "path": "/data/k", "value": "v"},
        {"op": "add", "path": "/data/n", "value": "1"},
        {"op": "remove", "path": "/metadata/labels/drop"},
        {"op": "copy", "from": "/data/n", "path": "/data/m"},
        {"op": "move", "from": "/data/m", "path": "/data/o"},
        {"op": "replace", "path": "/data/k", "value": "w"}]).json()
    assert patched["data"] == {"k": "w", "n": "1", "o": "1"}
    assert patched["metadata"]["labels"] == {"keep": "1"}
    status = failure(target, "PATCH", path, content_type=JSON_PATCH, body=[
        {"op": "replace", "path": "/data/k", "value": "lost"},
        {"op": "test", "path": "/data/n", "value": "2"}])
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Failure",
                      "message": "the server rejected our request due to an error in our "
                                 "request", "reason": "Invalid", "details": {}, "code": 422}
    assert target.http("GET", path).json()["data"]["k"] == "w"


@behaviour("K8S-062", "a patch body that is not a patch of its type is 400 BadRequest",
           cite=MEASURED)
def test_malformed_patches(target: Target) -> None:
    path = _configmap(target, "badpatch")
    not_a_list = failure(target, "PATCH", path, content_type=JSON_PATCH, raw=b"{}")
    assert not_a_list["message"] == ("error decoding patch: json: cannot unmarshal object "
                                     "into Go value of type []handlers.jsonPatchOp")
    not_json = failure(target, "PATCH", path, content_type=MERGE, raw=b"{bad")
    assert (not_json["code"], not_json["message"]) == (400, "invalid JSON patch")


@behaviour("K8S-063", "a patch that sets a stale resourceVersion is 409 Conflict; one that "
           "renames the object is 400", cite=API_CONCEPTS + "#patch-operations and "
                                               + MEASURED)
def test_patch_preconditions(target: Target) -> None:
    path = _configmap(target, "patchrv")
    first = target.http("GET", path).json()["metadata"]["resourceVersion"]
    target.http("PATCH", path, content_type=MERGE, raw=b'{"data":{"k":"2"}}')
    stale = failure(target, "PATCH", path, content_type=MERGE,
                    raw=b'{"metadata":{"resourceVersion":"%s"},"data":{"k":"3"}}'
                    % first.encode())
    assert stale["message"] == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
        "please apply your changes to the latest version and try again")
    renamed = failure(target, "PATCH", path, content_type=MERGE,
                      raw=b'{"metadata":{"name":"other"}}')
    assert renamed["message"] == ("the name of the object (other) does not match the name "
                                  "on the URL (a)")
    missing = failure(target, "PATCH", path + "-missing", content_type=MERGE, raw=b"{}")
    assert missing["message"] == 'configmaps "a-missing" not found'


@behaviour("K8S-064", "a PATCH with a content type that is no patch format is 415",
           cite=API_CONCEPTS + "#patch-operations and " + MEASURED)
def test_unsupported_patch_type(target: Target) -> None:
    path = _configmap(target, "patchtype")
    status = failure(target, "PATCH", path, content_type="text/plain", raw=b"{}")
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Failure", "message": "415: Unsupported Media Type",
                      "reason": "UnsupportedMediaType", "details": {}, "code": 415}


_ROLE = {"metadata": {"name": "r"}, "rules": [
    {"apiGroups": [""], "resources": ["a"], "verbs": ["get"]},
    {"apiGroups": [""], "resources": ["b"], "verbs": ["get"]}]}
_RULE = {"apiGroups": [""], "resources": ["x"], "verbs": ["get"]}


@pytest.mark.parametrize(("operations", "expected"), [
    ([{"op": "add", "path": "/rules/1", "value": _RULE}], ["a", "x", "b"]),
    ([{"op": "add", "path": "/rules/-", "value": _RULE}], ["a", "b", "x"]),
    ([{"op": "copy", "from": "/rules/0", "path": "/rules/0"}], ["a", "a", "b"]),
    ([{"op": "remove", "path": "/rules/01"}], ["a"]),
    ([{"op": "replace", "path": "/metadata/annotations", "value": {"a": "b"}}],
     {"a": "b"}),
    ([{"op": "add", "path": "/metadata/annotations", "value": {"a/b": "1"}},
      {"op": "add", "path": "/metadata/annotations/c~1d", "value": "2"},
      {"op": "test", "path": "/metadata/annotations/a~1b", "value": "1"}],
     {"a/b": "1", "c/d": "2"}),
    ([{"op": "add", "path": "/rules/9", "value": _RULE}], None),
    ([{"op": "remove", "path": "/rules/9"}], None),
    ([{"op": "remove", "path": "/metadata/labels/nope"}], None),
    ([{"op": "add", "path": "/metadata/labels/x", "value": "y"}], None),
    ([{"op": "test", "path": "/metadata/labels/nope", "value": "x"}], None),
    ([{"op": "move", "from": "/nope", "path": "/metadata/x"}], None),
    ([{"op": "add", "path": "metadata", "value": "x"}], None),
    ([{"op": "remove"}], None),
    ([{"op": "remove", "path": "/rules/x"}], None),
    ([{"op": "add", "path": "/metadata/name/x", "value": 1}], None),
    ([{"op": "copy", "path": "/metadata/x"}], None),
    ([{"op": "add", "path": "", "value": {}}], None),
    ([{"op": "frob", "path": "/rules"}], None),
], ids=["add-index", "append", "copy", "leading-zero", "replace-adds", "escaped",
        "add-out-of-bounds", "remove-out-of-bounds", "remove-missing", "missing-parent",
        "test-missing", "move-missing", "bad-pointer", "no-path", "index-not-a-number",
        "into-a-string", "copy-without-from", "whole-document", "unknown-op"])
@behaviour("K8S-065", "JSON patch pointers, array indexes and the apiserver's leniencies: "
           "replace of a missing member adds it, indexes may have leading zeros; what cannot "
           "apply is 422", cite="https://www.rfc-editor.org/rfc/rfc6902 and "
                               "https://www.rfc-editor.org/rfc/rfc6901 and " + MEASURED)
def test_json_patch_pointers(target: Target, operations: list[object],
                             expected: object) -> None:
    ns = target.namespace("pointers")
    path = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles"
    target.http("POST", path, body=_ROLE)
    answer = target.http("PATCH", f"{path}/r", content_type=JSON_PATCH, body=operations)
    if expected is None:
        assert answer.status_code == 422
        assert answer.json()["message"] == ("the server rejected our request due to an "
                                            "error in our request")
    elif isinstance(expected, list):
        assert [r["resources"][0] for r in answer.json()["rules"]] == expected
    else:
        assert answer.json()["metadata"]["annotations"] == expected
