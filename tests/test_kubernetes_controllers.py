"""The controller runner: wake-ups, timers on the clock, switches, retries, reset."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import pytest

from fakes._clock import RealClock
from fakes.kubernetes import FakeCluster
from fakes.kubernetes._controllers import Controller, ControllerApi

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace"}


class Countdown(Controller):
    """Writes ``data.ticks`` on a ConfigMap labelled ``countdown``: one tick per
    ``every`` seconds of the fake's clock, until ``data.stop``."""

    name = "countdown"
    actor = "system:serviceaccount:kube-system:countdown"
    resource = ("", "configmaps")
    kind = "ConfigMap"
    every: ClassVar[float] = 10.0

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        cm = api.get("", "configmaps", namespace, name)
        if cm is None or "countdown" not in (cm["metadata"].get("labels") or {}):
            return None
        data = cm.setdefault("data", {})
        ticks, stop, now = int(data.get("ticks", "0")), int(data.get("stop", "3")), \
            api.clock.monotonic()
        if ticks < stop and now >= ticks * self.every:
            ticks += 1
            data["ticks"] = str(ticks)
            data["at"] = data.get("at", "") + f"{now:g},"
            api.update("", "configmaps", cm)
        return None if ticks >= stop else ticks * self.every - now


def counting(fake: FakeCluster, name: str = "c", stop: int = 3) -> None:
    fake.apply({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "labels": {"countdown": "yes"}},
                "data": {"stop": str(stop)}})


def test_a_write_wakes_a_controller_and_timers_run_as_the_clock_passes_them() -> None:
    fake = FakeCluster(controllers=False)
    fake.controllers.add(Countdown())
    counting(fake)
    # The first tick is due at once: it ran before apply() returned.
    assert fake.get("ConfigMap", "c")["data"]["ticks"] == "1"
    fake.clock.advance(25)  # stops at 10 and at 20
    assert fake.get("ConfigMap", "c")["data"] == {"stop": "3", "ticks": "3", "at": "0,10,20,"}
    assert fake.controllers.next_due() is None
    actors = {c.actor for c in fake.journal.since(0) if c.operation == "configmaps.update"}
    assert actors == {Countdown.actor}


def test_controllers_switch_off_and_catch_up_when_switched_on() -> None:
    fake = FakeCluster(controllers=["serviceaccount"])
    assert fake.controllers.enabled == ["serviceaccount"]
    fake.apply({**NAMESPACE, "metadata": {"name": "team"}})
    assert [a["metadata"]["name"] for a in fake.list("ServiceAccount", "team")] == ["default"]
    assert fake.list("ConfigMap", "team") == []
    fake.controllers.enable("root-ca-cert-publisher")
    assert [c["metadata"]["name"] for c in fake.list("ConfigMap", "team")] == [
        "kube-root-ca.crt"]
    fake.controllers.disable("serviceaccount")
    fake.delete("ServiceAccount", "default", "team")
    assert fake.list("ServiceAccount", "team") == []
    with pytest.raises(ValueError, match="no controller named 'kubelett'"):
        fake.controllers.disable("kubelett")
    fake.controllers.add(Countdown())
    with pytest.raises(ValueError, match="exists already"):
        fake.controllers.add(Countdown())


def test_reset_drops_timers_and_the_controllers_catch_up_with_the_restored_state() -> None:
    fake = FakeCluster(controllers=False)
    fake.controllers.add(Countdown())
    counting(fake)
    saved = fake.snapshot()
    fake.clock.advance(10)
    assert fake.get("ConfigMap", "c")["data"]["ticks"] == "2"
    fake.reset(to=saved)
    # The clock is back at 0 and the restored object has one tick: the next is at 10 s.
    assert fake.get("ConfigMap", "c")["data"]["ticks"] == "1"
    assert fake.controllers.next_due() == 10.0
    fake.reset()
    assert fake.controllers.next_due() is None


class Stubborn(Controller):
    """Fails with a conflict a few times, as a controller racing another writer does."""

    name = "stubborn"
    actor = "system:serviceaccount:kube-system:stubborn"
    resource = ("", "configmaps")
    kind = "ConfigMap"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[float] = []

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        self.calls.append(api.clock.monotonic())
        if len(self.calls) <= self.failures:
            stale = api.get("", "configmaps", namespace, name)
            assert stale is not None
            stale["metadata"]["resourceVersion"] = "1"
            api.update("", "configmaps", stale)  # 409: not the stored version
        return None


def test_a_refused_write_is_retried_at_once_then_with_backoff_on_the_clock() -> None:
    fake = FakeCluster(controllers=False)
    stubborn = Stubborn(failures=5)
    fake.controllers.add(stubborn)
    fake.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    assert stubborn.calls == [0, 0, 0, 0]  # the first try and three at once
    fake.clock.advance(10)
    assert stubborn.calls == [0, 0, 0, 0, 2, 6]  # then 2 s, then 4 s later: it succeeded


class Restless(Controller):
    name = "restless"
    actor = "system:serviceaccount:kube-system:restless"
    resource = ("", "configmaps")
    kind = "ConfigMap"

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        cm: Any = api.get("", "configmaps", namespace, name)
        cm["data"] = {"n": str(int((cm.get("data") or {}).get("n", "0")) + 1)}
        api.update("", "configmaps", cm)  # wakes itself again, for ever
        return None


def test_controllers_that_never_settle_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes.kubernetes import _controllers

    monkeypatch.setattr(_controllers, "_MAX_SYNCS", 50)
    fake = FakeCluster(controllers=False)
    fake.controllers.add(Restless())
    with pytest.raises(RuntimeError, match="did not settle after 50 syncs"):
        fake.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})


def test_events_are_recorded_as_the_controller_manager_records_them() -> None:
    fake = FakeCluster(controllers=False)
    fake.controllers.add(Countdown())
    counting(fake)
    api = ControllerApi(fake.store, Countdown(), fake.controllers._random)
    regarding = fake.get("ConfigMap", "c")
    first = api.event(regarding, "Normal", "Ticked", "one tick")
    assert first["metadata"]["name"].startswith("c.")
    assert first["involvedObject"] == {
        "apiVersion": "v1", "kind": "ConfigMap", "name": "c", "namespace": "default",
        "uid": regarding["metadata"]["uid"],
        "resourceVersion": regarding["metadata"]["resourceVersion"]}
    assert (first["source"], first["reportingComponent"], first["count"]) == (
        {"component": "countdown-controller"}, "countdown-controller", 1)
    fake.clock.advance(1)
    again = api.event(regarding, "Normal", "Ticked", "one tick")
    assert again["metadata"]["name"] == first["metadata"]["name"]
    assert (again["count"], again["firstTimestamp"], again["lastTimestamp"]) == (
        2, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z")
    other = api.event(regarding, "Warning", "Ticked", "another message")
    assert other["metadata"]["name"] != first["metadata"]["name"]
    assert len(fake.list("Event", "default")) == 2


def test_a_namespace_being_deleted_gets_nothing_new() -> None:
    fake = FakeCluster()
    fake.apply({**NAMESPACE, "metadata": {"name": "team", "finalizers": ["example.com/x"]}})
    fake.apply({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "held", "namespace": "team",
                             "finalizers": ["example.com/hold"]}})
    fake.delete("Namespace", "team")
    assert fake.list("ServiceAccount", "team") == []
    assert [c["metadata"]["name"] for c in fake.list("ConfigMap", "team")] == ["held"]


def test_under_a_real_clock_timers_run_on_their_own() -> None:
    with FakeCluster(clock=RealClock(), controllers=False) as fake:
        fake.controllers.add(Countdown())
        Countdown.every = 0.2
        try:
            counting(fake, stop=2)
            deadline = time.monotonic() + 10
            while fake.get("ConfigMap", "c")["data"]["ticks"] != "2":
                assert time.monotonic() < deadline, "the timer never ran"
                time.sleep(0.05)
        finally:
            Countdown.every = 10.0
