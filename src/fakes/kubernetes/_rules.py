"""The validation a kind's registry adds to the generic checks: one function per kind.

Each function takes the object being written and, on an update, the stored one, and
returns the field errors the apiserver answers 422 Invalid with, in the order it lists
them. Causes, reasons and messages were measured on kube-apiserver v1.37.2 (the
conformance behaviours K8S-240 to K8S-249 and K8S-259 pin them), following
``pkg/apis/*/validation/validation.go``.

Where the real message ends with a dump of Go structures (a Pod's or a
PersistentVolumeClaim's spec diff, a Job's template), the fake's message keeps the
sentence and leaves the dump out, or shows the value as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fakes.kubernetes._cron import Schedule
from fakes.kubernetes._errors import Cause
from fakes.kubernetes._quantity import negative_resources
from fakes.kubernetes._resources import ResourceType
from fakes.kubernetes._selectors import LabelSelector, Requirement
from fakes.kubernetes._validation import dns1123_label

Rule = Callable[[Mapping[str, Any], Mapping[str, Any] | None], list[Cause]]
_IMMUTABLE = "field is immutable"
_WHEN_IMMUTABLE = "field is immutable when `immutable` is set"
_POD_UPDATE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)")
# The fake models the first four; a grace period is never negative in it.
_PVC_UPDATE = ("spec is immutable after creation except resources.requests and "
               "volumeAttributesClassName for bound claims")


def kind_rules(rt: ResourceType, new: Mapping[str, Any],
               old: Mapping[str, Any] | None) -> list[Cause]:
    """The causes ``new`` (replacing ``old``, or created when None) is refused for."""
    rule = RULES.get((rt.group, rt.kind))
    return rule(new, old) if rule is not None else []


def _go_json(value: Any) -> str:
    """A value as Go's encoding/json shows it in a field error: maps sorted, compact."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _invalid(field: str, shown: str, detail: str) -> Cause:
    return Cause("FieldValueInvalid", field, f"Invalid value: {shown}: {detail}")


def _spec(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    spec = (obj or {}).get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _selector_json(selector: Mapping[str, Any]) -> str:
    """A metav1.LabelSelector as Go marshals it: its fields in declaration order."""
    ordered: dict[str, Any] = {}
    if selector.get("matchLabels"):
        ordered["matchLabels"] = dict(sorted(selector["matchLabels"].items()))
    if selector.get("matchExpressions"):
        ordered["matchExpressions"] = [
            {k: e[k] for k in ("key", "operator", "values") if e.get(k) is not None}
            for e in selector["matchExpressions"]]
    return json.dumps(ordered, separators=(",", ":"))


def label_selector(selector: Mapping[str, Any]) -> LabelSelector:
    """The selector a metav1.LabelSelector says (matchLabels and matchExpressions)."""
    operators = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    requirements = [Requirement(k, "=", (str(v),))
                    for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        requirements.append(Requirement(
            str(expression.get("key", "")), operators.get(str(expression.get("operator")), "in"),
            tuple(str(v) for v in expression.get("values") or ())))
    return LabelSelector(tuple(requirements))


def _workload(kind: str, *, selector_required: bool) -> Rule:
    """Deployments, ReplicaSets, StatefulSets and DaemonSets: replicas not negative, a
    selector that matches the template's labels and never changes (apps/v1), and a
    Pod template that always restarts."""

    def check(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
        spec, causes = _spec(new), []
        replicas = spec.get("replicas")
        if isinstance(replicas, int) and replicas < 0:
            causes.append(_invalid("spec.replicas", str(replicas),
                                   "must be greater than or equal to 0"))
        selector = spec.get("selector")
        if old is not None and selector != _spec(old).get("selector"):
            causes.append(_invalid("spec.selector", _selector_json(selector or {}),
                                   _IMMUTABLE))
        if selector is None:
            if selector_required:
                causes.append(Cause("FieldValueRequired", "spec.selector", "Required value"))
        elif not selector.get("matchLabels") and not selector.get("matchExpressions"):
            causes.append(_invalid("spec.selector", _selector_json(selector),
                                   f"empty selector is invalid for {kind}"))
            return causes
        template = spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        if selector is None or not label_selector(selector).matches(labels):
            causes.append(_invalid("spec.template.metadata.labels", _go_json(labels),
                                   "`selector` does not match template `labels`"))
        return causes + pod_spec(template.get("spec"), "spec.template.spec", ALWAYS)

    return check


#: The restart policies a Pod may have, and those a workload's or a Job's template may.
ANY_RESTART = ("Always", "OnFailure", "Never")
ALWAYS = ("Always",)
FINISHING = ("OnFailure", "Never")


def pod_spec(spec: Any, path: str, restart: tuple[str, ...]) -> list[Cause]:
    """A Pod spec's containers (there is one; each has an image and a name that is a
    DNS label, unique in the Pod) and its restart policy."""
    if not isinstance(spec, Mapping):
        spec = {}
    causes: list[Cause] = []
    seen: set[str] = set()
    for field in ("containers", "initContainers"):
        containers = spec.get(field) or []
        if field == "containers" and not containers:
            causes.append(Cause("FieldValueRequired", f"{path}.containers", "Required value"))
        for index, container in enumerate(containers):
            if not isinstance(container, Mapping):
                continue
            at = f"{path}.{field}[{index}]"
            name = str(container.get("name") or "")
            if not name:  # measured: a missing name is required, not an invalid label
                causes.append(Cause("FieldValueRequired", f"{at}.name", "Required value"))
            else:
                causes += [_invalid(f"{at}.name", json.dumps(name), e)
                           for e in dns1123_label(name)]
            if name in seen:
                causes.append(Cause("FieldValueDuplicate", f"{at}.name",
                                    f"Duplicate value: {json.dumps(name)}"))
            seen.add(name)
            if not container.get("image"):
                causes.append(Cause("FieldValueRequired", f"{at}.image", "Required value"))
            causes += negative_resources(container.get("resources"), f"{at}.resources")
    policy = spec.get("restartPolicy")
    if restart == FINISHING and policy not in restart:
        causes.append(Cause("FieldValueRequired", f"{path}.restartPolicy",
                            'Required value: valid values: "OnFailure", "Never"'))
    elif restart != FINISHING and policy not in restart:
        supported = ", ".join(json.dumps(p) for p in restart)
        causes.append(Cause("FieldValueNotSupported", f"{path}.restartPolicy",
                            f"Unsupported value: {json.dumps(policy)}: supported values: "
                            f"{supported}"))
    return causes


def _immutable_data(*fields: str, type_too: bool = False) -> Rule:
    """ConfigMaps and Secrets: once ``immutable`` is true, it and the data stay."""

    def check(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
        causes: list[Cause] = []
        if old is None:
            return causes
        if type_too and new.get("type") != old.get("type"):
            causes.append(_invalid("type", json.dumps(new.get("type")), _IMMUTABLE))
        if old.get("immutable") is True:
            if new.get("immutable") is not True:
                causes.append(Cause("FieldValueForbidden", "immutable",
                                    f"Forbidden: {_WHEN_IMMUTABLE}"))
            causes += [Cause("FieldValueForbidden", field, f"Forbidden: {_WHEN_IMMUTABLE}")
                       for field in fields if (new.get(field) or {}) != (old.get(field) or {})]
        return causes

    return check


_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_CONFIG_KEY_MESSAGE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')")


def _config_key(key: str) -> list[str]:
    """What is wrong with a ConfigMap's or Secret's key (IsConfigMapKey)."""
    if len(key) > 253:
        return ["must be no more than 253 characters"]
    if not _CONFIG_KEY.fullmatch(key):
        return [_CONFIG_KEY_MESSAGE]
    if key in (".", ".."):
        return [f"must not be '{key}'"]
    if key.startswith(".."):
        return ["must not start with '..'"]
    return []


def _keys(obj: Mapping[str, Any], field: str, *, elsewhere: str | None = None
          ) -> list[Cause]:
    causes = []
    others = obj.get(elsewhere) or {} if elsewhere else {}
    for key in obj.get(field) or {}:
        causes += [_invalid(f"{field}[{key}]", json.dumps(key), e) for e in _config_key(key)]
        if key in others:
            causes.append(_invalid(f"{field}[{key}]", json.dumps(key),
                                   f"duplicate of key present in {elsewhere}"))
    return causes


def _configmap(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    return (_keys(new, "data", elsewhere="binaryData") + _keys(new, "binaryData")
            + _immutable_data("data", "binaryData")(new, old))


#: The keys a Secret of these types must have in its data (the other types' own rules,
#: such as a docker config's JSON, are not modelled).
_SECRET_KEYS = {"kubernetes.io/tls": ("tls.crt", "tls.key")}


def _secret(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    causes = _immutable_data("data", type_too=True)(new, old) + _keys(new, "data")
    data = new.get("data") or {}
    causes += [Cause("FieldValueRequired", f"data[{key}]", "Required value")
               for key in _SECRET_KEYS.get(str(new.get("type")), ()) if key not in data]
    return causes


def _service(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    spec, causes = _spec(new), []
    if old is not None:
        before = _spec(old)
        ips = list(spec.get("clusterIPs") or [])
        if spec.get("clusterIP") != before.get("clusterIP") and ips == before.get("clusterIPs"):
            ips = [spec.get("clusterIP")]  # only clusterIP was changed: it leads
        if before.get("clusterIPs") and ips[:1] != before["clusterIPs"][:1]:
            causes.append(_invalid("spec.clusterIPs[0]", _go_json(ips), "may not change once set"))
    headless = spec.get("clusterIP") == "None"
    if not spec.get("ports") and not headless and spec.get("type") != "ExternalName":
        causes.append(Cause("FieldValueRequired", "spec.ports", "Required value"))
    return causes


def _job(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    spec = _spec(new)
    template = spec.get("template") or {}
    causes = pod_spec(template.get("spec"), "spec.template.spec", FINISHING)
    if old is None:
        return causes
    before = _spec(old)
    for field in ("selector", "completions", "completionMode"):
        if field in before and spec.get(field) != before.get(field):
            causes.append(_invalid(f"spec.{field}", _go_json(spec.get(field)), _IMMUTABLE))
    template, was = spec.get("template") or {}, before.get("template") or {}
    if before.get("suspend") is True:
        # A suspended Job's Pods may still be placed otherwise: its template's metadata
        # and scheduling directives can change, the rest of its spec cannot (measured).
        mine, theirs = (_unscheduled(t.get("spec") or {}) for t in (template, was))
        if mine != theirs:
            causes.append(_invalid("spec.template.spec", _go_json(template.get("spec")),
                                   _IMMUTABLE))
    elif template != was:
        causes.append(_invalid("spec.template", _go_json(template), _IMMUTABLE))
    return causes


def _unscheduled(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items()
            if k not in ("nodeSelector", "tolerations", "affinity", "schedulingGates")}


def _claim(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    if old is None:
        return []
    spec, before = dict(_spec(new)), dict(_spec(old))
    # Requests may grow only where a StorageClass allows expansion: the fake has none.
    for changeable in (spec, before):
        changeable.pop("volumeAttributesClassName", None)
    if "storageClassName" not in before:  # a class may be set once on a claim without one
        spec.pop("storageClassName", None)
    if not before.get("volumeName"):  # so may a volume: the binder names the one it chose
        spec.pop("volumeName", None)
        before.pop("volumeName", None)
    if spec != before:
        return [Cause("FieldValueForbidden", "spec", f"Forbidden: {_PVC_UPDATE}")]
    return []


def _pod(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    if old is None:
        return pod_spec(new.get("spec"), "spec", ANY_RESTART)
    causes: list[Cause] = []
    spec, before = _comparable_pod_spec(_spec(new), _spec(old))
    kept = spec.pop("tolerations", None) or []
    if any(not any(_same_toleration(was, now) for now in kept)
           for was in before.pop("tolerations", None) or []):
        causes.append(Cause("FieldValueForbidden", "spec.tolerations", "Forbidden: existing "
                            "toleration can not be modified except its tolerationSeconds"))
    if spec != before:
        causes.append(Cause("FieldValueForbidden", "spec", f"Forbidden: {_POD_UPDATE}"))
    return causes


def _same_toleration(was: Any, now: Any) -> bool:
    """Tolerations may only be added to; an existing one may change its seconds."""
    if not isinstance(was, Mapping) or not isinstance(now, Mapping):
        return bool(was == now)
    return {k: v for k, v in was.items() if k != "tolerationSeconds"} == {
        k: v for k, v in now.items() if k != "tolerationSeconds"}


def _comparable_pod_spec(new: Mapping[str, Any], old: Mapping[str, Any]
                         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both specs without the container images and a shortened deadline, which a Pod
    update may change."""
    spec, before = json.loads(json.dumps(new)), json.loads(json.dumps(old))
    for field in ("containers", "initContainers"):
        mine, theirs = spec.get(field) or [], before.get(field) or []
        if len(mine) == len(theirs):
            for a, b in zip(mine, theirs, strict=True):
                if isinstance(a, dict) and isinstance(b, dict):
                    a.pop("image", None)
                    b.pop("image", None)
    deadline, was = spec.get("activeDeadlineSeconds"), before.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and deadline > 0 and (was is None or deadline <= was):
        spec.pop("activeDeadlineSeconds")
        before.pop("activeDeadlineSeconds", None)
    return spec, before


def _lease(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    spec, causes = _spec(new), []
    duration, transitions = spec.get("leaseDurationSeconds"), spec.get("leaseTransitions")
    if isinstance(duration, int) and duration <= 0:
        causes.append(_invalid("spec.leaseDurationSeconds", str(duration),
                               "must be greater than 0"))
    if isinstance(transitions, int) and transitions < 0:
        causes.append(_invalid("spec.leaseTransitions", str(transitions),
                               "must be greater than or equal to 0"))
    return causes


def _cron_job(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[Cause]:
    causes = _schedule(_spec(new))
    template = ((_spec(new).get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    return causes + pod_spec(template.get("spec"), "spec.jobTemplate.spec.template.spec",
                             FINISHING)


def _schedule(spec: Mapping[str, Any]) -> list[Cause]:
    """The schedule parses as the cronjob controller parses it; the time zone exists."""
    causes = []
    schedule = spec.get("schedule")
    if isinstance(schedule, str) and schedule:
        try:
            if "TZ" in schedule:
                raise ValueError("cannot use TZ or CRON_TZ in schedule, use timeZone field "
                                 "instead")
            Schedule.parse(schedule)
        except ValueError as error:
            causes.append(_invalid("spec.schedule", json.dumps(schedule), str(error)))
    zone = spec.get("timeZone")
    if isinstance(zone, str):
        try:
            ZoneInfo(zone)
        except (ValueError, ZoneInfoNotFoundError):
            causes.append(_invalid("spec.timeZone", json.dumps(zone),
                                   f"unknown time zone {zone}"))
    return causes


def _replication_controller(new: Mapping[str, Any], old: Mapping[str, Any] | None
                            ) -> list[Cause]:
    template = _spec(new).get("template") or {}
    return pod_spec(template.get("spec"), "spec.template.spec", ALWAYS)


RULES: Mapping[tuple[str, str], Rule] = {
    ("apps", "Deployment"): _workload("deployment", selector_required=True),
    # The ReplicaSet's message says "deployment" too (measured).
    ("apps", "ReplicaSet"): _workload("deployment", selector_required=True),
    ("apps", "StatefulSet"): _workload("statefulset", selector_required=True),
    ("apps", "DaemonSet"): _workload("daemonset", selector_required=False),
    ("", "ConfigMap"): _configmap,
    ("", "Secret"): _secret,
    ("", "Service"): _service,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("", "ReplicationController"): _replication_controller,
    ("", "PersistentVolumeClaim"): _claim,
    ("", "Pod"): _pod,
    ("coordination.k8s.io", "Lease"): _lease,
}
