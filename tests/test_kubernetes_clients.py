"""The Kubernetes fake through its real clients: kubectl, the official client's watch,
concurrent writers, bad input, the pytest fixtures and ``fakes serve``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

kubernetes = pytest.importorskip("kubernetes")
pytest.importorskip("cryptography")

from fakes.kubernetes import FakeCluster  # noqa: E402
from kubernetes import client, watch  # noqa: E402

pytest_plugins = ["pytester"]

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
MERGE = "application/merge-patch+json"


@pytest.fixture
def cluster(fake_cluster_server: FakeCluster) -> FakeCluster:
    return fake_cluster_server  # the plugin's, shared by the session


@pytest.fixture
def fresh(fake_cluster: FakeCluster) -> FakeCluster:
    return fake_cluster  # the plugin's: reset before each test


def kubectl(cluster: FakeCluster, tmp_path: Path, *args: str,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(tmp_path)
    return subprocess.run([KUBECTL, "--kubeconfig", cluster.kubeconfig, "--cache-dir",
                           str(tmp_path / "cache"), *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env=env, check=False)


@needs_kubectl
def test_kubectl_round_trip(fresh: FakeCluster, tmp_path: Path) -> None:
    manifest = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                "  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n"
                "    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n"
                "      - {name: web, image: nginx}\n")
    (tmp_path / "web.yaml").write_text(manifest)
    applied = kubectl(fresh, tmp_path, "apply", "-f", str(tmp_path / "web.yaml"))
    assert applied.returncode == 0, applied.stderr
    assert "deployment.apps/web created" in applied.stdout
    # kubectl's create, then the controllers' writes (ReplicaSet, Pod, status).
    assert [c.actor for c in fresh.journal.since(0)
            if c.operation == "deployments.create"] == ["admin"]
    table = kubectl(fresh, tmp_path, "get", "deploy")
    assert table.returncode == 0 and "web" in table.stdout  # a plain list, printed by kubectl
    for args in (("label", "deploy", "web", "tier=front"),
                 ("annotate", "deploy", "web", "owner=team"),
                 ("patch", "deploy", "web", "--type", "merge", "-p", '{"spec":{"replicas":3}}'),
                 ("patch", "deploy", "web", "--type", "json", "-p",
                  '[{"op":"replace","path":"/spec/replicas","value":4}]')):
        done = kubectl(fresh, tmp_path, *args)
        assert done.returncode == 0, done.stderr
    shown = kubectl(fresh, tmp_path, "get", "deploy", "web", "-o", "yaml")
    assert "replicas: 4" in shown.stdout and "tier: front" in shown.stdout
    stored = fresh.get("Deployment", "web")
    assert stored["metadata"]["generation"] == 3
    assert stored["metadata"]["annotations"]["owner"] == "team"
    # Applying again sends a strategic merge patch against the last applied manifest.
    again = kubectl(fresh, tmp_path, "apply", "-f", str(tmp_path / "web.yaml"))
    assert again.returncode == 0, again.stderr
    assert "deployment.apps/web configured" in again.stdout
    assert fresh.get("Deployment", "web")["spec"]["replicas"] == 1
    deleted = kubectl(fresh, tmp_path, "delete", "deploy", "web")
    assert deleted.returncode == 0 and 'deployment.apps "web" deleted' in deleted.stdout
    assert fresh.list("Deployment") == []


@needs_kubectl
def test_kubectl_get_watch(fresh: FakeCluster, tmp_path: Path) -> None:
    assert KUBECTL is not None
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(tmp_path)
    with subprocess.Popen([KUBECTL, "--kubeconfig", fresh.kubeconfig, "get", "cm", "-w",
                           "-l", "app=w", "-o", "name"], stdout=subprocess.PIPE, text=True,
                          env=env) as proc:
        try:
            time.sleep(1)
            fresh.apply({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "w", "labels": {"app": "w"}}})
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "configmap/w"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_the_official_clients_watch(fresh: FakeCluster) -> None:
    core = client.CoreV1Api(fresh.api_client())
    version = core.list_namespaced_config_map("default").metadata.resource_version

    def writes() -> None:
        time.sleep(0.3)
        made = core.create_namespaced_config_map("default", {"metadata": {"name": "a"}})
        made.data = {"k": "v"}
        core.replace_namespaced_config_map("a", "default", made)
        core.delete_namespaced_config_map("a", "default")

    thread = threading.Thread(target=writes)
    thread.start()
    seen = []
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_config_map, "default",
                               resource_version=version, timeout_seconds=5):
        seen.append(event["type"])
        if len(seen) == 3:
            stream.stop()
    thread.join()
    assert seen == ["ADDED", "MODIFIED", "DELETED"]


def test_bad_input_changes_nothing(fresh: FakeCluster) -> None:
    fresh.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
                 "data": {"k": "v"}})
    mark = fresh.journal.mark()
    session = requests.Session()
    session.trust_env = False
    session.verify = fresh.ca_file
    session.headers["Authorization"] = f"Bearer {fresh.token}"
    base = fresh.url + "/api/v1/namespaces/default/configmaps"
    answers = [
        session.post(base, data=b"{nope"),
        session.post(base, json={"metadata": {"name": "Bad_Name"}}),
        session.put(base + "/a", json={"metadata": {"name": "b"}}),
        session.put(base + "/a", json={"metadata": {"name": "a", "resourceVersion": "1"}}),
        session.patch(base + "/a", data=b'[{"op":"test","path":"/data/k","value":"x"}]',
                      headers={"Content-Type": "application/json-patch+json"}),
        session.patch(base + "/a", data=b"[]",
                      headers={"Content-Type": "application/strategic-merge-patch+json"}),
        session.delete(base + "/a", json={"preconditions": {"uid": "nope"}}),
        session.post(base + "?fieldValidation=Strict", json={"metadata": {"name": "c"},
                                                              "extra": 1}),
    ]
    assert [a.status_code for a in answers] == [400, 422, 400, 409, 422, 400, 409, 400]
    assert fresh.journal.since(mark) == []
    assert fresh.get("ConfigMap", "a")["data"] == {"k": "v"}


def test_the_client_defaults_to_strategic_merge_patch(fresh: FakeCluster) -> None:
    core = client.CoreV1Api(fresh.api_client())
    core.create_namespaced_config_map("default", {"metadata": {"name": "a"}})
    strategic = core.patch_namespaced_config_map("a", "default", {"data": {"j": "w"}})
    assert strategic.data == {"j": "w"}
    merged = core.patch_namespaced_config_map("a", "default", {"data": {"k": "v"}},
                                              _content_type=MERGE)
    assert merged.data == {"j": "w", "k": "v"}


def test_a_reset_ends_open_watches_with_410(cluster: FakeCluster) -> None:
    cluster.reset()
    core = client.CoreV1Api(cluster.api_client())
    response = core.list_namespaced_config_map("default", watch=True, timeout_seconds=10,
                                               _preload_content=False)
    time.sleep(0.3)
    cluster.reset()
    lines = [json.loads(line) for line in response.read().splitlines() if line]
    assert lines[-1]["type"] == "ERROR" and lines[-1]["object"]["code"] == 410


def test_a_client_that_leaves_ends_its_watch(cluster: FakeCluster) -> None:
    session = requests.Session()
    session.trust_env = False
    answer = session.get(cluster.url + "/api/v1/namespaces/default/configmaps?watch=1",
                         headers={"Authorization": f"Bearer {cluster.token}"},
                         verify=cluster.ca_file, stream=True, timeout=5)
    assert answer.status_code == 200
    before = threading.active_count()
    answer.close()
    session.close()
    deadline = time.monotonic() + 5
    while threading.active_count() >= before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() < before


def test_seeding_speaks_kubernetes(fresh: FakeCluster) -> None:
    stored = fresh.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team, labels: {app: a}}
data: {mode: fast}
""", actor="platform")
    assert [o["kind"] for o in stored] == ["Namespace", "ConfigMap"]
    assert fresh.list("ConfigMap", "team", label_selector="app=a")[0]["data"] == {
        "mode": "fast"}
    # The seed's writes, and what the cluster's controllers made for the new namespace.
    assert {c.actor for c in fresh.journal.since(0)} == {
        "platform", "system:serviceaccount:kube-system:service-account-controller",
        "system:serviceaccount:kube-system:root-ca-cert-publisher"}
    fresh.delete("ConfigMap", "settings", "team")
    assert [c["metadata"]["name"] for c in fresh.list("ConfigMap", "team")] == [
        "kube-root-ca.crt"]
    with pytest.raises(Exception, match="does not model kind"):
        fresh.get("CustomThing", "x")
    snapshot = fresh.snapshot()
    fresh.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "later"}})
    fresh.reset(to=snapshot)
    assert fresh.list("ConfigMap", "default", label_selector="!x") == [
        fresh.get("ConfigMap", "kube-root-ca.crt")]
    assert [n["metadata"]["name"] for n in fresh.list("Namespace")] == [
        "default", "kube-node-lease", "kube-public", "kube-system", "team"]


def test_the_fixtures_come_from_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cluster="""
        def test_a(fake_cluster):
            fake_cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": "x", "labels": {"app": "x"}}})
            assert fake_cluster.get("ConfigMap", "x")["metadata"]["name"] == "x"

        def test_b(fake_cluster, fake_cluster_factory):
            assert fake_cluster.list("ConfigMap", "default", label_selector="app") == []
            other = fake_cluster_factory(token="fixed")
            assert other.token == "fixed" and other.url != fake_cluster.url
    """)
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_fakes_serve_kubernetes_prints_the_url_and_writes_a_kubeconfig(tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-m", "fakes.cli", "serve", "kubernetes", "--kubeconfig", str(config),
         "--token", "t0ken"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:")
        written: dict[str, Any] = json.loads(config.read_text())
        assert written["clusters"][0]["cluster"]["server"] == url
        assert written["users"][0]["user"]["token"] == "t0ken"
        if KUBECTL is not None:
            env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
            env["HOME"] = str(tmp_path)
            names = subprocess.run([KUBECTL, "--kubeconfig", str(config), "get", "ns", "-o",
                                    "name"], capture_output=True, text=True, env=env,
                                   timeout=60, check=False)
            assert "namespace/default" in names.stdout.split(), names.stderr
    finally:
        process.terminate()
        process.wait(timeout=10)
