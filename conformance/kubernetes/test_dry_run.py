"""Dry runs: ``dryRun=All`` runs a write all the way but for storing it."""

from __future__ import annotations

import json

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target

DRY_RUN = API_CONCEPTS + "#dry-run"
MERGE = "application/merge-patch+json"


@behaviour("K8S-230", "a dry-run create answers 201 with the object it would store: name "
           "generated, uid and creationTimestamp set, no resourceVersion; nothing is stored",
           cite=DRY_RUN + " and " + MEASURED)
def test_dry_run_create(target: Target) -> None:
    ns = target.namespace("dry-create")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    answer = target.http("POST", f"{path}?dryRun=All", body=cm("a", ns))
    assert answer.status_code == 201
    made = answer.json()
    assert made["kind"] == "ConfigMap" and made["data"] == {"k": "v"}
    meta = made["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and "resourceVersion" not in meta
    assert target.http("GET", f"{path}/a").status_code == 404
    generated = target.http("POST", f"{path}?dryRun=All", body={
        "metadata": {"generateName": "g-"}}).json()["metadata"]
    assert generated["name"].startswith("g-") and len(generated["name"]) == 7
    assert target.http("GET", f"{path}/{generated['name']}").status_code == 404
    # Everything before storing still runs: an existing name is 409, a bad one 422.
    target.http("POST", path, body=cm("b", ns))
    assert failure(target, "POST", f"{path}?dryRun=All", body=cm("b", ns))["code"] == 409
    bad = failure(target, "POST", f"{path}?dryRun=All", body=cm("B_", ns))
    assert bad["code"] == 422 and bad["details"]["causes"][0]["field"] == "metadata.name"


@behaviour("K8S-231", "a dry-run update or patch answers 200 with the object as it would be "
           "(at its current resourceVersion) and changes nothing; validation still runs",
           cite=DRY_RUN + " and " + MEASURED)
def test_dry_run_update_and_patch(target: Target) -> None:
    ns = target.namespace("dry-update")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("a", ns)).json()
    version = made["metadata"]["resourceVersion"]
    put = target.http("PUT", f"{path}/a?dryRun=All", body={**made, "data": {"k": "2"}})
    assert put.status_code == 200
    assert put.json()["data"] == {"k": "2"}
    assert put.json()["metadata"]["resourceVersion"] == version
    patched = target.http("PATCH", f"{path}/a?dryRun=All", body={"data": {"x": "y"}},
                          content_type=MERGE)
    assert patched.status_code == 200 and patched.json()["data"] == {"k": "v", "x": "y"}
    assert patched.json()["metadata"]["resourceVersion"] == version
    stored = target.http("GET", f"{path}/a").json()
    assert stored["data"] == {"k": "v"} and stored["metadata"]["resourceVersion"] == version
    refused = failure(target, "PATCH", f"{path}/a?dryRun=All",
                      body={"metadata": {"labels": {"bad key!": "x"}}}, content_type=MERGE)
    assert refused["code"] == 422


@behaviour("K8S-232", "a dry-run delete answers as the delete would (a Success Status, or "
           "the object being deleted) and the object stays; dryRun may be in the "
           "DeleteOptions body", cite=DRY_RUN + " and " + MEASURED)
def test_dry_run_delete(target: Target) -> None:
    ns = target.namespace("dry-delete")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("a", ns)).json()
    answer = target.http("DELETE", f"{path}/a?dryRun=All").json()
    assert answer == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Success", "details": {"name": "a", "kind": "configmaps",
                                                       "uid": made["metadata"]["uid"]}}
    assert target.http("DELETE", f"{path}/a", body={"dryRun": ["All"]}).status_code == 200
    assert target.http("GET", f"{path}/a").json()["metadata"] == made["metadata"]
    target.http("POST", path, body=cm("held", ns, finalizers=["example.com/hold"]))
    held = target.http("DELETE", f"{path}/held?dryRun=All").json()
    assert held["metadata"]["deletionTimestamp"]
    assert "deletionTimestamp" not in target.http("GET", f"{path}/held").json()["metadata"]
    target.http("PATCH", f"{path}/held", body={"metadata": {"finalizers": None}},
                content_type=MERGE)
    spare = target.namespace("dry-ns")
    terminating = target.http("DELETE", f"/api/v1/namespaces/{spare}?dryRun=All").json()
    assert terminating["status"]["phase"] == "Terminating"
    assert target.http("GET", f"/api/v1/namespaces/{spare}").json()["status"] == {
        "phase": "Active"}


@behaviour("K8S-233", "dry-run writes leave no trace in a watch: a watch from before them "
           "shows the next real change first", cite=DRY_RUN + " and " + MEASURED)
def test_dry_run_is_not_watched(target: Target) -> None:
    ns = target.namespace("dry-watch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("a", ns)).json()
    version = made["metadata"]["resourceVersion"]
    target.http("POST", f"{path}?dryRun=All", body=cm("b", ns))
    target.http("PUT", f"{path}/a?dryRun=All", body={**made, "data": {"k": "2"}})
    target.http("PATCH", f"{path}/a?dryRun=All", body={"data": {"x": "y"}}, content_type=MERGE)
    target.http("DELETE", f"{path}/a?dryRun=All")
    target.http("POST", path, body=cm("marker", ns))
    with target.http("GET", f"{path}?watch=1&resourceVersion={version}&timeoutSeconds=5",
                     stream=True) as answer:
        first = json.loads(next(line for line in answer.iter_lines() if line))
    assert first["type"] == "ADDED" and first["object"]["metadata"]["name"] == "marker"


@behaviour("K8S-234", "a dryRun value other than All is 422 naming the write's options "
           "(CreateOptions, UpdateOptions, PatchOptions, DeleteOptions); reads ignore dryRun",
           cite=DRY_RUN + " and " + MEASURED)
def test_dry_run_values(target: Target) -> None:
    ns = target.namespace("dry-values")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("a", ns)).json()
    for method, where, options, body, content_type in (
            ("POST", f"{path}?dryRun=Bogus", "CreateOptions", cm("b", ns), "application/json"),
            ("PUT", f"{path}/a?dryRun=Bogus", "UpdateOptions", made, "application/json"),
            ("PATCH", f"{path}/a?dryRun=Bogus", "PatchOptions", {}, MERGE),
            ("DELETE", f"{path}/a?dryRun=Bogus", "DeleteOptions", None, "application/json")):
        status = failure(target, method, where, body=body, content_type=content_type)
        assert status["code"] == 422 and status["reason"] == "Invalid"
        cause = 'Unsupported value: ["Bogus"]: supported values: "All"'
        assert status["message"] == f'{options}.meta.k8s.io "" is invalid: dryRun: {cause}'
        assert status["details"] == {"group": "meta.k8s.io", "kind": options, "causes": [{
            "reason": "FieldValueNotSupported", "message": cause, "field": "dryRun"}]}
    empty = failure(target, "POST", f"{path}?dryRun=", body=cm("b", ns))
    assert empty["details"]["causes"][0]["message"].startswith('Unsupported value: [""]')
    body = failure(target, "DELETE", f"{path}/a", body={"dryRun": ["x"]})
    assert body["details"]["kind"] == "DeleteOptions"
    assert target.http("GET", f"{path}/a?dryRun=Bogus").status_code == 200
    assert target.http("GET", f"{path}?dryRun=Bogus").status_code == 200


@behaviour("K8S-235", "a dry-run write to the status subresource answers the new status and "
           "stores nothing", cite=DRY_RUN + " and " + MEASURED)
def test_dry_run_status(target: Target) -> None:
    ns = target.namespace("dry-status")
    path = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    claim = minimal("v1", "PersistentVolumeClaim", "c", ns)
    claim["spec"] = {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}
    target.http("POST", path, body=claim)
    current = target.http("GET", f"{path}/c").json()
    answer = target.http("PUT", f"{path}/c/status?dryRun=All",
                         body={**current, "status": {"phase": "Lost"}})
    assert answer.status_code == 200 and answer.json()["status"]["phase"] == "Lost"
    stored = target.http("GET", f"{path}/c").json()
    assert stored["status"] == current["status"]
    assert stored["metadata"]["resourceVersion"] == current["metadata"]["resourceVersion"]


@behaviour("K8S-239", "kubectl --dry-run=server shows what the server would store, "
           "defaults included, for apply and delete, and changes nothing",
           cite="https://kubernetes.io/docs/reference/kubectl/generated/kubectl_apply/ and "
           + MEASURED)
def test_kubectl_server_dry_run(target: Target) -> None:
    ns = target.namespace("dry-kubectl")

    def kubectl(*args: str, stdin: str | None = None) -> str:
        result = target.kubectl(*args, "-n", ns, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    manifest = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                "data:\n  mode: {mode}\n")
    shown = kubectl("apply", "--dry-run=server", "-f", "-", stdin=manifest.format(mode="fast"))
    assert shown.strip() == "configmap/settings created (server dry run)"
    assert target.kubectl("get", "cm", "settings", "-n", ns).returncode == 1
    kubectl("apply", "-f", "-", stdin=manifest.format(mode="fast"))
    changed = json.loads(kubectl("apply", "--dry-run=server", "-o", "json", "-f", "-",
                                 stdin=manifest.format(mode="slow")))
    assert changed["data"] == {"mode": "slow"}
    assert json.loads(kubectl("get", "cm", "settings", "-o", "json"))["data"] == {
        "mode": "fast"}
    web = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
           "  selector: {matchLabels: {app: web}}\n  template:\n"
           "    metadata: {labels: {app: web}}\n"
           "    spec: {containers: [{name: web, image: 'nginx:1.27'}]}\n")
    deployment = json.loads(kubectl("apply", "--dry-run=server", "-o", "json", "-f", "-",
                                    stdin=web))
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert deployment["spec"]["template"]["spec"]["containers"][0][
        "imagePullPolicy"] == "IfNotPresent"
    assert target.kubectl("get", "deployment", "web", "-n", ns).returncode == 1
    deleted = kubectl("delete", "cm", "settings", "--dry-run=server")
    assert deleted.strip() == 'configmap "settings" deleted (server dry run)'
    assert json.loads(kubectl("get", "cm", "settings", "-o", "json"))["data"] == {
        "mode": "fast"}
