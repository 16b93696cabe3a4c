"""Every kind of the registry: created, read, listed, named and deleted as its resource
requires."""

from __future__ import annotations

import pytest

from fakes.conformance.kubernetes._support import behaviour
from fakes.conformance.kubernetes.manifests import KINDS, minimal
from fakes.conformance.kubernetes.targets import API_CONCEPTS, CONVENTIONS, MEASURED, Target
from fakes.kubernetes._resources import ResourceType, registry


def _type(api_version: str, kind: str) -> ResourceType:
    rt = registry().by_kind(api_version, kind)
    assert rt is not None
    return rt


def _collection(rt: ResourceType, namespace: str | None) -> str:
    base = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    return f"{base}/namespaces/{namespace}/{rt.plural}" if rt.namespaced else f"{base}/{rt.plural}"


@pytest.mark.parametrize(("api_version", "kind"), KINDS, ids=[k for _, k in KINDS])
@behaviour("K8S-080", "each kind of the registry is created, read, listed and deleted at its "
           "resource's paths, keeping metadata.generation where the resource does",
           cite=API_CONCEPTS + "#resource-uris and " + MEASURED + " (generation)")
def test_each_kind(target: Target, api_version: str, kind: str) -> None:
    rt = _type(api_version, kind)
    ns = target.namespace(kind.lower()) if rt.namespaced else None
    path = _collection(rt, ns)
    name = target.cluster_name(kind.lower(), path) if not rt.namespaced else "x"
    body = minimal(api_version, kind, name, ns, labels={"kind-test": target.run_id})
    created = target.http("POST", path, body=body)
    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["kind"], made["apiVersion"]) == (kind, api_version)
    assert ("generation" in made["metadata"]) is rt.strategy.generation
    assert target.http("GET", f"{path}/{name}").json()["metadata"]["uid"] == made["metadata"][
        "uid"]
    listed = target.http("GET", f"{path}?labelSelector=kind-test%3D{target.run_id}").json()
    assert listed["kind"] == f"{kind}List"
    assert [o["metadata"]["name"] for o in listed["items"]] == [name]
    deleted = target.http("DELETE", f"{path}/{name}")
    assert deleted.status_code == 200


@pytest.mark.parametrize(("api_version", "kind"), KINDS, ids=[k for _, k in KINDS])
@behaviour("K8S-081", "each resource validates names by its own rule: RFC 1123 subdomain, "
           "RFC 1123 label, or path segment", cite=MEASURED)
def test_each_kinds_name_rule(target: Target, api_version: str, kind: str) -> None:
    rt = _type(api_version, kind)
    ns = target.namespace(kind.lower() + "-names") if rt.namespaced else None
    path = _collection(rt, ns)
    prefix = target.cluster_name(kind.lower(), path) if not rt.namespaced else "n"
    accepted = {}
    for suffix in (".dotted", "-Upper:Case"):
        name = prefix + suffix
        answer = target.http("POST", path, body=minimal(api_version, kind, name, ns))
        accepted[suffix] = answer.status_code == 201
        if accepted[suffix]:
            target.http("DELETE", f"{path}/{name}")
        else:
            assert answer.json()["reason"] == "Invalid"
    expected = {"subdomain": {".dotted": True, "-Upper:Case": False},
                "label": {".dotted": False, "-Upper:Case": False},
                "path": {".dotted": True, "-Upper:Case": True}}[rt.strategy.names]
    assert accepted == expected


# What kube-apiserver v1.37.2 answered a create with, before any controller wrote: the
# zero value of each status type as Go writes it, and a claim's Pending phase.
_NEW_STATUS = {
    "ReplicaSet": {"replicas": 0},
    "ReplicationController": {"replicas": 0},
    "StatefulSet": {"availableReplicas": 0, "replicas": 0},
    "DaemonSet": {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                  "numberMisscheduled": 0, "numberReady": 0},
    "PodDisruptionBudget": {"currentHealthy": 0, "desiredHealthy": 0,
                            "disruptionsAllowed": 0, "expectedPods": 0},
    "PersistentVolumeClaim": {"phase": "Pending"},
    "Service": {"loadBalancer": {}},
    "Ingress": {"loadBalancer": {}},
    "Deployment": {}, "Job": {}, "CronJob": {}, "Namespace": {"phase": "Active"},
}


@pytest.mark.parametrize(("api_version", "kind"),
                         [(a, k) for a, k in KINDS if k in _NEW_STATUS],
                         ids=[k for _, k in KINDS if k in _NEW_STATUS])
@behaviour("K8S-282", "a new object's status is the zero value of its kind's status, with "
           "the fields Go always writes (counts of 0, empty structs), whatever the body "
           "said of it", cite=CONVENTIONS + "#spec-and-status and " + MEASURED)
def test_new_status(target: Target, api_version: str, kind: str) -> None:
    rt = _type(api_version, kind)
    ns = target.namespace(kind.lower() + "-status") if rt.namespaced else None
    path = _collection(rt, ns)
    name = target.cluster_name(kind.lower(), path) if not rt.namespaced else "x"
    body = {**minimal(api_version, kind, name, ns), "status": {"sent": "ignored"}}
    created = target.http("POST", path, body=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == _NEW_STATUS[kind]
    target.http("DELETE", f"{path}/{name}")
