"""The change log under threads: one order, nothing lost, waiters woken, positions
that outlive a reset or a compaction detectably expired."""

from __future__ import annotations

import threading
import time

import pytest

from fakes._clock import Clock
from fakes._journal import Journal


def test_concurrent_writers_get_one_gapless_order() -> None:
    journal = Journal(Clock())
    start = threading.Barrier(8)

    def write(writer: int) -> None:
        start.wait()
        for n in range(500):
            journal.record(f"w{writer}", "op", f"r{writer}", n=n)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = list(journal)
    assert [e.seq for e in entries] == list(range(1, 4001))
    for writer in range(8):  # each writer's own changes stay in its order
        mine = [e.detail["n"] for e in entries if e.actor == f"w{writer}"]
        assert mine == list(range(500))


def test_since_is_a_suffix_and_payload_rides_along() -> None:
    journal = Journal(Clock())
    for n in range(100):
        journal.record("a", "op", f"r{n}", payload={"n": n})
    tail = journal.since(97)
    assert [e.resource for e in tail] == ["r97", "r98", "r99"]
    assert tail[0].payload == {"n": 97}
    assert journal.since(journal.mark()) == []


def test_wait_wakes_on_the_next_change() -> None:
    journal = Journal(Clock())
    mark = journal.mark()
    got: list[list[object]] = []
    waiter = threading.Thread(target=lambda: got.append(list(journal.wait(mark, timeout=5))))
    waiter.start()
    time.sleep(0.05)
    began = time.monotonic()
    entry = journal.record("a", "op", "r")
    waiter.join(5)
    assert got == [[entry]]
    assert time.monotonic() - began < 0.5


def test_wait_returns_at_once_when_changes_are_there_and_empty_on_timeout() -> None:
    journal = Journal(Clock())
    entry = journal.record("a", "op", "r")
    assert journal.wait(0, timeout=5) == [entry]
    began = time.monotonic()
    assert journal.wait(journal.mark(), timeout=0.1) == []
    assert 0.09 <= time.monotonic() - began < 1.0


class Signal(threading.Event):
    """A cancel event that wakes its waiters (what the server hands each request)."""

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: list[object] = []

    def on_set(self, callback):  # type: ignore[no-untyped-def]
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def set(self) -> None:
        super().set()
        for callback in list(self.callbacks):
            callback()  # type: ignore[operator]


@pytest.mark.parametrize("cancel", [threading.Event(), Signal()], ids=["event", "signal"])
def test_wait_ends_when_cancelled_with_either_kind_of_event(cancel: threading.Event) -> None:
    journal = Journal(Clock())
    got: list[object] = []
    waiter = threading.Thread(
        target=lambda: got.append(journal.wait(journal.mark(), None, cancel)))
    waiter.start()
    time.sleep(0.05)
    began = time.monotonic()
    cancel.set()
    waiter.join(2)
    assert got == [[]] and time.monotonic() - began < 0.2
    if isinstance(cancel, Signal):
        assert cancel.callbacks == []  # unregistered


def test_a_reset_expires_earlier_positions_and_wakes_waiters() -> None:
    journal = Journal(Clock())
    journal.record("a", "op", "r")
    before = journal.mark()
    got: list[object] = []
    waiter = threading.Thread(target=lambda: got.append(journal.wait(before, timeout=5)))
    waiter.start()
    time.sleep(0.05)
    journal.clear()
    waiter.join(2)
    assert got == [[]] and journal.expired(before)
    assert not journal.expired(journal.mark())


def test_compaction_forgets_old_changes_and_says_so() -> None:
    journal = Journal(Clock())
    for n in range(10):
        journal.record("a", "op", f"r{n}")
    journal.compact(6)
    assert [e.seq for e in journal] == [7, 8, 9, 10]
    assert journal.expired(3) and not journal.expired(6)
    assert [e.seq for e in journal.since(8)] == [9, 10]
