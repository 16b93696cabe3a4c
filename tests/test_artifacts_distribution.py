"""The real registry the conformance suite runs against: CNCF distribution on loopback,
without auth and with htpasswd (HTTP Basic) auth, and the suite's client for both."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

import pytest
import requests

from fakes.conformance.artifacts.distribution import (
    DEFAULT_BINARY,
    REALM,
    RunningRegistry,
    _user_password,
    bcrypt_hash,
    running_distribution,
)
from fakes.conformance.artifacts.targets import (
    DISTRIBUTION_2_8_HTPASSWD,
    PROFILES,
    RealTarget,
    RegistryAuth,
)

USER, PASSWORD = "vf-user", "vf-secret"


@pytest.fixture(scope="module")
def htpasswd_registry() -> Iterator[RunningRegistry]:
    if not os.access(DEFAULT_BINARY, os.X_OK):
        pytest.skip(f"{DEFAULT_BINARY} is not installed (Debian package docker-registry)")
    with running_distribution(htpasswd=(USER, PASSWORD)) as running:
        yield running


def test_bcrypt_hash_is_one_distribution_accepts() -> None:
    bcrypt = pytest.importorskip("bcrypt")
    hashed = bcrypt_hash(PASSWORD)
    assert hashed.startswith("$2")  # bcrypt: distribution ignores every other hash type
    assert bcrypt.checkpw(PASSWORD.encode(), hashed.encode())


def test_htpasswd_registry_answers_basic_challenges(htpasswd_registry: RunningRegistry) -> None:
    url = f"{htpasswd_registry.url}/v2/"
    assert htpasswd_registry.credentials == (USER, PASSWORD)
    for auth in (None, (USER, "wrong"), ("nobody", PASSWORD)):
        response = requests.get(url, auth=auth, timeout=10)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == f'Basic realm="{REALM}"'
        assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"
    assert requests.get(url, auth=(USER, PASSWORD), timeout=10).status_code == 200


def test_suite_sessions_authenticate_with_basic(htpasswd_registry: RunningRegistry) -> None:
    assert PROFILES["distribution-2.8-htpasswd"] is DISTRIBUTION_2_8_HTPASSWD
    target = RealTarget(htpasswd_registry.url, DISTRIBUTION_2_8_HTPASSWD, (USER, PASSWORD))
    try:
        session = target.session()
        repo = target.new_repo("basic")
        response = session.post(f"{target.url}/v2/{repo}/blobs/uploads/")
        assert response.status_code == 202, response.text
        assert response.history == []  # sent up front: no 401 first
        assert response.request.headers["Authorization"].startswith("Basic ")
        assert target.anonymous_session().get(f"{target.url}/v2/").status_code == 401
    finally:
        target.close()


def test_basic_challenge_is_answered_once(htpasswd_registry: RunningRegistry) -> None:
    """Without the profile's hint the client answers the Basic challenge, once; wrong
    credentials are not sent again."""
    with requests.Session() as session:
        session.trust_env = False
        session.auth = RegistryAuth((USER, PASSWORD))
        response = session.get(f"{htpasswd_registry.url}/v2/")
        assert response.status_code == 200
        assert [r.status_code for r in response.history] == [401]
        session.auth = RegistryAuth((USER, "wrong"))
        response = session.get(f"{htpasswd_registry.url}/v2/")
        assert response.status_code == 401
        assert len(response.history) == 1
        session.auth = RegistryAuth(None)
        assert session.get(f"{htpasswd_registry.url}/v2/").status_code == 401


def test_user_password_argument() -> None:
    assert _user_password("a:b:c") == ("a", "b:c")
    for bad in ("nopass", ":pw", "user:"):
        with pytest.raises(argparse.ArgumentTypeError):
            _user_password(bad)
