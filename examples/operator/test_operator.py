"""The WebApp operator, tested at the four layers of the test boundary (docs/examples.md).

1. unit: the pure decisions of :mod:`webapp_operator` (``desired_objects``,
   ``updated``, ``status_from``);
2. contract: every request the operator sends through the official client, and every
   answer it reads, checked against the Kubernetes OpenAPI schemas of their kinds and
   the WebApp's own ``openAPIV3Schema``;
3. fake-backed: the operator against the Kubernetes fake, example by example and as a
   property test of idempotency, ownership and convergence under drift and faults
   (``fakes.reconciliation``), which also catches three deliberately broken versions;
4. sandbox: the conformance behaviours the operator relies on, which the weekly run
   checks against a real cluster (``fakes conformance --provider kubernetes``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import webapp_operator
from hypothesis import Phase, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from kubernetes.client import ApiClient
from webapp_operator import (
    API_VERSION,
    INSTANCE,
    MANAGED_BY,
    Cluster,
    desired_objects,
    is_owned_by,
    reconcile,
    status_from,
    updated,
)

from fakes.conformance import missing_behaviours
from fakes.conformance.kubernetes.schemas import schema_errors
from fakes.faults import Conflict, LostResponse, ProviderFault, Throttle
from fakes.kubernetes import FakeCluster
from fakes.reconciliation import Drift, Injection, Reconciler, ReconcilerFailure

NAMESPACE, NAME = "apps", "web"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
OPERATOR = "admin"  # the user of fake.api_client(): the operator's writes in the journal


def webapp(generation: int = 1, status: dict[str, Any] | None = None,
           **spec: Any) -> dict[str, Any]:
    """A WebApp as the API server shows it, defaults filled in."""
    obj: dict[str, Any] = {
        "apiVersion": API_VERSION, "kind": "WebApp",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "uid": "uid-1",
                     "generation": generation},
        "spec": {"image": "example/web:1", "replicas": 2, "port": 8080, **spec}}
    if status is not None:
        obj["status"] = status
    return obj


# -- 1. unit: the decisions ------------------------------------------------------------

def test_the_desired_objects_are_owned_labelled_and_select_the_pods() -> None:
    desired = desired_objects(webapp(port=9000))
    for obj in (desired.deployment, desired.service):
        assert obj["metadata"]["ownerReferences"] == [{
            "apiVersion": API_VERSION, "kind": "WebApp", "name": NAME, "uid": "uid-1",
            "controller": True, "blockOwnerDeletion": True}]
        assert obj["metadata"]["labels"] == {INSTANCE: NAME, MANAGED_BY: "webapp-operator"}
    spec = desired.deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"][
        "labels"].items()
    [container] = spec["template"]["spec"]["containers"]
    assert container["image"] == "example/web:1"
    assert container["ports"][0]["containerPort"] == 9000
    assert desired.service["spec"]["selector"] == spec["selector"]["matchLabels"]
    assert desired.service["spec"]["ports"][0]["targetPort"] == 9000


def served(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` as the API server answers it: server fields, defaults, others' labels."""
    live = copy.deepcopy(obj)
    live["metadata"].update(resourceVersion="7", labels={**live["metadata"]["labels"],
                                                         "team": "shop"})
    if live["kind"] == "Service":
        live["spec"].update(clusterIP="10.96.0.10", type="ClusterIP")
    else:
        live["spec"]["strategy"] = {"type": "RollingUpdate"}
        live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
        live["status"] = {"replicas": 2}
    return live


def test_nothing_is_written_when_the_owned_fields_match() -> None:
    desired = desired_objects(webapp())
    assert updated(served(desired.deployment), desired.deployment) is None
    assert updated(served(desired.service), desired.service) is None


def test_someone_scaling_is_undone_and_the_rest_kept() -> None:
    desired = desired_objects(webapp())
    live = served(desired.deployment)
    live["spec"]["replicas"] = 5
    new = updated(live, desired.deployment)
    assert new is not None and new["spec"]["replicas"] == 2
    # What the server and others set stays, the resourceVersion read included.
    assert new["metadata"]["resourceVersion"] == "7"
    assert new["metadata"]["labels"]["team"] == "shop"
    assert new["spec"]["strategy"] == {"type": "RollingUpdate"}


def test_a_new_image_changes_only_the_app_container() -> None:
    live = served(desired_objects(webapp()).deployment)
    sidecar = {"name": "proxy", "image": "example/proxy:3"}
    live["spec"]["template"]["spec"]["containers"].append(sidecar)
    new = updated(live, desired_objects(webapp(image="example/web:2")).deployment)
    assert new is not None
    app, proxy = new["spec"]["template"]["spec"]["containers"]
    assert (app["image"], app["imagePullPolicy"], proxy) == (
        "example/web:2", "IfNotPresent", sidecar)


def test_an_edited_service_gets_its_ports_and_selector_back() -> None:
    desired = desired_objects(webapp())
    live = served(desired.service)
    live["spec"]["ports"][0]["targetPort"] = 9999
    live["spec"]["selector"] = {"app": "other"}
    new = updated(live, desired.service)
    assert new is not None
    assert new["spec"]["ports"] == desired.service["spec"]["ports"]
    assert new["spec"]["selector"] == {INSTANCE: NAME}
    assert new["spec"]["clusterIP"] == "10.96.0.10"


def test_only_a_controller_reference_to_this_webapp_is_ownership() -> None:
    live = served(desired_objects(webapp()).service)
    assert is_owned_by(live, webapp())
    live["metadata"]["ownerReferences"][0]["controller"] = False
    assert not is_owned_by(live, webapp())
    live["metadata"]["ownerReferences"] = [{**desired_objects(webapp())
                                            .service["metadata"]["ownerReferences"][0],
                                            "uid": "uid-of-an-earlier-webapp"}]
    assert not is_owned_by(live, webapp())
    del live["metadata"]["ownerReferences"]
    assert not is_owned_by(live, webapp())  # the labels alone are not ownership


def deployment(replicas: int = 2, *, ready: int = 2, generation: int = 1,
               observed: int = 1, progressing: dict[str, str] | None = None
               ) -> dict[str, Any]:
    live = served(desired_objects(webapp(replicas=replicas)).deployment)
    live["metadata"]["generation"] = generation
    live["status"] = {"observedGeneration": observed, "replicas": replicas,
                      "updatedReplicas": replicas, "readyReplicas": ready,
                      "availableReplicas": ready,
                      "conditions": [{"type": "Progressing", "status": "True",
                                      "reason": "NewReplicaSetAvailable",
                                      **(progressing or {})}]}
    return live


def conditions(status: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}


def test_a_rolled_out_deployment_makes_the_webapp_available() -> None:
    status = status_from(webapp(generation=3), deployment(), service_owned=True, now=NOW)
    assert status["observedGeneration"] == 3 and status["readyReplicas"] == 2
    assert conditions(status) == {"Available": ("True", "ReplicasReady"),
                                  "Progressing": ("True", "RolloutComplete")}
    assert all(c["observedGeneration"] == 3 and c["lastTransitionTime"] ==
               "2026-01-01T00:00:00Z" for c in status["conditions"])


@pytest.mark.parametrize("live", [
    deployment(ready=1),  # a Pod is not ready yet
    deployment(generation=2, observed=1),  # the Deployment has not seen its new spec
    deployment(replicas=3),  # someone scaled it, and it has not been put back yet
], ids=["not-ready", "not-observed", "other-replicas"])
def test_a_deployment_still_rolling_out_is_not_available(live: dict[str, Any]) -> None:
    status = status_from(webapp(), live, service_owned=True, now=NOW)
    assert conditions(status) == {"Available": ("False", "ReplicasNotReady"),
                                  "Progressing": ("True", "RollingOut")}


def test_a_deployment_with_no_status_yet_counts_no_ready_replicas() -> None:
    live = deployment()
    del live["status"]
    status = status_from(webapp(), live, service_owned=True, now=NOW)
    assert status["readyReplicas"] == 0
    assert status["conditions"][0]["message"] == "0 of 2 replicas ready"


def test_zero_replicas_is_available_with_none_ready() -> None:
    live = deployment(replicas=0, ready=0)
    status = status_from(webapp(replicas=0), live, service_owned=True, now=NOW)
    assert conditions(status)["Available"] == ("True", "ReplicasReady")


def test_a_stalled_rollout_says_so() -> None:
    live = deployment(ready=0, progressing={
        "status": "False", "reason": "ProgressDeadlineExceeded",
        "message": 'ReplicaSet "web-1" has timed out progressing.'})
    status = status_from(webapp(), live, service_owned=True, now=NOW)
    assert conditions(status)["Progressing"] == ("False", "ProgressDeadlineExceeded")
    assert status["conditions"][1]["message"] == 'ReplicaSet "web-1" has timed out progressing.'


def test_objects_it_does_not_own_are_reported() -> None:
    status = status_from(webapp(), deployment(), service_owned=False, now=NOW)
    assert conditions(status)["Available"] == ("False", "ServiceNotOwned")
    assert status["conditions"][0]["message"].startswith('Service "web" exists and is not owned')
    status = status_from(webapp(), None, service_owned=True, now=NOW)
    assert conditions(status)["Available"] == ("False", "DeploymentNotOwned")


def test_a_condition_keeps_its_transition_time_until_its_status_changes() -> None:
    first = status_from(webapp(), deployment(ready=1), service_owned=True, now=NOW)
    later = NOW + timedelta(minutes=5)
    same = status_from(webapp(status=first), deployment(ready=1), service_owned=True, now=later)
    assert same == first  # nothing to write
    moved = status_from(webapp(status=first), deployment(), service_owned=True, now=later)
    assert [c["lastTransitionTime"] for c in moved["conditions"]] == [
        "2026-01-01T00:05:00Z", "2026-01-01T00:00:00Z"]


# -- helpers: a cluster with the WebApp definition -------------------------------------

@pytest.fixture
def cluster(fake_cluster: FakeCluster) -> Iterator[FakeCluster]:
    fake_cluster.apply(webapp_operator.definition())
    fake_cluster.apply({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": NAMESPACE}})
    yield fake_cluster


def apply_webapp(fake: FakeCluster, **spec: Any) -> None:
    fake.apply({"apiVersion": API_VERSION, "kind": "WebApp",
                "metadata": {"name": NAME, "namespace": NAMESPACE}, "spec": spec})


def read(fake: FakeCluster, kind: str) -> dict[str, Any] | None:
    found = [o for o in fake.list(kind, NAMESPACE, api_version=API_VERSION
                                  if kind == "WebApp" else None)
             if o["metadata"]["name"] == NAME]
    return found[0] if found else None


def status_of(fake: FakeCluster) -> dict[str, tuple[str, str]]:
    found = read(fake, "WebApp")
    assert found is not None
    return conditions(found["status"])


# -- 2. contract: the edge against the schemas -----------------------------------------

API_REFERENCE = "https://kubernetes.io/docs/reference/kubernetes-api/"
NAMED = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
# The operations the operator uses (API reference: workload-resources/deployment-v1,
# service-resources/service-v1; the custom resource's paths and /status subresource
# from the CustomResourceDefinition docs): method, path, the answers that are success.
ENDPOINTS = [
    ("GET", rf"/apis/{re.escape(API_VERSION)}/namespaces/{NAMED}/webapps/{NAMED}", {200}),
    ("PUT", rf"/apis/{re.escape(API_VERSION)}/namespaces/{NAMED}/webapps/{NAMED}/status",
     {200}),
    ("GET", rf"/apis/apps/v1/namespaces/{NAMED}/deployments/{NAMED}", {200}),
    ("POST", rf"/apis/apps/v1/namespaces/{NAMED}/deployments", {201}),
    ("PUT", rf"/apis/apps/v1/namespaces/{NAMED}/deployments/{NAMED}", {200}),
    ("GET", rf"/api/v1/namespaces/{NAMED}/services/{NAMED}", {200}),
    ("POST", rf"/api/v1/namespaces/{NAMED}/services", {201}),
    ("PUT", rf"/api/v1/namespaces/{NAMED}/services/{NAMED}", {200}),
]
WEBAPP_SCHEMA = Draft7Validator(webapp_operator.definition()["spec"]["versions"][0]
                                ["schema"]["openAPIV3Schema"])


class Recorder:
    """Every request the official client sends through ``api``, with its answer."""

    def __init__(self, api: ApiClient) -> None:
        self.exchanges: list[tuple[str, str, Any, int, bytes]] = []
        send = api.rest_client.request

        def request(method: str, url: str, headers: Any = None, body: Any = None,
                    post_params: Any = None, _request_timeout: Any = None) -> Any:
            answer = send(method, url, headers=headers, body=body, post_params=post_params,
                          _request_timeout=_request_timeout)
            self.exchanges.append((method, url, body, answer.status, answer.read()))
            return answer

        api.rest_client.request = request


def document_errors(document: Any) -> list[str]:
    """The schema errors of a built-in kind, or of a WebApp against its definition."""
    if isinstance(document, dict) and document.get("kind") == "WebApp":
        return [e.message for e in WEBAPP_SCHEMA.iter_errors(document)]
    return schema_errors(document)


def check_exchange(method: str, url: str, body: Any, status: int, answer: bytes) -> None:
    import json

    path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
    matching = [codes for m, pattern, codes in ENDPOINTS
                if m == method and re.fullmatch(pattern, path)]
    assert matching, f"{method} {path} is not an operation the operator should use"
    if body is not None:
        assert document_errors(body) == [], f"{method} {path} sent {body}"
        if method == "PUT":  # optimistic concurrency: every update names what it read
            assert body["metadata"].get("resourceVersion"), f"{method} {path}: no resourceVersion"
    document = json.loads(answer)
    assert document_errors(document) == [], f"{method} {path} answered {document}"
    if status not in matching[0]:
        # API conventions: a failure answers a Status whose code is the HTTP status.
        assert document["kind"] == "Status" and document["code"] == status, document


def test_every_exchange_fits_the_schemas(cluster: FakeCluster) -> None:
    api = cluster.api_client()
    recorder = Recorder(api)
    edge = Cluster(api)
    apply_webapp(cluster, image="example/web:1", replicas=2)
    reconcile(edge, NAMESPACE, NAME)
    scaled = read(cluster, "Deployment")
    assert scaled is not None
    scaled["spec"]["replicas"] = 5
    cluster.apply(scaled, actor="someone")
    apply_webapp(cluster, image="example/web:2", replicas=3, port=9000)
    reconcile(edge, NAMESPACE, NAME)
    cluster.delete("Service", NAME, NAMESPACE)
    cluster.apply({"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": NAME, "namespace": NAMESPACE},
                   "spec": {"ports": [{"port": 80}], "selector": {"app": "theirs"}}})
    reconcile(edge, NAMESPACE, NAME)
    cluster.faults.add(Conflict(), on="deployments.update", times=1)
    apply_webapp(cluster, image="example/web:3")
    assert reconcile(edge, NAMESPACE, NAME).retry
    methods = {(method, status) for method, _, _, status, _ in recorder.exchanges}
    assert {("POST", 201), ("PUT", 200), ("GET", 404), ("PUT", 409)} <= methods
    for exchange in recorder.exchanges:
        check_exchange(*exchange)


# -- 3. fake-backed: examples and properties -------------------------------------------

def test_a_webapp_gets_its_deployment_service_and_status_then_nothing(
        cluster: FakeCluster) -> None:
    edge = Cluster(cluster.api_client())
    apply_webapp(cluster, image="example/web:1", replicas=2)
    done = reconcile(edge, NAMESPACE, NAME)
    assert done.wrote == ("create Deployment web", "create Service web", "WebApp web status")
    # The fake's kubelet runs the Pods at once: the rollout is complete.
    assert status_of(cluster) == {"Available": ("True", "ReplicasReady"),
                                  "Progressing": ("True", "RolloutComplete")}
    service = read(cluster, "Service")
    assert service is not None and service["spec"]["ports"][0]["targetPort"] == 8080
    mark = cluster.journal.mark()
    assert reconcile(edge, NAMESPACE, NAME).wrote == ()
    assert cluster.journal.since(mark) == []


def test_scaling_and_a_new_image_roll_out(cluster: FakeCluster) -> None:
    edge = Cluster(cluster.api_client())
    apply_webapp(cluster, image="example/web:1", replicas=1)
    reconcile(edge, NAMESPACE, NAME)
    apply_webapp(cluster, image="example/web:2", replicas=3)
    assert reconcile(edge, NAMESPACE, NAME).wrote == ("update Deployment web",
                                                      "WebApp web status")
    found = read(cluster, "WebApp")
    assert found is not None
    assert (found["status"]["observedGeneration"], found["status"]["readyReplicas"]) == (2, 3)
    pods = cluster.list("Pod", NAMESPACE, label_selector=f"{INSTANCE}={NAME}")
    assert sorted(p["spec"]["containers"][0]["image"] for p in pods) == ["example/web:2"] * 3


def test_a_rollout_whose_pods_do_not_start_stalls_then_completes(
        cluster: FakeCluster) -> None:
    edge = Cluster(cluster.api_client())
    cluster.stages.disable("pod-ready")  # the node's kubelet starts no Pod for now
    apply_webapp(cluster, image="example/web:1", replicas=1)
    reconcile(edge, NAMESPACE, NAME)
    assert status_of(cluster) == {"Available": ("False", "ReplicasNotReady"),
                                  "Progressing": ("True", "RollingOut")}
    cluster.clock.advance(601)  # the Deployment's progressDeadlineSeconds pass
    reconcile(edge, NAMESPACE, NAME)
    assert status_of(cluster)["Progressing"] == ("False", "ProgressDeadlineExceeded")
    cluster.stages.enable("pod-ready")
    cluster.clock.advance(1)
    reconcile(edge, NAMESPACE, NAME)
    assert status_of(cluster) == {"Available": ("True", "ReplicasReady"),
                                  "Progressing": ("True", "RolloutComplete")}


def test_a_service_it_does_not_own_is_left_alone_and_reported(cluster: FakeCluster) -> None:
    theirs = {"apiVersion": "v1", "kind": "Service",
              "metadata": {"name": NAME, "namespace": NAMESPACE},
              "spec": {"ports": [{"port": 443}], "selector": {"app": "theirs"}}}
    cluster.apply(theirs, actor="someone")
    edge = Cluster(cluster.api_client())
    apply_webapp(cluster, image="example/web:1", replicas=1)
    mark = cluster.journal.mark()
    reconcile(edge, NAMESPACE, NAME)
    assert [c.resource for c in cluster.journal.since(mark)
            if c.actor == OPERATOR and c.resource.startswith("services")] == []
    assert status_of(cluster)["Available"] == ("False", "ServiceNotOwned")
    cluster.delete("Service", NAME, NAMESPACE, actor="someone")
    reconcile(edge, NAMESPACE, NAME)
    assert status_of(cluster)["Available"] == ("True", "ReplicasReady")


def test_deleting_the_webapp_collects_what_it_owned(cluster: FakeCluster) -> None:
    edge = Cluster(cluster.api_client())
    apply_webapp(cluster, image="example/web:1", replicas=2)
    reconcile(edge, NAMESPACE, NAME)
    cluster.delete("WebApp", NAME, NAMESPACE, api_version=API_VERSION)
    # The garbage collector follows the ownerReferences: Deployment, ReplicaSet, Pods.
    assert [o for kind in ("Deployment", "ReplicaSet", "Pod", "Service")
            for o in cluster.list(kind, NAMESPACE)] == []
    assert reconcile(edge, NAMESPACE, NAME).wrote == ()


def test_a_throttled_run_asks_to_be_run_again_when_the_server_says(
        cluster: FakeCluster) -> None:
    edge = Cluster(cluster.api_client())
    apply_webapp(cluster, image="example/web:1")
    cluster.faults.add(Throttle(retry_after=3), on="deployments.create", times=1)
    done = reconcile(edge, NAMESPACE, NAME)
    assert (done.retry, done.retry_after, done.wrote) == (True, 3.0, ())
    assert reconcile(edge, NAMESPACE, NAME).wrote[0] == "create Deployment web"


Spec = dict[str, Any] | None  # the WebApp's spec; None: the user deleted it


def observe(fake: FakeCluster) -> dict[str, Any]:
    """The WebApp's generation and status, and its Deployment and Service in the fields
    the operator decides (with whether the WebApp owns them)."""
    found, live, service = read(fake, "WebApp"), read(fake, "Deployment"), read(fake, "Service")

    def owned(obj: dict[str, Any]) -> bool:
        return found is not None and is_owned_by(obj, found)

    seen: dict[str, Any] = {"webapp": None, "deployment": None, "service": None}
    if found is not None:
        status = found.get("status") or {}
        seen["webapp"] = (found["metadata"]["generation"], status.get("observedGeneration"),
                          status.get("readyReplicas"),
                          conditions(status) if "conditions" in status else {})
    if live is not None:
        [container] = live["spec"]["template"]["spec"]["containers"]
        seen["deployment"] = (owned(live), container["image"], live["spec"]["replicas"],
                              container["ports"][0]["containerPort"])
    if service is not None:
        seen["service"] = (owned(service), service["spec"]["ports"][0]["targetPort"])
    return seen


def converged(spec: Spec, seen: dict[str, Any]) -> bool:
    if spec is None:  # gone, with all it owned; a Service someone else made may stay
        return (seen["webapp"] is None and seen["deployment"] is None
                and (seen["service"] is None or not seen["service"][0]))
    if seen["webapp"] is None or seen["service"] is None:
        return False
    generation, observed, ready, reported = seen["webapp"]
    ours = seen["service"][0]
    return (seen["deployment"] == (True, spec["image"], spec["replicas"], spec["port"])
            and (not ours or seen["service"] == (True, spec["port"]))
            and observed == generation and ready == spec["replicas"]
            and reported.get("Available") == (("True", "ReplicasReady") if ours
                                              else ("False", "ServiceNotOwned")))


def harness(fake: FakeCluster) -> Reconciler[Spec, Any]:
    edge = Cluster(fake.api_client())
    webapp_resource = f"webapps.{webapp_operator.GROUP}/{NAMESPACE}/{NAME}"

    def run(spec: Spec) -> webapp_operator.Outcome:
        """The user's intent reaches the cluster, then the operator runs once."""
        if spec is not None:
            apply_webapp(fake, **spec)
        elif read(fake, "WebApp") is not None:
            fake.delete("WebApp", NAME, NAMESPACE, api_version=API_VERSION)
        return reconcile(edge, NAMESPACE, NAME)

    def owns(change: Any) -> bool:
        """The WebApp (its status: the contract test checks the path), and the objects
        whose current incarnation the operator created."""
        if change.resource == webapp_resource:
            return True
        made = [c.actor for c in fake.journal if c.resource == change.resource
                and c.operation.endswith(".create") and c.seq <= change.seq]
        return bool(made) and made[-1] == OPERATOR

    def someone_changes_the_deployment(how: str) -> None:
        found = read(fake, "Deployment")
        if found is None:
            return
        if how == "delete":
            fake.delete("Deployment", NAME, NAMESPACE, actor="someone")
        else:
            found["spec"]["replicas"] = 5
            fake.apply(found, actor="someone")

    def someone_changes_the_service(how: str) -> None:
        found = read(fake, "Service")
        theirs = found is not None and not found["metadata"].get("ownerReferences")
        if how == "edit" and found is not None:
            found["spec"]["ports"][0]["targetPort"] = 9999
            fake.apply(found, actor="someone")
        elif how == "take" and not theirs:
            if found is not None:
                fake.delete("Service", NAME, NAMESPACE, actor="someone")
            fake.apply({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": NAME, "namespace": NAMESPACE},
                        "spec": {"ports": [{"port": 443}], "selector": {"app": "theirs"}}},
                       actor="someone")
        elif how == "give back" and theirs:
            fake.delete("Service", NAME, NAMESPACE, actor="someone")

    spec = st.fixed_dictionaries({
        "image": st.sampled_from(["example/web:1", "example/web:2"]),
        "replicas": st.integers(0, 3), "port": st.sampled_from([8080, 9000])})
    return Reconciler(
        fakes=[fake], actor=OPERATOR,
        # Mostly a WebApp to keep; now and then the user deletes it.
        desired=st.integers(0, 3).flatmap(lambda n: spec if n else st.none()),
        reconcile=run, observe=lambda: observe(fake), converged=converged, owns=owns,
        drift=[Drift("someone changes the Deployment", someone_changes_the_deployment,
                     st.sampled_from(["scale", "delete"])),
               Drift("someone changes the Service", someone_changes_the_service,
                     st.sampled_from(["edit", "take", "give back"]))],
        faults=[Injection("conflict", fake, Conflict(), on="*.update"),
                Injection("throttled", fake, Throttle()),
                Injection("server error", fake, ProviderFault(503)),
                Injection("lost create", fake, LostResponse(), on="*.create"),
                Injection("lost update", fake, LostResponse(), on="*.update")],
        max_advance=30, settle_seconds=120)


def examples(n: int, *, shrink: bool = True) -> settings:
    return settings(max_examples=n, stateful_step_count=12, deadline=None,
                    derandomize=True, database=None,
                    phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate])


def test_the_operator_is_idempotent_converges_and_keeps_to_its_own(
        cluster: FakeCluster) -> None:
    harness(cluster).check(settings=examples(150))


class Broken:
    """Deliberately broken operators: the harness must catch each."""

    status_from = staticmethod(webapp_operator.status_from)
    is_owned_by = staticmethod(webapp_operator.is_owned_by)
    desired_objects = staticmethod(webapp_operator.desired_objects)

    @staticmethod
    def stamps_every_run(webapp: Any, deployment: Any, *, service_owned: bool,
                         now: datetime) -> dict[str, Any]:
        status = Broken.status_from(webapp, deployment, service_owned=service_owned, now=now)
        for condition in status["conditions"]:  # the time of the run, not of the change
            condition["lastTransitionTime"] = datetime.now(timezone.utc).isoformat()
        return status

    @staticmethod
    def adopts_by_name(obj: Any, webapp: Any) -> bool:
        # Whatever has the right name is taken for its own.
        return obj["kind"] == "Service" or Broken.is_owned_by(obj, webapp)

    @staticmethod
    def without_owner(webapp: Any) -> webapp_operator.Desired:
        made = Broken.desired_objects(webapp)
        for obj in (made.deployment, made.service):  # its label is taken for ownership
            del obj["metadata"]["ownerReferences"]
        return made

    @staticmethod
    def labelled(obj: Any, webapp: Any) -> bool:
        return bool(obj["metadata"].get("labels", {}).get(INSTANCE) == NAME)


def test_an_operator_that_stamps_every_run_is_not_idempotent(
        cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webapp_operator, "status_from", Broken.stamps_every_run)
    with pytest.raises(ReconcilerFailure, match=r"not idempotent: .*\n  webapps\.update"):
        harness(cluster).check(settings=examples(20, shrink=False))


def test_an_operator_that_adopts_by_name_changes_what_it_does_not_own(
        cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webapp_operator, "is_owned_by", Broken.adopts_by_name)
    with pytest.raises(ReconcilerFailure,
                       match=rf"changed what it does not own:\n  services\.update "
                             rf"services/{NAMESPACE}/{NAME}"):
        harness(cluster).check(settings=examples(60, shrink=False))


def test_an_operator_that_owns_by_label_leaves_its_objects_ownerless(
        cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webapp_operator, "desired_objects", Broken.without_owner)
    monkeypatch.setattr(webapp_operator, "is_owned_by", Broken.labelled)
    with pytest.raises(ReconcilerFailure, match=r"not converged after 3 reconcile runs"
                       r"(.|\n)*'deployment': \(False, "):
        harness(cluster).check(settings=examples(20, shrink=False))


# -- 4. sandbox: the provider behaviours the operator relies on ------------------------

#: What the operator assumes of a cluster, by conformance behaviour id. The weekly
#: sandbox run checks them against a real cluster:
#: ``fakes conformance --provider kubernetes --target real-local -- -k "K8S-015 or ..."``.
RELIES_ON = {
    "K8S-013": "metadata.generation grows when the spec changes (observedGeneration)",
    "K8S-015": "creating an object that exists is 409 AlreadyExists (after a lost create)",
    "K8S-017": "an update with a stale resourceVersion is 409 Conflict and changes nothing",
    "K8S-075": "the garbage collector deletes what a deleted object owned",
    "K8S-160": "a new CustomResourceDefinition is established",
    "K8S-162": "custom resources are created, read, updated and deleted",
    "K8S-164": "a custom resource's missing fields get their schema defaults",
    "K8S-167": "with the status subresource, status is written only through /status",
    "K8S-252": "a Service's ports get protocol TCP and targetPort defaults",
    "K8S-431": "a Deployment whose Pods do not run yet is not Available",
    "K8S-437": "a rollout that makes no progress turns Progressing False "
               "(ProgressDeadlineExceeded)",
    "K8S-444": "once its Pods run and are ready, a Deployment is Available",
    "K8S-520": "deleting a custom resource, the garbage collector deletes its dependents",
    "K8S-521": "a status write naming a stale resourceVersion is 409 Conflict",
}


def test_the_behaviours_relied_on_are_in_the_conformance_suite() -> None:
    missing = missing_behaviours("kubernetes", RELIES_ON)
    assert missing == [], f"not in the kubernetes conformance suite: {missing}"
