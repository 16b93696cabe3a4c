"""pytest fixtures for every fake, registered through the ``pytest11`` entry point.

For each fake there are three fixtures:

* ``<name>_server`` — session-scoped, started once per test session (once per
  xdist worker);
* ``<name>`` — the same fake, reset before each test, so every test starts
  from an empty store, an empty journal, no fault rules and time zero;
* ``<name>_factory`` — builds extra, separately configured fakes that are
  stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from fakes._fake import Fake
from fakes.artifacts import FakeRegistry

F = TypeVar("F", bound=Fake[Any])


def _fixtures(cls: type[F], name: str) -> tuple[Any, Any, Any]:
    @pytest.fixture(scope="session", name=f"{name}_server")
    def server() -> Iterator[F]:
        fake = cls()
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()

    @pytest.fixture(name=name)
    def per_test(request: pytest.FixtureRequest) -> F:
        fake: F = request.getfixturevalue(f"{name}_server")
        fake.reset()
        return fake

    @pytest.fixture(name=f"{name}_factory")
    def factory() -> Iterator[Callable[..., F]]:
        started: list[F] = []

        def make(**options: Any) -> F:
            fake = cls(**options)
            fake.start()
            started.append(fake)
            return fake

        try:
            yield make
        finally:
            for fake in started:
                fake.stop()

    return server, per_test, factory


fake_registry_server, fake_registry, fake_registry_factory = _fixtures(
    FakeRegistry, "fake_registry"
)
