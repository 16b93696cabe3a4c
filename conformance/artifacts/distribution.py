"""Run CNCF distribution (the Debian ``docker-registry`` package) on loopback.

The real registry the conformance suite measures the artifact fake against in CI.
It is started from a config written to a fresh temporary directory, never from the
Debian default config (that one binds every interface and turns on htpasswd auth):

- ``http.addr`` is ``127.0.0.1`` and a free port,
- storage is ``inmemory`` (nothing touches the disk),
- ``storage.delete.enabled`` is true, so the delete tests and the clean-up work,
- there is no ``auth`` section.

``python -m fakes.conformance.artifacts.distribution`` prints the base URL on its first
line and serves until interrupted; CI runs it in the background.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import requests

__all__ = ["DEFAULT_BINARY", "RegistryNotReady", "RunningRegistry", "running_distribution"]

DEFAULT_BINARY = "/usr/bin/docker-registry"

_CONFIG = """\
version: 0.1
log:
  level: {log_level}
storage:
  inmemory: {{}}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


@attrs.frozen
class RunningRegistry:
    url: str  # base URL, no trailing slash
    pid: int


class RegistryNotReady(RuntimeError):
    """docker-registry did not answer ``GET /v2/`` in time (or exited early)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RegistryNotReady(f"docker-registry exited with status {proc.returncode}")
        try:
            if requests.get(f"{url}/v2/", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.001)
    raise RegistryNotReady(f"docker-registry did not answer GET {url}/v2/ within {timeout} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def running_distribution(
    binary: str = DEFAULT_BINARY,
    *,
    port: int | None = None,
    timeout: float = 10.0,
    log_level: str = "error",
) -> Iterator[RunningRegistry]:
    """Start docker-registry on ``127.0.0.1``; yield its base URL and pid.

    The process is ended (by its pid) and its temporary directory removed on exit.
    """
    if not os.access(binary, os.X_OK):
        raise FileNotFoundError(
            f"{binary} not found: install the Debian package docker-registry "
            "(apt-get install -y docker-registry)"
        )
    chosen = port if port is not None else _free_port()
    url = f"http://127.0.0.1:{chosen}"
    with tempfile.TemporaryDirectory(prefix="vf-distribution-") as tmp:
        config = Path(tmp) / "config.yml"
        config.write_text(_CONFIG.format(port=chosen, log_level=log_level))
        log = (Path(tmp) / "registry.log").open("wb")
        proc = subprocess.Popen(
            [binary, "serve", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
        try:
            _wait_ready(url, proc, timeout)
            yield RunningRegistry(url, proc.pid)
        finally:
            _stop(proc)
            log.close()


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; print the URL first so a script can read it."""
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else None
    stop = False

    def _on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _on_signal)
    try:
        with running_distribution(port=port) as registry:
            print(registry.url, flush=True)
            while not stop:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
