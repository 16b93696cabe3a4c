"""Server-side apply and managedFields: field managers, ownership and conflicts."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target, eventually

SSA = "https://kubernetes.io/docs/reference/using-api/server-side-apply/"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _cm_config(name: str, data: dict[str, str] | None = None,
               **metadata: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": {"name": name, **metadata}}
    if data is not None:
        config["data"] = data
    return config


def _apply(target: Target, path: str, config: dict[str, Any], manager: str,
           **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"fieldManager": manager, **params}.items())
    return target.http("PATCH", f"{path}?{query}", content_type=APPLY,
                       raw=yaml.safe_dump(config).encode())


def _owners(obj: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(manager, operation, fieldsV1) of each managedFields entry, in order."""
    return [(e["manager"], e["operation"], e["fieldsV1"])
            for e in obj["metadata"].get("managedFields", [])]


def _configmaps(target: Target, hint: str) -> str:
    return f"/api/v1/namespaces/{target.namespace(hint)}/configmaps"


@behaviour("K8S-130", "a PATCH with application/apply-patch+yaml creates the object when "
           "it is missing (201) and applies to it when it exists (200); the applier's "
           "managedFields entry is an Apply operation listing the fields it set",
           cite=SSA + "#field-management and " + MEASURED)
def test_apply_creates_then_updates(target: Target) -> None:
    path = _configmaps(target, "ssa-create")
    created = _apply(target, f"{path}/a", _cm_config("a", {"k": "v"}, labels={"x": "z"}),
                     "mine")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["data"] == {"k": "v"} and body["metadata"]["labels"] == {"x": "z"}
    (entry,) = body["metadata"]["managedFields"]
    assert {k: v for k, v in entry.items() if k != "time"} == {
        "manager": "mine", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {"f:k": {}}, "f:metadata": {"f:labels": {"f:x": {}}}}}
    assert TIME.match(entry["time"])
    # JSON is YAML too.
    again = target.http("PATCH", f"{path}/a?fieldManager=mine", content_type=APPLY,
                        raw=json.dumps(_cm_config("a", {"k": "w"})).encode())
    assert again.status_code == 200, again.text
    assert again.json()["data"] == {"k": "w"} and "labels" not in again.json()["metadata"]
    assert target.http("GET", f"{path}/a").json()["metadata"]["managedFields"] == (
        again.json()["metadata"]["managedFields"])


@behaviour("K8S-131", "an apply patch needs the fieldManager parameter (422), and a "
           "fieldManager is at most 128 bytes (422); force is refused on other patches "
           "(422)", cite=SSA + "#using-server-side-apply-in-a-controller and " + MEASURED)
def test_apply_options(target: Target) -> None:
    path = _configmaps(target, "ssa-options")
    status = failure(target, "PATCH", f"{path}/a", content_type=APPLY,
                     raw=yaml.safe_dump(_cm_config("a")).encode())
    assert status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                   "is required for apply patch", "reason": "Invalid",
        "details": {"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [{
            "reason": "FieldValueRequired", "message": "Required value: is required for "
            "apply patch", "field": "fieldManager"}]}, "code": 422}
    long = _apply(target, f"{path}/a", _cm_config("a"), "x" * 129)
    assert long.status_code == 422
    assert long.json()["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                      "Too long: may not be more than 128 bytes")
    target.http("POST", path, body=cm("b", path.split("/")[4]))
    forced = failure(target, "PATCH", f"{path}/b?force=true", content_type=MERGE,
                     raw=b'{"data":{"k":"v"}}')
    assert forced["code"] == 422 and forced["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified '
        "for non-apply patch")
    assert failure(target, "GET", f"{path}/a")["code"] == 404
    assert target.http("GET", f"{path}/b").json()["data"] == {"k": "v"}


@behaviour("K8S-132", "create, update and the other patches record an Update operation for "
           "their fieldManager, or for the User-Agent's product name when there is none; "
           "a map the write added is itself owned ('.'); a write that changes nothing "
           "records nothing", cite=SSA + "#field-management and " + MEASURED)
def test_updates_are_recorded(target: Target) -> None:
    path = _configmaps(target, "ssa-update")
    ns = path.split("/")[4]
    created = target.http("POST", f"{path}?fieldManager=creator",
                          body=cm("a", ns, labels={"l": "1"}) | {"data": {"k": "v"}}).json()
    assert _owners(created) == [("creator", "Update", {
        "f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {".": {}, "f:l": {}}}})]
    assert TIME.match(created["metadata"]["managedFields"][0]["time"])
    by_agent = target.http("POST", path, body=cm("b", ns) | {"data": {"k": "v"}},
                           headers={"User-Agent": "my-controller/1.2 (linux)"}).json()
    assert _owners(by_agent)[0][0] == "my-controller"
    empty = target.http("POST", f"{path}?fieldManager=x", body=_cm_config("c")).json()
    assert "managedFields" not in empty["metadata"]
    patched = target.http("PATCH", f"{path}/a?fieldManager=patcher", content_type=MERGE,
                          raw=b'{"data":{"k":"w","n":"1"}}').json()
    assert _owners(patched) == [
        ("creator", "Update", {"f:data": {}, "f:metadata": {"f:labels": {".": {}, "f:l": {}}}}),
        ("patcher", "Update", {"f:data": {"f:k": {}, "f:n": {}}})]
    same = target.http("PATCH", f"{path}/a?fieldManager=idle", content_type=MERGE,
                       raw=b'{"data":{"k":"w"}}').json()
    assert same["metadata"]["resourceVersion"] == patched["metadata"]["resourceVersion"]
    assert [o[0] for o in _owners(same)] == ["creator", "patcher"]
    replaced = target.http("PUT", f"{path}/a?fieldManager=putter", body={
        **patched, "data": {"n": "1"}}).json()
    # A removed field leaves every manager; a manager left with nothing leaves the list.
    assert _owners(replaced) == [
        ("creator", "Update", {"f:data": {}, "f:metadata": {"f:labels": {".": {}, "f:l": {}}}}),
        ("patcher", "Update", {"f:data": {"f:n": {}}})]


@behaviour("K8S-133", "applying a value to a field another manager owns is 409 Conflict "
           "naming the field and the manager, with FieldManagerConflict causes, and "
           "changes nothing; force=true takes the field over",
           cite=SSA + "#conflicts and " + MEASURED)
def test_apply_conflict_and_force(target: Target) -> None:
    path = _configmaps(target, "ssa-conflict")
    ns = path.split("/")[4]
    target.http("POST", f"{path}?fieldManager=creator",
                body=cm("a", ns) | {"data": {"k": "v", "j": "1"}})
    status = failure(target, "PATCH", f"{path}/a?fieldManager=applier", content_type=APPLY,
                     raw=yaml.safe_dump(_cm_config("a", {"k": "mine"})).encode())
    assert status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'Apply failed with 1 conflict: conflict with "creator" using v1: .data.k',
        "reason": "Conflict", "details": {"causes": [{
            "reason": "FieldManagerConflict", "message": 'conflict with "creator" using v1',
            "field": ".data.k"}]}, "code": 409}
    assert target.http("GET", f"{path}/a").json()["data"] == {"j": "1", "k": "v"}
    _apply(target, f"{path}/a", _cm_config("a", {"j": "1"}), "sharer")
    many = failure(target, "PATCH", f"{path}/a?fieldManager=applier", content_type=APPLY,
                   raw=yaml.safe_dump(_cm_config("a", {"k": "2", "j": "2"})).encode())
    assert many["message"] == (
        "Apply failed with 3 conflicts: conflicts with \"creator\" using v1:\n- .data.j\n"
        "- .data.k\nconflicts with \"sharer\":\n- .data.j")
    assert sorted((c["field"], c["message"]) for c in many["details"]["causes"]) == [
        (".data.j", 'conflict with "creator" using v1'), (".data.j", 'conflict with "sharer"'),
        (".data.k", 'conflict with "creator" using v1')]
    forced = _apply(target, f"{path}/a", _cm_config("a", {"k": "2", "j": "2"}), "applier",
                    force="true")
    assert forced.status_code == 200 and forced.json()["data"] == {"j": "2", "k": "2"}
    # The creator keeps the map it added ("." before), now without its keys.
    assert _owners(forced.json()) == [("applier", "Apply", {"f:data": {"f:j": {}, "f:k": {}}}),
                                      ("creator", "Update", {"f:data": {}})]


@behaviour("K8S-134", "applying the value a field already has shares it without conflict "
           "(the new entry has no time: it changed nothing); a field an applier stops "
           "applying is removed unless another manager owns it",
           cite=SSA + "#merge-strategy and " + MEASURED)
def test_shared_ownership_and_removal(target: Target) -> None:
    path = _configmaps(target, "ssa-share")
    first = _apply(target, f"{path}/a", _cm_config("a", {"k": "v", "j": "1"}), "one").json()
    shared = _apply(target, f"{path}/a", _cm_config("a", {"k": "v"}), "two")
    assert shared.status_code == 200
    entries = shared.json()["metadata"]["managedFields"]
    assert [(e["manager"], "time" in e) for e in entries] == [("two", False), ("one", True)]
    assert int(shared.json()["metadata"]["resourceVersion"]) > int(
        first["metadata"]["resourceVersion"])
    again = _apply(target, f"{path}/a", _cm_config("a", {"k": "v"}), "two").json()
    assert again["metadata"]["resourceVersion"] == shared.json()["metadata"]["resourceVersion"]
    moved = _apply(target, f"{path}/a", _cm_config("a", {"z": "1"}), "one").json()
    assert moved["data"] == {"k": "v", "z": "1"}  # j went with its only owner, k stays
    assert _owners(moved) == [("two", "Apply", {"f:data": {"f:k": {}}}),
                              ("one", "Apply", {"f:data": {"f:z": {}}})]
    gone = _apply(target, f"{path}/a", _cm_config("a"), "two").json()
    assert gone["data"] == {"z": "1"}
    emptied = _apply(target, f"{path}/a", _cm_config("a"), "one").json()
    assert "data" not in emptied and "managedFields" not in emptied["metadata"]
    nulled = _apply(target, f"{path}/a", {**_cm_config("a"), "data": None}, "one").json()
    assert "data" not in nulled  # null sets nothing, but its applier owns the field
    assert _owners(nulled) == [("one", "Apply", {"f:data": {}})]


@behaviour("K8S-135", "an update takes the fields it changes from every other manager "
           "without conflict; an applier then conflicts with it; managers are listed "
           "Apply before Update; one name applying and updating is two managers",
           cite=SSA + "#conflicts and " + MEASURED)
def test_update_takes_fields(target: Target) -> None:
    path = _configmaps(target, "ssa-take")
    _apply(target, f"{path}/a", _cm_config("a", {"k": "v", "e": "1"}), "app")
    taken = target.http("PATCH", f"{path}/a?fieldManager=app", content_type=MERGE,
                        raw=b'{"data":{"k":"other"}}').json()
    assert _owners(taken) == [("app", "Apply", {"f:data": {"f:e": {}}}),
                              ("app", "Update", {"f:data": {"f:k": {}}})]
    status = failure(target, "PATCH", f"{path}/a?fieldManager=app", content_type=APPLY,
                     raw=yaml.safe_dump(_cm_config("a", {"k": "v", "e": "1"})).encode())
    assert status["message"] == ('Apply failed with 1 conflict: conflict with "app" using '
                                 "v1: .data.k")


@behaviour("K8S-136", "a map-type list's items are owned by their keys (k:{...}), a set "
           "list's by value (v:...), an atomic struct or list whole; a conflict names an "
           "item by its keys", cite=SSA + "#merge-strategy and " + MEASURED)
def test_list_types(target: Target) -> None:
    ns = target.namespace("ssa-lists")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    config = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d"}},
                       "template": {"metadata": {"labels": {"app": "d"}}, "spec": {
                           "containers": [{"name": "c", "image": "nginx", "args": ["a"],
                                           "ports": [{"containerPort": 80,
                                                      "protocol": "TCP"}]}]}}}}
    created = _apply(target, f"{path}/d", config, "one")
    assert created.status_code == 201, created.text
    assert _owners(created.json()) == [("one", "Apply", {"f:spec": {
        "f:replicas": {}, "f:selector": {}, "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:containers": {
                'k:{"name":"c"}': {".": {}, "f:args": {}, "f:image": {}, "f:name": {},
                                   "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {
                                       ".": {}, "f:containerPort": {},
                                       "f:protocol": {}}}}}}}}})]
    other = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
             "spec": {"template": {"spec": {"containers": [
                 {"name": "c", "image": "httpd"}, {"name": "side", "image": "busybox"}]}}}}
    status = failure(target, "PATCH", f"{path}/d?fieldManager=two", content_type=APPLY,
                     raw=yaml.safe_dump(other).encode())
    assert status["message"] == ('Apply failed with 1 conflict: conflict with "one": '
                                 '.spec.template.spec.containers[name="c"].image')
    other["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx"
    merged = _apply(target, f"{path}/d", other, "two").json()
    containers = merged["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("c", "nginx"),
                                                              ("side", "busybox")]
    assert containers[0]["args"] == ["a"]
    cms = f"/api/v1/namespaces/{ns}/configmaps"
    both = _apply(target, f"{cms}/f", _cm_config("f", finalizers=["example.com/a"]), "one")
    assert both.status_code == 201
    merged_set = _apply(target, f"{cms}/f", _cm_config("f", finalizers=["example.com/b"]),
                        "two").json()
    assert merged_set["metadata"]["finalizers"] == ["example.com/a", "example.com/b"]
    assert _owners(merged_set)[1] == ("two", "Apply", {"f:metadata": {"f:finalizers": {
        'v:"example.com/b"': {}}}})
    dropped = _apply(target, f"{cms}/f", _cm_config("f"), "one").json()
    assert dropped["metadata"]["finalizers"] == ["example.com/b"]
    _apply(target, f"{cms}/f", _cm_config("f"), "two")


@behaviour("K8S-137", "apply works on an object being deleted: it may not add finalizers, "
           "and an apply that removes the last one lets the object go",
           cite=SSA + " and " + API_CONCEPTS + " and " + MEASURED)
def test_apply_while_deleting(target: Target) -> None:
    path = _configmaps(target, "ssa-deleting")
    held = _cm_config("f", finalizers=["example.com/x"])
    assert _apply(target, f"{path}/f", held, "m").status_code == 201
    target.http("DELETE", f"{path}/f")
    changed = _apply(target, f"{path}/f", {**held, "data": {"a": "b"}}, "m").json()
    assert changed["data"] == {"a": "b"} and changed["metadata"]["deletionTimestamp"]
    refused = failure(target, "PATCH", f"{path}/f?fieldManager=m", content_type=APPLY,
                      raw=yaml.safe_dump(_cm_config("f", finalizers=[
                          "example.com/x", "example.com/y"])).encode())
    assert refused["code"] == 422 and "no new finalizers" in refused["message"]
    last = _apply(target, f"{path}/f", _cm_config("f"), "m")
    assert last.status_code == 200
    assert "finalizers" not in last.json()["metadata"] and "data" not in last.json()
    assert failure(target, "GET", f"{path}/f")["code"] == 404


@behaviour("K8S-138", "apply on the status subresource owns status fields under a "
           "manager with subresource 'status', and a conflict names it so; an apply to "
           "the status of a missing object is 404", cite=SSA + " and " + MEASURED)
def test_apply_status(target: Target) -> None:
    # A Pod that no scheduler binds: no controller writes its status meanwhile.
    ns = target.namespace("ssa-status")
    path = f"/api/v1/namespaces/{ns}/pods"
    _apply(target, f"{path}/d", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
           "spec-owner")
    status_config = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"},
                     "status": {"message": "three"}}
    applied = _apply(target, f"{path}/d/status", status_config, "reporter").json()
    assert applied["status"]["message"] == "three"
    entry = [e for e in applied["metadata"]["managedFields"] if e["manager"] == "reporter"]
    assert entry[0]["subresource"] == "status" and entry[0]["fieldsV1"] == {
        "f:status": {"f:message": {}}}
    target.http("PATCH", f"{path}/d/status?fieldManager=other", content_type=MERGE,
                raw=b'{"status":{"message":"four"}}')
    status = failure(target, "PATCH", f"{path}/d/status?fieldManager=reporter",
                     content_type=APPLY, raw=yaml.safe_dump(status_config).encode())
    assert status["message"] == (
        'Apply failed with 1 conflict: conflict with "other" with subresource "status" '
        "using v1: .status.message")
    missing = failure(target, "PATCH", f"{path}/nope/status?fieldManager=reporter",
                      content_type=APPLY, raw=yaml.safe_dump(
                          {**status_config, "metadata": {"name": "nope"}}).encode())
    assert missing["code"] == 404 and missing["reason"] == "NotFound"


@behaviour("K8S-139", "an apply patch that is not an object of the resource is refused "
           "with the apiserver's error and changes nothing",
           cite=SSA + " and " + MEASURED)
def test_apply_bad_bodies(target: Target) -> None:
    path = _configmaps(target, "ssa-bad")
    _apply(target, f"{path}/a", _cm_config("a", {"k": "v"}), "m")
    before = target.http("GET", f"{path}/a").json()

    def refused(raw: bytes) -> dict[str, Any]:
        return failure(target, "PATCH", f"{path}/a?fieldManager=m", content_type=APPLY,
                       raw=raw)

    def message(config: Any) -> str:
        return str(refused(yaml.safe_dump(config).encode())["message"])

    assert message({"metadata": {"name": "a"}}) == "invalid object type: /, Kind="
    assert refused(b"")["message"] == "invalid object type: /, Kind="
    assert message({"kind": "ConfigMap", "metadata": {"name": "a"}}) == (
        "invalid object type: /, Kind=ConfigMap")
    assert message(_cm_config("b")) == ("the name of the object (b) does not match the "
                                        "name on the URL (a)")
    unnamed = failure(target, "PATCH", f"{path}/new?fieldManager=m", content_type=APPLY,
                      raw=yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap"}).encode())
    assert unnamed["message"] == ("the name of the object (new based on URL) was "
                                  "undeterminable: name must be provided")
    assert message({**_cm_config("a"), "kind": "Secret"}) == (
        "invalid object type: /v1, Kind=Secret")
    assert message({**_cm_config("a"), "apiVersion": "apps/v1"}) == (
        "invalid object type: apps/v1, Kind=ConfigMap")
    assert message(_cm_config("a", managedFields=[{"manager": "x"}])) == (
        "metadata.managedFields must be nil")
    assert refused(b"- a\n- b\n")["message"] == (
        "error decoding patch: error unmarshaling JSON: while decoding JSON: json: cannot "
        "unmarshal array into Go value of type map[string]interface {}")
    malformed = refused(b"{{{: :")
    assert malformed["code"] == 400 and malformed["message"].startswith(
        "error decoding patch: error converting YAML to JSON: yaml: ")
    unknown = target.http("PATCH", f"{path}/a?fieldManager=m", content_type=APPLY,
                          raw=yaml.safe_dump({**_cm_config("a"), "bogus": 1}).encode())
    assert unknown.status_code == 500 and unknown.json()["message"] == (
        "failed to create typed patch object (/a; /v1, Kind=ConfigMap): .bogus: field not "
        "declared in schema")
    stale = refused(yaml.safe_dump(_cm_config("a", resourceVersion="1")).encode())
    assert stale["code"] == 409 and stale["reason"] == "Conflict"
    assert target.http("GET", f"{path}/a").json() == before
    # An existing object's name may be left to the URL.
    renamed = _apply(target, f"{path}/a", {"apiVersion": "v1", "kind": "ConfigMap",
                                           "data": {"k": "v"}}, "m")
    assert renamed.status_code == 200 and renamed.json()["metadata"]["name"] == "a"


@behaviour("K8S-140", "kubectl apply --server-side applies as manager 'kubectl', reports "
           "a conflict with kubectl create's manager 'kubectl-create', and "
           "--force-conflicts takes the field over",
           cite="https://kubernetes.io/docs/reference/using-api/server-side-apply/"
                "#comparison-with-client-side-apply and " + MEASURED)
def test_kubectl_server_side(target: Target) -> None:
    ns = target.namespace("ssa-kubectl")
    created = target.kubectl("create", "-f", "-", stdin=yaml.safe_dump(
        _cm_config("settings", {"color": "blue"}, namespace=ns)))
    assert created.returncode == 0, created.stderr
    manifest = yaml.safe_dump(_cm_config("settings", {"color": "red", "size": "L"},
                                         namespace=ns))
    refused = target.kubectl("apply", "--server-side", "-f", "-", stdin=manifest)
    assert refused.returncode != 0
    assert 'conflict with "kubectl-create" using v1: .data.color' in refused.stderr
    forced = target.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-",
                            stdin=manifest)
    assert forced.returncode == 0, forced.stderr
    assert "serverside-applied" in forced.stdout
    shown = json.loads(target.kubectl("get", "configmap", "settings", "-n", ns,
                                      "--show-managed-fields", "-o", "json").stdout)
    assert shown["data"] == {"color": "red", "size": "L"}
    assert _owners(shown) == [("kubectl", "Apply", {"f:data": {"f:color": {}, "f:size": {}}}),
                              ("kubectl-create", "Update", {"f:data": {}})]


@behaviour("K8S-141", "the Python client applies with field_manager and the apply content "
           "type, and the dynamic client's server_side_apply; its own writes are recorded "
           "for the manager its User-Agent names",
           cite="https://github.com/kubernetes-client/python and " + SSA + " and " + MEASURED)
def test_python_clients_apply(target: Target) -> None:
    ns = target.namespace("ssa-python")
    core = target.api("CoreV1Api")
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "typed"},
                                                     "data": {"k": "v"}})
    entry = created.metadata.managed_fields[0]
    assert (entry.manager, entry.operation) == ("OpenAPI-Generator", "Update")
    applied = core.patch_namespaced_config_map(
        "typed", ns, _cm_config("typed", {"k": "v", "n": "1"}), field_manager="typed-app",
        _content_type=APPLY)
    assert applied.data == {"k": "v", "n": "1"}
    assert [(e.manager, e.operation) for e in applied.metadata.managed_fields] == [
        ("typed-app", "Apply"), ("OpenAPI-Generator", "Update")]
    resource = target.dynamic().resources.get(api_version="v1", kind="ConfigMap")
    result = resource.server_side_apply(body=_cm_config("dyn", {"a": "1"}, namespace=ns),
                                        name="dyn", namespace=ns, field_manager="dyn-app")
    assert result.data.to_dict() == {"a": "1"}
    assert result.metadata.managedFields[0].manager == "dyn-app"


@behaviour("K8S-142", "applied set and map-type lists merge with the live list in "
           "structured-merge-diff's order (the applied items in their order, the others "
           "where they were); a field inside an item goes when its applier stops applying "
           "it; an unknown field inside an item is refused (500)",
           cite=SSA + "#merge-strategy and " + MEASURED)
def test_list_merge_order(target: Target) -> None:
    ns = target.namespace("ssa-order")
    path = f"/api/v1/namespaces/{ns}/configmaps/a"

    def finalizers(manager: str, *names: str) -> Any:
        config = _cm_config("a", finalizers=[f"x/{n}" for n in names])
        return _apply(target, path, config, manager).json()["metadata"].get("finalizers")

    assert finalizers("one", "a", "b", "c") == ["x/a", "x/b", "x/c"]
    assert finalizers("two", "c", "a") == ["x/b", "x/c", "x/a"]
    assert finalizers("two", "d", "c", "e", "b") == ["x/d", "x/c", "x/a", "x/e", "x/b"]
    assert finalizers("one") == ["x/d", "x/c", "x/e", "x/b"]
    assert finalizers("two") is None
    deployments = f"/apis/apps/v1/namespaces/{ns}/deployments"

    def deployment(**container: Any) -> dict[str, Any]:
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                "spec": {"selector": {"matchLabels": {"app": "d"}}, "template": {
                    "metadata": {"labels": {"app": "d"}}, "spec": {"containers": [
                        {"name": "c", "image": "i", **container}]}}}}

    _apply(target, f"{deployments}/d", deployment(args=["a"]), "one")
    shrunk = _apply(target, f"{deployments}/d", deployment(), "one").json()
    assert "args" not in shrunk["spec"]["template"]["spec"]["containers"][0]
    assert _owners(shrunk)[0][2]["f:spec"]["f:template"]["f:spec"] == {"f:containers": {
        'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}}}
    unknown = target.http("PATCH", f"{deployments}/d?fieldManager=one", content_type=APPLY,
                          raw=yaml.safe_dump(deployment(bogus=1)).encode())
    assert unknown.status_code == 500 and unknown.json()["message"] == (
        "failed to create typed patch object (/d; apps/v1, Kind=Deployment): "
        '.spec.template.spec.containers[name="c"].bogus: field not declared in schema')


@behaviour("K8S-143", "a create owns what its object sets beyond the kind's empty value: "
           "a required list (a Pod's containers) is not owned as a whole, a namespace's "
           "kubernetes.io/metadata.name label is its creator's; a status update is "
           "recorded with subresource 'status'", cite=SSA + "#field-management and " + MEASURED)
def test_create_ownership(target: Target) -> None:
    ns = target.namespace("ssa-owncreate")
    namespace = target.cluster_name("ssa-ns", "/api/v1/namespaces")
    created_ns = target.http("POST", "/api/v1/namespaces?fieldManager=maker",
                             body={"metadata": {"name": namespace}}).json()
    assert _owners(created_ns) == [("maker", "Update", {"f:metadata": {"f:labels": {
        ".": {}, "f:kubernetes.io/metadata.name": {}}}})]
    pods = f"/api/v1/namespaces/{ns}/pods"

    def create_pod() -> Any:
        created = target.http("POST", f"{pods}?fieldManager=maker", body={
            "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}})
        # A real cluster may refuse pods until the namespace's service account exists.
        assert created.status_code == 201, created.text
        return created.json()

    pod = eventually(create_pod)
    containers = _owners(pod)[0][2]["f:spec"]["f:containers"]
    assert list(containers) == ['k:{"name":"c"}']
    assert {".", "f:image", "f:name"} <= set(containers['k:{"name":"c"}'])
    reported = target.http("PUT", f"{pods}/p/status?fieldManager=kubelet", body={
        **pod, "status": {"phase": "Running",
                          "conditions": [{"type": "Ready", "status": "True"}]}}).json()
    (entry,) = [e for e in reported["metadata"]["managedFields"] if e["manager"] == "kubelet"]
    assert entry["subresource"] == "status"
    status_fields = entry["fieldsV1"]["f:status"]
    assert set(status_fields) == {"f:conditions", "f:phase"}
    assert {".", 'k:{"type":"Ready"}'} <= set(status_fields["f:conditions"])


@behaviour("K8S-144", "a write may set managedFields itself: [{}] clears them (and the "
           "write is not recorded), entries it sends replace the stored ones; an object "
           "with none records no updates until an apply, which gives what it holds to "
           "the Update manager before-first-apply",
           cite=SSA + "#clearing-managedfields and " + MEASURED)
def test_managed_fields_written_directly(target: Target) -> None:
    path = _configmaps(target, "ssa-direct")
    ns = path.split("/")[4]
    target.http("POST", f"{path}?fieldManager=creator",
                body=cm("a", ns, labels={"l": "1"}) | {"data": {"k": "v", "j": "1"}})
    cleared = target.http("PATCH", f"{path}/a?fieldManager=clearer", content_type=MERGE,
                          raw=b'{"metadata":{"managedFields":[{}]}}').json()
    assert "managedFields" not in cleared["metadata"]
    untracked = target.http("PATCH", f"{path}/a?fieldManager=later", content_type=MERGE,
                            raw=b'{"data":{"n":"1"}}').json()
    assert untracked["data"]["n"] == "1" and "managedFields" not in untracked["metadata"]
    status = failure(target, "PATCH", f"{path}/a?fieldManager=applier", content_type=APPLY,
                     raw=yaml.safe_dump(_cm_config("a", {"k": "w"})).encode())
    assert status["message"] == ('Apply failed with 1 conflict: conflict with '
                                 '"before-first-apply" using v1: .data.k')
    applied = _apply(target, f"{path}/a", _cm_config("a", {"k": "v", "z": "1"}), "applier")
    assert _owners(applied.json()) == [
        ("applier", "Apply", {"f:data": {"f:k": {}, "f:z": {}}}),
        ("before-first-apply", "Update", {
            "f:data": {".": {}, "f:j": {}, "f:k": {}, "f:n": {}},
            "f:metadata": {"f:labels": {".": {}, "f:l": {}}}})]
    sent = [{"manager": "imported", "operation": "Update", "apiVersion": "v1",
             "time": "2001-02-03T04:05:06+00:00", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:data": {"f:x": {}}}}]
    replaced = target.http("PUT", f"{path}/a?fieldManager=putter", body={
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "a", "managedFields": sent}, "data": {"k": "v", "q": "1"}}
                           ).json()
    entries = replaced["metadata"]["managedFields"]
    assert entries[0] == {**sent[0], "time": "2001-02-03T04:05:06Z"}
    assert [(e["manager"], e["fieldsV1"]) for e in entries[1:]] == [
        ("putter", {"f:data": {"f:q": {}}})]
    # Entries the apiserver cannot decode leave the stored ones alone.
    kept = target.http("PATCH", f"{path}/a?fieldManager=other", content_type=MERGE,
                       raw=b'{"metadata":{"managedFields":[{"manager":"x","operation":"B"}]}}')
    assert kept.status_code == 200, kept.text
    assert kept.json()["metadata"]["managedFields"] == entries


@behaviour("K8S-145", "kubectl apply --server-side after client-side kubectl apply takes "
           "the fields of the last-applied configuration without conflict (for field "
           "manager kubectl only) and keeps the annotation up to date; kubectl then "
           "moves the client-side manager's fields to its own",
           cite=SSA + "#upgrading-from-client-side-apply-to-server-side-apply and "
           + MEASURED)
def test_kubectl_upgrade_from_client_side(target: Target) -> None:
    ns = target.namespace("ssa-upgrade")
    manifest = _cm_config("s", {"color": "blue"}, namespace=ns)
    first = target.kubectl("apply", "-f", "-", stdin=yaml.safe_dump(manifest))
    assert first.returncode == 0, first.stderr
    path = f"/api/v1/namespaces/{ns}/configmaps/s"
    other = failure(target, "PATCH", f"{path}?fieldManager=someone", content_type=APPLY,
                    raw=yaml.safe_dump(_cm_config("s", {"color": "red"})).encode())
    assert other["message"] == ('Apply failed with 1 conflict: conflict with '
                                '"kubectl-client-side-apply" using v1: .data.color')
    manifest["data"]["color"] = "red"
    upgraded = target.kubectl("apply", "--server-side", "-f", "-",
                              stdin=yaml.safe_dump(manifest))
    assert upgraded.returncode == 0, upgraded.stderr
    shown = target.http("GET", path).json()
    assert shown["data"] == {"color": "red"}
    assert json.loads(shown["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"]) == manifest
    assert _owners(shown) == [
        ("kubectl-last-applied", "Apply", {"f:metadata": {"f:annotations": {
            "f:kubectl.kubernetes.io/last-applied-configuration": {}}}}),
        ("kubectl", "Apply", {"f:data": {"f:color": {}}})]
    target.http("PATCH", f"{path}?fieldManager=editor", content_type=MERGE,
                raw=b'{"data":{"size":"S"}}')
    manifest["data"]["size"] = "M"
    refused = target.kubectl("apply", "--server-side", "-f", "-",
                             stdin=yaml.safe_dump(manifest))
    assert refused.returncode != 0
    assert 'conflict with "editor" using v1: .data.size' in refused.stderr
