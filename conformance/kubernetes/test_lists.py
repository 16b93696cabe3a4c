"""Lists: selectors, pages and the resourceVersion a list was served at."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from fakes.conformance.kubernetes._support import behaviour, cm, failure
from fakes.conformance.kubernetes.manifests import minimal
from fakes.conformance.kubernetes.targets import (
    API_CONCEPTS,
    APIMACHINERY,
    MEASURED,
    Target,
)

SELECTORS = ("https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"
             "#label-selectors")
FIELDS = "https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/"
SELECTOR_GO = APIMACHINERY + "apimachinery/pkg/labels/selector.go"


def _names(target: Target, path: str) -> list[str]:
    answer = target.http("GET", path)
    assert answer.status_code == 200, answer.text
    return [o["metadata"]["name"] for o in answer.json()["items"]]


@behaviour("K8S-030", "a list is <Kind>List with the resourceVersion it was served at; its "
           "items carry no kind or apiVersion", cite=API_CONCEPTS + "#collections")
def test_list_shape(target: Target) -> None:
    ns = target.namespace("listshape")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns, labels={"t": "x"}))
    listed = target.http("GET", path + "?labelSelector=t").json()
    assert (listed["kind"], listed["apiVersion"]) == ("ConfigMapList", "v1")
    assert listed["metadata"]["resourceVersion"]
    assert [sorted(i) for i in listed["items"]] == [["data", "metadata"]]


@pytest.mark.parametrize(("selector", "expected"), [
    ("tier=web", ["a", "b"]), ("tier==web", ["a", "b"]), ("tier!=web", ["c", "d"]),
    ("tier in (web, db)", ["a", "b", "c"]), ("tier notin (web)", ["c", "d"]),
    ("tier", ["a", "b", "c"]), ("!tier", ["d"]), ("tier=web,env=prod", ["a"]),
    ("n>3", ["b"]), ("n<3", ["a"]),
])
@behaviour("K8S-031", "label selectors: =, ==, !=, in, notin, exists, !exists, >, <, and "
           "several requirements together", cite=SELECTORS)
def test_label_selectors(target: Target, selector: str, expected: list[str]) -> None:
    ns = target.namespace("labels")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    labels: dict[str, dict[str, str]] = {
        "a": {"tier": "web", "env": "prod", "n": "1"}, "b": {"tier": "web", "n": "5"},
        "c": {"tier": "db"}, "d": {"other": "x"}}
    for name, values in labels.items():
        target.http("POST", path, body=cm(name, ns, labels={**values, "set": "s"}))
    assert _names(target, f"{path}?labelSelector={quote('set,' + selector)}") == expected


@pytest.mark.parametrize(("selector", "message"), [
    ("a in b", "unable to parse requirement: found 'b' expected: '('"),
    ("!!", "unable to parse requirement: found '!', expected: identifier"),
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a==b=c", "found '=', expected: ',' or 'end of string'"),
    ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a>b", "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' "
            "operators, the value must be an integer"),
    ("a,", "found '', expected: identifier after ','"),
    (")", "found ')', expected: !, identifier, or 'end of string'"),
    ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
    ("a in (!)", "unable to parse requirement: found '!', expected: ',', ')' or identifier"),
    ("a in (b,!)", "unable to parse requirement: found '!', expected: ',', or identifier"),
    ("a=!", "unable to parse requirement: found '!', expected: identifier"),
    ("-a=b", "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist "
             "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
             "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
             "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
    ("/a=b", "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be "
             "non-empty"),
    ("a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key "
              "must consist of alphanumeric characters, '-', '_' or '.', and must start and "
              "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
              "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
              "[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
              "'example.com/MyName')"),
    ("a" * 254 + "/b", "unable to parse requirement: <nil>: Invalid value: \"" + "a" * 254
     + "/b\": prefix part must be no more than 253 bytes"),
    ("a_/b", "unable to parse requirement: <nil>: Invalid value: \"a_/b\": prefix part a "
             "lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
             "'-' or '.', and must start and end with an alphanumeric character (e.g. "
             "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\."
             "[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    ("a=" + "b" * 64, "unable to parse requirement: values[0][a]: Invalid value: \"" + "b" * 64
     + "\": must be no more than 63 bytes"),
    ("a=B_!", "unable to parse requirement: values[0][a]: Invalid value: \"B_\": a valid "
              "label must be an empty string or consist of alphanumeric characters, '-', '_' "
              "or '.', and must start and end with an alphanumeric character (e.g. "
              "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
              "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
])
@behaviour("K8S-032", "a label selector that does not parse is 400 BadRequest with the "
           "parser's message", cite=SELECTOR_GO + " and " + MEASURED)
def test_label_selector_errors(target: Target, selector: str, message: str) -> None:
    status = failure(target, "GET", f"/api/v1/namespaces/default/configmaps?labelSelector="
                                    f"{quote(selector)}")
    assert (status["reason"], status["message"]) == ("BadRequest", message)


@pytest.mark.parametrize("selector", [
    "a in ()", "a in (,b)", "a in (b,)", "a in (b,,c)", "x in (in, notin)", "a=", "a==,b",
    "example.com/a=b", "!a,!b",
])
@behaviour("K8S-028", "label selectors that are odd but valid parse", cite=SELECTOR_GO)
def test_odd_label_selectors_parse(target: Target, selector: str) -> None:
    answer = target.http("GET", "/api/v1/namespaces/default/configmaps?labelSelector="
                                f"{quote(selector)}&limit=1")
    assert answer.status_code == 200, answer.text


@behaviour("K8S-033", "field selectors metadata.name and metadata.namespace, with = and !=, "
           "across namespaces too", cite=FIELDS)
def test_field_selectors(target: Target) -> None:
    ns, other = target.namespace("fields"), target.namespace("fields")
    for namespace in (ns, other):
        for name in ("a", "b"):
            target.http("POST", f"/api/v1/namespaces/{namespace}/configmaps",
                        body=cm(name, namespace, labels={"run": target.run_id}))
    path = f"/api/v1/namespaces/{ns}/configmaps"
    assert _names(target, path + "?fieldSelector=metadata.name%3Da") == ["a"]
    assert _names(target, path + "?fieldSelector=metadata.name!%3Da&labelSelector=run") == [
        "b"]
    everywhere = target.http(
        "GET", f"/api/v1/configmaps?labelSelector=run%3D{target.run_id}&fieldSelector="
               f"metadata.namespace%3D{other},metadata.name%3Db").json()
    assert [(o["metadata"]["namespace"], o["metadata"]["name"])
            for o in everywhere["items"]] == [(other, "b")]
    assert _names(target, path + "?fieldSelector=metadata.name%3D%3Db") == ["b"]
    assert _names(target, path + "?fieldSelector=metadata.name%3Da%5C%2Cb") == []
    bare = failure(target, "GET", path + "?fieldSelector=metadata.name")
    assert bare["message"] == ("invalid selector: 'metadata.name'; can't understand "
                               "'metadata.name'")


@pytest.mark.parametrize(("path", "message"), [
    ("/api/v1/namespaces/default/configmaps",
     '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("/api/v1/namespaces/default/pods", "field label not supported: spec.foo"),
    ("/apis/batch/v1/namespaces/default/jobs", 'field label "spec.foo" not supported for Job'),
])
@behaviour("K8S-034", "a field the resource cannot select on is 400 BadRequest, in that "
           "resource's words", cite=FIELDS + " and " + MEASURED)
def test_unknown_field_selector(target: Target, path: str, message: str) -> None:
    status = failure(target, "GET", path + "?fieldSelector=spec.foo%3Dx")
    assert (status["reason"], status["message"]) == ("BadRequest", message)


@behaviour("K8S-035", "resources select on their own fields too: Pods by spec.nodeName",
           cite=FIELDS + "#supported-fields and " + MEASURED)
def test_own_field_selectors(target: Target) -> None:
    ns = target.namespace("podfields")
    for name in ("p", "q"):
        target.http("POST", f"/api/v1/namespaces/{ns}/pods", body=minimal("v1", "Pod", name, ns))
    path = f"/api/v1/namespaces/{ns}/pods?fieldSelector=spec.nodeName"
    assert _names(target, path + "%3D") == ["p", "q"]
    assert _names(target, path + "%3Dnowhere") == []


@behaviour("K8S-036", "limit and continue page through a consistent snapshot: later writes "
           "do not show in later pages", cite=API_CONCEPTS + "#retrieving-large-results-sets-"
                                                          "in-chunks")
def test_pages(target: Target) -> None:
    ns = target.namespace("pages")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name in "abcde":
        target.http("POST", path, body=cm(name, ns, labels={"page": "yes"}))
    first = target.http("GET", path + "?labelSelector=page&limit=2").json()
    assert [o["metadata"]["name"] for o in first["items"]] == ["a", "b"]
    assert "remainingItemCount" not in first["metadata"]  # a filtered list has no count
    target.http("DELETE", f"{path}/c")
    target.http("POST", path, body=cm("bb", ns, labels={"page": "yes"}))
    names: list[str] = []
    token = first["metadata"]["continue"]
    while token:
        page = target.http("GET", f"{path}?labelSelector=page&limit=2&continue={token}").json()
        assert page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        names += [o["metadata"]["name"] for o in page["items"]]
        token = page["metadata"].get("continue")
    assert names == ["c", "d", "e"]
    unfiltered = target.http("GET", f"/api/v1/namespaces/{ns}/configmaps?limit=1").json()
    count = len(_names(target, path)) - 1
    assert unfiltered["metadata"]["remainingItemCount"] == count


@behaviour("K8S-037", "a continue token the server did not make is 400 BadRequest",
           cite=API_CONCEPTS + "#retrieving-large-results-sets-in-chunks and " + MEASURED)
def test_bad_continue(target: Target) -> None:
    status = failure(target, "GET", "/api/v1/namespaces/default/configmaps?limit=1&continue="
                                    "abc")
    assert status["reason"] == "BadRequest"
    assert status["message"].startswith("invalid continue token: continue key is not valid: ")
    bad_limit = failure(target, "GET", "/api/v1/namespaces/default/configmaps?limit=abc")
    assert bad_limit["message"] == 'strconv.ParseInt: parsing "abc": invalid syntax'


@behaviour("K8S-038", "resourceVersionMatch=Exact lists the state at that version; a version "
           "the server has not reached is 504 Too large resource version",
           cite=API_CONCEPTS + "#the-resourceversion-parameter and " + MEASURED)
def test_list_at_a_version(target: Target) -> None:
    ns = target.namespace("exact")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    target.http("POST", path, body=cm("a", ns, labels={"v": "1"}))
    before = target.http("GET", path + "?labelSelector=v").json()["metadata"]["resourceVersion"]
    target.http("POST", path, body=cm("b", ns, labels={"v": "1"}))
    assert _names(target, f"{path}?labelSelector=v&resourceVersion={before}"
                          "&resourceVersionMatch=Exact") == ["a"]
    assert _names(target, f"{path}?labelSelector=v&resourceVersion={before}") == ["a", "b"]
    ahead = str(int(before) + 10_000_000)
    status = failure(target, "GET", f"{path}?resourceVersion={ahead}")
    assert (status["code"], status["reason"]) == (504, "Timeout")
    assert status["message"].startswith(f"Timeout: Too large resource version: {ahead}, "
                                        "current: ")
    assert status["details"]["causes"] == [{"reason": "ResourceVersionTooLarge",
                                            "message": "Too large resource version"}]


@behaviour("K8S-039", "a continue token older than the history kept is 410 Expired",
           cite=API_CONCEPTS + "#retrieving-large-results-sets-in-chunks")
def test_expired_continue(target: Target) -> None:
    target.require("virtual_clock")
    ns = target.namespace("expired")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name in "abc":
        target.http("POST", path, body=cm(name, ns, labels={"x": "y"}))
    first = target.http("GET", path + "?labelSelector=x&limit=1").json()
    target.http("POST", path, body=cm("d", ns))
    target.advance_clock(301)
    target.http("POST", path, body=cm("e", ns))
    old = first["metadata"]["resourceVersion"]
    exact = failure(target, "GET", f"{path}?resourceVersion={old}&resourceVersionMatch=Exact")
    assert (exact["code"], exact["reason"]) == (410, "Expired")
    status = failure(target, "GET", f"{path}?labelSelector=x&limit=1&continue="
                                    f"{first['metadata']['continue']}")
    assert (status["code"], status["reason"]) == (410, "Expired")
    assert status["message"].startswith("The provided continue parameter is too old")



@behaviour("K8S-029", "list options that break the rules of resourceVersionMatch or "
           "sendInitialEvents are 422 Invalid ListOptions naming every broken rule",
           cite=API_CONCEPTS + "#the-resourceversion-parameter and " + MEASURED)
def test_list_option_rules(target: Target) -> None:
    ns = target.namespace("listopts")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    cases = {
        "resourceVersionMatch=Bogus": [
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
            "resourceVersion is provided",
            'resourceVersionMatch: Unsupported value: "Bogus": supported values: "Exact", '
            '"NotOlderThan", ""'],
        "resourceVersion=1&resourceVersionMatch=Exact&continue=abc": [
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when "
            "continue is provided"],
        "resourceVersion=0&resourceVersionMatch=Exact": [
            'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for '
            'resourceVersion "0"'],
        "sendInitialEvents=true": [
            "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"],
    }
    for query, errors in cases.items():
        status = failure(target, "GET", f"{path}?{query}")
        joined = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        assert status["message"] == f'ListOptions.meta.k8s.io "" is invalid: {joined}', query
        assert (status["code"], status["reason"]) == (422, "Invalid")
        assert [f"{c['field']}: {c['message']}" for c in status["details"]["causes"]] == errors
