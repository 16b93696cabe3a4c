"""Namespace lifecycle and garbage collection in the Kubernetes fake: kubectl watching a
namespace terminate, the controllers' journal entries, deep ownership trees, and the
collector's graph across reset and snapshot."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("kubernetes")
pytest.importorskip("cryptography")

from fakes.kubernetes import FakeCluster

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


def _kubectl(cluster: FakeCluster, tmp_path: Path, *args: str) -> list[str]:
    assert KUBECTL is not None
    return [KUBECTL, "--kubeconfig", cluster.kubeconfig, "--cache-dir",
            str(tmp_path / "cache"), *args]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k != "KUBECONFIG"},
            "HOME": str(tmp_path)}


def _cm(name: str, namespace: str = "default", **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, **metadata}}


def _names(cluster: FakeCluster) -> list[str]:
    """The test's ConfigMaps in ``default`` (not the cluster's kube-root-ca.crt)."""
    return [c["metadata"]["name"] for c in cluster.list("ConfigMap", "default")
            if c["metadata"]["name"] != "kube-root-ca.crt"]


def _ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"],
            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"]}


@needs_kubectl
def test_kubectl_watches_a_namespace_terminate(fake_cluster: FakeCluster,
                                               tmp_path: Path) -> None:
    fake_cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    fake_cluster.apply(_cm("held", "team", finalizers=["example.com/hold"]))
    watch = _kubectl(fake_cluster, tmp_path, "get", "ns", "team", "-w",
                     "--output-watch-events", "--no-headers")
    with subprocess.Popen(watch, stdout=subprocess.PIPE, text=True,
                          env=_env(tmp_path)) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().split()[:3] == ["ADDED", "team", "Active"]
            deleted = subprocess.run(
                _kubectl(fake_cluster, tmp_path, "delete", "namespace", "team", "--wait=false"),
                capture_output=True, text=True, timeout=60, env=_env(tmp_path), check=False)
            assert deleted.stdout.strip() == 'namespace "team" deleted'
            assert proc.stdout.readline().split()[:3] == ["MODIFIED", "team", "Terminating"]
            # The controller's conditions: content remains.
            assert proc.stdout.readline().split()[:3] == ["MODIFIED", "team", "Terminating"]
            held = fake_cluster.get("Namespace", "team")
            assert {c["type"]: c["status"] for c in held["status"]["conditions"]}[
                "NamespaceContentRemaining"] == "True"
            fake_cluster.apply(_cm("held", "team", finalizers=[]))
            lines = [proc.stdout.readline().split()[:2] for _ in range(2)]
            assert lines == [["MODIFIED", "team"], ["DELETED", "team"]]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    gone = subprocess.run(_kubectl(fake_cluster, tmp_path, "get", "ns", "team"),
                          capture_output=True, text=True, timeout=60, env=_env(tmp_path),
                          check=False)
    assert gone.returncode == 1
    assert 'namespaces "team" not found' in gone.stderr


@needs_kubectl
def test_kubectl_delete_namespace_waits(fake_cluster: FakeCluster, tmp_path: Path) -> None:
    fake_cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    fake_cluster.apply(_cm("a", "gone"))
    done = subprocess.run(_kubectl(fake_cluster, tmp_path, "delete", "namespace", "gone"),
                          capture_output=True, text=True, timeout=60, env=_env(tmp_path),
                          check=False)
    assert done.returncode == 0 and done.stdout.strip() == 'namespace "gone" deleted'
    assert fake_cluster.list("ConfigMap", "gone") == []


def test_the_controllers_write_as_themselves(fake_cluster: FakeCluster) -> None:
    owner = fake_cluster.apply(_cm("owner"))[0]
    fake_cluster.apply(_cm("dep", ownerReferences=[_ref(owner)]))
    mark = fake_cluster.journal.mark()
    fake_cluster.delete("ConfigMap", "owner", "default")
    actors = [(c.actor, c.operation) for c in fake_cluster.journal.since(mark.seq)]
    assert actors[-1] == ("system:serviceaccount:kube-system:generic-garbage-collector",
                          "configmaps.delete")
    fake_cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}})
    mark = fake_cluster.journal.mark()
    fake_cluster.delete("Namespace", "t")
    controller = "system:serviceaccount:kube-system:namespace-controller"
    # What it holds (its default ServiceAccount and kube-root-ca.crt), its conditions,
    # then the finalize that empties the spec and so removes it.
    assert sorted((c.actor, c.operation) for c in fake_cluster.journal.since(mark.seq)
                  if c.actor == controller) == [
        (controller, "configmaps.delete"), (controller, "namespaces.delete"),
        (controller, "namespaces.update"), (controller, "serviceaccounts.delete")]
    assert fake_cluster.journal.since(mark.seq)[-1].operation == "namespaces.delete"


def test_a_deep_ownership_chain_is_collected(fake_cluster: FakeCluster) -> None:
    """The collector works through a queue: no recursion limit on a tree's depth."""
    owner = fake_cluster.apply(_cm("link-0"))[0]
    for i in range(1, 1500):
        owner = fake_cluster.apply(_cm(f"link-{i}", ownerReferences=[_ref(owner)]))[0]
    fake_cluster.delete("ConfigMap", "link-0", "default")
    assert _names(fake_cluster) == []


def test_the_graph_follows_reset_and_snapshot(fake_cluster: FakeCluster) -> None:
    owner = fake_cluster.apply(_cm("owner"))[0]
    fake_cluster.apply(_cm("dep", ownerReferences=[_ref(owner)]))
    baseline = fake_cluster.snapshot()
    fake_cluster.delete("ConfigMap", "owner", "default")
    assert _names(fake_cluster) == []
    fake_cluster.reset(baseline)
    fake_cluster.delete("ConfigMap", "owner", "default")
    assert _names(fake_cluster) == []
