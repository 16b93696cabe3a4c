"""Creating, reading and replacing objects, and the server's answers to bad input."""

from __future__ import annotations

import json

from fakes.conformance.kubernetes._support import behaviour, cm, failure, status_of
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import (
    API_CONCEPTS,
    APIMACHINERY,
    CONVENTIONS,
    MEASURED,
    Target,
)

ERRORS_GO = APIMACHINERY + "apimachinery/pkg/api/errors/errors.go"
VALIDATION_GO = APIMACHINERY + "apimachinery/pkg/util/validation/validation.go"
METADATA = CONVENTIONS + "#metadata"
CONCURRENCY = CONVENTIONS + "#concurrency-control-and-consistency"
SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
             "characters, '-' or '.', and must start and end with an alphanumeric character "
             "(e.g. 'example.com', regex used for validation is "
             r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


@behaviour("K8S-010", "create answers 201 with uid, creationTimestamp and resourceVersion "
           "set by the server; get answers the same object", cite=METADATA)
def test_create_and_get(target: Target) -> None:
    ns = target.namespace("create")
    core = target.api("CoreV1Api")
    created = core.create_namespaced_config_map(ns, cm("a", ns, uid="not-mine"))
    assert created.metadata.uid and created.metadata.uid != "not-mine"
    assert created.metadata.creation_timestamp is not None
    assert created.metadata.resource_version
    got = core.read_namespaced_config_map("a", ns)
    assert got.metadata.uid == created.metadata.uid and got.data == {"k": "v"}
    answer = target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body=cm("b", ns))
    assert answer.status_code == 201 and answer.json()["kind"] == "ConfigMap"


@behaviour("K8S-011", "every write gives the object a new resourceVersion; an update that "
           "changes nothing keeps it", cite=API_CONCEPTS + "#resource-versions")
def test_resource_versions(target: Target) -> None:
    ns = target.namespace("versions")
    core = target.api("CoreV1Api")
    a = core.create_namespaced_config_map(ns, cm("a", ns))
    b = core.create_namespaced_secret(ns, minimal("v1", "Secret", "b", ns))
    assert a.metadata.resource_version != b.metadata.resource_version
    a.data = {"k": "changed"}
    updated = core.replace_namespaced_config_map("a", ns, a)
    assert updated.metadata.resource_version != a.metadata.resource_version
    same = core.replace_namespaced_config_map("a", ns, updated)
    assert same.metadata.resource_version == updated.metadata.resource_version


@behaviour("K8S-012", "uid and creationTimestamp cannot be changed: a different uid in an "
           "update is a 409, a different creationTimestamp is ignored",
           cite=METADATA + " and " + MEASURED)
def test_server_set_metadata_is_kept(target: Target) -> None:
    ns = target.namespace("immutable")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    created = target.http("POST", path, body=cm("a", ns)).json()
    moved = json.loads(json.dumps(created))
    moved["metadata"]["creationTimestamp"] = "2001-01-01T00:00:00Z"
    kept = target.http("PUT", f"{path}/a", body=moved).json()
    assert kept["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    other = json.loads(json.dumps(created))
    other["metadata"]["uid"] = "00000000-0000-0000-0000-000000000000"
    status = failure(target, "PUT", f"{path}/a", body=other)
    assert (status["reason"], status["code"]) == ("Conflict", 409)
    assert status["message"] == (
        'Operation cannot be fulfilled on configmaps "a": StorageError: invalid object, '
        f"Code: 4, Key: /registry/configmaps/{ns}/a, ResourceVersion: 0, AdditionalErrorMsg: "
        "Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, "
        f"UID in object meta: {created['metadata']['uid']}")


@behaviour("K8S-013", "metadata.generation is 1 on create and grows when the spec changes, "
           "not when metadata does; kinds without a spec history have none",
           cite=CONVENTIONS + "#metadata")
def test_generation(target: Target) -> None:
    ns = target.namespace("generation")
    apps = target.api("AppsV1Api")
    created = apps.create_namespaced_deployment(ns, minimal("apps/v1", "Deployment", "d", ns))
    assert created.metadata.generation == 1
    merge = "application/merge-patch+json"
    labelled = apps.patch_namespaced_deployment("d", ns, {"metadata": {"labels": {"a": "b"}}},
                                                _content_type=merge)
    assert labelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("d", ns, {"spec": {"replicas": 2}},
                                              _content_type=merge)
    assert scaled.metadata.generation == 2
    plain = target.api("CoreV1Api").create_namespaced_config_map(ns, cm("c", ns))
    assert plain.metadata.generation is None


@behaviour("K8S-014", "generateName makes a name from the prefix and five random characters",
           cite=CONVENTIONS + "#idempotency")
def test_generate_name(target: Target) -> None:
    ns = target.namespace("generate")
    core = target.api("CoreV1Api")
    made = {core.create_namespaced_config_map(
        ns, {"metadata": {"generateName": "gen-"}}).metadata.name for _ in range(3)}
    assert len(made) == 3
    assert all(n.startswith("gen-") and len(n) == 9 for n in made)


@behaviour("K8S-015", "creating an object that exists is 409 AlreadyExists",
           cite=ERRORS_GO + " (NewAlreadyExists)")
def test_already_exists(target: Target) -> None:
    ns = target.namespace("exists")
    core = target.api("CoreV1Api")
    core.create_namespaced_config_map(ns, cm("a", ns))
    status = status_of(lambda: core.create_namespaced_config_map(ns, cm("a", ns)))
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Failure", "message": 'configmaps "a" already exists',
                      "reason": "AlreadyExists", "details": {"name": "a", "kind": "configmaps"},
                      "code": 409}


@behaviour("K8S-016", "reading an object that does not exist is 404 NotFound, named by "
           "resource and group", cite=ERRORS_GO + " (NewNotFound)")
def test_not_found(target: Target) -> None:
    ns = target.namespace("notfound")
    status = status_of(lambda: target.api("AppsV1Api").read_namespaced_deployment("nope", ns))
    assert status["message"] == 'deployments.apps "nope" not found'
    assert status["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}
    assert (status["reason"], status["code"]) == ("NotFound", 404)


@behaviour("K8S-017", "an update with a stale resourceVersion is 409 Conflict and changes "
           "nothing", cite=CONCURRENCY + " and " + ERRORS_GO + " (NewConflict)")
def test_stale_update(target: Target) -> None:
    ns = target.namespace("conflict")
    core = target.api("CoreV1Api")
    first = core.create_namespaced_config_map(ns, cm("a", ns))
    first.data = {"k": "1"}
    core.replace_namespaced_config_map("a", ns, first)
    first.data = {"k": "2"}
    status = status_of(lambda: core.replace_namespaced_config_map("a", ns, first))
    assert status["message"] == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
        "please apply your changes to the latest version and try again")
    assert status["details"] == {"name": "a", "kind": "configmaps"}
    assert core.read_namespaced_config_map("a", ns).data == {"k": "1"}


@behaviour("K8S-018", "an update without resourceVersion overwrites where the resource allows "
           "it (ConfigMap) and is 422 where it does not (Lease)", cite=CONCURRENCY + " and "
           + MEASURED)
def test_unconditional_update(target: Target) -> None:
    ns = target.namespace("unconditional")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns))
    replaced = target.http("PUT", f"{path}/a", body={**cm("a", ns), "data": {"k": "new"}})
    assert replaced.status_code == 200 and replaced.json()["data"] == {"k": "new"}
    leases = f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases"
    target.http("POST", leases, body=minimal("coordination.k8s.io/v1", "Lease", "l", ns))
    status = failure(target, "PUT", f"{leases}/l",
                     body=minimal("coordination.k8s.io/v1", "Lease", "l", ns))
    assert status["message"] == (
        'leases.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: '
        "0: must be specified for an update")
    assert (status["reason"], status["code"]) == ("Invalid", 422)


@behaviour("K8S-019", "PUT of a missing object is 404 unless the resource creates on update "
           "(Roles do: 201)", cite=API_CONCEPTS + "#resource-versions and " + MEASURED)
def test_create_on_update(target: Target) -> None:
    ns = target.namespace("createonupdate")
    status = failure(target, "PUT", f"/api/v1/namespaces/{ns}/configmaps/a",
                     body=cm("a", ns))
    assert status["message"] == 'configmaps "a" not found'
    role = minimal("rbac.authorization.k8s.io/v1", "Role", "r", ns)
    made = target.http("PUT", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles/r",
                       body=role)
    assert made.status_code == 201 and made.json()["metadata"]["uid"]


@behaviour("K8S-020", "names are validated as the resource requires: RFC 1123 subdomains for "
           "ConfigMaps, labels (no dots) for Namespaces, path segments for Roles",
           cite=CONVENTIONS + "#naming-conventions and " + VALIDATION_GO)
def test_name_validation(target: Target) -> None:
    ns = target.namespace("names")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    status = failure(target, "POST", path, body=cm("Bad_Name", ns))
    cause = f'Invalid value: "Bad_Name": {SUBDOMAIN}'
    assert status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'ConfigMap "Bad_Name" is invalid: metadata.name: {cause}',
        "reason": "Invalid", "details": {"name": "Bad_Name", "kind": "ConfigMap", "causes": [
            {"reason": "FieldValueInvalid", "message": cause, "field": "metadata.name"}]},
        "code": 422}
    dotted = failure(target, "POST", "/api/v1/namespaces",
                     body={"metadata": {"name": f"{ns}.x"}})
    assert dotted["message"] == (f'Namespace "{ns}.x" is invalid: metadata.name: Invalid '
                                 f'value: "{ns}.x": must not contain dots')
    role = minimal("rbac.authorization.k8s.io/v1", "Role", "Upper:Case", ns)
    roles = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles"
    assert target.http("POST", roles, body=role).status_code == 201
    bad = failure(target, "POST", roles, body={**role, "metadata": {"name": "a%b"}})
    assert bad["message"] == (
        "Role.rbac.authorization.k8s.io \"a%b\" is invalid: metadata.name: Invalid value: "
        "\"a%b\": may not contain '%'")
    assert bad["details"]["group"] == "rbac.authorization.k8s.io"
    for where, body, message in (
            (path, cm("c" * 254, ns), "must be no more than 253 characters"),
            ("/api/v1/namespaces", {"metadata": {"name": "n" * 64}},
             "must be no more than 63 characters"),
            (roles, {**role, "metadata": {"name": ".."}}, "may not be '..'")):
        long = failure(target, "POST", where, body=body)
        assert long["details"]["causes"][0]["message"].endswith(message)
    nameless = failure(target, "POST", path, body={"metadata": {}})
    assert nameless["message"] == ('ConfigMap "" is invalid: metadata.name: Required value: '
                                   "name or generateName is required")
    assert nameless["details"] == {"kind": "ConfigMap", "causes": [{
        "reason": "FieldValueRequired", "message": "Required value: name or generateName is "
        "required", "field": "metadata.name"}]}


@behaviour("K8S-021", "creating in a namespace that does not exist is 404 for the namespace",
           cite=API_CONCEPTS + "#resource-uris and " + MEASURED)
def test_missing_namespace(target: Target) -> None:
    missing = target.run_name("missing", separator="-")
    status = failure(target, "POST", f"/api/v1/namespaces/{missing}/configmaps",
                     body=cm("a", missing))
    assert status["message"] == f'namespaces "{missing}" not found'
    assert status["details"] == {"name": missing, "kind": "namespaces"}


@behaviour("K8S-022", "writes to the main resource keep the status; writes to /status keep "
           "the spec (and, for Deployments, the labels)",
           cite=CONVENTIONS + "#spec-and-status and " + MEASURED)
def test_status_subresource(target: Target) -> None:
    ns = target.namespace("status")
    core = target.api("CoreV1Api")
    core.create_namespaced_pod(ns, minimal("v1", "Pod", "p", ns))
    merge = "application/merge-patch+json"
    via_status = core.patch_namespaced_pod_status(
        "p", ns, {"metadata": {"labels": {"via": "status"}},
                  "spec": {"activeDeadlineSeconds": 5}, "status": {"message": "hello"}},
        _content_type=merge)
    assert via_status.status.message == "hello"
    assert via_status.spec.active_deadline_seconds is None
    assert via_status.metadata.labels == {"via": "status"}
    via_main = core.patch_namespaced_pod(
        "p", ns, {"metadata": {"labels": {"kept": "yes"}}, "status": {"message": "ignored"}},
        _content_type=merge)
    assert via_main.status.message == "hello" and via_main.metadata.labels["kept"] == "yes"
    read = target.http("GET", f"/api/v1/namespaces/{ns}/pods/p/status").json()
    assert read["kind"] == "Pod" and read["status"]["message"] == "hello"
    apps = target.api("AppsV1Api")
    apps.create_namespaced_deployment(ns, minimal("apps/v1", "Deployment", "d", ns))
    patched = apps.patch_namespaced_deployment_status(
        "d", ns, {"metadata": {"labels": {"via": "status"}, "annotations": {"a": "b"}}},
        _content_type=merge)
    assert "via" not in (patched.metadata.labels or {})
    assert patched.metadata.annotations["a"] == "b"


@behaviour("K8S-023", "a body that is not JSON is 400 BadRequest, and changes nothing",
           cite=ERRORS_GO + " and " + MEASURED)
def test_malformed_body(target: Target) -> None:
    ns = target.namespace("malformed")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    status = failure(target, "POST", path, raw=b"{not json")
    assert status["reason"] == "BadRequest" and status["message"].startswith(
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get "
        "version/kind; json parse error: ")
    empty = failure(target, "POST", path, raw=b"")
    assert empty["message"] == (
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get "
        "version/kind; json parse error: unexpected end of JSON input (<empty>)")
    for body in (b"[]", b'{"metadata": "x"}'):
        assert failure(target, "POST", path, raw=body)["code"] == 400
    listed = target.http("GET", path + "?labelSelector=none").json()
    assert listed["items"] == []


@behaviour("K8S-024", "a body whose kind or apiVersion is not the URL's is 400 BadRequest",
           cite=MEASURED)
def test_kind_mismatch(target: Target) -> None:
    ns = target.namespace("kind")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    secret = failure(target, "POST", path, body=minimal("v1", "Secret", "s", ns))
    assert secret["message"] == ('Secret in version "v1" cannot be handled as a ConfigMap: '
                                 "converting (v1.Secret) to (core.ConfigMap): unknown conversion")
    version = failure(target, "POST", path, body={**cm("c", ns), "apiVersion": "apps/v1"})
    assert version["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is '
        'registered for version "apps/v1" in scheme "pkg/runtime/scheme.go:111"')
    kindless = target.http("POST", path, body={"metadata": {"name": "bare"}})
    assert kindless.status_code == 201 and kindless.json()["kind"] == "ConfigMap"


@behaviour("K8S-025", "a body whose name or namespace is not the URL's is 400 BadRequest",
           cite=MEASURED)
def test_name_mismatch(target: Target) -> None:
    ns = target.namespace("mismatch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns))
    renamed = failure(target, "PUT", f"{path}/a", body=cm("b", ns))
    assert renamed["message"] == "the name of the object (b) does not match the name on the URL (a)"
    moved = failure(target, "POST", path, body=cm("c", "default"))
    assert moved["message"] == ("the namespace of the provided object does not match the "
                                "namespace sent on the request")


@behaviour("K8S-026", "fields the kind does not have: Strict refuses them, Warn (the default) "
           "drops them with a Warning header", cite=API_CONCEPTS + "#field-validation")
def test_field_validation(target: Target) -> None:
    ns = target.namespace("fields")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    body = {**cm("a", ns), "foo": 1}
    body["metadata"]["bar"] = 2
    strict = failure(target, "POST", path + "?fieldValidation=Strict", body=body)
    assert strict["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: '
                                 'strict decoding error: unknown field "metadata.bar", '
                                 'unknown field "foo"')
    warned = target.http("POST", path, body=body)
    assert warned.status_code == 201 and "foo" not in warned.json()
    assert warned.headers["Warning"] == ('299 - "unknown field \\"metadata.bar\\"", '
                                         '299 - "unknown field \\"foo\\""')
    patched = failure(target, "PATCH", f"{path}/a?fieldValidation=Strict", raw=b'{"zzz":1}',
                      content_type="application/merge-patch+json")
    assert patched["code"] == 422
    assert patched["message"].endswith('strict decoding error: unknown field "zzz"')
    bogus = failure(target, "POST", path + "?fieldValidation=Bogus", body=cm("b", ns))
    assert bogus["message"] == ('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: '
                                'Unsupported value: "Bogus": supported values: "", "Ignore", '
                                '"Strict", "Warn"')


@behaviour("K8S-027", "labels are validated: an invalid label value is 422 Invalid",
           cite=VALIDATION_GO + " (IsValidLabelValue)")
def test_label_validation(target: Target) -> None:
    ns = target.namespace("labels")
    status = failure(target, "POST", f"/api/v1/namespaces/{ns}/configmaps",
                     body=cm("a", ns, labels={"k": "B_"}))
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.labels"
    assert status["message"].startswith(
        'ConfigMap "a" is invalid: metadata.labels: Invalid value: "B_": a valid label must '
        "be an empty string or consist of alphanumeric characters")
    key = failure(target, "POST", f"/api/v1/namespaces/{ns}/configmaps",
                  body=cm("b", ns, annotations={"/x": "1"}, labels={"a" * 64: "v"}))
    assert [(c["field"], c["message"]) for c in key["details"]["causes"]] == [
        ("metadata.labels", f'Invalid value: "{"a" * 64}": name part must be no more than '
                            "63 bytes"),
        ("metadata.annotations", 'Invalid value: "/x": prefix part must be non-empty')]
    generated = failure(target, "POST", f"/api/v1/namespaces/{ns}/configmaps",
                        body={"metadata": {"generateName": "Bad_"}})
    assert [c["field"] for c in generated["details"]["causes"]] == [
        "metadata.generateName", "metadata.name"]
    assert generated["details"]["name"].startswith("Bad_")
