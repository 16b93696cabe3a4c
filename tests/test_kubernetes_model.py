"""The Kubernetes fake's store, resource registry, selectors and patches, without HTTP."""

from __future__ import annotations

import threading

import pytest

from fakes import Clock, Journal
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._model import JSON_PATCH, MERGE_PATCH, Cluster, DeleteOptions, Event
from fakes.kubernetes._patch import PatchError, json_patch, merge_patch
from fakes.kubernetes._resources import ResourceType, registry
from fakes.kubernetes._selectors import FieldSelector, LabelSelector

pytest.importorskip("yaml")


def _type(plural: str, group: str = "") -> ResourceType:
    rt = registry().get(group, "v1", plural)
    assert rt is not None
    return rt


NAMESPACES, CONFIGMAPS, DEPLOYMENTS = (_type("namespaces"), _type("configmaps"),
                                       _type("deployments", "apps"))


@pytest.fixture
def cluster() -> Cluster:
    made = Cluster(Journal(Clock()), Clock())
    made.create(NAMESPACES, "", {"metadata": {"name": "ns"}}, "test")
    return made


def cm(name: str, **metadata: object) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata},
            "data": {"k": "v"}}


def test_the_registry_has_every_kind_of_the_slice() -> None:
    kinds = {t.kind for t in registry().types}
    assert {"Namespace", "ConfigMap", "Secret", "Service", "ServiceAccount", "Pod", "Node",
            "Event", "PersistentVolumeClaim", "ReplicationController", "Deployment",
            "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Role", "RoleBinding",
            "ClusterRole", "ClusterRoleBinding", "Ingress", "NetworkPolicy", "Lease",
            "PodDisruptionBudget"} <= kinds
    deployments = _type("deployments", "apps")
    assert deployments.short_names == ("deploy",) and "all" in deployments.categories
    assert deployments.group_resource == "deployments.apps" and deployments.has_status
    assert not _type("namespaces").namespaced and "deletecollection" not in NAMESPACES.verbs
    # Patch metadata is kept for strategic merge patch later.
    spec = registry().definitions["io.k8s.api.core.v1.PodSpec"]["properties"]
    assert spec["containers"]["patch-merge-key"] == "name"


def test_one_resource_version_sequence_for_the_whole_store(cluster: Cluster) -> None:
    a = cluster.create(CONFIGMAPS, "ns", cm("a"), "test")
    b = cluster.create(CONFIGMAPS, "ns", cm("b"), "test")
    assert int(b["metadata"]["resourceVersion"]) == int(a["metadata"]["resourceVersion"]) + 1
    assert cluster.journal.last == int(b["metadata"]["resourceVersion"])
    change = cluster.journal.since(0)[-1]
    assert change.actor == "test" and change.operation == "configmaps.create"
    assert isinstance(change.payload, Event) and change.payload.type == "ADDED"


def test_uid_and_creation_timestamp_are_set_once(cluster: Cluster) -> None:
    created = cluster.create(CONFIGMAPS, "ns", cm("a", uid="mine"), "test")
    assert created["metadata"]["uid"] != "mine"
    body = {**created, "metadata": {**created["metadata"],
                                    "creationTimestamp": "2001-01-01T00:00:00Z"}}
    body["data"] = {"k": "w"}
    updated, _ = cluster.update(CONFIGMAPS, "ns", "a", body, "test")
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert "generation" not in updated["metadata"]  # ConfigMaps keep none


def test_generation_counts_spec_changes_only(cluster: Cluster) -> None:
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d"}},
                  "template": {"metadata": {"labels": {"app": "d"}}, "spec": {
                      "containers": [{"name": "main", "image": "example.invalid/x:1"}]}}}}
    created = cluster.create(DEPLOYMENTS, "ns", d, "test")
    assert created["metadata"]["generation"] == 1
    labelled = cluster.patch(DEPLOYMENTS, "ns", "d", MERGE_PATCH,
                             b'{"metadata":{"labels":{"a":"b"}}}', "test")
    assert labelled["metadata"]["generation"] == 1
    scaled = cluster.patch(DEPLOYMENTS, "ns", "d", MERGE_PATCH, b'{"spec":{"replicas":2}}',
                           "test")
    assert scaled["metadata"]["generation"] == 2


def test_generate_name_retries_on_collision(cluster: Cluster) -> None:
    names = {cluster.create(CONFIGMAPS, "ns", {"metadata": {"generateName": "g-"}}, "t")
             ["metadata"]["name"] for _ in range(50)}
    assert len(names) == 50 and all(n.startswith("g-") and len(n) == 7 for n in names)


def test_stale_updates_conflict_and_change_nothing(cluster: Cluster) -> None:
    created = cluster.create(CONFIGMAPS, "ns", cm("a"), "test")
    cluster.update(CONFIGMAPS, "ns", "a", {**created, "data": {"k": "1"}}, "test")
    before = cluster.journal.last
    with pytest.raises(StatusError) as caught:
        cluster.update(CONFIGMAPS, "ns", "a", {**created, "data": {"k": "2"}}, "test")
    assert caught.value.status == 409 and caught.value.reason == "Conflict"
    assert cluster.get(CONFIGMAPS, "ns", "a")["data"] == {"k": "1"}
    assert cluster.journal.last == before


def test_an_update_that_changes_nothing_writes_nothing(cluster: Cluster) -> None:
    created = cluster.create(CONFIGMAPS, "ns", cm("a"), "test")
    again, _ = cluster.update(CONFIGMAPS, "ns", "a", created, "test")
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_eight_writers_one_object(cluster: Cluster) -> None:
    created = cluster.create(CONFIGMAPS, "ns", cm("a", labels={"n": "0"}), "test")
    won: list[str] = []
    lost: list[int] = []
    lock = threading.Lock()

    def writer(i: int) -> None:
        for _ in range(20):
            current = cluster.get(CONFIGMAPS, "ns", "a")
            current["data"] = {**current.get("data", {}), f"w{i}": str(_)}
            try:
                done, _unused = cluster.update(CONFIGMAPS, "ns", "a", current, f"w{i}")
            except StatusError as error:
                with lock:
                    lost.append(error.status)
            else:
                with lock:
                    won.append(done["metadata"]["resourceVersion"])

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(won)) == len(won) and set(lost) <= {409}
    assert len(won) + len(lost) == 160
    changes = [c for c in cluster.journal.since(int(created["metadata"]["resourceVersion"]))]
    assert len(changes) == len(won)


def test_finalizers_hold_a_deleted_object(cluster: Cluster) -> None:
    cluster.create(CONFIGMAPS, "ns", cm("a", finalizers=["example.com/hold"]), "test")
    held, gone = cluster.delete(CONFIGMAPS, "ns", "a", DeleteOptions(), "test")
    assert not gone and held["metadata"]["deletionTimestamp"]
    with pytest.raises(StatusError) as caught:
        cluster.patch(CONFIGMAPS, "ns", "a", MERGE_PATCH,
                      b'{"metadata":{"finalizers":["example.com/hold","more"]}}', "test")
    assert caught.value.status == 422
    cluster.patch(CONFIGMAPS, "ns", "a", MERGE_PATCH, b'{"metadata":{"finalizers":null}}',
                  "test")
    with pytest.raises(StatusError):
        cluster.get(CONFIGMAPS, "ns", "a")
    assert cluster.journal.since(0)[-1].payload.type == "DELETED"


def test_deleting_a_namespace_deletes_what_it_holds(cluster: Cluster) -> None:
    cluster.create(CONFIGMAPS, "ns", cm("a"), "test")
    cluster.delete(NAMESPACES, "", "ns", DeleteOptions(), "test")
    assert cluster.list_objects(NAMESPACES, None, fields=FieldSelector.parse(
        "metadata.name=ns", lambda field: None)).items == []
    assert cluster.list_objects(CONFIGMAPS, None).items == []


def test_owned_objects_are_collected(cluster: Cluster) -> None:
    owner = cluster.create(CONFIGMAPS, "ns", cm("owner"), "test")
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
           "uid": owner["metadata"]["uid"]}
    cluster.create(CONFIGMAPS, "ns", cm("owned", ownerReferences=[ref]), "test")
    cluster.create(CONFIGMAPS, "ns", cm("orphaned", ownerReferences=[ref]), "test")
    cluster.delete(CONFIGMAPS, "ns", "owner", DeleteOptions(propagation="Background"), "t")
    assert [o["metadata"]["name"] for o in cluster.list_objects(CONFIGMAPS, "ns").items] == []


def test_pages_are_a_consistent_snapshot(cluster: Cluster) -> None:
    for name in "abcde":
        cluster.create(CONFIGMAPS, "ns", cm(name), "test")
    first = cluster.list_objects(CONFIGMAPS, "ns", limit=2)
    assert [o["metadata"]["name"] for o in first.items] == ["a", "b"]
    assert first.remaining == 3 and first.continue_token
    cluster.delete(CONFIGMAPS, "ns", "c", DeleteOptions(), "test")
    cluster.create(CONFIGMAPS, "ns", cm("bb"), "test")
    rest = cluster.list_objects(CONFIGMAPS, "ns", token=first.continue_token)
    assert [o["metadata"]["name"] for o in rest.items] == ["c", "d", "e"]
    assert rest.resource_version == first.resource_version


def test_old_versions_expire_with_the_clock(cluster: Cluster) -> None:
    first = cluster.list_objects(CONFIGMAPS, "ns", limit=1)
    cluster.create(CONFIGMAPS, "ns", cm("a"), "test")
    cluster.create(CONFIGMAPS, "ns", cm("b"), "test")
    cluster.clock.advance(301)
    cluster.create(CONFIGMAPS, "ns", cm("c"), "test")
    with pytest.raises(StatusError) as caught:
        cluster.watch_start(CONFIGMAPS, "ns", first.resource_version, LabelSelector(),
                            FieldSelector())
    assert caught.value.status == 410


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("a=b", {"a": "b"}, True), ("a==b", {"a": "c"}, False), ("a!=b", {}, True),
    ("a in (b, c)", {"a": "c"}, True), ("a notin (b)", {"a": "b"}, False),
    ("a", {"a": ""}, True), ("!a", {"a": ""}, False), ("a,b=c", {"a": "1", "b": "c"}, True),
    ("n>3", {"n": "4"}, True), ("n<3", {"n": "x"}, False), ("", {}, True),
])
def test_label_selectors(text: str, labels: dict[str, str], expected: bool) -> None:
    assert LabelSelector.parse(text).matches(labels) is expected


@pytest.mark.parametrize(("text", "message"), [
    ("a in b", "unable to parse requirement: found 'b' expected: '('"),
    ("!!", "unable to parse requirement: found '!', expected: identifier"),
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a==b=c", "found '=', expected: ',' or 'end of string'"),
    ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a,", "found '', expected: identifier after ','"),
    (")", "found ')', expected: !, identifier, or 'end of string'"),
])
def test_label_selector_errors(text: str, message: str) -> None:
    with pytest.raises(StatusError) as caught:
        LabelSelector.parse(text)
    assert caught.value.status == 400 and caught.value.message == message


def test_field_selectors_escape_and_negate() -> None:
    selector = FieldSelector.parse(r"metadata.name=a\,b,metadata.namespace!=x", lambda f: None)
    values = {"metadata.name": "a,b", "metadata.namespace": "y"}
    assert selector.matches(values.__getitem__)


def test_merge_patch_follows_rfc_7386() -> None:
    assert merge_patch({"a": "b", "c": {"d": "e", "f": "g"}},
                       {"a": "z", "c": {"f": None}}) == {"a": "z", "c": {"d": "e"}}
    assert merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}


def test_json_patch_follows_rfc_6902() -> None:
    doc = {"a": {"b": [1, 2]}, "c": 1}
    ops = [{"op": "add", "path": "/a/b/-", "value": 3}, {"op": "remove", "path": "/c"},
           {"op": "copy", "from": "/a/b", "path": "/d"}, {"op": "move", "from": "/d",
                                                            "path": "/e"},
           {"op": "test", "path": "/e/2", "value": 3},
           {"op": "replace", "path": "/a/b/0", "value": 0}]
    assert json_patch(doc, ops) == {"a": {"b": [0, 2, 3]}, "e": [1, 2, 3]}
    assert doc == {"a": {"b": [1, 2]}, "c": 1}
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "test", "path": "/c", "value": 2}])


def test_a_failed_json_patch_changes_nothing(cluster: Cluster) -> None:
    cluster.create(CONFIGMAPS, "ns", cm("a"), "test")
    before = cluster.journal.last
    with pytest.raises(StatusError) as caught:
        cluster.patch(CONFIGMAPS, "ns", "a", JSON_PATCH,
                      b'[{"op":"replace","path":"/data/k","value":"x"},'
                      b'{"op":"test","path":"/data/k","value":"v"}]', "test")
    assert caught.value.status == 422
    assert cluster.get(CONFIGMAPS, "ns", "a")["data"] == {"k": "v"}
    assert cluster.journal.last == before
