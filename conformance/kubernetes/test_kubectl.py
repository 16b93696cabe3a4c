"""kubectl, unchanged, against the target: the everyday commands."""

from __future__ import annotations

import json
import subprocess
import time

import yaml

from fakes.conformance.kubernetes._support import behaviour
from fakes.conformance.kubernetes.targets import Target

KUBECTL = "https://kubernetes.io/docs/reference/kubectl/"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@behaviour("K8S-100", "kubectl apply -f creates, get -o yaml and get show it, label, annotate "
           "and patch (merge and json) change it, delete removes it", cite=KUBECTL)
def test_kubectl_everyday(target: Target) -> None:
    ns = target.namespace("kubectl")
    manifest = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                f"  namespace: {ns}\ndata:\n  mode: fast\n")
    assert "configmap/settings created" in _ok(target.kubectl("apply", "-f", "-",
                                                              stdin=manifest))
    shown = yaml.safe_load(_ok(target.kubectl("get", "configmap", "settings", "-n", ns,
                                              "-o", "yaml")))
    assert shown["data"] == {"mode": "fast"} and shown["metadata"]["uid"]
    table = _ok(target.kubectl("get", "cm", "-n", ns, "--field-selector",
                               "metadata.name=settings"))
    assert table.splitlines()[0].startswith("NAME") and "settings" in table
    _ok(target.kubectl("label", "cm", "settings", "-n", ns, "tier=web"))
    _ok(target.kubectl("annotate", "cm", "settings", "-n", ns, "owner=team"))
    _ok(target.kubectl("patch", "cm", "settings", "-n", ns, "--type", "merge", "-p",
                       '{"data":{"mode":"slow"}}'))
    _ok(target.kubectl("patch", "cm", "settings", "-n", ns, "--type", "json", "-p",
                       '[{"op":"add","path":"/data/extra","value":"1"}]'))
    final = json.loads(_ok(target.kubectl("get", "cm", "-n", ns, "-l", "tier=web",
                                          "-o", "json")))
    [item] = final["items"]
    assert item["metadata"]["labels"] == {"tier": "web"}
    assert item["metadata"]["annotations"]["owner"] == "team"
    assert item["data"] == {"mode": "slow", "extra": "1"}
    assert 'configmap "settings" deleted' in _ok(target.kubectl("delete", "cm", "settings",
                                                                "-n", ns))
    missing = target.kubectl("get", "cm", "settings", "-n", ns)
    assert missing.returncode == 1
    assert 'configmaps "settings" not found' in missing.stderr


@behaviour("K8S-101", "kubectl get -w prints changes as they happen", cite=KUBECTL)
def test_kubectl_watch(target: Target) -> None:
    ns = target.namespace("kubectlwatch")
    kubectl = [*target.kubectl_command(), "get", "cm", "-n", ns, "-w", "-o", "name",
               "--field-selector", "metadata.name=w"]
    with subprocess.Popen(kubectl, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=target.kubectl_environment()) as watcher:
        try:
            time.sleep(1.5)
            target.api("CoreV1Api").create_namespaced_config_map(ns, {"metadata": {"name": "w"}})
            assert watcher.stdout is not None
            line = watcher.stdout.readline()
            assert line.strip() == "configmap/w"
        finally:
            watcher.terminate()
            watcher.wait(timeout=10)


def _waiting(target: Target, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*target.kubectl_command(), "wait", "--timeout=60s", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=target.kubectl_environment())


def _finished(waiter: subprocess.Popen[str]) -> str:
    out, err = waiter.communicate(timeout=90)
    assert waiter.returncode == 0, err
    return out.strip()


@behaviour("K8S-102", "kubectl wait returns once a condition is met, a JSONPath has a "
           "value, or an object is gone", cite=KUBECTL + "generated/kubectl_wait/")
def test_kubectl_wait(target: Target) -> None:
    ns = target.namespace("kubectlwait")
    core = f"/api/v1/namespaces/{ns}"
    # No scheduler or kubelet acts on a Pod without a node: its status is the test's.
    created = target.http("POST", f"{core}/pods", body={
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "main", "image": "registry.invalid/none:1"}]}})
    assert created.status_code == 201, created.text
    target.http("POST", f"{core}/configmaps", body={
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["example.com/hold"]}, "data": {}})
    ready = _waiting(target, "-n", ns, "pod/p", "--for=condition=Ready")
    phase = _waiting(target, "-n", ns, "cm/c", "--for=jsonpath={.data.phase}=done")
    time.sleep(1.5)
    assert ready.poll() is None, ready.communicate()
    assert phase.poll() is None, phase.communicate()
    target.http("PATCH", f"{core}/pods/p/status", content_type="application/merge-patch+json",
                body={"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    target.http("PATCH", f"{core}/configmaps/c", content_type="application/merge-patch+json",
                body={"data": {"phase": "done"}})
    assert _finished(ready) == "pod/p condition met"
    assert _finished(phase) == "configmap/c condition met"
    target.http("DELETE", f"{core}/configmaps/c")
    gone = _waiting(target, "-n", ns, "cm/c", "--for=delete")
    time.sleep(1.5)
    assert gone.poll() is None  # the finalizer holds it
    target.http("PATCH", f"{core}/configmaps/c", content_type="application/merge-patch+json",
                body={"metadata": {"finalizers": None}})
    assert _finished(gone) == "configmap/c condition met"


@behaviour("K8S-103", "kubectl diff shows what applying a manifest would change (exit 1), "
           "nothing for one that is applied (exit 0), and changes nothing itself",
           cite=KUBECTL + "generated/kubectl_diff/")
def test_kubectl_diff(target: Target) -> None:
    ns = target.namespace("kubectldiff")
    manifest = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                f"  namespace: {ns}\ndata:\n  mode: fast\n")
    _ok(target.kubectl("apply", "--server-side", "-f", "-", stdin=manifest))
    same = target.kubectl("diff", "--server-side", "-f", "-", stdin=manifest)
    assert (same.returncode, same.stdout) == (0, ""), same.stderr
    changed = target.kubectl("diff", "--server-side", "-f", "-",
                             stdin=manifest.replace("mode: fast", "mode: slow"))
    assert changed.returncode == 1, changed.stderr
    assert "-  mode: fast" in changed.stdout and "+  mode: slow" in changed.stdout
    stored = json.loads(_ok(target.kubectl("get", "cm", "settings", "-n", ns, "-o", "json")))
    assert stored["data"] == {"mode": "fast"}
