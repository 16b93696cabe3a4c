"""Run a real Kubernetes control plane on loopback, from binaries built by
``scripts/build-kubernetes.sh``.

What runs, each as a child process bound to ``127.0.0.1`` on free ports, with all of
its state in one temporary directory that is removed on stop:

- **etcd** (client and peer URLs on loopback, ``--unsafe-no-fsync``: the data dies with
  the run anyway);
- **kube-apiserver** with TLS from a CA made at start (``openssl``), a service-account
  key pair made at start, static bearer tokens (``--token-auth-file``) for an *admin*
  user in ``system:masters`` and a *restricted* user with no groups beyond
  ``system:authenticated``, ``--authorization-mode=Node,RBAC`` and the default admission
  plugins;
- **kube-controller-manager** with its default controllers (namespace, garbage
  collector, deployment, replicaset, job, serviceaccount and its token controller,
  root-CA publisher, ...) and ``--use-service-account-credentials``, so namespace
  termination, ownerReference garbage collection and each namespace's ``default``
  ServiceAccount are the real thing;
- **kwok**, if it was built: it manages Nodes annotated ``kwok.x-k8s.io/node=fake``
  with its default stages, so such a Node becomes ``Ready`` and a Pod bound to it goes
  ``Pending`` → ``Running`` (and a Job's Pod to ``Succeeded``). One such Node,
  :data:`FAKE_NODE`, is created at start.

What this target therefore cannot show:

- there is no container runtime and no kubelet: nothing is ever executed, images are
  never pulled, probes never run; pod phases and conditions are what kwok writes;
- ``kubectl exec``, ``attach``, ``port-forward``, ``logs`` and ``cp`` do not work (no
  kubelet to proxy to), nor does the kubelet's summary or metrics API;
- there is no kube-scheduler: a Pod runs only if it names its node
  (``spec.nodeName``); the Pods of a Deployment, ReplicaSet or Job stay ``Pending``
  unless their template sets ``nodeName: fake-node``;
- there is no kube-proxy, CNI or DNS: Services get a ClusterIP and EndpointSlices, but
  no traffic flows; Pod IPs are made up by kwok;
- no cloud provider: ``LoadBalancer`` Services never get an address, no volumes are
  provisioned (PVCs without a matching PV stay ``Pending``);
- no aggregated APIs (metrics-server), no admission webhooks unless the test brings
  its own server;
- without kwok, no Node ever becomes ``Ready`` and no Pod ever leaves ``Pending``.

``python -m fakes.conformance.kubernetes.control_plane`` prints the server URL on its
first line and the kubeconfig path on its second, then runs until SIGTERM or SIGINT.
:class:`ControlPlane` does the same from Python, as a context manager.

The kubeconfig has two contexts: ``admin`` (the current one) and ``restricted``. It
is always passed explicitly (``kubectl --kubeconfig PATH``); neither ``~/.kube/config``
nor ``$KUBECONFIG`` is read or written.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

__all__ = [
    "BIN_DIR_ENV",
    "CACHE_ENV",
    "FAKE_NODE",
    "KWOK_NODE_ANNOTATION",
    "BinariesNotFound",
    "ControlPlane",
    "ControlPlaneError",
    "ControlPlaneNotReady",
    "default_bin_dir",
    "main",
    "run_build_script",
]

#: Environment variable naming the directory that holds the binaries.
BIN_DIR_ENV = "VERIFIED_FAKES_KUBERNETES_BIN"
#: Environment variable naming the cache root of scripts/build-kubernetes.sh.
CACHE_ENV = "VERIFIED_FAKES_CACHE"
#: The Node created at start when kwok runs.
FAKE_NODE = "fake-node"
#: The annotation that makes kwok manage a Node.
KWOK_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")

REQUIRED = ("etcd", "kube-apiserver", "kube-controller-manager")
#: kwok's default node and pod stages, written beside it by the build script.
KWOK_STAGES = "kwok-stages.yaml"
OPTIONAL = ("kwok",)
SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16"
_FIRST_SERVICE_IP = "10.96.0.1"
_POD_CIDR = "10.244.0.0/24"

_REPO = Path(__file__).resolve().parent.parent.parent
_BUILD_SCRIPT = _REPO / "scripts" / "build-kubernetes.sh"
_VERSIONS_ENV = _REPO / "scripts" / "kubernetes-versions.env"
_BUILD_HINT = "bash scripts/build-kubernetes.sh"


class ControlPlaneError(RuntimeError):
    """The control plane could not be started."""


class BinariesNotFound(ControlPlaneError, FileNotFoundError):
    """The binaries are not built (nothing was started)."""


class ControlPlaneNotReady(ControlPlaneError):
    """A component exited or did not become ready in time (everything was stopped)."""


# --- where the binaries are ---------------------------------------------------------


def _cache_root(env: Mapping[str, str]) -> Path:
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    xdg = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "verified-fakes"


def _pinned_version() -> str | None:
    """KUBERNETES_VERSION from scripts/kubernetes-versions.env, in a source checkout."""
    try:
        text = _VERSIONS_ENV.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key == "KUBERNETES_VERSION":
            return value.strip().strip("\"'")
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    digits = path.parent.name.removeprefix("kubernetes-v").split(".")
    return tuple(int(d) if d.isdigit() else -1 for d in digits)


def default_bin_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory the launcher looks in when none is given.

    ``$VERIFIED_FAKES_KUBERNETES_BIN`` if set; else the build script's output for the
    pinned version (``<cache>/kubernetes-<version>/bin``); outside a source checkout,
    the newest ``<cache>/kubernetes-*/bin`` that holds the required binaries.
    """
    env = os.environ if env is None else env
    if env.get(BIN_DIR_ENV):
        return Path(env[BIN_DIR_ENV])
    root = _cache_root(env)
    version = _pinned_version()
    if version:
        return root / f"kubernetes-{version}" / "bin"
    built = [d for d in root.glob("kubernetes-v*/bin") if _missing(d) == []]
    if built:
        return max(built, key=_version_key)
    return root / "kubernetes-<version>" / "bin"


def _missing(bin_dir: Path) -> list[str]:
    return [name for name in REQUIRED if not os.access(bin_dir / name, os.X_OK)]


def run_build_script(bin_dir: Path | None = None) -> None:
    """Run scripts/build-kubernetes.sh (only in a source checkout), into ``bin_dir`` if given."""
    if not _BUILD_SCRIPT.is_file():
        raise ControlPlaneError(
            f"{_BUILD_SCRIPT} not found: the build script ships with the verified-fakes "
            "source tree, not with the installed package; run it from a checkout"
        )
    env = dict(os.environ)
    if bin_dir is not None:
        env[BIN_DIR_ENV] = str(bin_dir)
    # The script's output goes to stderr: the launcher's stdout is for the URL and path.
    subprocess.run(
        ["bash", str(_BUILD_SCRIPT)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr,
        env=env,
    )


# --- small helpers ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ControlPlaneError("openssl not found: install it (apt-get install -y openssl)")
    result = subprocess.run(
        [openssl, *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise ControlPlaneError(f"openssl {' '.join(args)} failed: {result.stderr.strip()}")


def _make_pki(pki: Path) -> None:
    """A CA, an apiserver serving certificate signed by it, a service-account key pair."""
    pki.mkdir(mode=0o700)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=verified-fakes-kubernetes-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=pki,
    )  # fmt: skip
    (pki / "apiserver.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost,"
        f"IP:{_FIRST_SERVICE_IP},DNS:kubernetes,DNS:kubernetes.default,"
        "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n"
    )
    _openssl(
        "req", *ec, "-keyout", "apiserver.key", "-out", "apiserver.csr",
        "-subj", "/CN=kube-apiserver",
        cwd=pki,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "apiserver.crt", "-days", "2",
        "-extfile", "apiserver.ext",
        cwd=pki,
    )  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)


def _kubeconfig(url: str, ca_pem: bytes, users: Sequence[tuple[str, str]]) -> str:
    """A kubeconfig (JSON is YAML) with one context per (name, token); the first is current."""
    ca = base64.b64encode(ca_pem).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "verified-fakes", "cluster": {"server": url, "certificate-authority-data": ca}}
        ],
        "users": [{"name": name, "user": {"token": token}} for name, token in users],
        "contexts": [
            {"name": name, "context": {"cluster": "verified-fakes", "user": name}}
            for name, _ in users
        ],
        "current-context": users[0][0],
        "preferences": {},
    }
    return json.dumps(config, indent=2) + "\n"


def _tail(path: Path, lines: int = 30) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return "(no log)"
    text = data[-65536:].decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _die_with_parent() -> None:
    """In the child: get SIGKILL if the launcher dies without stopping it (Linux).

    The signal follows the *thread* that started the child, so start a ControlPlane from
    a thread that outlives it (normally the main thread).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Component:
    def __init__(
        self, name: str, argv: list[str], log: Path, cwd: Path, env: Mapping[str, str] | None
    ) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                # Own session: a Ctrl-C in the terminal reaches the launcher only, which
                # then stops the components in order.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, grace: float) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


# --- the control plane --------------------------------------------------------------


class ControlPlane:
    """etcd, kube-apiserver, kube-controller-manager and (if built) kwok on loopback.

    ``with ControlPlane() as cp:`` starts everything and waits until it is ready;
    leaving the block (or :meth:`stop`) ends every process it started, by pid, and
    removes its temporary directory.

    After :meth:`start`:

    - ``url``: ``https://127.0.0.1:<port>``, the API server;
    - ``kubeconfig``: path of a kubeconfig with contexts ``admin`` (current) and
      ``restricted``;
    - ``admin_token`` (user ``admin``, group ``system:masters``) and
      ``restricted_token`` (user ``restricted``, no groups beyond
      ``system:authenticated``);
    - ``ca_file``: path of the CA certificate that signed the serving certificate;
    - ``components``: names of the components running, in start order;
    - ``pids``: component name → pid; ``logs``: component name → log path;
    - ``tmp_dir``: the temporary directory.
    """

    def __init__(
        self,
        bin_dir: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 60.0,
        kwok: bool | None = None,
        stop_grace: float = 10.0,
        verbosity: int = 1,
    ) -> None:
        """``kwok``: None runs it if built, True requires it, False leaves it out."""
        self.bin_dir = Path(bin_dir) if bin_dir is not None else default_bin_dir()
        self.timeout = timeout
        self.want_kwok = kwok
        self.stop_grace = stop_grace
        self.verbosity = verbosity
        self.url = ""
        self.kubeconfig: Path | None = None
        self.admin_token = ""
        self.restricted_token = ""
        self.ca_file: Path | None = None
        self.tmp_dir: Path | None = None
        self.components: tuple[str, ...] = ()
        self._procs: list[_Component] = []
        self.start_seconds: float | None = None

    # public ---------------------------------------------------------------------

    @property
    def pids(self) -> dict[str, int]:
        return {c.name: c.pid for c in self._procs}

    @property
    def logs(self) -> dict[str, Path]:
        return {c.name: c.log for c in self._procs}

    def check_binaries(self) -> list[str]:
        """The components to run; raises :class:`BinariesNotFound` naming what is missing."""
        missing = _missing(self.bin_dir)
        has_kwok = (
            os.access(self.bin_dir / "kwok", os.X_OK) and (self.bin_dir / KWOK_STAGES).is_file()
        )
        if self.want_kwok and not has_kwok:
            missing.append(f"kwok (with {KWOK_STAGES})")
        if missing:
            raise BinariesNotFound(
                f"Kubernetes binaries not found in {self.bin_dir}: missing "
                f"{', '.join(missing)}. Build them (once; later runs reuse them) with:\n"
                f"    {_BUILD_HINT}\n"
                "from the verified-fakes source tree (it needs Go 1.26 or newer and the Go "
                "module proxy), or pass --build to the launcher. To use binaries elsewhere, "
                f"set {BIN_DIR_ENV}=/path/to/bin or pass --bin-dir."
            )
        return [*REQUIRED, *(["kwok"] if has_kwok and self.want_kwok is not False else [])]

    def start(self) -> ControlPlane:
        if self.tmp_dir is not None:
            raise ControlPlaneError("a ControlPlane starts once; make a new one")
        names = self.check_binaries()  # before anything is started or created
        t0 = time.monotonic()
        self.tmp_dir = Path(tempfile.mkdtemp(prefix="vf-kube-"))
        atexit.register(self.stop)
        try:
            self._start(names, t0)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def stop(self) -> None:
        """Stop every component (newest first: SIGTERM, SIGKILL after a grace) and clean up."""
        atexit.unregister(self.stop)
        for comp in reversed(self._procs):
            comp.stop(self.stop_grace)
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tails(self, lines: int = 30) -> str:
        parts = []
        for comp in self._procs:
            status = comp.proc.poll()
            state = "running" if status is None else f"exited with status {status}"
            parts.append(f"--- {comp.name} (pid {comp.pid}, {state}): last lines of {comp.log}")
            parts.append(_tail(comp.log, lines))
        return "\n".join(parts)

    def dead_components(self) -> list[str]:
        return [c.name for c in self._procs if c.proc.poll() is not None]

    # internals --------------------------------------------------------------------

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> None:
        assert self.tmp_dir is not None
        log = self.tmp_dir / f"{name}.log"
        self._procs.append(_Component(name, argv, log, self.tmp_dir, env))
        self.components = tuple(c.name for c in self._procs)

    def _start(self, names: list[str], t0: float) -> None:
        tmp = self.tmp_dir
        assert tmp is not None
        deadline = t0 + self.timeout
        pki = tmp / "pki"
        _make_pki(pki)
        self.ca_file = pki / "ca.crt"
        ssl_ctx = ssl.create_default_context(cafile=str(self.ca_file))

        etcd_port, peer_port = _free_port(), _free_port()
        etcd_url = f"http://127.0.0.1:{etcd_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        self._spawn("etcd", [
            self._bin("etcd"),
            "--name=default",
            f"--data-dir={tmp / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            "--initial-cluster-state=new",
            "--unsafe-no-fsync",
            "--log-level=warn",
        ])  # fmt: skip
        self._wait("etcd", deadline, lambda: _get(f"{etcd_url}/health", None, None) == 200)

        self.admin_token = secrets.token_hex(16)
        self.restricted_token = secrets.token_hex(16)
        kcm_token, kwok_token = secrets.token_hex(16), secrets.token_hex(16)
        tokens = tmp / "tokens.csv"
        tokens.write_text(
            f'{self.admin_token},admin,admin,"system:masters"\n'
            f"{self.restricted_token},restricted,restricted\n"
            f"{kcm_token},system:kube-controller-manager,system:kube-controller-manager\n"
            f'{kwok_token},kwok-controller,kwok-controller,"system:masters"\n'
        )
        tokens.chmod(0o600)

        api_port = _free_port()
        self.url = f"https://127.0.0.1:{api_port}"
        self._spawn("kube-apiserver", [
            self._bin("kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            # The endpoint reconciler refuses a loopback address; with none, the
            # `kubernetes` Service in `default` simply has no endpoints.
            "--endpoint-reconciler-type=none",
            f"--secure-port={api_port}",
            f"--cert-dir={tmp / 'apiserver-certs'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--token-auth-file={tokens}",
            "--authorization-mode=Node,RBAC",
            f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--allow-privileged=true",
            "--profiling=false",
            f"--v={self.verbosity}",
        ])  # fmt: skip

        def api_ready() -> bool:
            return _get(f"{self.url}/readyz", self.admin_token, ssl_ctx) == 200

        self._wait("kube-apiserver", deadline, api_ready)

        self.kubeconfig = tmp / "kubeconfig"
        self.kubeconfig.write_text(
            _kubeconfig(
                self.url,
                self.ca_file.read_bytes(),
                [("admin", self.admin_token), ("restricted", self.restricted_token)],
            )
        )
        self.kubeconfig.chmod(0o600)
        ca_pem = self.ca_file.read_bytes()
        kcm_config = tmp / "kube-controller-manager.kubeconfig"
        kcm_config.write_text(_kubeconfig(self.url, ca_pem, [("kcm", kcm_token)]))

        kcm_port = _free_port()
        self._spawn("kube-controller-manager", [
            self._bin("kube-controller-manager"),
            f"--kubeconfig={kcm_config}",
            "--bind-address=127.0.0.1",
            f"--secure-port={kcm_port}",
            f"--cert-dir={tmp / 'kcm-certs'}",
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
            "--profiling=false",
            f"--v={self.verbosity}",
        ])  # fmt: skip
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # kcm's serving cert is self-signed by kcm
        kcm_health = f"https://127.0.0.1:{kcm_port}/healthz"

        kwok_health = None
        if "kwok" in names:
            kwok_kubeconfig = tmp / "kwok.kubeconfig"
            kwok_kubeconfig.write_text(_kubeconfig(self.url, ca_pem, [("kwok", kwok_token)]))
            kwok_port = _free_port()
            key, value = KWOK_NODE_ANNOTATION
            self._spawn("kwok", [
                self._bin("kwok"),
                f"--kubeconfig={kwok_kubeconfig}",
                f"--config={self.bin_dir / KWOK_STAGES}",
                f"--server-address=127.0.0.1:{kwok_port}",
                "--manage-all-nodes=false",
                f"--manage-nodes-with-annotation-selector={key}={value}",
                "--node-ip=127.0.0.1",
                "--node-lease-duration-seconds=40",
                f"--cidr={_POD_CIDR}",
                f"--v={'DEBUG' if self.verbosity > 2 else 'INFO'}",
            ], env={**os.environ, "HOME": str(tmp / "kwok-home")})  # fmt: skip
            kwok_health = f"http://127.0.0.1:{kwok_port}/healthz"

        self._wait(
            "kube-controller-manager", deadline, lambda: _get(kcm_health, None, insecure) == 200
        )
        if kwok_health is not None:
            self._wait("kwok", deadline, lambda: _get(kwok_health, None, None) == 200)
            self._create_fake_node(ssl_ctx)

    def _create_fake_node(self, ssl_ctx: ssl.SSLContext) -> None:
        key, value = KWOK_NODE_ANNOTATION
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": FAKE_NODE,
                "annotations": {key: value, "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {
                    "kubernetes.io/hostname": FAKE_NODE,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "type": "kwok",
                },
            },
            "spec": {},
        }
        request = urllib.request.Request(
            f"{self.url}/api/v1/nodes",
            data=json.dumps(node).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.admin_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, context=ssl_ctx, timeout=10) as answer:
            if answer.status != 201:
                raise ControlPlaneError(f"creating Node {FAKE_NODE} answered {answer.status}")

    def _wait(self, name: str, deadline: float, ready: Callable[[], bool]) -> None:
        while True:
            dead = self.dead_components()
            if dead:
                raise ControlPlaneNotReady(
                    f"{', '.join(dead)} exited while starting the control plane "
                    f"(waiting for {name}).\n{self.log_tails()}"
                )
            if ready():
                return
            if time.monotonic() >= deadline:
                raise ControlPlaneNotReady(
                    f"{name} was not ready within {self.timeout:g} s.\n{self.log_tails()}"
                )
            time.sleep(0.1)


def _get(url: str, token: str | None, ctx: ssl.SSLContext | None) -> int | None:
    """Status of a GET, or None if nothing answered."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, context=ctx, timeout=2) as answer:
            status: int = answer.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ssl.SSLError):
        return None


# --- command line -------------------------------------------------------------------


class _Interrupted(BaseException):
    """SIGTERM or SIGINT arrived while the control plane was starting."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fakes.conformance.kubernetes.control_plane",
        description="Run a real Kubernetes control plane on 127.0.0.1 until SIGTERM/SIGINT. "
        "Prints the server URL, then the kubeconfig path.",
    )
    parser.add_argument(
        "--bin-dir",
        help=f"directory with the binaries (default: ${BIN_DIR_ENV}, else the build "
        f"script's cache: {default_bin_dir()})",
    )
    parser.add_argument(
        "--build", action="store_true", help=f"run `{_BUILD_HINT}` first if binaries are missing"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for readiness (default 60)"
    )
    kwok = parser.add_mutually_exclusive_group()
    kwok.add_argument("--kwok", dest="kwok", action="store_true", default=None, help="require kwok")
    kwok.add_argument("--no-kwok", dest="kwok", action="store_false", help="do not run kwok")
    parser.add_argument("-v", "--verbosity", type=int, default=1, help="components' log level")
    args = parser.parse_args(argv)

    stop = False
    starting = True

    def _on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True
        if starting:  # unwinds through start(), which stops what it started
            raise _Interrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    plane = ControlPlane(
        args.bin_dir, timeout=args.timeout, kwok=args.kwok, verbosity=args.verbosity
    )
    try:
        try:
            try:
                plane.check_binaries()
            except BinariesNotFound:
                if not args.build:
                    raise
                run_build_script(plane.bin_dir)
            plane.start()
            starting = False
        except _Interrupted as signame:
            print(f"control_plane: {signame} while starting; stopped", file=sys.stderr, flush=True)
            return 1
        except ControlPlaneError as error:
            print(f"control_plane: {error}", file=sys.stderr, flush=True)
            return 1
        except subprocess.CalledProcessError as error:
            print(
                f"control_plane: the build failed (exit status {error.returncode})",
                file=sys.stderr,
                flush=True,
            )
            return 1
        print(plane.url, flush=True)
        print(plane.kubeconfig, flush=True)
        print(
            f"control_plane: ready in {plane.start_seconds:.1f} s; running "
            f"{', '.join(f'{n} (pid {p})' for n, p in plane.pids.items())}; "
            "SIGTERM or Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )
        while not stop:
            dead = plane.dead_components()
            if dead:
                print(
                    f"control_plane: {', '.join(dead)} exited; stopping.\n{plane.log_tails()}",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            time.sleep(0.2)
        return 0
    finally:
        plane.stop()


if __name__ == "__main__":
    raise SystemExit(main())
