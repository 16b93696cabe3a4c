"""Reliability of the Kubernetes API server fake, through real clients: concurrent
read-modify-write loses nothing, watches that reconnect or run by the hundred see every
change once and in order, refused input leaves every object and the journal as they
were, and no generated input makes it answer 5xx.

No timing is asserted: each wait has a generous bound so that a hang fails the test
instead of stalling the run.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytest.importorskip("kubernetes")
pytest.importorskip("cryptography")

from fakes.kubernetes import FakeCluster
from fakes.kubernetes._model import Event
from kubernetes import client

NS = "default"
CONFIGMAPS = f"/api/v1/namespaces/{NS}/configmaps"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
#: kube-apiserver's limit on a request body (3 MiB).
BODY_LIMIT = 3 * 1024 * 1024


@pytest.fixture
def cluster(fake_cluster_server: FakeCluster) -> FakeCluster:
    return fake_cluster_server  # the plugin's, shared by the session


@pytest.fixture
def fresh(fake_cluster: FakeCluster) -> FakeCluster:
    return fake_cluster  # the plugin's: reset before each test


def session_for(cluster: FakeCluster) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = cluster.ca_file
    session.headers["Authorization"] = f"Bearer {cluster.token}"
    return session


def every_object(cluster: FakeCluster) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """Every stored object of every kind, by (group, plural, namespace, name)."""
    store = cluster.store
    state = {}
    for rt in store.types.types:
        for obj in store.list_objects(rt, None).items:
            meta = obj["metadata"]
            state[(rt.group, rt.plural, meta.get("namespace", ""), meta["name"])] = obj
    return state


def journal_entries(cluster: FakeCluster) -> list[tuple[int, str, str, str]]:
    return [(c.seq, c.actor, c.operation, c.resource) for c in cluster.journal]


def configmap_events(cluster: FakeCluster, after: int, namespace: str = NS
                     ) -> list[tuple[str, str, str]]:
    """What a watch of ConfigMaps in ``namespace`` from ``after`` must show, from the
    journal: (type, name, resourceVersion)."""
    expected = []
    for change in cluster.journal.since(after):
        event = change.payload
        if isinstance(event, Event) and event.key[:3] == ("", "configmaps", namespace):
            expected.append((event.type, event.key[3], str(change.seq)))
    return expected


# -- concurrent read-modify-write ------------------------------------------------------------

WRITERS = 8
WINS_EACH = 12


def test_eight_read_modify_write_loops_lose_no_update(fresh: FakeCluster) -> None:
    """Each success has a distinct resourceVersion, every failure is a 409, the counter
    ends at the number of successes, and the successes form one chain: each read the
    version the previous success wrote."""
    core = client.CoreV1Api(fresh.api_client())
    created = core.create_namespaced_config_map(
        NS, {"metadata": {"name": "counter"}, "data": {"n": "0"}})
    wins: list[tuple[str, str]] = []  # (version read, version written)
    failures: list[int] = []
    lock = threading.Lock()

    def loop() -> None:
        api = client.CoreV1Api(fresh.api_client())
        won = 0
        while won < WINS_EACH:
            current = api.read_namespaced_config_map("counter", NS)
            read_version = current.metadata.resource_version
            current.data = {"n": str(int(current.data["n"]) + 1)}
            try:
                written = api.replace_namespaced_config_map("counter", NS, current)
            except client.ApiException as error:
                with lock:
                    failures.append(error.status)
                continue
            with lock:
                wins.append((read_version, written.metadata.resource_version))
            won += 1
        api.api_client.close()

    threads = [threading.Thread(target=loop) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    total = WRITERS * WINS_EACH
    written_versions = [w for _, w in wins]
    assert len(wins) == total and len(set(written_versions)) == total
    assert set(failures) <= {409}
    final = fresh.get("ConfigMap", "counter", NS)
    assert final["data"] == {"n": str(total)}
    # One chain from the created version to the final one: no two wins read the same
    # version (that would be a lost update) and none is left out.
    following = dict(wins)
    assert len(following) == total
    version, steps = created.metadata.resource_version, 0
    while version in following:
        version, steps = following[version], steps + 1
    assert steps == total and version == final["metadata"]["resourceVersion"]
    updates = [c for c in fresh.journal if c.operation == "configmaps.update"]
    assert len(updates) == total


def test_eight_field_managers_applying_at_once_each_keep_their_fields(
        fresh: FakeCluster) -> None:
    """Server-side apply by eight managers of disjoint fields of one object, at once:
    every apply succeeds, every field is there, each manager owns its own."""
    fresh.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}})
    statuses: list[int] = []
    lock = threading.Lock()

    def applier(n: int) -> None:
        session = session_for(fresh)
        for round_ in range(WINS_EACH):
            config = {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": "shared"}, "data": {f"key{n}": str(round_)}}
            answer = session.patch(f"{fresh.url}{CONFIGMAPS}/shared?fieldManager=m{n}",
                                   data=json.dumps(config),
                                   headers={"Content-Type": "application/apply-patch+yaml"})
            with lock:
                statuses.append(answer.status_code)

    threads = [threading.Thread(target=applier, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * (WRITERS * WINS_EACH)
    final = fresh.get("ConfigMap", "shared", NS)
    assert final["data"] == {f"key{n}": str(WINS_EACH - 1) for n in range(WRITERS)}
    owned = {e["manager"]: e["fieldsV1"] for e in final["metadata"]["managedFields"]
             if e["operation"] == "Apply"}
    assert owned == {f"m{n}": {"f:data": {f"f:key{n}": {}}} for n in range(WRITERS)}


# -- a watcher that reconnects ----------------------------------------------------------------


def _watch_lines(session: requests.Session, cluster: FakeCluster, version: str,
                 timeout_seconds: int) -> requests.Response:
    answer = session.get(
        f"{cluster.url}{CONFIGMAPS}?watch=1&resourceVersion={version}"
        f"&timeoutSeconds={timeout_seconds}", stream=True, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer


def test_a_watcher_that_reconnects_sees_every_change_once_in_order(
        fresh: FakeCluster) -> None:
    """Writers keep writing while the watcher drops its stream (closing it after a few
    events, or letting timeoutSeconds end it) and resumes from the last resourceVersion
    it saw."""
    start = fresh.journal.last
    enough = threading.Event()  # the watcher has reconnected often enough
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            session = session_for(fresh)
            i = 0
            while not enough.is_set() and i < 5000:
                i += 1
                time.sleep(0.002)  # leave the watcher's threads some of the GIL
                name = f"{tag}-{i % 7}"
                answer = session.post(fresh.url + CONFIGMAPS,
                                      json={"metadata": {"name": name}, "data": {"i": str(i)}})
                if answer.status_code == 409:  # exists: change it, or delete it
                    if i % 3:
                        session.patch(f"{fresh.url}{CONFIGMAPS}/{name}",
                                      data=json.dumps({"data": {"i": str(i)}}),
                                      headers={"Content-Type": MERGE}).raise_for_status()
                    else:
                        session.delete(f"{fresh.url}{CONFIGMAPS}/{name}").raise_for_status()
                else:
                    answer.raise_for_status()
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    writers = [threading.Thread(target=writer, args=(tag,)) for tag in ("a", "b")]
    for thread in writers:
        thread.start()

    seen: list[tuple[str, str, str]] = []
    reconnects = 0
    rng = random.Random(7)
    session = session_for(fresh)
    version = str(start)
    while True:
        finished = not any(thread.is_alive() for thread in writers)
        expected_total = len(configmap_events(fresh, start)) if finished else None
        if expected_total is not None and len(seen) >= expected_total:
            break
        assert reconnects < 500, "the watch made no progress"
        # Half the streams are closed by the client after a few events, the others end
        # when the server's timeoutSeconds runs out.
        close_after = rng.randint(1, 9) if reconnects % 2 == 0 else None
        answer = _watch_lines(session, fresh, version, timeout_seconds=1)
        for got, line in enumerate(answer.iter_lines(), start=1):
            event = json.loads(line)
            assert event["type"] in ("ADDED", "MODIFIED", "DELETED"), event
            meta = event["object"]["metadata"]
            seen.append((event["type"], meta["name"], meta["resourceVersion"]))
            version = meta["resourceVersion"]
            if close_after is not None and got >= close_after:
                break
        answer.close()
        reconnects += 1
        if reconnects >= 12:
            enough.set()
    for thread in writers:
        thread.join(timeout=60)
    assert not errors
    assert seen == configmap_events(fresh, start)


# -- many watchers ----------------------------------------------------------------------------

WATCHERS = 100
CHANGES = 200


def test_a_hundred_watchers_each_see_every_change_once_in_order(fresh: FakeCluster) -> None:
    """100 concurrent watch streams from one resourceVersion, 200 changes (creates,
    updates and deletes through the API): every watcher gets all of them, in order.
    The benchmark (``python -m benchmarks --only 5``) runs 100 x 1,000."""
    start = fresh.journal.last
    url = (f"{fresh.url}{CONFIGMAPS}?watch=1&resourceVersion={start}"
           f"&timeoutSeconds=120")
    received: list[list[tuple[str, str, str]]] = [[] for _ in range(WATCHERS)]
    streaming = threading.Barrier(WATCHERS + 1, timeout=60)
    errors: list[str] = []

    def watcher(out: list[tuple[str, str, str]]) -> None:
        session = session_for(fresh)
        try:
            with session.get(url, stream=True, timeout=60) as answer:
                streaming.wait()
                for line in answer.iter_lines():
                    event = json.loads(line)
                    meta = event["object"]["metadata"]
                    out.append((event["type"], meta["name"], meta["resourceVersion"]))
                    if len(out) >= CHANGES:
                        return
        except Exception as error:  # reported by the test thread
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            session.close()

    threads = [threading.Thread(target=watcher, args=(out,), daemon=True)
               for out in received]
    for thread in threads:
        thread.start()
    streaming.wait()  # every stream is open before the first write
    session = session_for(fresh)
    made = 0
    for i in range(CHANGES):
        name = f"w-{i % 40}"
        if i < 40 or i % 5 == 1:
            answer = session.post(fresh.url + CONFIGMAPS,
                                  json={"metadata": {"name": name}, "data": {"i": str(i)}})
            if answer.status_code == 409:
                answer = session.delete(f"{fresh.url}{CONFIGMAPS}/{name}")
        else:
            answer = session.patch(f"{fresh.url}{CONFIGMAPS}/{name}",
                                   data=json.dumps({"data": {"i": str(i)}}),
                                   headers={"Content-Type": MERGE})
            if answer.status_code == 404:
                answer = session.post(fresh.url + CONFIGMAPS, json={"metadata": {"name": name}})
        assert answer.status_code in (200, 201), answer.text
        made += 1
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    expected = configmap_events(fresh, start)
    assert len(expected) == made == CHANGES
    wrong = [i for i, got in enumerate(received) if got != expected]
    assert wrong == [], f"{len(wrong)} watchers saw something else"


# -- refused input leaves everything as it was ------------------------------------------------

BIG = b'{"metadata":{"name":"big"},"data":{"k":"' + b"x" * BODY_LIMIT + b'"}}'

#: (description, method, path, body, Content-Type, expected status)
BAD_INPUT: list[tuple[str, str, str, bytes, str | None, int]] = [
    ("malformed JSON create", "POST", CONFIGMAPS, b'{"metadata": {"name": ', None, 400),
    ("JSON that is not an object", "POST", CONFIGMAPS, b"[1, 2]", None, 400),
    ("empty create body", "POST", CONFIGMAPS, b"", None, 400),
    ("malformed YAML create", "POST", CONFIGMAPS, b"metadata: {name: [", "application/yaml",
     400),
    ("malformed JSON replace", "PUT", CONFIGMAPS + "/a", b"{nope", None, 400),
    ("malformed merge patch", "PATCH", CONFIGMAPS + "/a", b"{nope", MERGE, 400),
    ("malformed JSON patch", "PATCH", CONFIGMAPS + "/a", b"[{", JSON_PATCH, 400),
    ("malformed strategic merge patch", "PATCH", CONFIGMAPS + "/a", b"{nope", STRATEGIC,
     400),
    ("PATCH as application/json", "PATCH", CONFIGMAPS + "/a", b'{"data": {"k": "w"}}',
     "application/json", 415),
    ("PATCH as text/plain", "PATCH", CONFIGMAPS + "/a", b'{"data": {"k": "w"}}',
     "text/plain", 415),
    ("PATCH with no Content-Type", "PATCH", CONFIGMAPS + "/a", b'{"data": {"k": "w"}}',
     None, 415),
    ("kind in body is not the URL's", "POST", CONFIGMAPS,
     b'{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}', None, 400),
    ("apiVersion in body is not the URL's", "POST", CONFIGMAPS,
     b'{"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "s"}}', None,
     400),
    ("kind unknown in any version", "PUT", CONFIGMAPS + "/a",
     b'{"apiVersion": "v1", "kind": "Nothing", "metadata": {"name": "a"}}', None, 400),
    ("name in body is not the URL's", "PUT", CONFIGMAPS + "/a",
     b'{"metadata": {"name": "b"}, "data": {"k": "w"}}', None, 400),
    ("namespace in body is not the URL's", "POST", CONFIGMAPS,
     b'{"metadata": {"name": "n", "namespace": "kube-system"}}', None, 400),
    ("create body over the limit", "POST", CONFIGMAPS, BIG, None, 413),
    ("replace body over the limit", "PUT", CONFIGMAPS + "/a",
     BIG.replace(b'"big"', b'"a"'), None, 413),
    ("merge patch over the limit", "PATCH", CONFIGMAPS + "/a", BIG, MERGE, 413),
    ("stale resourceVersion", "PUT", CONFIGMAPS + "/a",
     b'{"metadata": {"name": "a", "resourceVersion": "1"}}', None, 409),
    ("create of an existing name", "POST", CONFIGMAPS, b'{"metadata": {"name": "a"}}', None,
     409),
    ("invalid name", "POST", CONFIGMAPS, b'{"metadata": {"name": "Not_Valid"}}', None, 422),
    ("unknown field under Strict", "POST", CONFIGMAPS + "?fieldValidation=Strict",
     b'{"metadata": {"name": "u"}, "extra": 1}', None, 400),
    ("namespace that does not exist", "POST", "/api/v1/namespaces/nowhere/configmaps",
     b'{"metadata": {"name": "n"}}', None, 404),
    ("delete with a wrong uid precondition", "DELETE", CONFIGMAPS + "/a",
     b'{"preconditions": {"uid": "nope"}}', None, 409),
    ("delete with a malformed body", "DELETE", CONFIGMAPS + "/a", b"{nope", None, 400),
]


@pytest.mark.parametrize(("what", "method", "path", "body", "content_type", "status"),
                         BAD_INPUT, ids=[case[0] for case in BAD_INPUT])
def test_refused_input_leaves_every_object_and_the_journal_unchanged(
        fresh: FakeCluster, what: str, method: str, path: str, body: bytes,
        content_type: str | None, status: int) -> None:
    fresh.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
                 "data": {"k": "v"}})
    before, journal_before = every_object(fresh), journal_entries(fresh)
    headers = {"Content-Type": content_type} if content_type else {}
    session = session_for(fresh)
    if content_type is None:
        session.headers["Content-Type"] = ""
        del session.headers["Content-Type"]
    answer = session.request(method, fresh.url + path, data=body, headers=headers)
    assert answer.status_code == status, answer.text[:300]
    assert answer.json()["kind"] == "Status" and answer.json()["code"] == status
    assert every_object(fresh) == before
    assert journal_entries(fresh) == journal_before


# -- generated input: no 5xx -------------------------------------------------------------------

#: Paths of a few kinds: namespaced core, namespaced in a group, cluster-scoped, and a
#: status subresource.
KINDS = {
    "ConfigMap": "/api/v1/namespaces/default/configmaps",
    "Secret": "/api/v1/namespaces/default/secrets",
    "Deployment": "/apis/apps/v1/namespaces/default/deployments",
    "Namespace": "/api/v1/namespaces",
    "ClusterRole": "/apis/rbac.authorization.k8s.io/v1/clusterroles",
}
SEEDED = {
    "ConfigMap": {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "t", "labels": {"app": "x"}}, "data": {"k": "v"}},
    "Secret": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "t"},
               "stringData": {"k": "v"}},
    "Deployment": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "t"},
                   "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}},
                            "template": {"metadata": {"labels": {"app": "x"}}, "spec": {
                                "containers": [{"name": "c", "image": "i"}]}}}},
    "Namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}},
    "ClusterRole": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "t", "finalizers": ["x.io/hold"]}, "rules": []},
}
FIELD_NAMES = ["metadata", "name", "namespace", "labels", "annotations", "finalizers",
               "ownerReferences", "resourceVersion", "uid", "generateName", "data",
               "stringData", "binaryData", "spec", "status", "replicas", "selector",
               "template", "rules", "kind", "apiVersion", "deletionTimestamp",
               "generation", "containers", "matchLabels", "type", "immutable", "x"]
texts = st.one_of(st.sampled_from(["t", "", "a/b", "x.io/hold", "v1", "-", "0", "Exists",
                                    "ConfigMap", "default"]), st.text(max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                    st.floats(allow_nan=False, allow_infinity=False), texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), texts),
                                            inner, max_size=5)),
    max_leaves=25)
# Bodies shaped like objects, so that the model's rules past decoding get exercised.
names = st.one_of(st.sampled_from(["t", "n2", "u-1.x"]),
                  st.from_regex(r"[a-z0-9][a-z0-9.-]{0,12}", fullmatch=True), texts)
metadata = st.fixed_dictionaries({}, optional={
    "name": names, "namespace": st.one_of(st.just("default"), texts),
    "generateName": texts,
    "labels": st.dictionaries(texts, st.one_of(texts, json_values), max_size=3),
    "annotations": st.dictionaries(texts, st.one_of(texts, json_values), max_size=3),
    "finalizers": st.lists(st.one_of(texts, json_values), max_size=3),
    "ownerReferences": st.lists(json_values, max_size=2),
    "resourceVersion": st.one_of(texts, st.integers(-5, 10**20).map(str), json_values),
    "uid": texts, "deletionTimestamp": st.one_of(texts, json_values),
})
kinds = st.one_of(st.sampled_from([m["kind"] for m in SEEDED.values()]), texts)
api_versions = st.one_of(st.sampled_from([m["apiVersion"] for m in SEEDED.values()]), texts)
object_bodies = st.fixed_dictionaries({"metadata": st.one_of(metadata, json_values)}, optional={
    "kind": kinds, "apiVersion": api_versions, "data": json_values, "stringData": json_values,
    "spec": json_values, "status": json_values, "rules": json_values,
})
bodies = st.one_of(object_bodies, json_values)
pointers = st.lists(st.sampled_from([*FIELD_NAMES, "-", "0", "~1", "~0", "1"]),
                    max_size=4).map(lambda parts: "/" + "/".join(parts))
json_patches = st.lists(st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"])},
    optional={"path": st.one_of(pointers, json_values), "from": st.one_of(pointers, texts),
              "value": json_values}), max_size=4)
query_values = st.one_of(texts, st.integers(-3, 10**12).map(str),
                         st.sampled_from(["", "true", "Strict", "Warn", "Ignore",
                                          "Exact", "NotOlderThan", "app=x", "app in (x)",
                                          "metadata.name=t", "!app", "Orphan"]))
LIST_PARAMS = ["limit", "continue", "resourceVersion", "resourceVersionMatch",
               "labelSelector", "fieldSelector", "timeoutSeconds", "pretty", "x"]
WRITE_PARAMS = ["fieldValidation", "fieldManager", "pretty", "propagationPolicy",
                "gracePeriodSeconds", "orphanDependents", "x"]


def request_for(draw: st.DrawFn) -> tuple[str, str, bytes | None, str | None, dict[str, str]]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    collection = KINDS[kind]
    name = draw(st.one_of(st.sampled_from(["t", "n2", "missing"]), st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zs"), blacklist_characters="/?#%"),
        min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))))
    item = f"{collection}/{requests.utils.quote(name, safe='')}"
    operation = draw(st.sampled_from(["list", "get", "create", "replace", "status",
                                      "merge", "strategic", "json-patch", "delete"]))
    params: dict[str, str] = {}
    keys = LIST_PARAMS if operation == "list" else WRITE_PARAMS
    for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
        params[key] = draw(query_values)
    if operation == "list":
        return "GET", collection, None, None, params
    if operation == "get":
        return "GET", item, None, None, params
    if operation == "delete":
        body = draw(st.one_of(st.none(), json_values))
        return "DELETE", item, None if body is None else json.dumps(body).encode(), None, params
    if operation == "json-patch":
        patch: Any = draw(st.one_of(json_patches, json_values))
        return "PATCH", item, json.dumps(patch).encode(), JSON_PATCH, params
    if operation in ("merge", "strategic"):
        content_type = MERGE if operation == "merge" else STRATEGIC
        return "PATCH", item, json.dumps(draw(bodies)).encode(), content_type, params
    body = draw(bodies)
    if operation == "create":
        return "POST", collection, json.dumps(body).encode(), None, params
    path = item + ("/status" if operation == "status" else "")
    return "PUT", path, json.dumps(body).encode(), None, params


requests_strategy = st.composite(request_for)()


def seed_each_kind(cluster: FakeCluster) -> None:
    cluster.reset()
    for manifest in SEEDED.values():
        cluster.apply(manifest)


def is_deliberate(answer: requests.Response) -> bool:
    """A 5xx the fake means: an operation it does not model (501), the apiserver's own
    504 for a resourceVersion from the future, or its 500 for a watch from a
    resourceVersion that is not a number (K8S-056, measured)."""
    status = answer.json()
    causes = [c.get("reason") for c in status.get("details", {}).get("causes", [])]
    return ((answer.status_code == 501 and "NotModelled" in causes)
            or (answer.status_code == 504 and "ResourceVersionTooLarge" in causes)
            or (answer.status_code == 500 and "watch=1" in answer.url
                and status["message"].startswith("resourceVersion: Invalid value: ")
                and "strconv.ParseUint" in status["message"]))


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "400")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=requests_strategy)
def test_generated_requests_never_get_a_5xx(
        cluster: FakeCluster,
        request: tuple[str, str, bytes | None, str | None, dict[str, str]]) -> None:
    method, path, body, content_type, params = request
    seed_each_kind(cluster)
    before, journal_before = every_object(cluster), journal_entries(cluster)
    session = session_for(cluster)
    headers = {"Content-Type": content_type or "application/json"}
    answer = session.request(method, cluster.url + path, params=params, data=body,
                             headers=headers, timeout=30)
    event(f"{method} {answer.status_code}")
    assert answer.status_code < 500 or is_deliberate(answer), (
        f"{method} {answer.url} {body!r:.300} -> {answer.status_code} {answer.text[:500]}")
    if answer.status_code >= 400:
        assert answer.json()["kind"] == "Status"
        assert every_object(cluster) == before
        assert journal_entries(cluster) == journal_before


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(params=st.dictionaries(st.sampled_from(["resourceVersion", "labelSelector",
                                               "fieldSelector", "allowWatchBookmarks",
                                               "resourceVersionMatch", "x"]),
                              query_values, max_size=3),
       kind=st.sampled_from(sorted(KINDS)))
def test_generated_watches_never_get_a_5xx(cluster: FakeCluster, params: dict[str, str],
                                           kind: str) -> None:
    """A watch answers its status line at once; an error from later in the stream comes
    as an ERROR event, which must not be a 5xx either."""
    seed_each_kind(cluster)
    session = session_for(cluster)
    query = {**params, "watch": "1", "timeoutSeconds": "5"}
    # A short read timeout ends the example once the stream goes quiet.
    with session.get(cluster.url + KINDS[kind], params=query, stream=True,
                     timeout=(30, 0.3)) as answer:
        if answer.status_code != 200:
            assert answer.status_code < 500 or is_deliberate(answer), answer.text[:500]
            return
        try:
            for line in answer.iter_lines():
                event = json.loads(line)
                if event["type"] == "ERROR":
                    assert event["object"]["code"] < 500, event
        except requests.ConnectionError:
            pass
