"""What every namespace gets from kube-controller-manager: its ``default``
ServiceAccount and the ``kube-root-ca.crt`` ConfigMap.

Both controllers keep their object in place: deleted, it is made again; changed, the
CA bundle is written back. Neither writes into a namespace being deleted (the API
server would refuse it). Measured on kube-controller-manager v1.37.2: the
ServiceAccount carries no managedFields, the ConfigMap an Update by
``kube-controller-manager``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fakes.kubernetes._controllers import Controller, ControllerApi
from fakes.kubernetes._model import Event

ROOT_CA = "kube-root-ca.crt"
# The description kube-controller-manager's root-ca-cert-publisher writes (measured).
_ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using "
    "internal endpoints such as the internal service IP or kubernetes.default.svc. No "
    "other usage is guaranteed across distributions of Kubernetes clusters.")


def _active(api: ControllerApi, namespace: str) -> bool:
    ns = api.get("", "namespaces", "", namespace)
    return ns is not None and not ns["metadata"].get("deletionTimestamp")


class _PerNamespace(Controller):
    """Syncs namespaces; also woken when its own object in a namespace changes."""

    resource = ("", "namespaces")
    kind = "Namespace"
    watched: tuple[str, str, str]  # group, plural, name of the object it keeps

    def wakes(self, event: Event) -> Iterator[tuple[str, str]]:
        group, plural, namespace, name = event.key
        if (group, plural) == self.resource:
            yield "", name
        elif (group, plural, name) == self.watched:
            yield "", namespace


class ServiceAccountController(_PerNamespace):
    """The ``default`` ServiceAccount in every namespace."""

    name = "serviceaccount"
    actor = "system:serviceaccount:kube-system:service-account-controller"
    manager = None
    watched = ("", "serviceaccounts", "default")

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        if _active(api, name) and api.get("", "serviceaccounts", name, "default") is None:
            api.create("", "serviceaccounts", name, {
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": name}})
        return None


class RootCAPublisher(_PerNamespace):
    """The ``kube-root-ca.crt`` ConfigMap, holding the CA that signed the server's
    certificate."""

    name = "root-ca-cert-publisher"
    actor = "system:serviceaccount:kube-system:root-ca-cert-publisher"
    watched = ("", "configmaps", ROOT_CA)

    def __init__(self, ca_pem: str) -> None:
        self.ca_pem = ca_pem

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        if not _active(api, name):
            return None
        wanted: dict[str, Any] = {"data": {"ca.crt": self.ca_pem}}
        current = api.get("", "configmaps", name, ROOT_CA)
        if current is None:
            api.create("", "configmaps", name, {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": ROOT_CA, "namespace": name,
                             "annotations": {"kubernetes.io/description":
                                             _ROOT_CA_DESCRIPTION}},
                **wanted})
        elif current.get("data") != wanted["data"]:
            api.update("", "configmaps", {**current, **wanted})
        return None
