"""The real GitHub target's pacing and budget, checked without real time: the pacer's
sleep and clocks are injected, and the "real" GitHub is the fake with a throttle fault."""

from __future__ import annotations

import pytest
import requests

from fakes._faults import Throttle
from fakes.conformance._target import BudgetExceeded, RequestBudget
from fakes.conformance.github._pacing import FALLBACK_WAIT, Pacer, RateLimited, rate_limit_wait
from fakes.conformance.github.targets import GITHUB_COM, FakeTarget, RealTarget
from fakes.github import FakeGitHub


class Time:
    """A monotonic clock that only sleeping moves."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds

    def pacer(self, **options: float) -> Pacer:
        return Pacer(sleep=self.sleep, monotonic=lambda: self.now, now=lambda: self.now,
                     **options)  # type: ignore[arg-type]


def _response(status: int, headers: dict[str, str] | None = None, text: str = ""
              ) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = text.encode()
    return response


def test_writes_are_a_second_apart_and_reads_are_not_paced() -> None:
    clock = Time()
    pacer = clock.pacer()
    for method in ("GET", "POST", "GET", "PATCH", "DELETE"):
        pacer.send(method, lambda: _response(200))
        clock.now += 0.25  # the request itself took a quarter of a second
    assert clock.slept == [0.5, 0.75]  # a second from the start of the write before
    clock.now += 5
    pacer.send("PUT", lambda: _response(201))
    assert clock.slept == [0.5, 0.75]  # long enough since the last write


def test_the_wait_github_asks_for() -> None:
    assert rate_limit_wait(_response(403, {"Retry-After": "7"}), now=0) == 7
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}
    assert rate_limit_wait(_response(403, reset), now=1000) == 30
    assert rate_limit_wait(_response(429), now=0) == FALLBACK_WAIT
    secondary = '{"message": "You have exceeded a secondary rate limit."}'
    assert rate_limit_wait(_response(403, text=secondary), now=0) == FALLBACK_WAIT
    refusal = '{"message": "Must have admin rights to Repository."}'
    assert rate_limit_wait(_response(403, text=refusal), now=0) is None
    assert rate_limit_wait(_response(200, {"Retry-After": "7"}), now=0) is None


def test_a_rate_limited_request_is_retried_after_the_wait_and_then_given_up() -> None:
    clock = Time()
    pacer = clock.pacer(retries=2)
    answers = [_response(200), _response(429, {"Retry-After": "3"})]  # popped from the end
    assert pacer.send("GET", answers.pop).status_code == 200
    assert clock.slept == [3.0]
    limited = [_response(429, {"Retry-After": "2"}) for _ in range(5)]
    assert pacer.send("GET", limited.pop).status_code == 429
    assert clock.slept == [3.0, 2.0, 2.0] and len(limited) == 2


def test_a_spent_hourly_limit_stops_the_run_instead_of_sleeping_for_it() -> None:
    clock = Time()
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 3000)}
    with pytest.raises(RateLimited, match="wait 3000 s"):
        clock.pacer().send("GET", lambda: _response(403, spent))
    assert clock.slept == []


def test_the_budget_of_a_run_against_github(monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes.conformance.github import targets

    made: list[RequestBudget] = []

    class Probe(RealTarget):
        def __init__(self, *args: object) -> None:
            made.append(args[-1])  # type: ignore[arg-type]
            raise RuntimeError("stop here")

    env = {"FAKES_GITHUB_API_URL": "http://127.0.0.1:9", "FAKES_GITHUB_TOKEN": "t",
           "FAKES_GITHUB_OWNER": "o"}
    for extra, expected in (({}, targets.GITHUB_BUDGET),
                            ({"FAKES_CONFORMANCE_MAX_REQUESTS": "300"}, 300)):
        with pytest.raises(RuntimeError, match="stop here"):
            Probe.from_environment({**env, **extra})
        assert made[-1].limit == expected


@pytest.fixture
def real_on_the_fake(fake_github_server: FakeGitHub) -> RealTarget:
    fake_github_server.reset()
    fake_github_server.create_repo("vf-sandbox/paced", auto_init=True)
    token = fake_github_server.token_for("vf-sandbox", scopes=("repo",))
    return RealTarget(fake_github_server.url, token, "vf-sandbox", GITHUB_COM,
                      RequestBudget(5, target="the real GitHub"))


def test_the_real_target_honours_a_secondary_rate_limit(fake_github_server: FakeGitHub,
                                                        real_on_the_fake: RealTarget) -> None:
    clock = Time()
    real_on_the_fake.pacer = clock.pacer()
    fake_github_server.faults.add(Throttle(retry_after=4), on="issues/create", times=1)
    made = real_on_the_fake.http("POST", "/repos/vf-sandbox/paced/issues",
                                 json={"title": "once"})
    assert made.status_code == 201 and clock.slept == [4.0]
    issues = real_on_the_fake.http("GET", "/repos/vf-sandbox/paced/issues").json()
    assert [i["title"] for i in issues] == ["once"]  # the throttled attempt wrote nothing
    assert real_on_the_fake.budget is not None and real_on_the_fake.budget.used == 3


def test_the_budget_stops_the_run_loudly(real_on_the_fake: RealTarget) -> None:
    real_on_the_fake.pacer = Time().pacer()
    for _ in range(5):
        real_on_the_fake.http("GET", "/repos/vf-sandbox/paced")
    with pytest.raises(BudgetExceeded, match="budget of 5 requests to the real GitHub"):
        real_on_the_fake.http("GET", "/repos/vf-sandbox/paced")


def test_the_fake_target_is_not_paced() -> None:
    target = FakeTarget()
    try:
        assert target.pacer is None
    finally:
        target.close()
