"""Benchmark 3: publish-and-fetch cycles per second, fake vs CNCF distribution.

One cycle, through one keep-alive ``requests.Session`` per target:

1. ``POST /v2/<name>/blobs/uploads/`` → 202 and an upload ``Location``;
2. ``PUT <Location>&digest=…`` with a 1 KiB blob (distinct in every cycle) → 201;
3. ``PUT /v2/<name>/manifests/<tag>`` with an OCI image manifest naming that
   blob as its layer (a new tag every cycle) → 201;
4. ``GET /v2/<name>/manifests/<tag>`` with ``Accept`` → 200 and the same bytes.

Distribution 2.8.2 drops the body of a single-request upload (``POST ?digest=``
with a body answers 202 and stores nothing), so both targets get the two-step
upload above. The manifest's config is the empty descriptor, pushed once.

Targets: the fake in this process (how Python tests use it: it shares the GIL
with the client), the fake in its own process (``python -m fakes.cli serve
artifacts``), and docker-registry with in-memory storage. Rounds interleave
the targets with a rotating order; throughput is the median over rounds, and
the ratio is the median over rounds of fake / registry in the same round.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator

import requests

from benchmarks._common import (
    OCI_EMPTY,
    OCI_LAYER,
    OCI_MANIFEST,
    Row,
    distribution,
    expect,
    fake_subprocess,
    median,
    percentile,
)
from fakes.artifacts import FakeRegistry, digest_of

SECTION = "3. publish-and-fetch cycles"
RATIO_GOAL = 1.0
REPO = "bench/publish"
EMPTY = b"{}"

Payload = tuple[bytes, str, bytes, str]  # blob, its digest, manifest bytes, tag


def _payloads(round_: int, count: int) -> list[Payload]:
    config = {"mediaType": OCI_EMPTY, "digest": digest_of(EMPTY), "size": len(EMPTY)}
    out = []
    for i in range(count):
        blob = (b"round %06d cycle %06d " % (round_, i)).ljust(1024, b".")
        digest = digest_of(blob)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config,
            "layers": [{"mediaType": OCI_LAYER, "digest": digest, "size": len(blob)}],
        }).encode()
        out.append((blob, digest, manifest, f"r{round_}-c{i}"))
    return out


def _upload(session: requests.Session, base: str, blob: bytes, digest: str) -> None:
    started = session.post(f"{base}/v2/{REPO}/blobs/uploads/")
    expect(started, 202, "upload start")
    location = started.headers["Location"]
    if location.startswith("/"):
        location = base + location
    separator = "&" if "?" in location else "?"
    closed = session.put(f"{location}{separator}digest={digest}", data=blob,
                         headers={"Content-Type": "application/octet-stream"})
    expect(closed, 201, "upload close")


def _cycles(session: requests.Session, base: str, payloads: list[Payload]) -> float:
    """Run the cycles; seconds taken."""
    manifest_headers = {"Content-Type": OCI_MANIFEST}
    accept = {"Accept": OCI_MANIFEST}
    began = time.perf_counter()
    for blob, digest, manifest, tag in payloads:
        _upload(session, base, blob, digest)
        pushed = session.put(f"{base}/v2/{REPO}/manifests/{tag}", data=manifest,
                             headers=manifest_headers)
        expect(pushed, 201, "manifest push")
        fetched = session.get(f"{base}/v2/{REPO}/manifests/{tag}", headers=accept)
        expect(fetched, 200, "manifest fetch")
        if fetched.content != manifest:
            raise RuntimeError(f"{base} returned other bytes for the manifest {tag}")
    return time.perf_counter() - began


@contextlib.contextmanager
def _in_process() -> Iterator[str]:
    with FakeRegistry() as fake:
        yield fake.url


@contextlib.contextmanager
def _subprocess() -> Iterator[str]:
    with fake_subprocess() as served:
        yield served.url


@contextlib.contextmanager
def _registry() -> Iterator[str]:
    with distribution() as served:
        yield served.url


def run(counts: dict[str, int], registry: bool) -> list[Row]:
    rounds, per_round = counts["cycle_rounds"], counts["cycles_per_round"]
    starters = {"fake in-process": _in_process, "fake subprocess": _subprocess}
    if registry:
        starters["docker-registry"] = _registry
    with contextlib.ExitStack() as stack:
        urls = {name: stack.enter_context(start()) for name, start in starters.items()}
        sessions = {name: stack.enter_context(requests.Session()) for name in urls}
        for name, url in urls.items():  # the config blob, and a warm-up
            _upload(sessions[name], url, EMPTY, digest_of(EMPTY))
            _cycles(sessions[name], url, _payloads(-1, max(10, per_round // 5)))
        seconds: dict[str, list[float]] = {name: [] for name in urls}
        names = list(urls)
        for r in range(rounds):
            payloads = _payloads(r, per_round)
            for name in names[r % len(names):] + names[: r % len(names)]:
                seconds[name].append(_cycles(sessions[name], urls[name], payloads))

    throughput = {name: [per_round / s for s in values] for name, values in seconds.items()}
    rate = {name: median(values) for name, values in throughput.items()}
    rows = []
    reference = rate.get("docker-registry")
    for name in ("fake in-process", "fake subprocess"):
        data = {"cycles_per_second": rate, "rounds_cycles_per_second": throughput,
                "cycles_per_round": per_round}
        if reference is None:
            rows.append(Row(SECTION, f"{name} (docker-registry not compared)",
                            f"{rate[name]:.0f} cycles/s", data=data))
            continue
        paired = [f / r for f, r in
                  zip(throughput[name], throughput["docker-registry"], strict=True)]
        ratio = median(paired)
        data["ratio_paired_median"] = ratio
        data["ratio_of_medians"] = rate[name] / reference
        rows.append(Row(
            SECTION,
            f"{name} vs docker-registry, 4 requests per cycle "
            f"(median of {rounds} rounds x {per_round} cycles)",
            f"{rate[name]:.0f} cycles/s",
            reference=f"{reference:.0f} cycles/s",
            ratio=f"{ratio:.2f}x (IQR {percentile(paired, 25):.2f}-"
                  f"{percentile(paired, 75):.2f})",
            goal="≥ 1.0x",
            met=ratio >= RATIO_GOAL,
            data=data,
        ))
    return rows
