"""The github provider: its descriptor, `fakes serve github`, the real-target variables."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from fakes.github._provider import PROVIDER, _environment


def test_serve_prints_the_url_first_then_the_api_url_and_a_token() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakes.cli", "serve", "github", "--token", "ci:ghp_secret"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stderr is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert process.stderr.readline().strip() == f"api: {url}/api/v3"
        me = requests.get(f"{url}/api/v3/user", timeout=5,
                          headers={"Authorization": "token ghp_secret"})
        assert me.status_code == 200 and me.json()["login"] == "ci"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_the_real_target_needs_explicit_variables_and_never_github_token() -> None:
    ambient = {"GITHUB_TOKEN": "ghp_ambient"}
    with pytest.raises(ValueError, match="FAKES_GITHUB_TOKEN and FAKES_GITHUB_OWNER"):
        _environment(["https://api.github.com"], None, ambient)
    with pytest.raises(ValueError, match="https:// API URL"):
        _environment(["http://example.com"], None, {})
    chosen = _environment(["https://api.github.com/"], None, {
        "FAKES_GITHUB_TOKEN": "ghp_x", "FAKES_GITHUB_OWNER": "sandbox", **ambient})
    assert chosen == {"FAKES_GITHUB_API_URL": "https://api.github.com",
                      "FAKES_GITHUB_TOKEN": "ghp_x", "FAKES_GITHUB_OWNER": "sandbox"}
    assert PROVIDER.fixtures == ("fake_github_server", "fake_github", "fake_github_factory")


def test_the_factory_builds_separately_configured_fakes(fake_github_factory: object) -> None:
    make = fake_github_factory
    fake = make(rate_limit=1)  # type: ignore[operator]
    gh = fake.client()
    assert gh.get_user().login == "octocat"
    assert requests.get(f"{fake.url}/user", timeout=5, headers={
        "Authorization": f"token {fake.token_for('octocat')}"}).status_code == 403
