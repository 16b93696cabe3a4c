"""Targets of the artifact conformance suite and what each of them can do.

A *target* is one registry the same test bodies run against: the fake
(:class:`fakes.artifacts.FakeRegistry`, always) or a real OCI registry (opt-in). Where
registries differ, the difference is a fact in a :class:`Capabilities` profile, each
with the source it comes from; a test that needs a capability the target lacks is
skipped with the reason (:meth:`Target.require`). Test bodies never ask "is this the
fake".

Spec references are to the OCI Distribution Specification v1.1.0 (``SPEC``) and the
Docker/CNCF token authentication specification (``TOKEN_SPEC``). Facts marked
"measured" were measured against CNCF distribution 2.8.2 (the Debian docker-registry
package) on loopback on 2026-11-27 with ``requests``.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import attrs
import pytest
import requests
import requests.auth

from fakes.conformance._target import BudgetExceeded, RequestBudget, on_loopback
from fakes.conformance._target import Target as _BaseTarget
from fakes.conformance.artifacts import _oci

__all__ = [
    "DISTRIBUTION_2_8",
    "DISTRIBUTION_2_8_HTPASSWD",
    "DISTRIBUTION_MOUNT_SCOPE",
    "FAKE",
    "MEASURED_HTPASSWD",
    "OCI_1_1",
    "PROFILES",
    "BudgetExceeded",
    "Capabilities",
    "FakeTarget",
    "RealTarget",
    "RegistryAuth",
    "Target",
    "parse_bearer_challenge",
]

log = logging.getLogger(__name__)

SPEC = "https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md"
TOKEN_SPEC = "https://distribution.github.io/distribution/spec/auth/token/"
SCOPE_SPEC = "https://distribution.github.io/distribution/spec/auth/scope/"
DOCKER_API = "https://github.com/distribution/distribution/blob/v2.8.2/docs/spec/api.md"
ECR_MUTABILITY = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html"
MEASURED = "measured: distribution 2.8.2, loopback, 2026-11-27"
MEASURED_HTPASSWD = "measured: distribution 2.8.2 with htpasswd auth, loopback, 2026-11-30"
HTPASSWD_DOCS = "https://github.com/distribution/distribution/blob/v2.8.2/docs/configuration.md#htpasswd"
BASIC_AUTH = "https://www.rfc-editor.org/rfc/rfc7617#section-2"
# Distribution adds pull on the ``from`` repository to what a mount needs, so its token
# challenge names both scopes (measured on 2026-11-30 with token auth on loopback).
DISTRIBUTION_MOUNT_SCOPE = (
    "https://github.com/distribution/distribution/blob/v2.8.2/registry/handlers/app.go"
)


@attrs.frozen(kw_only=True)
class Capabilities:
    """What a target does where registries are allowed to differ (or do differ)."""

    profile: str

    # -- access control ----------------------------------------------------------------
    # The scheme of the target's WWW-Authenticate challenge when it asks for credentials
    # ("Bearer": TOKEN_SPEC; "Basic": RFC 7617, as distribution's htpasswd auth answers);
    # None when it serves anyone. The spec leaves auth out of scope
    # (SPEC#determining-support). Sessions send Basic credentials up front on "Basic".
    auth_scheme: str | None
    # Bearer token flow with a token endpoint (TOKEN_SPEC), scoped per repository.
    token_auth: bool
    # Accounts can hold pull without push or delete: the suite has a pull-only account
    # as well as the pusher. htpasswd cannot say that (every user may do everything).
    pull_push_split: bool
    # The target's clock can be moved forward (token expiry without waiting).
    virtual_clock: bool
    # Repositories can be created with tag immutability or deletion disabled. The spec
    # is silent; immutability follows Amazon ECR (ECR_MUTABILITY).
    repository_policy: bool

    # -- URLs --------------------------------------------------------------------------
    # Location headers are absolute URLs on the request's own origin. The spec allows
    # relative ones too (SPEC#post-then-put); the fakes build absolute ones from the request.
    absolute_locations: bool

    # -- blob uploads ------------------------------------------------------------------
    # POST ?digest= with a body stores the blob and answers 201 (SPEC#single-post, MAY).
    single_request_upload: bool
    # An out-of-order PATCH answers 416 (SPEC#pushing-a-blob-in-chunks, MUST).
    enforces_chunk_order: bool
    # Error code for an upload id the registry never issued (SPEC#error-codes code-3).
    unknown_upload_code: str
    # POST ?mount=&from= mounts a blob another repository holds (SPEC#mounting-a-blob-
    # from-another-repository; registries that cannot mount answer 202).
    cross_repo_mount: bool
    # A blob pushed to one repository is unknown (404) in another one.
    repository_scoped_blobs: bool
    # GET/HEAD of a blob with a malformed digest answers 400 DIGEST_INVALID.
    rejects_malformed_blob_digest: bool
    # Blobs can be addressed by sha512 digests (image-spec descriptor.md#registered-
    # algorithms; the spec says SHOULD use sha256).
    sha512_digests: bool
    # A malformed Content-Range, or one whose length is not the chunk's, is refused
    # (SPEC#pushing-a-blob-in-chunks gives the format; the error is not specified).
    validates_content_range: bool

    # -- manifests ---------------------------------------------------------------------
    # Docker v2 schema 2 manifests and manifest lists are accepted.
    docker_media_types: bool
    # GET by tag of an OCI manifest with an Accept header that excludes its media type
    # answers 404 MANIFEST_UNKNOWN (SPEC#pulling-manifests, content negotiation).
    accept_negotiation: bool
    # The same for Docker media types (no schema 1 conversion, no platform pick).
    strict_accept_for_docker_types: bool
    # GET by tag without any Accept header answers the stored manifest (200).
    serves_without_accept: bool
    # GET by digest applies Accept too (404 when the type is not accepted).
    negotiates_by_digest: bool
    # A manifest PUT without Content-Type is accepted, typed by its mediaType field.
    untyped_manifest_put: bool
    # schemaVersion other than 2 is MANIFEST_INVALID.
    validates_schema_version: bool
    # Every descriptor needs mediaType, a valid digest and a non-negative size;
    # artifactType is a string; otherwise MANIFEST_INVALID (image-spec descriptor.md).
    validates_descriptors: bool
    # Non-distributable ("foreign") layers need not be in the repository.
    foreign_layers: bool
    # GET of a manifest by a malformed digest answers 400 DIGEST_INVALID.
    rejects_malformed_manifest_digest: bool
    # Code of the 404 for GET, HEAD or DELETE of a manifest by a reference that is
    # neither a tag nor a digest (SPEC#pulling-manifests: not found is 404); None when
    # that 404 carries no error envelope.
    invalid_reference_code: str | None
    # Invalid repository names and tags answer 400 NAME_INVALID / TAG_INVALID.
    validates_names: bool
    # Largest manifest accepted; None when not known (SPEC#pushing-manifests: at least
    # 4 MiB SHOULD be accepted).
    max_manifest_bytes: int | None
    # (status, code) for a manifest over that size; SPEC#pushing-manifests: SHOULD 413.
    oversized_manifest_error: tuple[int, str] | None
    # PUT with a subject answers with OCI-Subject (SPEC#pushing-manifests-with-subject).
    subject_header: bool
    # GET /v2/<name>/referrers/<digest> (SPEC#listing-referrers).
    referrers: bool
    # ?artifactType= filtering with OCI-Filters-Applied (SPEC#listing-referrers, SHOULD).
    referrers_filter: bool

    # -- tags and deletion -------------------------------------------------------------
    # n and last are honoured, with a Link header to the next page (SPEC#listing-tags).
    tag_pagination: bool
    # An empty tag list is serialised as null instead of [].
    empty_tags_null: bool
    # DELETE /manifests/<tag> removes the tag only (SPEC#deleting-tags, MAY).
    tag_deletion: bool
    # DELETE /manifests/<digest> (SPEC#deleting-manifests, MAY).
    manifest_deletion: bool
    # DELETE /blobs/<digest> (SPEC#deleting-blobs, MAY).
    blob_deletion: bool

    # -- everything else ---------------------------------------------------------------
    # Status of a route outside the API; None when not known.
    unknown_route_status: int | None
    # That answer is JSON naming the method and path (the fakes' rule: unmodelled operations
    # answer loudly, never with an invented success).
    unknown_route_explains: bool
    # Faults can be injected (throttling, server errors) to check their shape.
    fault_injection: bool
    # Real clients work against the target: oras-py, skopeo, and the Go oras CLI
    # (oras_cli: push, pull, manifest fetch, tag, repo tags, attach and discover).
    oras: bool
    skopeo: bool
    oras_cli: bool


# Everything the fake does, from its specification (see the fakes.artifacts docstring).
FAKE = Capabilities(
    profile="fake",
    auth_scheme="Bearer",
    token_auth=True,
    pull_push_split=True,
    virtual_clock=True,
    repository_policy=True,
    absolute_locations=True,
    single_request_upload=True,
    enforces_chunk_order=True,
    unknown_upload_code="BLOB_UPLOAD_UNKNOWN",
    cross_repo_mount=True,
    repository_scoped_blobs=True,
    rejects_malformed_blob_digest=True,
    sha512_digests=True,
    validates_content_range=True,
    docker_media_types=True,
    accept_negotiation=True,
    strict_accept_for_docker_types=True,
    serves_without_accept=True,
    negotiates_by_digest=True,
    untyped_manifest_put=False,
    validates_schema_version=True,
    validates_descriptors=True,
    foreign_layers=True,
    rejects_malformed_manifest_digest=True,
    invalid_reference_code="MANIFEST_UNKNOWN",
    validates_names=True,
    max_manifest_bytes=4 * 1024 * 1024,
    oversized_manifest_error=(413, "SIZE_INVALID"),
    subject_header=True,
    referrers=True,
    referrers_filter=True,
    tag_pagination=True,
    empty_tags_null=False,
    tag_deletion=True,
    manifest_deletion=True,
    blob_deletion=True,
    unknown_route_status=501,
    unknown_route_explains=True,
    fault_injection=True,
    oras=True,
    skopeo=True,
    oras_cli=True,
)

# CNCF distribution 2.8.2 with storage.delete.enabled and no auth (as in CI). Every
# value below was measured on loopback on 2026-11-27 unless it cites the spec.
DISTRIBUTION_2_8 = Capabilities(
    profile="distribution-2.8",
    auth_scheme=None,  # measured: CI runs it without auth (see DISTRIBUTION_2_8_HTPASSWD)
    token_auth=False,
    pull_push_split=False,
    virtual_clock=False,  # a real process on the wall clock
    repository_policy=False,  # measured: no immutability; a re-PUT moves the tag
    absolute_locations=True,  # measured: Location is http://127.0.0.1:PORT/v2/...
    single_request_upload=False,  # measured: POST ?digest= drops the body, answers 202
    enforces_chunk_order=False,  # measured: out-of-order and overlapping PATCH → 202
    unknown_upload_code="BLOB_UPLOAD_INVALID",  # measured: 404 BLOB_UPLOAD_INVALID
    cross_repo_mount=True,  # measured: 201 with Location and Docker-Content-Digest
    repository_scoped_blobs=True,  # measured: 404 BLOB_UNKNOWN in another repository
    rejects_malformed_blob_digest=True,  # measured: 400 DIGEST_INVALID
    sha512_digests=True,  # measured: closes with ?digest=sha512:..., GET by it → 200
    validates_content_range=False,  # measured: "abc" and a too-long range → 202
    docker_media_types=True,  # measured: schema 2 manifest and manifest list accepted
    accept_negotiation=True,  # measured: 404 MANIFEST_UNKNOWN "accept header does not ..."
    strict_accept_for_docker_types=False,  # measured: 400 (schema 1 conversion) / child pick
    serves_without_accept=False,  # measured: OCI manifest without Accept → 404 MANIFEST_UNKNOWN
    negotiates_by_digest=True,  # measured: the same 404 by digest
    untyped_manifest_put=False,  # measured: PUT without Content-Type → 400 MANIFEST_INVALID
    validates_schema_version=False,  # measured: schemaVersion 1 in an OCI manifest → 500
    validates_descriptors=False,  # measured: no size, size -1, bad subject → 201
    foreign_layers=False,  # measured: nondistributable layer without urls config → 500
    rejects_malformed_manifest_digest=False,  # measured: GET manifests/sha256:zz → 500
    # measured: GET/HEAD/DELETE manifests/.hidden (-dash, 129 characters, with+plus) miss
    # the router: 404 text/plain "404 page not found", no error envelope
    invalid_reference_code=None,
    validates_names=False,  # measured: bad names and tags miss the router → 404 text
    max_manifest_bytes=4 * 1024 * 1024,  # measured: 4194304 bytes accepted, +1 refused
    oversized_manifest_error=(400, "MANIFEST_INVALID"),  # measured: "request body too large"
    subject_header=False,  # measured: PUT with subject → 201 without OCI-Subject
    referrers=False,  # measured: GET /v2/<name>/referrers/<digest> → plain 404
    referrers_filter=False,
    tag_pagination=False,  # measured: n and last ignored, no Link header
    empty_tags_null=True,  # measured: {"name": ..., "tags": null} after the last delete
    tag_deletion=False,  # measured: DELETE /manifests/<tag> → 400 DIGEST_INVALID
    manifest_deletion=True,  # measured: 202, every tag on the digest goes too
    blob_deletion=True,  # measured: 202, then 404 BLOB_UNKNOWN
    unknown_route_status=404,  # measured: "404 page not found" text
    unknown_route_explains=False,
    fault_injection=False,
    oras=True,  # measured: oras-py 0.2 push and pull
    skopeo=True,  # measured: skopeo 1.9 copy between repositories
    # measured 2026-11-30: oras 1.3.6 push, pull, manifest fetch, tag, repo tags; attach
    # and discover through the referrers tag schema (no referrers API)
    oras_cli=True,
)

# A registry doing everything the spec says, MAY and SHOULD included; what the spec
# leaves open (auth, names, policy, limits, error statuses) is not assumed.
OCI_1_1 = Capabilities(
    profile="oci-1.1",
    auth_scheme=None,  # SPEC#determining-support: auth is out of the spec's purview
    token_auth=False,
    pull_push_split=False,
    virtual_clock=False,
    repository_policy=False,  # the spec has no tag immutability
    absolute_locations=False,  # SPEC#post-then-put: Location MAY be relative
    single_request_upload=True,  # SPEC#single-post
    enforces_chunk_order=True,  # SPEC#pushing-a-blob-in-chunks: MUST 416
    unknown_upload_code="BLOB_UPLOAD_UNKNOWN",  # SPEC#error-codes code-3
    cross_repo_mount=True,  # SPEC#mounting-a-blob-from-another-repository
    repository_scoped_blobs=False,  # not specified
    rejects_malformed_blob_digest=False,  # not specified
    sha512_digests=False,  # SPEC#pulling-blobs: sha256 SHOULD be used
    validates_content_range=False,  # the error is not specified
    docker_media_types=False,  # the spec names OCI media types only
    accept_negotiation=False,  # content negotiation outcome not specified
    strict_accept_for_docker_types=False,
    serves_without_accept=False,  # not specified
    negotiates_by_digest=False,  # not specified
    untyped_manifest_put=False,  # SPEC#pushing-manifests shows Content-Type on every push
    validates_schema_version=False,  # not specified for registries
    validates_descriptors=False,  # not specified for registries
    foreign_layers=False,  # image-spec v1.1 deprecates non-distributable layers
    rejects_malformed_manifest_digest=False,
    invalid_reference_code=None,  # SPEC#pulling-manifests: 404; the code is not specified
    validates_names=False,  # error status for NAME_INVALID not specified
    max_manifest_bytes=None,
    oversized_manifest_error=None,
    subject_header=True,  # SPEC#pushing-manifests-with-subject
    referrers=True,  # SPEC#listing-referrers
    referrers_filter=True,  # SPEC#listing-referrers (SHOULD)
    tag_pagination=True,  # SPEC#listing-tags
    empty_tags_null=False,
    tag_deletion=True,  # SPEC#deleting-tags
    manifest_deletion=True,  # SPEC#deleting-manifests
    blob_deletion=True,  # SPEC#deleting-blobs
    unknown_route_status=None,
    unknown_route_explains=False,
    fault_injection=False,
    oras=True,
    skopeo=True,
    oras_cli=True,
)

# The same distribution 2.8.2 with htpasswd auth (``auth: htpasswd: {realm, path}``), as
# ``python -m fakes.conformance.artifacts.distribution --htpasswd USER:PASS`` runs it.
# Measured on loopback on 2026-11-30 with ``requests``: every request without
# credentials, with a wrong password, an unknown user, malformed Basic credentials or a
# Bearer token answers 401 UNAUTHORIZED with ``WWW-Authenticate: Basic realm="<realm>"``
# (GET /v2/ included); the right credentials are asked for on every request, and then
# everything answers as without auth. There is no token endpoint (GET /token → 404).
DISTRIBUTION_2_8_HTPASSWD = attrs.evolve(
    DISTRIBUTION_2_8,
    profile="distribution-2.8-htpasswd",
    auth_scheme="Basic",  # measured: 401 with WWW-Authenticate: Basic realm="..."
    token_auth=False,  # measured: no token endpoint, Bearer tokens are refused
    pull_push_split=False,  # htpasswd has users, not rights: each may pull, push, delete
)

PROFILES: dict[str, Capabilities] = {
    DISTRIBUTION_2_8.profile: DISTRIBUTION_2_8,
    DISTRIBUTION_2_8_HTPASSWD.profile: DISTRIBUTION_2_8_HTPASSWD,
    OCI_1_1.profile: OCI_1_1,
}


# -- authentication ----------------------------------------------------------------------

_PARAM = re.compile(r'(\w+)="([^"]*)"')
_REPO_PATH = re.compile(r"^/v2/(?P<name>.+?)/(?:blobs|manifests|tags|referrers)/")


def parse_bearer_challenge(header: str | None) -> dict[str, str] | None:
    """Parse ``WWW-Authenticate: Bearer realm="...",service="...",scope="..."``."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return dict(_PARAM.findall(rest))


def _hint_key(request: requests.PreparedRequest) -> str:
    """Which token a request probably needs, learned from earlier challenges."""
    parts = urlsplit(request.url or "")
    match = _REPO_PATH.match(parts.path)
    name = match.group("name") if match else ""
    method = request.method or "GET"
    kind = {"GET": "pull", "HEAD": "pull", "DELETE": "delete"}.get(method, "push")
    source = "from" if "from=" in parts.query else ""
    return f"{parts.netloc}|{name}|{kind}|{source}"


def _mount_source(request: requests.PreparedRequest) -> str | None:
    """The ``from`` repository of a cross-repository mount request, if it is one."""
    if request.method != "POST":
        return None
    query = dict(parse_qsl(urlsplit(request.url or "").query))
    return query.get("from") if "mount" in query else None


def _basic_header(credentials: tuple[str, str]) -> str:
    user, password = credentials
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class RegistryAuth(requests.auth.AuthBase):
    """The Docker/OCI token flow for ``requests``, and HTTP Basic where that is the scheme.

    On a 401 with ``WWW-Authenticate: Bearer realm=...,service=...,scope=...`` it asks
    the realm for a token (HTTP Basic with the credentials, anonymous without) and sends
    the request again with it, once. Tokens are cached per (realm, service, scope); a
    cached token the registry refuses (expired) is fetched anew. See TOKEN_SPEC.

    On a 401 with ``WWW-Authenticate: Basic realm=...`` it sends the request again with
    the credentials as HTTP Basic, once; with ``basic=True`` (a target whose profile says
    its scheme is Basic) it sends them with every request up front, as docker and oras do
    once they have seen that challenge.
    """

    def __init__(
        self,
        credentials: tuple[str, str] | None = None,
        budget: RequestBudget | None = None,
        *,
        basic: bool = False,
    ) -> None:
        self.credentials = credentials
        self.budget = budget
        self.basic = basic
        self.tokens: dict[tuple[str, str, str], str] = {}
        self._hints: dict[str, tuple[str, str, str]] = {}
        self._retried: weakref.WeakSet[requests.PreparedRequest] = weakref.WeakSet()
        self._lock = threading.Lock()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        with self._lock:
            key = self._hints.get(_hint_key(r))
            token = self.tokens.get(key) if key else None
        if token and "Authorization" not in r.headers:
            r.headers["Authorization"] = f"Bearer {token}"
        elif self.basic and self.credentials and "Authorization" not in r.headers:
            r.headers["Authorization"] = _basic_header(self.credentials)
        r.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
        return r

    def fetch_token(self, realm: str, service: str, scope: str) -> str | None:
        """Ask the token server; None when it refuses."""
        params: list[tuple[str, str]] = []
        if service:
            params.append(("service", service))
        params.extend(("scope", s) for s in scope.split() if s)
        if self.budget is not None:
            self.budget.spend()
        with requests.Session() as http:
            http.trust_env = False  # no .netrc, no proxies: nothing ambient
            response = http.get(
                realm,
                params=params,
                auth=self.credentials,
                headers={"Accept": "application/json"},
                timeout=30,
            )
        if response.status_code != 200:
            log.info("token request to %s refused: %s", realm, response.status_code)
            return None
        body = response.json()
        token = body.get("token") or body.get("access_token")
        return str(token) if token else None

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        request = response.request
        if response.status_code != 401 or request in self._retried:
            return response
        header = response.headers.get("WWW-Authenticate") or ""
        if header.strip().lower().startswith("basic"):
            basic = _basic_header(self.credentials) if self.credentials else None
            if basic is None or request.headers.get("Authorization") == basic:
                return response  # anonymous, or these credentials were refused
            return self._replay(response, basic, **kwargs)
        challenge = parse_bearer_challenge(header)
        if not challenge or "realm" not in challenge:
            return response
        scope = challenge.get("scope", "")
        source = _mount_source(request)
        if source and f"repository:{source}:" not in scope:
            # The fake and distribution name pull on the source repository in a mount's
            # challenge themselves (ART-018), so against them this never runs. It stays
            # because real clients do the same whatever the challenge says: docker and
            # containers/image (and oras-go) add repository:<from>:pull to the token
            # request of a mount, and the suite should see what they see on a registry
            # whose challenge leaves it out.
            scope = f"{scope} repository:{source}:pull".strip()
        key = (challenge["realm"], challenge.get("service", ""), scope)
        sent = request.headers.get("Authorization")
        with self._lock:
            token = self.tokens.get(key)
        if token is None or sent == f"Bearer {token}":
            token = self.fetch_token(*key)
            if token is None:
                return response
        with self._lock:
            self.tokens[key] = token
            self._hints[_hint_key(request)] = key
        return self._replay(response, f"Bearer {token}", **kwargs)

    def _replay(
        self, response: requests.Response, authorization: str, **kwargs: Any
    ) -> requests.Response:
        """Consume and release the first answer, then send the request again, once."""
        request = response.request
        _ = response.content
        response.close()
        retry = request.copy()
        retry.headers["Authorization"] = authorization
        self._retried.add(retry)
        assert response.connection is not None
        new = response.connection.send(retry, **kwargs)
        new.history.append(response)
        new.request = retry
        return new


# -- targets ---------------------------------------------------------------------------


def _sanitise(hint: str) -> str:
    parts = [re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in hint.split("/")]
    return "/".join(p for p in parts if p) or "repo"


class Target(_BaseTarget):
    """One registry the suite runs against. Subclasses say how to reach it.

    ``require()``, the run id and the run-scoped names come from
    :class:`fakes.conformance.Target`.
    """

    capabilities: Capabilities

    def __init__(self, url: str, capabilities: Capabilities) -> None:
        super().__init__(capabilities)
        self.url = url.rstrip("/")
        self.repositories: list[str] = []
        self.manifests: dict[str, list[str]] = {}
        self.blobs: dict[str, list[str]] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.url} {self.capabilities.profile}>"

    @property
    def host(self) -> str:
        """``host:port`` of the registry, as image references spell it."""
        return urlsplit(self.url).netloc

    # -- names -------------------------------------------------------------------------
    def new_repo(self, hint: str = "repo", suffix: str = "") -> str:
        """A repository name unique to this run: ``vf-conformance/<run id>/<hint>-<n>``,
        followed by ``/<suffix>`` when given (a suffix is used as is)."""
        name = self.run_name(_sanitise(hint))
        if suffix:
            name = f"{name}/{suffix}"
        with self._lock:
            self.repositories.append(name)
        return name

    def make_repository(
        self, hint: str = "policy", *, immutable_tags: bool = False, deletion_enabled: bool = True
    ) -> str:
        """A new repository with a policy (needs capability ``repository_policy``)."""
        self.require("repository_policy")
        name = self.new_repo(hint)
        self._configure_repository(
            name, immutable_tags=immutable_tags, deletion_enabled=deletion_enabled
        )
        return name

    def _configure_repository(
        self, name: str, *, immutable_tags: bool, deletion_enabled: bool
    ) -> None:
        raise NotImplementedError(f"{self.name}: no way to configure repository policies")

    # -- clock -------------------------------------------------------------------------
    def advance_clock(self, seconds: float) -> None:
        """Move the target's clock forward (needs capability ``virtual_clock``)."""
        self.require("virtual_clock")
        self._advance_clock(seconds)

    def _advance_clock(self, seconds: float) -> None:
        raise NotImplementedError(f"{self.name}: its clock cannot be moved")

    # -- faults ------------------------------------------------------------------------
    def inject_fault(self, fault: object, *, on: str, times: int = 1) -> None:
        """Make the next ``times`` matching operations fail with ``fault`` (a
        ``fakes.faults`` kind; needs capability ``fault_injection``)."""
        self.require("fault_injection")
        self._inject_fault(fault, on=on, times=times)

    def _inject_fault(self, fault: object, *, on: str, times: int) -> None:
        raise NotImplementedError(f"{self.name}: faults cannot be injected")

    # -- HTTP --------------------------------------------------------------------------
    def credentials(self, role: str = "pusher") -> tuple[str, str] | None:
        """Credentials for ``role`` (``pusher`` or ``reader``); None for anonymous."""
        raise NotImplementedError

    def _budget(self) -> RequestBudget | None:
        return None

    def _session(self, credentials: tuple[str, str] | None) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxies, no .netrc: nothing ambient
        budget = self._budget()
        session.auth = RegistryAuth(
            credentials, budget, basic=self.capabilities.auth_scheme == "Basic"
        )
        hooks: list[Any] = [self._record]
        if budget is not None:
            hooks.insert(0, budget.spend)
        session.hooks["response"] = hooks
        return session

    def raw_session(self) -> requests.Session:
        """A session that sends exactly what the test says: no token flow, no credentials."""
        session = requests.Session()
        session.trust_env = False
        budget = self._budget()
        if budget is not None:
            session.hooks["response"] = [budget.spend]
        return session

    def session(self) -> requests.Session:
        """A session with push, pull and delete rights."""
        return self._session(self.credentials("pusher"))

    def reader_session(self) -> requests.Session:
        """A session with pull rights only (needs capability ``pull_push_split``)."""
        self.require("pull_push_split")
        return self._session(self.credentials("reader"))

    def anonymous_session(self) -> requests.Session:
        """A session without credentials (it still follows token challenges)."""
        return self._session(None)

    def registry(self, session: requests.Session | None = None) -> _oci.Registry:
        """Plain-HTTP helpers over ``session`` (default: a new pusher session)."""
        return _oci.Registry(self.url, session or self.session())

    def _record(self, response: requests.Response, **_kwargs: Any) -> None:
        """Remember what the run created, so that teardown can delete it."""
        if response.status_code != 201:
            return
        request = response.request
        match = _REPO_PATH.match(urlsplit(request.url or "").path)
        digest = response.headers.get("Docker-Content-Digest")
        if not match or not digest:
            return
        repo = match.group("name")
        kind = self.manifests if "/manifests/" in (request.url or "") else self.blobs
        with self._lock:
            kind.setdefault(repo, []).append(digest)


    # -- another writer, and what the target holds -------------------------------------
    def stage(self, repo: str, tag: str, document: Mapping[str, Any], blobs: Sequence[bytes]
              ) -> tuple[int, str | None]:
        """Store ``blobs`` and the manifest ``document`` under ``tag`` as another writer
        would, before the code under test runs. Returns (status, error code or None).

        On a real registry that writer is a second client; the fake offers its seeding
        API, which must keep the same rules as the wire.
        """
        registry = self.registry()
        for blob in blobs:
            registry.push_blob(repo, blob)
        response = registry.put_manifest(repo, tag, _oci.canonical(document), _oci.OCI_MANIFEST)
        codes = _oci.error_codes(response)
        return response.status_code, codes[0] if codes else None

    def held_tags(self, repo: str) -> list[str]:
        """The tags the target holds for ``repo``, by its own account."""
        return self.registry().tags(repo) or []

    def held_blob(self, repo: str, digest: str) -> bytes | None:
        response = self.registry().http.get(self.registry().blob_url(repo, digest))
        return response.content if response.status_code == 200 else None


class FakeTarget(Target):
    """The in-memory fake, started on loopback for the session."""

    name = "fake"
    ACCOUNTS: ClassVar[dict[str, tuple[str, str]]] = {
        "pusher": ("pusher", "push-secret"),
        "reader": ("reader", "read-secret"),
    }

    def __init__(self) -> None:
        from fakes.artifacts import Account, FakeRegistry

        self.fake = FakeRegistry(
            accounts=[
                Account("pusher", "push-secret", pull=("*",), push=("*",), delete=("*",)),
                Account("reader", "read-secret", pull=("*",)),
            ],
            anonymous_pull=False,
        )
        self.fake.start()
        super().__init__(self.fake.url, FAKE)

    def credentials(self, role: str = "pusher") -> tuple[str, str] | None:
        return self.ACCOUNTS[role]

    def _configure_repository(
        self, name: str, *, immutable_tags: bool, deletion_enabled: bool
    ) -> None:
        self.fake.configure_repository(
            name, immutable_tags=immutable_tags, deletion_enabled=deletion_enabled
        )

    def _advance_clock(self, seconds: float) -> None:
        self.fake.clock.advance(seconds)

    def _inject_fault(self, fault: object, *, on: str, times: int) -> None:
        self.fake.faults.add(fault, on=on, times=times)  # type: ignore[arg-type,unused-ignore]

    def stage(self, repo: str, tag: str, document: Mapping[str, Any], blobs: Sequence[bytes]
              ) -> tuple[int, str | None]:
        from fakes.artifacts import RegistryError

        try:
            for blob in blobs:
                self.fake.push_blob(repo, blob, actor="other-writer")
            self.fake.push_manifest(repo, _oci.canonical(document), tag=tag,
                                    actor="other-writer")
        except RegistryError as error:
            return error.status, error.code
        return 201, None

    def held_tags(self, repo: str) -> list[str]:
        return self.fake.tags(repo) if repo in self.fake.repositories() else []

    def held_blob(self, repo: str, digest: str) -> bytes | None:
        from fakes.artifacts import RegistryError

        try:
            return self.fake.blob(repo, digest)
        except RegistryError:
            return None

    def close(self) -> None:
        self.fake.stop()


class RealTarget(Target):
    """A real registry, selected explicitly; works only inside names it created."""

    name = "real"

    def __init__(
        self,
        url: str,
        capabilities: Capabilities,
        credentials: tuple[str, str] | None = None,
        max_requests: int | None = None,
    ) -> None:
        super().__init__(url, capabilities)
        self._credentials = credentials
        self.budget = RequestBudget(max_requests, target="the real registry")

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> RealTarget:
        env = dict(os.environ if environ is None else environ)
        url = env["FAKES_REGISTRY_URL"]
        profile = env.get("FAKES_REGISTRY_PROFILE", OCI_1_1.profile)
        if profile not in PROFILES:
            raise pytest.UsageError(
                f"FAKES_REGISTRY_PROFILE={profile!r} is unknown; use one of {sorted(PROFILES)}"
            )
        user, password = env.get("FAKES_REGISTRY_USERNAME"), env.get("FAKES_REGISTRY_PASSWORD")
        credentials = (user, password or "") if user else None
        limit = RequestBudget.limit_from_environment(env, legacy=("FAKES_REGISTRY_MAX_REQUESTS",))
        return cls(url, PROFILES[profile], credentials, limit)

    def description(self) -> str:
        where = " on loopback" if on_loopback(self.url) else ""
        return f"OCI registry, profile {self.capabilities.profile}{where}"

    def version(self) -> str | None:
        """What ``GET /v2/`` says of the registry: its API version header and its
        ``Server`` (a registry has no version endpoint; the profile names the rest)."""
        response = self.raw_session().get(f"{self.url}/v2/", timeout=30)
        said = [response.headers.get(h) for h in ("Docker-Distribution-Api-Version", "Server")]
        return " ".join(v for v in said if v) or None

    def credentials(self, role: str = "pusher") -> tuple[str, str] | None:
        if role != "pusher":
            pytest.skip(f"no {role} credentials are configured for the real target")
        return self._credentials

    def _budget(self) -> RequestBudget | None:
        return self.budget

    def close(self) -> None:
        """Best effort: delete every manifest by digest, then every blob the run made."""
        if not self.repositories:
            return
        session = self._session(self._credentials)
        session.hooks["response"] = []  # teardown does not count against the budget
        registry = _oci.Registry(self.url, session)
        for repo in self.repositories:
            with contextlib.suppress(Exception):
                self._delete_repository(registry, repo)

    def _delete_repository(self, registry: _oci.Registry, repo: str) -> None:
        digests = list(reversed(self.manifests.get(repo, [])))
        for tag in self._all_tags(registry, repo):
            with contextlib.suppress(Exception):
                digest = registry.resolve_tag(repo, tag)
                if digest:
                    digests.append(digest)
        for digest in dict.fromkeys(digests):
            with contextlib.suppress(requests.RequestException):
                registry.http.delete(registry.manifest_url(repo, digest), timeout=30)
        for digest in dict.fromkeys(self.blobs.get(repo, [])):
            with contextlib.suppress(requests.RequestException):
                registry.http.delete(registry.blob_url(repo, digest), timeout=30)

    @staticmethod
    def _all_tags(registry: _oci.Registry, repo: str) -> Iterator[str]:
        url: str | None = registry.url(repo, "tags", "list")
        seen = 0
        while url and seen < 1000:
            seen += 1
            response = registry.http.get(url, timeout=30)
            if response.status_code != 200:
                return
            yield from response.json().get("tags") or []
            link = response.links.get("next", {}).get("url")
            url = _oci.resolve(registry.base, link) if link else None
