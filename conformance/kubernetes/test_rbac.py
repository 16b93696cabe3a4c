"""Authorization by RBAC: who may do what, the apiserver's 403, the bootstrap policy,
impersonation and the review APIs (``kubectl auth can-i``, ``kubectl auth whoami``).

Every test acts as users of its own (run-named) through impersonation headers, which
the suite's admin (``system:masters``) may send on any cluster; grants are Roles and
bindings the run makes. A real apiserver's authorizer reads RBAC objects from a cache,
so a new grant is awaited (``eventually``) before it is relied on.
"""

from __future__ import annotations

import json
from typing import Any

from fakes.conformance.kubernetes._support import behaviour, cm, created, failure
from fakes.conformance.kubernetes.targets import MEASURED, Target, eventually

RBAC_DOCS = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/"
AUTHZ_DOCS = "https://kubernetes.io/docs/reference/access-authn-authz/authorization/"
IMPERSONATION = ("https://kubernetes.io/docs/reference/access-authn-authz/authentication/"
                 "#user-impersonation")
WHOAMI = ("https://kubernetes.io/docs/reference/access-authn-authz/authentication/"
          "#self-subject-review")
RBAC = "/apis/rbac.authorization.k8s.io/v1"
GROUP = "rbac.authorization.k8s.io"
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
SAR = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
SSRR = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
SSR = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
TOKEN_REVIEW = "/apis/authentication.k8s.io/v1/tokenreviews"


def _user(target: Target, hint: str) -> str:
    return target.run_name(hint, separator="-")


def _subject(kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    if kind == "ServiceAccount":
        return {"kind": kind, "name": name, "namespace": namespace}
    return {"kind": kind, "name": name, "apiGroup": GROUP}


def _role(target: Target, ns: str | None, name: str, *rules: dict[str, Any],
          labels: dict[str, str] | None = None) -> None:
    kind = "Role" if ns else "ClusterRole"
    path = f"{RBAC}/namespaces/{ns}/roles" if ns else f"{RBAC}/clusterroles"
    created(target, path, {"apiVersion": f"{GROUP}/v1", "kind": kind,
                           "metadata": {"name": name, "labels": labels or {}},
                           "rules": list(rules)})


def _bind(target: Target, ns: str | None, name: str, role_kind: str, role: str,
          *subjects: dict[str, Any]) -> None:
    kind = "RoleBinding" if ns else "ClusterRoleBinding"
    path = f"{RBAC}/namespaces/{ns}/rolebindings" if ns else f"{RBAC}/clusterrolebindings"
    created(target, path, {"apiVersion": f"{GROUP}/v1", "kind": kind,
                           "metadata": {"name": name},
                           "roleRef": {"apiGroup": GROUP, "kind": role_kind, "name": role},
                           "subjects": list(subjects)})


def _cluster_role(target: Target, hint: str, *rules: dict[str, Any],
                  labels: dict[str, str] | None = None) -> str:
    name = target.cluster_name(hint, f"{RBAC}/clusterroles")
    _role(target, None, name, *rules, labels=labels)
    return name


def _cluster_binding(target: Target, hint: str, role: str, *subjects: dict[str, Any]) -> str:
    name = target.cluster_name(hint, f"{RBAC}/clusterrolebindings")
    _bind(target, None, name, "ClusterRole", role, *subjects)
    return name


def _rule(verbs: list[str], resources: list[str], groups: list[str] | None = None,
          names: list[str] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"verbs": verbs, "apiGroups": groups or [""],
                            "resources": resources}
    if names:
        rule["resourceNames"] = names
    return rule


def _code(view: Target, method: str, path: str, body: Any = None) -> int:
    return view.http(method, path, body=body).status_code


def _await(view: Target, method: str, path: str, code: int, body: Any = None) -> None:
    """Until ``view``'s request answers ``code`` (a real authorizer's cache catches up)."""
    def check() -> None:
        assert _code(view, method, path, body) == code

    eventually(check)


def _forbidden(view: Target, method: str, path: str, body: Any = None
               ) -> tuple[str, dict[str, Any]]:
    status = failure(view, method, path, body=body)
    assert (status["code"], status["reason"]) == (403, "Forbidden"), status
    return status["message"], status["details"]


@behaviour("K8S-300", "a user no binding grants anything is refused with 403 Forbidden "
           "naming the user, verb, resource, API group and namespace; details name the "
           "resource as kind (and the object's name)",
           cite=AUTHZ_DOCS + "#review-your-request-attributes and " + MEASURED)
def test_forbidden_in_a_namespace(target: Target) -> None:
    ns = target.namespace("rbac-none")
    user = _user(target, "nobody")
    view = target.as_user(user)
    core = f"/api/v1/namespaces/{ns}/configmaps"
    assert _forbidden(view, "GET", core) == (
        f'configmaps is forbidden: User "{user}" cannot list resource "configmaps" in API '
        f'group "" in the namespace "{ns}"', {"kind": "configmaps"})
    assert _forbidden(view, "GET", f"{core}/one") == (
        f'configmaps "one" is forbidden: User "{user}" cannot get resource "configmaps" in '
        f'API group "" in the namespace "{ns}"', {"name": "one", "kind": "configmaps"})
    assert _forbidden(view, "POST", core, cm("new", ns))[0] == (
        f'configmaps is forbidden: User "{user}" cannot create resource "configmaps" in API '
        f'group "" in the namespace "{ns}"')
    assert _forbidden(view, "DELETE", core)[0].startswith(
        f'configmaps is forbidden: User "{user}" cannot deletecollection resource')
    assert _forbidden(view, "GET", f"{core}?watch=true")[0].startswith(
        f'configmaps is forbidden: User "{user}" cannot watch resource')
    assert _forbidden(view, "PATCH", f"{core}/one", {})[0].startswith(
        f'configmaps "one" is forbidden: User "{user}" cannot patch resource')
    assert _forbidden(view, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/d") == (
        f'deployments.apps "d" is forbidden: User "{user}" cannot get resource '
        f'"deployments" in API group "apps" in the namespace "{ns}"',
        {"name": "d", "group": "apps", "kind": "deployments"})
    # Nothing was written.
    assert target.http("GET", f"{core}/new").status_code == 404


@behaviour("K8S-301", "403 at the cluster scope, for subresources (pods/log, "
           "deployments/scale) and for a namespace's own path (which is in that namespace)",
           cite=AUTHZ_DOCS + "#review-your-request-attributes and " + MEASURED)
def test_forbidden_variants(target: Target) -> None:
    ns = target.namespace("rbac-variants")
    user = _user(target, "nobody")
    view = target.as_user(user)
    assert _forbidden(view, "GET", "/api/v1/namespaces") == (
        f'namespaces is forbidden: User "{user}" cannot list resource "namespaces" in API '
        'group "" at the cluster scope', {"kind": "namespaces"})
    assert _forbidden(view, "GET", "/api/v1/nodes/n1") == (
        f'nodes "n1" is forbidden: User "{user}" cannot get resource "nodes" in API group '
        '"" at the cluster scope', {"name": "n1", "kind": "nodes"})
    assert _forbidden(view, "GET", f"/api/v1/namespaces/{ns}") == (
        f'namespaces "{ns}" is forbidden: User "{user}" cannot get resource "namespaces" '
        f'in API group "" in the namespace "{ns}"', {"name": ns, "kind": "namespaces"})
    assert _forbidden(view, "GET", f"/api/v1/namespaces/{ns}/pods/p/log") == (
        f'pods "p" is forbidden: User "{user}" cannot get resource "pods/log" in API group '
        f'"" in the namespace "{ns}"', {"name": "p", "kind": "pods"})
    assert _forbidden(view, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/d/scale") == (
        f'deployments.apps "d" is forbidden: User "{user}" cannot get resource '
        f'"deployments/scale" in API group "apps" in the namespace "{ns}"',
        {"name": "d", "group": "apps", "kind": "deployments"})


@behaviour("K8S-302", "a path no role grants is refused as a non-resource URL: "
           "'forbidden: User \"u\" cannot get path \"/p\"' with empty details; discovery, "
           "/version and the health checks are open to every authenticated user "
           "(system:discovery, system:public-info-viewer)",
           cite=RBAC_DOCS + "#discovery-roles and " + MEASURED)
def test_non_resource_urls(target: Target) -> None:
    user = _user(target, "nobody")
    view = target.as_user(user)
    status = failure(view, "GET", "/metrics")
    assert (status["code"], status["message"], status["details"]) == (
        403, f'forbidden: User "{user}" cannot get path "/metrics"', {})
    for path in ("/api", "/api/v1", "/apis", "/apis/apps/v1", "/version", "/healthz",
                 "/readyz", "/livez", "/openapi/v3"):
        assert _code(view, "GET", path) == 200, path


@behaviour("K8S-303", "a Role and a RoleBinding grant their verbs on their resources in "
           "their namespace only",
           cite=RBAC_DOCS + "#role-and-clusterrole and " + MEASURED)
def test_role_in_its_namespace(target: Target) -> None:
    ns, other = target.namespace("rbac-role"), target.namespace("rbac-other")
    user = _user(target, "reader")
    view = target.as_user(user)
    _role(target, ns, "cm-reader", _rule(["get", "list"], ["configmaps"]))
    _bind(target, ns, "cm-reader", "Role", "cm-reader", _subject("User", user))
    _await(view, "GET", f"/api/v1/namespaces/{ns}/configmaps", 200)
    created(target, f"/api/v1/namespaces/{ns}/configmaps", cm("c", ns))
    assert _code(view, "GET", f"/api/v1/namespaces/{ns}/configmaps/c") == 200
    assert _code(view, "GET", f"/api/v1/namespaces/{other}/configmaps") == 403
    assert _code(view, "GET", "/api/v1/configmaps") == 403
    assert _code(view, "GET", f"/api/v1/namespaces/{ns}/configmaps?watch=true") == 403
    assert _code(view, "DELETE", f"/api/v1/namespaces/{ns}/configmaps/c") == 403
    assert _code(view, "GET", f"/api/v1/namespaces/{ns}/secrets") == 403


@behaviour("K8S-304", "a ClusterRole bound by a RoleBinding grants in that namespace; "
           "bound by a ClusterRoleBinding it grants in every namespace and at the cluster "
           "scope", cite=RBAC_DOCS + "#rolebinding-and-clusterrolebinding")
def test_cluster_role_bindings(target: Target) -> None:
    ns, other = target.namespace("rbac-crb"), target.namespace("rbac-crb2")
    local, everywhere = _user(target, "local"), _user(target, "everywhere")
    role = _cluster_role(target, "cm-list", _rule(["list"], ["configmaps"]))
    _bind(target, ns, "local", "ClusterRole", role, _subject("User", local))
    _cluster_binding(target, "everywhere", role, _subject("User", everywhere))
    local_view, everywhere_view = target.as_user(local), target.as_user(everywhere)
    _await(local_view, "GET", f"/api/v1/namespaces/{ns}/configmaps", 200)
    assert _code(local_view, "GET", f"/api/v1/namespaces/{other}/configmaps") == 403
    assert _code(local_view, "GET", "/api/v1/configmaps") == 403
    _await(everywhere_view, "GET", "/api/v1/configmaps", 200)
    assert _code(everywhere_view, "GET", f"/api/v1/namespaces/{other}/configmaps") == 200


@behaviour("K8S-305", "resourceNames limit a rule to the objects named (a list is refused, "
           "a list of one metadata.name is allowed); apiGroups must match the request's "
           "group", cite=RBAC_DOCS + "#referring-to-resources and " + MEASURED)
def test_resource_names_and_groups(target: Target) -> None:
    ns = target.namespace("rbac-names")
    user = _user(target, "named")
    view = target.as_user(user)
    _role(target, ns, "one", _rule(["get", "list"], ["configmaps"], names=["mine"]),
          _rule(["get"], ["deployments"]))
    _bind(target, ns, "one", "Role", "one", _subject("User", user))
    base = f"/api/v1/namespaces/{ns}/configmaps"
    created(target, base, cm("mine", ns))
    created(target, base, cm("theirs", ns))
    _await(view, "GET", f"{base}/mine", 200)
    assert _forbidden(view, "GET", f"{base}/theirs")[0].startswith(
        f'configmaps "theirs" is forbidden: User "{user}" cannot get resource "configmaps"')
    assert _code(view, "GET", base) == 403
    selected = view.http("GET", f"{base}?fieldSelector=metadata.name%3Dmine")
    assert selected.status_code == 200
    assert [i["metadata"]["name"] for i in selected.json()["items"]] == ["mine"]
    # The rule for deployments names the core group: apps deployments stay refused.
    assert _code(view, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/d") == 403


@behaviour("K8S-306", "subresources are resources of their own in rules: 'pods/log' "
           "grants the log but not the Pod, 'pods' not the log; '*/scale' grants every "
           "scale subresource", cite=RBAC_DOCS + "#referring-to-resources and " + MEASURED)
def test_subresource_rules(target: Target) -> None:
    ns = target.namespace("rbac-subres")
    user = _user(target, "logs")
    view = target.as_user(user)
    _role(target, ns, "logs", _rule(["get"], ["pods/log"]),
          _rule(["get"], ["*/scale"], groups=["apps"]))
    _bind(target, ns, "logs", "Role", "logs", _subject("User", user))
    _await(view, "GET", f"/api/v1/namespaces/{ns}/pods/p/log", 404)
    assert _code(view, "GET", f"/api/v1/namespaces/{ns}/pods/p") == 403
    assert _code(view, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/d/scale") == 404
    assert _code(view, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/d") == 403


@behaviour("K8S-307", "'*' in verbs, apiGroups and resources matches every verb, group "
           "and resource", cite=RBAC_DOCS + "#referring-to-resources")
def test_wildcards(target: Target) -> None:
    ns = target.namespace("rbac-star")
    user = _user(target, "star")
    view = target.as_user(user)
    _role(target, ns, "all", _rule(["*"], ["*"], groups=["*"]))
    _bind(target, ns, "all", "Role", "all", _subject("User", user))
    _await(view, "GET", f"/api/v1/namespaces/{ns}/secrets", 200)
    assert _code(view, "POST", f"/api/v1/namespaces/{ns}/configmaps", cm("c", ns)) == 201
    assert _code(view, "DELETE", f"/api/v1/namespaces/{ns}/configmaps/c") == 200
    assert _code(view, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments") == 200
    assert _code(view, "GET", "/api/v1/nodes") == 403


@behaviour("K8S-308", "Group subjects grant to every member; ServiceAccount subjects to "
           "system:serviceaccount:<ns>:<name>, and system:serviceaccounts:<ns> to every "
           "ServiceAccount of the namespace",
           cite=RBAC_DOCS + "#referring-to-subjects")
def test_group_and_service_account_subjects(target: Target) -> None:
    ns = target.namespace("rbac-subjects")
    group = _user(target, "team")
    _role(target, ns, "list", _rule(["list"], ["configmaps"]))
    _bind(target, ns, "team", "Role", "list", _subject("Group", group))
    _bind(target, ns, "robot", "Role", "list", _subject("ServiceAccount", "robot", ns))
    member = target.as_user(_user(target, "member"), group)
    path = f"/api/v1/namespaces/{ns}/configmaps"
    _await(member, "GET", path, 200)
    assert _code(target.as_user(_user(target, "member")), "GET", path) == 403
    robot = target.as_user(f"system:serviceaccount:{ns}:robot")
    _await(robot, "GET", path, 200)
    review = target.http("POST", SAR, body={
        "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": f"system:serviceaccount:{ns}:robot", "resourceAttributes": {
            "namespace": ns, "verb": "list", "resource": "configmaps"}}})
    assert review.json()["status"] == {"allowed": True, "reason": (
        f'RBAC: allowed by RoleBinding "robot/{ns}" of Role "list" to ServiceAccount '
        f'"robot/{ns}"')}
    assert _code(target.as_user(f"system:serviceaccount:{ns}:other"), "GET", path) == 403
    _bind(target, ns, "all-accounts", "Role", "list",
          _subject("Group", f"system:serviceaccounts:{ns}"))
    _await(target.as_user(f"system:serviceaccount:{ns}:other"), "GET", path, 200)


@behaviour("K8S-309", "a binding whose role does not exist grants nothing, and the 403 "
           "says so: ': rbac: RBAC: role.rbac.authorization.k8s.io \"x\" not found' (several "
           "in brackets)", cite=RBAC_DOCS + "#rolebinding-and-clusterrolebinding and "
           + MEASURED)
def test_binding_to_a_missing_role(target: Target) -> None:
    ns = target.namespace("rbac-missing")
    user = _user(target, "orphan")
    view = target.as_user(user)
    _bind(target, ns, "a", "Role", "nope", _subject("User", user))
    expected = (f'configmaps is forbidden: User "{user}" cannot list resource "configmaps" '
                f'in API group "" in the namespace "{ns}": rbac: RBAC: '
                f'role.{GROUP} "nope" not found')

    def one() -> None:
        assert _forbidden(view, "GET", f"/api/v1/namespaces/{ns}/configmaps")[0] == expected

    eventually(one)
    _bind(target, ns, "b", "ClusterRole", "nope-either", _subject("User", user))
    expected = (f'configmaps is forbidden: User "{user}" cannot list resource "configmaps" '
                f'in API group "" in the namespace "{ns}": rbac: RBAC: '
                f'[role.{GROUP} "nope" not found, clusterrole.{GROUP} "nope-either" '
                'not found]')

    def two() -> None:
        assert _forbidden(view, "GET", f"/api/v1/namespaces/{ns}/configmaps")[0] == expected

    eventually(two)


@behaviour("K8S-310", "the bootstrap policy: cluster-admin bound to system:masters; "
           "system:discovery, system:basic-user and system:public-info-viewer bound to "
           "system:authenticated; admin, edit and view aggregate the aggregate-to-* roles",
           cite=RBAC_DOCS + "#default-roles-and-role-bindings")
def test_bootstrap_policy(target: Target) -> None:
    bindings = {b["metadata"]["name"]: b for b in
                target.http("GET", f"{RBAC}/clusterrolebindings").json()["items"]}
    for name, groups in (("cluster-admin", ["system:masters"]),
                         ("system:discovery", ["system:authenticated"]),
                         ("system:basic-user", ["system:authenticated"]),
                         ("system:public-info-viewer",
                          ["system:authenticated", "system:unauthenticated"])):
        binding = bindings[name]
        assert binding["roleRef"] == {"apiGroup": GROUP, "kind": "ClusterRole", "name": name}
        assert [s["name"] for s in binding["subjects"]] == groups
        assert binding["metadata"]["labels"] == {"kubernetes.io/bootstrapping": "rbac-defaults"}
    admin = target.http("GET", f"{RBAC}/clusterroles/cluster-admin").json()
    assert admin["rules"] == [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                              {"verbs": ["*"], "nonResourceURLs": ["*"]}]
    for name in ("admin", "edit", "view"):
        role = target.http("GET", f"{RBAC}/clusterroles/{name}").json()
        assert role["aggregationRule"] == {"clusterRoleSelectors": [{"matchLabels": {
            f"rbac.authorization.k8s.io/aggregate-to-{name}": "true"}}]}
        part = target.http("GET", f"{RBAC}/clusterroles/system:aggregate-to-{name}").json()
        assert all(rule in role["rules"] for rule in part["rules"])
    view = target.http("GET", f"{RBAC}/clusterroles/view").json()
    assert _rule(["get", "list", "watch"], ["configmaps", "endpoints",
                 "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                 "replicationcontrollers", "replicationcontrollers/scale",
                 "serviceaccounts", "services", "services/status"]) in view["rules"]
    assert not any("secrets" in r.get("resources", []) for r in view["rules"])


@behaviour("K8S-311", "a ClusterRole labelled aggregate-to-view lends its rules to view, "
           "and through view to edit and admin; taking the label away takes them back",
           cite=RBAC_DOCS + "#aggregated-clusterroles")
def test_aggregation(target: Target) -> None:
    widgets = {"verbs": ["get"], "apiGroups": ["example.com"], "resources": ["widgets"]}
    name = _cluster_role(target, "widgets", widgets,
                         labels={"rbac.authorization.k8s.io/aggregate-to-view": "true"})

    def rules(role: str) -> list[Any]:
        found: list[Any] = target.http("GET", f"{RBAC}/clusterroles/{role}").json()["rules"]
        return found

    def aggregated() -> None:
        assert all(widgets in rules(role) for role in ("view", "edit", "admin"))

    eventually(aggregated)
    assert rules("view")[-1] == widgets  # after the rules of system:aggregate-to-view
    answer = target.http("PATCH", f"{RBAC}/clusterroles/{name}", raw=json.dumps(
        {"metadata": {"labels": None}}).encode(), content_type="application/merge-patch+json")
    assert answer.status_code == 200, answer.text

    def withdrawn() -> None:
        assert not any(widgets in rules(role) for role in ("view", "edit", "admin"))

    eventually(withdrawn)


@behaviour("K8S-312", "view bound in a namespace reads most objects there but not "
           "Secrets, and writes nothing; edit writes them",
           cite=RBAC_DOCS + "#user-facing-roles")
def test_view_and_edit(target: Target) -> None:
    ns = target.namespace("rbac-view")
    viewer, editor = _user(target, "viewer"), _user(target, "editor")
    _bind(target, ns, "viewer", "ClusterRole", "view", _subject("User", viewer))
    _bind(target, ns, "editor", "ClusterRole", "edit", _subject("User", editor))
    as_viewer, as_editor = target.as_user(viewer), target.as_user(editor)
    base = f"/api/v1/namespaces/{ns}"
    _await(as_viewer, "GET", f"{base}/configmaps", 200)
    assert _code(as_viewer, "GET", f"{base}/pods") == 200
    assert _code(as_viewer, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments") == 200
    assert _code(as_viewer, "GET", f"{base}/secrets") == 403
    assert _code(as_viewer, "POST", f"{base}/configmaps", cm("v", ns)) == 403
    _await(as_editor, "POST", f"{base}/configmaps", 201, cm("e", ns))
    assert _code(as_editor, "GET", f"{base}/secrets") == 200
    assert _code(as_editor, "GET", f"{RBAC}/namespaces/{ns}/roles") == 403


@behaviour("K8S-313", "an impersonator needs constrained impersonation (the "
           "impersonate-on:<mode>:<verb> verb on what it does and impersonate:user-info on "
           "the user, in authentication.k8s.io) or the legacy impersonate verb on users; "
           "refused by both, the 403 names the impersonate-on verb",
           cite=IMPERSONATION + " and " + MEASURED)
def test_impersonation_needs_the_verb(target: Target) -> None:
    ns = target.namespace("rbac-imp")
    view = target.restricted()
    path = f"/api/v1/namespaces/{ns}/configmaps"

    def sent(user: str, url: str = path) -> dict[str, Any]:
        answer = view.http("GET", url, headers={"Impersonate-User": user})
        assert answer.status_code == 403, answer.text
        status: dict[str, Any] = answer.json()
        return status

    bob = sent("bob")
    assert (bob["message"], bob["details"]) == (
        'configmaps is forbidden: User "restricted" cannot impersonate-on:user-info:list '
        f'resource "configmaps" in API group "" in the namespace "{ns}"',
        {"kind": "configmaps"})
    assert sent(f"system:serviceaccount:{ns}:robot")["message"] == (
        'configmaps is forbidden: User "restricted" cannot impersonate-on:serviceaccount:'
        f'list resource "configmaps" in API group "" in the namespace "{ns}"')
    carol = _user(target, "carol")
    role = _cluster_role(target, "impersonate-carol",
                         {"verbs": ["impersonate:user-info"], "resources": ["users"],
                          "apiGroups": ["authentication.k8s.io"], "resourceNames": [carol]},
                         _rule(["impersonate-on:user-info:list"], ["configmaps"]))
    _cluster_binding(target, "impersonate-carol", role, _subject("User", "restricted"))

    def as_carol() -> None:
        assert sent(carol)["message"] == (
            f'configmaps is forbidden: User "{carol}" cannot list resource "configmaps" in '
            f'API group "" in the namespace "{ns}"')

    eventually(as_carol)
    assert sent(carol, f"{path}/x")["message"] == (
        'configmaps "x" is forbidden: User "restricted" cannot impersonate-on:user-info:get '
        f'resource "configmaps" in API group "" in the namespace "{ns}"')
    # Allowed the action but not the user, the 403 names the user.
    assert (sent("bob")["message"], sent("bob")["details"]) == (
        'users.authentication.k8s.io "bob" is forbidden: User "restricted" cannot '
        'impersonate:user-info resource "users" in API group "authentication.k8s.io" at the '
        'cluster scope', {"name": "bob", "group": "authentication.k8s.io", "kind": "users"})
    legacy = _cluster_role(target, "impersonate-users", _rule(["impersonate"], ["users"]))
    _cluster_binding(target, "impersonate-users", legacy, _subject("User", "restricted"))

    def as_bob() -> None:
        assert sent("bob", f"{path}/x")["message"] == (
            'configmaps "x" is forbidden: User "bob" cannot get resource "configmaps" in API '
            f'group "" in the namespace "{ns}"')

    eventually(as_bob)


@behaviour("K8S-314", "Impersonate-Group, Impersonate-Uid or Impersonate-Extra-* without "
           "Impersonate-User is 400 BadRequest", cite=IMPERSONATION + " and " + MEASURED)
def test_impersonating_groups_only(target: Target) -> None:
    status = failure(target, "GET", "/api/v1/namespaces/default/configmaps",
                     headers={"Impersonate-Group": "devs"})
    assert (status["code"], status["reason"], status["message"]) == (
        400, "BadRequest", 'requested &user.DefaultInfo{Name:"", UID:"", '
        'Groups:[]string{"devs"}, Extra:map[string][]string(nil)} without impersonating a '
        "user name")
    status = failure(target, "GET", "/api/v1/namespaces", headers={"Impersonate-Uid": "1234"})
    assert (status["code"], status["message"]) == (
        400, 'requested &user.DefaultInfo{Name:"", UID:"1234", Groups:[]string(nil), '
        "Extra:map[string][]string(nil)} without impersonating a user name")
    status = failure(target, "GET", "/api/v1/namespaces",
                     headers={"Impersonate-Extra-Scopes": "view", "Impersonate-Extra-a": "b"})
    assert (status["code"], status["message"]) == (
        400, 'requested &user.DefaultInfo{Name:"", UID:"", Groups:[]string(nil), '
        'Extra:map[string][]string{"a":[]string{"b"}, "scopes":[]string{"view"}}} without '
        "impersonating a user name")


@behaviour("K8S-315", "SelfSubjectReview answers who the request is: user name and "
           "groups, system:authenticated last, uid and extras (keys unescaped, lower "
           "case); an impersonated ServiceAccount is in system:serviceaccounts and "
           "system:serviceaccounts:<ns>",
           cite=WHOAMI + " and " + MEASURED)
def test_self_subject_review(target: Target) -> None:
    user = _user(target, "who")
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    answer = target.as_user(user, "devs").http("POST", SSR, body=body)
    assert answer.status_code == 201, answer.text
    review = answer.json()
    assert (review["kind"], review["apiVersion"]) == ("SelfSubjectReview",
                                                      "authentication.k8s.io/v1")
    assert review["metadata"]["creationTimestamp"]
    assert review["status"]["userInfo"] == {"username": user,
                                            "groups": ["devs", "system:authenticated"]}
    account = target.as_user("system:serviceaccount:apps:robot").http("POST", SSR, body=body)
    assert account.json()["status"]["userInfo"] == {
        "username": "system:serviceaccount:apps:robot",
        "groups": ["system:serviceaccounts", "system:serviceaccounts:apps",
                   "system:authenticated"]}
    with_uid = target.http("POST", SSR, body=body, headers={"Impersonate-User": user,
                                                            "Impersonate-Uid": "1234"})
    assert with_uid.json()["status"]["userInfo"] == {
        "username": user, "uid": "1234", "groups": ["system:authenticated"]}
    with_extra = target.http("POST", SSR, body=body, headers={
        "Impersonate-User": user, "Impersonate-Extra-Scopes": "view",
        "Impersonate-Extra-my%2Fkey": "a"})
    assert with_extra.json()["status"]["userInfo"] == {
        "username": user, "groups": ["system:authenticated"],
        "extra": {"my/key": ["a"], "scopes": ["view"]}}
    admin = target.http("POST", SSR, body=body).json()["status"]["userInfo"]
    assert {"system:masters", "system:authenticated"} <= set(admin["groups"])


@behaviour("K8S-316", "SelfSubjectAccessReview says whether the requester may do "
           "something (201, status.allowed, the RBAC reason when allowed); the spec needs "
           "exactly one of resourceAttributes and nonResourceAttributes (422)",
           cite=AUTHZ_DOCS + "#checking-api-access and " + MEASURED)
def test_self_subject_access_review(target: Target) -> None:
    ns = target.namespace("rbac-ssar")
    user = _user(target, "asker")
    view = target.as_user(user)
    _role(target, ns, "list", _rule(["list"], ["configmaps"]))
    _bind(target, ns, "list", "Role", "list", _subject("User", user))

    def review(spec: dict[str, Any]) -> dict[str, Any]:
        answer = view.http("POST", SSAR, body={"apiVersion": "authorization.k8s.io/v1",
                                               "kind": "SelfSubjectAccessReview",
                                               "spec": spec})
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        assert found["spec"] == spec
        return found["status"]

    listing = {"resourceAttributes": {"namespace": ns, "verb": "list",
                                      "resource": "configmaps"}}

    def allowed() -> None:
        assert review(listing) == {"allowed": True, "reason": (
            f'RBAC: allowed by RoleBinding "list/{ns}" of Role "list" to User "{user}"')}

    eventually(allowed)
    assert review({"resourceAttributes": {"namespace": ns, "verb": "delete",
                                          "resource": "configmaps"}}) == {"allowed": False}
    assert review({"nonResourceAttributes": {"verb": "get", "path": "/api"}}) == {
        "allowed": True, "reason": 'RBAC: allowed by ClusterRoleBinding "system:discovery" '
        'of ClusterRole "system:discovery" to Group "system:authenticated"'}
    status = failure(view, "POST", SSAR, body={"apiVersion": "authorization.k8s.io/v1",
                                               "kind": "SelfSubjectAccessReview", "spec": {}})
    assert (status["code"], status["reason"], status["message"]) == (
        422, "Invalid", '.authorization.k8s.io "" is invalid: spec: Invalid value: null: '
        "exactly one of nonResourceAttributes or resourceAttributes must be specified")


@behaviour("K8S-317", "SubjectAccessReview asks for any user and groups: refused to a "
           "user without the grant (403), allowed for system:masters with no reason, a "
           "spec with neither user nor groups is 422",
           cite=AUTHZ_DOCS + "#checking-api-access and " + MEASURED)
def test_subject_access_review(target: Target) -> None:
    user = _user(target, "nosy")
    attributes = {"verb": "list", "resource": "configmaps"}

    def body(**spec: Any) -> dict[str, Any]:
        return {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"resourceAttributes": attributes, **spec}}

    assert _forbidden(target.as_user(user), "POST", SAR, body(user="x")) == (
        f'subjectaccessreviews.authorization.k8s.io is forbidden: User "{user}" cannot '
        'create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the '
        'cluster scope', {"group": "authorization.k8s.io", "kind": "subjectaccessreviews"})
    masters = target.http("POST", SAR, body=body(user="x", groups=["system:masters"]))
    assert masters.status_code == 201
    assert masters.json()["status"] == {"allowed": True}
    plain = target.http("POST", SAR, body=body(user=user))
    assert plain.json()["status"] == {"allowed": False}
    status = failure(target, "POST", SAR, body=body())
    assert (status["code"], status["message"]) == (
        422, '.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least '
        "one of user or group must be specified")


@behaviour("K8S-318", "SelfSubjectRulesReview lists the rules the requester holds in a "
           "namespace (resource and non-resource rules, incomplete false, the missing roles "
           "as evaluationError); without a namespace it is 400",
           cite=AUTHZ_DOCS + "#checking-api-access and " + MEASURED)
def test_self_subject_rules_review(target: Target) -> None:
    ns = target.namespace("rbac-ssrr")
    user = _user(target, "lister")
    view = target.as_user(user)
    mine = _rule(["get", "list"], ["configmaps"], names=["c"])
    _role(target, ns, "mine", mine)
    _bind(target, ns, "mine", "Role", "mine", _subject("User", user))
    _bind(target, ns, "broken", "Role", "nope", _subject("User", user))

    def review() -> dict[str, Any]:
        answer = view.http("POST", SSRR, body={
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
            "spec": {"namespace": ns}})
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def holds() -> None:
        assert mine in review()["status"]["resourceRules"]

    eventually(holds)
    found = review()
    assert found["spec"] == {}
    status = found["status"]
    assert (status["incomplete"], status["evaluationError"]) == (
        False, f'role.{GROUP} "nope" not found')
    assert {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"],
            "resources": ["selfsubjectreviews"]} in status["resourceRules"]
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz",
                                                  "/version", "/version/"]} in (
        status["nonResourceRules"])
    bad = failure(view, "POST", SSRR, body={"apiVersion": "authorization.k8s.io/v1",
                                            "kind": "SelfSubjectRulesReview", "spec": {}})
    assert (bad["code"], bad["reason"], bad["message"]) == (400, "BadRequest",
                                                            "no namespace on request")


@behaviour("K8S-319", "kubectl auth can-i answers yes or no (exit status 0 or 1) for the "
           "user it runs as, and --list prints the rules; kubectl auth whoami prints the "
           "user name", cite=AUTHZ_DOCS + "#checking-api-access and " + WHOAMI)
def test_kubectl_auth(target: Target) -> None:
    ns = target.namespace("rbac-kubectl")
    user = _user(target, "kubectl")
    _role(target, ns, "cm", _rule(["get", "list"], ["configmaps"]))
    _bind(target, ns, "cm", "Role", "cm", _subject("User", user))
    view = target.as_user(user)
    _await(view, "GET", f"/api/v1/namespaces/{ns}/configmaps", 200)
    yes = view.kubectl("auth", "can-i", "list", "configmaps", "-n", ns)
    assert (yes.returncode, yes.stdout.strip()) == (0, "yes"), yes.stderr
    no = view.kubectl("auth", "can-i", "delete", "configmaps", "-n", ns)
    assert (no.returncode, no.stdout.strip()) == (1, "no")
    listed = view.kubectl("auth", "can-i", "--list", "-n", ns)
    assert listed.returncode == 0, listed.stderr
    assert any(line.split()[:1] == ["configmaps"] and "[get list]" in line
               for line in listed.stdout.splitlines()), listed.stdout
    whoami = view.kubectl("auth", "whoami", "-o", "json")
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout)["status"]["userInfo"]["username"] == user


ESCALATION = RBAC_DOCS + "#privilege-escalation-prevention-and-bootstrapping"


def _rbac_writer(target: Target, ns: str, hint: str, *more: dict[str, Any]) -> tuple[str, Target]:
    """A user who may write Roles and RoleBindings in ``ns`` and read ConfigMaps there."""
    user = _user(target, hint)
    _role(target, ns, hint, _rule(["create", "update", "patch", "get"], ["roles", "rolebindings"],
                                  groups=[GROUP]),
          _rule(["get", "list"], ["configmaps"]), *more)
    _bind(target, ns, hint, "Role", hint, _subject("User", user))
    view = target.as_user(user)
    _await(view, "GET", f"/api/v1/namespaces/{ns}/configmaps", 200)
    return user, view


def _role_body(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Role", "metadata": {"name": name},
            "rules": list(rules)}


@behaviour("K8S-320", "a user may create or change a Role only with rules it holds "
           "itself: else 403 listing what it does not hold (one line per group, resource "
           "and name, sorted), and nothing is written",
           cite=ESCALATION + " and " + MEASURED)
def test_role_escalation(target: Target) -> None:
    ns = target.namespace("rbac-esc")
    user, view = _rbac_writer(target, ns, "writer")
    roles = f"{RBAC}/namespaces/{ns}/roles"
    held = view.http("POST", roles, body=_role_body("held", _rule(["get"], ["configmaps"])))
    assert held.status_code == 201, held.text
    message, details = _forbidden(view, "POST", roles, _role_body(
        "bad", _rule(["get", "delete"], ["secrets", "configmaps"]),
        _rule(["*"], ["deployments"], groups=["apps"], names=["x"]),
        _rule(["get", "list"], ["secrets"], names=["a"])))
    assert (message, details) == (
        f'roles.{GROUP} "bad" is forbidden: user "{user}" (groups=["system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}\n'
        '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get" "list"]}\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}\n'
        '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["x"], Verbs:["*"]}',
        {"name": "bad", "group": GROUP, "kind": "roles"})
    assert target.http("GET", f"{roles}/bad").status_code == 404
    assert _forbidden(view, "POST", f"{roles}?dryRun=All", _role_body(
        "wild", _rule(["get"], ["configmaps"], groups=["*"])))[0].endswith(
        '\n{APIGroups:["*"], Resources:["configmaps"], Verbs:["get"]}')
    patched = view.http("PATCH", f"{roles}/held", raw=json.dumps(
        {"rules": [_rule(["get"], ["pods"])]}).encode(),
        content_type="application/merge-patch+json")
    assert patched.status_code == 403
    assert patched.json()["message"].endswith('\n{APIGroups:[""], Resources:["pods"], '
                                              'Verbs:["get"]}')
    assert target.http("GET", f"{roles}/held").json()["rules"] == [_rule(["get"],
                                                                          ["configmaps"])]
    # Bindings of the writer whose roles are missing are named at the end.
    _bind(target, ns, "a-missing", "Role", "nope", _subject("User", user))
    _bind(target, ns, "b-missing", "ClusterRole", "nope-either", _subject("User", user))

    def named() -> None:
        assert _forbidden(view, "POST", roles, _role_body(
            "pods", _rule(["get"], ["pods"])))[0].endswith(
            '\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: '
            f'[[roles.{GROUP} "nope" not found, roles.{GROUP} "nope-either" not found]]')

    eventually(named)


@behaviour("K8S-321", "a user may bind a role only when it holds the role's rules or "
           "may 'bind' it; a binding to a role that does not exist is 404 naming the role "
           "as a rolebinding", cite=ESCALATION + " and " + MEASURED)
def test_binding_escalation(target: Target) -> None:
    ns = target.namespace("rbac-bind")
    user, view = _rbac_writer(target, ns, "binder",
                              _rule(["bind"], ["clusterroles"], groups=[GROUP],
                                    names=["view"]))
    bindings = f"{RBAC}/namespaces/{ns}/rolebindings"
    _role(target, ns, "cm", _rule(["get"], ["configmaps"]))
    _role(target, ns, "secrets", _rule(["get"], ["secrets"]))

    def binding(name: str, kind: str, role: str) -> dict[str, Any]:
        return {"apiVersion": f"{GROUP}/v1", "kind": "RoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": GROUP, "kind": kind, "name": role},
                "subjects": [_subject("User", "someone")]}

    assert _code(view, "POST", bindings, binding("held", "Role", "cm")) == 201
    assert _code(view, "POST", bindings, binding("bound", "ClusterRole", "view")) == 201
    assert _forbidden(view, "POST", bindings, binding("bad", "Role", "secrets")) == (
        f'rolebindings.{GROUP} "bad" is forbidden: user "{user}" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
        'currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
        {"name": "bad", "group": GROUP, "kind": "rolebindings"})
    assert _forbidden(view, "POST", bindings, binding("edit", "ClusterRole", "edit"))[0].startswith(
        f'rolebindings.{GROUP} "edit" is forbidden: user "{user}"')
    missing = failure(view, "POST", bindings, body=binding("gone", "Role", "nope"))
    assert (missing["code"], missing["message"], missing["details"]) == (
        404, f'rolebindings.{GROUP} "nope" not found',
        {"name": "nope", "group": GROUP, "kind": "rolebindings"})


@behaviour("K8S-322", "the 'escalate' verb lets a user write any rules; a ClusterRole "
           "with an aggregationRule needs every right ('must have cluster-admin "
           "privileges to use the aggregationRule')", cite=ESCALATION + " and " + MEASURED)
def test_escalate_and_aggregation_rule(target: Target) -> None:
    ns = target.namespace("rbac-escalate")
    _, view = _rbac_writer(target, ns, "escalator",
                              _rule(["escalate"], ["roles"], groups=[GROUP]))
    assert _code(view, "POST", f"{RBAC}/namespaces/{ns}/roles",
                 _role_body("all", _rule(["*"], ["*"], groups=["*"]))) == 201
    writer = _user(target, "aggregator")
    role = _cluster_role(target, "cr-writer", _rule(["create"], ["clusterroles"],
                                                    groups=[GROUP]))
    _cluster_binding(target, "cr-writer", role, _subject("User", writer))
    as_writer = target.as_user(writer)
    name = target.cluster_name("aggregating", f"{RBAC}/clusterroles")
    body = {"apiVersion": f"{GROUP}/v1", "kind": "ClusterRole", "metadata": {"name": name},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}}

    def refused() -> None:
        assert _forbidden(as_writer, "POST", f"{RBAC}/clusterroles", body) == (
            f'clusterroles.{GROUP} "{name}" is forbidden: must have cluster-admin privileges '
            "to use the aggregationRule", {"name": name, "group": GROUP,
                                           "kind": "clusterroles"})

    eventually(refused)


@behaviour("K8S-323", "LocalSubjectAccessReview asks about a user in its own namespace "
           "(201, metadata.namespace set); another namespace or nonResourceAttributes is 422",
           cite=AUTHZ_DOCS + "#checking-api-access and " + MEASURED)
def test_local_subject_access_review(target: Target) -> None:
    ns = target.namespace("rbac-lsar")
    user = _user(target, "local")
    _role(target, ns, "list", _rule(["list"], ["configmaps"]))
    _bind(target, ns, "list", "Role", "list", _subject("User", user))
    path = f"/apis/authorization.k8s.io/v1/namespaces/{ns}/localsubjectaccessreviews"

    def body(**spec: Any) -> dict[str, Any]:
        return {"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
                "spec": {"user": user, **spec}}

    listing = {"namespace": ns, "verb": "list", "resource": "configmaps"}

    def allowed() -> None:
        answer = target.http("POST", path, body=body(resourceAttributes=listing))
        assert answer.status_code == 201, answer.text
        review = answer.json()
        assert (review["kind"], review["metadata"]["namespace"]) == (
            "LocalSubjectAccessReview", ns)
        assert review["status"] == {"allowed": True, "reason": (
            f'RBAC: allowed by RoleBinding "list/{ns}" of Role "list" to User "{user}"')}

    eventually(allowed)
    other = failure(target, "POST", path, body=body(resourceAttributes={
        **listing, "namespace": "other"}))
    assert (other["code"], other["message"]) == (
        422, '.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: '
        'Invalid value: "other": must match metadata.namespace')
    urls = failure(target, "POST", path, body=body(nonResourceAttributes={
        "verb": "get", "path": "/api"}))
    assert (urls["code"], urls["message"]) == (
        422, '.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid '
        'value: {"Path":"/api","Verb":"get"}: disallowed on this kind of request')


@behaviour("K8S-324", "the reviews are created only: GET or PUT of their collection is "
           "405 MethodNotAllowed", cite=AUTHZ_DOCS + "#checking-api-access and " + MEASURED)
def test_reviews_are_create_only(target: Target) -> None:
    for path in (SSAR, SAR, SSRR, SSR, TOKEN_REVIEW):
        for method in ("GET", "PUT"):
            status = failure(target, method, path, body={} if method == "PUT" else None)
            assert (status["code"], status["reason"], status["message"]) == (
                405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource"), path


@behaviour("K8S-325", "TokenReview says whose a bearer token is (201, authenticated, the "
           "user and the apiserver's audience); a token it does not know, or one asked for "
           "another audience, is 'invalid bearer token'; no token is 400; only those allowed "
           "to create tokenreviews may ask",
           cite="https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/"
                "token-review-v1/ and " + MEASURED)
def test_token_review(target: Target) -> None:
    token = target.restricted().restricted_token

    def review(**spec: Any) -> dict[str, Any]:
        answer = target.http("POST", TOKEN_REVIEW, body={
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": spec})
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        assert found["spec"] == spec
        return found["status"]

    known = review(token=token)
    assert (known["authenticated"], known["user"]["username"], known["user"]["groups"],
            known["audiences"]) == (True, "restricted", ["system:authenticated"],
                                    ["https://kubernetes.default.svc.cluster.local"])
    assert review(token="not-a-token") == {"user": {}, "error": "invalid bearer token"}
    assert review(token=token, audiences=["elsewhere"]) == {
        "user": {}, "error": "invalid bearer token"}
    empty = failure(target, "POST", TOKEN_REVIEW, body={"spec": {}})
    assert (empty["code"], empty["reason"], empty["message"]) == (
        400, "BadRequest", "token is required for TokenReview in authentication")
    assert _forbidden(target.as_user(_user(target, "reviewer")), "POST", TOKEN_REVIEW,
                      {"spec": {"token": "x"}})[0].startswith(
        "tokenreviews.authentication.k8s.io is forbidden: User ")


@behaviour("K8S-326", "a request without credentials (no Authorization header, another "
           "scheme, an empty bearer token) is user system:anonymous in "
           "system:unauthenticated: it may read /healthz and /version "
           "(system:public-info-viewer) and nothing else",
           cite="https://kubernetes.io/docs/reference/access-authn-authz/authentication/"
                "#anonymous-requests and " + MEASURED)
def test_anonymous_requests(target: Target) -> None:
    for headers in ({}, {"Authorization": "Basic eDp5"}, {"Authorization": "Bearer "}):
        for path in ("/healthz", "/version"):
            answer = target.http("GET", path, authenticated=False, headers=headers)
            assert answer.status_code == 200, (path, headers)
        status = failure(target, "GET", "/api", authenticated=False, headers=headers)
        assert (status["code"], status["message"]) == (
            403, 'forbidden: User "system:anonymous" cannot get path "/api"')
    status = failure(target, "GET", "/api/v1/namespaces", authenticated=False)
    assert status["message"] == ('namespaces is forbidden: User "system:anonymous" cannot '
                                 'list resource "namespaces" in API group "" at the cluster '
                                 "scope")
