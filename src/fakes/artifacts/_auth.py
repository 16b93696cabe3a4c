"""Bearer-token authorization as registries implement it.

The flow is the Docker/OCI token flow that every registry client speaks:
a request without a token gets ``401`` and a ``WWW-Authenticate: Bearer
realm=...,service=...,scope=repository:<name>:<actions>`` challenge; the
client fetches a token for that scope from the realm with its credentials
and retries. https://distribution.github.io/distribution/spec/auth/token/

The token grants the requested actions the account holds. A request whose
token never asked for the action gets another challenge; one whose token
asked and was refused gets ``403 DENIED``. Tokens expire after
``expires_in`` seconds of the fake's clock.
"""

from __future__ import annotations

import fnmatch
import secrets
import threading
from collections.abc import Iterable

import attrs

from fakes._clock import Clock
from fakes.artifacts._errors import fail

ACTIONS = ("pull", "push", "delete")
LIFETIME = 300


@attrs.frozen
class Account:
    """Credentials and what they may do; patterns are globs on repository names."""

    username: str
    password: str = attrs.field(repr=False)
    pull: tuple[str, ...] = ("*",)
    push: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()

    def may(self, action: str, repository: str) -> bool:
        patterns: tuple[str, ...] = getattr(self, action)
        return any(fnmatch.fnmatchcase(repository, p) for p in patterns)


ANONYMOUS = "anonymous"
Grant = tuple[str, str]  # (repository, action)


@attrs.frozen
class Token:
    value: str
    actor: str
    requested: frozenset[Grant]
    granted: frozenset[Grant]
    expires_at: float
    issued_at: float


def parse_scopes(scopes: Iterable[str]) -> set[Grant]:
    """``repository:<name>:<a>,<b>`` entries; other resource types grant nothing."""
    wanted: set[Grant] = set()
    for scope in scopes:
        for entry in scope.split(" "):
            kind, _, rest = entry.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository" or not name:
                continue
            for action in actions.split(","):
                if action == "*":
                    wanted.update((name, a) for a in ACTIONS)
                elif action in ACTIONS:
                    wanted.add((name, action))
    return wanted


class TokenService:
    def __init__(self, accounts: Iterable[Account], anonymous_pull: bool, clock: Clock) -> None:
        self.accounts = {a.username: a for a in accounts}
        self.anonymous_pull = anonymous_pull
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.accounts)

    def reset(self) -> None:
        with self._lock:
            self._tokens = {}

    def issue(self, username: str | None, password: str | None, scopes: Iterable[str]) -> Token:
        account = None
        if username is not None:
            account = self.accounts.get(username)
            if account is None or not secrets.compare_digest(
                    account.password.encode(), (password or "").encode()):
                raise fail("UNAUTHORIZED", message="authentication failed: bad credentials")
        wanted = parse_scopes(scopes)
        if account is not None:
            granted = {(name, a) for name, a in wanted if account.may(a, name)}
        else:
            granted = {(name, a) for name, a in wanted if a == "pull" and self.anonymous_pull}
        now = self._clock.monotonic()
        token = Token(
            secrets.token_urlsafe(24),
            account.username if account is not None else ANONYMOUS,
            frozenset(wanted), frozenset(granted), now + LIFETIME, now,
        )
        with self._lock:
            self._tokens[token.value] = token
        return token

    def _live(self, value: str | None) -> Token | None:
        token = self._tokens.get(value) if value else None
        if token is None or token.expires_at <= self._clock.monotonic():
            return None
        return token

    def check(self, value: str | None, repository: str | None, action: str | None,
              source: str | None = None) -> str:
        """The actor, when the token allows ``action`` on ``repository``.

        ``source`` is the ``from`` repository of a cross-repository mount, which also
        needs ``pull`` there (as in CNCF distribution, registry/handlers/app.go).

        UNAUTHORIZED (with ``detail["insufficient_scope"]``) asks the client to
        fetch a token for the scope; DENIED is final. A token that asked for pull on
        ``source`` and was refused passes: the mount cannot happen and the registry
        falls back to an upload session (see :meth:`allows`).
        """
        token = self._live(value)
        if token is None:
            raise fail("UNAUTHORIZED", {"insufficient_scope": False})
        if repository is None or action is None:
            return token.actor
        wanted = (repository, action)
        if wanted not in token.granted and wanted in token.requested:
            raise fail("DENIED", {"name": repository, "action": action})
        needed = [wanted] if source is None else [wanted, (source, "pull")]
        if any(g not in token.granted and g not in token.requested for g in needed):
            raise fail("UNAUTHORIZED", {"insufficient_scope": True})
        return token.actor

    def allows(self, value: str | None, repository: str, action: str) -> bool:
        token = self._live(value)
        return token is not None and (repository, action) in token.granted
