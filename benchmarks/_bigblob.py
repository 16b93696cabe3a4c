"""Benchmark 4: peak memory of the fake while a large blob is pushed in chunks.

The fake runs in its own process (``python -m fakes.cli serve artifacts``) so
that its peak resident set (``VmHWM`` in ``/proc/<pid>/status``) is its own.
The client pushes the blob as an upload session: ``POST`` to start, one
``PATCH`` per chunk with ``Content-Range``, then ``PUT ?digest=`` with no body.
It makes each chunk when it is about to send it (seeded pseudo-random bytes,
so the data does not compress or deduplicate anywhere) and hashes as it goes,
so the client holds one chunk at a time, never the blob.

Reported: ``VmHWM`` after a warm-up request and after the push; the growth
divided by the blob size is the number that has a goal (< 2). For information,
how much pulling the blob back (streamed, digest checked) adds to that peak,
and the push throughput.
"""

from __future__ import annotations

import hashlib
import random
import time

import requests

from benchmarks._common import (
    Row,
    expect,
    fake_subprocess,
    fmt_mib,
    peak_rss,
)

SECTION = "4. large blob, chunked push"
GROWTH_GOAL = 2.0
REPO = "bench/large"


def run(counts: dict[str, int]) -> list[Row]:
    size = counts["blob_mib"] * 2**20
    chunk = counts["chunk_mib"] * 2**20
    with fake_subprocess() as served, requests.Session() as session:
        base = served.url
        expect(session.get(f"{base}/v2/"), 200, "version check")
        before = peak_rss(served.pid)

        source = random.Random(20260101)
        hasher = hashlib.sha256()
        began = time.perf_counter()
        started = session.post(f"{base}/v2/{REPO}/blobs/uploads/")
        expect(started, 202, "upload start")
        location = started.headers["Location"]
        offset = 0
        while offset < size:
            piece = source.randbytes(min(chunk, size - offset))
            hasher.update(piece)
            sent = session.patch(location, data=piece, headers={
                "Content-Type": "application/octet-stream",
                "Content-Range": f"{offset}-{offset + len(piece) - 1}",
            })
            expect(sent, 202, f"chunk at offset {offset}")
            location = sent.headers["Location"]
            offset += len(piece)
            del piece
        digest = f"sha256:{hasher.hexdigest()}"
        separator = "&" if "?" in location else "?"
        closed = session.put(f"{location}{separator}digest={digest}",
                             headers={"Content-Length": "0"})
        expect(closed, 201, "upload close")
        push_seconds = time.perf_counter() - began
        after_push = peak_rss(served.pid)

        pulled = hashlib.sha256()
        received = 0
        with session.get(f"{base}/v2/{REPO}/blobs/{digest}", stream=True) as response:
            expect(response, 200, "blob pull")
            for part in response.iter_content(1 << 20):
                pulled.update(part)
                received += len(part)
        if received != size or f"sha256:{pulled.hexdigest()}" != digest:
            raise RuntimeError("the pulled blob differs from the pushed one")
        after_pull = peak_rss(served.pid)

    growth = after_push["VmHWM"] - before["VmHWM"]
    pull_growth = after_pull["VmHWM"] - after_push["VmHWM"]
    ratio = growth / size
    data = {
        "blob_bytes": size, "chunk_bytes": chunk, "push_seconds": push_seconds,
        "before": before, "after_push": after_push, "after_pull": after_pull,
        "growth_push_bytes": growth, "growth_pull_bytes": pull_growth,
    }
    mib = counts["blob_mib"]
    return [
        Row(
            SECTION,
            f"{mib} MiB blob in {counts['chunk_mib']} MiB PATCH chunks to `fakes serve`: "
            "peak RSS growth (VmHWM after - before)",
            f"{fmt_mib(growth)} (VmHWM {fmt_mib(before['VmHWM'])} → "
            f"{fmt_mib(after_push['VmHWM'])})",
            reference=f"blob {fmt_mib(size)}",
            ratio=f"{ratio:.2f}x blob",
            goal="< 2x blob",
            met=ratio < GROWTH_GOAL,
            data=data,
        ),
        Row(
            SECTION, "… then pulled back (streamed `GET`, digest checked): "
            "VmHWM added by the pull",
            fmt_mib(pull_growth), reference=f"blob {fmt_mib(size)}",
            ratio=f"{pull_growth / size:.2f}x blob",
        ),
        Row(
            SECTION, "push throughput (client makes and hashes the data too)",
            f"{size / 2**20 / push_seconds:.0f} MiB/s",
        ),
    ]
