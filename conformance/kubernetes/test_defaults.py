"""Defaulting: the fields the apiserver fills in on a write."""

from __future__ import annotations

import copy
from typing import Any

from fakes.conformance.kubernetes._support import behaviour
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

DEFAULTING = ("https://kubernetes.io/docs/reference/using-api/api-concepts/"
              "#defaulting")
MERGE = "application/merge-patch+json"
_CONTAINER = {"resources": {}, "terminationMessagePath": "/dev/termination-log",
              "terminationMessagePolicy": "File"}
_POD_SPEC = {"restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
             "dnsPolicy": "ClusterFirst", "securityContext": {},
             "schedulerName": "default-scheduler"}


def _has(obj: dict[str, Any], expected: dict[str, Any]) -> None:
    """``obj`` holds every field of ``expected`` with its value."""
    assert {k: obj.get(k) for k in expected} == expected


def _template(image: str = "registry.invalid/none:1") -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "main", "image": image,
                                     "ports": [{"containerPort": 80}]}]}}


@behaviour("K8S-250", "a Deployment gets replicas 1, a RollingUpdate strategy of 25%/25%, "
           "revisionHistoryLimit 10, progressDeadlineSeconds 600, and its Pod template "
           "the Pod spec and container defaults", cite=DEFAULTING + " and " + MEASURED)
def test_deployment_defaults(target: Target) -> None:
    ns = target.namespace("defaults-deploy")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = minimal("apps/v1", "Deployment", "d", ns)
    body["spec"] = {"selector": {"matchLabels": {"app": "x"}}, "template": _template(),
                    "paused": True}
    spec = target.http("POST", path, body=body).json()["spec"]
    _has(spec, {"replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {
                    "maxUnavailable": "25%", "maxSurge": "25%"}}})
    pod = spec["template"]["spec"]
    _has(pod, _POD_SPEC)
    assert "enableServiceLinks" not in pod  # a Pod's own default, not a template's
    assert pod["containers"] == [{"name": "main", "image": "registry.invalid/none:1",
                                  "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                  **_CONTAINER, "imagePullPolicy": "IfNotPresent"}]
    for name, strategy, expected in (
            ("recreate", {"type": "Recreate"}, {"type": "Recreate"}),
            ("surge", {"rollingUpdate": {"maxSurge": 1}},
             {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%",
                                                         "maxSurge": 1}})):
        other = copy.deepcopy(body)
        other["metadata"]["name"] = name
        other["spec"]["strategy"] = strategy
        assert target.http("POST", path, body=other).json()["spec"]["strategy"] == expected


@behaviour("K8S-251", "a Pod gets restartPolicy Always, dnsPolicy ClusterFirst, "
           "terminationGracePeriodSeconds 30, schedulerName, an empty securityContext, "
           "enableServiceLinks; each container its termination message defaults, "
           "imagePullPolicy by tag (Always for :latest or none) and requests from limits",
           cite=DEFAULTING + " and " + MEASURED)
def test_pod_defaults(target: Target) -> None:
    ns = target.namespace("defaults-pod")
    path = f"/api/v1/namespaces/{ns}/pods"
    body = minimal("v1", "Pod", "p", ns)
    images = {"tag": "nginx:1.25", "none": "nginx", "latest": "nginx:latest",
              "digest": "nginx@sha256:" + "a" * 64, "port": "registry.invalid:5000/x"}
    body["spec"] = {"containers": [{"name": n, "image": i} for n, i in images.items()]}
    body["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}

    def create() -> dict[str, Any]:
        made = target.http("POST", path, body=body)
        assert made.status_code == 201, made.text  # the default ServiceAccount comes later
        result: dict[str, Any] = made.json()
        return result

    spec = eventually(create)["spec"]
    _has(spec, {**_POD_SPEC, "enableServiceLinks": True})
    policies = {c["name"]: c["imagePullPolicy"] for c in spec["containers"]}
    assert policies == {"tag": "IfNotPresent", "none": "Always", "latest": "Always",
                        "digest": "IfNotPresent", "port": "Always"}
    for container in spec["containers"]:
        _has(container, {k: v for k, v in _CONTAINER.items() if k != "resources"})
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"},
                                                  "requests": {"cpu": "1"}}


@behaviour("K8S-252", "a Service gets type ClusterIP, sessionAffinity None, one IPv4 "
           "family, internalTrafficPolicy Cluster, and its ports protocol TCP and a "
           "targetPort equal to the port; a NodePort Service gets node ports and "
           "externalTrafficPolicy Cluster; an ExternalName Service none of that",
           cite=DEFAULTING + " and " + MEASURED)
def test_service_defaults(target: Target) -> None:
    ns = target.namespace("defaults-svc")
    path = f"/api/v1/namespaces/{ns}/services"
    spec = target.http("POST", path, body=minimal("v1", "Service", "s", ns)).json()["spec"]
    _has(spec, {"type": "ClusterIP", "sessionAffinity": "None", "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster",
                "ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}]})
    node_port = minimal("v1", "Service", "np", ns)
    node_port["spec"] = {"type": "NodePort", "ports": [{"port": 80, "targetPort": 8080,
                                                         "name": "http"}]}
    spec = target.http("POST", path, body=node_port).json()["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    [port] = spec["ports"]
    assert 30000 <= port.pop("nodePort") <= 32767
    assert port == {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}
    external = minimal("v1", "Service", "ext", ns)
    external["spec"] = {"type": "ExternalName", "externalName": "example.com"}
    spec = target.http("POST", path, body=external).json()["spec"]
    assert spec == {"type": "ExternalName", "sessionAffinity": "None",
                    "externalName": "example.com"}


@behaviour("K8S-253", "a Job gets parallelism and completions 1, backoffLimit 6, "
           "completionMode NonIndexed, suspend false, podReplacementPolicy, and a selector "
           "on its own uid that its template's labels (and, when it has none, its own) carry",
           cite=DEFAULTING + " and " + MEASURED)
def test_job_defaults(target: Target) -> None:
    ns = target.namespace("defaults-job")
    path = f"/apis/batch/v1/namespaces/{ns}/jobs"
    made = target.http("POST", path, body=minimal("batch/v1", "Job", "j", ns)).json()
    uid = made["metadata"]["uid"]
    spec = made["spec"]
    _has(spec, {"parallelism": 1, "completions": 1, "backoffLimit": 6,
                "completionMode": "NonIndexed", "suspend": True,
                "podReplacementPolicy": "TerminatingOrFailed", "manualSelector": False,
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}})
    labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "j",
              "controller-uid": uid, "job-name": "j"}
    assert spec["template"]["metadata"]["labels"] == labels
    assert made["metadata"]["labels"] == labels
    _has(spec["template"]["spec"], {**_POD_SPEC, "restartPolicy": "Never"})
    wide = minimal("batch/v1", "Job", "wide", ns, labels={"mine": "y"})
    wide["spec"]["parallelism"] = 2
    made = target.http("POST", path, body=wide).json()
    assert made["metadata"]["labels"] == {"mine": "y"}
    assert "completions" not in made["spec"] and made["spec"]["parallelism"] == 2


@behaviour("K8S-254", "a ReplicaSet gets replicas 1; a StatefulSet replicas, "
           "podManagementPolicy, a RollingUpdate strategy, revisionHistoryLimit and a "
           "Retain claim policy; a DaemonSet a RollingUpdate strategy and "
           "revisionHistoryLimit", cite=DEFAULTING + " and " + MEASURED)
def test_workload_defaults(target: Target) -> None:
    ns = target.namespace("defaults-apps")
    expected = {
        ("replicasets", "ReplicaSet"): {"replicas": 1},
        ("statefulsets", "StatefulSet"): {
            "replicas": 1, "serviceName": "", "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate",
                               "rollingUpdate": {"partition": 0, "maxUnavailable": 1}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                     "whenScaled": "Retain"}},
        ("daemonsets", "DaemonSet"): {
            "updateStrategy": {"type": "RollingUpdate",
                               "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            "revisionHistoryLimit": 10},
    }
    for (plural, kind), defaults in expected.items():
        body = minimal("apps/v1", kind, "w", ns)
        template = _template()
        template["spec"]["nodeSelector"] = {"verified-fakes/none": "none"}
        body["spec"] = {"selector": {"matchLabels": {"app": "x"}}, "template": template}
        if kind != "DaemonSet":
            body["spec"]["replicas"] = 0
            defaults = {**defaults, "replicas": 0}
        spec = target.http("POST", f"/apis/apps/v1/namespaces/{ns}/{plural}",
                           body=body).json()["spec"]
        assert {k: v for k, v in spec.items() if k not in ("selector", "template")} == defaults
        _has(spec["template"]["spec"], _POD_SPEC)


@behaviour("K8S-255", "a Secret gets type Opaque, and its stringData is written into data "
           "(over a key data has too) and not kept", cite=DEFAULTING + " and " + MEASURED)
def test_secret_defaults(target: Target) -> None:
    ns = target.namespace("defaults-secret")
    body = minimal("v1", "Secret", "s", ns)
    del body["type"]
    body["data"] = {"a": "MQ==", "b": "Mg=="}
    body["stringData"] = {"a": "x"}
    made = target.http("POST", f"/api/v1/namespaces/{ns}/secrets", body=body).json()
    assert made["type"] == "Opaque" and "stringData" not in made
    assert made["data"] == {"a": "eA==", "b": "Mg=="}


@behaviour("K8S-256", "defaulting runs on every write: an update that leaves a defaulted "
           "field out gets the default again, and writes nothing new if that was all",
           cite=DEFAULTING + " and " + MEASURED)
def test_defaults_on_update(target: Target) -> None:
    ns = target.namespace("defaults-update")
    path = f"/api/v1/namespaces/{ns}/services"
    made = target.http("POST", path, body=minimal("v1", "Service", "s", ns)).json()
    sent = copy.deepcopy(made)
    for field in ("sessionAffinity", "internalTrafficPolicy"):
        del sent["spec"][field]
    del sent["spec"]["ports"][0]["protocol"]
    replaced = target.http("PUT", f"{path}/s", body=sent).json()
    assert replaced["spec"] == made["spec"]
    assert replaced["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]


@behaviour("K8S-257", "a CronJob gets concurrencyPolicy Allow, suspend false and history "
           "limits 3 and 1, its job template only the Pod template's defaults (not a "
           "Job's); a ReplicationController replicas 1 and its template's labels as "
           "selector and labels", cite=DEFAULTING + " and " + MEASURED)
def test_cronjob_and_controller_defaults(target: Target) -> None:
    ns = target.namespace("defaults-cron")
    body = minimal("batch/v1", "CronJob", "c", ns)
    del body["spec"]["suspend"]
    body["spec"]["schedule"] = "0 0 1 1 *"
    spec = target.http("POST", f"/apis/batch/v1/namespaces/{ns}/cronjobs",
                       body=body).json()["spec"]
    _has(spec, {"concurrencyPolicy": "Allow", "suspend": False,
                "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1})
    job = spec["jobTemplate"]
    assert job["metadata"] == {} and set(job["spec"]) == {"template"}
    assert job["spec"]["template"]["metadata"] == {}
    _has(job["spec"]["template"]["spec"], {**_POD_SPEC, "restartPolicy": "Never"})
    controller = minimal("v1", "ReplicationController", "rc", ns)
    del controller["spec"]["selector"]
    del controller["spec"]["replicas"]
    made = target.http("POST", f"/api/v1/namespaces/{ns}/replicationcontrollers",
                       body=controller).json()
    assert made["metadata"]["labels"] == {"app": "x"}
    assert made["spec"]["selector"] == {"app": "x"}
    assert made["spec"]["replicas"] == 1


@behaviour("K8S-258", "a new Pod's status is phase Pending with its QoS class: BestEffort "
           "without cpu or memory asked for, Guaranteed when every container's cpu and "
           "memory limits equal its requests (as quantities), Burstable otherwise",
           cite="https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/ and " + MEASURED)
def test_pod_status_on_create(target: Target) -> None:
    ns = target.namespace("defaults-qos")
    path = f"/api/v1/namespaces/{ns}/pods"
    both = {"cpu": "100m", "memory": "64Mi"}
    cases = {"best": ({}, "BestEffort"),
             "guaranteed": ({"limits": both}, "Guaranteed"),
             "equal": ({"limits": both, "requests": both}, "Guaranteed"),
             "burstable": ({"requests": {"cpu": "100m"}}, "Burstable"),
             "cpu-only": ({"limits": {"cpu": "1"}}, "Burstable"),
             # Equal as quantities, not as text: "+1" keeps its text, 1024Mi is 1Gi.
             "same-value": ({"requests": {"cpu": "+1", "memory": "1Gi"},
                             "limits": {"cpu": "1", "memory": "1024Mi"}}, "Guaranteed")}
    for name, (resources, qos) in cases.items():
        body = minimal("v1", "Pod", name, ns)
        body["spec"]["containers"][0]["resources"] = resources

        def create(body: dict[str, Any] = body) -> dict[str, Any]:
            made = target.http("POST", path, body=body)
            assert made.status_code == 201, made.text  # the default ServiceAccount comes later
            result: dict[str, Any] = made.json()
            return result

        assert eventually(create)["status"] == {"phase": "Pending", "qosClass": qos}, name
