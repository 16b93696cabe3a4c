"""Property-test a reconciler against fakes: idempotency, convergence, ownership and
no duplicated work after lost responses, with Hypothesis driving the steps.

A :class:`Reconciler` says what to test: the fakes the reconciler talks to, the user
its writes are journaled under, a Hypothesis strategy for its desired state, the
function that runs it, and how to read the state it produces. ``check()`` then runs a
rule-based state machine whose steps interleave

- new desired states;
- reconcile runs;
- drift: changes "someone else" makes through the fakes' seeding API (each
  :class:`Drift` you list);
- injected faults (each :class:`Injection` you list: throttling, provider errors,
  conflicts, lost responses, stale reads);
- clock advances, so that status can progress and TTLs pass;

and checks, after each step:

- **ownership**: a reconcile run changes only what the reconciler owns (by default:
  what it made itself in this example; see ``owns``);
- **idempotency**: a reconcile run right after a successful one, with no fault
  pending, writes nothing;

and at the end of every example:

- **convergence**: with the faults cleared and the clocks advanced by
  ``settle_seconds``, at most ``max_runs`` runs bring the observed state to the
  desired one (a lost response that made the reconciler write twice shows here as
  state that is not the desired one: two tags, two pull requests, two objects).

The fakes are reset to the state they had when :meth:`Reconciler.check` started
before every example, while their servers keep running. A failure shows the smallest
sequence of steps Hypothesis found, as numbered steps, then each fake's change log
(who wrote what, in order) and the requests that got injected faults.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import attrs
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from fakes._fake import Fake, Snapshot
from fakes._faults import Fault
from fakes._journal import Change
from fakes.diagnostics import describe_fakes

if sys.version_info < (3, 11):  # pragma: no cover - Hypothesis installs the backport there
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found]

__all__ = ["Drift", "Injection", "Reconciler", "ReconcilerFailure"]

D = TypeVar("D")  # a desired state
S = TypeVar("S")  # an observed state
A = TypeVar("A")  # a drift's arguments


@attrs.frozen
class Drift(Generic[A]):
    """A change someone else makes: ``act(args)`` with ``args`` drawn from
    ``arguments``. Use the fakes' seeding API (its writes are journaled under the
    seeding actor, not the reconciler's)."""

    name: str
    act: Callable[[A], object]
    arguments: st.SearchStrategy[A] = attrs.field(default=st.none())


@attrs.frozen
class Injection:
    """A fault rule a step may add to ``fake``: ``fake.faults.add(fault, on=on,
    times=times, path=path)``. Faults stay until they are used up or the example
    ends."""

    name: str
    fake: Fake[Any]
    fault: Fault
    on: str = "*"
    times: int = 1
    path: str | None = None


class ReconcilerFailure(AssertionError):
    """An invariant broke; the message holds the steps and the fakes' change logs."""


@attrs.define(kw_only=True)
class Reconciler(Generic[D, S]):
    """What to property-test. See the module docstring."""

    #: The fakes the reconciler talks to; reset before each example.
    fakes: Sequence[Fake[Any]]
    #: The journal actor of the reconciler's writes (the user its credentials name).
    actor: str
    #: Desired states to reconcile towards.
    desired: st.SearchStrategy[D]
    #: Run the reconciler once towards ``desired``. It may raise while faults are
    #: injected; a run that raises with no fault pending fails the test.
    reconcile: Callable[[D], object]
    #: Read the state the reconciler is responsible for, from the fakes.
    observe: Callable[[], S]
    #: Whether ``observed`` is what ``desired`` asks for; by default equality.
    converged: Callable[[D, S], bool] = attrs.field(
        default=lambda desired, observed: desired == observed)
    #: Whether the reconciler may write what ``change`` touched; by default, what it
    #: made itself in this example (a resource whose first change was its own).
    owns: Callable[[Change], bool] | None = None
    drift: Sequence[Drift[Any]] = ()
    faults: Sequence[Injection] = ()
    #: Largest clock advance one step makes (seconds); 0: no clock steps.
    max_advance: int = 60
    #: How far the clocks move before the convergence check.
    settle_seconds: float = 300.0
    #: Reconcile runs allowed to converge once faults stop.
    max_runs: int = 3

    def check(self, *, max_examples: int = 100, stateful_step_count: int = 10,
              settings: Settings | None = None) -> None:
        """Run the state machine; raise :class:`ReconcilerFailure` (through
        Hypothesis, after shrinking) when an invariant breaks."""
        machine = self.machine()
        chosen = settings if settings is not None else Settings(
            max_examples=max_examples, stateful_step_count=stateful_step_count,
            deadline=None)
        try:
            run_state_machine_as_test(machine, settings=chosen)
        except BaseExceptionGroup as found:
            # Several distinct failures: report the first invariant that broke.
            failures = found.subgroup(ReconcilerFailure)
            if failures is None:
                raise
            first = failures.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from found

    def machine(self) -> type[RuleBasedStateMachine]:
        """The state machine class, for use as a pytest test case
        (``TestPublisher = spec.machine().TestCase``)."""
        return _machine_for(self)


def _machine_for(spec: Reconciler[Any, Any]) -> type[RuleBasedStateMachine]:
    baselines = [(fake, fake.snapshot()) for fake in spec.fakes]
    makers: dict[str, str] = {}
    for fake in spec.fakes:
        for change in fake.journal:
            makers.setdefault(change.resource, change.actor)

    class ReconcilerMachine(_Machine):
        pass

    # The desired-state strategy as the rules' argument (cheaper than drawing from
    # st.data() inside the step, and Hypothesis shrinks it the same way).
    first: Any = initialize(desired=spec.desired)
    ReconcilerMachine.first_desired_state = first(_renamed(_Machine._desire,
                                                           "first_desired_state"))
    _add_rule(ReconcilerMachine, "change_desired_state", _Machine._desire,
              desired=spec.desired)

    ReconcilerMachine.spec = spec
    ReconcilerMachine.baselines = baselines
    ReconcilerMachine.baseline_makers = makers
    for drift in spec.drift:
        _add_rule(ReconcilerMachine, f"drift_{_identifier(drift.name)}",
                  _drift_rule(drift), args=drift.arguments)
    for injection in spec.faults:
        _add_rule(ReconcilerMachine, f"inject_{_identifier(injection.name)}",
                  _fault_rule(injection))
    if spec.max_advance > 0:
        _add_rule(ReconcilerMachine, "advance_clock", _Machine._advance,
                  seconds=st.integers(1, spec.max_advance))
    return ReconcilerMachine


class _Machine(RuleBasedStateMachine):
    spec: Reconciler[Any, Any]
    baselines: list[tuple[Fake[Any], Snapshot[Any]]]
    #: Who first wrote each resource of the baseline, as the journals showed it when
    #: the check started.
    baseline_makers: dict[str, str]

    def __init__(self) -> None:
        super().__init__()
        for fake, baseline in self.baselines:
            fake.reset(to=baseline)
        self.steps: list[str] = []
        self.desired: Any = None
        # Whether a desired state was drawn: None may be one ("nothing should exist").
        self.started = False
        self.lost_responses = 0
        self.failed = False

    # -- the steps -----------------------------------------------------------------

    def _desire(self, desired: Any) -> None:
        self.desired = desired
        self.started = True
        self._step(f"desired state: {desired!r}")

    @rule()
    def reconcile(self) -> None:
        faulted = self._faults_pending()
        error = self._run()
        self._check_ownership()
        if error is not None:
            if not faulted:
                self._fail(f"the reconcile run raised with no fault pending: {error!r}")
            return
        if not faulted:
            self._check_idempotent()

    def _advance(self, seconds: int) -> None:
        for clock in {id(f.clock): f.clock for f in self.spec.fakes}.values():
            clock.advance(seconds)
        self._step(f"clocks advance {seconds} s")

    def teardown(self) -> None:
        if not self.started or self.failed:
            return  # stopped before the first step, or a step failed already
        for fake in self.spec.fakes:
            fake.faults.clear()
        self._step(f"faults cleared; clocks advance {self.spec.settle_seconds:g} s")
        for clock in {id(f.clock): f.clock for f in self.spec.fakes}.values():
            clock.advance(self.spec.settle_seconds)
        for _ in range(self.spec.max_runs):
            error = self._run()
            self._check_ownership()
            if error is None and self.spec.converged(self.desired, self.spec.observe()):
                self._check_idempotent()
                return
        observed = self.spec.observe()
        lost = (f" ({self.lost_responses} lost response(s) earlier: a retried write may "
                "have been done twice)" if self.lost_responses else "")
        self._fail(f"not converged after {self.spec.max_runs} reconcile runs without "
                   f"faults{lost}:\n  desired:  {self.desired!r}\n  observed: {observed!r}")

    # -- the checks ----------------------------------------------------------------

    def _run(self) -> BaseException | None:
        self._marks = [fake.journal.last for fake in self.spec.fakes]
        before = [len(fake.faults.fired) for fake in self.spec.fakes]
        try:
            self.spec.reconcile(self.desired)
        except Exception as error:  # the reconciler's own errors are data here
            outcome: BaseException | None = error
        else:
            outcome = None
        writes = len(self._own_changes())
        faults = [f for fake, n in zip(self.spec.fakes, before, strict=True)
                  for f in fake.faults.fired[n:]]
        self.lost_responses += sum(f.kind == "LostResponse" for f in faults)
        hit = f"; faults hit: {', '.join(f.describe() for f in faults)}" if faults else ""
        result = "ok" if outcome is None else f"raised {type(outcome).__name__}: {outcome}"
        self._step(f"reconcile: {result} ({writes} write(s){hit})")
        return outcome

    def _own_changes(self) -> list[Change]:
        return [c for fake, mark in zip(self.spec.fakes, self._marks, strict=True)
                for c in fake.journal.since(mark) if c.actor == self.spec.actor]

    def _check_idempotent(self) -> None:
        if self._run() is not None:
            self._fail("a reconcile run right after a successful one raised")
        again = self._own_changes()
        if again:
            listed = "\n".join(f"  {c.operation} {c.resource}" for c in again)
            self._fail("not idempotent: a reconcile run right after a successful one "
                       f"wrote again:\n{listed}")

    def _check_ownership(self) -> None:
        owns = self.spec.owns or self._made_by_reconciler
        foreign = [c for c in self._own_changes() if not owns(c)]
        if foreign:
            listed = "\n".join(f"  {c.operation} {c.resource}" for c in foreign)
            self._fail(f"changed what it does not own:\n{listed}")

    def _made_by_reconciler(self, change: Change) -> bool:
        """The resource's first writer was the reconciler: in the baseline's journal,
        else in this example's (a resource no journal shows is the change's own)."""
        maker = self.baseline_makers.get(change.resource)
        if maker is None:
            maker = next((c.actor for fake in self.spec.fakes for c in fake.journal
                          if c.resource == change.resource), change.actor)
        return maker == self.spec.actor

    def _faults_pending(self) -> bool:
        return any(rule.times is None or rule.fired < rule.times
                   for fake in self.spec.fakes for rule in fake.faults.rules)

    # -- the report ----------------------------------------------------------------

    def _step(self, text: str) -> None:
        self.steps.append(text)

    def _fail(self, problem: str) -> None:
        self.failed = True
        steps = "\n".join(f"  {n}. {s}" for n, s in enumerate(self.steps, 1))
        raise ReconcilerFailure(f"{problem}\n\nsteps:\n{steps}\n\n"
                                f"{describe_fakes(self.spec.fakes)}")


def _drift_rule(drift: Drift[Any]) -> Callable[..., None]:
    def step(self: _Machine, args: Any) -> None:
        drift.act(args)
        self._step(f"drift: {drift.name}" + ("" if args is None else f" {args!r}"))
    return step


def _fault_rule(injection: Injection) -> Callable[..., None]:
    def step(self: _Machine) -> None:
        injection.fake.faults.add(injection.fault, on=injection.on, times=injection.times,
                                  path=injection.path)
        self._step(f"inject {injection.name}: {type(injection.fault).__name__} on "
                   f"{injection.on} x{injection.times}")
    return step


def _add_rule(machine: type[RuleBasedStateMachine], name: str,
              function: Callable[..., None], **arguments: st.SearchStrategy[Any]) -> None:
    function = _renamed(function, name)
    make_rule: Any = rule  # its overloads do not take a mapping of strategies
    setattr(machine, name, make_rule(**arguments)(function))


def _renamed(function: Callable[..., None], name: str) -> Callable[..., None]:
    def step(*args: Any, **kwargs: Any) -> None:
        function(*args, **kwargs)
    step.__name__ = step.__qualname__ = name
    return step


def _identifier(name: str) -> str:
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_") or "step"
