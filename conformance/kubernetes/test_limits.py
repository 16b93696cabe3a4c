"""Limits on what one request may carry."""

from __future__ import annotations

import json

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.targets import MEASURED, Target

#: kube-apiserver's default --max-request-body-bytes.
LIMIT = 3 * 1024 * 1024
PATCH_TYPES = ("application/merge-patch+json", "application/strategic-merge-patch+json",
               "application/json-patch+json")


@behaviour("K8S-260", "a patch body over 3 MiB is 413 RequestEntityTooLarge and changes "
                      "nothing, whatever the patch type", cite=MEASURED)
def test_patch_body_too_large(target: Target) -> None:
    ns = target.namespace("large-patch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body={**cm("a", ns), "data": {"k": "v"}}).json()
    value = "x" * (LIMIT + 10)
    for media_type in PATCH_TYPES:
        patch: object = {"data": {"k": value}}
        if media_type.startswith("application/json-patch"):
            patch = [{"op": "replace", "path": "/data/k", "value": value}]
        status = failure(target, "PATCH", f"{path}/a", raw=json.dumps(patch).encode(),
                         content_type=media_type)
        assert (status["code"], status["reason"], status["message"]) == (
            413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
    after = target.http("GET", f"{path}/a").json()
    assert after["data"] == {"k": "v"}
    assert after["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]
