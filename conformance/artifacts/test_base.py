"""API version check, the token flow, permissions, and routes outside the API."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

import pytest
import requests

from fakes.conformance.artifacts._oci import assert_error, digest_of, error_codes
from fakes.conformance.artifacts.targets import (
    BASIC_AUTH,
    DISTRIBUTION_MOUNT_SCOPE,
    DOCKER_API,
    HTPASSWD_DOCS,
    MEASURED_HTPASSWD,
    SCOPE_SPEC,
    SPEC,
    TOKEN_SPEC,
    Target,
    parse_bearer_challenge,
)

behaviour = pytest.mark.behaviour

_PARAM = re.compile(r'(\w+)="([^"]*)"')


def _challenge(response: requests.Response) -> dict[str, str]:
    challenge = parse_bearer_challenge(response.headers.get("WWW-Authenticate"))
    assert challenge is not None, response.headers
    return challenge


def _assert_challenged(target: Target, response: requests.Response) -> dict[str, str]:
    """A 401 UNAUTHORIZED whose WWW-Authenticate is in the target's scheme, with a realm;
    returns the challenge's parameters."""
    assert_error(response, 401, "UNAUTHORIZED")
    header = response.headers.get("WWW-Authenticate") or ""
    scheme, _, rest = header.strip().partition(" ")
    assert scheme.lower() == str(target.capabilities.auth_scheme).lower(), header
    params = dict(_PARAM.findall(rest))
    assert params.get("realm"), header
    return params


def _scopes(challenge: Mapping[str, str]) -> dict[str, set[str]]:
    """The challenge's ``scope``, space-separated ``repository:<name>:<a>,<b>`` entries, as
    {"repository:<name>": {actions}}: neither their order nor the actions' is fixed."""
    scopes: dict[str, set[str]] = {}
    for entry in challenge.get("scope", "").split():
        resource, _, actions = entry.rpartition(":")
        scopes.setdefault(resource, set()).update(actions.split(","))
    return scopes


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _token(target: Target, scope: str, role: str | None = "pusher") -> str:
    """Fetch a token for ``scope`` by hand, as a client reading the challenge would."""
    probe = target.raw_session().get(f"{target.url}/v2/")
    challenge = _challenge(probe) if probe.status_code == 401 else {}
    realm = challenge.get("realm") or f"{target.url}/token"
    response = target.raw_session().get(
        realm,
        params={"service": challenge.get("service", ""), "scope": scope},
        auth=target.credentials(role) if role else None,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


@behaviour(
    "ART-001", "GET /v2/ answers 200 to an authorised client", cite=f"{SPEC}#determining-support"
)
def test_api_version_check(target: Target) -> None:
    response = target.session().get(f"{target.url}/v2/")
    assert response.status_code == 200


@behaviour(
    "ART-002",
    "a request without credentials gets 401 UNAUTHORIZED with a challenge in the target's "
    "scheme: Bearer naming realm, service and the repository scope; Basic naming a realm",
    cite=f"{TOKEN_SPEC}#how-to-authenticate; {BASIC_AUTH}; {MEASURED_HTPASSWD}",
)
def test_unauthenticated_request_is_challenged(target: Target) -> None:
    target.require("auth_scheme")
    repo = target.new_repo("challenge")
    target.registry().push_image(repo, "v1")
    response = target.raw_session().get(f"{target.url}/v2/{repo}/tags/list")
    challenge = _assert_challenged(target, response)
    assert "v1" not in response.text
    if target.capabilities.auth_scheme == "Bearer":
        assert challenge["realm"].startswith(("http://", "https://"))
        assert challenge.get("service")
        assert challenge["scope"] == f"repository:{repo}:pull"


@behaviour(
    "ART-003",
    "the token endpoint issues a bearer token (token, access_token, expires_in) that "
    "authorises the requested scope",
    cite=f"{TOKEN_SPEC}#token-response-fields",
)
def test_token_endpoint_issues_usable_token(target: Target) -> None:
    target.require("token_auth")
    repo = target.new_repo("token")
    target.registry().push_image(repo, "v1")
    challenge = _challenge(target.raw_session().get(f"{target.url}/v2/{repo}/tags/list"))
    response = target.raw_session().get(
        challenge["realm"],
        params={"service": challenge["service"], "scope": challenge["scope"]},
        auth=target.credentials("reader"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"]
    assert body.get("access_token", body["token"]) == body["token"]
    assert int(body["expires_in"]) >= 60
    assert body.get("issued_at")
    listed = target.raw_session().get(
        f"{target.url}/v2/{repo}/tags/list",
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert listed.status_code == 200
    assert listed.json()["tags"] == ["v1"]


@behaviour(
    "ART-004",
    "wrong or malformed credentials are refused with 401: by the token endpoint (Bearer), "
    "by the registry itself with a new Basic challenge (Basic)",
    cite=f"{TOKEN_SPEC}#requesting-a-token; {HTPASSWD_DOCS}; {MEASURED_HTPASSWD}",
)
@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "malformed-basic"])
def test_bad_credentials_are_refused(target: Target, case: str) -> None:
    target.require("auth_scheme")
    repo = target.new_repo("badpass")
    target.registry().push_image(repo, "v1")
    user, _ = target.credentials("pusher") or ("", "")
    auth = {
        "wrong-password": {"Authorization": _basic(user, "not-the-password")},
        "unknown-user": {"Authorization": _basic("nobody-here", "secret")},
        "malformed-basic": {"Authorization": "Basic !!not-base64!!"},
    }[case]
    url = f"{target.url}/v2/{repo}/tags/list"
    if target.capabilities.auth_scheme == "Basic":
        response = target.raw_session().get(url, headers=auth)
        _assert_challenged(target, response)
        assert "v1" not in response.text
        return
    target.require("token_auth")
    challenge = _challenge(target.raw_session().get(url))
    response = target.raw_session().get(
        challenge["realm"],
        params={"service": challenge["service"], "scope": challenge["scope"]},
        headers=auth,
    )
    assert response.status_code == 401


@behaviour(
    "ART-005",
    "a pull-only account can pull, but a push is 403 DENIED and leaves nothing behind",
    cite=f"{SPEC}#error-codes",
)
def test_reader_cannot_push(target: Target) -> None:
    reader = target.registry(target.reader_session())
    pusher = target.registry()
    repo = target.new_repo("reader")
    image = pusher.push_image(repo, "v1")
    pulled = reader.http.get(reader.manifest_url(repo, "v1"), headers={"Accept": image.media_type})
    assert pulled.status_code == 200
    assert pulled.content == image.body

    started = reader.http.post(reader.uploads_url(repo))
    assert_error(started, 403, "DENIED")
    data = b"reader data"
    single = reader.http.post(reader.uploads_url(repo) + f"?digest={digest_of(data)}", data=data)
    assert_error(single, 403, "DENIED")
    other = reader.http.put(
        reader.manifest_url(repo, "v1"),
        data=b"{}",
        headers={"Content-Type": image.media_type},
    )
    assert_error(other, 403, "DENIED")
    assert not pusher.blob_exists(repo, digest_of(data))
    assert pusher.resolve_tag(repo, "v1") == image.digest


@behaviour(
    "ART-006",
    "a pull-only account cannot delete: 403 DENIED, the manifest stays",
    cite=f"{SPEC}#error-codes",
)
def test_reader_cannot_delete(target: Target) -> None:
    reader = target.registry(target.reader_session())
    pusher = target.registry()
    repo = target.new_repo("reader-delete")
    image = pusher.push_image(repo, "v1")
    response = reader.http.delete(reader.manifest_url(repo, image.digest))
    assert_error(response, 403, "DENIED")
    assert pusher.resolve_tag(repo, "v1") == image.digest


@behaviour(
    "ART-007",
    "a pull-only account cannot mount a blob into a repository: 403 DENIED, nothing mounted",
    cite=f"{SPEC}#mounting-a-blob-from-another-repository",
)
def test_reader_cannot_mount(target: Target) -> None:
    reader = target.registry(target.reader_session())
    pusher = target.registry()
    source, dest = target.new_repo("mount-src"), target.new_repo("mount-dst")
    digest = pusher.push_blob(source, b"mount me")
    response = reader.http.post(reader.uploads_url(dest) + f"?mount={digest}&from={source}")
    assert_error(response, 403, "DENIED")
    assert not pusher.blob_exists(dest, digest)


@behaviour(
    "ART-008",
    "a token that did not request an action (push, delete) is answered with a new 401 "
    "challenge naming the needed scope",
    cite=f"{TOKEN_SPEC}#how-to-authenticate",
)
def test_token_without_needed_action_is_challenged(target: Target) -> None:
    target.require("token_auth")
    pusher = target.registry()
    repo = target.new_repo("scope")
    image = pusher.push_image(repo, "v1")
    pull_only = {"Authorization": f"Bearer {_token(target, f'repository:{repo}:pull')}"}

    response = target.raw_session().post(
        f"{target.url}/v2/{repo}/blobs/uploads/", headers=pull_only
    )
    assert_error(response, 401, "UNAUTHORIZED")
    assert "push" in _challenge(response)["scope"]

    push_pull = {"Authorization": f"Bearer {_token(target, f'repository:{repo}:pull,push')}"}
    response = target.raw_session().delete(
        f"{target.url}/v2/{repo}/manifests/{image.digest}", headers=push_pull
    )
    assert_error(response, 401, "UNAUTHORIZED")
    assert "delete" in _challenge(response)["scope"]
    assert pusher.resolve_tag(repo, "v1") == image.digest


@behaviour(
    "ART-009",
    "a token for one repository does not authorise another repository",
    cite=f"{TOKEN_SPEC}#how-to-authenticate",
)
def test_token_is_scoped_to_repository(target: Target) -> None:
    target.require("token_auth")
    pusher = target.registry()
    mine, other = target.new_repo("mine"), target.new_repo("other")
    pusher.push_image(other, "v1")
    token = _token(target, f"repository:{mine}:pull")
    response = target.raw_session().get(
        f"{target.url}/v2/{other}/tags/list", headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(response, 401, "UNAUTHORIZED")
    assert other in _challenge(response)["scope"]


@behaviour(
    "ART-010",
    "tokens expire after expires_in seconds: the old token gets 401, a new one works",
    cite=f"{TOKEN_SPEC}#token-response-fields",
)
def test_token_expires(target: Target) -> None:
    target.require("token_auth")
    target.require("virtual_clock")
    pusher = target.registry()
    repo = target.new_repo("expiry")
    pusher.push_image(repo, "v1")
    token = _token(target, f"repository:{repo}:pull", role="reader")
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{target.url}/v2/{repo}/tags/list"
    assert target.raw_session().get(url, headers=auth).status_code == 200
    target.advance_clock(301)
    expired = target.raw_session().get(url, headers=auth)
    assert_error(expired, 401, "UNAUTHORIZED")
    # A client following the challenge gets a fresh token and carries on.
    assert pusher.http.get(url).status_code == 200
    assert target.reader_session().get(url).status_code == 200


@behaviour(
    "ART-011",
    "an anonymous client is refused where anonymous pull is off (401 or 403)",
    cite=f"{SPEC}#error-codes",
)
def test_anonymous_pull_refused(target: Target) -> None:
    target.require("auth_scheme")
    pusher = target.registry()
    repo = target.new_repo("anonymous")
    image = pusher.push_image(repo, "v1")
    anonymous = target.anonymous_session()
    response = anonymous.get(
        f"{target.url}/v2/{repo}/manifests/v1", headers={"Accept": image.media_type}
    )
    assert response.status_code in (401, 403), response.text
    assert set(error_codes(response)) & {"UNAUTHORIZED", "DENIED"}


@behaviour(
    "ART-012",
    "a token with a scope the account does not hold grants nothing for it",
    cite=f"{TOKEN_SPEC}#requesting-a-token",
)
def test_token_grants_only_held_actions(target: Target) -> None:
    target.require("token_auth")
    repo = target.new_repo("grant")
    token = _token(target, f"repository:{repo}:pull,push", role="reader")
    response = target.raw_session().post(
        f"{target.url}/v2/{repo}/blobs/uploads/", headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(response, 403, "DENIED")


@behaviour(
    "ART-013",
    "a route outside the modelled API answers an error, never a success; the fake names "
    "the method and path in a JSON body (501)",
    cite=f"{SPEC}#endpoints",
)
def test_unknown_route(target: Target) -> None:
    status = target.capabilities.unknown_route_status
    if status is None:
        pytest.skip("the target's answer to unknown routes is not declared")
    repo = target.new_repo("unknown-route")
    session = target.session()
    response = session.get(f"{target.url}/v2/{repo}/no-such-endpoint")
    assert response.status_code == status, response.text
    if target.capabilities.unknown_route_explains:
        body = response.json()
        text = str(body)
        assert "GET" in text and "/no-such-endpoint" in text, body


@behaviour(
    "ART-014",
    "repository names outside [a-z0-9]+([._-][a-z0-9]+)*(/...)* answer 400 NAME_INVALID",
    cite=f"{SPEC}#pulling-manifests",
)
@pytest.mark.parametrize("bad", ["Upper/Case", "double..dot", "trailing-", "-leading"])
def test_invalid_repository_name(target: Target, bad: str) -> None:
    target.require("validates_names")
    session = target.session()
    name = f"{target.new_repo('names')}/{bad}"
    response = session.post(f"{target.url}/v2/{name}/blobs/uploads/")
    assert_error(response, 400, "NAME_INVALID")
    response = session.get(f"{target.url}/v2/{name}/tags/list")
    assert_error(response, 400, "NAME_INVALID")


@behaviour(
    "ART-015",
    "error responses use the envelope {errors: [{code, message, detail}]}",
    cite=f"{DOCKER_API}#errors",
)
def test_error_envelope(target: Target) -> None:
    repo = target.new_repo("envelope")
    session = target.session()
    target.registry(session).push_blob(repo, b"the repository exists")
    response = session.get(f"{target.url}/v2/{repo}/blobs/{digest_of(b'absent')}")
    assert_error(response, 404, "BLOB_UNKNOWN")
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert set(error) <= {"code", "message", "detail"}


@behaviour(
    "ART-016",
    "a token requested with the action * carries every action the account holds",
    cite=f"{SCOPE_SPEC}#resource-scope-grammar",
)
def test_token_wildcard_action(target: Target) -> None:
    target.require("token_auth")
    pusher = target.registry()
    repo = target.new_repo("wildcard")
    image = pusher.push_image(repo, "v1")
    token = _token(target, f"repository:{repo}:*")
    response = target.raw_session().delete(
        f"{target.url}/v2/{repo}/manifests/{image.digest}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202, response.text
    assert pusher.resolve_tag(repo, "v1") is None


@behaviour(
    "ART-017",
    "a token for another resource type (registry:catalog:*) or an unknown action grants "
    "no repository access",
    cite=f"{SCOPE_SPEC}#resource-scope-grammar",
)
def test_token_other_resource_type(target: Target) -> None:
    target.require("token_auth")
    pusher = target.registry()
    repo = target.new_repo("catalog-scope")
    pusher.push_image(repo, "v1")
    for scope in ("registry:catalog:*", f"repository:{repo}:bogus"):
        token = _token(target, scope)
        response = target.raw_session().get(
            f"{target.url}/v2/{repo}/tags/list", headers={"Authorization": f"Bearer {token}"}
        )
        assert_error(response, 401, "UNAUTHORIZED")


@behaviour(
    "ART-018",
    "a cross-repository mount whose token does not cover pull on the source repository is "
    "challenged (401) for repository:<from>:pull as well as repository:<name>:pull,push; "
    "nothing is mounted until a token covers both",
    cite=f"{TOKEN_SPEC}#how-to-authenticate; {DISTRIBUTION_MOUNT_SCOPE}",
)
def test_mount_challenges_for_the_source_repository(target: Target) -> None:
    target.require("token_auth")
    pusher = target.registry()
    source, dest = target.new_repo("scope-from"), target.new_repo("scope-to")
    digest = pusher.push_blob(source, b"mounted with both scopes")
    url = f"{target.url}/v2/{dest}/blobs/uploads/?mount={digest}&from={source}"
    wanted = {f"repository:{dest}": {"pull", "push"}, f"repository:{source}": {"pull"}}

    anonymous = target.raw_session().post(url)
    assert_error(anonymous, 401, "UNAUTHORIZED")
    assert _scopes(_challenge(anonymous)) == wanted

    dest_only = _token(target, f"repository:{dest}:pull,push")
    response = target.raw_session().post(url, headers={"Authorization": f"Bearer {dest_only}"})
    assert_error(response, 401, "UNAUTHORIZED")
    challenge = _challenge(response)
    assert _scopes(challenge) == wanted
    assert challenge.get("error") == "insufficient_scope"
    assert not pusher.blob_exists(dest, digest)

    both = _token(target, f"repository:{dest}:pull,push repository:{source}:pull")
    mounted = target.raw_session().post(url, headers={"Authorization": f"Bearer {both}"})
    assert mounted.status_code == 201, mounted.text
    assert pusher.blob_exists(dest, digest)


@behaviour(
    "ART-019",
    "GET /v2/ without credentials answers 401 UNAUTHORIZED with a challenge in the "
    "target's scheme (a Bearer one names no scope); with credentials, 200",
    cite=f"{SPEC}#determining-support; {TOKEN_SPEC}#how-to-authenticate; {MEASURED_HTPASSWD}",
)
def test_api_version_check_without_credentials(target: Target) -> None:
    target.require("auth_scheme")
    response = target.raw_session().get(f"{target.url}/v2/")
    challenge = _assert_challenged(target, response)
    assert "scope" not in challenge
    assert target.session().get(f"{target.url}/v2/").status_code == 200
