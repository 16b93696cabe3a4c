"""Deletion: the answer, preconditions, finalizers, namespaces and owned objects."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import (
    API_CONCEPTS,
    CONVENTIONS,
    MEASURED,
    Target,
    eventually,
)

FINALIZERS = "https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/"
GC = "https://kubernetes.io/docs/concepts/architecture/garbage-collection/"
NAMESPACES = ("https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/")
MERGE = "application/merge-patch+json"


def _gone(target: Target, path: str) -> None:
    assert target.http("GET", path).status_code == 404


@behaviour("K8S-070", "DELETE answers a Success Status naming the object (or, for the kinds "
           "that do so, the object); the object is gone", cite=API_CONCEPTS + " and "
                                                             + MEASURED)
def test_delete(target: Target) -> None:
    ns = target.namespace("delete")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("a", ns)).json()
    answer = target.http("DELETE", f"{path}/a").json()
    assert answer == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Success", "details": {"name": "a", "kind": "configmaps",
                                                       "uid": made["metadata"]["uid"]}}
    _gone(target, f"{path}/a")
    accounts = f"/api/v1/namespaces/{ns}/serviceaccounts"
    target.http("POST", accounts, body=minimal("v1", "ServiceAccount", "sa", ns))
    assert target.http("DELETE", f"{accounts}/sa").json()["kind"] == "ServiceAccount"
    missing = failure(target, "DELETE", f"{path}/a")
    assert missing["message"] == 'configmaps "a" not found'


@behaviour("K8S-071", "delete preconditions: a uid or resourceVersion that is not the "
           "object's is 409 Conflict, and nothing is deleted",
           cite=CONVENTIONS + "#concurrency-control-and-consistency and " + MEASURED)
def test_delete_preconditions(target: Target) -> None:
    ns = target.namespace("precondition")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("a", ns)).json()
    uid = failure(target, "DELETE", f"{path}/a", body={"preconditions": {
        "uid": "00000000-0000-0000-0000-000000000000"}})
    assert uid["message"] == (
        'Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition '
        "(00000000-0000-0000-0000-000000000000) does not match the UID in record "
        f"({made['metadata']['uid']}). The object might have been deleted and then recreated")
    assert uid["details"] == {"name": "a", "kind": "ConfigMap"}
    version = failure(target, "DELETE", f"{path}/a",
                      body={"preconditions": {"resourceVersion": "1"}})
    assert version["message"] == (
        'Operation cannot be fulfilled on ConfigMap "a": the ResourceVersion in the '
        "precondition (1) does not match the ResourceVersion in record "
        f"({made['metadata']['resourceVersion']}). The object might have been modified")
    ok = target.http("DELETE", f"{path}/a", body={"preconditions": {
        "uid": made["metadata"]["uid"], "resourceVersion": made["metadata"]["resourceVersion"]}})
    assert ok.status_code == 200


@behaviour("K8S-072", "finalizers hold a deleted object: it gets a deletionTimestamp, takes no "
           "new finalizer, and goes when the last one is removed (MODIFIED, then DELETED)",
           cite=FINALIZERS + " and " + MEASURED)
def test_finalizers(target: Target) -> None:
    ns = target.namespace("finalizers")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns, finalizers=["example.com/hold"]))
    held = target.http("DELETE", f"{path}/a").json()
    assert held["kind"] == "ConfigMap" and held["metadata"]["deletionTimestamp"]
    assert held["metadata"]["deletionGracePeriodSeconds"] == 0
    again = target.http("DELETE", f"{path}/a").json()
    assert again["metadata"]["resourceVersion"] == held["metadata"]["resourceVersion"]
    more = failure(target, "PATCH", f"{path}/a", content_type=MERGE,
                   raw=b'{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}')
    assert more["message"] == (
        'ConfigMap "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be '
        'added if the object is being deleted, found new finalizers []string{"example.com/more"}')
    changed = target.http("PATCH", f"{path}/a", content_type=MERGE,
                          raw=b'{"data":{"still":"writable"}}')
    assert changed.status_code == 200
    version = changed.json()["metadata"]["resourceVersion"]
    released = target.http("PATCH", f"{path}/a", content_type=MERGE,
                           raw=b'{"metadata":{"finalizers":null}}')
    assert released.status_code == 200
    _gone(target, f"{path}/a")
    events = []
    with target.http("GET", f"{path}?watch=1&resourceVersion={version}&timeoutSeconds=2"
                            "&fieldSelector=metadata.name%3Da", stream=True) as answer:
        events = [line for line in answer.iter_lines() if line]
    assert len(events) == 1 and b'"DELETED"' in events[0]


@behaviour("K8S-073", "starting deletion bumps metadata.generation of kinds that keep one",
           cite=CONVENTIONS + "#metadata and " + MEASURED)
def test_deletion_bumps_generation(target: Target) -> None:
    ns = target.namespace("delgen")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    target.http("POST", path, body=minimal("apps/v1", "Deployment", "d", ns,
                                          finalizers=["example.com/hold"]))
    held = target.http("DELETE", f"{path}/d").json()
    assert held["metadata"]["generation"] == 2
    target.http("PATCH", f"{path}/d", content_type=MERGE, raw=b'{"metadata":{"finalizers":null}}')
    eventually(lambda: _gone(target, f"{path}/d"))


@behaviour("K8S-074", "deleting a namespace makes it Terminating, forbids new content in it, "
           "and removes what it holds, then itself", cite=NAMESPACES + " and " + MEASURED)
@pytest.mark.usefixtures("needs_controllers")
def test_namespace_deletion(target: Target) -> None:
    ns = target.namespace("nsdelete")
    target.http("PATCH", f"/api/v1/namespaces/{ns}", content_type=MERGE,
                raw=b'{"metadata":{"finalizers":["example.com/hold"]}}')
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body=cm("a", ns))
    answer = target.http("DELETE", f"/api/v1/namespaces/{ns}").json()
    assert answer["kind"] == "Namespace" and answer["status"]["phase"] == "Terminating"
    assert answer["metadata"]["deletionTimestamp"]
    refused = failure(target, "POST", f"/api/v1/namespaces/{ns}/configmaps", body=cm("b", ns))
    assert refused["message"] == (f'configmaps "b" is forbidden: unable to create new content '
                                  f"in namespace {ns} because it is being terminated")
    assert refused["details"]["causes"] == [{
        "reason": "NamespaceTerminating", "message": f"namespace {ns} is being terminated",
        "field": "metadata.namespace"}]
    eventually(lambda: _gone(target, f"/api/v1/namespaces/{ns}/configmaps/a"), timeout=60)
    target.http("PATCH", f"/api/v1/namespaces/{ns}", content_type=MERGE,
                raw=b'{"metadata":{"finalizers":null}}')
    eventually(lambda: _gone(target, f"/api/v1/namespaces/{ns}"), timeout=60)


def _owned(target: Target, ns: str, owner: dict[str, Any], name: str) -> None:
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
           "uid": owner["metadata"]["uid"]}
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps",
                body=cm(name, ns, ownerReferences=[ref]))


@behaviour("K8S-075", "the garbage collector deletes what a deleted object owned, or with "
           "propagationPolicy Orphan leaves it without the owner reference", cite=GC)
@pytest.mark.usefixtures("needs_controllers")
def test_garbage_collection(target: Target) -> None:
    ns = target.namespace("gc")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    owner = target.http("POST", path, body=cm("owner", ns)).json()
    _owned(target, ns, owner, "owned")
    target.http("DELETE", f"{path}/owner", body={"propagationPolicy": "Background"})
    eventually(lambda: _gone(target, f"{path}/owned"), timeout=60)
    keeper = target.http("POST", path, body=cm("keeper", ns)).json()
    _owned(target, ns, keeper, "orphan")
    target.http("DELETE", f"{path}/keeper", body={"propagationPolicy": "Orphan"})

    def orphaned() -> None:
        _gone(target, f"{path}/keeper")
        left = target.http("GET", f"{path}/orphan").json()
        assert "ownerReferences" not in left["metadata"]

    eventually(orphaned, timeout=60)


@behaviour("K8S-076", "deleting a Job without a policy orphans its dependents: the answer is "
           "the Job with the orphan finalizer, and then it is gone", cite=GC + " and " + MEASURED)
@pytest.mark.usefixtures("needs_controllers")
def test_job_orphans_by_default(target: Target) -> None:
    ns = target.namespace("job")
    path = f"/apis/batch/v1/namespaces/{ns}/jobs"
    target.http("POST", path, body=minimal("batch/v1", "Job", "j", ns))
    answer = target.http("DELETE", f"{path}/j").json()
    assert answer["kind"] == "Job" and answer["metadata"]["finalizers"] == ["orphan"]
    assert answer["metadata"]["deletionTimestamp"]
    eventually(lambda: _gone(target, f"{path}/j"), timeout=60)


def _names(listed: dict[str, Any]) -> list[str]:
    return sorted(item["metadata"]["name"] for item in listed["items"])


@behaviour("K8S-236", "DELETE on a collection deletes the objects its selectors match, each "
           "as its own DELETE would (finalizers hold theirs), and answers the list of them "
           "as they were", cite=API_CONCEPTS + " and " + MEASURED)
def test_delete_collection(target: Target) -> None:
    ns = target.namespace("deletecollection")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name, label in (("a", "x"), ("b", "x"), ("c", "y")):
        target.http("POST", path, body=cm(name, ns, labels={"k": label}))
    target.http("POST", path, body=cm("held", ns, labels={"k": "x"},
                                      finalizers=["example.com/hold"]))
    answer = target.http("DELETE", f"{path}?labelSelector=k%3Dx")
    assert answer.status_code == 200
    listed = answer.json()
    assert listed["kind"] == "ConfigMapList" and listed["apiVersion"] == "v1"
    assert listed["metadata"]["resourceVersion"]
    assert _names(listed) == ["a", "b", "held"]
    assert all("kind" not in item for item in listed["items"])
    held = next(i for i in listed["items"] if i["metadata"]["name"] == "held")
    assert "deletionTimestamp" not in held["metadata"]  # as it was before
    left = target.http("GET", f"{path}?labelSelector=k").json()
    assert _names(left) == ["c", "held"]
    assert next(i for i in left["items"] if i["metadata"]["name"] == "held")[
        "metadata"]["deletionTimestamp"]
    by_field = target.http("DELETE", f"{path}?fieldSelector=metadata.name%3Dc").json()
    assert _names(by_field) == ["c"]
    # List options apply: with a limit, one page goes, and the answer says where to go on.
    for name in ("p1", "p2", "p3"):
        target.http("POST", path, body=cm(name, ns, labels={"page": "y"}))
    page = target.http("DELETE", f"{path}?labelSelector=page&limit=1").json()
    assert _names(page) == ["p1"] and page["metadata"]["continue"]
    assert _names(target.http("GET", f"{path}?labelSelector=page").json()) == ["p2", "p3"]
    nothing = target.http("DELETE", f"{path}?labelSelector=k%3Dnone").json()
    assert nothing["items"] == [] and nothing["metadata"]["resourceVersion"]
    target.http("PATCH", f"{path}/held", body={"metadata": {"finalizers": None}},
                content_type=MERGE)
    _gone(target, f"{path}/held")


@behaviour("K8S-237", "a namespaced kind's collection is deleted one namespace at a time "
           "(405 across namespaces), Namespaces have no deletecollection (405), a "
           "cluster-scoped kind's collection can be; bad selectors are 400 and delete "
           "nothing", cite=API_CONCEPTS + " and " + MEASURED)
def test_delete_collection_scope(target: Target) -> None:
    ns = target.namespace("deletecollection-scope")
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body=cm("a", ns))
    for where in ("/api/v1/configmaps", "/apis/apps/v1/deployments",
                  "/api/v1/namespaces?labelSelector=nothing%3Dhere"):
        refused = failure(target, "DELETE", where)
        assert refused["code"] == 405 and refused["reason"] == "MethodNotAllowed"
        assert refused["message"] == ("the server does not allow this method on the "
                                      "requested resource")
    roles = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
    name = target.cluster_name("collected", roles)
    target.http("POST", roles, body={**minimal("rbac.authorization.k8s.io/v1", "ClusterRole",
                                               name, None), "rules": []})
    gone_roles = target.http("DELETE", f"{roles}?fieldSelector=metadata.name%3D{name}").json()
    assert gone_roles["kind"] == "ClusterRoleList" and _names(gone_roles) == [name]
    _gone(target, f"{roles}/{name}")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    bad = failure(target, "DELETE", f"{path}?labelSelector=k%3D%3D%3D")
    assert bad["code"] == 400
    assert bad["message"] == "unable to parse requirement: found '=', expected: identifier"
    unknown = failure(target, "DELETE", f"{path}?fieldSelector=spec.x%3D1")
    assert unknown["message"] == ('"spec.x" is not a known field selector: only '
                                  '"metadata.name", "metadata.namespace"')
    assert target.http("GET", f"{path}/a").status_code == 200


@behaviour("K8S-238", "a dry-run deletecollection answers the list it would delete and "
           "deletes nothing", cite=API_CONCEPTS + "#dry-run and " + MEASURED)
def test_delete_collection_dry_run(target: Target) -> None:
    ns = target.namespace("deletecollection-dry")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns, labels={"k": "x"}))
    listed = target.http("DELETE", f"{path}?labelSelector=k%3Dx&dryRun=All").json()
    assert _names(listed) == ["a"]
    assert target.http("GET", f"{path}/a").status_code == 200
    bad = failure(target, "DELETE", f"{path}?dryRun=x")
    assert bad["code"] == 422 and bad["details"]["kind"] == "DeleteOptions"
