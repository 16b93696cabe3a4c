"""`fakes serve`: a fake for tools that are not Python."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from fakes.cli import _account, main


def test_serve_prints_the_url_first_and_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakes.cli", "serve", "artifacts", "--account", "ci:pw:pull,push"],
        stdout=subprocess.PIPE, text=True,
    )
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


def test_serve_refuses_other_interfaces_without_the_flag() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        main(["serve", "artifacts", "--host", "0.0.0.0"])


def test_account_specs() -> None:
    account = _account("ci:pw:pull")
    assert (account.username, account.pull, account.push) == ("ci", ("*",), ())
    assert _account("admin:pw").delete == ("*",)
    with pytest.raises(Exception, match="expected user:password"):
        _account("nopassword")
    with pytest.raises(Exception, match="unknown actions: write"):
        _account("ci:pw:write")
