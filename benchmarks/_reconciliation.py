"""Benchmark 7: reconciliation examples per second (``fakes.reconciliation``).

A small reconciler keeps a repository's tags where a desired state says (tag → a
1 KiB blob's content): it lists the tags, reads each tag's manifest, pushes what is
missing or moved and deletes what is no longer desired, over one keep-alive
connection: through ``requests`` (as most reconcilers are written), through urllib3
directly (the same requests without requests' own per-request work) and through the
standard library's ``http.client`` (the least client work Python offers). The
harness runs its state machine against the artifact store fake (reset between
examples, server kept running): desired-state changes, reconcile
runs (each successful one checked for idempotency by a second run), drift through
the seeding API, throttling and lost responses, and the convergence check at the end
of each example. Measured: examples per second, at 10 steps per example, and the
same state machine with a reconciler that makes no request (the harness's and
Hypothesis's own cost: the ceiling for any reconciler).
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import attrs
import requests
import urllib3
from hypothesis import settings
from hypothesis import strategies as st

from benchmarks._common import OCI_EMPTY, OCI_LAYER, OCI_MANIFEST, Row
from fakes.artifacts import FakeRegistry, digest_of
from fakes.faults import LostResponse, Throttle
from fakes.reconciliation import Drift, Injection, Reconciler

SECTION = "7. reconciliation examples"
EXAMPLES_GOAL = 100.0
REPO = "bench/app"
EMPTY = b"{}"
Desired = dict[str, bytes]


def _manifest(content: bytes) -> bytes:
    config = {"mediaType": OCI_EMPTY, "digest": digest_of(EMPTY), "size": len(EMPTY)}
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config,
                       "layers": [{"mediaType": OCI_LAYER, "digest": digest_of(content),
                                   "size": len(content)}]}).encode()


class HttpError(Exception):
    """The registry refused a request; the reconcile run stops (the next one retries)."""


class RequestsClient:
    """One keep-alive ``requests.Session``, as most reconcilers use. It reads no proxy
    settings from the environment on every request (a third of requests' own cost);
    a reconciler talking to a loopback fake needs none."""

    name = "requests"

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        self.sent = 0

    def send(self, method: str, url: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Mapping[str, str], bytes]:
        self.sent += 1
        answer = self.session.request(method, url, data=body, headers=headers)
        return answer.status_code, answer.headers, answer.content


class Urllib3Client:
    """urllib3's pool directly: the library requests is built on, without requests'
    per-request preparation (cookies, hooks, settings merges)."""

    name = "urllib3"

    def __init__(self) -> None:
        self.pool = urllib3.PoolManager(retries=False)
        self.sent = 0

    def send(self, method: str, url: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Mapping[str, str], bytes]:
        self.sent += 1
        answer = self.pool.request(method, url, body=body, headers=headers, redirect=False)
        return answer.status, answer.headers, answer.data


class HttpClientClient:
    """The standard library's ``http.client``, one kept-alive connection: the least
    client-side work per request a Python reconciler can do."""

    name = "http.client"

    def __init__(self, base: str) -> None:
        self.netloc = urlsplit(base).netloc
        self.connection = http.client.HTTPConnection(self.netloc, timeout=10)
        self.sent = 0

    def send(self, method: str, url: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Mapping[str, str], bytes]:
        self.sent += 1
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            self.connection.request(method, target, body=body, headers=headers or {})
            answer = self.connection.getresponse()
            return answer.status, answer.headers, answer.read()
        except (OSError, http.client.HTTPException):
            # a dropped connection (a lost response): the next request opens a new one
            self.connection.close()
            raise


class Client(Protocol):
    name: str
    sent: int

    def send(self, method: str, url: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Mapping[str, str], bytes]:
        ...


class TagSync:
    """The reconciler: make ``REPO``'s tags exactly the desired ones."""

    def __init__(self, base: str, client: Client) -> None:
        self.base = f"{base}/v2/{REPO}"
        self.client = client

    def _call(self, method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None,
              allow: tuple[int, ...] = ()) -> tuple[int, Mapping[str, str], bytes]:
        status, fields, content = self.client.send(method, self.base + path, body, headers)
        if status >= 400 and status not in allow:
            raise HttpError(f"{method} {path}: {status}")
        return status, fields, content

    def current(self) -> dict[str, str]:
        status, _, listed = self._call("GET", "/tags/list", allow=(404,))
        if status == 404:
            return {}
        return {tag: self._digest(tag) for tag in json.loads(listed).get("tags") or []}

    def _digest(self, tag: str) -> str:
        _, fields, _ = self._call("HEAD", f"/manifests/{tag}", headers={"Accept": OCI_MANIFEST})
        return fields["Docker-Content-Digest"]

    def reconcile(self, desired: Desired) -> None:
        current = self.current()
        for tag in sorted(set(current) - set(desired)):
            self._call("DELETE", f"/manifests/{tag}")
        for tag, content in sorted(desired.items()):
            manifest = _manifest(content)
            if current.get(tag) == digest_of(manifest):
                continue
            for blob in (EMPTY, content):
                self._call("POST", f"/blobs/uploads/?digest={digest_of(blob)}", blob)
            self._call("PUT", f"/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST})

    def observe(self) -> dict[str, str]:
        return self.current()


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=10, deadline=None,
                    derandomize=True, database=None)


def _harness(fake: FakeRegistry, sync: TagSync) -> Reconciler[Desired, dict[str, str]]:
    contents = st.sampled_from([b"a" * 1024, b"b" * 1024, b"c" * 1024])
    return Reconciler(
        fakes=[fake], actor="anonymous",
        desired=st.dictionaries(st.sampled_from(["v1", "v2", "latest"]), contents,
                                max_size=3),
        reconcile=sync.reconcile, observe=sync.observe,
        converged=lambda desired, observed: observed == {
            t: digest_of(_manifest(c)) for t, c in desired.items()},
        drift=[Drift("someone deletes a tag", lambda tag: fake.store.delete_manifest(
            REPO, tag, "seed") if REPO in fake.repositories()
            and tag in fake.tags(REPO) else None, st.sampled_from(["v1", "latest"]))],
        faults=[Injection("throttled", fake, Throttle()),
                Injection("lost manifest put", fake, LostResponse(), on="manifest.put")],
        max_advance=0)


def run(counts: dict[str, Any]) -> list[Row]:
    examples = counts["reconcile_examples"]
    rows = []
    with FakeRegistry() as fake:
        clients: list[Client] = [RequestsClient(), Urllib3Client(), HttpClientClient(fake.url)]
        for client in clients:
            fake.reset()  # each row starts from an empty registry, not the last example's
            sync = TagSync(fake.url, client)
            started = time.perf_counter()
            _harness(fake, sync).check(settings=_settings(examples))
            elapsed = time.perf_counter() - started
            rate = examples / elapsed
            rows.append(Row(
                SECTION, f"artifact store: tag-sync reconciler over {client.name}, "
                         "10 steps per example",
                f"{rate:.0f} examples/s", f"{client.sent / examples:.0f} HTTP requests per "
                f"example, {elapsed / client.sent * 1e3:.2f} ms each in all", "—",
                f"≥ {EXAMPLES_GOAL:.0f} examples/s", rate >= EXAMPLES_GOAL,
                {"examples": examples, "seconds": elapsed, "requests": client.sent}))
        remembered: dict[str, Desired] = {}
        fake.reset()
        idle = attrs.evolve(_harness(fake, sync),
                            reconcile=lambda desired: remembered.update(d=desired),
                            observe=lambda: remembered.get("d"),
                            converged=lambda desired, observed: desired == observed)
        started = time.perf_counter()
        idle.check(settings=_settings(examples))
        idle_elapsed = time.perf_counter() - started
    ceiling = examples / idle_elapsed
    return [*rows,
            Row(SECTION, "the same state machine, a reconciler that sends no request "
                         "(the harness and Hypothesis alone)",
                f"{ceiling:.0f} examples/s", data={"examples": examples,
                                                   "seconds": idle_elapsed})]
