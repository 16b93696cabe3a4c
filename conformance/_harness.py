"""The pytest side of every conformance suite: targets, the real-target opt-in, and the
rule that every test names the behaviour it checks.

A provider's suite builds one :class:`Suite` in its ``conftest.py`` and hands its hooks
and its ``target`` fixture to pytest there::

    from fakes.conformance import Suite

    suite = Suite(
        provider="artifacts",
        make_target=make_target,                  # "fake" | "real" -> a Target
        real_variables=("FAKES_REGISTRY_URL",),   # set when a real target is configured
        real_description="the real registry at {FAKES_REGISTRY_URL}",
        target_metavar="URL",
    )

    pytest_configure = suite.pytest_configure
    pytest_collection_modifyitems = suite.pytest_collection_modifyitems
    pytest_generate_tests = suite.pytest_generate_tests
    target = suite.target_fixture()

Every test that uses ``target`` then runs once per selected target, chosen by the
environment (``fakes conformance`` sets it):

- ``FAKES_CONFORMANCE_TARGETS``: ``fake``, ``real`` or ``fake,real``; when unset,
  ``fake``, plus ``real`` if the suite's real variables are set;
- ``FAKES_CONFORMANCE_REAL=1``: the explicit opt-in without which the suite refuses
  to start against a real target; ``fakes conformance`` sets it only for targets
  named with ``--target``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import pytest

from fakes.conformance._target import TARGET_INFO, Target

__all__ = [
    "BEHAVIOUR_MARKER",
    "REAL_VARIABLE",
    "TARGETS_VARIABLE",
    "TARGET_NAMES",
    "Suite",
    "behaviour_problems",
]

TARGETS_VARIABLE = "FAKES_CONFORMANCE_TARGETS"
REAL_VARIABLE = "FAKES_CONFORMANCE_REAL"
TARGET_NAMES = ("fake", "real")

BEHAVIOUR_MARKER = (
    "behaviour(id, description, cite): the provider behaviour a conformance test checks, "
    "with the documentation URL (or measured fact) it relies on"
)


def behaviour_problems(items: list[pytest.Item]) -> list[str]:
    """Tests that use ``target`` without ``@pytest.mark.behaviour(id, description,
    cite=...)``, one line each."""
    problems = []
    for item in items:
        if not item.nodeid.replace("\\", "/").split("::")[0].endswith(".py"):
            continue
        if "target" not in getattr(item, "fixturenames", ()):
            continue
        marker = item.get_closest_marker("behaviour")
        if marker is None:
            problems.append(f"{item.nodeid}: no @pytest.mark.behaviour")
            continue
        cite = marker.kwargs.get("cite")
        if len(marker.args) != 2 or not cite:
            problems.append(f"{item.nodeid}: behaviour needs (id, description, cite=...)")
    return problems


@attrs.frozen(kw_only=True)
class Suite:
    """One provider's conformance suite, as the harness sees it."""

    #: The provider's name, for messages.
    provider: str
    #: Builds the target a test runs against: ``make_target("fake")`` or ``("real")``.
    make_target: Callable[[str], Target]
    #: Environment variables that configure the real target (all of them needed); none:
    #: the suite has no real target.
    real_variables: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    #: The real target in messages, formatted with the environment.
    real_description: str = "the real provider"
    #: How ``fakes conformance --target`` spells a real target, for messages.
    target_metavar: str = "VALUE"
    #: Variables that configure a real target alone, instead of ``real_variables``
    #: (one started on this machine for the run, say), each with how messages name it.
    real_alternatives: Mapping[str, str] = attrs.field(factory=dict)

    def _real_configured(self, env: Mapping[str, str]) -> str | None:
        """How messages name the real target ``env`` configures; None: it configures none."""
        for variable, description in self.real_alternatives.items():
            if env.get(variable):
                return description.format_map(env)
        if self.real_variables and all(env.get(v) for v in self.real_variables):
            return self.real_description.format_map(env)
        return None

    def selected_targets(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """Target names this run covers; raises ``pytest.UsageError`` for a real target
        the user did not opt in to."""
        env = dict(os.environ if environ is None else environ)
        configured = self._real_configured(env)
        raw = env.get(TARGETS_VARIABLE)
        if raw:
            names = [n.strip() for n in raw.split(",") if n.strip()]
        else:
            names = ["fake"] + (["real"] if configured is not None else [])
        unknown = sorted(set(names) - set(TARGET_NAMES))
        if unknown:
            raise pytest.UsageError(f"{TARGETS_VARIABLE}: unknown targets {unknown}")
        if "real" in names:
            if not self.real_variables and not self.real_alternatives:
                raise pytest.UsageError(f"the {self.provider} suite has no real target")
            if configured is None:
                needed = " and ".join(v for v in self.real_variables if not env.get(v))
                needed += "".join(f" (or {v})" for v in self.real_alternatives)
                raise pytest.UsageError(f"target 'real' needs {needed}")
            if env.get(REAL_VARIABLE) != "1":
                raise pytest.UsageError(
                    f"refusing to run the {self.provider} conformance suite against "
                    f"{configured}: real targets are opt-in. "
                    "Select it explicitly with `fakes conformance --provider "
                    f"{self.provider} --target {self.target_metavar}` (or set "
                    f"{REAL_VARIABLE}=1), and point it at a sandbox: the suite creates and "
                    "deletes content there."
                )
        return list(dict.fromkeys(names))

    # -- hooks for the suite's conftest ----------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", BEHAVIOUR_MARKER)
        self.selected_targets()  # refuse early, before anything is collected or started

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Every conformance test names a behaviour and a citation."""
        problems = behaviour_problems(items)
        if problems:
            raise pytest.UsageError(
                "conformance tests without behaviour:\n" + "\n".join(problems)
            )
        for item in items:  # so that `-k "K8S-444 or K8S-520"` selects by behaviour id
            marker = item.get_closest_marker("behaviour")
            if marker is not None and marker.args:
                item.extra_keyword_matches.add(str(marker.args[0]))

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "target" in metafunc.fixturenames:
            names = self.selected_targets()
            metafunc.parametrize("target", names, ids=names, indirect=True, scope="session")

    def target_fixture(self) -> Any:
        """The session-scoped ``target`` fixture: one target per selected name, closed
        at the end of the session whatever the tests did."""
        make_target = self.make_target

        def target(request: pytest.FixtureRequest) -> Iterator[Target]:
            built = make_target(request.param)
            try:
                # For the JSON report: which target this is and its version, asked once.
                request.config.stash.setdefault(TARGET_INFO, {})[request.param] = (
                    built.describe())
                yield built
            finally:
                built.close()

        target.__doc__ = (
            f"The {self.provider} target under test (``fake`` or ``real``); everything the "
            "run created is removed at the end of the session."
        )
        return pytest.fixture(scope="session", name="target")(target)
