"""Dry runs, deletecollection, defaulting and per-kind rules in the cluster model."""

from __future__ import annotations

import pytest

from fakes import Clock, Journal
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._model import MERGE_PATCH, Cluster, DeleteOptions
from fakes.kubernetes._resources import ResourceType, registry
from fakes.kubernetes._selectors import LabelSelector


def _type(plural: str, group: str = "") -> ResourceType:
    rt = registry().get(group, "v1", plural)
    assert rt is not None
    return rt


NAMESPACES, CONFIGMAPS, SERVICES = _type("namespaces"), _type("configmaps"), _type("services")
DEPLOYMENTS = _type("deployments", "apps")


@pytest.fixture
def cluster() -> Cluster:
    made = Cluster(Journal(Clock()), Clock())
    made.create(NAMESPACES, "", {"metadata": {"name": "ns"}}, "test")
    return made


def cm(name: str, **metadata: object) -> dict[str, object]:
    return {"metadata": {"name": name, **metadata}, "data": {"k": "v"}}


def test_dry_runs_record_nothing(cluster: Cluster) -> None:
    made = cluster.create(CONFIGMAPS, "ns", cm("a"), "t")
    before = cluster.journal.last
    answer = cluster.create(CONFIGMAPS, "ns", cm("b"), "t", dry_run=True)
    assert "resourceVersion" not in answer["metadata"] and answer["metadata"]["uid"]
    updated, created = cluster.update(CONFIGMAPS, "ns", "a", {**made, "data": {"k": "2"}}, "t",
                                      dry_run=True)
    assert not created and updated["metadata"]["resourceVersion"] == made["metadata"][
        "resourceVersion"]
    cluster.patch(CONFIGMAPS, "ns", "a", MERGE_PATCH, b'{"data":{"x":"y"}}', "t", dry_run=True)
    cluster.delete(CONFIGMAPS, "ns", "a", DeleteOptions(), "t", dry_run=True)
    cluster.delete(NAMESPACES, "", "ns", DeleteOptions(), "t", dry_run=True)
    assert cluster.journal.last == before
    assert cluster.get(CONFIGMAPS, "ns", "a") == made
    assert cluster.get(NAMESPACES, "", "ns")["status"] == {"phase": "Active"}


def test_delete_collection_selects_and_can_dry_run(cluster: Cluster) -> None:
    for name, label in (("a", "x"), ("b", "y")):
        cluster.create(CONFIGMAPS, "ns", cm(name, labels={"k": label}), "t")
    selector = LabelSelector.parse("k=x")
    listed = cluster.delete_collection(CONFIGMAPS, "ns", DeleteOptions(), "t", labels=selector,
                                       dry_run=True)
    assert [o["metadata"]["name"] for o in listed.items] == ["a"]
    cluster.get(CONFIGMAPS, "ns", "a")
    cluster.delete_collection(CONFIGMAPS, "ns", DeleteOptions(), "t", labels=selector)
    with pytest.raises(StatusError):
        cluster.get(CONFIGMAPS, "ns", "a")
    assert cluster.get(CONFIGMAPS, "ns", "b")


def test_services_get_distinct_cluster_ips(cluster: Cluster) -> None:
    ips = {cluster.create(SERVICES, "ns", {"metadata": {"name": f"s{i}"}, "spec": {
        "ports": [{"port": 80}]}}, "t")["spec"]["clusterIP"] for i in range(50)}
    assert len(ips) == 50 and all(ip.startswith("10.96.") for ip in ips)


def test_deployment_selector_rules(cluster: Cluster) -> None:
    body = {"metadata": {"name": "d"}, "spec": {
        "selector": {"matchExpressions": [{"key": "app", "operator": "NotIn",
                                           "values": ["y"]}]},
        "template": {"metadata": {"labels": {"app": "x"}}, "spec": {
            "containers": [{"name": "main", "image": "example.invalid/x:1"}]}}}}
    made = cluster.create(DEPLOYMENTS, "ns", body, "t")
    assert made["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%",
                                                         "maxSurge": "25%"}
    with pytest.raises(StatusError) as caught:
        cluster.patch(DEPLOYMENTS, "ns", "d", MERGE_PATCH,
                      b'{"spec":{"template":{"metadata":{"labels":{"app":"y"}}}}}', "t")
    assert caught.value.status == 422
    assert "`selector` does not match template `labels`" in caught.value.message
