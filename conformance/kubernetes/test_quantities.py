"""Resource quantities: parsed on decode, refused when malformed, answered canonically."""

from __future__ import annotations

from typing import Any

from fakes.conformance.kubernetes._support import behaviour, failure
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import MEASURED, Target

QUANTITY = ("https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/"
            "quantity/")
PATTERN = "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

#: A container's cpu request (a ResourceList: rounded up to a thousandth) sent as a
#: string -> the apiserver's answer.
REQUESTS = {
    "1": "1", "1.5": "1500m", "0.1m": "1m", "0.0001": "1m", "100m": "100m",
    "1000m": "1", "1500m": "1500m", "1024Mi": "1Gi", "1536Mi": "1536Mi",
    "1.5Gi": "1536Mi", "0.5Ki": "512", "1Ki": "1Ki", "1000Ki": "1000Ki", "1e3": "1e3",
    "1000e0": "1e3", "1.5e3": "1500", "12e-3": "12e-3", "1k": "1k", "1000": "1k",
    "1000000": "1M", "1M": "1M", "1.0": "1", "01": "01", "+1": "+1", "2.5Gi": "2560Mi",
    "1G": "1G", "1Gi": "1Gi", "123456789012": "123456789012", "0.000000001": "1m",
    "0.0000000001": "1m", "1e-10": "1e-3", "1n": "1m", "1u": "1m", "5E": "5E", "1P": "1P",
    "1024": "1024", "2048Ki": "2Mi", "1E3": "1E3", "1m": "1m", "0": "0", "0m": "0",
    "0Ki": "0", "10.0m": "10m", "1.50": "1500m", " 2 ": "2", "00": "0", "1.": "1.",
}
#: An emptyDir's sizeLimit (a lone Quantity: no rounding) -> the answer.
SIZES = {
    "1n": "1n", "1.5n": "2n", "1e-12": "1e-9", "10.0m": "10m", "1u": "1u", "1000n": "1u",
    "1e3": "1e3", "1000Mi": "1000Mi", "1048576Ki": "1Gi", "0.5Gi": "512Mi",
    "1000E": "1", "9Ei": "9223372036854775807", "1Ei": "1Ei", "1.5": "1500m",
    "0.0001Ki": "102400u",
}
#: JSON numbers, parsed from their text; null is the zero quantity.
NUMBERS: dict[Any, str] = {1000: "1k", 1.5: "1500m", 0.0001: "1m", 1e-10: "1e-3",
                           1024: "1024", 2.0: "2", 12345678901234567890: "12345678901234567890",
                           None: "0"}


def _pod(ns: str, name: str, requests: list[Any]) -> dict[str, Any]:
    body = minimal("v1", "Pod", name, ns)
    body["spec"] = {"containers": [
        {"name": f"c{i}", "image": "registry.invalid/none:1",
         "resources": {"requests": {"cpu": value}}} for i, value in enumerate(requests)]}
    return body


def _requests(answer: dict[str, Any]) -> list[Any]:
    return [c["resources"]["requests"]["cpu"] for c in answer["spec"]["containers"]]


@behaviour("K8S-283", "a container's resource requests (a ResourceList) are answered in "
           "canonical form, rounded up to a thousandth: 1024Mi is 1Gi, 1.5 is 1500m, 1n "
           "is 1m; a value already canonical keeps its text (01, +1, 1e3)",
           cite=QUANTITY + " and " + MEASURED)
def test_resource_list_canonical(target: Target) -> None:
    ns = target.namespace("quantity-list")
    made = target.http("POST", f"/api/v1/namespaces/{ns}/pods",
                       body=_pod(ns, "p", list(REQUESTS)))
    assert made.status_code == 201, made.text
    assert dict(zip(REQUESTS, _requests(made.json()), strict=True)) == REQUESTS
    stored = target.http("GET", f"/api/v1/namespaces/{ns}/pods/p").json()
    assert _requests(stored) == list(REQUESTS.values())


@behaviour("K8S-284", "a lone Quantity (an emptyDir's sizeLimit) is answered in "
           "canonical form without the thousandth round-up: 1n stays 1n, 1.5n is 2n",
           cite=QUANTITY + " and " + MEASURED)
def test_lone_quantity_canonical(target: Target) -> None:
    ns = target.namespace("quantity-lone")
    body = minimal("v1", "Pod", "p", ns)
    body["spec"] = {"containers": [{"name": "c", "image": "registry.invalid/none:1"}],
                    "volumes": [{"name": f"v{i}", "emptyDir": {"sizeLimit": size}}
                                for i, size in enumerate(SIZES)]}
    made = target.http("POST", f"/api/v1/namespaces/{ns}/pods", body=body)
    assert made.status_code == 201, made.text
    # Admission may add a service account token volume after ours.
    answered = [v["emptyDir"]["sizeLimit"] for v in made.json()["spec"]["volumes"]
                if "emptyDir" in v]
    assert dict(zip(SIZES, answered, strict=True)) == SIZES


@behaviour("K8S-285", "a quantity may be sent as a JSON number; it is parsed from its "
           "text and answered as a string; a null in a ResourceList is 0",
           cite=QUANTITY + " and " + MEASURED)
def test_number_quantities(target: Target) -> None:
    ns = target.namespace("quantity-number")
    made = target.http("POST", f"/api/v1/namespaces/{ns}/pods",
                       body=_pod(ns, "p", list(NUMBERS)))
    assert made.status_code == 201, made.text
    assert _requests(made.json()) == list(NUMBERS.values())


@behaviour("K8S-286", "a quantity that does not parse refuses the body with 400 "
           "BadRequest and Go's parse error (the regular expression, the suffix or the "
           "numeric part); nothing is created", cite=QUANTITY + " and " + MEASURED)
def test_malformed_quantities(target: Target) -> None:
    ns = target.namespace("quantity-bad")
    path = f"/api/v1/namespaces/{ns}/pods"
    wrong = f"quantities must match the regular expression {PATTERN}"
    suffix = "unable to parse quantity's suffix"
    numeric = "unable to parse numeric part of quantity"
    for value, error in (("abc", wrong), ("1.5.5", wrong), ("", wrong), ("1 k", wrong),
                         (True, wrong), ({}, wrong), (["1"], wrong), ("1ki", suffix),
                         ("1e", suffix), ("1e+", suffix), (".e-10", numeric)):
        status = failure(target, "POST", path, body=_pod(ns, "p", ["1", value]))
        assert (status["code"], status["reason"]) == (400, "BadRequest"), value
        assert status["message"] == (
            f'Pod in version "v1" cannot be handled as a Pod: {error}'), value
    assert target.http("GET", f"{path}/p").status_code == 404


@behaviour("K8S-287", "the thousandth round-up applies to every ResourceList of core/v1, "
           "wherever it sits: a Deployment's Pod template, a claim's storage request",
           cite=QUANTITY + " and " + MEASURED)
def test_round_up_in_templates(target: Target) -> None:
    ns = target.namespace("quantity-template")
    body = minimal("apps/v1", "Deployment", "d", ns)
    body["spec"] = {"selector": {"matchLabels": {"app": "x"}}, "paused": True,
                    "template": {"metadata": {"labels": {"app": "x"}},
                                 "spec": _pod(ns, "p", ["1n", "1024Mi"])["spec"]}}
    made = target.http("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body=body)
    assert made.status_code == 201, made.text
    assert _requests(made.json()["spec"]["template"]) == ["1m", "1Gi"]
    claim = minimal("v1", "PersistentVolumeClaim", "c", ns)
    claim["spec"] = {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1048576Ki"}}}
    made = target.http("POST", f"/api/v1/namespaces/{ns}/persistentvolumeclaims", body=claim)
    assert made.status_code == 201, made.text
    assert made.json()["spec"]["resources"]["requests"] == {"storage": "1Gi"}


@behaviour("K8S-288", "a patch or update's quantities are canonicalized as a create's: "
           "a merge patch of 1024Mi is answered 1Gi, a malformed one refused with 422",
           cite=QUANTITY + " and " + MEASURED)
def test_patch_quantities(target: Target) -> None:
    ns = target.namespace("quantity-patch")
    path = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    claim = minimal("v1", "PersistentVolumeClaim", "c", ns)
    claim["spec"] = {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}
    assert target.http("POST", path, body=claim).status_code == 201
    patched = target.http("PATCH", f"{path}/c", body={"metadata": {"labels": {"a": "b"}},
                                                     "spec": {"resources": {"requests": {
                                                         "storage": "1024Mi"}}}},
                          content_type="application/merge-patch+json")
    assert patched.status_code == 200, patched.text
    assert patched.json()["spec"]["resources"]["requests"] == {"storage": "1Gi"}
    bad = target.http("PATCH", f"{path}/c", body={"spec": {"resources": {"requests": {
        "storage": "1Gx"}}}}, content_type="application/merge-patch+json")
    # The patched object fails to decode; the message quotes it whole.
    assert (bad.status_code, bad.json()["reason"]) == (422, "Invalid"), bad.text
    message = bad.json()["message"]
    assert message.startswith(' "" is invalid: patch: Invalid value: "'), message
    assert message.endswith(f'": quantities must match the regular expression {PATTERN}')
    assert target.http("GET", f"{path}/c").json()["spec"]["resources"]["requests"] == {
        "storage": "1Gi"}



@behaviour("K8S-289", "a container's negative request or limit is refused with 422 "
           "Invalid, must be greater than or equal to 0 (a limit also defaults the "
           "request); nothing is created", cite=MEASURED)
def test_negative_resources(target: Target) -> None:
    ns = target.namespace("quantity-negative")
    path = f"/api/v1/namespaces/{ns}/pods"
    body = _pod(ns, "p", ["-1", "1", "-0"])
    body["spec"]["containers"][1]["resources"] = {"limits": {"memory": "-1Gi"}}
    status = failure(target, "POST", path, body=body)
    assert (status["code"], status["reason"]) == (422, "Invalid")
    must = "must be greater than or equal to 0"
    at = "spec.containers"
    assert status["message"] == (
        f'Pod "p" is invalid: [{at}[0].resources.requests[cpu]: Invalid value: "-1": {must}, '
        f'{at}[1].resources.limits[memory]: Invalid value: "-1Gi": {must}, '
        f'{at}[1].resources.requests[memory]: Invalid value: "-1Gi": {must}]')
    assert target.http("GET", f"{path}/p").status_code == 404
