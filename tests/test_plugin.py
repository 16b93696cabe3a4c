"""The pytest fixtures, exercised in a separate pytest run with pytester."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_fixtures_share_one_server_and_reset_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        urls = []

        def test_first(fake_registry):
            urls.append(fake_registry.url)
            fake_registry.push_blob("team/app", b"left over")
            fake_registry.clock.advance(60)
            assert fake_registry.repositories() == ["team/app"]

        def test_second_starts_clean(fake_registry):
            urls.append(fake_registry.url)
            assert urls[0] == urls[1]
            assert fake_registry.repositories() == []
            assert list(fake_registry.journal) == []
            assert fake_registry.clock.monotonic() == 0
            assert requests.get(fake_registry.url + "/v2/").status_code == 200

        def test_factory_builds_configured_fakes(fake_registry_factory, fake_registry):
            from fakes import Account
            locked = fake_registry_factory(accounts=[Account("ci", "pw")], anonymous_pull=False)
            assert locked.url != fake_registry.url
            assert requests.get(locked.url + "/v2/").status_code == 401
            pytest_factory_fakes.append(locked)

        pytest_factory_fakes = []

        def test_factory_fakes_are_stopped_after_the_test():
            assert not pytest_factory_fakes[0].running
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(passed=4)


def test_plugin_is_registered_by_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "def test_x(fake_registry_server):\n    assert fake_registry_server.running\n"
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
