"""Small operators tested end to end on the fake, with its built-in controllers doing
what a real cluster's do: a custom resource makes the operator create a Deployment, the
Deployment becomes Available as the fake's clock passes its minReadySeconds (its Pods
run on the fake's Node at once), the operator reports it in the resource's status; deleting
the resource runs the operator's finalizer and the garbage collector removes the
children (the Deployment, its ReplicaSet and Pods).

One operator is written with the official client's watch, one with kopf (run as in
``test_kubernetes_kopf.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("kubernetes")

from fakes.kubernetes import FakeCluster
from kubernetes import client, watch

GROUP, VERSION, PLURAL = "example.com", "v1", "websites"
FINALIZER = "example.com/cleanup"
NS = "default"
#: The Website's Pods count as available this long (fake clock) after they are ready.
MIN_READY = 30

DEFINITION = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {"group": GROUP, "scope": "Namespaced",
             "names": {"plural": PLURAL, "singular": "website", "kind": "Website"},
             "versions": [{"name": VERSION, "served": True, "storage": True,
                           "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {
                               "type": "object",
                               "x-kubernetes-preserve-unknown-fields": True}}}]}}


def eventually(check: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def website_deployment(site: dict[str, Any]) -> dict[str, Any]:
    """The Deployment a Website asks for, owned by it."""
    name, uid = site["metadata"]["name"], site["metadata"]["uid"]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"{name}-web", "ownerReferences": [{
                "apiVersion": f"{GROUP}/{VERSION}", "kind": "Website", "name": name,
                "uid": uid, "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"replicas": site["spec"]["replicas"], "minReadySeconds": MIN_READY,
                     "selector": {"matchLabels": {"website": name}},
                     "template": {"metadata": {"labels": {"website": name}}, "spec": {
                         "containers": [{"name": "web", "image": "nginx"}]}}}}


def available(deployment: Any) -> bool:
    conditions = (deployment or {}).get("status", {}).get("conditions") or []
    return any(c["type"] == "Available" and c["status"] == "True" for c in conditions)


class WatchOperator:
    """Reconciles Websites: a finalizer, a Deployment, ``status.available``; watches
    Websites and Deployments with the official client."""

    def __init__(self, cluster: FakeCluster) -> None:
        self.api_client = cluster.api_client()
        self.custom = client.CustomObjectsApi(self.api_client)
        self.apps = client.AppsV1Api(self.api_client)
        self.stopping = threading.Event()
        self.cleaned: list[str] = []
        self.threads = [threading.Thread(target=self._watch, args=(kind,), daemon=True)
                        for kind in ("websites", "deployments")]

    def start(self) -> WatchOperator:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)
        self.api_client.close()

    def _watch(self, kind: str) -> None:
        while not self.stopping.is_set():
            if kind == "websites":
                stream = watch.Watch().stream(self.custom.list_namespaced_custom_object,
                                              GROUP, VERSION, NS, PLURAL, timeout_seconds=1)
            else:
                stream = watch.Watch().stream(self.apps.list_namespaced_deployment, NS,
                                              timeout_seconds=1)
            for event in stream:
                obj = event["object"]
                if kind == "websites":
                    self.reconcile(obj["metadata"]["name"])
                else:
                    for ref in obj.metadata.owner_references or ():
                        if ref.kind == "Website":
                            self.reconcile(ref.name)

    def reconcile(self, name: str) -> None:
        try:
            site = self.custom.get_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, name)
        except client.ApiException as error:
            if error.status == 404:
                return
            raise
        meta = site["metadata"]
        with contextlib.suppress(client.ApiException):  # a conflict: the next event retries
            if meta.get("deletionTimestamp"):
                if FINALIZER in meta.get("finalizers", []):
                    meta["finalizers"] = [f for f in meta["finalizers"] if f != FINALIZER]
                    # Both watches may get here at once: one release succeeds.
                    self.custom.replace_namespaced_custom_object(GROUP, VERSION, NS, PLURAL,
                                                                 name, site)
                    self.cleaned.append(name)
                return
            if FINALIZER not in meta.get("finalizers", []):
                meta.setdefault("finalizers", []).append(FINALIZER)
                self.custom.replace_namespaced_custom_object(GROUP, VERSION, NS, PLURAL,
                                                             name, site)
                return
            try:
                deployment = self.apps.read_namespaced_deployment(f"{name}-web", NS)
            except client.ApiException as error:
                if error.status != 404:
                    raise
                self.apps.create_namespaced_deployment(NS, website_deployment(site))
                return
            is_available = available(self.api_client.sanitize_for_serialization(deployment))
            if (site.get("status") or {}).get("available") != is_available:
                site["status"] = {"available": is_available}
                self.custom.replace_namespaced_custom_object_status(
                    GROUP, VERSION, NS, PLURAL, name, site)


@pytest.fixture
def cluster() -> Iterator[FakeCluster]:
    with FakeCluster() as fake:
        fake.apply(DEFINITION)
        yield fake


def website(cluster: FakeCluster, name: str, replicas: int = 2) -> None:
    cluster.apply({"apiVersion": f"{GROUP}/{VERSION}", "kind": "Website",
                   "metadata": {"name": name, "namespace": NS},
                   "spec": {"replicas": replicas}})


def site_status(cluster: FakeCluster, name: str) -> Any:
    return cluster.get("Website", name, NS).get("status", {}).get("available")


def children(cluster: FakeCluster) -> list[int]:
    return [len(cluster.list(kind, NS)) for kind in ("Deployment", "ReplicaSet", "Pod")]


def test_a_watch_operator_runs_a_website_to_available_and_cleans_up(
        cluster: FakeCluster) -> None:
    operator = WatchOperator(cluster).start()
    try:
        website(cluster, "shop")
        eventually(lambda: site_status(cluster, "shop") is False, "status: not available")
        assert children(cluster) == [1, 1, 2]
        cluster.clock.advance(MIN_READY)  # the fake's kubelet has run the Pods
        eventually(lambda: site_status(cluster, "shop") is True, "status: available")
        cluster.delete("Website", "shop", NS)
        eventually(lambda: children(cluster) == [0, 0, 0], "the children to be collected")
        eventually(lambda: not cluster.list("Website", NS), "the finalizer to be released")
        assert operator.cleaned == ["shop"]
    finally:
        operator.stop()


def test_a_kopf_operator_runs_a_website_to_available_and_cleans_up(
        cluster: FakeCluster) -> None:
    kopf = pytest.importorskip("kopf")
    registry = kopf.OperatorRegistry()
    cleaned: list[str] = []
    apps = client.AppsV1Api(cluster.api_client())

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> Any:
        return kopf.ConnectionInfo(server=cluster.url, ca_path=cluster.ca_file,
                                   scheme="Bearer", token=cluster.token)

    @kopf.on.startup(registry=registry)
    def configure(settings: Any, **_: Any) -> None:
        settings.watching.server_timeout = 10
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage()
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage()

    @kopf.on.create(GROUP, VERSION, PLURAL, registry=registry)
    def create(body: Any, **_: Any) -> None:
        apps.create_namespaced_deployment(NS, website_deployment(dict(body)))

    @kopf.on.event("apps", "v1", "deployments", registry=registry)
    def follow(body: Any, **_: Any) -> None:
        for ref in body.metadata.get("ownerReferences") or ():
            if ref["kind"] == "Website":
                client.CustomObjectsApi(apps.api_client).patch_namespaced_custom_object_status(
                    GROUP, VERSION, NS, PLURAL, ref["name"],
                    {"status": {"available": available(dict(body))}})

    @kopf.on.delete(GROUP, VERSION, PLURAL, registry=registry)
    def delete(name: str, **_: Any) -> None:
        cleaned.append(name)

    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(kopf.operator(
        registry=registry, standalone=True, namespaces=[NS], stop_flag=stop,
        ready_flag=ready)), daemon=True)
    thread.start()
    try:
        assert ready.wait(timeout=30), "the operator did not start"
        website(cluster, "blog", replicas=1)
        eventually(lambda: site_status(cluster, "blog") is False, "status: not available")
        cluster.clock.advance(MIN_READY)
        eventually(lambda: site_status(cluster, "blog") is True, "status: available")
        cluster.delete("Website", "blog", NS)
        eventually(lambda: children(cluster) == [0, 0, 0], "the children to be collected")
        eventually(lambda: not cluster.list("Website", NS), "kopf's finalizer released")
        assert cleaned == ["blog"]
    finally:
        stop.set()
        thread.join(timeout=30)
        apps.api_client.close()
