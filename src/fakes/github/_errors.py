"""GitHub's error identity: an HTTP status, a ``message``, a ``documentation_url`` and,
for 422 Validation Failed, an ``errors`` list.

Shapes: https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api
and "Client errors" in https://docs.github.com/rest/overview/resources-in-the-rest-api.
PyGithub picks its exception classes from the status and the message
(``BadCredentialsException`` for 401 Bad credentials, ``UnknownObjectException`` for
404, ``RateLimitExceededException`` for a 403 whose message mentions the rate limit).
"""

from __future__ import annotations

from typing import Any

from fakes.errors import ProviderError

__all__ = ["DOCS", "GitHubError", "fail", "validation_failed"]

DOCS = "https://docs.github.com/rest"


class GitHubError(ProviderError):
    """A refusal as GitHub answers it; ``errors`` is the 422 ``errors[]`` list."""

    def __init__(self, message: str, *, status: int, documentation_url: str = DOCS,
                 errors: list[Any] | None = None, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message, code=str(status), status=status, headers=headers)
        self.documentation_url = documentation_url
        self.errors = errors


def fail(status: int, message: str | None = None, docs: str = DOCS,
         headers: dict[str, str] | None = None) -> GitHubError:
    """The error, ready to ``raise``; the message defaults to GitHub's for the status."""
    default = {401: "Bad credentials", 403: "Forbidden", 404: "Not Found",
               409: "Conflict", 422: "Validation Failed"}
    return GitHubError(message or default.get(status, "Error"), status=status,
                       documentation_url=docs, headers=headers)


def validation_failed(*errors: Any, docs: str = DOCS) -> GitHubError:
    """422 ``Validation Failed`` with ``errors[]`` (objects or strings)."""
    return GitHubError("Validation Failed", status=422, documentation_url=docs,
                       errors=list(errors))
