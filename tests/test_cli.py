"""The `fakes` command: `fakes serve`, `fakes providers`, providers as plug-ins."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import _demo_provider
from fakes.artifacts._provider import account
from fakes.cli import main


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fakes.cli", "serve", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _fakes(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakes.cli", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )


def test_serve_prints_the_url_first_and_serves_until_terminated() -> None:
    process = _serve("artifacts", "--account", "ci:pw:pull,push")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        response = requests.get(url + "/v2/", timeout=5)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith(f'Bearer realm="{url}/token"')
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_on_a_signal_within_a_second(signum: signal.Signals) -> None:
    process = _serve("artifacts")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        with requests.Session() as client:  # a kept-alive connection does not hold it up
            assert client.get(url + "/v2/", timeout=5).status_code == 200
            sent = time.monotonic()
            process.send_signal(signum)
            code = process.wait(timeout=5)
            assert time.monotonic() - sent < 1.0
        assert code == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_refuses_other_interfaces_without_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "artifacts", "--host", "0.0.0.0"]) == 2
    assert "loopback only" in capsys.readouterr().err


def test_serve_needs_a_provider(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "nonesuch"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nonesuch'" in capsys.readouterr().err


def test_serve_help_shows_the_options_of_each_provider(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "  fakes serve artifacts [-h] [--host HOST] [--port PORT]" in out
    assert "[--no-anonymous-pull]" in out


def test_account_specs() -> None:
    ci = account("ci:pw:pull")
    assert (ci.username, ci.pull, ci.push) == ("ci", ("*",), ())
    assert account("admin:pw").delete == ("*",)
    with pytest.raises(Exception, match="expected user:password"):
        account("nopassword")
    with pytest.raises(Exception, match="unknown actions: write"):
        account("ci:pw:write")


def test_providers_lists_the_installed_providers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("artifacts — OCI Distribution registry")
    assert "extra:        artifacts (installed)" in out
    assert "fixtures:     fake_registry_server, fake_registry, fake_registry_factory" in out
    assert "fakes conformance --provider artifacts --target fake|URL" in out


# -- a third-party provider, installed next to verified-fakes ------------------------------


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, str]:
    """The environment of a process that sees the demo providers."""
    return _demo_provider.environment(_demo_provider.install(tmp_path / "site"))


def test_a_plugged_in_provider_is_listed_with_its_missing_extra(demo: dict[str, str]) -> None:
    result = _fakes("providers", env=demo)
    assert result.returncode == 0, result.stderr
    assert "mirror — the registry fake again, from a third-party plug-in" in result.stdout
    assert "fixtures:     mirror_registry_server, mirror_registry" in result.stdout
    assert (
        "extra:        needy (missing vf_demo_not_installed: pip install "
        "'verified-fakes[needy]')" in result.stdout
    )


def test_a_missing_extra_breaks_neither_import_nor_help(demo: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import fakes, fakes.pytest_plugin, fakes.cli"],
        capture_output=True, text=True, env=demo, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    for args in (["--help"], ["serve", "--help"], ["conformance", "--help"]):
        result = _fakes(*args, env=demo)
        assert result.returncode == 0, result.stderr
    assert "needy" in _fakes("serve", "--help", env=demo).stdout


def test_serving_a_provider_whose_extra_is_missing_says_what_to_install(
    demo: dict[str, str],
) -> None:
    result = _fakes("serve", "needy", env=demo)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "fakes serve needy: verified-fakes: the needy provider needs vf_demo_not_installed, "
        "which is not installed: pip install 'verified-fakes[needy]'\n"
    )


def test_a_plugged_in_provider_is_served_with_its_own_options(demo: dict[str, str]) -> None:
    process = _serve("mirror", "--greeting", "hi", env=demo)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert requests.get(url + "/v2/", timeout=5).status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    assert process.stderr is not None
    assert "greeting: hi" in process.stderr.read()


def test_two_providers_with_one_name_are_refused(tmp_path: Path) -> None:
    env = _demo_provider.environment(_demo_provider.install(tmp_path, duplicate=True))
    result = _fakes("providers", env=env)
    assert result.returncode == 2
    assert "two providers are named 'artifacts'" in result.stderr
    assert "uninstall one of them" in result.stderr


def test_a_provider_with_a_fake_of_its_own_is_served(demo: dict[str, str]) -> None:
    process = _serve("toykv", env=demo)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert requests.put(f"{url}/kv/colour", data=b"blue", timeout=5).json()["version"] == 1
        assert requests.get(f"{url}/kv/colour", timeout=5).json()["value"] == "blue"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
