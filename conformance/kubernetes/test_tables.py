"""Objects as the server prints them: meta.k8s.io Tables, and metadata alone."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, created, failure
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target

TABLES = API_CONCEPTS + "#receiving-resources-as-tables"
METADATA = API_CONCEPTS + "#alternate-representations-of-resources"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
#: What kubectl get sends (kubectl v1.3x).
KUBECTL_TABLE = (TABLE + ",application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                 "application/json")
POM = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
POML = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
AGE = re.compile(r"^\d+s$")  # a new object's age: seconds


def _get(target: Target, path: str, accept: str) -> dict[str, Any]:
    answer = target.http("GET", path, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    document: dict[str, Any] = answer.json()
    return document


def _columns(table: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(c["name"], c["type"], c["format"], c["priority"])
            for c in table["columnDefinitions"]]


@behaviour("K8S-200", "a get or list that accepts a Table answers a meta.k8s.io/v1 Table: "
           "column definitions, and a row per object with its cells and its metadata as "
           "PartialObjectMetadata", cite=TABLES + " and " + MEASURED)
def test_table_of_config_maps(target: Target) -> None:
    ns = target.namespace("table")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body={**cm("a", ns, labels={"t": "1"}),
                                           "data": {"x": "1", "y": "2"},
                                           "binaryData": {"z": "AA=="}}).json()
    one = _get(target, f"{path}/a", KUBECTL_TABLE)
    assert (one["kind"], one["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert one["metadata"] == {"resourceVersion": made["metadata"]["resourceVersion"]}
    assert _columns(one) == [("Name", "string", "name", 0), ("Data", "string", "", 0),
                             ("Age", "string", "", 0)]
    assert one["columnDefinitions"][0]["description"].startswith(
        "Name must be unique within a namespace.")
    [row] = one["rows"]
    assert row["cells"][:2] == ["a", 3] and AGE.match(row["cells"][2])
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["apiVersion"] == "meta.k8s.io/v1"
    meta = row["object"]["metadata"]
    assert (meta["name"], meta["uid"], meta["labels"]) == ("a", made["metadata"]["uid"],
                                                           {"t": "1"})
    listed = _get(target, f"{path}?labelSelector=t%3D1", TABLE)
    assert listed["kind"] == "Table" and [r["cells"][0] for r in listed["rows"]] == ["a"]
    assert int(listed["metadata"]["resourceVersion"]) >= int(
        made["metadata"]["resourceVersion"])


@behaviour("K8S-201", "includeObject chooses what a row carries: the metadata (default), the "
           "whole object, or nothing; another value is 400", cite=TABLES + " and " + MEASURED)
def test_include_object(target: Target) -> None:
    ns = target.namespace("include")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body={**cm("a", ns), "data": {"k": "v"}})
    whole = _get(target, f"{path}/a?includeObject=Object", TABLE)["rows"][0]["object"]
    assert (whole["kind"], whole["apiVersion"], whole["data"]) == ("ConfigMap", "v1",
                                                                   {"k": "v"})
    none = _get(target, f"{path}/a?includeObject=None", TABLE)["rows"][0]
    assert none["object"] is None and none["cells"][0] == "a"
    status = failure(target, "GET", f"{path}/a?includeObject=Bogus",
                     headers={"Accept": TABLE})
    assert (status["code"], status["reason"], status["message"]) == (
        400, "BadRequest", "Unable to convert to Table as requested: includeObject: Invalid "
        "value: \"Bogus\": must be 'Metadata', 'Object', 'None', or empty")
    # Without a Table the parameter means nothing.
    assert target.http("GET", f"{path}/a?includeObject=Bogus").json()["kind"] == "ConfigMap"


@behaviour("K8S-202", "a Table of a paginated list carries the list's continue token and "
           "remainingItemCount", cite=TABLES + " and " + API_CONCEPTS
           + "#retrieving-large-results-sets-in-chunks")
def test_table_pages(target: Target) -> None:
    ns = target.namespace("tpages")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name in ("a", "b", "c"):
        target.http("POST", path, body=cm(name, ns, labels={"page": "yes"}))
    first = _get(target, f"{path}?labelSelector=page&limit=2", TABLE)
    assert [r["cells"][0] for r in first["rows"]] == ["a", "b"]
    token = first["metadata"]["continue"]
    rest = _get(target, f"{path}?labelSelector=page&limit=2&continue={token}", TABLE)
    assert [r["cells"][0] for r in rest["rows"]] == ["c"]
    assert "continue" not in rest["metadata"]


_SERVICE_COLUMNS = [("Name", "string", 0), ("Type", "string", 0), ("Cluster-IP", "string", 0),
                    ("External-IP", "string", 0), ("Port(s)", "string", 0),
                    ("Age", "string", 0), ("Selector", "string", 1)]
_INGRESS_COLUMNS = [("Name", "string", 0), ("Class", "string", 0), ("Hosts", "string", 0),
                    ("Address", "string", 0), ("Ports", "string", 0), ("Age", "string", 0)]
_PDB_COLUMNS = [("Name", "string", 0), ("Min Available", "string", 0),
                ("Max Unavailable", "string", 0), ("Allowed Disruptions", "integer", 0),
                ("Age", "string", 0)]
_EVENT_COLUMNS = [("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0),
                  ("Object", "string", 0), ("Subobject", "string", 1),
                  ("Source", "string", 1), ("Message", "string", 0),
                  ("First Seen", "string", 1), ("Count", "string", 1), ("Name", "string", 1)]
# Kinds, an object of each, and the row the server prints for it (cells the real
# server fills from its own defaults or controllers are None: not compared).
_KINDS: list[tuple[str, str, dict[str, Any], list[tuple[str, str, int]], list[Any]]] = [
    ("ConfigMap", "/api/v1/namespaces/{ns}/configmaps",
     {"data": {"a": "1"}}, [("Name", "string", 0), ("Data", "string", 0),
                            ("Age", "string", 0)], ["x", 1, None]),
    ("Secret", "/api/v1/namespaces/{ns}/secrets",
     {"type": "Opaque", "data": {"a": "YQ=="}, "stringData": {"b": "c"}},
     [("Name", "string", 0), ("Type", "string", 0), ("Data", "string", 0),
      ("Age", "string", 0)], ["x", "Opaque", 2, None]),
    ("ServiceAccount", "/api/v1/namespaces/{ns}/serviceaccounts", {},
     [("Name", "string", 0), ("Age", "string", 0)], ["x", None]),
    ("Service", "/api/v1/namespaces/{ns}/services",
     {"spec": {"type": "ExternalName", "externalName": "example.com"}},
     [("Name", "string", 0), ("Type", "string", 0), ("Cluster-IP", "string", 0),
      ("External-IP", "string", 0), ("Port(s)", "string", 0), ("Age", "string", 0),
      ("Selector", "string", 1)],
     ["x", "ExternalName", "<none>", "example.com", "<none>", None, "<none>"]),
    ("Service", "/api/v1/namespaces/{ns}/services",
     {"spec": {"type": "NodePort", "externalIPs": ["192.0.2.1", "192.0.2.2"],
               "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}},
     _SERVICE_COLUMNS,
     ["x", "NodePort", None, "192.0.2.1,192.0.2.2", "80:30080/TCP", None, "<none>"]),
    ("Service", "/api/v1/namespaces/{ns}/services",
     {"spec": {"type": "ClusterIP", "selector": {"b": "2", "a": "1"},
               "ports": [{"name": "h", "port": 80, "protocol": "TCP"},
                         {"name": "d", "port": 53, "protocol": "UDP"}]}},
     _SERVICE_COLUMNS, ["x", "ClusterIP", None, "<none>", "80/TCP,53/UDP", None, "a=1,b=2"]),
    ("Service", "/api/v1/namespaces/{ns}/services",
     {"spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]}},
     _SERVICE_COLUMNS, ["x", "LoadBalancer", None, "<pending>", None, None, "<none>"]),
    ("Pod", "/api/v1/namespaces/{ns}/pods",
     {"spec": {"containers": [{"name": "a", "image": "busybox"},
                              {"name": "b", "image": "busybox"}]}},
     [("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 0),
      ("Restarts", "string", 0), ("Age", "string", 0), ("IP", "string", 1),
      ("Node", "string", 1), ("Nominated Node", "string", 1),
      ("Readiness Gates", "string", 1)],
     ["x", "0/2", None, "0", None, "<none>", "<none>", "<none>", "<none>"]),
    ("ReplicationController", "/api/v1/namespaces/{ns}/replicationcontrollers",
     {"spec": {"replicas": 0, "selector": {"b": "2", "a": "1"}, "template": {
         "metadata": {"labels": {"a": "1", "b": "2"}},
         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
     [("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
      ("Ready", "integer", 0), ("Age", "string", 0), ("Containers", "string", 1),
      ("Images", "string", 1), ("Selector", "string", 1)],
     ["x", 0, 0, 0, None, "c", "nginx", "a=1,b=2"]),
    ("Deployment", "/apis/apps/v1/namespaces/{ns}/deployments",
     {"spec": {"replicas": 0, "selector": {"matchLabels": {"app": "x"}}, "template": {
         "metadata": {"labels": {"app": "x"}},
         "spec": {"containers": [{"name": "c", "image": "nginx"},
                                 {"name": "s", "image": "side:1"}]}}}},
     [("Name", "string", 0), ("Ready", "string", 0), ("Up-to-date", "string", 0),
      ("Available", "string", 0), ("Age", "string", 0), ("Containers", "string", 1),
      ("Images", "string", 1), ("Selector", "string", 1)],
     ["x", "0/0", 0, 0, None, "c,s", "nginx,side:1", "app=x"]),
    ("ReplicaSet", "/apis/apps/v1/namespaces/{ns}/replicasets",
     {"spec": {"replicas": 0, "selector": {
         "matchLabels": {"x": "y"},
         "matchExpressions": [{"key": "app", "operator": "In", "values": ["b", "a"]},
                              {"key": "zone", "operator": "Exists"},
                              {"key": "gone", "operator": "DoesNotExist"},
                              {"key": "tier", "operator": "NotIn", "values": ["web"]}]},
         "template": {"metadata": {"labels": {"app": "a", "x": "y", "zone": "1"}},
                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
     [("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
      ("Ready", "integer", 0), ("Age", "string", 0), ("Containers", "string", 1),
      ("Images", "string", 1), ("Selector", "string", 1)],
     ["x", 0, 0, 0, None, "c", "nginx", "app in (a,b),!gone,tier notin (web),x=y,zone"]),
    ("StatefulSet", "/apis/apps/v1/namespaces/{ns}/statefulsets",
     {"spec": {"replicas": 0, "serviceName": "s", "selector": {"matchLabels": {"app": "x"}},
               "template": {"metadata": {"labels": {"app": "x"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
     [("Name", "string", 0), ("Ready", "string", 0), ("Age", "string", 0),
      ("Containers", "string", 1), ("Images", "string", 1)],
     ["x", "0/0", None, "c", "nginx"]),
    ("Job", "/apis/batch/v1/namespaces/{ns}/jobs",
     {"spec": {"suspend": True, "template": {"spec": {
         "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}},
     [("Name", "string", 0), ("Status", "string", 0), ("Completions", "string", 0),
      ("Duration", "string", 0), ("Age", "string", 0), ("Containers", "string", 1),
      ("Images", "string", 1), ("Selector", "string", 1)],
     ["x", None, "0/1", "", None, "c", "busybox", None]),
    ("Lease", "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
     {"spec": {"holderIdentity": "me"}},
     [("Name", "string", 0), ("Holder", "string", 0), ("Age", "string", 0)],
     ["x", "me", None]),
    ("NetworkPolicy", "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
     {"spec": {"podSelector": {"matchLabels": {"a": "b"}}}},
     [("Name", "string", 0), ("Pod-Selector", "string", 0), ("Age", "string", 0)],
     ["x", "a=b", None]),
    ("DaemonSet", "/apis/apps/v1/namespaces/{ns}/daemonsets",
     {"spec": {"selector": {"matchLabels": {"app": "x"}}, "template": {
         "metadata": {"labels": {"app": "x"}},
         "spec": {"nodeSelector": {"z": "1", "a": "vf-none"},
                  "containers": [{"name": "c", "image": "nginx"}]}}}},
     [("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
      ("Ready", "integer", 0), ("Up-to-date", "integer", 0), ("Available", "integer", 0),
      ("Node Selector", "string", 0), ("Age", "string", 0), ("Containers", "string", 1),
      ("Images", "string", 1), ("Selector", "string", 1)],
     ["x", 0, 0, 0, 0, 0, "a=vf-none,z=1", None, "c", "nginx", "app=x"]),
    ("CronJob", "/apis/batch/v1/namespaces/{ns}/cronjobs",
     {"spec": {"schedule": "*/5 * * * *", "suspend": True, "timeZone": "Etc/UTC",
               "jobTemplate": {"spec": {"template": {"spec": {
                   "restartPolicy": "Never",
                   "containers": [{"name": "c", "image": "busybox"}]}}}}}},
     [("Name", "string", 0), ("Schedule", "string", 0), ("Timezone", "string", 0),
      ("Suspend", "boolean", 0), ("Active", "integer", 0), ("Last Schedule", "string", 0),
      ("Age", "string", 0), ("Containers", "string", 1), ("Images", "string", 1),
      ("Selector", "string", 1)],
     ["x", "*/5 * * * *", "Etc/UTC", "True", 0, "<none>", None, "c", "busybox", "<none>"]),
    ("PodDisruptionBudget", "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
     {"spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "b"}}}},
     _PDB_COLUMNS, ["x", "1", "N/A", 0, None]),
    ("PodDisruptionBudget", "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
     {"spec": {"maxUnavailable": "50%", "selector": {"matchLabels": {"a": "b"}}}},
     _PDB_COLUMNS, ["x", "N/A", "50%", 0, None]),
    ("RoleBinding", "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
     {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                  "name": "view"},
      "subjects": [{"kind": "User", "name": "u1", "apiGroup": "rbac.authorization.k8s.io"},
                   {"kind": "User", "name": "u2", "apiGroup": "rbac.authorization.k8s.io"},
                   {"kind": "Group", "name": "g", "apiGroup": "rbac.authorization.k8s.io"},
                   {"kind": "ServiceAccount", "name": "sa", "namespace": "other"}]},
     [("Name", "string", 0), ("Role", "string", 0), ("Age", "string", 0),
      ("Users", "string", 1), ("Groups", "string", 1), ("ServiceAccounts", "string", 1)],
     ["x", "ClusterRole/view", None, "u1, u2", "g", "other/sa"]),
    ("Event", "/api/v1/namespaces/{ns}/events",
     {"involvedObject": {"kind": "ConfigMap", "name": "y", "apiVersion": "v1"},
      "reason": "Measured", "message": " m ", "type": "Normal"},
     _EVENT_COLUMNS,
     ["<unknown>", "Normal", "Measured", "configmap/y", "", "", "m", "<unknown>", 1, "x"]),
    ("Event", "/api/v1/namespaces/{ns}/events",
     {"involvedObject": {"kind": "Node"}, "reason": "R", "message": "m", "type": "Warning",
      "count": 3, "source": {"component": "comp", "host": "h"},
      "firstTimestamp": "2026-01-01T00:00:00Z"},
     _EVENT_COLUMNS, [None, "Warning", "R", "node", "", "comp, h", "m", None, 3, "x"]),
    ("PersistentVolumeClaim", "/api/v1/namespaces/{ns}/persistentvolumeclaims",
     {"spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "vf-none",
               "volumeMode": "Block", "resources": {"requests": {"storage": "1Gi"}}}},
     [("Name", "string", 0), ("Status", "string", 0), ("Volume", "string", 0),
      ("Capacity", "string", 0), ("Access Modes", "string", 0),
      ("StorageClass", "string", 0), ("VolumeAttributesClass", "string", 0),
      ("Age", "string", 0), ("VolumeMode", "string", 1)],
     ["x", None, "", "", "", "vf-none", "<unset>", None, "Block"]),
    ("Ingress", "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
     {"spec": {"defaultBackend": {"service": {"name": "s", "port": {"number": 80}}}}},
     _INGRESS_COLUMNS, ["x", "<none>", "*", "", "80", None]),
    ("Ingress", "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
     {"spec": {"ingressClassName": "vf", "tls": [{"hosts": ["a.example.com"]}], "rules": [
         {"host": f"{h}.example.com", "http": {"paths": [{
             "path": "/", "pathType": "Prefix",
             "backend": {"service": {"name": "s", "port": {"number": 80}}}}]}}
         for h in "abcde"]}},
     _INGRESS_COLUMNS, ["x", "vf", "a.example.com,b.example.com,c.example.com + 2 more...",
                        "", "80, 443", None]),
    ("Event", "/api/v1/namespaces/{ns}/events",
     {"involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{c}"},
      "reason": "R", "message": "m", "type": "Normal",
      "eventTime": "2026-01-01T00:00:00.000000Z",
      "series": {"count": 4, "lastObservedTime": "2026-01-01T00:05:00.000000Z"},
      "reportingComponent": "rc", "reportingInstance": "ri", "action": "A"},
     _EVENT_COLUMNS, [None, "Normal", "R", "pod/p", "spec.containers{c}", "rc, ri", "m",
                      None, 4, "x"]),
    ("Event", "/api/v1/namespaces/{ns}/events",
     {"involvedObject": {"kind": "Pod", "name": "p"}, "reason": "R", "message": "m",
      "type": "Normal", "firstTimestamp": "2096-01-01T00:00:00Z",
      "lastTimestamp": "2096-01-02T00:00:00Z", "count": 2},
     _EVENT_COLUMNS, ["<invalid>", "Normal", "R", "pod/p", "", "", "m", "<invalid>", 2, "x"]),
    ("Role", "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", {},
     [("Name", "string", 0), ("Created At", "date", 0)], ["x", None]),
]


@pytest.mark.parametrize(("kind", "collection", "body", "columns", "cells"), _KINDS,
                         ids=[f"{k[0]}-{i}" for i, k in enumerate(_KINDS)])
@behaviour("K8S-203", "each kind has the server's own columns (wide ones at priority 1) and "
           "cells computed from the object: counts, ready/desired, container names and "
           "images, selectors, ports, holders; others have Name and Created At",
           cite=TABLES + " and " + MEASURED)
def test_columns_per_kind(target: Target, kind: str, collection: str, body: dict[str, Any],
                          columns: list[tuple[str, str, int]], cells: list[Any]) -> None:
    ns = target.namespace("cols")
    path = collection.format(ns=ns)
    api_version = "v1" if path.startswith("/api/") else path.split("/")[2] + "/" + \
        path.split("/")[3]
    if kind == "Event":  # an Event names its object's namespace: its own
        body = {**body, "involvedObject": {**body["involvedObject"], "namespace": ns}}
    made = created(target, path, {"apiVersion": api_version, "kind": kind,
                                  "metadata": {"name": "x", "namespace": ns}, **body})
    table = _get(target, f"{path}/x", TABLE)
    assert [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]] == \
        columns
    [row] = table["rows"]
    shown = [None if want is None else got for got, want in zip(row["cells"], cells, strict=True)]
    assert shown == cells
    if kind == "Role":
        assert row["cells"][1] == made["metadata"]["creationTimestamp"]
    elif kind != "Event":
        age = [c[0] for c in columns].index("Age")
        assert AGE.match(row["cells"][age])


@behaviour("K8S-204", "a watch that accepts a Table streams one-row Tables, the first with "
           "the column definitions, the rest with null; the initial-events bookmark is a row "
           "too", cite=TABLES + " and " + MEASURED)
def test_table_watch(target: Target) -> None:
    ns = target.namespace("twatch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name in ("a", "b"):
        target.http("POST", path, body={**cm(name, ns, labels={"w": "1"}),
                                        "data": {"k": "v"}})
    answer = target.http("GET", f"{path}?watch=1&labelSelector=w&timeoutSeconds=1&"
                         "allowWatchBookmarks=true", headers={"Accept": TABLE})
    events = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
    assert [e["type"] for e in events[:3]] == ["ADDED", "ADDED", "BOOKMARK"]
    # the real server may send a further (periodic) bookmark before the timeout
    assert {e["type"] for e in events[3:]} <= {"BOOKMARK"}
    assert [bool(e["object"]["columnDefinitions"]) for e in events] == [
        True, *[False] * (len(events) - 1)]
    assert events[1]["object"]["columnDefinitions"] is None
    assert all(e["object"]["kind"] == "Table" for e in events)
    assert [e["object"]["rows"][0]["cells"][:2] for e in events[:2]] == [["a", 1], ["b", 1]]
    mark = events[2]["object"]["rows"][0]
    assert mark["cells"] == ["", 0, "<unknown>"]
    assert mark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


@behaviour("K8S-205", "ages are the server's clock less creationTimestamp, worded as kubectl "
           "words durations: 90s, 2m30s, 5m, 15m, 3h20m, 7h, 20h, 2d3h, 3d, 400d, 3y3d, "
           "9y",
           cite=TABLES + " and https://github.com/kubernetes/kubernetes/blob/v1.37.2/staging/"
                "src/k8s.io/apimachinery/pkg/util/duration/duration.go")
def test_age_follows_the_clock(target: Target) -> None:
    target.require("virtual_clock")
    ns = target.namespace("age")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns))
    seen = []
    for step in (90, 60, 150, 12_000 - 300, 2 * 86_400 + 3 * 3600 - 12_000,
                 400 * 86_400 - (2 * 86_400 + 3 * 3600)):
        target.advance_clock(step)
        seen.append(_get(target, f"{path}/a", TABLE)["rows"][0]["cells"][2])
    assert seen == ["90s", "2m30s", "5m", "3h20m", "2d3h", "400d"]
    for index, (age, shown) in enumerate([
            (900, "15m"), (7 * 3600, "7h"), (20 * 3600, "20h"), (3 * 86_400, "3d"),
            (3 * 365 * 86_400 + 3 * 86_400, "3y3d"), (4 * 365 * 86_400, "4y"),
            (9 * 365 * 86_400, "9y")]):
        target.http("POST", path, body=cm(f"b{index}", ns))
        target.advance_clock(age)
        assert _get(target, f"{path}/b{index}", TABLE)["rows"][0]["cells"][2] == shown


@behaviour("K8S-206", "kubectl get prints the server's columns; -o wide adds the priority-1 "
           "ones", cite="https://kubernetes.io/docs/reference/kubectl/generated/kubectl_get/")
def test_kubectl_get_columns(target: Target) -> None:
    ns = target.namespace("kget")
    target.http("POST", f"/api/v1/namespaces/{ns}/configmaps",
                body={**cm("a", ns), "data": {"x": "1", "y": "2"}})
    target.http("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", body={
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "d"}}, "template": {
            "metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    plain = target.kubectl("get", "cm", "a", "-n", ns)
    assert plain.returncode == 0, plain.stderr
    header, row = plain.stdout.splitlines()
    assert header.split() == ["NAME", "DATA", "AGE"] and row.split()[:2] == ["a", "2"]
    wide = target.kubectl("get", "deploy", "d", "-n", ns, "-o", "wide")
    assert wide.returncode == 0, wide.stderr
    header, row = wide.stdout.splitlines()
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE",
                              "CONTAINERS", "IMAGES", "SELECTOR"]
    assert row.split()[:4] == ["d", "0/0", "0", "0"]
    assert row.split()[5:] == ["c", "nginx", "app=d"]


@behaviour("K8S-207", "PartialObjectMetadata answers an object's metadata alone, and "
           "PartialObjectMetadataList a list's (with its continue token); asking for one "
           "where the other applies is 406", cite=METADATA + " and " + MEASURED)
def test_partial_object_metadata(target: Target) -> None:
    ns = target.namespace("pom")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    made = target.http("POST", path, body={**cm("a", ns, labels={"m": "1"}),
                                           "data": {"k": "v"}}).json()
    target.http("POST", path, body=cm("b", ns, labels={"m": "1"}))
    one = _get(target, f"{path}/a", POM)
    assert set(one) == {"kind", "apiVersion", "metadata"}
    assert (one["kind"], one["apiVersion"]) == ("PartialObjectMetadata", "meta.k8s.io/v1")
    assert (one["metadata"]["uid"], one["metadata"]["labels"]) == (
        made["metadata"]["uid"], {"m": "1"})
    page = _get(target, f"{path}?labelSelector=m&limit=1", POML)
    assert (page["kind"], page["apiVersion"]) == ("PartialObjectMetadataList",
                                                  "meta.k8s.io/v1")
    assert page["metadata"]["continue"]
    assert [(i["kind"], i["metadata"]["name"]) for i in page["items"]] == [
        ("PartialObjectMetadata", "a")]
    assert set(page["items"][0]) == {"kind", "apiVersion", "metadata"}
    old = _get(target, f"{path}/a", POM.replace("v=v1", "v=v1beta1"))
    assert old["apiVersion"] == "meta.k8s.io/v1beta1"
    wrong = failure(target, "GET", path, headers={"Accept": POM + ",application/json"})
    assert (wrong["code"], wrong["reason"], wrong["message"]) == (
        406, "NotAcceptable", "you requested PartialObjectMetadata, but the requested object "
        "is a list (*core.ConfigMapList)")
    wrong = failure(target, "GET", f"{path}/a", headers={"Accept": POML})
    assert wrong["message"] == ("you requested PartialObjectMetadataList, but the requested "
                                "object is not a list (*core.ConfigMap)")
    # The object is read first: a missing one is 404 whatever was accepted.
    missing = failure(target, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/x",
                      headers={"Accept": POML})
    assert missing["code"] == 404


@behaviour("K8S-208", "a watch that accepts PartialObjectMetadata streams each object's "
           "metadata alone", cite=METADATA + " and " + MEASURED)
def test_partial_object_metadata_watch(target: Target) -> None:
    ns = target.namespace("pomwatch")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body={**cm("a", ns, labels={"w": "1"}), "data": {"k": "v"}})
    answer = target.http("GET", f"{path}?watch=1&labelSelector=w&timeoutSeconds=1",
                         headers={"Accept": POM})
    [event] = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
    assert event["type"] == "ADDED"
    assert set(event["object"]) == {"kind", "apiVersion", "metadata"}
    assert event["object"]["metadata"]["name"] == "a"


@pytest.mark.parametrize(("accept", "answer"), [
    ("application/json;as=Foo;g=meta.k8s.io;v=v1,application/json", "ConfigMap"),
    ("text/plain, application/json", "ConfigMap"),
    (TABLE + ";q=0.5, application/json;q=0.9", "ConfigMap"),
    ("application/json;q=0.5, " + TABLE, "Table"),
    ("*/*", "ConfigMap"),
    ("application/json;as=Foo;g=meta.k8s.io;v=v1",
     "406 only the following media types are accepted: application/json, application/yaml, "
     "application/vnd.kubernetes.protobuf"),
    ("application/json;as=PartialObjectMetadata;v=v1",
     "406 only the following media types are accepted: application/json, application/yaml, "
     "application/vnd.kubernetes.protobuf"),
    ("text/plain",
     "406 406: Not Acceptable\n\nAvailable representations: application/json, "
     "application/yaml, application/vnd.kubernetes.protobuf"),
], ids=["unknown-as-then-json", "text-then-json", "by-quality",
        "table-by-quality", "anything", "unknown-as", "no-group", "text"])
@behaviour("K8S-209", "the Accept header is negotiated by quality then order: a representation "
           "the server does not know is passed over, and when none is left the answer is "
           "406 NotAcceptable", cite=API_CONCEPTS + " and " + MEASURED)
def test_accept_negotiation(target: Target, accept: str, answer: str) -> None:
    ns = target.namespace("accept")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns))
    got = target.http("GET", f"{path}/a", headers={"Accept": accept})
    if answer.startswith("406 "):
        status = got.json()
        assert (got.status_code, status["reason"], status["message"]) == (
            406, "NotAcceptable", answer[4:])
    else:
        assert (got.status_code, got.json()["kind"]) == (200, answer)


@behaviour("K8S-218", "a Pod's row shows its containers' readiness and restarts, the first "
           "waiting container's reason over the phase, its IP and node",
           cite=TABLES + " and " + MEASURED)
def test_pod_row(target: Target) -> None:
    ns = target.namespace("podrow")
    path = f"/api/v1/namespaces/{ns}/pods"
    created(target, path, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                           "spec": {"containers": [
                               {"name": "c", "image": "registry.invalid/none:1"},
                               {"name": "d", "image": "registry.invalid/none:1"},
                               {"name": "e", "image": "registry.invalid/none:1"}]}})
    statuses = [
        {"name": "c", "ready": True, "restartCount": 2, "image": "registry.invalid/none:1",
         "imageID": "", "state": {"running": {}}},
        {"name": "d", "ready": False, "restartCount": 1, "image": "registry.invalid/none:1",
         "imageID": "", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
        {"name": "e", "ready": False, "restartCount": 0, "image": "registry.invalid/none:1",
         "imageID": "", "state": {"terminated": {"reason": "Error", "exitCode": 1}}}]
    patched = target.http("PATCH", f"{path}/p/status", raw=json.dumps({"status": {
        "phase": "Running", "podIP": "10.0.0.7", "podIPs": [{"ip": "10.0.0.7"}],
        "containerStatuses": statuses}}).encode(),
        content_type="application/merge-patch+json")
    assert patched.status_code == 200, patched.text
    cells = _get(target, f"{path}/p", TABLE)["rows"][0]["cells"]
    assert cells[:4] == ["p", "1/3", "CrashLoopBackOff", "3"]
    assert cells[5:] == ["10.0.0.7", "<none>", "<none>", "<none>"]


@behaviour("K8S-220", "cluster-scoped kinds print too: a Node's conditions, scheduling, roles "
           "from its labels, addresses and versions; a ClusterRoleBinding's role and subjects",
           cite=TABLES + " and " + MEASURED)
def test_cluster_scoped_rows(target: Target) -> None:
    node = target.cluster_name("printed", "/api/v1/nodes")
    created(target, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": node, "labels": {"node-role.kubernetes.io/worker": "",
                                 "node-role.kubernetes.io/control-plane": "",
                                 "kubernetes.io/role": "edge"}},
        "spec": {"unschedulable": True}})
    table = _get(target, f"/api/v1/nodes/{node}", TABLE)
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP",
        "OS-Image", "Kernel-Version", "Container-Runtime"]
    cells = table["rows"][0]["cells"]
    assert cells[:3] == [node, "Unknown,SchedulingDisabled", "control-plane,edge,worker"]
    assert cells[4:] == ["", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]
    target.http("PATCH", f"/api/v1/nodes/{node}/status", raw=json.dumps({"status": {
        "conditions": [{"type": "Ready", "status": "False", "reason": "Measured",
                        "message": "m", "lastHeartbeatTime": "2026-01-01T00:00:00Z",
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}],
        "addresses": [{"type": "InternalIP", "address": "192.0.2.1"},
                      {"type": "ExternalIP", "address": "198.51.100.1"}],
        "nodeInfo": {"kubeletVersion": "v1.37.2", "osImage": "Debian", "kernelVersion": "6.1",
                     "containerRuntimeVersion": "containerd://2.0", "machineID": "",
                     "systemUUID": "", "bootID": "", "kubeProxyVersion": "",
                     "operatingSystem": "linux", "architecture": "amd64"}}}).encode(),
        content_type="application/merge-patch+json")
    cells = _get(target, f"/api/v1/nodes/{node}", TABLE)["rows"][0]["cells"]
    assert cells[1] == "NotReady,SchedulingDisabled"
    assert cells[4:] == ["v1.37.2", "192.0.2.1", "198.51.100.1", "Debian", "6.1 (amd64)",
                         "containerd://2.0"]
    binding = target.cluster_name("printed", "/apis/rbac.authorization.k8s.io/v1/"
                                  "clusterrolebindings")
    created(target, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": binding},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "view"},
        "subjects": [{"kind": "Group", "name": "g1", "apiGroup": "rbac.authorization.k8s.io"},
                     {"kind": "Group", "name": "g2", "apiGroup": "rbac.authorization.k8s.io"}]})
    cells = _get(target, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/" + binding,
                 TABLE)["rows"][0]["cells"]
    assert [cells[0], cells[1], *cells[3:]] == [binding, "ClusterRole/view", "", "g1, g2", ""]


@behaviour("K8S-221", "status shows in rows: an Ingress's load balancer addresses, a "
           "LoadBalancer Service's external IP", cite=TABLES + " and " + MEASURED)
def test_status_in_rows(target: Target) -> None:
    ns = target.namespace("statusrow")
    ingresses = f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses"
    created(target, ingresses, {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"},
        "spec": {"defaultBackend": {"service": {"name": "s", "port": {"number": 80}}}}})
    services = f"/api/v1/namespaces/{ns}/services"
    created(target, services, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
        "spec": {"type": "LoadBalancer", "externalIPs": ["192.0.2.9"],
                 "ports": [{"port": 80, "protocol": "TCP"}]}})
    load_balancer = {"ingress": [{"ip": "192.0.2.5"}, {"hostname": "lb.example.com"}]}
    for path in (f"{ingresses}/i/status", f"{services}/lb/status"):
        patched = target.http("PATCH", path, raw=json.dumps({"status": {
            "loadBalancer": load_balancer}}).encode(),
            content_type="application/merge-patch+json")
        assert patched.status_code == 200, patched.text
    assert _get(target, f"{ingresses}/i", TABLE)["rows"][0]["cells"][3] == (
        "192.0.2.5,lb.example.com")
    assert _get(target, f"{services}/lb", TABLE)["rows"][0]["cells"][3] == (
        "192.0.2.5,lb.example.com,192.0.2.9")
