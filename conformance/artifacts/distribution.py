"""Run CNCF distribution (the Debian ``docker-registry`` package) on loopback.

The real registry the conformance suite measures the artifact fake against in CI.
It is started from a config written to a fresh temporary directory, never from the
Debian default config (that one binds every interface and turns on htpasswd auth):

- ``http.addr`` is ``127.0.0.1`` and a free port,
- storage is ``inmemory`` (nothing touches the disk),
- ``storage.delete.enabled`` is true, so the delete tests and the clean-up work,
- there is no ``auth`` section, unless htpasswd auth is asked for: then ``auth:
  htpasswd: {realm, path}`` names an htpasswd file written to the same directory with
  one user and a bcrypt hash of the password (the only hash distribution accepts:
  https://github.com/distribution/distribution/blob/v2.8.2/docs/configuration.md#htpasswd).

``python -m fakes.conformance.artifacts.distribution [PORT] [--htpasswd USER:PASS]``
prints the base URL on its first line and serves until interrupted; CI runs it in the
background. Run the suite against the htpasswd one with the profile
``distribution-2.8-htpasswd`` and ``FAKES_REGISTRY_USERNAME``/``FAKES_REGISTRY_PASSWORD``.
The bcrypt hash comes from the ``bcrypt`` package (the test extra), or else from
``htpasswd -B`` (Debian's apache2-utils).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
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

__all__ = [
    "DEFAULT_BINARY",
    "REALM",
    "RegistryNotReady",
    "RunningRegistry",
    "bcrypt_hash",
    "running_distribution",
]

DEFAULT_BINARY = "/usr/bin/docker-registry"
REALM = "verified-fakes-distribution"
# Distribution checks the bcrypt hash on every request: the lowest cost keeps a
# conformance run (thousands of requests) fast. The password guards a loopback sandbox.
BCRYPT_COST = 4

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

_HTPASSWD = """\
auth:
  htpasswd:
    realm: {realm}
    path: {path}
"""


@attrs.frozen
class RunningRegistry:
    url: str  # base URL, no trailing slash
    pid: int
    credentials: tuple[str, str] | None = None  # the htpasswd user, when auth is on


def bcrypt_hash(password: str) -> str:
    """A bcrypt hash of ``password`` for an htpasswd file."""
    try:
        import bcrypt
    except ImportError:
        pass
    else:
        salt = bcrypt.gensalt(rounds=BCRYPT_COST)
        return str(bcrypt.hashpw(password.encode(), salt).decode())
    tool = shutil.which("htpasswd")
    if tool is None:
        raise RuntimeError(
            "htpasswd auth needs a bcrypt hash: install the test extra "
            "(pip install 'verified-fakes[test]', which brings bcrypt) or Debian's "
            "apache2-utils (htpasswd)"
        )
    out = subprocess.run(
        [tool, "-niBC", str(BCRYPT_COST), "user"], input=password, capture_output=True,
        text=True, check=True,
    ).stdout
    return out.strip().partition(":")[2]


class RegistryNotReady(RuntimeError):
    """docker-registry did not answer ``GET /v2/`` in time (or exited early)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(
    url: str, proc: subprocess.Popen[bytes], timeout: float,
    credentials: tuple[str, str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RegistryNotReady(f"docker-registry exited with status {proc.returncode}")
        try:
            if requests.get(f"{url}/v2/", timeout=1, auth=credentials).status_code == 200:
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
    htpasswd: tuple[str, str] | None = None,
    realm: str = REALM,
) -> Iterator[RunningRegistry]:
    """Start docker-registry on ``127.0.0.1``; yield its base URL and pid.

    With ``htpasswd=(user, password)`` it asks every request for those credentials
    (HTTP Basic). The process is ended (by its pid) and its temporary directory removed
    on exit.
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
        text = _CONFIG.format(port=chosen, log_level=log_level)
        if htpasswd is not None:
            user, password = htpasswd
            if not user or ":" in user:
                raise ValueError(f"htpasswd user {user!r} must be non-empty, without ':'")
            users = Path(tmp) / "htpasswd"
            users.write_text(f"{user}:{bcrypt_hash(password)}\n")
            text += _HTPASSWD.format(realm=realm, path=users)
        config.write_text(text)
        log = (Path(tmp) / "registry.log").open("wb")
        proc = subprocess.Popen(
            [binary, "serve", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
        try:
            _wait_ready(url, proc, timeout, htpasswd)
            yield RunningRegistry(url, proc.pid, htpasswd)
        finally:
            _stop(proc)
            log.close()


def _user_password(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("expected USER:PASS")
    return user, password


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; print the URL first so a script can read it."""
    parser = argparse.ArgumentParser(
        prog="python -m fakes.conformance.artifacts.distribution",
        description="Run CNCF distribution (docker-registry) on loopback for the "
        "conformance suite; prints its URL first.",
    )
    parser.add_argument("port", nargs="?", type=int, help="default: a free port")
    parser.add_argument(
        "--htpasswd", type=_user_password, metavar="USER:PASS",
        help="turn on htpasswd (HTTP Basic) auth with this one user "
        "(profile distribution-2.8-htpasswd)",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    stop = False

    def _on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _on_signal)
    try:
        with running_distribution(port=args.port, htpasswd=args.htpasswd) as registry:
            print(registry.url, flush=True)
            while not stop:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
