"""A git-hosting fake that speaks GitHub's REST API over real git objects.

``FakeGitHub`` serves it on loopback for PyGithub and any other GitHub client; see
``docs/github.md`` for what is modelled.

The names below are imported on first use, so that reading the provider's
descriptor (``fakes.github._provider``) at pytest start-up costs nothing (and needs
neither dulwich nor PyGithub).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakes._lazy import lazy_exports

if TYPE_CHECKING:
    from fakes.github._auth import Token
    from fakes.github._errors import GitHubError
    from fakes.github._github import API_PREFIX, FakeGitHub
    from fakes.github._model import Account, Repository
    from fakes.github._workdir import GitError, GitWorkdir

_EXPORTS = {
    "API_PREFIX": "fakes.github._github",
    "Account": "fakes.github._model",
    "FakeGitHub": "fakes.github._github",
    "GitError": "fakes.github._workdir",
    "GitHubError": "fakes.github._errors",
    "GitWorkdir": "fakes.github._workdir",
    "Repository": "fakes.github._model",
    "Token": "fakes.github._auth",
}

__all__ = [
    "API_PREFIX",
    "Account",
    "FakeGitHub",
    "GitError",
    "GitHubError",
    "GitWorkdir",
    "Repository",
    "Token",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
