"""Benchmark 2: what one request costs through ``requests.Session``, fake vs stubs.

Three servers run in this process, each on 127.0.0.1 with its own keep-alive
``requests.Session``:

- **fake** — a started ``FakeRegistry`` holding one repository, blob and tagged
  manifest;
- **canned stub** — ``fakes._server.LoopbackServer`` (the fake's own HTTP layer)
  serving an app that looks the request up in a dict and returns a fixed
  ``Response``: the fake's HTTP plumbing with no routing, model or adapter;
- **http.server stub** — Python's ``http.server`` with HTTP/1.1 keep-alive and
  Nagle off, writing pre-built response bytes: the floor for a Python server.

The canned answers are the fake's own answers (status, headers and body,
recorded once through the same client), so all three send identical bytes.

Rounds interleave the servers (the order rotates each round) so that drift in
machine load hits them alike; each round times a burst of identical requests.
Reported: the median over rounds of the mean time per request; the ratio is
the median over rounds of fake / canned stub measured in the same round (the
goal; its interquartile range shows the noise), and likewise fake /
http.server stub for reference.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import requests

from benchmarks._common import (
    OCI_EMPTY,
    OCI_LAYER,
    OCI_MANIFEST,
    BenchmarkError,
    CannedApp,
    Row,
    fmt_us,
    median,
    percentile,
)
from fakes._http import Response
from fakes._server import LoopbackServer
from fakes.artifacts import FakeRegistry, digest_of

SECTION = "2. cost per request"
RATIO_GOAL = 1.5
REPO = "bench/app"

Canned = dict[tuple[str, str], tuple[int, list[tuple[str, str]], bytes]]


class _CannedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    raw: ClassVar[dict[tuple[str, str], bytes]] = {}

    def do_GET(self) -> None:
        self.wfile.write(self.raw[(self.command, self.path)])

    do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HttpServerStub:
    def __init__(self, canned: Canned) -> None:
        raw = {}
        for (method, target), (status, headers, body) in canned.items():
            head = [f"HTTP/1.1 {status} OK\r\n", *(f"{k}: {v}\r\n" for k, v in headers), "\r\n"]
            raw[(method, target)] = "".join(head).encode("latin-1") + (
                b"" if method == "HEAD" else body)
        handler = type("Handler", (_CannedHandler,), {"raw": raw})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> _HttpServerStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _seed(fake: FakeRegistry) -> dict[str, tuple[str, str, dict[str, str]]]:
    """Content for the requests; returns name → (method, path, request headers)."""
    blob = b"layer content " * 73
    empty = b"{}"
    fake.push_blob(REPO, empty)
    digest = fake.push_blob(REPO, blob)
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_EMPTY, "digest": digest_of(empty), "size": len(empty)},
        "layers": [{"mediaType": OCI_LAYER, "digest": digest, "size": len(blob)}],
    }
    fake.push_manifest(REPO, json.dumps(manifest).encode(), tag="v1")
    return {
        "manifest GET by tag": ("GET", f"/v2/{REPO}/manifests/v1", {"Accept": OCI_MANIFEST}),
        "blob HEAD": ("HEAD", f"/v2/{REPO}/blobs/{digest}", {}),
    }


def _record(session: requests.Session, base: str,
            operations: dict[str, tuple[str, str, dict[str, str]]]) -> Canned:
    canned: Canned = {}
    for method, path, headers in operations.values():
        response = session.request(method, base + path, headers=headers)
        if response.status_code != 200:
            raise BenchmarkError(f"the fake answered {method} {path} with "
                                 f"{response.status_code}: {response.text[:300]}")
        canned[(method, path)] = (response.status_code, list(response.headers.items()),
                                  response.content)
    return canned


def _burst(session: requests.Session, url: str, method: str, headers: dict[str, str],
           expected: bytes, count: int) -> float:
    """Mean seconds per request over ``count`` identical requests."""
    request = session.request
    began = time.perf_counter()
    for _ in range(count):
        response = request(method, url, headers=headers)
        if response.status_code != 200 or response.content != expected:
            raise BenchmarkError(f"{method} {url} answered {response.status_code}")
    return (time.perf_counter() - began) / count


def run(counts: dict[str, int]) -> list[Row]:
    rounds, per_round = counts["request_rounds"], counts["requests_per_round"]
    with FakeRegistry() as fake:
        operations = _seed(fake)
        with requests.Session() as recorder:
            canned = _record(recorder, fake.url, operations)
        stub = LoopbackServer(CannedApp({key: Response(status, list(headers), body)
                                         for key, (status, headers, body) in canned.items()}))
        with stub, _HttpServerStub(canned) as floor:
            targets = {"fake": fake.url, "canned": stub.url, "http.server": floor.url}
            sessions = {name: requests.Session() for name in targets}
            try:
                timings = _interleave(targets, sessions, operations, canned, rounds, per_round)
            finally:
                for session in sessions.values():
                    session.close()

    rows = []
    for op, per_target in timings.items():
        fake_s = median(per_target["fake"])
        canned_s = median(per_target["canned"])
        floor_s = median(per_target["http.server"])
        paired = [f / c for f, c in zip(per_target["fake"], per_target["canned"], strict=True)]
        paired_floor = [f / h for f, h in
                        zip(per_target["fake"], per_target["http.server"], strict=True)]
        ratio = median(paired)
        rows.append(Row(
            SECTION,
            f"{op}, keep-alive (median of {rounds} rounds x {per_round} requests)",
            fmt_us(fake_s),
            reference=f"canned stub {fmt_us(canned_s)}; http.server stub {fmt_us(floor_s)}",
            ratio=f"{ratio:.2f}x canned (IQR {percentile(paired, 25):.2f}-"
                  f"{percentile(paired, 75):.2f}); {median(paired_floor):.2f}x http.server",
            goal="≤ 1.5x canned",
            met=ratio <= RATIO_GOAL,
            data={
                "seconds_per_request": {k: median(v) for k, v in per_target.items()},
                "rounds": per_target,
                "ratio_fake_canned": ratio,
                "ratio_fake_canned_of_medians": fake_s / canned_s,
                "ratio_fake_http_server": median(paired_floor),
                "fake_minus_canned_seconds": fake_s - canned_s,
            },
        ))
    return rows


def _interleave(
    targets: dict[str, str], sessions: dict[str, requests.Session],
    operations: dict[str, tuple[str, str, dict[str, str]]], canned: Canned,
    rounds: int, per_round: int,
) -> dict[str, dict[str, list[float]]]:
    names = list(targets)
    timings: dict[str, dict[str, list[float]]] = {
        op: {name: [] for name in names} for op in operations
    }
    for name in names:  # open the connections, warm caches and code paths
        for method, path, headers in operations.values():
            _burst(sessions[name], targets[name] + path, method, headers,
                   canned[(method, path)][2], max(20, per_round // 5))
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for op, (method, path, headers) in operations.items():
            expected = canned[(method, path)][2]
            for name in order:
                timings[op][name].append(_burst(
                    sessions[name], targets[name] + path, method, headers, expected, per_round))
    return timings
