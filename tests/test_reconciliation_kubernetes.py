"""The reconciler harness on the Kubernetes fake, through the official client: a
reconciler that keeps one Deployment per app, with the fake's controllers, scheduler
and kubelet bringing them to Available as the harness advances the clock."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from kubernetes.client.rest import ApiException
from urllib3.exceptions import HTTPError

from fakes.faults import Conflict, LostResponse, Throttle
from fakes.kubernetes import FakeCluster
from fakes.reconciliation import Drift, Injection, Reconciler, ReconcilerFailure
from kubernetes import client

NAMESPACE = "apps"
LABEL = "example.com/app"
Desired = dict[str, int]  # app name -> replicas


def examples(n: int) -> settings:
    return settings(max_examples=n, stateful_step_count=8, deadline=None,
                    derandomize=True, database=None)


def deployment(app: str, replicas: int, *, generate: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {LABEL: app}}
    meta["generateName" if generate else "name"] = f"{app}-" if generate else app
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": replicas, "selector": {"matchLabels": {LABEL: app}},
                     "template": {"metadata": {"labels": {LABEL: app}},
                                  "spec": {"containers": [{"name": "app",
                                                           "image": f"example/{app}:1"}]}}}}


class Operator:
    """Keep a Deployment named after each app, with its replicas; delete the ones it
    made for apps no longer wanted (those carrying its label)."""

    def __init__(self, fake: FakeCluster) -> None:
        self.apps = client.AppsV1Api(fake.api_client())

    def create(self, app: str, replicas: int) -> None:
        try:
            self.apps.create_namespaced_deployment(NAMESPACE, deployment(app, replicas))
        except ApiException as exists:
            if exists.status != 409:  # made by a run whose answer was lost: done
                raise

    def reconcile(self, desired: Desired) -> None:
        current = {d.metadata.labels[LABEL]: d for d in self.apps.list_namespaced_deployment(
            NAMESPACE, label_selector=LABEL).items}
        for app, found in current.items():
            if app not in desired:
                self.apps.delete_namespaced_deployment(found.metadata.name, NAMESPACE)
        for app, replicas in sorted(desired.items()):
            found = current.get(app)
            if found is None:
                self.create(app, replicas)
            elif found.spec.replicas != replicas:
                self.apps.patch_namespaced_deployment_scale(
                    found.metadata.name, NAMESPACE, {"spec": {"replicas": replicas}})


class GeneratingOperator(Operator):
    """Seeded bug: Deployments get generated names, and a create whose answer was lost
    is simply tried again, so the first one stays as a second Deployment."""

    def create(self, app: str, replicas: int) -> None:
        for _ in range(3):
            try:
                self.apps.create_namespaced_deployment(
                    NAMESPACE, deployment(app, replicas, generate=True))
                return
            except HTTPError:
                continue


def observe(fake: FakeCluster) -> dict[str, list[tuple[int, int]]]:
    """app -> (replicas, available) of each Deployment labelled for it."""
    seen: dict[str, list[tuple[int, int]]] = {}
    for d in fake.list("Deployment", NAMESPACE, label_selector=LABEL):
        seen.setdefault(d["metadata"]["labels"][LABEL], []).append(
            (d["spec"]["replicas"], (d.get("status") or {}).get("availableReplicas", 0)))
    return seen


def harness(fake: FakeCluster, kind: type[Operator]) -> Reconciler[Desired, Any]:
    fake.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    operator = kind(fake)

    def someone_scales(app: str) -> None:
        for d in fake.list("Deployment", NAMESPACE, label_selector=f"{LABEL}={app}"):
            d["spec"]["replicas"] = 5
            fake.apply(d, actor="someone")

    return Reconciler(
        fakes=[fake], actor="admin",
        desired=st.dictionaries(st.sampled_from(["web", "api"]), st.integers(1, 2),
                                max_size=2),
        reconcile=operator.reconcile, observe=lambda: observe(fake),
        converged=lambda desired, seen: seen == {a: [(r, r)] for a, r in desired.items()},
        # Its own Deployments, and their scale, whoever made the change before.
        owns=lambda change: change.resource.startswith(f"deployments.apps/{NAMESPACE}/"),
        drift=[Drift("someone scales an app", someone_scales, st.sampled_from(["web", "api"]))],
        faults=[Injection("lost create", fake, LostResponse(), on="deployments.create"),
                Injection("conflict", fake, Conflict(), on="deployments.*"),
                Injection("throttled", fake, Throttle())],
        max_advance=30, settle_seconds=120)


def test_the_operator_converges_as_the_cluster_runs_its_pods(
        fake_cluster: FakeCluster) -> None:
    harness(fake_cluster, Operator).check(settings=examples(25))


def test_generated_names_and_blind_retries_leave_a_second_deployment(
        fake_cluster: FakeCluster) -> None:
    with pytest.raises(ReconcilerFailure, match="lost response") as failure:
        harness(fake_cluster, GeneratingOperator).check(settings=examples(40))
    assert "LostResponse on deployments.create" in str(failure.value)
