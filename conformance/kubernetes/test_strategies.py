"""What ``fakes.kubernetes.strategies`` draws, a server accepts and selects by.

Users draw on these strategies for their own property tests; drawing them against the
target here means a strategy can never produce an object or a selector the real API
server refuses, or one whose meaning the fake gets wrong.
"""

from __future__ import annotations

import itertools
import re
import urllib.parse
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.conformance.kubernetes._support import behaviour
from fakes.conformance.kubernetes.targets import MEASURED, Target
from fakes.kubernetes import strategies

LABELS = "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
NAMES = "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"

# A handful of examples: against a real server each one writes objects.
EXAMPLES = settings(max_examples=10, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
_counter = itertools.count()
_namespaces: dict[int, str] = {}


def _namespace(target: Target) -> str:
    """One namespace per target for all examples (namespaces are slow to make)."""
    if id(target) not in _namespaces:
        _namespaces[id(target)] = target.namespace("strategies")
    return _namespaces[id(target)]


@behaviour("K8S-280", "ConfigMaps and Deployments drawn from fakes.kubernetes.strategies are "
           "created (201) and read back with the labels, data, selector and containers "
           "they were sent with", cite=NAMES + " and " + LABELS + " and " + MEASURED)
@EXAMPLES
@given(config_map=strategies.config_maps(name=strategies.names(max_length=40)),
       deployment=strategies.deployments(name=strategies.names(max_length=40)))
def test_drawn_objects_are_accepted(target: Target, config_map: dict[str, Any],
                                    deployment: dict[str, Any]) -> None:
    ns = _namespace(target)
    n = next(_counter)
    config_map["metadata"]["name"] = f"{n}-{config_map['metadata']['name']}"[:40].strip(".-")
    deployment["metadata"]["name"] = f"{n}-{deployment['metadata']['name']}"[:40].strip(".-")
    made = target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body=config_map)
    assert made.status_code == 201, made.text
    read = target.http("GET", f"/api/v1/namespaces/{ns}/configmaps/"
                              f"{config_map['metadata']['name']}").json()
    assert (read.get("data") or {}) == config_map["data"]
    assert (read["metadata"].get("labels") or {}) == config_map["metadata"]["labels"]
    assert (read["metadata"].get("annotations") or {}) == config_map["metadata"]["annotations"]
    made = target.http("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body=deployment)
    assert made.status_code == 201, made.text
    spec = made.json()["spec"]
    assert spec["selector"] == deployment["spec"]["selector"]
    assert spec["template"]["metadata"]["labels"] == deployment["spec"]["template"][
        "metadata"]["labels"]
    assert [(c["name"], c["image"]) for c in spec["template"]["spec"]["containers"]] == [
        (c["name"], c["image"]) for c in deployment["spec"]["template"]["spec"]["containers"]]


# Few keys and values, so that drawn selectors match some of the drawn objects.
_KEYS = st.sampled_from(["app", "tier", "example.com/team"])
_VALUES = st.sampled_from(["", "a", "b", "c-1"])


@behaviour("K8S-281", "label selectors drawn from fakes.kubernetes.strategies select exactly "
           "the objects whose labels satisfy every requirement", cite=LABELS)
@EXAMPLES
@given(label_sets=st.lists(st.dictionaries(_KEYS, _VALUES, max_size=3), min_size=1,
                           max_size=5),
       selector=strategies.label_selectors(_KEYS, _VALUES))
def test_drawn_selectors_select(target: Target, label_sets: list[dict[str, str]],
                                selector: str) -> None:
    ns = _namespace(target)
    example = f"x{next(_counter)}"
    for i, object_labels in enumerate(label_sets):
        made = target.http("POST", f"/api/v1/namespaces/{ns}/configmaps", body={
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"{example}-{i}", "labels": {**object_labels, "ex": example}}})
        assert made.status_code == 201, made.text
    query = urllib.parse.quote(f"ex={example},{selector}")
    listed = target.http("GET", f"/api/v1/namespaces/{ns}/configmaps?labelSelector={query}")
    assert listed.status_code == 200, listed.text
    names = sorted(o["metadata"]["name"] for o in listed.json()["items"])
    assert names == sorted(f"{example}-{i}" for i, object_labels in enumerate(label_sets)
                           if _satisfies(selector, object_labels)), selector


def _satisfies(selector: str, labels: dict[str, str]) -> bool:
    """The documented meaning of a selector (LABELS), evaluated independently of the
    fake: every requirement must hold."""
    return all(_holds(requirement, labels) for requirement in _requirements(selector))


def _holds(requirement: str, labels: dict[str, str]) -> bool:
    if found := re.fullmatch(r"(\S+) (in|notin) \((.*)\)", requirement):
        key, operator, listed = found.groups()
        inside = key in labels and labels[key] in listed.split(",")
        return inside if operator == "in" else not inside
    if found := re.fullmatch(r"([^=!\s]+)(==|=|!=)(.*)", requirement):
        key, operator, value = found.groups()
        equal = key in labels and labels[key] == value
        return equal if operator != "!=" else not equal
    if requirement.startswith("!"):
        return requirement[1:] not in labels
    return requirement in labels


def _requirements(selector: str) -> list[str]:
    """The requirements of a selector; commas inside parentheses do not split."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]
