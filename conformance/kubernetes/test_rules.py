"""Per-kind validation: the 422 causes a kind's own rules add, and what they keep."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, failure
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
SELECTOR_DOCS = ("https://kubernetes.io/docs/concepts/workloads/controllers/deployment/"
                 "#selector")
IMMUTABLE_CM = ("https://kubernetes.io/docs/concepts/configuration/configmap/"
                "#configmap-immutable")
IMMUTABLE_SECRET = ("https://kubernetes.io/docs/concepts/configuration/secret/"
                    "#secret-immutable")
SERVICE_IP = ("https://kubernetes.io/docs/concepts/services-networking/cluster-ip-allocation/")
POD_UPDATE = ("https://kubernetes.io/docs/concepts/workloads/pods/#pod-update-and-replacement")
PVC_EXPAND = ("https://kubernetes.io/docs/concepts/storage/persistent-volumes/"
              "#expanding-persistent-volumes-claims")
JOB_DOCS = "https://kubernetes.io/docs/concepts/workloads/controllers/job/"
WORKLOADS = (("apps/v1", "Deployment", "deployments", "deployment"),
             ("apps/v1", "ReplicaSet", "replicasets", "deployment"),
             ("apps/v1", "StatefulSet", "statefulsets", "statefulset"),
             ("apps/v1", "DaemonSet", "daemonsets", "daemonset"))
_DOES_NOT_MATCH = "`selector` does not match template `labels`"
_WHEN_IMMUTABLE = "Forbidden: field is immutable when `immutable` is set"


def _causes(status: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["field"], c["reason"], c["message"]) for c in status["details"]["causes"]]


def _invalid(status: dict[str, Any], subject: str, causes: list[tuple[str, str, str]]) -> None:
    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert _causes(status) == causes
    listed = [f"{field}: {message}" for field, _, message in causes]
    joined = listed[0] if len(listed) == 1 else "[" + ", ".join(listed) + "]"
    assert status["message"] == f"{subject} is invalid: {joined}"


@behaviour("K8S-240", "a Deployment, ReplicaSet or StatefulSet needs spec.selector, and "
           "every workload's selector must match its template's labels and may not be "
           "empty: 422 naming each cause", cite=SELECTOR_DOCS + " and " + MEASURED)
@pytest.mark.parametrize(("api_version", "kind", "plural", "word"), WORKLOADS)
def test_workload_selector(target: Target, api_version: str, kind: str, plural: str,
                           word: str) -> None:
    ns = target.namespace(f"selector-{plural}")
    path = f"/apis/apps/v1/namespaces/{ns}/{plural}"
    body = minimal(api_version, kind, "w", ns)
    missing = copy.deepcopy(body)
    del missing["spec"]["selector"]
    mismatch = ("spec.template.metadata.labels", "FieldValueInvalid",
                f'Invalid value: {{"app":"x"}}: {_DOES_NOT_MATCH}')
    required = [("spec.selector", "FieldValueRequired", "Required value")]
    _invalid(failure(target, "POST", path, body=missing), f'{kind}.apps "w"',
             ([] if kind == "DaemonSet" else required) + [mismatch])
    other = copy.deepcopy(body)
    other["spec"]["selector"] = {"matchLabels": {"app": "y"}}
    _invalid(failure(target, "POST", path, body=other), f'{kind}.apps "w"', [mismatch])
    expressions = copy.deepcopy(body)
    expressions["spec"]["selector"] = {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["x", "z"]}]}
    assert target.http("POST", path, body=expressions).status_code == 201
    empty = copy.deepcopy(body)
    empty["spec"]["selector"] = {}
    # Validation comes first: an invalid object is 422 even where its name is taken.
    _invalid(failure(target, "POST", path, body=empty), f'{kind}.apps "w"', [(
                 "spec.selector", "FieldValueInvalid",
                 f"Invalid value: {{}}: empty selector is invalid for {word}")])
    assert target.http("GET", f"{path}/w").json()["spec"]["selector"] == expressions[
        "spec"]["selector"]


@behaviour("K8S-241", "a workload's selector cannot change after create (apps/v1): 422 "
           "field is immutable, and nothing changes", cite=SELECTOR_DOCS + " and " + MEASURED)
@pytest.mark.parametrize(("api_version", "kind", "plural", "word"), WORKLOADS)
def test_workload_selector_immutable(target: Target, api_version: str, kind: str,
                                     plural: str, word: str) -> None:
    ns = target.namespace(f"immutable-{plural}")
    path = f"/apis/apps/v1/namespaces/{ns}/{plural}"
    made = target.http("POST", path, body=minimal(api_version, kind, "w", ns)).json()
    labels = {"app": "x", "b": "c"}
    patch = {"spec": {"selector": {"matchLabels": labels},
                      "template": {"metadata": {"labels": labels}}}}
    refused = failure(target, "PATCH", f"{path}/w", body=patch, content_type=MERGE)
    _invalid(refused, f'{kind}.apps "w"', [(
        "spec.selector", "FieldValueInvalid",
        'Invalid value: {"matchLabels":{"app":"x","b":"c"}}: field is immutable')])
    expressions = {"spec": {"selector": {"matchLabels": None, "matchExpressions": [
        {"key": "app", "operator": "In", "values": ["x"]}]}}}
    refused = failure(target, "PATCH", f"{path}/w", body=expressions, content_type=MERGE)
    _invalid(refused, f'{kind}.apps "w"', [(
        "spec.selector", "FieldValueInvalid", 'Invalid value: {"matchExpressions":[{"key":'
        '"app","operator":"In","values":["x"]}]}: field is immutable')])
    stored = target.http("GET", f"{path}/w").json()
    assert stored["spec"]["selector"] == made["spec"]["selector"]


@behaviour("K8S-242", "an immutable ConfigMap keeps its data, binaryData and immutable "
           "flag (422 Forbidden for each changed); its metadata can still change; a mutable "
           "one can be made immutable", cite=IMMUTABLE_CM + " and " + MEASURED)
def test_immutable_configmap(target: Target) -> None:
    ns = target.namespace("immutable-cm")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body={**minimal("v1", "ConfigMap", "im", ns), "immutable": True})
    subject = 'ConfigMap "im"'
    for patch, fields in (({"data": {"k": "2"}}, ["data"]),
                          ({"binaryData": {"b": "AAAA"}}, ["binaryData"]),
                          ({"immutable": False}, ["immutable"]),
                          ({"immutable": None}, ["immutable"]),
                          ({"data": {"k": "2"}, "immutable": False}, ["immutable", "data"])):
        refused = failure(target, "PATCH", f"{path}/im", body=patch, content_type=MERGE)
        _invalid(refused, subject, [(f, "FieldValueForbidden", _WHEN_IMMUTABLE)
                                    for f in fields])
    labelled = target.http("PATCH", f"{path}/im", body={"metadata": {"labels": {"a": "b"}}},
                           content_type=MERGE)
    assert labelled.status_code == 200 and labelled.json()["data"] == {"k": "v"}
    target.http("POST", path, body=minimal("v1", "ConfigMap", "mu", ns))
    frozen = target.http("PATCH", f"{path}/mu", body={"immutable": True, "data": {"k": "3"}},
                         content_type=MERGE).json()
    assert frozen["immutable"] is True and frozen["data"] == {"k": "3"}
    assert failure(target, "PATCH", f"{path}/mu", body={"immutable": False},
                   content_type=MERGE)["code"] == 422


@behaviour("K8S-243", "a Secret's type never changes, and an immutable Secret keeps its data "
           "(stringData included) and its immutable flag: 422", cite=IMMUTABLE_SECRET
           + " and " + MEASURED)
def test_immutable_secret(target: Target) -> None:
    ns = target.namespace("immutable-secret")
    path = f"/api/v1/namespaces/{ns}/secrets"
    target.http("POST", path, body={**minimal("v1", "Secret", "im", ns), "immutable": True})
    for patch, field in (({"data": {"k": "Mg=="}}, "data"), ({"stringData": {"k": "2"}}, "data"),
                         ({"immutable": False}, "immutable")):
        refused = failure(target, "PATCH", f"{path}/im", body=patch, content_type=MERGE)
        _invalid(refused, 'Secret "im"', [(field, "FieldValueForbidden", _WHEN_IMMUTABLE)])
    target.http("POST", path, body=minimal("v1", "Secret", "typed", ns))
    refused = failure(target, "PATCH", f"{path}/typed", body={"type": "example.com/other"},
                      content_type=MERGE)
    _invalid(refused, 'Secret "typed"', [
        ("type", "FieldValueInvalid", 'Invalid value: "example.com/other": field is immutable')])
    assert target.http("GET", f"{path}/typed").json()["type"] == "Opaque"


@behaviour("K8S-244", "a Service gets a ClusterIP from the service range (a requested one "
           "must be in it and free), keeps it (an update that leaves it out keeps it, one "
           "that changes it is 422), and needs ports unless headless or ExternalName",
           cite=SERVICE_IP + " and " + MEASURED)
def test_service_cluster_ip(target: Target) -> None:
    ns = target.namespace("service-ip")
    path = f"/api/v1/namespaces/{ns}/services"
    made = target.http("POST", path, body=minimal("v1", "Service", "s", ns)).json()
    ip = made["spec"]["clusterIP"]
    assert made["spec"]["clusterIPs"] == [ip] and ip.startswith("10.96.")
    refused = failure(target, "PATCH", f"{path}/s", body={"spec": {"clusterIP": "10.96.0.99"}},
                      content_type=MERGE)
    _invalid(refused, 'Service "s"', [("spec.clusterIPs[0]", "FieldValueInvalid",
                                       'Invalid value: ["10.96.0.99"]: may not change once set')])
    kept = target.http("PATCH", f"{path}/s", body={"spec": {"clusterIP": None,
                                                             "clusterIPs": None}},
                       content_type=MERGE)
    assert kept.status_code == 200 and kept.json()["spec"]["clusterIPs"] == [ip]
    taken = minimal("v1", "Service", "taken", ns)
    taken["spec"]["clusterIP"] = ip
    detail = (f'Invalid value: ["{ip}"]: failed to allocate IP {ip}: provided IP is already '
              "allocated")
    _invalid(failure(target, "POST", path, body=taken), 'Service "taken"',
             [("spec.clusterIPs", "FieldValueInvalid", detail)])
    outside = minimal("v1", "Service", "outside", ns)
    outside["spec"]["clusterIP"] = "192.0.2.1"
    detail = ('Invalid value: ["192.0.2.1"]: failed to allocate IP 192.0.2.1: the provided '
              "network does not match the current range")
    _invalid(failure(target, "POST", path, body=outside), 'Service "outside"',
             [("spec.clusterIPs", "FieldValueInvalid", detail)])
    bogus = minimal("v1", "Service", "bogus", ns)
    bogus["spec"]["clusterIP"] = "bogus"
    _invalid(failure(target, "POST", path, body=bogus), 'Service "bogus"', [(
        "spec.clusterIPs[0]", "FieldValueInvalid",
        'Invalid value: "bogus": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')])
    portless = minimal("v1", "Service", "portless", ns)
    del portless["spec"]["ports"]
    _invalid(failure(target, "POST", path, body=portless), 'Service "portless"',
             [("spec.ports", "FieldValueRequired", "Required value")])
    headless = target.http("POST", path, body={**portless, "spec": {
        "clusterIP": "None", "selector": {"app": "x"}}}).json()
    assert headless["spec"]["clusterIPs"] == ["None"]
    external = target.http("POST", path, body={
        **minimal("v1", "Service", "external", ns),
        "spec": {"type": "ExternalName", "externalName": "example.com"}}).json()
    assert "clusterIP" not in external["spec"]


@behaviour("K8S-245", "a Job's completions and selector cannot change, nor its template "
           "(a suspended Job's template metadata can): 422 field is immutable",
           cite=JOB_DOCS + "#mutable-scheduling-directives and " + MEASURED)
def test_job_immutable(target: Target) -> None:
    ns = target.namespace("job-immutable")
    path = f"/apis/batch/v1/namespaces/{ns}/jobs"
    target.http("POST", path, body=minimal("batch/v1", "Job", "j", ns))
    refused = failure(target, "PATCH", f"{path}/j", body={"spec": {"completions": 3}},
                      content_type=MERGE)
    _invalid(refused, 'Job.batch "j"', [("spec.completions", "FieldValueInvalid",
                                         "Invalid value: 3: field is immutable")])
    image = {"spec": {"template": {"spec": {"containers": [
        {"name": "main", "image": "registry.invalid/none:2"}]}}}}
    labels = {"spec": {"template": {"metadata": {"labels": {"extra": "1"}}}}}
    assert target.http("PATCH", f"{path}/j", body=labels,
                       content_type=STRATEGIC).status_code == 200
    for name, suspended, field in (("j", True, "spec.template.spec"),
                                   ("running", False, "spec.template")):
        if not suspended:
            running = minimal("batch/v1", "Job", name, ns)
            running["spec"]["suspend"] = False
            target.http("POST", path, body=running)
        refused = failure(target, "PATCH", f"{path}/{name}", body=image,
                          content_type=STRATEGIC)
        assert refused["code"] == 422
        [(cause_field, reason, message)] = _causes(refused)
        assert (cause_field, reason) == (field, "FieldValueInvalid")
        assert message.startswith("Invalid value: ") and message.endswith(
            ": field is immutable")
        stored = target.http("GET", f"{path}/{name}").json()
        assert stored["spec"]["template"]["spec"]["containers"][0]["image"] == (
            "registry.invalid/none:1")


@behaviour("K8S-246", "a PersistentVolumeClaim's spec cannot change after create (requests "
           "only once it is bound), but a claim without a storage class may get one: 422 "
           "Forbidden on spec", cite=PVC_EXPAND + " and " + MEASURED)
def test_claim_immutable(target: Target) -> None:
    ns = target.namespace("pvc-immutable")
    path = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    target.http("POST", path, body=minimal("v1", "PersistentVolumeClaim", "c", ns))
    for patch in ({"spec": {"accessModes": ["ReadWriteMany"]}},
                  {"spec": {"resources": {"requests": {"storage": "2Gi"}}}}):
        refused = failure(target, "PATCH", f"{path}/c", body=patch, content_type=MERGE)
        [(field, reason, message)] = _causes(refused)
        assert (field, reason) == ("spec", "FieldValueForbidden")
        first = ("Forbidden: spec is immutable after creation except resources.requests and "
                 "volumeAttributesClassName for bound claims")
        assert message.split("\n")[0] == first
        assert refused["message"].startswith(f'PersistentVolumeClaim "c" is invalid: spec: {first}')
    # A claim without a storage class may be given one (no default class here).
    classless = minimal("v1", "PersistentVolumeClaim", "classless", ns)
    del classless["spec"]["storageClassName"]
    target.http("POST", path, body=classless)
    classed = target.http("PATCH", f"{path}/classless", body={"spec": {
        "storageClassName": "other"}}, content_type=MERGE)
    assert classed.status_code == 200 and classed.json()["spec"]["storageClassName"] == "other"


@behaviour("K8S-247", "a Pod's spec cannot change but for container images, "
           "activeDeadlineSeconds and added tolerations: 422 Forbidden on spec",
           cite=POD_UPDATE + " and " + MEASURED)
def test_pod_immutable(target: Target) -> None:
    ns = target.namespace("pod-immutable")
    path = f"/api/v1/namespaces/{ns}/pods"
    # The namespace's default ServiceAccount, which a Pod needs, comes a little later.
    def create() -> None:
        made = target.http("POST", path, body=minimal("v1", "Pod", "p", ns))
        assert made.status_code in (201, 409), made.text

    eventually(create)
    image = "registry.invalid/none:2"
    changed = target.http("PATCH", f"{path}/p", content_type=STRATEGIC, body={"spec": {
        "containers": [{"name": "main", "image": image}]}})
    assert changed.status_code == 200 and changed.json()["spec"]["containers"][0][
        "image"] == image
    assert target.http("PATCH", f"{path}/p", body={"spec": {"activeDeadlineSeconds": 30}},
                       content_type=STRATEGIC).status_code == 200
    toleration = {"key": "a", "operator": "Exists", "effect": "NoSchedule"}
    assert target.http("PATCH", f"{path}/p", body={"spec": {"tolerations": [toleration]}},
                       content_type=STRATEGIC).status_code == 200
    removed = failure(target, "PATCH", f"{path}/p", body={"spec": {"tolerations": []}},
                      content_type=MERGE)
    _invalid(removed, 'Pod "p"', [(
        "spec.tolerations", "FieldValueForbidden",
        "Forbidden: existing toleration can not be modified except its tolerationSeconds")])
    refused = failure(target, "PATCH", f"{path}/p", body={"spec": {"restartPolicy": "Never"}},
                      content_type=STRATEGIC)
    [(field, reason, message)] = _causes(refused)
    assert (field, reason) == ("spec", "FieldValueForbidden")
    assert message.split("\n")[0] == (
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
        "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
        "(allow it to be set to 1 if it was previously negative)")
    assert target.http("GET", f"{path}/p").json()["spec"]["restartPolicy"] == "Always"


@behaviour("K8S-248", "a Lease's leaseDurationSeconds must be greater than 0 and its "
           "leaseTransitions not negative: 422 naming each",
           cite="https://kubernetes.io/docs/concepts/architecture/leases/ and " + MEASURED)
def test_lease_numbers(target: Target) -> None:
    ns = target.namespace("lease-rules")
    path = f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases"
    lease = minimal("coordination.k8s.io/v1", "Lease", "l", ns)
    lease["spec"].update({"leaseDurationSeconds": -1, "leaseTransitions": -1})
    _invalid(failure(target, "POST", path, body=lease), 'Lease.coordination.k8s.io "l"', [
        ("spec.leaseDurationSeconds", "FieldValueInvalid",
         "Invalid value: -1: must be greater than 0"),
        ("spec.leaseTransitions", "FieldValueInvalid",
         "Invalid value: -1: must be greater than or equal to 0")])
    lease["spec"].update({"leaseDurationSeconds": 15, "leaseTransitions": 0})
    assert target.http("POST", path, body=lease).status_code == 201
    refused = failure(target, "PATCH", f"{path}/l", body={"spec": {"leaseDurationSeconds": 0}},
                      content_type=MERGE)
    _invalid(refused, 'Lease.coordination.k8s.io "l"', [(
        "spec.leaseDurationSeconds", "FieldValueInvalid",
        "Invalid value: 0: must be greater than 0")])


_CONFIG_KEY = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
               "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation "
               "is '[-._a-zA-Z0-9]+')")


@behaviour("K8S-249", "ConfigMap and Secret keys are config keys (alphanumerics, '-', '_', "
           "'.'; not '.', '..' or longer than 253), a ConfigMap key is in data or "
           "binaryData but not both, and a TLS Secret needs tls.crt and tls.key: 422",
           cite=IMMUTABLE_CM.split("#")[0] + " and " + MEASURED)
def test_config_keys(target: Target) -> None:
    ns = target.namespace("config-keys")
    for plural, kind in (("configmaps", "ConfigMap"), ("secrets", "Secret")):
        path = f"/api/v1/namespaces/{ns}/{plural}"
        for key, why in (("a/b", _CONFIG_KEY), ("", _CONFIG_KEY), ("..", "must not be '..'"),
                         (".", "must not be '.'"), ("..x", "must not start with '..'"),
                         ("a" * 254, "must be no more than 253 characters")):
            body = minimal("v1", kind, "k", ns)
            body.pop("stringData", None)
            body["data"] = {key: "MQ=="}
            _invalid(failure(target, "POST", path, body=body), f'{kind} "k"', [
                (f"data[{key}]", "FieldValueInvalid", f'Invalid value: "{key}": {why}')])
        body = minimal("v1", kind, "k", ns)
        body.pop("stringData", None)
        body["data"] = {".hidden-ok_1": "MQ=="}
        assert target.http("POST", path, body=body).status_code == 201
    both = {**minimal("v1", "ConfigMap", "both", ns), "data": {"k": "v"},
            "binaryData": {"k": "AAAA"}}
    _invalid(failure(target, "POST", f"/api/v1/namespaces/{ns}/configmaps", body=both),
             'ConfigMap "both"', [("data[k]", "FieldValueInvalid",
                                   'Invalid value: "k": duplicate of key present in binaryData')])
    tls = {**minimal("v1", "Secret", "tls", ns), "type": "kubernetes.io/tls"}
    _invalid(failure(target, "POST", f"/api/v1/namespaces/{ns}/secrets", body=tls),
             'Secret "tls"', [("data[tls.crt]", "FieldValueRequired", "Required value"),
                              ("data[tls.key]", "FieldValueRequired", "Required value")])


_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
          "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
          "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


@behaviour("K8S-259", "a Pod spec, a Pod's or a template's, has containers, each with an "
           "image and a unique DNS-label name, and a restart policy its kind allows (a "
           "workload's template Always, a Job's OnFailure or Never); workloads' replicas "
           "are not negative: 422", cite=POD_UPDATE.split("#")[0] + " and " + MEASURED)
def test_pod_specs(target: Target) -> None:
    ns = target.namespace("pod-specs")
    pods = f"/api/v1/namespaces/{ns}/pods"
    for spec, causes in (
            ({"containers": []}, [("spec.containers", "FieldValueRequired", "Required value")]),
            ({"containers": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]},
             [("spec.containers[1].name", "FieldValueDuplicate", 'Duplicate value: "a"')]),
            ({"containers": [{"name": "a", "image": "x"}],
              "initContainers": [{"name": "a", "image": "x"}]},
             [("spec.initContainers[0].name", "FieldValueDuplicate", 'Duplicate value: "a"')]),
            ({"containers": [{"name": "A_b", "image": "x"}]},
             [("spec.containers[0].name", "FieldValueInvalid",
               f'Invalid value: "A_b": {_LABEL}')]),
            ({"containers": [{"name": "a"}]},
             [("spec.containers[0].image", "FieldValueRequired", "Required value")]),
            ({"containers": [{"name": "a", "image": "x"}], "restartPolicy": "Bogus"},
             [("spec.restartPolicy", "FieldValueNotSupported", 'Unsupported value: "Bogus": '
               'supported values: "Always", "OnFailure", "Never"')])):
        body = {**minimal("v1", "Pod", "p", ns), "spec": spec}

        def refused(body: dict[str, Any] = body) -> dict[str, Any]:
            status = failure(target, "POST", pods, body=body)
            assert status["code"] != 403, status  # the default ServiceAccount comes later
            return status

        _invalid(eventually(refused), 'Pod "p"', causes)
    deployments = f"/apis/apps/v1/namespaces/{ns}/deployments"
    deployment = minimal("apps/v1", "Deployment", "d", ns)
    deployment["spec"]["replicas"] = -1
    deployment["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    _invalid(failure(target, "POST", deployments, body=deployment), 'Deployment.apps "d"', [
        ("spec.replicas", "FieldValueInvalid", "Invalid value: -1: must be greater than or "
                                               "equal to 0"),
        ("spec.template.spec.restartPolicy", "FieldValueNotSupported",
         'Unsupported value: "Never": supported values: "Always"')])
    empty = minimal("apps/v1", "Deployment", "d", ns)
    empty["spec"]["template"]["spec"] = {}
    _invalid(failure(target, "POST", deployments, body=empty), 'Deployment.apps "d"', [
        ("spec.template.spec.containers", "FieldValueRequired", "Required value")])
    required = 'Required value: valid values: "OnFailure", "Never"'
    for policy in (None, "Always"):
        job = minimal("batch/v1", "Job", "j", ns)
        job["spec"]["template"]["spec"]["restartPolicy"] = policy
        _invalid(failure(target, "POST", f"/apis/batch/v1/namespaces/{ns}/jobs", body=job),
                 'Job.batch "j"', [("spec.template.spec.restartPolicy", "FieldValueRequired",
                                    required)])
    cron = minimal("batch/v1", "CronJob", "c", ns)
    del cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"]
    _invalid(failure(target, "POST", f"/apis/batch/v1/namespaces/{ns}/cronjobs", body=cron),
             'CronJob.batch "c"', [("spec.jobTemplate.spec.template.spec.restartPolicy",
                                    "FieldValueRequired", required)])
    controller = minimal("v1", "ReplicationController", "rc", ns)
    controller["spec"]["template"]["spec"]["containers"] = []
    _invalid(failure(target, "POST", f"/api/v1/namespaces/{ns}/replicationcontrollers",
                     body=controller), 'ReplicationController "rc"', [
        ("spec.template.spec.containers", "FieldValueRequired", "Required value")])
