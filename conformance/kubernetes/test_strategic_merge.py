"""Strategic merge patch on built-in kinds: the official client's and kubectl's default."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import MEASURED, Target

SMP = "application/strategic-merge-patch+json"
SMP_DOC = ("https://github.com/kubernetes/community/blob/master/contributors/devel/"
           "sig-api-machinery/strategic-merge-patch.md")
KUBECTL_PATCH = ("https://kubernetes.io/docs/tasks/manage-kubernetes-objects/"
                 "update-api-object-kubectl-patch/")
CLIENT = ("https://github.com/kubernetes-client/python/blob/master/kubernetes/client/"
          "api_client.py")


def _deployment(target: Target, hint: str, containers: list[dict[str, Any]]) -> str:
    ns = target.namespace(hint)
    body = minimal("apps/v1", "Deployment", "d", ns)
    body["spec"]["template"]["spec"]["containers"] = containers
    target.api("AppsV1Api").create_namespaced_deployment(ns, body)
    return ns


def _containers(target: Target, ns: str) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = target.read("Deployment", "d", ns)[
        "spec"]["template"]["spec"]["containers"]
    return containers


@behaviour("K8S-120", "the official client's patch with a dict body is a strategic merge "
           "patch: maps merge recursively and null removes a field; a patch of null changes "
           "nothing",
           cite=SMP_DOC + "#basic-patch-format and " + CLIENT)
def test_client_patch_is_strategic(target: Target) -> None:
    ns = target.namespace("smp")
    core = target.api("CoreV1Api")
    core.create_namespaced_config_map(ns, cm("a", ns, labels={"keep": "1", "drop": "1"}))
    patched = core.patch_namespaced_config_map("a", ns, {
        "metadata": {"labels": {"drop": None, "new": "2"}}, "data": {"x": "y"}})
    assert patched.metadata.labels == {"keep": "1", "new": "2"}
    assert patched.data == {"k": "v", "x": "y"}
    path = f"/api/v1/namespaces/{ns}/configmaps/a"
    unchanged = target.http("PATCH", path, content_type=SMP, raw=b"null")
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["data"] == {"k": "v", "x": "y"}


@behaviour("K8S-121", "a list with patch strategy merge is merged by its merge key: matched "
           "elements merge, new ones are added; env merges by name, ports by "
           "containerPort; a list without that strategy (args) is replaced",
           cite=SMP_DOC + "#merging-lists and " + KUBECTL_PATCH + "#use-a-strategic-merge-"
                                                               "patch-to-update-a-deployment")
def test_lists_merge_by_key(target: Target) -> None:
    ns = _deployment(target, "smplists", [
        {"name": "a", "image": "registry.invalid/a:1", "args": ["one", "two"],
         "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
         "ports": [{"containerPort": 80}]}])
    target.api("AppsV1Api").patch_namespaced_deployment("d", ns, {"spec": {"template": {
        "spec": {"containers": [
            {"name": "a", "args": ["three"], "env": [{"name": "Y", "value": "3"},
                                                     {"name": "Z", "value": "4"}],
             "ports": [{"containerPort": 81}, {"containerPort": 80, "name": "http"}]},
            {"name": "b", "image": "registry.invalid/b:1"}]}}}})
    first, second = _containers(target, ns)
    assert (first["name"], first["image"], first["args"]) == ("a", "registry.invalid/a:1",
                                                              ["three"])
    assert [(e["name"], e["value"]) for e in first["env"]] == [("X", "1"), ("Y", "3"),
                                                               ("Z", "4")]
    # Merged elements take the patch's order, and new ones go before the server's own
    # (measured: apimachinery's normalizeElementOrder).
    assert [(p["containerPort"], p.get("name")) for p in first["ports"]] == [
        (81, None), (80, "http")]
    assert (second["name"], second["image"]) == ("b", "registry.invalid/b:1")


@behaviour("K8S-122", "$patch: delete removes a list element by its merge key, or a map; "
           "$patch: replace replaces a list or a map whole",
           cite=SMP_DOC + "#patch-directive")
def test_patch_directives(target: Target) -> None:
    ns = _deployment(target, "smpdirectives", [
        {"name": "a", "image": "registry.invalid/a:1"},
        {"name": "b", "image": "registry.invalid/b:1"},
        {"name": "c", "image": "registry.invalid/c:1"}])
    apps = target.api("AppsV1Api")
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "b", "$patch": "delete"}]}}}})
    assert [c["name"] for c in _containers(target, ns)] == ["a", "c"]
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "a", "env": [{"name": "X", "$patch": "delete"}]}]}}}})
    assert "env" not in _containers(target, ns)[0]
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "z", "image": "registry.invalid/z:1"}, {"$patch": "replace"}]}}}})
    assert [c["name"] for c in _containers(target, ns)] == ["z"]
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"metadata": {
        "annotations": {"a": "1", "b": "2"}}}}})
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"metadata": {
        "annotations": {"c": "3", "$patch": "replace"}}}}})
    template = target.read("Deployment", "d", ns)["spec"]["template"]
    assert template["metadata"]["annotations"] == {"c": "3"}
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"metadata": {
        "annotations": {"$patch": "delete"}}}}})
    template = target.read("Deployment", "d", ns)["spec"]["template"]
    assert "annotations" not in template["metadata"]


@behaviour("K8S-123", "a primitive list with patch strategy merge (finalizers) is merged as a "
           "set; $deleteFromPrimitiveList/<field> removes values from it (a value that is "
           "not a list removes nothing)",
           cite=SMP_DOC + "#deletefromprimitivelist-directive")
def test_primitive_lists(target: Target) -> None:
    ns = target.namespace("smpfinalizers")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns, finalizers=["x.io/a", "x.io/b"]))
    patched = target.http("PATCH", f"{path}/a", content_type=SMP, body={
        "metadata": {"finalizers": ["x.io/b", "x.io/c"]}}).json()
    assert patched["metadata"]["finalizers"] == ["x.io/a", "x.io/b", "x.io/c"]
    patched = target.http("PATCH", f"{path}/a", content_type=SMP, body={
        "metadata": {"$deleteFromPrimitiveList/finalizers": ["x.io/a", "x.io/c"]}}).json()
    assert patched["metadata"]["finalizers"] == ["x.io/b"]
    ignored = target.http("PATCH", f"{path}/a", content_type=SMP, body={
        "metadata": {"$deleteFromPrimitiveList/finalizers": "x.io/b"}}).json()
    assert ignored["metadata"]["finalizers"] == ["x.io/b"]
    emptied = target.http("PATCH", f"{path}/a", content_type=SMP, body={
        "metadata": {"$deleteFromPrimitiveList/finalizers": ["x.io/b"]}}).json()
    assert "finalizers" not in emptied["metadata"]


@behaviour("K8S-124", "$setElementOrder/<field> puts a merged list, or a primitive one, in "
           "the order it names",
           cite=SMP_DOC + "#setelementorder-directive")
def test_set_element_order(target: Target) -> None:
    ns = _deployment(target, "smporder", [
        {"name": "a", "image": "registry.invalid/a:1"},
        {"name": "b", "image": "registry.invalid/b:1"}])
    target.api("AppsV1Api").patch_namespaced_deployment("d", ns, {"spec": {"template": {
        "spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "b"}, {"name": "a"}],
                 "containers": [{"name": "c", "image": "registry.invalid/c:1"}]}}}})
    assert [c["name"] for c in _containers(target, ns)] == ["c", "b", "a"]
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/d"
    target.http("PATCH", path, content_type=SMP, body={"metadata": {
        "finalizers": ["x.io/a", "x.io/b"]}})
    patched = target.http("PATCH", path, content_type=SMP, body={"metadata": {
        "$setElementOrder/finalizers": ["x.io/b", "x.io/a"]}}).json()
    assert patched["metadata"]["finalizers"] == ["x.io/b", "x.io/a"]
    target.http("PATCH", path, content_type=SMP, body={"metadata": {"finalizers": None}})


@behaviour("K8S-125", "$retainKeys on a field with the retainKeys strategy (Deployment "
           "spec.strategy, a volume in a list merged by name) clears the fields it does "
           "not name",
           cite=SMP_DOC + "#retainkeys-strategy and " + KUBECTL_PATCH)
def test_retain_keys(target: Target) -> None:
    ns = _deployment(target, "smpretain", [{"name": "a", "image": "registry.invalid/a:1"}])
    apps = target.api("AppsV1Api")
    apps.patch_namespaced_deployment("d", ns, {"spec": {"strategy": {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2}}}})
    apps.patch_namespaced_deployment("d", ns, {"spec": {"strategy": {
        "$retainKeys": ["type"], "type": "Recreate"}}})
    assert target.read("Deployment", "d", ns)["spec"]["strategy"] == {"type": "Recreate"}
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"spec": {"volumes": [
        {"name": "v", "emptyDir": {}}]}}}})
    apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"spec": {"volumes": [
        {"name": "v", "$retainKeys": ["name", "configMap"], "configMap": {"name": "c"}}]}}}})
    volumes = target.read("Deployment", "d", ns)["spec"]["template"]["spec"]["volumes"]
    assert [sorted(v) for v in volumes] == [["configMap", "name"]]
    assert volumes[0]["configMap"]["name"] == "c"


@behaviour("K8S-126", "kubectl patch defaults to a strategic merge patch",
           cite=KUBECTL_PATCH)
def test_kubectl_patch(target: Target) -> None:
    ns = _deployment(target, "smpkubectl", [{"name": "a", "image": "registry.invalid/a:1"}])
    done = target.kubectl("patch", "deployment", "d", "-n", ns, "-p",
                          '{"spec":{"template":{"spec":{"containers":'
                          '[{"name":"b","image":"registry.invalid/b:1"}]}}}}')
    assert done.returncode == 0, done.stderr
    assert "deployment.apps/d patched" in done.stdout
    assert [c["name"] for c in _containers(target, ns)] == ["b", "a"]


@pytest.mark.parametrize(("raw", "code", "message"), [
    (b"[]", 400, "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    (b'"x"', 400, "json: cannot unmarshal string into Go value of type map[string]interface {}"),
    (b"{bad", 400, "invalid JSON patch"),
    (b'{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}', 500,
     "map: map[image:x] does not contain declared merge key: name"),
    (b'{"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"frob"}]}}}}', 500,
     "unknown patch type: frob in map: map[$patch:frob name:a]"),
    (b'{"spec":{"template":{"metadata":{"labels":{"$patch":"frob"}}}}}', 500,
     "unknown patch type: frob in map: map[$patch:frob]"),
    (b'{"spec":{"template":{"metadata":{"labels":{"$patch":"merge","b":"c"}}}}}', 500,
     "unknown patch type: merge in map: map[$patch:merge b:c]"),
    (b'{"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"merge"}]}}}}', 500,
     "merging lists cannot yet be specified in the patch"),
    (b'{"spec":{"template":{"spec":{"containers":[{"image":"x","args":["a","b"],'
     b'"stdin":true,"tty":null,"n":1.0,"m":1.5}]}}}}', 500,
     "map: map[args:[a b] image:x m:1.5 n:1 stdin:true tty:<nil>] does not contain "
     "declared merge key: name"),
    (b'{"metadata":{"$setElementOrder/finalizers":"x"}}', 500,
     "expected a []interface {}, but received a string"),
    (b'{"spec":{"strategy":{"$retainKeys":"type"}}}', 400,
     "invalid patch format of retainKeys"),
    (b'{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1}}}}', 400,
     "invalid patch format of retainKeys"),
], ids=["not-an-object", "a-string", "not-json", "no-merge-key", "bad-element-directive",
        "bad-map-directive", "merge-map-directive", "merge-list-directive",
        "go-values-in-message", "order-not-a-list", "retain-keys-not-a-list",
        "retain-keys-missing-a-field"])
@behaviour("K8S-127", "a strategic merge patch that cannot apply is refused and changes "
           "nothing: 400 if it is no JSON object or its $retainKeys is malformed, 500 if it "
           "cannot merge",
           cite=MEASURED)
def test_bad_strategic_patches(target: Target, raw: bytes, code: int, message: str) -> None:
    ns = _deployment(target, "smpbad", [{"name": "a", "image": "registry.invalid/a:1"}])
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/d"
    before = target.http("GET", path).json()
    status = failure(target, "PATCH", path, content_type=SMP, raw=raw)
    assert (status["code"], status.get("reason"), status["message"]) == (
        code, "BadRequest" if code == 400 else None, message)
    after = target.http("GET", path).json()
    # A real Deployment controller may write the status and its revision annotation
    # meanwhile: what the patches would have touched is compared.
    assert after["spec"] == before["spec"]
    assert {k: after["metadata"].get(k) for k in ("labels", "generation")} == {
        k: before["metadata"].get(k) for k in ("labels", "generation")}

