"""Authentication and authorization on the wire: bearer tokens, impersonation headers,
each request's attributes, the apiserver's 403, and the review APIs
(``authorization.k8s.io/v1`` SelfSubjectAccessReview, SubjectAccessReview,
SelfSubjectRulesReview; ``authentication.k8s.io/v1`` SelfSubjectReview).

The decisions themselves are the model's (``_rbac``). Documentation:
https://kubernetes.io/docs/reference/access-authn-authz/authorization/ (request
attributes, review APIs), https://kubernetes.io/docs/reference/access-authn-authz/
authentication/#user-impersonation; messages measured on kube-apiserver v1.37.2.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import unquote

import attrs

from fakes._adapter import Call, route
from fakes._http import Request, Response
from fakes.kubernetes._bodies import JSON, body_media_type, decode_kind
from fakes.kubernetes._errors import Cause, StatusError, bad_request, method_not_allowed
from fakes.kubernetes._model import APPLY_PATCH, Cluster
from fakes.kubernetes._protobuf import MAGIC, PROTOBUF
from fakes.kubernetes._rbac import (
    FULL_AUTHORITY,
    GROUP,
    MASTERS,
    Attributes,
    Decision,
    User,
    escalation,
    not_held,
    service_account_of,
)
from fakes.kubernetes._resources import ResourceType

Mode = Literal["RBAC", "AlwaysAllow"]
MODES: tuple[Mode, ...] = ("RBAC", "AlwaysAllow")
AUTHORIZATION = "authorization.k8s.io"
AUTHENTICATION = "authentication.k8s.io"
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")
#: Who a request without credentials is.
ANONYMOUS = User("system:anonymous", ("system:unauthenticated",))
#: The audience the apiserver's tokens are for: its service account issuer, as
#: kubeadm and kind clusters name it (measured on the local control plane).
API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
#: The actor of the dry runs that find what a patch would write (nothing is written).
SYSTEM = "system:apiserver"
_BODY_LIMIT = 3 * 1024 * 1024


def _is_true(value: str | None) -> bool:
    return value is not None and value.lower() not in ("", "0", "false")


def request_attributes(request: Request) -> Attributes:
    """What the request asks, by the apiserver's request-info rules: ``/api/v1/...``
    and ``/apis/<group>/<version>/...`` with a resource are resource requests (a
    namespace's own path is in that namespace; a list or watch of one
    ``metadata.name`` names it); every other path is a non-resource request whose verb
    is the method in lower case."""
    parts = [p for p in request.path.split("/") if p]
    group = ""
    if parts[:2] == ["api", "v1"] and len(parts) > 2:
        rest = parts[2:]
    elif parts[:1] == ["apis"] and len(parts) > 3:
        group, rest = parts[1], parts[3:]
    else:
        return Attributes(verb=request.method.lower(), path=request.path)
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if request.method in ("GET", "HEAD"):
        verb = "get" if name else ("watch" if _is_true(request.arg("watch")) else "list")
        if not name:
            selected = [s.partition("=")[2].lstrip("=") for s in
                        (request.arg("fieldSelector") or "").split(",")
                        if s.partition("=")[0] == "metadata.name"]
            name = selected[0] if len(selected) == 1 else ""
    elif request.method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = _VERBS.get(request.method, request.method.lower())
    return Attributes(verb=verb, resource=resource, subresource=subresource, group=group,
                      namespace=namespace, name=name)


def forbidden(user: User, request: Attributes, reason: str) -> StatusError:
    """The apiserver's 403 for a refused request (its message names user, verb, the
    resource with its subresource or the path, the group and the scope)."""
    if not request.is_resource:
        why = f'User "{user.name}" cannot {request.verb} path "{request.path}"'
        what, details = "", {}
    else:
        resource = request.resource + (f"/{request.subresource}" if request.subresource
                                       else "")
        scope = (f'in the namespace "{request.namespace}"' if request.namespace
                 else "at the cluster scope")
        why = (f'User "{user.name}" cannot {request.verb} resource "{resource}" in API '
               f'group "{request.group}" {scope}')
        what = request.resource + (f".{request.group}" if request.group else "")
        details = {**({"name": request.name} if request.name else {}),
                   **({"group": request.group} if request.group else {}),
                   "kind": request.resource}
    if reason:
        why = f"{why}: {reason}"
    subject = (f'{what} "{request.name}" is ' if request.name else f"{what} is "
               ) if what else ""
    return StatusError(f"{subject}forbidden: {why}", status=403, reason="Forbidden",
                       details=details)


class Access:
    """Who a request is (tokens, impersonation) and whether it may do what it asks."""

    def __init__(self, tokens: Mapping[str, User], mode: Mode = "RBAC") -> None:
        self.tokens = tokens
        self.mode = mode

    def decide(self, store: Cluster, user: User, request: Attributes) -> Decision:
        """The authorizers in turn: ``system:masters`` (the apiserver's privileged
        group), then RBAC, or everything under AlwaysAllow."""
        if self.mode == "AlwaysAllow" or MASTERS in user.groups:
            return Decision(True)
        return store.policy().decide(user, request)

    def authenticate(self, request: Request, store: Cluster) -> User:
        """The user of the bearer token, as an authenticated user; a request without
        one is anonymous (kube-apiserver's default ``--anonymous-auth=true``), one with
        a token no user has is 401. A ServiceAccount's token stops working when the
        ServiceAccount is gone."""
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return ANONYMOUS
        user = self.user_of(token.strip(), store)
        if user is None:
            raise StatusError("Unauthorized", status=401, reason="Unauthorized")
        return user

    def user_of(self, token: str, store: Cluster) -> User | None:
        """The authenticated user of a bearer token, if it is one."""
        user = self.tokens.get(token)
        account = service_account_of(user.name) if user is not None else None
        if user is None or (account is not None and not _exists(store, *account)):
            return None
        return user.authenticated()

    def user(self, request: Request, store: Cluster) -> User:
        """Who the request acts as: its token's user, or the user that user
        impersonates. Constrained impersonation first (the ``impersonate-on:<mode>:<verb>``
        verb on what the request does, then ``impersonate:<mode>`` on the user or
        ServiceAccount and ``impersonate:user-info`` on each group, extra and uid, in API
        group authentication.k8s.io); else the legacy ``impersonate`` verb on users,
        serviceaccounts, groups and uids of the core group and userextras; refused by
        both, the 403 names the first constrained check that failed (measured)."""
        user = self.authenticate(request, store)
        name = request.header("Impersonate-User")
        groups = list(request.headers.get_all("Impersonate-Group") or [])
        uid = request.header("Impersonate-Uid")
        extra = _extras(request)
        if name is None:
            if groups or uid is not None or extra:
                # Go's %#v of the user asked for.
                extras = ("map[string][]string{" + ", ".join(
                    f"{json.dumps(k)}:{_go_slice(v)}" for k, v in extra) + "}"
                          if extra else "map[string][]string(nil)")
                raise bad_request(
                    f'requested &user.DefaultInfo{{Name:"", UID:{json.dumps(uid or "")}, '
                    f"Groups:{_go_slice(groups)}, Extra:{extras}}} "
                    "without impersonating a user name")
            return user
        account = service_account_of(name)
        mode = "serviceaccount" if account else "user-info"
        acting = request_attributes(request)
        constrained = [attrs.evolve(acting, verb=f"impersonate-on:{mode}:{acting.verb}")]
        legacy: list[Attributes] = []
        for verb, group in ((f"impersonate:{mode}", AUTHENTICATION), ("impersonate", "")):
            asked = [Attributes(verb=verb, group=group, resource="serviceaccounts",
                                namespace=account[0], name=account[1]) if account else
                     Attributes(verb=verb, group=group, resource="users", name=name)]
            verb = "impersonate:user-info" if group else verb
            asked += [Attributes(verb=verb, group=group, resource="groups", name=g)
                      for g in groups]
            asked += [Attributes(verb=verb, group=AUTHENTICATION, resource="userextras",
                                 subresource=key, name=value)
                      for key, values in extra for value in values]
            if uid is not None:
                asked.append(Attributes(verb=verb, group=group, resource="uids", name=uid))
            (constrained if group else legacy).extend(asked)
        refused = self._first_refused(store, user, constrained)
        if refused is not None and self._first_refused(store, user, legacy) is not None:
            raise forbidden(user, *refused)
        if account is not None and not groups:
            groups = list(User.service_account(*account).groups)
        return User(name, tuple(groups), uid or "", extra).authenticated()

    def _first_refused(self, store: Cluster, user: User, asked: list[Attributes]
                       ) -> tuple[Attributes, str] | None:
        for attributes in asked:
            decision = self.decide(store, user, attributes)
            if not decision.allowed:
                return attributes, decision.reason
        return None

    def admit(self, request: Request, store: Cluster) -> User:
        """The request's user, when it may do what it asks; else the apiserver's 401,
        400 or 403."""
        user = self.user(request, store)
        if self.mode == "AlwaysAllow":
            return user
        attributes = request_attributes(request)
        decision = self.decide(store, user, attributes)
        if not decision.allowed:
            raise forbidden(user, attributes, decision.reason)
        if (attributes.group == GROUP and attributes.verb in ("create", "update", "patch")
                and MASTERS not in user.groups):
            self._confirm_no_escalation(request, store, user, attributes)
        return user

    def _confirm_no_escalation(self, request: Request, store: Cluster, user: User,
                               attributes: Attributes) -> None:
        """A user may write a Role or ClusterRole only with rules it holds itself (or
        the ``escalate`` verb), and bind a role only when it holds the role's rules (or
        the ``bind`` verb on it); a ClusterRole's aggregationRule needs every right.
        https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping
        """
        rt = store.types.get(GROUP, "v1", attributes.resource)
        obj = _written(request, store, rt, attributes) if rt is not None else None
        if rt is None or obj is None:
            return  # not an RBAC kind, or a write the handler will refuse
        name = attributes.name or str((obj.get("metadata") or {}).get("name") or "")
        namespace = attributes.namespace
        policy = store.policy()
        if rt.plural in ("roles", "clusterroles"):
            escalate = attrs.evolve(attributes, verb="escalate")
            if self.decide(store, user, escalate).allowed:
                return
            granted = [r for r in obj.get("rules") or [] if isinstance(r, dict)]
        else:
            ref = obj.get("roleRef") or {}
            role_kind, role_name = str(ref.get("kind", "")), str(ref.get("name", ""))
            role_plural = "roles" if role_kind == "Role" else "clusterroles"
            bind = Attributes(verb="bind", group=GROUP, resource=role_plural,
                              namespace=namespace, name=role_name)
            if self.decide(store, user, bind).allowed:
                return
            role = store.types.get(GROUP, "v1", role_plural)
            assert role is not None
            try:
                found = store.get(role, namespace if role_kind == "Role" else "", role_name)
            except StatusError:
                raise StatusError(f'{rt.group_resource} "{role_name}" not found',
                                  status=404, reason="NotFound", details={
                                      "name": role_name, "group": GROUP,
                                      "kind": rt.plural}) from None
            granted = [r for r in found.get("rules") or [] if isinstance(r, dict)]
        owned, urls, broken = policy.rules_for(user, namespace)
        refusal = None
        missing = not_held([*owned, *urls], granted)
        if missing:
            refusal = escalation(user, missing, broken)
        elif rt.plural == "clusterroles" and obj.get("aggregationRule") and not_held(
                [*owned, *urls], FULL_AUTHORITY):
            refusal = "must have cluster-admin privileges to use the aggregationRule"
        if refusal is not None:
            raise StatusError(f'{rt.group_resource} "{name}" is forbidden: {refusal}',
                              status=403, reason="Forbidden", details={
                                  "name": name, "group": GROUP, "kind": rt.plural})


class _ReadAgain(io.BytesIO):
    """A request body read already, for the handler to read again."""

    def pieces(self) -> Iterator[bytes]:
        rest = self.read()
        if rest:
            yield rest


def _written(request: Request, store: Cluster, rt: ResourceType, attributes: Attributes
             ) -> dict[str, Any] | None:
    """The object a create, update or patch would write (a patch is tried as a dry
    run), or None where the request is one the handler refuses anyway. The body stays
    readable for the handler."""
    raw = request.read_body(_BODY_LIMIT)
    request.body = _ReadAgain(raw)
    try:
        if request.method != "PATCH":
            media = body_media_type(request.header("Content-Type"))
            body = json.loads(raw) if media == JSON else decode_kind(
                media, raw, rt.api_version, rt.kind)
            return body if isinstance(body, dict) else None
        media = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if media == APPLY_PATCH:
            from fakes.kubernetes._api import _apply_body

            manager = request.arg("fieldManager") or ""
            obj, _ = store.apply(rt, attributes.namespace, attributes.name,
                                 _apply_body(raw), manager, SYSTEM, dry_run=True)
        else:
            obj = store.patch(rt, attributes.namespace, attributes.name, media, raw, SYSTEM,
                              dry_run=True)
        return obj
    except (StatusError, ValueError):
        return None


def _exists(store: Cluster, namespace: str, name: str) -> bool:
    accounts = store.types.get("", "v1", "serviceaccounts")
    assert accounts is not None
    try:
        store.get(accounts, namespace, name)
    except StatusError:
        return False
    return True


def _go_slice(values: Sequence[str]) -> str:
    """A []string as Go's %#v prints it."""
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(json.dumps(v) for v in values) + "}"


def _extras(request: Request) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The Impersonate-Extra-<key> headers: key (unescaped, lower case) and values."""
    items = getattr(request.headers, "items", None)
    names = {str(k).lower() for k, _ in items()} if items is not None else set()
    prefix = "impersonate-extra-"
    return tuple(sorted((unquote(n[len(prefix):]).lower(),
                         tuple(str(v) for v in request.headers.get_all(n) or ()))
                        for n in names if n.startswith(prefix)))


# -- the review APIs -------------------------------------------------------------------

def _review_body(request: Request, group: str, kind: str) -> dict[str, Any]:
    """A review's body, in JSON, YAML or protobuf as kubectl sends it."""
    raw = request.read_body(1024 * 1024)
    media = body_media_type(request.header("Content-Type"))
    if media != JSON:
        if kind == "SelfSubjectReview" and media == PROTOBUF and raw.startswith(MAGIC):
            return {}  # nothing in it is read: it has no spec
        body = decode_kind(media, raw, f"{group}/v1", kind)
    else:
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as error:
            shown = raw.decode(errors="replace")[:100]
            raise bad_request(f"the object provided is unrecognized (must be of type {kind}):"
                              f" couldn't get version/kind; json parse error: {error} "
                              f"({shown})") from None
    if not isinstance(body, dict):
        raise bad_request(f"the object provided is unrecognized (must be of type {kind})")
    return body


def _review_invalid(field: str, value: str, why: str) -> StatusError:
    body = f"Invalid value: {value}: {why}"
    return StatusError(f'.{AUTHORIZATION} "" is invalid: {field}: {body}', status=422,
                       reason="Invalid", details={
                           "group": AUTHORIZATION,
                           "causes": [Cause("FieldValueInvalid", field, body).to_json()]})


def _spec_attributes(spec: Mapping[str, Any]) -> Attributes:
    """The attributes a review's spec asks about: exactly one of resourceAttributes
    and nonResourceAttributes."""
    resource, other = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if (resource is None) == (other is None):
        raise _review_invalid("spec", "null", "exactly one of nonResourceAttributes or "
                                              "resourceAttributes must be specified")
    if isinstance(other, Mapping):
        return Attributes(verb=str(other.get("verb") or ""), path=str(other.get("path") or ""))
    if not isinstance(resource, Mapping):
        raise bad_request("resourceAttributes must be an object")
    return Attributes(verb=str(resource.get("verb") or ""),
                      resource=str(resource.get("resource") or ""),
                      subresource=str(resource.get("subresource") or ""),
                      group=str(resource.get("group") or ""),
                      namespace=str(resource.get("namespace") or ""),
                      name=str(resource.get("name") or ""))


def _status(decision: Decision) -> dict[str, Any]:
    return {"allowed": decision.allowed, **({"reason": decision.reason}
                                            if decision.reason else {})}


class ReviewRoutes:
    """The review APIs, mixed into the adapter (which supplies ``access``)."""

    access: Access

    @route("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
           "selfsubjectaccessreviews.create", access="none")
    def self_access_review(self, request: Request, call: Call) -> Response:
        body = _review_body(request, AUTHORIZATION, "SelfSubjectAccessReview")
        spec = body.get("spec") or {}
        decision = self.access.decide(call.store, self.access.user(request, call.store),
                                      _spec_attributes(spec))
        return Response.json(201, {"kind": "SelfSubjectAccessReview",
                                   "apiVersion": f"{AUTHORIZATION}/v1", "metadata": {},
                                   "spec": spec, "status": _status(decision)})

    @route("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
           "subjectaccessreviews.create", access="none")
    def access_review(self, request: Request, call: Call) -> Response:
        body = _review_body(request, AUTHORIZATION, "SubjectAccessReview")
        spec = body.get("spec") or {}
        attributes = _spec_attributes(spec)
        return self._subject_review(call, spec, attributes, "SubjectAccessReview", {})

    def _subject_review(self, call: Call, spec: Mapping[str, Any], attributes: Attributes,
                        kind: str, metadata: dict[str, str]) -> Response:
        if not spec.get("user") and not spec.get("groups"):
            raise _review_invalid("spec.user", '""',
                                  "at least one of user or group must be specified")
        user = User(str(spec.get("user") or ""), tuple(spec.get("groups") or ()),
                    str(spec.get("uid") or ""))
        decision = self.access.decide(call.store, user, attributes)
        return Response.json(201, {"kind": kind, "apiVersion": f"{AUTHORIZATION}/v1",
                                   "metadata": metadata, "spec": spec,
                                   "status": _status(decision)})

    @route("POST", "/apis/authorization.k8s.io/v1/namespaces/{namespace}/"
           "localsubjectaccessreviews", "localsubjectaccessreviews.create", access="none")
    def local_access_review(self, request: Request, call: Call) -> Response:
        namespace = call.params["namespace"]
        body = _review_body(request, AUTHORIZATION, "LocalSubjectAccessReview")
        spec = body.get("spec") or {}
        other = spec.get("nonResourceAttributes")
        if isinstance(other, Mapping):
            shown = json.dumps({"Path": str(other.get("path") or ""),
                                "Verb": str(other.get("verb") or "")}, separators=(",", ":"))
            raise _review_invalid("spec.nonResourceAttributes", shown,
                                  "disallowed on this kind of request")
        attributes = _spec_attributes(spec)
        if attributes.namespace != namespace:
            raise _review_invalid("spec.resourceAttributes.namespace",
                                  json.dumps(attributes.namespace),
                                  "must match metadata.namespace")
        return self._subject_review(call, spec, attributes, "LocalSubjectAccessReview",
                                    {"namespace": namespace})

    @route("POST", "/apis/authentication.k8s.io/v1/tokenreviews", "tokenreviews.create",
           access="none")
    def token_review(self, request: Request, call: Call) -> Response:
        spec = _review_body(request, AUTHENTICATION, "TokenReview").get("spec") or {}
        token = str(spec.get("token") or "")
        if not token:
            raise bad_request("token is required for TokenReview in authentication")
        user = self.access.user_of(token, call.store)
        # Static tokens are good for the apiserver's own audience only.
        wanted = spec.get("audiences") or [API_AUDIENCE]
        status: dict[str, Any] = {"user": {}, "error": "invalid bearer token"}
        if user is not None and API_AUDIENCE in wanted:
            status = {"authenticated": True, "user": user.to_json(),
                      "audiences": [API_AUDIENCE]}
        return Response.json(201, {"kind": "TokenReview",
                                   "apiVersion": f"{AUTHENTICATION}/v1", "metadata": {},
                                   "spec": spec, "status": status})

    @route("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "reviews.other")
    @route("GET", "/apis/authorization.k8s.io/v1/subjectaccessreviews", "reviews.other")
    @route("GET", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "reviews.other")
    @route("GET", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "reviews.other")
    @route("PUT", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "reviews.other")
    @route("PUT", "/apis/authorization.k8s.io/v1/subjectaccessreviews", "reviews.other")
    @route("PUT", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "reviews.other")
    @route("PUT", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "reviews.other")
    @route("GET", "/apis/authentication.k8s.io/v1/tokenreviews", "reviews.other")
    @route("PUT", "/apis/authentication.k8s.io/v1/tokenreviews", "reviews.other")
    def review_method(self, request: Request, call: Call) -> Response:
        """The reviews are created only."""
        raise method_not_allowed()

    @route("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
           "selfsubjectrulesreviews.create", access="none")
    def self_rules_review(self, request: Request, call: Call) -> Response:
        spec = _review_body(request, AUTHORIZATION, "SelfSubjectRulesReview").get("spec") or {}
        namespace = spec.get("namespace")
        if not namespace:
            raise bad_request("no namespace on request")
        user = self.access.user(request, call.store)
        if self.access.mode == "AlwaysAllow":
            rules = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
            urls, error = [{"verbs": ["*"], "nonResourceURLs": ["*"]}], ""
        else:
            store: Cluster = call.store
            policy = store.policy()
            rules, urls, broken = policy.rules_for(user, str(namespace))
            error = policy.evaluation_error(broken)
        status = {"resourceRules": rules, "nonResourceRules": urls, "incomplete": False,
                  **({"evaluationError": error} if error else {})}
        return Response.json(201, {"kind": "SelfSubjectRulesReview",
                                   "apiVersion": f"{AUTHORIZATION}/v1", "metadata": {},
                                   "spec": {}, "status": status})

    @route("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
           "selfsubjectreviews.create", access="none")
    def self_review(self, request: Request, call: Call) -> Response:
        _review_body(request, AUTHENTICATION, "SelfSubjectReview")
        user = self.access.user(request, call.store)
        store: Cluster = call.store
        created = store.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        return Response.json(201, {"kind": "SelfSubjectReview",
                                   "apiVersion": f"{AUTHENTICATION}/v1",
                                   "metadata": {"creationTimestamp": created},
                                   "status": {"userInfo": user.to_json()}})
