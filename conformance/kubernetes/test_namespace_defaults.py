"""What kube-controller-manager puts in every namespace: the ``default``
ServiceAccount and the ``kube-root-ca.crt`` ConfigMap, kept in place."""

from __future__ import annotations

import pytest

from fakes.conformance.kubernetes._support import behaviour
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

# kube-controller-manager at work: skipped on a bare API server (profile api-only).
pytestmark = pytest.mark.usefixtures("needs_controllers")

SERVICE_ACCOUNTS = ("https://kubernetes.io/docs/concepts/security/service-accounts/"
                    "#default-service-accounts")
ROOT_CA = ("https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/"
           "#root-ca-certificate-configmap")
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using "
    "internal endpoints such as the internal service IP or kubernetes.default.svc. No "
    "other usage is guaranteed across distributions of Kubernetes clusters.")


@behaviour("K8S-500", "a new namespace gets a ServiceAccount named default, made by a "
           "controller (no managedFields); deleted, it is made again",
           cite=SERVICE_ACCOUNTS + " and " + MEASURED)
def test_default_service_account(target: Target) -> None:
    ns = target.namespace("accounts")
    path = f"/api/v1/namespaces/{ns}/serviceaccounts/default"
    account = target.http("GET", path).json()
    assert account["metadata"]["name"] == "default"
    assert "managedFields" not in account["metadata"]
    assert target.http("DELETE", path).status_code == 200
    again = eventually(lambda: _found(target, path))
    assert again["metadata"]["uid"] != account["metadata"]["uid"]


@behaviour("K8S-501", "a new namespace gets the kube-root-ca.crt ConfigMap with the "
           "cluster's CA bundle; the controller writes back a changed bundle and makes a "
           "deleted one again", cite=ROOT_CA + " and " + MEASURED)
def test_root_ca_configmap(target: Target) -> None:
    ns = target.namespace("root-ca")
    path = f"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt"
    made = eventually(lambda: _found(target, path))
    assert made["metadata"]["annotations"] == {"kubernetes.io/description": DESCRIPTION}
    bundle = made["data"]["ca.crt"]
    assert bundle.startswith("-----BEGIN CERTIFICATE-----")
    assert [(f["manager"], f["operation"]) for f in made["metadata"]["managedFields"]] == [
        ("kube-controller-manager", "Update")]
    target.http("PATCH", path, body={"data": {"ca.crt": "tampered"}},
                content_type="application/merge-patch+json")
    eventually(lambda: _assert_bundle(target, path, bundle))
    assert target.http("DELETE", path).status_code == 200
    eventually(lambda: _assert_bundle(target, path, bundle))


def _found(target: Target, path: str) -> dict[str, object]:
    answer = target.http("GET", path)
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def _assert_bundle(target: Target, path: str, bundle: str) -> None:
    assert _found(target, path).get("data") == {"ca.crt": bundle}
