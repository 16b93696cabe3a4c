"""The wire adapter: kube-apiserver's REST paths over the cluster model.

Paths follow https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris:
``/api/v1`` for the core group and ``/apis/<group>/<version>`` for the others, then
``[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]``. Discovery (``/api``,
``/apis`` and each group/version, plain or aggregated) is built from the resource
registry (``_discovery``); reads answer the object, a Table or its metadata as the
``Accept`` header asks (``_media``, ``_tables``); subresources beyond ``status`` live
in ``_subresources``.

Every error is a ``metav1.Status``. Operations are named ``<resource>.<verb>``
(``configmaps.list``, ``pods/status.update``) for fault rules and the journal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

from fakes._adapter import Call, Route, WireAdapter, renders, route
from fakes._faults import Conflict, Faults, ProviderFault, Throttle
from fakes._http import Request, Response
from fakes.errors import ProviderError
from fakes.kubernetes._bodies import body_media_type, decode_body, yaml_loader
from fakes.kubernetes._crd import (
    check_kind,
    patched,
    scale_of,
    scaled,
    served_as,
    unsupported_patch,
)
from fakes.kubernetes._discovery import (
    AGGREGATED_MEDIA_TYPE,
    aggregated,
    resource_list,
    wants_aggregated,
)
from fakes.kubernetes._errors import (
    STALE,
    Cause,
    StatusError,
    bad_request,
    conflict,
    integer_param,
    internal,
    method_not_allowed,
    resource_not_found,
)
from fakes.kubernetes._model import (
    APPLY_PATCH,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    Cluster,
    DeleteOptions,
    ListResult,
)
from fakes.kubernetes._openapi import group_version_document, swagger_document
from fakes.kubernetes._resources import SERVED_SUBRESOURCES, ResourceType
from fakes.kubernetes._selectors import FieldSelector, LabelSelector
from fakes.kubernetes._subresources import (
    CONNECT_METHODS,
    connect,
    patch_scale,
    read_log,
    read_scale,
    update_scale,
)
from fakes.kubernetes._tables import Shape
from fakes.kubernetes.faults import WatchEnded, WatchExpired

DOCS = "docs/kubernetes.md#not-modelled"
#: The kube-apiserver release the fake's behaviour was measured against.
SERVER_VERSION = {"major": "1", "minor": "37", "gitVersion": "v1.37.2+verified-fakes",
                  "gitCommit": "", "gitTreeState": "", "buildDate": "",
                  "goVersion": "", "compiler": "", "platform": ""}
_JSON = "application/json"
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")
#: kube-apiserver's default --max-request-body-bytes, for create, update and patch bodies.
_BODY_LIMIT = 3 * 1024 * 1024


class PlainNotFound(ProviderError):
    """The Go mux's ``404 page not found``, for paths no API group serves."""

    status = 404
    code = "NotFound"


def _is_true(value: str | None) -> bool:
    return value is not None and value.lower() not in ("", "0", "false")


def _operation(request: Request) -> str:
    """``<resource>[/<subresource>].<verb>`` from the request path."""
    _, plural, _namespace, name, sub = _parse_path(request.raw_path) or (("", ""), "", None,
                                                                          None, None)
    resource = f"{plural}/{sub}" if sub else plural
    if request.method == "GET":
        verb = ("watch" if _is_true(request.arg("watch")) else "list") if name is None else "get"
    elif request.method == "DELETE":
        verb = "delete" if name is not None else "deletecollection"
    else:
        verb = _VERBS.get(request.method, request.method.lower())
    return f"{resource}.{verb}"


def _parse_path(path: str) -> tuple[tuple[str, str], str, str | None, str | None,
                                   str | None] | None:
    """(group, version), resource, namespace, name, subresource; None for discovery."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"] and len(parts) > 2:
        group_version, rest = ("", "v1"), parts[2:]
    elif parts[:1] == ["apis"] and len(parts) > 3:
        group_version, rest = (parts[1], parts[2]), parts[3:]
    else:
        return None
    namespace = None
    # The apiserver's request-info rule: namespaces/<ns>/<resource>..., unless the third
    # part is one of the namespace's own subresources.
    if rest[0] == "namespaces" and len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    sub = "/".join(rest[2:]) or None
    return group_version, plural, namespace, name, sub


class KubernetesAdapter(WireAdapter[Cluster]):
    """kube-apiserver's REST API, with bearer-token authentication."""

    handled_faults = (WatchEnded, WatchExpired)

    def __init__(self, store: Cluster, faults: Faults, tokens: Mapping[str, str]) -> None:
        super().__init__(store, faults)
        self.tokens = tokens

    # -- provider shapes ---------------------------------------------------------------

    def error_response(self, request: Request | None, error: ProviderError) -> Response:
        if isinstance(error, PlainNotFound):
            return Response(404, [("Content-Type", "text/plain; charset=utf-8"),
                                  ("X-Content-Type-Options", "nosniff")],
                            b"404 page not found\n")
        if not isinstance(error, StatusError):
            error = StatusError(error.message, status=error.status,
                                reason=_REASONS.get(error.status, ""))
        return Response.json(error.status, error.to_status(), list(error.headers.items()))

    def not_modelled(self, request: Request) -> ProviderError:
        parts = [p for p in request.path.split("/") if p]
        if parts[:1] == ["api"]:
            return resource_not_found()  # the legacy API's handler answers for all of /api
        if parts[:1] in (["openapi"], ["logs"], ["metrics"], ["openid"], [".well-known"]):
            return _unmodelled(request, request.path)
        # A group the fake does not serve, or no API at all: the mux's plain 404.
        return PlainNotFound("404 page not found")

    def too_large(self, request: Request, limit: int) -> ProviderError:
        return StatusError("Request entity too large: limit is 3145728", status=413,
                           reason="RequestEntityTooLarge")

    def authorize(self, request: Request, route_: Route, params: Mapping[str, str]) -> str:
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        user = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise StatusError("Unauthorized", status=401, reason="Unauthorized")
        return user

    @renders(Throttle)
    def throttled(self, request: Request, fault: Throttle) -> Response:
        # API Priority and Fairness rejects with 429 and Retry-After
        # (https://kubernetes.io/docs/concepts/cluster-administration/flow-control/).
        raise StatusError("Too many requests, please try again later.", status=429,
                          reason="TooManyRequests",
                          details={"retryAfterSeconds": fault.retry_after},
                          headers={"Retry-After": str(fault.retry_after)})

    @renders(ProviderFault)
    def provider_fault(self, request: Request, fault: ProviderFault) -> Response:
        raise StatusError(fault.message or f"verified-fakes: injected {fault.status}",
                          status=fault.status,
                          reason=fault.code or _REASONS.get(fault.status, ""))

    @renders(Conflict)
    def conflicted(self, request: Request, fault: Conflict) -> Response:
        target = _parse_path(request.raw_path)
        rt = self._type(request, target)
        name = target[3] if target is not None and target[3] else ""
        error = conflict(rt, name, STALE) if rt is not None else StatusError(
            STALE, status=409, reason="Conflict")
        if fault.message:
            error.message = fault.message
        raise error

    # -- health and discovery ----------------------------------------------------------

    @route("GET", "/healthz", "health.get", access="none")
    @route("GET", "/readyz", "health.get", access="none")
    @route("GET", "/livez", "health.get", access="none")
    def health(self, request: Request, call: Call) -> Response:
        return Response(200, [("Content-Type", "text/plain; charset=utf-8")], b"ok")

    # The official Python client asks for /version/, /api/, /apis/ and /api/v1/; the
    # apiserver serves both spellings.
    @route("GET", "/version", "version.get", access="none")
    @route("GET", "/version/", "version.get", access="none")
    def version(self, request: Request, call: Call) -> Response:
        return Response.json(200, SERVER_VERSION)

    @route("GET", "/api", "discovery.get", access="none")
    @route("GET", "/api/", "discovery.get", access="none")
    def core_versions(self, request: Request, call: Call) -> Response:
        if wants_aggregated(request.header("Accept")):
            return _aggregated(aggregated(call.store.types, core=True))
        host = request.origin.split("://", 1)[-1]
        return Response.json(200, {
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
        })

    @route("GET", "/apis", "discovery.get", access="none")
    @route("GET", "/apis/", "discovery.get", access="none")
    def groups(self, request: Request, call: Call) -> Response:
        if wants_aggregated(request.header("Accept")):
            return _aggregated(aggregated(call.store.types, core=False))
        groups = [self._group(g, vs) for g, vs in call.store.types.group_versions().items() if g]
        return Response.json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                   "groups": groups})

    @route("GET", "/apis/{group}", "discovery.get", access="none")
    @route("GET", "/apis/{group}/", "discovery.get", access="none")
    def group(self, request: Request, call: Call) -> Response:
        versions = call.store.types.group_versions().get(call.params["group"])
        if not versions or not call.params["group"]:
            raise PlainNotFound("404 page not found")
        return Response.json(200, {"kind": "APIGroup", "apiVersion": "v1",
                                   **self._group(call.params["group"], versions)})

    @route("GET", "/api/v1", "discovery.get", access="none")
    @route("GET", "/api/v1/", "discovery.get", access="none")
    @route("GET", "/apis/{group}/{version}", "discovery.get", access="none")
    @route("GET", "/apis/{group}/{version}/", "discovery.get", access="none")
    def resources(self, request: Request, call: Call) -> Response:
        group, version = call.params.get("group", ""), call.params.get("version", "v1")
        types = call.store.types.in_group_version(group, version)
        if not types:
            if group in call.store.types.group_versions():
                raise resource_not_found()
            raise PlainNotFound("404 page not found")
        group_version = f"{group}/{version}" if group else version
        return Response.json(200, resource_list(types, group_version))

    # kubectl reads /openapi/v3 to learn that the server validates fields itself
    # (fieldValidation on PATCH), and kubectl explain reads the schemas (see _openapi).
    @route("GET", "/openapi/v3", "openapi.get", access="none")
    def openapi_root(self, request: Request, call: Call) -> Response:
        paths = {}
        for group, versions in call.store.types.group_versions().items():
            for version in versions:
                prefix = f"apis/{group}/{version}" if group else f"api/{version}"
                paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}"}
        return Response.json(200, {"paths": paths})

    @route("GET", "/openapi/v3/api/{version}", "openapi.get", access="none")
    @route("GET", "/openapi/v3/apis/{group}/{version}", "openapi.get", access="none")
    def openapi_group_version(self, request: Request, call: Call) -> Response:
        document = group_version_document(
            call.store.types, call.params.get("group", ""), call.params["version"],
            {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]})
        if document is None:
            return Response(404, [("Content-Length", "0")])  # as the apiserver: no body
        return Response.json(200, document)

    # The one v2 document, in JSON. kubectl asks for it in protobuf only (`kubectl explain
    # --output=plaintext-openapiv2`), which the fake does not write: 406, loudly.
    @route("GET", "/openapi/v2", "openapi.get", access="none")
    def openapi_v2(self, request: Request, call: Call) -> Response:
        accept = (request.header("Accept") or "*/*").lower()
        if not any(t in accept for t in ("json", "*/*", "application/*")):
            raise StatusError(f"verified-fakes: /openapi/v2 is served as application/json "
                              f"only, not as {accept}; see {DOCS}", status=406,
                              reason="NotAcceptable")
        return Response.json(200, swagger_document(
            call.store.types, {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]}))

    @staticmethod
    def _group(name: str, versions: list[str]) -> dict[str, Any]:
        listed = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        return {"name": name, "versions": listed, "preferredVersion": listed[0]}

    # -- resources ---------------------------------------------------------------------

    @route("GET", "/api/v1/{rest:path}", _operation)
    @route("GET", "/apis/{group}/{version}/{rest:path}", _operation)
    def read(self, request: Request, call: Call) -> Response:
        rt, namespace, name, sub = self._target(request, call)
        if sub == "log":
            text = read_log(call.store, call.store.pod_logs, rt, namespace or "", name or "",
                            {key: request.arg(key) for key in request.query})
            if text is None:
                return Response(204, [])
            return Response(200, [("Content-Type", "text/plain")], text.encode())
        if sub == "scale" and rt.custom:
            return Response.json(200, scale_of(rt, call.store.get(rt, namespace or "",
                                                                  name or "")))
        if sub == "scale":
            return Response.json(200, read_scale(call.store, rt, namespace or "", name or ""))
        shape = Shape.negotiate(rt, request.header("Accept"), request.arg("includeObject"),
                                is_list=name is None and not _is_true(request.arg("watch")),
                                clock=call.store.clock.now)
        if name is None:
            if _is_true(request.arg("watch")):
                return self._watch(request, call, rt, namespace, shape)
            return self._list(request, call, rt, namespace, shape)
        obj = call.store.get(rt, namespace or "", name)
        return Response.json(200, shape.one(served_as(rt, obj)))

    @route("POST", "/api/v1/{rest:path}", _operation)
    @route("POST", "/apis/{group}/{version}/{rest:path}", _operation)
    def create(self, request: Request, call: Call) -> Response:
        rt, namespace, name, _sub = self._target(request, call)
        if name is not None or "create" not in rt.verbs or (namespace is None
                                                            and rt.namespaced):
            raise method_not_allowed()
        body = _body(request, rt, custom=rt.custom)
        validation = _field_validation(request, "CreateOptions")
        manager = _field_manager(request, "CreateOptions")
        dry_run = _dry_run(request.query.get("dryRun"), "CreateOptions")
        warnings: list[str] = []
        obj = call.store.create(rt, namespace or "", body, call.actor, validation=validation,
                                warnings=warnings, manager=manager, dry_run=dry_run)
        return Response.json(201, served_as(rt, obj), _warnings(warnings))

    @route("PUT", "/api/v1/{rest:path}", _operation)
    @route("PUT", "/apis/{group}/{version}/{rest:path}", _operation)
    def replace(self, request: Request, call: Call) -> Response:
        rt, namespace, name, sub = self._target(request, call)
        if name is None:
            raise method_not_allowed()
        if sub == "scale" and rt.custom:
            scale = _body(request, rt, "Scale")
            return self._rescale(call, rt, namespace, name, lambda _scale: scale)
        if sub == "scale":
            rescaled = update_scale(call.store, rt, namespace or "", name,
                                    _body(request, rt, "Scale"), call.actor)
            return Response.json(200, rescaled)
        body = _body(request, rt, custom=rt.custom)
        validation = _field_validation(request, "UpdateOptions")
        manager = _field_manager(request, "UpdateOptions")
        dry_run = _dry_run(request.query.get("dryRun"), "UpdateOptions")
        warnings: list[str] = []
        obj, created = call.store.update(rt, namespace or "", name, body, call.actor,
                                         subresource=sub, validation=validation,
                                         warnings=warnings, manager=manager, dry_run=dry_run)
        return Response.json(201 if created else 200, served_as(rt, obj), _warnings(warnings))

    @route("PATCH", "/api/v1/{rest:path}", _operation)
    @route("PATCH", "/apis/{group}/{version}/{rest:path}", _operation)
    def patch(self, request: Request, call: Call) -> Response:
        rt, namespace, name, sub = self._target(request, call)
        if name is None:
            raise method_not_allowed()
        media_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if media_type not in (MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH):
            raise _unsupported_patch(media_type)
        if media_type == STRATEGIC_MERGE_PATCH and rt.custom:
            raise unsupported_patch(rt)
        if sub == "scale" and rt.custom:
            patch = request.read_body(_BODY_LIMIT)
            return self._rescale(call, rt, namespace, name,
                                 lambda scale: patched(scale, media_type, patch))
        if sub == "scale":
            return Response.json(200, patch_scale(call.store, rt, namespace or "", name,
                                                  media_type, request.read_body(),
                                                  call.actor))
        validation = _field_validation(request, "PatchOptions")
        if media_type == APPLY_PATCH:
            return self._apply(request, call, rt, namespace or "", name, sub)
        if request.arg("force") is not None:
            raise _options_invalid("PatchOptions", Cause.forbidden(
                "force", "may not be specified for non-apply patch"))
        manager = _field_manager(request, "PatchOptions")
        dry_run = _dry_run(request.query.get("dryRun"), "PatchOptions")
        warnings: list[str] = []
        obj = call.store.patch(rt, namespace or "", name, media_type,
                               request.read_body(_BODY_LIMIT), call.actor,
                               subresource=sub, validation=validation, warnings=warnings,
                               manager=manager, dry_run=dry_run)
        return Response.json(200, served_as(rt, obj), _warnings(warnings))

    def _apply(self, request: Request, call: Call, rt: ResourceType, namespace: str,
               name: str, sub: str | None) -> Response:
        """Server-side apply: https://kubernetes.io/docs/reference/using-api/server-side-apply/"""
        if not request.arg("fieldManager"):
            raise _options_invalid("PatchOptions", Cause.required(
                "fieldManager", "is required for apply patch"))
        manager = _field_manager(request, "PatchOptions")
        dry_run = _dry_run(request.query.get("dryRun"), "PatchOptions")
        config = _apply_body(request.read_body(_BODY_LIMIT))
        obj, created = call.store.apply(rt, namespace, name, config, manager, call.actor,
                                        force=_is_true(request.arg("force")),
                                        subresource=sub, dry_run=dry_run)
        return Response.json(201 if created else 200, obj)

    @route("DELETE", "/api/v1/{rest:path}", _operation)
    @route("DELETE", "/apis/{group}/{version}/{rest:path}", _operation)
    def delete(self, request: Request, call: Call) -> Response:
        rt, namespace, name, sub = self._target(request, call)
        if name is None:
            # A namespaced kind's collection is deleted one namespace at a time (measured).
            if "deletecollection" not in rt.verbs or (rt.namespaced and namespace is None):
                raise method_not_allowed()
            listing = self._list_options(request, rt)
            options, dry_run = _delete_options(request)
            result = call.store.delete_collection(rt, namespace, options, call.actor,
                                                  dry_run=dry_run, **listing)
            shape = Shape.negotiate(rt, request.header("Accept"), request.arg("includeObject"),
                                    is_list=True, clock=call.store.clock.now)
            return _list_response(shape, result)
        if sub is not None:
            raise method_not_allowed()
        options, dry_run = _delete_options(request)
        obj, gone = call.store.delete(rt, namespace or "", name, options, call.actor,
                                      dry_run=dry_run)
        if gone and not rt.strategy.delete_returns_object and not _meta(obj).get(
                "deletionTimestamp"):
            details = {"name": name, **({"group": rt.group} if rt.group else {}),
                       "kind": rt.plural, "uid": _meta(obj).get("uid", "")}
            return Response.json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                       "status": "Success", "details": details})
        return Response.json(200, served_as(rt, obj))

    # -- helpers -----------------------------------------------------------------------

    def _rescale(self, call: Call, rt: ResourceType, namespace: str | None, name: str,
                 change: Callable[[dict[str, Any]], Any]) -> Response:
        """A write to a custom resource's scale: its replicas, written to the object."""
        current = call.store.get(rt, namespace or "", name)
        new = scaled(rt, current, change(scale_of(rt, current)))
        obj, _ = call.store.update(rt, namespace or "", name, new, call.actor)
        return Response.json(200, scale_of(rt, obj))

    def _type(self, request: Request, target: Any) -> ResourceType | None:
        if target is None:
            return None
        (group, version), plural = target[0], target[1]
        return self.store.types.get(group, version, plural)

    def _target(self, request: Request, call: Call
                ) -> tuple[ResourceType, str | None, str | None, str | None]:
        (group, version), plural, namespace, name, sub = _parse_path(request.raw_path) or (
            ("", ""), "", None, None, None)
        rt = call.store.types.get(group, version, plural)
        if rt is None:
            if not call.store.types.in_group_version(group, version) and group:
                raise PlainNotFound("404 page not found")
            raise resource_not_found()
        if namespace is not None and not rt.namespaced:
            raise resource_not_found()
        if sub is not None:
            head = sub.split("/")[0]
            # Only proxy takes a path after its name.
            if head not in rt.subresources or (head != "proxy" and head != sub):
                raise resource_not_found()
            if head not in SERVED_SUBRESOURCES:
                raise _unmodelled(request, f"{rt.plural}/{sub}")
            if head in CONNECT_METHODS and name is not None and (
                    namespace is not None or not rt.namespaced):
                upgrade = "upgrade" in (request.header("Connection") or "").lower()
                raise connect(call.store, rt, namespace or "", name, head, request.method,
                              upgrade)
            allowed = ("GET",) if head == "log" else ("GET", "PUT", "PATCH")
            if request.method not in allowed:
                raise method_not_allowed()
        if name is not None and rt.namespaced and namespace is None:
            raise resource_not_found()
        return rt, namespace, name, sub

    def _list(self, request: Request, call: Call, rt: ResourceType,
              namespace: str | None, shape: Shape) -> Response:
        return _list_response(shape, call.store.list_objects(
            rt, namespace, **self._list_options(request, rt)))

    def _list_options(self, request: Request, rt: ResourceType) -> dict[str, Any]:
        """The ListOptions of a list or a deletecollection, as the model takes them."""
        labels, fields = self._selectors(request, rt)
        limit = integer_param(request.arg("limit"))
        _check_list_options(request, watch=False)
        match = request.arg("resourceVersionMatch")
        return {"labels": labels, "fields": fields, "limit": limit or 0,
                "token": request.arg("continue") or None,
                "resource_version": request.arg("resourceVersion"),
                "exact": match == "Exact"}

    def _selectors(self, request: Request, rt: ResourceType
                   ) -> tuple[LabelSelector, FieldSelector]:
        labels = LabelSelector.parse(request.arg("labelSelector"))

        def known(field: str) -> StatusError | None:
            if field in ("metadata.name", "metadata.namespace"):
                return None
            if field in rt.field_selectors:
                if field in ("status.podIPs", "source"):
                    return _unmodelled(request, f"the {field} field selector on {rt.plural}")
                return None
            if rt.field_error == "core":
                return bad_request(f"field label not supported: {field}")
            if rt.field_error == "kind":
                return bad_request(f'field label "{field}" not supported for {rt.kind}')
            return bad_request(f'"{field}" is not a known field selector: only '
                               '"metadata.name", "metadata.namespace"')

        return labels, FieldSelector.parse(request.arg("fieldSelector"), known)

    def _watch(self, request: Request, call: Call, rt: ResourceType,
               namespace: str | None, shape: Shape) -> Response:
        labels, fields = self._selectors(request, rt)
        _check_list_options(request, watch=True)
        timeout = integer_param(request.arg("timeoutSeconds"))
        bookmarks = _is_true(request.arg("allowWatchBookmarks"))
        sends_initial = _sends_initial_events(request)
        store: Cluster = call.store
        journal = store.journal
        try:
            initial, start = store.watch_start(rt, namespace, request.arg("resourceVersion"),
                                               labels, fields, initial_events=sends_initial)
        except StatusError as error:
            if error.status not in (410, 504):
                raise
            # The apiserver answers an expired or a future resourceVersion inside the
            # stream.
            line = _event("ERROR", error.to_status())
            return Response(200, [("Content-Type", _JSON)], iter([line]))
        deadline = None if not timeout else time.monotonic() + timeout
        # With bookmarks allowed, a watch that began with the existing objects says where
        # they end: a BOOKMARK annotated k8s.io/initial-events-end (measured; for
        # sendInitialEvents, API_CONCEPTS#streaming-lists). The apiserver may send other
        # bookmarks (API_CONCEPTS#watch-bookmarks); the fake sends none.
        mark_initial = bookmarks and (sends_initial if sends_initial is not None else
                                      request.arg("resourceVersion") in (None, "", "0"))

        def stream() -> Generator[bytes, None, None]:
            for kind, obj in initial:
                yield _event(kind, shape.event(served_as(rt, obj)))
            position = start
            if mark_initial:
                yield _event("BOOKMARK", shape.event({
                    "kind": rt.kind, "apiVersion": rt.api_version,
                    "metadata": {"resourceVersion": str(position),
                                 "annotations": {"k8s.io/initial-events-end": "true"}}}))
            while not request.cancelled.is_set():
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    return
                changes = journal.wait(position, timeout=wait, cancel=request.cancelled)
                if store.expired(position):
                    raise _expired(position)
                for change in changes:
                    position = change.seq
                    for kind, obj in store.events([change], rt, namespace, labels, fields):
                        yield _event(kind, shape.event(served_as(rt, obj)))

        def events() -> Iterator[bytes]:
            fault = call.fault
            if not isinstance(fault, WatchEnded | WatchExpired):
                yield from stream()
                return
            shown = stream()
            try:
                for _ in range(fault.after):
                    yield next(shown)
            except StopIteration:
                return
            finally:
                shown.close()
            if isinstance(fault, WatchExpired):
                raise _expired(start)

        def in_band(error: BaseException) -> bytes:
            status = error if isinstance(error, StatusError) else internal(f"{error}")
            return _event("ERROR", status.to_status())

        return Response(200, [("Content-Type", _JSON)], events(), stream_error=in_band)


def _expired(position: int) -> StatusError:
    return StatusError(f"too old resource version: {position}", status=410, reason="Expired")


_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
            405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 422: "Invalid",
            429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
            504: "Timeout"}


def _aggregated(document: Mapping[str, Any]) -> Response:
    return Response(200, [("Content-Type", AGGREGATED_MEDIA_TYPE), ("Vary", "Accept")],
                    json.dumps(document).encode())


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _list_response(shape: Shape, result: ListResult) -> Response:
    """A page of a list, in the shape the client asked for."""
    metadata: dict[str, Any] = {"resourceVersion": result.resource_version}
    if result.continue_token:
        metadata["continue"] = result.continue_token
    if result.remaining is not None:
        metadata["remainingItemCount"] = result.remaining
    return Response.json(200, shape.many(result.items, metadata))


def _dry_run(values: Any, options: str) -> bool:
    """Whether a write is a dry run; "All" is the only value the apiserver knows.
    https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run"""
    if not values:
        return False
    listed = [str(v) for v in values] if isinstance(values, list) else [str(values)]
    if any(v != "All" for v in listed):
        shown = json.dumps(listed, separators=(",", ":"))
        raise _options_invalid(options, Cause(
            "FieldValueNotSupported", "dryRun",
            f'Unsupported value: {shown}: supported values: "All"'))
    return True


def _event(kind: str, obj: Mapping[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


def _options_invalid(options: str, *causes: Cause) -> StatusError:
    """422 for bad request options, as the apiserver words it (measured)."""
    errors = [f"{c.field}: {c.body}" for c in causes]
    joined = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return StatusError(f'{options}.meta.k8s.io "" is invalid: {joined}',
                       status=422, reason="Invalid", details={
                           "group": "meta.k8s.io", "kind": options,
                           "causes": [c.to_json() for c in causes]})


def _sends_initial_events(request: Request) -> bool | None:
    """The sendInitialEvents parameter: None when absent; any value but false or 0 is
    true, the empty one too (measured)."""
    value = request.arg("sendInitialEvents")
    return None if value is None else value.lower() not in ("false", "0")


def _check_list_options(request: Request, *, watch: bool) -> None:
    """The rules of ListOptions for a list or a watch, every broken one named
    (apimachinery's ListOptions validation, measured on kube-apiserver v1.37.2)."""
    match = request.arg("resourceVersionMatch") or ""
    initial = _sends_initial_events(request)
    field = "resourceVersionMatch"
    causes = []
    if watch:
        if initial is not None and match != "NotOlderThan":
            causes.append(Cause.forbidden(field, "sendInitialEvents requires setting "
                                          "resourceVersionMatch to NotOlderThan"))
        if match and initial is None:
            causes.append(Cause.forbidden(field, "resourceVersionMatch is forbidden for "
                                          "watch unless sendInitialEvents is provided"))
        if match and match != "NotOlderThan":
            causes.append(Cause.not_supported(field, match, ["NotOlderThan"]))
        if match and request.arg("continue"):
            causes.append(Cause.forbidden(field, "resourceVersionMatch is forbidden when "
                                          "continue is provided"))
    else:
        rv = request.arg("resourceVersion") or ""
        if match and not rv:
            causes.append(Cause.forbidden(field, "resourceVersionMatch is forbidden unless "
                                          "resourceVersion is provided"))
        if match and request.arg("continue"):
            causes.append(Cause.forbidden(field, "resourceVersionMatch is forbidden when "
                                          "continue is provided"))
        if match and match not in ("Exact", "NotOlderThan"):
            causes.append(Cause.not_supported(field, match, ["Exact", "NotOlderThan", ""]))
        if match == "Exact" and rv == "0":
            causes.append(Cause.forbidden(field, 'resourceVersionMatch "exact" is forbidden '
                                          'for resourceVersion "0"'))
        if initial is not None:
            causes.append(Cause.forbidden("sendInitialEvents",
                                          "sendInitialEvents is forbidden for list"))
    if causes:
        raise _options_invalid("ListOptions", *causes)


def _field_validation(request: Request, options: str) -> str:
    """The fieldValidation parameter; ``Warn`` when absent, as the apiserver defaults it.
    https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation"""
    value = request.arg("fieldValidation") or "Warn"
    if value not in ("Ignore", "Strict", "Warn"):
        raise _options_invalid(options, Cause.not_supported(
            "fieldValidation", value, ["", "Ignore", "Strict", "Warn"]))
    return value


def _warnings(warnings: list[str]) -> list[tuple[str, str]]:
    return [("Warning", "299 - " + json.dumps(w)) for w in warnings]


def _unmodelled(request: Request, what: str) -> StatusError:
    return StatusError(
        f"verified-fakes: {request.method} {request.path} ({what}) is not modelled by the "
        f"Kubernetes fake; see {DOCS}", status=501, reason="",
        details={"causes": [{"reason": "NotModelled", "message": what}]})


def _field_manager(request: Request, options: str) -> str:
    """The write's field manager: the fieldManager parameter, else what the apiserver
    derives from the User-Agent (its part before the first "/"), else "unknown"
    (measured)."""
    manager = request.arg("fieldManager")
    if manager:
        if len(manager.encode()) > 128:
            raise _options_invalid(options, Cause(
                "FieldValueTooLong", "fieldManager",
                "Too long: may not be more than 128 bytes"))
        return manager
    agent = (request.header("User-Agent") or "").split("/")[0]
    return agent[:128] or "unknown"


def _apply_body(raw: bytes) -> Any:
    """An apply patch's body: YAML (JSON is YAML too), read as the apiserver's YAML 1.1
    decoder reads it: ``y`` is true, timestamps stay strings."""
    import yaml

    try:
        document = yaml.load(raw.decode("utf-8", errors="replace"), Loader=yaml_loader())
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise bad_request("error decoding patch: error converting YAML to JSON: yaml: "
                          f"{problem}") from None
    if document is not None and not isinstance(document, dict):
        kind = {list: "array", str: "string", bool: "bool"}.get(type(document), "number")
        raise bad_request("error decoding patch: error unmarshaling JSON: while decoding "
                          f"JSON: json: cannot unmarshal {kind} into Go value of type "
                          "map[string]interface {}")
    return document


def _unsupported_patch(media_type: str) -> StatusError:
    if media_type == "application/apply-patch+cbor":
        return StatusError(
            "the body of the request was in an unknown format - accepted media types "
            f"include: {JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC_MERGE_PATCH}, {APPLY_PATCH} "
            f"(verified-fakes: CBOR, {media_type}, is "
            f"not modelled; see {DOCS})", status=415, reason="UnsupportedMediaType",
            details={"causes": [{"reason": "NotModelled", "message": media_type}]})
    return StatusError("415: Unsupported Media Type", status=415,
                       reason="UnsupportedMediaType", details={})


def _body(request: Request, rt: ResourceType, kind: str | None = None, *,
          custom: bool = False) -> Any:
    """The JSON body; ``custom``: a custom resource's, whose kind and apiVersion are
    checked as the apiserver decodes one (it quotes the raw body)."""
    raw = request.read_body(_BODY_LIMIT)
    media = body_media_type(request.header("Content-Type"))
    if media != _JSON:
        return decode_body(media, raw, rt, kind or rt.kind)
    try:
        body = json.loads(raw)
    except ValueError as error:
        shown = raw.decode(errors="replace")[:100] if raw else "<empty>"
        detail = "unexpected end of JSON input" if not raw.strip() else str(error)
        raise bad_request(f"the object provided is unrecognized (must be of type "
                          f"{kind or rt.kind}): "
                          f"couldn't get version/kind; json parse error: {detail} ({shown})"
                          ) from None
    if custom:
        check_kind(rt, body, raw.decode(errors="replace"))
    return body


def _delete_options(request: Request) -> tuple[DeleteOptions, bool]:
    """What a DELETE's options (its body, else its query) say, and whether it is a
    dry run."""
    raw = request.read_body(1024 * 1024)
    body: Mapping[str, Any] = {}
    if raw.strip():
        try:
            parsed = json.loads(raw)
        except ValueError as error:
            raise bad_request(f"couldn't get version/kind; json parse error: {error}") from None
        body = parsed if isinstance(parsed, dict) else {}
    preconditions = body.get("preconditions") or {}
    propagation = body.get("propagationPolicy") or request.arg("propagationPolicy")
    if propagation not in (None, "Orphan", "Background", "Foreground"):
        raise _options_invalid("DeleteOptions", Cause.not_supported(
            "propagationPolicy", propagation, ["Foreground", "Background", "Orphan", "nil"]))
    if body.get("orphanDependents") is True or request.arg("orphanDependents") == "true":
        propagation = propagation or "Orphan"
    dry_run = _dry_run(body["dryRun"] if "dryRun" in body else request.query.get("dryRun"),
                       "DeleteOptions")
    grace = body.get("gracePeriodSeconds", integer_param(request.arg("gracePeriodSeconds")))
    return DeleteOptions(uid=preconditions.get("uid"),
                         resource_version=preconditions.get("resourceVersion"),
                         propagation=propagation,
                         grace_period=grace if isinstance(grace, int) else None), dry_run
