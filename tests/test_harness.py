"""The generic conformance harness (fakes.conformance), on a toy provider's suite."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fakes.conformance import (
    MIN_AGE,
    BudgetExceeded,
    RequestBudget,
    Suite,
    Target,
    expiry_cutoff,
    new_run_id,
    run_started,
)

pytest_plugins = ["pytester"]

CONFTEST = """
import attrs

from fakes.conformance import Suite, Target

CLOSED = []


@attrs.frozen
class Capabilities:
    profile: str
    moves: bool
    colour: str


class Toy(Target):
    def __init__(self, name):
        self.name = name
        super().__init__(Capabilities(profile=f"toy-{name}", moves=name == "fake",
                                      colour="red"))

    def close(self):
        CLOSED.append(self.name)
        print(f"closed {self.name}")


suite = Suite(provider="toy", make_target=Toy, real_variables=("TOY_URL", "TOY_TOKEN"),
              real_description="the toy at {TOY_URL}", target_metavar="TOY")
pytest_configure = suite.pytest_configure
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
pytest_generate_tests = suite.pytest_generate_tests
target = suite.target_fixture()
"""

TESTS = """
import pytest

behaviour = pytest.mark.behaviour


@behaviour("TOY-1", "it moves", cite="https://toy.test/spec#moves")
def test_moves(target):
    target.require("moves")


@behaviour("TOY-2", "it is blue", cite="https://toy.test/spec#colour")
def test_colour(target):
    target.require("colour", "blue")


@behaviour("TOY-3", "it fails", cite="https://toy.test/spec#fails")
def test_fails(target):
    assert target.name == "nothing"


@behaviour("TOY-4", "run-scoped names", cite="https://toy.test/spec#names")
def test_names(target):
    first, second = target.run_name("a"), target.run_name("b", separator="-")
    assert first == f"vf-conformance/{target.run_id}/a-1"
    assert second == f"vf-conformance-{target.run_id}-b-2"
"""


@pytest.fixture
def toy(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for variable in ("FAKES_CONFORMANCE_TARGETS", "FAKES_CONFORMANCE_REAL", "TOY_URL",
                     "TOY_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_toy=TESTS)
    return pytester


def test_the_fake_alone_by_default(toy: pytest.Pytester) -> None:
    result = toy.runpytest_inprocess("-rs", "-s", "-p", "no:randomly")
    result.assert_outcomes(passed=2, skipped=1, failed=1)
    result.stdout.fnmatch_lines([
        "*target 'fake' (profile toy-fake) has colour='red'; this test needs colour='blue'*",
    ])
    # Teardown runs once, at the end of the session, although a test failed.
    assert result.stdout.str().count("closed fake") == 1


def test_behaviour_ids_select_tests(toy: pytest.Pytester) -> None:
    result = toy.runpytest_inprocess("-p", "no:randomly", "-k", "TOY-1 or TOY-4")
    result.assert_outcomes(passed=2, deselected=2)


def test_a_configured_real_target_is_refused_without_the_opt_in(
    toy: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOY_URL", "toy://prod")
    monkeypatch.setenv("TOY_TOKEN", "secret")
    result = toy.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*refusing to run the toy conformance suite against the toy at toy://prod: real "
        "targets are opt-in. Select it explicitly with `fakes conformance --provider toy "
        "--target TOY` (or set FAKES_CONFORMANCE_REAL=1)*",
    ])


def test_a_real_target_needs_all_its_variables(
    toy: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKES_CONFORMANCE_TARGETS", "real")
    monkeypatch.setenv("TOY_URL", "toy://prod")
    result = toy.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*target 'real' needs TOY_TOKEN*"])


def test_opted_in_the_same_tests_run_on_both_targets(
    toy: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOY_URL", "toy://sandbox")
    monkeypatch.setenv("TOY_TOKEN", "secret")
    monkeypatch.setenv("FAKES_CONFORMANCE_REAL", "1")
    result = toy.runpytest_inprocess("-rs", "-s", "-p", "no:randomly")
    result.assert_outcomes(passed=3, skipped=3, failed=2)
    result.stdout.fnmatch_lines([
        "SKIPPED*target 'real' (profile toy-real) has moves=False; this test needs moves=True",
    ])
    out = result.stdout.str()
    assert out.count("closed fake") == out.count("closed real") == 1


def test_unknown_target_names_are_refused(
    toy: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKES_CONFORMANCE_TARGETS", "fake,prod")
    result = toy.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*FAKES_CONFORMANCE_TARGETS: unknown targets ?'prod'?"])


def test_a_test_without_a_behaviour_stops_the_run(toy: pytest.Pytester) -> None:
    toy.makepyfile(test_bare="""
        import pytest

        def test_unmarked(target):
            pass

        @pytest.mark.behaviour("TOY-9", "no citation")
        def test_uncited(target):
            pass

        def test_without_target():
            pass
    """)
    result = toy.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*conformance tests without behaviour:",
        "test_bare.py::test_unmarked?fake?: no @pytest.mark.behaviour",
        "test_bare.py::test_uncited?fake?: behaviour needs (id, description, cite=...)",
    ])


def test_a_suite_without_a_real_target() -> None:
    suite = Suite(provider="local", make_target=lambda name: Target(None))
    assert suite.selected_targets({}) == ["fake"]
    with pytest.raises(pytest.UsageError, match="the local suite has no real target"):
        suite.selected_targets({"FAKES_CONFORMANCE_TARGETS": "fake,real"})


def test_a_real_target_can_be_configured_by_an_alternative_variable() -> None:
    suite = Suite(provider="toy", make_target=lambda name: Target(None),
                  real_variables=("TOY_URL", "TOY_TOKEN"),
                  real_description="the toy at {TOY_URL}",
                  real_alternatives={"TOY_LOCAL": "a local toy ({TOY_LOCAL})"})
    opted = {"FAKES_CONFORMANCE_REAL": "1"}
    assert suite.selected_targets({"TOY_LOCAL": "here", **opted}) == ["fake", "real"]
    assert suite.selected_targets({"TOY_URL": "u", "TOY_TOKEN": "t", **opted}) == [
        "fake", "real"]
    assert suite.selected_targets({"TOY_URL": "u", **opted}) == ["fake"]
    with pytest.raises(pytest.UsageError, match=r"needs TOY_URL and TOY_TOKEN \(or TOY_LOCAL\)"):
        suite.selected_targets({"FAKES_CONFORMANCE_TARGETS": "real"})
    with pytest.raises(pytest.UsageError, match=r"against a local toy \(here\): real targets"):
        suite.selected_targets({"FAKES_CONFORMANCE_TARGETS": "real", "TOY_LOCAL": "here"})


def test_run_ids_carry_their_start_and_expire() -> None:
    run_id = new_run_id(datetime(2026, 11, 27, 12, 53, 1, tzinfo=timezone.utc).timestamp())
    assert run_id.startswith("20261127-125301-") and len(run_id) == 22
    started = datetime(2026, 11, 27, 12, 53, 1, tzinfo=timezone.utc)
    assert run_started(f"vf-conformance/{run_id}/tags-3") == started
    assert run_started(f"vf-conformance-{run_id}-tags-3") == started
    assert run_started(f"vf-conformance/{run_id}-tags-3") is None  # one separator throughout
    assert run_started("team/app") is None
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    assert expiry_cutoff(timedelta(hours=24), now) == now - timedelta(hours=24)
    assert expiry_cutoff(timedelta(0), now) == now - MIN_AGE


def test_the_request_budget() -> None:
    budget = RequestBudget(2, target="the toy")
    budget.spend()
    budget.spend()
    with pytest.raises(BudgetExceeded, match=r"budget of 2 requests to the toy "
                       r"\(FAKES_CONFORMANCE_MAX_REQUESTS\)"):
        budget.spend()
    unlimited = RequestBudget(None)
    for _ in range(5):
        unlimited.spend()
    assert unlimited.used == 5


@pytest.mark.parametrize(
    ("environ", "limit"),
    [
        ({}, 20000),
        ({"FAKES_CONFORMANCE_MAX_REQUESTS": "50"}, 50),
        ({"FAKES_CONFORMANCE_MAX_REQUESTS": ""}, None),
        ({"FAKES_REGISTRY_MAX_REQUESTS": "7"}, 7),
        ({"FAKES_CONFORMANCE_MAX_REQUESTS": "50", "FAKES_REGISTRY_MAX_REQUESTS": "7"}, 50),
    ],
)
def test_the_budget_limit_comes_from_the_environment(
    environ: dict[str, str], limit: int | None
) -> None:
    assert RequestBudget.limit_from_environment(
        environ, legacy=("FAKES_REGISTRY_MAX_REQUESTS",)
    ) == limit


def test_the_artifacts_suite_reads_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes.conformance.artifacts.targets import RealTarget

    env = {"FAKES_REGISTRY_URL": "http://127.0.0.1:9", "FAKES_REGISTRY_MAX_REQUESTS": "3"}
    target = RealTarget.from_environment(env)
    assert target.budget.limit == 3
    target.budget.used = 3
    with pytest.raises(BudgetExceeded, match="to the real registry"):
        target.budget.spend()
