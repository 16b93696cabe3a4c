"""The clients a user reaches for: the dynamic client, and state seeded out of band."""

from __future__ import annotations

from fakes.conformance.kubernetes._support import behaviour
from fakes.conformance.kubernetes.targets import API_CONCEPTS, Target

DYNAMIC = ("https://github.com/kubernetes-client/python/blob/master/kubernetes/base/dynamic/"
           "client.py")


@behaviour("K8S-110", "the dynamic client finds resources by discovery and creates, lists, "
           "patches and deletes through them", cite=DYNAMIC)
def test_dynamic_client(target: Target) -> None:
    ns = target.namespace("dynamic")
    leases = target.dynamic().resources.get(api_version="coordination.k8s.io/v1", kind="Lease")
    leases.create(namespace=ns, body={"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                      "metadata": {"name": "leader"},
                                      "spec": {"holderIdentity": "one"}})
    patched = leases.patch(namespace=ns, name="leader", body={"spec": {"holderIdentity": "two"}},
                           content_type="application/merge-patch+json")
    assert patched.spec.holderIdentity == "two"
    assert [i.metadata.name for i in leases.get(namespace=ns).items] == ["leader"]
    leases.delete(namespace=ns, name="leader")
    assert leases.get(namespace=ns).items == []


@behaviour("K8S-111", "objects written out of band (seeded) are what clients read; writing the "
           "same manifest again replaces them", cite=API_CONCEPTS + "#resource-versions")
def test_seeded_state(target: Target) -> None:
    ns = target.namespace("seeded")
    manifest = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: {ns}\n"
                "data:\n  k: one\n---\n"
                f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n"
                f"  namespace: {ns}\nspec:\n  replicas: 0\n  selector:\n    matchLabels:\n"
                "      app: d\n  template:\n    metadata:\n      labels:\n        app: d\n"
                "    spec:\n      containers:\n      - name: c\n        image: x\n")
    first = target.seed(manifest)
    assert [o["kind"] for o in first] == ["ConfigMap", "Deployment"]
    read = target.api("CoreV1Api").read_namespaced_config_map("a", ns)
    assert read.data == {"k": "one"}
    again = target.seed(manifest.replace("k: one", "k: two"))
    assert again[0]["metadata"]["uid"] == first[0]["metadata"]["uid"]
    assert target.read("ConfigMap", "a", ns)["data"] == {"k": "two"}
    assert target.read("Deployment", "d", ns)["spec"]["replicas"] == 0
    assert "a" in target.names("ConfigMap", ns, "")
    target.remove("ConfigMap", "a", ns)
    from kubernetes.client import ApiException

    try:
        target.api("CoreV1Api").read_namespaced_config_map("a", ns)
    except ApiException as error:
        assert error.status == 404
    else:
        raise AssertionError("the removed ConfigMap is still there")
    assert "a" not in target.names("ConfigMap", ns, "")


@behaviour("K8S-112", "resetting the target ends the watches open on it with 410 Expired",
           cite=API_CONCEPTS + "#410-gone-responses")
def test_reset_ends_watches(target: Target) -> None:
    target.require("resettable")
    import json
    import threading
    import time

    events: list[dict[str, object]] = []

    def watch() -> None:
        with target.http("GET", "/api/v1/namespaces/default/configmaps?watch=1"
                                "&timeoutSeconds=10", stream=True) as answer:
            events.extend(json.loads(line) for line in answer.iter_lines() if line)

    thread = threading.Thread(target=watch)
    thread.start()
    time.sleep(0.5)
    target.reset()
    thread.join(timeout=15)
    assert events and events[-1]["type"] == "ERROR"
    assert events[-1]["object"]["code"] == 410  # type: ignore[index]


@behaviour("K8S-113", "the official client's utils.create_from_yaml creates every object of "
           "a multi-document manifest through the typed APIs, and reports the ones that "
           "exist as FailToCreateError with the 409 of each",
           cite="https://github.com/kubernetes-client/python/blob/master/kubernetes/utils/"
                "create_from_yaml.py")
def test_create_from_yaml(target: Target) -> None:
    from kubernetes import utils

    ns = target.namespace("fromyaml")
    manifest = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
         "data": {"k": "v"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
         "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "d"}},
                  "template": {"metadata": {"labels": {"app": "d"}},
                               "spec": {"containers": [{"name": "c", "image": "x"}]}}}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": "r"}, "rules": []},
    ]
    created = utils.create_from_yaml(target.client(), yaml_objects=manifest, namespace=ns)
    assert [o.metadata.name for group in created for o in group] == ["a", "d", "r"]
    assert target.read("Deployment", "d", ns)["spec"]["replicas"] == 0
    try:
        utils.create_from_yaml(target.client(), yaml_objects=manifest[:2], namespace=ns)
    except utils.FailToCreateError as error:
        assert [e.status for e in error.api_exceptions] == [409, 409]
    else:
        raise AssertionError("creating the same objects again succeeded")


@behaviour("K8S-114", "utils.create_from_yaml with apply=True applies server-side through "
           "the dynamic client: it creates, then changes what the manifest changes, under "
           "the field manager python-client", cite="https://github.com/kubernetes-client/python/blob/"
           "master/kubernetes/utils/create_from_yaml.py and "
           "https://kubernetes.io/docs/reference/using-api/server-side-apply/")
def test_create_from_yaml_applies(target: Target) -> None:
    from kubernetes import utils

    ns = target.namespace("fromyamlapply")
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
                "data": {"k": "v"}}
    utils.create_from_yaml(target.client(), yaml_objects=[manifest], namespace=ns,
                           apply=True)
    utils.create_from_yaml(target.client(), yaml_objects=[{**manifest, "data": {"k": "w"}}],
                           namespace=ns, apply=True)
    stored = target.read("ConfigMap", "a", ns)
    assert stored["data"] == {"k": "w"}
    assert [(e["manager"], e["operation"]) for e in stored["metadata"]["managedFields"]] == [
        ("python-client", "Apply")]
