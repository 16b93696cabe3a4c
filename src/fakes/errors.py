"""The one exception tree of verified-fakes.

Two families:

* :class:`UsageError` — the library was used in a way it does not allow (a
  non-loopback bind without saying so, a fault kind a provider has no shape
  for), or installed in a way it cannot work (:class:`PluginError`,
  :class:`MissingExtraError`). Fix the calling code or the installation.
* :class:`ProviderError` — a domain model refused an operation exactly as the
  real provider would. It carries the provider's identity of the error (HTTP
  status plus the provider's code or reason); wire adapters turn it into the
  provider's error envelope, and seeding code sees it as an exception.
"""

from __future__ import annotations

from typing import Any

from fakes._moved import moved_names

PREFIX = "verified-fakes: "


class FakesError(Exception):
    """Base of every exception raised by verified-fakes."""


class UsageError(FakesError, ValueError):
    """The library was called in a way it does not support."""

    def __init__(self, message: str) -> None:
        super().__init__(PREFIX + message)


class NotRunningError(UsageError):
    """The fake's server is not running, so it has no URL yet."""


class PluginError(UsageError):
    """An installed provider plug-in cannot be used: two providers share a name, an
    entry point does not name a :class:`fakes.providers.Provider`, or no provider has
    the name asked for."""


class MissingExtraError(PluginError):
    """A provider needs modules its pip extra brings, and they are not installed. The
    message names the ``pip install 'verified-fakes[<extra>]'`` that fixes it."""


class ProviderError(FakesError):
    """A provider-shaped refusal: HTTP status plus the provider's error code.

    ``message`` is the provider's own text where clients depend on it;
    ``detail`` is extra, structured context (the provider's ``detail`` field
    where it has one).
    """

    status: int = 400
    code: str = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.detail = detail
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class NotModelledError(ProviderError):
    """The operation exists at the provider but the fake does not model it."""

    status = 501
    code = "NOT_MODELLED"


__all__ = [
    "FakesError",
    "MissingExtraError",
    "NotModelledError",
    "NotRunningError",
    "PluginError",
    "ProviderError",
    "UsageError",
]

# Provider errors live with their provider; the old names keep working for a while.
_MOVED = {"RegistryError": "fakes.artifacts"}


__getattr__ = moved_names(__name__, _MOVED)
