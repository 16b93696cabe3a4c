"""RBAC in the Kubernetes fake through real clients: the official client as a
restricted user, ServiceAccount tokens, ``kubectl auth can-i`` and ``kubectl auth
whoami`` with a token, and the AlwaysAllow switch."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

kubernetes = pytest.importorskip("kubernetes")

from kubernetes.client import ApiException  # noqa: E402

from fakes.errors import UsageError  # noqa: E402
from fakes.kubernetes import FakeCluster, User  # noqa: E402

RBAC = "rbac.authorization.k8s.io/v1"
READER = "reader-token"


@pytest.fixture
def cluster() -> Iterator[FakeCluster]:
    with FakeCluster(users={READER: User("reader", ("readers",)), "plain": "plain"}) as made:
        made.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
        made.apply({"apiVersion": RBAC, "kind": "RoleBinding",
                    "metadata": {"name": "readers", "namespace": "team"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                "kind": "ClusterRole", "name": "view"},
                    "subjects": [{"kind": "Group", "name": "readers",
                                  "apiGroup": "rbac.authorization.k8s.io"}]})
        yield made


def _forbidden(call: object) -> dict[str, object]:
    with pytest.raises(ApiException) as caught:
        call()  # type: ignore[operator]
    assert caught.value.status == 403
    status: dict[str, object] = json.loads(caught.value.body)
    return status


def test_the_official_client_as_a_restricted_user(cluster: FakeCluster) -> None:
    core = kubernetes.client.CoreV1Api(cluster.api_client(READER))
    assert [c.metadata.name for c in core.list_namespaced_config_map("team").items] == [
        "kube-root-ca.crt"]
    status = _forbidden(lambda: core.list_namespaced_secret("team"))
    assert status["message"] == ('secrets is forbidden: User "reader" cannot list resource '
                                 '"secrets" in API group "" in the namespace "team"')
    _forbidden(lambda: core.create_namespaced_config_map(
        "team", {"metadata": {"name": "c"}}))
    # The refused write changed nothing.
    assert [c["metadata"]["name"] for c in cluster.list("ConfigMap", "team")] == [
        "kube-root-ca.crt"]
    _forbidden(lambda: core.list_namespaced_config_map("default"))
    plain = kubernetes.client.CoreV1Api(cluster.api_client("plain"))
    _forbidden(lambda: plain.list_namespaced_config_map("team"))
    # Discovery and version are every authenticated user's.
    assert kubernetes.client.VersionApi(cluster.api_client("plain")).get_code().major == "1"


def test_the_admin_writes_and_the_journal_names_users(cluster: FakeCluster) -> None:
    seq = cluster.journal.last
    writer = "writer-token"
    cluster._tokens[writer] = User("writer")  # as users= would have it
    cluster.apply({"apiVersion": RBAC, "kind": "RoleBinding",
                   "metadata": {"name": "writer", "namespace": "team"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                               "kind": "ClusterRole", "name": "edit"},
                   "subjects": [{"kind": "User", "name": "writer",
                                 "apiGroup": "rbac.authorization.k8s.io"}]})
    core = kubernetes.client.CoreV1Api(cluster.api_client(writer))
    core.create_namespaced_config_map("team", {"metadata": {"name": "c"}})
    actors = {c.actor for c in cluster.journal.since(seq) if c.operation.startswith("configmaps")}
    assert actors == {"writer"}


def test_service_account_tokens(cluster: FakeCluster) -> None:
    token = cluster.service_account_token("team", "robot")
    core = kubernetes.client.CoreV1Api(cluster.api_client(token))
    with pytest.raises(ApiException) as caught:
        core.list_namespaced_config_map("team")
    assert caught.value.status == 401  # no such ServiceAccount yet
    cluster.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "robot", "namespace": "team"}})
    status = _forbidden(lambda: core.list_namespaced_config_map("team"))
    assert status["message"] == (
        'configmaps is forbidden: User "system:serviceaccount:team:robot" cannot list '
        'resource "configmaps" in API group "" in the namespace "team"')
    cluster.apply({"apiVersion": RBAC, "kind": "RoleBinding",
                   "metadata": {"name": "robots", "namespace": "team"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                               "kind": "ClusterRole", "name": "view"},
                   "subjects": [{"kind": "Group", "name": "system:serviceaccounts:team",
                                 "apiGroup": "rbac.authorization.k8s.io"}]})
    assert [c.metadata.name for c in core.list_namespaced_config_map("team").items] == [
        "kube-root-ca.crt"]


def test_a_namespace_admin_grants_only_what_it_holds(cluster: FakeCluster) -> None:
    token = "maker"
    cluster._tokens[token] = User("maker")
    cluster.apply({"apiVersion": RBAC, "kind": "RoleBinding",
                   "metadata": {"name": "maker", "namespace": "team"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                               "kind": "ClusterRole", "name": "admin"},
                   "subjects": [{"kind": "User", "name": "maker",
                                 "apiGroup": "rbac.authorization.k8s.io"}]})
    rbac = kubernetes.client.RbacAuthorizationV1Api(cluster.api_client(token))
    rbac.create_namespaced_role("team", {"metadata": {"name": "ok"}, "rules": [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]})
    status = _forbidden(lambda: rbac.create_namespaced_role("team", {
        "metadata": {"name": "nodes"},
        "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]}))
    assert str(status["message"]).endswith(
        '\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}')
    rbac.create_namespaced_role_binding("team", {
        "metadata": {"name": "edit"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "edit"},
        "subjects": [{"kind": "User", "name": "x", "apiGroup": "rbac.authorization.k8s.io"}]})
    assert [r.metadata.name for r in rbac.list_namespaced_role("team").items] == ["ok"]


def test_always_allow() -> None:
    with FakeCluster(users={"t": "anyone"}, authorization="AlwaysAllow") as cluster:
        core = kubernetes.client.CoreV1Api(cluster.api_client("t"))
        assert core.list_namespaced_secret("default").items == []
        review = kubernetes.client.AuthorizationV1Api(cluster.api_client("t"))
        rules = review.create_self_subject_rules_review(
            {"spec": {"namespace": "default"}}).status
        assert rules.resource_rules[0].verbs == ["*"]
        access = review.create_self_subject_access_review(
            {"spec": {"resourceAttributes": {"verb": "delete", "resource": "nodes"}}})
        assert access.status.allowed
        anonymous = requests.get(cluster.url + "/api/v1/namespaces/default/secrets",
                                 verify=cluster.ca_file, timeout=10)
        assert anonymous.status_code == 200  # AlwaysAllow lets anonymous requests in too
    with pytest.raises(UsageError):
        FakeCluster(authorization="Webhook")  # type: ignore[arg-type]


def test_user_groups_and_reset(cluster: FakeCluster) -> None:
    assert User("bob").authenticated().groups == ("system:authenticated",)
    assert User("x", ["a"]).groups == ("a",)
    cluster.reset()
    names = {r["metadata"]["name"] for r in cluster.list("ClusterRole")}
    assert {"cluster-admin", "admin", "edit", "view"} <= names
    assert len(cluster.get("ClusterRole", "view")["rules"]) > 5


def _kubectl(cluster: FakeCluster, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    return subprocess.run(
        [kubectl, "--kubeconfig", cluster.kubeconfig, "--cache-dir", str(tmp / "cache"),
         "--token", READER, *args], capture_output=True, text=True, timeout=60,
        check=False, env={"HOME": str(tmp), "PATH": "/usr/bin:/bin"})


def test_kubectl_auth_can_i_and_whoami(cluster: FakeCluster, tmp_path: Path) -> None:
    yes = _kubectl(cluster, tmp_path, "auth", "can-i", "list", "pods", "-n", "team")
    assert (yes.returncode, yes.stdout.strip()) == (0, "yes"), yes.stderr
    no = _kubectl(cluster, tmp_path, "auth", "can-i", "get", "secrets", "-n", "team")
    assert (no.returncode, no.stdout.strip()) == (1, "no"), no.stderr
    listed = _kubectl(cluster, tmp_path, "auth", "can-i", "--list", "-n", "team")
    assert listed.returncode == 0, listed.stderr
    assert "selfsubjectaccessreviews.authorization.k8s.io" in listed.stdout
    whoami = _kubectl(cluster, tmp_path, "auth", "whoami")
    assert whoami.returncode == 0, whoami.stderr
    assert "reader" in whoami.stdout and "readers" in whoami.stdout
