"""Benchmark 1: how long a ``FakeRegistry`` takes to start, stop and reset.

*Start* is ``FakeRegistry()`` plus ``start()``: when it returns, the socket is
listening (``start()`` binds and listens before it returns). *First answer*
adds one ``GET /v2/`` on a new connection, to show the server thread really
serves. *Reset* is ``reset()`` on a running fake that holds content pushed
through the seeding API (blobs, tagged manifests, journal entries, a fault
rule, a moved clock); the content is put back, untimed, before every reset.
"""

from __future__ import annotations

import gc
import json
import socket
import time
from typing import Any

from benchmarks._common import (
    OCI_EMPTY,
    OCI_LAYER,
    OCI_MANIFEST,
    Row,
    Served,
    distribution,
    fake_subprocess,
    fmt_ms,
    fmt_us,
    summary,
)
from fakes._faults import Throttle
from fakes.artifacts import FakeRegistry, digest_of

SECTION = "1. start and reset"
START_GOAL_S = 0.050
RESET_GOAL_S = 0.001

_PROBE = b"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def _first_answer(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_PROBE)
        head = sock.recv(64)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"the fake answered GET /v2/ with {head!r}")


def measure_start(count: int, warmup: int = 5) -> dict[str, dict[str, float]]:
    started, answered, stopped = [], [], []
    for i in range(warmup + count):
        t0 = time.perf_counter()
        fake = FakeRegistry()
        fake.start()
        t1 = time.perf_counter()
        _first_answer(int(fake.url.rsplit(":", 1)[1]))
        t2 = time.perf_counter()
        fake.stop()
        t3 = time.perf_counter()
        if i >= warmup:
            started.append(t1 - t0)
            answered.append(t2 - t0)
            stopped.append(t3 - t2)
    return {"start": summary(started), "first_answer": summary(answered),
            "stop": summary(stopped)}


class _Content:
    """What each reset has to throw away, prepared once and pushed before each reset."""

    def __init__(self, repositories: int, blobs: int, manifests: int, blob_size: int) -> None:
        self.repositories = [f"team{r}/service" for r in range(repositories)]
        self.blobs = [(b"%08d" % i) * (blob_size // 8) for i in range(blobs)]
        digests = [digest_of(b) for b in self.blobs]
        self.empty = b"{}"
        empty = {"mediaType": OCI_EMPTY, "digest": digest_of(self.empty), "size": 2}
        self.manifests: list[dict[str, Any]] = []
        for m in range(manifests):
            layer = m % len(self.blobs)
            self.manifests.append({
                "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": empty,
                "layers": [{"mediaType": OCI_LAYER, "digest": digests[layer],
                            "size": len(self.blobs[layer])}],
                "annotations": {"build": str(m)},
            })

    def push(self, fake: FakeRegistry) -> None:
        for index, repo in enumerate(self.repositories):
            fake.configure_repository(repo, immutable_tags=index == 0)
            fake.push_blob(repo, self.empty)
            for blob in self.blobs:
                fake.push_blob(repo, blob)
            for m, manifest in enumerate(self.manifests):
                content = json.dumps(manifest).encode()
                fake.push_manifest(repo, content, tag=f"v{m}")
                if index:  # a mutable repository: a second tag that moves
                    fake.push_manifest(repo, content, tag=f"latest-{m % 2}")
        fake.faults.add(Throttle(retry_after=2), on="manifest.put", times=1)
        fake.clock.advance(60)


def measure_reset(content: _Content, count: int) -> tuple[dict[str, float], int]:
    durations = []
    journal_entries = 0
    with FakeRegistry() as fake:
        for _ in range(count):
            content.push(fake)
            journal_entries = len(fake.journal)
            t0 = time.perf_counter()
            fake.reset()
            durations.append(time.perf_counter() - t0)
        if fake.repositories():
            raise RuntimeError("reset() left repositories behind")
    return summary(durations), journal_entries


def measure_launches(count: int, registry: bool) -> dict[str, list[Served]]:
    """Spawn the fake's CLI and docker-registry ``count`` times each; time until ready."""
    launched: dict[str, list[Served]] = {"fake_subprocess": [], "registry": []}
    for _ in range(count):
        with fake_subprocess() as served:
            launched["fake_subprocess"].append(served)
        if registry:
            with distribution() as served:
                launched["registry"].append(served)
    return launched


def run(counts: dict[str, int], registry: bool) -> list[Row]:
    processes = measure_launches(counts["launches"], registry)
    gc.collect()
    starts = measure_start(counts["starts"])
    small = _Content(repositories=3, blobs=10, manifests=5, blob_size=4096)
    reset_small, entries_small = measure_reset(small, counts["resets"])
    large = _Content(repositories=4, blobs=250, manifests=50, blob_size=4096)
    reset_large, entries_large = measure_reset(large, counts["large_resets"])

    rows = []
    s = starts["start"]
    rows.append(Row(
        SECTION, f"start: `FakeRegistry()` + `start()`, listening (n={s['n']:.0f})",
        f"median {fmt_ms(s['median'])}, p95 {fmt_ms(s['p95'])}",
        goal="p95 ≤ 50 ms", met=s["p95"] <= START_GOAL_S, data=starts,
    ))
    a = starts["first_answer"]
    rows.append(Row(
        SECTION, "start → first `GET /v2/` answered (new connection)",
        f"median {fmt_ms(a['median'])}, p95 {fmt_ms(a['p95'])}",
    ))
    st = starts["stop"]
    rows.append(Row(
        SECTION, "stop()", f"median {fmt_ms(st['median'])}, p95 {fmt_ms(st['p95'])}",
    ))
    for name in ("fake_subprocess", "registry"):
        ready = [p.ready_seconds for p in processes.get(name, [])]
        if not ready:
            continue
        r = summary(ready)
        shown = f"median {fmt_ms(r['median'])}, p95 {fmt_ms(r['p95'])}"
        if name == "fake_subprocess":
            rows.append(Row(
                SECTION, "start, `python -m fakes.cli serve artifacts` spawned → URL printed "
                f"(interpreter start and imports included; n={r['n']:.0f})", shown, data=r,
            ))
        else:
            rows.append(Row(
                SECTION, f"docker-registry spawned → `GET /v2/` answered (n={r['n']:.0f})",
                "—", reference=shown, data=r,
            ))
    rows.append(Row(
        SECTION,
        f"reset, {len(small.repositories)} repos / {len(small.blobs) + 1} blobs / "
        f"{len(small.manifests)} manifests, {entries_small} journal entries "
        f"(n={reset_small['n']:.0f})",
        f"median {fmt_us(reset_small['median'])}, p95 {fmt_us(reset_small['p95'])}",
        goal="p95 ≤ 1 ms", met=reset_small["p95"] <= RESET_GOAL_S, data=reset_small,
    ))
    rows.append(Row(
        SECTION,
        f"reset, {len(large.repositories)} repos / {len(large.blobs) + 1} blobs / "
        f"{len(large.manifests)} manifests, {entries_large} journal entries "
        f"(n={reset_large['n']:.0f})",
        f"median {fmt_us(reset_large['median'])}, p95 {fmt_us(reset_large['p95'])}",
        data=reset_large,
    ))
    return rows
