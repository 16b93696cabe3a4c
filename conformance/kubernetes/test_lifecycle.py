"""Namespace lifecycle and garbage collection: what kube-controller-manager's namespace
controller and garbage collector do, as clients watch and read it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

# kube-controller-manager at work: skipped on a bare API server (profile api-only).
pytestmark = pytest.mark.usefixtures("needs_controllers")

NAMESPACES = "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/"
NAMESPACE_CONTROLLER = ("https://github.com/kubernetes/kubernetes/blob/v1.37.2/pkg/controller/"
                        "namespace/deletion/namespaced_resources_deleter.go")
GC = "https://kubernetes.io/docs/concepts/architecture/garbage-collection/"
OWNERS = "https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/"
MERGE = "application/merge-patch+json"
ROLES = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
#: The conditions of a namespace whose content is all gone.
ALL_CLEAR = {
    "NamespaceDeletionDiscoveryFailure": (
        "False", "ResourcesDiscovered", "All resources successfully discovered"),
    "NamespaceDeletionGroupVersionParsingFailure": (
        "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
    "NamespaceDeletionContentFailure": (
        "False", "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization"),
    "NamespaceContentRemaining": ("False", "ContentRemoved", "All content successfully removed"),
    "NamespaceFinalizersRemaining": (
        "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
}


def _gone(target: Target, path: str) -> None:
    assert target.http("GET", path).status_code == 404


def _conditions(ns: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"])
            for c in ns["status"].get("conditions", [])}


def _watched(target: Target, path: str, since: str) -> list[tuple[str, dict[str, Any]]]:
    """The events a watch of ``path`` from resourceVersion ``since`` shows within 2 s."""
    sep = "&" if "?" in path else "?"
    with target.http("GET", f"{path}{sep}watch=1&resourceVersion={since}&timeoutSeconds=2",
                     stream=True) as answer:
        events = [json.loads(line) for line in answer.iter_lines() if line]
    return [(e["type"], e["object"]) for e in events]


def _release(target: Target, path: str) -> None:
    target.http("PATCH", path, content_type=MERGE, raw=b'{"metadata":{"finalizers":null}}')


def _being_deleted(target: Target, path: str) -> None:
    assert "deletionTimestamp" in target.http("GET", path).json()["metadata"]


def _ref(owner: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"],
            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"], **more}


def _made(target: Target, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = target.http("POST", path, body=body)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    made.setdefault("apiVersion", body["apiVersion"])
    made.setdefault("kind", body["kind"])
    return made


def _owners(target: Target, path: str) -> list[str]:
    found = target.http("GET", path).json()
    return [r["name"] for r in found["metadata"].get("ownerReferences", [])]


@behaviour("K8S-340", "default, kube-system and kube-public cannot be deleted: 403 "
           "Forbidden from the NamespaceLifecycle admission plugin, dry runs included",
           cite=NAMESPACES + " and " + MEASURED)
def test_system_namespaces(target: Target) -> None:
    for name in ("default", "kube-system", "kube-public"):
        for query in ("", "?dryRun=All"):
            refused = failure(target, "DELETE", f"/api/v1/namespaces/{name}{query}")
            assert refused["code"] == 403 and refused["reason"] == "Forbidden"
            assert refused["message"] == (f'namespaces "{name}" is forbidden: this namespace '
                                          "may not be deleted")
            assert refused["details"] == {"name": name, "kind": "namespaces"}
        assert "deletionTimestamp" not in target.http(
            "GET", f"/api/v1/namespaces/{name}").json()["metadata"]


@behaviour("K8S-341", "a namespace's deletion is watched as: MODIFIED (Terminating, the "
           "kubernetes finalizer in spec), MODIFIED (the controller's five conditions, all "
           "False), DELETED; its content goes first",
           cite=NAMESPACES + ", " + NAMESPACE_CONTROLLER + " and " + MEASURED)
def test_namespace_deletion_events(target: Target) -> None:
    ns = target.namespace("nsevents")
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body=cm("a", ns))
    path = f"/api/v1/namespaces/{ns}"
    since = target.http("GET", path).json()["metadata"]["resourceVersion"]
    answer = target.http("DELETE", path)
    assert answer.status_code == 200
    deleting = answer.json()
    assert deleting["status"] == {"phase": "Terminating"}
    assert deleting["spec"] == {"finalizers": ["kubernetes"]}
    assert "deletionGracePeriodSeconds" not in deleting["metadata"]
    eventually(lambda: _gone(target, path), timeout=60)
    _gone(target, f"{path}/configmaps/a")
    events = _watched(target, f"/api/v1/namespaces?fieldSelector=metadata.name%3D{ns}", since)
    assert [kind for kind, _ in events] == ["MODIFIED", "MODIFIED", "DELETED"]
    assert events[0][1]["status"] == {"phase": "Terminating"}
    assert _conditions(events[1][1]) == ALL_CLEAR
    assert [c["type"] for c in events[1][1]["status"]["conditions"]] == list(ALL_CLEAR)
    assert events[2][1]["spec"] == {"finalizers": ["kubernetes"]}  # as last stored


@behaviour("K8S-342", "an object's finalizer holds its namespace Terminating, with the "
           "conditions naming what remains by resource and by finalizer; released, the "
           "namespace goes (its conditions all False first); new content is refused "
           "meanwhile",
           cite=NAMESPACE_CONTROLLER + " and " + MEASURED)
def test_namespace_held_by_content(target: Target) -> None:
    ns = target.namespace("nsheld")
    cms = f"/api/v1/namespaces/{ns}/configmaps"
    for name in ("a", "b"):
        target.http("POST", cms, body=cm(name, ns, finalizers=["example.com/hold"]))
    target.http("POST", f"/api/v1/namespaces/{ns}/secrets",
                body=minimal("v1", "Secret", "s", ns, finalizers=["example.com/other"]))
    path = f"/api/v1/namespaces/{ns}"
    target.http("DELETE", path)

    def stuck() -> dict[str, Any]:
        found: dict[str, Any] = target.http("GET", path).json()
        assert "NamespaceContentRemaining" in _conditions(found)
        return found

    held = eventually(stuck, timeout=60)
    assert held["status"]["phase"] == "Terminating"
    assert held["spec"] == {"finalizers": ["kubernetes"]}
    assert _conditions(held) == {
        **ALL_CLEAR,
        "NamespaceContentRemaining": (
            "True", "SomeResourcesRemain",
            "Some resources are remaining: configmaps. has 2 resource instances, secrets. has "
            "1 resource instances"),
        "NamespaceFinalizersRemaining": (
            "True", "SomeFinalizersRemain",
            "Some content in the namespace has finalizers remaining: example.com/hold in 2 "
            "resource instances, example.com/other in 1 resource instances"),
    }
    assert target.http("GET", f"{cms}/a").json()["metadata"]["deletionTimestamp"]
    refused = failure(target, "POST", f"/apis/apps/v1/namespaces/{ns}/deployments",
                      body=minimal("apps/v1", "Deployment", "d", ns))
    assert refused["code"] == 403 and refused["message"] == (
        f'deployments.apps "d" is forbidden: unable to create new content in namespace {ns} '
        "because it is being terminated")
    assert refused["details"]["group"] == "apps" and refused["details"]["kind"] == "deployments"
    since = held["metadata"]["resourceVersion"]
    for each in (f"{cms}/a", f"{cms}/b", f"/api/v1/namespaces/{ns}/secrets/s"):
        _release(target, each)
    eventually(lambda: _gone(target, path), timeout=60)
    events = _watched(target, f"/api/v1/namespaces?fieldSelector=metadata.name%3D{ns}", since)
    assert events[-1][0] == "DELETED" and _conditions(events[-1][1]) == ALL_CLEAR


@behaviour("K8S-343", "a namespace goes only when both its spec.finalizers and its own "
           "metadata.finalizers are empty: while content holds the spec's, it outlives its "
           "metadata finalizers; once the controller has emptied the spec, a metadata "
           "finalizer holds it, with every condition False",
           cite=NAMESPACES + " and " + MEASURED)
def test_namespace_own_finalizer(target: Target) -> None:
    held_ns, own_ns = target.namespace("nsfinalizer"), target.namespace("nsfinalizer-own")
    hold = b'{"metadata":{"finalizers":["example.com/hold"]}}'
    for ns in (held_ns, own_ns):
        target.http("PATCH", f"/api/v1/namespaces/{ns}", content_type=MERGE, raw=hold)
    path = f"/api/v1/namespaces/{held_ns}"
    target.http("POST", f"{path}/configmaps", body=cm("held", held_ns,
                                                       finalizers=["example.com/x"]))
    target.http("DELETE", path)
    _release(target, path)
    assert target.http("GET", path).json()["spec"] == {"finalizers": ["kubernetes"]}
    _release(target, f"{path}/configmaps/held")
    eventually(lambda: _gone(target, path), timeout=60)
    path = f"/api/v1/namespaces/{own_ns}"
    target.http("DELETE", path)

    def finalized() -> dict[str, Any]:
        found: dict[str, Any] = target.http("GET", path).json()
        assert found["spec"] == {}
        return found

    left = eventually(finalized, timeout=60)
    assert left["metadata"]["finalizers"] == ["example.com/hold"]
    assert left["status"]["phase"] == "Terminating" and _conditions(left) == ALL_CLEAR
    _release(target, path)
    _gone(target, path)


@behaviour("K8S-344", "PUT namespaces/NAME/finalize writes spec.finalizers (qualified names "
           "or a standard finalizer, 422 otherwise) and the metadata, not the status; it is "
           "the only method (405); a finalizer of the user's holds a Terminating namespace "
           "until finalize removes it", cite=NAMESPACES + " and " + MEASURED)
def test_finalize(target: Target) -> None:
    ns = target.namespace("nsfinalize")
    path = f"/api/v1/namespaces/{ns}"
    current = target.http("GET", path).json()
    body = {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {**current["metadata"]["labels"], "x": "y"}}}

    def finalize(*finalizers: str, name: str = ns) -> Any:
        sent = {**body, "metadata": {**body["metadata"], "name": name},
                "spec": {"finalizers": list(finalizers)}, "status": {"phase": "Nonsense"}}
        return target.http("PUT", f"/api/v1/namespaces/{name}/finalize", body=sent)

    bad = finalize("bad finalizer").json()
    assert bad["code"] == 422 and bad["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "field": "spec.finalizers[0]", "message":
         "Invalid value: \"bad finalizer\": name part must consist of alphanumeric "
         "characters, '-', '_' or '.', and must start and end with an alphanumeric "
         "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
         "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
        {"reason": "FieldValueInvalid", "field": "spec.finalizers[0]", "message":
         "Invalid value: \"bad finalizer\": name is neither a standard finalizer name nor is "
         "it fully qualified"}]
    nodots = finalize("nodots").json()
    assert nodots["message"] == (
        f'Namespace "{ns}" is invalid: spec.finalizers[0]: Invalid value: "nodots": name is '
        "neither a standard finalizer name nor is it fully qualified")
    written = finalize("kubernetes", "example.com/extra")
    assert written.status_code == 200
    assert written.json()["spec"] == {"finalizers": ["kubernetes", "example.com/extra"]}
    assert written.json()["status"] == {"phase": "Active"}
    assert written.json()["metadata"]["labels"]["x"] == "y"
    for method in ("GET", "PATCH"):
        refused = failure(target, method, f"{path}/finalize", content_type=MERGE, raw=b"{}")
        assert refused["code"] == 405
    missing = finalize(name="vf-no-such-namespace").json()
    assert missing["code"] == 404
    assert missing["message"] == 'namespaces "vf-no-such-namespace" not found'
    target.http("DELETE", path)

    def waiting() -> dict[str, Any]:
        found: dict[str, Any] = target.http("GET", path).json()
        assert found["spec"] == {"finalizers": ["example.com/extra"]}
        return found

    held = eventually(waiting, timeout=60)
    assert held["status"]["phase"] == "Terminating" and _conditions(held) == ALL_CLEAR
    done = finalize()
    assert done.status_code == 200 and done.json()["spec"] == {}
    _gone(target, path)


@behaviour("K8S-345", "propagationPolicy Foreground: the owner gets deletionTimestamp and "
           "the foregroundDeletion finalizer, its dependents are deleted (one with another, "
           "living owner only loses the reference), a blocking dependent held by its own "
           "finalizer holds the owner, and the owner goes after it",
           cite=GC + "#foreground-deletion and " + MEASURED)
def test_foreground(target: Target) -> None:
    ns = target.namespace("foreground")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    owner = _made(target, path, cm("owner", ns))
    other = _made(target, path, cm("other", ns))
    blocking = _ref(owner, blockOwnerDeletion=True)
    target.http("POST", path, body=cm("blocking", ns, ownerReferences=[blocking]))
    target.http("POST", path, body=cm("loose", ns, ownerReferences=[_ref(owner)]))
    target.http("POST", path, body=cm("held", ns, ownerReferences=[blocking],
                                      finalizers=["example.com/hold"]))
    target.http("POST", path, body=cm("shared", ns, ownerReferences=[blocking, _ref(other)]))
    answer = target.http("DELETE", f"{path}/owner", body={"propagationPolicy": "Foreground"})
    assert answer.status_code == 200
    assert answer.json()["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert answer.json()["metadata"]["deletionTimestamp"]

    def dependents_gone() -> None:
        for name in ("blocking", "loose"):
            _gone(target, f"{path}/{name}")
        assert _owners(target, f"{path}/shared") == ["other"]
        assert target.http("GET", f"{path}/held").json()["metadata"]["deletionTimestamp"]

    eventually(dependents_gone, timeout=60)
    waiting = target.http("GET", f"{path}/owner").json()
    assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"]
    since = target.http("GET", path).json()["metadata"]["resourceVersion"]
    _release(target, f"{path}/held")
    eventually(lambda: _gone(target, f"{path}/owner"), timeout=60)
    events = [(kind, obj["metadata"]["name"]) for kind, obj in _watched(target, path, since)]
    assert events == [("DELETED", "held"), ("DELETED", "owner")]
    # Without dependents, the finalizer goes at once.
    target.http("POST", path, body=cm("alone", ns))
    alone = target.http("DELETE", f"{path}/alone", body={"propagationPolicy": "Foreground"})
    assert alone.json()["metadata"]["finalizers"] == ["foregroundDeletion"]
    eventually(lambda: _gone(target, f"{path}/alone"), timeout=60)


@behaviour("K8S-346", "propagationPolicy Orphan on an object with a finalizer of its own: "
           "the answer lists the orphan finalizer after it; the dependents lose the owner "
           "reference (keeping their others), then the orphan finalizer goes",
           cite=GC + "#orphaned-dependents and " + MEASURED)
def test_orphan(target: Target) -> None:
    ns = target.namespace("orphan")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    owner = _made(target, path, cm("owner", ns, finalizers=["example.com/hold"]))
    other = _made(target, path, cm("other", ns))
    target.http("POST", path, body=cm("dep", ns, ownerReferences=[_ref(owner)]))
    target.http("POST", path, body=cm("shared", ns, ownerReferences=[_ref(owner),
                                                                     _ref(other)]))
    since = target.http("GET", path).json()["metadata"]["resourceVersion"]
    answer = target.http("DELETE", f"{path}/owner", body={"propagationPolicy": "Orphan"}).json()
    assert answer["metadata"]["finalizers"] == ["example.com/hold", "orphan"]

    def orphaned() -> None:
        assert "ownerReferences" not in target.http("GET", f"{path}/dep").json()["metadata"]
        assert _owners(target, f"{path}/shared") == ["other"]
        assert target.http("GET", f"{path}/owner").json()["metadata"]["finalizers"] == [
            "example.com/hold"]

    eventually(orphaned, timeout=60)
    events = _watched(target, path, since)
    owner_events = [o["metadata"].get("finalizers") for _, o in events
                    if o["metadata"]["name"] == "owner"]
    assert owner_events == [["example.com/hold", "orphan"], ["example.com/hold"]]
    assert events[-1][1]["metadata"]["name"] == "owner"  # dependents first
    _release(target, f"{path}/owner")
    _gone(target, f"{path}/owner")


@behaviour("K8S-347", "a dependent with several owners is deleted only when the last one "
           "is gone: it loses the references to owners that went before",
           cite=OWNERS + " and " + MEASURED)
def test_several_owners(target: Target) -> None:
    ns = target.namespace("owners")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    a, b = _made(target, path, cm("a", ns)), _made(target, path, cm("b", ns))
    target.http("POST", path, body=cm("ab", ns, ownerReferences=[_ref(a), _ref(b)]))
    target.http("DELETE", f"{path}/a")
    eventually(lambda: _owners(target, f"{path}/ab") == ["b"] or _fail(), timeout=60)
    target.http("DELETE", f"{path}/b")
    eventually(lambda: _gone(target, f"{path}/ab"), timeout=60)


def _fail() -> bool:
    raise AssertionError


@behaviour("K8S-348", "an owner reference is checked by kind, name and uid: a dependent "
           "whose owner's uid does not exist, or names the uid of an object of another name "
           "or kind, is collected; one whose owner's kind is not served is left alone",
           cite=OWNERS + " and " + MEASURED)
def test_dangling_owners(target: Target) -> None:
    ns = target.namespace("dangling")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    x = _made(target, path, cm("x", ns))
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost",
             "uid": str(uuid.uuid4())}
    for name, ref in (("dangling", ghost), ("misnamed", _ref(x, name="not-x")),
                      ("miskinded", _ref(x, kind="Secret")),
                      ("unserved", _ref(x, kind="Widget", apiVersion="example.com/v1"))):
        target.http("POST", path, body=cm(name, ns, ownerReferences=[ref]))
    for name in ("dangling", "misnamed", "miskinded"):
        eventually(lambda name=name: _gone(target, f"{path}/{name}"), timeout=60)
    assert _owners(target, f"{path}/unserved") == ["x"]
    assert target.http("GET", f"{path}/x").status_code == 200


def _events(target: Target, namespace: str, uid: str) -> list[dict[str, Any]]:
    found = target.http("GET", f"/api/v1/namespaces/{namespace}/events"
                               f"?fieldSelector=involvedObject.uid%3D{uid}").json()
    items: list[dict[str, Any]] = found["items"]
    return items


@behaviour("K8S-349", "across namespaces: a cluster-scoped owner of a namespaced dependent "
           "is valid; a namespaced owner in another namespace counts as absent (the "
           "dependent is collected) and a cluster-scoped dependent of a namespaced kind is "
           "never collected, each with a Warning Event OwnerRefInvalidNamespace",
           cite=OWNERS + " and " + MEASURED)
def test_cross_namespace_owners(target: Target) -> None:
    ns, far_ns = target.namespace("crossns"), target.namespace("crossns-far")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    role_name = target.cluster_name("gc-owner", ROLES)
    role = _made(target, ROLES, {**minimal("rbac.authorization.k8s.io/v1", "ClusterRole",
                                           role_name, None), "rules": []})
    target.http("POST", path, body=cm("cluster-owned", ns, ownerReferences=[_ref(role)]))
    far = _made(target, f"/api/v1/namespaces/{far_ns}/configmaps", cm("far", far_ns))
    crossed = _made(target, path, cm("crossed", ns, ownerReferences=[_ref(far)]))
    x = _made(target, path, cm("x", ns))
    dependent_name = target.cluster_name("gc-dependent", ROLES)
    dependent = _made(target, ROLES, {**minimal(
        "rbac.authorization.k8s.io/v1", "ClusterRole", dependent_name, None,
        ownerReferences=[_ref(x)]), "rules": []})
    eventually(lambda: _gone(target, f"{path}/crossed"), timeout=60)

    def reported(namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        found = _events(target, namespace, obj["metadata"]["uid"])
        assert len(found) == 1
        return found[0]

    event = eventually(lambda: reported(ns, crossed), timeout=60)
    assert (event["type"], event["reason"], event["count"]) == (
        "Warning", "OwnerRefInvalidNamespace", 1)
    assert event["message"] == (
        f"ownerRef [v1/ConfigMap, namespace: {ns}, name: far, uid: "
        f"{far['metadata']['uid']}] does not exist in namespace \"{ns}\"")
    assert event["source"] == {"component": "garbage-collector-controller"}
    assert event["reportingComponent"] == "garbage-collector-controller"
    assert event["involvedObject"] == {
        "kind": "ConfigMap", "namespace": ns, "name": "crossed",
        "uid": crossed["metadata"]["uid"], "apiVersion": "v1"}
    assert event["metadata"]["name"].startswith("crossed.")
    cluster_event = eventually(lambda: reported("default", dependent), timeout=60)
    assert cluster_event["message"] == (
        f"ownerRef [v1/ConfigMap, namespace: , name: x, uid: {x['metadata']['uid']}] does "
        'not exist in namespace ""')
    assert cluster_event["involvedObject"] == {
        "kind": "ClusterRole", "name": dependent_name, "uid": dependent["metadata"]["uid"],
        "apiVersion": "rbac.authorization.k8s.io/v1"}
    assert target.http("GET", f"{ROLES}/{dependent_name}").status_code == 200
    assert target.http("GET", f"{path}/cluster-owned").status_code == 200
    target.http("DELETE", f"{path}/x")  # reported once, not again
    _gone(target, f"{path}/x")
    assert reported("default", dependent)["count"] == 1
    target.http("DELETE", f"{ROLES}/{role_name}")
    eventually(lambda: _gone(target, f"{path}/cluster-owned"), timeout=60)


@behaviour("K8S-350", "propagation without a policy follows the kind (a Job and a "
           "ReplicationController orphan, a Deployment does not); orphanDependents=true "
           "orphans, =false cascades and answers 202 for an object that stays; with "
           "propagationPolicy too it is 422; a namespace takes the policy's finalizer",
           cite=GC + "#cascading-deletion and " + MEASURED)
def test_propagation_defaults(target: Target) -> None:
    ns = target.namespace("propagation")
    cms = f"/api/v1/namespaces/{ns}/configmaps"
    for api_version, kind, plural, orphans in (
            ("batch/v1", "Job", "jobs", True),
            ("v1", "ReplicationController", "replicationcontrollers", True),
            ("apps/v1", "Deployment", "deployments", False)):
        base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        path = f"{base}/namespaces/{ns}/{plural}"
        owner = _made(target, path, minimal(api_version, kind, "owner", ns))
        target.http("POST", cms, body=cm(f"{plural}-dep", ns, ownerReferences=[_ref(owner)]))
        target.http("DELETE", f"{path}/owner")
        eventually(lambda path=path: _gone(target, f"{path}/owner"), timeout=60)
        if orphans:
            eventually(lambda plural=plural: _owners(
                target, f"{cms}/{plural}-dep") == [] or _fail(), timeout=60)
        else:
            eventually(lambda plural=plural: _gone(target, f"{cms}/{plural}-dep"), timeout=60)
    owner = _made(target, cms, cm("owner", ns))
    target.http("POST", cms, body=cm("kept", ns, ownerReferences=[_ref(owner)]))
    assert target.http("DELETE", f"{cms}/owner?orphanDependents=true").status_code == 200
    eventually(lambda: _owners(target, f"{cms}/kept") == [] or _fail(), timeout=60)
    target.http("POST", cms, body=cm("held", ns, finalizers=["example.com/hold"]))
    accepted = target.http("DELETE", f"{cms}/held", body={"orphanDependents": False})
    assert accepted.status_code == 202
    assert accepted.json()["metadata"]["finalizers"] == ["example.com/hold"]
    both = failure(target, "DELETE", f"{cms}/kept", body={"orphanDependents": True,
                                                          "propagationPolicy": "Background"})
    assert both["message"] == (
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: '
        '"Background": orphanDependents and deletionPropagation cannot be both set')
    assert target.http("GET", f"{cms}/kept").status_code == 200
    _release(target, f"{cms}/held")
    other = target.namespace("propagation-ns")
    answer = target.http("DELETE", f"/api/v1/namespaces/{other}",
                         body={"propagationPolicy": "Foreground"}).json()
    assert answer["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert answer["spec"] == {"finalizers": ["kubernetes"]}
    eventually(lambda: _gone(target, f"/api/v1/namespaces/{other}"), timeout=60)


@behaviour("K8S-351", "kubectl delete namespace waits until the namespace is gone, and "
           "reports it", cite=NAMESPACES + " and " + MEASURED)
def test_kubectl_delete_namespace(target: Target) -> None:
    ns = target.namespace("kubectl-ns")
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body=cm("a", ns))
    done = target.kubectl("delete", "namespace", ns, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f'namespace "{ns}" deleted'
    _gone(target, f"/api/v1/namespaces/{ns}")


@behaviour("K8S-352", "Foreground through a tree: a dependent that owns others is deleted "
           "in the foreground too, and each owner goes after its blocking dependents "
           "(watched: the held leaf, then its owner, then the root)",
           cite=GC + "#foreground-deletion and " + MEASURED)
def test_foreground_tree(target: Target) -> None:
    ns = target.namespace("foreground-tree")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    root = _made(target, path, cm("root", ns))
    middle = _made(target, path, cm("middle", ns, ownerReferences=[
        _ref(root, blockOwnerDeletion=True)]))
    target.http("POST", path, body=cm("leaf", ns, finalizers=["example.com/hold"],
                                      ownerReferences=[_ref(middle, blockOwnerDeletion=True)]))
    target.http("POST", path, body=cm("loose", ns, ownerReferences=[_ref(middle)]))
    target.http("DELETE", f"{path}/root", body={"propagationPolicy": "Foreground"})

    def waiting() -> None:
        _gone(target, f"{path}/loose")
        assert target.http("GET", f"{path}/leaf").json()["metadata"]["deletionTimestamp"]
        for name in ("root", "middle"):
            found = target.http("GET", f"{path}/{name}").json()["metadata"]
            assert found["finalizers"] == ["foregroundDeletion"]

    eventually(waiting, timeout=60)
    since = target.http("GET", path).json()["metadata"]["resourceVersion"]
    _release(target, f"{path}/leaf")
    eventually(lambda: _gone(target, f"{path}/root"), timeout=60)
    events = [(kind, obj["metadata"]["name"]) for kind, obj in _watched(target, path, since)]
    assert events == [("DELETED", "leaf"), ("DELETED", "middle"), ("DELETED", "root")]


@behaviour("K8S-353", "a DELETE of an object already being deleted changes its finalizers "
           "as its propagationPolicy asks: Orphan adds orphan (and the collector orphans), "
           "Background drops foregroundDeletion, and without another finalizer the object "
           "goes at once (a Success Status)", cite=GC + " and " + MEASURED)
def test_delete_again(target: Target) -> None:
    ns = target.namespace("delete-again")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    held = _made(target, path, cm("held", ns, finalizers=["example.com/hold"]))
    target.http("POST", path, body=cm("dep", ns, ownerReferences=[_ref(held)]))
    first = target.http("DELETE", f"{path}/held").json()
    assert first["metadata"]["finalizers"] == ["example.com/hold"]
    again = target.http("DELETE", f"{path}/held").json()
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    orphaning = target.http("DELETE", f"{path}/held", body={"propagationPolicy": "Orphan"})
    assert orphaning.json()["metadata"]["finalizers"] == ["example.com/hold", "orphan"]

    def orphaned() -> None:
        assert "ownerReferences" not in target.http("GET", f"{path}/dep").json()["metadata"]
        assert target.http("GET", f"{path}/held").json()["metadata"]["finalizers"] == [
            "example.com/hold"]

    eventually(orphaned, timeout=60)
    _release(target, f"{path}/held")
    owner = _made(target, path, cm("owner", ns))
    target.http("POST", path, body=cm("blocking", ns, finalizers=["example.com/hold"],
                                      ownerReferences=[_ref(owner, blockOwnerDeletion=True)]))
    target.http("DELETE", f"{path}/owner", body={"propagationPolicy": "Foreground"})
    eventually(lambda: _being_deleted(target, f"{path}/blocking"), timeout=60)
    answer = target.http("DELETE", f"{path}/owner", body={"propagationPolicy": "Background"})
    assert answer.status_code == 200 and answer.json()["kind"] == "Status"
    assert answer.json()["details"]["uid"] == owner["metadata"]["uid"]
    _gone(target, f"{path}/owner")
    assert target.http("GET", f"{path}/blocking").json()["metadata"]["finalizers"] == [
        "example.com/hold"]
    _release(target, f"{path}/blocking")


@behaviour("K8S-354", "a dependent written while its owner waits in the foreground is left "
           "alone until the owner looks again (when a blocking dependent goes); then it is "
           "deleted before the owner, and a non-blocking one after",
           cite=GC + "#foreground-deletion and " + MEASURED)
def test_foreground_late_dependents(target: Target) -> None:
    ns = target.namespace("foreground-late")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    owner = _made(target, path, cm("owner", ns))
    blocking = _ref(owner, blockOwnerDeletion=True)
    target.http("POST", path, body=cm("held", ns, ownerReferences=[blocking],
                                      finalizers=["example.com/hold"]))
    target.http("DELETE", f"{path}/owner", body={"propagationPolicy": "Foreground"})
    eventually(lambda: _being_deleted(target, f"{path}/held"), timeout=60)
    for name, ref in (("late", blocking), ("late-loose", _ref(owner))):
        made = target.http("POST", path, body=cm(name, ns, ownerReferences=[ref]))
        assert made.status_code == 201
        assert "deletionTimestamp" not in target.http("GET", f"{path}/{name}").json()[
            "metadata"]
    since = target.http("GET", path).json()["metadata"]["resourceVersion"]
    _release(target, f"{path}/held")

    def all_gone() -> None:
        for name in ("owner", "late", "late-loose"):
            _gone(target, f"{path}/{name}")

    eventually(all_gone, timeout=60)
    order = [o["metadata"]["name"] for kind, o in _watched(target, path, since)
             if kind == "DELETED"]
    assert order.index("late") < order.index("owner") < order.index("late-loose")


@behaviour("K8S-355", "a namespace whose spec.finalizers were emptied through finalize "
           "before its deletion stays Terminating (the controller leaves a finalized "
           "namespace alone); a second DELETE removes it, answering the namespace",
           cite=NAMESPACES + " and " + MEASURED)
def test_namespace_finalized_early(target: Target) -> None:
    ns = target.namespace("nsearly")
    path = f"/api/v1/namespaces/{ns}"
    target.http("PUT", f"{path}/finalize", body={
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns},
        "spec": {"finalizers": []}})
    first = target.http("DELETE", path).json()
    assert first["status"] == {"phase": "Terminating"} and first["spec"] == {}
    found = target.http("GET", path).json()
    assert found["status"]["phase"] == "Terminating"
    second = target.http("DELETE", path)
    assert second.status_code == 200 and second.json()["kind"] == "Namespace"
    _gone(target, path)
