"""Targets of the GitHub conformance suite and what each of them can do.

A *target* is one GitHub the same test bodies run against: the fake
(:class:`fakes.github.FakeGitHub`, always) or, opted into, a real server:

- ``--target real-local``: git's own server, ``git http-backend``, started on loopback
  for the run (:class:`GitBackendTarget`). It speaks only the git protocol, so only the
  behaviours git defines run there; every REST behaviour and every git behaviour
  GitHub adds (token answers, protected branches) is skipped with the reason;
- ``--target API_URL``: github.com or a GitHub Enterprise Server (:class:`RealTarget`).

Where they differ, the difference is a fact in :class:`Capabilities`; a test that needs
a capability the target lacks is skipped with the reason. Test bodies never ask "is
this the fake".

Against a real target the run works only in repositories it creates, named
``vf-conformance-<run id>-<hint>-<n>`` with a description that names the run, and
deletes them at the end of the session, passed or failed. It refuses to start when the
owner holds repositories the suite did not create, unless told otherwise.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import subprocess
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import pytest
import requests

from fakes.conformance._target import BUDGET_VARIABLE, RUN_PREFIX, RequestBudget
from fakes.conformance._target import Target as _BaseTarget
from fakes.conformance.github._git_remote import GitRemote, HttpBackend, TargetRemote
from fakes.conformance.github._pacing import Pacer
from fakes.conformance.github._schemas import check_response
from fakes.github._provider import REAL_LOCAL

__all__ = ["DOCS", "FAKE", "GITHUB_COM", "GIT_HTTP_BACKEND", "REAL_LOCAL", "Capabilities",
           "FakeTarget", "GitBackendTarget", "RealTarget", "Target", "git_hash"]

DOCS = "https://docs.github.com/en/rest"
GIT_OBJECTS = "https://git-scm.com/book/en/v2/Git-Internals-Git-Objects"
API_VERSION = "2022-11-28"
#: The request budget of a run against GitHub when FAKES_CONFORMANCE_MAX_REQUESTS is not
#: set: the primary rate limit of a user's token for an hour
#: (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api).
GITHUB_BUDGET = 5000
#: A repository role as the team repository permissions API names it.
_TEAM_PERMISSION = {"read": "pull", "triage": "triage", "write": "push",
                    "maintain": "maintain", "admin": "admin"}


def git_hash(kind: str, data: bytes) -> str:
    """The id git gives an object: sha1 of ``<kind> <size>\\0<data>`` (GIT_OBJECTS)."""
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


@attrs.frozen(kw_only=True)
class Capabilities:
    """What a target does where the fake and GitHub differ, or where a test needs
    something only one of them offers."""

    profile: str
    # Tokens of other users with chosen scopes or fine-grained permissions can be made
    # for a test (the fake's seeding API; on GitHub tokens are made by hand).
    mint_tokens: bool
    # The REST API is also served under /api/v3 of the same origin (GitHub Enterprise
    # Server's prefix); github.com serves it at the root of api.github.com only.
    enterprise_prefix: bool
    # Documented operations that are not modelled answer 501 naming their operationId
    # (the fakes' rule; GitHub implements them).
    unmodelled_501: bool
    # The run has the rate-limit budget to itself and can lower it, so a test can watch
    # it being spent and run out.
    isolated_rate_limit: bool
    # Faults can be injected (secondary rate limits, server errors) to check their shape.
    fault_injection: bool
    # The first read of a pull request after its head or base moved answers mergeable
    # null, the next the result (GitHub computes it in the background: null, then the
    # result "after a short time").
    mergeable_null_first: bool
    # Pull requests, and their refs/pull/<n>/head over git (a GitHub with its REST API).
    pull_request_refs: bool = False
    # CI that reports a status or a check run on every landing commit and finishes after
    # a time the test controls (the fake's simulated CI and its clock).
    simulated_ci: bool = False
    # Webhook deliveries reach a receiver on this machine's loopback interface.
    loopback_webhooks: bool = False
    # GitHub's REST API is served (git http-backend serves the git protocol alone).
    rest_api: bool = True
    # What GitHub adds to git over HTTPS: its answers to credentials, private
    # repositories, and the push rules of branch protection.
    github_git: bool = True
    # A smart HTTP request git cannot read is answered with an ERR packet; git
    # http-backend ends such an answer empty instead (measured: git 2.39.5 on loopback,
    # 2026-12-01), and both change nothing.
    err_packet_on_bad_request: bool = True


FAKE = Capabilities(profile="fake", mint_tokens=True, enterprise_prefix=True,
                    unmodelled_501=True, isolated_rate_limit=True, fault_injection=True,
                    mergeable_null_first=True, simulated_ci=True, loopback_webhooks=True,
                    pull_request_refs=True)
GITHUB_COM = Capabilities(profile="github", mint_tokens=False, enterprise_prefix=False,
                          unmodelled_501=False, isolated_rate_limit=False,
                          fault_injection=False, mergeable_null_first=False,
                          pull_request_refs=True)


class Target(_BaseTarget):
    """One GitHub: its REST API URL, a token of the account the run acts as, and the
    owner (that account, or an organization it administers) of the run's repositories."""

    #: Check every answer against GitHub's published schemas (the fake's answers).
    validates_schemas = False
    #: Spaces and retries requests as GitHub asks integrators to (a real target's).
    pacer: Pacer | None = None

    def __init__(self, api_url: str, token: str, owner: str, capabilities: Capabilities,
                 budget: RequestBudget | None = None) -> None:
        super().__init__(capabilities)
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.owner = owner
        self.budget = budget
        self.repositories: list[str] = []
        self.teams: list[tuple[str, str]] = []  # (organization, slug) made for this run
        self._repo_lock = threading.Lock()
        self._owner_is_org: bool | None = None

    # -- HTTP -----------------------------------------------------------------------------

    def git_remote(self) -> GitRemote:
        """The target's repositories over git's smart HTTP, for the git scenarios."""
        return TargetRemote(self)

    def session(self, token: str | None = None) -> requests.Session:
        """A session on the REST API (skips the test where the target serves none)."""
        self.require("rest_api")
        session = requests.Session()
        session.headers.update({"Accept": "application/vnd.github+json",
                                "X-GitHub-Api-Version": API_VERSION,
                                "User-Agent": "verified-fakes-conformance"})
        if token is not None:
            session.headers["Authorization"] = f"Bearer {token}"
        if self.budget is not None:
            session.hooks["response"].append(self.budget.spend)
        if self.validates_schemas:
            session.hooks["response"].append(check_response)
        return session

    def http(self, method: str, path: str, *, json: Any = None, data: bytes | None = None,
             headers: Mapping[str, str] | None = None, token: str | None = "default",
             base: str | None = None, allow_redirects: bool = True) -> requests.Response:
        """``method`` on ``path`` of the API (``/repos/...``); ``token`` None: anonymous."""
        session = self.session(self.token if token == "default" else token)
        url = path if path.startswith("http") else (base or self.api_url) + path

        def send() -> requests.Response:
            return session.request(method, url, json=json, data=data,
                                   headers=dict(headers or {}), timeout=60,
                                   allow_redirects=allow_redirects)

        return send() if self.pacer is None else self.pacer.send(method, send)

    def github(self) -> Any:
        """A PyGithub client on the target, without retries or pauses."""
        self.require("rest_api")
        from github import Auth, Github

        return Github(base_url=self.api_url, auth=Auth.Token(self.token), retry=None,
                      seconds_between_requests=None, seconds_between_writes=None)

    def held_file(self, full_name: str, path: str, ref: str = "main") -> bytes | None:
        """What the target holds at ``path`` on ``ref``, by its own account."""
        response = self.http("GET", f"/repos/{full_name}/contents/{path}?ref={ref}")
        if response.status_code != 200:
            return None
        return base64.b64decode(response.json()["content"])

    # -- repositories of the run ----------------------------------------------------------

    def repo_name(self, hint: str) -> str:
        return self.run_name(hint, separator="-")

    def new_repo(self, hint: str, *, private: bool = False, auto_init: bool = True) -> str:
        """A repository made for this run; returns ``owner/name``."""
        name = self.repo_name(hint)
        body = {"name": name, "private": private, "auto_init": auto_init,
                "description": f"{RUN_PREFIX} run {self.run_id}: throwaway, safe to delete"}
        response = self.http("POST", self._create_path(), json=body)
        assert response.status_code == 201, response.text
        full_name = str(response.json()["full_name"])
        with self._repo_lock:
            self.repositories.append(full_name)
        return full_name

    def _create_path(self) -> str:
        if self._owner_is_org is None:
            response = self.http("GET", f"/users/{self.owner}")
            assert response.status_code == 200, response.text
            self._owner_is_org = response.json()["type"] == "Organization"
        return f"/orgs/{self.owner}/repos" if self._owner_is_org else "/user/repos"

    @property
    def org(self) -> str:
        """An organization the run's account may create repositories in (the owner, when
        it is one); skips the test when there is none."""
        if not self._create_path().startswith("/orgs/"):
            pytest.skip(f"{self.owner} is a user, and this test needs an organization")
        return self.owner

    def mint_token(self, login: str, *, scopes: tuple[str, ...] | None = None,
                   permissions: Mapping[str, str] | None = None,
                   repositories: tuple[str, ...] | None = None) -> str:
        """A token of ``login`` (made if missing); needs ``mint_tokens``."""
        self.require("mint_tokens")
        raise NotImplementedError

    def add_collaborator(self, full_name: str, login: str, permission: str) -> None:
        self.require("mint_tokens")
        raise NotImplementedError

    def new_team(self, full_name: str, role: str, members: tuple[str, ...] = ()) -> str:
        """A team of the organization that owns ``full_name``, made for this run, with
        ``role`` (read, triage, write, maintain, admin) on it; returns its slug. Members
        need ``mint_tokens`` (users made for the test)."""
        if members:
            self.require("mint_tokens")
        org = full_name.partition("/")[0]
        made = self.http("POST", f"/orgs/{org}/teams",
                         json={"name": self.repo_name("team"), "privacy": "closed"})
        assert made.status_code == 201, made.text
        slug = str(made.json()["slug"])
        self.teams.append((org, slug))
        given = self.http("PUT", f"/orgs/{org}/teams/{slug}/repos/{full_name}",
                          json={"permission": _TEAM_PERMISSION[role]})
        assert given.status_code == 204, given.text
        return slug

    #: An installation token of a GitHub App installed on the owner's repositories with
    #: checks: write (``FAKES_GITHUB_APP_TOKEN`` for a real target).
    app_installation: str | None = None

    def app_token(self, full_name: str) -> str:
        """A GitHub App installation token that may write check runs on ``full_name``;
        skips the test when the target has none."""
        if self.app_installation is None:
            pytest.skip("no GitHub App installation token (FAKES_GITHUB_APP_TOKEN)")
        return self.app_installation

    def ci(self, context: str, *, after: float, result: str = "success",
           kind: str = "status", **match: Any) -> None:
        """CI on the run's repositories that reports ``context``; needs ``simulated_ci``."""
        self.require("simulated_ci")
        raise NotImplementedError

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass for CI; needs ``simulated_ci``."""
        self.require("simulated_ci")
        raise NotImplementedError

    def another_push(self, full_name: str, files: Mapping[str, str], branch: str = "main"
                     ) -> str:
        """Another writer commits ``files`` on ``branch`` before the code under test acts;
        returns the commit. On GitHub that writer is the contents API."""
        commit = ""
        for path, content in files.items():
            current = self.http("GET", f"/repos/{full_name}/contents/{path}?ref={branch}")
            body = {"message": f"another writer: {path}", "branch": branch,
                    "content": base64.b64encode(content.encode()).decode()}
            if current.status_code == 200:
                body["sha"] = current.json()["sha"]
            response = self.http("PUT", f"/repos/{full_name}/contents/{path}", json=body)
            assert response.status_code in (200, 201), response.text
            commit = response.json()["commit"]["sha"]
        return commit

    @contextlib.contextmanager
    def rate_limit(self, limit: int) -> Iterator[None]:
        """Lower the primary rate limit for the block; needs ``isolated_rate_limit``."""
        self.require("isolated_rate_limit")
        raise NotImplementedError
        yield  # pragma: no cover

    def inject(self, fault: Any, *, on: str, times: int = 1) -> None:
        """A fault rule on the operation ``on``; needs ``fault_injection``."""
        self.require("fault_injection")
        raise NotImplementedError


class FakeTarget(Target):
    """The in-memory fake, started on loopback for the session."""

    name = "fake"
    validates_schemas = True

    def __init__(self) -> None:
        from fakes.github import FakeGitHub

        self.fake = FakeGitHub(rate_limit=5000)
        self.fake.start()
        token = self.fake.token_for("vf-sandbox", scopes=("repo", "delete_repo"))
        super().__init__(self.fake.url, token, "vf-sandbox", FAKE)
        self.fake.create_org("vf-sandbox-org", admins=["vf-sandbox"])

    @property
    def org(self) -> str:
        return "vf-sandbox-org"

    def another_push(self, full_name: str, files: Mapping[str, str], branch: str = "main"
                     ) -> str:
        return self.fake.push(full_name, files, branch=branch, actor="another-writer")

    def github(self) -> Any:
        return self.fake.client(self.token)

    def held_file(self, full_name: str, path: str, ref: str = "main") -> bytes | None:
        return self.fake.file(full_name, path, ref)

    @contextlib.contextmanager
    def rate_limit(self, limit: int) -> Iterator[None]:
        saved = self.fake.rate_limit
        self.fake.rate_limit = limit
        try:
            yield
        finally:
            self.fake.rate_limit = saved

    def inject(self, fault: Any, *, on: str, times: int = 1) -> None:
        self.fake.faults.add(fault, on=on, times=times)

    def mint_token(self, login: str, *, scopes: tuple[str, ...] | None = None,
                   permissions: Mapping[str, str] | None = None,
                   repositories: tuple[str, ...] | None = None) -> str:
        return self.fake.token_for(login, scopes=scopes, permissions=permissions,
                                   repositories=repositories)

    def add_collaborator(self, full_name: str, login: str, permission: str) -> None:
        self.fake.add_collaborator(full_name, login, permission)

    def new_team(self, full_name: str, role: str, members: tuple[str, ...] = ()) -> str:
        slug = self.repo_name("team")
        self.fake.create_team(full_name.partition("/")[0], slug, members=members,
                              repositories={full_name: role})
        return slug

    def app_token(self, full_name: str) -> str:
        return self.fake.app_installation_token(full_name)

    def ci(self, context: str, *, after: float, result: str = "success",
           kind: str = "status", **match: Any) -> None:
        self.fake.ci(context, after=after, result=result, kind=kind, **match)

    def wait(self, seconds: float) -> None:
        self.fake.clock.advance(seconds)

    def close(self) -> None:
        self.fake.stop()


class RealTarget(Target):
    """github.com or an Enterprise Server, selected explicitly; works only in the
    repositories it creates and deletes them at teardown."""

    name = "real"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> RealTarget:
        env = dict(os.environ if environ is None else environ)
        limit = RequestBudget.limit_from_environment(env) if BUDGET_VARIABLE in env \
            else GITHUB_BUDGET
        budget = RequestBudget(limit, target="the real GitHub")
        target = cls(env["FAKES_GITHUB_API_URL"], env["FAKES_GITHUB_TOKEN"],
                     env["FAKES_GITHUB_OWNER"], GITHUB_COM, budget)
        target.app_installation = env.get("FAKES_GITHUB_APP_TOKEN") or None
        target.pacer = Pacer()
        if env.get("FAKES_GITHUB_ALLOW_FOREIGN") != "1":
            target.refuse_foreign_repositories()
        return target

    def github(self) -> Any:
        """PyGithub with its own pacing: a second between writes, and retries that honour
        retry-after (the same guidance as :class:`Pacer`)."""
        from github import Auth, Github, GithubRetry

        return Github(base_url=self.api_url, auth=Auth.Token(self.token), retry=GithubRetry(),
                      seconds_between_writes=1.0)

    def description(self) -> str:
        return ("github.com" if self.api_url == "https://api.github.com"
                else "GitHub Enterprise Server")

    def version(self) -> str | None:
        """An Enterprise Server's ``X-GitHub-Enterprise-Version`` (from ``GET /meta``);
        github.com has no version but the REST API version the suite asks for."""
        response = self.http("GET", "/meta")
        release = response.headers.get("X-GitHub-Enterprise-Version")
        return f"{release}, REST API {API_VERSION}" if release else f"REST API {API_VERSION}"

    def refuse_foreign_repositories(self) -> None:
        """The owner must be a sandbox: no repositories but the suite's own."""
        kind = "orgs" if self._create_path().startswith("/orgs/") else "users"
        response = self.http("GET", f"/{kind}/{self.owner}/repos?per_page=100&type=all")
        assert response.status_code == 200, response.text
        foreign = [r["name"] for r in response.json()
                   if not str(r["name"]).startswith(RUN_PREFIX + "-")]
        if foreign:
            raise pytest.UsageError(
                f"refusing to run against {self.owner}: it holds repositories the suite did "
                f"not create ({', '.join(sorted(foreign)[:5])} …); point FAKES_GITHUB_OWNER "
                "at a sandbox account, or set FAKES_GITHUB_ALLOW_FOREIGN=1")

    def close(self) -> None:
        """Delete every repository and team the run made (best effort, not counted in the
        budget)."""
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        for org, slug in self.teams:
            with contextlib.suppress(requests.RequestException):
                session.delete(f"{self.api_url}/orgs/{org}/teams/{slug}", timeout=60)
        for full_name in self.repositories:
            with contextlib.suppress(requests.RequestException):
                session.delete(f"{self.api_url}/repos/{full_name}", timeout=60)


#: git's own server: the git protocol alone, none of GitHub's additions.
GIT_HTTP_BACKEND = Capabilities(profile="git-http-backend", mint_tokens=False,
                                enterprise_prefix=False, unmodelled_501=False,
                                isolated_rate_limit=False, fault_injection=False,
                                mergeable_null_first=False, rest_api=False, github_git=False,
                                err_packet_on_bad_request=False)


class GitBackendTarget(Target):
    """``git http-backend`` of the machine's git, started on loopback for the run over
    bare repositories in a temporary directory: a real git server, for the behaviours
    git defines. It has no REST API and none of GitHub's additions to git."""

    name = "real"

    def __init__(self) -> None:
        self.backend = HttpBackend()
        super().__init__(self.backend.base, "", "", GIT_HTTP_BACKEND)

    def git_remote(self) -> GitRemote:
        return self.backend

    def description(self) -> str:
        return f"git http-backend started on loopback ({REAL_LOCAL})"

    def version(self) -> str | None:
        """``git --version`` of the git whose http-backend serves the run."""
        done = subprocess.run(["git", "--version"], capture_output=True, text=True,
                              check=True)
        return done.stdout.strip()

    def close(self) -> None:
        self.backend.close()
