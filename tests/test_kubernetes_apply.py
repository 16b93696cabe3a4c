"""Field sets, ownership and server-side apply in the model, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from fakes import Clock, Journal
from fakes.kubernetes import FakeCluster
from fakes.kubernetes._apply import (
    LAST_APPLIED,
    ApplyConflict,
    ManagerKey,
    Tracker,
    Writer,
    decode,
    decode_sent,
)
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._fieldsets import (
    Schema,
    compare,
    field_set,
    from_fields_v1,
    merge,
    render,
    to_fields_v1,
    unknown_field,
)
from fakes.kubernetes._model import Cluster
from fakes.kubernetes._resources import registry

DEFINITIONS = registry().definitions
SCHEMA = Schema(DEFINITIONS)
DEPLOYMENT = {"ref": "io.k8s.api.apps.v1.Deployment"}
CONFIGMAP = {"ref": "io.k8s.api.core.v1.ConfigMap"}
NOW = "2026-11-30T12:00:00Z"


def _tracker(definition: str = "io.k8s.api.core.v1.ConfigMap", *, status: bool = False,
             subresource: str = "") -> Tracker:
    return Tracker.of(DEFINITIONS, definition, has_status=status, subresource=subresource)


def _cm(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": data}


def test_fields_v1_marks_a_path_owned_with_children_by_a_dot() -> None:
    paths = {("f:data",), ("f:data", "f:k"), ("f:metadata", "f:labels", "f:x")}
    document = to_fields_v1(paths)
    assert document == {"f:data": {".": {}, "f:k": {}},
                        "f:metadata": {"f:labels": {"f:x": {}}}}
    assert from_fields_v1(document) == paths


def test_paths_render_as_the_apiserver_prints_them() -> None:
    assert render(("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}', "f:name")) == (
        '.spec.ports[port=80,protocol="TCP"].name')
    assert render(("f:metadata", "f:finalizers", 'v:"x/y"')) == '.metadata.finalizers[="x/y"]'


def test_an_applied_deployment_owns_list_items_by_key_and_atomic_structs_whole() -> None:
    spec = {"selector": {"matchLabels": {"app": "d"}}, "template": {"spec": {
        "containers": [{"name": "c", "image": "i", "args": ["a"]}]}}}
    owned = field_set({"spec": spec}, DEPLOYMENT, SCHEMA)
    item = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"c"}')
    assert owned == {("f:spec", "f:selector"), item, (*item, "f:name"), (*item, "f:image"),
                     (*item, "f:args")}


def test_a_comparison_owns_a_map_it_adds_but_not_a_struct() -> None:
    result = compare({"metadata": {}}, {"metadata": {"labels": {"a": "1"}}, "data": {}},
                     CONFIGMAP, SCHEMA)
    assert result.added == {("f:metadata", "f:labels"), ("f:metadata", "f:labels", "f:a"),
                            ("f:data",)}
    changed = compare(_cm(k="v", j="1"), _cm(k="w"), CONFIGMAP, SCHEMA)
    assert changed.modified == {("f:data", "f:k")}
    assert changed.removed == {("f:data", "f:j")}


def test_values_of_the_wrong_shape_compare_whole() -> None:
    result = compare({"data": {"k": "v"}}, {"data": "text"}, CONFIGMAP, SCHEMA)
    assert result.modified == {("f:data",)}


def test_sets_merge_in_the_applied_order_around_the_live_items() -> None:
    node = DEFINITIONS["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"][
        "finalizers"]
    assert merge(["a", "b", "c"], ["c", "a"], node, SCHEMA) == ["b", "c", "a"]
    assert merge(["b", "c", "a"], ["d", "c", "e", "b"], node, SCHEMA) == [
        "d", "c", "a", "e", "b"]


def test_an_unknown_field_is_found_inside_list_items() -> None:
    spec = {"template": {"spec": {"containers": [{"name": "c", "bogus": 1}]}}}
    assert render(unknown_field({"spec": spec}, DEPLOYMENT, SCHEMA) or ()) == (
        '.spec.template.spec.containers[name="c"].bogus')
    assert unknown_field(_cm(k="v"), CONFIGMAP, SCHEMA) is None


def test_apply_conflicts_then_forces() -> None:
    tracker = _tracker()
    created = tracker.apply(None, _cm(k="v"), Writer("one", "v1"), False, NOW)
    with pytest.raises(ApplyConflict) as caught:
        tracker.apply(created, _cm(k="w"), Writer("two", "v1"), False, NOW)
    assert str(caught.value) == 'Apply failed with 1 conflict: conflict with "one": .data.k'
    forced = tracker.apply(created, _cm(k="w"), Writer("two", "v1"), True, NOW)
    assert forced["data"] == {"k": "w"}
    assert list(decode(forced)) == [ManagerKey("two", "Apply", "")]


def test_an_update_takes_fields_and_merges_with_its_own_earlier_entry() -> None:
    tracker = _tracker()
    created = tracker.apply(None, _cm(k="v", j="1"), Writer("app", "v1"), False, NOW)
    updated = dict(created, data={"k": "v", "j": "2", "n": "1"})
    updated["metadata"] = dict(created["metadata"],
                               managedFields=tracker.record_update(created, updated,
                                                                   Writer("ed", "v1"), NOW))
    again = dict(updated, data={"k": "v", "j": "2", "n": "1", "m": "1"})
    managed = tracker.record_update(updated, again, Writer("ed", "v1"), NOW)
    assert [(e["manager"], e["operation"], e["fieldsV1"]) for e in managed] == [
        ("app", "Apply", {"f:data": {"f:k": {}}}),
        ("ed", "Update", {"f:data": {"f:j": {}, "f:m": {}, "f:n": {}}})]


def test_status_writes_own_only_status() -> None:
    tracker = _tracker("io.k8s.api.apps.v1.Deployment", status=True, subresource="status")
    live = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"replicas": 1}, "status": {}}
    applied = tracker.apply(live, {**live, "spec": {"replicas": 5}, "status": {"replicas": 2}},
                            Writer("s", "apps/v1", "status"), False, NOW)
    assert applied["spec"] == {"replicas": 1} and applied["status"] == {"replicas": 2}
    (entry,) = applied["metadata"]["managedFields"]
    assert entry["subresource"] == "status" and entry["fieldsV1"] == {
        "f:status": {"f:replicas": {}}}


def test_the_model_refuses_an_apply_that_is_not_an_object() -> None:
    cluster = Cluster(Journal(Clock()), Clock())
    rt = cluster.types.get("", "v1", "configmaps")
    assert rt is not None
    with pytest.raises(StatusError) as caught:
        cluster.apply(rt, "default", "a", ["not", "an", "object"], "m", "admin")
    assert caught.value.message == "invalid object type: /, Kind="


def test_seeded_objects_are_owned_by_the_seeding_actor() -> None:
    with FakeCluster() as cluster:
        (stored,) = cluster.apply({"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "a"}, "data": {"k": "v"}})
        (entry,) = stored["metadata"]["managedFields"]
        assert (entry["manager"], entry["operation"]) == ("seed", "Update")


def test_managed_fields_a_write_sends_are_decoded_or_left_alone() -> None:
    assert decode_sent(None) is None and decode_sent("x") is None
    assert decode_sent([]) == {} and decode_sent([{}]) == {}
    assert decode_sent([{"manager": "m", "operation": "Bogus"}]) is None
    entry = {"manager": "m", "operation": "Update", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:k": {}}}}
    assert decode_sent([{**entry, "time": "yesterday"}]) is None
    (owned,) = (decode_sent([{**entry, "time": "2001-02-03T05:05:06+01:00"}]) or {}).values()
    assert owned.time == "2001-02-03T04:05:06Z"


def test_kubectl_keeps_conflicts_outside_its_last_applied_configuration() -> None:
    tracker = _tracker()
    live = tracker.apply(None, _cm(k="v", j="1"), Writer("other", "v1"), False, NOW)
    live["metadata"]["annotations"] = {LAST_APPLIED: '{"data":{"k":"v"}}'}
    with pytest.raises(ApplyConflict) as caught:
        tracker.apply(live, _cm(k="w", j="2"), Writer("kubectl", "v1"), False, NOW)
    assert [render(path) for _, path in caught.value.conflicts] == [".data.j"]
    live["metadata"]["annotations"] = {LAST_APPLIED: "not json"}
    with pytest.raises(ApplyConflict):
        tracker.apply(live, _cm(k="w"), Writer("kubectl", "v1"), False, NOW)


def test_the_last_applied_annotation_is_written_as_go_encodes_json() -> None:
    tracker = _tracker()
    live = tracker.apply(None, _cm(k="v"), Writer("kubectl", "v1"), False, NOW)
    live["metadata"]["annotations"] = {LAST_APPLIED: '{"data":{"k":"v"}}'}
    config = _cm(k="<&>")
    config["metadata"]["annotations"] = {LAST_APPLIED: "old", "keep": "1"}
    applied = tracker.apply(live, config, Writer("kubectl", "v1"), False, NOW)
    assert applied["metadata"]["annotations"][LAST_APPLIED] == (
        '{"apiVersion":"v1","data":{"k":"\\u003c\\u0026\\u003e"},"kind":"ConfigMap",'
        '"metadata":{"annotations":{"keep":"1"},"name":"a"}}\n')
