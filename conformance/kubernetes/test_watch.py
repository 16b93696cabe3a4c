"""Watches: change events streamed one JSON object per line."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target

WATCH = API_CONCEPTS + "#efficient-detection-of-changes"
BOOKMARKS = API_CONCEPTS + "#watch-bookmarks"
GONE = API_CONCEPTS + "#410-gone-responses"


def _events(target: Target, path: str, *, until: int | None = None,
            timeout: float = 10) -> list[dict[str, Any]]:
    """The events a watch at ``path`` streams (up to ``until`` of them)."""
    events: list[dict[str, Any]] = []
    with target.http("GET", path, stream=True, timeout=timeout) as answer:
        assert answer.status_code == 200, answer.text
        assert answer.headers.get("Transfer-Encoding") == "chunked"
        assert answer.headers["Content-Type"].startswith("application/json")
        for line in answer.iter_lines():
            if line:
                events.append(json.loads(line))
                if until is not None and len(events) >= until:
                    break
    return events


def _later(action: Any, delay: float = 0.5) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), action()))
    thread.start()
    return thread


@behaviour("K8S-050", "a watch from a list's resourceVersion streams ADDED, MODIFIED and "
           "DELETED in order, each object with its new resourceVersion", cite=WATCH)
def test_watch_from_a_version(target: Target) -> None:
    ns = target.namespace("watch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    version = target.http("GET", path).json()["metadata"]["resourceVersion"]
    writes: list[str] = []

    def act() -> None:
        made = target.http("POST", path, body=cm("a", ns)).json()
        changed = target.http("PUT", f"{path}/a", body={**made, "data": {"k": "2"}}).json()
        writes.extend([made["metadata"]["resourceVersion"],
                       changed["metadata"]["resourceVersion"]])
        target.http("DELETE", f"{path}/a")

    thread = _later(act)
    events = _events(target, f"{path}?watch=1&resourceVersion={version}&timeoutSeconds=8"
                             "&fieldSelector=metadata.name%3Da", until=3)
    thread.join()
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert all(e["object"]["kind"] == "ConfigMap" for e in events)
    assert [e["object"]["metadata"]["resourceVersion"] for e in events[:2]] == writes
    assert events[2]["object"]["metadata"]["resourceVersion"] not in writes


@behaviour("K8S-051", "a watch without a resourceVersion begins with an ADDED event for each "
           "object that exists", cite=API_CONCEPTS + "#semantics-for-watch")
def test_watch_from_now(target: Target) -> None:
    ns = target.namespace("watchnow")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name in ("a", "b"):
        target.http("POST", path, body=cm(name, ns, labels={"w": "x"}))
    events = _events(target, f"{path}?watch=1&labelSelector=w&timeoutSeconds=5", until=2)
    assert sorted((e["type"], e["object"]["metadata"]["name"]) for e in events) == [
        ("ADDED", "a"), ("ADDED", "b")]


@behaviour("K8S-052", "a watch applies its selectors: an object that starts matching is ADDED, "
           "one that stops matching is DELETED", cite=WATCH + " and " + MEASURED)
def test_watch_selectors(target: Target) -> None:
    ns = target.namespace("watchsel")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body=cm("a", ns)).json()
    version = made["metadata"]["resourceVersion"]

    def act() -> None:
        target.http("POST", path, body=cm("other", ns))
        merge = "application/merge-patch+json"
        target.http("PATCH", f"{path}/a", raw=b'{"metadata":{"labels":{"in":"yes"}}}',
                    content_type=merge)
        target.http("PATCH", f"{path}/a", raw=b'{"data":{"k":"2"}}', content_type=merge)
        target.http("PATCH", f"{path}/a", raw=b'{"metadata":{"labels":{"in":"no"}}}',
                    content_type=merge)

    thread = _later(act)
    events = _events(target, f"{path}?watch=true&resourceVersion={version}"
                             "&labelSelector=in%3Dyes&timeoutSeconds=8", until=3)
    thread.join()
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    # The object that left is shown as it was, at the version that made it leave.
    left = events[2]["object"]["metadata"]
    assert left["labels"] == {"in": "yes"}
    current = target.http("GET", f"{path}/a").json()["metadata"]
    assert left["resourceVersion"] == current["resourceVersion"]


@behaviour("K8S-053", "timeoutSeconds ends the watch; with allowWatchBookmarks, a watch that "
           "began with the existing objects marks their end with a BOOKMARK",
           cite=BOOKMARKS + " and " + MEASURED)
def test_watch_timeout_and_bookmark(target: Target) -> None:
    ns = target.namespace("bookmark")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name in ("a", "b"):
        target.http("POST", path, body=cm(name, ns, labels={"mark": "x"}))
    started = time.monotonic()
    events = _events(target, f"{path}?watch=1&labelSelector=mark&timeoutSeconds=3"
                             "&allowWatchBookmarks=true", timeout=20)
    took = time.monotonic() - started
    assert 2.5 <= took < 10
    # Further bookmarks may follow at any time (the apiserver sends some right before
    # the timeout, measured 0 to 2 of them); only the first one marks the initial end.
    assert [e["type"] for e in events[:3]] == ["ADDED", "ADDED", "BOOKMARK"]
    assert {e["type"] for e in events[3:]} <= {"BOOKMARK"}
    mark = events[2]["object"]
    assert (mark["kind"], mark["apiVersion"]) == ("ConfigMap", "v1")
    assert mark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(mark["metadata"]["resourceVersion"]) >= max(
        int(e["object"]["metadata"]["resourceVersion"]) for e in events[:2])


@behaviour("K8S-054", "a watch from a resourceVersion older than the history kept gets an "
           "ERROR event with a 410 Expired Status", cite=GONE)
def test_watch_expired(target: Target) -> None:
    target.require("virtual_clock")
    ns = target.namespace("gone")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    old = target.http("POST", path, body=cm("a", ns)).json()["metadata"]["resourceVersion"]
    target.http("POST", path, body=cm("b", ns))
    target.advance_clock(301)
    target.http("POST", path, body=cm("c", ns))
    events = _events(target, f"{path}?watch=1&resourceVersion={old}&timeoutSeconds=5")
    assert [e["type"] for e in events] == ["ERROR"]
    status = events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith(f"too old resource version: {old} (")


@behaviour("K8S-055", "the official client's watch.Watch streams typed events",
           cite="https://github.com/kubernetes-client/python/blob/master/kubernetes/base/"
                "watch/watch.py")
def test_client_watch(target: Target) -> None:
    from kubernetes import watch

    ns = target.namespace("clientwatch")
    core = target.api("CoreV1Api")
    thread = _later(lambda: core.create_namespaced_config_map(ns, cm("a", ns)))
    seen = []
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_config_map, ns, label_selector="!skip",
                               field_selector="metadata.name=a", timeout_seconds=8):
        seen.append((event["type"], event["object"].metadata.name))
        stream.stop()
    thread.join()
    assert seen == [("ADDED", "a")]


@behaviour("K8S-056", "a watch with a resourceVersion that is not one is refused",
           cite=MEASURED)
def test_watch_bad_version(target: Target) -> None:
    status = failure(target, "GET", "/api/v1/namespaces/default/configmaps?watch=1"
                                    "&resourceVersion=abc&timeoutSeconds=1")
    assert status["code"] == 500
    assert status["message"] == ('resourceVersion: Invalid value: "abc": strconv.ParseUint: '
                                 'parsing "abc": invalid syntax')
    listed = failure(target, "GET", "/api/v1/namespaces/default/configmaps?resourceVersion=abc")
    assert (listed["code"], listed["message"]) == (400, (
        'invalid resource version: resourceVersion: Invalid value: "abc": '
        'strconv.ParseUint: parsing "abc": invalid syntax'))


@behaviour("K8S-057", "a watch with sendInitialEvents=true (a streaming list) begins with "
           "the objects as they are, whatever resourceVersion it names, and with "
           "allowWatchBookmarks marks their end with a BOOKMARK; sendInitialEvents=false "
           "begins with nothing but the changes after the resourceVersion",
           cite=API_CONCEPTS + "#streaming-lists and " + MEASURED)
def test_streaming_list(target: Target) -> None:
    ns = target.namespace("stream")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    first = target.http("POST", path, body=cm("a", ns, labels={"s": "1"})).json()
    target.http("POST", path, body=cm("b", ns, labels={"s": "1"}))
    since = first["metadata"]["resourceVersion"]
    stream = (f"{path}?watch=1&labelSelector=s&sendInitialEvents=true"
              "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
    for query in ("", f"&resourceVersion={since}", "&resourceVersion=0"):
        events = _events(target, stream + query, until=3)
        assert [(e["type"], e["object"]["metadata"].get("name")) for e in events] == [
            ("ADDED", "a"), ("ADDED", "b"), ("BOOKMARK", None)]
        assert events[2]["object"]["metadata"]["annotations"] == {
            "k8s.io/initial-events-end": "true"}
    # Without bookmarks the initial events come alone; the next event is a change.
    quiet = f"{path}?watch=1&labelSelector=s&sendInitialEvents=true" \
            "&resourceVersionMatch=NotOlderThan"
    writer = _later(lambda: target.http("POST", path, body=cm("c", ns, labels={"s": "1"})))
    events = _events(target, quiet, until=3)
    writer.join()
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"), ("ADDED", "b"), ("ADDED", "c")]
    replay = _events(target, f"{path}?watch=1&labelSelector=s&sendInitialEvents=false"
                             f"&resourceVersionMatch=NotOlderThan&resourceVersion={since}",
                     until=2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in replay] == [
        ("ADDED", "b"), ("ADDED", "c")]


@behaviour("K8S-058", "a streaming list needs resourceVersionMatch=NotOlderThan, and "
           "resourceVersionMatch on a watch needs sendInitialEvents: 422 Invalid "
           "ListOptions naming every broken rule; a resourceVersion the server has not "
           "reached is an ERROR event", cite=API_CONCEPTS + "#streaming-lists and " + MEASURED)
def test_streaming_list_options(target: Target) -> None:
    ns = target.namespace("streamopts")
    path = f"/api/v1/namespaces/{ns}/configmaps?watch=1&timeoutSeconds=5"
    status = failure(target, "GET", path + "&sendInitialEvents=true")
    assert status["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
    assert status["details"] == {"group": "meta.k8s.io", "kind": "ListOptions", "causes": [{
        "reason": "FieldValueForbidden", "field": "resourceVersionMatch",
        "message": "Forbidden: sendInitialEvents requires setting resourceVersionMatch to "
                   "NotOlderThan"}]}
    status = failure(target, "GET", path + "&resourceVersionMatch=Exact")
    assert status["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided, "
        'resourceVersionMatch: Unsupported value: "Exact": supported values: '
        '"NotOlderThan"]')
    assert [c["reason"] for c in status["details"]["causes"]] == [
        "FieldValueForbidden", "FieldValueNotSupported"]
    current = target.http("GET", f"/api/v1/namespaces/{ns}/configmaps").json()
    ahead = int(current["metadata"]["resourceVersion"]) + 10_000_000
    events = _events(target, f"{path}&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                             f"&resourceVersion={ahead}", until=1, timeout=20)
    assert events[0]["type"] == "ERROR"
    error = events[0]["object"]
    assert (error["code"], error["reason"]) == (504, "Timeout")
    assert error["message"].startswith(f"Timeout: Too large resource version: {ahead}, ")


@behaviour("K8S-059", "a watch may end under its client, cleanly or with an ERROR event "
           "carrying 410 Expired; watching again from the last resourceVersion seen misses "
           "no change", cite=API_CONCEPTS + "#efficient-detection-of-changes and " + GONE)
def test_watch_ends_under_its_client(target: Target) -> None:
    target.require("fault_injection")
    from fakes.kubernetes.faults import WatchEnded, WatchExpired

    ns = target.namespace("watchends")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    since = target.http("GET", path).json()["metadata"]["resourceVersion"]
    for name in ("a", "b", "c"):
        target.http("POST", path, body=cm(name, ns))
    try:
        target.inject(WatchEnded(after=1), on="configmaps.watch", times=1)
        first = _events(target, f"{path}?watch=1&resourceVersion={since}")
        assert [e["object"]["metadata"]["name"] for e in first] == ["a"]
        target.inject(WatchExpired(after=1), on="configmaps.watch", times=1)
        last = first[-1]["object"]["metadata"]["resourceVersion"]
        second = _events(target, f"{path}?watch=1&resourceVersion={last}")
        assert [e["type"] for e in second] == ["ADDED", "ERROR"]
        assert second[0]["object"]["metadata"]["name"] == "b"
        assert (second[1]["object"]["code"], second[1]["object"]["reason"]) == (410, "Expired")
        last = second[0]["object"]["metadata"]["resourceVersion"]
        third = _events(target, f"{path}?watch=1&resourceVersion={last}", until=1)
        assert [e["object"]["metadata"]["name"] for e in third] == ["c"]
    finally:
        target.clear_faults()
