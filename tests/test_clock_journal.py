"""Virtual time, the journal and fault rules: the shared machinery, without HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fakes import Clock, Journal, RealClock
from fakes.errors import UsageError
from fakes.faults import Conflict, Faults, Latency, LostResponse, ProviderFault, Throttle


def test_virtual_clock_moves_only_when_advanced() -> None:
    clock = Clock()
    first = clock.now()
    assert clock.now() == first
    clock.advance(90)
    assert clock.now() - first == timedelta(seconds=90)
    assert clock.monotonic() == 90
    clock.reset()
    assert clock.now() == first


def test_clock_refuses_to_go_back_or_naive_starts() -> None:
    with pytest.raises(ValueError, match="forward"):
        Clock().advance(-1)
    with pytest.raises(ValueError, match="timezone"):
        Clock(datetime(2026, 1, 1))


def test_real_clock_follows_wall_time_plus_skew() -> None:
    clock = RealClock()
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=1)
    clock.advance(3600)
    assert clock.now() - datetime.now(timezone.utc) > timedelta(minutes=59)


def test_journal_marks_and_since() -> None:
    clock = Clock()
    journal = Journal(clock)
    journal.record("ci", "tag.set", "app:v1", digest="sha256:1")
    mark = journal.mark()
    assert journal.since(mark) == []
    clock.advance(5)
    entry = journal.record("bot", "tag.set", "app:v2")
    assert journal.since(mark) == [entry]
    assert entry.seq == 2 and entry.actor == "bot"
    assert entry.at == clock.now()
    assert [e.resource for e in journal.changes(operation="tag.set")] == ["app:v1", "app:v2"]
    assert journal.changes(resource="app:v1")[0].detail == {"digest": "sha256:1"}
    assert len(journal) == 2 and [e.seq for e in journal] == [1, 2]
    journal.clear()
    assert list(journal) == [] and len(journal) == 0
    assert journal.expired(mark)  # what the mark saw is gone with the reset
    after = journal.mark()
    assert after.seq > 2 and not journal.expired(after)
    assert journal.record("bot", "tag.set", "app:v3").seq == after.seq + 1


def test_fault_rules_match_by_name_glob_and_route() -> None:
    faults = Faults((ProviderFault, Throttle, Latency))
    faults.add(Throttle(7), on="manifest.*", times=1)
    route = "PUT /v2/{name:path}/manifests/{reference}"
    assert faults.decide("blob.get", "GET /v2/x", "/v2/x").fault is None
    assert faults.decide("manifest.put", route, "/v2/a/manifests/v1").fault == Throttle(7)
    assert faults.decide("manifest.put", route, "/v2/a/manifests/v1").fault is None  # times=1
    faults.add(ProviderFault(503), on=route, path="^/v2/only/")
    assert faults.decide("manifest.put", route, "/v2/other/manifests/v1").fault is None
    assert faults.decide("manifest.put", route, "/v2/only/manifests/v1").fault == ProviderFault(503)
    assert [r.fired for r in faults.rules] == [1, 1]


def test_latency_adds_up_and_combines_with_one_fault() -> None:
    faults = Faults((ProviderFault, Latency))
    faults.add(Latency(0.1))
    faults.add(ProviderFault(500))
    faults.add(Latency(0.2))
    faults.add(ProviderFault(502))
    decision = faults.decide("x", "GET /x", "/x")
    assert decision.latency == pytest.approx(0.3)
    assert decision.fault == ProviderFault(500)


def test_probability_is_deterministic_per_seed() -> None:
    def run(seed: int) -> list[bool]:
        faults = Faults((ProviderFault,), seed=seed)
        faults.add(ProviderFault(), probability=0.5)
        return [faults.decide("x", "GET /x", "/x").fault is not None for _ in range(64)]

    assert run(1) == run(1)
    assert 10 < sum(run(1)) < 54
    faults = Faults((ProviderFault,), seed=3)
    faults.add(ProviderFault(), probability=0.5)
    first = [faults.decide("x", "GET /x", "/x").fault for _ in range(16)]
    faults.clear()
    faults.add(ProviderFault(), probability=0.5)
    assert [faults.decide("x", "GET /x", "/x").fault for _ in range(16)] == first


def test_fault_rules_are_checked_when_added() -> None:
    faults = Faults((ProviderFault, LostResponse))
    with pytest.raises(UsageError, match="no provider shape for Conflict"):
        faults.add(Conflict())
    with pytest.raises(UsageError, match="probability"):
        faults.add(LostResponse(), probability=2)
    with pytest.raises(UsageError, match="times"):
        faults.add(LostResponse(), times=0)
