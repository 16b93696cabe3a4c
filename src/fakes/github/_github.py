"""``FakeGitHub``: the git-hosting fake users start."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from fakes._adapter import WireAdapter
from fakes._clock import Clock
from fakes._fake import Fake, Snapshot
from fakes._http import Request
from fakes.github._api import GitHubAdapter
from fakes.github._api_hooks import Where
from fakes.github._auth import Token
from fakes.github._ci import rule as ci_rule
from fakes.github._model import Account, GitHubState, Repository, commit_files
from fakes.github._smart_http import SmartHttpAdapter

if TYPE_CHECKING:
    from fakes.github._workdir import GitWorkdir
    from github import Github

SEED = "seed"
#: The prefix GitHub Enterprise Server serves its REST API under; the fake serves both.
API_PREFIX = "/api/v3"


class FakeGitHub(Fake[GitHubState]):
    """GitHub's REST API on loopback, over repositories with real git objects.

    Modelled: users, organizations, classic and fine-grained tokens, GitHub App
    installation tokens, repositories (visibility, default branch, auto_init, delete,
    settings, archiving, renames with redirects, topics), branches, the Git database
    API (blobs, trees, commits, refs, annotated tags), the contents API, commits and
    compare, pull requests, issues, labels and issue comments, branch protection,
    commit statuses, check runs and suites, reviews, webhooks, and a simulated CI
    (:meth:`ci`); GitHub's
    error bodies, pagination, rate-limit headers and conditional requests. Everything
    else GitHub documents answers 501 naming its ``operationId``; see ``docs/github.md``
    for the surface and the divergences.

    Seeding writes go through the same model as the wire and are journaled with actor
    ``"seed"`` (or the one passed), so a test can stage "another user pushed this"
    before the code under test runs.
    """

    def __init__(
        self,
        *,
        rate_limit: int = 5000,
        anonymous_rate_limit: int = 60,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        allow_non_loopback: bool = False,
        seed: int = 0,
        control_api: bool = False,
        announce: TextIO | None = None,
    ) -> None:
        self._announce = announce
        self._rate_limit = rate_limit
        self._anonymous_rate_limit = anonymous_rate_limit
        super().__init__(host=host, port=port, clock=clock,
                         allow_non_loopback=allow_non_loopback, seed=seed,
                         control_api=control_api)

    def _make_store(self) -> GitHubState:
        return GitHubState(self.journal, self.clock)

    def _make_mounts(self) -> Sequence[tuple[str, WireAdapter[Any]]]:
        self.adapter = GitHubAdapter(self.store, self.faults, rate_limit=self._rate_limit,
                                     anonymous_rate_limit=self._anonymous_rate_limit)
        # git's smart HTTP shares the root; the REST adapter stays first, so paths neither
        # serves get the REST API's 404 or 501.
        self.git_adapter = SmartHttpAdapter(self.store, self.faults, self._landed)
        return [("", self.adapter), (API_PREFIX, self.adapter), ("", self.git_adapter)]

    def start(self) -> FakeGitHub:
        super().start()
        if self._announce is not None:  # ``fakes serve``: stdout's first line is the URL
            print(f"api: {self.api_url}", file=self._announce, flush=True)
        return self

    def reset(self, to: Snapshot[GitHubState] | None = None) -> None:
        """As :meth:`Fake.reset`; rate-limit budgets start afresh at the configured limit."""
        super().reset(to)
        self.adapter.rate_limit = self._rate_limit

    @property
    def rate_limit(self) -> int:
        """The primary rate limit per user and hour of the fake's clock (5000 on GitHub);
        setting it lasts until :meth:`reset`."""
        return self.adapter.rate_limit

    @rate_limit.setter
    def rate_limit(self, value: int) -> None:
        self.adapter.rate_limit = value

    @property
    def api_url(self) -> str:
        """The REST API under the Enterprise Server prefix: ``<url>/api/v3``."""
        return self.url + API_PREFIX

    # -- clients --------------------------------------------------------------------------

    def client(self, token: str | None = None, *, enterprise_prefix: bool = False,
               **options: Any) -> Github:
        """A PyGithub ``Github`` on the fake: no retries and no pauses between requests.

        ``token`` defaults to a new classic token with the ``repo`` and ``delete_repo``
        scopes for the user ``octocat`` (made if missing).
        """
        from github import Auth, Github

        if token is None:
            token = self.token_for("octocat", scopes=("repo", "delete_repo"))
        settings: dict[str, Any] = dict(retry=None, seconds_between_requests=None,
                                        seconds_between_writes=None)
        settings.update(options)
        return Github(base_url=self.api_url if enterprise_prefix else self.url,
                      auth=Auth.Token(token), **settings)

    # -- seeding and inspection, in GitHub terms ---------------------------------------------

    def create_user(self, login: str, *, name: str | None = None,
                    email: str | None = None) -> Account:
        return self.store.create_user(login, name=name, email=email, actor=SEED)

    def create_org(self, login: str, *, admins: Iterable[str] = (),
                   members: Iterable[str] = ()) -> Account:
        """An organization; its admins and members must exist (they are made if not)."""
        for user in (*admins, *members):
            self._ensure_user(user)
        return self.store.create_org(login, admins=tuple(admins), members=tuple(members),
                                     actor=SEED)

    def create_team(self, org: str, slug: str, *, members: Iterable[str] = (),
                    repositories: Mapping[str, str] | None = None) -> None:
        """A team of ``org``: its ``members`` (made members of the organization if they
        are not) and its role on each of ``repositories`` (``{"org/name": "write"}``),
        which its members hold through it."""
        from fakes.github._teams import create_team

        chosen = tuple(members)
        for login in chosen:
            self._ensure_user(login)
        create_team(self.store, org, slug, chosen, dict(repositories or {}), SEED)

    def _ensure_user(self, login: str) -> None:
        if login not in self.store.accounts:
            self.store.create_user(login, actor=SEED)

    def token_for(self, login: str, *, scopes: Iterable[str] | None = None,
                  permissions: Mapping[str, str] | None = None,
                  repositories: Iterable[str] | None = None) -> str:
        """A token of ``login`` (the user is made if missing).

        With ``permissions`` (e.g. ``{"contents": "write"}``) it is a fine-grained token
        on ``repositories`` (``"owner/name"``; None: all the user can see); otherwise a
        classic token with ``scopes`` (default ``repo``).
        """
        self._ensure_user(login)
        fine = permissions is not None
        prefix = "github_pat_" if fine else "ghp_"
        token = Token(
            prefix + secrets.token_hex(18), login, fine_grained=fine,
            scopes=("repo",) if scopes is None else scopes,
            repositories=repositories,
            permissions=dict(permissions or {}),
        )
        return self.store.add_token(token).value

    def create_repo(self, full_name: str, *, private: bool = False,
                    description: str | None = None, auto_init: bool = False,
                    default_branch: str = "main",
                    files: Mapping[str, bytes | str] | None = None) -> Repository:
        """``owner/name``; ``files`` become its first commit on ``default_branch``. The
        owner is made as a user if no account has that login."""
        owner, _, name = full_name.partition("/")
        if owner not in self.store.accounts:
            self._ensure_user(owner)
        return self.store.create_repo(owner, name, private=private, description=description,
                                      auto_init=auto_init, default_branch=default_branch,
                                      files=files, actor=SEED)

    def add_collaborator(self, full_name: str, login: str, permission: str = "write") -> None:
        self._ensure_user(login)
        self.store.add_collaborator(self.repo(full_name), login, permission, actor=SEED)

    def push(self, full_name: str, files: Mapping[str, bytes | str | None], *,
             branch: str | None = None, message: str = "Update files",
             actor: str = SEED) -> str:
        """Another user's push: one commit writing ``files`` (None deletes) on ``branch``
        (default branch if None; a new branch starts at the default branch). Returns
        the commit's sha."""
        repo = self.repo(full_name)
        sha = commit_files(self.store, repo, branch or repo.default_branch, files, message,
                           actor)
        self._landed(Where(self.url, self.url))
        return sha

    def _landed(self, where: Request | Where) -> None:
        """Commits landed (a seeded push, a git push): simulated CI and webhooks react."""
        self.adapter.ci.observe()
        self.adapter.emit_events(where)

    def stop(self) -> None:
        """As :meth:`Fake.stop`; the webhook delivery thread stops too."""
        self.adapter.hooks.stop()
        super().stop()

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Block until every webhook delivery so far was attempted (they are POSTed on a
        background thread); False if ``timeout`` seconds passed first."""
        return self.adapter.hooks.wait(timeout)

    # -- apps and simulated CI -----------------------------------------------------------------

    def app_installation_token(self, repositories: str | Iterable[str], *, app: str = "fake-ci",
                               permissions: Mapping[str, str] | None = None) -> str:
        """An installation token of the GitHub App ``app`` (its bot ``<app>[bot]`` is made
        if missing) on ``repositories``: ``"owner/name"`` items, or an owner's login for
        all of that owner's repositories. ``permissions`` default to ``checks``,
        ``statuses``, ``contents`` and ``pull_requests``: ``write``. Use it as any token
        (``client(token)``); only such tokens may write check runs."""
        bot = f"{app}[bot]"
        if bot not in self.store.accounts:
            self.store.create_bot(bot, actor=SEED)
        chosen = [repositories] if isinstance(repositories, str) else list(repositories)
        token = Token(
            "ghs_" + secrets.token_hex(18), bot, fine_grained=True,
            repositories=[r if "/" in r else f"{r}/*" for r in chosen],
            permissions=dict(permissions or {"checks": "write", "statuses": "write",
                                              "contents": "write", "pull_requests": "write"}),
            app=app)
        return self.store.add_token(token).value

    def ci(self, context: str, *, after: float = 0.0, result: str = "success",
           kind: str = "status", repo: str | None = None,
           branches: Iterable[str] | None = None, paths: Iterable[str] | None = None,
           app: str = "fake-ci") -> None:
        """Simulated CI: every commit that lands on a branch from now on (``repo``:
        ``owner/name`` or every repository; ``branches``, ``paths``: fnmatch patterns a
        branch and a changed path must match) gets ``context`` pending at once, then
        ``result`` when ``after`` seconds of the fake's clock have passed
        (``clock.advance``). ``kind="status"`` reports a commit status (results
        ``success``, ``failure``, ``error``), ``kind="check"`` a check run by the app
        ``app`` (a check run conclusion). Rules last until :meth:`reset`."""
        self.adapter.ci.add(ci_rule(context, after=after, result=result, kind=kind,
                                    repo=repo,
                                    branches=list(branches) if branches is not None else None,
                                    paths=list(paths) if paths is not None else None,
                                    app=app))

    def clone_url(self, full_name: str, token: str | None = None) -> str:
        """The HTTPS-style clone URL of ``owner/name`` on the fake (``<url>/owner/name.git``),
        with ``token`` as Basic credentials (``x-access-token:<token>@``) when given."""
        url = f"{self.url}/{full_name}.git"
        if token is None:
            return url
        scheme, _, rest = url.partition("://")
        return f"{scheme}://x-access-token:{token}@{rest}"

    def workdir(self, login: str = "octocat") -> GitWorkdir:
        """The machine's ``git`` against the fake, in a temporary directory with a
        configuration of its own (``HOME`` there, no system config, no prompts), so a test
        does not depend on who runs it. Commits are by ``login`` (made if missing), and
        ``clone(repo)`` uses a new ``repo``-scoped token of ``login`` unless given one.
        Use it as a context manager; the directory goes on exit::

            with fake.workdir() as work:
                clone = work.clone("octocat/hello")
                work.commit(clone, {"a.txt": "a\n"}, "Add a")
                work.git("push", "-q", "origin", "main", cwd=clone)
        """
        from fakes.github._workdir import GitWorkdir

        account = self.store.accounts.get(login) or self.create_user(login)
        token = self.token_for(login, scopes=("repo",))
        return GitWorkdir(
            name=account.name or login,
            email=account.email or f"{login}@users.noreply.verified-fakes.invalid",
            url_of=lambda repo, given: self.clone_url(repo, given or token))

    def repo(self, full_name: str) -> Repository:
        owner, _, name = full_name.partition("/")
        found = self.store._find_repo(owner, name)
        if found is None:
            raise KeyError(full_name)
        return found

    def branch_head(self, full_name: str, branch: str) -> str | None:
        return self.repo(full_name).branch_head(branch)

    def file(self, full_name: str, path: str, ref: str | None = None) -> bytes | None:
        """The content of ``path`` at ``ref`` (default branch), or None."""
        repo = self.repo(full_name)
        commit = self.store.resolve(repo, ref or repo.default_branch)
        if commit is None:
            return None
        found = repo.git.commit(commit)
        assert found is not None
        entry = repo.git.lookup(found.tree.decode(), path)
        blob = repo.git.blob(entry[2]) if entry is not None else None
        return None if blob is None else bytes(blob.as_raw_string())

    def refs(self, full_name: str) -> Mapping[str, str]:
        return self.repo(full_name).git.refs()
