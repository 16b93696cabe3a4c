"""Benchmark 7: reconciliation examples per second (``fakes.reconciliation``).

A small reconciler keeps a repository's tags where a desired state says (tag → a
1 KiB blob's content): it lists the tags, reads each tag's manifest, pushes what is
missing or moved and deletes what is no longer desired, through one keep-alive
``requests.Session`` that reads no proxy settings from the environment. The
harness runs its state machine against the artifact store fake (reset between
examples, server kept running): desired-state changes, reconcile
runs (each successful one checked for idempotency by a second run), drift through
the seeding API, throttling and lost responses, and the convergence check at the end
of each example. Measured: examples per second, at 10 steps per example, and the
same state machine with a reconciler that makes no request (the harness's and
Hypothesis's own cost: the ceiling for any reconciler).
"""

from __future__ import annotations

import json
import time
from typing import Any

import attrs
import requests
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


class TagSync:
    """The reconciler: make ``REPO``'s tags exactly the desired ones."""

    def __init__(self, base: str) -> None:
        self.base = f"{base}/v2/{REPO}"
        self.session = requests.Session()
        # No proxy lookup in the environment on every request (a third of requests'
        # own cost); a reconciler talking to a loopback fake needs none.
        self.session.trust_env = False

    def current(self) -> dict[str, str]:
        listed = self.session.get(f"{self.base}/tags/list")
        if listed.status_code == 404:
            return {}
        listed.raise_for_status()
        return {tag: self._digest(tag) for tag in listed.json().get("tags") or []}

    def _digest(self, tag: str) -> str:
        head = self.session.head(f"{self.base}/manifests/{tag}",
                                 headers={"Accept": OCI_MANIFEST})
        head.raise_for_status()
        return head.headers["Docker-Content-Digest"]

    def reconcile(self, desired: Desired) -> None:
        current = self.current()
        for tag in sorted(set(current) - set(desired)):
            self.session.delete(f"{self.base}/manifests/{tag}").raise_for_status()
        for tag, content in sorted(desired.items()):
            manifest = _manifest(content)
            if current.get(tag) == digest_of(manifest):
                continue
            for blob in (EMPTY, content):
                self.session.post(f"{self.base}/blobs/uploads/?digest={digest_of(blob)}",
                                  data=blob).raise_for_status()
            self.session.put(f"{self.base}/manifests/{tag}", data=manifest,
                             headers={"Content-Type": OCI_MANIFEST}).raise_for_status()

    def observe(self) -> dict[str, str]:
        return self.current()


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=10, deadline=None,
                    derandomize=True, database=None)


def run(counts: dict[str, Any]) -> list[Row]:
    examples = counts["reconcile_examples"]
    with FakeRegistry() as fake:
        sync = TagSync(fake.url)
        contents = st.sampled_from([b"a" * 1024, b"b" * 1024, b"c" * 1024])
        harness = Reconciler(
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
        sent = 0

        def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            nonlocal sent
            sent += 1

        sync.session.hooks["response"].append(count)
        started = time.perf_counter()
        harness.check(settings=_settings(examples))
        elapsed = time.perf_counter() - started
        remembered: dict[str, Desired] = {}
        idle = attrs.evolve(harness, reconcile=lambda desired: remembered.update(d=desired),
                            observe=lambda: remembered.get("d"),
                            converged=lambda desired, observed: desired == observed)
        started = time.perf_counter()
        idle.check(settings=_settings(examples))
        idle_elapsed = time.perf_counter() - started
    rate, ceiling = examples / elapsed, examples / idle_elapsed
    return [
        Row(SECTION, "artifact store: tag-sync reconciler, 10 steps per example",
            f"{rate:.0f} examples/s", f"{sent / examples:.0f} HTTP requests per example, "
            f"{elapsed / sent * 1e3:.2f} ms each in all", "—",
            f"≥ {EXAMPLES_GOAL:.0f} examples/s", rate >= EXAMPLES_GOAL,
            {"examples": examples, "seconds": elapsed, "requests": sent}),
        Row(SECTION, "the same state machine, a reconciler that sends no request "
                     "(the harness and Hypothesis alone)",
            f"{ceiling:.0f} examples/s", data={"examples": examples,
                                               "seconds": idle_elapsed})]
