"""Helpers shared by the benchmarks: statistics, result rows, and the processes
the benchmarks start (the fake behind ``fakes serve``, CNCF distribution)."""

from __future__ import annotations

import math
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from fakes._http import Request, Response
from fakes.conformance.artifacts.distribution import running_distribution

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
REGISTRY_BINARY = "/usr/bin/docker-registry"


class BenchmarkError(RuntimeError):
    """A target answered something unexpected; its numbers would be meaningless."""


def expect(response: requests.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise BenchmarkError(
            f"{what}: expected HTTP {status} from {response.request.method} "
            f"{response.url}, got {response.status_code}: {response.text[:300]!r}"
        )


# -- statistics --------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100): a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": median(values),
        "p95": percentile(values, 95),
        "min": min(values),
        "max": max(values),
    }


# -- result rows -------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table.

    ``met`` is None for rows that only inform (no goal attached).
    """

    section: str
    measurement: str
    fake: str
    reference: str = "—"
    ratio: str = "—"
    goal: str = "—"
    met: bool | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


def fmt_us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def fmt_mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:.1f} MiB"


# -- machine -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": sys.implementation.name,
        "platform": sys.platform,
        "requests": requests.__version__,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        version = subprocess.run(
            [REGISTRY_BINARY, "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        info["docker_registry"] = version or None
    except (OSError, subprocess.SubprocessError):
        info["docker_registry"] = None
    return info


# -- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """End a process this module started: SIGTERM by pid, SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


@dataclass
class Served:
    """A target running in another process."""

    url: str
    pid: int
    ready_seconds: float  # from spawning the process to its first answer


@contextmanager
def fake_subprocess(timeout: float = 30.0) -> Iterator[Served]:
    """``python -m fakes.cli serve artifacts``: the fake as non-Python tools see it.

    Ready means: the URL was printed on the first line of stdout (the server is
    listening by then).
    """
    with tempfile.TemporaryFile() as stderr:
        began = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "fakes.cli", "serve", "artifacts"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            assert proc.stdout is not None
            line = _first_line(proc, proc.stdout, began + timeout)
            ready = time.perf_counter() - began
            if not line.startswith("http://"):
                stderr.seek(0)
                raise BenchmarkError(
                    f"`fakes serve artifacts` did not print its URL (got {line!r}); "
                    f"stderr: {stderr.read()[-2000:].decode(errors='replace')}"
                )
            yield Served(line, proc.pid, ready)
        finally:
            stop_process(proc)
            if proc.stdout is not None:
                proc.stdout.close()


def _first_line(proc: subprocess.Popen[bytes], stream: Any, deadline: float) -> str:
    buffered = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while b"\n" not in buffered:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise BenchmarkError("`fakes serve artifacts` printed no URL in time")
            if not selector.select(left):
                continue
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break  # the process exited
            buffered += chunk
    return buffered.split(b"\n", 1)[0].decode().strip()


def registry_available() -> bool:
    return os.access(REGISTRY_BINARY, os.X_OK)


@contextmanager
def distribution(timeout: float = 15.0) -> Iterator[Served]:
    """CNCF distribution on loopback, started by the conformance suite's launcher.

    Ready means ``GET /v2/`` answered 200; the readiness time includes the launcher
    writing its config and polling (1 ms apart).
    """
    began = time.perf_counter()
    with running_distribution(REGISTRY_BINARY, timeout=timeout) as registry:
        yield Served(registry.url, registry.pid, time.perf_counter() - began)


def peak_rss(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of a process, in bytes, from /proc."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            number, unit = value.split()
            assert unit == "kB"
            found[key] = int(number) * 1024
    return found


class CannedApp:
    """A ``LoopbackServer`` app that answers each known (method, target) with the same
    recorded response: the floor a fake's per-request cost is compared with."""

    def __init__(self, responses: Mapping[tuple[str, str], Response]) -> None:
        self._responses = dict(responses)

    def __call__(self, request: Request) -> Response:
        found = self._responses.get((request.method, request.target))
        if found is None:
            raise BenchmarkError(f"the stub got {request.method} {request.target}")
        return found


#: A reset, cleared or back to a snapshot, must stay under a millisecond (p95).
RESET_GOAL = 0.001


def time_resets(fake: Any, count: int) -> tuple[list[float], list[float]]:
    """Seconds of ``count`` resets of ``fake`` from its present (seeded) state, each
    followed by a ``reset(to=snapshot)`` back to it: (cleared, restored)."""
    snapshot = fake.snapshot()
    clear, restore = [], []
    for _ in range(count):
        began = time.perf_counter()
        fake.reset()
        clear.append(time.perf_counter() - began)
        began = time.perf_counter()
        fake.reset(to=snapshot)
        restore.append(time.perf_counter() - began)
    return clear, restore


def reset_rows(section: str, label: str, clear: list[float], restore: list[float]
               ) -> list[Row]:
    """The two rows of :func:`time_resets`, judged against :data:`RESET_GOAL`."""
    n = len(clear)
    return [Row(section, f"{what} {label} ({n} resets)",
                f"median {fmt_us(median(times))}, p95 {fmt_us(percentile(times, 95))}",
                goal="p95 ≤ 1 ms", met=percentile(times, 95) <= RESET_GOAL,
                data={"seconds": times})
            for what, times in (("reset() holding", clear),
                                ("reset(to=snapshot) back to", restore))]
