"""The wire around the objects: methods a path does not take, health checks, faults."""

from __future__ import annotations

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure, status_of
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target

HEALTH = "https://kubernetes.io/docs/reference/using-api/health-checks/"
FLOW_CONTROL = "https://kubernetes.io/docs/concepts/cluster-administration/flow-control/"


@behaviour("K8S-090", "a method a path does not take is 405 MethodNotAllowed",
           cite=API_CONCEPTS + "#api-verbs and " + MEASURED)
def test_method_not_allowed(target: Target) -> None:
    ns = target.namespace("methods")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns))
    expected = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "the server does not allow this method on the requested resource",
                "reason": "MethodNotAllowed", "details": {}, "code": 405}
    assert failure(target, "POST", f"{path}/a", body=cm("a", ns)) == expected
    assert failure(target, "DELETE", "/api/v1/namespaces") == expected


@behaviour("K8S-091", "/healthz, /readyz and /livez answer ok", cite=HEALTH)
def test_health(target: Target) -> None:
    for path in ("/healthz", "/readyz", "/livez"):
        answer = target.http("GET", path)
        assert (answer.status_code, answer.text) == (200, "ok")


@behaviour("K8S-092", "a subresource the kind does not have is 404 NotFound",
           cite=API_CONCEPTS + "#resource-uris and " + MEASURED)
def test_missing_subresource(target: Target) -> None:
    ns = target.namespace("subresource")
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body=cm("a", ns))
    status = failure(target, "GET", f"/api/v1/namespaces/{ns}/configmaps/a/status")
    assert status["message"] == "the server could not find the requested resource"


@behaviour("K8S-093", "throttling is 429 TooManyRequests with Retry-After and a Status",
           cite=FLOW_CONTROL)
def test_throttled(target: Target) -> None:
    target.require("fault_injection")
    from fakes.faults import Throttle

    target.inject(Throttle(retry_after=3), on="configmaps.list", times=1)
    try:
        answer = target.http("GET", "/api/v1/namespaces/default/configmaps")
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
        status = answer.json()
        assert (status["kind"], status["reason"]) == ("Status", "TooManyRequests")
        assert status["details"]["retryAfterSeconds"] == 3
    finally:
        target.clear_faults()


@behaviour("K8S-094", "an injected conflict is the apiserver's 409 for that object; an injected "
           "server error is a Status with its code", cite=API_CONCEPTS + " and " + MEASURED)
def test_injected_errors(target: Target) -> None:
    target.require("fault_injection")
    from fakes.faults import Conflict, ProviderFault

    ns = target.namespace("faults")
    core = target.api("CoreV1Api")
    made = core.create_namespaced_config_map(ns, cm("a", ns))
    target.inject(Conflict(), on="configmaps.update", times=1)
    target.inject(Conflict(message="someone else won"), on="configmaps.patch", times=1)
    target.inject(ProviderFault(status=503, message="etcd is away"), on="configmaps.get",
                  times=1)
    try:
        status = status_of(lambda: core.replace_namespaced_config_map("a", ns, made))
        assert status["message"] == (
            'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
            "please apply your changes to the latest version and try again")
        worded = status_of(lambda: core.patch_namespaced_config_map(
            "a", ns, {}, _content_type="application/merge-patch+json"))
        assert (worded["code"], worded["message"]) == (409, "someone else won")
        unavailable = status_of(lambda: core.read_namespaced_config_map("a", ns))
        assert (unavailable["code"], unavailable["reason"], unavailable["message"]) == (
            503, "ServiceUnavailable", "etcd is away")
    finally:
        target.clear_faults()


@behaviour("K8S-095", "the change log records each change with its actor and the object",
           cite="verified-fakes docs/kubernetes.md (the journal); " + API_CONCEPTS)
def test_journal(target: Target) -> None:
    target.require("journal")
    ns = target.namespace("journal")
    core = target.api("CoreV1Api")
    made = core.create_namespaced_config_map(ns, cm("a", ns))
    version = int(made.metadata.resource_version)
    core.delete_namespaced_config_map("a", ns)
    changes = target.changes_since(version - 1)
    assert [(c.operation, c.actor, c.resource) for c in changes] == [
        ("configmaps.create", "admin", f"configmaps/{ns}/a"),
        ("configmaps.delete", "admin", f"configmaps/{ns}/a")]
    assert changes[0].payload.object["metadata"]["name"] == "a"


@behaviour("K8S-096", "what the target does not model it refuses loudly, naming it: "
           "other subresources (501), protobuf alone (406)",
           cite="verified-fakes docs/kubernetes.md#not-modelled-yet")
def test_not_modelled_is_loud(target: Target) -> None:
    for flag in ("more_subresources",):
        target.require(flag, False)
    ns = target.namespace("loud")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns))
    for method, where, what in (("GET", "/api/v1/pods?fieldSelector=status.podIPs%3Dx",
                                 "status.podIPs"),
                                ("POST", f"/api/v1/namespaces/{ns}/pods/p/eviction",
                                 "pods/eviction")):
        status = failure(target, method, where, body=cm("b", ns) if method == "POST" else None)
        assert status["code"] == 501 and what in status["message"], status
    protobuf = "application/vnd.kubernetes.protobuf"
    refused = failure(target, "GET", path, headers={"Accept": protobuf})
    assert refused["code"] == 406 and protobuf in refused["message"]
    served = target.http("GET", path, headers={"Accept": protobuf + ",application/json"})
    assert served.json()["kind"] == "ConfigMapList"


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("GET", "/api/v2/foo", "status"), ("GET", "/foo", "plain"),
    ("GET", "/apis/apps/v9", "status"), ("GET", "/apis/example.invalid", "plain"),
    ("GET", "/api/v1/configmaps/x", "status"), ("GET", "/api/v1/namespaces/default/nodes",
                                                "status"),
    ("PUT", "/api/v1/namespaces/default/configmaps", "405"),
    ("PATCH", "/api/v1/namespaces/default/configmaps", "405"),
    ("POST", "/api/v1/namespaces/default/pods/p/status", "405"),
    ("DELETE", "/api/v1/namespaces/default/pods/p/status", "405"),
])
@behaviour("K8S-097", "paths no API serves: the legacy API and known groups answer a NotFound "
           "Status, other paths the mux's plain 404; a method a path does not take is 405",
           cite=API_CONCEPTS + "#resource-uris and " + MEASURED)
def test_paths(target: Target, method: str, path: str, expected: str) -> None:
    answer = target.http(method, path, raw=b"{}" if method != "GET" else None,
                         content_type="application/merge-patch+json")
    if expected == "plain":
        assert (answer.status_code, answer.text) == (404, "404 page not found\n")
    elif expected == "405":
        assert answer.status_code == 405 and answer.json()["reason"] == "MethodNotAllowed"
    else:
        assert answer.status_code == 404
        assert answer.json()["message"] == "the server could not find the requested resource"
    unknown = target.http("GET", "/openapi/v3/apis/example.invalid/v1")
    assert (unknown.status_code, unknown.content) == (404, b"")


@behaviour("K8S-098", "request options are validated: resourceVersionMatch and "
           "propagationPolicy values, a DeleteOptions body that is not JSON",
           cite=API_CONCEPTS + "#the-resourceversion-parameter and " + MEASURED)
def test_option_validation(target: Target) -> None:
    ns = target.namespace("options")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    bogus = failure(target, "GET", path + "?resourceVersionMatch=Bogus&resourceVersion=1")
    assert bogus["message"] == ('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: '
                                'Unsupported value: "Bogus": supported values: "Exact", '
                                '"NotOlderThan", ""')
    alone = failure(target, "GET", path + "?resourceVersionMatch=Exact")
    assert alone["message"] == ('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: '
                                "Forbidden: resourceVersionMatch is forbidden unless "
                                "resourceVersion is provided")
    target.http("POST", path, body=cm("z", ns))
    policy = failure(target, "DELETE", f"{path}/z", body={"propagationPolicy": "Bogus"})
    assert policy["message"] == ('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: '
                                 'Unsupported value: "Bogus": supported values: "Foreground", '
                                 '"Background", "Orphan", "nil"')
    assert policy["details"]["kind"] == "DeleteOptions"
    broken = failure(target, "DELETE", f"{path}/z", raw=b"{bad")
    assert broken["message"].startswith("couldn't get version/kind; json parse error: ")
    orphaned = target.http("DELETE", f"{path}/z?orphanDependents=true").json()
    assert orphaned["metadata"]["finalizers"] == ["orphan"]


@behaviour("K8S-099", "a body over 3 MiB is 413 RequestEntityTooLarge", cite=MEASURED)
def test_body_too_large(target: Target) -> None:
    ns = target.namespace("large")
    body = cm("big", ns)
    body["data"] = {"k": "x" * (3 * 1024 * 1024 + 10)}
    status = failure(target, "POST", f"/api/v1/namespaces/{ns}/configmaps", body=body)
    assert (status["reason"], status["message"]) == (
        "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
