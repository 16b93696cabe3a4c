"""The OCI Distribution error codes, with the status and message each answers with.

Codes and their meaning: OCI Distribution Spec v1.1, "Error Codes"
(https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes).
The spec names no status per code; the statuses and the message texts are
the ones CNCF distribution answers with (registry/api/errcode and
registry/api/v2/errors.go), which clients such as oras and skopeo print.
"""

from __future__ import annotations

from typing import Any

from fakes.errors import ProviderError


class RegistryError(ProviderError):
    """An OCI Distribution error (``errors[].code`` of the spec's envelope)."""


CODES: dict[str, tuple[int, str]] = {
    "BLOB_UNKNOWN": (404, "blob unknown to registry"),
    "BLOB_UPLOAD_INVALID": (404, "blob upload invalid"),
    "BLOB_UPLOAD_UNKNOWN": (404, "blob upload unknown to registry"),
    "DIGEST_INVALID": (400, "provided digest did not match uploaded content"),
    "MANIFEST_BLOB_UNKNOWN": (400, "blob unknown to registry"),
    "MANIFEST_INVALID": (400, "manifest invalid"),
    "MANIFEST_UNKNOWN": (404, "manifest unknown"),
    "NAME_INVALID": (400, "invalid repository name"),
    "NAME_UNKNOWN": (404, "repository name not known to registry"),
    "PAGINATION_NUMBER_INVALID": (400, "invalid number of results requested"),
    "SIZE_INVALID": (400, "provided length did not match content length"),
    "TAG_INVALID": (400, "manifest tag did not match URI"),
    "UNAUTHORIZED": (401, "authentication required"),
    "DENIED": (403, "requested access to the resource is denied"),
    "UNSUPPORTED": (405, "The operation is unsupported."),
    "TOOMANYREQUESTS": (429, "too many requests"),
    "UNKNOWN": (500, "unknown error"),
}


class ChunkOutOfOrder(RegistryError):
    """A chunk that does not start where its upload stands: ``offset`` bytes received
    so far, ``start`` the chunk's first byte. The wire adapter decides how to answer it
    (distribution-spec v1.1: 416 with the upload's ``Range``)."""

    def __init__(self, offset: int, start: int) -> None:
        status, message = CODES["BLOB_UPLOAD_INVALID"]
        super().__init__(message, code="BLOB_UPLOAD_INVALID", status=status,
                         detail={"reason": "chunk out of order", "offset": offset,
                                 "start": start})
        self.offset = offset
        self.start = start


def fail(
    code: str,
    detail: Any = None,
    *,
    message: str | None = None,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> RegistryError:
    """The error the registry answers with, ready to ``raise``."""
    default_status, default_message = CODES[code]
    return RegistryError(
        message or default_message,
        code=code,
        status=status or default_status,
        detail=detail,
        headers=headers,
    )
