"""Credentials and who may do what: classic tokens with scopes, fine-grained tokens with
per-repository permissions, and the roles users hold on repositories.

Sources:

- classic scopes: https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
  (``repo`` for private repositories, ``public_repo`` to write public ones, ``delete_repo``);
- fine-grained permissions per endpoint:
  https://docs.github.com/rest/authentication/permissions-required-for-fine-grained-personal-access-tokens
  (a missing permission answers 403 ``Resource not accessible by personal access token``);
- hiding: https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api
  ("404 Not Found for an existing resource": a private repository the caller may not
  see is a 404, never a 403).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from fakes.github._errors import fail

__all__ = ["LEVELS", "ROLES", "Principal", "Token"]

#: Repository roles, weakest first.
ROLES = ("read", "triage", "write", "maintain", "admin")
#: Fine-grained permission levels, weakest first.
LEVELS = ("none", "read", "write", "admin")
#: What each role may do, as the permission levels it implies per fine-grained permission.
_ROLE_NEEDS = {"read": "read", "write": "write", "admin": "admin"}

NOT_ACCESSIBLE = "Resource not accessible by personal access token"
ADMIN_RIGHTS = "Must have admin rights to Repository."


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _maybe_names(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _rank(values: tuple[str, ...], value: str) -> int:
    return values.index(value)


@attrs.frozen
class Token:
    """A personal access token of ``login``.

    Classic tokens carry ``scopes``; fine-grained ones carry ``permissions`` (for example
    ``{"contents": "write", "pull_requests": "read"}``; ``metadata: read`` is always
    implied) on ``repositories`` (``"owner/name"``; None: every repository the user can
    see).
    """

    value: str
    login: str
    fine_grained: bool = False
    scopes: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    repositories: frozenset[str] | None = attrs.field(default=None, converter=_maybe_names)
    permissions: Mapping[str, str] = attrs.field(factory=dict)
    #: A GitHub App installation token: the app's slug; ``login`` is its bot,
    #: ``"<slug>[bot]"``, and ``repositories`` the installation's (``"owner/*"``: all of
    #: an owner's).
    app: str | None = None

    def level(self, permission: str) -> str:
        if permission == "metadata":
            return "read"
        return self.permissions.get(permission, "none")

    def selects(self, repository: str) -> bool:
        return self.repositories is None or repository in self.repositories or \
            f"{repository.partition('/')[0]}/*" in self.repositories


@attrs.frozen
class Principal:
    """Who makes a request: a token's user, or nobody (``token`` None)."""

    token: Token | None = None

    @property
    def login(self) -> str | None:
        return None if self.token is None else self.token.login

    def check(self, full_name: str, private: bool, role: str | None, need: str,
              permission: str) -> None:
        """Raise GitHub's answer unless this principal may do ``need`` (read, write or
        admin) on the repository ``full_name`` through ``permission`` (contents,
        administration, metadata …); ``role`` is the user's role there (None: none)."""
        token = self.token
        if token is not None and token.app is not None:
            # An installation acts on the repositories it is installed on, by the
            # permissions granted to the app, whatever its bot's roles.
            role = "admin" if token.selects(full_name) else None
        # Seeing the repository at all.
        if private:
            if token is None or role is None:
                raise fail(404)
            if not token.fine_grained and "repo" not in token.scopes:
                raise fail(404)
            if token.fine_grained and not token.selects(full_name):
                raise fail(404)
        if need == "read":
            if token is not None and token.fine_grained and token.selects(full_name) and \
                    _rank(LEVELS, token.level(permission)) < _rank(LEVELS, "read"):
                raise fail(403, NOT_ACCESSIBLE)
            return
        # Writing: the user's role first, then what the token lets it use.
        if token is None:
            raise fail(401, "Requires authentication")
        held = _rank(ROLES, role) if role is not None else -1
        if held < _rank(ROLES, need):
            if need == "admin" and role is not None:
                raise fail(403, ADMIN_RIGHTS)
            raise fail(404)
        if token.fine_grained:
            if not token.selects(full_name) or \
                    _rank(LEVELS, token.level(permission)) < _rank(LEVELS, _ROLE_NEEDS[need]):
                raise fail(403, NOT_ACCESSIBLE)
        elif permission == "delete_repo":
            if "delete_repo" not in token.scopes:
                raise fail(403, ADMIN_RIGHTS)
        elif "repo" not in token.scopes and (private or "public_repo" not in token.scopes):
            raise fail(404)
