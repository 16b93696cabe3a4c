"""Request headers GitHub interprets before or around an operation: the REST API
version, the ``Accept`` media type, ``If-Modified-Since``; and GraphQL's endpoints.

- ``X-GitHub-Api-Version`` (VERSIONS_DOCS): the versions GitHub's OpenAPI description
  names (``2022-11-28``, and ``2026-03-10`` in its ``x-github-breaking-changes``);
  without the header a request gets ``2022-11-28``; another value is 400.
- ``Accept`` (MEDIA_DOCS): ``application/vnd.github[.version][.param][+json]``; the
  ``raw`` parameter is served where GitHub documents it for the contents and blob
  operations, ``diff`` for a comparison and a pull request (git's diff of the merge
  base and the head); the other documented parameters (``patch``, ``sha``, ``html``,
  ``text``, ``full``, ``object``, ``base64``) answer 501 naming what is not modelled.
- ``Last-Modified`` on users, organizations, repositories and commits; a matching
  ``If-Modified-Since`` is 304, free of rate limit (CONDITIONAL_DOCS).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from dulwich.patch import write_tree_diff

from fakes._http import Request
from fakes.github._errors import GitHubError, fail
from fakes.github._model import GitHubState, Repository

__all__ = ["API_VERSIONS", "DEFAULT_VERSION", "GRAPHQL_PATHS", "api_version", "diff", "graphql",
           "http_date", "last_modified", "media_parameter", "not_modified", "unmodelled_media"]

VERSIONS_DOCS = "https://docs.github.com/rest/about-the-rest-api/api-versions"
MEDIA_DOCS = "https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#media-types"
CONDITIONAL_DOCS = ("https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-"
                    "the-rest-api#use-conditional-requests-if-appropriate")
GRAPHQL_DOCS = "https://docs.github.com/graphql"
FAKE_DOCS = "verified-fakes docs/github.md#not-modelled"

DEFAULT_VERSION = "2022-11-28"
API_VERSIONS = ("2026-03-10", DEFAULT_VERSION)  # newest first, as GitHub lists them
GRAPHQL_PATHS = ("/graphql", "/api/graphql")

# The media type parameters GitHub documents (MEDIA_DOCS and each operation's page).
_PARAMETERS = ("raw", "html", "text", "full", "diff", "patch", "sha", "object", "base64")
_MEDIA = re.compile(r"application/vnd\.github(?:\.v\d+)?\.(?P<param>[a-z0-9-]+)(?:\+json)?\Z")
# Where the fake serves the ``raw`` parameter (the operations' pages document it).
RAW_OPERATIONS = frozenset({"repos/get-content", "git/get-blob"})
DIFF_OPERATIONS = frozenset({"repos/compare-commits-with-basehead", "pulls/get"})
DIFF_TYPE = "application/vnd.github.diff; charset=utf-8"


def api_version(request: Request) -> str:
    """The version the request asks for; an unsupported one is 400 with GitHub's message
    (as clients report it: "The version you specified in the ..." and the list)."""
    asked = request.header("X-GitHub-Api-Version")
    if asked is None:
        return DEFAULT_VERSION
    asked = asked.strip()
    if asked in API_VERSIONS:
        return asked
    supported = ", ".join(
        f'"{v}"' + (" (most recent)" if i == 0 else "") for i, v in enumerate(API_VERSIONS))
    raise fail(400, f'The version you specified in the "X-GitHub-API-Version" request '
                    f'header, "{asked}", is not a supported version. The following versions '
                    f'are currently supported: {supported}.', VERSIONS_DOCS)


def media_parameter(request: Request) -> str | None:
    """The documented media type parameter the ``Accept`` header names (``raw``, ``diff``
    ...), or None for JSON, a version or a preview."""
    for part in (request.header("Accept") or "").split(","):
        m = _MEDIA.match(part.split(";", 1)[0].strip().lower())
        if m is not None and m.group("param") in _PARAMETERS:
            return m.group("param")
    return None


def unmodelled_media(operation: str, parameter: str | None) -> GitHubError | None:
    """501 for a media type parameter the fake does not serve for ``operation``."""
    if parameter is None or (parameter == "raw" and operation in RAW_OPERATIONS) or (
            parameter == "diff" and operation in DIFF_OPERATIONS):
        return None
    return GitHubError(
        f"verified-fakes: the media type application/vnd.github.{parameter} is not "
        f"modelled for {operation} by the GitHub fake; see {FAKE_DOCS}",
        status=501, documentation_url=MEDIA_DOCS)


def diff(repo: Repository, merge_base: str, head: str) -> bytes:
    """``git diff <merge base> <head>``: what GitHub's diff media type shows for
    ``base...head`` and for a pull request (the changes of the head since the base)."""
    trees = []
    for sha in (merge_base, head):
        commit = repo.git.commit(sha)
        assert commit is not None
        trees.append(commit.tree)
    out = io.BytesIO()
    write_tree_diff(out, repo.git.repo.object_store, trees[0], trees[1])
    return out.getvalue()


def graphql(request: Request, path: str) -> GitHubError | None:
    """GraphQL (``/graphql``; ``/api/graphql`` on Enterprise Server) is not modelled."""
    if path.rstrip("/") not in GRAPHQL_PATHS:
        return None
    return GitHubError(
        f"verified-fakes: the GraphQL API ({request.method} {path}) is not modelled by the "
        f"GitHub fake, only the REST API; see {FAKE_DOCS}",
        status=501, documentation_url=GRAPHQL_DOCS)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def last_modified(store: GitHubState, operation: str, params: Mapping[str, str],
                  login: str | None) -> datetime | None:
    """When the resource an answered GET showed last changed, for the operations whose
    answers carry ``Last-Modified``; None for the others."""
    if operation in ("users/get-authenticated", "users/get-by-username", "orgs/get"):
        name = login if operation == "users/get-authenticated" else (
            params.get("username") or params.get("org"))
        account = store.accounts.get(name or "")
        return account.created_at if account is not None else None
    repo = store._find_repo(params.get("owner", ""), params.get("repo", ""))
    if repo is None:
        return None
    if operation == "repos/get":
        return max(repo.updated_at, repo.pushed_at or repo.updated_at)
    if operation == "repos/get-commit":
        sha = store.resolve(repo, params.get("ref", ""))
        commit = repo.git.commit(sha) if sha is not None else None
        if commit is None:
            return None
        return datetime.fromtimestamp(commit.commit_time, timezone.utc)
    return None


def not_modified(request: Request, modified: datetime) -> bool:
    """Whether ``If-Modified-Since`` names ``modified`` or later (to the second)."""
    since = request.header("If-Modified-Since")
    if since is None:
        return False
    try:
        told = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as HTTP says (RFC 9110 13.1.3)
    if told.tzinfo is None:
        told = told.replace(tzinfo=timezone.utc)
    return modified.replace(microsecond=0) <= told
