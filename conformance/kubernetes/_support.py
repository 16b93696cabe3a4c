"""Small helpers the Kubernetes conformance tests share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import Target

__all__ = ["behaviour", "cm", "created", "failure", "status_of"]

behaviour = pytest.mark.behaviour


def status_of(call: Callable[[], Any]) -> dict[str, Any]:
    """The ``Status`` the server answered ``call()`` with (it must fail)."""
    from kubernetes.client import ApiException

    with pytest.raises(ApiException) as caught:
        call()
    status: dict[str, Any] = json.loads(caught.value.body)
    assert status["code"] == caught.value.status
    return status


def failure(target: Target, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """The ``Status`` a raw request was answered with."""
    response = target.http(method, path, **kwargs)
    assert response.status_code >= 400, response.text
    status: dict[str, Any] = response.json()
    assert status["kind"] == "Status" and status["code"] == response.status_code
    return status


def cm(name: str, namespace: str, **metadata: Any) -> dict[str, Any]:
    return minimal("v1", "ConfigMap", name, namespace, **metadata)


def created(target: Target, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` and return the object made (the target's namespaces are ready for
    Pods: see ``RealTarget.namespace``)."""
    answer = target.http("POST", path, body=body)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made
