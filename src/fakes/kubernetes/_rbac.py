"""Authorization: who may do what, by RBAC, as kube-apiserver with
``--authorization-mode=RBAC`` decides it. No HTTP here.

Modelled (https://kubernetes.io/docs/reference/access-authn-authz/rbac/):

- users with groups (:class:`User`); every authenticated user is in
  ``system:authenticated``, a ServiceAccount's user is
  ``system:serviceaccount:<namespace>:<name>`` in ``system:serviceaccounts`` and
  ``system:serviceaccounts:<namespace>``; ``system:masters`` may do anything (the
  apiserver's privileged group, decided before RBAC);
- a request's :class:`Attributes` checked against the rules of the Roles and
  ClusterRoles that RoleBindings (in the request's namespace) and ClusterRoleBindings
  grant the user: verbs, API groups, resources with subresources (``pods/log``,
  ``*/scale``), resourceNames, ``*`` wildcards and nonResourceURLs (``/healthz``,
  ``/api/*``); a binding whose role is missing grants nothing and is named in the
  reason (measured);
- ClusterRole aggregation: a ClusterRole with an ``aggregationRule`` holds the rules of
  the ClusterRoles its label selectors pick, in name order without repeats, rewritten
  whenever a ClusterRole changes, as the clusterrole-aggregation controller does (at
  once, inside the write, where the real controller acts a moment later);
- the bootstrap policy of a new cluster (``rbac.json``, measured, see
  ``scripts/generate-kubernetes-rbac.py``): cluster-admin, admin, edit, view and their
  aggregate-to-* roles, system:discovery, system:basic-user and
  system:public-info-viewer, with the bindings that give discovery and the review APIs
  to every authenticated user;
- the rules a user holds in a namespace (SelfSubjectRulesReview).

The policy is indexed by subject and rebuilt only when an RBAC object changes, so that
a request costs a few dictionary lookups whatever the number of bindings.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import attrs

from fakes.kubernetes._rules import label_selector

if TYPE_CHECKING:
    from fakes.kubernetes._model import Cluster

GROUP = "rbac.authorization.k8s.io"
MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS = "system:serviceaccounts"
#: The field manager and actor of the aggregation's writes (as on a real cluster).
AGGREGATOR = "clusterrole-aggregation-controller"
#: The field manager a real cluster's bootstrap policy is written by.
BOOTSTRAPPER = "kube-apiserver"
_POLICY_KINDS = frozenset({"roles", "rolebindings", "clusterroles", "clusterrolebindings"})

Key = tuple[str, str, str, str]


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class User:
    """An authenticated user: its name, groups and uid (the token file's uid column)."""

    name: str
    groups: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    uid: str = ""
    #: Extra attributes (key, values), as impersonation can set them.
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def service_account(cls, namespace: str, name: str) -> User:
        """The user a ServiceAccount's token authenticates as."""
        return cls(f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}",
                   (SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{namespace}"))

    def authenticated(self) -> User:
        """This user as the apiserver sees it once authenticated: in
        ``system:authenticated`` (last, unless it is there already)."""
        if AUTHENTICATED in self.groups:
            return self
        return attrs.evolve(self, groups=(*self.groups, AUTHENTICATED))

    def to_json(self) -> dict[str, Any]:
        """A ``UserInfo``, as SelfSubjectReview and SubjectAccessReview show one."""
        info: dict[str, Any] = {"username": self.name}
        if self.uid:
            info["uid"] = self.uid
        if self.groups:
            info["groups"] = list(self.groups)
        if self.extra:
            info["extra"] = {key: list(values) for key, values in sorted(self.extra)}
        return info


def service_account_of(user_name: str) -> tuple[str, str] | None:
    """(namespace, name) of a ServiceAccount's user name, else None."""
    if not user_name.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    namespace, sep, name = user_name[len(SERVICE_ACCOUNT_PREFIX):].partition(":")
    return (namespace, name) if sep and namespace and name and ":" not in name else None


@attrs.frozen
class Attributes:
    """What a request asks to do, as the apiserver's request info names it: a resource
    request (``resource`` set) or a request for a non-resource ``path``."""

    verb: str
    resource: str = ""
    subresource: str = ""
    group: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""

    @property
    def is_resource(self) -> bool:
        return bool(self.resource)


@attrs.frozen
class Decision:
    """Allowed or not, and the reason the authorizer gives (empty where it gives none)."""

    allowed: bool
    reason: str = ""


@attrs.frozen
class Rule:
    """One PolicyRule, with its lists as sets for quick matching."""

    verbs: frozenset[str]
    groups: frozenset[str]
    resources: frozenset[str]
    names: frozenset[str]
    urls: tuple[str, ...]
    source: Mapping[str, Any] = attrs.field(eq=False, hash=False)

    @classmethod
    def of(cls, rule: Mapping[str, Any]) -> Rule:
        def strings(field: str) -> list[str]:
            values = rule.get(field)
            return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []

        return cls(frozenset(strings("verbs")), frozenset(strings("apiGroups")),
                   frozenset(strings("resources")), frozenset(strings("resourceNames")),
                   tuple(strings("nonResourceURLs")), rule)

    def allows(self, request: Attributes) -> bool:
        if "*" not in self.verbs and request.verb not in self.verbs:
            return False
        if not request.is_resource:
            return any(url == "*" or url == request.path
                       or (url.endswith("*") and request.path.startswith(url[:-1]))
                       for url in self.urls)
        if "*" not in self.groups and request.group not in self.groups:
            return False
        if request.subresource:
            wanted = f"{request.resource}/{request.subresource}"
            if not ({"*", wanted, f"*/{request.subresource}"} & self.resources):
                return False
        elif not ({"*", request.resource} & self.resources):
            return False
        return not self.names or request.name in self.names


@attrs.frozen
class Binding:
    """A RoleBinding or ClusterRoleBinding, as far as authorization needs it."""

    kind: str
    namespace: str
    name: str
    role_kind: str
    role_name: str

    @property
    def shown(self) -> str:
        return f"{self.name}/{self.namespace}" if self.namespace else self.name


class Policy:
    """The cluster's RBAC objects, indexed by subject: user name or group name."""

    def __init__(self, objects: Iterable[tuple[Key, Mapping[str, Any]]]) -> None:
        self.roles: dict[tuple[str, str], tuple[Rule, ...]] = {}
        self.cluster_roles: dict[str, tuple[Rule, ...]] = {}
        #: ("User" | "Group", name) -> the bindings naming it, with the subject shown.
        self.by_subject: dict[tuple[str, str], list[tuple[Binding, str]]] = {}
        for (_group, plural, namespace, name), obj in sorted(objects, key=lambda e: e[0]):
            if plural in ("roles", "clusterroles"):
                rules = tuple(Rule.of(r) for r in obj.get("rules") or [] if isinstance(r, dict))
                if plural == "roles":
                    self.roles[(namespace, name)] = rules
                else:
                    self.cluster_roles[name] = rules
            else:
                self._index(plural, namespace, name, obj)

    def _index(self, plural: str, namespace: str, name: str, obj: Mapping[str, Any]) -> None:
        ref = obj.get("roleRef") or {}
        binding = Binding("RoleBinding" if plural == "rolebindings" else "ClusterRoleBinding",
                          namespace, name, str(ref.get("kind", "")), str(ref.get("name", "")))
        for subject in obj.get("subjects") or []:
            kind, subject_name = subject.get("kind"), str(subject.get("name", ""))
            if kind == "ServiceAccount":
                account_namespace = subject.get("namespace") or namespace
                if not account_namespace:
                    continue
                key = ("User", f"{SERVICE_ACCOUNT_PREFIX}{account_namespace}:{subject_name}")
                shown = f'ServiceAccount "{subject_name}/{account_namespace}"'
            elif kind in ("User", "Group"):
                key, shown = (kind, subject_name), f'{kind} "{subject_name}"'
            else:
                continue
            self.by_subject.setdefault(key, []).append((binding, shown))

    def bindings(self, user: User, namespace: str) -> list[tuple[Binding, str]]:
        """The bindings that apply to ``user`` for a request in ``namespace`` (cluster
        ones first, then the namespace's, each in name order)."""
        found: dict[Binding, str] = {}
        for key in (("User", user.name), *(("Group", g) for g in user.groups)):
            for binding, shown in self.by_subject.get(key, ()):
                if binding.kind == "ClusterRoleBinding" or (namespace
                                                             and binding.namespace == namespace):
                    found.setdefault(binding, shown)
        return sorted(found.items(), key=lambda e: (e[0].kind == "RoleBinding",
                                                    e[0].namespace, e[0].name))

    def rules_of(self, binding: Binding) -> tuple[Rule, ...] | str:
        """The rules a binding grants, or the error naming its missing role."""
        if binding.role_kind == "ClusterRole":
            rules = self.cluster_roles.get(binding.role_name)
            missing = f'clusterrole.{GROUP} "{binding.role_name}" not found'
        elif binding.role_kind == "Role" and binding.kind == "RoleBinding":
            rules = self.roles.get((binding.namespace, binding.role_name))
            missing = f'role.{GROUP} "{binding.role_name}" not found'
        else:
            return f"unsupported role reference kind: {binding.role_kind!r}"
        return missing if rules is None else rules

    def decide(self, user: User, request: Attributes) -> Decision:
        """What the RBAC authorizer says (the reason is what real ones answer, measured)."""
        errors = []
        for binding, subject in self.bindings(user, request.namespace):
            rules = self.rules_of(binding)
            if isinstance(rules, str):
                errors.append(rules)
                continue
            if any(rule.allows(request) for rule in rules):
                return Decision(True, f'RBAC: allowed by {binding.kind} "{binding.shown}" of '
                                      f'{binding.role_kind} "{binding.role_name}" to {subject}')
        return Decision(False, f"rbac: RBAC: {_aggregate(errors)}" if errors else "")

    def rules_for(self, user: User, namespace: str
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Binding]]:
        """The resource rules and non-resource rules ``user`` holds in ``namespace``,
        and the bindings whose role is missing (SelfSubjectRulesReview, escalation)."""
        resource_rules: list[dict[str, Any]] = []
        url_rules: list[dict[str, Any]] = []
        broken = []
        for binding, _subject in self.bindings(user, namespace):
            rules = self.rules_of(binding)
            if isinstance(rules, str):
                broken.append(binding)
                continue
            for rule in rules:
                source = rule.source
                if rule.urls:
                    url_rules.append({"verbs": list(source.get("verbs") or []),
                                      "nonResourceURLs": list(rule.urls)})
                else:
                    resource_rules.append({k: list(source[k]) for k in (
                        "verbs", "apiGroups", "resources", "resourceNames") if source.get(k)}
                        | {"verbs": list(source.get("verbs") or [])})
        return resource_rules, url_rules, broken

    def evaluation_error(self, broken: Sequence[Binding]) -> str:
        """The bindings with missing roles as the authorizer names them."""
        errors = [self.rules_of(b) for b in broken]
        return _aggregate([e for e in errors if isinstance(e, str)]) if errors else ""


def _aggregate(errors: Sequence[str]) -> str:
    """Several errors as Go's aggregate error prints them."""
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


class PolicyState:
    """A cluster's authorization state: the policy index, rebuilt after RBAC writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._policy: Policy | None = None
        self.aggregating = False

    def changed(self) -> None:
        with self._lock:
            self._policy = None

    def policy(self, objects: Mapping[Key, Mapping[str, Any]]) -> Policy:
        with self._lock:
            if self._policy is None:
                self._policy = Policy((k, o) for k, o in list(objects.items())
                                      if k[0] == GROUP and k[1] in _POLICY_KINDS)
            return self._policy


def is_policy(group: str, plural: str) -> bool:
    return group == GROUP and plural in _POLICY_KINDS


def policy_changed(cluster: Cluster, plural: str) -> None:
    """After a write of an RBAC object: forget the index, aggregate ClusterRoles again."""
    cluster.rbac.changed()
    if plural == "clusterroles":
        aggregate(cluster)


def aggregate(cluster: Cluster) -> None:
    """The clusterrole-aggregation controller: give every aggregating ClusterRole the
    rules of the ClusterRoles its selectors pick, worked out to the end (an aggregating
    role can pick another) before anything is written."""
    state = cluster.rbac
    if state.aggregating:
        return  # a write of this pass, or the bootstrap, which aggregates at its end
    rt = cluster.types.get(GROUP, "v1", "clusterroles")
    assert rt is not None
    state.aggregating = True
    try:
        roles = {o["metadata"]["name"]: o for o in cluster.list_objects(rt, None).items}
        changed: dict[str, list[Any]] = {}
        for _ in range(100):  # a cycle of aggregating roles converges too; stop anyway
            pending = {name: rules for name, role in sorted(roles.items())
                       if (rules := _aggregated_rules(role, roles)) is not None
                       and rules != (role.get("rules") or [])}
            if not pending:
                break
            for name, rules in pending.items():
                roles[name] = {**roles[name], "rules": rules}
                changed[name] = rules
        for name, rules in sorted(changed.items()):
            cluster.apply(rt, "", name, {"apiVersion": rt.api_version, "kind": rt.kind,
                                         "metadata": {"name": name}, "rules": rules},
                          AGGREGATOR, AGGREGATOR, force=True)
    finally:
        state.aggregating = False


def seed_bootstrap_policy(cluster: Cluster, actor: str) -> None:
    """Write the bootstrap ClusterRoles and ClusterRoleBindings into a new cluster,
    aggregated once at the end."""
    roles, bindings = bootstrap_policy()
    cluster.rbac.aggregating = True
    try:
        for plural, objects in (("clusterroles", roles), ("clusterrolebindings", bindings)):
            rt = cluster.types.get(GROUP, "v1", plural)
            assert rt is not None
            for obj in objects:
                cluster.create(rt, "", obj, actor, manager=BOOTSTRAPPER)
    finally:
        cluster.rbac.aggregating = False
    aggregate(cluster)


def _aggregated_rules(role: Mapping[str, Any], roles: Mapping[str, Mapping[str, Any]]
                      ) -> list[Any] | None:
    rule = role.get("aggregationRule")
    if not isinstance(rule, dict):
        return None
    rules: list[Any] = []
    for selector in rule.get("clusterRoleSelectors") or []:
        chosen = label_selector(selector)
        for name, other in sorted(roles.items()):
            if name == role["metadata"]["name"]:
                continue
            if chosen.matches(other["metadata"].get("labels")):
                rules.extend(r for r in other.get("rules") or [] if r not in rules)
    return rules


@cache
def bootstrap_policy() -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """The ClusterRoles and ClusterRoleBindings a new cluster has (``rbac.json``)."""
    data = json.loads(resources.files("fakes.kubernetes").joinpath("rbac.json").read_text())
    return tuple(data["clusterRoles"]), tuple(data["clusterRoleBindings"])


# -- escalation prevention -----------------------------------------------------------------

#: What a ClusterRole with an aggregationRule may gather: anything.
FULL_AUTHORITY = ({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                  {"verbs": ["*"], "nonResourceURLs": ["*"]})


def _breakdown(rule: Mapping[str, Any]) -> list[dict[str, list[str]]]:
    """A rule as single-verb rules of one group, resource and name (or URL)."""
    def strings(field: str) -> list[str]:
        values = rule.get(field)
        return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []

    verbs, names = strings("verbs"), strings("resourceNames")
    parts: list[dict[str, list[str]]] = []
    for group in strings("apiGroups"):
        for resource in strings("resources"):
            for verb in verbs:
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                parts += [{**base, "resourceNames": [n]} for n in names] if names else [base]
    parts += [{"nonResourceURLs": [url], "verbs": [verb]}
              for url in strings("nonResourceURLs") for verb in verbs]
    return parts


def _covers(owner: Mapping[str, Any], part: Mapping[str, list[str]]) -> bool:
    """Whether ``owner`` grants all of the single rule ``part`` ('*' in ``part`` needs
    '*' in ``owner``)."""
    def has(field: str, wanted: str) -> bool:
        return wanted in (owner.get(field) or [])

    def all_of(field: str) -> bool:
        return has(field, "*") or all(has(field, v) for v in part.get(field, []))

    def resource(wanted: str) -> bool:
        sub = wanted.partition("/")[2]
        return has("resources", "*") or has("resources", wanted) or bool(
            sub and has("resources", f"*/{sub}"))

    def url(wanted: str) -> bool:
        return any(u == wanted or (u.endswith("*") and wanted.startswith(u[:-1]))
                   for u in owner.get("nonResourceURLs") or [])

    names = owner.get("resourceNames") or []
    return (all_of("verbs") and all_of("apiGroups")
            and all(resource(r) for r in part.get("resources", []))
            and all(url(u) for u in part.get("nonResourceURLs", []))
            and (not names or all(n in names for n in part.get("resourceNames", []))))


def _go_strings(values: Sequence[str]) -> str:
    """A []string as Go's %q prints it: ["a" "b"]."""
    return "[" + " ".join(json.dumps(v) for v in values) + "]"


def _compact_string(rule: Mapping[str, list[str]]) -> str:
    fields = (("APIGroups", "apiGroups"), ("Resources", "resources"),
              ("NonResourceURLs", "nonResourceURLs"), ("ResourceNames", "resourceNames"),
              ("Verbs", "verbs"))
    return "{" + ", ".join(f"{go}:{_go_strings(rule[key])}" for go, key in fields
                           if rule.get(key)) + "}"


def not_held(owner: Sequence[Mapping[str, Any]], granted: Iterable[Mapping[str, Any]]
             ) -> list[str]:
    """What of ``granted`` the ``owner`` rules do not grant, as the apiserver lists it
    in its escalation refusal: single rules merged by group, resource and name (their
    verbs in order), sorted."""
    merged: dict[tuple[str, ...], dict[str, list[str]]] = {}
    urls: list[dict[str, list[str]]] = []
    for rule in granted:
        for part in _breakdown(rule):
            if any(_covers(o, part) for o in owner):
                continue
            if "nonResourceURLs" in part:
                urls.append(part)
                continue
            key = (part["apiGroups"][0], part["resources"][0], *part.get("resourceNames", []))
            if key in merged:
                merged[key]["verbs"] += part["verbs"]
            else:
                merged[key] = {k: list(v) for k, v in part.items()}
    return sorted(_compact_string(r) for r in (*merged.values(), *urls))


def escalation(user: User, missing: Sequence[str], broken: Sequence[Binding]) -> str:
    """The reason the apiserver gives for refusing a grant of ``missing``; the rule
    resolver names every missing role as a Role (measured)."""
    reason = (f'user "{user.name}" (groups={_go_strings(user.groups)}) is attempting to grant '
              "RBAC permissions not currently held:\n" + "\n".join(missing))
    if not broken:
        return reason
    errors = _aggregate([f'roles.{GROUP} "{b.role_name}" not found' for b in broken])
    return f"{reason}; resolution errors: [{errors}]"
