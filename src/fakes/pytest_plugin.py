"""pytest fixtures for every installed fake, registered through the ``pytest11`` entry point.

For each provider (see :mod:`fakes.providers`) whose fixture base name is ``<name>``
there are three fixtures:

* ``<name>_server`` — session-scoped, started once per test session (once per
  xdist worker);
* ``<name>`` — the same fake, reset before each test, so every test starts
  from an empty store, an empty journal, no fault rules and time zero;
* ``<name>_factory`` — builds extra, separately configured fakes that are
  stopped when the test ends.

With ``--fakes-journal`` (or ``fakes_journal = true`` in the ini file), a failing
test's report gets a section per fake it used: the fake's change log (who wrote what,
in order) and the requests that got injected faults.

They are made when pytest loads this module, from the providers' descriptors, and
set on it as module attributes (``fake_registry``, …), where pytest finds them. A
fake's module is imported only when one of its fixtures is first used, so a
provider whose extra is not installed costs nothing until a test asks for it, and
then fails with the ``pip install`` that fixes it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from fakes import providers as _providers
from fakes._fake import Fake
from fakes.errors import MissingExtraError, PluginError
from fakes.providers import Provider

__all__ = ["fixtures_for"]


def _fake_class(provider: Provider) -> type[Fake[Any]]:
    try:
        return provider.load_fake()
    except MissingExtraError as error:
        message = str(error)
    pytest.fail(message, pytrace=False)  # the message says it all: no traceback


def fixtures_for(provider: Provider) -> dict[str, Any]:
    """The three fixtures of ``provider``, by name."""
    server_name, name, factory_name = provider.fixtures
    what = f"the {provider.name} fake ({provider.fake.replace(':', '.')})"
    title = what[0].upper() + what[1:]

    def server() -> Iterator[Fake[Any]]:
        fake = _fake_class(provider)()
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()

    def per_test(request: pytest.FixtureRequest) -> Fake[Any]:
        fake: Fake[Any] = request.getfixturevalue(server_name)
        fake.reset()
        return fake

    def factory() -> Iterator[Callable[..., Fake[Any]]]:
        cls = _fake_class(provider)
        started: list[Fake[Any]] = []

        def make(**options: Any) -> Fake[Any]:
            fake = cls(**options)
            fake.start()
            started.append(fake)
            return fake

        try:
            yield make
        finally:
            for fake in started:
                fake.stop()

    server.__doc__ = f"{title}, started once per session (per xdist worker)."
    per_test.__doc__ = (
        f"{title}, reset before the test: empty store and journal, no fault rules, "
        f"clock at zero (the server of ``{server_name}``)."
    )
    factory.__doc__ = (
        f"``make(**options)`` builds and starts separately configured fakes: {what}; "
        "they are stopped after the test."
    )
    return {
        server_name: pytest.fixture(scope="session", name=server_name)(server),
        name: pytest.fixture(name=name)(per_test),
        factory_name: pytest.fixture(name=factory_name)(factory),
    }


def _install(namespace: dict[str, Any]) -> PluginError | None:
    """Set every provider's fixtures in ``namespace``; the discovery error, if any, is
    returned for :func:`pytest_configure` to report as a usage error."""
    try:
        installed = _providers.providers()
    except PluginError as error:
        return error
    for provider in installed.values():
        for name, fixture in fixtures_for(provider).items():
            if name in namespace:
                return PluginError(
                    f"provider {provider.name!r}: its fixture {name!r} would replace "
                    f"{__name__}.{name}"
                )
            namespace[name] = fixture
    return None


def pytest_configure(config: pytest.Config) -> None:
    if _SETUP_ERROR is not None:
        raise pytest.UsageError(str(_SETUP_ERROR))


def pytest_addoption(parser: pytest.Parser) -> None:
    journal_help = ("add each fake's change log and the requests that got injected faults "
                    "to the report of a failing test")
    parser.addoption("--fakes-journal", action="store_true", default=None, help=journal_help)
    parser.addini("fakes_journal", journal_help, type="bool", default=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and _journal_wanted(item.config):
        from fakes.diagnostics import describe_fake

        seen: set[int] = set()
        for name, value in getattr(item, "funcargs", {}).items():
            if isinstance(value, Fake) and id(value) not in seen:
                seen.add(id(value))
                report.sections.append((f"fakes: {name}", describe_fake(value)))
    return report


def _journal_wanted(config: pytest.Config) -> bool:
    option = config.getoption("fakes_journal")
    return bool(option) if option is not None else bool(config.getini("fakes_journal"))


_SETUP_ERROR = _install(globals())
