"""Discovery: what the server says it serves, which kubectl and the clients read."""

from __future__ import annotations

import pytest

from fakes.conformance.kubernetes._support import behaviour
from fakes.conformance.kubernetes.targets import API_CONCEPTS, MEASURED, Target
from fakes.kubernetes._resources import registry

DISCOVERY = "https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api"
AGGREGATED = "https://kubernetes.io/docs/concepts/overview/kubernetes-api/#aggregated-discovery"


@behaviour("K8S-001", "GET /version names the server's major and minor version",
           cite="https://kubernetes.io/docs/reference/using-api/health-checks/ and " + MEASURED)
def test_version(target: Target) -> None:
    info = target.api("VersionApi").get_code()
    assert info.major == "1" and info.minor and info.git_version.startswith("v1.")


@behaviour("K8S-002", "/api lists v1 and /apis lists each group with its preferred version",
           cite=DISCOVERY)
def test_group_lists(target: Target) -> None:
    api = target.http("GET", "/api").json()
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]
    groups = target.http("GET", "/apis").json()
    assert groups["kind"] == "APIGroupList"
    served = {g["name"]: g for g in groups["groups"]}
    for group, versions in registry().group_versions().items():
        if group:
            assert served[group]["preferredVersion"]["groupVersion"] == f"{group}/{versions[0]}"
    apps = target.http("GET", "/apis/apps").json()
    assert apps["kind"] == "APIGroup" and apps["name"] == "apps"


@pytest.mark.parametrize("group_version", sorted(
    {(t.group, t.version) for t in registry().types}), ids=lambda gv: "/".join(gv) or "v1")
@behaviour("K8S-003", "each group/version lists its resources: name, singular, kind, scope, "
           "verbs, short names, categories, and the status subresource",
           cite=DISCOVERY + " and " + MEASURED + " (short names and categories)")
def test_resource_lists(target: Target, group_version: tuple[str, str]) -> None:
    group, version = group_version
    path = f"/apis/{group}/{version}" if group else f"/api/{version}"
    listed = target.http("GET", path).json()
    assert listed["kind"] == "APIResourceList"
    assert listed["groupVersion"] == (f"{group}/{version}" if group else version)
    by_name = {r["name"]: r for r in listed["resources"]}
    for rt in registry().in_group_version(group, version):
        entry = by_name[rt.plural]
        assert (entry["singularName"], entry["kind"], entry["namespaced"]) == (
            rt.singular, rt.kind, rt.namespaced)
        assert sorted(entry["verbs"]) == sorted(rt.verbs)
        assert entry.get("shortNames", []) == list(rt.short_names)
        assert entry.get("categories", []) == list(rt.categories)
        if rt.has_status:
            status = by_name[f"{rt.plural}/status"]
            assert sorted(status["verbs"]) == ["get", "patch", "update"]


AGGREGATED_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                     "application/json;g=apidiscovery.k8s.io;v=v2beta1;"
                     "as=APIGroupDiscoveryList,application/json")


@behaviour("K8S-004", "a request for aggregated discovery (as kubectl sends it) is answered "
           "with the APIGroupDiscoveryList, its Content-Type naming it; without that Accept "
           "the plain documents; a JSON Accept asking only for other versions is 406",
           cite=AGGREGATED + " and " + MEASURED)
def test_aggregated_discovery_accept(target: Target) -> None:
    for path, plain in (("/api", "APIVersions"), ("/apis", "APIGroupList")):
        answer = target.http("GET", path, headers={"Accept": AGGREGATED_ACCEPT})
        assert answer.status_code == 200
        assert (answer.json()["kind"], answer.json()["apiVersion"]) == (
            "APIGroupDiscoveryList", "apidiscovery.k8s.io/v2")
        assert answer.headers["Content-Type"] == (
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        assert answer.headers["Vary"] == "Accept"
        for accept in ("application/json", None):
            document = target.http("GET", path, headers={"Accept": accept} if accept else {})
            assert document.json()["kind"] == plain
            assert document.headers["Content-Type"] == "application/json"
        passed_over = target.http("GET", path, headers={"Accept": "text/html, " + (
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")})
        assert passed_over.json()["kind"] == "APIGroupDiscoveryList"
    for version in ("v2beta1", "v9"):
        refused = target.http("GET", "/apis", headers={"Accept": (
            f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList")})
        assert (refused.status_code, refused.json()["message"]) == (
            406, "only the following media types are accepted: application/json, "
            "application/yaml, application/vnd.kubernetes.protobuf")


@pytest.mark.parametrize("group_version", sorted(
    {(t.group, t.version) for t in registry().types}), ids=lambda gv: "/".join(gv) or "v1")
@behaviour("K8S-225", "the aggregated document lists each group/version's resources by name: "
           "responseKind, scope, singular, sorted verbs, short names, categories, and the "
           "subresources (status; scale as autoscaling/v1 Scale)",
           cite=AGGREGATED + " and " + MEASURED)
def test_aggregated_resources(target: Target, group_version: tuple[str, str]) -> None:
    group, version = group_version
    path = "/apis" if group else "/api"
    document = target.http("GET", path, headers={"Accept": AGGREGATED_ACCEPT}).json()
    [item] = [i for i in document["items"] if i["metadata"].get("name", "") == group]
    [listed] = [v for v in item["versions"] if v["version"] == version]
    assert listed["freshness"] == "Current"
    names = [r["resource"] for r in listed["resources"]]
    assert names == sorted(names)
    by_name = {r["resource"]: r for r in listed["resources"]}
    for rt in registry().in_group_version(group, version):
        entry = by_name[rt.plural]
        assert entry["responseKind"] == {"group": "", "version": "", "kind": rt.kind}
        assert entry["scope"] == ("Namespaced" if rt.namespaced else "Cluster")
        assert entry["singularResource"] == rt.singular
        assert entry["verbs"] == sorted(rt.verbs)
        assert entry.get("shortNames", []) == list(rt.short_names)
        assert entry.get("categories", []) == list(rt.categories)
        subresources = {s["subresource"]: s for s in entry.get("subresources", [])}
        assert list(subresources) == sorted(subresources)
        if rt.has_status:
            assert subresources["status"] == {"subresource": "status", "responseKind": {
                "group": "", "version": "", "kind": rt.kind}, "verbs": ["get", "patch",
                                                                         "update"]}
        if "scale" in rt.subresources:
            assert subresources["scale"]["responseKind"] == {
                "group": "autoscaling", "version": "v1", "kind": "Scale"}


@behaviour("K8S-005", "kubectl api-resources lists the served kinds with their short names",
           cite="https://kubernetes.io/docs/reference/kubectl/generated/kubectl_api-resources/")
def test_kubectl_api_resources(target: Target) -> None:
    result = target.kubectl("api-resources", "--api-group=", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert "configmaps" in result.stdout.split()
    wide = target.kubectl("api-resources", "--api-group=apps")
    assert "deploy" in wide.stdout.split()


@behaviour("K8S-006", "a request without valid credentials is refused with 401 Unauthorized",
           cite="https://kubernetes.io/docs/reference/access-authn-authz/authentication/ and "
                + MEASURED)
def test_unauthenticated(target: Target) -> None:
    answer = target.http("GET", "/api/v1/namespaces", authenticated=False,
                         headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401
    assert answer.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                             "status": "Failure", "message": "Unauthorized",
                             "reason": "Unauthorized", "code": 401}


@behaviour("K8S-007", "a group the server does not serve is the mux's plain-text 404; a "
           "resource it does not serve in a served group/version is a NotFound Status",
           cite=API_CONCEPTS + "#resource-uris and " + MEASURED)
def test_unserved_paths(target: Target) -> None:
    plain = target.http("GET", "/apis/example.invalid/v1/frobs")
    assert plain.status_code == 404 and plain.text == "404 page not found\n"
    status = target.http("GET", "/api/v1/namespaces/default/frobs").json()
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                      "status": "Failure",
                      "message": "the server could not find the requested resource",
                      "reason": "NotFound", "details": {}, "code": 404}
