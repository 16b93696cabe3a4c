"""The apiserver's errors: a ``metav1.Status`` with its reason, code and details.

Messages follow kube-apiserver's own text, each pinned by the conformance suite
against a real server (``staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go``
builds most of them; ``pkg/util/validation/field/errors.go`` the field errors).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from fakes.errors import ProviderError

if TYPE_CHECKING:
    from fakes.kubernetes._resources import ResourceType


class StatusError(ProviderError):
    """A refusal the apiserver answers with a ``Status``: ``code`` is its ``reason``
    (empty for the few errors that have none), ``detail`` its ``details``."""

    def __init__(self, message: str, *, status: int, reason: str,
                 details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=reason, status=status, detail=details, headers=headers)

    @property
    def reason(self) -> str:
        return self.code

    def to_status(self) -> dict[str, Any]:
        """The ``Status`` object, as the apiserver serialises it."""
        status: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                  "status": "Failure", "message": self.message}
        if self.reason:
            status["reason"] = self.reason
        if self.detail is not None:
            status["details"] = self.detail
        status["code"] = self.status
        return status


def _details(rt: ResourceType | None, name: str, kind: str | None = None,
             **more: Any) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if rt is not None and rt.group:
        details["group"] = rt.group
    if rt is not None or kind is not None:
        details["kind"] = kind if kind is not None else rt.plural  # type: ignore[union-attr]
    details.update(more)
    return details


def not_found(rt: ResourceType, name: str) -> StatusError:
    return StatusError(f'{rt.group_resource} "{name}" not found', status=404,
                       reason="NotFound", details=_details(rt, name))


def namespace_not_found(name: str) -> StatusError:
    return StatusError(f'namespaces "{name}" not found', status=404, reason="NotFound",
                       details={"name": name, "kind": "namespaces"})


def already_exists(rt: ResourceType, name: str) -> StatusError:
    return StatusError(f'{rt.group_resource} "{name}" already exists', status=409,
                       reason="AlreadyExists", details=_details(rt, name))


def conflict(rt: ResourceType, name: str, why: str, *, qualified: bool = True) -> StatusError:
    """409 Conflict. ``qualified=False`` names the kind instead of the resource, as the
    apiserver's delete preconditions do."""
    what = rt.group_resource if qualified else rt.kind
    return StatusError(f'Operation cannot be fulfilled on {what} "{name}": {why}',
                       status=409, reason="Conflict",
                       details=_details(rt, name, None if qualified else rt.kind))


STALE = ("the object has been modified; please apply your changes to the latest version "
         "and try again")


def _quote(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


@attrs.frozen
class Cause:
    """One field error: ``reason`` is FieldValueInvalid, FieldValueRequired, ..."""

    reason: str
    field: str
    body: str

    @classmethod
    def invalid(cls, field: str, value: Any, detail: str) -> Cause:
        return cls("FieldValueInvalid", field, f"Invalid value: {_quote(value)}: {detail}")

    @classmethod
    def required(cls, field: str, detail: str) -> Cause:
        return cls("FieldValueRequired", field, f"Required value: {detail}")

    @classmethod
    def forbidden(cls, field: str, detail: str) -> Cause:
        return cls("FieldValueForbidden", field, f"Forbidden: {detail}")

    @classmethod
    def not_supported(cls, field: str, value: Any, supported: Sequence[str]) -> Cause:
        listed = ", ".join(json.dumps(v) for v in supported)
        return cls("FieldValueNotSupported", field,
                   f"Unsupported value: {json.dumps(value)}: supported values: {listed}")

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.body, "field": self.field}


def invalid(rt: ResourceType, name: str, causes: Sequence[Cause], *,
            what: str | None = None) -> StatusError:
    """422 Invalid naming the kind (``ConfigMap "x" is invalid: ...``), or ``what``."""
    errors = [f"{c.field}: {c.body}" for c in causes]
    joined = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    subject = what if what is not None else (
        f"{rt.kind}.{rt.group}" if rt.group else rt.kind)
    kind = rt.plural if what is not None else rt.kind
    return StatusError(f'{subject} "{name}" is invalid: {joined}', status=422,
                       reason="Invalid",
                       details=_details(rt, name, kind, causes=[c.to_json() for c in causes]))


def bad_request(message: str) -> StatusError:
    return StatusError(message, status=400, reason="BadRequest")


def internal(message: str) -> StatusError:
    """The 500 without a reason the apiserver answers for some malformed input."""
    return StatusError(message, status=500, reason="")


def resource_not_found() -> StatusError:
    """The 404 for a path no API serves."""
    return StatusError("the server could not find the requested resource", status=404,
                       reason="NotFound", details={})


def method_not_allowed() -> StatusError:
    return StatusError("the server does not allow this method on the requested resource",
                       status=405, reason="MethodNotAllowed", details={})


def gone(message: str) -> StatusError:
    return StatusError(message, status=410, reason="Expired")


def integer_param(value: str | None) -> int | None:
    """An integer query parameter (``limit``, ``timeoutSeconds``, ``tailLines`` ...);
    None when absent or empty; otherwise the apiserver's 400 for one that is not."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None
