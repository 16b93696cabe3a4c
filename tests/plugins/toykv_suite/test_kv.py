"""Behaviours of the toy key-value store, as its module docstring states them."""

from __future__ import annotations

import json
import threading

import pytest
import requests

CONTRACT = "toykv (tests/plugins/toykv): the toy provider's own contract"


@pytest.mark.behaviour("KV-001", "a write reads back; an identical write changes nothing",
                       cite=CONTRACT)
def test_put_and_get(target) -> None:  # type: ignore[no-untyped-def]
    first = requests.put(f"{target.url}/kv/a", data=b"1").json()
    again = requests.put(f"{target.url}/kv/a", data=b"1").json()
    assert first["version"] == again["version"] == 1
    assert requests.get(f"{target.url}/kv/a").json()["value"] == "1"


@pytest.mark.behaviour("KV-002", "a write with a stale version is a 409 and changes nothing",
                       cite=CONTRACT)
def test_stale_version(target) -> None:  # type: ignore[no-untyped-def]
    requests.put(f"{target.url}/kv/b", data=b"1")
    requests.put(f"{target.url}/kv/b", data=b"2")
    refused = requests.put(f"{target.url}/kv/b", data=b"3", params={"if_version": "1"})
    assert (refused.status_code, refused.json()["error"]) == (409, "conflict")
    assert requests.get(f"{target.url}/kv/b").json() == {"key": "b", "value": "2",
                                                         "version": 2}


@pytest.mark.behaviour("KV-003", "a watch streams every change after its position, in order",
                       cite=CONTRACT)
def test_watch(target) -> None:  # type: ignore[no-untyped-def]
    last = requests.get(f"{target.url}/kv").json()["last"]
    with requests.get(f"{target.url}/kv", params={"watch": "1", "after": last},
                      stream=True, timeout=10) as stream:
        writer = threading.Thread(target=lambda: [
            requests.put(f"{target.url}/kv/w", data=str(n).encode()) for n in range(3)])
        writer.start()
        lines = stream.iter_lines()
        events = [json.loads(next(lines)) for _ in range(3)]
        writer.join()
    assert [e["object"]["value"] for e in events] == ["0", "1", "2"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


@pytest.mark.behaviour("KV-004", "a watch that expires ends with an in-band error line",
                       cite=CONTRACT)
def test_watch_gone(target) -> None:  # type: ignore[no-untyped-def]
    target.require("fault_injection")
    from toykv import WatchGone

    target.fake.faults.add(WatchGone(), on="kv.watch", times=1)
    response = requests.get(f"{target.url}/kv", params={"watch": "1"}, timeout=10)
    assert response.status_code == 200
    assert [json.loads(line) for line in response.text.splitlines()] == [
        {"type": "error", "error": "gone"}]
