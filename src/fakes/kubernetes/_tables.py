"""Server-side printing: objects as a ``meta.k8s.io/v1`` Table, and as their metadata.

``kubectl get`` asks for a Table and prints the columns the server chose
(https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables).
The column definitions are kube-apiserver v1.37.2's own, measured and kept in
``tables.json``; the cells are computed here as its printers compute them
(``pkg/printers/internalversion/printers.go``), checked row by row by the
conformance suite. Ages are the fake's clock minus ``creationTimestamp``, worded as
``k8s.io/apimachinery/pkg/util/duration.HumanDuration`` words them.

Every kind of the built-in registry has a printer. Any other resource type (a
custom resource) is printed as kube-apiserver prints custom resources: Name, then
the columns of its ``printer_columns`` (the CRD's additionalPrinterColumns: name,
type, jsonPath, description, priority, format; cells read by a simple JSONPath,
``date`` ones shown as ages), or Name and Age where it declares none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import cache
from importlib import resources
from typing import Any

import attrs

from fakes.kubernetes._errors import bad_request
from fakes.kubernetes._media import Representation, negotiate
from fakes.kubernetes._resources import ResourceType

Cells = list[Any]
Printer = Callable[[Mapping[str, Any], datetime], Cells]

INCLUDE_OBJECT = ("Metadata", "Object", "None", "")


@cache
def _columns() -> dict[str, list[dict[str, Any]]]:
    data = json.loads(resources.files("fakes.kubernetes").joinpath("tables.json").read_text())
    columns: dict[str, list[dict[str, Any]]] = data["columns"]
    return columns


def human_duration(seconds: float) -> str:
    """A duration as kubectl and the apiserver's printers show it: ``5s``, ``2m3s``,
    ``5h``, ``3d4h``, ``2y10d``."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        return f"{hours // 24 // 365}y{rest}d" if rest else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _since(value: Any, now: datetime) -> str:
    at = _parse_time(value)
    return "<unknown>" if at is None else human_duration((now - at).total_seconds())


def _map(obj: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    for key in path:
        value = obj.get(key)
        obj = value if isinstance(value, Mapping) else {}
    return obj


def _list(obj: Mapping[str, Any], *path: str) -> list[Any]:
    value = _map(obj, *path[:-1]).get(path[-1])
    return value if isinstance(value, list) else []


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _name(obj: Mapping[str, Any]) -> str:
    return str(_map(obj, "metadata").get("name", ""))


def _age(obj: Mapping[str, Any], now: datetime) -> str:
    return _since(_map(obj, "metadata").get("creationTimestamp"), now)


def format_labels(labels: Mapping[str, Any]) -> str:
    """``labels.FormatLabels``: ``k=v`` pairs sorted by key, ``<none>`` for none."""
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels)) or "<none>"


def format_selector(selector: Mapping[str, Any], *, empty: str = "") -> str:
    """A ``metav1.LabelSelector`` as ``LabelSelectorAsSelector(...).String()`` words it:
    requirements sorted by key, set values sorted."""
    requirements: list[tuple[str, str]] = []
    for key, value in (_map(selector, "matchLabels")).items():
        requirements.append((key, f"{key}={value}"))
    operators = {"In": "in", "NotIn": "notin"}
    for expression in _list(selector, "matchExpressions"):
        if not isinstance(expression, Mapping):
            continue
        key, operator = str(expression.get("key", "")), expression.get("operator")
        values = sorted(str(v) for v in expression.get("values") or [])
        if operator in operators:
            requirements.append((key, f"{key} {operators[operator]} ({','.join(values)})"))
        elif operator == "Exists":
            requirements.append((key, key))
        elif operator == "DoesNotExist":
            requirements.append((key, f"!{key}"))
    return ",".join(text for _, text in sorted(requirements)) or empty


def _containers(obj: Mapping[str, Any]) -> tuple[str, str]:
    listed = [c for c in _list(obj, "spec", "template", "spec", "containers")
              if isinstance(c, Mapping)]
    return (",".join(str(c.get("name", "")) for c in listed),
            ",".join(str(c.get("image", "")) for c in listed))


def _config_map(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), len(_map(obj, "data")) + len(_map(obj, "binaryData")), _age(obj, now)]


def _secret(obj: Mapping[str, Any], now: datetime) -> Cells:
    # The apiserver folds stringData into data on write; count the keys it would keep.
    keys = set(_map(obj, "data")) | set(_map(obj, "stringData"))
    return [_name(obj), str(obj.get("type", "")), len(keys), _age(obj, now)]


def _namespace(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), str(_map(obj, "status").get("phase", "")), _age(obj, now)]


def _name_and_age(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), _age(obj, now)]


def _service(obj: Mapping[str, Any], now: datetime) -> Cells:
    spec = _map(obj, "spec")
    kind = str(spec.get("type", ""))
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP")
                                             else [])
    external_ips = [str(ip) for ip in spec.get("externalIPs") or []]
    if kind in ("ClusterIP", "NodePort"):
        external = ",".join(external_ips) or "<none>"
    elif kind == "LoadBalancer":
        ingress = [i.get("ip") or i.get("hostname") for i in
                   _list(obj, "status", "loadBalancer", "ingress") if isinstance(i, Mapping)]
        external = ",".join([str(i) for i in ingress if i] + external_ips) or "<pending>"
    elif kind == "ExternalName":
        external = str(spec.get("externalName", ""))
    else:
        external = "<unknown>"
    ports = []
    for port in spec.get("ports") or []:
        if not isinstance(port, Mapping):
            continue
        protocol = port.get("protocol", "")
        node_port = _int(port.get("nodePort"))
        number = port.get("port")
        ports.append(f"{number}:{node_port}/{protocol}" if node_port else
                     f"{number}/{protocol}")
    return [_name(obj), kind, str(cluster_ips[0]) if cluster_ips else "<none>", external,
            ",".join(ports) or "<none>", _age(obj, now),
            format_labels(_map(obj, "spec", "selector"))]


def _pod(obj: Mapping[str, Any], now: datetime) -> Cells:
    status = _map(obj, "status")
    containers = _list(obj, "spec", "containers")
    statuses = [s for s in _list(obj, "status", "containerStatuses") if isinstance(s, Mapping)]
    ready = sum(1 for s in statuses if s.get("ready") is True)
    restarts = sum(_int(s.get("restartCount")) for s in statuses)
    reason = str(status.get("reason") or status.get("phase") or "")
    # The printer walks the containers from the last: the first one's state wins.
    for state in reversed(statuses):
        shown = (_map(state, "state", "waiting").get("reason")
                 or _map(state, "state", "terminated").get("reason"))
        if shown:
            reason = str(shown)
    if _map(obj, "metadata").get("deletionTimestamp") and reason != "NodeLost":
        reason = "Terminating"
    gates = _list(obj, "spec", "readinessGates")
    return [_name(obj), f"{ready}/{len(containers)}", reason, str(restarts), _age(obj, now),
            str(status.get("podIP") or "<none>"),
            str(_map(obj, "spec").get("nodeName") or "<none>"),
            str(status.get("nominatedNodeName") or "<none>"),
            f"0/{len(gates)}" if gates else "<none>"]


def _deployment(obj: Mapping[str, Any], now: datetime) -> Cells:
    status = _map(obj, "status")
    names, images = _containers(obj)
    return [_name(obj),
            f"{_int(status.get('readyReplicas'))}/{_int(_map(obj, 'spec').get('replicas'))}",
            _int(status.get("updatedReplicas")), _int(status.get("availableReplicas")),
            _age(obj, now), names, images,
            format_selector(_map(obj, "spec", "selector"), empty="<none>")]


def _replica_set(obj: Mapping[str, Any], now: datetime) -> Cells:
    status = _map(obj, "status")
    names, images = _containers(obj)
    return [_name(obj), _int(_map(obj, "spec").get("replicas")), _int(status.get("replicas")),
            _int(status.get("readyReplicas")), _age(obj, now), names, images,
            format_selector(_map(obj, "spec", "selector"), empty="<none>")]


def _replication_controller(obj: Mapping[str, Any], now: datetime) -> Cells:
    status = _map(obj, "status")
    names, images = _containers(obj)
    return [_name(obj), _int(_map(obj, "spec").get("replicas")), _int(status.get("replicas")),
            _int(status.get("readyReplicas")), _age(obj, now), names, images,
            format_labels(_map(obj, "spec", "selector"))]


def _stateful_set(obj: Mapping[str, Any], now: datetime) -> Cells:
    names, images = _containers(obj)
    ready = _int(_map(obj, "status").get("readyReplicas"))
    return [_name(obj), f"{ready}/{_int(_map(obj, 'spec').get('replicas'))}", _age(obj, now),
            names, images]


def _job(obj: Mapping[str, Any], now: datetime) -> Cells:
    spec, status = _map(obj, "spec"), _map(obj, "status")
    succeeded = _int(status.get("succeeded"))
    parallelism = spec.get("parallelism")
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{_int(spec.get('completions'))}"
    elif isinstance(parallelism, int) and parallelism > 1:
        completions = f"{succeeded}/1 of {parallelism}"
    else:
        completions = f"{succeeded}/1"
    started, finished = _parse_time(status.get("startTime")), _parse_time(
        status.get("completionTime"))
    duration = "" if started is None else human_duration(
        ((finished or now) - started).total_seconds())
    true = {c.get("type") for c in _list(obj, "status", "conditions")
            if isinstance(c, Mapping) and c.get("status") == "True"}
    if "Complete" in true:
        state = "Complete"
    elif "Failed" in true:
        state = "Failed"
    elif _map(obj, "metadata").get("deletionTimestamp"):
        state = "Terminating"
    else:
        state = next((c for c in ("Suspended", "FailureTarget", "SuccessCriteriaMet")
                      if c in true), "Running")
    names, images = _containers(obj)
    return [_name(obj), state, completions, duration, _age(obj, now), names, images,
            format_selector(_map(obj, "spec", "selector"), empty="<none>")]


def _lease(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), str(_map(obj, "spec").get("holderIdentity") or ""), _age(obj, now)]


def _network_policy(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), format_selector(_map(obj, "spec", "podSelector"), empty="<none>"),
            _age(obj, now)]


def _node(obj: Mapping[str, Any], now: datetime) -> Cells:
    conditions = {c.get("type"): c.get("status") for c in _list(obj, "status", "conditions")
                  if isinstance(c, Mapping)}
    status = [] if "Ready" not in conditions else [
        "Ready" if conditions["Ready"] == "True" else "NotReady"]
    status = status or ["Unknown"]
    if _map(obj, "spec").get("unschedulable") is True:
        status.append("SchedulingDisabled")
    roles = set()
    for key, value in _map(obj, "metadata", "labels").items():
        if key.startswith("node-role.kubernetes.io/") and key.split("/", 1)[1]:
            roles.add(key.split("/", 1)[1])
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    info = _map(obj, "status", "nodeInfo")
    kernel = str(info.get("kernelVersion") or "<unknown>")
    if info.get("architecture"):
        kernel += f" ({info['architecture']})"

    def address(kind: str) -> str:
        return next((str(a.get("address")) for a in _list(obj, "status", "addresses")
                     if isinstance(a, Mapping) and a.get("type") == kind), "<none>")

    return [_name(obj), ",".join(status), ",".join(sorted(roles)) or "<none>", _age(obj, now),
            str(info.get("kubeletVersion", "")), address("InternalIP"), address("ExternalIP"),
            str(info.get("osImage") or "<unknown>"),
            kernel, str(info.get("containerRuntimeVersion") or "<unknown>")]


def _event(obj: Mapping[str, Any], now: datetime) -> Cells:
    first = _since(obj.get("firstTimestamp"), now)
    if _parse_time(obj.get("firstTimestamp")) is None:
        first = _since(_micro(obj.get("eventTime")), now)
    last = _since(obj.get("lastTimestamp"), now) if _parse_time(
        obj.get("lastTimestamp")) else first
    series = _map(obj, "series")
    count = _int(obj.get("count")) or 1
    if series:
        last, count = _since(_micro(series.get("lastObservedTime")), now), _int(
            series.get("count"))
    involved, source = _map(obj, "involvedObject"), _map(obj, "source")
    kind = str(involved.get("kind", "")).lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    component = source.get("component") or obj.get("reportingComponent") or ""
    instance = source.get("host") or obj.get("reportingInstance") or ""
    return [last, str(obj.get("type", "")), str(obj.get("reason", "")), target,
            str(involved.get("fieldPath", "")),
            f"{component}, {instance}" if instance else str(component),
            str(obj.get("message", "")).strip(), first, count, _name(obj)]


def _micro(value: Any) -> Any:
    """A MicroTime (``...05.000000Z``) as a plain timestamp."""
    return value.split(".")[0] + "Z" if isinstance(value, str) and "." in value else value


def _daemon_set(obj: Mapping[str, Any], now: datetime) -> Cells:
    status = _map(obj, "status")
    names, images = _containers(obj)
    counts = [_int(status.get(field)) for field in (
        "desiredNumberScheduled", "currentNumberScheduled", "numberReady",
        "updatedNumberScheduled", "numberAvailable")]
    return [_name(obj), *counts,
            format_labels(_map(obj, "spec", "template", "spec", "nodeSelector")),
            _age(obj, now), names, images,
            format_selector(_map(obj, "spec", "selector"), empty="<none>")]


def _role_binding(obj: Mapping[str, Any], now: datetime) -> Cells:
    ref = _map(obj, "roleRef")
    subjects = [s for s in _list(obj, "subjects") if isinstance(s, Mapping)]

    def named(kind: str) -> str:
        return ", ".join(str(s.get("name", "")) for s in subjects if s.get("kind") == kind)

    accounts = ", ".join(f"{s.get('namespace', '')}/{s.get('name', '')}" for s in subjects
                         if s.get("kind") == "ServiceAccount")
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}", _age(obj, now),
            named("User"), named("Group"), accounts]


def _disruption_budget(obj: Mapping[str, Any], now: datetime) -> Cells:
    spec = _map(obj, "spec")

    def shown(field: str) -> str:
        value = spec.get(field)
        return "N/A" if value is None else str(value)

    return [_name(obj), shown("minAvailable"), shown("maxUnavailable"),
            _int(_map(obj, "status").get("disruptionsAllowed")), _age(obj, now)]


def _cron_job(obj: Mapping[str, Any], now: datetime) -> Cells:
    spec = _map(obj, "spec")
    names, images = _containers(_map(spec, "jobTemplate"))
    suspend = spec.get("suspend")
    last = _map(obj, "status").get("lastScheduleTime")
    return [_name(obj), str(spec.get("schedule", "")), str(spec.get("timeZone") or "<none>"),
            "<unset>" if suspend is None else str(bool(suspend)),
            len(_list(obj, "status", "active")), "<none>" if last is None else _since(last, now),
            _age(obj, now), names, images,
            format_selector(_map(spec, "jobTemplate", "spec", "selector"), empty="<none>")]


_ACCESS_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                 ("ReadWriteOncePod", "RWOP"))


def _volume(obj: Mapping[str, Any], now: datetime) -> Cells:
    spec, status = _map(obj, "spec"), _map(obj, "status")
    phase = str(status.get("phase", ""))
    if _map(obj, "metadata").get("deletionTimestamp"):
        phase = "Terminating"
    held = _list(obj, "spec", "accessModes")
    ref = _map(obj, "spec", "claimRef")
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""
    storage_class = spec.get("storageClassName") or _map(obj, "metadata", "annotations").get(
        "volume.beta.kubernetes.io/storage-class", "")
    return [_name(obj), str(_map(obj, "spec", "capacity").get("storage", "0")),
            ",".join(short for mode, short in _ACCESS_MODES if mode in held),
            str(spec.get("persistentVolumeReclaimPolicy", "")), phase, claim,
            str(storage_class), str(spec.get("volumeAttributesClassName") or "<unset>"),
            str(status.get("reason", "")), _age(obj, now),
            str(spec.get("volumeMode") or "<unset>")]


def _claim(obj: Mapping[str, Any], now: datetime) -> Cells:
    spec = _map(obj, "spec")
    phase = str(_map(obj, "status").get("phase", ""))
    if _map(obj, "metadata").get("deletionTimestamp"):
        phase = "Terminating"
    capacity = modes = ""
    if spec.get("volumeName"):
        held = _list(obj, "status", "accessModes")
        modes = ",".join(short for mode, short in _ACCESS_MODES if mode in held)
        capacity = str(_map(obj, "status", "capacity").get("storage", "0"))
    storage_class = spec.get("storageClassName") or _map(obj, "metadata", "annotations").get(
        "volume.beta.kubernetes.io/storage-class", "")
    return [_name(obj), phase, str(spec.get("volumeName", "")), capacity, modes,
            str(storage_class), str(spec.get("volumeAttributesClassName") or "<unset>"),
            _age(obj, now), str(spec.get("volumeMode") or "<unset>")]


def _ingress(obj: Mapping[str, Any], now: datetime) -> Cells:
    spec = _map(obj, "spec")
    rules = [r for r in _list(obj, "spec", "rules") if isinstance(r, Mapping)]
    hosts = [str(r["host"]) for r in rules[:3] if r.get("host")]
    shown = ",".join(hosts) or "*"
    if hosts and len(rules) > 3:
        shown += f" + {len(rules) - 3} more..."
    addresses = [str(i.get("ip") or i.get("hostname") or "") for i in
                 _list(obj, "status", "loadBalancer", "ingress") if isinstance(i, Mapping)]
    return [_name(obj), str(spec.get("ingressClassName") or "<none>"), shown,
            ",".join(a for a in addresses if a), "80, 443" if spec.get("tls") else "80",
            _age(obj, now)]


def _default(obj: Mapping[str, Any], now: datetime) -> Cells:
    return [_name(obj), _map(obj, "metadata").get("creationTimestamp")]


#: The kinds the fake prints, by apiVersion/kind; others have no Table in the fake.
PRINTERS: dict[str, Printer] = {
    "v1/ConfigMap": _config_map, "v1/Secret": _secret, "v1/Namespace": _namespace,
    "v1/ServiceAccount": _name_and_age, "v1/Service": _service, "v1/Pod": _pod,
    "v1/ReplicationController": _replication_controller,
    "apps/v1/Deployment": _deployment, "apps/v1/ReplicaSet": _replica_set,
    "apps/v1/StatefulSet": _stateful_set, "batch/v1/Job": _job,
    "coordination.k8s.io/v1/Lease": _lease,
    "networking.k8s.io/v1/NetworkPolicy": _network_policy,
    "v1/PersistentVolumeClaim": _claim, "networking.k8s.io/v1/Ingress": _ingress,
    "v1/PersistentVolume": _volume,
    "v1/Node": _node, "v1/Event": _event, "apps/v1/DaemonSet": _daemon_set,
    "batch/v1/CronJob": _cron_job, "policy/v1/PodDisruptionBudget": _disruption_budget,
    "rbac.authorization.k8s.io/v1/RoleBinding": _role_binding,
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": _role_binding,
    "rbac.authorization.k8s.io/v1/Role": _default,
    "rbac.authorization.k8s.io/v1/ClusterRole": _default,
}


def _field(column: Any, *names: str) -> Any:
    """A printer column's field, whether the column is a mapping or an object."""
    for name in names:
        value = column.get(name) if isinstance(column, Mapping) else getattr(column, name, None)
        if value is not None:
            return value
    return None


def _json_path(obj: Any, path: str) -> Any:
    """The value at a simple JSONPath (``.spec.size``, ``.status.items[0].name``), or None
    where there is none (the apiserver prints nothing there)."""
    for part in path.strip().strip("{}").lstrip("$").strip(".").replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            index = int(part[1:-1])
            obj = obj[index] if isinstance(obj, list) and index < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, Mapping) else None
    return obj


def _custom_definitions(rt: ResourceType) -> list[dict[str, Any]]:
    """A custom resource's columns: Name, then its additionalPrinterColumns, or Age where
    it declares none (measured on kube-apiserver v1.37.2)."""
    defaults = _columns()["v1/ConfigMap"]
    name, age = defaults[0], {**defaults[-1], "type": "date"}
    declared = getattr(rt, "printer_columns", None) or ()
    if not declared:
        return [name, age]
    columns = [name]
    for column in declared:
        path = str(_field(column, "jsonPath", "json_path") or "")
        columns.append({
            "name": str(_field(column, "name") or ""), "type": str(_field(column, "type")
                                                                   or "string"),
            "format": str(_field(column, "format") or ""),
            "description": str(_field(column, "description") or
                               f"Custom resource definition column (in JSONPath format): "
                               f"{path}"),
            "priority": int(_field(column, "priority") or 0)})
    return columns


def _custom_cells(rt: ResourceType, obj: Mapping[str, Any], now: datetime) -> Cells:
    declared = getattr(rt, "printer_columns", None) or ()
    if not declared:
        return [_name(obj), _age(obj, now)]
    cells: Cells = [_name(obj)]
    for column in declared:
        value = _json_path(obj, str(_field(column, "jsonPath", "json_path") or ""))
        if _field(column, "type") == "date" and value is not None:
            value = _since(value, now)
        cells.append(value)
    return cells


def include_object(value: str | None) -> str:
    """The ``includeObject`` parameter, checked as the apiserver checks it."""
    chosen = value or ""
    if chosen not in INCLUDE_OBJECT:
        raise bad_request(f'Unable to convert to Table as requested: includeObject: Invalid '
                          f'value: "{chosen}": must be \'Metadata\', \'Object\', \'None\', or '
                          "empty")
    return chosen or "Metadata"


def partial_metadata(obj: Mapping[str, Any], api_version: str) -> dict[str, Any]:
    """``PartialObjectMetadata``: the object's metadata alone."""
    return {"kind": "PartialObjectMetadata", "apiVersion": api_version,
            "metadata": dict(_map(obj, "metadata"))}


def table(rt: ResourceType, objects: Iterable[Mapping[str, Any]], now: datetime, *,
          include: str, metadata: Mapping[str, Any], columns: bool = True) -> dict[str, Any]:
    """A Table of ``objects`` (full objects, with kind and apiVersion)."""
    key = f"{rt.api_version}/{rt.kind}"
    printer = PRINTERS.get(key)
    rows = []
    for obj in objects:
        cells = printer(obj, now) if printer is not None else _custom_cells(rt, obj, now)
        row: dict[str, Any] = {"cells": cells}
        if include == "Object":
            row["object"] = dict(obj)
        elif include == "Metadata":
            row["object"] = partial_metadata(obj, "meta.k8s.io/v1")
        else:
            row["object"] = None
        rows.append(row)
    answer: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                              "metadata": dict(metadata)}
    # Later events of a watch carry none: null, as Go encodes a nil slice.
    definitions = _columns()
    shown = definitions.get(key, definitions["default"]) if printer is not None else \
        _custom_definitions(rt)
    answer["columnDefinitions"] = shown if columns else None
    answer["rows"] = rows
    return answer


@attrs.define
class Shape:
    """How one read answers: objects as themselves, as a Table, or as their metadata."""

    rt: ResourceType
    representation: Representation
    include: str
    clock: Callable[[], datetime]
    _columns_sent: bool = False

    @classmethod
    def negotiate(cls, rt: ResourceType, accept: str | None, include: str | None, *,
                  is_list: bool, clock: Callable[[], datetime]) -> Shape:
        representation = negotiate(accept, rt, is_list=is_list)
        chosen = include_object(include) if representation.form == "Table" else "Metadata"
        return cls(rt, representation, chosen, clock)

    def one(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        self.representation.refuse()
        form = self.representation.form
        if form == "Table":
            meta = {"resourceVersion": _map(obj, "metadata").get("resourceVersion", "")}
            return table(self.rt, [obj], self.clock(), include=self.include, metadata=meta)
        if form == "PartialObjectMetadata":
            return partial_metadata(obj, self.representation.api_version)
        return dict(obj)

    def many(self, items: Iterable[Mapping[str, Any]], metadata: Mapping[str, Any]
             ) -> dict[str, Any]:
        self.representation.refuse()
        form = self.representation.form
        if form == "Table":
            return table(self.rt, items, self.clock(), include=self.include,
                         metadata=metadata)
        if form == "PartialObjectMetadataList":
            api_version = self.representation.api_version
            return {"kind": "PartialObjectMetadataList", "apiVersion": api_version,
                    "metadata": dict(metadata),
                    "items": [partial_metadata(o, api_version) for o in items]}
        return {"kind": self.rt.list_kind, "apiVersion": self.rt.api_version,
                "metadata": dict(metadata),
                "items": [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")}
                          for o in items]}

    def event(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """A watch event's object; a Table stream defines its columns once, first."""
        if self.representation.form != "Table":
            return self.one(obj)
        meta = {"resourceVersion": _map(obj, "metadata").get("resourceVersion", "")}
        shown = table(self.rt, [obj], self.clock(), include=self.include, metadata=meta,
                      columns=not self._columns_sent)
        self._columns_sent = True
        return shown
