"""Benchmark 5: the Kubernetes API server fake, through the official Python client.

- **start and reset**: ``FakeCluster()`` constructed and started (listening, its
  kubeconfig written); the first start in a process also makes the TLS CA and
  serving certificate, so it is reported on its own. ``reset()`` is timed on a
  cluster holding a seeded state (small: 10 namespaces x 10 ConfigMaps; large:
  1,000 ConfigMaps), and ``reset(to=snapshot)`` back to that state.
- **cost per request**: ``CoreV1Api.read_namespaced_config_map`` on the fake vs a
  canned stub: ``fakes._server.LoopbackServer`` with the fake's own TLS context,
  answering the fake's recorded response bytes. Same client, same TLS, rounds
  interleaved; the ratio is the median over rounds of fake / stub.
- **RBAC**: a GET by a user whom one RoleBinding of 1,000 allows, through the official
  client, and the fake's authentication and authorization of that request
  (``Access.admit``) timed on its own; goal: at most 10% of the request.
- **cycles**: create, get, replace, delete of one ConfigMap with the same client, on
  the fake and on a real kube-apiserver + etcd started by
  ``conformance/kubernetes/control_plane.py`` (skipped when its binaries are not
  built, and in ``--quick``). Rounds interleave the two targets.
- **paginated list**: ConfigMaps seeded through the model (not HTTP) in 100
  namespaces; a label-selected list across all namespaces (half of the objects
  match) with ``limit=500``, following ``continue`` to the end, timed per full list
  at each size; the growth of this process's RSS while seeding each size.
- **memory**: the Python heap (``tracemalloc``) that seeding 10,000 ConfigMaps keeps,
  with the journal's share (the history behind watches) measured by compacting it.
- **garbage collection**: an ownership tree seeded through the model (a root
  ConfigMap, 100 owners of it, 100 dependents of each: 10,000 objects below the root;
  ``--quick``: 10 owners), then one DELETE of the root through the official client,
  once with ``propagationPolicy: Background`` and once with ``Foreground``; the fake's
  collector runs inside that request, so its time is the time to collect the tree.
- **Deployment rollout**: Deployments (10 to a namespace, 3 replicas each) created
  through the model and run to Available, then rolled out to a new template and run
  to complete, by the fake's Deployment and ReplicaSet controllers, one simulated
  minute (``clock.advance(60)``) at a time. A kubelet stand-in makes every Pod Ready
  at the start of each minute through the status subresource (the fake's own
  scheduler and kubelet are switched off: they look at every Pod of the cluster for
  each Pod, which does not scale to these counts). Wall time per simulated minute,
  minutes to converge, and the growth of this process's RSS.
- **watchers**: raw HTTP watch streams (``requests``) from one resourceVersion, then
  ConfigMap creates through the model, once as a burst and once at a fixed rate; every
  watcher must get every event once, in order. Throughput and delay (arrival minus the
  start of the write).
"""

from __future__ import annotations

import gc
import importlib.util
import itertools
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._common import (
    BenchmarkError,
    CannedApp,
    Row,
    fmt_mib,
    fmt_ms,
    fmt_us,
    median,
    percentile,
    reset_rows,
    time_resets,
)
from fakes._http import Response
from fakes._server import LoopbackServer
from fakes.kubernetes import FakeCluster

SECTION = "5. Kubernetes API server fake"
START_GOAL = 0.050
REQUEST_GOAL = 1.5
CYCLE_GOAL = 1.0
SEED = "bench"


def _client_for(host: str, ca_file: str, token: str) -> Any:
    """An ApiClient configured explicitly: no kubeconfig or environment is read."""
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = host
    configuration.api_key = {"authorization": token}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    configuration.retries = False
    configuration.ssl_ca_cert = ca_file
    configuration.proxy = None
    return client.ApiClient(configuration)


def _configmap(namespace: str, name: str, labels: dict[str, str] | None = None
               ) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
            "data": {"key": "value " + name}}


def _seed_model(fake: FakeCluster, namespaces: int, total: int, *, start: int = 0,
                make_namespaces: bool = True) -> None:
    """Namespaces ns-0.. and ConfigMaps ``start``..``total`` spread over them, through
    the model."""
    store = fake.store
    ns_type = store.types.get("", "v1", "namespaces")
    cm_type = store.types.get("", "v1", "configmaps")
    assert ns_type is not None and cm_type is not None
    if make_namespaces:
        for n in range(namespaces):
            store.create(ns_type, "", {"metadata": {"name": f"ns-{n}"}}, SEED)
    for i in range(start, total):
        namespace = f"ns-{i % namespaces}"
        store.create(cm_type, namespace, _configmap(namespace, f"cm-{i:07d}",
                                                    {"shard": str(i % 2)}), SEED)


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise BenchmarkError("no VmRSS in /proc/self/status")


# -- 1. start and reset ----------------------------------------------------------------------


def _starts(count: int) -> tuple[float, list[float]]:
    began = time.perf_counter()
    fake = FakeCluster().start()
    first = time.perf_counter() - began
    fake.stop()
    times = []
    for _ in range(count):
        began = time.perf_counter()
        fake = FakeCluster().start()
        times.append(time.perf_counter() - began)
        fake.stop()
    return first, times


def _resets(fake: FakeCluster, seed: Callable[[], None], count: int
            ) -> tuple[list[float], list[float]]:
    """(reset() from the seeded state, reset(to=snapshot) back to it)."""
    fake.reset()
    seed()
    return time_resets(fake, count)


def _lifecycle_rows(counts: dict[str, Any]) -> list[Row]:
    first, starts = _starts(counts["k8s_starts"])
    rows = [
        Row(SECTION, "first start in a process (makes the TLS CA and certificate)",
            fmt_ms(first), data={"seconds": first}),
        Row(SECTION, f"start: FakeCluster() + start(), listening ({len(starts)} starts)",
            f"median {fmt_ms(median(starts))}, p95 {fmt_ms(percentile(starts, 95))}",
            goal="p95 ≤ 50 ms", met=percentile(starts, 95) <= START_GOAL,
            data={"seconds": starts}),
    ]
    with FakeCluster() as fake:
        def small() -> None:
            _seed_model(fake, 10, 100)

        def large() -> None:
            _seed_model(fake, 10, 1000)

        for label, seed, n in (("10 namespaces x 10 ConfigMaps", small, counts["k8s_resets"]),
                               ("1,000 ConfigMaps", large, counts["k8s_large_resets"])):
            clear, restore = _resets(fake, seed, n)
            rows += reset_rows(SECTION, label, clear, restore)
    return rows


# -- 2. cost per request ---------------------------------------------------------------------


def _request_rows(counts: dict[str, Any]) -> list[Row]:
    import requests

    from kubernetes import client

    rounds, per_round = counts["k8s_request_rounds"], counts["k8s_requests_per_round"]
    target = "/api/v1/namespaces/x/configmaps/y"
    with FakeCluster() as fake:
        fake.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
        fake.apply(_configmap("x", "y", {"app": "bench"}))
        recorded = requests.get(fake.url + target, verify=fake.ca_file,
                                headers={"Authorization": f"Bearer {fake.token}"}, timeout=10)
        if recorded.status_code != 200:
            raise BenchmarkError(f"the fake answered {recorded.status_code}: {recorded.text}")
        canned = Response(200, [("Content-Type", recorded.headers["Content-Type"])],
                          recorded.content)
        with LoopbackServer(CannedApp({("GET", target): canned}),
                            ssl_context=fake.tls.server_context()) as stub:
            apis = {"fake": client.CoreV1Api(fake.api_client()),
                    "canned": client.CoreV1Api(_client_for(stub.url, fake.ca_file, "x"))}
            timings: dict[str, list[float]] = {name: [] for name in apis}

            def burst(api: Any, count: int) -> float:
                read = api.read_namespaced_config_map
                began = time.perf_counter()
                for _ in range(count):
                    if read("y", "x").data != {"key": "value y"}:
                        raise BenchmarkError("unexpected ConfigMap")
                return (time.perf_counter() - began) / count

            for api in apis.values():
                burst(api, max(20, per_round // 5))
            names = list(apis)
            for r in range(rounds):
                for name in names[r % 2:] + names[: r % 2]:
                    timings[name].append(burst(apis[name], per_round))
            for api in apis.values():
                api.api_client.close()
    paired = [f / c for f, c in zip(timings["fake"], timings["canned"], strict=True)]
    ratio = median(paired)
    return [Row(
        SECTION,
        f"GET ConfigMap, CoreV1Api over TLS, keep-alive (median of {rounds} rounds x "
        f"{per_round} requests)",
        fmt_us(median(timings["fake"])),
        reference=f"canned stub {fmt_us(median(timings['canned']))}",
        ratio=f"{ratio:.2f}x canned (IQR {percentile(paired, 25):.2f}-"
              f"{percentile(paired, 75):.2f})",
        goal="≤ 1.5x canned", met=ratio <= REQUEST_GOAL,
        data={"rounds": timings, "ratio_fake_canned": ratio},
    )]


# -- 2b. RBAC evaluation with 1,000 bindings --------------------------------------------------

RBAC_GOAL = 0.10


def _rbac_rows(counts: dict[str, Any]) -> list[Row]:
    """A GET of a ConfigMap by a user one RoleBinding of 1,000 allows, through the
    official client; the authentication and authorization the fake runs for it
    (``Access.admit``: token, request attributes, RBAC decision), timed on its own."""
    from email.message import Message

    from fakes._http import Request
    from fakes.kubernetes import User
    from kubernetes import client

    rounds, per_round = counts["k8s_request_rounds"], counts["k8s_requests_per_round"]
    token = "bench-reader"
    with FakeCluster(users={token: User("reader", ("readers",))}) as fake:
        rbac = "rbac.authorization.k8s.io/v1"
        fake.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
        fake.apply(_configmap("x", "y"))
        fake.apply({"apiVersion": rbac, "kind": "Role", "metadata": {"name": "read",
                    "namespace": "x"}, "rules": [{"verbs": ["get"], "apiGroups": [""],
                                                  "resources": ["configmaps"]}]})
        for n in range(999):  # bindings of other users, in the same namespace
            fake.apply({"apiVersion": rbac, "kind": "RoleBinding",
                        "metadata": {"name": f"other-{n}", "namespace": "x"},
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                    "kind": "Role", "name": "read"},
                        "subjects": [{"kind": "User", "name": f"user-{n}",
                                      "apiGroup": "rbac.authorization.k8s.io"}]},
                       actor=SEED)
        fake.apply({"apiVersion": rbac, "kind": "RoleBinding",
                    "metadata": {"name": "readers", "namespace": "x"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                "name": "read"},
                    "subjects": [{"kind": "Group", "name": "readers",
                                  "apiGroup": "rbac.authorization.k8s.io"}]})
        api = client.CoreV1Api(_client_for(fake.url, fake.ca_file, token))
        began = time.perf_counter()
        api.read_namespaced_config_map("y", "x")  # the first request builds the index
        first = time.perf_counter() - began
        headers = Message()
        headers["Authorization"] = f"Bearer {token}"
        request = Request("GET", "/api/v1/namespaces/x/configmaps/y", headers, b"",
                          fake.url)
        adapter = fake._mounts[0][1]
        requests_, checks = [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(per_round):
                api.read_namespaced_config_map("y", "x")
            requests_.append((time.perf_counter() - t0) / per_round)
            t0 = time.perf_counter()
            for _ in range(per_round):
                if adapter.access.admit(request, fake.store).name != "reader":
                    raise BenchmarkError("the reader was not admitted")
            checks.append((time.perf_counter() - t0) / per_round)
        api.api_client.close()
    paired = [c / r for c, r in zip(checks, requests_, strict=True)]
    share = median(paired)
    return [Row(
        SECTION,
        f"RBAC with 1,000 RoleBindings: authentication + authorization of a GET "
        f"(median of {rounds} rounds x {per_round}), vs the whole request through CoreV1Api",
        fmt_us(median(checks)),
        reference=f"request {fmt_us(median(requests_))}; first request (builds the "
                  f"policy index) {fmt_ms(first)}",
        ratio=f"{share:.1%} of a request",
        goal="≤ 10% of a request", met=share <= RBAC_GOAL,
        data={"checks": checks, "requests": requests_, "share": share, "first": first},
    )]


# -- 3. cycles, fake vs a real kube-apiserver ------------------------------------------------


def _cycles(api: Any, namespace: str, tag: str, count: int) -> float:
    """Seconds for ``count`` create/get/replace/delete cycles."""
    began = time.perf_counter()
    for i in range(count):
        name = f"c-{tag}-{i}"
        body = _configmap(namespace, name)
        api.create_namespaced_config_map(namespace, body)
        got = api.read_namespaced_config_map(name, namespace)
        got.data = {"key": "changed"}
        api.replace_namespaced_config_map(name, namespace, got)
        api.delete_namespaced_config_map(name, namespace)
    return time.perf_counter() - began


def _cycle_rows(counts: dict[str, Any], real: bool) -> list[Row]:
    from kubernetes import client

    rounds, per_round = counts["k8s_cycle_rounds"], counts["k8s_cycles_per_round"]
    namespace = "bench"
    note = None
    with FakeCluster() as fake:
        apis = {"fake": client.CoreV1Api(fake.api_client())}
        plane = None
        if real:
            try:
                from fakes.conformance.kubernetes.control_plane import ControlPlane
                plane = ControlPlane(kwok=False).start()
            except Exception as error:  # binaries missing, or it failed to start
                note = f"real kube-apiserver not run: {type(error).__name__}: {error}"[:300]
                plane = None
        try:
            if plane is not None:
                apis["real"] = client.CoreV1Api(_client_for(
                    plane.url, str(plane.ca_file), plane.admin_token))
            for api in apis.values():
                api.create_namespace(client.V1Namespace(
                    metadata=client.V1ObjectMeta(name=namespace)))
                _cycles(api, namespace, "warm", 5)
            names = list(apis)
            rates: dict[str, list[float]] = {name: [] for name in names}
            for r in range(rounds):
                for name in names[r % len(names):] + names[: r % len(names)]:
                    rates[name].append(per_round / _cycles(apis[name], namespace, f"r{r}",
                                                           per_round))
            for api in apis.values():
                api.api_client.close()
        finally:
            if plane is not None:
                plane.stop()
    label = (f"create/get/replace/delete ConfigMap cycles, CoreV1Api (median of {rounds} "
             f"rounds x {per_round})")
    if "real" not in rates:
        return [Row(SECTION, label, f"{median(rates['fake']):.0f} cycles/s",
                    reference=note or "real kube-apiserver not run (--quick)",
                    data={"rates": rates})]
    paired = [f / r for f, r in zip(rates["fake"], rates["real"], strict=True)]
    ratio = median(paired)
    return [Row(
        SECTION, label, f"{median(rates['fake']):.0f} cycles/s",
        reference=f"kube-apiserver v1.37.2 + etcd {median(rates['real']):.0f} cycles/s",
        ratio=f"{ratio:.2f}x (IQR {percentile(paired, 25):.2f}-{percentile(paired, 75):.2f})",
        goal="≥ 1.0x", met=ratio >= CYCLE_GOAL, data={"rates": rates, "ratio": ratio})]


# -- 4. paginated label-selected list --------------------------------------------------------


def _full_list(api: Any) -> int:
    seen, token = 0, None
    while True:
        page = api.list_config_map_for_all_namespaces(
            label_selector="shard=0", limit=500, _continue=token)
        seen += len(page.items)
        token = page.metadata._continue
        if not token:
            return seen


def _list_rows(counts: dict[str, Any]) -> list[Row]:
    from kubernetes import client

    rows = []
    per_object: dict[int, float] = {}
    with FakeCluster() as fake:
        api = client.CoreV1Api(fake.api_client())
        _seed_model(fake, 100, 0)
        seeded = 0
        for size in counts["k8s_list_sizes"]:
            gc.collect()
            rss_before = _rss()
            began = time.perf_counter()
            _seed_model(fake, 100, size, start=seeded, make_namespaces=False)
            seed_seconds = time.perf_counter() - began
            gc.collect()
            grown = _rss() - rss_before
            added = size - seeded
            seeded = size
            # A full list of 100,000 takes tens of seconds: one is enough there.
            repeats = max(3, counts["k8s_list_repeats"] * 1000 // size) if size <= 10_000 else 1
            times = []
            for _ in range(repeats):
                began = time.perf_counter()
                seen = _full_list(api)
                times.append(time.perf_counter() - began)
                if seen != size // 2:
                    raise BenchmarkError(f"the list returned {seen} of {size // 2}")
            per_object[size] = median(times) / (size // 2)
            rows.append(Row(
                SECTION,
                f"{size:,} ConfigMaps in 100 namespaces: list shard=0 ({size // 2:,} match), "
                f"limit=500, all pages ({repeats} lists)",
                f"median {fmt_ms(median(times))}, p95 {fmt_ms(percentile(times, 95))}",
                reference=f"{fmt_us(per_object[size])} per object returned",
                data={"seconds": times, "seed_seconds": seed_seconds,
                      "rss_growth_bytes": grown, "added": added}))
            rows.append(Row(
                SECTION, f"seeding {added:,} ConfigMaps through the model (to {size:,})",
                f"{seed_seconds:.2f} s; RSS +{fmt_mib(grown)} "
                f"({fmt_mib(grown * 10_000 / added)} per 10k)",
                data={"seed_seconds": seed_seconds, "rss_growth_bytes": grown}))
        api.api_client.close()
    sizes = sorted(per_object)
    for small, big in itertools.pairwise(sizes):
        growth = per_object[big] / per_object[small]
        rows.append(Row(
            SECTION, f"scaling {small:,} → {big:,} ({big // small}x the objects): time per "
                     "object returned",
            f"{growth:.2f}x ({'worse than linear' if growth > 1.2 else 'about linear'})",
            data={"per_object_seconds": {str(k): v for k, v in per_object.items()}}))
    return rows


def _memory_rows(counts: dict[str, Any]) -> list[Row]:
    """Python heap kept by 10,000 ConfigMaps (store and journal), traced with tracemalloc
    on a cluster of its own, so that nothing else in the process is counted."""
    import tracemalloc

    objects = counts["k8s_memory_objects"]
    fake = FakeCluster()  # not started: the heap of the model alone
    _seed_model(fake, 100, 0)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _seed_model(fake, 100, objects, make_namespaces=False)
        gc.collect()
        after_seed = tracemalloc.get_traced_memory()[0]
        fake.journal.compact(fake.journal.last)  # what the store holds without history
        gc.collect()
        store_only = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    total, journal = after_seed - before, after_seed - store_only
    scale = 10_000 / objects
    return [Row(
        SECTION, f"memory: {objects:,} ConfigMaps (one label, one data key each) seeded "
                 "through the model, traced Python heap (tracemalloc)",
        f"{fmt_mib(total * scale)} per 10k objects "
        f"({total / objects / 1024:.1f} KiB each)",
        reference=f"of which the journal's history {fmt_mib(journal * scale)} per 10k",
        data={"objects": objects, "bytes": total, "journal_bytes": journal})]


# -- 5. garbage collection ------------------------------------------------------------------

def _seed_tree(fake: FakeCluster, namespace: str, owners: int, each: int) -> None:
    """A root ConfigMap, ``owners`` ConfigMaps it owns, ``each`` dependents of each
    (blocking their owner's foreground deletion), through the model."""
    store = fake.store
    cm_type = store.types.get("", "v1", "configmaps")
    assert cm_type is not None

    def made(name: str, owner: dict[str, Any] | None) -> dict[str, Any]:
        body = _configmap(namespace, name)
        if owner is not None:
            body["metadata"]["ownerReferences"] = [{
                "apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"], "blockOwnerDeletion": True}]
        return store.create(cm_type, namespace, body, SEED)

    root = made("root", None)
    for o in range(owners):
        owner = made(f"owner-{o:03d}", root)
        for d in range(each):
            made(f"dep-{o:03d}-{d:03d}", owner)


def _gc_rows(counts: dict[str, Any]) -> list[Row]:
    owners, each = counts["k8s_gc_tree"]
    rows = []
    for policy in ("Background", "Foreground"):
        with FakeCluster() as fake:
            api = fake.api_client()
            from kubernetes import client

            core = client.CoreV1Api(api)
            core.create_namespace({"metadata": {"name": "tree"}})
            _seed_tree(fake, "tree", owners, each)
            gc.collect()
            started = time.perf_counter()
            core.delete_namespaced_config_map("root", "tree", propagation_policy=policy)
            elapsed = time.perf_counter() - started
            left = sum(1 for c in fake.list("ConfigMap", "tree")  # (not kube-root-ca.crt)
                       if c["metadata"]["name"].startswith(("root", "owner-", "dep-")))
            api.close()
        if left:
            raise BenchmarkError(f"{left} objects of the tree were not collected")
        objects = owners * each + owners
        rows.append(Row(
            SECTION, f"garbage collection: DELETE of the root of a {owners} x {each} "
                     f"ownership tree ({objects:,} dependents), propagationPolicy {policy}, "
                     "until all are gone",
            f"{elapsed:.2f} s ({fmt_us(elapsed / objects)} per object)",
            data={"owners": owners, "each": each, "policy": policy, "seconds": elapsed}))
    return rows


# -- 5. watchers -----------------------------------------------------------------------------


def _watcher(url: str, ca_file: str, token: str, expected: int, ready: threading.Barrier,
             out: list[tuple[float, str, str, int]], errors: list[str]) -> None:
    """Stream one watch with ``requests``; record (arrival, type, name, resourceVersion)."""
    import requests

    try:
        with requests.get(url, stream=True, verify=ca_file, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as response:
            ready.wait(timeout=60)
            if response.status_code != 200:
                errors.append(f"watch answered {response.status_code}")
                return
            for line in response.iter_lines():
                arrived = time.perf_counter()
                event = json.loads(line)
                meta = event["object"]["metadata"]
                out.append((arrived, event["type"], meta["name"],
                            int(meta["resourceVersion"])))
                if len(out) >= expected:
                    return
    except Exception as error:  # reported with the results, not raised in a thread
        errors.append(f"{type(error).__name__}: {error}")


def _watch_rows(counts: dict[str, Any]) -> list[Row]:
    rows = [_watch_row(counts, rate=None)]
    if counts.get("k8s_watch_rate"):
        rows.append(_watch_row(counts, rate=counts["k8s_watch_rate"]))
    return rows


def _watch_row(counts: dict[str, Any], rate: float | None) -> Row:
    """``rate`` None: the writes go as fast as the model takes them (a burst: delay is
    mostly queueing); a number: that many writes per second, for a steady-state delay."""
    watchers, changes = counts["k8s_watchers"], counts["k8s_watch_changes"]
    with FakeCluster() as fake:
        fake.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "w"}})
        cm_type = fake.store.types.get("", "v1", "configmaps")
        assert cm_type is not None
        since = fake.store.journal.last
        url = (f"{fake.url}/api/v1/namespaces/w/configmaps?watch=1"
               f"&resourceVersion={since}")
        ready = threading.Barrier(watchers + 1)
        received: list[list[tuple[float, str, str, int]]] = [[] for _ in range(watchers)]
        errors: list[str] = []
        threads = [threading.Thread(target=_watcher, daemon=True,
                                    args=(url, fake.ca_file, fake.token, changes, ready,
                                          received[i], errors))
                   for i in range(watchers)]
        for thread in threads:
            thread.start()
        ready.wait(timeout=60)  # every watch has its response headers
        written: list[float] = []
        began = time.perf_counter()
        for i in range(changes):
            if rate is not None:  # the i-th write is due at began + i / rate
                pause = began + i / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            written.append(time.perf_counter())
            fake.store.create(cm_type, "w", _configmap("w", f"w-{i:05d}"), SEED)
        write_seconds = time.perf_counter() - began
        for thread in threads:
            thread.join(timeout=max(1.0, 60 - (time.perf_counter() - began)))
        elapsed = max((e[0] for got in received for e in got), default=began) - began
    names = [f"w-{i:05d}" for i in range(changes)]
    complete = sum(1 for got in received
                   if [(t, n) for _, t, n, _ in got] == [("ADDED", n) for n in names])
    versions_ordered = all(all(a[3] < b[3] for a, b in itertools.pairwise(got))
                           for got in received)
    # Event j of a complete watcher is the j-th write; an incomplete one is judged above.
    delays = [got_at - written[j] for got in received
              for j, (got_at, _, _, _) in enumerate(got) if j < len(written)]
    delivered = sum(len(got) for got in received)
    ok = complete == watchers and versions_ordered and not errors
    pace = ("as fast as it goes" if rate is None
            else f"at {rate:,.0f} writes/s, {write_seconds:.1f} s of writing")
    return Row(
        SECTION,
        f"{watchers} watchers x {changes} ConfigMap creates (written through the model "
        f"{pace}; raw HTTP streaming with requests, in this process)",
        f"{delivered / elapsed:,.0f} events/s delivered; delay median "
        f"{fmt_ms(median(delays))}, p99 {fmt_ms(percentile(delays, 99))}",
        reference=f"{complete}/{watchers} watchers got every event once, in order"
                  + (f"; errors: {errors[:3]}" if errors else ""),
        goal="every event once, in order", met=ok,
        data={"elapsed_seconds": elapsed, "write_seconds": write_seconds,
              "delivered": delivered, "complete_watchers": complete,
              "delay_p50": median(delays), "delay_p99": percentile(delays, 99),
              "rate": rate, "errors": errors[:10]})


# -- 5. a Deployment rollout ------------------------------------------------------------------

def _deployment(namespace: str, name: str, replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {
                         "containers": [{"name": "web", "image": "nginx"}]}}}}


def _make_pods_ready(fake: FakeCluster) -> int:
    """The kubelet's part: every Pod not yet Ready runs and is Ready now."""
    pods = fake.store.types.get("", "v1", "pods")
    assert pods is not None
    now = fake.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    marked = 0
    for pod in fake.list("Pod"):
        if pod["metadata"].get("deletionTimestamp") or \
                (pod.get("status") or {}).get("phase") == "Running":
            continue
        pod["status"] = {**(pod.get("status") or {}), "phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": now}]}
        fake.store.update(pods, pod["metadata"]["namespace"], pod["metadata"]["name"], pod,
                          SEED, subresource="status")
        marked += 1
    return marked


def _converged(fake: FakeCluster, replicas: int) -> bool:
    for deployment in fake.list("Deployment"):
        status = deployment.get("status") or {}
        if (status.get("updatedReplicas"), status.get("availableReplicas"),
                status.get("replicas")) != (replicas, replicas, replicas):
            return False
    return True


def _run_minutes(fake: FakeCluster, replicas: int, limit: int = 30) -> list[float]:
    """Simulated minutes until every Deployment has all its Pods updated and available;
    the wall time of each."""
    times = []
    for _ in range(limit):
        started = time.perf_counter()
        _make_pods_ready(fake)
        fake.clock.advance(60)
        times.append(time.perf_counter() - started)
        if _converged(fake, replicas):
            return times
    raise BenchmarkError(f"the Deployments did not converge in {limit} simulated minutes")


def _rollout_rows(counts: dict[str, Any]) -> list[Row]:
    total, replicas = counts["k8s_rollout_deployments"], 3
    fake = FakeCluster(controllers=["deployment", "replicaset"])
    fake.stages.disable(*fake.stages.names)
    namespaces = max(1, total // 10)
    for index in range(namespaces):
        fake.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{index}"}})
    gc.collect()
    rss_before = _rss()
    started = time.perf_counter()
    for index in range(total):
        fake.apply(_deployment(f"ns-{index % namespaces}", f"web-{index}", replicas))
    create = time.perf_counter() - started
    up = _run_minutes(fake, replicas)
    for deployment in fake.list("Deployment"):
        deployment["spec"]["template"]["metadata"]["annotations"] = {"rollout": "2"}
        fake.apply(deployment)
    roll = _run_minutes(fake, replicas)
    elapsed = time.perf_counter() - started
    rss = _rss() - rss_before
    pods = len(fake.list("Pod"))
    minutes = up + roll
    return [
        Row(SECTION, f"Deployment rollout: {total:,} Deployments x {replicas} replicas "
                     f"created (through the model), run to Available",
            f"{fmt_ms(create / total)} per Deployment created; Available after "
            f"{len(up)} simulated minute(s)",
            reference=f"{total * replicas:,} Pods, {namespaces} namespaces",
            data={"deployments": total, "create_seconds": create, "up_minutes": up}),
        Row(SECTION, f"Deployment rollout: all {total:,} rolled to a new template, run to "
                     "complete",
            f"{median(minutes):.2f} s wall per simulated minute (median of all "
            f"{len(minutes)}; slowest {max(minutes):.2f} s), {len(roll)} minute(s) to "
            "complete",
            reference=f"{elapsed:.1f} s in all; {pods:,} Pods at the end",
            data={"roll_minutes": roll, "elapsed_seconds": elapsed}),
        Row(SECTION, f"Deployment rollout: memory of {total:,} Deployments with their "
                     "ReplicaSets, Pods, Events and history",
            f"{fmt_mib(rss)} RSS growth",
            reference=f"{rss / total / 1024:.0f} KiB per Deployment",
            data={"rss_bytes": rss})]


def run(counts: dict[str, Any], real: bool) -> list[Row]:
    missing = [m for m in ("kubernetes", "cryptography", "yaml")
               if importlib.util.find_spec(m) is None]
    if missing:
        return [Row(SECTION, "not run", "—",
                    reference="needs the kubernetes extra (pip install -e '.[kubernetes]'); "
                              f"missing: {', '.join(missing)}")]
    rows = _lifecycle_rows(counts)
    rows += _request_rows(counts)
    rows += _rbac_rows(counts)
    rows += _cycle_rows(counts, real)
    rows += _list_rows(counts)
    rows += _memory_rows(counts)
    rows += _gc_rows(counts)
    rows += _watch_rows(counts)
    rows += _rollout_rows(counts)
    return rows

