"""CustomResourceDefinitions in the Kubernetes fake's store, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from fakes import Clock, Journal
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._model import Cluster, DeleteOptions
from fakes.kubernetes._resources import ResourceType, registry
from fakes.kubernetes._schema import apply_defaults, prune, validate

CRDS = registry().get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
assert CRDS is not None


def definition(**version: Any) -> dict[str, Any]:
    return {"metadata": {"name": "widgets.example.com"}, "spec": {
        "group": "example.com", "scope": "Cluster",
        "names": {"plural": "widgets", "kind": "Widget"},
        "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
            "openAPIV3Schema": {"type": "object", "properties": {"spec": {
                "type": "object", "properties": {"size": {"type": "integer"}}}}}},
            **version}]}}


def widgets(cluster: Cluster) -> ResourceType:
    rt = cluster.types.get("example.com", "v1", "widgets")
    assert rt is not None
    return rt


def test_snapshot_and_reset_keep_types_and_objects_together() -> None:
    cluster = Cluster(Journal(Clock()), Clock())
    empty = cluster.snapshot()
    cluster.create(CRDS, "", definition(), "test")
    cluster.create(widgets(cluster), "", {"metadata": {"name": "a"}, "spec": {"size": 1}},
                   "test")
    served = cluster.snapshot()
    cluster.reset(empty)
    assert cluster.types.get("example.com", "v1", "widgets") is None
    cluster.reset(served)
    assert cluster.get(widgets(cluster), "", "a")["spec"] == {"size": 1}
    cluster.reset()
    assert cluster.types.get("example.com", "v1", "widgets") is None


def test_deleting_a_definition_waits_for_objects_with_finalizers() -> None:
    cluster = Cluster(Journal(Clock()), Clock())
    cluster.create(CRDS, "", definition(), "test")
    rt = widgets(cluster)
    cluster.create(rt, "", {"metadata": {"name": "a", "finalizers": ["example.com/x"]}}, "t")
    cluster.delete(CRDS, "", "widgets.example.com", DeleteOptions(), "test")
    assert cluster.get(CRDS, "", "widgets.example.com")["metadata"]["deletionTimestamp"]
    held = cluster.get(rt, "", "a")
    held["metadata"]["finalizers"] = []
    cluster.update(rt, "", "a", held, "test")
    with pytest.raises(StatusError):
        cluster.get(CRDS, "", "widgets.example.com")
    assert cluster.types.get("example.com", "v1", "widgets") is None


def test_unmodelled_definitions_are_refused() -> None:
    cluster = Cluster(Journal(Clock()), Clock())
    webhook = definition()
    webhook["spec"]["conversion"] = {"strategy": "Webhook"}
    with pytest.raises(StatusError) as raised:
        cluster.create(CRDS, "", webhook, "test")
    assert raised.value.status == 501


def test_schema_helpers() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "array", "items": {
        "type": "object", "properties": {"b": {"type": "string", "default": "x"}}}}},
        "additionalProperties": False}
    value = {"a": [{"c": 1}, {}]}
    assert prune(schema, value) == ["a[0].c"]
    apply_defaults(schema, value)
    assert value == {"a": [{"b": "x"}, {"b": "x"}]}
    assert validate({"type": "string", "nullable": True}, None) == []
