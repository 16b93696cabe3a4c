"""The real Kubernetes control plane launcher, with real processes (no mocks).

Needs the binaries from ``bash scripts/build-kubernetes.sh``. Without them these tests
skip, except under ``CI`` (set to anything but ``""``, ``0`` or ``false``), where CI has
built them first and a missing binary is a failure. The not-built tests always run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fakes.conformance.kubernetes import control_plane as cp

MODULE = "fakes.conformance.kubernetes.control_plane"
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
BIN_DIR = cp.default_bin_dir()
MISSING = [name for name in cp.REQUIRED if not os.access(BIN_DIR / name, os.X_OK)]
KUBECTL = shutil.which("kubectl")
HAS_KWOK = os.access(BIN_DIR / "kwok", os.X_OK) and (BIN_DIR / cp.KWOK_STAGES).is_file()
WAIT = 90.0  # seconds any one condition may take; the machine may be busy


def _require_built() -> None:
    if MISSING:
        reason = (
            f"Kubernetes binaries not built (missing {', '.join(MISSING)} in {BIN_DIR}); "
            "build them with `bash scripts/build-kubernetes.sh`"
        )
        if IN_CI:
            pytest.fail(reason + " (CI must build them before the tests)")
        pytest.skip(reason)


def _require_kubectl() -> str:
    if KUBECTL is None:
        if IN_CI:
            pytest.fail("kubectl not found on PATH")
        pytest.skip("kubectl not found on PATH")
    return KUBECTL


def _alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("PPid:") and int(line.split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _eventually(check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout:g} s (last: {last!r})")


@dataclass
class Running:
    process: subprocess.Popen[str]
    url: str
    kubeconfig: Path
    tmp: Path
    pids: list[int] = field(default_factory=list)

    def kubectl(self, *args: str, context: str = "admin", check: bool = True) -> Any:
        result = subprocess.run(
            [_require_kubectl(), f"--kubeconfig={self.kubeconfig}", f"--context={context}", *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result

    def get_json(self, *args: str) -> Any:
        result = self.kubectl("get", *args, "-o", "json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The launcher as a module, run the way a script would; stopped with SIGTERM."""
    _require_built()
    tmp = tmp_path_factory.mktemp("kube")
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.pop("KUBECONFIG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    kubeconfig = process.stdout.readline().strip()
    if not url:
        process.wait(timeout=30)
        assert process.stderr is not None
        pytest.fail(f"the launcher printed no URL: {process.stderr.read()}")
    running = Running(process, url, Path(kubeconfig), tmp, _children(process.pid))
    try:
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert code == 0
        still = [pid for pid in running.pids if _alive(pid)]
        assert still == [], f"left running after SIGTERM: {still}"
        assert list(tmp.iterdir()) == [], "the launcher left files in its temp dir"


# --- not built: always runs ----------------------------------------------------------


def test_not_built_says_how_to_build_and_starts_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--bin-dir", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "bash scripts/build-kubernetes.sh" in result.stderr
    assert "missing etcd, kube-apiserver, kube-controller-manager" in result.stderr
    assert str(empty) in result.stderr
    assert list(scratch.iterdir()) == []


def test_not_built_library_raises_before_starting(tmp_path: Path) -> None:
    plane = cp.ControlPlane(tmp_path)
    with pytest.raises(cp.BinariesNotFound, match=r"build-kubernetes\.sh"):
        plane.start()
    assert plane.pids == {} and plane.tmp_dir is None and plane.components == ()


def test_bin_dir_from_the_environment(tmp_path: Path) -> None:
    assert cp.default_bin_dir({cp.BIN_DIR_ENV: str(tmp_path)}) == tmp_path
    version_dir = cp.default_bin_dir({cp.CACHE_ENV: str(tmp_path)})
    assert version_dir.parent.parent == tmp_path
    assert version_dir.parent.name.startswith("kubernetes-")


def test_kwok_required_but_missing(tmp_path: Path) -> None:
    for name in cp.REQUIRED:
        (tmp_path / name).write_text("#!/bin/sh\nexit 1\n")
        (tmp_path / name).chmod(0o755)
    with pytest.raises(cp.BinariesNotFound, match="missing kwok"):
        cp.ControlPlane(tmp_path, kwok=True).start()


# --- real processes ------------------------------------------------------------------


def test_cli_prints_url_then_kubeconfig(plane: Running) -> None:
    assert plane.url.startswith("https://127.0.0.1:")
    assert plane.kubeconfig.is_file()
    config = json.loads(plane.kubeconfig.read_text())
    assert config["current-context"] == "admin"
    assert {c["name"] for c in config["contexts"]} == {"admin", "restricted"}
    assert config["clusters"][0]["cluster"]["server"] == plane.url
    assert "certificate-authority-data" in config["clusters"][0]["cluster"]
    assert len(plane.pids) >= 3  # etcd, kube-apiserver, kube-controller-manager (+ kwok)


def test_version(plane: Running) -> None:
    version = json.loads(plane.kubectl("get", "--raw", "/version").stdout)
    assert version["gitVersion"].startswith("v1.")
    assert version["major"] == "1"


def test_configmap_round_trip(plane: Running) -> None:
    plane.kubectl("create", "namespace", "cm-test")
    plane.kubectl("create", "configmap", "settings", "-n", "cm-test", "--from-literal=colour=blue")
    got = plane.get_json("configmap", "settings", "-n", "cm-test")
    assert got["data"] == {"colour": "blue"}


def test_default_service_account_appears(plane: Running) -> None:
    plane.kubectl("create", "namespace", "sa-test")
    _eventually(
        lambda: plane.get_json("serviceaccount", "default", "-n", "sa-test"),
        "ServiceAccount sa-test/default (made by kube-controller-manager)",
    )
    _eventually(
        lambda: plane.get_json("configmap", "kube-root-ca.crt", "-n", "sa-test"),
        "ConfigMap kube-root-ca.crt (root-ca-cert-publisher)",
    )


def test_deployment_gets_a_replicaset_and_gc_removes_it(plane: Running) -> None:
    plane.kubectl("create", "namespace", "deploy-test")
    plane.kubectl(
        "create", "deployment", "web", "-n", "deploy-test", "--image=registry.invalid/web:1"
    )

    def replicasets() -> list[Any]:
        listed = plane.get_json("replicasets", "-n", "deploy-test", "-l", "app=web")
        return listed["items"] if listed else []

    (rs,) = _eventually(replicasets, "a ReplicaSet for Deployment web")
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    plane.kubectl("delete", "deployment", "web", "-n", "deploy-test", "--wait=false")
    _eventually(lambda: replicasets() == [], "garbage collection of the ReplicaSet")


def test_restricted_user_cannot_list_secrets(plane: Running) -> None:
    result = plane.kubectl("get", "secrets", "--all-namespaces", context="restricted", check=False)
    assert result.returncode != 0
    assert "Forbidden" in result.stderr
    assert 'User "restricted" cannot list resource "secrets"' in result.stderr
    allowed = plane.kubectl("auth", "can-i", "list", "secrets", "-A", context="restricted",
                            check=False)  # fmt: skip
    assert allowed.stdout.strip() == "no"


@pytest.mark.skipif(not HAS_KWOK, reason="kwok not built: no simulated Nodes or Pods")
def test_pod_on_the_fake_node_runs(plane: Running) -> None:
    node = _eventually(
        lambda: (
            (n := plane.get_json("node", cp.FAKE_NODE))
            and any(
                c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"]
            )
            and n
        ),
        "Node fake-node Ready (kwok)",
    )
    assert node["metadata"]["annotations"][cp.KWOK_NODE_ANNOTATION[0]] == "fake"
    plane.kubectl("create", "namespace", "pod-test")
    _eventually(
        lambda: plane.get_json("serviceaccount", "default", "-n", "pod-test"),
        "ServiceAccount pod-test/default",
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "pod-test"},
        "spec": {
            "nodeName": cp.FAKE_NODE,
            "containers": [{"name": "c", "image": "registry.invalid/app:1"}],
        },
    }
    subprocess.run(
        [_require_kubectl(), f"--kubeconfig={plane.kubeconfig}", "create", "-f", "-"],
        input=json.dumps(pod), text=True, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    _eventually(
        lambda: (
            (p := plane.get_json("pod", "p", "-n", "pod-test"))
            and p["status"].get("phase") == "Running"
        ),
        "Pod p Running on fake-node (kwok)",
    )


@pytest.mark.skipif(not HAS_KWOK, reason="kwok not built: no simulated Nodes or Pods")
def test_job_on_the_fake_node_completes(plane: Running) -> None:
    """No scheduler runs, so the Job's template names the node; kwok completes its Pod."""
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once", "namespace": "default"},
        "spec": {
            "template": {
                "spec": {
                    "nodeName": cp.FAKE_NODE,
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "registry.invalid/batch:1"}],
                }
            }
        },
    }
    subprocess.run(
        [_require_kubectl(), f"--kubeconfig={plane.kubeconfig}", "create", "-f", "-"],
        input=json.dumps(job), text=True, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    _eventually(
        lambda: (j := plane.get_json("job", "once")) and j["status"].get("succeeded") == 1,
        "Job once succeeded (job controller + kwok)",
    )


def test_namespace_deletion_terminates(plane: Running) -> None:
    plane.kubectl("create", "namespace", "gone")
    plane.kubectl("create", "configmap", "c", "-n", "gone", "--from-literal=a=b")
    plane.kubectl("delete", "namespace", "gone", "--wait=false")
    _eventually(
        lambda: plane.get_json("namespace", "gone") is None,
        "namespace gone removed by the namespace controller",
    )


def test_python_client(plane: Running) -> None:
    kubernetes = pytest.importorskip("kubernetes")
    admin = kubernetes.config.new_client_from_config(
        config_file=str(plane.kubeconfig), context="admin"
    )
    names = [ns.metadata.name for ns in kubernetes.client.CoreV1Api(admin).list_namespace().items]
    assert "kube-system" in names
    restricted = kubernetes.config.new_client_from_config(
        config_file=str(plane.kubeconfig), context="restricted"
    )
    with pytest.raises(kubernetes.client.ApiException) as error:
        kubernetes.client.CoreV1Api(restricted).list_secret_for_all_namespaces()
    assert error.value.status == 403


# --- the library API, its own start --------------------------------------------------


def test_library_context_manager_and_clean_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _require_built()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with cp.ControlPlane(timeout=120) as plane:
        assert plane.components[:3] == ("etcd", "kube-apiserver", "kube-controller-manager")
        assert ("kwok" in plane.components) == HAS_KWOK
        assert plane.tmp_dir is not None and plane.tmp_dir.parent == tmp_path
        assert plane.ca_file is not None and plane.kubeconfig is not None
        ctx = ssl.create_default_context(cafile=str(plane.ca_file))
        request = urllib.request.Request(
            f"{plane.url}/api/v1/namespaces/default",
            headers={"Authorization": f"Bearer {plane.admin_token}"},
        )
        with urllib.request.urlopen(request, context=ctx, timeout=10) as answer:
            assert json.load(answer)["metadata"]["name"] == "default"
        request = urllib.request.Request(
            f"{plane.url}/api/v1/secrets",
            headers={"Authorization": f"Bearer {plane.restricted_token}"},
        )
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(request, context=ctx, timeout=10)
        assert denied.value.code == 403
        pids = dict(plane.pids)
        tmp_dir = plane.tmp_dir
        assert all(_alive(pid) for pid in pids.values())
    assert [name for name, pid in pids.items() if _alive(pid)] == []
    assert not tmp_dir.exists()
    assert _processes_mentioning(str(tmp_dir)) == []


def test_components_die_with_a_killed_launcher(tmp_path: Path) -> None:
    _require_built()
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--timeout", "120", "--no-kwok"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("https://127.0.0.1:")
    children = _children(process.pid)
    assert len(children) == 3
    process.kill()  # no chance to clean up
    process.wait(timeout=10)
    _eventually(lambda: not any(_alive(pid) for pid in children), "components gone", 30)
    for leftover in tmp_path.iterdir():  # the launcher could not remove its temp dir
        shutil.rmtree(leftover)


def test_not_ready_in_time_prints_log_tails_and_stops_everything(tmp_path: Path) -> None:
    _require_built()
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--timeout", "0.5"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "was not ready within 0.5 s" in result.stderr
    assert "--- etcd (pid " in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert _processes_mentioning(str(tmp_path)) == []


def test_build_flag_runs_the_build_script_into_the_bin_dir(tmp_path: Path) -> None:
    """--build runs scripts/build-kubernetes.sh for --bin-dir; here it fails fast (no Go)."""
    empty = tmp_path / "bin"
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--bin-dir", str(empty), "--build"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "GO": str(tmp_path / "no-go")},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "to build: etcd kube-apiserver kube-controller-manager kwok" in result.stderr
    assert f"GO={tmp_path / 'no-go'} is not an executable" in result.stderr
    assert "the build failed (exit status 1)" in result.stderr
    assert list(empty.iterdir()) == []  # the script made the directory, nothing else


def test_sigterm_while_starting_stops_everything(tmp_path: Path) -> None:
    _require_built()
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    _eventually(lambda: list(tmp_path.glob("vf-kube-*/etcd.log")), "etcd started", 60)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert out == ""
    assert "SIGTERM while starting; stopped" in err
    assert list(tmp_path.iterdir()) == []
    assert _processes_mentioning(str(tmp_path)) == []
