"""lightkube, a typed Kubernetes client on httpx, against the fake through its kubeconfig:
create, get, list, patch, watch and delete."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

pytest.importorskip("lightkube")
pytest.importorskip("cryptography")

from lightkube import ApiError, Client, KubeConfig
from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import ConfigMap, Namespace
from lightkube.types import PatchType

from fakes.kubernetes import FakeCluster


@pytest.fixture
def cluster(fake_cluster_server: FakeCluster) -> FakeCluster:
    return fake_cluster_server  # the plugin's, shared by the session


@pytest.fixture
def kube(cluster: FakeCluster) -> Iterator[Client]:
    cluster.reset()
    # The kubeconfig the fake writes, read explicitly; no ambient proxies.
    config = KubeConfig.from_file(cluster.kubeconfig)
    made = Client(config=config, trust_env=False)
    yield made


def test_typed_create_get_list_delete(kube: Client, cluster: FakeCluster) -> None:
    kube.create(Namespace(metadata=ObjectMeta(name="team")))
    made = kube.create(ConfigMap(metadata=ObjectMeta(name="a", namespace="team",
                                                     labels={"app": "x"}),
                                 data={"k": "v"}))
    assert made.metadata is not None and made.metadata.uid
    got = kube.get(ConfigMap, "a", namespace="team")
    assert got.data == {"k": "v"}
    kube.create(ConfigMap(metadata=ObjectMeta(name="b", namespace="team"), data={}))
    selected = [c.metadata.name for c in kube.list(ConfigMap, namespace="team",
                                                   labels={"app": "x"}) if c.metadata]
    assert selected == ["a"]
    everywhere = {c.metadata.name for c in kube.list(ConfigMap, namespace="*") if c.metadata}
    assert {"a", "b"} <= everywhere
    kube.delete(ConfigMap, "a", namespace="team")
    with pytest.raises(ApiError) as missing:
        kube.get(ConfigMap, "a", namespace="team")
    assert missing.value.status.code == 404
    assert cluster.list("ConfigMap", "team")[0]["metadata"]["name"] == "b"


def test_paginated_list(kube: Client, cluster: FakeCluster) -> None:
    for i in range(25):
        cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": f"cm-{i:02d}", "namespace": "default"}})
    # lightkube follows continue tokens itself; chunk_size is the page's limit.
    names = [c.metadata.name for c in kube.list(ConfigMap, namespace="default",
                                                chunk_size=10) if c.metadata]
    assert names == [f"cm-{i:02d}" for i in range(25)] + ["kube-root-ca.crt"]


def test_patch_kinds(kube: Client, cluster: FakeCluster) -> None:
    kube.create(ConfigMap(metadata=ObjectMeta(name="p", namespace="default"),
                          data={"a": "1"}))
    merged = kube.patch(ConfigMap, "p", {"data": {"b": "2"}}, namespace="default",
                        patch_type=PatchType.MERGE)
    assert merged.data == {"a": "1", "b": "2"}
    strategic = kube.patch(ConfigMap, "p", {"data": {"c": "3"}}, namespace="default")
    assert strategic.data == {"a": "1", "b": "2", "c": "3"}
    json_patched = kube.patch(ConfigMap, "p", [{"op": "remove", "path": "/data/a"}],
                              namespace="default", patch_type=PatchType.JSON)
    assert json_patched.data == {"b": "2", "c": "3"}
    assert cluster.get("ConfigMap", "p")["data"] == {"b": "2", "c": "3"}


def test_a_conflict_is_an_api_error(kube: Client) -> None:
    made = kube.create(ConfigMap(metadata=ObjectMeta(name="c", namespace="default")))
    assert made.metadata is not None
    made.data = {"k": "1"}
    kube.replace(made)  # the version it read: accepted
    made.data = {"k": "2"}
    with pytest.raises(ApiError) as stale:
        kube.replace(made)  # the same version again: stale
    assert (stale.value.status.code, stale.value.status.reason) == (409, "Conflict")


def test_watch(kube: Client, cluster: FakeCluster) -> None:
    listed = kube.list(ConfigMap, namespace="default")
    assert [c.metadata.name for c in listed if c.metadata] == ["kube-root-ca.crt"]
    start = listed.resourceVersion
    seen: list[tuple[str, str]] = []

    def writes() -> None:
        cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "w", "namespace": "default"}})
        cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "w", "namespace": "default"}, "data": {"k": "v"}})
        cluster.delete("ConfigMap", "w", "default")

    writer = threading.Timer(0.2, writes)
    writer.start()
    for kind, obj in kube.watch(ConfigMap, namespace="default", resource_version=start,
                                server_timeout=10):
        assert obj.metadata is not None
        seen.append((kind, obj.metadata.name or ""))
        if len(seen) == 3:
            break
    writer.join()
    assert seen == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_a_deployment_and_its_status(kube: Client) -> None:
    spec = DeploymentSpec(
        selector=LabelSelector(matchLabels={"app": "web"}),
        template=PodTemplateSpec(metadata=ObjectMeta(labels={"app": "web"}),
                                 spec=PodSpec(containers=[Container(name="web",
                                                                    image="nginx")])),
        replicas=2)
    made = kube.create(Deployment(metadata=ObjectMeta(name="web", namespace="default"),
                                  spec=spec))
    assert made.metadata is not None and made.metadata.generation == 1
    scaled = kube.patch(Deployment, "web", {"spec": {"replicas": 3}}, namespace="default",
                        patch_type=PatchType.MERGE)
    assert scaled.spec is not None and scaled.spec.replicas == 3
    assert scaled.metadata is not None and scaled.metadata.generation == 2
    status = kube.patch(Deployment.Status, "web", {"status": {"observedGeneration": 2}},
                        namespace="default", patch_type=PatchType.MERGE)
    assert status.status is not None and status.status.observedGeneration == 2
