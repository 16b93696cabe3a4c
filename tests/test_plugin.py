"""The pytest fixtures, exercised in separate pytest runs with pytester."""

from __future__ import annotations

from pathlib import Path

import pytest

import _demo_provider

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
            from fakes.artifacts import Account
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
        """
        import sys

        def test_the_fake_is_not_imported_before_a_fixture_asks():
            assert "fakes.artifacts._registry" not in sys.modules

        def test_x(fake_registry_server):
            assert fake_registry_server.running
            assert "fakes.artifacts._registry" in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures")
    out = result.stdout.str()
    assert "fake_registry_server [session scope]" in out
    assert "The artifacts fake (fakes.artifacts.FakeRegistry), reset before" in out
    assert "fake_registry_factory" in out


def test_fixtures_work_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_each_worker_has_its_own_server(fake_registry, n):
            fake_registry.push_blob("team/app", b"x")
            assert fake_registry.repositories() == ["team/app"]
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=4)


def test_a_plugged_in_provider_gets_fixtures_and_a_missing_extra_a_clear_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    site = _demo_provider.install(tmp_path / "site")
    monkeypatch.setenv("PYTHONPATH", _demo_provider.environment(site)["PYTHONPATH"])
    pytester.makepyfile(
        """
        import requests

        def test_mirror(mirror_registry, mirror_registry_factory):
            assert requests.get(mirror_registry.url + "/v2/").status_code == 200
            assert mirror_registry_factory().url != mirror_registry.url

        def test_needy(needy_fake):
            pass

        def test_unrelated():
            pass

        def test_toy_store(fake_kv):
            assert requests.put(fake_kv.url + "/kv/a", data=b"1").status_code == 200
            assert fake_kv.items() == {"a": "1"}

        def test_toy_store_starts_clean(fake_kv):
            assert fake_kv.items() == {}
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines([
        "verified-fakes: the needy provider needs vf_demo_not_installed, "
        "which is not installed: pip install 'verified-fakes[needy]'",
    ])
    listed = pytester.runpytest_subprocess("--fixtures").stdout.str()
    assert "needy_fake_server [session scope]" in listed
    assert "mirror_registry_factory" in listed


def test_two_providers_with_one_name_stop_pytest_with_the_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    site = _demo_provider.install(tmp_path / "site", duplicate=True)
    monkeypatch.setenv("PYTHONPATH", _demo_provider.environment(site)["PYTHONPATH"])
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*two providers are named 'artifacts'*"])


def test_a_failing_test_can_report_each_fakes_change_log(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests
        from fakes.faults import Throttle

        def test_publisher(fake_registry):
            fake_registry.push_blob("team/app", b"seeded")
            fake_registry.faults.add(Throttle(), on="tags.list")
            requests.get(fake_registry.url + "/v2/team/app/tags/list")
            assert False, "the publisher did the wrong thing"

        def test_passing(fake_registry):
            fake_registry.push_blob("team/app", b"seeded")
        """
    )
    quiet = pytester.runpytest_subprocess("-p", "no:randomly")
    quiet.assert_outcomes(passed=1, failed=1)
    assert "change log" not in quiet.stdout.str()
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--fakes-journal")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*- fakes: fake_registry -*",
        "FakeRegistry change log (1 change(s)):",
        "  #* 00:00:00 seed: blob.push team/app@sha256:*",
        "FakeRegistry injected faults (1):",
        "  Throttle on tags.list /v2/team/app/tags/list",
    ])
    assert result.stdout.str().count("change log") == 1  # the passing test has no report
    pytester.makeini("[pytest]\nfakes_journal = true\n")
    from_ini = pytester.runpytest_subprocess("-p", "no:randomly")
    from_ini.stdout.fnmatch_lines(["*- fakes: fake_registry -*"])
