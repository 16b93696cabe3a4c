"""Strategic merge patch on plain JSON values and through the store, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from fakes import Clock, Journal
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._model import STRATEGIC_MERGE_PATCH, Cluster
from fakes.kubernetes._patch import StrategicError, strategic_merge
from fakes.kubernetes._resources import registry

POD = "io.k8s.api.core.v1.Pod"


def smp(target: Any, patch: Any, definition: str = POD) -> Any:
    return strategic_merge(target, patch, registry().definitions, definition)


def test_the_target_is_not_changed_in_place() -> None:
    target = {"spec": {"containers": [{"name": "a", "image": "x"}]}}
    smp(target, {"spec": {"containers": [{"name": "a", "image": "y"}]}})
    assert target["spec"]["containers"][0]["image"] == "x"


def test_fields_the_schema_does_not_know_merge_as_maps_and_replace_as_lists() -> None:
    merged = smp({"x": {"a": 1, "l": [1]}}, {"x": {"b": 2, "l": [2]}})
    assert merged == {"x": {"a": 1, "b": 2, "l": [2]}}


def test_an_empty_merge_list_stays_away() -> None:
    assert smp({"metadata": {}}, {"metadata": {"finalizers": []}}) == {"metadata": {}}


def test_a_new_list_takes_its_directives_applied_to_nothing() -> None:
    merged = smp({"spec": {}}, {"spec": {"containers": [
        {"name": "a", "$patch": "delete"}, {"name": "b"}]}})
    assert merged == {"spec": {"containers": [{"name": "b"}]}}


def test_maps_in_a_primitive_merge_list_have_no_merge_key() -> None:
    with pytest.raises(StrategicError, match="cannot merge lists without merge key"):
        smp({"metadata": {}}, {"metadata": {"finalizers": [{"a": 1}]}})


def test_mixed_element_types_are_refused() -> None:
    with pytest.raises(StrategicError, match=r"not identical: \[\[a\] \[map\[b:1\]\]\]"):
        smp({"metadata": {"finalizers": ["a"]}}, {"metadata": {"finalizers": [{"b": 1}]}})


def test_a_set_element_order_of_a_missing_list_is_ignored() -> None:
    assert smp({"spec": {}}, {"spec": {"$setElementOrder/containers": [{"name": "a"}]}}) == {
        "spec": {}}


def test_the_store_answers_what_cannot_merge_with_500_and_changes_nothing() -> None:
    cluster = Cluster(Journal(Clock()), Clock())
    configmaps = registry().get("", "v1", "configmaps")
    namespaces = registry().get("", "v1", "namespaces")
    assert configmaps is not None and namespaces is not None
    cluster.create(namespaces, "", {"metadata": {"name": "default"}}, "test")
    cluster.create(configmaps, "default", {"metadata": {"name": "a", "finalizers": ["x"]}},
                   "test")
    with pytest.raises(StatusError) as refused:
        cluster.patch(configmaps, "default", "a", STRATEGIC_MERGE_PATCH,
                      b'{"metadata":{"finalizers":[{"b":true}]}}', "test")
    assert refused.value.status == 500 and "map[b:true]" in str(refused.value)
    assert cluster.get(configmaps, "default", "a")["metadata"]["finalizers"] == ["x"]
