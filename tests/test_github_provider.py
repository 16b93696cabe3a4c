"""The github provider: its descriptor, `fakes serve github`, the real-target variables."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

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


def test_real_local_is_git_http_backend_and_needs_no_credentials() -> None:
    assert _environment(["real-local"], None, {}) == {"FAKES_GITHUB_TARGET": "real-local"}
    with pytest.raises(ValueError, match="only one real GitHub target"):
        _environment(["real-local", "https://api.github.com"], None, {})
    # a stray FAKES_GITHUB_TARGET would make the suite start git http-backend instead
    with pytest.raises(ValueError, match=r"unset it to run against https://api\.github\.com"):
        _environment(["https://api.github.com"], None, {
            "FAKES_GITHUB_TOKEN": "ghp_x", "FAKES_GITHUB_OWNER": "sandbox",
            "FAKES_GITHUB_TARGET": "real-local"})


def test_the_git_http_backend_target_says_what_it_is_and_serves_git_alone() -> None:
    pytest.importorskip("dulwich")
    from fakes.conformance.github._git_remote import Workdir, git_exec_path, ls_remote
    from fakes.conformance.github.targets import GitBackendTarget

    if git_exec_path() is None:
        pytest.skip("git is not installed")
    target = GitBackendTarget()
    try:
        info = target.describe()
        assert (info.name, info.kind, info.profile) == ("real", "real", "git-http-backend")
        assert info.description == "git http-backend started on loopback (real-local)"
        assert info.version is not None and info.version.startswith("git version ")
        remote = target.git_remote()
        repo = remote.new_repo("probe")
        with Workdir() as work:
            assert set(ls_remote(work, remote.url(repo))) == {"HEAD", "refs/heads/main"}
        with pytest.raises(pytest.skip.Exception, match="rest_api=False"):
            target.http("GET", "/user")
        with pytest.raises(pytest.skip.Exception, match="rest_api=False"):
            target.github()
    finally:
        target.close()
    assert not os.path.exists(target.backend.root)


def test_the_janitor_has_nothing_to_sweep_on_real_local(
    capsys: pytest.CaptureFixture[str]
) -> None:
    from fakes.conformance.github import janitor

    assert janitor.run({"FAKES_GITHUB_TARGET": "real-local"}, timedelta(hours=24)) == 0
    assert "nothing to sweep" in capsys.readouterr().out


def test_the_factory_builds_separately_configured_fakes(fake_github_factory: object) -> None:
    make = fake_github_factory
    fake = make(rate_limit=1)  # type: ignore[operator]
    gh = fake.client()
    assert gh.get_user().login == "octocat"
    assert requests.get(f"{fake.url}/user", timeout=5, headers={
        "Authorization": f"token {fake.token_for('octocat')}"}).status_code == 403
