"""Subresources beyond status: scale, pods/log, and what the connect subresources
answer where no node, kubelet or endpoint is there to connect to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, created, failure
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target

SCALE = ("https://kubernetes.io/docs/reference/kubernetes-api/autoscaling/horizontal-pod-"
         "autoscaler-v1/ and https://kubernetes.io/docs/tasks/run-application/scale-stateful-"
         "set/")
LOGS = "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#get-read-log-of-the-specified-pod"
CONNECT = ("https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/"
           "#get-connect-exec-of-pod")


def _pod(target: Target, ns: str, name: str, *containers: str,
         node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": c, "image": "registry.invalid/none:1"}
                                           for c in containers]}
    if node:
        spec["nodeName"] = node
    return created(target, f"/api/v1/namespaces/{ns}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})


def _status(answer: Any) -> tuple[int, str, str]:
    status = answer.json()
    assert status["kind"] == "Status" and status["code"] == answer.status_code
    return answer.status_code, status.get("reason", ""), status["message"]


@behaviour("K8S-210", "pods/log of a Pod no node runs is 204 No Content; the container is "
           "checked first (unknown, or not named where there are several: 400), numeric "
           "options too (not a number: 400; not positive: 422 PodLogOptions)",
           cite=LOGS + " and " + MEASURED)
def test_log_without_node(target: Target) -> None:
    ns = target.namespace("logs")
    _pod(target, ns, "p", "c")
    _pod(target, ns, "two", "a", "b")
    base = f"/api/v1/namespaces/{ns}/pods"
    empty = target.http("GET", f"{base}/p/log")
    assert (empty.status_code, empty.content) == (204, b"")
    assert target.http("GET", f"{base}/p/log?container=c&follow=true").status_code == 204
    assert _status(target.http("GET", f"{base}/p/log?container=bad")) == (
        400, "BadRequest", "container bad is not valid for pod p")
    assert _status(target.http("GET", f"{base}/two/log")) == (
        400, "BadRequest", "a container name must be specified for pod two, choose one of: "
        "[a b]")
    assert target.http("GET", f"{base}/two/log?container=b").status_code == 204
    assert _status(target.http("GET", f"{base}/p/log?tailLines=x")) == (
        400, "BadRequest", 'strconv.ParseInt: parsing "x": invalid syntax')
    limit = failure(target, "GET", f"{base}/p/log?limitBytes=0")
    assert (limit["reason"], limit["message"], limit["details"]) == (
        "Invalid", 'PodLogOptions "p" is invalid: limitBytes: Invalid value: 0: must be '
        "greater than 0", {"name": "p", "kind": "PodLogOptions", "causes": [{
            "reason": "FieldValueInvalid", "message": "Invalid value: 0: must be greater "
            "than 0", "field": "limitBytes"}]})
    since = failure(target, "GET", f"{base}/p/log?sinceSeconds=-1")
    assert since["message"].startswith('PodLogOptions "p" is invalid: sinceSeconds: ')
    assert _status(target.http("GET", f"{base}/nope/log"))[:2] == (404, "NotFound")
    assert _status(target.http("POST", f"{base}/p/log", body={}))[:2] == (
        405, "MethodNotAllowed")


@behaviour("K8S-211", "a Pod's log set by the test is what pods/log and kubectl logs answer, "
           "with tailLines and limitBytes applied; a Pod made again starts without one",
           cite=LOGS + " and verified-fakes docs/kubernetes.md (FakeCluster.set_pod_log)")
def test_seeded_log(target: Target) -> None:
    target.require("pod_logs")
    ns = target.namespace("seeded")
    _pod(target, ns, "p", "c")
    _pod(target, ns, "two", "a", "b")
    target.set_pod_log(ns, "p", "one\ntwo\nthree\n")
    target.set_pod_log(ns, "two", "from b\n", container="b")
    base = f"/api/v1/namespaces/{ns}/pods"
    answer = target.http("GET", f"{base}/p/log")
    assert (answer.status_code, answer.text) == (200, "one\ntwo\nthree\n")
    assert answer.headers["Content-Type"] == "text/plain"
    assert target.http("GET", f"{base}/p/log?tailLines=2").text == "two\nthree\n"
    assert target.http("GET", f"{base}/p/log?tailLines=0").text == ""
    assert target.http("GET", f"{base}/p/log?limitBytes=5").text == "one\nt"
    assert target.http("GET", f"{base}/two/log?container=b").text == "from b\n"
    assert target.http("GET", f"{base}/two/log?container=a").status_code == 204
    unmodelled = failure(target, "GET", f"{base}/p/log?timestamps=true")
    assert unmodelled["code"] == 501 and "timestamps" in unmodelled["message"]
    shown = target.kubectl("logs", "p", "-n", ns, "--tail=1")
    assert (shown.returncode, shown.stdout) == (0, "three\n"), shown.stderr
    target.http("DELETE", f"{base}/p")
    _pod(target, ns, "p", "c")
    assert target.http("GET", f"{base}/p/log").status_code == 204


@pytest.mark.parametrize("sub", ["exec", "attach", "portforward"])
@behaviour("K8S-212", "exec, attach and portforward of a Pod without a node are 400 'does not "
           "have a host assigned'; bound to a missing Node 404, to one without addresses "
           "500; otherwise a request that does not upgrade is 400 'Upgrade request "
           "required'; other methods are 405", cite=CONNECT + " and "
           + MEASURED)
def test_connect_without_runtime(target: Target, sub: str) -> None:
    ns = target.namespace(sub)
    node = target.cluster_name(f"{sub}-node", "/api/v1/nodes")
    bare = target.cluster_name(f"{sub}-bare", "/api/v1/nodes")
    for name, status in ((node, {"addresses": [{"type": "InternalIP",
                                                 "address": "192.0.2.1"}]}), (bare, {})):
        created(target, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                          "metadata": {"name": name},
                                          "spec": {"unschedulable": True}})
        if status:
            target.http("PATCH", f"/api/v1/nodes/{name}/status", raw=json.dumps(
                {"status": status}).encode(), content_type="application/merge-patch+json")
    _pod(target, ns, "p", "c")
    _pod(target, ns, "placed", "c", node=node)
    _pod(target, ns, "bare", "c", node=bare)
    _pod(target, ns, "lost", "c", node="vf-no-such-node")
    base = f"/api/v1/namespaces/{ns}/pods"
    for method in ("GET", "POST"):
        assert _status(target.http(method, f"{base}/p/{sub}?command=ls&container=c")) == (
            400, "BadRequest", "pod p does not have a host assigned")
        assert _status(target.http(method, f"{base}/placed/{sub}?command=ls")) == (
            400, "BadRequest", "Upgrade request required")
        assert _status(target.http(method, f"{base}/bare/{sub}?command=ls")) == (
            500, "", "no preferred addresses found; known addresses: []")
        assert _status(target.http(method, f"{base}/lost/{sub}?command=ls")) == (
            404, "NotFound", 'pods "vf-no-such-node" not found')
    assert _status(target.http("PUT", f"{base}/p/{sub}", body={}))[:2] == (
        405, "MethodNotAllowed")
    assert _status(target.http("GET", f"{base}/nope/{sub}")) == (
        404, "NotFound", 'pods "nope" not found')


@behaviour("K8S-213", "proxies without a target: a Pod without an IP is 400 'address not "
           "allowed', a Service without endpoints 503, a Node without addresses 500, a "
           "missing Pod or Node 404", cite=API_CONCEPTS + " and " + MEASURED)
def test_proxy_without_endpoints(target: Target) -> None:
    ns = target.namespace("proxy")
    _pod(target, ns, "p", "c")
    created(target, f"/api/v1/namespaces/{ns}/services", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80}], "selector": {"app": "none"}}})
    node = target.cluster_name("bare", "/api/v1/nodes")
    created(target, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                      "metadata": {"name": node},
                                      "spec": {"unschedulable": True}})
    base = f"/api/v1/namespaces/{ns}"
    for method in ("GET", "POST", "PUT", "DELETE"):
        assert _status(target.http(method, f"{base}/pods/p/proxy/x")) == (
            400, "BadRequest", "address not allowed")
        assert _status(target.http(method, f"{base}/services/s/proxy/")) == (
            503, "ServiceUnavailable", 'no endpoints available for service "s"')
    assert _status(target.http("GET", f"{base}/services/nope/proxy")) == (
        503, "ServiceUnavailable", 'no endpoints available for service "nope"')
    assert _status(target.http("GET", f"/api/v1/nodes/{node}/proxy/metrics")) == (
        500, "", "no preferred addresses found; known addresses: []")
    assert _status(target.http("GET", "/api/v1/nodes/vf-no-such-node/proxy"))[:2] == (
        404, "NotFound")
    assert _status(target.http("GET", f"{base}/pods/nope/proxy"))[:2] == (404, "NotFound")


_SCALABLE = [
    ("Deployment", "/apis/apps/v1", {"matchLabels": {"app": "x"}}, "app=x"),
    ("ReplicaSet", "/apis/apps/v1", {"matchLabels": {"app": "x"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["b", "a"]}]}, "app=x,tier in (a,b)"),
    ("StatefulSet", "/apis/apps/v1", {"matchLabels": {"app": "x"}}, "app=x"),
    ("ReplicationController", "/api/v1", {"app": "x"}, "app=x"),
]


def _scalable(target: Target, ns: str, kind: str, prefix: str, selector: dict[str, Any]
              ) -> tuple[str, dict[str, Any]]:
    plural = {"Deployment": "deployments", "ReplicaSet": "replicasets",
              "StatefulSet": "statefulsets", "ReplicationController": "replicationcontrollers"}
    path = f"{prefix}/namespaces/{ns}/{plural[kind]}"
    spec: dict[str, Any] = {"replicas": 0, "selector": selector, "template": {
        "metadata": {"labels": {"app": "x", "tier": "a"}},
        "spec": {"containers": [{"name": "c", "image": "registry.invalid/none:1"}]}}}
    if kind == "StatefulSet":
        spec["serviceName"] = "x"
    made = created(target, path, {"apiVersion": prefix.removeprefix("/apis/").removeprefix(
        "/api/"), "kind": kind, "metadata": {"name": "x"}, "spec": spec})
    return f"{path}/x", made


@pytest.mark.parametrize(("kind", "prefix", "selector", "shown"), _SCALABLE,
                         ids=[s[0] for s in _SCALABLE])
@behaviour("K8S-214", "scale reads an autoscaling/v1 Scale of the object: its name, uid and "
           "resourceVersion, spec.replicas (omitted when zero), and the selector as a "
           "string",
           cite=SCALE + " and " + MEASURED)
def test_scale_read(target: Target, kind: str, prefix: str, selector: dict[str, Any],
                    shown: str) -> None:
    ns = target.namespace("scale")
    path, made = _scalable(target, ns, kind, prefix, selector)
    scale = target.http("GET", f"{path}/scale").json()
    assert (scale["kind"], scale["apiVersion"]) == ("Scale", "autoscaling/v1")
    meta = scale["metadata"]
    # Read after the Scale: a real controller may have written the status since.
    current = target.http("GET", path).json()["metadata"]
    assert (meta["name"], meta["namespace"], meta["uid"], meta["creationTimestamp"]) == (
        "x", ns, made["metadata"]["uid"], made["metadata"]["creationTimestamp"])
    assert int(made["metadata"]["resourceVersion"]) <= int(meta["resourceVersion"]) <= int(
        current["resourceVersion"])
    assert scale["spec"] == {}  # zero, omitted
    assert scale["status"]["selector"] == shown
    assert isinstance(scale["status"].get("replicas", 0), int)


@behaviour("K8S-215", "writing a Scale (PUT, merge, JSON and strategic merge patches) sets the "
           "object's spec.replicas; a stale resourceVersion is the object's 409, a negative "
           "count 422, another name or kind 400, a missing object 404, other methods 405",
           cite=SCALE + " and " + MEASURED)
def test_scale_write(target: Target) -> None:
    ns = target.namespace("scalew")
    path, made = _scalable(target, ns, "Deployment", "/apis/apps/v1",
                           {"matchLabels": {"app": "x"}})
    scale = f"{path}/scale"
    first = target.http("GET", scale).json()
    # Without a resourceVersion the write is unconditional.
    put = target.http("PUT", scale, body={"metadata": {"name": "x"},
                                          "spec": {"replicas": 2}}).json()
    assert put["spec"] == {"replicas": 2}
    deployment = target.http("GET", path).json()
    assert deployment["spec"]["replicas"] == 2
    assert deployment["metadata"]["generation"] == made["metadata"]["generation"] + 1
    stale = failure(target, "PUT", scale, body={**first, "spec": {"replicas": 5}})
    assert (stale["code"], stale["message"], stale["details"]) == (
        409, 'Operation cannot be fulfilled on deployments.apps "x": the object has been '
        "modified; please apply your changes to the latest version and try again",
        {"name": "x", "group": "apps", "kind": "deployments"})
    for content_type, patch in (
            ("application/merge-patch+json", {"spec": {"replicas": 3}}),
            ("application/json-patch+json", [{"op": "replace", "path": "/spec/replicas",
                                              "value": 4}]),
            ("application/strategic-merge-patch+json", {"spec": {"replicas": 5}})):
        answer = target.http("PATCH", scale, raw=json.dumps(patch).encode(),
                             content_type=content_type)
        assert answer.status_code == 200, answer.text
    assert target.http("GET", path).json()["spec"]["replicas"] == 5
    negative = failure(target, "PUT", scale, body={"metadata": {"name": "x"},
                                                   "spec": {"replicas": -1}})
    assert (negative["code"], negative["message"], negative["details"]) == (
        422, 'Scale.autoscaling "x" is invalid: spec.replicas: Invalid value: -1: must be '
        "greater than or equal to 0", {"name": "x", "group": "autoscaling", "kind": "Scale",
                                       "causes": [{"reason": "FieldValueInvalid",
                                                   "message": "Invalid value: -1: must be "
                                                   "greater than or equal to 0",
                                                   "field": "spec.replicas"}]})
    renamed = failure(target, "PUT", scale, body={"metadata": {"name": "y"},
                                                  "spec": {"replicas": 1}})
    assert renamed["message"] == ("the name of the object (y) does not match the name on the "
                                  "URL (x)")
    other = failure(target, "PUT", scale, body={"kind": "Deployment", "apiVersion": "apps/v1",
                                                "metadata": {"name": "x"},
                                                "spec": {"replicas": 1}})
    assert other["message"] == ('Deployment in version "v1" cannot be handled as a Scale: '
                                "converting (v1.Deployment) to (autoscaling.Scale): unknown "
                                "conversion")
    for content_type, raw, message in (
            ("application/merge-patch+json", b"{bad", "invalid JSON patch"),
            ("application/json-patch+json", b"{}", "error decoding patch: json: cannot "
             "unmarshal object into Go value of type []handlers.jsonPatchOp"),
            ("application/json-patch+json",
             b'[{"op": "test", "path": "/spec/replicas", "value": 99}]',
             "the server rejected our request due to an error in our request")):
        refused = failure(target, "PATCH", scale, raw=raw, content_type=content_type)
        assert refused["message"] == message
    listed = failure(target, "PUT", scale, raw=b"[]")
    assert listed["message"] == (
        "the object provided is unrecognized (must be of type Scale): couldn't get "
        "version/kind; json parse error: json: cannot unmarshal array into Go value of type "
        'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string '
        '"json:\\"kind,omitempty\\"" } (5b5d)')
    worded = failure(target, "PUT", scale, body={"metadata": {"name": "x"},
                                                 "spec": {"replicas": "x"}})
    assert worded["message"] == (
        'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string '
        "into Go struct field ScaleSpec.spec.replicas of type int32")
    assert target.http("GET", path).json()["spec"]["replicas"] == 5
    missing = failure(target, "PUT", scale.replace("/x/", "/nope/"),
                      body={"metadata": {"name": "nope"}, "spec": {"replicas": 1}})
    assert missing["message"] == 'deployments.apps "nope" not found'
    for method in ("DELETE", "POST"):
        assert failure(target, method, scale, body={})["reason"] == "MethodNotAllowed"


@behaviour("K8S-216", "kubectl scale sets the replicas through the scale subresource, and "
           "refuses when --current-replicas does not match",
           cite="https://kubernetes.io/docs/reference/kubectl/generated/kubectl_scale/")
def test_kubectl_scale(target: Target) -> None:
    ns = target.namespace("kscale")
    path, _ = _scalable(target, ns, "Deployment", "/apis/apps/v1",
                        {"matchLabels": {"app": "x"}})
    done = target.kubectl("scale", "deployment/x", "-n", ns, "--replicas=3")
    assert done.returncode == 0 and "deployment.apps/x scaled" in done.stdout, done.stderr
    assert target.http("GET", path).json()["spec"]["replicas"] == 3
    refused = target.kubectl("scale", "deployment/x", "-n", ns, "--replicas=1",
                             "--current-replicas=2")
    assert refused.returncode != 0
    assert "Expected replicas to be 2, was 3" in refused.stderr
    assert target.http("GET", path).json()["spec"]["replicas"] == 3


@behaviour("K8S-217", "discovery lists the subresources served: pods/log (get), pods/exec "
           "(create, get), pods/proxy, and scale as autoscaling/v1 Scale",
           cite="https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api"
                " and " + MEASURED)
def test_subresource_discovery(target: Target) -> None:
    core = {r["name"]: r for r in target.http("GET", "/api/v1").json()["resources"]}
    assert core["pods/log"]["verbs"] == ["get"] and core["pods/log"]["kind"] == "Pod"
    assert core["pods/exec"]["verbs"] == ["create", "get"]
    assert core["pods/proxy"]["verbs"] == ["create", "delete", "get", "patch", "update"]
    assert core["services/proxy"]["kind"] == "ServiceProxyOptions"
    rc = core["replicationcontrollers/scale"]
    assert (rc["group"], rc["version"], rc["kind"], rc["verbs"]) == (
        "autoscaling", "v1", "Scale", ["get", "patch", "update"])
    apps = {r["name"]: r for r in target.http("GET", "/apis/apps/v1").json()["resources"]}
    assert apps["deployments/scale"]["group"] == "autoscaling"


@behaviour("K8S-219", "what needs a kubelet, a container runtime or a network the fake refuses "
           "loudly (501, naming it): streams to a bound Pod, proxies to a Pod or Node "
           "address; a bound Pod whose log was not set has an empty one; YAML and v1beta1 "
           "Tables are 406 alone and JSON where JSON is accepted",
           cite="verified-fakes docs/kubernetes.md#not-modelled-yet")
def test_no_runtime_is_loud(target: Target) -> None:
    target.require("more_subresources", False)
    ns = target.namespace("noruntime")
    node = target.cluster_name("addressed", "/api/v1/nodes")
    created(target, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                      "metadata": {"name": node}})
    target.http("PATCH", f"/api/v1/nodes/{node}/status", raw=json.dumps({"status": {
        "addresses": [{"type": "InternalIP", "address": "192.0.2.1"}]}}).encode(),
        content_type="application/merge-patch+json")
    _pod(target, ns, "placed", "c", node=node)
    _pod(target, ns, "p", "c")
    target.http("PATCH", f"/api/v1/namespaces/{ns}/pods/p/status", raw=json.dumps(
        {"status": {"podIP": "10.0.0.7"}}).encode(),
        content_type="application/merge-patch+json")
    base = f"/api/v1/namespaces/{ns}/pods"
    upgrade = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}
    for path, headers, what in (
            (f"{base}/placed/exec?command=ls", upgrade, "pods/exec"),
            (f"{base}/p/proxy/", {}, "pods/proxy"),
            (f"/api/v1/nodes/{node}/proxy/metrics", {}, "nodes/proxy")):
        status = failure(target, "GET", path, headers=headers)
        assert status["code"] == 501 and what in status["message"], status
    log = target.http("GET", f"{base}/placed/log")
    assert (log.status_code, log.text) == (200, "")
    table = "application/json;as=Table;v=v1;g=meta.k8s.io"
    for accept, named in ((table.replace("v=v1", "v=v1beta1"), "v1beta1"),
                          ("application/yaml", "application/yaml")):
        refused = failure(target, "GET", f"{base}/p", headers={"Accept": accept})
        assert refused["code"] == 406 and named in refused["message"]
    listed = target.http("GET", "/api/v1/nodes", headers={
        "Accept": table.replace("v=v1", "v=v1beta1") + ",application/json"})
    assert listed.json()["kind"] == "NodeList"
