"""A small kopf operator run against the fake: handlers on ConfigMaps that annotate the
object, create another one it owns, follow updates and, through kopf's finalizer, see
the deletion. kopf runs standalone (no peering, so no CRDs), in a thread of the test,
logged in with the fake's own credentials."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("kopf")
pytest.importorskip("kubernetes")
pytest.importorskip("cryptography")

import kopf

from fakes.kubernetes import FakeCluster
from kubernetes import client

LABEL = {"example.com/operated": "yes"}
SEEN = "example.com/seen"


def eventually(check: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    """Poll ``check`` until it returns something truthy; a generous bound, no timing
    assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def operator() -> Iterator[tuple[FakeCluster, list[str]]]:
    """A running kopf operator on a new cluster; yields the cluster and the handler log."""
    calls: list[str] = []
    registry = kopf.OperatorRegistry()

    with FakeCluster() as cluster:
        api = client.CoreV1Api(cluster.api_client())

        @kopf.on.login(registry=registry)
        def login(**_: Any) -> kopf.ConnectionInfo:
            # Never the ambient kubeconfig: the fake's URL, CA and token.
            return kopf.ConnectionInfo(server=cluster.url, ca_path=cluster.ca_file,
                                       scheme="Bearer", token=cluster.token)

        @kopf.on.startup(registry=registry)
        def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
            settings.watching.server_timeout = 10
            settings.watching.client_timeout = 15
            settings.persistence.progress_storage = kopf.AnnotationsProgressStorage()
            settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage()

        @kopf.on.create("configmaps", labels=LABEL, registry=registry)
        def created(name: str, namespace: str, body: kopf.Body, patch: kopf.Patch,
                    **_: Any) -> None:
            calls.append(f"create {name}")
            patch.metadata.annotations[SEEN] = "created"
            owner = {"apiVersion": "v1", "kind": "ConfigMap", "name": name,
                     "uid": body.metadata.uid, "controller": True}
            api.create_namespaced_config_map(namespace, {
                "metadata": {"name": f"{name}-copy", "ownerReferences": [owner]},
                "data": dict(body.get("data") or {})})

        @kopf.on.update("configmaps", labels=LABEL, field="data", registry=registry)
        def updated(name: str, namespace: str, new: Any, patch: kopf.Patch,
                    **_: Any) -> None:
            calls.append(f"update {name}")
            patch.metadata.annotations[SEEN] = "updated"
            api.patch_namespaced_config_map(f"{name}-copy", namespace,
                                            {"data": dict(new or {})})

        @kopf.on.delete("configmaps", labels=LABEL, registry=registry)
        def deleted(name: str, **_: Any) -> None:
            calls.append(f"delete {name}")

        stop, ready = threading.Event(), threading.Event()

        def run() -> None:
            asyncio.run(kopf.operator(registry=registry, standalone=True,
                                      namespaces=["default"], stop_flag=stop,
                                      ready_flag=ready))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            assert ready.wait(timeout=30), "the operator did not start"
            yield cluster, calls
        finally:
            stop.set()
            thread.join(timeout=30)
            api.api_client.close()


def test_the_operator_annotates_owns_follows_and_finalizes(
        operator: tuple[FakeCluster, list[str]]) -> None:
    cluster, calls = operator
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "app", "namespace": "default", "labels": LABEL},
                   "data": {"greeting": "hello"}})

    def annotated(value: str) -> Callable[[], bool]:
        return lambda: (cluster.get("ConfigMap", "app")["metadata"].get("annotations", {})
                        .get(SEEN) == value)

    eventually(annotated("created"), "the create handler's annotation")
    copy = cluster.get("ConfigMap", "app-copy")
    original = cluster.get("ConfigMap", "app")
    assert copy["data"] == {"greeting": "hello"}
    assert copy["metadata"]["ownerReferences"][0]["uid"] == original["metadata"]["uid"]
    # kopf holds the object with its finalizer, because a delete handler is registered.
    assert original["metadata"]["finalizers"] == ["kopf.zalando.org/KopfFinalizerMarker"]

    changed = cluster.get("ConfigMap", "app")
    changed["data"] = {"greeting": "bye"}
    cluster.apply(changed)
    eventually(annotated("updated"), "the update handler's annotation")
    eventually(lambda: cluster.get("ConfigMap", "app-copy")["data"] == {"greeting": "bye"},
               "the owned copy to follow")

    cluster.delete("ConfigMap", "app", "default")
    eventually(lambda: [c["metadata"]["name"] for c in cluster.list("ConfigMap", "default")]
               == ["kube-root-ca.crt"],
               "kopf to release its finalizer and the collector to remove the copy")
    assert calls == ["create app", "update app", "delete app"]


def test_objects_outside_the_selector_are_left_alone(
        operator: tuple[FakeCluster, list[str]]) -> None:
    cluster, calls = operator
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "plain", "namespace": "default"}})
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "marker", "namespace": "default", "labels": LABEL}})
    eventually(lambda: "create marker" in calls, "the labelled object to be handled")
    plain = cluster.get("ConfigMap", "plain")
    assert SEEN not in (plain["metadata"].get("annotations") or {})
    assert "finalizers" not in plain["metadata"]
