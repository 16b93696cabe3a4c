"""Deletion: the answer, preconditions, finalizers, namespaces and owned objects."""

from __future__ import annotations

from typing import Any

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
def test_job_orphans_by_default(target: Target) -> None:
    ns = target.namespace("job")
    path = f"/apis/batch/v1/namespaces/{ns}/jobs"
    target.http("POST", path, body=minimal("batch/v1", "Job", "j", ns))
    answer = target.http("DELETE", f"{path}/j").json()
    assert answer["kind"] == "Job" and answer["metadata"]["finalizers"] == ["orphan"]
    assert answer["metadata"]["deletionTimestamp"]
    eventually(lambda: _gone(target, f"{path}/j"), timeout=60)
