"""Tables, aggregated discovery and subresources of the Kubernetes fake, through kubectl
and the official client, and the pieces that compute them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest
import requests

kubernetes = pytest.importorskip("kubernetes")
pytest.importorskip("cryptography")

from fakes.errors import ProviderError  # noqa: E402
from fakes.kubernetes import FakeCluster  # noqa: E402
from fakes.kubernetes._media import negotiate  # noqa: E402
from fakes.kubernetes._resources import ResourceType, registry  # noqa: E402
from fakes.kubernetes._tables import format_selector, human_duration, table  # noqa: E402
from kubernetes import client  # noqa: E402

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: default}
spec: {containers: [{name: main, image: busybox}]}
"""


@pytest.fixture
def cluster(fake_cluster_server: FakeCluster) -> FakeCluster:
    return fake_cluster_server  # the plugin's, shared by the session


@pytest.fixture
def fresh(fake_cluster: FakeCluster) -> FakeCluster:
    fake_cluster.apply(DEPLOYMENT)  # on the plugin's cluster, reset before each test
    return fake_cluster


def kubectl(cluster: FakeCluster, tmp_path: Path, *args: str) -> str:
    assert KUBECTL is not None
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(tmp_path)
    done = subprocess.run([KUBECTL, "--kubeconfig", cluster.kubeconfig, "--cache-dir",
                           str(tmp_path / "cache"), *args], capture_output=True, text=True,
                          timeout=60, check=False, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_kubectl
def test_kubectl_prints_the_servers_columns_and_ages(fresh: FakeCluster,
                                                     tmp_path: Path) -> None:
    fresh.clock.advance(150)
    lines = kubectl(fresh, tmp_path, "get", "deploy", "-o", "wide").splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE",
                                "CONTAINERS", "IMAGES", "SELECTOR"]
    # The fake's controllers, scheduler and kubelet have run the Deployment's Pod.
    assert lines[1].split() == ["web", "1/1", "1", "1", "2m30s", "web", "nginx:1.27",
                                "app=web"]
    namespaces = kubectl(fresh, tmp_path, "get", "ns", "default", "--no-headers").split()
    assert namespaces == ["default", "Active", "2m30s"]


@needs_kubectl
def test_kubectl_scale_logs_and_api_resources(fresh: FakeCluster, tmp_path: Path) -> None:
    assert "scaled" in kubectl(fresh, tmp_path, "scale", "deployment/web", "--replicas=3")
    assert fresh.get("Deployment", "web")["spec"]["replicas"] == 3
    assert kubectl(fresh, tmp_path, "logs", "worker") == ""
    fresh.set_pod_log("default", "worker", "started\nready\n")
    assert kubectl(fresh, tmp_path, "logs", "worker") == "started\nready\n"
    assert kubectl(fresh, tmp_path, "logs", "worker", "--tail=1") == "ready\n"
    listed = kubectl(fresh, tmp_path, "api-resources", "--api-group=apps", "-o", "name")
    assert "deployments.apps" in listed.split()


def test_the_official_client_reads_logs_and_scales(fresh: FakeCluster) -> None:
    api = fresh.api_client()
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    fresh.set_pod_log("default", "worker", "line one\n", container="main")
    assert core.read_namespaced_pod_log("worker", "default") == "line one\n"
    # As the Deployment controller would (the client's Scale model needs a count: the
    # apiserver, like the fake, omits a zero one).
    apps.patch_namespaced_deployment_status("web", "default", {"status": {"replicas": 1}})
    scale = apps.read_namespaced_deployment_scale("web", "default")
    assert (scale.spec.replicas, scale.status.selector) == (1, "app=web")
    scale.spec.replicas = 4
    assert apps.replace_namespaced_deployment_scale("web", "default", scale).spec.replicas == 4
    apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 2}})
    assert fresh.get("Deployment", "web")["spec"]["replicas"] == 2
    with pytest.raises(client.ApiException) as stale:
        apps.replace_namespaced_deployment_scale("web", "default", scale)
    assert stale.value.status == 409


def test_the_dynamic_client_reads_aggregated_discovery(fresh: FakeCluster) -> None:
    dynamic = fresh.dynamic_client()
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    assert [d.metadata.name for d in deployments.get(namespace="default").items] == ["web"]


def test_a_pod_log_belongs_to_that_pod(fresh: FakeCluster) -> None:
    fresh.set_pod_log("default", "worker", "old\n")
    snapshot = fresh.snapshot()
    fresh.delete("Pod", "worker", "default")
    fresh.apply(DEPLOYMENT)
    assert (fresh.get("Pod", "worker")["metadata"]["uid"], "main") not in fresh.store.pod_logs
    fresh.reset(snapshot)
    assert list(fresh.store.pod_logs.values()) == ["old\n"]
    with pytest.raises(ProviderError) as missing:
        fresh.set_pod_log("default", "nope", "x")
    assert missing.value.status == 404
    with pytest.raises(ProviderError) as unknown:
        fresh.set_pod_log("default", "worker", "x", container="sidecar")
    assert unknown.value.message == "container sidecar is not valid for pod worker"


@pytest.mark.parametrize(("seconds", "shown"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (125, "2m5s"),
    (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60, "3h1m"),
    (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (49 * 3600, "2d1h"),
    (8 * 86_400, "8d"), (730 * 86_400, "2y"), (731 * 86_400, "2y1d"),
    (8 * 365 * 86_400, "8y"),
])
def test_human_duration(seconds: int, shown: str) -> None:
    assert human_duration(seconds) == shown


def test_selectors_print_as_the_apiserver_prints_them() -> None:
    assert format_selector({}) == ""
    assert format_selector({"matchExpressions": ["not a map"]}, empty="<none>") == "<none>"


def test_accept_quality_that_is_not_a_number_counts_as_one() -> None:
    configmaps = registry().get("", "v1", "configmaps")
    assert configmaps is not None
    chosen = negotiate("application/json;as=Table;v=v1;g=meta.k8s.io;q=high", configmaps,
                       is_list=True)
    assert chosen.form == "Table"
    assert negotiate(None, configmaps, is_list=False).form == "object"


class _Gadget(ResourceType):
    """A custom resource type with additionalPrinterColumns, as the CRD registry gives."""

    columns = (
        {"name": "Size", "type": "integer", "jsonPath": ".spec.size", "description": "how big"},
        {"name": "Color", "type": "string", "jsonPath": ".spec.colors[1]", "priority": 1},
        {"name": "Seen", "type": "date", "jsonPath": ".status.seen"})


def _custom(cls: type[ResourceType]) -> ResourceType:
    base = registry().get("", "v1", "configmaps")
    assert base is not None
    return cls(**{**attrs.asdict(base, recurse=False), "group": "example.com",
                  "kind": "Gadget", "plural": "gadgets",
                  "printer_columns": getattr(cls, "columns", ())})


def test_custom_resources_print_their_own_columns() -> None:
    from datetime import datetime, timezone

    now = datetime(2026, 1, 1, 0, 10, tzinfo=timezone.utc)
    obj = {"metadata": {"name": "g", "creationTimestamp": "2026-01-01T00:00:00Z"},
           "spec": {"size": 3, "colors": ["red", "blue"]},
           "status": {"seen": "2026-01-01T00:09:00Z"}}
    printed = table(_custom(_Gadget), [obj, {"metadata": {"name": "h"}}], now,
                    include="None", metadata={})
    assert [(c["name"], c["type"], c["priority"]) for c in printed["columnDefinitions"]] == [
        ("Name", "string", 0), ("Size", "integer", 0), ("Color", "string", 1),
        ("Seen", "date", 0)]
    assert printed["columnDefinitions"][2]["description"] == (
        "Custom resource definition column (in JSONPath format): .spec.colors[1]")
    assert [r["cells"] for r in printed["rows"]] == [["g", 3, "blue", "60s"],
                                                     ["h", None, None, None]]
    plain = table(_custom(ResourceType), [obj], now, include="None", metadata={})
    assert [(c["name"], c["type"]) for c in plain["columnDefinitions"]] == [
        ("Name", "string"), ("Age", "date")]
    assert plain["rows"][0]["cells"] == ["g", "10m"]


def test_openapi_v2_in_protobuf_is_refused_loudly(fake_cluster: FakeCluster) -> None:
    """kubectl asks for /openapi/v2 in protobuf only; the fake writes JSON only."""
    session = requests.Session()
    session.trust_env = False
    session.verify = fake_cluster.ca_file
    session.headers["Authorization"] = f"Bearer {fake_cluster.token}"
    proto = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    refused = session.get(f"{fake_cluster.url}/openapi/v2", headers={"Accept": proto})
    assert refused.status_code == 406
    assert proto in refused.json()["message"]
    served = session.get(f"{fake_cluster.url}/openapi/v2")
    assert served.json()["swagger"] == "2.0"
